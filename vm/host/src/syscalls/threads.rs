//! The guest's threads: each one is a vCPU on its own host thread
//! (`vcpu.rs`), created by clone, synchronised by futexes (`futex.rs`),
//! with its own FS and GS bases.

use super::time::{clock_now, read_timespec};
use super::{err, fault, Action, Call};
use crate::addrspace::Access;
use crate::futex::WaitResult;
use crate::vcpu::lock;
use std::sync::atomic::Ordering;
use std::time::Instant;
use vm_memory::{Bytes, GuestAddress};

const CLONE_VM: u64 = 0x100;
const CLONE_SIGHAND: u64 = 0x800;
const CLONE_THREAD: u64 = 0x10000;
const CLONE_SETTLS: u64 = 0x80000;
const CLONE_PARENT_SETTID: u64 = 0x100000;
const CLONE_CHILD_CLEARTID: u64 = 0x200000;
const CLONE_CHILD_SETTID: u64 = 0x1000000;

/// clone(flags, stack, parent_tid, child_tid, tls): threads only.
pub fn clone(c: &mut Call) -> Action {
    let (g, vcpu, regs) = (c.g, c.vcpu, c.regs);
    let (flags, stack, ptid, ctid, tls) = (c.a[0], c.a[1], c.a[2], c.a[3], c.a[4]);
    let need = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND;
    if flags & need != need {
        // A new process (fork, posix_spawn): not allowed.
        return err(libc::EPERM);
    }
    // CLONE_FS, CLONE_FILES and CLONE_SYSVSEM are what threads share
    // anyway; the other flags change nothing here.
    let fs = if flags & CLONE_SETTLS != 0 {
        if tls >= crate::elf::USER_TOP {
            return err(libc::EINVAL);
        }
        tls
    } else {
        match vcpu.get_sregs() {
            Ok(s) => s.fs.base,
            Err(e) => return Action::Error(format!("get sregs: {e}")),
        }
    };
    let mut child = *regs;
    child.rax = 0;
    if stack != 0 {
        child.rsp = stack;
    }
    child.rip = regs.rcx;
    child.rflags = (regs.r11 & 0x3c_0cd5) | 0x202;
    let clear = if flags & CLONE_CHILD_CLEARTID != 0 {
        ctid
    } else {
        0
    };
    // The child must see its tid at ctid/ptid before it runs: write them
    // first with a placeholder-free protocol by reserving the tid.
    match g.start_thread_with(&child, fs, clear, |tid| {
        let mut aspace = lock(&g.aspace);
        if flags & CLONE_PARENT_SETTID != 0 {
            aspace.write_user(ptid, &tid.to_le_bytes())?;
        }
        if flags & CLONE_CHILD_SETTID != 0 {
            aspace.write_user(ctid, &tid.to_le_bytes())?;
        }
        Ok(())
    }) {
        Ok(tid) => Action::Ret(i64::from(tid)),
        Err(Some(f)) => fault(f),
        Err(None) => err(libc::EAGAIN),
    }
}

/// futex(uaddr, op, val, timeout, uaddr2, val3): WAIT, WAKE, WAIT_BITSET
/// and WAKE_BITSET, private or not.
pub fn futex(c: &mut Call) -> Action {
    const WAIT: u64 = 0;
    const WAKE: u64 = 1;
    const WAIT_BITSET: u64 = 9;
    const WAKE_BITSET: u64 = 10;
    let (g, a) = (c.g, c.a);
    let (uaddr, op, val) = (a[0], a[1], a[2] as u32);
    let cmd = op & 0x7f;
    let realtime = op & 256 != 0;
    match cmd {
        WAIT | WAIT_BITSET => {
            let bitset = if cmd == WAIT { u32::MAX } else { a[5] as u32 };
            if bitset == 0 {
                return err(libc::EINVAL);
            }
            // No timeout, or one too far away to represent: wait until
            // woken or until the guest stops.
            let deadline = if a[3] == 0 {
                None
            } else {
                let d = match read_timespec(g, a[3]) {
                    Ok(d) => d,
                    Err(e) => return e,
                };
                let left = if cmd == WAIT {
                    d
                } else {
                    // Absolute time on the chosen clock.
                    d.saturating_sub(clock_now(if realtime {
                        libc::CLOCK_REALTIME
                    } else {
                        libc::CLOCK_MONOTONIC
                    }))
                };
                Instant::now().checked_add(left)
            };
            let gpa = tryf!(lock(&g.aspace).u32_addr(uaddr, Access::Read));
            let current = || {
                let a = lock(&g.aspace);
                a.mem.load::<u32>(GuestAddress(gpa), Ordering::SeqCst).ok()
            };
            match g.futex.wait(uaddr, bitset, deadline, current, val) {
                Ok(WaitResult::Woken) => Action::Ret(0),
                Ok(WaitResult::Mismatch) => err(libc::EAGAIN),
                Ok(WaitResult::TimedOut) => err(libc::ETIMEDOUT),
                Ok(WaitResult::Shutdown) => Action::Stopped,
                Err(()) => err(libc::EFAULT),
            }
        }
        WAKE | WAKE_BITSET => {
            let bitset = if cmd == WAKE { u32::MAX } else { a[5] as u32 };
            if bitset == 0 {
                return err(libc::EINVAL);
            }
            Action::Ret(i64::from(g.futex.wake(uaddr, val, bitset)))
        }
        _ => err(libc::ENOSYS),
    }
}

