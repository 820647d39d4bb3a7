//! Linux system calls of the guest: each one is served by the host,
//! emulated, or refused with an error code, following the policy in
//! `spec/host-mode.md`. The guest's arguments are untrusted: every pointer
//! goes through the address space's checked copies, every length is
//! capped, and nothing here panics on guest input.

use crate::addrspace::{Access, Fault};
use crate::futex::WaitResult;
use crate::paging::{PROT_EXEC, PROT_READ, PROT_WRITE};
use crate::policy::NotFound;
use crate::vcpu::{lock, Guest, ThreadState};
use kvm_bindings::kvm_regs;
use kvm_ioctls::VcpuFd;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vm_memory::{Bytes, GuestAddress};

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

/// An open file descriptor of the guest.
pub enum Fd {
    Stdin,
    Stdout,
    Stderr,
    /// The program file, read-only, at this descriptor's own offset (all
    /// reads go to the one host descriptor, see `progfile.rs`).
    File {
        offset: u64,
    },
}

/// The guest's descriptor table.
pub struct FdTable {
    fds: BTreeMap<i32, Fd>,
}

const MAX_FDS: i32 = 256;
/// Largest single read or write copied through the host (longer ones
/// return short counts, which every caller of read/write must handle).
/// Each copy needs a host buffer of this size, so with 200 vCPU threads
/// copying at once host memory outside guest RAM stays within 200 x 2 x
/// 64 KiB (a writev gathers into one buffer while reading the next piece);
/// 64 KiB still moves hundreds of MB/s per exit.
const MAX_IO: usize = 64 << 10;

impl FdTable {
    pub fn new() -> FdTable {
        let mut fds = BTreeMap::new();
        fds.insert(0, Fd::Stdin);
        fds.insert(1, Fd::Stdout);
        fds.insert(2, Fd::Stderr);
        FdTable { fds }
    }

    fn insert(&mut self, fd: Fd) -> Option<i32> {
        let n = (0..MAX_FDS).find(|n| !self.fds.contains_key(n))?;
        self.fds.insert(n, fd);
        Some(n)
    }
}

impl Default for FdTable {
    fn default() -> Self {
        FdTable::new()
    }
}

fn err(e: i32) -> Action {
    Action::Ret(-i64::from(e))
}

fn fault(f: Fault) -> Action {
    match f {
        Fault::Segv => err(libc::EFAULT),
        Fault::Oom => Action::Oom,
    }
}

macro_rules! tryf {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(f) => return fault(f),
        }
    };
}

const CLONE_VM: u64 = 0x100;
const CLONE_FS: u64 = 0x200;
const CLONE_FILES: u64 = 0x400;
const CLONE_SIGHAND: u64 = 0x800;
const CLONE_THREAD: u64 = 0x10000;
const CLONE_SYSVSEM: u64 = 0x40000;
const CLONE_SETTLS: u64 = 0x80000;
const CLONE_PARENT_SETTID: u64 = 0x100000;
const CLONE_CHILD_CLEARTID: u64 = 0x200000;
const CLONE_CHILD_SETTID: u64 = 0x1000000;

