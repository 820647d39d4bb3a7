//! `lang fmt` end to end: every conformance program and example formats
//! to a fixed point (formatting twice gives the text of formatting once),
//! and a formatted program behaves like the original (same stdout, same
//! exit code); golden snapshots of the files in `tests/fmt/`; `--check`,
//! stdin, and files with syntax errors; and the repository's own `.src`
//! files are formatted (except [`NOT_FORMATTED`]).

use crate::{lang, run_lang, run_program, snapshot, sources, tempdir, Output};
use libtest_mimic::{Failed, Trial};
use std::path::{Path, PathBuf};

/// Repository files `lang fmt --check` skips: programs with syntax errors
/// on purpose, which cannot be formatted (the first two).
const NOT_FORMATTED: &[&str] = &[
    "tests/conformance/compile_errors/interpolation.src",
    "tests/conformance/compile_errors/syntax.src",
];

/// Files that format fine but are kept as written, because their expected
/// errors name lines that formatting would move (one-line declarations
/// there are split over several lines by the formatter's list rule).
const KEPT_AS_WRITTEN: &[&str] = &[
    "tests/conformance/compile_errors/generic_bound.src",
    "tests/conformance/compile_errors/generic_infer.src",
    "tests/conformance/compile_errors/generic_param_ops.src",
];

/// Whether a file uses modules (`import`, `pub`), which `lang fmt` does not
/// format yet: it refuses such files and leaves them alone.
fn uses_modules(src: &Path) -> bool {
    std::fs::read_to_string(src).is_ok_and(|t| {
        t.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("import ") || l.starts_with("pub ")
        })
    })
}

pub fn trials(root: &Path) -> Vec<Trial> {
    let mut trials = Vec::new();
    let mut programs = sources(&root.join("tests/conformance"));
    programs.extend(sources(&root.join("examples")));
    for src in programs {
        if uses_modules(&src) {
            continue;
        }
        let name = crate::relative_name(root, &src, "");
        trials.push(Trial::test(format!("fmt::{name}"), move || {
            fixed_point_and_same_behaviour(&src)
        }));
    }
    for src in sources(&root.join("tests/fmt")) {
        let name = crate::relative_name(root, &src, "tests/fmt");
        trials.push(Trial::test(format!("fmt-golden::{name}"), move || {
            golden(&src)
        }));
    }
    trials.push(Trial::test("fmt-cli::check-and-rewrite", check_and_rewrite));
    trials.push(Trial::test(
        "fmt-cli::syntax-error-never-written",
        syntax_error,
    ));
    trials.push(Trial::test(
        "fmt-cli::repository-is-formatted",
        repository_is_formatted,
    ));
    trials
}

/// `lang fmt -` with `text` on stdin.
fn fmt_stdin(text: &str) -> Result<Output, Failed> {
    run_lang(&["fmt".as_ref(), "-".as_ref()], Some(text.as_bytes()), None)
}

fn fixed_point_and_same_behaviour(src: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(src).map_err(|e| e.to_string())?;
    let once = fmt_stdin(&text)?;
    let rel = crate::repo_relative(src);
    if NOT_FORMATTED.iter().any(|n| Path::new(n) == rel) {
        return if once.code == 65 {
            Ok(())
        } else {
            Err("a file with syntax errors was formatted".into())
        };
    }
    if once.code != 0 {
        return Err(format!("lang fmt failed (exit {}):\n{}", once.code, once.stderr).into());
    }
    let twice = fmt_stdin(&once.stdout)?;
    if twice.stdout != once.stdout {
        return Err(format!(
            "not a fixed point:\n--- once\n{}--- twice\n{}",
            once.stdout, twice.stdout
        )
        .into());
    }
    if !comments_of(&text).eq(comments_of(&once.stdout)) {
        return Err("a comment was lost or changed".into());
    }
    if rel.starts_with("tests/conformance/compile_errors") {
        return Ok(());
    }
    let dir = tempdir()?;
    let formatted: PathBuf = dir.join(src.file_name().unwrap_or_default());
    std::fs::write(&formatted, &once.stdout).map_err(|e| e.to_string())?;
    let original = run_program(&rel, src)?;
    let reformatted = run_program(&formatted, src)?;
    let _ = std::fs::remove_dir_all(&dir);
    if (original.code, &original.stdout) != (reformatted.code, &reformatted.stdout) {
        return Err(format!(
            "the formatted program behaves differently\n--- original (exit {})\n{}--- formatted (exit {})\n{}",
            original.code, original.stdout, reformatted.code, reformatted.stdout
        )
        .into());
    }
    Ok(())
}

/// The text of each line's comment part, roughly: enough to see that every
/// comment is still there, in order.
fn comments_of(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter_map(|l| l.find("//").map(|i| l[i..].trim_end()))
}

fn golden(src: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(src).map_err(|e| e.to_string())?;
    let out = fmt_stdin(&text)?;
    if out.code != 0 {
        return Err(out.stderr.into());
    }
    let name = crate::relative_name(Path::new(env!("CARGO_MANIFEST_DIR")), src, "tests");
    snapshot(&name, out.stdout)
}

fn check_and_rewrite() -> Result<(), Failed> {
    let dir = tempdir()?;
    let messy = dir.join("messy.src");
    let tidy = dir.join("tidy.src");
    std::fs::write(&messy, "fn main(){println(1+2);}\n").map_err(|e| e.to_string())?;
    std::fs::write(&tidy, "fn main() { println(1 + 2); }\n").map_err(|e| e.to_string())?;
    let check = run_lang(
        &[
            "fmt".as_ref(),
            "--check".as_ref(),
            messy.as_os_str(),
            tidy.as_os_str(),
        ],
        None,
        None,
    )?;
    if check.code != 1 || check.stdout != format!("{}\n", messy.display()) {
        return Err(format!("--check: exit {}, stdout {:?}", check.code, check.stdout).into());
    }
    let unchanged = std::fs::read_to_string(&messy).map_err(|e| e.to_string())?;
    if unchanged != "fn main(){println(1+2);}\n" {
        return Err("--check changed the file".into());
    }
    let write = run_lang(&["fmt".as_ref(), messy.as_os_str()], None, None)?;
    let now = std::fs::read_to_string(&messy).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    if write.code != 0 || now != "fn main() { println(1 + 2); }\n" {
        return Err(format!("fmt: exit {}, file now {now:?}", write.code).into());
    }
    Ok(())
}

fn syntax_error() -> Result<(), Failed> {
    let dir = tempdir()?;
    let bad = dir.join("bad.src");
    let text = "fn main( {\n";
    std::fs::write(&bad, text).map_err(|e| e.to_string())?;
    let out = run_lang(&["fmt".as_ref(), bad.as_os_str()], None, None)?;
    let after = std::fs::read_to_string(&bad).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    if out.code != 65 || !out.stderr.contains("bad.src:1:") || after != text {
        return Err(format!("exit {}, stderr {}, file {after:?}", out.code, out.stderr).into());
    }
    Ok(())
}

fn repository_is_formatted() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests/conformance", "examples", "stdlib", "bench"] {
        files.extend(sources(&root.join(dir)));
    }
    let mut cmd = lang();
    cmd.current_dir(root).arg("fmt").arg("--check");
    for f in &files {
        let rel = crate::repo_relative(f);
        let skipped = NOT_FORMATTED.iter().chain(KEPT_AS_WRITTEN);
        if !skipped.clone().any(|n| Path::new(n) == rel) && !uses_modules(f) {
            cmd.arg(rel);
        }
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    if out.status.code() != Some(0) {
        return Err(format!(
            "not formatted (run `lang fmt` on them):\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}
