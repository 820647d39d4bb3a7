//! `listing::` trials: a program's listing is complete. Each program is
//! compiled in process, disassembled and assembled again; the module must
//! come back equal, and encode to the same bytes.

use lang_bytecode::disasm::disassemble;
use libtest_mimic::Failed;
use std::path::Path;

/// Compiles `src`, and checks that its listing assembles back into the
/// same module and the same `.bc` bytes. Programs that do not compile have
/// no listing and pass.
pub fn round_trip(src: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(src).map_err(|e| e.to_string())?;
    let name = src.file_name().unwrap_or_default().to_string_lossy();
    let dir = src.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut read = |rel: &str| std::fs::read(dir.join(rel)).map_err(|e| e.to_string());
    let Ok(module) = lang_compiler::compile_program(&name, &name, &text, &mut read) else {
        return Ok(());
    };
    let listing = disassemble(&module);
    let back = lang_bytecode::assemble(&listing)
        .map_err(|e| format!("the listing does not assemble: {e}\n{listing}"))?;
    if back != module {
        let again = disassemble(&back);
        return Err(format!(
            "the assembled module differs from the compiled one\n--- listing\n{listing}--- listing of the assembled module\n{again}"
        )
        .into());
    }
    if lang_bytecode::encode(&back) != lang_bytecode::encode(&module) {
        return Err("the assembled module encodes to different bytes".into());
    }
    Ok(())
}
