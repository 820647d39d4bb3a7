//! Allocation of fixed-size objects (`closure`, `cell.new`, `new.st`,
//! `new.en`) inline: when the heap's bump allocator has room and no stress
//! collection is due, compiled code bumps the allocator's cursor itself,
//! writes the header, the slots from the operand registers and zeroes the
//! rest, exactly as the heap's own fast path (`Heap::alloc_raw`) and the
//! interpreter's `op_new_fixed` do. Everything else (a full buffer, a large
//! object, a plan without a bump allocator, a stress collection due) goes
//! through `step`, which allocates through the heap and may collect.

use crate::emit::{flags, Emit, NO_ARGS};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, InstBuilder};
use lang_bytecode::Instr;
use lang_vm::abi::{self, CompileRequest, FixedObject};

/// Objects up to this many bytes are allocated inline: 256 bytes is a
/// header and 31 slots, more than nearly every struct, enum value, cell and
/// closure has, and few enough stores to keep the code small. Bigger ones
/// go through the runtime.
const INLINE_MAX_BYTES: u32 = 256;

/// Translates `ins` at `pc`, which writes the new object `obj` to register
/// `a` and fills its first slots from registers `b..`, then goes on to
/// `next`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fixed(
    e: &mut Emit<'_, '_>,
    req: &CompileRequest<'_>,
    pc: usize,
    ins: Instr,
    obj: FixedObject,
    a: u16,
    b: u16,
    next: Block,
) {
    if obj.bytes > INLINE_MAX_BYTES {
        e.step(pc, ins, next);
        return;
    }
    let bytes = i64::from(obj.bytes);
    let check_buffer = e.b.create_block();
    let fast = e.b.create_block();
    let slow = e.b.create_block();
    e.b.set_cold_block(slow);

    // The heap allows the fast path: a bump allocator whose objects may be
    // this big, and no stress collection at this allocation (its count must
    // stay above 1, as `alloc_raw` counts it down first).
    let state = e.ctx_field(abi::CTX_ALLOC);
    let max_bump = e.load_at(state, abi::ALLOC_MAX_BUMP_OFFSET as i32);
    let small =
        e.b.ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, max_bump, bytes);
    let left = e.load_at(state, abi::ALLOC_STRESS_LEFT_OFFSET as i32);
    let no_stress = e.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThan, left, 1);
    let allowed = e.b.ins().band(small, no_stress);
    e.b.ins()
        .brif(allowed, check_buffer, &NO_ARGS, slow, &NO_ARGS);

    // The buffer has room.
    e.b.switch_to_block(check_buffer);
    let bump = e.load_at(state, abi::ALLOC_BUMP_OFFSET as i32);
    let cursor = e.load_at(bump, abi::BUMP_CURSOR_OFFSET as i32);
    let limit = e.load_at(bump, abi::BUMP_LIMIT_OFFSET as i32);
    let end = e.b.ins().iadd_imm_s(cursor, bytes);
    let room = e.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, end, limit);
    e.b.ins().brif(room, fast, &NO_ARGS, slow, &NO_ARGS);

    // Take the bytes, count them, and initialise the object.
    e.b.switch_to_block(fast);
    e.b.ins()
        .store(flags(), end, bump, abi::BUMP_CURSOR_OFFSET as i32);
    let left = e.b.ins().iadd_imm_s(left, -1);
    e.b.ins()
        .store(flags(), left, state, abi::ALLOC_STRESS_LEFT_OFFSET as i32);
    let allocated = e.load_at(state, abi::ALLOC_ALLOCATED_OFFSET as i32);
    let allocated = e.b.ins().iadd_imm_s(allocated, bytes);
    e.b.ins().store(
        flags(),
        allocated,
        state,
        abi::ALLOC_ALLOCATED_OFFSET as i32,
    );
    let o = cursor;
    let header = e.int(obj.header as i64);
    e.b.ins().store(e.mem.meta, header, o, 0);
    for i in 0..obj.fill {
        let r = b + i;
        let v = e.ld_raw(r);
        let slot = e.int(i64::from(i));
        let is_ref = req.reg_is_ref.get(r as usize).copied().unwrap_or(true);
        e.store_slot(o, slot, v, is_ref);
    }
    let zero = e.int(0);
    let mut offset = abi::slot_offset(obj.fill as usize) as i64;
    while offset < bytes {
        e.b.ins().store(e.mem.body, zero, o, offset as i32);
        offset += abi::SLOT_BYTES as i64;
    }
    e.st(a, o);
    e.b.ins().jump(next, &NO_ARGS);

    e.b.switch_to_block(slow);
    e.step(pc, ins, next);
}
