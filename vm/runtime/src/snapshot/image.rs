//! The image as data, and its byte form (`spec/snapshot.md`): a header
//! (magic, version, flags, payload length, CRC-32 of the payload) and a
//! payload of tagged sections, all little-endian.
//!
//! Decoding checks only the encoding: lengths, counts against the bytes
//! that remain (so no count in a hostile image can make the decoder
//! allocate more than the image's own size), known tags and kinds. What
//! the values mean is checked against the program by `check`.

/// The first eight bytes of every image.
pub const MAGIC: &[u8; 8] = b"LANGIMG\0";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;
/// Bytes of the header: magic (8), version (4), flags (4), payload length
/// (8), CRC-32 of the payload (4).
pub const HEADER_LEN: usize = 28;
/// The largest image this build reads: 1 GiB, the default heap limit
/// (an image holds no more than a heap of that size could).
pub const MAX_IMAGE_BYTES: usize = 1 << 30;
/// A section flag: a reader that does not know the section must refuse
/// the image (without it, an unknown section is skipped).
pub const SECTION_REQUIRED: u32 = 1;

/// Section tags.
pub const TAG_CODE: [u8; 4] = *b"CODE";
pub const TAG_HOST: [u8; 4] = *b"HOST";
pub const TAG_GLOBALS: [u8; 4] = *b"GLOB";
pub const TAG_FRAMES: [u8; 4] = *b"FRAM";
pub const TAG_OBJECTS: [u8; 4] = *b"OBJS";

/// What the run had done outside its heap when it was saved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostState {
    /// Bytes the program had written to stdout.
    pub stdout_bytes: u64,
    /// Lines the program had read from stdin.
    pub stdin_lines: u64,
    /// Bytes of stdin the program had consumed (its lines, with their
    /// newlines).
    pub stdin_consumed: u64,
    /// Bytes read from stdin ahead of the program, not yet consumed: a
    /// resumed run reads them first.
    pub stdin_unread: Vec<u8>,
    /// The latest `clock()` the program had read, in nanoseconds.
    pub clock_nanos: u64,
    /// What `args()` returns: the saved run's arguments, which a resumed
    /// run keeps.
    pub args: Vec<String>,
}

/// One frame, outermost first. Register values are raw bits for ints,
/// floats and bools, and for references 0 (nil) or an object number + 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub func: u32,
    pub pc: u32,
    pub dest: u16,
    /// The running closure: 0 (none) or an object number + 1.
    pub closure: u64,
    pub regs: Vec<u64>,
}

/// One heap object in module terms. Slot values are encoded as in `Frame`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Object {
    Str(Vec<u8>),
    /// An array of type `ty` with its elements.
    Array {
        ty: u32,
        elems: Vec<u64>,
    },
    /// A map of type `ty` with its live entries in insertion order.
    Map {
        ty: u32,
        entries: Vec<(u64, u64)>,
    },
    /// A struct by its index, with its fields in layout order.
    Struct {
        index: u32,
        fields: Vec<u64>,
    },
    /// An enum value: enum index, variant and payload.
    Variant {
        index: u32,
        variant: u32,
        fields: Vec<u64>,
    },
    /// A closure of function `func` with its captures.
    Closure {
        func: u32,
        captures: Vec<u64>,
    },
    /// A cell of type `ty` holding one value.
    Cell {
        ty: u32,
        value: u64,
    },
}

/// Object kind bytes in the `OBJS` section.
const KIND_STR: u8 = 0;
const KIND_ARRAY: u8 = 1;
const KIND_MAP: u8 = 2;
const KIND_STRUCT: u8 = 3;
const KIND_VARIANT: u8 = 4;
const KIND_CLOSURE: u8 = 5;
const KIND_CELL: u8 = 6;

/// A whole image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// The module's `.bc` bytes.
    pub code: Vec<u8>,
    pub host: HostState,
    /// Every global by id, encoded as register values are.
    pub globals: Vec<u64>,
    pub frames: Vec<Frame>,
    /// Objects by number, in breadth-first order from the roots.
    pub objects: Vec<Object>,
}

/// Appends little-endian values to a buffer.
#[derive(Default)]
struct Out(Vec<u8>);

impl Out {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    fn words(&mut self, vs: &[u64]) {
        self.len(vs.len());
        for &v in vs {
            self.u64(v);
        }
    }
    fn section(&mut self, tag: [u8; 4], body: Out) {
        self.0.extend_from_slice(&tag);
        self.u32(SECTION_REQUIRED);
        self.len(body.0.len());
        self.0.extend_from_slice(&body.0);
    }
}

impl Image {
    /// The image's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut payload = Out::default();
        let mut code = Out::default();
        code.0.extend_from_slice(&self.code);
        payload.section(TAG_CODE, code);

