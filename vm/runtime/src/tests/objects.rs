//! Structs, enums, arrays, maps and their natives.

use super::*;
use lang_bytecode::{EnumDef, Field, Native, StructDef, Type, Variant};

fn native(n: Native) -> u16 {
    n as u16
}

#[test]
fn struct_fields_get_and_set() {
    let mut a = Asm::new();
    a.m.structs.push(StructDef {
        name: "Vec2".into(),
        fields: vec![
            Field {
                name: "x".into(),
                ty: F,
            },
            Field {
                name: "y".into(),
                ty: F,
            },
        ],
    });
    let v2 = a.ty(Type::Struct(0));
    let three = a.k(Const::Float(3.0));
    let four = a.k(Const::Float(4.0));
    let two = a.k(Const::Float(2.0));
    // fn scale(self, k) { self.x *= k; self.y *= k; }
    let scale = a.func(
        "Vec2::scale",
        &[v2, F],
        None,
        &[v2, F, F],
        vec![
            Instr::GetField { a: 2, b: 0, i: 0 },
            Instr::MulF { a: 2, b: 2, c: 1 },
            Instr::SetField { a: 0, i: 0, b: 2 },
            Instr::GetField { a: 2, b: 0, i: 1 },
            Instr::MulF { a: 2, b: 2, c: 1 },
            Instr::SetField { a: 0, i: 1, b: 2 },
            Instr::RetVoid {},
        ],
    );
    // r5 and r6 hold the arguments of `scale`: the struct and the factor.
    a.entry(
        &[F, F, v2, F, F, v2, F],
        vec![
            Instr::LoadK { a: 0, k: three },
            Instr::LoadK { a: 1, k: four },
            Instr::NewStruct {
                a: 2,
                t: v2,
                b: 0,
                n: 2,
            },
            Instr::LoadK { a: 3, k: two },
            Instr::Mov { a: 5, b: 2 },
            Instr::Mov { a: 6, b: 3 },
            Instr::Call {
                a: 4,
                f: scale,
                b: 5,
                n: 2,
            },
            Instr::Print { b: 2, t: v2, nl: 1 },
            // len = sqrt(x*x + y*y)
            Instr::GetField { a: 0, b: 2, i: 0 },
            Instr::MulF { a: 0, b: 0, c: 0 },
            Instr::GetField { a: 1, b: 2, i: 1 },
            Instr::MulF { a: 1, b: 1, c: 1 },
            Instr::AddF { a: 0, b: 0, c: 1 },
            Instr::CallNative {
                a: 4,
                native: native(Native::Sqrt),
                b: 0,
                n: 1,
            },
            Instr::Print { b: 4, t: F, nl: 1 },
            Instr::RetVoid {},
        ],
    );
    assert_eq!(run_ok(a.finish()), "Vec2 { x: 6.0, y: 8.0 }\n10.0\n");
}

