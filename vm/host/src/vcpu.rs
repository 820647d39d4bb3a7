//! The running guest: shared state, one host thread per vCPU (one vCPU per
//! guest thread), the exit loop that turns port writes into system calls
//! and faults, and stopping every vCPU (exit_group, timeout).
//!
//! Host resources stay bounded by the 200-vCPU limit whatever the guest
//! does: a host thread whose guest thread ended is joined at the next
//! thread start (so at most 200 host threads and stacks exist, plus the
//! one being started), each host thread has a small fixed stack
//! (`VCPU_THREAD_STACK`), and stopping re-sends its signal until every
//! vCPU thread has ended, so no thread can stay blocked in the host.

use crate::addrspace::{Access, AddressSpace, Fault};
use crate::cpu;
use crate::futex::Futexes;
use crate::policy::Policy;
use crate::syscalls::{self, Action, FdTable};
use kvm_bindings::{kvm_fpu, kvm_regs, kvm_xcrs, CpuId};
use kvm_ioctls::{SyncReg, VcpuExit, VcpuFd, VmFd};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use vm_memory::{Bytes, GuestAddress};

/// How the guest ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    OutOfMemory,
    Timeout,
    /// Killed by the host for an unhandled fault: (signal, message).
    Signal(i32, String),
    /// A host-side failure (KVM error, unexpected exit).
    Error(String),
}

struct Running {
    tid: u32,
    thread: libc::pthread_t,
    /// The vCPU's kvm_run page, for `immediate_exit`.
    run: usize,
}

/// Stack size of each vCPU host thread. The exit loop and the system-call
/// layer keep their buffers on the heap; their deepest stack use is a few
/// KiB of locals and KVM ioctl arguments, so 256 KiB leaves a wide margin
/// while keeping 200 threads' stacks within 50 MiB (the default would be
/// 2 MiB each).
const VCPU_THREAD_STACK: usize = 256 << 10;

/// How often stopping re-sends the kick signal to vCPU threads that have
/// not ended yet. A signal that lands just before a thread enters a
/// blocking host call (read, write, poll) is lost; the next one reaches
/// it inside the call. Short enough that a stop takes no noticeable time,
/// long enough that the signals cost nothing.
const REKICK_INTERVAL: Duration = Duration::from_millis(10);

#[derive(Default)]
struct Threads {
    running: Vec<Running>,
    /// vCPUs of exited threads, reused (KVM cannot destroy a vCPU).
    idle: Vec<(VcpuFd, u64)>,
    next_slot: u64,
    /// Host threads not joined yet, by guest tid.
    handles: HashMap<u32, JoinHandle<()>>,
    /// Guest tids whose host thread has finished its work and is about to
    /// return: joined (promptly) by the next `spawn` or by `wait`.
    exited: Vec<u32>,
    live: u32,
}

impl Threads {
    /// Takes the handles of host threads that have finished, to be joined
    /// without the lock held.
    fn take_exited(&mut self) -> Vec<JoinHandle<()>> {
        let tids = std::mem::take(&mut self.exited);
        tids.iter()
            .filter_map(|tid| self.handles.remove(tid))
            .collect()
    }

    /// Sets `immediate_exit` on every registered vCPU and signals its host
    /// thread, which interrupts KVM_RUN and any blocking host call.
    fn kick_all(&self) {
        for r in &self.running {
            // SAFETY: `run` points at the kvm_run page of a vCPU whose
            // VcpuFd is alive: a `Registration` removes its entry (under
            // the threads lock, which the caller holds) before it lets go
            // of the VcpuFd, also when its thread unwinds. The byte is only
            // ever set to 1 here, racing benignly with KVM's reads.
            unsafe {
                let p = r.run as *mut kvm_bindings::kvm_run;
                std::ptr::addr_of_mut!((*p).immediate_exit).write_volatile(1);
                libc::pthread_kill(r.thread, kick_signal());
            }
        }
    }
}

/// A vCPU thread's place in `Threads::running` and its VcpuFd, tied
/// together: the entry is removed before the VcpuFd is given back to the
/// idle list, and dropping the registration (also while unwinding from a
/// panic) does both, so `finish` can never write through the kvm_run page
/// of a vCPU that is gone. The drop also hands the thread to the joiner.
struct Registration<'a> {
    guest: &'a Guest,
    tid: u32,
    registered: bool,
    vcpu: Option<(VcpuFd, u64)>,
}

