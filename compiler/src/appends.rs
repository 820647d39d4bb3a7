//! Linear `s += t`: a string variable built up by appending collects the
//! appended pieces in a hidden `[str]` and joins them only when it is read.
//!
//! Strings are immutable, so `s += t` on its own copies `s` every time:
//! building a string of length n from short pieces in a loop takes time
//! quadratic in n. This pass rewrites, before lowering, each variable that
//! is appended to:
//! - `s += t` (and `s = s + t`) pushes `t` onto the variable's pieces and
//!   adds its length to a hidden count: amortised constant time plus the
//!   length of `t`;
//! - every read of `s` first *flushes*: when pieces are pending, `s`
//!   becomes `s + pieces.join("")` and the pieces are cleared, so what is
//!   read is exactly the value the program built;
//! - `s.len()` adds the pending count without flushing, so a loop that
//!   checks the length as it appends stays linear;
//! - `s = e` clears the pieces after assigning.
//!
//! So a string built by appends and read afterwards costs time linear in
//! its final length; a loop that reads the whole string after every
//! append still copies it each time, as it must.
//!
//! Which variables: locals of type `str` appended to inside a loop, unless
//! a closure captures them (then they live in a cell that other code
//! reads); and, in a whole program (not a REPL session, whose later inputs
//! are compiled separately), globals of type `str` appended to anywhere,
//! whose pieces and count are hidden globals that every function reads
//! through. The pass changes no observable behaviour: the same values are
//! read in the same order, and nothing it adds can fail but by running
//! out of memory, as the concatenation it replaces could.

use crate::ast::{BinOp, Span};
use crate::tir::visit::{self, Part};
use crate::tir::{
    Block, Expr, ExprKind as K, Function, Global, Local, LocalId, Place, Program, Stmt,
    StmtKind as S,
};
use crate::types::Type;

/// A variable the pass rewrites, with its hidden pieces and count.
#[derive(Clone, Copy, PartialEq)]
enum Var {
    Local(LocalId),
    Global(u32),
}

#[derive(Clone, Copy)]
struct Builder {
    var: Var,
    pieces: Var,
    pending: Var,
}

/// `f` with its appended locals rewritten; `None` when it has none.
pub fn rewrite_function(f: &Function) -> Option<Function> {
    let locals = appended_locals(f);
    if locals.is_empty() {
        return None;
    }
    let mut f = f.clone();
    let mut builders = Vec::new();
    for id in locals {
        let name = f.locals.get(id as usize).map_or("", |l| l.name.as_str());
        let (pieces_name, pending_name) = (format!("{name}.pieces"), format!("{name}.pending"));
        let pieces = add_local(&mut f, &pieces_name, Type::array(Type::Str));
        let pending = add_local(&mut f, &pending_name, Type::Int);
        builders.push(Builder {
            var: Var::Local(id),
            pieces: Var::Local(pieces),
            pending: Var::Local(pending),
        });
    }
    let params: Vec<Builder> = builders
        .iter()
        .copied()
        .filter(|b| matches!(b.var, Var::Local(id) if id < f.params))
        .collect();
    rewrite_body(&mut f, &builders);
    // A parameter has no `let`: its pieces start empty with the function.
    let start: Vec<Stmt> = params.iter().flat_map(|b| start_empty(b, 0)).collect();
    f.body.stmts.splice(0..0, start);
    Some(f)
}

/// `p` with its appended globals rewritten in every function; `None` when
/// it has none. Functions' appended locals are left to
/// `rewrite_function`.
pub fn rewrite_program(p: &Program) -> Option<Program> {
    let globals = appended_globals(p);
    if globals.is_empty() {
        return None;
    }
    let mut p = p.clone();
    let mut builders = Vec::new();
    for g in globals {
        let name = p.globals.get(g as usize).map_or("", |g| g.name.as_str());
        let (pieces_name, pending_name) = (format!("{name}.pieces"), format!("{name}.pending"));
        let pieces = add_global(&mut p, &pieces_name, Type::array(Type::Str));
        let pending = add_global(&mut p, &pending_name, Type::Int);
        builders.push(Builder {
            var: Var::Global(g),
            pieces: Var::Global(pieces),
            pending: Var::Global(pending),
        });
    }
    for f in &mut p.functions {
        rewrite_body(f, &builders);
    }
    // Globals start zeroed (`nil` for an array): the pieces are made
    // empty before any top-level statement runs.
    let start: Vec<Stmt> = builders.iter().flat_map(|b| start_empty(b, 0)).collect();
    if let Some(entry) = p.functions.get_mut(p.entry as usize) {
        entry.body.stmts.splice(0..0, start);
    }
    Some(p)
}

