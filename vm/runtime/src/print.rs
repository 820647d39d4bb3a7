//! The printed form of values, shared by `print`, `println`, `tostr` and
//! `str()`: ints in decimal, floats in their shortest round-trip form,
//! strings as they are at top level and quoted inside containers, and
//! containers, structs, enums and closures as the language card shows them.
//!
//! Printing walks the value on the Rust stack, so it stops at
//! `MAX_PRINT_DEPTH` levels of nesting and prints an object already being
//! printed (a cycle) as `...`. Printing never allocates in the heap, so the
//! object addresses it reads stay valid for the whole walk.

use crate::heap::Heap;
use crate::program::{Program, TypeInfo};
use lang_bytecode::TypeId;
use std::io::Write;

/// Deepest nesting printed before `...`: ample for real data, and a bound
/// on the Rust stack the recursive walk uses (a few hundred bytes a level).
pub const MAX_PRINT_DEPTH: usize = 200;

/// Appends the printed form of `v` (of type `ty`) to `out`.
pub fn format_value(heap: &Heap, prog: &Program, v: u64, ty: TypeId, out: &mut Vec<u8>) {
    let mut p = Printer {
        heap,
        prog,
        out,
        ancestors: Vec::new(),
    };
    p.value(v, ty, false);
}

struct Printer<'a> {
    heap: &'a Heap,
    prog: &'a Program,
    out: &'a mut Vec<u8>,
    /// The objects being printed, outermost first: a cycle shows as `...`.
    ancestors: Vec<u64>,
}

impl Printer<'_> {
    fn value(&mut self, v: u64, ty: TypeId, quoted: bool) {
        let info = self.prog.ty(ty);
        match info {
            TypeInfo::Int => {
                let _ = write!(self.out, "{}", v as i64);
                return;
            }
            TypeInfo::Float => {
                format_float(f64::from_bits(v), self.out);
                return;
            }
            TypeInfo::Bool => {
                self.out
                    .extend_from_slice(if v != 0 { b"true" } else { b"false" });
                return;
            }
            TypeInfo::Str => {
                let bytes = self.heap.str_bytes(v);
                if quoted {
                    quote(bytes, self.out);
                } else {
                    self.out.extend_from_slice(bytes);
                }
                return;
            }
            _ => {}
        }
        if v == 0 {
            self.out.extend_from_slice(b"nil");
            return;
        }
        if self.ancestors.len() >= MAX_PRINT_DEPTH || self.ancestors.contains(&v) {
            self.out.extend_from_slice(b"...");
            return;
        }
        self.ancestors.push(v);
        self.object(v, info);
        self.ancestors.pop();
    }

    fn object(&mut self, v: u64, info: &TypeInfo) {
        let heap = self.heap;
        match *info {
            TypeInfo::Array { elem, .. } => {
                self.out.push(b'[');
                let n = crate::objects::array::len(heap, v);
                for i in 0..n {
                    if i > 0 {
                        self.out.extend_from_slice(b", ");
                    }
                    self.value(crate::objects::array::get(heap, v, i), elem, true);
                }
                self.out.push(b']');
            }
            TypeInfo::Map { key, val, .. } => {
                use crate::objects::map;
                self.out.push(b'{');
                let mut first = true;
                for e in 0..map::used(heap, v) {
                    if !map::is_live(heap, v, e) {
                        continue;
                    }
                    if !first {
                        self.out.extend_from_slice(b", ");
                    }
                    first = false;
                    self.value(map::key_at(heap, v, e), key, true);
                    self.out.extend_from_slice(b": ");
                    self.value(map::value_at(heap, v, e), val, true);
                }
                self.out.push(b'}');
            }
            TypeInfo::Struct(_) | TypeInfo::Trait(_) => {
                // A struct object's aux word is its struct index; through a
                // trait type it tells which struct this is.
                let idx = heap.aux(v) as usize;
                let Some(def) = self.prog.module.structs.get(idx) else {
                    self.out.extend_from_slice(b"<?>");
                    return;
                };
                self.out.extend_from_slice(def.name.as_bytes());
                if def.fields.is_empty() {
                    self.out.extend_from_slice(b" {}");
                    return;
                }
                self.out.extend_from_slice(b" { ");
                for (i, f) in def.fields.iter().enumerate() {
                    if i > 0 {
                        self.out.extend_from_slice(b", ");
                    }
                    self.out.extend_from_slice(f.name.as_bytes());
                    self.out.extend_from_slice(b": ");
                    self.value(heap.load(v, i), f.ty, true);
                }
                self.out.extend_from_slice(b" }");
            }
            TypeInfo::Enum(e) => {
                let Some(def) = self.prog.module.enums.get(e as usize) else {
                    self.out.extend_from_slice(b"<?>");
                    return;
                };
                let Some(var) = def.variants.get(heap.aux(v) as usize) else {
                    self.out.extend_from_slice(b"<?>");
                    return;
                };
                self.out.extend_from_slice(def.name.as_bytes());
                self.out.extend_from_slice(b"::");
                self.out.extend_from_slice(var.name.as_bytes());
                if !var.fields.is_empty() {
                    self.out.push(b'(');
                    for (i, &t) in var.fields.iter().enumerate() {
                        if i > 0 {
                            self.out.extend_from_slice(b", ");
                        }
                        self.value(heap.load(v, i), t, true);
                    }
                    self.out.push(b')');
                }
            }
            TypeInfo::Func => {
                let name = self
                    .prog
                    .funcs
                    .get(heap.aux(v) as usize)
                    .map_or("?", |f| f.name.as_str());
                let _ = write!(self.out, "<fn {name}>");
            }
            TypeInfo::Cell { inner, .. } => self.value(heap.load(v, 0), inner, true),
            TypeInfo::Int | TypeInfo::Float | TypeInfo::Bool | TypeInfo::Str => {}
        }
    }
}

