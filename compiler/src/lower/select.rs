//! Instruction selection for operators: arithmetic with immediate and
//! constant operands, fused multiply-add, comparisons as values, and
//! conditions as compare-and-branch instructions.

use super::builder::ConstKey;
use super::function::FnLower;
use crate::ast::{BinOp, UnOp};
use crate::tir::{self, ExprKind as K};
use crate::types::Type;
use lang_bytecode::instr::Instr;
use lang_bytecode::types as bt;
use lang_bytecode::Reg;

impl<'b, 'p> FnLower<'b, 'p> {
    pub(super) fn binary(&mut self, op: BinOp, l: &tir::Expr, r: &tir::Expr, d: Reg) {
        if matches!(op, BinOp::And | BinOp::Or) {
            // Short circuit: `d` holds the left value; the right side is
            // evaluated only when it decides.
            let t = self.temp(bt::BOOL);
            self.expr_to(l, t);
            let skip = if op == BinOp::And {
                self.emit(Instr::JmpIfNot { a: t, target: 0 })
            } else {
                self.emit(Instr::JmpIf { a: t, target: 0 })
            };
            self.expr_to(r, t);
            let end = self.here();
            self.patch(skip, end);
            self.emit(Instr::Mov { a: d, b: t });
            return;
        }
        let ty = if l.ty.is_value() {
            l.ty.clone()
        } else {
            r.ty.clone()
        };
        if op == BinOp::Add && ty == Type::Int && self.mul_add(l, r, d) {
            return;
        }
        if matches!(
            op,
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem
        ) && l.ty.is_value()
            && r.ty.is_value()
        {
            // A literal operand becomes an immediate or a constant operand
            // (literals have no effects, so the order does not matter).
            if let Some(k) = self.kform(op, &ty, r, false) {
                let a = self.value(l);
                self.emit(k.instr(d, a));
                return;
            }
            if let Some(k) = self.kform(op, &ty, l, true) {
                let b = self.value(r);
                self.emit(k.instr(d, b));
                return;
            }
        }
        // The left operand is copied when the right one can run statements
        // (a block-valued `if`/`match`) that might assign the left variable.
        let a = if has_control(r) {
            self.value_copy(l)
        } else {
            self.value(l)
        };
        let b = self.value(r);
        match op {
            BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::Div
            | BinOp::Rem
            | BinOp::Shl
            | BinOp::Shr
            | BinOp::BitAnd
            | BinOp::BitOr
            | BinOp::BitXor => self.arith(op, &ty, d, a, b),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let (x, y) = if matches!(op, BinOp::Gt | BinOp::Ge) {
                    (b, a)
                } else {
                    (a, b)
                };
                let strict = matches!(op, BinOp::Lt | BinOp::Gt);
                let i = match (&ty, strict) {
                    (Type::Float, true) => Instr::LtF { a: d, b: x, c: y },
                    (Type::Float, false) => Instr::LeF { a: d, b: x, c: y },
                    (Type::Str, true) => Instr::LtS { a: d, b: x, c: y },
                    (Type::Str, false) => Instr::LeS { a: d, b: x, c: y },
                    (_, true) => Instr::LtI { a: d, b: x, c: y },
                    (_, false) => Instr::LeI { a: d, b: x, c: y },
                };
                self.emit(i);
            }
            BinOp::Eq | BinOp::Ne => {
                let eq = op == BinOp::Eq;
                let i = match (&ty, eq) {
                    (Type::Int, true) => Instr::EqI { a: d, b: a, c: b },
                    (Type::Int, false) => Instr::NeI { a: d, b: a, c: b },
                    (Type::Float, true) => Instr::EqF { a: d, b: a, c: b },
                    (Type::Float, false) => Instr::NeF { a: d, b: a, c: b },
                    (Type::Bool, true) => Instr::EqB { a: d, b: a, c: b },
                    (Type::Bool, false) => Instr::NeB { a: d, b: a, c: b },
                    (Type::Str, true) => Instr::EqS { a: d, b: a, c: b },
                    (Type::Str, false) => Instr::NeS { a: d, b: a, c: b },
                    (_, true) => Instr::EqR { a: d, b: a, c: b },
                    (_, false) => Instr::NeR { a: d, b: a, c: b },
                };
                self.emit(i);
            }
            BinOp::And | BinOp::Or => {}
        }
    }

    /// Emits a test of bool expression `e` that jumps when `e == sense` and
    /// falls through otherwise; returns the jumps to patch. Comparisons
    /// become compare-and-branch instructions, `!`, `&&` and `||` become
    /// control flow, so no bool is materialised.
    pub(super) fn cond_jump(&mut self, e: &tir::Expr, sense: bool) -> Vec<usize> {
        let saved = (self.line, self.span);
        (self.line, self.span) = (e.line, e.span);
        let out = match &e.kind {
            K::Bool(b) => {
                if *b == sense {
                    vec![self.emit(Instr::Jmp { target: 0 })]
                } else {
                    vec![]
                }
            }
            K::Unary(UnOp::Not, v) => self.cond_jump(v, !sense),
            K::Binary(BinOp::And, l, r) if sense => {
                let skip = self.cond_jump(l, false);
                let j = self.cond_jump(r, true);
                self.patch_here(skip);
                j
            }
            K::Binary(BinOp::And, l, r) => {
                let mut j = self.cond_jump(l, false);
                j.extend(self.cond_jump(r, false));
                j
            }
            K::Binary(BinOp::Or, l, r) if sense => {
                let mut j = self.cond_jump(l, true);
                j.extend(self.cond_jump(r, true));
                j
            }
            K::Binary(BinOp::Or, l, r) => {
                let skip = self.cond_jump(l, true);
                let j = self.cond_jump(r, false);
                self.patch_here(skip);
                j
            }
            K::Binary(
                op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne),
                l,
                r,
            ) if l.ty.is_value() && r.ty.is_value() && matches!(l.ty, Type::Int | Type::Float) => {
                vec![self.cmp_jump(*op, l, r, sense)]
            }
            K::IsNil(v, negate) if v.ty.is_value() => {
                let r = self.value(v);
                let j = if sense != *negate {
                    Instr::JmpNil { a: r, target: 0 }
                } else {
                    Instr::JmpNotNil { a: r, target: 0 }
                };
                vec![self.emit(j)]
            }
            _ => {
                let r = self.value(e);
                let j = if sense {
                    Instr::JmpIf { a: r, target: 0 }
                } else {
                    Instr::JmpIfNot { a: r, target: 0 }
                };
                vec![self.emit(j)]
            }
        };
        (self.line, self.span) = saved;
        out
    }

    /// A compare-and-branch: jumps when `(l op r) == sense` (int or float
    /// operands).
    pub(super) fn cmp_jump(
        &mut self,
        op: BinOp,
        l: &tir::Expr,
        r: &tir::Expr,
        sense: bool,
    ) -> usize {
        use BinOp::*;
        let float = l.ty == Type::Float;
        if !float {
            // The relation on which to jump; ints have exact negations.
            let rel = if sense { op } else { negate(op) };
            if let Some(k) = int_imm(r) {
                let a = self.value(l);
                return self.emit(jump_imm(rel, a, k));
            }
            if let Some(k) = int_imm(l) {
                let b = self.value(r);
                return self.emit(jump_imm(mirror(rel), b, k));
            }
            let a = if has_control(r) {
                self.value_copy(l)
            } else {
                self.value(l)
            };
            let b = self.value(r);
            let target = 0;
            return self.emit(match rel {
                Lt => Instr::JmpLtI { a, b, target },
                Ge => Instr::JmpGeI { a, b, target },
                Gt => Instr::JmpLtI { a: b, b: a, target },
                Le => Instr::JmpGeI { a: b, b: a, target },
                Eq => Instr::JmpEqI { a, b, target },
                _ => Instr::JmpNeI { a, b, target },
            });
        }
        // A float literal operand: compare with the constant.
        if matches!(op, Lt | Le | Gt | Ge) {
            let lit = if let Some(x) = float_lit(r) {
                Some((l, op, x))
            } else {
                float_lit(l).map(|x| (r, mirror(op), x))
            };
            if let Some((e, rel, x)) = lit {
                let a = self.value(e);
                let k = self.mb.constant(ConstKey::Float(x.to_bits()));
                let target = 0;
                return self.emit(match (rel, sense) {
                    (Lt, true) => Instr::JmpLtKF { a, k, target },
                    (Le, true) => Instr::JmpLeKF { a, k, target },
                    (Gt, true) => Instr::JmpGtKF { a, k, target },
                    (Ge, true) => Instr::JmpGeKF { a, k, target },
                    (Lt, false) => Instr::JmpNltKF { a, k, target },
                    (Le, false) => Instr::JmpNleKF { a, k, target },
                    (Gt, false) => Instr::JmpNgtKF { a, k, target },
                    _ => Instr::JmpNgeKF { a, k, target },
                });
            }
        }
        let a = if has_control(r) {
            self.value_copy(l)
        } else {
            self.value(l)
        };
        let b = self.value(r);
        let target = 0;
        // Floats: `not (a < b)` is not `a >= b` when either is NaN, so the
        // negated forms have instructions of their own.
        self.emit(match (op, sense) {
            (Lt, true) => Instr::JmpLtF { a, b, target },
            (Le, true) => Instr::JmpLeF { a, b, target },
            (Gt, true) => Instr::JmpLtF { a: b, b: a, target },
            (Ge, true) => Instr::JmpLeF { a: b, b: a, target },
            (Lt, false) => Instr::JmpNltF { a, b, target },
            (Le, false) => Instr::JmpNleF { a, b, target },
            (Gt, false) => Instr::JmpNltF { a: b, b: a, target },
            (Ge, false) => Instr::JmpNleF { a: b, b: a, target },
            (Eq, true) | (Ne, false) => Instr::JmpEqF { a, b, target },
            _ => Instr::JmpNeF { a, b, target },
        })
    }

    /// `d := x * k + y` (or `y + x * k`) for ints as one `muladdk.i`, when
    /// one side of the addition is a product with an immediate. Operands
    /// are evaluated in source order. Returns false (emitting nothing)
    /// otherwise.
    pub(super) fn mul_add(&mut self, l: &tir::Expr, r: &tir::Expr, d: Reg) -> bool {
        if !(l.ty.is_value() && r.ty.is_value()) || has_control(l) || has_control(r) {
            return false;
        }
        if let Some((x, imm)) = product_with_imm(l) {
            let b = self.value(x);
            let c = self.value(r);
            self.emit(Instr::MulAddImmI { a: d, b, imm, c });
            return true;
        }
        if let Some((x, imm)) = product_with_imm(r).filter(|(x, _)| !has_control(x)) {
            // `l` first: source order (`x` runs no statements, so it
            // cannot assign a variable `l` names).
            let c = self.value(l);
            let b = self.value(x);
            self.emit(Instr::MulAddImmI { a: d, b, imm, c });
            return true;
        }
        false
    }

    /// `d := a op rhs`, with `rhs` as an immediate or constant operand when
    /// it is a literal.
    pub(super) fn arith_rhs(&mut self, op: BinOp, ty: &Type, d: Reg, a: Reg, rhs: &tir::Expr) {
        if let Some(k) = self.kform(op, ty, rhs, false) {
            self.emit(k.instr(d, a));
            return;
        }
        let b = self.value(rhs);
        self.arith(op, ty, d, a, b);
    }

    /// The immediate or constant-operand form of `x op lit` (or of
    /// `lit op x` when `left`), if there is one.
    pub(super) fn kform(
        &mut self,
        op: BinOp,
        ty: &Type,
        lit: &tir::Expr,
        left: bool,
    ) -> Option<KForm> {
        match ty {
            Type::Int => {
                let k = int_imm(lit)?;
                match (op, left) {
                    (BinOp::Add, _) => Some(KForm::AddI(k)),
                    (BinOp::Sub, false) => Some(KForm::AddI(k.checked_neg()?)),
                    (BinOp::Mul, _) => Some(KForm::MulI(k)),
                    (BinOp::Div, false) if k != 0 => Some(KForm::DivI(k)),
                    (BinOp::Rem, false) if k != 0 => Some(KForm::RemI(k)),
                    _ => None,
                }
            }
            Type::Float => {
                let x = float_lit(lit)?;
                let make: fn(u32) -> KForm = match (op, left) {
                    (BinOp::Add, _) => KForm::AddF,
                    (BinOp::Sub, false) => KForm::SubF,
                    (BinOp::Sub, true) => KForm::RSubF,
                    (BinOp::Mul, _) => KForm::MulF,
                    (BinOp::Div, false) => KForm::DivF,
                    (BinOp::Div, true) => KForm::RDivF,
                    _ => return None,
                };
                Some(make(self.mb.constant(ConstKey::Float(x.to_bits()))))
            }
            _ => None,
        }
    }

    /// `d := a op b` for arithmetic and bitwise operators of type `ty`.
    pub(super) fn arith(&mut self, op: BinOp, ty: &Type, d: Reg, a: Reg, b: Reg) {
        let (x, c) = (a, b);
        let i = match (ty, op) {
            (Type::Float, BinOp::Add) => Instr::AddF { a: d, b: x, c },
            (Type::Float, BinOp::Sub) => Instr::SubF { a: d, b: x, c },
            (Type::Float, BinOp::Mul) => Instr::MulF { a: d, b: x, c },
            (Type::Float, BinOp::Div) => Instr::DivF { a: d, b: x, c },
            (Type::Float, BinOp::Rem) => Instr::RemF { a: d, b: x, c },
            (Type::Str, _) => Instr::Concat { a: d, b: x, c },
            (_, BinOp::Add) => Instr::AddI { a: d, b: x, c },
            (_, BinOp::Sub) => Instr::SubI { a: d, b: x, c },
            (_, BinOp::Mul) => Instr::MulI { a: d, b: x, c },
            (_, BinOp::Div) => Instr::DivI { a: d, b: x, c },
            (_, BinOp::Rem) => Instr::RemI { a: d, b: x, c },
            (_, BinOp::Shl) => Instr::ShlI { a: d, b: x, c },
            (_, BinOp::Shr) => Instr::ShrI { a: d, b: x, c },
            (_, BinOp::BitAnd) => Instr::AndI { a: d, b: x, c },
            (_, BinOp::BitOr) => Instr::OrI { a: d, b: x, c },
            (_, BinOp::BitXor) => Instr::XorI { a: d, b: x, c },
            (_, _) => Instr::Nop {},
        };
        self.emit(i);
    }
}

