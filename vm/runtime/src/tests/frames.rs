//! A frame's registers start zero (0, 0.0, false, nil, `""`) whatever an
//! earlier call left in the same stack slots: verified bytecode may read a
//! register it never wrote, and must not see another frame's values.

use super::*;
use lang_bytecode::Type;

/// Adds `leave()`, which stores a string in r0 and an array in r1 and
/// returns, leaving both addresses in the stack slots the next call's frame
/// will use.
fn add_leave(a: &mut Asm) -> u32 {
    let arr = a.ty(Type::Array(I));
    let secret = a.s("secret");
    a.func(
        "leave",
        &[],
        None,
        &[S, arr],
        vec![
            Instr::LoadK { a: 0, k: secret },
            Instr::NewArray {
                a: 1,
                t: arr,
                b: 0,
                n: 0,
            },
            Instr::RetVoid {},
        ],
    )
}

/// The entry: `leave()` then `peek()`, both with frames at the same base
/// (the entry has no registers of its own).
fn call_leave_then(a: &mut Asm, leave: u32, peek: u32) {
    a.entry(
        &[],
        vec![
            Instr::Call {
                a: 0,
                f: leave,
                b: 0,
                n: 0,
            },
            Instr::Call {
                a: 0,
                f: peek,
                b: 0,
                n: 0,
            },
            Instr::RetVoid {},
        ],
    );
}

#[test]
fn untouched_plain_registers_read_as_zero_not_an_earlier_frames_pointers() {
    let mut a = Asm::new();
    let leave = add_leave(&mut a);
    let peek = a.func(
        "peek",
        &[],
        None,
        &[I, I, B, F],
        vec![
            Instr::Print { b: 0, t: I, nl: 1 },
            Instr::Print { b: 1, t: I, nl: 1 },
            Instr::Print { b: 2, t: B, nl: 1 },
            Instr::Print { b: 3, t: F, nl: 1 },
            Instr::RetVoid {},
        ],
    );
    call_leave_then(&mut a, leave, peek);
    assert_eq!(run_ok(a.finish()), "0\n0\nfalse\n0.0\n");
}

#[test]
fn an_untouched_bool_register_is_false_so_a_map_cannot_get_two_true_keys() {
    let mut a = Asm::new();
    let leave = add_leave(&mut a);
    let map_t = a.ty(Type::Map(B, I));
    // r0 is never written: it must be false, not the string's address.
    let peek = a.func(
        "peek",
        &[],
        None,
        &[B, map_t, I, B],
        vec![
            Instr::NewMap { a: 1, t: map_t },
            Instr::LoadInt { a: 2, imm: 1 },
            Instr::LoadBool { a: 3, v: 1 },
            Instr::MapSet { a: 1, b: 0, c: 2 },
            Instr::MapSet { a: 1, b: 3, c: 2 },
            Instr::Print {
                b: 1,
                t: map_t,
                nl: 1,
            },
            Instr::RetVoid {},
        ],
    );
    call_leave_then(&mut a, leave, peek);
    assert_eq!(run_ok(a.finish()), "{false: 1, true: 1}\n");
}

#[test]
fn registers_past_the_arguments_start_zero_in_every_call() {
    // `f(x)` reads its untouched r1 after the previous call of `f` stored
    // into it: every call must see 0 again.
    let mut a = Asm::new();
    let f = a.func(
        "f",
        &[I],
        None,
        &[I, I],
        vec![
            Instr::Print { b: 1, t: I, nl: 1 },
            Instr::Mov { a: 1, b: 0 },
            Instr::RetVoid {},
        ],
    );
    a.entry(
        &[I],
        vec![
            Instr::LoadInt { a: 0, imm: 7 },
            Instr::Call {
                a: 0,
                f,
                b: 0,
                n: 1,
            },
            Instr::Call {
                a: 0,
                f,
                b: 0,
                n: 1,
            },
            Instr::RetVoid {},
        ],
    );
    assert_eq!(run_ok(a.finish()), "0\n0\n");
}
