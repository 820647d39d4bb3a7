//! The parser: tokens to an arena-allocated AST, with recovered syntax errors.
//!
//! The grammar lives in `grammar.lalrpop` (generated into `OUT_DIR` by
//! `build.rs`). This module holds the small helpers its actions call and
//! turns lalrpop's error values into diagnostics with the expected tokens.
//! The generated LR parser keeps its stack on the heap, so even absurdly
//! deep nesting cannot overflow the Rust stack while parsing; depth is then
//! limited by the checker (see `check::MAX_NESTING`).

use crate::ast::*;
use crate::diag::Diagnostic;
use crate::lexer::{Lexer, Tok};
use bumpalo::Bump;
use lalrpop_util::{lalrpop_mod, ErrorRecovery, ParseError};

lalrpop_mod!(
    #[allow(clippy::all, unused_parens, unused_imports, dead_code)]
    grammar
);

/// The lexer never fails the parse (it reports errors on the side), so the
/// parser's user error type is uninhabited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Never {}

pub(crate) fn mk<'a>(b: &'a Bump, kind: ExprKind<'a>, l: usize, r: usize) -> &'a Expr<'a> {
    b.alloc(Expr {
        kind,
        span: Span::new(l, r),
    })
}

pub(crate) fn bin<'a>(b: &'a Bump, op: BinOp, l: &'a Expr<'a>, r: &'a Expr<'a>) -> &'a Expr<'a> {
    b.alloc(Expr {
        kind: ExprKind::Binary(op, l, r),
        span: l.span.to(r.span),
    })
}

pub(crate) fn slice<T: Copy>(b: &Bump, v: Vec<T>) -> &[T] {
    b.alloc_slice_copy(&v)
}

/// `f(args)`: a call of a field expression `a.m` is a method call.
pub(crate) fn finish_call<'a>(
    b: &'a Bump,
    f: &'a Expr<'a>,
    args: Vec<&'a Expr<'a>>,
    l: usize,
    r: usize,
) -> &'a Expr<'a> {
    let args: Vec<Expr<'a>> = args.into_iter().copied().collect();
    let args = slice(b, args);
    match f.kind {
        ExprKind::Field(obj, name) => mk(b, ExprKind::MethodCall(obj, name, args), l, r),
        _ => mk(b, ExprKind::Call(f, args), l, r),
    }
}

/// `e.0.1`: the lexer reads `0.1` as a float, so its two indices are taken
/// back from the float's shortest spelling. A spelling that differs from
/// the source (`t.0.10`, which reads back as `0.1`) cannot be split so:
/// its index is then out of range and the checker reports it.
pub(crate) fn tuple_fields<'a>(
    b: &'a Bump,
    e: &'a Expr<'a>,
    x: f64,
    l: usize,
    m: usize,
    r: usize,
) -> &'a Expr<'a> {
    let text = format!("{x:?}");
    let parts = text
        .split_once('.')
        .filter(|_| text.len() == r.saturating_sub(m))
        .and_then(|(a, c)| Some((a.parse::<u32>().ok()?, c.parse::<u32>().ok()?)));
    match parts {
        Some((first, second)) => {
            let dot = m + text.find('.').unwrap_or(0);
            let inner = mk(b, ExprKind::TupleField(e, first, Span::new(m, dot)), l, dot);
            mk(
                b,
                ExprKind::TupleField(inner, second, Span::new(dot + 1, r)),
                l,
                r,
            )
        }
        None => mk(b, ExprKind::TupleField(e, u32::MAX, Span::new(m, r)), l, r),
    }
}

/// Parses a whole file. Lexical and syntax errors are appended to `diags`;
/// the returned tree holds `Error` nodes where the parser recovered.
pub fn parse<'a>(arena: &'a Bump, source: &'a str, diags: &mut Vec<Diagnostic>) -> Program<'a> {
    parse_with_outcome(arena, source, diags).0
}

/// Parses `source[span]` alone as a file, with spans (and so lines) in
/// `source`: one declaration of a file whose syntax tree is gone, parsed
/// again without the rest of the file (`check::generics`, the prelude's
/// templates). Errors are appended to `diags`.
pub fn parse_range<'a>(
    arena: &'a Bump,
    source: &'a str,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Program<'a> {
    let mut lexer = Lexer::range(source, span.start..span.end);
    let mut recovered: Vec<ErrorRecovery<usize, Tok<'a>, Never>> = Vec::new();
    let result = grammar::ProgramParser::new().parse(arena, &mut recovered, &mut lexer);
    for (span, message) in lexer.errors.drain(..) {
        diags.push(Diagnostic::error(Span::new(span.start, span.end), message));
    }
    for rec in recovered {
        diags.push(syntax_error(rec.error, source.len()));
    }
    match result {
        Ok(p) => p,
        Err(e) => {
            diags.push(syntax_error(e, source.len()));
            Program { items: &[] }
        }
    }
}

