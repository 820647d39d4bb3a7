//! Compile-error trials on generated files, which `tests/errors` cannot
//! hold: output bounded for many errors on one long line, a source file
//! that is not UTF-8, and programs past each limit of the bytecode format
//! (`lang check` and `lang build` must report the same error at the
//! construct that exceeds it).

use super::{run_lang, snapshot, tempdir, Output};
use libtest_mimic::{Failed, Trial};
use std::path::Path;

pub fn trials() -> Vec<Trial> {
    let mut trials = vec![
        Trial::test(
            "diagnostics::many_errors_on_one_long_line_are_bounded",
            many_errors_on_one_long_line,
        ),
        Trial::test("diagnostics::invalid_utf8_source", invalid_utf8_source),
    ];
    for (name, generate) in LIMITS {
        trials.push(Trial::test(format!("limits::{name}"), move || {
            limit_reported(name, *generate)
        }));
    }
    trials
}

/// Runs `lang <command> file` in the file's directory, naming it relatively
/// so that the diagnostics do not depend on the temporary directory.
fn lang_on(command: &str, file: &Path) -> Result<Output, Failed> {
    let dir = file.parent().ok_or("no directory")?;
    let name = file.file_name().ok_or("no file name")?;
    run_lang(&[command.as_ref(), name], None, Some(dir))
}

/// 8,000 errors on one 64 KB line: every diagnostic used to repeat the
/// whole line (500 MB of output). Now each shows a window of the line and
/// only the first 100 are shown.
fn many_errors_on_one_long_line() -> Result<(), Failed> {
    let mut line = String::from("fn main() { ");
    for _ in 0..8000 {
        line.push_str("nope; ");
    }
    while line.len() < 64 * 1024 - 2 {
        line.push(' ');
    }
    line.push_str("}\n");
    let dir = tempdir()?;
    let file = dir.join("long.src");
    std::fs::write(&file, &line).map_err(|e| e.to_string())?;
    for command in ["check", "run", "build"] {
        let out = lang_on(command, &file)?;
        if out.code != 65 {
            return Err(format!("`lang {command}`: exit {}, expected 65", out.code).into());
        }
        // 100 diagnostics of about 400 bytes: well under the size of the
        // line itself.
        if out.stderr.len() > 64 * 1024 {
            return Err(format!(
                "`lang {command}` printed {} bytes of diagnostics",
                out.stderr.len()
            )
            .into());
        }
        if out.stderr.matches("error: unknown name `nope`").count() != 100
            || !out.stderr.ends_with("... and 7900 more errors\n")
        {
            return Err(format!("`lang {command}`: unexpected output:\n{}", out.stderr).into());
        }
    }
    Ok(())
}

/// A source file with a byte that is not UTF-8 gets a diagnostic like any
/// other, from every command that compiles source.
fn invalid_utf8_source() -> Result<(), Failed> {
    let dir = tempdir()?;
    let file = dir.join("latin1.src");
    let source: &[u8] =
        b"// Saved as Latin-1, not UTF-8.\nfn main() {\n    println(\"caf\xe9\");\n}\n";
    std::fs::write(&file, source).map_err(|e| e.to_string())?;
    let check = lang_on("check", &file)?;
    if check.code != 65 {
        return Err(format!("`lang check`: exit {}, expected 65", check.code).into());
    }
    for command in ["run", "build", "disasm"] {
        let out = lang_on(command, &file)?;
        if out.code != 65 || out.stderr != check.stderr {
            return Err(format!(
                "`lang {command}` (exit {}) must report what `lang check` does:\n{}",
                out.code, out.stderr
            )
            .into());
        }
    }
    snapshot("diagnostics__invalid_utf8", check.stderr)
}

