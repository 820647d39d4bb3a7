//! The heavier instructions, kept out of the dispatch loop: string
//! concatenation, printing, trait dispatch, and the error messages of
//! failing conversions and lookups.

use super::Vm;
use crate::heap::Heap;
use crate::print::{format_value, Sink};
use crate::program::{FuncInfo, Program, NO_METHOD};
use crate::trap::{internal, Trap, TrapKind};
use lang_bytecode::TypeId;

/// `int(x)`: truncates toward zero; NaN and values outside the int range
/// are runtime errors.
pub fn float_to_int(x: f64) -> Result<i64, Trap> {
    // 2^63 is exactly representable; every float below it (and at or above
    // -2^63) truncates to a valid int.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if x.is_nan() {
        return Err(Trap::error(TrapKind::NanToInt));
    }
    if !(-LIMIT..LIMIT).contains(&x) {
        return Err(Trap::error(TrapKind::FloatToIntOutOfRange { value: x }));
    }
    Ok(x as i64)
}

/// The reciprocal of divisor `d` (2 ..= i32::MAX) for `div_by_reciprocal`:
/// `(d, m, s)` with `m = ceil(2^(64+s) / d)`, where `s = floor(log2 d)`
/// (one less for powers of two, so that `m` fits in 64 bits). Then for
/// every `x < 2^63`, `x / d = (x * m) >> (64 + s)`: the rounding error
/// `e = m*d - 2^(64+s)` is below `d <= 2^(s+1)`, so `e * x < 2^(64+s)`
/// (Granlund and Montgomery, "Division by invariant integers using
/// multiplication", 1994).
#[cold]
pub fn reciprocal(d: i32) -> (i32, u64, u32) {
    let du = d.max(2) as u128;
    let mut s = 127 - du.leading_zeros();
    if du.is_power_of_two() {
        s -= 1;
    }
    let num = 1u128 << (64 + s);
    let m = num / du + u128::from(!num.is_multiple_of(du));
    (d, m as u64, s)
}

/// `x / d` for `x < 2^63` and the reciprocal `r` of `d` from `reciprocal`.
#[inline(always)]
pub fn div_by_reciprocal(x: u64, r: (i32, u64, u32)) -> u64 {
    (((x as u128 * r.1 as u128) >> 64) as u64) >> r.2
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
    Trap::error(TrapKind::KeyNotFound {
        key: String::from_utf8_lossy(&text).into(),
    })
}

/// The error of reading the payload of the wrong enum variant.
pub fn variant_error(enum_ty: TypeId, expected: u32, found: u32) -> Trap {
    Trap::error(TrapKind::WrongVariant {
        enum_ty,
        expected,
        found,
    })
}

impl Vm<'_> {
    /// Writes the printed form of `v` (of type `t`) to stdout as it is
    /// produced, so memory stays bounded however long it is. Fails with
    /// `interrupted` when the REPL asks the running input to stop while a
    /// long form is being written.
    pub(crate) fn print_value(&mut self, v: u64, t: TypeId, newline: bool) -> Result<(), Trap> {
        let mut out = Streaming {
            out: &mut self.host.out,
            interrupted: false,
        };
        crate::print::print_value(&self.state.heap, self.state.prog, v, t, &mut out);
        if out.interrupted {
            return Err(Trap::error(TrapKind::Interrupted));
        }
        if newline {
            self.host.out.write(b"\n");
        }
        if self.host.out.is_broken() {
            return Err(Trap::Stdout);
        }
        Ok(())
    }

    /// A new string: the strings in stack slots `x` and `y` joined. The
    /// operands are re-read after the allocation, which may move them.
    pub(crate) fn concat(&mut self, x: usize, y: usize) -> Result<u64, Trap> {
        let stack = &self.state.heap.roots.stack;
        let (lx, ly) = (
            self.state.heap.str_len(stack[x]),
            self.state.heap.str_len(stack[y]),
        );
        let len = lx.checked_add(ly).ok_or(crate::heap::OutOfMemory)?;
        let s = self.state.heap.alloc_str_uninit(len)?;
        let (sx, sy) = (
            self.state.heap.roots.stack[x],
            self.state.heap.roots.stack[y],
        );
        self.state.heap.copy_str_into(sx, s, 0);
        self.state.heap.copy_str_into(sy, s, lx);
        Ok(s)
    }

    /// Stores registers `b..b+n` of the current frame into the first `n`
    /// slots of fresh object `o`, references through the barrier.
    #[inline]
    pub(crate) fn fill_slots(&mut self, o: u64, f: &FuncInfo, base: usize, b: u16, n: u16) {
        for i in 0..n as usize {
            let src = b as usize + i;
            let v = self.state.heap.roots.stack[base + src];
            if f.reg_is_ref[src] {
                self.state.heap.store_ref(o, i, v);
            } else {
                self.state.heap.store(o, i, v);
            }
        }
    }

    /// The function implementing method `m` of trait type `t` for the struct
    /// object `recv`: two vector lookups, no hashing.
    #[inline]
    pub(crate) fn dispatch(&self, t: TypeId, m: u16, recv: u64) -> Result<u32, Trap> {
        let crate::program::TypeInfo::Trait(ti) = *self.state.prog.ty(t) else {
            return Err(internal("call.t on a type that is not a trait"));
        };
        let vt = &self.state.prog.vtables[ti as usize];
        let s = self.state.heap.aux(recv) as usize;
        match vt.funcs.get(s * vt.methods + m as usize) {
            Some(&f) if f != NO_METHOD => Ok(f),
            _ => Err(internal("trait method not implemented for this struct")),
        }
    }
}

/// The sink of `print`: the program's output, which also stops the walk
/// when the output is broken (nobody would read the rest) or an interrupt
/// is pending (the printed form may be practically endless).
struct Streaming<'a> {
    out: &'a mut crate::host::output::Output,
    interrupted: bool,
}

impl Sink for Streaming<'_> {
    fn put(&mut self, bytes: &[u8]) -> bool {
        if super::INTERRUPT.load(std::sync::atomic::Ordering::Relaxed) {
            super::INTERRUPT.store(false, std::sync::atomic::Ordering::Relaxed);
            self.interrupted = true;
            return false;
        }
        self.out.write(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::{div_by_reciprocal, reciprocal};

    #[test]
    fn reciprocal_division_is_exact() {
        let divisors = [
            2,
            3,
            5,
            7,
            10,
            31,
            64,
            1000,
            16807,
            65536,
            1_000_000_007,
            2_147_483_646,
            i32::MAX,
        ];
        let mut xs: Vec<u64> = vec![
            0,
            1,
            2,
            3,
            999,
            1000,
            1001,
            u32::MAX as u64,
            i64::MAX as u64,
        ];
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            xs.push(x >> 1);
            xs.push((x >> 1) >> (x % 60));
        }
        for &d in &divisors {
            let r = reciprocal(d);
            for &x in &xs {
                for x in [x, x.saturating_sub(1), x / d as u64 * d as u64] {
                    assert_eq!(div_by_reciprocal(x, r), x / d as u64, "{x} / {d}");
                }
            }
        }
    }
}
