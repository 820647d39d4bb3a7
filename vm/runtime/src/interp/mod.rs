//! The interpreter: one loop over decoded instructions, with the current
//! function, a pointer to its registers and an instruction pointer in
//! locals. The verifier's guarantees (register operands inside the frame,
//! jump targets inside the code, no falling off the end, constant indices
//! in range) let registers, code and constants be read without bounds
//! checks; each such read cites the invariant it relies on, and debug
//! builds check that invariant with a `debug_assert!` at the read (release
//! builds compile the checks out, so they cost nothing where speed counts).
//!
//! Language calls never recurse on the Rust stack: a call pushes a frame
//! record and switches the locals to the callee; a return pops it. Registers
//! are untagged slots on one VM stack; the verifier has proved every
//! register's type, so no instruction checks a type at run time. Values are
//! checked where the language says so: nil, bounds, division by zero.

mod cold;
mod frame;
mod ops;
mod step;

use crate::host::Host;
use crate::objects::{array, map};
use crate::program::{Program, TypeInfo};
use crate::state::VmState;
use crate::trap::{internal, nil_error, Trap, TrapKind};
use lang_bytecode::{Instr, Native};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set (by a Ctrl-C handler) to stop the running program at its next loop
/// back-edge with the runtime error `interrupted`; cleared when it fires.
pub static INTERRUPT: AtomicBool = AtomicBool::new(false);

pub use frame::overflow;

/// Slots of the VM stack: 1 Mi slots = 8 MiB, allocated once. Frames are
/// as big as their functions' register files (typically 4–30 slots), so this
/// holds tens of thousands of frames, more than `MAX_FRAMES` of small ones.
pub const VM_STACK_SLOTS: usize = 1 << 20;

/// Deepest call nesting: 2^17 = 131072 frames. Deep enough for recursive
/// algorithms on large inputs (a recursive walk of a 100000-element list),
/// shallow enough that runaway recursion fails in milliseconds with
/// `stack overflow`, and the frame records (24 bytes each, 3 MiB) are
/// reserved once.
pub const MAX_FRAMES: usize = 1 << 17;

/// A running program: the interpreter over the program's state and its
/// host environment, which are kept apart (see `state` and `host`).
pub struct Vm<'p> {
    /// The program's state (a snapshot's content).
    pub state: VmState<'p>,
    /// Stdin, stdout, clock and arguments.
    pub host: Host,
    /// Compiled code: which functions have it, and the JIT of the run.
    pub(crate) tiers: crate::compiled::Tiers,
    /// The snapshot this run is to take, if any (see `snapshot`).
    pub(crate) snapshot: Option<Box<crate::snapshot::SnapshotPlan>>,
}

impl<'p> Vm<'p> {
    /// Runs the innermost frame (number `stop`) and everything it calls until
    /// it returns; gives its result (0 for functions returning nothing). On a
    /// trap the frames stay in place so that the caller can take a trace.
    // The float branches test `!(a < b)` on purpose: it is taken on NaN.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub fn execute(&mut self, stop: usize) -> Result<u64, Trap> {
        let prog: &'p Program = self.state.prog;
        // The reciprocal of the last `divk.i`/`remk.i` divisor (see
        // `ops::reciprocal`); 0 is never a divisor.
        let mut recip: (i32, u64, u32) = (0, 0, 0);
        // Whether backward branches count toward on-stack replacement: a
        // local, not `self.tiers.enabled`, so that the test needs no load
        // (the flag does not change while this loop runs, except to be
        // cleared when the compiler cannot start, after which
        // `enter_loop` finds nothing to enter).
        let osr = self.tiers.enabled;
        // Whether back edges and function entries are safepoints where a
        // snapshot may be due: a local for the same reason as `osr`. A run
        // that only calls `checkpoint()` has no safepoints to watch.
        let snap = self.snapshot.as_ref().is_some_and(|p| p.request.is_some());
        // The index of the running frame's record. Only failures need it:
        // everywhere else the running frame is the innermost one, but a
        // call into compiled code that failed leaves the callee's frames
        // above it for the trace.
        let mut fi = self.state.heap.roots.frames.len() - 1;
        let fr = self.state.heap.roots.frames[fi];
        let mut f = &prog.funcs[fr.func as usize];
        let mut base = fr.base as usize;
        // The next instruction. A pointer rather than an index into
        // `f.code`: one live value fewer in the dispatch loop.
        let mut ip: *const Instr = f.code.as_ptr().wrapping_add(fr.pc as usize);
        // The index of the next instruction.
        macro_rules! pc {
            () => {
                // SAFETY: `ip` points into (or one past) `f.code`.
                unsafe { ip.offset_from(f.code.as_ptr()) as usize }
            };
        }
        // Register 0 of the current frame. The VM stack is allocated once
        // and never resized, so this stays valid; `sync!` re-derives it
        // after anything that may have used the stack through `self`.
        let mut regs: *mut u64 = self.state.heap.roots.stack.as_mut_ptr().wrapping_add(base);

