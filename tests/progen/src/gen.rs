//! The generator's state while it writes one program, and the bookkeeping
//! every part shares: fresh names, budgets, loop nesting and scopes.

use crate::cost::{Budget, Cost};
use crate::fault::Fault;
use crate::rng::Rng;
use crate::scope::{Scope, Var};
use crate::ty::Ty;
use crate::world::World;
use crate::writer::Writer;

/// Everything the generator knows while it writes a program.
pub struct Gen {
    pub rng: Rng,
    pub world: World,
    pub out: Writer,
    pub scope: Scope,
    /// The globals, visible in every function.
    pub globals: Vec<Var>,
    /// The budget of the body being written.
    pub budget: Budget,
    /// Loops around the current point in the current body (`break` and
    /// `continue` are allowed when positive; a closure body starts at 0).
    pub loop_depth: u32,
    /// Compound statements (loops, `if`, `match` arms) around the current
    /// point, which bounds how deeply they nest.
    pub nesting: u32,
    /// The result type of the body being written (`None`: returns nothing).
    pub ret: Option<Ty>,
    /// The deliberate runtime error still to be placed, if the program has
    /// one.
    pub fault: Option<Fault>,
    /// Whether integer divisors may be any expression (so possibly zero);
    /// otherwise they are literals or `(e | 1)`.
    pub wild_division: bool,
    /// Statements still wanted in the body being written; it sizes the
    /// program.
    pub statements_left: usize,
    /// Calls written so far: when a value's expression made one, the
    /// value is computed before an array index is (a call may shrink the
    /// array the index was reduced for).
    pub calls: usize,
    /// Lines of source the program should have, roughly.
    pub size: usize,
    next_name: usize,
}

/// What `Gen::body` saves of the enclosing body while it writes another.
struct Saved {
    budget: Budget,
    loop_depth: u32,
    ret: Option<Ty>,
    statements_left: usize,
}

impl Gen {
    /// A generator for the program that `seed` names.
    pub fn new(seed: u64, size: usize) -> Gen {
        Gen {
            rng: Rng::new(seed),
            world: World::default(),
            out: Writer::default(),
            scope: Scope::default(),
            globals: Vec::new(),
            budget: Budget::new(Cost::default()),
            loop_depth: 0,
            nesting: 0,
            ret: None,
            fault: None,
            wild_division: false,
            statements_left: 0,
            calls: 0,
            size,
            next_name: 0,
        }
    }

    /// A new variable name for a value of type `ty`.
    pub fn fresh(&mut self, ty: &Ty) -> String {
        self.fresh_named(ty.name_prefix())
    }

    /// A new name with `prefix`.
    pub fn fresh_named(&mut self, prefix: &str) -> String {
        self.next_name += 1;
        format!("{prefix}{}", self.next_name)
    }

    /// Whether code costing `c` fits at the current point.
    pub fn affords(&self, c: Cost) -> bool {
        self.budget.affords(c)
    }

    /// Charges code costing `c` at the current point.
    pub fn charge(&mut self, c: Cost) {
        self.budget.charge(c);
    }

    /// Writes another body (function, method, closure) with its own budget
    /// `limit`, result type `ret` and `statements` wanted, and returns what
    /// `write` returned and what the body costs per run. The caller sets
    /// up the scope the body sees.
    pub fn body<R>(
        &mut self,
        limit: Cost,
        ret: Option<Ty>,
        statements: usize,
        write: impl FnOnce(&mut Gen) -> R,
    ) -> (R, Cost) {
        let saved = Saved {
            budget: std::mem::replace(&mut self.budget, Budget::new(limit)),
            loop_depth: std::mem::take(&mut self.loop_depth),
            ret: std::mem::replace(&mut self.ret, ret),
            statements_left: std::mem::replace(&mut self.statements_left, statements),
        };
        let r = write(self);
        let used = self.budget.used;
        self.budget = saved.budget;
        self.loop_depth = saved.loop_depth;
        self.ret = saved.ret;
        self.statements_left = saved.statements_left;
        (r, used)
    }

    /// Writes a loop body that runs up to `trips` times per run of the code
    /// around it: costs inside are multiplied, and `break`/`continue` are
    /// allowed. The body's own variables are forgotten afterwards.
    pub fn in_loop<R>(&mut self, trips: u64, write: impl FnOnce(&mut Gen) -> R) -> R {
        let multiplier = self.budget.multiplier;
        self.budget.multiplier = multiplier.saturating_mul(trips.max(1));
        self.loop_depth += 1;
        self.scope.push();
        let r = write(self);
        self.scope.pop();
        self.loop_depth -= 1;
        self.budget.multiplier = multiplier;
        r
    }

    /// Writes a block whose variables are forgotten afterwards.
    pub fn in_block<R>(&mut self, write: impl FnOnce(&mut Gen) -> R) -> R {
        self.scope.push();
        let r = write(self);
        self.scope.pop();
        r
    }

    /// Replaces the scope with just the globals (a function's body sees no
    /// locals of another), returning the old one.
    pub fn fresh_scope(&mut self) -> Scope {
        let mut s = Scope::default();
        s.push();
        for g in &self.globals {
            s.add(g.clone());
        }
        std::mem::replace(&mut self.scope, s)
    }

    /// A literal trip count for a loop, at most `max`, and smaller when the
    /// multiplier is already large (so that loops nest without exhausting
    /// the budget at once).
    pub fn trip_count(&mut self, max: u64) -> u64 {
        let room = (self.budget.limit.steps / self.budget.multiplier.max(1) / 40).clamp(1, max);
        self.rng.below(room) + 1
    }
}
