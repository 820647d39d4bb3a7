//! lang-compiler: the front end of `lang`.
//!
//! Source text goes through four stages, each in its own module:
//! [`lexer`] (logos) → [`parser`] (lalrpop, AST in a bumpalo arena, see
//! [`ast`]) → [`check`] (name resolution and type checking, producing the
//! typed IR in [`tir`]) → [`lower`] (typed IR to a `lang_bytecode::Module`).
//! Every stage reports errors as [`Diagnostic`]s and keeps going, so one
//! run shows every error of the file. The compiler never runs user code and
//! never panics on any input.

pub mod ast;
pub mod check;
pub mod diag;
pub mod lexer;
pub mod lower;
pub mod parser;
pub mod tir;
pub mod types;

pub use diag::{Diagnostic, Diagnostics};

/// Parses and checks `source`, returning the typed program or every error.
fn front_end(file_name: &str, source: &str) -> Result<tir::Program, Diagnostics> {
    let arena = bumpalo::Bump::new();
    let mut diags = Vec::new();
    let program = parser::parse(&arena, source, &mut diags);
    let typed = check::check_program(&program, source, &mut diags);
    if diags.is_empty() {
        Ok(typed)
    } else {
        Err(Diagnostics::new(file_name, source, diags))
    }
}

/// Reports every compile error of `source`; generates no code.
pub fn check(file_name: &str, source: &str) -> Result<(), Diagnostics> {
    front_end(file_name, source).map(|_| ())
}

/// Compiles `source` to a bytecode module, or returns every compile error.
/// `file_name` is what diagnostics and the module's line tables name.
pub fn compile(file_name: &str, source: &str) -> Result<lang_bytecode::Module, Diagnostics> {
    let program = front_end(file_name, source)?;
    lower::lower(&program, file_name).map_err(|errs| Diagnostics::new(file_name, source, errs))
}
