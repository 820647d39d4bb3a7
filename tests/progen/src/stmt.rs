//! Statements: declarations, assignments, stores, loops with bounded trip
//! counts, `break`/`continue`, `if`, `match`, closures, prints and calls.
//! Every loop's trip count is bounded by construction (a literal range, a
//! counter the body cannot assign, or a guard counter that breaks), so
//! every generated body terminates.

use crate::cost::Cost;
use crate::expr::STR_KEYS;
use crate::gen::Gen;
use crate::scope::{Var, STORED_STR_MAX};
use crate::ty::Ty;

/// How deeply compound statements nest (loops, `if`, `match`): enough for
/// nested loops with `break`, shallow enough to read.
const MAX_NESTING: u32 = 4;

/// The most iterations one generated loop makes.
const MAX_TRIPS: u64 = 12;

/// What a closure defined by a statement may cost per call.
const CLOSURE_COST: Cost = Cost {
    steps: 400,
    allocs: 16,
    prints: 2,
};

/// What sorting with a comparator is charged: a generated array holds at
/// most a few dozen elements, so a sort makes at most a few hundred calls.
const SORT_COST: Cost = Cost {
    steps: 400,
    allocs: 4,
    prints: 0,
};

/// The statement kinds, in the order of `Gen::statement`'s weights.
const KINDS: usize = 18;

impl Gen {
    /// Up to `max` statements (at least one if any are still wanted).
    pub fn block(&mut self, max: usize) {
        let n = self.rng.range(1, max.max(1) as i64);
        for _ in 0..n {
            if self.statements_left == 0 {
                break;
            }
            self.statement();
        }
    }

    /// One statement of a random kind that fits the budget and the scope.
    pub fn statement(&mut self) {
        self.statements_left = self.statements_left.saturating_sub(1);
        self.charge(Cost::steps(1));
        if self.fault.is_some() && self.rng.chance(2) {
            self.place_fault();
            return;
        }
        // A compound statement with nothing left to put in it would be empty.
        let compound = self.nesting < MAX_NESTING && self.statements_left > 0;
        let in_loop = self.loop_depth > 0;
        let has_node = self.world.node.is_some();
        let has_traits = !self.world.traits.is_empty();
        let when = |yes: bool, weight: u32| if yes { weight } else { 0 };
        let weights: [u32; KINDS] = [
            6,                               // declaration
            5,                               // assignment
            3,                               // field, element or map store
            3,                               // array operation
            when(compound, 3),               // if
            when(compound, 3),               // for over a range
            when(compound, 2),               // while with a counter
            when(compound, 1),               // for over an array, guarded
            5,                               // print
            2,                               // call for its effect
            when(compound, 2),               // match statement
            when(compound, 2),               // closure definition
            when(in_loop, 3),                // break / continue
            when(self.ret.is_some(), 1),     // early return
            when(compound && has_node, 1),   // linked list
            when(compound, 1),               // for over map keys
            2,                               // let with if / match value
            when(compound && has_traits, 3), // calls over a trait's structs
        ];
        for _ in 0..8 {
            let done = match self.rng.weighted(&weights) {
                0 => self.declare().is_some(),
                1 => self.assign(),
                2 => self.store_statement(),
                3 => self.array_op(),
                4 => self.if_statement(),
                5 => self.for_range(),
                6 => self.while_counter(),
                7 => self.for_array(),
                8 => self.print(),
                9 => self.call_statement(),
                10 => self.match_statement(),
                11 => self.closure_statement(),
                12 => self.break_or_continue(),
                13 => self.early_return(),
                14 => self.linked_list(),
                15 => self.for_map_keys(),
                16 => self.let_choice(),
                _ => self.trait_walk(),
            };
            if done {
                return;
            }
        }
        self.declare();
    }

