//! `lang fmt`: prints a program in the one canonical style, from its AST.
//!
//! The style is the repository's: four-space indentation, braces on the
//! line that opens them, one statement a line, spaces around binary
//! operators and after commas. A block, list or declaration the author
//! wrote on one line stays on one line; one written over several lines is
//! printed one element a line (with a trailing comma in lists). Comments,
//! which the lexer skips, are collected separately (`comments`) and put
//! back before the construct they preceded or at the end of the line they
//! trailed; runs of blank lines become one. Literals keep their spelling.
//!
//! The result is checked before it is returned: it must parse and keep
//! every comment, otherwise formatting fails rather than losing anything.

mod comments;
mod exprs;
mod items;
mod printer;
mod stmts;
#[cfg(test)]
mod tests;

use crate::diag::Diagnostics;

/// Why a file could not be formatted.
#[derive(Debug)]
pub enum FmtError {
    /// The file has syntax errors (the usual diagnostics).
    Parse(Diagnostics),
    /// The formatter would have produced something wrong: a bug, reported
    /// instead of writing the file.
    Internal(String),
}

/// The canonical text of `source`. `file_name` names it in diagnostics.
pub fn format_source(file_name: &str, source: &str) -> Result<String, FmtError> {
    // The tree has no place for `import` and `pub` yet (the module pass
    // takes them out before parsing): refuse rather than drop them.
    let header = crate::modules::header::scan(source, &mut Vec::new());
    if !header.imports.is_empty() || header.names.iter().any(|n| n.public) {
        return Err(FmtError::Internal(format!(
            "{file_name}: lang fmt does not format modules yet (this file has `import` or `pub`); the file was left alone"
        )));
    }
    let formatted = print(file_name, source)?;
    let again = print(file_name, &formatted).map_err(|_| {
        FmtError::Internal(format!(
            "{file_name}: the formatted text does not parse (a bug in `lang fmt`; the file was left alone)"
        ))
    })?;
    let _ = again;
    let before = comments::scan(source, shebang_len(source)).len();
    let after = comments::scan(&formatted, shebang_len(&formatted)).len();
    if before != after {
        return Err(FmtError::Internal(format!(
            "{file_name}: formatting would lose a comment (a bug in `lang fmt`; the file was left alone)"
        )));
    }
    Ok(formatted)
}

/// Parses `source` and prints its tree, without the checks.
fn print(file_name: &str, source: &str) -> Result<String, FmtError> {
    let arena = bumpalo::Bump::new();
    let mut diags = Vec::new();
    let program = crate::parser::parse(&arena, source, &mut diags);
    if !diags.is_empty() {
        return Err(FmtError::Parse(Diagnostics::new(file_name, source, diags)));
    }
    let shebang = shebang_len(source);
    let mut printer = printer::Printer::new(source, comments::scan(source, shebang));
    printer.src_pos = shebang;
    if shebang > 0 {
        printer.write(source[..shebang].trim_end());
        printer.newline();
    }
    printer.program(&program);
    Ok(printer.finish())
}

/// The length of a `#!` first line, which the lexer skips too.
fn shebang_len(source: &str) -> usize {
    if source.starts_with("#!") {
        source.find('\n').map_or(source.len(), |n| n + 1)
    } else {
        0
    }
}
