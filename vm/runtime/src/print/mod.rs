//! The printed form of values, shared by `print`, `println`, `tostr` and
//! `str()`: ints in decimal, floats in their shortest round-trip form,
//! strings as they are at top level and quoted inside containers, and
//! containers, structs, enums and closures as the language card shows them.
//!
//! The printed form can be far larger than the value: a value that shares
//! subobjects (`t = T { l: t, r: t }` sixty-four times) prints 2^64 copies of
//! them. So the walk never builds the text itself. It hands each piece to a
//! `Sink` as it goes and stops as soon as the sink says so: `println`
//! streams through the output buffer (memory stays bounded whatever the
//! size), `str` counts first, up to the heap limit, and then writes into a
//! heap string of exactly that size (`to_heap_str`).
//!
//! Printing walks the value on the Rust stack, so it stops at
//! `MAX_PRINT_DEPTH` levels of nesting and prints an object already being
//! printed (a cycle) as `...`. The walk never allocates in the heap, so the
//! object addresses it reads stay valid for the whole walk.

mod sinks;

pub use sinks::Sink;
use sinks::{Capped, Counter, Digits, Fill};

use crate::heap::{object, Heap, OutOfMemory};
use crate::program::{Program, TypeInfo};
use lang_bytecode::TypeId;
use std::fmt::Write as _;

/// Deepest nesting printed before `...`: ample for real data, and a bound
/// on the Rust stack the recursive walk uses (a few hundred bytes a level).
pub const MAX_PRINT_DEPTH: usize = 200;

/// The most bytes of printed form `to_heap_str` keeps outside the heap: a
/// value whose form fits is printed once into a buffer this large; a larger
/// one is measured first and then printed straight into its heap string.
/// Large enough that nearly every `str(v)` takes one walk, small enough not
/// to matter beside the heap.
const STR_BUFFER_MAX: usize = 64 * 1024;

/// Hands the printed form of `v` (of type `ty`) to `out`, piece by piece,
/// until it is complete or `out` stops taking it.
pub fn print_value(heap: &Heap, prog: &Program, v: u64, ty: TypeId, out: &mut dyn Sink) {
    let mut p = Printer {
        heap,
        prog,
        out,
        ancestors: Vec::new(),
        stopped: false,
    };
    p.value(v, ty, false);
}

/// Appends the printed form of `v` (of type `ty`) to `out`. Unbounded: only
/// for values whose form is small by construction, such as map keys.
pub fn format_value(heap: &Heap, prog: &Program, v: u64, ty: TypeId, out: &mut Vec<u8>) {
    print_value(heap, prog, v, ty, out);
}

/// The printed form of `v` (of type `ty`), cut after at most `max` bytes
/// (at a character boundary); the flag says whether it was cut.
pub fn bounded_text(heap: &Heap, prog: &Program, v: u64, ty: TypeId, max: usize) -> (String, bool) {
    let mut out = Capped::new(max);
    print_value(heap, prog, v, ty, &mut out);
    let text = match String::from_utf8(out.buf) {
        Ok(t) => t,
        // The cut fell inside a character: drop the bytes of it that made
        // it in. Everything before is valid: the form is UTF-8 throughout.
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let mut bytes = e.into_bytes();
            bytes.truncate(valid);
            String::from_utf8(bytes).unwrap_or_default()
        }
    };
    (text, out.overflowed)
}

/// `str(v)` for the value in VM stack slot `slot` (of type `ty`): a new heap
/// string holding its printed form. Fails with `OutOfMemory` when the form
/// is longer than the heap limit or its string cannot be allocated, having
/// held at most `STR_BUFFER_MAX` bytes of it outside the heap.
pub fn to_heap_str(
    heap: &mut Heap,
    prog: &Program,
    slot: usize,
    ty: TypeId,
) -> Result<u64, OutOfMemory> {
    let value = |heap: &Heap| heap.roots.stack.get(slot).copied().unwrap_or(0);
    let v = value(heap);
    if let Some(d) = plain_text(prog, v, ty) {
        return heap.alloc_str(d.as_bytes());
    }
    let mut first = Capped::new(STR_BUFFER_MAX);
    print_value(heap, prog, v, ty, &mut first);
    if !first.overflowed {
        return heap.alloc_str(&first.buf);
    }
    let mut count = Counter::new(heap.limit_bytes());
    print_value(heap, prog, v, ty, &mut count);
    if count.over {
        return Err(OutOfMemory);
    }
    let s = heap.alloc_str_uninit(count.len)?;
    // The allocation may have collected and moved the value: read it again
    // from its (rooted) register. The new string is reachable from nothing
    // the walk reads, so filling it while walking is no aliasing.
    let v = value(heap);
    let mut fill = Fill {
        dst: object::str_bytes_mut(s),
        at: 0,
    };
    print_value(heap, prog, v, ty, &mut fill);
    Ok(s)
}

