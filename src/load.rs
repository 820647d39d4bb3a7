//! Turning a file on disk into a verified `Module`, whatever its kind.
//!
//! Source and bytecode are told apart by the file's first bytes (the `.bc`
//! magic number), never by its name.

use crate::exit;
use lang_bytecode::{decode::has_magic, Module, Verified};
use lang_vm::startup_trace;
use std::os::unix::fs::OpenOptionsExt;
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

/// The largest program file `lang` reads, source or bytecode: 64 MiB. A
/// source file that size is over a million lines, far past any real
/// program, and the limit keeps `lang run /dev/zero` or a runaway generated
/// file from growing the process without bound before the compiler sees a
/// byte of it.
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

/// Reads a program file, reporting a missing, unreadable, special (a
/// device, FIFO, directory) or oversized one with exit code 66.
///
/// The checks use the opened file's own metadata, so a path swapped for
/// another file between the check and the read cannot slip past them, and
/// the read itself stops one byte past the limit in case the file grows.
pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    if is_stdin(path) {
        return read_stdin();
    }
    read_regular(path).map_err(|why| {
        Failure::new(
            exit::NO_INPUT,
            format!("error: cannot read {}: {why}", path.display()),
        )
    })
}

/// Reads a regular file within `MAX_INPUT_BYTES`, or says why it cannot
/// (for `read`, and for the modules a program imports).
fn read_regular(path: &Path) -> Result<Vec<u8>, String> {
    // Opened without blocking: opening a FIFO for reading would otherwise
    // wait for a writer for ever, before the file's kind can be checked.
    // Reads of a regular file ignore the flag.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| lang_vm::os_reason(&e))?;
    let meta = file.metadata().map_err(|e| lang_vm::os_reason(&e))?;
    if !meta.is_file() {
        return Err(format!(
            "{}; lang reads programs from regular files only",
            kind_of(&meta.file_type())
        ));
    }
    let too_large = || {
        format!(
            "the file is larger than {} MiB, the most lang reads",
            MAX_INPUT_BYTES >> 20
        )
    };
    if meta.len() > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    // Sized for the whole file (and the one byte that would show it grew
    // past the limit), so that a small file takes one read, not a series of
    // growing ones.
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_INPUT_BYTES + 1),
        &mut bytes,
    )
    .map_err(|e| lang_vm::os_reason(&e))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The file name that stands for the program read from stdin: `lang run -`.
pub const STDIN_PATH: &str = "-";

/// The name diagnostics, stack traces and `args()[0]` give a program read
/// from stdin.
pub const STDIN_NAME: &str = "<stdin>";

/// Whether `path` is `-`, the program on stdin.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN_PATH
}

/// Reads the whole program from stdin, within the same limit as a file
/// (`MAX_INPUT_BYTES`): the read stops one byte past it.
fn read_stdin() -> Result<Vec<u8>, Failure> {
    let cannot = |why: String| {
        Failure::new(
            exit::NO_INPUT,
            format!("error: cannot read the program from stdin: {why}"),
        )
    };
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::io::stdin().lock(), MAX_INPUT_BYTES + 1),
        &mut bytes,
    )
    .map_err(|e| cannot(lang_vm::os_reason(&e)))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(cannot(format!(
            "it is larger than {} MiB, the most lang reads",
            MAX_INPUT_BYTES >> 20
        )));
    }
    Ok(bytes)
}

/// What a file that is not a regular file is, for the message refusing it.
fn kind_of(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        "it is a directory"
    } else if t.is_fifo() {
        "it is a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "it is a device"
    } else if t.is_socket() {
        "it is a socket"
    } else {
        "it is not a regular file"
    }
}

/// The name diagnostics and stack traces show for a file: the path as the
/// user typed it.
pub fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        return STDIN_NAME.to_string();
    }
    path.display().to_string()
}

/// What a compile does with the program's warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warnings {
    /// Prints them to stderr, then how many (`lang build`, `lang test`).
    Print,
    /// Prints them only when stderr is a terminal (`lang run`): a person
    /// running a program sees them, while a script, a pipe or a test that
    /// compares the program's stderr gets the program's own output alone.
    IfTerminal,
    /// Drops them (`lang disasm`, the runs `lang test` starts).
    Quiet,
}

