//! How compiled code is called and what it calls: the entry signature,
//! the context, the helpers, and the compiler interface.
//!
//! Compiled code runs on the interpreter's frames. A function compiled from
//! bytecode is entered as
//!
//! ```text
//! extern "C" fn(ctx: *mut JitCtx, regs: *mut u64, frame: *mut FrameRec) -> EntryResult
//! ```
//!
//! with its frame record already pushed by the caller and its registers at
//! `regs` (the frame's slots on the VM stack: register `r` is `regs[r]`).
//! A function is entered at its first instruction, in a frame just pushed
//! as the interpreter pushes one: registers `0..params` hold the arguments
//! and every other register is zero (compiled code relies on this instead
//! of reading them; a compiled caller pushing a compiled callee's frame
//! zeroes only the slots of its reference registers, which the collector
//! may read before the callee stores them). Code compiled for entry at a loop header (on-stack
//! replacement, `CompileRequest::entry_pc`) is entered there instead, in
//! the frame the interpreter was running, and reads every register. It returns one of the `STATUS_*` codes and, with
//! `STATUS_RETURNED_VALUE`, the function's result, in the two return
//! registers (`EntryResult`): no slot carries a result, so a compiled
//! caller keeps it in a register.
//!
//! Registers are in their slots where the runtime reads them: before a
//! helper carries an instruction out, the registers it reads
//! (`Instr::regs_read`) are stored; before anything that may collect (and
//! so move objects), every reference register is, so the collector scans
//! and updates every live reference, and compiled code reads them back
//! afterwards. Elsewhere a compiled frame's other slots may be stale: only
//! the collector (references) and the helpers (their instruction's
//! registers) read a running compiled frame's slots, and stack traces read
//! frame records alone. Compiled code hands a running frame to the
//! interpreter only at a side exit (`Helpers::side_exit`), after storing
//! every register the interpreter may read (runs that may take a snapshot
//! are interpreted only).
//!
//! Everything else a compiled function needs (calls, allocation, printing,
//! natives, runtime errors, the write barrier's slow path) it gets from the
//! helpers in [`Helpers`], plain `extern "C"` functions whose addresses it
//! embeds.

use lang_bytecode::{Const, Instr};
use std::sync::Arc;

/// A compiled function returned without a value.
pub const STATUS_RETURNED: u64 = 0;
/// A compiled function returned a value (`EntryResult::value`).
pub const STATUS_RETURNED_VALUE: u64 = 1;
/// A compiled function (or a helper it called) failed; the failure is
/// recorded in the VM, and the frames stay in place for the stack trace.
pub const STATUS_TRAPPED: u64 = 2;

/// What a compiled function returns: a `STATUS_*` code and, with
/// `STATUS_RETURNED_VALUE`, the result (else 0). Two words in a C struct,
/// so the platform ABI returns them in two registers (`rax:rdx` on
/// x86-64, `x0:x1` on AArch64), as cranelift returns a signature's two
/// results.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EntryResult {
    pub status: u64,
    pub value: u64,
}

/// The write barrier's unlog table has one bit per granule of this many
/// bytes, `1 << LOG_GRANULE` (see `Heap::is_unlogged`).
pub const LOG_GRANULE: u32 = crate::heap::LOG_GRANULE as u32;

/// What compiled code reads from the VM at run time. One per run, at a
/// fixed address while the run lasts.
#[repr(C)]
#[derive(Debug)]
pub struct JitCtx {
    /// The VM, opaque to compiled code: only helpers use it.
    pub vm: *mut u8,
    /// Compiled code must not run with its native stack pointer below this
    /// (the call helper checks it before pushing a frame).
    pub stack_limit: usize,
    /// The write barrier's unlog table (one bit per granule), or 0 when the
    /// collector plan has no object barrier.
    pub log_table: usize,
    /// The globals, one slot each (the table does not move during a run).
    pub globals: *mut u64,
    /// The constant pool as slots (string constants are objects the
    /// collector may move, so compiled code reads them from here).
    pub consts: *const u64,
    /// Per function id: its entry slot, the compiled code every call of it
    /// goes through, or null while it runs in the interpreter (a later
    /// tier replaces code by storing into the slot).
    pub entries: *const *const u8,
    /// The frame stack's count of live records. Compiled code calls a
    /// compiled function directly by writing the callee's record just
    /// past its own (its own is always the innermost), storing the count
    /// plus one here, and storing the count back when the callee returns.
    pub frames_len: *mut usize,
    /// One past the last record the frame stack has room for: a callee's
    /// record must lie below it (the frame limit).
    pub frames_end: *const u8,
    /// One past the VM stack's last slot: a callee's registers must end at
    /// or below it.
    pub stack_end: *const u8,
    /// The allocation fast path's state (`ALLOC_*_OFFSET`): compiled code
    /// bumps the allocator's pointer itself when an object fits.
    pub alloc: *mut u8,
}

