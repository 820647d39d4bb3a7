//! Session tests: inputs build on each other, failures change nothing, and
//! the module verifies after every input.

use super::{input_is_incomplete, Input, Session};
use lang_bytecode::{Instr, Module};

/// Compiles an input that must compile; checks the module still verifies.
fn ok(s: &mut Session, src: &str) -> Input {
    match s.compile_input(src) {
        Ok(i) => {
            if let Err(e) = lang_bytecode::check(s.module()) {
                panic!("module does not verify after `{src}`: {e}");
            }
            assert_eq!(s.module().entry, i.entry);
            i
        }
        Err(d) => panic!("`{src}` does not compile:\n{}", d.render(false)),
    }
}

/// Compiles an input that must fail; checks that nothing changed.
fn fails(s: &mut Session, src: &str) -> Vec<String> {
    let before_module = s.module().clone();
    let before = s.clone();
    let d = match s.compile_input(src) {
        Ok(_) => panic!("`{src}` compiled, but an error was expected"),
        Err(d) => d,
    };
    assert_eq!(
        *s.module(),
        before_module,
        "a failed input changed the module"
    );
    assert_eq!(s.inputs, before.inputs);
    assert_eq!(s.values, before.values);
    assert_eq!(s.env.sigs.len(), before.env.sigs.len());
    assert_eq!(s.env.globals.len(), before.env.globals.len());
    assert_eq!(s.env.structs.len(), before.env.structs.len());
    d.short()
}

fn calls(m: &Module, f: u32) -> Vec<u32> {
    m.functions[f as usize]
        .code
        .iter()
        .filter_map(|i| match i {
            Instr::Call { f, .. } => Some(*f),
            _ => None,
        })
        .collect()
}

#[test]
fn empty_session_verifies() {
    let s = Session::new("<repl>");
    lang_bytecode::check(s.module()).unwrap();
    assert_eq!(s.module().functions.len(), 1);
}

#[test]
fn declarations_persist_across_inputs() {
    let mut s = Session::new("<repl>");
    let i = ok(
        &mut s,
        "fn fib(n: int) -> int { if n < 2 { return n; } return fib(n - 1) + fib(n - 2); }",
    );
    assert_eq!(i.defined, vec!["fn fib"]);
    assert_eq!(i.value, None);
    let i = ok(&mut s, "struct Vec2 { x: float, y: float }");
    assert_eq!(i.defined, vec!["struct Vec2"]);
    let i = ok(
        &mut s,
        "impl Vec2 { fn len(self) -> float { return sqrt(self.x * self.x + self.y * self.y); } }",
    );
    assert_eq!(i.defined, vec!["impl Vec2"]);
    let i = ok(&mut s, "let v = Vec2 { x: 3.0, y: 4.0 };\nvar n = fib(10);");
    assert_eq!(i.defined, vec!["let v: Vec2", "var n: int"]);
    assert_eq!(i.value, None);
    let i = ok(&mut s, "n += 1;");
    assert_eq!(i.defined, Vec::<String>::new());
    let i = ok(&mut s, "v.len()");
    assert_eq!(i.value.as_ref().map(|v| v.1.as_str()), Some("float"));
    // Functions declared later see the globals of earlier inputs.
    ok(
        &mut s,
        "fn bump() -> int { n += 1; return n + int(v.len()); }",
    );
    ok(
        &mut s,
        "enum Shape { Circle(float), Empty }\ntrait Named { fn name(self) -> str; }",
    );
    ok(
        &mut s,
        "impl Named for Vec2 { fn name(self) -> str { return \"vec\"; } }\n\
         let shapes = [Shape::Circle(1.0), Shape::Empty];",
    );
    let i = ok(
        &mut s,
        "let named: Named = v;\nmatch shapes[0] { Shape::Circle(r) => r, Shape::Empty => 0.0 }",
    );
    assert_eq!(i.value.as_ref().map(|v| v.1.as_str()), Some("float"));
    assert_eq!(i.defined, vec!["let named: Named"]);
    let m = s.module();
    assert_eq!(m.structs.len(), 1);
    assert_eq!(m.enums.len(), 1);
    assert_eq!(m.traits.len(), 1);
    assert_eq!(m.impls.len(), 1);
}

