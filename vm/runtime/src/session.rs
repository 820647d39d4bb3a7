//! A long-lived VM for the REPL: one heap, one set of globals, and a module
//! that grows with every input.
//!
//! Each input is compiled against everything before it and appends to the
//! module (ids never change), so the session re-derives its run-time tables
//! from the grown module, keeps the values of existing globals and string
//! constants, and runs the input's entry function. A runtime error unwinds
//! the VM stack and leaves every global as the failed input left it, so the
//! session stays usable.

use crate::heap::roots::Roots;
use crate::heap::{Heap, HeapConfig};
use crate::host::Host;
use crate::interp::{Vm, MAX_FRAMES, VM_STACK_SLOTS};
use crate::program::Program;
use crate::state::VmState;
use crate::trap::Trap;
use crate::{
    attach_program, call_entry, make_string_constants, RuntimeError, VmOptions, DEFAULT_HEAP_BYTES,
    RUN_LOCK,
};
use lang_bytecode::{FuncId, Verified};
use std::io::{BufRead, Write};
use std::sync::MutexGuard;

/// The most bytes of a value's printed form the REPL shows after an
/// expression: a screenful or two of text is all anyone reads, and a value
/// that shares subobjects can print practically without end. `println`
/// prints the whole form.
pub const MAX_SHOWN_BYTES: usize = 64 * 1024;

/// The parts of a `Vm` that outlive one input: the heap with its roots
/// (the program's state, but for the program, which each input reloads)
/// and the host environment.
struct Parts {
    heap: Heap,
    host: Host,
}

/// A VM that runs one input after another against shared state.
pub struct Session {
    /// MMTk and the root set are process-wide: one session or run at a time.
    _one_at_a_time: MutexGuard<'static, ()>,
    parts: Option<Parts>,
    prog: Option<Program>,
}

impl Session {
    /// Starts a session writing to `stdout` and reading `stdin`.
    pub fn new(
        opts: VmOptions,
        stdout: Box<dyn Write>,
        stdin: Box<dyn BufRead>,
    ) -> Result<Session, RuntimeError> {
        let lock = RUN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let config = HeapConfig {
            plan: opts.gc_plan,
            max_bytes: opts.heap_max.unwrap_or(DEFAULT_HEAP_BYTES),
            threads: opts.gc_threads,
        };
        let roots = Roots::new(VM_STACK_SLOTS, MAX_FRAMES);
        let heap = Heap::new(&config, roots).map_err(RuntimeError::untraced)?;
        Ok(Session {
            _one_at_a_time: lock,
            parts: Some(Parts {
                heap,
                host: Host::new(stdout, stdin, opts.args),
            }),
            prog: None,
        })
    }

    /// Loads the module as it now stands (a grown version of the one loaded
    /// before, verified again) and runs `entry`, which takes and returns
    /// nothing. `Ok(Some(n))` means the program called `exit(n)`; `Ok(None)`
    /// that the input ran to its end.
    pub fn run(&mut self, module: Verified, entry: FuncId) -> Result<Option<i32>, RuntimeError> {
        let Some(mut parts) = self.parts.take() else {
            return Err(RuntimeError::untraced("the session's heap is gone".into()));
        };
        let known_consts = parts.heap.roots.consts.len();
        let prog = self.prog.insert(Program::load(module));
        attach_program(&mut parts.heap.roots, prog);
        let mut vm = Vm {
            state: VmState {
                prog,
                heap: parts.heap,
            },
            host: parts.host,
            snapshot: None,
            tiers: crate::compiled::Tiers::off(),
        };
        let result =
            make_string_constants(&mut vm, known_consts).and_then(|()| call_entry(&mut vm, entry));
        vm.host.out.flush();
        let outcome = match result {
            // The REPL's stdout failed: the input ends like a runtime
            // error, and the session goes on (its own output may work
            // again, e.g. once a full disk has room).
            Err(Trap::Stdout) => Err(RuntimeError {
                message: match vm.host.out.failure() {
                    Some(crate::StdoutFailure::Failed(why)) => {
                        format!("cannot write to stdout: {why}")
                    }
                    _ => "cannot write to stdout: it is closed".into(),
                },
                trace: vm.trace(),
                internal: false,
            }),
            other => Trap::outcome(other, prog, || vm.trace()),
        };
        vm.host.out.clear_failure();
        vm.state.heap.roots.frames.clear();
        vm.state.heap.roots.scratch.clear();
        self.parts = Some(Parts {
            heap: vm.state.heap,
            host: vm.host,
        });
        outcome
    }

    /// Forgets every global and constant, for a module that starts over
    /// (the REPL's `:reset`). Objects they held become garbage.
    pub fn reset(&mut self) {
        if let Some(parts) = self.parts.as_mut() {
            parts.heap.roots.globals.clear();
            parts.heap.roots.global_refs.clear();
            parts.heap.roots.consts.clear();
            parts.heap.roots.const_refs.clear();
        }
        self.prog = None;
    }

    /// The printed form of global `g` of the last loaded module, as
    /// `println` would print it, but at most `MAX_SHOWN_BYTES` of it (then
    /// ending in ` ...`); `None` if there is no such global.
    pub fn global_text(&self, g: u32) -> Option<String> {
        let prog = self.prog.as_ref()?;
        let parts = self.parts.as_ref()?;
        let ty = prog.module.globals.get(g as usize)?.ty;
        let v = *parts.heap.roots.globals.get(g as usize)?;
        let (mut text, cut) = crate::print::bounded_text(&parts.heap, prog, v, ty, MAX_SHOWN_BYTES);
        if cut {
            text.push_str(" ...");
        }
        Some(text)
    }

    /// Asks the running input to stop at its next loop back-edge with the
    /// runtime error `interrupted`; safe to call from a signal-handling thread.
    pub fn interrupt() {
        crate::interp::INTERRUPT.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Forgets a pending interrupt that arrived while nothing was running.
    pub fn clear_interrupt() {
        crate::interp::INTERRUPT.store(false, std::sync::atomic::Ordering::Relaxed);
    }
}
