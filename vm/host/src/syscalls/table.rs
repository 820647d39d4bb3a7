//! The one list of the Linux x86-64 system calls the host knows, each with
//! its area, its policy class (served by a handler, ignored, unsupported
//! or refused with a fixed error code) and a one-line doc. `dispatch`
//! looks calls up here, `spec/host-mode.md`'s tables are generated from
//! it (`spec.rs`), and every number it does not list gets `UNLISTED`.
//!
//! To add a system call, add its line here (calls that share a doc and a
//! class share a line) and, if it is served, its handler in the file of
//! its area; then regenerate the spec with `LANG_BLESS=1 cargo test -p
//! lang-host spec`.

use super::{files, memory, process, signals, streams, threads, time, Action, Call};

/// Serves one system call.
pub type Handler = fn(&mut Call) -> Action;

/// What the host does with a system call.
#[derive(Clone, Copy)]
pub enum Class {
    /// The handler serves it (and may still refuse some arguments).
    Served(Handler),
    /// Accepted: returns 0 and changes nothing.
    Ignored,
    /// Not offered, with an error code its callers expect and work around
    /// (the C library and Rust's std fall back); never traced.
    Unsupported(i32),
    /// Not allowed: fails with this error code and no effect, and is
    /// printed when `LANG_KVM_TRACE` is set.
    Refused(i32),
}

/// The class of every number the table does not list.
pub const UNLISTED: Class = Class::Refused(libc::ENOSYS);

/// What a system call is about, for the spec's grouping.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Area {
    Files,
    Memory,
    Threads,
    Signals,
    Time,
    Process,
    Network,
}

// The areas, names and docs serve the spec's tables, which only the
// tests generate.
#[cfg_attr(not(test), allow(dead_code))]
impl Area {
    /// Every area, in the spec's order.
    pub const ALL: [Area; 7] = [
        Area::Files,
        Area::Memory,
        Area::Threads,
        Area::Signals,
        Area::Time,
        Area::Process,
        Area::Network,
    ];

    /// The area's heading in the spec.
    pub fn title(self) -> &'static str {
        match self {
            Area::Files => "Files and standard streams",
            Area::Memory => "Its memory",
            Area::Threads => "Its threads",
            Area::Signals => "Signals",
            Area::Time => "Time",
            Area::Process => "Process information",
            Area::Network => "Network",
        }
    }

    /// What holds for every call of the area, for the spec.
    pub fn doc(self) -> &'static str {
        match self {
            Area::Files => {
                "The guest reaches its standard streams (fds 0-2: reads from the host \
                 process's fd 0, writes to its fds 1 and 2) and, read-only, the one \
                 program file the CLI passes (`GuestConfig::readable_file`), under the \
                 name described in \"The program file\" below; every access to that file \
                 is served from one host descriptor opened before the guest starts."
            }
            Area::Memory => "Served from guest RAM (see Memory below).",
            Area::Threads => {
                "Each thread is a vCPU on its own host thread; futexes are host \
                 condition variables; thread exit clears and wakes the \
                 CLONE_CHILD_CLEARTID word, as pthread_join needs."
            }
            Area::Signals => "No signal is ever delivered.",
            Area::Time => {
                "Host clocks. A timespec with negative seconds or nanoseconds outside \
                 0-999,999,999 is `EINVAL` (nanosleep, clock_nanosleep, ppoll, futex); a \
                 valid one too long for the host's clock (up to INT64_MAX seconds) means \
                 for ever: the thread waits until woken or until the guest is stopped."
            }
            Area::Process => {
                "Synthetic answers, except the user and group ids and the random bytes, \
                 which are the host's."
            }
            Area::Network => "The guest has no network.",
        }
    }
}

/// One system call of the table.
#[cfg_attr(not(test), allow(dead_code))]
pub struct Syscall {
    pub nr: i64,
    /// The libc constant's name, `SYS_` and the call's name.
    constant: &'static str,
    pub area: Area,
    pub class: Class,
    pub doc: &'static str,
}

