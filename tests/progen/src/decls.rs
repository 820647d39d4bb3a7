//! The type declarations of a program: structs (some nesting earlier
//! ones), an optional linked-list node, enums with payloads, and traits
//! implemented by several structs, whose method bodies are generated like
//! functions.

use crate::cost::Cost;
use crate::gen::Gen;
use crate::scope::Var;
use crate::ty::Ty;
use crate::world::{EnumDecl, MethodSig, StructDecl, TraitDecl};

/// What one trait method call may cost.
const METHOD_COST: Cost = Cost {
    steps: 300,
    allocs: 10,
    prints: 1,
};

/// Field names, in declaration order.
const FIELD_NAMES: &[&str] = &["a", "b", "c", "d", "e"];

/// Variant names, in declaration order.
const VARIANT_NAMES: &[&str] = &["Num", "Pair", "Text", "Empty", "Wrap"];

/// The method signatures traits choose from: name, parameters, result.
fn method_menu() -> Vec<(&'static str, Vec<Ty>, Ty)> {
    vec![
        ("score", vec![Ty::Int], Ty::Int),
        ("label", vec![], Ty::Str),
        ("weigh", vec![Ty::Float], Ty::Float),
        ("test", vec![Ty::Int, Ty::Int], Ty::Bool),
        ("size", vec![], Ty::Int),
    ]
}

/// `fn name(self, n: T, ...) -> R` with the parameters named `names`.
fn method_header(sig: &MethodSig, names: &[String]) -> String {
    let ps: String = names
        .iter()
        .zip(&sig.params)
        .map(|(n, p)| format!(", {n}: {}", p.render()))
        .collect();
    format!("fn {}(self{ps}) -> {}", sig.name, sig.ret.render())
}

impl Gen {
    /// Declares and writes every struct, enum and trait.
    pub fn declarations(&mut self) {
        self.structs();
        self.enums();
        let traits = match self.rng.below(10) {
            0 | 1 => 0,
            2 | 3 => 2,
            _ => 1,
        };
        for _ in 0..traits {
            self.trait_with_impls();
        }
    }

    fn structs(&mut self) {
        let n = self.rng.range(1, 3) as usize;
        for i in 0..n {
            let k = self.rng.range(1, 4) as usize;
            let mut fields = Vec::new();
            for name in FIELD_NAMES.iter().take(k) {
                let ty = match self.rng.below(7) {
                    0 | 1 => Ty::Int,
                    2 => Ty::Float,
                    3 => Ty::Str,
                    4 => Ty::Bool,
                    5 => Ty::array(Ty::Int),
                    _ if i > 0 => Ty::Struct(self.rng.below(i as u64) as usize),
                    _ => Ty::Int,
                };
                fields.push((name.to_string(), ty));
            }
            self.add_struct(StructDecl {
                fields,
                implements: None,
            });
        }
        if self.rng.chance(40) {
            let i = self.world.structs.len();
            self.world.node = Some(i);
            self.add_struct(StructDecl {
                fields: vec![("val".into(), Ty::Int), ("next".into(), Ty::Struct(i))],
                implements: None,
            });
        }
        self.out.blank();
    }

    /// Records and writes `struct S{i} { ... }`.
    fn add_struct(&mut self, decl: StructDecl) -> usize {
        let i = self.world.structs.len();
        let fields: Vec<String> = decl
            .fields
            .iter()
            .map(|(f, t)| format!("{f}: {}", t.render()))
            .collect();
        self.out
            .line(&format!("struct S{i} {{ {} }}", fields.join(", ")));
        self.world.structs.push(decl);
        i
    }

