//! The heap: every language object lives in MMTk, reached through `Heap`.
//!
//! `Heap` owns the mutator (MMTk's per-thread allocation state) and the root
//! set, and offers the one allocation API (`alloc_*`, which may collect and
//! move objects) and the one write barrier (`store_ref`). Reading an object
//! borrows the heap shared and allocating borrows it exclusively, so the
//! borrow checker rejects code that holds a string's bytes across an
//! allocation; object addresses themselves (`u64`) are plain values, and code
//! must re-read them from a root (a register, a global, the scratch stack)
//! after anything that can allocate.

pub mod binding;
mod layout;
pub mod object;
pub mod roots;
pub mod shape;
pub mod stats;
mod trigger;

use binding::{LangVM, MMTK_INSTANCE, MUTATOR, OUT_OF_MEMORY};
use mmtk::plan::{BarrierSelector, MutatorContext};
use mmtk::util::alloc::{AllocatorSelector, BumpAllocator, BumpPointer, ImmixAllocator};
use mmtk::util::metadata::MetadataSpec;
use mmtk::util::options::{GCTriggerSelector, PlanSelector};
use mmtk::util::{Address, ObjectReference};
use mmtk::vm::slot::SimpleSlot;
use mmtk::vm::{ObjectModel, VMBinding};
use mmtk::{AllocationSemantics, MMTKBuilder, Mutator, MMTK};
use roots::Roots;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

pub use stats::GcStats;
pub use trigger::{INITIAL_HEAP_BYTES, MAX_HEAP_BYTES};

/// The collector plans a run can ask for (MMTk's plan names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum GcPlan {
    NoGC,
    SemiSpace,
    GenCopy,
    #[default]
    GenImmix,
    StickyImmix,
    Immix,
    MarkSweep,
}

impl GcPlan {
    /// Every plan, for listing in help and tests.
    pub const ALL: [GcPlan; 7] = [
        GcPlan::NoGC,
        GcPlan::SemiSpace,
        GcPlan::GenCopy,
        GcPlan::GenImmix,
        GcPlan::StickyImmix,
        GcPlan::Immix,
        GcPlan::MarkSweep,
    ];

    /// MMTk's name for the plan.
    pub fn name(self) -> &'static str {
        match self {
            GcPlan::NoGC => "NoGC",
            GcPlan::SemiSpace => "SemiSpace",
            GcPlan::GenCopy => "GenCopy",
            GcPlan::GenImmix => "GenImmix",
            GcPlan::StickyImmix => "StickyImmix",
            GcPlan::Immix => "Immix",
            GcPlan::MarkSweep => "MarkSweep",
        }
    }

    /// MMTk's name for the plan.
    fn selector(self) -> PlanSelector {
        match self {
            GcPlan::NoGC => PlanSelector::NoGC,
            GcPlan::SemiSpace => PlanSelector::SemiSpace,
            GcPlan::GenCopy => PlanSelector::GenCopy,
            GcPlan::GenImmix => PlanSelector::GenImmix,
            GcPlan::StickyImmix => PlanSelector::StickyImmix,
            GcPlan::Immix => PlanSelector::Immix,
            GcPlan::MarkSweep => PlanSelector::MarkSweep,
        }
    }

    /// The plan with this name, ignoring case.
    pub fn from_name(name: &str) -> Option<GcPlan> {
        GcPlan::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }
}

/// The allocation failed: the heap limit is exhausted even after collecting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfMemory;

/// What a run asks of the heap.
#[derive(Clone, Debug)]
pub struct HeapConfig {
    pub plan: GcPlan,
    /// The heap limit in bytes.
    pub max_bytes: usize,
    /// GC worker threads; `None`: `default_gc_threads` of the CPUs, or
    /// `MMTK_THREADS` when that is set.
    pub threads: Option<usize>,
}

/// How the process's MMTk instance was built, once it is built.
#[derive(Clone, Copy)]
struct Started {
    plan: GcPlan,
    /// The largest heap limit its spaces have address space for.
    capacity: usize,
}

static INIT: Mutex<Option<Started>> = Mutex::new(None);

/// The smallest heap limit MMTk's spaces are sized for when it starts: 1 GiB,
/// the default limit. MMTk reserves address space for each space in
/// proportion to the limit in force when it starts (and records a state for
/// each 4 MiB of it), so it starts with the first run's own limit, but never
/// less than this: in a process that runs several programs (the tests, a
/// REPL), any later run up to the default limit fits.
pub const MIN_CAPACITY_BYTES: usize = 1 << 30;

