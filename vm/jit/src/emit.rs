//! The pieces every translated instruction is made of: reading and writing
//! registers, object slots, calls of the runtime's helpers, the slow path
//! through `step`, branches with their interrupt check, and the write
//! barrier's inline fast path.
//!
//! Registers are cranelift variables, kept in machine registers and
//! stored to their VM-stack slots only where something else reads the
//! slots: before the runtime carries an instruction out (`step`, the
//! generic call), the registers that instruction reads; before anything
//! that may collect (a helper that allocates, a call), every register that
//! holds a reference, for the collector to find and move. Nothing else
//! reads a compiled frame's registers: stack traces read frame records
//! alone, and compiled code never hands a running frame back to the
//! interpreter (runs that may take a snapshot are interpreted only). After
//! a helper that may collect or that writes a register itself, the
//! registers it may have changed are read back from their slots
//! (`reload_after`).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AbiParam, AliasRegionData, Block, BlockArg, InstBuilder, MemFlagsData, SigRef,
    Signature, Type, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, Variable};
use lang_vm::abi::{self, Helpers};

/// No block arguments (variables carry values between blocks).
pub(crate) const NO_ARGS: [BlockArg; 0] = [];

/// Signatures of the helpers, imported into the function being built.
pub(crate) struct Sigs {
    /// `fn(ctx, pc) -> status`: `call`, `step`, `interrupt`.
    pub pc: SigRef,
    /// `fn(ctx, object, slot, value)`: `barrier`.
    pub barrier: SigRef,
    /// `fn(a, b) -> i64`: `str_cmp`.
    pub cmp: SigRef,
    /// `fn(f64, f64) -> f64`: `fmod`.
    pub fmod: SigRef,
    /// `fn(ctx, regs, frame) -> (status, value)`: compiled code itself
    /// (`translate::entry_signature`).
    pub entry: SigRef,
    /// `fn(ctx, map, key, default) -> value`: `map_get_int`, `map_get_str`.
    pub map_get: SigRef,
    /// `fn(ctx, pc, map, key, value, flags) -> status`: `map_set`.
    pub map_set: SigRef,
    /// `fn(ctx, pc) -> (status, value)`: `side_exit`.
    pub exit: SigRef,
    /// `fn(ctx, func, pc) -> code`: `loop_tier_up`.
    pub osr: SigRef,
}

impl Sigs {
    pub fn import(b: &mut FunctionBuilder<'_>, call_conv: CallConv) -> Sigs {
        let mut sig = |params: &[Type], returns: &[Type]| {
            let mut s = Signature::new(call_conv);
            s.params.extend(params.iter().map(|&t| AbiParam::new(t)));
            s.returns.extend(returns.iter().map(|&t| AbiParam::new(t)));
            b.import_signature(s)
        };
        let i = types::I64;
        let f = types::F64;
        Sigs {
            pc: sig(&[i, i], &[i]),
            barrier: sig(&[i, i, i, i], &[]),
            cmp: sig(&[i, i], &[i]),
            fmod: sig(&[f, f], &[f]),
            entry: sig(&[i, i, i], &[i, i]),
            map_get: sig(&[i, i, i, i], &[i]),
            map_set: sig(&[i, i, i, i, i, i], &[i]),
            exit: sig(&[i, i], &[i, i]),
            osr: sig(&[i, i, i], &[i]),
        }
    }
}

