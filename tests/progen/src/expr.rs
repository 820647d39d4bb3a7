//! Typed expressions: `Gen::expr` writes an expression of a wanted type
//! that the checker accepts and that cannot fail at run time (integer
//! divisors are never zero, indices are reduced modulo a length that is
//! never zero, map reads have defaults, nothing is `nil`), unless the
//! program was chosen to divide wildly.

use crate::cost::Cost;
use crate::gen::Gen;
use crate::scope::{Var, EXPR_STR_MAX, STORED_STR_MAX};
use crate::ty::Ty;
use crate::world::Recursion;

/// What one call of a closure passed as an argument may cost: every
/// function parameter of closure type promises its callers this bound.
pub const FN_PARAM_COST: Cost = Cost {
    steps: 200,
    allocs: 8,
    prints: 0,
};

/// The deepest a call of a linear recursion usually goes.
const MAX_LINEAR_DEPTH: u64 = 40;

/// The deepest a call of a linear recursion goes when the dice ask for a
/// deep stack (thousands of frames for the collector to scan), budget
/// permitting.
const MAX_DEEP_LINEAR_DEPTH: u64 = 3000;

/// The deepest a call of a tree recursion goes (2^11 calls).
const MAX_TREE_DEPTH: u64 = 10;

/// Integers chosen for their bit patterns: the extremes, where `+ - *`
/// wrap and `/` by -1 overflows, and values around 32-bit boundaries.
const EDGE_INTS: &[&str] = &[
    "0x7fff_ffff_ffff_ffff",
    "0x8000_0000_0000_0000",
    "(-9223372036854775807)",
    "0xffff_ffff",
    "4294967296",
    "(-1)",
    "0x5555_5555_5555_5555",
    "1_000_000_007",
];

/// Floats, among them values that print in exponent form, `-0.0` and one
/// whose square overflows.
const FLOATS: &[&str] = &[
    "0.5", "(-2.25)", "3.0", "1e10", "1.5e-7", "0.1", "100.0", "(-0.0)", "1e300", "2.5", "(-7.75)",
    "0.3",
];

/// String literals (ASCII, so that `substr` never cuts a character).
const STRINGS: &[&str] = &[
    "",
    "a",
    "ab",
    "xyz",
    "hello",
    "a,b,c",
    "  pad  ",
    "Mixed Case",
    "0",
    "-12",
    "k1",
    "zz",
];

/// The keys of string-keyed maps: a small set, so that maps stay small.
pub const STR_KEYS: &[&str] = &["k0", "k1", "k2", "k3", "k4", "k5"];

/// Non-zero integer divisors, negative ones included.
const DIVISORS: &[&str] = &["(-1)", "2", "(-3)", "7", "(-10)", "16", "3", "(-2)"];

/// A generated expression.
#[derive(Clone, Debug)]
pub struct Expr {
    text: String,
    /// For a `str`: the longest the value can be.
    pub len: usize,
    /// Whether `text` is a struct or map literal, which must be
    /// parenthesised wherever a `{` could be read as a block.
    literal: bool,
}

impl Expr {
    /// An expression that is not a string or whose length does not matter.
    pub fn new(text: impl Into<String>) -> Expr {
        Expr {
            text: text.into(),
            len: 0,
            literal: false,
        }
    }

    /// A string expression at most `len` bytes long.
    pub fn string(text: impl Into<String>, len: usize) -> Expr {
        Expr {
            text: text.into(),
            len,
            literal: false,
        }
    }

    /// A struct or map literal.
    fn literal(text: String) -> Expr {
        Expr {
            text,
            len: 0,
            literal: true,
        }
    }

    /// The text, safe in any expression position.
    pub fn text(&self) -> String {
        if self.literal {
            format!("({})", self.text)
        } else {
            self.text.clone()
        }
    }

    /// The text as a `let` initializer, where literals need no parentheses.
    pub fn bare(&self) -> &str {
        &self.text
    }
}

