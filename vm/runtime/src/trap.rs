//! Why the interpreter stops early: the `Trap` that unwinds it, and the
//! `TrapKind` of a runtime error, which carries the error's data and is
//! turned into its message only when the error is reported.
//!
//! Raising an error builds no string: the common kinds are a tag and at
//! most a few integer operands, so compiled code can raise them as cheaply
//! as the interpreter. The few kinds whose data is text the program made (a
//! panic's message, an assertion's, unparsable text, a missing key's
//! printed form) hold that text as it was.
//!
//! `Trap` is two words: every fallible step of the interpreter returns a
//! `Result<_, Trap>`, and a `Result<(), Trap>` that fits in two registers
//! costs nothing on the paths that do not fail. So the kind, which can be
//! four words, is boxed; a trap is raised at most once per run or REPL
//! input, so the allocation is of no account.

use crate::error::{RuntimeError, TraceFrame};
use crate::heap::OutOfMemory;
use crate::print::float_to_string;
use crate::program::{Program, TypeInfo};
use lang_bytecode::TypeId;
use std::fmt;

/// Why the interpreter stops before the program ends normally.
#[derive(Clone, Debug, PartialEq)]
pub enum Trap {
    /// A runtime error of this kind; the trace is taken from the frames,
    /// which stay in place while the trap propagates.
    Error(Box<TrapKind>),
    /// An internal error: a state the verifier rules out, described by the
    /// message (see `error`'s module documentation). Boxed to keep `Trap`
    /// two words (a `Box<str>` would be two words itself).
    #[allow(clippy::box_collection)]
    Internal(Box<String>),
    /// `exit(code)`.
    Exit(i32),
    /// Writing the program's output failed (`Output::failure` says how):
    /// the run ends at the print that found it.
    Stdout,
}

/// A runtime error: one variant per kind, with the data its message needs.
#[derive(Clone, Debug, PartialEq)]
pub enum TrapKind {
    /// An array or string index outside `0..len`.
    IndexOutOfBounds { index: i64, len: u64 },
    /// Integer division or remainder by zero.
    DivisionByZero,
    /// Nil used as an object.
    NilDereference,
    /// The VM stack or the frame list is full.
    StackOverflow,
    /// The heap limit is reached even after a full collection.
    OutOfMemory,
    /// The REPL asked the running input to stop.
    Interrupted,
    /// `int(x)` of NaN.
    NanToInt,
    /// `int(x)` of a float outside the int range.
    FloatToIntOutOfRange { value: f64 },
    /// `new.fill` with a negative count.
    NegativeArrayLength { count: i64 },
    /// A map would need more entries than `MAX_MAP_ENTRIES`.
    MapTooLarge { max_entries: u64 },
    /// `pop` of an empty array.
    PopEmpty,
    /// `slice(from, to)` outside the array.
    SliceOutOfBounds { from: i64, to: i64, len: u64 },
    /// `substring(from, to)` outside the string.
    SubstringOutOfBounds { from: i64, to: i64, len: u64 },
    /// `substring(from, to)` inside the string but splitting a character.
    SubstringNotOnBoundary { from: u64, to: u64 },
    /// `split` with `""` as the separator.
    SplitEmptySeparator,
    /// `ord("")`.
    OrdEmpty,
    /// `chr(code)` of a code that is no Unicode scalar value.
    InvalidCharCode { code: i64 },
    /// `to_fixed` with a digit count outside `0..=max`.
    ToFixedDigits { digits: i64, max: i64 },
    /// `parse_int` of text that is no int.
    InvalidInt(Box<str>),
    /// `parse_float` of text that is no float.
    InvalidFloat(Box<str>),
    /// A map read of a key that is not there, with the key's printed form
    /// (taken when the error is raised: the key object may move or die
    /// before the error is reported).
    KeyNotFound { key: Box<str> },
    /// A payload read of enum type `enum_ty` expecting variant `expected`
    /// on a value of variant `found`.
    WrongVariant {
        enum_ty: TypeId,
        expected: u32,
        found: u32,
    },
    /// `panic(message)`.
    Panic(Box<str>),
    /// `assert(false, message)`.
    AssertionFailed(Box<str>),
}

impl Trap {
    /// A runtime error of `kind`. Cold and out of line: it allocates, and
    /// the paths that raise errors should cost the ones that do not
    /// nothing.
    #[cold]
    #[inline(never)]
    pub fn error(kind: TrapKind) -> Trap {
        Trap::Error(Box::new(kind))
    }