/// Serves one system call. `regs` holds the number (RAX) and arguments.
pub fn dispatch(g: &Arc<Guest>, vcpu: &VcpuFd, regs: &kvm_regs, th: &mut ThreadState) -> Action {
    let a = [regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9];
    let Ok(nr) = i64::try_from(regs.rax) else {
        return err(libc::ENOSYS);
    };
    let r = match nr {
        libc::SYS_read => sys_read(g, a[0], a[1], a[2], None),
        libc::SYS_pread64 => sys_read(g, a[0], a[1], a[2], Some(a[3])),
        libc::SYS_write => sys_write(g, a[0], a[1], a[2]),
        libc::SYS_readv => sys_readv(g, a[0], a[1], a[2]),
        libc::SYS_writev => sys_writev(g, a[0], a[1], a[2]),
        libc::SYS_open => sys_open(g, libc::AT_FDCWD, a[0], a[1]),
        libc::SYS_openat => sys_open(g, a[0] as i32, a[1], a[2]),
        libc::SYS_close => {
            let fd = a[0] as i32;
            match lock(&g.files).fds.remove(&fd) {
                Some(_) => Action::Ret(0),
                None => err(libc::EBADF),
            }
        }
        libc::SYS_lseek => sys_lseek(g, a[0], a[1] as i64, a[2]),
        libc::SYS_fstat => sys_fstat(g, a[0] as i32, a[1]),
        libc::SYS_newfstatat => {
            let path = tryf!(lock(&g.aspace).read_cstr(a[1], 4096));
            if path.is_empty() && a[3] & libc::AT_EMPTY_PATH as u64 != 0 {
                sys_fstat(g, a[0] as i32, a[2])
            } else {
                stat_path(g, a[0] as i32, &path, a[2])
            }
        }
        libc::SYS_stat | libc::SYS_lstat => {
            let path = tryf!(lock(&g.aspace).read_cstr(a[0], 4096));
            stat_path(g, libc::AT_FDCWD, &path, a[1])
        }
        libc::SYS_access | libc::SYS_faccessat | libc::SYS_faccessat2 => {
            let (dirfd, p, mode) = if nr == libc::SYS_access {
                (libc::AT_FDCWD, a[0], a[1])
            } else {
                (a[0] as i32, a[1], a[2])
            };
            let path = tryf!(lock(&g.aspace).read_cstr(p, 4096));
            sys_access(g, dirfd, &path, mode)
        }
        // Rust's std falls back to fstat when statx is missing.
        libc::SYS_statx => err(libc::ENOSYS),
        libc::SYS_ioctl => sys_ioctl(g, a[0] as i32, a[1], a[2]),
        libc::SYS_fcntl => sys_fcntl(g, a[0] as i32, a[1] as i32),
        libc::SYS_poll => sys_poll(g, a[0], a[1], a[2] as i32),
        libc::SYS_ppoll => {
            let timeout = if a[2] == 0 {
                -1
            } else {
                match read_timespec(g, a[2]) {
                    Ok(d) => d.as_millis().min(i32::MAX as u128) as i32,
                    Err(e) => return e,
                }
            };
            sys_poll(g, a[0], a[1], timeout)
        }
        libc::SYS_mmap => sys_mmap(g, a),
        libc::SYS_munmap => result(lock(&g.aspace).munmap(a[0], a[1]).map(|_| 0)),
        libc::SYS_mprotect => result(
            lock(&g.aspace)
                .mprotect(a[0], a[1], a[2] as u32 & 7)
                .map(|_| 0),
        ),
        libc::SYS_madvise => {
            if a[2] == libc::MADV_DONTNEED as u64 {
                result(lock(&g.aspace).discard(a[0], a[1]).map(|_| 0))
            } else {
                Action::Ret(0)
            }
        }
        libc::SYS_brk => Action::Ret(lock(&g.aspace).set_brk(a[0]) as i64),
        libc::SYS_mremap => err(libc::ENOMEM),
        libc::SYS_mlock | libc::SYS_munlock | libc::SYS_msync => Action::Ret(0),
        libc::SYS_rt_sigaction => {
            // Accepted and ignored: the host never delivers signals.
            if a[2] != 0 {
                tryf!(lock(&g.aspace).write_user(a[2], &[0u8; 32]));
            }
            Action::Ret(0)
        }
        libc::SYS_rt_sigprocmask => {
            if a[2] != 0 {
                tryf!(lock(&g.aspace).write_user(a[2], &[0u8; 8]));
            }
            Action::Ret(0)
        }
        libc::SYS_sigaltstack => {
            if a[1] != 0 {
                let mut b = [0u8; 24];
                b[8..12].copy_from_slice(&(libc::SS_DISABLE as u32).to_le_bytes());
                tryf!(lock(&g.aspace).write_user(a[1], &b));
            }
            Action::Ret(0)
        }
        libc::SYS_arch_prctl => sys_arch_prctl(g, vcpu, a[0], a[1]),
        libc::SYS_set_tid_address => {
            th.clear_tid = a[0];
            Action::Ret(i64::from(th.tid))
        }
        libc::SYS_set_robust_list => Action::Ret(0),
        libc::SYS_prctl => match a[0] as i32 {
            // Thread names are accepted and forgotten.
            libc::PR_SET_NAME => Action::Ret(0),
            libc::PR_GET_NAME => {
                tryf!(lock(&g.aspace).write_user(a[1], b"lang\0"));
                Action::Ret(0)
            }
            _ => err(libc::EINVAL),
        },
        libc::SYS_rseq | libc::SYS_clone3 | libc::SYS_get_robust_list | libc::SYS_membarrier => {
            err(libc::ENOSYS)
        }
        libc::SYS_gettid => Action::Ret(i64::from(th.tid)),
        libc::SYS_getpid => Action::Ret(i64::from(g.pid)),
        libc::SYS_getppid => Action::Ret(1),
        libc::SYS_getuid | libc::SYS_geteuid | libc::SYS_getgid | libc::SYS_getegid => {
            let (uid, euid, gid, egid) = crate::loader::ids();
            Action::Ret(match nr {
                libc::SYS_getuid => uid,
                libc::SYS_geteuid => euid,
                libc::SYS_getgid => gid,
                _ => egid,
            } as i64)
        }
        libc::SYS_uname => sys_uname(g, a[0]),
        libc::SYS_sysinfo => sys_sysinfo(g, a[0]),
        libc::SYS_getcwd => {
            if a[1] < 2 {
                err(libc::ERANGE)
            } else {
                tryf!(lock(&g.aspace).write_user(a[0], b"/\0"));
                Action::Ret(2)
            }
        }
        libc::SYS_readlink | libc::SYS_readlinkat => err(libc::ENOENT),
        libc::SYS_clock_gettime => sys_clock_gettime(g, a[0], a[1]),
        libc::SYS_clock_getres => {
            if a[1] != 0 {
                tryf!(lock(&g.aspace).write_user(a[1], &timespec_bytes(0, 1)));
            }
            Action::Ret(0)
        }
        libc::SYS_gettimeofday => {
            let (s, ns) = host_clock(libc::CLOCK_REALTIME);
            if a[0] != 0 {
                let mut b = [0u8; 16];
                b[..8].copy_from_slice(&s.to_le_bytes());
                b[8..].copy_from_slice(&(ns / 1000).to_le_bytes());
                tryf!(lock(&g.aspace).write_user(a[0], &b));
            }
            Action::Ret(0)
        }
        libc::SYS_time => {
            let (s, _) = host_clock(libc::CLOCK_REALTIME);
            if a[0] != 0 {
                tryf!(lock(&g.aspace).write_user(a[0], &s.to_le_bytes()));
            }
            Action::Ret(s)
        }
        libc::SYS_nanosleep => match read_timespec(g, a[0]) {
            Ok(d) => sleep(g, d),
            Err(e) => e,
        },
        libc::SYS_clock_nanosleep => sys_clock_nanosleep(g, a[0], a[1], a[2]),
        libc::SYS_sched_yield => {
            std::thread::yield_now();
            Action::Ret(0)
        }
        libc::SYS_sched_getaffinity => sys_getaffinity(g, a[1], a[2]),
        libc::SYS_sched_setaffinity => Action::Ret(0),
        libc::SYS_getcpu => {
            if a[0] != 0 {
                tryf!(lock(&g.aspace).write_user(a[0], &0u32.to_le_bytes()));
            }
            if a[1] != 0 {
                tryf!(lock(&g.aspace).write_user(a[1], &0u32.to_le_bytes()));
            }
            Action::Ret(0)
        }
        libc::SYS_prlimit64 => {
            // Only this process's limits, and only read: setting them is
            // refused as setrlimit is.
            let pid = a[0] as i32;
            if pid != 0 && pid as u32 != g.pid {
                err(libc::ESRCH)
            } else if a[2] != 0 {
                err(libc::EPERM)
            } else {
                sys_getrlimit(g, a[1] as u32, a[3])
            }
        }
        libc::SYS_getrlimit => sys_getrlimit(g, a[0] as u32, a[1]),
        libc::SYS_setrlimit => err(libc::EPERM),
        libc::SYS_getrandom => sys_getrandom(g, a[0], a[1]),
        libc::SYS_futex => sys_futex(g, a),
        libc::SYS_clone => sys_clone(g, vcpu, regs, a),
        libc::SYS_fork | libc::SYS_vfork => err(libc::EPERM),
        libc::SYS_exit => Action::ExitThread(a[0] as i32),
        libc::SYS_exit_group => Action::ExitGroup(a[0] as i32),
        libc::SYS_kill | libc::SYS_tgkill | libc::SYS_tkill => {
            let sig = match nr {
                libc::SYS_tgkill => a[2] as i32,
                _ => a[1] as i32,
            };
            let target = match nr {
                libc::SYS_kill => kill_target(g, a[0] as i32),
                libc::SYS_tgkill => thread_target(g, Some(a[0] as i32), a[1] as i32),
                _ => thread_target(g, None, a[0] as i32),
            };
            if !(0..=64).contains(&sig) {
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
        _ => {
            if g.trace {
                eprintln!("[kvm] refused syscall {nr}");
            }
            err(refusal(nr))
        }
    };
    if g.stopping() {
        if let Action::Ret(_) = r {
            return Action::Stopped;
        }
    }
    r
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

/// The error code for a refused call: EACCES/EPERM for operations that
/// exist but are not allowed, ENOSYS for the rest.
fn refusal(nr: i64) -> i32 {
    match nr {
        libc::SYS_socket
        | libc::SYS_socketpair
        | libc::SYS_connect
        | libc::SYS_bind
        | libc::SYS_listen
        | libc::SYS_accept
        | libc::SYS_accept4
        | libc::SYS_execve
        | libc::SYS_execveat
        | libc::SYS_ptrace => libc::EACCES,
        nr if changes_file_system(nr) => libc::EACCES,
        libc::SYS_pipe
        | libc::SYS_pipe2
        | libc::SYS_setuid
        | libc::SYS_setgid
        | libc::SYS_wait4 => libc::EPERM,
        _ => libc::ENOSYS,
    }
}

/// System calls that change the file system (names, contents, metadata,
/// mounts, the working or root directory): all refused with EACCES, as
/// `spec/host-mode.md` lists them.
fn changes_file_system(nr: i64) -> bool {
    matches!(
        nr,
        libc::SYS_unlink
            | libc::SYS_unlinkat
            | libc::SYS_rmdir
            | libc::SYS_rename
            | libc::SYS_renameat
            | libc::SYS_renameat2
            | libc::SYS_mkdir
            | libc::SYS_mkdirat
            | libc::SYS_mknod
            | libc::SYS_mknodat
            | libc::SYS_link
            | libc::SYS_linkat
            | libc::SYS_symlink
            | libc::SYS_symlinkat
            | libc::SYS_creat
            | libc::SYS_truncate
            | libc::SYS_ftruncate
            | libc::SYS_fallocate
            | libc::SYS_chmod
            | libc::SYS_fchmod
            | libc::SYS_fchmodat
            | libc::SYS_chown
            | libc::SYS_fchown
            | libc::SYS_lchown
            | libc::SYS_fchownat
            | libc::SYS_utime
            | libc::SYS_utimes
            | libc::SYS_utimensat
            | libc::SYS_futimesat
            | libc::SYS_setxattr
            | libc::SYS_lsetxattr
            | libc::SYS_fsetxattr
            | libc::SYS_removexattr
            | libc::SYS_lremovexattr
            | libc::SYS_fremovexattr
            | libc::SYS_mount
            | libc::SYS_umount2
            | libc::SYS_pivot_root
            | libc::SYS_chroot
            | libc::SYS_swapon
            | libc::SYS_swapoff
            | libc::SYS_fsopen
            | libc::SYS_fsconfig
            | libc::SYS_fsmount
            | libc::SYS_move_mount
            | libc::SYS_open_tree
            | libc::SYS_mount_setattr
            | libc::SYS_chdir
            | libc::SYS_fchdir
    )
}

fn result(r: Result<i64, i32>) -> Action {
    match r {
        Ok(v) => Action::Ret(v),
        Err(e) => err(e),
    }
}

/// The program file, if `path` relative to `dirfd` names it, as the `*at`
/// calls resolve: an absolute path ignores `dirfd`; a relative one is
/// resolved against the guest's working directory `/` for AT_FDCWD, and
/// fails with ENOTDIR for any open descriptor (the guest has no directory
/// descriptors) and EBADF for any other number.
fn resolve_at<'g>(
    g: &'g Guest,
    dirfd: i32,
    path: &[u8],
) -> Result<&'g crate::progfile::ProgramFile, i32> {
    if !path.is_empty() && path[0] != b'/' && dirfd != libc::AT_FDCWD {
        return Err(if lock(&g.files).fds.contains_key(&dirfd) {
            libc::ENOTDIR
        } else {
            libc::EBADF
        });
    }
    g.policy.lookup(path).map_err(|e| match e {
        NotFound::Empty => libc::ENOENT,
        NotFound::Denied => {
            if g.trace {
                eprintln!("[kvm] refused path {:?}", String::from_utf8_lossy(path));
            }
            libc::EACCES
        }
    })
}

fn sys_open(g: &Guest, dirfd: i32, path: u64, flags: u64) -> Action {
    let p = tryf!(lock(&g.aspace).read_cstr(path, 4096));
    let write = flags & (libc::O_WRONLY | libc::O_RDWR) as u64 != 0;
    let modify =
        flags & (libc::O_CREAT | libc::O_TRUNC | libc::O_APPEND | libc::O_TMPFILE) as u64 != 0;
    if let Err(e) = resolve_at(g, dirfd, &p) {
        return err(e);
    }
    if write || modify {
        return err(libc::EACCES);
    }
    match lock(&g.files).insert(Fd::File { offset: 0 }) {
        Some(fd) => Action::Ret(i64::from(fd)),
        None => err(libc::EMFILE),
    }
}

fn sys_access(g: &Guest, dirfd: i32, path: &[u8], mode: u64) -> Action {
    if mode & !7 != 0 {
        return err(libc::EINVAL);
    }
    if let Err(e) = resolve_at(g, dirfd, path) {
        return err(e);
    }
    // The program file is read-only (mode 0444) to the guest.
    if mode & (libc::W_OK | libc::X_OK) as u64 != 0 {
        return err(libc::EACCES);
    }
    Action::Ret(0)
}

fn host_read(fd: i32, buf: &mut [u8]) -> Result<usize, i32> {
    // SAFETY: `buf` is a valid writable buffer of the given length.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO))
    } else {
        Ok(n as usize)
    }
}

