//! The line editor's helper: tab completion from the session's names and
//! syntax highlighting from the compiler's own lexer.

use super::style::Style;
use lang_compiler::lexer::{Lexer, Tok};
use lang_compiler::Session;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

/// The REPL commands, for completing a line that starts with `:`.
pub const COMMANDS: &[&str] = &[":help", ":type", ":dis", ":load", ":reset", ":quit"];

pub struct ReplHelper {
    pub session: Rc<RefCell<Session>>,
    pub style: Style,
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = line.get(..pos).unwrap_or(line);
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == ':'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let word = &before[start..];
        if start == 0 && word.starts_with(':') {
            let cands = COMMANDS
                .iter()
                .filter(|c| c.starts_with(word))
                .map(|c| pair(c))
                .collect();
            return Ok((0, cands));
        }
        // Names after `::` or without a colon are completed from the session.
        let word_start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let names = self.session.borrow().completions(before);
        let partial = &before[word_start..];
        let mut cands: Vec<Pair> = names
            .iter()
            .filter(|n| n.starts_with(partial))
            .map(|n| pair(n))
            .collect();
        cands.dedup_by(|a, b| a.replacement == b.replacement);
        Ok((word_start, cands))
    }
}

fn pair(s: &str) -> Pair {
    Pair {
        display: s.to_string(),
        replacement: s.to_string(),
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Validator for ReplHelper {}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.style.on || line.starts_with(':') {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight(line, self.style))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.style.on
    }
}

impl Helper for ReplHelper {}

/// Colours `source` token by token. The text between tokens is copied as it
/// is, except comments, which the lexer skips and which are dimmed here.
pub fn highlight(source: &str, style: Style) -> String {
    let mut out = String::with_capacity(source.len() * 2);
    let mut at = 0;
    for (start, tok, end) in Lexer::new(source).flatten() {
        if let Some(gap) = source.get(at..start) {
            out.push_str(&paint_gap(gap, style));
        }
        let text = source.get(start..end).unwrap_or("");
        out.push_str(&match tok {
            Tok::Int(_) | Tok::Float(_) => style.number(text),
            // An interpolating literal's pieces and specs are string
            // colour; the expressions between them are coloured as code.
            Tok::Str(_)
            | Tok::Literal(_)
            | Tok::StrStart(_)
            | Tok::StrMid(_)
            | Tok::StrEnd(_)
            | Tok::FmtSpec(_) => style.string(text),
            Tok::Ident(name) if name.starts_with(|c: char| c.is_ascii_uppercase()) => {
                style.type_name(text)
            }
            Tok::Ident(name) if ["int", "float", "bool", "str"].contains(&name) => {
                style.type_name(text)
            }
            Tok::Ident(_) => text.to_string(),
            t if t.text().starts_with(|c: char| c.is_ascii_alphabetic()) => style.keyword(text),
            _ => text.to_string(),
        });
        at = end;
    }
    if let Some(rest) = source.get(at..) {
        out.push_str(&paint_gap(rest, style));
    }
    out
}

fn paint_gap(gap: &str, style: Style) -> String {
    match gap.find("//").or_else(|| gap.find("/*")) {
        Some(i) => format!("{}{}", &gap[..i], style.comment(&gap[i..])),
        None => gap.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolations_are_coloured_as_code_inside_string_colour() {
        let style = Style { on: true };
        let got = highlight(r#""n = ${n + 1:>3}!""#, style);
        let want = [
            style.string("\"n = ${"),
            "n ".to_string(),
            "+ ".to_string(),
            style.number("1"),
            ":".to_string(),
            style.string(">3"),
            style.string("}!\""),
        ]
        .concat();
        assert_eq!(got, want);
    }
}
