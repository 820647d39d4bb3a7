//! Single instructions carried out for compiled code, and the calls between
//! compiled code and the interpreter.
//!
//! Compiled code does the fast, common part of each instruction inline and
//! asks `step` for everything else: allocation, printing, natives, and the
//! failing case of every check (nil, bounds, division by zero, float to int,
//! a wrong enum variant). `step` carries the instruction out with the same
//! functions the interpreter's loop uses, so a compiled frame fails with the
//! interpreter's exact message and leaves the same frames for its trace.

use super::{ops, Vm};
use crate::abi::{STATUS_RETURNED_VALUE, STATUS_TRAPPED};
use crate::heap::roots::FrameRec;
use crate::objects::{array, map};
use crate::program::TypeInfo;
use crate::trap::{internal, nil_error, Trap, TrapKind};
use lang_bytecode::Instr;

/// The signature of compiled code (see `abi`).
type Entry = unsafe extern "C" fn(
    *mut crate::abi::JitCtx,
    *mut u64,
    *mut FrameRec,
) -> crate::abi::EntryResult;

impl<'p> Vm<'p> {
    /// Records `pc` as the innermost frame's current instruction.
    pub(crate) fn set_pc(&mut self, pc: usize) {
        if let Some(fr) = self.state.heap.roots.frames.last_mut() {
            fr.pc = pc as u32;
        }
    }

    /// The compiled entry of function `f`, if it has (or now gets) one.
    #[inline(always)]
    pub(crate) fn compiled_entry(&mut self, f: u32) -> Option<*const u8> {
        if !self.tiers.enabled {
            return None;
        }
        self.tiers.entry(self.state.prog, f)
    }

    /// For the interpreter's call instructions: runs the just-pushed frame
    /// of `callee` (at stack slot `base`) in compiled code if it has some,
    /// writing its result to stack slot `dest`; gives whether it did. A
    /// trait or closure call gives `key`, the aux word of its receiver's
    /// or closure's header, for the caller's profile.
    #[inline(never)]
    pub(crate) fn call_compiled(
        &mut self,
        callee: u32,
        base: usize,
        dest: usize,
        key: Option<u32>,
    ) -> Result<bool, Trap> {
        if let Some(key) = key {
            let frames = &self.state.heap.roots.frames;
            if let Some(caller) = frames.len().checked_sub(2).and_then(|i| frames.get(i)) {
                let (func, pc) = (caller.func, caller.pc);
                self.tiers.observe(self.state.prog, func, pc, key);
            }
        }
        let Some(code) = self.compiled_entry(callee) else {
            return Ok(false);
        };
        if let Some(v) = self.run_compiled(code, base)? {
            if let Some(slot) = self.state.heap.roots.stack.get_mut(dest) {
                *slot = v;
            }
        }
        Ok(true)
    }

    /// Runs compiled code `code` for the innermost frame, which starts at
    /// stack slot `base`, and pops that frame when it returns. Gives the
    /// function's result (`None` for functions returning nothing); on a
    /// failure the frames stay in place for the trace.
    pub(crate) fn run_compiled(
        &mut self,
        code: *const u8,
        base: usize,
    ) -> Result<Option<u64>, Trap> {
        let frames = &mut self.state.heap.roots.frames;
        let Some(last) = frames.len().checked_sub(1) else {
            return Err(internal("compiled code entered without a frame"));
        };
        let frame: *mut FrameRec = frames.as_mut_ptr().wrapping_add(last);
        let regs: *mut u64 = self.state.heap.roots.stack.as_mut_ptr().wrapping_add(base);
        let ctx: *mut crate::abi::JitCtx = &mut *self.tiers.ctx;
        // SAFETY: the context is boxed and lives as long as the run; the VM
        // does not move while it runs, and nothing borrows it while the
        // compiled code (and the helpers it calls, through this pointer) run.
        unsafe {
            (*ctx).vm = self as *mut Vm<'p> as *mut u8;
            (*ctx).alloc = &mut self.state.heap.fast as *mut _ as *mut u8;
        }
        // SAFETY: `code` came from the compiler for a function with this
        // signature, compiled from verified bytecode; `regs` is the frame's
        // register file, inside the VM stack (`push_frame` checked), and
        // `frame` its record, which stays put (the list never reallocates:
        // its capacity is the frame limit).
        let crate::abi::EntryResult { status, value } = unsafe {
            let entry: Entry = std::mem::transmute::<*const u8, Entry>(code);
            entry(ctx, regs, frame)
        };
        if status >= STATUS_TRAPPED {
            return Err(self
                .tiers
                .pending
                .take()
                .unwrap_or_else(|| internal("compiled code failed without a reason")));
        }
        self.state.heap.roots.frames.pop();
        Ok((status == STATUS_RETURNED_VALUE).then_some(value))
    }

