//! Checker tests of warnings (`lints`): what is reported, once, and what
//! is not.

fn warnings(src: &str) -> Vec<String> {
    match crate::compile_warned("t.src", src, crate::Entry::Main) {
        Ok((_, w)) => w
            .short()
            .into_iter()
            .map(|s| s.trim_start_matches("t.src:").to_string())
            .collect(),
        Err(d) => panic!("does not compile: {d}"),
    }
}

#[test]
fn a_generic_function_is_reported_once() {
    let w = warnings(
        "fn first<T>(xs: [T]) -> T {\n    let spare = 1;\n    return xs[0];\n}\nprintln(first([1]));\nprintln(first([\"a\"]));\n",
    );
    assert_eq!(w, vec!["2:9: unused variable `spare`"]);
}

#[test]
fn tests_and_globals_are_linted_as_functions_are() {
    let w = warnings("let g = 1;\ntest fn t() {\n    var x = 1;\n    println(x);\n}\n");
    assert_eq!(
        w,
        vec!["3:9: variable `x` is declared with `var` but never reassigned"]
    );
}

#[test]
fn the_prelude_and_hidden_locals_are_quiet() {
    let w = warnings(
        "let m = {\"a\": 1};\nfor k, v in m { println(k + str(v)); }\nlet (a, b) = (1, 2);\nassert_eq(a + b, 3);\nprintln(Some(1).unwrap());\n",
    );
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn a_program_with_errors_reports_errors_only() {
    let r = crate::compile_warned(
        "t.src",
        "fn main() {\n    let x = 1;\n    y();\n}\n",
        crate::Entry::Main,
    );
    match r {
        Ok(_) => panic!("compiled"),
        Err(d) => assert_eq!(d.short(), vec!["t.src:3:5: unknown function `y`"]),
    }
}