/// Byte offset of `JitCtx::log_table`.
pub const CTX_LOG_TABLE: i32 = std::mem::offset_of!(JitCtx, log_table) as i32;
/// Byte offset of `JitCtx::globals`.
pub const CTX_GLOBALS: i32 = std::mem::offset_of!(JitCtx, globals) as i32;
/// Byte offset of `JitCtx::consts`.
pub const CTX_CONSTS: i32 = std::mem::offset_of!(JitCtx, consts) as i32;
/// Byte offset of `JitCtx::stack_limit`.
pub const CTX_STACK_LIMIT: i32 = std::mem::offset_of!(JitCtx, stack_limit) as i32;
/// Byte offset of `JitCtx::entries`.
pub const CTX_ENTRIES: i32 = std::mem::offset_of!(JitCtx, entries) as i32;
/// Byte offset of `JitCtx::frames_len`.
pub const CTX_FRAMES_LEN: i32 = std::mem::offset_of!(JitCtx, frames_len) as i32;
/// Byte offset of `JitCtx::frames_end`.
pub const CTX_FRAMES_END: i32 = std::mem::offset_of!(JitCtx, frames_end) as i32;
/// Byte offset of `JitCtx::alloc`.
pub const CTX_ALLOC: i32 = std::mem::offset_of!(JitCtx, alloc) as i32;
/// Byte offset of `JitCtx::stack_end`.
pub const CTX_STACK_END: i32 = std::mem::offset_of!(JitCtx, stack_end) as i32;

/// The helpers compiled code calls, by address. Each takes the context
/// first; `frame` is the calling function's frame record and `pc` the
/// index of the instruction the helper carries out, which the helper
/// records in the frame (for stack traces and for natives that call back)
/// before it does anything else.
#[derive(Clone, Copy, Debug)]
pub struct Helpers {
    /// `fn(ctx, frame, pc) -> status`: runs the call instruction at `pc`
    /// (`call`, `callc`, `callt`): pushes the callee's frame, runs it
    /// (compiled or interpreted), pops it and writes the result register.
    /// Gives `STATUS_RETURNED` or `STATUS_TRAPPED`.
    pub call: usize,
    /// `fn(ctx, frame, pc) -> status`: carries out any instruction that is
    /// not a jump, call or return, exactly as the interpreter does. The
    /// slow path of everything compiled code does not do inline: it
    /// allocates, prints, runs natives, and raises every runtime error
    /// with its exact message (inline checks that fail call it on the same
    /// instruction). Gives `STATUS_RETURNED` or `STATUS_TRAPPED`.
    pub step: usize,
    /// `fn(ctx, pc) -> status`: carries out the instruction at `pc` after
    /// one of its inline checks failed (a nil object, an index out of
    /// bounds, a zero divisor, ...), which the interpreter always answers
    /// with a runtime error: raises that error as `step` would. Should the
    /// instruction succeed after all, that is an internal error. Always
    /// `STATUS_TRAPPED`, so compiled code never continues after it, and
    /// what it knew before the check still holds after it.
    pub fail: usize,
    /// `fn(ctx, frame, pc) -> status`: the program was interrupted
    /// (Ctrl-C) at the backward branch at `pc`: clears the request and
    /// fails with `interrupted`. Always `STATUS_TRAPPED`.
    pub interrupt: usize,
    /// `fn(ctx, object, slot_address, value)`: the write barrier's slow
    /// path, for a reference stored into an object whose unlog bit is set.
    pub barrier: usize,
    /// `fn(a, b) -> i64`: how string `a` compares with string `b` in byte
    /// order: -1, 0 or 1.
    pub str_cmp: usize,
    /// `fn(x, y) -> f64`: the float remainder `x % y` (as C's `fmod`).
    pub fmod: usize,
    /// `fn(ctx, map, key, default) -> value`: `map.get(key, default)` on a
    /// map (not nil) with int or bool keys: the key's value, or `default`.
    /// It neither fails, allocates nor records a pc, so compiled code calls
    /// it without storing or reloading registers.
    pub map_get_int: usize,
    /// As `map_get_int`, for a map with string keys.
    pub map_get_str: usize,
    /// `fn(ctx, pc, map, key, value, flags) -> status`: `mset` at `pc` on a
    /// map (not nil) whose `MapFacts` are `flags` (`MapFacts::flags`):
    /// stores `value` at `key`. It may allocate (and so collect) and fail
    /// (`map too large`, out of memory), so compiled code treats it as it
    /// treats `step` for that instruction. Gives `STATUS_RETURNED` or
    /// `STATUS_TRAPPED`.
    pub map_set: usize,
    /// The address of the interrupt flag (a byte, nonzero when set), which
    /// compiled code tests at every backward branch.
    pub interrupt_flag: usize,
    /// `fn(ctx, func) -> status`: tier-1 code of function `func` has been
    /// called `CompileRequest::tier_up`'s count of times: compiles it at
    /// tier 2 (or queues it for a compiler thread), installing the code in
    /// its entry slot. Never fails: a function that cannot be compiled at
    /// tier 2 stays at tier 1. Always `STATUS_RETURNED`.
    pub tier_up: usize,
    /// `fn(ctx, pc) -> (status, value)`: a side exit. Tier-2 code found an
    /// assumption of its profile wrong at instruction `pc` (which it has
    /// not carried out), with every register the interpreter may read in
    /// its slot: the innermost frame goes on in the interpreter from `pc`
    /// to its return, and the helper gives what the function returns
    /// (`EntryResult`), which compiled code returns as its own; its frame
    /// is still pushed, as after any compiled return.
    pub side_exit: usize,
    /// `fn(ctx, func, pc) -> code`: tier-1 code of function `func` has
    /// taken `CompileRequest::loop_tier_up`'s count of backward branches
    /// and is about to take one more, to the loop header at `pc`: gives
    /// tier-2 code compiled for entry there, compiling it (or queueing it
    /// for a compiler thread) if need be, or 0 while there is none. The
    /// tier-1 code then stores every register the tier-2 code reads and
    /// calls it on its own frame (on-stack replacement from tier 1 to tier
    /// 2), returning what it returns. Neither fails, collects nor touches a
    /// register.
    pub loop_tier_up: usize,
}

