//! The heavier instructions, kept out of the dispatch loop: string
//! concatenation, printing, trait dispatch, and the error messages of
//! failing conversions and lookups.

use super::Vm;
use crate::error::Trap;
use crate::heap::Heap;
use crate::print::{float_to_string, format_value};
use crate::program::{FuncInfo, Program, NO_METHOD};
use lang_bytecode::TypeId;

/// `int(x)`: truncates toward zero; NaN and values outside the int range
/// are runtime errors.
pub fn float_to_int(x: f64) -> Result<i64, Trap> {
    // 2^63 is exactly representable; every float below it (and at or above
    // -2^63) truncates to a valid int.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if x.is_nan() {
        return Err(Trap::error("cannot convert nan to int"));
    }
    if !(-LIMIT..LIMIT).contains(&x) {
        return Err(Trap::error(format!(
            "cannot convert {} to int: out of range",
            float_to_string(x)
        )));
    }
    Ok(x as i64)
}

/// The error of a missing map key: `key not found: "x"` (the key in its
/// quoted printed form).
pub fn key_error(heap: &Heap, prog: &Program, key: u64, key_ty: TypeId) -> Trap {
    let mut text = Vec::new();
    if matches!(prog.ty(key_ty), crate::program::TypeInfo::Str) {
        crate::print::quote(heap.str_bytes(key), &mut text);
    } else {
        format_value(heap, prog, key, key_ty, &mut text);
    }
    Trap::Error(format!("key not found: {}", String::from_utf8_lossy(&text)))
}

/// The error of reading the payload of the wrong enum variant.
pub fn variant_error(prog: &Program, enum_ty: TypeId, want: u32, found: u32) -> Trap {
    let name = |v: u32| -> String {
        if let crate::program::TypeInfo::Enum(e) = prog.ty(enum_ty) {
            if let Some(def) = prog.module.enums.get(*e as usize) {
                if let Some(var) = def.variants.get(v as usize) {
                    return format!("{}::{}", def.name, var.name);
                }
            }
        }
        format!("variant {v}")
    };
    Trap::Error(format!(
        "wrong enum variant: expected {}, found {}",
        name(want),
        name(found)
    ))
}

impl Vm<'_> {
    /// Writes the printed form of `v` (of type `t`) to stdout.
    pub(crate) fn print_value(&mut self, v: u64, t: TypeId, newline: bool) {
        let buf = self.out.buffer();
        format_value(&self.heap, self.prog, v, t, buf);
        if newline {
            buf.push(b'\n');
        }
        self.out.written();
    }

    /// A new string: the strings in stack slots `x` and `y` joined. The
    /// operands are re-read after the allocation, which may move them.
    pub(crate) fn concat(&mut self, x: usize, y: usize) -> Result<u64, Trap> {
        let stack = &self.heap.roots.stack;
        let (lx, ly) = (self.heap.str_len(stack[x]), self.heap.str_len(stack[y]));
        let len = lx.checked_add(ly).ok_or(crate::heap::OutOfMemory)?;
        let s = self.heap.alloc_str_uninit(len)?;
        let (sx, sy) = (self.heap.roots.stack[x], self.heap.roots.stack[y]);
        self.heap.copy_str_into(sx, s, 0);
        self.heap.copy_str_into(sy, s, lx);
        Ok(s)
    }

    /// Stores registers `b..b+n` of the current frame into the first `n`
    /// slots of fresh object `o`, references through the barrier.
    #[inline]
    pub(crate) fn fill_slots(&mut self, o: u64, f: &FuncInfo, base: usize, b: u16, n: u16) {
        for i in 0..n as usize {
            let src = b as usize + i;
            let v = self.heap.roots.stack[base + src];
            if f.reg_is_ref[src] {
                self.heap.store_ref(o, i, v);
            } else {
                self.heap.store(o, i, v);
            }
        }
    }

    /// The function implementing method `m` of trait type `t` for the struct
    /// object `recv`: two vector lookups, no hashing.
    #[inline]
    pub(crate) fn dispatch(&self, t: TypeId, m: u16, recv: u64) -> Result<u32, Trap> {
        let crate::program::TypeInfo::Trait(ti) = *self.prog.ty(t) else {
            return Err(Trap::error("call.t on a type that is not a trait"));
        };
        let vt = &self.prog.vtables[ti as usize];
        let s = self.heap.aux(recv) as usize;
        match vt.funcs.get(s * vt.methods + m as usize) {
            Some(&f) if f != NO_METHOD => Ok(f),
            _ => Err(Trap::error("trait method not implemented for this struct")),
        }
    }
}
