//! Unit tests of the formatter on small programs.

use super::format_source;

fn fmt(source: &str) -> String {
    match format_source("t.src", source) {
        Ok(s) => s,
        Err(e) => panic!("{e:?}"),
    }
}

#[test]
fn indents_and_spaces() {
    let out = fmt("fn main(){\nlet x=1+2*3;\n  if x>3{print(x);}\n}\n");
    assert_eq!(
        out,
        "fn main() {\n    let x = 1 + 2 * 3;\n    if x > 3 { print(x); }\n}\n"
    );
}

#[test]
fn keeps_comments_and_one_blank_line() {
    let src = "// head\n\n\n\nfn main() {\n    let a = 1; // trailing\n\n\n    // before b\n    let b = a;\n    /* end */\n}\n";
    let out = fmt(src);
    assert_eq!(out, "// head\n\nfn main() {\n    let a = 1; // trailing\n\n    // before b\n    let b = a;\n    /* end */\n}\n");
}

#[test]
fn parentheses_only_where_needed() {
    let out = fmt("let x = (1 + 2) * (3);\nlet y = 1 - (2 - 3);\nlet z = (1 - 2) - 3;\n");
    assert_eq!(
        out,
        "let x = (1 + 2) * 3;\nlet y = 1 - (2 - 3);\nlet z = 1 - 2 - 3;\n"
    );
}

#[test]
fn struct_literal_in_condition_keeps_parentheses() {
    let src = "struct P { x: int }\nfn main() {\n    if (P { x: 1 }).x == 1 { print(1); }\n}\n";
    assert_eq!(fmt(src), src);
}

#[test]
fn multiline_lists_get_trailing_commas() {
    let out = fmt("let a = [\n  1,\n  2\n];\n");
    assert_eq!(out, "let a = [\n    1,\n    2,\n];\n");
}

#[test]
fn syntax_error_is_a_diagnostic() {
    assert!(matches!(
        format_source("t.src", "fn main( {"),
        Err(super::FmtError::Parse(_))
    ));
}

#[test]
fn comment_in_string_is_text() {
    let src = "let s = \"a // b ${1 + 2} /* c */\";\n";
    assert_eq!(fmt(src), src);
}

#[test]
fn comment_after_a_fields_comma_trails_it() {
    let src = "struct P {\n    x: int, // across\n    y: int,\n}\n";
    assert_eq!(fmt(src), src);
}

#[test]
fn keeps_test_functions_and_their_comments() {
    let src = "// a test\ntest   fn adds( ) {\n    assert_eq(1 + 1, 2); // sum\n}\n";
    assert_eq!(
        fmt(src),
        "// a test\ntest fn adds() {\n    assert_eq(1 + 1, 2); // sum\n}\n"
    );
}