/// What compiled code needs to know of a map register to reach a map
/// through the map helpers instead of `step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapFacts {
    /// Its keys are strings (else ints or bools, which hash and compare
    /// alike).
    pub str_keys: bool,
    /// Its values are references (stored through the write barrier).
    pub val_ref: bool,
}

/// `MapFacts::flags` bit: string keys.
pub const MAP_STR_KEYS: u64 = 1;
/// `MapFacts::flags` bit: reference values.
pub const MAP_VAL_REF: u64 = 2;

impl MapFacts {
    /// The facts as the `flags` word `Helpers::map_set` takes.
    pub fn flags(self) -> u64 {
        (if self.str_keys { MAP_STR_KEYS } else { 0 })
            | (if self.val_ref { MAP_VAL_REF } else { 0 })
    }
}

/// What compiled code needs to know of a function it calls directly.
#[derive(Clone, Copy, Debug)]
pub struct CalleeFacts {
    /// Its register count: the size of its frame on the VM stack.
    pub nregs: u32,
    /// Its parameter count: registers `0..params` hold the arguments when
    /// it is entered, and every other register is zero (see the module's
    /// notes for compiled callers).
    pub params: u32,
    /// Whether it returns a value (`EntryResult::value`).
    pub returns_value: bool,
}

/// An object of fixed size that an allocation instruction makes: a
/// header, then `slots` body slots of which the first `fill` are the
/// instruction's operand registers from `b` on (in order) and the rest
/// start zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedObject {
    /// The header word (`OBJECT_SHAPE_OFFSET`, `OBJECT_AUX_OFFSET`).
    pub header: u64,
    /// Body slots.
    pub slots: u32,
    /// How many of them are filled from registers.
    pub fill: u16,
    /// Its size in bytes, header included: at least the header and the
    /// slots (the heap's smallest object may be bigger). Every byte past
    /// the filled slots starts zero.
    pub bytes: u32,
}

/// Another function of the program, as compiled code that inlines it
/// needs to see it.
#[derive(Clone, Copy)]
pub struct FunctionBody<'a> {
    /// Its verified code.
    pub code: &'a [Instr],
    /// Per register: whether it holds a reference.
    pub reg_is_ref: &'a [bool],
    /// Per register: whether it holds a float.
    pub reg_is_float: &'a [bool],
    /// Per register: whether it holds a bool (an array of them keeps one
    /// byte per element: `objects::array`).
    pub reg_is_bool: &'a [bool],
}

/// One implementation of a trait method: receivers of struct `struct_index`
/// (the aux word of their header) run function `func`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraitImpl {
    pub struct_index: u32,
    pub func: u32,
}

