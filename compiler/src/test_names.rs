//! Finding the test functions of a source file (`test fn name()`) without
//! compiling it, so that `lang test` knows which runs to make and skips a
//! file with none without compiling it.

use crate::lexer::{Lexer, Tok};

/// A test function as written: its name and the line of `test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestName {
    pub name: String,
    pub line: u32,
}

/// The test functions of `source`, in the order they are written. Only
/// the lexer runs: a name is listed even when the file does not compile,
/// which compiling it then reports.
pub fn test_names(source: &str) -> Vec<TestName> {
    let toks: Vec<(usize, Tok<'_>)> = Lexer::new(source)
        .flatten()
        .map(|(start, tok, _)| (start, tok))
        .collect();
    let mut found = Vec::new();
    for w in toks.windows(3) {
        if let [(at, Tok::Test), (_, Tok::Fn), (_, Tok::Ident(name))] = w {
            if found.iter().all(|t: &TestName| t.name != *name) {
                found.push(TestName {
                    name: name.to_string(),
                    line: line_of(source, *at),
                });
            }
        }
    }
    found
}

/// The 1-based line of byte `offset` in `source`.
fn line_of(source: &str, offset: usize) -> u32 {
    let before = source.get(..offset).unwrap_or(source);
    u32::try_from(before.matches('\n').count() + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_tests_in_order_with_their_lines() {
        let src = "fn helper(test: int) -> int { return test; }\n\
                   test fn adds() { }\n\
                   // test fn commented() { }\n\
                   let s = \"test fn in_a_string() { }\";\n\
                   test fn subtracts() { }\n";
        let names: Vec<(String, u32)> = test_names(src)
            .into_iter()
            .map(|t| (t.name, t.line))
            .collect();
        assert_eq!(
            names,
            vec![("adds".to_string(), 2), ("subtracts".to_string(), 5)]
        );
    }

    #[test]
    fn a_file_without_tests_has_none() {
        assert!(test_names("fn main() { println(1); }").is_empty());
        assert!(test_names("test").is_empty());
        assert!(test_names("test fn").is_empty());
    }
}
