//! `LANG_TRACE_STARTUP=1`: when each phase of a run's start-up ended, and
//! what the process had spent by its end, printed to stderr when it exits.
//!
//! The CLI and the runtime mark the end of each phase (`mark`); the report
//! (`report`) lists the marks in time order with the time since the first
//! mark (`begin`, at the top of `main`) and since the previous mark, the
//! thread that made each, and then the threads the process started, its page
//! faults and its CPU time. What happens before `main` (the dynamic loader)
//! is outside it: `LD_DEBUG=statistics` measures that. Without the variable
//! a mark costs one relaxed atomic load.

use std::fmt::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// The environment variable that turns the trace on (with the value `1`).
pub const TRACE_ENV: &str = "LANG_TRACE_STARTUP";

/// Whether the trace is on: 0 not decided yet, 1 off, 2 on.
static STATE: AtomicU8 = AtomicU8::new(0);

/// One phase's end.
struct Mark {
    at: Instant,
    phase: &'static str,
    thread: String,
}

/// The marks so far, in the order they were made.
static MARKS: Mutex<Vec<Mark>> = Mutex::new(Vec::new());

/// Lines the CLI or the runtime added to the report's summary (`note`).
static NOTES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Whether `LANG_TRACE_STARTUP=1` is set (read once).
pub fn enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            let on = std::env::var_os(TRACE_ENV).is_some_and(|v| v == "1");
            STATE.store(if on { 2 } else { 1 }, Ordering::Relaxed);
            on
        }
    }
}

/// Starts the clock the report counts from (the first mark is `main`).
pub fn begin() {
    mark("main");
}

/// Records that `phase` has just ended on this thread.
pub fn mark(phase: &'static str) {
    if !enabled() {
        return;
    }
    let at = Instant::now();
    let current = std::thread::current();
    let thread = current.name().unwrap_or("?").to_string();
    MARKS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Mark { at, phase, thread });
}

/// Adds a line to the report's summary (after the marks, before the
/// process's resource use); `text` is only called when the trace is on.
pub fn note(text: impl FnOnce() -> String) {
    if !enabled() {
        return;
    }
    let line = text();
    NOTES.lock().unwrap_or_else(|e| e.into_inner()).push(line);
}

/// The report of every mark so far and the process's resource use, or
/// `None` when the trace is off.
pub fn report() -> Option<String> {
    if !enabled() {
        return None;
    }
    let marks = MARKS.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = String::new();
    let origin = marks.first().map(|m| m.at);
    let mut previous = origin;
    for m in marks.iter() {
        let since = |t: Option<Instant>| t.map_or(0.0, |t| ms(m.at.duration_since(t)));
        let _ = writeln!(
            out,
            "startup: {:8.3} ms  {:+8.3} ms  {:<24} [{}]",
            since(origin),
            since(previous),
            m.phase,
            m.thread
        );
        previous = Some(m.at);
    }
    for line in NOTES.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        let _ = writeln!(out, "startup: {line}");
    }
    let _ = writeln!(
        out,
        "startup: threads besides main: {} running (GC workers started: {})",
        threads_now().map_or_else(|| "?".to_string(), |n| (n - 1).to_string()),
        crate::heap::binding::gc_workers_started()
    );
    if let Some(u) = usage() {
        let _ = writeln!(
            out,
            "startup: page faults: {} minor, {} major; cpu: {:.3} ms user, {:.3} ms system",
            u.ru_minflt,
            u.ru_majflt,
            timeval_ms(u.ru_utime),
            timeval_ms(u.ru_stime)
        );
    }
    Some(out)
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn timeval_ms(t: libc::timeval) -> f64 {
    t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3
}

/// The threads of this process now (the `Threads:` line of
/// `/proc/self/status`), the main thread included.
fn threads_now() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .filter(|&n| n > 0)
}

/// The process's resource use so far (all its threads).
fn usage() -> Option<libc::rusage> {
    // SAFETY: `getrusage` fills the struct it is given; all-zero bytes are
    // a valid `rusage`.
    unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        (libc::getrusage(libc::RUSAGE_SELF, &mut u) == 0).then_some(u)
    }
}
