//! The instruction set: one list, from which the encoder, decoder,
//! disassembler and the verifier's structural checks all follow. Each entry
//! also states the instruction's semantics (written register, fixed register
//! types, may trap, may allocate, calls, terminator; its `L` operand is its
//! branch target), so that the compiler's jump patching, the verifier's
//! control-flow check and a JIT derive them instead of listing opcodes by
//! hand. `for_each_op!` hands the list to another crate's macro.
//!
//! Notation of the effect lines, as in Lua's `lopcodes.h`: `R[A]` is register
//! A of the current frame, `K[k]` constant k, `G[g]` global g, `pc` the index
//! of the next instruction. Every register has one static type (see
//! `Function::regs`); the suffix of a mnemonic names the operand type (`.i`
//! int, `.f` float, `.b` bool, `.s` str, `.r` any reference).
//!
//! Operand kinds and their encoded widths (little-endian):
//! `R` register (u16), `K` constant index (u32), `T` type id (u32),
//! `F` function id (u32), `G` global id (u32), `N` native id (u16),
//! `L` jump target, an instruction index (u32), `U` small unsigned (u16),
//! `I` signed immediate (i32).

use crate::types::TypeId;

/// A register number within a frame.
pub type Reg = u16;

/// What an operand refers to; decides its encoded width and how the verifier
/// checks it structurally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperandKind {
    R,
    K,
    T,
    F,
    G,
    N,
    L,
    U,
    I,
}

impl OperandKind {
    /// Encoded size in bytes.
    pub const fn width(self) -> usize {
        match self {
            OperandKind::R | OperandKind::N | OperandKind::U => 2,
            OperandKind::K
            | OperandKind::T
            | OperandKind::F
            | OperandKind::G
            | OperandKind::L
            | OperandKind::I => 4,
        }
    }
}

/// One decoded operand: its kind and value (widened to i64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operand {
    pub kind: OperandKind,
    pub name: &'static str,
    pub value: i64,
}

/// The most operands any instruction has; `Operands` stores them inline so
/// that walking operands never allocates.
pub const MAX_OPERANDS: usize = 5;

/// The operands of one instruction, in encoding order.
#[derive(Clone, Copy, Debug)]
pub struct Operands {
    items: [Operand; MAX_OPERANDS],
    len: usize,
}

impl Operands {
    fn new() -> Self {
        Operands {
            items: [Operand {
                kind: OperandKind::U,
                name: "",
                value: 0,
            }; MAX_OPERANDS],
            len: 0,
        }
    }

    fn push(&mut self, op: Operand) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = op;
            self.len += 1;
        }
    }

    pub fn as_slice(&self) -> &[Operand] {
        self.items.get(..self.len).unwrap_or(&[])
    }
}

impl Instr {
    /// The registers the instruction may read: each of its register
    /// operands (the written one too: an instruction that may leave it
    /// untouched, such as a call of a function returning nothing, keeps
    /// its old value), and `R[B], ..., R[B+N-1]` for one with operands
    /// `b: R` and `n: U` (calls, closures, new structs, enum values and
    /// arrays: the list's only register ranges). A compiler that keeps
    /// registers out of their slots stores these before the runtime
    /// carries the instruction out.
    pub fn regs_read(&self) -> Vec<Reg> {
        let ops = self.operands();
        let ops = ops.as_slice();
        let mut regs: Vec<Reg> = ops
            .iter()
            .filter(|o| o.kind == OperandKind::R)
            .filter_map(|o| Reg::try_from(o.value).ok())
            .collect();
        let find = |name: &str, kind: OperandKind| {
            ops.iter()
                .find(|o| o.name == name && o.kind == kind)
                .map(|o| o.value)
        };
        if let (Some(b), Some(n)) = (find("b", OperandKind::R), find("n", OperandKind::U)) {
            regs.extend((b..b.saturating_add(n)).filter_map(|r| Reg::try_from(r).ok()));
        }
        regs
    }
}

/// Why an instruction could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstrDecodeError {
    UnknownOpcode(u8),
    Truncated,
}

macro_rules! operand_ty {
    (R) => {
        u16
    };
    (K) => {
        u32
    };
    (T) => {
        u32
    };
    (F) => {
        u32
    };
    (G) => {
        u32
    };
    (N) => {
        u16
    };
    (L) => {
        u32
    };
    (U) => {
        u16
    };
    (I) => {
        i32
    };
}

/// `Some(x)` for one argument, `None` for none: an optional fact of the list.
macro_rules! some_or_none {
    () => {
        None
    };
    ($x:expr) => {
        Some($x)
    };
}

/// The bit of `Opcode::flags` for one word of an entry's `[...]`; an unknown
/// word does not compile.
macro_rules! flag_bit {
    (trap) => {
        FLAG_TRAP
    };
    (alloc) => {
        FLAG_ALLOC
    };
    (call) => {
        FLAG_CALL
    };
    (terminator) => {
        FLAG_TERMINATOR
    };
}

/// Returns the operand `$field` from the enclosing function when its kind is
/// `L`, a branch target; expands to nothing for the other kinds.
macro_rules! return_if_target {
    (L, $field:ident) => {
        return Some($field)
    };
    ($kind:ident, $field:ident) => {};
}

