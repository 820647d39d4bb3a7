//! Insertion-ordered hash maps with int, bool or str keys.
//!
//! A map object holds: the number of live entries, the number of entry
//! positions used (live or deleted), an entries buffer of `[key, value,
//! hash]` triples in insertion order, and an index buffer: an open-addressing
//! table (linear probing, at most half full) of 32-bit slots, two to a
//! buffer slot. A slot holds an entry position plus one in its low bits (as
//! many as the table's size needs), 0 meaning empty, and bits of the entry's
//! hash above them (a *tag*), so that a probe passes over other keys' slots
//! without reading their entries: a lookup of a missing key touches the index
//! alone. Half-width slots halve the index, which keeps the index of a map of
//! a few million entries inside a typical last-level cache.
//!
//! Deleting an entry leaves a tombstone in the entries buffer (hash =
//! `TOMBSTONE`, key and value nil) that lookups skip; the next growth compacts
//! the entries and rebuilds the index. Iteration walks the entries buffer, so
//! it follows insertion order and never depends on hashes.

use crate::hash::{hash_bytes, mix64};
use crate::heap::shape::{buffer_aux, SHAPE_MAP};
use crate::heap::{Heap, OutOfMemory};
use crate::program::KeyKind;
use crate::trap::{Trap, TrapKind};

/// Body slots of a map object.
pub const LEN: usize = 0;
pub const USED: usize = 1;
pub const ENTRIES: usize = 2;
pub const INDEX: usize = 3;

/// Slots per entry: key, value, hash.
pub const STRIDE: usize = 3;

/// The hash slot of a deleted entry. Real hashes have the top bit clear.
pub const TOMBSTONE: u64 = 1 << 63;

/// Entry capacity of a map's first entries buffer.
const MIN_ENTRIES: usize = 4;

/// The largest entries buffer a map gets: 2^30 entries, so that an entry
/// position plus one fits in the low bits of a 32-bit index slot of a table
/// with twice as many slots (2^31). Since the buffer is sized for twice the
/// live entries, a map holds at most half as many (2^29, 12 GiB of entries):
/// more than the default heap, but reachable with `--heap-max 64G`, so it
/// is a runtime error, not an assumption.
const MAX_CAPACITY: usize = 1 << 30;

/// The probe mask of index buffer `index` (its 32-bit slot count minus one).
#[inline]
fn index_mask(heap: &Heap, index: u64) -> usize {
    heap.load(index, 0) as usize * 2 - 1
}

/// The tag of hash `h` in a table with probe mask `mask`: the hash's bits
/// 32 and up that lie above the entry-position bits of a slot.
#[inline]
fn index_tag(h: u64, mask: usize) -> u32 {
    (h >> 32) as u32 & !(mask as u32)
}

/// The key and value layout of one map type.
#[derive(Clone, Copy, Debug)]
pub struct MapKind {
    pub key: KeyKind,
    pub val_ref: bool,
}

impl MapKind {
    fn key_ref(self) -> bool {
        self.key == KeyKind::Str
    }

    fn entries_aux(self) -> u32 {
        buffer_aux(
            STRIDE as u32,
            (self.key_ref() as u32) | ((self.val_ref as u32) << 1),
        )
    }
}

/// A new empty map (its buffers come with the first insertion).
pub fn new(heap: &mut Heap) -> Result<u64, OutOfMemory> {
    heap.alloc_fixed(SHAPE_MAP, 0, 4)
}

/// Number of live entries.
#[inline]
pub fn len(heap: &Heap, m: u64) -> usize {
    heap.load(m, LEN) as usize
}

/// The hash of a key (top bit clear).
pub fn hash_key(heap: &Heap, kind: KeyKind, key: u64) -> u64 {
    let h = match kind {
        KeyKind::Int | KeyKind::Bool => mix64(key),
        KeyKind::Str => hash_bytes(heap.str_bytes(key)),
    };
    h & !TOMBSTONE
}

fn keys_equal(heap: &Heap, kind: KeyKind, a: u64, b: u64) -> bool {
    match kind {
        KeyKind::Int | KeyKind::Bool => a == b,
        KeyKind::Str => a == b || heap.str_bytes(a) == heap.str_bytes(b),
    }
}

/// Where a probe for a key ended.
enum Probe {
    /// The key is at this entry position.
    Found(usize),
    /// The key is absent, and this index slot is the empty one its probe
    /// reached: where an insertion records it.
    Vacant(usize),
}

