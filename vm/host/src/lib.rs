//! lang-host: the KVM host mode. Runs a statically linked x86-64 Linux
//! executable (normally the `lang` binary itself) inside a virtual machine
//! with no guest kernel: the program runs in ring 3, and every system call
//! and fault exits to this crate, which serves it under a fixed policy.
//! The guest can reach nothing but its standard streams, the one program
//! file it is given (read-only), the clock, random bytes, and its own
//! memory and threads. `spec/host-mode.md` states the isolation story.
//!
//! Modules, one job each: `elf` (parse), `memory` (guest RAM frames),
//! `paging` (page-table entries), `addrspace` (the guest's memory map and
//! lazy backing), `cpu` (GDT/IDT/TSS/stubs and vCPU state), `loader`
//! (segments and initial stack), `vcpu` (threads, exit loop, stopping),
//! `syscalls` (the system-call layer), `policy` (file rights and guest
//! paths), `progfile` (the program file, opened once), `futex`.
//!
//! How `lang run --kvm prog.src` uses it (the executable must be a static
//! build of `lang`: a dynamically linked one is refused):
//!
//! ```no_run
//! use lang_host::{run_guest, GuestConfig, HostError};
//! use std::time::Duration;
//!
//! let mut cfg = GuestConfig::new(
//!     "target/static/x86_64-unknown-linux-gnu/release/lang",
//!     vec!["lang".into(), "run".into(), "prog.src".into()],
//! );
//! cfg.readable_file = Some("prog.src".into());
//! cfg.timeout = Some(Duration::from_secs(10));
//! let code = match run_guest(&cfg) {
//!     Ok(outcome) => {
//!         if let Some(why) = &outcome.killed {
//!             eprintln!("{why}");
//!         }
//!         outcome.exit_code
//!     }
//!     Err(HostError::KvmUnavailable(m)) => {
//!         eprintln!("{m}");
//!         69
//!     }
//!     Err(HostError::OutOfMemory) => {
//!         eprintln!("out of memory");
//!         70
//!     }
//!     Err(e) => {
//!         eprintln!("{e}");
//!         1
//!     }
//! };
//! std::process::exit(code);
//! ```

mod addrspace;
mod cpu;
mod elf;
mod futex;
mod loader;
mod memory;
mod paging;
mod policy;
mod progfile;
mod syscalls;
mod vcpu;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kvm_bindings::{kvm_userspace_memory_region, KVM_MAX_CPUID_ENTRIES};
use kvm_ioctls::Kvm;
use vm_memory::{GuestAddress, GuestMemoryBackend, GuestMemoryMmap};

/// Default guest RAM: 1 GiB.
pub const DEFAULT_MEMORY_LIMIT: u64 = 1 << 30;

/// Smallest guest RAM `run_guest` accepts: room for the page tables, a
/// static executable's segments, its stack and a first heap.
pub const MIN_MEMORY_LIMIT: u64 = 8 << 20;

/// Largest guest RAM `run_guest` accepts: half of the 128 TiB lower
/// canonical half of the guest's address space, which also has to hold
/// its reservations (guest RAM is reserved, not committed, on the host).
pub const MAX_MEMORY_LIMIT: u64 = 1 << 46;

/// Exit code of a guest that ran out of memory (EX_SOFTWARE).
pub const EXIT_OUT_OF_MEMORY: i32 = 70;

/// Added to the guest's environment unless it sets GLIBC_TUNABLES itself:
/// with one malloc arena, glibc grows its heap with `brk` instead of
/// growing per-thread arenas with an `mprotect` per few pages, and with a
/// 4 MiB top pad (and a high trim threshold) it does so in 4 MiB steps.
/// That saves hundreds of VM exits (~50 ms under PVM) when a static Rust
/// program starts; the heap is backed lazily, so the pad costs no RAM
/// until used.
pub const GUEST_MALLOC_TUNING: &str =
    "GLIBC_TUNABLES=glibc.malloc.arena_max=1:glibc.malloc.top_pad=4194304:glibc.malloc.trim_threshold=67108864";

/// What to run and with which limits.
#[derive(Debug, Clone)]
pub struct GuestConfig {
    /// The static x86-64 executable to run.
    pub executable: PathBuf,
    /// argv, including argv[0].
    pub args: Vec<String>,
    /// Environment, as `NAME=value` strings.
    pub env: Vec<String>,
    /// The one file the guest may open (read-only). `run_guest` opens this
    /// host path once, before the guest starts, and refuses anything but
    /// a regular file (`HostError::ProgramFile`); the guest reads only
    /// that descriptor. In the guest the file is named by the same path
    /// resolved against the guest's working directory `/` (see
    /// `spec/host-mode.md`).
    pub readable_file: Option<PathBuf>,
    /// Guest RAM in bytes (page tables included).
    pub memory_limit: u64,
    /// Stop the guest after this long.
    pub timeout: Option<Duration>,
}

