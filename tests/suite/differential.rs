//! Differential testing (issue 12, item 8): random well-typed, terminating
//! programs from `lang-progen`, each run under every configuration in
//! `CONFIGS`; stdout, stderr and the exit code must be the same as under
//! the first. One trial per seed, `differential::seed-N`.
//!
//! - `LANG_DIFF_PROGRAMS=N`: how many seeds (default `DEFAULT_PROGRAMS`).
//! - `LANG_DIFF_SEED_START=S`: the first seed (default 0), to run another
//!   range by hand: `LANG_DIFF_SEED_START=100000 LANG_DIFF_PROGRAMS=5000
//!   cargo test --test suite -- differential`.
//!
//! On a difference the trial prints the seed, the two configurations, a
//! unified diff and the commands that replay it. Whatever the
//! configurations agree on, an internal error (exit 101), a Rust panic, a
//! signal or a compile error (exit 65: the generator wrote a program the
//! checker rejects) fails the trial too, and so does any failure of a
//! program the generator did not make to fail (`Program::may_fail`).

use crate::{run_lang, tempdir, Output};
use libtest_mimic::{Failed, Trial};
use std::ffi::OsStr;
use std::path::Path;

/// How one configuration runs a program.
struct Config {
    /// The name a report uses.
    name: &'static str,
    /// Whether the program is first built to `p.bc` (`lang build`) and the
    /// `.bc` run, rather than the source.
    bytecode: bool,
    /// `lang run` options, before the file.
    flags: &'static [&'static str],
}

// ---------------------------------------------------------------------
// THE CONFIGURATIONS. Every generated program runs under each, and each
// must agree with the first (the interpreter from source).
// The JIT's configurations compare compiled code with the interpreter.
// ---------------------------------------------------------------------
const CONFIGS: &[Config] = &[
    Config {
        name: "interpreter",
        bytecode: false,
        flags: &[],
    },
    // SemiSpace moves every live object at every collection, and a
    // collection every 7 allocations reaches every allocation site with
    // objects live in registers; one GC thread keeps the thousands of
    // stop-the-world handshakes cheap when trials run in parallel.
    Config {
        name: "semispace-stress",
        bytecode: false,
        flags: &["--gc", "semispace", "--gc-stress", "7", "--gc-threads", "1"],
    },
    Config {
        name: "bytecode-file",
        bytecode: true,
        flags: &[],
    },
    // Every function compiled by the JIT at its first call.
    Config {
        name: "jit-always",
        bytecode: false,
        flags: &["--jit=always"],
    },
    // Compiled code under a moving collector: a reference compiled code
    // keeps past a safepoint instead of reloading it shows here.
    Config {
        name: "jit-semispace-stress",
        bytecode: false,
        flags: &[
            "--jit=always",
            "--gc",
            "semispace",
            "--gc-stress",
            "7",
            "--gc-threads",
            "1",
        ],
    },
    // Functions compiled at their second call and loops after 20 backward
    // branches: interpreted and compiled frames call each other, and a
    // running frame moves from the interpreter into compiled code in the
    // middle of its loop (on-stack replacement).
    Config {
        name: "jit-on-mixed",
        bytecode: false,
        flags: &["--jit=on", "--jit-threshold=2", "--jit-threads=0"],
    },
    // The same thresholds with two compiler threads: code is installed
    // whenever a thread finishes it, so where the program switches from
    // the interpreter to compiled code varies from run to run.
    Config {
        name: "jit-on-background",
        bytecode: false,
        flags: &["--jit=on", "--jit-threshold=2", "--jit-threads=2"],
    },
];

/// Seeds per run unless `LANG_DIFF_PROGRAMS` says otherwise: about a
/// minute of a debug build's suite on two cores.
const DEFAULT_PROGRAMS: u64 = 150;

/// The lines of each side a report shows around a difference.
const DIFF_CONTEXT: usize = 3;

/// The most lines of a diff a report shows (a program prints at most a
/// few hundred lines, but one difference early can shift all of them).
const DIFF_MAX_LINES: usize = 60;