#[cfg_attr(not(test), allow(dead_code))]
impl Syscall {
    /// The call's name, as in `man 2`.
    pub fn name(&self) -> &'static str {
        self.constant.strip_prefix("SYS_").unwrap_or(self.constant)
    }
}

/// Builds `SYSCALLS` from lines `[SYS_a, SYS_b]: Area, class, "doc";`.
/// The number and the name of each call come from the one libc constant,
/// so they cannot disagree.
macro_rules! syscalls {
    ($( [$($sys:ident),+ $(,)?]: $area:ident, $class:expr, $doc:expr; )*) => {
        /// Every system call the host knows, by area.
        pub const SYSCALLS: &[Syscall] = &[$($(
            Syscall {
                nr: libc::$sys,
                constant: stringify!($sys),
                area: Area::$area,
                class: $class,
                doc: $doc,
            },
        )+)*];
    };
}

use libc::{EACCES, ENOENT, ENOMEM, ENOSYS, EPERM};
use Class::{Ignored, Refused, Served, Unsupported};

/// The doc of tgkill and tkill.
const THREAD_SIGNALS: &str = "As kill, to one of its own running threads; any other tid or \
    tgid: `ESRCH`; ids of 0 or less: `EINVAL`.";

/// The doc of the four user and group id calls.
const HOST_IDS: &str = "The host's.";

