//! The abstract syntax tree, as the parser builds it.
//!
//! Every node lives in one `bumpalo::Bump` arena owned by the caller of the
//! parser, so nodes refer to each other with plain `&'a` references and the
//! whole tree is freed at once (no recursive `Drop`, which matters because a
//! deeply nested tree would otherwise overflow the stack while being
//! dropped). Names borrow from the source text or the arena. Every node
//! carries the byte span it came from, for diagnostics and line tables.

/// A byte range in the source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A name with where it was written.
#[derive(Debug, Clone, Copy)]
pub struct Ident<'a> {
    pub name: &'a str,
    pub span: Span,
}

#[derive(Debug, Clone, Copy)]
pub struct Program<'a> {
    pub items: &'a [Item<'a>],
}

#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    Fn(&'a FnDecl<'a>),
    Struct(&'a StructDecl<'a>),
    Enum(&'a EnumDecl<'a>),
    Trait(&'a TraitDecl<'a>),
    Impl(&'a ImplDecl<'a>),
    /// A top-level statement: run in order before `main`.
    Stmt(&'a Stmt<'a>),
}

/// A type parameter of a generic declaration, with its trait bounds
/// (`T: Named + Shown`).
#[derive(Debug, Clone, Copy)]
pub struct TypeParam<'a> {
    pub name: Ident<'a>,
    pub bounds: &'a [Ident<'a>],
}

/// A function signature: shared by declarations, trait methods and closures.
#[derive(Debug, Clone, Copy)]
pub struct FnSig<'a> {
    pub name: Ident<'a>,
    /// `<T, U: Bound>` after the name; empty for closures and plain functions.
    pub type_params: &'a [TypeParam<'a>],
    /// The span of `self` when the function is a method taking `self`.
    pub self_param: Option<Span>,
    pub params: &'a [Param<'a>],
    pub ret: Option<&'a TypeExpr<'a>>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy)]
pub struct FnDecl<'a> {
    pub sig: FnSig<'a>,
    pub body: &'a Block<'a>,
    /// The span of `test` before `fn`: a test function, which `lang test`
    /// runs and nothing can call.
    pub test: Option<Span>,
}

#[derive(Debug, Clone, Copy)]
pub struct Param<'a> {
    pub name: Ident<'a>,
    pub ty: &'a TypeExpr<'a>,
}

#[derive(Debug, Clone, Copy)]
pub struct StructDecl<'a> {
    pub name: Ident<'a>,
    pub type_params: &'a [TypeParam<'a>],
    pub fields: &'a [Param<'a>],
}

#[derive(Debug, Clone, Copy)]
pub struct EnumDecl<'a> {
    pub name: Ident<'a>,
    pub type_params: &'a [TypeParam<'a>],
    pub variants: &'a [Variant<'a>],
}

#[derive(Debug, Clone, Copy)]
pub struct Variant<'a> {
    pub name: Ident<'a>,
    pub payload: &'a [TypeExpr<'a>],
}

#[derive(Debug, Clone, Copy)]
pub struct TraitDecl<'a> {
    pub name: Ident<'a>,
    pub methods: &'a [FnSig<'a>],
}

#[derive(Debug, Clone, Copy)]
pub struct ImplDecl<'a> {
    /// `impl<T> ...`: the parameters the target's arguments name.
    pub type_params: &'a [TypeParam<'a>],
    pub trait_name: Option<Ident<'a>>,
    pub target: Ident<'a>,
    /// The target's type arguments, `Stack<T>`; empty for `impl Vec2`.
    pub target_args: &'a [TypeExpr<'a>],
    pub methods: &'a [FnDecl<'a>],
    pub span: Span,
}

#[derive(Debug, Clone, Copy)]
pub enum TypeExpr<'a> {
    /// `int`, `str`, `Vec2`, ...
    Named(Ident<'a>),
    Array(&'a TypeExpr<'a>, Span),
    Map(&'a TypeExpr<'a>, &'a TypeExpr<'a>, Span),
    Fn(&'a [TypeExpr<'a>], Option<&'a TypeExpr<'a>>, Span),
    /// `Stack<str>`: a generic struct or enum with its type arguments.
    Generic(Ident<'a>, &'a [TypeExpr<'a>], Span),
    /// `(int, str)`; `()` is the unit type.
    Tuple(&'a [TypeExpr<'a>], Span),
}

impl TypeExpr<'_> {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(id) => id.span,
            TypeExpr::Array(_, s)
            | TypeExpr::Map(_, _, s)
            | TypeExpr::Fn(_, _, s)
            | TypeExpr::Generic(_, _, s)
            | TypeExpr::Tuple(_, s) => *s,
        }
    }
}

/// `{ stmts; tail }`: the tail expression, if any, is the block's value.
#[derive(Debug, Clone, Copy)]
pub struct Block<'a> {
    pub stmts: &'a [Stmt<'a>],
    pub tail: Option<&'a Expr<'a>>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy)]
pub struct Stmt<'a> {
    pub kind: StmtKind<'a>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy)]