        // The record of the running frame: always the innermost one.
        macro_rules! cur {
            () => {
                // SAFETY: a frame is running, so the list is not empty.
                unsafe {
                    let frames = &mut self.state.heap.roots.frames;
                    debug_assert!(!frames.is_empty(), "no running frame");
                    let last = frames.len() - 1;
                    frames.get_unchecked_mut(last)
                }
            };
        }
        // R[x] of the current frame.
        macro_rules! r {
            ($x:expr) => {
                // SAFETY: the verifier checked every register operand of
                // every instruction against the function's register count,
                // and `push_frame` (or `call_entry`) made sure that the frame
                // `base..base + nregs` lies inside the VM stack.
                *{
                    let x = $x as usize;
                    debug_assert!(x < f.nregs, "r{x} outside the frame of `{}`", f.name);
                    unsafe { &mut *regs.add(x) }
                }
            };
        }
        // Re-derives `regs` from the VM stack, after a call, a return or an
        // operation that used the stack through `self` (natives, allocation).
        macro_rules! sync {
            () => {
                regs = self.state.heap.roots.stack.as_mut_ptr().wrapping_add(base)
            };
        }
        // A float constant.
        macro_rules! kf {
            ($k:expr) => {
                // SAFETY: the verifier checked that `k` names a float
                // constant, and the pool holds one slot per constant.
                f64::from_bits({
                    let consts = &self.state.heap.roots.consts;
                    debug_assert!(($k as usize) < consts.len(), "constant {} unknown", $k);
                    unsafe { *consts.get_unchecked($k as usize) }
                })
            };
        }
        // Fails the current instruction: records where, then unwinds.
        macro_rules! fail {
            ($e:expr) => {{
                let e: Trap = $e;
                self.state.heap.roots.frames[fi].pc = (pc!() - 1) as u32;
                return Err(e);
            }};
        }
        macro_rules! tr {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => fail!(Trap::from(e)),
                }
            };
        }
        macro_rules! obj {
            ($x:expr) => {{
                let o = r!($x);
                if o == 0 {
                    fail!(nil_error());
                }
                o
            }};
        }
        macro_rules! int_op {
            ($a:expr, $b:expr, $c:expr, $op:ident) => {
                r!($a) = r!($b).$op(r!($c))
            };
        }
        macro_rules! float_op {
            ($a:expr, $b:expr, $c:expr, $op:tt) => {
                r!($a) = (f64::from_bits(r!($b)) $op f64::from_bits(r!($c))).to_bits()
            };
        }
        macro_rules! cmp_i {
            ($a:expr, $b:expr, $c:expr, $op:tt) => {
                r!($a) = ((r!($b) as i64) $op (r!($c) as i64)) as u64
            };
        }
        macro_rules! cmp_f {
            ($a:expr, $b:expr, $c:expr, $op:tt) => {
                r!($a) = (f64::from_bits(r!($b)) $op f64::from_bits(r!($c))) as u64
            };
        }
        macro_rules! jmp_f {
            ($a:expr, $b:expr, $t:expr, $op:tt) => {
                if f64::from_bits(r!($a)) $op f64::from_bits(r!($b)) {
                    branch!($t);
                }
            };
        }
        // NaN-aware negations: `!(a < b)` is deliberate (taken on NaN).
        macro_rules! jmp_nf {
            ($a:expr, $b:expr, $t:expr, $op:tt) => {
                if !(f64::from_bits(r!($a)) $op f64::from_bits(r!($b))) {
                    branch!($t);
                }
            };
        }
        macro_rules! jmp_kf {
            ($a:expr, $k:expr, $t:expr, $op:tt) => {
                if f64::from_bits(r!($a)) $op kf!($k) {
                    branch!($t);
                }
            };
        }
        macro_rules! jmp_nkf {
            ($a:expr, $k:expr, $t:expr, $op:tt) => {
                if !(f64::from_bits(r!($a)) $op kf!($k)) {
                    branch!($t);
                }
            };
        }
        macro_rules! jmp_k {
            ($a:expr, $imm:expr, $t:expr, $op:tt) => {
                if (r!($a) as i64) $op ($imm as i64) {
                    branch!($t);
                }
            };
        }
        // Runs an out-of-line instruction (see `cold`): saves the frame's pc
        // first, for natives that call back and for traces, and re-derives
        // the register pointer after it.
        macro_rules! cold {
            ($call:expr) => {{
                cur!().pc = (pc!() - 1) as u32;
                let r: Result<(), Trap> = $call;
                sync!();
                tr!(r);
            }};
        }
        // Switches the locals to the callee's frame, just pushed at `nb`.
        macro_rules! enter {
            ($cf:expr, $nb:expr) => {{
                fi += 1;
                f = $cf;
                ip = f.code.as_ptr();
                base = $nb;
                sync!();
                if snap {
                    // The new frame resumes at its first instruction.
                    let r = self.at_safepoint(crate::snapshot::Safepoint::Entry);
                    sync!();
                    r?;
                }
            }};
        }
        // Runs a just-pushed callee's frame in compiled code when it has
        // some: the callee returns here (its frame popped) and the loop
        // goes on with the caller's next instruction.
        // Without a JIT this is one test of a flag: everything else is out
        // of line, so that the loop's code (and its register allocation)
        // stays as it is for interpreted runs.
        macro_rules! compiled_call {
            ($callee:expr, $nb:expr, $a:expr, $key:expr) => {
                if self.tiers.enabled {
                    let r = self.call_compiled($callee, $nb, base + $a as usize, $key);
                    sync!();
                    match r {
                        Ok(false) => {}
                        Ok(true) => continue,
                        Err(e) => fail!(e),
                    }
                }
            };
        }
        // Taken backward branches check for Ctrl-C: every loop closes with
        // one, so the check bounds how long an interrupt waits without
        // taxing straight-line code.
        macro_rules! branch {
            ($target:expr) => {{
                // SAFETY: the verifier checked every jump target against
                // the length of the code.
                debug_assert!(
                    ($target as usize) < f.code.len(),
                    "jump to {} past the code",
                    $target
                );
                let dest = unsafe { f.code.as_ptr().add($target as usize) };
                if dest < ip {
                    if INTERRUPT.load(Ordering::Relaxed) {
                        INTERRUPT.store(false, Ordering::Relaxed);
                        fail!(Trap::error(TrapKind::Interrupted));
                    }
                    if snap {
                        // The frame resumes at the loop head.
                        cur!().pc = $target as u32;
                        let r = self.at_safepoint(crate::snapshot::Safepoint::BackEdge);
                        sync!();
                        r?;
                    }
                    // A hot loop continues in compiled code, which runs the
                    // frame to its return (see `Vm::enter_loop`).
                    if osr {
                        match self.enter_loop($target as usize) {
                            Ok(None) => {}
                            Ok(Some((to, v))) => {
                                returned!(to, v.unwrap_or(0), v.is_some());
                                continue;
                            }
                            // The compiled frames recorded where they were.
                            Err(e) => return Err(e),
                        }
                    }
                }
                ip = dest;
            }};
        }
        // Returns `v` from the current frame.
        macro_rules! ret {
            ($v:expr, $has:expr) => {{
                let v: u64 = $v;
                let done = self.state.heap.roots.frames.pop().unwrap_or_default();
                returned!(done.dest, v, $has);
            }};
        }
        // Goes on in the caller of a frame just popped, giving it `v` in
        // register `to` when `has`.
        macro_rules! returned {
            ($to:expr, $v:expr, $has:expr) => {{
                let (to, v): (u16, u64) = ($to, $v);
                let frames = &mut self.state.heap.roots.frames;
                if frames.len() <= stop {
                    return Ok(v);
                }
                fi = frames.len() - 1;
                // SAFETY: `fi` is the last index of a non-empty list, and
                // every frame record names a function that exists (calls
                // check the id before pushing it).
                debug_assert!(fi < frames.len(), "frame {fi} of {}", frames.len());
                let fr = unsafe { *frames.get_unchecked(fi) };
                debug_assert!(
                    (fr.func as usize) < prog.funcs.len(),
                    "frame of function {}",
                    fr.func
                );
                f = unsafe { prog.funcs.get_unchecked(fr.func as usize) };
                base = fr.base as usize;
                // SAFETY: `fr.pc` is the caller's call instruction, which
                // is never the last one.
                debug_assert!(
                    (fr.pc as usize) + 1 < f.code.len(),
                    "a call is the last instruction"
                );
                ip = unsafe { f.code.as_ptr().add(fr.pc as usize + 1) };
                sync!();
                if $has {
                    r!(to) = v;
                }
            }};
        }

        loop {
            // SAFETY: the verifier proved every jump target inside the code
            // and the last instruction a jump or a return, so control never
            // runs past the end; a frame resumes after its call instruction,
            // which is never the last one.
            //
            // Matched through a reference, so that each arm loads just the
            // operands it uses: matching a copy made the compiler decode every
            // operand field of every instruction before dispatching.
            debug_assert!(
                f.code.as_ptr_range().contains(&ip),
                "control ran off the end of `{}`",
                f.name
            );
            let ins: &Instr = unsafe { &*ip };
            ip = unsafe { ip.add(1) };
            match *ins {
                Instr::Nop {} => {}
                Instr::Mov { a, b } => r!(a) = r!(b),
                Instr::LoadInt { a, imm } => r!(a) = imm as i64 as u64,
                // SAFETY: the verifier checked `k` against the pool's size.
                Instr::LoadK { a, k } => {
                    debug_assert!(
                        (k as usize) < self.state.heap.roots.consts.len(),
                        "constant {k} unknown"
                    );
                    r!(a) = unsafe { *self.state.heap.roots.consts.get_unchecked(k as usize) }
                }
                Instr::LoadBool { a, v } => r!(a) = (v != 0) as u64,
                Instr::LoadNil { a } => r!(a) = 0,
                Instr::GetGlobal { a, g } => r!(a) = self.state.heap.roots.globals[g as usize],
                Instr::SetGlobal { g, b } => self.state.heap.roots.globals[g as usize] = r!(b),

                Instr::AddI { a, b, c } => int_op!(a, b, c, wrapping_add),
                Instr::SubI { a, b, c } => int_op!(a, b, c, wrapping_sub),
                Instr::MulI { a, b, c } => int_op!(a, b, c, wrapping_mul),
                Instr::DivI { a, b, c } => {
                    let d = r!(c) as i64;
                    if d == 0 {
                        fail!(Trap::error(TrapKind::DivisionByZero));
                    }
                    r!(a) = (r!(b) as i64).wrapping_div(d) as u64;
                }
                Instr::RemI { a, b, c } => {
                    let d = r!(c) as i64;
                    if d == 0 {
                        fail!(Trap::error(TrapKind::DivisionByZero));
                    }
                    r!(a) = (r!(b) as i64).wrapping_rem(d) as u64;
                }
                Instr::AddImmI { a, b, imm } => r!(a) = r!(b).wrapping_add(imm as i64 as u64),
                Instr::NegI { a, b } => r!(a) = r!(b).wrapping_neg(),
                Instr::AndI { a, b, c } => r!(a) = r!(b) & r!(c),
                Instr::OrI { a, b, c } => r!(a) = r!(b) | r!(c),
                Instr::XorI { a, b, c } => r!(a) = r!(b) ^ r!(c),
                Instr::ShlI { a, b, c } => r!(a) = r!(b) << (r!(c) & 63),
                Instr::ShrI { a, b, c } => r!(a) = ((r!(b) as i64) >> (r!(c) & 63)) as u64,
                Instr::NotI { a, b } => r!(a) = !r!(b),

                Instr::AddF { a, b, c } => float_op!(a, b, c, +),
                Instr::SubF { a, b, c } => float_op!(a, b, c, -),
                Instr::MulF { a, b, c } => float_op!(a, b, c, *),
                Instr::DivF { a, b, c } => float_op!(a, b, c, /),
                Instr::RemF { a, b, c } => float_op!(a, b, c, %),
                Instr::NegF { a, b } => r!(a) = (-f64::from_bits(r!(b))).to_bits(),

                Instr::EqI { a, b, c } => r!(a) = (r!(b) == r!(c)) as u64,
                Instr::NeI { a, b, c } => r!(a) = (r!(b) != r!(c)) as u64,
                Instr::LtI { a, b, c } => cmp_i!(a, b, c, <),
                Instr::LeI { a, b, c } => cmp_i!(a, b, c, <=),
                Instr::EqF { a, b, c } => cmp_f!(a, b, c, ==),
                Instr::NeF { a, b, c } => cmp_f!(a, b, c, !=),
                Instr::LtF { a, b, c } => cmp_f!(a, b, c, <),
                Instr::LeF { a, b, c } => cmp_f!(a, b, c, <=),
                Instr::EqB { a, b, c } => r!(a) = ((r!(b) != 0) == (r!(c) != 0)) as u64,
                Instr::NeB { a, b, c } => r!(a) = ((r!(b) != 0) != (r!(c) != 0)) as u64,
                Instr::NotB { a, b } => r!(a) = (r!(b) == 0) as u64,
                Instr::EqR { a, b, c } => r!(a) = (r!(b) == r!(c)) as u64,
                Instr::NeR { a, b, c } => r!(a) = (r!(b) != r!(c)) as u64,
                Instr::IsNil { a, b } => r!(a) = (r!(b) == 0) as u64,

                Instr::IntToFloat { a, b } => r!(a) = (r!(b) as i64 as f64).to_bits(),
                Instr::FloatToInt { a, b } => {
                    r!(a) = tr!(ops::float_to_int(f64::from_bits(r!(b)))) as u64;
                }
                Instr::StrLen { a, b } => r!(a) = self.state.heap.str_len(r!(b)) as u64,

                Instr::Jmp { target } => branch!(target),
                Instr::JmpIf { a, target } => {
                    if r!(a) != 0 {
                        branch!(target);
                    }
                }
                Instr::JmpIfNot { a, target } => {
                    if r!(a) == 0 {
                        branch!(target);
                    }
                }
                Instr::JmpLtI { a, b, target } => {
                    if (r!(a) as i64) < (r!(b) as i64) {
                        branch!(target);
                    }
                }
                Instr::JmpGeI { a, b, target } => {
                    if (r!(a) as i64) >= (r!(b) as i64) {
                        branch!(target);
                    }
                }

                Instr::Call { a, f: callee, b, n } => {
                    cur!().pc = (pc!() - 1) as u32;
                    let nb = base + f.nregs;
                    let cf = tr!(self.push_frame(callee, nb, base + b as usize, n as usize, a, 0));
                    compiled_call!(callee, nb, a, None);
                    enter!(cf, nb);
                }
                Instr::CallClosure { a, c, b, n } => {
                    let clo = obj!(c);
                    cur!().pc = (pc!() - 1) as u32;
                    let callee = self.state.heap.aux(clo);
                    let nb = base + f.nregs;
                    let cf =
                        tr!(self.push_frame(callee, nb, base + b as usize, n as usize, a, clo));
                    compiled_call!(callee, nb, a, Some(callee));
                    enter!(cf, nb);
                }
                Instr::CallTrait { a, t, m, b, n } => {
                    let recv = obj!(b);
                    cur!().pc = (pc!() - 1) as u32;
                    let callee = tr!(self.dispatch(t, m, recv));
                    let nb = base + f.nregs;
                    let cf = tr!(self.push_frame(callee, nb, base + b as usize, n as usize, a, 0));
                    compiled_call!(callee, nb, a, Some(self.state.heap.aux(recv)));
                    enter!(cf, nb);
                }
                // The common built-ins (`map.get` with a default, `str.byte`,
                // `sqrt`) run inline, without the native call protocol.
                Instr::CallNative { a, native, b, .. } if native == Native::MapGetOr as u16 => {
                    let m = obj!(b);
                    // The table is read directly, not through `Program::ty`, so that
                    // an unknown id takes the same cold exit as a wrong type
                    // and the loop gains no second failure path.
                    let Some(&TypeInfo::Map { kind, .. }) =
                        prog.types.get(f.reg_types[b as usize] as usize)
                    else {
                        fail!(internal("map.get on a register that is not a map"));
                    };
                    let k = r!(b as usize + 1);
                    r!(a) = match map::get(&self.state.heap, m, kind, k) {
                        Some(v) => v,
                        None => r!(b as usize + 2),
                    };
                }
                Instr::CallNative { a, native, b, .. } if native == Native::StrByte as u16 => {
                    let bytes = self.state.heap.str_bytes(r!(b));
                    let i = r!(b as usize + 1) as i64;
                    match usize::try_from(i).ok().and_then(|i| bytes.get(i)) {
                        Some(&x) => r!(a) = x as u64,
                        None => {
                            let n = bytes.len();
                            fail!(crate::trap::index_error(i, n));
                        }
                    }
                }
                Instr::CallNative { a, native, b, .. } if native == Native::Sqrt as u16 => {
                    r!(a) = f64::from_bits(r!(b)).sqrt().to_bits();
                }
                Instr::Ret { a } => ret!(r!(a), true),
                Instr::RetVoid {} => ret!(0, false),

                Instr::GetCapture { a, i } => {
                    let clo = cur!().closure;
                    if clo == 0 {
                        fail!(nil_error());
                    }
                    r!(a) = self.state.heap.load(clo, i as usize);
                }
                Instr::CellGet { a, b } => {
                    let cell = obj!(b);
                    r!(a) = self.state.heap.load(cell, 0);
                }
                Instr::CellSet { a, b } => {
                    let cell = obj!(a);
                    let v = r!(b);
                    if f.reg_is_ref[b as usize] {
                        self.state.heap.store_ref(cell, 0, v);
                    } else {
                        self.state.heap.store(cell, 0, v);
                    }
                }

                Instr::GetField { a, b, i } => {
                    let o = obj!(b);
                    r!(a) = self.state.heap.load(o, i as usize);
                }
                Instr::SetField { a, i, b } => {
                    let o = obj!(a);
                    let v = r!(b);
                    if f.reg_is_ref[b as usize] {
                        self.state.heap.store_ref(o, i as usize, v);
                    } else {
                        self.state.heap.store(o, i as usize, v);
                    }
                }
                Instr::Upcast { a, b } => r!(a) = r!(b),

                Instr::EnumTag { a, b } => {
                    let o = obj!(b);
                    r!(a) = self.state.heap.aux(o) as u64;
                }
                Instr::GetPayload { a, b, v, i } => {
                    let o = obj!(b);
                    if self.state.heap.aux(o) != v as u32 {
                        fail!(ops::variant_error(
                            f.reg_types[b as usize],
                            v as u32,
                            self.state.heap.aux(o)
                        ));
                    }
                    r!(a) = self.state.heap.load(o, i as usize);
                }

                Instr::ArrGet { a, b, c } => {
                    let arr = obj!(b);
                    let i = tr!(array::check_index(&self.state.heap, arr, r!(c) as i64));
                    r!(a) = array::get(&self.state.heap, arr, i);
                }
                Instr::ArrSet { a, b, c } => {
                    let arr = obj!(a);
                    let i = tr!(array::check_index(&self.state.heap, arr, r!(b) as i64));
                    let v = r!(c);
                    array::set(&mut self.state.heap, arr, i, v, f.reg_is_ref[c as usize]);
                }
                Instr::ArrLen { a, b } => {
                    let arr = obj!(b);
                    r!(a) = array::len(&self.state.heap, arr) as u64;
                }

                Instr::MapGet { a, b, c } => {
                    let m = obj!(b);
                    // Read directly, as in `map.get` above.
                    let Some(&TypeInfo::Map { kind, key, .. }) =
                        prog.types.get(f.reg_types[b as usize] as usize)
                    else {
                        fail!(internal("mget on a register that is not a map"));
                    };
                    let k = r!(c);
                    match map::get(&self.state.heap, m, kind, k) {
                        Some(v) => r!(a) = v,
                        None => fail!(ops::key_error(&self.state.heap, prog, k, key)),
                    }
                }

                Instr::JmpEqI { a, b, target } => {
                    if r!(a) == r!(b) {
                        branch!(target);
                    }
                }
                Instr::JmpNeI { a, b, target } => {
                    if r!(a) != r!(b) {
                        branch!(target);
                    }
                }
                Instr::JmpLtF { a, b, target } => jmp_f!(a, b, target, <),
                Instr::JmpLeF { a, b, target } => jmp_f!(a, b, target, <=),
                Instr::JmpNltF { a, b, target } => jmp_nf!(a, b, target, <),
                Instr::JmpNleF { a, b, target } => jmp_nf!(a, b, target, <=),
                Instr::JmpEqF { a, b, target } => jmp_f!(a, b, target, ==),
                Instr::JmpNeF { a, b, target } => jmp_f!(a, b, target, !=),
                Instr::JmpEqImmI { a, imm, target } => jmp_k!(a, imm, target, ==),
                Instr::JmpNeImmI { a, imm, target } => jmp_k!(a, imm, target, !=),
                Instr::JmpLtImmI { a, imm, target } => jmp_k!(a, imm, target, <),
                Instr::JmpLeImmI { a, imm, target } => jmp_k!(a, imm, target, <=),
                Instr::JmpGtImmI { a, imm, target } => jmp_k!(a, imm, target, >),
                Instr::JmpGeImmI { a, imm, target } => jmp_k!(a, imm, target, >=),
                Instr::JmpNil { a, target } => {
                    if r!(a) == 0 {
                        branch!(target);
                    }
                }
                Instr::JmpNotNil { a, target } => {
                    if r!(a) != 0 {
                        branch!(target);
                    }
                }
                Instr::ForLoop { a, b, target } => {
                    let i = (r!(a) as i64).wrapping_add(1);
                    r!(a) = i as u64;
                    if i < r!(b) as i64 {
                        branch!(target);
                    }
                }
                Instr::MulImmI { a, b, imm } => r!(a) = r!(b).wrapping_mul(imm as i64 as u64),
                Instr::MulAddImmI { a, b, imm, c } => {
                    r!(a) = r!(b).wrapping_mul(imm as i64 as u64).wrapping_add(r!(c));
                }
                // The verifier rejects a zero immediate divisor. A positive
                // divisor of a non-negative dividend divides by multiplying
                // with its reciprocal (a few cycles, not a hardware divide's
                // tens); the reciprocal of the last divisor is kept.
                Instr::DivImmI { a, b, imm } => {
                    let x = r!(b) as i64;
                    r!(a) = if imm > 1 && x >= 0 {
                        if recip.0 != imm {
                            recip = ops::reciprocal(imm);
                        }
                        ops::div_by_reciprocal(x as u64, recip)
                    } else {
                        x.wrapping_div(imm as i64) as u64
                    };
                }
                Instr::RemImmI { a, b, imm } => {
                    let x = r!(b) as i64;
                    r!(a) = if imm > 1 && x >= 0 {
                        if recip.0 != imm {
                            recip = ops::reciprocal(imm);
                        }
                        let q = ops::div_by_reciprocal(x as u64, recip);
                        (x as u64).wrapping_sub(q.wrapping_mul(imm as u64))
                    } else {
                        x.wrapping_rem(imm as i64) as u64
                    };
                }
                Instr::AddKF { a, b, k } => r!(a) = (f64::from_bits(r!(b)) + kf!(k)).to_bits(),
                Instr::SubKF { a, b, k } => r!(a) = (f64::from_bits(r!(b)) - kf!(k)).to_bits(),
                Instr::RSubKF { a, b, k } => r!(a) = (kf!(k) - f64::from_bits(r!(b))).to_bits(),
                Instr::MulKF { a, b, k } => r!(a) = (f64::from_bits(r!(b)) * kf!(k)).to_bits(),
                Instr::DivKF { a, b, k } => r!(a) = (f64::from_bits(r!(b)) / kf!(k)).to_bits(),
                Instr::RDivKF { a, b, k } => r!(a) = (kf!(k) / f64::from_bits(r!(b))).to_bits(),
                Instr::JmpLtKF { a, k, target } => jmp_kf!(a, k, target, <),
                Instr::JmpLeKF { a, k, target } => jmp_kf!(a, k, target, <=),
                Instr::JmpGtKF { a, k, target } => jmp_kf!(a, k, target, >),
                Instr::JmpGeKF { a, k, target } => jmp_kf!(a, k, target, >=),
                Instr::JmpNltKF { a, k, target } => jmp_nkf!(a, k, target, <),
                Instr::JmpNleKF { a, k, target } => jmp_nkf!(a, k, target, <=),
                Instr::JmpNgtKF { a, k, target } => jmp_nkf!(a, k, target, >),
                Instr::JmpNgeKF { a, k, target } => jmp_nkf!(a, k, target, >=),
                // Allocation, printing, string comparison and natives: each
                // a call (see `cold`), so that the loop keeps its registers.
                Instr::ToStr { a, b, t } => cold!(self.op_to_str(base, a, b, t)),
                Instr::Concat { a, b, c } => cold!(self.op_concat(base, a, b, c)),
                Instr::Print { b, t, nl } => cold!(self.op_print(base, b, t, nl != 0)),
                Instr::EqS { a, b, c } => r!(a) = self.op_str_cmp(base, b, c).is_eq() as u64,
                Instr::NeS { a, b, c } => r!(a) = self.op_str_cmp(base, b, c).is_ne() as u64,
                Instr::LtS { a, b, c } => r!(a) = self.op_str_cmp(base, b, c).is_lt() as u64,
                Instr::LeS { a, b, c } => r!(a) = self.op_str_cmp(base, b, c).is_le() as u64,
                Instr::CallNative { a, native, b, n: _ } => {
                    cold!(self.op_native(base, a, native, b))
                }
                Instr::MakeClosure { .. }
                | Instr::NewCell { .. }
                | Instr::NewStruct { .. }
                | Instr::NewEnum { .. } => cold!(self.op_new_fixed(f, base, *ins)),
                Instr::NewArray { a, t, b, n } => cold!(self.op_new_array(base, a, t, b, n)),
                Instr::NewArrayFill { a, t, b, c } => {
                    cold!(self.op_new_array_fill(base, a, t, b, c))
                }
                Instr::ArrPush { a, b } => cold!(self.op_push(f, base, a, b)),
                Instr::NewMap { a, t: _ } => cold!(self.op_new_map(base, a)),
                Instr::MapSet { a, b, c } => cold!(self.op_map_set(f, base, a, b, c)),
            }
        }
    }
}
