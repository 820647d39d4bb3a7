//! Lowering of expressions into a destination register: literals,
//! variables, calls, constructors, and the control-flow expressions (`if`,
//! blocks; `match` is in `pattern`). Operators are in `select`.

use super::builder::ConstKey;
use super::function::FnLower;
use crate::ast::UnOp;
use crate::tir::{self, CaptureFrom, ExprKind as K};
use crate::types::Type;
use lang_bytecode::instr::Instr;
use lang_bytecode::types::{self as bt, TypeId};
use lang_bytecode::Reg;

/// Array literals longer than this are built by pushing each element.
const MAX_ARRAY_LITERAL_REGS: usize = 16;

impl<'b, 'p> FnLower<'b, 'p> {
    /// Evaluates `e` for its effects only.
    pub(super) fn effect(&mut self, e: &tir::Expr) {
        match &e.kind {
            K::If(..) | K::Match(..) | K::Block(..) if !e.ty.is_value() => {
                self.control(e, None);
            }
            _ if e.ty.is_value() => {
                self.value(e);
            }
            _ => self.expr_to_opt(e, None),
        }
    }

    /// A register holding the value of `e` (a local's own register when `e`
    /// is a plain local, otherwise a temporary).
    pub(super) fn value(&mut self, e: &tir::Expr) -> Reg {
        match &e.kind {
            K::Local(id) if !self.local_in_cell(*id) => self.local_reg(*id),
            _ => {
                if !e.ty.is_value() {
                    // Code that never produces a value (like `panic(..)`):
                    // run it; the register is never read.
                    self.effect(e);
                    return self.temp(bt::INT);
                }
                let r = self.temp_of(&e.ty);
                self.expr_to(e, r);
                r
            }
        }
    }

    /// Like `value`, but never the register of a variable: for operands that
    /// must not change while the rest of an expression runs.
    pub(super) fn value_copy(&mut self, e: &tir::Expr) -> Reg {
        let r = self.temp_of(&e.ty);
        self.expr_to(e, r);
        r
    }

    /// Evaluates `e` into `dst`.
    pub(super) fn expr_to(&mut self, e: &tir::Expr, dst: Reg) {
        if !e.ty.is_value() {
            self.effect(e);
            return;
        }
        self.expr_to_opt(e, Some(dst));
    }

