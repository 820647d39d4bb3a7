//! Unit tests of the verifier: a module that uses every opcode verifies, and
//! for each rule class, a module breaking it is rejected with the expected
//! message.

use super::*;
use crate::instr::{Instr, ALL_OPCODES};
use crate::module::{Field, Function};
use crate::natives::Native;
use crate::types::{Type, TypeId, BOOL, FLOAT, INT, STR};
use Instr::*;

// Type ids of the base module's table.
const ARR_INT: TypeId = 4;
const MAP_STR_INT: TypeId = 5;
const POINT: TypeId = 6;
const SHAPE: TypeId = 7;
const NAMED: TypeId = 8;
const FN_INT_INT: TypeId = 9;
const CELL_INT: TypeId = 10;
const LESS_INT: TypeId = 11;
const ARR_STR: TypeId = 12;
const ARR_FLOAT: TypeId = 13;
const ARR_BOOL: TypeId = 14;

// Function ids of the base module.
const MAIN: u32 = 0;
const POINT_NAME: u32 = 1;
const POINT_SCALE: u32 = 2;
const ADD1: u32 = 3;
const ADDER: u32 = 4;
const LESS: u32 = 5;

fn func(
    name: &str,
    params: Vec<TypeId>,
    ret: Option<TypeId>,
    captures: Vec<TypeId>,
    regs: Vec<TypeId>,
    code: Vec<Instr>,
) -> Function {
    let lines = (1..=code.len() as u32).collect();
    Function {
        name: name.into(),
        params,
        ret,
        captures,
        regs,
        code,
        lines,
    }
}

/// A module with one of each kind of declaration and a few small functions;
/// `main` (f0) is just `ret.v` and is replaced by the tests. The ids above
/// are positions in its listing, `tests/verify/base.lasm`.
fn base() -> Module {
    listing(include_str!("../../tests/verify/base.lasm"))
}

/// `base()` with a `main` that uses every opcode once, correctly
/// (`tests/verify/every_opcode.lasm`).
pub(super) fn every_opcode_module() -> Module {
    listing(include_str!("../../tests/verify/every_opcode.lasm"))
}

/// The module a listing of the test files shows.
fn listing(text: &str) -> Module {
    crate::asm::assemble(text).unwrap_or_else(|e| panic!("a test listing does not assemble: {e}"))
}

/// The registers of the every-opcode `main`, by role: see the comment at
/// the top of `tests/verify/every_opcode.lasm`.
fn main_regs() -> Vec<TypeId> {
    every_opcode_module().functions[MAIN as usize].regs.clone()
}

#[test]
fn the_named_ids_name_what_the_listing_declares() {
    let m = base();
    for (id, name) in [
        (ARR_INT, "[int]"),
        (MAP_STR_INT, "{str: int}"),
        (POINT, "Point"),
        (SHAPE, "Shape"),
        (NAMED, "Named"),
        (FN_INT_INT, "fn(int) -> int"),
        (CELL_INT, "cell<int>"),
        (LESS_INT, "fn(int, int) -> bool"),
        (ARR_STR, "[str]"),
        (ARR_FLOAT, "[float]"),
        (ARR_BOOL, "[bool]"),
    ] {
        assert_eq!(m.type_name(id), name);
    }
    for (id, name) in [
        (MAIN, "main"),
        (POINT_NAME, "Point::name"),
        (POINT_SCALE, "Point::scale"),
        (ADD1, "add1"),
        (ADDER, "<lambda>"),
        (LESS, "less"),
    ] {
        assert_eq!(m.functions[id as usize].name, name);
    }
    let regs = main_regs();
    assert_eq!(
        (regs[12], regs[13], regs[17], regs[19]),
        (NAMED, INT, LESS_INT, STR)
    );
}

#[test]
fn superinstructions_check_their_operands() {
    rejects(
        &main_doing(vec![JmpEqI {
            a: 0,
            b: 3,
            target: 0,
        }]),
        "register r3 has type float, expected int",
    );
    rejects(
        &main_doing(vec![JmpNltF {
            a: 0,
            b: 3,
            target: 0,
        }]),
        "register r0 has type int, expected float",
    );
    rejects(
        &main_doing(vec![JmpLtImmI {
            a: 3,
            imm: 0,
            target: 0,
        }]),
        "register r3 has type float, expected int",
    );
    rejects(
        &main_doing(vec![JmpNil { a: 0, target: 0 }]),
        "cannot hold nil",
    );
    rejects(
        &main_doing(vec![ForLoop {
            a: 0,
            b: 1,
            target: 1000,
        }]),
        "jump target @1000 is out of range",
    );
    rejects(
        &main_doing(vec![DivImmI { a: 0, b: 0, imm: 0 }]),
        "the divisor immediate is 0",
    );
    rejects(
        &main_doing(vec![RemImmI { a: 0, b: 0, imm: 0 }]),
        "the divisor immediate is 0",
    );
    rejects(
        &main_doing(vec![AddKF { a: 3, b: 3, k: 0 }]),
        "constant k0 is not a float",
    );
    rejects(
        &main_doing(vec![MulKF { a: 3, b: 3, k: 9 }]),
        "constant k9 is out of range",
    );
    rejects(
        &main_doing(vec![JmpLtKF {
            a: 3,
            k: 2,
            target: 0,
        }]),
        "constant k2 is not a float",
    );
    rejects(
        &main_doing(vec![JmpNgeKF {
            a: 0,
            k: 1,
            target: 0,
        }]),
        "register r0 has type int, expected float",
    );
    rejects(
        &main_doing(vec![MulAddImmI {
            a: 0,
            b: 0,
            imm: 2,
            c: 3,
        }]),
        "register r3 has type float, expected int",
    );
    rejects(
        &main_doing(vec![MulImmI { a: 3, b: 0, imm: 2 }]),
        "register r3 has type float, expected int",
    );
}