/// `enum Shape { Circle(float), Rect(float, float), Empty }` and `area`.
#[test]
fn enums_carry_variants_and_payloads() {
    let mut a = Asm::new();
    a.m.enums.push(EnumDef {
        name: "Shape".into(),
        variants: vec![
            Variant {
                name: "Circle".into(),
                fields: vec![F],
            },
            Variant {
                name: "Rect".into(),
                fields: vec![F, F],
            },
            Variant {
                name: "Empty".into(),
                fields: vec![],
            },
        ],
    });
    let shape = a.ty(Type::Enum(0));
    let w = a.k(Const::Float(2.0));
    let h = a.k(Const::Float(3.5));
    let area = a.func(
        "area",
        &[shape],
        Some(F),
        &[shape, I, I, F, F, B],
        vec![
            Instr::EnumTag { a: 1, b: 0 },
            Instr::LoadInt { a: 2, imm: 1 },
            Instr::EqI { a: 5, b: 1, c: 2 },
            Instr::JmpIfNot { a: 5, target: 8 },
            Instr::GetPayload {
                a: 3,
                b: 0,
                v: 1,
                i: 0,
            },
            Instr::GetPayload {
                a: 4,
                b: 0,
                v: 1,
                i: 1,
            },
            Instr::MulF { a: 3, b: 3, c: 4 },
            Instr::Ret { a: 3 },
            Instr::LoadInt { a: 1, imm: 0 },
            Instr::IntToFloat { a: 3, b: 1 },
            Instr::Ret { a: 3 },
        ],
    );
    a.entry(
        &[F, F, shape, F, shape],
        vec![
            Instr::LoadK { a: 0, k: w },
            Instr::LoadK { a: 1, k: h },
            Instr::NewEnum {
                a: 2,
                t: shape,
                v: 1,
                b: 0,
                n: 2,
            },
            Instr::Print {
                b: 2,
                t: shape,
                nl: 1,
            },
            Instr::Call {
                a: 3,
                f: area,
                b: 2,
                n: 1,
            },
            Instr::Print { b: 3, t: F, nl: 1 },
            Instr::NewEnum {
                a: 4,
                t: shape,
                v: 2,
                b: 0,
                n: 0,
            },
            Instr::Print {
                b: 4,
                t: shape,
                nl: 1,
            },
            Instr::Call {
                a: 3,
                f: area,
                b: 4,
                n: 1,
            },
            Instr::Print { b: 3, t: F, nl: 1 },
            // Reading Rect's payload from Empty is an error.
            Instr::GetPayload {
                a: 3,
                b: 4,
                v: 1,
                i: 0,
            },
            Instr::RetVoid {},
        ],
    );
    let (r, out) = run(a.finish());
    assert_eq!(out, "Shape::Rect(2.0, 3.5)\n7.0\nShape::Empty\n0.0\n");
    assert_eq!(
        r.unwrap_err().message,
        "wrong enum variant: expected Shape::Rect, found Shape::Empty"
    );
}

