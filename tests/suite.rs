//! The end-to-end suite: it drives the real `lang` binary.
//!
//! - `conformance/<topic>/<name>.src` runs and must print exactly
//!   `<name>.out`; `<name>.err`, when present, starts with `exit: N` and lists
//!   lines that must appear in stderr in that order (otherwise the exit code
//!   must be 0 and stderr empty); `<name>.in` is fed to stdin and
//!   `<name>.args` holds one program argument per line; `<name>.flags` holds
//!   `lang run` options (e.g. `--heap-max 4M`) that go before the file.
//! - Each conformance program is also built to `.bc` twice (the bytes must be
//!   identical) and the `.bc` run (its output must match the source run's).
//! - `errors/<name>.src` must fail to compile; the snapshot shows the source
//!   and the rendered diagnostics together. `diagnostics::` and `limits::`
//!   trials compile generated files (a long line with many errors, a file
//!   that is not UTF-8, programs past each limit of the bytecode format).
//! - `disasm/<name>.src`: the snapshot shows the source and its disassembly.
//! - `examples/*.src` must run, exit 0 and print exactly `<name>.out`
//!   (with `<name>.in` as stdin when there is one).
//! - `LANG_BLESS=1` regenerates the goldens instead of checking them: the
//!   insta snapshots and each conformance program's `.out` (from its
//!   `conformance::` run); review the result with `git diff`.
//! - `listing::`: every conformance, disasm and example program's listing
//!   assembles back into the same module (`suite/listing.rs`).
//! - The collector: every conformance program that compiles also runs under
//!   every GC plan (`plan-<plan>::`, natural allocation) and in stress mode
//!   (`stress-semispace::`, `stress-genimmix::`: a collection every 50
//!   allocations, or every N for a program with a `<name>.stress` file
//!   holding N) and must meet the same expectations. `gc-cli::` trials
//!   check the GC options of `lang run`.
//! - `fmt::`, `fmt-golden::`, `fmt-cli::`: `lang fmt`, see `suite/fmt.rs`.
//! - The JIT (`jit::`, `jit-stress-*::`, `jit-cli::`): see `suite/jit.rs`;
//!   tier 2 and side exits (`tier2::`): see `suite/tier2.rs`.
//! - Host mode (`kvm::`, `kvm-bench::`, `kvm-cli::`): see `suite/kvm.rs`.
//! - `differential::seed-N`: a random program from `lang-progen` run under
//!   every execution configuration, which must all agree; see
//!   `suite/differential.rs` (`LANG_DIFF_PROGRAMS`, `LANG_DIFF_SEED_START`).
//! - `test-cli::`: `lang test`, see `suite/test_cmd.rs`.
//! - `lsp-cli::`: `lang lsp` over pipes, see `suite/lsp.rs`.
//! - `warnings::`, `warnings-cli::`: `tests/warnings/<name>.src` compile
//!   with warnings, snapshotted with what `lang check` prints; see
//!   `suite/warnings.rs`.
//! - Start-up (`startup::`): the `LANG_TRACE_STARTUP=1` report, GC worker
//!   threads started only by a collection; see `suite/startup.rs`.

#[path = "suite/cli.rs"]
mod cli;
#[path = "suite/diagnostics.rs"]
mod diagnostics;
#[path = "suite/differential.rs"]
mod differential;
#[path = "suite/fmt.rs"]
mod fmt;
#[path = "suite/jit.rs"]
mod jit;
#[path = "suite/kvm.rs"]
mod kvm;
#[path = "suite/listing.rs"]
mod listing;
#[path = "suite/lsp.rs"]
mod lsp;
#[path = "suite/repl.rs"]
mod repl;
#[path = "suite/snapshot.rs"]
mod snapshot;
#[path = "suite/startup.rs"]
mod startup;
#[path = "suite/test_cmd.rs"]
mod test_cmd;
#[path = "suite/tier2.rs"]
mod tier2;
#[path = "suite/warnings.rs"]
mod warnings;

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Whether this run regenerates the goldens instead of checking them:
/// `LANG_BLESS=1` rewrites insta snapshots and conformance `.out` files
/// (and, in `cargo test -p lang-bytecode`, the spec's generated tables).
fn blessing() -> bool {
    std::env::var("LANG_BLESS").is_ok_and(|v| v == "1")
}

