//! `lang test [--filter SUBSTRING] [PATH]`: runs the test functions
//! (`test fn name() { ... }`) of the source files at PATH, each in a
//! process of its own (`lang run-test FILE NAME`), so that a test that
//! fails, crashes or calls `exit` affects no other. A passing test's
//! output is not shown; a failing one's is, under its name, at most
//! `MAX_SHOWN_BYTES` of each stream (the rest is read and counted, never
//! kept, so a test that prints without end costs no memory). The exit
//! code is 1 when any test failed, 0 otherwise.

use crate::load::{self, Failure};
use crate::test_files;
use lang_compiler::test_names::{test_names, TestName};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

/// `println!` that ignores a failed write: the report of a run whose
/// reader went away (`lang test | head -1`) is lost, not a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Prints `text` without a newline, at once.
fn say_part(text: &str) {
    let mut out = std::io::stdout();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// What the tests of a run came to.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    filtered_out: usize,
}

/// Runs the tests under `path` (default `.`) whose names contain `filter`.
pub fn run(path: Option<&Path>, filter: Option<&str>, color: bool) -> Result<i32, Failure> {
    let root = path.unwrap_or(Path::new("."));
    let files = test_files::collect(root)?;
    let me = std::env::current_exe().map_err(|e| Failure {
        message: format!("error: cannot find the lang executable to run tests with: {e}"),
        code: crate::exit::UNAVAILABLE,
    })?;
    let mut tally = Tally::default();
    for file in &files {
        test_file(&me, file, filter, color, &mut tally);
    }
    let mut summary = format!("{} passed, {} failed", tally.passed, tally.failed);
    if tally.filtered_out > 0 {
        summary.push_str(&format!(", {} filtered out", tally.filtered_out));
    }
    say!("\n{summary}");
    let _ = std::io::stdout().flush();
    Ok(if tally.failed > 0 { 1 } else { 0 })
}

/// Runs the tests of one file that the filter selects.
fn test_file(me: &Path, file: &Path, filter: Option<&str>, color: bool, tally: &mut Tally) {
    let shown = test_files::shown(file);
    let bytes = match load::read(file) {
        Ok(bytes) => bytes,
        Err(f) => {
            // A file found by the walk that cannot be read is a failure of
            // the run, not a reason to stop it.
            say!("test {shown} ... FAILED");
            print_indented(&f.message);
            tally.failed += 1;
            return;
        }
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        // Not source text: no tests (a `.bc` file given as PATH).
        return;
    };
    let all = test_names(text);
    let (selected, skipped): (Vec<TestName>, Vec<TestName>) = all
        .into_iter()
        .partition(|t| filter.is_none_or(|f| full_name(&shown, &t.name).contains(f)));
    tally.filtered_out += skipped.len();
    if selected.is_empty() {
        return;
    }
    // Compiled once here, so that a file that does not compile is reported
    // once rather than by every test's run.
    match load::compile_warned(file, text, lang_compiler::Entry::Main) {
        Ok((_, warnings)) => load::Warnings::Print.report(&warnings, color),
        Err(d) => {
            say!("test {shown} ... FAILED (does not compile)");
            let _ = std::io::stdout().flush();
            eprint!("{}", d.render(color));
            tally.failed += selected.len();
            return;
        }
    }
    for test in &selected {
        let name = full_name(&shown, &test.name);
        say_part(&format!("test {name} ... "));
        let _ = std::io::stdout().flush();
        match run_one(me, file, &test.name) {
            Ok(out) if out.status.success() => {
                say!("ok");
                tally.passed += 1;
            }
            Ok(out) => {
                say!("FAILED ({})", how_it_ended(&out.status));
                print_indented(&out.stdout);
                print_indented(&out.stderr);
                tally.failed += 1;
            }
            Err(e) => {
                say!("FAILED (cannot start its run: {e})");
                tally.failed += 1;
            }
        }
    }
}

/// `FILE::name`, what `--filter` matches and the report shows.
fn full_name(file: &str, test: &str) -> String {
    format!("{file}::{test}")
}

/// Bytes of a failed test's stdout, and of its stderr, that the report
/// shows: 64 KiB, far more than a failure's message and trace, small
/// enough that a test printing without end costs no memory.
const MAX_SHOWN_BYTES: usize = 64 << 10;

/// What one test's run printed and how it ended.
struct Captured {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// One test's run, in a process of its own, its output captured (each
/// stream up to `MAX_SHOWN_BYTES`).
fn run_one(me: &Path, file: &Path, name: &str) -> std::io::Result<Captured> {
    let mut child = Command::new(me)
        .arg("run-test")
        .arg(file)
        .arg(name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Both pipes are drained at once, so the test never blocks on a full
    // one while the other is read.
    let err = child.stderr.take();
    let err = std::thread::spawn(move || err.map(capture).unwrap_or_default());
    let stdout = child.stdout.take().map(capture).unwrap_or_default();
    let status = child.wait()?;
    let stderr = err.join().unwrap_or_default();
    Ok(Captured {
        status,
        stdout,
        stderr,
    })
}

/// Reads `r` to its end, keeping its first `MAX_SHOWN_BYTES` and saying
/// how many more there were.
fn capture(mut r: impl Read) -> String {
    let mut kept = Vec::new();
    let mut dropped: u64 = 0;
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let chunk = buf.get(..n).unwrap_or_default();
                let room = MAX_SHOWN_BYTES.saturating_sub(kept.len());
                let (keep, rest) = chunk.split_at(room.min(chunk.len()));
                kept.extend_from_slice(keep);
                dropped = dropped.saturating_add(rest.len() as u64);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let mut text = String::from_utf8_lossy(&kept).into_owned();
    if dropped > 0 {
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!("... ({dropped} more bytes not shown)\n"));
    }
    text
}

/// Why a failed run ended: its exit code, or the signal that killed it.
fn how_it_ended(status: &ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "ended abnormally".to_string(),
    }
}

/// Prints `text` with every line indented by four spaces.
fn print_indented(text: &str) {
    for line in text.lines() {
        say!("    {line}");
    }
}
