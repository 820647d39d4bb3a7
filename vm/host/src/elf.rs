//! ELF64 parsing: just enough of the format to load a statically linked
//! x86-64 executable (ET_EXEC or static-PIE ET_DYN) into guest memory.
//!
//! Every field is read with bounds checks: the executable is input the host
//! does not trust, and a malformed file must give an error, never a panic.

use std::fmt;

/// A loadable segment (PT_LOAD).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub memsz: u64,
    pub offset: u64,
    pub filesz: u64,
    /// PF_X = 1, PF_W = 2, PF_R = 4.
    pub flags: u32,
}

/// What the loader needs from an executable.
#[derive(Debug, Clone)]
pub struct ElfImage {
    /// True for ET_DYN (static-PIE): the loader picks a base address.
    pub position_independent: bool,
    pub entry: u64,
    pub phoff: u64,
    pub phentsize: u16,
    pub phnum: u16,
    /// p_vaddr of PT_PHDR, if present.
    pub phdr_vaddr: Option<u64>,
    pub segments: Vec<Segment>,
}

/// Why an executable was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfError(pub String);

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, ElfError> {
    Err(ElfError(msg.into()))
}

fn u16_at(b: &[u8], off: u64) -> Result<u16, ElfError> {
    let o = usize::try_from(off).map_err(|_| ElfError("offset overflow".into()))?;
    match b.get(o..o.saturating_add(2)) {
        Some(s) if s.len() == 2 => Ok(u16::from_le_bytes([s[0], s[1]])),
        _ => err("truncated ELF file"),
    }
}

fn u32_at(b: &[u8], off: u64) -> Result<u32, ElfError> {
    let o = usize::try_from(off).map_err(|_| ElfError("offset overflow".into()))?;
    match b.get(o..o.saturating_add(4)) {
        Some(s) => {
            let mut a = [0u8; 4];
            a.copy_from_slice(s);
            Ok(u32::from_le_bytes(a))
        }
        None => err("truncated ELF file"),
    }
}

fn u64_at(b: &[u8], off: u64) -> Result<u64, ElfError> {
    let o = usize::try_from(off).map_err(|_| ElfError("offset overflow".into()))?;
    match b.get(o..o.saturating_add(8)) {
        Some(s) => {
            let mut a = [0u8; 8];
            a.copy_from_slice(s);
            Ok(u64::from_le_bytes(a))
        }
        None => err("truncated ELF file"),
    }
}

const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const PT_PHDR: u32 = 6;
/// Segment flags: executable, writable.
const PF_X: u32 = 1;
const PF_W: u32 = 2;
/// Guest user space ends here (47-bit canonical lower half).
pub const USER_TOP: u64 = 0x0000_8000_0000_0000;

/// How many leading bytes of a file `parse` needs to see (the ELF header
/// and program headers must lie within them).
pub const HEADER_BYTES: usize = 64 << 10;

/// Parses the headers in `file` (the whole file, or at least its first
/// `HEADER_BYTES`) of a file `file_len` bytes long, and checks that it is
/// a static x86-64 executable whose segments fit the guest's user address
/// space.
pub fn parse(file: &[u8], file_len: u64) -> Result<ElfImage, ElfError> {
    if file.get(0..4) != Some(b"\x7fELF".as_slice()) {
        return err("not an ELF file");
    }
    if file.get(4) != Some(&2) || file.get(5) != Some(&1) {
        return err("not a 64-bit little-endian ELF file");
    }
    let e_type = u16_at(file, 16)?;
    let machine = u16_at(file, 18)?;
    if machine != 62 {
        return err("not an x86-64 executable");
    }
    let position_independent = match e_type {
        2 => false,
        3 => true,
        _ => return err("not an executable (ET_EXEC or ET_DYN)"),
    };
    let entry = u64_at(file, 24)?;
    let phoff = u64_at(file, 32)?;
    let phentsize = u16_at(file, 54)?;
    let phnum = u16_at(file, 56)?;
    if phentsize != 56 {
        return err("unexpected program header size");
    }
    if phnum == 0 || phnum > 256 {
        return err("bad program header count");
    }
    let mut segments = Vec::new();
    let mut phdr_vaddr = None;
    for i in 0..u64::from(phnum) {
        let base = phoff
            .checked_add(i * 56)
            .ok_or_else(|| ElfError("program header offset overflow".into()))?;
        let p_type = u32_at(file, base)?;
        let flags = u32_at(file, base + 4)?;
        let offset = u64_at(file, base + 8)?;
        let vaddr = u64_at(file, base + 16)?;
        let filesz = u64_at(file, base + 32)?;
        let memsz = u64_at(file, base + 40)?;
        match p_type {
            PT_INTERP => return err(
                "dynamically linked executable (has PT_INTERP); a static executable is required",
            ),
            PT_PHDR => phdr_vaddr = Some(vaddr),
            PT_LOAD => {
                if flags & PF_W != 0 && flags & PF_X != 0 {
                    return err(
                        "a segment both writable and executable; the guest's memory is never both (W^X)",
                    );
                }
                if filesz > memsz {
                    return err("segment file size exceeds memory size");
                }
                let file_end = offset
                    .checked_add(filesz)
                    .ok_or_else(|| ElfError("segment overflow".into()))?;
                if file_end > file_len {
                    return err("segment extends past the end of the file");
                }
                let end = vaddr
                    .checked_add(memsz)
                    .ok_or_else(|| ElfError("segment overflow".into()))?;
                if end > USER_TOP / 2 {
                    return err("segment outside the guest address space");
                }
                if memsz > 0 {
                    segments.push(Segment {
                        vaddr,
                        memsz,
                        offset,
                        filesz,
                        flags,
                    });
                }
            }
            _ => {}
        }
    }
    if segments.is_empty() {
        return err("no loadable segments");
    }
    Ok(ElfImage {
        position_independent,
        entry,
        phoff,
        phentsize,
        phnum,
        phdr_vaddr,
        segments,
    })
}