/// The state of translating one function.
pub(crate) struct Emit<'a, 'b> {
    pub b: FunctionBuilder<'b>,
    /// The entry's parameters: the context, register 0 and the frame record.
    pub ctx: Value,
    pub regs: Value,
    pub frame: Value,
    /// The first block of each instruction.
    pub blocks: Vec<Block>,
    /// Returns `STATUS_TRAPPED`: where every failure goes.
    pub trapped: Block,
    pub sigs: Sigs,
    pub helpers: &'a Helpers,
    /// The slow-path block of the instruction being translated, made when
    /// its first check needs it.
    pub slow: Option<Block>,
    /// Per register: its variable, and its type (`F64` for floats, `I64`
    /// for everything else).
    pub vars: Vec<(Variable, Type)>,
    /// The registers that hold references: a collection may move what
    /// they point at.
    pub ref_regs: Vec<u16>,
    /// While an inlined callee is translated: where every failing check
    /// goes instead of the instruction's own slow path (the call's generic
    /// path, which makes the call again for real).
    pub bailout: Option<Block>,
    /// Calls inlined so far (for `--jit-stats`).
    pub inlined_calls: u32,
    /// The registers known not to be nil (or zero) here, because a check
    /// on every path to this point found so and nothing has written them
    /// since (`facts`); their next checks are left out.
    pub nonnil: crate::facts::Known,
    /// The function being compiled, for calls of itself; `None` for code
    /// entered at a loop, which is not the function's entry.
    pub self_ref: Option<cranelift_codegen::ir::FuncRef>,
    /// The id of the function being compiled (what `self_ref` calls):
    /// while a callee is inlined, `CompileRequest::func` is the callee's.
    pub self_func: u32,
    /// Whether a callee inlined with its own frame is being translated
    /// (`inline::InlineKind::Framed`; such inlining does not nest).
    pub in_framed: bool,
    /// Calls the function may still inline with a frame of their own
    /// (`inline::FRAMED_PER_FUNCTION`), which bounds its code's growth.
    pub framed_left: u32,
    /// The registers that may be read after the function's instruction
    /// being translated (`facts::live_after`); still the caller's while a
    /// callee is inlined without a frame (its own references are never
    /// stored), the callee's while one is inlined with its frame.
    pub live_out: crate::facts::Known,
    /// The flags of each kind of memory compiled code reads and writes.
    pub mem: Mem,
    /// The function's count of backward branches toward tier 2
    /// (`CompileRequest::loop_tier_up`); 0 when its loops do not tier up.
    pub loop_tier_up: usize,
}

/// Loads and stores of everything else: the context, the allocator's
/// state, globals, the barrier's table. Aligned, never trapping (the
/// verifier and the checks before them guarantee the addresses).
pub(crate) fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// The kinds of memory that compiled code reads and writes and that never
/// overlap, each its own cranelift alias region, so that a store of one
/// kind does not make cranelift read another kind again: storing an array
/// element leaves the array's length and buffer known, storing a register
/// leaves an object's fields known. Every address belongs to one kind
/// only. Calls of helpers and of compiled code may change any of them.
#[derive(Clone, Copy)]
pub(crate) struct Mem {
    /// Register slots on the VM stack and frame records.
    pub frame: MemFlagsData,
    /// Object headers, array lengths and buffer pointers, buffer
    /// capacities, string lengths and bytes: written by the runtime, by
    /// the inline allocator (a new object's header) and by an inline push
    /// (an array's length).
    pub meta: MemFlagsData,
    /// Body slots: fields, captures, cells, array elements.
    pub body: MemFlagsData,
}

impl Mem {
    /// The three regions, declared in `func`.
    pub fn declare(func: &mut cranelift_codegen::ir::Function) -> Mem {
        let mut region = |user_id: u32, description: &'static str| {
            let r = func.dfg.alias_regions.insert(AliasRegionData {
                user_id,
                description: description.into(),
            });
            MemFlagsData::trusted().with_alias_region(Some(r))
        };
        Mem {
            frame: region(1, "frame"),
            meta: region(2, "object meta"),
            body: region(3, "object body"),
        }
    }
}

/// The byte offset of register `r` in its frame.
fn reg_offset(r: u16) -> i32 {
    8 * r as i32
}

/// The byte offset of body slot `i` of an object.
pub(crate) fn slot_offset(i: u32) -> i32 {
    abi::slot_offset(i as usize) as i32
}

impl Emit<'_, '_> {
    /// Declares one variable per register (`is_float` says which hold
    /// floats), in the entry block: the first `params` hold the arguments,
    /// read from their slots; every other one starts zero, as the frame
    /// was pushed (see `abi`), so it costs no load.
    pub fn declare_registers(&mut self, is_float: &[bool], params: u32) {
        for (r, &float) in is_float.iter().enumerate() {
            let ty = if float { types::F64 } else { types::I64 };
            let var = self.b.declare_var(ty);
            self.vars.push((var, ty));
            let v = if (r as u64) < u64::from(params) {
                self.b
                    .ins()
                    .load(ty, self.mem.frame, self.regs, reg_offset(r as u16))
            } else if float {
                self.b.ins().f64const(0.0)
            } else {
                self.b.ins().iconst(types::I64, 0)
            };
            self.b.def_var(var, v);
        }
    }

    /// Register `r`'s variable and type; `None` for a register outside the
    /// frame, which only the ignored result register of a call of a
    /// function returning nothing can be (the verifier proved every other
    /// operand inside). Such a register is read and written in its slot
    /// alone, as the interpreter does.
    fn var(&self, r: u16) -> Option<(Variable, Type)> {
        self.vars.get(r as usize).copied()
    }

    /// `v` as type `ty`, reinterpreting its bits if it has the other one.
    fn as_type(&mut self, v: Value, ty: Type) -> Value {
        if self.b.func.dfg.value_type(v) == ty {
            v
        } else {
            self.b.ins().bitcast(ty, MemFlagsData::new(), v)
        }
    }