/// Builds the process's MMTk instance ahead of the first run, so that a
/// caller can overlap MMTk's start-up with other work, such as compiling
/// the program. The run that follows must ask for the same plan and at
/// most the same limit; its `Heap::new` waits for this to finish if it is
/// still going.
pub fn prestart(config: &HeapConfig) -> Result<(), String> {
    instance(config).map(|_| ())
}

/// GC worker threads on a machine whose process may run on `cpus` CPUs,
/// unless `--gc-threads` says otherwise: one fewer than the CPUs, at least
/// one. The program's own threads (the interpreter or compiled code, and
/// the JIT's compiler thread) keep a CPU, and a nursery collection with
/// little to copy gains less from a second worker than the workers'
/// hand-offs cost. Measured on 2 CPUs (`bench/RESULTS.md`, stop 30):
/// binarytrees 16 (16 nursery collections, a few MiB live) took 0.208 s
/// with two workers and 0.173 s with one (pauses 72 against 46 ms);
/// strings, whose collections copy a million surviving strings, 0.274
/// against 0.319 s; mapstr 0.506 against 0.526 s; the others the same.
fn default_gc_threads(cpus: usize) -> usize {
    cpus.saturating_sub(1).max(1)
}

/// The process's MMTk instance, built on first use with the config's plan,
/// GC worker threads (`None`: `default_gc_threads`) and room for its
/// heap limit (at least `MIN_CAPACITY_BYTES`).
///
/// MMTk's spaces are process-wide, so the first run fixes the plan and the
/// largest limit: a later run asking for a different plan or a larger limit
/// is refused with a message.
fn instance(config: &HeapConfig) -> Result<&'static MMTK<LangVM>, String> {
    let plan = config.plan;
    let mut init = INIT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(running) = *init {
        if running.plan != plan {
            return Err(format!(
                "the GC plan is already {} in this process and cannot become {}",
                running.plan.name(),
                plan.name()
            ));
        }
        if config.max_bytes > running.capacity {
            return Err(format!(
                "the heap limit can be at most {} MiB in this process (its first run \
                 started the heap for that), not {} MiB",
                running.capacity >> 20,
                config.max_bytes.div_ceil(1 << 20)
            ));
        }
        return MMTK_INSTANCE
            .get()
            .copied()
            .ok_or_else(|| "the heap failed to start".to_string());
    }
    let capacity = config.max_bytes.clamp(MIN_CAPACITY_BYTES, MAX_HEAP_BYTES);
    layout::reserve_probe(capacity)?;
    // MMTk sizes each space's address range from the trigger's maximum
    // while it builds them.
    trigger::set_limit_bytes(capacity);
    // `new` reads MMTK_* environment variables, so experts can tune MMTk;
    // the settings the runtime depends on are forced after it.
    // Typed setters, not `set_option` strings: parsing a `gc_trigger`
    // string compiles two regular expressions, a tenth of a short run's
    // start-up.
    let mut builder = MMTKBuilder::new();
    builder.set_vm_layout(layout::vm_layout());
    let options = &mut builder.options;
    let mut ok = options.plan.set(plan.selector());
    ok &= options.gc_trigger.set(GCTriggerSelector::Delegated);
    // MMTk's own default is one worker per CPU the process may run on.
    let threads = match config.threads {
        Some(threads) => Some(threads),
        None if std::env::var_os("MMTK_THREADS").is_none() => {
            Some(default_gc_threads(*options.threads))
        }
        None => None,
    };
    if let Some(threads) = threads {
        ok &= options.threads.set(threads.max(1));
    }
    if !ok {
        return Err("MMTk rejected the heap options".to_string());
    }
    let mmtk: &'static MMTK<LangVM> = Box::leak(mmtk::memory_manager::mmtk_init(&builder));
    crate::startup_trace::mark("mmtk_init");
    if MMTK_INSTANCE.set(mmtk).is_err() {
        return Err("the heap was started twice".to_string());
    }
    // Collection must be initialised before any allocation can trigger a GC
    // (MMTk panics otherwise); this also spawns the GC workers.
    mmtk::memory_manager::initialize_collection(mmtk, binding::mutator_tls().0);
    crate::startup_trace::mark("initialize_collection");
    *init = Some(Started { plan, capacity });
    Ok(mmtk)
}