impl Warnings {
    /// Reports `warnings` as this policy says.
    pub fn report(self, warnings: &lang_compiler::Diagnostics, color: bool) {
        use std::io::IsTerminal;
        let shown = match self {
            Warnings::Print => true,
            Warnings::IfTerminal => std::io::stderr().is_terminal(),
            Warnings::Quiet => false,
        };
        if shown && !warnings.is_empty() {
            eprint!("{}{}", warnings.render(color), count_line(warnings.len()));
        }
    }
}

/// `1 warning`, `3 warnings`: the line after the warnings.
pub fn count_line(n: usize) -> String {
    format!("{n} warning{}\n", if n == 1 { "" } else { "s" })
}

/// Compiles source bytes, rendering every diagnostic on failure (a file
/// that is not UTF-8 gets one, marking the first bad byte) and reporting
/// warnings as `warnings` says.
pub fn compile_source(
    path: &Path,
    bytes: &[u8],
    color: bool,
    warnings: Warnings,
) -> Result<Module, Failure> {
    compile_source_with(path, bytes, color, lang_compiler::Entry::Main, warnings)
}

/// Compiles source bytes as `compile_source` does, the program's entry
/// running `entry` (a test, for `lang test`).
pub fn compile_source_with(
    path: &Path,
    bytes: &[u8],
    color: bool,
    entry: lang_compiler::Entry,
    warnings: Warnings,
) -> Result<Module, Failure> {
    let name = display_name(path);
    let rendered = |d: lang_compiler::Diagnostics| Failure::new(exit::DATA_ERROR, d.render(color));
    let text = lang_compiler::source_text(&name, bytes).map_err(rendered)?;
    let (mut module, found) = compile_warned(path, text, entry).map_err(rendered)?;
    warnings.report(&found, color);
    module.source_name = module_name(path);
    Ok(module)
}

/// Compiles the program whose main file is `path` (holding `text`), with
/// the modules it imports read beside it (relative to the current
/// directory for a program read from stdin), its entry running `entry`;
/// returns its warnings too.
pub fn compile_warned(
    path: &Path,
    text: &str,
    entry: lang_compiler::Entry,
) -> Result<(Module, lang_compiler::Diagnostics), lang_compiler::Diagnostics> {
    let dir = match path.parent() {
        Some(d) if !is_stdin(path) => d.to_path_buf(),
        _ => std::path::PathBuf::new(),
    };
    let mut read_module = |rel: &str| read_regular(&dir.join(rel));
    lang_compiler::compile_program_warned(
        &display_name(path),
        &module_name(path),
        text,
        &mut read_module,
        entry,
    )
}

/// The name a compiled module records for its source, which stack traces
/// show: the file's name without its directories, as Java's `SourceFile`
/// does. The path as typed depends on where `lang` was started (`cd d &&
/// lang build p.src` against `lang build /abs/d/p.src`), and `.bc` bytes must
/// depend only on the source; diagnostics, which are never stored, keep the
/// path as typed.
pub fn module_name(path: &Path) -> String {
    if is_stdin(path) {
        return STDIN_NAME.to_string();
    }
    match path.file_name() {
        Some(name) => name.to_string_lossy().into_owned(),
        None => display_name(path),
    }
}

/// Loads a file as a verified module: bytecode is decoded, source compiled;
/// either way the verifier runs before anything executes, and only its
/// `Verified` can be run.
pub fn load(path: &Path, color: bool, warnings: Warnings) -> Result<Verified, Failure> {
    let bytes = read(path)?;
    startup_trace::mark("read program");
    let module = if has_magic(&bytes) {
        let module = lang_bytecode::decode(&bytes).map_err(|e| {
            Failure::new(
                exit::DATA_ERROR,
                format!("error: {}: {e}", display_name(path)),
            )
        })?;
        startup_trace::mark("decode");
        module
    } else {
        let module = compile_source(path, &bytes, color, warnings)?;
        startup_trace::mark("compile");
        startup_trace::note(|| {
            let n = lang_compiler::check::prelude::counts();
            format!(
                "prelude: interface loads: {}, whole parses: {}, functions parsed: {}",
                n.interface_loads, n.whole_parses, n.functions_parsed
            )
        });
        module
    };
    let verified = lang_bytecode::verify(module).map_err(|e| {
        Failure::new(
            exit::DATA_ERROR,
            format!("error: {}: {e}", display_name(path)),
        )
    });
    startup_trace::mark("verify");
    verified
}
