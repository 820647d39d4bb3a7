//! The guest's user address space: its memory map (like Linux VMAs), the
//! page tables that realise it, and copying to and from guest user memory.
//!
//! Anonymous memory is backed lazily: `mmap` only records the range, and
//! the first access faults (the ring-0 stub forwards #PF to the host), at
//! which point `handle_fault` maps a fresh zeroed frame, a whole 2 MiB
//! frame when the mapping covers the aligned 2 MiB block. So huge
//! PROT_NONE / MAP_NORESERVE reservations (MMTk reserves terabytes) cost
//! nothing until touched, and guest RAM is only what is touched.

use crate::memory::{self, Frames, OutOfMemory, HUGE, PAGE};
use crate::paging::{self, ADDR, BACKED, NX, P, PS, RW};
use std::collections::BTreeMap;
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

/// Lowest address `mmap` hands out or accepts.
pub const MMAP_MIN: u64 = 0x1_0000;
/// Top of the user stack; the mmap area lies below it.
pub const STACK_TOP: u64 = 0x7fff_ff00_0000;
pub const STACK_SIZE: u64 = 8 << 20;
/// `mmap` without a hint allocates downwards from here.
pub const MMAP_TOP: u64 = 0x7f00_0000_0000;
/// Most mappings a guest may have (Linux's default vm.max_map_count), so
/// the host's bookkeeping stays bounded.
pub const MAX_VMAS: usize = 65530;
/// The heap (`brk`) may grow this far above its start.
pub const BRK_MAX: u64 = 1 << 40;
/// The error of an `mmap` or `mprotect` asking for memory both writable and
/// executable (W^X): Linux's own answer when its security module forbids
/// such memory (SELinux's `execmem`), which JITs already expect and avoid
/// by writing code first and making it executable after.
pub const WX_REFUSED: i32 = libc::EACCES;

/// Why an access to guest memory failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No mapping, or the mapping forbids the access.
    Segv,
    /// Guest RAM is exhausted.
    Oom,
}

impl From<OutOfMemory> for Fault {
    fn from(_: OutOfMemory) -> Fault {
        Fault::Oom
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Vma {
    end: u64,
    prot: u32,
}

/// What an access wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Exec,
}

enum Op {
    Unmap,
    Protect(u32),
}

pub struct AddressSpace {
    pub mem: GuestMemoryMmap,
    frames: Frames,
    pub pml4: u64,
    vmas: BTreeMap<u64, Vma>,
    pub brk_start: u64,
    pub brk: u64,
    /// Faults on pages that were already mapped (stale cached state).
    pub spurious_faults: u64,
    /// Limit on the number of mappings (MAX_VMAS; tests lower it).
    max_vmas: usize,
    /// Where the last top-down search for free space ended: the next one
    /// first tries just below it, so that many mappings stay cheap.
    free_hint: u64,
}

fn page_up(x: u64) -> Option<u64> {
    Some(x.checked_add(PAGE - 1)? & !(PAGE - 1))
}

fn allows(prot: u32, a: Access) -> bool {
    match a {
        Access::Read => prot & 7 != 0,
        Access::Write => prot & paging::PROT_WRITE != 0,
        Access::Exec => prot & paging::PROT_EXEC != 0,
    }
}

impl AddressSpace {
    /// An empty address space over `mem`, whose frames from
    /// `memory::SYSTEM_SIZE` to `ram_end` are free; `pml4` is the root
    /// table (already holding the system mappings).
    pub fn new(mem: GuestMemoryMmap, ram_end: u64, pml4: u64) -> AddressSpace {
        AddressSpace {
            mem,
            frames: Frames::new(ram_end),
            pml4,
            vmas: BTreeMap::new(),
            brk_start: 0,
            brk: 0,
            spurious_faults: 0,
            max_vmas: MAX_VMAS,
            free_hint: MMAP_TOP,
        }
    }

    /// Bytes of guest RAM in use.
    pub fn ram_used(&self) -> u64 {
        self.frames.used()
    }

    fn vma_at(&self, addr: u64) -> Option<(u64, Vma)> {
        let (s, v) = self.vmas.range(..=addr).next_back()?;
        (v.end > addr).then_some((*s, *v))
    }

