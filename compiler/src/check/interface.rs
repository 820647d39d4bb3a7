//! The prelude's interface: what declaring `stdlib/prelude.src` leaves in
//! the checker (its types, the signatures of its templates, where each
//! template's text is), encoded as bytes once, when `lang` is built, so
//! that no run parses or declares the prelude again.
//!
//! The CLI's build script calls [`build`], which declares the prelude the
//! slow way and encodes the resulting [`Env`]; the binary embeds the bytes
//! and hands them to [`install`] at start. `Checker::load_prelude` then
//! decodes them into its `Env` instead of parsing the prelude. The bodies
//! of the prelude's functions are parsed only when a program instantiates
//! them, one function at a time (`generics::template_decl`), so a program
//! that uses none of the prelude parses none of it.
//!
//! The encoding is exact: decoding gives the very `Env` (and the span the
//! checker last instantiated at) that declaring the prelude gives, so
//! every compile is the same either way (`tests` below compile every
//! conformance program both ways). Every struct is destructured whole
//! when encoded, so a new field does not compile until it is encoded.
//! The bytes start with a magic, a format version and a hash of the
//! prelude's text; bytes that do not match this build's prelude, or that
//! do not decode, are ignored and the prelude is parsed as before.
//! Decoding bounds every count by the bytes left and every type's depth,
//! so no bytes make it panic.

use super::generics::{FnTemplate, ParamInfo};
use super::{Checker, Env, FnSig, TypeDecl};
use crate::ast::Span;
use crate::tir::{EnumInfo, Global, ImplInfo, Origin, StructInfo, TraitInfo, TraitMethodInfo};
use crate::types::Type;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::OnceLock;

/// The first bytes of an encoded interface, with the format's version.
const MAGIC: &[u8; 8] = b"LANGPI\x00\x01";

/// How deeply a decoded type may nest; the prelude's are a few levels.
const MAX_TYPE_DEPTH: usize = 64;

/// The interface the binary was built with, once installed.
static INSTALLED: OnceLock<&'static [u8]> = OnceLock::new();

/// The FNV-1a hash of `bytes`, computed at compile time for the prelude.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

/// The hash of this build's prelude text.
const PRELUDE_HASH: u64 = fnv1a(super::prelude::PRELUDE.as_bytes());

/// The prelude's interface, encoded: the prelude declared (parsed and
/// its declaration passes run, its bodies not checked), as every compile
/// would declare it.
pub fn build() -> Vec<u8> {
    let arena = bumpalo::Bump::new();
    let mut c = Checker::new("", &arena);
    c.parse_prelude(false);
    encode(&c.env, c.site)
}

/// Makes `bytes` (from [`build`], embedded in the binary) the interface
/// that every later compile in this process loads. A second call changes
/// nothing.
pub fn install(bytes: &'static [u8]) {
    let _ = INSTALLED.set(bytes);
}

/// The installed interface, if any.
pub(super) fn installed() -> Option<&'static [u8]> {
    INSTALLED.get().copied()
}