/// The state of the allocation fast path, which the interpreter's inlined
/// `alloc_raw` and compiled code share. `#[repr(C)]`: compiled code bumps
/// the pointer itself, at the offsets `abi` states.
#[repr(C)]
pub(crate) struct AllocFast {
    /// The default allocator's bump pointer (cursor and limit of its current
    /// thread-local buffer); null when the plan's default allocator is not a
    /// bump allocator whose space needs no per-object initialisation (see
    /// `fast_path_allocator`).
    pub bump: *mut BumpPointer,
    /// The largest object the fast path allocates: `max_small` with a bump
    /// pointer, 0 without one (so the fast path never runs).
    pub max_bump: usize,
    /// Allocations left until the next stress collection; `u64::MAX` when
    /// stress mode is off. The fast path counts it down and leaves the rest
    /// to the slow path when it reaches 0.
    pub stress_left: u64,
    /// Bytes allocated so far (statistics; the limit under NoGC).
    pub allocated: u64,
}

/// The mutator's view of the heap for one run.
pub struct Heap {
    mutator: *mut Mutator<LangVM>,
    /// Everything the collector scans as roots; boxed so its address is
    /// stable for the collector's threads.
    pub roots: Box<Roots>,
    /// What the allocation fast path reads and writes (also compiled
    /// code's, through `JitCtx::alloc`).
    pub(crate) fast: AllocFast,
    /// Objects bigger than this go to the large object space (the plan's
    /// largest normal allocation, 8 KiB for copying plans).
    max_small: usize,
    /// Address of the unlog-bit table (MMTk's global log bit, one bit per
    /// 8-byte granule) for the inlined write-barrier fast path; 0 when the
    /// plan has no object-remembering barrier.
    log_table: usize,
    /// Whether the plan collects; NoGC's limit is enforced here by counting.
    collects: bool,
    /// The heap limit in bytes.
    limit: usize,
    /// The plan this heap runs.
    plan: GcPlan,
    /// A stress collection every this many allocations (0: off).
    stress_every: u64,
    /// Stress collections so far (every `STRESS_FULL_EVERY`th is full-heap).
    stress_collections: u64,
}

/// In stress mode every this-many-th forced collection of a generational
/// plan is a full-heap one; the others are nursery collections, which is
/// what the write barrier has to survive.
const STRESS_FULL_EVERY: u64 = 8;

/// log2 of the bytes one unlog bit covers (MMTk's minimum object alignment).
pub(crate) const LOG_GRANULE: usize = 3;

/// The bump pointer of the plan's default allocator, when allocating by
/// bumping it (and skipping `post_alloc`) is exactly what MMTk's own
/// allocation would do. That holds for the bump allocator of a copy space
/// (SemiSpace, and the nursery of GenCopy and GenImmix) and the Immix
/// allocator (Immix, StickyImmix): their spaces' `post_alloc` only sets the
/// valid-object bit, a feature this binding does not enable. NoGC's immortal
/// space marks objects in `post_alloc`, and MarkSweep allocates from free
/// lists, so those plans always take the slow path.
fn fast_path_allocator(plan: GcPlan, mutator: &mut Mutator<LangVM>) -> *mut BumpPointer {
    let Some(mmtk) = MMTK_INSTANCE.get() else {
        return std::ptr::null_mut();
    };
    let selector = mmtk::memory_manager::get_allocator_mapping(*mmtk, AllocationSemantics::Default);
    match (plan, selector) {
        (
            GcPlan::SemiSpace | GcPlan::GenCopy | GcPlan::GenImmix,
            AllocatorSelector::BumpPointer(_),
        ) => {
            // SAFETY: the selector is the plan's own mapping for this mutator,
            // and it names a bump allocator.
            let a = unsafe { mutator.allocator_impl_mut::<BumpAllocator<LangVM>>(selector) };
            &mut a.bump_pointer
        }
        (GcPlan::Immix | GcPlan::StickyImmix, AllocatorSelector::Immix(_)) => {
            // SAFETY: as above, for an Immix allocator.
            let a = unsafe { mutator.allocator_impl_mut::<ImmixAllocator<LangVM>>(selector) };
            &mut a.bump_pointer
        }
        _ => std::ptr::null_mut(),
    }
}

/// The address of MMTk's unlog-bit table when the plan uses the
/// object-remembering barrier, else 0.
fn log_table(constraints: &mmtk::plan::PlanConstraints) -> usize {
    if constraints.barrier != BarrierSelector::ObjectBarrier || !constraints.needs_log_bit {
        return 0;
    }
    match <LangVM as VMBinding>::VMObjectModel::GLOBAL_LOG_BIT_SPEC.as_spec() {
        MetadataSpec::OnSide(spec) => {
            // The fast path below assumes one bit per 8-byte granule.
            assert_eq!(spec.log_num_of_bits, 0, "the unlog bit is one bit");
            assert_eq!(
                spec.log_bytes_in_region, LOG_GRANULE,
                "one unlog bit per 8 bytes"
            );
            spec.get_starting_address().as_usize()
        }
        MetadataSpec::InHeader(_) => 0,
    }
}

