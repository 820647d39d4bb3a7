//! The runtime ABI: everything a JIT may know about `lang-vm`, and nothing
//! more. `layout` states the byte layouts of frame records and objects that
//! generated code reads and writes in place; `code` states how compiled
//! code is entered, the context it reads, the helpers it calls and the
//! compiler interface the runtime drives.
//!
//! **Invariant:** compiled code uses these constants and functions, never
//! its own copies of a layout; the tests check each constant against the
//! definition it restates.

mod code;
mod layout;

pub use code::*;
pub use layout::*;