/// Writes all of `buf` to host descriptor `fd`, unless the guest is being
/// stopped: the stop signal interrupts a write blocked on a stalled
/// reader (EINTR), and then the rest is dropped instead of retried.
fn host_write_all(g: &Guest, fd: i32, mut buf: &[u8]) -> Result<(), i32> {
    while !buf.is_empty() {
        if g.stopping() {
            return Err(libc::EINTR);
        }
        // SAFETY: `buf` is a valid readable buffer of the given length.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        if n < 0 {
            let e = std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO);
            if e == libc::EINTR {
                continue;
            }
            return Err(e);
        }
        buf = buf.get(n as usize..).unwrap_or(&[]);
    }
    Ok(())
}

/// Reads into a host buffer from guest descriptor `fd` (no locks held
/// while blocking).
fn read_fd(g: &Guest, fd: u64, len: usize, at: Option<u64>) -> Result<Vec<u8>, i32> {
    let mut buf = vec![0u8; len.min(MAX_IO)];
    let mut files = lock(&g.files);
    let n = match (files.fds.get_mut(&(fd as i32)), at) {
        (Some(Fd::Stdin), None) => {
            // Reading stdin may block: not under the descriptor table lock.
            drop(files);
            // A stop signal that came before this point is not seen by
            // read(); `Guest::wait` sends another until the thread has ended.
            if g.stopping() {
                return Err(libc::EINTR);
            }
            host_read(0, &mut buf)?
        }
        (Some(Fd::Stdin), Some(_)) => return Err(libc::ESPIPE),
        (Some(Fd::File { offset }), at) => {
            let file = g.policy.program().ok_or(libc::EBADF)?;
            // The table stays locked across the read (a regular file's
            // read does not block), so reads sharing a descriptor each
            // advance its offset in turn, as on Linux.
            let n = file.read_at(&mut buf, at.unwrap_or(*offset))?;
            if at.is_none() {
                *offset = offset.saturating_add(n as u64);
            }
            n
        }
        _ => return Err(libc::EBADF),
    };
    buf.truncate(n);
    Ok(buf)
}

