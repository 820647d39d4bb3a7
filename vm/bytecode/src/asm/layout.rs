//! The first pass of the assembler: which line belongs to which part of
//! the module. Names are resolved only afterwards, because a types-table
//! entry can name a struct declared below it and an instruction can call a
//! function listed after it.

use super::AsmError;

/// A line's number (1-based) and its text, trimmed.
pub type Numbered<'a> = (usize, &'a str);

/// A trait declaration's `trait NAME {` line and its method lines.
pub struct TraitLines<'a> {
    pub line: usize,
    pub header: &'a str,
    pub methods: Vec<Numbered<'a>>,
}

/// A function's header line and the lines below it.
pub struct FuncLines<'a> {
    pub line: usize,
    pub header: &'a str,
    pub captures: Option<Numbered<'a>>,
    pub regs: Option<Numbered<'a>>,
    pub code: Vec<Numbered<'a>>,
}

/// The lines of a listing, sorted by the part of the module they describe.
/// Table entries (`t4 …`, `k0 …`, `g1 …`) are stored without their index,
/// which must count up from 0.
#[derive(Default)]
pub struct Layout<'a> {
    pub module: Option<Numbered<'a>>,
    /// `file "NAME" FIRST_LINE` lines: the file table, in order.
    pub files: Vec<Numbered<'a>>,
    pub entry: Option<Numbered<'a>>,
    pub types: Vec<Numbered<'a>>,
    pub structs: Vec<Numbered<'a>>,
    pub enums: Vec<Numbered<'a>>,
    pub traits: Vec<TraitLines<'a>>,
    pub impls: Vec<Numbered<'a>>,
    pub consts: Vec<Numbered<'a>>,
    pub globals: Vec<Numbered<'a>>,
    pub functions: Vec<FuncLines<'a>>,
}

/// The section an indented line belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    None,
    Types,
    Structs,
    Enums,
    Traits,
    Impls,
    Constants,
    Globals,
    Function,
}

/// The sections' header lines.
const SECTIONS: &[(&str, Section)] = &[
    ("types:", Section::Types),
    ("structs:", Section::Structs),
    ("enums:", Section::Enums),
    ("traits:", Section::Traits),
    ("impls:", Section::Impls),
    ("constants:", Section::Constants),
    ("globals:", Section::Globals),
];

fn error<T>(line: usize, message: impl Into<String>) -> Result<T, AsmError> {
    Err(AsmError {
        line,
        message: message.into(),
    })
}

/// Splits off the first word of `text` (both parts trimmed).
pub fn first_word(text: &str) -> (&str, &str) {
    let text = text.trim();
    match text.find(char::is_whitespace) {
        Some(i) => (
            text.get(..i).unwrap_or(""),
            text.get(i..).unwrap_or("").trim(),
        ),
        None => (text, ""),
    }
}

/// A table entry `PREFIX<index> REST`, whose index must be `expected`.
fn entry(line: usize, text: &str, prefix: char, expected: usize) -> Result<&str, AsmError> {
    let (word, rest) = first_word(text);
    if word.strip_prefix(prefix) != Some(expected.to_string().as_str()) {
        return error(
            line,
            format!("expected entry `{prefix}{expected}` here, found `{word}`"),
        );
    }
    if rest.is_empty() {
        return error(line, format!("entry `{word}` is empty"));
    }
    Ok(rest)
}

impl<'a> Layout<'a> {
    pub fn of(listing: &'a str) -> Result<Layout<'a>, AsmError> {
        let mut layout = Layout::default();
        let mut section = Section::None;
        let mut open_trait = false;
        for (i, raw) in listing.lines().enumerate() {
            let line = i + 1;
            let text = raw.trim();
            if text.is_empty() || text.starts_with(';') {
                continue;
            }
            if !raw.starts_with(char::is_whitespace) {
                open_trait = false;
                section = layout.top_level(line, text)?;
                continue;
            }
            match section {
                Section::None => return error(line, format!("`{text}` is outside any section")),
                Section::Types => {
                    let n = layout.types.len();
                    layout.types.push((line, entry(line, text, 't', n)?));
                }
                Section::Constants => {
                    let n = layout.consts.len();
                    layout.consts.push((line, entry(line, text, 'k', n)?));
                }
                Section::Globals => {
                    let n = layout.globals.len();
                    layout.globals.push((line, entry(line, text, 'g', n)?));
                }
                Section::Structs => layout.structs.push((line, text)),
                Section::Enums => layout.enums.push((line, text)),
                Section::Impls => layout.impls.push((line, text)),
                Section::Traits => {
                    if text.starts_with("trait ") {
                        layout.traits.push(TraitLines {
                            line,
                            header: text,
                            methods: Vec::new(),
                        });
                        open_trait = true;
                    } else if text == "}" && open_trait {
                        open_trait = false;
                    } else {
                        match layout.traits.last_mut() {
                            Some(t) if open_trait => t.methods.push((line, text)),
                            _ => return error(line, format!("`{text}` is outside any trait")),
                        }
                    }
                }
                Section::Function => {
                    let Some(f) = layout.functions.last_mut() else {
                        return error(line, "instruction outside any function");
                    };
                    if let Some(caps) = text.strip_prefix("captures:") {
                        f.captures = Some((line, caps.trim()));
                    } else if let Some(regs) = text.strip_prefix("regs:") {
                        f.regs = Some((line, regs.trim()));
                    } else {
                        f.code.push((line, text));
                    }
                }
            }
        }
        if open_trait {
            let line = layout.traits.last().map_or(1, |t| t.line);
            return error(line, "this trait has no closing `}`");
        }
        Ok(layout)
    }

    /// A line at the left margin: `module`, `entry`, a section header or a
    /// function header. Returns the section the following lines are in.
    fn top_level(&mut self, line: usize, text: &'a str) -> Result<Section, AsmError> {
        if let Some((_, s)) = SECTIONS.iter().find(|(h, _)| *h == text) {
            return Ok(*s);
        }
        let (word, rest) = first_word(text);
        let slot = match word {
            "module" => &mut self.module,
            "entry" => &mut self.entry,
            "file" => {
                self.files.push((line, rest));
                return Ok(Section::None);
            }
            "fn" => {
                self.functions.push(FuncLines {
                    line,
                    header: rest,
                    captures: None,
                    regs: None,
                    code: Vec::new(),
                });
                return Ok(Section::Function);
            }
            _ => return error(line, format!("unexpected line `{text}`")),
        };
        if slot.is_some() {
            return error(line, format!("a second `{word}` line"));
        }
        *slot = Some((line, rest));
        Ok(Section::None)
    }
}
