//! Compiled code's side of the runtime: the helpers compiled code calls
//! (`helpers`, whose contracts `crate::abi` states), which functions run
//! compiled and when (`tiers`), what a compilation reads of the program
//! (`inputs`), and the compiler threads (`background`).
//!
//! The compiler itself is another crate (`lang-jit`, the only one that
//! knows cranelift); the runtime gets it as a `CompilerFactory` in the run's
//! options, so that `lang-vm` builds, runs and is tested without it.

mod background;
mod helpers;
mod inputs;
mod tiers;

pub use background::MAX_JIT_THREADS;
pub(crate) use tiers::Tiers;
pub use tiers::{JitMode, JitOptions, JitStats};
