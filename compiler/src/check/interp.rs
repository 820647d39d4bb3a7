//! String interpolation: `"text ${e} ${f:spec}"` becomes the
//! concatenation of its pieces, each value turned into text.
//!
//! `${e}` is `str(e)` (a `str` as it is). A format spec (`format_spec`)
//! turns the value into text first (`.N` with `to_fixed`, `x` and `b`
//! with the prelude's `prelude_fmt_radix`), then pads it to its width
//! (`prelude_fmt_pad`, `prelude_fmt_zero`), so the formatting is written
//! in the language and the bytecode gains nothing.

use super::expr::mk;
use super::format_spec::{self, Align, FormatSpec, Radix};
use super::Checker;
use crate::ast::{self, BinOp, Span};
use crate::tir::{self, ExprKind as K};
use crate::types::Type;
use lang_bytecode::Native;

/// The prelude functions formatting calls, by name.
pub(super) const PAD: &str = "prelude_fmt_pad";
pub(super) const ZERO_PAD: &str = "prelude_fmt_zero";
pub(super) const RADIX: &str = "prelude_fmt_radix";

impl Checker<'_> {
    /// The interpolating literal made of `parts`.
    pub(super) fn interpolation(&mut self, parts: &[ast::InterpPart], line: u32) -> tir::Expr {
        let mut pieces = Vec::new();
        let mut failed = false;
        for part in parts {
            match *part {
                ast::InterpPart::Text("") => {}
                ast::InterpPart::Text(t) => pieces.push(mk(K::Str(t.to_string()), Type::Str, line)),
                ast::InterpPart::Value(e, spec) => {
                    let v = self.expr(e, None);
                    let text = self.formatted(v, spec, e.span, line);
                    failed |= text.ty.is_error();
                    pieces.push(text);
                }
            }
        }
        if failed {
            return self.err_expr(line);
        }
        pieces
            .into_iter()
            .reduce(|l, r| {
                mk(
                    K::Binary(BinOp::Add, Box::new(l), Box::new(r)),
                    Type::Str,
                    line,
                )
            })
            .unwrap_or_else(|| mk(K::Str(String::new()), Type::Str, line))
    }

    /// The text of one interpolated value, formatted by its spec.
    fn formatted(
        &mut self,
        v: tir::Expr,
        spec: Option<(&str, Span)>,
        span: Span,
        line: u32,
    ) -> tir::Expr {
        match v.ty {
            Type::Error => return self.err_expr(line),
            Type::Void | Type::Never => {
                self.error(span, "this expression has no value to put in the string");
                return self.err_expr(line);
            }
            _ => {}
        }
        let Some((text, spec_span)) = spec else {
            return to_text(v, line);
        };
        let spec = match format_spec::parse(text) {
            Ok(s) => s,
            Err(e) => {
                let at = Span::new(spec_span.start + e.at.start, spec_span.start + e.at.end);
                self.error(at, e.message);
                return self.err_expr(line);
            }
        };
        if !self.spec_fits(&spec, &v.ty, text, spec_span) {
            return self.err_expr(line);
        }
        let numeric = v.ty.is_numeric();
        let int = |n: i64| mk(K::Int(n), Type::Int, line);
        let digits = match (spec.radix, spec.precision) {
            (Some(r), _) => {
                let bits = if r == Radix::Hex { 4 } else { 1 };
                self.call_prelude(RADIX, vec![v, int(bits)], span, line)
            }
            (None, Some(p)) => mk(
                K::CallNative(Native::ToFixed, vec![v, int(i64::from(p))]),
                Type::Str,
                line,
            ),
            (None, None) => to_text(v, line),
        };
        match spec.width {
            None | Some(0) => digits,
            Some(w) if spec.zero => {
                self.call_prelude(ZERO_PAD, vec![digits, int(i64::from(w))], span, line)
            }
            Some(w) => {
                let align = match spec.align {
                    Some(Align::Left) => 0,
                    Some(Align::Right) => 1,
                    Some(Align::Center) => 2,
                    None if numeric => 1,
                    None => 0,
                };
                let args = vec![digits, int(i64::from(w)), int(align)];
                self.call_prelude(PAD, args, span, line)
            }
        }
    }

    /// Whether `spec` can format a value of type `ty`; reports why not.
    fn spec_fits(&mut self, spec: &FormatSpec, ty: &Type, text: &str, span: Span) -> bool {
        let want = if spec.radix.is_some() {
            (*ty != Type::Int).then_some("`x` and `b` format an `int`")
        } else if spec.precision.is_some() {
            (*ty != Type::Float).then_some("a precision formats a `float`")
        } else if spec.zero {
            (!ty.is_numeric()).then_some("zero padding formats an `int` or a `float`")
        } else {
            None
        };
        let Some(want) = want else { return true };
        let msg = format!(
            "the format spec `{}` does not fit {}: {want}",
            text.trim(),
            self.show(ty)
        );
        if spec.precision.is_some() && *ty == Type::Int {
            self.error_note(span, msg, "write `float(n)` to give an int decimals");
        } else {
            self.error(span, msg);
        }
        false
    }

    /// A call of the prelude's (non-generic) function `name`.
    fn call_prelude(
        &mut self,
        name: &str,
        args: Vec<tir::Expr>,
        span: Span,
        line: u32,
    ) -> tir::Expr {
        let Some(&tid) = self.env.generic_functions.get(name) else {
            // The prelude declares them all (its own unit test checks it);
            // should one be missing, the program must not compile silently.
            self.error(span, format!("internal error: the prelude has no `{name}`"));
            return self.err_expr(line);
        };
        let ret = self
            .env
            .templates
            .get(tid as usize)
            .map_or(Type::Error, |t| t.sig.ret.clone());
        let func = if self.dry_run {
            // Checking a generic declaration itself: the code is thrown
            // away.
            0
        } else {
            self.instantiate(tid, vec![], span)
        };
        mk(K::Call(func, args), ret, line)
    }
}

/// A value as text: a `str` itself, anything else as `str(v)` prints it.
fn to_text(v: tir::Expr, line: u32) -> tir::Expr {
    if v.ty == Type::Str {
        return v;
    }
    mk(K::ToStr(Box::new(v)), Type::Str, line)
}
