//! Which functions run compiled: the entry table, the call counts that
//! decide when a function is compiled, and the compiler of the run.
//!
//! Every function starts interpreted. Under `--jit=always` a function is
//! compiled at its first call; under `--jit=on` after `CALLS_BEFORE_COMPILE`
//! calls. A function whose compilation fails keeps running in the
//! interpreter (and is counted in the statistics): compiled code is an
//! optimisation, never a requirement.
//!
//! Tier 2: the interpreter profiles trait and closure calls (the receiver
//! struct or closure function each call site saw). Tier-1 code of a
//! function whose profile has a call site that saw one target counts its
//! calls, and after `TIER2_CALLS` of them the function is recompiled at tier 2, which calls that target directly
//! (inlined where it is small) behind a guard. A call that fails the guard
//! leaves tier-2 code for the interpreter (a side exit), which finishes the
//! frame and profiles the call; after `SIDE_EXITS_BEFORE_RECOMPILE` of
//! them the function goes back to its tier-1 code, to be recompiled from
//! the profile it has then (at most `MAX_TIER2_COMPILES` times).

use super::background::{Background, Failure, Finished, Handed, Job, Submitted};
use super::inputs::CompileInputs;
use crate::abi::{
    CompiledCode, Compiler, CompilerFactory, JitCtx, PROFILE_POLYMORPHIC, PROFILE_UNSEEN,
    TIER_BASELINE, TIER_OPTIMISED,
};
use crate::program::Program;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How a run uses the JIT (`lang run --jit=...`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JitMode {
    /// Interpret everything.
    #[default]
    Off,
    /// Compile a function once it has been called `CALLS_BEFORE_COMPILE`
    /// times.
    On,
    /// Compile every function at its first call (for tests).
    Always,
}

impl JitMode {
    /// Every mode, in the order `--jit` lists them.
    pub const ALL: [JitMode; 3] = [JitMode::Off, JitMode::On, JitMode::Always];

    /// The mode's name as `--jit` takes it.
    pub fn name(self) -> &'static str {
        match self {
            JitMode::Off => "off",
            JitMode::On => "on",
            JitMode::Always => "always",
        }
    }

    /// The mode named `name` (`off`, `on`, `always`).
    pub fn from_name(name: &str) -> Option<JitMode> {
        JitMode::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// Calls after which `--jit=on` compiles a function: 100, about half of
/// HotSpot C1's 200 (our tier 1 compiles fast and needs no profile), few
/// enough that a recursive function or a helper called from a loop is
/// compiled within its first milliseconds.
pub const CALLS_BEFORE_COMPILE: u32 = 100;

/// Backward branches a function takes in the interpreter, per call
/// threshold unit, before `--jit=on` compiles it for entry at the loop
/// being run (on-stack replacement): ten times the call threshold, 1,000 by
/// default, so that a loop is compiled after about a millisecond of
/// interpretation, whether its function is called once (`main`) or often.
pub const BACK_EDGES_PER_CALL: u32 = 10;

/// Calls of a function's tier-1 code before it is recompiled at tier 2
/// (when its profile gives tier 2 a call target to speculate on): 1,000,
/// ten times the call threshold, as HotSpot's C2 waits about ten times as
/// long as C1. A function still called that often has shown it matters,
/// and its tier-1 code has run long enough for a second compilation to
/// pay. `--jit-threshold=N`, a knob for tests, makes it N: tests want
/// every tier reached by short programs.
pub const TIER2_CALLS: u32 = 1000;

/// Side exits a function's tier-2 code takes before the function goes back
/// to tier 1 to be recompiled: 4, HotSpot's limit of traps per bytecode.
/// One receiver of another struct may be an outlier; four say the call
/// site has changed (and the interpreter, which finished those frames, has
/// profiled it as such).
pub const SIDE_EXITS_BEFORE_RECOMPILE: u32 = 4;

/// Tier-2 compilations of one function at most (the first and two
/// recompilations): each recompilation follows a call site's profile
/// turning polymorphic, which stops tier 2 speculating there, so a third
/// is rare; the bound keeps compile work finite whatever the program does.
pub const MAX_TIER2_COMPILES: u32 = 3;

/// The JIT of a run: the mode and the compiler to use.
#[derive(Clone, Default)]
pub struct JitOptions {
    pub mode: JitMode,
    /// Under `--jit=on`: calls before a function is compiled (`None`:
    /// `CALLS_BEFORE_COMPILE`); a loop is compiled after
    /// `BACK_EDGES_PER_CALL` times as many backward branches. Low values
    /// make tests switch between the interpreter and compiled code often.
    pub threshold: Option<u32>,
    /// Under `--jit=on`: compiler threads (`--jit-threads`, at most
    /// `MAX_JIT_THREADS`); 0 compiles on the program's thread, which stops
    /// while it compiles; `None`: one on a machine with two or more
    /// processors, else 0.
    pub threads: Option<usize>,
    /// Under `--jit=on`: the highest tier (`--jit-max-tier`); `None`: 2.
    /// At 1, nothing is recompiled from profiles.
    pub max_tier: Option<u8>,
    /// Makes the compiler; without one every function is interpreted.
    pub compiler: Option<CompilerFactory>,
}

impl fmt::Debug for JitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JitOptions")
            .field("mode", &self.mode)
            .field("threshold", &self.threshold)
            .field("threads", &self.threads)
            .field("max_tier", &self.max_tier)
            .field("compiler", &self.compiler.is_some())
            .finish()
    }
}

