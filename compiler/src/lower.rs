//! Lowering: typed IR to a `lang_bytecode::Module`.
//!
//! The conventions (frames, calls, closures and cells, methods, entry) are
//! the ones stated in the `lang_bytecode` crate docs. Choices made here:
//! - Every local has its own register for the whole function; a local that
//!   closures capture and that is assigned after initialisation lives in a
//!   `cell` register instead, and `let` makes a fresh cell each time it
//!   runs, so closures made in different loop iterations keep their own
//!   variables.
//! - Temporaries come from per-type pools that are released at the end of
//!   each statement, so a function needs about as many registers as its
//!   largest statement, not as its length. Argument lists need consecutive
//!   registers of given types; those blocks are pooled by signature.
//! - Big array literals are built with `push` rather than one register per
//!   element.
//!
//! The checker has already rejected every invalid program, so lowering
//! reports only limits of the bytecode (registers and instructions per
//! function, `crate::limits`), at the construct that exceeds them.

use crate::ast::{BinOp, Span, UnOp};
use crate::diag::Diagnostic;
use crate::limits::{Limit, Overflow, MAX_INSTRUCTIONS};
use crate::tir::{self, CaptureFrom, ExprKind as K, Pat, Place, StmtKind as S};
use crate::types::Type;
use lang_bytecode::instr::Instr;
use lang_bytecode::module::{
    Const, EnumDef, Field, Function, ImplDef, Module, StructDef, TraitDef, TraitMethod, Variant,
};
use lang_bytecode::types::{self as bt, TypeId};
use lang_bytecode::{Native, Reg};
use std::collections::HashMap;

/// Array literals longer than this are built by pushing each element.
const MAX_ARRAY_LITERAL_REGS: usize = 16;

/// Builds the module's shared tables: interned types and constants.
#[derive(Clone)]
struct ModuleBuilder {
    module: Module,
    types: HashMap<Type, TypeId>,
    consts: HashMap<ConstKey, u32>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum ConstKey {
    Int(i64),
    Float(u64),
    Str(String),
}

impl ModuleBuilder {
    fn ty(&mut self, t: &Type) -> TypeId {
        if let Some(&id) = self.types.get(t) {
            return id;
        }
        let bty = match t {
            Type::Int => bt::Type::Int,
            Type::Float => bt::Type::Float,
            Type::Bool => bt::Type::Bool,
            Type::Str => bt::Type::Str,
            Type::Array(e) => bt::Type::Array(self.ty(e)),
            Type::Map(k, v) => {
                let k = self.ty(k);
                bt::Type::Map(k, self.ty(v))
            }
            Type::Fn(ps, r) => bt::Type::Func {
                params: ps.iter().map(|p| self.ty(p)).collect(),
                ret: self.ret(r),
            },
            Type::Struct(i) => bt::Type::Struct(*i),
            Type::Enum(i) => bt::Type::Enum(*i),
            Type::Trait(i) => bt::Type::Trait(*i),
            // An untyped `nil` (as in `println(nil)`) needs some nullable
            // register type; any will do.
            Type::Nil => bt::Type::Array(bt::INT),
            // Not values; they never reach a register that is read.
            Type::Void | Type::Never | Type::Error => bt::Type::Int,
        };
        let id = self.module.intern_type(bty);
        self.types.insert(t.clone(), id);
        id
    }

    fn ret(&mut self, t: &Type) -> Option<TypeId> {
        match t {
            Type::Void | Type::Never => None,
            t => Some(self.ty(t)),
        }
    }

    fn cell(&mut self, t: &Type) -> TypeId {
        let inner = self.ty(t);
        self.module.intern_type(bt::Type::Cell(inner))
    }