    fn overlaps(&self, start: u64, end: u64) -> bool {
        if self.vma_at(start).is_some() {
            return true;
        }
        self.vmas.range(start..end).next().is_some()
    }

    /// Removes [start, end) from the memory map (splitting VMAs); does not
    /// touch page tables.
    fn cut(&mut self, start: u64, end: u64) {
        if let Some((s, v)) = self.vma_at(start) {
            if s < start {
                self.vmas.insert(
                    s,
                    Vma {
                        end: start,
                        prot: v.prot,
                    },
                );
                if v.end > end {
                    self.vmas.insert(
                        end,
                        Vma {
                            end: v.end,
                            prot: v.prot,
                        },
                    );
                }
            }
        }
        let inside: Vec<u64> = self.vmas.range(start..end).map(|(s, _)| *s).collect();
        for s in inside {
            if let Some(v) = self.vmas.remove(&s) {
                if v.end > end {
                    self.vmas.insert(end, v);
                }
            }
        }
    }

    fn insert(&mut self, start: u64, end: u64, prot: u32) {
        self.cut(start, end);
        let mut start = start;
        let mut end = end;
        // Merge with neighbours of equal protection, so 2 MiB blocks are
        // more often covered by one mapping.
        if let Some((s, v)) = self.vma_at(start.wrapping_sub(1)) {
            if v.end == start && v.prot == prot && start > 0 {
                self.vmas.remove(&s);
                start = s;
            }
        }
        if let Some(v) = self.vmas.get(&end).copied() {
            if v.prot == prot {
                self.vmas.remove(&end);
                end = v.end;
            }
        }
        self.vmas.insert(start, Vma { end, prot });
    }

    /// A free range of `len` bytes, searching down from MMAP_TOP.
    fn find_free(&mut self, len: u64) -> Option<u64> {
        let hint = self.free_hint;
        if hint <= MMAP_TOP && self.vma_at(hint.wrapping_sub(1)).is_none() {
            let below = self
                .vmas
                .range(..hint)
                .next_back()
                .map(|(_, v)| v.end)
                .unwrap_or(MMAP_MIN);
            if hint.saturating_sub(below.max(MMAP_MIN)) >= len {
                self.free_hint = hint - len;
                return Some(hint - len);
            }
        }
        let found = self.scan_free(len);
        if let Some(a) = found {
            self.free_hint = a;
        }
        found
    }

    fn scan_free(&self, len: u64) -> Option<u64> {
        let mut hi = MMAP_TOP;
        for (s, v) in self.vmas.range(..MMAP_TOP).rev() {
            if v.end <= hi && hi - v.end >= len {
                return Some(hi - len);
            }
            hi = hi.min(*s);
        }
        (hi.checked_sub(MMAP_MIN)? >= len).then(|| hi - len)
    }

    /// mmap of anonymous memory. Returns the address or a Linux errno.
    pub fn mmap(
        &mut self,
        hint: u64,
        len: u64,
        prot: u32,
        fixed: bool,
        noreplace: bool,
    ) -> Result<u64, i32> {
        if paging::writable_and_executable(prot) {
            return Err(WX_REFUSED);
        }
        if self.vmas.len() >= self.max_vmas {
            return Err(libc::ENOMEM);
        }
        let len = page_up(len).filter(|l| *l > 0).ok_or(libc::EINVAL)?;
        if !hint.is_multiple_of(PAGE) && fixed {
            return Err(libc::EINVAL);
        }
        let in_user = |a: u64| {
            a >= MMAP_MIN
                && a.checked_add(len)
                    .is_some_and(|e| e <= crate::elf::USER_TOP)
        };
        let addr = if fixed {
            if !in_user(hint) {
                return Err(libc::ENOMEM);
            }
            if noreplace && self.overlaps(hint, hint + len) {
                return Err(libc::EEXIST);
            }
            self.unmap_range(hint, hint + len);
            hint
        } else if hint != 0
            && hint.is_multiple_of(PAGE)
            && in_user(hint)
            && !self.overlaps(hint, hint + len)
        {
            hint
        } else {
            self.find_free(len).ok_or(libc::ENOMEM)?
        };
        self.insert(addr, addr + len, prot);
        self.prefault(addr, addr + len, prot);
        Ok(addr)
    }