    /// A type for a new local: mostly scalars, some collections and
    /// declared types.
    pub fn var_type(&mut self) -> Ty {
        let structs = self.world.plain_structs();
        let mut options = vec![
            (Ty::Int, 8),
            (Ty::Float, 3),
            (Ty::Str, 4),
            (Ty::Bool, 1),
            (Ty::array(Ty::Int), 3),
            (Ty::array(Ty::Str), 1),
            (Ty::array(Ty::Float), 1),
            (Ty::map(Ty::Int, Ty::Int), 2),
            (Ty::map(Ty::Str, Ty::Int), 2),
            (Ty::map(Ty::Int, Ty::Str), 2),
        ];
        if let Some(&s) = self.rng.pick(&structs) {
            options.push((Ty::Struct(s), 3));
            options.push((Ty::array(Ty::Struct(s)), 1));
        }
        if !self.world.enums.is_empty() {
            let e = self.rng.below(self.world.enums.len() as u64) as usize;
            options.push((Ty::Enum(e), 2));
        }
        if !self.world.traits.is_empty() {
            let t = self.rng.below(self.world.traits.len() as u64) as usize;
            options.push((Ty::Trait(t), 2));
            options.push((Ty::array(Ty::Trait(t)), 1));
        }
        let weights: Vec<u32> = options.iter().map(|(_, w)| *w).collect();
        let i = self.rng.weighted(&weights);
        options.into_iter().nth(i).map_or(Ty::Int, |(t, _)| t)
    }

    /// `let`/`var NAME: T = e;` of a random type; returns the variable.
    pub fn declare(&mut self) -> Option<Var> {
        let ty = self.var_type();
        Some(self.declare_of(&ty))
    }

    /// `let`/`var NAME: T = e;` of type `ty`.
    pub fn declare_of(&mut self, ty: &Ty) -> Var {
        let mutable = self.rng.chance(60);
        let name = self.fresh(ty);
        let e = self.expr(ty, 2);
        let (init, len) = if mutable && e.len > STORED_STR_MAX {
            (self.store(e), STORED_STR_MAX)
        } else {
            (e.bare().to_string(), e.len)
        };
        let scalar = matches!(ty, Ty::Int | Ty::Float | Ty::Bool | Ty::Str);
        let annotation = if scalar && self.rng.chance(70) {
            String::new()
        } else {
            format!(": {}", ty.render())
        };
        let kw = if mutable { "var" } else { "let" };
        self.out.line(&format!("{kw} {name}{annotation} = {init};"));
        let mut v = Var::new(name, ty.clone(), mutable);
        // A `var` may be assigned any stored string later; a `let` keeps
        // its initializer's bound.
        v.max_len = match ty {
            Ty::Str if mutable => STORED_STR_MAX,
            Ty::Str => len,
            _ => 0,
        };
        self.scope.add(v.clone());
        v
    }

    /// `x = e;` or `x OP= e;` on an assignable variable.
    fn assign(&mut self) -> bool {
        let vars: Vec<Var> = self
            .scope
            .vars()
            .filter(|v| v.assignable && !matches!(v.ty, Ty::Func(_, _)))
            .cloned()
            .collect();
        let Some(v) = self.rng.pick(&vars).cloned() else {
            return false;
        };
        let line = self.update(&v.name, &v.ty, false);
        self.out.line(&line);
        true
    }

    /// An update of the place `place` of type `ty`: plain or compound
    /// assignment (strings are re-clipped, so they never grow past the
    /// stored bound). When `place` is an array element and the value makes
    /// a call, the value is computed first, into a `let`.
    fn update(&mut self, place: &str, ty: &Ty, indexed: bool) -> String {
        let calls = self.calls;
        let (op, value) = match ty {
            Ty::Int => match self.rng.below(6) {
                0 | 1 => ("=", self.stored(ty, 2)),
                2 => ("+=", self.expr(ty, 2).text()),
                3 => ("-=", self.expr(ty, 1).text()),
                4 => ("*=", self.expr(ty, 1).text()),
                _ => {
                    let op = if self.rng.chance(50) { "/=" } else { "%=" };
                    (op, self.divisor(2))
                }
            },
            Ty::Float => {
                let op = self
                    .rng
                    .pick(&["=", "+=", "-=", "*=", "/="])
                    .copied()
                    .unwrap_or("=");
                (op, self.expr(ty, 2).text())
            }
            Ty::Str if self.rng.chance(60) => ("+", self.expr(ty, 1).text()),
            _ => ("=", self.stored(ty, 2)),
        };
        let value = if indexed && self.calls != calls {
            let tmp = self.fresh(ty);
            self.out
                .line(&format!("let {tmp}: {} = {value};", ty.render()));
            tmp
        } else {
            value
        };
        match op {
            "+" => format!("{place} = clip({place} + {value});"),
            _ => format!("{place} {op} {value};"),
        }
    }