/// What one tier did in a run (a line of `--jit-stats`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TierStats {
    /// Functions compiled at the tier (for calls or for entry at a loop).
    pub functions: u64,
    /// Of them, compilations for entry at a loop (on-stack replacement).
    pub loop_entries: u64,
    /// Times a running frame went on in the tier's code at a loop header
    /// (on-stack replacements made: from the interpreter, or from tier-1
    /// code into tier 2).
    pub osr_entries: u64,
    /// Bytes of machine code.
    pub code_bytes: u64,
    /// Time spent compiling.
    pub compile_time: Duration,
    /// Times its code left a frame to the interpreter.
    pub side_exits: u64,
    /// Compilations of a function compiled at the tier before.
    pub recompilations: u64,
}

/// What the JIT did in a run (`lang run --jit-stats`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JitStats {
    /// Per tier: tier 1 first.
    pub tiers: [TierStats; 2],
    /// Functions compiled.
    pub functions: u64,
    /// Of them, compilations for entry at a loop (on-stack replacement).
    pub loop_entries: u64,
    /// Of the compilations (and failures), those made on compiler threads.
    pub background: u64,
    /// Times an interpreted frame went on in code compiled for entry at
    /// its loop (on-stack replacements made).
    pub loop_entries_run: u64,
    /// Functions whose compilation failed (they stayed interpreted).
    pub failed: u64,
    /// Bytecode instructions compiled.
    pub instructions: u64,
    /// Bytes of machine code.
    pub code_bytes: u64,
    /// Call sites compiled with their callee inlined (a trait call counts
    /// once per implementation inlined).
    pub inlined_calls: u64,
    /// Time spent compiling.
    pub compile_time: Duration,
    /// Why the first function that failed to compile failed.
    pub first_failure: Option<String>,
}

impl fmt::Display for JitStats {
    /// The `--jit-stats` report, one `jit: ...` line per figure.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let micros = self.compile_time.as_micros();
        writeln!(f, "jit: functions compiled: {}", self.functions)?;
        if self.loop_entries > 0 {
            writeln!(
                f,
                "jit: of them, compiled for entry at a hot loop: {}",
                self.loop_entries
            )?;
        }
        if self.background > 0 {
            writeln!(f, "jit: compiled on compiler threads: {}", self.background)?;
        }
        if self.loop_entries_run > 0 {
            writeln!(
                f,
                "jit: loops entered in compiled code: {}",
                self.loop_entries_run
            )?;
        }
        if self.failed > 0 {
            writeln!(f, "jit: functions failed to compile: {}", self.failed)?;
            if let Some(why) = &self.first_failure {
                writeln!(f, "jit: first failure: {why}")?;
            }
        }
        writeln!(
            f,
            "jit: bytecode instructions compiled: {}",
            self.instructions
        )?;
        writeln!(f, "jit: machine code bytes: {}", self.code_bytes)?;
        writeln!(f, "jit: calls inlined: {}", self.inlined_calls)?;
        writeln!(
            f,
            "jit: compile time: {}.{:03} ms",
            micros / 1000,
            micros % 1000
        )?;
        if let Some(per_ms) = (self.instructions as u128 * 1000).checked_div(micros) {
            writeln!(f, "jit: compile speed: {per_ms} instructions/ms")?;
        }
        for (i, t) in self.tiers.iter().enumerate() {
            let micros = t.compile_time.as_micros();
            writeln!(
                f,
                "jit: tier {}: {} compiled, {} for hot loops, {} OSR entries, {} bytes, {}.{:03} ms, {} side exits, {} recompiled",
                i + 1,
                t.functions,
                t.loop_entries,
                t.osr_entries,
                t.code_bytes,
                micros / 1000,
                micros % 1000,
                t.side_exits,
                t.recompilations
            )?;
        }
        Ok(())
    }
}