/// `base()` with `main` replaced.
fn with_main(regs: Vec<TypeId>, code: Vec<Instr>) -> Module {
    let mut m = base();
    m.functions[0] = func("main", vec![], None, vec![], regs, code);
    m
}

/// `base()` with a `main` of the standard registers running `code`, then
/// `ret.v`.
fn main_doing(code: Vec<Instr>) -> Module {
    let mut code = code;
    code.push(RetVoid {});
    with_main(main_regs(), code)
}

/// Asserts that `m` is rejected and the rendered error contains `fragment`.
#[track_caller]
fn rejects(m: &Module, fragment: &str) {
    match check(m) {
        Ok(()) => panic!("accepted a module that should fail with `{fragment}`"),
        Err(e) => {
            let text = e.to_string();
            assert!(
                text.contains(fragment),
                "error `{text}` does not contain `{fragment}`"
            );
        }
    }
}

#[track_caller]
fn accepts(m: &Module) {
    if let Err(e) = check(m) {
        panic!("rejected a valid module: {e}");
    }
}

#[test]
fn the_base_module_and_the_every_opcode_main_verify() {
    accepts(&base());
    let m = every_opcode_module();
    accepts(&m);
    for op in ALL_OPCODES {
        assert!(
            m.functions
                .iter()
                .flat_map(|f| &f.code)
                .any(|i| i.opcode() == *op),
            "the every-opcode sample lacks {}",
            op.mnemonic()
        );
    }
}

#[test]
fn verify_hands_back_the_module_it_accepted_and_nothing_else() {
    let m = every_opcode_module();
    let verified = verify(m.clone()).expect("the every-opcode module verifies");
    // Read-only access and taking the module back give the very module.
    assert_eq!(verified.module(), &m);
    assert_eq!(verified.functions.len(), m.functions.len());
    assert_eq!(verified.into_module(), m);
    // A rejected module gives the same error `check` gives, and no
    // `Verified`.
    let bad = with_main(main_regs(), vec![Nop {}]);
    assert_eq!(verify(bad.clone()).unwrap_err(), check(&bad).unwrap_err());
}

#[test]
fn error_display_names_function_pc_and_mnemonic() {
    let mut regs = main_regs();
    regs[3] = FLOAT;
    let m = with_main(regs, vec![Nop {}, AddI { a: 0, b: 1, c: 3 }, RetVoid {}]);
    let e = check(&m).unwrap_err();
    assert_eq!(
        e.to_string(),
        "verify error in function `main` at pc 1 (add.i): register r3 has type float, expected int"
    );
    assert_eq!(e.function.as_deref(), Some("main"));
    assert_eq!(e.pc, Some(1));
    let mut m = base();
    m.types.push(Type::Array(999));
    assert_eq!(
        check(&m).unwrap_err().to_string(),
        "verify error: type table entry t15: element type t999 must be an earlier entry of the table (which has 16 entries)"
    );
}

#[test]
fn type_table_rules() {
    let mut m = base();
    m.types.swap(0, 1);
    rejects(&m, "must start with the built-in types");
    let mut m = base();
    m.types.truncate(2);
    rejects(&m, "must start with the built-in types");
    let mut m = base();
    m.types.push(Type::Array(15));
    rejects(&m, "t15: element type t15 must be an earlier entry");
    let mut m = base();
    m.types.push(Type::Map(FLOAT, INT));
    rejects(&m, "map key type float must be int, str or bool");
    let mut m = base();
    m.types.push(Type::Map(ARR_INT, INT));
    rejects(&m, "map key type [int] must be int, str or bool");
    let mut m = base();
    m.types.push(Type::Map(BOOL, ARR_INT));
    accepts(&m);
    let mut m = base();
    m.types.push(Type::Array(INT));
    rejects(&m, "t15 ([int]) is a duplicate");
    let mut m = base();
    m.types.push(Type::Struct(1));
    rejects(&m, "struct index 1 is out of range");
    let mut m = base();
    m.types.push(Type::Enum(7));
    rejects(&m, "enum index 7 is out of range");
    let mut m = base();
    m.types.push(Type::Trait(1));
    rejects(&m, "trait index 1 is out of range");
    let mut m = base();
    m.types.push(Type::Func {
        params: vec![INT, 40],
        ret: None,
    });
    rejects(&m, "parameter type t40 must be an earlier entry");
    let mut m = base();
    m.types.push(Type::Func {
        params: vec![],
        ret: Some(15),
    });
    rejects(&m, "return type t15 must be an earlier entry");
    let mut m = base();
    m.types.push(Type::Cell(CELL_INT));
    accepts(&m);
    m.types.push(Type::Cell(99));
    rejects(&m, "cell content type t99");
}

