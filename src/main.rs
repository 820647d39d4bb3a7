//! `lang`: the command-line front of the compiler and the runtime.
//!
//! It stays thin: parsing the command line, reading files, choosing exit
//! codes and printing errors. The work happens in lang-compiler,
//! lang-bytecode and lang-vm.

mod build_id;
mod cli;
mod exit;
mod fmt_cmd;
mod image_cmd;
mod kvm;
mod load;
mod lsp;
mod repl;
mod test_cmd;
mod test_files;

use clap::Parser;
use cli::{Cli, Command};
use lang_vm::startup_trace;
use load::Failure;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The stack of the thread that compiles and runs programs. Language calls
/// never recurse on the Rust stack, but the compiler walks nested syntax
/// recursively, and printing nested values recurses; 256 MiB is reserved
/// address space, touched only as deep as a program actually nests.
const WORKER_STACK_BYTES: usize = 256 << 20;

/// The prelude's interface, made by the build script
/// (`lang_compiler::check::interface`): compiles load it instead of
/// parsing and declaring the prelude.
static PRELUDE_INTERFACE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/prelude.interface"));

fn main() {
    startup_trace::begin();
    lang_compiler::check::interface::install(PRELUDE_INTERFACE);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            std::process::exit(if e.use_stderr() { exit::USAGE } else { 0 });
        }
    };
    startup_trace::mark("parse arguments");
    let heap_to_prestart = match &cli.command {
        Some(Command::Run { gc, kvm, .. }) if !kvm.kvm => {
            Some((gc.plan.unwrap_or_default(), gc.threads, gc.heap_max))
        }
        Some(Command::Resume { gc, .. }) => {
            Some((gc.plan.unwrap_or_default(), gc.threads, gc.heap_max))
        }
        _ => None,
    };
    let prestarting = heap_to_prestart.is_some();
    let worker = std::thread::Builder::new()
        .name("lang".into())
        .stack_size(WORKER_STACK_BYTES)
        .spawn(move || {
            startup_trace::mark("worker thread");
            let code = dispatch(cli);
            if prestarting {
                // The main thread may still be starting the heap, for a
                // program that failed to compile or never needed it: end
                // the process now rather than wait for a heap nobody uses.
                let _ = std::io::stdout().flush();
                exit_process(code);
            }
            code
        });
    // While the worker reads and compiles the program, this thread starts
    // the heap, which takes several times as long as compiling a small
    // program. A failure here is not reported: the run meets it again
    // when it asks for the heap, and reports it there.
    if let (Ok(_), Some((plan, threads, heap_max))) = (&worker, heap_to_prestart) {
        let _ = std::panic::catch_unwind(|| lang_vm::prestart_heap(plan, threads, heap_max));
    }
    let code = match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => {
            eprintln!("error: internal error (the runtime panicked); please report this bug");
            exit::INTERNAL_ERROR
        }
        Err(e) => {
            eprintln!("error: cannot start the runtime thread: {e}");
            exit::RUNTIME_ERROR
        }
    };
    exit_process(code);
}

/// Ends the process with `code`, after the start-up trace when
/// `LANG_TRACE_STARTUP=1` asks for it (`lang_vm::startup_trace`).
fn exit_process(code: i32) -> ! {
    startup_trace::mark("exit");
    if let Some(report) = startup_trace::report() {
        eprint!("{report}");
    }
    std::process::exit(code);
}

