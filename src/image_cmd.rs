//! `lang resume`, `lang image info` and `lang image verify`: snapshot
//! images read from disk, checked, described and resumed.

use crate::exit;
use crate::load::Failure;
use std::path::Path;

/// Reads an image file, within the image format's size limit; a missing or
/// unreadable file exits with 66 as a missing program does.
fn read_image(path: &Path) -> Result<Vec<u8>, Failure> {
    let cannot = |why: String| Failure {
        message: format!("error: cannot read {}: {why}", path.display()),
        code: exit::NO_INPUT,
    };
    let file = std::fs::File::open(path).map_err(|e| cannot(lang_vm::os_reason(&e)))?;
    let meta = file
        .metadata()
        .map_err(|e| cannot(lang_vm::os_reason(&e)))?;
    if !meta.is_file() {
        return Err(cannot("not a regular file".into()));
    }
    let limit = lang_vm::snapshot::image::MAX_IMAGE_BYTES as u64;
    if meta.len() > limit {
        return Err(cannot(format!(
            "the file is larger than {} MiB, the largest image lang reads",
            limit >> 20
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::io::Read::read_to_end(&mut std::io::Read::take(file, limit + 1), &mut bytes)
        .map_err(|e| cannot(lang_vm::os_reason(&e)))?;
    Ok(bytes)
}

/// Reads and checks an image; a damaged or hostile one exits with 65, as a
/// bad `.bc` does.
pub fn load(path: &Path) -> Result<(Vec<u8>, lang_vm::snapshot::Loaded), Failure> {
    let bytes = read_image(path)?;
    let loaded = lang_vm::snapshot::load(&bytes).map_err(|e| Failure {
        message: format!("error: {}: {e}", path.display()),
        code: exit::DATA_ERROR,
    })?;
    Ok((bytes, loaded))
}

/// `lang image info IMAGE`.
pub fn info(path: &Path) -> Result<i32, Failure> {
    let (bytes, loaded) = load(path)?;
    print!("{}", loaded.describe(bytes.len()));
    Ok(0)
}

/// `lang image verify IMAGE`: every check of a resume, then that the image
/// re-encodes to its own bytes (so it is in canonical form).
pub fn verify(path: &Path) -> Result<i32, Failure> {
    let (bytes, loaded) = load(path)?;
    if loaded.image().encode() != bytes {
        return Err(Failure {
            message: format!(
                "error: {}: the image is valid but not canonical: it does not re-encode to the same bytes",
                path.display()
            ),
            code: exit::DATA_ERROR,
        });
    }
    println!("{}: ok", path.display());
    Ok(0)
}