/// The encoding of `env` (the prelude declared into an otherwise empty
/// checker) and of `site`, the checker's last instantiation site.
pub(super) fn encode(env: &Env, site: Span) -> Vec<u8> {
    let mut w = Vec::new();
    w.extend_from_slice(MAGIC);
    w.extend_from_slice(&PRELUDE_HASH.to_le_bytes());
    let Env {
        structs,
        enums,
        traits,
        impls,
        type_names,
        globals,
        global_mutable,
        global_names,
        sigs,
        functions,
        methods,
        statics,
        params,
        struct_instances,
        enum_instances,
        tuples,
        templates,
        generic_functions,
        generic_methods,
        generic_statics,
        sources,
        instance_count,
        prelude_source,
        prelude_variants,
        eq_functions,
        search_functions,
    } = env;
    seq(&mut w, structs, |w, s| {
        let StructInfo {
            name,
            fields,
            origin,
            concrete,
        } = s;
        string(w, name);
        seq(w, fields, |w, (n, t)| {
            string(w, n);
            ty(w, t);
        });
        enc_origin(w, origin);
        boolean(w, *concrete);
    });
    seq(&mut w, enums, |w, e| {
        let EnumInfo {
            name,
            variants,
            origin,
            concrete,
        } = e;
        string(w, name);
        seq(w, variants, |w, (n, ts)| {
            string(w, n);
            types(w, ts);
        });
        enc_origin(w, origin);
        boolean(w, *concrete);
    });
    seq(&mut w, traits, |w, t| {
        let TraitInfo { name, methods } = t;
        string(w, name);
        seq(w, methods, |w, m| {
            let TraitMethodInfo { name, params, ret } = m;
            string(w, name);
            types(w, params);
            ty(w, ret);
        });
    });
    seq(&mut w, impls, |w, i| {
        let ImplInfo {
            trait_id,
            struct_id,
            methods,
        } = i;
        num(w, *trait_id as usize);
        num(w, *struct_id as usize);
        nums(w, methods);
    });
    map(&mut w, type_names, string, |w, d| {
        let (tag, id) = match d {
            TypeDecl::Struct(i) => (0, i),
            TypeDecl::Enum(i) => (1, i),
            TypeDecl::Trait(i) => (2, i),
        };
        num(w, tag);
        num(w, *id as usize);
    });
    seq(&mut w, globals, |w, g| {
        let Global { name, ty: t } = g;
        string(w, name);
        ty(w, t);
    });
    seq(&mut w, global_mutable, |w, b| boolean(w, *b));
    map(&mut w, global_names, string, id);
    seq(&mut w, sigs, enc_sig);
    map(&mut w, functions, string, id);
    map(&mut w, methods, type_and_name, |w, fs| nums(w, fs));
    map(&mut w, statics, name_pair, id);
    seq(&mut w, params, |w, p| {
        let ParamInfo {
            name,
            bounds,
            owner,
            line,
        } = p;
        string(w, name);
        nums(w, bounds);
        string(w, owner);
        num(w, *line as usize);
    });
    map(&mut w, struct_instances, decl_and_types, id);
    map(&mut w, enum_instances, decl_and_types, id);
    map(&mut w, tuples, |w, ts| types(w, ts), id);
    seq(&mut w, templates, |w, t| {
        let FnTemplate {
            name,
            params,
            own_from,
            sig,
            owner,
            source,
            item,
            method,
            span,
            syntax,
            instances,
        } = t;
        string(w, name);
        nums(w, params);
        num(w, *own_from);
        enc_sig(w, sig);
        option(w, owner.as_ref(), ty);
        num(w, *source as usize);
        num(w, *item as usize);
        option(w, method.as_ref(), id);
        enc_span(w, *span);
        enc_span(w, *syntax);
        map(w, instances, |w, ts| types(w, ts), id);
    });
    map(&mut w, generic_functions, string, id);
    map(&mut w, generic_methods, type_and_name, id);
    map(&mut w, generic_statics, name_pair, id);
    // The sources themselves are not encoded: they are the program's text
    // and the prelude's, which the loading checker has.
    num(&mut w, sources.len());
    num(&mut w, *instance_count);
    option(&mut w, prelude_source.as_ref(), id);
    map(&mut w, prelude_variants, string, id);
    map(&mut w, eq_functions, ty, id);
    map(&mut w, search_functions, ty, id);
    enc_span(&mut w, site);
    w
}