    fn constant(&mut self, key: ConstKey) -> u32 {
        if let Some(&k) = self.consts.get(&key) {
            return k;
        }
        let c = match &key {
            ConstKey::Int(v) => Const::Int(*v),
            ConstKey::Float(b) => Const::Float(f64::from_bits(*b)),
            ConstKey::Str(s) => Const::Str(s.clone()),
        };
        let k = u32::try_from(self.module.consts.len()).unwrap_or(u32::MAX);
        self.module.consts.push(c);
        self.consts.insert(key, k);
        k
    }
}

/// Lowers a checked program. Errors are only limits of the bytecode format.
pub fn lower(p: &tir::Program, file_name: &str) -> Result<Module, Vec<Diagnostic>> {
    let mut l = Lowering::new(file_name);
    l.declare(&p.structs, &p.enums, &p.traits, &p.impls, &p.globals);
    let bodies = Bodies {
        first: 0,
        functions: &p.functions,
        structs: &p.structs,
        enums: &p.enums,
        inline: true,
    };
    let mut errors = Vec::new();
    for f in &p.functions {
        match l.function(&bodies, f) {
            Ok(func) => l.mb.module.functions.push(func),
            Err(e) => errors.push(e),
        }
    }
    l.mb.module.entry = p.entry;
    if errors.is_empty() {
        Ok(l.mb.module)
    } else {
        Err(errors)
    }
}

/// What lowering a function looks up: the typed functions being lowered
/// together (`functions[i]` is function `first + i`; a closure is always
/// lowered with the function that creates it, so its captures are found
/// here) and the checker's whole struct and enum tables.
struct Bodies<'p> {
    first: tir::FuncIdx,
    functions: &'p [tir::Function],
    structs: &'p [tir::StructInfo],
    enums: &'p [tir::EnumInfo],
    /// Whether calls of tiny pure functions are inlined (`crate::inline`):
    /// for whole programs, not for REPL inputs, whose functions may be
    /// redefined later.
    inline: bool,
}

impl<'p> Bodies<'p> {
    fn get(&self, f: tir::FuncIdx) -> Option<&'p tir::Function> {
        let i = f.checked_sub(self.first)?;
        self.functions.get(i as usize)
    }
}

/// A module that grows one REPL input at a time (see `crate::session`).
/// Every table only grows, so the ids of types, constants, declarations,
/// globals and functions never change; a redefined function keeps its id
/// and gets new code. Struct, enum, trait and function ids are the
/// checker's, so the checker's `Env` and this module must grow together.
#[derive(Clone)]
pub struct Lowering {
    mb: ModuleBuilder,
}

impl Lowering {
    /// An empty module whose diagnostics and line tables name `file_name`.
    pub fn new(file_name: &str) -> Lowering {
        Lowering {
            mb: ModuleBuilder {
                module: Module::new(file_name),
                types: HashMap::new(),
                consts: HashMap::new(),
            },
        }
    }

    pub fn module(&self) -> &Module {
        &self.mb.module
    }

    /// Appends the declarations after those the module already has: the
    /// slices are the checker's whole tables.
    pub fn declare(
        &mut self,
        structs: &[tir::StructInfo],
        enums: &[tir::EnumInfo],
        traits: &[tir::TraitInfo],
        impls: &[tir::ImplInfo],
        globals: &[tir::Global],
    ) {
        let mb = &mut self.mb;
        // Declarations first: struct, enum and trait indices are the checker's.
        for s in structs.iter().skip(mb.module.structs.len()) {
            let fields = s
                .fields
                .iter()
                .map(|(n, t)| Field {
                    name: n.clone(),
                    ty: mb.ty(t),
                })
                .collect();
            mb.module.structs.push(StructDef {
                name: s.name.clone(),
                fields,
            });
        }
        for e in enums.iter().skip(mb.module.enums.len()) {
            let variants = e
                .variants
                .iter()
                .map(|(n, ts)| Variant {
                    name: n.clone(),
                    fields: ts.iter().map(|t| mb.ty(t)).collect(),
                })
                .collect();
            mb.module.enums.push(EnumDef {
                name: e.name.clone(),
                variants,
            });
        }
        for t in traits.iter().skip(mb.module.traits.len()) {
            let methods = t
                .methods
                .iter()
                .map(|m| TraitMethod {
                    name: m.name.clone(),
                    params: m.params.iter().map(|p| mb.ty(p)).collect(),
                    ret: mb.ret(&m.ret),
                })
                .collect();
            mb.module.traits.push(TraitDef {
                name: t.name.clone(),
                methods,
            });
        }
        for i in impls.iter().skip(mb.module.impls.len()) {
            mb.module.impls.push(ImplDef {
                trait_index: i.trait_id,
                struct_index: i.struct_id,
                methods: i.methods.clone(),
            });
        }
        for g in globals.iter().skip(mb.module.globals.len()) {
            let ty = mb.ty(&g.ty);
            mb.module.globals.push(Field {
                name: g.name.clone(),
                ty,
            });
        }
    }