fn dispatch(cli: Cli) -> i32 {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let result = match cli.command {
        Some(Command::Run {
            gc,
            kvm,
            jit,
            snapshot,
            program,
        }) => {
            let (file, args) = cli::split_program(program);
            if let Some(f) = cli::mistyped_option(&file) {
                return report(Err(f));
            }
            let jit_mode = match jit.resolved_mode() {
                Ok(mode) => mode,
                Err(f) => return report(Err(f)),
            };
            let snapshot = match snapshot.request() {
                Ok(request) => request,
                Err(f) => return report(Err(f)),
            };
            if kvm.kvm && snapshot.is_some() {
                return report(Err(Failure {
                    message: "error: --kvm cannot take snapshots yet; run without --kvm to use --snapshot-to".into(),
                    code: exit::USAGE,
                }));
            }
            if kvm.kvm && load::is_stdin(&file) {
                // The guest reads its program from a file the host grants
                // it; stdin is the program's own input there.
                return report(Err(Failure {
                    message:
                        "error: --kvm cannot run a program read from stdin (`-`); save it to a file"
                            .into(),
                    code: exit::USAGE,
                }));
            }
            if kvm.kvm {
                kvm::run(&kvm::KvmRun {
                    file: &file,
                    args: &args,
                    gc: &gc,
                    memory: kvm.memory,
                    timeout: kvm.timeout,
                    timings: kvm.timings,
                    jit: jit_mode,
                    jit_stats: jit.jit_stats,
                    jit_threshold: jit.threshold,
                    jit_threads: jit.jit_threads,
                    jit_max_tier: jit.max_tier,
                })
            } else {
                run(&file, args, &gc, (jit_mode, &jit), snapshot, color)
            }
        }
        Some(Command::Resume {
            gc,
            jit,
            snapshot,
            image,
        }) => resume(&image, &gc, &jit, &snapshot),
        Some(Command::Image { action }) => match action {
            cli::ImageCommand::Info { image } => image_cmd::info(&image),
            cli::ImageCommand::Verify { image } => image_cmd::verify(&image),
        },
        Some(Command::Build { file, output }) => build(&file, output, color),
        Some(Command::Check {
            file,
            deny_warnings,
        }) => check(&file, deny_warnings, color),
        Some(Command::Disasm { file }) => disasm(&file, color),
        Some(Command::Test { filter, path }) => {
            test_cmd::run(path.as_deref(), filter.as_deref(), color)
        }
        Some(Command::RunTest { file, name }) => run_test(&file, &name, color),
        Some(Command::Fmt { check, files }) => fmt_cmd::run(&files, check, color),
        Some(Command::Lsp) => Ok(lsp::run()),
        Some(Command::Repl) | None => Ok(repl::run(lang_vm::VmOptions::default())),
    };
    report(result)
}

/// The exit code of a command, printing its failure first.
fn report(result: Result<i32, Failure>) -> i32 {
    match result {
        Ok(code) => code,
        Err(f) => {
            let _ = std::io::stdout().flush();
            eprint!("{}", with_newline(&f.message));
            f.code
        }
    }
}

fn with_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

fn run(
    file: &Path,
    args: Vec<String>,
    gc: &cli::GcArgs,
    (jit_mode, jit): (lang_vm::JitMode, &cli::JitArgs),
    snapshot: Option<lang_vm::snapshot::SnapshotRequest>,
    color: bool,
) -> Result<i32, Failure> {
    let module = load::load(file, color, load::Warnings::IfTerminal)?;
    let mut program_args = vec![load::display_name(file)];
    program_args.extend(args);
    let opts = vm_options(program_args, gc, (jit_mode, jit), snapshot);
    finish(lang_vm::run(module, opts), gc.stats, jit.jit_stats)
}

/// `lang run-test FILE NAME`: runs the test NAME of FILE after the
/// program's top-level statements, as `lang run` runs `main`; `lang test`
/// starts one such process per test, so that each is isolated.
fn run_test(file: &Path, name: &str, color: bool) -> Result<i32, Failure> {
    let bytes = load::read(file)?;
    let entry = lang_compiler::Entry::Test(name);
    let module = load::compile_source_with(file, &bytes, color, entry, load::Warnings::Quiet)?;
    let verified = lang_bytecode::verify(module).map_err(|e| Failure {
        message: format!("error: {}: {e}", load::display_name(file)),
        code: exit::DATA_ERROR,
    })?;
    let jit = cli::JitArgs::default();
    let opts = vm_options(
        vec![load::display_name(file)],
        &cli::GcArgs::default(),
        (jit.resolved_mode()?, &jit),
        None,
    );
    finish(lang_vm::run(verified, opts), false, false)
}

/// `lang resume IMAGE`: the saved run goes on with this process's stdin and
/// stdout, under the GC plan and JIT mode given here.
fn resume(
    image: &Path,
    gc: &cli::GcArgs,
    jit: &cli::JitArgs,
    snapshot: &cli::SnapshotArgs,
) -> Result<i32, Failure> {
    let jit_mode = jit.resolved_mode()?;
    let snapshot = snapshot.request()?;
    let (_, loaded) = image_cmd::load(image)?;
    // The saved run's arguments come with its image.
    let opts = vm_options(Vec::new(), gc, (jit_mode, jit), snapshot);
    finish(lang_vm::resume(loaded, opts), gc.stats, jit.jit_stats)
}