#[test]
fn declaration_rules() {
    let mut m = base();
    m.structs[0].fields[1].ty = 50;
    rejects(&m, "field `y` of struct `Point`: type t50 is out of range");
    let mut m = base();
    m.enums[0].variants[1].fields[0] = 50;
    rejects(
        &m,
        "payload 0 of variant `Shape::Rect`: type t50 is out of range",
    );
    let mut m = base();
    m.traits[0].methods[1].params[0] = 50;
    rejects(&m, "parameter 0 of trait method `Named::scale`");
    let mut m = base();
    m.traits[0].methods[0].ret = Some(50);
    rejects(&m, "return type of trait method `Named::name`");
    let mut m = base();
    m.globals[0].ty = 50;
    rejects(&m, "global g0 `counter`: type t50 is out of range");
    // A struct may hold a field of its own type.
    let mut m = base();
    m.structs[0].fields.push(Field {
        name: "next".into(),
        ty: POINT,
    });
    accepts(&m);
}

#[test]
fn impl_rules() {
    let mut m = base();
    m.impls[0].trait_index = 3;
    rejects(&m, "impl 0: trait index 3 is out of range");
    let mut m = base();
    m.impls[0].struct_index = 3;
    rejects(&m, "impl 0: struct index 3 is out of range");
    let mut m = base();
    m.impls[0].methods.pop();
    rejects(
        &m,
        "impl Named for Point: has 1 methods but the trait declares 2",
    );
    let mut m = base();
    m.impls[0].methods[1] = 77;
    rejects(&m, "names function 77, out of range");
    let mut m = base();
    m.impls[0].methods.swap(0, 1);
    rejects(
        &m,
        "has signature (int) but the trait method needs () -> str",
    );
    let mut m = base();
    m.impls[0].methods[0] = ADD1;
    rejects(&m, "must take the struct `Point` as its first parameter");
    let mut m = base();
    m.impls.push(m.impls[0].clone());
    rejects(&m, "a second impl of the same trait for the same struct");
    let mut m = base();
    m.functions[POINT_NAME as usize].captures.push(INT);
    rejects(&m, "has captures; trait methods must be plain functions");
}

#[test]
fn entry_rules() {
    let mut m = base();
    m.entry = 6;
    rejects(&m, "entry function 6 is out of range");
    let mut m = base();
    m.entry = ADD1;
    rejects(&m, "the entry function must take no parameters");
}

#[test]
fn function_header_rules() {
    let mut m = base();
    m.functions[ADD1 as usize].regs.clear();
    rejects(&m, "registers r0..r1 must have the parameter types");
    let mut m = base();
    m.functions[ADD1 as usize].regs[0] = FLOAT;
    rejects(&m, "must have the parameter types");
    let mut m = base();
    m.functions[ADD1 as usize].params[0] = 99;
    rejects(&m, "parameter 0: type t99 is out of range");
    let mut m = base();
    m.functions[ADD1 as usize].captures.push(99);
    rejects(&m, "capture 0: type t99 is out of range");
    let mut m = base();
    m.functions[ADD1 as usize].ret = Some(99);
    rejects(&m, "return type: type t99 is out of range");
    let mut m = base();
    m.functions[ADD1 as usize].regs.push(99);
    rejects(&m, "register r1: type t99 is out of range");
    let m = with_main(vec![INT; MAX_REGISTERS + 1], vec![RetVoid {}]);
    rejects(&m, "declares 65536 registers; the limit is 65535");
    let m = with_main(vec![INT; MAX_REGISTERS], vec![RetVoid {}]);
    accepts(&m);
    let m = with_main(vec![], vec![]);
    rejects(&m, "function `main`: has no code");
    let mut m = base();
    m.functions[ADD1 as usize].lines.push(3);
    rejects(&m, "has 2 instructions but 3 line-table entries");
}