/// A way to read a value of some type from the scope.
enum Source {
    /// A variable or field path holding the value.
    Path(String, usize),
    /// An element of the array at this path.
    Element(String),
    /// A value of the map at this path, with its key type.
    MapValue(String, Ty),
}

/// A call that returns a wanted type.
enum Callee {
    Function(usize),
    Closure(Var),
    /// A method: the receiver path, trait and method index.
    Method(String, usize, usize),
}

impl Gen {
    /// An expression of type `ty`, nested at most `depth` levels.
    pub fn expr(&mut self, ty: &Ty, depth: u32) -> Expr {
        self.charge(Cost::steps(1));
        match ty {
            Ty::Int => self.int_expr(depth),
            Ty::Float => self.float_expr(depth),
            Ty::Bool => self.bool_expr(depth),
            Ty::Str => self.str_expr(depth),
            Ty::Array(elem) => self.array_expr(elem, depth),
            Ty::Map(k, v) => self.map_expr(k, v, depth),
            Ty::Struct(i) => self.struct_expr(*i, depth),
            Ty::Enum(i) => self.enum_expr(*i, depth),
            Ty::Trait(i) => self.trait_expr(*i, depth),
            Ty::Func(params, ret) => self.func_expr(params, ret),
        }
    }

    /// An expression of type `ty` fit to store (in a variable, field,
    /// element, argument or result): strings longer than the stored bound
    /// go through `clip`.
    pub fn stored(&mut self, ty: &Ty, depth: u32) -> String {
        let e = self.expr(ty, depth);
        self.store(e)
    }

    /// `e` fit to store (see `stored`).
    pub fn store(&mut self, e: Expr) -> String {
        if e.len > STORED_STR_MAX {
            format!("clip({})", e.text())
        } else {
            e.text()
        }
    }

    /// The paths (variables and fields) readable in scope, with their types
    /// and string bounds.
    fn paths(&self) -> Vec<(String, Ty, usize)> {
        let mut out = Vec::new();
        for v in self.scope.vars() {
            out.push((v.name.clone(), v.ty.clone(), v.max_len));
            if let Ty::Struct(i) = v.ty {
                if Some(i) == self.world.node {
                    continue;
                }
                for (f, fty) in self.world.fields(i) {
                    let path = format!("{}.{f}", v.name);
                    if let Ty::Struct(j) = fty {
                        for (g, gty) in self.world.fields(*j) {
                            out.push((format!("{path}.{g}"), gty.clone(), STORED_STR_MAX));
                        }
                    }
                    out.push((path, fty.clone(), STORED_STR_MAX));
                }
            }
        }
        out
    }

    /// The array paths in scope whose elements have type `elem`.
    pub fn array_paths(&self, elem: &Ty) -> Vec<String> {
        let want = Ty::array(elem.clone());
        self.paths()
            .into_iter()
            .filter(|(_, t, _)| *t == want)
            .map(|(p, _, _)| p)
            .collect()
    }

    /// A path in scope of exactly type `ty`, if there is one.
    pub fn readable_var(&mut self, ty: &Ty) -> Option<String> {
        let paths: Vec<String> = self
            .paths()
            .into_iter()
            .filter(|(_, t, _)| t == ty)
            .map(|(p, _, _)| p)
            .collect();
        self.rng.pick(&paths).cloned()
    }

    /// A value of type `ty` read from the scope, if any is there.
    fn readable(&mut self, ty: &Ty) -> Option<Expr> {
        let mut sources = Vec::new();
        for (path, t, len) in self.paths() {
            if &t == ty {
                sources.push(Source::Path(path, len));
            } else if t == Ty::array(ty.clone()) {
                sources.push(Source::Element(path));
            } else if let Ty::Map(k, v) = &t {
                if **v == *ty {
                    sources.push(Source::MapValue(path, (**k).clone()));
                }
            }
        }
        let i = self.rng.below(sources.len() as u64) as usize;
        let len = if *ty == Ty::Str { STORED_STR_MAX } else { 0 };
        match sources.into_iter().nth(i)? {
            Source::Path(p, l) => Some(Expr::string(p, l)),
            Source::Element(p) => {
                let at = self.index_in(&p);
                Some(Expr::string(format!("{p}[{at}]"), len))
            }
            Source::MapValue(p, key_ty) => {
                let key = self.map_key(&key_ty, 0);
                let default = self.default_value(ty);
                Some(Expr::string(format!("{p}.get({key}, {default})"), len))
            }
        }
    }

