//! Incremental compilation for the REPL: a [`Session`] compiles one input
//! at a time against everything earlier inputs declared, into one module
//! that only grows.
//!
//! # What an input is
//! An input is a sequence of top-level items and statements, as in a file.
//! Declarations persist from one input to the next: functions, structs,
//! enums, traits, `impl` blocks, and top-level `let`/`var`, which become
//! globals. Top-level statements run when the input's entry function runs
//! (`Input::entry`); `fn main` is an ordinary function and does not run by
//! itself. A missing `;` at the very end of an input is forgiven
//! (`let x = 1` works like `let x = 1;`).
//!
//! # Values
//! When the input's last item is an expression statement (with or without
//! `;`) whose value is not nothing, the value is stored in a new hidden
//! global and `Input::value` names it with its type. These globals are named
//! `_1`, `_2`, ... in order (the name is `Module::globals[i].name`), and
//! later inputs may use them: `_1 * 2`. (`_` alone is the wildcard pattern
//! of the language, not a name.) A final `if`/`match` statement gives its
//! value as it does at the end of a block.
//!
//! # Redefinition
//! - A later `let`/`var` of an existing name makes a new global; the name
//!   refers to the new one from then on, while code compiled earlier keeps
//!   using the old slot.
//! - A `fn` (or an inherent method `impl T { fn m .. }`) of an earlier input
//!   may be redefined with the same signature. The function keeps its id
//!   and `Module::functions[id]` gets the new code, so every caller,
//!   including functions compiled earlier and closures made from it, calls
//!   the new version. The ids are listed in `Input::replaced`: a runtime that
//!   copied or prepared functions must reload those. A redefinition with
//!   another signature is an error.
//! - A struct, enum or trait cannot be redefined (an error), and a trait
//!   cannot be implemented twice for a struct.
//!
//! # Transactions
//! An input that has any compile error changes nothing: the session is
//! exactly as before. Otherwise every table of the module only grows: type,
//! constant, struct, enum, trait, impl, global and function ids never change
//! (redefined functions change code, not id), so a running VM can load the
//! new parts. Function 0 is a stub entry (`<session>`) so that even the
//! empty module verifies; after each input `Module::entry` is that input's
//! entry function, named `<input N>` (N counts successful inputs from 1).
//!
//! # Diagnostics
//! Diagnostics name the session's file name (say `<repl>`) with lines and
//! columns counted from the input's first line, so a one-line input reports
//! `<repl>:1:9`. The line tables of an input's functions count the same way.

use crate::ast;
use crate::check::{self, Env, TypeDecl};
use crate::diag::{Diagnostic, Diagnostics};
use crate::lower::Lowering;
use crate::parser::{self, ParseOutcome};
use crate::types::{display, Type};
use lang_bytecode::natives::{Receiver, ALL_NATIVES};
use lang_bytecode::{FuncId, Module};
use std::borrow::Cow;

/// The reserved words of the language, for completion.
const KEYWORDS: &[&str] = &[
    "fn", "let", "var", "if", "else", "while", "for", "in", "break", "continue", "return",
    "struct", "enum", "trait", "impl", "match", "true", "false", "nil", "self",
];

/// The built-in types, for completion.
const BUILTIN_TYPES: &[&str] = &["int", "float", "bool", "str"];

/// A REPL session: the accumulated declarations and the growing module.
#[derive(Clone)]
pub struct Session {
    file_name: String,
    env: Env,
    lowering: Lowering,
    /// Successful inputs so far.
    inputs: u32,
    /// Values stored in hidden globals so far.
    values: u32,
}

/// What compiling one input produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// The function to run for this input: takes nothing, returns nothing
    /// (like the module entry).
    pub entry: FuncId,
    /// For a final expression with a value: the hidden global its value is
    /// stored in (named `_N`, see the module docs) and its type's name
    /// (`int`, `[str]`, `fn(int) -> int`, `Vec2`). `None` for definitions,
    /// statements and expressions of no value (calls of void functions).
    pub value: Option<(u32, String)>,
    /// What the input defined, in source order: `fn fib`, `struct Vec2`,
    /// `enum Shape`, `trait Named`, `impl Vec2`, `impl Named for Dog`,
    /// `let x: int`, `var xs: [str]`.
    pub defined: Vec<String>,
    /// Functions of earlier inputs that this input redefined: same id, new
    /// code in `Module::functions`. A VM that keeps its own copy of the
    /// functions must reload these before running `entry`.
    pub replaced: Vec<FuncId>,
}

/// What one input checked to, before lowering.
struct Checked {
    env: Env,
    info: check::InputInfo,
    code: check::InputProgram,
}