#[test]
fn control_flow_rules() {
    let m = with_main(vec![INT], vec![LoadInt { a: 0, imm: 1 }]);
    rejects(&m, "at pc 0 (ld.i): control can run off the end");
    let m = with_main(
        vec![],
        vec![CallNative {
            a: 0,
            native: Native::ReadLine as u16,
            b: 0,
            n: 0,
        }],
    );
    rejects(&m, "register r0 is out of range");
    // exit(0) is not a terminator: control could still run off the end.
    let m = with_main(
        vec![INT],
        vec![
            LoadInt { a: 0, imm: 0 },
            CallNative {
                a: 0,
                native: Native::Exit as u16,
                b: 0,
                n: 1,
            },
        ],
    );
    rejects(&m, "control can run off the end");
    let m = with_main(vec![], vec![Jmp { target: 0 }]);
    accepts(&m);
    let m = with_main(vec![], vec![Jmp { target: 1 }]);
    rejects(
        &m,
        "jump target @1 is out of range (the function has 1 instructions)",
    );
    let m = main_doing(vec![JmpIf { a: 5, target: 9 }]);
    rejects(&m, "jump target @9 is out of range");
    let m = main_doing(vec![JmpLtI {
        a: 0,
        b: 1,
        target: u32::MAX,
    }]);
    rejects(&m, "jump target @4294967295 is out of range");
    let m = main_doing(vec![JmpIfNot { a: 0, target: 0 }]);
    rejects(&m, "register r0 has type int, expected bool");
    let m = main_doing(vec![JmpGeI {
        a: 3,
        b: 0,
        target: 0,
    }]);
    rejects(&m, "register r3 has type float, expected int");
}

#[test]
fn return_rules() {
    let m = main_doing(vec![Ret { a: 0 }]);
    rejects(&m, "(ret): ret in a function that returns nothing");
    let mut m = base();
    m.functions[ADD1 as usize].code[1] = RetVoid {};
    rejects(&m, "(ret.v): ret.v in a function that returns int");
    let mut m = base();
    m.functions[LESS as usize].code[1] = Ret { a: 0 };
    rejects(&m, "register r0 has type int, expected bool");
}

#[test]
fn register_and_scalar_rules() {
    rejects(
        &main_doing(vec![Mov { a: 20, b: 0 }]),
        "register r20 is out of range (the function has 20 registers)",
    );
    rejects(
        &main_doing(vec![Mov { a: 0, b: 3 }]),
        "register r3 has type float, expected int",
    );
    rejects(
        &main_doing(vec![LoadInt { a: 3, imm: 0 }]),
        "register r3 has type float, expected int",
    );
    rejects(&main_doing(vec![LoadBool { a: 0, v: 1 }]), "expected bool");
    rejects(
        &main_doing(vec![AddF { a: 3, b: 3, c: 0 }]),
        "register r0 has type int, expected float",
    );
    rejects(
        &main_doing(vec![LtI { a: 0, b: 0, c: 1 }]),
        "register r0 has type int, expected bool",
    );
    rejects(&main_doing(vec![EqB { a: 5, b: 5, c: 0 }]), "expected bool");
    rejects(
        &main_doing(vec![EqS { a: 5, b: 6, c: 8 }]),
        "register r8 has type [int], expected str",
    );
    rejects(
        &main_doing(vec![Concat { a: 5, b: 6, c: 6 }]),
        "register r5 has type bool, expected str",
    );
    rejects(&main_doing(vec![StrLen { a: 0, b: 8 }]), "expected str");
    rejects(
        &main_doing(vec![IntToFloat { a: 0, b: 0 }]),
        "register r0 has type int, expected float",
    );
    rejects(
        &main_doing(vec![FloatToInt { a: 0, b: 0 }]),
        "expected float",
    );
    rejects(&main_doing(vec![NegI { a: 3, b: 3 }]), "expected int");
    rejects(&main_doing(vec![NotB { a: 0, b: 0 }]), "expected bool");
}

#[test]
fn constant_and_global_rules() {
    rejects(
        &main_doing(vec![LoadK { a: 0, k: 3 }]),
        "constant k3 is out of range (the module has 3 constants)",
    );
    rejects(
        &main_doing(vec![LoadK { a: 0, k: 1 }]),
        "register r0 has type int, expected float",
    );
    rejects(&main_doing(vec![LoadK { a: 0, k: 2 }]), "expected str");
    rejects(
        &main_doing(vec![GetGlobal { a: 0, g: 1 }]),
        "global g1 is out of range",
    );
    rejects(
        &main_doing(vec![GetGlobal { a: 6, g: 0 }]),
        "register r6 has type str, expected int",
    );
    rejects(
        &main_doing(vec![SetGlobal { g: 0, b: 3 }]),
        "register r3 has type float, expected int",
    );
}

#[test]
fn nil_and_reference_rules() {
    for r in [0, 3, 5, 6] {
        rejects(&main_doing(vec![LoadNil { a: r }]), "which cannot hold nil");
        rejects(
            &main_doing(vec![IsNil { a: 5, b: r }]),
            "which cannot hold nil",
        );
    }
    for r in [8, 9, 10, 11, 12, 14, 15] {
        accepts(&main_doing(vec![LoadNil { a: r }, IsNil { a: 5, b: r }]));
    }
    rejects(
        &main_doing(vec![EqR { a: 5, b: 0, c: 8 }]),
        "register r0 has type int, expected a reference type",
    );
    rejects(
        &main_doing(vec![NeR { a: 5, b: 8, c: 3 }]),
        "expected a reference type",
    );
    rejects(&main_doing(vec![EqR { a: 0, b: 8, c: 8 }]), "expected bool");
}