/// Objects up to this size are zeroed word by word.
const SMALL_ZEROING_BYTES: usize = 64;

/// How a fresh object's body starts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Body {
    /// Every slot nil/zero: anything the collector may scan.
    Zeroed,
    /// Only the first and the last slot zeroed: a string, whose bytes the
    /// allocating code writes at once and which holds no reference. The
    /// first slot is its length, and zeroing the last keeps the padding
    /// after the bytes zero (so images of the heap are the same at every
    /// run), without writing the rest twice.
    Unfilled,
}

/// Writes the header of a fresh object and starts its body as `body` says.
#[inline(always)]
fn init_object(o: u64, bytes: usize, header: u64, body: Body) {
    object::set_header(o, header);
    if body == Body::Unfilled && bytes > SMALL_ZEROING_BYTES {
        let first = o + object::HEADER_BYTES as u64;
        let last = o + bytes as u64 - object::SLOT_BYTES as u64;
        // SAFETY: `o` is `bytes` bytes of fresh memory, more than a header
        // and two slots; both words are 8-aligned words of the body.
        unsafe {
            *(first as *mut u64) = 0;
            *(last as *mut u64) = 0;
        }
        return;
    }
    if bytes <= SMALL_ZEROING_BYTES {
        // Small objects (most of them): a few word stores beat a call to
        // memset.
        let mut slot = o + object::HEADER_BYTES as u64;
        while slot < o + bytes as u64 {
            // SAFETY: as below; `slot` is an 8-aligned word of the body.
            unsafe { *(slot as *mut u64) = 0 };
            slot += object::SLOT_BYTES as u64;
        }
        return;
    }
    // SAFETY: `o` is `bytes` bytes of fresh memory; the body follows the
    // header. Allocators hand out recycled memory, and the collector may
    // scan this object before its owner fills it, so every slot starts as
    // nil.
    unsafe {
        std::ptr::write_bytes(
            (o + object::HEADER_BYTES as u64) as *mut u8,
            0,
            bytes - object::HEADER_BYTES,
        )
    };
}

impl Heap {
    /// Binds a mutator for this thread and publishes `roots` to the collector.
    pub fn new(config: &HeapConfig, roots: Roots) -> Result<Heap, String> {
        let mmtk = instance(config)?;
        trigger::set_limit_bytes(config.max_bytes);
        stats::reset();
        let constraints = mmtk.get_plan().constraints();
        let mutator = Box::into_raw(mmtk::memory_manager::bind_mutator(
            mmtk,
            binding::mutator_tls(),
        ));
        let mut roots = Box::new(roots);
        roots::publish(&mut *roots as *mut Roots);
        MUTATOR.store(mutator, Ordering::Release);
        crate::startup_trace::mark("bind mutator");
        // SAFETY: the mutator was just created and is not shared yet.
        let bump = fast_path_allocator(config.plan, unsafe { &mut *mutator });
        let max_small = constraints.max_non_los_default_alloc_bytes;
        Ok(Heap {
            mutator,
            roots,
            fast: AllocFast {
                bump,
                max_bump: if bump.is_null() { 0 } else { max_small },
                stress_left: u64::MAX,
                allocated: 0,
            },
            max_small,
            log_table: log_table(constraints),
            collects: constraints.collects_garbage,
            limit: trigger::limit_bytes(),
            plan: config.plan,
            stress_every: 0,
            stress_collections: 0,
        })
    }

    /// Stress mode: from now on, a collection before every `every`th
    /// allocation (`None` or 0: off). Plans that never collect ignore it.
    pub fn set_gc_stress(&mut self, every: Option<u64>) {
        match every {
            Some(n) if n > 0 && self.collects => {
                self.stress_every = n;
                self.fast.stress_left = n;
            }
            _ => {
                self.stress_every = 0;
                self.fast.stress_left = u64::MAX;
            }
        }
    }

    /// The collector statistics of this heap's run so far.
    pub fn stats(&self) -> GcStats {
        GcStats::current(self.plan, self.limit, self.fast.allocated)
    }

    fn mutator(&mut self) -> &mut Mutator<LangVM> {
        // SAFETY: the mutator is alive from `new` to `drop`; the collector
        // touches it only while this thread is blocked inside an allocation.
        unsafe { &mut *self.mutator }
    }

