//! Guest physical memory: one anonymous host mapping registered with KVM,
//! and the allocator that hands out its frames (4 KiB and 2 MiB).
//!
//! The first 2 MiB hold the fixed system structures (see `cpu.rs`); frames
//! for page tables and for the guest's memory come from the rest. The host
//! mapping is MAP_NORESERVE, so host RAM is used only for frames the guest
//! touches, and freed frames are returned to the host with MADV_DONTNEED
//! (which also makes them read as zero when reused).
//!
//! Freeing or write-protecting a frame also has to invalidate any cached
//! translation KVM holds for it: under a shadow-paging hypervisor (PVM) the
//! host's direct writes to guest page tables are not tracked, but changes
//! to the host mapping of the *data* frame go through the MMU notifiers,
//! which drop every shadow/EPT entry pointing at that frame. `zap` does
//! that for frames that stay allocated.

use vm_memory::{GuestAddress, GuestMemoryBackend, GuestMemoryMmap};

pub const PAGE: u64 = 4096;
pub const HUGE: u64 = 2 << 20;
/// Guest physical bytes reserved for GDT, IDT, stubs, TSSs and kernel stacks.
pub const SYSTEM_SIZE: u64 = HUGE;

/// Out of guest RAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfMemory;

/// Frame allocator over guest physical memory `[SYSTEM_SIZE, end)`.
pub struct Frames {
    next: u64,
    end: u64,
    free_small: Vec<u64>,
    free_huge: Vec<u64>,
    used: u64,
}

impl Frames {
    pub fn new(end: u64) -> Frames {
        Frames {
            next: SYSTEM_SIZE,
            end,
            free_small: Vec::new(),
            free_huge: Vec::new(),
            used: 0,
        }
    }

    /// Bytes of guest RAM currently allocated.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// True while huge frames are cheap: more than half of guest RAM is
    /// still free. Past that, faults map 4 KiB frames, so sparse touches
    /// of big reservations do not use up the limit 2 MiB at a time.
    pub fn huge_ok(&self) -> bool {
        let total = self.end - SYSTEM_SIZE;
        self.used.saturating_add(HUGE) <= total / 2
    }

    /// A zeroed 4 KiB frame.
    pub fn alloc_small(&mut self) -> Result<u64, OutOfMemory> {
        let f = if let Some(f) = self.free_small.pop() {
            f
        } else if self.next.checked_add(PAGE).is_some_and(|e| e <= self.end) {
            let f = self.next;
            self.next += PAGE;
            f
        } else if let Some(h) = self.free_huge.pop() {
            // Break a free 2 MiB frame into small ones.
            for i in (1..HUGE / PAGE).rev() {
                self.free_small.push(h + i * PAGE);
            }
            h
        } else {
            return Err(OutOfMemory);
        };
        self.used += PAGE;
        Ok(f)
    }

    /// A zeroed, 2 MiB aligned 2 MiB frame, if one is available.
    pub fn alloc_huge(&mut self) -> Option<u64> {
        let f = if let Some(f) = self.free_huge.pop() {
            f
        } else {
            let start = self.next.checked_add(HUGE - 1)? & !(HUGE - 1);
            if start.checked_add(HUGE)? > self.end {
                return None;
            }
            let mut gap = self.next;
            while gap < start {
                self.free_small.push(gap);
                gap += PAGE;
            }
            self.next = start + HUGE;
            start
        };
        self.used += HUGE;
        Some(f)
    }

    pub fn free_small(&mut self, mem: &GuestMemoryMmap, f: u64) {
        release(mem, f, PAGE);
        self.used = self.used.saturating_sub(PAGE);
        self.free_small.push(f);
    }

    pub fn free_huge(&mut self, mem: &GuestMemoryMmap, f: u64) {
        release(mem, f, HUGE);
        self.used = self.used.saturating_sub(HUGE);
        self.free_huge.push(f);
    }
}

fn host_range(mem: &GuestMemoryMmap, gpa: u64, len: u64) -> Option<(*mut libc::c_void, usize)> {
    // Both ends must be inside guest memory; the region is one mapping.
    mem.get_host_address(GuestAddress(gpa.checked_add(len)?.checked_sub(1)?))
        .ok()?;
    let p = mem.get_host_address(GuestAddress(gpa)).ok()?;
    Some((p.cast(), usize::try_from(len).ok()?))
}

/// Returns a frame's host memory to the host (it reads as zero afterwards)
/// and drops every cached guest translation to it.
pub fn release(mem: &GuestMemoryMmap, gpa: u64, len: u64) {
    if let Some((p, l)) = host_range(mem, gpa, len) {
        // SAFETY: the range lies inside the guest memory mapping, which
        // lives as long as `mem`; discarding anonymous private pages only
        // zeroes guest memory, which the host never keeps references into.
        unsafe {
            libc::madvise(p, l, libc::MADV_DONTNEED);
        }
    }
}

/// Drops every cached guest translation to a frame that stays allocated
/// (after its guest mapping lost a permission). Changing the protection of
/// the host mapping fires the MMU notifiers, which zap KVM's shadow/EPT
/// entries for it; the change goes through a *wider* protection (RWX) and
/// back, so no host or vCPU access to the frame can fail in between.
pub fn zap(mem: &GuestMemoryMmap, gpa: u64, len: u64) {
    if let Some((p, l)) = host_range(mem, gpa, len) {
        // SAFETY: the range lies inside the guest memory mapping, which
        // lives as long as `mem`; read and write access is kept throughout.
        unsafe {
            libc::mprotect(p, l, libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC);
            libc::mprotect(p, l, libc::PROT_READ | libc::PROT_WRITE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocator_respects_limit() {
        let mut f = Frames::new(SYSTEM_SIZE + 3 * HUGE);
        let h = f.alloc_huge().unwrap();
        assert_eq!(h % HUGE, 0);
        let mut n = 0;
        while f.alloc_small().is_ok() {
            n += 1;
        }
        assert_eq!(n, 2 * 512);
        assert_eq!(f.used(), 3 * HUGE);
        assert!(f.alloc_huge().is_none());
    }
}
