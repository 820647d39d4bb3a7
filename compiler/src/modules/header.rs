//! The module header of one source file, read with the lexer before the
//! parser sees the file: its `import` declarations, which of its top-level
//! items are `pub`, and every top-level name it defines. `import` and `pub`
//! are then blanked (replaced by spaces, newlines kept) so that the parser
//! sees an ordinary single-file program whose byte offsets, lines and
//! columns are exactly those of the file.

use crate::ast::Span;
use crate::diag::Diagnostic;
use crate::lexer::{Lexer, Tok};

/// `import a::b;` or `import a::b::{X, y};`.
#[derive(Debug, Clone)]
pub struct Import {
    /// The segments of the module path: `["a", "b"]`.
    pub path: Vec<String>,
    /// The names of a selective import, with where each is written.
    pub names: Vec<(String, Span)>,
    /// The whole declaration.
    pub span: Span,
}

/// A top-level item of a file.
#[derive(Debug, Clone)]
pub struct TopName {
    pub name: String,
    pub span: Span,
    pub public: bool,
    /// A struct, enum or trait (a type, rather than a function or global).
    pub is_type: bool,
}

/// One token with its span, as the header scan keeps them.
pub type Token<'s> = (usize, Tok<'s>, usize);

/// What the header scan found.
pub struct Header {
    pub imports: Vec<Import>,
    pub names: Vec<TopName>,
    /// Spans to blank before parsing: imports, `pub`, and a `#!` line.
    pub blank: Vec<Span>,
}

/// Scans `text`, reporting malformed imports into `diags`.
pub fn scan(text: &str, diags: &mut Vec<Diagnostic>) -> Header {
    let tokens = tokens(text);
    let mut h = Header {
        imports: Vec::new(),
        names: Vec::new(),
        blank: Vec::new(),
    };
    if text.starts_with("#!") {
        h.blank
            .push(Span::new(0, text.find('\n').unwrap_or(text.len())));
    }
    let mut depth = 0usize;
    let mut i = 0;
    // Whether the previous depth-0 token ended an item, so that a word here
    // starts one.
    let mut at_item_start = true;
    while i < tokens.len() {
        let (s, tok, e) = &tokens[i];
        match tok {
            Tok::LBrace => depth += 1,
            Tok::RBrace => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 && at_item_start {
            if let Tok::Ident("import") = tok {
                i = import(&tokens, i, &mut h, diags);
                at_item_start = true;
                continue;
            }
            let mut public = false;
            let mut k = i;
            if let Tok::Ident("pub") = tok {
                public = true;
                h.blank.push(Span::new(*s, *e));
                k += 1;
            }
            if let Some((kw, _, _)) = tokens.get(k).map(|(a, b, c)| (b, a, c)) {
                let is_type = matches!(kw, Tok::Struct | Tok::Enum | Tok::Trait);
                let named = is_type || matches!(kw, Tok::Fn | Tok::Let | Tok::Var);
                if let (true, Some((ns, Tok::Ident(n), ne))) = (named, tokens.get(k + 1)) {
                    h.names.push(TopName {
                        name: n.to_string(),
                        span: Span::new(*ns, *ne),
                        public,
                        is_type,
                    });
                } else if public {
                    diags.push(
                        Diagnostic::error(Span::new(*s, *e), "`pub` must come before `fn`, `struct`, `enum`, `trait`, `let` or `var`".into())
                            .with_note("only top-level items can be public"),
                    );
                }
            }
        }
        at_item_start = depth == 0 && matches!(tokens[i].1, Tok::Semi | Tok::RBrace);
        i += 1;
    }
    h
}

/// Every token of `text` with its span (lexing errors are left to the
/// parser, which reports them).
pub fn tokens(text: &str) -> Vec<Token<'_>> {
    Lexer::new(text).flatten().collect()
}

/// Reads the import declaration starting at token `i` (the word
/// `import`); returns the index of the token after it.
fn import(tokens: &[Token<'_>], i: usize, h: &mut Header, diags: &mut Vec<Diagnostic>) -> usize {
    let start = tokens[i].0;
    let mut k = i + 1;
    let mut path = Vec::new();
    let mut names = Vec::new();
    let bad = |at: usize, diags: &mut Vec<Diagnostic>| {
        let (s, e) = tokens.get(at).map_or((start, start + 6), |t| (t.0, t.2));
        diags.push(
            Diagnostic::error(Span::new(s, e), "malformed import".into())
                .with_note("write `import a::b;` or `import a::b::{X, y};`"),
        );
    };
    loop {
        match tokens.get(k) {
            Some((_, Tok::Ident(n), _)) => path.push(n.to_string()),
            _ => {
                bad(k, diags);
                return skip_to_semi(tokens, k, h, start);
            }
        }
        k += 1;
        match tokens.get(k) {
            Some((_, Tok::ColonColon, _)) => k += 1,
            Some((_, Tok::Semi, _)) => break,
            _ => {
                bad(k, diags);
                return skip_to_semi(tokens, k, h, start);
            }
        }
        if let Some((_, Tok::LBrace, _)) = tokens.get(k) {
            k += 1;
            while let Some((s, Tok::Ident(n), e)) = tokens.get(k) {
                names.push((n.to_string(), Span::new(*s, *e)));
                k += 1;
                if let Some((_, Tok::Comma, _)) = tokens.get(k) {
                    k += 1;
                }
            }
            match (tokens.get(k), tokens.get(k + 1)) {
                (Some((_, Tok::RBrace, _)), Some((_, Tok::Semi, _))) if !names.is_empty() => {
                    k += 1;
                    break;
                }
                _ => {
                    bad(k, diags);
                    return skip_to_semi(tokens, k, h, start);
                }
            }
        }
    }
    let end = tokens.get(k).map_or(start, |t| t.2);
    h.blank.push(Span::new(start, end));
    h.imports.push(Import {
        path,
        names,
        span: Span::new(start, end),
    });
    k + 1
}

/// After a malformed import: blanks up to the next `;` so the parser does
/// not report the same mistake again.
fn skip_to_semi(tokens: &[Token<'_>], mut k: usize, h: &mut Header, start: usize) -> usize {
    while let Some((_, t, e)) = tokens.get(k) {
        if matches!(t, Tok::Semi) {
            h.blank.push(Span::new(start, *e));
            return k + 1;
        }
        k += 1;
    }
    h.blank
        .push(Span::new(start, tokens.last().map_or(start, |t| t.2)));
    k
}

/// `text` with every span replaced by spaces (newlines kept, so lines and
/// columns do not move).
pub fn blanked(text: &str, spans: &[Span]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for s in spans {
        for b in bytes
            .get_mut(s.start..s.end.min(text.len()))
            .into_iter()
            .flatten()
        {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    // Whole tokens are blanked, so the text stays UTF-8 (a token's bytes
    // inside a string literal are never blanked: only top-level words are).
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