/// `Opcode::flags` bit: may stop the program with a runtime error.
const FLAG_TRAP: u8 = 1;
/// `Opcode::flags` bit: may allocate, and so collect garbage.
const FLAG_ALLOC: u8 = 2;
/// `Opcode::flags` bit: calls another function and returns.
const FLAG_CALL: u8 = 4;
/// `Opcode::flags` bit: control never falls through to the next instruction.
const FLAG_TERMINATOR: u8 = 8;

macro_rules! instructions {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident = $mnemonic:literal { $($field:ident : $kind:ident),* }
            $(writes($written:ident))?
            $(types($($typed:ident : $ty:ident),+))?
            $([$($flag:ident),*])?;
    )*) => {
        /// A decoded instruction. Field names follow the effect lines.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Instr {
            $( $(#[doc = $doc])+ $name { $($field: operand_ty!($kind)),* }, )*
        }

        /// The opcode byte of each instruction, in list order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub enum Opcode { $($name),* }

        /// Every opcode in encoding order: `ALL_OPCODES[op as usize] == op`.
        pub const ALL_OPCODES: &[Opcode] = &[$(Opcode::$name),*];

        impl Opcode {
            /// The assembler name, e.g. `add.i`.
            pub const fn mnemonic(self) -> &'static str {
                match self { $(Opcode::$name => $mnemonic),* }
            }

            /// The effect line from the opcode list.
            pub const fn doc(self) -> &'static str {
                match self { $(Opcode::$name => concat!($($doc),+)),* }
            }

            /// The operand kinds, in encoding order.
            pub const fn operand_kinds(self) -> &'static [OperandKind] {
                match self { $(Opcode::$name => &[$(OperandKind::$kind),*]),* }
            }

            /// The name of the register operand the instruction writes, if
            /// any; every other register operand is only read.
            pub const fn written_operand(self) -> Option<&'static str> {
                match self { $(Opcode::$name => some_or_none!($(stringify!($written))?)),* }
            }

            /// The register operands whose type the opcode fixes, by name,
            /// with that type (one of `INT`, `FLOAT`, `BOOL`, `STR`).
            pub const fn fixed_types(self) -> &'static [(&'static str, TypeId)] {
                match self { $(Opcode::$name => &[$($((stringify!($typed), crate::types::$ty)),+)?]),* }
            }

            /// The fixed type of the register operand called `name`, if the
            /// opcode fixes it.
            pub fn fixed_type(self, name: &str) -> Option<TypeId> {
                self.fixed_types().iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
            }

            /// The bits of the entry's `[...]` facts.
            const fn flags(self) -> u8 {
                match self { $(Opcode::$name => 0 $($(| flag_bit!($flag))*)?),* }
            }

            /// Whether the instruction may stop the program with a runtime
            /// error when it runs in a verified module.
            pub const fn can_trap(self) -> bool {
                self.flags() & FLAG_TRAP != 0
            }

            /// Whether the instruction may allocate, and so collect garbage
            /// and move objects, itself or in a function it calls.
            pub const fn may_alloc(self) -> bool {
                self.flags() & FLAG_ALLOC != 0
            }

            /// Whether the instruction calls another function (bytecode or
            /// native) and continues after it returns.
            pub const fn is_call(self) -> bool {
                self.flags() & FLAG_CALL != 0
            }

            /// Whether control never falls through to the next instruction,
            /// so that it may end a function.
            pub const fn is_terminator(self) -> bool {
                self.flags() & FLAG_TERMINATOR != 0
            }

            /// Whether the instruction has a branch target (an `L` operand).
            pub const fn has_branch_target(self) -> bool {
                let kinds = self.operand_kinds();
                let mut i = 0;
                while i < kinds.len() {
                    if matches!(kinds[i], OperandKind::L) {
                        return true;
                    }
                    i += 1;
                }
                false
            }

            /// The instruction with every operand 0: an instance whose
            /// operands carry their names and kinds, for code that walks
            /// every opcode (the spec table, tests) without code per opcode.
            pub const fn with_zero_operands(self) -> Instr {
                match self { $(Opcode::$name => Instr::$name { $($field: 0),* }),* }
            }

            /// The opcode for a byte, if it names one.
            pub fn from_byte(byte: u8) -> Option<Opcode> {
                ALL_OPCODES.get(byte as usize).copied()
            }
        }

        impl Instr {
            pub const fn opcode(&self) -> Opcode {
                match self { $(Instr::$name { .. } => Opcode::$name),* }
            }

            pub const fn mnemonic(&self) -> &'static str {
                self.opcode().mnemonic()
            }

            /// The register the instruction writes, if any (see
            /// `Opcode::written_operand`).
            #[allow(unused_variables)]
            pub const fn written_reg(&self) -> Option<Reg> {
                match *self { $(Instr::$name { $($field),* } => some_or_none!($($written)?)),* }
            }

            /// The branch target, if the instruction has one: the operand
            /// of kind `L`, which the compiler patches and the verifier
            /// range-checks. Derived from the operand kinds, so that no
            /// jump can be left out.
            #[allow(unused_variables)]
            pub fn branch_target_mut(&mut self) -> Option<&mut u32> {
                match self {
                    $(Instr::$name { $($field),* } => {
                        $(return_if_target!($kind, $field);)*
                    })*
                }
                None
            }

            /// The branch target, if the instruction has one.
            pub fn branch_target(&self) -> Option<u32> {
                let mut copy = *self;
                copy.branch_target_mut().copied()
            }

            pub const fn can_trap(&self) -> bool {
                self.opcode().can_trap()
            }

            pub const fn may_alloc(&self) -> bool {
                self.opcode().may_alloc()
            }

            pub const fn is_call(&self) -> bool {
                self.opcode().is_call()
            }

            pub const fn is_terminator(&self) -> bool {
                self.opcode().is_terminator()
            }

            /// The operands with their kinds and names, in encoding order.
            #[allow(unused_mut)]
            pub fn operands(&self) -> Operands {
                let mut out = Operands::new();
                match *self {
                    $(Instr::$name { $($field),* } => {
                        $(out.push(Operand { kind: OperandKind::$kind, name: stringify!($field), value: $field as i64 });)*
                    })*
                }
                out
            }

            /// Appends the encoding: the opcode byte, then each operand
            /// little-endian at its kind's width.
            pub fn encode(&self, out: &mut Vec<u8>) {
                out.push(self.opcode() as u8);
                match *self {
                    $(Instr::$name { $($field),* } => {
                        $(out.extend_from_slice(&$field.to_le_bytes());)*
                    })*
                }
            }

            /// Decodes one instruction from the front of `bytes`, returning it
            /// and the number of bytes it used.
            #[allow(unused_mut, unused_variables, unused_assignments)]
            pub fn decode(bytes: &[u8]) -> Result<(Instr, usize), InstrDecodeError> {
                let (&byte, mut rest) = bytes.split_first().ok_or(InstrDecodeError::Truncated)?;
                let op = Opcode::from_byte(byte).ok_or(InstrDecodeError::UnknownOpcode(byte))?;
                let mut used = 1usize;
                let instr = match op {
                    $(Opcode::$name => {
                        $(
                            let $field = {
                                const W: usize = std::mem::size_of::<operand_ty!($kind)>();
                                let (head, tail) = rest.split_at_checked(W).ok_or(InstrDecodeError::Truncated)?;
                                let mut buf = [0u8; W];
                                buf.copy_from_slice(head);
                                rest = tail;
                                used += W;
                                <operand_ty!($kind)>::from_le_bytes(buf)
                            };
                        )*
                        Instr::$name { $($field),* }
                    })*
                };
                Ok((instr, used))
            }
        }
    };
}

