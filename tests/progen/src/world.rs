//! The declarations of one generated program: structs, enums, traits and
//! functions, as data the expression and statement generators consult.

use crate::cost::Cost;
use crate::ty::Ty;

/// `struct S{i} { fields }`.
#[derive(Clone, Debug)]
pub struct StructDecl {
    pub fields: Vec<(String, Ty)>,
    /// The trait this struct implements, if any.
    pub implements: Option<usize>,
}

/// `enum E{i} { variants }`: each variant has a name and payload types.
#[derive(Clone, Debug)]
pub struct EnumDecl {
    pub variants: Vec<(String, Vec<Ty>)>,
}

/// One method of a trait: `fn name(self, params) -> ret`.
#[derive(Clone, Debug)]
pub struct MethodSig {
    pub name: String,
    pub params: Vec<Ty>,
    pub ret: Ty,
    /// The most a call costs, over every implementation.
    pub cost: Cost,
}

/// `trait T{i}`, implemented by the structs in `implementors`.
#[derive(Clone, Debug)]
pub struct TraitDecl {
    pub methods: Vec<MethodSig>,
    pub implementors: Vec<usize>,
}

/// How a recursive function recurses: its first parameter is the depth,
/// which every recursive call lowers, and the body returns at depth 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recursion {
    /// One recursive call per level: a call at depth d costs (d+1) bodies.
    Linear,
    /// Calls at d-1 and d-2, like fib: at most 2^(d+1) bodies.
    Tree,
}

/// A declared function. Plain functions only call functions declared
/// before them, so no call cycle exists but the bounded recursions.
#[derive(Clone, Debug)]
pub struct FnInfo {
    pub name: String,
    pub params: Vec<Ty>,
    pub ret: Ty,
    /// What one call costs; for a recursive function, one level.
    pub cost: Cost,
    pub recursion: Option<Recursion>,
    /// For a function that returns a closure: what a call of that closure
    /// costs.
    pub closure_cost: Cost,
}

impl FnInfo {
    /// What a call at recursion depth `depth` costs (a plain function
    /// ignores the depth).
    pub fn cost_at(&self, depth: u64) -> Cost {
        match self.recursion {
            None => self.cost,
            Some(Recursion::Linear) => self.cost.times(depth.saturating_add(1)),
            Some(Recursion::Tree) => {
                let calls = 1u64
                    .checked_shl(depth.min(62) as u32 + 1)
                    .unwrap_or(u64::MAX);
                self.cost.times(calls)
            }
        }
    }
}

/// Every declaration of a program.
#[derive(Clone, Debug, Default)]
pub struct World {
    pub structs: Vec<StructDecl>,
    pub enums: Vec<EnumDecl>,
    pub traits: Vec<TraitDecl>,
    pub functions: Vec<FnInfo>,
    /// The struct of the linked-list snippet (`next` is nullable), which
    /// general expressions never touch.
    pub node: Option<usize>,
}

impl World {
    /// The structs ordinary code builds and reads (all but the list node).
    pub fn plain_structs(&self) -> Vec<usize> {
        (0..self.structs.len())
            .filter(|&i| Some(i) != self.node)
            .collect()
    }

    /// The fields of struct `i` (none for an unknown index).
    pub fn fields(&self, i: usize) -> &[(String, Ty)] {
        self.structs.get(i).map_or(&[], |s| s.fields.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recursion_costs_grow_with_depth() {
        let f = FnInfo {
            name: "r".into(),
            params: vec![Ty::Int],
            ret: Ty::Int,
            cost: Cost::steps(10),
            recursion: Some(Recursion::Tree),
            closure_cost: Cost::default(),
        };
        assert_eq!(f.cost_at(3).steps, 160);
        assert_eq!(f.cost_at(1000).steps, u64::MAX);
        let g = FnInfo {
            recursion: Some(Recursion::Linear),
            ..f
        };
        assert_eq!(g.cost_at(3).steps, 40);
    }
}
