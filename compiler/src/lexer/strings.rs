//! String literals: escapes and interpolations.
//!
//! A literal is scanned whole when its opening quote is met: its text with
//! escapes decoded (`\n \t \r \0 \\ \" \$ \u{X..}`), and where each
//! interpolation `${expr}` or `${expr:spec}` is. The lexer then hands the
//! parser the text pieces and, between them, the tokens of each
//! interpolated expression (`Lexer` in the parent module).
//!
//! Decisions:
//! - `${` opens an interpolation; any other `$` is itself, and `\$` is a
//!   `$` that never opens one.
//! - The expression ends at the `}` that closes the `${`, or at a `:`
//!   outside brackets (not part of `::`), which starts the format spec;
//!   the spec runs to the next `}`. The expression may contain string
//!   literals, with interpolations of their own.
//! - An interpolation must end on the line it starts. So a missing `}`
//!   (`"${name"`) is found at once and reported at its `${`, instead of the
//!   quote after it opening a string that swallows the following lines.
//!   The `${` is then read as plain text.
//! - An empty interpolation `${}` is an error, also read as plain text.

use std::ops::Range;

/// How deeply string literals may nest inside interpolations
/// (`"${f("${x}")}"` is two levels). Each level is scanned again by the
/// level around it and lexed by a lexer of its own; readable code stays
/// within two or three, and the bound keeps hostile input from making
/// lexing quadratic or deep.
pub const MAX_INTERPOLATION_NESTING: usize = 8;

/// A piece of a string literal.
#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    /// Literal text, escapes decoded.
    Text(String),
    /// `${expr}` or `${expr:spec}`, as byte ranges of the source: the `$`,
    /// the expression, the spec (after its `:`), and the closing `}`.
    Interp {
        dollar: usize,
        expr: Range<usize>,
        spec: Option<Range<usize>>,
        close: usize,
    },
}

/// A scanned literal: its pieces, text and interpolations alternating and
/// starting and ending with text (perhaps empty), and the byte just after
/// its closing quote.
#[derive(Debug, Clone, PartialEq)]
pub struct Scanned {
    pub parts: Vec<StrPart>,
    pub end: usize,
}

/// Why a literal could not be scanned to its closing quote.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unclosed {
    /// The input ended first.
    Eof,
    /// A line ended first, where the literal had to stay on one line.
    Line,
}

/// Scans the literal whose opening quote is at `open` in `src`. Errors
/// that leave the literal readable (bad escapes, bad interpolations) are
/// appended to `errors`; `one_line` forbids the literal to cross a line
/// (a literal inside an interpolation).
pub fn scan(
    src: &str,
    open: usize,
    nesting: usize,
    one_line: bool,
    errors: &mut Vec<(Range<usize>, String)>,
) -> Result<Scanned, Unclosed> {
    let bytes = src.as_bytes();
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut i = open + 1;
    loop {
        let Some(&b) = bytes.get(i) else {
            return Err(Unclosed::Eof);
        };
        match b {
            b'"' => {
                parts.push(StrPart::Text(text));
                return Ok(Scanned { parts, end: i + 1 });
            }
            b'\n' if one_line => return Err(Unclosed::Line),
            b'\\' => i = escape(src, i, &mut text, errors)?,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                match interpolation(src, i, nesting, errors) {
                    Ok(part) => {
                        let StrPart::Interp { close, .. } = part else {
                            return Err(Unclosed::Eof);
                        };
                        parts.push(StrPart::Text(std::mem::take(&mut text)));
                        parts.push(part);
                        i = close + 1;
                    }
                    Err(()) => {
                        // Reported; the `${` is plain text.
                        text.push_str("${");
                        i += 2;
                    }
                }
            }
            _ => {
                // Copy up to the next byte that means something here; the
                // bytes in between are whole UTF-8 characters.
                let run = bytes[i..]
                    .iter()
                    .position(|&c| matches!(c, b'"' | b'\\' | b'$' | b'\n'))
                    .map_or(bytes.len(), |n| i + n.max(1));
                text.push_str(src.get(i..run).unwrap_or(""));
                i = run;
            }
        }
    }
}

