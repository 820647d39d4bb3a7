//! The typed IR: what the checker hands to lowering.
//!
//! It is the AST with every question answered: each expression has its
//! type, each name is resolved to a local, capture, global or function, each
//! call knows what it calls (user function, closure, trait method, native),
//! implicit struct-to-trait conversions are explicit `Upcast` nodes, and each
//! local knows whether a closure captures it and so must live in a cell.
//! Lowering reports only the limits of the bytecode format (registers per
//! function and the like), at the construct that exceeds them. Every node
//! carries its source line for the bytecode line tables, and expressions,
//! statements, locals and functions their span for those diagnostics.

pub mod visit;

use crate::ast::{BinOp, Span, UnOp};
use crate::types::{DeclId, Type};
use lang_bytecode::Native;

pub type FuncIdx = u32;
pub type LocalId = u32;

#[derive(Debug, Clone)]
pub struct StructInfo {
    /// As types are written: `Vec2`, `Stack<str>`, `(int, str)`.
    pub name: String,
    pub fields: Vec<(String, Type)>,
    /// What it was made from, when it is an instance of a generic struct or
    /// a tuple type.
    pub origin: Origin,
    /// No type parameter occurs in it: only these reach the module.
    pub concrete: bool,
}

#[derive(Debug, Clone)]
pub struct EnumInfo {
    /// As types are written: `Shape`, `Option<int>`.
    pub name: String,
    pub variants: Vec<(String, Vec<Type>)>,
    pub origin: Origin,
    pub concrete: bool,
}

/// Where a struct or enum declaration comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// Declared as written, without type parameters.
    Plain,
    /// A generic declaration itself, with its parameters (as `Param`s).
    Template(Vec<Type>),
    /// An instance of the generic declaration `template` with these
    /// arguments.
    Instance(DeclId, Vec<Type>),
    /// A tuple type (structs only): its fields are named `0`, `1`, ...
    Tuple,
}

#[derive(Debug, Clone)]
pub struct TraitMethodInfo {
    pub name: String,
    /// Parameters after `self`.
    pub params: Vec<Type>,
    pub ret: Type,
}

#[derive(Debug, Clone)]
pub struct TraitInfo {
    pub name: String,
    pub methods: Vec<TraitMethodInfo>,
}

/// `impl Trait for Struct`: the functions in the trait's method order.
#[derive(Debug, Clone)]
pub struct ImplInfo {
    pub trait_id: DeclId,
    pub struct_id: DeclId,
    pub methods: Vec<FuncIdx>,
}

#[derive(Debug, Clone)]
pub struct Global {
    pub name: String,
    pub ty: Type,
}

#[derive(Debug, Clone)]
pub struct Local {
    pub name: String,
    pub ty: Type,
    /// A closure captures it and it is assigned after its initialisation:
    /// it lives in a cell that the closures share.
    pub in_cell: bool,
    /// Where it is declared.
    pub span: Span,
}

/// Where a closure's capture comes from, in the function that creates it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CaptureFrom {
    Local(LocalId),
    Capture(u32),
}

#[derive(Debug, Clone)]
pub struct Capture {
    pub from: CaptureFrom,
    pub ty: Type,
    /// The capture is the variable's cell rather than its value.
    pub in_cell: bool,
}

#[derive(Debug, Clone)]
pub struct Function {
    /// The name stack traces show.
    pub name: String,
    /// Locals `0..params` are the parameters (the receiver first for methods).
    pub params: u32,
    pub ret: Type,
    pub locals: Vec<Local>,
    pub captures: Vec<Capture>,
    pub body: Block,
    /// The line of the closing brace, for the implicit return.
    pub end_line: u32,
    /// The function's name (or a closure's `fn`), for diagnostics.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Program {
    pub structs: Vec<StructInfo>,
    pub enums: Vec<EnumInfo>,
    pub traits: Vec<TraitInfo>,
    pub impls: Vec<ImplInfo>,
    pub globals: Vec<Global>,
    pub functions: Vec<Function>,
    /// The function holding the top-level statements; it calls `main` last.
    pub entry: FuncIdx,
}

