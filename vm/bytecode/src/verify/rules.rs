//! The typing rule of every instruction.
//!
//! `check` is one exhaustive `match` over `Instr`, so adding an opcode without
//! a rule does not compile. Each rule range-checks the registers the
//! instruction really reads or writes and compares their declared types with
//! what the instruction needs. Types are interned (checked by
//! `types::check_type_table`), so comparing `TypeId`s compares types.

use super::decls::{signature, ImplSet};
use super::natives::check_native;
use super::types::{is_nullable, is_ref};
use super::VerifyError;
use crate::disasm::type_name;
use crate::instr::{Instr, Reg};
use crate::module::{Const, EnumDef, Function, Module, StructDef, Variant};
use crate::types::{Type, TypeId, BOOL, FLOAT, INT, STR};
use std::cell::Cell;

/// Where the verifier is: one instruction of one function of a module.
pub(super) struct Cx<'a> {
    pub m: &'a Module,
    pub f: &'a Function,
    pub impls: &'a ImplSet,
    pub pc: usize,
    pub instr: &'a Instr,
    /// The register the rule found the instruction writes (its result
    /// register), recorded by `define` and `result`. The opcode list states
    /// the same fact (`Instr::written_reg`); the unit tests check that the
    /// two agree for every opcode.
    pub defined: Cell<Option<Reg>>,
}

impl<'a> Cx<'a> {
    /// An error at this instruction.
    pub fn err(&self, message: impl Into<String>) -> VerifyError {
        VerifyError {
            function: Some(self.f.name.clone()),
            pc: Some(self.pc),
            mnemonic: Some(self.instr.mnemonic()),
            message: message.into(),
        }
    }

    /// A type's readable name for messages.
    pub fn name(&self, id: TypeId) -> String {
        type_name(self.m, id)
    }

    /// The type of register `r`, which must exist.
    pub fn reg(&self, r: Reg) -> Result<TypeId, VerifyError> {
        self.f.regs.get(r as usize).copied().ok_or_else(|| {
            self.err(format!(
                "register r{r} is out of range (the function has {} registers)",
                self.f.regs.len()
            ))
        })
    }

