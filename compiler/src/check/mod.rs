//! Name resolution and type checking: AST to typed IR.
//!
//! The checker runs in passes over the file so that declarations may appear
//! in any order (the first three, the declaration passes, are in `decls`):
//! 1. `declare_types` names every struct, enum and trait;
//! 2. `define_types` resolves their fields, payloads and method signatures;
//! 3. `declare_functions` gives every function and method its signature and
//!    index, and checks `impl Trait for Struct` against the trait;
//! 4. the top-level statements are checked in order as the body of the entry
//!    function (top-level `let`/`var` become globals as they are met, so top
//!    level code cannot use a global before its declaration);
//! 5. every function body is checked (all globals are visible there).
//!
//! Errors never stop the checker: an erroneous expression gets the type
//! `Error`, which is compatible with everything, so each mistake is reported
//! once and the rest of the file is still checked.
//!
//! The declaration tables live in `Env`, separate from the per-function state,
//! so that a REPL session (`crate::session`) keeps an `Env` between inputs
//! and checks each new input against it with `check_input`: the input's
//! functions are numbered after the earlier ones, its declarations are
//! appended, and a function of an earlier input may get a new body under
//! its old index.

mod asserts;
mod builtins;
mod decls;
mod equality;
mod expr;
mod format_spec;
mod generic_calls;
pub mod generics;
pub mod interface;
mod interp;
mod lints;
mod loops;
pub mod prelude;
mod tuples;

pub(crate) use builtins::prelude_names;
mod pattern;
mod stmt;
mod test_fns;

use crate::ast::{self, Span};
use crate::diag::Diagnostic;
use crate::tir::{self, CaptureFrom, FuncIdx, LocalId};
use crate::types::{display, DeclId, DeclNames, ParamId, Type};
use generics::{FnTemplate, ParamInfo, PendingInstance};
use std::collections::HashMap;
use std::sync::Arc;

/// How deeply expressions and blocks may nest. The checker and lowering
/// recurse once per level, using a few kilobytes of stack per level in
/// debug builds; 200 levels stay well inside the 2 MiB stack of a test or
/// spawned thread while being far deeper than any program a person writes
/// (deeper input is almost certainly generated or hostile).
pub const MAX_NESTING: usize = 200;

/// A name that denotes a declared type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TypeDecl {
    Struct(DeclId),
    Enum(DeclId),
    Trait(DeclId),
}

/// The signature of a named function or method.
#[derive(Debug, Clone)]
pub struct FnSig {
    pub name: String,
    /// All parameter types, the receiver first for methods.
    pub params: Vec<Type>,
    pub ret: Type,
    pub has_self: bool,
}

/// Global declarations: what persists between the inputs of a REPL session
/// (see `crate::session`).
#[derive(Debug, Default, Clone)]
pub struct Env {
    pub structs: Vec<tir::StructInfo>,
    pub enums: Vec<tir::EnumInfo>,
    pub traits: Vec<tir::TraitInfo>,
    pub impls: Vec<tir::ImplInfo>,
    pub type_names: HashMap<String, TypeDecl>,
    pub globals: Vec<tir::Global>,
    /// Whether each global was declared with `var`.
    pub global_mutable: Vec<bool>,
    pub global_names: HashMap<String, u32>,
    /// Signatures by function index (closures included, with their types).
    pub sigs: Vec<FnSig>,
    pub functions: HashMap<String, FuncIdx>,
    /// Methods with `self`, by receiver type and name.
    pub methods: HashMap<(Type, String), Vec<FuncIdx>>,
    /// Everything callable as `Type::name(...)`.
    pub statics: HashMap<(String, String), FuncIdx>,
    /// Type parameters of every generic declaration, by `ParamId`.
    pub params: Vec<ParamInfo>,
    /// Instances of generic structs and enums by template and arguments,
    /// and tuple types by their elements (see `generics`).
    pub struct_instances: HashMap<(DeclId, Vec<Type>), DeclId>,
    pub enum_instances: HashMap<(DeclId, Vec<Type>), DeclId>,
    pub tuples: HashMap<Vec<Type>, DeclId>,
    /// Generic functions and methods of generic `impl`s.
    pub templates: Vec<FnTemplate>,
    /// Generic functions by name.
    pub generic_functions: HashMap<String, u32>,
    /// Generic methods with `self`, by the receiver's declaration (for an
    /// instance, its template: `Type::Struct(template)`) and name.
    pub generic_methods: HashMap<(Type, String), u32>,
    /// Generic functions callable as `Type::name(...)`.
    pub generic_statics: HashMap<(String, String), u32>,
    /// The text of every source whose templates are kept: templates are
    /// found again by parsing their source (a REPL input's syntax tree does
    /// not outlive the input).
    pub sources: Vec<Arc<str>>,
    /// Instances made so far (bounded by `generics::MAX_INSTANCES`).
    pub instance_count: usize,
    /// Which of `sources` is the prelude (`prelude`), once declared.
    pub prelude_source: Option<u32>,
    /// The prelude's variants by name, for `Some(x)` written alone.
    pub prelude_variants: HashMap<String, DeclId>,
    /// The comparison function of each tuple and enum type that `==`
    /// has compared so far (`equality`).
    pub eq_functions: HashMap<Type, FuncIdx>,
    /// The `index_of` of arrays of each tuple and enum type searched so
    /// far (`equality`).
    pub search_functions: HashMap<Type, FuncIdx>,
}