/// The `Env` and site that `bytes` encode, with its `sources` empty (the
/// loader puts the program's and the prelude's text there); `None` when
/// the bytes are not an interface of this build's prelude.
pub(super) fn decode(bytes: &[u8]) -> Option<(Env, Span, usize)> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(MAGIC.len())? != MAGIC {
        return None;
    }
    let hash = u64::from_le_bytes(r.take(8)?.try_into().ok()?);
    if hash != PRELUDE_HASH {
        return None;
    }
    let structs = r.seq(|r| {
        Some(StructInfo {
            name: r.string()?,
            fields: r.seq(|r| Some((r.string()?, r.ty()?)))?,
            origin: r.origin()?,
            concrete: r.boolean()?,
        })
    })?;
    let enums = r.seq(|r| {
        Some(EnumInfo {
            name: r.string()?,
            variants: r.seq(|r| Some((r.string()?, r.types()?)))?,
            origin: r.origin()?,
            concrete: r.boolean()?,
        })
    })?;
    let traits = r.seq(|r| {
        Some(TraitInfo {
            name: r.string()?,
            methods: r.seq(|r| {
                Some(TraitMethodInfo {
                    name: r.string()?,
                    params: r.types()?,
                    ret: r.ty()?,
                })
            })?,
        })
    })?;
    let impls = r.seq(|r| {
        Some(ImplInfo {
            trait_id: r.id()?,
            struct_id: r.id()?,
            methods: r.ids()?,
        })
    })?;
    let type_names = r.map(Reader::string, |r| {
        let tag = r.num()?;
        let i = r.id()?;
        match tag {
            0 => Some(TypeDecl::Struct(i)),
            1 => Some(TypeDecl::Enum(i)),
            2 => Some(TypeDecl::Trait(i)),
            _ => None,
        }
    })?;
    let globals = r.seq(|r| {
        Some(Global {
            name: r.string()?,
            ty: r.ty()?,
        })
    })?;
    let global_mutable = r.seq(Reader::boolean)?;
    let global_names = r.map(Reader::string, Reader::id)?;
    let sigs = r.seq(Reader::sig)?;
    let functions = r.map(Reader::string, Reader::id)?;
    let methods = r.map(Reader::type_and_name, Reader::ids)?;
    let statics = r.map(Reader::name_pair, Reader::id)?;
    let params = r.seq(|r| {
        Some(ParamInfo {
            name: r.string()?,
            bounds: r.ids()?,
            owner: r.string()?,
            line: r.id()?,
        })
    })?;
    let struct_instances = r.map(Reader::decl_and_types, Reader::id)?;
    let enum_instances = r.map(Reader::decl_and_types, Reader::id)?;
    let tuples = r.map(Reader::types, Reader::id)?;
    let templates = r.seq(|r| {
        Some(FnTemplate {
            name: r.string()?,
            params: r.ids()?,
            own_from: r.num()?,
            sig: r.sig()?,
            owner: r.option(Reader::ty)?,
            source: r.id()?,
            item: r.id()?,
            method: r.option(Reader::id)?,
            span: r.span()?,
            syntax: r.span()?,
            instances: r.map(Reader::types, Reader::id)?,
        })
    })?;
    let generic_functions = r.map(Reader::string, Reader::id)?;
    let generic_methods = r.map(Reader::type_and_name, Reader::id)?;
    let generic_statics = r.map(Reader::name_pair, Reader::id)?;
    let sources = r.num()?;
    let instance_count = r.num()?;
    let prelude_source = r.option(Reader::id)?;
    let prelude_variants = r.map(Reader::string, Reader::id)?;
    let eq_functions = r.map(Reader::ty, Reader::id)?;
    let search_functions = r.map(Reader::ty, Reader::id)?;
    let site = r.span()?;
    if r.at != bytes.len() {
        return None;
    }
    let env = Env {
        structs,
        enums,
        traits,
        impls,
        type_names,
        globals,
        global_mutable,
        global_names,
        sigs,
        functions,
        methods,
        statics,
        params,
        struct_instances,
        enum_instances,
        tuples,
        templates,
        generic_functions,
        generic_methods,
        generic_statics,
        sources: Vec::new(),
        instance_count,
        prelude_source,
        prelude_variants,
        eq_functions,
        search_functions,
    };
    Some((env, site, sources))
}

// ------------------------------------------------------------ encoding

/// `n` as LEB128.
fn num(w: &mut Vec<u8>, mut n: usize) {
    loop {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            w.push(low);
            return;
        }
        w.push(low | 0x80);
    }
}

fn id(w: &mut Vec<u8>, n: &u32) {
    num(w, *n as usize);
}

fn nums(w: &mut Vec<u8>, ns: &[u32]) {
    seq(w, ns, id);
}

fn boolean(w: &mut Vec<u8>, b: bool) {
    w.push(u8::from(b));
}

fn string(w: &mut Vec<u8>, s: &String) {
    num(w, s.len());
    w.extend_from_slice(s.as_bytes());
}

