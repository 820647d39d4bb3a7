//! What the language server computes for a document: its diagnostics
//! (the compiler's, exactly as `lang check` reports them), its formatted
//! text (`lang fmt`'s) and its symbols (from the parser's tree).

use super::text::{Document, Encoding};
use lsp_types::{DiagnosticSeverity, DocumentSymbol, SymbolKind, TextEdit};
use std::path::PathBuf;

/// The path of a `file:` URI (percent-decoded), or a bare name for any
/// other: imports are then looked for beside nothing.
fn path_of(uri: &str) -> PathBuf {
    let Some(rest) = uri.strip_prefix("file://") else {
        return PathBuf::from("untitled.src");
    };
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let (h, l) = (hex(h).unwrap_or(0), hex(l).unwrap_or(0));
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(out))
}

/// The compiler's errors and warnings for `doc`, which the editor has at
/// `uri` (imports are read from the disk beside it).
pub fn diagnostics(uri: &str, doc: &Document, enc: Encoding) -> Vec<lsp_types::Diagnostic> {
    let path = path_of(uri);
    let diags = match crate::load::compile_warned(&path, &doc.text, lang_compiler::Entry::Main) {
        Ok((_, warnings)) => warnings,
        Err(errors) => errors,
    };
    let mut out: Vec<lsp_types::Diagnostic> = diags
        .items()
        .iter()
        .map(|d| {
            let mut message = d.message.clone();
            for note in &d.notes {
                message.push('\n');
                message.push_str(note);
            }
            lsp_types::Diagnostic {
                range: doc.range(d.span.start, d.span.end, enc),
                severity: Some(if d.warning {
                    DiagnosticSeverity::WARNING
                } else {
                    DiagnosticSeverity::ERROR
                }),
                source: Some("lang".into()),
                message,
                ..Default::default()
            }
        })
        .collect();
    if out.is_empty() && !diags.is_empty() {
        // Every error is in another file (a module this one imports): say
        // so at the top rather than show a clean file that cannot compile.
        out.push(lsp_types::Diagnostic {
            range: doc.range(0, 0, enc),
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some("lang".into()),
            message: diags.short().join("\n"),
            ..Default::default()
        });
    }
    out
}

/// The edits that format `doc` as `lang fmt` would: the whole text
/// replaced, none if it is formatted already, null if it does not parse.
pub fn formatting(doc: &Document, enc: Encoding) -> serde_json::Value {
    match lang_compiler::fmt::format_source("document", &doc.text) {
        Ok(formatted) if formatted == doc.text => serde_json::json!([]),
        Ok(formatted) => serde_json::to_value(vec![TextEdit {
            range: doc.whole(enc),
            new_text: formatted,
        }])
        .unwrap_or_default(),
        Err(_) => serde_json::Value::Null,
    }
}

/// The document's top-level declarations, with the methods of impls and
/// traits under them.
pub fn symbols(doc: &Document, enc: Encoding) -> serde_json::Value {
    use lang_compiler::ast::Item;
    let arena = bumpalo::Bump::new();
    let mut ignored = Vec::new();
    let program = lang_compiler::parser::parse(&arena, &doc.text, &mut ignored);
    let symbol = |name: &str, span: lang_compiler::ast::Span, kind, children| {
        let range = doc.range(span.start, span.end, enc);
        #[allow(deprecated)]
        DocumentSymbol {
            name: name.to_string(),
            detail: None,
            kind,
            tags: None,
            deprecated: None,
            range,
            selection_range: range,
            children,
        }
    };
    let mut out = Vec::new();
    for item in program.items {
        match item {
            Item::Fn(f) => out.push(symbol(
                f.sig.name.name,
                f.sig.name.span,
                SymbolKind::FUNCTION,
                None,
            )),
            Item::Struct(s) => out.push(symbol(s.name.name, s.name.span, SymbolKind::STRUCT, None)),
            Item::Enum(e) => {
                let variants = e
                    .variants
                    .iter()
                    .map(|v| symbol(v.name.name, v.name.span, SymbolKind::ENUM_MEMBER, None))
                    .collect();
                out.push(symbol(
                    e.name.name,
                    e.name.span,
                    SymbolKind::ENUM,
                    Some(variants),
                ));
            }
            Item::Trait(t) => {
                let methods = t
                    .methods
                    .iter()
                    .map(|m| symbol(m.name.name, m.name.span, SymbolKind::METHOD, None))
                    .collect();
                out.push(symbol(
                    t.name.name,
                    t.name.span,
                    SymbolKind::INTERFACE,
                    Some(methods),
                ));
            }
            Item::Impl(i) => {
                let methods = i
                    .methods
                    .iter()
                    .map(|m| symbol(m.sig.name.name, m.sig.name.span, SymbolKind::METHOD, None))
                    .collect();
                let name = match i.trait_name {
                    Some(t) => format!("impl {} for {}", t.name, i.target.name),
                    None => format!("impl {}", i.target.name),
                };
                out.push(symbol(
                    &name,
                    i.target.span,
                    SymbolKind::CLASS,
                    Some(methods),
                ));
            }
            Item::Stmt(_) => {}
        }
    }
    serde_json::to_value(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(path_of("file:///a/b%20c.src"), PathBuf::from("/a/b c.src"));
        assert_eq!(path_of("file:///a/100%"), PathBuf::from("/a/100%"));
        assert_eq!(path_of("untitled:1"), PathBuf::from("untitled.src"));
    }
}
