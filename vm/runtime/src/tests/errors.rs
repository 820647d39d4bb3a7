//! Runtime errors: messages and stack traces.

use super::*;
use crate::error::ELIDED;
use crate::TraceFrame;
use lang_bytecode::{Field, Native, StructDef, Type};

fn frame(function: &str, line: u32) -> TraceFrame {
    TraceFrame {
        function: function.into(),
        file: "prog.src".into(),
        line,
    }
}

/// `fn div(a, b) { return a / b; }` called from main with b = 0.
#[test]
fn division_by_zero_has_a_trace() {
    let mut a = Asm::new();
    let div = a.declare("div");
    a.define(
        div,
        &[I, I],
        Some(I),
        &[],
        &[I, I, I],
        7,
        vec![Instr::DivI { a: 2, b: 0, c: 1 }, Instr::Ret { a: 2 }],
    );
    let main = a.declare("main");
    a.define(
        main,
        &[],
        None,
        &[],
        &[I, I, I],
        20,
        vec![
            Instr::LoadInt { a: 0, imm: 1 },
            Instr::LoadInt { a: 1, imm: 0 },
            Instr::Print { b: 0, t: I, nl: 1 },
            Instr::Call {
                a: 2,
                f: div,
                b: 0,
                n: 2,
            },
            Instr::RetVoid {},
        ],
    );
    a.entry(
        &[I],
        vec![
            Instr::Call {
                a: 0,
                f: main,
                b: 0,
                n: 0,
            },
            Instr::RetVoid {},
        ],
    );
    let (e, out) = run_err(a.finish());
    // Output printed before the error is flushed.
    assert_eq!(out, "1\n");
    assert_eq!(e.message, "division by zero");
    assert_eq!(
        e.trace,
        vec![frame("div", 7), frame("main", 23), frame("<main>", 1)]
    );
    assert_eq!(
        e.to_string(),
        "runtime error: division by zero\n  at div (prog.src:7)\n  at main (prog.src:23)\n  at <main> (prog.src:1)"
    );
}

#[test]
fn index_nil_and_conversion_errors() {
    let cases: Vec<(Vec<Instr>, &str)> = vec![
        (
            vec![
                Instr::LoadInt { a: 0, imm: 5 },
                Instr::NewArray {
                    a: 1,
                    t: 4,
                    b: 7,
                    n: 3,
                },
                Instr::ArrGet { a: 0, b: 1, c: 0 },
            ],
            "index 5 out of bounds for length 3",
        ),
        (
            vec![
                Instr::LoadInt { a: 0, imm: -1 },
                Instr::NewArray {
                    a: 1,
                    t: 4,
                    b: 7,
                    n: 3,
                },
                Instr::ArrSet { a: 1, b: 0, c: 0 },
            ],
            "index -1 out of bounds for length 3",
        ),
        (
            vec![Instr::LoadNil { a: 1 }, Instr::ArrLen { a: 0, b: 1 }],
            "nil dereference",
        ),
        (
            vec![
                Instr::LoadNil { a: 2 },
                Instr::GetField { a: 0, b: 2, i: 0 },
            ],
            "nil dereference",
        ),
        (
            vec![
                Instr::LoadInt { a: 0, imm: 0 },
                Instr::IntToFloat { a: 3, b: 0 },
                Instr::DivF { a: 3, b: 3, c: 3 },
                Instr::FloatToInt { a: 0, b: 3 },
            ],
            "cannot convert nan to int",
        ),
        (
            vec![
                Instr::LoadInt { a: 0, imm: 1 },
                Instr::IntToFloat { a: 3, b: 0 },
                Instr::LoadInt { a: 0, imm: 0 },
                Instr::IntToFloat { a: 4, b: 0 },
                Instr::DivF { a: 3, b: 3, c: 4 },
                Instr::FloatToInt { a: 0, b: 3 },
            ],
            "cannot convert inf to int: out of range",
        ),
        (
            vec![
                Instr::LoadInt { a: 0, imm: 0 },
                Instr::LoadInt { a: 5, imm: 7 },
                Instr::RemI { a: 0, b: 5, c: 0 },
            ],
            "division by zero",
        ),
        (
            vec![
                Instr::LoadInt { a: 0, imm: 0 },
                Instr::NewArray {
                    a: 1,
                    t: 4,
                    b: 0,
                    n: 0,
                },
                Instr::CallNative {
                    a: 0,
                    native: Native::ArrPop as u16,
                    b: 1,
                    n: 1,
                },
            ],
            "pop from an empty array",
        ),
        (
            vec![
                Instr::LoadInt {
                    a: 0,
                    imm: 0x110000,
                },
                Instr::CallNative {
                    a: 6,
                    native: Native::Chr as u16,
                    b: 0,
                    n: 1,
                },
            ],
            "chr of invalid character code 1114112",
        ),
    ];
    for (code, want) in cases {
        let mut a = Asm::new();
        let arr = a.ty(Type::Array(I));
        assert_eq!(arr, 4);
        a.m.structs.push(StructDef {
            name: "P".into(),
            fields: vec![Field {
                name: "x".into(),
                ty: I,
            }],
        });
        let p = a.ty(Type::Struct(0));
        let mut code = code;
        code.push(Instr::RetVoid {});
        // r7..r9 are the three (zero) ints the arrays are made of.
        a.entry(&[I, arr, p, F, F, I, S, I, I, I], code);
        let (e, _) = run_err(a.finish());
        assert_eq!(e.message, want);
        assert_eq!(e.trace.len(), 1);
    }
}