/// A generated program past one limit and where the error must be:
/// `(source, line, column, message)`.
type Generated = (String, usize, usize, &'static str);

/// Writes the program for one limit.
type Generator = fn() -> Generated;

/// One program per limit of the bytecode format that source can reach.
const LIMITS: &[(&str, Generator)] = &[
    ("locals_past_the_register_limit", too_many_locals),
    ("parameters_past_the_register_limit", too_many_parameters),
    ("call_arguments_past_the_register_limit", too_many_arguments),
    (
        "struct_literal_past_the_register_limit",
        too_large_struct_literal,
    ),
    ("struct_fields", too_many_fields),
    ("payload_fields", too_many_payload_fields),
    ("enum_variants", too_many_variants),
    ("trait_methods", too_many_methods),
];

/// More than the bytecode allows in one declaration (its limit is 65535).
const PAST_MEMBER_LIMIT: usize = 70_000;

/// 65,535 registers fit; the local declared 65,536th does not.
fn too_many_locals() -> Generated {
    let mut src = String::from("fn main() {\n");
    for i in 0..65_536 {
        src.push_str(&format!("    let v{i} = {i};\n"));
    }
    src.push_str("}\n");
    // `v65535` is on line 65,537, after `let `.
    (
        src,
        65_537,
        9,
        "function `main` needs more than 65535 registers",
    )
}

/// Each parameter takes a register: the 65,536th does not fit.
fn too_many_parameters() -> Generated {
    let mut src = String::from("fn f(\n");
    for i in 0..PAST_MEMBER_LIMIT {
        src.push_str(&format!("    p{i}: int,\n"));
    }
    src.push_str(") {}\nfn main() {}\n");
    (
        src,
        65_537,
        5,
        "function `f` needs more than 65535 registers",
    )
}

/// `f` itself fits (65,535 parameters), but a call of it needs a block of
/// 65,535 argument registers besides the caller's own.
fn too_many_arguments() -> Generated {
    let params: Vec<String> = (0..65_535).map(|i| format!("p{i}: int")).collect();
    let args = vec!["0"; 65_535].join(", ");
    let src = format!(
        "fn f({}) {{}}\nfn main() {{\n    let x = 1;\n    f({args});\n}}\n",
        params.join(", ")
    );
    (src, 4, 5, "function `main` needs more than 65535 registers")
}

/// A struct may have 65,535 fields, but a literal of it needs that many
/// registers besides the one it goes to.
fn too_large_struct_literal() -> Generated {
    let fields: Vec<String> = (0..65_535).map(|i| format!("f{i}: int")).collect();
    let values: Vec<String> = (0..65_535).map(|i| format!("f{i}: 0")).collect();
    let src = format!(
        "struct S {{ {} }}\nfn main() {{\n    let s = S {{ {} }};\n}}\n",
        fields.join(", "),
        values.join(", ")
    );
    (
        src,
        3,
        13,
        "function `main` needs more than 65535 registers",
    )
}

fn too_many_fields() -> Generated {
    let fields: Vec<String> = (0..PAST_MEMBER_LIMIT)
        .map(|i| format!("f{i}: int"))
        .collect();
    let src = format!("fn main() {{}}\nstruct Wide {{ {} }}\n", fields.join(", "));
    (
        src,
        2,
        8,
        "struct `Wide` has 70000 fields; the limit is 65535",
    )
}

fn too_many_payload_fields() -> Generated {
    let src = format!(
        "fn main() {{}}\nenum E {{ A, Wide({}) }}\n",
        vec!["int"; PAST_MEMBER_LIMIT].join(", ")
    );
    (
        src,
        2,
        13,
        "variant `Wide` has 70000 payload fields; the limit is 65535",
    )
}

fn too_many_variants() -> Generated {
    let variants: Vec<String> = (0..PAST_MEMBER_LIMIT).map(|i| format!("V{i}")).collect();
    let src = format!("fn main() {{}}\nenum Many {{ {} }}\n", variants.join(", "));
    (
        src,
        2,
        6,
        "enum `Many` has 70000 variants; the limit is 65535",
    )
}

fn too_many_methods() -> Generated {
    let methods: Vec<String> = (0..PAST_MEMBER_LIMIT)
        .map(|i| format!("fn m{i}(self);"))
        .collect();
    let src = format!("fn main() {{}}\ntrait Big {{ {} }}\n", methods.join(" "));
    (
        src,
        2,
        7,
        "trait `Big` has 70000 methods; the limit is 65535",
    )
}

/// `lang check` and `lang build` both exit 65 with the same diagnostic,
/// which names the limit and points at `line:column`.
fn limit_reported(name: &str, generate: Generator) -> Result<(), Failed> {
    let (source, line, column, message) = generate();
    let dir = tempdir()?;
    let file = dir.join(format!("{name}.src"));
    std::fs::write(&file, source).map_err(|e| e.to_string())?;
    let check = lang_on("check", &file)?;
    let build = lang_on("build", &file)?;
    let place = format!("┌─ {name}.src:{line}:{column}\n");
    if check.code != 65 || !check.stderr.contains(message) || !check.stderr.contains(&place) {
        return Err(format!(
            "`lang check` exited {}; expected 65 with `{message}` at {line}:{column}:\n{}",
            check.code, check.stderr
        )
        .into());
    }
    if build.code != 65 || build.stderr != check.stderr {
        return Err(format!(
            "`lang build` (exit {}) must report what `lang check` does:\n{}",
            build.code, build.stderr
        )
        .into());
    }
    if dir.join(format!("{name}.bc")).exists() {
        return Err("`lang build` wrote a .bc file despite the error".into());
    }
    Ok(())
}
