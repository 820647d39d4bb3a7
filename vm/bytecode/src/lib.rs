//! lang-bytecode: the contract between the compiler and the runtime.
//!
//! It holds the instruction set (`instr`), the in-memory program (`module`),
//! the type table (`types`), the native built-ins (`natives`), the `.bc`
//! encoding (`encode`, `decode`), the `verify`er, the `disasm`bler and its
//! inverse, the `asm`bler. It has no heavy dependencies: the compiler and the runtime both link it.
//!
//! # Conventions the compiler and the runtime share
//!
//! **Frames.** A function's frame is `regs.len()` untagged 64-bit slots.
//! Parameters arrive in registers `0..params.len()`; every other register of a
//! reference type starts as nil, so the collector never sees garbage.
//!
//! **Calls.** `call`, `call.c`, `call.t` and `call.n` take their arguments from
//! consecutive caller registers `R[B]..R[B+N-1]`, which must have the callee's
//! parameter types; the result goes to `R[A]` (not written for functions that
//! return nothing). For `call.t`, `R[B]` is the receiver (trait-typed) and N
//! counts it. The callee's frame is separate from the caller's.
//!
//! **Closures.** A function value is always a closure object: a function id
//! and the captured values, typed by `Function::captures`. Naming a plain
//! function as a value makes a closure with no captures (`closure A, F, B, 0`).
//! A variable that a closure captures and that can change after capture
//! lives in a `cell`; the closure captures the cell, so the closure and the
//! declaring scope share it. Each loop iteration makes a fresh cell, so
//! closures made in a loop keep their own iteration's value. Inside a closure,
//! `getcap A, i` loads capture i.
//!
//! **Methods.** `impl` methods are ordinary functions named `Type::method`
//! whose first parameter is the receiver. Trait calls dispatch through
//! `Module::impls` on the receiver's struct.
//!
//! **Entry.** `Module::entry` runs the top-level statements in order, then
//! calls `main` if the program has one.
//!
//! **Natives.** Prelude functions and methods on built-in types that have no
//! instruction of their own are `call.n` of a `natives::Native`.
//! Overloads (`abs`, `min`, `max`, `contains`, `len`) are separate natives:
//! pick by receiver and argument types.

pub mod asm;
pub mod decode;
pub mod disasm;
pub mod encode;
pub mod golden;
pub mod instr;
pub mod module;
pub mod natives;
pub mod types;
pub mod verify;

pub use asm::{assemble, AsmError};
pub use decode::{decode, DecodeError};
pub use encode::encode;
pub use instr::{Instr, Opcode, Reg};
pub use module::{
    Const, EnumDef, Field, FuncId, Function, ImplDef, Module, SourceFile, StructDef, TraitDef,
    TraitMethod, Variant,
};
pub use natives::Native;
pub use types::{Type, TypeId};
pub use verify::{check, verify, Verified, VerifyError};

/// The first bytes of every `.bc` file. The leading 0x7F keeps any `.bc`
/// from being mistaken for UTF-8 source text.
pub const MAGIC: [u8; 4] = [0x7F, b'L', b'B', b'C'];

/// The `.bc` format version this build reads and writes. Bump it whenever the
/// encoding, the opcode list or the native list changes incompatibly.
/// Version 2 added the file table (`Module::files`).
pub const FORMAT_VERSION: u16 = 2;
