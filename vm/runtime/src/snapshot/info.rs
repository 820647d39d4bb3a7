//! An image taken from bytes to a checked state with its program (what
//! resuming, `lang image verify` and `lang image info` all start with),
//! and its description for `lang image info`.

use super::image::{Image, Object};
use crate::program::Program;
use std::fmt::Write;

/// An image checked against the program it carries: what a resume starts
/// from.
pub struct Loaded {
    pub(crate) img: Image,
    pub(crate) prog: Program,
}

impl Loaded {
    pub fn image(&self) -> &Image {
        &self.img
    }

    /// What `lang image info` prints, for an image of `image_bytes` bytes.
    pub fn describe(&self, image_bytes: usize) -> String {
        describe(&self.img, &self.prog, image_bytes)
    }
}

/// Decodes `bytes` as an image, decodes and verifies the module it
/// carries, and checks the image against it; the error says what is wrong,
/// starting with "bad image".
pub fn load(bytes: &[u8]) -> Result<Loaded, String> {
    let img = Image::decode(bytes).map_err(|e| format!("bad image: {e}"))?;
    let module =
        lang_bytecode::decode(&img.code).map_err(|e| format!("bad image: its code: {e}"))?;
    let verified =
        lang_bytecode::verify(module).map_err(|e| format!("bad image: its code: {e}"))?;
    let prog = Program::load(verified);
    super::check(&img, &prog).map_err(|e| format!("bad image: {e}"))?;
    Ok(Loaded { img, prog })
}

/// What `lang image info` prints: the format, the code, the heap by kind of
/// object, the outside state and the frames, innermost first, as
/// `function (file:line)`.
fn describe(img: &Image, prog: &Program, image_bytes: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "lang snapshot image, format version {}, {image_bytes} bytes",
        super::image::VERSION
    );
    let _ = writeln!(
        s,
        "code: {} ({} bytes of .bc, crc32 {:08x})",
        prog.module.source_name,
        img.code.len(),
        crc32fast::hash(&img.code)
    );
    let _ = writeln!(s, "globals: {}", img.globals.len());
    let _ = writeln!(s, "objects: {}", img.objects.len());
    for (kind, count, bytes) in by_kind(&img.objects) {
        if count > 0 {
            let _ = writeln!(s, "  {kind:<9} {count:>9} objects {bytes:>12} bytes");
        }
    }
    let _ = writeln!(
        s,
        "stdout written: {} bytes; stdin consumed: {} bytes in {} lines ({} read ahead)",
        img.host.stdout_bytes,
        img.host.stdin_consumed,
        img.host.stdin_lines,
        img.host.stdin_unread.len()
    );
    let _ = writeln!(s, "clock: {:.6} s", img.host.clock_nanos as f64 / 1e9);
    let _ = writeln!(s, "frames: {} (innermost first)", img.frames.len());
    for f in img.frames.iter().rev() {
        let name = prog
            .funcs
            .get(f.func as usize)
            .map_or("?", |fi| fi.name.as_str());
        let _ = writeln!(
            s,
            "  {name} ({}:{}) at pc {}",
            prog.module.source_name,
            prog.line(f.func, f.pc),
            f.pc
        );
    }
    s
}

/// Objects and their encoded payload bytes (8 per slot, string bytes as
/// they are) per kind, in the image format's kind order.
fn by_kind(objects: &[Object]) -> [(&'static str, u64, u64); 7] {
    let mut t = [
        ("strings", 0, 0),
        ("arrays", 0, 0),
        ("maps", 0, 0),
        ("structs", 0, 0),
        ("enums", 0, 0),
        ("closures", 0, 0),
        ("cells", 0, 0),
    ];
    for o in objects {
        let (i, bytes) = match o {
            Object::Str(b) => (0, b.len()),
            Object::Array { elems, .. } => (1, 8 * elems.len()),
            Object::Map { entries, .. } => (2, 16 * entries.len()),
            Object::Struct { fields, .. } => (3, 8 * fields.len()),
            Object::Variant { fields, .. } => (4, 8 * fields.len()),
            Object::Closure { captures, .. } => (5, 8 * captures.len()),
            Object::Cell { .. } => (6, 8),
        };
        t[i].1 += 1;
        t[i].2 += bytes as u64;
    }
    t
}
