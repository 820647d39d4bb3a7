//! The native built-ins: prelude functions and methods on built-in types
//! (`call.n`). Each native reads its arguments from the caller's registers
//! (re-reading them after any allocation, since they are the roots that keep
//! them up to date) and writes its result to the destination register.

mod array;
mod io;
mod map;
mod math;
mod str;

use crate::interp::Vm;
use crate::program::TypeInfo;
use crate::trap::Trap;
use lang_bytecode::{Native, TypeId};

/// Where a native call's operands are: `R[b..]` of the frame at `base`
/// (running function `func`), result to `R[a]`.
pub struct Args {
    pub base: usize,
    pub a: u16,
    pub b: u16,
    pub func: u32,
}

impl Vm<'_> {
    /// Argument `i` (its current value; re-read after allocating).
    #[inline]
    pub(crate) fn arg(&self, c: &Args, i: usize) -> u64 {
        self.state.heap.roots.stack[c.base + c.b as usize + i]
    }

    /// Argument `i` as an int.
    #[inline]
    pub(crate) fn arg_int(&self, c: &Args, i: usize) -> i64 {
        self.arg(c, i) as i64
    }

    /// Argument `i` as a float.
    #[inline]
    pub(crate) fn arg_float(&self, c: &Args, i: usize) -> f64 {
        f64::from_bits(self.arg(c, i))
    }

    /// Argument `i` as an object, failing with `nil dereference` on nil.
    #[inline]
    pub(crate) fn arg_obj(&self, c: &Args, i: usize) -> Result<u64, Trap> {
        match self.arg(c, i) {
            0 => Err(crate::trap::nil_error()),
            o => Ok(o),
        }
    }

    /// The bytes of string argument `i`, copied out of the heap (so that the
    /// native may allocate while it uses them).
    pub(crate) fn arg_string(&self, c: &Args, i: usize) -> String {
        String::from_utf8_lossy(self.state.heap.str_bytes(self.arg(c, i))).into_owned()
    }

    /// The static type of argument `i`.
    pub(crate) fn arg_type(&self, c: &Args, i: usize) -> TypeId {
        let f = &self.state.prog.funcs[c.func as usize];
        f.reg_types
            .get(c.b as usize + i)
            .copied()
            .unwrap_or(lang_bytecode::types::INT)
    }

    /// The runtime view of argument `i`'s type.
    pub(crate) fn arg_info(&self, c: &Args, i: usize) -> &TypeInfo {
        self.state.prog.ty(self.arg_type(c, i))
    }

    /// Writes the result register.
    #[inline]
    pub(crate) fn set_result(&mut self, c: &Args, v: u64) {
        self.state.heap.roots.stack[c.base + c.a as usize] = v;
    }

    /// Allocates a string holding `bytes` and makes it the result.
    pub(crate) fn result_str(&mut self, c: &Args, bytes: &[u8]) -> Result<(), Trap> {
        let s = self.state.heap.alloc_str(bytes)?;
        self.set_result(c, s);
        Ok(())
    }

    /// Runs native `nat`.
    pub(crate) fn call_native(&mut self, nat: Native, c: &Args) -> Result<(), Trap> {
        use Native as N;
        match nat {
            N::ReadLine
            | N::Args
            | N::Exit
            | N::Panic
            | N::Assert
            | N::Clock
            | N::EPrint
            | N::EPrintln
            | N::Checkpoint => self.native_io(nat, c),
            N::ParseInt
            | N::ParseFloat
            | N::Sqrt
            | N::Sin
            | N::Cos
            | N::Tan
            | N::Atan
            | N::Atan2
            | N::Exp
            | N::Log
            | N::Pow
            | N::Floor
            | N::Ceil
            | N::AbsI
            | N::AbsF
            | N::MinI
            | N::MinF
            | N::MaxI
            | N::MaxF
            | N::Chr
            | N::Ord
            | N::ToFixed => self.native_math(nat, c),
            N::StrByte
            | N::Substr
            | N::Find
            | N::StrContains
            | N::StartsWith
            | N::EndsWith
            | N::Split
            | N::Trim
            | N::ToUpper
            | N::ToLower
            | N::Replace
            | N::Chars
            | N::StrLen => self.native_str(nat, c),
            N::ArrPop
            | N::ArrInsert
            | N::ArrRemove
            | N::ArrSlice
            | N::ArrReverse
            | N::ArrClear
            | N::ArrIndexOf
            | N::ArrContains
            | N::ArrSort
            | N::ArrSortBy
            | N::ArrJoin
            | N::ArrLen
            | N::ArrPush => self.native_array(nat, c),
            N::MapLen | N::MapGetOr | N::MapHas | N::MapRemove | N::MapKeys | N::MapValues => {
                self.native_map(nat, c)
            }
        }
    }
}
