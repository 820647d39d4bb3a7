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
//! - String literals may span lines. Escapes: `\n \t \r \0 \\ \" \u{X..}`.
//!
//! Lexical errors do not stop lexing: the [`Lexer`] iterator records them and
//! skips the offending text, so that the parser still sees the rest of the
//! file and every error of the file is reported at once.

use logos::{FilterResult, Logos};
use std::ops::Range;

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

/// A token of the language. Names follow the card; values are decoded here
/// (numbers parsed, string escapes resolved) so the parser never re-reads text.
#[derive(Logos, Debug, Clone, PartialEq)]
#[logos(error = LexError)]
#[logos(extras = Vec<(Range<usize>, String)>)]
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
    #[token("\"", string)]
    Str(String),
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident(&'s str),

    #[token("fn")]
    Fn,
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
            Tok::Str(_) => write!(f, "string literal"),
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
            Tok::Str(_) => "string",
            Tok::Ident(_) => "identifier",
            Tok::Fn => "fn",
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
    lex.extras.push((span, message.into()));
    0
}

fn float<'s>(lex: &mut logos::Lexer<'s, Tok<'s>>) -> Result<f64, LexError> {
    digits_without_underscores(lex.slice())
        .parse::<f64>()
        .map_err(|_| LexError::new("malformed float literal"))
}

/// Reads a string literal after its opening quote, decoding escapes.
///
/// On a bad escape the whole literal is still consumed (so the lexer stays in
/// step with the quotes) and the error points at the escape itself.
fn string<'s>(lex: &mut logos::Lexer<'s, Tok<'s>>) -> Result<String, LexError> {
    let base = lex.span().end;
    let rest = lex.remainder();
    let mut out = String::new();
    let mut error: Option<LexError> = None;
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                lex.bump(i + 1);
                // A bad escape is reported, but the literal is still a
                // token, so the parser sees well-formed input.
                if let Some(e) = error {
                    let span = e.span.unwrap_or_else(|| lex.span());
                    lex.extras.push((span, e.message));
                }
                return Ok(out);
            }
            '\\' => {
                let Some((j, e)) = chars.next() else {
                    break;
                };
                let escape_span = base + i..base + j + e.len_utf8();
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '0' => out.push('\0'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    'u' => match unicode_escape(&rest[j + 1..]) {
                        Ok((ch, used)) => {
                            out.push(ch);
                            // Skip the `{XXXX}` part that was decoded.
                            for _ in 0..used {
                                chars.next();
                            }
                        }
                        Err(msg) => {
                            error.get_or_insert(LexError::at(msg, escape_span));
                        }
                    },
                    other => {
                        error.get_or_insert(LexError::at(
                            format!("unknown escape `\\{}` in string", other.escape_debug()),
                            escape_span,
                        ));
                    }
                }
            }
            c => out.push(c),
        }
    }
    let start = lex.span().start;
    lex.bump(rest.len());
    Err(LexError::at(
        "unterminated string literal",
        start..start + 1,
    ))
}

/// Decodes the `{XXXX}` that follows `\u`; returns the char and the number
/// of chars consumed (all ASCII, so bytes and chars agree).
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

/// A spanned token stream for the parser, collecting lexical errors on the
/// side instead of ending the stream.
pub struct Lexer<'s> {
    inner: logos::Lexer<'s, Tok<'s>>,
    pub errors: Vec<(Range<usize>, String)>,
}

impl<'s> Lexer<'s> {
    pub fn new(source: &'s str) -> Self {
        Lexer {
            inner: Tok::lexer(source),
            errors: Vec::new(),
        }
    }
}

impl<'s> Iterator for Lexer<'s> {
    type Item = Result<(usize, Tok<'s>, usize), crate::parser::Never>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let next = self.inner.next();
            self.errors.append(&mut self.inner.extras);
            let tok = next?;
            let span = self.inner.span();
            match tok {
                Ok(Tok::BlockComment) => continue,
                Ok(t) => return Some(Ok((span.start, t, span.end))),
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
