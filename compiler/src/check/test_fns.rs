//! Test functions (`test fn name() { ... }`): declared beside the other
//! functions and checked like them, but outside the namespace of
//! functions, so no code can call one and a program with tests behaves
//! exactly as it would without them. When `lang test` names one
//! (`Checker::test_entry`), the entry function calls it after the
//! top-level statements, instead of `main`.

use super::Checker;
use crate::ast::{self, Span};
use crate::tir::{self, FuncIdx};
use crate::types::Type;

/// A declared test function.
#[derive(Debug, Clone)]
pub(super) struct TestFn {
    pub name: String,
    pub idx: FuncIdx,
    pub span: Span,
}

impl Checker<'_> {
    /// Declares the test function `f`, queueing its body to be checked.
    pub(super) fn declare_test<'p>(
        &mut self,
        f: &'p ast::FnDecl<'p>,
        bodies: &mut Vec<(FuncIdx, &'p ast::FnDecl<'p>, Option<Type>)>,
    ) {
        let name = f.sig.name;
        if self.repl {
            self.error(
                f.test.unwrap_or(name.span),
                "test functions are run by `lang test`; the REPL cannot declare them",
            );
            return;
        }
        let plain = f.sig.type_params.is_empty()
            && f.sig.params.is_empty()
            && f.sig.ret.is_none()
            && f.sig.self_param.is_none();
        if !plain {
            self.error(
                name.span,
                format!(
                    "test `{}` must take no parameters and return nothing",
                    name.name
                ),
            );
            return;
        }
        let sig = self.signature(&f.sig, None);
        let idx = self.new_func_slot(sig);
        if self.tests.iter().any(|t| t.name == name.name) {
            self.error(name.span, format!("test `{}` is declared twice", name.name));
        } else {
            self.tests.push(TestFn {
                name: name.name.to_string(),
                idx,
                span: name.span,
            });
        }
        bodies.push((idx, f, None));
    }

    /// The statement of the entry function that runs the test `lang test`
    /// asked for, attributed to the test's declaration so that stack
    /// traces point at real source; `None` (with an error) when the
    /// program has no such test.
    pub(super) fn call_of_test(&mut self, wanted: &str) -> Option<tir::Stmt> {
        let Some(test) = self.tests.iter().find(|t| t.name == wanted).cloned() else {
            self.error(Span::default(), format!("there is no test `{wanted}`"));
            return None;
        };
        let line = self.line(test.span);
        Some(tir::Stmt {
            kind: tir::StmtKind::Expr(tir::Expr {
                kind: tir::ExprKind::Call(test.idx, vec![]),
                ty: Type::Void,
                line,
                span: test.span,
            }),
            line,
            span: test.span,
        })
    }
}