    /// A default for a map read: a literal for scalars, so that defaults
    /// do not nest reads of their own.
    fn default_value(&mut self, ty: &Ty) -> String {
        match ty {
            Ty::Int => self.int_literal(),
            Ty::Str => self.str_literal().text(),
            Ty::Float => self.rng.pick(FLOATS).copied().unwrap_or("0.0").to_string(),
            Ty::Bool => "false".into(),
            _ => self.stored(ty, 0),
        }
    }

    /// An index that is in bounds for the non-empty array at `path`: made
    /// without calls, since a call between reading the array and its length
    /// could shrink or replace it.
    pub fn index_in(&mut self, path: &str) -> String {
        let i = self.expr(&Ty::Int, 0);
        format!("({} & 1023) % {path}.len()", i.text())
    }

    /// A key of a map with keys of type `key` (keys come from a small set,
    /// so that maps stay small).
    pub fn map_key(&mut self, key: &Ty, depth: u32) -> String {
        if *key == Ty::Str {
            if self.rng.chance(70) {
                let k = self.rng.pick(STR_KEYS).copied().unwrap_or("k0");
                return format!("\"{k}\"");
            }
            let i = self.expr(&Ty::Int, depth);
            return format!("\"k\" + str({} & 5)", i.text());
        }
        if self.rng.chance(50) {
            return self.rng.below(16).to_string();
        }
        let i = self.expr(&Ty::Int, depth);
        format!("({} & 15)", i.text())
    }

    /// A call returning `ty` that fits the budget, if one exists.
    pub fn call_returning(&mut self, ty: &Ty, depth: u32) -> Option<Expr> {
        let mut callees = Vec::new();
        for (i, f) in self.world.functions.iter().enumerate() {
            if f.ret == *ty && self.affords(f.cost_at(0)) {
                callees.push(Callee::Function(i));
            }
        }
        for v in self.scope.vars() {
            if let Ty::Func(_, r) = &v.ty {
                if **r == *ty && self.affords(v.call_cost) {
                    callees.push(Callee::Closure(v.clone()));
                }
            }
        }
        for (path, t, _) in self.paths() {
            let trait_id = match t {
                Ty::Trait(i) => Some(i),
                Ty::Struct(i) => self.world.structs.get(i).and_then(|s| s.implements),
                _ => None,
            };
            let Some(tr) = trait_id.and_then(|i| self.world.traits.get(i).map(|t| (i, t))) else {
                continue;
            };
            for (m, sig) in tr.1.methods.iter().enumerate() {
                if sig.ret == *ty && self.affords(sig.cost) {
                    callees.push(Callee::Method(path.clone(), tr.0, m));
                }
            }
        }
        let i = self.rng.below(callees.len() as u64) as usize;
        let callee = callees.into_iter().nth(i)?;
        self.calls += 1;
        let len = if *ty == Ty::Str { STORED_STR_MAX } else { 0 };
        let text = match callee {
            Callee::Function(i) => self.function_call(i, depth)?,
            Callee::Closure(v) => {
                self.charge(v.call_cost);
                let Ty::Func(params, _) = &v.ty else {
                    return None;
                };
                let args = self.args(params, depth);
                format!("{}({args})", v.name)
            }
            Callee::Method(path, t, m) => {
                let sig = self.world.traits.get(t)?.methods.get(m)?.clone();
                self.charge(sig.cost);
                let args = self.args(&sig.params, depth);
                format!("{path}.{}({args})", sig.name)
            }
        };
        Some(Expr::string(text, len))
    }

