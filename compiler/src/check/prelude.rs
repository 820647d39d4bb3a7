//! The prelude written in the language (`stdlib/prelude.src`): `Option`,
//! `Result`, their methods, `parse_int_opt`, `parse_float_opt`, and the
//! formatting functions string interpolation calls (`check::interp`).
//!
//! It is declared before every program (and once per REPL session) as a
//! source of its own: from the interface the binary embeds
//! (`check::interface`, made when `lang` is built), or, without one, by
//! parsing it (`parse_prelude`). Every function and method of it is a template, even
//! without type parameters, so only what a program uses is instantiated:
//! a program that uses none of it compiles to the same module as without
//! it. Its code has no line in the program's file: the line tables give
//! it line 0.
//!
//! Its variants may be written alone (`Some(x)`, `None`, `Ok(v)`,
//! `Err(e)`) in expressions and patterns (`Env::prelude_variants`), and
//! `e?` unwraps an `Option` or `Result` or returns its `None`/`Err` from
//! the function (`try_expr`).
//!
//! Array methods that call back into the program (`sort_by`) are
//! functions of the prelude too (`sort_by` below), so that no native of
//! the runtime runs the program's code on the Rust stack.

use super::expr::mk;
use super::{Checker, TypeDecl};
use crate::ast::{self, Span};
use crate::tir::{self, ExprKind as K, Pat};
use crate::types::{display, DeclId, Type};
use std::sync::Arc;

/// The prelude's source text.
pub const PRELUDE: &str = include_str!("../../../stdlib/prelude.src");

/// The prelude function that `xs.sort_by(less)` calls.
const SORT_BY: &str = "prelude_sort_by";

/// What one thread has done with the prelude so far: how often it loaded
/// the embedded interface, parsed the whole prelude, or parsed one of its
/// functions alone. The CLI reports it under `LANG_TRACE_STARTUP=1`, and
/// tests check that a compile parses nothing of the prelude it does not
/// use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PreludeCounts {
    /// Loads of the embedded interface (`interface`).
    pub interface_loads: u32,
    /// Parses of the whole prelude: declaring it without an interface, or
    /// a template's text that did not parse alone.
    pub whole_parses: u32,
    /// Prelude functions parsed alone, to be instantiated.
    pub functions_parsed: u32,
}

thread_local! {
    static COUNTS: std::cell::Cell<PreludeCounts> = const {
        std::cell::Cell::new(PreludeCounts {
            interface_loads: 0,
            whole_parses: 0,
            functions_parsed: 0,
        })
    };
}

/// What this thread has done with the prelude so far.
pub fn counts() -> PreludeCounts {
    COUNTS.with(std::cell::Cell::get)
}

fn count(f: impl FnOnce(&mut PreludeCounts)) {
    COUNTS.with(|c| {
        let mut n = c.get();
        f(&mut n);
        c.set(n);
    });
}

pub(super) fn count_parsed_whole() {
    count(|n| n.whole_parses += 1);
}

pub(super) fn count_parsed_function() {
    count(|n| n.functions_parsed += 1);
}

