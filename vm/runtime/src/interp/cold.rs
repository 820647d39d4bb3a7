//! The instructions that allocate, print, compare strings or call natives,
//! each in a function of its own that the dispatch loop calls.
//!
//! Each of these costs far more than a function call, and each needs many
//! values at once (heap, type tables, output). Inlined into the loop, their
//! code made the register allocator spill the loop's own state (the register
//! pointer, the instruction pointer) and reload it in every arithmetic
//! instruction; called, they leave the loop its registers. Each takes the
//! frame's `FuncInfo` and stack base and reads its operand registers itself;
//! the loop saves the frame's pc before calling, so natives that call back
//! into the language and failures see where the frame is.

use super::Vm;
use crate::objects::{array, map};
use crate::program::{FuncInfo, TypeInfo};
use crate::trap::{internal, nil_error, Trap, TrapKind};
use lang_bytecode::{Instr, Native, TypeId};
use std::cmp::Ordering;

impl<'p> Vm<'p> {
    /// R[x] of the frame at `base`. Checked indexing: these instructions are
    /// not hot enough for the check to matter, and the verifier keeps it
    /// from ever failing.
    pub(super) fn reg(&mut self, base: usize, x: impl Into<usize>) -> &mut u64 {
        &mut self.state.heap.roots.stack[base + x.into()]
    }

    /// `tostr`: R[a] := the printed form of R[b], of type `t`.
    #[inline(never)]
    pub(super) fn op_to_str(&mut self, base: usize, a: u16, b: u16, t: TypeId) -> Result<(), Trap> {
        let s =
            crate::print::to_heap_str(&mut self.state.heap, self.state.prog, base + b as usize, t)?;
        *self.reg(base, a) = s;
        Ok(())
    }

    /// `concat`: R[a] := R[b] .. R[c].
    #[inline(never)]
    pub(super) fn op_concat(&mut self, base: usize, a: u16, b: u16, c: u16) -> Result<(), Trap> {
        *self.reg(base, a) = self.concat(base + b as usize, base + c as usize)?;
        Ok(())
    }

    /// `print`: writes R[b] of type `t`, then a newline if `nl`.
    #[inline(never)]
    pub(super) fn op_print(
        &mut self,
        base: usize,
        b: u16,
        t: TypeId,
        nl: bool,
    ) -> Result<(), Trap> {
        let v = *self.reg(base, b);
        self.print_value(v, t, nl)
    }

    /// How R[b] compares with R[c], as strings (byte order).
    #[inline(never)]
    pub(super) fn op_str_cmp(&mut self, base: usize, b: u16, c: u16) -> Ordering {
        let (x, y) = (*self.reg(base, b), *self.reg(base, c));
        self.state
            .heap
            .str_bytes(x)
            .cmp(self.state.heap.str_bytes(y))
    }

    /// `call.n` of a native without an inline fast path.
    #[inline(never)]
    pub(super) fn op_native(
        &mut self,
        base: usize,
        a: u16,
        native: u16,
        b: u16,
    ) -> Result<(), Trap> {
        let Some(nat) = Native::from_id(native) else {
            return Err(internal(format!("unknown native {native}")));
        };
        let func = self.state.heap.roots.frames.last().map_or(0, |fr| fr.func);
        self.call_native(nat, &crate::natives::Args { base, a, b, func })
    }

    /// `closure`, `cell.new`, `new.st`, `new.en`: R[a] := a new object of
    /// fixed size (`Program::fixed_object`) whose first slots are the
    /// instruction's operand registers.
    #[inline(never)]
    pub(super) fn op_new_fixed(
        &mut self,
        f: &FuncInfo,
        base: usize,
        ins: Instr,
    ) -> Result<(), Trap> {
        let (Some(obj), Some(a), Some(b)) = (
            self.state.prog.fixed_object(f, ins),
            ins.written_reg(),
            fixed_operands(ins),
        ) else {
            return Err(internal(format!(
                "`{}` does not make an object of a known type",
                ins.mnemonic()
            )));
        };
        // `obj.bytes` is the object's size, already worked out.
        let o = self.state.heap.alloc_raw(obj.bytes as usize, obj.header)?;
        // Each operand register has its slot's type (the verifier checked),
        // so its register type decides the barrier.
        self.fill_slots(o, f, base, b, obj.fill);
        *self.reg(base, a) = o;
        Ok(())
    }