fn main() {
    let args = Arguments::from_args();
    if blessing() {
        // insta's own switches: write every snapshot that differs in place,
        // and let the assertion pass. Set before any trial thread starts.
        std::env::set_var("INSTA_UPDATE", "always");
        std::env::set_var("INSTA_FORCE_PASS", "1");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut trials = Vec::new();
    for src in sources(&root.join("tests/conformance")) {
        let name = relative_name(root, &src, "tests/conformance");
        let s = src.clone();
        trials.push(Trial::test(format!("conformance::{name}"), move || {
            conformance(&s)
        }));
        trials.push(Trial::test(format!("bytecode::{name}"), move || {
            bytecode_round_trip(&src)
        }));
    }
    for dir in ["tests/conformance", "tests/disasm", "examples"] {
        for src in sources(&root.join(dir)) {
            let name = relative_name(root, &src, dir);
            let family = dir.trim_start_matches("tests/");
            trials.push(Trial::test(
                format!("listing::{family}/{name}"),
                move || listing::round_trip(&src),
            ));
        }
    }
    // The collector: each plan with the programs' natural allocation; stress
    // mode with SemiSpace (every live object moves at every collection, so a
    // missing root shows) and GenImmix (nursery collections, so a missing
    // write barrier shows). Stress runs use one GC thread: thousands of
    // stop-the-world handshakes stay cheap when the suite's parallel trials
    // compete for the cores.
    for src in sources(&root.join("tests/conformance")) {
        if !compiles(&src) {
            continue;
        }
        let name = relative_name(root, &src, "tests/conformance");
        for plan in lang_vm::GcPlan::ALL {
            if !gc_family_applies(&src, plan, false) {
                continue;
            }
            let s = src.clone();
            let family = format!("plan-{}", plan.name().to_ascii_lowercase());
            trials.push(Trial::test(format!("{family}::{name}"), move || {
                gc_variant(&s, &["--gc", plan.name()])
            }));
        }
        for plan in STRESS_PLANS {
            if !gc_family_applies(&src, plan, true) {
                continue;
            }
            let s = src.clone();
            let family = format!("stress-{}", plan.name().to_ascii_lowercase());
            trials.push(Trial::test(format!("{family}::{name}"), move || {
                let flags = stress_flags(&s, plan)?;
                gc_variant(&s, &flags.iter().map(String::as_str).collect::<Vec<_>>())
            }));
        }
    }
    trials.push(Trial::test(
        "bless::out_files",
        bless_out_rewrites_stale_files,
    ));
    for (name, test) in GC_CLI {
        trials.push(Trial::test(format!("gc-cli::{name}"), *test));
    }
    for src in sources(&root.join("tests/errors")) {
        let name = relative_name(root, &src, "tests/errors");
        trials.push(Trial::test(format!("errors::{name}"), move || {
            error_snapshot(&src)
        }));
    }
    for src in sources(&root.join("tests/disasm")) {
        let name = relative_name(root, &src, "tests/disasm");
        trials.push(Trial::test(format!("disasm::{name}"), move || {
            disasm_snapshot(&src)
        }));
    }
    for src in sources(&root.join("examples")) {
        let name = relative_name(root, &src, "examples");
        trials.push(Trial::test(format!("examples::{name}"), move || {
            example_runs(&src)
        }));
    }
    trials.extend(fmt::trials(root));
    trials.extend(jit::trials(root));
    trials.extend(tier2::trials());
    trials.extend(kvm::trials(root));
    trials.extend(snapshot::trials(root));
    trials.extend(diagnostics::trials());
    trials.extend(repl::trials());
    trials.extend(cli::trials());
    trials.extend(test_cmd::trials());
    trials.extend(lsp::trials());
    trials.extend(warnings::trials(root));
    trials.extend(differential::trials());
    trials.extend(startup::trials());
    libtest_mimic::run(&args, trials).exit();
}

/// Every program below `dir`, sorted so that trial order is stable: each
/// `.src` file, except that a folder holding a `main.src` is one program
/// spanning files (its `main.src`, which imports the others).
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if d.join("main.src").is_file() {
            out.push(d.join("main.src"));
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "src") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn relative_name(root: &Path, src: &Path, under: &str) -> String {
    let rel = src.strip_prefix(root.join(under)).unwrap_or(src);
    rel.with_extension("")
        .display()
        .to_string()
        .replace('\\', "/")
}

fn lang() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lang"));
    c.env("NO_COLOR", "1");
    c
}

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_lang(
    args: &[&std::ffi::OsStr],
    stdin: Option<&[u8]>,
    cwd: Option<&Path>,
) -> Result<Output, Failed> {
    let mut cmd = lang();
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(d) = cwd {
        cmd.current_dir(d);
    }
    let mut child = cmd.spawn().map_err(|e| format!("cannot start lang: {e}"))?;
    if let Some(mut pipe) = child.stdin.take() {
        use std::io::Write;
        // A program that never reads stdin may close it first; that is fine.
        let _ = pipe.write_all(stdin.unwrap_or(b""));
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("lang did not finish: {e}"))?;
    let code = match out.status.code() {
        Some(c) => c,
        None => {
            return Err(format!(
                "lang was killed by a signal: {:?}\nstderr:\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
            .into())
        }
    };
    Ok(Output {
        code,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

fn side(src: &Path, ext: &str) -> Option<String> {
    std::fs::read_to_string(src.with_extension(ext)).ok()
}

fn program_args(src: &Path) -> Vec<String> {
    side(src, "args")
        .map(|s| s.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// The `lang run` options of a program (`<name>.flags`), placed before it.
fn program_flags(src: &Path) -> Vec<String> {
    side(src, "flags")
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// The file name the trial runs, relative to the repo root, so that
/// diagnostics and traces show stable paths.
fn repo_relative(src: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    src.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| src.to_path_buf())
}

fn run_program(file: &Path, src: &Path) -> Result<Output, Failed> {
    run_program_with(&[], file, src)
}

/// Runs a program with `lang run FLAGS... FILE ARGS...`.
fn run_program_with(flags: &[&str], file: &Path, src: &Path) -> Result<Output, Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let stdin = side(src, "in");
    let mut args: Vec<std::ffi::OsString> = vec!["run".into()];
    args.extend(flags.iter().map(Into::into));
    args.extend(program_flags(src).into_iter().map(Into::into));
    args.push(file.as_os_str().to_owned());
    args.extend(program_args(src).into_iter().map(Into::into));
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    run_lang(&refs, stdin.as_deref().map(str::as_bytes), Some(root))
}

fn check_expectations(src: &Path, out: &Output) -> Result<(), Failed> {
    let expected_out = side(src, "out").unwrap_or_default();
    let (expected_code, patterns) = match side(src, "err") {
        Some(err) => {
            let mut lines = err.lines();
            let code = lines
                .next()
                .and_then(|l| l.strip_prefix("exit:"))
                .and_then(|c| c.trim().parse::<i32>().ok())
                .ok_or_else(|| {
                    format!(
                        "{}: first line must be `exit: N`",
                        src.with_extension("err").display()
                    )
                })?;
            (
                code,
                lines
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>(),
            )
        }
        None => (0, Vec::new()),
    };
    let mut problems = Vec::new();
    if out.stdout != expected_out {
        problems.push(format!(
            "stdout differs\n--- expected\n{expected_out}--- actual\n{}",
            out.stdout
        ));
    }
    if out.code != expected_code {
        problems.push(format!("exit code {} (expected {expected_code})", out.code));
    }
    if patterns.is_empty() && expected_code == 0 && !out.stderr.is_empty() {
        problems.push("stderr should be empty".to_string());
    }
    let mut rest = out.stderr.as_str();
    for p in &patterns {
        match rest.find(p.as_str()) {
            Some(i) => rest = &rest[i + p.len()..],
            None => problems.push(format!("stderr lacks (in order) the line: {p}")),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n--- stderr\n{}", problems.join("\n"), out.stderr).into())
    }
}

fn conformance(src: &Path) -> Result<(), Failed> {
    let out = run_program(&repo_relative(src), src)?;
    if blessing() {
        bless_out(src, &out.stdout)?;
    }
    check_expectations(src, &out)
}

/// `bless_out` replaces a stale `.out`, leaves a current one alone and
/// creates none for a program that prints nothing.
fn bless_out_rewrites_stale_files() -> Result<(), Failed> {
    let dir = tempdir()?;
    let src = dir.join("p.src");
    let out = dir.join("p.out");
    bless_out(&src, "")?;
    if out.exists() {
        return Err("blessing empty output created a .out".into());
    }
    std::fs::write(&out, "stale\n").map_err(|e| e.to_string())?;
    bless_out(&src, "fresh\n")?;
    let text = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    if text != "fresh\n" {
        return Err(format!("the blessed .out holds {text:?}").into());
    }
    Ok(())
}

/// Writes a program's actual stdout to its `.out` file when it differs (a
/// program that prints nothing and has no `.out` keeps having none). The
/// file is replaced by a rename, so a trial reading it at the same time
/// sees the old or the new text, never a partial one.
fn bless_out(src: &Path, stdout: &str) -> Result<(), Failed> {
    let path = src.with_extension("out");
    let current = std::fs::read_to_string(&path).ok();
    if current.as_deref().unwrap_or("") == stdout {
        return Ok(());
    }
    let tmp = src.with_extension("out.tmp");
    std::fs::write(&tmp, stdout)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| format!("cannot bless {}: {e}", path.display()).into())
}

fn compiles(src: &Path) -> bool {
    side(src, "err").is_none_or(|e| !e.starts_with("exit: 65"))
}

fn bytecode_round_trip(src: &Path) -> Result<(), Failed> {
    if !compiles(src) {
        return Ok(());
    }
    let dir = tempdir()?;
    let rel = repo_relative(src);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let first = dir.join("first.bc");
    let second = dir.join("second.bc");
    for out in [&first, &second] {
        let r = run_lang(
            &[
                "build".as_ref(),
                rel.as_os_str(),
                "-o".as_ref(),
                out.as_os_str(),
            ],
            None,
            Some(root),
        )?;
        if r.code != 0 {
            return Err(format!("build failed ({}):\n{}", r.code, r.stderr).into());
        }
    }
    let a = std::fs::read(&first).map_err(|e| e.to_string())?;
    let b = std::fs::read(&second).map_err(|e| e.to_string())?;
    if a != b {
        return Err("building the same source twice gave different bytes".into());
    }
    let from_src = run_program(&rel, src)?;
    let from_bc = run_program(&first, src)?;
    let _ = std::fs::remove_dir_all(&dir);
    if from_src.stdout != from_bc.stdout || from_src.code != from_bc.code {
        return Err(format!(
            "the .bc run differs from the source run\n--- source (exit {})\n{}--- bytecode (exit {})\n{}",
            from_src.code, from_src.stdout, from_bc.code, from_bc.stdout
        )
        .into());
    }
    Ok(())
}

/// A scratch directory of one trial, removed with everything in it when
/// the trial drops it (pass or fail), so that the suite leaves nothing in
/// the system's temporary directory.
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> Result<TempDir, Failed> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lang-suite-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(TempDir(dir))
}

fn snapshot(name: &str, body: String) -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let result = std::panic::catch_unwind(|| {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root.join("tests/snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!(name.replace('/', "__"), body));
    });
    result.map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "snapshot mismatch".into());
        Failed::from(msg)
    })
}

fn error_snapshot(src: &Path) -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rel = repo_relative(src);
    let text = program_text(src)?;
    let out = run_lang(&["check".as_ref(), rel.as_os_str()], None, Some(root))?;
    if out.code != 65 {
        return Err(format!(
            "expected exit 65 from check, got {}\n{}",
            out.code, out.stderr
        )
        .into());
    }
    let run = run_lang(&["run".as_ref(), rel.as_os_str()], None, Some(root))?;
    if run.code != 65 || run.stderr != out.stderr {
        return Err(
            "`lang run` must report the same compile errors as `lang check`, with exit 65".into(),
        );
    }
    let name = relative_name(root, src, "tests/errors");
    let name = name.trim_end_matches("/main");
    snapshot(
        &format!("errors__{name}"),
        format!("{text}\n----- diagnostics -----\n{}", out.stderr),
    )
}

