//! Tier-2 trials (`tier2::`): functions recompiled from the interpreter's
//! profile, the side exits taken when a profiled call site changes, the
//! recompilation after them, and their figures in `--jit-stats`. Every
//! conformance program also runs with eager tiering (`jit-on::`, where
//! tier 2 comes after 2 calls of tier-1 code); these trials check that it
//! really happens, with the interpreter's output.

use super::{check_expectations, lang_in_root, repo_relative, run_program_with, STRESS_PLANS};
use libtest_mimic::{Failed, Trial};
use std::path::Path;

/// A call site that sees squares for 3,000 calls, then circles too.
pub(super) const POLYMORPHIC: &str = "tests/conformance/traits/turns_polymorphic.src";

/// A loop in `main` whose trait call sees squares for 250,000 iterations,
/// then circles too.
pub(super) const LOOP: &str = "tests/conformance/traits/loop_tiers_up.src";

/// A failure right after a side exit.
const FAILS_AFTER_EXIT: &str = "tests/conformance/errors_runtime/side_exit_trace.src";

/// A `tier2::` trial's body.
type CliTrial = fn() -> Result<(), Failed>;

pub fn trials() -> Vec<Trial> {
    let trials: [(&str, CliTrial); 7] = [
        (
            "a_call_site_that_turns_polymorphic_exits_and_recompiles",
            turns_polymorphic,
        ),
        (
            "a_failure_after_a_side_exit_is_the_interpreters",
            fails_after_exit,
        ),
        (
            "tier_2_on_a_compiler_thread_gives_the_interpreters_output",
            in_the_background,
        ),
        (
            "a_hot_loop_goes_from_tier_1_to_tier_2_and_exits",
            loop_tiers_up,
        ),
        ("always_compiles_tier_1_alone", always_is_tier_1),
        ("max_tier_1_keeps_tier_1", max_tier_1),
        ("bad_max_tiers_are_usage_errors", bad_max_tiers),
    ];
    let mut all: Vec<Trial> = trials
        .into_iter()
        .map(|(name, test)| Trial::test(format!("tier2::{name}"), test))
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for plan in STRESS_PLANS {
        for program in [POLYMORPHIC, FAILS_AFTER_EXIT, LOOP] {
            let src = root.join(program);
            let name = format!(
                "tier2-stress-{}::{}",
                plan.name().to_ascii_lowercase(),
                src.file_stem()
                    .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
            );
            all.push(Trial::test(name, move || {
                // Eager tiering, a collection every 50 allocations: a
                // reference a side exit leaves stale in its slot shows.
                let flags = [
                    "--jit=on",
                    "--jit-threshold=2",
                    "--jit-threads=0",
                    "--gc",
                    plan.name(),
                    "--gc-stress",
                    "50",
                    "--gc-threads",
                    "1",
                ];
                let out = run_program_with(&flags, &repo_relative(&src), &src)?;
                check_expectations(&src, &out)
            }));
        }
    }
    all
}

/// One tier's line of a `--jit-stats` report.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct TierLine {
    pub compiled: u64,
    pub loops: u64,
    pub osr_entries: u64,
    pub side_exits: u64,
    pub recompiled: u64,
}

/// The `jit: tier N: ...` line of `stderr`, if it is there.
pub(super) fn tier_line(stderr: &str, tier: u32) -> Option<TierLine> {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix(&format!("jit: tier {tier}: ")))?;
    // "3 compiled, 1 for hot loops, 2 OSR entries, 4078 bytes, 3.797 ms,
    // 0 side exits, 0 recompiled": each figure comes before its name.
    let figure = |name: &str| -> Option<u64> {
        line.split(", ")
            .find_map(|part| part.strip_suffix(name))
            .and_then(|n| n.trim().parse().ok())
    };
    Some(TierLine {
        compiled: figure(" compiled")?,
        loops: figure(" for hot loops")?,
        osr_entries: figure(" OSR entries")?,
        side_exits: figure(" side exits")?,
        recompiled: figure(" recompiled")?,
    })
}

/// Runs `POLYMORPHIC` with `flags` and `--jit-stats`; fails unless it
/// exits 0 with the interpreter's output. Gives its standard error.
pub(super) fn run_polymorphic(flags: &[&str]) -> Result<String, Failed> {
    let mut args = vec!["run"];
    args.extend_from_slice(flags);
    args.extend(["--jit-stats", POLYMORPHIC]);
    let out = lang_in_root(&args)?;
    if out.code != 0 || out.stdout != expected_stdout(POLYMORPHIC)? {
        return Err(format!("exit {}:\n{}{}", out.code, out.stdout, out.stderr).into());
    }
    Ok(out.stderr)
}

/// The expected standard output of a conformance program.
pub(super) fn expected_stdout(program: &str) -> Result<String, Failed> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::path::Path::new(program).with_extension("out");
    std::fs::read_to_string(root.join(&out)).map_err(|e| format!("{}: {e}", out.display()).into())
}

