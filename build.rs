//! Build script of the `lang` CLI: computes the build identity, a hash of
//! every source file that goes into the binary (the workspace's Rust
//! sources and manifests, and Cargo.lock), and hands it to the crate as
//! `LANG_BUILD_ID`. `lang run --kvm` refuses a static guest whose identity
//! differs (`src/build_id.rs`). Only file contents and paths count, never
//! timestamps, git state or the build profile, so a clean clone without
//! `.git` gets the same identity, and the debug CLI and the static release
//! guest built from one tree agree.
//!
//! It also declares the prelude (`stdlib/prelude.src`) with the compiler
//! it builds against (a build dependency) and writes its interface to
//! `OUT_DIR/prelude.interface`, which the binary embeds and installs at
//! start, so that no run parses or declares the prelude
//! (`lang_compiler::check::interface`).

use siphasher::sip128::{Hasher128, SipHasher13};
use std::hash::Hasher;
use std::path::{Path, PathBuf};

/// Folders whose sources are compiled into `lang` (`third_party` holds the
/// patched copy of mmtk-core; `stdlib` the library modules the compiler
/// embeds, the prelude among them).
const SOURCE_DIRS: [&str; 5] = ["src", "compiler", "vm", "third_party", "stdlib"];
/// The kinds of file in those folders that are compiled into the binary:
/// Rust, the lalrpop grammar the parser is generated from, and the
/// library modules written in the language (`stdlib/*.src`, embedded).
const SOURCE_EXTENSIONS: [&str; 3] = ["rs", "lalrpop", "src"];
/// Single files that decide what is compiled.
const SOURCE_FILES: [&str; 3] = ["Cargo.toml", "Cargo.lock", "build.rs"];

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut files: Vec<PathBuf> = SOURCE_FILES.iter().map(PathBuf::from).collect();
    for dir in SOURCE_DIRS {
        collect(&root, Path::new(dir), &mut files);
        println!("cargo::rerun-if-changed={dir}");
    }
    for f in SOURCE_FILES {
        println!("cargo::rerun-if-changed={f}");
    }
    files.sort();
    let mut h = SipHasher13::new();
    for rel in &files {
        // A file that cannot be read still counts, by its name.
        let bytes = std::fs::read(root.join(rel)).unwrap_or_default();
        let name = rel.to_string_lossy();
        h.write(name.as_bytes());
        h.write_u8(0);
        h.write_u64(bytes.len() as u64);
        h.write(&bytes);
    }
    println!(
        "cargo::rustc-env=LANG_BUILD_ID={:032x}",
        h.finish128().as_u128()
    );
    write_prelude_interface();
}

/// Writes the prelude's interface into `OUT_DIR`. The compiler this build
/// script links is built from the same sources (the same prelude text) as
/// the one in the binary; the interface records a hash of that text, and
/// a binary whose prelude differed would parse it instead.
fn write_prelude_interface() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let bytes = lang_compiler::check::interface::build();
    if let Err(e) = std::fs::write(out.join("prelude.interface"), bytes) {
        // A build script reports a failure by failing.
        panic!("cannot write the prelude's interface into OUT_DIR: {e}");
    }
}

/// Every source file (`SOURCE_EXTENSIONS`) and `Cargo.toml` below `root/dir`, as paths relative
/// to `root`; test folders and build output are not part of the binary.
fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let rel = dir.join(&name);
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if name != "tests" && name != "target" && name != "benches" {
                collect(root, &rel, out);
            }
        } else if rel
            .extension()
            .is_some_and(|e| SOURCE_EXTENSIONS.iter().any(|x| e == *x))
            || name == "Cargo.toml"
        {
            out.push(rel);
        }
    }
}
