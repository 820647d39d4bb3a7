//! Growable arrays: an array object holds its length and a backing buffer.
//!
//! The buffer is nil until the array first holds an element, so `[]` costs
//! one small object. It grows by doubling; slots past the length are nil, so
//! the collector (which scans a buffer's whole capacity) never sees stale
//! references.
//!
//! An array of `bool` keeps one byte per element (a byte buffer,
//! `shape::BYTE_BUFFER_AUX`), as C's and Java's do: eight times less memory
//! than a slot each, which is what decides the speed of a sieve over
//! millions of flags. The array's header says which kind it is (its aux
//! word, `BYTE_ARRAY_AUX`), so everything here reads the kind from the
//! array itself; compiled code knows it from the element's type, which the
//! verifier fixes for every instruction.

use crate::heap::shape::{buffer_aux, BYTE_BUFFER_AUX, SHAPE_ARRAY};
use crate::heap::{Heap, OutOfMemory};
use crate::trap::{index_error, Trap};

/// Body slot of the length.
pub const LEN: usize = 0;
/// Body slot of the buffer reference.
pub const BUF: usize = 1;

/// The aux word of the header of an array of bools (one byte per element);
/// every other array's is 0.
pub const BYTE_ARRAY_AUX: u32 = 1;

/// The smallest buffer a growing array gets: avoids regrowing tiny arrays
/// at 1, 2 and 4 elements.
const MIN_CAPACITY: usize = 4;

/// How an array stores its elements, from the element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElemKind {
    /// One slot per element holding no reference (ints, floats).
    Word,
    /// One slot per element holding a reference or nil.
    Ref,
    /// One byte per element (bools: 0 or 1).
    Byte,
}

impl ElemKind {
    /// The kind for elements that are bools (`is_bool`) or references
    /// (`is_ref`), or neither.
    pub fn of(is_bool: bool, is_ref: bool) -> ElemKind {
        match (is_bool, is_ref) {
            (true, _) => ElemKind::Byte,
            (false, true) => ElemKind::Ref,
            (false, false) => ElemKind::Word,
        }
    }

    /// Whether the elements are references (and stores need the barrier).
    pub fn is_ref(self) -> bool {
        self == ElemKind::Ref
    }
}

/// The aux word of buffers holding elements in slots (references or not).
pub fn elem_aux(elem_ref: bool) -> u32 {
    buffer_aux(1, elem_ref as u32)
}

/// Whether array `a` (not nil) keeps one byte per element.
#[inline]
pub fn is_bytes(heap: &Heap, a: u64) -> bool {
    heap.aux(a) == BYTE_ARRAY_AUX
}

/// A new element buffer of `cap` nil/zero elements of kind `kind`.
fn new_buffer(heap: &mut Heap, kind: ElemKind, cap: usize) -> Result<u64, OutOfMemory> {
    match kind {
        ElemKind::Byte => heap.alloc_byte_buffer(cap),
        ElemKind::Word | ElemKind::Ref => heap.alloc_buffer(cap, elem_aux(kind.is_ref())),
    }
}

/// A new array of length `len`, every element nil/zero/false, with room
/// for `cap.max(len)` elements.
pub fn new(heap: &mut Heap, kind: ElemKind, len: usize, cap: usize) -> Result<u64, OutOfMemory> {
    let cap = cap.max(len);
    let mark = heap.root_mark();
    let buf = if cap > 0 {
        new_buffer(heap, kind, cap)?
    } else {
        0
    };
    let bi = heap.push_root(buf);
    let aux = if kind == ElemKind::Byte {
        BYTE_ARRAY_AUX
    } else {
        0
    };
    let arr = heap.alloc_fixed(SHAPE_ARRAY, aux, 2);
    let buf = heap.root(bi);
    heap.truncate_roots(mark);
    let arr = arr?;
    heap.store(arr, LEN, len as u64);
    heap.store_ref(arr, BUF, buf);
    Ok(arr)
}