/// Probes index buffer `index` of entries buffer `entries` for `key`,
/// whose hash is `h`. The table is at most half full, so the probe ends.
#[inline(always)]
fn probe(heap: &Heap, entries: u64, index: u64, kind: KeyKind, key: u64, h: u64) -> Probe {
    let mask = index_mask(heap, index);
    let mut pos = h as usize & mask;
    let tag = index_tag(h, mask);
    loop {
        let slot = heap.load_u32(index, 1, pos);
        if slot == 0 {
            return Probe::Vacant(pos);
        }
        if slot & !(mask as u32) == tag {
            let e = (slot & mask as u32) as usize - 1;
            let at = e * STRIDE;
            // The hash comparison also passes over tombstones, whose key
            // (nil) could equal an int key 0.
            if heap.load(entries, 1 + at + 2) == h
                && keys_equal(heap, kind, heap.load(entries, 1 + at), key)
            {
                return Probe::Found(e);
            }
        }
        pos = (pos + 1) & mask;
    }
}

/// The entry position of `key`, if present.
#[inline]
pub fn find(heap: &Heap, m: u64, kind: KeyKind, key: u64) -> Option<usize> {
    let entries = heap.load(m, ENTRIES);
    if entries == 0 {
        return None;
    }
    let index = heap.load(m, INDEX);
    let h = hash_key(heap, kind, key);
    match probe(heap, entries, index, kind, key, h) {
        Probe::Found(e) => Some(e),
        Probe::Vacant(_) => None,
    }
}

/// The value at entry position `e`.
#[inline]
pub fn value_at(heap: &Heap, m: u64, e: usize) -> u64 {
    heap.load(heap.load(m, ENTRIES), 1 + e * STRIDE + 1)
}

/// The key at entry position `e`.
#[inline]
pub fn key_at(heap: &Heap, m: u64, e: usize) -> u64 {
    heap.load(heap.load(m, ENTRIES), 1 + e * STRIDE)
}

/// Whether entry position `e` holds a live entry.
#[inline]
pub fn is_live(heap: &Heap, m: u64, e: usize) -> bool {
    heap.load(heap.load(m, ENTRIES), 1 + e * STRIDE + 2) != TOMBSTONE
}

/// Entry positions used so far (live or deleted); iterate `0..used`.
#[inline]
pub fn used(heap: &Heap, m: u64) -> usize {
    heap.load(m, USED) as usize
}

/// The value for `key`, if present.
pub fn get(heap: &Heap, m: u64, kind: KeyKind, key: u64) -> Option<u64> {
    find(heap, m, kind, key).map(|e| value_at(heap, m, e))
}

/// Inserts or replaces `key`'s value. The map, key and value may move.
///
/// The key is hashed once, and one probe finds either its entry or the
/// empty index slot that records a new one, so that the common cases (a
/// replacement, or an insertion with room left) probe the index once.
pub fn insert(heap: &mut Heap, m: u64, kind: MapKind, key: u64, val: u64) -> Result<(), Trap> {
    let h = hash_key(heap, kind.key, key);
    let entries = heap.load(m, ENTRIES);
    let mut vacant = None;
    if entries != 0 {
        let index = heap.load(m, INDEX);
        match probe(heap, entries, index, kind.key, key, h) {
            Probe::Found(e) => {
                if kind.val_ref {
                    heap.store_ref(entries, 1 + e * STRIDE + 1, val);
                } else {
                    heap.store(entries, 1 + e * STRIDE + 1, val);
                }
                return Ok(());
            }
            Probe::Vacant(pos) => vacant = Some(pos),
        }
    }
    let cap = if entries == 0 {
        0
    } else {
        heap.load(entries, 0) as usize / STRIDE
    };
    let (m, key, val, vacant) = if used(heap, m) == cap {
        let mark = heap.root_mark();
        let mi = heap.push_root(m);
        let ki = heap.push_root(if kind.key_ref() { key } else { 0 });
        let vi = heap.push_root(if kind.val_ref { val } else { 0 });
        let r = rebuild(heap, mi, kind);
        let m = heap.root(mi);
        let key = if kind.key_ref() { heap.root(ki) } else { key };
        let val = if kind.val_ref { heap.root(vi) } else { val };
        heap.truncate_roots(mark);
        r?;
        // The rebuilt index has other slots: the probe starts again.
        (m, key, val, None)
    } else {
        (m, key, val, vacant)
    };
    let e = used(heap, m);
    let entries = heap.load(m, ENTRIES);
    let at = 1 + e * STRIDE;
    if kind.key_ref() {
        heap.store_ref(entries, at, key);
    } else {
        heap.store(entries, at, key);
    }
    if kind.val_ref {
        heap.store_ref(entries, at + 1, val);
    } else {
        heap.store(entries, at + 1, val);
    }
    heap.store(entries, at + 2, h);
    let index = heap.load(m, INDEX);
    match vacant {
        Some(pos) => index_store(heap, index, pos, h, e),
        None => index_insert(heap, index, h, e),
    }
    heap.store(m, USED, e as u64 + 1);
    heap.store(m, LEN, len(heap, m) as u64 + 1);
    Ok(())
}