/// set_tid_address(tidptr): the word cleared and woken when the thread
/// exits.
pub fn set_tid_address(c: &mut Call) -> Action {
    c.th.clear_tid = c.a[0];
    Action::Ret(i64::from(c.th.tid))
}

/// exit(status): ends the calling thread.
pub fn exit(c: &mut Call) -> Action {
    Action::ExitThread(c.a[0] as i32)
}

/// exit_group(status): ends the guest.
pub fn exit_group(c: &mut Call) -> Action {
    Action::ExitGroup(c.a[0] as i32)
}

/// gettid().
pub fn gettid(c: &mut Call) -> Action {
    Action::Ret(i64::from(c.th.tid))
}

/// sched_yield().
pub fn sched_yield(_: &mut Call) -> Action {
    std::thread::yield_now();
    Action::Ret(0)
}

/// sched_getaffinity(pid, size, mask): the host's CPUs, at most 64.
pub fn sched_getaffinity(c: &mut Call) -> Action {
    let (size, out) = (c.a[1], c.a[2]);
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(64);
    if size < 8 {
        return err(libc::EINVAL);
    }
    let mask: u64 = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
    tryf!(lock(&c.g.aspace).write_user(out, &mask.to_le_bytes()));
    Action::Ret(8)
}

/// getcpu(cpu, node): CPU 0 on node 0.
pub fn getcpu(c: &mut Call) -> Action {
    for out in [c.a[0], c.a[1]] {
        if out != 0 {
            tryf!(lock(&c.g.aspace).write_user(out, &0u32.to_le_bytes()));
        }
    }
    Action::Ret(0)
}

/// arch_prctl(code, addr): the FS and GS bases of the calling vCPU.
pub fn arch_prctl(c: &mut Call) -> Action {
    const ARCH_SET_GS: u64 = 0x1001;
    const ARCH_SET_FS: u64 = 0x1002;
    const ARCH_GET_FS: u64 = 0x1003;
    const ARCH_GET_GS: u64 = 0x1004;
    let (g, vcpu, code, addr) = (c.g, c.vcpu, c.a[0], c.a[1]);
    let Ok(mut s) = vcpu.get_sregs() else {
        return Action::Error("get sregs".into());
    };
    match code {
        ARCH_SET_FS | ARCH_SET_GS => {
            if addr >= crate::elf::USER_TOP {
                return err(libc::EPERM);
            }
            if code == ARCH_SET_FS {
                s.fs.base = addr;
            } else {
                s.gs.base = addr;
            }
            match vcpu.set_sregs(&s) {
                Ok(()) => Action::Ret(0),
                Err(e) => Action::Error(format!("set sregs: {e}")),
            }
        }
        ARCH_GET_FS | ARCH_GET_GS => {
            let v = if code == ARCH_GET_FS {
                s.fs.base
            } else {
                s.gs.base
            };
            tryf!(lock(&g.aspace).write_user(addr, &v.to_le_bytes()));
            Action::Ret(0)
        }
        _ => err(libc::EINVAL),
    }
}

/// prctl(option, ...): thread names only.
pub fn prctl(c: &mut Call) -> Action {
    match c.a[0] as i32 {
        // Thread names are accepted and forgotten.
        libc::PR_SET_NAME => Action::Ret(0),
        libc::PR_GET_NAME => {
            tryf!(lock(&c.g.aspace).write_user(c.a[1], b"lang\0"));
            Action::Ret(0)
        }
        _ => err(libc::EINVAL),
    }
}
