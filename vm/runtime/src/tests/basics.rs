//! Calls, loops, closures, traits, globals and the io natives.

use super::*;
use crate::RunOutcome;
use lang_bytecode::{Field, ImplDef, Native, StructDef, TraitDef, TraitMethod, Type};

/// `fn fib(n) { if n < 2 { return n; } return fib(n-1) + fib(n-2); }`
pub fn add_fib(a: &mut Asm) -> u32 {
    let fib = a.declare("fib");
    a.define(
        fib,
        &[I],
        Some(I),
        &[],
        &[I, I, I, I],
        3,
        vec![
            Instr::LoadInt { a: 1, imm: 2 },
            Instr::JmpGeI {
                a: 0,
                b: 1,
                target: 3,
            },
            Instr::Ret { a: 0 },
            Instr::AddImmI {
                a: 1,
                b: 0,
                imm: -1,
            },
            Instr::Call {
                a: 2,
                f: fib,
                b: 1,
                n: 1,
            },
            Instr::AddImmI {
                a: 1,
                b: 0,
                imm: -2,
            },
            Instr::Call {
                a: 3,
                f: fib,
                b: 1,
                n: 1,
            },
            Instr::AddI { a: 2, b: 2, c: 3 },
            Instr::Ret { a: 2 },
        ],
    );
    fib
}

#[test]
fn fib_20_is_6765() {
    let mut a = Asm::new();
    let fib = add_fib(&mut a);
    a.entry(
        &[I, I],
        vec![
            Instr::LoadInt { a: 0, imm: 20 },
            Instr::Call {
                a: 1,
                f: fib,
                b: 0,
                n: 1,
            },
            Instr::Print { b: 1, t: I, nl: 1 },
            Instr::RetVoid {},
        ],
    );
    assert_eq!(run_ok(a.finish()), "6765\n");
}

#[test]
fn loop_sums_and_int_arithmetic_wraps() {
    let mut a = Asm::new();
    let big = a.k(Const::Int(i64::MAX));
    a.entry(
        &[I, I, I, I],
        vec![
            // r0 = i, r1 = sum, r2 = limit
            Instr::LoadInt { a: 0, imm: 0 },
            Instr::LoadInt { a: 1, imm: 0 },
            Instr::LoadInt { a: 2, imm: 100_000 },
            Instr::JmpGeI {
                a: 0,
                b: 2,
                target: 7,
            },
            Instr::AddI { a: 1, b: 1, c: 0 },
            Instr::AddImmI { a: 0, b: 0, imm: 1 },
            Instr::Jmp { target: 3 },
            Instr::Print { b: 1, t: I, nl: 1 },
            // i64::MAX + 1 wraps to i64::MIN; MIN / -1 wraps too.
            Instr::LoadK { a: 3, k: big },
            Instr::AddImmI { a: 3, b: 3, imm: 1 },
            Instr::Print { b: 3, t: I, nl: 1 },
            Instr::LoadInt { a: 2, imm: -1 },
            Instr::DivI { a: 3, b: 3, c: 2 },
            Instr::Print { b: 3, t: I, nl: 1 },
            // -7 / 2 = -3 and -7 % 2 = -1 (truncating), -7 >> 1 = -4.
            Instr::LoadInt { a: 0, imm: -7 },
            Instr::LoadInt { a: 2, imm: 2 },
            Instr::DivI { a: 3, b: 0, c: 2 },
            Instr::Print { b: 3, t: I, nl: 1 },
            Instr::RemI { a: 3, b: 0, c: 2 },
            Instr::Print { b: 3, t: I, nl: 1 },
            Instr::LoadInt { a: 2, imm: 1 },
            Instr::ShrI { a: 3, b: 0, c: 2 },
            Instr::Print { b: 3, t: I, nl: 1 },
            Instr::RetVoid {},
        ],
    );
    assert_eq!(
        run_ok(a.finish()),
        "4999950000\n-9223372036854775808\n-9223372036854775808\n-3\n-1\n-4\n"
    );
}

