//! `lang fmt [--check] FILES...`: formats source files in place, or with
//! `--check` lists those that are not formatted. `-` formats stdin to
//! stdout. A file that does not parse is reported and never written.

use crate::exit;
use crate::load::{self, Failure};
use lang_compiler::fmt::{format_source, FmtError};
use std::io::Write;
use std::path::Path;

/// Formats every file; the exit code is 1 when `--check` found a file to
/// change, and a data error when a file could not be formatted (the other
/// files are still formatted).
pub fn run(files: &[std::path::PathBuf], check: bool, color: bool) -> Result<i32, Failure> {
    let mut code = 0;
    for file in files {
        match format_file(file, check, color) {
            Ok(changed) if changed && check => {
                println!("{}", load::display_name(file));
                code = code.max(1);
            }
            Ok(_) => {}
            Err(failure) => {
                eprint!("{}", with_newline(&failure.message));
                code = exit::DATA_ERROR;
            }
        }
    }
    Ok(code)
}

fn with_newline(message: &str) -> String {
    if message.ends_with('\n') {
        message.to_string()
    } else {
        format!("{message}\n")
    }
}

/// Formats one file; whether its text changed.
fn format_file(file: &Path, check: bool, color: bool) -> Result<bool, Failure> {
    let bytes = load::read(file)?;
    let name = load::display_name(file);
    let failure = |message: String| Failure {
        message,
        code: exit::DATA_ERROR,
    };
    let text = lang_compiler::source_text(&name, &bytes).map_err(|d| failure(d.render(color)))?;
    let formatted = format_source(&name, text).map_err(|e| match e {
        FmtError::Parse(d) => failure(d.render(color)),
        FmtError::Internal(message) => failure(format!("error: {message}")),
    })?;
    let changed = formatted != text;
    if name == load::STDIN_NAME || file.as_os_str() == "-" {
        if !check {
            let mut out = std::io::stdout().lock();
            out.write_all(formatted.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| failure(format!("error: cannot write stdout: {e}")))?;
        }
        return Ok(changed);
    }
    if changed && !check {
        std::fs::write(file, formatted)
            .map_err(|e| failure(format!("error: cannot write {name}: {e}")))?;
    }
    Ok(changed)
}
