//! Which functions run compiled: the entry table, the call counts that
//! decide when a function is compiled, and the compiler of the run.
//!
//! Every function starts interpreted. Under `--jit=always` a function is
//! compiled at its first call; under `--jit=on` after `CALLS_BEFORE_COMPILE`
//! calls. A function whose compilation fails keeps running in the
//! interpreter (and is counted in the statistics): compiled code is an
//! optimisation, never a requirement.

use crate::abi::{
    CalleeFacts, CompileRequest, Compiler, CompilerFactory, FunctionBody, Helpers, JitCtx,
    MapFacts, TraitImpl,
};
use crate::program::{FuncInfo, KeyKind, Program, TypeInfo};
use std::fmt;
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

/// The JIT of a run: the mode and the compiler to use.
#[derive(Clone, Default)]
pub struct JitOptions {
    pub mode: JitMode,
    /// Under `--jit=on`: calls before a function is compiled (`None`:
    /// `CALLS_BEFORE_COMPILE`); a loop is compiled after
    /// `BACK_EDGES_PER_CALL` times as many backward branches. Low values
    /// make tests switch between the interpreter and compiled code often.
    pub threshold: Option<u32>,
    /// Makes the compiler; without one every function is interpreted.
    pub compiler: Option<CompilerFactory>,
}

impl fmt::Debug for JitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JitOptions")
            .field("mode", &self.mode)
            .field("threshold", &self.threshold)
            .field("compiler", &self.compiler.is_some())
            .finish()
    }
}

/// What the JIT did in a run (`lang run --jit-stats`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JitStats {
    /// Functions compiled.
    pub functions: u64,
    /// Of them, compilations for entry at a loop (on-stack replacement).
    pub loop_entries: u64,
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
        Ok(())
    }
}

/// The compiled-code state of one run.
pub(crate) struct Tiers {
    /// Whether any function may run compiled; false for `--jit=off` and for
    /// runs without a compiler, so that the interpreter's calls test one
    /// flag and nothing else.
    pub enabled: bool,
    /// The compiler, made at the first compilation (so that runs that
    /// compile nothing never pay for starting it).
    compiler: Option<Box<dyn Compiler>>,
    /// What makes it.
    factory: Option<CompilerFactory>,
    /// Per function: its compiled entry, or null while it is interpreted.
    pub entries: Vec<*const u8>,
    /// Per function: calls left before it is compiled; `u32::MAX` once
    /// compiling it failed (it is never tried again).
    countdown: Vec<u32>,
    /// Per function: backward branches left in the interpreter before it
    /// is compiled for entry at the loop it is in; `u32::MAX` once that
    /// failed.
    loop_countdown: Vec<u32>,
    /// Backward branches per loop compilation (`loop_countdown`'s start).
    loop_threshold: u32,
    /// Code compiled for entry at a loop: (function, instruction, code).
    /// A function rarely has more than one hot loop, so a list.
    loop_entries: Vec<(u32, u32, *const u8)>,
    /// What compiled code reads (boxed: its address is in compiled code's
    /// argument for the whole run).
    pub ctx: Box<JitCtx>,
    /// The failure a helper recorded for compiled code to unwind with.
    pub pending: Option<crate::trap::Trap>,
    pub stats: JitStats,
    helpers: Helpers,
    /// Per function: what compiled code calling it directly needs.
    callees: Vec<CalleeFacts>,
    /// Per function, per register: whether it holds a float (what the
    /// compiler needs of a function besides its code).
    reg_is_float: Vec<Vec<bool>>,
    /// Per function, per register: whether it holds a bool.
    reg_is_bool: Vec<Vec<bool>>,
    /// The functions the program makes closures of (the `f` of its
    /// `closure` instructions), in function order without duplicates: all
    /// that a closure call can run. Found at the first compilation, so
    /// that runs that compile nothing never scan the code.
    closure_funcs: Option<Vec<u32>>,
}

impl Tiers {
    /// No compiled code: the REPL, `--jit=off`, runtime tests.
    pub fn off() -> Tiers {
        Tiers {
            enabled: false,
            compiler: None,
            factory: None,
            entries: Vec::new(),
            countdown: Vec::new(),
            loop_countdown: Vec::new(),
            loop_threshold: u32::MAX,
            loop_entries: Vec::new(),
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
            helpers: super::helpers::table(),
            callees: Vec::new(),
            reg_is_float: Vec::new(),
            reg_is_bool: Vec::new(),
            closure_funcs: None,
        }
    }

