//! The MMTk binding: how MMTk sees this runtime's objects, threads and roots.
//!
//! The runtime has one mutator thread (the one running the program) and MMTk's
//! GC worker threads. A collection is stop-the-world: the mutator, inside an
//! allocation, blocks in `block_for_gc`; a worker's `stop_all_mutators` waits
//! until it has, scans its roots through `roots::scan_published`, and
//! `resume_mutators` wakes it up when the collection is over.

use super::object;
use super::roots;
use super::stats;
use super::trigger::AdjustableTrigger;
use mmtk::scheduler::GCWorker;
use mmtk::util::alloc::AllocationError;
use mmtk::util::copy::{CopySemantics, GCWorkerCopyContext};
use mmtk::util::heap::GCTriggerPolicy;
use mmtk::util::opaque_pointer::{OpaquePointer, VMMutatorThread, VMThread, VMWorkerThread};
use mmtk::util::{Address, ObjectReference};
use mmtk::vm::slot::{SimpleSlot, UnimplementedMemorySlice};
use mmtk::vm::{
    ActivePlan, Collection, GCThreadContext, ObjectModel, ReferenceGlue, RootsWorkFactory,
    Scanning, SlotVisitor, VMBinding, VMGlobalLogBitSpec, VMLocalForwardingBitsSpec,
    VMLocalForwardingPointerSpec, VMLocalLOSMarkNurserySpec, VMLocalMarkBitSpec,
};
use mmtk::{Mutator, MMTK};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Instant;

/// The binding type MMTk is instantiated with.
#[derive(Default)]
pub struct LangVM;

impl VMBinding for LangVM {
    type VMObjectModel = LangVM;
    type VMScanning = LangVM;
    type VMCollection = LangVM;
    type VMActivePlan = LangVM;
    type VMReferenceGlue = LangVM;
    type VMSlot = SimpleSlot;
    type VMMemorySlice = UnimplementedMemorySlice;
}

/// The process's MMTk instance, set once by `heap::global::instance`.
pub(super) static MMTK_INSTANCE: OnceLock<&'static MMTK<LangVM>> = OnceLock::new();

/// The bound mutator, or null between runs. Owned by the `Heap`; MMTk reaches
/// it through `ActivePlan` while the mutator thread is stopped.
pub(super) static MUTATOR: AtomicPtr<Mutator<LangVM>> = AtomicPtr::new(std::ptr::null_mut());

/// Set by `out_of_memory`: the allocation that is failing will return null.
pub(super) static OUT_OF_MEMORY: AtomicBool = AtomicBool::new(false);

/// The mutator's thread-local-storage token. There is only one mutator at a
/// time, so one static marker identifies it; GC workers get their own markers,
/// so `is_mutator` tells them apart (MMTk must not poll for GC on a worker).
static MUTATOR_MARK: u8 = 0;

/// The token that names the mutator thread to MMTk.
pub fn mutator_tls() -> VMMutatorThread {
    VMMutatorThread(VMThread(OpaquePointer::from_address(Address::from_ptr(
        &MUTATOR_MARK,
    ))))
}

/// The stop-the-world handshake between the mutator and the GC workers.
struct StopState {
    /// The mutator is parked in `block_for_gc`.
    blocked: bool,
    /// Incremented by every `resume_mutators`.
    epoch: u64,
}

static STOP: Mutex<StopState> = Mutex::new(StopState {
    blocked: false,
    epoch: 0,
});
static STOP_CHANGED: Condvar = Condvar::new();

/// How many collections this process has run (each ends with one
/// `resume_mutators`).
pub fn collections() -> u64 {
    lock_stop().epoch
}

fn lock_stop() -> std::sync::MutexGuard<'static, StopState> {
    STOP.lock().unwrap_or_else(|e| e.into_inner())
}

/// GC workers MMTk has handed over (`spawn_gc_thread`) that have no thread
/// yet. MMTk hands them all over when it starts, but a short run never
/// collects, and starting the threads (one fewer than the CPUs) was a measurable part
/// of its start-up; so each gets its thread when the mutator first waits
/// for a collection (`block_for_gc`), which is before any worker has work:
/// MMTk's workers only act on a collection request once every one of them
/// is parked waiting for work, and a request waits for them until then.
static PENDING_WORKERS: Mutex<PendingWorkers> = Mutex::new(Vec::new());