syscalls! {
    [SYS_read]: Files, Served(streams::read),
        "Reads stdin or the program file at the descriptor's offset, at most 64 KiB per call.";
    [SYS_pread64]: Files, Served(streams::pread64),
        "Reads the program file at an offset, leaving the descriptor's own; stdin: `ESPIPE`.";
    [SYS_readv]: Files, Served(streams::readv),
        "As read, scattered over at most 1024 iovecs (more: `EFAULT`).";
    [SYS_write]: Files, Served(streams::write),
        "Writes stdout or stderr, at most 64 KiB per call; other descriptors: `EBADF`.";
    [SYS_writev]: Files, Served(streams::writev),
        "As write, gathered from at most 1024 iovecs (more: `EFAULT`).";
    [SYS_open]: Files, Served(files::open),
        "Opens the program file read-only. Any other path, or the program file for writing, \
         creating, truncating or appending: `EACCES`; an empty path: `ENOENT`; more than 256 \
         descriptors: `EMFILE`.";
    [SYS_openat]: Files, Served(files::openat),
        "As open. A relative path with a `dirfd` other than AT_FDCWD: `ENOTDIR` if `dirfd` is \
         open (the guest has no directory descriptors), else `EBADF`; an absolute path \
         ignores `dirfd`.";
    [SYS_close]: Files, Served(files::close),
        "Closes any open descriptor, the streams too.";
    [SYS_lseek]: Files, Served(files::lseek),
        "Moves a program-file descriptor's offset (SEEK_SET, SEEK_CUR, SEEK_END; a result \
         below 0 or beyond INT64_MAX: `EINVAL`); a stream: `ESPIPE`.";
    [SYS_fstat]: Files, Served(files::fstat),
        "The program file as a regular file of mode 0444 with its size and mtime; a stream \
         reveals only its host file type (so stdio buffers as natively).";
    [SYS_stat, SYS_lstat]: Files, Served(files::stat),
        "As fstat, of the program file by name; any other path: `EACCES`.";
    [SYS_newfstatat]: Files, Served(files::newfstatat),
        "As stat, with `dirfd` as for openat; AT_EMPTY_PATH with an empty path is fstat of \
         `dirfd`.";
    [SYS_access]: Files, Served(files::access),
        "R_OK and F_OK of the program file; W_OK or X_OK of it, or any other path: `EACCES`; \
         other mode bits: `EINVAL`.";
    [SYS_faccessat, SYS_faccessat2]: Files, Served(files::faccessat),
        "As access, with `dirfd` as for openat (faccessat2's flags change nothing).";
    [SYS_ioctl]: Files, Served(streams::ioctl),
        "TCGETS and TIOCGWINSZ on fds 0-2, answered from the host stream (read-only), so \
         `isatty` matches a native run; nothing can be set; other requests: `ENOTTY`.";
    [SYS_fcntl]: Files, Served(streams::fcntl),
        "F_GETFL; F_GETFD, F_SETFD and F_SETFL accepted with no effect; other commands: \
         `EINVAL`.";
    [SYS_poll]: Files, Served(streams::poll),
        "At most 256 pollfds (more: `EINVAL`); the streams are polled on the host, the \
         program file is always ready.";
    [SYS_ppoll]: Files, Served(streams::ppoll),
        "As poll, with a timespec timeout; the signal mask is ignored.";
    [SYS_readlink, SYS_readlinkat]: Files, Unsupported(ENOENT),
        "The guest's view holds no symbolic links, not even `/proc/self/exe`.";
    [SYS_statx]: Files, Unsupported(ENOSYS),
        "Callers fall back to fstat.";
    [SYS_pipe, SYS_pipe2]: Files, Refused(EPERM),
        "The guest has no pipes.";
    [
        SYS_unlink, SYS_unlinkat, SYS_rmdir, SYS_rename, SYS_renameat, SYS_renameat2,
        SYS_mkdir, SYS_mkdirat, SYS_mknod, SYS_mknodat, SYS_link, SYS_linkat, SYS_symlink,
        SYS_symlinkat, SYS_creat, SYS_truncate, SYS_ftruncate, SYS_fallocate, SYS_chmod,
        SYS_fchmod, SYS_fchmodat, SYS_fchmodat2, SYS_chown, SYS_fchown, SYS_lchown, SYS_fchownat, SYS_utime,
        SYS_utimes, SYS_utimensat, SYS_futimesat, SYS_setxattr, SYS_lsetxattr, SYS_fsetxattr,
        SYS_removexattr, SYS_lremovexattr, SYS_fremovexattr, SYS_mount, SYS_umount2,
        SYS_pivot_root, SYS_chroot, SYS_swapon, SYS_swapoff, SYS_fsopen, SYS_fsconfig,
        SYS_fsmount, SYS_move_mount, SYS_open_tree, SYS_mount_setattr, SYS_chdir, SYS_fchdir,
    ]: Files, Refused(EACCES),
        "Every change to the file system: names, contents, metadata, mounts (also the new \
         mount API), the working or root directory.";

    [SYS_mmap]: Memory, Served(memory::mmap),
        "Anonymous mappings, also MAP_FIXED and MAP_FIXED_NOREPLACE, with any protection \
         but writable and executable at once (W^X: `EACCES`, as under SELinux's execmem \
         rule; JITs write code, then mprotect it to read and execute); file-backed: \
         `EACCES` (read the program file instead).";
    [SYS_munmap]: Memory, Served(memory::munmap),
        "Unmaps and frees the frames.";
    [SYS_mprotect]: Memory, Served(memory::mprotect),
        "Changes protections of a mapped range; writable and executable at once: `EACCES` \
         (W^X), leaving the range as it was. Rights taken away hold from the call's return \
         (cached translations are dropped), so code made executable can no longer be \
         written.";
    [SYS_madvise]: Memory, Served(memory::madvise),
        "MADV_DONTNEED frees the frames (they read as zero again); other advice is ignored.";
    [SYS_brk]: Memory, Served(memory::brk),
        "Moves the program break.";
    [SYS_mlock, SYS_munlock, SYS_msync]: Memory, Ignored,
        "Guest RAM is never swapped out and no mapping is file-backed.";
    [SYS_mremap]: Memory, Unsupported(ENOMEM),
        "glibc falls back to a new mapping and a copy.";

    [SYS_clone]: Threads, Served(threads::clone),
        "Threads only: CLONE_VM|CLONE_THREAD|CLONE_SIGHAND (with SETTLS, PARENT_SETTID, \
         CHILD_SETTID, CHILD_CLEARTID); without them (a new process): `EPERM`; past 200 \
         threads: `EAGAIN`.";
    [SYS_futex]: Threads, Served(threads::futex),
        "WAIT, WAKE, WAIT_BITSET and WAKE_BITSET, private or not, with timeouts; other \
         operations: `ENOSYS`.";
    [SYS_set_tid_address]: Threads, Served(threads::set_tid_address),
        "Sets the word cleared and woken at thread exit; returns the tid.";
    [SYS_set_robust_list]: Threads, Ignored,
        "No robust futex list is kept.";
    [SYS_exit]: Threads, Served(threads::exit),
        "Ends the calling thread; the last one ends the guest.";
    [SYS_exit_group]: Threads, Served(threads::exit_group),
        "Ends the guest with this status.";
    [SYS_gettid]: Threads, Served(threads::gettid),
        "The calling thread's id.";
    [SYS_sched_yield]: Threads, Served(threads::sched_yield),
        "Yields the host thread.";
    [SYS_sched_getaffinity]: Threads, Served(threads::sched_getaffinity),
        "A mask of the host's CPUs (at most 64).";
    [SYS_sched_setaffinity]: Threads, Ignored,
        "Host threads run where the host schedules them.";
    [SYS_getcpu]: Threads, Served(threads::getcpu),
        "CPU 0 on node 0.";
    [SYS_arch_prctl]: Threads, Served(threads::arch_prctl),
        "SET_FS and SET_GS (below the top of user space, else `EPERM`), GET_FS and GET_GS; \
         other codes: `EINVAL`.";
    [SYS_prctl]: Threads, Served(threads::prctl),
        "PR_SET_NAME accepted and forgotten, PR_GET_NAME says `lang`; other options: \
         `EINVAL`.";
    [SYS_clone3]: Threads, Unsupported(ENOSYS),
        "glibc falls back to clone.";
    [SYS_rseq]: Threads, Unsupported(ENOSYS),
        "glibc runs without restartable sequences.";
    [SYS_get_robust_list]: Threads, Unsupported(ENOSYS),
        "No robust futex list is kept.";
    [SYS_membarrier]: Threads, Unsupported(ENOSYS),
        "Callers fall back to their own fences.";

    [SYS_rt_sigaction]: Signals, Served(signals::rt_sigaction),
        "Accepted and ignored; the old action reads as SIG_DFL.";
    [SYS_rt_sigprocmask]: Signals, Served(signals::rt_sigprocmask),
        "Accepted and ignored; the old mask reads as empty.";
    [SYS_sigaltstack]: Signals, Served(signals::sigaltstack),
        "Accepted and ignored; the old stack reads as disabled.";
    [SYS_kill]: Signals, Served(signals::kill),
        "To its own pid (or 0), a fatal signal ends the guest as that signal would (abort() \
         exits 134) and any other does nothing; another pid: `EPERM`; a signal outside 0-64: \
         `EINVAL`.";
    [SYS_tgkill]: Signals, Served(signals::tgkill),
        THREAD_SIGNALS;
    [SYS_tkill]: Signals, Served(signals::tkill),
        THREAD_SIGNALS;

    [SYS_clock_gettime]: Time, Served(time::clock_gettime),
        "Clocks 0-7 (CLOCK_REALTIME to CLOCK_BOOTTIME); any other: `EINVAL`.";
    [SYS_clock_getres]: Time, Served(time::clock_getres),
        "One nanosecond.";
    [SYS_gettimeofday]: Time, Served(time::gettimeofday),
        "CLOCK_REALTIME in microseconds; the timezone is left alone.";
    [SYS_time]: Time, Served(time::time),
        "CLOCK_REALTIME in seconds.";
    [SYS_nanosleep]: Time, Served(time::nanosleep),
        "Sleeps on the host.";
    [SYS_clock_nanosleep]: Time, Served(time::clock_nanosleep),
        "On CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME, relative or TIMER_ABSTIME; any \
         other clock: `EINVAL`.";

    [SYS_getpid]: Process, Served(process::getpid),
        "1000.";
    [SYS_getppid]: Process, Served(process::getppid),
        "1.";
    [SYS_getuid]: Process, Served(process::getuid),
        HOST_IDS;
    [SYS_geteuid]: Process, Served(process::geteuid),
        HOST_IDS;
    [SYS_getgid]: Process, Served(process::getgid),
        HOST_IDS;
    [SYS_getegid]: Process, Served(process::getegid),
        HOST_IDS;
    [SYS_uname]: Process, Served(process::uname),
        "Fixed: Linux, lang-kvm, 6.1.0-lang-kvm, x86_64.";
    [SYS_sysinfo]: Process, Served(process::sysinfo),
        "RAM is the memory limit, free RAM what the guest has not used of it.";
    [SYS_getcwd]: Process, Served(process::getcwd),
        "`/`; a buffer of less than 2 bytes: `ERANGE`.";
    [SYS_getrlimit]: Process, Served(process::getrlimit),
        "RLIMIT_STACK, RLIMIT_NOFILE (256), RLIMIT_AS (the memory limit), the others \
         unlimited; resources from 16 up: `EINVAL`.";
    [SYS_prlimit64]: Process, Served(process::prlimit64),
        "As getrlimit, read only: with a new limit `EPERM`, of another pid `ESRCH`.";
    [SYS_getrandom]: Process, Served(process::getrandom),
        "Host random bytes (as AT_RANDOM), at most 64 KiB per call.";
    [SYS_setrlimit]: Process, Refused(EPERM),
        "Limits cannot be changed.";
    [SYS_fork, SYS_vfork]: Process, Refused(EPERM),
        "No new processes (clone without CLONE_VM|CLONE_THREAD|CLONE_SIGHAND neither).";
    [SYS_wait4]: Process, Refused(EPERM),
        "There are no child processes.";
    [SYS_setuid, SYS_setgid]: Process, Refused(EPERM),
        "Ids cannot change.";
    [SYS_execve, SYS_execveat, SYS_ptrace]: Process, Refused(EACCES),
        "No other program can be run or traced.";

    [
        SYS_socket, SYS_socketpair, SYS_connect, SYS_bind, SYS_listen, SYS_accept,
        SYS_accept4,
    ]: Network, Refused(EACCES),
        "Sockets of every kind.";
}

