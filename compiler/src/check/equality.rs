//! `==` and `!=`: structural on tuples and enum values, by value on
//! `int`, `float`, `bool` and `str`, by identity on everything else
//! (structs, arrays, maps, closures, trait values).
//!
//! Structural comparison is compiled away here, so that the bytecode, the
//! verifier and the runtime need nothing new: `a == b` on a tuple or enum
//! type becomes a call of a comparison function generated for that type
//! (`==<(int, str)>`, `==<Option<int>>`), written in the typed IR and made
//! once per type (`Env::eq_functions`), like an instance of a generic
//! function. Its body compares the elements or the variant and payload,
//! calling the comparison functions of nested tuple and enum types, so a
//! recursive enum gets a recursive function (enum values and tuples are
//! immutable and built from their parts, so a value never contains
//! itself and the recursion ends). A variant whose last payload is of its
//! own enum (a list's tail) is followed in a loop instead, so comparing
//! long lists needs no stack. `nil` equals only `nil`.
//!
//! The array methods that look for a value, `index_of` and `contains`,
//! follow the same rule: on an array of tuples or enum values they call
//! a generated search (`index_of<(int, str)>`) that compares with the
//! element type's comparison function; on other arrays they stay natives.
//!
//! While a generic declaration is checked with opaque parameters
//! (`dry_run`) nothing is generated: that code is thrown away, and every
//! instance is checked again with concrete types.

use super::expr::mk;
use super::{Checker, FnSig};
use crate::ast::{BinOp, Span, UnOp};
use crate::tir::{self, ExprKind as K, FuncIdx, LocalId, Origin, Pat};
use crate::types::{display, Type};
use lang_bytecode::Native;

/// The locals of a comparison function being written: its two parameters
/// first, then the payload bindings of its patterns.
struct Locals(Vec<tir::Local>);

impl Locals {
    fn add(&mut self, name: &str, ty: &Type) -> LocalId {
        let id = LocalId::try_from(self.0.len()).unwrap_or(LocalId::MAX);
        self.0.push(tir::Local {
            name: name.to_string(),
            ty: ty.clone(),
            in_cell: false,
            span: Span::default(),
        });
        id
    }
}

/// A node of a generated function, which has no source: line 0, like the
/// prelude's code.
fn at(kind: K, ty: Type) -> tir::Expr {
    mk(kind, ty, 0)
}

fn stmt(kind: tir::StmtKind) -> tir::Stmt {
    tir::Stmt {
        kind,
        line: 0,
        span: Span::default(),
    }
}

fn ret(v: tir::Expr) -> tir::Stmt {
    stmt(tir::StmtKind::Return(Some(v)))
}

fn assign(id: LocalId, v: tir::Expr) -> tir::Stmt {
    stmt(tir::StmtKind::Assign(tir::Place::Local(id), None, v))
}

/// `if cond { then }`.
fn if_then(cond: tir::Expr, then: tir::Stmt) -> tir::Stmt {
    let then = tir::Block {
        stmts: vec![then],
        value: None,
    };
    stmt(tir::StmtKind::Expr(at(
        K::If(Box::new(cond), then, None),
        Type::Void,
    )))
}

/// A block of statements, as an expression without a value.
fn void_block(stmts: Vec<tir::Stmt>) -> tir::Expr {
    at(K::Block(tir::Block { stmts, value: None }), Type::Void)
}

fn local(id: LocalId, ty: &Type) -> tir::Expr {
    at(K::Local(id), ty.clone())
}

fn boolean(b: bool) -> tir::Expr {
    at(K::Bool(b), Type::Bool)
}

fn and(l: tir::Expr, r: tir::Expr) -> tir::Expr {
    at(K::Binary(BinOp::And, Box::new(l), Box::new(r)), Type::Bool)
}

/// Every comparison in `eqs` holds (`true` when there are none).
fn all(eqs: Vec<tir::Expr>) -> tir::Expr {
    eqs.into_iter().reduce(and).unwrap_or_else(|| boolean(true))
}

