//! Verifier cases as listings: each `verify/<name>.lasm` is a module in the
//! disassembler's listing format whose first line states the verdict the
//! verifier must reach, `; expect: ok` or `; expect: error <part of the
//! message>`. Each file must also be in the listing's canonical form (what
//! the disassembler prints for the module it assembles to), so the files
//! read exactly like `lang disasm` output. Add a case by adding a file.

use lang_bytecode::assemble;
use lang_bytecode::disasm::disassemble;
use lang_bytecode::instr::ALL_OPCODES;
use std::path::{Path, PathBuf};

/// What a case expects of the verifier.
enum Expect {
    Ok,
    Error(String),
}

/// Every `.lasm` file of `tests/verify`, sorted.
fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/verify");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/verify exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "lasm"))
        .collect();
    files.sort();
    files
}

/// The expectation on the first line, and the listing without the leading
/// comment lines.
fn parse_case(text: &str) -> Result<(Expect, String), String> {
    let first = text.lines().next().unwrap_or("");
    let verdict = first
        .strip_prefix("; expect: ")
        .ok_or("the first line must be `; expect: ok` or `; expect: error <message part>`")?;
    let expect = match verdict.trim() {
        "ok" => Expect::Ok,
        v => match v.strip_prefix("error ") {
            Some(part) if !part.trim().is_empty() => Expect::Error(part.trim().to_string()),
            _ => return Err(format!("unknown verdict `{v}`")),
        },
    };
    let listing: Vec<&str> = text.lines().skip_while(|l| l.starts_with(';')).collect();
    Ok((expect, listing.join("\n") + "\n"))
}

/// Checks one case; returns the module's opcodes when it verified.
fn check(path: &Path) -> Result<Vec<u8>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let (expect, listing) = parse_case(&text)?;
    let m = assemble(&listing).map_err(|e| format!("does not assemble: {e}"))?;
    let canonical = disassemble(&m);
    if canonical != listing {
        return Err(format!(
            "is not in canonical form; the disassembler prints its module as\n{canonical}"
        ));
    }
    match (expect, lang_bytecode::check(&m)) {
        (Expect::Ok, Ok(_)) => Ok(m
            .functions
            .iter()
            .flat_map(|f| &f.code)
            .map(|i| i.opcode() as u8)
            .collect()),
        (Expect::Ok, Err(e)) => Err(format!("expected ok, got `{e}`")),
        (Expect::Error(part), Err(e)) if e.to_string().contains(&part) => Ok(Vec::new()),
        (Expect::Error(part), Err(e)) => Err(format!("expected an error with `{part}`, got `{e}`")),
        (Expect::Error(part), Ok(_)) => {
            Err(format!("expected an error with `{part}`, but it verified"))
        }
    }
}

#[test]
fn every_case_gets_its_verdict() {
    let mut failures = Vec::new();
    let mut used = Vec::new();
    let all = cases();
    assert!(!all.is_empty(), "no cases in tests/verify");
    for path in &all {
        match check(path) {
            Ok(ops) => used.extend(ops),
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    for op in ALL_OPCODES {
        assert!(
            used.contains(&(*op as u8)),
            "no accepted case uses {}",
            op.mnemonic()
        );
    }
}