    /// The table entry for a type id (register types and type operands are
    /// range-checked before rules run, so a miss is reported, not assumed).
    pub fn ty(&self, id: TypeId) -> Result<&'a Type, VerifyError> {
        self.m.type_at(id).ok_or_else(|| {
            self.err(format!(
                "type t{id} is out of range (the type table has {} entries)",
                self.m.types.len()
            ))
        })
    }

    /// Register `r` must have type `want`.
    pub fn expect(&self, r: Reg, want: TypeId) -> Result<(), VerifyError> {
        let have = self.reg(r)?;
        if have == want {
            Ok(())
        } else {
            Err(self.err(format!(
                "register r{r} has type {}, expected {}",
                self.name(have),
                self.name(want)
            )))
        }
    }

    /// Register `r` is the one the instruction writes.
    pub fn defines(&self, r: Reg) {
        self.defined.set(Some(r));
    }

    /// Register `r` is the one the instruction writes, and must have type
    /// `want`.
    pub fn define(&self, r: Reg, want: TypeId) -> Result<(), VerifyError> {
        self.defines(r);
        self.expect(r, want)
    }

    /// Register `r`'s type must satisfy `pick`, which extracts what the rule
    /// needs from it; `what` describes the expected kind of type.
    fn shape<T>(
        &self,
        r: Reg,
        what: &str,
        pick: impl FnOnce(&'a Type) -> Option<T>,
    ) -> Result<T, VerifyError> {
        let have = self.reg(r)?;
        match pick(self.ty(have)?) {
            Some(t) => Ok(t),
            None => Err(self.err(format!(
                "register r{r} has type {}, expected {what}",
                self.name(have)
            ))),
        }
    }

    /// Registers `b..b+n`, which must all exist; their types. Positions are
    /// `usize` so that `b + n` cannot overflow.
    pub fn span(&self, b: usize, n: usize) -> Result<&'a [TypeId], VerifyError> {
        let end = b + n;
        // An empty span may start one past the last register, but no
        // further: interpreters form the span as a slice of the frame.
        self.f.regs.get(b..end).ok_or_else(|| {
            let len = self.f.regs.len();
            self.err(if n == 0 {
                format!("an empty register list starts at r{b}, past the end of the frame (the function has {len} registers)")
            } else {
                format!(
                    "registers r{b}..r{} are out of range (the function has {len} registers)",
                    end - 1
                )
            })
        })
    }

    /// Registers `b..b+n` must be exactly `want`: the count and each type.
    fn args(&self, b: usize, n: usize, want: &[TypeId], what: &str) -> Result<(), VerifyError> {
        if n != want.len() {
            return Err(self.err(format!(
                "{what} takes {} values but {n} are passed",
                want.len()
            )));
        }
        for (i, (have, want)) in self.span(b, n)?.iter().zip(want).enumerate() {
            if have != want {
                return Err(self.err(format!(
                    "{what}: value {i} (r{}) has type {}, expected {}",
                    b + i,
                    self.name(*have),
                    self.name(*want)
                )));
            }
        }
        Ok(())
    }

    /// Writes of an instruction with a result type: `R[A]` must have it.
    /// `R[A]` is the result register even when there is no result, which
    /// leaves it untouched.
    pub fn result(&self, a: Reg, ret: Option<TypeId>) -> Result<(), VerifyError> {
        self.defines(a);
        match ret {
            Some(r) => self.expect(a, r),
            None => Ok(()),
        }
    }

    /// The `T` operand's table entry, which `pick` must accept.
    fn type_operand<T>(
        &self,
        t: u32,
        what: &str,
        pick: impl FnOnce(&Type) -> Option<T>,
    ) -> Result<T, VerifyError> {
        pick(self.ty(t)?)
            .ok_or_else(|| self.err(format!("type operand {} is not {what}", self.name(t))))
    }

    fn binary(
        &self,
        a: Reg,
        b: Reg,
        c: Reg,
        operand: TypeId,
        out: TypeId,
    ) -> Result<(), VerifyError> {
        self.expect(b, operand)?;
        self.expect(c, operand)?;
        self.define(a, out)
    }

    fn unary(&self, a: Reg, b: Reg, operand: TypeId, out: TypeId) -> Result<(), VerifyError> {
        self.expect(b, operand)?;
        self.define(a, out)
    }

    fn jump(&self, target: u32) -> Result<(), VerifyError> {
        if (target as usize) < self.f.code.len() {
            Ok(())
        } else {
            Err(self.err(format!(
                "jump target @{target} is out of range (the function has {} instructions)",
                self.f.code.len()
            )))
        }
    }

    fn array_elem(&self, r: Reg) -> Result<TypeId, VerifyError> {
        self.shape(r, "an array", |t| match t {
            Type::Array(e) => Some(*e),
            _ => None,
        })
    }

    fn map_kv(&self, r: Reg) -> Result<(TypeId, TypeId), VerifyError> {
        self.shape(r, "a map", |t| match t {
            Type::Map(k, v) => Some((*k, *v)),
            _ => None,
        })
    }

    fn cell_content(&self, r: Reg) -> Result<TypeId, VerifyError> {
        self.shape(r, "a cell", |t| match t {
            Type::Cell(c) => Some(*c),
            _ => None,
        })
    }

    fn struct_def(&self, r: Reg) -> Result<&'a StructDef, VerifyError> {
        let m = self.m;
        let s = self.shape(r, "a struct", |t| match t {
            Type::Struct(s) => Some(*s),
            _ => None,
        })?;
        m.structs
            .get(s as usize)
            .ok_or_else(|| self.err(format!("struct index {s} is out of range")))
    }

    fn enum_def(&self, r: Reg) -> Result<&'a EnumDef, VerifyError> {
        let m = self.m;
        let e = self.shape(r, "an enum", |t| match t {
            Type::Enum(e) => Some(*e),
            _ => None,
        })?;
        m.enums
            .get(e as usize)
            .ok_or_else(|| self.err(format!("enum index {e} is out of range")))
    }

    fn field(&self, s: &'a StructDef, i: u16) -> Result<TypeId, VerifyError> {
        s.fields.get(i as usize).map(|f| f.ty).ok_or_else(|| {
            self.err(format!(
                "field {i} is out of range (struct `{}` has {} fields)",
                s.name,
                s.fields.len()
            ))
        })
    }

    fn variant(&self, e: &'a EnumDef, v: u16) -> Result<&'a Variant, VerifyError> {
        e.variants.get(v as usize).ok_or_else(|| {
            self.err(format!(
                "variant {v} is out of range (enum `{}` has {} variants)",
                e.name,
                e.variants.len()
            ))
        })
    }

    fn function(&self, f: u32) -> Result<&'a Function, VerifyError> {
        self.m.functions.get(f as usize).ok_or_else(|| {
            self.err(format!(
                "function f{f} is out of range (the module has {} functions)",
                self.m.functions.len()
            ))
        })
    }
}

