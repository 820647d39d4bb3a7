//! Generics: type parameters, instances of generic structs and enums,
//! tuple types, inference of type arguments and monomorphisation.
//!
//! A generic declaration is checked twice over:
//! - once on its own, with its type parameters as opaque `Type::Param`s
//!   (`check_templates`): this is where its mistakes are reported, in
//!   terms of the parameters (`` `<` cannot be applied to `T` ``), and
//!   where a parameter offers only `==`, printing and the methods of its
//!   bounds. What that check creates (closure slots, instances that
//!   mention parameters) is rolled back afterwards (`Snapshot`);
//! - once per instantiation with concrete type arguments
//!   (`drain_instances`): each one becomes an ordinary function with a
//!   concrete signature, named with its arguments (`largest<int>`,
//!   `Stack<str>::push`), so lowering, the `.bc` format, the verifier and
//!   the runtime only ever see concrete types.
//!
//! Instances of generic structs and enums (`Stack<str>`) and tuple types
//! (`(int, str)`) are declarations of their own in the checker's tables,
//! interned by their arguments. Those that still mention a parameter are
//! marked not concrete and never reach the module (`lower::declare`).
//!
//! Type arguments are inferred (`infer`): from the expected type of the
//! call when there is one, then from each argument in order, so that a
//! later argument (a closure) is checked against the parameter types the
//! earlier ones fixed. Instantiation is bounded: at most
//! `MAX_INSTANCES` instances in a program and a chain of instances that
//! request each other at most `MAX_INSTANCE_DEPTH` deep (polymorphic
//! recursion such as `f<T>` calling `f<[T]>` would otherwise never end),
//! so compile time stays linear in the program and the instances it asks
//! for (`spec/limits.md`).

use super::expr::count_mismatch;
use super::{Checker, FnSig, TypeDecl};
use crate::ast::{self, Span};
use crate::tir::{self, FuncIdx, Origin};
use crate::types::{display, DeclId, ParamId, Type};
use std::collections::HashMap;

/// How many instances (of generic functions, structs and enums, and tuple
/// types) one program or REPL session may create. Each is a function or
/// a type of the module; a program written by hand needs a few hundred at
/// most, and the bound keeps a program whose instances multiply from
/// making the compiler's time and memory grow without limit.
pub const MAX_INSTANCES: usize = 10_000;

/// How long a chain of instances may be, each requested while checking the
/// one before (`f<int>` calls `g<int>`, which calls `h<[int]>`, ...), and
/// how deeply instances of generic types may nest while their fields are
/// made. Ordinary programs stay within a handful; polymorphic recursion
/// (`fn f<T>(x: T) { f([x]); }`) would be endless and is stopped here
/// with an error.
pub const MAX_INSTANCE_DEPTH: usize = 64;

/// How large the type arguments of one instance may be, in type nodes
/// (`[int]` is two; an instance of a generic type or a tuple counts as
/// one). Each instance's arguments are made from the instance that asked
/// for it, so without this bound polymorphic recursion such as
/// `f<T>` calling `f<fn(T, T) -> T>` would triple them at every one of
/// the `MAX_INSTANCE_DEPTH` levels. Hand-written types are a few nodes.
pub const MAX_TYPE_SIZE: usize = 256;

/// How long the name of an instance of a generic type or of a tuple type
/// may be (`Pair<int, (str, [bool])>`): names nest the names of their
/// arguments, so `((T, T), (T, T))` and the like would double at every
/// level. The name is in every listing, stack trace and message.
pub const MAX_TYPE_NAME: usize = 1024;

/// A type parameter of a generic declaration.
#[derive(Debug, Clone)]
pub struct ParamInfo {
    pub name: String,
    /// The traits every argument must implement.
    pub bounds: Vec<DeclId>,
    /// The declaration it belongs to (`names`, `Stack`), for messages.
    pub owner: String,
    /// The line of its declaration, in the declaring source.
    pub line: u32,
}

/// A generic function or a method of a generic `impl`, kept as its syntax
/// (found again by source, item and method index) with its signature in
/// terms of its parameters.
#[derive(Debug, Clone)]
pub struct FnTemplate {
    /// As written: `largest`, `Stack::push`.
    pub name: String,
    /// Every parameter in scope: the `impl`'s first, then the function's.
    pub params: Vec<ParamId>,
    /// Where the function's own parameters start in `params`.
    pub own_from: usize,
    pub sig: FnSig,
    /// For methods: the type the `impl` is for (with the `impl`'s
    /// parameters), which names the instances.
    pub owner: Option<Type>,
    /// Where its syntax is: the source (`Env::sources`), the item, and for
    /// a method its index in the `impl`.
    pub source: u32,
    pub item: u32,
    pub method: Option<u32>,
    pub span: Span,
    /// The whole declaration's text in its source, from `fn` to the end of
    /// its body: the range parsed alone when the source's syntax tree is
    /// not at hand (`template_decl`).
    pub syntax: Span,
    /// Instances made so far, by their arguments (in `params` order).
    pub instances: HashMap<Vec<Type>, FuncIdx>,
}

