//! Snapshots of running programs (`spec/snapshot.md`): a portable image
//! of a run's state taken at a safepoint, and a resume from one.
//!
//! - `image`: the image as data and its byte form (encode, decode).
//! - `capture`: a running program's state as an image (canonical).
//! - `check`: an image checked against its program (untrusted input).
//! - `restore`: a checked image's state rebuilt in a fresh heap.
//! - `info`: an image loaded and checked as a whole, and described.
//!
//! - `signals`: SIGUSR1/SIGUSR2 and the checkpoint timer, which ask for
//!   an image at the next safepoint.
//!
//! Safepoints are the loop back edges and function entries of interpreted
//! code and the moments before `read_line` reads; an image is written at
//! one only while no native is calling back into bytecode. A run that may
//! snapshot runs interpreted only (its JIT is turned off), so every frame
//! is an interpreter frame when it saves. `checkpoint(path)` writes one
//! from inside its call.

mod capture;
mod check;
pub mod image;
mod info;
mod restore;
pub mod signals;

pub use check::check;
pub use image::Image;
pub use info::{load, Loaded};
pub use restore::restore;

use crate::interp::Vm;
use crate::trap::{internal, Trap, TrapKind};
use lang_bytecode::{Instr, Native};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// When a run writes its image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SnapshotWhen {
    /// At the Nth safepoint the run passes (1 = the first; 0 = the start of
    /// the run, or the point a resume starts from); the run then ends with
    /// exit code 0.
    Safepoint(u64),
    /// Just before the program first reads stdin; the run then ends with
    /// exit code 0 (a start-up snapshot).
    FirstRead,
    /// At the first safepoint after SIGUSR1 (the run goes on) or SIGUSR2
    /// (the run then ends with exit code 0).
    Signal,
    /// Every so many seconds (at the first safepoint after each period);
    /// the run goes on.
    Every(std::time::Duration),
}

/// When a run saves an image, and where to.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotRequest {
    /// The file the image is written to (each image replaces the last).
    pub path: PathBuf,
    pub when: SnapshotWhen,
}

/// A run's snapshot plan: what to do at safepoints, and the module's `.bc`
/// bytes to embed.
pub(crate) struct SnapshotPlan {
    /// `None` for a run that snapshots only when `checkpoint()` asks.
    pub request: Option<SnapshotRequest>,
    /// Safepoints still to pass before saving (`u64::MAX` when no count
    /// decides).
    pub countdown: u64,
    pub code: Vec<u8>,
}

impl SnapshotPlan {
    pub fn new(request: Option<SnapshotRequest>, code: Vec<u8>) -> SnapshotPlan {
        let countdown = match request.as_ref().map(|r| r.when) {
            Some(SnapshotWhen::Safepoint(n)) if n > 0 => n,
            _ => u64::MAX,
        };
        SnapshotPlan {
            request,
            countdown,
            code,
        }
    }
}

/// The kinds of safepoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Safepoint {
    /// A backward branch, the frame stopped at its loop head.
    BackEdge,
    /// A function's first instruction, the frame just pushed.
    Entry,
    /// A `read_line` about to read, the frame stopped at its call.
    Read,
}