#[cfg(test)]
thread_local! {
    /// Tests set it to declare the prelude from its source even when an
    /// interface is installed, to compare the two.
    pub(super) static IGNORE_INTERFACE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl<'a> Checker<'a> {
    /// Declares the prelude's types and templates: from the installed
    /// interface (`interface`) when there is one, else by parsing it
    /// (`parse_prelude`). With `check`, the prelude is parsed and its
    /// templates are also checked with their parameters opaque.
    pub(super) fn load_prelude(&mut self, check: bool) {
        if !check && self.load_interface() {
            return;
        }
        self.parse_prelude(check);
    }

    /// Declares the prelude from the installed interface; false (nothing
    /// changed) without one, or when it does not fit this checker: the
    /// interface was made with the program's source alone before it.
    fn load_interface(&mut self) -> bool {
        #[cfg(test)]
        if IGNORE_INTERFACE.with(std::cell::Cell::get) {
            return false;
        }
        if self.env.sources.len() != 1 || self.cur_source != 0 {
            return false;
        }
        let Some((mut env, site, sources)) =
            super::interface::installed().and_then(super::interface::decode)
        else {
            return false;
        };
        if sources != 2 || env.prelude_source != Some(1) {
            return false;
        }
        env.sources = std::mem::take(&mut self.env.sources);
        env.sources.push(Arc::from(PRELUDE));
        self.env = env;
        self.site = site;
        count(|n| n.interface_loads += 1);
        true
    }

    /// Declares the prelude's types and templates by parsing it; with
    /// `check`, also checks them with their parameters opaque. Compiles
    /// skip that check (it would cost more than a small program's whole
    /// compile, about 1.8 million instructions) because a unit test runs
    /// it and finds no error; its instances are checked as every instance
    /// is.
    pub(super) fn parse_prelude(&mut self, check: bool) {
        count_parsed_whole();
        let id = u32::try_from(self.env.sources.len()).unwrap_or(u32::MAX);
        self.env.sources.push(Arc::from(PRELUDE));
        self.env.prelude_source = Some(id);
        let text: &'a str = self.arena.alloc_str(PRELUDE);
        let mut diags = Vec::new();
        let p: &'a ast::Program<'a> = self
            .arena
            .alloc(crate::parser::parse(self.arena, text, &mut diags));
        self.diags.append(&mut diags);
        self.programs.insert(id, p);
        let home = self.cur_source;
        self.switch_source(id);
        let templates = self.env.templates.len();
        let bases = self.decl_counts();
        self.declare_types(p);
        self.define_types(p, bases);
        self.declare_functions(p);
        for e in p.items {
            let ast::Item::Enum(e) = e else { continue };
            if let Some(&TypeDecl::Enum(eid)) = self.env.type_names.get(e.name.name) {
                for v in e.variants {
                    self.env
                        .prelude_variants
                        .insert(v.name.name.to_string(), eid);
                }
            }
        }
        if check {
            self.check_templates(templates);
        }
        self.switch_source(home);
    }

    /// `recv.sort_by(less)`, its arguments checked: a call of the
    /// prelude's `prelude_sort_by<T>`, whose instance is named
    /// `[T]::sort_by` (the name a stack trace shows). The template is found
    /// among the prelude's own, so a program's function of the same name
    /// does not replace it.
    pub(super) fn sort_by(
        &mut self,
        recv: tir::Expr,
        args: Vec<tir::Expr>,
        span: Span,
        line: u32,
    ) -> tir::Expr {
        let Type::Array(elem) = &recv.ty else {
            return self.err_expr(line);
        };
        let elem = (**elem).clone();
        if args.len() != 1 || args.iter().any(|a| a.ty.is_error()) || elem.is_error() {
            return self.err_expr(line);
        }
        let prelude = self.env.prelude_source;
        let Some(tid) = self
            .env
            .templates
            .iter()
            .position(|t| t.name == SORT_BY && Some(t.source) == prelude)
            .and_then(|t| u32::try_from(t).ok())
        else {
            // The prelude declares it (its own unit test checks it); should
            // it be missing, the program must not compile silently.
            self.error(
                span,
                format!("internal error: the prelude has no `{SORT_BY}`"),
            );
            return self.err_expr(line);
        };
        let func = if self.dry_run {
            // Checking a generic declaration itself: the code is thrown
            // away.
            0
        } else {
            let f = self.instantiate(tid, vec![elem.clone()], span);
            // Only a real instance is renamed: a failed one is 0.
            let made = self
                .env
                .templates
                .get(tid as usize)
                .and_then(|t| t.instances.get(std::slice::from_ref(&elem)))
                == Some(&f);
            if made {
                let name = format!("{}::sort_by", display(&recv.ty, &self.env));
                if let Some(sig) = self.env.sigs.get_mut(f as usize) {
                    sig.name = name;
                }
            }
            f
        };
        let mut all = vec![recv];
        all.extend(args);
        mk(K::Call(func, all), Type::Void, line)
    }

    /// Whether the source being checked is the prelude.
    pub(super) fn in_prelude(&self) -> bool {
        self.env.prelude_source == Some(self.cur_source)
    }

    /// The prelude enum with a variant called `name`, for `Some(x)`.
    pub(super) fn prelude_variant(&self, name: &str) -> Option<DeclId> {
        self.env.prelude_variants.get(name).copied()
    }

    /// Whether `name` is a prelude variant without payload (`None`).
    pub(super) fn is_unit_prelude_variant(&self, name: &str) -> bool {
        self.prelude_variant(name).is_some_and(|eid| {
            self.env
                .enums
                .get(eid as usize)
                .is_some_and(|e| e.variants.iter().any(|(n, p)| n == name && p.is_empty()))
        })
    }

    /// `Some(x)`, `None`, `Ok(v)`, `Err(e)` written alone.
    pub(super) fn bare_variant(
        &mut self,
        eid: DeclId,
        name: ast::Ident,
        args: Option<&[ast::Expr]>,
        expected: Option<&Type>,
        span: Span,
        line: u32,
    ) -> tir::Expr {
        let enum_name = self.env.enums[eid as usize]
            .name
            .split('<')
            .next()
            .unwrap_or("")
            .to_string();
        let t = ast::Ident {
            name: self.arena.alloc_str(&enum_name),
            span: name.span,
        };
        match self.generic_variant(eid, t, name, args, expected, span, line) {
            Some(e) => e,
            None => self.err_expr(line),
        }
    }

    /// `e?`: in a function returning `Option<R>`, the value of `Some`, or
    /// return `None`; in one returning `Result<R, E>`, the value of `Ok`,
    /// or return the `Err` (whose error type must be `E`). It becomes a
    /// `match` with those two arms.
    pub(super) fn try_expr(&mut self, inner: &ast::Expr, span: Span, line: u32) -> tir::Expr {
        let v = self.expr(inner, None);
        if v.ty.is_error() {
            return self.err_expr(line);
        }
        let family = |c: &Self, t: &Type| match t {
            Type::Enum(i) => c.enum_args(*i).and_then(|(base, args)| {
                let name = c.env.enums.get(base as usize)?.name.clone();
                let from_prelude = c.prelude_variant("Some") == Some(base)
                    || c.prelude_variant("Ok") == Some(base);
                from_prelude.then_some((base, name, args))
            }),
            _ => None,
        };
        let Some((base, _, args)) = family(self, &v.ty) else {
            let msg = format!(
                "`?` needs an `Option` or `Result` value, not {}",
                self.show(&v.ty)
            );
            self.error(span, msg);
            return self.err_expr(line);
        };
        let is_option = self.prelude_variant("Some") == Some(base);
        let ret = self.cur().ret.clone();
        let ret_family = family(self, &ret).filter(|(b, _, _)| *b == base);
        let Some((_, _, ret_args)) = ret_family else {
            let what = if is_option { "Option" } else { "Result" };
            let msg = if self.cur().is_entry {
                format!("`?` can only be used in a function that returns `{what}`")
            } else {
                format!(
                    "`?` on an `{what}` needs a function that returns `{what}`, but this one returns {}",
                    self.show(&ret)
                )
            };
            self.error(span, msg);
            return self.err_expr(line);
        };
        if !is_option && ret_args.get(1) != args.get(1) && !ret.is_error() {
            let err = args.get(1).cloned().unwrap_or(Type::Error);
            let want = ret_args.get(1).cloned().unwrap_or(Type::Error);
            let msg = format!(
                "`?` would return an error of type {}, but the function's errors have type {}",
                self.show(&err),
                self.show(&want)
            );
            self.error(span, msg);
            return self.err_expr(line);
        }
        let Type::Enum(ret_id) = ret else {
            return self.err_expr(line);
        };
        let value_ty = args.first().cloned().unwrap_or(Type::Error);
        // `Some`/`Ok` are variant 0 and `None`/`Err` variant 1, as the
        // prelude declares them.
        let x = self.new_binding_local("<value>", &value_ty, span);
        let mut early_payload = Vec::new();
        let mut early_pats = Vec::new();
        if !is_option {
            let err_ty = args.get(1).cloned().unwrap_or(Type::Error);
            let e = self.new_binding_local("<error>", &err_ty, span);
            early_pats.push(Pat::Bind(e));
            early_payload.push(mk(K::Local(e), err_ty, line));
        }
        let early = mk(K::NewEnum(ret_id, 1, early_payload), ret.clone(), line);
        let leave = tir::Block {
            stmts: vec![tir::Stmt {
                kind: tir::StmtKind::Return(Some(early)),
                line,
                span,
            }],
            value: None,
        };
        let arms = vec![
            tir::Arm {
                pat: Pat::Variant(0, vec![Pat::Bind(x)]),
                guard: None,
                body: mk(K::Local(x), value_ty.clone(), line),
            },
            tir::Arm {
                pat: Pat::Variant(1, early_pats),
                guard: None,
                body: mk(K::Block(leave), Type::Never, line),
            },
        ];
        mk(K::Match(Box::new(v), arms), value_ty, line)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Checker;

    #[test]
    fn prelude_checks_without_errors() {
        // The prelude is checked with its parameters opaque whenever it is
        // declared; its errors would be shown against the program's file,
        // so there must be none.
        let arena = bumpalo::Bump::new();
        let mut c = Checker::new("", &arena);
        c.load_prelude(true);
        let shown: Vec<String> = c.diags.iter().map(|d| d.message.clone()).collect();
        assert!(shown.is_empty(), "{shown:#?}");
        assert!(c.env.templates.len() > 20);
        // What string interpolation calls is there.
        for name in [
            super::super::interp::PAD,
            super::super::interp::ZERO_PAD,
            super::super::interp::RADIX,
        ] {
            assert!(c.env.generic_functions.contains_key(name), "{name}");
        }
        // It adds no function and no concrete type by itself.
        assert!(c.env.sigs.is_empty());
        assert!(c
            .env
            .enums
            .iter()
            .all(|e| !e.concrete || e.origin != crate::tir::Origin::Plain));
    }
}