/// How a parse went, beyond its diagnostics: what a REPL needs to tell an
/// unfinished input from a wrong one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOutcome {
    /// A string literal or block comment runs to the end of the text.
    pub unterminated: bool,
    /// Syntax errors at the end of the text ("unexpected end of file").
    pub eof_errors: usize,
    /// Every other lexical or syntax error.
    pub other_errors: usize,
}

/// `parse`, also telling where the errors were.
pub fn parse_with_outcome<'a>(
    arena: &'a Bump,
    source: &'a str,
    diags: &mut Vec<Diagnostic>,
) -> (Program<'a>, ParseOutcome) {
    let mut outcome = ParseOutcome::default();
    let mut lexer = Lexer::new(source);
    let mut recovered: Vec<ErrorRecovery<usize, Tok<'a>, Never>> = Vec::new();
    let result = grammar::ProgramParser::new().parse(arena, &mut recovered, &mut lexer);
    // An unterminated string or comment swallows the rest of the file, so
    // the parser's complaint about the end of the file would only repeat it.
    let swallowed = lexer
        .errors
        .iter()
        .any(|(_, m)| m.starts_with("unterminated"));
    for (_, m) in &lexer.errors {
        if m == "unterminated string literal" || m == "unterminated block comment" {
            outcome.unterminated = true;
        } else {
            outcome.other_errors += 1;
        }
    }
    for (span, message) in lexer.errors.drain(..) {
        diags.push(Diagnostic::error(Span::new(span.start, span.end), message));
    }
    let mut syntax = Vec::new();
    let at_eof =
        |e: &ParseError<usize, Tok<'a>, Never>| matches!(e, ParseError::UnrecognizedEof { .. });
    let mut count = |e: &ParseError<usize, Tok<'a>, Never>| {
        if at_eof(e) {
            outcome.eof_errors += 1;
        } else {
            outcome.other_errors += 1;
        }
    };
    for rec in recovered {
        count(&rec.error);
        if !(swallowed && at_eof(&rec.error)) {
            syntax.push(syntax_error(rec.error, source.len()));
        }
    }
    let program = match result {
        Ok(p) => p,
        Err(e) => {
            count(&e);
            if !(swallowed && at_eof(&e)) {
                syntax.push(syntax_error(e, source.len()));
            }
            Program { items: &[] }
        }
    };
    // One bad token can make lalrpop report twice at the same place (once
    // recovered, once fatal); keep one message per position.
    syntax.dedup_by(|a, b| a.span == b.span);
    diags.extend(syntax);
    (program, outcome)
}

fn syntax_error(e: ParseError<usize, Tok<'_>, Never>, len: usize) -> Diagnostic {
    match e {
        ParseError::InvalidToken { location } => {
            Diagnostic::error(Span::new(location, location), "invalid token".to_string())
        }
        ParseError::UnrecognizedEof { location, expected } => Diagnostic::error(
            Span::new(location.min(len), location.min(len)),
            format!("unexpected end of file{}", expected_list(&expected)),
        ),
        ParseError::UnrecognizedToken {
            token: (l, t, r),
            expected,
        } => Diagnostic::error(
            Span::new(l, r),
            format!("unexpected {t}{}", expected_list(&expected)),
        ),
        ParseError::ExtraToken { token: (l, t, r) } => {
            Diagnostic::error(Span::new(l, r), format!("unexpected {t} after the end"))
        }
        ParseError::User { error } => match error {},
    }
}

