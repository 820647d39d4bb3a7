//! `Module`: everything a program is made of once compiled, in memory.
//!
//! The compiler builds a `Module`; `encode` turns it into `.bc` bytes and
//! `decode` back. Nothing in here is trusted until `verify` has accepted it.

use crate::instr::Instr;
use crate::types::{Type, TypeId};

/// Index into `Module::functions`.
pub type FuncId = u32;

/// A constant-pool entry.
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    Int(i64),
    Float(f64),
    Str(String),
}

impl Const {
    /// The type a register loaded from this constant has.
    pub fn type_id(&self) -> TypeId {
        match self {
            Const::Int(_) => crate::types::INT,
            Const::Float(_) => crate::types::FLOAT,
            Const::Str(_) => crate::types::STR,
        }
    }
}

/// A named, typed slot: a struct field or a global.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub ty: TypeId,
}

/// A `struct` declaration: its fields in layout order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructDef {
    pub name: String,
    pub fields: Vec<Field>,
}

/// One variant of an enum, with the types of its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    pub name: String,
    pub fields: Vec<TypeId>,
}

/// An `enum` declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumDef {
    pub name: String,
    pub variants: Vec<Variant>,
}

/// One method signature of a trait; `params` exclude the receiver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraitMethod {
    pub name: String,
    pub params: Vec<TypeId>,
    pub ret: Option<TypeId>,
}

/// A `trait` declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraitDef {
    pub name: String,
    pub methods: Vec<TraitMethod>,
}

/// `impl Trait for Struct`: the functions implementing the trait's methods, in
/// the trait's method order. Each takes the struct as its first parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImplDef {
    pub trait_index: u32,
    pub struct_index: u32,
    pub methods: Vec<FuncId>,
}

/// A compiled function.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    /// The name stack traces show: `fib`, `Vec2::len`, `main`, `<lambda>`.
    pub name: String,
    /// Parameter types; parameter i arrives in register i.
    pub params: Vec<TypeId>,
    /// Return type, `None` for functions returning nothing.
    pub ret: Option<TypeId>,
    /// Types of the values a closure of this function carries; empty for
    /// plain functions, which only `Call` may call.
    pub captures: Vec<TypeId>,
    /// The type of every register; the first `params.len()` are the parameters.
    pub regs: Vec<TypeId>,
    pub code: Vec<Instr>,
    /// The source line of each instruction (same length as `code`).
    pub lines: Vec<u32>,
}

/// One entry of a module's file table: a source file of a program that
/// spans files, and the first line (of the line tables' numbering) that
/// belongs to it. Line tables count through the program's files one after
/// another, so line `l` belongs to the last file whose `first_line <= l`
/// and is line `l - first_line + 1` of that file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// The file's path relative to the main file's directory.
    pub name: String,
    pub first_line: u32,
}

/// A whole program.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    /// The source file's name as given to the compiler, for stack traces.
    pub source_name: String,
    /// The file table of a program that spans files, in line order (see
    /// [`SourceFile`]); empty for a single file, whose lines are all
    /// `source_name`'s.
    pub files: Vec<SourceFile>,
    /// Interned types; starts with `types::builtin_types()`.
    pub types: Vec<Type>,
    pub structs: Vec<StructDef>,
    pub enums: Vec<EnumDef>,
    pub traits: Vec<TraitDef>,
    pub impls: Vec<ImplDef>,
    pub consts: Vec<Const>,
    pub globals: Vec<Field>,
    pub functions: Vec<Function>,
    /// The function run first: top-level statements, then `main` if present.
    /// It takes no parameters and returns nothing.
    pub entry: FuncId,
}

impl Module {
    /// The file and the line within it of line `line` of the line tables.
    pub fn file_line(&self, line: u32) -> (&str, u32) {
        let at = self.files.partition_point(|f| f.first_line <= line);
        match at.checked_sub(1).and_then(|i| self.files.get(i)) {
            Some(f) => (&f.name, line.saturating_sub(f.first_line).saturating_add(1)),
            None => (&self.source_name, line),
        }
    }

    /// An empty module whose type table holds the built-in types.
    pub fn new(source_name: impl Into<String>) -> Self {
        Module {
            source_name: source_name.into(),
            files: Vec::new(),
            types: crate::types::builtin_types(),
            structs: Vec::new(),
            enums: Vec::new(),
            traits: Vec::new(),
            impls: Vec::new(),
            consts: Vec::new(),
            globals: Vec::new(),
            functions: Vec::new(),
            entry: 0,
        }
    }

    /// The id of `ty`, adding it to the table if it is not there yet. The
    /// compiler uses this so that the table stays interned.
    pub fn intern_type(&mut self, ty: Type) -> TypeId {
        if let Some(i) = self.types.iter().position(|t| *t == ty) {
            return i as TypeId;
        }
        self.types.push(ty);
        (self.types.len() - 1) as TypeId
    }

    /// The type at `id`, if the table has one.
    pub fn type_at(&self, id: TypeId) -> Option<&Type> {
        self.types.get(id as usize)
    }

    /// A readable name for a type, as the disassembler and errors print it;
    /// bounded in depth and length even for hostile type tables.
    pub fn type_name(&self, id: TypeId) -> String {
        crate::disasm::type_name(self, id)
    }
}
