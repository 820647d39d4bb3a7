//! `lang lsp`: a language server over stdin and stdout.
//!
//! It keeps the documents the editor opened (full synchronisation: each
//! change sends the whole text), and after every change publishes the
//! compiler's own errors and warnings for it (`lang check`'s, with the
//! same messages and notes). It formats a document as `lang fmt` does and
//! lists its functions, structs, enums, traits and methods as document
//! symbols. Requests it does not know get the protocol's "method not
//! found"; a broken stream ends it with exit status 1, as does the end of
//! the input without a `shutdown` first (what the protocol asks).
//!
//! **Invariant:** the server never runs a program: it only parses and
//! checks, so an edited file cannot do anything but produce diagnostics.

mod features;
mod text;
mod transport;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use std::collections::HashMap;
use std::io::Write;
use text::{Document, Encoding};
use transport::ReadError;

/// The most documents the server keeps open at once: editors open a few
/// dozen at most; past it the oldest-opened is forgotten (and its
/// diagnostics kept as they were).
const MAX_OPEN_DOCUMENTS: usize = 256;

/// The most text the open documents may hold together: four times the
/// largest program `lang` reads (64 MiB, `load::MAX_INPUT_BYTES`); past it
/// the oldest-opened are forgotten, as above.
const MAX_OPEN_BYTES: usize = 4 * crate::load::MAX_INPUT_BYTES as usize;

/// Runs the server until `exit`; the process's exit status.
pub fn run() -> i32 {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut server = Server {
        out: stdout.lock(),
        docs: HashMap::new(),
        opened: Vec::new(),
        open_bytes: 0,
        encoding: Encoding::Utf16,
        initialized: false,
        shut_down: false,
    };
    loop {
        let msg = match transport::read_message(&mut input) {
            Ok(Some(msg)) => msg,
            Ok(None) => {
                // The client went away without `exit`.
                return if server.shut_down { 0 } else { 1 };
            }
            Err(ReadError::BadMessage(why)) => {
                eprintln!("lang lsp: ignored {why}");
                continue;
            }
            Err(ReadError::Protocol(why)) => {
                eprintln!("lang lsp: {why}; stopping");
                return 1;
            }
        };
        match msg {
            Message::Request(r) => server.request(r),
            Message::Notification(n) if n.method == notif::Exit::METHOD => {
                return if server.shut_down { 0 } else { 1 };
            }
            Message::Notification(n) => server.notification(n),
            // The server sends no requests, so no response is awaited.
            Message::Response(_) => {}
        }
        if server.out.flush().is_err() {
            // The client closed our output: nobody is listening.
            return 1;
        }
    }
}

struct Server<W: Write> {
    out: W,
    docs: HashMap<String, Document>,
    /// The open documents' URIs in the order they were opened.
    opened: Vec<String>,
    /// The bytes of text the open documents hold.
    open_bytes: usize,
    encoding: Encoding,
    initialized: bool,
    shut_down: bool,
}

impl<W: Write> Server<W> {
    fn send(&mut self, msg: Message) {
        // A failed write shows at the flush after the message.
        let _ = msg.write(&mut self.out);
    }

    fn reply(&mut self, id: RequestId, result: serde_json::Value) {
        self.send(Message::Response(Response::new_ok(id, result)));
    }

    fn fail(&mut self, id: RequestId, code: ErrorCode, message: String) {
        self.send(Message::Response(Response::new_err(
            id,
            code as i32,
            message,
        )));
    }

    fn request(&mut self, r: Request) {
        if r.method == req::Initialize::METHOD {
            let result = self.initialize(&r.params);
            self.initialized = true;
            self.reply(r.id, result);
            return;
        }
        if !self.initialized {
            let why = format!("`{}` before `initialize`", r.method);
            self.fail(r.id, ErrorCode::ServerNotInitialized, why);
            return;
        }
        if self.shut_down {
            let why = format!("`{}` after `shutdown`", r.method);
            self.fail(r.id, ErrorCode::InvalidRequest, why);
            return;
        }
        match r.method.as_str() {
            req::Shutdown::METHOD => {
                self.shut_down = true;
                self.reply(r.id, serde_json::Value::Null);
            }
            req::Formatting::METHOD => {
                let enc = self.encoding;
                let result = self.doc_of(&r.params).map(|d| features::formatting(d, enc));
                self.answer(r.id, result);
            }
            req::DocumentSymbolRequest::METHOD => {
                let enc = self.encoding;
                let result = self.doc_of(&r.params).map(|d| features::symbols(d, enc));
                self.answer(r.id, result);
            }
            _ => {
                let why = format!("`{}` is not supported", r.method);
                self.fail(r.id, ErrorCode::MethodNotFound, why);
            }
        }
    }