impl Vm<'_> {
    /// Called at a safepoint (the innermost frame's pc already set to where
    /// it resumes): writes the image when one is due, then ends the run or
    /// goes on as the request says.
    #[inline]
    pub(crate) fn at_safepoint(&mut self, kind: Safepoint) -> Result<(), Trap> {
        let Some(plan) = self.snapshot.as_mut() else {
            return Ok(());
        };
        plan.countdown = plan.countdown.saturating_sub(1);
        let counted = plan.countdown == 0;
        if counted
            || signals::DUE.load(Ordering::Relaxed) != signals::NONE
            || kind == Safepoint::Read
        {
            self.safepoint_slow(kind, counted)
        } else {
            Ok(())
        }
    }

    /// Safepoint 0: the start of a run (its entry frame pushed, nothing
    /// run) or of a resume (its frames restored). A resume saved here
    /// writes the image it was resumed from, byte for byte.
    pub(crate) fn at_start(&mut self) -> Result<(), Trap> {
        let Some(request) = self.snapshot.as_ref().and_then(|p| p.request.clone()) else {
            return Ok(());
        };
        if request.when != SnapshotWhen::Safepoint(0) {
            return Ok(());
        }
        self.write_image(&request.path)?;
        self.snapshot = None;
        Err(Trap::Exit(0))
    }

    #[cold]
    fn safepoint_slow(&mut self, kind: Safepoint, counted: bool) -> Result<(), Trap> {
        let Some(plan) = self.snapshot.as_ref() else {
            return Ok(());
        };
        let Some(request) = plan.request.clone() else {
            return Ok(());
        };
        let exit_after = match request.when {
            SnapshotWhen::Safepoint(_) if counted => true,
            SnapshotWhen::FirstRead if kind == Safepoint::Read => true,
            SnapshotWhen::Signal | SnapshotWhen::Every(_) => {
                match signals::DUE.swap(signals::NONE, Ordering::Relaxed) {
                    signals::SAVE_AND_EXIT => true,
                    signals::SAVE => false,
                    _ => return Ok(()),
                }
            }
            _ => return Ok(()),
        };
        self.write_image(&request.path)?;
        if exit_after {
            // The image is the run's last act: nothing after it may print.
            self.snapshot = None;
            return Err(Trap::Exit(0));
        }
        Ok(())
    }

    /// Writes the run's state as an image to `path` (the innermost frame's
    /// pc set to where it resumes).
    pub(crate) fn write_image(&mut self, path: &Path) -> Result<(), Trap> {
        let Some(plan) = self.snapshot.as_ref() else {
            return Err(internal("a snapshot without the module's bytes"));
        };
        self.host.out.flush();
        let host = image::HostState {
            stdout_bytes: self.host.out.total(),
            stdin_lines: self.host.input.lines(),
            stdin_consumed: self.host.input.consumed(),
            stdin_unread: self.host.input.unread().to_vec(),
            clock_nanos: self.host.clock_seen,
            args: self.host.args.clone(),
        };
        let img = capture::capture(&self.state, &plan.code, host)
            .map_err(|e| internal(format!("snapshot: {e}")))?;
        write_atomically(path, &img.encode()).map_err(|e| {
            Trap::error(TrapKind::Panic(
                format!(
                    "cannot write the snapshot {}: {}",
                    path.display(),
                    crate::error::os_reason(&e)
                )
                .into(),
            ))
        })
    }
}

/// Whether any of the functions' code calls `checkpoint()`: such a run
/// keeps its module's bytes for the image and is interpreted only.
pub fn calls_checkpoint<'a>(mut code: impl Iterator<Item = &'a [Instr]>) -> bool {
    let id = Native::Checkpoint as u16;
    code.any(|c| {
        c.iter()
            .any(|i| matches!(i, Instr::CallNative { native, .. } if *native == id))
    })
}

/// The instruction an image's innermost frame stopped at, when it is a call
/// of `native`: its result register.
pub(crate) fn stopped_at_native(
    prog: &crate::program::Program,
    func: u32,
    pc: u32,
    native: Native,
) -> Option<u16> {
    match prog.funcs.get(func as usize)?.code.get(pc as usize)? {
        Instr::CallNative { a, native: n, .. } if *n == native as u16 => Some(*a),
        _ => None,
    }
}

impl Vm<'_> {
    /// `checkpoint(path)`: writes the image with the innermost frame
    /// stopped at this call (a resume returns true from it, see
    /// `return_from_checkpoint`), and returns false.
    pub(crate) fn checkpoint(&mut self, path: &str) -> Result<bool, Trap> {
        self.write_image(Path::new(path))?;
        Ok(false)
    }

    /// After a restore: a frame stopped inside `checkpoint()` returns true
    /// from it and goes on after the call.
    pub(crate) fn return_from_checkpoint(&mut self) {
        let prog = self.state.prog;
        let Some(top) = self.state.heap.roots.frames.last().copied() else {
            return;
        };
        if let Some(a) = stopped_at_native(prog, top.func, top.pc, Native::Checkpoint) {
            let slot = top.base as usize + a as usize;
            if let Some(r) = self.state.heap.roots.stack.get_mut(slot) {
                *r = 1;
            }
            if let Some(fr) = self.state.heap.roots.frames.last_mut() {
                fr.pc += 1;
            }
        }
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