#[test]
fn closures_share_captured_cells() {
    let mut a = Asm::new();
    let cell_int = a.ty(Type::Cell(I));
    let fn_int = a.ty(Type::Func {
        params: vec![],
        ret: Some(I),
    });
    let counter = a.declare("counter");
    let lambda = a.declare("<lambda>");
    // counter: var n = 0; return fn() { n += 1; return n; }
    a.define(
        counter,
        &[],
        Some(fn_int),
        &[],
        &[I, cell_int, fn_int],
        1,
        vec![
            Instr::LoadInt { a: 0, imm: 0 },
            Instr::NewCell { a: 1, b: 0 },
            Instr::MakeClosure {
                a: 2,
                f: lambda,
                b: 1,
                n: 1,
            },
            Instr::Ret { a: 2 },
        ],
    );
    a.define(
        lambda,
        &[],
        Some(I),
        &[cell_int],
        &[cell_int, I],
        5,
        vec![
            Instr::GetCapture { a: 0, i: 0 },
            Instr::CellGet { a: 1, b: 0 },
            Instr::AddImmI { a: 1, b: 1, imm: 1 },
            Instr::CellSet { a: 0, b: 1 },
            Instr::Ret { a: 1 },
        ],
    );
    a.entry(
        &[fn_int, I, fn_int],
        vec![
            Instr::Call {
                a: 0,
                f: counter,
                b: 0,
                n: 0,
            },
            Instr::CallClosure {
                a: 1,
                c: 0,
                b: 1,
                n: 0,
            },
            Instr::CallClosure {
                a: 1,
                c: 0,
                b: 1,
                n: 0,
            },
            Instr::Print { b: 1, t: I, nl: 1 },
            // A second counter has its own cell.
            Instr::Call {
                a: 2,
                f: counter,
                b: 0,
                n: 0,
            },
            Instr::CallClosure {
                a: 1,
                c: 2,
                b: 1,
                n: 0,
            },
            Instr::Print { b: 1, t: I, nl: 1 },
            Instr::CallClosure {
                a: 1,
                c: 0,
                b: 1,
                n: 0,
            },
            Instr::Print { b: 1, t: I, nl: 1 },
            Instr::Print {
                b: 0,
                t: fn_int,
                nl: 1,
            },
            Instr::RetVoid {},
        ],
    );
    assert_eq!(run_ok(a.finish()), "2\n1\n3\n<fn <lambda>>\n");
}

/// Dog and Cat implementing `trait Named { fn name(self) -> str; }`.
#[test]
fn trait_calls_dispatch_on_the_receiver_struct() {
    let mut a = Asm::new();
    a.m.structs.push(StructDef {
        name: "Dog".into(),
        fields: vec![Field {
            name: "age".into(),
            ty: I,
        }],
    });
    a.m.structs.push(StructDef {
        name: "Cat".into(),
        fields: vec![Field {
            name: "lives".into(),
            ty: I,
        }],
    });
    a.m.traits.push(TraitDef {
        name: "Named".into(),
        methods: vec![TraitMethod {
            name: "name".into(),
            params: vec![],
            ret: Some(S),
        }],
    });
    let dog = a.ty(Type::Struct(0));
    let cat = a.ty(Type::Struct(1));
    let named = a.ty(Type::Trait(0));
    let arr = a.ty(Type::Array(named));
    let k_dog = a.s("dog");
    let k_cat = a.s("cat ");
    let dog_name = a.func(
        "Dog::name",
        &[dog],
        Some(S),
        &[dog, S],
        vec![Instr::LoadK { a: 1, k: k_dog }, Instr::Ret { a: 1 }],
    );
    let cat_name = a.func(
        "Cat::name",
        &[cat],
        Some(S),
        &[cat, S, I, S],
        vec![
            Instr::LoadK { a: 1, k: k_cat },
            Instr::GetField { a: 2, b: 0, i: 0 },
            Instr::ToStr { a: 3, b: 2, t: I },
            Instr::Concat { a: 1, b: 1, c: 3 },
            Instr::Ret { a: 1 },
        ],
    );
    a.m.impls.push(ImplDef {
        trait_index: 0,
        struct_index: 0,
        methods: vec![dog_name],
    });
    a.m.impls.push(ImplDef {
        trait_index: 0,
        struct_index: 1,
        methods: vec![cat_name],
    });
    a.entry(
        &[I, dog, cat, named, named, arr, I, I, named, S],
        vec![
            Instr::LoadInt { a: 0, imm: 3 },
            Instr::NewStruct {
                a: 1,
                t: dog,
                b: 0,
                n: 1,
            },
            Instr::LoadInt { a: 0, imm: 9 },
            Instr::NewStruct {
                a: 2,
                t: cat,
                b: 0,
                n: 1,
            },
            Instr::Upcast { a: 3, b: 1 },
            Instr::Upcast { a: 4, b: 2 },
            Instr::NewArray {
                a: 5,
                t: arr,
                b: 3,
                n: 2,
            },
            // for p in pets { println(p.name()); }
            Instr::LoadInt { a: 6, imm: 0 },
            Instr::ArrLen { a: 7, b: 5 },
            Instr::JmpGeI {
                a: 6,
                b: 7,
                target: 15,
            },
            Instr::ArrGet { a: 8, b: 5, c: 6 },
            Instr::CallTrait {
                a: 9,
                t: named,
                m: 0,
                b: 8,
                n: 1,
            },
            Instr::Print { b: 9, t: S, nl: 1 },
            Instr::AddImmI { a: 6, b: 6, imm: 1 },
            Instr::Jmp { target: 9 },
            Instr::Print {
                b: 5,
                t: arr,
                nl: 1,
            },
            Instr::RetVoid {},
        ],
    );
    assert_eq!(
        run_ok(a.finish()),
        "dog\ncat 9\n[Dog { age: 3 }, Cat { lives: 9 }]\n"
    );
}