fn sys_read(g: &Guest, fd: u64, buf: u64, len: u64, at: Option<u64>) -> Action {
    match read_fd(g, fd, usize::try_from(len).unwrap_or(MAX_IO), at) {
        Ok(data) => {
            tryf!(lock(&g.aspace).write_user(buf, &data));
            Action::Ret(data.len() as i64)
        }
        Err(e) => err(e),
    }
}

fn write_fd(g: &Guest, fd: u64, data: &[u8]) -> Result<(), i32> {
    let host = match lock(&g.files).fds.get(&(fd as i32)) {
        Some(Fd::Stdout) => 1,
        Some(Fd::Stderr) => 2,
        Some(_) => return Err(libc::EBADF),
        None => return Err(libc::EBADF),
    };
    host_write_all(g, host, data)
}

fn sys_write(g: &Guest, fd: u64, buf: u64, len: u64) -> Action {
    let len = usize::try_from(len).unwrap_or(MAX_IO).min(MAX_IO);
    let data = tryf!(lock(&g.aspace).read_user(buf, len));
    match write_fd(g, fd, &data) {
        Ok(()) => Action::Ret(len as i64),
        Err(e) => err(e),
    }
}

fn iovecs(g: &Guest, iov: u64, cnt: u64) -> Result<Vec<(u64, u64)>, Fault> {
    if cnt > 1024 {
        return Err(Fault::Segv);
    }
    let raw = lock(&g.aspace).read_user(iov, cnt as usize * 16)?;
    Ok(raw
        .chunks_exact(16)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&c[..8]);
            let base = u64::from_le_bytes(b);
            b.copy_from_slice(&c[8..]);
            (base, u64::from_le_bytes(b))
        })
        .collect())
}

