//! The byte layouts that code outside this crate's Rust, such as a JIT's
//! generated machine code, reads and writes directly.
//!
//! Everything here restates, as plain numbers, a layout that the runtime
//! defines elsewhere: the frame record (`heap::roots::FrameRec`, which is
//! `#[repr(C)]` so that its layout is fixed), the object header and body
//! slots (`heap::object`), and the body slots of strings, arrays, maps and
//! buffers (`objects`). Generated code must use these constants and never
//! its own copies; the tests below check each one against the definition it
//! restates, so a change of layout that forgets this file fails to build
//! its tests rather than corrupting memory at run time.

use crate::heap::object;
use crate::objects::{array, map};

/// Bytes of one frame record (`FrameRec`) in the frame list.
pub const FRAME_REC_BYTES: usize = 24;
/// Offset of `FrameRec::func` (u32): the id of the function running in
/// the frame.
pub const FRAME_FUNC_OFFSET: usize = 0;
/// Offset of `FrameRec::base` (u32): the VM-stack index of register 0.
pub const FRAME_BASE_OFFSET: usize = 4;
/// Offset of `FrameRec::pc` (u32): the instruction the frame is at while it
/// calls out or fails.
pub const FRAME_PC_OFFSET: usize = 8;
/// Offset of `FrameRec::dest` (u16): the caller's register that receives
/// the result.
pub const FRAME_DEST_OFFSET: usize = 12;
/// Offset of `FrameRec::closure` (u64): the running closure, or nil (0).
pub const FRAME_CLOSURE_OFFSET: usize = 16;

/// Bytes of the object header word, which an object reference points at.
pub const OBJECT_HEADER_BYTES: usize = object::HEADER_BYTES;
/// Offset in the header of the shape id (u32, the header's low half on
/// this little-endian layout).
pub const OBJECT_SHAPE_OFFSET: usize = 0;
/// Offset in the header of the aux word (u32: a struct's index, an enum's
/// variant, a closure's function id, a buffer's slot layout).
pub const OBJECT_AUX_OFFSET: usize = 4;
/// Bytes of one body slot.
pub const SLOT_BYTES: usize = object::SLOT_BYTES;

/// The byte offset from an object reference to its body slot `i`: struct
/// field `i`, enum payload `i`, closure capture `i`, a cell's value at 0.
pub const fn slot_offset(i: usize) -> usize {
    OBJECT_HEADER_BYTES + i * SLOT_BYTES
}

/// Offset of a string's byte length (slot 0).
pub const STR_LEN_OFFSET: usize = slot_offset(0);
/// Offset of a string's first UTF-8 byte (slot 1 on).
pub const STR_BYTES_OFFSET: usize = slot_offset(1);
/// Offset of an array's length.
pub const ARRAY_LEN_OFFSET: usize = slot_offset(array::LEN);
/// Offset of an array's buffer reference (nil until it holds an element).
pub const ARRAY_BUFFER_OFFSET: usize = slot_offset(array::BUF);
/// Offset of a map's count of live entries.
pub const MAP_LEN_OFFSET: usize = slot_offset(map::LEN);
/// Offset of a buffer's capacity in slots (slot 0).
pub const BUFFER_CAPACITY_OFFSET: usize = slot_offset(0);
/// Offset of a buffer's first element slot (slot 1 on).
pub const BUFFER_ELEMENTS_OFFSET: usize = slot_offset(1);
/// Offset of a byte buffer's first byte (after its capacity in slot 0):
/// an array of bools keeps element `i` at this offset plus `i`.
pub const BYTE_BUFFER_BYTES_OFFSET: usize = slot_offset(1);

