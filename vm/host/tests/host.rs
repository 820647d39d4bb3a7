//! End-to-end tests of the KVM host mode: C guest programs, built here with
//! `gcc -static`, run inside a VM through `run_guest`. Each test runs the
//! guest in a child process of the test binary (this same binary, with
//! `LANG_HOST_CHILD` set) so that the guest's stdin/stdout/stderr — the
//! host process's fds 0/1/2 — can be captured and checked.

use lang_host::{run_guest, GuestConfig, HostError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// Directory of compiled guests (built once per test binary run).
fn build_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("lang-host-guests-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    })
}

/// Compiles tests/guests/NAME.c statically and returns the binary's path.
fn guest(name: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/guests")
        .join(format!("{name}.c"));
    let out = build_dir().join(name);
    if !out.exists() {
        let tmp = build_dir().join(format!("{name}.tmp{:?}", std::thread::current().id()));
        let st = Command::new("gcc")
            .args(["-static", "-O2", "-pthread", "-o"])
            .arg(&tmp)
            .arg(&src)
            .status()
            .expect("gcc runs");
        assert!(st.success(), "gcc failed for {name}");
        std::fs::rename(&tmp, &out).unwrap();
    }
    out
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `exe` as a guest in a child process; `spec` is the guest config
/// in a line format the child parses: see `child_main`.
fn run(exe: &Path, args: &[&str], extra: &[(&str, &str)], stdin: &str) -> Run {
    let me = std::env::current_exe().unwrap();
    let mut cmd = Command::new(me);
    cmd.args([
        "--exact",
        "child_entry",
        "--nocapture",
        "--quiet",
        "--test-threads=1",
    ])
    .env("LANG_HOST_CHILD", exe)
    .env("LANG_HOST_ARGS", args.join("\u{1f}"))
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stdout = strip_harness(&stdout);
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

/// Removes the test harness's own lines from a child's stdout.
fn strip_harness(s: &str) -> String {
    let mut out = String::new();
    for line in s.split_inclusive('\n') {
        let t = line.trim_end();
        if t.starts_with("running ")
            || t.starts_with("test result:")
            || t == "."
            || t.is_empty() && out.is_empty()
        {
            continue;
        }
        out.push_str(line);
    }
    out
}

/// In the child process: runs the guest and exits with its status.
#[test]
fn child_entry() {
    let Some(exe) = std::env::var_os("LANG_HOST_CHILD") else {
        return;
    };
    let args: Vec<String> = std::env::var("LANG_HOST_ARGS")
        .unwrap()
        .split('\u{1f}')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let mut argv = vec!["guest".to_string()];
    argv.extend(args);
    let mut cfg = GuestConfig::new(PathBuf::from(exe), argv);
    cfg.env = vec!["GUEST_VAR=from-host".into()];
    if let Ok(f) = std::env::var("LANG_HOST_READABLE") {
        cfg.readable_file = Some(f.into());
    }
    if let Ok(m) = std::env::var("LANG_HOST_MEM") {
        cfg.memory_limit = m.parse().unwrap();
    }
    if let Ok(t) = std::env::var("LANG_HOST_TIMEOUT") {
        cfg.timeout = Some(Duration::from_millis(t.parse().unwrap()));
    }
    match run_guest(&cfg) {
        Ok(o) => {
            if let Some(k) = &o.killed {
                eprintln!("killed: {k}");
            }
            eprintln!(
                "timings: total {:?} first {:?}",
                o.timings.total, o.timings.to_first_instruction
            );
            std::process::exit(o.exit_code)
        }
        Err(HostError::OutOfMemory) => {
            eprintln!("out of memory");
            std::process::exit(70)
        }
        Err(e) => {
            eprintln!("host error: {e}");
            std::process::exit(match e {
                HostError::KvmUnavailable(_) => 69,
                HostError::Timeout(_) => 124,
                _ => 101,
            })
        }
    }
}

#[test]
fn hello_world_exit_code_and_stdout() {
    let r = run(&guest("hello"), &[], &[], "");
    assert_eq!(r.stdout, "hello from the guest\n", "stderr: {}", r.stderr);
    assert_eq!(r.code, 7);
}

#[test]
fn glibc_printf_malloc_tls_env_stdin() {
    let r = run(&guest("libc"), &["one", "two"], &[], "typed line\n");
    assert_eq!(
        r.stdout, "argc=3 argv1=one heap tls=8 big=x\nenv=from-host\nstdin=typed line\n",
        "stderr: {}",
        r.stderr
    );
    assert!(r.stderr.contains("to stderr"), "{}", r.stderr);
    assert_eq!(r.code, 3);
}
