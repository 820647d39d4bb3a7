//! Object shapes: how the collector sees an object, found from its header.
//!
//! Every object's header names a shape id. Four shapes are fixed for the life
//! of the process (strings, arrays, maps, buffers); the rest are "fixed"
//! shapes — a known number of slots with a known set of reference slots — one
//! per struct, enum variant, cell type and closure of each loaded module.
//!
//! The table is process-wide and append-only. Objects of a finished run can
//! still be reached by a later collection (a generational plan's remembered
//! set may name them until the next GC consumes it), so their shapes must
//! stay valid; appending instead of replacing keeps every header meaningful.

use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Mutex;

/// Shape id of strings: body = byte length, then the UTF-8 bytes.
pub const SHAPE_STR: u32 = 0;
/// Shape id of arrays: body = length, reference to the backing buffer (or nil).
pub const SHAPE_ARRAY: u32 = 1;
/// Shape id of maps: body = live count, used entries, entries buffer, index buffer.
pub const SHAPE_MAP: u32 = 2;
/// Shape id of buffers: body = capacity in slots, then the slots. The header's
/// aux word describes which slots hold references (see `buffer_aux`).
pub const SHAPE_BUFFER: u32 = 3;

/// How the collector reads one kind of object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    Str,
    Array,
    Map,
    Buffer,
    /// `slots` body slots; the ones listed in `refs` hold references or nil.
    Fixed {
        slots: u32,
        refs: Vec<u32>,
    },
}

/// The published table. Readers (GC workers, on every object they scan) load
/// the pointer once; writers publish a new, longer copy and leak the old one,
/// because a worker may still hold it. Runs are few (one per CLI process, a
/// few dozen in the test binary), so the leak is bounded and small.
static TABLE: AtomicPtr<Vec<Shape>> = AtomicPtr::new(std::ptr::null_mut());

/// Serialises writers; readers never take it.
static WRITER: Mutex<()> = Mutex::new(());

fn builtin() -> Vec<Shape> {
    vec![Shape::Str, Shape::Array, Shape::Map, Shape::Buffer]
}

/// Appends `shapes` to the table and returns the id of the first one.
pub fn register(shapes: Vec<Shape>) -> u32 {
    let _guard = WRITER.lock().unwrap_or_else(|e| e.into_inner());
    let current = TABLE.load(Ordering::Acquire);
    let mut next = if current.is_null() {
        builtin()
    } else {
        // SAFETY: a published table is never freed (see `TABLE`).
        unsafe { (*current).clone() }
    };
    let base = next.len() as u32;
    next.extend(shapes);
    TABLE.store(Box::into_raw(Box::new(next)), Ordering::Release);
    base
}

/// The shape with this id. Ids come from headers the runtime wrote, so they
/// are always in the table; an unknown id (a corrupted header) is an
/// internal error that ends the process (the collector cannot unwind), not
/// an empty shape that would let the collector skip live references.
#[inline]
pub fn get(id: u32) -> &'static Shape {
    let table = TABLE.load(Ordering::Acquire);
    if table.is_null() {
        return match id {
            SHAPE_STR => &Shape::Str,
            SHAPE_ARRAY => &Shape::Array,
            SHAPE_MAP => &Shape::Map,
            SHAPE_BUFFER => &Shape::Buffer,
            _ => unknown(id),
        };
    }
    // SAFETY: a published table is never freed or mutated (see `TABLE`).
    let table: &'static Vec<Shape> = unsafe { &*table };
    match table.get(id as usize) {
        Some(shape) => shape,
        None => unknown(id),
    }
}

/// Reports an object header that names no shape.
#[cold]
fn unknown(id: u32) -> ! {
    crate::error::internal_exit(format_args!("an object header names unknown shape {id}"))
}

/// The aux word of a buffer whose slots repeat in groups of `stride` (1..=8)
/// and whose slot `i` is a reference when bit `i % stride` of `ref_mask` is set.
pub const fn buffer_aux(stride: u32, ref_mask: u32) -> u32 {
    (stride & 0xff) | ((ref_mask & 0xff) << 8)
}

/// The aux word of a buffer of bytes: its first body slot is its capacity
/// in bytes, and the bytes follow (the element buffer of a `[bool]`, one
/// byte per element). It holds no references (its ref mask is 0).
pub const BYTE_BUFFER_AUX: u32 = 1 << 16;

/// Whether a buffer with this aux word holds bytes (`BYTE_BUFFER_AUX`)
/// rather than slots.
#[inline]
pub const fn is_byte_buffer(aux: u32) -> bool {
    aux & BYTE_BUFFER_AUX != 0
}

/// Splits a buffer aux word into (stride, ref mask).
#[inline]
pub const fn buffer_layout(aux: u32) -> (u32, u32) {
    let stride = aux & 0xff;
    (if stride == 0 { 1 } else { stride }, (aux >> 8) & 0xff)
}
