//! The limits of the bytecode format that a program can exceed, and the
//! compile errors for them.
//!
//! Declarations are checked against their limits by the checker, at the
//! declaration; what only code generation knows (how many registers a
//! function needs, how many instructions it has) is checked by lowering,
//! at the construct that needs the one too many. `check` runs both, so it
//! reports everything `build` does, at the same place. `spec/language.md`
//! (section 9) lists these limits.

use crate::ast::Span;
use crate::diag::Diagnostic;

/// The most registers a function may have: the bytecode's limit (register
/// operands are u16; see `lang_bytecode::verify::MAX_REGISTERS`).
/// Parameters, locals and temporaries all count.
pub const MAX_REGISTERS: usize = lang_bytecode::verify::MAX_REGISTERS;

/// The most instructions a function may have: jump targets are u32
/// instruction indices (see `lang_bytecode::verify::MAX_INSTRUCTIONS`).
pub const MAX_INSTRUCTIONS: usize = lang_bytecode::verify::MAX_INSTRUCTIONS;

/// The most fields a struct may declare, the most payload fields a variant
/// may have, the most variants an enum and the most methods a trait: field,
/// variant and method numbers and the counts of `new.st` and `new.en` are
/// u16 operands. (A struct literal also needs a register per field, so one
/// of a struct this large fails at the register limit.)
pub const MAX_MEMBERS: usize = u16::MAX as usize;

/// The most members of one kind (`what`: "fields", "variants", ...) that a
/// declaration may have: an error at `span` when `count` exceeds it.
pub fn members(span: Span, kind: &str, name: &str, what: &str, count: usize) -> Option<Diagnostic> {
    (count > MAX_MEMBERS).then(|| {
        Diagnostic::error(
            span,
            format!("{kind} `{name}` has {count} {what}; the limit is {MAX_MEMBERS}"),
        )
    })
}

/// Which limit lowering found exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Registers,
    Instructions,
    /// A count or index that does not fit its u16 operand; the checker's
    /// declaration limits and the register limit keep every one in range,
    /// so this is a last line of defence against emitting a wrong operand.
    Operand,
}

/// The first limit a function exceeded, and the construct that did.
#[derive(Debug, Clone, Copy)]
pub struct Overflow {
    pub limit: Limit,
    pub span: Span,
}

impl Overflow {
    /// The compile error for function `function`.
    pub fn diagnostic(&self, function: &str) -> Diagnostic {
        let function = if function.starts_with('<') {
            "this function".to_string()
        } else {
            format!("function `{function}`")
        };
        let (message, note) = match self.limit {
            Limit::Registers => (
                format!("{function} needs more than {MAX_REGISTERS} registers"),
                "parameters, local variables and the temporaries of an expression each take a \
                 register; this is where the limit is reached",
            ),
            Limit::Instructions => (
                format!("{function} has more than {MAX_INSTRUCTIONS} instructions"),
                "split it into smaller functions",
            ),
            Limit::Operand => (
                format!("{function} needs a number above {MAX_MEMBERS} in one instruction"),
                "counts of arguments, fields and captures are limited to that",
            ),
        };
        Diagnostic::error(self.span, message).with_note(note)
    }
}
