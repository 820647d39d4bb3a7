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