/// Calls the macro `$m` with the whole opcode list: the one place each
/// instruction is described. Other crates (a JIT's translation skeleton, a
/// fuzzer's generator) expand it with their own macro, as cranelift's pulley
/// does with `for_each_op!`, so that they follow the list by construction.
///
/// Each entry is
/// `/// effect line` then `Name = "mnemonic" { field: Kind, ... }`, followed by
/// its facts, each optional:
/// - `writes(a)`: the register operand the instruction writes (a call of a
///   function that returns nothing leaves it untouched). Every other register
///   operand is only read.
/// - `types(a: INT, b: FLOAT, ...)`: register operands whose type is fixed by
///   the opcode alone (`INT`, `FLOAT`, `BOOL`, `STR` of `crate::types`); the
///   types of the others depend on the module (a constant, a type operand, a
///   callee).
/// - `[trap, alloc, call, terminator]`: the instruction may stop the program
///   with a runtime error (in a verified module); may allocate and so collect
///   garbage (directly or in a callee); transfers control to another function
///   (bytecode or native) and returns; never lets control fall through to the
///   next instruction.
///
/// An operand of kind `L` is a branch target: the instruction may continue
/// at that instruction index. No instruction has more than one.
#[macro_export]
macro_rules! for_each_op {
    ($m:ident) => {
        $m! {
            /// Does nothing.
            Nop = "nop" {};
            /// R[A] := R[B] (same type).
            Mov = "mov" { a: R, b: R } writes(a);
            /// R[A] := I, an int.
            LoadInt = "ld.i" { a: R, imm: I } writes(a) types(a: INT);
            /// R[A] := K[k]; the register's type is the constant's (int, float or str).
            LoadK = "ld.k" { a: R, k: K } writes(a);
            /// R[A] := (U != 0), a bool.
            LoadBool = "ld.b" { a: R, v: U } writes(a) types(a: BOOL);
            /// R[A] := nil; R[A] has a nullable reference type.
            LoadNil = "ld.nil" { a: R } writes(a);
            /// R[A] := G[g].
            GetGlobal = "gget" { a: R, g: G } writes(a);
            /// G[g] := R[B].
            SetGlobal = "gset" { g: G, b: R };

            /// R[A] := R[B] + R[C], wrapping.
            AddI = "add.i" { a: R, b: R, c: R } writes(a) types(a: INT, b: INT, c: INT);
            /// R[A] := R[B] - R[C], wrapping.
            SubI = "sub.i" { a: R, b: R, c: R } writes(a) types(a: INT, b: INT, c: INT);
            /// R[A] := R[B] * R[C], wrapping.
            MulI = "mul.i" { a: R, b: R, c: R } writes(a) types(a: INT, b: INT, c: INT);
            /// R[A] := R[B] / R[C], truncating; error if R[C] = 0 (MIN / -1 wraps).
            DivI = "div.i" { a: R, b: R, c: R } writes(a) types(a: INT, b: INT, c: INT) [trap];
            /// R[A] := R[B] % R[C], sign of R[B]; error if R[C] = 0.
            RemI = "rem.i" { a: R, b: R, c: R } writes(a) types(a: INT, b: INT, c: INT) [trap];
            /// R[A] := R[B] + I, wrapping.
            AddImmI = "addk.i" { a: R, b: R, imm: I } writes(a) types(a: INT, b: INT);
            /// R[A] := -R[B], wrapping.
            NegI = "neg.i" { a: R, b: R } writes(a) types(a: INT, b: INT);
            /// R[A] := R[B] & R[C].
            AndI = "and.i" { a: R, b: R, c: R } writes(a) types(a: INT, b: INT, c: INT);
            /// R[A] := R[B] | R[C].
            OrI = "or.i" { a: R, b: R, c: R } writes(a) types(a: INT, b: INT, c: INT);
            /// R[A] := R[B] ^ R[C].
            XorI = "xor.i" { a: R, b: R, c: R } writes(a) types(a: INT, b: INT, c: INT);
            /// R[A] := R[B] << (R[C] & 63).
            ShlI = "shl.i" { a: R, b: R, c: R } writes(a) types(a: INT, b: INT, c: INT);
            /// R[A] := R[B] >> (R[C] & 63), arithmetic.
            ShrI = "shr.i" { a: R, b: R, c: R } writes(a) types(a: INT, b: INT, c: INT);
            /// R[A] := ~R[B].
            NotI = "not.i" { a: R, b: R } writes(a) types(a: INT, b: INT);

            /// R[A] := R[B] + R[C].
            AddF = "add.f" { a: R, b: R, c: R } writes(a) types(a: FLOAT, b: FLOAT, c: FLOAT);
            /// R[A] := R[B] - R[C].
            SubF = "sub.f" { a: R, b: R, c: R } writes(a) types(a: FLOAT, b: FLOAT, c: FLOAT);
            /// R[A] := R[B] * R[C].
            MulF = "mul.f" { a: R, b: R, c: R } writes(a) types(a: FLOAT, b: FLOAT, c: FLOAT);
            /// R[A] := R[B] / R[C] (IEEE: no error on zero).
            DivF = "div.f" { a: R, b: R, c: R } writes(a) types(a: FLOAT, b: FLOAT, c: FLOAT);
            /// R[A] := fmod(R[B], R[C]).
            RemF = "rem.f" { a: R, b: R, c: R } writes(a) types(a: FLOAT, b: FLOAT, c: FLOAT);
            /// R[A] := -R[B].
            NegF = "neg.f" { a: R, b: R } writes(a) types(a: FLOAT, b: FLOAT);

            /// R[A] := R[B] == R[C] (ints).
            EqI = "eq.i" { a: R, b: R, c: R } writes(a) types(a: BOOL, b: INT, c: INT);
            /// R[A] := R[B] != R[C] (ints).
            NeI = "ne.i" { a: R, b: R, c: R } writes(a) types(a: BOOL, b: INT, c: INT);
            /// R[A] := R[B] < R[C] (ints).
            LtI = "lt.i" { a: R, b: R, c: R } writes(a) types(a: BOOL, b: INT, c: INT);
            /// R[A] := R[B] <= R[C] (ints).
            LeI = "le.i" { a: R, b: R, c: R } writes(a) types(a: BOOL, b: INT, c: INT);
            /// R[A] := R[B] == R[C] (floats, IEEE).
            EqF = "eq.f" { a: R, b: R, c: R } writes(a) types(a: BOOL, b: FLOAT, c: FLOAT);
            /// R[A] := R[B] != R[C] (floats, IEEE).
            NeF = "ne.f" { a: R, b: R, c: R } writes(a) types(a: BOOL, b: FLOAT, c: FLOAT);
            /// R[A] := R[B] < R[C] (floats, IEEE).
            LtF = "lt.f" { a: R, b: R, c: R } writes(a) types(a: BOOL, b: FLOAT, c: FLOAT);
            /// R[A] := R[B] <= R[C] (floats, IEEE).
            LeF = "le.f" { a: R, b: R, c: R } writes(a) types(a: BOOL, b: FLOAT, c: FLOAT);
            /// R[A] := R[B] == R[C] (bools).
            EqB = "eq.b" { a: R, b: R, c: R } writes(a) types(a: BOOL, b: BOOL, c: BOOL);
            /// R[A] := R[B] != R[C] (bools).
            NeB = "ne.b" { a: R, b: R, c: R } writes(a) types(a: BOOL, b: BOOL, c: BOOL);
            /// R[A] := !R[B] (bool).
            NotB = "not.b" { a: R, b: R } writes(a) types(a: BOOL, b: BOOL);
            /// R[A] := R[B] == R[C] (strings, by bytes).
            EqS = "eq.s" { a: R, b: R, c: R } writes(a) types(a: BOOL, b: STR, c: STR);
            /// R[A] := R[B] != R[C] (strings, by bytes).
            NeS = "ne.s" { a: R, b: R, c: R } writes(a) types(a: BOOL, b: STR, c: STR);
            /// R[A] := R[B] < R[C] (strings, bytewise lexicographic).
            LtS = "lt.s" { a: R, b: R, c: R } writes(a) types(a: BOOL, b: STR, c: STR);
            /// R[A] := R[B] <= R[C] (strings, bytewise lexicographic).
            LeS = "le.s" { a: R, b: R, c: R } writes(a) types(a: BOOL, b: STR, c: STR);
            /// R[A] := R[B] is R[C] (any two references, by identity).
            EqR = "eq.r" { a: R, b: R, c: R } writes(a) types(a: BOOL);
            /// R[A] := R[B] is not R[C] (references, by identity).
            NeR = "ne.r" { a: R, b: R, c: R } writes(a) types(a: BOOL);
            /// R[A] := R[B] == nil.
            IsNil = "isnil" { a: R, b: R } writes(a) types(a: BOOL);

            /// R[A] := float(R[B]) from an int.
            IntToFloat = "i2f" { a: R, b: R } writes(a) types(a: FLOAT, b: INT);
            /// R[A] := int(R[B]) truncating a float; error on NaN or out of range.
            FloatToInt = "f2i" { a: R, b: R } writes(a) types(a: INT, b: FLOAT) [trap];
            /// R[A] := str(R[B]), the printed form of a value of type T (T = type of R[B]).
            ToStr = "tostr" { a: R, b: R, t: T } writes(a) types(a: STR) [trap, alloc];
            /// R[A] := R[B] + R[C] (string concatenation).
            Concat = "concat" { a: R, b: R, c: R } writes(a) types(a: STR, b: STR, c: STR) [trap, alloc];
            /// R[A] := byte length of string R[B].
            StrLen = "len.s" { a: R, b: R } writes(a) types(a: INT, b: STR);
            /// Writes the printed form of R[B] (of type T) to stdout, then a newline if U != 0.
            Print = "print" { b: R, t: T, nl: U };

            /// pc := L.
            Jmp = "jmp" { target: L } [terminator];
            /// if R[A] then pc := L (bool).
            JmpIf = "jt" { a: R, target: L } types(a: BOOL);
            /// if not R[A] then pc := L (bool).
            JmpIfNot = "jf" { a: R, target: L } types(a: BOOL);
            /// if R[A] < R[B] then pc := L (ints).
            JmpLtI = "jlt.i" { a: R, b: R, target: L } types(a: INT, b: INT);
            /// if R[A] >= R[B] then pc := L (ints).
            JmpGeI = "jge.i" { a: R, b: R, target: L } types(a: INT, b: INT);

            /// R[A] := F(R[B], ..., R[B+N-1]); F is a function without captures. A is
            /// not written when F returns nothing.
            Call = "call" { a: R, f: F, b: R, n: U } writes(a) [trap, alloc, call];
            /// R[A] := R[C](R[B], ..., R[B+N-1]); R[C] is a closure (error if nil).
            CallClosure = "call.c" { a: R, c: R, b: R, n: U } writes(a) [trap, alloc, call];
            /// R[A] := method M of trait T on R[B](R[B], ..., R[B+N-1]), dispatched on
            /// the receiver's struct (error if nil).
            CallTrait = "call.t" { a: R, t: T, m: U, b: R, n: U } writes(a) [trap, alloc, call];
            /// R[A] := native N(R[B], ..., R[B+N-1]) (see `natives`).
            CallNative = "call.n" { a: R, native: N, b: R, n: U } writes(a) [trap, alloc, call];
            /// Returns R[A] to the caller.
            Ret = "ret" { a: R } [terminator];
            /// Returns from a function that returns nothing.
            RetVoid = "ret.v" {} [terminator];

            /// R[A] := a closure of F capturing R[B], ..., R[B+N-1] (F's capture types).
            MakeClosure = "closure" { a: R, f: F, b: R, n: U } writes(a) [trap, alloc];
            /// R[A] := capture U of the running closure.
            GetCapture = "getcap" { a: R, i: U } writes(a);
            /// R[A] := a new cell holding R[B].
            NewCell = "cell.new" { a: R, b: R } writes(a) [trap, alloc];
            /// R[A] := the value in cell R[B].
            CellGet = "cell.get" { a: R, b: R } writes(a) [trap];
            /// The value in cell R[A] := R[B].
            CellSet = "cell.set" { a: R, b: R } [trap];

            /// R[A] := new struct T with fields R[B], ..., R[B+N-1].
            NewStruct = "new.st" { a: R, t: T, b: R, n: U } writes(a) [trap, alloc];
            /// R[A] := R[B].field[U] (error if R[B] is nil).
            GetField = "getf" { a: R, b: R, i: U } writes(a) [trap];
            /// R[A].field[U] := R[B] (error if R[A] is nil).
            SetField = "setf" { a: R, i: U, b: R } [trap];
            /// R[A] := R[B] seen as trait type of R[A]; R[B] is a struct implementing it.
            Upcast = "upcast" { a: R, b: R } writes(a);

            /// R[A] := variant V of enum T with payload R[B], ..., R[B+N-1].
            NewEnum = "new.en" { a: R, t: T, v: U, b: R, n: U } writes(a) [trap, alloc];
            /// R[A] := the variant index of enum value R[B] (error if nil).
            EnumTag = "tag" { a: R, b: R } writes(a) types(a: INT) [trap];
            /// R[A] := payload field U of R[B], which must be variant V (error otherwise).
            GetPayload = "payload" { a: R, b: R, v: U, i: U } writes(a) [trap];

            /// R[A] := new array of type T holding R[B], ..., R[B+N-1].
            NewArray = "new.arr" { a: R, t: T, b: R, n: U } writes(a) [trap, alloc];
            /// R[A] := new array of type T holding R[C] copies of R[B] (error if R[C] < 0).
            NewArrayFill = "new.fill" { a: R, t: T, b: R, c: R } writes(a) types(c: INT) [trap, alloc];
            /// R[A] := R[B][R[C]] (error if nil or out of bounds).
            ArrGet = "aget" { a: R, b: R, c: R } writes(a) types(c: INT) [trap];
            /// R[A][R[B]] := R[C] (error if nil or out of bounds).
            ArrSet = "aset" { a: R, b: R, c: R } types(b: INT) [trap];
            /// R[A] := length of array R[B] (error if nil).
            ArrLen = "len.a" { a: R, b: R } writes(a) types(a: INT) [trap];
            /// Appends R[B] to array R[A] (error if nil).
            ArrPush = "push" { a: R, b: R } [trap, alloc];

            /// R[A] := new empty map of type T.
            NewMap = "new.map" { a: R, t: T } writes(a) [trap, alloc];
            /// R[A] := R[B][R[C]] (error if nil or key missing).
            MapGet = "mget" { a: R, b: R, c: R } writes(a) [trap];
            /// R[A][R[B]] := R[C], inserting or replacing (error if nil).
            MapSet = "mset" { a: R, b: R, c: R } [trap, alloc];

            // Superinstructions: fused forms of the sequences above that the
            // compiler emits for the common cases. Added at the end of the list so
            // the opcode bytes before them keep their numbers.

            /// if R[A] == R[B] then pc := L (ints).
            JmpEqI = "jeq.i" { a: R, b: R, target: L } types(a: INT, b: INT);
            /// if R[A] != R[B] then pc := L (ints).
            JmpNeI = "jne.i" { a: R, b: R, target: L } types(a: INT, b: INT);
            /// if R[A] < R[B] then pc := L (floats, IEEE: false if either is NaN).
            JmpLtF = "jlt.f" { a: R, b: R, target: L } types(a: FLOAT, b: FLOAT);
            /// if R[A] <= R[B] then pc := L (floats, IEEE).
            JmpLeF = "jle.f" { a: R, b: R, target: L } types(a: FLOAT, b: FLOAT);
            /// if not (R[A] < R[B]) then pc := L (floats; taken if either is NaN).
            JmpNltF = "jnlt.f" { a: R, b: R, target: L } types(a: FLOAT, b: FLOAT);
            /// if not (R[A] <= R[B]) then pc := L (floats; taken if either is NaN).
            JmpNleF = "jnle.f" { a: R, b: R, target: L } types(a: FLOAT, b: FLOAT);
            /// if R[A] == R[B] then pc := L (floats, IEEE).
            JmpEqF = "jeq.f" { a: R, b: R, target: L } types(a: FLOAT, b: FLOAT);
            /// if R[A] != R[B] then pc := L (floats, IEEE).
            JmpNeF = "jne.f" { a: R, b: R, target: L } types(a: FLOAT, b: FLOAT);
            /// if R[A] == I then pc := L (int).
            JmpEqImmI = "jeqk.i" { a: R, imm: I, target: L } types(a: INT);
            /// if R[A] != I then pc := L (int).
            JmpNeImmI = "jnek.i" { a: R, imm: I, target: L } types(a: INT);
            /// if R[A] < I then pc := L (int).
            JmpLtImmI = "jltk.i" { a: R, imm: I, target: L } types(a: INT);
            /// if R[A] <= I then pc := L (int).
            JmpLeImmI = "jlek.i" { a: R, imm: I, target: L } types(a: INT);
            /// if R[A] > I then pc := L (int).
            JmpGtImmI = "jgtk.i" { a: R, imm: I, target: L } types(a: INT);
            /// if R[A] >= I then pc := L (int).
            JmpGeImmI = "jgek.i" { a: R, imm: I, target: L } types(a: INT);
            /// if R[A] == nil then pc := L.
            JmpNil = "jnil" { a: R, target: L };
            /// if R[A] != nil then pc := L.
            JmpNotNil = "jnnil" { a: R, target: L };
            /// R[A] := R[A] + 1; if R[A] < R[B] then pc := L (ints: the back-edge of
            /// a counted loop).
            ForLoop = "loop.i" { a: R, b: R, target: L } writes(a) types(a: INT, b: INT);
            /// R[A] := R[B] * I, wrapping.
            MulImmI = "mulk.i" { a: R, b: R, imm: I } writes(a) types(a: INT, b: INT);
            /// R[A] := R[B] / I, truncating (I != 0; MIN / -1 wraps).
            DivImmI = "divk.i" { a: R, b: R, imm: I } writes(a) types(a: INT, b: INT);
            /// R[A] := R[B] % I, sign of R[B] (I != 0).
            RemImmI = "remk.i" { a: R, b: R, imm: I } writes(a) types(a: INT, b: INT);
            /// R[A] := R[B] + K[k] (floats; K[k] a float constant).
            AddKF = "addk.f" { a: R, b: R, k: K } writes(a) types(a: FLOAT, b: FLOAT);
            /// R[A] := R[B] - K[k] (floats).
            SubKF = "subk.f" { a: R, b: R, k: K } writes(a) types(a: FLOAT, b: FLOAT);
            /// R[A] := K[k] - R[B] (floats).
            RSubKF = "rsubk.f" { a: R, b: R, k: K } writes(a) types(a: FLOAT, b: FLOAT);
            /// R[A] := R[B] * K[k] (floats).
            MulKF = "mulk.f" { a: R, b: R, k: K } writes(a) types(a: FLOAT, b: FLOAT);
            /// R[A] := R[B] / K[k] (floats).
            DivKF = "divk.f" { a: R, b: R, k: K } writes(a) types(a: FLOAT, b: FLOAT);
            /// R[A] := K[k] / R[B] (floats).
            RDivKF = "rdivk.f" { a: R, b: R, k: K } writes(a) types(a: FLOAT, b: FLOAT);
            /// if R[A] < K[k] then pc := L (floats; K[k] a float constant).
            JmpLtKF = "jltk.f" { a: R, k: K, target: L } types(a: FLOAT);
            /// if R[A] <= K[k] then pc := L (floats).
            JmpLeKF = "jlek.f" { a: R, k: K, target: L } types(a: FLOAT);
            /// if R[A] > K[k] then pc := L (floats).
            JmpGtKF = "jgtk.f" { a: R, k: K, target: L } types(a: FLOAT);
            /// if R[A] >= K[k] then pc := L (floats).
            JmpGeKF = "jgek.f" { a: R, k: K, target: L } types(a: FLOAT);
            /// if not (R[A] < K[k]) then pc := L (floats; taken on NaN).
            JmpNltKF = "jnltk.f" { a: R, k: K, target: L } types(a: FLOAT);
            /// if not (R[A] <= K[k]) then pc := L (floats; taken on NaN).
            JmpNleKF = "jnlek.f" { a: R, k: K, target: L } types(a: FLOAT);
            /// if not (R[A] > K[k]) then pc := L (floats; taken on NaN).
            JmpNgtKF = "jngtk.f" { a: R, k: K, target: L } types(a: FLOAT);
            /// if not (R[A] >= K[k]) then pc := L (floats; taken on NaN).
            JmpNgeKF = "jngek.f" { a: R, k: K, target: L } types(a: FLOAT);
            /// R[A] := R[B] * I + R[C], wrapping (ints).
            MulAddImmI = "muladdk.i" { a: R, b: R, imm: I, c: R } writes(a) types(a: INT, b: INT, c: INT);
        }
    };
}

