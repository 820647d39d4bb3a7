//! The command line as clap sees it: commands, arguments and help text.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// lang: a small statically typed language on a portable, verified bytecode VM.
#[derive(Parser, Debug)]
#[command(name = "lang", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile (if source) and run FILE, `.src` or `.bc`; the rest goes to args().
    Run {
        /// The program: source text or bytecode, told apart by its first bytes.
        file: PathBuf,
        /// Arguments passed to the program's `args()`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Compile FILE.src to portable bytecode.
    Build {
        file: PathBuf,
        /// Where to write the bytecode; defaults to FILE with the extension `.bc`.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Report every compile error in FILE.src without running anything.
    Check { file: PathBuf },
    /// Print a readable listing of the bytecode of FILE (`.src` or `.bc`).
    Disasm { file: PathBuf },
}
