//! What compiling a function needs of the program besides the function's
//! own code, and the request made of the compiler.
//!
//! A compiler runs on the program's thread or on a compiler thread
//! (`background`); each has its own `CompileInputs`, built from the program
//! at its first compilation, so that runs that compile nothing never pay
//! for the tables.

use super::background::Job;
use crate::abi::{
    CalleeFacts, CompileRequest, CompiledCode, Compiler, FunctionBody, Helpers, MapFacts, TraitImpl,
};
use crate::program::{FuncInfo, KeyKind, Program, TypeInfo};

/// The tables every compilation of one program reads.
pub(crate) struct CompileInputs {
    helpers: Helpers,
    /// Per function: what compiled code calling it directly needs.
    callees: Vec<CalleeFacts>,
    /// Per function, per register: whether it holds a float.
    reg_is_float: Vec<Vec<bool>>,
    /// Per function, per register: whether it holds a bool.
    reg_is_bool: Vec<Vec<bool>>,
    /// The functions the program makes closures of (the `f` of its
    /// `closure` instructions), in function order without duplicates: all
    /// that a closure call can run. Found at the first compilation that
    /// asks, so that the code is scanned at most once.
    closure_funcs: Option<Vec<u32>>,
}

impl CompileInputs {
    /// The tables of program `prog`.
    pub fn new(prog: &Program) -> CompileInputs {
        let regs_of = |class: fn(&TypeInfo) -> bool| -> Vec<Vec<bool>> {
            prog.funcs
                .iter()
                .map(|f| f.reg_types.iter().map(|&t| class(prog.ty(t))).collect())
                .collect()
        };
        CompileInputs {
            helpers: super::helpers::table(),
            callees: prog
                .funcs
                .iter()
                .map(|f| CalleeFacts {
                    nregs: u32::try_from(f.nregs).unwrap_or(u32::MAX),
                    params: u32::try_from(f.params).unwrap_or(u32::MAX),
                    returns_value: f.returns_value,
                })
                .collect(),
            reg_is_float: regs_of(|t| matches!(t, TypeInfo::Float)),
            reg_is_bool: regs_of(|t| matches!(t, TypeInfo::Bool)),
            closure_funcs: None,
        }
    }

    /// Compiles `job` (a function of `prog`) with `compiler`.
    pub fn compile(
        &mut self,
        compiler: &mut dyn Compiler,
        prog: &Program,
        job: &Job,
    ) -> Result<CompiledCode, String> {
        let (f, entry_pc) = (job.func, job.entry_pc);
        let info = prog
            .funcs
            .get(f as usize)
            .ok_or_else(|| format!("no function {f}"))?;
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
        let missing = || format!("no register table for function {f}");
        let req = CompileRequest {
            func: f,
            code: &info.code,
            consts: &prog.module.consts,
            reg_is_ref: &info.reg_is_ref,
            reg_is_float: float_regs.get(f as usize).ok_or_else(missing)?,
            reg_is_bool: bool_regs.get(f as usize).ok_or_else(missing)?,
            helpers: &self.helpers,
            funcs: &self.callees,
            fixed_object: &|g, ins| prog.fixed_object(prog.funcs.get(g as usize)?, ins),
            entry_pc,
            body: &body,
            trait_impls: &trait_impls,
            closure_targets: &closure_targets,
            map_facts: &|g, r| map_facts(prog, prog.funcs.get(g as usize)?, r),
            tier: job.tier,
            profile: &job.profile,
            tier_up: job.tier_up,
            loop_tier_up: job.loop_tier_up,
        };
        compiler.compile(&req)
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