#[derive(Debug, Clone, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    /// The block's value, when it has one.
    pub value: Option<Box<Expr>>,
}

#[derive(Debug, Clone)]
pub struct Stmt {
    pub kind: StmtKind,
    pub line: u32,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum StmtKind {
    /// Declares (a fresh cell, when captured) and initialises a local.
    Let(LocalId, Expr),
    /// `place op= value`, or `place = value` when `op` is `None`. For a
    /// compound assignment the place's parts are evaluated once.
    Assign(Place, Option<BinOp>, Expr),
    Expr(Expr),
    While(Expr, Block),
    /// `for var in start..end` (or `..=`).
    ForRange {
        var: LocalId,
        start: Expr,
        end: Expr,
        inclusive: bool,
        body: Block,
    },
    /// `for var in array`.
    ForEach {
        var: LocalId,
        array: Expr,
        body: Block,
    },
    Return(Option<Expr>),
    Break,
    Continue,
}

#[derive(Debug, Clone)]
pub enum Place {
    Local(LocalId),
    Capture(u32),
    Global(u32),
    Field(Box<Expr>, u32),
    /// Array element (`base` is an array) or map entry (`base` is a map).
    Index(Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub line: u32,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    /// `nil` of the expression's (nullable) type.
    Nil,
    Local(LocalId),
    Capture(u32),
    Global(u32),
    /// A named function used as a value: a closure without captures.
    FuncRef(FuncIdx),
    Unary(UnOp, Box<Expr>),
    /// Arithmetic, comparison (operands of one type) and `&&`/`||`
    /// (short-circuit).
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `x == nil` (or `!=` when the flag is set).
    IsNil(Box<Expr>, bool),
    Call(FuncIdx, Vec<Expr>),
    CallClosure(Box<Expr>, Vec<Expr>),
    /// Trait method `method` of `trait_id` on the receiver (first argument).
    CallTrait(DeclId, u32, Vec<Expr>),
    CallNative(Native, Vec<Expr>),
    Print(Box<Expr>, bool),
    ToStr(Box<Expr>),
    IntToFloat(Box<Expr>),
    FloatToInt(Box<Expr>),
    StrLen(Box<Expr>),
    ArrLen(Box<Expr>),
    ArrPush(Box<Expr>, Box<Expr>),
    Field(Box<Expr>, u32),
    /// Array element or map entry, by the base's type.
    Index(Box<Expr>, Box<Expr>),
    /// Field values in source order, each with its layout index.
    NewStruct(DeclId, Vec<(u32, Expr)>),
    NewEnum(DeclId, u32, Vec<Expr>),
    /// A struct value seen as the expression's trait type.
    Upcast(Box<Expr>),
    Array(Vec<Expr>),
    ArrayFill(Box<Expr>, Box<Expr>),
    Map(Vec<(Expr, Expr)>),
    If(Box<Expr>, Block, Option<Block>),
    Match(Box<Expr>, Vec<Arm>),
    Block(Block),
    /// A closure of the function, capturing the listed variables of the
    /// current function (in the callee's capture order).
    Closure(FuncIdx, Vec<CaptureFrom>),
}

#[derive(Debug, Clone)]
pub struct Arm {
    pub pat: Pat,
    /// `pat if guard`: checked after the pattern matched and bound.
    pub guard: Option<Expr>,
    pub body: Expr,
}

#[derive(Debug, Clone)]
pub enum Pat {
    Wildcard,
    /// Binds the value to the local.
    Bind(LocalId),
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Nil,
    Range(i64, i64),
    /// A variant of the scrutinee's enum, with patterns for its payload.
    Variant(u32, Vec<Pat>),
    /// A tuple, with a pattern for each element.
    Tuple(Vec<Pat>),
    Or(Vec<Pat>),
}
