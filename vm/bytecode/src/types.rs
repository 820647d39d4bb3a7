//! The type table: every type a register, field, global or constant can have.
//!
//! Types are interned: a module's table holds each structural type once, so two
//! registers have the same type exactly when they name the same `TypeId`. The
//! verifier checks that the table holds no duplicates before it relies on this.

/// Index into `Module::types`.
pub type TypeId = u32;

/// The four scalar-or-string types sit at fixed positions at the start of every
/// type table, so that code can name them without a lookup.
pub const INT: TypeId = 0;
pub const FLOAT: TypeId = 1;
pub const BOOL: TypeId = 2;
pub const STR: TypeId = 3;

/// One entry of the type table.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// 64-bit signed integer, stored as the slot's bits.
    Int,
    /// IEEE-754 binary64, stored as the slot's bits.
    Float,
    /// 0 or 1 in a slot.
    Bool,
    /// Reference to an immutable UTF-8 string object; never nil.
    Str,
    /// Reference to a growable array with elements of the given type.
    Array(TypeId),
    /// Reference to an insertion-ordered hash map; the key is Int, Str or Bool.
    Map(TypeId, TypeId),
    /// Reference to an instance of `Module::structs[i]`.
    Struct(u32),
    /// Reference to a value of `Module::enums[i]`.
    Enum(u32),
    /// Reference to a struct that implements `Module::traits[i]`.
    Trait(u32),
    /// Reference to a closure; `ret` is `None` for functions returning nothing.
    Func {
        params: Vec<TypeId>,
        ret: Option<TypeId>,
    },
    /// Reference to a mutable box holding one value: how closures share a
    /// captured variable with the scope that declared it.
    Cell(TypeId),
}

impl Type {
    /// Whether a slot of this type holds a heap reference (or nil). The GC's
    /// root and field maps are derived from this one predicate.
    pub fn is_ref(&self) -> bool {
        !matches!(self, Type::Int | Type::Float | Type::Bool)
    }

    /// Whether a slot of this type may hold nil. Strings are never nil.
    pub fn is_nullable(&self) -> bool {
        self.is_ref() && !matches!(self, Type::Str)
    }
}

/// The table every module starts with; `INT`, `FLOAT`, `BOOL` and `STR` index it.
pub fn builtin_types() -> Vec<Type> {
    vec![Type::Int, Type::Float, Type::Bool, Type::Str]
}