    /// A value of type `elem` to store into an array whose index is
    /// computed next: computed first, into a `let`, when it makes a call.
    fn value_before_index(&mut self, elem: &Ty) -> String {
        let calls = self.calls;
        let v = self.stored(elem, 1);
        if self.calls == calls {
            return v;
        }
        let tmp = self.fresh(elem);
        self.out
            .line(&format!("let {tmp}: {} = {v};", elem.render()));
        tmp
    }

    /// A store to a field, an array element or a map entry.
    fn store_statement(&mut self) -> bool {
        let mut targets: Vec<(String, Ty)> = Vec::new();
        for v in self.scope.vars() {
            match &v.ty {
                Ty::Struct(i) if Some(*i) != self.world.node => {
                    for (f, t) in self.world.fields(*i) {
                        targets.push((format!("{}.{f}", v.name), t.clone()));
                    }
                }
                Ty::Array(_) | Ty::Map(_, _) => targets.push((v.name.clone(), v.ty.clone())),
                _ => {}
            }
        }
        let Some((path, ty)) = self.rng.pick(&targets).cloned() else {
            return false;
        };
        let line = match &ty {
            Ty::Array(elem) => {
                let at = self.index_in(&path);
                self.update(&format!("{path}[{at}]"), elem, true)
            }
            Ty::Map(k, v) => {
                self.charge(Cost::alloc());
                let key = self.map_key(k, 1);
                let value = self.stored(v, 2);
                format!("{path}[{key}] = {value};")
            }
            _ => self.update(&path, &ty, false),
        };
        self.out.line(&line);
        true
    }

    /// An operation that changes an array: push, insert, guarded pop and
    /// remove (arrays never become empty), reverse, sort, sort_by.
    fn array_op(&mut self) -> bool {
        let arrays: Vec<(String, Ty)> = self.paths_of_arrays().into_iter().collect();
        let Some((path, elem)) = self.rng.pick(&arrays).cloned() else {
            return false;
        };
        match self.rng.below(7) {
            0 | 1 => {
                self.charge(Cost::alloc());
                let v = self.stored(&elem, 2);
                self.out.line(&format!("{path}.push({v});"));
            }
            2 => {
                self.charge(Cost::alloc());
                let v = self.value_before_index(&elem);
                let i = self.expr(&Ty::Int, 0).text();
                self.out.line(&format!(
                    "{path}.insert(({i} & 1023) % ({path}.len() + 1), {v});"
                ));
            }
            3 => {
                let op = if self.rng.chance(50) {
                    "pop()".to_string()
                } else {
                    format!("remove({})", self.index_in(&path))
                };
                self.out.open(&format!("if {path}.len() > 1 {{"));
                self.out.line(&format!("{path}.{op};"));
                self.out.close("}");
            }
            4 => self.out.line(&format!("{path}.reverse();")),
            5 if matches!(elem, Ty::Int | Ty::Str) => {
                self.charge(Cost::steps(40));
                self.out.line(&format!("{path}.sort();"));
            }
            _ if elem == Ty::Int && self.affords(SORT_COST) => {
                self.charge(SORT_COST);
                let key = self
                    .rng
                    .pick(&["(X % 10)", "(X & 7)", "-X", "(X ^ 5)", "X"])
                    .copied()
                    .unwrap_or("X");
                let (a, b) = (self.fresh_named("a"), self.fresh_named("b"));
                let less = format!("{} < {}", key.replace('X', &a), key.replace('X', &b));
                self.out.line(&format!(
                    "{path}.sort_by(fn({a}: int, {b}: int) -> bool {{ return {less}; }});"
                ));
            }
            _ => self.out.line(&format!("{path}.reverse();")),
        }
        true
    }

