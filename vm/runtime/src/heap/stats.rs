//! Collector statistics: what `lang run --gc-stats` prints at exit.
//!
//! The counters are process-wide (MMTk and its workers are), written by the
//! binding's stop-the-world hooks and reset when a heap is created, so each
//! run counts its own collections. Bytes allocated are counted by the `Heap`
//! on its allocation paths.

use super::binding::MMTK_INSTANCE;
use super::GcPlan;
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

static NURSERY: AtomicU64 = AtomicU64::new(0);
static FULL: AtomicU64 = AtomicU64::new(0);
static PAUSE_TOTAL_NS: AtomicU64 = AtomicU64::new(0);
static PAUSE_MAX_NS: AtomicU64 = AtomicU64::new(0);
static PEAK_PAGES: AtomicUsize = AtomicUsize::new(0);

/// Starts counting afresh (a new heap, a new run).
pub(super) fn reset() {
    for c in [&NURSERY, &FULL, &PAUSE_TOTAL_NS, &PAUSE_MAX_NS] {
        c.store(0, Ordering::Relaxed);
    }
    PEAK_PAGES.store(0, Ordering::Relaxed);
}

/// Records the end of one collection (on a GC worker, before the mutator
/// resumes): whether it was a nursery collection.
pub(super) fn collection_done(nursery: bool) {
    if nursery {
        NURSERY.fetch_add(1, Ordering::Relaxed);
    } else {
        FULL.fetch_add(1, Ordering::Relaxed);
    }
}

/// Records one pause as the mutator saw it (from blocking to resuming).
pub(super) fn pause(d: Duration) {
    let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    PAUSE_TOTAL_NS.fetch_add(ns, Ordering::Relaxed);
    PAUSE_MAX_NS.fetch_max(ns, Ordering::Relaxed);
}

/// Samples the heap's size. Called before every collection (the heap is at
/// its fullest then) and when statistics are read.
pub(super) fn sample_heap() {
    if let Some(mmtk) = MMTK_INSTANCE.get() {
        let pages = mmtk.get_plan().get_used_pages();
        PEAK_PAGES.fetch_max(pages, Ordering::Relaxed);
    }
}

/// A run's collector statistics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcStats {
    /// The plan that ran.
    pub plan: GcPlan,
    /// The heap limit in bytes.
    pub heap_limit: usize,
    /// Nursery (young-generation) collections.
    pub nursery_collections: u64,
    /// Full-heap collections (every collection of a non-generational plan).
    pub full_collections: u64,
    /// Time the program stood still for collections, in total and at most.
    pub total_pause: Duration,
    pub max_pause: Duration,
    /// Bytes of objects allocated (headers included).
    pub allocated_bytes: u64,
    /// The most the heap held, in bytes (pages in use, sampled before every
    /// collection and at the end).
    pub peak_heap_bytes: usize,
}

impl GcStats {
    /// The statistics so far, given what the heap counted itself.
    pub(super) fn current(plan: GcPlan, heap_limit: usize, allocated_bytes: u64) -> GcStats {
        sample_heap();
        GcStats {
            plan,
            heap_limit,
            nursery_collections: NURSERY.load(Ordering::Relaxed),
            full_collections: FULL.load(Ordering::Relaxed),
            total_pause: Duration::from_nanos(PAUSE_TOTAL_NS.load(Ordering::Relaxed)),
            max_pause: Duration::from_nanos(PAUSE_MAX_NS.load(Ordering::Relaxed)),
            allocated_bytes,
            peak_heap_bytes: PEAK_PAGES.load(Ordering::Relaxed)
                << mmtk::util::constants::LOG_BYTES_IN_PAGE,
        }
    }

    /// All collections.
    pub fn collections(&self) -> u64 {
        self.nursery_collections + self.full_collections
    }
}

/// `1.5 MiB`, `812 KiB`, `96 B`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut x = n as f64 / 1024.0;
    let mut unit = 0;
    while x >= 1024.0 && unit + 1 < UNITS.len() {
        x /= 1024.0;
        unit += 1;
    }
    format!("{x:.1} {}", UNITS[unit])
}

/// `0.214 ms`, `12.5 ms`, `1.204 s`.
fn millis(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        format!("{:.3} s", ms / 1000.0)
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

impl fmt::Display for GcStats {
    /// A small table, labels left and values right-aligned:
    ///
    /// ```text
    /// gc: GenImmix, heap limit 64.0 MiB
    ///   collections         41
    ///     nursery           40
    ///     full               1
    ///   total pause     12.5 ms
    ///   longest pause  1.204 ms
    ///   allocated      1.2 GiB
    ///   peak heap     30.1 MiB
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = [
            ("collections", self.collections().to_string()),
            ("  nursery", self.nursery_collections.to_string()),
            ("  full", self.full_collections.to_string()),
            ("total pause", millis(self.total_pause)),
            ("longest pause", millis(self.max_pause)),
            ("allocated", bytes(self.allocated_bytes)),
            ("peak heap", bytes(self.peak_heap_bytes as u64)),
        ];
        let label = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let value = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
        writeln!(
            f,
            "gc: {}, heap limit {}",
            self.plan.name(),
            bytes(self.heap_limit as u64)
        )?;
        for (l, v) in rows {
            writeln!(f, "  {l:<label$}  {v:>value$}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times_read_well() {
        assert_eq!(bytes(96), "96 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(64 << 20), "64.0 MiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
        assert_eq!(millis(Duration::from_micros(214)), "0.214 ms");
        assert_eq!(millis(Duration::from_micros(12_500)), "12.5 ms");
        assert_eq!(millis(Duration::from_millis(1204)), "1.204 s");
    }

    #[test]
    fn the_table_is_aligned() {
        let s = GcStats {
            plan: GcPlan::GenImmix,
            heap_limit: 64 << 20,
            nursery_collections: 40,
            full_collections: 1,
            total_pause: Duration::from_micros(12_500),
            max_pause: Duration::from_micros(1_204),
            allocated_bytes: 1 << 30,
            peak_heap_bytes: 30 << 20,
        };
        let text = s.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "gc: GenImmix, heap limit 64.0 MiB");
        assert_eq!(lines[1], "  collections          41");
        assert_eq!(lines[2], "    nursery            40");
        let width = lines[1].len();
        assert!(lines[1..].iter().all(|l| l.len() == width), "{text}");
    }
}
