//! The `extern "C"` helpers compiled code calls (see `abi::Helpers` for
//! their contracts). Each turns the context back into the VM, does its work
//! with the interpreter's own functions, and reports a failure by recording
//! it in the VM and returning `STATUS_TRAPPED`, so that compiled code and
//! the interpreter fail with the same errors and the same traces.
//!
//! Compiled code calls helpers only from the innermost frame, so the frame
//! a helper works on is always the last frame record.

use crate::abi::{
    EntryResult, Helpers, JitCtx, MAP_STR_KEYS, MAP_VAL_REF, STATUS_RETURNED,
    STATUS_RETURNED_VALUE, STATUS_TRAPPED,
};
use crate::interp::{Vm, INTERRUPT};
use crate::objects::map;
use crate::program::KeyKind;
use crate::trap::{Trap, TrapKind};
use std::sync::atomic::Ordering;

/// The helpers' addresses.
pub(crate) fn table() -> Helpers {
    Helpers {
        call: jit_call as extern "C" fn(*mut JitCtx, u64) -> u64 as usize,
        step: jit_step as extern "C" fn(*mut JitCtx, u64) -> u64 as usize,
        fail: jit_fail as extern "C" fn(*mut JitCtx, u64) -> u64 as usize,
        interrupt: jit_interrupt as extern "C" fn(*mut JitCtx, u64) -> u64 as usize,
        barrier: jit_barrier as extern "C" fn(*mut JitCtx, u64, u64, u64) as usize,
        str_cmp: jit_str_cmp as extern "C" fn(u64, u64) -> i64 as usize,
        fmod: jit_fmod as extern "C" fn(f64, f64) -> f64 as usize,
        map_get_int: jit_map_get::<false> as extern "C" fn(*mut JitCtx, u64, u64, u64) -> u64
            as usize,
        map_get_str: jit_map_get::<true> as extern "C" fn(*mut JitCtx, u64, u64, u64) -> u64
            as usize,
        map_set: jit_map_set as extern "C" fn(*mut JitCtx, u64, u64, u64, u64, u64) -> u64 as usize,
        interrupt_flag: INTERRUPT.as_ptr() as usize,
        tier_up: jit_tier_up as extern "C" fn(*mut JitCtx, u64) -> u64 as usize,
        side_exit: jit_side_exit as extern "C" fn(*mut JitCtx, u64) -> EntryResult as usize,
        loop_tier_up: jit_loop_tier_up as extern "C" fn(*mut JitCtx, u64, u64) -> u64 as usize,
    }
}

