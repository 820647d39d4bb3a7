//! lang-vm: the runtime of `lang`. It runs a verified bytecode `Module` on an
//! interpreter whose objects live in an MMTk heap.
//!
//! - `heap`: the MMTk binding, object layout, roots and write barrier.
//! - `program`: the module turned into run-time tables.
//! - `interp`: the interpreter loop, frames and calls.
//! - `objects`: arrays and maps; `natives`: the built-in functions.
//! - `print`: the printed form of values; `error`: runtime errors.
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

mod error;
mod hash;
pub mod heap;
mod interp;
mod natives;
mod objects;
mod output;
mod print;
mod program;
mod session;
pub mod startup_trace;

#[cfg(test)]
mod tests;

pub use error::{os_reason, RuntimeError, TraceFrame, INTERNAL_ERROR_EXIT};
pub use heap::{GcPlan, GcStats, MAX_HEAP_BYTES};
pub use output::StdoutFailure;
pub use session::Session;

use error::Trap;
use heap::roots::{FrameRec, Roots};
use heap::{Heap, HeapConfig};
use interp::{Vm, MAX_FRAMES, VM_STACK_SLOTS};
use lang_bytecode::Verified;
use program::Program;
use std::io::{BufRead, Write};
use std::sync::Mutex;
use std::time::Instant;

/// The heap limit when the caller gives none: 1 GiB. Big enough for real
/// workloads on the 24 GiB machines this runs on; the heap only grows toward
/// it as live data grows (it starts at 32 MiB and is resized to twice the
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
    /// GC worker threads (`None`: one per CPU).
    pub gc_threads: Option<usize>,
    /// Stress mode: a collection before every Nth allocation.
    pub gc_stress: Option<u64>,
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

/// The collector statistics of the last run that ended in this process.
static LAST_STATS: Mutex<Option<GcStats>> = Mutex::new(None);

/// The collector statistics of the last `run`/`run_with_io` to finish
/// (however it ended), for `lang run --gc-stats`.
pub fn last_gc_stats() -> Option<GcStats> {
    LAST_STATS.lock().unwrap_or_else(|e| e.into_inner()).clone()
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

/// Runs a verified module with stdin and stdout.
pub fn run(module: Verified, opts: VmOptions) -> Result<RunOutcome, RuntimeError> {
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
) -> Result<RunOutcome, RuntimeError> {
    let _one_at_a_time = RUN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let prog = Program::load(module);
    startup_trace::mark("program tables");

    let mut roots = Roots::new(VM_STACK_SLOTS, MAX_FRAMES);
    attach_program(&mut roots, &prog);
    let config = HeapConfig {
        plan: opts.gc_plan,
        max_bytes: opts.heap_max.unwrap_or(DEFAULT_HEAP_BYTES),
        threads: opts.gc_threads,
    };
    let mut heap = Heap::new(&config, roots).map_err(RuntimeError::untraced)?;
    heap.set_gc_stress(opts.gc_stress);
    let mut vm = Vm {
        prog: &prog,
        heap,
        out: output::Output::new(stdout),
        input: stdin,
        args: opts.args,
        started: Instant::now(),
        native_depth: 0,
    };
    let result = start(&mut vm);
    vm.out.flush();
    startup_trace::mark("run");
    *LAST_STATS.lock().unwrap_or_else(|e| e.into_inner()) = Some(vm.heap.stats());
    // A runtime error is reported whatever happened to stdout; otherwise
    // a failed write outranks the exit code, which came from a program
    // whose output went missing.
    match (result, vm.out.failure().cloned()) {
        (Ok(()) | Err(Trap::Exit(_) | Trap::Stdout), Some(failure)) => {
            Ok(RunOutcome::Stdout(failure))
        }
        (result, _) => {
            let code = Trap::outcome(result, || vm.trace())?;
            Ok(RunOutcome::Exit(code.unwrap_or(0)))
        }
    }
}

/// Makes the string constants, then runs the entry function.
fn start(vm: &mut Vm<'_>) -> Result<(), Trap> {
    make_string_constants(vm, 0)?;
    call_entry(vm, vm.prog.module.entry)
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
    for (i, k) in vm.prog.module.consts.iter().enumerate().skip(from) {
        if let lang_bytecode::Const::Str(s) = k {
            let o = vm.heap.alloc_str(s.as_bytes())?;
            vm.heap.roots.consts[i] = o;
        }
    }
    Ok(())
}

/// Runs function `entry` (no parameters, no result) on an empty VM stack.
fn call_entry(vm: &mut Vm<'_>, entry: lang_bytecode::FuncId) -> Result<(), Trap> {
    let Some(f) = vm.prog.funcs.get(entry as usize) else {
        return Err(error::internal(format!(
            "entry function {entry} does not exist"
        )));
    };
    let nregs = f.nregs;
    // A REPL reuses the stack: clear the frame so no stale slot is taken
    // for a reference by the collector.
    match vm.heap.roots.stack.get_mut(..nregs) {
        Some(regs) => regs.fill(0),
        None => return Err(interp::overflow()),
    }
    vm.heap.roots.frames.push(FrameRec {
        func: entry,
        ..FrameRec::default()
    });
    vm.execute(0)?;
    Ok(())
}