impl DeclNames for Env {
    fn struct_name(&self, id: DeclId) -> &str {
        self.structs
            .get(id as usize)
            .map_or("?", |s| s.name.as_str())
    }
    fn enum_name(&self, id: DeclId) -> &str {
        self.enums.get(id as usize).map_or("?", |s| s.name.as_str())
    }
    fn trait_name(&self, id: DeclId) -> &str {
        self.traits
            .get(id as usize)
            .map_or("?", |s| s.name.as_str())
    }
    fn param_name(&self, id: ParamId) -> &str {
        self.params
            .get(id as usize)
            .map_or("?", |s| s.name.as_str())
    }
}

/// A local variable while its function is being checked.
#[derive(Debug, Clone)]
struct LocalState {
    name: String,
    ty: Type,
    mutable: bool,
    /// Why it cannot be assigned, when it cannot ("loop variable", ...).
    kind: &'static str,
    captured: bool,
    assigned: bool,
    /// Read somewhere (an assignment to it is not a read).
    used: bool,
    /// Which warnings it may get.
    lint: lints::Lint,
    /// Where it is declared.
    span: Span,
}

/// The function being checked: its locals, scopes and captures.
struct FnState {
    idx: FuncIdx,
    ret: Type,
    locals: Vec<LocalState>,
    scopes: Vec<HashMap<String, LocalId>>,
    captures: Vec<tir::Capture>,
    /// For each capture: the function and local it ultimately refers to.
    capture_origin: Vec<(FuncIdx, LocalId)>,
    /// One entry per enclosing loop: whether it contains a `break`.
    loops: Vec<bool>,
    is_entry: bool,
}

/// What a name in an expression refers to.
enum Resolved {
    Local(LocalId, Type),
    Capture(u32, Type),
    Global(u32, Type),
    Function(FuncIdx),
    None,
}

pub struct Checker<'a> {
    /// The text being checked: the program, or the source of an instance's
    /// template while that instance is checked.
    source: Arc<str>,
    line_starts: Vec<usize>,
    /// Which of `env.sources` `source` is.
    cur_source: u32,
    /// Where sources parsed again (for their templates) live.
    arena: &'a bumpalo::Bump,
    /// The syntax trees of sources by id.
    programs: HashMap<u32, &'a ast::Program<'a>>,
    /// Templates whose source has no syntax tree here, each parsed alone
    /// (`generics::template_decl`).
    template_syntax: HashMap<u32, &'a ast::FnDecl<'a>>,
    /// The text of those sources, copied into `arena` once.
    texts: HashMap<u32, &'a str>,
    /// What type parameter names mean here: `Param`s while a generic
    /// declaration itself is checked, concrete types in an instance.
    type_scope: Vec<(String, Type)>,
    /// Checking a generic declaration with opaque parameters: its code is
    /// thrown away, and calls of generic functions are not instantiated.
    dry_run: bool,
    /// Instances whose bodies are still to be checked.
    pending: Vec<PendingInstance>,
    /// How many instances requested each other down to the one checked.
    inst_depth: usize,
    /// How deeply instances of generic types are being made.
    type_nesting: usize,
    /// The instance limits were reported (once).
    instances_reported: bool,
    /// Where the type being resolved or instantiated was written.
    site: Span,
    /// Templates whose own check failed: their instances are not checked
    /// (their errors are reported once, by that check).
    failed_templates: Vec<u32>,
    diags: Vec<Diagnostic>,
    pub env: Env,
    /// Finished function bodies by index; `None` until checked.
    bodies: Vec<Option<tir::Function>>,
    stack: Vec<FnState>,
    depth: usize,
    depth_reported: bool,
    /// For each finished function: where each of its captures comes from.
    capture_origins: Vec<(FuncIdx, Vec<(FuncIdx, LocalId)>)>,
    /// Checking one input of a REPL session: `main` is an ordinary function,
    /// a final expression statement keeps its value, and functions of
    /// earlier inputs may be redefined with the same signature.
    repl: bool,
    /// The first function index of this input (0 for a whole file).
    first_func: FuncIdx,
    /// Functions of earlier inputs whose bodies this input replaces.
    replaced: Vec<FuncIdx>,
    /// The test functions declared (`test fn`).
    tests: Vec<test_fns::TestFn>,
    /// The test the entry function runs instead of `main` (`lang test`).
    test_entry: Option<String>,
    /// Warnings found so far (`lints`).
    warnings: Vec<Diagnostic>,
    /// The named functions some code refers to.
    used_fns: std::collections::HashSet<FuncIdx>,
    /// Resolving the target of an assignment, which does not read it.
    resolving_place: bool,
}