#[test]
fn tostr_and_print_rules() {
    rejects(
        &main_doing(vec![ToStr {
            a: 7,
            b: 0,
            t: FLOAT,
        }]),
        "register r0 has type int, expected float",
    );
    rejects(
        &main_doing(vec![ToStr { a: 0, b: 0, t: INT }]),
        "register r0 has type int, expected str",
    );
    rejects(
        &main_doing(vec![ToStr { a: 7, b: 0, t: 500 }]),
        "type t500 is out of range",
    );
    rejects(
        &main_doing(vec![Print {
            b: 8,
            t: ARR_STR,
            nl: 0,
        }]),
        "register r8 has type [int], expected [str]",
    );
}

#[test]
fn call_rules() {
    let call = |a, f, b, n| main_doing(vec![Call { a, f, b, n }]);
    accepts(&call(0, ADD1, 1, 1));
    rejects(&call(0, 99, 1, 1), "function f99 is out of range");
    rejects(
        &call(0, ADD1, 1, 2),
        "function `add1` takes 1 values but 2 are passed",
    );
    rejects(
        &call(0, ADD1, 3, 1),
        "function `add1`: value 0 (r3) has type float, expected int",
    );
    rejects(
        &call(3, ADD1, 1, 1),
        "register r3 has type float, expected int",
    );
    rejects(&call(0, ADD1, 19, 1), "expected int");
    rejects(&call(0, ADD1, 20, 1), "registers r20..r20 are out of range");
    rejects(
        &call(0, ADD1, u16::MAX, 1),
        "registers r65535..r65535 are out of range",
    );
    rejects(
        &call(0, ADDER, 1, 1),
        "has captures; it can only be called through a closure",
    );
    // A void callee never writes A, so A need not be a register of the
    // frame; an empty argument list may start at most one past the end.
    let m = with_main(
        vec![],
        vec![
            Call {
                a: 9,
                f: MAIN,
                b: 9,
                n: 0,
            },
            RetVoid {},
        ],
    );
    rejects(
        &m,
        "an empty register list starts at r9, past the end of the frame",
    );
    let m = with_main(
        vec![],
        vec![
            Call {
                a: 9,
                f: MAIN,
                b: 0,
                n: 0,
            },
            RetVoid {},
        ],
    );
    accepts(&m);
}

#[test]
fn closure_call_rules() {
    let cc = |a, c, b, n| main_doing(vec![CallClosure { a, c, b, n }]);
    accepts(&cc(0, 14, 1, 1));
    rejects(
        &cc(0, 13, 1, 1),
        "register r13 has type int, expected a function type",
    );
    rejects(
        &cc(0, 14, 1, 0),
        "the closure in r14 takes 1 values but 0 are passed",
    );
    rejects(
        &cc(0, 14, 3, 1),
        "value 0 (r3) has type float, expected int",
    );
    rejects(&cc(3, 14, 1, 1), "register r3 has type float, expected int");
    let mk = |a, f, b, n| main_doing(vec![MakeClosure { a, f, b, n }]);
    accepts(&mk(14, ADDER, 15, 1));
    accepts(&mk(14, ADD1, 0, 0));
    rejects(
        &mk(14, ADDER, 15, 0),
        "the captures of `<lambda>` takes 1 values but 0 are passed",
    );
    rejects(
        &mk(14, ADDER, 0, 1),
        "value 0 (r0) has type int, expected cell<int>",
    );
    rejects(&mk(17, ADD1, 0, 0), "register r17 has type fn(int, int) -> bool, but function `add1` has signature (int) -> int");
    rejects(
        &mk(0, ADD1, 0, 0),
        "register r0 has type int, expected a function type",
    );
    rejects(&mk(14, 42, 0, 0), "function f42 is out of range");
}

#[test]
fn capture_and_cell_rules() {
    rejects(
        &main_doing(vec![GetCapture { a: 0, i: 0 }]),
        "capture 0 is out of range (the function has 0 captures)",
    );
    let mut m = base();
    m.functions[ADDER as usize].code[0] = GetCapture { a: 1, i: 1 };
    rejects(
        &m,
        "capture 1 is out of range (the function has 1 captures)",
    );
    let mut m = base();
    m.functions[ADDER as usize].code[0] = GetCapture { a: 0, i: 0 };
    rejects(&m, "register r0 has type int, expected cell<int>");
    rejects(
        &main_doing(vec![NewCell { a: 0, b: 0 }]),
        "register r0 has type int, expected a cell",
    );
    rejects(
        &main_doing(vec![NewCell { a: 15, b: 3 }]),
        "register r3 has type float, expected int",
    );
    rejects(&main_doing(vec![CellGet { a: 3, b: 15 }]), "expected int");
    rejects(
        &main_doing(vec![CellGet { a: 0, b: 14 }]),
        "expected a cell",
    );
    rejects(
        &main_doing(vec![CellSet { a: 15, b: 6 }]),
        "register r6 has type str, expected int",
    );
}

