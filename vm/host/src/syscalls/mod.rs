//! Linux system calls of the guest. `table.rs` is the one list of the
//! calls the host knows, each with its policy class (served by a handler,
//! ignored, unsupported or refused with a fixed error code); `dispatch`
//! looks the number up there, and every number the list lacks gets
//! `ENOSYS`. The handlers live in one file per area (`files.rs`,
//! `streams.rs`, `memory.rs`, `threads.rs`, `signals.rs`, `time.rs`,
//! `process.rs`), and `spec/host-mode.md`'s tables of the calls are
//! generated from the list (`spec.rs`).
//!
//! The guest's arguments are untrusted: every pointer goes through the
//! address space's checked copies, every length is capped, and nothing here
//! panics on guest input.

use crate::addrspace::Fault;
use crate::vcpu::{Guest, ThreadState};
use kvm_bindings::kvm_regs;
use kvm_ioctls::VcpuFd;
use std::sync::Arc;

/// Returns from the enclosing handler with the action for a failed guest
/// memory access (EFAULT, or the end of the guest when RAM runs out).
macro_rules! tryf {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(f) => return $crate::syscalls::fault(f),
        }
    };
}

mod fds;
mod files;
mod memory;
mod process;
mod signals;
#[cfg(test)]
mod spec;
mod streams;
mod table;
mod threads;
mod time;

pub use fds::FdTable;
pub use process::fill_random;
use table::Class;

/// What the vCPU loop does after a system call.
pub enum Action {
    /// Return this value (negative errno on failure) in RAX.
    Ret(i64),
    ExitThread(i32),
    ExitGroup(i32),
    /// End the guest as if killed by this signal.
    Kill(i32, String),
    Oom,
    /// The guest is being stopped from outside.
    Stopped,
    Error(String),
}

/// One system call as a handler sees it: the guest, the calling vCPU and
/// thread, the registers at the call, and the six arguments (RDI, RSI,
/// RDX, R10, R8, R9).
pub struct Call<'a> {
    pub g: &'a Arc<Guest>,
    pub vcpu: &'a VcpuFd,
    pub regs: &'a kvm_regs,
    pub th: &'a mut ThreadState,
    pub a: [u64; 6],
}

/// Serves one system call. `regs` holds the number (RAX) and arguments.
pub fn dispatch(g: &Arc<Guest>, vcpu: &VcpuFd, regs: &kvm_regs, th: &mut ThreadState) -> Action {
    let Ok(nr) = i64::try_from(regs.rax) else {
        return err(libc::ENOSYS);
    };
    let mut call = Call {
        g,
        vcpu,
        regs,
        th,
        a: [regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9],
    };
    let r = match table::class_of(nr) {
        Class::Served(handler) => handler(&mut call),
        Class::Ignored => Action::Ret(0),
        Class::Unsupported(errno) => err(errno),
        Class::Refused(errno) => {
            if g.trace {
                eprintln!("[kvm] refused syscall {nr}");
            }
            err(errno)
        }
    };
    if g.stopping() {
        if let Action::Ret(_) = r {
            return Action::Stopped;
        }
    }
    r
}

/// The action that returns `-e` to the guest.
fn err(e: i32) -> Action {
    Action::Ret(-i64::from(e))
}

/// The action for a failed access to guest memory.
fn fault(f: Fault) -> Action {
    match f {
        Fault::Segv => err(libc::EFAULT),
        Fault::Oom => Action::Oom,
    }
}

/// A value or an errno as the action that returns it.
fn result(r: Result<i64, i32>) -> Action {
    match r {
        Ok(v) => Action::Ret(v),
        Err(e) => err(e),
    }
}