    /// munmap: frees the frames and forgets the range.
    pub fn munmap(&mut self, addr: u64, len: u64) -> Result<(), i32> {
        let len = page_up(len).ok_or(libc::EINVAL)?;
        if !addr.is_multiple_of(PAGE)
            || addr
                .checked_add(len)
                .is_none_or(|e| e > crate::elf::USER_TOP)
        {
            return Err(libc::EINVAL);
        }
        self.unmap_range(addr, addr + len);
        // Reuse the hole first, as Linux would: it keeps page tables (which
        // are not freed) from growing when a program maps and unmaps
        // buffers over and over.
        let end = addr + len;
        if end <= MMAP_TOP && end > self.free_hint {
            self.free_hint = end;
        }
        Ok(())
    }

    fn unmap_range(&mut self, start: u64, end: u64) {
        // Splitting a 2 MiB page needs a table frame; if RAM is exhausted
        // the whole huge page is dropped instead, which is only wrong for
        // the part outside [start, end) and cannot happen unless the guest
        // is about to run out of memory anyway.
        if self
            .range_op(self.pml4, 4, 0, start, end, &Op::Unmap)
            .is_err()
        {
            let _ = self.force_unmap_huge(start, end);
        }
        self.cut(start, end);
    }

    fn force_unmap_huge(&mut self, start: u64, end: u64) -> Option<()> {
        let mut va = start & !(HUGE - 1);
        while va < end {
            if let Some((at, e, 2)) = paging::lookup(&self.mem, self.pml4, va) {
                paging::write(&self.mem, at, 0);
                self.frames.free_huge(&self.mem, e & ADDR);
            }
            va = va.checked_add(HUGE)?;
        }
        Some(())
    }

    /// mprotect: the whole range must be mapped.
    pub fn mprotect(&mut self, addr: u64, len: u64, prot: u32) -> Result<(), i32> {
        let len = page_up(len).ok_or(libc::EINVAL)?;
        if !addr.is_multiple_of(PAGE) {
            return Err(libc::EINVAL);
        }
        let end = addr.checked_add(len).ok_or(libc::ENOMEM)?;
        if self.vmas.len() + 2 > self.max_vmas {
            return Err(libc::ENOMEM);
        }
        let mut at = addr;
        while at < end {
            let (_, v) = self.vma_at(at).ok_or(libc::ENOMEM)?;
            at = v.end;
        }
        // Refused after the range is known to be mapped, as Linux does:
        // an unmapped range is ENOMEM whatever the protection asked.
        if paging::writable_and_executable(prot) {
            return Err(WX_REFUSED);
        }
        self.insert(addr, end, prot);
        self.range_op(self.pml4, 4, 0, addr, end, &Op::Protect(prot))
            .map_err(|_| libc::ENOMEM)?;
        self.prefault(addr, end, prot);
        Ok(())
    }

    /// MADV_DONTNEED: the range reads as zero afterwards (frames freed).
    pub fn discard(&mut self, addr: u64, len: u64) -> Result<(), i32> {
        let len = page_up(len).ok_or(libc::EINVAL)?;
        let end = addr.checked_add(len).ok_or(libc::EINVAL)?;
        if !addr.is_multiple_of(PAGE) || end > crate::elf::USER_TOP {
            return Err(libc::EINVAL);
        }
        if self
            .range_op(self.pml4, 4, 0, addr, end, &Op::Unmap)
            .is_err()
        {
            return Err(libc::ENOMEM);
        }
        Ok(())
    }

    /// brk: moves the program break; returns the new (or unchanged) break.
    pub fn set_brk(&mut self, new: u64) -> u64 {
        if new < self.brk_start || new > self.brk_start.saturating_add(BRK_MAX) {
            return self.brk;
        }
        let (Some(old_end), Some(new_end)) = (page_up(self.brk), page_up(new)) else {
            return self.brk;
        };
        if new_end > old_end {
            if self.overlaps(old_end, new_end) {
                return self.brk;
            }
            self.insert(old_end, new_end, paging::PROT_READ | paging::PROT_WRITE);
        } else if new_end < old_end {
            self.unmap_range(new_end, old_end);
        }
        self.brk = new;
        new
    }