/// An instance whose body is still to be checked.
#[derive(Debug, Clone)]
pub(super) struct PendingInstance {
    func: FuncIdx,
    template: u32,
    args: Vec<Type>,
    depth: usize,
    /// Where it was first requested.
    site: Span,
}

/// The sizes of the tables a template's own check may grow, to roll back.
struct Snapshot {
    structs: usize,
    enums: usize,
    sigs: usize,
    capture_origins: usize,
}

/// Partial inference state: each parameter of a template with the type
/// found for it so far.
pub(super) type Bindings = Vec<(ParamId, Option<Type>)>;

impl<'a> Checker<'a> {
    // ------------------------------------------------------------ declaring

    /// Declares the type parameters of `owner`, with bounds when `bounds`
    /// allows them (functions and `impl` blocks); returns their ids in
    /// order. Traits must be declared already.
    pub(super) fn declare_params(
        &mut self,
        tps: &[ast::TypeParam],
        owner: &str,
        bounds_allowed: bool,
    ) -> Vec<ParamId> {
        let mut out: Vec<ParamId> = Vec::new();
        for tp in tps {
            if self.type_scope.iter().any(|(n, _)| n == tp.name.name)
                || tps
                    .iter()
                    .take_while(|o| !std::ptr::eq(*o, tp))
                    .any(|o| o.name.name == tp.name.name)
            {
                self.error(
                    tp.name.span,
                    format!("type parameter `{}` is declared twice", tp.name.name),
                );
            }
            if matches!(tp.name.name, "int" | "float" | "bool" | "str") {
                self.error(
                    tp.name.span,
                    format!("`{}` is a built-in type", tp.name.name),
                );
            }
            let mut bounds = Vec::new();
            if !tp.bounds.is_empty() && !bounds_allowed {
                self.error_note(
                    tp.name.span,
                    format!(
                        "the parameter `{}` of `{owner}` cannot have bounds here",
                        tp.name.name
                    ),
                    "write the bounds on the functions and `impl` blocks that need them",
                );
            }
            for b in tp.bounds.iter().filter(|_| bounds_allowed) {
                match self.env.type_names.get(b.name) {
                    Some(TypeDecl::Trait(t)) => bounds.push(*t),
                    Some(_) => self.error(b.span, format!("`{}` is not a trait", b.name)),
                    None => self.error(b.span, format!("unknown trait `{}`", b.name)),
                }
            }
            let id = ParamId::try_from(self.env.params.len()).unwrap_or(ParamId::MAX);
            let line = self.line(tp.name.span);
            self.env.params.push(ParamInfo {
                name: tp.name.name.to_string(),
                bounds,
                owner: owner.to_string(),
                line,
            });
            out.push(id);
        }
        out
    }

    /// Puts parameters in scope for resolving types, replacing the scope;
    /// returns the old scope to restore.
    pub(super) fn enter_params(&mut self, scope: Vec<(String, Type)>) -> Vec<(String, Type)> {
        std::mem::replace(&mut self.type_scope, scope)
    }

    pub(super) fn param_scope(&self, params: &[ParamId]) -> Vec<(String, Type)> {
        params
            .iter()
            .map(|&p| (self.param_name_of(p), Type::Param(p)))
            .collect()
    }

    fn param_name_of(&self, p: ParamId) -> String {
        self.env
            .params
            .get(p as usize)
            .map_or_else(|| "?".to_string(), |i| i.name.clone())
    }