#[test]
fn trait_call_rules() {
    let ct = |a, t, m, b, n| main_doing(vec![CallTrait { a, t, m, b, n }]);
    accepts(&ct(7, NAMED, 0, 12, 1));
    rejects(
        &ct(7, POINT, 0, 10, 1),
        "type operand Point is not a trait type",
    );
    rejects(
        &ct(7, NAMED, 2, 12, 1),
        "method 2 is out of range (trait `Named` has 2 methods)",
    );
    rejects(
        &ct(7, NAMED, 0, 12, 2),
        "method `Named::name` takes 1 values with the receiver but 2 are passed",
    );
    rejects(
        &ct(7, NAMED, 0, 10, 1),
        "register r10 has type Point, expected Named",
    );
    rejects(
        &ct(0, NAMED, 0, 12, 1),
        "register r0 has type int, expected str",
    );
    rejects(
        &ct(0, NAMED, 1, 12, 0),
        "takes 2 values with the receiver but 0 are passed",
    );
    let mut regs = main_regs();
    regs[13] = FLOAT;
    let m = with_main(
        regs,
        vec![
            CallTrait {
                a: 0,
                t: NAMED,
                m: 1,
                b: 12,
                n: 2,
            },
            RetVoid {},
        ],
    );
    rejects(
        &m,
        "method `Named::scale`: value 0 (r13) has type float, expected int",
    );
}

#[test]
fn native_call_rules() {
    let cn = |a, native: Native, b, n| {
        main_doing(vec![CallNative {
            a,
            native: native as u16,
            b,
            n,
        }])
    };
    rejects(
        &main_doing(vec![CallNative {
            a: 0,
            native: 999,
            b: 0,
            n: 0,
        }]),
        "native 999 does not exist",
    );
    rejects(
        &cn(3, Native::Sqrt, 3, 2),
        "native `sqrt` takes 1 arguments but 2 are passed",
    );
    rejects(
        &cn(3, Native::Sqrt, 0, 1),
        "argument 0 (r0) of native `sqrt` has type int, expected float",
    );
    rejects(
        &cn(0, Native::Sqrt, 3, 1),
        "the result register r0 of native `sqrt` has type int, expected float",
    );
    // array.push(x): [T], T.
    let push_with = |elem: TypeId| {
        let mut regs = main_regs();
        regs[9] = elem;
        with_main(
            regs,
            vec![
                CallNative {
                    a: 0,
                    native: Native::ArrPush as u16,
                    b: 8,
                    n: 2,
                },
                RetVoid {},
            ],
        )
    };
    accepts(&push_with(INT));
    rejects(
        &push_with(STR),
        "argument 1 (r9) of native `array.push` has type str, expected int",
    );
    rejects(
        &cn(0, Native::ArrPop, 9, 1),
        "argument 0 (r9) of native `array.pop` has type {str: int}, expected an array",
    );
    rejects(
        &cn(6, Native::ArrPop, 8, 1),
        "result register r6 of native `array.pop` has type str, expected int",
    );
    // sort: only [int], [float], [str].
    accepts(&cn(0, Native::ArrSort, 8, 1));
    accepts(&cn(0, Native::ArrSort, 18, 1));
    let mut regs = main_regs();
    regs[8] = ARR_BOOL;
    let sort_bools = with_main(
        regs,
        vec![
            CallNative {
                a: 0,
                native: Native::ArrSort as u16,
                b: 8,
                n: 1,
            },
            RetVoid {},
        ],
    );
    rejects(&sort_bools, "expected [int], [float] or [str]");
    // sort_by is the prelude's now: its retired native is refused even
    // with arguments of the right types.
    rejects(
        &cn(0, Native::ArrSortBy, 16, 2),
        "native `array.sort_by` is retired",
    );
    // join: [str], str.
    accepts(&cn(7, Native::ArrJoin, 18, 2));
    rejects(&cn(7, Native::ArrJoin, 16, 2), "expected [str]");
    // args() -> [str]: the result pattern is checked.
    rejects(
        &cn(8, Native::Args, 0, 0),
        "result register r8 of native `args` has type [int], expected [str]",
    );
    // Map natives bind K and V from the map.
    let mut regs = main_regs();
    regs.extend([MAP_STR_INT, STR, INT, ARR_STR, ARR_INT]); // r20..r24
    let map_call = |native: Native, a, n| {
        with_main(
            regs.clone(),
            vec![
                CallNative {
                    a,
                    native: native as u16,
                    b: 20,
                    n,
                },
                RetVoid {},
            ],
        )
    };
    accepts(&map_call(Native::MapGetOr, 0, 3));
    accepts(&map_call(Native::MapHas, 5, 2));
    accepts(&map_call(Native::MapKeys, 23, 1));
    accepts(&map_call(Native::MapValues, 24, 1));
    rejects(
        &map_call(Native::MapKeys, 24, 1),
        "result register r24 of native `map.keys` has type [int], expected [str]",
    );
    rejects(&map_call(Native::MapValues, 23, 1), "expected [int]");
    rejects(
        &map_call(Native::MapGetOr, 6, 3),
        "result register r6 of native `map.get` has type str, expected int",
    );
    rejects(&map_call(Native::ArrLen, 0, 1), "expected an array");
    let mut swapped = regs.clone();
    swapped.swap(21, 22);
    let m = with_main(
        swapped,
        vec![
            CallNative {
                a: 5,
                native: Native::MapHas as u16,
                b: 20,
                n: 2,
            },
            RetVoid {},
        ],
    );
    rejects(
        &m,
        "argument 1 (r21) of native `map.has` has type int, expected str",
    );
}