    fn range_op(
        &mut self,
        table: u64,
        level: u32,
        base: u64,
        start: u64,
        end: u64,
        op: &Op,
    ) -> Result<(), OutOfMemory> {
        // Never touch the system half of the address space.
        let end = end.min(crate::elf::USER_TOP);
        let span = paging::span(level);
        let first = if start > base {
            (start - base) / span
        } else {
            0
        };
        for i in first..512 {
            let lo = base + i * span;
            if lo >= end {
                break;
            }
            let hi = lo.saturating_add(span);
            let at = table + i * 8;
            let e = paging::read(&self.mem, at);
            if e == 0 {
                continue;
            }
            let leaf = level == 1 || e & BACKED != 0;
            if !leaf {
                self.range_op(e & ADDR, level - 1, lo, start, end, op)?;
                continue;
            }
            let covered = start <= lo && end >= hi;
            if !covered {
                // A 2 MiB leaf partly in range: split it into 4 KiB leaves.
                let t = self.frames.alloc_small()?;
                for j in 0..512 {
                    let small = (e & !(PS | ADDR)) | ((e & ADDR) + j * PAGE);
                    paging::write(&self.mem, t + j * 8, small);
                }
                paging::write(&self.mem, at, t | paging::TABLE);
                self.range_op(t, 1, lo, start, end, op)?;
                continue;
            }
            let size = if level == 1 { PAGE } else { HUGE };
            match op {
                Op::Unmap => {
                    // Clear the entry first, then release the frame: the
                    // release drops cached translations, and a vCPU that
                    // faults in between finds the entry already gone.
                    paging::write(&self.mem, at, 0);
                    if size == PAGE {
                        self.frames.free_small(&self.mem, e & ADDR);
                    } else {
                        self.frames.free_huge(&self.mem, e & ADDR);
                    }
                }
                Op::Protect(prot) => {
                    let new = (e & (ADDR | PS)) | paging::leaf_flags(*prot);
                    paging::write(&self.mem, at, new);
                    if paging::reduces(e, new) {
                        memory::zap(&self.mem, e & ADDR, size);
                    }
                }
            }
        }
        Ok(())
    }

    /// Services a page fault at `va`: maps memory if the guest's map allows
    /// the access, else reports Segv.
    pub fn handle_fault(&mut self, va: u64, access: Access) -> Result<(), Fault> {
        let (vstart, v) = self.vma_at(va).ok_or(Fault::Segv)?;
        if !allows(v.prot, access) {
            return Err(Fault::Segv);
        }
        let flags = paging::leaf_flags(v.prot);
        if let Some((at, e, _)) = paging::lookup(&self.mem, self.pml4, va) {
            if e & BACKED != 0 {
                // Backed already: a stale translation, or flags that lag
                // behind the map. Rewrite them from the map and retry.
                let want = (e & (ADDR | PS)) | flags;
                if want != e {
                    paging::write(&self.mem, at, want);
                }
                self.spurious_faults += 1;
                return Ok(());
            }
        }
        let block = va & !(HUGE - 1);
        if vstart <= block && v.end >= block + HUGE && self.frames.huge_ok() {
            if let Some(at) = paging::slot(&self.mem, &mut self.frames, self.pml4, block, 2)? {
                if paging::read(&self.mem, at) == 0 {
                    if let Some(f) = self.frames.alloc_huge() {
                        paging::write(&self.mem, at, f | PS | flags);
                        return Ok(());
                    }
                }
            }
        }
        // Map a cluster around the fault (within the mapping) to save
        // exits on sequential first touches: 256 KiB while RAM is
        // plentiful, 64 KiB after.
        let cluster: u64 = if self.frames.huge_ok() {
            256 << 10
        } else {
            64 << 10
        };
        let page = va & !(PAGE - 1);
        let lo = (page & !(cluster - 1)).max(vstart);
        let hi = ((page | (cluster - 1)) + 1).min(v.end);
        let mut p = lo;
        while p < hi {
            let must = p == page;
            match self.map_small(p, flags) {
                Ok(()) => {}
                Err(e) if must => return Err(e),
                Err(_) => break,
            }
            p += PAGE;
        }
        Ok(())
    }

