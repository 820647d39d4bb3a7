//! lang-vm: the runtime of `lang`. It runs a verified bytecode `Module` on an
//! interpreter whose objects live in an MMTk heap.
//!
//! - `heap`: the MMTk binding, object layout, roots and write barrier.
//! - `state`: the program's state (program, heap and roots); `host`: its
//!   host environment (stdin, stdout, clock, arguments), kept apart.
//! - `program`: the module turned into run-time tables.
//! - `interp`: the interpreter loop, frames and calls.
//! - `objects`: arrays and maps; `natives`: the built-in functions.
//! - `print`: the printed form of values; `trap`: the kinds of runtime
//!   error; `error`: runtime errors as reported, with their stack traces.
//!
//! One program runs at a time in a process (MMTk is process-wide); `run`
//! serialises callers.
//!
//! Only verified modules run: `run`, `run_with_io` and `Session::run` take
//! a `lang_bytecode::Verified`, which only the verifier makes, so an
//! unverified module does not compile:
//!
//! ```compile_fail,E0308
//! let module = lang_bytecode::Module::new("prog.src");
//! let _ = lang_vm::run(module, lang_vm::VmOptions::default());
//! ```
//!
//! while the verified one does:
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let module = lang_bytecode::Module::new("prog.src");
//! let verified = lang_bytecode::verify(module)?;
//! let _ = lang_vm::run(verified, lang_vm::VmOptions::default());
//! # Ok(())
//! # }
//! ```
//!
//! A state the verifier rules out, met at run time anyway, is an internal
//! error (`RuntimeError::internal`, exit code `INTERNAL_ERROR_EXIT`), never
//! a runtime error of the program or a silent default.

pub mod abi;
mod compiled;
mod error;
mod hash;
pub mod heap;
mod host;
mod interp;
mod natives;
mod objects;
mod print;
mod program;
mod session;
pub mod snapshot;
pub mod startup_trace;
mod state;
mod trap;

#[cfg(test)]
mod tests;

pub use compiled::{JitMode, JitOptions, JitStats, MAX_JIT_THREADS};
pub use error::{os_reason, RuntimeError, TraceFrame, INTERNAL_ERROR_EXIT};
pub use heap::{GcPlan, GcStats, INITIAL_HEAP_BYTES, MAX_HEAP_BYTES};
pub use host::output::StdoutFailure;
pub use session::Session;

use heap::roots::{FrameRec, Roots};
use heap::{Heap, HeapConfig};
use host::Host;
use interp::{Vm, MAX_FRAMES, VM_STACK_SLOTS};
use lang_bytecode::Verified;
use program::Program;
use state::VmState;
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};
use trap::Trap;

/// The heap limit when the caller gives none: 1 GiB. Big enough for real
/// workloads on the 24 GiB machines this runs on; the heap only grows toward
/// it as live data grows (it starts at 48 MiB and is resized to twice the
/// surviving data after each collection, see `heap::trigger`).
pub const DEFAULT_HEAP_BYTES: usize = 1 << 30;

/// How a program is run.
#[derive(Clone, Debug, Default)]
pub struct VmOptions {
    /// What `args()` returns.
    pub args: Vec<String>,
    /// The heap limit in bytes (`DEFAULT_HEAP_BYTES` when `None`).
    pub heap_max: Option<usize>,
    /// The collector plan; the first run of a process fixes it.
    pub gc_plan: GcPlan,
    /// GC worker threads (`None`: one fewer than the CPUs, at least one,
    /// or `MMTK_THREADS` when that is set).
    pub gc_threads: Option<usize>,
    /// Stress mode: a collection before every Nth allocation.
    pub gc_stress: Option<u64>,
    /// Whether and how functions are compiled to machine code.
    pub jit: JitOptions,
    /// A snapshot to take (the run is then interpreted only).
    pub snapshot: Option<snapshot::SnapshotRequest>,
}

/// Starts the heap (MMTk) for a run with `plan`, GC worker `threads` and
/// heap limit `heap_max` (as in `VmOptions`) now, on the calling thread,
/// while another thread compiles; `run` then finds it ready. See
/// `heap::prestart`.
pub fn prestart_heap(
    plan: GcPlan,
    threads: Option<usize>,
    heap_max: Option<usize>,
) -> Result<(), String> {
    heap::prestart(&HeapConfig {
        plan,
        max_bytes: heap_max.unwrap_or(DEFAULT_HEAP_BYTES),
        threads,
    })
}

