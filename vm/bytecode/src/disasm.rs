//! The disassembler: a readable, deterministic listing of a `Module`.
//!
//! Instructions are printed from the opcode list's operand kinds alone, so a
//! new opcode needs no printing code: registers as `r3`, constants as `k2`
//! with their value in a trailing comment, types by name, functions, globals
//! and natives by name, jump targets as `@12`. The listing is used in golden
//! snapshots, so it depends on nothing but the module (no hash order, no
//! addresses). It must also work on modules that have not been verified (the
//! `lang disasm` command shows rejected files too), so every lookup is checked
//! and a bad index prints as `<bad …>` instead of panicking.
//!
//! The same opcode list also renders the instruction and native tables of
//! `spec/bytecode.md`; a test checks that the spec holds the current tables.

use crate::instr::{Instr, OperandKind, ALL_OPCODES};
use crate::module::{Const, FuncId, Function, Module};
use crate::natives::{Native, Pat, Receiver, ALL_NATIVES};
use crate::types::{Type, TypeId, BOOL, FLOAT, INT, STR};
use std::fmt::Write;

/// The longest type name printed before eliding the rest with `…`. Real
/// types are far shorter; the bound matters for hostile type tables, where
/// shared parts would otherwise make a name exponentially long.
const MAX_TYPE_NAME: usize = 256;

/// The deepest type nesting printed; deeper parts print as `…`.
const MAX_TYPE_DEPTH: usize = 16;

/// The longest string constant shown inline in an instruction's comment; the
/// constants section shows it whole.
const MAX_INLINE_STR: usize = 48;

