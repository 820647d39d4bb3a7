//! The facts the opcode list states about each instruction (`instr.rs`:
//! written register, fixed register types, terminator, branch target) agree
//! with the verifier's rules, checked on the listing that uses every opcode
//! (`tests/verify/every_opcode.lasm`), so that every opcode's facts are
//! checked.

use super::decls::check_impls;
use super::rules::{self, Cx};
use super::tests::every_opcode_module;
use super::*;
use crate::instr::{Instr, OperandKind, ALL_OPCODES};
use crate::module::Function;
use crate::types::{FLOAT, INT};
use std::cell::Cell;
use std::collections::HashSet;

/// The verified module in which every opcode occurs.
fn sample() -> Module {
    let m = every_opcode_module();
    if let Err(e) = check(&m) {
        panic!("the every-opcode sample does not verify: {e}");
    }
    let used: HashSet<u8> = m
        .functions
        .iter()
        .flat_map(|f| &f.code)
        .map(|i| i.opcode() as u8)
        .collect();
    assert_eq!(used.len(), ALL_OPCODES.len(), "the sample lacks opcodes");
    m
}

/// Every instruction of the sample with its function's index and its pc.
fn instructions(m: &Module) -> Vec<(usize, usize, Instr)> {
    let mut out = Vec::new();
    for (fi, f) in m.functions.iter().enumerate() {
        for (pc, i) in f.code.iter().enumerate() {
            out.push((fi, pc, *i));
        }
    }
    out
}

/// `instr` with its operand called `name` set to `value`, through the
/// encoding, so that no code per opcode is needed.
fn with_operand(instr: &Instr, name: &str, value: u16) -> Instr {
    let ops = instr.operands();
    let index = ops
        .as_slice()
        .iter()
        .position(|o| o.name == name)
        .unwrap_or_else(|| panic!("{} has no operand {name}", instr.mnemonic()));
    let kinds = instr.opcode().operand_kinds();
    let offset: usize = 1 + kinds[..index].iter().map(|k| k.width()).sum::<usize>();
    let mut bytes = Vec::new();
    instr.encode(&mut bytes);
    bytes[offset..offset + 2].copy_from_slice(&value.to_le_bytes());
    Instr::decode(&bytes).expect("a patched operand decodes").0
}

#[test]
fn the_written_register_is_the_one_the_rule_defines() {
    let m = sample();
    let impls = check_impls(&m).expect("the sample's impls are sound");
    for (fi, pc, instr) in instructions(&m) {
        let f = &m.functions[fi];
        let cx = Cx {
            m: &m,
            f,
            impls: &impls,
            pc,
            instr: &instr,
            defined: Cell::new(None),
        };
        rules::check(&cx).expect("the sample verifies");
        assert_eq!(
            cx.defined.get(),
            instr.written_reg(),
            "{}: the list and the typing rule disagree on the written register",
            instr.mnemonic()
        );
        let named = instr.opcode().written_operand();
        let operand = named.and_then(|n| {
            instr
                .operands()
                .as_slice()
                .iter()
                .find(|o| o.name == n)
                .copied()
        });
        assert_eq!(
            operand.map(|o| (o.kind, o.value)),
            instr.written_reg().map(|r| (OperandKind::R, r as i64)),
            "{}: the written operand is a register operand",
            instr.mnemonic()
        );
    }
}

#[test]
fn fixed_register_types_are_exactly_what_the_rules_demand() {
    let m = sample();
    for (fi, pc, instr) in instructions(&m) {
        for &(name, ty) in instr.opcode().fixed_types() {
            let operand = instr
                .operands()
                .as_slice()
                .iter()
                .find(|o| o.name == name)
                .copied()
                .unwrap_or_else(|| panic!("{} has no operand {name}", instr.mnemonic()));
            assert_eq!(
                operand.kind,
                OperandKind::R,
                "{}: {name} is a register",
                instr.mnemonic()
            );
            let f = &m.functions[fi];
            assert_eq!(
                f.regs[operand.value as usize],
                ty,
                "{}: the sample's register {name} has another type than the list says",
                instr.mnemonic()
            );
            // The same instruction reading a fresh register of another type
            // there is rejected, at this instruction.
            let mut bad = m.clone();
            let g: &mut Function = &mut bad.functions[fi];
            let other = if ty == INT { FLOAT } else { INT };
            let fresh = g.regs.len() as u16;
            g.regs.push(other);
            g.code[pc] = with_operand(&instr, name, fresh);
            let e = check(&bad).expect_err("a retyped fixed register is rejected");
            assert_eq!(
                (e.function.as_deref(), e.pc),
                (Some(f.name.as_str()), Some(pc)),
                "{}: {name} retyped: {e}",
                instr.mnemonic()
            );
        }
    }
}

#[test]
fn a_function_may_end_exactly_in_a_terminator() {
    let m = sample();
    for (fi, pc, instr) in instructions(&m) {
        // The function with a copy of the instruction appended: it verifies
        // where it stands, so only the end of the function is in question.
        let mut longer = m.clone();
        let g = &mut longer.functions[fi];
        g.code.push(instr);
        g.lines.push(g.lines[pc]);
        let verdict = check(&longer);
        if instr.is_terminator() {
            assert_eq!(verdict, Ok(()), "{} may end a function", instr.mnemonic());
        } else {
            let e = verdict.expect_err("a function ending in a non-terminator is rejected");
            assert!(
                e.message.starts_with("control can run off the end"),
                "{}: {e}",
                instr.mnemonic()
            );
        }
    }
}

#[test]
fn branch_targets_are_range_checked_and_the_only_l_operands() {
    let m = sample();
    for (fi, pc, instr) in instructions(&m) {
        let kinds = instr.opcode().operand_kinds();
        let targets = kinds.iter().filter(|k| **k == OperandKind::L).count();
        assert!(
            targets <= 1,
            "{} has {targets} branch targets",
            instr.mnemonic()
        );
        assert_eq!(instr.branch_target().is_some(), targets == 1);
        assert_eq!(instr.opcode().has_branch_target(), targets == 1);
        if let Some(target) = instr.branch_target() {
            assert!((target as usize) < m.functions[fi].code.len());
            let mut bad = m.clone();
            let g = &mut bad.functions[fi];
            let past = g.code.len() as u32;
            if let Some(t) = g.code[pc].branch_target_mut() {
                *t = past;
            }
            let e = check(&bad).expect_err("a jump past the end is rejected");
            assert!(
                e.message.contains("jump target"),
                "{}: {e}",
                instr.mnemonic()
            );
        }
    }
}
