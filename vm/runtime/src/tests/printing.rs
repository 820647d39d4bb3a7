//! The printed form of every kind of value.

use super::*;
use lang_bytecode::{Field, StructDef, Type};

#[test]
fn every_type_prints_as_the_card_says() {
    let m = listing(
        r#"
module "prog.src"
entry <main>

types:
  t0    int
  t1    float
  t2    bool
  t3    str
  t4    P
  t5    E
  t6    [float]
  t7    [[float]]
  t8    {int: str}
  t9    fn(int) -> int

structs:
  struct P { name: str, ok: bool }

enums:
  enum E { S(str, int) }

constants:
  k0    "say \"hi\"\n"
  k1    0.1
  k2    1e16
  k3    1.5e-7

fn fib(int) -> int  ; f0
  regs: r0: int, r1: int, r2: int, r3: int
     0     3  ld.i      r1, 2
     1     4  jge.i     r0, r1, @3
     2     5  ret       r0
     3     6  addk.i    r1, r0, -1
     4     7  call      r2, fib, r1, 1
     5     8  addk.i    r1, r0, -2
     6     9  call      r3, fib, r1, 1
     7    10  add.i     r2, r2, r3
     8    11  ret       r2

fn <main>()  ; f1
  regs: r0: str, r1: bool, r2: P, r3: int, r4: E, r5: float, r6: float, r7: [float], r8: [[float]], r9: {int: str}, r10: fn(int) -> int, r11: P, r12: str, r13: str, r14: int, r15: [float]
     0     1  ld.k      r0, k0
     1     2  print     r0, str, 1
     2     3  ld.b      r1, 1
     3     4  new.st    r2, P, r0, 2
     4     5  print     r2, P, 1
     5     6  mov       r13, r0
     6     7  ld.i      r14, -5
     7     8  new.en    r4, E, 0, r13, 2
     8     9  print     r4, E, 1
     9    10  ld.k      r5, k1
    10    11  ld.k      r6, k2
    11    12  new.arr   r7, [float], r5, 2
    12    13  ld.k      r5, k3
    13    14  ld.i      r3, 10
    14    15  i2f       r6, r3
    15    16  new.arr   r15, [float], r5, 2
    16    17  new.arr   r8, [[float]], r7, 0
    17    18  push      r8, r7
    18    19  push      r8, r15
    19    20  print     r8, [[float]], 1
    20    21  new.map   r9, {int: str}
    21    22  print     r9, {int: str}, 1
    22    23  mset      r9, r3, r0
    23    24  print     r9, {int: str}, 1
    24    25  closure   r10, fib, r0, 0
    25    26  print     r10, fn(int) -> int, 1
    26    27  ld.nil    r11
    27    28  print     r11, P, 1
    28    29  ld.nil    r10
    29    30  print     r10, fn(int) -> int, 1
    30    31  ld.b      r1, 0
    31    32  print     r1, bool, 0
    32    33  tostr     r12, r2, P
    33    34  concat    r12, r12, r12
    34    35  print     r12, str, 1
    35    36  ret.v
"#,
    );
    assert_eq!(
        run_ok(m),
        concat!(
            "say \"hi\"\n\n",
            "P { name: \"say \\\"hi\\\"\\n\", ok: true }\n",
            "E::S(\"say \\\"hi\\\"\\n\", -5)\n",
            "[[0.1, 1e16], [1.5e-7, 10.0]]\n",
            "{}\n",
            "{10: \"say \\\"hi\\\"\\n\"}\n",
            "<fn fib>\n",
            "nil\n",
            "nil\n",
            "falseP { name: \"say \\\"hi\\\"\\n\", ok: true }P { name: \"say \\\"hi\\\"\\n\", ok: true }\n",
        )
    );
}

/// `struct Node { next: Node }` pointing at itself prints `...` for the
/// cycle instead of hanging.
#[test]
fn cycles_print_as_ellipsis() {
    let mut a = Asm::new();
    a.m.structs.push(StructDef {
        name: "Node".into(),
        fields: vec![
            Field {
                name: "v".into(),
                ty: I,
            },
            Field {
                name: "next".into(),
                ty: 4,
            },
        ],
    });
    let node = a.ty(Type::Struct(0));
    assert_eq!(node, 4);
    let arr = a.ty(Type::Array(node));
    a.entry(
        &[I, node, node, arr],
        vec![
            Instr::LoadInt { a: 0, imm: 1 },
            Instr::LoadNil { a: 1 },
            Instr::NewStruct {
                a: 2,
                t: node,
                b: 0,
                n: 2,
            },
            Instr::SetField { a: 2, i: 1, b: 2 },
            Instr::Print {
                b: 2,
                t: node,
                nl: 1,
            },
            Instr::NewArray {
                a: 3,
                t: arr,
                b: 2,
                n: 1,
            },
            Instr::ArrPush { a: 3, b: 2 },
            Instr::Print {
                b: 3,
                t: arr,
                nl: 1,
            },
            Instr::RetVoid {},
        ],
    );
    assert_eq!(
        run_ok(a.finish()),
        "Node { v: 1, next: ... }\n[Node { v: 1, next: ... }, Node { v: 1, next: ... }]\n"
    );
}

/// A list nested deeper than the print limit stops with `...` instead of
/// overflowing the Rust stack.
#[test]
fn deep_nesting_is_cut_off() {
    let mut a = Asm::new();
    a.m.structs.push(StructDef {
        name: "L".into(),
        fields: vec![Field {
            name: "next".into(),
            ty: 4,
        }],
    });
    let l = a.ty(Type::Struct(0));
    a.entry(
        &[l, I, I, S, I],
        vec![
            Instr::LoadNil { a: 0 },
            Instr::LoadInt { a: 1, imm: 0 },
            Instr::LoadInt { a: 2, imm: 100_000 },
            Instr::JmpGeI {
                a: 1,
                b: 2,
                target: 7,
            },
            Instr::NewStruct {
                a: 0,
                t: l,
                b: 0,
                n: 1,
            },
            Instr::AddImmI { a: 1, b: 1, imm: 1 },
            Instr::Jmp { target: 3 },
            Instr::ToStr { a: 3, b: 0, t: l },
            Instr::StrLen { a: 4, b: 3 },
            Instr::Print { b: 4, t: I, nl: 1 },
            Instr::RetVoid {},
        ],
    );
    // "L { next: " is 10 bytes and " }" 2, for each of the 200 levels, and
    // "..." in the middle.
    let depth = crate::print::MAX_PRINT_DEPTH;
    assert_eq!(run_ok(a.finish()), format!("{}\n", depth * 12 + 3));
}