/// One trial per seed of the range the environment selects, and the
/// harness's own check that a difference is reported.
pub fn trials() -> Vec<Trial> {
    let mut trials = vec![Trial::test(
        "differential::a_difference_is_reported_with_its_replay",
        a_difference_is_reported,
    )];
    match seed_range() {
        Ok(range) => trials.extend(range.map(|seed| {
            Trial::test(format!("differential::seed-{seed}"), move || {
                check_seed(seed)
            })
        })),
        Err(message) => trials.push(Trial::test("differential::environment", move || {
            Err(message.clone().into())
        })),
    }
    trials
}

/// The seeds `LANG_DIFF_SEED_START` and `LANG_DIFF_PROGRAMS` select.
fn seed_range() -> Result<std::ops::Range<u64>, String> {
    let number = |var: &str, default: u64| -> Result<u64, String> {
        match std::env::var(var) {
            Err(_) => Ok(default),
            Ok(text) => text
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("{var} must be a whole number, not {text:?}")),
        }
    };
    let start = number("LANG_DIFF_SEED_START", 0)?;
    let count = number("LANG_DIFF_PROGRAMS", DEFAULT_PROGRAMS)?;
    let end = start
        .checked_add(count)
        .ok_or("LANG_DIFF_SEED_START + LANG_DIFF_PROGRAMS is past the largest seed")?;
    Ok(start..end)
}