/// The text of a program for its snapshot: the file, or for a program
/// spanning files (a folder's `main.src`) every `.src` file of the folder,
/// each under a `// ----- NAME -----` line, in name order.
fn program_text(src: &Path) -> Result<String, Failed> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| Failed::from(e.to_string()));
    if src.file_name().is_none_or(|n| n != "main.src") {
        return read(src);
    }
    let dir = src.parent().unwrap_or(Path::new("."));
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| e.to_string())?.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "src") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut text = String::new();
    for f in files {
        let name = f.strip_prefix(dir).unwrap_or(&f).display().to_string();
        text.push_str(&format!("// ----- {name} -----\n{}", read(&f)?));
    }
    Ok(text)
}

fn disasm_snapshot(src: &Path) -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rel = repo_relative(src);
    let text = std::fs::read_to_string(src).map_err(|e| e.to_string())?;
    let out = run_lang(&["disasm".as_ref(), rel.as_os_str()], None, Some(root))?;
    if out.code != 0 {
        return Err(format!("disasm failed ({}):\n{}", out.code, out.stderr).into());
    }
    let name = relative_name(root, src, "tests/disasm");
    snapshot(
        &format!("disasm__{name}"),
        format!("{text}\n----- bytecode -----\n{}", out.stdout),
    )
}