/// The printed form of an int, float or bool, formatted on the stack.
fn plain_text(prog: &Program, v: u64, ty: TypeId) -> Option<Digits> {
    let mut d = Digits::new();
    match prog.ty(ty) {
        TypeInfo::Int => {
            let _ = write!(d, "{}", v as i64);
        }
        TypeInfo::Float => write_float(f64::from_bits(v), &mut d),
        TypeInfo::Bool => {
            let _ = d.write_str(if v != 0 { "true" } else { "false" });
        }
        _ => return None,
    }
    Some(d)
}

struct Printer<'a> {
    heap: &'a Heap,
    prog: &'a Program,
    out: &'a mut dyn Sink,
    /// The objects being printed, outermost first: a cycle shows as `...`.
    ancestors: Vec<u64>,
    /// Set once the sink refused a piece: the walk then returns at once.
    stopped: bool,
}

impl Printer<'_> {
    /// Hands `bytes` to the sink, unless it has already refused one.
    fn put(&mut self, bytes: &[u8]) {
        if !self.stopped && !self.out.put(bytes) {
            self.stopped = true;
        }
    }

    fn value(&mut self, v: u64, ty: TypeId, quoted: bool) {
        if self.stopped {
            return;
        }
        if let Some(d) = plain_text(self.prog, v, ty) {
            self.put(d.as_bytes());
            return;
        }
        let info = self.prog.ty(ty);
        if let TypeInfo::Str = info {
            let bytes = self.heap.str_bytes(v);
            if quoted {
                let out = &mut *self.out;
                self.stopped = !quote_into(bytes, &mut |piece| out.put(piece));
            } else {
                self.put(bytes);
            }
            return;
        }
        if v == 0 {
            self.put(b"nil");
            return;
        }
        if self.ancestors.len() >= MAX_PRINT_DEPTH || self.ancestors.contains(&v) {
            self.put(b"...");
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
                self.put(b"[");
                let n = crate::objects::array::len(heap, v);
                for i in 0..n {
                    if self.stopped {
                        return;
                    }
                    if i > 0 {
                        self.put(b", ");
                    }
                    self.value(crate::objects::array::get(heap, v, i), elem, true);
                }
                self.put(b"]");
            }
            TypeInfo::Map { key, val, .. } => {
                use crate::objects::map;
                self.put(b"{");
                let mut first = true;
                for e in 0..map::used(heap, v) {
                    if self.stopped {
                        return;
                    }
                    if !map::is_live(heap, v, e) {
                        continue;
                    }
                    if !first {
                        self.put(b", ");
                    }
                    first = false;
                    self.value(map::key_at(heap, v, e), key, true);
                    self.put(b": ");
                    self.value(map::value_at(heap, v, e), val, true);
                }
                self.put(b"}");
            }
            TypeInfo::Struct(_) | TypeInfo::Trait(_) => {
                // A struct object's aux word is its struct index; through a
                // trait type it tells which struct this is.
                let idx = heap.aux(v) as usize;
                let Some(def) = self.prog.module.structs.get(idx) else {
                    self.put(b"<?>");
                    return;
                };
                if is_tuple_name(&def.name) {
                    // A tuple type is a struct the compiler names by its
                    // element types: `(int, str)`; it prints `(1, "one")`.
                    self.put(b"(");
                    for (i, f) in def.fields.iter().enumerate() {
                        if self.stopped {
                            return;
                        }
                        if i > 0 {
                            self.put(b", ");
                        }
                        self.value(heap.load(v, i), f.ty, true);
                    }
                    self.put(if def.fields.len() == 1 { b",)" } else { b")" });
                    return;
                }
                self.put(def.name.as_bytes());
                if def.fields.is_empty() {
                    self.put(b" {}");
                    return;
                }
                self.put(b" { ");
                for (i, f) in def.fields.iter().enumerate() {
                    if self.stopped {
                        return;
                    }
                    if i > 0 {
                        self.put(b", ");
                    }
                    self.put(f.name.as_bytes());
                    self.put(b": ");
                    self.value(heap.load(v, i), f.ty, true);
                }
                self.put(b" }");
            }
            TypeInfo::Enum(e) => {
                let Some(def) = self.prog.module.enums.get(e as usize) else {
                    self.put(b"<?>");
                    return;
                };
                let Some(var) = def.variants.get(heap.aux(v) as usize) else {
                    self.put(b"<?>");
                    return;
                };
                // The prelude's enums print their variants alone: `Some(3)`.
                if !is_prelude_enum_name(&def.name) {
                    self.put(def.name.as_bytes());
                    self.put(b"::");
                }
                self.put(var.name.as_bytes());
                if !var.fields.is_empty() {
                    self.put(b"(");
                    for (i, &t) in var.fields.iter().enumerate() {
                        if self.stopped {
                            return;
                        }
                        if i > 0 {
                            self.put(b", ");
                        }
                        self.value(heap.load(v, i), t, true);
                    }
                    self.put(b")");
                }
            }
            TypeInfo::Func => {
                let name = self
                    .prog
                    .funcs
                    .get(heap.aux(v) as usize)
                    .map_or("?", |f| f.name.as_str());
                self.put(b"<fn ");
                self.put(name.as_bytes());
                self.put(b">");
            }
            TypeInfo::Cell { inner, .. } => self.value(heap.load(v, 0), inner, true),
            TypeInfo::Int | TypeInfo::Float | TypeInfo::Bool | TypeInfo::Str => {}
        }
    }
}

