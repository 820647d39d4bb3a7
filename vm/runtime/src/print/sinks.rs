//! Where the printer's bytes go. The walk in `print` hands each piece of the
//! printed form to a `Sink` as it produces it, so no caller needs the whole
//! text in memory: `println` streams it to stdout, `str` measures it first
//! and then writes it straight into a heap string.

/// Takes the printed form piece by piece.
pub trait Sink {
    /// Takes the next bytes; false stops the walk (the sink is full, or
    /// nobody reads what it is given any more).
    fn put(&mut self, bytes: &[u8]) -> bool;
}

/// An unbounded buffer: for values whose printed form is small by
/// construction (map keys in error messages) and for tests.
impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) -> bool {
        self.extend_from_slice(bytes);
        true
    }
}

/// A buffer that takes at most `cap` bytes: it keeps what fits of the first
/// piece that does not fit (which may end inside a UTF-8 character), and
/// stops the walk there.
pub struct Capped {
    pub buf: Vec<u8>,
    cap: usize,
    /// Whether some piece did not fit: `buf` is then not the whole form.
    pub overflowed: bool,
}

impl Capped {
    pub fn new(cap: usize) -> Capped {
        Capped {
            buf: Vec::new(),
            cap,
            overflowed: false,
        }
    }
}

impl Sink for Capped {
    fn put(&mut self, bytes: &[u8]) -> bool {
        let room = self.cap - self.buf.len();
        if bytes.len() > room {
            self.buf.extend_from_slice(&bytes[..room]);
            self.overflowed = true;
            return false;
        }
        self.buf.extend_from_slice(bytes);
        true
    }
}

/// Counts bytes without keeping them, and stops the walk once the count
/// passes `cap`.
pub struct Counter {
    pub len: usize,
    cap: usize,
    /// Whether the form is longer than `cap` (then `len` is not its length).
    pub over: bool,
}

impl Counter {
    pub fn new(cap: usize) -> Counter {
        Counter {
            len: 0,
            cap,
            over: false,
        }
    }
}

impl Sink for Counter {
    fn put(&mut self, bytes: &[u8]) -> bool {
        match self.len.checked_add(bytes.len()) {
            Some(n) if n <= self.cap => {
                self.len = n;
                true
            }
            _ => {
                self.over = true;
                false
            }
        }
    }
}

/// Fills a byte slice from the start; stops the walk (keeping what fits)
/// when the slice is full.
pub struct Fill<'a> {
    pub dst: &'a mut [u8],
    pub at: usize,
}

impl Sink for Fill<'_> {
    fn put(&mut self, bytes: &[u8]) -> bool {
        let Some(room) = self.dst.get_mut(self.at..) else {
            return false;
        };
        let n = bytes.len().min(room.len());
        room[..n].copy_from_slice(&bytes[..n]);
        self.at += n;
        n == bytes.len()
    }
}

/// The text of a number: formatted on the stack, since `str(i)` and
/// `println(i)` are hot and must not allocate for it.
pub struct Digits {
    buf: [u8; Digits::CAP],
    len: usize,
}

impl Digits {
    /// Room for any int (20 characters) and any float's printed form (at
    /// most 24: a sign, 17 significant digits, a point and an exponent, or
    /// `0.000` and 17 digits between 1e-4 and 1e-3).
    const CAP: usize = 40;

    pub fn new() -> Digits {
        Digits {
            buf: [0; Digits::CAP],
            len: 0,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl std::fmt::Write for Digits {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let room = self
            .buf
            .get_mut(self.len..self.len + s.len())
            .ok_or(std::fmt::Error)?;
        room.copy_from_slice(s.as_bytes());
        self.len += s.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_keeps_what_fits_and_says_when_something_did_not() {
        let mut c = Capped::new(5);
        assert!(c.put(b"abc"));
        assert!(!c.put(b"def"));
        assert!(c.overflowed);
        assert_eq!(c.buf, b"abcde");
        assert!(!c.put(b"g"));
        assert_eq!(c.buf, b"abcde");
    }

    #[test]
    fn counter_stops_past_its_cap_without_overflowing() {
        let mut c = Counter::new(10);
        assert!(c.put(&[0; 10]));
        assert!(!c.put(b"x"));
        assert!(c.over);
        let mut huge = Counter::new(usize::MAX);
        huge.len = usize::MAX - 1;
        assert!(!huge.put(b"xy"));
    }

    #[test]
    fn fill_never_writes_past_its_slice() {
        let mut dst = [0u8; 4];
        let mut f = Fill {
            dst: &mut dst,
            at: 0,
        };
        assert!(f.put(b"ab"));
        assert!(!f.put(b"cde"));
        assert!(!f.put(b"f"));
        assert_eq!(&dst, b"abcd");
    }
}