fn sys_writev(g: &Guest, fd: u64, iov: u64, cnt: u64) -> Action {
    let v = tryf!(iovecs(g, iov, cnt));
    let mut data = Vec::new();
    for (base, len) in v {
        let room = MAX_IO - data.len();
        let n = usize::try_from(len).unwrap_or(room).min(room);
        data.extend(tryf!(lock(&g.aspace).read_user(base, n)));
    }
    match write_fd(g, fd, &data) {
        Ok(()) => Action::Ret(data.len() as i64),
        Err(e) => err(e),
    }
}

fn sys_readv(g: &Guest, fd: u64, iov: u64, cnt: u64) -> Action {
    let v = tryf!(iovecs(g, iov, cnt));
    let total: u64 = v
        .iter()
        .map(|(_, l)| *l)
        .fold(0u64, |a, b| a.saturating_add(b));
    let data = match read_fd(g, fd, usize::try_from(total).unwrap_or(MAX_IO), None) {
        Ok(d) => d,
        Err(e) => return err(e),
    };
    let mut off = 0usize;
    for (base, len) in v {
        if off >= data.len() {
            break;
        }
        let n = (usize::try_from(len).unwrap_or(usize::MAX)).min(data.len() - off);
        tryf!(lock(&g.aspace).write_user(base, &data[off..off + n]));
        off += n;
    }
    Action::Ret(data.len() as i64)
}

fn sys_lseek(g: &Guest, fd: u64, off: i64, whence: u64) -> Action {
    let mut files = lock(&g.files);
    match files.fds.get_mut(&(fd as i32)) {
        Some(Fd::File { offset }) => {
            let base = match i32::try_from(whence).unwrap_or(-1) {
                libc::SEEK_SET => 0,
                libc::SEEK_CUR => *offset,
                libc::SEEK_END => match g.policy.program().map(|f| f.info()) {
                    Some(Ok(info)) => info.size,
                    Some(Err(e)) => return err(e),
                    None => return err(libc::EBADF),
                },
                _ => return err(libc::EINVAL),
            };
            // Offsets beyond i64 or below 0 are EINVAL, as lseek's are.
            match i64::try_from(base)
                .ok()
                .and_then(|b| b.checked_add(off))
                .filter(|p| *p >= 0)
            {
                Some(p) => {
                    *offset = p as u64;
                    Action::Ret(p)
                }
                None => err(libc::EINVAL),
            }
        }
        Some(_) => err(libc::ESPIPE),
        None => err(libc::EBADF),
    }
}

