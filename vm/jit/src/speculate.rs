//! Tier 2's speculation and the way out of it.
//!
//! Tier-2 code is compiled from a profile (`CompileRequest::profile`): at a
//! trait or closure call whose site saw a single receiver struct or
//! closure function in the interpreter, it tests the object's header for
//! that one and calls (or inlines) its target directly (`call::dispatch`).
//! Anything else leaves the compiled code at that instruction: a side exit,
//! after which the interpreter carries the frame on from the call to its
//! return (`Helpers::side_exit`), profiling the call as it goes. Tier-1
//! code counts its calls and backward branches toward tier 2 here too
//! (`count_toward_tier_up`, `count_toward_loop_tier_up`), and at a hot
//! loop's header goes on in tier-2 code (on-stack replacement).

use crate::emit::{flags, Emit, NO_ARGS};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Block, InstBuilder};
use lang_bytecode::Instr;
use lang_vm::abi::{self, CompileRequest};

/// The aux word tier 2 speculates the call at `pc` finds in its receiver's
/// (or closure's) header: the only one its profile saw. `None` at tier 1,
/// for a site that saw none or several, and inside an inlined callee
/// (whose instructions are not the profiled function's, and where no side
/// exit could hand the right frame to the interpreter).
pub(crate) fn profiled_key(e: &Emit<'_, '_>, req: &CompileRequest<'_>, pc: usize) -> Option<u32> {
    if req.tier != abi::TIER_OPTIMISED || e.bailout.is_some() || e.in_framed {
        return None;
    }
    match req.profile.get(pc).copied()? {
        abi::PROFILE_UNSEEN | abi::PROFILE_POLYMORPHIC => None,
        tag => Some(tag - 1),
    }
}

/// Ends the current block with a side exit at the instruction `ins` at
/// `pc`, which compiled code has not carried out: stores every register
/// the interpreter may read, lets the interpreter run the frame from `pc`
/// to its return, and returns what it gives.
pub(crate) fn side_exit(e: &mut Emit<'_, '_>, req: &CompileRequest<'_>, pc: usize, ins: Instr) {
    // What the instruction reads and every live reference, as for a call;
    // then every register that is not a reference. A dead reference's
    // variable may be stale after a collection; its slot holds what the
    // collector kept valid, and nothing reads it before writing it.
    e.flush_for(ins);
    flush_scalars(e, req.reg_is_ref);
    let helper = e.int(e.helpers.side_exit as i64);
    let at = e.int(pc as i64);
    let call = e.b.ins().call_indirect(e.sigs.exit, helper, &[e.ctx, at]);
    let results = e.b.inst_results(call).to_vec();
    e.b.ins().return_(&results);
}

/// In the entry block of tier-1 code that tiers up: decrements the
/// function's count (`CompileRequest::tier_up`) and calls the `tier_up`
/// helper when it reaches 0. The helper touches neither registers nor the
/// heap, so nothing is stored or read back around it.
pub(crate) fn count_toward_tier_up(e: &mut Emit<'_, '_>, req: &CompileRequest<'_>) {
    if req.tier_up == 0 || req.entry_pc != 0 {
        return;
    }
    let at = e.int(req.tier_up as i64);
    let left = e.b.ins().load(types::I32, flags(), at, 0);
    let left = e.b.ins().iadd_imm_s(left, -1);
    e.b.ins().store(flags(), left, at, 0);
    let up = e.b.create_block();
    e.b.set_cold_block(up);
    let go_on = e.b.create_block();
    let done = e.b.ins().icmp_imm_s(IntCC::Equal, left, 0);
    e.b.ins().brif(done, up, &NO_ARGS, go_on, &NO_ARGS);
    e.b.switch_to_block(up);
    e.call_pc(e.helpers.tier_up, req.func as usize);
    e.b.ins().jump(go_on, &NO_ARGS);
    e.b.switch_to_block(go_on);
}

/// Stores every register that does not hold a reference (`reg_is_ref`
/// false): what the interpreter, or code entered at a loop, reads of them.
fn flush_scalars(e: &mut Emit<'_, '_>, reg_is_ref: &[bool]) {
    let scalars: Vec<u16> = (0..reg_is_ref.len())
        .filter(|&r| !reg_is_ref[r])
        .filter_map(|r| u16::try_from(r).ok())
        .collect();
    e.flush(scalars);
}

/// At a backward branch of tier-1 code to the loop header `target`, in a
/// block that goes on to `dest` (the header's block): decrements the
/// function's count of backward branches (`CompileRequest::loop_tier_up`)
/// and, when it reaches 0, asks the `loop_tier_up` helper for tier-2 code
/// entered at `target`. With some, the frame goes on there: every
/// register it reads is stored (the live references and every other
/// register; a dead reference's slot holds what the collector kept
/// valid), the code is called on this frame, and what it returns is
/// returned. The helper touches neither registers nor the heap.
pub(crate) fn count_toward_loop_tier_up(e: &mut Emit<'_, '_>, target: u32, dest: Block) {
    let at = e.int(e.loop_tier_up as i64);
    let left = e.b.ins().load(types::I32, flags(), at, 0);
    let left = e.b.ins().iadd_imm_s(left, -1);
    e.b.ins().store(flags(), left, at, 0);
    let up = e.b.create_block();
    e.b.set_cold_block(up);
    let done = e.b.ins().icmp_imm_s(IntCC::Equal, left, 0);
    e.b.ins().brif(done, up, &NO_ARGS, dest, &NO_ARGS);

    e.b.switch_to_block(up);
    let helper = e.int(e.helpers.loop_tier_up as i64);
    let func = e.int(i64::from(e.self_func));
    let pc = e.int(i64::from(target));
    let call =
        e.b.ins()
            .call_indirect(e.sigs.osr, helper, &[e.ctx, func, pc]);
    let code = e.b.inst_results(call)[0];
    let enter = e.b.create_block();
    e.b.set_cold_block(enter);
    e.b.ins().brif(code, enter, &NO_ARGS, dest, &NO_ARGS);

    e.b.switch_to_block(enter);
    e.flush_refs();
    let refs = e.ref_regs.clone();
    let reg_is_ref: Vec<bool> = (0..e.vars.len())
        .map(|r| u16::try_from(r).is_ok_and(|r| refs.contains(&r)))
        .collect();
    flush_scalars(e, &reg_is_ref);
    let call =
        e.b.ins()
            .call_indirect(e.sigs.entry, code, &[e.ctx, e.regs, e.frame]);
    let results = e.b.inst_results(call).to_vec();
    e.b.ins().return_(&results);
}