    /// `new.arr`: R[a] := a new array of type `t` holding R[b .. b+n].
    #[inline(never)]
    pub(super) fn op_new_array(
        &mut self,
        base: usize,
        a: u16,
        t: TypeId,
        b: u16,
        n: u16,
    ) -> Result<(), Trap> {
        let TypeInfo::Array { elem_kind, .. } = *self.state.prog.ty(t) else {
            return Err(internal("new.arr of a type that is not an array"));
        };
        let arr = array::new(&mut self.state.heap, elem_kind, n as usize, n as usize)?;
        for i in 0..n as usize {
            let v = *self.reg(base, b as usize + i);
            array::set(&mut self.state.heap, arr, i, v, elem_kind.is_ref());
        }
        *self.reg(base, a) = arr;
        Ok(())
    }

    /// `new.fill`: R[a] := a new array of type `t` with R[c] copies of R[b].
    #[inline(never)]
    pub(super) fn op_new_array_fill(
        &mut self,
        base: usize,
        a: u16,
        t: TypeId,
        b: u16,
        c: u16,
    ) -> Result<(), Trap> {
        let TypeInfo::Array { elem_kind, .. } = *self.state.prog.ty(t) else {
            return Err(internal("new.fill of a type that is not an array"));
        };
        let count = *self.reg(base, c) as i64;
        if count < 0 {
            return Err(Trap::error(TrapKind::NegativeArrayLength { count }));
        }
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        let arr = array::new(&mut self.state.heap, elem_kind, count, count)?;
        let v = *self.reg(base, b);
        if v != 0 {
            if elem_kind.is_ref() {
                for i in 0..count {
                    array::set(&mut self.state.heap, arr, i, v, true);
                }
            } else {
                array::fill(&mut self.state.heap, arr, v);
            }
        }
        *self.reg(base, a) = arr;
        Ok(())
    }

    /// `push`: appends R[b] to the array R[a].
    #[inline(never)]
    pub(super) fn op_push(
        &mut self,
        f: &FuncInfo,
        base: usize,
        a: u16,
        b: u16,
    ) -> Result<(), Trap> {
        let arr = *self.reg(base, a);
        if arr == 0 {
            return Err(nil_error());
        }
        let v = *self.reg(base, b);
        array::push(&mut self.state.heap, arr, v, f.reg_is_ref[b as usize])
    }

    /// `new.map`: R[a] := a new empty map.
    #[inline(never)]
    pub(super) fn op_new_map(&mut self, base: usize, a: u16) -> Result<(), Trap> {
        *self.reg(base, a) = map::new(&mut self.state.heap)?;
        Ok(())
    }

    /// `mset`: R[a][R[b]] := R[c].
    #[inline(never)]
    pub(super) fn op_map_set(
        &mut self,
        f: &FuncInfo,
        base: usize,
        a: u16,
        b: u16,
        c: u16,
    ) -> Result<(), Trap> {
        let m = *self.reg(base, a);
        if m == 0 {
            return Err(nil_error());
        }
        let TypeInfo::Map { kind, val_ref, .. } = *self.state.prog.ty(f.reg_types[a as usize])
        else {
            return Err(internal("mset on a register that is not a map"));
        };
        let (k, v) = (*self.reg(base, b), *self.reg(base, c));
        map::insert(
            &mut self.state.heap,
            m,
            map::MapKind { key: kind, val_ref },
            k,
            v,
        )
    }
}

/// The first operand register of an instruction that makes a fixed-size
/// object: its slots are filled from there on.
fn fixed_operands(ins: Instr) -> Option<u16> {
    match ins {
        Instr::MakeClosure { b, .. }
        | Instr::NewCell { b, .. }
        | Instr::NewStruct { b, .. }
        | Instr::NewEnum { b, .. } => Some(b),
        _ => None,
    }
}
