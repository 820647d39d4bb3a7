//! `assert_eq(left, right)` and `assert(cond)` without a message: the
//! checks tests are written with, compiled away here into code the
//! bytecode already has.
//!
//! `assert_eq(a, b)` evaluates each operand once, into hidden locals, and
//! when `a != b` (the `==` of their type) ends the run with the runtime
//! error `assert_eq failed: left A, right B`, both values in their printed
//! form (strings quoted); the stack trace names the line of the call.
//! `assert(cond)` is `assert(cond, "<the text of cond>")`.

use super::expr::mk;
use super::Checker;
use crate::ast::{self, BinOp, Span};
use crate::tir::{self, ExprKind as K, LocalId};
use crate::types::Type;
use lang_bytecode::Native;

/// The most bytes of a condition's text `assert(cond)` quotes.
const MAX_QUOTED: usize = 200;

impl Checker<'_> {
    /// `assert_eq(args)` at `span`.
    pub(super) fn assert_eq_call(
        &mut self,
        args: &[ast::Expr],
        span: Span,
        line: u32,
    ) -> tir::Expr {
        let [a, b] = args else {
            self.error(
                span,
                format!(
                    "`assert_eq` takes 2 arguments (the value found and the value expected), but {} were given",
                    args.len()
                ),
            );
            for a in args {
                self.expr(a, None);
            }
            return self.err_expr(line);
        };
        let left = self.expr(a, None);
        let right = self.expr(b, Some(&left.ty));
        if left.ty.is_error() || right.ty.is_error() {
            return self.err_expr(line);
        }
        if !left.ty.is_value() {
            self.error(a.span, "this expression has no value");
            return self.err_expr(line);
        }
        let ty = left.ty.clone();
        let right = self.coerce(right, &ty, b.span);
        if right.ty.is_error() {
            return self.err_expr(line);
        }
        let l = self.declare_local("<left>", ty.clone(), false, "", a.span);
        let r = self.declare_local("<right>", ty.clone(), false, "", b.span);
        let differ = self.equality(
            BinOp::Ne,
            mk(K::Local(l), ty.clone(), line),
            mk(K::Local(r), ty.clone(), line),
            line,
        );
        let message = concat(
            vec![
                text("assert_eq failed: left "),
                shown(l, &ty, line),
                text(", right "),
                shown(r, &ty, line),
            ],
            line,
        );
        let fail = mk(
            K::CallNative(Native::Panic, vec![message]),
            Type::Never,
            line,
        );
        let stmt = |kind| tir::Stmt { kind, line, span };
        let check = mk(
            K::If(
                Box::new(differ),
                tir::Block {
                    stmts: vec![stmt(tir::StmtKind::Expr(fail))],
                    value: None,
                },
                None,
            ),
            Type::Void,
            line,
        );
        let block = tir::Block {
            stmts: vec![
                stmt(tir::StmtKind::Let(l, left)),
                stmt(tir::StmtKind::Let(r, right)),
                stmt(tir::StmtKind::Expr(check)),
            ],
            value: None,
        };
        mk(K::Block(block), Type::Void, line)
    }

    /// `assert(cond)`: the condition's own text is the message.
    pub(super) fn assert_quoting(&mut self, cond: &ast::Expr, line: u32) -> tir::Expr {
        let v = self.expr(cond, Some(&Type::Bool));
        if v.ty.is_error() {
            return self.err_expr(line);
        }
        let v = self.coerce(v, &Type::Bool, cond.span);
        let source = self
            .source
            .get(cond.span.start..cond.span.end)
            .unwrap_or("");
        let mut quoted: String = source.split_whitespace().collect::<Vec<_>>().join(" ");
        if quoted.len() > MAX_QUOTED {
            let mut cut = MAX_QUOTED;
            while !quoted.is_char_boundary(cut) {
                cut -= 1;
            }
            quoted.truncate(cut);
            quoted.push_str("...");
        }
        let message = mk(K::Str(quoted), Type::Str, line);
        mk(
            K::CallNative(Native::Assert, vec![v, message]),
            Type::Void,
            line,
        )
    }
}

fn text(s: &str) -> tir::Expr {
    mk(K::Str(s.to_string()), Type::Str, 0)
}

/// The printed form of local `id`: `str(v)`, a string in quotes.
fn shown(id: LocalId, ty: &Type, line: u32) -> tir::Expr {
    let v = mk(K::Local(id), ty.clone(), line);
    if *ty == Type::Str {
        return concat(vec![text("\""), v, text("\"")], line);
    }
    mk(K::ToStr(Box::new(v)), Type::Str, line)
}

/// The strings of `parts` joined with `+`.
fn concat(parts: Vec<tir::Expr>, line: u32) -> tir::Expr {
    parts
        .into_iter()
        .reduce(|a, b| {
            mk(
                K::Binary(BinOp::Add, Box::new(a), Box::new(b)),
                Type::Str,
                line,
            )
        })
        .unwrap_or_else(|| text(""))
}
