//! The `for` loops that are written in terms of others: `for k, v in map`
//! and `for c in s`.
//!
//! `for k, v in m` visits the entries in insertion order as they are when
//! the loop starts: it takes the map's keys and values once (two arrays in
//! the same order) and walks them by index, so the body may change the
//! map freely. `for c in s` walks `s.chars()`, each Unicode scalar value as
//! a one-character `str`.

use super::Checker;
use crate::ast::{self, Span};
use crate::tir::{self, ExprKind as K};
use crate::types::Type;
use lang_bytecode::Native;

impl Checker<'_> {
    /// A string to iterate becomes the array of its characters.
    pub(super) fn chars_of(&mut self, e: tir::Expr) -> tir::Expr {
        if e.ty != Type::Str {
            return e;
        }
        let (line, span) = (e.line, e.span);
        tir::Expr {
            kind: K::CallNative(Native::Chars, vec![e]),
            ty: Type::array(Type::Str),
            line,
            span,
        }
    }

    /// `for k, v in m { body }`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn for_map(
        &mut self,
        key: ast::Ident,
        value: Option<ast::Ident>,
        m: tir::Expr,
        kt: Type,
        vt: Type,
        body: &ast::Block,
        line: u32,
        span: Span,
    ) -> tir::Stmt {
        let at = |kind, ty| tir::Expr {
            kind,
            ty,
            line,
            span,
        };
        let stmt = |kind| tir::Stmt { kind, line, span };
        let Some(value) = value else {
            self.error_note(
                key.span,
                "`for` over a map needs a name for the key and one for the value",
                "write `for k, v in m`, or `for k in m.keys()`",
            );
            // The body is still checked, for its own mistakes.
            self.push_scope();
            self.declare_local(key.name, kt, false, "loop variable", key.span);
            self.cur().loops.push(false);
            self.block(body, None, false);
            self.cur().loops.pop();
            self.pop_scope();
            return stmt(tir::StmtKind::Expr(self.err_expr(line)));
        };
        let (ka, va) = (Type::array(kt.clone()), Type::array(vt.clone()));
        self.push_scope();
        let map = self.declare_local("<map>", m.ty.clone(), false, "", span);
        let keys = self.declare_local("<keys>", ka.clone(), false, "", span);
        let values = self.declare_local("<values>", va.clone(), false, "", span);
        let index = self.declare_local("<index>", Type::Int, false, "", span);
        let mt = m.ty.clone();
        let k = self.declare_local(key.name, kt.clone(), false, "loop variable", key.span);
        let v = self.declare_local(value.name, vt.clone(), false, "loop variable", value.span);
        if key.name == value.name && key.name != "_" {
            self.error(
                value.span,
                format!("`{}` is bound twice in this loop", value.name),
            );
        }
        self.cur().loops.push(false);
        let (mut inner, _) = self.block(body, None, false);
        self.cur().loops.pop();
        self.pop_scope();
        let element = |local, array_ty: &Type, elem: &Type| {
            at(
                K::Index(
                    Box::new(at(K::Local(local), array_ty.clone())),
                    Box::new(at(K::Local(index), Type::Int)),
                ),
                elem.clone(),
            )
        };
        let mut stmts = vec![
            stmt(tir::StmtKind::Let(k, element(keys, &ka, &kt))),
            stmt(tir::StmtKind::Let(v, element(values, &va, &vt))),
        ];
        stmts.append(&mut inner.stmts);
        inner.stmts = stmts;
        let of_map = |native| {
            at(
                K::CallNative(native, vec![at(K::Local(map), mt.clone())]),
                Type::Error,
            )
        };
        let mut keys_of = of_map(Native::MapKeys);
        keys_of.ty = ka.clone();
        let mut values_of = of_map(Native::MapValues);
        values_of.ty = va;
        let block = tir::Block {
            stmts: vec![
                stmt(tir::StmtKind::Let(map, m)),
                stmt(tir::StmtKind::Let(keys, keys_of)),
                stmt(tir::StmtKind::Let(values, values_of)),
                stmt(tir::StmtKind::ForRange {
                    var: index,
                    start: at(K::Int(0), Type::Int),
                    end: at(K::ArrLen(Box::new(at(K::Local(keys), ka))), Type::Int),
                    inclusive: false,
                    body: inner,
                }),
            ],
            value: None,
        };
        stmt(tir::StmtKind::Expr(at(K::Block(block), Type::Void)))
    }
}
