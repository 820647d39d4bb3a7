//! The verifier: proves a `Module` safe to run before any of it executes.
//!
//! After `verify` accepts a module, the interpreter and the JIT trust it
//! without further checks: every register operand is inside its frame and has
//! the type the instruction needs, every jump lands on an instruction, every
//! constant, type, function, global and native index names something, and
//! control never runs off the end of a function. So everything an unchecked
//! interpreter could misbehave on must be rejected here.
//!
//! The checks run in one pass per table, linear in the size of the module:
//! each register has one static type (`Function::regs`), so no dataflow
//! analysis is needed, and every non-parameter register starts zero at frame
//! entry (0, 0.0, false, nil or `""`), so no definite-assignment analysis
//! is needed either: a runtime must zero those registers when it pushes a
//! frame (`spec/bytecode.md`, "Zeroed frames").
//!
//! `verify` hands an accepted module back as a `Verified`, the only type
//! the runtime runs (see `verified`), so running an unchecked module is a
//! compile error rather than a convention; `check` runs the same rules for
//! callers that only want the verdict and keep their module.
//!
//! The work is split by subject: `types` checks the type table, `decls` the
//! declarations (structs, enums, traits, impls, globals, entry), `func` each
//! function's header and control flow, `rules` the typing rule of every
//! opcode and `natives` the signatures of `call.n`.

mod decls;
mod func;
mod natives;
mod rules;
mod types;
mod verified;

#[cfg(test)]
mod facts_tests;
#[cfg(test)]
mod tests;

use crate::module::Module;
use std::fmt;

pub use verified::Verified;

/// The most registers a function may declare. Register operands are u16, so
/// no more than 65536 could ever be named; 65535 also keeps the count itself
/// a u16 for runtimes that store frame sizes that way, and bounds one frame
/// at 512 KiB of slots, which the runtime's stack-overflow check accounts for.
pub const MAX_REGISTERS: usize = 65_535;

/// The most instructions a function may have. Jump targets are u32
/// instruction indices, so this keeps every pc, including the one after the
/// last instruction, representable in the operand type the JIT and the
/// interpreter use for it.
pub const MAX_INSTRUCTIONS: usize = u32::MAX as usize;

/// Why a module was rejected: where (function and pc, when the problem is
/// inside a function) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    /// The function's name, when the problem is inside a function.
    pub function: Option<String>,
    /// The index of the offending instruction, when there is one.
    pub pc: Option<usize>,
    /// The offending instruction's mnemonic, when there is one.
    pub mnemonic: Option<&'static str>,
    /// What is wrong, as a sentence fragment without a trailing period.
    pub message: String,
}

impl VerifyError {
    /// An error about the module as a whole (its tables, not a function).
    pub(crate) fn module(message: impl Into<String>) -> Self {
        VerifyError {
            function: None,
            pc: None,
            mnemonic: None,
            message: message.into(),
        }
    }

    /// An error about a function's header or shape, not one instruction.
    pub(crate) fn function(name: &str, message: impl Into<String>) -> Self {
        VerifyError {
            function: Some(name.to_string()),
            pc: None,
            mnemonic: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "verify error")?;
        if let Some(name) = &self.function {
            write!(f, " in function `{name}`")?;
        }
        if let Some(pc) = self.pc {
            write!(f, " at pc {pc}")?;
        }
        if let Some(m) = self.mnemonic {
            write!(f, " ({m})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for VerifyError {}

/// Proves `m` safe to run and hands it back as a `Verified`, the form the
/// runtime accepts; see the module documentation and `spec/bytecode.md` for
/// the rules. The first problem found is reported.
pub fn verify(m: Module) -> Result<Verified, VerifyError> {
    check(&m)?;
    Ok(Verified::accepted(m))
}

/// Runs the verifier's rules on `m` without taking it: for compilers and
/// tests that want the verdict and keep the module (to print it, say). The
/// first problem found is reported.
pub fn check(m: &Module) -> Result<(), VerifyError> {
    // The order matters: later checks look types up by id and rely on the
    // type table (and then the declarations) being well formed.
    types::check_type_table(m)?;
    decls::check_structs(m)?;
    decls::check_enums(m)?;
    decls::check_traits(m)?;
    decls::check_globals(m)?;
    for (i, f) in m.functions.iter().enumerate() {
        func::check_header(m, i, f)?;
    }
    let impls = decls::check_impls(m)?;
    decls::check_entry(m)?;
    for f in &m.functions {
        func::check_body(m, &impls, f)?;
    }
    Ok(())
}
