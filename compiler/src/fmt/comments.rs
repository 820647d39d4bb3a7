//! Finds the comments of a source file, which the lexer skips, so that the
//! formatter can put them back: a side channel beside the AST rather than a
//! part of the grammar.

/// A `//` or `/* */` comment: its byte range and whether code precedes it
/// on its line (a trailing comment, kept at the end of that line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment {
    pub start: usize,
    pub end: usize,
    pub trailing: bool,
}

/// Where the scanner is: in code, or in a string literal. Interpolations
/// (`${ ... }`) are code inside a string, so the states form a stack.
#[derive(Clone, Copy)]
enum State {
    /// Code, with the number of `{` not yet closed since it began (an
    /// interpolation ends at the `}` that brings this back below zero).
    Code(usize),
    Str,
}

/// Every comment of `source`, in order, skipping string literals (a `//`
/// inside a string is text). `from` is where code starts (after a shebang).
pub fn scan(source: &str, from: usize) -> Vec<Comment> {
    let bytes = source.as_bytes();
    let mut comments = Vec::new();
    let mut stack = vec![State::Code(0)];
    let mut i = from;
    let mut code_on_line = false;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        match stack.last().copied().unwrap_or(State::Code(0)) {
            State::Str => match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'$' if next == Some(b'{') => {
                    stack.push(State::Code(0));
                    i += 1;
                }
                _ => {}
            },
            State::Code(depth) => match c {
                b'/' if next == Some(b'/') => {
                    let end = source[i..].find('\n').map_or(bytes.len(), |n| i + n);
                    comments.push(Comment {
                        start: i,
                        end,
                        trailing: code_on_line,
                    });
                    i = end;
                    continue;
                }
                b'/' if next == Some(b'*') => {
                    let end = block_comment_end(bytes, i);
                    comments.push(Comment {
                        start: i,
                        end,
                        trailing: code_on_line,
                    });
                    i = end;
                    continue;
                }
                b'"' => {
                    code_on_line = true;
                    stack.push(State::Str);
                }
                b'{' => {
                    code_on_line = true;
                    set_depth(&mut stack, depth + 1);
                }
                b'}' => {
                    code_on_line = true;
                    if depth == 0 && stack.len() > 1 {
                        stack.pop();
                    } else {
                        set_depth(&mut stack, depth.saturating_sub(1));
                    }
                }
                b'\n' => code_on_line = false,
                b' ' | b'\t' | b'\r' => {}
                _ => code_on_line = true,
            },
        }
        i += 1;
    }
    comments
}

fn set_depth(stack: &mut [State], depth: usize) {
    if let Some(top) = stack.last_mut() {
        *top = State::Code(depth);
    }
}

/// The end of the (nested) block comment that opens at `start`.
fn block_comment_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < bytes.len() {
        if bytes[i] == b'/' && bytes[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}
