//! Program output and input: stdout is buffered and flushed at exit, on a
//! runtime error and before `read_line` blocks.

use std::io::Write;

/// Flush the buffer to the sink once it holds this much: large enough that
/// printing in a loop makes few system calls, small enough to stay in cache.
const FLUSH_AT: usize = 64 * 1024;

/// Why the program's output could not be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StdoutFailure {
    /// The reader went away (`EPIPE`, as in `lang run p.src | head -1`):
    /// nobody wants the rest, and nothing is wrong with the program.
    Closed,
    /// Any other write error (`ENOSPC` on `> /dev/full`, `EIO`), with the
    /// system's reason.
    Failed(String),
}

/// Buffered program output.
pub struct Output {
    buf: Vec<u8>,
    sink: Box<dyn Write>,
    /// Set once a write failed: later output is dropped instead of failing
    /// or panicking, and the run ends at its next print (see `failure`).
    broken: bool,
    /// The first write error.
    failure: Option<StdoutFailure>,
    /// Bytes the program has printed (a snapshot records it).
    total: u64,
}

impl Output {
    pub fn new(sink: Box<dyn Write>) -> Output {
        Output {
            buf: Vec::with_capacity(FLUSH_AT),
            sink,
            broken: false,
            failure: None,
            total: 0,
        }
    }

    /// Bytes the program has printed so far, counting those of the run a
    /// resumed run continues.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Starts the count at `n` (a resumed run's earlier output).
    pub fn set_total(&mut self, n: u64) {
        self.total = n;
    }

    /// Flushes if the bytes just added filled the buffer.
    #[inline]
    fn written(&mut self) {
        if self.buf.len() >= FLUSH_AT {
            self.flush();
        }
    }

    /// Appends `bytes` and writes the buffer out whenever it fills, so the
    /// buffer never holds much more than `FLUSH_AT` bytes however much is
    /// written: a piece at least that large goes to the sink directly.
    /// Gives false once output is broken (nothing written is read any more).
    pub fn write(&mut self, bytes: &[u8]) -> bool {
        self.total = self.total.saturating_add(bytes.len() as u64);
        if bytes.len() >= FLUSH_AT {
            self.flush();
            if !self.broken {
                let written = self.sink.write_all(bytes);
                self.record(written);
            }
        } else {
            self.buf.extend_from_slice(bytes);
            self.written();
        }
        !self.broken
    }

    /// Writes the buffer out and flushes the sink.
    pub fn flush(&mut self) {
        if !self.broken && !self.buf.is_empty() {
            let written = self.sink.write_all(&self.buf);
            self.record(written);
        }
        self.buf.clear();
        if !self.broken {
            let flushed = self.sink.flush();
            self.record(flushed);
        }
    }

    /// Notes the first failure of a write or flush.
    fn record(&mut self, result: std::io::Result<()>) {
        let Err(e) = result else {
            return;
        };
        self.broken = true;
        self.failure = Some(if e.kind() == std::io::ErrorKind::BrokenPipe {
            StdoutFailure::Closed
        } else {
            StdoutFailure::Failed(crate::error::os_reason(&e))
        });
    }

    /// Whether a write has failed: the interpreter then ends the run at
    /// the print that found it, rather than compute output nobody gets.
    #[inline]
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Forgets a failure, for a REPL whose next input may write again.
    pub fn clear_failure(&mut self) {
        self.broken = false;
        self.failure = None;
    }

    /// The first write error, if any.
    pub fn failure(&self) -> Option<&StdoutFailure> {
        self.failure.as_ref()
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A sink that fails like a closed pipe.
    pub(crate) struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
        }
    }

    #[test]
    fn a_closed_pipe_drops_output_quietly() {
        let mut out = Output::new(Box::new(Closed));
        for _ in 0..10_000 {
            out.write(b"hello world\n");
        }
        out.flush();
        assert!(out.broken);
        assert_eq!(out.failure(), Some(&StdoutFailure::Closed));
    }
}