    /// A call of function `i`, charged; a recursive one at a depth the
    /// budget affords.
    pub fn function_call(&mut self, i: usize, depth: u32) -> Option<String> {
        let f = self.world.functions.get(i)?.clone();
        self.calls += 1;
        match f.recursion {
            None => {
                self.charge(f.cost);
                let args = self.args(&f.params, depth);
                Some(format!("{}({args})", f.name))
            }
            Some(shape) => {
                let cap = match shape {
                    Recursion::Linear if self.rng.chance(15) => MAX_DEEP_LINEAR_DEPTH,
                    Recursion::Linear => MAX_LINEAR_DEPTH,
                    Recursion::Tree => MAX_TREE_DEPTH,
                };
                let deepest = (0..=cap).rev().find(|&d| self.affords(f.cost_at(d)))?;
                let d = self.rng.below(deepest + 1);
                self.charge(f.cost_at(d));
                let rest = self.args(f.params.get(1..).unwrap_or(&[]), depth);
                let sep = if rest.is_empty() { "" } else { ", " };
                Some(format!("{}({d}{sep}{rest})", f.name))
            }
        }
    }

    /// Arguments for parameters of types `params`, comma-separated.
    pub fn args(&mut self, params: &[Ty], depth: u32) -> String {
        let mut out = Vec::new();
        for p in params {
            let a = match p {
                Ty::Func(ps, r) => self.fn_argument(ps, r),
                _ => self.stored(p, depth.saturating_sub(1)),
            };
            out.push(a);
        }
        out.join(", ")
    }

    /// A closure for a parameter of type `fn(params) -> ret`, within the
    /// cost such parameters promise: a variable, a named function or a
    /// lambda.
    fn fn_argument(&mut self, params: &[Ty], ret: &Ty) -> String {
        let want = Ty::func(params.to_vec(), ret.clone());
        let vars: Vec<String> = self
            .scope
            .vars()
            .filter(|v| v.ty == want && v.call_cost.within(FN_PARAM_COST))
            .map(|v| v.name.clone())
            .collect();
        let named: Vec<String> = self
            .world
            .functions
            .iter()
            .filter(|f| {
                f.recursion.is_none()
                    && f.params == params
                    && f.ret == *ret
                    && f.cost.within(FN_PARAM_COST)
            })
            .map(|f| f.name.clone())
            .collect();
        match self.rng.below(3) {
            0 if !vars.is_empty() => self.rng.pick(&vars).cloned().unwrap_or_default(),
            1 if !named.is_empty() => self.rng.pick(&named).cloned().unwrap_or_default(),
            _ => self.lambda(params, ret).0,
        }
    }

    /// A closure literal whose body is one `return`, and what a call
    /// costs. It may capture anything in scope.
    pub fn lambda(&mut self, params: &[Ty], ret: &Ty) -> (String, Cost) {
        self.charge(Cost::alloc());
        let names: Vec<String> = params.iter().map(|p| self.fresh(p)).collect();
        self.scope.push();
        for (n, p) in names.iter().zip(params) {
            self.scope.add(Var::new(n.clone(), p.clone(), true));
        }
        let (value, cost) = self.body(FN_PARAM_COST, Some(ret.clone()), 0, |g| g.stored(ret, 2));
        self.scope.pop();
        let ps: Vec<String> = names
            .iter()
            .zip(params)
            .map(|(n, p)| format!("{n}: {}", p.render()))
            .collect();
        let text = format!(
            "fn({}) -> {} {{ return {value}; }}",
            ps.join(", "),
            ret.render()
        );
        (text, cost)
    }

    /// A leaf or a call, when one exists and the dice say so.
    fn source_or_call(&mut self, ty: &Ty, depth: u32) -> Option<Expr> {
        if depth > 0 && self.rng.chance(25) {
            if let Some(e) = self.call_returning(ty, depth) {
                return Some(e);
            }
        }
        self.readable(ty)
    }

    fn int_literal(&mut self) -> String {
        if self.rng.chance(12) {
            return self.rng.pick(EDGE_INTS).copied().unwrap_or("0").to_string();
        }
        let n = self.rng.range(-20, 40);
        if n < 0 {
            format!("({n})")
        } else {
            n.to_string()
        }
    }