fn add_local(f: &mut Function, name: &str, ty: Type) -> LocalId {
    let id = LocalId::try_from(f.locals.len()).unwrap_or(LocalId::MAX);
    f.locals.push(Local {
        name: name.to_string(),
        ty,
        in_cell: false,
        span: Span::default(),
    });
    id
}

fn add_global(p: &mut Program, name: &str, ty: Type) -> u32 {
    let id = u32::try_from(p.globals.len()).unwrap_or(u32::MAX);
    p.globals.push(Global {
        name: name.to_string(),
        ty,
    });
    id
}

/// The locals of `f` the pass rewrites: of type `str`, not in a cell, and
/// appended to inside a loop.
fn appended_locals(f: &Function) -> Vec<LocalId> {
    let mut found = Vec::new();
    find_appends(&f.body, 0, &mut found);
    let mut out: Vec<LocalId> = found
        .into_iter()
        .filter_map(|(v, in_loop)| match v {
            Var::Local(id) if in_loop => Some(id),
            _ => None,
        })
        .filter(|&id| {
            f.locals
                .get(id as usize)
                .is_some_and(|l| l.ty == Type::Str && !l.in_cell)
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The globals of `p` of type `str` that some function appends to.
fn appended_globals(p: &Program) -> Vec<u32> {
    let mut found = Vec::new();
    for f in &p.functions {
        find_appends(&f.body, 0, &mut found);
    }
    let mut out: Vec<u32> = found
        .into_iter()
        .filter_map(|(v, _)| match v {
            Var::Global(g) => Some(g),
            Var::Local(_) => None,
        })
        .filter(|&g| p.globals.get(g as usize).is_some_and(|g| g.ty == Type::Str))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The variable `s` of `s += t` or `s = s + t`, if `kind` is one.
fn append_target(kind: &S) -> Option<Var> {
    let (place, op, value) = match kind {
        S::Assign(place, op, value) => (place, op, value),
        _ => return None,
    };
    let var = match place {
        Place::Local(id) => Var::Local(*id),
        Place::Global(g) => Var::Global(*g),
        _ => return None,
    };
    if value.ty != Type::Str {
        return None;
    }
    match (op, &value.kind) {
        (Some(BinOp::Add), _) => Some(var),
        (None, K::Binary(BinOp::Add, l, _)) if reads(l, var) => Some(var),
        _ => None,
    }
}

/// Whether `e` is a plain read of `var`.
fn reads(e: &Expr, var: Var) -> bool {
    match (&e.kind, var) {
        (K::Local(a), Var::Local(b)) => *a == b,
        (K::Global(a), Var::Global(b)) => *a == b,
        _ => false,
    }
}

/// Every append in `b`, with whether it is inside a loop (`loops` deep).
fn find_appends(b: &Block, loops: usize, out: &mut Vec<(Var, bool)>) {
    for s in &b.stmts {
        if let Some(v) = append_target(&s.kind) {
            out.push((v, loops > 0));
        }
        let inner = match s.kind {
            S::While(..) | S::ForRange { .. } | S::ForEach { .. } => loops + 1,
            _ => loops,
        };
        for part in visit::stmt_parts(&s.kind) {
            find_in_part(part, inner, out);
        }
    }
    if let Some(v) = &b.value {
        find_in_part(Part::Expr(v), loops, out);
    }
}

fn find_in_part(part: Part, loops: usize, out: &mut Vec<(Var, bool)>) {
    match part {
        Part::Block(b) => find_appends(b, loops, out),
        Part::Expr(e) => {
            for p in visit::parts(&e.kind) {
                find_in_part(p, loops, out);
            }
        }
    }
}

mod rewrite;

use rewrite::{rewrite_body, start_empty};

#[cfg(test)]
mod tests;
