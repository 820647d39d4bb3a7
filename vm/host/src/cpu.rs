//! The fixed system area (GDT, IDT, stubs, per-vCPU TSS and ring-0 stack)
//! and the register state of a vCPU entering the guest in ring 3.
//!
//! There is no guest kernel. The only ring-0 code is a set of stubs, each
//! a port write that exits to the host (plus `iretq`/`sysretq` to return):
//! - `syscall` enters the stub at LSTAR. On hardware KVM it runs in ring 0;
//!   under PVM (measured here) `syscall` jumps to LSTAR but stays in ring 3,
//!   so the stub page is user-accessible and the TSS I/O bitmap lets ring 3
//!   write the one syscall port. The host finishes the system call itself
//!   (sets RIP/RFLAGS from RCX/R11) when it finds the vCPU in ring 3, and
//!   lets the stub's `sysretq` run when in ring 0.
//! - every exception vector enters a ring-0 stub through the IDT that
//!   writes port `EXC_PORT_BASE + vector`; the host reads the frame from
//!   the vCPU's ring-0 stack, and on return the stub pops the error code
//!   and `iretq`s. Ring 0 is emulated one instruction at a time under PVM,
//!   so stubs are three instructions at most.
//!
//! Guest physical layout of the system area (first 2 MiB): 0x0000 GDT,
//! 0x1000 IDT, 0x2000 stubs, 0x3000-0x5fff system page tables, 0x6000
//! PML4, 0x7000 the stub page's page table, 0x10000 + 0x2000*i TSS of
//! vCPU i, next page its ring-0 stack.
//!
//! Virtual layout and access rights (see `spec/host-mode.md`, "The system
//! area"): the GDT, IDT, TSSs and ring-0 stacks are mapped at `KBASE`
//! through a page-directory entry that is supervisor-only and no-execute,
//! so no leaf below it can ever be reached from ring 3 or executed; the IDT
//! is also read-only. The stub page alone is mapped at `STUBS_VA`, in the
//! next 2 MiB, through its own page table, present, user and executable
//! but read-only at every level (CR0.WP makes that bind ring 0 too). The
//! page tables themselves are not mapped at all: the CPU walks them by
//! physical address and nothing in the guest needs to name them.

use crate::memory::HUGE;
use crate::paging;
use kvm_bindings::{kvm_dtable, kvm_msr_entry, kvm_regs, kvm_segment, kvm_sregs, Msrs};
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

/// Guest virtual base of the system area (top 2 GiB, like a kernel).
pub const KBASE: u64 = 0xffff_ffff_8000_0000;
pub const GDT: u64 = 0x0000;
pub const IDT: u64 = 0x1000;
pub const STUBS: u64 = 0x2000;
pub const PML4: u64 = 0x6000;
const SYS_PDPT: u64 = 0x3000;
const SYS_PD: u64 = 0x4000;
const SYS_PT: u64 = 0x5000;
/// The page table that maps the stub page (and nothing else).
const STUB_PT: u64 = 0x7000;
/// Guest virtual address of the stub page: the first page of the 2 MiB
/// after the supervisor-only block, so that it has page-table entries of
/// its own at the levels where user access must be granted.
pub const STUBS_VA: u64 = KBASE + HUGE;
const VCPU_AREA: u64 = 0x10000;
/// Most vCPUs (guest threads alive at once) the system area has room for.
pub const MAX_VCPUS: u64 = 200;

/// Port written by the `syscall` stub.
pub const SYSCALL_PORT: u16 = 0x10;
/// Exception vector `v` writes port `EXC_PORT_BASE + v`.
pub const EXC_PORT_BASE: u16 = 0x20;
/// Offset of the syscall stub in the stub page; `out` is 2 bytes long.
pub const SYSCALL_STUB: u64 = 0x0;
/// A lone `syscall` instruction, used to probe where `syscall` lands.
pub const PROBE: u64 = 0x80;
const EXC_STUBS: u64 = 0x100;

pub const USER_CS: u16 = 0x2b;
pub const USER_SS: u16 = 0x23;
const KERNEL_CS: u16 = 0x08;
const TSS_SEL: u16 = 0x30;
const TSS_LIMIT: u32 = 104 + 32;

const MSR_STAR: u32 = 0xC000_0081;
const MSR_LSTAR: u32 = 0xC000_0082;
const MSR_CSTAR: u32 = 0xC000_0083;
const MSR_SFMASK: u32 = 0xC000_0084;
const MSR_FS_BASE: u32 = 0xC000_0100;
const MSR_GS_BASE: u32 = 0xC000_0101;
const MSR_KERNEL_GS_BASE: u32 = 0xC000_0102;

/// Guest virtual address of the syscall stub's port write.
pub fn syscall_stub_va() -> u64 {
    STUBS_VA + SYSCALL_STUB
}