/// A readable name for a type, bounded in length and depth so that it is
/// cheap for any table, even an unverified or cyclic one: `[int]`,
/// `{str: Vec2}`, `fn(int) -> bool`, `cell<int>`, `<bad type 9>`.
pub fn type_name(m: &Module, id: TypeId) -> String {
    let mut out = String::new();
    write_type(m, id, 0, &mut out);
    if out.len() > MAX_TYPE_NAME {
        let mut cut = MAX_TYPE_NAME;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

/// Appends a type's name; stops early once `out` is past the length bound,
/// so the work is bounded by the bound, not by the type's size.
fn write_type(m: &Module, id: TypeId, depth: usize, out: &mut String) {
    if out.len() > MAX_TYPE_NAME {
        return;
    }
    if depth > MAX_TYPE_DEPTH {
        out.push('…');
        return;
    }
    let decl = |out: &mut String, name: Option<&str>, what: &str, i: u32| match name {
        Some(n) => out.push_str(n),
        None => {
            let _ = write!(out, "<bad {what} {i}>");
        }
    };
    match m.type_at(id) {
        None => {
            let _ = write!(out, "<bad type {id}>");
        }
        Some(Type::Int) => out.push_str("int"),
        Some(Type::Float) => out.push_str("float"),
        Some(Type::Bool) => out.push_str("bool"),
        Some(Type::Str) => out.push_str("str"),
        Some(Type::Array(e)) => {
            out.push('[');
            write_type(m, *e, depth + 1, out);
            out.push(']');
        }
        Some(Type::Map(k, v)) => {
            out.push('{');
            write_type(m, *k, depth + 1, out);
            out.push_str(": ");
            write_type(m, *v, depth + 1, out);
            out.push('}');
        }
        Some(Type::Struct(i)) => {
            let name = m.structs.get(*i as usize).map(|s| s.name.as_str());
            decl(out, name, "struct", *i)
        }
        Some(Type::Enum(i)) => {
            let name = m.enums.get(*i as usize).map(|e| e.name.as_str());
            decl(out, name, "enum", *i)
        }
        Some(Type::Trait(i)) => {
            let name = m.traits.get(*i as usize).map(|t| t.name.as_str());
            decl(out, name, "trait", *i)
        }
        Some(Type::Func { params, ret }) => {
            out.push_str("fn(");
            for (i, p) in params.iter().enumerate() {
                if out.len() > MAX_TYPE_NAME {
                    return;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                write_type(m, *p, depth + 1, out);
            }
            out.push(')');
            if let Some(r) = ret {
                out.push_str(" -> ");
                write_type(m, *r, depth + 1, out);
            }
        }
        Some(Type::Cell(t)) => {
            out.push_str("cell<");
            write_type(m, *t, depth + 1, out);
            out.push('>');
        }
    }
}

/// How listings and messages name a native: methods with their receiver,
/// `str.find`, `array.push`; prelude functions bare, `sqrt`.
pub fn native_name(n: Native) -> String {
    let recv = match n.receiver() {
        Receiver::None => "",
        Receiver::Str => "str.",
        Receiver::Float => "float.",
        Receiver::Array => "array.",
        Receiver::Map => "map.",
    };
    format!("{recv}{}", n.name())
}

/// The whole listing: the module's tables, then every function.
pub fn disassemble(m: &Module) -> String {
    let names = FuncNames::new(m);
    let mut out = String::new();
    write_tables(m, &names, &mut out);
    for id in 0..m.functions.len() {
        out.push('\n');
        write_function(m, &names, id, &mut out);
    }
    out
}

/// The listing of one function (for the REPL's `:dis NAME`).
pub fn disassemble_function(m: &Module, f: FuncId) -> String {
    let names = FuncNames::new(m);
    let mut out = String::new();
    write_function(m, &names, f as usize, &mut out);
    out
}

/// The names operands use for a table's entries: each entry's name, with
/// `#index` appended when several entries share it (`<lambda>#4`, a
/// shadowed global `x#2`, the overloaded native `abs#13`), so that every
/// operand names exactly one entry and the assembler can read it back.
pub(crate) fn operand_names<'a>(names: impl Iterator<Item = &'a str> + Clone) -> Vec<String> {
    let mut sorted: Vec<&str> = names.clone().collect();
    sorted.sort_unstable();
    let shared = |name: &str| {
        let first = sorted.partition_point(|n| *n < name);
        sorted.get(first + 1) == Some(&name)
    };
    names
        .enumerate()
        .map(|(i, name)| {
            if shared(name) {
                format!("{name}#{i}")
            } else {
                name.to_string()
            }
        })
        .collect()
}

/// The operand names of every native (`abs#13`, `sqrt`, `str.find`).
pub(crate) fn native_operand_names() -> Vec<String> {
    let names: Vec<String> = ALL_NATIVES.iter().map(|n| native_name(*n)).collect();
    operand_names(names.iter().map(String::as_str))
}

/// How functions, globals and natives are named in operands (see
/// `operand_names`).
struct FuncNames {
    names: Vec<String>,
    globals: Vec<String>,
    natives: Vec<String>,
}

impl FuncNames {
    fn new(m: &Module) -> Self {
        FuncNames {
            names: operand_names(m.functions.iter().map(|f| f.name.as_str())),
            globals: operand_names(m.globals.iter().map(|g| g.name.as_str())),
            natives: native_operand_names(),
        }
    }

    fn get(&self, id: i64) -> String {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.names.get(i))
            .cloned()
            .unwrap_or_else(|| format!("<bad function {id}>"))
    }
}

fn signature(m: &Module, params: &[TypeId], ret: Option<TypeId>) -> String {
    let ps: Vec<String> = params.iter().map(|p| type_name(m, *p)).collect();
    match ret {
        Some(r) => format!("({}) -> {}", ps.join(", "), type_name(m, r)),
        None => format!("({})", ps.join(", ")),
    }
}

fn const_text(c: &Const) -> String {
    match c {
        Const::Int(v) => v.to_string(),
        Const::Float(v) => format!("{v:?}"),
        Const::Str(s) => format!("{s:?}"),
    }
}

fn write_tables(m: &Module, names: &FuncNames, out: &mut String) {
    let _ = writeln!(out, "module {:?}", m.source_name);
    for f in &m.files {
        let _ = writeln!(out, "file {:?} {}", f.name, f.first_line);
    }
    let _ = writeln!(out, "entry {}", names.get(m.entry as i64));
    out.push_str("\ntypes:\n");
    for i in 0..m.types.len() {
        let _ = writeln!(out, "  t{i:<4} {}", type_name(m, i as TypeId));
    }
    if !m.structs.is_empty() {
        out.push_str("\nstructs:\n");
        for s in &m.structs {
            let fields: Vec<String> = s
                .fields
                .iter()
                .map(|f| format!("{}: {}", f.name, type_name(m, f.ty)))
                .collect();
            let _ = writeln!(out, "  struct {} {{ {} }}", s.name, fields.join(", "));
        }
    }
    if !m.enums.is_empty() {
        out.push_str("\nenums:\n");
        for e in &m.enums {
            let variants: Vec<String> = e
                .variants
                .iter()
                .map(|v| {
                    if v.fields.is_empty() {
                        v.name.clone()
                    } else {
                        let ts: Vec<String> = v.fields.iter().map(|t| type_name(m, *t)).collect();
                        format!("{}({})", v.name, ts.join(", "))
                    }
                })
                .collect();
            let _ = writeln!(out, "  enum {} {{ {} }}", e.name, variants.join(", "));
        }
    }
    if !m.traits.is_empty() {
        out.push_str("\ntraits:\n");
        for t in &m.traits {
            let _ = writeln!(out, "  trait {} {{", t.name);
            for meth in &t.methods {
                let mut params = vec!["self".to_string()];
                params.extend(meth.params.iter().map(|p| type_name(m, *p)));
                let ret = meth
                    .ret
                    .map(|r| format!(" -> {}", type_name(m, r)))
                    .unwrap_or_default();
                let _ = writeln!(out, "    fn {}({}){ret};", meth.name, params.join(", "));
            }
            out.push_str("  }\n");
        }
    }
    if !m.impls.is_empty() {
        out.push_str("\nimpls:\n");
        for imp in &m.impls {
            let tr = m.traits.get(imp.trait_index as usize);
            let st = m.structs.get(imp.struct_index as usize);
            let tname = tr.map_or_else(
                || format!("<bad trait {}>", imp.trait_index),
                |t| t.name.clone(),
            );
            let sname = st.map_or_else(
                || format!("<bad struct {}>", imp.struct_index),
                |s| s.name.clone(),
            );
            let methods: Vec<String> = imp
                .methods
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let meth = tr
                        .and_then(|t| t.methods.get(i))
                        .map_or_else(|| format!("<bad method {i}>"), |mm| mm.name.clone());
                    format!("{meth} = {}", names.get(*f as i64))
                })
                .collect();
            let _ = writeln!(
                out,
                "  impl {tname} for {sname} {{ {} }}",
                methods.join(", ")
            );
        }
    }
    if !m.consts.is_empty() {
        out.push_str("\nconstants:\n");
        for (i, c) in m.consts.iter().enumerate() {
            let _ = writeln!(out, "  k{i:<4} {}", const_text(c));
        }
    }
    if !m.globals.is_empty() {
        out.push_str("\nglobals:\n");
        for (i, g) in m.globals.iter().enumerate() {
            let _ = writeln!(out, "  g{i:<4} {}: {}", g.name, type_name(m, g.ty));
        }
    }
}

