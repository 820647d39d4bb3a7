//! The declaration passes of the checker: naming every struct, enum and
//! trait (`declare_types`), resolving their fields, payloads and method
//! signatures (`define_types`), giving every function and method its
//! signature and index (`declare_functions`, `signature`), and checking
//! each `impl Trait for Struct` against its trait (`declare_impl`). A REPL
//! input's redefinition of an earlier function must keep its signature
//! (`redefinable`, `same_signature`).

use super::{Checker, Env, FnSig, TypeDecl};
use crate::ast::{self, Span};
use crate::limits;
use crate::tir::{self, FuncIdx, Origin};
use crate::types::{display, DeclId, ParamId, Type};
use std::collections::HashSet;

impl Checker<'_> {
    /// How many structs, enums and traits are declared so far.
    pub(super) fn decl_counts(&self) -> (usize, usize, usize) {
        (
            self.env.structs.len(),
            self.env.enums.len(),
            self.env.traits.len(),
        )
    }

    pub(super) fn declare_types(&mut self, p: &ast::Program) {
        let bases = self.decl_counts();
        for item in p.items {
            let (name, decl) = match item {
                ast::Item::Struct(s) => {
                    let id = self.env.structs.len() as DeclId;
                    let (name, origin) = self.template_origin(s.name, s.type_params);
                    self.env.structs.push(tir::StructInfo {
                        name,
                        fields: vec![],
                        concrete: origin == Origin::Plain,
                        origin,
                    });
                    (s.name, TypeDecl::Struct(id))
                }
                ast::Item::Enum(e) => {
                    let id = self.env.enums.len() as DeclId;
                    let (name, origin) = self.template_origin(e.name, e.type_params);
                    self.env.enums.push(tir::EnumInfo {
                        name,
                        variants: vec![],
                        concrete: origin == Origin::Plain,
                        origin,
                    });
                    (e.name, TypeDecl::Enum(id))
                }
                ast::Item::Trait(t) => {
                    let id = self.env.traits.len() as DeclId;
                    self.env.traits.push(tir::TraitInfo {
                        name: t.name.name.to_string(),
                        methods: vec![],
                    });
                    (t.name, TypeDecl::Trait(id))
                }
                _ => continue,
            };
            let earlier = match self.env.type_names.get(name.name) {
                Some(TypeDecl::Struct(i)) => (*i as usize) < bases.0,
                Some(TypeDecl::Enum(i)) => (*i as usize) < bases.1,
                Some(TypeDecl::Trait(i)) => (*i as usize) < bases.2,
                None => false,
            };
            let prelude = match self.env.type_names.get(name.name) {
                Some(TypeDecl::Enum(i)) => self.env.prelude_variants.values().any(|e| e == i),
                _ => false,
            };
            if prelude {
                self.error(
                    name.span,
                    format!(
                        "`{}` is a type of the prelude; choose another name",
                        name.name
                    ),
                );
            } else if matches!(name.name, "int" | "float" | "bool" | "str") {
                self.error(name.span, format!("`{}` is a built-in type", name.name));
            } else if earlier {
                self.error_note(
                    name.span,
                    format!("type `{}` is already defined", name.name),
                    "a struct, enum or trait cannot be redefined in a session",
                );
            } else if self.env.type_names.contains_key(name.name) {
                self.error(name.span, format!("type `{}` is declared twice", name.name));
            } else {
                self.env.type_names.insert(name.name.to_string(), decl);
            }
        }
    }

    /// The name and origin of a struct or enum declaration: a template with
    /// its parameters (`Stack<T>`) when it has any.
    fn template_origin(&mut self, name: ast::Ident, tps: &[ast::TypeParam]) -> (String, Origin) {
        if tps.is_empty() {
            return (name.name.to_string(), Origin::Plain);
        }
        let ids = self.declare_params(tps, name.name, false);
        let names: Vec<&str> = tps.iter().map(|t| t.name.name).collect();
        (
            format!("{}<{}>", name.name, names.join(", ")),
            Origin::Template(ids.into_iter().map(Type::Param).collect()),
        )
    }

    /// The parameter scope of struct or enum `decl` when it is generic.
    fn decl_scope(&self, decl: TypeDecl) -> Vec<(String, Type)> {
        let params = self.template_params(decl).unwrap_or_default();
        params
            .iter()
            .filter_map(|p| match p {
                Type::Param(id) => Some((display(p, &self.env), Type::Param(*id))),
                _ => None,
            })
            .collect()
    }

    /// Resolves the declarations of `p`, which `declare_types` numbered from
    /// `bases` (the counts before this program).
    pub(super) fn define_types(&mut self, p: &ast::Program, bases: (usize, usize, usize)) {
        let (mut si, mut ei, mut ti) = bases;
        for item in p.items {
            match item {
                ast::Item::Struct(s) => {
                    let scope = self.decl_scope(TypeDecl::Struct(si as DeclId));
                    let outer = self.enter_params(scope);
                    let mut fields: Vec<(String, Type)> = Vec::new();
                    // Names seen so far: a set, so that a struct with tens of
                    // thousands of fields is checked in linear time.
                    let mut seen = HashSet::new();
                    for f in s.fields {
                        let ty = self.resolve_type(f.ty);
                        if !seen.insert(f.name.name) {
                            self.error(
                                f.name.span,
                                format!("field `{}` is declared twice", f.name.name),
                            );
                        }
                        fields.push((f.name.name.to_string(), ty));
                    }
                    let name = s.name;
                    self.diags.extend(limits::members(
                        name.span,
                        "struct",
                        name.name,
                        "fields",
                        fields.len(),
                    ));
                    if let Some(info) = self.env.structs.get_mut(si) {
                        info.fields = fields;
                    }
                    self.type_scope = outer;
                    si += 1;
                }
                ast::Item::Enum(e) => {
                    let scope = self.decl_scope(TypeDecl::Enum(ei as DeclId));
                    let outer = self.enter_params(scope);
                    let mut variants: Vec<(String, Vec<Type>)> = Vec::new();
                    let mut seen = HashSet::new();
                    for v in e.variants {
                        let tys: Vec<Type> =
                            v.payload.iter().map(|t| self.resolve_type(t)).collect();
                        self.diags.extend(limits::members(
                            v.name.span,
                            "variant",
                            v.name.name,
                            "payload fields",
                            tys.len(),
                        ));
                        if !seen.insert(v.name.name) {
                            self.error(
                                v.name.span,
                                format!("variant `{}` is declared twice", v.name.name),
                            );
                        }
                        variants.push((v.name.name.to_string(), tys));
                    }
                    self.diags.extend(limits::members(
                        e.name.span,
                        "enum",
                        e.name.name,
                        "variants",
                        variants.len(),
                    ));
                    if let Some(info) = self.env.enums.get_mut(ei) {
                        info.variants = variants;
                    }
                    self.type_scope = outer;
                    ei += 1;
                }
                ast::Item::Trait(t) => {
                    let mut methods: Vec<tir::TraitMethodInfo> = Vec::new();
                    let mut seen = HashSet::new();
                    for m in t.methods {
                        if let Some(tp) = m.type_params.first() {
                            self.error(
                                tp.name.span,
                                format!("trait method `{}` cannot be generic", m.name.name),
                            );
                        }
                        if m.self_param.is_none() {
                            self.error(
                                m.name.span,
                                format!("trait method `{}` must take `self`", m.name.name),
                            );
                        }
                        if !seen.insert(m.name.name) {
                            self.error(
                                m.name.span,
                                format!("method `{}` is declared twice", m.name.name),
                            );
                        }
                        let params = m.params.iter().map(|p| self.resolve_type(p.ty)).collect();
                        let ret = self.resolve_ret(m.ret);
                        methods.push(tir::TraitMethodInfo {
                            name: m.name.name.to_string(),
                            params,
                            ret,
                        });
                    }
                    self.diags.extend(limits::members(
                        t.name.span,
                        "trait",
                        t.name.name,
                        "methods",
                        methods.len(),
                    ));
                    if let Some(info) = self.env.traits.get_mut(ti) {
                        info.methods = methods;
                    }
                    ti += 1;
                }
                _ => {}
            }
        }
    }

    /// Gives every named function and method an index and a signature;
    /// returns the bodies to check later, with the receiver type of methods.
    pub(super) fn declare_functions<'a>(
        &mut self,
        p: &ast::Program<'a>,
    ) -> Vec<(FuncIdx, &'a ast::FnDecl<'a>, Option<Type>)> {
        let mut bodies = Vec::new();
        for (item_index, item) in p.items.iter().enumerate() {
            match item {
                ast::Item::Fn(f) if f.test.is_some() => self.declare_test(f, &mut bodies),
                ast::Item::Fn(f) => {
                    if let Some(span) = f.sig.self_param {
                        self.error(span, "`self` is only allowed in methods of `impl` blocks");
                    }
                    let name = f.sig.name.name;
                    // A program's function shadows the prelude's.
                    if !self.in_prelude() && self.is_prelude_function(name) {
                        self.env.generic_functions.remove(name);
                    }
                    let taken = self.env.generic_functions.contains_key(name)
                        || self.env.functions.contains_key(name);
                    // Every function of the prelude is a template, so that
                    // only those a program uses are compiled.
                    if !f.sig.type_params.is_empty() || self.in_prelude() {
                        self.declare_generic_fn(f, item_index, taken);
                        continue;
                    }
                    let sig = self.signature(&f.sig, None);
                    if self.env.generic_functions.contains_key(name) {
                        self.error(
                            f.sig.name.span,
                            format!("function `{name}` is declared twice"),
                        );
                        continue;
                    }
                    let earlier = self.env.functions.get(name).copied();
                    if let Some(old) = earlier.filter(|&i| self.redefinable(i)) {
                        // A session may give a function of an earlier input
                        // a new body: it keeps its index, so its callers
                        // call the new code.
                        if self.same_signature(old, &sig, f.sig.name.span, "function") {
                            self.replaced.push(old);
                            bodies.push((old, *f, None));
                        }
                        continue;
                    }
                    let idx = self.new_func_slot(sig);
                    if earlier.is_some() {
                        self.error(
                            f.sig.name.span,
                            format!("function `{name}` is declared twice"),
                        );
                    } else {
                        self.env.functions.insert(name.to_string(), idx);
                    }
                    bodies.push((idx, *f, None));
                }
                ast::Item::Impl(imp) => self.declare_impl(imp, item_index, &mut bodies),
                _ => {}
            }
        }
        bodies
    }

    /// Declares a generic function: a template, checked on its own and
    /// once per instance later (`generics`).
    fn declare_generic_fn(&mut self, f: &ast::FnDecl, item: usize, taken: bool) {
        let name = f.sig.name.name;
        let params = self.declare_params(f.sig.type_params, name, true);
        let scope = self.param_scope(&params);
        let outer = self.enter_params(scope);
        let sig = self.signature(&f.sig, None);
        self.type_scope = outer;
        if taken {
            let msg = if self.repl {
                format!("function `{name}` is already defined; a generic function cannot be redefined in a session")
            } else {
                format!("function `{name}` is declared twice")
            };
            self.error(f.sig.name.span, msg);
            return;
        }
        let tid = self.add_template(name.to_string(), params, 0, sig, None, item, None, f);
        self.env.generic_functions.insert(name.to_string(), tid);
    }

    /// Whether `name` is a function of the prelude.
    fn is_prelude_function(&self, name: &str) -> bool {
        self.env
            .generic_functions
            .get(name)
            .and_then(|&t| self.env.templates.get(t as usize))
            .is_some_and(|t| Some(t.source) == self.env.prelude_source)
    }

    /// Whether function `idx` may get a new body: in a session, when an
    /// earlier input declared it and this input has not yet redefined it.
    pub(super) fn redefinable(&self, idx: FuncIdx) -> bool {
        self.repl && idx < self.first_func && !self.replaced.contains(&idx)
    }

    /// Whether a redefinition keeps the signature of function `old`; reports
    /// it otherwise.
    pub(super) fn same_signature(
        &mut self,
        old: FuncIdx,
        sig: &FnSig,
        span: Span,
        what: &str,
    ) -> bool {
        let Some(prev) = self.env.sigs.get(old as usize) else {
            return false;
        };
        if prev.params == sig.params && prev.ret == sig.ret && prev.has_self == sig.has_self {
            return true;
        }
        let shown = |s: &FnSig, env: &Env| {
            let mut ps: Vec<String> = Vec::new();
            for (i, t) in s.params.iter().enumerate() {
                if i == 0 && s.has_self {
                    ps.push("self".into());
                } else {
                    ps.push(display(t, env));
                }
            }
            let ret = match &s.ret {
                Type::Void => String::new(),
                r => format!(" -> {}", display(r, env)),
            };
            format!("fn {}({}){}", s.name, ps.join(", "), ret)
        };
        let before = shown(prev, &self.env);
        self.error_note(
            span,
            format!(
                "{what} `{}` is already defined with another signature",
                prev.name
            ),
            format!(
                "it is `{before}`; a new definition must keep the signature, because code compiled earlier calls it"
            ),
        );
        false
    }

    pub(super) fn signature(&mut self, s: &ast::FnSig, self_ty: Option<&Type>) -> FnSig {
        let mut params = Vec::new();
        let has_self = s.self_param.is_some() && self_ty.is_some();
        if let (Some(_), Some(t)) = (s.self_param, self_ty) {
            params.push(t.clone());
        }
        for p in s.params {
            params.push(self.resolve_type(p.ty));
        }
        let ret = self.resolve_ret(s.ret);
        let name = match self_ty {
            Some(t) => format!("{}::{}", display(t, &self.env), s.name.name),
            None => s.name.name.to_string(),
        };
        FnSig {
            name,
            params,
            ret,
            has_self,
        }
    }

    /// `impl<T> Stack<T> { ... }`: every method is a template whose
    /// parameters are the `impl`'s and its own.
    fn declare_generic_impl(&mut self, imp: &ast::ImplDecl, item: usize, decl: Option<TypeDecl>) {
        let name = imp.target.name;
        let params = decl.and_then(|d| self.template_params(d));
        let (Some(decl), Some(params)) = (decl, params) else {
            match decl {
                None => self.error(imp.target.span, format!("unknown type `{name}`")),
                Some(_) => self.error(
                    imp.target.span,
                    format!("`{name}` is not generic: write `impl {name}`"),
                ),
            }
            return;
        };
        if let Some(t) = imp.trait_name {
            self.error(
                t.span,
                format!("traits can only be implemented for types without type parameters, and `{name}` has some"),
            );
            return;
        }
        // The target's arguments must be the impl's parameters, each once.
        let written: Vec<Option<&str>> = imp
            .target_args
            .iter()
            .map(|a| match a {
                ast::TypeExpr::Named(id) => Some(id.name),
                _ => None,
            })
            .collect();
        let names: Vec<&str> = imp.type_params.iter().map(|t| t.name.name).collect();
        let mut sorted_written: Vec<Option<&str>> = written.clone();
        sorted_written.sort_unstable();
        let mut sorted_names: Vec<Option<&str>> = names.iter().map(|n| Some(*n)).collect();
        sorted_names.sort_unstable();
        if written.len() != params.len() || sorted_written != sorted_names {
            let shown: Vec<String> = params.iter().map(|p| display(p, &self.env)).collect();
            let shown = shown.join(", ");
            self.error_note(
                imp.span,
                format!("an `impl` of generic `{name}` must name its type parameters"),
                format!("write `impl<{shown}> {name}<{shown}>`"),
            );
            return;
        }
        let impl_params = self.declare_params(imp.type_params, name, true);
        // The receiver type: the template's instance at the impl's params,
        // in the order the target writes them.
        let args: Vec<Type> = written
            .iter()
            .map(|w| {
                names
                    .iter()
                    .position(|n| Some(*n) == *w)
                    .and_then(|i| impl_params.get(i))
                    .map_or(Type::Error, |p| Type::Param(*p))
            })
            .collect();
        let (self_ty, base) = match decl {
            TypeDecl::Struct(t) => (self.struct_instance(t, args), Type::Struct(t)),
            TypeDecl::Enum(t) => (self.enum_instance(t, args), Type::Enum(t)),
            TypeDecl::Trait(_) => return,
        };
        for mi in 0..imp.methods.len() {
            self.declare_generic_method(imp, item, mi, &impl_params, &self_ty, base.clone());
        }
    }

    /// Declares method `mi` of `imp` as a template with the `impl`'s
    /// parameters (if any) and its own; `base` is the declaration its
    /// receivers are instances of.
    fn declare_generic_method(
        &mut self,
        imp: &ast::ImplDecl,
        item: usize,
        mi: usize,
        impl_params: &[ParamId],
        self_ty: &Type,
        base: Type,
    ) {
        let Some(m) = imp.methods.get(mi) else { return };
        let mname = m.sig.name.name;
        let owner_name = format!("{}::{mname}", imp.target.name);
        let mut params = impl_params.to_vec();
        let scope = self.param_scope(&params);
        let outer = self.enter_params(scope);
        params.extend(self.declare_params(m.sig.type_params, &owner_name, true));
        let scope = self.param_scope(&params);
        self.type_scope = scope;
        let sig = self.signature(&m.sig, Some(self_ty));
        self.type_scope = outer;
        let has_self = sig.has_self;
        let key = (imp.target.name.to_string(), mname.to_string());
        if self.env.statics.contains_key(&key) || self.env.generic_statics.contains_key(&key) {
            self.error(
                m.sig.name.span,
                format!("`{}::{}` is declared twice", key.0, key.1),
            );
            return;
        }
        let tid = self.add_template(
            owner_name,
            params,
            impl_params.len(),
            sig,
            Some(self_ty.clone()),
            item,
            Some(mi),
            m,
        );
        self.env.generic_statics.insert(key, tid);
        if has_self {
            self.env
                .generic_methods
                .insert((base, mname.to_string()), tid);
        }
    }

    pub(super) fn declare_impl<'b>(
        &mut self,
        imp: &'b ast::ImplDecl<'b>,
        item: usize,
        bodies: &mut Vec<(FuncIdx, &'b ast::FnDecl<'b>, Option<Type>)>,
    ) {
        let decl = self.env.type_names.get(imp.target.name).copied();
        let generic = decl.is_some_and(|d| self.template_params(d).is_some());
        if generic || !imp.type_params.is_empty() || !imp.target_args.is_empty() {
            self.declare_generic_impl(imp, item, decl);
            return;
        }
        let target = match self.env.type_names.get(imp.target.name) {
            Some(TypeDecl::Struct(i)) => Type::Struct(*i),
            Some(TypeDecl::Enum(i)) if imp.trait_name.is_none() => Type::Enum(*i),
            Some(TypeDecl::Enum(_)) => {
                self.error(
                    imp.target.span,
                    "traits can only be implemented for structs",
                );
                return;
            }
            Some(TypeDecl::Trait(_)) => {
                self.error(
                    imp.target.span,
                    format!(
                        "`{}` is a trait; `impl` needs a struct or enum",
                        imp.target.name
                    ),
                );
                return;
            }
            None => {
                self.error(
                    imp.target.span,
                    format!("unknown type `{}`", imp.target.name),
                );
                return;
            }
        };
        let mut idxs = Vec::new();
        for (mi, m) in imp.methods.iter().enumerate() {
            if !m.sig.type_params.is_empty() {
                if imp.trait_name.is_some() {
                    self.error(
                        m.sig.name.span,
                        format!("trait method `{}` cannot be generic", m.sig.name.name),
                    );
                    continue;
                }
                self.declare_generic_method(imp, item, mi, &[], &target, target.clone());
                continue;
            }
            let sig = self.signature(&m.sig, Some(&target));
            let has_self = sig.has_self;
            let key = (imp.target.name.to_string(), m.sig.name.name.to_string());
            if imp.trait_name.is_none() {
                let earlier = self.env.statics.get(&key).copied();
                if let Some(old) = earlier.filter(|&i| self.redefinable(i)) {
                    // A method of an earlier input gets a new body, as for
                    // functions.
                    if self.same_signature(old, &sig, m.sig.name.span, "method") {
                        self.replaced.push(old);
                        bodies.push((old, m, Some(target.clone())));
                    }
                    continue;
                }
            }
            let idx = self.new_func_slot(sig);
            if imp.trait_name.is_none() {
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    self.env.statics.entry(key.clone())
                {
                    slot.insert(idx);
                } else {
                    self.error(
                        m.sig.name.span,
                        format!("`{}::{}` is declared twice", key.0, key.1),
                    );
                }
            } else {
                self.env.statics.entry(key).or_insert(idx);
            }
            if has_self {
                self.env
                    .methods
                    .entry((target.clone(), m.sig.name.name.to_string()))
                    .or_default()
                    .push(idx);
            }
            idxs.push((idx, m));
            bodies.push((idx, m, Some(target.clone())));
        }
        let Some(tname) = imp.trait_name else { return };
        let Some(&TypeDecl::Trait(tid)) = self.env.type_names.get(tname.name) else {
            self.error(tname.span, format!("unknown trait `{}`", tname.name));
            return;
        };
        let Type::Struct(sid) = target else { return };
        if self.implements(sid, tid) {
            self.error(
                imp.target.span,
                format!(
                    "trait `{}` is implemented twice for `{}`",
                    tname.name, imp.target.name
                ),
            );
            return;
        }
        let trait_methods = self.env.traits[tid as usize].methods.clone();
        let mut methods = Vec::new();
        let mut complete = true;
        for tm in &trait_methods {
            let Some((idx, decl)) = idxs.iter().find(|(_, d)| d.sig.name.name == tm.name) else {
                self.error(
                    imp.target.span,
                    format!(
                        "`{}` does not implement method `{}` of trait `{}`",
                        imp.target.name, tm.name, tname.name
                    ),
                );
                complete = false;
                continue;
            };
            let sig = self.env.sigs[*idx as usize].clone();
            let same =
                sig.has_self && sig.params.get(1..) == Some(&tm.params[..]) && sig.ret == tm.ret;
            if !same {
                let mut shown: Vec<String> = vec!["self".into()];
                shown.extend(tm.params.iter().map(|t| display(t, &self.env)));
                let ret = match &tm.ret {
                    Type::Void => String::new(),
                    r => format!(" -> {}", display(r, &self.env)),
                };
                self.error_note(
                    decl.sig.name.span,
                    format!(
                        "method `{}` does not match its declaration in trait `{}`",
                        tm.name, tname.name
                    ),
                    format!(
                        "the trait declares `fn {}({}){}`",
                        tm.name,
                        shown.join(", "),
                        ret
                    ),
                );
                complete = false;
            }
            methods.push(*idx);
        }
        for (_, d) in &idxs {
            if !trait_methods.iter().any(|m| m.name == d.sig.name.name) {
                self.error(
                    d.sig.name.span,
                    format!(
                        "`{}` is not a method of trait `{}`",
                        d.sig.name.name, tname.name
                    ),
                );
            }
        }
        if complete {
            self.env.impls.push(tir::ImplInfo {
                trait_id: tid,
                struct_id: sid,
                methods,
            });
        }
    }
}
