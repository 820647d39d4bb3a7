//! Host-mode trials: every conformance program, interpreted (`kvm::`) and
//! with every function compiled by the JIT (`kvm-jit::`, `--jit=always`),
//! and every benchmark at its tiny size (`kvm-bench::`) run inside the KVM
//! guest and must behave exactly as without it; `kvm-cli::` trials check
//! the `--kvm` options and errors, and that compiled code runs in the
//! guest.
//!
//! Trials that need `/dev/kvm` (or the device `LANG_KVM_DEVICE` names, as
//! lang-host reads it) are skipped where it is missing or not accessible:
//! they are marked ignored, and one line on stderr says why. With
//! `LANG_REQUIRE_KVM=1` (set by `.ci/run`) they run anyway, so a missing
//! device fails them, and `kvm-cli::device_is_available` fails with the
//! reason.

use super::{
    check_expectations, lang, lang_in_root, relative_name, repo_relative, run_lang,
    run_program_with, side, sources,
};
use libtest_mimic::{Failed, Trial};
use std::path::Path;

/// A `kvm-cli::` trial's body.
type CliTrial = fn() -> Result<(), Failed>;

/// The variable that makes a missing KVM device a failure instead of a skip.
const REQUIRE_VAR: &str = "LANG_REQUIRE_KVM";

/// The KVM device the host layer opens.
fn device() -> String {
    std::env::var("LANG_KVM_DEVICE").unwrap_or_else(|_| "/dev/kvm".into())
}

/// Why KVM cannot be used here, if it cannot (the device is opened as
/// lang-host opens it: read-write).
fn unavailable() -> Option<String> {
    let dev = device();
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&dev)
    {
        Ok(_) => None,
        Err(e) => Some(format!("{dev}: {e}")),
    }
}

fn required() -> bool {
    std::env::var_os(REQUIRE_VAR).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The line printed when the trials that need KVM are skipped.
fn skip_line(why: &str) -> String {
    format!(
        "note: skipping the kvm::, kvm-jit::, kvm-bench:: and kvm-cli:: trials that need KVM \
         ({why}); \
         set {REQUIRE_VAR}=1 to make this a failure"
    )
}

pub fn trials(root: &Path) -> Vec<Trial> {
    let mut needs_kvm = Vec::new();
    for src in sources(&root.join("tests/conformance")) {
        let name = relative_name(root, &src, "tests/conformance");
        let s = src.clone();
        needs_kvm.push(Trial::test(format!("kvm::{name}"), move || {
            conformance_kvm(&s, &[])
        }));
        needs_kvm.push(Trial::test(format!("kvm-jit::{name}"), move || {
            conformance_kvm(&src, &["--jit=always"])
        }));
    }
    for src in sources(&root.join("bench")) {
        let name = relative_name(root, &src, "bench");
        needs_kvm.push(Trial::test(format!("kvm-bench::{name}"), move || {
            bench_kvm(&src)
        }));
    }
    needs_kvm.push(Trial::test(
        "kvm-cli::timeout_stops_a_spinning_guest",
        kvm_timeout,
    ));
    needs_kvm.push(Trial::test(
        "kvm-cli::compiled_code_runs_in_the_guest",
        kvm_jit_compiles,
    ));
    needs_kvm.push(Trial::test(
        "kvm-cli::a_compiler_thread_runs_in_the_guest",
        kvm_background_compiles,
    ));
    needs_kvm.push(Trial::test(
        "kvm-cli::tier_2_exits_and_recompiles_in_the_guest",
        kvm_tier2,
    ));
    let missing = unavailable();
    let skip = missing.is_some() && !required();
    if let (true, Some(why)) = (skip, &missing) {
        eprintln!("{}", skip_line(why));
    }
    let mut trials: Vec<Trial> = needs_kvm
        .into_iter()
        .map(|t| t.with_ignored_flag(skip))
        .collect();
    trials.push(Trial::test(
        "kvm-cli::device_is_available",
        move || match (&missing, required()) {
            (Some(why), true) => {
                Err(format!("{REQUIRE_VAR} is set but KVM is not available: {why}").into())
            }
            _ => Ok(()),
        },
    ));
    // These need no KVM device: they fail before a VM is made.
    let no_device: [(&str, CliTrial); 4] = [
        ("missing_guest_is_a_clear_error", kvm_missing_guest),
        ("a_guest_from_other_sources_is_refused", kvm_other_build),
        ("timeout_and_guest_memory_are_validated", kvm_option_ranges),
        (
            "a_missing_device_skips_or_fails_as_required",
            kvm_skip_logic,
        ),
    ];
    for (name, test) in no_device {
        trials.push(Trial::test(format!("kvm-cli::{name}"), test));
    }
    trials
}

/// The `--kvm` run, with `extra` options for the guest's runtime, must
/// meet the program's expectations, as the plain run does.
fn conformance_kvm(src: &Path, extra: &[&str]) -> Result<(), Failed> {
    let rel = repo_relative(src);
    let mut flags = vec!["--kvm"];
    flags.extend_from_slice(extra);
    if imports_files(src) {
        return linked_kvm(src, &flags);
    }
    let out = run_program_with(&flags, &rel, src)?;
    check_expectations(src, &out)
}

/// Whether a program imports modules from files (not `std::`): the guest
/// may read only the one program file, so such a program runs there as
/// the self-contained `.bc` that `lang build` links on the host.
fn imports_files(src: &Path) -> bool {
    std::fs::read_to_string(src).is_ok_and(|t| {
        t.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("import ") && !l.starts_with("import std::")
        })
    })
}