/// What checking one REPL input found (see `Checker::input`).
#[derive(Debug, Clone)]
pub struct InputInfo {
    /// The function holding the input's top-level statements.
    pub entry: FuncIdx,
    /// The hidden global that receives the value of the input's final
    /// expression statement, with the value's type.
    pub value: Option<(u32, Type)>,
    /// The type of the final expression statement, also when it has no value
    /// (`Void`, `Never`).
    pub last_expr: Option<Type>,
    /// What the input declares, as `fn fib`, `struct Vec2`, `let x: int`.
    pub defined: Vec<String>,
    /// Functions of earlier inputs given new bodies (same index).
    pub replaced: Vec<FuncIdx>,
}

/// The typed functions of one REPL input, for `lower::Lowering::add_input`.
#[derive(Debug, Clone)]
pub struct InputProgram {
    /// The index of `functions[0]`: the functions of an input are numbered
    /// consecutively after those of earlier inputs.
    pub first_func: FuncIdx,
    pub functions: Vec<tir::Function>,
    /// New bodies for functions of earlier inputs (same signature).
    pub replaced: Vec<(FuncIdx, tir::Function)>,
}

/// Checks one REPL input against `env`, which it extends. Returns the
/// extended environment, what the input defines and its typed functions;
/// `entry_name` names the input's top-level function and `value_name` the
/// hidden global for the value of a final expression statement. On errors
/// (appended to `diags`) the returned environment must be discarded.
pub fn check_input<'p>(
    program: &'p ast::Program<'p>,
    source: &str,
    env: Env,
    entry_name: &str,
    value_name: &str,
    diags: &mut Vec<Diagnostic>,
) -> (Env, InputInfo, InputProgram) {
    let arena = bumpalo::Bump::new();
    let mut c = Checker::with_env(source, env, &arena);
    let info = c.input(program, entry_name, value_name);
    diags.append(&mut c.diags);
    let (env, code) = c.finish_input();
    (env, info, code)
}

/// The declarations every REPL session starts from: the prelude's.
pub fn prelude_env() -> Env {
    let arena = bumpalo::Bump::new();
    let mut c = Checker::new("", &arena);
    c.load_prelude(false);
    c.env
}

/// Checks a parsed program, appending errors to `diags`.
pub fn check_program<'p>(
    program: &'p ast::Program<'p>,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) -> tir::Program {
    check_program_with(program, source, None, diags, &mut Vec::new())
}

/// Checks a parsed program whose entry function runs the test function
/// `test` (when given) instead of `main`, appending errors to `diags` and
/// warnings to `warnings`.
pub fn check_program_with<'p>(
    program: &'p ast::Program<'p>,
    source: &str,
    test: Option<&str>,
    diags: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> tir::Program {
    let arena = bumpalo::Bump::new();
    let mut c = Checker::new(source, &arena);
    c.test_entry = test.map(str::to_string);
    c.load_prelude(false);
    c.program(program);
    diags.append(&mut c.diags);
    warnings.append(&mut c.finish_warnings());
    c.finish()
}

