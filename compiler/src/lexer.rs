//! The lexer: source text to tokens, built with `logos`.
//!
//! Decisions recorded here because the language card leaves them open:
//! - Block comments `/* ... */` nest, as in Rust, so that commenting out a
//!   region that already holds a block comment works. An unterminated block
//!   comment is a diagnostic at its opening `/*`.
//! - Integer literals are lexed as `u64`. The checker, not the lexer, decides
//!   whether a decimal literal fits in `int`, because `-9223372036854775808`
//!   is only representable as the negation of a literal that on its own is out
//!   of range. Hexadecimal literals may use all 64 bits (`0xffff_ffff_ffff_ffff`
//!   is `-1`), since they describe bit patterns. A literal that does not fit in
//!   64 bits at all is a diagnostic here.
//! - String literals may span lines. Escapes: `\n \t \r \0 \\ \" \$ \u{X..}`.
//!   Interpolations `${expr}` and `${expr:spec}` are found by `strings`;
//!   the parser gets such a literal as its text pieces with the tokens of
//!   each expression between them (`StrStart`, tokens, `FmtSpec`,
//!   `StrMid`, ..., `StrEnd`).
//!
//! Lexical errors do not stop lexing: the [`Lexer`] iterator records them and
//! skips the offending text, so that the parser still sees the rest of the
//! file and every error of the file is reported at once.

mod strings;

use logos::{FilterResult, Logos};
use std::collections::VecDeque;
use std::ops::Range;
use strings::StrPart;
pub use strings::MAX_INTERPOLATION_NESTING;

/// What went wrong while lexing, with the byte range to underline.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LexError {
    pub message: String,
    /// A narrower range than the whole token when one is known (for example
    /// the bad escape inside a string); `None` means the token's own span.
    pub span: Option<Range<usize>>,
}

impl LexError {
    fn new(message: impl Into<String>) -> Self {
        LexError {
            message: message.into(),
            span: None,
        }
    }
    fn at(message: impl Into<String>, span: Range<usize>) -> Self {
        LexError {
            message: message.into(),
            span: Some(span),
        }
    }
}

/// What the lexer keeps beside its position.
#[derive(Debug, Default)]
pub struct Extras {
    /// Errors found inside tokens that are still tokens (a bad escape).
    pub errors: Vec<(Range<usize>, String)>,
    /// How many interpolations the text being lexed is inside.
    pub nesting: usize,
}