        let mut host = Out::default();
        host.u64(self.host.stdout_bytes);
        host.u64(self.host.stdin_lines);
        host.u64(self.host.stdin_consumed);
        host.len(self.host.stdin_unread.len());
        host.0.extend_from_slice(&self.host.stdin_unread);
        host.u64(self.host.clock_nanos);
        host.len(self.host.args.len());
        for a in &self.host.args {
            host.len(a.len());
            host.0.extend_from_slice(a.as_bytes());
        }
        payload.section(TAG_HOST, host);

        let mut globals = Out::default();
        globals.words(&self.globals);
        payload.section(TAG_GLOBALS, globals);

        let mut frames = Out::default();
        frames.len(self.frames.len());
        for f in &self.frames {
            frames.u32(f.func);
            frames.u32(f.pc);
            frames.u16(f.dest);
            frames.u64(f.closure);
            frames.words(&f.regs);
        }
        payload.section(TAG_FRAMES, frames);

        let mut objs = Out::default();
        objs.len(self.objects.len());
        for o in &self.objects {
            match o {
                Object::Str(bytes) => {
                    objs.u8(KIND_STR);
                    objs.len(bytes.len());
                    objs.0.extend_from_slice(bytes);
                }
                Object::Array { ty, elems } => {
                    objs.u8(KIND_ARRAY);
                    objs.u32(*ty);
                    objs.words(elems);
                }
                Object::Map { ty, entries } => {
                    objs.u8(KIND_MAP);
                    objs.u32(*ty);
                    objs.len(entries.len());
                    for &(k, v) in entries {
                        objs.u64(k);
                        objs.u64(v);
                    }
                }
                Object::Struct { index, fields } => {
                    objs.u8(KIND_STRUCT);
                    objs.u32(*index);
                    objs.words(fields);
                }
                Object::Variant {
                    index,
                    variant,
                    fields,
                } => {
                    objs.u8(KIND_VARIANT);
                    objs.u32(*index);
                    objs.u32(*variant);
                    objs.words(fields);
                }
                Object::Closure { func, captures } => {
                    objs.u8(KIND_CLOSURE);
                    objs.u32(*func);
                    objs.words(captures);
                }
                Object::Cell { ty, value } => {
                    objs.u8(KIND_CELL);
                    objs.u32(*ty);
                    objs.u64(*value);
                }
            }
        }
        payload.section(TAG_OBJECTS, objs);

