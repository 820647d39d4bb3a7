//! The build identity: which sources this `lang` was built from, and the
//! check that a `--kvm` guest was built from the same ones.
//!
//! `build.rs` hashes the sources into `LANG_BUILD_ID`; every `lang` binary
//! carries it as one record of bytes, `lang-build-id:<32 hex digits>;`. The
//! guest is a separate (static) build of `lang`, so a stale guest would run
//! other code than the host expects, under other rules; the host looks for
//! its own record in the guest file before starting it.

use memchr::memmem;
use std::io::Read;
use std::path::Path;

/// This binary's record. The search below uses it as its needle, so every
/// `lang` binary holds its own record in one piece.
pub const RECORD: &str = concat!("lang-build-id:", env!("LANG_BUILD_ID"), ";");

/// How much of the guest file is read at a time.
const CHUNK: usize = 1 << 20;

/// Why a guest does not match this build.
pub enum Mismatch {
    /// The file holds no record of this build (built from other sources,
    /// or not a `lang` at all).
    Different,
    /// The file cannot be read, or is not a regular file.
    Unreadable(String),
}

/// Checks that the file at `guest` holds this build's record. Reads it in
/// chunks (memory stays at about two chunks whatever its size), and only
/// if it is a regular file, so that a FIFO or device cannot stall or
/// exhaust the check.
pub fn check_guest(guest: &Path) -> Result<(), Mismatch> {
    let unreadable = |e: std::io::Error| Mismatch::Unreadable(e.to_string());
    let mut file = std::fs::File::open(guest).map_err(unreadable)?;
    if !file.metadata().map_err(unreadable)?.is_file() {
        return Err(Mismatch::Unreadable("not a regular file".into()));
    }
    let needle = RECORD.as_bytes();
    let finder = memmem::Finder::new(needle);
    let keep = needle.len() - 1;
    let mut window: Vec<u8> = Vec::with_capacity(CHUNK + keep);
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = file.read(&mut chunk).map_err(unreadable)?;
        if n == 0 {
            return Err(Mismatch::Different);
        }
        window.extend_from_slice(&chunk[..n]);
        if finder.find(&window).is_some() {
            return Ok(());
        }
        // Keep the tail: a record may straddle two chunks.
        let cut = window.len().saturating_sub(keep);
        window.drain(..cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file holding `bytes`, removed when dropped.
    struct Scratch(std::path::PathBuf);

    impl std::ops::Deref for Scratch {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn scratch(name: &str, bytes: &[u8]) -> Scratch {
        let p = std::env::temp_dir().join(format!("lang-build-id-{}-{name}", std::process::id()));
        std::fs::write(&p, bytes).unwrap();
        Scratch(p)
    }

    #[test]
    fn a_record_anywhere_matches_even_across_chunks() {
        let mut bytes = vec![0u8; CHUNK - 5];
        bytes.extend_from_slice(RECORD.as_bytes());
        bytes.extend_from_slice(&[1u8; 100]);
        assert!(check_guest(&scratch("straddle", &bytes)).is_ok());
    }

    #[test]
    fn another_identity_or_none_is_different() {
        let other = RECORD.replace("lang-build-id:", "lang-build-id:x");
        assert!(matches!(
            check_guest(&scratch("other", other.as_bytes())),
            Err(Mismatch::Different)
        ));
        assert!(matches!(
            check_guest(&scratch("empty", b"")),
            Err(Mismatch::Different)
        ));
        assert!(matches!(
            check_guest(Path::new("/dev/zero")),
            Err(Mismatch::Unreadable(_))
        ));
    }
}
