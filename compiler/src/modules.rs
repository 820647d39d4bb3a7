//! Programs that span files: `import a::b;` loads `a/b.src` beside the
//! importing file, and [`compile_program`] links every module reached into
//! one bytecode module.
//!
//! # How linking works
//! Each file's header is read with the lexer ([`header`]): its imports, its
//! top-level names and which are `pub`. The files are loaded depth-first in
//! import order; a file's imports come before it, so the order (imported
//! modules first, the main file last) is also the order their top-level
//! statements run in. [`names`] then checks every use of another module's
//! item (it must be imported and `pub`) and rewrites `m::item` to `item`.
//! The files, so rewritten, are joined into one text, each starting on a
//! fresh line, and compiled as one program: its line numbers count through
//! the joined text, and the module's file table (`Module::files`) maps them
//! back to each file and its own lines for stack traces. Diagnostics are
//! split the same way, so each names its own file.
//!
//! Top-level names share one namespace across the program: two modules
//! defining the same name is an error naming both places (see `names`).

pub(crate) mod header;
mod names;
mod stdlib;

use crate::ast::Span;
use crate::diag::{Diagnostic, Diagnostics};
use lang_bytecode::{Module, SourceFile};
use std::collections::HashMap;

/// The most files one program may span. Real programs have tens of
/// modules; a thousand bounds the loader's tables and the file table of a
/// `.bc` (its entries are u16-indexed elsewhere) while leaving ample room.
pub const MAX_MODULES: usize = 1000;

/// The longest chain of imports (main imports a, a imports b, ...). The
/// loader recurses once per level on the compiler's stack; 64 levels is far
/// deeper than any real module tree and keeps that recursion small.
pub const MAX_IMPORT_DEPTH: usize = 64;

/// The most source bytes all modules of a program may hold together:
/// 64 MiB, the same as one file (`lang`'s input limit), so that importing
/// many files cannot grow the compiler past what one file could.
pub const MAX_PROGRAM_BYTES: usize = 64 << 20;

/// Reads a module's source given its path relative to the main file's
/// directory (`geometry.src`, `a/b.src`), or says why it cannot.
pub type ReadModule<'r> = dyn FnMut(&str) -> Result<Vec<u8>, String> + 'r;

/// One file of the program.
struct File {
    /// Its path relative to the main file's directory: what `.bc` files
    /// record, so that the bytes do not depend on where `lang` ran.
    rel: String,
    /// The name diagnostics show (the main file's path as typed, with the
    /// relative path of the others joined to its directory).
    shown: String,
    text: String,
    header: header::Header,
    /// For each import of `header`, the file it names (`None` when it
    /// could not be loaded).
    deps: Vec<Option<usize>>,
}

/// Errors found so far, each in a file.
type Errors = Vec<(usize, Diagnostic)>;

struct Loader<'r, 'f> {
    files: Vec<File>,
    by_rel: HashMap<String, usize>,
    /// The files being loaded, outermost first (for cycles and depth).
    stack: Vec<usize>,
    order: Vec<usize>,
    errors: Errors,
    read: &'f mut ReadModule<'r>,
    total_bytes: usize,
    shown_dir: String,
}

/// Compiles the program whose main file is `main_text`, loading what it
/// imports with `read`. `main_shown` is the main file's path as typed (for
/// diagnostics) and `main_rel` its name alone (for the file table).
pub fn compile_program(
    main_shown: &str,
    main_rel: &str,
    main_text: &str,
    read: &mut ReadModule<'_>,
) -> Result<Module, Diagnostics> {
    compile_program_with(main_shown, main_rel, main_text, read, crate::Entry::Main)
}

/// Compiles a program as `compile_program` does, its entry function
/// running `entry` after the top-level statements.
pub fn compile_program_with(
    main_shown: &str,
    main_rel: &str,
    main_text: &str,
    read: &mut ReadModule<'_>,
    entry: crate::Entry,
) -> Result<Module, Diagnostics> {
    compile_program_warned(main_shown, main_rel, main_text, read, entry).map(|(m, _)| m)
}