    /// Registers a generic function or method `decl`; `item` and `method`
    /// locate its syntax in the current source.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn add_template(
        &mut self,
        name: String,
        params: Vec<ParamId>,
        own_from: usize,
        sig: FnSig,
        owner: Option<Type>,
        item: usize,
        method: Option<usize>,
        decl: &ast::FnDecl,
    ) -> u32 {
        let id = u32::try_from(self.env.templates.len()).unwrap_or(u32::MAX);
        self.env.templates.push(FnTemplate {
            name,
            params,
            own_from,
            sig,
            owner,
            source: self.cur_source,
            item: u32::try_from(item).unwrap_or(u32::MAX),
            method: method.map(|m| u32::try_from(m).unwrap_or(u32::MAX)),
            span: decl.sig.name.span,
            syntax: Span::new(decl.sig.span.start, decl.body.span.end),
            instances: HashMap::new(),
        });
        id
    }

    // ------------------------------------------------------------ types

    /// Whether no type parameter occurs in `t`.
    pub(super) fn is_concrete(&self, t: &Type) -> bool {
        match t {
            Type::Param(_) => false,
            Type::Array(e) => self.is_concrete(e),
            Type::Map(k, v) => self.is_concrete(k) && self.is_concrete(v),
            Type::Fn(ps, r) => ps.iter().all(|p| self.is_concrete(p)) && self.is_concrete(r),
            Type::Struct(i) => self.env.structs.get(*i as usize).is_none_or(|s| s.concrete),
            Type::Enum(i) => self.env.enums.get(*i as usize).is_none_or(|e| e.concrete),
            _ => true,
        }
    }

    /// The generic declaration a struct type comes from, with its
    /// arguments (a template is an instance of itself).
    pub(super) fn struct_args(&self, id: DeclId) -> Option<(DeclId, Vec<Type>)> {
        match &self.env.structs.get(id as usize)?.origin {
            Origin::Template(ps) => Some((id, ps.clone())),
            Origin::Instance(t, args) => Some((*t, args.clone())),
            _ => None,
        }
    }

    pub(super) fn enum_args(&self, id: DeclId) -> Option<(DeclId, Vec<Type>)> {
        match &self.env.enums.get(id as usize)?.origin {
            Origin::Template(ps) => Some((id, ps.clone())),
            Origin::Instance(t, args) => Some((*t, args.clone())),
            _ => None,
        }
    }

    /// The element types of a tuple type, or `None` for other types.
    pub(super) fn tuple_elems(&self, t: &Type) -> Option<Vec<Type>> {
        let Type::Struct(id) = t else { return None };
        let s = self.env.structs.get(*id as usize)?;
        (s.origin == Origin::Tuple).then(|| s.fields.iter().map(|(_, t)| t.clone()).collect())
    }

    /// Whether `id` is a struct or enum declared with type parameters
    /// (the template, not an instance).
    pub(super) fn template_params(&self, decl: TypeDecl) -> Option<Vec<Type>> {
        let origin = match decl {
            TypeDecl::Struct(i) => &self.env.structs.get(i as usize)?.origin,
            TypeDecl::Enum(i) => &self.env.enums.get(i as usize)?.origin,
            TypeDecl::Trait(_) => return None,
        };
        match origin {
            Origin::Template(ps) => Some(ps.clone()),
            _ => None,
        }
    }

    /// Counts one more instance; false (after one error at `site`) when the
    /// limit is reached.
    fn count_instance(&mut self, site: Span) -> bool {
        if self.env.instance_count >= MAX_INSTANCES {
            if !self.instances_reported {
                self.instances_reported = true;
                self.error(
                    site,
                    format!(
                        "this program needs more than {MAX_INSTANCES} instances of generic functions and types (the limit)"
                    ),
                );
            }
            return false;
        }
        self.env.instance_count += 1;
        true
    }

    /// Enters one level of nested type instantiation; false (after one
    /// error) beyond `MAX_INSTANCE_DEPTH`.
    fn enter_type_instance(&mut self) -> bool {
        if self.type_nesting >= MAX_INSTANCE_DEPTH {
            if !self.instances_reported {
                self.instances_reported = true;
                let site = self.site;
                self.error(
                    site,
                    format!(
                        "generic types are instantiated more than {MAX_INSTANCE_DEPTH} levels deep here (the limit); does a type contain itself with other arguments?"
                    ),
                );
            }
            return false;
        }
        self.type_nesting += 1;
        true
    }

    /// The number of nodes of `t`, counted up to `limit` (then `limit + 1`).
    fn type_size(&self, t: &Type, limit: usize) -> usize {
        let mut n = 1;
        let add = |x: &Type, n: &mut usize| {
            if *n <= limit {
                *n += self.type_size(x, limit - *n);
            }
        };
        match t {
            Type::Array(e) => add(e, &mut n),
            Type::Map(k, v) => {
                add(k, &mut n);
                add(v, &mut n);
            }
            Type::Fn(ps, r) => {
                for p in ps {
                    add(p, &mut n);
                }
                add(r, &mut n);
            }
            _ => {}
        }
        n.min(limit + 1)
    }

    /// Whether instance arguments (or a new type's name) exceed the size
    /// limits; reports it once.
    fn too_big(&mut self, args: &[Type], name: Option<&str>) -> bool {
        let mut size = 0;
        for a in args {
            size += self.type_size(a, MAX_TYPE_SIZE);
        }
        let long = name.is_some_and(|n| n.len() > MAX_TYPE_NAME);
        if size <= MAX_TYPE_SIZE && !long {
            return false;
        }
        if !self.instances_reported {
            self.instances_reported = true;
            let site = self.site;
            self.error_note(
                site,
                format!(
                    "the type arguments here grow too large (the limits are {MAX_TYPE_SIZE} parts and names of {MAX_TYPE_NAME} characters)"
                ),
                "does a generic function call itself with ever larger type arguments?",
            );
        }
        true
    }

    /// The instance of generic struct `tmpl` for `args`, made on first use.
    pub(super) fn struct_instance(&mut self, tmpl: DeclId, args: Vec<Type>) -> Type {
        let Some(Origin::Template(params)) = self
            .env
            .structs
            .get(tmpl as usize)
            .map(|s| s.origin.clone())
        else {
            return Type::Struct(tmpl);
        };
        if args == params {
            return Type::Struct(tmpl);
        }
        if args.iter().any(|a| a.is_error()) {
            return Type::Error;
        }
        if let Some(&id) = self.env.struct_instances.get(&(tmpl, args.clone())) {
            return Type::Struct(id);
        }
        let site = self.site;
        if !self.count_instance(site) || !self.enter_type_instance() {
            return Type::Error;
        }
        let id = DeclId::try_from(self.env.structs.len()).unwrap_or(DeclId::MAX);
        let name = self.instance_name(&self.env.structs[tmpl as usize].name, &args);
        if self.too_big(&args, Some(&name)) {
            self.type_nesting -= 1;
            return Type::Error;
        }
        let concrete = args.iter().all(|a| self.is_concrete(a));
        self.env.structs.push(tir::StructInfo {
            name,
            fields: vec![],
            origin: Origin::Instance(tmpl, args.clone()),
            concrete,
        });
        self.env.struct_instances.insert((tmpl, args.clone()), id);
        let map = bindings_of(&params, &args);
        let fields: Vec<(String, Type)> = self.env.structs[tmpl as usize].fields.clone();
        let fields = fields
            .into_iter()
            .map(|(n, t)| (n, self.subst(&t, &map)))
            .collect();
        self.env.structs[id as usize].fields = fields;
        self.type_nesting -= 1;
        Type::Struct(id)
    }

    /// The instance of generic enum `tmpl` for `args`, made on first use.
    pub(super) fn enum_instance(&mut self, tmpl: DeclId, args: Vec<Type>) -> Type {
        let Some(Origin::Template(params)) =
            self.env.enums.get(tmpl as usize).map(|s| s.origin.clone())
        else {
            return Type::Enum(tmpl);
        };
        if args == params {
            return Type::Enum(tmpl);
        }
        if args.iter().any(|a| a.is_error()) {
            return Type::Error;
        }
        if let Some(&id) = self.env.enum_instances.get(&(tmpl, args.clone())) {
            return Type::Enum(id);
        }
        let site = self.site;
        if !self.count_instance(site) || !self.enter_type_instance() {
            return Type::Error;
        }
        let id = DeclId::try_from(self.env.enums.len()).unwrap_or(DeclId::MAX);
        let name = self.instance_name(&self.env.enums[tmpl as usize].name, &args);
        if self.too_big(&args, Some(&name)) {
            self.type_nesting -= 1;
            return Type::Error;
        }
        let concrete = args.iter().all(|a| self.is_concrete(a));
        self.env.enums.push(tir::EnumInfo {
            name,
            variants: vec![],
            origin: Origin::Instance(tmpl, args.clone()),
            concrete,
        });
        self.env.enum_instances.insert((tmpl, args.clone()), id);
        let map = bindings_of(&params, &args);
        let variants: Vec<(String, Vec<Type>)> = self.env.enums[tmpl as usize].variants.clone();
        let variants = variants
            .into_iter()
            .map(|(n, ts)| (n, ts.iter().map(|t| self.subst(t, &map)).collect()))
            .collect();
        self.env.enums[id as usize].variants = variants;
        self.type_nesting -= 1;
        Type::Enum(id)
    }

    /// The tuple type of `elems` (the unit type when empty), made on first
    /// use: a struct whose fields are named `0`, `1`, ...
    pub(super) fn tuple_type(&mut self, elems: Vec<Type>) -> Type {
        if elems.iter().any(|a| a.is_error()) {
            return Type::Error;
        }
        if let Some(&id) = self.env.tuples.get(&elems) {
            return Type::Struct(id);
        }
        let site = self.site;
        if !self.count_instance(site) {
            return Type::Error;
        }
        let id = DeclId::try_from(self.env.structs.len()).unwrap_or(DeclId::MAX);
        let shown: Vec<String> = elems.iter().map(|t| display(t, &self.env)).collect();
        let name = if shown.len() == 1 {
            format!("({},)", shown[0])
        } else {
            format!("({})", shown.join(", "))
        };
        if self.too_big(&elems, Some(&name)) {
            return Type::Error;
        }
        let concrete = elems.iter().all(|a| self.is_concrete(a));
        let fields = elems
            .iter()
            .enumerate()
            .map(|(i, t)| (i.to_string(), t.clone()))
            .collect();
        self.env.structs.push(tir::StructInfo {
            name,
            fields,
            origin: Origin::Tuple,
            concrete,
        });
        self.env.tuples.insert(elems, id);
        Type::Struct(id)
    }

    /// `Stack<str>` from the template's name `Stack<T>` and the arguments.
    fn instance_name(&self, template: &str, args: &[Type]) -> String {
        let base = template.split('<').next().unwrap_or(template);
        let shown: Vec<String> = args.iter().map(|t| display(t, &self.env)).collect();
        format!("{base}<{}>", shown.join(", "))
    }

    /// `t` with the bound parameters replaced.
    pub(super) fn subst(&mut self, t: &Type, map: &[(ParamId, Type)]) -> Type {
        if map.is_empty() || self.is_concrete(t) {
            return t.clone();
        }
        match t {
            Type::Param(p) => map
                .iter()
                .find(|(q, _)| q == p)
                .map_or_else(|| t.clone(), |(_, a)| a.clone()),
            Type::Array(e) => Type::array(self.subst(e, map)),
            Type::Map(k, v) => {
                let k = self.subst(k, map);
                Type::map(k, self.subst(v, map))
            }
            Type::Fn(ps, r) => {
                let ps = ps.iter().map(|p| self.subst(p, map)).collect();
                Type::Fn(ps, Box::new(self.subst(r, map)))
            }
            Type::Struct(id) => {
                if let Some(elems) = self.tuple_elems(t) {
                    let elems = elems.iter().map(|e| self.subst(e, map)).collect();
                    return self.tuple_type(elems);
                }
                match self.struct_args(*id) {
                    Some((tmpl, args)) => {
                        let args = args.iter().map(|a| self.subst(a, map)).collect();
                        self.struct_instance(tmpl, args)
                    }
                    None => t.clone(),
                }
            }
            Type::Enum(id) => match self.enum_args(*id) {
                Some((tmpl, args)) => {
                    let args = args.iter().map(|a| self.subst(a, map)).collect();
                    self.enum_instance(tmpl, args)
                }
                None => t.clone(),
            },
            _ => t.clone(),
        }
    }

    /// Resolves `Name<args>` written as a type.
    pub(super) fn resolve_generic(&mut self, id: ast::Ident, args: &[ast::TypeExpr]) -> Type {
        let decl = self.env.type_names.get(id.name).copied();
        let params = decl.and_then(|d| self.template_params(d));
        let Some(params) = params else {
            for a in args {
                self.resolve_type(a);
            }
            match decl {
                None => self.error(id.span, format!("unknown type `{}`", id.name)),
                Some(_) => self.error(
                    id.span,
                    format!("`{}` is not generic: it takes no type arguments", id.name),
                ),
            }
            return Type::Error;
        };
        let args: Vec<Type> = args.iter().map(|a| self.resolve_type(a)).collect();
        if args.len() != params.len() {
            let what = format!("`{}`", id.name);
            let msg = count_mismatch(&what, "type argument", params.len(), args.len());
            self.error(id.span, msg);
            return Type::Error;
        }
        self.site = id.span;
        match decl {
            Some(TypeDecl::Struct(t)) => self.struct_instance(t, args),
            Some(TypeDecl::Enum(t)) => self.enum_instance(t, args),
            _ => Type::Error,
        }
    }

    // ------------------------------------------------------------ inference

    /// Records in `b` what matching the parameter-holding type `p` against
    /// the actual type `a` says about the parameters. Disagreements are
    /// left for the conversion of the argument to report.
    pub(super) fn unify(&self, p: &Type, a: &Type, b: &mut Bindings) {
        match (p, a) {
            (Type::Param(id), _) => {
                if let Some(slot) = b.iter_mut().find(|(q, _)| q == id) {
                    if slot.1.is_none() && a.is_value() && !matches!(a, Type::Nil | Type::Error) {
                        slot.1 = Some(a.clone());
                    }
                }
            }
            (Type::Array(x), Type::Array(y)) => self.unify(x, y, b),
            (Type::Map(k, v), Type::Map(k2, v2)) => {
                self.unify(k, k2, b);
                self.unify(v, v2, b);
            }
            (Type::Fn(ps, r), Type::Fn(qs, s)) if ps.len() == qs.len() => {
                for (x, y) in ps.iter().zip(qs) {
                    self.unify(x, y, b);
                }
                self.unify(r, s, b);
            }
            (Type::Struct(i), Type::Struct(j)) => {
                if let (Some(x), Some(y)) = (self.tuple_elems(p), self.tuple_elems(a)) {
                    if x.len() == y.len() {
                        for (x, y) in x.iter().zip(&y) {
                            self.unify(x, y, b);
                        }
                    }
                } else if let (Some((ti, ai)), Some((tj, aj))) =
                    (self.struct_args(*i), self.struct_args(*j))
                {
                    if ti == tj {
                        for (x, y) in ai.iter().zip(&aj) {
                            self.unify(x, y, b);
                        }
                    }
                }
            }
            (Type::Enum(i), Type::Enum(j)) => {
                if let (Some((ti, ai)), Some((tj, aj))) = (self.enum_args(*i), self.enum_args(*j)) {
                    if ti == tj {
                        for (x, y) in ai.iter().zip(&aj) {
                            self.unify(x, y, b);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// `t` with what is bound so far, when every parameter it mentions is
    /// bound (an expected type for an argument).
    pub(super) fn known(&mut self, t: &Type, b: &Bindings) -> Option<Type> {
        let map: Vec<(ParamId, Type)> = b
            .iter()
            .filter_map(|(p, t)| t.clone().map(|t| (*p, t)))
            .collect();
        let unbound: Vec<ParamId> = b
            .iter()
            .filter(|(_, t)| t.is_none())
            .map(|(p, _)| *p)
            .collect();
        if mentions(t, &unbound, self) {
            return None;
        }
        Some(self.subst(t, &map))
    }

    /// Reports parameters that inference left open (binding them to
    /// `Error`) and arguments that break a bound; returns the arguments.
    /// `quiet` when the context's type was already wrong: the missing
    /// inference would only repeat that error.
    pub(super) fn settle(&mut self, b: Bindings, what: &str, site: Span, quiet: bool) -> Vec<Type> {
        let mut out = Vec::new();
        let mut reported = quiet;
        for (p, t) in b {
            let t = match t {
                Some(t) => t,
                None => {
                    if !reported {
                        reported = true;
                        let name = self.param_name_of(p);
                        self.error_note(
                            site,
                            format!("cannot infer the type parameter `{name}` of {what}"),
                            "give the result a written type, for example `let x: Type = ...`",
                        );
                    }
                    Type::Error
                }
            };
            self.check_bounds(p, &t, site);
            out.push(t);
        }
        out
    }

    /// Whether `t` offers trait `tr`: a struct implementing it, the trait
    /// itself, or a parameter bounded by it.
    pub(super) fn satisfies(&self, t: &Type, tr: DeclId) -> bool {
        match t {
            Type::Struct(s) => self.implements(*s, tr),
            Type::Trait(x) => *x == tr,
            Type::Param(p) => self
                .env
                .params
                .get(*p as usize)
                .is_some_and(|i| i.bounds.contains(&tr)),
            Type::Error => true,
            _ => false,
        }
    }

    fn check_bounds(&mut self, p: ParamId, t: &Type, site: Span) {
        let Some(info) = self.env.params.get(p as usize).cloned() else {
            return;
        };
        for tr in info.bounds {
            if !self.satisfies(t, tr) {
                let tname = self
                    .env
                    .traits
                    .get(tr as usize)
                    .map_or("?", |t| t.name.as_str());
                self.error_note(
                    site,
                    format!("{} does not implement trait `{tname}`", self.show(t)),
                    format!(
                        "required by the bound `{}: {tname}` of `{}` (line {})",
                        info.name, info.owner, info.line
                    ),
                );
            }
        }
    }

    /// A fresh set of bindings for the template's parameters.
    pub(super) fn bindings(params: &[ParamId]) -> Bindings {
        params.iter().map(|&p| (p, None)).collect()
    }

    // ------------------------------------------------------------ calls

    /// A call of template `tid` (a generic function, or a method of a
    /// generic `impl` when `recv` is its receiver): infers the type
    /// arguments, checks the arguments, and calls the instance.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn call_template(
        &mut self,
        tid: u32,
        recv: Option<tir::Expr>,
        args: &[ast::Expr],
        expected: Option<&Type>,
        span: Span,
        line: u32,
    ) -> tir::Expr {
        let Some(t) = self.env.templates.get(tid as usize) else {
            return self.err_expr(line);
        };
        let (name, params, sig) = (t.name.clone(), t.params.clone(), t.sig.clone());
        let mut b = Self::bindings(&params);
        if let Some(e) = expected {
            self.unify(&sig.ret, e, &mut b);
        }
        let mut ptys = sig.params.iter();
        let mut vals = Vec::new();
        if let Some(r) = recv {
            if let Some(p) = ptys.next() {
                self.unify(p, &r.ty, &mut b);
            }
            vals.push(r);
        }
        let ptys: Vec<Type> = ptys.cloned().collect();
        if ptys.len() != args.len() {
            let msg = count_mismatch(&format!("`{name}`"), "argument", ptys.len(), args.len());
            self.error(span, msg);
        }
        let mut checked = Vec::new();
        for (i, a) in args.iter().enumerate() {
            match ptys.get(i) {
                Some(p) => {
                    let want = self.known(p, &b);
                    let v = self.expr(a, want.as_ref());
                    self.unify(p, &v.ty, &mut b);
                    checked.push((v, a.span));
                }
                None => {
                    self.expr(a, None);
                }
            }
        }
        // An argument already wrong explains a parameter left open.
        let quiet =
            expected.is_some_and(|e| e.is_error()) || checked.iter().any(|(v, _)| v.ty.is_error());
        let errors = self.diags.len();
        let targs = self.settle(b, &format!("`{name}`"), span, quiet);
        // A broken bound is the one error: the instance is not made, so its
        // body does not report the same mistake again.
        if targs.iter().any(|t| t.is_error()) || self.diags.len() > errors {
            return self.err_expr(line);
        }
        let map = pairs(&params, &targs);
        let mut pts = Vec::new();
        for p in &sig.params {
            pts.push(self.subst(p, &map));
        }
        let skip = vals.len();
        for ((v, sp), p) in checked.into_iter().zip(pts.iter().skip(skip)) {
            vals.push(self.coerce(v, p, sp));
        }
        let ret = self.subst(&sig.ret, &map);
        let func = if self.dry_run || !targs.iter().all(|t| self.is_concrete(t)) {
            // Checking a generic declaration itself: the code is thrown
            // away, only the types matter.
            0
        } else {
            self.instantiate(tid, targs, span)
        };
        tir::Expr {
            kind: tir::ExprKind::Call(func, vals),
            ty: ret,
            line,
            span: Span::default(),
        }
    }

    /// The instance of template `tid` for concrete `args`, made (and its
    /// body queued) on first use.
    pub(super) fn instantiate(&mut self, tid: u32, args: Vec<Type>, site: Span) -> FuncIdx {
        let Some(t) = self.env.templates.get(tid as usize) else {
            return 0;
        };
        if let Some(&f) = t.instances.get(&args) {
            return f;
        }
        let (params, own_from, sig, owner, tname) = (
            t.params.clone(),
            t.own_from,
            t.sig.clone(),
            t.owner.clone(),
            t.name.clone(),
        );
        if self.inst_depth >= MAX_INSTANCE_DEPTH {
            if !self.instances_reported {
                self.instances_reported = true;
                self.error_note(
                    site,
                    format!(
                        "instances of generic functions request each other more than {MAX_INSTANCE_DEPTH} levels deep (the limit), here one of `{tname}`"
                    ),
                    "does a generic function call itself with ever larger type arguments?",
                );
            }
            return 0;
        }
        self.site = site;
        if self.too_big(&args, None) || !self.count_instance(site) {
            return 0;
        }
        let map = pairs(&params, &args);
        let ps = sig.params.iter().map(|p| self.subst(p, &map)).collect();
        let ret = self.subst(&sig.ret, &map);
        let own: Vec<String> = args
            .get(own_from..)
            .unwrap_or(&[])
            .iter()
            .map(|a| display(a, &self.env))
            .collect();
        let own = if own.is_empty() {
            String::new()
        } else {
            format!("<{}>", own.join(", "))
        };
        let base = tname.rsplit("::").next().unwrap_or(&tname).to_string();
        let name = match owner {
            Some(o) => {
                let o = self.subst(&o, &map);
                format!("{}::{base}{own}", display(&o, &self.env))
            }
            None => format!("{base}{own}"),
        };
        let f = self.new_func_slot(FnSig {
            name,
            params: ps,
            ret,
            has_self: sig.has_self,
        });
        if let Some(t) = self.env.templates.get_mut(tid as usize) {
            t.instances.insert(args.clone(), f);
        }
        self.pending.push(PendingInstance {
            func: f,
            template: tid,
            args,
            depth: self.inst_depth + 1,
            site,
        });
        f
    }

    // ------------------------------------------------------------ bodies

    /// The syntax of template `tid`: from its source's syntax tree when
    /// that is at hand, else its declaration parsed alone (the prelude's
    /// templates when its interface was loaded, an earlier REPL input's),
    /// else its whole source parsed again.
    pub(super) fn template_decl(&mut self, tid: u32) -> Option<&'a ast::FnDecl<'a>> {
        let t = self.env.templates.get(tid as usize)?;
        let (source, item, method, syntax) = (t.source, t.item, t.method, t.syntax);
        if !self.programs.contains_key(&source) {
            if let Some(decl) = self.template_syntax.get(&tid) {
                return Some(*decl);
            }
            if let Some(decl) = self.parse_template(source, syntax) {
                if self.env.prelude_source == Some(source) {
                    super::prelude::count_parsed_function();
                }
                self.template_syntax.insert(tid, decl);
                return Some(decl);
            }
        }
        let program = self.program_of(source)?;
        match (program.items.get(item as usize)?, method) {
            (ast::Item::Fn(f), None) => Some(f),
            (ast::Item::Impl(i), Some(m)) => i.methods.get(m as usize),
            _ => None,
        }
    }

    /// The function declared at `syntax` in source `id`, parsed alone:
    /// `None` unless that text is exactly one function that parses without
    /// errors (the whole source is then parsed again instead).
    pub(super) fn parse_template(&mut self, id: u32, syntax: Span) -> Option<&'a ast::FnDecl<'a>> {
        let text = match self.texts.get(&id) {
            Some(t) => *t,
            None => {
                let t: &'a str = self.arena.alloc_str(self.env.sources.get(id as usize)?);
                self.texts.insert(id, t);
                t
            }
        };
        text.get(syntax.start..syntax.end)?;
        let mut diags = Vec::new();
        let program = crate::parser::parse_range(self.arena, text, syntax, &mut diags);
        match program.items {
            [ast::Item::Fn(f)] if diags.is_empty() && f.test.is_none() => Some(*f),
            _ => None,
        }
    }

    /// The syntax tree of source `id`: the one being checked, or an earlier
    /// one (a REPL input, the prelude) parsed again.
    fn program_of(&mut self, id: u32) -> Option<&'a ast::Program<'a>> {
        if let Some(p) = self.programs.get(&id) {
            return Some(*p);
        }
        if self.env.prelude_source == Some(id) {
            super::prelude::count_parsed_whole();
        }
        let text = self.env.sources.get(id as usize)?.clone();
        let text: &'a str = self.arena.alloc_str(&text);
        let mut diags = Vec::new();
        let program: &'a ast::Program<'a> = self
            .arena
            .alloc(crate::parser::parse(self.arena, text, &mut diags));
        self.programs.insert(id, program);
        Some(program)
    }

    /// Checks every template declared from `first` on with its parameters
    /// opaque, then rolls back what that created.
    pub(super) fn check_templates(&mut self, first: usize) {
        for tid in first..self.env.templates.len() {
            let tid = u32::try_from(tid).unwrap_or(u32::MAX);
            let Some(decl) = self.template_decl(tid) else {
                continue;
            };
            let Some(t) = self.env.templates.get(tid as usize) else {
                continue;
            };
            let (params, sig) = (t.params.clone(), t.sig.clone());
            let snap = self.snapshot();
            let errors = self.diags.len();
            let slot = self.new_func_slot(sig);
            let scope = self.param_scope(&params);
            let old = self.enter_params(scope);
            let was = std::mem::replace(&mut self.dry_run, true);
            self.function_body(slot, decl, None);
            self.dry_run = was;
            self.type_scope = old;
            self.rollback(snap);
            if self.diags.len() > errors {
                self.failed_templates.push(tid);
            }
        }
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            structs: self.env.structs.len(),
            enums: self.env.enums.len(),
            sigs: self.env.sigs.len(),
            capture_origins: self.capture_origins.len(),
        }
    }

    fn rollback(&mut self, s: Snapshot) {
        self.env.structs.truncate(s.structs);
        self.env.enums.truncate(s.enums);
        self.env.sigs.truncate(s.sigs);
        self.bodies.truncate(s.sigs);
        self.capture_origins.truncate(s.capture_origins);
        let (ns, ne) = (s.structs as DeclId, s.enums as DeclId);
        self.env.struct_instances.retain(|_, id| *id < ns);
        self.env.enum_instances.retain(|_, id| *id < ne);
        self.env.tuples.retain(|_, id| *id < ns);
    }

    /// Checks the bodies of the instances requested so far, and of those
    /// they request in turn.
    pub(super) fn drain_instances(&mut self) {
        while let Some(p) = self.pending.pop() {
            if self.failed_templates.contains(&p.template) {
                continue;
            }
            let Some(decl) = self.template_decl(p.template) else {
                continue;
            };
            let Some(t) = self.env.templates.get(p.template as usize) else {
                continue;
            };
            let (params, source, tname) = (t.params.clone(), t.source, t.name.clone());
            let scope: Vec<(String, Type)> = params
                .iter()
                .zip(&p.args)
                .map(|(&q, a)| (self.param_name_of(q), a.clone()))
                .collect();
            let old = self.enter_params(scope);
            let depth = std::mem::replace(&mut self.inst_depth, p.depth);
            let foreign = source != self.cur_source;
            let home = self.cur_source;
            if foreign {
                self.switch_source(source);
            }
            let errors = self.diags.len();
            self.function_body(p.func, decl, None);
            if foreign {
                self.switch_source(home);
                // Spans of another source cannot be shown against this
                // one: the first message is reported where the instance
                // was asked for.
                let found: Vec<_> = self.diags.drain(errors..).collect();
                if let Some(first) = found.first() {
                    let msg = format!("in `{tname}`, instantiated here: {}", first.message);
                    self.error(p.site, msg);
                }
            }
            self.inst_depth = depth;
            self.type_scope = old;
        }
    }
}

/// The bindings of `params` to `args`, pairwise.
pub(super) fn bindings_of(params: &[Type], args: &[Type]) -> Vec<(ParamId, Type)> {
    params
        .iter()
        .zip(args)
        .filter_map(|(p, a)| match p {
            Type::Param(id) => Some((*id, a.clone())),
            _ => None,
        })
        .collect()
}

/// The bindings of template parameters to their arguments, pairwise.
fn pairs(params: &[ParamId], args: &[Type]) -> Vec<(ParamId, Type)> {
    params.iter().copied().zip(args.iter().cloned()).collect()
}

/// Whether `t` mentions one of `params`.
fn mentions(t: &Type, params: &[ParamId], c: &Checker) -> bool {
    if params.is_empty() {
        return false;
    }
    match t {
        Type::Param(p) => params.contains(p),
        Type::Array(e) => mentions(e, params, c),
        Type::Map(k, v) => mentions(k, params, c) || mentions(v, params, c),
        Type::Fn(ps, r) => ps.iter().any(|p| mentions(p, params, c)) || mentions(r, params, c),
        Type::Struct(i) => match &c.env.structs.get(*i as usize).map(|s| &s.origin) {
            Some(Origin::Template(a) | Origin::Instance(_, a)) => {
                a.iter().any(|x| mentions(x, params, c))
            }
            Some(Origin::Tuple) => c
                .env
                .structs
                .get(*i as usize)
                .is_some_and(|s| s.fields.iter().any(|(_, x)| mentions(x, params, c))),
            _ => false,
        },
        Type::Enum(i) => match &c.env.enums.get(*i as usize).map(|e| &e.origin) {
            Some(Origin::Template(a) | Origin::Instance(_, a)) => {
                a.iter().any(|x| mentions(x, params, c))
            }
            _ => false,
        },
        _ => false,
    }
}
