//! The host environment a run is given: stdin, stdout, the clock's start
//! and the program's arguments. None of it is program state: a snapshot of
//! a running program (`VmState`) leaves it out, and a resumed run is given
//! a host environment afresh.

pub mod input;
pub mod output;

use input::Input;
use output::Output;
use std::io::{Read, Write};
use std::time::Instant;

/// What a running program reads from and writes to outside its heap.
pub struct Host {
    /// The program's buffered stdout.
    pub out: Output,
    /// The program's stdin (`read_line`).
    pub input: Input,
    /// What `args()` returns.
    pub args: Vec<String>,
    /// When the run started: `clock()` counts from here (a resumed run's
    /// start is moved back by the clock of the run it continues).
    pub started: Instant,
    /// The latest `clock()` the program has read, in nanoseconds: what a
    /// snapshot records, so that a resumed clock never goes back from a
    /// value the program saw, and two runs that reach the same state
    /// without reading the clock write the same image.
    pub clock_seen: u64,
}

impl Host {
    /// A host environment writing to `stdout` and reading `stdin`, whose
    /// clock starts now.
    pub fn new(stdout: Box<dyn Write>, stdin: Box<dyn Read>, args: Vec<String>) -> Host {
        Host {
            out: Output::new(stdout),
            input: Input::new(stdin),
            args,
            started: Instant::now(),
            clock_seen: 0,
        }
    }

    /// What `clock()` reads now, in nanoseconds (and remembers, see
    /// `clock_seen`).
    pub fn read_clock(&mut self) -> u64 {
        let now = u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.clock_seen = self.clock_seen.max(now);
        self.clock_seen
    }

    /// Makes `clock()` go on from `nanos`: it never goes backwards across
    /// a resume.
    pub fn continue_clock(&mut self, nanos: u64) {
        self.clock_seen = nanos;
        let back = std::time::Duration::from_nanos(nanos);
        if let Some(t) = Instant::now().checked_sub(back) {
            self.started = t;
        }
    }
}
