//! Start-up trials: what `lang run` does before and around a short program,
//! read from its `LANG_TRACE_STARTUP=1` report (`lang_vm::startup_trace`),
//! so that a gain in start-up is kept without timing anything: the phases
//! are all there and in order, and a program that never collects starts no
//! GC worker thread, while one that collects starts them all, and the
//! prelude is loaded as its embedded interface, not parsed.

use crate::{lang, PLAN_NAMES};
use libtest_mimic::{Failed, Trial};
use std::process::Stdio;

pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test(
            "startup::trace_lists_every_phase_in_order",
            trace_lists_every_phase,
        ),
        Trial::test(
            "startup::a_short_run_starts_no_gc_thread",
            short_run_starts_no_gc_thread,
        ),
        Trial::test(
            "startup::the_first_collection_starts_the_gc_threads",
            first_collection_starts_gc_threads,
        ),
        Trial::test(
            "startup::the_largest_heap_limit_still_runs",
            largest_heap_limit_runs,
        ),
        Trial::test(
            "startup::the_prelude_is_not_compiled_at_start",
            prelude_not_compiled_at_start,
        ),
    ]
}

/// The phases a `lang run` of a source file reports, in the order they end
/// on the thread that runs the program (the heap may start on the main
/// thread meanwhile, so its phases are checked apart).
const RUN_PHASES: [&str; 9] = [
    "main",
    "parse arguments",
    "worker thread",
    "read program",
    "compile",
    "verify",
    "program tables",
    "bind mutator",
    "run",
];

/// Runs `lang run FLAGS examples/FILE` in the repository with the trace on;
/// returns its exit code, stdout and stderr.
fn traced_run(flags: &[&str], file: &str, args: &[&str]) -> Result<(i32, String, String), Failed> {
    let out = lang()
        .arg("run")
        .args(flags)
        .arg(file)
        .args(args)
        .env("LANG_TRACE_STARTUP", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run lang: {e}"))?;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// The phase names of the trace lines, in the order printed.
fn phases(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("startup:"))
        // Phase lines end in the thread's name; the summary lines do not.
        .filter(|l| l.trim_end().ends_with(']'))
        .filter_map(|l| {
            // "  0.123 ms   +0.045 ms  phase name   [thread]"
            let after = l.split("ms").nth(2)?;
            let name = after.rsplit_once('[').map_or(after, |(n, _)| n);
            Some(name.trim().to_string())
        })
        .collect()
}

/// The number after `key` in the trace's summary lines.
fn summary_number(stderr: &str, key: &str) -> Option<usize> {
    let at = stderr.find(key)? + key.len();
    let digits: String = stderr[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn trace_lists_every_phase() -> Result<(), Failed> {
    let (code, stdout, stderr) = traced_run(&[], "examples/hello.src", &[])?;
    if code != 0 || stdout != "Hello, world!\n" {
        return Err(format!("exit {code}\n{stdout}{stderr}").into());
    }
    let seen = phases(&stderr);
    let mut run_order = seen.iter().filter(|p| RUN_PHASES.contains(&p.as_str()));
    for want in RUN_PHASES {
        if !run_order.any(|p| p == want) {
            return Err(format!("phase `{want}` missing or out of order:\n{stderr}").into());
        }
    }
    let heap_start = seen.iter().position(|p| p == "mmtk_init");
    let collection = seen.iter().position(|p| p == "initialize_collection");
    let mutator = seen.iter().position(|p| p == "bind mutator");
    match (heap_start, collection, mutator) {
        (Some(a), Some(b), Some(c)) if a < b && b < c => {}
        _ => {
            return Err(format!("the heap's phases are missing or out of order:\n{stderr}").into())
        }
    }
    if seen.last().map(String::as_str) != Some("exit")
        || !stderr.contains("page faults:")
        || !stderr.contains("threads besides main:")
    {
        return Err(format!("the report does not end as documented:\n{stderr}").into());
    }
    // Without the variable there is no report at all.
    let out = lang()
        .args(["run", "examples/hello.src"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("LANG_TRACE_STARTUP")
        .output()
        .map_err(|e| format!("cannot run lang: {e}"))?;
    if !out.stderr.is_empty() {
        return Err(format!(
            "stderr without the trace: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

fn short_run_starts_no_gc_thread() -> Result<(), Failed> {
    for plan in ["GenImmix", "SemiSpace", "MarkSweep"] {
        let (code, stdout, stderr) = traced_run(&["--gc", plan], "examples/hello.src", &[])?;
        if code != 0 || stdout != "Hello, world!\n" {
            return Err(format!("--gc {plan}: exit {code}\n{stdout}{stderr}").into());
        }
        // Only the thread that runs the program is alive besides main.
        let workers = summary_number(&stderr, "GC workers started:");
        let threads = summary_number(&stderr, "threads besides main:");
        if workers != Some(0) || threads != Some(1) {
            return Err(format!(
                "--gc {plan}: expected no GC worker and one thread besides main:\n{stderr}"
            )
            .into());
        }
    }
    Ok(())
}

fn first_collection_starts_gc_threads() -> Result<(), Failed> {
    let (code, _, stderr) = traced_run(
        &["--gc-threads", "2", "--heap-max", "16M", "--gc-stats"],
        "examples/binary_trees.src",
        &["12"],
    )?;
    let workers = summary_number(&stderr, "GC workers started:");
    let collections = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("collections"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse::<u64>().ok());
    match (code, workers, collections) {
        (0, Some(2), Some(n)) if n > 0 => Ok(()),
        _ => Err(format!("expected collections and both GC workers started:\n{stderr}").into()),
    }
}

/// The heap's address layout leaves room for the largest limit under every
/// plan (MMTk reserves twice the limit for each space).
fn largest_heap_limit_runs() -> Result<(), Failed> {
    for plan in PLAN_NAMES {
        let (code, stdout, stderr) = traced_run(
            &["--gc", plan, "--heap-max", "64G"],
            "examples/binary_trees.src",
            &["10"],
        )?;
        if code != 0 || stdout.is_empty() {
            return Err(format!("--gc {plan} --heap-max 64G: exit {code}\n{stderr}").into());
        }
    }
    Ok(())
}

/// The prelude comes precompiled: a run loads its embedded interface and
/// parses none of it but the functions the program instantiates, one by
/// one (`lang_compiler::check::interface`).
fn prelude_not_compiled_at_start() -> Result<(), Failed> {
    // hello uses nothing of the prelude; parse_opt calls `parse_int_opt`
    // and `parse_float_opt`, which are parsed when they are instantiated.
    for (file, uses_prelude) in [
        ("examples/hello.src", false),
        ("tests/conformance/prelude/parse_opt.src", true),
    ] {
        let (code, _, stderr) = traced_run(&[], file, &[])?;
        let loads = summary_number(&stderr, "prelude: interface loads:");
        let whole = summary_number(&stderr, "whole parses:");
        if code != 0 || loads != Some(1) || whole != Some(0) {
            return Err(format!(
                "{file}: the prelude was not loaded from its interface alone (exit {code}):\n{stderr}"
            )
            .into());
        }
        let parsed = summary_number(&stderr, "functions parsed:");
        if parsed.is_none() || (parsed == Some(0)) == uses_prelude {
            return Err(format!("{file}: prelude functions parsed: {parsed:?}:\n{stderr}").into());
        }
    }
    Ok(())
}