fn seq<T>(w: &mut Vec<u8>, xs: &[T], mut f: impl FnMut(&mut Vec<u8>, &T)) {
    num(w, xs.len());
    for x in xs {
        f(w, x);
    }
}

fn option<T>(w: &mut Vec<u8>, x: Option<&T>, f: impl FnOnce(&mut Vec<u8>, &T)) {
    match x {
        None => w.push(0),
        Some(x) => {
            w.push(1);
            f(w, x);
        }
    }
}

/// A map's entries, each encoded on its own and written in the order of
/// their bytes, so that the encoding does not depend on hash order.
fn map<K, V>(
    w: &mut Vec<u8>,
    m: &HashMap<K, V>,
    mut fk: impl FnMut(&mut Vec<u8>, &K),
    mut fv: impl FnMut(&mut Vec<u8>, &V),
) {
    let mut entries: Vec<Vec<u8>> = m
        .iter()
        .map(|(k, v)| {
            let mut e = Vec::new();
            fk(&mut e, k);
            fv(&mut e, v);
            e
        })
        .collect();
    entries.sort();
    num(w, entries.len());
    for e in entries {
        w.extend_from_slice(&e);
    }
}

fn ty(w: &mut Vec<u8>, t: &Type) {
    match t {
        Type::Int => w.push(0),
        Type::Float => w.push(1),
        Type::Bool => w.push(2),
        Type::Str => w.push(3),
        Type::Array(e) => {
            w.push(4);
            ty(w, e);
        }
        Type::Map(k, v) => {
            w.push(5);
            ty(w, k);
            ty(w, v);
        }
        Type::Fn(ps, r) => {
            w.push(6);
            types(w, ps);
            ty(w, r);
        }
        Type::Struct(i) => {
            w.push(7);
            id(w, i);
        }
        Type::Enum(i) => {
            w.push(8);
            id(w, i);
        }
        Type::Trait(i) => {
            w.push(9);
            id(w, i);
        }
        Type::Param(i) => {
            w.push(10);
            id(w, i);
        }
        Type::Void => w.push(11),
        Type::Never => w.push(12),
        Type::Nil => w.push(13),
        Type::Error => w.push(14),
    }
}

fn types(w: &mut Vec<u8>, ts: &[Type]) {
    seq(w, ts, ty);
}

fn enc_origin(w: &mut Vec<u8>, o: &Origin) {
    match o {
        Origin::Plain => w.push(0),
        Origin::Template(ts) => {
            w.push(1);
            types(w, ts);
        }
        Origin::Instance(d, ts) => {
            w.push(2);
            id(w, d);
            types(w, ts);
        }
        Origin::Tuple => w.push(3),
    }
}

fn enc_sig(w: &mut Vec<u8>, s: &FnSig) {
    let FnSig {
        name,
        params,
        ret,
        has_self,
    } = s;
    string(w, name);
    types(w, params);
    ty(w, ret);
    boolean(w, *has_self);
}

fn enc_span(w: &mut Vec<u8>, s: Span) {
    num(w, s.start);
    num(w, s.end);
}

fn type_and_name(w: &mut Vec<u8>, k: &(Type, String)) {
    ty(w, &k.0);
    string(w, &k.1);
}

fn name_pair(w: &mut Vec<u8>, k: &(String, String)) {
    string(w, &k.0);
    string(w, &k.1);
}

fn decl_and_types(w: &mut Vec<u8>, k: &(u32, Vec<Type>)) {
    id(w, &k.0);
    types(w, &k.1);
}

// ------------------------------------------------------------ decoding

