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

#[cfg(test)]
mod conformance_sources {
    //! Runs the compiler (not the VM) over the repository's conformance
    //! programs and examples: those expected to compile must compile and
    //! verify; compile-error cases must report the listed lines. Ignored by
    //! default because it reads files owned by the end-to-end suite; run it
    //! with `cargo test -p lang-compiler -- --ignored`.
    use std::path::Path;

    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "src") {
                out.push(p);
            }
        }
    }

    #[test]
    #[ignore]
    fn conformance_programs_compile() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        walk(&root.join("tests/conformance"), &mut files);
        walk(&root.join("examples"), &mut files);
        files.sort();
        eprintln!("checking {} files", files.len());
        let mut failures = Vec::new();
        for f in &files {
            let src = std::fs::read_to_string(f).unwrap_or_default();
            let err = std::fs::read_to_string(f.with_extension("err")).unwrap_or_default();
            let name = f.strip_prefix(&root).unwrap_or(f).display().to_string();
            let compile_error = err.starts_with("exit: 65");
            match crate::compile(&name, &src) {
                Ok(m) => {
                    if compile_error {
                        failures.push(format!(
                            "{name}: compiled, but a compile error was expected:\n{err}"
                        ));
                    } else if let Err(e) = lang_bytecode::verify(&m) {
                        failures.push(format!("{name}: does not verify: {e}"));
                    }
                }
                Err(d) => {
                    let text = d.render(false);
                    if !compile_error {
                        failures.push(format!("{name}: unexpected compile errors:\n{text}"));
                        continue;
                    }
                    let mut rest = text.as_str();
                    for want in err.lines().skip(1).filter(|l| !l.trim().is_empty()) {
                        match rest.find(want.trim()) {
                            Some(i) => rest = &rest[i + want.trim().len()..],
                            None => {
                                failures.push(format!("{name}: missing `{want}` in:\n{text}"));
                                break;
                            }
                        }
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} files failed:\n{}",
            failures.len(),
            files.len(),
            failures.join("\n")
        );
    }
}

#[cfg(test)]
mod render_errors_dir {
    /// Prints the rendered diagnostics of `tests/errors/*.src`, for reading.
    #[test]
    #[ignore]
    fn show_error_snapshots() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/errors");
        let mut files: Vec<_> = std::fs::read_dir(&root)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            let src = std::fs::read_to_string(&f).unwrap_or_default();
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            match crate::check(&name, &src) {
                Ok(()) => println!("#### {name}: NO ERROR\n{src}"),
                Err(d) => println!("#### {name}\n{}", d.render(false)),
            }
        }
    }
}
