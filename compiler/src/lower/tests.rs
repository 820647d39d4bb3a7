//! Unit tests of lowering: compiled programs verify, and the choices the
//! module documentation names (cells, inlining, line tables) hold.

fn compile_verified(src: &str) -> lang_bytecode::Module {
    let m = match crate::compile("t.src", src) {
        Ok(m) => m,
        Err(d) => panic!("{}", d.render(false)),
    };
    if let Err(e) = lang_bytecode::check(&m) {
        panic!("{e}\n{}", lang_bytecode::disasm::disassemble(&m));
    }
    m
}

#[test]
fn card_program_verifies() {
    compile_verified(include_str!("../testdata/card.src"));
}

#[test]
fn captured_variables_use_cells_only_when_assigned() {
    use lang_bytecode::types::Type as T;
    let m = compile_verified(
        "fn counter() -> fn() -> int { var n = 0; return fn() -> int { n += 1; return n; }; }
         fn loop_closures() -> [fn() -> int] {
             var fs: [fn() -> int] = [];
             for i in 0..3 { fs.push(fn() -> int { return i; }); }
             return fs;
         }",
    );
    let lambdas: Vec<_> = m
        .functions
        .iter()
        .filter(|f| f.name == "<lambda>")
        .collect();
    assert_eq!(lambdas.len(), 2);
    let is_cell = |t: u32| matches!(m.types[t as usize], T::Cell(_));
    // The counter's `n` is assigned inside the closure: shared cell.
    assert!(is_cell(lambdas[0].captures[0]));
    // A loop variable is never assigned: captured by value, one per
    // iteration.
    assert!(!is_cell(lambdas[1].captures[0]));
}

#[test]
fn only_calls_of_tiny_pure_functions_with_simple_arguments_are_inlined() {
    use lang_bytecode::Instr;
    let m = compile_verified(
        "fn add(a: int, b: int) -> int { return a + b * 2; }
         fn div(a: int, b: int) -> int { return a / b; }
         fn half(a: int) -> int { return a / 2; }
         fn twice(a: int) -> int { let b = a; return b * 2; }
         fn deep(a: int) -> int { return add(a, 1); }
         fn name(a: int) -> str { return \"n\"; }
         fn main() {
             let x = 4;
             println(add(x, 3));     // inlined
             println(add(x + 1, 3)); // call: the argument is an expression
             println(div(x, 2));     // call: may divide by zero
             println(half(x));       // inlined: a nonzero literal divisor
             println(twice(x));      // call: the body has a statement
             println(deep(x));       // call: the body calls
             println(name(x));       // call: not a number
         }",
    );
    let id = |name: &str| m.functions.iter().position(|f| f.name == name).expect(name) as u32;
    let main = &m.functions[id("main") as usize];
    let called: Vec<u32> = main
        .code
        .iter()
        .filter_map(|i| match i {
            Instr::Call { f, .. } => Some(*f),
            _ => None,
        })
        .collect();
    assert_eq!(
        called,
        vec![id("add"), id("div"), id("twice"), id("deep"), id("name")]
    );
}

#[test]
fn line_tables_name_source_lines() {
    let m = compile_verified("fn f() -> int {\n    let x = 1;\n    return x + 2;\n}\n");
    let f = m.functions.iter().find(|f| f.name == "f").expect("f");
    assert_eq!(f.lines.len(), f.code.len());
    assert!(
        f.lines.contains(&2) && f.lines.contains(&3),
        "{:?}",
        f.lines
    );
    assert_eq!(m.source_name, "t.src");
}

#[test]
fn output_is_deterministic() {
    let src = include_str!("../testdata/features.src");
    let a = lang_bytecode::encode(&compile_verified(src));
    let b = lang_bytecode::encode(&compile_verified(src));
    assert_eq!(a, b);
}

#[test]
fn features_verify() {
    compile_verified(include_str!("../testdata/features.src"));
}

mod depth_tests {
    /// Nesting just below the limit compiles on a default 2 MiB test thread,
    /// in every recursive shape the checker and lowering have.
    #[test]
    fn nesting_at_the_limit_compiles_on_a_small_stack() {
        let n = crate::check::MAX_NESTING - 10;
        let shapes = [
            format!("let x = {}1{};", "-(".repeat(n), ")".repeat(n)),
            format!("let x = {}1{};", "[".repeat(n), "]".repeat(n)),
            format!("let x = {}1{};", "1 + (".repeat(n), ")".repeat(n)),
            format!(
                "fn f(x: int) -> int {{ return x; }} let x = {}1{};",
                "f(".repeat(n),
                ")".repeat(n)
            ),
            format!(
                "fn g() {{ {}println(1);{} }}",
                "if true { ".repeat(n / 2),
                " }".repeat(n / 2)
            ),
            format!(
                "let x = {}1{};",
                "match 1 { _ => ".repeat(n / 2),
                " }".repeat(n / 2)
            ),
            format!(
                "let x = {}1{};",
                "fn() -> int { return ".repeat(n / 3),
                "; }()".repeat(n / 3)
            ),
        ];
        for src in shapes {
            let handle = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || {
                    crate::compile("t.src", &src)
                        .map(|_| ())
                        .map_err(|d| d.render(false))
                })
                .expect("spawn");
            let r = handle.join().expect("no stack overflow");
            if let Err(e) = r {
                panic!("{e}");
            }
        }
    }
}