/// How a program ended without a runtime error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Normal end (0) or `exit(n)`, with all its output written.
    Exit(i32),
    /// Its output could not be written; the run ended at the print that
    /// found out, or at its end if the last flush failed.
    Stdout(StdoutFailure),
}

/// How a run ended, with what its collector did.
#[derive(Clone, Debug)]
pub struct RunReport {
    /// The program's end, or its runtime error.
    pub result: Result<RunOutcome, RuntimeError>,
    /// The collector statistics of the run however it ended (for `lang run
    /// --gc-stats`); `None` when the heap could not be started.
    pub gc_stats: Option<GcStats>,
    /// What the JIT did (for `lang run --jit-stats`); `None` when the run
    /// could not start.
    pub jit_stats: Option<JitStats>,
}

impl RunReport {
    /// The report of a run that failed before its program started.
    fn unstarted(message: String) -> RunReport {
        RunReport {
            result: Err(RuntimeError::untraced(message)),
            gc_stats: None,
            jit_stats: None,
        }
    }
}

/// Runs a verified module with stdin and stdout.
pub fn run(module: Verified, opts: VmOptions) -> RunReport {
    let stdout: Box<dyn Write> = Box::new(std::io::stdout().lock());
    let stdin: Box<dyn BufRead> = Box::new(std::io::stdin().lock());
    run_with_io(module, opts, stdout, stdin)
}

/// One run at a time per process.
static RUN_LOCK: Mutex<()> = Mutex::new(());

/// Runs a verified module with the given output sink and input.
pub fn run_with_io(
    module: Verified,
    opts: VmOptions,
    stdout: Box<dyn Write>,
    stdin: Box<dyn BufRead>,
) -> RunReport {
    let _one_at_a_time = RUN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // The image embeds the module's bytes, taken before the program
    // tables take the module apart.
    let code = (opts.snapshot.is_some()
        || snapshot::calls_checkpoint(module.module().functions.iter().map(|f| &f.code[..])))
    .then(|| lang_bytecode::encode(module.module()));
    // Shared with the compiler threads, which read its tables.
    let prog = Arc::new(Program::load(module));
    startup_trace::mark("program tables");
    run_program(
        &prog,
        opts,
        code,
        Host::new(stdout, stdin, Vec::new()),
        start,
    )
}

/// Where a resumed run's stdin continues from (`spec/snapshot.md`,
/// "Resuming").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StdinResume {
    /// The given stdin is what comes after the saved run's input (a pipe, a
    /// terminal, nothing): the bytes the saved run had read ahead come
    /// first, then it.
    Continues,
    /// The given stdin is the saved run's input again, positioned at the
    /// byte the saved run had consumed up to (a regular file, seeked).
    Repositioned,
}

/// Resumes the run saved in `image` (its bytes) with the process's stdin
/// and stdout. When stdin is a regular file it is taken to be the saved
/// run's input again, and reading goes on at the byte the saved run had
/// consumed up to; otherwise (a pipe, a terminal) it is what comes next.
pub fn resume(image: snapshot::Loaded, opts: VmOptions) -> RunReport {
    let stdout: Box<dyn Write> = Box::new(std::io::stdout().lock());
    let stdin: Box<dyn BufRead> = Box::new(std::io::stdin().lock());
    let how = match reposition_stdin(image.img.host.stdin_consumed) {
        Ok(how) => how,
        Err(message) => return RunReport::unstarted(message),
    };
    resume_with_io(image, opts, stdout, stdin, how)
}

/// Seeks the process's stdin to `consumed` when it is a regular file.
fn reposition_stdin(consumed: u64) -> Result<StdinResume, String> {
    use std::io::{Seek, SeekFrom};
    use std::os::fd::AsFd;
    let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else {
        return Ok(StdinResume::Continues);
    };
    let mut file = std::fs::File::from(fd);
    match file.metadata() {
        Ok(m) if m.is_file() => {
            if m.len() < consumed {
                return Err(format!(
                    "cannot resume: stdin is a file of {} bytes, but the saved run had read {consumed} bytes of its input; give the resumed run the same input file (or a pipe, whose bytes come after what was read)",
                    m.len()
                ));
            }
            // The duplicate shares the file offset with stdin itself.
            file.seek(SeekFrom::Start(consumed))
                .map_err(|e| format!("cannot resume: cannot seek stdin: {}", os_reason(&e)))?;
            Ok(StdinResume::Repositioned)
        }
        _ => Ok(StdinResume::Continues),
    }
}

