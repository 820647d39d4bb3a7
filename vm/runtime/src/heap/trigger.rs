//! The GC trigger: a fixed heap limit that each run may set anew.
//!
//! MMTk is process-wide, but a process may run several programs one after the
//! other (the test binary does), each with its own `heap_max`. MMTk's own
//! `FixedHeapSize` trigger fixes the limit at initialisation, so the binding
//! delegates triggering here and keeps the limit in an atomic.

use super::binding::LangVM;
use mmtk::plan::Plan;
use mmtk::util::constants::LOG_BYTES_IN_PAGE;
use mmtk::util::heap::{GCTriggerPolicy, SpaceStats};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The largest heap limit a run may set: 64 GiB, well above the machines'
/// memory. MMTk sizes its spaces' address ranges from the limit in force when
/// it starts, so it starts with this one and each run lowers it to its own.
pub const MAX_HEAP_BYTES: usize = 64 << 30;

/// The current heap limit in pages.
static LIMIT_PAGES: AtomicUsize = AtomicUsize::new(MAX_HEAP_BYTES >> LOG_BYTES_IN_PAGE);

/// Sets the heap limit for the next allocations (at most `MAX_HEAP_BYTES`).
pub fn set_limit_bytes(bytes: usize) {
    let pages = bytes.min(MAX_HEAP_BYTES) >> LOG_BYTES_IN_PAGE;
    LIMIT_PAGES.store(pages.max(1), Ordering::Relaxed);
}

/// The heap limit in bytes.
pub fn limit_bytes() -> usize {
    LIMIT_PAGES.load(Ordering::Relaxed) << LOG_BYTES_IN_PAGE
}

/// A fixed-size trigger whose size is `LIMIT_PAGES`.
pub struct AdjustableTrigger;

impl GCTriggerPolicy<LangVM> for AdjustableTrigger {
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
        plan.get_reserved_pages() > LIMIT_PAGES.load(Ordering::Relaxed)
    }

    fn get_current_heap_size_in_pages(&self) -> usize {
        LIMIT_PAGES.load(Ordering::Relaxed)
    }

    fn get_max_heap_size_in_pages(&self) -> usize {
        LIMIT_PAGES.load(Ordering::Relaxed)
    }

    fn can_heap_size_grow(&self) -> bool {
        false
    }
}