/// The VM behind a context.
///
/// # Safety
/// `ctx` is the context of the running VM, whose `vm` field `enter_compiled`
/// set to that VM before entering compiled code; the VM is not otherwise
/// borrowed while compiled code runs.
unsafe fn vm_of<'a>(ctx: *mut JitCtx) -> &'a mut Vm<'a> {
    unsafe { &mut *((*ctx).vm as *mut Vm<'a>) }
}

/// The status for a helper's result, recording a failure.
fn status(vm: &mut Vm<'_>, r: Result<(), Trap>) -> u64 {
    match r {
        Ok(()) => STATUS_RETURNED,
        Err(t) => {
            vm.tiers.pending = Some(t);
            STATUS_TRAPPED
        }
    }
}

extern "C" fn jit_call(ctx: *mut JitCtx, pc: u64) -> u64 {
    // SAFETY: compiled code passes the context it was entered with.
    let vm = unsafe { vm_of(ctx) };
    let r = vm.call_from_compiled(pc as usize);
    status(vm, r)
}

extern "C" fn jit_step(ctx: *mut JitCtx, pc: u64) -> u64 {
    // SAFETY: as for `jit_call`.
    let vm = unsafe { vm_of(ctx) };
    let r = vm.step(pc as usize);
    status(vm, r)
}

extern "C" fn jit_fail(ctx: *mut JitCtx, pc: u64) -> u64 {
    // SAFETY: as for `jit_call`.
    let vm = unsafe { vm_of(ctx) };
    let r = match vm.step(pc as usize) {
        Err(t) => Err(t),
        Ok(()) => Err(crate::trap::internal(format!(
            "compiled code's check failed at instruction {pc}, but the instruction did not"
        ))),
    };
    status(vm, r)
}

extern "C" fn jit_interrupt(ctx: *mut JitCtx, pc: u64) -> u64 {
    // SAFETY: as for `jit_call`.
    let vm = unsafe { vm_of(ctx) };
    INTERRUPT.store(false, Ordering::Relaxed);
    vm.set_pc(pc as usize);
    status(vm, Err(Trap::error(TrapKind::Interrupted)))
}

extern "C" fn jit_tier_up(ctx: *mut JitCtx, func: u64) -> u64 {
    // SAFETY: as for `jit_call`.
    let vm = unsafe { vm_of(ctx) };
    if let Ok(f) = u32::try_from(func) {
        vm.tiers.tier_up(vm.state.prog, f);
    }
    STATUS_RETURNED
}

extern "C" fn jit_loop_tier_up(ctx: *mut JitCtx, func: u64, pc: u64) -> u64 {
    // SAFETY: as for `jit_call`.
    let vm = unsafe { vm_of(ctx) };
    let (Ok(f), Ok(pc)) = (u32::try_from(func), u32::try_from(pc)) else {
        return 0;
    };
    vm.tiers
        .loop_tier_up(vm.state.prog, f, pc)
        .map_or(0, |code| code as u64)
}

extern "C" fn jit_side_exit(ctx: *mut JitCtx, pc: u64) -> EntryResult {
    // SAFETY: as for `jit_call`.
    let vm = unsafe { vm_of(ctx) };
    match vm.side_exit(pc as usize) {
        Ok(Some(value)) => EntryResult {
            status: STATUS_RETURNED_VALUE,
            value,
        },
        Ok(None) => EntryResult {
            status: STATUS_RETURNED,
            value: 0,
        },
        Err(t) => EntryResult {
            status: status(vm, Err(t)),
            value: 0,
        },
    }
}

extern "C" fn jit_barrier(ctx: *mut JitCtx, object: u64, slot: u64, value: u64) {
    // SAFETY: as for `jit_call`.
    let vm = unsafe { vm_of(ctx) };
    vm.state.heap.barrier_slow(object, slot, value);
}

/// `map.get(key, default)` straight from compiled code: the map lookup
/// alone, without `step`'s decoding of the instruction and its operands'
/// types (compiled code knows them). `STR` picks the key kind; int and bool
/// keys hash and compare alike, so one kind serves both.
extern "C" fn jit_map_get<const STR: bool>(
    ctx: *mut JitCtx,
    m: u64,
    key: u64,
    default: u64,
) -> u64 {
    // SAFETY: as for `jit_call`.
    let vm = unsafe { vm_of(ctx) };
    let kind = if STR { KeyKind::Str } else { KeyKind::Int };
    map::get(&vm.state.heap, m, kind, key).unwrap_or(default)
}

/// `mset` straight from compiled code, which has checked that the map is
/// not nil and stored its reference registers (the insertion may collect).
extern "C" fn jit_map_set(
    ctx: *mut JitCtx,
    pc: u64,
    m: u64,
    key: u64,
    val: u64,
    flags: u64,
) -> u64 {
    // SAFETY: as for `jit_call`.
    let vm = unsafe { vm_of(ctx) };
    // A failure's stack trace points at this instruction.
    vm.set_pc(pc as usize);
    let kind = map::MapKind {
        key: if flags & MAP_STR_KEYS != 0 {
            KeyKind::Str
        } else {
            KeyKind::Int
        },
        val_ref: flags & MAP_VAL_REF != 0,
    };
    let r = map::insert(&mut vm.state.heap, m, kind, key, val);
    status(vm, r)
}

extern "C" fn jit_str_cmp(a: u64, b: u64) -> i64 {
    let (x, y) = (
        crate::heap::object::str_bytes(a),
        crate::heap::object::str_bytes(b),
    );
    x.cmp(y) as i64
}

extern "C" fn jit_fmod(x: f64, y: f64) -> f64 {
    x % y
}
