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

/// Everything the collector scans as roots for the running program.
pub struct Roots {
    /// The VM stack of untagged register slots, allocated once.
    pub stack: Vec<u64>,
    /// Frame records, innermost last.
    pub frames: Vec<FrameRec>,
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
            frames: Vec::with_capacity(max_frames),
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
