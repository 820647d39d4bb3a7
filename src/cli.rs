//! The command line as clap sees it: commands, arguments and help text.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// lang: a small statically typed language on a portable, verified bytecode VM.
#[derive(Parser, Debug)]
#[command(name = "lang", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile (if source) and run FILE, `.src` or `.bc` (`-`: read it from stdin); the rest goes to args().
    Run {
        #[command(flatten)]
        gc: GcArgs,
        #[command(flatten)]
        kvm: KvmArgs,
        #[command(flatten)]
        jit: JitArgs,
        #[command(flatten)]
        snapshot: SnapshotArgs,
        /// The program (source text or bytecode, told apart by its first
        /// bytes), then the arguments for its `args()`. Every word after
        /// FILE belongs to the program, even one that looks like an option
        /// of `lang run`: options go before FILE.
        #[arg(
            value_names = ["FILE", "ARGS"],
            required = true,
            num_args = 1..,
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        program: Vec<std::ffi::OsString>,
    },
    /// Compile FILE.src to portable bytecode.
    Build {
        file: PathBuf,
        /// Where to write the bytecode; defaults to FILE with the extension `.bc`.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Report every compile error and warning in FILE.src without running
    /// anything.
    Check {
        file: PathBuf,
        /// Treat warnings as errors: report them as errors and exit 65.
        #[arg(long = "deny-warnings")]
        deny_warnings: bool,
    },
    /// Rewrite FILES in the canonical style (`-`: read stdin, write stdout).
    Fmt {
        /// Change nothing: list the files that are not formatted, exit 1 if any.
        #[arg(long = "check")]
        check: bool,
        #[arg(required = true, value_name = "FILES")]
        files: Vec<PathBuf>,
    },
    /// Run the test functions (`test fn name() { ... }`) of PATH: a source
    /// file, or every `.src` file under a directory (default: the current
    /// one), each test in a run of its own.
    Test {
        /// Run only the tests whose full name (`FILE::name`) contains
        /// SUBSTRING.
        #[arg(long = "filter", value_name = "SUBSTRING")]
        filter: Option<String>,
        path: Option<PathBuf>,
    },
    /// A language server over stdin and stdout (LSP), for editors:
    /// diagnostics as you type, formatting, document symbols.
    Lsp,
    /// Run the one test NAME of FILE: what `lang test` starts for each test.
    #[command(name = "run-test", hide = true)]
    RunTest { file: PathBuf, name: String },
    /// Print a readable listing of the bytecode of FILE (`.src` or `.bc`).
    Disasm { file: PathBuf },
    /// The interactive REPL (also what `lang` alone starts).
    Repl,
    /// Continue a run saved in a snapshot image (`lang run --snapshot-to`),
    /// on this machine or any other, under any GC plan and JIT mode.
    Resume {
        #[command(flatten)]
        gc: GcArgs,
        #[command(flatten)]
        jit: JitArgs,
        #[command(flatten)]
        snapshot: SnapshotArgs,
        /// The image to resume.
        image: PathBuf,
    },
    /// Inspect snapshot images.
    Image {
        #[command(subcommand)]
        action: ImageCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImageCommand {
    /// Describe an image: format, code, heap by kind, frames, where it stopped.
    Info { image: PathBuf },
    /// Check an image as a resume would (format, checksum, code, every
    /// value and frame), and that it re-encodes to the same bytes.
    Verify { image: PathBuf },
}

/// Snapshots of the running program (`spec/snapshot.md`); options go
/// before FILE.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SnapshotArgs {
    /// Write a snapshot image of the running program to FILE, when
    /// --snapshot-at or --checkpoint-every says; `lang resume FILE`
    /// continues it. Such a run is interpreted only (no JIT).
    #[arg(long = "snapshot-to", value_name = "FILE")]
    pub to: Option<PathBuf>,
    /// When to write the image: `safepoint:N` (at the Nth safepoint: a loop
    /// back edge, a function entry or a wait for input; 0 is where the run
    /// or resume starts; then exit 0),
    /// `first-read` (just before the program first reads stdin; then exit
    /// 0), `signal` (SIGUSR1 writes one and the run goes on, SIGUSR2 writes
    /// one and exits 0).
    #[arg(long = "snapshot-at", value_name = "WHEN", value_parser = parse_snapshot_at, requires = "to")]
    pub at: Option<lang_vm::snapshot::SnapshotWhen>,
    /// Write the image every SECS seconds as the program runs, each one
    /// replacing the last atomically (the last good image survives a
    /// crash); from 0.01 to 1000000.
    #[arg(long = "checkpoint-every", value_name = "SECS", value_parser = parse_period, requires = "to", conflicts_with = "at")]
    pub every: Option<std::time::Duration>,
}

impl SnapshotArgs {
    /// The request these options make, or a usage error when `--snapshot-to`
    /// says where but nothing says when.
    pub fn request(
        &self,
    ) -> Result<Option<lang_vm::snapshot::SnapshotRequest>, crate::load::Failure> {
        let Some(path) = self.to.clone() else {
            return Ok(None);
        };
        let when = match (self.at, self.every) {
            (Some(at), _) => at,
            (None, Some(period)) => lang_vm::snapshot::SnapshotWhen::Every(period),
            (None, None) => {
                return Err(crate::load::Failure {
                    message: "error: --snapshot-to needs --snapshot-at WHEN or --checkpoint-every SECS to say when".into(),
                    code: crate::exit::USAGE,
                })
            }
        };
        Ok(Some(lang_vm::snapshot::SnapshotRequest { path, when }))
    }
}

/// `safepoint:N`, `first-read` or `signal`.
fn parse_snapshot_at(s: &str) -> Result<lang_vm::snapshot::SnapshotWhen, String> {
    use lang_vm::snapshot::SnapshotWhen;
    match s {
        "first-read" => Ok(SnapshotWhen::FirstRead),
        "signal" => Ok(SnapshotWhen::Signal),
        _ => match s.strip_prefix("safepoint:").map(str::parse::<u64>) {
            Some(Ok(n)) => Ok(SnapshotWhen::Safepoint(n)),
            Some(_) => {
                Err("expected safepoint:N with N a whole number (0: where the run starts)".into())
            }
            None => Err("expected safepoint:N, first-read or signal".into()),
        },
    }
}

/// The shortest `--checkpoint-every` period: writing images more often
/// than a hundred times a second would be most of what the run does.
const MIN_CHECKPOINT_SECS: f64 = 0.01;

/// `--checkpoint-every SECS`.
fn parse_period(s: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| "expected a number of seconds, such as 60 or 0.5".to_string())?;
    if !(secs.is_finite() && (MIN_CHECKPOINT_SECS..=MAX_TIMEOUT_SECS).contains(&secs)) {
        return Err(format!(
            "the period is from {MIN_CHECKPOINT_SECS} to {MAX_TIMEOUT_SECS} seconds"
        ));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// Host mode: running the program inside a minimal KVM virtual machine.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct KvmArgs {
    /// Run the program hardware-isolated, inside a minimal KVM virtual
    /// machine that can reach nothing but stdio and the program file.
    #[arg(long = "kvm")]
    pub kvm: bool,
    /// With --kvm: the guest's memory (K, M, G, T suffixes; default 1G,
    /// from 8M to 64T).
    #[arg(long = "kvm-mem", value_name = "SIZE", value_parser = parse_guest_memory, requires = "kvm")]
    pub memory: Option<u64>,
    /// With --kvm: stop the program after SECS seconds (exit status 124);
    /// a positive number up to 1000000 (about 11.6 days).
    #[arg(long = "timeout", value_name = "SECS", value_parser = parse_timeout, requires = "kvm")]
    pub timeout: Option<f64>,
    /// With --kvm: print the host's timings to stderr at the end.
    #[arg(long = "kvm-timings", requires = "kvm")]
    pub timings: bool,
}

/// How `lang run` sets up the heap and the collector (options go before FILE).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GcArgs {
    /// The collector plan, by MMTk's name in any case: GenImmix (the
    /// default), GenCopy, StickyImmix, Immix, SemiSpace, MarkSweep, NoGC.
    #[arg(long = "gc", value_name = "PLAN", value_parser = parse_plan)]
    pub plan: Option<lang_vm::GcPlan>,
    /// The heap limit: bytes, or a number with K, M, G (powers of 1024),
    /// e.g. 512K, 64M, 1G (default 1G; the heap starts at 48M and grows with
    /// the live data). Past it the program ends with `out of memory`.
    #[arg(long = "heap-max", value_name = "SIZE", value_parser = parse_size)]
    pub heap_max: Option<usize>,
    /// GC worker threads (default: one fewer than the CPUs, at least one).
    #[arg(long = "gc-threads", value_name = "N", value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// Print collector statistics to stderr when the program ends.
    #[arg(long = "gc-stats")]
    pub stats: bool,
    /// Stress test: force a collection every N allocations.
    #[arg(long = "gc-stress", value_name = "N", value_parser = parse_stress)]
    pub stress: Option<u64>,
}