/// Compiles a program as `compile_program_with` does, returning its
/// warnings too, per file. The library modules (`std::`) get none, and a
/// function is reported unused only in the main file: another module's
/// functions are its interface.
pub fn compile_program_warned(
    main_shown: &str,
    main_rel: &str,
    main_text: &str,
    read: &mut ReadModule<'_>,
    entry: crate::Entry,
) -> Result<(Module, Diagnostics), Diagnostics> {
    let shown_dir = match main_shown.rfind('/') {
        Some(i) => main_shown[..=i].to_string(),
        None => String::new(),
    };
    let mut loader = Loader {
        files: Vec::new(),
        by_rel: HashMap::new(),
        stack: Vec::new(),
        order: Vec::new(),
        errors: Vec::new(),
        read,
        total_bytes: main_text.len(),
        shown_dir,
    };
    let mut diags = Vec::new();
    let header = header::scan(main_text, &mut diags);
    loader.errors.extend(diags.into_iter().map(|d| (0, d)));
    loader.files.push(File {
        rel: main_rel.to_string(),
        shown: main_shown.to_string(),
        text: main_text.to_string(),
        header,
        deps: Vec::new(),
    });
    loader.by_rel.insert(main_rel.to_string(), 0);
    loader.visit(0);
    let Loader {
        files,
        order,
        mut errors,
        ..
    } = loader;
    let texts = names::check_and_rewrite(&files, &order, &mut errors);
    // Joined in load order, each file on fresh lines.
    let mut joined = String::new();
    let mut bases = vec![0usize; files.len()];
    let mut table = Vec::new();
    let mut line = 1u32;
    for &f in &order {
        bases[f] = joined.len();
        table.push(SourceFile {
            name: files[f].rel.clone(),
            first_line: line,
        });
        let text = texts.get(f).map_or("", |t| t.as_str());
        joined.push_str(text);
        joined.push('\n');
        let lines = text.matches('\n').count() + 1;
        line = line.saturating_add(u32::try_from(lines).unwrap_or(u32::MAX));
    }
    let split = |errors: Errors| split_diagnostics(&files, errors);
    if !errors.is_empty() {
        return Err(split(errors));
    }
    // A program of one file compiles exactly as that file alone: no file
    // table, and no line added at its end.
    if files.len() == 1 {
        let text = texts.first().map_or("", |t| t.as_str());
        let per_file = |d: Diagnostics| {
            let found = d.items().iter().map(|d| (0, d.clone()));
            split_diagnostics(
                &files,
                found.filter(|(f, d)| !interface(&files[*f], d)).collect(),
            )
        };
        return crate::compile_warned(&files[0].shown, text, entry)
            .map(|(module, warnings)| (module, per_file(warnings)))
            .map_err(per_file);
    }
    let per_file = |d: Diagnostics| {
        let found = d
            .items()
            .iter()
            .map(|d| {
                let f = file_at(&order, &bases, d.span.start);
                let mut d = d.clone();
                d.span = Span::new(
                    d.span.start.saturating_sub(bases[f]),
                    d.span.end.saturating_sub(bases[f]),
                );
                (f, d)
            })
            .filter(|(f, d)| {
                let library = files[*f].rel.starts_with("std/");
                let unused_fn = d.message.starts_with("unused function");
                !d.warning || !(library || interface(&files[*f], d) || *f != 0 && unused_fn)
            })
            .collect();
        split(found)
    };
    match crate::compile_warned(&files[0].shown, &joined, entry) {
        Ok((mut module, warnings)) => {
            module.files = table;
            Ok((module, per_file(warnings)))
        }
        Err(d) => Err(per_file(d)),
    }
}

/// Whether `d` is the warning that a `pub` function of `file` is unused:
/// it is the module's interface, for other programs to use.
fn interface(file: &File, d: &Diagnostic) -> bool {
    d.warning
        && file
            .header
            .names
            .iter()
            .any(|n| n.public && !n.is_type && d.message == format!("unused function `{}`", n.name))
}

/// The file whose part of the joined text holds `offset`.
fn file_at(order: &[usize], bases: &[usize], offset: usize) -> usize {
    let mut found = order.first().copied().unwrap_or(0);
    for &f in order {
        if bases.get(f).is_some_and(|&b| b <= offset) {
            found = f;
        }
    }
    found
}

/// One `Diagnostics` per file with errors, in file order (the main file
/// first), spans local to each file.
fn split_diagnostics(files: &[File], errors: Errors) -> Diagnostics {
    let mut per_file: Vec<Vec<Diagnostic>> = vec![Vec::new(); files.len()];
    for (f, d) in errors {
        if let Some(v) = per_file.get_mut(f) {
            v.push(d);
        }
    }
    let mut parts = per_file
        .into_iter()
        .enumerate()
        .filter(|(_, v)| !v.is_empty())
        .map(|(f, v)| Diagnostics::new(&files[f].shown, &files[f].text, v));
    let mut first = parts
        .next()
        .unwrap_or_else(|| Diagnostics::new(&files[0].shown, &files[0].text, Vec::new()));
    first.append_files(parts.collect());
    first
}

