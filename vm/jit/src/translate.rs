//! Tier 1: one bytecode function to one cranelift function, instruction by
//! instruction.
//!
//! Registers are cranelift variables, stored to their VM-stack slots only
//! where the collector or a helper reads them (see `emit`). Arithmetic, comparisons, branches, moves, globals,
//! fields, captures, cells, enum tags and payloads, array reads and writes
//! (with their bounds checks) and the write barrier's fast path are inline;
//! calls go through the runtime's `call` helper; everything else, and the
//! failing side of every check, through `step`, which carries the
//! instruction out exactly as the interpreter does.
//!
//! The `match` over instructions has no catch-all arm, so an opcode added
//! to the list without a translation does not compile.

use crate::emit::{slot_offset, Emit, Sigs, NO_ARGS};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, types, AbiParam, InstBuilder, Value};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::Module as _;
use lang_bytecode::{Const, Instr, Native};
use lang_vm::abi::{self, CompileRequest};

/// The signature of every compiled function: `(ctx, regs, frame) ->
/// (status, value)`, the value in the second return register
/// (`abi::EntryResult`).
pub(crate) fn entry_signature(module: &cranelift_jit::JITModule) -> ir::Signature {
    let mut sig = module.make_signature();
    sig.params.extend([AbiParam::new(types::I64); 3]);
    sig.returns.extend([AbiParam::new(types::I64); 2]);
    sig
}

