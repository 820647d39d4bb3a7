//! Checker tests of test functions (`test fn`) and the assertions tests
//! are written with.

use super::tests::{err, ok};

#[test]
fn test_functions_are_checked_but_not_callable() {
    ok("test fn adds() { assert_eq(1 + 1, 2); }\nfn main() { }");
    err(
        "test fn adds() { let x: int = \"a\"; }",
        "1:31: mismatched types: expected `int`, found `str`",
    );
    err(
        "test fn adds() { }\nfn main() { adds(); }",
        "2:13: unknown function `adds`",
    );
    err(
        "test fn twice() { }\ntest fn twice() { }",
        "2:9: test `twice` is declared twice",
    );
    err(
        "test fn f(x: int) { }",
        "1:9: test `f` must take no parameters and return nothing",
    );
    err(
        "test fn f() -> int { return 1; }",
        "1:9: test `f` must take no parameters and return nothing",
    );
}

#[test]
fn a_test_may_share_a_name_with_a_function() {
    ok("fn parse() -> int { return 1; }\ntest fn parse() { assert_eq(parse(), 1); }");
}

#[test]
fn test_is_still_an_identifier_elsewhere() {
    ok("fn all(xs: [int], test: fn(int) -> bool) -> bool {\n    for x in xs { if !test(x) { return false; } }\n    return true;\n}\nlet test = 1;\nprintln(test);");
}

#[test]
fn assert_eq_needs_two_values_of_one_type() {
    ok("assert_eq([1], [1]); assert_eq(Some(\"a\"), None); assert_eq((1, \"x\"), (1, \"x\"));");
    err(
        "assert_eq(1, \"a\");",
        "1:14: mismatched types: expected `int`, found `str`",
    );
    err("assert_eq(1);", "1:1: `assert_eq` takes 2 arguments (the value found and the value expected), but 1 were given");
    err(
        "assert(1);",
        "1:8: mismatched types: expected `bool`, found `int`",
    );
    ok("assert(1 < 2); assert(true, \"with a message\");");
}
