//! Checking blocks and statements.

use super::Checker;
use crate::ast::{self, Span};
use crate::tir;
use crate::types::Type;

impl Checker<'_> {
    /// Checks a block in a new scope. Returns the typed block and its type:
    /// the value's type, `Never` when it cannot finish normally, or `Void`.
    /// `want_value` says whether the block's value is used (then a final
    /// `if`/`match` statement without `;` gives the value, as in Rust).
    pub(super) fn block(
        &mut self,
        b: &ast::Block,
        expected: Option<&Type>,
        want_value: bool,
    ) -> (tir::Block, Type) {
        if !self.enter(b.span) {
            return (tir::Block::default(), Type::Error);
        }
        self.push_scope();
        let mut stmts = Vec::new();
        let mut diverges = false;
        let mut value = None;
        let last = b.stmts.len().checked_sub(1);
        let mut unreachable_reported = false;
        for (i, s) in b.stmts.iter().enumerate() {
            if diverges && !unreachable_reported {
                self.lint_unreachable(s.span);
                unreachable_reported = true;
            }
            if let ast::StmtKind::Expr {
                expr,
                block_like: true,
            } = s.kind
            {
                if want_value && b.tail.is_none() && Some(i) == last {
                    let e = self.expr_in(expr, expected, true);
                    if e.ty.is_value() {
                        value = Some(Box::new(e));
                    } else {
                        diverges |= e.ty == Type::Never;
                        let (line, span) = (e.line, e.span);
                        stmts.push(tir::Stmt {
                            kind: tir::StmtKind::Expr(e),
                            line,
                            span,
                        });
                    }
                    continue;
                }
            }
            if let Some(st) = self.stmt(s) {
                diverges |= stmt_diverges(&st);
                stmts.push(st);
            }
        }
        if let Some(t) = b.tail {
            if diverges && !unreachable_reported {
                self.lint_unreachable(t.span);
            }
            let e = if want_value {
                self.expr_in(t, expected, true)
            } else {
                self.expr(t, None)
            };
            if want_value && e.ty.is_value() {
                value = Some(Box::new(e));
            } else {
                diverges |= e.ty == Type::Never;
                let (line, span) = (e.line, e.span);
                stmts.push(tir::Stmt {
                    kind: tir::StmtKind::Expr(e),
                    line,
                    span,
                });
            }
        }
        self.pop_scope();
        self.leave();
        let ty = match &value {
            Some(v) => v.ty.clone(),
            None if diverges => Type::Never,
            None => Type::Void,
        };
        (tir::Block { stmts, value }, ty)
    }

    /// Checks a statement; `None` for statements that produce no code.
    pub(super) fn stmt(&mut self, s: &ast::Stmt) -> Option<tir::Stmt> {
        let line = self.line(s.span);
        let kind = match s.kind {
            ast::StmtKind::Let {
                mutable,
                name,
                ty,
                init,
            } => {
                let (init, ty) = self.let_init(ty, init, name);
                let id = self.declare_local(name.name, ty, mutable, "", name.span);
                tir::StmtKind::Let(id, init)
            }
            ast::StmtKind::LetPattern { pat, ty, init } => {
                self.let_pattern(pat, ty, init, line, s.span)
            }
            ast::StmtKind::Assign { target, op, value } => self.assign(target, op, value)?,
            ast::StmtKind::Expr { expr, .. } => {
                let e = self.expr_in(expr, None, false);
                tir::StmtKind::Expr(e)
            }
            ast::StmtKind::While { cond, body } => {
                let c = self.expr(cond, Some(&Type::Bool));
                let c = self.coerce(c, &Type::Bool, cond.span);
                self.cur().loops.push(false);
                let (body, _) = self.block(body, None, false);
                let has_break = self.cur().loops.pop().unwrap_or(true);
                let forever = matches!(cond.kind, ast::ExprKind::Bool(true));
                let st = tir::StmtKind::While(c, body);
                if forever && !has_break {
                    // `while true` without `break` never finishes: wrap it
                    // so that `stmt_diverges` sees it.
                    let span = s.span;
                    return Some(tir::Stmt {
                        kind: tir::StmtKind::Expr(tir::Expr {
                            kind: tir::ExprKind::Block(tir::Block {
                                stmts: vec![tir::Stmt {
                                    kind: st,
                                    line,
                                    span,
                                }],
                                value: None,
                            }),
                            ty: Type::Never,
                            line,
                            span,
                        }),
                        line,
                        span,
                    });
                }
                st
            }
            ast::StmtKind::For {
                var,
                value_var,
                iter,
                body,
            } => match iter {
                ast::ForIter::Range {
                    start,
                    end,
                    inclusive,
                } => {
                    if let Some(v) = value_var {
                        self.error(v.span, "`for a, b in` needs a map; a range gives one value");
                    }
                    let s = self.expr(start, Some(&Type::Int));
                    let s = self.coerce(s, &Type::Int, start.span);
                    let e = self.expr(end, Some(&Type::Int));
                    let e = self.coerce(e, &Type::Int, end.span);
                    self.push_scope();
                    let v =
                        self.declare_local(var.name, Type::Int, false, "loop variable", var.span);
                    self.cur().loops.push(false);
                    let (body, _) = self.block(body, None, false);
                    self.cur().loops.pop();
                    self.pop_scope();
                    tir::StmtKind::ForRange {
                        var: v,
                        start: s,
                        end: e,
                        inclusive,
                        body,
                    }
                }
                ast::ForIter::Each(arr) => {
                    let a = self.expr(arr, None);
                    if let Type::Map(k, v) = a.ty.clone() {
                        return Some(self.for_map(var, value_var, a, *k, *v, body, line, s.span));
                    }
                    if let Some(v) = value_var {
                        if !a.ty.is_error() {
                            self.error(v.span, "`for a, b in` needs a map");
                        }
                    }
                    let a = self.chars_of(a);
                    let elem = match &a.ty {
                        Type::Array(t) => (**t).clone(),
                        Type::Error => Type::Error,
                        other => {
                            let msg = format!(
                                "`for` can iterate over a range, an array, a map or a string, not {}",
                                self.show(other)
                            );
                            self.error(arr.span, msg);
                            Type::Error
                        }
                    };
                    self.push_scope();
                    let v = self.declare_local(var.name, elem, false, "loop variable", var.span);
                    self.cur().loops.push(false);
                    let (body, _) = self.block(body, None, false);
                    self.cur().loops.pop();
                    self.pop_scope();
                    tir::StmtKind::ForEach {
                        var: v,
                        array: a,
                        body,
                    }
                }
            },
            ast::StmtKind::Return(e) => {
                if self.cur().is_entry {
                    self.error(s.span, "`return` outside of a function");
                }
                let ret = self.cur().ret.clone();
                match (e, &ret) {
                    (None, Type::Void) => tir::StmtKind::Return(None),
                    (None, _) => {
                        let msg = format!("this function must return {}", self.show(&ret));
                        self.error(s.span, msg);
                        tir::StmtKind::Return(None)
                    }
                    (Some(e), Type::Void) => {
                        let v = self.expr(e, None);
                        if v.ty.is_value() && !v.ty.is_error() {
                            self.error(
                                e.span,
                                "this function returns nothing, but a value is returned",
                            );
                        }
                        tir::StmtKind::Return(None)
                    }
                    (Some(e), _) => {
                        let v = self.expr(e, Some(&ret));
                        let v = self.coerce(v, &ret, e.span);
                        tir::StmtKind::Return(Some(v))
                    }
                }
            }
            ast::StmtKind::Break | ast::StmtKind::Continue => {
                let is_break = matches!(s.kind, ast::StmtKind::Break);
                match self.cur().loops.last_mut() {
                    Some(has_break) => {
                        *has_break |= is_break;
                    }
                    None => {
                        let word = if is_break { "break" } else { "continue" };
                        self.error(s.span, format!("`{word}` outside of a loop"));
                    }
                }
                if is_break {
                    tir::StmtKind::Break
                } else {
                    tir::StmtKind::Continue
                }
            }
            ast::StmtKind::Empty | ast::StmtKind::Error => return None,
        };
        Some(tir::Stmt {
            kind,
            line,
            span: s.span,
        })
    }

    /// Checks the initialiser of `let`/`var` against the written type, if any;
    /// returns it with the variable's type.
    pub(super) fn let_init(
        &mut self,
        ty: Option<&ast::TypeExpr>,
        init: &ast::Expr,
        name: ast::Ident,
    ) -> (tir::Expr, Type) {
        match ty {
            Some(t) => {
                let t = self.resolve_type(t);
                let e = self.expr(init, Some(&t));
                let e = self.coerce(e, &t, init.span);
                (e, t)
            }
            None => {
                let e = self.expr(init, None);
                let t = match &e.ty {
                    Type::Nil => {
                        self.error(
                            init.span,
                            format!(
                                "cannot tell the type of `nil`; write it: `let {}: Type = nil`",
                                name.name
                            ),
                        );
                        Type::Error
                    }
                    Type::Void => {
                        self.error(init.span, "this expression has no value");
                        Type::Error
                    }
                    Type::Never => Type::Error,
                    t => t.clone(),
                };
                (e, t)
            }
        }
    }

    fn assign(
        &mut self,
        target: &ast::Expr,
        op: Option<ast::BinOp>,
        value: &ast::Expr,
    ) -> Option<tir::StmtKind> {
        let (place, ty) = self.place(target)?;
        let v = self.expr(value, Some(&ty));
        let v = match op {
            None => self.coerce(v, &ty, value.span),
            Some(op) => {
                let ok = match op {
                    ast::BinOp::Add => matches!(ty, Type::Int | Type::Float | Type::Str),
                    _ => matches!(ty, Type::Int | Type::Float),
                };
                if !ok && !ty.is_error() {
                    let msg = format!("`{}=` cannot be applied to {}", op.text(), self.show(&ty));
                    self.error(target.span, msg);
                }
                self.coerce(v, &ty, value.span)
            }
        };
        Some(tir::StmtKind::Assign(place, op, v))
    }

    /// What the assigned name `name` means: resolved without counting as a
    /// read of it.
    fn resolve_place(&mut self, name: &str) -> super::Resolved {
        self.resolving_place = true;
        let found = self.resolve_name(name);
        self.resolving_place = false;
        found
    }

    /// Resolves an assignment target; reports targets that are not places or
    /// not assignable.
    fn place(&mut self, target: &ast::Expr) -> Option<(tir::Place, Type)> {
        match target.kind {
            ast::ExprKind::Name(name) => match self.resolve_place(name) {
                super::Resolved::Local(id, ty) => {
                    let l = &mut self.cur().locals[id as usize];
                    l.assigned = true;
                    let (mutable, kind) = (l.mutable, l.kind);
                    if !mutable {
                        self.not_assignable(target.span, name, kind);
                    }
                    Some((tir::Place::Local(id), ty))
                }
                super::Resolved::Capture(i, ty) => {
                    let (mutable, kind) = match self.capture_origin_mut(i) {
                        Some(l) => {
                            l.assigned = true;
                            (l.mutable, l.kind)
                        }
                        None => (true, ""),
                    };
                    if !mutable {
                        self.not_assignable(target.span, name, kind);
                    }
                    Some((tir::Place::Capture(i), ty))
                }
                super::Resolved::Global(g, ty) => {
                    if !self
                        .env
                        .global_mutable
                        .get(g as usize)
                        .copied()
                        .unwrap_or(true)
                    {
                        self.not_assignable(target.span, name, "");
                    }
                    Some((tir::Place::Global(g), ty))
                }
                super::Resolved::Function(_) => {
                    self.error(target.span, format!("cannot assign to function `{name}`"));
                    None
                }
                super::Resolved::None => {
                    self.error(target.span, format!("unknown variable `{name}`"));
                    None
                }
            },
            ast::ExprKind::Field(obj, field) => {
                let o = self.expr(obj, None);
                let (idx, ty) = self.field_of(&o, field)?;
                Some((tir::Place::Field(Box::new(o), idx), ty))
            }
            ast::ExprKind::Index(base, index) => {
                let b = self.expr(base, None);
                let (i, ty) = self.index_of(&b, index)?;
                Some((tir::Place::Index(Box::new(b), Box::new(i)), ty))
            }
            ast::ExprKind::SelfRef => {
                self.error(target.span, "cannot assign to `self`");
                None
            }
            ast::ExprKind::TupleField(..) => {
                self.error_note(
                    target.span,
                    "cannot assign to an element of a tuple",
                    "tuples are immutable; build a new one",
                );
                None
            }
            ast::ExprKind::Error => None,
            _ => {
                self.error(target.span, "cannot assign to this expression");
                None
            }
        }
    }

    fn not_assignable(&mut self, span: Span, name: &str, kind: &str) {
        if kind.is_empty() {
            self.error_note(
                span,
                format!("cannot assign to `{name}`: it is declared with `let`"),
                "declare it with `var` to make it mutable",
            );
        } else {
            self.error(span, format!("cannot assign to {kind} `{name}`"));
        }
    }
}

/// Whether control never continues after this statement.
fn stmt_diverges(s: &tir::Stmt) -> bool {
    match &s.kind {
        tir::StmtKind::Return(_) | tir::StmtKind::Break | tir::StmtKind::Continue => true,
        tir::StmtKind::Expr(e) | tir::StmtKind::Let(_, e) => e.ty == Type::Never,
        tir::StmtKind::Assign(_, _, e) => e.ty == Type::Never,
        _ => false,
    }
}
