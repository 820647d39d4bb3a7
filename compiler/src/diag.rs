//! Diagnostics: what the compiler reports, and rendering with
//! codespan-reporting (file:line:column and the source line marked).

use crate::ast::Span;
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor};

/// One compile error.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
    /// Further explanation shown under the marked line.
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(span: Span, message: String) -> Diagnostic {
        Diagnostic {
            span,
            message,
            notes: Vec::new(),
        }
    }
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }
}

/// Every error found in one file, with the file's name and text so that it
/// can be rendered on its own.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    file_name: String,
    source: String,
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub(crate) fn new(file_name: &str, source: &str, mut items: Vec<Diagnostic>) -> Diagnostics {
        // Report in source order; the stages find errors in their own order.
        items.sort_by_key(|d| (d.span.start, d.span.end));
        items.dedup();
        Diagnostics {
            file_name: file_name.to_string(),
            source: source.to_string(),
            items,
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col(&self.source, offset)
    }

    /// `file:line:col: message` lines, one per error: handy for tests and
    /// tools that want one line per error.
    pub fn short(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|d| {
                let (l, c) = self.line_col(d.span.start);
                format!("{}:{}:{}: {}", self.file_name, l, c, d.message)
            })
            .collect()
    }

    /// Renders every error like rustc does: message, `file:line:col`, the
    /// source line with the span underlined, and notes.
    pub fn render(&self, color: bool) -> String {
        let file = SimpleFile::new(self.file_name.as_str(), self.source.as_str());
        let config = term::Config::default();
        let mut buffer = if color {
            termcolor::Buffer::ansi()
        } else {
            termcolor::Buffer::no_color()
        };
        for d in &self.items {
            let start = clamp_to_char(&self.source, d.span.start);
            let end = clamp_to_char(&self.source, d.span.end.max(d.span.start));
            let diag = CsDiagnostic::error()
                .with_message(d.message.clone())
                .with_labels(vec![Label::primary((), start..end)])
                .with_notes(d.notes.clone());
            // Rendering into a memory buffer only fails on a bad span, which
            // clamping rules out; fall back to the short form regardless.
            if term::emit(&mut buffer, &config, &file, &diag).is_err() {
                let (l, c) = self.line_col(start);
                buffer_push(
                    &mut buffer,
                    &format!("error: {}\n  at {}:{l}:{c}\n", d.message, self.file_name),
                );
            }
        }
        String::from_utf8_lossy(buffer.as_slice()).into_owned()
    }
}

fn buffer_push(buffer: &mut termcolor::Buffer, text: &str) {
    use std::io::Write;
    let _ = buffer.write_all(text.as_bytes());
}

impl std::fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// Moves an offset back onto a char boundary within the text.
fn clamp_to_char(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// 1-based line and column (counted in chars) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = clamp_to_char(source, offset);
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}