    /// Backs a small, accessible range at once: glibc grows its heaps with
    /// small mmap/mprotect steps and touches them right away, and every
    /// fault saved is a VM exit saved (tens of microseconds under PVM).
    /// Large ranges stay lazy. Running out of RAM here is not an error:
    /// the pages are then backed (or refused) when touched.
    fn prefault(&mut self, start: u64, end: u64, prot: u32) {
        const EAGER_MAX: u64 = 256 << 10;
        if prot & 7 == 0 || end.saturating_sub(start) > EAGER_MAX || !self.frames.huge_ok() {
            return;
        }
        let flags = paging::leaf_flags(prot);
        let mut p = start;
        while p < end {
            if self.map_small(p, flags).is_err() {
                return;
            }
            p += PAGE;
        }
    }

    fn map_small(&mut self, va: u64, flags: u64) -> Result<(), Fault> {
        let at = paging::slot(&self.mem, &mut self.frames, self.pml4, va, 1)?.ok_or(Fault::Segv)?;
        if paging::read(&self.mem, at) != 0 {
            return Ok(());
        }
        let f = self.frames.alloc_small()?;
        paging::write(&self.mem, at, f | flags);
        Ok(())
    }

    /// Guest physical address of user `va` for an access of the given kind,
    /// backing the page if the map allows it. `force` ignores protections
    /// (the loader writing read-only segments).
    fn translate(&mut self, va: u64, access: Access, force: bool) -> Result<u64, Fault> {
        // The page walk looks only at bits 12..48 of `va`, so an address in
        // the system half or a non-canonical one (any of bits 48..64 set)
        // would alias a user page: 0x8000_7f00_0000_0000 would read
        // 0x7f00_0000_0000. Linux refuses such pointers with EFAULT.
        if va >= crate::elf::USER_TOP {
            return Err(Fault::Segv);
        }
        if let Some((_, e, level)) = paging::lookup(&self.mem, self.pml4, va) {
            if e & BACKED != 0 {
                let ok = force
                    || match access {
                        Access::Read => e & P != 0,
                        Access::Write => e & P != 0 && e & RW != 0,
                        Access::Exec => e & P != 0 && e & NX == 0,
                    };
                if !ok {
                    return Err(Fault::Segv);
                }
                let size = if level == 1 { PAGE } else { HUGE };
                return Ok((e & ADDR) + (va & (size - 1)));
            }
        }
        let (_, v) = self.vma_at(va).ok_or(Fault::Segv)?;
        if !force && !allows(v.prot, access) {
            return Err(Fault::Segv);
        }
        let saved = v.prot;
        if force {
            // Back the page as if writable, then restore the real rights.
            let page = va & !(PAGE - 1);
            self.map_small(page, paging::leaf_flags(saved))?;
        } else {
            self.handle_fault(va, access)?;
        }
        match paging::lookup(&self.mem, self.pml4, va) {
            Some((_, e, level)) if e & BACKED != 0 => {
                let size = if level == 1 { PAGE } else { HUGE };
                Ok((e & ADDR) + (va & (size - 1)))
            }
            _ => Err(Fault::Segv),
        }
    }

    fn copy_out(&mut self, va: u64, data: &[u8], force: bool) -> Result<(), Fault> {
        let mut done = 0usize;
        while done < data.len() {
            let cur = va.checked_add(done as u64).ok_or(Fault::Segv)?;
            let gpa = self.translate(cur, Access::Write, force)?;
            let room = (PAGE - (cur & (PAGE - 1))) as usize;
            let n = room.min(data.len() - done);
            let chunk = data.get(done..done + n).ok_or(Fault::Segv)?;
            self.mem
                .write_slice(chunk, GuestAddress(gpa))
                .map_err(|_| Fault::Segv)?;
            done += n;
        }
        Ok(())
    }

