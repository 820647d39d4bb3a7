//! Inlining of small, pure callees into the compiled code that calls them.
//!
//! A callee is inlined when its code is short, runs straight through or
//! branches only forward (so it has no loop, and no interrupt check), and
//! consists only of instructions that read: no call, no allocation, no
//! store into an object, a cell or a global, no output. Such a call has no
//! effect but its result, so nothing can observe that its frame was never
//! pushed: no collection happens inside it, no helper runs, no stack trace
//! is taken. Its registers live in cranelift variables alone and are never
//! stored to a frame.
//!
//! An inlined instruction can still fail (a nil receiver, an index out of
//! bounds, a division by zero). Every failing check then abandons the
//! inlined copy and takes the call's generic path instead, which makes the
//! call again for real: the callee's frame is pushed, the instruction fails
//! in it, and the error and its stack trace are exactly the interpreter's.
//! Running the callee again is correct because its first run changed
//! nothing. The call's stack-depth checks are made before the inlined
//! code, so that an inlined call overflows exactly where a real one would.
//!
//! A small callee that does more (calls, allocates, stores, prints) is
//! inlined *with its frame* (`InlineKind::Framed`): the caller pushes the
//! callee's frame exactly as for a real call (record, arguments, zeroed
//! reference slots, the caller's references stored), then runs a copy of
//! the callee's body in that frame instead of calling its code, and pops
//! the frame at the copy's return. Everything that looks at frames (the
//! helpers, the collector, stack traces, failures) sees the frame a real
//! call would have pushed, so the copy needs no way back: a failing check
//! in it fails as in the callee's own code. What it saves is the native
//! call: the prologue, the callee-saved registers, the return and the
//! status test. Recursive functions such as `fib` and `make` are inlined
//! into themselves once this way, which halves their real calls.

use crate::call::Site;
use crate::emit::{Emit, NO_ARGS};
use crate::translate::instruction;
use cranelift_codegen::ir::{types, Block, BlockArg, InstBuilder, Value};
use lang_bytecode::Instr;
use lang_vm::abi::{CompileRequest, FunctionBody};

/// Callees of at most this many instructions are inlined. Accessors,
/// small arithmetic helpers and trait methods such as `area` are a handful
/// of instructions; twenty-four keeps the copies small while covering them.
const MAX_INLINE_INSTRUCTIONS: usize = 24;

/// Callees of at most this many instructions are inlined with their frame:
/// enough for the recursive functions of the benchmarks (`fib`, `make`,
/// `check` are about ten) and small methods that allocate or call, few
/// enough that a copy stays about the size of the call it replaces plus
/// the callee's own code.
const MAX_FRAMED_INSTRUCTIONS: usize = 32;

/// Calls one function may inline with their frame: each copies up to
/// `MAX_FRAMED_INSTRUCTIONS` instructions, so this bounds the code a
/// function grows by (to about 8 × 32 instructions) however many calls
/// it makes.
pub(crate) const FRAMED_PER_FUNCTION: u32 = 8;

/// Function `callee`'s body, when a call of it is inlined.
pub(crate) fn candidate<'a>(req: &CompileRequest<'a>, callee: u32) -> Option<FunctionBody<'a>> {
    let body = (req.body)(callee)?;
    let code = body.code;
    if code.is_empty() || code.len() > MAX_INLINE_INSTRUCTIONS {
        return None;
    }
    let inlinable = code
        .iter()
        .enumerate()
        .all(|(pc, ins)| reads_only(ins) && ins.branch_target().is_none_or(|t| t as usize > pc));
    inlinable.then_some(body)
}

/// Function `callee`'s body, when a call of it from the code being
/// translated is inlined with its frame (`InlineKind::Framed`): a short body that
/// branches only forward (so it has no loop and needs no interrupt check),
/// outside another such copy (they do not nest), while the function's
/// budget lasts.
pub(crate) fn framed_candidate<'a>(
    e: &Emit<'_, '_>,
    req: &CompileRequest<'a>,
    callee: u32,
) -> Option<FunctionBody<'a>> {
    if e.in_framed || e.bailout.is_some() || e.framed_left == 0 {
        return None;
    }
    let body = (req.body)(callee)?;
    let code = body.code;
    if code.is_empty() || code.len() > MAX_FRAMED_INSTRUCTIONS {
        return None;
    }
    let forward = code
        .iter()
        .enumerate()
        .all(|(pc, ins)| ins.branch_target().is_none_or(|t| t as usize > pc));
    forward.then_some(body)
}