    /// R[r] in its own type.
    pub fn ld_raw(&mut self, r: u16) -> Value {
        match self.var(r) {
            Some((var, _)) => self.b.use_var(var),
            None => self
                .b
                .ins()
                .load(types::I64, self.mem.frame, self.regs, reg_offset(r)),
        }
    }

    /// R[r] as an int (or a reference, or a bool).
    pub fn ld(&mut self, r: u16) -> Value {
        let v = self.ld_raw(r);
        self.as_type(v, types::I64)
    }

    /// R[r] as a float.
    pub fn ldf(&mut self, r: u16) -> Value {
        let v = self.ld_raw(r);
        self.as_type(v, types::F64)
    }

    /// R[r] := v (an i64 or an f64), in its variable (its slot is written
    /// when something needs it there: `flush`).
    pub fn st(&mut self, r: u16, v: Value) {
        self.forget(r);
        match self.var(r) {
            Some((var, ty)) => {
                let v = self.as_type(v, ty);
                self.b.def_var(var, v);
            }
            None => {
                self.b
                    .ins()
                    .store(self.mem.frame, v, self.regs, reg_offset(r));
            }
        }
    }

    /// R[r] := the 64-bit word at `base + offset` (memory of kind
    /// `mem`), loaded as R[r]'s type.
    pub fn st_loaded(&mut self, r: u16, mem: MemFlagsData, base: Value, offset: i32) {
        let ty = self.var(r).map_or(types::I64, |(_, ty)| ty);
        let v = self.b.ins().load(ty, mem, base, offset);
        self.st(r, v);
    }

    /// Forgets what was known of register `r`'s value.
    fn forget(&mut self, r: u16) {
        crate::facts::remove(&mut self.nonnil, r);
    }

    /// Starts translating an instruction, before which the registers
    /// `known` are known not nil.
    pub fn begin_instruction(&mut self, known: Option<&crate::facts::Known>) {
        self.nonnil = known.copied().unwrap_or_default();
    }

    /// R[r], taking the slow path if it is nil (an object) or zero (an
    /// int), unless a check before found it is not.
    pub fn ld_nonnil(&mut self, r: u16) -> Value {
        let v = self.ld(r);
        if !crate::facts::contains(&self.nonnil, r) {
            crate::facts::insert(&mut self.nonnil, r);
            self.guard_not_nil(v);
        }
        v
    }

    /// Stores the registers `regs` to their slots, from their variables.
    pub fn flush(&mut self, regs: impl IntoIterator<Item = u16>) {
        for r in regs {
            if let Some((var, _)) = self.var(r) {
                let v = self.b.use_var(var);
                self.b
                    .ins()
                    .store(self.mem.frame, v, self.regs, reg_offset(r));
            }
        }
    }

    /// Stores every register that holds a reference, before something
    /// that may collect: the collector reads and updates them in their
    /// slots.
    /// A reference that is dead after the instruction is left out: its
    /// slot keeps an older value, which the collector keeps valid, and
    /// nothing reads the register before writing it again.
    pub fn flush_refs(&mut self) {
        self.flush_refs_but(None);
    }

    /// `flush_refs`, leaving out `written`, the register the instruction
    /// is about to write: live after it, it may be dead before it, and its
    /// variable stale.
    fn flush_refs_but(&mut self, written: Option<u16>) {
        let refs = std::mem::take(&mut self.ref_regs);
        let live = self.live_out;
        self.flush(
            refs.iter()
                .copied()
                .filter(|&r| Some(r) != written && crate::facts::is_live(&live, r)),
        );
        self.ref_regs = refs;
    }

    /// Stores what the runtime reads when it carries `ins` out: the
    /// registers the instruction reads, and every reference if it may
    /// collect.
    pub fn flush_for(&mut self, ins: lang_bytecode::Instr) {
        self.flush(crate::facts::reads(&ins));
        let op = ins.opcode();
        if op.may_alloc() || op.is_call() {
            // A call's result register is one it reads (`facts::reads`).
            let written = ins.written_reg().filter(|_| !op.is_call());
            self.flush_refs_but(written);
        }
    }

    /// Reads register `r` back from its slot, after a helper changed it.
    fn reload(&mut self, r: u16) {
        if let Some((var, ty)) = self.var(r) {
            let v = self
                .b
                .ins()
                .load(ty, self.mem.frame, self.regs, reg_offset(r));
            self.b.def_var(var, v);
        }
    }