    fn int_expr(&mut self, depth: u32) -> Expr {
        let choice = if depth == 0 {
            self.rng.below(2) as usize
        } else {
            self.rng.weighted(&[2, 4, 8, 1, 2, 2, 1, 1, 1])
        };
        match choice {
            0 => Expr::new(self.int_literal()),
            1 => self
                .source_or_call(&Ty::Int, depth)
                .unwrap_or_else(|| Expr::new(self.int_literal())),
            2 => self.int_binary(depth),
            3 => {
                let a = self.int_expr(depth - 1).text();
                let op = if self.rng.chance(50) { "-" } else { "~" };
                Expr::new(format!("{op}({a})"))
            }
            4 => {
                let a = self.int_expr(depth - 1).text();
                let b = self.int_expr(depth - 1).text();
                let f = self.rng.pick(&["min", "max"]).copied().unwrap_or("min");
                if self.rng.chance(30) {
                    Expr::new(format!("abs({a})"))
                } else {
                    Expr::new(format!("{f}({a}, {b})"))
                }
            }
            5 => self.int_from_collection(depth),
            6 => {
                let s = self.str_expr(depth - 1).text();
                match self.rng.below(3) {
                    0 => Expr::new(format!("{s}.len()")),
                    1 => Expr::new(format!("{s}.find(\"a\")")),
                    _ => {
                        let i = self.int_expr(depth - 1).text();
                        Expr::new(format!("ord(chr(97 + ({i} & 15)))"))
                    }
                }
            }
            7 => {
                let f = self.float_expr(depth - 1).text();
                Expr::new(format!("to_int({f})"))
            }
            _ => {
                let i = self.int_expr(depth - 1).text();
                Expr::new(format!("parse_int(str({i}))"))
            }
        }
    }

    /// `a OP b` over ints: wrapping arithmetic, bit operations, shifts
    /// (whose count uses its low 6 bits) and safe division.
    fn int_binary(&mut self, depth: u32) -> Expr {
        let a = self.int_expr(depth - 1).text();
        let ops = ["+", "-", "*", "&", "|", "^", "<<", ">>", "/", "%"];
        let op = self.rng.pick(&ops).copied().unwrap_or("+");
        let b = match op {
            "/" | "%" => self.divisor(depth),
            "<<" | ">>" if self.rng.chance(60) => self.rng.below(70).to_string(),
            _ => self.int_expr(depth - 1).text(),
        };
        Expr::new(format!("({a} {op} {b})"))
    }

    /// An integer divisor: never zero unless the program divides wildly.
    pub fn divisor(&mut self, depth: u32) -> String {
        if self.wild_division && self.rng.chance(30) {
            return self.int_expr(depth.saturating_sub(1)).text();
        }
        if self.rng.chance(50) {
            return self.rng.pick(DIVISORS).copied().unwrap_or("3").to_string();
        }
        let d = self.int_expr(depth.saturating_sub(1)).text();
        format!("({d} | 1)")
    }

    /// An int read from an array, map or string in scope: lengths, lookups.
    fn int_from_collection(&mut self, depth: u32) -> Expr {
        let arrays: Vec<(String, Ty)> = self
            .paths()
            .into_iter()
            .filter(|(_, t, _)| matches!(t, Ty::Array(_) | Ty::Map(_, _)))
            .map(|(p, t, _)| (p, t))
            .collect();
        let Some((path, ty)) = self.rng.pick(&arrays).cloned() else {
            return Expr::new(self.int_literal());
        };
        match ty {
            Ty::Array(elem) if matches!(*elem, Ty::Int | Ty::Str) && self.rng.chance(50) => {
                let x = self.expr(&elem, depth - 1).text();
                Expr::new(format!("{path}.index_of({x})"))
            }
            _ => Expr::new(format!("{path}.len()")),
        }
    }