#[test]
fn bare_expressions_store_their_value() {
    let mut s = Session::new("<repl>");
    let i = ok(&mut s, "1 + 2");
    let (g, ty) = i.value.clone().expect("a value");
    assert_eq!(ty, "int");
    assert_eq!(s.module().globals[g as usize].name, "_1");
    // The entry stores the value in that global.
    let code = &s.module().functions[i.entry as usize].code;
    assert!(code
        .iter()
        .any(|c| matches!(c, Instr::SetGlobal { g: x, .. } if *x == g)));
    // With `;` too; and later inputs may use the value.
    let i = ok(&mut s, "_1 * 10;");
    assert_eq!(i.value.as_ref().map(|v| v.1.as_str()), Some("int"));
    assert_eq!(s.module().globals[i.value.unwrap().0 as usize].name, "_2");
    for (src, want) in [
        ("[\"a\", \"b\"]", "[str]"),
        ("(fn(x: int) -> int { return x * 2; })", "fn(int) -> int"),
        (
            "let d = fn(x: int) -> int { return x * 2; };\nd",
            "fn(int) -> int",
        ),
        ("{\"k\": [1.5]}", "{str: [float]}"),
        ("if true { \"yes\" } else { \"no\" }", "str"),
        ("match 3 { 1 => 1.0, _ => 2.0 }", "float"),
        ("struct P { x: int }\nP { x: 1 }", "P"),
        ("\"abc\".len() == 3", "bool"),
    ] {
        let i = ok(&mut s, src);
        assert_eq!(i.value.map(|v| v.1), Some(want.to_string()), "{src}");
    }
    // No value: calls of functions returning nothing, statements, `panic`.
    for src in [
        "println(3)",
        "println(3);",
        "let q = 1;",
        "fn f() { }\nf()",
        "if false { panic(\"x\"); }",
        "for i in 0..3 { }",
    ] {
        assert_eq!(ok(&mut s, src).value, None, "{src}");
    }
    // Only the last statement's value is kept.
    let i = ok(&mut s, "1; 2; \"three\"");
    assert_eq!(i.value.map(|v| v.1), Some("str".to_string()));
}

#[test]
fn failed_input_changes_nothing() {
    let mut s = Session::new("<repl>");
    ok(&mut s, "fn f(x: int) -> int { return x + 1; }\nlet a = 1;");
    // A type error after new declarations: none of them may stay.
    let errs = fails(
        &mut s,
        "struct Q { a: int }\nfn g() -> int { return 1; }\nlet b = 2;\nlet c: str = f(a);",
    );
    assert_eq!(
        errs,
        vec!["<repl>:4:14: mismatched types: expected `str`, found `int`"]
    );
    fails(&mut s, "let = 3;");
    fails(&mut s, "}");
    fails(&mut s, "1 + \"a\"");
    fails(&mut s, "fn f() { }"); // another signature
                                 // The names of the failed input are unknown; the good ones still work.
    assert!(s.type_of("b").is_err());
    assert!(s.type_of("g()").is_err());
    assert!(s.compile_input("Q { a: 1 }").is_err());
    let i = ok(&mut s, "struct Q { b: str }\nlet b = f(a) + 1;\nb");
    assert_eq!(i.value.map(|v| v.1), Some("int".into()));
    // The failed inputs used no input number or value name.
    assert_eq!(s.module().functions[i.entry as usize].name, "<input 2>");
    assert_eq!(
        s.module().globals.last().map(|g| g.name.as_str()),
        Some("_1")
    );
}

