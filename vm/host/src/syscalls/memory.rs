//! The guest's own memory: anonymous mappings, protections and the
//! program break, all served from guest RAM by `addrspace.rs`.

use super::{err, result, Action, Call};
use crate::paging::{PROT_EXEC, PROT_READ, PROT_WRITE};
use crate::vcpu::lock;

/// mmap(addr, length, prot, flags, fd, offset): anonymous mappings only.
pub fn mmap(c: &mut Call) -> Action {
    let (addr, len, prot, flags) = (c.a[0], c.a[1], c.a[2] as u32, c.a[3] as i32);
    if flags & libc::MAP_ANONYMOUS == 0 {
        // File mappings are not offered: read() the program file instead.
        return err(libc::EACCES);
    }
    let fixed = flags & (libc::MAP_FIXED | libc::MAP_FIXED_NOREPLACE) != 0;
    let noreplace = flags & libc::MAP_FIXED_NOREPLACE != 0;
    let prot = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
    result(
        lock(&c.g.aspace)
            .mmap(addr, len, prot, fixed, noreplace)
            .map(|v| v as i64),
    )
}

/// munmap(addr, length).
pub fn munmap(c: &mut Call) -> Action {
    result(lock(&c.g.aspace).munmap(c.a[0], c.a[1]).map(|_| 0))
}

/// mprotect(addr, length, prot).
pub fn mprotect(c: &mut Call) -> Action {
    result(
        lock(&c.g.aspace)
            .mprotect(c.a[0], c.a[1], c.a[2] as u32 & 7)
            .map(|_| 0),
    )
}

/// madvise(addr, length, advice): MADV_DONTNEED frees the frames, any
/// other advice changes nothing.
pub fn madvise(c: &mut Call) -> Action {
    if c.a[2] == libc::MADV_DONTNEED as u64 {
        result(lock(&c.g.aspace).discard(c.a[0], c.a[1]).map(|_| 0))
    } else {
        Action::Ret(0)
    }
}

/// brk(addr).
pub fn brk(c: &mut Call) -> Action {
    Action::Ret(lock(&c.g.aspace).set_brk(c.a[0]) as i64)
}
