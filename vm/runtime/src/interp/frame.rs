//! Frames and calls: how a call sets up the callee's registers on the VM
//! stack, how natives call back into the language, and how a stack trace is
//! read off the frame records.

use super::Vm;
use crate::error::{TraceFrame, ELIDED};
use crate::heap::roots::FrameRec;
use crate::program::{FuncInfo, Program};
use crate::trap::{internal, Trap, TrapKind};

/// A trace longer than this is shortened to its innermost and outermost
/// frames: a stack overflow has a hundred thousand identical frames, and
/// the first few dozen say everything.
const TRACE_INNER: usize = 40;
const TRACE_OUTER: usize = 10;

/// The message of a stack overflow.
pub fn overflow() -> Trap {
    Trap::error(TrapKind::StackOverflow)
}

impl<'p> Vm<'p> {
    /// Pushes a frame for function `callee` whose registers start at stack
    /// slot `new_base`: copies `args` (already on the stack at `arg_at`)
    /// into the parameter registers and sets every other register to zero
    /// (0, 0.0, false, nil or `""` by its type). Fails with
    /// `stack overflow` when the VM stack or the frame limit is exhausted.
    /// Gives the callee's tables.
    #[inline(always)]
    pub(crate) fn push_frame(
        &mut self,
        callee: u32,
        new_base: usize,
        arg_at: usize,
        nargs: usize,
        dest: u16,
        closure: u64,
    ) -> Result<&'p FuncInfo, Trap> {
        let prog: &'p Program = self.state.prog;
        let Some(cf) = prog.funcs.get(callee as usize) else {
            return Err(internal(format!("call of unknown function {callee}")));
        };
        let roots = &mut *self.state.heap.roots;
        let len = roots.stack.len();
        let end = new_base + cf.nregs;
        if end > len || arg_at + nargs > len {
            return Err(overflow());
        }
        let nargs = nargs.min(cf.nregs);
        let stack = roots.stack.as_mut_ptr();
        // SAFETY: `arg_at + nargs` and `new_base + cf.nregs` are at most the
        // stack's length (checked above), and `nargs <= cf.nregs`.
        unsafe {
            if arg_at != new_base {
                if new_base >= arg_at + nargs || new_base + nargs <= arg_at {
                    // Frames are small: an element loop beats memmove.
                    for i in 0..nargs {
                        *stack.add(new_base + i) = *stack.add(arg_at + i);
                    }
                } else {
                    std::ptr::copy(stack.add(arg_at), stack.add(new_base), nargs);
                }
            }
            // Every register past the arguments starts zero, whatever its
            // type: the verifier does not prove registers written before
            // they are read, so this is what keeps a frame from seeing an
            // earlier frame's values (an address read as an int, a pointer
            // as a bool that is neither 0 nor 1). See `spec/bytecode.md`,
            // "Frames". One `write_bytes` rather than an element loop:
            // measured side by side, the loop cost fib(37) 14-20 % and
            // dispatch 6-8 %, the single fill nothing measurable.
            std::ptr::write_bytes(stack.add(new_base + nargs), 0, cf.nregs - nargs);
        }
        // The frame stack's capacity is the frame limit, `MAX_FRAMES`.
        let pushed = roots.frames.push(FrameRec {
            func: callee,
            base: new_base as u32,
            pc: 0,
            dest,
            closure,
        });
        if !pushed {
            return Err(overflow());
        }
        Ok(cf)
    }

    /// The stack trace of the current frames, innermost first.
    pub(crate) fn trace(&self) -> Vec<TraceFrame> {
        let module = &self.state.prog.module;
        let frames = &self.state.heap.roots.frames;
        let entry = |fr: &FrameRec| {
            // The file table turns the program-wide line into a file's own.
            let (file, line) = module.file_line(self.state.prog.line(fr.func, fr.pc));
            TraceFrame {
                function: self
                    .state
                    .prog
                    .funcs
                    .get(fr.func as usize)
                    .map_or_else(|| "?".to_string(), |f| f.name.clone()),
                file: file.to_string(),
                line,
            }
        };
        let n = frames.len();
        if n <= TRACE_INNER + TRACE_OUTER + 1 {
            return frames.iter().rev().map(entry).collect();
        }
        let mut out: Vec<TraceFrame> = frames.iter().rev().take(TRACE_INNER).map(entry).collect();
        let elided = n - TRACE_INNER - TRACE_OUTER;
        out.push(TraceFrame {
            function: ELIDED.to_string(),
            file: module.source_name.clone(),
            line: u32::try_from(elided).unwrap_or(u32::MAX),
        });
        out.extend(frames[..TRACE_OUTER].iter().rev().map(entry));
        out
    }
}