for_each_op!(instructions);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{BOOL, INT, STR};

    #[test]
    fn every_opcode_round_trips_through_its_byte() {
        for (i, op) in ALL_OPCODES.iter().enumerate() {
            assert_eq!(*op as usize, i);
            assert_eq!(Opcode::from_byte(i as u8), Some(*op));
        }
        assert_eq!(Opcode::from_byte(ALL_OPCODES.len() as u8), None);
    }

    #[test]
    fn encode_then_decode_is_identity() {
        let samples = [
            Instr::Nop {},
            Instr::AddI {
                a: 1,
                b: 2,
                c: 65535,
            },
            Instr::LoadInt { a: 3, imm: -7 },
            Instr::CallTrait {
                a: 1,
                t: 70000,
                m: 2,
                b: 3,
                n: 4,
            },
            Instr::JmpLtI {
                a: 0,
                b: 1,
                target: 123456,
            },
        ];
        for instr in samples {
            let mut bytes = Vec::new();
            instr.encode(&mut bytes);
            let (back, used) = Instr::decode(&bytes).expect("decodes");
            assert_eq!(back, instr);
            assert_eq!(used, bytes.len());
            // Every proper prefix is truncated, even the empty one.
            assert_eq!(
                Instr::decode(&bytes[..bytes.len() - 1]).err(),
                Some(InstrDecodeError::Truncated)
            );
        }
    }

    /// The opcodes for which `fact` holds, by mnemonic.
    fn with(fact: fn(Opcode) -> bool) -> Vec<&'static str> {
        ALL_OPCODES
            .iter()
            .filter(|op| fact(**op))
            .map(|op| op.mnemonic())
            .collect()
    }

    #[test]
    fn the_facts_of_known_instructions() {
        assert_eq!(with(Opcode::is_terminator), ["jmp", "ret", "ret.v"]);
        assert_eq!(
            with(Opcode::is_call),
            ["call", "call.c", "call.t", "call.n"]
        );
        assert_eq!(
            with(Opcode::may_alloc),
            [
                "tostr", "concat", "call", "call.c", "call.t", "call.n", "closure", "cell.new",
                "new.st", "new.en", "new.arr", "new.fill", "push", "new.map", "mset"
            ]
        );
        assert!(Opcode::DivI.can_trap() && Opcode::FloatToInt.can_trap());
        assert!(!Opcode::AddI.can_trap() && !Opcode::DivImmI.can_trap());
        assert_eq!(
            Opcode::AddI.fixed_types(),
            [("a", INT), ("b", INT), ("c", INT)]
        );
        assert_eq!(
            Opcode::LtS.fixed_types(),
            [("a", BOOL), ("b", STR), ("c", STR)]
        );
        assert_eq!(Opcode::ArrGet.fixed_type("c"), Some(INT));
        assert_eq!(Opcode::ArrGet.fixed_type("a"), None);
        assert!(Opcode::Mov.fixed_types().is_empty());
        assert_eq!(Opcode::SetField.written_operand(), None);
        assert_eq!(
            Instr::ForLoop {
                a: 7,
                b: 8,
                target: 9
            }
            .written_reg(),
            Some(7)
        );
        assert_eq!(Instr::ArrSet { a: 1, b: 2, c: 3 }.written_reg(), None);
        let mut jump = Instr::JmpLtKF {
            a: 1,
            k: 2,
            target: 3,
        };
        assert_eq!(jump.branch_target(), Some(3));
        if let Some(t) = jump.branch_target_mut() {
            *t = 40;
        }
        assert_eq!(
            jump,
            Instr::JmpLtKF {
                a: 1,
                k: 2,
                target: 40
            }
        );
        assert_eq!(
            Instr::Call {
                a: 1,
                f: 2,
                b: 3,
                n: 0
            }
            .branch_target(),
            None
        );
    }

    /// Patching a jump through `branch_target_mut` reaches the `L` operand
    /// of every opcode that has one, and only those have a target.
    #[test]
    fn every_branch_target_can_be_patched() {
        for op in ALL_OPCODES {
            let mut instr = op.with_zero_operands();
            assert_eq!(instr.opcode(), *op);
            match instr.branch_target_mut() {
                Some(t) => *t = 77,
                None => assert!(!op.has_branch_target(), "{}", op.mnemonic()),
            }
            let targets: Vec<i64> = instr
                .operands()
                .as_slice()
                .iter()
                .filter(|o| o.kind == OperandKind::L)
                .map(|o| o.value)
                .collect();
            let want: &[i64] = if op.has_branch_target() { &[77] } else { &[] };
            assert_eq!(targets, want, "{}", op.mnemonic());
            assert_eq!(instr.branch_target(), want.first().map(|t| *t as u32));
        }
    }

    /// The facts agree with the effect lines beside them in the list.
    #[test]
    fn the_facts_agree_with_the_effect_lines() {
        for op in ALL_OPCODES {
            let (doc, name) = (op.doc(), op.mnemonic());
            assert_eq!(
                op.written_operand() == Some("a"),
                doc.trim_start().starts_with("R[A] :="),
                "{name}: the written register against `{doc}`"
            );
            assert!(
                matches!(op.written_operand(), None | Some("a")),
                "{name}: results go to A"
            );
            assert_eq!(
                op.has_branch_target(),
                doc.contains("pc := L"),
                "{name}: the branch target against `{doc}`"
            );
            let says_error = doc.contains("error") && !doc.contains("no error");
            assert!(!says_error || op.can_trap(), "{name}: `{doc}` can trap");
            // Allocation can run out of memory, and calls can overflow the
            // stack or run code that traps.
            assert!(
                !op.may_alloc() || op.can_trap(),
                "{name} allocates, so can trap"
            );
            assert!(
                !op.is_call() || op.may_alloc(),
                "{name} calls, so may allocate"
            );
            let mut names = std::collections::HashSet::new();
            for (typed, _) in op.fixed_types() {
                assert!(names.insert(*typed), "{name}: {typed} typed twice");
            }
            // The all-zero instance names the operands, so each typed name
            // and the written name can be looked up with its kind.
            let instr = op.with_zero_operands();
            let kind_of = |n: &str| {
                instr
                    .operands()
                    .as_slice()
                    .iter()
                    .find(|o| o.name == n)
                    .map(|o| o.kind)
            };
            for (typed, _) in op.fixed_types() {
                assert_eq!(kind_of(typed), Some(OperandKind::R), "{name}: {typed}");
            }
            if let Some(w) = op.written_operand() {
                assert_eq!(kind_of(w), Some(OperandKind::R), "{name}: {w}");
            }
        }
    }

    /// `regs_read` covers every register an effect line reads: the
    /// operands, and the ranges written `R[B], ..., R[B+N-1]`, which only
    /// instructions with operands `b: R` and `n: U` have.
    #[test]
    fn the_registers_read_include_every_range() {
        for op in ALL_OPCODES {
            let (doc, name) = (op.doc(), op.mnemonic());
            let instr = op.with_zero_operands();
            let ops = instr.operands();
            let has =
                |n: &str, k: OperandKind| ops.as_slice().iter().any(|o| o.name == n && o.kind == k);
            assert_eq!(
                doc.contains("R[B+N-1]"),
                has("b", OperandKind::R) && has("n", OperandKind::U),
                "{name}: a register range against `{doc}`"
            );
        }
        let call = Instr::Call {
            a: 1,
            f: 0,
            b: 4,
            n: 3,
        };
        assert_eq!(call.regs_read(), vec![1, 4, 4, 5, 6]);
        let add = Instr::AddI { a: 2, b: 3, c: 7 };
        assert_eq!(add.regs_read(), vec![2, 3, 7]);
        let none = Instr::NewArray {
            a: 0,
            t: 1,
            b: 9,
            n: 0,
        };
        assert_eq!(none.regs_read(), vec![0, 9]);
    }

    #[test]
    fn operand_kinds_match_encoded_width() {
        let instr = Instr::NewEnum {
            a: 1,
            t: 2,
            v: 3,
            b: 4,
            n: 5,
        };
        let mut bytes = Vec::new();
        instr.encode(&mut bytes);
        let width: usize = instr
            .opcode()
            .operand_kinds()
            .iter()
            .map(|k| k.width())
            .sum();
        assert_eq!(bytes.len(), 1 + width);
        let names: Vec<_> = instr.operands().as_slice().iter().map(|o| o.name).collect();
        assert_eq!(names, ["a", "t", "v", "b", "n"]);
    }
}
