//! Small text helpers of the assembler: splitting operand lists at the
//! commas that separate them, reading quoted strings as the disassembler
//! writes them (Rust's `{:?}`), and the `<bad …>` forms of raw indices.

/// Each character of `text` with its byte index and bracket depth: openers
/// `( [ { <` count at the depth outside them, closers at the depth after
/// them, so an unmatched closer has depth -1. The `>` of `->` closes nothing.
pub fn scan(text: &str) -> impl Iterator<Item = (usize, char, isize)> + '_ {
    let mut depth = 0isize;
    let mut previous = '\0';
    text.char_indices().map(move |(i, c)| {
        let at = match c {
            '(' | '[' | '{' | '<' => {
                depth += 1;
                depth - 1
            }
            '>' if previous == '-' => depth,
            ')' | ']' | '}' | '>' => {
                depth -= 1;
                depth
            }
            _ => depth,
        };
        previous = c;
        (i, c, at)
    })
}

/// Splits `text` once at the first `separator` outside brackets.
pub fn split_top_level_once(text: &str, separator: char) -> Option<(&str, &str)> {
    let (i, _, _) = scan(text).find(|(_, c, d)| *c == separator && *d == 0)?;
    Some((text.get(..i)?, text.get(i + separator.len_utf8()..)?))
}

/// Splits `text` at the commas that are not inside brackets, trimming each
/// part: `int, fn(int, str) -> bool` is two parts. An empty (all-blank)
/// text has no parts.
pub fn split_top_level(text: &str) -> Vec<&str> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    let mut parts = Vec::new();
    let mut start = 0usize;
    for (i, c, depth) in scan(text) {
        if c == ',' && depth == 0 {
            parts.push(text.get(start..i).unwrap_or("").trim());
            start = i + 1;
        }
    }
    parts.push(text.get(start..).unwrap_or("").trim());
    parts
}

/// Reads a string as `{:?}` prints it, `"a\"b\n"`, from the start of `text`;
/// returns the string and the rest of `text` after the closing quote.
pub fn parse_quoted(text: &str) -> Result<(String, &str), String> {
    let Some(body) = text.strip_prefix('"') else {
        return Err(format!("expected a quoted string, found `{text}`"));
    };
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, body.get(i + 1..).unwrap_or(""))),
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '0' => out.push('\0'),
                    '\\' | '"' | '\'' => out.push(e),
                    'u' => out.push(unicode_escape(&mut chars)?),
                    other => return Err(format!("unknown escape `\\{other}` in a string")),
                }
            }
            _ => out.push(c),
        }
    }
    Err("unterminated string".to_string())
}

/// The most hex digits a `\u{…}` escape has (the largest scalar is 10FFFF).
const MAX_UNICODE_DIGITS: usize = 6;

/// The character of a `\u{HEX}` escape, the `\u` already read.
fn unicode_escape(chars: &mut std::str::CharIndices<'_>) -> Result<char, String> {
    if chars.next().map(|(_, c)| c) != Some('{') {
        return Err("`\\u` must be followed by `{`".to_string());
    }
    let mut digits = String::new();
    for (_, c) in chars.by_ref() {
        if c == '}' {
            return u32::from_str_radix(&digits, 16)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| format!("`\\u{{{digits}}}` is not a character"));
        }
        if digits.len() >= MAX_UNICODE_DIGITS {
            break;
        }
        digits.push(c);
    }
    Err("unterminated `\\u{…}` escape".to_string())
}

/// The raw index of a `<bad WHAT N>` form, which the disassembler prints
/// for an index that names nothing: `bad_index("<bad type 9>", "type")` is 9.
pub fn bad_index(text: &str, what: &str) -> Option<i64> {
    let inner = text.strip_prefix("<bad ")?.strip_suffix('>')?;
    inner.strip_prefix(what)?.trim().parse().ok()
}

/// Splits `NAME#ID` into the name and the id, when the text ends so.
pub fn split_id_suffix(text: &str) -> Option<(&str, u32)> {
    let (name, id) = text.rsplit_once('#')?;
    Some((name, id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_inside_types_do_not_split() {
        assert_eq!(
            split_top_level("r0, fn(int, str) -> bool, {str: [int]}, <bad type 3>"),
            ["r0", "fn(int, str) -> bool", "{str: [int]}", "<bad type 3>"]
        );
        assert!(split_top_level("  ").is_empty());
        assert_eq!(split_top_level("a,"), ["a", ""]);
    }

    #[test]
    fn quoted_strings_read_back_what_debug_printed() {
        for s in ["", "a\"b", "tab\there\n", "\\", "é\u{7f}\0", "\u{200b}x'"] {
            let printed = format!("{s:?} rest");
            assert_eq!(parse_quoted(&printed), Ok((s.to_string(), " rest")));
        }
        assert!(parse_quoted("\"open").is_err());
        assert!(parse_quoted("\"\\q\"").is_err());
        assert!(parse_quoted("\"\\u{110000}\"").is_err());
        assert!(parse_quoted("\"\\u{1234567}\"").is_err());
        assert!(parse_quoted("x").is_err());
    }

    #[test]
    fn bad_forms_give_their_index() {
        assert_eq!(bad_index("<bad type 9>", "type"), Some(9));
        assert_eq!(bad_index("<bad k9>", "k"), Some(9));
        assert_eq!(bad_index("<bad type x>", "type"), None);
        assert_eq!(split_id_suffix("<lambda>#4"), Some(("<lambda>", 4)));
        assert_eq!(split_id_suffix("main"), None);
    }
}