#[test]
fn diagnostics_count_lines_from_the_input() {
    let mut s = Session::new("<repl>");
    ok(&mut s, "let a = 1;\nlet b = 2;\n");
    let d = s.compile_input("let c = 1;\nlet d = nope;").unwrap_err();
    assert_eq!(d.short(), vec!["<repl>:2:9: unknown name `nope`"]);
    assert!(d.render(false).contains("<repl>:2:9"));
}

#[test]
fn type_of_shows_generic_types_tuples_and_signatures() {
    let mut s = Session::new("<repl>");
    ok(
        &mut s,
        "struct Stack<T> { items: [T] }
         impl<T> Stack<T> { fn new() -> Stack<T> { return Stack { items: [] }; } }
         trait Named { fn name(self) -> str; }
         fn largest<T>(xs: [T], less: fn(T, T) -> bool) -> T { return xs[0]; }
         fn names<T: Named>(xs: [T]) -> [str] { return []; }",
    );
    ok(&mut s, "let st: Stack<str> = Stack::new();");
    assert_eq!(s.type_of("st").unwrap(), "Stack<str>");
    assert_eq!(s.type_of("st.items").unwrap(), "[str]");
    assert_eq!(
        s.type_of("(1, \"a\", [2.5])").unwrap(),
        "(int, str, [float])"
    );
    assert_eq!(s.type_of("Some((1, \"x\"))").unwrap(), "Option<(int, str)>");
    assert_eq!(s.type_of("()").unwrap(), "()");
    assert_eq!(s.type_of("parse_int_opt(\"1\")").unwrap(), "Option<int>");
    assert_eq!(
        s.type_of("largest([1], fn(a: int, b: int) -> bool { return a < b; })")
            .unwrap(),
        "int"
    );
    // Generic functions are not values, but `:type` shows them.
    assert_eq!(
        s.type_of("largest").unwrap(),
        "fn<T>([T], fn(T, T) -> bool) -> T"
    );
    assert_eq!(s.type_of("names").unwrap(), "fn<T: Named>([T]) -> [str]");
    assert_eq!(s.type_of("Stack::new").unwrap(), "fn<T>() -> Stack<T>");
    assert_eq!(s.type_of("\"${st.items.len():>3}\"").unwrap(), "str");
    assert!(s.type_of("nothing_here").is_err());
}

#[test]
fn type_of_checks_without_changing_anything() {
    let mut s = Session::new("<repl>");
    ok(
        &mut s,
        "fn fib(n: int) -> int { return n; }\nstruct Vec2 { x: float, y: float }",
    );
    ok(&mut s, "let v = Vec2 { x: 1.0, y: 2.0 };");
    let before = s.module().clone();
    assert_eq!(s.type_of("fib").unwrap(), "fn(int) -> int");
    assert_eq!(s.type_of("fib(20)").unwrap(), "int");
    assert_eq!(s.type_of("v").unwrap(), "Vec2");
    assert_eq!(s.type_of("v.x").unwrap(), "float");
    assert_eq!(s.type_of("[v]").unwrap(), "[Vec2]");
    assert_eq!(s.type_of("\"a\".split(\",\")").unwrap(), "[str]");
    assert_eq!(s.type_of("println(1)").unwrap(), "nothing");
    assert_eq!(s.type_of("1 + 2;").unwrap(), "int");
    assert!(s.type_of("let z = 1;").is_err());
    let e = s.type_of("nope + 1").unwrap_err();
    assert_eq!(e.short(), vec!["<repl>:1:1: unknown name `nope`"]);
    assert_eq!(*s.module(), before);
    assert_eq!(s.values, 0);
    // `:type` of a value name does not use one up.
    let i = ok(&mut s, "3");
    assert_eq!(s.module().globals[i.value.unwrap().0 as usize].name, "_1");
}