/// Generates the program of `seed`, runs it under every configuration and
/// compares each run with the first.
fn check_seed(seed: u64) -> Result<(), Failed> {
    let dir = tempdir()?;
    let program = lang_progen::program(seed, lang_progen::DEFAULT_SIZE);
    std::fs::write(dir.join("p.src"), &program.source)
        .map_err(|e| format!("cannot write p.src: {e}"))?;
    let mut runs = Vec::new();
    for config in CONFIGS {
        let out = run_config(config, &dir)?;
        if let Some(problem) = broken(&out) {
            return Err(report_broken(seed, config, &out, &problem, &dir).into());
        }
        runs.push((config, out));
    }
    let (first_config, first) = runs.first().ok_or("no configurations")?;
    if !program.may_fail && (first.code != 0 || !first.stderr.is_empty()) {
        let problem =
            "a program without a deliberate error failed (a bug in lang-progen or in lang)";
        return Err(report_broken(seed, first_config, first, problem, &dir).into());
    }
    for (config, out) in runs.iter().skip(1) {
        if let Some(report) = compare(seed, first_config, first, config, out) {
            return Err(format!("{report}\n(the program is kept in {})", dir.display()).into());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Runs `dir/p.src` under `config`, in `dir`, so that stack traces name
/// `p.src` whatever the configuration.
fn run_config(config: &Config, dir: &Path) -> Result<Output, Failed> {
    let file = if config.bytecode {
        let built = run_lang(
            &[
                "build".as_ref(),
                "p.src".as_ref(),
                "-o".as_ref(),
                "p.bc".as_ref(),
            ],
            None,
            Some(dir),
        )?;
        if built.code != 0 {
            return Ok(built);
        }
        "p.bc"
    } else {
        "p.src"
    };
    let mut args: Vec<&OsStr> = vec!["run".as_ref()];
    args.extend(config.flags.iter().map(|f| OsStr::new(*f)));
    args.push(file.as_ref());
    run_lang(&args, None, Some(dir))
}

/// What is wrong with a run whatever the others do, if anything.
fn broken(out: &Output) -> Option<String> {
    if out.code == 65 {
        return Some("the generated program does not compile (a bug in lang-progen)".into());
    }
    if out.code == 101 || out.stderr.contains("panicked") {
        return Some("lang failed internally (exit 101 or a panic)".into());
    }
    None
}

fn report_broken(seed: u64, config: &Config, out: &Output, problem: &str, dir: &Path) -> String {
    format!(
        "seed {seed}, configuration {}: {problem}: exit {}\n--- stderr\n{}\nreplay:\n  {}\n(the program is kept in {})",
        config.name,
        out.code,
        out.stderr,
        replay(seed, config),
        dir.display()
    )
}

/// The report of a difference between `a`'s run and `b`'s, or `None`
/// when they agree.
fn compare(seed: u64, ca: &Config, a: &Output, cb: &Config, b: &Output) -> Option<String> {
    let mut parts = Vec::new();
    if a.code != b.code {
        parts.push(format!(
            "exit code: {} under {}, {} under {}",
            a.code, ca.name, b.code, cb.name
        ));
    }
    for (what, x, y) in [
        ("stdout", &a.stdout, &b.stdout),
        ("stderr", &a.stderr, &b.stderr),
    ] {
        if x != y {
            parts.push(format!("{what} differs:\n{}", diff(x, y, ca.name, cb.name)));
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(format!(
        "seed {seed}: {} and {} disagree\n{}\nreplay:\n  {}\n  {}",
        ca.name,
        cb.name,
        parts.join("\n"),
        replay(seed, ca),
        replay(seed, cb)
    ))
}

/// A unified diff of two outputs, cut to `DIFF_MAX_LINES` lines.
fn diff(a: &str, b: &str, name_a: &str, name_b: &str) -> String {
    let text = similar::TextDiff::from_lines(a, b)
        .unified_diff()
        .context_radius(DIFF_CONTEXT)
        .header(name_a, name_b)
        .to_string();
    let total = text.lines().count();
    let mut shown: Vec<&str> = text.lines().take(DIFF_MAX_LINES).collect();
    let more = format!(
        "... {} more lines of diff",
        total.saturating_sub(DIFF_MAX_LINES)
    );
    if total > DIFF_MAX_LINES {
        shown.push(&more);
    }
    shown.join("\n")
}

/// The shell commands that regenerate the program of `seed` and run it as
/// `config` does, with the `lang` binary this suite ran.
fn replay(seed: u64, config: &Config) -> String {
    let lang = env!("CARGO_BIN_EXE_lang");
    let flags: String = config.flags.iter().map(|f| format!("{f} ")).collect();
    let generate = format!("cargo run -q -p lang-progen -- {seed} > /tmp/p.src && cd /tmp && ");
    if config.bytecode {
        format!("{generate}{lang} build p.src -o p.bc && {lang} run {flags}p.bc")
    } else {
        format!("{generate}{lang} run {flags}p.src")
    }
}

/// The comparison finds a difference in any of the three parts, names
/// the seed and both configurations, and gives a replay command with the
/// configuration's flags; equal runs give no report.
fn a_difference_is_reported() -> Result<(), Failed> {
    let run = |code, stdout: &str, stderr: &str| Output {
        code,
        stdout: stdout.into(),
        stderr: stderr.into(),
    };
    let (first, second) = (&CONFIGS[0], &CONFIGS[1]);
    let base = run(0, "1\n2\n3\n", "");
    if compare(7, first, &base, second, &run(0, "1\n2\n3\n", "")).is_some() {
        return Err("equal runs were reported as different".into());
    }
    let cases = [
        run(1, "1\n2\n3\n", ""),
        run(0, "1\n2\n4\n", ""),
        run(0, "1\n2\n3\n", "runtime error: x\n"),
    ];
    for other in &cases {
        let report =
            compare(7, first, &base, second, other).ok_or("a difference went unreported")?;
        let wanted = [
            "seed 7",
            first.name,
            second.name,
            "cargo run -q -p lang-progen -- 7 > /tmp/p.src",
            "--gc-stress 7",
        ];
        if let Some(missing) = wanted.iter().find(|w| !report.contains(*w)) {
            return Err(format!("the report lacks {missing:?}:\n{report}").into());
        }
    }
    let report = compare(7, first, &base, second, &cases[1]).unwrap_or_default();
    if !report.contains("-3\n+4") {
        return Err(format!("the report lacks the diff:\n{report}").into());
    }
    Ok(())
}
