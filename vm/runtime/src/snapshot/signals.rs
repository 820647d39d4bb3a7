//! What asks a running program for an image from outside its code: SIGUSR1
//! (write one and go on), SIGUSR2 (write one and exit: stop-and-move) and
//! the `--checkpoint-every` timer. Each only sets `DUE`; the interpreter
//! reads it at its next safepoint, where the state is consistent.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// No image is asked for.
pub const NONE: u8 = 0;
/// Write an image at the next safepoint, then go on.
pub const SAVE: u8 = 1;
/// Write an image at the next safepoint, then end the run (exit code 0).
pub const SAVE_AND_EXIT: u8 = 2;

/// The pending request: `NONE`, `SAVE` or `SAVE_AND_EXIT`. Written from a
/// signal handler, so only by a single atomic store.
pub static DUE: AtomicU8 = AtomicU8::new(NONE);

extern "C" fn on_signal(signal: libc::c_int) {
    let what = if signal == libc::SIGUSR2 {
        SAVE_AND_EXIT
    } else {
        SAVE
    };
    // A later SIGUSR1 must not weaken a pending SIGUSR2.
    let _ = DUE.fetch_max(what, Ordering::Relaxed);
}

/// Makes SIGUSR1 and SIGUSR2 ask for an image (for `--snapshot-at
/// signal`). Without this their default action ends the process.
pub fn install_handlers() -> std::io::Result<()> {
    for signal in [libc::SIGUSR1, libc::SIGUSR2] {
        // SAFETY: `on_signal` only performs an atomic read-modify-write,
        // which is async-signal-safe; the struct is fully initialised.
        let rc = unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut())
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The `--checkpoint-every` timer: asks for an image every period until
/// dropped.
pub struct Timer {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How often the timer thread looks at its stop flag, so that dropping it
/// at the end of a run waits at most this long whatever the period.
const TIMER_TICK: Duration = Duration::from_millis(20);

impl Timer {
    pub fn start(period: Duration) -> std::io::Result<Timer> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("lang-checkpoint".into())
            .spawn(move || {
                let mut next = std::time::Instant::now() + period;
                while !flag.load(Ordering::Relaxed) {
                    let now = std::time::Instant::now();
                    if now >= next {
                        let _ = DUE.fetch_max(SAVE, Ordering::Relaxed);
                        next = now + period;
                    }
                    std::thread::sleep(TIMER_TICK.min(next.saturating_duration_since(now)));
                }
            })?;
        Ok(Timer {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