/// Under `--jit=on` on the program's thread, `measure` reaches tier 2
/// speculating that both its trait call sites see squares; the first
/// circle fails the guard and the frame finishes in the interpreter (a
/// side exit), four times, after which `measure` goes back to tier 1 and is
/// recompiled at tier 2 for the site that still sees squares alone. The
/// output is the interpreter's.
fn turns_polymorphic() -> Result<(), Failed> {
    let stderr = run_polymorphic(&["--jit=on", "--jit-threads=0"])?;
    let want = TierLine {
        compiled: 2,
        loops: 0,
        osr_entries: 0,
        side_exits: 4,
        recompiled: 1,
    };
    match tier_line(&stderr, 2) {
        Some(t2) if t2 == want => {}
        other => return Err(format!("tier 2 {other:?}, not {want:?}:\n{}", stderr).into()),
    }
    match tier_line(&stderr, 1) {
        Some(t1) if t1.compiled >= 2 && t1.side_exits == 0 => Ok(()),
        other => Err(format!("tier 1 {other:?}:\n{}", stderr).into()),
    }
}

/// The error raised in the interpreter just after a side exit has the
/// interpreter's message and trace (the conformance expectations check
/// them under every configuration; this checks that the exit is taken).
fn fails_after_exit() -> Result<(), Failed> {
    let out = lang_in_root(&[
        "run",
        "--jit=on",
        "--jit-threads=0",
        "--jit-stats",
        FAILS_AFTER_EXIT,
    ])?;
    let trace =
        "  at Empty::area (side_exit_trace.src:15)\n  at measure (side_exit_trace.src:23)\n";
    if out.code != 70 || !out.stderr.contains(trace) {
        return Err(format!("exit {}:\n{}", out.code, out.stderr).into());
    }
    match tier_line(&out.stderr, 2) {
        Some(t2) if t2.compiled == 1 && t2.side_exits == 1 => Ok(()),
        other => Err(format!("tier 2 {other:?}:\n{}", out.stderr).into()),
    }
}

/// On the program's thread, `main`'s loop goes from the interpreter to
/// tier-1 code after 1,000 backward branches, and from tier-1 code to
/// tier-2 code (speculating that the trait call sees squares) after 10,000
/// more, both times in the middle of the loop with every value carried
/// over; the first circle takes a side exit to the interpreter, which
/// enters the tier-2 code again at its next backward branch, until the
/// fourth exit throws that code out and the interpreter goes on in the
/// tier-1 code. The output is the interpreter's.
fn loop_tiers_up() -> Result<(), Failed> {
    check_loop_tiers_up(&[])
}

/// Runs `LOOP` on the program's thread with `flags` too, and checks that
/// its loop goes through both tiers and back as `loop_tiers_up` says.
pub(super) fn check_loop_tiers_up(flags: &[&str]) -> Result<(), Failed> {
    let mut args = vec!["run"];
    args.extend_from_slice(flags);
    args.extend(["--jit=on", "--jit-threads=0", "--jit-stats", LOOP]);
    let out = lang_in_root(&args)?;
    if out.code != 0 || out.stdout != expected_stdout(LOOP)? {
        return Err(format!("exit {}:\n{}{}", out.code, out.stdout, out.stderr).into());
    }
    let want = TierLine {
        compiled: 1,
        loops: 1,
        osr_entries: 4,
        side_exits: 4,
        recompiled: 0,
    };
    match tier_line(&out.stderr, 2) {
        Some(t2) if t2 == want => {}
        other => return Err(format!("tier 2 {other:?}, not {want:?}:\n{}", out.stderr).into()),
    }
    match tier_line(&out.stderr, 1) {
        Some(t1) if t1.loops == 1 && t1.osr_entries == 2 && t1.side_exits == 0 => Ok(()),
        other => Err(format!("tier 1 {other:?}:\n{}", out.stderr).into()),
    }
}

/// With a compiler thread, tier-2 code is compiled in the background and
/// installed while the program runs, when the thread is done: where that
/// happens varies from run to run, and the output never does.
fn in_the_background() -> Result<(), Failed> {
    run_polymorphic(&["--jit=on", "--jit-threads=1"])?;
    Ok(())
}

/// `--jit=always` compiles every function at its first call, before the
/// interpreter has profiled anything: tier 1 only, so that `jit::` tests
/// tier 1 alone.
fn always_is_tier_1() -> Result<(), Failed> {
    let stderr = run_polymorphic(&["--jit=always"])?;
    match tier_line(&stderr, 2) {
        Some(t2) if t2.compiled == 0 => Ok(()),
        other => Err(format!("tier 2 {other:?}:\n{}", stderr).into()),
    }
}

/// `--jit-max-tier=1` keeps every function at tier 1 (the program that
/// reaches tier 2 by default does not), with the same output.
fn max_tier_1() -> Result<(), Failed> {
    let stderr = run_polymorphic(&["--jit=on", "--jit-threads=0", "--jit-max-tier=1"])?;
    match (tier_line(&stderr, 1), tier_line(&stderr, 2)) {
        (Some(t1), Some(t2)) if t1.compiled >= 2 && t2.compiled == 0 => Ok(()),
        other => Err(format!("tiers {other:?}:\n{}", stderr).into()),
    }
}

/// A tier other than 1 or 2 is a usage error (exit 2) that says which
/// are.
fn bad_max_tiers() -> Result<(), Failed> {
    for bad in ["0", "3", "two", ""] {
        let flag = format!("--jit-max-tier={bad}");
        let out = lang_in_root(&["run", &flag, POLYMORPHIC])?;
        if out.code != 2 || !out.stderr.contains("expected tier 1 or 2") {
            return Err(format!("{flag}: exit {}: {}", out.code, out.stderr).into());
        }
    }
    Ok(())
}
