//! The assembler: a listing, as `disasm::disassemble` prints it, back into
//! the `Module` it shows.
//!
//! The listing is complete, so `assemble(&disassemble(&m))` rebuilds `m`
//! exactly (the suite checks this for every conformance program, and that
//! the re-encoded bytes are identical). Tests write modules as listings
//! instead of building them by hand, and verifier cases live in `.lasm`
//! files (`tests/verify/`). Lines whose first non-blank character is `;`
//! are comments; so is the rest of an instruction line after `;`, where
//! the disassembler puts constant values.
//!
//! The assembler reads untrusted text: every malformed line is an
//! `AsmError` naming its line, never a panic. It does not check what the
//! verifier checks (types, ranges, control flow), so listings of rejected
//! modules assemble too; indices that name nothing are written as the
//! disassembler prints them (`<bad type 9>`, `<bad @77>`). Its work and
//! memory are linear in the listing's length and it does not recurse.

mod code;
mod layout;
mod text;
mod types;

use crate::disasm::{native_operand_names, operand_names};
use crate::module::{
    Const, EnumDef, Field, Function, ImplDef, Module, StructDef, TraitDef, TraitMethod, Variant,
};
use layout::{first_word, FuncLines, Layout};
use std::collections::HashMap;
use std::fmt;
use text::{bad_index, parse_quoted, split_id_suffix, split_top_level, split_top_level_once};
use types::{split_signature, TypeNames};

/// Why a listing could not be assembled: the 1-based line and what is
/// wrong there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsmError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for AsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for AsmError {}

/// Attaches a line number to a message.
fn at<T>(line: usize, r: Result<T, String>) -> Result<T, AsmError> {
    r.map_err(|message| AsmError { line, message })
}

/// Entries of a table by the names operands use for them (see
/// `disasm::operand_names`).
struct IndexNames {
    by_name: HashMap<String, u32>,
    /// The entries' own names, to accept `NAME#ID` even where the
    /// disassembler would print the bare name.
    plain: Vec<String>,
    what: &'static str,
}

impl IndexNames {
    fn new(plain: Vec<String>, what: &'static str) -> Self {
        let shown = operand_names(plain.iter().map(String::as_str));
        let by_name = shown
            .into_iter()
            .enumerate()
            .filter_map(|(i, n)| Some((n, u32::try_from(i).ok()?)))
            .collect();
        IndexNames {
            by_name,
            plain,
            what,
        }
    }

    fn index(&self, text: &str) -> Result<u32, String> {
        if let Some(i) = self.by_name.get(text) {
            return Ok(*i);
        }
        if let Some((name, id)) = split_id_suffix(text) {
            if self.plain.get(id as usize).is_some_and(|n| n == name) {
                return Ok(id);
            }
        }
        match bad_index(text, self.what).map(u32::try_from) {
            Some(Ok(i)) => Ok(i),
            _ => Err(format!("no {} is named `{text}`", self.what)),
        }
    }
}

/// Everything an operand can name.
pub(crate) struct Names {
    types: TypeNames,
    functions: IndexNames,
    globals: IndexNames,
    natives: IndexNames,
}

/// Assembles a whole listing into a module.
pub fn assemble(listing: &str) -> Result<Module, AsmError> {
    let layout = Layout::of(listing)?;
    let mut m = Module::new("");
    m.types.clear();
    let (line, name) = layout.module.ok_or(AsmError {
        line: 1,
        message: "the listing has no `module \"NAME\"` line".to_string(),
    })?;
    m.source_name = at(line, quoted_whole(name))?;
    for (line, text) in &layout.files {
        let bad = || AsmError {
            line: *line,
            message: "expected `file \"NAME\" FIRST_LINE`".to_string(),
        };
        let (name, first) = at(*line, parse_quoted(text.trim()))?;
        let first_line: u32 = first.trim().parse().map_err(|_| bad())?;
        m.files.push(crate::SourceFile { name, first_line });
    }

    let mut type_names = TypeNames::default();
    for (i, (_, text)) in layout.types.iter().enumerate() {
        type_names.add_entry(text, i);
    }
    for (i, (line, text)) in layout.structs.iter().enumerate() {
        type_names.add_struct(at(*line, decl_head(text, "struct "))?.0, i);
    }
    for (i, (line, text)) in layout.enums.iter().enumerate() {
        type_names.add_enum(at(*line, decl_head(text, "enum "))?.0, i);
    }
    for (i, t) in layout.traits.iter().enumerate() {
        type_names.add_trait(at(t.line, trait_name(t.header))?, i);
    }
    for (line, text) in &layout.types {
        m.types.push(at(*line, type_names.entry(text))?);
    }
    for (line, text) in &layout.structs {
        m.structs.push(at(*line, struct_def(text, &type_names))?);
    }
    for (line, text) in &layout.enums {
        m.enums.push(at(*line, enum_def(text, &type_names))?);
    }
    for t in &layout.traits {
        let mut def = TraitDef {
            name: at(t.line, trait_name(t.header))?.to_string(),
            methods: Vec::new(),
        };
        for (line, text) in &t.methods {
            def.methods
                .push(at(*line, trait_method(text, &type_names))?);
        }
        m.traits.push(def);
    }
    for (line, text) in &layout.consts {
        m.consts.push(at(*line, constant(text))?);
    }
    for (line, text) in &layout.globals {
        m.globals.push(at(*line, field(text, &type_names))?);
    }
    for (i, f) in layout.functions.iter().enumerate() {
        m.functions.push(header(f, i, &type_names)?);
    }

    let names = Names {
        types: type_names,
        functions: IndexNames::new(
            m.functions.iter().map(|f| f.name.clone()).collect(),
            "function",
        ),
        globals: IndexNames::new(m.globals.iter().map(|g| g.name.clone()).collect(), "global"),
        natives: IndexNames::new(native_operand_names(), "native"),
    };
    for (line, text) in &layout.impls {
        m.impls.push(at(*line, impl_def(text, &names))?);
    }
    let (line, entry) = layout.entry.ok_or(AsmError {
        line: 1,
        message: "the listing has no `entry FUNCTION` line".to_string(),
    })?;
    m.entry = at(line, names.functions.index(entry))?;
    for (f, lines) in m.functions.iter_mut().zip(&layout.functions) {
        body(f, lines, &names)?;
    }
    Ok(m)
}

