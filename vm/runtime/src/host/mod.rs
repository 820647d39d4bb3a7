//! The host environment a run is given: stdin, stdout, the clock's start
//! and the program's arguments. None of it is program state: a snapshot of
//! a running program (`VmState`) leaves it out, and a resumed run is given
//! a host environment afresh.

pub mod output;

use output::Output;
use std::io::{BufRead, Write};
use std::time::Instant;

/// What a running program reads from and writes to outside its heap.
pub struct Host {
    /// The program's buffered stdout.
    pub out: Output,
    /// The program's stdin (`read_line`).
    pub input: Box<dyn BufRead>,
    /// What `args()` returns.
    pub args: Vec<String>,
    /// When the run started: `clock()` counts from here (a resumed run's
    /// start is moved back by the clock of the run it continues).
    pub started: Instant,
    /// Lines `read_line` has returned (a snapshot records it).
    pub lines_read: u64,
}

impl Host {
    /// A host environment writing to `stdout` and reading `stdin`, whose
    /// clock starts now.
    pub fn new(stdout: Box<dyn Write>, stdin: Box<dyn BufRead>, args: Vec<String>) -> Host {
        Host {
            out: Output::new(stdout),
            input: stdin,
            args,
            started: Instant::now(),
            lines_read: 0,
        }
    }

    /// What `clock()` reads now, in nanoseconds.
    pub fn clock_nanos(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Makes `clock()` go on from `nanos`: it never goes backwards across
    /// a resume.
    pub fn continue_clock(&mut self, nanos: u64) {
        let back = std::time::Duration::from_nanos(nanos);
        if let Some(t) = Instant::now().checked_sub(back) {
            self.started = t;
        }
    }
}
