//! `lang lsp` trials (`lsp-cli::`): the real binary driven over pipes with
//! LSP messages, as an editor drives it: diagnostics published after each
//! change, formatting, document symbols, the protocol's errors, the exit
//! status, and input that breaks the framing.

use crate::lang;
use libtest_mimic::{Failed, Trial};
use serde_json::{json, Value};
use std::io::Write;
use std::process::Stdio;

pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test("lsp-cli::diagnostics_follow_the_text", diagnostics),
        Trial::test("lsp-cli::utf8_positions_when_offered", utf8_positions),
        Trial::test("lsp-cli::formatting_is_lang_fmts", formatting),
        Trial::test("lsp-cli::document_symbols", symbols),
        Trial::test("lsp-cli::protocol_errors_and_exit_status", protocol),
        Trial::test("lsp-cli::a_broken_frame_ends_the_server", broken_frame),
    ]
}

/// One framed message.
fn frame(msg: &Value) -> Vec<u8> {
    let body = msg.to_string();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

fn request(id: i64, method: &str, params: Value) -> Vec<u8> {
    frame(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
}

fn notify(method: &str, params: Value) -> Vec<u8> {
    frame(&json!({"jsonrpc": "2.0", "method": method, "params": params}))
}

fn initialize() -> Vec<u8> {
    let mut out = request(1, "initialize", json!({"capabilities": {}}));
    out.extend(notify("initialized", json!({})));
    out
}

fn shutdown_and_exit() -> Vec<u8> {
    let mut out = request(999, "shutdown", Value::Null);
    out.extend(notify("exit", Value::Null));
    out
}

const URI: &str = "file:///nowhere/doc.src";

fn open(text: &str) -> Vec<u8> {
    notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "lang", "version": 1, "text": text}}),
    )
}

/// Runs a session: sends `input`, returns the exit status, the messages
/// the server sent, and its stderr.
fn session(input: &[u8]) -> Result<(i32, Vec<Value>, String), Failed> {
    let mut child = lang()
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start lang lsp: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let bytes = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&bytes);
    });
    let out = child
        .wait_with_output()
        .map_err(|e| format!("lang lsp did not finish: {e}"))?;
    let _ = writer.join();
    let mut messages = Vec::new();
    let mut rest = out.stdout.as_slice();
    while !rest.is_empty() {
        let text = String::from_utf8_lossy(rest).into_owned();
        let Some(header_end) = text.find("\r\n\r\n") else {
            return Err(format!("output without a header end: {text:?}").into());
        };
        let header = &text[..header_end];
        let length: usize = header
            .strip_prefix("Content-Length: ")
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| format!("a bad header: {header:?}"))?;
        let body = rest
            .get(header_end + 4..header_end + 4 + length)
            .ok_or("a truncated message")?;
        messages.push(serde_json::from_slice(body).map_err(|e| format!("bad JSON: {e}"))?);
        rest = &rest[header_end + 4 + length..];
    }
    let code = out.status.code().unwrap_or(-1);
    Ok((
        code,
        messages,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

fn response(messages: &[Value], id: i64) -> Result<&Value, Failed> {
    messages
        .iter()
        .find(|m| m["id"] == json!(id))
        .ok_or_else(|| format!("no response to request {id} in {messages:?}").into())
}

fn published(messages: &[Value]) -> Vec<&Value> {
    messages
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .collect()
}

fn diagnostics() -> Result<(), Failed> {
    // The error is the string "a" on the second line, 30 UTF-16 units in
    // (the "é" before it is one unit and two bytes).
    let bad = "fn main() {\n    let s = \"é\"; let x: int = \"a\";\n}\n";
    let good = "fn main() {\n    let e: int = 1;\n    println(e);\n}\n";
    let mut input = initialize();
    input.extend(open(bad));
    input.extend(notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"text": good}]}),
    ));
    input.extend(open(bad));
    input.extend(notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": URI}}),
    ));
    input.extend(shutdown_and_exit());
    let (code, messages, stderr) = session(&input)?;
    if code != 0 {
        return Err(format!("exit status {code} after shutdown and exit; stderr: {stderr}").into());
    }
    let init = response(&messages, 1)?;
    if init["result"]["capabilities"]["textDocumentSync"] != json!(1) {
        return Err(format!("not full synchronisation: {init}").into());
    }
    let p = published(&messages);
    // Open, change, open again, close: the close clears the diagnostics.
    let [first, second, third, closed] = p.as_slice() else {
        return Err(format!("expected four publications, got {p:?}").into());
    };
    if third["params"]["diagnostics"] == json!([]) || closed["params"]["diagnostics"] != json!([]) {
        return Err(format!("closing did not clear the diagnostics: {third} then {closed}").into());
    }
    let d = &first["params"]["diagnostics"];
    let Some([only]) = d.as_array().map(Vec::as_slice) else {
        return Err(format!("expected one diagnostic for the bad text, got {d}").into());
    };
    if only["severity"] != json!(1) || !only["message"].as_str().is_some_and(|m| m.contains("int"))
    {
        return Err(format!("not the type error: {only}").into());
    }
    if only["range"]["start"] != json!({"line": 1, "character": 30}) {
        return Err(format!("the error is not at the string: {only}").into());
    }
    if first["params"]["version"] != json!(1) || second["params"]["version"] != json!(2) {
        return Err(format!("versions are not the documents': {p:?}").into());
    }
    if second["params"]["diagnostics"] != json!([]) {
        return Err(format!("the fixed text still has diagnostics: {second}").into());
    }
    Ok(())
}

