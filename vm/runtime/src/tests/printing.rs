//! The printed form of every kind of value.

use super::*;
use lang_bytecode::{EnumDef, Field, StructDef, Type, Variant};

#[test]
fn every_type_prints_as_the_card_says() {
    let mut a = Asm::new();
    a.m.structs.push(StructDef {
        name: "P".into(),
        fields: vec![
            Field {
                name: "name".into(),
                ty: S,
            },
            Field {
                name: "ok".into(),
                ty: B,
            },
        ],
    });
    a.m.enums.push(EnumDef {
        name: "E".into(),
        variants: vec![Variant {
            name: "S".into(),
            fields: vec![S, I],
        }],
    });
    let p = a.ty(Type::Struct(0));
    let e = a.ty(Type::Enum(0));
    let arr_f = a.ty(Type::Array(F));
    let arr_arr = a.ty(Type::Array(arr_f));
    let map_t = a.ty(Type::Map(I, S));
    let fn_t = a.ty(Type::Func {
        params: vec![I],
        ret: Some(I),
    });
    let quote = a.s("say \"hi\"\n");
    let tenth = a.k(Const::Float(0.1));
    let big = a.k(Const::Float(1e16));
    let tiny = a.k(Const::Float(1.5e-7));
    let fib = super::basics::add_fib(&mut a);
    a.entry(
        &[S, B, p, I, e, F, F, arr_f, arr_arr, map_t, fn_t, p, S],
        vec![
            // Strings are raw at top level, quoted inside containers.
            Instr::LoadK { a: 0, k: quote },
            Instr::Print { b: 0, t: S, nl: 1 },
            Instr::LoadBool { a: 1, v: 1 },
            Instr::NewStruct {
                a: 2,
                t: p,
                b: 0,
                n: 2,
            },
            Instr::Print { b: 2, t: p, nl: 1 },
            Instr::LoadInt { a: 3, imm: -5 },
            Instr::Mov { a: 1, b: 3 },
            Instr::NewEnum {
                a: 4,
                t: e,
                v: 0,
                b: 0,
                n: 2,
            },
            Instr::Print { b: 4, t: e, nl: 1 },
            Instr::LoadK { a: 5, k: tenth },
            Instr::LoadK { a: 6, k: big },
            Instr::NewArray {
                a: 7,
                t: arr_f,
                b: 5,
                n: 2,
            },
            Instr::LoadK { a: 5, k: tiny },
            Instr::LoadInt { a: 3, imm: 10 },
            Instr::IntToFloat { a: 6, b: 3 },
            Instr::NewArray {
                a: 8,
                t: arr_f,
                b: 5,
                n: 2,
            },
            Instr::Mov { a: 5, b: 7 },
            Instr::Mov { a: 6, b: 8 },
            Instr::NewArray {
                a: 8,
                t: arr_arr,
                b: 5,
                n: 0,
            },
            Instr::ArrPush { a: 8, b: 7 },
            Instr::ArrPush { a: 8, b: 6 },
            Instr::Print {
                b: 8,
                t: arr_arr,
                nl: 1,
            },
            Instr::NewMap { a: 9, t: map_t },
            Instr::Print {
                b: 9,
                t: map_t,
                nl: 1,
            },
            Instr::MapSet { a: 9, b: 3, c: 0 },
            Instr::Print {
                b: 9,
                t: map_t,
                nl: 1,
            },
            Instr::MakeClosure {
                a: 10,
                f: fib,
                b: 0,
                n: 0,
            },
            Instr::Print {
                b: 10,
                t: fn_t,
                nl: 1,
            },
            Instr::LoadNil { a: 11 },
            Instr::Print { b: 11, t: p, nl: 1 },
            Instr::LoadNil { a: 10 },
            Instr::Print {
                b: 10,
                t: fn_t,
                nl: 1,
            },
            // print without newline, and tostr of a struct
            Instr::LoadBool { a: 1, v: 0 },
            Instr::Print { b: 1, t: B, nl: 0 },
            Instr::ToStr { a: 12, b: 2, t: p },
            Instr::Concat {
                a: 12,
                b: 12,
                c: 12,
            },
            Instr::Print { b: 12, t: S, nl: 1 },
            Instr::RetVoid {},
        ],
    );
    assert_eq!(
        run_ok(a.finish()),
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
