//! Inlining of tiny pure functions at their call sites.
//!
//! A call of a function whose whole body is `return e;`, where `e` is
//! arithmetic on the parameters that cannot fail, is lowered as `e` with
//! the arguments put in place of the parameters. The interpreter then runs
//! the arithmetic in the caller's frame instead of pushing a frame, copying
//! arguments and returning: for a helper like spectral-norm's `a(i, j)` the
//! call costs more than the body.
//!
//! Inlining must not be observable, so it is deliberately narrow:
//! - The body cannot fail: no calls, no division by anything but a nonzero
//!   integer literal, no field or element access (nil, bounds), no
//!   allocation. Nothing in it can appear in a stack trace, so the missing
//!   frame is never missed, and nothing in it can loop, so it never reaches
//!   the interrupt check on backward branches.
//! - Every argument is a literal or a variable. Substituting it for each use
//!   of its parameter reads the same value the call would have passed, since
//!   nothing runs between evaluating the arguments and the body, and the
//!   body assigns nothing.
//! - Only whole programs are inlined, never REPL inputs: a REPL may redefine
//!   a function later, and every caller must then see the new definition.

use crate::ast::{BinOp, Span};
use crate::tir::{Expr, ExprKind as K, Function, StmtKind};
use crate::types::Type;

/// The most syntax nodes an inlined body may have. Bodies this small cost
/// less to evaluate than the call they replace; larger ones would grow the
/// caller's code (and register file) at every call site for little gain.
pub const MAX_INLINE_NODES: usize = 24;

/// The expression a call of `f` can be replaced with (before substituting
/// the arguments), or `None` when `f` is not a tiny pure function.
pub fn inlinable(f: &Function) -> Option<&Expr> {
    if !f.captures.is_empty() || f.locals.len() != f.params as usize {
        return None;
    }
    let body = match (f.body.stmts.as_slice(), &f.body.value) {
        ([s], None) => match &s.kind {
            StmtKind::Return(Some(e)) => e,
            _ => return None,
        },
        ([], Some(e)) => e.as_ref(),
        _ => return None,
    };
    if body.ty != f.ret || !matches!(body.ty, Type::Int | Type::Float | Type::Bool) {
        return None;
    }
    let mut nodes = 0;
    pure(body, f.params, &mut nodes).then_some(body)
}

/// Whether the arguments of a call may be substituted for the parameters:
/// each is a literal or a variable, so it has no effects and reading it again
/// gives the same value.
pub fn simple_args(args: &[Expr]) -> bool {
    args.iter()
        .all(|a| matches!(a.kind, K::Int(_) | K::Float(_) | K::Bool(_) | K::Local(_)))
}

/// `body` with parameter `i` replaced by `args[i]`, every node on `line`
/// and at `span`, the call's (the caller's line table then shows no lines
/// of the callee's source, which would confuse a reader of the listing, and
/// a limit the inlined code exceeds is reported at the call).
pub fn substitute(body: &Expr, args: &[Expr], line: u32, span: Span) -> Expr {
    let kind = match &body.kind {
        K::Local(p) => match args.get(*p as usize) {
            Some(a) => a.kind.clone(),
            None => body.kind.clone(),
        },
        K::Unary(op, x) => K::Unary(*op, Box::new(substitute(x, args, line, span))),
        K::Binary(op, l, r) => K::Binary(
            *op,
            Box::new(substitute(l, args, line, span)),
            Box::new(substitute(r, args, line, span)),
        ),
        K::IntToFloat(x) => K::IntToFloat(Box::new(substitute(x, args, line, span))),
        other => other.clone(),
    };
    Expr {
        kind,
        ty: body.ty.clone(),
        line,
        span,
    }
}

/// Whether `e` reads only parameters (`0..params`) and literals and cannot
/// fail; counts its nodes into `nodes` and gives up past the limit.
fn pure(e: &Expr, params: u32, nodes: &mut usize) -> bool {
    *nodes += 1;
    if *nodes > MAX_INLINE_NODES {
        return false;
    }
    match &e.kind {
        K::Int(_) | K::Float(_) | K::Bool(_) => true,
        K::Local(id) => *id < params,
        K::Unary(_, x) => scalar(&x.ty) && pure(x, params, nodes),
        K::IntToFloat(x) => pure(x, params, nodes),
        K::Binary(op, l, r) => {
            let divides = matches!(op, BinOp::Div | BinOp::Rem) && l.ty == Type::Int;
            if divides && !matches!(r.kind, K::Int(d) if d != 0) {
                return false;
            }
            scalar(&l.ty) && scalar(&r.ty) && pure(l, params, nodes) && pure(r, params, nodes)
        }
        _ => false,
    }
}

/// Types whose operators never fail or allocate (strings concatenate into
/// new objects, so they are left out).
fn scalar(t: &Type) -> bool {
    matches!(t, Type::Int | Type::Float | Type::Bool)
}
