//! The object layout and the raw reads and writes of object memory.
//!
//! Every object starts with one header word: the low 32 bits are its shape id
//! (see `shape`), the high 32 bits an aux word (a struct's index, an enum's
//! variant, a closure's function id, a buffer's slot layout). The body follows
//! as untagged 64-bit slots. An object reference is the address of the header;
//! nil is 0.
//!
//! | shape   | body slots                                                   |
//! |---------|--------------------------------------------------------------|
//! | Str     | byte length, then the UTF-8 bytes padded to a slot           |
//! | Array   | length, buffer (nil while the array never held an element)   |
//! | Map     | live entries, used entries, entries buffer, index buffer     |
//! | Buffer  | capacity in slots, then the slots                            |
//! | Fixed   | struct fields / enum payload / closure captures / cell value |
//!
//! This is the only file that dereferences object addresses. Callers pass
//! addresses that the runtime allocated and the collector keeps up to date;
//! the verifier's type guarantees make every slot index in range.

use super::shape::{self, buffer_layout, is_byte_buffer, Shape};

/// Bytes of the header word.
pub const HEADER_BYTES: usize = 8;
/// Bytes of one slot.
pub const SLOT_BYTES: usize = 8;
/// Every object is at least this big: the collector stores a forwarding
/// pointer in the header and some free-list plans have 16-byte minimum cells.
pub const MIN_OBJECT_BYTES: usize = 16;

/// The header word for a shape and aux word.
#[inline]
pub const fn make_header(shape: u32, aux: u32) -> u64 {
    (shape as u64) | ((aux as u64) << 32)
}

/// Rounds a byte count up to whole slots.
#[inline]
pub const fn round_to_slot(bytes: usize) -> usize {
    (bytes + SLOT_BYTES - 1) & !(SLOT_BYTES - 1)
}

/// Reads the header word of object `o`.
#[inline]
pub fn header(o: u64) -> u64 {
    debug_assert!(o != 0 && o.is_multiple_of(8), "bad object address {o:#x}");
    // SAFETY: `o` is a live object allocated by `Heap::alloc_raw`, which
    // always writes the header; the header is 8-aligned.
    unsafe { *(o as *const u64) }
}

/// Writes the header word of object `o` (only right after allocation).
#[inline]
pub fn set_header(o: u64, h: u64) {
    // SAFETY: as for `header`; the memory belongs to this fresh object.
    unsafe { *(o as *mut u64) = h }
}

/// The address of body slot `i` of object `o`.
#[inline]
pub const fn slot_addr(o: u64, i: usize) -> u64 {
    o + (HEADER_BYTES + i * SLOT_BYTES) as u64
}

/// Reads the `j`th 32-bit half of the body from slot `first` on (two per
/// slot, low half first on this little-endian layout). For tables of small
/// integers, such as a map's index, that would waste half of every slot.
#[inline]
pub fn load_u32(o: u64, first: usize, j: usize) -> u32 {
    debug_assert!(
        first + j / 2 < body_slots(o),
        "half {j} out of object {o:#x}"
    );
    // SAFETY: as for `load`: callers keep `first + j / 2` inside the body.
    unsafe { *((slot_addr(o, first) as *const u32).add(j)) }
}

/// Writes the `j`th 32-bit half of the body from slot `first` on (see
/// `load_u32`); never a reference, so no write barrier.
#[inline]
pub fn store_u32(o: u64, first: usize, j: usize, v: u32) {
    debug_assert!(
        first + j / 2 < body_slots(o),
        "half {j} out of object {o:#x}"
    );
    // SAFETY: as for `load_u32`.
    unsafe { *((slot_addr(o, first) as *mut u32).add(j)) = v }
}

/// Reads body slot `i` of object `o`.
#[inline]
pub fn load(o: u64, i: usize) -> u64 {
    debug_assert!(i < body_slots(o), "slot {i} out of object {o:#x}");
    // SAFETY: `o` is a live object and `i` is within its body: the verifier
    // proves field and capture indices, and the runtime bounds-checks array
    // and buffer indices before calling.
    unsafe { *(slot_addr(o, i) as *const u64) }
}

/// Writes body slot `i` of object `o`, with no write barrier. Callers use it
/// for non-reference values only; references go through `Heap::store_ref`.
#[inline]
pub fn store(o: u64, i: usize, v: u64) {
    debug_assert!(i < body_slots(o), "slot {i} out of object {o:#x}");
    // SAFETY: as for `load`.
    unsafe { *(slot_addr(o, i) as *mut u64) = v }
}

/// The body of a string object (its bytes); nil reads as the empty string so
/// that a string register nobody wrote cannot crash the process.
#[inline]
pub fn str_bytes<'a>(o: u64) -> &'a [u8] {
    if o == 0 {
        return &[];
    }
    let len = load(o, 0) as usize;
    // SAFETY: a string object has `len` initialised bytes after its length
    // slot. The lifetime is chosen by the caller: `Heap::str_bytes` ties it
    // to a shared borrow of the heap, so no allocation (and so no moving
    // collection) can happen while the slice lives.
    unsafe { std::slice::from_raw_parts(slot_addr(o, 1) as *const u8, len) }
}

/// The mutable bytes of a fresh string object.
#[inline]
pub fn str_bytes_mut<'a>(o: u64) -> &'a mut [u8] {
    let len = load(o, 0) as usize;
    // SAFETY: as for `str_bytes`; `Heap::str_bytes_mut` ties the lifetime to
    // an exclusive borrow of the heap.
    unsafe { std::slice::from_raw_parts_mut(slot_addr(o, 1) as *mut u8, len) }
}

