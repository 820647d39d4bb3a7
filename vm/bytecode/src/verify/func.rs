//! Checks of one function: its header (types, register file, code and line
//! table shapes), the index operands of every instruction, and that control
//! cannot run off the end of the code.
//!
//! The typing rule of each instruction lives in `rules`; this file walks the
//! code and does what follows from the operand kinds alone.

use super::decls::ImplSet;
use super::rules::{self, Cx};
use super::types::in_range;
use super::{VerifyError, MAX_INSTRUCTIONS, MAX_REGISTERS};
use crate::instr::{OperandKind, ALL_OPCODES};
use crate::module::{Function, Module};
use crate::natives::Native;
use crate::types::TypeId;
use std::cell::Cell;

/// Checks everything about `f` that does not look at its instructions'
/// meaning. Runs for every function before impls and bodies are checked, so
/// those can rely on headers being sound.
pub(super) fn check_header(m: &Module, index: usize, f: &Function) -> Result<(), VerifyError> {
    let err = |msg: String| VerifyError::function(&f.name, msg);
    if f.regs.len() > MAX_REGISTERS {
        return Err(err(format!(
            "declares {} registers; the limit is {MAX_REGISTERS}",
            f.regs.len()
        )));
    }
    let ty = |id: TypeId, what: &dyn Fn() -> String| {
        in_range(m, id).map_err(|e| err(format!("{}: {e}", what())))
    };
    for (i, p) in f.params.iter().enumerate() {
        ty(*p, &|| format!("parameter {i}"))?;
    }
    if let Some(r) = f.ret {
        ty(r, &|| "return type".to_string())?;
    }
    for (i, c) in f.captures.iter().enumerate() {
        ty(*c, &|| format!("capture {i}"))?;
    }
    for (i, r) in f.regs.iter().enumerate() {
        ty(*r, &|| format!("register r{i}"))?;
    }
    if f.regs.get(..f.params.len()) != Some(&f.params[..]) {
        return Err(err(format!(
            "registers r0..r{} must have the parameter types, in order (function f{index} has {} parameters and {} registers)",
            f.params.len(),
            f.params.len(),
            f.regs.len()
        )));
    }
    if f.code.is_empty() {
        return Err(err("has no code".into()));
    }
    if f.code.len() > MAX_INSTRUCTIONS {
        return Err(err(format!(
            "has {} instructions; the limit is {MAX_INSTRUCTIONS}",
            f.code.len()
        )));
    }
    if f.lines.len() != f.code.len() {
        return Err(err(format!(
            "has {} instructions but {} line-table entries",
            f.code.len(),
            f.lines.len()
        )));
    }
    Ok(())
}

/// Checks every instruction of `f`, then that the last one cannot fall
/// through.
pub(super) fn check_body(m: &Module, impls: &ImplSet, f: &Function) -> Result<(), VerifyError> {
    for (pc, instr) in f.code.iter().enumerate() {
        let cx = Cx {
            m,
            f,
            impls,
            pc,
            instr,
            defined: Cell::new(None),
        };
        check_indices(&cx)?;
        rules::check(&cx)?;
    }
    match f.code.last() {
        Some(last) if last.is_terminator() => Ok(()),
        Some(last) => Err(VerifyError {
            function: Some(f.name.clone()),
            pc: Some(f.code.len() - 1),
            mnemonic: Some(last.mnemonic()),
            message: format!(
                "control can run off the end of the function: the last instruction must be {}",
                terminator_names()
            ),
        }),
        None => Err(VerifyError::function(&f.name, "has no code")),
    }
}

/// The mnemonics of the terminators, from the opcode list, as a phrase:
/// "jmp, ret or ret.v".
fn terminator_names() -> String {
    let names: Vec<&str> = ALL_OPCODES
        .iter()
        .filter(|op| op.is_terminator())
        .map(|op| op.mnemonic())
        .collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Checks the operands whose validity follows from their kind alone:
/// constant, type, function, global and native indices, and jump targets.
/// Registers are left to the typing rules, which know which registers an
/// instruction really uses (a `call` of a function returning nothing never
/// touches A, and an empty argument list only needs B to be at most the
/// register count).
fn check_indices(cx: &Cx) -> Result<(), VerifyError> {
    let m = cx.m;
    for op in cx.instr.operands().as_slice() {
        let v = op.value;
        let within = |len: usize| usize::try_from(v).is_ok_and(|v| v < len);
        let problem = match op.kind {
            OperandKind::K if !within(m.consts.len()) => Some(format!(
                "constant k{v} is out of range (the module has {} constants)",
                m.consts.len()
            )),
            OperandKind::T if !within(m.types.len()) => Some(format!(
                "type t{v} is out of range (the type table has {} entries)",
                m.types.len()
            )),
            OperandKind::F if !within(m.functions.len()) => Some(format!(
                "function f{v} is out of range (the module has {} functions)",
                m.functions.len()
            )),
            OperandKind::G if !within(m.globals.len()) => Some(format!(
                "global g{v} is out of range (the module has {} globals)",
                m.globals.len()
            )),
            OperandKind::N if u16::try_from(v).ok().and_then(Native::from_id).is_none() => {
                Some(format!("native {v} does not exist"))
            }
            OperandKind::L if !within(cx.f.code.len()) => Some(format!(
                "jump target @{v} is out of range (the function has {} instructions)",
                cx.f.code.len()
            )),
            _ => None,
        };
        if let Some(msg) = problem {
            return Err(cx.err(msg));
        }
    }
    Ok(())
}