#[test]
fn redefined_functions_keep_their_id() {
    let mut s = Session::new("<repl>");
    ok(&mut s, "fn helper() -> int { return 1; }");
    let id = s.function_ids("helper");
    assert_eq!(id.len(), 1);
    ok(&mut s, "fn user() -> int { return helper() * 10; }");
    let user = s.function_ids("user")[0];
    assert_eq!(calls(s.module(), user), id);
    let before = s.module().functions[id[0] as usize].clone();
    let i = ok(&mut s, "fn helper() -> int { return 2; }");
    assert_eq!(i.replaced, id);
    assert_eq!(i.defined, vec!["fn helper"]);
    assert_eq!(s.function_ids("helper"), id);
    assert_ne!(s.module().functions[id[0] as usize], before);
    // A redefinition may use closures (new functions) and itself.
    ok(
        &mut s,
        "fn helper() -> int { let f = fn() -> int { return 3; }; if false { return helper(); } return f(); }",
    );
    // Another signature is an error; so is a second definition in one input.
    let e = fails(&mut s, "fn helper(x: int) -> int { return x; }");
    assert_eq!(
        e,
        vec!["<repl>:1:4: function `helper` is already defined with another signature"]
    );
    fails(
        &mut s,
        "fn helper() -> int { return 4; }\nfn helper() -> int { return 5; }",
    );
    // Methods too.
    ok(
        &mut s,
        "struct P { x: int }\nimpl P { fn get(self) -> int { return self.x; } }",
    );
    let get = s.function_ids("P::get");
    assert_eq!(get.len(), 1);
    let i = ok(
        &mut s,
        "impl P { fn get(self) -> int { return self.x * 2; } fn other(self) { } }",
    );
    assert_eq!(i.replaced, get);
    assert_eq!(s.function_ids("P::get"), get);
    fails(&mut s, "impl P { fn get(self) -> str { return \"\"; } }");
    // Types cannot be redefined.
    let e = fails(&mut s, "struct P { x: int }");
    assert_eq!(e, vec!["<repl>:1:8: type `P` is already defined"]);
    fails(&mut s, "enum P { A }");
    fails(&mut s, "trait P { }");
}

#[test]
fn later_lets_shadow_earlier_globals() {
    let mut s = Session::new("<repl>");
    ok(&mut s, "let x = 1;\nfn get() -> int { return x; }");
    let i = ok(&mut s, "let x = \"now a string\";");
    assert_eq!(i.defined, vec!["let x: str"]);
    assert_eq!(s.type_of("x").unwrap(), "str");
    assert_eq!(s.type_of("get()").unwrap(), "int");
    assert_eq!(s.module().globals.len(), 2);
    // Assigning follows `let`/`var` of the newest binding.
    fails(&mut s, "x = \"b\";");
    ok(&mut s, "var x = 2;\nx += 1;");
}

#[test]
fn main_is_an_ordinary_function() {
    let mut s = Session::new("<repl>");
    let i = ok(&mut s, "fn main() { println(1); }");
    assert!(calls(s.module(), i.entry).is_empty());
    // Even with parameters.
    ok(&mut s, "fn main2(x: int) -> int { return x; }");
    let i = ok(&mut s, "main()");
    assert_eq!(i.value, None);
    assert_eq!(calls(s.module(), i.entry), s.function_ids("main"));
}

#[test]
fn a_missing_final_semicolon_is_forgiven() {
    let mut s = Session::new("<repl>");
    let i = ok(&mut s, "let x = 1");
    assert_eq!(i.defined, vec!["let x: int"]);
    ok(&mut s, "var y = 2 // a comment");
    ok(&mut s, "y = x + 1");
    // Only at the very end.
    fails(&mut s, "let a = 1\nlet b = 2;");
}