/// A multi-file program linked on the host, run in the guest.
fn linked_kvm(src: &Path, flags: &[&str]) -> Result<(), Failed> {
    let dir = super::tempdir()?;
    let bc = dir.join("main.bc");
    let rel = repo_relative(src);
    let built = lang_in_root(&["build", &rel.to_string_lossy(), "-o", &bc.to_string_lossy()])?;
    if built.code != 0 {
        // A program that does not compile fails the same way on the host.
        return check_expectations(src, &built);
    }
    let out = run_program_with(flags, &bc, src)?;
    let _ = std::fs::remove_dir_all(&dir);
    check_expectations(src, &out)
}

/// Under `--kvm --jit=always` the guest's runtime compiles the program's
/// functions to machine code and runs them (cranelift maps its code
/// read-write, then read-execute, which the guest's W^X memory allows):
/// `--jit-stats` from inside the guest reports as many functions compiled
/// as a run without `--kvm` (every function the program calls), with
/// machine code, none that failed and fell back to the interpreter, and
/// the interpreter's output.
fn kvm_jit_compiles() -> Result<(), Failed> {
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join(super::jit::FIB);
    let stats_run = |kvm: bool| {
        let mut args = vec!["run"];
        if kvm {
            args.push("--kvm");
        }
        args.extend(["--jit=always", "--jit-stats", super::jit::FIB]);
        lang_in_root(&args)
    };
    let (native, guest) = (stats_run(false)?, stats_run(true)?);
    let expected = side(&program, "out").unwrap_or_default();
    let want = super::jit::compiled_count(&native.stderr).filter(|n| *n > 0);
    let stat = |name: &str| super::jit::stat(&guest.stderr, name);
    if want.is_none()
        || guest.code != 0
        || guest.stdout != expected
        || stat("functions compiled") != want
        || stat("functions failed to compile").is_some()
        || stat("machine code bytes").is_none_or(|n| n == 0)
    {
        return Err(format!(
            "expected exit 0, the program's output and {want:?} functions compiled (as without \
             --kvm) with code, none failed; got exit {}\n--- stdout\n{}--- stderr\n{}",
            guest.code, guest.stdout, guest.stderr
        )
        .into());
    }
    Ok(())
}

/// Under `--kvm --jit=on --jit-threads=1` the guest's runtime compiles on
/// a guest thread of its own while the program goes on interpreted, and
/// the hot loop continues in the compiled code: `--jit-stats` from inside
/// the guest says so, and the output is the interpreter's.
fn kvm_background_compiles() -> Result<(), Failed> {
    let program = "bench/loop/loop.src";
    let size = super::jit::LONG_LOOP;
    let interpreted = lang_in_root(&["run", "--jit=off", program, size])?;
    let guest = lang_in_root(&[
        "run",
        "--kvm",
        "--jit=on",
        "--jit-threads=1",
        "--jit-stats",
        program,
        size,
    ])?;
    let stat = |name: &str| super::jit::stat(&guest.stderr, name);
    if guest.code != 0
        || guest.stdout != interpreted.stdout
        || stat("compiled on compiler threads") != Some(1)
        || stat("loops entered in compiled code") != Some(1)
    {
        return Err(format!(
            "expected exit 0, the interpreter's output, one loop compiled on a compiler \
             thread and entered; got exit {}\n--- stdout\n{}--- stderr\n{}",
            guest.code, guest.stdout, guest.stderr
        )
        .into());
    }
    Ok(())
}

