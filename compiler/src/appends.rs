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
use crate::tir::visit::{self, Part, PartMut};
use crate::tir::{
    Block, Expr, ExprKind as K, Function, Global, Local, LocalId, Place, Program, Stmt,
    StmtKind as S,
};
use crate::types::Type;
use lang_bytecode::Native;

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

// ------------------------------------------------------------ rewriting

/// A node of the rewritten code, at the line and span of what it replaces.
struct At {
    line: u32,
    span: Span,
}

impl At {
    fn expr(&self, kind: K, ty: Type) -> Expr {
        Expr {
            kind,
            ty,
            line: self.line,
            span: self.span,
        }
    }

    fn stmt(&self, kind: S) -> Stmt {
        Stmt {
            kind,
            line: self.line,
            span: self.span,
        }
    }

    fn read(&self, v: Var, ty: Type) -> Expr {
        match v {
            Var::Local(id) => self.expr(K::Local(id), ty),
            Var::Global(g) => self.expr(K::Global(g), ty),
        }
    }

    fn assign(&self, v: Var, op: Option<BinOp>, value: Expr) -> Stmt {
        let place = match v {
            Var::Local(id) => Place::Local(id),
            Var::Global(g) => Place::Global(g),
        };
        self.stmt(S::Assign(place, op, value))
    }

    fn pieces(&self, b: &Builder) -> Expr {
        self.read(b.pieces, Type::array(Type::Str))
    }

    /// `pieces.clear(); pending = 0;`
    fn clear(&self, b: &Builder) -> [Stmt; 2] {
        let clear = self.expr(
            K::CallNative(Native::ArrClear, vec![self.pieces(b)]),
            Type::Void,
        );
        [
            self.stmt(S::Expr(clear)),
            self.assign(b.pending, None, self.expr(K::Int(0), Type::Int)),
        ]
    }

    /// `if pieces.len() > 0 { s = s + pieces.join(""); clear }`.
    fn flush(&self, b: &Builder) -> Stmt {
        let count = self.expr(K::ArrLen(Box::new(self.pieces(b))), Type::Int);
        let zero = self.expr(K::Int(0), Type::Int);
        let pending = self.expr(
            K::Binary(BinOp::Gt, Box::new(count), Box::new(zero)),
            Type::Bool,
        );
        let sep = self.expr(K::Str(String::new()), Type::Str);
        let joined = self.expr(
            K::CallNative(Native::ArrJoin, vec![self.pieces(b), sep]),
            Type::Str,
        );
        let whole = self.expr(
            K::Binary(
                BinOp::Add,
                Box::new(self.read(b.var, Type::Str)),
                Box::new(joined),
            ),
            Type::Str,
        );
        let mut stmts = vec![self.assign(b.var, None, whole)];
        stmts.extend(self.clear(b));
        let then = Block { stmts, value: None };
        self.stmt(S::Expr(
            self.expr(K::If(Box::new(pending), then, None), Type::Void),
        ))
    }
}

/// `pieces = []; pending = 0;`, at line `line`.
fn start_empty(b: &Builder, line: u32) -> [Stmt; 2] {
    let at = At {
        line,
        span: Span::default(),
    };
    let empty = at.expr(K::Array(vec![]), Type::array(Type::Str));
    [
        at.assign(b.pieces, None, empty),
        at.assign(b.pending, None, at.expr(K::Int(0), Type::Int)),
    ]
}

fn rewrite_body(f: &mut Function, builders: &[Builder]) {
    let mut r = Rewriter {
        builders,
        piece: None,
        locals: &mut f.locals,
    };
    r.block(&mut f.body);
}

struct Rewriter<'a> {
    builders: &'a [Builder],
    /// The function's hidden local for the piece being appended, made on
    /// first use.
    piece: Option<LocalId>,
    locals: &'a mut Vec<Local>,
}

