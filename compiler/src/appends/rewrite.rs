//! The rewriting half of `appends`: appends become pushes onto the
//! pieces, reads flush first, `s.len()` adds what is pending, `s = e`
//! clears.

use super::{append_target, reads, Builder, Var};
use crate::ast::{BinOp, Span};
use crate::tir::visit::{self, PartMut};
use crate::tir::{
    Block, Expr, ExprKind as K, Function, Local, LocalId, Place, Stmt, StmtKind as S,
};
use crate::types::Type;
use lang_bytecode::Native;

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
pub(super) fn start_empty(b: &Builder, line: u32) -> [Stmt; 2] {
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

pub(super) fn rewrite_body(f: &mut Function, builders: &[Builder]) {
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