/// The workers as MMTk hands them over and `start_worker` takes them back:
/// boxed, so keeping them moves no worker.
#[allow(clippy::vec_box)]
type PendingWorkers = Vec<Box<GCWorker<LangVM>>>;

/// How many GC worker threads this process has started.
static WORKERS_STARTED: AtomicUsize = AtomicUsize::new(0);

fn lock_pending() -> std::sync::MutexGuard<'static, PendingWorkers> {
    PENDING_WORKERS.lock().unwrap_or_else(|e| e.into_inner())
}

/// How many GC worker threads this process has started so far (0 until its
/// first collection).
pub fn gc_workers_started() -> usize {
    WORKERS_STARTED.load(Ordering::Relaxed)
}

/// Gives every GC worker MMTk handed over its thread.
fn start_pending_workers() {
    let workers = std::mem::take(&mut *lock_pending());
    for worker in workers {
        let spawned = std::thread::Builder::new()
            .name("lang-gc".into())
            .spawn(move || {
                // A distinct, real token per worker (see `MUTATOR_MARK`).
                let mark: &'static u8 = Box::leak(Box::new(0u8));
                let tls = VMWorkerThread(VMThread(OpaquePointer::from_address(Address::from_ptr(
                    mark,
                ))));
                if let Some(mmtk) = MMTK_INSTANCE.get() {
                    mmtk::memory_manager::start_worker(mmtk, tls, worker);
                }
            });
        if spawned.is_err() {
            // Without workers no collection can finish; the process cannot
            // go on safely.
            eprintln!("error: cannot start a GC worker thread");
            std::process::exit(70);
        }
        WORKERS_STARTED.fetch_add(1, Ordering::Relaxed);
    }
}

