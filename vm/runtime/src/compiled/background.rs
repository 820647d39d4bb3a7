//! Background compilation: compiler threads that compile hot functions and
//! loops while the program goes on running in the interpreter.
//!
//! When a function or a loop becomes hot, the program's thread queues a job
//! and keeps interpreting; a compiler thread takes the job, compiles it with
//! its own compiler, and hands the code back. The program's thread installs
//! finished code itself, at its next call of an interpreted function or
//! backward branch (`Tiers::install_finished`): a function's code is
//! published by one store into its entry slot, made by the only thread that
//! reads the slots, so neither the interpreter nor compiled code can see a
//! half-made entry, and nothing but the entry table needs to be shared.
//!
//! Machine code lives as long as the compiler that made it, and each
//! compiler stays on its thread until the run has finished executing
//! (`Background::finish`, also on drop), so no code is freed while a frame
//! may still run it. A compiler that panics (a bug in the JIT) is kept, not
//! dropped, for the same reason; its later jobs fail and their functions
//! stay interpreted.
//!
//! Compiler threads never touch the heap: a compilation reads the program's
//! tables only, so collections neither wait for nor scan them.

use super::inputs::CompileInputs;
use crate::abi::{CompiledCode, Compiler, CompilerFactory};
use crate::program::Program;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The most compiler threads a run may have (`--jit-threads`): 4. One
/// keeps up with every program of the suite (a compilation takes a
/// millisecond or two, and a function is compiled once); more only help a
/// program with hundreds of hot functions on a machine with cores to spare.
pub const MAX_JIT_THREADS: usize = 4;

/// Jobs waiting for a compiler thread at most: 64. A job is a few numbers
/// (and a profile of a few bytes per instruction), so the bound is not about memory but about work nobody will use: a
/// function queued behind 64 others would wait about a tenth of a second,
/// and is better left to become hot again (its count starts over).
pub(crate) const MAX_QUEUED_JOBS: usize = 64;

/// The native stack of a compiler thread: 16 MiB, as much as cranelift
/// could want for the largest function the verifier admits; only the pages
/// it touches are memory.
const COMPILER_STACK_BYTES: usize = 16 << 20;

/// What became of a job offered to `Background::submit`.
pub(crate) enum Submitted {
    /// A compiler thread will compile it.
    Queued,
    /// The queue is full (`MAX_QUEUED_JOBS`): nothing was queued.
    QueueFull,
    /// There are no compiler threads: on one processor by default (`None`),
    /// or because none could be started (why): the caller compiles on its
    /// own thread.
    NoThreads(Option<String>),
}

/// Compiler threads when `--jit-threads` is not given: one on a machine
/// with two or more processors, so that compiling never stops the program;
/// none on one processor, where a compiler thread could only take turns
/// with the program and would delay its code. Asked at the first job, so
/// that runs that compile nothing never pay for the question.
fn default_threads() -> usize {
    match std::thread::available_parallelism() {
        Ok(n) if n.get() >= 2 => 1,
        _ => 0,
    }
}

/// What to compile: function `func` for entry at instruction `entry_pc`
/// (0: its start, for calls; otherwise a loop header, for on-stack
/// replacement), at `tier` (`abi::TIER_*`), with what its profile held when
/// it was queued (tier 2), and the addresses of its tier-up counts (tier-1
/// code that counts its calls, and its backward branches; 0 for none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Job {
    pub func: u32,
    pub entry_pc: u32,
    pub tier: u8,
    pub profile: Arc<[u32]>,
    pub tier_up: usize,
    pub loop_tier_up: usize,
}

impl Job {
    /// Tier-1 code of function `func` for entry at `entry_pc`, counting its
    /// calls at `tier_up` and its backward branches at `loop_tier_up` (0:
    /// it does not).
    pub fn baseline(func: u32, entry_pc: u32, (tier_up, loop_tier_up): (usize, usize)) -> Job {
        Job {
            func,
            entry_pc,
            tier: crate::abi::TIER_BASELINE,
            profile: Arc::from(Vec::new()),
            tier_up,
            loop_tier_up,
        }
    }

