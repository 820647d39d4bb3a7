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
    a.entry(
        &[F, F, v2, F, F],
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
            Instr::Mov { a: 0, b: 2 },
            Instr::Mov { a: 1, b: 3 },
            Instr::Call {
                a: 4,
                f: scale,
                b: 0,
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
        &[shape, I, I, F, F],
        vec![
            Instr::EnumTag { a: 1, b: 0 },
            Instr::LoadInt { a: 2, imm: 1 },
            Instr::EqI { a: 2, b: 1, c: 2 },
            Instr::JmpIfNot { a: 2, target: 8 },
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
            Instr::Mov { a: 0, b: 2 },
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
        &[arr, I, I, I, I, arr, arr_s, S, S, S, B],
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
            Instr::Mov { a: 4, b: 0 },
            Instr::LoadInt { a: 5, imm: 0 },
            Instr::CallNative {
                a: 3,
                native: native(Native::ArrRemove),
                b: 4,
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
            Instr::Mov { a: 7, b: 6 },
            Instr::LoadK { a: 8, k: sep },
            Instr::CallNative {
                a: 9,
                native: native(Native::ArrJoin),
                b: 7,
                n: 2,
            },
            Instr::Print { b: 9, t: S, nl: 1 },
            // contains uses string equality by value
            Instr::LoadK { a: 8, k: kc },
            Instr::CallNative {
                a: 10,
                native: native(Native::ArrContains),
                b: 7,
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

/// `xs.sort_by(fn(a, b) -> bool { return a > b; })` is stable and calls back
/// into the interpreter.
#[test]
fn sort_by_calls_the_less_function() {
    let mut a = Asm::new();
    let arr = a.ty(Type::Array(I));
    let less_t = a.ty(Type::Func {
        params: vec![I, I],
        ret: Some(B),
    });
    // Sort by the tens digit only, descending, to show stability.
    let greater = a.func(
        "<lambda>",
        &[I, I],
        Some(B),
        &[I, I, I, B],
        vec![
            Instr::LoadInt { a: 2, imm: 10 },
            Instr::DivI { a: 0, b: 0, c: 2 },
            Instr::DivI { a: 1, b: 1, c: 2 },
            Instr::LtI { a: 3, b: 1, c: 0 },
            Instr::Ret { a: 3 },
        ],
    );
    let vals = [13i32, 21, 5, 27, 11, 3, 29, 17];
    let mut code = Vec::new();
    for (i, v) in vals.iter().enumerate() {
        code.push(Instr::LoadInt {
            a: 2 + i as u16,
            imm: *v,
        });
    }
    code.extend([
        Instr::NewArray {
            a: 0,
            t: arr,
            b: 2,
            n: vals.len() as u16,
        },
        Instr::MakeClosure {
            a: 1,
            f: greater,
            b: 0,
            n: 0,
        },
        Instr::CallNative {
            a: 10,
            native: native(Native::ArrSortBy),
            b: 0,
            n: 2,
        },
        Instr::Print {
            b: 0,
            t: arr,
            nl: 1,
        },
        Instr::RetVoid {},
    ]);
    let mut regs = vec![arr, less_t];
    regs.extend([I; 9]);
    a.entry(&regs, code);
    assert_eq!(run_ok(a.finish()), "[21, 27, 29, 13, 11, 17, 5, 3]\n");
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
            a: 5,
            native: native(Native::MapHas),
            b: 3,
            n: 2,
        },
        Instr::Print { b: 5, t: B, nl: 1 },
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
    a.entry(&[map_t, S, I, map_t, S, I, arr_s, arr_i], code);
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
        &[map_t, I, I, I, map_t, I, I],
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
                a: 3,
                native: native(Native::MapHas),
                b: 4,
                n: 2,
            },
            Instr::Print { b: 3, t: B, nl: 1 },
            Instr::RetVoid {},
        ],
    );
    assert_eq!(run_ok(a.finish()), "5000\n99980001\nfalse\n");
}

#[test]
fn string_natives() {
    let mut a = Asm::new();
    let arr_s = a.ty(Type::Array(S));
    let text = a.s("  Hello, wörld  ");
    let comma = a.s(",");
    let l = a.s("l");
    let x = a.s("L");
    let e = a.s("héllo");
    let n = a.s("-42");
    let fx = a.k(Const::Float(1.23456));
    a.entry(
        &[S, S, S, I, I, arr_s, F, B],
        vec![
            Instr::LoadK { a: 0, k: text },
            Instr::CallNative {
                a: 1,
                native: native(Native::Trim),
                b: 0,
                n: 1,
            },
            Instr::Print { b: 1, t: S, nl: 1 },
            Instr::CallNative {
                a: 2,
                native: native(Native::ToUpper),
                b: 1,
                n: 1,
            },
            Instr::Print { b: 2, t: S, nl: 1 },
            Instr::Mov { a: 0, b: 1 },
            Instr::LoadK { a: 1, k: comma },
            Instr::CallNative {
                a: 5,
                native: native(Native::Split),
                b: 0,
                n: 2,
            },
            Instr::Print {
                b: 5,
                t: arr_s,
                nl: 1,
            },
            Instr::LoadK { a: 1, k: l },
            Instr::CallNative {
                a: 3,
                native: native(Native::Find),
                b: 0,
                n: 2,
            },
            Instr::Print { b: 3, t: I, nl: 1 },
            Instr::LoadK { a: 2, k: x },
            Instr::CallNative {
                a: 0,
                native: native(Native::Replace),
                b: 0,
                n: 3,
            },
            Instr::Print { b: 0, t: S, nl: 1 },
            Instr::LoadK { a: 0, k: e },
            Instr::CallNative {
                a: 5,
                native: native(Native::Chars),
                b: 0,
                n: 1,
            },
            Instr::Print {
                b: 5,
                t: arr_s,
                nl: 1,
            },
            Instr::StrLen { a: 3, b: 0 },
            Instr::Print { b: 3, t: I, nl: 1 },
            Instr::LoadInt { a: 3, imm: 0 },
            Instr::LoadInt { a: 4, imm: 3 },
            Instr::Mov { a: 1, b: 3 },
            Instr::Mov { a: 2, b: 4 },
            Instr::CallNative {
                a: 1,
                native: native(Native::Substr),
                b: 0,
                n: 3,
            },
            Instr::Print { b: 1, t: S, nl: 1 },
            Instr::CallNative {
                a: 3,
                native: native(Native::Ord),
                b: 1,
                n: 1,
            },
            Instr::LoadInt { a: 3, imm: 233 },
            Instr::CallNative {
                a: 1,
                native: native(Native::Chr),
                b: 3,
                n: 1,
            },
            Instr::Print { b: 1, t: S, nl: 1 },
            Instr::LoadK { a: 0, k: n },
            Instr::CallNative {
                a: 3,
                native: native(Native::ParseInt),
                b: 0,
                n: 1,
            },
            Instr::Print { b: 3, t: I, nl: 1 },
            Instr::LoadK { a: 6, k: fx },
            Instr::Mov { a: 0, b: 6 },
            Instr::LoadInt { a: 1, imm: 2 },
            Instr::CallNative {
                a: 2,
                native: native(Native::ToFixed),
                b: 0,
                n: 2,
            },
            Instr::Print { b: 2, t: S, nl: 1 },
            // Cutting inside "é" is an error.
            Instr::LoadK { a: 0, k: e },
            Instr::LoadInt { a: 1, imm: 0 },
            Instr::LoadInt { a: 2, imm: 2 },
            Instr::CallNative {
                a: 1,
                native: native(Native::Substr),
                b: 0,
                n: 3,
            },
            Instr::RetVoid {},
        ],
    );
    let (r, out) = run(a.finish());
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
