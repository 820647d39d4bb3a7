//! The root set: every place outside the heap that holds object references.
//!
//! The interpreter keeps all of its state that can hold references here, in
//! one place the collector can find: the VM stack of register slots, the
//! frame records (each frame's running closure), the globals, the string
//! constants and a scratch stack that native code uses for objects it holds
//! while it allocates. Which stack slots are references is known from each
//! frame's function's register types, so root scanning is precise, and the
//! collector may move any object: it rewrites the slots in place.

use std::sync::atomic::{AtomicPtr, Ordering};

/// One activation record. The registers live on the VM stack at
/// `base..base + nregs`; this record says whose they are.
///
/// `#[repr(C)]`: compiled code reads and writes frame records in place, at
/// the offsets `abi` states (and its tests check against this layout).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct FrameRec {
    /// The function running in this frame.
    pub func: u32,
    /// Index of register 0 on the VM stack.
    pub base: u32,
    /// The instruction this frame is executing: saved when it calls out or
    /// fails, so that stack traces and returns know where it was.
    pub pc: u32,
    /// The caller's register that receives the result.
    pub dest: u16,
    /// The closure object running in this frame, or nil for plain calls. A
    /// root: `getcap` reads captures through it.
    pub closure: u64,
}

/// The frame records of the running program, innermost last: a stack of
/// fixed capacity, allocated once, whose records never move.
///
/// `#[repr(C)]` with the count first: compiled code pushes and pops frames
/// itself, by writing a record just past its own and storing the new count
/// at the address `JitCtx::frames_len` holds (`abi` states the layout). The
/// records are a boxed slice, not a `Vec`, so that their address is fixed
/// for the whole run and the count is a field compiled code can reach.
///
/// **Invariant:** `len <= recs.len()`.
#[repr(C)]
pub struct FrameStack {
    /// How many records are live.
    len: usize,
    /// Room for every frame the run may have; records at `len..` are dead.
    recs: Box<[FrameRec]>,
}

impl FrameStack {
    /// An empty stack with room for `capacity` frames. The records are
    /// allocated zeroed, so the memory of frames never used is never
    /// touched (start-up pays nothing for the frame limit).
    pub fn new(capacity: usize) -> FrameStack {
        // SAFETY: a `FrameRec` of zero bytes is a valid record (all its
        // fields are integers).
        let recs = unsafe { Box::<[FrameRec]>::new_zeroed_slice(capacity).assume_init() };
        FrameStack { len: 0, recs }
    }

    /// How many frames it can hold.
    pub fn capacity(&self) -> usize {
        self.recs.len()
    }

    /// Pushes `rec`; false (and nothing pushed) when the stack is full.
    #[inline(always)]
    pub fn push(&mut self, rec: FrameRec) -> bool {
        match self.recs.get_mut(self.len) {
            Some(slot) => {
                *slot = rec;
                self.len += 1;
                true
            }
            None => false,
        }
    }

    /// Pops the innermost record.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<FrameRec> {
        self.len = self.len.checked_sub(1)?;
        self.recs.get(self.len).copied()
    }

    /// Removes every record.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// The address of the count, for compiled code.
    pub fn len_address(&mut self) -> *mut usize {
        &mut self.len
    }

    /// The address of the first record, for compiled code.
    pub fn records_address(&mut self) -> *mut FrameRec {
        self.recs.as_mut_ptr()
    }
}

impl std::ops::Deref for FrameStack {
    type Target = [FrameRec];

    /// The live records, outermost first.
    #[inline(always)]
    fn deref(&self) -> &[FrameRec] {
        debug_assert!(self.len <= self.recs.len(), "frame count past the stack");
        // SAFETY: `len <= recs.len()` (the invariant).
        unsafe { self.recs.get_unchecked(..self.len) }
    }
}

impl std::ops::DerefMut for FrameStack {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [FrameRec] {
        debug_assert!(self.len <= self.recs.len(), "frame count past the stack");
        // SAFETY: as for `deref`.
        unsafe { self.recs.get_unchecked_mut(..self.len) }
    }
}

/// Everything the collector scans as roots for the running program.
pub struct Roots {
    /// The VM stack of untagged register slots, allocated once.
    pub stack: Vec<u64>,
    /// Frame records, innermost last.
    pub frames: FrameStack,
    /// For each function id, the registers that hold references.
    pub frame_refs: Vec<Box<[u16]>>,
    /// Global variables.
    pub globals: Vec<u64>,
    /// Indices of the globals that hold references.
    pub global_refs: Vec<u32>,
    /// The constant pool as slots: raw bits for ints and floats, a string
    /// object for strings.
    pub consts: Vec<u64>,
    /// Indices of the constants that are strings.
    pub const_refs: Vec<u32>,
    /// Objects native code holds across allocations; always all references.
    pub scratch: Vec<u64>,
}

impl Roots {
    /// An empty root set with a VM stack of `stack_slots` slots.
    pub fn new(stack_slots: usize, max_frames: usize) -> Roots {
        Roots {
            stack: vec![0; stack_slots],
            frames: FrameStack::new(max_frames),
            frame_refs: Vec::new(),
            globals: Vec::new(),
            global_refs: Vec::new(),
            consts: Vec::new(),
            const_refs: Vec::new(),
            scratch: Vec::with_capacity(64),
        }
    }

    /// Calls `visit` with the address of every root slot that holds a
    /// reference (nil slots are skipped).
    pub fn for_each_root(&mut self, mut visit: impl FnMut(u64)) {
        let mut one = |slot: &mut u64| {
            if *slot != 0 {
                visit(slot as *mut u64 as u64);
            }
        };
        let stack_len = self.stack.len();
        for f in self.frames.iter_mut() {
            one(&mut f.closure);
            let Some(refs) = self.frame_refs.get(f.func as usize) else {
                continue;
            };
            let base = f.base as usize;
            for &r in refs.iter() {
                let i = base + r as usize;
                if i < stack_len {
                    one(&mut self.stack[i]);
                }
            }
        }
        for &g in &self.global_refs {
            if let Some(slot) = self.globals.get_mut(g as usize) {
                one(slot);
            }
        }
        for &k in &self.const_refs {
            if let Some(slot) = self.consts.get_mut(k as usize) {
                one(slot);
            }
        }
        for slot in self.scratch.iter_mut() {
            one(slot);
        }
    }
}

/// The root set of the running program, for the collector's threads. Set by
/// `Heap::new`, cleared when the heap is dropped.
static CURRENT: AtomicPtr<Roots> = AtomicPtr::new(std::ptr::null_mut());

/// Publishes `roots` as the root set the collector scans.
pub fn publish(roots: *mut Roots) {
    CURRENT.store(roots, Ordering::Release);
}

/// Visits the published roots, if a program is running.
///
/// Called on a GC worker while the only mutator is blocked in `block_for_gc`
/// (stop-the-world), so nothing else touches the root set meanwhile; the
/// mutex and condition variable of the stop protocol order the accesses.
pub fn scan_published(visit: impl FnMut(u64)) {
    let roots = CURRENT.load(Ordering::Acquire);
    if roots.is_null() {
        return;
    }
    // SAFETY: the pointer stays valid until `Heap::drop` clears it, which the
    // mutator does only when it is not blocked for a collection.
    unsafe { (*roots).for_each_root(visit) }
}