#[test]
fn struct_rules() {
    let ns = |a, t, b, n| main_doing(vec![NewStruct { a, t, b, n }]);
    accepts(&ns(10, POINT, 0, 2));
    rejects(
        &ns(10, SHAPE, 0, 2),
        "type operand Shape is not a struct type",
    );
    rejects(
        &ns(10, POINT, 0, 3),
        "struct `Point` takes 2 values but 3 are passed",
    );
    rejects(
        &ns(10, POINT, 2, 2),
        "struct `Point`: value 1 (r3) has type float, expected int",
    );
    rejects(
        &ns(11, POINT, 0, 2),
        "register r11 has type Shape, expected Point",
    );
    rejects(
        &main_doing(vec![GetField { a: 0, b: 10, i: 2 }]),
        "field 2 is out of range (struct `Point` has 2 fields)",
    );
    rejects(
        &main_doing(vec![GetField { a: 0, b: 11, i: 0 }]),
        "register r11 has type Shape, expected a struct",
    );
    rejects(
        &main_doing(vec![GetField { a: 3, b: 10, i: 0 }]),
        "register r3 has type float, expected int",
    );
    rejects(
        &main_doing(vec![SetField { a: 10, i: 9, b: 0 }]),
        "field 9 is out of range",
    );
    rejects(
        &main_doing(vec![SetField { a: 12, i: 0, b: 0 }]),
        "register r12 has type Named, expected a struct",
    );
    rejects(
        &main_doing(vec![SetField { a: 10, i: 0, b: 6 }]),
        "register r6 has type str, expected int",
    );
}

#[test]
fn upcast_rules() {
    accepts(&main_doing(vec![Upcast { a: 12, b: 10 }]));
    accepts(&main_doing(vec![Upcast { a: 12, b: 12 }]));
    rejects(
        &main_doing(vec![Upcast { a: 10, b: 10 }]),
        "register r10 has type Point, expected a trait type",
    );
    rejects(
        &main_doing(vec![Upcast { a: 12, b: 11 }]),
        "register r11 has type Shape, expected a struct implementing Named",
    );
    let mut m = main_doing(vec![Upcast { a: 12, b: 10 }]);
    m.impls.clear();
    rejects(&m, "struct Point does not implement trait Named");
}

#[test]
fn enum_rules() {
    let ne = |a, t, v, b, n| main_doing(vec![NewEnum { a, t, v, b, n }]);
    accepts(&ne(11, SHAPE, 2, 0, 0));
    accepts(&ne(11, SHAPE, 0, 3, 1));
    rejects(
        &ne(11, POINT, 0, 3, 1),
        "type operand Point is not an enum type",
    );
    rejects(
        &ne(11, SHAPE, 3, 3, 1),
        "variant 3 is out of range (enum `Shape` has 3 variants)",
    );
    rejects(
        &ne(11, SHAPE, 1, 3, 1),
        "variant `Shape::Rect` takes 2 values but 1 are passed",
    );
    rejects(
        &ne(11, SHAPE, 0, 0, 1),
        "variant `Shape::Circle`: value 0 (r0) has type int, expected float",
    );
    rejects(
        &ne(10, SHAPE, 0, 3, 1),
        "register r10 has type Point, expected Shape",
    );
    rejects(
        &main_doing(vec![EnumTag { a: 0, b: 10 }]),
        "expected an enum",
    );
    rejects(&main_doing(vec![EnumTag { a: 3, b: 11 }]), "expected int");
    let pl = |a, b, v, i| main_doing(vec![GetPayload { a, b, v, i }]);
    accepts(&pl(3, 11, 0, 0));
    rejects(&pl(3, 11, 5, 0), "variant 5 is out of range");
    rejects(
        &pl(3, 11, 0, 1),
        "payload field 1 is out of range (variant `Shape::Circle` has 1)",
    );
    rejects(&pl(0, 11, 1, 1), "register r0 has type int, expected float");
    rejects(
        &pl(3, 8, 0, 0),
        "register r8 has type [int], expected an enum",
    );
}