/// Copies `n` slots from `src[si..]` to `dst[di..]`; the ranges may overlap
/// (same buffer). The caller runs the write barrier for reference slots.
#[inline]
pub fn copy_slots(src: u64, si: usize, dst: u64, di: usize, n: usize) {
    if n == 0 {
        return;
    }
    debug_assert!(si + n <= body_slots(src) && di + n <= body_slots(dst));
    // SAFETY: both ranges lie inside live buffers (checked by the callers
    // against the buffers' capacities); `copy` allows overlap.
    unsafe {
        std::ptr::copy(
            slot_addr(src, si) as *const u64,
            slot_addr(dst, di) as *mut u64,
            n,
        )
    }
}

/// The address of byte `i` of byte buffer `o` (its bytes follow the
/// capacity in slot 0).
#[inline]
pub const fn byte_addr(o: u64, i: usize) -> u64 {
    slot_addr(o, 1) + i as u64
}

/// Reads byte `i` of byte buffer `o`.
#[inline]
pub fn load_byte(o: u64, i: usize) -> u8 {
    debug_assert!(SLOT_BYTES + i < object_bytes(o) - HEADER_BYTES);
    // SAFETY: callers keep `i` below the buffer's capacity.
    unsafe { *(byte_addr(o, i) as *const u8) }
}

/// Writes byte `i` of byte buffer `o`.
#[inline]
pub fn store_byte(o: u64, i: usize, v: u8) {
    debug_assert!(SLOT_BYTES + i < object_bytes(o) - HEADER_BYTES);
    // SAFETY: callers keep `i` below the buffer's capacity.
    unsafe { *(byte_addr(o, i) as *mut u8) = v }
}

/// Copies `n` bytes from byte buffer `src[si..]` to `dst[di..]`; the ranges
/// may overlap (same buffer).
#[inline]
pub fn copy_bytes(src: u64, si: usize, dst: u64, di: usize, n: usize) {
    if n == 0 {
        return;
    }
    // SAFETY: both ranges lie inside live byte buffers (checked by the
    // callers against the buffers' capacities); `copy` allows overlap.
    unsafe {
        std::ptr::copy(
            byte_addr(src, si) as *const u8,
            byte_addr(dst, di) as *mut u8,
            n,
        )
    }
}

/// Sets `n` bytes of byte buffer `o` from byte `i` to `v`.
#[inline]
pub fn fill_bytes(o: u64, i: usize, n: usize, v: u8) {
    if n == 0 {
        return;
    }
    // SAFETY: the range lies inside the buffer's bytes (callers check).
    unsafe { std::ptr::write_bytes(byte_addr(o, i) as *mut u8, v, n) }
}

/// Zeroes `n` slots of `o` from slot `i`.
#[inline]
pub fn zero_slots(o: u64, i: usize, n: usize) {
    if n == 0 {
        return;
    }
    debug_assert!(i + n <= body_slots(o));
    // SAFETY: the range lies inside the object's body (callers check).
    unsafe { std::ptr::write_bytes(slot_addr(o, i) as *mut u64, 0, n) }
}

/// Number of body slots of `o` (for strings: the length slot plus the byte
/// slots), from its header and shape.
pub fn body_slots(o: u64) -> usize {
    (object_bytes(o) - HEADER_BYTES) / SLOT_BYTES
}

/// Object size in bytes for a body of `body_bytes`.
#[inline]
pub const fn object_bytes_for(body_bytes: usize) -> usize {
    let total = HEADER_BYTES + round_to_slot(body_bytes);
    if total < MIN_OBJECT_BYTES {
        MIN_OBJECT_BYTES
    } else {
        total
    }
}

/// The size in bytes of object `o`, read from its header and first slot.
/// The collector calls this for every object it copies.
pub fn object_bytes(o: u64) -> usize {
    let h = header(o);
    let raw_slot0 = || {
        // SAFETY: strings and buffers always have their first body slot.
        unsafe { *(slot_addr(o, 0) as *const u64) as usize }
    };
    match shape::get(h as u32) {
        Shape::Str => object_bytes_for(SLOT_BYTES + raw_slot0()),
        Shape::Array => object_bytes_for(2 * SLOT_BYTES),
        Shape::Map => object_bytes_for(4 * SLOT_BYTES),
        Shape::Buffer if is_byte_buffer((h >> 32) as u32) => {
            object_bytes_for(SLOT_BYTES + raw_slot0())
        }
        Shape::Buffer => object_bytes_for(SLOT_BYTES * (1 + raw_slot0())),
        Shape::Fixed { slots, .. } => object_bytes_for(SLOT_BYTES * *slots as usize),
    }
}

/// Calls `visit` with the address of every reference slot of `o` that is not
/// nil. This is the collector's precise view of an object.
#[inline]
pub fn for_each_ref_slot(o: u64, mut visit: impl FnMut(u64)) {
    let h = header(o);
    let mut one = |i: usize| {
        let addr = slot_addr(o, i);
        // SAFETY: `i` is a body slot of `o` by the shape's description.
        if unsafe { *(addr as *const u64) } != 0 {
            visit(addr);
        }
    };
    match shape::get(h as u32) {
        Shape::Str => {}
        Shape::Array => one(1),
        Shape::Map => {
            one(2);
            one(3);
        }
        Shape::Buffer => {
            let (stride, mask) = buffer_layout((h >> 32) as u32);
            if mask == 0 {
                return;
            }
            // SAFETY: a buffer's first body slot is its capacity.
            let cap = unsafe { *(slot_addr(o, 0) as *const u64) } as usize;
            let stride = stride as usize;
            for i in 0..cap {
                if mask & (1 << (i % stride)) != 0 {
                    one(1 + i);
                }
            }
        }
        Shape::Fixed { refs, .. } => {
            for &i in refs {
                one(i as usize);
            }
        }
    }
}