/// Resumes the run saved in `image` (its bytes) with the given output sink
/// and input: the program's output continues where it stopped, `clock()`
/// from its saved value, and stdin as `how` says.
pub fn resume_with_io(
    image: snapshot::Loaded,
    opts: VmOptions,
    stdout: Box<dyn Write>,
    stdin: Box<dyn BufRead>,
    how: StdinResume,
) -> RunReport {
    let _one_at_a_time = RUN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let snapshot::Loaded { img, prog } = image;
    let prog = Arc::new(prog);
    // The saved run's arguments are the resumed run's.
    let mut opts = opts;
    opts.args = img.host.args.clone();
    let code = (opts.snapshot.is_some()
        || snapshot::calls_checkpoint(prog.funcs.iter().map(|f| &f.code[..])))
    .then(|| img.code.clone());
    let mut host = Host::new(stdout, Box::new(std::io::empty()), Vec::new());
    host.out.set_total(img.host.stdout_bytes);
    host.continue_clock(img.host.clock_nanos);
    let unread = match how {
        StdinResume::Continues => img.host.stdin_unread.clone(),
        StdinResume::Repositioned => Vec::new(),
    };
    host.input =
        host::input::Input::resumed(stdin, unread, img.host.stdin_consumed, img.host.stdin_lines);
    run_program(&prog, opts, code, host, |vm| {
        make_string_constants(vm, 0)?;
        snapshot::restore(&mut vm.state.heap, vm.state.prog, &img)
            .map_err(|e| trap::internal(format!("bad image: {e}")))?;
        vm.at_start()?;
        vm.return_from_checkpoint();
        vm.execute(0).map(|_| ())
    })
}