    /// Tier-2 code of function `func` for entry at `entry_pc`, compiled
    /// from `profile`.
    pub fn optimised(func: u32, entry_pc: u32, profile: Arc<[u32]>) -> Job {
        Job {
            func,
            entry_pc,
            tier: crate::abi::TIER_OPTIMISED,
            profile,
            tier_up: 0,
            loop_tier_up: 0,
        }
    }
}

/// Why a job produced no code.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The thread has no compiler (it could not be made): no job will.
    NoCompiler(String),
    /// This function could not be compiled.
    Function(String),
}

/// Compiled code handed from a compiler thread to the program's thread.
pub(crate) struct Handed(pub CompiledCode);

// SAFETY: the entry points into finalized machine code, which no thread
// writes again and which stays mapped until its compiler is dropped, after
// the run has stopped executing (see the module comment).
unsafe impl Send for Handed {}

/// A finished job.
pub(crate) struct Finished {
    pub job: Job,
    pub result: Result<Handed, Failure>,
    /// How long the compilation took.
    pub time: Duration,
}

/// What the program's thread and the compiler threads share, under the
/// lock.
#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    finished: Vec<Finished>,
    /// Set by `finish`: threads end after their current job.
    stop: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when a job is queued or the threads must stop.
    work: Condvar,
    /// Whether `finished` may be non-empty: what the program's thread
    /// tests, without the lock, at every chance to install code.
    ready: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A thread that panicked while holding the lock left the queue
        // consistent (every update is a single push or pop).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The compiler threads of one run, started at its first job.
pub(crate) struct Background {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    /// How many threads to start (at most `MAX_JIT_THREADS`; `None`: the
    /// default, found at the first job, `default_threads`).
    wanted: Option<usize>,
    prog: Arc<Program>,
    factory: CompilerFactory,
}