fn example_runs(src: &Path) -> Result<(), Failed> {
    let out = run_program(&repo_relative(src), src)?;
    if out.code != 0 {
        return Err(format!("example exited {}\n{}", out.code, out.stderr).into());
    }
    // Every example states what it prints, so that a change in the
    // language that alters its output is seen.
    let Some(expected) = side(src, "out") else {
        return Err(format!("{} is missing", src.with_extension("out").display()).into());
    };
    if expected != out.stdout {
        return Err(format!(
            "stdout differs\n--- expected\n{expected}--- actual\n{}",
            out.stdout
        )
        .into());
    }
    Ok(())
}

/// Whether a GC family runs `src` under `plan`. Programs that choose the
/// plan or stress mode themselves (in `.flags`) keep their choice; under
/// NoGC, which never frees anything, programs with a heap setting of their
/// own are left out (their outcome depends on the heap).
fn gc_family_applies(src: &Path, plan: lang_vm::GcPlan, stress: bool) -> bool {
    let flags = program_flags(src);
    if flags.iter().any(|f| f == "--gc" || f == "--gc-stress") {
        return false;
    }
    !(plan == lang_vm::GcPlan::NoGC && (stress || !flags.is_empty()))
}

/// The plans stress runs use: SemiSpace moves every live object at every
/// collection, so a missing root shows; GenImmix runs nursery collections,
/// so a missing write barrier shows.
const STRESS_PLANS: [lang_vm::GcPlan; 2] = [lang_vm::GcPlan::SemiSpace, lang_vm::GcPlan::GenImmix];

