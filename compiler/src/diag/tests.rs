//! Rendering: bounded output for many errors and long lines, and the
//! diagnostic of a file that is not UTF-8.

use super::MAX_RENDERED_ERRORS;

#[test]
fn many_errors_on_one_long_line_render_in_bounded_space() {
    let mut src = String::from("fn main() { ");
    for _ in 0..8000 {
        src.push_str("nope; ");
    }
    src.push_str("}\n");
    let Err(d) = crate::check("t.src", &src) else {
        panic!("the program must not compile");
    };
    assert_eq!(d.len(), 8000);
    let text = d.render(false);
    // Each shown error is a window of the line, not the line (48 KB).
    assert!(
        text.len() < 400 * MAX_RENDERED_ERRORS,
        "{} bytes",
        text.len()
    );
    assert_eq!(text.matches("error: unknown name `nope`").count(), 100);
    assert!(text.ends_with("\n... and 7900 more errors\n"), "{text}");
    // The short form still lists every error, with real columns.
    let short = d.short();
    assert_eq!(short.len(), 8000);
    assert_eq!(short[7999], "t.src:1:48007: unknown name `nope`");
}

#[test]
fn one_error_past_the_cap_is_counted_in_the_singular() {
    let src = format!("fn main() {{\n{}}}\n", "    nope;\n".repeat(101));
    let Err(d) = crate::check("t.src", &src) else {
        panic!("the program must not compile");
    };
    assert!(d.render(false).ends_with("\n... and 1 more error\n"));
}

#[test]
fn a_file_that_is_not_utf8_gets_a_marked_line() {
    let bytes = b"fn main() {\n    println(\"caf\xe9!\");\n}\n";
    let Err(d) = crate::source_text("latin1.src", bytes) else {
        panic!("the bytes are not UTF-8");
    };
    assert_eq!(
        d.render(false),
        "error: the file is not valid UTF-8\n  \
         ┌─ latin1.src:2:17\n  \
         │\n\
         2 │     println(\"caf\u{fffd}!\");\n  \
         │                 ^\n  \
         │\n  \
         = byte 28 (0xe9) cannot appear here in UTF-8 text; source files must be UTF-8\n\n"
    );
}

#[test]
fn a_file_cut_inside_a_character_says_so() {
    let Err(d) = crate::source_text("cut.src", b"let s = \"\xe2\x82") else {
        panic!("the bytes are not UTF-8");
    };
    assert_eq!(d.short(), vec!["cut.src:1:10: the file is not valid UTF-8"]);
    assert!(d
        .render(false)
        .contains("the file ends inside a character that starts at byte 9"));
}
