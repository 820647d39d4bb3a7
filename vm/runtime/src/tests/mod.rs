//! Unit tests of the runtime on hand-assembled modules (the compiler is not
//! a dependency of this crate). `Asm` keeps the assembling short.
//!
//! Every module a test runs goes through the verifier first (`verified`):
//! the runtime takes nothing else, and its unchecked reads are only sound
//! on what the verifier accepted.

mod basics;
mod errors;
mod frames;
mod gc;
mod host_split;
mod objects;
mod print_size;
mod printing;
mod snapshot;
mod traps;

use crate::{run_with_io, RunOutcome, RuntimeError, VmOptions};
use lang_bytecode::types::{BOOL, FLOAT, INT, STR};
use lang_bytecode::{Const, FuncId, Function, Instr, Module, Type, TypeId, Verified};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Builds a module function by function.
pub struct Asm {
    pub m: Module,
}

impl Asm {
    pub fn new() -> Asm {
        Asm {
            m: Module::new("prog.src"),
        }
    }

    /// The id of a type, interning it.
    pub fn ty(&mut self, t: Type) -> TypeId {
        self.m.intern_type(t)
    }

    /// Adds a constant; returns its index.
    pub fn k(&mut self, c: Const) -> u32 {
        self.m.consts.push(c);
        (self.m.consts.len() - 1) as u32
    }

    /// Adds a string constant.
    pub fn s(&mut self, text: &str) -> u32 {
        self.k(Const::Str(text.to_string()))
    }

    /// Reserves a function id (to call it before defining it).
    pub fn declare(&mut self, name: &str) -> FuncId {
        self.m.functions.push(Function {
            name: name.to_string(),
            params: vec![],
            ret: None,
            captures: vec![],
            regs: vec![],
            code: vec![],
            lines: vec![],
        });
        (self.m.functions.len() - 1) as FuncId
    }

    /// Defines a declared function. Instruction i is on source line
    /// `first_line + i`.
    #[allow(clippy::too_many_arguments)]
    pub fn define(
        &mut self,
        id: FuncId,
        params: &[TypeId],
        ret: Option<TypeId>,
        captures: &[TypeId],
        regs: &[TypeId],
        first_line: u32,
        code: Vec<Instr>,
    ) {
        let f = &mut self.m.functions[id as usize];
        f.params = params.to_vec();
        f.ret = ret;
        f.captures = captures.to_vec();
        f.regs = regs.to_vec();
        f.lines = (0..code.len() as u32).map(|i| first_line + i).collect();
        f.code = code;
    }

    /// Adds and defines a function in one step.
    pub fn func(
        &mut self,
        name: &str,
        params: &[TypeId],
        ret: Option<TypeId>,
        regs: &[TypeId],
        code: Vec<Instr>,
    ) -> FuncId {
        let id = self.declare(name);
        self.define(id, params, ret, &[], regs, 1, code);
        id
    }

    /// Adds the entry function (no parameters, no result) and selects it.
    pub fn entry(&mut self, regs: &[TypeId], code: Vec<Instr>) -> FuncId {
        let id = self.func("<main>", &[], None, regs, code);
        self.m.entry = id;
        id
    }

    pub fn finish(self) -> Module {
        self.m
    }
}

/// An output sink the test can read afterwards.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// `m` as the verifier accepts it; a test module that does not verify is a
/// broken test, reported with the verifier's reason and the listing.
pub fn verified(m: Module) -> Verified {
    let listing = lang_bytecode::disasm::disassemble(&m);
    match lang_bytecode::verify(m) {
        Ok(v) => v,
        Err(e) => panic!("the test's module does not verify: {e}\n{listing}"),
    }
}

/// The module a listing (as `lang_bytecode::disasm` prints it) shows; a
/// listing that does not assemble is a broken test.
pub fn listing(text: &str) -> Module {
    lang_bytecode::assemble(text).unwrap_or_else(|e| panic!("the test's listing: {e}"))
}

/// Verifies and runs `m` with `opts` and `input` on stdin; returns the
/// result and stdout.
pub fn run_full(
    m: Module,
    opts: VmOptions,
    input: &str,
) -> (Result<RunOutcome, RuntimeError>, String) {
    let out = Capture::default();
    let stdin = Box::new(std::io::Cursor::new(input.as_bytes().to_vec()));
    let r = run_with_io(verified(m), opts, Box::new(out.clone()), stdin).result;
    (r, out.text())
}

/// Runs `m` with default options; returns the result and stdout.
pub fn run(m: Module) -> (Result<RunOutcome, RuntimeError>, String) {
    run_full(m, VmOptions::default(), "")
}

/// Runs `m`, expecting a normal end; returns stdout.
pub fn run_ok(m: Module) -> String {
    let (r, out) = run(m);
    match r {
        Ok(RunOutcome::Exit(0)) => out,
        other => panic!("expected a normal end, got {other:?}; output so far:\n{out}"),
    }
}

/// Runs `m`, expecting a runtime error; returns it and stdout.
pub fn run_err(m: Module) -> (RuntimeError, String) {
    let (r, out) = run(m);
    match r {
        Err(e) => (e, out),
        Ok(o) => panic!("expected a runtime error, got {o:?}; output:\n{out}"),
    }
}

/// Runs the test `test` of this binary alone in a child process, with the
/// environment variable `var` set to `value` (which makes the child do its
/// work), for what must have a process of its own: a GC plan (fixed per
/// process) or an error that ends the process.
pub fn run_child(test: &str, var: &str, value: &str) -> std::process::Output {
    let exe = std::env::current_exe().expect("the test binary");
    std::process::Command::new(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(var, value)
        .output()
        .expect("the child test runs")
}

/// Shorthands for the built-in type ids.
pub const I: TypeId = INT;
pub const F: TypeId = FLOAT;
pub const B: TypeId = BOOL;
pub const S: TypeId = STR;

/// An instruction or a jump to a named label, for code with loops.
pub enum Op {
    In(Instr),
    Label(&'static str),
    Jmp(&'static str),
    Jt(u16, &'static str),
    Jf(u16, &'static str),
    JGe(u16, u16, &'static str),
    JLt(u16, u16, &'static str),
}

/// Resolves labels to instruction indices.
pub fn assemble(ops: Vec<Op>) -> Vec<Instr> {
    let mut at = std::collections::HashMap::new();
    let mut n = 0u32;
    for op in &ops {
        match op {
            Op::Label(l) => {
                at.insert(*l, n);
            }
            _ => n += 1,
        }
    }
    let t = |l: &str| *at.get(l).unwrap_or_else(|| panic!("no label {l}"));
    ops.into_iter()
        .filter_map(|op| match op {
            Op::In(i) => Some(i),
            Op::Label(_) => None,
            Op::Jmp(l) => Some(Instr::Jmp { target: t(l) }),
            Op::Jt(a, l) => Some(Instr::JmpIf { a, target: t(l) }),
            Op::Jf(a, l) => Some(Instr::JmpIfNot { a, target: t(l) }),
            Op::JGe(a, b, l) => Some(Instr::JmpGeI { a, b, target: t(l) }),
            Op::JLt(a, b, l) => Some(Instr::JmpLtI { a, b, target: t(l) }),
        })
        .collect()
}