/// A value of `countdown` or `loop_countdown`: compiling failed, and is
/// never tried again.
const NEVER: u32 = u32::MAX;

/// A value of `countdown` or `loop_countdown`: a job is queued for a
/// compiler thread, and the code is installed when it is done.
const QUEUED: u32 = u32::MAX - 1;

/// Code compiled for entry at a loop header (on-stack replacement).
#[derive(Clone, Copy, Debug)]
struct LoopEntry {
    func: u32,
    /// The loop header.
    pc: u32,
    /// `TIER_BASELINE` or `TIER_OPTIMISED`.
    tier: u8,
    code: *const u8,
}

/// Where a function is in tier 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Upper {
    /// Not at tier 2: interpreted, or at tier 1.
    Below,
    /// A compiler thread has its tier-2 job.
    Queued,
    /// Its tier-2 code is installed.
    Running,
}

/// A function's tier-2 state.
#[derive(Clone, Copy, Debug)]
struct Tier2 {
    /// Its tier-2 code for calls (in its entry slot).
    upper: Upper,
    /// Its tier-2 code for entry at loops (in the loop table).
    loops: Upper,
    /// Side exits its tier-2 code may take before it is thrown out
    /// (`SIDE_EXITS_BEFORE_RECOMPILE` when it is installed).
    exits_left: u32,
    /// Its tier-1 code for calls, which it goes back to after too many
    /// side exits (null until it has some).
    baseline: *const u8,
    /// Tier-2 compilations made of it for calls, and for loops (each at
    /// most `MAX_TIER2_COMPILES`).
    compiles: u32,
    loop_compiles: u32,
    /// Times its tier-2 code was thrown out after side exits: its later
    /// tier-2 compilations are recompilations.
    dropped: u32,
}

/// The compiled-code state of one run.
pub(crate) struct Tiers {
    /// Whether any function may run compiled; false for `--jit=off` and for
    /// runs without a compiler, so that the interpreter's calls test one
    /// flag and nothing else.
    pub enabled: bool,
    /// The compiler of the program's thread, made at its first compilation
    /// (so that runs that compile nothing never pay for starting it).
    compiler: Option<Box<dyn Compiler>>,
    /// What makes it.
    factory: Option<CompilerFactory>,
    /// What its compilations read of the program, made with it.
    inputs: Option<CompileInputs>,
    /// The compiler threads, under `--jit=on` with `--jit-threads` above 0.
    background: Option<Background>,
    /// Per function: its compiled entry, or null while it is interpreted.
    pub entries: Vec<*const u8>,
    /// Per function: calls left before it is compiled; `NEVER` once
    /// compiling it failed, `QUEUED` while a compiler thread has it.
    countdown: Vec<u32>,
    /// Calls per compilation (`countdown`'s start).
    call_threshold: u32,
    /// Per function: backward branches left in the interpreter before it
    /// is compiled for entry at the loop it is in; `NEVER` once that
    /// failed, `QUEUED` while a compiler thread has it.
    loop_countdown: Vec<u32>,
    /// Backward branches per loop compilation (`loop_countdown`'s start).
    loop_threshold: u32,
    /// Code compiled for entry at a loop: (function, instruction, tier,
    /// code). A function rarely has more than one hot loop, so a list.
    loop_entries: Vec<LoopEntry>,
    /// Per function: what the interpreter saw at its trait and closure
    /// calls, per instruction (`abi::PROFILE_*`); empty until it saw one.
    profiles: Vec<Vec<u32>>,
    /// Per function: calls of its tier-1 code left before it is compiled
    /// at tier 2. Tier-1 code decrements its function's count itself (the
    /// table never moves: its addresses are in the code) and calls the
    /// `tier_up` helper when it reaches 0.
    tier_up_counts: Box<[AtomicU32]>,
    /// Calls of tier-1 code per tier-2 compilation (`tier_up_counts`'
    /// start); `NEVER` when nothing goes to tier 2.
    tier2_threshold: u32,
    /// Per function: backward branches of its tier-1 code left before the
    /// loop being run is compiled at tier 2 and entered there. As
    /// `tier_up_counts`, decremented by the code itself, which calls the
    /// `loop_tier_up` helper at 0.
    loop_tier_up_counts: Box<[AtomicU32]>,
    /// Backward branches per tier-2 loop compilation
    /// (`loop_tier_up_counts`' start): `BACK_EDGES_PER_CALL` times
    /// `tier2_threshold`, as for tier 1.
    tier2_loop_threshold: u32,
    /// Per function: its tier-2 state.
    tier2: Vec<Tier2>,
    /// What compiled code reads (boxed: its address is in compiled code's
    /// argument for the whole run).
    pub ctx: Box<JitCtx>,
    /// The failure a helper recorded for compiled code to unwind with.
    pub pending: Option<crate::trap::Trap>,
    pub stats: JitStats,
}

