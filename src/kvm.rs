//! `lang run --kvm`: the same program, run by a statically linked copy of
//! this same `lang` inside a minimal KVM virtual machine (`lang-host`).
//!
//! The guest is a static build of this very binary (the host layer loads
//! static executables only). It is looked for, in order, at
//! `$LANG_KVM_GUEST`, at `lang-static` beside this executable, and where
//! `.ci/run` builds it in the workspace (`target/static/...`). The guest gets
//! the program file as its only readable file and the same run options.

use crate::cli::GcArgs;
use crate::exit;
use crate::load::Failure;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How to build the guest, for the error that says it is missing.
pub const BUILD_STATIC: &str = "RUSTFLAGS='-C target-feature=+crt-static' cargo build --release \
     --target x86_64-unknown-linux-gnu --target-dir target/static --bin lang";

/// Where `.ci/run` puts the static build, relative to `target/`.
const STATIC_IN_TARGET: &str = "static/x86_64-unknown-linux-gnu/release/lang";

/// Exit status when `--timeout` stops the program, as coreutils' `timeout`.
pub const TIMED_OUT: i32 = 124;

/// What `--kvm` needs besides the ordinary run options.
pub struct KvmRun<'a> {
    pub file: &'a Path,
    pub args: &'a [String],
    pub gc: &'a GcArgs,
    pub memory: Option<u64>,
    pub timeout: Option<f64>,
    pub timings: bool,
    /// The JIT mode for the guest's runtime, and whether it reports.
    pub jit: lang_vm::JitMode,
    pub jit_stats: bool,
    pub jit_threshold: Option<u32>,
    pub jit_threads: Option<usize>,
    pub jit_max_tier: Option<u8>,
}

/// Runs the program in a guest; gives the guest's exit status.
pub fn run(r: &KvmRun<'_>) -> Result<i32, Failure> {
    let started = std::time::Instant::now();
    let guest = guest_binary()?;
    same_build(&guest)?;
    let file = r.file.to_string_lossy().into_owned();
    let mut argv = vec!["lang".to_string(), "run".to_string()];
    argv.extend(gc_flags(r.gc));
    argv.push(format!("--jit={}", r.jit.name()));
    if r.jit_stats {
        argv.push("--jit-stats".to_string());
    }
    if let Some(n) = r.jit_threshold {
        argv.push(format!("--jit-threshold={n}"));
    }
    if let Some(n) = r.jit_threads {
        argv.push(format!("--jit-threads={n}"));
    }
    if let Some(n) = r.jit_max_tier {
        argv.push(format!("--jit-max-tier={n}"));
    }
    argv.push(file.clone());
    argv.extend(r.args.iter().cloned());
    let mut cfg = lang_host::GuestConfig::new(guest, argv);
    cfg.readable_file = Some(PathBuf::from(&file));
    if let Some(bytes) = r.memory {
        cfg.memory_limit = bytes;
    }
    // clap's parser bounds the timeout, so the conversion cannot fail; it
    // is checked anyway rather than trusted not to panic.
    cfg.timeout = match r.timeout.map(Duration::try_from_secs_f64) {
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => return Err(usage("--timeout takes a positive number of seconds")),
        None => None,
    };
    // Guest output goes straight to our fds 1 and 2; nothing of ours may sit
    // in a buffer in front of it.
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let outcome = lang_host::run_guest(&cfg).map_err(|e| host_failure(e, r.timeout))?;
    if let Some(why) = &outcome.killed {
        eprintln!("error: the guest was stopped: {why}");
    }
    if r.timings {
        eprintln!(
            "kvm: total {:.2} ms, to the guest's first instruction {:.2} ms (host process {:.2} ms)",
            outcome.timings.total.as_secs_f64() * 1e3,
            outcome.timings.to_first_instruction.as_secs_f64() * 1e3,
            started.elapsed().as_secs_f64() * 1e3,
        );
    }
    Ok(outcome.exit_code)
}

fn usage(message: &str) -> Failure {
    Failure {
        message: format!("error: {message}"),
        code: exit::USAGE,
    }
}

fn host_failure(e: lang_host::HostError, timeout: Option<f64>) -> Failure {
    use lang_host::HostError::*;
    match e {
        KvmUnavailable(why) => Failure {
            message: format!("error: --kvm needs /dev/kvm: {why}"),
            code: exit::UNAVAILABLE,
        },
        BadExecutable(why) => Failure {
            message: format!("error: the --kvm guest binary cannot be loaded: {why}\nbuild it with: {BUILD_STATIC}"),
            code: exit::UNAVAILABLE,
        },
        ProgramFile(path, why) => Failure {
            message: format!("error: cannot read {}: {why}", path.display()),
            code: exit::NO_INPUT,
        },
        OutOfMemory => Failure {
            message: "runtime error: out of memory (the guest used all of --kvm-mem)".into(),
            code: exit::RUNTIME_ERROR,
        },
        Timeout(_) => Failure {
            message: format!("error: the program ran longer than --timeout {} s and was stopped", timeout.unwrap_or(0.0)),
            code: TIMED_OUT,
        },
        Internal(why) => Failure { message: format!("error: host mode failed: {why}"), code: exit::RUNTIME_ERROR },
    }
}

/// The run options the guest's `lang run` gets, as flags.
fn gc_flags(gc: &GcArgs) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(plan) = gc.plan {
        out.extend(["--gc".to_string(), plan.name().to_string()]);
    }
    if let Some(bytes) = gc.heap_max {
        out.extend(["--heap-max".to_string(), bytes.to_string()]);
    }
    if let Some(n) = gc.threads {
        out.extend(["--gc-threads".to_string(), n.to_string()]);
    }
    if gc.stats {
        out.push("--gc-stats".to_string());
    }
    if let Some(n) = gc.stress {
        out.extend(["--gc-stress".to_string(), n.to_string()]);
    }
    out
}

/// Refuses a guest built from other sources than this `lang` (exit 69,
/// with the command that rebuilds it).
fn same_build(guest: &Path) -> Result<(), Failure> {
    use crate::build_id::{check_guest, Mismatch};
    let why = match check_guest(guest) {
        Ok(()) => return Ok(()),
        Err(Mismatch::Different) => {
            "it was not built from the same sources as this lang (its build identity differs)"
                .to_string()
        }
        Err(Mismatch::Unreadable(e)) => format!("it cannot be read: {e}"),
    };
    Err(Failure {
        message: format!(
            "error: the --kvm guest {} cannot be used: {why}.
             Rebuild it from this workspace with:
  {BUILD_STATIC}",
            guest.display()
        ),
        code: exit::UNAVAILABLE,
    })
}

/// Finds the static `lang` to run as the guest.
fn guest_binary() -> Result<PathBuf, Failure> {
    if let Some(p) = std::env::var_os("LANG_KVM_GUEST") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok();
    let dir = exe.as_deref().and_then(Path::parent);
    let candidates = dir
        .into_iter()
        .flat_map(|d| [d.join("lang-static"), d.join("..").join(STATIC_IN_TARGET)]);
    for c in candidates {
        if c.is_file() {
            return Ok(c);
        }
    }
    Err(Failure {
        message: format!(
            "error: --kvm runs a statically linked lang as the guest, and none was found \
             (looked at $LANG_KVM_GUEST, lang-static beside this executable, and target/{STATIC_IN_TARGET}).\n\
             Build it from the workspace with:\n  {BUILD_STATIC}"
        ),
        code: exit::UNAVAILABLE,
    })
}
