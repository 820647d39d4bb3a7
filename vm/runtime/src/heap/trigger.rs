//! The GC trigger: a heap that grows on demand up to a limit each run may
//! set anew.
//!
//! MMTk is process-wide, but a process may run several programs one after the
//! other (the test binary does), each with its own `heap_max`. MMTk's own
//! triggers fix their sizes at initialisation, so the binding delegates
//! triggering here and keeps the sizes in atomics.
//!
//! The heap starts at `INITIAL_HEAP_BYTES` (or the limit, if lower) and is
//! resized after every collection to twice what it then holds, never below
//! the initial size nor above the limit. So a program with little live data
//! stays small however much garbage it makes (a generational plan's nursery
//! is at most the current heap size), and one with much live data grows the
//! heap until the limit, where it runs out of memory.

use super::binding::LangVM;
use mmtk::plan::Plan;
use mmtk::util::constants::LOG_BYTES_IN_PAGE;
use mmtk::util::heap::{GCTriggerPolicy, SpaceStats};
use mmtk::MMTK;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The largest heap limit a run may set: 64 GiB, well above the machines'
/// memory. MMTk sizes its spaces' address ranges from the limit in force when
/// it starts (twice it, for each space), so the heap starts MMTk with the
/// first run's limit (`heap::MIN_CAPACITY_BYTES` at least) and each run sets
/// its own, up to that.
pub const MAX_HEAP_BYTES: usize = 64 << 30;

/// The heap size a run starts with (if its limit allows): 48 MiB. A
/// generational plan's nursery gets about half of what the mature space
/// leaves free, so this fixes how often a program with little live data
/// collects. Measured on binarytrees 16 (343 MiB allocated, 4 MiB
/// long-lived): 32 MiB gave 27 collections, 0.57 s and 54 MB peak RSS;
/// 48 MiB 16 collections, 0.44 s, 56 MB; 64 MiB 12 collections, 0.46 s,
/// 61-65 MB. Pages are touched only as they are allocated, so a small
/// program does not pay for the size.
pub const INITIAL_HEAP_BYTES: usize = 48 << 20;

/// The current heap limit in pages.
static LIMIT_PAGES: AtomicUsize = AtomicUsize::new(MAX_HEAP_BYTES >> LOG_BYTES_IN_PAGE);

/// The current heap size in pages (at most the limit): a collection runs
/// when the heap would grow past it.
static SIZE_PAGES: AtomicUsize = AtomicUsize::new(MAX_HEAP_BYTES >> LOG_BYTES_IN_PAGE);

/// Pages that allocations waiting for a collection asked for.
static PENDING_PAGES: AtomicUsize = AtomicUsize::new(0);

/// Sets the heap limit for the next allocations (at most `MAX_HEAP_BYTES`)
/// and starts the heap at its initial size.
pub fn set_limit_bytes(bytes: usize) {
    let pages = (bytes.min(MAX_HEAP_BYTES) >> LOG_BYTES_IN_PAGE).max(1);
    LIMIT_PAGES.store(pages, Ordering::Relaxed);
    SIZE_PAGES.store(initial_pages(pages), Ordering::Relaxed);
    PENDING_PAGES.store(0, Ordering::Relaxed);
}

fn initial_pages(limit: usize) -> usize {
    (INITIAL_HEAP_BYTES >> LOG_BYTES_IN_PAGE).min(limit)
}

/// The heap limit in bytes.
pub fn limit_bytes() -> usize {
    LIMIT_PAGES.load(Ordering::Relaxed) << LOG_BYTES_IN_PAGE
}

/// The heap size after a collection that left `reserved` pages in use and
/// with `pending` pages wanted: twice that, within [initial, limit].
fn resized(reserved: usize, pending: usize, limit: usize) -> usize {
    reserved
        .saturating_mul(2)
        .saturating_add(pending)
        .max(initial_pages(limit))
        .min(limit)
}

/// A growing trigger bounded by `LIMIT_PAGES`.
pub struct AdjustableTrigger;

impl GCTriggerPolicy<LangVM> for AdjustableTrigger {
    fn on_pending_allocation(&self, pages: usize) {
        PENDING_PAGES.fetch_add(pages, Ordering::Relaxed);
    }

    fn on_gc_end(&self, mmtk: &'static MMTK<LangVM>) {
        let reserved = mmtk.get_plan().get_reserved_pages();
        let pending = PENDING_PAGES.swap(0, Ordering::Relaxed);
        let limit = LIMIT_PAGES.load(Ordering::Relaxed);
        SIZE_PAGES.store(resized(reserved, pending, limit), Ordering::Relaxed);
    }

    fn is_gc_required(
        &self,
        space_full: bool,
        space: Option<SpaceStats<LangVM>>,
        plan: &dyn Plan<VM = LangVM>,
    ) -> bool {
        // NoGC cannot collect: MMTk would reach `unreachable!` in its
        // scheduler. The heap enforces the limit itself for that plan.
        if !plan.constraints().collects_garbage {
            return false;
        }
        plan.collection_required(space_full, space)
    }

    fn is_heap_full(&self, plan: &dyn Plan<VM = LangVM>) -> bool {
        plan.get_reserved_pages() > SIZE_PAGES.load(Ordering::Relaxed)
    }

    fn get_current_heap_size_in_pages(&self) -> usize {
        SIZE_PAGES.load(Ordering::Relaxed)
    }

    fn get_max_heap_size_in_pages(&self) -> usize {
        LIMIT_PAGES.load(Ordering::Relaxed)
    }

    fn can_heap_size_grow(&self) -> bool {
        SIZE_PAGES.load(Ordering::Relaxed) < LIMIT_PAGES.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heap_is_twice_its_live_data_within_bounds() {
        let mib = |n: usize| (n << 20) >> LOG_BYTES_IN_PAGE;
        let limit = mib(1024);
        assert_eq!(resized(mib(1), 0, limit), mib(48));
        assert_eq!(resized(mib(100), mib(1), limit), mib(201));
        assert_eq!(resized(mib(600), 0, limit), limit);
        assert_eq!(resized(mib(1), 0, mib(16)), mib(16));
    }
}
