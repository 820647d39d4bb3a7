//! The state of a running program, apart from its host environment: the
//! loaded program and the heap with every root (VM stack, frame records,
//! globals, string constants, scratch). This is what a snapshot saves and
//! a resume restores; the host environment (`host::Host`) is supplied
//! anew.

use crate::heap::Heap;
use crate::program::Program;

/// The program's state: everything a run computes with.
pub struct VmState<'p> {
    /// The loaded program.
    pub prog: &'p Program,
    /// The heap and, through `heap.roots`, the stack, frames and globals.
    pub heap: Heap,
}