impl Tiers {
    /// No compiled code: the REPL, `--jit=off`, runtime tests.
    pub fn off() -> Tiers {
        Tiers {
            enabled: false,
            compiler: None,
            factory: None,
            inputs: None,
            background: None,
            entries: Vec::new(),
            countdown: Vec::new(),
            call_threshold: NEVER,
            loop_countdown: Vec::new(),
            loop_threshold: NEVER,
            loop_entries: Vec::new(),
            profiles: Vec::new(),
            tier_up_counts: Box::new([]),
            tier2_threshold: NEVER,
            loop_tier_up_counts: Box::new([]),
            tier2_loop_threshold: NEVER,
            tier2: Vec::new(),
            ctx: Box::new(JitCtx {
                vm: std::ptr::null_mut(),
                stack_limit: 0,
                log_table: 0,
                globals: std::ptr::null_mut(),
                consts: std::ptr::null(),
                entries: std::ptr::null(),
                frames_len: std::ptr::null_mut(),
                frames_end: std::ptr::null(),
                stack_end: std::ptr::null(),
                alloc: std::ptr::null_mut(),
            }),
            pending: None,
            stats: JitStats::default(),
        }
    }

    /// The tiers of a run of program `prog` with `opts`.
    pub fn new(opts: &JitOptions, prog: &Arc<Program>) -> Result<Tiers, String> {
        let mut t = Tiers::off();
        let (JitMode::On | JitMode::Always, Some(factory)) = (opts.mode, &opts.compiler) else {
            return Ok(t);
        };
        t.factory = Some(factory.clone());
        t.enabled = true;
        let funcs = prog.funcs.len();
        // The table is never resized, so its address in the context stays
        // valid for the whole run.
        t.entries = vec![std::ptr::null(); funcs];
        t.ctx.entries = t.entries.as_ptr();
        t.call_threshold = if opts.mode == JitMode::Always {
            1
        } else {
            opts.threshold.unwrap_or(CALLS_BEFORE_COMPILE).max(1)
        };
        t.countdown = vec![t.call_threshold; funcs];
        t.loop_threshold = t.call_threshold.saturating_mul(BACK_EDGES_PER_CALL);
        t.loop_countdown = vec![t.loop_threshold; funcs];
        t.tier2_threshold = if opts.max_tier.is_some_and(|m| m < TIER_OPTIMISED) {
            NEVER
        } else if opts.mode == JitMode::Always {
            // Nothing is profiled: every function is compiled before the
            // interpreter runs it.
            NEVER
        } else {
            opts.threshold.unwrap_or(TIER2_CALLS).clamp(1, NEVER - 1)
        };
        t.tier2_loop_threshold = if t.tier2_threshold == NEVER {
            NEVER
        } else {
            t.tier2_threshold
                .saturating_mul(BACK_EDGES_PER_CALL)
                .min(NEVER - 1)
        };
        t.profiles = vec![Vec::new(); funcs];
        t.tier_up_counts = (0..funcs).map(|_| AtomicU32::new(NEVER)).collect();
        t.loop_tier_up_counts = (0..funcs).map(|_| AtomicU32::new(NEVER)).collect();
        t.tier2 = vec![
            Tier2 {
                upper: Upper::Below,
                loops: Upper::Below,
                exits_left: 0,
                baseline: std::ptr::null(),
                compiles: 0,
                loop_compiles: 0,
                dropped: 0,
            };
            funcs
        ];
        t.ctx.stack_limit = native_stack_limit();
        // `--jit=always` promises compiled code from the first call, so it
        // compiles on the program's thread.
        if opts.mode == JitMode::On && opts.threads != Some(0) {
            t.background = Some(Background::new(
                opts.threads,
                Arc::clone(prog),
                factory.clone(),
            ));
        }
        Ok(t)
    }

    /// The compiled entry of function `f`, compiling it first if this call
    /// makes it hot; `None` while it stays interpreted.
    #[inline(always)]
    pub fn entry(&mut self, prog: &Program, f: u32) -> Option<*const u8> {
        let code = *self.entries.get(f as usize)?;
        if !code.is_null() {
            return Some(code);
        }
        self.count_call(prog, f)
    }

