//! The prelude and the methods of built-in types.
//!
//! Most built-ins are natives from `lang_bytecode::natives`, whose table
//! (with type patterns) is shared with the verifier; the checker resolves a
//! call by receiver kind and name and instantiates the patterns. A few
//! built-ins have instructions of their own (`print`, `str`, `int`, `float`,
//! `len`, `push`) and become dedicated typed-IR nodes.

use super::Checker;
use crate::ast::{self, Span};
use crate::tir::{self, ExprKind as K};
use crate::types::Type;
use lang_bytecode::natives::{Pat, Receiver, ALL_NATIVES};
use lang_bytecode::Native;

/// Built-ins that are not natives.
const SPECIAL: &[&str] = &["print", "println", "str", "int", "float", "assert_eq"];

/// Whether `name` is a prelude function (a user declaration may shadow it).
pub(super) fn is_prelude(name: &str) -> bool {
    SPECIAL.contains(&name)
        || ALL_NATIVES
            .iter()
            .any(|n| n.receiver() == Receiver::None && n.name() == name)
}

/// The names of every prelude function, each once.
pub(crate) fn prelude_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = SPECIAL.to_vec();
    for n in ALL_NATIVES {
        if n.receiver() == Receiver::None && !names.contains(&n.name()) {
            names.push(n.name());
        }
    }
    names
}

/// Prelude functions that never return.
fn diverges(n: Native) -> bool {
    matches!(n, Native::Exit | Native::Panic)
}

fn mk(kind: K, ty: Type, line: u32) -> tir::Expr {
    tir::Expr {
        kind,
        ty,
        line,
        span: Span::default(),
    }
}

/// The element types a native's patterns refer to.
#[derive(Default, Clone)]
struct Bound {
    recv: Option<Type>,
    t: Option<Type>,
    k: Option<Type>,
    v: Option<Type>,
}

fn pat_type(p: Pat, b: &Bound) -> Type {
    let or_err = |t: &Option<Type>| t.clone().unwrap_or(Type::Error);
    match p {
        Pat::Int => Type::Int,
        Pat::Float => Type::Float,
        Pat::Bool => Type::Bool,
        Pat::Str => Type::Str,
        Pat::ArrayT | Pat::Sortable | Pat::MapKV => or_err(&b.recv),
        Pat::T => or_err(&b.t),
        Pat::ArrayStr => Type::array(Type::Str),
        Pat::LessFn => Type::Fn(vec![or_err(&b.t), or_err(&b.t)], Box::new(Type::Bool)),
        Pat::K => or_err(&b.k),
        Pat::V => or_err(&b.v),
        Pat::ArrayK => Type::array(or_err(&b.k)),
        Pat::ArrayV => Type::array(or_err(&b.v)),
    }
}

