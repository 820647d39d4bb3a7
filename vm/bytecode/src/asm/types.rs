//! Type names back to type ids.
//!
//! The listing names every type by the text `disasm::type_name` prints. The
//! types table prints each entry once, in id order, so a name is looked up
//! in the table's own texts; an entry is rebuilt from its outermost
//! constructor, whose parts are again names of entries. Nothing recurses,
//! so a deep type costs no stack. Indices the disassembler could not name
//! (`<bad type 9>`, `<bad struct 2>`) come back as the raw index, so the
//! listings of rejected modules assemble too.

use super::text::{bad_index, scan, split_top_level, split_top_level_once};
use crate::types::{Type, TypeId};
use std::collections::HashMap;

/// The names a type can be written with: the types table's entries and the
/// struct, enum and trait declarations.
#[derive(Default)]
pub struct TypeNames {
    by_text: HashMap<String, TypeId>,
    structs: HashMap<String, u32>,
    enums: HashMap<String, u32>,
    traits: HashMap<String, u32>,
}

/// Records `name` at `index` unless an earlier declaration has it.
fn first_wins(map: &mut HashMap<String, u32>, name: &str, index: usize) {
    if let Ok(i) = u32::try_from(index) {
        map.entry(name.to_string()).or_insert(i);
    }
}

impl TypeNames {
    pub fn add_entry(&mut self, text: &str, id: usize) {
        first_wins(&mut self.by_text, text, id);
    }
    pub fn add_struct(&mut self, name: &str, index: usize) {
        first_wins(&mut self.structs, name, index);
    }
    pub fn add_enum(&mut self, name: &str, index: usize) {
        first_wins(&mut self.enums, name, index);
    }
    pub fn add_trait(&mut self, name: &str, index: usize) {
        first_wins(&mut self.traits, name, index);
    }

    /// The id of the type printed as `text`.
    pub fn id(&self, text: &str) -> Result<TypeId, String> {
        if let Some(id) = self.by_text.get(text) {
            return Ok(*id);
        }
        match bad_index(text, "type").map(u32::try_from) {
            Some(Ok(id)) => Ok(id),
            _ => Err(format!("type `{text}` is not in the types table")),
        }
    }

    /// The struct index named `text` (or `<bad struct N>`).
    pub fn struct_index(&self, text: &str) -> Result<u32, String> {
        decl_index(&self.structs, text, "struct")
    }

    /// The trait index named `text` (or `<bad trait N>`).
    pub fn trait_index(&self, text: &str) -> Result<u32, String> {
        decl_index(&self.traits, text, "trait")
    }

    /// The types-table entry printed as `text`: its outermost constructor,
    /// with parts named by other entries.
    pub fn entry(&self, text: &str) -> Result<Type, String> {
        match text {
            "int" => return Ok(Type::Int),
            "float" => return Ok(Type::Float),
            "bool" => return Ok(Type::Bool),
            "str" => return Ok(Type::Str),
            _ => {}
        }
        if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            return Ok(Type::Array(self.id(inner)?));
        }
        if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            return match split_top_level_once(inner, ':') {
                Some((k, v)) => Ok(Type::Map(self.id(k.trim())?, self.id(v.trim())?)),
                None => Err(format!("map type `{text}` needs `{{KEY: VALUE}}`")),
            };
        }
        if let Some(inner) = text.strip_prefix("cell<").and_then(|t| t.strip_suffix('>')) {
            return Ok(Type::Cell(self.id(inner)?));
        }
        if let Some(rest) = text.strip_prefix("fn(") {
            return self.function(rest);
        }
        for (what, make) in [
            ("struct", Type::Struct as fn(u32) -> Type),
            ("enum", Type::Enum),
            ("trait", Type::Trait),
        ] {
            if let Some(Ok(i)) = bad_index(text, what).map(u32::try_from) {
                return Ok(make(i));
            }
        }
        if let Some(i) = self.structs.get(text) {
            return Ok(Type::Struct(*i));
        }
        if let Some(i) = self.enums.get(text) {
            return Ok(Type::Enum(*i));
        }
        if let Some(i) = self.traits.get(text) {
            return Ok(Type::Trait(*i));
        }
        Err(format!("`{text}` is neither a type nor a declared name"))
    }

    /// A function type from the text after its `fn(`: `int, str) -> bool`.
    fn function(&self, rest: &str) -> Result<Type, String> {
        let (params, after) = split_signature(rest)
            .ok_or_else(|| format!("function type `fn({rest}` has no closing `)`"))?;
        let params = self.ids(params)?;
        let ret = match after.trim() {
            "" => None,
            r => match r.strip_prefix("->") {
                Some(ret) => Some(self.id(ret.trim())?),
                None => return Err(format!("expected `-> TYPE` after `fn(…)`, found `{r}`")),
            },
        };
        Ok(Type::Func { params, ret })
    }

    /// The ids of a comma-separated list of type names.
    pub fn ids(&self, list: &str) -> Result<Vec<TypeId>, String> {
        split_top_level(list)
            .into_iter()
            .map(|t| self.id(t))
            .collect()
    }

    /// A signature's parts, from the text after its `(`: the parameter ids
    /// and the return id, if it has `-> TYPE`.
    pub fn signature(&self, rest: &str) -> Result<(Vec<TypeId>, Option<TypeId>), String> {
        match self.function(rest)? {
            Type::Func { params, ret } => Ok((params, ret)),
            _ => Err("not a signature".to_string()),
        }
    }
}

/// The index of a declaration by name, or of a `<bad WHAT N>` form.
fn decl_index(map: &HashMap<String, u32>, text: &str, what: &str) -> Result<u32, String> {
    if let Some(i) = map.get(text) {
        return Ok(*i);
    }
    match bad_index(text, what).map(u32::try_from) {
        Some(Ok(i)) => Ok(i),
        _ => Err(format!("no {what} is named `{text}`")),
    }
}

/// Splits `PARAMS) REST` at the `)` that closes the list.
pub fn split_signature(rest: &str) -> Option<(&str, &str)> {
    let (i, _, _) = scan(rest).find(|(_, c, d)| *c == ')' && *d < 0)?;
    Some((rest.get(..i)?, rest.get(i + 1..)?))
}
