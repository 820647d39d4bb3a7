//! Lowering of statements: bindings, assignments, loops (with their
//! `break` and `continue` jumps) and returns.

use super::function::FnLower;
use crate::ast::BinOp;
use crate::tir::{self, Place, StmtKind as S};
use crate::types::Type;
use lang_bytecode::instr::Instr;
use lang_bytecode::types as bt;
use lang_bytecode::Reg;

/// A loop being lowered: where `continue` goes and the `break` jumps to patch.
pub(super) struct LoopCx {
    pub(super) continue_patches: Vec<usize>,
    pub(super) break_patches: Vec<usize>,
}

impl<'b, 'p> FnLower<'b, 'p> {
    pub(super) fn block_stmts(&mut self, b: &tir::Block) {
        for s in &b.stmts {
            self.stmt(s);
        }
    }

    pub(super) fn stmt(&mut self, s: &tir::Stmt) {
        self.line = s.line;
        self.span = s.span;
        let mark = self.mark();
        match &s.kind {
            S::Let(id, init) => {
                let r = self.local_reg(*id);
                if self.local_in_cell(*id) {
                    let v = self.value(init);
                    self.emit(Instr::NewCell { a: r, b: v });
                } else {
                    self.expr_to(init, r);
                }
            }
            S::Assign(place, op, value) => self.assign(place, *op, value),
            S::Expr(e) => self.effect(e),
            S::While(c, body) => {
                // Rotated: the test sits at the bottom, so an iteration
                // costs one conditional jump back and no unconditional one.
                let to_test = self.emit(Instr::Jmp { target: 0 });
                let top = self.here();
                // `continue` goes to the test, right after the body.
                let breaks = self.loop_body(body, s.line);
                let test = self.here();
                self.patch(to_test, test);
                let back = self.cond_jump(c, true);
                for at in back {
                    self.patch(at, top);
                }
                self.patch_here(breaks);
            }
            S::ForRange {
                var,
                start,
                end,
                inclusive,
                body,
            } => {
                // The loop variable cannot be assigned, so unless closures
                // capture it in a cell its own register is the counter.
                let in_cell = self.local_in_cell(*var);
                let i = if in_cell {
                    self.temp(bt::INT)
                } else {
                    self.local_reg(*var)
                };
                self.expr_to(start, i);
                let e = self.temp(bt::INT);
                self.expr_to(end, e);
                // Exit before the first iteration when the range is empty.
                let exit = if *inclusive {
                    self.emit(Instr::JmpLtI {
                        a: e,
                        b: i,
                        target: 0,
                    })
                } else {
                    self.emit(Instr::JmpGeI {
                        a: i,
                        b: e,
                        target: 0,
                    })
                };
                let top = self.here();
                if in_cell {
                    self.bind_loop_var(*var, i);
                }
                let mut breaks = vec![exit];
                breaks.extend(self.loop_body(body, s.line));
                if *inclusive {
                    // Stop after `end` itself, so that `..=MAX` cannot wrap.
                    breaks.push(self.emit(Instr::JmpGeI {
                        a: i,
                        b: e,
                        target: 0,
                    }));
                    self.emit(Instr::AddImmI { a: i, b: i, imm: 1 });
                    self.emit(Instr::Jmp { target: top });
                } else {
                    self.emit(Instr::ForLoop {
                        a: i,
                        b: e,
                        target: top,
                    });
                }
                self.patch_here(breaks);
            }
            S::ForEach { var, array, body } => {
                let at = self.mb.ty(&array.ty);
                let arr = self.temp(at);
                self.expr_to(array, arr);
                let i = self.temp(bt::INT);
                self.emit(Instr::LoadInt { a: i, imm: 0 });
                let n = self.temp(bt::INT);
                // Rotated: the test is at the bottom.
                let to_test = self.emit(Instr::Jmp { target: 0 });
                let top = self.here();
                let elem = match &array.ty {
                    Type::Array(t) => (**t).clone(),
                    _ => Type::Error,
                };
                if self.local_in_cell(*var) {
                    let et = self.mb.ty(&elem);
                    let x = self.temp(et);
                    self.emit(Instr::ArrGet { a: x, b: arr, c: i });
                    self.bind_loop_var(*var, x);
                } else {
                    let x = self.local_reg(*var);
                    self.emit(Instr::ArrGet { a: x, b: arr, c: i });
                }
                let breaks = self.loop_body(body, s.line);
                self.emit(Instr::AddImmI { a: i, b: i, imm: 1 });
                let test = self.here();
                self.patch(to_test, test);
                // The length is read every iteration: the body may change it.
                self.emit(Instr::ArrLen { a: n, b: arr });
                self.emit(Instr::JmpLtI {
                    a: i,
                    b: n,
                    target: top,
                });
                self.patch_here(breaks);
            }
            S::Return(v) => match v {
                Some(v) if v.ty.is_value() => {
                    let r = self.value(v);
                    self.emit(Instr::Ret { a: r });
                }
                Some(v) => {
                    self.effect(v);
                    self.emit_ret_void_or_dummy();
                }
                None => self.emit_ret_void_or_dummy(),
            },
            S::Break => {
                let j = self.emit(Instr::Jmp { target: 0 });
                if let Some(lp) = self.loops.last_mut() {
                    lp.break_patches.push(j);
                }
            }
            S::Continue => {
                let j = self.emit(Instr::Jmp { target: 0 });
                if let Some(lp) = self.loops.last_mut() {
                    lp.continue_patches.push(j);
                }
            }
        }
        self.release(mark);
    }