#[test]
fn closures_and_traits_across_inputs() {
    let mut s = Session::new("<repl>");
    ok(
        &mut s,
        "fn counter() -> fn() -> int { var n = 0; return fn() -> int { n += 1; return n; }; }",
    );
    ok(&mut s, "let next = counter();\nnext();");
    let i = ok(&mut s, "next()");
    assert_eq!(i.value.map(|v| v.1), Some("int".into()));
    ok(
        &mut s,
        "trait Named { fn name(self) -> str; }\nstruct Dog { age: int }",
    );
    ok(
        &mut s,
        "impl Named for Dog { fn name(self) -> str { return \"dog\"; } }",
    );
    ok(&mut s, "struct Cat { lives: int }\nimpl Named for Cat { fn name(self) -> str { return \"cat\"; } }");
    let i = ok(
        &mut s,
        "let pets: [Named] = [Dog { age: 3 }, Cat { lives: 9 }];\nvar names: [str] = [];\nfor p in pets { names.push(p.name()); }\nnames",
    );
    assert_eq!(i.value.map(|v| v.1), Some("[str]".into()));
    fails(
        &mut s,
        "impl Named for Dog { fn name(self) -> str { return \"d\"; } }",
    );
    // A top-level closure capturing a top-level variable of the input.
    ok(
        &mut s,
        "var total = 0;\nfor i in 0..3 { let add = fn() { total += i; }; add(); }\ntotal",
    );
}

#[test]
fn function_ids_by_name() {
    let mut s = Session::new("<repl>");
    ok(&mut s, "fn fib(n: int) -> int { return n; }\nstruct V { x: int }\nimpl V { fn zero() -> V { return V { x: 0 }; } }");
    assert_eq!(s.function_ids("fib").len(), 1);
    assert_eq!(s.function_ids("V::zero").len(), 1);
    assert!(s.function_ids("nope").is_empty());
    let f = s.function_ids("fib")[0];
    assert_eq!(s.module().functions[f as usize].name, "fib");
}

#[test]
fn incomplete_inputs() {
    for src in [
        "fn f() {",
        "fn f() {\n  let x = 1;",
        "1 +",
        "let x =",
        "\"abc",
        "let s = \"abc",
        "/* comment",
        "foo(1,",
        "let xs = [1, 2",
        "fn f() ->",
        "if x {",
        "if x { 1 } else",
        "struct P {",
        "match x {",
        "x.",
        "a &&",
    ] {
        assert!(input_is_incomplete(src), "{src:?} should be incomplete");
    }
    for src in [
        "let x = 1;",
        "let x = 1",
        "1 + 2",
        "}",
        "fn f() { }",
        "",
        "// just a comment",
        "let = 1;",
        "let = 1; fn f() {",
        "1 + 2)",
        "\"abc\"",
        "fn f() {\n}\n",
        "if x { 1 }",
    ] {
        assert!(!input_is_incomplete(src), "{src:?} should be complete");
    }
}

fn has(v: &[String], w: &str) -> bool {
    v.iter().any(|x| x == w)
}

#[test]
fn completions_after_a_dot() {
    let mut s = Session::new("<repl>");
    ok(
        &mut s,
        "struct Vec2 { x: float, y: float, label: str }\n\
         impl Vec2 { fn len(self) -> float { return 0.0; } fn zero() -> Vec2 { return Vec2 { x: 0.0, y: 0.0, label: \"\" }; } }\n\
         trait Named { fn name(self) -> str; }\n\
         impl Named for Vec2 { fn name(self) -> str { return self.label; } }\n\
         let v = Vec2 { x: 1.0, y: 2.0, label: \"v\" };\n\
         let s = \"text\";\n\
         let xs = [1, 2];\n\
         let m = {\"a\": 1};\n\
         enum E { A, B(int) }\n\
         let vs = [v];",
    );
    let c = s.completions("v.");
    for w in ["x", "y", "label", "len", "name"] {
        assert!(has(&c, w), "{w} missing from {c:?}");
    }
    assert!(!has(&c, "zero"), "{c:?}");
    assert_eq!(s.completions("println(v.l"), vec!["label", "len"]);
    assert_eq!(s.completions("v.label.to_"), vec!["to_lower", "to_upper"]);
    let c = s.completions("s.");
    for w in ["len", "substr", "split", "trim", "contains", "starts_with"] {
        assert!(has(&c, w), "{w} missing from {c:?}");
    }
    assert_eq!(s.completions("let n = s.sp"), vec!["split"]);
    assert_eq!(s.completions("\"a b\".sp"), vec!["split"]);
    assert!(has(&s.completions("xs.p"), "push"));
    assert!(has(&s.completions("xs.p"), "pop"));
    assert!(has(&s.completions("m.ke"), "keys"));
    assert_eq!(s.completions("vs[0].la"), vec!["label"]);
    assert_eq!(s.completions("Vec2::zero().la"), vec!["label"]);
    assert_eq!(s.completions("1.5.to"), vec!["to_fixed"]);
    // After `Type::`: statics and variants.
    assert!(has(&s.completions("Vec2::"), "zero"));
    assert_eq!(s.completions("E::"), vec!["A", "B"]);
    // Nothing for what does not type.
    assert!(s.completions("nope.").is_empty());
    // A range is not a field access.
    assert!(has(&s.completions("for i in 0..x"), "xs"));
}

