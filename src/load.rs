//! Turning a file on disk into a verified `Module`, whatever its kind.
//!
//! Source and bytecode are told apart by the file's first bytes (the `.bc`
//! magic number), never by its name.

use crate::exit;
use lang_bytecode::{decode::has_magic, Module};
use std::path::Path;

/// Why a file could not become a runnable module: the message for stderr and
/// the exit code.
pub struct Failure {
    pub message: String,
    pub code: i32,
}

impl Failure {
    fn new(code: i32, message: String) -> Self {
        Failure { message, code }
    }
}

/// Reads a file, reporting a missing or unreadable one with exit code 66.
pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| {
        Failure::new(
            exit::NO_INPUT,
            format!("error: cannot read {}: {}", path.display(), reason(&e)),
        )
    })
}

/// The OS reason without Rust's "(os error 2)" suffix.
fn reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The name diagnostics and stack traces show for a file: the path as the
/// user typed it.
pub fn display_name(path: &Path) -> String {
    path.display().to_string()
}

/// Compiles source bytes, rendering every diagnostic on failure (a file
/// that is not UTF-8 gets one, marking the first bad byte).
pub fn compile_source(path: &Path, bytes: &[u8], color: bool) -> Result<Module, Failure> {
    let name = display_name(path);
    let rendered = |d: lang_compiler::Diagnostics| Failure::new(exit::DATA_ERROR, d.render(color));
    let text = lang_compiler::source_text(&name, bytes).map_err(rendered)?;
    lang_compiler::compile(&name, text).map_err(rendered)
}

/// Loads a file as a verified module: bytecode is decoded, source compiled;
/// either way the verifier runs before anything executes.
pub fn load(path: &Path, color: bool) -> Result<Module, Failure> {
    let bytes = read(path)?;
    let module = if has_magic(&bytes) {
        lang_bytecode::decode(&bytes).map_err(|e| {
            Failure::new(exit::DATA_ERROR, format!("error: {}: {e}", path.display()))
        })?
    } else {
        compile_source(path, &bytes, color)?
    };
    lang_bytecode::verify(&module)
        .map_err(|e| Failure::new(exit::DATA_ERROR, format!("error: {}: {e}", path.display())))?;
    Ok(module)
}