    fn float_expr(&mut self, depth: u32) -> Expr {
        let choice = if depth == 0 {
            self.rng.below(2) as usize
        } else {
            self.rng.weighted(&[2, 4, 6, 2, 3, 1])
        };
        let lit = |g: &mut Gen| Expr::new(g.rng.pick(FLOATS).copied().unwrap_or("1.0"));
        match choice {
            0 => lit(self),
            1 => self
                .source_or_call(&Ty::Float, depth)
                .unwrap_or_else(|| lit(self)),
            2 => {
                let a = self.float_expr(depth - 1).text();
                let b = self.float_expr(depth - 1).text();
                let op = self
                    .rng
                    .pick(&["+", "-", "*", "/", "%"])
                    .copied()
                    .unwrap_or("+");
                Expr::new(format!("({a} {op} {b})"))
            }
            3 => {
                let i = self.int_expr(depth - 1).text();
                Expr::new(format!("float({i})"))
            }
            4 => {
                let a = self.float_expr(depth - 1).text();
                let f = [
                    "sqrt", "floor", "ceil", "sin", "cos", "abs", "exp", "log", "atan",
                ];
                let name = self.rng.pick(&f).copied().unwrap_or("abs");
                Expr::new(format!("{name}({a})"))
            }
            _ => {
                let a = self.float_expr(depth - 1).text();
                let b = self.float_expr(depth - 1).text();
                let f = self
                    .rng
                    .pick(&["min", "max", "pow", "atan2"])
                    .copied()
                    .unwrap_or("min");
                Expr::new(format!("{f}({a}, {b})"))
            }
        }
    }

    fn bool_expr(&mut self, depth: u32) -> Expr {
        let choice = if depth == 0 {
            self.rng.below(2) as usize
        } else {
            self.rng.weighted(&[1, 2, 6, 2, 2, 2])
        };
        match choice {
            0 => Expr::new(if self.rng.chance(50) { "true" } else { "false" }),
            1 => self
                .source_or_call(&Ty::Bool, depth)
                .unwrap_or_else(|| Expr::new("true")),
            2 => {
                let ty = match self.rng.below(4) {
                    0 | 1 => Ty::Int,
                    2 => Ty::Float,
                    _ => Ty::Str,
                };
                let a = self.expr(&ty, depth - 1).text();
                let b = self.expr(&ty, depth - 1).text();
                let ops = ["<", "<=", ">", ">=", "==", "!="];
                let op = self.rng.pick(&ops).copied().unwrap_or("<");
                Expr::new(format!("({a} {op} {b})"))
            }
            3 => {
                let a = self.bool_expr(depth - 1).text();
                Expr::new(format!("!({a})"))
            }
            4 => {
                let a = self.bool_expr(depth - 1).text();
                let b = self.bool_expr(depth - 1).text();
                let op = if self.rng.chance(50) { "&&" } else { "||" };
                Expr::new(format!("({a} {op} {b})"))
            }
            _ => self.bool_from_collection(depth),
        }
    }

    /// A membership test on a string, array or map.
    fn bool_from_collection(&mut self, depth: u32) -> Expr {
        let maps: Vec<(String, Ty)> = self
            .paths()
            .into_iter()
            .filter_map(|(p, t, _)| match t {
                Ty::Map(k, _) => Some((p, *k)),
                _ => None,
            })
            .collect();
        if let (true, Some((path, key))) = (self.rng.chance(40), self.rng.pick(&maps).cloned()) {
            let k = self.map_key(&key, depth - 1);
            return Expr::new(format!("{path}.has({k})"));
        }
        let ints = self.array_paths(&Ty::Int);
        if let (true, Some(path)) = (self.rng.chance(40), self.rng.pick(&ints).cloned()) {
            let x = self.int_expr(depth - 1).text();
            return Expr::new(format!("{path}.contains({x})"));
        }
        let s = self.str_expr(depth - 1).text();
        let m = ["contains", "starts_with", "ends_with"];
        let m = self.rng.pick(&m).copied().unwrap_or("contains");
        let needle = self.rng.pick(STRINGS).copied().unwrap_or("a");
        Expr::new(format!("{s}.{m}(\"{needle}\")"))
    }

    fn str_literal(&mut self) -> Expr {
        let s = self.rng.pick(STRINGS).copied().unwrap_or("");
        Expr::string(format!("\"{s}\""), s.len())
    }