#[test]
fn completions_of_words() {
    let mut s = Session::new("<repl>");
    ok(
        &mut s,
        "fn fib(n: int) -> int { return n; }\nstruct Point { x: int }\nlet points = 1;\nlet fibs = 2;",
    );
    assert_eq!(s.completions("fi"), vec!["fib", "fibs"]);
    assert_eq!(s.completions("println(fi"), vec!["fib", "fibs"]);
    assert_eq!(s.completions("Po"), vec!["Point"]);
    assert_eq!(s.completions("po"), vec!["points", "pow"]);
    assert_eq!(s.completions("wh"), vec!["while"]);
    assert_eq!(s.completions("let x: fl"), vec!["float", "floor"]);
    assert!(has(&s.completions(""), "struct"));
    assert!(has(&s.completions(""), "println"));
}

#[test]
fn reset_starts_over() {
    let mut s = Session::new("<repl>");
    ok(&mut s, "fn f() { }\nlet x = 1;\nx");
    s.reset();
    assert_eq!(*s.module(), Session::new("<repl>").module().clone());
    assert!(s.type_of("x").is_err());
    let i = ok(&mut s, "2");
    assert_eq!(s.module().globals[i.value.unwrap().0 as usize].name, "_1");
}

/// Splits a program into top-level chunks: a new chunk starts at each line
/// that starts in column 0 with something other than `}`.
fn chunks(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let starts = !line.is_empty() && !line.starts_with([' ', '}', '\t']);
        match out.last_mut() {
            Some(last) if !starts => {
                last.push('\n');
                last.push_str(line);
            }
            _ => out.push(line.to_string()),
        }
    }
    out
}

#[test]
fn programs_fed_item_by_item() {
    for text in [
        include_str!("../testdata/card.src"),
        include_str!("../testdata/features.src"),
    ] {
        let mut s = Session::new("<repl>");
        for chunk in chunks(text) {
            if input_is_incomplete(&chunk) {
                panic!("a whole item is incomplete:\n{chunk}");
            }
            // Items of these files only refer to earlier items, except
            // that functions may call later ones; compile those again
            // after the rest.
            if s.compile_input(&chunk).is_ok() {
                lang_bytecode::check(s.module()).unwrap();
            }
        }
        // Everything again: now redefinitions of identical functions.
        for chunk in chunks(text) {
            let _ = s.compile_input(&chunk);
            lang_bytecode::check(s.module()).unwrap();
        }
        ok(&mut s, "main()");
    }
}

