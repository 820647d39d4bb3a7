//! Unit tests of the module loader: the files come from a map, not disk.

use super::compile_program;
use std::collections::HashMap;

fn build(files: &[(&str, &str)]) -> Result<lang_bytecode::Module, String> {
    let map: HashMap<String, String> = files
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    let main = map.get("main.src").cloned().unwrap_or_default();
    let mut read = |rel: &str| -> Result<Vec<u8>, String> {
        map.get(rel)
            .map(|t| t.clone().into_bytes())
            .ok_or_else(|| "No such file or directory".to_string())
    };
    compile_program("main.src", "main.src", &main, &mut read).map_err(|d| d.short().join("\n"))
}

#[test]
fn file_table_lists_imported_files_first() {
    let m = build(&[
        ("main.src", "import g;\nprintln(g::f());\n"),
        ("g.src", "pub fn f() -> int {\n  return 1;\n}\n"),
    ])
    .expect("compiles");
    let names: Vec<(&str, u32)> = m
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.first_line))
        .collect();
    assert_eq!(names, vec![("g.src", 1), ("main.src", 5)]);
    assert_eq!(m.file_line(6), ("main.src", 2));
    assert_eq!(m.file_line(2), ("g.src", 2));
}

#[test]
fn errors_name_their_own_file() {
    let e = build(&[
        ("main.src", "import g;\nprintln(g::f());\n"),
        ("g.src", "pub fn f() -> int {\n  return true;\n}\n"),
    ])
    .expect_err("type error in g");
    assert!(e.starts_with("g.src:2:"), "{e}");
}

#[test]
fn private_cycle_and_missing_are_errors() {
    let e = build(&[
        ("main.src", "import g;\ng::h();\n"),
        ("g.src", "fn h() {}\n"),
    ])
    .expect_err("private");
    assert!(
        e.contains("`h` is private to g.src (defined at g.src:1:4)"),
        "{e}"
    );
    let e = build(&[
        ("main.src", "import a;\n"),
        ("a.src", "import b;\n"),
        ("b.src", "import a;\n"),
    ])
    .expect_err("cycle");
    assert!(e.contains("import cycle: a.src -> b.src -> a.src"), "{e}");
    let e = build(&[("main.src", "import nowhere;\n")]).expect_err("missing");
    assert!(e.contains("cannot find module `nowhere`"), "{e}");
}

#[test]
fn selective_imports_paths_and_pub_globals() {
    let m = build(&[
        (
            "main.src",
            "import lib::util;\nimport lib::util::{Pair, twice, LIMIT};\nlet p = util::Pair { a: twice(1), b: util::LIMIT };\nprintln(\"${util::sum(p)} ${LIMIT}\");\nlet q = Pair { a: 1, b: 2 };\n",
        ),
        (
            "lib/util.src",
            "pub struct Pair { a: int, b: int }\npub fn twice(x: int) -> int { return 2 * x; }\npub fn sum(p: Pair) -> int { return p.a + p.b; }\npub let LIMIT = 10;\n",
        ),
    ]);
    assert!(m.is_ok(), "{:?}", m.err());
}

#[test]
fn malformed_headers_are_errors_not_crashes() {
    for (text, expected) in [
        ("import;\n", "malformed import"),
        ("import a::{};\n", "malformed import"),
        ("import a::{b\n", "malformed import"),
        ("import a::b", "malformed import"),
        ("pub impl X {}\n", "`pub` must come before"),
    ] {
        let e = build(&[("main.src", text)]).expect_err(text);
        assert!(e.contains(expected), "{text:?}: {e}");
    }
}

#[test]
fn pub_inside_a_block_is_not_a_module_item() {
    // `pub` only means something at the top level; a local named `pub` is
    // an ordinary identifier.
    let m = build(&[(
        "main.src",
        "fn f() -> int { let pub = 1; return pub; }\nprintln(f());\n",
    )]);
    assert!(m.is_ok(), "{:?}", m.err());
}

#[test]
fn import_depth_and_module_count_are_bounded() {
    let mut files: Vec<(String, String)> = vec![("main.src".into(), "import m0;\n".into())];
    for i in 0..=super::MAX_IMPORT_DEPTH {
        files.push((format!("m{i}.src"), format!("import m{};\n", i + 1)));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let e = build(&refs).expect_err("too deep");
    assert!(e.contains("nested more than 64 deep"), "{e}");

    let main: String = (0..=super::MAX_MODULES)
        .map(|i| format!("import n{i};\n"))
        .collect();
    let mut files: Vec<(String, String)> = vec![("main.src".into(), main)];
    for i in 0..=super::MAX_MODULES {
        files.push((format!("n{i}.src"), String::new()));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let e = build(&refs).expect_err("too many");
    assert!(e.contains("more than 1000 modules"), "{e}");
}

#[test]
fn same_program_same_module() {
    let files = [
        ("main.src", "import g;\nprintln(g::f());\n"),
        ("g.src", "pub fn f() -> int { return 1; }\n"),
    ];
    let a = build(&files).expect("compiles");
    let b = build(&files).expect("compiles");
    assert_eq!(lang_bytecode::encode(&a), lang_bytecode::encode(&b));
}
