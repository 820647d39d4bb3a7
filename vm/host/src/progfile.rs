//! The program file, opened once by the host before the guest starts.
//!
//! The guest never makes the host open anything by name: `run_guest` opens
//! the configured path here, once, and every guest `open`, `stat` and `read`
//! of the program file is served from that one descriptor (reads with
//! `pread`, at an offset each guest descriptor keeps for itself). Swapping a
//! symlink or renaming files during the run cannot change what the guest
//! reads. Only a regular file on a real file system is accepted: a FIFO
//! would block the host, a device can be endless, a directory cannot be
//! read, and the files of `/proc` or `/sys` would hand the guest the host's
//! own state (`/proc/self/environ`, `/proc/self/mem`).

use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

/// Magic numbers (`statfs.f_type`) of the kernel's pseudo file systems,
/// whose "regular files" describe or expose the running system rather than
/// hold data: proc, sysfs, debugfs, tracefs, securityfs, cgroup, cgroup2,
/// configfs, efivarfs, bpf, pstore.
const PSEUDO_FILE_SYSTEMS: [i64; 11] = [
    0x9fa0,
    0x6265_6572,
    0x6462_6720,
    0x7472_6163,
    0x7363_6673,
    0x0027_e0eb,
    0x6367_7270,
    0x6265_6570,
    0xde5e_81e4,
    0xcafe_4a11,
    0x6165_676c,
];

/// The one file the guest may read.
#[derive(Debug)]
pub struct ProgramFile {
    file: File,
}

/// What `stat` tells the guest about the program file.
#[derive(Debug, Clone, Copy)]
pub struct FileInfo {
    pub size: u64,
    pub mtime: i64,
}

impl ProgramFile {
    /// Opens `path` read-only and checks that it is a regular file on a
    /// real file system. The open does not block (O_NONBLOCK: a FIFO is
    /// refused, not waited on); the message says what is wrong.
    pub fn open(path: &Path) -> Result<ProgramFile, String> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)
            .map_err(|e| reason(&e))?;
        let meta = file.metadata().map_err(|e| reason(&e))?;
        if !meta.file_type().is_file() {
            let kind = if meta.is_dir() {
                "a directory"
            } else {
                "not a regular file"
            };
            return Err(kind.to_string());
        }
        if on_pseudo_file_system(&file) {
            return Err(
                "a file of the kernel's proc or sys file systems, not a regular file".into(),
            );
        }
        Ok(ProgramFile { file })
    }

    /// Reads at `offset` into `buf`; the descriptor's own offset is never
    /// used, so guest descriptors do not share a position.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, i32> {
        self.file
            .read_at(buf, offset)
            .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))
    }

    /// Size and modification time, from the open descriptor.
    pub fn info(&self) -> Result<FileInfo, i32> {
        let m = self
            .file
            .metadata()
            .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
        Ok(FileInfo {
            size: m.len(),
            mtime: m.mtime(),
        })
    }
}

fn on_pseudo_file_system(file: &File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: fstatfs writes into a zeroed statfs of the right type, for a
    // descriptor this function borrows.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatfs(file.as_raw_fd(), &mut st) } != 0 {
        // Not knowing where the file lives is no reason to trust it.
        return true;
    }
    PSEUDO_FILE_SYSTEMS.contains(&(st.f_type as i64))
}

/// The OS reason without Rust's "(os error N)" suffix.
fn reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