    /// The tiers of a run of program `prog` with `opts`.
    pub fn new(opts: &JitOptions, prog: &Program) -> Result<Tiers, String> {
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
        t.callees = prog
            .funcs
            .iter()
            .map(|f| CalleeFacts {
                nregs: u32::try_from(f.nregs).unwrap_or(u32::MAX),
                params: u32::try_from(f.params).unwrap_or(u32::MAX),
                returns_value: f.returns_value,
            })
            .collect();
        let regs_of = |class: fn(&TypeInfo) -> bool| -> Vec<Vec<bool>> {
            prog.funcs
                .iter()
                .map(|f| f.reg_types.iter().map(|&t| class(prog.ty(t))).collect())
                .collect()
        };
        t.reg_is_float = regs_of(|t| matches!(t, TypeInfo::Float));
        t.reg_is_bool = regs_of(|t| matches!(t, TypeInfo::Bool));
        let first = if opts.mode == JitMode::Always {
            1
        } else {
            opts.threshold.unwrap_or(CALLS_BEFORE_COMPILE).max(1)
        };
        t.countdown = vec![first; funcs];
        t.loop_threshold = first.saturating_mul(BACK_EDGES_PER_CALL);
        t.loop_countdown = vec![t.loop_threshold; funcs];
        t.ctx.stack_limit = native_stack_limit();
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

    /// Counts a call of interpreted function `f`; compiles it when the
    /// count runs out.
    #[inline(never)]
    fn count_call(&mut self, prog: &Program, f: u32) -> Option<*const u8> {
        let left = self.countdown.get_mut(f as usize)?;
        if *left == u32::MAX {
            return None;
        }
        *left -= 1;
        if *left > 0 {
            return None;
        }
        let code = self.compile(prog, f, 0)?;
        let slot = self.entries.get_mut(f as usize)?;
        *slot = code;
        Some(code)
    }

    /// Counts a backward branch to instruction `target` of interpreted
    /// function `f`; gives code to enter there once the function's loops
    /// are hot (compiling it if need be).
    #[inline(never)]
    pub fn back_edge(&mut self, prog: &Program, f: u32, target: u32) -> Option<*const u8> {
        let left = self.loop_countdown.get_mut(f as usize)?;
        if *left == u32::MAX {
            return None;
        }
        *left = left.saturating_sub(1);
        if *left > 0 {
            return None;
        }
        if let Some(&(_, _, code)) = self
            .loop_entries
            .iter()
            .find(|&&(g, pc, _)| g == f && pc == target)
        {
            return Some(code);
        }
        match self.compile(prog, f, target) {
            Some(code) => {
                self.stats.loop_entries += 1;
                self.loop_entries.push((f, target, code));
                // The next loop of this function gets its own count.
                if let Some(left) = self.loop_countdown.get_mut(f as usize) {
                    *left = self.loop_threshold;
                }
                Some(code)
            }
            None => {
                if let Some(left) = self.loop_countdown.get_mut(f as usize) {
                    *left = u32::MAX;
                }
                None
            }
        }
    }

    /// Compiles function `f` now, entered at instruction `entry_pc` (0:
    /// its start; otherwise a loop header, entered with the registers
    /// as they are).
    #[cold]
    fn compile(&mut self, prog: &Program, f: u32, entry_pc: u32) -> Option<*const u8> {
        if self.compiler.is_none() {
            let factory = self.factory.as_ref()?;
            match factory() {
                Ok(c) => self.compiler = Some(c),
                Err(why) => {
                    // No executable memory, say: the run goes on
                    // interpreted, and the statistics say why.
                    self.enabled = false;
                    self.stats.failed += 1;
                    self.stats
                        .first_failure
                        .get_or_insert_with(|| format!("cannot start the JIT: {why}"));
                    return None;
                }
            }
        }
        let compiler = self.compiler.as_mut()?;
        let info = prog.funcs.get(f as usize)?;
        let float_regs = &self.reg_is_float;
        let bool_regs = &self.reg_is_bool;
        let body = |g: u32| {
            let callee = prog.funcs.get(g as usize)?;
            Some(FunctionBody {
                code: &callee.code,
                reg_is_ref: &callee.reg_is_ref,
                reg_is_float: float_regs.get(g as usize)?,
                reg_is_bool: bool_regs.get(g as usize)?,
            })
        };
        let trait_impls = |t: u32, m: u16| trait_impls(prog, t, m);
        let closure_funcs = self
            .closure_funcs
            .get_or_insert_with(|| closure_funcs(prog));
        let closure_targets = |g: u32, r: u16| closure_targets(prog, closure_funcs, g, r);
        let req = CompileRequest {
            func: f,
            code: &info.code,
            consts: &prog.module.consts,
            reg_is_ref: &info.reg_is_ref,
            reg_is_float: float_regs.get(f as usize)?,
            reg_is_bool: bool_regs.get(f as usize)?,
            helpers: &self.helpers,
            funcs: &self.callees,
            fixed_object: &|g, ins| prog.fixed_object(prog.funcs.get(g as usize)?, ins),
            entry_pc,
            body: &body,
            trait_impls: &trait_impls,
            closure_targets: &closure_targets,
            map_facts: &|g, r| map_facts(prog, prog.funcs.get(g as usize)?, r),
        };
        let started = Instant::now();
        let result = compiler.compile(&req);
        self.stats.compile_time += started.elapsed();
        match result {
            Ok(code) => {
                self.stats.functions += 1;
                self.stats.instructions += info.code.len() as u64;
                self.stats.code_bytes += code.code_bytes as u64;
                self.stats.inlined_calls += u64::from(code.inlined_calls);
                Some(code.entry)
            }
            Err(why) => {
                self.stats.failed += 1;
                let name = &info.name;
                self.stats
                    .first_failure
                    .get_or_insert_with(|| format!("{name}: {why}"));
                if entry_pc == 0 {
                    if let Some(left) = self.countdown.get_mut(f as usize) {
                        *left = u32::MAX;
                    }
                }
                None
            }
        }
    }
}

/// What the map helpers need to know of register `r` of function `info`,
/// if it holds a map.
fn map_facts(prog: &Program, info: &FuncInfo, r: u16) -> Option<MapFacts> {
    let t = *info.reg_types.get(usize::from(r))?;
    match prog.types.get(t as usize)? {
        &TypeInfo::Map { kind, val_ref, .. } => Some(MapFacts {
            str_keys: kind == KeyKind::Str,
            val_ref,
        }),
        _ => None,
    }
}

/// The implementations of method `m` of trait type `t`, in struct order.
fn trait_impls(prog: &Program, t: u32, m: u16) -> Vec<TraitImpl> {
    let TypeInfo::Trait(ti) = *prog.ty(t) else {
        return Vec::new();
    };
    let Some(vt) = prog.vtables.get(ti as usize) else {
        return Vec::new();
    };
    if usize::from(m) >= vt.methods {
        return Vec::new();
    }
    vt.funcs
        .iter()
        .skip(usize::from(m))
        .step_by(vt.methods)
        .enumerate()
        .filter(|&(_, &f)| f != crate::program::NO_METHOD)
        .filter_map(|(s, &func)| {
            Some(TraitImpl {
                struct_index: u32::try_from(s).ok()?,
                func,
            })
        })
        .collect()
}

/// The functions program `prog` makes closures of, in function order
/// without duplicates.
fn closure_funcs(prog: &Program) -> Vec<u32> {
    let mut funcs: Vec<u32> = prog
        .funcs
        .iter()
        .flat_map(|f| f.code.iter())
        .filter_map(|ins| match *ins {
            lang_bytecode::Instr::MakeClosure { f, .. } => Some(f),
            _ => None,
        })
        .collect();
    funcs.sort_unstable();
    funcs.dedup();
    funcs
}

/// The functions a closure in register `r` of function `g` may run: those
/// of `closure_funcs` whose parameter and result types are the register's
/// function type. A closure of any other function cannot be in that
/// register (the verifier checked every `closure` against its register's
/// type), so a call compiled with this list needs its generic path only for
/// nil.
fn closure_targets(prog: &Program, closure_funcs: &[u32], g: u32, r: u16) -> Vec<u32> {
    let Some(ty) = prog
        .funcs
        .get(g as usize)
        .and_then(|f| f.reg_types.get(usize::from(r)))
        .and_then(|&t| prog.module.type_at(t))
    else {
        return Vec::new();
    };
    let lang_bytecode::Type::Func { params, ret } = ty else {
        return Vec::new();
    };
    closure_funcs
        .iter()
        .copied()
        .filter(|&f| {
            prog.funcs.get(f as usize).is_some_and(|callee| {
                callee.ret == *ret && callee.reg_types.get(..callee.params) == Some(&params[..])
            })
        })
        .collect()
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