impl Rewriter<'_> {
    fn builder(&self, v: Var) -> Option<Builder> {
        self.builders.iter().copied().find(|b| b.var == v)
    }

    /// The builder `e` reads, if it is a plain read of one.
    fn read_of(&self, e: &Expr) -> Option<Builder> {
        self.builders.iter().copied().find(|b| reads(e, b.var))
    }

    fn piece_local(&mut self) -> LocalId {
        if let Some(p) = self.piece {
            return p;
        }
        let id = LocalId::try_from(self.locals.len()).unwrap_or(LocalId::MAX);
        self.locals.push(Local {
            name: "<piece>".to_string(),
            ty: Type::Str,
            in_cell: false,
            span: Span::default(),
        });
        self.piece = Some(id);
        id
    }

    fn block(&mut self, b: &mut Block) {
        for s in std::mem::take(&mut b.stmts) {
            self.stmt(s, &mut b.stmts);
        }
        if let Some(v) = &mut b.value {
            self.expr(v);
        }
    }

    fn stmt(&mut self, mut s: Stmt, out: &mut Vec<Stmt>) {
        let at = At {
            line: s.line,
            span: s.span,
        };
        let target = append_target(&s.kind).and_then(|v| self.builder(v));
        match (s.kind, target) {
            (S::Assign(_, op, value), Some(b)) => {
                // `s += t` or `s = s + t`: the piece is `t`.
                let mut piece = match (op, value.kind) {
                    (None, K::Binary(_, _, t)) => *t,
                    (_, kind) => Expr { kind, ..value },
                };
                self.expr(&mut piece);
                let p = self.piece_local();
                let len = at.expr(
                    K::StrLen(Box::new(at.expr(K::Local(p), Type::Str))),
                    Type::Int,
                );
                let push = K::ArrPush(
                    Box::new(at.pieces(&b)),
                    Box::new(at.expr(K::Local(p), Type::Str)),
                );
                out.push(at.stmt(S::Let(p, piece)));
                out.push(at.stmt(S::Expr(at.expr(push, Type::Void))));
                out.push(at.assign(b.pending, Some(BinOp::Add), len));
            }
            (S::Assign(Place::Local(id), None, mut value), None)
                if self.builder(Var::Local(id)).is_some() =>
            {
                self.assign_whole(Var::Local(id), &mut value, &at, out);
            }
            (S::Assign(Place::Global(g), None, mut value), None)
                if self.builder(Var::Global(g)).is_some() =>
            {
                self.assign_whole(Var::Global(g), &mut value, &at, out);
            }
            (S::Let(id, mut init), None) if self.builder(Var::Local(id)).is_some() => {
                self.expr(&mut init);
                out.push(at.stmt(S::Let(id, init)));
                if let Some(b) = self.builder(Var::Local(id)) {
                    out.extend(start_empty(&b, at.line));
                }
            }
            (kind, _) => {
                s.kind = kind;
                for part in visit::stmt_parts_mut(&mut s.kind) {
                    self.part(part);
                }
                out.push(s);
            }
        }
    }

    /// `s = value`: the pieces before it no longer count.
    fn assign_whole(&mut self, v: Var, value: &mut Expr, at: &At, out: &mut Vec<Stmt>) {
        self.expr(value);
        let value = std::mem::replace(value, at.expr(K::Nil, Type::Nil));
        out.push(at.assign(v, None, value));
        if let Some(b) = self.builder(v) {
            out.extend(at.clear(&b));
        }
    }

    fn part(&mut self, part: PartMut) {
        match part {
            PartMut::Expr(e) => self.expr(e),
            PartMut::Block(b) => self.block(b),
        }
    }

    fn expr(&mut self, e: &mut Expr) {
        let at = At {
            line: e.line,
            span: e.span,
        };
        if let Some(b) = self.read_of(e) {
            // A read: flush first.
            let read = at.read(b.var, Type::Str);
            let block = Block {
                stmts: vec![at.flush(&b)],
                value: Some(Box::new(read)),
            };
            *e = at.expr(K::Block(block), Type::Str);
            return;
        }
        if let K::StrLen(inner) = &e.kind {
            if let Some(b) = self.read_of(inner) {
                // The length so far plus what is pending, without a flush.
                let whole = at.expr(K::StrLen(Box::new(at.read(b.var, Type::Str))), Type::Int);
                let pending = at.read(b.pending, Type::Int);
                *e = at.expr(
                    K::Binary(BinOp::Add, Box::new(whole), Box::new(pending)),
                    Type::Int,
                );
                return;
            }
        }
        for part in visit::parts_mut(&mut e.kind) {
            self.part(part);
        }
    }
}

#[cfg(test)]
mod tests;
