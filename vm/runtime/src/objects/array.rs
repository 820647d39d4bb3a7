//! Growable arrays: an array object holds its length and a backing buffer.
//!
//! The buffer is nil until the array first holds an element, so `[]` costs
//! one small object. It grows by doubling; slots past the length are nil, so
//! the collector (which scans a buffer's whole capacity) never sees stale
//! references.

use crate::heap::shape::{buffer_aux, SHAPE_ARRAY};
use crate::heap::{Heap, OutOfMemory};
use crate::trap::{index_error, Trap};

/// Body slot of the length.
pub const LEN: usize = 0;
/// Body slot of the buffer reference.
pub const BUF: usize = 1;

/// The smallest buffer a growing array gets: avoids regrowing tiny arrays
/// at 1, 2 and 4 elements.
const MIN_CAPACITY: usize = 4;

/// The aux word of buffers holding elements (references or not).
pub fn elem_aux(elem_ref: bool) -> u32 {
    buffer_aux(1, elem_ref as u32)
}

/// A new array of length `len`, every element nil/zero, with room for
/// `cap.max(len)` elements.
pub fn new(heap: &mut Heap, elem_ref: bool, len: usize, cap: usize) -> Result<u64, OutOfMemory> {
    let cap = cap.max(len);
    let mark = heap.root_mark();
    let buf = if cap > 0 {
        heap.alloc_buffer(cap, elem_aux(elem_ref))?
    } else {
        0
    };
    let bi = heap.push_root(buf);
    let arr = heap.alloc_fixed(SHAPE_ARRAY, 0, 2);
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

/// The capacity of array `a`'s buffer.
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
#[inline]
pub fn get(heap: &Heap, a: u64, i: usize) -> u64 {
    let buf = heap.load(a, BUF);
    heap.load(buf, 1 + i)
}

/// Sets element `i` (in bounds).
#[inline]
pub fn set(heap: &mut Heap, a: u64, i: usize, v: u64, elem_ref: bool) {
    let buf = heap.load(a, BUF);
    if elem_ref {
        heap.store_ref(buf, 1 + i, v);
    } else {
        heap.store(buf, 1 + i, v);
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
    let new_cap = want.max(cap.saturating_mul(2)).max(MIN_CAPACITY);
    let nb = heap.alloc_buffer(new_cap, elem_aux(elem_ref))?;
    let a = heap.root(ai);
    let n = len(heap, a);
    let old = heap.load(a, BUF);
    if old != 0 {
        heap.copy_slots(old, 1, nb, 1, n);
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
    let buf = heap.load(a, BUF);
    heap.copy_slots(buf, 1 + i, buf, 2 + i, n - i);
    set(heap, a, i, v, elem_ref);
    heap.store(a, LEN, n as u64 + 1);
    Ok(())
}

/// Removes and returns element `i`, shifting the tail down.
pub fn remove(heap: &mut Heap, a: u64, i: i64) -> Result<u64, Trap> {
    let i = check_index(heap, a, i)?;
    let n = len(heap, a);
    let buf = heap.load(a, BUF);
    let v = heap.load(buf, 1 + i);
    heap.copy_slots(buf, 2 + i, buf, 1 + i, n - i - 1);
    heap.zero_slots(buf, n, 1);
    heap.store(a, LEN, n as u64 - 1);
    Ok(v)
}

/// Removes every element (keeping the buffer, now all nil).
pub fn clear(heap: &mut Heap, a: u64) {
    let n = len(heap, a);
    let buf = heap.load(a, BUF);
    if buf != 0 {
        heap.zero_slots(buf, 1, n);
    }
    heap.store(a, LEN, 0);
}
