//! JIT trials: every conformance program compiled by the JIT
//! (`--jit=always`, `jit::`), also under GC stress with SemiSpace and
//! GenImmix (`jit-stress-*::`, where a root or a write barrier compiled code
//! forgets shows), and with interpreted and compiled frames mixed
//! (`--jit=on --jit-threshold=2 --jit-threads=0`, `jit-on::`: compiled at
//! the second call, loops entered compiled in mid-run), must meet the same expectations as
//! the interpreter: the same output, errors, traces and exit codes. `jit-cli::` trials check the
//! options.

use super::{
    check_expectations, compiles, gc_family_applies, lang_in_root, relative_name, repo_relative,
    run_lang, run_program_with, sources, stress_flags, STRESS_PLANS,
};
use libtest_mimic::{Failed, Trial};
use std::path::Path;

/// A `jit-cli::` trial's body.
type CliTrial = fn() -> Result<(), Failed>;

pub fn trials(root: &Path) -> Vec<Trial> {
    let mut trials = Vec::new();
    for src in sources(&root.join("tests/conformance")) {
        let name = relative_name(root, &src, "tests/conformance");
        let s = src.clone();
        trials.push(Trial::test(format!("jit::{name}"), move || {
            jit_variant(&s, &[])
        }));
        let s = src.clone();
        trials.push(Trial::test(format!("jit-on::{name}"), move || {
            mixed_variant(&s)
        }));
        if !compiles(&src) {
            continue;
        }
        for plan in STRESS_PLANS {
            if !gc_family_applies(&src, plan, true) {
                continue;
            }
            let s = src.clone();
            let family = format!("jit-stress-{}", plan.name().to_ascii_lowercase());
            trials.push(Trial::test(format!("{family}::{name}"), move || {
                let flags = stress_flags(&s, plan)?;
                jit_variant(&s, &flags.iter().map(String::as_str).collect::<Vec<_>>())
            }));
        }
    }
    let cli: [(&str, CliTrial); 14] = [
        ("bad_modes_are_usage_errors", bad_modes),
        ("the_default_mode_is_on", default_mode_on),
        ("a_hot_loop_in_main_runs_compiled", hot_loop_in_main),
        (
            "compiler_threads_compile_while_the_program_runs",
            background_compilation,
        ),
        (
            "a_loop_shorter_than_its_compilation_ends_interpreted",
            background_short_loop,
        ),
        ("bad_thread_counts_are_usage_errors", bad_thread_counts),
        ("bad_thresholds_are_usage_errors", bad_thresholds),
        ("the_environment_picks_the_mode", environment_mode),
        ("stats_report_what_was_compiled", stats_report),
        ("off_compiles_nothing", off_compiles_nothing),
        ("small_trait_methods_are_inlined", trait_methods_inlined),
        (
            "ten_implementations_are_dispatched_inline",
            many_implementations,
        ),
        ("small_closures_are_inlined", closures_inlined),
        (
            "recursive_calls_are_inlined_with_their_frame",
            framed_inlining,
        ),
    ];
    for (name, test) in cli {
        trials.push(Trial::test(format!("jit-cli::{name}"), test));
    }
    trials
}

/// A conformance program with every function compiled at its first call
/// meets the interpreter's expectations.
fn jit_variant(src: &Path, extra: &[&str]) -> Result<(), Failed> {
    let mut flags = vec!["--jit=always"];
    flags.extend_from_slice(extra);
    let out = run_program_with(&flags, &repo_relative(src), src)?;
    check_expectations(src, &out)
}

/// A conformance program meets the interpreter's expectations when its
/// functions are compiled at their second call and its loops after 20
/// backward branches: interpreted and compiled frames mix, and frames move
/// into compiled code in the middle of a loop. Compiled on the program's
/// thread, so that each run switches at the same places.
fn mixed_variant(src: &Path) -> Result<(), Failed> {
    let flags = ["--jit=on", "--jit-threshold=2", "--jit-threads=0"];
    let out = run_program_with(&flags, &repo_relative(src), src)?;
    check_expectations(src, &out)
}

/// The program the option trials run: a recursive function and a loop.
pub(super) const FIB: &str = "tests/conformance/functions/recursion.src";

