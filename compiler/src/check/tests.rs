//! Checker tests: the card's programs check cleanly, and every class of
//! compile error is reported with its message at the right line:column.

fn errors(src: &str) -> Vec<String> {
    match crate::check("t.src", src) {
        Ok(()) => vec![],
        Err(d) => d
            .short()
            .into_iter()
            .map(|s| s.trim_start_matches("t.src:").to_string())
            .collect(),
    }
}

pub(super) fn ok(src: &str) {
    let e = errors(src);
    assert!(e.is_empty(), "unexpected errors: {e:#?}");
}

pub(super) fn err(src: &str, expected: &str) {
    let e = errors(src);
    assert!(
        e.iter().any(|m| m == expected),
        "expected `{expected}` among {e:#?}"
    );
}

#[test]
fn card_program_checks() {
    ok(include_str!("../testdata/card.src"));
}

#[test]
fn card_features() {
    ok("let xs = [1, 2, 3];
        var m: {str: int} = {};
        m[\"k\"] = 3;
        m[\"k\"] += 1;
        xs[0] += 1;
        let e: [str] = [];
        let z = [0; 10];
        for i in 0..10 { }
        for i in 0..=10 { }
        for x in xs { println(x); }
        let f = 1.5 + 2e-3;
        println(3.14159.to_fixed(2));
        println(\"a\" + str(1) + str(true) + str(xs));
        let s = \"  hi \".trim().to_upper();
        let parts = \"a,b\".split(\",\");
        println(parts.join(\"-\"));
        xs.push(4); let last = xs.pop(); xs.insert(0, 9); xs.sort();
        let ys = xs.slice(0, 2); xs.reverse(); let i = xs.index_of(3);
        xs.sort_by(fn(a: int, b: int) -> bool { return a > b; });
        let ks = m.keys(); let vs = m.values(); let g = m.get(\"x\", 0);
        if m.has(\"k\") { m.remove(\"k\"); }
        println(abs(-3) + min(1, 2) + max(3, 4));
        println(abs(-3.0) + sqrt(2.0) + pow(2.0, 3.0));
        println(float(3) + 1.0); println(int(2.5) + 1);
        println(parse_int(\"42\") + ord(\"a\")); println(chr(97));
        let t = clock(); let a = args(); let line = read_line();
        assert(true, \"fine\");
        let big = -9223372036854775808; let h = 0xffff_ffff_ffff_ffff;
        let n = ~1 << 2 >> 1 & 7 ^ 3 | 1 % 2;
        let b = 1 < 2 && !(2 <= 1) || 1 == 1 && \"a\" < \"b\";
        fn main() { println(\"main\"); }");
}

#[test]
fn closures_capture_and_loops() {
    ok("fn counter() -> fn() -> int {
            var n = 0;
            return fn() -> int { n += 1; return n; };
        }
        fn main() {
            var fs: [fn() -> int] = [];
            for i in 0..3 { fs.push(fn() -> int { return i; }); }
            for f in fs { println(f()); }
            let adder = fn(a: int) -> fn(int) -> int { return fn(b: int) -> int { return a + b; }; };
            println(adder(1)(2));
        }");
}

#[test]
fn if_and_match_values() {
    ok("enum E { A(int), B, C(str, int) }
        fn f(e: E) -> int {
            match e {
                E::A(x) | E::C(_, x) => x,
                E::B => { let y = 2; y * 2 }
            }
        }
        fn g(x: int) -> str { if x > 1 { \"big\" } else { \"small\" } }
        fn h(x: int) -> int {
            if x > 0 { return 1; } else { return 2; }
        }
        fn k(b: bool) -> int { match b { true => 1, false => 0 } }
        fn n(x: int) -> int { while true { if x > 0 { return x; } } }
        fn p(x: int) -> int { if x > 0 { return 1; } panic(\"no\"); }
        let v = match 7 { 0 => \"none\", 1..=5 => \"few\", _ => \"many\" };");
}

#[test]
fn traits_and_coercion() {
    ok("trait Shape { fn area(self) -> float; fn grow(self, k: float); }
        struct Sq { s: float }
        impl Shape for Sq { fn area(self) -> float { return self.s * self.s; } fn grow(self, k: float) { self.s *= k; } }
        fn total(xs: [Shape]) -> float { var t = 0.0; for x in xs { t += x.area(); } return t; }
        let one: Shape = Sq { s: 1.0 };
        let xs: [Shape] = [Sq { s: 2.0 }, one];
        println(total(xs));
        println(total([one, Sq { s: 3.0 }]));
        var n: Shape = nil;
        if n == nil { n = Sq { s: 1.0 }; }");
}

#[test]
fn nil_for_references() {
    ok("struct P { next: P }
        let p = P { next: nil };
        let xs: [int] = nil;
        let f: fn() = nil;
        if p.next == nil { }");
    err(
        "let x: int = nil;",
        "1:14: mismatched types: expected `int`, found `nil`",
    );
    err(
        "let s: str = nil;",
        "1:14: mismatched types: expected `str`, found `nil`",
    );
    err(
        "let x = nil;",
        "1:9: cannot tell the type of `nil`; write it: `let x: Type = nil`",
    );
}

// ---------------------------------------------------------------- error classes

#[test]
fn error_unknown_names() {
    err("println(y);", "1:9: unknown name `y`");
    err("foo(1);", "1:1: unknown function `foo`");
    err("let x: Foo = nil;", "1:8: unknown type `Foo`");
    err("let p = Q { x: 1 };", "1:9: unknown struct `Q`");
}

#[test]
fn error_type_mismatch() {
    err(
        "let x: int = \"a\";",
        "1:14: mismatched types: expected `int`, found `str`",
    );
    err(
        "let x = 1 + 2.0;",
        "1:13: mismatched types: expected `int`, found `float`",
    );
    err(
        "let x = \"a\" - \"b\";",
        "1:9: `-` cannot be applied to `str`",
    );
    err(
        "if 1 { }",
        "1:4: mismatched types: expected `bool`, found `int`",
    );
    err("let x = -true;", "1:9: `-` cannot be applied to `bool`");
}

#[test]
fn error_assign_to_let() {
    err(
        "let x = 1;\nx = 2;",
        "2:1: cannot assign to `x`: it is declared with `let`",
    );
    err(
        "fn f() { let y = 1; y += 1; }",
        "1:21: cannot assign to `y`: it is declared with `let`",
    );
    err(
        "for i in 0..3 { i = 1; }",
        "1:17: cannot assign to loop variable `i`",
    );
    err("1 = 2;", "1:1: cannot assign to this expression");
    // Fields are mutable even through a `let`.
    ok("struct P { x: int } let p = P { x: 1 }; p.x = 2; p.x += 1;");
}

#[test]
fn error_calls() {
    err(
        "fn f(a: int) -> int { return a; } f(1, 2);",
        "1:35: `f` takes 1 argument, but 2 were given",
    );
    err(
        "fn f(a: int) {} f(\"x\");",
        "1:19: mismatched types: expected `int`, found `str`",
    );
    err("let x = 1; x(2);", "1:12: `int` is not a function");
    err("let x = min(1, 2.0);", "1:9: no `min` takes (int, float)");
    err("let x = \"a\".nope();", "1:13: `str` has no method `nope`");
    err(
        "let x = [true].sort();",
        "1:16: `sort()` needs `[int]`, `[float]` or `[str]`, not `[bool]`; use `sort_by`",
    );
    err(
        "let x = int(\"3\");",
        "1:9: cannot convert `str` to `int`; use `parse_int` to read a number from text",
    );
    err(
        "let x = sqrt;",
        "1:9: built-in function `sqrt` can only be called, not used as a value",
    );
}

#[test]
fn error_missing_return() {
    err(
        "fn f(x: int) -> int {\n    if x > 0 { return 1; }\n}",
        "3:1: missing return: function `f` must return `int` on every path",
    );
    err(
        "fn f() -> int { return; }",
        "1:17: this function must return `int`",
    );
    err(
        "fn f() { return 1; }",
        "1:17: this function returns nothing, but a value is returned",
    );
    err("return;", "1:1: `return` outside of a function");
}

#[test]
fn error_loops() {
    err("break;", "1:1: `break` outside of a loop");
    err("fn f() { continue; }", "1:10: `continue` outside of a loop");
    err(
        "for x in 5 { }",
        "1:10: `for` can iterate over a range, an array, a map or a string, not `int`",
    );
}

#[test]
fn error_structs() {
    err(
        "struct P { x: int, y: int } let p = P { x: 1 };",
        "1:37: missing field `y` in `P`",
    );
    err(
        "struct P { x: int } let p = P { x: 1, z: 2 };",
        "1:39: struct `P` has no field `z`",
    );
    err(
        "struct P { x: int } let p = P { x: 1 }; p.q = 1;",
        "1:43: struct `P` has no field `q`",
    );
    err(
        "struct P { x: int } struct P { y: int }",
        "1:28: type `P` is declared twice",
    );
    err("let x = 1; let y = x.f;", "1:22: `int` has no field `f`");
}

#[test]
fn error_match() {
    err(
        "enum E { A, B(int) } fn f(e: E) -> int { return match e { E::A => 1 }; }",
        "1:49: non-exhaustive `match`: `E::B(..)` not covered",
    );
    err(
        "let x = match 3 { 1 => 1, 2..=5 => 2 };",
        "1:9: non-exhaustive `match`: add a `_` arm to cover every value",
    );
    err(
        "enum E { A, B } let e = E::A; let x = match e { E::A => 1, E::C => 2 };",
        "1:63: enum `E` has no variant `C`",
    );
    err(
        "let x = match 3 { \"a\" => 1, _ => 2 };",
        "1:19: mismatched types: this pattern matches `str`, but the value has type `int`",
    );
    err(
        "enum E { A(int) } let x = match E::A(1) { E::A(a, b) => 1, _ => 2 };",
        "1:43: variant `E::A` has 1 field, but the pattern has 2",
    );
    err(
        "let x = match 1 { 1 => 1, _ => \"a\" };",
        "1:32: mismatched types: expected `int`, found `str`",
    );
    ok("enum E { A(bool), B } let x = match E::B { E::A(true) => 1, E::A(false) | E::B => 2 };");
}

#[test]
fn error_traits() {
    err(
        "trait T { fn f(self) -> int; } struct S { } impl T for S { }",
        "1:56: `S` does not implement method `f` of trait `T`",
    );
    err(
        "trait T { fn f(self) -> int; } struct S { } impl T for S { fn f(self) -> str { return \"\"; } }",
        "1:63: method `f` does not match its declaration in trait `T`",
    );
    err(
        "trait T { fn f(self) -> int; } struct S { } let t: T = S { };",
        "1:56: `S` does not implement trait `T`",
    );
    err(
        "trait T { fn f(self) -> int; } fn g(t: T) -> int { return t.h(); }",
        "1:61: trait `T` has no method `h`",
    );
}

#[test]
fn error_empty_literals_need_a_type() {
    err("let xs = [];", "1:10: cannot tell the element type of `[]`; write the variable's type: `let xs: [int] = []`");
    err(
        "let m = {};",
        "1:9: cannot tell the type of `{}`; write the variable's type: `let m: {str: int} = {}`",
    );
    err(
        "let m: {float: int} = {};",
        "1:9: map keys must be `int`, `str` or `bool`, not `float`",
    );
}

#[test]
fn error_literals() {
    err(
        "let x = 9223372036854775808;",
        "1:9: integer literal is too large for `int`",
    );
    err(
        "let x = 99999999999999999999;",
        "1:9: integer literal is too large for `int`",
    );
    err("let s = \"\\q\";", "1:10: unknown escape `\\q` in string");
}

#[test]
fn error_main_signature() {
    err(
        "fn main() -> int { return 1; }",
        "1:4: `main` must take no parameters and return nothing",
    );
}

#[test]
fn error_globals_order_and_scope() {
    err("println(g); let g = 1;", "1:9: unknown name `g`");
    ok("fn f() -> int { return g; } let g = 1;");
    err(
        "fn f() { let a = 1; } fn g() -> int { return a; }",
        "1:46: unknown name `a`",
    );
}

#[test]
fn every_error_is_reported() {
    let e = errors("let a: int = \"x\";\nlet b = q;\nfn f() -> int { }\nlet c = 1 +;\n");
    assert_eq!(e.len(), 4, "{e:#?}");
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_crash() {
    let depth = 100_000;
    let src = format!("let x = {}1{};", "[".repeat(depth), "]".repeat(depth));
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("nested too deeply"), "{e:?}");
    let src = format!(
        "fn f() {{ {} }}",
        "if true { ".repeat(5000) + &"}".repeat(5000)
    );
    let e = errors(&src);
    assert!(e.iter().any(|m| m.contains("nested too deeply")), "{e:?}");
    let src = format!(
        "let x: {}int{} = nil;",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(errors(&src).iter().any(|m| m.contains("nested too deeply")));
    let src = format!(
        "enum E {{ A(E), B }} let x = match E::B {{ {}E::B{} => 1, _ => 2 }};",
        "E::A(".repeat(depth),
        ")".repeat(depth)
    );
    assert!(errors(&src).iter().any(|m| m.contains("nested too deeply")));
    // Just below the limit works.
    let src = format!("let x = {}1{};", "-(".repeat(90), ")".repeat(90));
    ok(&src);
}

#[test]
fn render_shows_file_line_and_source() {
    let d = crate::check("prog.src", "let x = 1;\nlet y: int = \"a\";\n").unwrap_err();
    let text = d.render(false);
    assert!(text.contains("prog.src:2:14"), "{text}");
    assert!(text.contains("let y: int = \"a\";"), "{text}");
    assert!(text.contains("mismatched types"), "{text}");
}
