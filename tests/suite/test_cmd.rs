//! `lang test` trials (`test-cli::`): test functions found in files and
//! directories, each run on its own, failures shown with both values and
//! the line, `--filter`, the summary line and the exit codes.

use crate::{lang, tempdir, Output};
use libtest_mimic::{Failed, Trial};
use std::path::Path;

pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test("test-cli::passing_tests_exit_0", passing_tests),
        Trial::test(
            "test-cli::a_failure_shows_both_values_and_the_line",
            failing_test,
        ),
        Trial::test("test-cli::a_crashing_test_is_isolated", crashing_test),
        Trial::test("test-cli::filter_selects_by_name", filter),
        Trial::test(
            "test-cli::directories_are_searched_recursively",
            directories,
        ),
        Trial::test("test-cli::a_bad_path_is_exit_66", bad_path),
        Trial::test(
            "test-cli::a_file_that_does_not_compile_fails",
            compile_error,
        ),
        Trial::test("test-cli::run_ignores_test_functions", run_ignores_tests),
        Trial::test(
            "test-cli::a_failing_tests_output_is_shown_up_to_a_bound",
            bounded_output,
        ),
    ]
}

fn write(dir: &Path, name: &str, text: &str) -> Result<(), Failed> {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {name}: {e}"))?;
    }
    std::fs::write(&path, text).map_err(|e| format!("cannot write {name}: {e}").into())
}

fn lang_in(dir: &Path, args: &[&str]) -> Result<Output, Failed> {
    let out = lang()
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot start lang: {e}"))?;
    Ok(Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Fails unless `out` ended with `code` and its stdout holds each of
/// `parts` in that order.
fn expect(out: &Output, code: i32, parts: &[&str]) -> Result<(), Failed> {
    let mut rest = out.stdout.as_str();
    for part in parts {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => {
                return Err(format!(
                    "expected {part:?} (in order) in stdout\n--- stdout\n{}--- stderr\n{}",
                    out.stdout, out.stderr
                )
                .into())
            }
        }
    }
    if out.code != code {
        return Err(format!(
            "expected exit {code}, got {}\n--- stdout\n{}--- stderr\n{}",
            out.code, out.stdout, out.stderr
        )
        .into());
    }
    Ok(())
}

fn absent(out: &Output, text: &str) -> Result<(), Failed> {
    if out.stdout.contains(text) || out.stderr.contains(text) {
        return Err(format!("{text:?} should not be shown\n--- stdout\n{}", out.stdout).into());
    }
    Ok(())
}

const MATH: &str = "fn add(a: int, b: int) -> int {
    return a + b;
}

