//! lang-compiler: the front end of `lang`.
//!
//! Source text goes through four stages, each in its own module:
//! [`lexer`] (logos) → [`parser`] (lalrpop, AST in a bumpalo arena, see
//! [`ast`]) → [`check`] (name resolution and type checking, producing the
//! typed IR in [`tir`]) → [`lower`] (typed IR to a `lang_bytecode::Module`).
//! Every stage reports errors as [`Diagnostic`]s and keeps going, so one
//! run shows every error of the file. The compiler never runs user code and
//! never panics on any input.
//!
//! [`session`] compiles REPL inputs incrementally: each input is checked
//! against the declarations of the earlier ones (the checker's `Env`) and
//! lowered into one module that only grows.

mod appends;
pub mod ast;
pub mod check;
pub mod diag;
pub mod fmt;
mod inline;
pub mod lexer;
pub mod limits;
pub mod lower;
pub mod modules;
pub mod parser;
pub mod session;
pub mod test_names;
pub mod tir;
pub mod types;

pub use diag::{Diagnostic, Diagnostics};
pub use modules::{compile_program, compile_program_warned, compile_program_with};
pub use session::{input_is_incomplete, Input, Session};

/// What the entry function runs after the top-level statements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Entry<'t> {
    /// `main`, when the program declares it: `lang run`, `lang build`.
    #[default]
    Main,
    /// The test function of that name instead (`lang test`); a program
    /// without it does not compile.
    Test(&'t str),
}

/// Parses and checks `source`, returning the typed program with its
/// warnings, or every error.
fn front_end(
    file_name: &str,
    source: &str,
    entry: Entry,
) -> Result<(tir::Program, Vec<Diagnostic>), Diagnostics> {
    let arena = bumpalo::Bump::new();
    let mut diags = Vec::new();
    let mut warnings = Vec::new();
    let program = parser::parse(&arena, source, &mut diags);
    let test = match entry {
        Entry::Main => None,
        Entry::Test(name) => Some(name),
    };
    let typed = check::check_program_with(&program, source, test, &mut diags, &mut warnings);
    if diags.is_empty() {
        Ok((typed, warnings))
    } else {
        Err(Diagnostics::new(file_name, source, diags))
    }
}

/// The text of a source file read as bytes, or, when it is not UTF-8, the
/// diagnostic that marks the first byte that is not (file:line:column and
/// the line, decoded lossily), rendered like every other compile error.
pub fn source_text<'b>(file_name: &str, bytes: &'b [u8]) -> Result<&'b str, Diagnostics> {
    std::str::from_utf8(bytes).map_err(|e| Diagnostics::invalid_utf8(file_name, bytes, e))
}

/// Reports every compile error of `source`, the limits of the bytecode
/// format included (those only code generation finds, such as the
/// registers a function needs): it lowers the program and discards the
/// code, so it accepts exactly what `compile` accepts.
pub fn check(file_name: &str, source: &str) -> Result<(), Diagnostics> {
    compile(file_name, source).map(|_| ())
}

/// Compiles `source` to a bytecode module, or returns every compile error.
/// `file_name` is what diagnostics and the module's line tables name.
pub fn compile(file_name: &str, source: &str) -> Result<lang_bytecode::Module, Diagnostics> {
    compile_with(file_name, source, Entry::Main)
}

/// Compiles `source` as `compile` does, its entry function running `entry`.
pub fn compile_with(
    file_name: &str,
    source: &str,
    entry: Entry,
) -> Result<lang_bytecode::Module, Diagnostics> {
    compile_warned(file_name, source, entry).map(|(module, _)| module)
}

/// Compiles `source` as `compile_with` does, returning the warnings too
/// (empty when there are none).
pub fn compile_warned(
    file_name: &str,
    source: &str,
    entry: Entry,
) -> Result<(lang_bytecode::Module, Diagnostics), Diagnostics> {
    let (program, warnings) = front_end(file_name, source, entry)?;
    let module = lower::lower(&program, file_name)
        .map_err(|errs| Diagnostics::new(file_name, source, errs))?;
    Ok((module, Diagnostics::new(file_name, source, warnings)))
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
                    } else if let Err(e) = lang_bytecode::check(&m) {
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

#[cfg(test)]
mod robustness {
    //! No input may panic the compiler: every prefix of real programs and
    //! pseudo-random mutations of them must give a module or diagnostics.

    /// Compiles; whatever compiles must also pass the bytecode verifier.
    fn compile_quietly(src: &str) {
        if let Ok(m) = crate::compile("t.src", src) {
            if let Err(e) = lang_bytecode::check(&m) {
                panic!("compiled but does not verify: {e}\n--- source:\n{src}");
            }
        }
    }

    #[test]
    fn every_prefix_compiles_or_reports() {
        for text in [
            include_str!("testdata/card.src"),
            include_str!("testdata/features.src"),
            include_str!("testdata/generics.src"),
        ] {
            let mut cut = 0;
            while cut <= text.len() {
                if text.is_char_boundary(cut) {
                    compile_quietly(&text[..cut]);
                }
                cut += 7;
            }
        }
    }

    #[test]
    fn mutations_compile_or_report() {
        for text in [
            include_str!("testdata/features.src"),
            include_str!("testdata/generics.src"),
        ] {
            mutate(text.as_bytes());
        }
    }

    /// Compiles 300 pseudo-random mutations of `text`.
    fn mutate(text: &[u8]) {
        let pieces: &[&[u8]] = &[
            b"{",
            b"}",
            b"(",
            b")",
            b"[",
            b"]",
            b";",
            b",",
            b"nil",
            b"fn",
            b"match",
            b"if",
            b"self",
            b"\"",
            b"/*",
            b"=",
            b"+=",
            b"..",
            b"|",
            b"::",
            b"0x",
            b"99999999999999999999",
            b"-",
            b"E::A",
            b"int",
            b"x",
            b"return",
            b"break",
            b"\\u{",
            b"\xff",
            b"<",
            b">",
            b">>",
            b"?",
            b"<T>",
            b"(",
            b"Some(",
            b"None",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..300 {
            let mut bytes = text.to_vec();
            for _ in 0..(1 + next() % 4) {
                let at = (next() as usize) % bytes.len();
                match next() % 3 {
                    0 => {
                        let p = pieces[(next() as usize) % pieces.len()];
                        bytes.splice(at..at, p.iter().copied());
                    }
                    1 => {
                        let end = (at + (next() as usize) % 12).min(bytes.len());
                        bytes.drain(at..end);
                    }
                    _ => {
                        let from = (next() as usize) % bytes.len();
                        let end = (from + (next() as usize) % 40).min(bytes.len());
                        let chunk: Vec<u8> = bytes[from..end].to_vec();
                        bytes.splice(at..at, chunk);
                    }
                }
            }
            compile_quietly(&String::from_utf8_lossy(&bytes));
        }
    }
}
