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

/// Directory of compiled guests (kept between runs, under Cargo's target
/// directory).
fn build_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lang-host-guests");
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
    let stale = match (std::fs::metadata(&out), std::fs::metadata(&src)) {
        (Ok(o), Ok(s)) => o.modified().unwrap() < s.modified().unwrap(),
        _ => true,
    };
    if stale {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let tmp = build_dir().join(format!("{name}.tmp{}-{n}", std::process::id()));
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

/// Starts this test binary as a child that runs `exe` as a guest (see
/// `child_entry`), with `args` after argv[0] and extra environment.
fn spawn(exe: &Path, args: &[&str], extra: &[(&str, &str)]) -> std::process::Child {
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
    cmd.spawn().unwrap()
}

fn finish(child: std::process::Child) -> Run {
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: strip_harness(&String::from_utf8_lossy(&out.stdout)),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

/// How long a child that should end by itself may take before the test
/// kills it and fails: far above any run's real duration, it only keeps a
/// host that hangs (the defect some tests look for) from hanging the test
/// suite too. No test asserts on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// Waits for `child`, killing it and failing the test if it is still
/// running after HANG_GUARD. Its stderr is collected; its stdout only if
/// the test left it with the child (`child.stdout` not taken).
fn finish_or_fail(mut child: std::process::Child, what: &str) -> Run {
    let stderr = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut e, &mut s);
            s
        })
    });
    let stdout = child.stdout.take().map(|mut o| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = std::io::Read::read_to_end(&mut o, &mut s);
            s
        })
    });
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: the host did not end within {HANG_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout
            .map(|h| strip_harness(&String::from_utf8_lossy(&h.join().unwrap())))
            .unwrap_or_default(),
        stderr: stderr.map(|h| h.join().unwrap()).unwrap_or_default(),
    }
}

/// Runs `exe` as a guest with `stdin` as its input (then end of file).
fn run(exe: &Path, args: &[&str], extra: &[(&str, &str)], stdin: &str) -> Run {
    let mut child = spawn(exe, args, extra);
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    finish(child)
}

/// Like `run`, but the guest's stdin stays open (never reaches its end).
fn run_open_stdin(exe: &Path, args: &[&str], extra: &[(&str, &str)]) -> Run {
    let mut child = spawn(exe, args, extra);
    let stdin = child.stdin.take().unwrap();
    let r = finish(child);
    drop(stdin);
    r
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

/// The variable that makes a missing KVM device a failure instead of a skip
/// (`.ci/run` sets it).
const REQUIRE_VAR: &str = "LANG_REQUIRE_KVM";

/// Whether the tests that run a guest can: the KVM device (`/dev/kvm`, or
/// what `LANG_KVM_DEVICE` names, as `run_guest` reads it) opens read-write.
/// Where it does not, those tests return at once and one line on stderr
/// (printed once, not captured) says why; with `LANG_REQUIRE_KVM=1` they
/// fail instead.
fn kvm_available() -> bool {
    static MISSING: OnceLock<Option<String>> = OnceLock::new();
    let missing = MISSING.get_or_init(|| {
        let dev = std::env::var("LANG_KVM_DEVICE").unwrap_or_else(|_| "/dev/kvm".into());
        let why = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&dev)
            .err()?;
        let why = format!("{dev}: {why}");
        let required = std::env::var_os(REQUIRE_VAR).is_some_and(|v| !v.is_empty() && v != "0");
        if !required {
            let _ = writeln!(
                std::io::stderr(),
                "note: lang-host: skipping the tests that run a guest, KVM is not available ({why}); \
                 set {REQUIRE_VAR}=1 to make this a failure"
            );
        }
        Some(why)
    });
    match missing {
        None => true,
        Some(why) => {
            let required = std::env::var_os(REQUIRE_VAR).is_some_and(|v| !v.is_empty() && v != "0");
            assert!(
                !required,
                "{REQUIRE_VAR} is set but KVM is not available: {why}"
            );
            false
        }
    }
}