/// An arithmetic instruction with an immediate or constant operand:
/// `instr(d, x)` computes `x op k` (or `k op x` for the reversed forms).
#[derive(Clone, Copy)]
pub(super) enum KForm {
    AddI(i32),
    MulI(i32),
    DivI(i32),
    RemI(i32),
    AddF(u32),
    SubF(u32),
    RSubF(u32),
    MulF(u32),
    DivF(u32),
    RDivF(u32),
}

impl KForm {
    fn instr(self, a: Reg, b: Reg) -> Instr {
        match self {
            KForm::AddI(imm) => Instr::AddImmI { a, b, imm },
            KForm::MulI(imm) => Instr::MulImmI { a, b, imm },
            KForm::DivI(imm) => Instr::DivImmI { a, b, imm },
            KForm::RemI(imm) => Instr::RemImmI { a, b, imm },
            KForm::AddF(k) => Instr::AddKF { a, b, k },
            KForm::SubF(k) => Instr::SubKF { a, b, k },
            KForm::RSubF(k) => Instr::RSubKF { a, b, k },
            KForm::MulF(k) => Instr::MulKF { a, b, k },
            KForm::DivF(k) => Instr::DivKF { a, b, k },
            KForm::RDivF(k) => Instr::RDivKF { a, b, k },
        }
    }
}

