//! The language server's wire format: JSON-RPC messages framed by a
//! `Content-Length` header, read within bounds.
//!
//! `lsp_server::Message::read` trusts the header and allocates whatever
//! length it names; this reader refuses a message larger than
//! `MAX_MESSAGE_BYTES` and a header section longer than
//! `MAX_HEADER_BYTES`, so a confused or hostile client cannot make the
//! server allocate without bound. Messages are the `lsp_server` crate's
//! types, so only the framing is ours.

use lsp_server::Message;
use std::io::{BufRead, Read};

/// The largest message body accepted: a whole document is sent in one
/// message (full synchronisation), and the largest program `lang` reads is
/// 64 MiB (`load::MAX_INPUT_BYTES`); JSON escaping can double a text, so
/// twice that and a little for the envelope.
pub const MAX_MESSAGE_BYTES: usize = 2 * (crate::load::MAX_INPUT_BYTES as usize) + 4096;

/// The longest header section accepted (`Content-Length` and, rarely,
/// `Content-Type`): real clients send well under 100 bytes.
const MAX_HEADER_BYTES: usize = 4096;

/// Why no message could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The framing is broken (a bad header, a length out of bounds, a
    /// stream that ends inside a message): nothing after it can be trusted.
    Protocol(String),
    /// The body is not a JSON-RPC message; the stream itself is intact.
    BadMessage(String),
}

/// Reads the next message; `Ok(None)` at the end of the stream between
/// messages.
pub fn read_message(input: &mut impl BufRead) -> Result<Option<Message>, ReadError> {
    let mut length: Option<usize> = None;
    let mut header_bytes = 0;
    let mut first = true;
    loop {
        let mut line = Vec::new();
        let n = input
            .by_ref()
            .take((MAX_HEADER_BYTES - header_bytes + 1) as u64)
            .read_until(b'\n', &mut line)
            .map_err(|e| ReadError::Protocol(format!("cannot read the input: {e}")))?;
        if n == 0 {
            if first {
                return Ok(None);
            }
            return Err(ReadError::Protocol("the input ends inside a header".into()));
        }
        first = false;
        header_bytes += n;
        if header_bytes > MAX_HEADER_BYTES || !line.ends_with(b"\n") {
            return Err(ReadError::Protocol(format!(
                "a header section longer than {MAX_HEADER_BYTES} bytes"
            )));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        let Some((name, value)) = text.split_once(':') else {
            return Err(ReadError::Protocol(format!(
                "a malformed header line: {text:?}"
            )));
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            let n: usize = value.trim().parse().map_err(|_| {
                ReadError::Protocol(format!("a Content-Length that is not a number: {value:?}"))
            })?;
            if n > MAX_MESSAGE_BYTES {
                return Err(ReadError::Protocol(format!(
                    "a message of {n} bytes (at most {MAX_MESSAGE_BYTES})"
                )));
            }
            length = Some(n);
        }
    }
    let Some(length) = length else {
        return Err(ReadError::Protocol(
            "a message without Content-Length".into(),
        ));
    };
    let mut body = vec![0; length];
    input
        .read_exact(&mut body)
        .map_err(|e| ReadError::Protocol(format!("the input ends inside a message: {e}")))?;
    serde_json::from_slice::<Message>(&body)
        .map(Some)
        .map_err(|e| ReadError::BadMessage(format!("a message that is not JSON-RPC: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Result<Option<Message>, ReadError> {
        read_message(&mut std::io::Cursor::new(bytes))
    }

    #[test]
    fn a_framed_request_is_read() {
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let mut bytes = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        bytes.extend_from_slice(body);
        match read(&bytes) {
            Ok(Some(Message::Request(r))) => assert_eq!(r.method, "shutdown"),
            other => panic!("expected a request, got {other:?}"),
        }
    }

    #[test]
    fn the_end_between_messages_is_no_message() {
        assert!(matches!(read(b""), Ok(None)));
    }

    #[test]
    fn an_oversized_length_is_refused_before_allocating() {
        let bytes = format!("Content-Length: {}\r\n\r\n", usize::MAX);
        assert!(matches!(
            read(bytes.as_bytes()),
            Err(ReadError::Protocol(_))
        ));
        let bytes = format!("Content-Length: {}\r\n\r\n", MAX_MESSAGE_BYTES + 1);
        assert!(matches!(
            read(bytes.as_bytes()),
            Err(ReadError::Protocol(_))
        ));
    }

    #[test]
    fn an_endless_header_is_refused() {
        let bytes = vec![b'x'; MAX_HEADER_BYTES * 2];
        assert!(matches!(read(&bytes), Err(ReadError::Protocol(_))));
    }

    #[test]
    fn a_body_that_is_not_json_rpc_leaves_the_stream_usable() {
        let mut bytes = b"Content-Length: 5\r\n\r\nhello".to_vec();
        let body = br#"{"jsonrpc":"2.0","method":"exit"}"#;
        bytes.extend(format!("Content-Length: {}\r\n\r\n", body.len()).bytes());
        bytes.extend_from_slice(body);
        let mut input = std::io::Cursor::new(bytes);
        assert!(matches!(
            read_message(&mut input),
            Err(ReadError::BadMessage(_))
        ));
        assert!(matches!(
            read_message(&mut input),
            Ok(Some(Message::Notification(_)))
        ));
    }
}