/// Whether instruction `ins` only reads memory and writes its register
/// (it may fail). New opcodes are not inlined until they are listed here.
fn reads_only(ins: &Instr) -> bool {
    use Instr::*;
    matches!(
        ins,
        Nop {}
            | Mov { .. }
            | LoadInt { .. }
            | LoadK { .. }
            | LoadBool { .. }
            | LoadNil { .. }
            | GetGlobal { .. }
            | AddI { .. }
            | SubI { .. }
            | MulI { .. }
            | DivI { .. }
            | RemI { .. }
            | AddImmI { .. }
            | MulImmI { .. }
            | DivImmI { .. }
            | RemImmI { .. }
            | MulAddImmI { .. }
            | NegI { .. }
            | AndI { .. }
            | OrI { .. }
            | XorI { .. }
            | ShlI { .. }
            | ShrI { .. }
            | NotI { .. }
            | AddF { .. }
            | SubF { .. }
            | MulF { .. }
            | DivF { .. }
            | RemF { .. }
            | NegF { .. }
            | AddKF { .. }
            | SubKF { .. }
            | RSubKF { .. }
            | MulKF { .. }
            | DivKF { .. }
            | RDivKF { .. }
            | EqI { .. }
            | NeI { .. }
            | LtI { .. }
            | LeI { .. }
            | EqF { .. }
            | NeF { .. }
            | LtF { .. }
            | LeF { .. }
            | EqB { .. }
            | NeB { .. }
            | NotB { .. }
            | EqS { .. }
            | NeS { .. }
            | LtS { .. }
            | LeS { .. }
            | EqR { .. }
            | NeR { .. }
            | IsNil { .. }
            | IntToFloat { .. }
            | FloatToInt { .. }
            | StrLen { .. }
            | Jmp { .. }
            | JmpIf { .. }
            | JmpIfNot { .. }
            | JmpLtI { .. }
            | JmpGeI { .. }
            | JmpEqI { .. }
            | JmpNeI { .. }
            | JmpLtF { .. }
            | JmpLeF { .. }
            | JmpNltF { .. }
            | JmpNleF { .. }
            | JmpEqF { .. }
            | JmpNeF { .. }
            | JmpEqImmI { .. }
            | JmpNeImmI { .. }
            | JmpLtImmI { .. }
            | JmpLeImmI { .. }
            | JmpGtImmI { .. }
            | JmpGeImmI { .. }
            | JmpLtKF { .. }
            | JmpLeKF { .. }
            | JmpGtKF { .. }
            | JmpGeKF { .. }
            | JmpNltKF { .. }
            | JmpNleKF { .. }
            | JmpNgtKF { .. }
            | JmpNgeKF { .. }
            | JmpNil { .. }
            | JmpNotNil { .. }
            | Ret { .. }
            | RetVoid {}
            | GetField { .. }
            | Upcast { .. }
            | EnumTag { .. }
            | GetPayload { .. }
            | CellGet { .. }
            | ArrGet { .. }
            | ArrLen { .. }
    )
}

/// What the caller's translation keeps while a callee is inlined.
struct Caller {
    vars: Vec<(cranelift_frontend::Variable, types::Type)>,
    blocks: Vec<Block>,
    ref_regs: Vec<u16>,
    slow: Option<Block>,
    nonnil: crate::facts::Known,
    live_out: crate::facts::Known,
    regs: Value,
    frame: Value,
}

/// How a callee's body is copied into its caller.
#[derive(Clone, Copy)]
pub(crate) enum InlineKind {
    /// Without a frame (`candidate`): every failing check goes to the
    /// call's generic path, this block, which makes the call for real.
    Pure { slow: Block },
    /// In the frame `call::push_frame` pushed (`framed_candidate`), which
    /// the copy's return pops.
    Framed(crate::call::Pushed),
}