    /// Counts a call of interpreted function `f`; compiles it (or queues
    /// it for a compiler thread) when the count runs out.
    #[inline(never)]
    fn count_call(&mut self, prog: &Program, f: u32) -> Option<*const u8> {
        if self
            .background
            .as_ref()
            .is_some_and(Background::has_finished)
        {
            self.install_finished(prog);
            let code = *self.entries.get(f as usize)?;
            if !code.is_null() {
                return Some(code);
            }
        }
        let left = self.countdown.get_mut(f as usize)?;
        if *left >= QUEUED {
            return None;
        }
        *left -= 1;
        if *left > 0 {
            return None;
        }
        let job = self.baseline_job(f, 0);
        if self.queue(job.clone()) {
            return None;
        }
        let code = self.compile(prog, &job)?;
        self.install(&job, code);
        Some(code)
    }

    /// Counts a backward branch to instruction `target` of interpreted
    /// function `f`; gives code to enter there once the function's loops
    /// are hot (compiling it, or queueing it for a compiler thread, if need
    /// be).
    #[inline(never)]
    pub fn back_edge(&mut self, prog: &Program, f: u32, target: u32) -> Option<*const u8> {
        if self
            .background
            .as_ref()
            .is_some_and(Background::has_finished)
        {
            self.install_finished(prog);
        }
        let left = self.loop_countdown.get_mut(f as usize)?;
        if *left >= QUEUED {
            return None;
        }
        *left = left.saturating_sub(1);
        if *left > 0 {
            return None;
        }
        if let Some(entry) = self.loop_code(f, target, None) {
            self.entered_loop(entry.tier);
            return Some(entry.code);
        }
        let job = self.baseline_job(f, target);
        if self.queue(job.clone()) {
            return None;
        }
        let code = self.compile(prog, &job)?;
        self.install(&job, code);
        self.entered_loop(TIER_BASELINE);
        Some(code)
    }

    /// The code for entry at loop `target` of function `f`: at `tier`, or
    /// when `None` the highest tier's.
    fn loop_code(&self, f: u32, target: u32, tier: Option<u8>) -> Option<LoopEntry> {
        self.loop_entries
            .iter()
            .filter(|l| l.func == f && l.pc == target && tier.is_none_or(|t| l.tier == t))
            .max_by_key(|l| l.tier)
            .copied()
    }

    /// Counts an on-stack replacement into code of `tier`.
    fn entered_loop(&mut self, tier: u8) {
        self.stats.loop_entries_run += 1;
        let at = usize::from(tier == TIER_OPTIMISED);
        self.stats.tiers[at].osr_entries += 1;
    }

    /// Tier-1 code of function `f` has counted its backward branches down
    /// to 0 and is about to branch to the loop header at `target`: gives
    /// the tier-2 code to go on in from there, compiling it from the
    /// profile (or queueing it for a compiler thread) if need be; `None`
    /// while there is none, and the tier-1 code goes on.
    #[cold]
    pub fn loop_tier_up(&mut self, prog: &Program, f: u32, target: u32) -> Option<*const u8> {
        let count = self.loop_tier_up_counts.get(f as usize)?;
        count.store(self.tier2_loop_threshold, Ordering::Relaxed);
        if self
            .background
            .as_ref()
            .is_some_and(Background::has_finished)
        {
            self.install_finished(prog);
        }
        if let Some(entry) = self.loop_code(f, target, Some(TIER_OPTIMISED)) {
            self.entered_loop(TIER_OPTIMISED);
            return Some(entry.code);
        }
        let state = *self.tier2.get(f as usize)?;
        if state.loops == Upper::Queued {
            return None;
        }
        if state.loop_compiles >= MAX_TIER2_COMPILES || !self.speculates(f) {
            // Tier 1 for good: its count starts so high it never ends.
            if let Some(count) = self.loop_tier_up_counts.get(f as usize) {
                count.store(NEVER, Ordering::Relaxed);
            }
            return None;
        }
        let job = Job::optimised(f, target, self.profile_of(f));
        if let Some(t2) = self.tier2.get_mut(f as usize) {
            t2.loop_compiles += 1;
            if t2.dropped > 0 {
                self.stats.tiers[1].recompilations += 1;
            }
        }
        if self.queue(job.clone()) {
            return None;
        }
        let code = self.compile(prog, &job)?;
        self.install(&job, code);
        self.entered_loop(TIER_OPTIMISED);
        Some(code)
    }

    /// A copy of function `f`'s profile, for a tier-2 job.
    fn profile_of(&self, f: u32) -> Arc<[u32]> {
        self.profiles
            .get(f as usize)
            .map_or_else(|| Arc::from(Vec::new()), |p| Arc::from(&p[..]))
    }