    /// Copies `data` to user memory at `va`, with the guest's rights.
    pub fn write_user(&mut self, va: u64, data: &[u8]) -> Result<(), Fault> {
        self.copy_out(va, data, false)
    }

    /// Fills user memory at `va` with `len` bytes read from `src` (the
    /// loader: straight from the executable into guest RAM, ignoring
    /// protections).
    pub fn fill_from(&mut self, va: u64, src: &mut std::fs::File, len: u64) -> Result<(), Fault> {
        // Frames are allocated in order while loading, so runs of pages
        // are usually physically contiguous: read each run at once.
        const RUN_MAX: u64 = 1 << 20;
        let mut done = 0u64;
        let mut run: Option<(u64, u64)> = None; // (gpa, bytes)
        while done < len {
            let cur = va.checked_add(done).ok_or(Fault::Segv)?;
            let gpa = self.translate(cur, Access::Write, true)?;
            let n = (PAGE - (cur & (PAGE - 1))).min(len - done);
            run = match run {
                Some((start, bytes)) if start + bytes == gpa && bytes < RUN_MAX => {
                    Some((start, bytes + n))
                }
                Some((start, bytes)) => {
                    self.read_into(start, src, bytes)?;
                    Some((gpa, n))
                }
                None => Some((gpa, n)),
            };
            done += n;
        }
        if let Some((start, bytes)) = run {
            self.read_into(start, src, bytes)?;
        }
        Ok(())
    }

    fn read_into(&self, gpa: u64, src: &mut std::fs::File, bytes: u64) -> Result<(), Fault> {
        let n = usize::try_from(bytes).map_err(|_| Fault::Segv)?;
        self.mem
            .read_exact_volatile_from(GuestAddress(gpa), src, n)
            .map_err(|_| Fault::Segv)
    }

    /// Copies `len` bytes of user memory at `va`.
    pub fn read_user(&mut self, va: u64, len: usize) -> Result<Vec<u8>, Fault> {
        let mut out = vec![0u8; len];
        let mut done = 0usize;
        while done < len {
            let cur = va.checked_add(done as u64).ok_or(Fault::Segv)?;
            let gpa = self.translate(cur, Access::Read, false)?;
            let room = (PAGE - (cur & (PAGE - 1))) as usize;
            let n = room.min(len - done);
            let chunk = out.get_mut(done..done + n).ok_or(Fault::Segv)?;
            self.mem
                .read_slice(chunk, GuestAddress(gpa))
                .map_err(|_| Fault::Segv)?;
            done += n;
        }
        Ok(out)
    }

    /// Guest physical address of an aligned user u32 (for futexes).
    pub fn u32_addr(&mut self, va: u64, access: Access) -> Result<u64, Fault> {
        if !va.is_multiple_of(4) {
            return Err(Fault::Segv);
        }
        self.translate(va, access, false)
    }

    /// A NUL-terminated string of at most `max` bytes.
    pub fn read_cstr(&mut self, va: u64, max: usize) -> Result<Vec<u8>, Fault> {
        let mut out = Vec::new();
        let mut cur = va;
        while out.len() < max {
            let room = (PAGE - (cur & (PAGE - 1))) as usize;
            let chunk = self.read_user(cur, room.min(max - out.len()))?;
            if let Some(n) = chunk.iter().position(|b| *b == 0) {
                out.extend_from_slice(&chunk[..n]);
                return Ok(out);
            }
            out.extend_from_slice(&chunk);
            cur = cur.checked_add(chunk.len() as u64).ok_or(Fault::Segv)?;
        }
        Err(Fault::Segv)
    }

