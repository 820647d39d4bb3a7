//! Snapshot differential trials (`snapshot::`): every conformance program
//! that compiles is saved at many safepoints (every one of the first few,
//! then a geometric spread), each image resumed in a new process; the
//! output before plus the output after must be the plain run's, byte for
//! byte, on stdout and stderr, with the same exit code. At one safepoint
//! per program the image is also verified (`lang image verify`), saved a
//! second time (same bytes), re-saved at once by a resume (load-then-save:
//! same bytes), and resumed under another GC plan and under
//! `--jit=always`; programs with input are also resumed from a pipe.
//! `snapshot-cli::` trials check the options, `checkpoint()`, the clock and
//! damaged images.

use super::{
    compiles, lang, program_args, program_flags, relative_name, repo_relative, run_lang,
    run_program, side, sources, tempdir, Output,
};
use libtest_mimic::{Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// A `snapshot-cli::` trial's body.
type CliTrial = fn() -> Result<(), Failed>;

pub fn trials(root: &Path) -> Vec<Trial> {
    let mut trials = Vec::new();
    for src in sources(&root.join("tests/conformance")) {
        if !compiles(&src) {
            continue;
        }
        let name = relative_name(root, &src, "tests/conformance");
        trials.push(Trial::test(format!("snapshot::{name}"), move || {
            every_point(&src)
        }));
    }
    let cli: [(&str, CliTrial); 10] = [
        ("checkpoint_every_keeps_an_image", checkpoint_every),
        ("snapshot_to_needs_a_when", needs_a_when),
        ("bad_snapshot_points_are_usage_errors", bad_points),
        (
            "checkpoint_returns_false_then_true",
            checkpoint_false_then_true,
        ),
        ("the_clock_never_goes_back_across_a_resume", clock_monotonic),
        ("stdin_continues_from_a_file_and_a_pipe", stdin_continues),
        ("first_read_saves_before_the_first_read", first_read),
        ("damaged_images_are_refused_clearly", damaged_images),
        ("signals_save_and_go_on_or_exit", signals),
        (
            "checkpoint_inside_a_sort_by_comparison",
            checkpoint_in_comparison,
        ),
    ];
    for (name, test) in cli {
        trials.push(Trial::test(format!("snapshot-cli::{name}"), test));
    }
    trials
}

/// Every safepoint up to here is tried...
const EVERY_UP_TO: u64 = 8;
/// ...then every fourth power of two past it, up to this one.
const SPREAD_UP_TO: u64 = 1 << 18;

fn points() -> Vec<u64> {
    let mut ks: Vec<u64> = (1..=EVERY_UP_TO).collect();
    let mut k = EVERY_UP_TO * 2;
    while k <= SPREAD_UP_TO {
        ks.push(k);
        k *= 4;
    }
    ks
}

/// `lang ARGS` in the repository root with stdin from `input`: a pipe
/// holding the bytes, or a regular file.
enum Input<'a> {
    Pipe(&'a [u8]),
    File(&'a Path),
}

fn lang_with(args: &[&std::ffi::OsStr], input: Input<'_>) -> Result<Output, Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    match input {
        Input::Pipe(bytes) => run_lang(args, Some(bytes), Some(root)),
        Input::File(path) => {
            let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
            let out = lang()
                .args(args)
                .current_dir(root)
                .stdin(Stdio::from(file))
                .output()
                .map_err(|e| format!("cannot run lang: {e}"))?;
            Ok(Output {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            })
        }
    }
}

/// Runs `src` (as the suite does) saving at safepoint `k` into `image`.
fn save(src: &Path, image: &Path, k: u64, input: &[u8]) -> Result<Output, Failed> {
    let at = format!("safepoint:{k}");
    let mut args: Vec<std::ffi::OsString> = vec![
        "run".into(),
        "--snapshot-to".into(),
        image.into(),
        "--snapshot-at".into(),
        at.into(),
    ];
    args.extend(program_flags(src).into_iter().map(Into::into));
    args.push(repo_relative(src).into());
    args.extend(program_args(src).into_iter().map(Into::into));
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    lang_with(&refs, Input::Pipe(input))
}

/// `lang resume [FLAGS] [the program's flags] IMAGE`.
fn resume(src: &Path, image: &Path, flags: &[&str], input: Input<'_>) -> Result<Output, Failed> {
    let mut args: Vec<std::ffi::OsString> = vec!["resume".into()];
    args.extend(flags.iter().map(Into::into));
    args.extend(program_flags(src).into_iter().map(Into::into));
    args.push(image.into());
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    lang_with(&refs, input)
}

/// The output before and after a snapshot together against a plain run's.
fn joined(plain: &Output, before: &Output, after: &Output, what: &str) -> Result<(), Failed> {
    let stdout = format!("{}{}", before.stdout, after.stdout);
    let stderr = format!("{}{}", before.stderr, after.stderr);
    if before.code != 0 {
        return Err(format!(
            "{what}: the saving run exited {} (expected 0)\n{}",
            before.code, before.stderr
        )
        .into());
    }
    if stdout != plain.stdout || stderr != plain.stderr || after.code != plain.code {
        return Err(format!(
            "{what}: before + after differs from the plain run\n--- plain (exit {})\n{}--- plain stderr\n{}--- before\n{}--- after (exit {})\n{}--- stderr before + after\n{}",
            plain.code, plain.stdout, plain.stderr, before.stdout, after.code, after.stdout, stderr
        )
        .into());
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, Failed> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

fn every_point(src: &Path) -> Result<(), Failed> {
    let input = side(src, "in").unwrap_or_default();
    let input = input.as_bytes();
    let plain = run_program(&repo_relative(src), src)?;
    let dir = tempdir()?;
    let input_file = dir.join("stdin");
    std::fs::write(&input_file, input).map_err(|e| e.to_string())?;
    let mut saved: Vec<(u64, PathBuf, Output)> = Vec::new();
    for k in points() {
        let image = dir.join(format!("at-{k}.img"));
        let before = save(src, &image, k, input)?;
        if !image.exists() {
            // The run ended before safepoint k: it is a plain run.
            if before.stdout != plain.stdout || before.code != plain.code {
                return Err(format!(
                    "safepoint {k}: a run that never saved differs from the plain run (exit {} vs {})",
                    before.code, plain.code
                )
                .into());
            }
            break;
        }
        let after = resume(src, &image, &[], Input::File(&input_file))?;
        joined(&plain, &before, &after, &format!("safepoint {k}"))?;
        saved.push((k, image, before));
    }
    if let Some((k, image, before)) = saved.get(saved.len() / 2) {
        extras(src, &dir, *k, image, before, &plain, input)?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The checks made at one safepoint per program.
fn extras(
    src: &Path,
    dir: &Path,
    k: u64,
    image: &Path,
    before: &Output,
    plain: &Output,
    input: &[u8],
) -> Result<(), Failed> {
    let bytes = read(image)?;
    let verify = lang_with(
        &["image".as_ref(), "verify".as_ref(), image.as_os_str()],
        Input::Pipe(b""),
    )?;
    if verify.code != 0 {
        return Err(format!("image verify failed at safepoint {k}:\n{}", verify.stderr).into());
    }
    // Two runs reaching the same state write the same image (a program
    // that reads the clock reaches a different state each time).
    let again = dir.join("again.img");
    save(src, &again, k, input)?;
    let reads_clock = side(src, "src").is_some_and(|t| t.contains("clock("));
    if !reads_clock && read(&again)? != bytes {
        return Err(format!("saving twice at safepoint {k} gave different bytes").into());
    }
    // Load-then-save: a resume saved where it starts writes its image back.
    let resaved = dir.join("resaved.img");
    let r = lang_with(
        &[
            "resume".as_ref(),
            "--snapshot-to".as_ref(),
            resaved.as_os_str(),
            "--snapshot-at".as_ref(),
            "safepoint:0".as_ref(),
            image.as_os_str(),
        ],
        Input::Pipe(b""),
    )?;
    if r.code != 0 || read(&resaved)? != bytes {
        return Err(format!(
            "a resume saved at once did not write the same bytes (exit {}):\n{}",
            r.code, r.stderr
        )
        .into());
    }
    let input_file = dir.join("stdin");
    // Another plan than the saving run's default (GenImmix), and compiled
    // code after the resume.
    for flags in [
        &["--gc", "SemiSpace"][..],
        &["--gc", "MarkSweep"],
        &["--jit=always"],
    ] {
        let after = resume(src, image, flags, Input::File(&input_file))?;
        joined(
            plain,
            before,
            &after,
            &format!("safepoint {k}, resumed with {flags:?}"),
        )?;
    }
    // From a pipe, the resumed run's stdin is what comes after the bytes
    // the saved run had read from its own (consumed and read ahead).
    if !input.is_empty() {
        let taken = bytes_taken(image)?;
        let rest = input.get(taken..).unwrap_or_default();
        let after = resume(src, image, &[], Input::Pipe(rest))?;
        joined(
            plain,
            before,
            &after,
            &format!("safepoint {k}, stdin from a pipe"),
        )?;
    }
    Ok(())
}

/// How many bytes of stdin the saved run had taken from its pipe, from
/// `lang image info`'s line "stdin consumed: C bytes in L lines (R read
/// ahead)".
fn bytes_taken(image: &Path) -> Result<usize, Failed> {
    let info = lang_with(
        &["image".as_ref(), "info".as_ref(), image.as_os_str()],
        Input::Pipe(b""),
    )?;
    let line = info
        .stdout
        .lines()
        .find_map(|l| l.split_once("stdin consumed: ").map(|(_, r)| r.to_string()))
        .ok_or_else(|| format!("image info has no stdin line:\n{}", info.stdout))?;
    let number = |s: &str| {
        s.trim()
            .split(' ')
            .next()
            .and_then(|n| n.parse::<usize>().ok())
    };
    let consumed = number(&line).ok_or("no consumed count")?;
    let ahead = line
        .split_once('(')
        .and_then(|(_, r)| number(r))
        .ok_or("no read-ahead count")?;
    Ok(consumed + ahead)
}

/// A program written for a trial, in its own temporary directory.
fn program(text: &str) -> Result<(super::TempDir, PathBuf), Failed> {
    let dir = tempdir()?;
    let src = dir.join("p.src");
    std::fs::write(&src, text).map_err(|e| e.to_string())?;
    Ok((dir, src))
}

fn os(s: &Path) -> &std::ffi::OsStr {
    s.as_os_str()
}

fn needs_a_when() -> Result<(), Failed> {
    let (dir, src) = program("fn main() { println(1); }\n")?;
    let img = dir.join("i.img");
    let r = lang_with(
        &["run".as_ref(), "--snapshot-to".as_ref(), os(&img), os(&src)],
        Input::Pipe(b""),
    )?;
    if r.code != 2 || !r.stderr.contains("--snapshot-at") || img.exists() {
        return Err(format!("exit {}: {}", r.code, r.stderr).into());
    }
    Ok(())
}

fn bad_points() -> Result<(), Failed> {
    let (dir, src) = program("fn main() { println(1); }\n")?;
    let img = dir.join("i.img");
    for (opt, value) in [
        ("--snapshot-at", "safepoint:x"),
        ("--snapshot-at", "later"),
        ("--checkpoint-every", "0"),
        ("--checkpoint-every", "soon"),
    ] {
        let r = lang_with(
            &[
                "run".as_ref(),
                "--snapshot-to".as_ref(),
                os(&img),
                opt.as_ref(),
                value.as_ref(),
                os(&src),
            ],
            Input::Pipe(b""),
        )?;
        if r.code != 2 || !r.stderr.contains(value) {
            return Err(format!("{opt} {value}: exit {}: {}", r.code, r.stderr).into());
        }
    }
    // Without --snapshot-to, --snapshot-at has nowhere to write.
    let r = lang_with(
        &[
            "run".as_ref(),
            "--snapshot-at".as_ref(),
            "signal".as_ref(),
            os(&src),
        ],
        Input::Pipe(b""),
    )?;
    if r.code != 2 || !r.stderr.contains("--snapshot-to") {
        return Err(format!("--snapshot-at alone: exit {}: {}", r.code, r.stderr).into());
    }
    Ok(())
}

fn checkpoint_false_then_true() -> Result<(), Failed> {
    let (dir, src) = program(
        "fn main() {\n    var total = 0;\n    for i in 0..3 { total = total + i; }\n    let resumed = checkpoint(args()[1]);\n    println(\"resumed: \" + str(resumed) + \", total \" + str(total));\n    exit(if resumed { 3 } else { 0 });\n}\n",
    )?;
    let img = dir.join("c.img");
    let first = lang_with(&["run".as_ref(), os(&src), os(&img)], Input::Pipe(b""))?;
    if first.stdout != "resumed: false, total 3\n" || first.code != 0 {
        return Err(format!(
            "first run: exit {}: {}{}",
            first.code, first.stdout, first.stderr
        )
        .into());
    }
    let second = lang_with(&["resume".as_ref(), os(&img)], Input::Pipe(b""))?;
    if second.stdout != "resumed: true, total 3\n" || second.code != 3 {
        return Err(format!(
            "resume: exit {}: {}{}",
            second.code, second.stdout, second.stderr
        )
        .into());
    }
    // Resumed twice, the image gives the same run twice.
    let third = lang_with(&["resume".as_ref(), os(&img)], Input::Pipe(b""))?;
    if third.stdout != second.stdout {
        return Err("a second resume differs".into());
    }
    Ok(())
}

/// `checkpoint()` called from a `sort_by` comparison saves the sort half
/// done: `sort_by` is bytecode of the prelude, so every frame of the sort
/// is in the image, and the resumed run finishes it.
fn checkpoint_in_comparison() -> Result<(), Failed> {
    let (dir, src) = program(
        "fn main() {\n    var saved = false;\n    let xs = [3, 1, 2, 5, 4];\n    xs.sort_by(fn(a: int, b: int) -> bool {\n        if !saved {\n            saved = true;\n            println(\"resumed: \" + str(checkpoint(args()[1])));\n        }\n        return a < b;\n    });\n    println(xs);\n}\n",
    )?;
    let img = dir.join("c.img");
    let first = lang_with(&["run".as_ref(), os(&src), os(&img)], Input::Pipe(b""))?;
    if first.stdout != "resumed: false\n[1, 2, 3, 4, 5]\n" || first.code != 0 {
        return Err(format!(
            "first run: exit {}: {}{}",
            first.code, first.stdout, first.stderr
        )
        .into());
    }
    let second = lang_with(&["resume".as_ref(), os(&img)], Input::Pipe(b""))?;
    if second.stdout != "resumed: true\n[1, 2, 3, 4, 5]\n" || second.code != 0 {
        return Err(format!(
            "resume: exit {}: {}{}",
            second.code, second.stdout, second.stderr
        )
        .into());
    }
    Ok(())
}

fn clock_monotonic() -> Result<(), Failed> {
    let (dir, src) = program(
        "fn main() {\n    let start = clock();\n    var spin = 0;\n    while clock() - start < 0.05 { spin = spin + 1; }\n    let before = clock();\n    let resumed = checkpoint(args()[1]);\n    let after = clock();\n    println(str(resumed) + \" \" + str(after >= before) + \" \" + str(before >= 0.05));\n}\n",
    )?;
    let img = dir.join("c.img");
    let first = lang_with(&["run".as_ref(), os(&src), os(&img)], Input::Pipe(b""))?;
    if first.stdout != "false true true\n" {
        return Err(format!("first run: {}{}", first.stdout, first.stderr).into());
    }
    let second = lang_with(&["resume".as_ref(), os(&img)], Input::Pipe(b""))?;
    if second.stdout != "true true true\n" {
        return Err(format!("resume: {}{}", second.stdout, second.stderr).into());
    }
    Ok(())
}

/// The program of the stdin trials: reads two lines, saves, reads the
/// rest.
const READS: &str = "fn main() {\n    println(\"1:\" + read_line());\n    println(\"2:\" + read_line());\n    checkpoint(args()[1]);\n    var line = read_line();\n    while line != \"\" {\n        println(\"more:\" + line);\n        line = read_line();\n    }\n}\n";

fn stdin_continues() -> Result<(), Failed> {
    let (dir, src) = program(READS)?;
    let img = dir.join("s.img");
    let input = b"a\nb\nc\nd\n";
    let data = dir.join("input.txt");
    std::fs::write(&data, input).map_err(|e| e.to_string())?;
    let first = lang_with(&["run".as_ref(), os(&src), os(&img)], Input::File(&data))?;
    if first.stdout != "1:a\n\n2:b\n\nmore:c\n\nmore:d\n\n" {
        return Err(format!("first run: {}{}", first.stdout, first.stderr).into());
    }
    // From the same file: reading goes on after the two lines.
    let again = lang_with(&["resume".as_ref(), os(&img)], Input::File(&data))?;
    if again.stdout != "more:c\n\nmore:d\n\n" {
        return Err(format!("resumed from the file: {}{}", again.stdout, again.stderr).into());
    }
    // From a pipe: the bytes the saved run had read ahead come first, then
    // the pipe's.
    let piped = lang_with(&["resume".as_ref(), os(&img)], Input::Pipe(b"e\n"))?;
    if piped.stdout != "more:c\n\nmore:d\n\nmore:e\n\n" {
        return Err(format!("resumed from a pipe: {}{}", piped.stdout, piped.stderr).into());
    }
    // A file shorter than what the saved run had read is refused.
    let short = dir.join("short.txt");
    std::fs::write(&short, b"a\n").map_err(|e| e.to_string())?;
    let r = lang_with(&["resume".as_ref(), os(&img)], Input::File(&short))?;
    if r.code == 0 || !r.stderr.contains("shorter") && !r.stderr.contains("same input") {
        return Err(format!("short file: exit {}: {}", r.code, r.stderr).into());
    }
    Ok(())
}

fn first_read() -> Result<(), Failed> {
    let (dir, src) = program(
        "fn main() {\n    var table = [0; 0];\n    for i in 0..1000 { table.push(i * i); }\n    println(\"ready\");\n    let line = read_line();\n    println(line + str(table[999]));\n}\n",
    )?;
    let img = dir.join("f.img");
    let first = lang_with(
        &[
            "run".as_ref(),
            "--snapshot-to".as_ref(),
            os(&img),
            "--snapshot-at".as_ref(),
            "first-read".as_ref(),
            os(&src),
        ],
        Input::Pipe(b"never read\n"),
    )?;
    if first.stdout != "ready\n" || first.code != 0 {
        return Err(format!(
            "first run: exit {}: {}{}",
            first.code, first.stdout, first.stderr
        )
        .into());
    }
    // The saving run read ahead of the program; from a file the resumed run
    // starts at byte 0, as nothing was consumed.
    let data = dir.join("in.txt");
    std::fs::write(&data, b"x").map_err(|e| e.to_string())?;
    let r = lang_with(&["resume".as_ref(), os(&img)], Input::File(&data))?;
    if r.stdout != "x998001\n" || r.code != 0 {
        return Err(format!("resume: exit {}: {}{}", r.code, r.stdout, r.stderr).into());
    }
    Ok(())
}

fn damaged_images() -> Result<(), Failed> {
    let (dir, src) = program(
        "fn main() {\n    var s = \"\";\n    for i in 0..20 { s = s + str(i); }\n    println(s);\n}\n",
    )?;
    let img = dir.join("d.img");
    let r = lang_with(
        &[
            "run".as_ref(),
            "--snapshot-to".as_ref(),
            os(&img),
            "--snapshot-at".as_ref(),
            "safepoint:5".as_ref(),
            os(&src),
        ],
        Input::Pipe(b""),
    )?;
    if r.code != 0 {
        return Err(format!("save: {}", r.stderr).into());
    }
    let bytes = read(&img)?;
    let bad = dir.join("bad.img");
    // Truncations and single-byte changes at a spread of places: every one
    // is refused with a message and exit 65, or (a change the checks
    // cannot tell from a valid state, which the checksum rules out here)
    // never crashes.
    let mut cases: Vec<Vec<u8>> = vec![Vec::new(), bytes[..bytes.len() / 2].to_vec()];
    for i in (0..bytes.len()).step_by(bytes.len() / 16 + 1) {
        let mut b = bytes.clone();
        b[i] ^= 0x41;
        cases.push(b);
    }
    for case in cases {
        std::fs::write(&bad, &case).map_err(|e| e.to_string())?;
        for cmd in [&["resume"][..], &["image", "verify"], &["image", "info"]] {
            let mut args: Vec<&std::ffi::OsStr> = cmd.iter().map(|c| c.as_ref()).collect();
            args.push(os(&bad));
            let r = lang_with(&args, Input::Pipe(b""))?;
            if r.code != 65 || !r.stderr.contains("bad image") {
                return Err(
                    format!("{cmd:?} on a damaged image: exit {}: {}", r.code, r.stderr).into(),
                );
            }
        }
    }
    let missing = dir.join("missing.img");
    let r = lang_with(&["resume".as_ref(), os(&missing)], Input::Pipe(b""))?;
    if r.code != 66 || !r.stderr.contains("cannot read") {
        return Err(format!("missing image: exit {}: {}", r.code, r.stderr).into());
    }
    Ok(())
}

fn signals() -> Result<(), Failed> {
    // The program waits for its input, which comes only after the signal,
    // so that the trial needs no timing: the read is a safepoint.
    let (dir, src) = program(
        "fn main() {\n    var n = 0;\n    var line = read_line();\n    while line != \"\" {\n        n = n + 1;\n        println(str(n) + \" \" + line);\n        line = read_line();\n    }\n}\n",
    )?;
    for (signal, exits) in [(libc::SIGUSR1, false), (libc::SIGUSR2, true)] {
        let img = dir.join(format!("sig{signal}.img"));
        let mut child = lang()
            .args([
                "run".as_ref(),
                "--snapshot-to".as_ref(),
                os(&img),
                "--snapshot-at".as_ref(),
                "signal".as_ref(),
                os(&src),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        use std::io::Write;
        stdin.write_all(b"a\n").map_err(|e| e.to_string())?;
        stdin.flush().map_err(|e| e.to_string())?;
        // The handlers are installed before the program runs; wait until
        // it has printed its first line, so that they are.
        let mut stdout = child.stdout.take().ok_or("no stdout")?;
        let mut first = [0u8; 4];
        std::io::Read::read_exact(&mut stdout, &mut first).map_err(|e| e.to_string())?;
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        // The handler may run on another thread than the blocked reader;
        // give it time to run before the input that leads to a safepoint.
        std::thread::sleep(std::time::Duration::from_millis(200));
        // The next line makes the program pass a safepoint after the signal.
        let _ = stdin.write_all(b"b\n");
        let _ = stdin.flush();
        drop(stdin);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut rest).map_err(|e| e.to_string())?;
        let status = child.wait().map_err(|e| e.to_string())?;
        let printed = format!("{}{rest}", String::from_utf8_lossy(&first));
        let expected = if exits { "1 a\n\n" } else { "1 a\n\n2 b\n\n" };
        if printed != expected || status.code() != Some(0) || !img.exists() {
            return Err(format!(
                "signal {signal}: {status:?}, printed {printed:?}, image {}",
                img.exists()
            )
            .into());
        }
        if exits {
            let r = lang_with(&["resume".as_ref(), os(&img)], Input::Pipe(b"c\n"))?;
            if r.stdout != "2 b\n\n3 c\n\n" {
                return Err(format!("resume after SIGUSR2: {}{}", r.stdout, r.stderr).into());
            }
        }
    }
    Ok(())
}

fn checkpoint_every() -> Result<(), Failed> {
    // The program runs for at least 0.5 s of its own clock, ten periods.
    let (dir, src) = program(
        "fn main() {\n    println(\"start\");\n    let t = clock();\n    var spin = 0;\n    while clock() - t < 0.5 { spin = spin + 1; }\n    println(\"end\");\n}\n",
    )?;
    let img = dir.join("every.img");
    let first = lang_with(
        &[
            "run".as_ref(),
            "--snapshot-to".as_ref(),
            os(&img),
            "--checkpoint-every".as_ref(),
            "0.05".as_ref(),
            os(&src),
        ],
        Input::Pipe(b""),
    )?;
    if first.stdout != "start\nend\n" || first.code != 0 || !img.exists() {
        return Err(format!("run: exit {}: {}{}", first.code, first.stdout, first.stderr).into());
    }
    if dir.join("every.img.tmp").exists() {
        return Err("a temporary image was left behind".into());
    }
    let r = lang_with(&["resume".as_ref(), os(&img)], Input::Pipe(b""))?;
    if r.stdout != "end\n" || r.code != 0 {
        return Err(format!("resume: exit {}: {}{}", r.code, r.stdout, r.stderr).into());
    }
    Ok(())
}