/// Whether a struct is a tuple type: the compiler names those by their
/// element types in parentheses, which no declared struct's name can be.
fn is_tuple_name(name: &str) -> bool {
    name.starts_with('(')
}

/// Whether an enum is an instance of the prelude's `Option` or `Result`:
/// the compiler names instances by their arguments (`Option<int>`), and a
/// program cannot declare a type of either name.
fn is_prelude_enum_name(name: &str) -> bool {
    name.starts_with("Option<") || name.starts_with("Result<")
}

/// Writes `s` as a string literal: in double quotes, with `\"`, `\\`, `\n`,
/// `\t`, `\r` and other control characters as `\u{..}`.
pub fn quote(s: &[u8], out: &mut Vec<u8>) {
    quote_into(s, &mut |piece| out.put(piece));
}

/// `quote`, handing the literal to `put` in pieces: runs of bytes that need
/// no escape go out whole, so a long string is not copied byte by byte.
/// Stops (and gives false) as soon as `put` does.
fn quote_into(s: &[u8], put: &mut dyn FnMut(&[u8]) -> bool) -> bool {
    if !put(b"\"") {
        return false;
    }
    let mut run = 0;
    for (i, &b) in s.iter().enumerate() {
        let escaped: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\t' => b"\\t",
            b'\r' => b"\\r",
            0..=0x1f | 0x7f => b"",
            _ => continue,
        };
        if !put(&s[run..i]) {
            return false;
        }
        run = i + 1;
        let ok = if escaped.is_empty() {
            let mut d = Digits::new();
            let _ = write!(d, "\\u{{{b:x}}}");
            put(d.as_bytes())
        } else {
            put(escaped)
        };
        if !ok {
            return false;
        }
    }
    put(&s[run..]) && put(b"\"")
}

/// Writes a float as the shortest text that reads back to it: `.0` when
/// integral, exponent form below 1e-4 or from 1e16 in magnitude, and `nan`,
/// `inf`, `-inf`.
pub fn format_float(x: f64, out: &mut Vec<u8>) {
    let mut d = Digits::new();
    write_float(x, &mut d);
    out.extend_from_slice(d.as_bytes());
}

/// `format_float` onto the stack.
fn write_float(x: f64, d: &mut Digits) {
    if x.is_nan() {
        let _ = d.write_str("nan");
    } else if x.is_infinite() {
        let _ = d.write_str(if x > 0.0 { "inf" } else { "-inf" });
    } else if x != 0.0 && (x.abs() < 1e-4 || x.abs() >= 1e16) {
        // Rust's `{:e}` prints the shortest round-trip digits: `1e16`,
        // `1.5e-7`, `1.2345678901234568e17`.
        let _ = write!(d, "{x:e}");
    } else {
        let _ = write!(d, "{x}");
        if !d.as_bytes().contains(&b'.') {
            let _ = d.write_str(".0");
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
