//! Direct calls (`call`) from compiled code: when the callee has compiled
//! code in its entry slot and its frame fits, the caller pushes the
//! callee's frame itself (arguments copied, its reference registers zeroed,
//! the record written just past its own), calls the entry and pops the frame
//! again, all without leaving machine code. Anything else (a callee still
//! interpreted or not yet compiled, the frame limit, the end of the VM
//! stack, the native stack's reserve) goes through the runtime's `call`
//! helper, which does exactly what the interpreter does, errors included.
//!
//! Trait calls (`call.t`) select the receiver's implementation inline and
//! call it the same way; closure calls (`call.c`) likewise select the
//! closure's function among those the program makes closures of with the
//! closure's type. A small callee is inlined instead (see `inline`).
//!
//! The frame pushed here is the one the interpreter would push
//! (`Vm::push_frame`): the same record, the same registers, so stack
//! traces, the collector and the interpreter see no difference.

use crate::emit::{flags, Emit, NO_ARGS};
use crate::inline::InlineKind;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Block, BlockArg, FuncRef, InstBuilder, Value};
use cranelift_frontend::Switch;
use lang_bytecode::Instr;
use lang_vm::abi::{self, CompileRequest};

/// Registers past the arguments that a call zeroes with one store each;
/// a bigger frame is zeroed by a loop. Sixteen stores are about as much
/// code as the loop and its set-up, and most frames are smaller.
const UNROLLED_ZEROES: u32 = 16;

/// Translates `call a, f, b, n` at `pc`: R[a] := f(R[b], ..., R[b+n-1]).
pub(crate) fn direct(
    e: &mut Emit<'_, '_>,
    req: &CompileRequest<'_>,
    pc: usize,
    a: u16,
    callee: u32,
    b: u16,
    n: u16,
) -> Result<(), String> {
    let ins = Instr::Call { a, f: callee, b, n };
    let (next, slow) = exits(e, pc)?;
    let to = Target {
        func: callee,
        closure: None,
        may_inline: true,
    };
    known_callee(e, req, pc, Site { a, b, n }, to, slow, next)?;
    generic(e, pc, ins, slow, next);
    Ok(())
}

/// Implementations at one trait or closure call site whose small bodies
/// may be copied into the caller: 8. Past them each arm of the dispatch is
/// a direct call, so that a site with many implementations does not grow
/// the function by a copy of each.
const MAX_INLINE_DISPATCH: usize = 8;

/// Receivers of more structs than this at one trait call site (or closure
/// functions at a closure call) are dispatched by the runtime: 32. The
/// switch over the header's aux word is a jump table whatever its size,
/// and each arm is a direct call of some fifty bytes; the helper costs
/// about as much as the interpreter's own call (measured: ten
/// implementations through the helper ran at the interpreter's speed,
/// `bench/RESULTS.md`), so compiled code dispatches every site it can.
const MAX_DIRECT_DISPATCH: usize = 32;

/// Translates `call.t a, t, m, b, n` at `pc`: method `m` of trait `t` on
/// receiver R[b]. The receiver's struct selects one of the method's
/// implementations inline (the verifier proved the receiver is of the
/// trait, so the program's implementations are all it can be), and each is
/// called as a known function; nil and anything unexpected take the
/// runtime's generic call, which raises the error.
pub(crate) fn trait_call(
    e: &mut Emit<'_, '_>,
    req: &CompileRequest<'_>,
    pc: usize,
    ins: Instr,
    (t, m): (u32, u16),
    site: Site,
) -> Result<(), String> {
    let impls: Vec<(u32, u32)> = (req.trait_impls)(t, m)
        .iter()
        .map(|imp| (imp.struct_index, imp.func))
        .collect();
    dispatch(e, req, pc, ins, site, (site.b, false), &impls)
}

/// Translates `call.c a, c, b, n` at `pc`: the closure in R[c] called with
/// R[b..b+n]. The closure's function (its header's aux word) selects one
/// of the functions the program makes closures of with R[c]'s type, and
/// that one is called as a known function, its frame record holding the
/// closure (where its `getcap` reads the captures); nil, and more
/// candidates than `MAX_DIRECT_DISPATCH`, take the runtime's generic call.
pub(crate) fn closure_call(
    e: &mut Emit<'_, '_>,
    req: &CompileRequest<'_>,
    pc: usize,
    ins: Instr,
    c: u16,
    site: Site,
) -> Result<(), String> {
    let targets: Vec<(u32, u32)> = (req.closure_targets)(req.func, c)
        .iter()
        .map(|&f| (f, f))
        .collect();
    dispatch(e, req, pc, ins, site, (c, true), &targets)
}

