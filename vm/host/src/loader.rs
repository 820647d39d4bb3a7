//! Loads a static executable into a fresh address space and builds the
//! initial stack (argc, argv, envp, auxv) as the Linux kernel would, which
//! is what glibc's and Rust's static start code read.

use crate::addrspace::{AddressSpace, Fault, STACK_SIZE, STACK_TOP};
use crate::elf::ElfImage;
use crate::memory::PAGE;
use crate::paging::{PROT_EXEC, PROT_READ, PROT_WRITE};
use std::fs::File;
use std::io::{Seek, SeekFrom};

/// Where a static-PIE executable is placed (2 MiB aligned).
pub const PIE_BASE: u64 = 0x5555_5540_0000;

/// Entry state of the main thread.
pub struct Loaded {
    pub entry: u64,
    pub stack: u64,
}

const AT_NULL: u64 = 0;
const AT_PHDR: u64 = 3;
const AT_PHENT: u64 = 4;
const AT_PHNUM: u64 = 5;
const AT_PAGESZ: u64 = 6;
const AT_BASE: u64 = 7;
const AT_FLAGS: u64 = 8;
const AT_ENTRY: u64 = 9;
const AT_UID: u64 = 11;
const AT_EUID: u64 = 12;
const AT_GID: u64 = 13;
const AT_EGID: u64 = 14;
const AT_PLATFORM: u64 = 15;
const AT_HWCAP: u64 = 16;
const AT_CLKTCK: u64 = 17;
const AT_SECURE: u64 = 23;
const AT_RANDOM: u64 = 25;
const AT_HWCAP2: u64 = 26;
const AT_EXECFN: u64 = 31;
const AT_MINSIGSTKSZ: u64 = 51;

fn seg_prot(flags: u32) -> u32 {
    let mut p = 0;
    if flags & 4 != 0 {
        p |= PROT_READ;
    }
    if flags & 2 != 0 {
        p |= PROT_WRITE;
    }
    if flags & 1 != 0 {
        p |= PROT_EXEC;
    }
    p
}

/// Loads the segments of `img` from `file` and returns the bias applied
/// to its addresses. Segment bytes go from the file straight into guest
/// RAM (no intermediate copy of the executable).
pub fn load_segments(
    aspace: &mut AddressSpace,
    img: &ElfImage,
    file: &mut File,
) -> Result<u64, Fault> {
    let bias = if img.position_independent {
        PIE_BASE
    } else {
        0
    };
    let mut top = 0u64;
    for s in &img.segments {
        let start = bias.checked_add(s.vaddr).ok_or(Fault::Segv)? & !(PAGE - 1);
        let end = bias
            .checked_add(s.vaddr)
            .and_then(|v| v.checked_add(s.memsz))
            .and_then(|v| v.checked_add(PAGE - 1))
            .ok_or(Fault::Segv)?
            & !(PAGE - 1);
        // Pages shared with an earlier segment keep the union of rights.
        aspace.reserve(start, end, seg_prot(s.flags) | PROT_READ);
        file.seek(SeekFrom::Start(s.offset))
            .map_err(|_| Fault::Segv)?;
        aspace.fill_from(bias + s.vaddr, file, s.filesz)?;
        top = top.max(end);
    }
    aspace.brk_start = top;
    aspace.brk = top;
    Ok(bias)
}

/// Writes the initial stack and returns the entry state.
pub fn build_stack(
    aspace: &mut AddressSpace,
    img: &ElfImage,
    bias: u64,
    args: &[String],
    env: &[String],
    random: [u8; 16],
) -> Result<Loaded, Fault> {
    aspace.reserve(STACK_TOP - STACK_SIZE, STACK_TOP, PROT_READ | PROT_WRITE);
    // Strings and random bytes at the top, then the vectors below them.
    let mut sp = STACK_TOP - 64;
    let mut push_bytes = |aspace: &mut AddressSpace, b: &[u8]| -> Result<u64, Fault> {
        sp = sp.checked_sub(b.len() as u64 + 1).ok_or(Fault::Segv)?;
        let mut v = b.to_vec();
        v.push(0);
        aspace.write_user(sp, &v)?;
        Ok(sp)
    };
    let mut argv = Vec::new();
    for a in args {
        argv.push(push_bytes(aspace, a.as_bytes())?);
    }
    let mut envp = Vec::new();
    for e in env {
        envp.push(push_bytes(aspace, e.as_bytes())?);
    }
    let platform = push_bytes(aspace, b"x86_64")?;
    let rand_at = push_bytes(aspace, &random)?;
    let execfn = argv.first().copied().unwrap_or(platform);
    // SAFETY-free host ids: harmless to reveal, and what the guest's
    // getuid() answers too.
    let (uid, euid, gid, egid) = ids();
    let auxv: Vec<(u64, u64)> = vec![
        (AT_PHDR, img.phdr_addr(bias).unwrap_or(0)),
        (AT_PHENT, u64::from(img.phentsize)),
        (AT_PHNUM, u64::from(img.phnum)),
        (AT_PAGESZ, PAGE),
        (AT_BASE, 0),
        (AT_FLAGS, 0),
        (AT_ENTRY, bias.wrapping_add(img.entry)),
        (AT_UID, uid),
        (AT_EUID, euid),
        (AT_GID, gid),
        (AT_EGID, egid),
        (AT_PLATFORM, platform),
        (AT_HWCAP, hwcap()),
        (AT_CLKTCK, 100),
        (AT_SECURE, 0),
        (AT_RANDOM, rand_at),
        (AT_HWCAP2, 0),
        (AT_EXECFN, execfn),
        (AT_MINSIGSTKSZ, 4096),
        (AT_NULL, 0),
    ];
    let mut words: Vec<u64> = Vec::new();
    words.push(argv.len() as u64);
    words.extend(&argv);
    words.push(0);
    words.extend(&envp);
    words.push(0);
    for (k, v) in auxv {
        words.push(k);
        words.push(v);
    }
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    // RSP must be 16-byte aligned at argc.
    let rsp = (sp - bytes.len() as u64) & !15;
    aspace.write_user(rsp, &bytes)?;
    Ok(Loaded {
        entry: bias.wrapping_add(img.entry),
        stack: rsp,
    })
}

pub fn ids() -> (u64, u64, u64, u64) {
    // SAFETY: these calls cannot fail and have no preconditions.
    unsafe {
        (
            u64::from(libc::getuid()),
            u64::from(libc::geteuid()),
            u64::from(libc::getgid()),
            u64::from(libc::getegid()),
        )
    }
}

fn hwcap() -> u64 {
    // CPUID.1:EDX, as Linux reports in AT_HWCAP on x86.
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: CPUID leaf 1 exists on every x86-64 CPU.
        u64::from(core::arch::x86_64::__cpuid(1).edx)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        0
    }
}