/// How `lang run` uses the JIT (options go before FILE).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct JitArgs {
    /// Compile functions to machine code: `off` (interpret everything),
    /// `on` (compile a function once it is called often), `always`
    /// (compile every function at its first call). Without it, the
    /// environment variable LANG_JIT decides, then the default, `on`.
    #[arg(long = "jit", value_name = "MODE", value_parser = parse_jit_mode)]
    pub mode: Option<lang_vm::JitMode>,
    /// Print the JIT's statistics to stderr when the program ends.
    #[arg(long = "jit-stats")]
    pub jit_stats: bool,
    /// With --jit=on: compile a function after N calls (default 100), and
    /// a loop after 10×N backward branches. Low values are for tests.
    #[arg(long = "jit-threshold", value_name = "N", value_parser = parse_threshold)]
    pub threshold: Option<u32>,
    /// With --jit=on: compile on N threads beside the program (0 to 4),
    /// which keeps running interpreted meanwhile; 0 compiles on the
    /// program's own thread, which waits. Default: 1 on a machine with two
    /// or more processors, else 0.
    // Not `threads`: clap names an argument after its field, and
    // `GcArgs::threads` (`--gc-threads`) has that name.
    #[arg(long = "jit-threads", value_name = "N", value_parser = parse_jit_threads)]
    pub jit_threads: Option<usize>,
    /// With --jit=on: the highest tier functions are compiled at, 1 or 2
    /// (the default): 1 never recompiles from profiles, for measuring
    /// what tier 2 gains.
    #[arg(long = "jit-max-tier", value_name = "N", value_parser = parse_max_tier)]
    pub max_tier: Option<u8>,
}