impl Session {
    /// An empty session; `file_name` (like `<repl>`) is what diagnostics and
    /// the module's stack traces name.
    pub fn new(file_name: &str) -> Session {
        let mut env = check::prelude_env();
        let mut lowering = Lowering::new(file_name);
        // Function 0: a stub entry, so that the empty module verifies.
        env.sigs.push(check::FnSig {
            name: "<session>".into(),
            params: vec![],
            ret: Type::Void,
            has_self: false,
        });
        lowering.add_stub_entry("<session>");
        Session {
            file_name: file_name.to_string(),
            env,
            lowering,
            inputs: 0,
            values: 0,
        }
    }

    /// Compiles one input against the session so far and adds it to the
    /// module. On any error the session is left exactly as it was.
    pub fn compile_input(&mut self, source: &str) -> Result<Input, Diagnostics> {
        let n = self.inputs + 1;
        let value_name = format!("_{}", self.values + 1);
        let checked = self.check(source, &format!("<input {n}>"), &value_name)?;
        let mut lowering = self.lowering.clone();
        lowering
            .add_input(&checked.env, &checked.code, checked.info.entry)
            .map_err(|errs| Diagnostics::new(&self.file_name, source, errs))?;
        let info = checked.info;
        let value = info.value.map(|(g, ty)| (g, display(&ty, &checked.env)));
        // Success: commit.
        self.env = checked.env;
        self.lowering = lowering;
        self.inputs = n;
        if value.is_some() {
            self.values += 1;
        }
        Ok(Input {
            entry: info.entry,
            value,
            defined: info.defined,
            replaced: info.replaced,
        })
    }

    /// Compiles a file's text as one input (the REPL's `:load`), like
    /// [`Session::compile_input`], except that its diagnostics name
    /// `file_name`, the file the errors are in, instead of the session's
    /// own name.
    pub fn compile_file(&mut self, source: &str, file_name: &str) -> Result<Input, Diagnostics> {
        let session_name = std::mem::replace(&mut self.file_name, file_name.to_string());
        let result = self.compile_input(source);
        self.file_name = session_name;
        result
    }

    /// Parses and checks an input against a copy of the environment.
    fn check(
        &self,
        source: &str,
        entry_name: &str,
        value_name: &str,
    ) -> Result<Checked, Diagnostics> {
        let text = forgive_final_semicolon(source);
        let arena = bumpalo::Bump::new();
        let mut diags = Vec::new();
        let program = parser::parse(&arena, &text, &mut diags);
        let (env, info, code) = check::check_input(
            &program,
            &text,
            self.env.clone(),
            entry_name,
            value_name,
            &mut diags,
        );
        if diags.is_empty() {
            Ok(Checked { env, info, code })
        } else {
            // Spans are within `text`, which at most adds to the end of
            // `source`; rendering clamps them to the original text.
            Err(Diagnostics::new(&self.file_name, source, diags))
        }
    }

    /// The module so far. It grows append-only (see the module docs).
    pub fn module(&self) -> &Module {
        self.lowering.module()
    }

    /// The type of an expression as the language writes it (`:type EXPR`):
    /// checks only, runs nothing, changes nothing. An expression of no value
    /// has the type `nothing`.
    pub fn type_of(&self, expr: &str) -> Result<String, Diagnostics> {
        let checked = match self.check(expr, "<type>", "_") {
            Ok(c) => c,
            Err(e) => {
                // A generic function is not a value, but its type can be
                // shown, with its parameters.
                return self.generic_signature(expr.trim()).ok_or(e);
            }
        };
        match checked.info.last_expr {
            Some(t) => Ok(display(&t, &checked.env)),
            None => Err(Diagnostics::new(
                &self.file_name,
                expr,
                vec![Diagnostic::error(
                    ast::Span::new(0, expr.len()),
                    "expected an expression".to_string(),
                )],
            )),
        }
    }

    /// `fn<T: Bound>(PARAMS) -> RET` for the generic function or generic
    /// static method `name` (`largest`, `Stack::new`).
    fn generic_signature(&self, name: &str) -> Option<String> {
        let tid = match name.split_once("::") {
            Some((t, m)) => self
                .env
                .generic_statics
                .get(&(t.trim().to_string(), m.trim().to_string())),
            None => self.env.generic_functions.get(name),
        };
        let t = self.env.templates.get(*tid? as usize)?;
        let params: Vec<String> = t
            .params
            .iter()
            .filter_map(|&p| self.env.params.get(p as usize))
            .map(|p| {
                let bounds: Vec<&str> = p
                    .bounds
                    .iter()
                    .filter_map(|&b| self.env.traits.get(b as usize))
                    .map(|b| b.name.as_str())
                    .collect();
                if bounds.is_empty() {
                    p.name.clone()
                } else {
                    format!("{}: {}", p.name, bounds.join(" + "))
                }
            })
            .collect();
        let ty = Type::Fn(t.sig.params.clone(), Box::new(t.sig.ret.clone()));
        let shown = display(&ty, &self.env);
        let rest = shown.strip_prefix("fn").unwrap_or(&shown);
        Some(format!("fn<{}>{rest}", params.join(", ")))
    }