#[test]
fn generic_program_holds_only_concrete_types() {
    // Generics are monomorphised: the module names every instance with its
    // arguments and holds no generic template, no type parameter and no
    // instance that mentions one, so the verifier and the runtime see a
    // program like any other.
    let m = compile_verified(
        "struct Stack<T> { items: [T] }
         impl<T> Stack<T> {
             fn new() -> Stack<T> { return Stack { items: [] }; }
             fn push(self, x: T) { self.items.push(x); }
             fn map<U>(self, f: fn(T) -> U) -> Stack<U> {
                 let out: Stack<U> = Stack::new();
                 for x in self.items { out.push(f(x)); }
                 return out;
             }
         }
         enum Tree<T> { Leaf(T), Node(Tree<T>, Tree<T>) }
         fn largest<T>(xs: [T], less: fn(T, T) -> bool) -> T {
             var best = xs[0];
             for x in xs { if less(best, x) { best = x; } }
             return best;
         }
         fn unused<T>(x: T) -> (T, T) { return (x, x); }
         fn main() {
             let s: Stack<int> = Stack::new();
             s.push(1);
             println(s.map(fn(x: int) -> str { return str(x); }).items);
             println(largest([1, 2], fn(a: int, b: int) -> bool { return a < b; }));
             println(Tree::Node(Tree::Leaf(1.5), Tree::Leaf(2.5)));
         }",
    );
    let structs: Vec<&str> = m.structs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(structs, ["Stack<int>", "Stack<str>"]);
    let enums: Vec<&str> = m.enums.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(enums, ["Tree<float>"]);
    let mut names: Vec<&str> = m.functions.iter().map(|f| f.name.as_str()).collect();
    names.retain(|n| !n.starts_with('<') && *n != "main");
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "Stack<int>::map<str>",
            "Stack<int>::new",
            "Stack<int>::push",
            "Stack<str>::new",
            "Stack<str>::push",
            "largest<int>",
        ]
    );
    // No name anywhere mentions a type parameter.
    let listing = lang_bytecode::disasm::disassemble(&m);
    for word in ["<T>", "<U>", "<T,", "(T, T)", "[T]", "unused"] {
        assert!(!listing.contains(word), "`{word}` in:\n{listing}");
    }
}

#[test]
fn structural_equality_is_one_generated_function_per_type() {
    use lang_bytecode::Instr;
    let m = compile_verified(
        "enum E { A(int, E), B }
         struct S { x: int }
         fn main() {
             println((1, \"a\") == (1, \"a\"));
             println((2, \"b\") != (1, \"a\"));
             println(E::B == E::A(1, E::B));
             println(Some(1) == None);
             let s = S { x: 1 };
             println(s == s);
             println([(1, \"a\")].contains((1, \"a\")));
             println([s].contains(s));
         }",
    );
    let mut eqs: Vec<&str> = m
        .functions
        .iter()
        .map(|f| f.name.as_str())
        .filter(|n| n.starts_with("=="))
        .collect();
    eqs.sort_unstable();
    // One each for the tuple type, the enum and the prelude's instance;
    // the struct compares by identity.
    assert_eq!(eqs, ["==<(int, str)>", "==<E>", "==<Option<int>>"]);
    // Searching an array of tuples uses a generated search; an array of
    // structs keeps the native.
    let searches = m
        .functions
        .iter()
        .filter(|f| f.name.starts_with("index_of<"))
        .count();
    assert_eq!(searches, 1);
    // Structs compare with the identity instruction, in `main`.
    let main = m.functions.iter().find(|f| f.name == "main");
    let refs = main.map_or(0, |f| {
        f.code
            .iter()
            .filter(|i| matches!(i, Instr::EqR { .. }))
            .count()
    });
    assert_eq!(refs, 1);
}