/// The environment variable that picks the JIT mode when `--jit` is not
/// given (for test harnesses that run many `lang run`s).
pub const JIT_ENV: &str = "LANG_JIT";

impl JitArgs {
    /// The mode of this run: `--jit`, else `LANG_JIT`, else on. A
    /// `LANG_JIT` that names no mode is a usage error.
    pub fn resolved_mode(&self) -> Result<lang_vm::JitMode, crate::load::Failure> {
        if let Some(mode) = self.mode {
            return Ok(mode);
        }
        match std::env::var(JIT_ENV) {
            Err(_) => Ok(lang_vm::JitMode::On),
            Ok(word) => parse_jit_mode(&word).map_err(|why| crate::load::Failure {
                message: format!("error: invalid value '{word}' of {JIT_ENV}: {why}"),
                code: crate::exit::USAGE,
            }),
        }
    }
}

fn parse_jit_mode(s: &str) -> Result<lang_vm::JitMode, String> {
    lang_vm::JitMode::from_name(s).ok_or_else(|| "expected off, on or always".to_string())
}

/// `lang run`'s words from FILE on: the program file, and its arguments as
/// text (bytes that are not UTF-8 become U+FFFD, as `args()` holds `str`s).
pub fn split_program(program: Vec<std::ffi::OsString>) -> (PathBuf, Vec<String>) {
    let mut words = program.into_iter();
    // clap requires at least one word, so FILE is always there; an empty
    // path would only fail to open, with a clear message.
    let file = PathBuf::from(words.next().unwrap_or_default());
    let args = words.map(|w| w.to_string_lossy().into_owned()).collect();
    (file, args)
}

