//! Checks of the type table, and the type lookups the other checks share.
//!
//! A well-formed table starts with the four built-in types in order, holds no
//! duplicates (so `TypeId` equality is type equality), and every entry only
//! refers to entries before it. That last rule is what `Module::intern_type`
//! produces naturally (a type's parts are interned before the type), and it
//! rules out cyclic types such as `t4 = [t4]`, which no source program can
//! write and which would make any recursive walk over types loop forever.

use super::VerifyError;
use crate::disasm::type_name;
use crate::module::Module;
use crate::types::{builtin_types, Type, TypeId, BOOL, INT, STR};
use std::collections::HashSet;

/// Checks the whole type table.
pub(super) fn check_type_table(m: &Module) -> Result<(), VerifyError> {
    let builtins = builtin_types();
    if m.types.get(..builtins.len()) != Some(&builtins[..]) {
        return Err(VerifyError::module(
            "the type table must start with the built-in types int, float, bool, str in that order",
        ));
    }
    let mut seen: HashSet<&Type> = HashSet::with_capacity(m.types.len());
    for (i, t) in m.types.iter().enumerate() {
        check_entry(m, i, t)?;
        if !seen.insert(t) {
            return Err(VerifyError::module(format!(
                "type table entry t{i} ({}) is a duplicate; the table must be interned",
                type_name(m, i as TypeId)
            )));
        }
    }
    Ok(())
}

/// Checks one entry: its parts come earlier in the table and its
/// declaration indices are in range.
fn check_entry(m: &Module, i: usize, t: &Type) -> Result<(), VerifyError> {
    let earlier = |part: TypeId, what: &str| -> Result<(), VerifyError> {
        if (part as usize) < i {
            Ok(())
        } else {
            Err(VerifyError::module(format!(
                "type table entry t{i}: {what} type t{part} must be an earlier entry of the table (which has {} entries)",
                m.types.len()
            )))
        }
    };
    let decl = |index: u32, len: usize, what: &str| -> Result<(), VerifyError> {
        if (index as usize) < len {
            Ok(())
        } else {
            Err(VerifyError::module(format!(
                "type table entry t{i}: {what} index {index} is out of range (the module has {len} {what}s)"
            )))
        }
    };
    match t {
        Type::Int | Type::Float | Type::Bool | Type::Str => Ok(()),
        Type::Array(e) => earlier(*e, "element"),
        Type::Map(k, v) => {
            earlier(*k, "key")?;
            earlier(*v, "value")?;
            if matches!(*k, INT | STR | BOOL) {
                Ok(())
            } else {
                Err(VerifyError::module(format!(
                    "type table entry t{i}: map key type {} must be int, str or bool",
                    type_name(m, *k)
                )))
            }
        }
        Type::Struct(s) => decl(*s, m.structs.len(), "struct"),
        Type::Enum(e) => decl(*e, m.enums.len(), "enum"),
        Type::Trait(t) => decl(*t, m.traits.len(), "trait"),
        Type::Func { params, ret } => {
            for p in params {
                earlier(*p, "parameter")?;
            }
            match ret {
                Some(r) => earlier(*r, "return"),
                None => Ok(()),
            }
        }
        Type::Cell(c) => earlier(*c, "cell content"),
    }
}

/// Checks that a type id used by a declaration or function names an entry;
/// the error is a message for the caller to place.
pub(super) fn in_range(m: &Module, id: TypeId) -> Result<(), String> {
    if (id as usize) < m.types.len() {
        Ok(())
    } else {
        Err(format!(
            "type t{id} is out of range (the type table has {} entries)",
            m.types.len()
        ))
    }
}

/// Whether a slot of this type may hold nil; false for unknown ids.
pub(super) fn is_nullable(m: &Module, id: TypeId) -> bool {
    m.type_at(id).is_some_and(Type::is_nullable)
}

/// Whether a slot of this type holds a reference; false for unknown ids.
pub(super) fn is_ref(m: &Module, id: TypeId) -> bool {
    m.type_at(id).is_some_and(Type::is_ref)
}
