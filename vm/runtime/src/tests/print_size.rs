//! Printing values whose printed form is far larger than the value: a DAG
//! that shares its subtrees (`t = T { l: t, r: t }` d times) prints 2^d
//! leaves. `println` must stream it with bounded memory; `str` must stay
//! within the heap limit and fail with `out of memory` past it.

use super::*;
use crate::host::output::tests::Closed;
use crate::RunOutcome;
use lang_bytecode::{Field, StructDef, Type};

/// `struct T { l: T, r: T }`, `var t: T = nil`, `t = T { l: t, r: t }`
/// `depth` times, then `then` with t in r0 (r3: str, r4: int are free).
/// The rounds are unrolled: straight-line code has no loop back-edge, where
/// a pending interrupt would be taken before `then` runs.
fn dag_program(depth: u32, then: Vec<Instr>) -> Module {
    let mut a = Asm::new();
    let t = a.ty(Type::Struct(0));
    a.m.structs.push(StructDef {
        name: "T".into(),
        fields: vec![
            Field {
                name: "l".into(),
                ty: t,
            },
            Field {
                name: "r".into(),
                ty: t,
            },
        ],
    });
    let mut code = vec![Instr::LoadNil { a: 0 }];
    for _ in 0..depth {
        code.push(Instr::Mov { a: 5, b: 0 });
        code.push(Instr::Mov { a: 6, b: 0 });
        code.push(Instr::NewStruct {
            a: 0,
            t,
            b: 5,
            n: 2,
        });
    }
    code.extend(then);
    code.push(Instr::RetVoid {});
    a.entry(&[t, I, I, S, I, t, t], code);
    a.finish()
}

/// The struct type's id in `dag_program` (the first type after the
/// built-ins).
const T: TypeId = 4;

/// `println(str(t).len())`, for `dag_program`.
fn print_str_len() -> Vec<Instr> {
    vec![
        Instr::ToStr { a: 3, b: 0, t: T },
        Instr::StrLen { a: 4, b: 3 },
        Instr::Print { b: 4, t: I, nl: 1 },
    ]
}

/// The length of the printed form of the depth-`d` DAG: "nil" at depth 0,
/// and "T { l: " + x + ", r: " + x + " }" a level up.
fn dag_len(d: u32) -> usize {
    (0..d).fold(3, |x, _| 14 + 2 * x)
}

/// Counts what the program writes and remembers the largest single write.
#[derive(Clone, Default)]
struct Measure(Arc<Mutex<(usize, usize)>>);

impl Write for Measure {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut m = self.0.lock().unwrap();
        m.0 += buf.len();
        m.1 = m.1.max(buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn println_of_a_huge_dag_streams_in_bounded_pieces() {
    let m = dag_program(20, vec![Instr::Print { b: 0, t: T, nl: 1 }]);
    let out = Measure::default();
    let stdin = Box::new(std::io::Cursor::new(Vec::new()));
    let r = run_with_io(
        verified(m),
        VmOptions::default(),
        Box::new(out.clone()),
        stdin,
    )
    .result;
    assert_eq!(r, Ok(RunOutcome::Exit(0)));
    let (total, largest) = *out.0.lock().unwrap();
    assert_eq!(total, dag_len(20) + 1);
    // The whole form is 17 MB; it must have gone out through the 64 KiB
    // output buffer, never held whole.
    assert!(
        largest <= 64 * 1024 + 64,
        "a single write of {largest} bytes"
    );
}

#[test]
fn println_of_an_endless_form_to_a_closed_pipe_stops_walking() {
    // 2^64 leaves: only stopping at the broken output lets this end.
    let m = dag_program(64, vec![Instr::Print { b: 0, t: T, nl: 1 }]);
    let stdin = Box::new(std::io::Cursor::new(Vec::new()));
    let r = run_with_io(verified(m), VmOptions::default(), Box::new(Closed), stdin).result;
    assert_eq!(r, Ok(RunOutcome::Stdout(crate::StdoutFailure::Closed)));
}

/// A sink that fails like a write to a full disk (`> /dev/full`).
struct Full;

impl std::io::Write for Full {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::from_raw_os_error(libc::ENOSPC))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Err(std::io::Error::from_raw_os_error(libc::ENOSPC))
    }
}

#[test]
fn a_failed_write_ends_the_run_with_its_reason() {
    let m = dag_program(64, vec![Instr::Print { b: 0, t: T, nl: 1 }]);
    let stdin = Box::new(std::io::Cursor::new(Vec::new()));
    let r = run_with_io(verified(m), VmOptions::default(), Box::new(Full), stdin).result;
    assert_eq!(
        r,
        Ok(RunOutcome::Stdout(crate::StdoutFailure::Failed(
            "No space left on device".into()
        )))
    );
}

#[test]
fn str_of_a_large_form_is_exact_past_the_first_buffer() {
    // 17 MB: measured, then printed straight into its heap string.
    let m = dag_program(20, print_str_len());
    assert_eq!(run_ok(m), format!("{}\n", dag_len(20)));
}

