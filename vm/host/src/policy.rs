//! What the guest may reach outside its own memory: its standard streams
//! and, read-only, the one program file it was given. Everything else the
//! system-call layer refuses (see `spec/host-mode.md`).

use std::ffi::OsStr;
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// The guest's file-system rights.
pub struct Policy {
    readable: Option<PathBuf>,
    normalized: Option<PathBuf>,
}

/// Lexical normalisation (no file-system access): absolute against the
/// host's working directory, `.` dropped, `..` applied.
fn normalize(p: &Path) -> Option<PathBuf> {
    let base = if p.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir().ok()?
    };
    let mut out = base;
    for c in p.components() {
        match c {
            Component::RootDir => out.push("/"),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

impl Policy {
    pub fn new(readable: Option<PathBuf>) -> Policy {
        let normalized = readable.as_deref().and_then(normalize);
        Policy {
            readable,
            normalized,
        }
    }

    /// True if `guest_path` names the program file. The guest's string is
    /// only compared, never used to open anything.
    pub fn is_readable(&self, guest_path: &[u8]) -> bool {
        let Some(allowed) = &self.readable else {
            return false;
        };
        if guest_path.is_empty() || guest_path.contains(&0) {
            return false;
        }
        let p = Path::new(OsStr::from_bytes(guest_path));
        if p == allowed.as_path() {
            return true;
        }
        match (&self.normalized, normalize(p)) {
            (Some(a), Some(b)) => *a == b,
            _ => false,
        }
    }

    /// Opens the program file read-only (by the configured path).
    pub fn open_readable(&self) -> std::io::Result<File> {
        match &self.readable {
            Some(p) => File::open(p),
            None => Err(std::io::Error::from_raw_os_error(libc::EACCES)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_program_file_matches() {
        let p = Policy::new(Some(PathBuf::from("/tmp/x/prog.src")));
        assert!(p.is_readable(b"/tmp/x/prog.src"));
        assert!(p.is_readable(b"/tmp/x/./prog.src"));
        assert!(p.is_readable(b"/tmp/y/../x/prog.src"));
        assert!(!p.is_readable(b"/etc/passwd"));
        assert!(!p.is_readable(b"/tmp/x/prog.src\0"));
        assert!(!p.is_readable(b""));
        assert!(!Policy::new(None).is_readable(b"/tmp/x/prog.src"));
    }
}
