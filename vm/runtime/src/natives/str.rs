//! String natives. Strings are immutable UTF-8; lengths and indices are in
//! bytes, and `substr` only cuts on character boundaries so every string
//! stays valid UTF-8.

use super::Args;
use crate::heap::OutOfMemory;
use crate::interp::Vm;
use crate::objects::array;
use crate::trap::{index_error, internal, Trap, TrapKind};
use lang_bytecode::Native;

/// Byte index of the first occurrence of `needle` in `hay`.
pub fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    if needle.len() > hay.len() {
        return None;
    }
    let first = needle[0];
    (0..=hay.len() - needle.len()).find(|&i| hay[i] == first && &hay[i..i + needle.len()] == needle)
}

/// Whether byte `i` of `s` starts a character (or is the end).
fn is_boundary(s: &[u8], i: usize) -> bool {
    i == s.len() || s.get(i).is_some_and(|b| (*b as i8) >= -0x40)
}

impl Vm<'_> {
    /// A new heap string: `s` with every occurrence of `from` (not empty)
    /// replaced by `to`. The result can be far longer than its inputs (a
    /// megabyte of `a` with each `a` replaced by a megabyte is a terabyte),
    /// so its length is computed first and it is written straight into a
    /// heap string: past the heap limit it is `out of memory`, and nothing
    /// of it is built outside the heap.
    fn replaced(&mut self, s: &str, from: &str, to: &str) -> Result<u64, OutOfMemory> {
        let hits = s.matches(from).count();
        let len = hits
            .checked_mul(from.len())
            .and_then(|gone| s.len().checked_sub(gone))
            .and_then(|kept| hits.checked_mul(to.len())?.checked_add(kept))
            .filter(|&len| len <= self.state.heap.limit_bytes())
            .ok_or(OutOfMemory)?;
        let o = self.state.heap.alloc_str_uninit(len)?;
        let dst = self.state.heap.str_bytes_mut(o);
        let mut at = 0;
        let mut put = |piece: &[u8]| {
            if let Some(room) = dst.get_mut(at..at + piece.len()) {
                room.copy_from_slice(piece);
                at += piece.len();
            }
        };
        let bytes = s.as_bytes();
        let mut last = 0;
        for (i, _) in s.match_indices(from) {
            put(bytes.get(last..i).unwrap_or_default());
            put(to.as_bytes());
            last = i + from.len();
        }
        put(bytes.get(last..).unwrap_or_default());
        Ok(o)
    }

    pub(super) fn native_str(&mut self, nat: Native, c: &Args) -> Result<(), Trap> {
        let v: u64 = match nat {
            Native::StrLen => self.state.heap.str_len(self.arg(c, 0)) as u64,
            Native::StrByte => {
                let s = self.state.heap.str_bytes(self.arg(c, 0));
                let i = self.arg_int(c, 1);
                match usize::try_from(i).ok().and_then(|i| s.get(i)) {
                    Some(&b) => b as u64,
                    None => return Err(index_error(i, s.len())),
                }
            }
            Native::Find => {
                let h = &self.state.heap;
                match find_bytes(h.str_bytes(self.arg(c, 0)), h.str_bytes(self.arg(c, 1))) {
                    Some(i) => i as u64,
                    None => -1i64 as u64,
                }
            }
            Native::StrContains => {
                let h = &self.state.heap;
                find_bytes(h.str_bytes(self.arg(c, 0)), h.str_bytes(self.arg(c, 1))).is_some()
                    as u64
            }
            Native::StartsWith => {
                let h = &self.state.heap;
                h.str_bytes(self.arg(c, 0))
                    .starts_with(h.str_bytes(self.arg(c, 1))) as u64
            }
            Native::EndsWith => {
                let h = &self.state.heap;
                h.str_bytes(self.arg(c, 0))
                    .ends_with(h.str_bytes(self.arg(c, 1))) as u64
            }
            Native::Substr => {
                let (a, b) = (self.arg_int(c, 1), self.arg_int(c, 2));
                let s = self.state.heap.str_bytes(self.arg(c, 0));
                let n = s.len();
                if a < 0 || b < a || b as u64 > n as u64 {
                    return Err(Trap::error(TrapKind::SubstringOutOfBounds {
                        from: a,
                        to: b,
                        len: n as u64,
                    }));
                }
                let (a, b) = (a as usize, b as usize);
                if !is_boundary(s, a) || !is_boundary(s, b) {
                    return Err(Trap::error(TrapKind::SubstringNotOnBoundary {
                        from: a as u64,
                        to: b as u64,
                    }));
                }
                let piece = s[a..b].to_vec();
                return self.result_str(c, &piece);
            }
            Native::Trim => {
                let s = self.arg_string(c, 0);
                return self.result_str(c, s.trim().as_bytes());
            }
            Native::ToUpper => {
                let s = self.arg_string(c, 0);
                return self.result_str(c, s.to_uppercase().as_bytes());
            }
            Native::ToLower => {
                let s = self.arg_string(c, 0);
                return self.result_str(c, s.to_lowercase().as_bytes());
            }
            Native::Replace => {
                let (s, from, to) = (
                    self.arg_string(c, 0),
                    self.arg_string(c, 1),
                    self.arg_string(c, 2),
                );
                // Replacing the empty string would insert `to` between every
                // character; the language leaves the string unchanged.
                if from.is_empty() {
                    return self.result_str(c, s.as_bytes());
                }
                let o = self.replaced(&s, &from, &to)?;
                self.set_result(c, o);
                return Ok(());
            }
            Native::Split => {
                let (s, sep) = (self.arg_string(c, 0), self.arg_string(c, 1));
                if sep.is_empty() {
                    return Err(Trap::error(TrapKind::SplitEmptySeparator));
                }
                let pieces: Vec<&str> = s.split(sep.as_str()).collect();
                return self.result_str_array(c, &pieces);
            }
            Native::Chars => {
                let s = self.arg_string(c, 0);
                let mut bufs = Vec::new();
                for (i, ch) in s.char_indices() {
                    bufs.push(&s[i..i + ch.len_utf8()]);
                }
                return self.result_str_array(c, &bufs);
            }
            _ => {
                return Err(internal(format!(
                    "native {} is not a string native",
                    nat.name()
                )))
            }
        };
        self.set_result(c, v);
        Ok(())
    }

    /// Makes a new `[str]` of `pieces` the result.
    pub(crate) fn result_str_array(&mut self, c: &Args, pieces: &[&str]) -> Result<(), Trap> {
        let n = pieces.len();
        let arr = array::new(&mut self.state.heap, array::ElemKind::Ref, n, n)?;
        let mark = self.state.heap.root_mark();
        let ai = self.state.heap.push_root(arr);
        for (i, p) in pieces.iter().enumerate() {
            let s = match self.state.heap.alloc_str(p.as_bytes()) {
                Ok(s) => s,
                Err(e) => {
                    self.state.heap.truncate_roots(mark);
                    return Err(e.into());
                }
            };
            let arr = self.state.heap.root(ai);
            array::set(&mut self.state.heap, arr, i, s, true);
        }
        let arr = self.state.heap.root(ai);
        self.state.heap.truncate_roots(mark);
        self.set_result(c, arr);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_bytes_finds_first_occurrence() {
        assert_eq!(find_bytes(b"hello", b"l"), Some(2));
        assert_eq!(find_bytes(b"hello", b"lo"), Some(3));
        assert_eq!(find_bytes(b"hello", b""), Some(0));
        assert_eq!(find_bytes(b"hi", b"hello"), None);
        assert_eq!(find_bytes(b"", b"x"), None);
    }

    #[test]
    fn boundaries_follow_utf8() {
        let s = "aé".as_bytes();
        assert!(is_boundary(s, 0));
        assert!(is_boundary(s, 1));
        assert!(!is_boundary(s, 2));
        assert!(is_boundary(s, 3));
    }
}
