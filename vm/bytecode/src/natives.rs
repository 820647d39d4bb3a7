//! The built-in functions and methods the runtime implements natively.
//!
//! One table serves three readers: the compiler resolves prelude calls and
//! methods on built-in types by `(receiver, name)`, the verifier checks each
//! `call.n` against the signature, and the runtime dispatches on `Native`.
//! A native's number is its position here and is part of the `.bc` format:
//! append new natives, never reorder.
//!
//! Signatures use patterns: `T` is the element type of the array argument, `K`
//! and `V` the key and value types of the map argument. The first parameter of
//! a method is its receiver.

/// What a native is called on: nothing (a prelude function) or a method
/// receiver of a built-in type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receiver {
    None,
    Str,
    Float,
    Array,
    Map,
}

/// A type pattern in a native signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pat {
    Int,
    Float,
    Bool,
    Str,
    /// `[T]`: binds T.
    ArrayT,
    /// The element type T bound by an `ArrayT` argument.
    T,
    /// `[str]`.
    ArrayStr,
    /// `[int]`, `[float]` or `[str]`: what `sort()` accepts.
    Sortable,
    /// `fn(T, T) -> bool`.
    LessFn,
    /// `{K: V}`: binds K and V.
    MapKV,
    K,
    V,
    /// `[K]`.
    ArrayK,
    /// `[V]`.
    ArrayV,
}

macro_rules! natives {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $name:literal, $recv:ident, [$($p:ident),*], $ret:tt; )*) => {
        /// A native function; its discriminant is its id in `call.n`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u16)]
        pub enum Native { $( $(#[doc = $doc])+ $variant ),* }

        /// Every native in id order: `ALL_NATIVES[n as usize] == n`.
        pub const ALL_NATIVES: &[Native] = &[$(Native::$variant),*];

        impl Native {
            /// The name the program uses (a function or method name).
            pub const fn name(self) -> &'static str {
                match self { $(Native::$variant => $name),* }
            }
            pub const fn receiver(self) -> Receiver {
                match self { $(Native::$variant => Receiver::$recv),* }
            }
            /// Parameter patterns, receiver first for methods.
            pub const fn params(self) -> &'static [Pat] {
                match self { $(Native::$variant => &[$(Pat::$p),*]),* }
            }
            /// Result pattern, `None` when it returns nothing.
            pub const fn ret(self) -> Option<Pat> {
                match self { $(Native::$variant => natives!(@ret $ret)),* }
            }
            pub const fn doc(self) -> &'static str {
                match self { $(Native::$variant => concat!($($doc),+)),* }
            }
        }
    };
    (@ret none) => { None };
    (@ret $p:ident) => { Some(Pat::$p) };
}

impl Native {
    /// The native with this id, if there is one.
    pub fn from_id(id: u16) -> Option<Native> {
        ALL_NATIVES.get(id as usize).copied()
    }

    /// The native a program means by `name` called on `receiver`.
    pub fn lookup(receiver: Receiver, name: &str) -> Option<Native> {
        ALL_NATIVES
            .iter()
            .copied()
            .find(|n| n.receiver() == receiver && n.name() == name)
    }
}