    pub(super) fn expr_to_opt(&mut self, e: &tir::Expr, dst: Option<Reg>) {
        let saved = (self.line, self.span);
        (self.line, self.span) = (e.line, e.span);
        let d = dst.unwrap_or(0);
        match &e.kind {
            K::Int(v) => self.load_int(d, *v),
            K::Float(x) => {
                let k = self.mb.constant(ConstKey::Float(x.to_bits()));
                self.emit(Instr::LoadK { a: d, k });
            }
            K::Bool(b) => {
                self.emit(Instr::LoadBool { a: d, v: *b as u16 });
            }
            K::Str(s) => {
                let k = self.mb.constant(ConstKey::Str(s.clone()));
                self.emit(Instr::LoadK { a: d, k });
            }
            K::Nil => {
                self.emit(Instr::LoadNil { a: d });
            }
            K::Local(id) => {
                let r = self.local_reg(*id);
                if self.local_in_cell(*id) {
                    self.emit(Instr::CellGet { a: d, b: r });
                } else if r != d {
                    self.emit(Instr::Mov { a: d, b: r });
                }
            }
            K::Capture(i) => {
                if self.capture_in_cell(*i) {
                    let t = self.capture_type(*i);
                    let ct = self.mb.cell(&t);
                    let c = self.temp(ct);
                    let i = self.operand(*i as usize);
                    self.emit(Instr::GetCapture { a: c, i });
                    self.emit(Instr::CellGet { a: d, b: c });
                } else {
                    let i = self.operand(*i as usize);
                    self.emit(Instr::GetCapture { a: d, i });
                }
            }
            K::Global(g) => {
                self.emit(Instr::GetGlobal { a: d, g: *g });
            }
            K::FuncRef(f) => {
                self.emit(Instr::MakeClosure {
                    a: d,
                    f: *f,
                    b: 0,
                    n: 0,
                });
            }
            K::Unary(op, v) => {
                let r = self.value(v);
                let i = match (op, &v.ty) {
                    (UnOp::Neg, Type::Float) => Instr::NegF { a: d, b: r },
                    (UnOp::Neg, _) => Instr::NegI { a: d, b: r },
                    (UnOp::Not, _) => Instr::NotB { a: d, b: r },
                    (UnOp::BitNot, _) => Instr::NotI { a: d, b: r },
                };
                self.emit(i);
            }
            K::Binary(op, l, r) => self.binary(*op, l, r, d),
            K::IsNil(v, negate) => {
                let r = self.value(v);
                self.emit(Instr::IsNil { a: d, b: r });
                if *negate {
                    self.emit(Instr::NotB { a: d, b: d });
                }
            }
            K::Call(f, args) => match self.inlined(*f, args) {
                Some(body) => {
                    let e = crate::inline::substitute(body, args, e.line, e.span);
                    self.expr_to(&e, d);
                }
                None => {
                    let b = self.call_args(args);
                    let n = self.operand(args.len());
                    self.emit(Instr::Call { a: d, f: *f, b, n });
                }
            },
            K::CallClosure(c, args) => {
                let c = self.value(c);
                let b = self.call_args(args);
                let n = self.operand(args.len());
                self.emit(Instr::CallClosure { a: d, c, b, n });
            }
            K::CallTrait(tid, m, args) => {
                let b = self.call_args(args);
                let n = self.operand(args.len());
                let t = self.mb.ty(&Type::Trait(*tid));
                let m = self.operand(*m as usize);
                self.emit(Instr::CallTrait { a: d, t, m, b, n });
            }
            K::CallNative(native, args) => {
                let b = self.args(args);
                let n = self.operand(args.len());
                self.emit(Instr::CallNative {
                    a: d,
                    native: *native as u16,
                    b,
                    n,
                });
            }
            K::Print(v, nl) => {
                let r = self.value(v);
                let t = self.mb.ty(&v.ty);
                self.emit(Instr::Print {
                    b: r,
                    t,
                    nl: *nl as u16,
                });
            }
            K::ToStr(v) => {
                let r = self.value(v);
                let t = self.mb.ty(&v.ty);
                self.emit(Instr::ToStr { a: d, b: r, t });
            }
            K::IntToFloat(v) => {
                let r = self.value(v);
                self.emit(Instr::IntToFloat { a: d, b: r });
            }
            K::FloatToInt(v) => {
                let r = self.value(v);
                self.emit(Instr::FloatToInt { a: d, b: r });
            }
            K::StrLen(v) => {
                let r = self.value(v);
                self.emit(Instr::StrLen { a: d, b: r });
            }
            K::ArrLen(v) => {
                let r = self.value(v);
                self.emit(Instr::ArrLen { a: d, b: r });
            }
            K::ArrPush(a, v) => {
                let a = self.value(a);
                let v = self.value(v);
                self.emit(Instr::ArrPush { a, b: v });
            }
            K::Field(o, i) => {
                let o = self.value(o);
                let i = self.operand(*i as usize);
                self.emit(Instr::GetField { a: d, b: o, i });
            }
            K::Index(b, i) => {
                let is_map = matches!(b.ty, Type::Map(..));
                let b = self.value(b);
                let i = self.value(i);
                if is_map {
                    self.emit(Instr::MapGet { a: d, b, c: i });
                } else {
                    self.emit(Instr::ArrGet { a: d, b, c: i });
                }
            }
            K::NewStruct(sid, fields) => {
                let tys: Vec<TypeId> = self
                    .bodies
                    .structs
                    .get(*sid as usize)
                    .map(|s| s.fields.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>())
                    .unwrap_or_default()
                    .iter()
                    .map(|t| self.mb.ty(t))
                    .collect();
                let n = self.operand(tys.len());
                let b = self.block(tys);
                // Source order of evaluation; layout order of slots.
                for (i, v) in fields {
                    let slot = b.saturating_add(self.operand(*i as usize));
                    self.expr_to(v, slot);
                }
                let t = self.mb.ty(&Type::Struct(*sid));
                self.emit(Instr::NewStruct { a: d, t, b, n });
            }
            K::NewEnum(eid, v, payload) => {
                let b = self.args(payload);
                let t = self.mb.ty(&Type::Enum(*eid));
                let (v, n) = (self.operand(*v as usize), self.operand(payload.len()));
                self.emit(Instr::NewEnum { a: d, t, v, b, n });
            }
            K::Upcast(v) => {
                let r = self.value(v);
                self.emit(Instr::Upcast { a: d, b: r });
            }
            K::Array(items) => {
                let t = self.mb.ty(&e.ty);
                if items.len() <= MAX_ARRAY_LITERAL_REGS {
                    let b = self.args(items);
                    self.emit(Instr::NewArray {
                        a: d,
                        t,
                        b,
                        n: items.len() as u16,
                    });
                } else {
                    self.emit(Instr::NewArray {
                        a: d,
                        t,
                        b: 0,
                        n: 0,
                    });
                    for it in items {
                        let mark = self.mark();
                        let v = self.value(it);
                        self.emit(Instr::ArrPush { a: d, b: v });
                        self.release(mark);
                    }
                }
            }
            K::ArrayFill(v, n) => {
                let v = self.value(v);
                let n = self.value(n);
                let t = self.mb.ty(&e.ty);
                self.emit(Instr::NewArrayFill {
                    a: d,
                    t,
                    b: v,
                    c: n,
                });
            }
            K::Map(entries) => {
                let t = self.mb.ty(&e.ty);
                self.emit(Instr::NewMap { a: d, t });
                for (k, v) in entries {
                    let mark = self.mark();
                    let k = self.value(k);
                    let v = self.value(v);
                    self.emit(Instr::MapSet { a: d, b: k, c: v });
                    self.release(mark);
                }
            }
            K::If(..) | K::Match(..) | K::Block(..) => self.control(e, dst),
            K::Closure(f, caps) => {
                let callee = self.bodies.get(*f);
                let tys: Vec<TypeId> = callee
                    .map(|c| c.captures.clone())
                    .unwrap_or_default()
                    .iter()
                    .map(|c| self.mb.capture(c))
                    .collect();
                let n = self.operand(tys.len());
                let b = self.block(tys);
                for (i, from) in caps.iter().enumerate() {
                    let slot = b.saturating_add(self.operand(i));
                    match from {
                        // A cell local's register holds the cell itself.
                        CaptureFrom::Local(id) => {
                            let r = self.local_reg(*id);
                            self.emit(Instr::Mov { a: slot, b: r });
                        }
                        CaptureFrom::Capture(ci) => {
                            let i = self.operand(*ci as usize);
                            self.emit(Instr::GetCapture { a: slot, i });
                        }
                    }
                }
                self.emit(Instr::MakeClosure { a: d, f: *f, b, n });
            }
        }
        (self.line, self.span) = saved;
    }

