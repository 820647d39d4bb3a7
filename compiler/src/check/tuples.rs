//! Tuples: tuple expressions `(a, b)` and the unit value `()`, element
//! access `t.0`, and destructuring `let (q, r) = e;`.
//!
//! A tuple type is a struct of its own (`generics::tuple_type`) whose
//! fields are named `0`, `1`, ...; tuples are immutable, so `t.0 = x` is
//! refused (`check::stmt`).

use super::expr::mk;
use super::Checker;
use crate::ast::{self, Span};
use crate::tir::{self, ExprKind as K};
use crate::types::Type;

impl Checker<'_> {
    /// `(a, b, ...)`, or `()`.
    pub(super) fn tuple(
        &mut self,
        items: &[ast::Expr],
        expected: Option<&Type>,
        line: u32,
    ) -> tir::Expr {
        let want = expected
            .and_then(|t| self.tuple_elems(t))
            .filter(|w| w.len() == items.len());
        let mut vals = Vec::new();
        let mut types = Vec::new();
        for (i, it) in items.iter().enumerate() {
            let w = want.as_ref().and_then(|w| w.get(i)).cloned();
            let v = self.expr(it, w.as_ref());
            let v = match &w {
                Some(t) => self.coerce(v, t, it.span),
                None => v,
            };
            let t = match &v.ty {
                Type::Nil => {
                    self.error(
                        it.span,
                        "cannot tell the type of `nil` in this tuple; write the variable's type",
                    );
                    Type::Error
                }
                Type::Void | Type::Never => {
                    self.error(it.span, "this expression has no value");
                    Type::Error
                }
                t => t.clone(),
            };
            types.push(t);
            vals.push(v);
        }
        let ty = self.tuple_type(types);
        let Type::Struct(id) = ty else {
            return self.err_expr(line);
        };
        let fields = vals
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i as u32, v))
            .collect();
        mk(K::NewStruct(id, fields), ty, line)
    }

    /// `t.i`.
    pub(super) fn tuple_field(&mut self, t: tir::Expr, i: u32, span: Span, line: u32) -> tir::Expr {
        if t.ty.is_error() {
            return self.err_expr(line);
        }
        let Some(elems) = self.tuple_elems(&t.ty) else {
            let msg = format!("{} is not a tuple: `.{i}` needs one", self.show(&t.ty));
            self.error(span, msg);
            return self.err_expr(line);
        };
        match elems.get(i as usize) {
            Some(et) => mk(K::Field(Box::new(t), i), et.clone(), line),
            None => {
                let msg = format!(
                    "the tuple {} has {} element{}, so there is no `.{}`",
                    self.show(&t.ty),
                    elems.len(),
                    if elems.len() == 1 { "" } else { "s" },
                    if i == u32::MAX {
                        "this index".to_string()
                    } else {
                        i.to_string()
                    }
                );
                self.error(span, msg);
                self.err_expr(line)
            }
        }
    }

    /// A tuple pattern `(p, q)` against a value of type `ty`: the element
    /// types, or `None` (after an error) when `ty` is not a tuple of that
    /// many elements.
    pub(super) fn tuple_pattern_types(
        &mut self,
        ty: &Type,
        arity: usize,
        span: Span,
    ) -> Option<Vec<Type>> {
        if ty.is_error() {
            return Some(vec![Type::Error; arity]);
        }
        match self.tuple_elems(ty) {
            Some(e) if e.len() == arity => Some(e),
            Some(e) => {
                let msg = format!(
                    "this pattern has {arity} element{}, but the tuple {} has {}",
                    if arity == 1 { "" } else { "s" },
                    self.show(ty),
                    e.len()
                );
                self.error(span, msg);
                None
            }
            None => {
                let msg = format!(
                    "mismatched types: this pattern matches a tuple, but the value has type {}",
                    self.show(ty)
                );
                self.error(span, msg);
                None
            }
        }
    }

    /// `let (a, b) = init;`: binds each name to its element. The pattern
    /// must match every value of the type (names, `_` and nested tuples).
    pub(super) fn let_pattern(
        &mut self,
        pat: &ast::Pattern,
        ty: Option<&ast::TypeExpr>,
        init: &ast::Expr,
        line: u32,
        span: Span,
    ) -> tir::StmtKind {
        let (e, t) = match ty {
            Some(t) => {
                let t = self.resolve_type(t);
                let e = self.expr(init, Some(&t));
                (self.coerce(e, &t, init.span), t)
            }
            None => {
                let e = self.expr(init, None);
                let t = e.ty.clone();
                (e, t)
            }
        };
        if !irrefutable(pat) {
            self.error_note(
                pat.span,
                "`let` needs a pattern that matches every value",
                "use names, `_` and tuples in `let`, or a `match` for other patterns",
            );
        }
        let mut binds = Vec::new();
        let p = self.pattern(pat, &t, &mut binds, None);
        // The value goes to a hidden local, then the pattern binds from it,
        // exactly as a `match` with one arm would.
        let tmp = self.declare_local("<tuple>", t.clone(), false, "", pat.span);
        for (name, id, _) in &binds {
            if let Some(scope) = self.cur().scopes.last_mut() {
                scope.insert(name.clone(), *id);
            }
        }
        let scrutinee = tir::Expr {
            kind: K::Local(tmp),
            ty: t,
            line,
            span: init.span,
        };
        let arm = tir::Arm {
            pat: p,
            guard: None,
            body: tir::Expr {
                kind: K::Block(tir::Block::default()),
                ty: Type::Void,
                line,
                span,
            },
        };
        let block = tir::Block {
            stmts: vec![
                tir::Stmt {
                    kind: tir::StmtKind::Let(tmp, e),
                    line,
                    span,
                },
                tir::Stmt {
                    kind: tir::StmtKind::Expr(tir::Expr {
                        kind: K::Match(Box::new(scrutinee), vec![arm]),
                        ty: Type::Void,
                        line,
                        span,
                    }),
                    line,
                    span,
                },
            ],
            value: None,
        };
        tir::StmtKind::Expr(tir::Expr {
            kind: K::Block(block),
            ty: Type::Void,
            line,
            span,
        })
    }
}

/// Whether a pattern matches every value of its (tuple) type.
fn irrefutable(p: &ast::Pattern) -> bool {
    match p.kind {
        ast::PatternKind::Wildcard | ast::PatternKind::Binding(_) => true,
        ast::PatternKind::Tuple(subs) => subs.iter().all(irrefutable),
        _ => false,
    }
}