impl Checker<'_> {
    pub(super) fn prelude_call(
        &mut self,
        name: &str,
        name_span: Span,
        args: &[ast::Expr],
        span: Span,
        line: u32,
    ) -> tir::Expr {
        match (name, args) {
            ("assert_eq", _) => return self.assert_eq_call(args, span, line),
            ("assert", [cond]) => return self.assert_quoting(cond, line),
            _ => {}
        }
        match name {
            "print" | "println" => {
                let nl = name == "println";
                if nl && args.is_empty() {
                    let empty = mk(K::Str(String::new()), Type::Str, line);
                    return mk(K::Print(Box::new(empty), true), Type::Void, line);
                }
                let Some(v) = self.one_value_arg(name, args, span) else {
                    return self.err_expr(line);
                };
                return mk(K::Print(Box::new(v), nl), Type::Void, line);
            }
            "str" => {
                let Some(v) = self.one_value_arg(name, args, span) else {
                    return self.err_expr(line);
                };
                if v.ty == Type::Str {
                    return v;
                }
                return mk(K::ToStr(Box::new(v)), Type::Str, line);
            }
            "int" | "float" => {
                let Some(v) = self.one_value_arg(name, args, span) else {
                    return self.err_expr(line);
                };
                return match (name, &v.ty) {
                    ("int", Type::Int) | ("float", Type::Float) | (_, Type::Error) => v,
                    ("int", Type::Float) => mk(K::FloatToInt(Box::new(v)), Type::Int, line),
                    ("float", Type::Int) => mk(K::IntToFloat(Box::new(v)), Type::Float, line),
                    (_, t) => {
                        let hint = if *t == Type::Str {
                            format!("; use `parse_{name}` to read a number from text")
                        } else {
                            String::new()
                        };
                        let msg = format!("cannot convert {} to `{name}`{hint}", self.show(t));
                        self.error(span, msg);
                        self.err_expr(line)
                    }
                };
            }
            _ => {}
        }
        let cands: Vec<Native> = ALL_NATIVES
            .iter()
            .copied()
            .filter(|n| n.receiver() == Receiver::None && n.name() == name)
            .collect();
        let native = match cands.as_slice() {
            [] => {
                self.error(name_span, format!("unknown function `{name}`"));
                return self.err_expr(line);
            }
            [one] => *one,
            several => {
                // Overloads (`abs`, `min`, `max`): pick by argument types.
                let vals: Vec<tir::Expr> = args.iter().map(|a| self.expr(a, None)).collect();
                if vals.iter().any(|v| v.ty.is_error()) {
                    return self.err_expr(line);
                }
                let found = several.iter().copied().find(|n| {
                    n.params().len() == vals.len()
                        && n.params()
                            .iter()
                            .zip(&vals)
                            .all(|(p, v)| pat_type(*p, &Bound::default()) == v.ty)
                });
                let Some(n) = found else {
                    let alts: Vec<String> = several
                        .iter()
                        .map(|n| {
                            let ps: Vec<String> = n
                                .params()
                                .iter()
                                .map(|p| self.type_name(&pat_type(*p, &Bound::default())))
                                .collect();
                            format!("`{name}({})`", ps.join(", "))
                        })
                        .collect();
                    let got: Vec<String> = vals.iter().map(|v| self.type_name(&v.ty)).collect();
                    self.error_note(
                        span,
                        format!("no `{name}` takes ({})", got.join(", ")),
                        format!("`{name}` is defined as {}", alts.join(" and ")),
                    );
                    return self.err_expr(line);
                };
                let ret = n
                    .ret()
                    .map_or(Type::Void, |p| pat_type(p, &Bound::default()));
                return mk(K::CallNative(n, vals), ret, line);
            }
        };
        let b = Bound::default();
        let params: Vec<Type> = native.params().iter().map(|p| pat_type(*p, &b)).collect();
        let vals = self.args(&params, args, span, &format!("`{name}`"));
        let ret = if diverges(native) {
            Type::Never
        } else {
            native.ret().map_or(Type::Void, |p| pat_type(p, &b))
        };
        mk(K::CallNative(native, vals), ret, line)
    }

    /// The single argument of `print`, `str`, `int`, `float`; it must have a
    /// value.
    fn one_value_arg(&mut self, name: &str, args: &[ast::Expr], span: Span) -> Option<tir::Expr> {
        let [a] = args else {
            self.error(
                span,
                format!("`{name}` takes 1 argument, but {} were given", args.len()),
            );
            for a in args {
                self.expr(a, None);
            }
            return None;
        };
        let v = self.expr(a, None);
        match v.ty {
            Type::Void => {
                self.error(a.span, "this expression has no value");
                None
            }
            Type::Error => None,
            _ => Some(v),
        }
    }

    /// `recv.name(args)` on a `str`, `float`, array or map.
    pub(super) fn builtin_method(
        &mut self,
        recv: tir::Expr,
        name: ast::Ident,
        args: &[ast::Expr],
        span: Span,
        line: u32,
    ) -> tir::Expr {
        let (kind, b) = match &recv.ty {
            Type::Str => (Receiver::Str, Bound::default()),
            Type::Float => (Receiver::Float, Bound::default()),
            Type::Array(t) => (
                Receiver::Array,
                Bound {
                    recv: Some(recv.ty.clone()),
                    t: Some((**t).clone()),
                    ..Bound::default()
                },
            ),
            Type::Map(k, v) => (
                Receiver::Map,
                Bound {
                    recv: Some(recv.ty.clone()),
                    k: Some((**k).clone()),
                    v: Some((**v).clone()),
                    ..Bound::default()
                },
            ),
            other => {
                let msg = format!("{} has no method `{}`", self.show(other), name.name);
                self.error(name.span, msg);
                for a in args {
                    self.expr(a, None);
                }
                return self.err_expr(line);
            }
        };
        let Some(native) = Native::lookup(kind, name.name) else {
            let msg = format!("{} has no method `{}`", self.show(&recv.ty), name.name);
            self.error(name.span, msg);
            for a in args {
                self.expr(a, None);
            }
            return self.err_expr(line);
        };
        let params: Vec<Type> = native.params().iter().map(|p| pat_type(*p, &b)).collect();
        // The receiver's own pattern may be narrower than "any array".
        match native.params().first() {
            Some(Pat::Sortable) => {
                let ok = matches!(&b.t, Some(Type::Int | Type::Float | Type::Str));
                if !ok {
                    let msg = format!(
                        "`sort()` needs `[int]`, `[float]` or `[str]`, not {}; use `sort_by`",
                        self.show(&recv.ty)
                    );
                    self.error(name.span, msg);
                }
            }
            Some(Pat::ArrayStr) if recv.ty != Type::array(Type::Str) => {
                let msg = format!(
                    "`{}()` needs `[str]`, not {}",
                    name.name,
                    self.show(&recv.ty)
                );
                self.error(name.span, msg);
            }
            _ => {}
        }
        let what = format!("`{}`", name.name);
        let vals = self.args(params.get(1..).unwrap_or(&[]), args, span, &what);
        let ret = native.ret().map_or(Type::Void, |p| pat_type(p, &b));
        match native {
            Native::StrLen => return mk(K::StrLen(Box::new(recv)), Type::Int, line),
            Native::ArrLen => return mk(K::ArrLen(Box::new(recv)), Type::Int, line),
            Native::ArrPush => {
                if let Some(v) = vals.into_iter().next() {
                    return mk(K::ArrPush(Box::new(recv), Box::new(v)), Type::Void, line);
                }
                return self.err_expr(line);
            }
            _ => {}
        }
        if native == Native::ArrSortBy {
            // Written in the language (the prelude), so that the runtime
            // never calls the comparison from a native.
            return self.sort_by(recv, vals, span, line);
        }
        let mut all = vec![recv];
        all.extend(vals);
        match self.structural_search(native, all, line) {
            Ok(search) => search,
            Err(all) => mk(K::CallNative(native, all), ret, line),
        }
    }
}
