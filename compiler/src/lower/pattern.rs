//! Lowering of `match`: each arm's pattern becomes a test that jumps to
//! the next arm when it fails, binding the pattern's variables on success.

use super::builder::ConstKey;
use super::function::FnLower;
use crate::tir::{self, Pat};
use crate::types::Type;
use lang_bytecode::instr::Instr;
use lang_bytecode::types as bt;
use lang_bytecode::{Native, Reg};

impl<'b, 'p> FnLower<'b, 'p> {
    pub(super) fn match_(&mut self, s: &tir::Expr, arms: &[tir::Arm], dst: Option<Reg>) {
        let v = self.value_copy(s);
        let mut ends = Vec::new();
        for arm in arms {
            let mark = self.mark();
            let mut fails = Vec::new();
            self.test(&arm.pat, v, &s.ty, &mut fails);
            if let Some(g) = &arm.guard {
                fails.extend(self.cond_jump(g, false));
            }
            match dst {
                Some(d) => self.expr_to(&arm.body, d),
                None => self.effect(&arm.body),
            }
            ends.push(self.emit(Instr::Jmp { target: 0 }));
            self.patch_here(fails);
            self.release(mark);
        }
        // The checker proved the match exhaustive; only a value it does not
        // cover (none today) could get here, so fail loudly rather than
        // continue with an unset result.
        let msg = self
            .mb
            .constant(ConstKey::Str("no match arm matched".into()));
        let r = self.temp(bt::STR);
        self.emit(Instr::LoadK { a: r, k: msg });
        self.emit(Instr::CallNative {
            a: 0,
            native: Native::Panic as u16,
            b: r,
            n: 1,
        });
        self.patch_here(ends);
    }

    /// Emits a test of `pat` against `v` (of type `ty`), jumping to a patch
    /// in `fails` when it does not match, and binds the pattern's variables.
    pub(super) fn test(&mut self, pat: &Pat, v: Reg, ty: &Type, fails: &mut Vec<usize>) {
        match pat {
            Pat::Wildcard => {}
            Pat::Bind(id) => {
                let r = self.local_reg(*id);
                if self.local_in_cell(*id) {
                    self.emit(Instr::NewCell { a: r, b: v });
                } else {
                    self.emit(Instr::Mov { a: r, b: v });
                }
            }
            Pat::Int(n) if i32::try_from(*n).is_ok() => {
                let imm = i32::try_from(*n).unwrap_or_default();
                fails.push(self.emit(Instr::JmpNeImmI {
                    a: v,
                    imm,
                    target: 0,
                }));
            }
            Pat::Int(n) => {
                let k = self.temp(bt::INT);
                self.load_int(k, *n);
                let t = self.temp(bt::BOOL);
                self.emit(Instr::EqI { a: t, b: v, c: k });
                fails.push(self.emit(Instr::JmpIfNot { a: t, target: 0 }));
            }
            Pat::Range(lo, hi) if i32::try_from(*lo).is_ok() && i32::try_from(*hi).is_ok() => {
                let (lo, hi) = (
                    i32::try_from(*lo).unwrap_or_default(),
                    i32::try_from(*hi).unwrap_or_default(),
                );
                fails.push(self.emit(Instr::JmpLtImmI {
                    a: v,
                    imm: lo,
                    target: 0,
                }));
                fails.push(self.emit(Instr::JmpGtImmI {
                    a: v,
                    imm: hi,
                    target: 0,
                }));
            }
            Pat::Range(lo, hi) => {
                let l = self.temp(bt::INT);
                self.load_int(l, *lo);
                fails.push(self.emit(Instr::JmpLtI {
                    a: v,
                    b: l,
                    target: 0,
                }));
                let h = self.temp(bt::INT);
                self.load_int(h, *hi);
                fails.push(self.emit(Instr::JmpLtI {
                    a: h,
                    b: v,
                    target: 0,
                }));
            }
            Pat::Float(x) => {
                let k = self.temp(bt::FLOAT);
                let c = self.mb.constant(ConstKey::Float(x.to_bits()));
                self.emit(Instr::LoadK { a: k, k: c });
                let t = self.temp(bt::BOOL);
                self.emit(Instr::EqF { a: t, b: v, c: k });
                fails.push(self.emit(Instr::JmpIfNot { a: t, target: 0 }));
            }
            Pat::Str(s) => {
                let k = self.temp(bt::STR);
                let c = self.mb.constant(ConstKey::Str(s.clone()));
                self.emit(Instr::LoadK { a: k, k: c });
                let t = self.temp(bt::BOOL);
                self.emit(Instr::EqS { a: t, b: v, c: k });
                fails.push(self.emit(Instr::JmpIfNot { a: t, target: 0 }));
            }
            Pat::Bool(b) => {
                let j = if *b {
                    Instr::JmpIfNot { a: v, target: 0 }
                } else {
                    Instr::JmpIf { a: v, target: 0 }
                };
                fails.push(self.emit(j));
            }
            Pat::Nil => {
                fails.push(self.emit(Instr::JmpNotNil { a: v, target: 0 }));
            }
            Pat::Variant(vi, subs) => {
                let tag = self.temp(bt::INT);
                self.emit(Instr::EnumTag { a: tag, b: v });
                fails.push(self.emit(Instr::JmpNeImmI {
                    a: tag,
                    imm: i32::try_from(*vi).unwrap_or(i32::MAX),
                    target: 0,
                }));
                let Type::Enum(eid) = ty else { return };
                let payload: Vec<Type> = self
                    .bodies
                    .enums
                    .get(*eid as usize)
                    .and_then(|e| e.variants.get(*vi as usize))
                    .map(|(_, ts)| ts.clone())
                    .unwrap_or_default();
                for (i, (sub, pt)) in subs.iter().zip(&payload).enumerate() {
                    if matches!(sub, Pat::Wildcard) {
                        continue;
                    }
                    let r = self.temp_of(pt);
                    let (vi, i) = (self.operand(*vi as usize), self.operand(i));
                    self.emit(Instr::GetPayload {
                        a: r,
                        b: v,
                        v: vi,
                        i,
                    });
                    self.test(sub, r, pt, fails);
                }
            }
            Pat::Tuple(subs) => {
                let Type::Struct(sid) = ty else { return };
                let types: Vec<Type> = self
                    .bodies
                    .structs
                    .get(*sid as usize)
                    .map(|s| s.fields.iter().map(|(_, t)| t.clone()).collect())
                    .unwrap_or_default();
                for (i, (sub, t)) in subs.iter().zip(&types).enumerate() {
                    if matches!(sub, Pat::Wildcard) {
                        continue;
                    }
                    let r = self.temp_of(t);
                    let i = self.operand(i);
                    self.emit(Instr::GetField { a: r, b: v, i });
                    self.test(sub, r, t, fails);
                }
            }
            Pat::Or(alts) => {
                let mut oks = Vec::new();
                let last = alts.len().saturating_sub(1);
                for (i, alt) in alts.iter().enumerate() {
                    if i == last {
                        self.test(alt, v, ty, fails);
                    } else {
                        let mut alt_fails = Vec::new();
                        self.test(alt, v, ty, &mut alt_fails);
                        oks.push(self.emit(Instr::Jmp { target: 0 }));
                        self.patch_here(alt_fails);
                    }
                }
                self.patch_here(oks);
            }
        }
    }
}