    fn str_expr(&mut self, depth: u32) -> Expr {
        let choice = if depth == 0 {
            self.rng.below(2) as usize
        } else {
            self.rng.weighted(&[2, 4, 5, 2, 1, 3, 1, 1])
        };
        match choice {
            0 => self.str_literal(),
            1 => self
                .source_or_call(&Ty::Str, depth)
                .unwrap_or_else(|| self.str_literal()),
            2 => {
                let a = self.str_expr(depth - 1);
                let b = self.str_expr(depth - 1);
                self.charge(Cost::alloc());
                if a.len + b.len > EXPR_STR_MAX {
                    return a;
                }
                Expr::string(format!("({} + {})", a.text(), b.text()), a.len + b.len)
            }
            3 => {
                self.charge(Cost::alloc());
                if self.rng.chance(60) {
                    let i = self.int_expr(depth - 1).text();
                    Expr::string(format!("str({i})"), 20)
                } else {
                    let f = self.float_expr(depth - 1).text();
                    Expr::string(format!("str({f})"), 24)
                }
            }
            4 => {
                self.charge(Cost::alloc());
                let b = self.bool_expr(depth - 1).text();
                Expr::string(format!("str({b})"), 5)
            }
            5 => self.str_method(depth),
            6 => {
                self.charge(Cost::alloc());
                let i = self.int_expr(depth - 1).text();
                Expr::string(format!("chr(65 + ({i} & 25))"), 1)
            }
            _ => {
                self.charge(Cost::alloc());
                let strs = self.array_paths(&Ty::Str);
                match self.rng.pick(&strs).cloned() {
                    Some(p) => Expr::string(format!("clip({p}.join(\",\"))"), STORED_STR_MAX),
                    None => {
                        let f = self.float_expr(depth - 1).text();
                        let digits = self.rng.below(5);
                        // An inf or a 1e300 prints in full: about 310 bytes.
                        Expr::string(format!("{f}.to_fixed({digits})"), 320)
                    }
                }
            }
        }
    }

    /// A string method that returns a string.
    fn str_method(&mut self, depth: u32) -> Expr {
        self.charge(Cost::alloc());
        let s = self.str_expr(depth - 1);
        let t = s.text();
        match self.rng.below(5) {
            0 => Expr::string(format!("{t}.to_upper()"), s.len),
            1 => Expr::string(format!("{t}.to_lower()"), s.len),
            2 => Expr::string(format!("{t}.trim()"), s.len),
            3 => {
                // `s` is evaluated twice; keep it free of calls.
                let Some(v) = self.readable(&Ty::Str) else {
                    return s;
                };
                // Without calls: one could assign the string read twice.
                let k = self.int_expr(0).text();
                Expr::string(
                    format!("{0}.substr(0, min({k} & 7, {0}.len()))", v.text()),
                    7,
                )
            }
            _ => {
                let from = self
                    .rng
                    .pick(&["a", "b", ",", "xy"])
                    .copied()
                    .unwrap_or("a");
                let to = self.rng.pick(&["", "-", "AB", "a"]).copied().unwrap_or("");
                let len = s.len.saturating_mul(to.len().max(1));
                if len > EXPR_STR_MAX {
                    return s;
                }
                Expr::string(format!("{t}.replace(\"{from}\", \"{to}\")"), len)
            }
        }
    }

    fn array_expr(&mut self, elem: &Ty, depth: u32) -> Expr {
        let want = Ty::array(elem.clone());
        let choice = if depth == 0 {
            self.rng.below(2) as usize
        } else {
            self.rng.weighted(&[3, 3, 1, 1, 1])
        };
        if choice == 1 {
            if let Some(e) = self.source_or_call(&want, depth) {
                return e;
            }
        }
        self.charge(Cost::alloc());
        match choice {
            2 => {
                let v = self.stored(elem, depth - 1);
                let n = self.rng.range(1, 6);
                Expr::new(format!("[{v}; {n}]"))
            }
            3 => match self.rng.pick(&self.array_paths(elem)).cloned() {
                Some(p) => {
                    let k = self.rng.range(1, 4);
                    Expr::new(format!("{p}.slice(0, min({k}, {p}.len()))"))
                }
                None => self.array_literal(elem, depth),
            },
            4 if *elem == Ty::Str => {
                let s = self.str_literal().text();
                Expr::new(format!("({s} + \",x\").split(\",\")"))
            }
            _ => self.array_literal(elem, depth),
        }
    }