    /// Lowers the body of a loop whose statement is on `line`: `continue`
    /// jumps go to the code right after the body (the loop's step or test),
    /// and the `break` jumps are returned, to be patched to the loop's exit
    /// once it is known. The same bookkeeping for every kind of loop.
    fn loop_body(&mut self, body: &tir::Block, line: u32) -> Vec<usize> {
        self.loops.push(LoopCx {
            continue_patches: vec![],
            break_patches: vec![],
        });
        self.scoped_block(body);
        self.line = line;
        let Some(lp) = self.loops.pop() else {
            return vec![];
        };
        let cont = self.here();
        for at in lp.continue_patches {
            self.patch(at, cont);
        }
        lp.break_patches
    }

    pub(super) fn emit_ret_void_or_dummy(&mut self) {
        match self.mb.ret(&self.f.ret) {
            None => {
                self.emit(Instr::RetVoid {});
            }
            Some(t) => {
                let r = self.new_reg(t);
                self.emit(Instr::Ret { a: r });
            }
        }
    }

    /// A loop body, with its own temporaries.
    pub(super) fn scoped_block(&mut self, b: &tir::Block) {
        let mark = self.mark();
        self.block_stmts(b);
        if let Some(v) = &b.value {
            self.effect(v);
        }
        self.release(mark);
    }

    /// Binds this iteration's loop variable (a fresh cell if captured).
    pub(super) fn bind_loop_var(&mut self, var: tir::LocalId, value: Reg) {
        let r = self.local_reg(var);
        if self.local_in_cell(var) {
            self.emit(Instr::NewCell { a: r, b: value });
        } else {
            self.emit(Instr::Mov { a: r, b: value });
        }
    }

    pub(super) fn assign(&mut self, place: &Place, op: Option<BinOp>, value: &tir::Expr) {
        match place {
            Place::Local(id) => {
                let r = self.local_reg(*id);
                if self.local_in_cell(*id) {
                    let v = self.updated(op, value, |s, cur| {
                        s.emit(Instr::CellGet { a: cur, b: r });
                    });
                    self.emit(Instr::CellSet { a: r, b: v });
                } else {
                    match op {
                        None => self.expr_to(value, r),
                        Some(op) => self.arith_rhs(op, &value.ty, r, r, value),
                    }
                }
            }
            Place::Capture(i) => {
                let ty = self.capture_type(*i);
                let in_cell = self.capture_in_cell(*i);
                let ct = if in_cell {
                    self.mb.cell(&ty)
                } else {
                    self.mb.ty(&ty)
                };
                let c = self.temp(ct);
                let i = self.operand(*i as usize);
                self.emit(Instr::GetCapture { a: c, i });
                if in_cell {
                    let v = self.updated(op, value, |s, cur| {
                        s.emit(Instr::CellGet { a: cur, b: c });
                    });
                    self.emit(Instr::CellSet { a: c, b: v });
                }
            }
            Place::Global(g) => {
                let g = *g;
                let v = self.updated(op, value, |s, cur| {
                    s.emit(Instr::GetGlobal { a: cur, g });
                });
                self.emit(Instr::SetGlobal { g, b: v });
            }
            Place::Field(obj, idx) => {
                let o = self.value(obj);
                let i = self.operand(*idx as usize);
                let v = self.updated(op, value, |s, cur| {
                    s.emit(Instr::GetField { a: cur, b: o, i });
                });
                self.emit(Instr::SetField { a: o, i, b: v });
            }
            Place::Index(base, index) => {
                let b = self.value(base);
                let k = self.value(index);
                let is_map = matches!(base.ty, Type::Map(..));
                let v = self.updated(op, value, |s, cur| {
                    if is_map {
                        s.emit(Instr::MapGet { a: cur, b, c: k });
                    } else {
                        s.emit(Instr::ArrGet { a: cur, b, c: k });
                    }
                });
                if is_map {
                    self.emit(Instr::MapSet { a: b, b: k, c: v });
                } else {
                    self.emit(Instr::ArrSet { a: b, b: k, c: v });
                }
            }
        }
    }

    /// The value to store: `value` itself, or `current op value` where
    /// `load` puts the current value into a register.
    pub(super) fn updated(
        &mut self,
        op: Option<BinOp>,
        value: &tir::Expr,
        load: impl FnOnce(&mut Self, Reg),
    ) -> Reg {
        match op {
            None => self.value(value),
            Some(op) => {
                let cur = self.temp_of(&value.ty);
                load(self, cur);
                self.arith_rhs(op, &value.ty, cur, cur, value);
                cur
            }
        }
    }
}