    /// Records that the trait or closure call at instruction `pc` of
    /// function `f` (interpreted) reached a receiver or closure whose
    /// header's aux word is `key`.
    pub fn observe(&mut self, prog: &Program, f: u32, pc: u32, key: u32) {
        let Some(profile) = self.profiles.get_mut(f as usize) else {
            return;
        };
        if profile.is_empty() {
            let len = prog.funcs.get(f as usize).map_or(0, |i| i.code.len());
            profile.resize(len, PROFILE_UNSEEN);
        }
        let Some(seen) = profile.get_mut(pc as usize) else {
            return;
        };
        // A key too big to tag is never speculated on.
        let tag = match key.checked_add(1) {
            Some(tag) if tag < PROFILE_POLYMORPHIC => tag,
            _ => PROFILE_POLYMORPHIC,
        };
        if *seen == PROFILE_UNSEEN {
            *seen = tag;
        } else if *seen != tag {
            *seen = PROFILE_POLYMORPHIC;
        }
    }

    /// Whether function `f`'s profile has a call site that saw a single
    /// target: something for tier 2 to speculate on.
    fn speculates(&self, f: u32) -> bool {
        self.profiles.get(f as usize).is_some_and(|p| {
            p.iter()
                .any(|&seen| seen != PROFILE_UNSEEN && seen != PROFILE_POLYMORPHIC)
        })
    }

    /// The tier-1 job for function `f` entered at `entry_pc`: when tier 2
    /// would have something to speculate on, code for calls counts them
    /// toward tier 2, and all of it counts its backward branches toward
    /// tier 2 for the loop it is in.
    fn baseline_job(&mut self, f: u32, entry_pc: u32) -> Job {
        let (mut tier_up, mut loop_tier_up) = (0, 0);
        if self.tier2_threshold != NEVER && self.speculates(f) {
            if let Some(count) = self
                .tier_up_counts
                .get(f as usize)
                .filter(|_| entry_pc == 0)
            {
                count.store(self.tier2_threshold, Ordering::Relaxed);
                tier_up = count.as_ptr() as usize;
            }
            if let Some(count) = self.loop_tier_up_counts.get(f as usize) {
                // Code compiled for calls and for a loop share the count.
                if count.load(Ordering::Relaxed) == NEVER {
                    count.store(self.tier2_loop_threshold, Ordering::Relaxed);
                }
                loop_tier_up = count.as_ptr() as usize;
            }
        }
        Job::baseline(f, entry_pc, (tier_up, loop_tier_up))
    }

    /// Tier-1 code of function `f` has counted its calls down to 0: compiles
    /// it at tier 2 from its profile (or queues it for a compiler thread).
    /// While a job is queued, the tier-1 code comes back every
    /// `tier2_threshold` calls, installing whatever has finished.
    #[cold]
    pub fn tier_up(&mut self, prog: &Program, f: u32) {
        let Some(count) = self.tier_up_counts.get(f as usize) else {
            return;
        };
        count.store(self.tier2_threshold, Ordering::Relaxed);
        if self
            .background
            .as_ref()
            .is_some_and(Background::has_finished)
        {
            self.install_finished(prog);
        }
        let Some(&state) = self.tier2.get(f as usize) else {
            return;
        };
        if state.upper != Upper::Below {
            return;
        }
        if state.compiles >= MAX_TIER2_COMPILES || !self.speculates(f) {
            // Tier 1 for good: its count starts so high it never ends.
            if let Some(count) = self.tier_up_counts.get(f as usize) {
                count.store(NEVER, Ordering::Relaxed);
            }
            return;
        }
        let job = Job::optimised(f, 0, self.profile_of(f));
        if let Some(t2) = self.tier2.get_mut(f as usize) {
            t2.compiles += 1;
            if t2.compiles > 1 || t2.dropped > 0 {
                self.stats.tiers[1].recompilations += 1;
            }
        }
        if self.queue(job.clone()) {
            return;
        }
        if let Some(code) = self.compile(prog, &job) {
            self.install(&job, code);
        }
    }

    /// Tier-2 code of function `f` left a frame to the interpreter: counts
    /// the side exit, and after `SIDE_EXITS_BEFORE_RECOMPILE` of them
    /// throws the function's tier-2 code out: its entry slot gets its
    /// tier-1 code back and its loops their tier-1 code, whose calls and
    /// backward branches count toward a recompilation from the profile as
    /// it is then.
    pub fn side_exit(&mut self, _prog: &Program, f: u32) {
        self.stats.tiers[1].side_exits += 1;
        let Some(t2) = self.tier2.get_mut(f as usize) else {
            return;
        };
        let (calls, loops) = (t2.upper == Upper::Running, t2.loops == Upper::Running);
        if !calls && !loops {
            return;
        }
        if t2.exits_left > 1 {
            t2.exits_left -= 1;
            return;
        }
        t2.dropped += 1;
        if calls {
            t2.upper = Upper::Below;
            let baseline = t2.baseline;
            if let Some(slot) = self.entries.get_mut(f as usize) {
                *slot = baseline;
            }
            if let Some(count) = self.tier_up_counts.get(f as usize) {
                count.store(self.tier2_threshold, Ordering::Relaxed);
            }
        }
        if loops {
            t2.loops = Upper::Below;
            self.loop_entries
                .retain(|l| l.func != f || l.tier != TIER_OPTIMISED);
            if let Some(count) = self.loop_tier_up_counts.get(f as usize) {
                count.store(self.tier2_loop_threshold, Ordering::Relaxed);
            }
        }
    }