/// Offset in the allocation fast path's state (`heap::AllocFast`, at
/// `JitCtx::alloc`) of the bump pointer's address (null without one).
pub const ALLOC_BUMP_OFFSET: usize = 0;
/// Offset of the largest object size the fast path may allocate (0: none).
pub const ALLOC_MAX_BUMP_OFFSET: usize = 8;
/// Offset of the allocations left before the next stress collection: the
/// fast path may allocate only while it is above 1, and counts it down.
pub const ALLOC_STRESS_LEFT_OFFSET: usize = 16;
/// Offset of the count of bytes allocated, which the fast path adds to.
pub const ALLOC_ALLOCATED_OFFSET: usize = 24;
/// Offset in a bump pointer of its cursor (the next free byte).
pub const BUMP_CURSOR_OFFSET: usize = 0;
/// Offset in a bump pointer of its limit (one past the buffer's end).
pub const BUMP_LIMIT_OFFSET: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::object::{make_header, slot_addr};
    use crate::heap::roots::{FrameRec, Roots};
    use crate::heap::shape::{SHAPE_ARRAY, SHAPE_STR};
    use crate::heap::{Heap, HeapConfig};
    use crate::interp::{MAX_FRAMES, VM_STACK_SLOTS};
    use crate::{DEFAULT_HEAP_BYTES, RUN_LOCK};
    use std::mem::{offset_of, size_of};

    /// The `u64` at byte `offset` from object `o`.
    fn word(o: u64, offset: usize) -> u64 {
        // SAFETY: the callers read inside objects they just allocated, and
        // allocate nothing in between, so no collection moves them.
        unsafe { *((o as usize + offset) as *const u64) }
    }

    /// The `u32` at byte `offset` from object `o`.
    fn half(o: u64, offset: usize) -> u32 {
        // SAFETY: as for `word`; a header half is 4-aligned.
        unsafe { *((o as usize + offset) as *const u32) }
    }

    #[test]
    fn the_frame_record_offsets_are_its_layout() {
        assert_eq!(size_of::<FrameRec>(), FRAME_REC_BYTES);
        assert_eq!(offset_of!(FrameRec, func), FRAME_FUNC_OFFSET);
        assert_eq!(offset_of!(FrameRec, base), FRAME_BASE_OFFSET);
        assert_eq!(offset_of!(FrameRec, pc), FRAME_PC_OFFSET);
        assert_eq!(offset_of!(FrameRec, dest), FRAME_DEST_OFFSET);
        assert_eq!(offset_of!(FrameRec, closure), FRAME_CLOSURE_OFFSET);
    }

    #[test]
    fn the_allocation_state_offsets_are_its_layout() {
        use crate::heap::AllocFast;
        use mmtk::util::alloc::BumpPointer;
        assert_eq!(offset_of!(AllocFast, bump), ALLOC_BUMP_OFFSET);
        assert_eq!(offset_of!(AllocFast, max_bump), ALLOC_MAX_BUMP_OFFSET);
        assert_eq!(offset_of!(AllocFast, stress_left), ALLOC_STRESS_LEFT_OFFSET);
        assert_eq!(offset_of!(AllocFast, allocated), ALLOC_ALLOCATED_OFFSET);
        assert_eq!(offset_of!(BumpPointer, cursor), BUMP_CURSOR_OFFSET);
        assert_eq!(offset_of!(BumpPointer, limit), BUMP_LIMIT_OFFSET);
        assert_eq!(size_of::<mmtk::util::Address>(), 8);
    }

    #[test]
    fn the_header_halves_are_shape_then_aux() {
        let header = make_header(0x1122_3344, 0x5566_7788);
        let o = &header as *const u64 as u64;
        assert_eq!(half(o, OBJECT_SHAPE_OFFSET), 0x1122_3344);
        assert_eq!(half(o, OBJECT_AUX_OFFSET), 0x5566_7788);
    }

    #[test]
    fn slot_offsets_are_the_heaps_slot_addresses() {
        for i in 0..8 {
            assert_eq!(slot_addr(0x1000, i), 0x1000 + slot_offset(i) as u64);
        }
        assert_eq!(STR_LEN_OFFSET, 8);
        assert_eq!(STR_BYTES_OFFSET, 16);
        assert_eq!(ARRAY_LEN_OFFSET, 8);
        assert_eq!(ARRAY_BUFFER_OFFSET, 16);
        assert_eq!(MAP_LEN_OFFSET, 8);
        assert_eq!(BUFFER_ELEMENTS_OFFSET, 16);
    }

    #[test]
    fn heap_objects_sit_at_the_stated_offsets() {
        let _one_at_a_time = RUN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let config = HeapConfig {
            plan: Default::default(),
            max_bytes: DEFAULT_HEAP_BYTES,
            threads: None,
        };
        let roots = Roots::new(VM_STACK_SLOTS, MAX_FRAMES);
        let mut heap = Heap::new(&config, roots).expect("the heap starts");

        let s = heap.alloc_str(b"abc").expect("a small string fits");
        assert_eq!(half(s, OBJECT_SHAPE_OFFSET), SHAPE_STR);
        assert_eq!(word(s, STR_LEN_OFFSET), 3);
        // SAFETY: as for `word`; the string holds 3 bytes from there.
        let bytes =
            unsafe { std::slice::from_raw_parts((s as usize + STR_BYTES_OFFSET) as *const u8, 3) };
        assert_eq!(bytes, b"abc");

        let a = array::new(&mut heap, array::ElemKind::Word, 2, 4).expect("a small array fits");
        array::set(&mut heap, a, 1, 77, false);
        assert_eq!(half(a, OBJECT_SHAPE_OFFSET), SHAPE_ARRAY);
        assert_eq!(word(a, ARRAY_LEN_OFFSET), 2);
        let buf = word(a, ARRAY_BUFFER_OFFSET);
        assert_eq!(word(buf, BUFFER_CAPACITY_OFFSET), 4);
        assert_eq!(word(buf, BUFFER_ELEMENTS_OFFSET + SLOT_BYTES), 77);
    }
}