/// Bytes being decoded; every read fails (`None`) past their end.
struct Reader<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(s)
    }

    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn num(&mut self) -> Option<usize> {
        let mut n: usize = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            let part = usize::from(b & 0x7f);
            if shift >= usize::BITS || (part << shift) >> shift != part {
                return None;
            }
            n |= part << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
            shift += 7;
        }
    }

    fn id(&mut self) -> Option<u32> {
        u32::try_from(self.num()?).ok()
    }

    fn ids(&mut self) -> Option<Vec<u32>> {
        self.seq(Reader::id)
    }

    fn boolean(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn string(&mut self) -> Option<String> {
        let n = self.num()?;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec()).ok()
    }

    /// A count, bounded by the bytes left (every element takes at least
    /// one), so that no count makes a large allocation.
    fn count(&mut self) -> Option<usize> {
        let n = self.num()?;
        (n <= self.bytes.len() - self.at).then_some(n)
    }

    fn seq<T>(&mut self, mut f: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(f(self)?);
        }
        Some(out)
    }

    fn option<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.byte()? {
            0 => Some(None),
            1 => f(self).map(Some),
            _ => None,
        }
    }

    fn map<K: Eq + Hash, V>(
        &mut self,
        mut fk: impl FnMut(&mut Self) -> Option<K>,
        mut fv: impl FnMut(&mut Self) -> Option<V>,
    ) -> Option<HashMap<K, V>> {
        let n = self.count()?;
        let mut out = HashMap::with_capacity(n);
        for _ in 0..n {
            let k = fk(self)?;
            let v = fv(self)?;
            out.insert(k, v);
        }
        Some(out)
    }

    fn ty(&mut self) -> Option<Type> {
        self.ty_at(0)
    }

    fn ty_at(&mut self, depth: usize) -> Option<Type> {
        if depth > MAX_TYPE_DEPTH {
            return None;
        }
        let d = depth + 1;
        Some(match self.byte()? {
            0 => Type::Int,
            1 => Type::Float,
            2 => Type::Bool,
            3 => Type::Str,
            4 => Type::Array(Box::new(self.ty_at(d)?)),
            5 => Type::Map(Box::new(self.ty_at(d)?), Box::new(self.ty_at(d)?)),
            6 => {
                let ps = self.seq(|r| r.ty_at(d))?;
                Type::Fn(ps, Box::new(self.ty_at(d)?))
            }
            7 => Type::Struct(self.id()?),
            8 => Type::Enum(self.id()?),
            9 => Type::Trait(self.id()?),
            10 => Type::Param(self.id()?),
            11 => Type::Void,
            12 => Type::Never,
            13 => Type::Nil,
            14 => Type::Error,
            _ => return None,
        })
    }

    fn types(&mut self) -> Option<Vec<Type>> {
        self.seq(Reader::ty)
    }

    fn origin(&mut self) -> Option<Origin> {
        Some(match self.byte()? {
            0 => Origin::Plain,
            1 => Origin::Template(self.types()?),
            2 => Origin::Instance(self.id()?, self.types()?),
            3 => Origin::Tuple,
            _ => return None,
        })
    }

    fn sig(&mut self) -> Option<FnSig> {
        Some(FnSig {
            name: self.string()?,
            params: self.types()?,
            ret: self.ty()?,
            has_self: self.boolean()?,
        })
    }

    fn span(&mut self) -> Option<Span> {
        Some(Span::new(self.num()?, self.num()?))
    }

    fn type_and_name(&mut self) -> Option<(Type, String)> {
        Some((self.ty()?, self.string()?))
    }

    fn name_pair(&mut self) -> Option<(String, String)> {
        Some((self.string()?, self.string()?))
    }

    fn decl_and_types(&mut self) -> Option<(u32, Vec<Type>)> {
        Some((self.id()?, self.types()?))
    }
}

#[cfg(test)]
mod tests {
    use super::super::prelude::{counts, IGNORE_INTERFACE, PRELUDE};
    use super::super::Checker;
    use super::*;
    use std::path::{Path, PathBuf};