#[test]
fn without_kvm_guest_tests_are_skipped_unless_required() {
    // This test binary, on two guest tests, with the device pointed at a
    // missing file.
    let me = std::env::current_exe().unwrap();
    let run = |require: bool| {
        let mut cmd = Command::new(&me);
        cmd.args(["hello_world", "pthreads", "--test-threads=2"])
            .env("LANG_KVM_DEVICE", "/nonexistent/kvm")
            .env_remove(REQUIRE_VAR);
        if require {
            cmd.env(REQUIRE_VAR, "1");
        }
        cmd.output().unwrap()
    };
    let out = run(false);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("2 passed"), "{stdout}");
    assert_eq!(
        stderr
            .matches("skipping the tests that run a guest, KVM is not available (/nonexistent/kvm:")
            .count(),
        1,
        "{stderr}"
    );
    let out = run(true);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("2 failed"), "{stdout}");
    assert!(
        stdout.contains("LANG_REQUIRE_KVM is set but KVM is not available"),
        "{stdout}"
    );
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
    if let Ok(e) = std::env::var("LANG_HOST_ENV") {
        cfg.env.push(e);
    }
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
                HostError::ProgramFile(..) => 66,
                HostError::Timeout(_) => 124,
                _ => 101,
            })
        }
    }
}

#[test]
fn hello_world_exit_code_and_stdout() {
    if !kvm_available() {
        return;
    }
    let r = run(&guest("hello"), &[], &[], "");
    assert_eq!(r.stdout, "hello from the guest\n", "stderr: {}", r.stderr);
    assert_eq!(r.code, 7);
}

#[test]
fn glibc_printf_malloc_tls_env_stdin() {
    if !kvm_available() {
        return;
    }
    let r = run(&guest("libc"), &["one", "two"], &[], "typed line\n");
    assert_eq!(
        r.stdout, "argc=3 argv1=one heap tls=8 big=x\nenv=from-host\nstdin=typed line\n",
        "stderr: {}",
        r.stderr
    );
    assert!(r.stderr.contains("to stderr"), "{}", r.stderr);
    assert_eq!(r.code, 3);
}