/// A mode that does not exist is a usage error (exit 2) naming the modes,
/// given as an option or through `LANG_JIT`.
fn bad_modes() -> Result<(), Failed> {
    let out = lang_in_root(&["run", "--jit=fast", FIB])?;
    if out.code != 2 || !out.stderr.contains("off, on or always") {
        return Err(format!("--jit=fast: exit {}: {}", out.code, out.stderr).into());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut c = super::lang();
    c.current_dir(root)
        .env("LANG_JIT", "sometimes")
        .args(["run", FIB]);
    let out = c.output().map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(2) || !stderr.contains("LANG_JIT") {
        return Err(format!("LANG_JIT=sometimes: {:?}: {stderr}", out.status).into());
    }
    Ok(())
}

/// The number on the `jit: NAME: N` line of a `--jit-stats` report.
pub(super) fn stat(stderr: &str, name: &str) -> Option<u64> {
    stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("jit: ")?
                .strip_prefix(name)?
                .strip_prefix(": ")
        })
        .and_then(|n| n.trim().parse().ok())
}

/// The number of functions a `--jit-stats` report says were compiled.
pub(super) fn compiled_count(stderr: &str) -> Option<u64> {
    stat(stderr, "functions compiled")
}

/// `LANG_JIT` decides when `--jit` is absent; `--jit` wins over it.
fn environment_mode() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |env: &str, flags: &[&str]| -> Result<Option<u64>, Failed> {
        let mut c = super::lang();
        c.current_dir(root)
            .env("LANG_JIT", env)
            .arg("run")
            .args(flags);
        c.args(["--jit-stats", FIB]);
        let out = c.output().map_err(|e| e.to_string())?;
        Ok(compiled_count(&String::from_utf8_lossy(&out.stderr)))
    };
    let from_env = run("always", &[])?;
    if from_env.is_none_or(|n| n == 0) {
        return Err(format!("LANG_JIT=always compiled {from_env:?} functions").into());
    }
    let overridden = run("always", &["--jit=off"])?;
    if overridden != Some(0) {
        return Err(format!("--jit=off under LANG_JIT=always compiled {overridden:?}").into());
    }
    Ok(())
}

/// `--jit-stats` reports after the program's output: functions, bytecode
/// instructions and machine code bytes compiled, and the compile time.
fn stats_report() -> Result<(), Failed> {
    let out = lang_in_root(&["run", "--jit=always", "--jit-stats", FIB])?;
    let want = [
        "jit: functions compiled: ",
        "jit: bytecode instructions compiled: ",
        "jit: machine code bytes: ",
        "jit: compile time: ",
    ];
    for w in want {
        if !out.stderr.contains(w) {
            return Err(format!("no `{w}` in:\n{}", out.stderr).into());
        }
    }
    if out.code != 0 || compiled_count(&out.stderr).is_none_or(|n| n < 2) {
        return Err(format!("exit {}:\n{}", out.code, out.stderr).into());
    }
    Ok(())
}

/// The dispatch benchmark's trait call site, which sees four structs,
/// dispatches inline and inlines each of the four `area` methods (they
/// only read), printing what the interpreter prints.
fn trait_methods_inlined() -> Result<(), Failed> {
    let program = "bench/dispatch/dispatch.src";
    let interpreted = lang_in_root(&["run", "--jit=off", program, "3"])?;
    let out = lang_in_root(&["run", "--jit=always", "--jit-stats", program, "3"])?;
    if out.code != 0 || out.stdout != interpreted.stdout || interpreted.code != 0 {
        return Err(format!("exit {}:\n{}{}", out.code, out.stdout, out.stderr).into());
    }
    match stat(&out.stderr, "calls inlined") {
        Some(n) if n >= 4 => Ok(()),
        _ => Err(format!("fewer than four calls inlined:\n{}", out.stderr).into()),
    }
}