/// Translates the call `ins` at `pc` on the object in register `on.0`
/// (the closure when `on.1`, else the receiver): its header's aux word
/// selects, among `arms` (aux word, function), the function to call as a
/// known one (inlined only among the first `MAX_INLINE_DISPATCH`); nil, an
/// aux word not among them, and more arms than `MAX_DIRECT_DISPATCH` take
/// the runtime's generic call.
fn dispatch(
    e: &mut Emit<'_, '_>,
    req: &CompileRequest<'_>,
    pc: usize,
    ins: Instr,
    site: Site,
    on: (u16, bool),
    arms: &[(u32, u32)],
) -> Result<(), String> {
    if let Some(key) = crate::speculate::profiled_key(e, req, pc) {
        if let Some(&(_, func)) = arms.iter().find(|&&(k, _)| k == key) {
            return guarded(e, req, pc, ins, site, on, (key, func));
        }
    }
    if arms.is_empty() || arms.len() > MAX_DIRECT_DISPATCH {
        return through_runtime(e, pc, ins);
    }
    let (next, slow) = exits(e, pc)?;
    let (obj, aux) = header_aux(e, on.0, slow);
    let mut switch = Switch::new();
    let blocks: Vec<(Block, u32)> = arms
        .iter()
        .map(|&(key, func)| {
            let arm = e.b.create_block();
            switch.set_entry(u128::from(key), arm);
            (arm, func)
        })
        .collect();
    switch.emit(&mut e.b, aux, slow);
    for (i, (arm, func)) in blocks.into_iter().enumerate() {
        e.b.switch_to_block(arm);
        let to = Target {
            func,
            closure: on.1.then_some(obj),
            may_inline: i < MAX_INLINE_DISPATCH,
        };
        known_callee(e, req, pc, site, to, slow, next)?;
    }
    generic(e, pc, ins, slow, next);
    Ok(())
}

/// The object in register `r` and its header's aux word (its struct or,
/// for a closure, its function), going to `slow` when it is nil.
fn header_aux(e: &mut Emit<'_, '_>, r: u16, slow: Block) -> (Value, Value) {
    let obj = e.ld(r);
    let not_nil = e.b.create_block();
    e.b.ins().brif(obj, not_nil, &NO_ARGS, slow, &NO_ARGS);
    e.b.switch_to_block(not_nil);
    let aux =
        e.b.ins()
            .uload32(e.mem.meta, obj, abi::OBJECT_AUX_OFFSET as i32);
    (obj, aux)
}

/// Tier 2's translation of the call `ins` at `pc` on the object in
/// register `on.0` (as for `dispatch`) whose profile saw only aux word
/// `key`, which selects function `func`: that one is called as a known
/// function when the object's header holds `key`; any other object leaves
/// for the interpreter (a side exit), and nil takes the generic call, which
/// raises the error.
fn guarded(
    e: &mut Emit<'_, '_>,
    req: &CompileRequest<'_>,
    pc: usize,
    ins: Instr,
    site: Site,
    on: (u16, bool),
    (key, func): (u32, u32),
) -> Result<(), String> {
    let (next, slow) = exits(e, pc)?;
    let (obj, aux) = header_aux(e, on.0, slow);
    let expected = e.b.ins().icmp_imm_u(IntCC::Equal, aux, i64::from(key));
    let hit = e.b.create_block();
    let miss = e.b.create_block();
    e.b.set_cold_block(miss);
    e.b.ins().brif(expected, hit, &NO_ARGS, miss, &NO_ARGS);
    e.b.switch_to_block(miss);
    crate::speculate::side_exit(e, req, pc, ins);
    e.b.switch_to_block(hit);
    let to = Target {
        func,
        closure: on.1.then_some(obj),
        may_inline: true,
    };
    known_callee(e, req, pc, site, to, slow, next)?;
    generic(e, pc, ins, slow, next);
    Ok(())
}

/// The callee of a call compiled as a known function.
#[derive(Clone, Copy)]
struct Target {
    /// Its function id.
    func: u32,
    /// The closure being called (for its frame record), or `None` for a
    /// plain or trait call, whose record's closure is nil.
    closure: Option<Value>,
    /// Whether its body may be copied into the caller (`inline`).
    may_inline: bool,
}