#[test]
fn policy_refuses_everything_but_the_program_file() {
    if !kvm_available() {
        return;
    }
    let dir = build_dir().join("policy-files");
    std::fs::create_dir_all(&dir).unwrap();
    let forbidden = dir.join("created-by-guest");
    let _ = std::fs::remove_file(&forbidden);
    let prog = dir.join("prog.src");
    std::fs::write(&prog, "first line\nsecond\n").unwrap();
    let r = run(
        &guest("policy"),
        &[forbidden.to_str().unwrap(), prog.to_str().unwrap()],
        &[("LANG_HOST_READABLE", prog.to_str().unwrap())],
        "",
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let expected = "open /etc/passwd: Permission denied\n\
                    create file: Permission denied\n\
                    fopen w: Permission denied\n\
                    socket: Permission denied\n\
                    fork: Operation not permitted\n\
                    execve: Permission denied\n\
                    open program file for writing: Permission denied\n\
                    open program file: ALLOWED\n\
                    read 18 bytes: first line\nsecond\n| size 18\n\
                    after seek:  lin\n\
                    readv:first| line\n (11) pread: second (6)\n\
                    read after close: Bad file descriptor\n\
                    fopen: first line\n";
    assert_eq!(r.stdout, expected, "stderr: {}", r.stderr);
    assert!(!forbidden.exists(), "the guest created a host file");
    assert_eq!(
        std::fs::read_to_string(&prog).unwrap(),
        "first line\nsecond\n"
    );
}

/// A scratch directory of its own for one test.
fn scratch(name: &str) -> PathBuf {
    let d = build_dir().join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn the_program_file_is_opened_once_and_a_swapped_symlink_changes_nothing() {
    if !kvm_available() {
        return;
    }
    use std::io::{BufRead, BufReader};
    let dir = scratch("swap");
    std::fs::write(dir.join("real.src"), "the program\n").unwrap();
    std::fs::write(dir.join("secret"), "SECRET\n").unwrap();
    let link = dir.join("prog.src");
    std::os::unix::fs::symlink(dir.join("real.src"), &link).unwrap();
    let link_s = link.to_str().unwrap();
    let mut child = spawn(
        &guest("progfile"),
        &["reread", link_s],
        &[("LANG_HOST_READABLE", link_s)],
    );
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("ready\n") {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen.push_str(&line);
    }
    // The guest has read the file once; point the path elsewhere.
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(dir.join("secret"), &link).unwrap();
    child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = child.wait().unwrap();
    let all = strip_harness(&(seen + &rest));
    assert_eq!(
        all,
        "read 12: the program\n| size 12\nready\nread 12: the program\n| size 12\n"
    );
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_program_file_that_is_not_a_regular_file_is_refused_before_the_guest_runs() {
    let dir = scratch("not-regular");
    let fifo = dir.join("fifo.src");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo on a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let dir_s = dir.to_str().unwrap().to_string();
    for (path, why) in [
        (fifo.to_str().unwrap(), "not a regular file"),
        ("/proc/self/environ", "proc or sys"),
        ("/proc/self/mem", "proc or sys"),
        (dir_s.as_str(), "a directory"),
        ("/dev/zero", "not a regular file"),
        ("/nonexistent/prog.src", "No such file"),
    ] {
        // The hello guest never opens the file: only the host looks at it.
        let r = run(&guest("hello"), &[], &[("LANG_HOST_READABLE", path)], "");
        assert_eq!(r.code, 66, "{path}: stderr: {}", r.stderr);
        assert!(r.stderr.contains(why), "{path}: {}", r.stderr);
        assert_eq!(r.stdout, "", "{path}");
    }
}

#[test]
fn guest_paths_resolve_strictly_against_the_guest_root() {
    if !kvm_available() {
        return;
    }
    let dir = scratch("paths");
    std::fs::write(dir.join("prog.src"), "abcdefgh\n").unwrap();
    // The host path is relative to the test's cwd; in the guest the same
    // string is relative to `/`, and names the file there.
    // (Typically `../../target/tmp/...`: the `..` at the guest's root
    // stays there, as at any root.)
    let cwd = std::env::current_dir().unwrap();
    let common = cwd
        .components()
        .zip(dir.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut rel = PathBuf::new();
    for _ in common..cwd.components().count() {
        rel.push("..");
    }
    rel.extend(dir.components().skip(common));
    rel.push("prog.src");
    let rel_s = rel.to_str().unwrap();
    let r = run(
        &guest("progfile"),
        &["paths", rel_s],
        &[("LANG_HOST_READABLE", rel_s)],
        "",
    );
    let expected = "getcwd: /\n\
                    stat: ok\n\
                    stat from /: ok\n\
                    trailing slash: Permission denied\n\
                    trailing dot: Permission denied\n\
                    through a missing dir: Permission denied\n\
                    fstatat AT_FDCWD: ok\n\
                    fstatat AT_EMPTY_PATH: ok\n\
                    fstatat AT_EMPTY_PATH bad fd: Bad file descriptor\n\
                    fstatat empty path: No such file or directory\n\
                    fstatat file fd: Not a directory\n\
                    fstatat bad fd: Bad file descriptor\n\
                    fstatat bad fd absolute: ok\n\
                    openat file fd: Not a directory\n\
                    faccessat R_OK: ok\n\
                    faccessat X_OK: Permission denied\n\
                    faccessat bad fd: Bad file descriptor\n\
                    offsets: abc abc at 3\n\
                    seek end: 7, before start: -1\n";
    assert_eq!(r.stdout, expected, "stderr: {}", r.stderr);
    assert_eq!(r.code, 0);
}

#[test]
fn pthreads_mutex_condvar_join() {
    if !kvm_available() {
        return;
    }
    let r = run(&guest("threads"), &[], &[], "");
    assert_eq!(r.stdout, "total=400000 sum=60\n", "stderr: {}", r.stderr);
    assert_eq!(r.code, 0);
}

#[test]
fn huge_reservations_are_backed_lazily() {
    if !kvm_available() {
        return;
    }
    // 64 MiB of guest RAM: a 1 TiB reservation must not need backing.
    let r = run(&guest("reserve"), &[], &[("LANG_HOST_MEM", "67108864")], "");
    assert_eq!(
        r.stdout, "chunk=1 sum=2016 again=0\n",
        "stderr: {}",
        r.stderr
    );
    assert_eq!(r.code, 0);
}

#[test]
fn out_of_memory_exits_70() {
    if !kvm_available() {
        return;
    }
    let r = run(&guest("oom"), &[], &[("LANG_HOST_MEM", "33554432")], "");
    assert_eq!(r.stdout, "touching\n");
    assert!(r.stderr.contains("out of memory"), "{}", r.stderr);
    assert_eq!(r.code, 70);
}

#[test]
fn timeout_stops_an_infinite_loop() {
    if !kvm_available() {
        return;
    }
    let r = run(&guest("spin"), &[], &[("LANG_HOST_TIMEOUT", "300")], "");
    assert_eq!(r.stdout, "spinning\n");
    assert!(r.stderr.contains("timed out"), "{}", r.stderr);
    assert_eq!(r.code, 124);
}

#[test]
fn faults_end_the_guest_like_signals() {
    if !kvm_available() {
        return;
    }
    let r = run(&guest("crash"), &[], &[], "");
    assert_eq!(r.code, 128 + 11, "stderr: {}", r.stderr);
    assert!(
        r.stderr.contains("invalid memory access to 0x10"),
        "{}",
        r.stderr
    );
    let r = run(&guest("crash"), &["abort"], &[], "");
    assert_eq!(r.code, 128 + 6, "stderr: {}", r.stderr);
    let r = run(&guest("crash"), &["ud2"], &[], "");
    assert_eq!(r.code, 128 + 4, "stderr: {}", r.stderr);
}

/// The guest's memory is never writable and executable at once: code
/// written into a read-write page runs once it is read-execute (and its
/// rewrite runs after the next round), every request for writable and
/// executable memory is `EACCES`, and each access W^X forbids faults at
/// that access, even right after the page was used with the right it lost.
#[test]
fn code_memory_is_writable_or_executable_never_both() {
    if !kvm_available() {
        return;
    }
    let r = run(&guest("wx"), &[], &[], "");
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert!(
        r.stdout
            .ends_with("ran 42 43 43; rwx mmap EACCES, wx mmap EACCES, rwx mprotect EACCES\n"),
        "{}",
        r.stdout
    );
    for (mode, offset, access) in [
        ("write-code", 1, "write"),
        ("exec-data", 0, "exec"),
        ("stale-exec", 0, "exec"),
        ("other-thread", 100, "write"),
    ] {
        let r = run(&guest("wx"), &[mode], &[], "");
        assert_eq!(r.code, 128 + 11, "{mode}: stderr: {}", r.stderr);
        let page = r
            .stdout
            .strip_prefix("page 0x")
            .and_then(|s| u64::from_str_radix(s.trim(), 16).ok())
            .unwrap_or_else(|| panic!("{mode}: no page address in {:?}", r.stdout));
        let want = format!("invalid memory access to {:#x} ({access})", page + offset);
        assert!(
            r.stderr.contains(&want),
            "{mode}: want {want}: {}",
            r.stderr
        );
    }
}

#[test]
fn hostile_instructions_are_contained() {
    if !kvm_available() {
        return;
    }
    // Port I/O, privileged instructions, interrupts, and touching the
    // system area all end the guest with a signal status; jumping into the
    // stub page is at worst a system call the policy serves.
    for mode in [
        "out",
        "int80",
        "hlt",
        "kernel-read",
        "stub-write",
        "stack-overflow",
    ] {
        let r = run(&guest("crash"), &[mode], &[], "");
        // SIGSEGV, or SIGILL where the hypervisor reports #UD for a
        // privileged instruction (PVM does for `int $0x80`).
        assert!(
            r.code == 128 + 11 || r.code == 128 + 4,
            "{mode}: {} stderr: {}",
            r.code,
            r.stderr
        );
        assert!(r.stderr.contains("killed:"), "{mode}: {}", r.stderr);
        assert_eq!(
            r.stderr.contains("invalid memory access"),
            mode.contains('-'),
            "{mode}: {}",
            r.stderr
        );
        assert_eq!(
            r.stderr.contains("stack overflow"),
            mode == "stack-overflow",
            "{mode}: {}",
            r.stderr
        );
    }
    // The stub write faults at the write itself (not later, when the
    // corrupted stub would run).
    let r = run(&guest("crash"), &["stub-write"], &[], "");
    assert!(
        r.stderr
            .contains("invalid memory access to 0xffffffff80200000 (write)"),
        "{}",
        r.stderr
    );
    let r = run(&guest("crash"), &["stub-jump"], &[], "");
    assert!(
        r.code == 128 + 11 || (0..=255).contains(&r.code),
        "stub-jump: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("host error"), "stub-jump: {}", r.stderr);
}

/// Where the stub page is (cpu.rs `STUBS_VA`); `LANG_TEST_STUBS` aims the
/// attacks at another address (the layout before the stub page moved was
/// 0xffffffff80002000), to show that they fail against an older host.
fn stub_page() -> u64 {
    std::env::var("LANG_TEST_STUBS")
        .ok()
        .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .unwrap_or(0xffff_ffff_8020_0000)
}

#[test]
fn the_stub_page_is_readable_from_ring_3() {
    if !kvm_available() {
        return;
    }
    let stubs = format!("{:x}", stub_page());
    let r = run(&guest("sysarea"), &["stub-read", &stubs], &[], "");
    assert_eq!(r.stdout, "stub e6 10 48 0f 07\n", "stderr: {}", r.stderr);
    assert_eq!(r.code, 0);
}

#[test]
fn the_system_area_cannot_be_written_or_executed_from_ring_3() {
    if !kvm_available() {
        return;
    }
    const KBASE: u64 = 0xffff_ffff_8000_0000;
    let stubs = stub_page();
    // Each attack must fault at its own first access: the fault's address
    // and kind are the attack's, not those of some later consequence.
    let cases = [
        ("stub-write", stubs, "write"),
        ("stub-write-exc", stubs + 0x160, "write"),
        ("attack", stubs + 0x800, "write"),
        ("gdt-write", KBASE + 0x28, "write"),
        ("idt-write", KBASE + 0x1000 + 6 * 16, "write"),
        ("tss-write", KBASE + 0x10004, "write"),
        ("kstack-write", KBASE + 0x11ff8, "write"),
        ("pml4-write", KBASE + 0x6000 + 511 * 8, "write"),
        ("gdt-exec", KBASE, "exec"),
        ("kstack-exec", KBASE + 0x11000, "exec"),
    ];
    let hex = format!("{stubs:x}");
    for (mode, addr, access) in cases {
        let r = run(&guest("sysarea"), &[mode, &hex], &[], "");
        assert_eq!(r.code, 128 + 11, "{mode}: stderr: {}", r.stderr);
        let want = format!("invalid memory access to {addr:#x} ({access})");
        assert!(
            r.stderr.contains(&want),
            "{mode}: want {want}: {}",
            r.stderr
        );
        assert!(!r.stdout.contains("survived"), "{mode}: {}", r.stdout);
    }
}

#[test]
fn port_io_from_ring_3_is_a_segfault() {
    if !kvm_available() {
        return;
    }
    // Only the syscall stub's own `out` to the syscall port is served; a
    // read of that port, any other port, or the same port written from
    // elsewhere or wider ends the guest as SIGSEGV, never as a host error.
    for mode in [
        "in-syscall-port",
        "in-other-port",
        "out-other-port",
        "out-exception-port",
        "out-dx-syscall-port",
        "outw-syscall-port",
    ] {
        let r = run(&guest("sysarea"), &[mode], &[], "");
        assert_eq!(r.code, 128 + 11, "{mode}: stderr: {}", r.stderr);
        assert!(r.stderr.contains("killed:"), "{mode}: {}", r.stderr);
        assert!(!r.stdout.contains("survived"), "{mode}: {}", r.stdout);
    }
}

#[test]
fn missing_or_bad_executable_is_an_error() {
    let cfg = GuestConfig::new("/nonexistent/guest", vec![]);
    assert!(matches!(run_guest(&cfg), Err(HostError::BadExecutable(_))));
    let not_elf = build_dir().join("not-elf");
    std::fs::write(&not_elf, b"#!/bin/sh\necho hi\n").unwrap();
    let cfg = GuestConfig::new(&not_elf, vec![]);
    assert!(matches!(run_guest(&cfg), Err(HostError::BadExecutable(_))));
    // A dynamically linked executable is refused, not run.
    let cfg = GuestConfig::new("/bin/true", vec![]);
    assert!(matches!(run_guest(&cfg), Err(HostError::BadExecutable(m)) if m.contains("static")));
}

#[test]
fn many_system_calls_keep_state_right() {
    if !kvm_available() {
        return;
    }
    let r = run(&guest("syscalls"), &["3000"], &[], "");
    assert_eq!(r.stdout, "calls=6000 bad=0\n", "stderr: {}", r.stderr);
    // The same without KVM_CAP_SYNC_REGS (register ioctls instead).
    let r = run(
        &guest("syscalls"),
        &["500"],
        &[("LANG_KVM_NO_SYNC_REGS", "1")],
        "",
    );
    assert_eq!(r.stdout, "calls=1000 bad=0\n", "stderr: {}", r.stderr);
}

#[test]
fn missing_kvm_device_is_reported_not_crashed() {
    let r = run(
        &guest("hello"),
        &[],
        &[("LANG_KVM_DEVICE", "/nonexistent/kvm")],
        "",
    );
    assert_eq!(r.code, 69, "stderr: {}", r.stderr);
    assert!(
        r.stderr.contains("KVM is not available: /nonexistent/kvm"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");
}

/// The real guest: the workspace's `lang` binary built statically runs
/// every example in a VM with the output `examples/*.out` records. Ignored
/// by default because the static build takes minutes; run it with
/// `RUSTFLAGS="-C target-feature=+crt-static" cargo build --release -p lang
/// --target x86_64-unknown-linux-gnu --target-dir target/static` and then
/// `cargo test -p lang-host -- --ignored` (or point LANG_STATIC_BIN at a
/// static `lang`).
#[test]
#[ignore]
fn static_lang_binary_runs_the_examples() {
    if !kvm_available() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = std::env::var_os("LANG_STATIC_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/static/x86_64-unknown-linux-gnu/release/lang"));
    assert!(
        bin.exists(),
        "build the static lang binary first: {}",
        bin.display()
    );
    let mut ran = 0;
    for entry in std::fs::read_dir(root.join("examples")).unwrap() {
        let src = entry.unwrap().path();
        if src.extension().and_then(|e| e.to_str()) != Some("src") {
            continue;
        }
        let Ok(expected) = std::fs::read_to_string(src.with_extension("out")) else {
            continue;
        };
        let src_s = src.to_str().unwrap();
        let r = run(&bin, &["run", src_s], &[("LANG_HOST_READABLE", src_s)], "");
        assert_eq!(r.stdout, expected, "{src_s}: stderr: {}", r.stderr);
        assert_eq!(r.code, 0, "{src_s}: stderr: {}", r.stderr);
        ran += 1;
    }
    assert!(ran > 0, "no examples found");
}

#[test]
fn exit_and_timeout_stop_threads_blocked_in_the_host() {
    if !kvm_available() {
        return;
    }
    // stdin stays open (the pipe's writer is the test), so the reader
    // thread really blocks in the host's read().
    let r = run_open_stdin(&guest("blocked"), &["exit"], &[]);
    assert_eq!(r.stdout, "blocked\n", "stderr: {}", r.stderr);
    assert_eq!(r.code, 5);
    let r = run_open_stdin(
        &guest("blocked"),
        &["spin"],
        &[("LANG_HOST_TIMEOUT", "300")],
    );
    assert_eq!(r.stdout, "blocked\n", "stderr: {}", r.stderr);
    assert!(r.stderr.contains("timed out"), "{}", r.stderr);
    assert_eq!(r.code, 124);
}

/// Parses a number from the environment variable `name`, or `default`.
fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// The seeded system-call fuzzer (tests/guests/fuzz.c). CI runs a few
/// seeds briefly; by hand, `LANG_HOST_FUZZ_SEEDS=200
/// LANG_HOST_FUZZ_ITERATIONS=20000 cargo test -p lang-host --test host
/// fuzz` runs seeds 1..=200 for longer (`LANG_HOST_FUZZ_FIRST_SEED` moves
/// the range). Every other seed also fuzzes from three more threads at
/// once. The guest must finish its iterations or end with a signal status,
/// and the host must return.
#[test]
fn seeded_syscall_fuzzer_never_breaks_the_host() {
    if !kvm_available() {
        return;
    }
    let first = env_number("LANG_HOST_FUZZ_FIRST_SEED", 1);
    let seeds = env_number("LANG_HOST_FUZZ_SEEDS", 4);
    let iterations = env_number("LANG_HOST_FUZZ_ITERATIONS", 1500);
    let exe = guest("fuzz");
    for seed in first..first + seeds {
        let threads = if seed % 2 == 0 { 3 } else { 0 };
        let args = [
            seed.to_string(),
            iterations.to_string(),
            threads.to_string(),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = spawn(&exe, &args, &[]);
        // Standard input at its end: reads of fd 0 return at once.
        drop(child.stdin.take());
        let r = finish_or_fail(child, &format!("fuzz seed {seed}"));
        let calls = iterations * (threads + 1);
        let finished = r.code == 0 && r.stdout.ends_with(&format!("survived {calls} calls\n"));
        let signalled = (129..=159).contains(&r.code) && r.stderr.contains("killed:");
        let tail: String = r.stdout.chars().rev().take(200).collect();
        let tail: String = tail.chars().rev().collect();
        assert!(
            finished || signalled,
            "seed {seed}: exit {} stdout tail {tail:?} stderr: {}",
            r.code,
            r.stderr
        );
    }
}

#[test]
fn invalid_times_signals_limits_and_file_changes_get_their_errors() {
    if !kvm_available() {
        return;
    }
    let r = run(&guest("edges"), &["errors"], &[], "");
    assert_eq!(r.code, 0, "stdout: {} stderr: {}", r.stdout, r.stderr);
    let expected = "nanosleep ns=-1: EINVAL\n\
                    nanosleep ns=1e9: EINVAL\n\
                    nanosleep s=-1: EINVAL\n\
                    nanosleep 1us: 0\n\
                    clock_nanosleep clock 99 abs: EINVAL\n\
                    clock_nanosleep clock -1: EINVAL\n\
                    clock_nanosleep thread cputime: EINVAL\n\
                    clock_nanosleep ns=1e9: EINVAL\n\
                    clock_nanosleep realtime abs past: 0\n\
                    clock_nanosleep monotonic 1us: 0\n\
                    futex wait ns=-1: EINVAL\n\
                    futex wait 1us: ETIMEDOUT\n\
                    ppoll ns=1e9: EINVAL\n\
                    tgkill self sig 0: 0\n\
                    tgkill other process: ESRCH\n\
                    tgkill own pid, other tid: ESRCH\n\
                    tgkill tid 0: EINVAL\n\
                    tkill other thread: ESRCH\n\
                    tkill self sig 0: 0\n\
                    kill other process: EPERM\n\
                    kill self sig 99: EINVAL\n\
                    prlimit64 set: EPERM\n\
                    prlimit64 get: 0\n\
                    nofile 256\n\
                    prlimit64 set and get: EPERM\n\
                    prlimit64 other process: ESRCH\n\
                    setrlimit: EPERM\n";
    let fs_calls = [
        "rmdir",
        "unlink",
        "unlinkat",
        "mkdir",
        "mkdirat",
        "rename",
        "renameat2",
        "link",
        "linkat",
        "symlink",
        "symlinkat",
        "chmod",
        "fchmod",
        "fchmodat",
        "chown",
        "fchown",
        "lchown",
        "fchownat",
        "truncate",
        "ftruncate",
        "creat",
        "mknod",
        "mknodat",
        "utimensat",
        "utimes",
        "chdir",
        "fchdir",
        "chroot",
        "mount",
        "umount2",
    ];
    let mut expected = expected.to_string();
    for c in fs_calls {
        expected.push_str(&format!("{c}: EACCES\n"));
    }
    assert_eq!(r.stdout, expected, "stderr: {}", r.stderr);
}

/// Pointers with any of bits 48..63 set are not user addresses, even when
/// their low 48 bits name a user buffer: the page walk ignores those bits,
/// so a host that only walked the page tables read and wrote the aliased
/// buffer (seed 101 of the fuzzer slept for 117,713,097,129,984 s that
/// way, reading a timespec from its scratch memory through
/// 0x8000_7eff_ffdf_ffcf). Each must be EFAULT and leave the buffer alone.
#[test]
fn non_canonical_pointers_are_efault_not_aliases_of_user_memory() {
    if !kvm_available() {
        return;
    }
    let child = spawn(&guest("aliases"), &[], &[]);
    let r = finish_or_fail(child, "aliases");
    assert_eq!(r.code, 0, "stdout: {} stderr: {}", r.stdout, r.stderr);
    let mut expected = String::new();
    for high in ["bit 63", "bit 48", "bits 48..63"] {
        for call in ["nanosleep", "futex wait", "write", "clock_gettime", "uname"] {
            expected.push_str(&format!("{high} {call}: EFAULT\n"));
        }
    }
    assert_eq!(r.stdout, expected, "stderr: {}", r.stderr);
}

#[test]
fn sleeping_for_ever_does_not_outlive_exit_or_timeout() {
    if !kvm_available() {
        return;
    }
    // Threads sleep for INT64_MAX seconds in nanosleep, clock_nanosleep
    // and FUTEX_WAIT while the main thread exits: the host must return the
    // exit status, not panic or wait for them.
    let child = spawn(&guest("edges"), &["forever"], &[]);
    let r = finish_or_fail(child, "edges forever");
    assert_eq!(r.stdout, "sleeping\n", "stderr: {}", r.stderr);
    assert_eq!(r.code, 3, "stderr: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    // Every thread sleeping for ever, the main one too: the timeout ends it.
    let child = spawn(&guest("edges"), &["hang"], &[("LANG_HOST_TIMEOUT", "300")]);
    let r = finish_or_fail(child, "edges hang");
    assert_eq!(r.stdout, "sleeping\n", "stderr: {}", r.stderr);
    assert!(r.stderr.contains("timed out"), "{}", r.stderr);
    assert_eq!(r.code, 124, "stderr: {}", r.stderr);
}

/// The number of memory mappings of process `pid`, from /proc. A host
/// thread that ended but was never joined keeps its stack and guard page
/// mapped, so unjoined threads show up here (not in the thread count).
fn host_mappings(pid: u32) -> usize {
    std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .unwrap()
        .lines()
        .count()
}

#[test]
fn exited_guest_threads_are_joined() {
    if !kvm_available() {
        return;
    }
    // 3000 guest threads come and go one after the other; once the guest
    // sits in read(0) with only its main thread left, the host process
    // must hold the stacks of a handful of threads, not of every guest
    // thread ever run (those used to pile up until the host aborted at
    // about 33,700 threads, out of mappings).
    use std::io::BufRead;
    let mut child = spawn(&guest("cycles"), &["3000"], &[]);
    let stdin = child.stdin.take().unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("done") {
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
    }
    assert_eq!(line, "done 3000\n");
    let mappings = host_mappings(child.id());
    drop(stdin);
    let r = finish_or_fail(child, "cycles");
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    // About 70 mappings for the test binary, guest RAM and a few threads;
    // unjoined threads would add two each (6,000 more).
    assert!(
        mappings < 1000,
        "{mappings} host mappings after 3000 guest threads"
    );
}

#[test]
fn timeout_stops_a_guest_blocked_on_a_stalled_stdout() {
    if !kvm_available() {
        return;
    }
    // Nobody reads the guest's stdout: once the pipe is full, the main
    // thread and three more block in the host's write(). The timeout must
    // still end the guest with 124.
    let mut child = spawn(&guest("stall"), &["3"], &[("LANG_HOST_TIMEOUT", "300")]);
    let stalled = child.stdout.take().unwrap();
    let r = finish_or_fail(child, "stall");
    drop(stalled);
    assert!(r.stderr.contains("timed out"), "{}", r.stderr);
    assert_eq!(r.code, 124, "stderr: {}", r.stderr);
}

#[test]
fn stopping_never_loses_a_thread_entering_read() {
    if !kvm_available() {
        return;
    }
    // Sixty-four threads enter a blocking read(0) (stdin open and empty)
    // while the main thread calls exit_group; repeated, because the stop
    // signal used to be lost when it landed between KVM_RUN returning and
    // read() blocking. Every run must end with the guest's status.
    let runs: usize = std::env::var("LANG_HOST_READRACE_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);
    let exe = guest("readrace");
    for i in 0..runs {
        let mut child = spawn(&exe, &["64"], &[]);
        let stdin = child.stdin.take().unwrap();
        let r = finish_or_fail(child, &format!("readrace run {i}"));
        drop(stdin);
        assert_eq!(r.code, 9, "run {i}: stderr: {}", r.stderr);
    }
}
