//! The instruction set: one list, from which the encoder, decoder,
//! disassembler and the verifier's structural checks all follow.
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

macro_rules! instructions {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident = $mnemonic:literal { $($field:ident : $kind:ident),* };
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

instructions! {
    /// Does nothing.
    Nop = "nop" {};
    /// R[A] := R[B] (same type).
    Mov = "mov" { a: R, b: R };
    /// R[A] := I, an int.
    LoadInt = "ld.i" { a: R, imm: I };
    /// R[A] := K[k]; the register's type is the constant's (int, float or str).
    LoadK = "ld.k" { a: R, k: K };
    /// R[A] := (U != 0), a bool.
    LoadBool = "ld.b" { a: R, v: U };
    /// R[A] := nil; R[A] has a nullable reference type.
    LoadNil = "ld.nil" { a: R };
    /// R[A] := G[g].
    GetGlobal = "gget" { a: R, g: G };
    /// G[g] := R[B].
    SetGlobal = "gset" { g: G, b: R };

    /// R[A] := R[B] + R[C], wrapping.
    AddI = "add.i" { a: R, b: R, c: R };
    /// R[A] := R[B] - R[C], wrapping.
    SubI = "sub.i" { a: R, b: R, c: R };
    /// R[A] := R[B] * R[C], wrapping.
    MulI = "mul.i" { a: R, b: R, c: R };
    /// R[A] := R[B] / R[C], truncating; error if R[C] = 0 (MIN / -1 wraps).
    DivI = "div.i" { a: R, b: R, c: R };
    /// R[A] := R[B] % R[C], sign of R[B]; error if R[C] = 0.
    RemI = "rem.i" { a: R, b: R, c: R };
    /// R[A] := R[B] + I, wrapping.
    AddImmI = "addk.i" { a: R, b: R, imm: I };
    /// R[A] := -R[B], wrapping.
    NegI = "neg.i" { a: R, b: R };
    /// R[A] := R[B] & R[C].
    AndI = "and.i" { a: R, b: R, c: R };
    /// R[A] := R[B] | R[C].
    OrI = "or.i" { a: R, b: R, c: R };
    /// R[A] := R[B] ^ R[C].
    XorI = "xor.i" { a: R, b: R, c: R };
    /// R[A] := R[B] << (R[C] & 63).
    ShlI = "shl.i" { a: R, b: R, c: R };
    /// R[A] := R[B] >> (R[C] & 63), arithmetic.
    ShrI = "shr.i" { a: R, b: R, c: R };
    /// R[A] := ~R[B].
    NotI = "not.i" { a: R, b: R };

    /// R[A] := R[B] + R[C].
    AddF = "add.f" { a: R, b: R, c: R };
    /// R[A] := R[B] - R[C].
    SubF = "sub.f" { a: R, b: R, c: R };
    /// R[A] := R[B] * R[C].
    MulF = "mul.f" { a: R, b: R, c: R };
    /// R[A] := R[B] / R[C] (IEEE: no error on zero).
    DivF = "div.f" { a: R, b: R, c: R };
    /// R[A] := fmod(R[B], R[C]).
    RemF = "rem.f" { a: R, b: R, c: R };
    /// R[A] := -R[B].
    NegF = "neg.f" { a: R, b: R };

    /// R[A] := R[B] == R[C] (ints).
    EqI = "eq.i" { a: R, b: R, c: R };
    /// R[A] := R[B] != R[C] (ints).
    NeI = "ne.i" { a: R, b: R, c: R };
    /// R[A] := R[B] < R[C] (ints).
    LtI = "lt.i" { a: R, b: R, c: R };
    /// R[A] := R[B] <= R[C] (ints).
    LeI = "le.i" { a: R, b: R, c: R };
    /// R[A] := R[B] == R[C] (floats, IEEE).
    EqF = "eq.f" { a: R, b: R, c: R };
    /// R[A] := R[B] != R[C] (floats, IEEE).
    NeF = "ne.f" { a: R, b: R, c: R };
    /// R[A] := R[B] < R[C] (floats, IEEE).
    LtF = "lt.f" { a: R, b: R, c: R };
    /// R[A] := R[B] <= R[C] (floats, IEEE).
    LeF = "le.f" { a: R, b: R, c: R };
    /// R[A] := R[B] == R[C] (bools).
    EqB = "eq.b" { a: R, b: R, c: R };
    /// R[A] := R[B] != R[C] (bools).
    NeB = "ne.b" { a: R, b: R, c: R };
    /// R[A] := !R[B] (bool).
    NotB = "not.b" { a: R, b: R };
    /// R[A] := R[B] == R[C] (strings, by bytes).
    EqS = "eq.s" { a: R, b: R, c: R };
    /// R[A] := R[B] != R[C] (strings, by bytes).
    NeS = "ne.s" { a: R, b: R, c: R };
    /// R[A] := R[B] < R[C] (strings, bytewise lexicographic).
    LtS = "lt.s" { a: R, b: R, c: R };
    /// R[A] := R[B] <= R[C] (strings, bytewise lexicographic).
    LeS = "le.s" { a: R, b: R, c: R };
    /// R[A] := R[B] is R[C] (any two references, by identity).
    EqR = "eq.r" { a: R, b: R, c: R };
    /// R[A] := R[B] is not R[C] (references, by identity).
    NeR = "ne.r" { a: R, b: R, c: R };
    /// R[A] := R[B] == nil.
    IsNil = "isnil" { a: R, b: R };

    /// R[A] := float(R[B]) from an int.
    IntToFloat = "i2f" { a: R, b: R };
    /// R[A] := int(R[B]) truncating a float; error on NaN or out of range.
    FloatToInt = "f2i" { a: R, b: R };
    /// R[A] := str(R[B]), the printed form of a value of type T (T = type of R[B]).
    ToStr = "tostr" { a: R, b: R, t: T };
    /// R[A] := R[B] + R[C] (string concatenation).
    Concat = "concat" { a: R, b: R, c: R };
    /// R[A] := byte length of string R[B].
    StrLen = "len.s" { a: R, b: R };
    /// Writes the printed form of R[B] (of type T) to stdout, then a newline if U != 0.
    Print = "print" { b: R, t: T, nl: U };

    /// pc := L.
    Jmp = "jmp" { target: L };
    /// if R[A] then pc := L (bool).
    JmpIf = "jt" { a: R, target: L };
    /// if not R[A] then pc := L (bool).
    JmpIfNot = "jf" { a: R, target: L };
    /// if R[A] < R[B] then pc := L (ints).
    JmpLtI = "jlt.i" { a: R, b: R, target: L };
    /// if R[A] >= R[B] then pc := L (ints).
    JmpGeI = "jge.i" { a: R, b: R, target: L };

    /// R[A] := F(R[B], ..., R[B+N-1]); F is a function without captures. A is
    /// not written when F returns nothing.
    Call = "call" { a: R, f: F, b: R, n: U };
    /// R[A] := R[C](R[B], ..., R[B+N-1]); R[C] is a closure (error if nil).
    CallClosure = "call.c" { a: R, c: R, b: R, n: U };
    /// R[A] := method M of trait T on R[B](R[B], ..., R[B+N-1]), dispatched on
    /// the receiver's struct (error if nil).
    CallTrait = "call.t" { a: R, t: T, m: U, b: R, n: U };
    /// R[A] := native N(R[B], ..., R[B+N-1]) (see `natives`).
    CallNative = "call.n" { a: R, native: N, b: R, n: U };
    /// Returns R[A] to the caller.
    Ret = "ret" { a: R };
    /// Returns from a function that returns nothing.
    RetVoid = "ret.v" {};

    /// R[A] := a closure of F capturing R[B], ..., R[B+N-1] (F's capture types).
    MakeClosure = "closure" { a: R, f: F, b: R, n: U };
    /// R[A] := capture U of the running closure.
    GetCapture = "getcap" { a: R, i: U };
    /// R[A] := a new cell holding R[B].
    NewCell = "cell.new" { a: R, b: R };
    /// R[A] := the value in cell R[B].
    CellGet = "cell.get" { a: R, b: R };
    /// The value in cell R[A] := R[B].
    CellSet = "cell.set" { a: R, b: R };

    /// R[A] := new struct T with fields R[B], ..., R[B+N-1].
    NewStruct = "new.st" { a: R, t: T, b: R, n: U };
    /// R[A] := R[B].field[U] (error if R[B] is nil).
    GetField = "getf" { a: R, b: R, i: U };
    /// R[A].field[U] := R[B] (error if R[A] is nil).
    SetField = "setf" { a: R, i: U, b: R };
    /// R[A] := R[B] seen as trait type of R[A]; R[B] is a struct implementing it.
    Upcast = "upcast" { a: R, b: R };

    /// R[A] := variant V of enum T with payload R[B], ..., R[B+N-1].
    NewEnum = "new.en" { a: R, t: T, v: U, b: R, n: U };
    /// R[A] := the variant index of enum value R[B] (error if nil).
    EnumTag = "tag" { a: R, b: R };
    /// R[A] := payload field U of R[B], which must be variant V (error otherwise).
    GetPayload = "payload" { a: R, b: R, v: U, i: U };

    /// R[A] := new array of type T holding R[B], ..., R[B+N-1].
    NewArray = "new.arr" { a: R, t: T, b: R, n: U };
    /// R[A] := new array of type T holding R[C] copies of R[B] (error if R[C] < 0).
    NewArrayFill = "new.fill" { a: R, t: T, b: R, c: R };
    /// R[A] := R[B][R[C]] (error if nil or out of bounds).
    ArrGet = "aget" { a: R, b: R, c: R };
    /// R[A][R[B]] := R[C] (error if nil or out of bounds).
    ArrSet = "aset" { a: R, b: R, c: R };
    /// R[A] := length of array R[B] (error if nil).
    ArrLen = "len.a" { a: R, b: R };
    /// Appends R[B] to array R[A] (error if nil).
    ArrPush = "push" { a: R, b: R };

    /// R[A] := new empty map of type T.
    NewMap = "new.map" { a: R, t: T };
    /// R[A] := R[B][R[C]] (error if nil or key missing).
    MapGet = "mget" { a: R, b: R, c: R };
    /// R[A][R[B]] := R[C], inserting or replacing (error if nil).
    MapSet = "mset" { a: R, b: R, c: R };

    // Superinstructions: fused forms of the sequences above that the
    // compiler emits for the common cases. Added at the end of the list so
    // the opcode bytes before them keep their numbers.

    /// if R[A] == R[B] then pc := L (ints).
    JmpEqI = "jeq.i" { a: R, b: R, target: L };
    /// if R[A] != R[B] then pc := L (ints).
    JmpNeI = "jne.i" { a: R, b: R, target: L };
    /// if R[A] < R[B] then pc := L (floats, IEEE: false if either is NaN).
    JmpLtF = "jlt.f" { a: R, b: R, target: L };
    /// if R[A] <= R[B] then pc := L (floats, IEEE).
    JmpLeF = "jle.f" { a: R, b: R, target: L };
    /// if not (R[A] < R[B]) then pc := L (floats; taken if either is NaN).
    JmpNltF = "jnlt.f" { a: R, b: R, target: L };
    /// if not (R[A] <= R[B]) then pc := L (floats; taken if either is NaN).
    JmpNleF = "jnle.f" { a: R, b: R, target: L };
    /// if R[A] == R[B] then pc := L (floats, IEEE).
    JmpEqF = "jeq.f" { a: R, b: R, target: L };
    /// if R[A] != R[B] then pc := L (floats, IEEE).
    JmpNeF = "jne.f" { a: R, b: R, target: L };
    /// if R[A] == I then pc := L (int).
    JmpEqImmI = "jeqk.i" { a: R, imm: I, target: L };
    /// if R[A] != I then pc := L (int).
    JmpNeImmI = "jnek.i" { a: R, imm: I, target: L };
    /// if R[A] < I then pc := L (int).
    JmpLtImmI = "jltk.i" { a: R, imm: I, target: L };
    /// if R[A] <= I then pc := L (int).
    JmpLeImmI = "jlek.i" { a: R, imm: I, target: L };
    /// if R[A] > I then pc := L (int).
    JmpGtImmI = "jgtk.i" { a: R, imm: I, target: L };
    /// if R[A] >= I then pc := L (int).
    JmpGeImmI = "jgek.i" { a: R, imm: I, target: L };
    /// if R[A] == nil then pc := L.
    JmpNil = "jnil" { a: R, target: L };
    /// if R[A] != nil then pc := L.
    JmpNotNil = "jnnil" { a: R, target: L };
    /// R[A] := R[A] + 1; if R[A] < R[B] then pc := L (ints: the back-edge of
    /// a counted loop).
    ForLoop = "loop.i" { a: R, b: R, target: L };
    /// R[A] := R[B] * I, wrapping.
    MulImmI = "mulk.i" { a: R, b: R, imm: I };
    /// R[A] := R[B] / I, truncating (I != 0; MIN / -1 wraps).
    DivImmI = "divk.i" { a: R, b: R, imm: I };
    /// R[A] := R[B] % I, sign of R[B] (I != 0).
    RemImmI = "remk.i" { a: R, b: R, imm: I };
    /// R[A] := R[B] + K[k] (floats; K[k] a float constant).
    AddKF = "addk.f" { a: R, b: R, k: K };
    /// R[A] := R[B] - K[k] (floats).
    SubKF = "subk.f" { a: R, b: R, k: K };
    /// R[A] := K[k] - R[B] (floats).
    RSubKF = "rsubk.f" { a: R, b: R, k: K };
    /// R[A] := R[B] * K[k] (floats).
    MulKF = "mulk.f" { a: R, b: R, k: K };
    /// R[A] := R[B] / K[k] (floats).
    DivKF = "divk.f" { a: R, b: R, k: K };
    /// R[A] := K[k] / R[B] (floats).
    RDivKF = "rdivk.f" { a: R, b: R, k: K };
    /// if R[A] < K[k] then pc := L (floats; K[k] a float constant).
    JmpLtKF = "jltk.f" { a: R, k: K, target: L };
    /// if R[A] <= K[k] then pc := L (floats).
    JmpLeKF = "jlek.f" { a: R, k: K, target: L };
    /// if R[A] > K[k] then pc := L (floats).
    JmpGtKF = "jgtk.f" { a: R, k: K, target: L };
    /// if R[A] >= K[k] then pc := L (floats).
    JmpGeKF = "jgek.f" { a: R, k: K, target: L };
    /// if not (R[A] < K[k]) then pc := L (floats; taken on NaN).
    JmpNltKF = "jnltk.f" { a: R, k: K, target: L };
    /// if not (R[A] <= K[k]) then pc := L (floats; taken on NaN).
    JmpNleKF = "jnlek.f" { a: R, k: K, target: L };
    /// if not (R[A] > K[k]) then pc := L (floats; taken on NaN).
    JmpNgtKF = "jngtk.f" { a: R, k: K, target: L };
    /// if not (R[A] >= K[k]) then pc := L (floats; taken on NaN).
    JmpNgeKF = "jngek.f" { a: R, k: K, target: L };
    /// R[A] := R[B] * I + R[C], wrapping (ints).
    MulAddImmI = "muladdk.i" { a: R, b: R, imm: I, c: R };
}

#[cfg(test)]
mod tests {
    use super::*;

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
