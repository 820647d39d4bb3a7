//! System calls on names and descriptors of files: open, close, seek,
//! stat and access. The only file the guest can name is the program file
//! (`policy.rs` resolves guest paths); the host never opens anything by a
//! name the guest gives.

use super::fds::Fd;
use super::{err, Action, Call};
use crate::addrspace::Fault;
use crate::policy::NotFound;
use crate::progfile::ProgramFile;
use crate::vcpu::{lock, Guest};

/// Longest guest path read (PATH_MAX): longer ones fail with EFAULT, as
/// an unterminated string does.
const MAX_PATH: usize = 4096;

/// Reads the NUL-terminated guest path at `at`.
fn guest_path(g: &Guest, at: u64) -> Result<Vec<u8>, Fault> {
    lock(&g.aspace).read_cstr(at, MAX_PATH)
}

/// The program file, if `path` relative to `dirfd` names it, as the `*at`
/// calls resolve: an absolute path ignores `dirfd`; a relative one is
/// resolved against the guest's working directory `/` for AT_FDCWD, and
/// fails with ENOTDIR for any open descriptor (the guest has no directory
/// descriptors) and EBADF for any other number.
fn resolve_at<'g>(g: &'g Guest, dirfd: i32, path: &[u8]) -> Result<&'g ProgramFile, i32> {
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

/// open(path, flags).
pub fn open(c: &mut Call) -> Action {
    open_at(c.g, libc::AT_FDCWD, c.a[0], c.a[1])
}

/// openat(dirfd, path, flags).
pub fn openat(c: &mut Call) -> Action {
    open_at(c.g, c.a[0] as i32, c.a[1], c.a[2])
}

fn open_at(g: &Guest, dirfd: i32, path: u64, flags: u64) -> Action {
    let p = tryf!(guest_path(g, path));
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

/// close(fd).
pub fn close(c: &mut Call) -> Action {
    let fd = c.a[0] as i32;
    match lock(&c.g.files).fds.remove(&fd) {
        Some(_) => Action::Ret(0),
        None => err(libc::EBADF),
    }
}

/// lseek(fd, offset, whence).
pub fn lseek(c: &mut Call) -> Action {
    let (g, fd, off, whence) = (c.g, c.a[0], c.a[1] as i64, c.a[2]);
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

fn program_stat(file: &ProgramFile) -> Result<[u8; 144], i32> {
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

/// fstat(fd, statbuf).
pub fn fstat(c: &mut Call) -> Action {
    fstat_fd(c.g, c.a[0] as i32, c.a[1])
}

fn fstat_fd(g: &Guest, fd: i32, out: u64) -> Action {
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

/// newfstatat(dirfd, path, statbuf, flags).
pub fn newfstatat(c: &mut Call) -> Action {
    let path = tryf!(guest_path(c.g, c.a[1]));
    if path.is_empty() && c.a[3] & libc::AT_EMPTY_PATH as u64 != 0 {
        fstat_fd(c.g, c.a[0] as i32, c.a[2])
    } else {
        stat_path(c.g, c.a[0] as i32, &path, c.a[2])
    }
}

/// stat(path, statbuf) and lstat (there are no symbolic links to tell
/// apart).
pub fn stat(c: &mut Call) -> Action {
    let path = tryf!(guest_path(c.g, c.a[0]));
    stat_path(c.g, libc::AT_FDCWD, &path, c.a[1])
}

/// access(path, mode).
pub fn access(c: &mut Call) -> Action {
    let path = tryf!(guest_path(c.g, c.a[0]));
    access_at(c.g, libc::AT_FDCWD, &path, c.a[1])
}

/// faccessat(dirfd, path, mode) and faccessat2 (whose flags change nothing
/// for the one read-only file).
pub fn faccessat(c: &mut Call) -> Action {
    let path = tryf!(guest_path(c.g, c.a[1]));
    access_at(c.g, c.a[0] as i32, &path, c.a[2])
}

fn access_at(g: &Guest, dirfd: i32, path: &[u8], mode: u64) -> Action {
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
