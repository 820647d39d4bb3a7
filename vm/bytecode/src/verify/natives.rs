//! The rule of `call.n`: matching argument and result registers against a
//! native's signature patterns (`natives::Pat`).
//!
//! Patterns are matched in two passes. The first binds the pattern variables
//! from the container arguments (`[T]` binds T, `{K: V}` binds K and V,
//! `Sortable` binds T); the second checks every argument, and then the result,
//! against the patterns with those bindings. A variable that no argument
//! binds cannot be checked, so the call is rejected rather than trusted.

use super::rules::Cx;
use super::VerifyError;
use crate::disasm::native_name;
use crate::instr::Reg;
use crate::natives::{Native, Pat};
use crate::types::{Type, TypeId, BOOL, FLOAT, INT, STR};

/// The pattern variables bound by a call's arguments.
#[derive(Default)]
struct Bindings {
    t: Option<TypeId>,
    k: Option<TypeId>,
    v: Option<TypeId>,
}

pub(super) fn check_native(cx: &Cx, a: Reg, id: u16, b: Reg, n: u16) -> Result<(), VerifyError> {
    cx.defines(a);
    let native =
        Native::from_id(id).ok_or_else(|| cx.err(format!("native {id} does not exist")))?;
    let pats = native.params();
    let name = native_name(native);
    if native == Native::ArrSortBy {
        // Its comparison would have to run inside the native, on the Rust
        // stack; the prelude's `[T]::sort_by` does the same in bytecode.
        return Err(cx.err(format!(
            "native `{name}` is retired: `sort_by` is compiled from the prelude; build the program again from its source"
        )));
    }
    if n as usize != pats.len() {
        return Err(cx.err(format!(
            "native `{name}` takes {} arguments but {n} are passed",
            pats.len()
        )));
    }
    let args = cx.span(b as usize, n as usize)?;
    let mut binds = Bindings::default();
    for (i, (pat, &ty)) in pats.iter().zip(args).enumerate() {
        bind(cx, *pat, ty, &mut binds)
            .map_err(|expected| arg_error(cx, &name, i, b, ty, &expected))?;
    }
    for (i, (pat, &ty)) in pats.iter().zip(args).enumerate() {
        if let Err(expected) = matches(cx, *pat, ty, &binds) {
            return Err(arg_error(cx, &name, i, b, ty, &expected));
        }
    }
    if let Some(pat) = native.ret() {
        let ty = cx.reg(a)?;
        if let Err(expected) = matches(cx, pat, ty, &binds) {
            return Err(cx.err(format!(
                "the result register r{a} of native `{name}` has type {}, expected {expected}",
                cx.name(ty)
            )));
        }
    }
    Ok(())
}

fn arg_error(cx: &Cx, name: &str, i: usize, b: Reg, ty: TypeId, expected: &str) -> VerifyError {
    cx.err(format!(
        "argument {i} (r{}) of native `{name}` has type {}, expected {expected}",
        b as usize + i,
        cx.name(ty)
    ))
}

/// First pass: binds the variables a container argument determines. The
/// error is a description of the expected type.
fn bind(cx: &Cx, pat: Pat, ty: TypeId, binds: &mut Bindings) -> Result<(), String> {
    let entry = cx.m.type_at(ty);
    let set = |slot: &mut Option<TypeId>, value: TypeId| -> Result<(), String> {
        match *slot {
            Some(old) if old != value => Err(format!("an element type of {}", cx.name(old))),
            _ => {
                *slot = Some(value);
                Ok(())
            }
        }
    };
    match (pat, entry) {
        (Pat::ArrayT, Some(Type::Array(e))) => set(&mut binds.t, *e),
        (Pat::ArrayT, _) => Err("an array".into()),
        (Pat::Sortable, Some(Type::Array(e))) if matches!(*e, INT | FLOAT | STR) => {
            set(&mut binds.t, *e)
        }
        (Pat::Sortable, _) => Err("[int], [float] or [str]".into()),
        (Pat::MapKV, Some(Type::Map(k, v))) => {
            set(&mut binds.k, *k)?;
            set(&mut binds.v, *v)
        }
        (Pat::MapKV, _) => Err("a map".into()),
        _ => Ok(()),
    }
}

/// Second pass: whether `ty` matches `pat` under `binds`; the error is a
/// description of the expected type.
fn matches(cx: &Cx, pat: Pat, ty: TypeId, binds: &Bindings) -> Result<(), String> {
    let entry = cx.m.type_at(ty);
    let var = |slot: Option<TypeId>, letter: &str| {
        slot.ok_or_else(|| format!("a type for {letter}, which no argument determines"))
    };
    let exact = |want: TypeId| {
        if ty == want {
            Ok(())
        } else {
            Err(cx.name(want))
        }
    };
    let array_of = |elem: TypeId| {
        if entry == Some(&Type::Array(elem)) {
            Ok(())
        } else {
            Err(format!("[{}]", cx.name(elem)))
        }
    };
    match pat {
        Pat::Int => exact(INT),
        Pat::Float => exact(FLOAT),
        Pat::Bool => exact(BOOL),
        Pat::Str => exact(STR),
        Pat::T => exact(var(binds.t, "T")?),
        Pat::K => exact(var(binds.k, "K")?),
        Pat::V => exact(var(binds.v, "V")?),
        Pat::ArrayT | Pat::Sortable => array_of(var(binds.t, "T")?),
        Pat::ArrayStr => array_of(STR),
        Pat::ArrayK => array_of(var(binds.k, "K")?),
        Pat::ArrayV => array_of(var(binds.v, "V")?),
        Pat::MapKV => {
            let (k, v) = (var(binds.k, "K")?, var(binds.v, "V")?);
            if entry == Some(&Type::Map(k, v)) {
                Ok(())
            } else {
                Err(format!("{{{}: {}}}", cx.name(k), cx.name(v)))
            }
        }
        Pat::LessFn => {
            let t = var(binds.t, "T")?;
            let want = Type::Func {
                params: vec![t, t],
                ret: Some(BOOL),
            };
            if entry == Some(&want) {
                Ok(())
            } else {
                let t = cx.name(t);
                Err(format!("fn({t}, {t}) -> bool"))
            }
        }
    }
}