    /// The array paths in scope with their element types.
    fn paths_of_arrays(&self) -> Vec<(String, Ty)> {
        let mut out = Vec::new();
        for v in self.scope.vars() {
            if let Ty::Array(e) = &v.ty {
                out.push((v.name.clone(), (**e).clone()));
            }
            if let Ty::Struct(i) = v.ty {
                if Some(i) == self.world.node {
                    continue;
                }
                for (f, t) in self.world.fields(i) {
                    if let Ty::Array(e) = t {
                        out.push((format!("{}.{f}", v.name), (**e).clone()));
                    }
                }
            }
        }
        out
    }

    /// A condition for `if`/`while`.
    fn condition(&mut self) -> String {
        let c = self.expr(&Ty::Bool, 2).text();
        c.strip_prefix('(')
            .and_then(|s| s.strip_suffix(')'))
            .filter(|inner| balanced(inner))
            .map_or(c.clone(), str::to_string)
    }

    /// Writes `{ block }` bodies one level deeper.
    fn nested(&mut self, max: usize) {
        self.nesting += 1;
        self.in_block(|g| g.block(max));
        self.nesting -= 1;
    }

    /// The rest of a loop whose header is written: up to `max` statements
    /// run up to `trips` times, with the loop variable `binding` in scope,
    /// and the closing brace.
    fn loop_body(&mut self, trips: u64, binding: Option<Var>, max: usize) -> bool {
        self.nesting += 1;
        self.in_loop(trips, |g| {
            if let Some(v) = binding {
                g.scope.add(v);
            }
            g.block(max);
        });
        self.nesting -= 1;
        self.out.close("}");
        true
    }

    fn if_statement(&mut self) -> bool {
        let c = self.condition();
        self.out.open(&format!("if {c} {{"));
        self.nested(3);
        let mut arms = 0;
        while arms < 2 && self.statements_left > 0 && self.rng.chance(40) {
            arms += 1;
            let c = self.condition();
            self.out.reopen(&format!("}} else if {c} {{"));
            self.nested(2);
        }
        if self.statements_left > 0 && self.rng.chance(50) {
            self.out.reopen("} else {");
            self.nested(2);
        }
        self.out.close("}");
        true
    }

    /// `for i in a..b` (or `..=`) with a small trip count, sometimes right
    /// at the top of the int range, sometimes with a bound computed at run
    /// time but masked small.
    fn for_range(&mut self) -> bool {
        let mut trips = self.trip_count(MAX_TRIPS);
        let i = self.fresh_named("i");
        let header = match self.rng.below(6) {
            0 => {
                // A bound computed at run time, masked to at most 7 trips.
                trips = trips.max(7);
                let n = self.expr(&Ty::Int, 1).text();
                format!("for {i} in 0..({n} & 7) {{")
            }
            1 => format!(
                "for {i} in 0x7fff_ffff_ffff_ffff - {}..=0x7fff_ffff_ffff_ffff {{",
                trips - 1
            ),
            2 => {
                let lo = self.rng.range(-6, 6);
                format!("for {i} in {lo}..={} {{", lo + trips as i64 - 1)
            }
            _ => {
                let lo = self.rng.range(-6, 6);
                format!("for {i} in {lo}..{} {{", lo + trips as i64)
            }
        };
        self.charge(Cost::steps(1).times(trips));
        self.out.open(&header);
        self.loop_body(trips, Some(Var::new(i, Ty::Int, false)), 4)
    }

    /// A `while` loop whose counter the body cannot assign: `while w < N`
    /// with the increment first, or `while true` with a `break`.
    fn while_counter(&mut self) -> bool {
        let trips = self.trip_count(MAX_TRIPS);
        let w = self.fresh_named("w");
        self.out.line(&format!("var {w} = 0;"));
        self.scope.add(Var::new(w.clone(), Ty::Int, false));
        self.charge(Cost::steps(2).times(trips));
        if self.rng.chance(60) {
            self.out.open(&format!("while {w} < {trips} {{"));
        } else {
            self.out.open("while true {");
            self.out.open(&format!("if {w} >= {trips} {{"));
            self.out.line("break;");
            self.out.close("}");
        }
        self.out.line(&format!("{w} += 1;"));
        self.loop_body(trips, None, 4)
    }