fn utf8_positions() -> Result<(), Failed> {
    // The same error as above, 31 bytes into its line.
    let bad = "fn main() {\n    let s = \"é\"; let x: int = \"a\";\n}\n";
    let mut input = request(
        1,
        "initialize",
        json!({"capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}}),
    );
    input.extend(notify("initialized", json!({})));
    input.extend(open(bad));
    input.extend(shutdown_and_exit());
    let (_, messages, _) = session(&input)?;
    let init = response(&messages, 1)?;
    if init["result"]["capabilities"]["positionEncoding"] != json!("utf-8") {
        return Err(format!("UTF-8 was offered but not chosen: {init}").into());
    }
    let p = published(&messages);
    let start = p
        .first()
        .map(|m| &m["params"]["diagnostics"][0]["range"]["start"]);
    if start != Some(&json!({"line": 1, "character": 31})) {
        return Err(format!("not the byte position: {p:?}").into());
    }
    Ok(())
}

fn formatting() -> Result<(), Failed> {
    let text = "fn main(){let x=1;\nprintln(x);}\n";
    let mut input = initialize();
    input.extend(open(text));
    input.extend(request(
        2,
        "textDocument/formatting",
        json!({"textDocument": {"uri": URI}, "options": {"tabSize": 4, "insertSpaces": true}}),
    ));
    input.extend(shutdown_and_exit());
    let (_, messages, _) = session(&input)?;
    let r = response(&messages, 2)?;
    let Some([edit]) = r["result"].as_array().map(Vec::as_slice) else {
        return Err(format!("expected one edit, got {r}").into());
    };
    let mut fmt = lang()
        .args(["fmt", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start lang fmt: {e}"))?;
    fmt.stdin
        .take()
        .ok_or("no stdin")?
        .write_all(text.as_bytes())
        .map_err(|e| format!("cannot write to lang fmt: {e}"))?;
    let expected = fmt
        .wait_with_output()
        .map_err(|e| format!("lang fmt: {e}"))?;
    let expected = String::from_utf8_lossy(&expected.stdout);
    if edit["newText"] != json!(expected) {
        return Err(format!("the edit is not lang fmt's text: {edit} against {expected:?}").into());
    }
    if edit["range"]
        != json!({"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}})
    {
        return Err(format!("the edit does not replace the whole text: {edit}").into());
    }
    Ok(())
}

fn symbols() -> Result<(), Failed> {
    let text = "struct P { x: int }\nenum E { A, B }\ntrait T { fn f(self) -> int; }\n\
                impl T for P { fn f(self) -> int { return self.x; } }\nfn main() { }\n";
    let mut input = initialize();
    input.extend(open(text));
    input.extend(request(
        3,
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": URI}}),
    ));
    input.extend(shutdown_and_exit());
    let (_, messages, _) = session(&input)?;
    let r = response(&messages, 3)?;
    let names: Vec<String> = r["result"]
        .as_array()
        .ok_or_else(|| format!("no symbols: {r}"))?
        .iter()
        .map(|s| {
            let children: Vec<&str> = s["children"]
                .as_array()
                .map(|c| c.iter().filter_map(|c| c["name"].as_str()).collect())
                .unwrap_or_default();
            format!("{}{:?}", s["name"].as_str().unwrap_or("?"), children)
        })
        .collect();
    let expected = [
        "P[]",
        "E[\"A\", \"B\"]",
        "T[\"f\"]",
        "impl T for P[\"f\"]",
        "main[]",
    ];
    if names != expected {
        return Err(format!("symbols {names:?}, expected {expected:?}").into());
    }
    Ok(())
}

fn protocol() -> Result<(), Failed> {
    // A request before `initialize`, an unknown method, and `exit` without
    // `shutdown`: exit status 1.
    let mut input = request(7, "textDocument/hover", json!({}));
    input.extend(initialize());
    input.extend(request(8, "textDocument/noSuchThing", json!({})));
    input.extend(request(
        9,
        "textDocument/formatting",
        json!({"textDocument": {"uri": URI}, "options": {"tabSize": 4, "insertSpaces": true}}),
    ));
    input.extend(notify("exit", Value::Null));
    let (code, messages, _) = session(&input)?;
    let codes: Vec<&Value> = [7, 8, 9]
        .iter()
        .map(|&id| response(&messages, id).map(|r| &r["error"]["code"]))
        .collect::<Result<_, _>>()?;
    if codes != [&json!(-32002), &json!(-32601), &json!(-32602)] {
        return Err(format!("error codes {codes:?}").into());
    }
    if code != 1 {
        return Err(format!("exit without shutdown gave status {code}, not 1").into());
    }
    Ok(())
}

fn broken_frame() -> Result<(), Failed> {
    // A length far beyond the bound: refused before any allocation.
    let mut input = initialize();
    input.extend(b"Content-Length: 999999999999\r\n\r\n{}".iter());
    let (code, messages, stderr) = session(&input)?;
    if code != 1 || !stderr.contains("at most") {
        return Err(format!("status {code}, stderr {stderr:?}").into());
    }
    response(&messages, 1)?;
    Ok(())
}