natives! {
    /// The next line of stdin with its `\n`; `""` at end of input.
    ReadLine = "read_line", None, [], Str;
    /// The program's command-line arguments.
    Args = "args", None, [], ArrayStr;
    /// Ends the program with the exit code.
    Exit = "exit", None, [Int], none;
    /// Runtime error with the message.
    Panic = "panic", None, [Str], none;
    /// Runtime error with the message if the condition is false.
    Assert = "assert", None, [Bool, Str], none;
    /// Monotonic seconds.
    Clock = "clock", None, [], Float;
    /// Parses a decimal int; runtime error on bad text.
    ParseInt = "parse_int", None, [Str], Int;
    /// Parses a float; runtime error on bad text.
    ParseFloat = "parse_float", None, [Str], Float;
    /// Square root.
    Sqrt = "sqrt", None, [Float], Float;
    /// Sine.
    Sin = "sin", None, [Float], Float;
    /// Cosine.
    Cos = "cos", None, [Float], Float;
    /// Tangent.
    Tan = "tan", None, [Float], Float;
    /// Arc tangent.
    Atan = "atan", None, [Float], Float;
    /// Arc tangent of y/x using both signs.
    Atan2 = "atan2", None, [Float, Float], Float;
    /// e to the power.
    Exp = "exp", None, [Float], Float;
    /// Natural logarithm.
    Log = "log", None, [Float], Float;
    /// Power.
    Pow = "pow", None, [Float, Float], Float;
    /// Round down.
    Floor = "floor", None, [Float], Float;
    /// Round up.
    Ceil = "ceil", None, [Float], Float;
    /// Absolute value of an int (wrapping at MIN).
    AbsI = "abs", None, [Int], Int;
    /// Absolute value of a float.
    AbsF = "abs", None, [Float], Float;
    /// Smaller int.
    MinI = "min", None, [Int, Int], Int;
    /// Smaller float.
    MinF = "min", None, [Float, Float], Float;
    /// Larger int.
    MaxI = "max", None, [Int, Int], Int;
    /// Larger float.
    MaxF = "max", None, [Float, Float], Float;
    /// The one-character string of a Unicode scalar value; error if invalid.
    Chr = "chr", None, [Int], Str;
    /// The Unicode scalar value of the first character; error if empty.
    Ord = "ord", None, [Str], Int;
    /// The byte at index i; error if out of bounds.
    StrByte = "byte", Str, [Str, Int], Int;
    /// Bytes a..b; error if out of bounds or not on character boundaries.
    Substr = "substr", Str, [Str, Int, Int], Str;
    /// Byte index of the first occurrence, or -1.
    Find = "find", Str, [Str, Str], Int;
    /// Whether the string contains the other.
    StrContains = "contains", Str, [Str, Str], Bool;
    /// Prefix test.
    StartsWith = "starts_with", Str, [Str, Str], Bool;
    /// Suffix test.
    EndsWith = "ends_with", Str, [Str, Str], Bool;
    /// Splits on a separator; error if the separator is empty.
    Split = "split", Str, [Str, Str], ArrayStr;
    /// Removes leading and trailing white space.
    Trim = "trim", Str, [Str], Str;
    /// Upper case.
    ToUpper = "to_upper", Str, [Str], Str;
    /// Lower case.
    ToLower = "to_lower", Str, [Str], Str;
    /// Replaces every occurrence of a with b.
    Replace = "replace", Str, [Str, Str, Str], Str;
    /// The characters, each as a string.
    Chars = "chars", Str, [Str], ArrayStr;
    /// Fixed-point text with the given number of digits (0..=100).
    ToFixed = "to_fixed", Float, [Float, Int], Str;
    /// Removes and returns the last element; error if empty.
    ArrPop = "pop", Array, [ArrayT], T;
    /// Inserts at index i (0..=len); error otherwise.
    ArrInsert = "insert", Array, [ArrayT, Int, T], none;
    /// Removes and returns the element at i; error if out of bounds.
    ArrRemove = "remove", Array, [ArrayT, Int], T;
    /// A new array of elements a..b; error if out of bounds.
    ArrSlice = "slice", Array, [ArrayT, Int, Int], ArrayT;
    /// Reverses in place.
    ArrReverse = "reverse", Array, [ArrayT], none;
    /// Removes every element.
    ArrClear = "clear", Array, [ArrayT], none;
    /// Index of the first element equal to x (as `==` compares), or -1.
    ArrIndexOf = "index_of", Array, [ArrayT, T], Int;
    /// Whether an element equals x (as `==` compares).
    ArrContains = "contains", Array, [ArrayT, T], Bool;
    /// Sorts ints, floats (total order) or strings (bytewise) ascending.
    ArrSort = "sort", Array, [Sortable], none;
    /// Retired: `sort_by` is the prelude's `[T]::sort_by`, and the verifier
    /// refuses this id. Its patterns still check the method's arguments.
    ArrSortBy = "sort_by", Array, [ArrayT, LessFn], none;
    /// Joins strings with a separator.
    ArrJoin = "join", Array, [ArrayStr, Str], Str;
    /// Number of entries.
    MapLen = "len", Map, [MapKV], Int;
    /// The value for k, or the default.
    MapGetOr = "get", Map, [MapKV, K, V], V;
    /// Whether k is present.
    MapHas = "has", Map, [MapKV, K], Bool;
    /// Removes k if present.
    MapRemove = "remove", Map, [MapKV, K], none;
    /// The keys in insertion order.
    MapKeys = "keys", Map, [MapKV], ArrayK;
    /// The values in insertion order.
    MapValues = "values", Map, [MapKV], ArrayV;
    /// Array length, for `len()` called as a method value path; same as `len.a`.
    ArrLen = "len", Array, [ArrayT], Int;
    /// String length in bytes; same as `len.s`.
    StrLen = "len", Str, [Str], Int;
    /// Appends x; same as `push`.
    ArrPush = "push", Array, [ArrayT, T], none;
    /// Writes the string to stderr (after flushing stdout, so the two
    /// streams interleave as the program wrote them).
    EPrint = "eprint", None, [Str], none;
    /// Writes the string and a newline to stderr, like `eprint`.
    EPrintln = "eprintln", None, [Str], none;
    /// Writes a snapshot image of the running program to the path: false
    /// in the run that wrote it, true in a run resumed from it.
    Checkpoint = "checkpoint", None, [Str], Bool;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positions() {
        for (i, n) in ALL_NATIVES.iter().enumerate() {
            assert_eq!(*n as usize, i);
            assert_eq!(Native::from_id(i as u16), Some(*n));
        }
    }

    #[test]
    fn lookup_tells_receivers_apart() {
        assert_eq!(
            Native::lookup(Receiver::Str, "contains"),
            Some(Native::StrContains)
        );
        assert_eq!(
            Native::lookup(Receiver::Array, "contains"),
            Some(Native::ArrContains)
        );
        assert_eq!(Native::lookup(Receiver::None, "contains"), None);
    }
}
