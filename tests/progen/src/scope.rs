//! The variables visible at the point being generated, with what the
//! generator knows about each: whether it may be assigned, how long a
//! string it can hold, what calling it costs.

use crate::cost::Cost;
use crate::ty::Ty;

/// The longest string any storage location (a `var`, field, element, map
/// value, enum payload, parameter or returned value) holds: a value longer
/// than this is passed through the program's `clip` helper before it is
/// stored. 48 bytes keep printed lines short.
pub const STORED_STR_MAX: usize = 48;

/// The longest string expression the generator writes without clipping: it
/// keeps `let` chains of concatenations from doubling a string per
/// statement.
pub const EXPR_STR_MAX: usize = 400;

/// One variable in scope.
#[derive(Clone, Debug)]
pub struct Var {
    pub name: String,
    pub ty: Ty,
    /// Whether generated code may assign it: a `var` that is not a loop
    /// counter, a recursion depth or a `for` guard.
    pub assignable: bool,
    /// For a `str`: the longest value it can hold.
    pub max_len: usize,
    /// For a closure: what one call costs.
    pub call_cost: Cost,
}

impl Var {
    /// A variable of type `ty`; strings get the stored bound.
    pub fn new(name: impl Into<String>, ty: Ty, assignable: bool) -> Var {
        Var {
            name: name.into(),
            ty,
            assignable,
            max_len: STORED_STR_MAX,
            call_cost: Cost::default(),
        }
    }
}

/// Nested blocks of variables; the innermost block is last.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    blocks: Vec<Vec<Var>>,
}

impl Scope {
    /// Opens a block.
    pub fn push(&mut self) {
        self.blocks.push(Vec::new());
    }

    /// Closes the innermost block, forgetting its variables.
    pub fn pop(&mut self) {
        self.blocks.pop();
    }

    /// Declares a variable in the innermost block.
    pub fn add(&mut self, v: Var) {
        match self.blocks.last_mut() {
            Some(b) => b.push(v),
            None => self.blocks.push(vec![v]),
        }
    }

    /// Every visible variable, outermost first.
    pub fn vars(&self) -> impl Iterator<Item = &Var> {
        self.blocks.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_hide_their_variables_when_closed() {
        let mut s = Scope::default();
        s.push();
        s.add(Var::new("n0", Ty::Int, true));
        s.push();
        s.add(Var::new("n1", Ty::Int, false));
        s.add(Var::new("s2", Ty::Str, true));
        assert_eq!(s.vars().filter(|v| v.ty == Ty::Int).count(), 2);
        s.pop();
        let names: Vec<&str> = s.vars().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["n0"]);
    }
}
