//! Snapshots of running programs (`spec/snapshot.md`): a portable image
//! of a run's state taken at a safepoint, and a resume from one.
//!
//! - `image`: the image as data and its byte form (encode, decode).
//! - `capture`: a running program's state as an image (canonical).
//! - `check`: an image checked against its program (untrusted input).
//! - `restore`: a checked image's state rebuilt in a fresh heap.
//!
//! Snapshots are taken at loop back edges of interpreted code, only while
//! no native is calling back into bytecode. A run that may snapshot runs
//! interpreted only (its JIT is turned off), so every frame is an
//! interpreter frame when it saves.

mod capture;
mod check;
pub mod image;
mod restore;

pub use check::check;
pub use image::Image;
pub use restore::restore;

use crate::interp::Vm;
use crate::trap::{internal, Trap};
use std::io::Write;
use std::path::{Path, PathBuf};

/// When a run saves an image, and where to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotRequest {
    /// The file the image is written to.
    pub path: PathBuf,
    /// At which safepoint (1 = the first loop back edge the run takes)
    /// the image is written; the run then ends with exit code 0.
    pub at_safepoint: u64,
}

/// A run's pending snapshot.
pub(crate) struct SnapshotPlan {
    pub request: SnapshotRequest,
    /// Safepoints still to pass before saving.
    pub countdown: u64,
    /// The module's `.bc` bytes, embedded in the image.
    pub code: Vec<u8>,
}

impl Vm<'_> {
    /// Called at a safepoint (the innermost frame's pc already set to where
    /// it goes on): saves the image when it is due, then ends the run.
    #[cold]
    pub(crate) fn at_safepoint(&mut self) -> Result<(), Trap> {
        if self.native_depth > 0 {
            return Ok(());
        }
        let Some(plan) = self.snapshot.as_mut() else {
            return Ok(());
        };
        plan.countdown = plan.countdown.saturating_sub(1);
        if plan.countdown > 0 {
            return Ok(());
        }
        let Some(plan) = self.snapshot.take() else {
            return Ok(());
        };
        self.host.out.flush();
        let host = image::HostState {
            stdout_bytes: self.host.out.total(),
            stdin_lines: self.host.lines_read,
            clock_nanos: self.host.clock_nanos(),
        };
        let img = capture::capture(&self.state, &plan.code, host)
            .map_err(|e| internal(format!("snapshot: {e}")))?;
        write_atomically(&plan.request.path, &img.encode()).map_err(|e| {
            Trap::Error(Box::new(crate::trap::TrapKind::Panic(
                format!(
                    "cannot write the snapshot {}: {e}",
                    plan.request.path.display()
                )
                .into(),
            )))
        })?;
        Err(Trap::Exit(0))
    }
}

/// Writes `bytes` to `path` so that a crash never leaves a half-written
/// image there: to a temporary file beside it, synced, then renamed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// A one-paragraph description of an image (for `lang image info`).
pub fn describe(img: &Image) -> String {
    format!(
        "lang image, format version {}\n  code: {} bytes of .bc\n  globals: {}\n  frames: {}\n  objects: {}\n  stdout written: {} bytes\n  stdin lines read: {}\n  clock: {:.6} s\n",
        image::VERSION,
        img.code.len(),
        img.globals.len(),
        img.frames.len(),
        img.objects.len(),
        img.host.stdout_bytes,
        img.host.stdin_lines,
        img.host.clock_nanos as f64 / 1e9
    )
}
