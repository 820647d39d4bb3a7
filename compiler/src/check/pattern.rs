//! Checking `match`: patterns, bindings, arm types and exhaustiveness.
//!
//! Exhaustiveness uses the usefulness algorithm of Maranget ("Warnings for
//! pattern matching", 2007), specialised to the one question asked here:
//! is the all-wildcard row useful after every arm, i.e. is some value not
//! matched? Enums and `bool` have finite constructor sets; `int`, `float` and
//! `str` are treated as infinite, so they need a `_` or a binding (ranges
//! that happen to cover every int are not counted). `nil` is not a case a
//! match must cover: matching on `nil` is a runtime error.

use super::Checker;
use crate::ast::{self, Span};
use crate::tir::{self, Pat};
use crate::types::Type;

/// A binding a pattern introduces: name, local and type.
type Binding = (String, tir::LocalId, Type);

impl Checker<'_> {
    pub(super) fn match_expr(
        &mut self,
        scrutinee: &ast::Expr,
        arms: &[ast::Arm],
        expected: Option<&Type>,
        want_value: bool,
        span: Span,
        line: u32,
    ) -> tir::Expr {
        let s = self.expr(scrutinee, None);
        let st = s.ty.clone();
        if matches!(st, Type::Nil | Type::Void | Type::Never) {
            self.error(scrutinee.span, "this expression has no value to match on");
        }
        let mut out: Vec<tir::Arm> = Vec::new();
        let mut spans = Vec::new();
        for arm in arms {
            self.push_scope();
            let mut binds = Vec::new();
            let pat = self.pattern(arm.pat, &st, &mut binds, None);
            for (name, id, _) in &binds {
                if let Some(scope) = self.cur().scopes.last_mut() {
                    scope.insert(name.clone(), *id);
                }
            }
            let guard = arm.guard.map(|g| {
                let c = self.expr(g, Some(&Type::Bool));
                self.coerce(c, &Type::Bool, g.span)
            });
            let body = self.expr_in(arm.body, expected, want_value);
            self.pop_scope();
            spans.push(arm.body.span);
            out.push(tir::Arm { pat, guard, body });
        }
        if !st.is_error() && !self.exhaustive(&out, &st) {
            let missing = self.missing_variants(&out, &st);
            let msg = if missing.is_empty() {
                "non-exhaustive `match`: add a `_` arm to cover every value".to_string()
            } else {
                format!("non-exhaustive `match`: {} not covered", missing.join(", "))
            };
            self.error(Span::new(span.start, scrutinee.span.end), msg);
        }
        let tys: Vec<Type> = out.iter().map(|a| a.body.ty.clone()).collect();
        let refs: Vec<&Type> = tys.iter().collect();
        let all_never = !tys.is_empty() && tys.iter().all(|t| *t == Type::Never);
        if !want_value {
            let ty = if all_never { Type::Never } else { Type::Void };
            for a in &mut out {
                if let tir::ExprKind::Block(b) = &mut a.body.kind {
                    super::expr::discard_value(b);
                }
            }
            return tir::Expr {
                kind: tir::ExprKind::Match(Box::new(s), out),
                ty,
                line,
                span: Span::default(),
            };
        }
        let ty = if out.is_empty() {
            Type::Never
        } else {
            self.join_types(expected, &refs)
        };
        if ty.is_value() {
            for (a, sp) in out.iter_mut().zip(spans) {
                if a.body.ty == Type::Void {
                    let msg = format!(
                        "this arm has no value, but the match has type {}",
                        self.show(&ty)
                    );
                    self.error(sp, msg);
                } else if a.body.ty.is_value() {
                    let body = std::mem::replace(&mut a.body, self.err_expr(line));
                    a.body = self.coerce(body, &ty, sp);
                }
            }
        }
        let ty = if ty == Type::Never && !all_never {
            Type::Void
        } else {
            ty
        };
        tir::Expr {
            kind: tir::ExprKind::Match(Box::new(s), out),
            ty,
            line,
            span: Span::default(),
        }
    }

    /// Checks a pattern against the scrutinee type `ty`, collecting the
    /// bindings. `reuse` holds the bindings of the first alternative of an
    /// enclosing `|`, whose locals the other alternatives must bind too.
    pub(super) fn pattern(
        &mut self,
        p: &ast::Pattern,
        ty: &Type,
        binds: &mut Vec<Binding>,
        reuse: Option<&[Binding]>,
    ) -> Pat {
        if !self.enter(p.span) {
            return Pat::Wildcard;
        }
        let r = self.pattern_inner(p, ty, binds, reuse);
        self.leave();
        r
    }

    fn pattern_inner(
        &mut self,
        p: &ast::Pattern,
        ty: &Type,
        binds: &mut Vec<Binding>,
        reuse: Option<&[Binding]>,
    ) -> Pat {
        match p.kind {
            ast::PatternKind::Wildcard => Pat::Wildcard,
            ast::PatternKind::Binding(name) if self.is_unit_prelude_variant(name.name) => {
                // `None` is the variant, not a new name.
                let empty = ast::Ident {
                    name: "",
                    span: name.span,
                };
                self.variant_pattern(empty, name, None, ty, p.span, binds, reuse)
            }
            ast::PatternKind::Binding(name) => {
                if binds.iter().any(|b| b.0 == name.name) {
                    self.error(
                        name.span,
                        format!("`{}` is bound twice in this pattern", name.name),
                    );
                }
                let id = match reuse.and_then(|r| r.iter().find(|b| b.0 == name.name)) {
                    Some((_, id, t)) if t == ty || t.is_error() || ty.is_error() => *id,
                    Some(_) => {
                        self.error(
                            name.span,
                            format!(
                                "`{}` has a different type in another alternative",
                                name.name
                            ),
                        );
                        self.new_binding_local(name.name, ty, name.span)
                    }
                    None => self.new_binding_local(name.name, ty, name.span),
                };
                binds.push((name.name.to_string(), id, ty.clone()));
                Pat::Bind(id)
            }
            ast::PatternKind::Int(lit) => {
                self.expect_pattern_type(ty, &Type::Int, p.span);
                Pat::Int(self.pattern_int(lit).unwrap_or(0))
            }
            ast::PatternKind::Range(lo, hi) => {
                self.expect_pattern_type(ty, &Type::Int, p.span);
                let (l, h) = (self.pattern_int(lo), self.pattern_int(hi));
                if let (Some(l), Some(h)) = (l, h) {
                    if l > h {
                        self.error(
                            p.span,
                            "this range pattern is empty: its start is above its end",
                        );
                    }
                }
                Pat::Range(l.unwrap_or(0), h.unwrap_or(0))
            }
            ast::PatternKind::Float(x) => {
                self.expect_pattern_type(ty, &Type::Float, p.span);
                Pat::Float(x)
            }
            ast::PatternKind::Str(s) => {
                self.expect_pattern_type(ty, &Type::Str, p.span);
                Pat::Str(s.to_string())
            }
            ast::PatternKind::Bool(b) => {
                self.expect_pattern_type(ty, &Type::Bool, p.span);
                Pat::Bool(b)
            }
            ast::PatternKind::Nil => {
                if !self.admits_nil(ty) {
                    let msg = format!("{} is never `nil`", self.show(ty));
                    self.error(p.span, msg);
                }
                Pat::Nil
            }
            ast::PatternKind::Variant(e, v, subs) => {
                self.variant_pattern(e, v, subs, ty, p.span, binds, reuse)
            }
            ast::PatternKind::Tuple(subs) => {
                let Some(types) = self.tuple_pattern_types(ty, subs.len(), p.span) else {
                    return Pat::Wildcard;
                };
                let pats = subs
                    .iter()
                    .zip(&types)
                    .map(|(sp, t)| self.pattern(sp, t, binds, reuse))
                    .collect();
                Pat::Tuple(pats)
            }
            ast::PatternKind::Or(alts) => {
                let mut out = Vec::new();
                let mut first: Option<Vec<Binding>> = None;
                for alt in alts {
                    let mut b = Vec::new();
                    let r = first.as_deref().or(reuse);
                    out.push(self.pattern(alt, ty, &mut b, r));
                    match &first {
                        None => first = Some(b),
                        Some(f) => {
                            let mut a: Vec<&str> = f.iter().map(|x| x.0.as_str()).collect();
                            let mut c: Vec<&str> = b.iter().map(|x| x.0.as_str()).collect();
                            a.sort_unstable();
                            c.sort_unstable();
                            if a != c {
                                self.error(
                                    alt.span,
                                    "every alternative of `|` must bind the same names",
                                );
                            }
                        }
                    }
                }
                binds.extend(first.unwrap_or_default());
                Pat::Or(out)
            }
        }
    }

    pub(super) fn new_binding_local(&mut self, name: &str, ty: &Type, span: Span) -> tir::LocalId {
        // Declared in the arm's scope by the caller once the whole pattern is
        // checked; here it only gets its slot.
        let f = self.cur();
        let id = tir::LocalId::try_from(f.locals.len()).unwrap_or(tir::LocalId::MAX);
        f.locals.push(super::LocalState {
            name: name.to_string(),
            ty: ty.clone(),
            mutable: false,
            kind: "pattern binding",
            captured: false,
            assigned: false,
            used: false,
            lint: super::lints::Lint::for_name(name),
            span,
        });
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn variant_pattern(
        &mut self,
        e: ast::Ident,
        v: ast::Ident,
        subs: Option<&[ast::Pattern]>,
        ty: &Type,
        span: Span,
        binds: &mut Vec<Binding>,
        reuse: Option<&[Binding]>,
    ) -> Pat {
        let found = if e.name.is_empty() {
            self.prelude_variant(v.name).map(super::TypeDecl::Enum)
        } else {
            self.env.type_names.get(e.name).copied()
        };
        // A prelude variant written alone is named by its enum in messages.
        let e = match (e.name.is_empty(), found) {
            (true, Some(super::TypeDecl::Enum(id))) => ast::Ident {
                name: self.arena.alloc_str(
                    self.env.enums[id as usize]
                        .name
                        .split('<')
                        .next()
                        .unwrap_or(""),
                ),
                span: v.span,
            },
            (true, _) => {
                self.error(v.span, format!("unknown variant `{}`", v.name));
                return Pat::Wildcard;
            }
            _ => e,
        };
        let eid = match found {
            Some(super::TypeDecl::Enum(id)) => id,
            _ => {
                self.error(e.span, format!("unknown enum `{}`", e.name));
                return Pat::Wildcard;
            }
        };
        // A generic enum's patterns match each of its instances.
        let eid = match ty {
            Type::Enum(i) if self.enum_args(*i).is_some_and(|(b, _)| b == eid) => *i,
            _ => eid,
        };
        if !ty.is_error() && *ty != Type::Enum(eid) {
            let msg = format!(
                "mismatched types: this pattern matches `{}`, but the value has type {}",
                self.env.enums[eid as usize].name,
                self.show(ty)
            );
            self.error(span, msg);
            return Pat::Wildcard;
        }
        let Some(vi) = self.env.enums[eid as usize]
            .variants
            .iter()
            .position(|(n, _)| n == v.name)
        else {
            self.error(
                v.span,
                format!("enum `{}` has no variant `{}`", e.name, v.name),
            );
            return Pat::Wildcard;
        };
        let payload = self.env.enums[eid as usize].variants[vi].1.clone();
        let subs = subs.unwrap_or(&[]);
        if subs.len() != payload.len() {
            self.error(
                span,
                format!(
                    "variant `{}::{}` has {} field{}, but the pattern has {}",
                    e.name,
                    v.name,
                    payload.len(),
                    if payload.len() == 1 { "" } else { "s" },
                    subs.len()
                ),
            );
        }
        let pats = subs
            .iter()
            .zip(&payload)
            .map(|(sp, pt)| self.pattern(sp, pt, binds, reuse))
            .collect::<Vec<_>>();
        // Missing sub-patterns (already reported) match anything.
        let mut pats = pats;
        pats.resize(payload.len(), Pat::Wildcard);
        Pat::Variant(vi as u32, pats)
    }

    fn expect_pattern_type(&mut self, have: &Type, want: &Type, span: Span) {
        if have != want && !have.is_error() {
            let msg = format!(
                "mismatched types: this pattern matches {}, but the value has type {}",
                self.show(want),
                self.show(have)
            );
            self.error(span, msg);
        }
    }

    fn pattern_int(&mut self, lit: ast::IntLit) -> Option<i64> {
        let text = self
            .source_text(lit.span)
            .trim_start_matches('-')
            .trim_start();
        let hex = text.starts_with("0x") || text.starts_with("0X");
        let v = if hex {
            Some(lit.magnitude as i64)
        } else if lit.negative && lit.magnitude == 1u64 << 63 {
            return Some(i64::MIN);
        } else {
            i64::try_from(lit.magnitude).ok()
        };
        match v {
            Some(v) if lit.negative => Some(v.wrapping_neg()),
            Some(v) => Some(v),
            None => {
                self.error(lit.span, "integer literal is too large for `int`");
                None
            }
        }
    }

    // ------------------------------------------------------------ exhaustiveness

    fn exhaustive(&self, arms: &[tir::Arm], ty: &Type) -> bool {
        // An arm with a guard may not match, so it covers nothing.
        let rows: Vec<Vec<&Pat>> = arms
            .iter()
            .filter(|a| a.guard.is_none())
            .map(|a| vec![&a.pat])
            .collect();
        !self.useful_wild(rows, std::slice::from_ref(ty), 0)
    }

    /// The variants of an enum scrutinee that no arm covers completely.
    fn missing_variants(&self, arms: &[tir::Arm], ty: &Type) -> Vec<String> {
        let Type::Enum(eid) = ty else {
            return vec![];
        };
        let info = &self.env.enums[*eid as usize];
        let rows: Vec<Vec<&Pat>> = arms
            .iter()
            .filter(|a| a.guard.is_none())
            .map(|a| vec![&a.pat])
            .collect();
        let rows = expand_or(rows);
        let mut out = Vec::new();
        for (vi, (name, payload)) in info.variants.iter().enumerate() {
            let spec = specialize(&rows, Ctor::Variant(vi as u32), payload.len());
            if self.useful_wild(spec, payload, 0) {
                let shown = if payload.is_empty() {
                    format!("`{}::{}`", info.name, name)
                } else {
                    format!("`{}::{}(..)`", info.name, name)
                };
                out.push(shown);
            }
        }
        out
    }

    /// Whether a row of wildcards matches some value no row matches.
    fn useful_wild(&self, rows: Vec<Vec<&Pat>>, tys: &[Type], depth: usize) -> bool {
        let Some((t, rest_tys)) = tys.split_first() else {
            return rows.is_empty();
        };
        // Patterns nest no deeper than the source (which the nesting limit
        // bounds), but stay safe regardless.
        if depth > super::MAX_NESTING {
            return false;
        }
        let rows = expand_or(rows);
        let ctors: Option<Vec<(Ctor, Vec<Type>)>> = match t {
            Type::Bool => Some(vec![
                (Ctor::Bool(false), vec![]),
                (Ctor::Bool(true), vec![]),
            ]),
            Type::Enum(eid) => Some(
                self.env.enums[*eid as usize]
                    .variants
                    .iter()
                    .enumerate()
                    .map(|(i, (_, p))| (Ctor::Variant(i as u32), p.clone()))
                    .collect(),
            ),
            t => self.tuple_elems(t).map(|e| vec![(Ctor::Tuple, e)]),
        };
        if let Some(ctors) = ctors {
            let complete = !ctors.is_empty()
                && ctors.iter().all(|(c, _)| {
                    rows.iter()
                        .any(|r| r.first().is_some_and(|p| head_ctor(p) == Some(*c)))
                });
            if complete {
                return ctors.into_iter().any(|(c, sub)| {
                    let spec = specialize(&rows, c, sub.len());
                    let mut tys = sub;
                    tys.extend_from_slice(rest_tys);
                    self.useful_wild(spec, &tys, depth + 1)
                });
            }
        }
        let default: Vec<Vec<&Pat>> = rows
            .into_iter()
            .filter(|r| r.first().is_some_and(|p| is_wild(p)))
            .map(|r| r.get(1..).unwrap_or(&[]).to_vec())
            .collect();
        self.useful_wild(default, rest_tys, depth + 1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ctor {
    Bool(bool),
    Variant(u32),
    /// A tuple's one constructor.
    Tuple,
}

fn head_ctor(p: &Pat) -> Option<Ctor> {
    match p {
        Pat::Bool(b) => Some(Ctor::Bool(*b)),
        Pat::Variant(v, _) => Some(Ctor::Variant(*v)),
        Pat::Tuple(_) => Some(Ctor::Tuple),
        _ => None,
    }
}

fn is_wild(p: &Pat) -> bool {
    matches!(p, Pat::Wildcard | Pat::Bind(_))
}

/// Splits rows whose first pattern is an alternative into one row each.
fn expand_or(rows: Vec<Vec<&Pat>>) -> Vec<Vec<&Pat>> {
    let mut out = Vec::new();
    let mut work: Vec<Vec<&Pat>> = rows.into_iter().rev().collect();
    while let Some(r) = work.pop() {
        match r.first() {
            Some(Pat::Or(alts)) => {
                for a in alts.iter().rev() {
                    let mut nr = vec![a];
                    nr.extend_from_slice(r.get(1..).unwrap_or(&[]));
                    work.push(nr);
                }
            }
            _ => out.push(r),
        }
    }
    out
}

static WILD: Pat = Pat::Wildcard;

/// The rows that match constructor `c`, with its sub-patterns in front.
fn specialize<'p>(rows: &[Vec<&'p Pat>], c: Ctor, arity: usize) -> Vec<Vec<&'p Pat>> {
    let mut out = Vec::new();
    for r in rows {
        let Some((head, rest)) = r.split_first() else {
            continue;
        };
        let mut nr: Vec<&Pat> = match head {
            Pat::Wildcard | Pat::Bind(_) => vec![&WILD; arity],
            p if head_ctor(p) == Some(c) => match p {
                Pat::Variant(_, subs) | Pat::Tuple(subs) => subs.iter().collect(),
                _ => vec![],
            },
            _ => continue,
        };
        nr.extend_from_slice(rest);
        out.push(nr);
    }
    out
}