    /// The type of `expr` in the session, if it checks without errors.
    fn type_quietly(&self, expr: &str) -> Option<(Type, Env)> {
        let checked = self.check(expr, "<type>", "_").ok()?;
        let t = checked.info.last_expr?;
        Some((t, checked.env))
    }

    /// The ids of the functions named `name` (`fib`, `Vec2::len`,
    /// `<input 3>`), for `:dis NAME`. Usually one; empty when there is none.
    pub fn function_ids(&self, name: &str) -> Vec<FuncId> {
        let name = name.trim();
        self.module()
            .functions
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name == name)
            .map(|(i, _)| FuncId::try_from(i).unwrap_or(FuncId::MAX))
            .collect()
    }

    /// Completions for the word before the cursor, given the line up to the
    /// cursor: full words that start with the partial word (the REPL
    /// replaces it). After `expr.` they are the fields and methods of the
    /// expression's type (which must type without errors using globals,
    /// functions and literals); after `Type::` the type's static functions
    /// and variants; otherwise keywords, globals, functions, types and the
    /// prelude. Sorted, without duplicates.
    pub fn completions(&self, prefix_context: &str) -> Vec<String> {
        let text = prefix_context;
        let bytes = text.as_bytes();
        let word_start = scan_ident_back(bytes, bytes.len());
        let partial = &text[word_start..];
        let mut out: Vec<String> = if word_start >= 2 && &bytes[word_start - 2..word_start] == b"::"
        {
            let ty_start = scan_ident_back(bytes, word_start - 2);
            self.path_members(&text[ty_start..word_start - 2])
        } else if word_start >= 1
            && bytes[word_start - 1] == b'.'
            && !(word_start >= 2 && bytes[word_start - 2] == b'.')
        {
            let dot = word_start - 1;
            let start = receiver_start(bytes, dot);
            let receiver = text[start..dot].trim();
            if receiver.is_empty() {
                self.global_words()
            } else {
                match self.type_quietly(receiver) {
                    Some((ty, env)) => members(&ty, &env),
                    None => Vec::new(),
                }
            }
        } else {
            self.global_words()
        };
        out.retain(|w| w.starts_with(partial));
        out.sort();
        out.dedup();
        out
    }

    /// Keywords, globals, functions, types and prelude functions.
    fn global_words(&self) -> Vec<String> {
        let env = &self.env;
        let mut out: Vec<String> = KEYWORDS.iter().map(|s| s.to_string()).collect();
        out.extend(BUILTIN_TYPES.iter().map(|s| s.to_string()));
        out.extend(check::prelude_names().into_iter().map(String::from));
        out.extend(env.global_names.keys().cloned());
        out.extend(env.functions.keys().cloned());
        out.extend(env.type_names.keys().cloned());
        out
    }

    /// What may follow `Type::`: static functions and methods, variants.
    fn path_members(&self, ty: &str) -> Vec<String> {
        let env = &self.env;
        let mut out: Vec<String> = env
            .statics
            .keys()
            .filter(|(t, _)| t == ty)
            .map(|(_, m)| m.clone())
            .collect();
        if let Some(TypeDecl::Enum(i)) = env.type_names.get(ty) {
            if let Some(e) = env.enums.get(*i as usize) {
                out.extend(e.variants.iter().map(|(n, _)| n.clone()));
            }
        }
        out
    }

    /// Back to an empty session (a runtime must start over too: ids restart).
    pub fn reset(&mut self) {
        *self = Session::new(&self.file_name);
    }

    /// The accumulated declarations.
    pub fn env(&self) -> &Env {
        &self.env
    }
}

