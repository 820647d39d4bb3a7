//! Compiled code's side of the runtime: the helpers compiled code calls
//! (`helpers`, whose contracts `crate::abi` states) and which functions run
//! compiled (`tiers`).
//!
//! The compiler itself is another crate (`lang-jit`, the only one that
//! knows cranelift); the runtime gets it as a `CompilerFactory` in the run's
//! options, so that `lang-vm` builds, runs and is tested without it.

mod helpers;
mod tiers;

pub(crate) use tiers::Tiers;
pub use tiers::{JitMode, JitOptions, JitStats};
