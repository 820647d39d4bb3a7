//! What is known of registers before each instruction: the registers that
//! a check has already found not nil (or, for a divisor, not zero) on
//! every path that reaches it, so that the instruction can leave its own
//! check out. A forward dataflow over the bytecode's control flow: a
//! register becomes known where an instruction checks it (`checks`), and
//! is forgotten where an instruction writes it; where paths join, only
//! what all of them know is kept.

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

fn insert(set: &mut Known, r: u16) {
    let r = r as usize;
    if let Some(w) = set.get_mut(r / 64) {
        *w |= 1 << (r % 64);
    }
}

fn remove(set: &mut Known, r: u16) {
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