/// A quoted string that is the whole of `text`.
fn quoted_whole(text: &str) -> Result<String, String> {
    let (s, rest) = parse_quoted(text)?;
    if rest.trim().is_empty() {
        Ok(s)
    } else {
        Err(format!("unexpected `{}` after the string", rest.trim()))
    }
}

/// The name and the braced body of `KEYWORD NAME { BODY }`.
fn decl_head<'a>(text: &'a str, keyword: &str) -> Result<(&'a str, &'a str), String> {
    let rest = text
        .strip_prefix(keyword)
        .ok_or_else(|| format!("expected `{keyword}…`, found `{text}`"))?;
    let (name, body) = rest
        .split_once(" {")
        .ok_or_else(|| format!("expected `{{` after the name in `{text}`"))?;
    let body = body
        .strip_suffix('}')
        .ok_or_else(|| format!("`{text}` does not end with `}}`"))?;
    Ok((name.trim(), body))
}

fn struct_def(text: &str, types: &TypeNames) -> Result<StructDef, String> {
    let (name, body) = decl_head(text, "struct ")?;
    let fields = split_top_level(body)
        .into_iter()
        .map(|f| field(f, types))
        .collect::<Result<_, _>>()?;
    Ok(StructDef {
        name: name.to_string(),
        fields,
    })
}

/// `name: TYPE`, a struct field or a global.
fn field(text: &str, types: &TypeNames) -> Result<Field, String> {
    let (name, ty) = split_top_level_once(text, ':')
        .ok_or_else(|| format!("expected `NAME: TYPE`, found `{text}`"))?;
    Ok(Field {
        name: name.trim().to_string(),
        ty: types.id(ty.trim())?,
    })
}

fn enum_def(text: &str, types: &TypeNames) -> Result<EnumDef, String> {
    let (name, body) = decl_head(text, "enum ")?;
    let mut variants = Vec::new();
    for v in split_top_level(body) {
        let variant = match v.split_once('(') {
            None => Variant {
                name: v.to_string(),
                fields: Vec::new(),
            },
            Some((vname, rest)) => match split_signature(rest) {
                Some((fields, after)) if after.trim().is_empty() => Variant {
                    name: vname.trim().to_string(),
                    fields: types.ids(fields)?,
                },
                _ => return Err(format!("malformed variant `{v}`")),
            },
        };
        variants.push(variant);
    }
    Ok(EnumDef {
        name: name.to_string(),
        variants,
    })
}

/// The name in a trait's `trait NAME {` line.
fn trait_name(header: &str) -> Result<&str, String> {
    header
        .strip_prefix("trait ")
        .and_then(|t| t.strip_suffix('{'))
        .map(str::trim)
        .ok_or_else(|| format!("expected `trait NAME {{`, found `{header}`"))
}

/// `fn NAME(self, PARAMS) -> RET;`, one method of a trait.
fn trait_method(text: &str, types: &TypeNames) -> Result<TraitMethod, String> {
    let sig = text
        .strip_prefix("fn ")
        .and_then(|t| t.strip_suffix(';'))
        .ok_or_else(|| format!("expected `fn NAME(self, …);`, found `{text}`"))?;
    let (name, rest) = sig
        .split_once('(')
        .ok_or_else(|| format!("method `{sig}` has no parameter list"))?;
    let rest = rest
        .strip_prefix("self")
        .ok_or_else(|| format!("method `{name}` must take `self` first"))?;
    let rest = rest.strip_prefix(',').unwrap_or(rest);
    let (params, ret) = types.signature(rest)?;
    Ok(TraitMethod {
        name: name.trim().to_string(),
        params,
        ret,
    })
}