impl Collection<LangVM> for LangVM {
    fn stop_all_mutators<F>(_tls: VMWorkerThread, mut mutator_visitor: F)
    where
        F: FnMut(&'static mut Mutator<LangVM>),
    {
        // Only the mutator triggers collections (from an allocation that then
        // calls `block_for_gc`), so wait until it is parked.
        let mut st = lock_stop();
        while !st.blocked && !MUTATOR.load(Ordering::Acquire).is_null() {
            st = STOP_CHANGED.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        drop(st);
        // The heap is at its fullest just before a collection.
        stats::sample_heap();
        let m = MUTATOR.load(Ordering::Acquire);
        if !m.is_null() {
            // SAFETY: the mutator is parked; the worker has it alone until
            // `resume_mutators`.
            mutator_visitor(unsafe { &mut *m });
        }
    }

    fn resume_mutators(_tls: VMWorkerThread) {
        // The plan still knows what kind of collection this was.
        let nursery = MMTK_INSTANCE
            .get()
            .and_then(|m| m.get_plan().generational())
            .is_some_and(|g| g.is_current_gc_nursery());
        stats::collection_done(nursery);
        let mut st = lock_stop();
        st.epoch = st.epoch.wrapping_add(1);
        STOP_CHANGED.notify_all();
    }

    fn block_for_gc(_tls: VMMutatorThread) {
        let paused = Instant::now();
        // The first collection is the first work for the workers.
        start_pending_workers();
        let mut st = lock_stop();
        let start = st.epoch;
        st.blocked = true;
        STOP_CHANGED.notify_all();
        while st.epoch == start {
            st = STOP_CHANGED.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st.blocked = false;
        drop(st);
        stats::pause(paused.elapsed());
    }

    fn spawn_gc_thread(_tls: VMThread, ctx: GCThreadContext<LangVM>) {
        // Kept for the first collection (see `PENDING_WORKERS`).
        let GCThreadContext::Worker(worker) = ctx;
        lock_pending().push(worker);
    }

    fn out_of_memory(_tls: VMThread, err_kind: AllocationError) {
        match err_kind {
            // Returning makes the failing allocation return null, which the
            // heap turns into the runtime error `out of memory`.
            AllocationError::HeapOutOfMemory => OUT_OF_MEMORY.store(true, Ordering::Relaxed),
            // The OS refused memory: MMTk requires that this never returns.
            AllocationError::MmapOutOfMemory => {
                eprintln!("runtime error: out of memory (the system refused memory)");
                std::process::exit(70);
            }
        }
    }

    fn create_gc_trigger() -> Box<dyn GCTriggerPolicy<LangVM>> {
        Box::new(AdjustableTrigger)
    }
}

impl ActivePlan<LangVM> for LangVM {
    fn is_mutator(tls: VMThread) -> bool {
        tls.0.to_address() == Address::from_ptr(&MUTATOR_MARK)
    }

    fn mutator(_tls: VMMutatorThread) -> &'static mut Mutator<LangVM> {
        let m = MUTATOR.load(Ordering::Acquire);
        assert!(!m.is_null(), "MMTk asked for a mutator while none is bound");
        // SAFETY: MMTk asks for the mutator on the mutator thread or while
        // it is stopped; the `Heap` keeps it alive while it is bound.
        unsafe { &mut *m }
    }

    fn mutators<'a>() -> Box<dyn Iterator<Item = &'a mut Mutator<LangVM>> + 'a> {
        let m = MUTATOR.load(Ordering::Acquire);
        if m.is_null() {
            Box::new(std::iter::empty())
        } else {
            // SAFETY: as for `mutator`.
            Box::new(std::iter::once(unsafe { &mut *m }))
        }
    }

    fn number_of_mutators() -> usize {
        usize::from(!MUTATOR.load(Ordering::Acquire).is_null())
    }
}

impl ObjectModel<LangVM> for LangVM {
    // All per-object GC metadata lives in side tables except the forwarding
    // pointer, which overwrites the header of the old copy of a moved object
    // (MMTk writes it only after the copy is made).
    const GLOBAL_LOG_BIT_SPEC: VMGlobalLogBitSpec = VMGlobalLogBitSpec::side_first();
    const LOCAL_FORWARDING_POINTER_SPEC: VMLocalForwardingPointerSpec =
        VMLocalForwardingPointerSpec::in_header(0);
    const LOCAL_FORWARDING_BITS_SPEC: VMLocalForwardingBitsSpec =
        VMLocalForwardingBitsSpec::side_first();
    const LOCAL_MARK_BIT_SPEC: VMLocalMarkBitSpec =
        VMLocalMarkBitSpec::side_after(Self::LOCAL_FORWARDING_BITS_SPEC.as_spec());
    const LOCAL_LOS_MARK_NURSERY_SPEC: VMLocalLOSMarkNurserySpec =
        VMLocalLOSMarkNurserySpec::side_after(Self::LOCAL_MARK_BIT_SPEC.as_spec());

    // An object reference is the address of the header, which is where the
    // object starts.
    const OBJECT_REF_OFFSET_LOWER_BOUND: isize = 0;

    fn copy(
        from: ObjectReference,
        semantics: CopySemantics,
        copy_context: &mut GCWorkerCopyContext<LangVM>,
    ) -> ObjectReference {
        let bytes = object::object_bytes(from.to_raw_address().as_usize() as u64);
        let dst = copy_context.alloc_copy(from, bytes, 8, 0, semantics);
        // SAFETY: `dst` is fresh memory of `bytes` bytes from the copy
        // allocator; the source is a live object of exactly `bytes` bytes.
        unsafe {
            std::ptr::copy_nonoverlapping::<u8>(
                from.to_raw_address().to_ptr(),
                dst.to_mut_ptr(),
                bytes,
            );
        }
        // SAFETY: the copy allocator never returns address 0.
        let to = unsafe { ObjectReference::from_raw_address_unchecked(dst) };
        copy_context.post_copy(to, bytes, semantics);
        to
    }

