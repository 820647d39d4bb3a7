//! `Module` → `.bc` bytes.
//!
//! Layout: `MAGIC`, format version (u16), reserved flags (u16), payload length
//! (u32), CRC-32 of the payload (u32), then the payload. Everything is
//! little-endian; counts and lengths are u32; strings are a length and UTF-8
//! bytes. The payload's sections come in a fixed order (see `encode_payload`),
//! so the same module always gives the same bytes.

use crate::instr::Instr;
use crate::module::{Const, Field, Function, Module};
use crate::types::Type;
use crate::{FORMAT_VERSION, MAGIC};

/// Type-table entry tags; shared with the decoder.
pub(crate) mod tag {
    pub const INT: u8 = 0;
    pub const FLOAT: u8 = 1;
    pub const BOOL: u8 = 2;
    pub const STR: u8 = 3;
    pub const ARRAY: u8 = 4;
    pub const MAP: u8 = 5;
    pub const STRUCT: u8 = 6;
    pub const ENUM: u8 = 7;
    pub const TRAIT: u8 = 8;
    pub const FUNC: u8 = 9;
    pub const CELL: u8 = 10;
    pub const CONST_INT: u8 = 0;
    pub const CONST_FLOAT: u8 = 1;
    pub const CONST_STR: u8 = 2;
    /// Marks an absent optional type (a function returning nothing).
    pub const NO_TYPE: u32 = u32::MAX;
}

/// Encodes a module as `.bc` bytes. Total for any module the compiler makes;
/// counts that do not fit in u32 are a compiler bug, and saturate here.
pub fn encode(module: &Module) -> Vec<u8> {
    let mut payload = Writer::default();
    encode_payload(module, &mut payload);
    let payload = payload.bytes;
    let mut out = Vec::with_capacity(payload.len() + 16);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&len_u32(payload.len()).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[derive(Default)]
struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    fn count(&mut self, n: usize) {
        self.u32(len_u32(n));
    }
    fn str(&mut self, s: &str) {
        self.count(s.len());
        self.bytes.extend_from_slice(s.as_bytes());
    }
    fn opt_type(&mut self, t: Option<u32>) {
        self.u32(t.unwrap_or(tag::NO_TYPE));
    }
    fn type_list(&mut self, ts: &[u32]) {
        self.count(ts.len());
        for t in ts {
            self.u32(*t);
        }
    }
    fn fields(&mut self, fs: &[Field]) {
        self.count(fs.len());
        for f in fs {
            self.str(&f.name);
            self.u32(f.ty);
        }
    }
}

fn encode_payload(m: &Module, w: &mut Writer) {
    w.str(&m.source_name);
    w.count(m.files.len());
    for f in &m.files {
        w.str(&f.name);
        w.u32(f.first_line);
    }
    w.count(m.types.len());
    for t in &m.types {
        encode_type(t, w);
    }
    w.count(m.structs.len());
    for s in &m.structs {
        w.str(&s.name);
        w.fields(&s.fields);
    }
    w.count(m.enums.len());
    for e in &m.enums {
        w.str(&e.name);
        w.count(e.variants.len());
        for v in &e.variants {
            w.str(&v.name);
            w.type_list(&v.fields);
        }
    }
    w.count(m.traits.len());
    for t in &m.traits {
        w.str(&t.name);
        w.count(t.methods.len());
        for meth in &t.methods {
            w.str(&meth.name);
            w.type_list(&meth.params);
            w.opt_type(meth.ret);
        }
    }
    w.count(m.impls.len());
    for i in &m.impls {
        w.u32(i.trait_index);
        w.u32(i.struct_index);
        w.type_list(&i.methods);
    }
    w.count(m.consts.len());
    for c in &m.consts {
        match c {
            Const::Int(v) => {
                w.u8(tag::CONST_INT);
                w.u64(*v as u64);
            }
            Const::Float(v) => {
                w.u8(tag::CONST_FLOAT);
                w.u64(v.to_bits());
            }
            Const::Str(s) => {
                w.u8(tag::CONST_STR);
                w.str(s);
            }
        }
    }
    w.fields(&m.globals);
    w.count(m.functions.len());
    for f in &m.functions {
        encode_function(f, w);
    }
    w.u32(m.entry);
}

fn encode_type(t: &Type, w: &mut Writer) {
    match t {
        Type::Int => w.u8(tag::INT),
        Type::Float => w.u8(tag::FLOAT),
        Type::Bool => w.u8(tag::BOOL),
        Type::Str => w.u8(tag::STR),
        Type::Array(e) => {
            w.u8(tag::ARRAY);
            w.u32(*e);
        }
        Type::Map(k, v) => {
            w.u8(tag::MAP);
            w.u32(*k);
            w.u32(*v);
        }
        Type::Struct(i) => {
            w.u8(tag::STRUCT);
            w.u32(*i);
        }
        Type::Enum(i) => {
            w.u8(tag::ENUM);
            w.u32(*i);
        }
        Type::Trait(i) => {
            w.u8(tag::TRAIT);
            w.u32(*i);
        }
        Type::Func { params, ret } => {
            w.u8(tag::FUNC);
            w.type_list(params);
            w.opt_type(*ret);
        }
        Type::Cell(t) => {
            w.u8(tag::CELL);
            w.u32(*t);
        }
    }
}

fn encode_function(f: &Function, w: &mut Writer) {
    w.str(&f.name);
    w.type_list(&f.params);
    w.opt_type(f.ret);
    w.type_list(&f.captures);
    w.type_list(&f.regs);
    let mut code = Vec::new();
    for i in &f.code {
        Instr::encode(i, &mut code);
    }
    w.count(f.code.len());
    w.count(code.len());
    w.bytes.extend_from_slice(&code);
    // Line table as runs: (instruction count, line), since most neighbouring
    // instructions share a line.
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for line in &f.lines {
        match runs.last_mut() {
            Some((n, l)) if *l == *line => *n += 1,
            _ => runs.push((1, *line)),
        }
    }
    w.count(runs.len());
    for (n, l) in runs {
        w.u32(n);
        w.u32(l);
    }
}