fn write_function(m: &Module, names: &FuncNames, id: usize, out: &mut String) {
    let Some(f) = m.functions.get(id) else {
        let _ = writeln!(out, "<bad function {id}>");
        return;
    };
    let _ = writeln!(
        out,
        "fn {}{}  ; f{id}",
        names.get(id as i64),
        signature(m, &f.params, f.ret)
    );
    if !f.captures.is_empty() {
        let caps: Vec<String> = f.captures.iter().map(|c| type_name(m, *c)).collect();
        let _ = writeln!(out, "  captures: {}", caps.join(", "));
    }
    if !f.regs.is_empty() {
        let regs: Vec<String> = f
            .regs
            .iter()
            .enumerate()
            .map(|(i, t)| format!("r{i}: {}", type_name(m, *t)))
            .collect();
        let _ = writeln!(out, "  regs: {}", regs.join(", "));
    }
    for (pc, instr) in f.code.iter().enumerate() {
        let line = f
            .lines
            .get(pc)
            .map_or_else(|| "?".to_string(), |l| l.to_string());
        let _ = writeln!(
            out,
            "{pc:>6} {line:>5}  {}",
            instruction(m, names, f, instr)
        );
    }
}

/// One instruction: mnemonic, operands by kind, and a comment with the
/// values of any constants it loads.
fn instruction(m: &Module, names: &FuncNames, f: &Function, instr: &Instr) -> String {
    let mut ops = Vec::new();
    let mut comments = Vec::new();
    for op in instr.operands().as_slice() {
        let v = op.value;
        let index = usize::try_from(v).ok();
        ops.push(match op.kind {
            OperandKind::R => format!("r{v}"),
            OperandKind::K => match index.and_then(|i| m.consts.get(i)) {
                Some(c) => {
                    comments.push(inline_const(c));
                    format!("k{v}")
                }
                None => format!("<bad k{v}>"),
            },
            OperandKind::T => match u32::try_from(v) {
                Ok(t) => type_name(m, t),
                Err(_) => format!("<bad type {v}>"),
            },
            OperandKind::F => names.get(v),
            OperandKind::G => match index.and_then(|i| names.globals.get(i)) {
                Some(g) => g.clone(),
                None => format!("<bad global {v}>"),
            },
            OperandKind::N => match index.and_then(|i| names.natives.get(i)) {
                Some(n) => n.clone(),
                None => format!("<bad native {v}>"),
            },
            OperandKind::L => match index.filter(|i| *i < f.code.len()) {
                Some(_) => format!("@{v}"),
                None => format!("<bad @{v}>"),
            },
            OperandKind::U | OperandKind::I => v.to_string(),
        });
    }
    let mut text = format!("{:<9} {}", instr.mnemonic(), ops.join(", "));
    let trimmed = text.trim_end().len();
    text.truncate(trimmed);
    if !comments.is_empty() {
        let _ = write!(text, "  ; {}", comments.join(", "));
    }
    text
}