    fn enums(&mut self) {
        let n = self.rng.range(1, 2) as usize;
        let structs = self.world.plain_structs();
        for i in 0..n {
            let k = self.rng.range(2, VARIANT_NAMES.len() as i64) as usize;
            let mut variants = Vec::new();
            for name in VARIANT_NAMES.iter().take(k) {
                let arity = self.rng.below(3);
                let payload: Vec<Ty> = (0..arity)
                    .map(|_| match self.rng.below(5) {
                        0 | 1 => Ty::Int,
                        2 => Ty::Str,
                        3 => Ty::Float,
                        _ => self.rng.pick(&structs).map_or(Ty::Int, |&s| Ty::Struct(s)),
                    })
                    .collect();
                variants.push((name.to_string(), payload));
            }
            let text: Vec<String> = variants
                .iter()
                .map(|(name, payload)| {
                    if payload.is_empty() {
                        name.clone()
                    } else {
                        let ts: Vec<String> = payload.iter().map(Ty::render).collect();
                        format!("{name}({})", ts.join(", "))
                    }
                })
                .collect();
            self.out
                .line(&format!("enum E{i} {{ {} }}", text.join(", ")));
            self.world.enums.push(EnumDecl { variants });
        }
        self.out.blank();
    }

    /// `trait T{i}` with one to three methods, implemented by two or three
    /// new structs with scalar fields.
    fn trait_with_impls(&mut self) {
        let t = self.world.traits.len();
        let mut menu = method_menu();
        let k = self.rng.range(1, 2) as usize;
        let mut methods = Vec::new();
        for _ in 0..k {
            let i = self.rng.below(menu.len() as u64) as usize;
            if i < menu.len() {
                let (name, params, ret) = menu.remove(i);
                // Not callable until every implementation is written (so
                // a method never calls itself).
                let cost = Cost::steps(u64::MAX);
                methods.push(MethodSig {
                    name: name.into(),
                    params,
                    ret,
                    cost,
                });
            }
        }
        self.out.open(&format!("trait T{t} {{"));
        for m in &methods {
            let names: Vec<String> = (0..m.params.len()).map(|i| format!("q{i}")).collect();
            let header = method_header(m, &names);
            self.out.line(&format!("{header};"));
        }
        self.out.close("}");
        self.world.traits.push(TraitDecl {
            methods: methods.clone(),
            implementors: Vec::new(),
        });
        let mut worst = vec![Cost::default(); methods.len()];
        for _ in 0..self.rng.range(2, 3) {
            let k = self.rng.range(1, 3) as usize;
            let fields = FIELD_NAMES
                .iter()
                .take(k)
                .map(|f| {
                    let ty = match self.rng.below(3) {
                        0 => Ty::Float,
                        1 => Ty::Str,
                        _ => Ty::Int,
                    };
                    (f.to_string(), ty)
                })
                .collect();
            let s = self.add_struct(StructDecl {
                fields,
                implements: Some(t),
            });
            if let Some(tr) = self.world.traits.get_mut(t) {
                tr.implementors.push(s);
            }
            self.out.open(&format!("impl T{t} for S{s} {{"));
            for (m, sig) in methods.iter().enumerate() {
                let cost = self.method(s, sig);
                if let Some(w) = worst.get_mut(m) {
                    *w = Cost {
                        steps: w.steps.max(cost.steps),
                        allocs: w.allocs.max(cost.allocs),
                        prints: w.prints.max(cost.prints),
                    };
                }
            }
            self.out.close("}");
        }
        if let Some(tr) = self.world.traits.get_mut(t) {
            for (sig, cost) in tr.methods.iter_mut().zip(worst) {
                sig.cost = cost.plus(Cost::steps(2));
            }
        }
        self.out.blank();
    }

    /// One method of struct `s`; returns what a call costs.
    fn method(&mut self, s: usize, sig: &MethodSig) -> Cost {
        let params: Vec<(String, Ty)> = sig
            .params
            .iter()
            .map(|p| (self.fresh(p), p.clone()))
            .collect();
        let names: Vec<String> = params.iter().map(|(n, _)| n.clone()).collect();
        self.out.open(&format!("{} {{", method_header(sig, &names)));
        let saved = self.fresh_scope();
        self.scope.add(Var::new("self", Ty::Struct(s), false));
        for (n, p) in &params {
            self.scope.add(Var::new(n.clone(), p.clone(), true));
        }
        let wanted = self.rng.range(0, 2) as usize;
        let ret = sig.ret.clone();
        let (_, cost) = self.body(METHOD_COST, Some(ret.clone()), wanted, |g| {
            if wanted > 0 {
                g.block(wanted);
            }
            let r = g.stored(&ret, 2);
            g.out.line(&format!("return {r};"));
        });
        self.scope = saved;
        self.out.close("}");
        cost
    }
}