/// The registers of a call: result `a`, arguments `b..b+n`.
#[derive(Clone, Copy)]
pub(crate) struct Site {
    pub a: u16,
    pub b: u16,
    pub n: u16,
}

/// The exits of the call at `pc`: the next instruction's block, and a new
/// cold block for the generic path (which `generic` fills).
fn exits(e: &mut Emit<'_, '_>, pc: usize) -> Result<(Block, Block), String> {
    let next = e
        .blocks
        .get(pc + 1)
        .copied()
        .ok_or("a call is the last instruction")?;
    let slow = e.b.create_block();
    e.b.set_cold_block(slow);
    Ok((next, slow))
}

/// Translates a call at `pc` that compiled code always leaves to the
/// runtime (`call.c`): the generic path alone.
pub(crate) fn through_runtime(e: &mut Emit<'_, '_>, pc: usize, ins: Instr) -> Result<(), String> {
    let (next, slow) = exits(e, pc)?;
    e.b.ins().jump(slow, &NO_ARGS);
    generic(e, pc, ins, slow, next);
    Ok(())
}

/// Fills `slow`, the generic path of the call instruction `ins` at `pc`:
/// the runtime's `call` helper, which does whatever the interpreter does
/// (errors included), then on to `next`.
fn generic(e: &mut Emit<'_, '_>, pc: usize, ins: Instr, slow: Block, next: Block) {
    e.b.switch_to_block(slow);
    e.flush_for(ins);
    let status = e.call_pc(e.helpers.call, pc);
    e.reload_after(ins);
    e.check_status(status, next);
}

/// Calls function `callee`, known at compile time, from the call at `pc`,
/// going on to `next`, or to `slow` (the generic call) when it cannot:
/// inline when the callee is small enough (see `inline`: without a frame
/// when it only reads, else in a frame pushed inline), else by pushing its
/// frame and calling its compiled code directly.
fn known_callee(
    e: &mut Emit<'_, '_>,
    req: &CompileRequest<'_>,
    pc: usize,
    site: Site,
    to: Target,
    slow: Block,
    next: Block,
) -> Result<(), String> {
    let callee = to.func;
    let (Some(me), Some(target)) = (
        req.funcs.get(req.func as usize),
        req.funcs.get(callee as usize),
    ) else {
        return Err(format!("a call of unknown function {callee}"));
    };
    let new_frame = e.b.ins().iadd_imm_s(e.frame, abi::FRAME_REC_BYTES as i64);
    let new_regs = e.b.ins().iadd_imm_s(e.regs, 8 * me.nregs as i64);
    let regs_end = e.b.ins().iadd_imm_s(new_regs, 8 * target.nregs as i64);
    // Room for one more frame record, for the callee's registers on the VM
    // stack, and for its native frame: an inlined call checks them too, so
    // that it fails with `stack overflow` exactly where a real call would.
    let frames_end = e.ctx_field(abi::CTX_FRAMES_END);
    let frame_fits =
        e.b.ins()
            .icmp(IntCC::UnsignedLessThan, new_frame, frames_end);
    let stack_end = e.ctx_field(abi::CTX_STACK_END);
    let regs_fit =
        e.b.ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, regs_end, stack_end);
    let sp = e.b.ins().get_stack_pointer(types::I64);
    let limit = e.ctx_field(abi::CTX_STACK_LIMIT);
    let native_fits = e.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, sp, limit);
    let fits = e.b.ins().band(frame_fits, regs_fit);
    let fits = e.b.ins().band(fits, native_fits);

    // An inlined body reads no captures (`inline::candidate` refuses
    // `getcap`), so a closure's may be inlined like any other.
    let pure = to.may_inline.then(|| crate::inline::candidate(req, callee));
    if let Some(body) = pure.flatten() {
        let inlined = e.b.create_block();
        e.b.ins().brif(fits, inlined, &NO_ARGS, slow, &NO_ARGS);
        e.b.switch_to_block(inlined);
        return crate::inline::emit(e, req, callee, body, site, InlineKind::Pure { slow }, next);
    }

    let framed = to
        .may_inline
        .then(|| crate::inline::framed_candidate(e, req, callee));
    if let Some(body) = framed.flatten() {
        let framed = e.b.create_block();
        e.b.ins().brif(fits, framed, &NO_ARGS, slow, &NO_ARGS);
        e.b.switch_to_block(framed);
        let pushed = push_frame(e, req, pc, site, to, new_frame, new_regs, regs_end)?;
        return crate::inline::emit(e, req, callee, body, site, InlineKind::Framed(pushed), next);
    }

    // Compiled code in the callee's entry slot; a function calling itself
    // calls the code being compiled, which is that entry.
    let fast = e.b.create_block();
    let code = match e.self_ref {
        Some(me_ref) if callee == e.self_func => {
            e.b.ins().brif(fits, fast, &NO_ARGS, slow, &NO_ARGS);
            Callee::Direct(me_ref)
        }
        _ => {
            let entries = e.ctx_field(abi::CTX_ENTRIES);
            let slot = e.b.ins().iadd_imm_s(entries, 8 * callee as i64);
            let code = e.load_at(slot, 0);
            let has_code = e.b.ins().icmp_imm_s(IntCC::NotEqual, code, 0);
            let ok = e.b.ins().band(has_code, fits);
            e.b.ins().brif(ok, fast, &NO_ARGS, slow, &NO_ARGS);
            Callee::Indirect(code)
        }
    };

    e.b.switch_to_block(fast);
    let pushed = push_frame(e, req, pc, site, to, new_frame, new_regs, regs_end)?;
    let args = [e.ctx, new_regs, new_frame];
    let call = match code {
        Callee::Direct(f) => e.b.ins().call(f, &args),
        Callee::Indirect(code) => e.b.ins().call_indirect(e.sigs.entry, code, &args),
    };
    let (status, value) = match *e.b.inst_results(call) {
        [status, value] => (status, value),
        _ => return Err("a compiled entry without its two results".into()),
    };
    let failed = e.b.ins().icmp_imm_u(
        IntCC::UnsignedGreaterThanOrEqual,
        status,
        abi::STATUS_TRAPPED as i64,
    );
    let returned = e.b.create_block();
    // On a failure the callee's frames stay for the stack trace.
    e.b.ins()
        .brif(failed, e.trapped, &NO_ARGS, returned, &NO_ARGS);

    // The callee returned: pop its frame and take its result. It may have
    // collected, so the references are read back (as after any call).
    e.b.switch_to_block(returned);
    pop_frame(e, pushed);
    if target.returns_value {
        e.st(site.a, value);
    }
    e.b.ins().jump(next, &NO_ARGS);
    Ok(())
}