/// struct stat (x86-64 layout, 144 bytes) from the fields the guest needs.
fn stat_bytes(mode: u32, size: u64, blksize: u64, mtime: i64) -> [u8; 144] {
    let mut b = [0u8; 144];
    b[16..24].copy_from_slice(&1u64.to_le_bytes()); // st_nlink
    b[24..28].copy_from_slice(&mode.to_le_bytes());
    b[48..56].copy_from_slice(&size.to_le_bytes());
    b[56..64].copy_from_slice(&blksize.to_le_bytes());
    b[64..72].copy_from_slice(&size.div_ceil(512).to_le_bytes());
    for off in [72, 88, 104] {
        b[off..off + 8].copy_from_slice(&mtime.to_le_bytes());
    }
    b
}

fn program_stat(file: &crate::progfile::ProgramFile) -> Result<[u8; 144], i32> {
    let info = file.info()?;
    Ok(stat_bytes(
        libc::S_IFREG | 0o444,
        info.size,
        4096,
        info.mtime,
    ))
}

fn stat_path(g: &Guest, dirfd: i32, path: &[u8], out: u64) -> Action {
    match resolve_at(g, dirfd, path).and_then(program_stat) {
        Ok(b) => {
            tryf!(lock(&g.aspace).write_user(out, &b));
            Action::Ret(0)
        }
        Err(e) => err(e),
    }
}

fn sys_fstat(g: &Guest, fd: i32, out: u64) -> Action {
    let b = {
        let files = lock(&g.files);
        match files.fds.get(&fd) {
            Some(Fd::File { .. }) => match g.policy.program().map(program_stat) {
                Some(Ok(b)) => b,
                Some(Err(e)) => return err(e),
                None => return err(libc::EBADF),
            },
            Some(Fd::Stdin) | Some(Fd::Stdout) | Some(Fd::Stderr) => {
                // Only the file type of the host stream is revealed (so
                // stdio picks the same buffering as natively).
                // SAFETY: fstat writes into a zeroed stat of the right type.
                let mut st: libc::stat = unsafe { std::mem::zeroed() };
                let ok = unsafe { libc::fstat(fd, &mut st) } == 0;
                let kind = if ok {
                    st.st_mode & libc::S_IFMT
                } else {
                    libc::S_IFCHR
                };
                stat_bytes(kind | 0o600, 0, 4096, 0)
            }
            None => return err(libc::EBADF),
        }
    };
    tryf!(lock(&g.aspace).write_user(out, &b));
    Action::Ret(0)
}

fn sys_ioctl(g: &Guest, fd: i32, req: u64, arg: u64) -> Action {
    let is_std = matches!(
        lock(&g.files).fds.get(&fd),
        Some(Fd::Stdin | Fd::Stdout | Fd::Stderr)
    );
    if !is_std {
        return err(if lock(&g.files).fds.contains_key(&fd) {
            libc::ENOTTY
        } else {
            libc::EBADF
        });
    }
    match req {
        // Terminal queries answer as the host's stream would, so isatty()
        // and window size match a native run. Nothing is ever set.
        r if r == libc::TCGETS || r == libc::TIOCGWINSZ => {
            let mut buf = [0u8; 64];
            // SAFETY: both requests write at most 60 bytes into `buf`.
            let rc = unsafe { libc::ioctl(fd, r as _, buf.as_mut_ptr()) };
            if rc < 0 {
                return err(libc::ENOTTY);
            }
            let n = if r == libc::TCGETS { 36 } else { 8 };
            tryf!(lock(&g.aspace).write_user(arg, &buf[..n]));
            Action::Ret(0)
        }
        _ => err(libc::ENOTTY),
    }
}

fn sys_fcntl(g: &Guest, fd: i32, cmd: i32) -> Action {
    let files = lock(&g.files);
    let Some(f) = files.fds.get(&fd) else {
        return err(libc::EBADF);
    };
    match cmd {
        libc::F_GETFD | libc::F_SETFD | libc::F_SETFL => Action::Ret(0),
        libc::F_GETFL => Action::Ret(match f {
            Fd::Stdin | Fd::File { .. } => libc::O_RDONLY,
            Fd::Stdout | Fd::Stderr => libc::O_WRONLY,
        } as i64),
        _ => err(libc::EINVAL),
    }
}

