//! Numeric natives and conversions: math functions, `abs`/`min`/`max`,
//! `parse_int`, `parse_float`, `chr`, `ord`, `to_fixed`.

use super::Args;
use crate::interp::Vm;
use crate::trap::{internal, Trap, TrapKind};
use lang_bytecode::Native;

/// The most digits `to_fixed` accepts (the natives table documents 0..=100).
const MAX_FIXED_DIGITS: i64 = 100;

/// Parses a decimal int, allowing a sign and surrounding white space (so
/// that `parse_int(read_line())` works without `trim()`).
pub fn parse_int(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok()
}

/// Parses a float as Rust does (`1.5`, `-2e3`, `inf`, `nan`), allowing
/// surrounding white space.
pub fn parse_float(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok()
}

/// `x.to_fixed(digits)`: fixed-point text with `digits` decimals, rounded
/// to nearest; `nan`, `inf` and `-inf` as the printed form has them.
pub fn to_fixed(x: f64, digits: i64) -> Result<String, Trap> {
    if !(0..=MAX_FIXED_DIGITS).contains(&digits) {
        return Err(Trap::error(TrapKind::ToFixedDigits {
            digits,
            max: MAX_FIXED_DIGITS,
        }));
    }
    if !x.is_finite() {
        return Ok(crate::print::float_to_string(x));
    }
    Ok(format!("{:.*}", digits as usize, x))
}

impl Vm<'_> {
    pub(super) fn native_math(&mut self, nat: Native, c: &Args) -> Result<(), Trap> {
        let f1 = |vm: &Self, g: fn(f64) -> f64| g(vm.arg_float(c, 0)).to_bits();
        let v: u64 = match nat {
            Native::Sqrt => f1(self, f64::sqrt),
            Native::Sin => f1(self, f64::sin),
            Native::Cos => f1(self, f64::cos),
            Native::Tan => f1(self, f64::tan),
            Native::Atan => f1(self, f64::atan),
            Native::Exp => f1(self, f64::exp),
            Native::Log => f1(self, f64::ln),
            Native::Floor => f1(self, f64::floor),
            Native::Ceil => f1(self, f64::ceil),
            Native::AbsF => f1(self, f64::abs),
            Native::Atan2 => self.arg_float(c, 0).atan2(self.arg_float(c, 1)).to_bits(),
            Native::Pow => self.arg_float(c, 0).powf(self.arg_float(c, 1)).to_bits(),
            Native::MinF => self.arg_float(c, 0).min(self.arg_float(c, 1)).to_bits(),
            Native::MaxF => self.arg_float(c, 0).max(self.arg_float(c, 1)).to_bits(),
            Native::AbsI => self.arg_int(c, 0).wrapping_abs() as u64,
            Native::MinI => self.arg_int(c, 0).min(self.arg_int(c, 1)) as u64,
            Native::MaxI => self.arg_int(c, 0).max(self.arg_int(c, 1)) as u64,
            Native::ParseInt => {
                let text = self.arg_string(c, 0);
                match parse_int(&text) {
                    Some(n) => n as u64,
                    None => return Err(Trap::error(TrapKind::InvalidInt(text.into()))),
                }
            }
            Native::ParseFloat => {
                let text = self.arg_string(c, 0);
                match parse_float(&text) {
                    Some(x) => x.to_bits(),
                    None => return Err(Trap::error(TrapKind::InvalidFloat(text.into()))),
                }
            }
            Native::Ord => {
                let text = self.arg_string(c, 0);
                match text.chars().next() {
                    Some(ch) => ch as u64,
                    None => return Err(Trap::error(TrapKind::OrdEmpty)),
                }
            }
            Native::Chr => {
                let code = self.arg_int(c, 0);
                let ch = u32::try_from(code).ok().and_then(char::from_u32);
                let Some(ch) = ch else {
                    return Err(Trap::error(TrapKind::InvalidCharCode { code }));
                };
                let mut buf = [0u8; 4];
                return self.result_str(c, ch.encode_utf8(&mut buf).as_bytes());
            }
            Native::ToFixed => {
                let text = to_fixed(self.arg_float(c, 0), self.arg_int(c, 1))?;
                return self.result_str(c, text.as_bytes());
            }
            _ => {
                return Err(internal(format!(
                    "native {} is not a math native",
                    nat.name()
                )))
            }
        };
        self.set_result(c, v);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_accepts_numbers_and_rejects_junk() {
        assert_eq!(parse_int("42"), Some(42));
        assert_eq!(parse_int(" -7\n"), Some(-7));
        assert_eq!(parse_int("9223372036854775808"), None);
        assert_eq!(parse_int("1.5"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_float("2.5e3"), Some(2500.0));
        assert_eq!(parse_float("x"), None);
    }

    #[test]
    fn to_fixed_rounds_and_checks_digits() {
        assert_eq!(to_fixed(1.23456, 2).unwrap(), "1.23");
        assert_eq!(to_fixed(2.0, 0).unwrap(), "2");
        assert_eq!(to_fixed(-1.005, 1).unwrap(), "-1.0");
        assert_eq!(to_fixed(f64::NAN, 2).unwrap(), "nan");
        assert!(to_fixed(1.0, 101).is_err());
        assert!(to_fixed(1.0, -1).is_err());
    }
}