/// The runtime's options for a run or a resume from the command line's.
fn vm_options(
    args: Vec<String>,
    gc: &cli::GcArgs,
    (mode, jit): (lang_vm::JitMode, &cli::JitArgs),
    snapshot: Option<lang_vm::snapshot::SnapshotRequest>,
) -> lang_vm::VmOptions {
    lang_vm::VmOptions {
        args,
        heap_max: gc.heap_max,
        gc_plan: gc.plan.unwrap_or_default(),
        gc_threads: gc.threads,
        gc_stress: gc.stress,
        jit: lang_vm::JitOptions {
            mode,
            threshold: jit.threshold,
            threads: jit.jit_threads,
            max_tier: jit.max_tier,
            compiler: Some(lang_jit::factory()),
        },
        snapshot,
    }
}

/// The exit of a run from its report, with the statistics asked for.
fn finish(report: lang_vm::RunReport, gc_stats: bool, jit_stats: bool) -> Result<i32, Failure> {
    // The statistics come after everything the program printed, and after
    // its runtime error if it failed.
    let mut stats = match report.gc_stats {
        Some(s) if gc_stats => s.to_string(),
        _ => String::new(),
    };
    if let (Some(s), true) = (report.jit_stats, jit_stats) {
        stats.push_str(&s.to_string());
    }
    match report.result {
        Ok(lang_vm::RunOutcome::Exit(code)) => {
            let _ = std::io::stdout().flush();
            eprint!("{stats}");
            Ok(code)
        }
        Ok(lang_vm::RunOutcome::Stdout(failure)) => {
            eprint!("{stats}");
            stdout_failed(&failure)
        }
        Err(e) => Err(Failure {
            message: format!("{}{stats}", with_newline(&e.to_string())),
            code: exit::of_error(&e),
        }),
    }
}

fn build(file: &Path, output: Option<PathBuf>, color: bool) -> Result<i32, Failure> {
    let bytes = load::read(file)?;
    let module = load::compile_source(file, &bytes, color, load::Warnings::Print)?;
    lang_bytecode::check(&module).map_err(|e| Failure {
        message: format!(
            "error: internal compiler error: the compiled module does not verify: {e}"
        ),
        code: exit::DATA_ERROR,
    })?;
    let out = match output {
        Some(out) => out,
        None if load::is_stdin(file) => {
            return Err(Failure {
                message: "error: `lang build -` needs -o FILE: a program from stdin has no name to derive one from".into(),
                code: exit::USAGE,
            })
        }
        None => file.with_extension("bc"),
    };
    std::fs::write(&out, lang_bytecode::encode(&module)).map_err(|e| Failure {
        message: format!("error: cannot write {}: {e}", out.display()),
        code: exit::CANT_CREATE,
    })?;
    Ok(0)
}

/// `lang check FILE`: every compile error, then the warnings and how many;
/// with `--deny-warnings` the warnings are errors (exit 65).
fn check(file: &Path, deny_warnings: bool, color: bool) -> Result<i32, Failure> {
    let bytes = load::read(file)?;
    let name = load::display_name(file);
    let rendered = |d: lang_compiler::Diagnostics| Failure {
        message: d.render(color),
        code: exit::DATA_ERROR,
    };
    let text = lang_compiler::source_text(&name, &bytes).map_err(rendered)?;
    let (_, warnings) =
        load::compile_warned(file, text, lang_compiler::Entry::Main).map_err(rendered)?;
    if warnings.is_empty() {
        return Ok(0);
    }
    if deny_warnings {
        let n = warnings.len();
        return Err(Failure {
            message: format!(
                "{}error: {} denied by --deny-warnings",
                warnings.denied().render(color),
                load::count_line(n).trim_end()
            ),
            code: exit::DATA_ERROR,
        });
    }
    load::Warnings::Print.report(&warnings, color);
    Ok(0)
}

fn disasm(file: &Path, color: bool) -> Result<i32, Failure> {
    let module = load::load(file, color, load::Warnings::Quiet)?;
    let listing = lang_bytecode::disasm::disassemble(module.module());
    let mut out = std::io::stdout().lock();
    match out.write_all(listing.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            stdout_failed(&lang_vm::StdoutFailure::Closed)
        }
        Err(e) => stdout_failed(&lang_vm::StdoutFailure::Failed(lang_vm::os_reason(&e))),
    }
}

/// The exit of a command whose output could not be written: quiet when the
/// reader went away, an error otherwise.
fn stdout_failed(failure: &lang_vm::StdoutFailure) -> Result<i32, Failure> {
    match failure {
        lang_vm::StdoutFailure::Closed => Ok(exit::STDOUT_CLOSED),
        lang_vm::StdoutFailure::Failed(why) => Err(Failure {
            message: format!("error: cannot write to stdout: {why}"),
            code: exit::IO_ERROR,
        }),
    }
}
