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
}

/// Translates the call at `site` of `callee` (whose body `candidate` gave)
/// as a copy of its body, then goes on to `next`; a failing check goes to
/// `slow`, the call's generic path. The stack-depth checks are done.
pub(crate) fn emit<'a>(
    e: &mut Emit<'_, '_>,
    req: &CompileRequest<'a>,
    callee: u32,
    body: FunctionBody<'a>,
    site: Site,
    slow: Block,
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
        entry_pc: 0,
        ..*req
    };
    let args: Vec<Value> = (0..site.n).map(|i| e.ld_raw(site.b + i)).collect();
    let blocks: Vec<Block> = body.code.iter().map(|_| e.b.create_block()).collect();
    let first = blocks[0];
    let caller = Caller {
        vars: std::mem::take(&mut e.vars),
        blocks: std::mem::replace(&mut e.blocks, blocks),
        ref_regs: std::mem::take(&mut e.ref_regs),
        slow: e.slow.take(),
        nonnil: std::mem::take(&mut e.nonnil),
    };
    e.bailout = Some(slow);
    declare_inlined_registers(e, body.reg_is_float, &args);
    let done = e.b.create_block();
    let result = returns_value.then(|| e.b.append_block_param(done, types::I64));
    e.b.ins().jump(first, &NO_ARGS);

    let known = crate::facts::nonnil_before(body.code, 0);
    let translated = (|| {
        for (pc, &ins) in body.code.iter().enumerate() {
            e.b.switch_to_block(e.blocks[pc]);
            e.begin_instruction(known.get(pc));
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
    e.bailout = None;
    translated?;
    e.inlined_calls = e.inlined_calls.saturating_add(1);

    e.b.switch_to_block(done);
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