impl Loader<'_, '_> {
    /// Loads the imports of file `f` (recursively), then appends `f` to the
    /// load order.
    fn visit(&mut self, f: usize) {
        self.stack.push(f);
        let imports = self.files[f].header.imports.clone();
        let dir = match self.files[f].rel.rfind('/') {
            Some(i) => self.files[f].rel[..=i].to_string(),
            None => String::new(),
        };
        for import in &imports {
            let dep = self.import(f, &dir, import);
            self.files[f].deps.push(dep);
        }
        self.stack.pop();
        self.order.push(f);
    }

    fn import(&mut self, f: usize, dir: &str, import: &header::Import) -> Option<usize> {
        let path = import.path.join("::");
        let error = |message: String| Diagnostic::error(import.span, message);
        let library = import.path.first().map(String::as_str) == Some("std");
        let library_source = match import.path.as_slice() {
            [_, name] if library => stdlib::source(name),
            _ => None,
        };
        if library && library_source.is_none() {
            self.errors.push((
                f,
                error(format!("unknown library module `{path}`")).with_note(format!(
                    "the library modules are std::{}",
                    stdlib::names().join(", std::")
                )),
            ));
            return None;
        }
        // A library module has one name whoever imports it.
        let rel = match library_source {
            Some(_) => format!("{}.src", import.path.join("/")),
            None => format!("{dir}{}.src", import.path.join("/")),
        };
        if let Some(&g) = self.by_rel.get(&rel) {
            if let Some(at) = self.stack.iter().position(|&s| s == g) {
                let mut cycle: Vec<&str> = self.stack[at..]
                    .iter()
                    .map(|&s| self.files[s].rel.as_str())
                    .collect();
                cycle.push(&self.files[g].rel);
                self.errors.push((
                    f,
                    error(format!("import cycle: {}", cycle.join(" -> ")))
                        .with_note("modules may not import each other in a circle; move what both need into a third module"),
                ));
                return None;
            }
            return Some(g);
        }
        if self.files.len() >= MAX_MODULES {
            self.errors.push((
                f,
                error(format!(
                    "the program imports more than {MAX_MODULES} modules, the limit"
                )),
            ));
            return None;
        }
        if self.stack.len() >= MAX_IMPORT_DEPTH {
            self.errors.push((
                f,
                error(format!(
                    "imports are nested more than {MAX_IMPORT_DEPTH} deep, the limit"
                )),
            ));
            return None;
        }
        let read = match library_source {
            Some(text) => Ok(text.as_bytes().to_vec()),
            None => (self.read)(&rel),
        };
        let bytes = match read {
            Ok(b) => b,
            Err(why) => {
                self.errors.push((
                    f,
                    error(format!(
                        "cannot find module `{path}`: cannot read {}{rel}: {why}",
                        self.shown_dir
                    ))
                    .with_note(format!(
                        "`import {path};` reads {rel} relative to the main file's directory"
                    )),
                ));
                return None;
            }
        };
        self.total_bytes = self.total_bytes.saturating_add(bytes.len());
        if self.total_bytes > MAX_PROGRAM_BYTES {
            self.errors.push((
                f,
                error(format!(
                    "the program's modules hold more than {} MiB of source together, the limit",
                    MAX_PROGRAM_BYTES >> 20
                )),
            ));
            return None;
        }
        let Ok(text) = String::from_utf8(bytes) else {
            self.errors.push((
                f,
                error(format!("module {rel} is not valid UTF-8"))
                    .with_note("source files must be UTF-8; `lang check` on that file marks the first bad byte"),
            ));
            return None;
        };
        let g = self.files.len();
        let mut diags = Vec::new();
        let header = header::scan(&text, &mut diags);
        self.errors.extend(diags.into_iter().map(|d| (g, d)));
        self.files.push(File {
            shown: match library_source {
                Some(_) => rel.clone(),
                None => format!("{}{rel}", self.shown_dir),
            },
            rel: rel.clone(),
            text,
            header,
            deps: Vec::new(),
        });
        self.by_rel.insert(rel, g);
        self.visit(g);
        Some(g)
    }
}

#[cfg(test)]
mod tests;
