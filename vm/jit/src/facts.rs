//! What is known of registers around each instruction, from dataflow over
//! the bytecode's control flow:
//!
//! - before it, the registers that a check has already found not nil (or,
//!   for a divisor, not zero) on every path that reaches it, so that the
//!   instruction can leave its own check out. A forward analysis: a
//!   register becomes known where an instruction checks it (`checks`),
//!   and is forgotten where an instruction writes it; where paths join,
//!   only what all of them know is kept.
//! - after it, the registers that may still be read (live), so that a
//!   dead reference is neither stored for the collector nor read back
//!   after it. A backward analysis.

use lang_bytecode::{Instr, Native};

/// Registers past this many are never known: the facts take
/// `TRACKED_REGS / 64` words per instruction, so a function of 100,000
/// instructions needs 3.2 MB at most, and nearly every register a hot
/// loop checks is among a function's first 256.
pub(crate) const TRACKED_REGS: usize = 256;

const WORDS: usize = TRACKED_REGS / 64;

/// One set of registers.
pub(crate) type Known = [u64; WORDS];

/// Whether `r` is in `set`.
pub(crate) fn contains(set: &Known, r: u16) -> bool {
    let r = r as usize;
    set.get(r / 64).is_some_and(|w| w & (1 << (r % 64)) != 0)
}

pub(crate) fn insert(set: &mut Known, r: u16) {
    let r = r as usize;
    if let Some(w) = set.get_mut(r / 64) {
        *w |= 1 << (r % 64);
    }
}

pub(crate) fn remove(set: &mut Known, r: u16) {
    let r = r as usize;
    if let Some(w) = set.get_mut(r / 64) {
        *w &= !(1 << (r % 64));
    }
}

/// The register instruction `ins` finds not nil (or not zero) when it
/// completes: the translation checks it with `Emit::ld_nonnil` on every
/// path, and the runtime's slow path fails on nil. Only instructions whose
/// translation checks the register unconditionally may be listed here.
pub(crate) fn checks(ins: &Instr) -> Option<u16> {
    match *ins {
        Instr::GetField { b, .. }
        | Instr::CellGet { b, .. }
        | Instr::EnumTag { b, .. }
        | Instr::GetPayload { b, .. }
        | Instr::ArrGet { b, .. }
        | Instr::ArrLen { b, .. } => Some(b),
        Instr::SetField { a, .. }
        | Instr::CellSet { a, .. }
        | Instr::ArrSet { a, .. }
        | Instr::ArrPush { a, .. } => Some(a),
        Instr::DivI { c, .. } | Instr::RemI { c, .. } => Some(c),
        Instr::CallNative { native, b, .. } if native == Native::StrByte as u16 => Some(b),
        _ => None,
    }
}

/// Per instruction of `code`, entered at `entry`: the registers known not
/// nil before it runs. Instructions that cannot be reached know
/// everything (nothing runs them).
pub(crate) fn nonnil_before(code: &[Instr], entry: usize) -> Vec<Known> {
    let mut before = vec![[u64::MAX; WORDS]; code.len()];
    if let Some(first) = before.get_mut(entry) {
        *first = [0; WORDS];
    }
    // Iterate to the fixpoint; sets only shrink, so this ends, usually
    // after two or three passes (one more per loop nesting level).
    let mut changed = true;
    while changed {
        changed = false;
        for (pc, ins) in code.iter().enumerate() {
            let Some(&known) = before.get(pc) else { break };
            let mut after = known;
            if let Some(r) = checks(ins) {
                insert(&mut after, r);
            }
            if let Some(r) = ins.written_reg() {
                remove(&mut after, r);
            }
            let fall = (!ins.is_terminator()).then_some(pc + 1);
            let target = ins.branch_target().map(|t| t as usize);
            for succ in [fall, target].into_iter().flatten() {
                if let Some(s) = before.get_mut(succ) {
                    let mut met = *s;
                    for (w, a) in met.iter_mut().zip(after.iter()) {
                        *w &= *a;
                    }
                    if met != *s {
                        *s = met;
                        changed = true;
                    }
                }
            }
        }
    }
    before
}

/// Whether `r` may be read after an instruction whose live-out set is
/// `live`: registers past `TRACKED_REGS` always may.
pub(crate) fn is_live(live: &Known, r: u16) -> bool {
    r as usize >= TRACKED_REGS || contains(live, r)
}

/// The registers instruction `ins` reads its values from: `regs_read`
/// without the written operand, except in a call (which may leave it as it
/// was). These are the registers to store before the runtime carries the
/// instruction out: a written register may be dead before it, and a dead
/// reference's variable may hold what a collection has since moved.
pub(crate) fn reads(ins: &Instr) -> Vec<u16> {
    let mut regs = ins.regs_read();
    if let (Some(name), false) = (ins.opcode().written_operand(), ins.is_call()) {
        // `regs_read` lists the operands first, in order; drop the written
        // one by position, not by number (`add r4, r4, r8` reads r4).
        let ops = ins.operands();
        let position = ops
            .as_slice()
            .iter()
            .filter(|o| o.kind == lang_bytecode::instr::OperandKind::R)
            .position(|o| o.name == name);
        if let Some(i) = position {
            if i < regs.len() {
                regs.remove(i);
            }
        }
    }
    regs
}

