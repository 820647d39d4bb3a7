//! One instruction line back to an `Instr`.
//!
//! Like the disassembler, this knows no opcode by name: the mnemonic selects
//! an opcode of the one list, each operand is read by its kind, and the
//! operands are encoded at their kinds' widths and decoded by the list's own
//! decoder. So a new opcode assembles without code here.

use super::text::{bad_index, split_top_level};
use super::Names;
use crate::instr::{Instr, OperandKind, ALL_OPCODES};

/// Assembles the instruction text of one line (mnemonic and operands; any
/// `; comment` already removed).
pub fn instruction(text: &str, names: &Names) -> Result<Instr, String> {
    let text = text.trim();
    let (mnemonic, rest) = text.split_once(' ').unwrap_or((text, ""));
    let op = ALL_OPCODES
        .iter()
        .find(|op| op.mnemonic() == mnemonic)
        .ok_or_else(|| format!("unknown mnemonic `{mnemonic}`"))?;
    let kinds = op.operand_kinds();
    let operands = split_top_level(rest);
    if operands.len() != kinds.len() {
        let wanted: Vec<String> = kinds.iter().map(|k| format!("{k:?}")).collect();
        return Err(format!(
            "`{mnemonic}` takes {} operand(s) ({}), found {}",
            kinds.len(),
            wanted.join(" "),
            operands.len()
        ));
    }
    let mut bytes = vec![*op as u8];
    for (kind, operand) in kinds.iter().zip(operands) {
        let value = operand_value(*kind, operand, names)?;
        encode_operand(*kind, value, &mut bytes)
            .ok_or_else(|| format!("operand `{operand}` is out of range for a {kind:?} operand"))?;
    }
    match Instr::decode(&bytes) {
        Ok((instr, used)) if used == bytes.len() => Ok(instr),
        _ => Err(format!("`{text}` does not encode as `{mnemonic}`")),
    }
}

/// The value of one operand, as the disassembler printed it for its kind.
fn operand_value(kind: OperandKind, text: &str, names: &Names) -> Result<i64, String> {
    let number = |digits: &str| -> Result<i64, String> {
        digits
            .parse::<i64>()
            .map_err(|_| format!("expected a {kind:?} operand, found `{text}`"))
    };
    match kind {
        OperandKind::R => number(text.strip_prefix('r').unwrap_or("")),
        OperandKind::K => match bad_index(text, "k") {
            Some(k) => Ok(k),
            None => number(text.strip_prefix('k').unwrap_or("")),
        },
        OperandKind::L => match bad_index(text, "@") {
            Some(l) => Ok(l),
            None => number(text.strip_prefix('@').unwrap_or("")),
        },
        OperandKind::T => names.types.id(text).map(i64::from),
        OperandKind::F => names.functions.index(text).map(i64::from),
        OperandKind::G => names.globals.index(text).map(i64::from),
        OperandKind::N => names.natives.index(text).map(i64::from),
        OperandKind::U | OperandKind::I => number(text),
    }
}

/// Appends `value` little-endian at the kind's width; `None` when it does
/// not fit (an `I` operand is signed, every other kind unsigned).
fn encode_operand(kind: OperandKind, value: i64, out: &mut Vec<u8>) -> Option<()> {
    match (kind, kind.width()) {
        (OperandKind::I, _) => out.extend_from_slice(&i32::try_from(value).ok()?.to_le_bytes()),
        (_, 2) => out.extend_from_slice(&u16::try_from(value).ok()?.to_le_bytes()),
        _ => out.extend_from_slice(&u32::try_from(value).ok()?.to_le_bytes()),
    }
    Some(())
}
