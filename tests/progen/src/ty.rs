//! The types the generator writes: the subset of `lang`'s types
//! (`spec/language.md` §2) that generated programs use.

/// A `lang` type. Declared types are numbered: struct `i` is named `S{i}`,
/// enum `i` is `E{i}` and trait `i` is `T{i}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    Int,
    Float,
    Bool,
    Str,
    Array(Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
    Struct(usize),
    Enum(usize),
    Trait(usize),
    /// A closure type; generated closures always return a value.
    Func(Vec<Ty>, Box<Ty>),
}

impl Ty {
    /// `[elem]`.
    pub fn array(elem: Ty) -> Ty {
        Ty::Array(Box::new(elem))
    }

    /// `{key: value}`.
    pub fn map(key: Ty, value: Ty) -> Ty {
        Ty::Map(Box::new(key), Box::new(value))
    }

    /// `fn(params) -> ret`.
    pub fn func(params: Vec<Ty>, ret: Ty) -> Ty {
        Ty::Func(params, Box::new(ret))
    }

    /// The type as `lang` source writes it.
    pub fn render(&self) -> String {
        match self {
            Ty::Int => "int".into(),
            Ty::Float => "float".into(),
            Ty::Bool => "bool".into(),
            Ty::Str => "str".into(),
            Ty::Array(e) => format!("[{}]", e.render()),
            Ty::Map(k, v) => format!("{{{}: {}}}", k.render(), v.render()),
            Ty::Struct(i) => format!("S{i}"),
            Ty::Enum(i) => format!("E{i}"),
            Ty::Trait(i) => format!("T{i}"),
            Ty::Func(params, ret) => {
                let ps: Vec<String> = params.iter().map(Ty::render).collect();
                format!("fn({}) -> {}", ps.join(", "), ret.render())
            }
        }
    }

    /// The prefix of a variable of this type, so that names say what they
    /// hold (`n3` is an int, `xs4` an array).
    pub fn name_prefix(&self) -> &'static str {
        match self {
            Ty::Int => "n",
            Ty::Float => "x",
            Ty::Bool => "b",
            Ty::Str => "s",
            Ty::Array(_) => "xs",
            Ty::Map(_, _) => "m",
            Ty::Struct(_) => "p",
            Ty::Enum(_) => "e",
            Ty::Trait(_) => "t",
            Ty::Func(_, _) => "f",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ty;

    #[test]
    fn renders_as_source() {
        let t = Ty::func(
            vec![Ty::array(Ty::Int), Ty::map(Ty::Str, Ty::Float)],
            Ty::Struct(2),
        );
        assert_eq!(t.render(), "fn([int], {str: float}) -> S2");
        assert_eq!(Ty::Trait(1).render(), "T1");
        assert_eq!(Ty::Enum(0).render(), "E0");
    }
}