/// Checks the instruction at `cx` against its typing rule.
pub(super) fn check(cx: &Cx) -> Result<(), VerifyError> {
    use Instr::*;
    match *cx.instr {
        Nop {} => Ok(()),
        Mov { a, b } => {
            cx.defines(a);
            cx.expect(b, cx.reg(a)?)
        }
        LoadInt { a, .. } => cx.define(a, INT),
        LoadK { a, k } => {
            let c = cx.m.consts.get(k as usize).ok_or_else(|| {
                cx.err(format!(
                    "constant k{k} is out of range (the module has {} constants)",
                    cx.m.consts.len()
                ))
            })?;
            cx.define(a, c.type_id())
        }
        LoadBool { a, .. } => cx.define(a, BOOL),
        LoadNil { a } => {
            cx.defines(a);
            let t = cx.reg(a)?;
            if is_nullable(cx.m, t) {
                Ok(())
            } else {
                Err(cx.err(format!(
                    "register r{a} has type {}, which cannot hold nil",
                    cx.name(t)
                )))
            }
        }
        GetGlobal { a, g } => cx.define(a, global(cx, g)?),
        SetGlobal { g, b } => cx.expect(b, global(cx, g)?),

        AddI { a, b, c }
        | SubI { a, b, c }
        | MulI { a, b, c }
        | DivI { a, b, c }
        | RemI { a, b, c }
        | AndI { a, b, c }
        | OrI { a, b, c }
        | XorI { a, b, c }
        | ShlI { a, b, c }
        | ShrI { a, b, c } => cx.binary(a, b, c, INT, INT),
        AddImmI { a, b, .. } | NegI { a, b } | NotI { a, b } => cx.unary(a, b, INT, INT),

        AddF { a, b, c }
        | SubF { a, b, c }
        | MulF { a, b, c }
        | DivF { a, b, c }
        | RemF { a, b, c } => cx.binary(a, b, c, FLOAT, FLOAT),
        NegF { a, b } => cx.unary(a, b, FLOAT, FLOAT),

        EqI { a, b, c } | NeI { a, b, c } | LtI { a, b, c } | LeI { a, b, c } => {
            cx.binary(a, b, c, INT, BOOL)
        }
        EqF { a, b, c } | NeF { a, b, c } | LtF { a, b, c } | LeF { a, b, c } => {
            cx.binary(a, b, c, FLOAT, BOOL)
        }
        EqB { a, b, c } | NeB { a, b, c } => cx.binary(a, b, c, BOOL, BOOL),
        NotB { a, b } => cx.unary(a, b, BOOL, BOOL),
        EqS { a, b, c } | NeS { a, b, c } | LtS { a, b, c } | LeS { a, b, c } => {
            cx.binary(a, b, c, STR, BOOL)
        }
        EqR { a, b, c } | NeR { a, b, c } => {
            // Comparing any two references by identity is memory-safe, so
            // the rule only asks that both are references.
            for r in [b, c] {
                let t = cx.reg(r)?;
                if !is_ref(cx.m, t) {
                    return Err(cx.err(format!(
                        "register r{r} has type {}, expected a reference type",
                        cx.name(t)
                    )));
                }
            }
            cx.define(a, BOOL)
        }
        IsNil { a, b } => {
            let t = cx.reg(b)?;
            if !is_nullable(cx.m, t) {
                return Err(cx.err(format!(
                    "register r{b} has type {}, which cannot hold nil",
                    cx.name(t)
                )));
            }
            cx.define(a, BOOL)
        }

        IntToFloat { a, b } => cx.unary(a, b, INT, FLOAT),
        FloatToInt { a, b } => cx.unary(a, b, FLOAT, INT),
        ToStr { a, b, t } => {
            cx.ty(t)?;
            cx.expect(b, t)?;
            cx.define(a, STR)
        }
        Concat { a, b, c } => cx.binary(a, b, c, STR, STR),
        StrLen { a, b } => cx.unary(a, b, STR, INT),
        Print { b, t, .. } => {
            cx.ty(t)?;
            cx.expect(b, t)
        }

        Jmp { target } => cx.jump(target),
        JmpIf { a, target } | JmpIfNot { a, target } => {
            cx.expect(a, BOOL)?;
            cx.jump(target)
        }
        JmpLtI { a, b, target } | JmpGeI { a, b, target } => {
            cx.expect(a, INT)?;
            cx.expect(b, INT)?;
            cx.jump(target)
        }

        Call { a, f, b, n } => {
            let callee = cx.function(f)?;
            if !callee.captures.is_empty() {
                return Err(cx.err(format!(
                    "function `{}` has captures; it can only be called through a closure (call.c)",
                    callee.name
                )));
            }
            cx.args(
                b as usize,
                n as usize,
                &callee.params,
                &format!("function `{}`", callee.name),
            )?;
            cx.result(a, callee.ret)
        }
        CallClosure { a, c, b, n } => {
            let (params, ret) = cx.shape(c, "a function type", |t| match t {
                Type::Func { params, ret } => Some((params, *ret)),
                _ => None,
            })?;
            cx.args(
                b as usize,
                n as usize,
                params,
                &format!("the closure in r{c}"),
            )?;
            cx.result(a, ret)
        }
        CallTrait { a, t, m, b, n } => {
            let ti = cx.type_operand(t, "a trait type", |ty| match ty {
                Type::Trait(i) => Some(*i),
                _ => None,
            })?;
            let tr =
                cx.m.traits
                    .get(ti as usize)
                    .ok_or_else(|| cx.err(format!("trait index {ti} is out of range")))?;
            let meth = tr.methods.get(m as usize).ok_or_else(|| {
                cx.err(format!(
                    "method {m} is out of range (trait `{}` has {} methods)",
                    tr.name,
                    tr.methods.len()
                ))
            })?;
            let what = format!("method `{}::{}`", tr.name, meth.name);
            if n as usize != meth.params.len() + 1 {
                return Err(cx.err(format!(
                    "{what} takes {} values with the receiver but {n} are passed",
                    meth.params.len() + 1
                )));
            }
            cx.expect(b, t)?;
            // The receiver is checked; the rest must be the method's params.
            cx.args(b as usize + 1, n as usize - 1, &meth.params, &what)?;
            cx.result(a, meth.ret)
        }
        CallNative { a, native, b, n } => check_native(cx, a, native, b, n),
        Ret { a } => match cx.f.ret {
            Some(r) => cx.expect(a, r),
            None => Err(cx.err("ret in a function that returns nothing (use ret.v)")),
        },
        RetVoid {} => match cx.f.ret {
            None => Ok(()),
            Some(r) => Err(cx.err(format!("ret.v in a function that returns {}", cx.name(r)))),
        },

        MakeClosure { a, f, b, n } => {
            let callee = cx.function(f)?;
            cx.args(
                b as usize,
                n as usize,
                &callee.captures,
                &format!("the captures of `{}`", callee.name),
            )?;
            cx.defines(a);
            let matches = cx.shape(a, "a function type", |t| match t {
                Type::Func { params, ret } => Some(*params == callee.params && *ret == callee.ret),
                _ => None,
            })?;
            if matches {
                Ok(())
            } else {
                Err(cx.err(format!(
                    "register r{a} has type {}, but function `{}` has signature {}",
                    cx.name(cx.reg(a)?),
                    callee.name,
                    signature(cx.m, &callee.params, callee.ret)
                )))
            }
        }
        GetCapture { a, i } => {
            let c = cx.f.captures.get(i as usize).copied().ok_or_else(|| {
                cx.err(format!(
                    "capture {i} is out of range (the function has {} captures)",
                    cx.f.captures.len()
                ))
            })?;
            cx.define(a, c)
        }
        NewCell { a, b } => {
            cx.defines(a);
            cx.expect(b, cx.cell_content(a)?)
        }
        CellGet { a, b } => cx.define(a, cx.cell_content(b)?),
        CellSet { a, b } => cx.expect(b, cx.cell_content(a)?),

        NewStruct { a, t, b, n } => {
            let s = cx.type_operand(t, "a struct type", |ty| match ty {
                Type::Struct(s) => Some(*s),
                _ => None,
            })?;
            let def =
                cx.m.structs
                    .get(s as usize)
                    .ok_or_else(|| cx.err(format!("struct index {s} is out of range")))?;
            cx.define(a, t)?;
            let fields: Vec<TypeId> = def.fields.iter().map(|f| f.ty).collect();
            cx.args(
                b as usize,
                n as usize,
                &fields,
                &format!("struct `{}`", def.name),
            )
        }
        GetField { a, b, i } => {
            let s = cx.struct_def(b)?;
            cx.define(a, cx.field(s, i)?)
        }
        SetField { a, i, b } => {
            let s = cx.struct_def(a)?;
            cx.expect(b, cx.field(s, i)?)
        }
        Upcast { a, b } => {
            cx.defines(a);
            let tr = cx.shape(a, "a trait type", |t| match t {
                Type::Trait(i) => Some(*i),
                _ => None,
            })?;
            let ta = cx.reg(a)?;
            let tb = cx.reg(b)?;
            if ta == tb {
                return Ok(());
            }
            match cx.ty(tb)? {
                Type::Struct(s) if cx.impls.contains(&(tr, *s)) => Ok(()),
                Type::Struct(_) => Err(cx.err(format!(
                    "struct {} does not implement trait {}",
                    cx.name(tb),
                    cx.name(ta)
                ))),
                _ => Err(cx.err(format!(
                    "register r{b} has type {}, expected a struct implementing {}",
                    cx.name(tb),
                    cx.name(ta)
                ))),
            }
        }

        NewEnum { a, t, v, b, n } => {
            let e = cx.type_operand(t, "an enum type", |ty| match ty {
                Type::Enum(e) => Some(*e),
                _ => None,
            })?;
            let def =
                cx.m.enums
                    .get(e as usize)
                    .ok_or_else(|| cx.err(format!("enum index {e} is out of range")))?;
            cx.define(a, t)?;
            let var = cx.variant(def, v)?;
            cx.args(
                b as usize,
                n as usize,
                &var.fields,
                &format!("variant `{}::{}`", def.name, var.name),
            )
        }
        EnumTag { a, b } => {
            cx.enum_def(b)?;
            cx.define(a, INT)
        }
        GetPayload { a, b, v, i } => {
            let def = cx.enum_def(b)?;
            let var = cx.variant(def, v)?;
            let t = var.fields.get(i as usize).copied().ok_or_else(|| {
                cx.err(format!(
                    "payload field {i} is out of range (variant `{}::{}` has {})",
                    def.name,
                    var.name,
                    var.fields.len()
                ))
            })?;
            cx.define(a, t)
        }

        NewArray { a, t, b, n } => {
            let e = array_type(cx, t)?;
            cx.define(a, t)?;
            for (i, have) in cx.span(b as usize, n as usize)?.iter().enumerate() {
                if *have != e {
                    return Err(cx.err(format!(
                        "element {i} (r{}) has type {}, expected {}",
                        b as usize + i,
                        cx.name(*have),
                        cx.name(e)
                    )));
                }
            }
            Ok(())
        }
        NewArrayFill { a, t, b, c } => {
            let e = array_type(cx, t)?;
            cx.define(a, t)?;
            cx.expect(b, e)?;
            cx.expect(c, INT)
        }
        ArrGet { a, b, c } => {
            let e = cx.array_elem(b)?;
            cx.expect(c, INT)?;
            cx.define(a, e)
        }
        ArrSet { a, b, c } => {
            let e = cx.array_elem(a)?;
            cx.expect(b, INT)?;
            cx.expect(c, e)
        }
        ArrLen { a, b } => {
            cx.array_elem(b)?;
            cx.define(a, INT)
        }
        ArrPush { a, b } => cx.expect(b, cx.array_elem(a)?),

        NewMap { a, t } => {
            cx.type_operand(t, "a map type", |ty| {
                matches!(ty, Type::Map(..)).then_some(())
            })?;
            cx.define(a, t)
        }
        MapGet { a, b, c } => {
            let (k, v) = cx.map_kv(b)?;
            cx.expect(c, k)?;
            cx.define(a, v)
        }
        MapSet { a, b, c } => {
            let (k, v) = cx.map_kv(a)?;
            cx.expect(b, k)?;
            cx.expect(c, v)
        }

        JmpEqI { a, b, target } | JmpNeI { a, b, target } => {
            cx.expect(a, INT)?;
            cx.expect(b, INT)?;
            cx.jump(target)
        }
        ForLoop { a, b, target } => {
            cx.define(a, INT)?;
            cx.expect(b, INT)?;
            cx.jump(target)
        }
        JmpLtF { a, b, target }
        | JmpLeF { a, b, target }
        | JmpNltF { a, b, target }
        | JmpNleF { a, b, target }
        | JmpEqF { a, b, target }
        | JmpNeF { a, b, target } => {
            cx.expect(a, FLOAT)?;
            cx.expect(b, FLOAT)?;
            cx.jump(target)
        }
        JmpEqImmI { a, target, .. }
        | JmpNeImmI { a, target, .. }
        | JmpLtImmI { a, target, .. }
        | JmpLeImmI { a, target, .. }
        | JmpGtImmI { a, target, .. }
        | JmpGeImmI { a, target, .. } => {
            cx.expect(a, INT)?;
            cx.jump(target)
        }
        JmpNil { a, target } | JmpNotNil { a, target } => {
            let t = cx.reg(a)?;
            if !is_nullable(cx.m, t) {
                return Err(cx.err(format!(
                    "register r{a} has type {}, which cannot hold nil",
                    cx.name(t)
                )));
            }
            cx.jump(target)
        }
        MulImmI { a, b, .. } => cx.unary(a, b, INT, INT),
        MulAddImmI { a, b, c, .. } => cx.binary(a, b, c, INT, INT),
        DivImmI { a, b, imm } | RemImmI { a, b, imm } => {
            if imm == 0 {
                return Err(cx.err("the divisor immediate is 0 (use div.i or rem.i)"));
            }
            cx.unary(a, b, INT, INT)
        }
        AddKF { a, b, k }
        | SubKF { a, b, k }
        | RSubKF { a, b, k }
        | MulKF { a, b, k }
        | DivKF { a, b, k }
        | RDivKF { a, b, k } => {
            float_const(cx, k)?;
            cx.unary(a, b, FLOAT, FLOAT)
        }
        JmpLtKF { a, k, target }
        | JmpLeKF { a, k, target }
        | JmpGtKF { a, k, target }
        | JmpGeKF { a, k, target }
        | JmpNltKF { a, k, target }
        | JmpNleKF { a, k, target }
        | JmpNgtKF { a, k, target }
        | JmpNgeKF { a, k, target } => {
            float_const(cx, k)?;
            cx.expect(a, FLOAT)?;
            cx.jump(target)
        }
    }
}

/// Constant `k` must be a float.
fn float_const(cx: &Cx, k: u32) -> Result<(), VerifyError> {
    match cx.m.consts.get(k as usize) {
        Some(Const::Float(_)) => Ok(()),
        Some(_) => Err(cx.err(format!("constant k{k} is not a float"))),
        None => Err(cx.err(format!(
            "constant k{k} is out of range (the module has {} constants)",
            cx.m.consts.len()
        ))),
    }
}

fn global(cx: &Cx, g: u32) -> Result<TypeId, VerifyError> {
    cx.m.globals.get(g as usize).map(|g| g.ty).ok_or_else(|| {
        cx.err(format!(
            "global g{g} is out of range (the module has {} globals)",
            cx.m.globals.len()
        ))
    })
}

fn array_type(cx: &Cx, t: u32) -> Result<TypeId, VerifyError> {
    cx.type_operand(t, "an array type", |ty| match ty {
        Type::Array(e) => Some(*e),
        _ => None,
    })
}