#[test]
fn str_of_a_form_beyond_the_heap_limit_is_out_of_memory() {
    let m = dag_program(64, print_str_len());
    let opts = VmOptions {
        heap_max: Some(16 << 20),
        ..Default::default()
    };
    let (r, out) = run_full(m, opts, "");
    assert_eq!(r.unwrap_err().message, "out of memory");
    assert_eq!(out, "");
}

#[test]
fn str_and_println_agree_on_a_small_dag() {
    let m = dag_program(
        2,
        vec![
            Instr::ToStr { a: 3, b: 0, t: T },
            Instr::Print { b: 3, t: S, nl: 1 },
            Instr::Print { b: 0, t: T, nl: 1 },
        ],
    );
    let one = "T { l: nil, r: nil }";
    let two = format!("T {{ l: {one}, r: {one} }}");
    assert_eq!(run_ok(m), format!("{two}\n{two}\n"));
}

/// Runs `m` in a REPL session and gives what the REPL shows of global 0.
fn shown_by_repl(m: Module) -> String {
    let stdin = Box::new(std::io::Cursor::new(Vec::new()));
    let mut session =
        crate::Session::new(VmOptions::default(), Box::new(Capture::default()), stdin).unwrap();
    let entry = m.entry;
    assert_eq!(session.run(verified(m), entry), Ok(None));
    session.global_text(0).unwrap()
}

#[test]
fn the_repl_shows_a_bounded_prefix_of_an_endless_form() {
    let mut m = dag_program(64, vec![Instr::SetGlobal { g: 0, b: 0 }]);
    m.globals.push(Field {
        name: "t".into(),
        ty: T,
    });
    let text = shown_by_repl(m);
    let max = crate::session::MAX_SHOWN_BYTES;
    assert!(text.len() <= max + 4, "{} bytes shown", text.len());
    assert!(text.len() > max - 32, "{} bytes shown", text.len());
    assert!(text.starts_with("T { l: T { l: "));
    assert!(text.ends_with(" ..."));
}

#[test]
fn the_repl_shows_the_start_of_a_long_string_cut_at_a_character() {
    // A 100 000-byte string of two-byte characters, shown inside an array.
    let mut a = Asm::new();
    let arr = a.ty(Type::Array(S));
    let piece = a.s(&"é".repeat(50_000));
    a.m.globals.push(Field {
        name: "words".into(),
        ty: arr,
    });
    a.entry(
        &[S, arr],
        vec![
            Instr::LoadK { a: 0, k: piece },
            Instr::NewArray {
                a: 1,
                t: arr,
                b: 0,
                n: 1,
            },
            Instr::SetGlobal { g: 0, b: 1 },
            Instr::RetVoid {},
        ],
    );
    let text = shown_by_repl(a.finish());
    let max = crate::session::MAX_SHOWN_BYTES;
    // `["` and then as many whole `é` as fit.
    assert_eq!(text, format!("[\"{} ...", "é".repeat((max - 2) / 2)));
}

#[test]
fn an_interrupt_stops_an_endless_println_in_the_repl() {
    // The session holds the run lock, so no other test's run can take the
    // interrupt meant for this one.
    let m = dag_program(64, vec![Instr::Print { b: 0, t: T, nl: 1 }]);
    let out = Measure::default();
    let stdin = Box::new(std::io::Cursor::new(Vec::new()));
    let mut session =
        crate::Session::new(VmOptions::default(), Box::new(out.clone()), stdin).unwrap();
    crate::Session::interrupt();
    let entry = m.entry;
    let e = session.run(verified(m), entry).unwrap_err();
    assert_eq!(e.message, "interrupted");
    // The session stays usable and the interrupt is spent.
    let small = dag_program(1, vec![Instr::Print { b: 0, t: T, nl: 1 }]);
    let entry = small.entry;
    assert_eq!(session.run(verified(small), entry), Ok(None));
}

#[test]
fn a_failed_write_in_the_repl_ends_the_input_with_its_reason() {
    let stdin = Box::new(std::io::Cursor::new(Vec::new()));
    let mut session = crate::Session::new(VmOptions::default(), Box::new(Full), stdin).unwrap();
    let m = dag_program(64, vec![Instr::Print { b: 0, t: T, nl: 1 }]);
    let entry = m.entry;
    let err = session
        .run(verified(m.clone()), entry)
        .expect_err("printing to a full disk fails");
    assert_eq!(
        err.message,
        "cannot write to stdout: No space left on device"
    );
    assert!(!err.internal);
    // The session goes on: the next input meets the failure afresh rather
    // than a stale one, and says so again.
    let err = session
        .run(verified(m), entry)
        .expect_err("printing to a full disk fails again");
    assert_eq!(
        err.message,
        "cannot write to stdout: No space left on device"
    );
}