impl Background {
    /// Compiler threads for `prog`, `wanted` of them, each making its
    /// compiler with `factory`. None is started until the first job.
    pub fn new(wanted: Option<usize>, prog: Arc<Program>, factory: CompilerFactory) -> Background {
        Background {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                work: Condvar::new(),
                ready: AtomicBool::new(false),
            }),
            threads: Vec::new(),
            wanted: wanted.map(|n| n.min(MAX_JIT_THREADS)),
            prog,
            factory,
        }
    }

    /// Queues `job` (starting the threads at the first).
    pub fn submit(&mut self, job: Job) -> Submitted {
        if self.threads.is_empty() {
            if let Err(why) = self.start() {
                return Submitted::NoThreads(why);
            }
        }
        let mut state = self.shared.lock();
        if state.jobs.len() >= MAX_QUEUED_JOBS {
            return Submitted::QueueFull;
        }
        state.jobs.push_back(job);
        drop(state);
        self.shared.work.notify_one();
        Submitted::Queued
    }

    /// Starts the threads; fails with why not, or with `None` when the
    /// default is to have none.
    fn start(&mut self) -> Result<(), Option<String>> {
        let wanted = self.wanted.unwrap_or_else(default_threads);
        if wanted == 0 {
            return Err(None);
        }
        for n in 0..wanted {
            let shared = Arc::clone(&self.shared);
            let prog = Arc::clone(&self.prog);
            let factory = Arc::clone(&self.factory);
            let spawned = std::thread::Builder::new()
                .name(format!("lang-jit-{n}"))
                .stack_size(COMPILER_STACK_BYTES)
                .spawn(move || work(&shared, &prog, &factory));
            match spawned {
                Ok(handle) => self.threads.push(handle),
                // One thread is enough to go on with.
                Err(_) if n > 0 => break,
                Err(e) => {
                    return Err(Some(format!(
                        "cannot start a compiler thread ({e}); compiling on the program's thread"
                    )))
                }
            }
        }
        Ok(())
    }

    /// Whether some job may have finished since the last `take_finished`.
    #[inline(always)]
    pub fn has_finished(&self) -> bool {
        self.shared.ready.load(Ordering::Acquire)
    }

    /// The jobs finished since the last call.
    pub fn take_finished(&self) -> Vec<Finished> {
        let mut state = self.shared.lock();
        self.shared.ready.store(false, Ordering::Relaxed);
        std::mem::take(&mut state.finished)
    }

    /// Stops the threads once their current job is done, waits for them,
    /// and gives the jobs they finished since the last `take_finished`
    /// (jobs still queued are dropped). Only once the program has stopped
    /// running: the threads' compilers, and their code, go with them.
    pub fn finish(&mut self) -> Vec<Finished> {
        self.shared.lock().stop = true;
        self.shared.work.notify_all();
        for handle in self.threads.drain(..) {
            // A thread's panic was caught at its job; one here would be in
            // the queue's own code, and the run's result stands either way.
            let _ = handle.join();
        }
        self.take_finished()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A compiler thread: takes jobs until told to stop.
fn work(shared: &Shared, prog: &Program, factory: &CompilerFactory) {
    // Kept until the thread ends (after the run): its code is in use.
    let mut compiler: Result<Box<dyn Compiler>, String> = factory();
    let mut broken = false;
    let mut inputs: Option<CompileInputs> = None;
    loop {
        let job = {
            let mut state = shared.lock();
            loop {
                if state.stop {
                    return;
                }
                if let Some(job) = state.jobs.pop_front() {
                    break job;
                }
                state = shared.work.wait(state).unwrap_or_else(|e| e.into_inner());
            }
        };
        let started = Instant::now();
        let result = match &mut compiler {
            Err(why) => Err(Failure::NoCompiler(why.clone())),
            Ok(_) if broken => Err(Failure::Function(PANICKED.to_string())),
            Ok(c) => {
                let inputs = inputs.get_or_insert_with(|| CompileInputs::new(prog));
                let compiled =
                    catch_unwind(AssertUnwindSafe(|| inputs.compile(&mut **c, prog, &job)));
                match compiled {
                    Ok(Ok(code)) => Ok(Handed(code)),
                    Ok(Err(why)) => Err(Failure::Function(why)),
                    Err(_) => {
                        broken = true;
                        Err(Failure::Function(PANICKED.to_string()))
                    }
                }
            }
        };
        let mut state = shared.lock();
        state.finished.push(Finished {
            job,
            result,
            time: started.elapsed(),
        });
        shared.ready.store(true, Ordering::Release);
    }
}

/// Why the jobs of a thread whose compiler panicked fail.
const PANICKED: &str = "the compiler failed (a bug in the JIT; the function stays interpreted)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::CompileRequest;
    use crate::tests::{verified, Asm};
    use lang_bytecode::Instr;

    /// A compiler with a bug: it panics at every function, and says when it
    /// is dropped.
    struct Panicking(Arc<AtomicBool>);

    impl Compiler for Panicking {
        fn compile(&mut self, _: &CompileRequest<'_>) -> Result<CompiledCode, String> {
            panic!("a bug in the JIT (this test's)")
        }
    }

    impl Drop for Panicking {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// The next finished jobs, waiting at most ten seconds for them.
    fn next_finished(background: &Background) -> Vec<Finished> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if background.has_finished() {
                let done = background.take_finished();
                if !done.is_empty() {
                    return done;
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!("no job finished in ten seconds");
    }

    /// A compiler that panics fails its job and every later one, and is
    /// not dropped (with the code it made) until the run finishes.
    #[test]
    fn a_compiler_that_panics_is_kept_until_the_run_finishes() {
        let mut asm = Asm::new();
        asm.entry(&[], vec![Instr::RetVoid {}]);
        let prog = Arc::new(Program::load(verified(asm.finish())));
        let dropped = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&dropped);
        let factory: CompilerFactory =
            Arc::new(move || Ok(Box::new(Panicking(Arc::clone(&flag))) as Box<dyn Compiler>));
        let mut background = Background::new(Some(1), prog, factory);
        let job = Job::baseline(0, 0, (0, 0));
        for _ in 0..2 {
            assert!(matches!(background.submit(job.clone()), Submitted::Queued));
            let done = next_finished(&background);
            assert!(
                matches!(&done[..], [Finished { result: Err(Failure::Function(why)), .. }] if why == PANICKED)
            );
            assert!(
                !dropped.load(Ordering::SeqCst),
                "the compiler went too early"
            );
        }
        assert!(background.finish().is_empty());
        assert!(
            dropped.load(Ordering::SeqCst),
            "the compiler outlived the run"
        );
    }
}