/// A constant as an instruction comment shows it: strings shortened.
fn inline_const(c: &Const) -> String {
    match c {
        Const::Str(s) if s.chars().count() > MAX_INLINE_STR => {
            let short: String = s.chars().take(MAX_INLINE_STR).collect();
            format!("{short:?}…")
        }
        _ => const_text(c),
    }
}

/// The name of one of the four types every table starts with.
fn scalar_name(ty: TypeId) -> &'static str {
    match ty {
        INT => "int",
        FLOAT => "float",
        BOOL => "bool",
        STR => "str",
        _ => "?",
    }
}

/// Markdown table cells must not contain a bare `|`.
fn cell(text: &str) -> String {
    text.trim().replace('|', "\\|")
}

/// The instruction table of `spec/bytecode.md`, generated from the opcode
/// list: byte, mnemonic, operands (name:kind), the register written, the
/// register types the opcode fixes, the facts (trap, alloc, call,
/// terminator) and the effect.
pub fn instruction_table() -> String {
    let mut out = String::from(
        "| byte | mnemonic | operands | writes | fixed types | facts | effect |\n|---|---|---|---|---|---|---|\n",
    );
    for op in ALL_OPCODES {
        // The all-zero instance's operands carry their field names.
        let operands = op
            .with_zero_operands()
            .operands()
            .as_slice()
            .iter()
            .map(|o| format!("{}:{:?}", o.name.to_uppercase(), o.kind))
            .collect::<Vec<_>>()
            .join(" ");
        let fixed = op
            .fixed_types()
            .iter()
            .map(|(name, ty)| format!("{}:{}", name.to_uppercase(), scalar_name(*ty)))
            .collect::<Vec<_>>()
            .join(" ");
        let facts = [
            (op.can_trap(), "trap"),
            (op.may_alloc(), "alloc"),
            (op.is_call(), "call"),
            (op.is_terminator(), "terminator"),
        ]
        .iter()
        .filter(|(holds, _)| *holds)
        .map(|(_, word)| *word)
        .collect::<Vec<_>>()
        .join(" ");
        let _ = writeln!(
            out,
            "| 0x{:02x} | `{}` | {} | {} | {} | {} | {} |",
            *op as u8,
            op.mnemonic(),
            operands,
            op.written_operand().unwrap_or("").to_uppercase(),
            fixed,
            facts,
            cell(op.doc())
        );
    }
    out
}