/// The `lang run` options of a stress run of `src` with `plan`, with one GC
/// thread (thousands of stop-the-world handshakes stay cheap when the
/// suite's parallel trials compete for the cores).
fn stress_flags(src: &Path, plan: lang_vm::GcPlan) -> Result<Vec<String>, Failed> {
    let every = stress_interval(src)?;
    Ok([
        "--gc",
        plan.name(),
        "--gc-stress",
        &every,
        "--gc-threads",
        "1",
    ]
    .map(String::from)
    .to_vec())
}

/// Collections in stress mode: every 50 allocations unless `<name>.stress`
/// says otherwise (programs whose live data is large or that hoard until
/// out of memory would take minutes at 50).
fn stress_interval(src: &Path) -> Result<String, Failed> {
    match side(src, "stress") {
        None => Ok("50".to_string()),
        Some(text) => match text.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(n.to_string()),
            _ => Err(format!(
                "{}: expected a positive number",
                src.with_extension("stress").display()
            )
            .into()),
        },
    }
}

/// A conformance program under other GC options meets the same
/// expectations.
fn gc_variant(src: &Path, flags: &[&str]) -> Result<(), Failed> {
    let out = run_program_with(flags, &repo_relative(src), src)?;
    check_expectations(src, &out)
}

/// A trial's body.
type TrialFn = fn() -> Result<(), Failed>;

/// The GC options of `lang run`.
const GC_CLI: &[(&str, TrialFn)] = &[
    ("unknown_plan_is_a_usage_error", gc_unknown_plan),
    ("plan_names_ignore_case", gc_plan_case),
    ("bad_option_values_are_usage_errors", gc_bad_values),
    ("stats_after_the_program_and_after_errors", gc_stats_table),
    ("nursery_does_most_of_the_collecting", gc_nursery_dominates),
    (
        "address_space_limit_is_a_clear_error",
        gc_address_space_limit,
    ),
];

fn lang_in_root(args: &[&str]) -> Result<Output, Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    run_lang(&refs, None, Some(root))
}