/// A token of the language. Names follow the card; values are decoded here
/// (numbers parsed, string escapes resolved) so the parser never re-reads text.
#[derive(Logos, Debug, Clone, PartialEq)]
#[logos(error = LexError)]
#[logos(extras = Extras)]
#[logos(skip r"[ \t\r\n\f]+")]
#[logos(skip r"//[^\n]*")]
pub enum Tok<'s> {
    #[token("/*", block_comment)]
    BlockComment,

    #[regex(r"[0-9][0-9_]*", decimal)]
    #[regex(r"0[xX][0-9a-fA-F_]+", hexadecimal)]
    Int(u64),
    #[regex(r"[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9_]+)?", float)]
    #[regex(r"[0-9][0-9_]*[eE][+-]?[0-9_]+", float)]
    Float(f64),
    /// A string literal as the lexer scanned it; `Lexer` turns it into
    /// `Str`, or `StrStart` ... `StrEnd` when it interpolates.
    #[token("\"", string)]
    Literal(Vec<StrPart>),
    /// A string literal without interpolations, escapes decoded.
    Str(String),
    /// The text of an interpolating literal up to its first `${`.
    StrStart(String),
    /// The text between a `}` and the next `${`.
    StrMid(String),
    /// The text from the last `}` to the closing quote.
    StrEnd(String),
    /// The format spec of an interpolation, after its `:`.
    FmtSpec(&'s str),
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident(&'s str),

    #[token("fn")]
    Fn,
    /// `test` right before `fn`: a test function (`lang test`). Anywhere
    /// else `test` is an ordinary identifier, so `Lexer` makes this token
    /// from the identifier when the next token is `fn`.
    Test,
    #[token("let")]
    Let,
    #[token("var")]
    Var,
    #[token("if")]
    If,
    #[token("else")]
    Else,
    #[token("while")]
    While,
    #[token("for")]
    For,
    #[token("in")]
    In,
    #[token("break")]
    Break,
    #[token("continue")]
    Continue,
    #[token("return")]
    Return,
    #[token("struct")]
    Struct,
    #[token("enum")]
    Enum,
    #[token("trait")]
    Trait,
    #[token("impl")]
    Impl,
    #[token("match")]
    Match,
    #[token("true")]
    True,
    #[token("false")]
    False,
    #[token("nil")]
    Nil,
    #[token("self")]
    SelfKw,
    #[token("_", priority = 3)]
    Underscore,

    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("<<")]
    Shl,
    #[token(">>")]
    Shr,
    #[token("&")]
    Amp,
    #[token("^")]
    Caret,
    #[token("|")]
    Pipe,
    #[token("~")]
    Tilde,
    #[token("!")]
    Bang,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("&&")]
    AndAnd,
    #[token("||")]
    OrOr,
    #[token("=")]
    Eq,
    #[token("+=")]
    PlusEq,
    #[token("-=")]
    MinusEq,
    #[token("*=")]
    StarEq,
    #[token("/=")]
    SlashEq,
    #[token("%=")]
    PercentEq,
    #[token("..")]
    DotDot,
    #[token("..=")]
    DotDotEq,
    #[token("=>")]
    FatArrow,
    #[token("->")]
    Arrow,
    #[token("::")]
    ColonColon,
    #[token(":")]
    Colon,
    #[token(";")]
    Semi,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token("?")]
    Question,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
}

impl std::fmt::Display for Tok<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tok::Int(n) => write!(f, "integer `{n}`"),
            Tok::Float(x) => write!(f, "float `{x}`"),
            Tok::Literal(_) | Tok::Str(_) | Tok::StrStart(_) => write!(f, "string literal"),
            Tok::StrMid(_) | Tok::StrEnd(_) => write!(f, "`}}` in a string"),
            Tok::FmtSpec(s) => write!(f, "format spec `{s}`"),
            Tok::Ident(s) => write!(f, "identifier `{s}`"),
            other => write!(f, "`{}`", other.text()),
        }
    }
}

impl Tok<'_> {
    /// The source spelling of a fixed token, used in messages.
    pub fn text(&self) -> &'static str {
        match self {
            Tok::BlockComment => "/*",
            Tok::Int(_) => "integer",
            Tok::Float(_) => "float",
            Tok::Literal(_) | Tok::Str(_) | Tok::StrStart(_) => "string",
            Tok::StrMid(_) | Tok::StrEnd(_) => "}",
            Tok::FmtSpec(_) => "format spec",
            Tok::Ident(_) => "identifier",
            Tok::Fn => "fn",
            Tok::Test => "test",
            Tok::Let => "let",
            Tok::Var => "var",
            Tok::If => "if",
            Tok::Else => "else",
            Tok::While => "while",
            Tok::For => "for",
            Tok::In => "in",
            Tok::Break => "break",
            Tok::Continue => "continue",
            Tok::Return => "return",
            Tok::Struct => "struct",
            Tok::Enum => "enum",
            Tok::Trait => "trait",
            Tok::Impl => "impl",
            Tok::Match => "match",
            Tok::True => "true",
            Tok::False => "false",
            Tok::Nil => "nil",
            Tok::SelfKw => "self",
            Tok::Underscore => "_",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::Shl => "<<",
            Tok::Shr => ">>",
            Tok::Amp => "&",
            Tok::Caret => "^",
            Tok::Pipe => "|",
            Tok::Tilde => "~",
            Tok::Bang => "!",
            Tok::EqEq => "==",
            Tok::NotEq => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::AndAnd => "&&",
            Tok::OrOr => "||",
            Tok::Eq => "=",
            Tok::PlusEq => "+=",
            Tok::MinusEq => "-=",
            Tok::StarEq => "*=",
            Tok::SlashEq => "/=",
            Tok::PercentEq => "%=",
            Tok::DotDot => "..",
            Tok::DotDotEq => "..=",
            Tok::FatArrow => "=>",
            Tok::Arrow => "->",
            Tok::ColonColon => "::",
            Tok::Colon => ":",
            Tok::Semi => ";",
            Tok::Comma => ",",
            Tok::Dot => ".",
            Tok::Question => "?",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::LBrace => "{",
            Tok::RBrace => "}",
        }
    }
}