#[test]
fn panic_assert_and_parse_errors() {
    // The register each native's result goes to: r1 is an int, r2 a float.
    let cases: Vec<(&str, Native, u16, &str)> = vec![
        ("boom", Native::Panic, 1, "boom"),
        ("12x", Native::ParseInt, 1, "invalid int: \"12x\""),
        ("", Native::ParseFloat, 2, "invalid float: \"\""),
        ("", Native::Ord, 1, "ord of an empty string"),
    ];
    for (text, nat, result, want) in cases {
        let mut a = Asm::new();
        let k = a.s(text);
        a.entry(
            &[S, I, F],
            vec![
                Instr::LoadK { a: 0, k },
                Instr::CallNative {
                    a: result,
                    native: nat as u16,
                    b: 0,
                    n: 1,
                },
                Instr::RetVoid {},
            ],
        );
        assert_eq!(run_err(a.finish()).0.message, want);
    }
    let mut a = Asm::new();
    let k = a.s("x must be positive");
    a.entry(
        &[B, S],
        vec![
            Instr::LoadBool { a: 0, v: 1 },
            Instr::LoadK { a: 1, k },
            Instr::CallNative {
                a: 0,
                native: Native::Assert as u16,
                b: 0,
                n: 2,
            },
            Instr::LoadBool { a: 0, v: 0 },
            Instr::CallNative {
                a: 0,
                native: Native::Assert as u16,
                b: 0,
                n: 2,
            },
            Instr::RetVoid {},
        ],
    );
    let (e, _) = run_err(a.finish());
    assert_eq!(e.message, "assertion failed: x must be positive");
    assert_eq!(e.trace, vec![frame("<main>", 5)]);
}

/// `fn f(n: int) -> int { return f(n + 1); }` ends in `stack overflow`
/// with a shortened trace.
#[test]
fn runaway_recursion_is_a_stack_overflow() {
    let mut a = Asm::new();
    let f = a.declare("f");
    a.define(
        f,
        &[I],
        Some(I),
        &[],
        &[I, I],
        2,
        vec![
            Instr::AddImmI { a: 0, b: 0, imm: 1 },
            Instr::Call {
                a: 1,
                f,
                b: 0,
                n: 1,
            },
            Instr::Ret { a: 1 },
        ],
    );
    a.entry(
        &[I],
        vec![
            Instr::LoadInt { a: 0, imm: 0 },
            Instr::Call {
                a: 0,
                f,
                b: 0,
                n: 1,
            },
            Instr::RetVoid {},
        ],
    );
    let (e, _) = run_err(a.finish());
    assert_eq!(e.message, "stack overflow");
    assert_eq!(e.trace[0], frame("f", 3));
    let elided: Vec<_> = e.trace.iter().filter(|t| t.function == ELIDED).collect();
    assert_eq!(elided.len(), 1);
    assert_eq!(e.trace.last(), Some(&frame("<main>", 2)));
    assert!(e.trace.len() < 60, "trace has {} entries", e.trace.len());
    let total = e.trace.len() - 1 + elided[0].line as usize;
    assert_eq!(total, crate::interp::MAX_FRAMES);
    assert!(e.to_string().contains("more frames ..."));
}