impl<'a> Registration<'a> {
    fn new(guest: &'a Guest, mut vcpu: VcpuFd, slot: u64, tid: u32) -> Registration<'a> {
        let mut t = lock(&guest.threads);
        let run = vcpu.get_kvm_run() as *mut kvm_bindings::kvm_run as usize;
        // SAFETY: pthread_self has no preconditions.
        let thread = unsafe { libc::pthread_self() };
        t.running.push(Running { tid, thread, run });
        Registration {
            guest,
            tid,
            registered: true,
            vcpu: Some((vcpu, slot)),
        }
    }

    fn vcpu(&mut self) -> Option<&mut VcpuFd> {
        self.vcpu.as_mut().map(|(v, _)| v)
    }

    /// Leaves the running list; true if this was the last live thread.
    fn unregister(&mut self) -> bool {
        let mut t = lock(&self.guest.threads);
        self.unregister_locked(&mut t)
    }

    fn unregister_locked(&mut self, t: &mut Threads) -> bool {
        if !self.registered {
            return false;
        }
        self.registered = false;
        t.running.retain(|r| r.tid != self.tid);
        t.live = t.live.saturating_sub(1);
        t.live == 0
    }
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.guest
                .finish(Exit::Error("a vCPU thread failed".into()));
        }
        let mut t = lock(&self.guest.threads);
        self.unregister_locked(&mut t);
        if let Some((mut vcpu, slot)) = self.vcpu.take() {
            vcpu.set_kvm_immediate_exit(0);
            t.idle.push((vcpu, slot));
        }
        t.exited.push(self.tid);
        drop(t);
        self.guest.threads_cond.notify_all();
    }
}

/// State shared by all vCPU threads of one guest. Fields drop in order:
/// the vCPUs (in `threads`) before the VM, the VM before guest memory.
pub struct Guest {
    threads: Mutex<Threads>,
    /// Signalled when a vCPU thread ends (for `wait`).
    threads_cond: Condvar,
    pub vm: VmFd,
    pub cpuid: CpuId,
    pub xcr0: Option<u64>,
    pub aspace: Mutex<AddressSpace>,
    pub futex: Futexes,
    pub files: Mutex<FdTable>,
    pub policy: Policy,
    pub memory_limit: u64,
    pub trace: bool,
    /// LANG_KVM_TRACE=2: every system call and fault.
    pub trace_all: bool,
    pub pid: u32,
    next_tid: AtomicU32,
    stop: AtomicBool,
    exit: Mutex<Option<Exit>>,
    exit_cond: Condvar,
    /// KVM_CAP_SYNC_REGS: registers travel in the kvm_run page on every
    /// exit and entry, saving two ioctls per system call.
    sync_regs: bool,
    /// True when `syscall` reaches the stub in ring 3 (PVM) rather than 0.
    ring3_syscalls: AtomicBool,
    pub started: Instant,
    /// Exit statistics, reported under LANG_KVM_TRACE.
    pub stats: Stats,
    pub first_instruction: Mutex<Option<Duration>>,
}

/// Locks a mutex, recovering the data if another thread panicked while
/// holding it (the host never panics on purpose; this keeps a bug in one
/// vCPU thread from taking the others down).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Signal used to kick vCPU threads out of KVM_RUN and blocking calls.
fn kick_signal() -> i32 {
    libc::SIGRTMIN() + 4
}

extern "C" fn on_kick(_: libc::c_int) {}

fn install_kick_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: installs a handler that does nothing; without SA_RESTART
        // so that blocking calls return EINTR.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_kick as *const () as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            sa.sa_flags = 0;
            libc::sigaction(kick_signal(), &sa, std::ptr::null_mut());
        }
    });
}

/// XCR0 of the host, so guest code that checks it (glibc's IFUNCs) sees
/// the same features CPUID reports.
pub fn host_xcr0() -> Option<u64> {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: CPUID is always available on x86-64.
        let c = core::arch::x86_64::__cpuid(1);
        if c.ecx & (1 << 27) == 0 {
            return None; // OSXSAVE off: XGETBV would fault.
        }
        let (lo, hi): (u32, u32);
        // SAFETY: XGETBV(0) is permitted when CR4.OSXSAVE is set (checked).
        unsafe {
            core::arch::asm!("xgetbv", in("ecx") 0u32, out("eax") lo, out("edx") hi, options(nomem, nostack));
        }
        Some(u64::from(lo) | (u64::from(hi) << 32))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        None
    }
}

