//! The expressions generics add: constructing a variant of a generic enum
//! (`Tree::Leaf(3)`), calling a method of a generic `impl` on an instance,
//! and calling a bound's method on a value whose type is a parameter.

use super::expr::{count_mismatch, mk};
use super::generics::Bindings;
use super::{Checker, TypeDecl};
use crate::ast::{self, Span};
use crate::tir::{self, ExprKind as K};
use crate::types::{DeclId, Type};

/// Empty bindings for the parameters of a generic declaration (`None`
/// when it is not generic).
pub(super) fn param_bindings(params: Option<&[Type]>) -> Bindings {
    params
        .unwrap_or(&[])
        .iter()
        .filter_map(|p| match p {
            Type::Param(id) => Some((*id, None)),
            _ => None,
        })
        .collect()
}

impl Checker<'_> {
    /// `Enum::Variant(args)` of a generic enum: its arguments are inferred
    /// from the expected type and the payload. `None` when the enum has no
    /// such variant (the caller then looks for a static function).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn generic_variant(
        &mut self,
        eid: DeclId,
        t: ast::Ident,
        m: ast::Ident,
        args: Option<&[ast::Expr]>,
        expected: Option<&Type>,
        span: Span,
        line: u32,
    ) -> Option<tir::Expr> {
        let vi = self.env.enums[eid as usize]
            .variants
            .iter()
            .position(|(n, _)| n == m.name)?;
        let payload = self.env.enums[eid as usize].variants[vi].1.clone();
        let params = self.template_params(TypeDecl::Enum(eid));
        let mut b = param_bindings(params.as_deref());
        if let Some(e) = expected {
            self.unify(&Type::Enum(eid), e, &mut b);
        }
        let args = args.unwrap_or(&[]);
        let arity_wrong = args.len() != payload.len();
        if arity_wrong {
            let what = format!("variant `{}::{}`", t.name, m.name);
            let msg = count_mismatch(&what, "value", payload.len(), args.len());
            self.error(span, msg);
        }
        let mut vals = Vec::new();
        for (a, pt) in args.iter().zip(&payload) {
            let want = self.known(pt, &b);
            let v = self.expr(a, want.as_ref());
            self.unify(pt, &v.ty, &mut b);
            vals.push(v);
        }
        let quiet = arity_wrong
            || expected.is_some_and(|e| e.is_error())
            || vals.iter().any(|v| v.ty.is_error());
        let targs = self.settle(b, &format!("`{}`", t.name), span, quiet);
        self.site = span;
        let ty = self.enum_instance(eid, targs);
        let Type::Enum(inst) = ty else {
            return Some(self.err_expr(line));
        };
        let types = self.env.enums[inst as usize]
            .variants
            .get(vi)
            .map(|v| v.1.clone())
            .unwrap_or_default();
        let vals = vals
            .into_iter()
            .zip(&types)
            .map(|(v, t)| {
                let sp = v.span;
                self.coerce(v, t, sp)
            })
            .collect();
        Some(mk(K::NewEnum(inst, vi as u32, vals), ty, line))
    }

    /// The template of method `name` for a receiver of type `t`: a method of
    /// a generic `impl` of `t`'s declaration, or a generic method of `t`.
    pub(super) fn generic_method(&self, t: &Type, name: &str) -> Option<u32> {
        let base = match t {
            Type::Struct(i) => Type::Struct(self.struct_args(*i).map_or(*i, |(b, _)| b)),
            Type::Enum(i) => Type::Enum(self.enum_args(*i).map_or(*i, |(b, _)| b)),
            _ => return None,
        };
        self.env
            .generic_methods
            .get(&(base, name.to_string()))
            .copied()
    }

    /// `x.m(args)` where `x`'s type is the parameter `p`: the method of one
    /// of `p`'s bounds. Only checked with the parameter opaque; an instance
    /// calls the concrete type's method.
    pub(super) fn bound_method_call(
        &mut self,
        p: u32,
        recv: tir::Expr,
        name: ast::Ident,
        args: &[ast::Expr],
        span: Span,
        line: u32,
    ) -> tir::Expr {
        let info = self.env.params.get(p as usize).cloned();
        let found = info.as_ref().and_then(|info| {
            info.bounds.iter().find_map(|&t| {
                let mi = self
                    .env
                    .traits
                    .get(t as usize)?
                    .methods
                    .iter()
                    .position(|m| m.name == name.name)?;
                Some((t, mi))
            })
        });
        let Some((tid, mi)) = found else {
            let pname = info.as_ref().map_or("?", |i| i.name.as_str()).to_string();
            let with = self
                .env
                .traits
                .iter()
                .find(|t| t.methods.iter().any(|m| m.name == name.name))
                .map(|t| t.name.clone());
            let msg = format!("type parameter `{pname}` has no method `{}`", name.name);
            match with {
                Some(tr) => self.error_note(
                    name.span,
                    msg,
                    format!("a bound gives it one: `{pname}: {tr}`"),
                ),
                None => self.error(name.span, msg),
            }
            for a in args {
                self.expr(a, None);
            }
            return self.err_expr(line);
        };
        let m = self.env.traits[tid as usize].methods[mi].clone();
        let what = format!("`{}`", m.name);
        let mut all = vec![recv];
        all.extend(self.args(&m.params, args, span, &what));
        mk(K::CallTrait(tid, mi as u32, all), m.ret, line)
    }
}