#[test]
fn array_rules() {
    let na = |a, t, b, n| main_doing(vec![NewArray { a, t, b, n }]);
    accepts(&na(8, ARR_INT, 0, 0));
    rejects(
        &na(8, MAP_STR_INT, 0, 3),
        "type operand {str: int} is not an array type",
    );
    rejects(
        &na(18, ARR_INT, 0, 3),
        "register r18 has type [str], expected [int]",
    );
    rejects(
        &na(8, ARR_INT, 1, 3),
        "element 2 (r3) has type float, expected int",
    );
    rejects(
        &na(8, ARR_INT, 19, 2),
        "registers r19..r20 are out of range",
    );
    let nf = |a, t, b, c| main_doing(vec![NewArrayFill { a, t, b, c }]);
    rejects(
        &nf(8, ARR_INT, 0, 3),
        "register r3 has type float, expected int",
    );
    rejects(
        &nf(8, ARR_INT, 3, 0),
        "register r3 has type float, expected int",
    );
    rejects(&nf(8, INT, 0, 0), "type operand int is not an array type");
    rejects(
        &main_doing(vec![ArrGet { a: 0, b: 9, c: 0 }]),
        "expected an array",
    );
    rejects(
        &main_doing(vec![ArrGet { a: 0, b: 8, c: 3 }]),
        "register r3 has type float, expected int",
    );
    rejects(
        &main_doing(vec![ArrGet { a: 6, b: 8, c: 0 }]),
        "register r6 has type str, expected int",
    );
    rejects(
        &main_doing(vec![ArrSet { a: 8, b: 6, c: 0 }]),
        "register r6 has type str, expected int",
    );
    rejects(
        &main_doing(vec![ArrSet { a: 8, b: 0, c: 6 }]),
        "register r6 has type str, expected int",
    );
    rejects(
        &main_doing(vec![ArrSet { a: 0, b: 0, c: 0 }]),
        "expected an array",
    );
    rejects(
        &main_doing(vec![ArrLen { a: 0, b: 6 }]),
        "register r6 has type str, expected an array",
    );
    rejects(&main_doing(vec![ArrLen { a: 3, b: 8 }]), "expected int");
    rejects(
        &main_doing(vec![ArrPush { a: 18, b: 0 }]),
        "register r0 has type int, expected str",
    );
}

#[test]
fn map_rules() {
    rejects(
        &main_doing(vec![NewMap { a: 9, t: ARR_INT }]),
        "type operand [int] is not a map type",
    );
    rejects(
        &main_doing(vec![NewMap {
            a: 8,
            t: MAP_STR_INT,
        }]),
        "register r8 has type [int], expected {str: int}",
    );
    rejects(
        &main_doing(vec![MapGet { a: 0, b: 9, c: 0 }]),
        "register r0 has type int, expected str",
    );
    rejects(
        &main_doing(vec![MapGet { a: 6, b: 9, c: 6 }]),
        "register r6 has type str, expected int",
    );
    rejects(
        &main_doing(vec![MapGet { a: 0, b: 8, c: 6 }]),
        "expected a map",
    );
    rejects(
        &main_doing(vec![MapSet { a: 9, b: 0, c: 0 }]),
        "register r0 has type int, expected str",
    );
    rejects(
        &main_doing(vec![MapSet { a: 9, b: 6, c: 6 }]),
        "register r6 has type str, expected int",
    );
    rejects(
        &main_doing(vec![MapSet { a: 8, b: 6, c: 0 }]),
        "expected a map",
    );
}

#[test]
fn index_operands_are_checked_even_in_unreachable_code() {
    // Code after a `ret.v` is unreachable but is still checked: the JIT
    // compiles whole functions.
    let m = with_main(
        vec![INT],
        vec![RetVoid {}, LoadK { a: 0, k: 77 }, RetVoid {}],
    );
    rejects(&m, "at pc 1 (ld.k): constant k77 is out of range");
}

/// The verifier proves no register written before it is read: a function
/// may read untouched registers of every type, on any path. Runtimes zero
/// every non-parameter register at frame push instead (`spec/bytecode.md`,
/// "Zeroed frames"); this pins that contract, so adding a
/// definite-assignment rule has to change the spec with it.
#[test]
fn registers_may_be_read_before_they_are_written() {
    let m = with_main(
        vec![INT, BOOL, FLOAT, STR, ARR_INT, BOOL],
        vec![
            AddI { a: 0, b: 0, c: 0 },
            JmpIf { a: 1, target: 3 },
            AddF { a: 2, b: 2, c: 2 },
            Concat { a: 3, b: 3, c: 3 },
            IsNil { a: 5, b: 4 },
            RetVoid {},
        ],
    );
    accepts(&m);
}