#[test]
fn globals_hold_values_and_references() {
    let mut a = Asm::new();
    let arr = a.ty(Type::Array(I));
    a.m.globals.push(Field {
        name: "count".into(),
        ty: I,
    });
    a.m.globals.push(Field {
        name: "xs".into(),
        ty: arr,
    });
    let bump = a.func(
        "bump",
        &[],
        None,
        &[I, arr],
        vec![
            Instr::GetGlobal { a: 0, g: 0 },
            Instr::AddImmI { a: 0, b: 0, imm: 1 },
            Instr::SetGlobal { g: 0, b: 0 },
            Instr::GetGlobal { a: 1, g: 1 },
            Instr::ArrPush { a: 1, b: 0 },
            Instr::RetVoid {},
        ],
    );
    a.entry(
        &[arr, I],
        vec![
            Instr::NewArray {
                a: 0,
                t: arr,
                b: 0,
                n: 0,
            },
            Instr::SetGlobal { g: 1, b: 0 },
            Instr::Call {
                a: 1,
                f: bump,
                b: 0,
                n: 0,
            },
            Instr::Call {
                a: 1,
                f: bump,
                b: 0,
                n: 0,
            },
            Instr::Call {
                a: 1,
                f: bump,
                b: 0,
                n: 0,
            },
            Instr::GetGlobal { a: 0, g: 1 },
            Instr::Print {
                b: 0,
                t: arr,
                nl: 1,
            },
            Instr::RetVoid {},
        ],
    );
    assert_eq!(run_ok(a.finish()), "[1, 2, 3]\n");
}

#[test]
fn read_line_args_and_exit() {
    let mut a = Asm::new();
    let arr_s = a.ty(Type::Array(S));
    a.entry(
        &[S, arr_s, I, S],
        vec![
            Instr::CallNative {
                a: 0,
                native: Native::ReadLine as u16,
                b: 0,
                n: 0,
            },
            Instr::Print { b: 0, t: S, nl: 0 },
            Instr::CallNative {
                a: 0,
                native: Native::ReadLine as u16,
                b: 0,
                n: 0,
            },
            Instr::Print { b: 0, t: S, nl: 0 },
            // At end of input read_line gives "".
            Instr::CallNative {
                a: 0,
                native: Native::ReadLine as u16,
                b: 0,
                n: 0,
            },
            Instr::StrLen { a: 2, b: 0 },
            Instr::Print { b: 2, t: I, nl: 1 },
            Instr::CallNative {
                a: 1,
                native: Native::Args as u16,
                b: 0,
                n: 0,
            },
            Instr::Print {
                b: 1,
                t: arr_s,
                nl: 1,
            },
            Instr::LoadInt { a: 2, imm: 3 },
            Instr::CallNative {
                a: 0,
                native: Native::Exit as u16,
                b: 2,
                n: 1,
            },
            Instr::Print { b: 2, t: I, nl: 1 },
            Instr::RetVoid {},
        ],
    );
    let opts = crate::VmOptions {
        args: vec!["prog.src".into(), "x y".into()],
        ..Default::default()
    };
    let (r, out) = run_full(a.finish(), opts, "first\nsecond");
    assert_eq!(r, Ok(RunOutcome::Exit(3)));
    assert_eq!(out, "first\nsecond0\n[\"prog.src\", \"x y\"]\n");
}

/// Timing of fib(30), for a quick look at interpreter speed:
/// `cargo test -p lang-vm --release fib_30_timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn fib_30_timing() {
    let mut a = Asm::new();
    let fib = add_fib(&mut a);
    a.entry(
        &[I, I],
        vec![
            Instr::LoadInt { a: 0, imm: 30 },
            Instr::Call {
                a: 1,
                f: fib,
                b: 0,
                n: 1,
            },
            Instr::Print { b: 1, t: I, nl: 1 },
            Instr::RetVoid {},
        ],
    );
    let t = std::time::Instant::now();
    assert_eq!(run_ok(a.finish()), "832040\n");
    println!("fib(30): {:?}", t.elapsed());
}