/// Per instruction of `code`: the registers that may be read after it
/// (`is_live`). A register is read by an instruction naming it
/// (`Instr::regs_read`, which counts a call's result register, since a
/// call of a function returning nothing leaves it as it was) and killed by
/// every other instruction that writes it.
pub(crate) fn live_after(code: &[Instr]) -> Vec<Known> {
    let mut after = vec![[0u64; WORDS]; code.len()];
    let mut before = vec![[0u64; WORDS]; code.len()];
    let mut changed = true;
    while changed {
        changed = false;
        for pc in (0..code.len()).rev() {
            let Some(ins) = code.get(pc) else { continue };
            let mut out = [0u64; WORDS];
            let fall = (!ins.is_terminator()).then_some(pc + 1);
            let target = ins.branch_target().map(|t| t as usize);
            for succ in [fall, target].into_iter().flatten() {
                if let Some(s) = before.get(succ) {
                    for (w, b) in out.iter_mut().zip(s.iter()) {
                        *w |= *b;
                    }
                }
            }
            let mut live_in = out;
            if let (Some(r), false) = (ins.written_reg(), ins.is_call()) {
                remove(&mut live_in, r);
            }
            for r in reads(ins) {
                insert(&mut live_in, r);
            }
            if let (Some(a), Some(b)) = (after.get_mut(pc), before.get_mut(pc)) {
                if *a != out || *b != live_in {
                    *a = out;
                    *b = live_in;
                    changed = true;
                }
            }
        }
    }
    after
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_in_a_loop_holds_at_its_header_only_if_made_before() {
        // 0: len r1 <- r0      (checks r0)
        // 1: getf r2 <- r0.0   (r0 known)
        // 2: jmp @1            (loop: r0 still known at 1)
        let code = [
            Instr::ArrLen { a: 1, b: 0 },
            Instr::GetField { a: 2, b: 0, i: 0 },
            Instr::Jmp { target: 1 },
        ];
        let k = nonnil_before(&code, 0);
        assert!(!contains(&k[0], 0));
        assert!(contains(&k[1], 0));
        assert!(contains(&k[2], 0));
    }

    #[test]
    fn a_write_or_a_join_forgets() {
        // 0: jmpif r3 @2   (r0 not yet known on either path)
        // 1: len r1 <- r0  (checks r0 on one path only)
        // 2: getf r2 <- r0 (join: r0 unknown)
        // 3: ld.nil r0     (writes r0)
        // 4: ret.v
        let code = [
            Instr::JmpIf { a: 3, target: 2 },
            Instr::ArrLen { a: 1, b: 0 },
            Instr::GetField { a: 2, b: 0, i: 0 },
            Instr::LoadNil { a: 0 },
            Instr::RetVoid {},
        ];
        let k = nonnil_before(&code, 0);
        assert!(!contains(&k[2], 0));
        assert!(contains(&k[3], 0));
        assert!(!contains(&k[4], 0));
    }

    #[test]
    fn a_register_is_live_until_its_last_read_and_in_loops() {
        // 0: ld.nil r0
        // 1: len r1 <- r0      (r1 is written again at 3 before any read)
        // 2: ld.nil r2         (r2 written, never read: dead)
        // 3: len r1 <- r0
        // 4: jmp @3            (loop: r0 live throughout)
        let code = [
            Instr::LoadNil { a: 0 },
            Instr::ArrLen { a: 1, b: 0 },
            Instr::LoadNil { a: 2 },
            Instr::ArrLen { a: 1, b: 0 },
            Instr::Jmp { target: 3 },
        ];
        let live = live_after(&code);
        assert!(is_live(&live[0], 0));
        assert!(is_live(&live[2], 0));
        assert!(is_live(&live[4], 0));
        assert!(!is_live(&live[2], 2));
        assert!(!is_live(&live[1], 1));
        assert!(is_live(&live[0], 300), "untracked registers are live");
        // An instruction reading its own result register keeps it live.
        let acc = [Instr::AddI { a: 4, b: 4, c: 5 }, Instr::Jmp { target: 0 }];
        let live = live_after(&acc);
        assert!(is_live(&live[1], 4) && is_live(&live[1], 5));
        // After a return nothing is live.
        let ret = [Instr::LoadNil { a: 0 }, Instr::Ret { a: 0 }];
        let live = live_after(&ret);
        assert!(is_live(&live[0], 0));
        assert!(!is_live(&live[1], 0));
    }

    #[test]
    fn an_entry_at_a_loop_knows_nothing_there() {
        let code = [
            Instr::ArrLen { a: 1, b: 0 },
            Instr::GetField { a: 2, b: 0, i: 0 },
            Instr::Jmp { target: 1 },
        ];
        let k = nonnil_before(&code, 1);
        assert!(!contains(&k[1], 0));
        assert!(contains(&k[2], 0));
    }
}
