//! REPL trials: a piped transcript snapshotted with insta, and interactive
//! sessions driven through a real pseudo-terminal (rexpect) for what only a
//! terminal shows: prompts, continuation, history search, completion,
//! highlighting, Ctrl-C and Ctrl-D.

use libtest_mimic::{Failed, Trial};
use rexpect::reader::Options;
use rexpect::session::{spawn_with_options, PtySession};
use std::path::Path;
use std::process::{Command, Stdio};

/// How long one expectation may wait: generous, since CI machines are busy.
const TIMEOUT_MS: u64 = 20_000;

pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test("repl::transcript", transcript),
        Trial::test("repl::terminal_session", terminal_session),
        Trial::test("repl::history_across_sessions", history_across_sessions),
        Trial::test("repl::completion", completion),
        Trial::test("repl::highlighting_and_no_color", highlighting_and_no_color),
    ]
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A session's scratch directory (its history file), removed when the
/// trial ends.
fn scratch_dir(tag: &str) -> Result<super::TempDir, Failed> {
    let dir = std::env::temp_dir().join(format!("lang-repl-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(super::TempDir(dir))
}

/// Piped input (no terminal): what the REPL prints for a scripted session,
/// snapshotted with the input beside it.
fn transcript() -> Result<(), Failed> {
    let dir = scratch_dir("transcript")?;
    let script = std::fs::read_to_string(root().join("tests/repl/transcript.in"))
        .map_err(|e| e.to_string())?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_lang"))
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("LANG_HISTORY", dir.join("history"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin
            .write_all(script.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let body = format!(
        "{script}\n----- stdout -----\n{}\n----- stderr -----\n{}\n----- exit: {:?}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code()
    );
    crate::snapshot("repl__transcript", body)
}

fn spawn(history: &Path, no_color: bool) -> Result<PtySession, Failed> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lang"));
    cmd.arg("repl")
        .current_dir(root())
        .env("LANG_HISTORY", history)
        .env("TERM", "xterm");
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    spawn_with_options(
        cmd,
        Options::new()
            .timeout_ms(Some(TIMEOUT_MS))
            .strip_ansi_escape_codes(no_color),
    )
    .map_err(|e| Failed::from(format!("cannot start the REPL in a terminal: {e}")))
}

fn fail(step: &str, e: impl std::fmt::Display) -> Failed {
    Failed::from(format!("{step}: {e}"))
}

/// Prompts, continuation lines, values with types, errors that keep the
/// session, Ctrl-C on a running loop, and Ctrl-D to leave.
fn terminal_session() -> Result<(), Failed> {
    let dir = scratch_dir("session")?;
    let mut p = spawn(&dir.join("history"), true)?;
    p.exp_string(">>> ").map_err(|e| fail("first prompt", e))?;
    p.send_line("fn sq(n: int) -> int {")
        .map_err(|e| fail("send", e))?;
    p.exp_string("... ")
        .map_err(|e| fail("continuation prompt after an open brace", e))?;
    p.send_line("return n * n; }")
        .map_err(|e| fail("send", e))?;
    p.exp_string("fn sq")
        .map_err(|e| fail("definition echo", e))?;
    p.send_line("sq(7) +").map_err(|e| fail("send", e))?;
    p.exp_string("... ")
        .map_err(|e| fail("continuation prompt after a trailing operator", e))?;
    p.send_line("1").map_err(|e| fail("send", e))?;
    p.exp_string(": int = 50")
        .map_err(|e| fail("value and type of an expression", e))?;
    p.send_line("let q: int = \"no\";")
        .map_err(|e| fail("send", e))?;
    p.exp_string("mismatched types")
        .map_err(|e| fail("compile error diagnostic", e))?;
    p.send_line("sq(3) / (sq(2) - 4)")
        .map_err(|e| fail("send", e))?;
    p.exp_string("division by zero")
        .map_err(|e| fail("runtime error", e))?;
    p.exp_string("at <input")
        .map_err(|e| fail("runtime error trace", e))?;
    p.send_line("sq(4)").map_err(|e| fail("send", e))?;
    p.exp_string(": int = 16")
        .map_err(|e| fail("session usable after errors", e))?;
    p.send_line("var spins = 0; while true { spins += 1; }")
        .map_err(|e| fail("send", e))?;
    p.exp_string("var spins: int")
        .map_err(|e| fail("loop started", e))?;
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_control('c').map_err(|e| fail("send Ctrl-C", e))?;
    p.exp_string("interrupted")
        .map_err(|e| fail("Ctrl-C interrupts a running input", e))?;
    p.send_line("spins > 0").map_err(|e| fail("send", e))?;
    p.exp_string(": bool = true")
        .map_err(|e| fail("state kept after an interrupt", e))?;
    p.send_line(":type sq").map_err(|e| fail("send", e))?;
    p.exp_string("fn(int) -> int")
        .map_err(|e| fail(":type", e))?;
    p.send_line(":dis sq").map_err(|e| fail("send", e))?;
    p.exp_string("mul.i").map_err(|e| fail(":dis", e))?;
    p.send_line(":load examples/primes.src")
        .map_err(|e| fail("send", e))?;
    p.exp_string("fn sieve").map_err(|e| fail(":load", e))?;
    p.send_line("sieve(20)").map_err(|e| fail("send", e))?;
    p.exp_string("[2, 3, 5, 7, 11, 13, 17, 19]")
        .map_err(|e| fail("loaded definitions usable", e))?;
    p.send_line(":reset").map_err(|e| fail("send", e))?;
    p.exp_string("forgotten").map_err(|e| fail(":reset", e))?;
    p.send_line("sq(2)").map_err(|e| fail("send", e))?;
    p.exp_string("unknown function")
        .map_err(|e| fail("definitions gone after :reset", e))?;
    p.send_line(":help").map_err(|e| fail("send", e))?;
    p.exp_string(":load FILE").map_err(|e| fail(":help", e))?;
    p.send_control('d').map_err(|e| fail("send Ctrl-D", e))?;
    p.exp_eof().map_err(|e| fail("Ctrl-D leaves the REPL", e))?;
    Ok(())
}

/// History is written to the history file and found again with Ctrl-R in
/// the next session.
fn history_across_sessions() -> Result<(), Failed> {
    let dir = scratch_dir("history")?;
    let history = dir.join("history");
    let mut p = spawn(&history, true)?;
    p.exp_string(">>> ").map_err(|e| fail("first prompt", e))?;
    p.send_line("let remembered_value = 6 * 7;")
        .map_err(|e| fail("send", e))?;
    p.exp_string("let remembered_value: int")
        .map_err(|e| fail("definition", e))?;
    p.send_line(":quit").map_err(|e| fail("send", e))?;
    p.exp_eof().map_err(|e| fail(":quit leaves", e))?;
    let saved = std::fs::read_to_string(&history).map_err(|e| fail("history file", e))?;
    if !saved.contains("let remembered_value = 6 * 7;") {
        return Err(format!("the history file lacks the input:\n{saved}").into());
    }
    let mut p = spawn(&history, true)?;
    p.exp_string(">>> ").map_err(|e| fail("first prompt", e))?;
    p.send_control('r').map_err(|e| fail("send Ctrl-R", e))?;
    p.send("remembered").map_err(|e| fail("send", e))?;
    p.flush().map_err(|e| fail("flush", e))?;
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_line("").map_err(|e| fail("send", e))?;
    p.exp_string("let remembered_value: int")
        .map_err(|e| fail("Ctrl-R finds and runs the old input", e))?;
    p.send_line("remembered_value")
        .map_err(|e| fail("send", e))?;
    p.exp_string(": int = 42").map_err(|e| fail("value", e))?;
    p.send_line(":quit").map_err(|e| fail("send", e))?;
    p.exp_eof().map_err(|e| fail("leave", e))?;
    Ok(())
}

/// Tab completes globals and, after a `.`, fields and methods.
fn completion() -> Result<(), Failed> {
    let dir = scratch_dir("completion")?;
    let mut p = spawn(&dir.join("history"), true)?;
    p.exp_string(">>> ").map_err(|e| fail("first prompt", e))?;
    p.send_line("struct Account { balance_cents: int }")
        .map_err(|e| fail("send", e))?;
    p.exp_string("struct Account")
        .map_err(|e| fail("definition", e))?;
    // Each line goes only after the next prompt: rustyline flushes input
    // that arrives while it sets up the terminal for a new line, so a line
    // typed ahead of the prompt could be lost on a loaded machine.
    p.exp_string(">>> ").map_err(|e| fail("second prompt", e))?;
    p.send_line("let account_of_alice = Account { balance_cents: 1250 };")
        .map_err(|e| fail("send", e))?;
    p.exp_string("let account_of_alice")
        .map_err(|e| fail("definition", e))?;
    p.exp_string(">>> ").map_err(|e| fail("third prompt", e))?;
    p.send("account_of_al\t").map_err(|e| fail("send", e))?;
    p.flush().map_err(|e| fail("flush", e))?;
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send(".bal\t").map_err(|e| fail("send", e))?;
    p.flush().map_err(|e| fail("flush", e))?;
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_line("").map_err(|e| fail("send", e))?;
    p.exp_string(": int = 1250")
        .map_err(|e| fail("a global and a field completed by Tab", e))?;
    p.send("\"abc\".to_up\t").map_err(|e| fail("send", e))?;
    p.flush().map_err(|e| fail("flush", e))?;
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_line("()").map_err(|e| fail("send", e))?;
    p.exp_string(": str = \"ABC\"")
        .map_err(|e| fail("a built-in method completed by Tab", e))?;
    p.send_line(":quit").map_err(|e| fail("send", e))?;
    p.exp_eof().map_err(|e| fail("leave", e))?;
    Ok(())
}

/// In a terminal the input line is coloured (keywords, numbers, strings);
/// with NO_COLOR set no colour escape appears anywhere.
fn highlighting_and_no_color() -> Result<(), Failed> {
    let dir = scratch_dir("color")?;
    let mut p = spawn(&dir.join("history"), false)?;
    p.exp_string(">>> ").map_err(|e| fail("first prompt", e))?;
    p.send_line("let coloured = 12;")
        .map_err(|e| fail("send", e))?;
    let seen = p.exp_string("let coloured").map_err(|e| fail("echo", e))?;
    let seen = format!(
        "{seen}{}",
        p.exp_string(">>> ").map_err(|e| fail("prompt", e))?
    );
    if !seen.contains("\x1b[35mlet\x1b[0m") || !seen.contains("\x1b[33m12\x1b[0m") {
        return Err(format!("no keyword/number colour in the terminal output: {seen:?}").into());
    }
    p.send_line(":quit").map_err(|e| fail("send", e))?;
    p.exp_eof().map_err(|e| fail("leave", e))?;

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lang"));
    cmd.arg("repl")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env("LANG_HISTORY", dir.join("history2"));
    let mut p = spawn_with_options(
        cmd,
        Options::new()
            .timeout_ms(Some(TIMEOUT_MS))
            .strip_ansi_escape_codes(false),
    )
    .map_err(|e| fail("spawn", e))?;
    p.exp_string(">>> ").map_err(|e| fail("first prompt", e))?;
    p.send_line("let plain = 12;")
        .map_err(|e| fail("send", e))?;
    let seen = p
        .exp_string("let plain: int")
        .map_err(|e| fail("echo", e))?;
    if seen.contains("\x1b[35m") || seen.contains("\x1b[33m") || seen.contains("\x1b[2m") {
        return Err(format!("colour despite NO_COLOR: {seen:?}").into());
    }
    p.send_line(":quit").map_err(|e| fail("send", e))?;
    p.exp_eof().map_err(|e| fail("leave", e))?;
    Ok(())
}
