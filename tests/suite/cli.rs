//! Command-line trials: what `lang` does with the files and words it is
//! given, before any program runs (input limits, options after FILE, paths
//! in `.bc` files).

use crate::{lang, tempdir, Output};
use libtest_mimic::{Failed, Trial};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test(
            "cli::words_after_file_go_to_args",
            words_after_file_go_to_args,
        ),
        Trial::test("cli::misplaced_option_is_a_usage_error", misplaced_option),
        Trial::test("cli::devices_are_refused", devices_are_refused),
        Trial::test("cli::fifo_is_refused_without_blocking", fifo_is_refused),
        Trial::test("cli::directory_is_refused", directory_is_refused),
        Trial::test("cli::oversized_file_is_refused", oversized_file_is_refused),
        Trial::test("cli::repl_load_is_bounded", repl_load_is_bounded),
        Trial::test(
            "cli::bc_bytes_do_not_depend_on_the_path",
            bc_bytes_independent_of_path,
        ),
        Trial::test("cli::a_failed_stdout_write_is_exit_74", failed_stdout_write),
        Trial::test("cli::a_closed_stdout_ends_the_run_quietly", closed_stdout),
        Trial::test("cli::run_dash_reads_the_program_from_stdin", run_from_stdin),
        Trial::test(
            "cli::multi_file_bc_bytes_independent_of_path",
            multi_file_bc_independent_of_path,
        ),
        Trial::test("cli::old_bc_version_is_refused", old_bc_version_is_refused),
    ]
}

/// A program that prints each of its arguments on a line.
const PRINT_ARGS: &str = "fn main() {\n    let a = args();\n    var i = 0;\n    while i < a.len() {\n        println(a[i]);\n        i += 1;\n    }\n}\n";

/// How long a trial waits for `lang` before it counts as hung: far longer
/// than any of these commands needs, so only a real hang reaches it.
const HANG_LIMIT: Duration = Duration::from_secs(30);