/// The int relation that holds exactly when `op` does not.
fn negate(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Ge,
        BinOp::Ge => BinOp::Lt,
        BinOp::Le => BinOp::Gt,
        BinOp::Gt => BinOp::Le,
        BinOp::Eq => BinOp::Ne,
        _ => BinOp::Eq,
    }
}

/// The relation with its operands swapped: `a op b` iff `b mirror(op) a`.
fn mirror(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Gt => BinOp::Lt,
        BinOp::Le => BinOp::Ge,
        BinOp::Ge => BinOp::Le,
        other => other,
    }
}

/// `if R[a] rel k then jump` for an int relation.
fn jump_imm(rel: BinOp, a: Reg, imm: i32) -> Instr {
    let target = 0;
    match rel {
        BinOp::Lt => Instr::JmpLtImmI { a, imm, target },
        BinOp::Le => Instr::JmpLeImmI { a, imm, target },
        BinOp::Gt => Instr::JmpGtImmI { a, imm, target },
        BinOp::Ge => Instr::JmpGeImmI { a, imm, target },
        BinOp::Eq => Instr::JmpEqImmI { a, imm, target },
        _ => Instr::JmpNeImmI { a, imm, target },
    }
}

/// `x * k` or `k * x` (ints) with `k` an immediate: `(x, k)`.
fn product_with_imm(e: &tir::Expr) -> Option<(&tir::Expr, i32)> {
    match &e.kind {
        K::Binary(BinOp::Mul, x, y) if e.ty == Type::Int => match (int_imm(x), int_imm(y)) {
            (_, Some(k)) => Some((&**x, k)),
            (Some(k), None) => Some((&**y, k)),
            _ => None,
        },
        _ => None,
    }
}

/// `e` as an int immediate, when it is an int literal that fits one.
fn int_imm(e: &tir::Expr) -> Option<i32> {
    match e.kind {
        K::Int(v) => i32::try_from(v).ok(),
        _ => None,
    }
}

/// `e` as a float literal.
fn float_lit(e: &tir::Expr) -> Option<f64> {
    match e.kind {
        K::Float(x) => Some(x),
        _ => None,
    }
}

/// Whether evaluating `e` can run statements (and so assign variables).
fn has_control(e: &tir::Expr) -> bool {
    matches!(e.kind, K::If(..) | K::Match(..) | K::Block(..))
}
