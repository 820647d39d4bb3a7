//! Unit tests of `appends`: which variables are rewritten, and that the
//! rewritten code verifies. What the programs print is checked by the
//! suite's conformance programs (`tests/conformance/strings/append_*`).

use lang_bytecode::module::Module;
use lang_bytecode::{Instr, Native};

fn compile(src: &str) -> Module {
    let m = match crate::compile("t.src", src) {
        Ok(m) => m,
        Err(d) => panic!("{}", d.render(false)),
    };
    if let Err(e) = lang_bytecode::check(&m) {
        panic!("{e}\n{}", lang_bytecode::disasm::disassemble(&m));
    }
    m
}

/// How many `join`s and string concatenations function `name` has.
fn joins_and_concats(m: &Module, name: &str) -> (usize, usize) {
    let f = m.functions.iter().find(|f| f.name == name);
    let code = f.map_or(&[][..], |f| f.code.as_slice());
    let joins = code
        .iter()
        .filter(
            |i| matches!(i, Instr::CallNative { native, .. } if *native == Native::ArrJoin as u16),
        )
        .count();
    let concats = code
        .iter()
        .filter(|i| matches!(i, Instr::Concat { .. }))
        .count();
    (joins, concats)
}

#[test]
fn a_local_appended_in_a_loop_collects_pieces() {
    let m = compile(
        "fn f() -> str { var s = \"\"; for i in 0..3 { s += \"x\"; } return s; }
         fn g() -> str { var s = \"a\"; s += \"b\"; return s; }
         fn h() -> str { var s = \"\"; while s.len() < 3 { s = s + \"y\"; } return s; }",
    );
    // One flush, at the read in `return s`: a join and the concatenation
    // with what `s` held; the append itself concatenates nothing.
    assert_eq!(joins_and_concats(&m, "f"), (1, 1));
    // Appends outside loops stay concatenations.
    assert_eq!(joins_and_concats(&m, "g"), (0, 1));
    // `s = s + t` is an append too, and `s.len()` does not flush.
    assert_eq!(joins_and_concats(&m, "h"), (1, 1));
}

#[test]
fn a_captured_local_is_left_alone() {
    let m = compile(
        "fn f() -> str {
             var s = \"\";
             let get = fn() -> str { return s; };
             for i in 0..3 { s += \"x\"; }
             return get();
         }",
    );
    assert_eq!(joins_and_concats(&m, "f"), (0, 1));
}

#[test]
fn appended_globals_get_hidden_globals_read_through_every_function() {
    let m = compile(
        "var log = \"\";
         fn note(x: str) { log += x; }
         fn show() { println(log); }
         for i in 0..3 { note(\"x\"); }
         show();",
    );
    let names: Vec<&str> = m.globals.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["log", "log.pieces", "log.pending"]);
    assert_eq!(joins_and_concats(&m, "note"), (0, 0));
    assert_eq!(joins_and_concats(&m, "show"), (1, 1));
}
