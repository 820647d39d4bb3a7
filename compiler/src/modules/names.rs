//! The names one module uses from another. Top-level names share one
//! namespace across the program, so this pass is what keeps modules apart:
//! - a name may be defined by one module only (an error names both places,
//!   an imported name clashing with a local one included);
//! - `m::item` needs `import ..::m;` and `item` to be `pub` in `m`; it is
//!   rewritten to `item` (the prefix blanked) for the compiler;
//! - a bare call of another module's function, or a bare use of its type,
//!   needs `import m::{item};` and `item` to be `pub`.
//!
//! Uses are found with the lexer: a name right after `.` (a field or
//! method) or `::` (a variant or static) is not a top-level name. A local
//! variable that shares another module's function name and is called like
//! one is (rarely) taken for that function.

use super::header::{self, TopName};
use super::{Errors, File};
use crate::ast::Span;
use crate::diag::{line_col, Diagnostic};
use crate::lexer::Tok;
use std::collections::HashMap;

/// Checks every file's uses of other modules' names and returns each
/// file's text as the compiler must see it (headers blanked, `m::`
/// prefixes removed), by file index.
pub(super) fn check_and_rewrite(
    files: &[File],
    order: &[usize],
    errors: &mut Errors,
) -> Vec<String> {
    // Every top-level name: the first module, in load order, that defines
    // it; a later one gets the error.
    let mut owner: HashMap<&str, (usize, &TopName)> = HashMap::new();
    for &f in order {
        let Some(file) = files.get(f) else { continue };
        for n in &file.header.names {
            // A name imported one by one has its own error (in `rewrite`).
            let imports_it = file
                .header
                .imports
                .iter()
                .any(|i| i.names.iter().any(|(m, _)| *m == n.name));
            match owner.get(n.name.as_str()) {
                Some(_) if imports_it => {}
                Some(&(g, first)) if g != f => {
                    let (l, c) = line_col(&files[g].text, first.span.start);
                    errors.push((
                        f,
                        Diagnostic::error(
                            n.span,
                            format!("`{}` is also defined in {}:{l}:{c}", n.name, files[g].shown),
                        )
                        .with_note("top-level names must differ between the modules of a program; rename one of them"),
                    ));
                }
                Some(_) => {}
                None => {
                    owner.insert(&n.name, (f, n));
                }
            }
        }
    }
    files
        .iter()
        .enumerate()
        .map(|(f, file)| rewrite(files, f, file, &owner, errors))
        .collect()
}

/// The private-item error for `item` of file `g`, used at `span`.
fn private(files: &[File], g: usize, item: &TopName, span: Span) -> Diagnostic {
    let (l, c) = line_col(&files[g].text, item.span.start);
    Diagnostic::error(
        span,
        format!(
            "`{}` is private to {} (defined at {}:{l}:{c})",
            item.name, files[g].rel, files[g].shown
        ),
    )
    .with_note(format!(
        "mark it `pub` in {} to use it from other modules",
        files[g].rel
    ))
}

fn rewrite(
    files: &[File],
    f: usize,
    file: &File,
    owner: &HashMap<&str, (usize, &TopName)>,
    errors: &mut Errors,
) -> String {
    let own = |name: &str| file.header.names.iter().any(|n| n.name == name);
    let find = |g: usize, name: &str| files[g].header.names.iter().find(|n| n.name == name);
    // Module aliases (the last segment of each import) and names imported
    // one by one, with the file they come from.
    let mut aliases: HashMap<&str, usize> = HashMap::new();
    let mut imported: HashMap<&str, usize> = HashMap::new();
    for (import, dep) in file.header.imports.iter().zip(&file.deps) {
        let Some(g) = *dep else { continue };
        if let Some(last) = import.path.last() {
            aliases.insert(last, g);
        }
        for (name, span) in &import.names {
            match find(g, name) {
                None => errors.push((
                    f,
                    Diagnostic::error(*span, format!("module {} has no item `{name}`", files[g].rel)),
                )),
                Some(item) if !item.public => errors.push((f, private(files, g, item, *span))),
                Some(_) if own(name) => errors.push((
                    f,
                    Diagnostic::error(
                        *span,
                        format!("`{name}` is imported from {} and also defined in this file", files[g].rel),
                    )
                    .with_note("rename the local item, or use the imported one as a qualified path instead"),
                )),
                Some(_) => {
                    imported.insert(name, g);
                }
            }
        }
    }
    let mut blank = file.header.blank.clone();
    let text = header::blanked(&file.text, &blank);
    let tokens = header::tokens(&text);
    let mut i = 0;
    while i < tokens.len() {
        let (s, tok, e) = &tokens[i];
        let Tok::Ident(name) = tok else {
            i += 1;
            continue;
        };
        let prev = i.checked_sub(1).and_then(|p| tokens.get(p)).map(|t| &t.1);
        let next = tokens.get(i + 1).map(|t| &t.1);
        if matches!(prev, Some(Tok::Dot | Tok::ColonColon)) {
            i += 1;
            continue;
        }
        let span = Span::new(*s, *e);
        if let (Some(Tok::ColonColon), Some(&g), false) = (next, aliases.get(name), own(name)) {
            if let Some((_, Tok::Ident(item), ie)) = tokens.get(i + 2) {
                let whole = Span::new(*s, *ie);
                match find(g, item) {
                    None => errors.push((
                        f,
                        Diagnostic::error(
                            whole,
                            format!("module {} has no item `{item}`", files[g].rel),
                        ),
                    )),
                    Some(it) if !it.public => errors.push((f, private(files, g, it, whole))),
                    Some(_) => {}
                }
                // `m::` goes; `item` stays where it was written.
                blank.push(Span::new(*s, tokens[i + 1].2));
                i += 3;
                continue;
            }
        }
        if let Some(&(g, item)) = owner.get(name) {
            let used_as_item = item.is_type || matches!(next, Some(Tok::LParen | Tok::ColonColon));
            if g != f && !own(name) && used_as_item {
                match imported.get(name) {
                    Some(_) => {}
                    None if !item.public => errors.push((f, private(files, g, item, span))),
                    None => errors.push((
                        f,
                        Diagnostic::error(
                            span,
                            format!("`{name}` is defined in {}, which this file does not import by name", files[g].rel),
                        )
                        .with_note(format!(
                            "write `import {}::{{{name}}};`, or use it as a path after importing its module",
                            files[g].rel.trim_end_matches(".src").replace('/', "::")
                        )),
                    )),
                }
            }
        }
        i += 1;
    }
    header::blanked(&file.text, &blank)
}
