//! Operations on the built-in containers, written on top of the `Heap` API
//! (no raw memory here): arrays and maps.

pub mod array;
pub mod map;