    /// Allocates an object of `bytes` bytes (header included) with `header`,
    /// its body zeroed. May collect, which moves objects: every address not
    /// in a root is stale afterwards.
    ///
    /// The fast path bumps the default allocator's cursor in place; it is
    /// inlined into every allocation site. Everything else (a new buffer
    /// from MMTk, large objects, plans without a bump allocator, stress
    /// collections, the heap limit) is `alloc_slow`.
    #[inline(always)]
    pub fn alloc_raw(&mut self, bytes: usize, header: u64) -> Result<u64, OutOfMemory> {
        self.alloc_with(bytes, header, Body::Zeroed)
    }

    /// `alloc_raw`, with the body started as `body` says.
    #[inline(always)]
    fn alloc_with(&mut self, bytes: usize, header: u64, body: Body) -> Result<u64, OutOfMemory> {
        let fast = &mut self.fast;
        fast.stress_left = fast.stress_left.wrapping_sub(1);
        if bytes <= fast.max_bump && fast.stress_left != 0 {
            // SAFETY: `max_bump` is nonzero only with a bump pointer, which
            // lives inside the mutator (alive as long as the heap). Only this
            // thread uses it while the program runs; the collector resets it
            // while this thread is blocked in the slow path.
            let bp = unsafe { &mut *fast.bump };
            let start = bp.cursor.as_usize();
            let end = start + bytes;
            if end <= bp.limit.as_usize() {
                // SAFETY: `end` lies within the allocator's buffer.
                bp.cursor = unsafe { Address::from_usize(end) };
                fast.allocated += bytes as u64;
                let o = start as u64;
                init_object(o, bytes, header, body);
                return Ok(o);
            }
        }
        self.alloc_slow(bytes, header, body)
    }

    /// The allocation slow path: through `memory_manager::alloc` (which may
    /// collect) and `post_alloc`.
    #[inline(never)]
    fn alloc_slow(&mut self, bytes: usize, header: u64, body: Body) -> Result<u64, OutOfMemory> {
        if self.fast.stress_left == 0 {
            self.fast.stress_left = self.stress_every;
            self.stress_collect();
        }
        if bytes > self.limit {
            return Err(OutOfMemory);
        }
        if !self.collects && self.fast.allocated.saturating_add(bytes as u64) > self.limit as u64 {
            return Err(OutOfMemory);
        }
        let semantics = if bytes > self.max_small {
            AllocationSemantics::Los
        } else {
            AllocationSemantics::Default
        };
        OUT_OF_MEMORY.store(false, Ordering::Relaxed);
        let addr = mmtk::memory_manager::alloc(self.mutator(), bytes, 8, 0, semantics);
        if addr.is_zero() || OUT_OF_MEMORY.load(Ordering::Relaxed) {
            return Err(OutOfMemory);
        }
        let o = addr.as_usize() as u64;
        init_object(o, bytes, header, body);
        // SAFETY: `addr` is not zero (checked above).
        let r = unsafe { ObjectReference::from_raw_address_unchecked(addr) };
        mmtk::memory_manager::post_alloc(self.mutator(), r, bytes, semantics);
        self.fast.allocated += bytes as u64;
        Ok(o)
    }

    /// Collects now: a nursery collection in generational plans unless
    /// `full`; a full collection otherwise. Does nothing under NoGC.
    pub fn collect(&mut self, full: bool) {
        if let (true, Some(mmtk)) = (self.collects, MMTK_INSTANCE.get()) {
            mmtk.handle_user_collection_request(binding::mutator_tls(), true, full);
        }
    }

    /// A collection forced by stress mode. Generational plans run nursery
    /// collections (user-requested collections are not full-heap by
    /// default) except every `STRESS_FULL_EVERY`th, which is exhaustive.
    #[cold]
    fn stress_collect(&mut self) {
        self.stress_collections += 1;
        self.collect(self.stress_collections.is_multiple_of(STRESS_FULL_EVERY));
    }

    /// A new object of a fixed shape with `slots` nil/zero body slots.
    #[inline]
    pub fn alloc_fixed(&mut self, shape: u32, aux: u32, slots: usize) -> Result<u64, OutOfMemory> {
        let body = slots.checked_mul(object::SLOT_BYTES).ok_or(OutOfMemory)?;
        self.alloc_raw(
            object::object_bytes_for(body),
            object::make_header(shape, aux),
        )
    }

