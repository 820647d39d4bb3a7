//! The module's shared tables while lowering: types and constants, each
//! interned so that it is added once and found by value.

use crate::types::Type;
use lang_bytecode::module::{Const, Module};
use lang_bytecode::types::{self as bt, TypeId};
use std::collections::HashMap;

/// Builds the module's shared tables: interned types and constants.
#[derive(Clone)]
pub(super) struct ModuleBuilder {
    pub(super) module: Module,
    pub(super) types: HashMap<Type, TypeId>,
    pub(super) consts: HashMap<ConstKey, u32>,
    /// The module's index of each of the checker's structs and enums:
    /// declarations that still mention a type parameter (generic
    /// templates, instances made while checking one) have none, so the
    /// module holds concrete types only.
    pub(super) struct_ids: Vec<Option<u32>>,
    pub(super) enum_ids: Vec<Option<u32>>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) enum ConstKey {
    Int(i64),
    Float(u64),
    Str(String),
}

impl ModuleBuilder {
    pub(super) fn ty(&mut self, t: &Type) -> TypeId {
        if let Some(&id) = self.types.get(t) {
            return id;
        }
        let bty = match t {
            Type::Int => bt::Type::Int,
            Type::Float => bt::Type::Float,
            Type::Bool => bt::Type::Bool,
            Type::Str => bt::Type::Str,
            Type::Array(e) => bt::Type::Array(self.ty(e)),
            Type::Map(k, v) => {
                let k = self.ty(k);
                bt::Type::Map(k, self.ty(v))
            }
            Type::Fn(ps, r) => bt::Type::Func {
                params: ps.iter().map(|p| self.ty(p)).collect(),
                ret: self.ret(r),
            },
            // A declaration without a module index is never a register's
            // type in a checked program; any type will do for it.
            Type::Struct(i) => match self.struct_ids.get(*i as usize).copied().flatten() {
                Some(m) => bt::Type::Struct(m),
                None => bt::Type::Int,
            },
            Type::Enum(i) => match self.enum_ids.get(*i as usize).copied().flatten() {
                Some(m) => bt::Type::Enum(m),
                None => bt::Type::Int,
            },
            Type::Trait(i) => bt::Type::Trait(*i),
            // An untyped `nil` (as in `println(nil)`) needs some nullable
            // register type; any will do.
            Type::Nil => bt::Type::Array(bt::INT),
            // Not values, or (parameters) never in lowered code; they never
            // reach a register that is read.
            Type::Param(_) | Type::Void | Type::Never | Type::Error => bt::Type::Int,
        };
        let id = self.module.intern_type(bty);
        self.types.insert(t.clone(), id);
        id
    }

    pub(super) fn ret(&mut self, t: &Type) -> Option<TypeId> {
        match t {
            Type::Void | Type::Never => None,
            t => Some(self.ty(t)),
        }
    }

    pub(super) fn cell(&mut self, t: &Type) -> TypeId {
        let inner = self.ty(t);
        self.module.intern_type(bt::Type::Cell(inner))
    }

    /// The type of a closure's capture slot: the variable's cell when the
    /// capture shares it, else the value's own type.
    pub(super) fn capture(&mut self, c: &crate::tir::Capture) -> TypeId {
        if c.in_cell {
            self.cell(&c.ty)
        } else {
            self.ty(&c.ty)
        }
    }

    pub(super) fn constant(&mut self, key: ConstKey) -> u32 {
        if let Some(&k) = self.consts.get(&key) {
            return k;
        }
        let c = match &key {
            ConstKey::Int(v) => Const::Int(*v),
            ConstKey::Float(b) => Const::Float(f64::from_bits(*b)),
            ConstKey::Str(s) => Const::Str(s.clone()),
        };
        let k = u32::try_from(self.module.consts.len()).unwrap_or(u32::MAX);
        self.module.consts.push(c);
        self.consts.insert(key, k);
        k
    }
}