/// Runs `prog` from `begin` (a fresh start or a resume) with `host`;
/// `code` is the module's bytes when the run may take a snapshot.
fn run_program(
    prog: &Arc<Program>,
    opts: VmOptions,
    code: Option<Vec<u8>>,
    mut host: Host,
    begin: impl FnOnce(&mut Vm<'_>) -> Result<(), Trap>,
) -> RunReport {
    host.args = opts.args.clone();
    let mut roots = Roots::new(VM_STACK_SLOTS, MAX_FRAMES);
    attach_program(&mut roots, prog);
    let config = HeapConfig {
        plan: opts.gc_plan,
        max_bytes: opts.heap_max.unwrap_or(DEFAULT_HEAP_BYTES),
        threads: opts.gc_threads,
    };
    // A run that may snapshot is interpreted only, so that every frame is
    // an interpreter frame at its safepoints (see `snapshot`).
    let plain = JitOptions::default();
    let jit = if code.is_some() { &plain } else { &opts.jit };
    let mut tiers = match compiled::Tiers::new(jit, prog) {
        Ok(tiers) => tiers,
        Err(message) => return RunReport::unstarted(message),
    };
    let mut heap = match Heap::new(&config, roots) {
        Ok(heap) => heap,
        Err(message) => return RunReport::unstarted(message),
    };
    heap.set_gc_stress(opts.gc_stress);
    tiers.ctx.log_table = heap.log_table();
    tiers.ctx.globals = heap.roots.globals.as_mut_ptr();
    tiers.ctx.consts = heap.roots.consts.as_ptr();
    // The roots are boxed and their stacks never reallocate, so these
    // addresses hold for the whole run.
    let roots = &mut *heap.roots;
    tiers.ctx.frames_len = roots.frames.len_address();
    tiers.ctx.frames_end = roots
        .frames
        .records_address()
        .wrapping_add(roots.frames.capacity()) as *const u8;
    tiers.ctx.stack_end = roots.stack.as_ptr().wrapping_add(roots.stack.len()) as *const u8;
    // What asks for images from outside lives as long as the run.
    let mut _timer = None;
    match opts.snapshot.as_ref().map(|r| r.when) {
        Some(snapshot::SnapshotWhen::Signal) => {
            if let Err(e) = snapshot::signals::install_handlers() {
                return RunReport::unstarted(format!(
                    "cannot install the snapshot signal handlers: {}",
                    os_reason(&e)
                ));
            }
        }
        Some(snapshot::SnapshotWhen::Every(period)) => {
            match snapshot::signals::Timer::start(period) {
                Ok(t) => _timer = Some(t),
                Err(e) => {
                    return RunReport::unstarted(format!(
                        "cannot start the checkpoint timer: {}",
                        os_reason(&e)
                    ))
                }
            }
        }
        _ => {}
    }
    snapshot::signals::DUE.store(
        snapshot::signals::NONE,
        std::sync::atomic::Ordering::Relaxed,
    );
    let snapshot =
        code.map(|code| Box::new(snapshot::SnapshotPlan::new(opts.snapshot.clone(), code)));
    let mut vm = Vm {
        state: VmState { prog, heap },
        host,
        tiers,
        snapshot,
    };
    let result = begin(&mut vm);
    vm.host.out.flush();
    // No frame runs compiled code any more: the compiler threads, and
    // their code, may go.
    vm.tiers.finish(prog);
    startup_trace::mark("run");
    let gc_stats = Some(vm.state.heap.stats());
    let jit_stats = Some(vm.tiers.stats.clone());
    // A runtime error is reported whatever happened to stdout; otherwise
    // a failed write outranks the exit code, which came from a program
    // whose output went missing.
    let result = match (result, vm.host.out.failure().cloned()) {
        (Ok(()) | Err(Trap::Exit(_) | Trap::Stdout), Some(failure)) => {
            Ok(RunOutcome::Stdout(failure))
        }
        (result, _) => Trap::outcome(result, prog, || vm.trace())
            .map(|code| RunOutcome::Exit(code.unwrap_or(0))),
    };
    RunReport {
        result,
        gc_stats,
        jit_stats,
    }
}

/// Makes the string constants, then runs the entry function.
fn start(vm: &mut Vm<'_>) -> Result<(), Trap> {
    make_string_constants(vm, 0)?;
    call_entry(vm, vm.state.prog.module.entry)
}

/// Points the root set at `prog`'s register maps, globals and constants.
/// Globals and constants already present keep their values, so a REPL can
/// attach each grown version of its module in turn.
fn attach_program(roots: &mut Roots, prog: &Program) {
    roots.frame_refs = prog.funcs.iter().map(|f| f.ref_regs.clone()).collect();
    roots.globals.resize(prog.module.globals.len(), 0);
    roots.global_refs = prog
        .module
        .globals
        .iter()
        .enumerate()
        .filter(|(_, g)| prog.ty(g.ty).is_ref())
        .map(|(i, _)| i as u32)
        .collect();
    let known = roots.consts.len();
    roots
        .consts
        .extend(prog.module.consts.iter().skip(known).map(|k| match k {
            lang_bytecode::Const::Int(i) => *i as u64,
            lang_bytecode::Const::Float(x) => x.to_bits(),
            lang_bytecode::Const::Str(_) => 0,
        }));
    roots.const_refs = prog
        .module
        .consts
        .iter()
        .enumerate()
        .filter(|(_, k)| matches!(k, lang_bytecode::Const::Str(_)))
        .map(|(i, _)| i as u32)
        .collect();
}

/// Allocates the string objects of the constants from index `from` on.
fn make_string_constants(vm: &mut Vm<'_>, from: usize) -> Result<(), Trap> {
    let state = &mut vm.state;
    for (i, k) in state.prog.module.consts.iter().enumerate().skip(from) {
        if let lang_bytecode::Const::Str(s) = k {
            let o = state.heap.alloc_str(s.as_bytes())?;
            state.heap.roots.consts[i] = o;
        }
    }
    Ok(())
}

/// Runs function `entry` (no parameters, no result) on an empty VM stack.
fn call_entry(vm: &mut Vm<'_>, entry: lang_bytecode::FuncId) -> Result<(), Trap> {
    let Some(f) = vm.state.prog.funcs.get(entry as usize) else {
        return Err(trap::internal(format!(
            "entry function {entry} does not exist"
        )));
    };
    let nregs = f.nregs;
    // A REPL reuses the stack: clear the frame so no stale slot is taken
    // for a reference by the collector.
    match vm.state.heap.roots.stack.get_mut(..nregs) {
        Some(regs) => regs.fill(0),
        None => return Err(interp::overflow()),
    }
    if !vm.state.heap.roots.frames.push(FrameRec {
        func: entry,
        ..FrameRec::default()
    }) {
        return Err(interp::overflow());
    }
    vm.at_start()?;
    vm.run_pushed(entry, 0)?;
    Ok(())
}
