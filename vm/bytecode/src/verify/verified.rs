//! `Verified`: a module the verifier accepted, as a type.
//!
//! The runtime's entry points (`lang_vm::run`, `run_with_io`,
//! `Session::run`) take a `Verified` only, and the only way to make one is
//! `verify`, so a module that has not passed the verifier cannot be run: the
//! mistake is a compile error, not a convention callers must remember. The
//! module inside is read-only (it derefs to `&Module`); changing it means
//! taking it back out with `into_module` and verifying it again.

use crate::module::Module;
use std::ops::Deref;

/// A module that passed `verify`. It derefs to the module, read-only.
///
/// There is no public constructor (`lang_vm::run` documents that a plain
/// `Module` cannot be run), and one cannot be built by hand, since its
/// field is private:
///
/// ```compile_fail,E0423
/// let _ = lang_bytecode::verify::Verified(lang_bytecode::Module::new("p.src"));
/// ```
#[derive(Clone, Debug)]
pub struct Verified(Module);

impl Verified {
    /// Wraps a module `check` has just accepted; only `verify` calls this.
    pub(super) fn accepted(m: Module) -> Verified {
        Verified(m)
    }

    /// The module, read-only.
    pub fn module(&self) -> &Module {
        &self.0
    }

    /// Gives the module back, to change it (it must then be verified again
    /// before it can run) or to take its parts apart.
    pub fn into_module(self) -> Module {
        self.0
    }
}

impl Deref for Verified {
    type Target = Module;

    fn deref(&self) -> &Module {
        &self.0
    }
}