    /// A new string of `len` bytes, which the caller must all write
    /// (through `str_bytes_mut` or `copy_str_into`) before the program can
    /// read them: a long string's bytes are not zeroed first.
    #[inline]
    pub fn alloc_str_uninit(&mut self, len: usize) -> Result<u64, OutOfMemory> {
        let body = len.checked_add(object::SLOT_BYTES).ok_or(OutOfMemory)?;
        if body > isize::MAX as usize / 2 {
            return Err(OutOfMemory);
        }
        // The caller writes every byte (`alloc_str_uninit`'s contract), so
        // the body is not zeroed first: joining or concatenating a long
        // string writes its bytes once.
        let o = self.alloc_with(
            object::object_bytes_for(body),
            object::make_header(shape::SHAPE_STR, 0),
            Body::Unfilled,
        )?;
        object::store(o, 0, len as u64);
        Ok(o)
    }

    /// A new string holding `bytes` (which must not point into the heap: the
    /// borrow checker ensures it, since allocating borrows the heap).
    pub fn alloc_str(&mut self, bytes: &[u8]) -> Result<u64, OutOfMemory> {
        let o = self.alloc_str_uninit(bytes.len())?;
        object::str_bytes_mut(o).copy_from_slice(bytes);
        Ok(o)
    }

    /// A new buffer of `cap` nil/zero slots laid out as `aux` says (see
    /// `shape::buffer_aux`).
    #[inline]
    pub fn alloc_buffer(&mut self, cap: usize, aux: u32) -> Result<u64, OutOfMemory> {
        let slots = cap.checked_add(1).ok_or(OutOfMemory)?;
        let o = self.alloc_fixed(shape::SHAPE_BUFFER, aux, slots)?;
        object::store(o, 0, cap as u64);
        Ok(o)
    }

    /// A new buffer of `cap` elements whose elements are not zeroed: slots
    /// when `aux` describes slots (as for `alloc_buffer`), bytes when it is
    /// `shape::BYTE_BUFFER_AUX`. For an array growing past its capacity
    /// (`array::reserve`), which copies its elements in and zeroes the rest
    /// at once, so that each word is written once. The caller must write
    /// every element before anything else allocates: the collector, which
    /// may run at the next allocation, must never scan an unwritten slot.
    pub fn alloc_buffer_unfilled(&mut self, cap: usize, aux: u32) -> Result<u64, OutOfMemory> {
        let elems = if shape::is_byte_buffer(aux) {
            Some(cap)
        } else {
            cap.checked_mul(object::SLOT_BYTES)
        };
        let body = elems
            .and_then(|b| b.checked_add(object::SLOT_BYTES))
            .ok_or(OutOfMemory)?;
        if body > isize::MAX as usize / 2 {
            return Err(OutOfMemory);
        }
        let o = self.alloc_with(
            object::object_bytes_for(body),
            object::make_header(shape::SHAPE_BUFFER, aux),
            Body::Unfilled,
        )?;
        object::store(o, 0, cap as u64);
        Ok(o)
    }

    /// A new buffer of `cap` zero bytes (`shape::BYTE_BUFFER_AUX`).
    #[inline]
    pub fn alloc_byte_buffer(&mut self, cap: usize) -> Result<u64, OutOfMemory> {
        let body = cap.checked_add(object::SLOT_BYTES).ok_or(OutOfMemory)?;
        if body > isize::MAX as usize / 2 {
            return Err(OutOfMemory);
        }
        let o = self.alloc_raw(
            object::object_bytes_for(body),
            object::make_header(shape::SHAPE_BUFFER, shape::BYTE_BUFFER_AUX),
        )?;
        object::store(o, 0, cap as u64);
        Ok(o)
    }

    /// Reads byte `i` of byte buffer `o` (in bounds).
    #[inline]
    pub fn load_byte(&self, o: u64, i: usize) -> u8 {
        object::load_byte(o, i)
    }

    /// Writes byte `i` of byte buffer `o` (in bounds); bytes are never
    /// references, so no write barrier.
    #[inline]
    pub fn store_byte(&mut self, o: u64, i: usize, v: u8) {
        object::store_byte(o, i, v)
    }

    /// Copies `n` bytes between byte buffers (the ranges may overlap).
    #[inline]
    pub fn copy_bytes(&mut self, src: u64, si: usize, dst: u64, di: usize, n: usize) {
        object::copy_bytes(src, si, dst, di, n)
    }

    /// Sets `n` bytes of byte buffer `o` from byte `i` to `v`.
    #[inline]
    pub fn fill_bytes(&mut self, o: u64, i: usize, n: usize, v: u8) {
        object::fill_bytes(o, i, n, v)
    }

    /// Reads body slot `i` of `o`.
    #[inline]
    pub fn load(&self, o: u64, i: usize) -> u64 {
        object::load(o, i)
    }