/// Skips a (nested) block comment whose `/*` was just matched.
fn block_comment<'s>(lex: &mut logos::Lexer<'s, Tok<'s>>) -> FilterResult<(), LexError> {
    let rest = lex.remainder().as_bytes();
    let mut depth = 1usize;
    let mut i = 0usize;
    while i < rest.len() {
        if rest[i] == b'/' && rest.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if rest[i] == b'*' && rest.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                lex.bump(i);
                return FilterResult::Skip;
            }
        } else {
            i += 1;
        }
    }
    // Only the opening `/*` is underlined; the rest of the file is consumed so
    // that the text inside the comment does not produce follow-on errors.
    let start = lex.span().start;
    lex.bump(rest.len());
    FilterResult::Error(LexError::at("unterminated block comment", start..start + 2))
}

fn digits_without_underscores(text: &str) -> String {
    text.chars().filter(|&c| c != '_').collect()
}

/// Out-of-range literals still become tokens (with the error recorded in
/// the lexer's extras), so that the parser does not report a second,
/// confusing error where the literal was.
fn decimal<'s>(lex: &mut logos::Lexer<'s, Tok<'s>>) -> u64 {
    match digits_without_underscores(lex.slice()).parse::<u64>() {
        Ok(v) => v,
        Err(_) => {
            let span = lex.span();
            lex.extras
                .errors
                .push((span, "integer literal is too large for `int`".into()));
            u64::MAX
        }
    }
}

fn hexadecimal<'s>(lex: &mut logos::Lexer<'s, Tok<'s>>) -> u64 {
    let digits = digits_without_underscores(lex.slice().get(2..).unwrap_or(""));
    let message = if digits.is_empty() {
        "hexadecimal literal has no digits"
    } else {
        match u64::from_str_radix(&digits, 16) {
            Ok(v) => return v,
            Err(_) => "hexadecimal literal does not fit in 64 bits",
        }
    };
    let span = lex.span();
    lex.extras.errors.push((span, message.into()));
    0
}

fn float<'s>(lex: &mut logos::Lexer<'s, Tok<'s>>) -> Result<f64, LexError> {
    digits_without_underscores(lex.slice())
        .parse::<f64>()
        .map_err(|_| LexError::new("malformed float literal"))
}

/// Reads a string literal after its opening quote (`strings::scan`).
///
/// On a bad escape or interpolation the whole literal is still consumed (so
/// the lexer stays in step with the quotes) and the error points at the
/// escape or the `${` itself.
fn string<'s>(lex: &mut logos::Lexer<'s, Tok<'s>>) -> Result<Vec<StrPart>, LexError> {
    let start = lex.span().start;
    let mut errors = Vec::new();
    let nesting = lex.extras.nesting;
    match strings::scan(lex.source(), start, nesting, false, &mut errors) {
        Ok(s) => {
            lex.bump(s.end.saturating_sub(lex.span().end));
            // The mistakes are reported, but the literal is still a token,
            // so the parser sees well-formed input.
            lex.extras.errors.extend(errors);
            Ok(s.parts)
        }
        Err(_) => {
            lex.bump(lex.remainder().len());
            Err(LexError::at(
                "unterminated string literal",
                start..start + 1,
            ))
        }
    }
}