    /// How a run or a REPL input ended, for the embedder: `Ok(None)` for the
    /// end of the code, `Ok(Some(n))` for `exit(n)`, else the error, its
    /// message formatted now (`prog` names enum variants) and the trace
    /// `trace` takes from the frames still in place.
    pub fn outcome(
        result: Result<(), Trap>,
        prog: &Program,
        trace: impl FnOnce() -> Vec<TraceFrame>,
    ) -> Result<Option<i32>, RuntimeError> {
        let (message, internal) = match result {
            Ok(()) => return Ok(None),
            Err(Trap::Exit(code)) => return Ok(Some(code)),
            Err(Trap::Error(kind)) => (kind.display(prog).to_string(), false),
            Err(Trap::Internal(message)) => (*message, true),
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

/// The trap of a state the verifier rules out, met anyway; `what` says
/// which. Cold: verified code never takes it.
#[cold]
#[inline(never)]
pub fn internal(what: impl Into<String>) -> Trap {
    Trap::Internal(Box::new(what.into()))
}

impl From<TrapKind> for Trap {
    fn from(kind: TrapKind) -> Trap {
        Trap::error(kind)
    }
}

impl From<OutOfMemory> for Trap {
    fn from(_: OutOfMemory) -> Trap {
        Trap::error(TrapKind::OutOfMemory)
    }
}

/// The error of an index out of bounds.
#[cold]
#[inline(never)]
pub fn index_error(index: i64, len: usize) -> Trap {
    Trap::error(TrapKind::IndexOutOfBounds {
        index,
        len: len as u64,
    })
}

/// The error of using nil as an object.
#[cold]
#[inline(never)]
pub fn nil_error() -> Trap {
    Trap::error(TrapKind::NilDereference)
}

impl TrapKind {
    /// The error's message as the user sees it (after `runtime error: `);
    /// `prog` names the enum variants of `WrongVariant`.
    pub fn display<'a>(&'a self, prog: &'a Program) -> TrapMessage<'a> {
        TrapMessage { kind: self, prog }
    }
}

/// A `TrapKind` with the program it happened in, ready to be printed.
pub struct TrapMessage<'a> {
    kind: &'a TrapKind,
    prog: &'a Program,
}

impl fmt::Display for TrapMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use TrapKind as K;
        match self.kind {
            K::IndexOutOfBounds { index, len } => {
                write!(f, "index {index} out of bounds for length {len}")
            }
            K::DivisionByZero => f.write_str("division by zero"),
            K::NilDereference => f.write_str("nil dereference"),
            K::StackOverflow => f.write_str("stack overflow"),
            K::OutOfMemory => f.write_str("out of memory"),
            K::Interrupted => f.write_str("interrupted"),
            K::NanToInt => f.write_str("cannot convert nan to int"),
            K::FloatToIntOutOfRange { value } => write!(
                f,
                "cannot convert {} to int: out of range",
                float_to_string(*value)
            ),
            K::NegativeArrayLength { count } => write!(f, "negative array length: {count}"),
            K::MapTooLarge { max_entries } => write!(
                f,
                "map too large: a map holds at most {max_entries} entries"
            ),
            K::PopEmpty => f.write_str("pop from an empty array"),
            K::SliceOutOfBounds { from, to, len } => {
                write!(f, "slice range {from}..{to} out of bounds for length {len}")
            }
            K::SubstringOutOfBounds { from, to, len } => write!(
                f,
                "substring range {from}..{to} out of bounds for length {len}"
            ),
            K::SubstringNotOnBoundary { from, to } => write!(
                f,
                "substring range {from}..{to} is not on character boundaries"
            ),
            K::SplitEmptySeparator => f.write_str("split with an empty separator"),
            K::OrdEmpty => f.write_str("ord of an empty string"),
            K::InvalidCharCode { code } => write!(f, "chr of invalid character code {code}"),
            K::ToFixedDigits { digits, max } => write!(
                f,
                "to_fixed digits must be between 0 and {max}, got {digits}"
            ),
            K::InvalidInt(text) => write!(f, "invalid int: {}", Quoted(text)),
            K::InvalidFloat(text) => write!(f, "invalid float: {}", Quoted(text)),
            K::KeyNotFound { key } => write!(f, "key not found: {key}"),
            K::WrongVariant {
                enum_ty,
                expected,
                found,
            } => write!(
                f,
                "wrong enum variant: expected {}, found {}",
                VariantName(self.prog, *enum_ty, *expected),
                VariantName(self.prog, *enum_ty, *found)
            ),
            K::Panic(message) => f.write_str(message),
            K::AssertionFailed(message) => write!(f, "assertion failed: {message}"),
        }
    }
}

/// Text in its quoted printed form (`"a\\"b"`).
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut quoted = Vec::new();
        crate::print::quote(self.0.as_bytes(), &mut quoted);
        f.write_str(&String::from_utf8_lossy(&quoted))
    }
}

/// Variant `.2` of enum type `.1` as `Enum::Variant`, or `variant N` when
/// the program does not name it.
struct VariantName<'a>(&'a Program, TypeId, u32);

impl fmt::Display for VariantName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let VariantName(prog, enum_ty, v) = *self;
        // Read the table directly: formatting a report must not end the
        // process over an id it cannot name.
        if let Some(TypeInfo::Enum(e)) = prog.types.get(enum_ty as usize) {
            if let Some(def) = prog.module.enums.get(*e as usize) {
                if let Some(var) = def.variants.get(v as usize) {
                    return write!(f, "{}::{}", def.name, var.name);
                }
            }
        }
        write!(f, "variant {v}")
    }
}
