//! The parts of typed IR nodes, for passes that walk the tree: each
//! expression's and statement's direct sub-expressions and blocks, in
//! evaluation order.

use super::{Block, Expr, ExprKind as K, Place, StmtKind as S};

/// A direct part of a node.
pub enum Part<'a> {
    Expr(&'a Expr),
    Block(&'a Block),
}

/// A direct part of a node, to change in place.
pub enum PartMut<'a> {
    Expr(&'a mut Expr),
    Block(&'a mut Block),
}

/// Generates the shared and the mutable walk from one list, so the two
/// cannot disagree.
macro_rules! walkers {
    ($expr_fn:ident, $stmt_fn:ident, $part:ident, $as_ref:ident, $($m:tt)?) => {
        /// The direct parts of an expression.
        pub fn $expr_fn(kind: &$($m)? K) -> Vec<$part<'_>> {
            use $part::{Block as B, Expr as E};
            match kind {
                K::Int(_)
                | K::Float(_)
                | K::Bool(_)
                | K::Str(_)
                | K::Nil
                | K::Local(_)
                | K::Capture(_)
                | K::Global(_)
                | K::FuncRef(_)
                | K::Closure(..) => vec![],
                K::Unary(_, e)
                | K::IsNil(e, _)
                | K::Print(e, _)
                | K::ToStr(e)
                | K::IntToFloat(e)
                | K::FloatToInt(e)
                | K::StrLen(e)
                | K::ArrLen(e)
                | K::Field(e, _)
                | K::Upcast(e) => vec![E(e)],
                K::Binary(_, l, r)
                | K::ArrPush(l, r)
                | K::Index(l, r)
                | K::ArrayFill(l, r) => vec![E(l), E(r)],
                K::Call(_, args)
                | K::CallTrait(_, _, args)
                | K::CallNative(_, args)
                | K::NewEnum(_, _, args)
                | K::Array(args) => args.into_iter().map(E).collect(),
                K::CallClosure(c, args) => {
                    let mut v = vec![E(&$($m)? **c)];
                    v.extend(args.into_iter().map(E));
                    v
                }
                K::NewStruct(_, fields) => fields.into_iter().map(|(_, e)| E(e)).collect(),
                K::Map(entries) => entries
                    .into_iter()
                    .flat_map(|(k, v)| [E(k), E(v)])
                    .collect(),
                K::If(c, then, els) => {
                    let mut v = vec![E(&$($m)? **c), B(then)];
                    v.extend(els.into_iter().map(B));
                    v
                }
                K::Match(s, arms) => {
                    let mut v = vec![E(&$($m)? **s)];
                    for arm in arms {
                        v.extend(arm.guard.$as_ref().map(E));
                        v.push(E(&$($m)? arm.body));
                    }
                    v
                }
                K::Block(b) => vec![B(b)],
            }
        }

        /// The direct parts of a statement: its place's expressions, its
        /// value, its loop's bounds and body.
        pub fn $stmt_fn(kind: &$($m)? S) -> Vec<$part<'_>> {
            use $part::{Block as B, Expr as E};
            match kind {
                S::Let(_, e) | S::Expr(e) => vec![E(e)],
                S::Assign(place, _, e) => {
                    let mut v: Vec<$part<'_>> = match place {
                        Place::Local(_) | Place::Capture(_) | Place::Global(_) => vec![],
                        Place::Field(o, _) => vec![E(&$($m)? **o)],
                        Place::Index(b, i) => vec![E(&$($m)? **b), E(&$($m)? **i)],
                    };
                    v.push(E(e));
                    v
                }
                S::While(c, body) => vec![E(c), B(body)],
                S::ForRange {
                    start, end, body, ..
                } => vec![E(start), E(end), B(body)],
                S::ForEach { array, body, .. } => vec![E(array), B(body)],
                S::Return(e) => e.into_iter().map(E).collect(),
                S::Break | S::Continue => vec![],
            }
        }
    };
}

walkers!(parts, stmt_parts, Part, as_ref,);
walkers!(parts_mut, stmt_parts_mut, PartMut, as_mut, mut);