/// Under `ulimit -v` MMTk cannot reserve its address space; the run ends
/// with an error that says so, not with MMTk's panic.
fn gc_address_space_limit() -> Result<(), Failed> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 4000000 && exec \"$0\" run examples/hello.src")
        .arg(env!("CARGO_BIN_EXE_lang"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| format!("cannot run sh: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(70)
        || !stderr.contains("the heap cannot start")
        || !stderr.contains("ulimit -v")
        || stderr.contains("panicked")
        || !out.stdout.is_empty()
    {
        return Err(format!(
            "expected exit 70 and a clear error, got {:?}:\n{stderr}",
            out.status
        )
        .into());
    }
    Ok(())
}

/// Every collector plan `--gc` accepts, by MMTk's name.
const PLAN_NAMES: [&str; 7] = [
    "NoGC",
    "SemiSpace",
    "GenCopy",
    "GenImmix",
    "StickyImmix",
    "Immix",
    "MarkSweep",
];

fn gc_unknown_plan() -> Result<(), Failed> {
    let out = lang_in_root(&["run", "--gc", "G1", "examples/hello.src"])?;
    if out.code != 2 || !PLAN_NAMES.iter().all(|n| out.stderr.contains(n)) || !out.stdout.is_empty()
    {
        return Err(format!(
            "expected exit 2 naming every plan, got {}:\n{}",
            out.code, out.stderr
        )
        .into());
    }
    Ok(())
}

fn gc_plan_case() -> Result<(), Failed> {
    for plan in [
        "semispace",
        "GENCOPY",
        "genImmix",
        "stickyimmix",
        "immix",
        "marksweep",
        "nogc",
    ] {
        let out = lang_in_root(&[
            "run",
            "--gc",
            plan,
            "--gc-threads",
            "1",
            "examples/hello.src",
        ])?;
        if out.code != 0 || out.stdout != "Hello, world!\n" || !out.stderr.is_empty() {
            return Err(format!(
                "--gc {plan}: exit {}\n{}{}",
                out.code, out.stdout, out.stderr
            )
            .into());
        }
    }
    Ok(())
}

fn gc_bad_values() -> Result<(), Failed> {
    let cases: [&[&str]; 6] = [
        &["--heap-max", "12Q"],
        &["--heap-max", "-1M"],
        &["--heap-max", "1K"],
        &["--gc-stress", "0"],
        &["--gc-threads", "0"],
        &["--gc-threads", "many"],
    ];
    for flags in cases {
        let mut args = vec!["run"];
        args.extend_from_slice(flags);
        args.push("examples/hello.src");
        let out = lang_in_root(&args)?;
        if out.code != 2 || !out.stdout.is_empty() {
            return Err(format!(
                "{flags:?}: expected exit 2, got {}\n{}",
                out.code, out.stderr
            )
            .into());
        }
    }
    for size in ["512K", "64M", "1G", "1048576", "2g"] {
        let out = lang_in_root(&["run", "--heap-max", size, "examples/hello.src"])?;
        if out.code != 0 {
            return Err(format!("--heap-max {size}: exit {}\n{}", out.code, out.stderr).into());
        }
    }
    Ok(())
}

/// The rows of the `--gc-stats` table, in order.
const STATS_ROWS: [&str; 8] = [
    "gc: ",
    "collections",
    "nursery",
    "full",
    "total pause",
    "longest pause",
    "allocated",
    "peak heap",
];

fn has_in_order(text: &str, parts: &[&str]) -> bool {
    let mut rest = text;
    for p in parts {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

fn gc_stats_table() -> Result<(), Failed> {
    let out = lang_in_root(&["run", "--gc-stats", "examples/hello.src"])?;
    if out.code != 0 || out.stdout != "Hello, world!\n" || !has_in_order(&out.stderr, &STATS_ROWS) {
        return Err(format!("after a normal end: exit {}\n{}", out.code, out.stderr).into());
    }
    let out = lang_in_root(&[
        "run",
        "--gc-stats",
        "--heap-max",
        "16M",
        "tests/conformance/gc/out_of_memory.src",
    ])?;
    let mut after_error = vec!["runtime error: out of memory", "at main"];
    after_error.extend_from_slice(&STATS_ROWS);
    if out.code != 70 || !has_in_order(&out.stderr, &after_error) {
        return Err(format!("after a runtime error: exit {}\n{}", out.code, out.stderr).into());
    }
    Ok(())
}

/// The number in a `--gc-stats` row.
fn stats_count(stderr: &str, row: &str) -> Option<u64> {
    stderr
        .lines()
        .find(|l| l.trim_start().starts_with(row))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse().ok())
}

/// An allocation-heavy program under the default (generational) plan:
/// collections happen, and nursery collections are most of them.
fn gc_nursery_dominates() -> Result<(), Failed> {
    let out = lang_in_root(&[
        "run",
        "--gc-stats",
        "--heap-max",
        "16M",
        "examples/binary_trees.src",
        "13",
    ])?;
    let nursery = stats_count(&out.stderr, "nursery");
    let full = stats_count(&out.stderr, "full");
    match (out.code, nursery, full) {
        (0, Some(n), Some(f)) if n >= 3 && n > 2 * f => Ok(()),
        _ => Err(format!(
            "exit {}; expected mostly nursery collections:\n{}",
            out.code, out.stderr
        )
        .into()),
    }
}