/// A spanned token stream for the parser, collecting lexical errors on the
/// side instead of ending the stream.
pub struct Lexer<'s> {
    inner: logos::Lexer<'s, Tok<'s>>,
    /// Tokens of an interpolating string literal not yet handed out.
    pending: VecDeque<(usize, Tok<'s>, usize)>,
    /// The token after an identifier `test`, read to tell the keyword
    /// (`test fn`) from the identifier.
    peeked: Option<(usize, Tok<'s>, usize)>,
    pub errors: Vec<(Range<usize>, String)>,
}

impl<'s> Lexer<'s> {
    pub fn new(source: &'s str) -> Self {
        let mut inner = Tok::lexer(source);
        inner.bump(shebang_len(source));
        Lexer {
            inner,
            pending: VecDeque::new(),
            peeked: None,
            errors: Vec::new(),
        }
    }

    /// A lexer of `source[range]` alone, with spans in `source`: one
    /// declaration of a file (`parser::parse_range`).
    pub(crate) fn range(source: &'s str, range: Range<usize>) -> Self {
        Lexer::of_range(source, range, 0)
    }

    /// A lexer of `source[range]` alone, with spans in `source`: the
    /// expression of an interpolation.
    fn of_range(source: &'s str, range: Range<usize>, nesting: usize) -> Self {
        let text = source.get(..range.end).unwrap_or("");
        let extras = Extras {
            errors: Vec::new(),
            nesting,
        };
        let mut inner = Tok::lexer_with_extras(text, extras);
        inner.bump(range.start.min(range.end));
        Lexer {
            inner,
            pending: VecDeque::new(),
            peeked: None,
            errors: Vec::new(),
        }
    }

    /// Queues the tokens of the literal at `span`: one `Str`, or the
    /// pieces of an interpolating literal with the tokens of its
    /// expressions between them.
    fn literal(&mut self, parts: Vec<StrPart>, span: Range<usize>) {
        let source = self.inner.source();
        if let [StrPart::Text(text)] = parts.as_slice() {
            let tok = Tok::Str(text.clone());
            self.pending.push_back((span.start, tok, span.end));
            return;
        }
        // Each text piece runs from the opening quote or the `}` before it
        // to the `${` after it (with it) or the closing quote.
        let dollars: Vec<usize> = parts
            .iter()
            .filter_map(|p| match p {
                StrPart::Interp { dollar, .. } => Some(*dollar),
                StrPart::Text(_) => None,
            })
            .collect();
        let mut from = span.start;
        let mut texts = 0;
        for part in parts {
            match part {
                StrPart::Text(text) => {
                    let tok = match (texts, dollars.get(texts)) {
                        (0, Some(&d)) => (from, Tok::StrStart(text), d + 2),
                        (_, Some(&d)) => (from, Tok::StrMid(text), d + 2),
                        (_, None) => (from, Tok::StrEnd(text), span.end),
                    };
                    self.pending.push_back(tok);
                    texts += 1;
                }
                StrPart::Interp {
                    expr, spec, close, ..
                } => {
                    let nesting = self.inner.extras.nesting + 1;
                    let mut inner = Lexer::of_range(source, expr, nesting);
                    for tok in inner.by_ref().flatten() {
                        self.pending.push_back(tok);
                    }
                    self.errors.append(&mut inner.errors);
                    if let Some(spec) = spec {
                        let text = source.get(spec.clone()).unwrap_or("");
                        self.pending
                            .push_back((spec.start, Tok::FmtSpec(text), spec.end));
                    }
                    from = close;
                }
            }
        }
    }
}

impl<'s> Iterator for Lexer<'s> {
    type Item = Result<(usize, Tok<'s>, usize), crate::parser::Never>;

    fn next(&mut self) -> Option<Self::Item> {
        let tok = match self.peeked.take() {
            Some(tok) => tok,
            None => self.advance()?,
        };
        if let (start, Tok::Ident("test"), end) = tok {
            self.peeked = self.advance();
            if matches!(self.peeked, Some((_, Tok::Fn, _))) {
                return Some(Ok((start, Tok::Test, end)));
            }
        }
        Some(Ok(tok))
    }
}

impl<'s> Lexer<'s> {
    /// The next token of the stream, before `test fn` is recognised.
    fn advance(&mut self) -> Option<(usize, Tok<'s>, usize)> {
        loop {
            if let Some(tok) = self.pending.pop_front() {
                return Some(tok);
            }
            let next = self.inner.next();
            self.errors.append(&mut self.inner.extras.errors);
            let tok = next?;
            let span = self.inner.span();
            match tok {
                Ok(Tok::BlockComment) => continue,
                Ok(Tok::Literal(parts)) => self.literal(parts, span),
                Ok(t) => return Some((span.start, t, span.end)),
                Err(e) => {
                    let message = if e.message.is_empty() {
                        let text = self.inner.slice();
                        let ch = text.chars().next().unwrap_or(' ');
                        format!("unexpected character `{}`", ch.escape_debug())
                    } else {
                        e.message
                    };
                    self.errors.push((e.span.unwrap_or(span), message));
                }
            }
        }
    }
}

/// How many bytes of `source` a `#!` first line takes (0 without one), so
/// that a program can be an executable script (`#!/usr/bin/env lang run`).
/// The newline ending it stays, so line numbers are unchanged.
fn shebang_len(source: &str) -> usize {
    if source.starts_with("#!") {
        source.find('\n').unwrap_or(source.len())
    } else {
        0
    }
}

/// Lexes a whole source into tokens and errors; used by tests and tools.
pub fn tokenize(source: &str) -> (Vec<Tok<'_>>, Vec<(Range<usize>, String)>) {
    let mut lexer = Lexer::new(source);
    let mut toks = Vec::new();
    for Ok((_, t, _)) in lexer.by_ref() {
        toks.push(t);
    }
    (toks, lexer.errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok<'_>> {
        let (t, e) = tokenize(s);
        assert!(e.is_empty(), "unexpected errors: {e:?}");
        t
    }

    #[test]
    fn numbers() {
        assert_eq!(
            toks("42 0xff 1_000_000 1.5 2e-3 1..5"),
            vec![
                Tok::Int(42),
                Tok::Int(255),
                Tok::Int(1_000_000),
                Tok::Float(1.5),
                Tok::Float(2e-3),
                Tok::Int(1),
                Tok::DotDot,
                Tok::Int(5)
            ]
        );
        assert_eq!(
            toks("2.71.to_fixed"),
            vec![Tok::Float(2.71), Tok::Dot, Tok::Ident("to_fixed")]
        );
    }

    #[test]
    fn shebang_first_line_is_skipped() {
        assert_eq!(toks("#!/usr/bin/env lang run\n42"), vec![Tok::Int(42)]);
        assert_eq!(toks("#!only"), vec![]);
        // Only a first line: `#!` later is a lexical error as before.
        let (_, e) = tokenize("1\n#!x");
        assert!(!e.is_empty());
    }

    #[test]
    fn integer_overflow_is_an_error() {
        let (_, e) = tokenize("99999999999999999999 0x1ffffffffffffffff");
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].0, 0..20);
        assert!(e[0].1.contains("too large"));
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            toks(r#""a\n\t\\\"\u{e9}\r\0""#),
            vec![Tok::Str("a\n\t\\\"\u{e9}\r\0".into())]
        );
        let (_, e) = tokenize(r#""bad \q escape" x"#);
        assert_eq!(e, vec![(5..7, "unknown escape `\\q` in string".into())]);
        let (_, e) = tokenize("let s = \"open");
        assert_eq!(e, vec![(8..9, "unterminated string literal".into())]);
        let (_, e) = tokenize(r#""\u{110000}""#);
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn interpolating_literals_become_pieces_around_tokens() {
        let src = r#"f("a ${x + 1} b ${y:>4} c")"#;
        let mut lexer = Lexer::new(src);
        let spans: Vec<(usize, Tok, usize)> = lexer.by_ref().flatten().collect();
        assert!(lexer.errors.is_empty(), "{:?}", lexer.errors);
        let shown: Vec<(&str, Tok)> = spans
            .iter()
            .map(|(l, t, r)| (&src[*l..*r], t.clone()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("f", Tok::Ident("f")),
                ("(", Tok::LParen),
                ("\"a ${", Tok::StrStart("a ".into())),
                ("x", Tok::Ident("x")),
                ("+", Tok::Plus),
                ("1", Tok::Int(1)),
                ("} b ${", Tok::StrMid(" b ".into())),
                ("y", Tok::Ident("y")),
                (">4", Tok::FmtSpec(">4")),
                ("} c\"", Tok::StrEnd(" c".into())),
                (")", Tok::RParen),
            ]
        );
        // `\$` and a `$` without `{` are text.
        assert_eq!(toks(r#""\${a} $b""#), vec![Tok::Str("${a} $b".into())]);
    }

    #[test]
    fn literals_nest_inside_interpolations_to_a_limit() {
        assert_eq!(
            toks(r#""<${"[${n}]"}>""#),
            vec![
                Tok::StrStart("<".into()),
                Tok::StrStart("[".into()),
                Tok::Ident("n"),
                Tok::StrEnd("]".into()),
                Tok::StrEnd(">".into()),
            ]
        );
        let mut deep = String::from("x");
        for _ in 0..=MAX_INTERPOLATION_NESTING {
            deep = format!("\"${{{deep}}}\"");
        }
        let (_, e) = tokenize(&deep);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].1.contains("nested too deeply"));
        // A bad escape inside a nested literal is reported once.
        let (_, e) = tokenize(r#""${f("\q")}""#);
        assert_eq!(e, vec![(6..8, "unknown escape `\\q` in string".into())]);
    }

    #[test]
    fn test_is_a_keyword_only_before_fn() {
        assert_eq!(
            toks("test fn t() test: fn(str) test"),
            vec![
                Tok::Test,
                Tok::Fn,
                Tok::Ident("t"),
                Tok::LParen,
                Tok::RParen,
                Tok::Ident("test"),
                Tok::Colon,
                Tok::Fn,
                Tok::LParen,
                Tok::Ident("str"),
                Tok::RParen,
                Tok::Ident("test"),
            ]
        );
    }

    #[test]
    fn comments_nest() {
        assert_eq!(
            toks("a /* x /* y */ z */ b // c\n d"),
            vec![Tok::Ident("a"), Tok::Ident("b"), Tok::Ident("d")]
        );
        let (t, e) = tokenize("a /* /* */ b");
        assert_eq!(t, vec![Tok::Ident("a")]);
        assert_eq!(e, vec![(2..4, "unterminated block comment".into())]);
    }

    #[test]
    fn keywords_and_operators() {
        assert_eq!(
            toks("fn self _ _x ..= .. => -> :: <= << &&"),
            vec![
                Tok::Fn,
                Tok::SelfKw,
                Tok::Underscore,
                Tok::Ident("_x"),
                Tok::DotDotEq,
                Tok::DotDot,
                Tok::FatArrow,
                Tok::Arrow,
                Tok::ColonColon,
                Tok::Le,
                Tok::Shl,
                Tok::AndAnd
            ]
        );
        let (_, e) = tokenize("a @ b");
        assert_eq!(e, vec![(2..3, "unexpected character `@`".into())]);
    }
}