/// Guest virtual address of the lone `syscall` the probe runs.
pub fn probe_va() -> u64 {
    STUBS_VA + PROBE
}

/// Exception vectors that push an error code.
fn has_error_code(v: u64) -> bool {
    matches!(v, 8 | 10 | 11 | 12 | 13 | 14 | 17 | 21 | 29 | 30)
}

fn tss_gpa(vcpu: u64) -> u64 {
    VCPU_AREA + vcpu * 0x2000
}

/// Guest physical address just past the top of vCPU `vcpu`'s ring-0 stack,
/// where the exception frame ends.
pub fn kstack_top_gpa(vcpu: u64) -> u64 {
    tss_gpa(vcpu) + 0x2000
}

fn code_desc(dpl: u64) -> u64 {
    // Present, S=1, type execute/read, L=1 (64-bit), G=1.
    0xFFFF | (0xF << 48) | ((0x9A | (dpl << 5)) << 40) | (1 << 53) | (1 << 55)
}

fn data_desc(dpl: u64) -> u64 {
    // Present, S=1, type read/write, D/B=1, G=1.
    0xFFFF | (0xF << 48) | ((0x92 | (dpl << 5)) << 40) | (1 << 54) | (1 << 55)
}

/// Writes the system area into guest memory.
pub fn build_system(mem: &GuestMemoryMmap) -> Result<(), vm_memory::GuestMemoryError> {
    let w = |gpa: u64, v: u64| mem.write_obj(v, GuestAddress(gpa));
    // GDT: null, kernel code, kernel data, (unused 32-bit user code slot
    // that STAR's sysret base needs), user data, user code, TSS.
    w(GDT + 0x08, code_desc(0))?;
    w(GDT + 0x10, data_desc(0))?;
    w(GDT + 0x20, data_desc(3))?;
    w(GDT + 0x28, code_desc(3))?;
    let tss = KBASE + tss_gpa(0);
    let lim = u64::from(TSS_LIMIT);
    w(
        GDT + 0x30,
        (lim & 0xffff) | ((tss & 0xff_ffff) << 16) | (0x89 << 40) | (((tss >> 24) & 0xff) << 56),
    )?;
    w(GDT + 0x38, tss >> 32)?;
    // Stubs.
    mem.write_slice(
        &[0xE6, SYSCALL_PORT as u8, 0x48, 0x0F, 0x07],
        GuestAddress(STUBS + SYSCALL_STUB),
    )?;
    mem.write_slice(&[0x0F, 0x05, 0xEB, 0xFE], GuestAddress(STUBS + PROBE))?;
    for v in 0..32u64 {
        let at = STUBS + EXC_STUBS + v * 16;
        let port = EXC_PORT_BASE as u8 + v as u8;
        if has_error_code(v) {
            mem.write_slice(
                &[0xE6, port, 0x48, 0x83, 0xC4, 0x08, 0x48, 0xCF],
                GuestAddress(at),
            )?;
        } else {
            mem.write_slice(&[0xE6, port, 0x48, 0xCF], GuestAddress(at))?;
        }
        // IDT: 64-bit interrupt gates (IF cleared on entry), DPL 0.
        let h = STUBS_VA + (at - STUBS);
        let lo = (h & 0xffff)
            | (u64::from(KERNEL_CS) << 16)
            | (0x8E << 40)
            | (((h >> 16) & 0xffff) << 48);
        w(IDT + v * 16, lo)?;
        w(IDT + v * 16 + 8, h >> 32)?;
    }
    map_system(mem)?;
    Ok(())
}

/// The system page tables. U/S and R/W are ANDed over the levels of a walk
/// and NX is ORed, so the two entries above both 2 MiB blocks (PML4[511],
/// PDPT[510]) allow user access, writes and execution, and the entries
/// below them decide: PD[0] (GDT, IDT, TSSs, ring-0 stacks) is
/// supervisor-only and no-execute; PD[1] and the stub page's own entry are
/// user, read-only and executable.
fn map_system(mem: &GuestMemoryMmap) -> Result<(), vm_memory::GuestMemoryError> {
    let w = |gpa: u64, v: u64| mem.write_obj(v, GuestAddress(gpa));
    let supervisor = paging::P | paging::RW | paging::NX;
    w(PML4 + 511 * 8, SYS_PDPT | paging::TABLE)?;
    w(SYS_PDPT + 510 * 8, SYS_PD | paging::TABLE)?;
    w(SYS_PD, SYS_PT | supervisor)?;
    w(SYS_PD + 8, STUB_PT | paging::P | paging::US)?;
    w(STUB_PT, STUBS | paging::P | paging::US)?;
    // The CPU sets accessed bits in the GDT when it loads a selector, so the
    // GDT stays writable (from ring 0 only); it never writes the IDT.
    w(SYS_PT + (GDT >> 12) * 8, GDT | supervisor)?;
    w(SYS_PT + (IDT >> 12) * 8, IDT | paging::P | paging::NX)?;
    for gpa in (VCPU_AREA..tss_gpa(MAX_VCPUS)).step_by(0x1000) {
        w(SYS_PT + (gpa >> 12) * 8, gpa | supervisor)?;
    }
    Ok(())
}