    /// `for x in xs` over an array in scope, stopped by a guard counter
    /// after a few elements (the body may push to the array it walks).
    fn for_array(&mut self) -> bool {
        let arrays = self.paths_of_arrays();
        let Some((path, elem)) = self.rng.pick(&arrays).cloned() else {
            return false;
        };
        let trips = self.trip_count(8);
        let k = self.fresh_named("k");
        let x = self.fresh(&elem);
        self.out.line(&format!("var {k} = 0;"));
        self.scope.add(Var::new(k.clone(), Ty::Int, false));
        self.charge(Cost::steps(2).times(trips));
        self.out.open(&format!("for {x} in {path} {{"));
        self.out.open(&format!("if {k} >= {trips} {{"));
        self.out.line("break;");
        self.out.close("}");
        self.out.line(&format!("{k} += 1;"));
        self.loop_body(trips, Some(Var::new(x, elem, false)), 3)
    }

    /// `for k in m.keys()`: maps have at most 16 keys.
    fn for_map_keys(&mut self) -> bool {
        let maps: Vec<(String, Ty)> = self
            .scope
            .vars()
            .filter_map(|v| match &v.ty {
                Ty::Map(k, _) => Some((v.name.clone(), (**k).clone())),
                _ => None,
            })
            .collect();
        let (path, key) = match self.rng.pick(&maps).cloned() {
            Some(m) => m,
            None => {
                let key = if self.rng.chance(50) {
                    Ty::Int
                } else {
                    Ty::Str
                };
                let v = self.declare_of(&Ty::map(key.clone(), Ty::Int));
                (v.name, key)
            }
        };
        let trips = if key == Ty::Str {
            STR_KEYS.len() as u64
        } else {
            16
        };
        let k = self.fresh(&key);
        self.charge(Cost::alloc().times(2));
        self.out.open(&format!("for {k} in {path}.keys() {{"));
        self.loop_body(trips, Some(Var::new(k, key, false)), 3)
    }

    /// An array holding one value of each struct that implements a trait,
    /// walked with a call of every method on each (dynamic dispatch over
    /// several structs); int results are summed, others printed.
    fn trait_walk(&mut self) -> bool {
        let t = self.rng.below(self.world.traits.len() as u64) as usize;
        let Some(decl) = self.world.traits.get(t).cloned() else {
            return false;
        };
        let n = decl.implementors.len() as u64;
        let per_item = decl
            .methods
            .iter()
            .fold(Cost::steps(2), |c, m| c.plus(m.cost).plus(Cost::print()));
        if !self.affords(per_item.times(n).plus(Cost::alloc().times(n + 1))) {
            return false;
        }
        self.charge(Cost::alloc().times(n + 1));
        let items: Vec<String> = decl
            .implementors
            .iter()
            .map(|&s| self.struct_literal(s, 1).text())
            .collect();
        let (xs, x, sum) = (
            self.fresh(&Ty::array(Ty::Trait(t))),
            self.fresh(&Ty::Trait(t)),
            self.fresh(&Ty::Int),
        );
        self.out
            .line(&format!("let {xs}: [T{t}] = [{}];", items.join(", ")));
        self.out.line(&format!("var {sum} = 0;"));
        self.out.open(&format!("for {x} in {xs} {{"));
        self.in_loop(n, |g| {
            g.scope.add(Var::new(x.clone(), Ty::Trait(t), false));
            for m in &decl.methods {
                g.charge(m.cost.plus(Cost::print()));
                let args = g.args(&m.params, 1);
                let call = format!("{x}.{}({args})", m.name);
                if m.ret == Ty::Int {
                    g.out.line(&format!("{sum} += {call};"));
                } else {
                    g.out.line(&format!("println({call});"));
                }
            }
        });
        self.out.close("}");
        self.scope.add(Var::new(xs, Ty::array(Ty::Trait(t)), false));
        self.scope.add(Var::new(sum, Ty::Int, true));
        true
    }