        let payload = payload.0;
        let mut out = Out::default();
        out.0.extend_from_slice(MAGIC);
        out.u32(VERSION);
        out.u32(0);
        out.len(payload.len());
        out.u32(crc32fast::hash(&payload));
        out.0.extend_from_slice(&payload);
        out.0
    }

    /// Decodes an image's bytes, checking their encoding.
    pub fn decode(bytes: &[u8]) -> Result<Image, String> {
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(format!(
                "the image is {} bytes; at most {MAX_IMAGE_BYTES} are read",
                bytes.len()
            ));
        }
        let mut h = In::new(bytes, 0);
        if h.take(8)? != MAGIC {
            return Err("not a lang image (bad magic)".into());
        }
        let version = h.u32()?;
        if version != VERSION {
            return Err(format!(
                "image format version {version}; this build reads version {VERSION}"
            ));
        }
        let flags = h.u32()?;
        if flags != 0 {
            return Err(format!("reserved header flags are {flags:#x}"));
        }
        let len = h.u64()?;
        let crc = h.u32()?;
        let payload = bytes.get(HEADER_LEN..).unwrap_or(&[]);
        if payload.len() as u64 != len {
            return Err(format!(
                "the payload is {} bytes but the header says {len}",
                payload.len()
            ));
        }
        if crc32fast::hash(payload) != crc {
            return Err("checksum mismatch: the image is corrupt".into());
        }
        let mut p = In::new(payload, HEADER_LEN);
        let mut sections: [Option<In<'_>>; 5] = [None, None, None, None, None];
        let tags = [TAG_CODE, TAG_HOST, TAG_GLOBALS, TAG_FRAMES, TAG_OBJECTS];
        while !p.done() {
            let at = p.offset();
            let tag: [u8; 4] = p.take(4)?.try_into().map_err(|_| "short tag")?;
            let sflags = p.u32()?;
            let n = p.count(1)?;
            let body = In::new(p.take(n)?, p.offset() - n);
            match tags.iter().position(|t| *t == tag) {
                Some(i) => {
                    let slot = &mut sections[i];
                    if slot.is_some() {
                        return Err(format!("byte {at}: section {} twice", show_tag(tag)));
                    }
                    *slot = Some(body);
                }
                None if sflags & SECTION_REQUIRED != 0 => {
                    return Err(format!(
                        "byte {at}: required section {} is unknown to this build",
                        show_tag(tag)
                    ))
                }
                None => {}
            }
        }
        let mut take = |i: usize| {
            sections[i]
                .take()
                .ok_or_else(|| format!("section {} is missing", show_tag(tags[i])))
        };
        let (mut c, mut hs, mut g, mut fr, mut ob) =
            (take(0)?, take(1)?, take(2)?, take(3)?, take(4)?);
        let code = c.rest().to_vec();
        let host = HostState {
            stdout_bytes: hs.u64()?,
            stdin_lines: hs.u64()?,
            stdin_consumed: hs.u64()?,
            stdin_unread: {
                let n = hs.count(1)?;
                hs.take(n)?.to_vec()
            },
            clock_nanos: hs.u64()?,
            args: {
                // An argument takes at least its 8-byte length.
                let n = hs.count(8)?;
                let mut args = Vec::with_capacity(n);
                for _ in 0..n {
                    let len = hs.count(1)?;
                    let bytes = hs.take(len)?.to_vec();
                    args.push(String::from_utf8(bytes).map_err(|_| "an argument is not UTF-8")?);
                }
                args
            },
        };
        hs.end()?;
        let globals = g.words()?;
        g.end()?;
        // A frame takes at least 26 bytes (its fixed fields and count).
        let nframes = fr.count(26)?;
        let mut frames = Vec::with_capacity(nframes);
        for _ in 0..nframes {
            frames.push(Frame {
                func: fr.u32()?,
                pc: fr.u32()?,
                dest: fr.u16()?,
                closure: fr.u64()?,
                regs: fr.words()?,
            });
        }
        fr.end()?;
        // An object takes at least 9 bytes (its kind and a count or value).
        let nobjs = ob.count(9)?;
        let mut objects = Vec::with_capacity(nobjs);
        for _ in 0..nobjs {
            let at = ob.offset();
            let o = match ob.u8()? {
                KIND_STR => {
                    let n = ob.count(1)?;
                    Object::Str(ob.take(n)?.to_vec())
                }
                KIND_ARRAY => Object::Array {
                    ty: ob.u32()?,
                    elems: ob.words()?,
                },
                KIND_MAP => {
                    let ty = ob.u32()?;
                    let n = ob.count(16)?;
                    let mut entries = Vec::with_capacity(n);
                    for _ in 0..n {
                        entries.push((ob.u64()?, ob.u64()?));
                    }
                    Object::Map { ty, entries }
                }
                KIND_STRUCT => Object::Struct {
                    index: ob.u32()?,
                    fields: ob.words()?,
                },
                KIND_VARIANT => Object::Variant {
                    index: ob.u32()?,
                    variant: ob.u32()?,
                    fields: ob.words()?,
                },
                KIND_CLOSURE => Object::Closure {
                    func: ob.u32()?,
                    captures: ob.words()?,
                },
                KIND_CELL => Object::Cell {
                    ty: ob.u32()?,
                    value: ob.u64()?,
                },
                k => return Err(format!("byte {at}: unknown object kind {k}")),
            };
            objects.push(o);
        }
        ob.end()?;
        Ok(Image {
            code,
            host,
            globals,
            frames,
            objects,
        })
    }
}

/// A section tag as text for messages.
fn show_tag(tag: [u8; 4]) -> String {
    tag.iter()
        .map(|&b| {
            if b.is_ascii_graphic() {
                (b as char).to_string()
            } else {
                format!("\\x{b:02x}")
            }
        })
        .collect()
}

/// Reads little-endian values, every read checked against the bytes left.
struct In<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Where `bytes` starts in the image, for messages.
    base: usize,
}

impl<'a> In<'a> {
    fn new(bytes: &'a [u8], base: usize) -> In<'a> {
        In {
            bytes,
            pos: 0,
            base,
        }
    }
    fn offset(&self) -> usize {
        self.base + self.pos
    }
    fn done(&self) -> bool {
        self.pos >= self.bytes.len()
    }
    fn rest(&mut self) -> &'a [u8] {
        let r = self.bytes.get(self.pos..).unwrap_or(&[]);
        self.pos = self.bytes.len();
        r
    }
    fn end(&self) -> Result<(), String> {
        if self.done() {
            Ok(())
        } else {
            Err(format!(
                "byte {}: trailing bytes in a section",
                self.offset()
            ))
        }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end {
            Some(end) => {
                let r = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(r)
            }
            None => Err(format!("byte {}: the image ends early", self.offset())),
        }
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let at = self.offset();
        self.take(N)?
            .try_into()
            .map_err(|_| format!("byte {at}: the image ends early"))
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    /// A count of items of at least `min_bytes` each, refused when the
    /// bytes left cannot hold that many: this bounds every allocation the
    /// decoder makes by the image's size.
    fn count(&mut self, min_bytes: usize) -> Result<usize, String> {
        let at = self.offset();
        let n = self.u64()?;
        let left = (self.bytes.len() - self.pos) as u64;
        if n.saturating_mul(min_bytes as u64) > left {
            return Err(format!(
                "byte {at}: a count of {n} does not fit in the {left} bytes left"
            ));
        }
        Ok(n as usize)
    }
    fn words(&mut self) -> Result<Vec<u64>, String> {
        let n = self.count(8)?;
        (0..n).map(|_| self.u64()).collect()
    }
}
