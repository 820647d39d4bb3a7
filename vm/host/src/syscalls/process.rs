//! What the guest learns about its process and machine: ids, the system's
//! name, memory, resource limits, the working directory and randomness.
//! The answers are synthetic (the guest is pid 1000 with parent 1, on a
//! machine of `memory_limit` bytes) except the user and group ids and the
//! random bytes, which come from the host.

use super::fds::MAX_FDS;
use super::streams::MAX_IO;
use super::{err, Action, Call};
use crate::vcpu::lock;

/// getpid().
pub fn getpid(c: &mut Call) -> Action {
    Action::Ret(i64::from(c.g.pid))
}

/// getppid(): the guest's parent is init.
pub fn getppid(_: &mut Call) -> Action {
    Action::Ret(1)
}

/// getuid(): the host's.
pub fn getuid(_: &mut Call) -> Action {
    Action::Ret(crate::loader::ids().0 as i64)
}

/// geteuid(): the host's.
pub fn geteuid(_: &mut Call) -> Action {
    Action::Ret(crate::loader::ids().1 as i64)
}

/// getgid(): the host's.
pub fn getgid(_: &mut Call) -> Action {
    Action::Ret(crate::loader::ids().2 as i64)
}

/// getegid(): the host's.
pub fn getegid(_: &mut Call) -> Action {
    Action::Ret(crate::loader::ids().3 as i64)
}

/// Writes `s` into the `i`th 65-byte field of a struct utsname, cut to 64
/// bytes so that the field stays NUL-terminated.
fn put_field(b: &mut [u8], i: usize, s: &str) {
    let at = i * 65;
    let n = s.len().min(64);
    b[at..at + n].copy_from_slice(&s.as_bytes()[..n]);
}

/// uname(buf).
pub fn uname(c: &mut Call) -> Action {
    let mut b = [0u8; 65 * 6];
    put_field(&mut b, 0, "Linux");
    put_field(&mut b, 1, "lang-kvm");
    put_field(&mut b, 2, "6.1.0-lang-kvm");
    put_field(&mut b, 3, "#1");
    put_field(&mut b, 4, "x86_64");
    put_field(&mut b, 5, "(none)");
    tryf!(lock(&c.g.aspace).write_user(c.a[0], &b));
    Action::Ret(0)
}

/// sysinfo(info): RAM is the memory limit, free RAM what the guest has
/// not used of it.
pub fn sysinfo(c: &mut Call) -> Action {
    let g = c.g;
    let mut b = [0u8; 112];
    let used = lock(&g.aspace).ram_used();
    b[32..40].copy_from_slice(&g.memory_limit.to_le_bytes()); // totalram
    b[40..48].copy_from_slice(&g.memory_limit.saturating_sub(used).to_le_bytes()); // freeram
    b[80..82].copy_from_slice(&1u16.to_le_bytes()); // procs
    b[104..108].copy_from_slice(&1u32.to_le_bytes()); // mem_unit
    tryf!(lock(&g.aspace).write_user(c.a[0], &b));
    Action::Ret(0)
}

/// getcwd(buf, size): always `/`.
pub fn getcwd(c: &mut Call) -> Action {
    if c.a[1] < 2 {
        err(libc::ERANGE)
    } else {
        tryf!(lock(&c.g.aspace).write_user(c.a[0], b"/\0"));
        Action::Ret(2)
    }
}

/// getrlimit(resource, rlim).
pub fn getrlimit(c: &mut Call) -> Action {
    read_rlimit(c, c.a[0] as u32, c.a[1])
}

/// prlimit64(pid, resource, new, old): only this process's limits, and
/// only read: setting them is refused as setrlimit is.
pub fn prlimit64(c: &mut Call) -> Action {
    let pid = c.a[0] as i32;
    if pid != 0 && pid as u32 != c.g.pid {
        err(libc::ESRCH)
    } else if c.a[2] != 0 {
        err(libc::EPERM)
    } else {
        read_rlimit(c, c.a[1] as u32, c.a[3])
    }
}

/// Writes the limits of resource `res` to `out` (nothing if `out` is 0).
fn read_rlimit(c: &Call, res: u32, out: u64) -> Action {
    /// RLIM_NLIMITS: resources are numbered below this.
    const RESOURCES: u32 = 16;
    let g = c.g;
    if res >= RESOURCES {
        return err(libc::EINVAL);
    }
    if out == 0 {
        return Action::Ret(0);
    }
    let inf = u64::MAX;
    let fds = MAX_FDS as u64;
    let (cur, max) = match res {
        3 => (crate::addrspace::STACK_SIZE, inf), // RLIMIT_STACK
        7 => (fds, fds),                          // RLIMIT_NOFILE
        9 => (g.memory_limit, g.memory_limit),    // RLIMIT_AS... of RAM
        _ => (inf, inf),
    };
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&cur.to_le_bytes());
    b[8..].copy_from_slice(&max.to_le_bytes());
    tryf!(lock(&g.aspace).write_user(out, &b));
    Action::Ret(0)
}

/// getrandom(buf, count, flags): at most `MAX_IO` host random bytes.
pub fn getrandom(c: &mut Call) -> Action {
    let n = usize::try_from(c.a[1]).unwrap_or(MAX_IO).min(MAX_IO);
    let mut b = vec![0u8; n];
    if fill_random(&mut b).is_err() {
        return err(libc::EIO);
    }
    tryf!(lock(&c.g.aspace).write_user(c.a[0], &b));
    Action::Ret(n as i64)
}

/// Host random bytes.
pub fn fill_random(b: &mut [u8]) -> Result<(), ()> {
    let mut done = 0;
    while done < b.len() {
        let rest = &mut b[done..];
        // SAFETY: getrandom writes at most `rest.len()` bytes into `rest`.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n <= 0 {
            return Err(());
        }
        done += n as usize;
    }
    Ok(())
}