pub enum StmtKind<'a> {
    Let {
        mutable: bool,
        name: Ident<'a>,
        ty: Option<&'a TypeExpr<'a>>,
        init: &'a Expr<'a>,
    },
    /// `let (a, b) = init;`: destructuring with an irrefutable pattern.
    LetPattern {
        pat: &'a Pattern<'a>,
        ty: Option<&'a TypeExpr<'a>>,
        init: &'a Expr<'a>,
    },
    /// `target = value` or, with an operator, `target op= value`.
    Assign {
        target: &'a Expr<'a>,
        op: Option<BinOp>,
        value: &'a Expr<'a>,
    },
    /// An expression statement. `block_like` is set for `if`/`match`
    /// statements written without `;`: the last one in a block without a
    /// tail gives the block its value, as in Rust.
    Expr {
        expr: &'a Expr<'a>,
        block_like: bool,
    },
    While {
        cond: &'a Expr<'a>,
        body: &'a Block<'a>,
    },
    For {
        var: Ident<'a>,
        /// The second name of `for k, v in map`.
        value_var: Option<Ident<'a>>,
        iter: ForIter<'a>,
        body: &'a Block<'a>,
    },
    Return(Option<&'a Expr<'a>>),
    Break,
    Continue,
    /// A lone `;`.
    Empty,
    /// Where the parser recovered from a syntax error.
    Error,
}

#[derive(Debug, Clone, Copy)]
pub enum ForIter<'a> {
    Range {
        start: &'a Expr<'a>,
        end: &'a Expr<'a>,
        inclusive: bool,
    },
    Each(&'a Expr<'a>),
}

#[derive(Debug, Clone, Copy)]
pub struct Expr<'a> {
    pub kind: ExprKind<'a>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
    BitNot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Mul,
    Div,
    Rem,
    Add,
    Sub,
    Shl,
    Shr,
    BitAnd,
    BitXor,
    BitOr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    pub fn text(self) -> &'static str {
        match self {
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::BitAnd => "&",
            BinOp::BitXor => "^",
            BinOp::BitOr => "|",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct FieldInit<'a> {
    pub name: Ident<'a>,
    pub value: &'a Expr<'a>,
}

#[derive(Debug, Clone, Copy)]
pub struct Arm<'a> {
    pub pat: &'a Pattern<'a>,
    /// `pat if cond => ...`.
    pub guard: Option<&'a Expr<'a>>,
    pub body: &'a Expr<'a>,
}

#[derive(Debug, Clone, Copy)]
pub enum ExprKind<'a> {
    /// The literal's magnitude; a leading `-` is a separate `Unary`.
    Int(u64),
    Float(f64),
    Str(&'a str),
    /// `"text ${e} ${f:spec} text"`: the pieces in order.
    Interp(&'a [InterpPart<'a>]),
    Bool(bool),
    Nil,
    SelfRef,
    Name(&'a str),
    /// `Type::member`: a static function or an enum variant.
    Path(Ident<'a>, Ident<'a>),
    Unary(UnOp, &'a Expr<'a>),
    Binary(BinOp, &'a Expr<'a>, &'a Expr<'a>),
    Call(&'a Expr<'a>, &'a [Expr<'a>]),
    MethodCall(&'a Expr<'a>, Ident<'a>, &'a [Expr<'a>]),
    Field(&'a Expr<'a>, Ident<'a>),
    /// `t.0`: a tuple element, with the span of the index.
    TupleField(&'a Expr<'a>, u32, Span),
    /// `(a, b)`; `()` is the unit value.
    Tuple(&'a [Expr<'a>]),
    /// `e?`: the value of `Some`/`Ok`, or return the `None`/`Err`.
    Try(&'a Expr<'a>),
    Index(&'a Expr<'a>, &'a Expr<'a>),
    Array(&'a [Expr<'a>]),
    /// `[value; count]`.
    ArrayRepeat(&'a Expr<'a>, &'a Expr<'a>),
    Map(&'a [(Expr<'a>, Expr<'a>)]),
    StructLit(Ident<'a>, &'a [FieldInit<'a>]),
    /// `if c { } else ...`; the else branch is a `Block` or another `If`.
    If(&'a Expr<'a>, &'a Block<'a>, Option<&'a Expr<'a>>),
    Match(&'a Expr<'a>, &'a [Arm<'a>]),
    Block(&'a Block<'a>),
    /// An anonymous function; its `sig.name` is empty.
    Closure(&'a FnDecl<'a>),
    /// Where the parser recovered from a syntax error.
    Error,
}

/// A piece of an interpolating string literal.
#[derive(Debug, Clone, Copy)]
pub enum InterpPart<'a> {
    /// Literal text, escapes decoded.
    Text(&'a str),
    /// `${e}`, or `${e:spec}` with the spec's text and span.
    Value(&'a Expr<'a>, Option<(&'a str, Span)>),
}

#[derive(Debug, Clone, Copy)]
pub struct Pattern<'a> {
    pub kind: PatternKind<'a>,
    pub span: Span,
}

/// An integer in a pattern, kept as sign and magnitude like in expressions.
#[derive(Debug, Clone, Copy)]
pub struct IntLit {
    pub negative: bool,
    pub magnitude: u64,
    pub span: Span,
}

#[derive(Debug, Clone, Copy)]
pub enum PatternKind<'a> {
    Wildcard,
    Int(IntLit),
    Float(f64),
    Str(&'a str),
    Bool(bool),
    Nil,
    /// `lo..=hi`, both inclusive.
    Range(IntLit, IntLit),
    /// A lone name: binds the matched value.
    Binding(Ident<'a>),
    /// `Enum::Variant` or `Enum::Variant(p, q)`; the enum's name is empty
    /// for a prelude variant written alone (`Some(x)`).
    Variant(Ident<'a>, Ident<'a>, Option<&'a [Pattern<'a>]>),
    /// `(p, q)`; `()` matches the unit value.
    Tuple(&'a [Pattern<'a>]),
    Or(&'a [Pattern<'a>]),
}