    /// `[a, b, ...]`: never empty, so that indexing modulo the length is
    /// safe.
    fn array_literal(&mut self, elem: &Ty, depth: u32) -> Expr {
        let n = self.rng.range(1, 4);
        let items: Vec<String> = (0..n)
            .map(|_| self.stored(elem, depth.saturating_sub(1)))
            .collect();
        Expr::new(format!("[{}]", items.join(", ")))
    }

    fn map_expr(&mut self, key: &Ty, value: &Ty, depth: u32) -> Expr {
        let want = Ty::map(key.clone(), value.clone());
        if self.rng.chance(60) {
            if let Some(e) = self.readable(&want) {
                return e;
            }
        }
        self.charge(Cost::alloc());
        let n = self.rng.range(1, 3);
        let mut used = Vec::new();
        let mut entries = Vec::new();
        for _ in 0..n {
            let k = if *key == Ty::Str {
                format!("\"{}\"", self.rng.pick(STR_KEYS).copied().unwrap_or("k0"))
            } else {
                self.rng.below(16).to_string()
            };
            if used.contains(&k) {
                continue;
            }
            used.push(k.clone());
            let v = self.stored(value, depth.saturating_sub(1));
            entries.push(format!("{k}: {v}"));
        }
        Expr::literal(format!("{{{}}}", entries.join(", ")))
    }

    fn struct_expr(&mut self, i: usize, depth: u32) -> Expr {
        let want = Ty::Struct(i);
        if depth == 0 || self.rng.chance(50) {
            if let Some(e) = self.source_or_call(&want, depth) {
                return e;
            }
        }
        self.struct_literal(i, depth)
    }

    /// `S{i} { field: value, ... }`.
    pub fn struct_literal(&mut self, i: usize, depth: u32) -> Expr {
        self.charge(Cost::alloc());
        let fields = self.world.fields(i).to_vec();
        let parts: Vec<String> = fields
            .iter()
            .map(|(f, t)| format!("{f}: {}", self.stored(t, depth.saturating_sub(1))))
            .collect();
        Expr::literal(format!("S{i} {{ {} }}", parts.join(", ")))
    }

    fn enum_expr(&mut self, i: usize, depth: u32) -> Expr {
        let want = Ty::Enum(i);
        if depth == 0 || self.rng.chance(40) {
            if let Some(e) = self.source_or_call(&want, depth) {
                return e;
            }
        }
        let variants = self
            .world
            .enums
            .get(i)
            .map(|e| e.variants.clone())
            .unwrap_or_default();
        let Some((name, payload)) = self.rng.pick(&variants).cloned() else {
            return Expr::new("nil");
        };
        if payload.is_empty() {
            return Expr::new(format!("E{i}::{name}"));
        }
        self.charge(Cost::alloc());
        let args = self.args(&payload, depth);
        Expr::new(format!("E{i}::{name}({args})"))
    }

    fn trait_expr(&mut self, i: usize, depth: u32) -> Expr {
        let want = Ty::Trait(i);
        if self.rng.chance(50) {
            if let Some(e) = self.source_or_call(&want, depth) {
                return e;
            }
        }
        let implementors = self
            .world
            .traits
            .get(i)
            .map(|t| t.implementors.clone())
            .unwrap_or_default();
        match self.rng.pick(&implementors).copied() {
            Some(s) => self.struct_literal(s, depth),
            None => Expr::new("nil"),
        }
    }

    fn func_expr(&mut self, params: &[Ty], ret: &Ty) -> Expr {
        Expr::new(self.fn_argument(params, ret))
    }
}