#[test]
fn arrays_grow_and_their_natives_work() {
    let mut a = Asm::new();
    let arr = a.ty(Type::Array(I));
    let arr_s = a.ty(Type::Array(S));
    let sep = a.s(", ");
    let (kb, ka, kc) = (a.s("b"), a.s("a"), a.s("c"));
    a.entry(
        // r11..r14 hold the arguments of `remove` ([int], int), `join` and
        // `contains` ([str], str).
        &[arr, I, I, I, I, arr, arr_s, S, S, S, B, arr, I, arr_s, S],
        vec![
            // r0 = []; push 0..100
            Instr::NewArray {
                a: 0,
                t: arr,
                b: 1,
                n: 0,
            },
            Instr::LoadInt { a: 1, imm: 0 },
            Instr::LoadInt { a: 2, imm: 100 },
            Instr::JmpGeI {
                a: 1,
                b: 2,
                target: 7,
            },
            Instr::ArrPush { a: 0, b: 1 },
            Instr::AddImmI { a: 1, b: 1, imm: 1 },
            Instr::Jmp { target: 3 },
            // len, a[57], pop, remove(0), insert(0, 42)
            Instr::ArrLen { a: 3, b: 0 },
            Instr::Print { b: 3, t: I, nl: 1 },
            Instr::LoadInt { a: 1, imm: 57 },
            Instr::ArrGet { a: 3, b: 0, c: 1 },
            Instr::Print { b: 3, t: I, nl: 1 },
            Instr::CallNative {
                a: 3,
                native: native(Native::ArrPop),
                b: 0,
                n: 1,
            },
            Instr::Print { b: 3, t: I, nl: 1 },
            Instr::Mov { a: 11, b: 0 },
            Instr::LoadInt { a: 12, imm: 0 },
            Instr::CallNative {
                a: 3,
                native: native(Native::ArrRemove),
                b: 11,
                n: 2,
            },
            Instr::Print { b: 3, t: I, nl: 1 },
            // slice(0, 5), reverse, insert
            Instr::LoadInt { a: 1, imm: 0 },
            Instr::LoadInt { a: 2, imm: 5 },
            Instr::CallNative {
                a: 5,
                native: native(Native::ArrSlice),
                b: 0,
                n: 3,
            },
            Instr::CallNative {
                a: 4,
                native: native(Native::ArrReverse),
                b: 5,
                n: 1,
            },
            Instr::Print {
                b: 5,
                t: arr,
                nl: 1,
            },
            Instr::Mov { a: 0, b: 5 },
            Instr::LoadInt { a: 1, imm: 2 },
            Instr::LoadInt { a: 2, imm: 42 },
            Instr::CallNative {
                a: 4,
                native: native(Native::ArrInsert),
                b: 0,
                n: 3,
            },
            Instr::LoadInt { a: 1, imm: 42 },
            Instr::CallNative {
                a: 4,
                native: native(Native::ArrIndexOf),
                b: 0,
                n: 2,
            },
            Instr::Print { b: 4, t: I, nl: 1 },
            Instr::CallNative {
                a: 4,
                native: native(Native::ArrSort),
                b: 0,
                n: 1,
            },
            Instr::Print {
                b: 0,
                t: arr,
                nl: 1,
            },
            // ["b", "a", "c"].sort().join(", ")
            Instr::LoadK { a: 7, k: kb },
            Instr::LoadK { a: 8, k: ka },
            Instr::LoadK { a: 9, k: kc },
            Instr::NewArray {
                a: 6,
                t: arr_s,
                b: 7,
                n: 3,
            },
            Instr::CallNative {
                a: 4,
                native: native(Native::ArrSort),
                b: 6,
                n: 1,
            },
            Instr::Print {
                b: 6,
                t: arr_s,
                nl: 1,
            },
            Instr::Mov { a: 13, b: 6 },
            Instr::LoadK { a: 14, k: sep },
            Instr::CallNative {
                a: 9,
                native: native(Native::ArrJoin),
                b: 13,
                n: 2,
            },
            Instr::Print { b: 9, t: S, nl: 1 },
            // contains uses string equality by value
            Instr::LoadK { a: 14, k: kc },
            Instr::CallNative {
                a: 10,
                native: native(Native::ArrContains),
                b: 13,
                n: 2,
            },
            Instr::Print { b: 10, t: B, nl: 1 },
            Instr::CallNative {
                a: 4,
                native: native(Native::ArrClear),
                b: 6,
                n: 1,
            },
            Instr::Print {
                b: 6,
                t: arr_s,
                nl: 1,
            },
            Instr::RetVoid {},
        ],
    );
    assert_eq!(
        run_ok(a.finish()),
        "100\n57\n99\n0\n[5, 4, 3, 2, 1]\n2\n[1, 2, 3, 4, 5, 42]\n[\"a\", \"b\", \"c\"]\na, b, c\ntrue\n[]\n"
    );
}

#[test]
fn new_fill_makes_copies() {
    let mut a = Asm::new();
    let arr = a.ty(Type::Array(F));
    let half = a.k(Const::Float(0.5));
    a.entry(
        &[F, I, arr],
        vec![
            Instr::LoadK { a: 0, k: half },
            Instr::LoadInt { a: 1, imm: 3 },
            Instr::NewArrayFill {
                a: 2,
                t: arr,
                b: 0,
                c: 1,
            },
            Instr::Print {
                b: 2,
                t: arr,
                nl: 1,
            },
            Instr::LoadInt { a: 1, imm: -1 },
            Instr::NewArrayFill {
                a: 2,
                t: arr,
                b: 0,
                c: 1,
            },
            Instr::RetVoid {},
        ],
    );
    let (r, out) = run(a.finish());
    assert_eq!(out, "[0.5, 0.5, 0.5]\n");
    assert_eq!(r.unwrap_err().message, "negative array length: -1");
}