test fn adds() {
    println(\"quiet when passing\");
    assert_eq(add(1, 2), 3);
}

test fn adds_strings() {
    assert(\"a\" + \"b\" == \"ab\");
    assert_eq(\"a\" + \"b\", \"ab\");
}

fn main() {
    println(\"main\");
}
";

fn passing_tests() -> Result<(), Failed> {
    let dir = tempdir()?;
    write(&dir, "math.src", MATH)?;
    let out = lang_in(&dir, &["test", "math.src"])?;
    expect(
        &out,
        0,
        &[
            "test math.src::adds ... ok\n",
            "test math.src::adds_strings ... ok\n",
            "2 passed, 0 failed\n",
        ],
    )?;
    absent(&out, "quiet when passing")?;
    absent(&out, "main")
}

fn failing_test() -> Result<(), Failed> {
    let dir = tempdir()?;
    let src = "test fn good() {
    assert_eq(1, 1);
}

test fn sums() {
    println(\"shown when failing\");
    let total = 2 + 2;
    assert_eq(total, 5);
}

test fn words() {
    assert_eq([\"a\"], [\"b\"]);
}

test fn condition() {
    let n = 3;
    assert(n < 2);
}
";
    write(&dir, "f.src", src)?;
    let out = lang_in(&dir, &["test", "f.src"])?;
    expect(
        &out,
        1,
        &[
            "test f.src::good ... ok\n",
            "test f.src::sums ... FAILED (exit 70)\n",
            "    shown when failing\n",
            "    runtime error: assert_eq failed: left 4, right 5\n",
            "      at sums (f.src:8)\n",
            "test f.src::words ... FAILED",
            "assert_eq failed: left [\"a\"], right [\"b\"]\n",
            "at words (f.src:12)\n",
            "test f.src::condition ... FAILED",
            "runtime error: assertion failed: n < 2\n",
            "at condition (f.src:17)\n",
            "1 passed, 3 failed\n",
        ],
    )
}

fn crashing_test() -> Result<(), Failed> {
    let dir = tempdir()?;
    let src = "var counter = 0;

test fn out_of_bounds() {
    counter += 1;
    let xs = [1];
    println(xs[5]);
}

test fn exits() {
    exit(3);
}

fn recurse(n: int) -> int {
    return recurse(n + 1) + 1;
}

test fn deep() {
    println(recurse(0));
}

test fn after() {
    counter += 1;
    assert_eq(counter, 1);
}
";
    write(&dir, "c.src", src)?;
    let out = lang_in(&dir, &["test", "c.src"])?;
    expect(
        &out,
        1,
        &[
            "test c.src::out_of_bounds ... FAILED (exit 70)\n",
            "runtime error: index 5 out of bounds for length 1\n",
            "at out_of_bounds (c.src:6)\n",
            "test c.src::exits ... FAILED (exit 3)\n",
            "test c.src::deep ... FAILED (exit 70)\n",
            "stack overflow",
            "test c.src::after ... ok\n",
            "1 passed, 3 failed\n",
        ],
    )
}

/// A failing test that prints about 4 MB shows its first 64 KiB and how
/// much more there was; the failure's own message (on stderr) is still
/// shown in full.
fn bounded_output() -> Result<(), Failed> {
    let dir = tempdir()?;
    let src = "test fn chatty() {
    for i in 0..100000 {
        println(\"line ${i} of a test that prints far too much\");
    }
    assert_eq(1, 2);
}
";
    write(&dir, "o.src", src)?;
    let out = lang_in(&dir, &["test", "o.src"])?;
    expect(
        &out,
        1,
        &[
            "test o.src::chatty ... FAILED (exit 70)\n",
            "    line 0 of a test",
            "more bytes not shown)\n",
            "assert_eq failed",
            "0 passed, 1 failed\n",
        ],
    )?;
    absent(&out, "line 99999 of a test")?;
    if out.stdout.len() > 200_000 {
        return Err(format!("the report is {} bytes long", out.stdout.len()).into());
    }
    Ok(())
}

fn filter() -> Result<(), Failed> {
    let dir = tempdir()?;
    write(&dir, "math.src", MATH)?;
    write(
        &dir,
        "other.src",
        "test fn adds_badly() {\n    assert_eq(1, 2);\n}\n",
    )?;
    let out = lang_in(&dir, &["test", "--filter", "strings"])?;
    expect(
        &out,
        0,
        &[
            "test math.src::adds_strings ... ok\n",
            "1 passed, 0 failed, 2 filtered out\n",
        ],
    )?;
    absent(&out, "math.src::adds ...")?;
    // The filter matches the whole name, file included.
    let out = lang_in(&dir, &["test", "--filter", "other.src::"])?;
    expect(
        &out,
        1,
        &[
            "test other.src::adds_badly ... FAILED",
            "0 passed, 1 failed, 2 filtered out\n",
        ],
    )?;
    let out = lang_in(&dir, &["test", "--filter", "nothing-matches"])?;
    expect(&out, 0, &["0 passed, 0 failed, 3 filtered out\n"])
}

fn directories() -> Result<(), Failed> {
    let dir = tempdir()?;
    write(&dir, "b.src", MATH)?;
    write(&dir, "lib/a.src", "test fn one() {\n    assert(true);\n}\n")?;
    // Without tests, a file is not compiled: it may be anything.
    write(&dir, "lib/broken.src", "fn main( {\n")?;
    write(&dir, "notes.txt", "test fn not_source() { }\n")?;
    write(&dir, ".hidden/h.src", "test fn hidden() { }\n")?;
    let out = lang_in(&dir, &["test"])?;
    expect(
        &out,
        0,
        &[
            "test b.src::adds ... ok\n",
            "test b.src::adds_strings ... ok\n",
            "test lib/a.src::one ... ok\n",
            "3 passed, 0 failed\n",
        ],
    )?;
    absent(&out, "hidden")?;
    absent(&out, "not_source")?;
    let out = lang_in(&dir, &["test", "lib"])?;
    expect(
        &out,
        0,
        &["test lib/a.src::one ... ok\n", "1 passed, 0 failed\n"],
    )?;
    let empty = tempdir()?;
    let out = lang_in(&empty, &["test"])?;
    expect(&out, 0, &["0 passed, 0 failed\n"])
}

fn bad_path() -> Result<(), Failed> {
    let dir = tempdir()?;
    let out = lang_in(&dir, &["test", "missing.src"])?;
    if out.code != 66 || !out.stderr.contains("error: cannot read missing.src: ") {
        return Err(format!(
            "expected exit 66 naming the path, got {}\n{}",
            out.code, out.stderr
        )
        .into());
    }
    Ok(())
}

fn compile_error() -> Result<(), Failed> {
    let dir = tempdir()?;
    write(
        &dir,
        "bad.src",
        "test fn typo() {\n    let x: int = \"one\";\n}\n\ntest fn fine() { }\n",
    )?;
    write(&dir, "good.src", "test fn fine() { }\n")?;
    let out = lang_in(&dir, &["test"])?;
    expect(
        &out,
        1,
        &[
            "test bad.src ... FAILED (does not compile)\n",
            "test good.src::fine ... ok\n",
            "1 passed, 2 failed\n",
        ],
    )?;
    if !out.stderr.contains("bad.src:2:18") {
        return Err(format!("the compile error is not shown:\n{}", out.stderr).into());
    }
    Ok(())
}

fn run_ignores_tests() -> Result<(), Failed> {
    let dir = tempdir()?;
    write(&dir, "math.src", MATH)?;
    let out = lang_in(&dir, &["run", "math.src"])?;
    if out.code != 0 || out.stdout != "main\n" || !out.stderr.is_empty() {
        return Err(format!("lang run: {} {:?} {:?}", out.code, out.stdout, out.stderr).into());
    }
    // Nothing can call a test.
    write(
        &dir,
        "call.src",
        "test fn t() { }\n\nfn main() {\n    t();\n}\n",
    )?;
    let out = lang_in(&dir, &["run", "call.src"])?;
    if out.code != 65 || !out.stderr.contains("unknown function `t`") {
        return Err(format!("calling a test: {} {}", out.code, out.stderr).into());
    }
    Ok(())
}
