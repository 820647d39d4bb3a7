//! Deliberate runtime errors: a fraction of programs carries one, placed
//! at a random statement of a random body (possibly behind a condition,
//! possibly in code that never runs), so that every configuration must
//! report the same error with the same stack trace after the same output.

use crate::gen::Gen;
use crate::ty::Ty;

/// The runtime errors (and the one deliberate exit) a program may end in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    DivisionByZero,
    RemainderByZero,
    IndexPastTheEnd,
    NegativeIndex,
    NilField,
    NilMethod,
    NilClosure,
    NilMatch,
    NanToInt,
    InfinityToInt,
    MissingKey,
    Panic,
    FailedAssert,
    Exit,
    StackOverflow,
    NegativeRepeat,
    SubstrOutOfRange,
    BadParse,
    PopEmpty,
    BadChr,
}

/// Every fault, for choosing one.
const ALL: [Fault; 20] = [
    Fault::DivisionByZero,
    Fault::RemainderByZero,
    Fault::IndexPastTheEnd,
    Fault::NegativeIndex,
    Fault::NilField,
    Fault::NilMethod,
    Fault::NilClosure,
    Fault::NilMatch,
    Fault::NanToInt,
    Fault::InfinityToInt,
    Fault::MissingKey,
    Fault::Panic,
    Fault::FailedAssert,
    Fault::Exit,
    Fault::StackOverflow,
    Fault::NegativeRepeat,
    Fault::SubstrOutOfRange,
    Fault::BadParse,
    Fault::PopEmpty,
    Fault::BadChr,
];

impl Fault {
    /// A fault chosen by the dice.
    pub fn random(g: &mut Gen) -> Fault {
        g.rng.pick(&ALL).copied().unwrap_or(Fault::Panic)
    }
}

impl Gen {
    /// Writes the pending fault here (behind a condition a third of the
    /// time) and clears it.
    pub fn place_fault(&mut self) {
        let Some(fault) = self.fault.take() else {
            return;
        };
        let guarded = self.rng.chance(33);
        if guarded {
            let c = self.expr(&Ty::Bool, 1).text();
            self.out.open(&format!("if {c} {{"));
        }
        self.in_block(|g| g.write_fault(fault));
        if guarded {
            self.out.close("}");
        }
    }

    fn write_fault(&mut self, fault: Fault) {
        let n = self.expr(&Ty::Int, 1).text();
        let line = match fault {
            Fault::DivisionByZero | Fault::RemainderByZero => {
                let z = self.fresh(&Ty::Int);
                self.out.line(&format!("let {z} = {n} - {n};"));
                let op = if fault == Fault::DivisionByZero {
                    "/"
                } else {
                    "%"
                };
                let a = self.expr(&Ty::Int, 1).text();
                format!("println({a} {op} {z});")
            }
            Fault::IndexPastTheEnd | Fault::NegativeIndex => {
                let arrays = self.array_paths(&Ty::Int);
                let xs = match self.rng.pick(&arrays).cloned() {
                    Some(p) => p,
                    None => {
                        let xs = self.fresh(&Ty::array(Ty::Int));
                        self.out.line(&format!("let {xs} = [1, 2, 3];"));
                        xs
                    }
                };
                if fault == Fault::IndexPastTheEnd {
                    format!("println({xs}[{xs}.len() + ({n} & 3)]);")
                } else {
                    format!("println({xs}[-1 - ({n} & 3)]);")
                }
            }
            Fault::NilField => match self.world.plain_structs().first().copied() {
                Some(s) => {
                    let p = self.fresh(&Ty::Struct(s));
                    self.out.line(&format!("let {p}: S{s} = nil;"));
                    let f = self
                        .world
                        .fields(s)
                        .first()
                        .map_or("a".into(), |f| f.0.clone());
                    format!("println({p}.{f});")
                }
                None => self.nil_closure(),
            },
            Fault::NilMethod => match self.world.traits.first().cloned() {
                Some(t) if !t.methods.is_empty() => {
                    let v = self.fresh(&Ty::Trait(0));
                    self.out.line(&format!("let {v}: T0 = nil;"));
                    let m = t.methods.first().cloned();
                    let (name, params) = m.map(|m| (m.name, m.params)).unwrap_or_default();
                    let args = self.args(&params, 1);
                    format!("println({v}.{name}({args}));")
                }
                _ => self.nil_closure(),
            },
            Fault::NilClosure => self.nil_closure(),
            Fault::NilMatch => match self.world.enums.first().cloned() {
                Some(e) => {
                    let v = self.fresh(&Ty::Enum(0));
                    self.out.line(&format!("let {v}: E0 = nil;"));
                    self.out.open(&format!("match {v} {{"));
                    for (name, payload) in &e.variants {
                        let pat = if payload.is_empty() {
                            format!("E0::{name}")
                        } else {
                            let blanks = vec!["_"; payload.len()];
                            format!("E0::{name}({})", blanks.join(", "))
                        };
                        self.out.line(&format!("{pat} => println(\"{name}\"),"));
                    }
                    self.out.close("}");
                    return;
                }
                None => self.nil_closure(),
            },
            Fault::NanToInt => {
                let x = self.expr(&Ty::Float, 1).text();
                format!("println(int({x} + 0.0 / 0.0));")
            }
            Fault::InfinityToInt => {
                let big = self
                    .rng
                    .pick(&["1e300 * 1e300", "9.3e18", "-1e19"])
                    .copied();
                format!("println(int({}));", big.unwrap_or("1e300 * 1e300"))
            }
            Fault::MissingKey => {
                let m = self.fresh(&Ty::map(Ty::Int, Ty::Int));
                self.out.line(&format!("let {m} = {{1: 2, 3: 4}};"));
                format!("println({m}[100 + ({n} & 3)]);")
            }
            Fault::Panic => {
                let s = self.expr(&Ty::Str, 1).text();
                format!("panic(\"deliberate: \" + {s});")
            }
            Fault::FailedAssert => format!("assert({n} != {n}, \"a value differs from itself\");"),
            Fault::Exit => format!("exit({});", self.rng.below(10)),
            Fault::StackOverflow => format!("println(deep(1000000 + ({n} & 1)));"),
            Fault::NegativeRepeat => format!("println([0; -1 - ({n} & 7)]);"),
            Fault::SubstrOutOfRange => {
                let s = self.expr(&Ty::Str, 1).text();
                let v = self.fresh(&Ty::Str);
                self.out.line(&format!("let {v} = {s};"));
                format!("println({v}.substr(0, {v}.len() + 1));")
            }
            Fault::BadParse => {
                format!("println(parse_int(str({n}) + \"x\"));")
            }
            Fault::PopEmpty => {
                let v = self.fresh(&Ty::array(Ty::Int));
                self.out.line(&format!("var {v}: [int] = [];"));
                format!("println({v}.pop());")
            }
            Fault::BadChr => format!("println(chr(-1 - ({n} & 7)));"),
        };
        self.out.line(&line);
    }

    /// Calling a `nil` closure; returns the call's line.
    fn nil_closure(&mut self) -> String {
        let f = self.fresh(&Ty::func(vec![Ty::Int], Ty::Int));
        self.out.line(&format!("let {f}: fn(int) -> int = nil;"));
        format!("println({f}(1));")
    }
}