impl GuestConfig {
    /// A configuration with default limits and no readable file.
    pub fn new(executable: impl Into<PathBuf>, args: Vec<String>) -> GuestConfig {
        GuestConfig {
            executable: executable.into(),
            args,
            env: Vec::new(),
            readable_file: None,
            memory_limit: DEFAULT_MEMORY_LIMIT,
            timeout: None,
        }
    }
}

/// Time spent, for the CLI's reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    /// From `run_guest` being called to its return.
    pub total: Duration,
    /// From `run_guest` being called to the guest's first instruction
    /// (VM creation, loading, vCPU setup).
    pub to_first_instruction: Duration,
}

/// How a guest that ran ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestOutcome {
    /// The guest's exit status: its exit code, or 128 + signal number
    /// when the host ended it for a fault (as a shell reports it).
    pub exit_code: i32,
    /// Set when the host ended the guest for a fault: what happened.
    pub killed: Option<String>,
    pub timings: Timings,
}

/// Why the guest could not be run, or was stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    /// /dev/kvm is missing or not accessible (the CLI exits with 69).
    KvmUnavailable(String),
    /// The executable cannot be read or is not a static x86-64 ELF.
    BadExecutable(String),
    /// The program file (`GuestConfig::readable_file`) cannot be opened or
    /// is not a regular file: (path, why). The CLI exits with 66.
    ProgramFile(PathBuf, String),
    /// The guest exhausted its memory limit (the CLI exits with 70 after
    /// printing `out of memory`).
    OutOfMemory,
    /// The timeout passed; the guest was stopped.
    Timeout(Duration),
    /// Any other failure of the host layer (KVM errors, bad config).
    Internal(String),
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::KvmUnavailable(m) => write!(f, "KVM is not available: {m}"),
            HostError::BadExecutable(m) => write!(f, "cannot run executable: {m}"),
            HostError::ProgramFile(p, m) => write!(f, "cannot read {}: {m}", p.display()),
            HostError::OutOfMemory => f.write_str("out of memory"),
            HostError::Timeout(d) => write!(f, "timed out after {:.3}s", d.as_secs_f64()),
            HostError::Internal(m) => write!(f, "KVM host error: {m}"),
        }
    }
}

impl std::error::Error for HostError {}