    /// Installs `code`, compiled for `job`, where calls find it: the entry
    /// slot (tier-2 code, and tier-1 code for calls), or the loop table.
    fn install(&mut self, job: &Job, code: *const u8) {
        let f = job.func as usize;
        let optimised = job.tier == TIER_OPTIMISED;
        if job.entry_pc != 0 {
            self.stats.loop_entries += 1;
            self.loop_entries.push(LoopEntry {
                func: job.func,
                pc: job.entry_pc,
                tier: job.tier,
                code,
            });
            if !optimised {
                // The next loop of this function gets its own count.
                if let Some(left) = self.loop_countdown.get_mut(f) {
                    *left = self.loop_threshold;
                }
            }
        } else if let Some(slot) = self.entries.get_mut(f) {
            *slot = code;
        }
        if let Some(t2) = self.tier2.get_mut(f) {
            match (optimised, job.entry_pc) {
                (false, 0) => t2.baseline = code,
                (false, _) => {}
                (true, 0) => t2.upper = Upper::Running,
                (true, _) => t2.loops = Upper::Running,
            }
            if optimised {
                t2.exits_left = SIDE_EXITS_BEFORE_RECOMPILE;
            }
        }
    }

    /// Queues function `f` (entered at `entry_pc`) for a compiler thread,
    /// when the run has them; gives whether it did (or will try again
    /// later), false when the caller must compile it now.
    fn queue(&mut self, job: Job) -> bool {
        let Some(background) = self.background.as_mut() else {
            return false;
        };
        let (f, entry_pc, tier) = (job.func, job.entry_pc, job.tier);
        let submitted = background.submit(job);
        if tier == TIER_OPTIMISED {
            let queued = matches!(submitted, Submitted::Queued);
            if let Some(t2) = self.tier2.get_mut(f as usize) {
                let (upper, compiles) = if entry_pc == 0 {
                    (&mut t2.upper, &mut t2.compiles)
                } else {
                    (&mut t2.loops, &mut t2.loop_compiles)
                };
                if queued {
                    *upper = Upper::Queued;
                } else if matches!(submitted, Submitted::QueueFull) {
                    // Tried again when the tier-1 code counts out again.
                    *compiles = compiles.saturating_sub(1);
                }
            }
            if !matches!(submitted, Submitted::NoThreads(_)) {
                return true;
            }
        }
        let (counts, restart) = if entry_pc == 0 {
            (&mut self.countdown, self.call_threshold)
        } else {
            (&mut self.loop_countdown, self.loop_threshold)
        };
        let left = counts.get_mut(f as usize);
        match submitted {
            Submitted::Queued => {
                if let Some(left) = left {
                    *left = QUEUED;
                }
                true
            }
            Submitted::QueueFull => {
                // Tried again when the function has become hot once more.
                if let Some(left) = left {
                    *left = restart;
                }
                true
            }
            Submitted::NoThreads(why) => {
                // This run compiles on its own thread from now on.
                self.background = None;
                if let Some(why) = why {
                    self.stats.first_failure.get_or_insert(why);
                }
                false
            }
        }
    }

    /// Installs the code compiler threads have finished: a function's by
    /// one store into its entry slot, a loop's into the loop table, whose
    /// function enters it at its next backward branch there.
    #[cold]
    fn install_finished(&mut self, prog: &Program) {
        let finished = match &self.background {
            Some(background) => background.take_finished(),
            None => return,
        };
        for done in finished {
            self.record(prog, done, true);
        }
    }

    /// Counts the compilations of finished jobs in the statistics, and
    /// installs their code if `install`.
    fn record(&mut self, prog: &Program, done: Finished, install: bool) {
        self.stats.background += 1;
        let result = match done.result {
            Ok(Handed(code)) => Ok(code),
            Err(Failure::Function(why)) => Err(why),
            Err(Failure::NoCompiler(why)) => {
                self.stats.compile_time += done.time;
                self.cannot_start(&why);
                return;
            }
        };
        let job = done.job;
        let Some(code) = self.account(prog, &job, result, done.time) else {
            return;
        };
        if !install {
            return;
        }
        self.install(&job, code);
        if job.entry_pc != 0 {
            // Entered at the function's next backward branch (in the
            // interpreter, or in its tier-1 code).
            let f = job.func as usize;
            if job.tier == TIER_OPTIMISED {
                if let Some(count) = self.loop_tier_up_counts.get(f) {
                    count.store(1, Ordering::Relaxed);
                }
            } else if let Some(left) = self.loop_countdown.get_mut(f) {
                *left = 1;
            }
        }
    }

