//! Diagnostics: what the compiler reports, and rendering with
//! codespan-reporting (file:line:column and the source line marked).

pub mod excerpt;

use crate::ast::Span;
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::term::{self, termcolor};
use excerpt::Excerpt;

/// One compile error, or a warning.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
    /// Further explanation shown under the marked line.
    pub notes: Vec<String>,
    /// A warning: reported, but the program still compiles.
    pub warning: bool,
}

impl Diagnostic {
    pub fn error(span: Span, message: String) -> Diagnostic {
        Diagnostic {
            span,
            message,
            notes: Vec::new(),
            warning: false,
        }
    }
    pub fn warning(span: Span, message: String) -> Diagnostic {
        Diagnostic {
            warning: true,
            ..Diagnostic::error(span, message)
        }
    }
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }
}

/// How many errors a rendering shows; a final line counts the rest. The
/// compiler still finds every error (the checker keeps going), but past a
/// hundred they are almost always one mistake cascading or generated
/// input, and a person fixes the first ones first. The cap bounds the
/// rendered text at about `MAX_RENDERED_ERRORS` excerpts of at most
/// `excerpt::MAX_SHOWN_LINES` lines of `excerpt::SHOWN_LINE_CHARS`
/// characters each, plus the messages, whatever the input.
pub const MAX_RENDERED_ERRORS: usize = 100;

/// Every error found in one file, with the file's name and text so that it
/// can be rendered on its own.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    file_name: String,
    source: String,
    /// Byte offsets where the source's lines start (the first is 0).
    line_starts: Vec<usize>,
    items: Vec<Diagnostic>,
    /// The errors of the other files of a program that spans files
    /// (`modules`), each rendered with its own file; empty for one file.
    others: Vec<Diagnostics>,
}

impl Diagnostics {
    pub(crate) fn new(file_name: &str, source: &str, mut items: Vec<Diagnostic>) -> Diagnostics {
        // Report in source order; the stages find errors in their own order.
        items.sort_by_key(|d| (d.span.start, d.span.end));
        items.dedup();
        Diagnostics {
            file_name: file_name.to_string(),
            source: source.to_string(),
            line_starts: line_starts(source),
            items,
            others: Vec::new(),
        }
    }

    /// The same diagnostics with every warning made an error
    /// (`lang check --deny-warnings`).
    pub fn denied(mut self) -> Diagnostics {
        for d in &mut self.items {
            d.warning = false;
        }
        self.others = self.others.into_iter().map(Diagnostics::denied).collect();
        self
    }

    /// Adds the errors of other files, rendered after this file's.
    pub(crate) fn append_files(&mut self, others: Vec<Diagnostics>) {
        self.others.extend(others);
    }

    /// The one error of a file that is not UTF-8: it marks the first byte
    /// that is not, on its line of the file decoded lossily (each invalid
    /// sequence shown as U+FFFD).
    pub(crate) fn invalid_utf8(file_name: &str, bytes: &[u8], e: std::str::Utf8Error) -> Self {
        let at = e.valid_up_to();
        let text = String::from_utf8_lossy(bytes);
        // Everything before `at` is valid, so it is the same in the lossy
        // text, where the bad sequence became one U+FFFD.
        let span = Span::new(at, at + char::REPLACEMENT_CHARACTER.len_utf8());
        let byte = bytes.get(at).copied().unwrap_or_default();
        let why = match e.error_len() {
            Some(_) => format!("byte {at} (0x{byte:02x}) cannot appear here in UTF-8 text"),
            None => format!("the file ends inside a character that starts at byte {at}"),
        };
        let d = Diagnostic::error(span, "the file is not valid UTF-8".to_string())
            .with_note(format!("{why}; source files must be UTF-8"));
        Diagnostics::new(file_name, &text, vec![d])
    }

    /// How many errors, in every file.
    pub fn len(&self) -> usize {
        self.items.len() + self.others.iter().map(Diagnostics::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The errors of the first file (see `others` for the rest).
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = clamp_to_char(&self.source, offset);
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let col = self
            .source
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (line, col)
    }

    /// `file:line:col: message` lines, one per error: handy for tests and
    /// tools that want one line per error. Every error is listed; columns
    /// are counted in one pass over the file (the errors are in source
    /// order), so many errors on one long line cost no more than one.
    pub fn short(&self) -> Vec<String> {
        let mut at = 0;
        let (mut line, mut col) = (1, 1);
        self.items
            .iter()
            .map(|d| {
                let offset = clamp_to_char(&self.source, d.span.start);
                for c in self.source.get(at..offset).unwrap_or("").chars() {
                    if c == '\n' {
                        line += 1;
                        col = 1;
                    } else {
                        col += 1;
                    }
                }
                at = at.max(offset);
                format!("{}:{}:{}: {}", self.file_name, line, col, d.message)
            })
            .chain(self.others.iter().flat_map(Diagnostics::short))
            .collect()
    }

    /// Renders the errors like rustc does: message, `file:line:col`, the
    /// source line with the span underlined (a window of a long line, see
    /// [`excerpt`]), and notes. At most [`MAX_RENDERED_ERRORS`] are shown;
    /// a last line counts the others.
    pub fn render(&self, color: bool) -> String {
        let config = term::Config::default();
        let mut buffer = if color {
            termcolor::Buffer::ansi()
        } else {
            termcolor::Buffer::no_color()
        };
        for d in self.items.iter().take(MAX_RENDERED_ERRORS) {
            let start = clamp_to_char(&self.source, d.span.start);
            let end = clamp_to_char(&self.source, d.span.end.max(d.span.start));
            let (file, label) =
                Excerpt::new(&self.file_name, &self.source, &self.line_starts, start..end);
            let head = if d.warning {
                CsDiagnostic::warning()
            } else {
                CsDiagnostic::error()
            };
            let diag = head
                .with_message(d.message.clone())
                .with_labels(vec![Label::primary((), label)])
                .with_notes(d.notes.clone());
            // Rendering into a memory buffer only fails on a bad span, which
            // the excerpt rules out; fall back to the short form regardless.
            if term::emit(&mut buffer, &config, &file, &diag).is_err() {
                let (l, c) = self.line_col(start);
                buffer_push(
                    &mut buffer,
                    &format!(
                        "{}: {}\n  at {}:{l}:{c}\n",
                        if d.warning { "warning" } else { "error" },
                        d.message,
                        self.file_name
                    ),
                );
            }
        }
        let rest = self.items.len().saturating_sub(MAX_RENDERED_ERRORS);
        if rest > 0 {
            let errors = if rest == 1 { "error" } else { "errors" };
            buffer_push(&mut buffer, &format!("... and {rest} more {errors}\n"));
        }
        let mut out = String::from_utf8_lossy(buffer.as_slice()).into_owned();
        for other in &self.others {
            out.push_str(&other.render(color));
        }
        out
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

/// Byte offsets where the lines of `source` start: 0, and one past every
/// newline.
fn line_starts(source: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(source.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
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

#[cfg(test)]
mod tests;