/// A frame too big for the VM stack also overflows cleanly.
#[test]
fn huge_frames_overflow_the_vm_stack() {
    let mut a = Asm::new();
    let f = a.declare("f");
    let regs = vec![I; 60_000];
    a.define(
        f,
        &[I],
        Some(I),
        &[],
        &regs,
        1,
        vec![
            Instr::Call {
                a: 1,
                f,
                b: 0,
                n: 1,
            },
            Instr::Ret { a: 1 },
        ],
    );
    a.entry(
        &[I],
        vec![
            Instr::Call {
                a: 0,
                f,
                b: 0,
                n: 1,
            },
            Instr::RetVoid {},
        ],
    );
    let (e, _) = run_err(a.finish());
    assert_eq!(e.message, "stack overflow");
    let frames: usize = e
        .trace
        .iter()
        .map(|t| {
            if t.function == ELIDED {
                t.line as usize
            } else {
                1
            }
        })
        .sum();
    assert_eq!(frames, 1 + crate::interp::VM_STACK_SLOTS / 60_000);
}

/// A state the verifier rules out, met anyway, is an internal error: its
/// own kind (which the CLI gives its own exit code), a message that asks
/// for a report, and never a runtime error of the program. An entry id past
/// the module's functions is one an embedder can cause.
#[test]
fn a_state_the_verifier_rules_out_is_an_internal_error() {
    let mut a = Asm::new();
    a.entry(&[], vec![Instr::RetVoid {}]);
    let m = verified(a.finish());
    let stdin = Box::new(std::io::Cursor::new(Vec::new()));
    let mut session =
        crate::Session::new(VmOptions::default(), Box::new(Capture::default()), stdin).unwrap();
    let e = session.run(m.clone(), 7).unwrap_err();
    assert!(e.internal, "{e:?}");
    assert_eq!(e.message, "entry function 7 does not exist");
    assert_eq!(
        e.to_string(),
        "internal error: entry function 7 does not exist \
         (a state the bytecode verifier rules out); please report this bug"
    );
    // The session is still usable, and a program's own errors stay runtime
    // errors.
    assert_eq!(session.run(m, 0), Ok(None));
    // The session holds the run lock; the next run needs it.
    drop(session);
    let (e, _) = run_err({
        let mut a = Asm::new();
        let k = a.s("boom");
        a.entry(
            &[S],
            vec![
                Instr::LoadK { a: 0, k },
                Instr::CallNative {
                    a: 0,
                    native: Native::Panic as u16,
                    b: 0,
                    n: 1,
                },
                Instr::RetVoid {},
            ],
        );
        a.finish()
    });
    assert!(!e.internal);
    assert_eq!(
        e.to_string(),
        "runtime error: boom\n  at <main> (prog.src:2)"
    );
}

/// The environment variable that makes `child_meets_an_unknown_shape` run.
const CHILD_SHAPE_VAR: &str = "LANG_VM_TEST_CHILD_UNKNOWN_SHAPE";

/// Run in a child process by `an_unknown_shape_ends_the_process`: looks up
/// a shape no header can name, which ends the process. Without the variable
/// (a normal test run) it does nothing.
#[test]
fn child_meets_an_unknown_shape() {
    if std::env::var(CHILD_SHAPE_VAR).is_err() {
        return;
    }
    let shape = crate::heap::shape::get(u32::MAX);
    println!("CHILD GOT {shape:?}");
}

/// An object header naming no shape cannot be unwound from inside the
/// collector, so it ends the process as an internal error (exit 101 and a
/// report request) instead of reading as an empty shape that would let the
/// collector skip the object's references.
#[test]
fn an_unknown_shape_ends_the_process() {
    if std::env::var(CHILD_SHAPE_VAR).is_ok() {
        return;
    }
    let out = run_child(
        "tests::errors::child_meets_an_unknown_shape",
        CHILD_SHAPE_VAR,
        "1",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(crate::INTERNAL_ERROR_EXIT),
        "{stdout}\n{stderr}"
    );
    assert!(!stdout.contains("CHILD GOT"), "{stdout}");
    assert!(
        stderr.contains(
            "internal error: an object header names unknown shape 4294967295 \
             (a state the bytecode verifier rules out); please report this bug"
        ),
        "{stderr}"
    );
}