/// Writes the TSS of vCPU slot `vcpu` (done when the slot is first used).
pub fn init_tss(mem: &GuestMemoryMmap, vcpu: u64) -> Result<(), vm_memory::GuestMemoryError> {
    let t = tss_gpa(vcpu);
    mem.write_obj(KBASE + kstack_top_gpa(vcpu), GuestAddress(t + 4))?; // RSP0
    mem.write_obj(104u16, GuestAddress(t + 102))?; // I/O bitmap offset
                                                   // I/O bitmap: every port denied except the syscall port.
    let mut bm = [0xffu8; 33];
    bm[(SYSCALL_PORT / 8) as usize] &= !(1u8 << (SYSCALL_PORT % 8));
    mem.write_slice(&bm, GuestAddress(t + 104))?;
    Ok(())
}

pub fn user_segments(s: &mut kvm_sregs) {
    let code = kvm_segment {
        base: 0,
        limit: 0xffff_ffff,
        selector: USER_CS,
        type_: 0xb,
        present: 1,
        dpl: 3,
        db: 0,
        s: 1,
        l: 1,
        g: 1,
        avl: 0,
        unusable: 0,
        padding: 0,
    };
    let data = kvm_segment {
        selector: USER_SS,
        type_: 0x3,
        db: 1,
        l: 0,
        ..code
    };
    s.cs = code;
    s.ss = data;
    s.ds = data;
    s.es = data;
    // FS/GS keep their bases (TLS); only the attributes are reset.
    s.fs = kvm_segment {
        base: s.fs.base,
        ..data
    };
    s.gs = kvm_segment {
        base: s.gs.base,
        ..data
    };
}

/// Control registers, descriptor tables and segments for vCPU `vcpu`.
pub fn sregs(s: &mut kvm_sregs, vcpu: u64, fs_base: u64) {
    s.cr0 = 0x8005_0033; // PG, WP, NE, ET, MP, PE
    s.cr3 = PML4;
    // PAE, OSFXSR, OSXMMEXCPT, OSXSAVE. No SMEP/SMAP: the stubs run in
    // ring 0 from the user-visible stub page.
    s.cr4 = (1 << 5) | (1 << 9) | (1 << 10) | (1 << 18);
    s.efer = 0x1 | 0x100 | 0x400 | 0x800; // SCE, LME, LMA, NXE
    s.fs.base = fs_base;
    s.gs.base = 0;
    user_segments(s);
    s.tr = kvm_segment {
        base: KBASE + tss_gpa(vcpu),
        limit: TSS_LIMIT,
        selector: TSS_SEL,
        type_: 0xb,
        present: 1,
        dpl: 0,
        db: 0,
        s: 0,
        l: 0,
        g: 0,
        avl: 0,
        unusable: 0,
        padding: 0,
    };
    s.ldt = kvm_segment {
        unusable: 1,
        present: 0,
        type_: 2,
        ..s.tr
    };
    s.gdt = kvm_dtable {
        base: KBASE + GDT,
        limit: 0x3f,
        padding: [0; 3],
    };
    s.idt = kvm_dtable {
        base: KBASE + IDT,
        limit: 32 * 16 - 1,
        padding: [0; 3],
    };
}

/// MSRs for `syscall`: STAR selectors, LSTAR = the stub, SFMASK clears
/// TF, IF, DF and AC (not IOPL).
pub fn msrs() -> Option<Msrs> {
    let e = |index: u32, data: u64| kvm_msr_entry {
        index,
        data,
        ..Default::default()
    };
    Msrs::from_entries(&[
        e(MSR_STAR, (0x18u64 << 48) | (u64::from(KERNEL_CS) << 32)),
        e(MSR_LSTAR, syscall_stub_va()),
        e(MSR_CSTAR, syscall_stub_va()),
        e(MSR_SFMASK, 0x4_0700),
        e(MSR_FS_BASE, 0),
        e(MSR_GS_BASE, 0),
        e(MSR_KERNEL_GS_BASE, 0),
    ])
    .ok()
}

/// General registers at the program's entry point (the ABI wants RDX = 0:
/// no rtld_fini function).
pub fn entry_regs(rip: u64, rsp: u64) -> kvm_regs {
    kvm_regs {
        rip,
        rsp,
        rflags: 0x202,
        ..Default::default()
    }
}