    /// Reads back what a helper that carried out (or called for) `ins` may
    /// have changed: the register it writes, and every reference register
    /// if it may collect. Helpers write no other register of the frame.
    pub fn reload_after(&mut self, ins: lang_bytecode::Instr) {
        let op = ins.opcode();
        if op.may_alloc() || op.is_call() {
            self.reload_refs();
        }
        if let Some(r) = ins.written_reg() {
            self.forget(r);
            self.reload(r);
        }
    }

    /// Reads every reference register back from its slot, after
    /// something that may have collected (and moved what they point at).
    /// Dead references are left out (see `flush_refs`).
    pub fn reload_refs(&mut self) {
        for i in 0..self.ref_regs.len() {
            let r = self.ref_regs[i];
            if crate::facts::is_live(&self.live_out, r) {
                self.reload(r);
            }
        }
    }

    /// R[r] := the i8 condition `c` as a bool (0 or 1).
    pub fn st_bool(&mut self, r: u16, c: Value) {
        let v = self.b.ins().uextend(types::I64, c);
        self.st(r, v);
    }

    /// An i64 constant.
    pub fn int(&mut self, x: i64) -> Value {
        self.b.ins().iconst(types::I64, x)
    }

    /// A 64-bit load at `base + offset` of memory of no kind in `Mem`.
    pub fn load_at(&mut self, base: Value, offset: i32) -> Value {
        self.b.ins().load(types::I64, flags(), base, offset)
    }

    /// A 64-bit load at `base + offset` of an object's meta data (`Mem`).
    pub fn load_meta(&mut self, base: Value, offset: i32) -> Value {
        self.b.ins().load(types::I64, self.mem.meta, base, offset)
    }

    /// A field of the context. Every field but the VM's own pointer is
    /// set before compiled code first runs and never changes during the
    /// run, so the load may be hoisted and merged with others.
    pub fn ctx_field(&mut self, offset: i32) -> Value {
        let fixed = flags().with_readonly().with_can_move();
        self.b.ins().load(types::I64, fixed, self.ctx, offset)
    }

    /// Calls helper `addr` with `(ctx, pc)`; gives its status.
    pub fn call_pc(&mut self, addr: usize, pc: usize) -> Value {
        let callee = self.int(addr as i64);
        let pc = self.int(pc as i64);
        let call = self
            .b
            .ins()
            .call_indirect(self.sigs.pc, callee, &[self.ctx, pc]);
        self.b.inst_results(call)[0]
    }

    /// Calls a helper that returns nothing about failure but a value.
    pub fn call_value(&mut self, sig: SigRef, addr: usize, args: &[Value]) -> Value {
        let callee = self.int(addr as i64);
        let call = self.b.ins().call_indirect(sig, callee, args);
        self.b.inst_results(call)[0]
    }

    /// Ends the current block: on to `next` when `status` is 0, to the
    /// trap exit otherwise.
    pub fn check_status(&mut self, status: Value, next: Block) {
        self.b
            .ins()
            .brif(status, self.trapped, &NO_ARGS, next, &NO_ARGS);
    }

    /// Carries instruction `ins` at `pc` out through the runtime (`step`)
    /// and goes on to `next`.
    pub fn step(&mut self, pc: usize, ins: lang_bytecode::Instr, next: Block) {
        self.flush_for(ins);
        let status = self.call_pc(self.helpers.step, pc);
        self.reload_after(ins);
        self.check_status(status, next);
    }

    /// Continues in a new block when `ok` (an i8 condition) holds, else
    /// takes the instruction's slow path, which `finish_slow` fills.
    pub fn guard(&mut self, ok: Value) {
        let slow = match self.bailout {
            Some(bailout) => bailout,
            None => *self.slow.get_or_insert_with(|| self.b.create_block()),
        };
        let fast = self.b.create_block();
        self.b.ins().brif(ok, fast, &NO_ARGS, slow, &NO_ARGS);
        self.b.switch_to_block(fast);
    }