impl Checker<'_> {
    /// `l == r` (or `!=` when `op` says so) for operands of one checked
    /// type.
    pub(super) fn equality(
        &mut self,
        op: BinOp,
        l: tir::Expr,
        r: tir::Expr,
        line: u32,
    ) -> tir::Expr {
        let ty = l.ty.clone();
        let eq = match self.eq_function(&ty) {
            Some(f) => mk(K::Call(f, vec![l, r]), Type::Bool, line),
            None => return mk(K::Binary(op, Box::new(l), Box::new(r)), Type::Bool, line),
        };
        if op == BinOp::Ne {
            return mk(K::Unary(UnOp::Not, Box::new(eq)), Type::Bool, line);
        }
        eq
    }

    /// `a == b` inside a generated function.
    fn eq_of(&mut self, a: tir::Expr, b: tir::Expr) -> tir::Expr {
        let eq = self.equality(BinOp::Eq, a, b, 0);
        tir::Expr { line: 0, ..eq }
    }

    /// The comparison function of a tuple or enum type, made on first use;
    /// `None` for the types `==` compares by an instruction (by value or
    /// by identity), and while generic code is checked with opaque
    /// parameters.
    fn eq_function(&mut self, ty: &Type) -> Option<FuncIdx> {
        let structural = match ty {
            Type::Enum(_) => true,
            Type::Struct(id) => self
                .env
                .structs
                .get(*id as usize)
                .is_some_and(|s| s.origin == Origin::Tuple),
            _ => false,
        };
        if !structural || self.dry_run || !self.is_concrete(ty) {
            return None;
        }
        if let Some(&f) = self.env.eq_functions.get(ty) {
            return Some(f);
        }
        let f = self.new_func_slot(FnSig {
            name: format!("==<{}>", display(ty, &self.env)),
            params: vec![ty.clone(), ty.clone()],
            ret: Type::Bool,
            has_self: false,
        });
        // Registered before its body is written: a recursive enum's
        // function calls itself.
        self.env.eq_functions.insert(ty.clone(), f);
        let mut locals = Locals(Vec::new());
        let a = locals.add("a", ty);
        let b = locals.add("b", ty);
        // `nil` equals only `nil`: when either side is nil, both must be.
        let is_nil = |id| at(K::IsNil(Box::new(local(id, ty)), false), Type::Bool);
        let either_nil = at(
            K::Binary(BinOp::Or, Box::new(is_nil(a)), Box::new(is_nil(b))),
            Type::Bool,
        );
        let nil_check = if_then(either_nil, ret(and(is_nil(a), is_nil(b))));
        let stmts = match ty {
            Type::Enum(_) => {
                // A loop, so that a list (a variant whose last payload is
                // of its own enum) is walked rather than recursed into:
                // its length is not bounded by the stack.
                let step = self.variants_eq(ty, a, b, &mut locals);
                let body = tir::Block {
                    stmts: vec![nil_check, stmt(tir::StmtKind::Expr(step))],
                    value: None,
                };
                vec![stmt(tir::StmtKind::While(boolean(true), body))]
            }
            _ => vec![nil_check, ret(self.elements_eq(ty, a, b))],
        };
        let body = tir::Block { stmts, value: None };
        let func = tir::Function {
            name: self.env.sigs[f as usize].name.clone(),
            params: 2,
            ret: Type::Bool,
            locals: locals.0,
            captures: vec![],
            body,
            end_line: 0,
            span: Span::default(),
        };
        if let Some(slot) = self.bodies.get_mut(f as usize) {
            *slot = Some(func);
        }
        Some(f)
    }

    /// Tuples `a` and `b` (neither nil) are equal element by element.
    fn elements_eq(&mut self, ty: &Type, a: LocalId, b: LocalId) -> tir::Expr {
        let elems = self.tuple_elems(ty).unwrap_or_default();
        let mut eqs = Vec::new();
        for (i, et) in elems.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let x = at(K::Field(Box::new(local(a, ty)), i), et.clone());
            let y = at(K::Field(Box::new(local(b, ty)), i), et.clone());
            eqs.push(self.eq_of(x, y));
        }
        all(eqs)
    }

    /// `xs.index_of(x)` or `xs.contains(x)` on an array whose elements
    /// compare structurally: a call of the element type's search
    /// function. Gives the arguments back for other arrays, which keep
    /// the native.
    pub(super) fn structural_search(
        &mut self,
        native: Native,
        args: Vec<tir::Expr>,
        line: u32,
    ) -> Result<tir::Expr, Vec<tir::Expr>> {
        let elem = match (native, args.first().map(|a| &a.ty)) {
            (Native::ArrIndexOf | Native::ArrContains, Some(Type::Array(t))) => (**t).clone(),
            _ => return Err(args),
        };
        if args.len() != 2 {
            return Err(args);
        }
        let Some(search) = self.search_function(&elem) else {
            return Err(args);
        };
        let found = mk(K::Call(search, args), Type::Int, line);
        if native == Native::ArrContains {
            let none = mk(K::Int(-1), Type::Int, line);
            let ne = BinOp::Ne;
            return Ok(mk(
                K::Binary(ne, Box::new(found), Box::new(none)),
                Type::Bool,
                line,
            ));
        }
        Ok(found)
    }

    /// The search function of arrays of `elem` (a tuple or enum type):
    /// `fn(xs: [T], x: T) -> int`, the first index whose element equals
    /// `x`, or -1.
    fn search_function(&mut self, elem: &Type) -> Option<FuncIdx> {
        let eq = self.eq_function(elem)?;
        if let Some(&f) = self.env.search_functions.get(elem) {
            return Some(f);
        }
        let arr = Type::array(elem.clone());
        let f = self.new_func_slot(FnSig {
            name: format!("index_of<{}>", display(elem, &self.env)),
            params: vec![arr.clone(), elem.clone()],
            ret: Type::Int,
            has_self: false,
        });
        self.env.search_functions.insert(elem.clone(), f);
        let mut locals = Locals(Vec::new());
        let xs = locals.add("xs", &arr);
        let x = locals.add("x", elem);
        let i = locals.add("i", &Type::Int);
        let element = at(
            K::Index(Box::new(local(xs, &arr)), Box::new(local(i, &Type::Int))),
            elem.clone(),
        );
        let same = at(K::Call(eq, vec![element, local(x, elem)]), Type::Bool);
        let body = tir::Block {
            stmts: vec![if_then(same, ret(local(i, &Type::Int)))],
            value: None,
        };
        let each = stmt(tir::StmtKind::ForRange {
            var: i,
            start: at(K::Int(0), Type::Int),
            end: at(K::ArrLen(Box::new(local(xs, &arr))), Type::Int),
            inclusive: false,
            body,
        });
        let func = tir::Function {
            name: self.env.sigs[f as usize].name.clone(),
            params: 2,
            ret: Type::Int,
            locals: locals.0,
            captures: vec![],
            body: tir::Block {
                stmts: vec![each, ret(at(K::Int(-1), Type::Int))],
                value: None,
            },
            end_line: 0,
            span: Span::default(),
        };
        if let Some(slot) = self.bodies.get_mut(f as usize) {
            *slot = Some(func);
        }
        Some(f)
    }

    /// One step of comparing enum values `a` and `b` (neither nil): they
    /// differ when their variants or payloads do; when the variant's
    /// last payload is of the same enum, the step compares the others and
    /// moves `a` and `b` on to those last payloads for the next step:
    /// `match a { V(x..) => match b { V(y..) => .., _ => return false }, .. }`.
    fn variants_eq(&mut self, ty: &Type, a: LocalId, b: LocalId, locals: &mut Locals) -> tir::Expr {
        let Type::Enum(eid) = ty else {
            return void_block(vec![ret(boolean(false))]);
        };
        let variants = self
            .env
            .enums
            .get(*eid as usize)
            .map(|e| e.variants.clone())
            .unwrap_or_default();
        let count = variants.len();
        let mut arms = Vec::new();
        for (vi, (_, payload)) in variants.iter().enumerate() {
            let xs: Vec<LocalId> = payload.iter().map(|t| locals.add("x", t)).collect();
            let ys: Vec<LocalId> = payload.iter().map(|t| locals.add("y", t)).collect();
            let tail = payload.last() == Some(ty);
            let compared = payload.len() - usize::from(tail);
            let mut eqs = Vec::new();
            for ((&x, &y), t) in xs.iter().zip(&ys).zip(payload).take(compared) {
                eqs.push(self.eq_of(local(x, t), local(y, t)));
            }
            let same = match (xs.last(), ys.last()) {
                (Some(&x), Some(&y)) if tail => {
                    let mut stmts = Vec::new();
                    if !eqs.is_empty() {
                        let differ = at(K::Unary(UnOp::Not, Box::new(all(eqs))), Type::Bool);
                        stmts.push(if_then(differ, ret(boolean(false))));
                    }
                    stmts.push(assign(a, local(x, ty)));
                    stmts.push(assign(b, local(y, ty)));
                    void_block(stmts)
                }
                _ => void_block(vec![ret(all(eqs))]),
            };
            let vi = u32::try_from(vi).unwrap_or(u32::MAX);
            let mut inner = vec![tir::Arm {
                pat: Pat::Variant(vi, ys.iter().map(|&y| Pat::Bind(y)).collect()),
                guard: None,
                body: same,
            }];
            if count > 1 {
                inner.push(tir::Arm {
                    pat: Pat::Wildcard,
                    guard: None,
                    body: void_block(vec![ret(boolean(false))]),
                });
            }
            arms.push(tir::Arm {
                pat: Pat::Variant(vi, xs.iter().map(|&x| Pat::Bind(x)).collect()),
                guard: None,
                body: at(K::Match(Box::new(local(b, ty)), inner), Type::Void),
            });
        }
        if arms.is_empty() {
            // An enum without variants has no values but `nil`, handled
            // before this.
            return void_block(vec![ret(boolean(false))]);
        }
        at(K::Match(Box::new(local(a, ty)), arms), Type::Void)
    }
}