/// ", expected one of `a`, `b`": lalrpop names terminals as quoted strings
/// (`"\"fn\""`) or as the names of the valued tokens.
fn expected_list(expected: &[String]) -> String {
    if expected.is_empty() {
        return String::new();
    }
    // Where a statement could end, a missing `;` is by far the likeliest
    // mistake; listing every operator that could also follow only hides it.
    let has = |t: &str| expected.iter().any(|e| e.trim_matches('"') == t);
    if has("let") {
        // Where a statement may start, listing every token that can start
        // one is noise.
        return if has("}") {
            ", expected a statement or `}`".to_string()
        } else {
            ", expected a statement or a declaration".to_string()
        };
    }
    if has(";") {
        return ", expected `;`".to_string();
    }
    let mut names: Vec<String> = Vec::new();
    for e in expected {
        let name = match e.as_str() {
            "Int" => "integer".to_string(),
            "Float" => "float".to_string(),
            // An interpolating literal is a string too.
            "Str" | "StrStart" => "string".to_string(),
            // The lexer's pieces of an interpolating literal: the `}`
            // that closes an interpolation, or the `:` of its spec.
            "StrMid" | "StrEnd" => "`}`".to_string(),
            "FmtSpec" => "`:` and a format spec".to_string(),
            "Ident" => "identifier".to_string(),
            other => format!("`{}`", other.trim_matches('"')),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    const SHOWN: usize = 8;
    if names.len() == 1 {
        format!(", expected {}", names[0])
    } else if names.len() <= SHOWN {
        format!(", expected one of {}", names.join(", "))
    } else {
        format!(
            ", expected one of {}, ...",
            names.get(..SHOWN).unwrap_or(&names).join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(src: &str) -> usize {
        let arena = Bump::new();
        let mut diags = Vec::new();
        let p = parse(&arena, src, &mut diags);
        assert!(diags.is_empty(), "{diags:#?}");
        p.items.len()
    }

    fn parse_errors(src: &str) -> Vec<(usize, usize, String)> {
        let arena = Bump::new();
        let mut diags = Vec::new();
        parse(&arena, src, &mut diags);
        diags
            .into_iter()
            .map(|d| {
                let (l, c) = crate::diag::line_col(src, d.span.start);
                (l, c, d.message)
            })
            .collect()
    }

    #[test]
    fn card_program_parses() {
        assert_eq!(parse_ok(include_str!("testdata/card.src")), 12);
    }

    #[test]
    fn struct_literals_are_not_allowed_in_conditions() {
        parse_ok("if x { y; } while a < b { } for p in ps { } match e { _ => 1 }");
        parse_ok("let p = P { x: 1, y }; if (P { x: 1 }).x == 1 { }");
        // `x {` after `if` opens the block, so this is the block `{ y: 1 }`,
        // which does not parse.
        assert!(!parse_errors("if x { y: 1 } { }").is_empty());
    }

    #[test]
    fn statements_and_expressions() {
        parse_ok(
            "let a = if c { 1 } else if d { 2 } else { 3 };
             let m: {str: int} = {}; let xs = [0; 10]; let e = [];
             m[\"k\"] += 3; p.x = -1; f(1)(2).g[3].h();
             var f = fn(x: int) -> int { return x * 2; };
             let g: fn(int, str) -> fn() = nil;
             match s { A::B(x, _) | A::C(x, 1) => { x; } -1..=5 => 0, \"s\" => 1, _ => 2 }
             for i in 0..=n { break; continue; }
             x = match v { 1 => 2, _ => 3 };",
        );
    }

    #[test]
    fn precedence() {
        let arena = Bump::new();
        let mut diags = Vec::new();
        let p = parse(
            &arena,
            "x = 1 + 2 * 3 == 7 && !a || b & c << 1;",
            &mut diags,
        );
        let Item::Stmt(Stmt {
            kind: StmtKind::Assign { value, .. },
            ..
        }) = p.items[0]
        else {
            panic!()
        };
        let ExprKind::Binary(BinOp::Or, l, _) = value.kind else {
            panic!("{value:?}")
        };
        let ExprKind::Binary(BinOp::And, l, _) = l.kind else {
            panic!()
        };
        let ExprKind::Binary(BinOp::Eq, l, _) = l.kind else {
            panic!()
        };
        assert!(matches!(l.kind, ExprKind::Binary(BinOp::Add, _, _)));
    }

    #[test]
    fn several_syntax_errors_are_reported() {
        let errs = parse_errors("let x = ;\nlet y = 1 +;\nfn f() { let = 2; }\nlet ok = 1;");
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert_eq!((errs[0].0, errs[0].1), (1, 9));
        assert!(errs[0].2.starts_with("unexpected `;`, expected one of"));
        assert_eq!((errs[1].0, errs[1].1), (2, 12));
        assert_eq!((errs[2].0, errs[2].1), (3, 14));
        assert_eq!(
            errs[2].2,
            "unexpected `=`, expected one of identifier, `_`, `(`"
        );
    }

    #[test]
    fn eof_error() {
        let errs = parse_errors("fn main() {");
        assert_eq!(errs.len(), 1);
        assert!(errs[0].2.starts_with("unexpected end of file"), "{errs:?}");
    }
}