/// Runs the executable of `cfg` in a fresh VM until it exits; its
/// stdin/stdout/stderr are the host process's fds 0/1/2.
pub fn run_guest(cfg: &GuestConfig) -> Result<GuestOutcome, HostError> {
    let started = Instant::now();
    // First, so that a path that cannot be the program file is refused
    // before any work (and a FIFO never blocks anything).
    let policy = match &cfg.readable_file {
        Some(p) => {
            policy::Policy::with_program(p).map_err(|why| HostError::ProgramFile(p.clone(), why))?
        }
        None => policy::Policy::none(),
    };
    let bad = |m: String| HostError::BadExecutable(format!("{}: {m}", cfg.executable.display()));
    let mut file = std::fs::File::open(&cfg.executable).map_err(|e| bad(e.to_string()))?;
    let meta = file.metadata().map_err(|e| bad(e.to_string()))?;
    if !meta.is_file() {
        return Err(bad("not a regular file".into()));
    }
    let mut head = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(&mut file, elf::HEADER_BYTES as u64),
        &mut head,
    )
    .map_err(|e| bad(e.to_string()))?;
    let img = elf::parse(&head, meta.len()).map_err(|e| bad(e.to_string()))?;
    if !(MIN_MEMORY_LIMIT..=MAX_MEMORY_LIMIT).contains(&cfg.memory_limit) {
        return Err(HostError::Internal(
            "memory limit must be between 8 MiB and 64 TiB".into(),
        ));
    }

    let trace = std::env::var_os("LANG_KVM_TRACE").is_some();
    let phase = |what: &str| {
        if trace {
            eprintln!("[kvm] {what}: {:?}", started.elapsed());
        }
    };
    phase("read executable");
    // LANG_KVM_DEVICE names another device node (tests use it to check
    // the error for a missing one).
    let device = std::env::var("LANG_KVM_DEVICE").unwrap_or_else(|_| "/dev/kvm".into());
    let c_device = std::ffi::CString::new(device.clone())
        .map_err(|_| HostError::KvmUnavailable(format!("bad device path {device:?}")))?;
    let kvm = Kvm::new_with_path(&c_device)
        .map_err(|e| HostError::KvmUnavailable(format!("{device}: {e}")))?;
    let vm = kvm
        .create_vm()
        .map_err(|e| HostError::KvmUnavailable(format!("create VM: {e}")))?;
    phase("create VM");
    let ram = memory::SYSTEM_SIZE + cfg.memory_limit.div_ceil(memory::HUGE) * memory::HUGE;
    let ram_len =
        usize::try_from(ram).map_err(|_| HostError::Internal("memory limit too large".into()))?;
    let mem = GuestMemoryMmap::<()>::from_ranges(&[(GuestAddress(0), ram_len)])
        .map_err(|e| HostError::Internal(format!("guest memory: {e}")))?;
    let host = mem
        .get_host_address(GuestAddress(0))
        .map_err(|e| HostError::Internal(format!("guest memory: {e}")))?;
    {
        // Transparent huge pages for guest RAM: first touches of guest
        // memory cost about a third as much under PVM (measured: 29 ->
        // 11 us per 4 KiB page). Advice only; ignored where THP is off.
        // SAFETY: advice only, on the guest RAM mapping owned by `mem`.
        unsafe {
            libc::madvise(host.cast(), ram_len, libc::MADV_HUGEPAGE);
        }
    }
    let region = kvm_userspace_memory_region {
        slot: 0,
        flags: 0,
        guest_phys_addr: 0,
        memory_size: ram,
        userspace_addr: host as u64,
    };
    // SAFETY: the region is the whole of `mem`, which the address space
    // (owned by the Guest, which owns the VmFd) keeps mapped for as long
    // as the VM exists.
    unsafe { vm.set_user_memory_region(region) }
        .map_err(|e| HostError::Internal(format!("memory region: {e}")))?;
    cpu::build_system(&mem).map_err(|e| HostError::Internal(format!("system area: {e}")))?;
    let cpuid = kvm
        .get_supported_cpuid(KVM_MAX_CPUID_ENTRIES)
        .map_err(|e| HostError::Internal(format!("CPUID: {e}")))?;

    phase("memory and system area");
    let mut aspace = addrspace::AddressSpace::new(mem, ram, cpu::PML4);
    let load_err = |f: addrspace::Fault| match f {
        addrspace::Fault::Oom => HostError::OutOfMemory,
        addrspace::Fault::Segv => {
            HostError::BadExecutable("segments do not fit the address space".into())
        }
    };
    let bias = loader::load_segments(&mut aspace, &img, &mut file).map_err(load_err)?;
    let mut random = [0u8; 16];
    syscalls::fill_random(&mut random)
        .map_err(|_| HostError::Internal("no random bytes".into()))?;
    let mut env = cfg.env.clone();
    if !env.iter().any(|e| e.starts_with("GLIBC_TUNABLES=")) {
        env.push(GUEST_MALLOC_TUNING.to_string());
    }
    let args = if cfg.args.is_empty() {
        vec![cfg.executable.display().to_string()]
    } else {
        cfg.args.clone()
    };
    let loaded =
        loader::build_stack(&mut aspace, &img, bias, &args, &env, random).map_err(load_err)?;
    drop(file);

    phase("program loaded");
    let sync = vm.check_extension(kvm_ioctls::Cap::SyncRegs)
        && std::env::var_os("LANG_KVM_NO_SYNC_REGS").is_none();
    let guest = Arc::new(vcpu::Guest::new(
        sync,
        vm,
        cpuid,
        aspace,
        policy,
        cfg.memory_limit,
        started,
    ));
    if let Err(e) = guest.start_main(loaded.entry, loaded.stack) {
        guest.finish(vcpu::Exit::Error(e.clone()));
        guest.wait(None);
        return Err(HostError::Internal(e));
    }
    phase("main vCPU started");
    let exit = guest.wait(cfg.timeout);
    phase("guest ended");
    if trace {
        eprintln!(
            "[kvm] {}; {} spurious faults",
            guest.stats.summary(),
            vcpu::lock(&guest.aspace).spurious_faults
        );
    }
    let timings = Timings {
        total: started.elapsed(),
        to_first_instruction: vcpu::lock(&guest.first_instruction).unwrap_or_default(),
    };
    match exit {
        vcpu::Exit::Code(c) => Ok(GuestOutcome {
            exit_code: c & 0xff,
            killed: None,
            timings,
        }),
        vcpu::Exit::Signal(sig, msg) => Ok(GuestOutcome {
            exit_code: 128 + sig,
            killed: Some(msg),
            timings,
        }),
        vcpu::Exit::OutOfMemory => Err(HostError::OutOfMemory),
        vcpu::Exit::Timeout => Err(HostError::Timeout(cfg.timeout.unwrap_or_default())),
        vcpu::Exit::Error(m) => Err(HostError::Internal(m)),
    }
}
