//! `lang repl`: the interactive loop.
//!
//! Each input is compiled against the session's accumulated definitions
//! (`lang_compiler::Session`) and run on one long-lived VM
//! (`lang_vm::Session`), so definitions and globals persist and nothing is
//! re-run. An input that ends inside an open construct continues on a `...`
//! prompt. Errors never end the session: compile errors show the diagnostic,
//! runtime errors the message and trace, and Ctrl-C stops a running input.

mod editor;
mod style;

use editor::ReplHelper;
use lang_compiler::{input_is_incomplete, Session};
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};
use std::cell::RefCell;
use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::rc::Rc;
use style::Style;

const PROMPT: &str = ">>> ";
const CONTINUE_PROMPT: &str = "... ";

/// Lines of history kept across sessions.
const HISTORY_LINES: usize = 10_000;

const HELP: &str = "\
Type definitions (fn, struct, enum, trait, impl, let, var), statements or
expressions; an expression prints its value and type. An unfinished input
continues on a `...` prompt.

  :help         this text
  :type EXPR    the type of EXPR, without running it
  :dis NAME     the bytecode of function NAME (or Type::method)
  :load FILE    compile and run FILE's definitions and statements here
  :reset        forget every definition
  :quit         leave (or Ctrl-D)

Ctrl-C interrupts a running input; Ctrl-R searches the history.";

/// Runs the REPL until `:quit`, end of input or `exit(n)`; gives the exit code.
pub fn run(opts: lang_vm::VmOptions) -> i32 {
    let style = Style::detect();
    let err_style = Style {
        on: style.on && std::io::stderr().is_terminal_like(),
    };
    let session = Rc::new(RefCell::new(Session::new("<repl>")));
    let mut vm = match lang_vm::Session::new(
        opts,
        Box::new(std::io::stdout()),
        Box::<UnbufferedStdin>::default(),
    ) {
        Ok(vm) => vm,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return crate::exit::RUNTIME_ERROR;
        }
    };
    // Ctrl-C while a program runs stops it at its next loop back-edge; while
    // editing, the terminal is raw and rustyline sees the key itself.
    let _ = ctrlc::set_handler(lang_vm::Session::interrupt);

    let config = Config::builder()
        .max_history_size(HISTORY_LINES)
        .map(|b| {
            b.auto_add_history(false)
                .completion_type(rustyline::CompletionType::List)
                .build()
        })
        .unwrap_or_default();
    let mut editor: Editor<ReplHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot start the line editor: {e}");
            return crate::exit::RUNTIME_ERROR;
        }
    };
    editor.set_helper(Some(ReplHelper {
        session: Rc::clone(&session),
        style,
    }));
    let history = history_path();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }

    println!(
        "lang {} — :help for help, :quit or Ctrl-D to leave",
        env!("CARGO_PKG_VERSION")
    );
    let code = loop {
        let Some(text) = read_input(&mut editor) else {
            break 0;
        };
        if text.trim().is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(text.trim_end());
        if let Some(path) = &history {
            let _ = editor.save_history(path);
        }
        let mut repl = Repl {
            session: &session,
            vm: &mut vm,
            style,
            err_style,
        };
        if let Some(code) = repl.handle(&text) {
            break code;
        }
    };
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    code
}

/// Reads one input, continuing while it is unfinished; `None` at end of input.
fn read_input(editor: &mut Editor<ReplHelper, DefaultHistory>) -> Option<String> {
    let mut text = String::new();
    loop {
        let prompt = if text.is_empty() {
            PROMPT
        } else {
            CONTINUE_PROMPT
        };
        match editor.readline(prompt) {
            Ok(line) => {
                text.push_str(&line);
                text.push('\n');
                if text.trim_start().starts_with(':') || !input_is_incomplete(&text) {
                    return Some(text);
                }
            }
            // Ctrl-C while editing drops the input, as in a shell.
            Err(ReadlineError::Interrupted) => {
                text.clear();
                println!("^C");
            }
            Err(ReadlineError::Eof) if !text.is_empty() => {
                // Ctrl-D inside an unfinished input abandons it.
                text.clear();
                println!();
            }
            Err(_) => return None,
        }
    }
}

/// The history file: `$LANG_HISTORY` if set, else `lang/history` under the
/// user's data directory.
fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LANG_HISTORY") {
        return Some(PathBuf::from(p));
    }
    let dir = dirs::data_dir()?.join("lang");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("history"))
}

struct Repl<'a> {
    session: &'a Rc<RefCell<Session>>,
    vm: &'a mut lang_vm::Session,
    style: Style,
    err_style: Style,
}