/// Tier 2 in the guest as on the host: `tier2::`'s program reaches tier 2,
/// takes its four side exits and is recompiled once, and its loop program
/// goes from tier 1 to tier 2 mid-loop, with the interpreter's output.
fn kvm_tier2() -> Result<(), Failed> {
    use super::tier2::{run_polymorphic, tier_line, TierLine};
    let stderr = run_polymorphic(&["--kvm", "--jit=on", "--jit-threads=0"])?;
    let want = TierLine {
        compiled: 2,
        loops: 0,
        osr_entries: 0,
        side_exits: 4,
        recompiled: 1,
    };
    match tier_line(&stderr, 2) {
        Some(t2) if t2 == want => {}
        other => {
            return Err(format!("tier 2 {other:?} in the guest, not {want:?}:\n{stderr}").into())
        }
    }
    // A loop goes from tier 1 to tier 2 in the middle (on-stack
    // replacement) and back out through side exits, as on the host.
    super::tier2::check_loop_tiers_up(&["--kvm"])
}

/// `--timeout` ends an infinite loop in the guest from the host, with
/// coreutils' timeout status 124.
fn kvm_timeout() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run_lang(
        &[
            "run".as_ref(),
            "--kvm".as_ref(),
            "--timeout".as_ref(),
            "1".as_ref(),
            "tests/kvm/spin.src".as_ref(),
        ],
        None,
        Some(root),
    )?;
    if out.code != 124 || !out.stderr.contains("--timeout") {
        return Err(format!(
            "expected exit 124 and a timeout message, got {}: {}",
            out.code, out.stderr
        )
        .into());
    }
    Ok(())
}

/// Without a guest binary `--kvm` fails with exit 69 and says how to build one.
fn kvm_missing_guest() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = lang()
        .args(["run", "--kvm", "examples/hello.src"])
        .current_dir(root)
        .env("LANG_KVM_GUEST", "/nonexistent/lang-static")
        .output()
        .map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(69) || !stderr.contains("crt-static") {
        return Err(format!(
            "expected exit 69 with build instructions, got {:?}: {stderr}",
            out.status.code()
        )
        .into());
    }
    Ok(())
}

/// A benchmark at its tiny size prints, under `--kvm`, exactly what the
/// suite's expected output says.
fn bench_kvm(src: &Path) -> Result<(), Failed> {
    let dir = src.parent().ok_or("benchmark without a folder")?;
    let sizes = std::fs::read_to_string(dir.join("sizes")).map_err(|e| e.to_string())?;
    let tiny = sizes
        .lines()
        .find_map(|l| {
            l.strip_prefix("tiny")
                .map(|v| v.trim_start_matches([' ', '=', ':']).trim().to_string())
        })
        .ok_or("no tiny size in the sizes file")?;
    let expected = std::fs::read_to_string(dir.join("tiny.out")).map_err(|e| e.to_string())?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rel = repo_relative(src);
    let out = run_lang(
        &[
            "run".as_ref(),
            "--kvm".as_ref(),
            rel.as_os_str(),
            tiny.as_ref(),
        ],
        None,
        Some(root),
    )?;
    if out.code != 0 || out.stdout != expected {
        return Err(format!(
            "under --kvm: exit {}\n--- expected\n{expected}--- actual\n{}--- stderr\n{}",
            out.code, out.stdout, out.stderr
        )
        .into());
    }
    Ok(())
}