    fn answer(&mut self, id: RequestId, result: Result<serde_json::Value, String>) {
        match result {
            Ok(v) => self.reply(id, v),
            Err(why) => self.fail(id, ErrorCode::InvalidParams, why),
        }
    }

    /// The open document a request's `textDocument.uri` names.
    fn doc_of(&self, params: &serde_json::Value) -> Result<&Document, String> {
        let uri = params
            .pointer("/textDocument/uri")
            .and_then(|u| u.as_str())
            .ok_or("the request names no textDocument.uri")?;
        self.docs
            .get(uri)
            .ok_or_else(|| format!("{uri} is not open"))
    }

    fn initialize(&mut self, params: &serde_json::Value) -> serde_json::Value {
        // UTF-8 positions when the client offers them: no conversion.
        let offers_utf8 = params
            .pointer("/capabilities/general/positionEncodings")
            .and_then(|v| v.as_array())
            .is_some_and(|a| a.iter().any(|e| e == "utf-8"));
        self.encoding = if offers_utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        let encoding = match self.encoding {
            Encoding::Utf8 => lsp_types::PositionEncodingKind::UTF8,
            Encoding::Utf16 => lsp_types::PositionEncodingKind::UTF16,
        };
        let result = lsp_types::InitializeResult {
            capabilities: lsp_types::ServerCapabilities {
                position_encoding: Some(encoding),
                text_document_sync: Some(lsp_types::TextDocumentSyncCapability::Kind(
                    lsp_types::TextDocumentSyncKind::FULL,
                )),
                document_formatting_provider: Some(lsp_types::OneOf::Left(true)),
                document_symbol_provider: Some(lsp_types::OneOf::Left(true)),
                ..Default::default()
            },
            server_info: Some(lsp_types::ServerInfo {
                name: "lang".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        };
        serde_json::to_value(result).unwrap_or_default()
    }

    fn notification(&mut self, n: Notification) {
        if !self.initialized {
            // The protocol says to drop notifications before `initialize`.
            return;
        }
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                {
                    let d = p.text_document;
                    self.update(d.uri.to_string(), d.text, d.version);
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                {
                    // Full synchronisation: the last change is the whole text.
                    if let Some(change) = p.content_changes.into_iter().last() {
                        let uri = p.text_document.uri.to_string();
                        self.update(uri, change.text, p.text_document.version);
                    }
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                {
                    let uri = p.text_document.uri.to_string();
                    self.forget(&uri);
                    self.publish(&uri, Vec::new(), None);
                }
            }
            _ => {}
        }
    }

    /// Drops the document `uri` if it is open.
    fn forget(&mut self, uri: &str) {
        if let Some(d) = self.docs.remove(uri) {
            self.open_bytes -= d.text.len();
            self.opened.retain(|u| u != uri);
        }
    }

    /// Records a document's new text and publishes its diagnostics.
    fn update(&mut self, uri: String, text: String, version: i32) {
        self.forget(&uri);
        while !self.opened.is_empty()
            && (self.opened.len() >= MAX_OPEN_DOCUMENTS
                || self.open_bytes + text.len() > MAX_OPEN_BYTES)
        {
            let oldest = self.opened[0].clone();
            self.forget(&oldest);
        }
        self.opened.push(uri.clone());
        self.open_bytes += text.len();
        let doc = Document::new(text);
        let diagnostics = features::diagnostics(&uri, &doc, self.encoding);
        self.docs.insert(uri.clone(), doc);
        self.publish(&uri, diagnostics, Some(version));
    }

    fn publish(
        &mut self,
        uri: &str,
        diagnostics: Vec<lsp_types::Diagnostic>,
        version: Option<i32>,
    ) {
        let params = serde_json::json!({
            "uri": uri,
            "diagnostics": diagnostics,
            "version": version,
        });
        self.send(Message::Notification(Notification::new(
            notif::PublishDiagnostics::METHOD.into(),
            params,
        )));
    }
}