/// The length of array `a` (not nil).
#[inline]
pub fn len(heap: &Heap, a: u64) -> usize {
    heap.load(a, LEN) as usize
}

/// The capacity of array `a`'s buffer (in elements; slot 0 of the buffer
/// either way).
#[inline]
pub fn capacity(heap: &Heap, a: u64) -> usize {
    let buf = heap.load(a, BUF);
    if buf == 0 {
        0
    } else {
        heap.load(buf, 0) as usize
    }
}

/// Checks `i` against the length; returns it as an index.
#[inline]
pub fn check_index(heap: &Heap, a: u64, i: i64) -> Result<usize, Trap> {
    let n = len(heap, a);
    if i < 0 || i as u64 >= n as u64 {
        return Err(index_error(i, n));
    }
    Ok(i as usize)
}

/// Element `i` (in bounds).
///
/// The interpreter inlines this into its loop: the byte case is out of
/// line, so word arrays pay one compare of the header for it.
#[inline]
pub fn get(heap: &Heap, a: u64, i: usize) -> u64 {
    if is_bytes(heap, a) {
        return get_byte(heap, a, i);
    }
    heap.load(heap.load(a, BUF), 1 + i)
}

/// Element `i` (in bounds) of an array of bools.
#[cold]
#[inline(never)]
fn get_byte(heap: &Heap, a: u64, i: usize) -> u64 {
    u64::from(heap.load_byte(heap.load(a, BUF), i))
}

/// Sets element `i` of an array of bools (in bounds).
#[cold]
#[inline(never)]
fn set_byte(heap: &mut Heap, a: u64, i: usize, v: u64) {
    let buf = heap.load(a, BUF);
    // Bools are 0 or 1 (the verifier's types), so no bit is lost.
    heap.store_byte(buf, i, v as u8);
}

/// Sets element `i` (in bounds); `elem_ref` says whether the elements are
/// references.
#[inline]
pub fn set(heap: &mut Heap, a: u64, i: usize, v: u64, elem_ref: bool) {
    if is_bytes(heap, a) {
        return set_byte(heap, a, i, v);
    }
    let buf = heap.load(a, BUF);
    if elem_ref {
        heap.store_ref(buf, 1 + i, v);
    } else {
        heap.store(buf, 1 + i, v);
    }
}

/// Sets every element of `a` to `v` (not a reference: callers with
/// reference elements set them one by one, through the barrier).
pub fn fill(heap: &mut Heap, a: u64, v: u64) {
    let n = len(heap, a);
    let buf = heap.load(a, BUF);
    if n == 0 {
        return;
    }
    if is_bytes(heap, a) {
        heap.fill_bytes(buf, 0, n, v as u8);
    } else {
        for i in 0..n {
            heap.store(buf, 1 + i, v);
        }
    }
}

/// Copies `n` elements of array `src` from `si` to array `dst` from `di`
/// (both of the same kind, both ranges in bounds; they may overlap).
pub fn copy_elems(heap: &mut Heap, src: u64, si: usize, dst: u64, di: usize, n: usize) {
    if n == 0 {
        return;
    }
    let bytes = is_bytes(heap, src);
    let (sb, db) = (heap.load(src, BUF), heap.load(dst, BUF));
    if bytes {
        heap.copy_bytes(sb, si, db, di, n);
    } else {
        heap.copy_slots(sb, 1 + si, db, 1 + di, n);
    }
}

/// Sets `n` elements of `a`'s buffer from `i` to nil/zero/false.
fn clear_elems(heap: &mut Heap, a: u64, i: usize, n: usize) {
    let buf = heap.load(a, BUF);
    if buf == 0 || n == 0 {
        return;
    }
    if is_bytes(heap, a) {
        heap.fill_bytes(buf, i, n, 0);
    } else {
        heap.zero_slots(buf, 1 + i, n);
    }
}

