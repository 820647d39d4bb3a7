//! lang-jit: verified bytecode functions compiled to machine code with
//! cranelift. The only crate that knows cranelift.
//!
//! It implements `lang_vm::abi::Compiler`, the runtime ABI's compiler
//! interface, and depends on nothing of the runtime but that ABI: the frame
//! record and context offsets, the object layout constants and the helper
//! table (`lang_vm::abi`). The runtime decides what to compile and when
//! (`lang_vm::JitMode`); this crate only translates.
//!
//! - `translate`: one bytecode function to cranelift IR, instruction by
//!   instruction (tier 1: registers stay in their VM-stack slots).
//! - `emit`: the pieces every translation uses: register loads and stores,
//!   the slow path through the runtime's `step` helper, the write barrier.
//! - `alloc`: fixed-size objects allocated inline from the heap's bump
//!   pointer, with the runtime as the slow path.
//! - `call`: direct calls from compiled code to compiled code, frame push
//!   and pop inline, with the runtime's `call` helper as the slow path;
//!   trait calls dispatched inline on the receiver's struct.
//! - `inline`: small callees that only read, copied into their callers.
//! - `facts`: the registers known not nil before each instruction, whose
//!   checks are left out.
//! - `speculate`: tier 2's guarded calls of the target a call site's
//!   profile saw, the side exit to the interpreter when the guard fails,
//!   and tier 1's count of calls toward tier 2.
//!
//! **Invariant:** the JIT compiles only functions of a verified module, and
//! trusts exactly what the verifier proved, as the interpreter does.

mod alloc;
mod call;
mod emit;
mod facts;
mod inline;
mod speculate;
mod translate;

use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{ir, Context};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module};
use lang_vm::abi::{self, CompileRequest, CompiledCode, Compiler, CompilerFactory};
use std::sync::Arc;

/// A cranelift JIT for one run: its code lives as long as it does.
pub struct Jit {
    module: JITModule,
    ctx: Context,
    builder_ctx: FunctionBuilderContext,
    /// Whether to print each function's machine code to stderr
    /// (`LANG_JIT_DUMP=1`, for working on the JIT).
    dump: bool,
    /// Tier-2 compilations so far: a function recompiled at tier 2 needs
    /// a new name each time.
    recompiled: u32,
}

/// The variable that makes the JIT print the machine code it makes.
pub const DUMP_VAR: &str = "LANG_JIT_DUMP";

/// The factory the runtime takes in `JitOptions::compiler`.
pub fn factory() -> CompilerFactory {
    Arc::new(|| Jit::new().map(|j| Box::new(j) as Box<dyn Compiler>))
}

impl Jit {
    /// A JIT for the machine this runs on.
    pub fn new() -> Result<Jit, String> {
        let mut flags = settings::builder();
        // Tier 1 compiles for compile speed first, but cranelift's
        // optimiser is cheap and removes most of the loads a direct
        // translation repeats; measured in bench/RESULTS.md.
        flags
            .set("opt_level", "speed")
            .map_err(|e| format!("cranelift flag: {e}"))?;
        flags
            .set("is_pic", "false")
            .map_err(|e| format!("cranelift flag: {e}"))?;
        // Cranelift's IR verifier checks every function before it is
        // compiled: a test of this crate's translation, which debug builds
        // (and so the test suite) keep; release builds skip its cost, a
        // tenth or more of each compilation.
        let verify = if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        };
        flags
            .set("enable_verifier", verify)
            .map_err(|e| format!("cranelift flag: {e}"))?;
        let isa = cranelift_native::builder()
            .map_err(|e| format!("this machine is not supported by cranelift: {e}"))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| format!("cranelift: {e}"))?;
        let ptr = isa.pointer_type();
        if ptr != ir::types::I64 {
            return Err("the JIT needs a 64-bit target".into());
        }
        // Frame records are written as little-endian words (`call`).
        if isa.endianness() != ir::Endianness::Little {
            return Err("the JIT needs a little-endian target".into());
        }
        let builder = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
        let module = JITModule::new(builder);
        Ok(Jit {
            ctx: module.make_context(),
            module,
            builder_ctx: FunctionBuilderContext::new(),
            dump: std::env::var_os(DUMP_VAR).is_some_and(|v| !v.is_empty() && v != "0"),
            recompiled: 0,
        })
    }
}

impl Compiler for Jit {
    fn compile(&mut self, req: &CompileRequest<'_>) -> Result<CompiledCode, String> {
        self.module.clear_context(&mut self.ctx);
        let sig = translate::entry_signature(&self.module);
        self.ctx.func.signature = sig.clone();
        let config = self.module.target_config();
        // A function may be compiled several times: for calls, for entry
        // at a loop, and at tier 2 (again after side exits); each code has
        // its own name.
        let name = match (req.entry_pc, req.tier) {
            (0, abi::TIER_BASELINE) => format!("f{}", req.func),
            (pc, abi::TIER_BASELINE) => format!("f{}@{pc}", req.func),
            (pc, tier) => {
                self.recompiled += 1;
                format!("f{}@{pc}.t{tier}.{}", req.func, self.recompiled)
            }
        };
        let id = self
            .module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| format!("cranelift: {e}"))?;
        // The code for calls may call itself directly.
        let self_ref =
            (req.entry_pc == 0).then(|| self.module.declare_func_in_func(id, &mut self.ctx.func));
        let translated = translate::translate(
            req,
            &mut self.ctx.func,
            &mut self.builder_ctx,
            config,
            self_ref,
        );
        let inlined_calls = match translated {
            Ok(n) => n,
            Err(why) => {
                // A translation abandoned half-way leaves the builder's
                // context holding its blocks; the next function must not
                // inherit them.
                self.builder_ctx = FunctionBuilderContext::new();
                return Err(why);
            }
        };
        self.ctx.set_disasm(self.dump);
        self.module
            .define_function(id, &mut self.ctx)
            .map_err(|e| format!("cranelift: {e:?}"))?;
        if self.dump {
            if let Some(text) = self.ctx.compiled_code().and_then(|c| c.vcode.as_ref()) {
                eprintln!("jit: function {}:\n{text}", req.func);
            }
        }
        let code_bytes = self
            .ctx
            .compiled_code()
            .map_or(0, |c| c.code_info().total_size as usize);
        self.module
            .finalize_definitions()
            .map_err(|e| format!("cranelift: {e}"))?;
        let entry = self.module.get_finalized_function(id);
        Ok(CompiledCode {
            entry,
            code_bytes,
            inlined_calls,
        })
    }
}