    fn copy_to(from: ObjectReference, to: ObjectReference, region: Address) -> Address {
        let bytes = object::object_bytes(from.to_raw_address().as_usize() as u64);
        if from != to {
            // SAFETY: MarkCompact gives a destination with room for the
            // object; `copy` allows the ranges to overlap.
            unsafe {
                std::ptr::copy::<u8>(
                    from.to_raw_address().to_ptr(),
                    to.to_raw_address().to_mut_ptr(),
                    bytes,
                );
            }
        }
        let _ = region;
        to.to_raw_address() + bytes
    }

    fn get_reference_when_copied_to(_from: ObjectReference, to: Address) -> ObjectReference {
        // SAFETY: `to` is a destination address from MMTk, never 0.
        unsafe { ObjectReference::from_raw_address_unchecked(to) }
    }

    fn get_current_size(object: ObjectReference) -> usize {
        object::object_bytes(object.to_raw_address().as_usize() as u64)
    }

    fn get_size_when_copied(object: ObjectReference) -> usize {
        Self::get_current_size(object)
    }

    fn get_align_when_copied(_object: ObjectReference) -> usize {
        8
    }

    fn get_align_offset_when_copied(_object: ObjectReference) -> usize {
        0
    }

    fn get_type_descriptor(_reference: ObjectReference) -> &'static [i8] {
        &[]
    }

    fn ref_to_object_start(object: ObjectReference) -> Address {
        object.to_raw_address()
    }

    fn ref_to_header(object: ObjectReference) -> Address {
        object.to_raw_address()
    }

    fn dump_object(object: ObjectReference) {
        let o = object.to_raw_address().as_usize() as u64;
        eprintln!(
            "object {o:#x}: header {:#x}, {} bytes",
            object::header(o),
            object::object_bytes(o)
        );
    }
}

/// How many root slots go into one work packet: small enough that the
/// workers share a large stack's roots, large enough to amortise a packet.
const ROOTS_PER_PACKET: usize = 4096;

impl Scanning<LangVM> for LangVM {
    fn scan_object<SV: SlotVisitor<SimpleSlot>>(
        _tls: VMWorkerThread,
        object: ObjectReference,
        slot_visitor: &mut SV,
    ) {
        let o = object.to_raw_address().as_usize() as u64;
        object::for_each_ref_slot(o, |addr| {
            // SAFETY: `addr` is a nonzero slot address inside `o`.
            let a = unsafe { Address::from_usize(addr as usize) };
            slot_visitor.visit_slot(SimpleSlot::from_address(a));
        });
    }

    fn notify_initial_thread_scan_complete(_partial_scan: bool, _tls: VMWorkerThread) {}

    fn scan_roots_in_mutator_thread(
        _tls: VMWorkerThread,
        _mutator: &'static mut Mutator<LangVM>,
        mut factory: impl RootsWorkFactory<SimpleSlot>,
    ) {
        let mut batch: Vec<SimpleSlot> = Vec::with_capacity(ROOTS_PER_PACKET);
        roots::scan_published(|addr| {
            // SAFETY: `addr` is the address of a root slot, not 0.
            let a = unsafe { Address::from_usize(addr as usize) };
            batch.push(SimpleSlot::from_address(a));
            if batch.len() == ROOTS_PER_PACKET {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(ROOTS_PER_PACKET));
                factory.create_process_roots_work(full);
            }
        });
        if !batch.is_empty() {
            factory.create_process_roots_work(batch);
        }
    }

    fn scan_vm_specific_roots(_tls: VMWorkerThread, _factory: impl RootsWorkFactory<SimpleSlot>) {
        // Every root belongs to the one mutator's run and is scanned with it.
    }

    fn supports_return_barrier() -> bool {
        false
    }

    fn prepare_for_roots_re_scanning() {}
}

impl ReferenceGlue<LangVM> for LangVM {
    // The language has no weak references or finalizers.
    type FinalizableType = ObjectReference;

    fn clear_referent(_new_reference: ObjectReference) {}

    fn get_referent(_object: ObjectReference) -> Option<ObjectReference> {
        None
    }

    fn set_referent(_reff: ObjectReference, _referent: ObjectReference) {}

    fn enqueue_references(_references: &[ObjectReference], _tls: VMWorkerThread) {}
}
