//! Program output and input: stdout is buffered and flushed at exit, on a
//! runtime error and before `read_line` blocks.

use std::io::{BufRead, Write};

/// Flush the buffer to the sink once it holds this much: large enough that
/// printing in a loop makes few system calls, small enough to stay in cache.
const FLUSH_AT: usize = 64 * 1024;

/// Buffered program output.
pub struct Output {
    buf: Vec<u8>,
    sink: Box<dyn Write>,
    /// Set once a write failed (e.g. a closed pipe): later output is dropped
    /// quietly instead of failing or panicking the program.
    broken: bool,
}

impl Output {
    pub fn new(sink: Box<dyn Write>) -> Output {
        Output {
            buf: Vec::with_capacity(FLUSH_AT),
            sink,
            broken: false,
        }
    }

    /// Appends bytes, flushing when the buffer is full.
    #[inline]
    pub fn write(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= FLUSH_AT {
            self.flush();
        }
    }

    /// Writes the buffer out and flushes the sink.
    pub fn flush(&mut self) {
        if !self.broken && !self.buf.is_empty() {
            if self.sink.write_all(&self.buf).is_err() {
                self.broken = true;
            }
        }
        self.buf.clear();
        if !self.broken && self.sink.flush().is_err() {
            self.broken = true;
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Reads the next line with its `\n` (`""` at end of input or on a read
/// error). Bytes that are not UTF-8 become U+FFFD: input never panics.
pub fn read_line(input: &mut dyn BufRead) -> String {
    let mut bytes = Vec::new();
    if input.read_until(b'\n', &mut bytes).is_err() {
        bytes.clear();
    }
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}