    /// The body to put in place of a call of `f` with `args`, when the call
    /// can be inlined (see `crate::inline`).
    pub(super) fn inlined(&self, f: tir::FuncIdx, args: &[tir::Expr]) -> Option<&'p tir::Expr> {
        if !self.bodies.inline || !crate::inline::simple_args(args) {
            return None;
        }
        crate::inline::inlinable(self.bodies.get(f)?)
    }

    /// The argument block of a call of a language function: `args`, except
    /// that a lone argument that is a variable is passed in the variable's
    /// own register, saving the copy. The call copies its arguments into
    /// the callee's frame, so the variable is never written through it.
    /// (Natives get a fresh block: some use theirs as scratch.)
    pub(super) fn call_args(&mut self, args: &[tir::Expr]) -> Reg {
        if let [arg] = args {
            if let K::Local(id) = arg.kind {
                let r = self.local_reg(id);
                // The register must have the expression's exact type, as a
                // block would; the verifier checks arguments against it.
                let same_type = self.regs.get(r as usize).copied() == Some(self.mb.ty(&arg.ty));
                if !self.local_in_cell(id) && same_type {
                    return r;
                }
            }
        }
        self.args(args)
    }

    /// Evaluates arguments into a fresh block of consecutive registers.
    pub(super) fn args(&mut self, args: &[tir::Expr]) -> Reg {
        let tys: Vec<TypeId> = args.iter().map(|a| self.mb.ty(&a.ty)).collect();
        let b = self.block(tys);
        for (i, a) in args.iter().enumerate() {
            self.expr_to(a, b + i as Reg);
        }
        b
    }

    /// Lowers an `if`, `match` or block; its value (if any) goes to `dst`.
    pub(super) fn control(&mut self, e: &tir::Expr, dst: Option<Reg>) {
        let dst = if e.ty.is_value() { dst } else { None };
        match &e.kind {
            K::If(c, then, els) => {
                let to_else = self.cond_jump(c, false);
                self.branch_block(then, dst);
                match els {
                    Some(els) => {
                        // No jump over the else branch when the then branch
                        // ends in a return, break or continue.
                        let to_end = if self.end_is_reachable() || to_else.is_empty() {
                            Some(self.emit(Instr::Jmp { target: 0 }))
                        } else {
                            None
                        };
                        self.patch_here(to_else);
                        self.branch_block(els, dst);
                        if let Some(to_end) = to_end {
                            let here = self.here();
                            self.patch(to_end, here);
                        }
                    }
                    None => self.patch_here(to_else),
                }
            }
            K::Block(b) => self.branch_block(b, dst),
            K::Match(s, arms) => self.match_(s, arms, dst),
            _ => self.expr_to_opt(e, dst),
        }
    }

    pub(super) fn branch_block(&mut self, b: &tir::Block, dst: Option<Reg>) {
        let mark = self.mark();
        self.block_stmts(b);
        if let Some(v) = &b.value {
            match dst {
                Some(d) => self.expr_to(v, d),
                None => self.effect(v),
            }
        }
        self.release(mark);
    }
}