/// One function to compile.
#[derive(Clone, Copy)]
pub struct CompileRequest<'a> {
    /// The function's id.
    pub func: u32,
    /// Its verified code.
    pub code: &'a [Instr],
    /// The program's constant pool.
    pub consts: &'a [Const],
    /// Per register of the function: whether it holds a reference (and so
    /// needs the write barrier when stored into an object).
    pub reg_is_ref: &'a [bool],
    /// Per register of the function: whether it holds a float.
    pub reg_is_float: &'a [bool],
    /// Per register of the function: whether it holds a bool (the element
    /// of `aget`, `aset` and `push` on an array that keeps one byte per
    /// element).
    pub reg_is_bool: &'a [bool],
    /// The helpers' addresses.
    pub helpers: &'a Helpers,
    /// Per function id of the program: what a direct call of it needs.
    pub funcs: &'a [CalleeFacts],
    /// For an allocation instruction of function `f` (the first argument;
    /// an inlined callee's instructions are the callee's) that makes an
    /// object of fixed size (`new.st`, `new.en`, `cell.new`, `closure`):
    /// that object. `None` for every other instruction.
    pub fixed_object: &'a dyn Fn(u32, Instr) -> Option<FixedObject>,
    /// Where the code is entered: 0 for a call, which starts the function
    /// in a fresh frame; otherwise the instruction (a loop header) at which
    /// the interpreter hands a running frame over (on-stack replacement),
    /// with every register as the interpreter left it.
    pub entry_pc: u32,
    /// Function `f`'s code and register types (for inlining it); `None`
    /// for an id outside the program.
    pub body: &'a dyn Fn(u32) -> Option<FunctionBody<'a>>,
    /// The implementations of method `m` of trait type `t` (`call.t`'s
    /// operands), in struct order: a trait call compiled with them
    /// dispatches inline on the receiver's struct.
    pub trait_impls: &'a dyn Fn(u32, u16) -> Vec<TraitImpl>,
    /// The functions a closure in register `r` of function `f` (the
    /// arguments, in that order) may run, in function order: every
    /// function the program makes a closure of whose signature is the
    /// register's type. A closure call compiled with them dispatches inline
    /// on the closure's function (its header's aux word).
    pub closure_targets: &'a dyn Fn(u32, u16) -> Vec<u32>,
    /// For register `r` of function `f` (the arguments, in that order)
    /// that holds a map: what the map helpers need to know of it. `None`
    /// for every other register. (By function, not only this one's: an
    /// inlined callee's registers are the callee's.)
    pub map_facts: &'a dyn Fn(u32, u16) -> Option<MapFacts>,
    /// `TIER_BASELINE` or `TIER_OPTIMISED`.
    pub tier: u8,
    /// What the interpreter saw at the function's trait and closure calls,
    /// per instruction (`PROFILE_*`); empty when nothing is known. Only
    /// tier 2 speculates on it.
    pub profile: &'a [u32],
    /// For tier-1 code entered at a call: the address of a `u32` that the
    /// code decrements at every call, calling `Helpers::tier_up` when it
    /// reaches 0; 0 for code that never tiers up.
    pub tier_up: usize,
    /// For tier-1 code: the address of a `u32` that the code decrements
    /// at every backward branch, calling `Helpers::loop_tier_up` when it
    /// reaches 0; 0 for code whose loops never tier up.
    pub loop_tier_up: usize,
}

/// Tier 1: a function compiled without a profile (`CompileRequest::tier`).
pub const TIER_BASELINE: u8 = 1;
/// Tier 2: a function recompiled from its profile, speculating on it.
pub const TIER_OPTIMISED: u8 = 2;

/// A `CompileRequest::profile` entry: nothing was seen at the instruction.
pub const PROFILE_UNSEEN: u32 = 0;
/// A `CompileRequest::profile` entry: the call saw more than one receiver
/// struct (or closure function). Any other nonzero entry is one more than
/// the only one it saw (the aux word of the receiver's or closure's
/// header).
pub const PROFILE_POLYMORPHIC: u32 = u32::MAX;

/// Machine code for one function.
#[derive(Clone, Copy, Debug)]
pub struct CompiledCode {
    /// The function's entry, with the signature this module describes.
    pub entry: *const u8,
    /// Bytes of machine code.
    pub code_bytes: usize,
    /// Calls whose callee was copied into the code (`lang-jit`'s inlining).
    pub inlined_calls: u32,
}

/// A compiler from verified bytecode to machine code (`lang-jit`). Its
/// code lives as long as the compiler.
pub trait Compiler {
    /// Compiles one function of a verified program.
    fn compile(&mut self, req: &CompileRequest<'_>) -> Result<CompiledCode, String>;
}

/// Makes a compiler for one run. The runtime asks for one when a run
/// starts with the JIT on, and drops it (and all its code) when the run
/// ends.
pub type CompilerFactory = Arc<dyn Fn() -> Result<Box<dyn Compiler>, String> + Send + Sync>;