/// Records entry position `e` with hash `h` in the index table.
fn index_insert(heap: &mut Heap, index: u64, h: u64, e: usize) {
    let mask = index_mask(heap, index);
    let mut pos = h as usize & mask;
    while heap.load_u32(index, 1, pos) != 0 {
        pos = (pos + 1) & mask;
    }
    index_store(heap, index, pos, h, e);
}

/// Fills empty index slot `pos` with entry position `e`, whose hash is `h`.
#[inline]
fn index_store(heap: &mut Heap, index: u64, pos: usize, h: u64, e: usize) {
    let mask = index_mask(heap, index);
    // `e < MAX_CAPACITY`, and the table has more than `e + 1` slots, so the
    // position fits below the tag.
    heap.store_u32(index, 1, pos, index_tag(h, mask) | (e as u32 + 1));
}

/// Makes room for one more entry: compacts away tombstones and sizes the
/// entries for twice the live ones (so a full map doubles, and one that is
/// mostly tombstones shrinks). The index gets two slots per entry, so it is
/// at most half full. The map is scratch root `mi`.
fn rebuild(heap: &mut Heap, mi: usize, kind: MapKind) -> Result<(), Trap> {
    let m = heap.root(mi);
    let live = len(heap, m);
    let mut cap = MIN_ENTRIES;
    while cap < live.saturating_mul(2) {
        cap = cap.checked_mul(2).ok_or(OutOfMemory)?;
    }
    if cap > MAX_CAPACITY {
        return Err(Trap::error(TrapKind::MapTooLarge {
            max_entries: (MAX_CAPACITY / 2) as u64,
        }));
    }
    let slots = cap.checked_mul(STRIDE).ok_or(OutOfMemory)?;
    let entries = heap.alloc_buffer(slots, kind.entries_aux())?;
    let ei = heap.push_root(entries);
    // `cap` buffer slots hold the index's `2 * cap` 32-bit slots.
    let index = heap.alloc_buffer(cap, buffer_aux(1, 0))?;
    let entries = heap.root(ei);
    let m = heap.root(mi);
    let old = heap.load(m, ENTRIES);
    let old_used = used(heap, m);
    // Live entries move in runs between tombstones, each run one copy (a
    // map without removals is a single run), and each gets its index slot.
    let mut n = 0;
    let mut e = 0;
    while e < old_used {
        if heap.load(old, 1 + e * STRIDE + 2) == TOMBSTONE {
            e += 1;
            continue;
        }
        let start = e;
        while e < old_used {
            let h = heap.load(old, 1 + e * STRIDE + 2);
            if h == TOMBSTONE {
                break;
            }
            index_insert(heap, index, h, n + (e - start));
            e += 1;
        }
        let run = e - start;
        heap.copy_slots(
            old,
            1 + start * STRIDE,
            entries,
            1 + n * STRIDE,
            run * STRIDE,
        );
        n += run;
    }
    heap.store_ref(m, ENTRIES, entries);
    heap.store_ref(m, INDEX, index);
    heap.store(m, USED, n as u64);
    heap.store(m, LEN, n as u64);
    Ok(())
}

/// Removes `key` if present; returns whether it was.
pub fn remove(heap: &mut Heap, m: u64, kind: KeyKind, key: u64) -> bool {
    let Some(e) = find(heap, m, kind, key) else {
        return false;
    };
    let entries = heap.load(m, ENTRIES);
    let at = 1 + e * STRIDE;
    heap.zero_slots(entries, at, 2);
    heap.store(entries, at + 2, TOMBSTONE);
    heap.store(m, LEN, len(heap, m) as u64 - 1);
    true
}
