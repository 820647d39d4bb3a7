//! The checker's types.
//!
//! These mirror the card's types plus three the checker needs internally:
//! `Void` (what a function returning nothing "returns"), `Never` (the type of
//! an expression that does not finish: `return`, `panic(..)`, a block ending
//! in one) and `Error` (the type of anything already reported, compatible
//! with everything, so one mistake gives one diagnostic). `Nil` is the type
//! of a `nil` literal whose context did not say what it is.
//!
//! `Param` is a type parameter of a generic declaration, seen from inside
//! it: an opaque type that only offers `==`, printing and the methods of
//! its bounds. It appears only while a generic declaration itself is
//! checked; every instantiation is checked again with concrete types
//! (`crate::check::generics`), so lowering never sees one. Instances of
//! generic structs and enums, and tuples, are ordinary `Struct` and `Enum`
//! declarations of their own.

/// Index of a struct, enum or trait declaration in the checker's tables
/// (and, after lowering, in the module's).
pub type DeclId = u32;

/// Index of a type parameter in the checker's table (`Env::params`).
pub type ParamId = u32;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    Int,
    Float,
    Bool,
    Str,
    Array(Box<Type>),
    Map(Box<Type>, Box<Type>),
    Fn(Vec<Type>, Box<Type>),
    Struct(DeclId),
    Enum(DeclId),
    Trait(DeclId),
    Param(ParamId),
    Void,
    Never,
    Nil,
    Error,
}

impl Type {
    /// Whether `nil` is a value of this type.
    pub fn is_nullable(&self) -> bool {
        matches!(
            self,
            Type::Array(_)
                | Type::Map(..)
                | Type::Fn(..)
                | Type::Struct(_)
                | Type::Enum(_)
                | Type::Trait(_)
                | Type::Nil
                | Type::Error
        )
    }

    /// Whether a value of this type can be stored, passed or returned.
    pub fn is_value(&self) -> bool {
        !matches!(self, Type::Void | Type::Never)
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Type::Error)
    }

    /// Types allowed as map keys.
    pub fn is_key(&self) -> bool {
        matches!(self, Type::Int | Type::Str | Type::Bool | Type::Error)
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Float)
    }

    pub fn array(elem: Type) -> Type {
        Type::Array(Box::new(elem))
    }

    pub fn map(k: Type, v: Type) -> Type {
        Type::Map(Box::new(k), Box::new(v))
    }
}

/// Names of declared types, for printing types in messages.
pub trait DeclNames {
    fn struct_name(&self, id: DeclId) -> &str;
    fn enum_name(&self, id: DeclId) -> &str;
    fn trait_name(&self, id: DeclId) -> &str;
    fn param_name(&self, id: ParamId) -> &str;
}

/// Prints a type as the programmer writes it.
pub fn display(ty: &Type, names: &dyn DeclNames) -> String {
    match ty {
        Type::Int => "int".into(),
        Type::Float => "float".into(),
        Type::Bool => "bool".into(),
        Type::Str => "str".into(),
        Type::Array(e) => format!("[{}]", display(e, names)),
        Type::Map(k, v) => format!("{{{}: {}}}", display(k, names), display(v, names)),
        Type::Fn(ps, r) => {
            let ps: Vec<String> = ps.iter().map(|p| display(p, names)).collect();
            match &**r {
                Type::Void => format!("fn({})", ps.join(", ")),
                r => format!("fn({}) -> {}", ps.join(", "), display(r, names)),
            }
        }
        Type::Struct(i) => names.struct_name(*i).to_string(),
        Type::Enum(i) => names.enum_name(*i).to_string(),
        Type::Trait(i) => names.trait_name(*i).to_string(),
        Type::Param(i) => names.param_name(*i).to_string(),
        Type::Void => "nothing".into(),
        Type::Never => "never".into(),
        Type::Nil => "nil".into(),
        Type::Error => "{error}".into(),
    }
}