    /// This build's interface, installed for the whole test process.
    fn installed_interface() -> &'static [u8] {
        static BYTES: OnceLock<&'static [u8]> = OnceLock::new();
        let bytes = *BYTES.get_or_init(|| Box::leak(build().into_boxed_slice()));
        install(bytes);
        bytes
    }

    #[test]
    fn decoding_gives_back_what_was_encoded() {
        let bytes = build();
        let Some((env, site, sources)) = decode(&bytes) else {
            panic!("the interface does not decode");
        };
        assert_eq!(sources, 2);
        let mut env = env;
        env.sources = vec![std::sync::Arc::from(""), std::sync::Arc::from(PRELUDE)];
        assert_eq!(encode(&env, site), bytes);
        // The interface is the same at every build.
        assert_eq!(build(), bytes);
    }

    #[test]
    fn damaged_interfaces_are_refused_without_panicking() {
        let bytes = build();
        for n in (0..bytes.len()).step_by(3) {
            assert!(decode(&bytes[..n]).is_none(), "prefix of {n} bytes decoded");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
        for i in (0..bytes.len()).step_by(5) {
            let mut b = bytes.clone();
            b[i] ^= 0xa5;
            let _ = decode(&b);
        }
    }

    #[test]
    fn every_template_parses_alone_as_in_the_whole_prelude() {
        let arena = bumpalo::Bump::new();
        let mut c = Checker::new("", &arena);
        c.parse_prelude(false);
        assert!(c.env.templates.len() > 20);
        for tid in 0..c.env.templates.len() {
            let tid = tid as u32;
            let whole = c.template_decl(tid).map(|d| format!("{d:?}"));
            let syntax = c.env.templates[tid as usize].syntax;
            let source = c.env.templates[tid as usize].source;
            let alone = c.parse_template(source, syntax).map(|d| format!("{d:?}"));
            assert!(whole.is_some());
            assert_eq!(
                whole, alone,
                "template {}",
                c.env.templates[tid as usize].name
            );
        }
    }

    /// Every `.src` file below `dir`.
    fn sources_in(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                sources_in(&p, out);
            } else if p.extension().is_some_and(|x| x == "src") {
                out.push(p);
            }
        }
    }

    /// What compiling `path` gives: the module's listing, or the rendered
    /// errors, and the rendered warnings.
    fn compiled(path: &Path) -> String {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut read = |rel: &str| std::fs::read(dir.join(rel)).map_err(|e| e.to_string());
        let shown = path.display().to_string();
        match crate::compile_program_warned(
            &shown,
            "main.src",
            &text,
            &mut read,
            crate::Entry::Main,
        ) {
            Ok((m, w)) => format!(
                "{}\n{}",
                lang_bytecode::disasm::disassemble(&m),
                w.render(false)
            ),
            Err(d) => d.render(false),
        }
    }

    #[test]
    fn every_program_compiles_the_same_from_the_interface() {
        installed_interface();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in [
            "tests/conformance",
            "tests/errors",
            "tests/warnings",
            "examples",
        ] {
            sources_in(&root.join(dir), &mut files);
        }
        files.sort();
        assert!(files.len() > 100);
        let mut differ = Vec::new();
        let mut loads = 0;
        for f in &files {
            IGNORE_INTERFACE.with(|i| i.set(true));
            let before = counts();
            let parsed = compiled(f);
            assert_eq!(counts().interface_loads, before.interface_loads);
            IGNORE_INTERFACE.with(|i| i.set(false));
            let before = counts();
            let loaded = compiled(f);
            let after = counts();
            // A program whose files do not load is not checked at all.
            let checked = after.interface_loads - before.interface_loads;
            assert!(checked <= 1, "{}", f.display());
            loads += checked;
            assert_eq!(after.whole_parses, before.whole_parses, "{}", f.display());
            if parsed != loaded {
                differ.push(f.display().to_string());
            }
        }
        assert!(differ.is_empty(), "compiled differently: {differ:#?}");
        assert!(loads as usize > files.len() * 9 / 10);
    }

    #[test]
    fn a_program_parses_only_the_prelude_functions_it_uses() {
        installed_interface();
        let before = counts();
        assert!(crate::compile("hello.src", "fn main() { println(\"hi\"); }").is_ok());
        let after = counts();
        assert_eq!(after.interface_loads, before.interface_loads + 1);
        assert_eq!(after.whole_parses, before.whole_parses);
        assert_eq!(after.functions_parsed, before.functions_parsed);
        // `unwrap` and `unwrap_or` are parsed once each, whatever their
        // instances.
        let before = after;
        let src = "fn main() { let a = Some(1); let b = Some(\"x\"); println(a.unwrap()); println(b.unwrap()); println(a.unwrap_or(2)); }";
        assert!(crate::compile("p.src", src).is_ok());
        let after = counts();
        assert_eq!(after.whole_parses, before.whole_parses);
        assert_eq!(after.functions_parsed, before.functions_parsed + 2);
    }
}
