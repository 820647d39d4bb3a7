//! Runtime errors as the CLI prints them: the message and the stack trace.
//! (`trap` holds what unwinds the interpreter before it becomes one.)
//!
//! Two kinds of failure are kept apart. A runtime error is the program's
//! doing (nil, bounds, division by zero) and exits 70. An internal error is
//! a state the verifier rules out (a register of the wrong type, an unknown
//! function id) met at run time anyway: a bug in `lang` itself, never the
//! program's fault, so it says so, asks to be reported and exits with its
//! own code, `INTERNAL_ERROR_EXIT`.

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

/// The OS reason of an I/O error without Rust's "(os error N)" suffix.
pub fn os_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// What an internal error's message ends with.
const REPORT: &str = "(a state the bytecode verifier rules out); please report this bug";

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
