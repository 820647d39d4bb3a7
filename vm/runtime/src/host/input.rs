//! The program's stdin as `read_line` sees it, buffered here rather than
//! by the reader it is given, so that a snapshot can record exactly what
//! the program consumed and what was read ahead but not yet consumed
//! (`spec/snapshot.md`, "Outside state"). A resumed run gets the read-ahead
//! bytes back first, then its own stdin.

use std::io::Read;

/// How much `Input` asks its source for at once. At least the 8 KiB of
/// std's own stdin buffer, so that std passes such reads straight to the
/// file descriptor and keeps nothing buffered on its side that a snapshot
/// could not see.
const READ_CHUNK: usize = 64 << 10;

/// Buffered input with an account of what was consumed.
pub struct Input {
    source: Box<dyn Read>,
    /// Bytes read from `source` (or given back by a resume) that the
    /// program has not consumed yet: `buf[start..]`.
    buf: Vec<u8>,
    start: usize,
    /// Bytes the program has consumed through `read_line`, counted from the
    /// start of the logical run (a resumed run continues the count).
    consumed: u64,
    /// Lines `read_line` has returned, counted like `consumed`.
    lines: u64,
    /// Set once the source reported its end or an error: later reads give
    /// what is buffered, then nothing.
    ended: bool,
}

impl Input {
    /// Input read from `source`, none of it consumed yet.
    pub fn new(source: Box<dyn Read>) -> Input {
        Input {
            source,
            buf: Vec::new(),
            start: 0,
            consumed: 0,
            lines: 0,
            ended: false,
        }
    }

    /// The input of a resumed run: the saved run's read-ahead bytes first,
    /// then `source`; the counts go on from the saved run's.
    pub fn resumed(source: Box<dyn Read>, unread: Vec<u8>, consumed: u64, lines: u64) -> Input {
        Input {
            source,
            buf: unread,
            start: 0,
            consumed,
            lines,
            ended: false,
        }
    }

    /// Reads the next line with its `\n` (`""` at end of input or on a read
    /// error). Bytes that are not UTF-8 become U+FFFD: input never panics.
    pub fn read_line(&mut self) -> String {
        let mut searched = self.start;
        let end = loop {
            if let Some(i) = self.buf[searched..].iter().position(|&b| b == b'\n') {
                break searched + i + 1;
            }
            searched = self.buf.len();
            if self.ended || !self.fill() {
                break self.buf.len();
            }
        };
        let line = match std::str::from_utf8(&self.buf[self.start..end]) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(&self.buf[self.start..end]).into_owned(),
        };
        self.consumed += (end - self.start) as u64;
        if end > self.start {
            self.lines += 1;
        }
        self.start = end;
        // Drop consumed bytes once they are most of the buffer, so that a
        // long input does not accumulate in memory.
        if self.start > READ_CHUNK && self.start * 2 > self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        line
    }

    /// Reads more from the source into the buffer; false at its end or on
    /// an error (which the program sees as the end of its input).
    fn fill(&mut self) -> bool {
        let old = self.buf.len();
        self.buf.resize(old + READ_CHUNK, 0);
        let got = loop {
            match self.source.read(&mut self.buf[old..]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Ok(n) => break n,
                Err(_) => break 0,
            }
        };
        self.buf.truncate(old + got);
        if got == 0 {
            self.ended = true;
        }
        got > 0
    }

    /// The bytes read ahead of the program: read from the source, not yet
    /// consumed.
    pub fn unread(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Bytes the program has consumed, over the whole logical run.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Lines the program has read, over the whole logical run.
    pub fn lines(&self) -> u64 {
        self.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(bytes: &[u8]) -> Input {
        Input::new(Box::new(std::io::Cursor::new(bytes.to_vec())))
    }

    #[test]
    fn read_line_keeps_newlines_and_replaces_bad_utf8() {
        let mut i = input(b"a\n\xffb\nlast");
        assert_eq!(i.read_line(), "a\n");
        assert_eq!(i.read_line(), "\u{fffd}b\n");
        assert_eq!(i.read_line(), "last");
        assert_eq!(i.read_line(), "");
        assert_eq!((i.consumed(), i.lines()), (9, 3));
    }

    #[test]
    fn read_ahead_bytes_are_unread_until_consumed() {
        let mut i = input(b"one\ntwo\nthree\n");
        assert_eq!(i.read_line(), "one\n");
        assert_eq!(i.unread(), b"two\nthree\n");
        assert_eq!(i.consumed(), 4);
    }

    #[test]
    fn a_resumed_input_gives_back_the_read_ahead_bytes_first() {
        // "tw" has no newline, so the source's bytes join it.
        let mut j = Input::resumed(
            Box::new(std::io::Cursor::new(b"o\nthree\n".to_vec())),
            b"tw".to_vec(),
            4,
            1,
        );
        assert_eq!(j.read_line(), "two\n");
        assert_eq!(j.read_line(), "three\n");
        assert_eq!((j.consumed(), j.lines()), (14, 3));
    }

    #[test]
    fn long_inputs_do_not_accumulate() {
        let line = [b'x'; 1000];
        let mut text = Vec::new();
        for _ in 0..1000 {
            text.extend_from_slice(&line);
            text.push(b'\n');
        }
        let mut i = input(&text);
        for _ in 0..1000 {
            assert_eq!(i.read_line().len(), 1001);
        }
        assert!(i.buf.len() <= 2 * READ_CHUNK + 1001, "{}", i.buf.len());
        assert_eq!(i.read_line(), "");
    }
}