    /// `println(e)` or `print(e)` of a value of any type in scope.
    fn print(&mut self) -> bool {
        if !self.affords(Cost::print()) {
            return false;
        }
        self.charge(Cost::print());
        let ty = if self.rng.chance(50) {
            self.var_type()
        } else {
            let vars: Vec<Ty> = self
                .scope
                .vars()
                .map(|v| v.ty.clone())
                .filter(|t| !matches!(t, Ty::Struct(i) if Some(*i) == self.world.node))
                .collect();
            self.rng.pick(&vars).cloned().unwrap_or(Ty::Int)
        };
        // An array literal of trait values has no type of its own: print
        // trait arrays only from variables.
        let untyped = matches!(&ty, Ty::Array(e) if matches!(**e, Ty::Trait(_)));
        let e = match self.readable_var(&ty) {
            Some(v) if untyped || self.rng.chance(40) => v,
            _ if untyped => self.expr(&Ty::Int, 2).text(),
            _ => self.expr(&ty, 2).text(),
        };
        if self.rng.chance(15) {
            self.out.line(&format!("print({e});"));
            self.out.line("print(\" \");");
            self.out.line("println();");
        } else {
            self.out.line(&format!("println({e});"));
        }
        true
    }

    /// A call whose result is dropped: a function, closure or method.
    fn call_statement(&mut self) -> bool {
        let mut types = vec![Ty::Int, Ty::Str, Ty::Float, Ty::Bool, Ty::array(Ty::Int)];
        types.extend(self.world.plain_structs().into_iter().map(Ty::Struct));
        types.extend((0..self.world.enums.len()).map(Ty::Enum));
        let start = self.rng.below(types.len() as u64) as usize;
        for k in 0..types.len() {
            let Some(ty) = types.get((start + k) % types.len()).cloned() else {
                continue;
            };
            if let Some(e) = self.call_returning(&ty, 2) {
                self.out.line(&format!("{};", e.text()));
                return true;
            }
        }
        false
    }

    fn break_or_continue(&mut self) -> bool {
        let c = self.condition();
        let word = if self.rng.chance(50) {
            "break"
        } else {
            "continue"
        };
        self.out.open(&format!("if {c} {{"));
        self.out.line(&format!("{word};"));
        self.out.close("}");
        true
    }

    fn early_return(&mut self) -> bool {
        let Some(ret) = self.ret.clone() else {
            return false;
        };
        let c = self.condition();
        let v = self.stored(&ret, 2);
        self.out.open(&format!("if {c} {{"));
        self.out.line(&format!("return {v};"));
        self.out.close("}");
        true
    }

    /// Builds a linked list of `Node`s (nullable `next`), walks it with a
    /// bounded loop and keeps the sum: exercises `nil` compares and the
    /// collector's tracing of long chains.
    fn linked_list(&mut self) -> bool {
        let Some(node) = self.world.node else {
            return false;
        };
        let trips = self.trip_count(MAX_TRIPS * 3);
        if !self.affords(Cost::alloc().times(trips)) {
            return false;
        }
        self.charge(Cost::alloc().times(trips).plus(Cost::steps(4).times(trips)));
        let (head, i) = (self.fresh_named("head"), self.fresh_named("i"));
        let (cur, sum) = (self.fresh_named("cur"), self.fresh_named("sum"));
        self.out.line(&format!("var {head}: S{node} = nil;"));
        self.out.open(&format!("for {i} in 0..{trips} {{"));
        let v = self.in_loop(trips, |g| {
            g.scope.add(Var::new(i.clone(), Ty::Int, false));
            g.expr(&Ty::Int, 1).text()
        });
        self.out
            .line(&format!("{head} = S{node} {{ val: {v}, next: {head} }};"));
        self.out.close("}");
        self.out.line(&format!("var {sum} = 0;"));
        self.out.line(&format!("var {cur} = {head};"));
        self.out.open(&format!("while {cur} != nil {{"));
        self.out.line(&format!("{sum} = ({sum} * 31) ^ {cur}.val;"));
        self.out.line(&format!("{cur} = {cur}.next;"));
        self.out.close("}");
        self.scope.add(Var::new(sum, Ty::Int, true));
        true
    }

    /// `match` as a statement, on an enum, an int or a string.
    fn match_statement(&mut self) -> bool {
        match self.rng.below(3) {
            0 if !self.world.enums.is_empty() => {
                let i = self.rng.below(self.world.enums.len() as u64) as usize;
                self.enum_match(i, None)
            }
            1 => self.int_match(None),
            _ => self.str_match(None),
        }
    }