/// A trait call site with ten implementations dispatches inline on the
/// receiver's struct (it went through the runtime's generic call when
/// inline dispatch stopped at eight): the first eight bodies are copied
/// into each of its two callers' sites, with the interpreter's output.
fn many_implementations() -> Result<(), Failed> {
    let program = "tests/conformance/traits/many_impls.src";
    let interpreted = lang_in_root(&["run", "--jit=off", program])?;
    let out = lang_in_root(&["run", "--jit=always", "--jit-stats", program])?;
    if out.code != 0 || out.stdout != interpreted.stdout || interpreted.code != 0 {
        return Err(format!("exit {}:\n{}{}", out.code, out.stdout, out.stderr).into());
    }
    match stat(&out.stderr, "calls inlined") {
        Some(n) if n >= 16 => Ok(()),
        _ => Err(format!("fewer than sixteen calls inlined:\n{}", out.stderr).into()),
    }
}

/// `bench/sort`'s comparator, a lambda the program passes to `sort_by`,
/// is copied into the compiled merge loop at both of its closure calls
/// (the only function of its type the program makes a closure of), and
/// the sort prints what the interpreter prints.
fn closures_inlined() -> Result<(), Failed> {
    let program = "bench/sort/sort.src";
    let interpreted = lang_in_root(&["run", "--jit=off", program, "300"])?;
    let out = lang_in_root(&["run", "--jit=always", "--jit-stats", program, "300"])?;
    if out.code != 0 || out.stdout != interpreted.stdout || interpreted.code != 0 {
        return Err(format!("exit {}:\n{}{}", out.code, out.stdout, out.stderr).into());
    }
    match stat(&out.stderr, "calls inlined") {
        Some(n) if n >= 2 => Ok(()),
        _ => Err(format!("fewer than two calls inlined:\n{}", out.stderr).into()),
    }
}

/// `bench/fib`'s `fib` calls itself twice; compiled, it copies itself into
/// both calls, each copy in a frame of its own (`inline::emit_framed`),
/// and prints what the interpreter prints.
fn framed_inlining() -> Result<(), Failed> {
    let program = "bench/fib/fib.src";
    let interpreted = lang_in_root(&["run", "--jit=off", program, "18"])?;
    let out = lang_in_root(&["run", "--jit=always", "--jit-stats", program, "18"])?;
    if out.code != 0 || out.stdout != interpreted.stdout || interpreted.code != 0 {
        return Err(format!("exit {}:\n{}{}", out.code, out.stdout, out.stderr).into());
    }
    match stat(&out.stderr, "calls inlined") {
        Some(n) if n >= 2 => Ok(()),
        _ => Err(format!("fewer than two calls inlined:\n{}", out.stderr).into()),
    }
}

/// Under `--jit=on`, `main`'s loop, in a function called only once, is
/// compiled when it gets hot and the running frame continues in it
/// (on-stack replacement), printing what the interpreter prints.
fn hot_loop_in_main() -> Result<(), Failed> {
    let program = "bench/loop/loop.src";
    let interpreted = lang_in_root(&["run", "--jit=off", program, "20000"])?;
    let out = lang_in_root(&[
        "run",
        "--jit=on",
        "--jit-threads=0",
        "--jit-stats",
        program,
        "20000",
    ])?;
    if out.code != 0 || out.stdout != interpreted.stdout || interpreted.code != 0 {
        return Err(format!(
            "exit {} (interpreted {}):\n{}\nwanted:\n{}",
            out.code, interpreted.code, out.stdout, interpreted.stdout
        )
        .into());
    }
    if !out
        .stderr
        .contains("jit: of them, compiled for entry at a hot loop: 1")
        || stat(&out.stderr, "loops entered in compiled code") != Some(1)
    {
        return Err(format!("no loop entry compiled:\n{}", out.stderr).into());
    }
    if stat(&out.stderr, "compiled on compiler threads").is_some() {
        return Err(format!("--jit-threads=0 used a thread:\n{}", out.stderr).into());
    }
    Ok(())
}

/// Iterations of `bench/loop` that take the interpreter a tenth of a
/// second or more, fifty or more times as long as compiling its loop: long
/// enough for a compiler thread to finish while the loop runs, even on a
/// loaded machine.
pub(super) const LONG_LOOP: &str = "20000000";