/// Runs `lang ARGS` in `cwd` with `stdin`, killing it if it hangs (the
/// failure these trials guard against is often a read that never ends).
fn run_bounded(args: &[&str], cwd: &Path, stdin: &[u8]) -> Result<Output, Failed> {
    let mut child = lang()
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start lang: {e}"))?;
    if let Some(mut pipe) = child.stdin.take() {
        use std::io::Write;
        let _ = pipe.write_all(stdin);
    }
    wait_bounded(&mut child, &format!("lang {args:?}"))?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    Ok(Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

fn expect(out: &Output, code: i32, stderr_part: &str, what: &str) -> Result<(), Failed> {
    if out.code != code || !out.stderr.contains(stderr_part) {
        return Err(format!(
            "{what}: expected exit {code} and stderr containing {stderr_part:?}\n\
             got exit {}\n--- stdout\n{}--- stderr\n{}",
            out.code, out.stdout, out.stderr
        )
        .into());
    }
    Ok(())
}

fn write(dir: &Path, name: &str, text: &str) -> Result<(), Failed> {
    std::fs::write(dir.join(name), text).map_err(|e| format!("cannot write {name}: {e}").into())
}

/// Everything after FILE belongs to the program, even words that look like
/// `lang run`'s own options; options before FILE still work.
fn words_after_file_go_to_args() -> Result<(), Failed> {
    let dir = tempdir()?;
    write(&dir, "p.src", PRINT_ARGS)?;
    let out = run_bounded(
        &[
            "run",
            "--heap-max",
            "64M",
            "p.src",
            "--gc-stats",
            "--heap-max",
            "1M",
            "-x",
            "--",
        ],
        &dir,
        b"",
    )?;
    let expected = "p.src\n--gc-stats\n--heap-max\n1M\n-x\n--\n";
    if out.code != 0 || out.stdout != expected || !out.stderr.is_empty() {
        return Err(format!(
            "exit {}\n--- stdout\n{}--- expected\n{expected}--- stderr\n{}",
            out.code, out.stdout, out.stderr
        )
        .into());
    }
    Ok(())
}

/// A word before FILE that is no option and no file is reported as the
/// usage error it is.
fn misplaced_option() -> Result<(), Failed> {
    let dir = tempdir()?;
    write(&dir, "p.src", PRINT_ARGS)?;
    let out = run_bounded(&["run", "--heap-mx", "1M", "p.src"], &dir, b"")?;
    expect(&out, 2, "unexpected option '--heap-mx'", "misplaced option")
}

/// Devices are refused at once by every command that reads a program,
/// instead of being read for ever.
fn devices_are_refused() -> Result<(), Failed> {
    let dir = tempdir()?;
    for command in ["run", "check", "disasm", "build"] {
        for device in ["/dev/zero", "/dev/urandom"] {
            let out = run_bounded(&[command, device], &dir, b"")?;
            expect(
                &out,
                66,
                "it is a device",
                &format!("lang {command} {device}"),
            )?;
        }
    }
    Ok(())
}

/// A FIFO with no writer would block `open` for ever.
fn fifo_is_refused() -> Result<(), Failed> {
    let dir = tempdir()?;
    let fifo = dir.join("prog.src");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map_err(|e| format!("cannot run mkfifo: {e}"))?;
    if !made.success() {
        return Err("mkfifo failed".into());
    }
    let out = run_bounded(&["run", "prog.src"], &dir, b"")?;
    expect(&out, 66, "it is a FIFO", "lang run FIFO")
}

fn directory_is_refused() -> Result<(), Failed> {
    let dir = tempdir()?;
    let out = run_bounded(&["check", "."], &dir, b"")?;
    expect(&out, 66, "it is a directory", "lang check .")
}

/// A file one byte over the limit is refused before it is read (the file
/// is sparse, so the trial costs no disk).
fn oversized_file_is_refused() -> Result<(), Failed> {
    let dir = tempdir()?;
    let path = dir.join("big.src");
    let file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
    file.set_len((64 << 20) + 1).map_err(|e| e.to_string())?;
    let out = run_bounded(&["run", "big.src"], &dir, b"")?;
    expect(
        &out,
        66,
        "larger than 64 MiB",
        "lang run of a 64 MiB + 1 file",
    )?;
    drop(file);
    // At the limit exactly the file is read: a program padded with spaces
    // to 64 MiB compiles and runs.
    let program = b"fn main() { println(7); }\n";
    let mut padded = vec![b' '; 64 << 20];
    padded[..program.len()].copy_from_slice(program);
    std::fs::write(&path, &padded).map_err(|e| e.to_string())?;
    let out = run_bounded(&["run", "big.src"], &dir, b"");
    let _ = std::fs::remove_file(&path);
    let out = out?;
    if out.code != 0 || out.stdout != "7\n" {
        return Err(format!(
            "a file at the limit did not run: exit {}\n{}",
            out.code, out.stderr
        )
        .into());
    }
    Ok(())
}

/// The REPL's `:load` reads through the same limits.
fn repl_load_is_bounded() -> Result<(), Failed> {
    let dir = tempdir()?;
    let out = run_bounded(&["repl"], &dir, b":load /dev/zero\n1 + 1\n")?;
    if !out.stderr.contains("cannot read /dev/zero: it is a device") || !out.stdout.contains("2") {
        return Err(format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            out.code, out.stdout, out.stderr
        )
        .into());
    }
    Ok(())
}

/// The same source gives the same bytes wherever it is built from: by a
/// relative path, an absolute one, or through `..`.
fn bc_bytes_independent_of_path() -> Result<(), Failed> {
    let dir = tempdir()?;
    let sub = dir.join("d");
    std::fs::create_dir_all(&sub).map_err(|e| e.to_string())?;
    write(
        &sub,
        "p.src",
        "fn main() {\n    let x = [1, 2];\n    println(x[5]);\n}\n",
    )?;
    let absolute = sub.join("p.src");
    let builds: [(&Path, &str, &str); 3] = [
        (&sub, "p.src", "1.bc"),
        (&dir, "d/p.src", "d/2.bc"),
        (
            &dir,
            absolute.to_str().ok_or("temp dir is not UTF-8")?,
            "d/3.bc",
        ),
    ];
    for (cwd, file, out) in builds {
        let built = run_bounded(&["build", file, "-o", out], cwd, b"")?;
        expect(&built, 0, "", &format!("lang build {file}"))?;
    }
    let read = |name: &str| std::fs::read(sub.join(name)).map_err(|e| e.to_string());
    let first = read("1.bc")?;
    for other in ["2.bc", "3.bc"] {
        if read(other)? != first {
            return Err(format!("{other} differs from 1.bc").into());
        }
    }
    // The trace names the file without its directories, whichever way it
    // was run.
    let from_bc = run_bounded(&["run", "d/1.bc"], &dir, b"")?;
    let from_src = run_bounded(&["run", "d/p.src"], &dir, b"")?;
    for out in [&from_bc, &from_src] {
        expect(out, 70, "(p.src:3)", "the runtime error's trace")?;
    }
    Ok(())
}

/// A program spanning files links into one `.bc` whose bytes do not
/// depend on the path it was built by, and whose stack trace names each
/// file with its own line, from the `.bc` and from source alike.
fn multi_file_bc_independent_of_path() -> Result<(), Failed> {
    let dir = tempdir()?;
    let sub = dir.join("d");
    std::fs::create_dir_all(sub.join("lib")).map_err(|e| e.to_string())?;
    write(
        &sub,
        "main.src",
        "import lib::m;

fn main() {
    println(m::get(1));
}
",
    )?;
    write(
        &sub,
        "lib/m.src",
        "pub fn get(i: int) -> int {
    let x = [1, 2];
    return x[i + 4];
}
",
    )?;
    let absolute = sub.join("main.src");
    let builds: [(&Path, &str, &str); 3] = [
        (&sub, "main.src", "1.bc"),
        (&dir, "d/main.src", "d/2.bc"),
        (
            &sub.join("lib"),
            absolute.to_str().ok_or("temp dir is not UTF-8")?,
            "../3.bc",
        ),
    ];
    for (cwd, file, out) in builds {
        let built = run_bounded(&["build", file, "-o", out], cwd, b"")?;
        expect(&built, 0, "", &format!("lang build {file}"))?;
    }
    let read = |name: &str| std::fs::read(sub.join(name)).map_err(|e| e.to_string());
    let first = read("1.bc")?;
    for other in ["2.bc", "3.bc"] {
        if read(other)? != first {
            return Err(format!("{other} differs from 1.bc").into());
        }
    }
    // The `.bc` is self-contained: it runs with the sources gone.
    std::fs::remove_dir_all(sub.join("lib")).map_err(|e| e.to_string())?;
    let from_bc = run_bounded(&["run", "d/1.bc"], &dir, b"")?;
    for part in ["at get (lib/m.src:3)", "at main (main.src:4)"] {
        expect(&from_bc, 70, part, "the runtime error's trace from the .bc")?;
    }
    Ok(())
}

