//! Warning trials. `warnings::NAME`: `tests/warnings/NAME.src` compiles,
//! and the insta snapshot shows the source with what `lang check` prints
//! (regenerated with `LANG_BLESS=1`, like the error goldens); `lang build`
//! prints the same, `lang check --deny-warnings` makes them errors (exit
//! 65), and `lang run` with stderr not a terminal prints none of them.
//! `warnings-cli::` trials: programs spanning files, clean programs, and
//! `lang run` on a terminal (a pseudo-terminal, through rexpect).

use crate::{relative_name, repo_relative, run_lang, snapshot, sources, tempdir, Output};
use libtest_mimic::{Failed, Trial};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

pub fn trials(root: &Path) -> Vec<Trial> {
    let mut trials: Vec<Trial> = sources(&root.join("tests/warnings"))
        .into_iter()
        .map(|src| {
            let name = relative_name(root, &src, "tests/warnings");
            Trial::test(format!("warnings::{name}"), move || golden(&src))
        })
        .collect();
    trials.push(Trial::test(
        "warnings-cli::modules_report_their_own_warnings",
        modules,
    ));
    trials.push(Trial::test(
        "warnings-cli::a_clean_program_prints_nothing",
        clean,
    ));
    trials.push(Trial::test(
        "warnings-cli::run_prints_them_on_a_terminal",
        run_on_a_terminal,
    ));
    trials
}

fn lang_at(args: &[&OsStr], cwd: &Path) -> Result<Output, Failed> {
    run_lang(args, None, Some(cwd))
}

fn golden(src: &Path) -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rel = repo_relative(src);
    let text = std::fs::read_to_string(src).map_err(|e| e.to_string())?;
    let file = rel.as_os_str();
    let check = lang_at(&["check".as_ref(), file], root)?;
    if check.code != 0 || !check.stderr.contains("warning: ") {
        return Err(format!(
            "expected warnings and exit 0, got {}:\n{}",
            check.code, check.stderr
        )
        .into());
    }
    let denied = lang_at(&["check".as_ref(), "--deny-warnings".as_ref(), file], root)?;
    if denied.code != 65
        || denied.stderr.contains("warning: ")
        || !denied.stderr.contains("denied by --deny-warnings")
    {
        return Err(format!("--deny-warnings: exit {}:\n{}", denied.code, denied.stderr).into());
    }
    let dir = tempdir()?;
    let out: PathBuf = dir.join("p.bc");
    let build = lang_at(
        &["build".as_ref(), file, "-o".as_ref(), out.as_os_str()],
        root,
    )?;
    if build.code != 0 || build.stderr != check.stderr {
        return Err(format!(
            "lang build must print what lang check does:\n{}",
            build.stderr
        )
        .into());
    }
    let run = lang_at(&["run".as_ref(), file], root)?;
    if run.code != 0 || run.stderr.contains("warning") {
        return Err(format!(
            "lang run (stderr a pipe): exit {}:\n{}",
            run.code, run.stderr
        )
        .into());
    }
    let _ = std::fs::remove_dir_all(&dir);
    let name = relative_name(root, src, "tests/warnings");
    snapshot(
        &format!("warnings__{name}"),
        format!("{text}\n----- lang check -----\n{}", check.stderr),
    )
}

/// A module's warnings name its own file; an unused `pub` function is the
/// module's interface, not a warning; the library modules add none.
fn modules() -> Result<(), Failed> {
    let dir = tempdir()?;
    let write = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text).map_err(|e| Failed::from(e.to_string()))
    };
    write(
        "shapes.src",
        "pub fn area(w: int, h: int) -> int {\n    let unused = 0;\n    return w * h;\n}\n\npub fn spare() -> int {\n    return 1;\n}\n",
    )?;
    write(
        "main.src",
        "import shapes;\nimport std::math;\n\nfn main() {\n    var x = shapes::area(2, 3);\n    println(x);\n}\n",
    )?;
    let out = lang_at(&["check".as_ref(), "main.src".as_ref()], &dir)?;
    let want = [
        "warning: variable `x` is declared with `var` but never reassigned",
        "┌─ main.src:5:9",
        "warning: unused variable `unused`",
        "┌─ shapes.src:2:9",
        "2 warnings\n",
    ];
    let mut rest = out.stderr.as_str();
    for part in want {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return Err(format!("expected {part:?} in order in:\n{}", out.stderr).into()),
        }
    }
    if out.code != 0 || out.stderr.contains("spare") || out.stderr.contains("std/") {
        return Err(format!("exit {}:\n{}", out.code, out.stderr).into());
    }
    Ok(())
}

fn clean() -> Result<(), Failed> {
    let dir = tempdir()?;
    std::fs::write(
        dir.join("p.src"),
        "fn main() {\n    let x = 1;\n    println(x);\n}\n",
    )
    .map_err(|e| e.to_string())?;
    for args in [
        &["check", "p.src"][..],
        &["check", "--deny-warnings", "p.src"],
        &["build", "p.src"],
    ] {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let out = lang_at(&args, &dir)?;
        if out.code != 0 || !out.stderr.is_empty() {
            return Err(format!("{args:?}: exit {}:\n{}", out.code, out.stderr).into());
        }
    }
    Ok(())
}

/// On a terminal `lang run` shows the warnings, then runs the program.
fn run_on_a_terminal() -> Result<(), Failed> {
    use rexpect::reader::Options;
    let dir = tempdir()?;
    std::fs::write(
        dir.join("p.src"),
        "fn main() {\n    let spare = 1;\n    println(\"ran\");\n}\n",
    )
    .map_err(|e| e.to_string())?;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lang"));
    cmd.args(["run", "p.src"])
        .current_dir(&dir)
        .env("NO_COLOR", "1");
    let mut p = rexpect::session::spawn_with_options(
        cmd,
        Options::new()
            .timeout_ms(Some(20_000))
            .strip_ansi_escape_codes(true),
    )
    .map_err(|e| format!("cannot start lang in a terminal: {e}"))?;
    let fail = |step: &str, e: rexpect::error::Error| Failed::from(format!("{step}: {e}"));
    p.exp_string("warning: unused variable `spare`")
        .map_err(|e| fail("the warning", e))?;
    p.exp_string("1 warning")
        .map_err(|e| fail("the count", e))?;
    p.exp_string("ran")
        .map_err(|e| fail("the program's output", e))?;
    p.exp_eof().map_err(|e| fail("the end", e))?;
    Ok(())
}