/// A guest file must carry this build's identity record: a copy of this
/// very `lang` with one digit of its record changed is refused with exit
/// 69 and the rebuild command, before anything is loaded, while the
/// unchanged binary passes the check (and is then refused as not static).
fn kvm_other_build() -> Result<(), Failed> {
    let me = std::fs::read(env!("CARGO_BIN_EXE_lang")).map_err(|e| e.to_string())?;
    let marker = b"lang-build-id:";
    let at = me
        .windows(marker.len())
        .position(|w| w == marker)
        .ok_or("no build identity record in the lang binary")?;
    let mut other = me.clone();
    let digit = at + marker.len();
    other[digit] = if other[digit] == b'0' { b'1' } else { b'0' };
    let dir = std::env::temp_dir().join(format!("lang-kvm-build-id-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let stale = dir.join("lang-static");
    std::fs::write(&stale, &other).map_err(|e| e.to_string())?;
    let run = |guest: &Path| {
        lang()
            .args(["run", "--kvm", "examples/hello.src"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("LANG_KVM_GUEST", guest)
            .output()
            .map_err(|e| e.to_string())
    };
    let out = run(&stale)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(69)
        || !stderr.contains("not built from the same sources")
        || !stderr.contains("crt-static")
    {
        return Err(format!(
            "stale guest: expected exit 69 and a rebuild hint, got {:?}: {stderr}",
            out.status.code()
        )
        .into());
    }
    let out = run(Path::new(env!("CARGO_BIN_EXE_lang")))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("same sources") || !stderr.contains("static") {
        return Err(format!(
            "same build: expected to pass the identity check and be refused as dynamic: {stderr}"
        )
        .into());
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// `--timeout` and `--kvm-mem` are range-checked by the command line, with
/// messages that name what they bound (exit 2, never a panic or a late 70).
fn kvm_option_ranges() -> Result<(), Failed> {
    let cases: [(&[&str], &str); 6] = [
        (&["--timeout", "1e19"], "the timeout is at most"),
        (&["--timeout", "0"], "positive number of seconds"),
        (&["--timeout", "nan"], "positive number of seconds"),
        (&["--timeout=-3"], "positive number of seconds"),
        (&["--kvm-mem", "1M"], "the guest memory is at least 8M"),
        (&["--kvm-mem", "100T"], "the guest memory is at most 64T"),
    ];
    for (opts, want) in cases {
        let mut args = vec!["run", "--kvm"];
        args.extend_from_slice(opts);
        args.push("examples/hello.src");
        let out = lang()
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .map_err(|e| e.to_string())?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(2) || !stderr.contains(want) || stderr.contains("heap limit") {
            return Err(format!(
                "{opts:?}: expected exit 2 with `{want}`, got {:?}: {stderr}",
                out.status.code()
            )
            .into());
        }
    }
    Ok(())
}

/// Runs this suite binary on one trial that needs KVM with the device
/// pointed at a missing file: without the require variable the trial is
/// ignored and the skip line printed once; with it, the trial runs and
/// fails, and so does `kvm-cli::device_is_available`.
fn kvm_skip_logic() -> Result<(), Failed> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let run = |require: bool, filter: &str| {
        let mut cmd = std::process::Command::new(&me);
        cmd.args([filter, "--exact", "--test-threads=1"])
            .env("LANG_KVM_DEVICE", "/nonexistent/kvm")
            .env_remove(REQUIRE_VAR);
        if require {
            cmd.env(REQUIRE_VAR, "1");
        }
        cmd.output().map_err(|e| e.to_string())
    };
    let trial = "kvm-cli::timeout_stops_a_spinning_guest";
    let out = run(false, trial)?;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    let line = skip_line("/nonexistent/kvm: No such file or directory (os error 2)");
    if !out.status.success() || !stdout.contains("1 ignored") || stderr.matches(&line).count() != 1
    {
        return Err(format!("without {REQUIRE_VAR}: expected one ignored trial and the skip line once\n--- stdout\n{stdout}--- stderr\n{stderr}").into());
    }
    for filter in [trial, "kvm-cli::device_is_available"] {
        let out = run(true, filter)?;
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        if out.status.success() || !stdout.contains("1 failed") || stderr.contains("note: skipping")
        {
            return Err(format!("with {REQUIRE_VAR}=1, {filter}: expected a failure\n--- stdout\n{stdout}--- stderr\n{stderr}").into());
        }
    }
    Ok(())
}