/// Decodes the escape whose `\` is at `at`; returns where the text goes
/// on.
fn escape(
    src: &str,
    at: usize,
    text: &mut String,
    errors: &mut Vec<(Range<usize>, String)>,
) -> Result<usize, Unclosed> {
    let Some(e) = src.get(at + 1..).and_then(|r| r.chars().next()) else {
        return Err(Unclosed::Eof);
    };
    let after = at + 1 + e.len_utf8();
    let decoded = match e {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '0' => '\0',
        '\\' => '\\',
        '"' => '"',
        '$' => '$',
        'u' => match unicode_escape(src.get(after..).unwrap_or("")) {
            Ok((ch, used)) => {
                text.push(ch);
                return Ok(after + used);
            }
            Err(msg) => {
                errors.push((at..after, msg.to_string()));
                return Ok(after);
            }
        },
        other => {
            let msg = format!("unknown escape `\\{}` in string", other.escape_debug());
            errors.push((at..after, msg));
            return Ok(after);
        }
    };
    text.push(decoded);
    Ok(after)
}

/// Decodes the `{XXXX}` that follows `\u`; returns the char and the number
/// of bytes consumed (all ASCII).
fn unicode_escape(text: &str) -> Result<(char, usize), &'static str> {
    let Some(body) = text.strip_prefix('{') else {
        return Err("`\\u` must be followed by `{hex digits}`");
    };
    let Some(close) = body.find('}') else {
        return Err("unterminated `\\u{...}` escape");
    };
    let hex = &body[..close];
    if hex.is_empty() || hex.len() > 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err("`\\u{...}` needs 1 to 6 hex digits");
    }
    let code = u32::from_str_radix(hex, 16).map_err(|_| "bad `\\u{...}` escape")?;
    let ch = char::from_u32(code).ok_or("`\\u{...}` is not a Unicode scalar value")?;
    Ok((ch, close + 2))
}

