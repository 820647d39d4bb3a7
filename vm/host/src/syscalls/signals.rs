//! Signals: the host never delivers one, so handlers, masks and alternate
//! stacks are accepted and ignored; a fatal signal the guest sends itself
//! (abort, raise) ends it as that signal's default action would.

use super::{err, Action, Call};
use crate::vcpu::{lock, Guest};

/// Highest signal number (SIGRTMAX); larger ones are EINVAL.
const MAX_SIGNAL: i32 = 64;

/// rt_sigaction(sig, act, oldact, sigsetsize): the old action reads as
/// SIG_DFL.
pub fn rt_sigaction(c: &mut Call) -> Action {
    if c.a[2] != 0 {
        tryf!(lock(&c.g.aspace).write_user(c.a[2], &[0u8; 32]));
    }
    Action::Ret(0)
}

/// rt_sigprocmask(how, set, oldset, sigsetsize): the old mask reads as
/// empty.
pub fn rt_sigprocmask(c: &mut Call) -> Action {
    if c.a[2] != 0 {
        tryf!(lock(&c.g.aspace).write_user(c.a[2], &[0u8; 8]));
    }
    Action::Ret(0)
}

/// sigaltstack(ss, old_ss): the old stack reads as SS_DISABLE.
pub fn sigaltstack(c: &mut Call) -> Action {
    if c.a[1] != 0 {
        let mut b = [0u8; 24];
        b[8..12].copy_from_slice(&(libc::SS_DISABLE as u32).to_le_bytes());
        tryf!(lock(&c.g.aspace).write_user(c.a[1], &b));
    }
    Action::Ret(0)
}

/// kill(pid, sig).
pub fn kill(c: &mut Call) -> Action {
    send(c.a[1] as i32, kill_target(c.g, c.a[0] as i32))
}

/// tgkill(tgid, tid, sig).
pub fn tgkill(c: &mut Call) -> Action {
    let target = thread_target(c.g, Some(c.a[0] as i32), c.a[1] as i32);
    send(c.a[2] as i32, target)
}

/// tkill(tid, sig).
pub fn tkill(c: &mut Call) -> Action {
    send(c.a[1] as i32, thread_target(c.g, None, c.a[0] as i32))
}

/// Sends `sig` to a target that is this guest (Ok) or not (the errno):
/// an invalid signal is EINVAL before anything else, signal 0 only checks
/// the target, and a signal whose default action ends the process ends
/// the guest.
fn send(sig: i32, target: Result<(), i32>) -> Action {
    if !(0..=MAX_SIGNAL).contains(&sig) {
        err(libc::EINVAL)
    } else if let Err(e) = target {
        err(e)
    } else if sig == 0 {
        Action::Ret(0)
    } else if (1..32).contains(&sig)
        && sig != libc::SIGCHLD
        && sig != libc::SIGURG
        && sig != libc::SIGWINCH
    {
        // abort() and raise(): the guest ends as if the signal's
        // default action ran.
        Action::Kill(sig, "killed by its own signal".into())
    } else {
        Action::Ret(0)
    }
}

/// Whom `kill(pid, ...)` reaches: this process (its pid, or 0 for its
/// process group) or, refused, another one.
fn kill_target(g: &Guest, pid: i32) -> Result<(), i32> {
    if pid == 0 || pid as u32 == g.pid {
        Ok(())
    } else {
        Err(libc::EPERM)
    }
}

/// Whom `tgkill(tgid, tid, ...)` or `tkill(tid, ...)` reaches: one of this
/// guest's running threads, or no thread at all (ESRCH; EINVAL for ids
/// that cannot be a thread, as on Linux).
fn thread_target(g: &Guest, tgid: Option<i32>, tid: i32) -> Result<(), i32> {
    if tid <= 0 || tgid.is_some_and(|t| t <= 0) {
        return Err(libc::EINVAL);
    }
    let own_group = tgid.is_none_or(|t| t as u32 == g.pid);
    if own_group && g.is_running_thread(tid as u32) {
        Ok(())
    } else {
        Err(libc::ESRCH)
    }
}