/// The fields and methods of a value of type `ty`.
fn members(ty: &Type, env: &Env) -> Vec<String> {
    let natives = |r: Receiver| -> Vec<String> {
        ALL_NATIVES
            .iter()
            .filter(|n| n.receiver() == r)
            .map(|n| n.name().to_string())
            .collect()
    };
    let mut out = Vec::new();
    match ty {
        Type::Str => out = natives(Receiver::Str),
        Type::Float => out = natives(Receiver::Float),
        Type::Array(_) => out = natives(Receiver::Array),
        Type::Map(..) => out = natives(Receiver::Map),
        Type::Struct(i) => {
            if let Some(s) = env.structs.get(*i as usize) {
                out.extend(s.fields.iter().map(|(n, _)| n.clone()));
            }
        }
        Type::Trait(i) => {
            if let Some(t) = env.traits.get(*i as usize) {
                out.extend(t.methods.iter().map(|m| m.name.clone()));
            }
        }
        _ => {}
    }
    // Methods with `self` of the type's `impl` blocks (trait impls included).
    out.extend(
        env.methods
            .keys()
            .filter(|(t, _)| t == ty)
            .map(|(_, m)| m.clone()),
    );
    out
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Where the identifier characters that end at `end` start.
fn scan_ident_back(b: &[u8], end: usize) -> usize {
    let mut i = end;
    while i > 0 && is_ident_byte(b[i - 1]) {
        i -= 1;
    }
    i
}

/// Where the postfix chain that ends at `end` starts: names, literals,
/// `(...)` and `[...]` groups (calls, indexing, parentheses) and string
/// literals, joined by `.` and `::`. `end` itself when there is none.
fn receiver_start(b: &[u8], end: usize) -> usize {
    let mut i = end;
    let mut start = end;
    loop {
        // One element, read backwards: closing groups, then the name or
        // literal they follow.
        let mut j = i;
        while j > 0 {
            let open = match b[j - 1] {
                b')' | b']' => matching_open(b, j - 1),
                b'"' => string_start(b, j - 1),
                _ => break,
            };
            match open {
                Some(o) => j = o,
                None => return start,
            }
        }
        let k = scan_ident_back(b, j);
        if k == i {
            return start;
        }
        start = k;
        if k > 0 && b[k - 1] == b'.' && !(k > 1 && b[k - 2] == b'.') {
            i = k - 1;
        } else if k > 1 && b[k - 1] == b':' && b[k - 2] == b':' {
            i = k - 2;
        } else {
            return start;
        }
    }
}

/// The index of the `(` or `[` that the bracket at `close` closes.
fn matching_open(b: &[u8], close: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = close + 1;
    while i > 0 {
        i -= 1;
        match b[i] {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The index of the opening quote of the string literal whose closing quote
/// is at `close`.
fn string_start(b: &[u8], close: usize) -> Option<usize> {
    let mut i = close;
    while i > 0 {
        i -= 1;
        if b[i] == b'"' {
            let backslashes = b[..i].iter().rev().take_while(|&&c| c == b'\\').count();
            if backslashes % 2 == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// The parse of `text`, for `input_is_incomplete` and the `;` rule.
fn parse_outcome(text: &str) -> (ParseOutcome, usize) {
    let arena = bumpalo::Bump::new();
    let mut diags = Vec::new();
    let (_, outcome) = parser::parse_with_outcome(&arena, text, &mut diags);
    (outcome, diags.len())
}

/// `source` with a `;` added when the only syntax problem is a missing `;`
/// at the very end; `source` itself otherwise.
fn forgive_final_semicolon(source: &str) -> Cow<'_, str> {
    let (outcome, _) = parse_outcome(source);
    if outcome.unterminated || outcome.eof_errors == 0 || outcome.other_errors > 0 {
        return Cow::Borrowed(source);
    }
    // On a new line, so that a final `// comment` does not swallow it.
    let patched = format!("{source}\n;");
    if parse_outcome(&patched).1 == 0 {
        Cow::Owned(patched)
    } else {
        Cow::Borrowed(source)
    }
}

/// Whether `source` ends inside an unfinished construct, so that a REPL
/// should read more lines instead of reporting an error: an unclosed
/// `{ ( [`, an unterminated string or block comment, an operator, `=`, `,`,
/// `->` or a keyword still waiting for its operand. Decided by the lexer
/// and the parser: the input is incomplete when its only syntax errors are
/// "unexpected end of file" and adding a final `;` does not make it whole
/// (a missing final `;` is forgiven by `Session::compile_input`). Input with
/// any other syntax error (like a lone `}`) is complete: it is an error.
pub fn input_is_incomplete(source: &str) -> bool {
    let (outcome, _) = parse_outcome(source);
    if outcome.unterminated {
        return true;
    }
    if outcome.eof_errors == 0 || outcome.other_errors > 0 {
        return false;
    }
    parse_outcome(&format!("{source}\n;")).1 != 0
}

#[cfg(test)]
mod tests;