/// A FILE that starts with `-` and names no file is a mistyped or misplaced
/// option (`lang run --heap-mx 1M p.src`), not a program: say so, as clap
/// would have, rather than "cannot read --heap-mx".
pub fn mistyped_option(file: &std::path::Path) -> Option<crate::load::Failure> {
    let word = file.to_string_lossy();
    if !word.starts_with('-') || crate::load::is_stdin(file) || file.exists() {
        return None;
    }
    Some(crate::load::Failure {
        message: format!(
            "error: unexpected option '{word}' for 'lang run'; options go before FILE\n\n\
             For more information, try 'lang run --help'."
        ),
        code: crate::exit::USAGE,
    })
}

/// Every plan's name, for messages.
fn plan_names() -> String {
    lang_vm::GcPlan::ALL
        .iter()
        .map(|p| p.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_plan(s: &str) -> Result<lang_vm::GcPlan, String> {
    lang_vm::GcPlan::from_name(s)
        .ok_or_else(|| format!("unknown GC plan; the plans are {}", plan_names()))
}

/// The smallest heap limit accepted: below it no program gets going.
const MIN_HEAP: u64 = 256 << 10;
/// The largest heap limit accepted (the runtime's ceiling).
const MAX_HEAP: u64 = lang_vm::MAX_HEAP_BYTES as u64;

/// Largest `--timeout`: far beyond any run the option is meant to bound,
/// and small enough that the deadline (now + timeout) can never overflow.
pub const MAX_TIMEOUT_SECS: f64 = 1e6;

/// `--timeout SECS`: a finite number of seconds, above 0 and at most
/// `MAX_TIMEOUT_SECS`.
fn parse_timeout(s: &str) -> Result<f64, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| "expected a number of seconds, such as 10 or 0.5".to_string())?;
    if !(secs.is_finite() && secs > 0.0) {
        return Err("the timeout must be a positive number of seconds".to_string());
    }
    if secs > MAX_TIMEOUT_SECS {
        return Err(format!("the timeout is at most {MAX_TIMEOUT_SECS} seconds"));
    }
    Ok(secs)
}

/// `--kvm-mem SIZE`: guest memory within what the host layer accepts.
fn parse_guest_memory(s: &str) -> Result<u64, String> {
    let (min, max) = (lang_host::MIN_MEMORY_LIMIT, lang_host::MAX_MEMORY_LIMIT);
    match parse_bytes(s)? {
        Some(b) if b < min => Err(format!("the guest memory is at least {}M", min >> 20)),
        Some(b) if b <= max => Ok(b),
        _ => Err(format!("the guest memory is at most {}T", max >> 40)),
    }
}

/// A size in bytes, for the heap limit (`--heap-max`).
pub fn parse_size(s: &str) -> Result<usize, String> {
    let bytes = parse_bytes(s)?
        .filter(|b| *b <= MAX_HEAP)
        .ok_or_else(|| format!("the heap limit is at most {}G", MAX_HEAP >> 30))?;
    if bytes < MIN_HEAP {
        return Err(format!("the heap limit is at least {}K", MIN_HEAP >> 10));
    }
    usize::try_from(bytes).map_err(|_| "too large".to_string())
}

/// `4096`, `512K`, `64M`, `1G`, `2T`; also `64MB`, `64MiB`, any case. None
/// when the size does not fit in 64 bits.
fn parse_bytes(s: &str) -> Result<Option<u64>, String> {
    let t = s.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = t.split_at(digits);
    let n: u64 = num
        .parse()
        .map_err(|_| "expected a size such as 65536, 512K, 64M or 1G".to_string())?;
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("unknown size unit `{unit}`; use K, M or G")),
    };
    Ok(n.checked_mul(1u64 << shift))
}

fn parse_threads(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=1024).contains(&n) => Ok(n),
        _ => Err("expected a number of threads from 1 to 1024".to_string()),
    }
}

fn parse_threshold(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("expected a number of calls from 1 to {}", u32::MAX)),
    }
}

fn parse_max_tier(s: &str) -> Result<u8, String> {
    match s.parse::<u8>() {
        Ok(n @ 1..=2) => Ok(n),
        _ => Err("expected tier 1 or 2".to_string()),
    }
}

fn parse_jit_threads(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n <= lang_vm::MAX_JIT_THREADS => Ok(n),
        _ => Err(format!(
            "expected a number of threads from 0 to {}",
            lang_vm::MAX_JIT_THREADS
        )),
    }
}