/// Makes room for at least `want` elements. The array and the value being
/// added must be reachable from roots: the array is given as scratch root
/// `ai` and re-read by the caller afterwards.
pub fn reserve(heap: &mut Heap, ai: usize, want: usize, elem_ref: bool) -> Result<(), Trap> {
    let a = heap.root(ai);
    let cap = capacity(heap, a);
    if want <= cap {
        return Ok(());
    }
    let kind = ElemKind::of(is_bytes(heap, a), elem_ref);
    let new_cap = want.max(cap.saturating_mul(2)).max(MIN_CAPACITY);
    let aux = match kind {
        ElemKind::Byte => BYTE_BUFFER_AUX,
        ElemKind::Word | ElemKind::Ref => elem_aux(kind.is_ref()),
    };
    // Unfilled: every element is written below, the old ones copied and
    // the rest zeroed, before anything else allocates.
    let nb = heap.alloc_buffer_unfilled(new_cap, aux)?;
    let a = heap.root(ai);
    let old = heap.load(a, BUF);
    // An array without a buffer is empty.
    let n = if old == 0 {
        0
    } else {
        len(heap, a).min(new_cap)
    };
    if kind == ElemKind::Byte {
        if n > 0 {
            heap.copy_bytes(old, 0, nb, 0, n);
        }
        heap.fill_bytes(nb, n, new_cap - n, 0);
    } else {
        if n > 0 {
            heap.copy_slots(old, 1, nb, 1, n);
        }
        heap.zero_slots(nb, 1 + n, new_cap - n);
    }
    heap.store_ref(a, BUF, nb);
    Ok(())
}

/// Appends `v` to array `a`. Both may move during the call.
pub fn push(heap: &mut Heap, a: u64, v: u64, elem_ref: bool) -> Result<(), Trap> {
    let n = len(heap, a);
    if n < capacity(heap, a) {
        set(heap, a, n, v, elem_ref);
        heap.store(a, LEN, n as u64 + 1);
        return Ok(());
    }
    let mark = heap.root_mark();
    let ai = heap.push_root(a);
    let vi = heap.push_root(if elem_ref { v } else { 0 });
    let r = reserve(heap, ai, n + 1, elem_ref);
    let a = heap.root(ai);
    let v = if elem_ref { heap.root(vi) } else { v };
    heap.truncate_roots(mark);
    r?;
    set(heap, a, n, v, elem_ref);
    heap.store(a, LEN, n as u64 + 1);
    Ok(())
}

/// Inserts `v` at `i` (0..=len), shifting the tail up.
pub fn insert(heap: &mut Heap, a: u64, i: i64, v: u64, elem_ref: bool) -> Result<(), Trap> {
    let n = len(heap, a);
    if i < 0 || i as u64 > n as u64 {
        return Err(index_error(i, n));
    }
    let i = i as usize;
    let mark = heap.root_mark();
    let ai = heap.push_root(a);
    let vi = heap.push_root(if elem_ref { v } else { 0 });
    let r = reserve(heap, ai, n + 1, elem_ref);
    let a = heap.root(ai);
    let v = if elem_ref { heap.root(vi) } else { v };
    heap.truncate_roots(mark);
    r?;
    copy_elems(heap, a, i, a, i + 1, n - i);
    set(heap, a, i, v, elem_ref);
    heap.store(a, LEN, n as u64 + 1);
    Ok(())
}

/// Removes and returns element `i`, shifting the tail down.
pub fn remove(heap: &mut Heap, a: u64, i: i64) -> Result<u64, Trap> {
    let i = check_index(heap, a, i)?;
    let n = len(heap, a);
    let v = get(heap, a, i);
    copy_elems(heap, a, i + 1, a, i, n - i - 1);
    clear_elems(heap, a, n - 1, 1);
    heap.store(a, LEN, n as u64 - 1);
    Ok(v)
}

/// Removes every element (keeping the buffer, now all nil).
pub fn clear(heap: &mut Heap, a: u64) {
    let n = len(heap, a);
    clear_elems(heap, a, 0, n);
    heap.store(a, LEN, 0);
}