/// With a compiler thread, `main`'s hot loop goes on interpreted while the
/// thread compiles it, then continues in the compiled code (on-stack
/// replacement from a job finished in the background), printing what the
/// interpreter prints.
fn background_compilation() -> Result<(), Failed> {
    let program = "bench/loop/loop.src";
    let interpreted = lang_in_root(&["run", "--jit=off", program, LONG_LOOP])?;
    let out = lang_in_root(&[
        "run",
        "--jit=on",
        "--jit-threads=1",
        "--jit-stats",
        program,
        LONG_LOOP,
    ])?;
    if out.code != 0 || out.stdout != interpreted.stdout {
        return Err(format!(
            "exit {}:\n{}\nwanted:\n{}",
            out.code, out.stdout, interpreted.stdout
        )
        .into());
    }
    let wanted = [
        ("compiled on compiler threads", 1),
        ("of them, compiled for entry at a hot loop", 1),
        ("loops entered in compiled code", 1),
    ];
    for (name, n) in wanted {
        if stat(&out.stderr, name) != Some(n) {
            return Err(format!("wanted `{name}: {n}`:\n{}", out.stderr).into());
        }
    }
    Ok(())
}

/// A program that ends while its loop is being compiled on a compiler
/// thread ends as the interpreter ends it: same output, exit 0, and the
/// thread's work stops with the run.
fn background_short_loop() -> Result<(), Failed> {
    let program = "bench/loop/loop.src";
    let interpreted = lang_in_root(&["run", "--jit=off", program, "2000"])?;
    let out = lang_in_root(&[
        "run",
        "--jit=on",
        "--jit-threshold=1",
        "--jit-threads=4",
        "--jit-stats",
        program,
        "2000",
    ])?;
    if out.code != 0 || out.stdout != interpreted.stdout || out.stderr.contains("failed") {
        return Err(format!("exit {}:\n{}\n{}", out.code, out.stdout, out.stderr).into());
    }
    Ok(())
}

/// A compiler thread count outside 0..=4 is a usage error.
fn bad_thread_counts() -> Result<(), Failed> {
    for bad in ["5", "-1", "two", "99999999999999999999"] {
        let flag = format!("--jit-threads={bad}");
        let out = lang_in_root(&["run", "--jit=on", &flag, FIB])?;
        if out.code != 2
            || !out
                .stderr
                .contains("expected a number of threads from 0 to 4")
        {
            return Err(format!("{flag}: exit {}: {}", out.code, out.stderr).into());
        }
    }
    Ok(())
}

/// Without `--jit` or `LANG_JIT`, `lang run` compiles what gets hot: a hot
/// loop in `main` is entered compiled, printing what the interpreter
/// prints.
fn default_mode_on() -> Result<(), Failed> {
    let program = "bench/loop/loop.src";
    let interpreted = lang_in_root(&["run", "--jit=off", program, LONG_LOOP])?;
    let mut c = super::lang();
    c.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env_remove("LANG_JIT")
        .args(["run", "--jit-stats", program, LONG_LOOP]);
    let out = c.output().map_err(|e| e.to_string())?;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    if out.status.code() != Some(0) || stdout != interpreted.stdout {
        return Err(format!(
            "{:?}:\n{stdout}\nwanted:\n{}",
            out.status, interpreted.stdout
        )
        .into());
    }
    if !stderr.contains("jit: of them, compiled for entry at a hot loop: 1") {
        return Err(format!("the default mode compiled no loop:\n{stderr}").into());
    }
    Ok(())
}

/// A threshold that is not a positive number is a usage error.
fn bad_thresholds() -> Result<(), Failed> {
    for bad in ["0", "-3", "many", "99999999999"] {
        let flag = format!("--jit-threshold={bad}");
        let out = lang_in_root(&["run", "--jit=on", &flag, FIB])?;
        if out.code != 2 || !out.stderr.contains("expected a number of calls") {
            return Err(format!("{flag}: exit {}: {}", out.code, out.stderr).into());
        }
    }
    Ok(())
}

/// `--jit=off` runs everything in the interpreter.
fn off_compiles_nothing() -> Result<(), Failed> {
    let out = run_lang(
        &[
            "run".as_ref(),
            "--jit=off".as_ref(),
            "--jit-stats".as_ref(),
            FIB.as_ref(),
        ],
        None,
        Some(Path::new(env!("CARGO_MANIFEST_DIR"))),
    )?;
    if compiled_count(&out.stderr) != Some(0) {
        return Err(format!("--jit=off reported:\n{}", out.stderr).into());
    }
    Ok(())
}