/// Numbers the lookup index covers. Every x86-64 system call number is
/// below it (the highest libc knows, mseal, is 462); numbers above get
/// `UNLISTED` without a look.
const INDEXED: usize = 512;

/// Marks a number the table does not list in `INDEX`.
const NOT_LISTED: u16 = u16::MAX;

/// The position in `SYSCALLS` of each number below `INDEXED`. Built at
/// compile time, which also checks that each number is listed once and
/// is below `INDEXED`.
const INDEX: [u16; INDEXED] = build_index();

const fn build_index() -> [u16; INDEXED] {
    assert!(
        SYSCALLS.len() < NOT_LISTED as usize,
        "too many system calls"
    );
    let mut index = [NOT_LISTED; INDEXED];
    let mut i = 0;
    while i < SYSCALLS.len() {
        let nr = SYSCALLS[i].nr;
        assert!(
            nr >= 0 && (nr as usize) < INDEXED,
            "a number outside the index"
        );
        assert!(
            index[nr as usize] == NOT_LISTED,
            "a system call listed twice"
        );
        index[nr as usize] = i as u16;
        i += 1;
    }
    index
}

/// The table's entry for `nr`, if it lists one.
pub fn lookup(nr: i64) -> Option<&'static Syscall> {
    let at = *INDEX.get(usize::try_from(nr).ok()?)?;
    SYSCALLS.get(usize::from(at))
}

/// What the host does with system call `nr`.
pub fn class_of(nr: i64) -> Class {
    lookup(nr).map_or(UNLISTED, |s| s.class)
}
