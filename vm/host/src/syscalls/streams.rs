//! Reading, writing and polling descriptors: the standard streams go to
//! the host process's fds 0-2, the program file's descriptors to the one
//! host descriptor of `progfile.rs`. Every copy is capped at `MAX_IO`.

use super::fds::Fd;
use super::time::read_timespec;
use super::{err, Action, Call};
use crate::addrspace::Fault;
use crate::vcpu::{lock, Guest};
use std::time::Duration;

/// Largest single read or write copied through the host (longer ones
/// return short counts, which every caller of read/write must handle).
/// Each copy needs a host buffer of this size, so with 200 vCPU threads
/// copying at once host memory outside guest RAM stays within 200 x 2 x
/// 64 KiB (a writev gathers into one buffer while reading the next piece);
/// 64 KiB still moves hundreds of MB/s per exit.
pub(super) const MAX_IO: usize = 64 << 10;

/// Most iovecs of one readv or writev (IOV_MAX); more fail with EFAULT.
const MAX_IOVECS: u64 = 1024;

/// Most pollfds of one poll or ppoll; more fail with EINVAL. The guest has
/// at most 256 descriptors, so a longer list would only repeat them.
const MAX_POLLFDS: u64 = 256;

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

/// read(fd, buf, count).
pub fn read(c: &mut Call) -> Action {
    read_into(c.g, c.a[0], c.a[1], c.a[2], None)
}

/// pread64(fd, buf, count, offset).
pub fn pread64(c: &mut Call) -> Action {
    read_into(c.g, c.a[0], c.a[1], c.a[2], Some(c.a[3]))
}

fn read_into(g: &Guest, fd: u64, buf: u64, len: u64, at: Option<u64>) -> Action {
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

/// write(fd, buf, count).
pub fn write(c: &mut Call) -> Action {
    let (g, fd, buf) = (c.g, c.a[0], c.a[1]);
    let len = usize::try_from(c.a[2]).unwrap_or(MAX_IO).min(MAX_IO);
    let data = tryf!(lock(&g.aspace).read_user(buf, len));
    match write_fd(g, fd, &data) {
        Ok(()) => Action::Ret(len as i64),
        Err(e) => err(e),
    }
}

fn iovecs(g: &Guest, iov: u64, cnt: u64) -> Result<Vec<(u64, u64)>, Fault> {
    if cnt > MAX_IOVECS {
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

/// writev(fd, iov, iovcnt).
pub fn writev(c: &mut Call) -> Action {
    let (g, fd) = (c.g, c.a[0]);
    let v = tryf!(iovecs(g, c.a[1], c.a[2]));
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

/// readv(fd, iov, iovcnt).
pub fn readv(c: &mut Call) -> Action {
    let (g, fd) = (c.g, c.a[0]);
    let v = tryf!(iovecs(g, c.a[1], c.a[2]));
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

/// ioctl(fd, request, arg).
pub fn ioctl(c: &mut Call) -> Action {
    let (g, fd, req, arg) = (c.g, c.a[0] as i32, c.a[1], c.a[2]);
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

/// fcntl(fd, cmd, ...).
pub fn fcntl(c: &mut Call) -> Action {
    let (fd, cmd) = (c.a[0] as i32, c.a[1] as i32);
    let files = lock(&c.g.files);
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

/// poll(fds, nfds, timeout in ms).
pub fn poll(c: &mut Call) -> Action {
    poll_fds(c.g, c.a[0], c.a[1], c.a[2] as i32)
}

/// ppoll(fds, nfds, timeout timespec, sigmask): the mask is ignored, since
/// no signal is ever delivered.
pub fn ppoll(c: &mut Call) -> Action {
    let timeout = if c.a[2] == 0 {
        -1
    } else {
        match read_timespec(c.g, c.a[2]) {
            Ok(d) => d.as_millis().min(i32::MAX as u128) as i32,
            Err(e) => return e,
        }
    };
    poll_fds(c.g, c.a[0], c.a[1], timeout)
}

fn poll_fds(g: &Guest, fds: u64, n: u64, timeout: i32) -> Action {
    if n > MAX_POLLFDS {
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