fn parse_stress(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a positive number of allocations".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// clap checks the definitions (unique argument names and the rest)
    /// only when a command line is parsed; this checks them for every
    /// command at once.
    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    /// `--heap-max`'s help gives the heap's real starting size.
    #[test]
    fn the_help_gives_the_starting_heap() {
        use clap::CommandFactory;
        let help = Cli::command()
            .find_subcommand_mut("run")
            .map(|run| run.render_long_help().to_string())
            .unwrap_or_default();
        let starts = format!("the heap starts at {}M", lang_vm::INITIAL_HEAP_BYTES >> 20);
        assert!(help.contains(&starts), "no `{starts}` in:\n{help}");
    }

    /// `--jit-threads` and `--gc-threads` are two arguments: the one
    /// given sets its own field and leaves the other alone.
    #[test]
    fn jit_and_gc_threads_are_separate() {
        let parsed = |args: &[&str]| match Cli::try_parse_from(args) {
            Ok(Cli {
                command: Some(Command::Run { gc, jit, .. }),
                ..
            }) => Some((gc.threads, jit.jit_threads)),
            _ => None,
        };
        assert_eq!(
            parsed(&["lang", "run", "--jit-threads=0", "p.src"]),
            Some((None, Some(0)))
        );
        assert_eq!(
            parsed(&["lang", "run", "--gc-threads=3", "--jit-threads=2", "p.src"]),
            Some((Some(3), Some(2)))
        );
    }

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert!(parse_size("").is_err());
        assert!(parse_size("M").is_err());
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("-1M").is_err());
        assert!(parse_size("1K").is_err());
        assert!(parse_size("100000T").is_err());
        assert!(parse_size("99999999999999999999").is_err());
    }

    #[test]
    fn guest_memory_has_its_own_range_and_words() {
        assert_eq!(parse_guest_memory("64M"), Ok(64 << 20));
        assert_eq!(parse_guest_memory("8M"), Ok(8 << 20));
        assert_eq!(parse_guest_memory("64T"), Ok(64 << 40));
        let small = parse_guest_memory("1M").unwrap_err();
        assert!(small.contains("guest memory is at least 8M"), "{small}");
        let big = parse_guest_memory("65T").unwrap_err();
        assert!(big.contains("guest memory is at most 64T"), "{big}");
        let huge = parse_guest_memory("99999999999T").unwrap_err();
        assert!(huge.contains("guest memory"), "{huge}");
        assert!(parse_guest_memory("12Q").is_err());
    }

    #[test]
    fn timeouts_are_positive_finite_and_bounded() {
        assert_eq!(parse_timeout("2"), Ok(2.0));
        assert_eq!(parse_timeout("0.25"), Ok(0.25));
        assert_eq!(parse_timeout("1e6"), Ok(1e6));
        for bad in ["0", "-1", "nan", "inf", "1e19", "1000001", "soon", ""] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
        assert!(parse_timeout("1e19").unwrap_err().contains("at most"));
    }

    #[test]
    fn snapshot_points_parse() {
        use lang_vm::snapshot::SnapshotWhen;
        assert_eq!(
            parse_snapshot_at("safepoint:3"),
            Ok(SnapshotWhen::Safepoint(3))
        );
        assert_eq!(parse_snapshot_at("first-read"), Ok(SnapshotWhen::FirstRead));
        assert_eq!(parse_snapshot_at("signal"), Ok(SnapshotWhen::Signal));
        assert_eq!(
            parse_snapshot_at("safepoint:0"),
            Ok(SnapshotWhen::Safepoint(0))
        );
        for bad in ["safepoint:", "safepoint:-1", "safepoint:x", "soon", ""] {
            assert!(parse_snapshot_at(bad).is_err(), "{bad}");
        }
        assert!(parse_period("0.5").is_ok());
        for bad in ["0", "0.001", "-1", "nan", "1e9", "x"] {
            assert!(parse_period(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plans_parse_in_any_case() {
        assert_eq!(parse_plan("semispace"), Ok(lang_vm::GcPlan::SemiSpace));
        assert_eq!(parse_plan("GenImmix"), Ok(lang_vm::GcPlan::GenImmix));
        assert!(parse_plan("G1").unwrap_err().contains("SemiSpace"));
    }
}
