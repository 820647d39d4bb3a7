//! `.bc` bytes → `Module`, rejecting anything malformed.
//!
//! The decoder checks only the encoding: magic, version, checksum, lengths,
//! tags and UTF-8. Whether the module makes sense (types, registers, jump
//! targets) is the verifier's job. Every count is checked against the bytes
//! left before anything is allocated, so a hostile length cannot make the
//! decoder reserve gigabytes.

use crate::encode::tag;
use crate::instr::{Instr, InstrDecodeError};
use crate::module::{
    Const, EnumDef, Field, Function, ImplDef, Module, StructDef, TraitDef, TraitMethod, Variant,
};
use crate::types::Type;
use crate::{FORMAT_VERSION, MAGIC};
use std::fmt;

/// Bytes before the payload: magic, version, flags, length, checksum.
pub const HEADER_LEN: usize = 16;

/// Why a `.bc` file was rejected, and at which byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "malformed bytecode at byte {}: {}",
            self.offset, self.message
        )
    }
}

impl std::error::Error for DecodeError {}

/// Whether `bytes` start like a `.bc` file.
pub fn has_magic(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// Decodes a whole `.bc` file.
pub fn decode(bytes: &[u8]) -> Result<Module, DecodeError> {
    let err = |offset: usize, message: String| DecodeError { offset, message };
    if !has_magic(bytes) {
        return Err(err(0, "not a lang bytecode file (bad magic number)".into()));
    }
    let mut header = Reader { bytes, pos: 4 };
    let version = header.u16()?;
    if version != FORMAT_VERSION {
        return Err(err(
            4,
            format!("format version {version} is not supported (this build reads version {FORMAT_VERSION}); build the .bc again from its source with this lang"),
        ));
    }
    let flags = header.u16()?;
    if flags != 0 {
        return Err(err(
            6,
            format!("reserved flags are {flags:#06x}; this build knows no flags"),
        ));
    }
    let len = header.u32()? as usize;
    let crc = header.u32()?;
    let payload = bytes.get(HEADER_LEN..).unwrap_or(&[]);
    if payload.len() != len {
        return Err(err(
            8,
            format!(
                "payload length is {} bytes but the header says {len}",
                payload.len()
            ),
        ));
    }
    if crc32fast::hash(payload) != crc {
        return Err(err(12, "checksum mismatch: the file is corrupt".into()));
    }
    let mut r = Reader {
        bytes,
        pos: HEADER_LEN,
    };
    let module = decode_payload(&mut r)?;
    if r.pos != bytes.len() {
        return Err(err(r.pos, "trailing bytes after the module".into()));
    }
    Ok(module)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn fail<T>(&self, message: impl Into<String>) -> Result<T, DecodeError> {
        Err(DecodeError {
            offset: self.pos,
            message: message.into(),
        })
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n);
        match end.and_then(|e| self.bytes.get(self.pos..e)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => self.fail("unexpected end of file"),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A count of items each at least `min_item_bytes` long: rejected if the
    /// rest of the file could not hold that many.
    fn count(&mut self, min_item_bytes: usize) -> Result<usize, DecodeError> {
        let n = self.u32()? as usize;
        let left = self.bytes.len().saturating_sub(self.pos);
        if n.saturating_mul(min_item_bytes.max(1)) > left {
            return self.fail(format!("count {n} exceeds the remaining {left} bytes"));
        }
        Ok(n)
    }

    fn str(&mut self) -> Result<String, DecodeError> {
        let n = self.count(1)?;
        let start = self.pos;
        let raw = self.take(n)?;
        match std::str::from_utf8(raw) {
            Ok(s) => Ok(s.to_string()),
            Err(_) => Err(DecodeError {
                offset: start,
                message: "string is not valid UTF-8".into(),
            }),
        }
    }

    fn opt_type(&mut self) -> Result<Option<u32>, DecodeError> {
        let t = self.u32()?;
        Ok((t != tag::NO_TYPE).then_some(t))
    }

    fn type_list(&mut self) -> Result<Vec<u32>, DecodeError> {
        let n = self.count(4)?;
        (0..n).map(|_| self.u32()).collect()
    }

    fn fields(&mut self) -> Result<Vec<Field>, DecodeError> {
        let n = self.count(8)?;
        (0..n)
            .map(|_| {
                Ok(Field {
                    name: self.str()?,
                    ty: self.u32()?,
                })
            })
            .collect()
    }
}

fn decode_payload(r: &mut Reader) -> Result<Module, DecodeError> {
    let source_name = r.str()?;
    let n = r.count(8)?;
    let mut files: Vec<crate::SourceFile> = Vec::with_capacity(n);
    for _ in 0..n {
        let at = r.pos;
        let name = r.str()?;
        let first_line = r.u32()?;
        // Strictly increasing from line 1: every file has a line, and one
        // table has one encoding.
        let expected_min = files.last().map_or(1, |f| f.first_line.saturating_add(1));
        if first_line < expected_min || (files.is_empty() && first_line != 1) {
            return Err(DecodeError {
                offset: at,
                message: format!("file table entry {name:?} starts at line {first_line}; entries must start at line 1 and increase"),
            });
        }
        files.push(crate::SourceFile { name, first_line });
    }
    let n = r.count(1)?;
    let types = (0..n)
        .map(|_| decode_type(r))
        .collect::<Result<Vec<_>, _>>()?;
    let n = r.count(8)?;
    let structs = (0..n)
        .map(|_| {
            Ok(StructDef {
                name: r.str()?,
                fields: r.fields()?,
            })
        })
        .collect::<Result<Vec<_>, DecodeError>>()?;
    let n = r.count(8)?;
    let enums = (0..n)
        .map(|_| {
            let name = r.str()?;
            let nv = r.count(8)?;
            let variants = (0..nv)
                .map(|_| {
                    Ok(Variant {
                        name: r.str()?,
                        fields: r.type_list()?,
                    })
                })
                .collect::<Result<Vec<_>, DecodeError>>()?;
            Ok(EnumDef { name, variants })
        })
        .collect::<Result<Vec<_>, DecodeError>>()?;
    let n = r.count(8)?;
    let traits = (0..n)
        .map(|_| {
            let name = r.str()?;
            let nm = r.count(12)?;
            let methods = (0..nm)
                .map(|_| {
                    Ok(TraitMethod {
                        name: r.str()?,
                        params: r.type_list()?,
                        ret: r.opt_type()?,
                    })
                })
                .collect::<Result<Vec<_>, DecodeError>>()?;
            Ok(TraitDef { name, methods })
        })
        .collect::<Result<Vec<_>, DecodeError>>()?;
    let n = r.count(12)?;
    let impls = (0..n)
        .map(|_| {
            Ok(ImplDef {
                trait_index: r.u32()?,
                struct_index: r.u32()?,
                methods: r.type_list()?,
            })
        })
        .collect::<Result<Vec<_>, DecodeError>>()?;
    let n = r.count(5)?;
    let consts = (0..n)
        .map(|_| match r.u8()? {
            tag::CONST_INT => Ok(Const::Int(r.u64()? as i64)),
            tag::CONST_FLOAT => Ok(Const::Float(f64::from_bits(r.u64()?))),
            tag::CONST_STR => Ok(Const::Str(r.str()?)),
            t => r.fail(format!("unknown constant tag {t}")),
        })
        .collect::<Result<Vec<_>, DecodeError>>()?;
    let globals = r.fields()?;
    let n = r.count(28)?;
    let functions = (0..n)
        .map(|_| decode_function(r))
        .collect::<Result<Vec<_>, _>>()?;
    let entry = r.u32()?;
    Ok(Module {
        source_name,
        files,
        types,
        structs,
        enums,
        traits,
        impls,
        consts,
        globals,
        functions,
        entry,
    })
}

fn decode_type(r: &mut Reader) -> Result<Type, DecodeError> {
    Ok(match r.u8()? {
        tag::INT => Type::Int,
        tag::FLOAT => Type::Float,
        tag::BOOL => Type::Bool,
        tag::STR => Type::Str,
        tag::ARRAY => Type::Array(r.u32()?),
        tag::MAP => Type::Map(r.u32()?, r.u32()?),
        tag::STRUCT => Type::Struct(r.u32()?),
        tag::ENUM => Type::Enum(r.u32()?),
        tag::TRAIT => Type::Trait(r.u32()?),
        tag::FUNC => Type::Func {
            params: r.type_list()?,
            ret: r.opt_type()?,
        },
        tag::CELL => Type::Cell(r.u32()?),
        t => return r.fail(format!("unknown type tag {t}")),
    })
}

fn decode_function(r: &mut Reader) -> Result<Function, DecodeError> {
    let name = r.str()?;
    let params = r.type_list()?;
    let ret = r.opt_type()?;
    let captures = r.type_list()?;
    let regs = r.type_list()?;
    let count = r.count(1)?;
    let code_len = r.count(1)?;
    let code_start = r.pos;
    let mut code_bytes = r.take(code_len)?;
    let mut code = Vec::with_capacity(count);
    for _ in 0..count {
        let at = code_start + (code_len - code_bytes.len());
        match Instr::decode(code_bytes) {
            Ok((instr, used)) => {
                code.push(instr);
                code_bytes = code_bytes.get(used..).unwrap_or(&[]);
            }
            Err(InstrDecodeError::UnknownOpcode(op)) => {
                return Err(DecodeError {
                    offset: at,
                    message: format!("unknown opcode {op:#04x} in function `{name}`"),
                })
            }
            Err(InstrDecodeError::Truncated) => {
                return Err(DecodeError {
                    offset: at,
                    message: format!("truncated instruction in function `{name}`"),
                })
            }
        }
    }
    if !code_bytes.is_empty() {
        return Err(DecodeError {
            offset: code_start + code_len - code_bytes.len(),
            message: format!("code of function `{name}` is longer than its instruction count"),
        });
    }
    let runs = r.count(8)?;
    let mut lines = Vec::with_capacity(count);
    for _ in 0..runs {
        let n = r.u32()? as usize;
        let line = r.u32()?;
        if n > count - lines.len() {
            return r.fail(format!(
                "line table of function `{name}` covers more instructions than it has"
            ));
        }
        // The encoder writes each run once, maximal and non-empty; accepting
        // any other spelling would let two files decode to the same module.
        if n == 0 || lines.last() == Some(&line) {
            return r.fail(format!(
                "line table of function `{name}` is not in canonical form"
            ));
        }
        lines.extend(std::iter::repeat_n(line, n));
    }
    if lines.len() != count {
        return r.fail(format!(
            "line table of function `{name}` does not cover every instruction"
        ));
    }
    Ok(Function {
        name,
        params,
        ret,
        captures,
        regs,
        code,
        lines,
    })
}
