//! Checks of the module's declarations: structs, enums, traits, globals,
//! impls and the entry function.
//!
//! Function headers are checked before impls (see `verify`), so an impl's
//! methods can be compared against their trait's signatures here.

use super::types::in_range;
use super::VerifyError;
use crate::disasm::type_name;
use crate::module::Module;
use crate::types::{Type, TypeId};
use std::collections::HashSet;

/// The `(trait index, struct index)` pairs that have an impl: what `upcast`
/// needs to know that trait dispatch will find a method table.
pub(super) type ImplSet = HashSet<(u32, u32)>;

/// Places a type-range error in a declaration.
fn ty(m: &Module, id: TypeId, place: impl FnOnce() -> String) -> Result<(), VerifyError> {
    in_range(m, id).map_err(|e| VerifyError::module(format!("{}: {e}", place())))
}

pub(super) fn check_structs(m: &Module) -> Result<(), VerifyError> {
    for s in &m.structs {
        for f in &s.fields {
            ty(m, f.ty, || {
                format!("field `{}` of struct `{}`", f.name, s.name)
            })?;
        }
    }
    Ok(())
}

pub(super) fn check_enums(m: &Module) -> Result<(), VerifyError> {
    for e in &m.enums {
        for v in &e.variants {
            for (i, t) in v.fields.iter().enumerate() {
                ty(m, *t, || {
                    format!("payload {i} of variant `{}::{}`", e.name, v.name)
                })?;
            }
        }
    }
    Ok(())
}

pub(super) fn check_traits(m: &Module) -> Result<(), VerifyError> {
    for t in &m.traits {
        for meth in &t.methods {
            for (i, p) in meth.params.iter().enumerate() {
                ty(m, *p, || {
                    format!("parameter {i} of trait method `{}::{}`", t.name, meth.name)
                })?;
            }
            if let Some(r) = meth.ret {
                ty(m, r, || {
                    format!("return type of trait method `{}::{}`", t.name, meth.name)
                })?;
            }
        }
    }
    Ok(())
}

pub(super) fn check_globals(m: &Module) -> Result<(), VerifyError> {
    for (i, g) in m.globals.iter().enumerate() {
        ty(m, g.ty, || format!("global g{i} `{}`", g.name))?;
    }
    Ok(())
}

/// Checks every impl against its trait and struct, and that no (trait,
/// struct) pair has two; returns the pairs.
pub(super) fn check_impls(m: &Module) -> Result<ImplSet, VerifyError> {
    let mut pairs = ImplSet::with_capacity(m.impls.len());
    for (n, imp) in m.impls.iter().enumerate() {
        let err = |msg: String| VerifyError::module(format!("impl {n}: {msg}"));
        let tr = m.traits.get(imp.trait_index as usize).ok_or_else(|| {
            err(format!(
                "trait index {} is out of range (the module has {} traits)",
                imp.trait_index,
                m.traits.len()
            ))
        })?;
        let st = m.structs.get(imp.struct_index as usize).ok_or_else(|| {
            err(format!(
                "struct index {} is out of range (the module has {} structs)",
                imp.struct_index,
                m.structs.len()
            ))
        })?;
        let err =
            |msg: String| VerifyError::module(format!("impl {} for {}: {msg}", tr.name, st.name));
        if !pairs.insert((imp.trait_index, imp.struct_index)) {
            return Err(err(
                "a second impl of the same trait for the same struct".into()
            ));
        }
        if imp.methods.len() != tr.methods.len() {
            return Err(err(format!(
                "has {} methods but the trait declares {}",
                imp.methods.len(),
                tr.methods.len()
            )));
        }
        for (meth, &fid) in tr.methods.iter().zip(&imp.methods) {
            let f = m.functions.get(fid as usize).ok_or_else(|| {
                err(format!(
                    "method `{}` names function {fid}, out of range (the module has {} functions)",
                    meth.name,
                    m.functions.len()
                ))
            })?;
            let bad = |why: String| {
                err(format!(
                    "method `{}` (function `{}`) {why}",
                    meth.name, f.name
                ))
            };
            if !f.captures.is_empty() {
                return Err(bad(
                    "has captures; trait methods must be plain functions".into()
                ));
            }
            let receiver_ok = f
                .params
                .first()
                .and_then(|&p| m.type_at(p))
                .is_some_and(|t| *t == Type::Struct(imp.struct_index));
            if !receiver_ok {
                return Err(bad(format!(
                    "must take the struct `{}` as its first parameter",
                    st.name
                )));
            }
            if f.params.get(1..) != Some(&meth.params[..]) || f.ret != meth.ret {
                return Err(bad(format!(
                    "has signature {} but the trait method needs {}",
                    signature(m, f.params.get(1..).unwrap_or(&[]), f.ret),
                    signature(m, &meth.params, meth.ret)
                )));
            }
        }
    }
    Ok(pairs)
}

pub(super) fn check_entry(m: &Module) -> Result<(), VerifyError> {
    let f = m.functions.get(m.entry as usize).ok_or_else(|| {
        VerifyError::module(format!(
            "entry function {} is out of range (the module has {} functions)",
            m.entry,
            m.functions.len()
        ))
    })?;
    if !f.params.is_empty() || f.ret.is_some() || !f.captures.is_empty() {
        return Err(VerifyError::function(
            &f.name,
            "the entry function must take no parameters, return nothing and capture nothing",
        ));
    }
    Ok(())
}

/// The most parameters a signature in a message lists before eliding the
/// rest: enough for any real signature, and it keeps messages about hostile
/// modules with huge parameter lists short.
const SIGNATURE_PARAMS_SHOWN: usize = 8;

/// A signature for messages, `(int, str) -> bool`.
pub(super) fn signature(m: &Module, params: &[TypeId], ret: Option<TypeId>) -> String {
    let mut ps: Vec<String> = params
        .iter()
        .take(SIGNATURE_PARAMS_SHOWN)
        .map(|p| type_name(m, *p))
        .collect();
    if params.len() > SIGNATURE_PARAMS_SHOWN {
        ps.push(format!("… {} more", params.len() - SIGNATURE_PARAMS_SHOWN));
    }
    match ret {
        Some(r) => format!("({}) -> {}", ps.join(", "), type_name(m, r)),
        None => format!("({})", ps.join(", ")),
    }
}