/// Translates the call at `site` of `callee` (whose body `candidate` or
/// `framed_candidate` gave, as `how` says) as a copy of its body, then goes
/// on to `next`. The stack-depth checks are done.
pub(crate) fn emit<'a>(
    e: &mut Emit<'_, '_>,
    req: &CompileRequest<'a>,
    callee: u32,
    body: FunctionBody<'a>,
    site: Site,
    how: InlineKind,
    next: Block,
) -> Result<(), String> {
    let returns_value = req
        .funcs
        .get(callee as usize)
        .ok_or("an inlined call of an unknown function")?
        .returns_value;
    let callee_req = CompileRequest {
        func: callee,
        code: body.code,
        reg_is_ref: body.reg_is_ref,
        reg_is_float: body.reg_is_float,
        reg_is_bool: body.reg_is_bool,
        entry_pc: 0,
        ..*req
    };
    let args: Vec<Value> = (0..site.n).map(|i| e.ld_raw(site.b + i)).collect();
    let blocks: Vec<Block> = body.code.iter().map(|_| e.b.create_block()).collect();
    let first = blocks[0];
    // A copy without a frame stores no register (nothing in it collects
    // or calls out), so it tracks no references and no liveness; a framed
    // copy's references are the callee's.
    let callee_refs: Vec<u16> = match how {
        InlineKind::Pure { .. } => Vec::new(),
        InlineKind::Framed(_) => (0..body.reg_is_ref.len())
            .filter(|&r| body.reg_is_ref[r])
            .filter_map(|r| u16::try_from(r).ok())
            .collect(),
    };
    let (regs, frame) = match how {
        InlineKind::Pure { .. } => (e.regs, e.frame),
        InlineKind::Framed(pushed) => (pushed.regs, pushed.frame),
    };
    let caller = Caller {
        vars: std::mem::take(&mut e.vars),
        blocks: std::mem::replace(&mut e.blocks, blocks),
        ref_regs: std::mem::replace(&mut e.ref_regs, callee_refs),
        slow: e.slow.take(),
        nonnil: std::mem::take(&mut e.nonnil),
        live_out: e.live_out,
        regs: std::mem::replace(&mut e.regs, regs),
        frame: std::mem::replace(&mut e.frame, frame),
    };
    match how {
        InlineKind::Pure { slow } => e.bailout = Some(slow),
        InlineKind::Framed(_) => {
            e.in_framed = true;
            e.framed_left = e.framed_left.saturating_sub(1);
        }
    }
    declare_inlined_registers(e, body.reg_is_float, &args);
    let done = e.b.create_block();
    let result = returns_value.then(|| e.b.append_block_param(done, types::I64));
    e.b.ins().jump(first, &NO_ARGS);

    let known = crate::facts::nonnil_before(body.code, 0);
    let live = match how {
        InlineKind::Pure { .. } => Vec::new(),
        InlineKind::Framed(_) => crate::facts::live_after(body.code),
    };
    let translated = (|| {
        for (pc, &ins) in body.code.iter().enumerate() {
            e.b.switch_to_block(e.blocks[pc]);
            e.begin_instruction(known.get(pc));
            if let Some(l) = live.get(pc) {
                e.live_out = *l;
            }
            match ins {
                Instr::Ret { a } if returns_value => {
                    let v = e.ld(a);
                    e.b.ins().jump(done, &[BlockArg::Value(v)]);
                }
                Instr::RetVoid {} if !returns_value => {
                    e.b.ins().jump(done, &NO_ARGS);
                }
                Instr::Ret { .. } | Instr::RetVoid {} => {
                    return Err("an inlined function returns unlike its facts say".to_string())
                }
                _ => instruction(e, &callee_req, pc, ins)?,
            }
        }
        Ok(())
    })();

    e.vars = caller.vars;
    e.blocks = caller.blocks;
    e.ref_regs = caller.ref_regs;
    e.slow = caller.slow;
    e.nonnil = caller.nonnil;
    e.live_out = caller.live_out;
    e.regs = caller.regs;
    e.frame = caller.frame;
    e.bailout = None;
    e.in_framed = false;
    translated?;
    e.inlined_calls = e.inlined_calls.saturating_add(1);

    e.b.switch_to_block(done);
    if let InlineKind::Framed(pushed) = how {
        crate::call::pop_frame(e, pushed);
    }
    if let Some(v) = result {
        e.st(site.a, v);
    }
    e.b.ins().jump(next, &NO_ARGS);
    Ok(())
}

/// Declares the inlined callee's registers: the first ones take the
/// arguments, every other one starts zero (as in a frame just pushed).
fn declare_inlined_registers(e: &mut Emit<'_, '_>, is_float: &[bool], args: &[Value]) {
    for (r, &float) in is_float.iter().enumerate() {
        let ty = if float { types::F64 } else { types::I64 };
        let var = e.b.declare_var(ty);
        e.vars.push((var, ty));
        let v = match args.get(r) {
            Some(&arg) if e.b.func.dfg.value_type(arg) == ty => arg,
            Some(&arg) => {
                e.b.ins()
                    .bitcast(ty, cranelift_codegen::ir::MemFlagsData::new(), arg)
            }
            None if float => e.b.ins().f64const(0.0),
            None => e.b.ins().iconst(types::I64, 0),
        };
        e.b.def_var(var, v);
    }
}
