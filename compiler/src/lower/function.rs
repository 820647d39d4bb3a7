//! The lowering of one function: its state (registers, code, line table,
//! loops, the first limit exceeded), emission and jump patching, and the
//! function's frame: parameters, locals, the implicit return at the end.
//! Statements, expressions, instruction selection and patterns extend
//! `FnLower` in the sibling files.

use super::builder::{ConstKey, ModuleBuilder};
use super::registers::Alloc;
use super::stmt::LoopCx;
use super::Bodies;
use crate::ast::Span;
use crate::limits::{Limit, Overflow};
use crate::tir;
use crate::types::Type;
use lang_bytecode::instr::Instr;
use lang_bytecode::module::Function;
use lang_bytecode::types::TypeId;
use lang_bytecode::Reg;
use std::collections::HashMap;

pub(super) struct FnLower<'b, 'p> {
    pub(super) mb: &'b mut ModuleBuilder,
    pub(super) bodies: &'b Bodies<'p>,
    pub(super) f: &'p tir::Function,
    pub(super) regs: Vec<TypeId>,
    pub(super) code: Vec<Instr>,
    pub(super) lines: Vec<u32>,
    pub(super) line: u32,
    pub(super) local_regs: Vec<Reg>,
    pub(super) temps: HashMap<TypeId, (Vec<Reg>, usize)>,
    pub(super) blocks: HashMap<Vec<TypeId>, (Vec<Reg>, usize)>,
    pub(super) log: Vec<Alloc>,
    pub(super) loops: Vec<LoopCx>,
    /// The statement or expression being lowered, for diagnostics.
    pub(super) span: Span,
    /// The first limit the function exceeded; lowering goes on (with
    /// register 0 for registers it could not have), and the function is
    /// then reported instead of emitted.
    pub(super) overflow: Option<Overflow>,
    /// The greatest jump target emitted or patched so far.
    pub(super) max_target: u32,
}

impl<'b, 'p> FnLower<'b, 'p> {
    pub(super) fn new(
        mb: &'b mut ModuleBuilder,
        bodies: &'b Bodies<'p>,
        f: &'p tir::Function,
    ) -> Self {
        FnLower {
            mb,
            bodies,
            f,
            regs: Vec::new(),
            code: Vec::new(),
            lines: Vec::new(),
            line: 0,
            local_regs: Vec::new(),
            temps: HashMap::new(),
            blocks: HashMap::new(),
            log: Vec::new(),
            loops: Vec::new(),
            span: f.span,
            overflow: None,
            max_target: 0,
        }
    }

    /// Records that `limit` is exceeded at the current construct, unless
    /// an earlier one already was (the first is the one to report).
    pub(super) fn exceed(&mut self, limit: Limit) {
        if self.overflow.is_none() {
            self.overflow = Some(Overflow {
                limit,
                span: self.span,
            });
        }
    }

    pub(super) fn emit(&mut self, i: Instr) -> usize {
        if let Some(t) = i.branch_target() {
            self.max_target = self.max_target.max(t);
        }
        self.code.push(i);
        self.lines.push(self.line);
        self.code.len() - 1
    }

    pub(super) fn here(&self) -> u32 {
        u32::try_from(self.code.len()).unwrap_or(u32::MAX)
    }

    /// Points the jump at `at` to `target`.
    pub(super) fn patch(&mut self, at: usize, target: u32) {
        if let Some(t) = self.code.get_mut(at).and_then(Instr::branch_target_mut) {
            *t = target;
            self.max_target = self.max_target.max(target);
        }
    }

    pub(super) fn patch_here(&mut self, list: Vec<usize>) {
        let here = self.here();
        for at in list {
            self.patch(at, here);
        }
    }

    pub(super) fn load_int(&mut self, dst: Reg, v: i64) {
        match i32::try_from(v) {
            Ok(imm) => self.emit(Instr::LoadInt { a: dst, imm }),
            Err(_) => {
                let k = self.mb.constant(ConstKey::Int(v));
                self.emit(Instr::LoadK { a: dst, k })
            }
        };
    }

    pub(super) fn body(&mut self) {
        let f = self.f;
        // A register that does not fit is reported at the declaration of
        // the parameter or local that needs it.
        for i in 0..f.params as usize {
            let local = f.locals.get(i);
            self.span = local.map_or(f.span, |l| l.span);
            let t = local.map(|l| l.ty.clone()).unwrap_or(Type::Error);
            let id = self.mb.ty(&t);
            self.new_reg(id);
        }
        for (i, l) in f.locals.iter().enumerate() {
            self.span = l.span;
            let is_param = i < f.params as usize;
            let r = if l.in_cell {
                let cell = self.mb.cell(&l.ty);
                let r = self.new_reg(cell);
                if is_param {
                    // The parameter arrives as a value; closures share a cell.
                    self.emit(Instr::NewCell { a: r, b: i as Reg });
                }
                r
            } else if is_param {
                i as Reg
            } else {
                let id = self.mb.ty(&l.ty);
                self.new_reg(id)
            };
            self.local_regs.push(r);
        }
        self.block_stmts(&f.body);
        if let Some(v) = &f.body.value {
            self.effect(v);
        }
        // Control that reaches the end returns. In a function with a result
        // the checker proved the end unreachable, but the verifier needs the
        // last instruction to be a return or a jump.
        self.line = f.end_line;
        self.span = f.span;
        if self.end_is_reachable() {
            match self.mb.ret(&f.ret) {
                None => {
                    self.emit(Instr::RetVoid {});
                }
                Some(t) => {
                    let r = self.new_reg(t);
                    self.emit(Instr::Ret { a: r });
                }
            }
        }
    }

    /// Whether control can reach the end of the code emitted so far: it
    /// does unless the last instruction is a return or an unconditional
    /// jump and no jump targets the end. (Jumps not yet patched target
    /// places after the end, where their statement finishes.)
    pub(super) fn end_is_reachable(&self) -> bool {
        let last_stops = self.code.last().is_some_and(Instr::is_terminator);
        !last_stops || self.max_target >= self.here()
    }

    pub(super) fn finish(self) -> Function {
        let f = self.f;
        let params: Vec<TypeId> = self.regs.get(..f.params as usize).unwrap_or(&[]).to_vec();
        let captures = f.captures.iter().map(|c| self.mb.capture(c)).collect();
        let ret = self.mb.ret(&f.ret);
        Function {
            name: f.name.clone(),
            params,
            ret,
            captures,
            regs: self.regs,
            code: self.code,
            lines: self.lines,
        }
    }

    pub(super) fn local_in_cell(&self, id: tir::LocalId) -> bool {
        self.f.locals.get(id as usize).is_some_and(|l| l.in_cell)
    }

    pub(super) fn local_reg(&self, id: tir::LocalId) -> Reg {
        self.local_regs.get(id as usize).copied().unwrap_or(0)
    }

    pub(super) fn capture_in_cell(&self, i: u32) -> bool {
        self.f.captures.get(i as usize).is_some_and(|c| c.in_cell)
    }

    pub(super) fn capture_type(&self, i: u32) -> Type {
        self.f
            .captures
            .get(i as usize)
            .map(|c| c.ty.clone())
            .unwrap_or(Type::Error)
    }
}
