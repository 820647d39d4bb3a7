//! The module's shared tables while lowering: types and constants, each
//! interned so that it is added once and found by value.

use crate::tir::{EnumInfo, StructInfo};
use crate::types::Type;
use lang_bytecode::module::{Const, EnumDef, Field, Module, StructDef, Variant};
use lang_bytecode::types::{self as bt, TypeId};
use std::collections::HashMap;

/// Builds the module's shared tables: interned types and constants.
#[derive(Clone)]
pub(super) struct ModuleBuilder {
    pub(super) module: Module,
    pub(super) types: HashMap<Type, TypeId>,
    pub(super) consts: HashMap<ConstKey, u32>,
    /// The checker's structs and enums (a copy that grows with it).
    pub(super) structs: Vec<StructInfo>,
    pub(super) enums: Vec<EnumInfo>,
    /// The module's index of each of the checker's structs and enums, once
    /// it is in the module. Declarations that mention a type parameter
    /// (generic templates, instances in their signatures) never get one,
    /// so the module holds concrete types only.
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
            Type::Struct(i) => match self.struct_id(*i as usize) {
                Some(m) => bt::Type::Struct(m),
                None => bt::Type::Int,
            },
            Type::Enum(i) => match self.enum_id(*i as usize) {
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

    /// The module's index of the checker's struct `i`, adding it to the
    /// module on first use when it is concrete.
    pub(super) fn struct_id(&mut self, i: usize) -> Option<u32> {
        if let Some(Some(m)) = self.struct_ids.get(i) {
            return Some(*m);
        }
        if !self.structs.get(i)?.concrete {
            return None;
        }
        let id = self.reserve_struct(i);
        self.fill_struct(i, id);
        Some(id)
    }

    pub(super) fn enum_id(&mut self, i: usize) -> Option<u32> {
        if let Some(Some(m)) = self.enum_ids.get(i) {
            return Some(*m);
        }
        if !self.enums.get(i)?.concrete {
            return None;
        }
        let id = self.reserve_enum(i);
        self.fill_enum(i, id);
        Some(id)
    }

    /// Gives struct `i` the next module index, with its fields to come.
    pub(super) fn reserve_struct(&mut self, i: usize) -> u32 {
        let id = u32::try_from(self.module.structs.len()).unwrap_or(u32::MAX);
        let name = self
            .structs
            .get(i)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        self.module.structs.push(StructDef {
            name,
            fields: vec![],
        });
        if let Some(slot) = self.struct_ids.get_mut(i) {
            *slot = Some(id);
        }
        id
    }

    pub(super) fn fill_struct(&mut self, i: usize, id: u32) {
        let fields: Vec<(String, Type)> = self
            .structs
            .get(i)
            .map(|s| s.fields.clone())
            .unwrap_or_default();
        let fields = fields
            .iter()
            .map(|(n, t)| Field {
                name: n.clone(),
                ty: self.ty(t),
            })
            .collect();
        if let Some(def) = self.module.structs.get_mut(id as usize) {
            def.fields = fields;
        }
    }

    pub(super) fn reserve_enum(&mut self, i: usize) -> u32 {
        let id = u32::try_from(self.module.enums.len()).unwrap_or(u32::MAX);
        let name = self
            .enums
            .get(i)
            .map(|e| e.name.clone())
            .unwrap_or_default();
        self.module.enums.push(EnumDef {
            name,
            variants: vec![],
        });
        if let Some(slot) = self.enum_ids.get_mut(i) {
            *slot = Some(id);
        }
        id
    }

    pub(super) fn fill_enum(&mut self, i: usize, id: u32) {
        let variants: Vec<(String, Vec<Type>)> = self
            .enums
            .get(i)
            .map(|e| e.variants.clone())
            .unwrap_or_default();
        let variants = variants
            .iter()
            .map(|(n, ts)| Variant {
                name: n.clone(),
                fields: ts.iter().map(|t| self.ty(t)).collect(),
            })
            .collect();
        if let Some(def) = self.module.enums.get_mut(id as usize) {
            def.variants = variants;
        }
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
