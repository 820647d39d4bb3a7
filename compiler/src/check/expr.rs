//! Checking expressions.
//!
//! `expected` is a hint from the context (the declared type of a variable,
//! a parameter, a field, ...): it types `nil`, `[]` and `{}` and lets array
//! literals convert their elements to a trait type. The caller still
//! converts the result with `coerce`, which reports mismatches.

use super::generic_calls::param_bindings;
use super::{Checker, Resolved, TypeDecl};
use crate::ast::{self, BinOp, Span, UnOp};
use crate::tir::{self, ExprKind as K};
use crate::types::{display, DeclNames, Type};

/// "`f` takes 2 arguments, but 1 was given", for arguments, values and
/// type arguments alike.
pub(super) fn count_mismatch(what: &str, noun: &str, want: usize, got: usize) -> String {
    format!(
        "{what} takes {want} {noun}{}, but {got} {} given",
        if want == 1 { "" } else { "s" },
        if got == 1 { "was" } else { "were" }
    )
}

pub(super) fn mk(kind: K, ty: Type, line: u32) -> tir::Expr {
    // `expr_in` gives the expression its span once it is built.
    tir::Expr {
        kind,
        ty,
        line,
        span: Span::default(),
    }
}

impl Checker<'_> {
    pub(super) fn err_expr(&self, line: u32) -> tir::Expr {
        mk(K::Int(0), Type::Error, line)
    }

    pub(super) fn expr(&mut self, e: &ast::Expr, expected: Option<&Type>) -> tir::Expr {
        self.expr_in(e, expected, true)
    }

    /// Checks an expression; `want_value` is false for expression statements,
    /// whose `if`/`match` branches need not agree on a type.
    pub(super) fn expr_in(
        &mut self,
        e: &ast::Expr,
        expected: Option<&Type>,
        want_value: bool,
    ) -> tir::Expr {
        let line = self.line(e.span);
        if !self.enter(e.span) {
            return self.err_expr(line);
        }
        let mut r = self.expr_kind(e, expected, want_value, line);
        r.span = e.span;
        self.leave();
        r
    }

    fn expr_kind(
        &mut self,
        e: &ast::Expr,
        expected: Option<&Type>,
        want_value: bool,
        line: u32,
    ) -> tir::Expr {
        match e.kind {
            ast::ExprKind::Int(n) => self.int_literal(n, false, e.span, line),
            ast::ExprKind::Float(x) => mk(K::Float(x), Type::Float, line),
            ast::ExprKind::Str(s) => mk(K::Str(s.to_string()), Type::Str, line),
            ast::ExprKind::Interp(parts) => self.interpolation(parts, line),
            ast::ExprKind::Bool(b) => mk(K::Bool(b), Type::Bool, line),
            ast::ExprKind::Nil => {
                let ty = match expected {
                    Some(t) if self.admits_nil(t) => t.clone(),
                    _ => Type::Nil,
                };
                mk(K::Nil, ty, line)
            }
            ast::ExprKind::SelfRef => match self.resolve_name("self") {
                Resolved::Local(id, ty) => mk(K::Local(id), ty, line),
                Resolved::Capture(i, ty) => mk(K::Capture(i), ty, line),
                _ => {
                    self.error(e.span, "`self` is only available in methods");
                    self.err_expr(line)
                }
            },
            ast::ExprKind::Name(name) => self.name(name, expected, e.span, line),
            ast::ExprKind::Path(t, m) => self.path(t, m, None, expected, e.span, line),
            ast::ExprKind::Unary(op, inner) => self.unary(op, inner, e.span, line),
            ast::ExprKind::Binary(op, l, r) => self.binary(op, l, r, e.span, line),
            ast::ExprKind::Call(callee, args) => self.call(callee, args, expected, e.span, line),
            ast::ExprKind::MethodCall(recv, name, args) => {
                self.method_call(recv, name, args, expected, e.span, line)
            }
            ast::ExprKind::Field(obj, field) => {
                let o = self.expr(obj, None);
                match self.field_of(&o, field) {
                    Some((i, ty)) => mk(K::Field(Box::new(o), i), ty, line),
                    None => self.err_expr(line),
                }
            }
            ast::ExprKind::Index(base, index) => {
                let b = self.expr(base, None);
                match self.index_of(&b, index) {
                    Some((i, ty)) => mk(K::Index(Box::new(b), Box::new(i)), ty, line),
                    None => self.err_expr(line),
                }
            }
            ast::ExprKind::Array(items) => self.array(items, expected, e.span, line),
            ast::ExprKind::ArrayRepeat(v, n) => {
                let elem = match expected {
                    Some(Type::Array(t)) => Some(&**t),
                    _ => None,
                };
                let v = self.expr(v, elem);
                let v = match elem {
                    Some(t) => self.coerce(v, t, e.span),
                    None => v,
                };
                let count = self.expr(n, Some(&Type::Int));
                let count = self.coerce(count, &Type::Int, n.span);
                let ty = self.element_type(v.ty.clone(), e.span, "[x; n]");
                mk(
                    K::ArrayFill(Box::new(v), Box::new(count)),
                    Type::array(ty),
                    line,
                )
            }
            ast::ExprKind::Map(entries) => self.map(entries, expected, e.span, line),
            ast::ExprKind::StructLit(name, fields) => {
                self.struct_lit(name, fields, expected, e.span, line)
            }
            ast::ExprKind::Tuple(items) => self.tuple(items, expected, line),
            ast::ExprKind::TupleField(t, i, ispan) => {
                let o = self.expr(t, None);
                self.tuple_field(o, i, ispan, line)
            }
            ast::ExprKind::Try(inner) => self.try_expr(inner, e.span, line),
            ast::ExprKind::If(c, then, els) => {
                self.if_expr(c, then, els, expected, want_value, line)
            }
            ast::ExprKind::Match(s, arms) => {
                self.match_expr(s, arms, expected, want_value, e.span, line)
            }
            ast::ExprKind::Block(b) => {
                let (b, ty) = self.block(b, expected, want_value);
                mk(K::Block(b), ty, line)
            }
            ast::ExprKind::Closure(f) => self.closure(f, line),
            ast::ExprKind::Error => self.err_expr(line),
        }
    }

    fn int_literal(&mut self, n: u64, negated: bool, span: Span, line: u32) -> tir::Expr {
        let text = self.source_text(span);
        let hex = text.starts_with("0x") || text.starts_with("0X");
        let v = if hex {
            // Hex literals name bit patterns and may use all 64 bits.
            let v = n as i64;
            if negated {
                v.wrapping_neg()
            } else {
                v
            }
        } else if negated && n == 1u64 << 63 {
            i64::MIN
        } else if let Ok(v) = i64::try_from(n) {
            if negated {
                -v
            } else {
                v
            }
        } else {
            self.error(span, "integer literal is too large for `int`");
            return self.err_expr(line);
        };
        mk(K::Int(v), Type::Int, line)
    }

    fn name(&mut self, name: &str, expected: Option<&Type>, span: Span, line: u32) -> tir::Expr {
        match self.resolve_name(name) {
            Resolved::Local(id, ty) => mk(K::Local(id), ty, line),
            Resolved::Capture(i, ty) => mk(K::Capture(i), ty, line),
            Resolved::Global(g, ty) => mk(K::Global(g), ty, line),
            Resolved::Function(f) => {
                let sig = &self.env.sigs[f as usize];
                let ty = Type::Fn(sig.params.clone(), Box::new(sig.ret.clone()));
                mk(K::FuncRef(f), ty, line)
            }
            Resolved::None => {
                if let Some(eid) = self.prelude_variant(name) {
                    let id = ast::Ident { name, span };
                    return self.bare_variant(eid, id, None, expected, span, line);
                }
                if self.env.generic_functions.contains_key(name) {
                    self.error_note(
                        span,
                        format!(
                            "generic function `{name}` can only be called, not used as a value"
                        ),
                        "wrap it in a closure with the types you need",
                    );
                } else if super::builtins::is_prelude(name) {
                    self.error(
                        span,
                        format!(
                            "built-in function `{name}` can only be called, not used as a value"
                        ),
                    );
                } else if self.env.type_names.contains_key(name) {
                    self.error(span, format!("`{name}` is a type, not a value"));
                } else {
                    self.error(span, format!("unknown name `{name}`"));
                }
                self.err_expr(line)
            }
        }
    }

    /// `Type::member`, optionally called with `args`.
    pub(super) fn path(
        &mut self,
        t: ast::Ident,
        m: ast::Ident,
        args: Option<&[ast::Expr]>,
        expected: Option<&Type>,
        span: Span,
        line: u32,
    ) -> tir::Expr {
        let decl = self.env.type_names.get(t.name).copied();
        if let Some(TypeDecl::Enum(eid)) = decl {
            if self.template_params(TypeDecl::Enum(eid)).is_some() {
                if let Some(e) = self.generic_variant(eid, t, m, args, expected, span, line) {
                    return e;
                }
            }
        }
        if let Some(TypeDecl::Enum(eid)) = decl {
            let variant = self.env.enums[eid as usize]
                .variants
                .iter()
                .position(|(n, _)| n == m.name);
            if let Some(vi) = variant {
                let payload = self.env.enums[eid as usize].variants[vi].1.clone();
                let args = args.unwrap_or(&[]);
                if args.len() != payload.len() {
                    let what = format!("variant `{}::{}`", t.name, m.name);
                    let msg = count_mismatch(&what, "value", payload.len(), args.len());
                    self.error(span, msg);
                }
                let vals = args
                    .iter()
                    .zip(payload.iter())
                    .map(|(a, pt)| {
                        let v = self.expr(a, Some(pt));
                        self.coerce(v, pt, a.span)
                    })
                    .collect();
                return mk(K::NewEnum(eid, vi as u32, vals), Type::Enum(eid), line);
            }
        }
        if decl.is_none() {
            self.error(t.span, format!("unknown type `{}`", t.name));
            return self.err_expr(line);
        }
        let key = (t.name.to_string(), m.name.to_string());
        if let Some(&tid) = self.env.generic_statics.get(&key) {
            let Some(args) = args else {
                self.error(
                    span,
                    format!(
                        "generic function `{}::{}` can only be called, not used as a value",
                        t.name, m.name
                    ),
                );
                return self.err_expr(line);
            };
            return self.call_template(tid, None, args, expected, span, line);
        }
        let Some(&f) = self.env.statics.get(&key) else {
            self.error(
                m.span,
                format!("`{}` has no function or variant `{}`", t.name, m.name),
            );
            return self.err_expr(line);
        };
        match args {
            Some(args) => self.call_function(f, args, span, line),
            None => {
                let sig = &self.env.sigs[f as usize];
                let ty = Type::Fn(sig.params.clone(), Box::new(sig.ret.clone()));
                mk(K::FuncRef(f), ty, line)
            }
        }
    }

    fn unary(&mut self, op: UnOp, inner: &ast::Expr, span: Span, line: u32) -> tir::Expr {
        if let (UnOp::Neg, ast::ExprKind::Int(n)) = (op, inner.kind) {
            return self.int_literal(n, true, inner.span, line);
        }
        let v = self.expr(inner, None);
        let ok = match op {
            UnOp::Neg => v.ty.is_numeric(),
            UnOp::Not => v.ty == Type::Bool,
            UnOp::BitNot => v.ty == Type::Int,
        };
        if !ok && !v.ty.is_error() {
            let sym = match op {
                UnOp::Neg => "-",
                UnOp::Not => "!",
                UnOp::BitNot => "~",
            };
            let msg = format!("`{sym}` cannot be applied to {}", self.show(&v.ty));
            self.error(span, msg);
            return self.err_expr(line);
        }
        let ty = v.ty.clone();
        mk(K::Unary(op, Box::new(v)), ty, line)
    }

    fn binary(
        &mut self,
        op: BinOp,
        l: &ast::Expr,
        r: &ast::Expr,
        span: Span,
        line: u32,
    ) -> tir::Expr {
        // `x == nil` and `nil == x`.
        if matches!(op, BinOp::Eq | BinOp::Ne) {
            let l_nil = matches!(l.kind, ast::ExprKind::Nil);
            let r_nil = matches!(r.kind, ast::ExprKind::Nil);
            if l_nil || r_nil {
                let other = if l_nil { r } else { l };
                let v = self.expr(other, None);
                if !(self.admits_nil(&v.ty) || l_nil && r_nil) {
                    let msg = format!("{} is never `nil`", self.show(&v.ty));
                    self.error(other.span, msg);
                }
                return mk(K::IsNil(Box::new(v), op == BinOp::Ne), Type::Bool, line);
            }
        }
        let lv = self.expr(l, None);
        let rv = self.expr(r, Some(&lv.ty));
        if lv.ty.is_error() || rv.ty.is_error() {
            return mk(K::Binary(op, Box::new(lv), Box::new(rv)), Type::Error, line);
        }
        // Both sides must have one type; a struct compared with a trait
        // value of a trait it implements is compared as the trait.
        let (lv, rv) = match (&lv.ty, &rv.ty) {
            (Type::Struct(_), Type::Trait(_)) => {
                let t = rv.ty.clone();
                (self.coerce(lv, &t, l.span), rv)
            }
            _ => {
                let t = lv.ty.clone();
                (lv, self.coerce(rv, &t, r.span))
            }
        };
        let t = lv.ty.clone();
        if t.is_error() || rv.ty.is_error() {
            return mk(K::Binary(op, Box::new(lv), Box::new(rv)), Type::Error, line);
        }
        let (ok, result) = match op {
            BinOp::Add => (matches!(t, Type::Int | Type::Float | Type::Str), t.clone()),
            BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => (t.is_numeric(), t.clone()),
            BinOp::Shl | BinOp::Shr | BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor => {
                (t == Type::Int, Type::Int)
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                (matches!(t, Type::Int | Type::Float | Type::Str), Type::Bool)
            }
            BinOp::Eq | BinOp::Ne => (t.is_value(), Type::Bool),
            BinOp::And | BinOp::Or => (t == Type::Bool, Type::Bool),
        };
        if !ok {
            let msg = format!("`{}` cannot be applied to {}", op.text(), self.show(&t));
            let ordering = matches!(op, BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge);
            if !t.is_value() {
                let msg = format!(
                    "`{}` needs a value on each side, but this expression has none",
                    op.text()
                );
                self.error(l.span, msg);
            } else if ordering && (matches!(t, Type::Enum(_)) || self.tuple_elems(&t).is_some()) {
                self.error_note(
                    span,
                    msg,
                    "only `int`, `float` and `str` are ordered; tuples and enum values compare with `==` and `!=`",
                );
            } else {
                self.error(span, msg);
            }
            return self.err_expr(line);
        }
        if matches!(op, BinOp::Eq | BinOp::Ne) {
            return self.equality(op, lv, rv, line);
        }
        mk(K::Binary(op, Box::new(lv), Box::new(rv)), result, line)
    }

    /// The field `field` of a struct value: its index and type.
    pub(super) fn field_of(&mut self, obj: &tir::Expr, field: ast::Ident) -> Option<(u32, Type)> {
        match &obj.ty {
            Type::Struct(sid) => {
                let info = &self.env.structs[*sid as usize];
                match info.fields.iter().position(|(n, _)| n == field.name) {
                    Some(i) => Some((i as u32, info.fields[i].1.clone())),
                    None => {
                        let msg = format!("struct `{}` has no field `{}`", info.name, field.name);
                        self.error(field.span, msg);
                        None
                    }
                }
            }
            Type::Error => None,
            other => {
                let msg = format!("{} has no field `{}`", self.show(other), field.name);
                self.error(field.span, msg);
                None
            }
        }
    }

    /// Checks `base[index]`: returns the index expression and element type.
    pub(super) fn index_of(
        &mut self,
        base: &tir::Expr,
        index: &ast::Expr,
    ) -> Option<(tir::Expr, Type)> {
        match &base.ty {
            Type::Array(t) => {
                let t = (**t).clone();
                let i = self.expr(index, Some(&Type::Int));
                let i = self.coerce(i, &Type::Int, index.span);
                Some((i, t))
            }
            Type::Map(k, v) => {
                let (k, v) = ((**k).clone(), (**v).clone());
                let i = self.expr(index, Some(&k));
                let i = self.coerce(i, &k, index.span);
                Some((i, v))
            }
            Type::Error => {
                self.expr(index, None);
                None
            }
            other => {
                let msg = format!("{} cannot be indexed", self.show(other));
                self.error(index.span, msg);
                None
            }
        }
    }

    /// Checks the type an inferred array element or map entry has.
    fn element_type(&mut self, t: Type, span: Span, what: &str) -> Type {
        match t {
            Type::Nil => {
                self.error(
                    span,
                    format!("cannot tell the element type of `{what}`; write the variable's type"),
                );
                Type::Error
            }
            Type::Void | Type::Never => {
                self.error(span, "this expression has no value");
                Type::Error
            }
            t => t,
        }
    }

    fn array(
        &mut self,
        items: &[ast::Expr],
        expected: Option<&Type>,
        span: Span,
        line: u32,
    ) -> tir::Expr {
        let elem = match expected {
            Some(Type::Array(t)) => Some((**t).clone()),
            _ => None,
        };
        let mut out = Vec::new();
        let elem = match elem {
            Some(t) => {
                for it in items {
                    let v = self.expr(it, Some(&t));
                    out.push(self.coerce(v, &t, it.span));
                }
                t
            }
            None => {
                let Some((first, rest)) = items.split_first() else {
                    self.error(
                        span,
                        "cannot tell the element type of `[]`; write the variable's type: `let xs: [int] = []`",
                    );
                    return mk(K::Array(vec![]), Type::Error, line);
                };
                let f = self.expr(first, None);
                let t = self.element_type(f.ty.clone(), first.span, "[...]");
                out.push(f);
                for it in rest {
                    let v = self.expr(it, Some(&t));
                    out.push(self.coerce(v, &t, it.span));
                }
                t
            }
        };
        mk(K::Array(out), Type::array(elem), line)
    }

    fn map(
        &mut self,
        entries: &[(ast::Expr, ast::Expr)],
        expected: Option<&Type>,
        span: Span,
        line: u32,
    ) -> tir::Expr {
        let (mut kt, mut vt) = match expected {
            Some(Type::Map(k, v)) => (Some((**k).clone()), Some((**v).clone())),
            _ => (None, None),
        };
        if entries.is_empty() && kt.is_none() {
            self.error(
                span,
                "cannot tell the type of `{}`; write the variable's type: `let m: {str: int} = {}`",
            );
            return mk(K::Map(vec![]), Type::Error, line);
        }
        let mut out = Vec::new();
        for (k, v) in entries {
            let ke = self.expr(k, kt.as_ref());
            let ke = match &kt {
                Some(t) => self.coerce(ke, t, k.span),
                None => {
                    let t = self.element_type(ke.ty.clone(), k.span, "{...}");
                    if !t.is_key() {
                        let msg = format!(
                            "map keys must be `int`, `str` or `bool`, not {}",
                            self.show(&t)
                        );
                        self.error(k.span, msg);
                    }
                    kt = Some(t);
                    ke
                }
            };
            let ve = self.expr(v, vt.as_ref());
            let ve = match &vt {
                Some(t) => self.coerce(ve, t, v.span),
                None => {
                    vt = Some(self.element_type(ve.ty.clone(), v.span, "{...}"));
                    ve
                }
            };
            out.push((ke, ve));
        }
        let ty = Type::map(kt.unwrap_or(Type::Error), vt.unwrap_or(Type::Error));
        mk(K::Map(out), ty, line)
    }

    fn struct_lit(
        &mut self,
        name: ast::Ident,
        fields: &[ast::FieldInit],
        expected: Option<&Type>,
        span: Span,
        line: u32,
    ) -> tir::Expr {
        let sid = match self.env.type_names.get(name.name) {
            Some(TypeDecl::Struct(s)) => *s,
            Some(_) => {
                self.error(name.span, format!("`{}` is not a struct", name.name));
                return self.err_expr(line);
            }
            None => {
                self.error(name.span, format!("unknown struct `{}`", name.name));
                for f in fields {
                    self.expr(f.value, None);
                }
                return self.err_expr(line);
            }
        };
        let decl = self.env.structs[sid as usize].fields.clone();
        // A generic struct's arguments are inferred from the expected type
        // and the field values.
        let generic = self.template_params(TypeDecl::Struct(sid));
        let mut b = param_bindings(generic.as_deref());
        if let (Some(_), Some(e)) = (&generic, expected) {
            self.unify(&Type::Struct(sid), e, &mut b);
        }
        let mut seen = vec![false; decl.len()];
        let mut out = Vec::new();
        for f in fields {
            match decl.iter().position(|(n, _)| n == f.name.name) {
                Some(i) => {
                    if seen[i] {
                        self.error(
                            f.name.span,
                            format!("field `{}` is given twice", f.name.name),
                        );
                    }
                    seen[i] = true;
                    let t = &decl[i].1;
                    let v = if generic.is_some() {
                        let want = self.known(t, &b);
                        let v = self.expr(f.value, want.as_ref());
                        self.unify(t, &v.ty, &mut b);
                        v
                    } else {
                        let v = self.expr(f.value, Some(t));
                        self.coerce(v, t, f.value.span)
                    };
                    out.push((i as u32, v));
                }
                None => {
                    self.error(
                        f.name.span,
                        format!("struct `{}` has no field `{}`", name.name, f.name.name),
                    );
                    self.expr(f.value, None);
                }
            }
        }
        let missing: Vec<&str> = decl
            .iter()
            .zip(&seen)
            .filter(|(_, s)| !**s)
            .map(|((n, _), _)| n.as_str())
            .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ");
            self.error(
                span,
                format!(
                    "missing field{} {list} in `{}`",
                    if missing.len() == 1 { "" } else { "s" },
                    name.name
                ),
            );
        }
        if generic.is_none() {
            return mk(K::NewStruct(sid, out), Type::Struct(sid), line);
        }
        let quiet =
            expected.is_some_and(|e| e.is_error()) || out.iter().any(|(_, v)| v.ty.is_error());
        let args = self.settle(b, &format!("`{}`", name.name), span, quiet);
        self.site = span;
        let ty = self.struct_instance(sid, args);
        let Type::Struct(inst) = ty else {
            return self.err_expr(line);
        };
        let types: Vec<Type> = self.env.structs[inst as usize]
            .fields
            .iter()
            .map(|(_, t)| t.clone())
            .collect();
        let out = out
            .into_iter()
            .map(|(i, v)| {
                let sp = v.span;
                match types.get(i as usize) {
                    Some(t) => (i, self.coerce(v, t, sp)),
                    None => (i, v),
                }
            })
            .collect();
        mk(K::NewStruct(inst, out), ty, line)
    }

    /// Finds the common type of branch values (of `if` or `match`): `Never`
    /// branches do not count; the expected type wins when there is one.
    pub(super) fn join_types(&self, expected: Option<&Type>, tys: &[&Type]) -> Type {
        // Without any branch value there is nothing to convert: the result
        // is `Never` (every branch leaves) or `Void`.
        if !tys.iter().any(|t| t.is_value()) {
            return if tys.iter().all(|t| **t == Type::Never) {
                Type::Never
            } else {
                Type::Void
            };
        }
        if let Some(t) = expected {
            if t.is_value() {
                return t.clone();
            }
        }
        let mut found: Option<&Type> = None;
        for t in tys {
            match t {
                Type::Never => {}
                Type::Nil => {
                    if found.is_none() {
                        found = Some(t);
                    }
                }
                t => match found {
                    None | Some(Type::Nil) => found = Some(t),
                    Some(Type::Struct(_)) if matches!(t, Type::Trait(_)) => found = Some(t),
                    _ => {}
                },
            }
        }
        found.cloned().unwrap_or(Type::Never)
    }

    /// Converts the value of a branch block to `t`.
    pub(super) fn coerce_block(&mut self, b: &mut tir::Block, t: &Type, span: Span) {
        if let Some(v) = b.value.take() {
            b.value = Some(Box::new(self.coerce(*v, t, span)));
        }
    }

    fn if_expr(
        &mut self,
        c: &ast::Expr,
        then: &ast::Block,
        els: Option<&ast::Expr>,
        expected: Option<&Type>,
        want_value: bool,
        line: u32,
    ) -> tir::Expr {
        let cond = self.expr(c, Some(&Type::Bool));
        let cond = self.coerce(cond, &Type::Bool, c.span);
        let (mut tb, tt) = self.block(then, expected, want_value);
        let Some(els) = els else {
            if want_value
                && tt.is_value()
                && !tt.is_error()
                && expected.is_some_and(|t| t.is_value())
            {
                self.error(
                    then.span,
                    "`if` without `else` has no value; add an `else` branch",
                );
            }
            // Without `else` there is no value, and the `if` may be skipped.
            if let Some(v) = tb.value.take() {
                let (line, span) = (v.line, v.span);
                tb.stmts.push(tir::Stmt {
                    kind: tir::StmtKind::Expr(*v),
                    line,
                    span,
                });
            }
            return mk(K::If(Box::new(cond), tb, None), Type::Void, line);
        };
        let ee = self.expr_in(els, expected, want_value);
        let et = ee.ty.clone();
        let mut eb = match ee.kind {
            K::Block(b) => b,
            kind => tir::Block {
                stmts: vec![],
                value: Some(Box::new(tir::Expr {
                    kind,
                    ty: et.clone(),
                    line: ee.line,
                    span: ee.span,
                })),
            },
        };
        if !want_value {
            let ty = if tt == Type::Never && et == Type::Never {
                Type::Never
            } else {
                Type::Void
            };
            discard_value(&mut tb);
            discard_value(&mut eb);
            return mk(K::If(Box::new(cond), tb, Some(eb)), ty, line);
        }
        let ty = self.join_types(expected, &[&tt, &et]);
        if ty.is_value() {
            if tt.is_value() {
                self.coerce_block(&mut tb, &ty, then.span);
            } else if tt == Type::Void {
                self.error(
                    then.span,
                    format!(
                        "this branch has no value, but the other has type {}",
                        self.show(&ty)
                    ),
                );
            }
            if et.is_value() {
                self.coerce_block(&mut eb, &ty, els.span);
            } else if et == Type::Void {
                self.error(
                    els.span,
                    format!(
                        "this branch has no value, but the other has type {}",
                        self.show(&ty)
                    ),
                );
            }
        } else if ty == Type::Never && (tt == Type::Void || et == Type::Void) {
            // One branch has no value and the other never finishes.
            return mk(K::If(Box::new(cond), tb, Some(eb)), Type::Void, line);
        }
        mk(K::If(Box::new(cond), tb, Some(eb)), ty, line)
    }

    fn closure(&mut self, f: &ast::FnDecl, line: u32) -> tir::Expr {
        if let Some(span) = f.sig.self_param {
            self.error(span, "`self` is only allowed in methods of `impl` blocks");
        }
        let params: Vec<Type> = f
            .sig
            .params
            .iter()
            .map(|p| self.resolve_type(p.ty))
            .collect();
        let ret = self.resolve_ret(f.sig.ret);
        let idx = self.new_func_slot(super::FnSig {
            name: "<lambda>".into(),
            params: params.clone(),
            ret: ret.clone(),
            has_self: false,
        });
        self.stack
            .push(super::FnState::new(idx, ret.clone(), false));
        for (p, t) in f.sig.params.iter().zip(&params) {
            self.check_param_name(p);
            let id = self.declare_local(p.name.name, t.clone(), true, "", p.name.span);
            // A closure's parameters are often fixed by the function it is
            // passed to.
            self.cur().locals[id as usize].lint = super::lints::Lint::Quiet;
        }
        let body = self.fn_body(f.body, &ret, "");
        let end = self.line(Span::new(
            f.body.span.end.saturating_sub(1),
            f.body.span.end,
        ));
        let caps: Vec<tir::CaptureFrom> = self
            .stack
            .last()
            .map(|s| s.captures.iter().map(|c| c.from).collect())
            .unwrap_or_default();
        self.finish_function(body, end, f.sig.span);
        mk(K::Closure(idx, caps), Type::Fn(params, Box::new(ret)), line)
    }

    /// `callee(args)`.
    fn call(
        &mut self,
        callee: &ast::Expr,
        args: &[ast::Expr],
        expected: Option<&Type>,
        span: Span,
        line: u32,
    ) -> tir::Expr {
        match callee.kind {
            ast::ExprKind::Name(name) => match self.resolve_name(name) {
                Resolved::Function(f) => self.call_function(f, args, span, line),
                Resolved::None => {
                    if let Some(&tid) = self.env.generic_functions.get(name) {
                        self.call_template(tid, None, args, expected, span, line)
                    } else if let Some(eid) = self.prelude_variant(name) {
                        let id = ast::Ident {
                            name,
                            span: callee.span,
                        };
                        self.bare_variant(eid, id, Some(args), expected, span, line)
                    } else if super::builtins::is_prelude(name) {
                        self.prelude_call(name, callee.span, args, span, line)
                    } else {
                        self.error(callee.span, format!("unknown function `{name}`"));
                        for a in args {
                            self.expr(a, None);
                        }
                        self.err_expr(line)
                    }
                }
                _ => {
                    let c = self.expr(callee, None);
                    self.call_value(c, args, callee.span, span, line)
                }
            },
            ast::ExprKind::Path(t, m) => self.path(t, m, Some(args), expected, span, line),
            _ => {
                let c = self.expr(callee, None);
                self.call_value(c, args, callee.span, span, line)
            }
        }
    }

    /// Checks arguments against parameter types.
    pub(super) fn args(
        &mut self,
        params: &[Type],
        args: &[ast::Expr],
        span: Span,
        what: &str,
    ) -> Vec<tir::Expr> {
        if params.len() != args.len() {
            let msg = count_mismatch(what, "argument", params.len(), args.len());
            self.error(span, msg);
        }
        let mut out = Vec::new();
        for (i, a) in args.iter().enumerate() {
            match params.get(i) {
                Some(p) => {
                    let v = self.expr(a, Some(p));
                    out.push(self.coerce(v, p, a.span));
                }
                None => {
                    self.expr(a, None);
                }
            }
        }
        out
    }

    pub(super) fn call_function(
        &mut self,
        f: tir::FuncIdx,
        args: &[ast::Expr],
        span: Span,
        line: u32,
    ) -> tir::Expr {
        let sig = self.env.sigs[f as usize].clone();
        let args = self.args(&sig.params, args, span, &format!("`{}`", sig.name));
        mk(K::Call(f, args), sig.ret, line)
    }

    fn call_value(
        &mut self,
        c: tir::Expr,
        args: &[ast::Expr],
        cspan: Span,
        span: Span,
        line: u32,
    ) -> tir::Expr {
        match c.ty.clone() {
            Type::Fn(ps, r) => {
                let args = self.args(&ps, args, span, "this function");
                mk(K::CallClosure(Box::new(c), args), *r, line)
            }
            Type::Error => {
                for a in args {
                    self.expr(a, None);
                }
                self.err_expr(line)
            }
            other => {
                let msg = format!("{} is not a function", self.show(&other));
                self.error(cspan, msg);
                self.err_expr(line)
            }
        }
    }

    /// `recv.name(args)`: a method of a user type, a trait method, a
    /// built-in method, or a call of a function-typed field.
    fn method_call(
        &mut self,
        recv: &ast::Expr,
        name: ast::Ident,
        args: &[ast::Expr],
        expected: Option<&Type>,
        span: Span,
        line: u32,
    ) -> tir::Expr {
        let r = self.expr(recv, None);
        match r.ty.clone() {
            t @ (Type::Struct(_) | Type::Enum(_)) => {
                let cands = self
                    .env
                    .methods
                    .get(&(t.clone(), name.name.to_string()))
                    .cloned()
                    .unwrap_or_default();
                if cands.is_empty() {
                    if let Some(tid) = self.generic_method(&t, name.name) {
                        return self.call_template(tid, Some(r), args, expected, span, line);
                    }
                }
                match cands.as_slice() {
                    [f] => {
                        let sig = self.env.sigs[*f as usize].clone();
                        let mut all = vec![r];
                        all.extend(self.args(
                            sig.params.get(1..).unwrap_or(&[]),
                            args,
                            span,
                            &format!("`{}`", sig.name),
                        ));
                        mk(K::Call(*f, all), sig.ret, line)
                    }
                    [] => {
                        // A field holding a function: `(p.f)(x)` written `p.f(x)`.
                        if let Type::Struct(sid) = t {
                            let fi = self.env.structs[sid as usize]
                                .fields
                                .iter()
                                .position(|(n, ft)| n == name.name && matches!(ft, Type::Fn(..)));
                            if let Some(fi) = fi {
                                let ft = self.env.structs[sid as usize].fields[fi].1.clone();
                                let field = mk(K::Field(Box::new(r), fi as u32), ft, line);
                                return self.call_value(field, args, name.span, span, line);
                            }
                        }
                        let msg = format!("{} has no method `{}`", self.show(&t), name.name);
                        self.error(name.span, msg);
                        for a in args {
                            self.expr(a, None);
                        }
                        self.err_expr(line)
                    }
                    _ => {
                        let msg = format!(
                            "method `{}` of {} is ambiguous: several traits it implements have it",
                            name.name,
                            self.show(&t)
                        );
                        self.error(name.span, msg);
                        self.err_expr(line)
                    }
                }
            }
            Type::Param(p) => self.bound_method_call(p, r, name, args, span, line),
            Type::Trait(tid) => {
                let info = &self.env.traits[tid as usize];
                let Some(mi) = info.methods.iter().position(|m| m.name == name.name) else {
                    let msg = format!("trait `{}` has no method `{}`", info.name, name.name);
                    self.error(name.span, msg);
                    return self.err_expr(line);
                };
                let m = info.methods[mi].clone();
                let what = format!("`{}::{}`", self.env.trait_name(tid), m.name);
                let mut all = vec![r];
                all.extend(self.args(&m.params, args, span, &what));
                mk(K::CallTrait(tid, mi as u32, all), m.ret, line)
            }
            Type::Error => {
                for a in args {
                    self.expr(a, None);
                }
                self.err_expr(line)
            }
            _ => self.builtin_method(r, name, args, span, line),
        }
    }

    pub(super) fn type_name(&self, t: &Type) -> String {
        display(t, &self.env)
    }
}

/// Turns a branch's value into a statement when the value is not used.
pub(super) fn discard_value(b: &mut tir::Block) {
    if let Some(v) = b.value.take() {
        let (line, span) = (v.line, v.span);
        b.stmts.push(tir::Stmt {
            kind: tir::StmtKind::Expr(*v),
            line,
            span,
        });
    }
}
