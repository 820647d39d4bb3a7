//! The format spec of an interpolation, `${x:spec}`:
//! `[align][0][width][.precision][x|b]`.
//!
//! - `align` is `<` (left), `>` (right) or `^` (centre); it needs a width.
//!   Without one, numbers go right and everything else left.
//! - `0` before the width pads a number with zeros after its sign
//!   (`-007`); it cannot be combined with an alignment.
//! - `.N` gives a float `N` decimals, as `to_fixed(N)` does.
//! - `x` writes an int in hex, `b` in binary (its 64-bit pattern when
//!   negative, as hex literals are read).
//!
//! Which types a spec applies to is the checker's business
//! (`check::interp`); this module reads the text.

use std::ops::Range;

/// The widest a value may be padded to. Widths line up columns of text;
/// a thousand characters is wider than any terminal or table, and a
/// wider one is surely a mistake that would make every format allocate
/// that much.
pub const MAX_FORMAT_WIDTH: u32 = 1000;

/// The most decimals a precision may ask for: what `to_fixed` accepts.
pub const MAX_FORMAT_PRECISION: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Align {
    Left,
    Right,
    Center,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Radix {
    Hex,
    Binary,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FormatSpec {
    pub align: Option<Align>,
    pub zero: bool,
    pub width: Option<u32>,
    pub precision: Option<u32>,
    pub radix: Option<Radix>,
}

/// A mistake in a spec: the byte range in the spec's text and the message.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    pub at: Range<usize>,
    pub message: String,
}

fn fail<T>(at: Range<usize>, message: impl Into<String>) -> Result<T, SpecError> {
    Err(SpecError {
        at,
        message: message.into(),
    })
}

/// The shape of a spec, for messages.
const SHAPE: &str = "a spec is [align][0][width][.precision][x|b], such as `>8`, `05`, `.2` or `x`";

/// Reads a spec's text (surrounding white space allowed).
pub fn parse(text: &str) -> Result<FormatSpec, SpecError> {
    let lead = text.len() - text.trim_start().len();
    let body = text.trim();
    let b = body.as_bytes();
    if b.is_empty() {
        return fail(
            0..text.len(),
            "empty format spec: remove the `:` or write a spec such as `>8` or `.2`",
        );
    }
    let mut spec = FormatSpec::default();
    let mut i = 0;
    spec.align = match b.first() {
        Some(b'<') => Some(Align::Left),
        Some(b'>') => Some(Align::Right),
        Some(b'^') => Some(Align::Center),
        _ => None,
    };
    if spec.align.is_some() {
        i += 1;
    }
    if b.get(i) == Some(&b'0') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        if spec.align.is_some() {
            return fail(
                lead + i..lead + i + 1,
                "zero padding cannot be combined with an alignment: write `08` or `>8`",
            );
        }
        spec.zero = true;
        i += 1;
    }
    let (width, next) = number(b, i);
    if let Some(w) = width {
        match u32::try_from(w).ok().filter(|w| *w <= MAX_FORMAT_WIDTH) {
            Some(w) => spec.width = Some(w),
            None => {
                return fail(
                    lead + i..lead + next,
                    format!("width {w} is too large (the limit is {MAX_FORMAT_WIDTH})"),
                )
            }
        }
    }
    if spec.align.is_some() && spec.width.is_none() {
        return fail(
            lead..lead + 1,
            "an alignment needs a width after it, such as `>8`",
        );
    }
    i = next;
    if b.get(i) == Some(&b'.') {
        let (digits, next) = number(b, i + 1);
        let Some(p) = digits else {
            return fail(
                lead + i..lead + i + 1,
                "`.` needs the number of decimals after it, such as `.2`",
            );
        };
        match u32::try_from(p).ok().filter(|p| *p <= MAX_FORMAT_PRECISION) {
            Some(p) => spec.precision = Some(p),
            None => {
                return fail(
                    lead + i..lead + next,
                    format!(
                        "precision {p} is too large (the limit is {MAX_FORMAT_PRECISION} decimals)"
                    ),
                )
            }
        }
        i = next;
    }
    spec.radix = match b.get(i) {
        Some(b'x') => Some(Radix::Hex),
        Some(b'b') => Some(Radix::Binary),
        _ => None,
    };
    if spec.radix.is_some() {
        if spec.precision.is_some() {
            return fail(
                lead + i..lead + i + 1,
                "a precision and `x` or `b` cannot be combined: decimals are for floats, hex and binary for ints",
            );
        }
        i += 1;
    }
    if i < b.len() {
        let ch = body.get(i..).and_then(|r| r.chars().next()).unwrap_or(' ');
        let at = lead + i..lead + i + ch.len_utf8();
        return fail(
            at,
            format!(
                "unexpected `{}` in format spec `{body}`: {SHAPE}",
                ch.escape_debug()
            ),
        );
    }
    Ok(spec)
}

/// The decimal number at `b[i..]`, if any, and where it ends; a number
/// too long for `u64` reads as `u64::MAX` (then too large either way).
fn number(b: &[u8], i: usize) -> (Option<u64>, usize) {
    let len = b
        .get(i..)
        .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count());
    if len == 0 {
        return (None, i);
    }
    let v = b[i..i + len].iter().fold(0u64, |acc, d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    (Some(v), i + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> FormatSpec {
        match parse(text) {
            Ok(s) => s,
            Err(e) => panic!("`{text}`: {}", e.message),
        }
    }

    fn err(text: &str) -> SpecError {
        match parse(text) {
            Ok(s) => panic!("`{text}` parsed as {s:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn every_part() {
        assert_eq!(
            ok(">6"),
            FormatSpec {
                align: Some(Align::Right),
                width: Some(6),
                ..FormatSpec::default()
            }
        );
        assert_eq!(
            ok("08.3"),
            FormatSpec {
                zero: true,
                width: Some(8),
                precision: Some(3),
                ..FormatSpec::default()
            }
        );
        assert_eq!(ok("^10x").align, Some(Align::Center));
        assert_eq!(ok("^10x").radix, Some(Radix::Hex));
        assert_eq!(ok("b").radix, Some(Radix::Binary));
        assert_eq!(ok(" .2 ").precision, Some(2));
        // A lone `0` is a width of zero, not zero padding.
        assert_eq!(ok("0").width, Some(0));
        assert!(!ok("0").zero);
    }

    #[test]
    fn mistakes_point_at_their_part() {
        let e = err(">8q");
        assert_eq!(e.at, 2..3);
        assert!(e.message.starts_with("unexpected `q`"));
        assert_eq!(err(">").at, 0..1);
        assert_eq!(err("<08").at, 1..2);
        assert!(err(".").message.contains("number of decimals"));
        assert!(err(".2x").message.contains("cannot be combined"));
        assert!(err("1001").message.contains("limit is 1000"));
        assert!(err("99999999999999999999999").message.contains("too large"));
        assert!(err(".101").message.contains("limit is 100"));
        assert!(err("").message.starts_with("empty format spec"));
        assert_eq!(err("  ^").at, 2..3);
    }
}