/// A frame `push_frame` pushed: where its record and registers are, and
/// the frame count to restore when it is popped.
#[derive(Clone, Copy)]
pub(crate) struct Pushed {
    pub frame: Value,
    pub regs: Value,
    len: Value,
    len_at: Value,
}

/// The interpreter's `push_frame`, inline: records the caller's pc, puts
/// the arguments in the callee's first registers and zeroes its reference
/// registers' slots, stores the caller's references (the callee may
/// collect), and writes the callee's record at `new_frame`.
#[allow(clippy::too_many_arguments)]
fn push_frame(
    e: &mut Emit<'_, '_>,
    req: &CompileRequest<'_>,
    pc: usize,
    site: Site,
    to: Target,
    new_frame: Value,
    new_regs: Value,
    regs_end: Value,
) -> Result<Pushed, String> {
    let callee = to.func;
    let (Some(me), Some(target)) = (
        req.funcs.get(req.func as usize),
        req.funcs.get(callee as usize),
    ) else {
        return Err(format!("a call of unknown function {callee}"));
    };
    let Site { a, b, n } = site;
    let pc_value = e.int(pc as i64);
    e.b.ins()
        .istore32(e.mem.frame, pc_value, e.frame, abi::FRAME_PC_OFFSET as i32);
    let nargs = u32::from(n).min(target.nregs);
    for i in 0..nargs {
        let v = e.ld(b + i as u16);
        e.b.ins().store(e.mem.frame, v, new_regs, 8 * i as i32);
    }
    // Only the callee's references need zero slots (the collector reads
    // them before the callee first stores them); its compiled code starts
    // every other register at zero in its variable (`declare_registers`).
    match (req.body)(callee) {
        Some(body) => {
            for r in nargs..target.nregs {
                if body.reg_is_ref.get(r as usize).copied().unwrap_or(true) {
                    let zero = e.int(0);
                    e.b.ins().store(e.mem.frame, zero, new_regs, 8 * r as i32);
                }
            }
        }
        None => zero_registers(e, new_regs, nargs, target.nregs, regs_end),
    }
    // The callee may collect: the caller's references go to their slots.
    e.flush_refs();
    // The record in three word stores: (function, base), (pc 0, result
    // register and padding), the closure (nil for a plain call).
    let base =
        e.b.ins()
            .uload32(e.mem.frame, e.frame, abi::FRAME_BASE_OFFSET as i32);
    let new_base = e.b.ins().iadd_imm_s(base, me.nregs as i64);
    let high = e.b.ins().ishl_imm_u(new_base, 32);
    let func_and_base = e.b.ins().bor_imm_u(high, i64::from(callee));
    e.b.ins().store(
        e.mem.frame,
        func_and_base,
        new_frame,
        abi::FRAME_FUNC_OFFSET as i32,
    );
    let pc_and_dest = e.int(i64::from(a) << 32);
    e.b.ins().store(
        e.mem.frame,
        pc_and_dest,
        new_frame,
        abi::FRAME_PC_OFFSET as i32,
    );
    let closure = to.closure.unwrap_or_else(|| e.int(0));
    e.b.ins().store(
        e.mem.frame,
        closure,
        new_frame,
        abi::FRAME_CLOSURE_OFFSET as i32,
    );
    let len_at = e.ctx_field(abi::CTX_FRAMES_LEN);
    let len = e.load_at(len_at, 0);
    let pushed = e.b.ins().iadd_imm_s(len, 1);
    e.b.ins().store(flags(), pushed, len_at, 0);
    Ok(Pushed {
        frame: new_frame,
        regs: new_regs,
        len,
        len_at,
    })
}

