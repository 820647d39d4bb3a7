//! The source files `lang test PATH` looks at: PATH itself when it is a
//! file, or every `.src` file under it when it is a directory, found
//! recursively in name order.

use crate::exit;
use crate::load::Failure;
use std::path::{Path, PathBuf};

/// The files to look for tests in, or why PATH cannot be read (exit 66).
/// Entries whose names start with `.` (`.git`) and directories named
/// `target` (Cargo's output) are skipped, and symbolic links to
/// directories are not followed, so the walk ends on any tree.
pub fn collect(root: &Path) -> Result<Vec<PathBuf>, Failure> {
    let meta = std::fs::metadata(root).map_err(|e| cannot_read(root, &lang_vm::os_reason(&e)))?;
    if !meta.is_dir() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut found = Vec::new();
    walk(root, &mut found).map_err(|e| cannot_read(root, &e))?;
    Ok(found)
}

fn cannot_read(path: &Path, why: &str) -> Failure {
    Failure {
        message: format!("error: cannot read {}: {why}", path.display()),
        code: exit::NO_INPUT,
    }
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| lang_vm::os_reason(&e))?;
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            if name != "target" {
                // A subdirectory that cannot be read is left out, as
                // `grep -r` leaves it.
                let _ = walk(&path, found);
            }
        } else if name.ends_with(".src") {
            found.push(path);
        }
    }
    Ok(())
}

/// The name a file has in `lang test`'s report: its path as found, without
/// a leading `./`.
pub fn shown(path: &Path) -> String {
    let s = path.display().to_string();
    match s.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => s,
    }
}