#[test]
fn prefixes_and_completions_never_panic() {
    let text = include_str!("../testdata/features.src");
    let mut s = Session::new("<repl>");
    for chunk in chunks(text) {
        let _ = s.compile_input(&chunk);
    }
    let mut cut = 0;
    while cut <= text.len() {
        if text.is_char_boundary(cut) {
            let prefix = &text[..cut];
            let _ = input_is_incomplete(prefix);
            let line = prefix.rsplit('\n').next().unwrap_or("");
            let _ = s.completions(line);
            let _ = s.type_of(line);
            if s.compile_input(line).is_ok() {
                lang_bytecode::check(s.module()).unwrap();
            }
        }
        cut += 5;
    }
    for odd in [
        "é.", "é::", "\"é\".", ").", "].", "(.", "\".", "a..", "::", ".", "x.y.z.", "\u{301}.",
    ] {
        let _ = s.completions(odd);
    }
}

#[test]
fn repl_inputs_never_inline_calls() {
    // Whole programs inline `scale(x)`; a REPL input must not, because a
    // later input may redefine `scale` and `user` must then call the new one.
    let mut s = Session::new("<repl>");
    ok(
        &mut s,
        "fn scale(x: int) -> int { return x * 3; }\nfn user(y: int) -> int { return scale(y); }",
    );
    let user = s.function_ids("user")[0];
    assert_eq!(calls(s.module(), user), s.function_ids("scale"));
}

#[test]
fn generics_of_an_earlier_input_are_instantiated_later() {
    // A template's syntax does not outlive its input: a later input that
    // needs a new instance parses the earlier input's text again.
    let mut s = Session::new("<repl>");
    ok(
        &mut s,
        "fn id<T>(x: T) -> T { return x; }\nstruct Boxed<T> { v: T }\nimpl<T> Boxed<T> { fn get(self) -> T { return self.v; } }",
    );
    let i = ok(&mut s, "id(3)");
    assert_eq!(i.value.map(|v| v.1).as_deref(), Some("int"));
    let i = ok(&mut s, "let b = Boxed { v: \"a\" };\nb.get()");
    assert_eq!(i.value.map(|v| v.1).as_deref(), Some("str"));
    let i = ok(&mut s, "(id(1.5), Boxed { v: [1] })");
    assert_eq!(
        i.value.map(|v| v.1).as_deref(),
        Some("(float, Boxed<[int]>)")
    );
    assert_eq!(
        s.type_of("id((1, \"x\"))").ok().as_deref(),
        Some("(int, str)")
    );
    let names: Vec<&str> = s
        .module()
        .functions
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert!(names.contains(&"id<int>") && names.contains(&"Boxed<str>::get"));
    // A generic function cannot be redefined; the failure changes nothing.
    let errs = fails(&mut s, "fn id<T>(x: T) -> T { return x; }");
    assert!(errs[0].contains("cannot be redefined"), "{errs:?}");
    // An instance whose template errs for the new types is reported at the
    // call, once.
    ok(
        &mut s,
        "trait Named { fn name(self) -> str; }\nfn nm<T: Named>(x: T) -> str { return x.name(); }",
    );
    let errs = fails(&mut s, "nm(1)");
    assert_eq!(errs.len(), 1, "{errs:?}");
}

#[test]
fn the_prelude_is_there_in_a_session() {
    let mut s = Session::new("<repl>");
    let i = ok(&mut s, "Some(3)");
    assert_eq!(i.value.map(|v| v.1).as_deref(), Some("Option<int>"));
    ok(&mut s, "fn half(n: int) -> Result<int, str> { if n % 2 == 1 { return Err(\"odd\"); } return Ok(n / 2); }");
    ok(
        &mut s,
        "fn quarter(n: int) -> Result<int, str> { return half(half(n)?); }",
    );
    let i = ok(
        &mut s,
        "parse_int_opt(\"12\").unwrap_or(0) + quarter(8).unwrap()",
    );
    assert_eq!(i.value.map(|v| v.1).as_deref(), Some("int"));
    assert_eq!(
        s.type_of("quarter").ok().as_deref(),
        Some("fn(int) -> Result<int, str>")
    );
}
