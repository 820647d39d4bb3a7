//! Printing expressions and patterns, with the parentheses that the
//! grammar needs and no others.

use super::printer::Printer;
use crate::ast::*;

/// Where an expression is written, which decides what its leftmost part
/// may be (the grammar's contexts S, N, B and A).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    /// Anywhere an expression is allowed without restriction.
    Any,
    /// A condition or loop head: no struct or map literal anywhere.
    NoStruct,
    /// The start of a statement: no `if`, `match`, closure or block first.
    Stmt,
    /// A match arm's body: no map literal first.
    Arm,
}

impl Ctx {
    /// The context of an operand that is not the leftmost part.
    fn rest(self) -> Ctx {
        match self {
            Ctx::NoStruct => Ctx::NoStruct,
            _ => Ctx::Any,
        }
    }
}

/// How tightly an expression binds: operands of an operator need at least
/// its precedence (its right operand one more, for left associativity).
fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, _, _) => binary_precedence(*op),
        ExprKind::Unary(..) => 10,
        ExprKind::Call(..)
        | ExprKind::MethodCall(..)
        | ExprKind::Field(..)
        | ExprKind::TupleField(..)
        | ExprKind::Index(..)
        | ExprKind::Try(..) => 11,
        _ => 12,
    }
}

fn binary_precedence(op: BinOp) -> u8 {
    match op {
        BinOp::Or => 1,
        BinOp::And => 2,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 3,
        BinOp::BitOr => 4,
        BinOp::BitXor => 5,
        BinOp::BitAnd => 6,
        BinOp::Shl | BinOp::Shr => 7,
        BinOp::Add | BinOp::Sub => 8,
        BinOp::Mul | BinOp::Div | BinOp::Rem => 9,
    }
}

/// Whether the grammar refuses this expression as the leftmost part of an
/// expression in `ctx`.
fn forbidden_first(e: &Expr, ctx: Ctx) -> bool {
    matches!(
        (ctx, &e.kind),
        (Ctx::NoStruct, ExprKind::StructLit(..) | ExprKind::Map(..))
            | (
                Ctx::Stmt,
                ExprKind::If(..)
                    | ExprKind::Match(..)
                    | ExprKind::Closure(..)
                    | ExprKind::Block(..)
            )
            | (Ctx::Arm, ExprKind::Map(..))
    )
}

