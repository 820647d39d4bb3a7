//! What a piece of generated code may consume when it runs, bounded by
//! construction: the generator charges every statement, call and loop
//! against a budget, so that every program terminates quickly, allocates
//! little (it also runs under GC stress) and prints a bounded amount.

/// An upper bound on what running some code costs. The numbers are
/// estimates in "steps" (about one statement or expression node), not
/// instructions: they only need to keep programs small, not be exact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    pub steps: u64,
    pub allocs: u64,
    pub prints: u64,
}

impl Cost {
    /// `steps` steps and nothing else.
    pub fn steps(steps: u64) -> Cost {
        Cost {
            steps,
            ..Cost::default()
        }
    }

    /// One allocation (plus the step that makes it).
    pub fn alloc() -> Cost {
        Cost {
            steps: 1,
            allocs: 1,
            prints: 0,
        }
    }

    /// One printed line.
    pub fn print() -> Cost {
        Cost {
            steps: 1,
            allocs: 0,
            prints: 1,
        }
    }

    /// Both costs, saturating.
    pub fn plus(self, other: Cost) -> Cost {
        Cost {
            steps: self.steps.saturating_add(other.steps),
            allocs: self.allocs.saturating_add(other.allocs),
            prints: self.prints.saturating_add(other.prints),
        }
    }

    /// The cost of running this `n` times, saturating.
    pub fn times(self, n: u64) -> Cost {
        Cost {
            steps: self.steps.saturating_mul(n),
            allocs: self.allocs.saturating_mul(n),
            prints: self.prints.saturating_mul(n),
        }
    }

    /// Whether every part is within `limit`'s.
    pub fn within(self, limit: Cost) -> bool {
        self.steps <= limit.steps && self.allocs <= limit.allocs && self.prints <= limit.prints
    }
}

/// The whole program's bound: main's body, which runs everything else.
/// 60 000 steps take a few milliseconds in a debug build; 1 500 allocations
/// are about 200 collections under `--gc-stress 7`; 120 lines keep a diff
/// readable.
pub const PROGRAM_LIMIT: Cost = Cost {
    steps: 60_000,
    allocs: 1_500,
    prints: 120,
};

/// The budget of one body (function, method, closure) being generated.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// What the body has been charged so far, loop multipliers applied.
    pub used: Cost,
    /// What it may be charged in all.
    pub limit: Cost,
    /// How many times the code being generated runs per run of the body:
    /// the product of the trip counts of the enclosing loops.
    pub multiplier: u64,
}

impl Budget {
    /// A fresh budget for a body that may cost `limit`.
    pub fn new(limit: Cost) -> Budget {
        Budget {
            used: Cost::default(),
            limit,
            multiplier: 1,
        }
    }

    /// Whether code costing `c` per run fits at the current point.
    pub fn affords(&self, c: Cost) -> bool {
        self.used.plus(c.times(self.multiplier)).within(self.limit)
    }

    /// Charges code costing `c` per run at the current point.
    pub fn charge(&mut self, c: Cost) {
        self.used = self.used.plus(c.times(self.multiplier));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_multiply_what_they_hold() {
        let mut b = Budget::new(Cost::steps(100));
        b.multiplier = 10;
        assert!(b.affords(Cost::steps(10)));
        assert!(!b.affords(Cost::steps(11)));
        b.charge(Cost::steps(5));
        assert_eq!(b.used.steps, 50);
        assert!(!b.affords(Cost::alloc().times(6)));
    }

    #[test]
    fn saturates_instead_of_overflowing() {
        let c = Cost::steps(u64::MAX).times(3).plus(Cost::steps(1));
        assert_eq!(c.steps, u64::MAX);
    }
}