fn pattern(p: Pat) -> &'static str {
    match p {
        Pat::Int => "int",
        Pat::Float => "float",
        Pat::Bool => "bool",
        Pat::Str => "str",
        Pat::ArrayT => "[T]",
        Pat::T => "T",
        Pat::ArrayStr => "[str]",
        Pat::Sortable => "[int]/[float]/[str]",
        Pat::LessFn => "fn(T, T) -> bool",
        Pat::MapKV => "{K: V}",
        Pat::K => "K",
        Pat::V => "V",
        Pat::ArrayK => "[K]",
        Pat::ArrayV => "[V]",
    }
}

/// The native table of `spec/bytecode.md`, generated from `natives`.
pub fn native_table() -> String {
    let mut out = String::from("| id | native | signature | effect |\n|---|---|---|---|\n");
    for n in ALL_NATIVES {
        let params: Vec<&str> = n.params().iter().map(|p| pattern(*p)).collect();
        let ret = n
            .ret()
            .map(|r| format!(" -> {}", pattern(r)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | `{}` | `({}){}` | {} |",
            *n as u16,
            native_name(*n),
            params.join(", "),
            ret,
            cell(n.doc())
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instr::Instr::*;
    use crate::module::{Field, StructDef};
    use crate::types::{FLOAT, INT, STR};

    /// `fib` and a `main` that prints `fib(20)` and a struct.
    fn sample() -> Module {
        let mut m = Module::new("fib.src");
        let point = m.intern_type(Type::Struct(0));
        let arr = m.intern_type(Type::Array(STR));
        m.structs.push(StructDef {
            name: "P".into(),
            fields: vec![Field {
                name: "x".into(),
                ty: FLOAT,
            }],
        });
        m.consts = vec![Const::Float(1.5), Const::Str("a\"b".into())];
        m.globals.push(Field {
            name: "names".into(),
            ty: arr,
        });
        m.functions.push(Function {
            name: "fib".into(),
            params: vec![INT],
            ret: Some(INT),
            captures: vec![],
            regs: vec![INT, INT, INT],
            code: vec![
                LoadInt { a: 1, imm: 2 },
                JmpGeI {
                    a: 0,
                    b: 1,
                    target: 3,
                },
                Ret { a: 0 },
                AddImmI {
                    a: 1,
                    b: 0,
                    imm: -1,
                },
                Call {
                    a: 1,
                    f: 0,
                    b: 1,
                    n: 1,
                },
                AddImmI {
                    a: 2,
                    b: 0,
                    imm: -2,
                },
                Call {
                    a: 2,
                    f: 0,
                    b: 2,
                    n: 1,
                },
                AddI { a: 0, b: 1, c: 2 },
                Ret { a: 0 },
            ],
            lines: vec![2, 2, 2, 3, 3, 3, 3, 3, 3],
        });
        m.functions.push(Function {
            name: "main".into(),
            params: vec![],
            ret: None,
            captures: vec![],
            regs: vec![INT, FLOAT, point, STR],
            code: vec![
                LoadInt { a: 0, imm: 20 },
                Call {
                    a: 0,
                    f: 0,
                    b: 0,
                    n: 1,
                },
                Print {
                    b: 0,
                    t: INT,
                    nl: 1,
                },
                LoadK { a: 1, k: 0 },
                NewStruct {
                    a: 2,
                    t: point,
                    b: 1,
                    n: 1,
                },
                LoadK { a: 3, k: 1 },
                CallNative {
                    a: 3,
                    native: Native::Trim as u16,
                    b: 3,
                    n: 1,
                },
                GetGlobal { a: 3, g: 0 },
                RetVoid {},
            ],
            lines: vec![6, 6, 6, 7, 7, 8, 8, 9, 9],
        });
        m.entry = 1;
        m
    }

    const SAMPLE_LISTING: &str = r#"module "fib.src"
entry main

types:
  t0    int
  t1    float
  t2    bool
  t3    str
  t4    P
  t5    [str]

structs:
  struct P { x: float }

constants:
  k0    1.5
  k1    "a\"b"

globals:
  g0    names: [str]

fn fib(int) -> int  ; f0
  regs: r0: int, r1: int, r2: int
     0     2  ld.i      r1, 2
     1     2  jge.i     r0, r1, @3
     2     2  ret       r0
     3     3  addk.i    r1, r0, -1
     4     3  call      r1, fib, r1, 1
     5     3  addk.i    r2, r0, -2
     6     3  call      r2, fib, r2, 1
     7     3  add.i     r0, r1, r2
     8     3  ret       r0

fn main()  ; f1
  regs: r0: int, r1: float, r2: P, r3: str
     0     6  ld.i      r0, 20
     1     6  call      r0, fib, r0, 1
     2     6  print     r0, int, 1
     3     7  ld.k      r1, k0  ; 1.5
     4     7  new.st    r2, P, r1, 1
     5     8  ld.k      r3, k1  ; "a\"b"
     6     8  call.n    r3, str.trim, r3, 1
     7     9  gget      r3, names
     8     9  ret.v
"#;

    #[test]
    fn listing_of_a_small_module() {
        assert_eq!(disassemble(&sample()), SAMPLE_LISTING);
        let main_only = SAMPLE_LISTING
            .split("\nfn main")
            .nth(1)
            .map(|rest| format!("fn main{rest}"));
        assert_eq!(Some(disassemble_function(&sample(), 1)), main_only);
        assert_eq!(disassemble_function(&sample(), 7), "<bad function 7>\n");
    }

    /// The listing is complete: assembling it gives the module back, also
    /// for modules with bad indices and shared names.
    #[test]
    fn listings_assemble_back_into_their_module() {
        let mut modules = vec![sample(), bad_indices_module()];
        let mut shared = sample();
        shared.functions[0].name = "main".into();
        shared.globals.push(shared.globals[0].clone());
        shared.functions[1].code[7] = GetGlobal { a: 3, g: 1 };
        modules.push(shared);
        let mut abs = sample();
        abs.functions[1].code[6] = CallNative {
            a: 3,
            native: Native::AbsF as u16,
            b: 1,
            n: 1,
        };
        modules.push(abs);
        for m in modules {
            let text = disassemble(&m);
            assert_eq!(crate::asm::assemble(&text), Ok(m), "{text}");
        }
    }

    #[test]
    fn shared_native_and_global_names_get_their_id() {
        let mut m = sample();
        m.globals.push(m.globals[0].clone());
        m.functions[1].code[6] = CallNative {
            a: 3,
            native: Native::AbsF as u16,
            b: 1,
            n: 1,
        };
        let text = disassemble(&m);
        let abs_f = format!("call.n    r3, abs#{}, r1, 1", Native::AbsF as u16);
        assert!(text.contains(&abs_f), "{text}");
        assert!(text.contains("gget      r3, names#0"), "{text}");
    }

    fn bad_indices_module() -> Module {
        let mut m = sample();
        m.entry = 40;
        m.types.push(Type::Array(99));
        m.types.push(Type::Struct(9));
        m.functions[1].code = vec![
            LoadK { a: 1, k: 9 },
            GetGlobal { a: 0, g: 3 },
            Call {
                a: 0,
                f: 12,
                b: 0,
                n: 0,
            },
            CallNative {
                a: 0,
                native: 999,
                b: 0,
                n: 0,
            },
            Jmp { target: 77 },
            NewArray {
                a: 0,
                t: 6,
                b: 0,
                n: 0,
            },
            NewMap { a: 0, t: 1234 },
        ];
        m.functions[1].lines.clear();
        m
    }

    #[test]
    fn bad_indices_print_as_bad() {
        let text = disassemble(&bad_indices_module());
        for expected in [
            "entry <bad function 40>",
            "t6    [<bad type 99>]",
            "t7    <bad struct 9>",
            "     0     ?  ld.k      r1, <bad k9>",
            "gget      r0, <bad global 3>",
            "call      r0, <bad function 12>, r0, 0",
            "call.n    r0, <bad native 999>, r0, 0",
            "jmp       <bad @77>",
            "new.arr   r0, [<bad type 99>], r0, 0",
            "new.map   r0, <bad type 1234>",
        ] {
            assert!(text.contains(expected), "no `{expected}` in\n{text}");
        }
    }

    #[test]
    fn shared_function_names_get_their_id() {
        let mut m = sample();
        m.functions[0].name = "main".into();
        let text = disassemble(&m);
        assert!(text.contains("fn main#0(int) -> int  ; f0"), "{text}");
        assert!(text.contains("call      r0, main#0, r0, 1"), "{text}");
        assert!(text.contains("entry main#1"), "{text}");
    }

    #[test]
    fn type_names_stay_short_for_hostile_tables() {
        let mut m = Module::new("x");
        // A cycle, which only an unverified table can have.
        m.types.push(Type::Array(4));
        // Each entry takes the previous one twice: printed in full, t60
        // would be about 2^56 characters long.
        m.types.push(Type::Func {
            params: vec![INT, INT],
            ret: None,
        });
        for i in 5..60u32 {
            m.types.push(Type::Func {
                params: vec![i, i],
                ret: Some(i),
            });
        }
        let cyclic = type_name(&m, 4);
        assert!(
            cyclic.starts_with("[[[[") && cyclic.contains('…'),
            "{cyclic}"
        );
        let wide = type_name(&m, 60);
        assert!(
            wide.len() <= MAX_TYPE_NAME + '…'.len_utf8(),
            "{}",
            wide.len()
        );
        let _ = disassemble(&m);
    }

    #[test]
    fn strings_are_cut_at_character_boundaries() {
        let mut m = Module::new("x");
        m.structs.push(StructDef {
            name: "é".repeat(300),
            fields: vec![],
        });
        m.types.push(Type::Struct(0));
        let name = type_name(&m, 4);
        assert!(name.ends_with('…'));
        m.consts.push(Const::Str("é".repeat(100)));
        m.functions.push(Function {
            name: "f".into(),
            params: vec![],
            ret: None,
            captures: vec![],
            regs: vec![STR],
            code: vec![LoadK { a: 0, k: 0 }],
            lines: vec![1],
        });
        let text = disassemble(&m);
        assert!(
            text.contains(&format!("; \"{}\"…", "é".repeat(48))),
            "{text}"
        );
    }

    /// The generated tables must appear verbatim in `spec/bytecode.md`, so
    /// the spec cannot fall behind the opcode and native lists. Run with
    /// `LANG_BLESS=1` (the one switch that regenerates every golden; the
    /// older `LANG_BLESS_SPEC=1` still works) to rewrite the generated
    /// sections in place.
    #[test]
    fn spec_holds_the_generated_tables() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/bytecode.md");
        let sections = [
            ("instructions", instruction_table()),
            ("natives", native_table()),
        ];
        if let Err(e) = crate::golden::check_sections(path, &sections) {
            panic!("{e}");
        }
    }

    #[test]
    fn tables_list_every_opcode_and_native() {
        let table = instruction_table();
        assert_eq!(table.lines().count(), 2 + ALL_OPCODES.len());
        assert!(table.contains(
            "| 0x09 | `sub.i` | A:R B:R C:R | A | A:int B:int C:int |  | R[A] := R[B] - R[C], wrapping. |"
        ));
        assert!(table.contains("| 0x39 | `call.c` | A:R C:R B:R N:U | A |  | trap alloc call |"));
        assert!(table.contains("| `ret.v` |  |  |  | terminator | Returns"));
        assert!(table.contains("| R[A] := R[B] \\| R[C]. |"));
        let natives = native_table();
        assert_eq!(natives.lines().count(), 2 + ALL_NATIVES.len());
        assert!(natives.contains("`array.sort_by` | `([T], fn(T, T) -> bool)` |"));
    }
}
