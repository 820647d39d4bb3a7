//! Every kind of runtime error turns into its message only when reported,
//! and the message is the one the conformance suite expects.

use super::{verified, Asm};
use crate::program::Program;
use crate::trap::{internal, Trap, TrapKind};
use lang_bytecode::Instr;

/// Each kind with its data and the message it reports.
fn cases() -> Vec<(TrapKind, &'static str)> {
    use TrapKind as K;
    vec![
        (
            K::IndexOutOfBounds { index: -1, len: 3 },
            "index -1 out of bounds for length 3",
        ),
        (K::DivisionByZero, "division by zero"),
        (K::NilDereference, "nil dereference"),
        (K::StackOverflow, "stack overflow"),
        (K::OutOfMemory, "out of memory"),
        (K::Interrupted, "interrupted"),
        (K::NanToInt, "cannot convert nan to int"),
        (
            K::FloatToIntOutOfRange { value: 1e300 },
            "cannot convert 1e300 to int: out of range",
        ),
        (
            K::NegativeArrayLength { count: -2 },
            "negative array length: -2",
        ),
        (
            K::MapTooLarge {
                max_entries: 1 << 29,
            },
            "map too large: a map holds at most 536870912 entries",
        ),
        (K::PopEmpty, "pop from an empty array"),
        (
            K::SliceOutOfBounds {
                from: 2,
                to: 1,
                len: 5,
            },
            "slice range 2..1 out of bounds for length 5",
        ),
        (
            K::SubstringOutOfBounds {
                from: 0,
                to: 9,
                len: 4,
            },
            "substring range 0..9 out of bounds for length 4",
        ),
        (
            K::SubstringNotOnBoundary { from: 1, to: 2 },
            "substring range 1..2 is not on character boundaries",
        ),
        (K::SplitEmptySeparator, "split with an empty separator"),
        (K::OrdEmpty, "ord of an empty string"),
        (
            K::InvalidCharCode { code: -5 },
            "chr of invalid character code -5",
        ),
        (
            K::ToFixedDigits {
                digits: 101,
                max: 100,
            },
            "to_fixed digits must be between 0 and 100, got 101",
        ),
        (K::InvalidInt("1\"x\n".into()), "invalid int: \"1\\\"x\\n\""),
        (
            K::KeyNotFound {
                key: "\"k\"".into(),
            },
            "key not found: \"k\"",
        ),
        (
            K::WrongVariant {
                enum_ty: 999,
                expected: 1,
                found: 0,
            },
            "wrong enum variant: expected variant 1, found variant 0",
        ),
        (K::Panic("it broke".into()), "it broke"),
        (
            K::AssertionFailed("x > 0".into()),
            "assertion failed: x > 0",
        ),
    ]
}

/// A program of one empty entry function, for formatting messages.
fn empty_program() -> Program {
    let mut a = Asm::new();
    a.entry(&[], vec![Instr::RetVoid {}]);
    Program::load(verified(a.finish()))
}

#[test]
fn every_kind_reports_its_message() {
    let prog = empty_program();
    for (kind, want) in cases() {
        assert_eq!(kind.display(&prog).to_string(), want, "{kind:?}");
    }
}

#[test]
fn a_trap_is_two_words() {
    // The interpreter returns `Result<_, Trap>` from every fallible step; a
    // `Result<(), Trap>` of two words comes back in two registers, a bigger
    // one through memory on every call.
    assert!(std::mem::size_of::<Trap>() <= 16);
    assert!(std::mem::size_of::<Result<(), Trap>>() <= 16);
    assert!(std::mem::size_of::<Result<u64, Trap>>() <= 24);
}

#[test]
fn an_internal_trap_reports_an_internal_error() {
    let prog = empty_program();
    let err = Trap::outcome(Err(internal("call of unknown function 7")), &prog, Vec::new)
        .expect_err("an internal trap is an error");
    assert!(err.internal);
    assert_eq!(err.message, "call of unknown function 7");
    let err = Trap::outcome(Err(Trap::error(TrapKind::PopEmpty)), &prog, Vec::new)
        .expect_err("a runtime error is an error");
    assert!(!err.internal);
    assert_eq!(err.message, "pop from an empty array");
}