    /// Reads the `j`th 32-bit half-slot of `o`'s body from slot `first` on.
    #[inline]
    pub fn load_u32(&self, o: u64, first: usize, j: usize) -> u32 {
        object::load_u32(o, first, j)
    }

    /// Writes the `j`th 32-bit half-slot of `o`'s body from slot `first` on.
    #[inline]
    pub fn store_u32(&mut self, o: u64, first: usize, j: usize, v: u32) {
        object::store_u32(o, first, j, v)
    }

    /// Writes a non-reference value to body slot `i` of `o`.
    #[inline]
    pub fn store(&mut self, o: u64, i: usize, v: u64) {
        object::store(o, i, v)
    }

    /// Writes reference `v` (or nil) to body slot `i` of `o`, through the
    /// write barrier. Every store of a reference into an object comes here
    /// (or to `copy_slots`).
    #[inline(always)]
    pub fn store_ref(&mut self, o: u64, i: usize, v: u64) {
        object::store(o, i, v);
        // Storing nil creates no pointer the collector must find.
        if v != 0 && self.is_unlogged(o) {
            self.barrier_slow(o, object::slot_addr(o, i), v);
        }
    }

    /// The address of the write barrier's unlog table, or 0 when the plan
    /// has no object barrier (compiled code tests it inline).
    pub(crate) fn log_table(&self) -> usize {
        self.log_table
    }

    /// The write barrier's fast path: whether `o`'s unlog bit is set, i.e.
    /// `o` is an old object that the plan has not yet remembered since its
    /// last collection. Young objects, and objects already remembered, have
    /// it clear, so almost every store stops here. Always false for plans
    /// without an object barrier.
    #[inline(always)]
    pub(crate) fn is_unlogged(&self, o: u64) -> bool {
        if self.log_table == 0 {
            return false;
        }
        let granule = o as usize >> LOG_GRANULE;
        // SAFETY: `o` is an object in an MMTk space, whose side metadata
        // MMTk maps along with the space; the table holds one bit per
        // granule. GC workers change it only while this thread is stopped.
        let byte = unsafe { &*((self.log_table + (granule >> 3)) as *const AtomicU8) };
        (byte.load(Ordering::Relaxed) >> (granule & 7)) & 1 != 0
    }

    /// The write barrier's slow path: MMTk logs `src` (clears its unlog bit)
    /// and remembers it, so that the next nursery collection scans it for
    /// young objects that only old ones point to.
    #[cold]
    #[inline(never)]
    pub(crate) fn barrier_slow(&mut self, src: u64, slot: u64, target: u64) {
        // SAFETY: `src` is a live object (not 0) and `slot` lies inside it.
        let (src, slot) = unsafe {
            (
                ObjectReference::from_raw_address_unchecked(Address::from_usize(src as usize)),
                SimpleSlot::from_address(Address::from_usize(slot as usize)),
            )
        };
        // SAFETY: `target` is a live object or 0 (nil -> None).
        let target =
            ObjectReference::from_raw_address(unsafe { Address::from_usize(target as usize) });
        self.mutator()
            .barrier()
            .object_reference_write_slow(src, slot, target);
    }

    /// Copies `n` slots between buffers, from `src[si..]` to `dst[di..]`
    /// (the ranges may overlap). The barrier is object-remembering, so one
    /// slow-path call covers every reference the copy writes into `dst`.
    pub fn copy_slots(&mut self, src: u64, si: usize, dst: u64, di: usize, n: usize) {
        object::copy_slots(src, si, dst, di, n);
        if n == 0 || !self.is_unlogged(dst) || self.shape_of(dst) != shape::SHAPE_BUFFER {
            return;
        }
        let (stride, mask) = shape::buffer_layout(self.aux(dst));
        if mask == 0 {
            return;
        }
        for i in di.max(1)..di + n {
            // Body slot i is buffer slot i - 1 (slot 0 is the capacity).
            if mask & (1 << ((i - 1) % stride as usize)) != 0 {
                let v = object::load(dst, i);
                if v != 0 {
                    self.barrier_slow(dst, object::slot_addr(dst, i), v);
                    return;
                }
            }
        }
    }

    /// Sets `n` body slots of `o` from slot `i` to nil/zero. Storing nil
    /// needs no barrier: it creates no pointer the collector must find.
    pub fn zero_slots(&mut self, o: u64, i: usize, n: usize) {
        object::zero_slots(o, i, n)
    }

    /// The aux word of `o`'s header.
    #[inline]
    pub fn aux(&self, o: u64) -> u32 {
        (object::header(o) >> 32) as u32
    }

    /// The shape id of `o`.
    #[inline]
    pub fn shape_of(&self, o: u64) -> u32 {
        object::header(o) as u32
    }