    /// For the interpreter's backward branches: counts the branch to
    /// instruction `target` of the innermost frame, and once its
    /// function's loops are hot, runs the frame from `target` on in code
    /// compiled for entry there, to the frame's return (on-stack
    /// replacement). Gives `None` while the frame stays interpreted, else
    /// the popped frame's result register and its result.
    #[inline(never)]
    pub(crate) fn enter_loop(&mut self, target: usize) -> Result<Option<(u16, Option<u64>)>, Trap> {
        let Some(&fr) = self.state.heap.roots.frames.last() else {
            return Ok(None);
        };
        let Some(code) = self
            .tiers
            .back_edge(self.state.prog, fr.func, target as u32)
        else {
            return Ok(None);
        };
        self.set_pc(target);
        let v = self.run_compiled(code, fr.base as usize)?;
        Ok(Some((fr.dest, v)))
    }

    /// Runs the innermost frame (just pushed for function `callee` at stack
    /// slot `base`), compiled if it can be, else in a nested interpreter
    /// loop; pops it and gives its result.
    pub(crate) fn run_pushed(&mut self, callee: u32, base: usize) -> Result<Option<u64>, Trap> {
        if let Some(code) = self.compiled_entry(callee) {
            return self.run_compiled(code, base);
        }
        let depth = self.state.heap.roots.frames.len() - 1;
        let v = self.execute(depth)?;
        let returns = self
            .state
            .prog
            .funcs
            .get(callee as usize)
            .is_some_and(|f| f.returns_value);
        Ok(returns.then_some(v))
    }

    /// A side exit (`Helpers::side_exit`): the innermost frame, whose
    /// tier-2 code stopped at instruction `pc` without carrying it out
    /// (every register the interpreter may read is in its slot), goes on in
    /// the interpreter from there to its return. The interpreter pops the
    /// frame when it returns; its record is pushed again, because compiled
    /// code returns with its frame still pushed and its caller pops it.
    /// Gives the function's result.
    pub(crate) fn side_exit(&mut self, pc: usize) -> Result<Option<u64>, Trap> {
        let Some(&fr) = self.state.heap.roots.frames.last() else {
            return Err(internal("a side exit without a frame"));
        };
        self.tiers.side_exit(self.state.prog, fr.func);
        self.set_pc(pc);
        let depth = self.state.heap.roots.frames.len() - 1;
        let v = self.execute(depth)?;
        // The record's slot was just freed, so there is room for it.
        if !self.state.heap.roots.frames.push(fr) {
            return Err(internal("no room to restore a frame after a side exit"));
        }
        let returns = self
            .state
            .prog
            .funcs
            .get(fr.func as usize)
            .is_some_and(|f| f.returns_value);
        Ok(returns.then_some(v))
    }

    /// Carries out the call instruction at `pc` of the innermost frame for
    /// compiled code: pushes the callee's frame, runs it, pops it, and
    /// writes its result to the call's result register.
    pub(crate) fn call_from_compiled(&mut self, pc: usize) -> Result<(), Trap> {
        self.set_pc(pc);
        let prog = self.state.prog;
        let Some(&fr) = self.state.heap.roots.frames.last() else {
            return Err(internal("call from compiled code without a frame"));
        };
        let Some(f) = prog.funcs.get(fr.func as usize) else {
            return Err(internal("frame of an unknown function"));
        };
        let base = fr.base as usize;
        let (a, callee, b, n, closure) = match f.code.get(pc) {
            Some(&Instr::Call { a, f: callee, b, n }) => (a, callee, b, n, 0),
            Some(&Instr::CallClosure { a, c, b, n }) => {
                let clo = *self.reg(base, c);
                if clo == 0 {
                    return Err(nil_error());
                }
                (a, self.state.heap.aux(clo), b, n, clo)
            }
            Some(&Instr::CallTrait { a, t, m, b, n }) => {
                let recv = *self.reg(base, b);
                if recv == 0 {
                    return Err(nil_error());
                }
                (a, self.dispatch(t, m, recv)?, b, n, 0)
            }
            _ => {
                return Err(internal(
                    "the call helper given an instruction that is not a call",
                ))
            }
        };
        // Compiled frames recurse on the native stack; the frame limit
        // normally ends a deep recursion long before this does.
        let here = 0u8;
        if (&here as *const u8 as usize) < self.tiers.ctx.stack_limit {
            return Err(super::overflow());
        }
        let nb = base + f.nregs;
        self.push_frame(callee, nb, base + b as usize, n as usize, a, closure)?;
        if let Some(v) = self.run_pushed(callee, nb)? {
            *self.reg(base, a) = v;
        }
        Ok(())
    }