impl Printer<'_> {
    pub fn expr(&mut self, e: &Expr, ctx: Ctx) {
        self.operand(e, ctx, 0);
    }

    /// `e` where at least precedence `min` is needed, in parentheses if it
    /// binds less tightly or may not come first in `ctx`.
    fn operand(&mut self, e: &Expr, ctx: Ctx, min: u8) {
        if precedence(e) < min || forbidden_first(e, ctx) {
            self.write("(");
            self.expr_kind(e, Ctx::Any);
            self.write(")");
        } else {
            self.expr_kind(e, ctx);
        }
    }

    fn expr_kind(&mut self, e: &Expr, ctx: Ctx) {
        match &e.kind {
            // Literals keep their spelling (`0xff`, `1_000`, escapes).
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Str(_) | ExprKind::Interp(_) => {
                self.write(self.source(e.span.start, e.span.end))
            }
            ExprKind::Bool(b) => self.write(if *b { "true" } else { "false" }),
            ExprKind::Nil => self.write("nil"),
            ExprKind::SelfRef => self.write("self"),
            ExprKind::Name(n) => self.write(n),
            ExprKind::Path(t, m) => {
                self.write(t.name);
                self.write("::");
                self.write(m.name);
            }
            ExprKind::Unary(op, operand) => {
                self.write(match op {
                    UnOp::Neg => "-",
                    UnOp::Not => "!",
                    UnOp::BitNot => "~",
                });
                self.operand(operand, ctx.rest(), 10);
            }
            ExprKind::Binary(op, l, r) => {
                let p = binary_precedence(*op);
                self.operand(l, ctx, p);
                self.write(" ");
                self.write(op.text());
                self.write(" ");
                self.operand(r, ctx.rest(), p + 1);
            }
            ExprKind::Call(f, args) => {
                self.operand(f, ctx, 11);
                self.list(
                    "(",
                    ")",
                    args,
                    f.span.end,
                    |p, a| p.expr(a, Ctx::Any),
                    |a| a.span,
                );
            }
            ExprKind::MethodCall(recv, name, args) => {
                self.operand(recv, ctx, 11);
                self.write(".");
                self.write(name.name);
                self.list(
                    "(",
                    ")",
                    args,
                    name.span.end,
                    |p, a| p.expr(a, Ctx::Any),
                    |a| a.span,
                );
            }
            ExprKind::Field(recv, name) => {
                self.operand(recv, ctx, 11);
                self.write(".");
                self.write(name.name);
            }
            ExprKind::TupleField(recv, index, _) => {
                self.operand(recv, ctx, 11);
                self.write(".");
                self.write(&index.to_string());
            }
            ExprKind::Try(inner) => {
                self.operand(inner, ctx, 11);
                self.write("?");
            }
            ExprKind::Index(recv, index) => {
                self.operand(recv, ctx, 11);
                self.write("[");
                self.expr(index, Ctx::Any);
                self.write("]");
            }
            ExprKind::Tuple(elems) => {
                if elems.len() == 1 {
                    self.write("(");
                    self.comma_separated(elems, |p, x| p.expr(x, Ctx::Any));
                    self.write(",)");
                } else {
                    self.list(
                        "(",
                        ")",
                        elems,
                        e.span.start,
                        |p, x| p.expr(x, Ctx::Any),
                        |x| x.span,
                    );
                }
            }
            ExprKind::Array(elems) => self.list(
                "[",
                "]",
                elems,
                e.span.start,
                |p, x| p.expr(x, Ctx::Any),
                |x| x.span,
            ),
            ExprKind::ArrayRepeat(value, count) => {
                self.write("[");
                self.expr(value, Ctx::Any);
                self.write("; ");
                self.expr(count, Ctx::Any);
                self.write("]");
            }
            ExprKind::Map(entries) => {
                if entries.is_empty() {
                    self.write("{}");
                    return;
                }
                self.list(
                    "{ ",
                    " }",
                    entries,
                    e.span.start,
                    |p, (k, v)| {
                        p.expr(k, Ctx::Any);
                        p.write(": ");
                        p.expr(v, Ctx::Any);
                    },
                    |(k, v)| k.span.to(v.span),
                );
            }
            ExprKind::StructLit(name, fields) => {
                self.write(name.name);
                if fields.is_empty() {
                    self.write(" {}");
                    return;
                }
                self.write(" ");
                self.list(
                    "{ ",
                    " }",
                    fields,
                    name.span.end,
                    |p, f| {
                        p.write(f.name.name);
                        let shorthand = f.value.span == f.name.span;
                        if !shorthand {
                            p.write(": ");
                            p.expr(f.value, Ctx::Any);
                        }
                    },
                    |f| f.name.span.to(f.value.span),
                );
            }
            ExprKind::If(cond, then, otherwise) => {
                self.write("if ");
                self.expr(cond, Ctx::NoStruct);
                self.write(" ");
                self.block(then);
                if let Some(o) = otherwise {
                    self.write(" else ");
                    self.expr_kind(o, Ctx::Any);
                }
            }
            ExprKind::Match(scrutinee, arms) => self.match_expr(e, scrutinee, arms),
            ExprKind::Block(b) => self.block(b),
            ExprKind::Closure(f) => self.fn_decl(f),
            ExprKind::Error => self.write(self.source(e.span.start, e.span.end)),
        }
    }

    /// A bracketed, comma-separated list: on one line unless the source
    /// broke the line after the opening bracket (which starts after
    /// `open_after`), then one element a line with a trailing comma.
    fn list<T>(
        &mut self,
        open: &str,
        close: &str,
        items: &[T],
        open_after: usize,
        each: impl Fn(&mut Self, &T),
        span_of: impl Fn(&T) -> Span,
    ) {
        let first = items.first().map(&span_of);
        let broken = first.is_some_and(|f| self.multiline(open_after, f.start));
        if !broken {
            if items.is_empty() {
                self.write(open.trim_end());
                self.write(close.trim_start());
            } else {
                self.write(open);
                self.comma_separated(items, each);
                self.write(close);
            }
            return;
        }
        self.write(open.trim_end());
        self.src_pos = first.map_or(open_after, |f| self.source(0, f.start).trim_end().len());
        self.newline();
        self.indent();
        let mut last_end = open_after;
        for item in items {
            let span = span_of(item);
            self.line_start(span.start);
            each(self, item);
            self.write(",");
            self.src_pos = span.end;
            let rest = self.source(span.end, self.src.len());
            if rest.trim_start().starts_with(',') {
                self.src_pos = span.end + rest.len() - rest.trim_start().len() + 1;
            }
            last_end = span.end;
            self.newline();
        }
        let rest = self.source(last_end, self.src.len());
        let close_at = rest
            .find(close.trim_start())
            .map_or(last_end, |i| last_end + i);
        self.flush_comments(close_at);
        self.dedent();
        self.write(close.trim_start());
    }

    fn match_expr(&mut self, e: &Expr, scrutinee: &Expr, arms: &[Arm]) {
        self.write("match ");
        self.expr(scrutinee, Ctx::NoStruct);
        if arms.is_empty() {
            self.write(" {}");
            return;
        }
        let (start, end) = (e.span.start, e.span.end);
        if !self.multiline(start, end) && !self.has_comment(start, end) {
            self.write(" { ");
            self.comma_separated(arms, |p, a| p.arm(a));
            self.write(" }");
            return;
        }
        self.write(" {");
        self.src_pos = arms
            .first()
            .map_or(start, |a| self.source(0, a.pat.span.start).trim_end().len());
        self.newline();
        self.indent();
        for a in arms {
            self.line_start(a.pat.span.start);
            self.arm(a);
            self.src_pos = a.body.span.end;
            if !matches!(a.body.kind, ExprKind::Block(_)) {
                self.write(",");
            }
            let rest = self.source(a.body.span.end, self.src.len());
            if rest.trim_start().starts_with(',') {
                self.src_pos = a.body.span.end + rest.len() - rest.trim_start().len() + 1;
            }
            self.newline();
        }
        self.flush_comments(end.saturating_sub(1));
        self.dedent();
        self.write("}");
        self.src_pos = end;
    }

    fn arm(&mut self, a: &Arm) {
        self.pattern(a.pat);
        if let Some(g) = a.guard {
            self.write(" if ");
            self.expr(g, Ctx::Any);
        }
        self.write(" => ");
        match &a.body.kind {
            ExprKind::Block(b) => self.block(b),
            _ => self.expr(a.body, Ctx::Arm),
        }
    }

    pub fn pattern(&mut self, p: &Pattern) {
        match &p.kind {
            PatternKind::Wildcard => self.write("_"),
            PatternKind::Int(_) | PatternKind::Float(_) | PatternKind::Str(_) => {
                self.write(self.source(p.span.start, p.span.end))
            }
            PatternKind::Range(lo, hi) => {
                self.write(self.source(lo.span.start, lo.span.end));
                self.write("..=");
                self.write(self.source(hi.span.start, hi.span.end));
            }
            PatternKind::Bool(b) => self.write(if *b { "true" } else { "false" }),
            PatternKind::Nil => self.write("nil"),
            PatternKind::Binding(name) => self.write(name.name),
            PatternKind::Variant(enum_name, variant, payload) => {
                if !enum_name.name.is_empty() {
                    self.write(enum_name.name);
                    self.write("::");
                }
                self.write(variant.name);
                if let Some(ps) = payload {
                    self.write("(");
                    self.comma_separated(ps, |pr, x| pr.pattern(x));
                    self.write(")");
                }
            }
            PatternKind::Tuple(ps) => {
                self.write("(");
                self.comma_separated(ps, |pr, x| pr.pattern(x));
                if ps.len() == 1 {
                    self.write(",");
                }
                self.write(")");
            }
            PatternKind::Or(ps) => {
                for (i, x) in ps.iter().enumerate() {
                    if i > 0 {
                        self.write(" | ");
                    }
                    self.pattern(x);
                }
            }
        }
    }
}