    /// Continues when `v` is not nil, else takes the slow path.
    pub fn guard_not_nil(&mut self, v: Value) {
        let ok = self.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0);
        self.guard(ok);
    }

    /// Fills the slow path of instruction `pc`, if a guard made one: the
    /// runtime carries the instruction out, which raises its error
    /// (`Helpers::fail`), and the function returns. The slow path never
    /// comes back, so nothing it called out to can change what the code
    /// after the instruction knows (values, loads, machine registers).
    pub fn finish_slow(&mut self, pc: usize, ins: lang_bytecode::Instr) {
        if let Some(slow) = self.slow.take() {
            self.b.switch_to_block(slow);
            self.b.set_cold_block(slow);
            self.flush_for(ins);
            self.call_pc(self.helpers.fail, pc);
            self.b.ins().jump(self.trapped, &NO_ARGS);
        }
    }

    /// Jumps from instruction `pc` to instruction `target`; a backward jump
    /// first checks for an interrupt, as the interpreter does.
    pub fn goto(&mut self, pc: usize, target: u32) {
        let dest = self.blocks[target as usize];
        if target as usize > pc {
            self.b.ins().jump(dest, &NO_ARGS);
            return;
        }
        let flag_addr = self.int(self.helpers.interrupt_flag as i64);
        let flag = self.b.ins().uload8(types::I32, flags(), flag_addr, 0);
        let interrupted = self.b.create_block();
        self.b.set_cold_block(interrupted);
        // The function's own loops (not an inlined callee's) count toward
        // tier 2.
        let counts = self.loop_tier_up != 0 && self.bailout.is_none() && !self.in_framed;
        let go_on = if counts { self.b.create_block() } else { dest };
        self.b
            .ins()
            .brif(flag, interrupted, &NO_ARGS, go_on, &NO_ARGS);
        self.b.switch_to_block(interrupted);
        let status = self.call_pc(self.helpers.interrupt, pc);
        let no_value = self.int(0);
        self.b.ins().return_(&[status, no_value]);
        if counts {
            self.b.switch_to_block(go_on);
            crate::speculate::count_toward_loop_tier_up(self, target, dest);
        }
    }

    /// Branches from instruction `pc` to `target` when the i8 condition
    /// `c` holds, else on to the next instruction.
    pub fn branch_if(&mut self, pc: usize, c: Value, target: u32) {
        let next = self.blocks[pc + 1];
        if target as usize > pc {
            let dest = self.blocks[target as usize];
            self.b.ins().brif(c, dest, &NO_ARGS, next, &NO_ARGS);
            return;
        }
        let taken = self.b.create_block();
        self.b.ins().brif(c, taken, &NO_ARGS, next, &NO_ARGS);
        self.b.switch_to_block(taken);
        self.goto(pc, target);
    }

    /// Stores `v` into body slot `i` of object `o`, with the write barrier
    /// when `is_ref`.
    pub fn store_slot(&mut self, o: Value, i: Value, v: Value, is_ref: bool) {
        let addr = self.slot_address(o, i);
        self.b.ins().store(self.mem.body, v, addr, 0);
        if is_ref {
            self.barrier(o, addr, v);
        }
    }

    /// The address of body slot `i` (an i64 value) of object `o`.
    pub fn slot_address(&mut self, o: Value, i: Value) -> Value {
        let scaled = self.b.ins().ishl_imm_u(i, 3);
        let at = self.b.ins().iadd(o, scaled);
        self.b.ins().iadd_imm_s(at, abi::OBJECT_HEADER_BYTES as i64)
    }

    /// The write barrier after storing reference `v` at `slot` of object
    /// `o`: nothing for nil, for plans without a barrier and for objects
    /// whose unlog bit is clear (young or already remembered); the
    /// runtime's slow path otherwise.
    pub fn barrier(&mut self, o: Value, slot: Value, v: Value) {
        let done = self.b.create_block();
        let has_table = self.b.create_block();
        let check_bit = self.b.create_block();
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        self.b.ins().brif(v, has_table, &NO_ARGS, done, &NO_ARGS);

        self.b.switch_to_block(has_table);
        let table = self.ctx_field(abi::CTX_LOG_TABLE);
        self.b
            .ins()
            .brif(table, check_bit, &NO_ARGS, done, &NO_ARGS);

        self.b.switch_to_block(check_bit);
        let granule = self.b.ins().ushr_imm_u(o, abi::LOG_GRANULE as i64);
        let byte_index = self.b.ins().ushr_imm_u(granule, 3);
        let byte_addr = self.b.ins().iadd(table, byte_index);
        let byte = self.b.ins().uload8(types::I64, flags(), byte_addr, 0);
        let bit_index = self.b.ins().band_imm_u(granule, 7);
        let shifted = self.b.ins().ushr(byte, bit_index);
        let bit = self.b.ins().band_imm_u(shifted, 1);
        self.b.ins().brif(bit, slow, &NO_ARGS, done, &NO_ARGS);

        self.b.switch_to_block(slow);
        let callee = self.int(self.helpers.barrier as i64);
        self.b
            .ins()
            .call_indirect(self.sigs.barrier, callee, &[self.ctx, o, slot, v]);
        self.b.ins().jump(done, &NO_ARGS);

        self.b.switch_to_block(done);
    }
}