impl Repl<'_> {
    /// Handles one input; `Some(code)` ends the REPL.
    fn handle(&mut self, text: &str) -> Option<i32> {
        let trimmed = text.trim();
        let Some(command) = trimmed.strip_prefix(':') else {
            return self.compile_and_run(text, None);
        };
        let (name, arg) = command
            .split_once(char::is_whitespace)
            .unwrap_or((command, ""));
        let arg = arg.trim();
        match name {
            "help" | "h" | "?" => println!("{HELP}"),
            "quit" | "q" | "exit" => return Some(0),
            "type" | "t" => match self.session.borrow().type_of(arg) {
                Ok(ty) => println!("{}", self.style.type_name(&ty)),
                Err(d) => eprint!("{}", d.render(self.err_style.on)),
            },
            "dis" | "d" => self.disassemble(arg),
            "load" | "l" => match crate::load::read(std::path::Path::new(arg)) {
                // A file that is not UTF-8 gets the compiler's diagnostic,
                // which marks the first bad byte.
                Ok(bytes) => match lang_compiler::source_text(arg, &bytes) {
                    Ok(source) => return self.compile_and_run(source, Some(arg)),
                    Err(d) => eprint!("{}", d.render(self.err_style.on)),
                },
                Err(f) => self.error(f.message.trim_start_matches("error: ")),
            },
            "reset" => {
                self.session.borrow_mut().reset();
                self.vm.reset();
                println!("{}", self.style.dim("(every definition is forgotten)"));
            }
            _ => self.error(&format!(
                "unknown command `:{name}`; :help lists the commands"
            )),
        }
        None
    }

    fn error(&self, message: &str) {
        eprintln!("{} {message}", self.err_style.error("error:"));
    }

    fn disassemble(&self, name: &str) {
        let session = self.session.borrow();
        let ids = session.function_ids(name);
        if ids.is_empty() {
            self.error(&format!("no function named `{name}`"));
        }
        for id in ids {
            print!(
                "{}",
                lang_bytecode::disasm::disassemble_function(session.module(), id)
            );
        }
    }

    /// Compiles and runs one input: a line typed, or the text of the file
    /// `:load` read (`file`, which its diagnostics then name).
    fn compile_and_run(&mut self, text: &str, file: Option<&str>) -> Option<i32> {
        let compiled = match file {
            Some(name) => self.session.borrow_mut().compile_file(text, name),
            None => self.session.borrow_mut().compile_input(text),
        };
        let input = match compiled {
            Ok(input) => input,
            Err(d) => {
                eprint!("{}", d.render(self.err_style.on));
                return None;
            }
        };
        let session = self.session.borrow();
        // The verifier runs before any bytecode executes, here as everywhere:
        // the VM takes only what it accepted.
        let verified = match lang_bytecode::verify(session.module().clone()) {
            Ok(v) => v,
            Err(e) => {
                self.error(&format!(
                    "internal compiler error: the input does not verify: {e}"
                ));
                return None;
            }
        };
        for d in &input.defined {
            println!("{}", self.style.dim(d));
        }
        lang_vm::Session::clear_interrupt();
        match self.vm.run(verified, input.entry) {
            Ok(Some(code)) => return Some(code),
            Ok(None) => {}
            Err(e) => {
                let _ = std::io::stdout().flush();
                eprintln!("{}", self.err_style.error(&e.to_string()));
                return None;
            }
        }
        if let Some((global, ty)) = &input.value {
            let shown = self.vm.global_text(*global).unwrap_or_default();
            let shown = if ty == "str" { quote(&shown) } else { shown };
            let name = session
                .module()
                .globals
                .get(*global as usize)
                .map_or("_", |g| g.name.as_str());
            println!("{} {}", self.style.dim(&format!("{name} : {ty} =")), shown);
        }
        None
    }
}

/// A string value as the REPL echoes it: quoted, with escapes, so that
/// `"1"` and `1` look different.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Stdin read one byte at a time, so that a program's `read_line` takes only
/// its own line and leaves the rest for the line editor.
#[derive(Default)]
struct UnbufferedStdin {
    byte: [u8; 1],
    held: usize,
}

impl Read for UnbufferedStdin {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.fill_buf()?.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), self.byte.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for UnbufferedStdin {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.held == 0 {
            self.held = std::io::stdin().read(&mut self.byte)?;
        }
        Ok(self.byte.get(..self.held).unwrap_or(&[]))
    }
    fn consume(&mut self, amt: usize) {
        self.held = self.held.saturating_sub(amt);
    }
}

trait TerminalLike {
    fn is_terminal_like(&self) -> bool;
}

impl TerminalLike for std::io::Stderr {
    fn is_terminal_like(&self) -> bool {
        std::io::IsTerminal::is_terminal(self)
    }
}