    /// Carries out the instruction at `pc` of the innermost frame for
    /// compiled code, as the interpreter would. Jumps, calls and returns are
    /// compiled code's own business and never come here.
    pub(crate) fn step(&mut self, pc: usize) -> Result<(), Trap> {
        self.set_pc(pc);
        let prog = self.state.prog;
        let Some(&fr) = self.state.heap.roots.frames.last() else {
            return Err(internal("step without a frame"));
        };
        let Some(f) = prog.funcs.get(fr.func as usize) else {
            return Err(internal("frame of an unknown function"));
        };
        let Some(&ins) = f.code.get(pc) else {
            return Err(internal("step past the end of the code"));
        };
        let base = fr.base as usize;
        // The object in register `x`, or the nil error.
        macro_rules! obj {
            ($x:expr) => {{
                let o = *self.reg(base, $x);
                if o == 0 {
                    return Err(nil_error());
                }
                o
            }};
        }
        match ins {
            Instr::DivI { a, b, c } | Instr::RemI { a, b, c } => {
                let d = *self.reg(base, c) as i64;
                if d == 0 {
                    return Err(Trap::error(TrapKind::DivisionByZero));
                }
                let x = *self.reg(base, b) as i64;
                *self.reg(base, a) = if matches!(ins, Instr::DivI { .. }) {
                    x.wrapping_div(d) as u64
                } else {
                    x.wrapping_rem(d) as u64
                };
            }
            Instr::FloatToInt { a, b } => {
                let x = f64::from_bits(*self.reg(base, b));
                *self.reg(base, a) = ops::float_to_int(x)? as u64;
            }
            Instr::GetCapture { a, i } => {
                if fr.closure == 0 {
                    return Err(nil_error());
                }
                *self.reg(base, a) = self.state.heap.load(fr.closure, i as usize);
            }
            Instr::CellGet { a, b } => {
                let cell = obj!(b);
                *self.reg(base, a) = self.state.heap.load(cell, 0);
            }
            Instr::CellSet { a, b } => {
                let cell = obj!(a);
                let v = *self.reg(base, b);
                self.store_field(f, cell, 0, b, v);
            }
            Instr::GetField { a, b, i } => {
                let o = obj!(b);
                *self.reg(base, a) = self.state.heap.load(o, i as usize);
            }
            Instr::SetField { a, i, b } => {
                let o = obj!(a);
                let v = *self.reg(base, b);
                self.store_field(f, o, i as usize, b, v);
            }
            Instr::EnumTag { a, b } => {
                let o = obj!(b);
                *self.reg(base, a) = self.state.heap.aux(o) as u64;
            }
            Instr::GetPayload { a, b, v, i } => {
                let o = obj!(b);
                let found = self.state.heap.aux(o);
                if found != v as u32 {
                    let ty = f.reg_types[b as usize];
                    return Err(ops::variant_error(ty, v as u32, found));
                }
                *self.reg(base, a) = self.state.heap.load(o, i as usize);
            }
            Instr::ArrGet { a, b, c } => {
                let arr = obj!(b);
                let i = *self.reg(base, c) as i64;
                let i = array::check_index(&self.state.heap, arr, i)?;
                *self.reg(base, a) = array::get(&self.state.heap, arr, i);
            }
            Instr::ArrSet { a, b, c } => {
                let arr = obj!(a);
                let i = *self.reg(base, b) as i64;
                let i = array::check_index(&self.state.heap, arr, i)?;
                let v = *self.reg(base, c);
                array::set(&mut self.state.heap, arr, i, v, f.reg_is_ref[c as usize]);
            }
            Instr::ArrLen { a, b } => {
                let arr = obj!(b);
                *self.reg(base, a) = array::len(&self.state.heap, arr) as u64;
            }
            Instr::MapGet { a, b, c } => {
                let m = obj!(b);
                let Some(&TypeInfo::Map { kind, key, .. }) =
                    prog.types.get(f.reg_types[b as usize] as usize)
                else {
                    return Err(internal("mget on a register that is not a map"));
                };
                let k = *self.reg(base, c);
                match map::get(&self.state.heap, m, kind, k) {
                    Some(v) => *self.reg(base, a) = v,
                    None => return Err(ops::key_error(&self.state.heap, prog, k, key)),
                }
            }
            Instr::CallNative { a, native, b, .. } => self.op_native(base, a, native, b)?,
            Instr::ToStr { a, b, t } => self.op_to_str(base, a, b, t)?,
            Instr::Concat { a, b, c } => self.op_concat(base, a, b, c)?,
            Instr::Print { b, t, nl } => self.op_print(base, b, t, nl != 0)?,
            Instr::MakeClosure { .. }
            | Instr::NewCell { .. }
            | Instr::NewStruct { .. }
            | Instr::NewEnum { .. } => self.op_new_fixed(f, base, ins)?,
            Instr::NewArray { a, t, b, n } => self.op_new_array(base, a, t, b, n)?,
            Instr::NewArrayFill { a, t, b, c } => self.op_new_array_fill(base, a, t, b, c)?,
            Instr::ArrPush { a, b } => self.op_push(f, base, a, b)?,
            Instr::NewMap { a, t: _ } => self.op_new_map(base, a)?,
            Instr::MapSet { a, b, c } => self.op_map_set(f, base, a, b, c)?,
            other => {
                return Err(internal(format!(
                    "compiled code stepped `{}`, which it runs itself",
                    other.mnemonic()
                )))
            }
        }
        Ok(())
    }

    /// Stores `v` (from register `src`) into slot `i` of object `o`, through
    /// the write barrier when the register holds a reference.
    fn store_field(&mut self, f: &crate::program::FuncInfo, o: u64, i: usize, src: u16, v: u64) {
        if f.reg_is_ref[src as usize] {
            self.state.heap.store_ref(o, i, v);
        } else {
            self.state.heap.store(o, i, v);
        }
    }
}