/// Translates function `req.func` into `func` (whose signature is set);
/// gives the number of calls it inlined. `self_ref`, when given, is `func`
/// itself, for direct calls of the function from its own code.
pub(crate) fn translate(
    req: &CompileRequest<'_>,
    func: &mut ir::Function,
    builder_ctx: &mut FunctionBuilderContext,
    config: cranelift_codegen::isa::TargetFrontendConfig,
    self_ref: Option<ir::FuncRef>,
) -> Result<u32, String> {
    let code = req.code;
    if code.is_empty() {
        return Err("a function without code".into());
    }
    let call_conv = func.signature.call_conv;
    let mut b = FunctionBuilder::new(func, builder_ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    let blocks: Vec<ir::Block> = code.iter().map(|_| b.create_block()).collect();
    let trapped = b.create_block();
    b.set_cold_block(trapped);
    let sigs = Sigs::import(&mut b, call_conv);
    let mem = crate::emit::Mem::declare(b.func);

    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let mut e = Emit {
        b,
        ctx: params[0],
        regs: params[1],
        frame: params[2],
        blocks,
        trapped,
        sigs,
        helpers: req.helpers,
        slow: None,
        vars: Vec::new(),
        ref_regs: (0..req.reg_is_ref.len())
            .filter(|&r| req.reg_is_ref[r])
            .filter_map(|r| u16::try_from(r).ok())
            .collect(),
        bailout: None,
        inlined_calls: 0,
        nonnil: Default::default(),
        self_ref,
        self_func: req.func,
        in_framed: false,
        framed_left: crate::inline::FRAMED_PER_FUNCTION,
        live_out: [u64::MAX; crate::facts::TRACKED_REGS / 64],
        mem,
        loop_tier_up: if req.tier == abi::TIER_OPTIMISED {
            0
        } else {
            req.loop_tier_up
        },
    };
    // A call starts the function in a fresh frame (registers past the
    // parameters zero); entry at a loop takes over a running frame, whose
    // every register must be read.
    let start = req.entry_pc as usize;
    let params = if start == 0 {
        req.funcs
            .get(req.func as usize)
            .ok_or("the function is not in the program")?
            .params
    } else {
        u32::try_from(req.reg_is_float.len()).map_err(|_| "too many registers")?
    };
    e.declare_registers(req.reg_is_float, params);
    crate::speculate::count_toward_tier_up(&mut e, req);
    let first = *e
        .blocks
        .get(start)
        .ok_or("entry past the end of the code")?;
    e.b.ins().jump(first, &NO_ARGS);

    let known = crate::facts::nonnil_before(code, start);
    let live = crate::facts::live_after(code);
    for (pc, ins) in code.iter().enumerate() {
        e.b.switch_to_block(e.blocks[pc]);
        e.begin_instruction(known.get(pc));
        if let Some(l) = live.get(pc) {
            e.live_out = *l;
        }
        instruction(&mut e, req, pc, *ins)?;
    }

    e.b.switch_to_block(trapped);
    let status = e.int(abi::STATUS_TRAPPED as i64);
    let no_value = e.int(0);
    e.b.ins().return_(&[status, no_value]);
    e.b.seal_all_blocks();
    let inlined_calls = e.inlined_calls;
    e.b.finalize(config);
    Ok(inlined_calls)
}

/// A float constant of the module.
fn float_const(req: &CompileRequest<'_>, k: u32) -> Result<f64, String> {
    match req.consts.get(k as usize) {
        Some(Const::Float(x)) => Ok(*x),
        _ => Err(format!("constant {k} is not a float")),
    }
}

/// Whether register `r` holds a reference.
fn is_ref(req: &CompileRequest<'_>, r: u16) -> bool {
    req.reg_is_ref.get(r as usize).copied().unwrap_or(true)
}

/// Whether register `r` holds a bool.
fn is_bool(req: &CompileRequest<'_>, r: u16) -> bool {
    req.reg_is_bool.get(r as usize).copied().unwrap_or(false)
}

/// Translates instruction `pc` into blocks that end in jumps to the
/// instructions it continues at (or in returns).
pub(crate) fn instruction(
    e: &mut Emit<'_, '_>,
    req: &CompileRequest<'_>,
    pc: usize,
    ins: Instr,
) -> Result<(), String> {
    // The block of the next instruction (only instructions that can fall
    // through use it, and the verifier proved that those are not last).
    let next = |e: &Emit<'_, '_>| e.blocks.get(pc + 1).copied();
    macro_rules! int_bin {
        ($a:expr, $b:expr, $c:expr, $op:ident) => {{
            let (x, y) = (e.ld($b), e.ld($c));
            let v = e.b.ins().$op(x, y);
            e.st($a, v);
        }};
    }
    macro_rules! float_bin {
        ($a:expr, $b:expr, $c:expr, $op:ident) => {{
            let (x, y) = (e.ldf($b), e.ldf($c));
            let v = e.b.ins().$op(x, y);
            e.st($a, v);
        }};
    }
    macro_rules! float_k {
        ($a:expr, $b:expr, $k:expr, $op:ident, $reversed:expr) => {{
            let x = e.ldf($b);
            let k = e.b.ins().f64const(float_const(req, $k)?);
            let v = if $reversed {
                e.b.ins().$op(k, x)
            } else {
                e.b.ins().$op(x, k)
            };
            e.st($a, v);
        }};
    }
    macro_rules! icmp {
        ($a:expr, $b:expr, $c:expr, $cc:expr) => {{
            let (x, y) = (e.ld($b), e.ld($c));
            let v = e.b.ins().icmp($cc, x, y);
            e.st_bool($a, v);
        }};
    }
    macro_rules! fcmp {
        ($a:expr, $b:expr, $c:expr, $cc:expr) => {{
            let (x, y) = (e.ldf($b), e.ldf($c));
            let v = e.b.ins().fcmp($cc, x, y);
            e.st_bool($a, v);
        }};
    }
    // A branch on two int registers.
    macro_rules! jmp_i {
        ($a:expr, $b:expr, $t:expr, $cc:expr) => {{
            let (x, y) = (e.ld($a), e.ld($b));
            let c = e.b.ins().icmp($cc, x, y);
            e.branch_if(pc, c, $t);
            return Ok(());
        }};
    }
    // A branch on an int register and an immediate.
    macro_rules! jmp_imm {
        ($a:expr, $imm:expr, $t:expr, $cc:expr) => {{
            let x = e.ld($a);
            let c = e.b.ins().icmp_imm_s($cc, x, $imm as i64);
            e.branch_if(pc, c, $t);
            return Ok(());
        }};
    }
    // A branch on a float comparison, or (`negated`) on its negation, which
    // is taken on NaN.
    macro_rules! jmp_f {
        ($x:expr, $y:expr, $t:expr, $cc:expr, $negated:expr) => {{
            let (x, y) = ($x, $y);
            let c = e.b.ins().fcmp($cc, x, y);
            let c = if $negated {
                e.b.ins().bxor_imm_u(c, 1)
            } else {
                c
            };
            e.branch_if(pc, c, $t);
            return Ok(());
        }};
    }
    macro_rules! kf {
        ($k:expr) => {{
            let k = float_const(req, $k)?;
            e.b.ins().f64const(k)
        }};
    }

    match ins {
        Instr::Nop {} => {}
        Instr::Mov { a, b } | Instr::Upcast { a, b } => {
            let v = e.ld_raw(b);
            e.st(a, v);
        }
        Instr::LoadInt { a, imm } => {
            let v = e.int(imm as i64);
            e.st(a, v);
        }
        Instr::LoadK { a, k } => {
            let v = match req.consts.get(k as usize) {
                Some(Const::Int(x)) => e.int(*x),
                Some(Const::Float(x)) => e.b.ins().f64const(*x),
                // Strings are objects the collector may move: read the
                // constant's slot now.
                Some(Const::Str(_)) => {
                    let consts = e.ctx_field(abi::CTX_CONSTS);
                    let at = e.b.ins().iadd_imm_s(consts, 8 * k as i64);
                    e.load_at(at, 0)
                }
                None => return Err(format!("constant {k} does not exist")),
            };
            e.st(a, v);
        }
        Instr::LoadBool { a, v } => {
            let x = e.int((v != 0) as i64);
            e.st(a, x);
        }
        Instr::LoadNil { a } => {
            let z = e.int(0);
            e.st(a, z);
        }
        Instr::GetGlobal { a, g } => {
            let globals = e.ctx_field(abi::CTX_GLOBALS);
            let at = e.b.ins().iadd_imm_s(globals, 8 * g as i64);
            e.st_loaded(a, crate::emit::flags(), at, 0);
        }
        Instr::SetGlobal { g, b } => {
            let globals = e.ctx_field(abi::CTX_GLOBALS);
            let at = e.b.ins().iadd_imm_s(globals, 8 * g as i64);
            let v = e.ld_raw(b);
            e.b.ins().store(crate::emit::flags(), v, at, 0);
        }

        Instr::AddI { a, b, c } => int_bin!(a, b, c, iadd),
        Instr::SubI { a, b, c } => int_bin!(a, b, c, isub),
        Instr::MulI { a, b, c } => int_bin!(a, b, c, imul),
        Instr::DivI { a, b, c } | Instr::RemI { a, b, c } => {
            let d = e.ld_nonnil(c);
            let x = e.ld(b);
            let v = checked_division(e, x, d, matches!(ins, Instr::DivI { .. }));
            e.st(a, v);
        }
        Instr::AddImmI { a, b, imm } => {
            let x = e.ld(b);
            let v = e.b.ins().iadd_imm_s(x, imm as i64);
            e.st(a, v);
        }
        Instr::NegI { a, b } => {
            let x = e.ld(b);
            let v = e.b.ins().ineg(x);
            e.st(a, v);
        }
        Instr::AndI { a, b, c } => int_bin!(a, b, c, band),
        Instr::OrI { a, b, c } => int_bin!(a, b, c, bor),
        Instr::XorI { a, b, c } => int_bin!(a, b, c, bxor),
        // Cranelift's shifts take the amount modulo 64, as the language's do.
        Instr::ShlI { a, b, c } => int_bin!(a, b, c, ishl),
        Instr::ShrI { a, b, c } => int_bin!(a, b, c, sshr),
        Instr::NotI { a, b } => {
            let x = e.ld(b);
            let v = e.b.ins().bnot(x);
            e.st(a, v);
        }

        Instr::AddF { a, b, c } => float_bin!(a, b, c, fadd),
        Instr::SubF { a, b, c } => float_bin!(a, b, c, fsub),
        Instr::MulF { a, b, c } => float_bin!(a, b, c, fmul),
        Instr::DivF { a, b, c } => float_bin!(a, b, c, fdiv),
        Instr::RemF { a, b, c } => {
            let (x, y) = (e.ldf(b), e.ldf(c));
            let v = e.call_value(e.sigs.fmod, e.helpers.fmod, &[x, y]);
            e.st(a, v);
        }
        Instr::NegF { a, b } => {
            let x = e.ldf(b);
            let v = e.b.ins().fneg(x);
            e.st(a, v);
        }

        Instr::EqI { a, b, c } | Instr::EqR { a, b, c } => icmp!(a, b, c, IntCC::Equal),
        Instr::NeI { a, b, c } | Instr::NeR { a, b, c } => icmp!(a, b, c, IntCC::NotEqual),
        Instr::LtI { a, b, c } => icmp!(a, b, c, IntCC::SignedLessThan),
        Instr::LeI { a, b, c } => icmp!(a, b, c, IntCC::SignedLessThanOrEqual),
        Instr::EqF { a, b, c } => fcmp!(a, b, c, FloatCC::Equal),
        Instr::NeF { a, b, c } => fcmp!(a, b, c, FloatCC::NotEqual),
        Instr::LtF { a, b, c } => fcmp!(a, b, c, FloatCC::LessThan),
        Instr::LeF { a, b, c } => fcmp!(a, b, c, FloatCC::LessThanOrEqual),
        Instr::EqB { a, b, c } | Instr::NeB { a, b, c } => {
            let (x, y) = (e.ld(b), e.ld(c));
            let x = e.b.ins().icmp_imm_s(IntCC::NotEqual, x, 0);
            let y = e.b.ins().icmp_imm_s(IntCC::NotEqual, y, 0);
            let cc = if matches!(ins, Instr::EqB { .. }) {
                IntCC::Equal
            } else {
                IntCC::NotEqual
            };
            let v = e.b.ins().icmp(cc, x, y);
            e.st_bool(a, v);
        }
        Instr::NotB { a, b } | Instr::IsNil { a, b } => {
            let x = e.ld(b);
            let v = e.b.ins().icmp_imm_s(IntCC::Equal, x, 0);
            e.st_bool(a, v);
        }
        Instr::EqS { a, b, c }
        | Instr::NeS { a, b, c }
        | Instr::LtS { a, b, c }
        | Instr::LeS { a, b, c } => {
            let (x, y) = (e.ld(b), e.ld(c));
            let order = e.call_value(e.sigs.cmp, e.helpers.str_cmp, &[x, y]);
            let cc = match ins {
                Instr::EqS { .. } => IntCC::Equal,
                Instr::NeS { .. } => IntCC::NotEqual,
                Instr::LtS { .. } => IntCC::SignedLessThan,
                _ => IntCC::SignedLessThanOrEqual,
            };
            let v = e.b.ins().icmp_imm_s(cc, order, 0);
            e.st_bool(a, v);
        }

        Instr::IntToFloat { a, b } => {
            let x = e.ld(b);
            let v = e.b.ins().fcvt_from_sint(types::F64, x);
            e.st(a, v);
        }
        Instr::FloatToInt { a, b } => {
            // In range exactly when -2^63 <= x < 2^63 (false for NaN); the
            // slow path raises the error with the value in it.
            const LIMIT: f64 = 9_223_372_036_854_775_808.0;
            let x = e.ldf(b);
            let lo = e.b.ins().f64const(-LIMIT);
            let hi = e.b.ins().f64const(LIMIT);
            let above = e.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, lo);
            let below = e.b.ins().fcmp(FloatCC::LessThan, x, hi);
            let ok = e.b.ins().band(above, below);
            e.guard(ok);
            let v = e.b.ins().fcvt_to_sint_sat(types::I64, x);
            e.st(a, v);
        }
        Instr::StrLen { a, b } => {
            // Nil reads as the empty string.
            let s = e.ld(b);
            let has = e.b.create_block();
            let done = e.b.create_block();
            let zero = e.int(0);
            e.st(a, zero);
            e.b.ins().brif(s, has, &NO_ARGS, done, &NO_ARGS);
            e.b.switch_to_block(has);
            let n = e.load_meta(s, abi::STR_LEN_OFFSET as i32);
            e.st(a, n);
            e.b.ins().jump(done, &NO_ARGS);
            e.b.switch_to_block(done);
        }

        Instr::Jmp { target } => {
            e.goto(pc, target);
            return Ok(());
        }
        Instr::JmpIf { a, target } | Instr::JmpNotNil { a, target } => {
            let x = e.ld(a);
            let c = e.b.ins().icmp_imm_s(IntCC::NotEqual, x, 0);
            e.branch_if(pc, c, target);
            return Ok(());
        }
        Instr::JmpIfNot { a, target } | Instr::JmpNil { a, target } => {
            let x = e.ld(a);
            let c = e.b.ins().icmp_imm_s(IntCC::Equal, x, 0);
            e.branch_if(pc, c, target);
            return Ok(());
        }
        Instr::JmpLtI { a, b, target } => jmp_i!(a, b, target, IntCC::SignedLessThan),
        Instr::JmpGeI { a, b, target } => jmp_i!(a, b, target, IntCC::SignedGreaterThanOrEqual),
        Instr::JmpEqI { a, b, target } => jmp_i!(a, b, target, IntCC::Equal),
        Instr::JmpNeI { a, b, target } => jmp_i!(a, b, target, IntCC::NotEqual),
        Instr::JmpEqImmI { a, imm, target } => jmp_imm!(a, imm, target, IntCC::Equal),
        Instr::JmpNeImmI { a, imm, target } => jmp_imm!(a, imm, target, IntCC::NotEqual),
        Instr::JmpLtImmI { a, imm, target } => jmp_imm!(a, imm, target, IntCC::SignedLessThan),
        Instr::JmpLeImmI { a, imm, target } => {
            jmp_imm!(a, imm, target, IntCC::SignedLessThanOrEqual)
        }
        Instr::JmpGtImmI { a, imm, target } => {
            jmp_imm!(a, imm, target, IntCC::SignedGreaterThan)
        }
        Instr::JmpGeImmI { a, imm, target } => {
            jmp_imm!(a, imm, target, IntCC::SignedGreaterThanOrEqual)
        }
        Instr::JmpLtF { a, b, target } => {
            jmp_f!(e.ldf(a), e.ldf(b), target, FloatCC::LessThan, false)
        }
        Instr::JmpLeF { a, b, target } => {
            jmp_f!(e.ldf(a), e.ldf(b), target, FloatCC::LessThanOrEqual, false)
        }
        Instr::JmpNltF { a, b, target } => {
            jmp_f!(e.ldf(a), e.ldf(b), target, FloatCC::LessThan, true)
        }
        Instr::JmpNleF { a, b, target } => {
            jmp_f!(e.ldf(a), e.ldf(b), target, FloatCC::LessThanOrEqual, true)
        }
        Instr::JmpEqF { a, b, target } => {
            jmp_f!(e.ldf(a), e.ldf(b), target, FloatCC::Equal, false)
        }
        Instr::JmpNeF { a, b, target } => {
            jmp_f!(e.ldf(a), e.ldf(b), target, FloatCC::NotEqual, false)
        }
        Instr::JmpLtKF { a, k, target } => {
            jmp_f!(e.ldf(a), kf!(k), target, FloatCC::LessThan, false)
        }
        Instr::JmpLeKF { a, k, target } => {
            jmp_f!(e.ldf(a), kf!(k), target, FloatCC::LessThanOrEqual, false)
        }
        Instr::JmpGtKF { a, k, target } => {
            jmp_f!(e.ldf(a), kf!(k), target, FloatCC::GreaterThan, false)
        }
        Instr::JmpGeKF { a, k, target } => {
            jmp_f!(e.ldf(a), kf!(k), target, FloatCC::GreaterThanOrEqual, false)
        }
        Instr::JmpNltKF { a, k, target } => {
            jmp_f!(e.ldf(a), kf!(k), target, FloatCC::LessThan, true)
        }
        Instr::JmpNleKF { a, k, target } => {
            jmp_f!(e.ldf(a), kf!(k), target, FloatCC::LessThanOrEqual, true)
        }
        Instr::JmpNgtKF { a, k, target } => {
            jmp_f!(e.ldf(a), kf!(k), target, FloatCC::GreaterThan, true)
        }
        Instr::JmpNgeKF { a, k, target } => {
            jmp_f!(e.ldf(a), kf!(k), target, FloatCC::GreaterThanOrEqual, true)
        }
        Instr::ForLoop { a, b, target } => {
            let i = e.ld(a);
            let i = e.b.ins().iadd_imm_s(i, 1);
            e.st(a, i);
            let limit = e.ld(b);
            let c = e.b.ins().icmp(IntCC::SignedLessThan, i, limit);
            e.branch_if(pc, c, target);
            return Ok(());
        }

        Instr::MulImmI { a, b, imm } => {
            let x = e.ld(b);
            let v = e.b.ins().imul_imm_s(x, imm as i64);
            e.st(a, v);
        }
        Instr::MulAddImmI { a, b, imm, c } => {
            let x = e.ld(b);
            let p = e.b.ins().imul_imm_s(x, imm as i64);
            let y = e.ld(c);
            let v = e.b.ins().iadd(p, y);
            e.st(a, v);
        }
        // The verifier rejects a zero immediate divisor.
        Instr::DivImmI { a, b, imm } | Instr::RemImmI { a, b, imm } => {
            let x = e.ld(b);
            let is_div = matches!(ins, Instr::DivImmI { .. });
            let v = if imm == -1 {
                // MIN / -1 wraps to MIN (and MIN % -1 is 0) where the
                // machine division would fault.
                if is_div {
                    e.b.ins().ineg(x)
                } else {
                    e.int(0)
                }
            } else {
                let d = e.int(imm as i64);
                if is_div {
                    e.b.ins().sdiv(x, d)
                } else {
                    e.b.ins().srem(x, d)
                }
            };
            e.st(a, v);
        }
        Instr::AddKF { a, b, k } => float_k!(a, b, k, fadd, false),
        Instr::SubKF { a, b, k } => float_k!(a, b, k, fsub, false),
        Instr::RSubKF { a, b, k } => float_k!(a, b, k, fsub, true),
        Instr::MulKF { a, b, k } => float_k!(a, b, k, fmul, false),
        Instr::DivKF { a, b, k } => float_k!(a, b, k, fdiv, false),
        Instr::RDivKF { a, b, k } => float_k!(a, b, k, fdiv, true),

        Instr::Call { a, f, b, n } => {
            crate::call::direct(e, req, pc, a, f, b, n)?;
            return Ok(());
        }
        Instr::CallTrait { a, t, m, b, n } => {
            let site = crate::call::Site { a, b, n };
            crate::call::trait_call(e, req, pc, ins, (t, m), site)?;
            return Ok(());
        }
        Instr::CallClosure { a, c, b, n } => {
            let site = crate::call::Site { a, b, n };
            crate::call::closure_call(e, req, pc, ins, c, site)?;
            return Ok(());
        }
        Instr::CallNative { a, native, b, .. } if native == Native::Sqrt as u16 => {
            let x = e.ldf(b);
            let v = e.b.ins().sqrt(x);
            e.st(a, v);
        }
        Instr::CallNative { a, native, b, .. } if native == Native::StrByte as u16 => {
            // In range: 0 <= i < len, as one unsigned comparison; nil
            // reads as the empty string (and so fails on the slow path).
            let s = e.ld_nonnil(b);
            let i = e.ld(b + 1);
            let len = e.load_meta(s, abi::STR_LEN_OFFSET as i32);
            let ok = e.b.ins().icmp(IntCC::UnsignedLessThan, i, len);
            e.guard(ok);
            let at = e.b.ins().iadd(s, i);
            let byte =
                e.b.ins()
                    .uload8(types::I64, e.mem.meta, at, abi::STR_BYTES_OFFSET as i32);
            e.st(a, byte);
        }
        Instr::Ret { a } => {
            // The result goes back in an integer register (a float as its
            // bits), not through a slot.
            let v = e.ld(a);
            let status = e.int(abi::STATUS_RETURNED_VALUE as i64);
            e.b.ins().return_(&[status, v]);
            return Ok(());
        }
        Instr::RetVoid {} => {
            let status = e.int(abi::STATUS_RETURNED as i64);
            let no_value = e.int(0);
            e.b.ins().return_(&[status, no_value]);
            return Ok(());
        }

        Instr::GetCapture { a, i } => {
            let clo = e.b.ins().load(
                types::I64,
                e.mem.frame,
                e.frame,
                abi::FRAME_CLOSURE_OFFSET as i32,
            );
            e.guard_not_nil(clo);
            e.st_loaded(a, e.mem.body, clo, slot_offset(i as u32));
        }
        Instr::CellGet { a, b } => {
            let cell = e.ld_nonnil(b);
            e.st_loaded(a, e.mem.body, cell, slot_offset(0));
        }
        Instr::CellSet { a, b } => {
            let cell = e.ld_nonnil(a);
            let v = e.ld_raw(b);
            let zero = e.int(0);
            e.store_slot(cell, zero, v, is_ref(req, b));
        }
        Instr::GetField { a, b, i } => {
            let o = e.ld_nonnil(b);
            e.st_loaded(a, e.mem.body, o, slot_offset(i as u32));
        }
        Instr::SetField { a, i, b } => {
            let o = e.ld_nonnil(a);
            let v = e.ld_raw(b);
            let i = e.int(i as i64);
            e.store_slot(o, i, v, is_ref(req, b));
        }
        Instr::EnumTag { a, b } => {
            let o = e.ld_nonnil(b);
            let tag = aux_word(e, o);
            e.st(a, tag);
        }
        Instr::GetPayload { a, b, v, i } => {
            let o = e.ld_nonnil(b);
            let tag = aux_word(e, o);
            let ok = e.b.ins().icmp_imm_s(IntCC::Equal, tag, v as i64);
            e.guard(ok);
            e.st_loaded(a, e.mem.body, o, slot_offset(i as u32));
        }
        // An array of bools keeps one byte per element (the element
        // register's type says which kind the verifier allows here).
        Instr::ArrGet { a, b, c } => {
            let arr = e.ld_nonnil(b);
            let i = e.ld(c);
            let buf = checked_element(e, arr, i);
            if is_bool(req, a) {
                let at = e.b.ins().iadd(buf, i);
                let v = e.b.ins().uload8(
                    types::I64,
                    e.mem.body,
                    at,
                    abi::BYTE_BUFFER_BYTES_OFFSET as i32,
                );
                e.st(a, v);
            } else {
                let at = element_address(e, buf, i);
                e.st_loaded(a, e.mem.body, at, abi::BUFFER_ELEMENTS_OFFSET as i32);
            }
        }
        Instr::ArrSet { a, b, c } => {
            let arr = e.ld_nonnil(a);
            let i = e.ld(b);
            let buf = checked_element(e, arr, i);
            store_element(e, req, buf, i, c);
        }
        Instr::ArrLen { a, b } => {
            let arr = e.ld_nonnil(b);
            let n = e.load_meta(arr, abi::ARRAY_LEN_OFFSET as i32);
            e.st(a, n);
        }

        // Appending: inline while the element buffer has room; growing it
        // (which allocates) is the runtime's.
        Instr::ArrPush { a, b } => {
            let next = next(e).ok_or("an instruction falls off the end")?;
            let arr = e.ld_nonnil(a);
            let len = e.load_meta(arr, abi::ARRAY_LEN_OFFSET as i32);
            let buf = e.load_meta(arr, abi::ARRAY_BUFFER_OFFSET as i32);
            let grow = e.b.create_block();
            e.b.set_cold_block(grow);
            let has_buffer = e.b.create_block();
            let room = e.b.create_block();
            e.b.ins().brif(buf, has_buffer, &NO_ARGS, grow, &NO_ARGS);
            e.b.switch_to_block(has_buffer);
            let cap = e.load_meta(buf, abi::BUFFER_CAPACITY_OFFSET as i32);
            let fits = e.b.ins().icmp(IntCC::UnsignedLessThan, len, cap);
            e.b.ins().brif(fits, room, &NO_ARGS, grow, &NO_ARGS);
            e.b.switch_to_block(room);
            store_element(e, req, buf, len, b);
            let new_len = e.b.ins().iadd_imm_s(len, 1);
            let meta = e.mem.meta;
            e.b.ins()
                .store(meta, new_len, arr, abi::ARRAY_LEN_OFFSET as i32);
            e.b.ins().jump(next, &NO_ARGS);
            e.b.switch_to_block(grow);
            e.step(pc, ins, next);
            e.finish_slow(pc, ins);
            return Ok(());
        }

        // Fixed-size objects: inline when the allocator has room.
        Instr::MakeClosure { a, b, .. }
        | Instr::NewCell { a, b }
        | Instr::NewStruct { a, b, .. }
        | Instr::NewEnum { a, b, .. } => {
            let next = next(e).ok_or("an instruction falls off the end")?;
            match (req.fixed_object)(req.func, ins) {
                Some(obj) => crate::alloc::fixed(e, req, pc, ins, obj, a, b, next),
                None => e.step(pc, ins, next),
            }
            return Ok(());
        }

        // `map.get(key, default)` and `mset` call the map helpers, which
        // go straight to the map without decoding the instruction: the
        // lookup neither fails nor allocates, so it needs no registers
        // stored or reloaded; the store may collect, so it is treated as
        // `step` would treat it.
        Instr::CallNative { a, native, b, .. }
            if native == Native::MapGetOr as u16 && (req.map_facts)(req.func, b).is_some() =>
        {
            let str_keys = (req.map_facts)(req.func, b).is_some_and(|f| f.str_keys);
            let m = e.ld_nonnil(b);
            let key = e.ld(b + 1);
            let default = e.ld(b + 2);
            let helper = if str_keys {
                e.helpers.map_get_str
            } else {
                e.helpers.map_get_int
            };
            let ctx = e.ctx;
            let v = e.call_value(e.sigs.map_get, helper, &[ctx, m, key, default]);
            e.st(a, v);
        }
        Instr::MapSet { a, b, c } if (req.map_facts)(req.func, a).is_some() => {
            let flags = (req.map_facts)(req.func, a).map_or(0, |f| f.flags());
            let next = next(e).ok_or("an instruction falls off the end")?;
            let m = e.ld_nonnil(a);
            let key = e.ld(b);
            let val = e.ld(c);
            e.flush_for(ins);
            let ctx = e.ctx;
            let pc_v = e.int(pc as i64);
            let flags = e.int(flags as i64);
            let status = e.call_value(
                e.sigs.map_set,
                e.helpers.map_set,
                &[ctx, pc_v, m, key, val, flags],
            );
            e.reload_after(ins);
            e.check_status(status, next);
            e.finish_slow(pc, ins);
            return Ok(());
        }

        // Other allocation, printing, natives and maps: the runtime does
        // them.
        Instr::CallNative { .. }
        | Instr::ToStr { .. }
        | Instr::Concat { .. }
        | Instr::Print { .. }
        | Instr::NewArray { .. }
        | Instr::NewArrayFill { .. }
        | Instr::NewMap { .. }
        | Instr::MapGet { .. }
        | Instr::MapSet { .. } => {
            let next = next(e).ok_or("an instruction falls off the end")?;
            e.step(pc, ins, next);
            return Ok(());
        }
    }
    // The instruction falls through to the next one, and so does its slow
    // path, if a guard made one.
    let next = next(e).ok_or("control runs off the end of the code")?;
    e.b.ins().jump(next, &NO_ARGS);
    e.finish_slow(pc, ins);
    Ok(())
}