fn sys_poll(g: &Guest, fds: u64, n: u64, timeout: i32) -> Action {
    if n > 256 {
        return err(libc::EINVAL);
    }
    let raw = tryf!(lock(&g.aspace).read_user(fds, n as usize * 8));
    let mut out = raw.clone();
    let mut host: Vec<(usize, libc::pollfd)> = Vec::new();
    let mut ready = 0;
    {
        let files = lock(&g.files);
        for (i, c) in raw.chunks_exact(8).enumerate() {
            let fd = i32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            let events = i16::from_le_bytes([c[4], c[5]]);
            let rev: i16 = match files.fds.get(&fd) {
                _ if fd < 0 => 0,
                None => libc::POLLNVAL,
                Some(Fd::File { .. }) => events & (libc::POLLIN | libc::POLLOUT),
                Some(Fd::Stdin) => {
                    host.push((
                        i,
                        libc::pollfd {
                            fd: 0,
                            events,
                            revents: 0,
                        },
                    ));
                    0
                }
                Some(Fd::Stdout) | Some(Fd::Stderr) => {
                    host.push((
                        i,
                        libc::pollfd {
                            fd: if matches!(files.fds.get(&fd), Some(Fd::Stdout)) {
                                1
                            } else {
                                2
                            },
                            events,
                            revents: 0,
                        },
                    ));
                    0
                }
            };
            if rev != 0 {
                ready += 1;
            }
            out[i * 8 + 6..i * 8 + 8].copy_from_slice(&rev.to_le_bytes());
        }
    }
    if !host.is_empty() {
        let mut pf: Vec<libc::pollfd> = host.iter().map(|(_, p)| *p).collect();
        let t = if ready > 0 { 0 } else { timeout };
        // SAFETY: `pf` is a valid array of pollfd of the given length.
        let rc = unsafe { libc::poll(pf.as_mut_ptr(), pf.len() as libc::nfds_t, t) };
        if rc < 0 {
            return err(libc::EINTR);
        }
        for ((i, _), p) in host.iter().zip(pf.iter()) {
            if p.revents != 0 {
                ready += 1;
            }
            out[i * 8 + 6..i * 8 + 8].copy_from_slice(&p.revents.to_le_bytes());
        }
    } else if ready == 0 && timeout != 0 {
        let d = if timeout < 0 {
            Duration::MAX
        } else {
            Duration::from_millis(timeout as u64)
        };
        if g.sleep(d) {
            return Action::Stopped;
        }
    }
    tryf!(lock(&g.aspace).write_user(fds, &out));
    Action::Ret(ready)
}

fn sys_mmap(g: &Guest, a: [u64; 6]) -> Action {
    let (addr, len, prot, flags, fd) = (a[0], a[1], a[2] as u32, a[3] as i32, a[4] as i32);
    if flags & libc::MAP_ANONYMOUS == 0 {
        // File mappings are not offered: read() the program file instead.
        let _ = fd;
        return err(libc::EACCES);
    }
    let fixed = flags & (libc::MAP_FIXED | libc::MAP_FIXED_NOREPLACE) != 0;
    let noreplace = flags & libc::MAP_FIXED_NOREPLACE != 0;
    let prot = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
    result(
        lock(&g.aspace)
            .mmap(addr, len, prot, fixed, noreplace)
            .map(|v| v as i64),
    )
}

fn sys_arch_prctl(g: &Guest, vcpu: &VcpuFd, code: u64, addr: u64) -> Action {
    const ARCH_SET_GS: u64 = 0x1001;
    const ARCH_SET_FS: u64 = 0x1002;
    const ARCH_GET_FS: u64 = 0x1003;
    const ARCH_GET_GS: u64 = 0x1004;
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

fn put_field(b: &mut [u8], i: usize, s: &str) {
    let at = i * 65;
    let n = s.len().min(64);
    b[at..at + n].copy_from_slice(&s.as_bytes()[..n]);
}

fn sys_uname(g: &Guest, out: u64) -> Action {
    let mut b = [0u8; 65 * 6];
    put_field(&mut b, 0, "Linux");
    put_field(&mut b, 1, "lang-kvm");
    put_field(&mut b, 2, "6.1.0-lang-kvm");
    put_field(&mut b, 3, "#1");
    put_field(&mut b, 4, "x86_64");
    put_field(&mut b, 5, "(none)");
    tryf!(lock(&g.aspace).write_user(out, &b));
    Action::Ret(0)
}

fn sys_sysinfo(g: &Guest, out: u64) -> Action {
    let mut b = [0u8; 112];
    let used = lock(&g.aspace).ram_used();
    b[32..40].copy_from_slice(&g.memory_limit.to_le_bytes()); // totalram
    b[40..48].copy_from_slice(&g.memory_limit.saturating_sub(used).to_le_bytes()); // freeram
    b[80..82].copy_from_slice(&1u16.to_le_bytes()); // procs
    b[104..108].copy_from_slice(&1u32.to_le_bytes()); // mem_unit
    tryf!(lock(&g.aspace).write_user(out, &b));
    Action::Ret(0)
}

fn host_clock(clk: i32) -> (i64, i64) {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into `ts`; an invalid clock id fails.
    if unsafe { libc::clock_gettime(clk, &mut ts) } != 0 {
        return (-1, -1);
    }
    (ts.tv_sec, ts.tv_nsec)
}

fn timespec_bytes(s: i64, ns: i64) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&s.to_le_bytes());
    b[8..].copy_from_slice(&ns.to_le_bytes());
    b
}