impl ElfImage {
    /// Guest address of the program headers once loaded at `bias`, as
    /// AT_PHDR needs it: PT_PHDR if present, else the PT_LOAD segment
    /// whose file range covers e_phoff.
    pub fn phdr_addr(&self, bias: u64) -> Option<u64> {
        if let Some(v) = self.phdr_vaddr {
            return v.checked_add(bias);
        }
        self.segments.iter().find_map(|s| {
            if self.phoff >= s.offset && self.phoff < s.offset.saturating_add(s.filesz) {
                s.vaddr
                    .checked_add(self.phoff - s.offset)?
                    .checked_add(bias)
            } else {
                None
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(e_type: u16, phnum: u16) -> Vec<u8> {
        let mut b = vec![0u8; 64 + 56 * phnum as usize];
        b[0..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[16..18].copy_from_slice(&e_type.to_le_bytes());
        b[18..20].copy_from_slice(&62u16.to_le_bytes());
        b[24..32].copy_from_slice(&0x401000u64.to_le_bytes());
        b[32..40].copy_from_slice(&64u64.to_le_bytes());
        b[54..56].copy_from_slice(&56u16.to_le_bytes());
        b[56..58].copy_from_slice(&phnum.to_le_bytes());
        b
    }

    fn set_phdr(
        b: &mut [u8],
        i: usize,
        p_type: u32,
        vaddr: u64,
        off: u64,
        filesz: u64,
        memsz: u64,
    ) {
        let o = 64 + 56 * i;
        b[o..o + 4].copy_from_slice(&p_type.to_le_bytes());
        b[o + 4..o + 8].copy_from_slice(&5u32.to_le_bytes());
        b[o + 8..o + 16].copy_from_slice(&off.to_le_bytes());
        b[o + 16..o + 24].copy_from_slice(&vaddr.to_le_bytes());
        b[o + 32..o + 40].copy_from_slice(&filesz.to_le_bytes());
        b[o + 40..o + 48].copy_from_slice(&memsz.to_le_bytes());
    }

    #[test]
    fn parses_minimal_exec() {
        let mut b = header(2, 1);
        set_phdr(&mut b, 0, PT_LOAD, 0x400000, 0, 120, 0x2000);
        let img = parse(&b, b.len() as u64).unwrap();
        assert!(!img.position_independent);
        assert_eq!(img.entry, 0x401000);
        assert_eq!(img.segments.len(), 1);
        assert_eq!(img.phdr_addr(0), Some(0x400040));
    }

    #[test]
    fn rejects_bad_inputs() {
        assert!(parse(b"", 0).is_err());
        assert!(parse(b"\x7fELF", 4).is_err());
        let mut b = header(2, 1);
        set_phdr(&mut b, 0, PT_LOAD, 0x400000, 0, 1 << 40, 1 << 40);
        assert!(
            parse(&b, b.len() as u64).is_err(),
            "segment past end of file"
        );
        let mut b = header(2, 1);
        set_phdr(&mut b, 0, PT_INTERP, 0, 0, 0, 0);
        assert!(parse(&b, b.len() as u64).is_err(), "dynamic executable");
        let mut b = header(2, 1);
        set_phdr(&mut b, 0, PT_LOAD, u64::MAX - 10, 0, 0, 100);
        assert!(parse(&b, b.len() as u64).is_err(), "address overflow");
        let mut b = header(2, 1);
        set_phdr(&mut b, 0, PT_LOAD, 0x400000, 0, 120, 0x2000);
        b[64 + 4..64 + 8].copy_from_slice(&(PF_W | PF_X | 4).to_le_bytes());
        let e = parse(&b, b.len() as u64).err().map(|e| e.0);
        assert!(
            e.as_deref().is_some_and(|m| m.contains("W^X")),
            "writable and executable segment: {e:?}"
        );
        let mut b = header(2, 3);
        b.truncate(100);
        assert!(parse(&b, b.len() as u64).is_err(), "truncated headers");
        // Every truncation of a valid file is an error or a success, never a panic.
        let mut b = header(3, 2);
        set_phdr(&mut b, 0, PT_LOAD, 0, 0, 64, 64);
        for n in 0..b.len() {
            let _ = parse(&b[..n], n as u64);
        }
    }
}