    /// The bytes of string `o` (nil reads as empty).
    #[inline]
    pub fn str_bytes(&self, o: u64) -> &[u8] {
        object::str_bytes(o)
    }

    /// The byte length of string `o`.
    #[inline]
    pub fn str_len(&self, o: u64) -> usize {
        if o == 0 {
            0
        } else {
            object::load(o, 0) as usize
        }
    }

    /// The bytes of a fresh string to fill.
    #[inline]
    pub fn str_bytes_mut(&mut self, o: u64) -> &mut [u8] {
        object::str_bytes_mut(o)
    }

    /// Copies the bytes of string `src` into string `dst` at byte `at`
    /// (ignored if they do not fit; callers size `dst` for them).
    pub fn copy_str_into(&mut self, src: u64, dst: u64, at: usize) {
        if src == dst {
            return;
        }
        let n = self.str_len(src);
        if n == 0 {
            // Also: an empty string has no slot 1 to read a word from.
            return;
        }
        let padded = object::round_to_slot(self.str_len(dst));
        if n <= object::SLOT_BYTES && at.saturating_add(object::SLOT_BYTES) <= padded {
            // A short string (joining many small pieces is the common case)
            // is copied as one word rather than through a call to memcpy.
            // Its bytes are padded with zeros to a whole slot, so the word
            // read stays inside it; the word written stays inside `dst`'s
            // padded bytes, and the zeros it writes past `at + n` are
            // either written over by the next piece or are `dst`'s padding,
            // which is zero anyway.
            // SAFETY: both objects are live strings; the read is slot 1 of
            // `src`, within its padded body; the write is 8 bytes within
            // `dst`'s padded body (checked above).
            unsafe {
                let word = (object::slot_addr(src, 1) as *const u64).read();
                ((object::slot_addr(dst, 1) + at as u64) as *mut u64).write_unaligned(word);
            }
            return;
        }
        let from = object::str_bytes(src);
        let to = object::str_bytes_mut(dst);
        if let Some(d) = to.get_mut(at..at + from.len()) {
            d.copy_from_slice(from);
        }
    }

    /// Pushes `v` on the scratch root stack; returns its index.
    #[inline]
    pub fn push_root(&mut self, v: u64) -> usize {
        self.roots.scratch.push(v);
        self.roots.scratch.len() - 1
    }

    /// The current value of scratch root `i` (updated by collections).
    #[inline]
    pub fn root(&self, i: usize) -> u64 {
        self.roots.scratch.get(i).copied().unwrap_or(0)
    }

    /// Replaces scratch root `i`.
    #[inline]
    pub fn set_root(&mut self, i: usize, v: u64) {
        if let Some(slot) = self.roots.scratch.get_mut(i) {
            *slot = v;
        }
    }

    /// The scratch stack height, to restore with `truncate_roots`.
    #[inline]
    pub fn root_mark(&self) -> usize {
        self.roots.scratch.len()
    }

    /// Drops scratch roots above `mark`.
    #[inline]
    pub fn truncate_roots(&mut self, mark: usize) {
        self.roots.scratch.truncate(mark);
    }

    /// The heap limit in bytes (`--heap-max`): no object, and no string
    /// `str(v)` builds, can be larger.
    pub fn limit_bytes(&self) -> usize {
        self.limit
    }

    /// Bytes in use in the heap, as MMTk counts them.
    pub fn used_bytes(&self) -> usize {
        MMTK_INSTANCE
            .get()
            .map_or(0, |m| mmtk::memory_manager::used_bytes(*m))
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        // SAFETY: the mutator was created by `bind_mutator` in `new` and is
        // destroyed once, here; no collection runs (only this thread triggers
        // them and it is here).
        unsafe {
            mmtk::memory_manager::destroy_mutator(&mut *self.mutator);
        }
        MUTATOR.store(std::ptr::null_mut(), Ordering::Release);
        roots::publish(std::ptr::null_mut());
        // SAFETY: as above; the pointer came from `Box::into_raw`.
        drop(unsafe { Box::from_raw(self.mutator) });
    }
}

#[cfg(test)]
mod thread_tests {
    use super::default_gc_threads;

    /// One CPU stays with the program's threads, and there is always a
    /// worker.
    #[test]
    fn the_collector_leaves_a_cpu_to_the_program() {
        assert_eq!(default_gc_threads(0), 1);
        assert_eq!(default_gc_threads(1), 1);
        assert_eq!(default_gc_threads(2), 1);
        assert_eq!(default_gc_threads(8), 7);
    }
}