    /// Counts the compilation of `job`, which took `time`, in the
    /// statistics, and gives its code; when it failed, records why and
    /// marks the function (or its loops) never to be tried again.
    fn account(
        &mut self,
        prog: &Program,
        job: &Job,
        result: Result<CompiledCode, String>,
        time: Duration,
    ) -> Option<*const u8> {
        let (f, entry_pc) = (job.func, job.entry_pc);
        let info = prog.funcs.get(f as usize);
        self.stats.compile_time += time;
        let optimised = job.tier == TIER_OPTIMISED;
        let tier = &mut self.stats.tiers[usize::from(optimised)];
        tier.compile_time += time;
        match result {
            Ok(code) => {
                tier.functions += 1;
                tier.loop_entries += u64::from(entry_pc != 0);
                tier.code_bytes += code.code_bytes as u64;
                self.stats.functions += 1;
                self.stats.instructions += info.map_or(0, |i| i.code.len()) as u64;
                self.stats.code_bytes += code.code_bytes as u64;
                self.stats.inlined_calls += u64::from(code.inlined_calls);
                Some(code.entry)
            }
            Err(why) => {
                self.stats.failed += 1;
                let name = info.map_or("?", |i| &i.name[..]);
                let tier_name = if optimised { " (tier 2)" } else { "" };
                self.stats
                    .first_failure
                    .get_or_insert_with(|| format!("{name}{tier_name}: {why}"));
                if optimised {
                    // The function (or its loops) stays at tier 1, for good.
                    if let Some(t2) = self.tier2.get_mut(f as usize) {
                        if entry_pc == 0 {
                            t2.upper = Upper::Below;
                            t2.compiles = MAX_TIER2_COMPILES;
                        } else {
                            t2.loops = Upper::Below;
                            t2.loop_compiles = MAX_TIER2_COMPILES;
                        }
                    }
                    return None;
                }
                let counts = if entry_pc == 0 {
                    &mut self.countdown
                } else {
                    &mut self.loop_countdown
                };
                if let Some(left) = counts.get_mut(f as usize) {
                    *left = NEVER;
                }
                None
            }
        }
    }

    /// No compiler could be made (no executable memory, say): the run goes
    /// on interpreted, and the statistics say why.
    fn cannot_start(&mut self, why: &str) {
        self.enabled = false;
        self.stats.failed += 1;
        self.stats
            .first_failure
            .get_or_insert_with(|| format!("cannot start the JIT: {why}"));
    }

    /// Ends compilation for the run, once the program has stopped running:
    /// waits for the compiler threads' current jobs and counts what they
    /// finished in the statistics.
    pub fn finish(&mut self, prog: &Program) {
        if let Some(mut background) = self.background.take() {
            for done in background.finish() {
                self.record(prog, done, false);
            }
        }
    }

    /// Compiles `job` now, on this thread.
    #[cold]
    fn compile(&mut self, prog: &Program, job: &Job) -> Option<*const u8> {
        if self.compiler.is_none() {
            let factory = self.factory.as_ref()?;
            match factory() {
                Ok(c) => self.compiler = Some(c),
                Err(why) => {
                    self.cannot_start(&why);
                    return None;
                }
            }
        }
        let compiler = self.compiler.as_mut()?;
        let inputs = self.inputs.get_or_insert_with(|| CompileInputs::new(prog));
        let started = Instant::now();
        let result = inputs.compile(&mut **compiler, prog, job);
        self.account(prog, job, result, started.elapsed())
    }
}

/// How much of the native stack compiled code leaves unused: 256 KiB, room
/// for the deepest Rust a helper runs (printing a nested value, a native,
/// the collector's entry) below the last compiled frame.
const NATIVE_STACK_RESERVE: usize = 256 << 10;

/// The lowest native stack address compiled code may reach on this thread,
/// or 0 when the thread's stack cannot be found out (the frame limit then
/// bounds the depth alone).
fn native_stack_limit() -> usize {
    // SAFETY: `attr` is initialised by `pthread_getattr_np` before it is
    // read and destroyed once; the calls only write through the pointers
    // given.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return 0;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        if !ok {
            return 0;
        }
        // A small stack (a test thread's) keeps half of itself in reserve.
        addr as usize + NATIVE_STACK_RESERVE.min(size / 2)
    }
}