    /// Arms of a `match` on enum `i`; with `value`, each arm is an
    /// expression of that type (and the whole is a `let`'s initializer).
    fn enum_match(&mut self, i: usize, value: Option<(&str, &Ty)>) -> bool {
        let Some(decl) = self.world.enums.get(i).cloned() else {
            return false;
        };
        let scrutinee = self.expr(&Ty::Enum(i), 2).text();
        self.open_match(&scrutinee, value);
        // From this variant on, one `_` arm covers the rest.
        let catch_all_from = if self.rng.chance(30) {
            self.rng.range(1, decl.variants.len() as i64 - 1).max(1) as usize
        } else {
            usize::MAX
        };
        let mut caught = false;
        for (k, (name, payload)) in decl.variants.iter().enumerate() {
            if k >= catch_all_from {
                caught = true;
                break;
            }
            if payload.first() == Some(&Ty::Int) && self.rng.chance(30) {
                let rest = vec!["_"; payload.len() - 1];
                let pat = std::iter::once(self.rng.range(-1, 3).to_string())
                    .chain(rest.into_iter().map(str::to_string))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.arm(&format!("E{i}::{name}({pat})"), Vec::new(), value);
            }
            let mut bindings = Vec::new();
            let pats: Vec<String> = payload
                .iter()
                .map(|t| {
                    if self.rng.chance(25) {
                        "_".to_string()
                    } else {
                        let n = self.fresh(t);
                        bindings.push(Var::new(n.clone(), t.clone(), false));
                        n
                    }
                })
                .collect();
            let pat = if payload.is_empty() {
                format!("E{i}::{name}")
            } else {
                format!("E{i}::{name}({})", pats.join(", "))
            };
            self.arm(&pat, bindings, value);
        }
        if caught {
            self.arm("_", Vec::new(), value);
        }
        self.close_match(value);
        true
    }

    fn int_match(&mut self, value: Option<(&str, &Ty)>) -> bool {
        let e = self.expr(&Ty::Int, 2).text();
        self.open_match(&format!("{e} % 8"), value);
        for pat in ["-7..=-1", "0", "1 | 2", "3..=5"] {
            if self.rng.chance(70) {
                self.arm(pat, Vec::new(), value);
            }
        }
        let n = self.fresh(&Ty::Int);
        self.arm(&n, vec![Var::new(n.clone(), Ty::Int, false)], value);
        self.close_match(value);
        true
    }

    fn str_match(&mut self, value: Option<(&str, &Ty)>) -> bool {
        let e = self.expr(&Ty::Str, 1).text();
        self.open_match(&e, value);
        for pat in ["\"\"", "\"a\"", "\"ab\"", "\"hello\""] {
            if self.rng.chance(50) {
                self.arm(pat, Vec::new(), value);
            }
        }
        self.arm("_", Vec::new(), value);
        self.close_match(value);
        true
    }

    fn open_match(&mut self, scrutinee: &str, value: Option<(&str, &Ty)>) {
        match value {
            Some((name, ty)) => self.out.open(&format!(
                "let {name}: {} = match {scrutinee} {{",
                ty.render()
            )),
            None => self.out.open(&format!("match {scrutinee} {{")),
        }
    }

    fn close_match(&mut self, value: Option<(&str, &Ty)>) {
        self.out.close(if value.is_some() { "};" } else { "}" });
    }

    /// One arm: `pat => expr,` (with a value) or `pat => { block }`.
    fn arm(&mut self, pat: &str, bindings: Vec<Var>, value: Option<(&str, &Ty)>) {
        self.scope.push();
        for b in bindings {
            self.scope.add(b);
        }
        match value {
            Some((_, ty)) => {
                let e = self.stored(ty, 2);
                self.out.line(&format!("{pat} => {e},"));
            }
            None => {
                self.out.open(&format!("{pat} => {{"));
                self.nesting += 1;
                self.block(2);
                self.nesting -= 1;
                self.out.close("}");
            }
        }
        self.scope.pop();
    }

