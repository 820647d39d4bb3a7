//! The guest's descriptor table: the three standard streams and the
//! descriptors it opened on the program file.

use std::collections::BTreeMap;

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
    pub(super) fds: BTreeMap<i32, Fd>,
}

/// Most descriptors open at once (RLIMIT_NOFILE as the guest sees it):
/// a guest that opens the program file over and over gets EMFILE instead
/// of growing the table.
pub(super) const MAX_FDS: i32 = 256;

impl FdTable {
    pub fn new() -> FdTable {
        let mut fds = BTreeMap::new();
        fds.insert(0, Fd::Stdin);
        fds.insert(1, Fd::Stdout);
        fds.insert(2, Fd::Stderr);
        FdTable { fds }
    }

    /// Opens `fd` at the lowest free number, or None if all are taken.
    pub(super) fn insert(&mut self, fd: Fd) -> Option<i32> {
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