/// A `.bc` of an older format version is refused, naming both versions.
fn old_bc_version_is_refused() -> Result<(), Failed> {
    let dir = tempdir()?;
    write(&dir, "p.src", "println(1);\n")?;
    let built = run_bounded(&["build", "p.src", "-o", "p.bc"], &dir, b"")?;
    expect(&built, 0, "", "lang build p.src")?;
    let mut bytes = std::fs::read(dir.join("p.bc")).map_err(|e| e.to_string())?;
    // The version is the u16 after the 4-byte magic number; it is not
    // covered by the checksum, which covers the payload.
    bytes.splice(4..6, 1u16.to_le_bytes());
    std::fs::write(dir.join("old.bc"), &bytes).map_err(|e| e.to_string())?;
    let run = run_bounded(&["run", "old.bc"], &dir, b"")?;
    expect(
        &run,
        65,
        "format version 1 is not supported (this build reads version 2)",
        "lang run old.bc",
    )
}

/// A program that prints for ever: only a failed write can end it.
const ENDLESS: &str = "fn main() {\n    var i = 0;\n    while true {\n        println(i);\n        i += 1;\n    }\n}\n";

/// Runs `lang ARGS` in `dir` with stdout on `/dev/full`.
fn run_to_full_disk(args: &[&str], dir: &Path) -> Result<Output, Failed> {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .map_err(|e| format!("cannot open /dev/full: {e}"))?;
    let mut child = lang()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(full)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start lang: {e}"))?;
    wait_bounded(&mut child, &format!("lang {args:?} > /dev/full"))?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    Ok(Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Waits for `child` to end, killing it if it outlives `HANG_LIMIT`.
fn wait_bounded(child: &mut std::process::Child, what: &str) -> Result<(), Failed> {
    let started = Instant::now();
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if started.elapsed() > HANG_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{what} did not finish in {HANG_LIMIT:?}").into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// `> /dev/full` is reported, with exit 74, for a program that ends by
/// itself (its last flush fails), one that would print for ever, one that
/// calls `exit`, and a listing.
fn failed_stdout_write() -> Result<(), Failed> {
    let dir = tempdir()?;
    write(&dir, "short.src", "fn main() {\n    println(1);\n}\n")?;
    write(
        &dir,
        "exits.src",
        "fn main() {\n    println(1);\n    exit(3);\n}\n",
    )?;
    write(&dir, "endless.src", ENDLESS)?;
    for args in [
        &["run", "short.src"][..],
        &["run", "exits.src"],
        &["run", "endless.src"],
        &["disasm", "short.src"],
    ] {
        let out = run_to_full_disk(args, &dir)?;
        expect(
            &out,
            74,
            "error: cannot write to stdout: No space left on device",
            &format!("lang {args:?} > /dev/full"),
        )?;
    }
    Ok(())
}

/// When the reader goes away (`| head -1`), an endless program ends with
/// the status of a program killed by SIGPIPE, 141, and prints nothing.
fn closed_stdout() -> Result<(), Failed> {
    use std::io::BufRead;
    let dir = tempdir()?;
    write(&dir, "endless.src", ENDLESS)?;
    let mut child = lang()
        .args(["run", "endless.src"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start lang: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let mut first = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut first)
        .map_err(|e| e.to_string())?;
    // The reader was dropped with the BufReader, like `head -1` exiting.
    wait_bounded(&mut child, "lang run after its reader went away")?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if first != "0\n" || out.status.code() != Some(141) || !stderr.is_empty() {
        return Err(format!(
            "first line {first:?}, exit {:?}, stderr {stderr:?}",
            out.status.code()
        )
        .into());
    }
    Ok(())
}

/// `lang run -` compiles the program on stdin; its name in `args()[0]` and
/// in stack traces is `<stdin>`, and a `#!` first line is skipped. `lang
/// build -` needs `-o`, and `--kvm` refuses `-`.
fn run_from_stdin() -> Result<(), Failed> {
    let dir = tempdir()?;
    let program = b"#!/usr/bin/env -S lang run\nfn main() {\n    println(args()[0]);\n    println(args()[1]);\n    let a = [1];\n    println(a[2]);\n}\n";
    let out = run_bounded(&["run", "-", "x"], &dir, program)?;
    expect(&out, 70, "at main (<stdin>:6)", "run -")?;
    if out.stdout != "<stdin>\nx\n" {
        return Err(format!("run -: stdout {:?}", out.stdout).into());
    }
    let out = run_bounded(&["build", "-"], &dir, program)?;
    expect(&out, 2, "needs -o FILE", "build - without -o")?;
    let out = run_bounded(&["build", "-", "-o", "p.bc"], &dir, program)?;
    expect(&out, 0, "", "build - -o p.bc")?;
    let out = run_bounded(&["run", "p.bc", "y"], &dir, b"")?;
    expect(&out, 70, "at main (<stdin>:6)", "run p.bc")?;
    let out = run_bounded(&["run", "--kvm", "-"], &dir, program)?;
    expect(
        &out,
        2,
        "cannot run a program read from stdin",
        "run --kvm -",
    )
}