    /// `let v = if c { a } else { b };` or `let v = match ... ;`.
    fn let_choice(&mut self) -> bool {
        let ty = match self.rng.below(4) {
            0 => Ty::Float,
            1 => Ty::Str,
            _ => Ty::Int,
        };
        let name = self.fresh(&ty);
        let done = match self.rng.below(4) {
            0 if !self.world.enums.is_empty() => {
                let i = self.rng.below(self.world.enums.len() as u64) as usize;
                self.enum_match(i, Some((&name, &ty)))
            }
            1 => self.int_match(Some((&name, &ty))),
            _ => {
                let c = self.condition();
                let a = self.stored(&ty, 2);
                let b = self.stored(&ty, 2);
                self.out.line(&format!(
                    "let {name}: {} = if {c} {{ {a} }} else {{ {b} }};",
                    ty.render()
                ));
                true
            }
        };
        if done {
            self.scope.add(Var::new(name, ty, false));
        }
        done
    }

    /// `let f = fn(params) -> T { statements; return e; };`, a closure that
    /// captures (and may assign) variables in scope.
    fn closure_statement(&mut self) -> bool {
        if !self.affords(CLOSURE_COST) {
            return false;
        }
        if self.rng.chance(35) && self.closure_from_factory() {
            return true;
        }
        let types = [
            (vec![Ty::Int], Ty::Int),
            (vec![Ty::Int, Ty::Int], Ty::Int),
            (vec![Ty::Str], Ty::Str),
            (vec![Ty::Int], Ty::Bool),
            (vec![], Ty::Int),
        ];
        let Some((params, ret)) = self.rng.pick(&types).cloned() else {
            return false;
        };
        self.charge(Cost::alloc());
        let name = self.fresh(&Ty::func(params.clone(), ret.clone()));
        let names: Vec<String> = params.iter().map(|p| self.fresh(p)).collect();
        let ps: Vec<String> = names
            .iter()
            .zip(&params)
            .map(|(n, p)| format!("{n}: {}", p.render()))
            .collect();
        self.out.open(&format!(
            "let {name} = fn({}) -> {} {{",
            ps.join(", "),
            ret.render()
        ));
        self.scope.push();
        for (n, p) in names.iter().zip(&params) {
            self.scope.add(Var::new(n.clone(), p.clone(), true));
        }
        let wanted = self.rng.range(1, 3) as usize;
        let nesting = std::mem::replace(&mut self.nesting, 1);
        let (_, cost) = self.body(CLOSURE_COST, Some(ret.clone()), wanted, |g| {
            g.block(wanted);
            let r = g.stored(&ret, 2);
            g.out.line(&format!("return {r};"));
        });
        self.nesting = nesting;
        self.scope.pop();
        self.out.close("};");
        let mut v = Var::new(name, Ty::func(params, ret), false);
        v.call_cost = cost.plus(Cost::steps(2));
        self.scope.add(v);
        true
    }
}

impl Gen {
    /// `let f = make(n);`: a closure from a function that returns one, its
    /// captured variable living on after that function returned.
    fn closure_from_factory(&mut self) -> bool {
        let factories: Vec<usize> = (0..self.world.functions.len())
            .filter(|&i| {
                self.world
                    .functions
                    .get(i)
                    .is_some_and(|f| matches!(f.ret, Ty::Func(_, _)) && self.affords(f.cost))
            })
            .collect();
        let Some(f) = self
            .rng
            .pick(&factories)
            .and_then(|&i| self.world.functions.get(i))
            .cloned()
        else {
            return false;
        };
        self.charge(f.cost);
        self.calls += 1;
        let args = self.args(&f.params, 2);
        let name = self.fresh(&f.ret);
        self.out.line(&format!("let {name} = {}({args});", f.name));
        let mut v = Var::new(name, f.ret.clone(), false);
        v.call_cost = f.closure_cost.plus(Cost::steps(2));
        self.scope.add(v);
        true
    }
}

/// Whether `s` has balanced parentheses (so that stripping an outer pair
/// from `(s)` keeps the meaning).
fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

#[cfg(test)]
mod tests {
    use super::balanced;

    #[test]
    fn outer_parentheses_are_stripped_only_when_they_enclose_everything() {
        assert!(balanced("a < (b + c)"));
        assert!(!balanced("a < b) && (c"));
    }
}
