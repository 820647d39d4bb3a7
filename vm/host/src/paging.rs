//! x86-64 4-level page table entries as the host writes them into guest
//! memory. The guest never edits its own page tables: they live in frames
//! mapped only in supervisor mode, and the host keeps them in step with
//! the guest's memory map (`addrspace.rs`).

use crate::memory::{Frames, OutOfMemory};
use std::sync::atomic::Ordering;
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

pub const P: u64 = 1;
pub const RW: u64 = 1 << 1;
pub const US: u64 = 1 << 2;
pub const PS: u64 = 1 << 7;
/// Software-available bit: the entry owns a frame (set even while the page
/// is PROT_NONE and so not present, to keep its contents).
pub const BACKED: u64 = 1 << 9;
pub const NX: u64 = 1 << 63;
pub const ADDR: u64 = 0x000f_ffff_ffff_f000;
/// Flags of a non-leaf entry: the leaf decides the access rights.
pub const TABLE: u64 = P | RW | US;

pub const PROT_READ: u32 = 1;
pub const PROT_WRITE: u32 = 2;
pub const PROT_EXEC: u32 = 4;

/// True if `prot` asks for a page both writable and executable, which the
/// guest is never given (W^X: code is written while writable, then made
/// executable and no longer writable).
pub fn writable_and_executable(prot: u32) -> bool {
    prot & PROT_WRITE != 0 && prot & PROT_EXEC != 0
}

/// Leaf flags for a Linux `prot`: x86 cannot express write-only or
/// execute-only pages, so any access right makes the page readable. A
/// writable leaf is never executable: the memory map refuses such a
/// `prot` before it gets here (`writable_and_executable`), and should one
/// get through anyway, writing wins, so that the page tables keep W^X
/// whatever their caller asked.
pub fn leaf_flags(prot: u32) -> u64 {
    let mut f = BACKED | US;
    if prot & (PROT_READ | PROT_WRITE | PROT_EXEC) != 0 {
        f |= P;
    }
    if prot & PROT_WRITE != 0 {
        f |= RW;
    }
    if prot & PROT_EXEC == 0 || prot & PROT_WRITE != 0 {
        f |= NX;
    }
    f
}

/// True if going from leaf `old` to `new` removes an access right, so that
/// cached translations must be dropped.
pub fn reduces(old: u64, new: u64) -> bool {
    (old & P != 0 && new & P == 0)
        || (old & RW != 0 && new & RW == 0)
        || (old & NX == 0 && new & NX != 0)
}

/// Reads an entry; an address outside guest memory reads as empty (it
/// cannot happen for tables the host built, and must not panic).
pub fn read(mem: &GuestMemoryMmap, gpa: u64) -> u64 {
    mem.load::<u64>(GuestAddress(gpa), Ordering::Acquire)
        .unwrap_or(0)
}

/// Writes an entry with one atomic store: other vCPUs may be walking the
/// tables at the same time and must never see a torn entry.
pub fn write(mem: &GuestMemoryMmap, gpa: u64, v: u64) {
    let _ = mem.store::<u64>(v, GuestAddress(gpa), Ordering::Release);
}

/// Index of `va` in the table at `level` (4 = PML4 ... 1 = PT).
pub fn index(va: u64, level: u32) -> u64 {
    (va >> (12 + 9 * (level - 1))) & 511
}

/// Bytes covered by one entry at `level`.
pub fn span(level: u32) -> u64 {
    1u64 << (12 + 9 * (level - 1))
}

/// The entry slot for `va` at `level` (2 for a 2 MiB leaf, 1 for 4 KiB),
/// creating intermediate tables. Returns None if a huge leaf sits above
/// the requested level.
pub fn slot(
    mem: &GuestMemoryMmap,
    frames: &mut Frames,
    pml4: u64,
    va: u64,
    level: u32,
) -> Result<Option<u64>, OutOfMemory> {
    let mut table = pml4;
    let mut l = 4;
    while l > level {
        let at = table + index(va, l) * 8;
        let e = read(mem, at);
        if e & P == 0 || e & BACKED != 0 {
            if e != 0 {
                return Ok(None);
            }
            let t = frames.alloc_small()?;
            write(mem, at, t | TABLE);
            table = t;
        } else if e & PS != 0 {
            return Ok(None);
        } else {
            table = e & ADDR;
        }
        l -= 1;
    }
    Ok(Some(table + index(va, level) * 8))
}

/// The leaf entry mapping `va`: (slot address, entry, level), if any.
pub fn lookup(mem: &GuestMemoryMmap, pml4: u64, va: u64) -> Option<(u64, u64, u32)> {
    let mut table = pml4;
    let mut l = 4;
    loop {
        let at = table + index(va, l) * 8;
        let e = read(mem, at);
        if e == 0 {
            return None;
        }
        if l == 1 || e & BACKED != 0 {
            return Some((at, e, l));
        }
        if e & PS != 0 {
            return Some((at, e, l));
        }
        table = e & ADDR;
        l -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_leaf_is_writable_and_executable() {
        for prot in 0..8 {
            let f = leaf_flags(prot);
            assert!(
                f & RW == 0 || f & NX != 0,
                "prot {prot}: leaf {f:#x} is writable and executable"
            );
            assert_eq!(f & NX == 0, prot & PROT_EXEC != 0 && prot & PROT_WRITE == 0);
        }
    }
}
