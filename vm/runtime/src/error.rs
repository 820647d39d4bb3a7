//! Runtime errors as the CLI prints them, and the internal `Trap` that
//! unwinds the interpreter.

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
}

/// The function name of a trace entry standing for elided frames.
pub const ELIDED: &str = "...";

impl fmt::Display for RuntimeError {
    /// `runtime error: <message>` then one `  at f (file:line)` per frame.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "runtime error: {}", self.message)?;
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