    /// Adds one checked REPL input: the declarations `env` has beyond the
    /// module's are appended, the input's new functions too, and redefined
    /// functions get their new code in place. Sets the module's entry to
    /// `entry`. On an error the module is half-updated: discard it.
    pub fn add_input(
        &mut self,
        env: &crate::check::Env,
        code: &crate::check::InputProgram,
        entry: tir::FuncIdx,
    ) -> Result<(), Vec<Diagnostic>> {
        self.declare(
            &env.structs,
            &env.enums,
            &env.traits,
            &env.impls,
            &env.globals,
        );
        let bodies = Bodies {
            first: code.first_func,
            functions: &code.functions,
            structs: &env.structs,
            enums: &env.enums,
            inline: false,
        };
        let mut errors = Vec::new();
        // The new functions continue the module's numbering; fill any gap
        // so that ids stay the checker's even in a damaged state.
        while self.mb.module.functions.len() < code.first_func as usize {
            self.mb.module.functions.push(stub_function("<missing>"));
        }
        self.mb.module.functions.truncate(code.first_func as usize);
        for f in &code.functions {
            match self.function(&bodies, f) {
                Ok(func) => self.mb.module.functions.push(func),
                Err(e) => errors.push(e),
            }
        }
        for (idx, f) in &code.replaced {
            match self.function(&bodies, f) {
                Ok(func) => {
                    if let Some(slot) = self.mb.module.functions.get_mut(*idx as usize) {
                        *slot = func;
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        self.mb.module.entry = entry;
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Appends a function that does nothing and makes it the entry; returns
    /// its id. A new session starts with one, so that even the empty module
    /// verifies.
    pub fn add_stub_entry(&mut self, name: &str) -> u32 {
        let f = stub_function(name);
        let id = u32::try_from(self.mb.module.functions.len()).unwrap_or(u32::MAX);
        self.mb.module.functions.push(f);
        self.mb.module.entry = id;
        id
    }

    fn function(&mut self, bodies: &Bodies, f: &tir::Function) -> Result<Function, Diagnostic> {
        let mut fl = FnLower::new(&mut self.mb, bodies, f);
        fl.body();
        if fl.code.len() > MAX_INSTRUCTIONS {
            fl.span = f.span;
            fl.exceed(Limit::Instructions);
        }
        if let Some(overflow) = fl.overflow {
            return Err(overflow.diagnostic(&f.name));
        }
        Ok(fl.finish())
    }
}

/// A function that takes nothing and does nothing.
fn stub_function(name: &str) -> Function {
    Function {
        name: name.to_string(),
        params: vec![],
        ret: None,
        captures: vec![],
        regs: vec![],
        code: vec![Instr::RetVoid {}],
        lines: vec![1],
    }
}

/// A loop being lowered: where `continue` goes and the `break` jumps to patch.
struct LoopCx {
    continue_patches: Vec<usize>,
    break_patches: Vec<usize>,
}

enum Alloc {
    Temp(TypeId),
    Block(Vec<TypeId>),
}

struct FnLower<'b, 'p> {
    mb: &'b mut ModuleBuilder,
    bodies: &'b Bodies<'p>,
    f: &'p tir::Function,
    regs: Vec<TypeId>,
    code: Vec<Instr>,
    lines: Vec<u32>,
    line: u32,
    local_regs: Vec<Reg>,
    temps: HashMap<TypeId, (Vec<Reg>, usize)>,
    blocks: HashMap<Vec<TypeId>, (Vec<Reg>, usize)>,
    log: Vec<Alloc>,
    loops: Vec<LoopCx>,
    /// The statement or expression being lowered, for diagnostics.
    span: Span,
    /// The first limit the function exceeded; lowering goes on (with
    /// register 0 for registers it could not have), and the function is
    /// then reported instead of emitted.
    overflow: Option<Overflow>,
    /// The greatest jump target emitted or patched so far.
    max_target: u32,
}

impl<'b, 'p> FnLower<'b, 'p> {
    fn new(mb: &'b mut ModuleBuilder, bodies: &'b Bodies<'p>, f: &'p tir::Function) -> Self {
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

    // ------------------------------------------------------------ registers and code

    /// Records that `limit` is exceeded at the current construct, unless
    /// an earlier one already was (the first is the one to report).
    fn exceed(&mut self, limit: Limit) {
        if self.overflow.is_none() {
            self.overflow = Some(Overflow {
                limit,
                span: self.span,
            });
        }
    }

    /// A count or index as a u16 operand; one that does not fit is an error
    /// (and 0 stands in for it).
    fn operand(&mut self, n: usize) -> u16 {
        u16::try_from(n).unwrap_or_else(|_| {
            self.exceed(Limit::Operand);
            0
        })
    }

    fn new_reg(&mut self, t: TypeId) -> Reg {
        match Reg::try_from(self.regs.len()) {
            Ok(r) if r < Reg::MAX => {
                self.regs.push(t);
                r
            }
            _ => {
                self.exceed(Limit::Registers);
                0
            }
        }
    }

    /// A temporary of type `t`, free again at the end of the statement.
    fn temp(&mut self, t: TypeId) -> Reg {
        let (pool, used) = self.temps.entry(t).or_default();
        let r = if *used < pool.len() {
            pool[*used]
        } else {
            let r = match Reg::try_from(self.regs.len()) {
                Ok(r) if r < Reg::MAX => {
                    self.regs.push(t);
                    r
                }
                _ => {
                    self.exceed(Limit::Registers);
                    return 0;
                }
            };
            // Borrow again: `self.regs` was used above.
            let (pool, _) = self.temps.entry(t).or_default();
            pool.push(r);
            r
        };
        if let Some((_, used)) = self.temps.get_mut(&t) {
            *used += 1;
        }
        self.log.push(Alloc::Temp(t));
        r
    }

    fn temp_of(&mut self, t: &Type) -> Reg {
        let id = self.mb.ty(t);
        self.temp(id)
    }

    /// Consecutive temporaries with the given types (an argument list).
    fn block(&mut self, tys: Vec<TypeId>) -> Reg {
        if tys.is_empty() {
            return 0;
        }
        let (pool, used) = self.blocks.entry(tys.clone()).or_default();
        let start = if *used < pool.len() {
            pool[*used]
        } else {
            let start = self.regs.len();
            if start + tys.len() >= Reg::MAX as usize {
                self.exceed(Limit::Registers);
                return 0;
            }
            self.regs.extend_from_slice(&tys);
            let start = start as Reg;
            let (pool, _) = self.blocks.entry(tys.clone()).or_default();
            pool.push(start);
            start
        };
        if let Some((_, used)) = self.blocks.get_mut(&tys) {
            *used += 1;
        }
        self.log.push(Alloc::Block(tys));
        start
    }

    fn mark(&self) -> usize {
        self.log.len()
    }

    /// Frees every temporary taken since `mark`.
    fn release(&mut self, mark: usize) {
        while self.log.len() > mark {
            match self.log.pop() {
                Some(Alloc::Temp(t)) => {
                    if let Some((_, used)) = self.temps.get_mut(&t) {
                        *used = used.saturating_sub(1);
                    }
                }
                Some(Alloc::Block(tys)) => {
                    if let Some((_, used)) = self.blocks.get_mut(&tys) {
                        *used = used.saturating_sub(1);
                    }
                }
                None => break,
            }
        }
    }

    fn emit(&mut self, mut i: Instr) -> usize {
        if let Some(&mut t) = jump_target(&mut i) {
            self.max_target = self.max_target.max(t);
        }
        self.code.push(i);
        self.lines.push(self.line);
        self.code.len() - 1
    }

    fn here(&self) -> u32 {
        u32::try_from(self.code.len()).unwrap_or(u32::MAX)
    }

    /// Points the jump at `at` to `target`.
    fn patch(&mut self, at: usize, target: u32) {
        if let Some(t) = self.code.get_mut(at).and_then(jump_target) {
            *t = target;
            self.max_target = self.max_target.max(target);
        }
    }

    fn patch_here(&mut self, list: Vec<usize>) {
        let here = self.here();
        for at in list {
            self.patch(at, here);
        }
    }

    fn load_int(&mut self, dst: Reg, v: i64) {
        match i32::try_from(v) {
            Ok(imm) => self.emit(Instr::LoadInt { a: dst, imm }),
            Err(_) => {
                let k = self.mb.constant(ConstKey::Int(v));
                self.emit(Instr::LoadK { a: dst, k })
            }
        };
    }

    // ------------------------------------------------------------ functions

    fn body(&mut self) {
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
    fn end_is_reachable(&self) -> bool {
        let last_stops = matches!(
            self.code.last(),
            Some(Instr::Ret { .. } | Instr::RetVoid {} | Instr::Jmp { .. })
        );
        !last_stops || self.max_target >= self.here()
    }

    fn finish(self) -> Function {
        let f = self.f;
        let params: Vec<TypeId> = self.regs.get(..f.params as usize).unwrap_or(&[]).to_vec();
        let captures = f
            .captures
            .iter()
            .map(|c| {
                if c.in_cell {
                    self.mb.cell(&c.ty)
                } else {
                    self.mb.ty(&c.ty)
                }
            })
            .collect();
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

    fn local_in_cell(&self, id: tir::LocalId) -> bool {
        self.f.locals.get(id as usize).is_some_and(|l| l.in_cell)
    }

    fn local_reg(&self, id: tir::LocalId) -> Reg {
        self.local_regs.get(id as usize).copied().unwrap_or(0)
    }

    fn capture_in_cell(&self, i: u32) -> bool {
        self.f.captures.get(i as usize).is_some_and(|c| c.in_cell)
    }

    fn capture_type(&self, i: u32) -> Type {
        self.f
            .captures
            .get(i as usize)
            .map(|c| c.ty.clone())
            .unwrap_or(Type::Error)
    }

    // ------------------------------------------------------------ statements

    fn block_stmts(&mut self, b: &tir::Block) {
        for s in &b.stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &tir::Stmt) {
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
                self.loops.push(LoopCx {
                    continue_patches: vec![],
                    break_patches: vec![],
                });
                self.scoped_block(body);
                self.line = s.line;
                let test = self.here();
                self.patch(to_test, test);
                let back = self.cond_jump(c, true);
                for at in back {
                    self.patch(at, top);
                }
                if let Some(lp) = self.loops.pop() {
                    for at in lp.continue_patches {
                        self.patch(at, test);
                    }
                    self.patch_here(lp.break_patches);
                }
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
                self.loops.push(LoopCx {
                    continue_patches: vec![],
                    break_patches: vec![exit],
                });
                self.scoped_block(body);
                self.line = s.line;
                let cont = self.here();
                let mut breaks = Vec::new();
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
                if let Some(lp) = self.loops.pop() {
                    for at in lp.continue_patches {
                        self.patch(at, cont);
                    }
                    breaks.extend(lp.break_patches);
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
                self.loops.push(LoopCx {
                    continue_patches: vec![],
                    break_patches: vec![],
                });
                self.scoped_block(body);
                self.line = s.line;
                let cont = self.here();
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
                if let Some(lp) = self.loops.pop() {
                    for at in lp.continue_patches {
                        self.patch(at, cont);
                    }
                    self.patch_here(lp.break_patches);
                }
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

    fn emit_ret_void_or_dummy(&mut self) {
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
    fn scoped_block(&mut self, b: &tir::Block) {
        let mark = self.mark();
        self.block_stmts(b);
        if let Some(v) = &b.value {
            self.effect(v);
        }
        self.release(mark);
    }

    /// Binds this iteration's loop variable (a fresh cell if captured).
    fn bind_loop_var(&mut self, var: tir::LocalId, value: Reg) {
        let r = self.local_reg(var);
        if self.local_in_cell(var) {
            self.emit(Instr::NewCell { a: r, b: value });
        } else {
            self.emit(Instr::Mov { a: r, b: value });
        }
    }

    fn assign(&mut self, place: &Place, op: Option<BinOp>, value: &tir::Expr) {
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
    fn updated(
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

    // ------------------------------------------------------------ expressions

    /// Evaluates `e` for its effects only.
    fn effect(&mut self, e: &tir::Expr) {
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
    fn value(&mut self, e: &tir::Expr) -> Reg {
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
    fn value_copy(&mut self, e: &tir::Expr) -> Reg {
        let r = self.temp_of(&e.ty);
        self.expr_to(e, r);
        r
    }

    /// Evaluates `e` into `dst`.
    fn expr_to(&mut self, e: &tir::Expr, dst: Reg) {
        if !e.ty.is_value() {
            self.effect(e);
            return;
        }
        self.expr_to_opt(e, Some(dst));
    }

    fn expr_to_opt(&mut self, e: &tir::Expr, dst: Option<Reg>) {
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
                    .map(|c| {
                        if c.in_cell {
                            self.mb.cell(&c.ty)
                        } else {
                            self.mb.ty(&c.ty)
                        }
                    })
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
    fn inlined(&self, f: tir::FuncIdx, args: &[tir::Expr]) -> Option<&'p tir::Expr> {
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
    fn call_args(&mut self, args: &[tir::Expr]) -> Reg {
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
    fn args(&mut self, args: &[tir::Expr]) -> Reg {
        let tys: Vec<TypeId> = args.iter().map(|a| self.mb.ty(&a.ty)).collect();
        let b = self.block(tys);
        for (i, a) in args.iter().enumerate() {
            self.expr_to(a, b + i as Reg);
        }
        b
    }

    fn binary(&mut self, op: BinOp, l: &tir::Expr, r: &tir::Expr, d: Reg) {
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
    fn cond_jump(&mut self, e: &tir::Expr, sense: bool) -> Vec<usize> {
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
    fn cmp_jump(&mut self, op: BinOp, l: &tir::Expr, r: &tir::Expr, sense: bool) -> usize {
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
    fn mul_add(&mut self, l: &tir::Expr, r: &tir::Expr, d: Reg) -> bool {
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
    fn arith_rhs(&mut self, op: BinOp, ty: &Type, d: Reg, a: Reg, rhs: &tir::Expr) {
        if let Some(k) = self.kform(op, ty, rhs, false) {
            self.emit(k.instr(d, a));
            return;
        }
        let b = self.value(rhs);
        self.arith(op, ty, d, a, b);
    }

    /// The immediate or constant-operand form of `x op lit` (or of
    /// `lit op x` when `left`), if there is one.
    fn kform(&mut self, op: BinOp, ty: &Type, lit: &tir::Expr, left: bool) -> Option<KForm> {
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
    fn arith(&mut self, op: BinOp, ty: &Type, d: Reg, a: Reg, b: Reg) {
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

    // ------------------------------------------------------------ if, match, blocks

    /// Lowers an `if`, `match` or block; its value (if any) goes to `dst`.
    fn control(&mut self, e: &tir::Expr, dst: Option<Reg>) {
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

    fn branch_block(&mut self, b: &tir::Block, dst: Option<Reg>) {
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

    fn match_(&mut self, s: &tir::Expr, arms: &[tir::Arm], dst: Option<Reg>) {
        let v = self.value_copy(s);
        let mut ends = Vec::new();
        for arm in arms {
            let mark = self.mark();
            let mut fails = Vec::new();
            self.test(&arm.pat, v, &s.ty, &mut fails);
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
    fn test(&mut self, pat: &Pat, v: Reg, ty: &Type, fails: &mut Vec<usize>) {
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

/// An arithmetic instruction with an immediate or constant operand:
/// `instr(d, x)` computes `x op k` (or `k op x` for the reversed forms).
#[derive(Clone, Copy)]
enum KForm {
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

/// The target operand of a jump instruction.
fn jump_target(i: &mut Instr) -> Option<&mut u32> {
    match i {
        Instr::Jmp { target: t }
        | Instr::JmpIf { target: t, .. }
        | Instr::JmpIfNot { target: t, .. }
        | Instr::JmpLtI { target: t, .. }
        | Instr::JmpGeI { target: t, .. }
        | Instr::JmpEqI { target: t, .. }
        | Instr::JmpNeI { target: t, .. }
        | Instr::JmpLtF { target: t, .. }
        | Instr::JmpLeF { target: t, .. }
        | Instr::JmpNltF { target: t, .. }
        | Instr::JmpNleF { target: t, .. }
        | Instr::JmpEqF { target: t, .. }
        | Instr::JmpNeF { target: t, .. }
        | Instr::JmpEqImmI { target: t, .. }
        | Instr::JmpNeImmI { target: t, .. }
        | Instr::JmpLtImmI { target: t, .. }
        | Instr::JmpLeImmI { target: t, .. }
        | Instr::JmpGtImmI { target: t, .. }
        | Instr::JmpGeImmI { target: t, .. }
        | Instr::JmpNil { target: t, .. }
        | Instr::JmpNotNil { target: t, .. }
        | Instr::ForLoop { target: t, .. }
        | Instr::JmpLtKF { target: t, .. }
        | Instr::JmpLeKF { target: t, .. }
        | Instr::JmpGtKF { target: t, .. }
        | Instr::JmpGeKF { target: t, .. }
        | Instr::JmpNltKF { target: t, .. }
        | Instr::JmpNleKF { target: t, .. }
        | Instr::JmpNgtKF { target: t, .. }
        | Instr::JmpNgeKF { target: t, .. } => Some(t),
        _ => None,
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

#[cfg(test)]
mod tests {
    fn compile_verified(src: &str) -> lang_bytecode::Module {
        let m = match crate::compile("t.src", src) {
            Ok(m) => m,
            Err(d) => panic!("{}", d.render(false)),
        };
        if let Err(e) = lang_bytecode::check(&m) {
            panic!("{e}\n{}", lang_bytecode::disasm::disassemble(&m));
        }
        m
    }

    #[test]
    fn card_program_verifies() {
        compile_verified(include_str!("testdata/card.src"));
    }

    #[test]
    fn captured_variables_use_cells_only_when_assigned() {
        use lang_bytecode::types::Type as T;
        let m = compile_verified(
            "fn counter() -> fn() -> int { var n = 0; return fn() -> int { n += 1; return n; }; }
             fn loop_closures() -> [fn() -> int] {
                 var fs: [fn() -> int] = [];
                 for i in 0..3 { fs.push(fn() -> int { return i; }); }
                 return fs;
             }",
        );
        let lambdas: Vec<_> = m
            .functions
            .iter()
            .filter(|f| f.name == "<lambda>")
            .collect();
        assert_eq!(lambdas.len(), 2);
        let is_cell = |t: u32| matches!(m.types[t as usize], T::Cell(_));
        // The counter's `n` is assigned inside the closure: shared cell.
        assert!(is_cell(lambdas[0].captures[0]));
        // A loop variable is never assigned: captured by value, one per
        // iteration.
        assert!(!is_cell(lambdas[1].captures[0]));
    }

    #[test]
    fn only_calls_of_tiny_pure_functions_with_simple_arguments_are_inlined() {
        use lang_bytecode::Instr;
        let m = compile_verified(
            "fn add(a: int, b: int) -> int { return a + b * 2; }
             fn div(a: int, b: int) -> int { return a / b; }
             fn half(a: int) -> int { return a / 2; }
             fn twice(a: int) -> int { let b = a; return b * 2; }
             fn deep(a: int) -> int { return add(a, 1); }
             fn name(a: int) -> str { return \"n\"; }
             fn main() {
                 let x = 4;
                 println(add(x, 3));     // inlined
                 println(add(x + 1, 3)); // call: the argument is an expression
                 println(div(x, 2));     // call: may divide by zero
                 println(half(x));       // inlined: a nonzero literal divisor
                 println(twice(x));      // call: the body has a statement
                 println(deep(x));       // call: the body calls
                 println(name(x));       // call: not a number
             }",
        );
        let id = |name: &str| m.functions.iter().position(|f| f.name == name).expect(name) as u32;
        let main = &m.functions[id("main") as usize];
        let called: Vec<u32> = main
            .code
            .iter()
            .filter_map(|i| match i {
                Instr::Call { f, .. } => Some(*f),
                _ => None,
            })
            .collect();
        assert_eq!(
            called,
            vec![id("add"), id("div"), id("twice"), id("deep"), id("name")]
        );
    }

    #[test]
    fn line_tables_name_source_lines() {
        let m = compile_verified("fn f() -> int {\n    let x = 1;\n    return x + 2;\n}\n");
        let f = m.functions.iter().find(|f| f.name == "f").expect("f");
        assert_eq!(f.lines.len(), f.code.len());
        assert!(
            f.lines.contains(&2) && f.lines.contains(&3),
            "{:?}",
            f.lines
        );
        assert_eq!(m.source_name, "t.src");
    }

    #[test]
    fn output_is_deterministic() {
        let src = include_str!("testdata/features.src");
        let a = lang_bytecode::encode(&compile_verified(src));
        let b = lang_bytecode::encode(&compile_verified(src));
        assert_eq!(a, b);
    }

    #[test]
    fn features_verify() {
        compile_verified(include_str!("testdata/features.src"));
    }
}

#[cfg(test)]
mod depth_tests {
    /// Nesting just below the limit compiles on a default 2 MiB test thread,
    /// in every recursive shape the checker and lowering have.
    #[test]
    fn nesting_at_the_limit_compiles_on_a_small_stack() {
        let n = crate::check::MAX_NESTING - 10;
        let shapes = [
            format!("let x = {}1{};", "-(".repeat(n), ")".repeat(n)),
            format!("let x = {}1{};", "[".repeat(n), "]".repeat(n)),
            format!("let x = {}1{};", "1 + (".repeat(n), ")".repeat(n)),
            format!(
                "fn f(x: int) -> int {{ return x; }} let x = {}1{};",
                "f(".repeat(n),
                ")".repeat(n)
            ),
            format!(
                "fn g() {{ {}println(1);{} }}",
                "if true { ".repeat(n / 2),
                " }".repeat(n / 2)
            ),
            format!(
                "let x = {}1{};",
                "match 1 { _ => ".repeat(n / 2),
                " }".repeat(n / 2)
            ),
            format!(
                "let x = {}1{};",
                "fn() -> int { return ".repeat(n / 3),
                "; }()".repeat(n / 3)
            ),
        ];
        for src in shapes {
            let handle = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || {
                    crate::compile("t.src", &src)
                        .map(|_| ())
                        .map_err(|d| d.render(false))
                })
                .expect("spawn");
            let r = handle.join().expect("no stack overflow");
            if let Err(e) = r {
                panic!("{e}");
            }
        }
    }
}
