//! Runtime errors as the CLI prints them, and the internal `Trap` that
//! unwinds the interpreter.
//!
//! Two kinds of failure are kept apart. A runtime error is the program's
//! doing (nil, bounds, division by zero) and exits 70. An internal error is
//! a state the verifier rules out (a register of the wrong type, an unknown
//! function id) met at run time anyway: a bug in `lang` itself, never the
//! program's fault, so it says so, asks to be reported and exits with its
//! own code, `INTERNAL_ERROR_EXIT`.

use crate::heap::OutOfMemory;
use std::fmt;

/// One line of a stack trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceFrame {
    /// The function's name (`fib`, `Vec2::len`, `<lambda>`). The one
    /// function name `...` marks elided frames; `line` then counts them.
    pub function: String,
    pub file: String,
    pub line: u32,
}

/// A runtime error: the message and the call stack, innermost frame first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeError {
    pub message: String,
    pub trace: Vec<TraceFrame>,
    /// Whether this is an internal error (a bug in `lang`, see the module
    /// documentation) rather than the program's runtime error.
    pub internal: bool,
}

/// The exit code of an internal error: 101, the code a Rust panic ends a
/// process with (and rustc's internal compiler errors use). It lies outside
/// the `sysexits.h` range (64–78) that the other codes come from, so no
/// script can mistake a bug in `lang` for a failure of the program (70) or
/// of its input (65).
pub const INTERNAL_ERROR_EXIT: i32 = 101;

impl RuntimeError {
    /// A runtime error with no trace (the run failed before any frame).
    pub fn untraced(message: String) -> RuntimeError {
        RuntimeError {
            message,
            trace: Vec::new(),
            internal: false,
        }
    }
}

/// The function name of a trace entry standing for elided frames.
pub const ELIDED: &str = "...";

impl fmt::Display for RuntimeError {
    /// `runtime error: <message>` (or `internal error: <message> ...;
    /// please report this bug`) then one `  at f (file:line)` per frame.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.internal {
            write!(f, "internal error: {} {REPORT}", self.message)?;
        } else {
            write!(f, "runtime error: {}", self.message)?;
        }
        for fr in &self.trace {
            if fr.function == ELIDED {
                write!(f, "\n  ... {} more frames ...", fr.line)?;
            } else {
                write!(f, "\n  at {} ({}:{})", fr.function, fr.file, fr.line)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for RuntimeError {}

/// Why the interpreter stops before the program ends normally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trap {
    /// A runtime error with this message; the trace is taken from the frames,
    /// which stay in place while the trap propagates.
    Error(String),
    /// An internal error: a state the verifier rules out, described by the
    /// message (see the module documentation).
    Internal(String),
    /// `exit(code)`.
    Exit(i32),
    /// Writing the program's output failed (`Output::failure` says how):
    /// the run ends at the print that found it.
    Stdout,
}

/// The OS reason of an I/O error without Rust's "(os error N)" suffix.
pub fn os_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

impl Trap {
    pub fn error(msg: impl Into<String>) -> Trap {
        Trap::Error(msg.into())
    }

    /// How a run or a REPL input ended, for the embedder: `Ok(None)` for the
    /// end of the code, `Ok(Some(n))` for `exit(n)`, else the error with the
    /// trace `trace` takes from the frames still in place.
    pub fn outcome(
        result: Result<(), Trap>,
        trace: impl FnOnce() -> Vec<TraceFrame>,
    ) -> Result<Option<i32>, RuntimeError> {
        let (message, internal) = match result {
            Ok(()) => return Ok(None),
            Err(Trap::Exit(code)) => return Ok(Some(code)),
            Err(Trap::Error(message)) => (message, false),
            Err(Trap::Internal(message)) => (message, true),
            // The embedder asks `Output::failure` first; a failed print
            // that left no failure behind is a bug.
            Err(Trap::Stdout) => ("the output failed without a recorded reason".into(), true),
        };
        Err(RuntimeError {
            message,
            trace: trace(),
            internal,
        })
    }
}

/// What an internal error's message ends with.
const REPORT: &str = "(a state the bytecode verifier rules out); please report this bug";

/// The trap of a state the verifier rules out, met anyway; `what` says
/// which. Cold: verified code never takes it.
#[cold]
#[inline(never)]
pub fn internal(what: impl Into<String>) -> Trap {
    Trap::Internal(what.into())
}

/// Ends the process on a state the verifier rules out, where nothing can
/// unwind: inside the collector (a header naming no shape) or deep in
/// printing. Prints the internal error and exits `INTERNAL_ERROR_EXIT`.
#[cold]
#[inline(never)]
pub fn internal_exit(what: fmt::Arguments<'_>) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    eprintln!("internal error: {what} {REPORT}");
    std::process::exit(INTERNAL_ERROR_EXIT)
}

impl From<OutOfMemory> for Trap {
    fn from(_: OutOfMemory) -> Trap {
        Trap::Error("out of memory".to_string())
    }
}

/// The message of an index out of bounds.
pub fn index_error(index: i64, len: usize) -> Trap {
    Trap::Error(format!("index {index} out of bounds for length {len}"))
}

/// The message of using nil as an object.
pub fn nil_error() -> Trap {
    Trap::Error("nil dereference".to_string())
}