/// Pops the frame `pushed` after its function returned, and reads the
/// caller's references back: the callee may have collected (and moved
/// what they point at).
pub(crate) fn pop_frame(e: &mut Emit<'_, '_>, pushed: Pushed) {
    e.b.ins().store(flags(), pushed.len, pushed.len_at, 0);
    e.reload_refs();
}

/// How a direct call reaches its callee's code.
enum Callee {
    /// The function being compiled, calling itself.
    Direct(FuncRef),
    /// The code read from the callee's entry slot.
    Indirect(Value),
}

// The frame record is written as three little-endian words: the function
// with the base above it, then the pc with the result register above it
// (the two bytes after `dest` are padding), then the closure.
const _: () = assert!(abi::FRAME_BASE_OFFSET == abi::FRAME_FUNC_OFFSET + 4);
const _: () = assert!(abi::FRAME_DEST_OFFSET == abi::FRAME_PC_OFFSET + 4);
const _: () = assert!(abi::FRAME_PC_OFFSET == abi::FRAME_FUNC_OFFSET + 8);
const _: () = assert!(abi::FRAME_CLOSURE_OFFSET == abi::FRAME_PC_OFFSET + 8);
const _: () = assert!(abi::FRAME_REC_BYTES == abi::FRAME_CLOSURE_OFFSET + 8);

/// Zeroes registers `from..to` of the frame whose register 0 is at `regs`
/// (and which ends at `regs_end`), as `push_frame` does: one store each
/// for a few, a loop for many.
fn zero_registers(e: &mut Emit<'_, '_>, regs: Value, from: u32, to: u32, regs_end: Value) {
    if from >= to {
        return;
    }
    let zero = e.int(0);
    if to - from <= UNROLLED_ZEROES {
        for i in from..to {
            e.b.ins().store(e.mem.frame, zero, regs, 8 * i as i32);
        }
        return;
    }
    let head = e.b.create_block();
    let body = e.b.create_block();
    let done = e.b.create_block();
    let at = e.b.append_block_param(head, types::I64);
    let start = e.b.ins().iadd_imm_s(regs, 8 * from as i64);
    e.b.ins().jump(head, &[BlockArg::Value(start)]);
    e.b.switch_to_block(head);
    let more = e.b.ins().icmp(IntCC::UnsignedLessThan, at, regs_end);
    e.b.ins().brif(more, body, &NO_ARGS, done, &NO_ARGS);
    e.b.switch_to_block(body);
    e.b.ins().store(e.mem.frame, zero, at, 0);
    let step = e.b.ins().iadd_imm_s(at, 8);
    e.b.ins().jump(head, &[BlockArg::Value(step)]);
    e.b.switch_to_block(done);
}