fn sys_clock_gettime(g: &Guest, clk: u64, out: u64) -> Action {
    let clk = clk as i32;
    if !(0..=7).contains(&clk) {
        return err(libc::EINVAL);
    }
    let (s, ns) = host_clock(clk);
    if s < 0 {
        return err(libc::EINVAL);
    }
    tryf!(lock(&g.aspace).write_user(out, &timespec_bytes(s, ns)));
    Action::Ret(0)
}

/// Reads a struct timespec: EFAULT if it cannot be read, EINVAL (as on
/// Linux) if its seconds are negative or its nanoseconds outside
/// 0..=999,999,999. Any valid value fits a Duration; callers add it to an
/// Instant only with checked_add (too far away means for ever).
fn read_timespec(g: &Guest, at: u64) -> Result<Duration, Action> {
    let b = lock(&g.aspace).read_user(at, 16).map_err(fault)?;
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[..8]);
    let s = i64::from_le_bytes(x);
    x.copy_from_slice(&b[8..]);
    let ns = i64::from_le_bytes(x);
    match (u64::try_from(s), u32::try_from(ns)) {
        (Ok(s), Ok(ns)) if ns < 1_000_000_000 => Ok(Duration::new(s, ns)),
        _ => Err(err(libc::EINVAL)),
    }
}

/// The time on host clock `clk` as a Duration since its epoch (zero if
/// the clock cannot be read).
fn clock_now(clk: i32) -> Duration {
    let (s, ns) = host_clock(clk);
    Duration::new(s.max(0) as u64, ns.clamp(0, 999_999_999) as u32)
}

/// clock_nanosleep(clock, flags, request, remain) on the clocks a sleep
/// can be measured against (REALTIME, MONOTONIC, BOOTTIME); the others,
/// including the CPU-time clocks, are EINVAL. With TIMER_ABSTIME the
/// request is a time on that clock; a time in the past returns at once.
fn sys_clock_nanosleep(g: &Guest, clock: u64, flags: u64, request: u64) -> Action {
    let clock = match i32::try_from(clock) {
        Ok(c @ (libc::CLOCK_REALTIME | libc::CLOCK_MONOTONIC | libc::CLOCK_BOOTTIME)) => c,
        _ => return err(libc::EINVAL),
    };
    let d = match read_timespec(g, request) {
        Ok(d) => d,
        Err(e) => return e,
    };
    if flags & libc::TIMER_ABSTIME as u64 != 0 {
        sleep(g, d.saturating_sub(clock_now(clock)))
    } else {
        sleep(g, d)
    }
}

fn sleep(g: &Guest, d: Duration) -> Action {
    if g.sleep(d) {
        Action::Stopped
    } else {
        Action::Ret(0)
    }
}

fn sys_getaffinity(g: &Guest, size: u64, out: u64) -> Action {
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(64);
    if size < 8 {
        return err(libc::EINVAL);
    }
    let mask: u64 = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
    tryf!(lock(&g.aspace).write_user(out, &mask.to_le_bytes()));
    Action::Ret(8)
}

fn sys_getrlimit(g: &Guest, res: u32, out: u64) -> Action {
    /// RLIM_NLIMITS: resources are numbered below this.
    const RESOURCES: u32 = 16;
    if res >= RESOURCES {
        return err(libc::EINVAL);
    }
    if out == 0 {
        return Action::Ret(0);
    }
    let inf = u64::MAX;
    let (cur, max) = match res {
        3 => (crate::addrspace::STACK_SIZE, inf), // RLIMIT_STACK
        7 => (256, 256),                          // RLIMIT_NOFILE
        9 => (g.memory_limit, g.memory_limit),    // RLIMIT_AS... of RAM
        _ => (inf, inf),
    };
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&cur.to_le_bytes());
    b[8..].copy_from_slice(&max.to_le_bytes());
    tryf!(lock(&g.aspace).write_user(out, &b));
    Action::Ret(0)
}

fn sys_getrandom(g: &Guest, buf: u64, len: u64) -> Action {
    let n = usize::try_from(len).unwrap_or(MAX_IO).min(MAX_IO);
    let mut b = vec![0u8; n];
    if fill_random(&mut b).is_err() {
        return err(libc::EIO);
    }
    tryf!(lock(&g.aspace).write_user(buf, &b));
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

fn sys_futex(g: &Guest, a: [u64; 6]) -> Action {
    const WAIT: u64 = 0;
    const WAKE: u64 = 1;
    const WAIT_BITSET: u64 = 9;
    const WAKE_BITSET: u64 = 10;
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

fn sys_clone(g: &Arc<Guest>, vcpu: &VcpuFd, regs: &kvm_regs, a: [u64; 6]) -> Action {
    let (flags, stack, ptid, ctid, tls) = (a[0], a[1], a[2], a[3], a[4]);
    let need = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND;
    if flags & need != need {
        // A new process (fork, posix_spawn): not allowed.
        return err(libc::EPERM);
    }
    let _ = (CLONE_FS, CLONE_FILES, CLONE_SYSVSEM);
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