#[test]
fn maps_keep_insertion_order_and_remove() {
    let mut a = Asm::new();
    let map_t = a.ty(Type::Map(S, I));
    let arr_s = a.ty(Type::Array(S));
    let arr_i = a.ty(Type::Array(I));
    let keys: Vec<u32> = ["one", "two", "three", "four"]
        .iter()
        .map(|k| a.s(k))
        .collect();
    let missing = a.s("five");
    let mut code = vec![Instr::NewMap { a: 0, t: map_t }];
    for (i, k) in keys.iter().enumerate() {
        code.push(Instr::LoadK { a: 1, k: *k });
        code.push(Instr::LoadInt {
            a: 2,
            imm: i as i32 + 1,
        });
        code.push(Instr::MapSet { a: 0, b: 1, c: 2 });
    }
    code.extend([
        Instr::Print {
            b: 0,
            t: map_t,
            nl: 1,
        },
        // m["two"] = 22 replaces in place; remove("one"); m["one"] = 11 re-adds at the end.
        Instr::LoadK { a: 1, k: keys[1] },
        Instr::LoadInt { a: 2, imm: 22 },
        Instr::MapSet { a: 0, b: 1, c: 2 },
        Instr::Mov { a: 3, b: 0 },
        Instr::LoadK { a: 4, k: keys[0] },
        Instr::CallNative {
            a: 5,
            native: native(Native::MapRemove),
            b: 3,
            n: 2,
        },
        Instr::CallNative {
            a: 8,
            native: native(Native::MapHas),
            b: 3,
            n: 2,
        },
        Instr::Print { b: 8, t: B, nl: 1 },
        Instr::LoadInt { a: 2, imm: 11 },
        Instr::MapSet { a: 0, b: 4, c: 2 },
        Instr::Print {
            b: 0,
            t: map_t,
            nl: 1,
        },
        Instr::CallNative {
            a: 6,
            native: native(Native::MapKeys),
            b: 3,
            n: 1,
        },
        Instr::Print {
            b: 6,
            t: arr_s,
            nl: 1,
        },
        Instr::CallNative {
            a: 7,
            native: native(Native::MapValues),
            b: 3,
            n: 1,
        },
        Instr::Print {
            b: 7,
            t: arr_i,
            nl: 1,
        },
        Instr::CallNative {
            a: 2,
            native: native(Native::MapLen),
            b: 3,
            n: 1,
        },
        Instr::Print { b: 2, t: I, nl: 1 },
        // get with default
        Instr::LoadK { a: 4, k: missing },
        Instr::LoadInt { a: 5, imm: -1 },
        Instr::CallNative {
            a: 2,
            native: native(Native::MapGetOr),
            b: 3,
            n: 3,
        },
        Instr::Print { b: 2, t: I, nl: 1 },
        Instr::MapGet { a: 2, b: 0, c: 4 },
        Instr::RetVoid {},
    ]);
    // r8 is the result of `has`.
    a.entry(&[map_t, S, I, map_t, S, I, arr_s, arr_i, B], code);
    let (r, out) = run(a.finish());
    assert_eq!(
        out,
        "{\"one\": 1, \"two\": 2, \"three\": 3, \"four\": 4}\nfalse\n\
         {\"two\": 22, \"three\": 3, \"four\": 4, \"one\": 11}\n\
         [\"two\", \"three\", \"four\", \"one\"]\n[22, 3, 4, 11]\n4\n-1\n"
    );
    assert_eq!(r.unwrap_err().message, "key not found: \"five\"");
}

