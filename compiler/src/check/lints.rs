//! Warnings: code that compiles but is probably a mistake. Unused
//! variables, parameters and functions, `var`s never reassigned, and
//! statements after a `return`, `break`, `continue` or a call that never
//! returns. A name starting with `_` is never reported. Warnings never
//! stop a compile (`lang check --deny-warnings` makes them errors); the
//! prelude's code is never reported, and generic code is reported once
//! however many instances it has (`Checker::finish_warnings` drops
//! repeats).

use super::{Checker, LocalState};
use crate::ast::{self, Span};
use crate::diag::Diagnostic;

/// Which warnings a local may get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lint {
    /// A variable: unused, or a `var` never reassigned.
    Variable,
    /// A parameter of a named function: unused.
    Param,
    /// Nothing: `self`, hidden locals of the compiler, names starting with
    /// `_`, parameters of methods and closures (whose signatures are often
    /// fixed by a trait or by the function they are passed to).
    Quiet,
}

impl Lint {
    /// The lint a local named `name` gets by default.
    pub(super) fn for_name(name: &str) -> Lint {
        if name.starts_with('_') || name.starts_with('<') || name == "self" {
            Lint::Quiet
        } else {
            Lint::Variable
        }
    }
}

impl Checker<'_> {
    /// Records a warning at `span`, unless the prelude is being checked.
    pub(super) fn warn(&mut self, span: Span, message: String, note: &str) {
        if self.in_prelude() || span == Span::default() {
            return;
        }
        self.warnings
            .push(Diagnostic::warning(span, message).with_note(note));
    }

    /// The warnings of a finished function's locals.
    pub(super) fn lint_locals(&mut self, locals: &[LocalState]) {
        for l in locals {
            let hint = format!("if that is intended, name it `_{}`", l.name);
            match l.lint {
                Lint::Quiet => {}
                Lint::Param if !l.used => {
                    self.warn(l.span, format!("unused parameter `{}`", l.name), &hint);
                }
                Lint::Variable if !l.used => {
                    self.warn(l.span, format!("unused variable `{}`", l.name), &hint);
                }
                Lint::Variable if l.mutable && !l.assigned => self.warn(
                    l.span,
                    format!(
                        "variable `{}` is declared with `var` but never reassigned",
                        l.name
                    ),
                    "declare it with `let`",
                ),
                Lint::Param | Lint::Variable => {}
            }
        }
    }

    /// The warnings of the program's named functions that nothing uses
    /// (`main`, tests, methods and generic functions are not reported).
    pub(super) fn lint_functions(&mut self, p: &ast::Program) {
        for item in p.items {
            let ast::Item::Fn(f) = item else { continue };
            let name = f.sig.name;
            if f.test.is_some()
                || !f.sig.type_params.is_empty()
                || name.name == "main"
                || name.name.starts_with('_')
            {
                continue;
            }
            let Some(&idx) = self.env.functions.get(name.name) else {
                continue;
            };
            if !self.used_fns.contains(&idx) {
                self.warn(
                    name.span,
                    format!("unused function `{}`", name.name),
                    &format!(
                        "nothing calls it; if that is intended, name it `_{}`",
                        name.name
                    ),
                );
            }
        }
    }

    /// The warning for the statement at `span`, which control never
    /// reaches.
    pub(super) fn lint_unreachable(&mut self, span: Span) {
        self.warn(
            span,
            "unreachable code".to_string(),
            "the statement before it always returns, breaks, continues or ends the run",
        );
    }

    /// The warnings found, each once, in source order.
    pub(super) fn finish_warnings(&mut self) -> Vec<Diagnostic> {
        let mut w = std::mem::take(&mut self.warnings);
        w.sort_by(|a, b| {
            (a.span.start, a.span.end, &a.message).cmp(&(b.span.start, b.span.end, &b.message))
        });
        w.dedup();
        w
    }
}