impl Guest {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        sync_regs: bool,
        vm: VmFd,
        cpuid: CpuId,
        aspace: AddressSpace,
        policy: Policy,
        memory_limit: u64,
        started: Instant,
    ) -> Guest {
        install_kick_handler();
        Guest {
            vm,
            cpuid,
            xcr0: host_xcr0(),
            aspace: Mutex::new(aspace),
            futex: Futexes::default(),
            files: Mutex::new(FdTable::new()),
            policy,
            memory_limit,
            trace: std::env::var_os("LANG_KVM_TRACE").is_some(),
            trace_all: std::env::var("LANG_KVM_TRACE").is_ok_and(|v| v == "2"),
            pid: 1000,
            next_tid: AtomicU32::new(1001),
            stop: AtomicBool::new(false),
            exit: Mutex::new(None),
            exit_cond: Condvar::new(),
            threads: Mutex::new(Threads::default()),
            threads_cond: Condvar::new(),
            ring3_syscalls: AtomicBool::new(false),
            sync_regs,
            started,
            stats: Stats::default(),
            first_instruction: Mutex::new(None),
        }
    }

    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Records how the guest ends (the first reason wins) and stops it.
    pub fn finish(&self, e: Exit) {
        {
            let mut x = lock(&self.exit);
            if x.is_none() {
                *x = Some(e);
            }
            // Set under the lock `sleep` checks it under, so a sleeper
            // either sees it or is already waiting for the notification.
            self.stop.store(true, Ordering::SeqCst);
        }
        self.futex.shutdown();
        self.exit_cond.notify_all();
        lock(&self.threads).kick_all();
    }

    /// True if `tid` is a thread of this guest that is still running.
    pub fn is_running_thread(&self, tid: u32) -> bool {
        lock(&self.threads).running.iter().any(|r| r.tid == tid)
    }

    /// Sleeps up to `d` (a duration past the end of `Instant` means for
    /// ever); returns early (true) if the guest is stopping.
    pub fn sleep(&self, d: Duration) -> bool {
        let deadline = Instant::now().checked_add(d);
        let mut x = lock(&self.exit);
        loop {
            if self.stopping() {
                return true;
            }
            let wait = match deadline {
                None => None,
                Some(end) => match end.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return false,
                },
            };
            x = match wait {
                None => self.exit_cond.wait(x).unwrap_or_else(|e| e.into_inner()),
                Some(left) => {
                    self.exit_cond
                        .wait_timeout(x, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    /// Waits until the guest ends or `timeout` passes, then stops every
    /// vCPU and joins their threads.
    pub fn wait(&self, timeout: Option<Duration>) -> Exit {
        // A timeout too far away to represent is no timeout.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        {
            let mut x = lock(&self.exit);
            while x.is_none() {
                match deadline {
                    None => {
                        x = self.exit_cond.wait(x).unwrap_or_else(|e| e.into_inner());
                    }
                    Some(d) => {
                        let now = Instant::now();
                        if now >= d {
                            break;
                        }
                        x = self
                            .exit_cond
                            .wait_timeout(x, d - now)
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                    }
                }
            }
        }
        self.finish(Exit::Timeout);
        // Kick again until every vCPU thread has left the running list:
        // one whose signal came just before it blocked gets the next one.
        {
            let mut t = lock(&self.threads);
            while !t.running.is_empty() {
                t = self
                    .threads_cond
                    .wait_timeout(t, REKICK_INTERVAL)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
                t.kick_all();
            }
        }
        loop {
            let h = {
                let mut t = lock(&self.threads);
                let tid = t.handles.keys().next().copied();
                tid.and_then(|tid| t.handles.remove(&tid))
            };
            match h {
                Some(h) => {
                    let _ = h.join();
                }
                None => break,
            }
        }
        lock(&self.exit).clone().unwrap_or(Exit::Timeout)
    }

    /// A vCPU for a new thread: an idle one, or a new one.
    fn take_vcpu(&self) -> Result<(VcpuFd, u64), String> {
        let mut t = lock(&self.threads);
        if let Some(v) = t.idle.pop() {
            return Ok(v);
        }
        if t.next_slot >= cpu::MAX_VCPUS {
            return Err("too many threads".into());
        }
        let slot = t.next_slot;
        cpu::init_tss(&lock(&self.aspace).mem, slot).map_err(|e| format!("TSS: {e}"))?;
        let v = self
            .vm
            .create_vcpu(slot)
            .map_err(|e| format!("create vCPU: {e}"))?;
        t.next_slot += 1;
        // CPUID can only be set before a vCPU first runs.
        v.set_cpuid2(&self.cpuid)
            .map_err(|e| format!("set CPUID: {e}"))?;
        Ok((v, slot))
    }

    /// Sets up `vcpu` to run user code at `regs` with FS base `fs`.
    pub fn prepare(
        &self,
        vcpu: &VcpuFd,
        slot: u64,
        regs: &kvm_regs,
        fs: u64,
    ) -> Result<(), String> {
        let msrs = cpu::msrs().ok_or("MSR list")?;
        vcpu.set_msrs(&msrs).map_err(|e| format!("set MSRs: {e}"))?;
        let mut s = vcpu.get_sregs().map_err(|e| format!("get sregs: {e}"))?;
        cpu::sregs(&mut s, slot, fs);
        vcpu.set_sregs(&s).map_err(|e| format!("set sregs: {e}"))?;
        let fpu = kvm_fpu {
            fcw: 0x37f,
            mxcsr: 0x1f80,
            ..Default::default()
        };
        vcpu.set_fpu(&fpu).map_err(|e| format!("set FPU: {e}"))?;
        if let Some(x) = self.xcr0 {
            let mut xcrs = kvm_xcrs {
                nr_xcrs: 1,
                ..Default::default()
            };
            xcrs.xcrs[0].xcr = 0;
            xcrs.xcrs[0].value = x;
            // Not fatal: without it the guest sees fewer vector features.
            let _ = vcpu.set_xcrs(&xcrs);
        }
        vcpu.set_regs(regs).map_err(|e| format!("set regs: {e}"))?;
        Ok(())
    }

    /// Runs a lone `syscall` to learn where it lands (ring 0 on hardware
    /// KVM, ring 3 under PVM); the answer decides how system calls return.
    fn probe(&self, vcpu: &mut VcpuFd) -> Result<(), String> {
        let regs = kvm_regs {
            rip: cpu::probe_va(),
            rflags: 0x202,
            rax: u64::MAX,
            ..Default::default()
        };
        vcpu.set_regs(&regs).map_err(|e| format!("set regs: {e}"))?;
        match vcpu.run() {
            Ok(VcpuExit::IoOut(cpu::SYSCALL_PORT, _)) => {}
            Ok(other) => return Err(format!("syscall probe: unexpected exit {other:?}")),
            Err(e) => return Err(format!("syscall probe: {e}")),
        }
        let s = vcpu.get_sregs().map_err(|e| format!("get sregs: {e}"))?;
        self.ring3_syscalls.store(s.cs.dpl == 3, Ordering::SeqCst);
        Ok(())
    }

    /// Starts the main thread at `entry` with stack `rsp`.
    pub fn start_main(self: &Arc<Guest>, entry: u64, rsp: u64) -> Result<(), String> {
        let (mut vcpu, slot) = self.take_vcpu()?;
        self.prepare(&vcpu, slot, &cpu::entry_regs(entry, rsp), 0)?;
        self.probe(&mut vcpu)?;
        // The probe left the vCPU in the stub: restore the entry state.
        self.prepare(&vcpu, slot, &cpu::entry_regs(entry, rsp), 0)?;
        let tid = self.pid;
        self.spawn(vcpu, slot, tid, 0, true)
    }

    /// Starts a thread (clone) whose registers are `regs`; `before` runs
    /// with the new tid before the thread can run (CLONE_*_SETTID).
    pub fn start_thread_with(
        self: &Arc<Guest>,
        regs: &kvm_regs,
        fs: u64,
        clear_tid: u64,
        before: impl FnOnce(u32) -> Result<(), Fault>,
    ) -> Result<u32, Option<Fault>> {
        let (vcpu, slot) = self.take_vcpu().map_err(|_| None)?;
        if self.prepare(&vcpu, slot, regs, fs).is_err() {
            lock(&self.threads).idle.push((vcpu, slot));
            return Err(None);
        }
        let tid = self.next_tid.fetch_add(1, Ordering::SeqCst);
        if let Err(f) = before(tid) {
            lock(&self.threads).idle.push((vcpu, slot));
            return Err(Some(f));
        }
        self.spawn(vcpu, slot, tid, clear_tid, false)
            .map_err(|_| None)?;
        Ok(tid)
    }

    fn spawn(
        self: &Arc<Guest>,
        vcpu: VcpuFd,
        slot: u64,
        tid: u32,
        clear_tid: u64,
        main: bool,
    ) -> Result<(), String> {
        // Join the host threads of guest threads that have ended, so host
        // threads never outnumber the vCPUs.
        let finished = lock(&self.threads).take_exited();
        for h in finished {
            let _ = h.join();
        }
        let mut t = lock(&self.threads);
        if self.stopping() {
            t.idle.push((vcpu, slot));
            return Err("guest is exiting".into());
        }
        let g = self.clone();
        t.live += 1;
        let h = std::thread::Builder::new()
            .name(format!("vcpu-{tid}"))
            .stack_size(VCPU_THREAD_STACK)
            .spawn(move || g.thread_main(vcpu, slot, tid, clear_tid, main));
        match h {
            Ok(h) => {
                t.handles.insert(tid, h);
                Ok(())
            }
            Err(e) => {
                t.live -= 1;
                Err(format!("spawn host thread: {e}"))
            }
        }
    }

    fn thread_main(
        self: Arc<Guest>,
        vcpu: VcpuFd,
        slot: u64,
        tid: u32,
        clear_tid: u64,
        main: bool,
    ) {
        let mut reg = Registration::new(&self, vcpu, slot, tid);
        let mut th = ThreadState {
            tid,
            slot,
            clear_tid,
            first: main,
        };
        // A bug that panics here must end the guest with an error, not
        // leave a vCPU thread missing that the others wait for.
        let end = catch_unwind(AssertUnwindSafe(|| match reg.vcpu() {
            Some(vcpu) => {
                if self.stopping() {
                    vcpu.set_kvm_immediate_exit(1);
                }
                if self.sync_regs {
                    vcpu.set_sync_valid_reg(SyncReg::Register);
                }
                self.run_loop(vcpu, &mut th)
            }
            None => ThreadEnd::Stopped,
        }))
        .unwrap_or_else(|_| ThreadEnd::Process(Exit::Error("a vCPU thread failed".into())));
        let last = reg.unregister();
        match end {
            ThreadEnd::Thread(code) => {
                if th.clear_tid != 0 {
                    // CLONE_CHILD_CLEARTID: pthread_join waits on this.
                    let addr = th.clear_tid;
                    let _ = lock(&self.aspace).write_user(addr, &0u32.to_le_bytes());
                    self.futex.wake(addr, u32::MAX, u32::MAX);
                }
                if last {
                    self.finish(Exit::Code(code));
                }
            }
            ThreadEnd::Process(e) => self.finish(e),
            ThreadEnd::Stopped => {}
        }
    }

    fn run_loop(self: &Arc<Guest>, vcpu: &mut VcpuFd, th: &mut ThreadState) -> ThreadEnd {
        let mut efaults = 0;
        loop {
            if self.stopping() {
                return ThreadEnd::Stopped;
            }
            if th.first {
                th.first = false;
                *lock(&self.first_instruction) = Some(self.started.elapsed());
            }
            let t0 = Instant::now();
            let ran = vcpu.run();
            let took = t0.elapsed();
            self.stats.add(&self.stats.run_ns, took);
            if self.trace_all && took > Duration::from_millis(1) {
                eprintln!(
                    "[kvm] tid {} ran {:?} before {:?}",
                    th.tid,
                    took,
                    ran.as_ref().map(|e| format!("{e:?}")).unwrap_or_default()
                );
            }
            let port = match ran {
                Ok(VcpuExit::IoOut(port, _)) => port,
                // The TSS I/O bitmap cannot tell reads from writes, so
                // ring 3 may `in` from the syscall port: a port access the
                // guest may not make, as a native process would see it.
                Ok(VcpuExit::IoIn(port, _)) => {
                    let msg = format!("I/O port access (in from port {port:#x})");
                    return ThreadEnd::Process(Exit::Signal(libc::SIGSEGV, msg));
                }
                Ok(VcpuExit::Shutdown) => {
                    return ThreadEnd::Process(Exit::Signal(libc::SIGSEGV, "triple fault".into()))
                }
                Ok(other) => {
                    let msg = format!("unexpected vCPU exit: {other:?}");
                    return ThreadEnd::Process(Exit::Error(msg));
                }
                Err(e) if e.errno() == libc::EINTR || e.errno() == libc::EAGAIN => continue,
                Err(e) if e.errno() == libc::EFAULT && efaults < 100 => {
                    efaults += 1;
                    continue;
                }
                Err(e) => return ThreadEnd::Process(Exit::Error(format!("KVM_RUN: {e}"))),
            };
            efaults = 0;
            let t1 = Instant::now();
            let r = if port == cpu::SYSCALL_PORT {
                self.stats.syscalls.fetch_add(1, Ordering::Relaxed);
                self.on_syscall(vcpu, th)
            } else if (cpu::EXC_PORT_BASE..cpu::EXC_PORT_BASE + 32).contains(&port) {
                self.on_exception(vcpu, th, u64::from(port - cpu::EXC_PORT_BASE))
            } else {
                Err(ThreadEnd::Process(Exit::Signal(
                    libc::SIGSEGV,
                    format!("I/O port access (out to port {port:#x})"),
                )))
            };
            self.stats.add(&self.stats.host_ns, t1.elapsed());
            if let Err(end) = r {
                return end;
            }
        }
    }

    fn on_syscall(
        self: &Arc<Guest>,
        vcpu: &mut VcpuFd,
        th: &mut ThreadState,
    ) -> Result<(), ThreadEnd> {
        let host_err = |what: &str, e: kvm_ioctls::Error| {
            ThreadEnd::Process(Exit::Error(format!("{what}: {e}")))
        };
        let mut regs = if self.sync_regs {
            vcpu.sync_regs().regs
        } else {
            vcpu.get_regs().map_err(|e| host_err("get regs", e))?
        };
        // KVM reports RIP at the `out` (hardware: the instruction is
        // completed on the next entry) or just past it (PVM).
        let stub = cpu::syscall_stub_va();
        if regs.rip != stub && regs.rip != stub + 2 {
            // Only the stub may write the port: anything else is hostile.
            return Err(ThreadEnd::Process(Exit::Signal(
                libc::SIGSEGV,
                "I/O port access".into(),
            )));
        }
        // RCX must be a canonical user address, else `sysretq` would fault
        // in ring 0.
        if regs.rcx >= crate::elf::USER_TOP {
            return Err(ThreadEnd::Process(Exit::Signal(
                libc::SIGSEGV,
                "bad syscall return address".into(),
            )));
        }
        let action = syscalls::dispatch(self, vcpu, &regs, th);
        let ret = match action {
            Action::Ret(v) => v,
            Action::ExitThread(code) => return Err(ThreadEnd::Thread(code)),
            Action::ExitGroup(code) => return Err(ThreadEnd::Process(Exit::Code(code))),
            Action::Kill(sig, msg) => return Err(ThreadEnd::Process(Exit::Signal(sig, msg))),
            Action::Oom => return Err(ThreadEnd::Process(Exit::OutOfMemory)),
            Action::Stopped => return Err(ThreadEnd::Stopped),
            Action::Error(msg) => return Err(ThreadEnd::Process(Exit::Error(msg))),
        };
        if self.trace_all {
            eprintln!(
                "[kvm] tid {} syscall {} ({:#x}, {:#x}, {:#x}) -> {}",
                th.tid, regs.rax, regs.rdi, regs.rsi, regs.rdx, ret
            );
        }
        regs.rax = ret as u64;
        if self.ring3_syscalls.load(Ordering::Relaxed) {
            // Finish the system call here: back to the caller in ring 3.
            regs.rip = regs.rcx;
            regs.rflags = (regs.r11 & 0x3c_0cd5) | 0x202;
        }
        if self.sync_regs {
            vcpu.sync_regs_mut().regs = regs;
            vcpu.set_sync_dirty_reg(SyncReg::Register);
        } else {
            vcpu.set_regs(&regs).map_err(|e| host_err("set regs", e))?;
        }
        Ok(())
    }

    fn on_exception(
        &self,
        vcpu: &mut VcpuFd,
        th: &mut ThreadState,
        vector: u64,
    ) -> Result<(), ThreadEnd> {
        let has_ec = matches!(vector, 8 | 10 | 11 | 12 | 13 | 14 | 17 | 21 | 29 | 30);
        let top = cpu::kstack_top_gpa(th.slot);
        let frame_at = top - if has_ec { 48 } else { 40 };
        let mut frame = [0u64; 6];
        {
            let a = lock(&self.aspace);
            for (i, f) in frame.iter_mut().enumerate() {
                *f = a
                    .mem
                    .read_obj::<u64>(GuestAddress(frame_at + 8 * i as u64))
                    .unwrap_or(0);
            }
        }
        let (ec, rip, cs) = if has_ec {
            (frame[0], frame[1], frame[2])
        } else {
            (0, frame[0], frame[1])
        };
        if cs & 3 != 3 {
            let msg = format!("exception {vector} in ring 0 at {rip:#x}");
            return Err(ThreadEnd::Process(Exit::Error(msg)));
        }
        let kill = |sig: i32, what: &str| {
            Err(ThreadEnd::Process(Exit::Signal(
                sig,
                format!("{what} at {rip:#x}"),
            )))
        };
        match vector {
            14 => {
                self.stats.faults.fetch_add(1, Ordering::Relaxed);
                let s = vcpu
                    .get_sregs()
                    .map_err(|e| ThreadEnd::Process(Exit::Error(format!("get sregs: {e}"))))?;
                let access = if ec & 0x10 != 0 {
                    Access::Exec
                } else if ec & 2 != 0 {
                    Access::Write
                } else {
                    Access::Read
                };
                if self.trace_all {
                    eprintln!(
                        "[kvm] tid {} fault {:#x} {access:?} at {rip:#x}",
                        th.tid, s.cr2
                    );
                }
                let r = lock(&self.aspace).handle_fault(s.cr2, access);
                match r {
                    Ok(()) => Ok(()),
                    Err(Fault::Oom) => Err(ThreadEnd::Process(Exit::OutOfMemory)),
                    Err(Fault::Segv) => {
                        let bottom = crate::addrspace::STACK_TOP - crate::addrspace::STACK_SIZE;
                        // The stack pointer left the main stack: an overflow.
                        let rsp = frame[4];
                        let what = if rsp < bottom && rsp >= bottom - (1 << 30) {
                            "stack overflow: invalid memory access"
                        } else {
                            "invalid memory access"
                        };
                        Err(ThreadEnd::Process(Exit::Signal(
                            libc::SIGSEGV,
                            format!(
                                "{what} to {:#x} ({}) at {rip:#x}",
                                s.cr2,
                                format!("{access:?}").to_ascii_lowercase()
                            ),
                        )))
                    }
                }
            }
            0 | 16 | 19 => kill(libc::SIGFPE, "arithmetic exception"),
            6 => kill(libc::SIGILL, "illegal instruction"),
            17 => kill(libc::SIGBUS, "alignment check"),
            1 | 3 => kill(libc::SIGTRAP, "breakpoint"),
            _ => kill(libc::SIGSEGV, &format!("exception {vector}")),
        }
    }
}

/// Counters of exits and where the time went.
#[derive(Default)]
pub struct Stats {
    pub syscalls: AtomicU64,
    pub faults: AtomicU64,
    /// Nanoseconds inside KVM_RUN (guest code plus exit overhead).
    pub run_ns: AtomicU64,
    /// Nanoseconds serving exits on the host.
    pub host_ns: AtomicU64,
}

impl Stats {
    fn add(&self, c: &AtomicU64, d: Duration) {
        c.fetch_add(
            u64::try_from(d.as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// One line for traces.
    pub fn summary(&self) -> String {
        let ms = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64 / 1e6;
        format!(
            "{} syscalls, {} page faults, {:.1} ms in KVM_RUN, {:.1} ms serving exits (all vCPUs)",
            self.syscalls.load(Ordering::Relaxed),
            self.faults.load(Ordering::Relaxed),
            ms(&self.run_ns),
            ms(&self.host_ns)
        )
    }
}

/// Per-thread bookkeeping the system calls see.
pub struct ThreadState {
    pub tid: u32,
    pub slot: u64,
    /// CLONE_CHILD_CLEARTID / set_tid_address address.
    pub clear_tid: u64,
    first: bool,
}

enum ThreadEnd {
    /// The thread called exit.
    Thread(i32),
    /// The whole guest ends.
    Process(Exit),
    /// Stopped from outside.
    Stopped,
}