/// Many int keys: growth, rehashing and compaction after removals.
#[test]
fn maps_with_many_int_keys() {
    let mut a = Asm::new();
    let map_t = a.ty(Type::Map(I, I));
    a.entry(
        // r7 is the result of `has`.
        &[map_t, I, I, I, map_t, I, I, B],
        vec![
            Instr::NewMap { a: 0, t: map_t },
            Instr::LoadInt { a: 1, imm: 0 },
            Instr::LoadInt { a: 2, imm: 10_000 },
            Instr::JmpGeI {
                a: 1,
                b: 2,
                target: 15,
            },
            Instr::MulI { a: 3, b: 1, c: 1 },
            Instr::MapSet { a: 0, b: 1, c: 3 },
            Instr::LoadInt { a: 3, imm: 2 },
            Instr::RemI { a: 3, b: 1, c: 3 },
            Instr::LoadInt { a: 6, imm: 0 },
            Instr::JmpLtI {
                a: 6,
                b: 3,
                target: 13,
            },
            Instr::Mov { a: 4, b: 0 },
            Instr::Mov { a: 5, b: 1 },
            Instr::CallNative {
                a: 6,
                native: native(Native::MapRemove),
                b: 4,
                n: 2,
            },
            Instr::AddImmI { a: 1, b: 1, imm: 1 },
            Instr::Jmp { target: 3 },
            Instr::Mov { a: 4, b: 0 },
            Instr::CallNative {
                a: 3,
                native: native(Native::MapLen),
                b: 4,
                n: 1,
            },
            Instr::Print { b: 3, t: I, nl: 1 },
            Instr::LoadInt { a: 5, imm: 9_999 },
            Instr::MapGet { a: 3, b: 0, c: 5 },
            Instr::Print { b: 3, t: I, nl: 1 },
            Instr::LoadInt { a: 5, imm: 4 },
            Instr::CallNative {
                a: 7,
                native: native(Native::MapHas),
                b: 4,
                n: 2,
            },
            Instr::Print { b: 7, t: B, nl: 1 },
            Instr::RetVoid {},
        ],
    );
    assert_eq!(run_ok(a.finish()), "5000\n99980001\nfalse\n");
}

#[test]
fn string_natives() {
    // Each native's arguments sit in consecutive registers of its parameter
    // types, as the verifier requires.
    let m = listing(
        r#"
module "prog.src"
entry <main>

types:
  t0    int
  t1    float
  t2    bool
  t3    str
  t4    [str]

constants:
  k0    "  Hello, wörld  "
  k1    ","
  k2    "l"
  k3    "L"
  k4    "héllo"
  k5    "-42"
  k6    1.23456

fn <main>()  ; f0
  regs: r0: str, r1: str, r2: str, r3: str, r4: int, r5: int, r6: [str], r7: float, r8: int
     0     1  ld.k      r0, k0
     1     2  call.n    r1, str.trim, r0, 1
     2     3  print     r1, str, 1
     3     4  call.n    r2, str.to_upper, r1, 1
     4     5  print     r2, str, 1
     5     6  ld.k      r2, k1
     6     7  call.n    r6, str.split, r1, 2
     7     8  print     r6, [str], 1
     8     9  ld.k      r2, k2
     9    10  call.n    r4, str.find, r1, 2
    10    11  print     r4, int, 1
    11    12  ld.k      r3, k3
    12    13  call.n    r0, str.replace, r1, 3
    13    14  print     r0, str, 1
    14    15  ld.k      r0, k4
    15    16  call.n    r6, str.chars, r0, 1
    16    17  print     r6, [str], 1
    17    18  len.s     r4, r0
    18    19  print     r4, int, 1
    19    20  mov       r3, r0
    20    21  ld.i      r4, 0
    21    22  ld.i      r5, 3
    22    23  call.n    r1, str.substr, r3, 3
    23    24  print     r1, str, 1
    24    25  call.n    r4, ord, r1, 1
    25    26  ld.i      r4, 233
    26    27  call.n    r1, chr, r4, 1
    27    28  print     r1, str, 1
    28    29  ld.k      r0, k5
    29    30  call.n    r4, parse_int, r0, 1
    30    31  print     r4, int, 1
    31    32  ld.k      r7, k6
    32    33  ld.i      r8, 2
    33    34  call.n    r2, float.to_fixed, r7, 2
    34    35  print     r2, str, 1
    35    36  ld.k      r3, k4
    36    37  ld.i      r4, 0
    37    38  ld.i      r5, 2
    38    39  call.n    r1, str.substr, r3, 3
    39    40  ret.v
"#,
    );
    // Cutting inside "é" is an error.
    let (r, out) = run(m);
    assert_eq!(
        out,
        "Hello, wörld\nHELLO, WÖRLD\n[\"Hello\", \" wörld\"]\n2\nHeLLo, wörLd\n\
         [\"h\", \"é\", \"l\", \"l\", \"o\"]\n6\nhé\né\n-42\n1.23\n"
    );
    assert_eq!(
        r.unwrap_err().message,
        "substring range 0..2 is not on character boundaries"
    );
}