    /// Records a mapping without backing it (stack, loader, brk start).
    pub fn reserve(&mut self, start: u64, end: u64, prot: u32) {
        self.insert(start, end, prot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::SYSTEM_SIZE;

    fn space() -> AddressSpace {
        let size = SYSTEM_SIZE + (16 << 20);
        let mem = GuestMemoryMmap::<()>::from_ranges(&[(GuestAddress(0), size as usize)]).unwrap();
        AddressSpace::new(mem, size, 0x6000)
    }

    #[test]
    fn lazy_mapping_and_copy() {
        let mut a = space();
        let addr = a.mmap(0, 1 << 40, 3, false, false).unwrap();
        assert_eq!(a.ram_used(), 0, "reservation uses no RAM");
        a.write_user(addr + (1 << 39), b"hello").unwrap();
        assert_eq!(a.read_user(addr + (1 << 39), 5).unwrap(), b"hello");
        assert!(a.ram_used() >= PAGE && a.ram_used() <= HUGE + 4 * PAGE);
        a.munmap(addr, 1 << 40).unwrap();
        assert_eq!(a.read_user(addr + (1 << 39), 5), Err(Fault::Segv));
    }

    #[test]
    fn protections_are_enforced_and_split() {
        let mut a = space();
        let addr = a.mmap(0x2000_0000_0000, 4 << 20, 3, true, false).unwrap();
        assert_eq!(addr, 0x2000_0000_0000);
        a.write_user(addr + 100, b"x").unwrap();
        a.mprotect(addr + PAGE, PAGE, 1).unwrap();
        assert_eq!(a.write_user(addr + PAGE, b"y"), Err(Fault::Segv));
        assert_eq!(a.read_user(addr + PAGE, 1).unwrap(), vec![0]);
        a.write_user(addr + 2 * PAGE, b"z").unwrap();
        assert_eq!(
            a.read_user(addr + 100, 1).unwrap(),
            b"x",
            "contents survive the split"
        );
        a.mprotect(addr, PAGE, 0).unwrap();
        assert_eq!(a.read_user(addr + 100, 1), Err(Fault::Segv));
        a.mprotect(addr, PAGE, 3).unwrap();
        assert_eq!(
            a.read_user(addr + 100, 1).unwrap(),
            b"x",
            "PROT_NONE keeps contents"
        );
        assert_eq!(a.mmap(addr, PAGE, 3, true, true), Err(libc::EEXIST));
        assert_eq!(a.mprotect(0x1000_0000, PAGE, 1), Err(libc::ENOMEM));
    }

    #[test]
    fn writable_and_executable_memory_is_refused() {
        let mut a = space();
        let rw = paging::PROT_READ | paging::PROT_WRITE;
        let rx = paging::PROT_READ | paging::PROT_EXEC;
        let wx = paging::PROT_WRITE | paging::PROT_EXEC;
        for prot in [rw | paging::PROT_EXEC, wx] {
            assert_eq!(a.mmap(0, PAGE, prot, false, false), Err(WX_REFUSED));
            assert_eq!(
                a.mmap(0x2000_0000_0000, PAGE, prot, true, false),
                Err(WX_REFUSED)
            );
        }
        assert!(a.vmas.is_empty(), "a refused mmap maps nothing");
        // Code is written while writable, then made executable.
        let code = a.mmap(0, PAGE, rw, false, false).unwrap();
        a.write_user(code, &[0xc3]).unwrap();
        a.mprotect(code, PAGE, rx).unwrap();
        assert_eq!(
            a.mprotect(code, PAGE, rw | paging::PROT_EXEC),
            Err(WX_REFUSED)
        );
        assert_eq!(a.mprotect(code, PAGE, wx), Err(WX_REFUSED));
        // The refusals changed nothing: still executable, not writable.
        assert_eq!(a.write_user(code, b"x"), Err(Fault::Segv));
        assert_eq!(a.translate(code, Access::Exec, false).map(|_| ()), Ok(()));
        let leaf = paging::lookup(&a.mem, a.pml4, code).map(|(_, e, _)| e);
        assert_eq!(leaf.map(|e| (e & RW, e & NX)), Some((0, 0)));
        // And back to writable for the next code: no longer executable.
        a.mprotect(code, PAGE, rw).unwrap();
        assert_eq!(a.translate(code, Access::Exec, false), Err(Fault::Segv));
        a.write_user(code, &[0x90]).unwrap();
    }

    #[test]
    fn out_of_memory_is_reported() {
        let mut a = space();
        let addr = a.mmap(0, 64 << 20, 3, false, false).unwrap();
        let mut r = Ok(());
        for i in 0..(64 << 20) / PAGE {
            r = a.write_user(addr + i * PAGE, b"1");
            if r.is_err() {
                break;
            }
        }
        assert_eq!(r, Err(Fault::Oom));
    }

    #[test]
    fn system_half_cannot_be_unmapped() {
        let mut a = space();
        // A system-area leaf, as cpu::build_system writes them.
        let at = paging::slot(&a.mem, &mut a.frames, a.pml4, 0xffff_ffff_8000_0000, 1)
            .unwrap()
            .unwrap();
        paging::write(&a.mem, at, 0x2000 | P | RW);
        assert_eq!(a.discard(0xffff_ffff_8000_0000, PAGE), Err(libc::EINVAL));
        assert_eq!(a.munmap(0xffff_ffff_8000_0000, PAGE), Err(libc::EINVAL));
        assert_eq!(
            a.mprotect(0xffff_ffff_8000_0000, PAGE, 7),
            Err(libc::ENOMEM)
        );
        assert_eq!(a.discard(0, 1 << 47), Ok(()));
        assert_eq!(paging::read(&a.mem, at), 0x2000 | P | RW);
        assert_eq!(
            a.handle_fault(0xffff_ffff_8000_0000, Access::Write),
            Err(Fault::Segv)
        );
        assert_eq!(a.write_user(0xffff_ffff_8000_0000, b"x"), Err(Fault::Segv));
    }

    #[test]
    fn mapping_count_is_bounded() {
        let mut a = space();
        a.max_vmas = 100;
        let mut n = 0;
        loop {
            // Alternating protections so neighbours never merge.
            match a.mmap(0, PAGE, if n % 2 == 0 { 1 } else { 3 }, false, false) {
                Ok(_) => n += 1,
                Err(e) => {
                    assert_eq!(e, libc::ENOMEM);
                    break;
                }
            }
        }
        assert_eq!(n, 100);
    }

    #[test]
    fn unmapped_space_is_reused() {
        let mut a = space();
        let first = a.mmap(0, 1 << 20, 3, false, false).unwrap();
        a.write_user(first, b"x").unwrap();
        let used = a.ram_used();
        for _ in 0..1000 {
            let p = a.mmap(0, 1 << 20, 3, false, false).unwrap();
            a.write_user(p + 4096, b"y").unwrap();
            a.munmap(p, 1 << 20).unwrap();
        }
        assert!(
            a.ram_used() <= used + 8 * PAGE,
            "page tables stay bounded: {} vs {}",
            a.ram_used(),
            used
        );
    }

    #[test]
    fn brk_grows_and_shrinks() {
        let mut a = space();
        a.brk_start = 0x60_0000;
        a.brk = 0x60_0000;
        assert_eq!(a.set_brk(0x61_0000), 0x61_0000);
        a.write_user(0x60_f000, b"q").unwrap();
        assert_eq!(a.set_brk(0x60_0000), 0x60_0000);
        assert_eq!(a.read_user(0x60_f000, 1), Err(Fault::Segv));
        assert_eq!(a.set_brk(0x10), 0x60_0000);
    }
}

#[cfg(test)]
mod prefault_tests {
    use super::*;
    use crate::memory::SYSTEM_SIZE;

    #[test]
    fn small_accessible_ranges_are_backed_at_once() {
        let size = SYSTEM_SIZE + (64 << 20);
        let mem = GuestMemoryMmap::<()>::from_ranges(&[(GuestAddress(0), size as usize)]).unwrap();
        let mut a = AddressSpace::new(mem, size, 0x6000);
        let base = a.mmap(0, 64 << 20, 0, false, false).unwrap();
        assert_eq!(a.ram_used(), 0);
        a.mprotect(base, 2 * PAGE, 3).unwrap();
        let mapped = paging::lookup(&a.mem, a.pml4, base + PAGE).map(|(_, e, _)| e & P != 0);
        assert_eq!(mapped, Some(true), "mprotect-ed page backed");
        let big = a.mmap(0, 8 << 20, 3, false, false).unwrap();
        assert!(
            paging::lookup(&a.mem, a.pml4, big).is_none(),
            "large mapping stays lazy"
        );
    }
}