/// Writes `s` as a string literal: in double quotes, with `\"`, `\\`, `\n`,
/// `\t`, `\r` and other control characters as `\u{..}`.
pub fn quote(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0..=0x1f | 0x7f => {
                let _ = write!(out, "\\u{{{b:x}}}");
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// Writes a float as the shortest text that reads back to it: `.0` when
/// integral, exponent form below 1e-4 or from 1e16 in magnitude, and `nan`,
/// `inf`, `-inf`.
pub fn format_float(x: f64, out: &mut Vec<u8>) {
    if x.is_nan() {
        out.extend_from_slice(b"nan");
    } else if x.is_infinite() {
        out.extend_from_slice(if x > 0.0 { b"inf" } else { b"-inf" });
    } else if x != 0.0 && (x.abs() < 1e-4 || x.abs() >= 1e16) {
        // Rust's `{:e}` prints the shortest round-trip digits: `1e16`,
        // `1.5e-7`, `1.2345678901234568e17`.
        let _ = write!(out, "{x:e}");
    } else {
        let start = out.len();
        let _ = write!(out, "{x}");
        if !out[start..].contains(&b'.') {
            out.extend_from_slice(b".0");
        }
    }
}

/// The printed form of a float as a `String`.
pub fn float_to_string(x: f64) -> String {
    let mut v = Vec::new();
    format_float(x, &mut v);
    String::from_utf8(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_shortest_round_trip() {
        let cases: &[(f64, &str)] = &[
            (10.0, "10.0"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e16, "1e16"),
            (1.5e-7, "1.5e-7"),
            (1.2345678901234568e17, "1.2345678901234568e17"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00009, "9e-5"),
            (-2.5, "-2.5"),
            (7.0, "7.0"),
            (1.0 / 3.0, "0.3333333333333333"),
        ];
        for &(x, want) in cases {
            assert_eq!(float_to_string(x), want, "printing {x:?}");
        }
    }

    #[test]
    fn strings_quote_with_escapes() {
        let mut out = Vec::new();
        quote("a\"b\\c\nd\te\u{1}é".as_bytes(), &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), r#""a\"b\\c\nd\te\u{1}é""#);
    }
}