/// `x / d` or `x % d` for a nonzero `d`, wrapping: MIN / -1 is MIN and
/// MIN % -1 is 0, where the machine instruction would fault.
fn checked_division(e: &mut Emit<'_, '_>, x: Value, d: Value, is_div: bool) -> Value {
    let minus_one = e.b.ins().icmp_imm_s(IntCC::Equal, d, -1);
    let one = e.int(1);
    let safe = e.b.ins().select(minus_one, one, d);
    if is_div {
        let q = e.b.ins().sdiv(x, safe);
        let negated = e.b.ins().ineg(x);
        e.b.ins().select(minus_one, negated, q)
    } else {
        // x % 1 is 0, which is also x % -1.
        e.b.ins().srem(x, safe)
    }
}

/// The aux word of object `o`'s header (an enum value's variant), as an
/// i64.
fn aux_word(e: &mut Emit<'_, '_>, o: Value) -> Value {
    e.b.ins()
        .uload32(e.mem.meta, o, abi::OBJECT_AUX_OFFSET as i32)
}

/// Checks that `i` is inside array `arr` (not nil: checked before), taking
/// the slow path otherwise; gives its element buffer.
fn checked_element(e: &mut Emit<'_, '_>, arr: Value, i: Value) -> Value {
    let len = e.load_meta(arr, abi::ARRAY_LEN_OFFSET as i32);
    // One unsigned comparison covers i < 0 too.
    let ok = e.b.ins().icmp(IntCC::UnsignedLessThan, i, len);
    e.guard(ok);
    e.load_meta(arr, abi::ARRAY_BUFFER_OFFSET as i32)
}

/// Stores register `r` as element `i` of element buffer `buf` (in
/// bounds): a byte for an array of bools, a slot (with the write barrier
/// for references) for the rest.
fn store_element(e: &mut Emit<'_, '_>, req: &CompileRequest<'_>, buf: Value, i: Value, r: u16) {
    let v = e.ld_raw(r);
    if is_bool(req, r) {
        let at = e.b.ins().iadd(buf, i);
        e.b.ins()
            .istore8(e.mem.body, v, at, abi::BYTE_BUFFER_BYTES_OFFSET as i32);
    } else {
        // Body slot 0 of a buffer is its capacity; element i is slot i + 1.
        let slot = e.b.ins().iadd_imm_s(i, 1);
        e.store_slot(buf, slot, v, is_ref(req, r));
    }
}

/// The address of element `i` of element buffer `buf`, less
/// `BUFFER_ELEMENTS_OFFSET`.
fn element_address(e: &mut Emit<'_, '_>, buf: Value, i: Value) -> Value {
    let scaled = e.b.ins().ishl_imm_u(i, 3);
    e.b.ins().iadd(buf, scaled)
}