/// Finds the extent of the interpolation whose `$` is at `dollar`;
/// `Err` after reporting it when it is not a well-formed one.
fn interpolation(
    src: &str,
    dollar: usize,
    nesting: usize,
    errors: &mut Vec<(Range<usize>, String)>,
) -> Result<StrPart, ()> {
    let opener = dollar..dollar + 2;
    if nesting >= MAX_INTERPOLATION_NESTING {
        let msg = format!(
            "string interpolations nested too deeply (the limit is {MAX_INTERPOLATION_NESTING} levels)"
        );
        errors.push((opener, msg));
        return Err(());
    }
    let bytes = src.as_bytes();
    let start = dollar + 2;
    let mut depth = 0usize;
    let mut i = start;
    let unterminated = |errors: &mut Vec<(Range<usize>, String)>| {
        errors.push((
            opener.clone(),
            "unterminated `${` in string: the interpolation needs its `}` on the same line"
                .to_string(),
        ));
        Err(())
    };
    let (expr_end, spec) = loop {
        let Some(&b) = bytes.get(i) else {
            return unterminated(errors);
        };
        match b {
            b'\n' => return unterminated(errors),
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'}' if depth == 0 => break (i, None),
            b'}' => depth -= 1,
            b':' if bytes.get(i + 1) == Some(&b':') => i += 1,
            b':' if depth == 0 => {
                // The spec runs to the next `}`, on this line.
                let from = i + 1;
                let end = bytes[from..]
                    .iter()
                    .position(|&c| matches!(c, b'}' | b'\n' | b'"'));
                let Some(len) = end else {
                    return unterminated(errors);
                };
                if bytes[from + len] != b'}' {
                    return unterminated(errors);
                }
                break (i, Some(from..from + len));
            }
            b'"' => {
                // A literal inside the expression: skipped whole, its own
                // mistakes left for the lexer that reads the expression.
                let mut ignored = Vec::new();
                match scan(src, i, nesting + 1, true, &mut ignored) {
                    Ok(s) => {
                        i = s.end;
                        continue;
                    }
                    Err(_) => return unterminated(errors),
                }
            }
            _ => {}
        }
        i += 1;
    };
    let close = spec.as_ref().map_or(expr_end, |s| s.end);
    if src
        .get(start..expr_end)
        .is_some_and(|e| e.trim().is_empty())
    {
        errors.push((
            dollar..close + 1,
            "empty interpolation `${}`: write an expression between the braces, or `\\${` for the text `${`"
                .to_string(),
        ));
        return Err(());
    }
    Ok(StrPart::Interp {
        dollar,
        expr: start..expr_end,
        spec,
        close,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_ok(src: &str) -> (Vec<StrPart>, Vec<(Range<usize>, String)>) {
        let mut errors = Vec::new();
        let s = scan(src, 0, 0, false, &mut errors).expect("a closed literal");
        assert_eq!(s.end, src.len(), "the literal ends at the last quote");
        (s.parts, errors)
    }

    fn text(s: &str) -> StrPart {
        StrPart::Text(s.to_string())
    }

    #[test]
    fn plain_text_and_escapes() {
        let (parts, errors) = scan_ok(r#""a\n\$b $ c\u{e9}""#);
        assert_eq!(parts, vec![text("a\n$b $ c\u{e9}")]);
        assert!(errors.is_empty());
    }

    #[test]
    fn interpolations_with_and_without_specs() {
        let src = r#""x ${a + 1} y ${b:>6} z""#;
        let (parts, errors) = scan_ok(src);
        assert!(errors.is_empty());
        assert_eq!(
            parts,
            vec![
                text("x "),
                StrPart::Interp {
                    dollar: 3,
                    expr: 5..10,
                    spec: None,
                    close: 10
                },
                text(" y "),
                StrPart::Interp {
                    dollar: 14,
                    expr: 16..17,
                    spec: Some(18..20),
                    close: 20
                },
                text(" z"),
            ]
        );
    }

    #[test]
    fn brackets_paths_and_nested_literals_stay_in_the_expression() {
        let src = r#""${m["k:}"]} ${E::A} ${f("${x}")}""#;
        let (parts, errors) = scan_ok(src);
        assert!(errors.is_empty(), "{errors:?}");
        let exprs: Vec<&str> = parts
            .iter()
            .filter_map(|p| match p {
                StrPart::Interp { expr, spec, .. } => {
                    assert_eq!(*spec, None);
                    Some(&src[expr.clone()])
                }
                StrPart::Text(_) => None,
            })
            .collect();
        assert_eq!(exprs, vec![r#"m["k:}"]"#, "E::A", r#"f("${x}")"#]);
    }

    #[test]
    fn a_missing_brace_is_reported_at_its_dollar_and_read_as_text() {
        let (parts, errors) = scan_ok(r#""${name""#);
        assert_eq!(parts, vec![text("${name")]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, 1..3);
        assert!(errors[0].1.starts_with("unterminated `${`"));
        // The brace must be on the line of its `${`.
        let mut errors = Vec::new();
        let s = scan("\"${a\n}\"", 0, 0, false, &mut errors);
        assert_eq!(s.map(|s| s.parts), Ok(vec![text("${a\n}")]));
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn empty_interpolations_and_deep_nesting_are_errors() {
        let (parts, errors) = scan_ok(r#""a${ }b""#);
        assert_eq!(parts, vec![text("a${ }b")]);
        assert!(errors[0].1.starts_with("empty interpolation"));
    }

    #[test]
    fn an_unclosed_literal_is_unclosed() {
        let mut errors = Vec::new();
        assert_eq!(scan("\"abc", 0, 0, false, &mut errors), Err(Unclosed::Eof));
        assert_eq!(scan("\"a\\", 0, 0, false, &mut errors), Err(Unclosed::Eof));
    }
}
