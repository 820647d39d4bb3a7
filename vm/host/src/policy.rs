//! What the guest may reach outside its own memory: its standard streams
//! and, read-only, the one program file it was given. Everything else the
//! system-call layer refuses (see `spec/host-mode.md`).
//!
//! Guest paths name things in the guest's own view of the file system,
//! which holds the program file and the directories on the way to it and
//! nothing else. The guest's working directory is `/` (what `getcwd`
//! says), so a relative guest path is resolved against `/`; the name the
//! program file has in the guest is the configured path resolved the same
//! way, so the name the CLI passes to the guest always names the file (a
//! relative CLI path `d/p.src` is `/d/p.src` in the guest). Resolution is
//! strict, as the kernel's: every component but the last must be a
//! directory of that view, so `d/missing/../p.src`, `p.src/` and
//! `p.src/.` name nothing. The guest's string is only compared, never used
//! to open anything.

use crate::progfile::ProgramFile;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The guest's view of the program file's name.
#[derive(Debug)]
struct GuestName {
    /// The file, as an absolute normal path (components joined by `/`).
    file: Vec<u8>,
    /// Directories of the guest's view: `/` and every directory the
    /// configured path walks through, as absolute normal paths.
    dirs: Vec<Vec<u8>>,
}

/// Why a guest path does not name the program file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotFound {
    /// It names nothing the guest may see (EACCES).
    Denied,
    /// It is empty (ENOENT).
    Empty,
}

/// The guest's file-system rights.
pub struct Policy {
    program: Option<(ProgramFile, GuestName)>,
}

/// Walks `path` from `/`, one component at a time; `through` says whether
/// a directory may be walked through (None: any). Returns the absolute
/// normal path and whether it ended in a directory-only form (a trailing
/// `/`, `.` or `..`), or None if it passed through a non-directory.
fn walk(path: &[u8], through: &mut dyn FnMut(&[u8]) -> bool) -> Option<(Vec<u8>, bool)> {
    let mut cur: Vec<u8> = Vec::new();
    let mut dir_form = false;
    let parts: Vec<&[u8]> = path
        .split(|b| *b == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    for part in &parts {
        if !through(&cur) {
            return None;
        }
        match *part {
            b"." => dir_form = true,
            b".." => {
                dir_form = true;
                let cut = cur.iter().rposition(|b| *b == b'/').unwrap_or(0);
                cur.truncate(cut);
            }
            name => {
                dir_form = false;
                cur.push(b'/');
                cur.extend_from_slice(name);
            }
        }
    }
    if path.ends_with(b"/") {
        dir_form = true;
    }
    Some((cur, dir_form))
}

impl GuestName {
    /// The guest's name for the configured path (as the CLI passes it).
    fn of(configured: &Path) -> Option<GuestName> {
        let bytes = configured.as_os_str().as_bytes();
        let mut dirs: Vec<Vec<u8>> = Vec::new();
        let (file, dir_form) = walk(bytes, &mut |d| {
            dirs.push(d.to_vec());
            true
        })?;
        if dir_form || file.is_empty() {
            return None;
        }
        Some(GuestName { file, dirs })
    }

    fn names(&self, guest_path: &[u8]) -> bool {
        matches!(
            walk(guest_path, &mut |d| self.dirs.iter().any(|k| k == d)),
            Some((p, false)) if p == self.file
        )
    }
}

impl Policy {
    /// No readable file at all.
    pub fn none() -> Policy {
        Policy { program: None }
    }

    /// The program file, opened once, under the guest name `configured`
    /// resolves to. Err: why the path cannot be the program file.
    pub fn with_program(configured: &Path) -> Result<Policy, String> {
        let name = GuestName::of(configured)
            .ok_or("the path does not name a file (it ends in `/`, `.` or `..`)")?;
        let file = ProgramFile::open(configured)?;
        Ok(Policy {
            program: Some((file, name)),
        })
    }

    /// The program file, if `guest_path` names it in the guest's view.
    pub fn lookup(&self, guest_path: &[u8]) -> Result<&ProgramFile, NotFound> {
        if guest_path.is_empty() {
            return Err(NotFound::Empty);
        }
        match &self.program {
            Some((f, name)) if !guest_path.contains(&0) && name.names(guest_path) => Ok(f),
            _ => Err(NotFound::Denied),
        }
    }

    /// The program file, for descriptors already open on it.
    pub fn program(&self) -> Option<&ProgramFile> {
        self.program.as_ref().map(|(f, _)| f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(p: &str) -> GuestName {
        GuestName::of(Path::new(p)).expect("a file name")
    }

    #[test]
    fn absolute_names_match_strictly() {
        let n = name("/tmp/x/prog.src");
        assert!(n.names(b"/tmp/x/prog.src"));
        assert!(n.names(b"/tmp/x/./prog.src"));
        assert!(n.names(b"//tmp///x/prog.src"));
        assert!(n.names(b"/tmp/x/../x/prog.src"));
        assert!(n.names(b"tmp/x/prog.src"), "relative to the guest cwd /");
        assert!(n.names(b"/../tmp/x/prog.src"), "`..` of / is /");
        assert!(!n.names(b"/tmp/y/../x/prog.src"), "y is not a directory");
        assert!(!n.names(b"/tmp/x/prog.src/"));
        assert!(!n.names(b"/tmp/x/prog.src/."));
        assert!(!n.names(b"/tmp/x/prog.src/../prog.src"));
        assert!(!n.names(b"/tmp/x"));
        assert!(!n.names(b"/etc/passwd"));
    }

    #[test]
    fn relative_names_resolve_against_the_guest_root() {
        let n = name("d/prog.src");
        assert!(n.names(b"d/prog.src"));
        assert!(n.names(b"/d/prog.src"));
        assert!(n.names(b"./d/prog.src"));
        assert!(!n.names(b"prog.src"));
        assert!(!n.names(b"d/missing/../prog.src"));
        // A configured path through `..` walks through its directories,
        // so the very string the CLI passes still names the file.
        let n = name("a/b/../p.src");
        assert!(n.names(b"a/b/../p.src"));
        assert!(n.names(b"/a/p.src"));
        let n = name("../up/p.src");
        assert!(n.names(b"../up/p.src"));
        assert!(n.names(b"/up/p.src"));
    }

    #[test]
    fn directory_forms_are_not_file_names() {
        for p in ["d/", "d/.", "d/..", "/", "", "."] {
            assert!(GuestName::of(Path::new(p)).is_none(), "{p}");
        }
    }

    #[test]
    fn without_a_program_file_nothing_matches() {
        let p = Policy::none();
        assert_eq!(p.lookup(b"/tmp/x").err(), Some(NotFound::Denied));
        assert_eq!(p.lookup(b"").err(), Some(NotFound::Empty));
    }
}