/// Where each line of `source` starts.
fn line_starts(source: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

impl<'a> Checker<'a> {
    pub fn new(source: &str, arena: &'a bumpalo::Bump) -> Checker<'a> {
        let source: Arc<str> = Arc::from(source);
        let mut env = Env::default();
        env.sources.push(source.clone());
        Checker {
            line_starts: line_starts(&source),
            source,
            cur_source: 0,
            arena,
            programs: HashMap::new(),
            template_syntax: HashMap::new(),
            texts: HashMap::new(),
            type_scope: Vec::new(),
            dry_run: false,
            pending: Vec::new(),
            inst_depth: 0,
            type_nesting: 0,
            instances_reported: false,
            site: Span::default(),
            failed_templates: Vec::new(),
            diags: Vec::new(),
            env,
            bodies: Vec::new(),
            stack: Vec::new(),
            depth: 0,
            depth_reported: false,
            capture_origins: Vec::new(),
            repl: false,
            first_func: 0,
            replaced: Vec::new(),
            tests: Vec::new(),
            test_entry: None,
            warnings: Vec::new(),
            used_fns: std::collections::HashSet::new(),
            resolving_place: false,
        }
    }

    /// A checker that continues from the declarations of `env`.
    pub fn with_env(source: &str, env: Env, arena: &'a bumpalo::Bump) -> Checker<'a> {
        let mut c = Checker::new(source, arena);
        c.bodies = (0..env.sigs.len()).map(|_| None).collect();
        c.first_func = FuncIdx::try_from(env.sigs.len()).unwrap_or(FuncIdx::MAX);
        c.env = env;
        c.cur_source = u32::try_from(c.env.sources.len()).unwrap_or(u32::MAX);
        c.env.sources.push(c.source.clone());
        c
    }

    /// Makes source `id` the one spans and lines refer to.
    fn switch_source(&mut self, id: u32) {
        if let Some(text) = self.env.sources.get(id as usize).cloned() {
            self.line_starts = line_starts(&text);
            self.source = text;
            self.cur_source = id;
        }
    }

    // ------------------------------------------------------------ utilities

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, message.into()));
    }

    fn error_note(&mut self, span: Span, message: impl Into<String>, note: impl Into<String>) {
        self.diags
            .push(Diagnostic::error(span, message.into()).with_note(note));
    }

    fn line(&self, span: Span) -> u32 {
        // The prelude has no line in the program's file.
        if self.in_prelude() {
            return 0;
        }
        let line = match self.line_starts.binary_search(&span.start) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    fn show(&self, ty: &Type) -> String {
        format!("`{}`", display(ty, &self.env))
    }

    fn source_text(&self, span: Span) -> &str {
        self.source.get(span.start..span.end).unwrap_or("")
    }

    /// Enters one level of nesting; false (after one diagnostic) when the
    /// nesting limit is exceeded and the caller must not recurse.
    fn enter(&mut self, span: Span) -> bool {
        if self.depth >= MAX_NESTING {
            if !self.depth_reported {
                self.depth_reported = true;
                self.error(
                    span,
                    format!("expression nested too deeply (the limit is {MAX_NESTING} levels)"),
                );
            }
            return false;
        }
        self.depth += 1;
        true
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn new_func_slot(&mut self, sig: FnSig) -> FuncIdx {
        let idx = FuncIdx::try_from(self.env.sigs.len()).unwrap_or(FuncIdx::MAX);
        self.env.sigs.push(sig);
        self.bodies.push(None);
        idx
    }

    // ------------------------------------------------------------ types

    /// Resolves a written type; reports unknown names.
    fn resolve_type(&mut self, t: &ast::TypeExpr) -> Type {
        if !self.enter(t.span()) {
            return Type::Error;
        }
        let r = self.resolve_type_inner(t);
        self.leave();
        r
    }

    fn resolve_type_inner(&mut self, t: &ast::TypeExpr) -> Type {
        match t {
            ast::TypeExpr::Named(id) => match id.name {
                name if self.type_scope.iter().any(|(n, _)| n == name) => self
                    .type_scope
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map_or(Type::Error, |(_, t)| t.clone()),
                "int" => Type::Int,
                "float" => Type::Float,
                "bool" => Type::Bool,
                "str" => Type::Str,
                name => match self.env.type_names.get(name).copied() {
                    Some(d) if self.template_params(d).is_some() => {
                        let n = self.template_params(d).map_or(0, |p| p.len());
                        let shown: Vec<String> = self
                            .template_params(d)
                            .unwrap_or_default()
                            .iter()
                            .map(|p| display(p, &self.env))
                            .collect();
                        self.error(
                            id.span,
                            format!(
                                "`{name}` takes {n} type argument{}: write `{name}<{}>`",
                                if n == 1 { "" } else { "s" },
                                shown.join(", ")
                            ),
                        );
                        Type::Error
                    }
                    Some(TypeDecl::Struct(i)) => Type::Struct(i),
                    Some(TypeDecl::Enum(i)) => Type::Enum(i),
                    Some(TypeDecl::Trait(i)) => Type::Trait(i),
                    None => {
                        self.error(id.span, format!("unknown type `{name}`"));
                        Type::Error
                    }
                },
            },
            ast::TypeExpr::Array(e, _) => Type::array(self.resolve_type(e)),
            ast::TypeExpr::Map(k, v, _) => {
                let kt = self.resolve_type(k);
                if !kt.is_key() {
                    self.error(
                        k.span(),
                        format!(
                            "map keys must be `int`, `str` or `bool`, not {}",
                            self.show(&kt)
                        ),
                    );
                }
                let vt = self.resolve_type(v);
                Type::map(kt, vt)
            }
            ast::TypeExpr::Fn(ps, r, _) => {
                let ps = ps.iter().map(|p| self.resolve_type(p)).collect();
                let r = match r {
                    Some(r) => self.resolve_type(r),
                    None => Type::Void,
                };
                Type::Fn(ps, Box::new(r))
            }
            ast::TypeExpr::Generic(id, args, _) => self.resolve_generic(*id, args),
            ast::TypeExpr::Tuple(elems, span) => {
                let elems = elems.iter().map(|e| self.resolve_type(e)).collect();
                self.site = *span;
                self.tuple_type(elems)
            }
        }
    }

    fn resolve_ret(&mut self, r: Option<&ast::TypeExpr>) -> Type {
        match r {
            Some(t) => self.resolve_type(t),
            None => Type::Void,
        }
    }

    /// Whether struct `s` implements trait `t`.
    fn implements(&self, s: DeclId, t: DeclId) -> bool {
        self.env
            .impls
            .iter()
            .any(|i| i.struct_id == s && i.trait_id == t)
    }

    /// Whether `nil` is a value of `t`: of a nullable type other than a
    /// tuple (tuples are values, never `nil`; `spec/language.md` §2.3).
    fn admits_nil(&self, t: &Type) -> bool {
        t.is_nullable() && self.tuple_elems(t).is_none()
    }

    /// Converts `e` to type `want` or reports a mismatch. Handles the only
    /// implicit conversions the language has: `nil` to a nullable type and a
    /// struct to a trait it implements.
    fn coerce(&mut self, mut e: tir::Expr, want: &Type, span: Span) -> tir::Expr {
        if e.ty == *want || e.ty.is_error() || want.is_error() || e.ty == Type::Never {
            return e;
        }
        match (&e.ty, want) {
            (Type::Nil, w) if self.admits_nil(w) => {
                e.ty = w.clone();
                // A nil literal typed by context; nested nil-typed values
                // (like an `if` whose branches are both nil) keep their
                // kind and are retyped at the top.
                e
            }
            (Type::Struct(s), Type::Trait(t)) if self.implements(*s, *t) => {
                let (line, span) = (e.line, e.span);
                tir::Expr {
                    kind: tir::ExprKind::Upcast(Box::new(e)),
                    ty: want.clone(),
                    line,
                    span,
                }
            }
            (Type::Struct(s), Type::Trait(t)) => {
                let msg = format!(
                    "`{}` does not implement trait `{}`",
                    self.env.struct_name(*s),
                    self.env.trait_name(*t)
                );
                self.error(span, msg);
                e.ty = Type::Error;
                e
            }
            (Type::Void, _) => {
                self.error(span, "this expression has no value");
                e.ty = Type::Error;
                e
            }
            _ => {
                let msg = format!(
                    "mismatched types: expected {}, found {}",
                    self.show(want),
                    self.show(&e.ty)
                );
                self.error(span, msg);
                e.ty = Type::Error;
                e
            }
        }
    }

    // ------------------------------------------------------------ scopes

    fn cur(&mut self) -> &mut FnState {
        // The stack is never empty while expressions are checked: every
        // expression sits in the entry function or a function body.
        if self.stack.is_empty() {
            self.stack.push(FnState::new(0, Type::Void, true));
        }
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    fn push_scope(&mut self) {
        self.cur().scopes.push(HashMap::new());
    }

    fn pop_scope(&mut self) {
        self.cur().scopes.pop();
    }

    fn declare_local(
        &mut self,
        name: &str,
        ty: Type,
        mutable: bool,
        kind: &'static str,
        span: Span,
    ) -> LocalId {
        let f = self.cur();
        let id = LocalId::try_from(f.locals.len()).unwrap_or(LocalId::MAX);
        f.locals.push(LocalState {
            name: name.to_string(),
            ty,
            mutable,
            kind,
            captured: false,
            assigned: false,
            used: false,
            lint: lints::Lint::for_name(name),
            span,
        });
        if let Some(scope) = f.scopes.last_mut() {
            scope.insert(name.to_string(), id);
        }
        id
    }

    /// Finds what `name` means here, threading captures through every
    /// closure between the use and the declaring function.
    fn resolve_name(&mut self, name: &str) -> Resolved {
        let top = self.stack.len();
        for level in (0..top).rev() {
            let found = self.stack[level]
                .scopes
                .iter()
                .rev()
                .find_map(|s| s.get(name).copied());
            let Some(id) = found else { continue };
            let reading = !self.resolving_place;
            let local = &mut self.stack[level].locals[id as usize];
            local.used |= reading;
            let ty = local.ty.clone();
            if level + 1 == top {
                return Resolved::Local(id, ty);
            }
            self.stack[level].locals[id as usize].captured = true;
            let origin = (self.stack[level].idx, id);
            let mut from = CaptureFrom::Local(id);
            for inner in level + 1..top {
                let f = &mut self.stack[inner];
                let existing = f.captures.iter().position(|c| c.from == from);
                let ci = match existing {
                    Some(i) => i as u32,
                    None => {
                        f.captures.push(tir::Capture {
                            from,
                            ty: ty.clone(),
                            in_cell: false,
                        });
                        f.capture_origin.push(origin);
                        (f.captures.len() - 1) as u32
                    }
                };
                from = CaptureFrom::Capture(ci);
            }
            return match from {
                CaptureFrom::Capture(i) => Resolved::Capture(i, ty),
                CaptureFrom::Local(i) => Resolved::Local(i, ty),
            };
        }
        if let Some(&g) = self.env.global_names.get(name) {
            let ty = self.env.globals[g as usize].ty.clone();
            return Resolved::Global(g, ty);
        }
        if let Some(&f) = self.env.functions.get(name) {
            self.used_fns.insert(f);
            return Resolved::Function(f);
        }
        Resolved::None
    }

    /// The local a capture of the current function ultimately refers to.
    fn capture_origin_mut(&mut self, capture: u32) -> Option<&mut LocalState> {
        let (func, local) = *self.stack.last()?.capture_origin.get(capture as usize)?;
        let f = self.stack.iter_mut().find(|f| f.idx == func)?;
        f.locals.get_mut(local as usize)
    }

    // ------------------------------------------------------------ program

    fn program(&mut self, p: &'a ast::Program<'a>) {
        self.programs.insert(self.cur_source, p);
        let templates = self.env.templates.len();
        // Index 0 is the entry function.
        self.new_func_slot(FnSig {
            name: "<top-level>".into(),
            params: vec![],
            ret: Type::Void,
            has_self: false,
        });
        let bases = self.decl_counts();
        self.declare_types(p);
        self.define_types(p, bases);
        let bodies = self.declare_functions(p);

        // Top-level statements, in order, as the entry function's body.
        self.stack.push(FnState::new(0, Type::Void, true));
        let mut stmts = Vec::new();
        for item in p.items {
            if let ast::Item::Stmt(s) = item {
                if let Some(s) = self.top_level_stmt(s) {
                    stmts.push(s);
                }
            }
        }
        let end_line = self.line(Span::new(self.source.len(), self.source.len()));
        if let Some(test) = self.test_entry.clone() {
            stmts.extend(self.call_of_test(&test));
        } else if let Some(&main) = self.env.functions.get("main") {
            let sig = &self.env.sigs[main as usize];
            let span = p
                .items
                .iter()
                .find_map(|i| match i {
                    ast::Item::Fn(f) if f.sig.name.name == "main" => Some(f.sig.name.span),
                    _ => None,
                })
                .unwrap_or_default();
            if !sig.params.is_empty() || sig.ret != Type::Void {
                self.error(span, "`main` must take no parameters and return nothing");
            } else {
                // The implicit call of `main` is attributed to its
                // declaration, so that stack traces point at real source.
                let main_line = self.line(span);
                stmts.push(tir::Stmt {
                    kind: tir::StmtKind::Expr(tir::Expr {
                        kind: tir::ExprKind::Call(main, vec![]),
                        ty: Type::Void,
                        line: main_line,
                        span,
                    }),
                    line: main_line,
                    span,
                });
            }
        }
        let body = tir::Block { stmts, value: None };
        self.finish_function(body, end_line, Span::default());

        for (idx, decl, self_ty) in bodies {
            self.function_body(idx, decl, self_ty);
        }
        self.check_templates(templates);
        self.drain_instances();
        self.lint_functions(p);
    }

    /// Checks one input of a REPL session against the environment so far.
    /// Like a file, but `main` is not special, and the value of a final
    /// expression statement (with or without `;`) is stored in a new hidden
    /// global named `value_name`.
    pub fn input(
        &mut self,
        p: &'a ast::Program<'a>,
        entry_name: &str,
        value_name: &str,
    ) -> InputInfo {
        self.programs.insert(self.cur_source, p);
        let templates = self.env.templates.len();
        self.repl = true;
        self.first_func = FuncIdx::try_from(self.env.sigs.len()).unwrap_or(FuncIdx::MAX);
        let entry = self.new_func_slot(FnSig {
            name: entry_name.into(),
            params: vec![],
            ret: Type::Void,
            has_self: false,
        });
        let bases = self.decl_counts();
        self.declare_types(p);
        self.define_types(p, bases);
        let bodies = self.declare_functions(p);

        self.stack.push(FnState::new(entry, Type::Void, true));
        let mut stmts = Vec::new();
        let mut value = None;
        let mut last_expr = None;
        let mut let_types = Vec::new();
        let last = p.items.len().checked_sub(1);
        for (i, item) in p.items.iter().enumerate() {
            let ast::Item::Stmt(s) = item else { continue };
            match s.kind {
                ast::StmtKind::Expr { expr, .. } if Some(i) == last => {
                    // As in a block, a final `if`/`match` gives its value.
                    let e = self.expr_in(expr, None, true);
                    last_expr = Some(e.ty.clone());
                    let (line, span) = (e.line, e.span);
                    if e.ty.is_value() && !e.ty.is_error() {
                        let g = self.new_global(value_name, e.ty.clone(), false);
                        value = Some((g, e.ty.clone()));
                        stmts.push(tir::Stmt {
                            kind: tir::StmtKind::Assign(tir::Place::Global(g), None, e),
                            line,
                            span,
                        });
                    } else {
                        stmts.push(tir::Stmt {
                            kind: tir::StmtKind::Expr(e),
                            line,
                            span,
                        });
                    }
                }
                ast::StmtKind::Let { mutable, name, .. } => {
                    if let Some(st) = self.top_level_stmt(s) {
                        stmts.push(st);
                    }
                    let ty = self
                        .env
                        .globals
                        .last()
                        .map_or(Type::Error, |g| g.ty.clone());
                    let word = if mutable { "var" } else { "let" };
                    let_types.push(format!("{word} {}: {}", name.name, display(&ty, &self.env)));
                }
                _ => {
                    if let Some(st) = self.top_level_stmt(s) {
                        stmts.push(st);
                    }
                }
            }
        }
        let end_line = self.line(Span::new(self.source.len(), self.source.len()));
        let body = tir::Block { stmts, value: None };
        self.finish_function(body, end_line, Span::default());

        for (idx, decl, self_ty) in bodies {
            self.function_body(idx, decl, self_ty);
        }
        self.check_templates(templates);
        self.drain_instances();

        let mut lets = let_types.into_iter();
        let defined = p
            .items
            .iter()
            .filter_map(|item| match item {
                ast::Item::Fn(f) => Some(format!("fn {}", f.sig.name.name)),
                ast::Item::Struct(s) => Some(format!("struct {}", s.name.name)),
                ast::Item::Enum(e) => Some(format!("enum {}", e.name.name)),
                ast::Item::Trait(t) => Some(format!("trait {}", t.name.name)),
                ast::Item::Impl(i) => Some(match i.trait_name {
                    Some(t) => format!("impl {} for {}", t.name, i.target.name),
                    None => format!("impl {}", i.target.name),
                }),
                ast::Item::Stmt(ast::Stmt {
                    kind: ast::StmtKind::Let { .. },
                    ..
                }) => lets.next(),
                ast::Item::Stmt(_) => None,
            })
            .collect();
        InputInfo {
            entry,
            value,
            last_expr,
            defined,
            replaced: self.replaced.clone(),
        }
    }

    /// Adds a global and makes its name refer to it (shadowing any earlier
    /// global of that name).
    fn new_global(&mut self, name: &str, ty: Type, mutable: bool) -> u32 {
        let g = u32::try_from(self.env.globals.len()).unwrap_or(u32::MAX);
        self.env.globals.push(tir::Global {
            name: name.to_string(),
            ty,
        });
        self.env.global_mutable.push(mutable);
        self.env.global_names.insert(name.to_string(), g);
        g
    }

    fn top_level_stmt(&mut self, s: &ast::Stmt) -> Option<tir::Stmt> {
        if let ast::StmtKind::Let {
            mutable,
            name,
            ty,
            init,
        } = s.kind
        {
            // A top-level binding is a global.
            let (init, ty) = self.let_init(ty, init, name);
            let g = self.new_global(name.name, ty, mutable);
            let line = self.line(s.span);
            return Some(tir::Stmt {
                kind: tir::StmtKind::Assign(tir::Place::Global(g), None, init),
                line,
                span: s.span,
            });
        }
        self.stmt(s)
    }

    /// Checks one named function or method body.
    fn function_body(&mut self, idx: FuncIdx, decl: &ast::FnDecl, self_ty: Option<Type>) {
        let sig = self.env.sigs[idx as usize].clone();
        self.stack.push(FnState::new(idx, sig.ret.clone(), false));
        self.push_scope();
        let mut types = sig.params.iter();
        if sig.has_self {
            let t = types.next().cloned().unwrap_or(Type::Error);
            let span = decl.sig.self_param.unwrap_or(decl.sig.name.span);
            self.declare_local("self", t, false, "`self`", span);
        } else if let (Some(span), Some(_)) = (decl.sig.self_param, &self_ty) {
            // A method without `self` is a static function; nothing to bind.
            let _ = span;
        }
        for (p, t) in decl.sig.params.iter().zip(types) {
            self.check_param_name(p);
            let id = self.declare_local(p.name.name, t.clone(), true, "", p.name.span);
            let l = &mut self.cur().locals[id as usize];
            if l.lint == lints::Lint::Variable {
                // Methods' parameters are often fixed by a trait.
                l.lint = if self_ty.is_none() {
                    lints::Lint::Param
                } else {
                    lints::Lint::Quiet
                };
            }
        }
        let body = self.fn_body(decl.body, &sig.ret, &sig.name);
        let end = self.line(Span::new(
            decl.body.span.end.saturating_sub(1),
            decl.body.span.end,
        ));
        self.pop_scope();
        self.finish_function(body, end, decl.sig.name.span);
    }

    fn check_param_name(&mut self, p: &ast::Param) {
        let dup = self
            .stack
            .last()
            .and_then(|f| f.scopes.last())
            .is_some_and(|s| s.contains_key(p.name.name));
        if dup {
            self.error(
                p.name.span,
                format!("parameter `{}` is declared twice", p.name.name),
            );
        }
    }

    /// Checks a function's body block against its return type, including the
    /// missing-return check; a final value becomes the return value.
    fn fn_body(&mut self, body: &ast::Block, ret: &Type, name: &str) -> tir::Block {
        let want_value = *ret != Type::Void;
        let (mut block, ty) =
            self.block(body, if want_value { Some(ret) } else { None }, want_value);
        if !want_value {
            return block;
        }
        match ty {
            Type::Never | Type::Error => {}
            Type::Void => {
                let end = Span::new(body.span.end.saturating_sub(1), body.span.end);
                let shown = if name.is_empty() {
                    "this function".to_string()
                } else {
                    format!("function `{name}`")
                };
                self.error_note(
                    end,
                    format!(
                        "missing return: {shown} must return {} on every path",
                        self.show(ret)
                    ),
                    "add a `return` statement before the end of the function",
                );
            }
            _ => {
                if let Some(v) = block.value.take() {
                    let v = self.coerce(*v, ret, body.span);
                    let (line, span) = (v.line, v.span);
                    block.stmts.push(tir::Stmt {
                        kind: tir::StmtKind::Return(Some(v)),
                        line,
                        span,
                    });
                }
            }
        }
        block
    }

    /// Pops the current function state and stores its typed body.
    fn finish_function(&mut self, body: tir::Block, end_line: u32, span: Span) -> FuncIdx {
        let Some(f) = self.stack.pop() else { return 0 };
        self.lint_locals(&f.locals);
        let sig = &self.env.sigs[f.idx as usize];
        let params = u32::try_from(sig.params.len()).unwrap_or(0);
        let locals = f
            .locals
            .into_iter()
            .map(|l| tir::Local {
                name: l.name,
                ty: l.ty,
                in_cell: l.captured && l.assigned,
                span: l.span,
            })
            .collect();
        let func = tir::Function {
            name: sig.name.clone(),
            params,
            ret: f.ret,
            locals,
            captures: f.captures,
            body,
            end_line,
            span,
        };
        if let Some(slot) = self.bodies.get_mut(f.idx as usize) {
            *slot = Some(func);
        }
        self.capture_origins.push((f.idx, f.capture_origin));
        f.idx
    }

    /// The typed functions of a REPL input and the extended environment.
    fn finish_input(mut self) -> (Env, InputProgram) {
        self.settle_captures();
        let first = self.first_func;
        let mut bodies = std::mem::take(&mut self.bodies);
        let replaced = self
            .replaced
            .iter()
            .filter_map(|&i| {
                let f = bodies.get_mut(i as usize)?.take()?;
                Some((i, f))
            })
            .collect();
        let functions = bodies
            .into_iter()
            .enumerate()
            .skip(first as usize)
            .map(|(i, b)| b.unwrap_or_else(|| missing_function(i)))
            .collect();
        let code = InputProgram {
            first_func: first,
            functions,
            replaced,
        };
        (self.env, code)
    }

    /// Whether a capture is a cell is known only once the declaring function
    /// has been checked completely (a later assignment makes it one), so it
    /// is settled at the end for every closure.
    fn settle_captures(&mut self) {
        let origins = std::mem::take(&mut self.capture_origins);
        for (func, list) in origins {
            for (i, (of, ol)) in list.into_iter().enumerate() {
                let in_cell = self
                    .bodies
                    .get(of as usize)
                    .and_then(|b| b.as_ref())
                    .and_then(|b| b.locals.get(ol as usize))
                    .is_some_and(|l| l.in_cell);
                if let Some(Some(b)) = self.bodies.get_mut(func as usize) {
                    if let Some(c) = b.captures.get_mut(i) {
                        c.in_cell = in_cell;
                    }
                }
            }
        }
    }

    fn finish(mut self) -> tir::Program {
        self.settle_captures();
        let functions = self
            .bodies
            .into_iter()
            .enumerate()
            .map(|(i, b)| b.unwrap_or_else(|| missing_function(i)))
            .collect();
        tir::Program {
            structs: self.env.structs,
            enums: self.env.enums,
            traits: self.env.traits,
            impls: self.env.impls,
            globals: self.env.globals,
            functions,
            entry: 0,
        }
    }
}

/// A stand-in for a function whose body was never checked (only after
/// errors, when the program is not lowered anyway).
fn missing_function(i: usize) -> tir::Function {
    tir::Function {
        name: format!("<missing {i}>"),
        params: 0,
        ret: Type::Void,
        locals: vec![],
        captures: vec![],
        body: tir::Block::default(),
        end_line: 0,
        span: Span::default(),
    }
}

impl FnState {
    fn new(idx: FuncIdx, ret: Type, is_entry: bool) -> FnState {
        FnState {
            idx,
            ret,
            locals: Vec::new(),
            scopes: vec![HashMap::new()],
            captures: Vec::new(),
            capture_origin: Vec::new(),
            loops: Vec::new(),
            is_entry,
        }
    }
}

#[cfg(test)]
mod lint_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_of_tests;