/// `impl TRAIT for STRUCT { method = FUNCTION, … }`.
fn impl_def(text: &str, names: &Names) -> Result<ImplDef, String> {
    let (head, body) = decl_head(text, "impl ")?;
    let (tr, st) = head
        .split_once(" for ")
        .ok_or_else(|| format!("expected `impl TRAIT for STRUCT`, found `impl {head}`"))?;
    let methods = split_top_level(body)
        .into_iter()
        .map(|pair| match pair.split_once(" = ") {
            Some((_, f)) => names.functions.index(f.trim()),
            None => Err(format!("expected `METHOD = FUNCTION`, found `{pair}`")),
        })
        .collect::<Result<_, _>>()?;
    Ok(ImplDef {
        trait_index: names.types.trait_index(tr.trim())?,
        struct_index: names.types.struct_index(st.trim())?,
        methods,
    })
}

/// A constant as the disassembler prints it: an int, a float as `{:?}`
/// prints it (always with `.`, `e`, `inf` or `NaN`), or a quoted string.
fn constant(text: &str) -> Result<Const, String> {
    if text.starts_with('"') {
        return quoted_whole(text).map(Const::Str);
    }
    if let Ok(v) = text.parse::<i64>() {
        return Ok(Const::Int(v));
    }
    text.parse::<f64>()
        .map(Const::Float)
        .map_err(|_| format!("`{text}` is not a constant"))
}

/// A function's header line (`fn NAME(PARAMS) -> RET  ; fN`) and its
/// `captures:` and `regs:` lines; the code comes later, once every
/// function's name is known.
fn header(f: &FuncLines, index: usize, types: &TypeNames) -> Result<Function, AsmError> {
    let (sig, comment) = match f.header.split_once(';') {
        Some((sig, comment)) => (sig.trim_end(), Some(comment.trim())),
        None => (f.header, None),
    };
    if let Some(comment) = comment.filter(|c| *c != format!("f{index}")) {
        let message = format!("this is function f{index}, but its comment says `{comment}`");
        return at(f.line, Err(message));
    }
    // The parameter list opens at the first `(` outside brackets: an
    // instance's name may hold a tuple type (`id<(int, int)>`).
    let open = text::scan(sig).find(|&(_, c, depth)| c == '(' && depth == 0);
    let Some((shown, rest)) = open.and_then(|(i, _, _)| Some((sig.get(..i)?, sig.get(i + 1..)?)))
    else {
        return at(
            f.line,
            Err(format!("function header `{sig}` has no parameter list")),
        );
    };
    let name = match split_id_suffix(shown) {
        Some((plain, id)) if id as usize == index => plain,
        _ => shown,
    };
    let (params, ret) = at(f.line, types.signature(rest))?;
    let mut function = Function {
        name: name.to_string(),
        params,
        ret,
        captures: Vec::new(),
        regs: Vec::new(),
        code: Vec::new(),
        lines: Vec::new(),
    };
    if let Some((line, caps)) = f.captures {
        function.captures = at(line, types.ids(caps))?;
    }
    if let Some((line, regs)) = f.regs {
        for (i, reg) in split_top_level(regs).into_iter().enumerate() {
            let ty = match split_top_level_once(reg, ':') {
                Some((r, ty)) if r.trim() == format!("r{i}") => types.id(ty.trim()),
                _ => Err(format!("expected `r{i}: TYPE`, found `{reg}`")),
            };
            function.regs.push(at(line, ty)?);
        }
    }
    Ok(function)
}

/// The instructions and source lines of one function: each line is
/// `PC LINE INSTRUCTION`, where LINE is `?` for an instruction without a
/// source line (only the last ones can lack one).
fn body(f: &mut Function, lines: &FuncLines, names: &Names) -> Result<(), AsmError> {
    let mut missing_lines = false;
    for (pc, (line, text)) in lines.code.iter().enumerate() {
        let line = *line;
        let text = text.split_once(';').map_or(*text, |(t, _)| t);
        let (shown_pc, rest) = first_word(text);
        let (source_line, instruction) = first_word(rest);
        if shown_pc != pc.to_string() {
            let message = format!(
                "expected instruction {pc} of `{}`, found `{shown_pc}`",
                f.name
            );
            return at(line, Err(message));
        }
        match source_line {
            "?" => missing_lines = true,
            n if !missing_lines => {
                let parsed = n
                    .parse()
                    .map_err(|_| format!("`{n}` is not a source line number"));
                f.lines.push(at(line, parsed)?);
            }
            _ => {
                let message = "a source line after `?`: only the last instructions can lack one";
                return at(line, Err(message.to_string()));
            }
        }
        f.code
            .push(at(line, code::instruction(instruction, names))?);
    }
    Ok(())
}
