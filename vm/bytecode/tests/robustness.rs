//! Robustness of the `.bc` pipeline against hostile input.
//!
//! A few realistic modules, written as listings in `tests/samples/` (loops, recursion, structs,
//! traits, enums, closures, arrays, maps, natives), checked to verify, and
//! encoded. Then thousands of mutants are pushed through `decode`, `verify`
//! and `disassemble`:
//!
//! - byte-level mutants of the encoding (bit flips, byte and word
//!   overwrites, truncations, insertions), both raw (they mostly die at the
//!   checksum) and with the header's length and CRC fixed up, so that they
//!   reach the decoder's deeper paths and the verifier;
//! - structured mutants of the `Module` (every operand of every instruction
//!   set to other values, wrong counts, broken tables and headers), whose
//!   verdict is known in advance: the test fails if the verifier accepts a
//!   mutant that breaks a rule (a lax verifier) or rejects one that keeps
//!   every rule (an over-strict one).
//!
//! Every mutant runs under `catch_unwind`: a panic fails the test with the
//! mutant's seed or description, and a watchdog aborts with the same label if
//! one mutant takes too long (a hang). The PRNG is a fixed-seed splitmix64,
//! so every run tries the same mutants.

use lang_bytecode::decode::HEADER_LEN;
use lang_bytecode::disasm::disassemble;
use lang_bytecode::instr::{Instr, OperandKind, ALL_OPCODES};
use lang_bytecode::module::{Const, Function, Module};
use lang_bytecode::natives::{Native, ALL_NATIVES};
use lang_bytecode::types::{Type, BOOL, FLOAT, INT, STR};
use lang_bytecode::{assemble, check, decode, encode};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use Instr::*;

// ---------------------------------------------------------------------------
// Deterministic randomness and hang detection.
// ---------------------------------------------------------------------------

/// splitmix64: tiny, fast and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A value likely to hit an edge: small numbers, powers of two and the
    /// extremes of each width, or a random one.
    fn interesting(&mut self) -> u64 {
        const EDGES: [u64; 14] = [
            0,
            1,
            2,
            3,
            4,
            7,
            8,
            0x7F,
            0x80,
            0xFF,
            0xFFFF,
            0x7FFF_FFFF,
            0xFFFF_FFFE,
            0xFFFF_FFFF,
        ];
        match self.below(3) {
            0 => EDGES[self.below(EDGES.len())],
            1 => self.below(64) as u64,
            _ => self.next(),
        }
    }
}

/// Longest any single mutant may take before the test calls it a hang.
/// Generous, because debug builds on shared cores are slow; a real hang
/// (an unbounded loop or allocation) blows far past it.
const HANG_LIMIT: Duration = Duration::from_secs(20);

/// Aborts the process, naming the mutant, if one mutant runs too long:
/// a hung mutant would otherwise hang the test run without saying which.
struct Watchdog {
    current: Arc<Mutex<(String, Instant)>>,
    done: Arc<AtomicBool>,
}

impl Watchdog {
    fn start() -> Self {
        let current = Arc::new(Mutex::new((String::new(), Instant::now())));
        let done = Arc::new(AtomicBool::new(false));
        let (c, d) = (current.clone(), done.clone());
        std::thread::spawn(move || {
            while !d.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                let (label, since) = match c.lock() {
                    Ok(g) => g.clone(),
                    Err(_) => return,
                };
                if since.elapsed() > HANG_LIMIT {
                    eprintln!("mutant `{label}` ran longer than {HANG_LIMIT:?}: hang");
                    std::process::abort();
                }
            }
        });
        Watchdog { current, done }
    }

    fn enter(&self, label: &str) {
        if let Ok(mut g) = self.current.lock() {
            g.0.clear();
            g.0.push_str(label);
            g.1 = Instant::now();
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------
// The sample modules, as listings in `tests/samples/`.
// ---------------------------------------------------------------------------

/// The sample modules: loops, recursion, structs, traits, enums, closures,
/// arrays, maps, natives and the superinstructions, each a listing in
/// `tests/samples/` with its source in a comment at the top.
fn samples() -> Vec<(&'static str, Module)> {
    [
        ("loops", include_str!("samples/loops.lasm")),
        ("objects", include_str!("samples/objects.lasm")),
        ("closures", include_str!("samples/closures.lasm")),
        ("fused", include_str!("samples/fused.lasm")),
    ]
    .into_iter()
    .map(|(name, text)| match assemble(text) {
        Ok(m) => (name, m),
        Err(e) => panic!("sample `{name}` does not assemble: {e}"),
    })
    .collect()
}

// ---------------------------------------------------------------------------
// Running mutants.
// ---------------------------------------------------------------------------

/// What happened to one mutant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    DecodeErr,
    VerifyErr,
    Accepted,
}

#[derive(Default)]
struct Tally {
    decode_err: usize,
    verify_err: usize,
    accepted: usize,
    failures: Vec<String>,
}

impl Tally {
    fn total(&self) -> usize {
        self.decode_err + self.verify_err + self.accepted
    }

    fn count(&mut self, o: Outcome) {
        match o {
            Outcome::DecodeErr => self.decode_err += 1,
            Outcome::VerifyErr => self.verify_err += 1,
            Outcome::Accepted => self.accepted += 1,
        }
    }

    fn fail(&mut self, what: String) {
        if self.failures.len() < 20 {
            self.failures.push(what);
        }
    }

    fn finish(self, name: &str) {
        eprintln!(
            "{name}: {} mutants: {} rejected by decode, {} by verify, {} accepted",
            self.total(),
            self.decode_err,
            self.verify_err,
            self.accepted
        );
        assert!(
            self.failures.is_empty(),
            "{name}: {} failures, first ones:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

/// Decodes, verifies and disassembles `bytes`; for accepted modules also
/// checks the structural invariants independently and that re-encoding is
/// stable. A panic anywhere is reported as an error naming `label`.
fn run_bytes(bytes: &[u8], label: &str, dog: &Watchdog) -> Result<Outcome, String> {
    dog.enter(label);
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<Outcome, String> {
        let m = match decode(bytes) {
            Ok(m) => m,
            Err(e) => {
                let _ = e.to_string();
                return Ok(Outcome::DecodeErr);
            }
        };
        // The listing must work on unverified modules too.
        let _ = disassemble(&m);
        match check(&m) {
            Err(e) => {
                let _ = e.to_string();
                Ok(Outcome::VerifyErr)
            }
            Ok(()) => {
                shadow_check(&m)?;
                let again = encode(&m);
                match decode(&again) {
                    Ok(back) if encode(&back) == again => Ok(Outcome::Accepted),
                    Ok(_) => Err("re-encoding an accepted module is not stable".into()),
                    Err(e) => Err(format!(
                        "re-encoding an accepted module fails to decode: {e}"
                    )),
                }
            }
        }
    }));
    match result {
        Ok(Ok(o)) => Ok(o),
        Ok(Err(e)) => Err(format!("{label}: {e}")),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("{label}: PANIC {msg}"))
        }
    }
}

/// An independent, deliberately simple re-check of what an unchecked
/// interpreter relies on, for modules the verifier accepted: every index in
/// range, every register operand inside the frame (except the unused result
/// of a void call), every function ending in a terminator.
fn shadow_check(m: &Module) -> Result<(), String> {
    let in_types = |t: u32| (t as usize) < m.types.len();
    if m.types.get(..4) != Some(&[Type::Int, Type::Float, Type::Bool, Type::Str][..]) {
        return Err("accepted a table without the built-in types".into());
    }
    let entry = m
        .functions
        .get(m.entry as usize)
        .ok_or("accepted an out-of-range entry")?;
    if !entry.params.is_empty() || entry.ret.is_some() {
        return Err("accepted an entry with a signature".into());
    }
    for f in &m.functions {
        if f.code.is_empty() || f.lines.len() != f.code.len() || f.regs.len() > 65535 {
            return Err(format!("accepted a malformed function `{}`", f.name));
        }
        if !f
            .regs
            .iter()
            .chain(&f.params)
            .chain(&f.captures)
            .all(|t| in_types(*t))
        {
            return Err(format!("accepted out-of-range types in `{}`", f.name));
        }
        if !f.code.last().is_some_and(Instr::is_terminator) {
            return Err(format!("accepted `{}`, which can fall off its end", f.name));
        }
        for (pc, ins) in f.code.iter().enumerate() {
            let ops = ins.operands();
            let ops = ops.as_slice();
            let n = ops.iter().find(|o| o.name == "n").map(|o| o.value as usize);
            let void_result = result_unused(m, f, ins);
            for o in ops {
                let v = o.value as usize;
                let ok = match o.kind {
                    OperandKind::R if o.name == "b" && n.is_some() => {
                        v + n.unwrap_or(0) <= f.regs.len()
                    }
                    OperandKind::R if o.name == "a" && void_result => true,
                    OperandKind::R => v < f.regs.len(),
                    OperandKind::K => v < m.consts.len(),
                    OperandKind::T => v < m.types.len(),
                    OperandKind::F => v < m.functions.len(),
                    OperandKind::G => v < m.globals.len(),
                    OperandKind::N => v < ALL_NATIVES.len(),
                    OperandKind::L => v < f.code.len(),
                    OperandKind::U | OperandKind::I => true,
                };
                if !ok {
                    return Err(format!(
                        "accepted `{}` pc {pc} {ins:?}: operand {} out of range",
                        f.name, o.name
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Whether `ins` is a call whose callee returns nothing, so its A operand is
/// never written (and the verifier does not look at it).
fn result_unused(m: &Module, f: &Function, ins: &Instr) -> bool {
    match *ins {
        Call { f: id, .. } => m
            .functions
            .get(id as usize)
            .is_some_and(|g| g.ret.is_none()),
        CallClosure { c, .. } => f
            .regs
            .get(c as usize)
            .and_then(|t| m.type_at(*t))
            .is_some_and(|t| matches!(t, Type::Func { ret: None, .. })),
        CallTrait { t, m: meth, .. } => match m.type_at(t) {
            Some(Type::Trait(i)) => m
                .traits
                .get(*i as usize)
                .and_then(|tr| tr.methods.get(meth as usize))
                .is_some_and(|mm| mm.ret.is_none()),
            _ => false,
        },
        CallNative { native, .. } => Native::from_id(native).is_some_and(|n| n.ret().is_none()),
        _ => false,
    }
}

/// Sets the payload's length and CRC in the header, so that a mutated
/// payload gets past the header checks.
fn fix_header(bytes: &mut [u8]) {
    if bytes.len() < HEADER_LEN {
        return;
    }
    let len = (bytes.len() - HEADER_LEN) as u32;
    let crc = crc32fast::hash(&bytes[HEADER_LEN..]);
    bytes[8..12].copy_from_slice(&len.to_le_bytes());
    bytes[12..16].copy_from_slice(&crc.to_le_bytes());
}

// ---------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------

#[test]
fn samples_verify_and_round_trip() {
    let mut covered = std::collections::HashSet::new();
    for (name, m) in samples() {
        if let Err(e) = check(&m) {
            panic!("sample `{name}` does not verify: {e}");
        }
        let bytes = encode(&m);
        let back = decode(&bytes).unwrap_or_else(|e| panic!("sample `{name}`: {e}"));
        assert_eq!(back, m, "sample `{name}` does not round-trip");
        assert_eq!(encode(&back), bytes);
        shadow_check(&m).unwrap();
        let listing = disassemble(&m);
        assert!(listing.contains("fn "), "{listing}");
        for f in &m.functions {
            for i in &f.code {
                covered.insert(i.opcode() as u8);
            }
        }
    }
    let missing: Vec<&str> = ALL_OPCODES
        .iter()
        .filter(|op| !covered.contains(&(**op as u8)))
        .map(|op| op.mnemonic())
        .collect();
    assert!(missing.is_empty(), "samples never use {missing:?}");
}

#[test]
fn raw_byte_mutants_never_panic() {
    let dog = Watchdog::start();
    let mut tally = Tally::default();
    for (name, m) in samples() {
        let good = encode(&m);
        let check =
            |bytes: &[u8], label: String, tally: &mut Tally| match run_bytes(bytes, &label, &dog) {
                Ok(o) => tally.count(o),
                Err(e) => tally.fail(e),
            };
        // Every single-bit flip, header included.
        for bit in 0..good.len() * 8 {
            let mut b = good.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            check(&b, format!("{name} raw flip bit {bit}"), &mut tally);
        }
        // Every truncation.
        for len in 0..good.len() {
            check(
                &good[..len],
                format!("{name} raw truncate {len}"),
                &mut tally,
            );
        }
        // Trailing garbage.
        let mut b = good.clone();
        b.push(0);
        check(&b, format!("{name} raw trailing byte"), &mut tally);
    }
    assert!(tally.total() > 10_000, "only {} mutants", tally.total());
    tally.finish("raw byte mutants");
}

#[test]
fn payload_mutants_with_fixed_checksum_never_panic() {
    let dog = Watchdog::start();
    let mut tally = Tally::default();
    for (si, (name, m)) in samples().into_iter().enumerate() {
        let good = encode(&m);
        let payload_bits = (good.len() - HEADER_LEN) * 8;
        let check = |mut b: Vec<u8>, label: String, tally: &mut Tally| {
            fix_header(&mut b);
            match run_bytes(&b, &label, &dog) {
                Ok(o) => tally.count(o),
                Err(e) => tally.fail(e),
            }
        };
        // Every single-bit flip of the payload.
        for bit in 0..payload_bits {
            let mut b = good.clone();
            b[HEADER_LEN + bit / 8] ^= 1 << (bit % 8);
            check(b, format!("{name} flip payload bit {bit}"), &mut tally);
        }
        // Every truncation of the payload.
        for len in HEADER_LEN..good.len() {
            check(
                good[..len].to_vec(),
                format!("{name} truncate {len}"),
                &mut tally,
            );
        }
        // Seeded random mutants: each seed names one reproducible mutant.
        for seed in 0..6000u64 {
            let mut rng = Rng(seed ^ ((si as u64) << 32));
            let mut b = good.clone();
            let what = rng.below(5);
            let rounds = 1 + rng.below(4);
            for _ in 0..rounds {
                let plen = b.len() - HEADER_LEN;
                let at = HEADER_LEN + rng.below(plen.max(1));
                match what {
                    // Several bit flips.
                    0 => {
                        if at < b.len() {
                            b[at] ^= 1 << rng.below(8);
                        }
                    }
                    // A byte overwritten with an edge value or noise.
                    1 => {
                        if at < b.len() {
                            b[at] = rng.interesting() as u8;
                        }
                    }
                    // A little-endian word overwritten: hits counts, ids,
                    // operand values and jump targets.
                    2 => {
                        let word = (rng.interesting() as u32).to_le_bytes();
                        for (k, byte) in word.iter().enumerate() {
                            if let Some(slot) = b.get_mut(at + k) {
                                *slot = *byte;
                            }
                        }
                    }
                    // Bytes inserted.
                    3 => {
                        let n = 1 + rng.below(4);
                        for _ in 0..n {
                            let v = rng.interesting() as u8;
                            b.insert(at.min(b.len()), v);
                        }
                    }
                    // A run of bytes deleted.
                    _ => {
                        let n = 1 + rng.below(8);
                        let end = (at + n).min(b.len());
                        b.drain(at.min(end)..end);
                    }
                }
            }
            check(
                b,
                format!("{name} random payload mutant seed {seed}"),
                &mut tally,
            );
        }
    }
    assert!(tally.total() > 20_000, "only {} mutants", tally.total());
    assert!(
        tally.verify_err > 500 && tally.accepted > 0,
        "mutants should reach the verifier: {} verify errors, {} accepted",
        tally.verify_err,
        tally.accepted
    );
    tally.finish("payload mutants");
}

// ---------------------------------------------------------------------------
// Structured mutants with known verdicts.
// ---------------------------------------------------------------------------

/// What the verifier must say about a structured mutant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Accept,
    Reject,
    /// Depends on details the test does not model; only "no panic" holds.
    Any,
}

/// `ins` with operand `idx` set to `value` (truncated to the operand's
/// width), by patching its encoding: works for every opcode without a
/// per-opcode table.
fn set_operand(ins: &Instr, idx: usize, value: u64) -> Instr {
    let kinds = ins.opcode().operand_kinds();
    let offset: usize = 1 + kinds[..idx].iter().map(|k| k.width()).sum::<usize>();
    let mut bytes = Vec::new();
    ins.encode(&mut bytes);
    let width = kinds[idx].width();
    bytes[offset..offset + width].copy_from_slice(&value.to_le_bytes()[..width]);
    Instr::decode(&bytes)
        .expect("a patched operand still decodes")
        .0
}

/// Register operands whose type may legitimately vary: a different type
/// there can still verify, so the test does not predict the verdict.
fn flexible_register(ins: &Instr, name: &str) -> bool {
    matches!(
        (ins, name),
        (EqR { .. } | NeR { .. }, "b" | "c")
            | (IsNil { .. }, "b")
            | (LoadNil { .. }, "a")
            | (Upcast { .. }, "a" | "b")
            | (ArrLen { .. }, "b")
            | (EnumTag { .. }, "b")
            | (GetField { .. }, "b")
            | (SetField { .. }, "a")
            | (GetPayload { .. }, "b")
            | (CallNative { .. }, "b")
            | (JmpNil { .. } | JmpNotNil { .. }, "a")
    )
}

/// The verdict for `ins` (which verifies in `f` of `m`) with operand `idx`
/// changed to `v`. The typing rules look only at register types, never at
/// register identities, so for a register operand "same types" means
/// "accept" and, outside the flexible positions, "other types" means
/// "reject".
fn operand_verdict(m: &Module, f: &Function, ins: &Instr, idx: usize, v: u64) -> Verdict {
    let ops = ins.operands();
    let ops = ops.as_slice();
    let o = ops[idx];
    let old = o.value as u64;
    if v == old {
        return Verdict::Accept;
    }
    let n = ops.iter().find(|o| o.name == "n").map(|o| o.value as usize);
    let regs = &f.regs;
    let same = |yes: bool| {
        if yes {
            Verdict::Accept
        } else {
            Verdict::Reject
        }
    };
    match o.kind {
        OperandKind::R if o.name == "a" && result_unused(m, f, ins) => Verdict::Accept,
        OperandKind::R if o.name == "b" && n.is_some() => {
            let n = n.unwrap_or(0);
            let (v, old) = (v as usize, old as usize);
            match regs.get(v..v + n) {
                None => Verdict::Reject,
                Some(new_span) if new_span == &regs[old..old + n] => Verdict::Accept,
                Some(_) if flexible_register(ins, o.name) => Verdict::Any,
                Some(_) => Verdict::Reject,
            }
        }
        OperandKind::R => match regs.get(v as usize) {
            None => Verdict::Reject,
            Some(t) if *t == regs[old as usize] => Verdict::Accept,
            Some(_) if flexible_register(ins, o.name) => Verdict::Any,
            Some(_) => Verdict::Reject,
        },
        OperandKind::K => match m.consts.get(v as usize) {
            None => Verdict::Reject,
            Some(c) => same(c.type_id() == m.consts[old as usize].type_id()),
        },
        // Every type operand is tied to a register's type.
        OperandKind::T => Verdict::Reject,
        OperandKind::F => match m.functions.get(v as usize) {
            None => Verdict::Reject,
            Some(g) => {
                let was = &m.functions[old as usize];
                if g.params == was.params && g.ret == was.ret && g.captures == was.captures {
                    Verdict::Accept
                } else if g.params != was.params || g.captures != was.captures {
                    Verdict::Reject
                } else {
                    Verdict::Any
                }
            }
        },
        OperandKind::G => match m.globals.get(v as usize) {
            None => Verdict::Reject,
            Some(g) => same(g.ty == m.globals[old as usize].ty),
        },
        OperandKind::N => match u16::try_from(v).ok().and_then(Native::from_id) {
            None => Verdict::Reject,
            Some(_) => Verdict::Any,
        },
        OperandKind::L => same((v as usize) < f.code.len()),
        OperandKind::U => match (ins, o.name) {
            (NewArray { .. }, "n") => Verdict::Any,
            (_, "n") => Verdict::Reject,
            (Print { .. }, "nl") | (LoadBool { .. }, "v") => Verdict::Accept,
            _ => Verdict::Any,
        },
        // A zero divisor immediate is rejected.
        OperandKind::I => match ins {
            DivImmI { .. } | RemImmI { .. } => same(v as u32 != 0),
            _ => Verdict::Accept,
        },
    }
}

/// The values tried for an operand: every in-range value and a few past
/// the end, plus the extremes of its width.
fn candidate_values(m: &Module, f: &Function, kind: OperandKind) -> Vec<u64> {
    let upto = |n: usize| (0..n as u64 + 2).collect::<Vec<_>>();
    let mut vs = match kind {
        OperandKind::R => upto(f.regs.len()),
        OperandKind::K => upto(m.consts.len()),
        OperandKind::T => upto(m.types.len()),
        OperandKind::F => upto(m.functions.len()),
        OperandKind::G => upto(m.globals.len()),
        OperandKind::N => upto(ALL_NATIVES.len()),
        OperandKind::L => upto(f.code.len()),
        OperandKind::U => upto(6),
        OperandKind::I => vec![0, 1, u32::MAX as u64, 0x8000_0000],
    };
    vs.push(match kind.width() {
        2 => u16::MAX as u64,
        _ => u32::MAX as u64,
    });
    vs.push(match kind.width() {
        2 => 0x8000,
        _ => 0x8000_0000,
    });
    vs
}

/// Verifies `m` directly, then encodes, decodes and verifies it again, all
/// under `catch_unwind`; the two verdicts must agree. Some structured
/// mutants (a line table of the wrong length) cannot be encoded faithfully:
/// the decoder must then reject them, and the verifier must too.
fn run_module(m: &Module, label: &str, dog: &Watchdog) -> Result<Outcome, String> {
    dog.enter(label);
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<Outcome, String> {
        let _ = disassemble(m);
        let direct = match check(m) {
            Ok(()) => {
                shadow_check(m)?;
                Outcome::Accepted
            }
            Err(e) => {
                let _ = e.to_string();
                Outcome::VerifyErr
            }
        };
        let bytes = encode(m);
        let back = match decode(&bytes) {
            Ok(back) => back,
            Err(e) if direct == Outcome::Accepted => {
                return Err(format!("an accepted module fails to decode: {e}"))
            }
            Err(_) => return Ok(Outcome::DecodeErr),
        };
        if back.functions != m.functions || back.types != m.types {
            return Err("a structured mutant does not round-trip".into());
        }
        let again = if check(&back).is_ok() {
            Outcome::Accepted
        } else {
            Outcome::VerifyErr
        };
        if again != direct {
            return Err(format!(
                "verdict changed by encoding: {direct:?} then {again:?}"
            ));
        }
        Ok(direct)
    }));
    match result {
        Ok(Ok(o)) => Ok(o),
        Ok(Err(e)) => Err(format!("{label}: {e}")),
        Err(_) => Err(format!("{label}: PANIC")),
    }
}

fn judge(tally: &mut Tally, label: &str, want: Verdict, got: Result<Outcome, String>) {
    match (want, got) {
        (_, Err(e)) => tally.fail(e),
        (Verdict::Reject, Ok(Outcome::Accepted)) => {
            tally.count(Outcome::Accepted);
            tally.fail(format!("{label}: ACCEPTED, but it breaks a rule"));
        }
        (Verdict::Accept, Ok(o)) if o != Outcome::Accepted => {
            tally.count(o);
            tally.fail(format!("{label}: REJECTED, but it keeps every rule"));
        }
        (_, Ok(o)) => tally.count(o),
    }
}

#[test]
fn every_operand_of_every_instruction_mutated() {
    let dog = Watchdog::start();
    let mut tally = Tally::default();
    let mut predicted = [0usize; 3];
    for (name, m) in samples() {
        for (fi, f) in m.functions.iter().enumerate() {
            for (pc, ins) in f.code.iter().enumerate() {
                for (idx, op) in ins.operands().as_slice().iter().enumerate() {
                    for v in candidate_values(&m, f, op.kind) {
                        let want = operand_verdict(&m, f, ins, idx, v);
                        predicted[want as usize] += 1;
                        let mut mutant = m.clone();
                        let new = set_operand(ins, idx, v);
                        mutant.functions[fi].code[pc] = new;
                        let label = format!(
                            "{name} `{}` pc {pc}: {} operand {} := {v} ({new:?})",
                            f.name,
                            ins.mnemonic(),
                            op.name
                        );
                        let got = run_module(&mutant, &label, &dog);
                        judge(&mut tally, &label, want, got);
                    }
                }
            }
        }
    }
    eprintln!(
        "predicted: {} accept, {} reject, {} either",
        predicted[0], predicted[1], predicted[2]
    );
    assert!(
        predicted[1] > 4_000,
        "too few must-reject mutants: {predicted:?}"
    );
    tally.finish("operand mutants");
}

/// Mutations of whole tables and function headers, each with its verdict.
fn table_mutants(m: &Module) -> Vec<(String, Verdict, Module)> {
    let mut out: Vec<(String, Verdict, Module)> = Vec::new();
    let mut add = |what: String, want: Verdict, f: &dyn Fn(&mut Module)| {
        let mut mutant = m.clone();
        f(&mut mutant);
        out.push((what, want, mutant));
    };
    use Verdict::*;
    let nt = m.types.len() as u32;
    add("types: cyclic array".into(), Reject, &|m| {
        m.types.push(Type::Array(nt))
    });
    add("types: forward cell".into(), Reject, &|m| {
        m.types.push(Type::Cell(nt + 5))
    });
    add("types: duplicate".into(), Reject, &|m| {
        let t = m.types[m.types.len() - 1].clone();
        m.types.push(t)
    });
    add("types: duplicate builtin".into(), Reject, &|m| {
        m.types.push(Type::Str)
    });
    add("types: float map key".into(), Reject, &|m| {
        m.types.push(Type::Map(FLOAT, INT))
    });
    add("types: unknown struct".into(), Reject, &|m| {
        let n = m.structs.len() as u32;
        m.types.push(Type::Struct(n))
    });
    add("types: unknown enum".into(), Reject, &|m| {
        m.types.push(Type::Enum(u32::MAX))
    });
    add("types: unknown trait".into(), Reject, &|m| {
        let n = m.traits.len() as u32;
        m.types.push(Type::Trait(n))
    });
    add("types: huge func".into(), Reject, &|m| {
        m.types.push(Type::Func {
            params: vec![INT; 100_000].into_iter().chain([nt]).collect(),
            ret: None,
        })
    });
    add("types: builtins swapped".into(), Reject, &|m| {
        m.types.swap(1, 2)
    });
    add("types: truncated".into(), Reject, &|m| m.types.truncate(3));
    add("types: new valid entry".into(), Accept, &|m| {
        m.types.push(Type::Map(BOOL, nt - 1))
    });
    for (i, s) in m.structs.iter().enumerate() {
        for j in 0..s.fields.len() {
            add(format!("struct {i} field {j} bad type"), Reject, &|m| {
                m.structs[i].fields[j].ty = nt
            });
        }
    }
    for (i, e) in m.enums.iter().enumerate() {
        for (j, v) in e.variants.iter().enumerate() {
            for k in 0..v.fields.len() {
                add(
                    format!("enum {i} variant {j} payload {k} bad type"),
                    Reject,
                    &|m| m.enums[i].variants[j].fields[k] = u32::MAX,
                );
            }
        }
    }
    for (i, t) in m.traits.iter().enumerate() {
        for j in 0..t.methods.len() {
            add(
                format!("trait {i} method {j} changed result"),
                Reject,
                &|m| {
                    let r = &mut m.traits[i].methods[j].ret;
                    *r = if *r == Some(BOOL) {
                        Some(INT)
                    } else {
                        Some(BOOL)
                    };
                },
            );
            add(format!("trait {i} method {j} extra param"), Reject, &|m| {
                m.traits[i].methods[j].params.push(INT)
            });
        }
    }
    for i in 0..m.impls.len() {
        add(format!("impl {i} duplicated"), Reject, &|m| {
            let d = m.impls[i].clone();
            m.impls.push(d)
        });
        add(format!("impl {i} missing a method"), Reject, &|m| {
            m.impls[i].methods.pop();
        });
        add(format!("impl {i} methods reversed"), Reject, &|m| {
            m.impls[i].methods.reverse()
        });
        add(format!("impl {i} bad trait"), Reject, &|m| {
            m.impls[i].trait_index = 9
        });
        add(format!("impl {i} bad struct"), Reject, &|m| {
            m.impls[i].struct_index = 9
        });
        add(format!("impl {i} bad function"), Reject, &|m| {
            m.impls[i].methods[0] = u32::MAX
        });
        add(format!("impl {i} removed"), Any, &|m| {
            m.impls.remove(i);
        });
    }
    for i in 0..m.globals.len() {
        add(format!("global {i} bad type"), Reject, &|m| {
            m.globals[i].ty = nt
        });
    }
    add("entry out of range".into(), Reject, &|m| {
        m.entry = m.functions.len() as u32
    });
    add("entry huge".into(), Reject, &|m| m.entry = u32::MAX);
    add("no functions".into(), Reject, &|m| m.functions.clear());
    for (fi, f) in m.functions.iter().enumerate() {
        let name = &f.name;
        add(format!("`{name}`: empty code"), Reject, &|m| {
            m.functions[fi].code.clear();
            m.functions[fi].lines.clear();
        });
        add(format!("`{name}`: last instruction nop"), Reject, &|m| {
            if let Some(last) = m.functions[fi].code.last_mut() {
                *last = Nop {};
            }
        });
        add(format!("`{name}`: line table short"), Reject, &|m| {
            m.functions[fi].lines.pop();
        });
        add(format!("`{name}`: line table long"), Reject, &|m| {
            m.functions[fi].lines.push(1)
        });
        add(format!("`{name}`: too many registers"), Reject, &|m| {
            m.functions[fi].regs.resize(70_000, INT)
        });
        add(
            format!("`{name}`: register type out of range"),
            Reject,
            &|m| m.functions[fi].regs.push(nt),
        );
        add(format!("`{name}`: extra unused register"), Accept, &|m| {
            m.functions[fi].regs.push(INT)
        });
        add(
            format!("`{name}`: no registers"),
            if f.regs.is_empty() { Accept } else { Any },
            &|m| m.functions[fi].regs.clear(),
        );
        add(format!("`{name}`: result type flipped"), Reject, &|m| {
            let r = &mut m.functions[fi].ret;
            *r = if r.is_some() { None } else { Some(INT) };
        });
        add(
            format!("`{name}`: capture type out of range"),
            Reject,
            &|m| m.functions[fi].captures.push(nt),
        );
        if !f.params.is_empty() {
            add(
                format!("`{name}`: parameter register retyped"),
                Reject,
                &|m| {
                    let r = &mut m.functions[fi].regs[0];
                    *r = if *r == BOOL { INT } else { BOOL };
                },
            );
            add(
                format!("`{name}`: parameter type out of range"),
                Reject,
                &|m| m.functions[fi].params[0] = nt,
            );
        }
        if fi == m.entry as usize {
            add(format!("`{name}`: entry with a parameter"), Reject, &|m| {
                m.functions[fi].params.insert(0, INT);
                m.functions[fi].regs.insert(0, INT);
            });
            add(format!("`{name}`: entry with a capture"), Reject, &|m| {
                m.functions[fi].captures.push(INT)
            });
        }
        // A register used where the opcode list fixes the type cannot
        // change type.
        for r in f.params.len()..f.regs.len() {
            let pinned = f.code.iter().any(|ins| {
                ins.operands().as_slice().iter().any(|o| {
                    o.kind == OperandKind::R
                        && o.value == r as i64
                        && ins.opcode().fixed_type(o.name).is_some()
                })
            });
            for new in [INT, FLOAT, BOOL, STR, nt - 1] {
                if new == f.regs[r] {
                    continue;
                }
                let want = if pinned { Reject } else { Any };
                add(format!("`{name}`: r{r} retyped to t{new}"), want, &|m| {
                    m.functions[fi].regs[r] = new
                });
            }
        }
        // Each constant changed to another type.
        for k in 0..m.consts.len() {
            let used = f
                .code
                .iter()
                .any(|ins| matches!(ins, LoadK { k: kk, .. } if *kk as usize == k));
            for c in [Const::Int(7), Const::Float(7.0), Const::Str("7".into())] {
                let want = if c.type_id() == m.consts[k].type_id() {
                    Accept
                } else if used {
                    Reject
                } else {
                    Any
                };
                add(format!("`{name}`: constant k{k} := {c:?}"), want, &|m| {
                    m.consts[k] = c.clone()
                });
            }
        }
    }
    out
}

#[test]
fn table_and_header_mutants_have_the_expected_verdict() {
    let dog = Watchdog::start();
    let mut tally = Tally::default();
    for (name, m) in samples() {
        for (what, want, mutant) in table_mutants(&m) {
            let label = format!("{name}: {what}");
            let got = run_module(&mutant, &label, &dog);
            judge(&mut tally, &label, want, got);
        }
    }
    assert!(tally.total() > 300, "only {} mutants", tally.total());
    tally.finish("table mutants");
}

#[test]
fn random_instruction_mutants_never_panic() {
    let dog = Watchdog::start();
    let mut tally = Tally::default();
    for (si, (name, m)) in samples().into_iter().enumerate() {
        for seed in 0..3000u64 {
            let mut rng = Rng(seed.wrapping_mul(31) ^ ((si as u64) << 40));
            let mut mutant = m.clone();
            for _ in 0..1 + rng.below(3) {
                let fi = rng.below(mutant.functions.len());
                let f = &mut mutant.functions[fi];
                let pc = rng.below(f.code.len());
                match rng.below(4) {
                    // A random instruction from random operand bytes.
                    0 | 1 => {
                        let mut bytes = vec![rng.below(ALL_OPCODES.len()) as u8];
                        for _ in 0..16 {
                            bytes.push(if rng.below(2) == 0 {
                                rng.below(f.regs.len() + 2) as u8
                            } else {
                                rng.interesting() as u8
                            });
                        }
                        if let Ok((ins, _)) = Instr::decode(&bytes) {
                            f.code[pc] = ins;
                        }
                    }
                    // An operand set to an edge value.
                    2 => {
                        let ins = f.code[pc];
                        let count = ins.operands().as_slice().len();
                        if count > 0 {
                            let v = rng.interesting();
                            f.code[pc] = set_operand(&ins, rng.below(count), v);
                        }
                    }
                    // Two instructions swapped.
                    _ => {
                        let other = rng.below(f.code.len());
                        f.code.swap(pc, other);
                    }
                }
            }
            let label = format!("{name} random instruction mutant seed {seed}");
            match run_module(&mutant, &label, &dog) {
                Ok(o) => tally.count(o),
                Err(e) => tally.fail(e),
            }
        }
    }
    tally.finish("random instruction mutants");
}

// ---------------------------------------------------------------------------
// Size: the verifier is linear, so big inputs stay fast.
// ---------------------------------------------------------------------------

/// Generous bound for the size tests below in a debug build; a quadratic
/// verifier would take minutes on them.
const BIG_INPUT_LIMIT: Duration = Duration::from_secs(10);

#[test]
fn big_functions_and_tables_verify_in_linear_time() {
    // A function with 60000 registers and 200000 instructions.
    let mut m = Module::new("big.src");
    let mut code: Vec<Instr> = (0..200_000u32)
        .map(|i| {
            let r = (i % 60_000) as u16;
            AddI {
                a: r,
                b: r,
                c: (r + 1) % 60_000,
            }
        })
        .collect();
    code.push(Jmp { target: 0 });
    m.functions.push(Function {
        name: "big".into(),
        params: vec![],
        ret: None,
        captures: vec![],
        regs: vec![INT; 60_000],
        lines: vec![1; code.len()],
        code,
    });
    let start = Instant::now();
    assert_eq!(check(&m), Ok(()));
    let bytes = encode(&m);
    assert_eq!(decode(&bytes).map(|b| b == m), Ok(true));
    assert!(start.elapsed() < BIG_INPUT_LIMIT, "{:?}", start.elapsed());

    // A type table whose every entry uses the previous one twice: names
    // printed in full would double in length at each step, so an error
    // message naming the last one must not print it in full.
    let mut m = Module::new("types.src");
    for i in 3..2000u32 {
        m.types.push(Type::Func {
            params: vec![i, i],
            ret: Some(i),
        });
    }
    m.types.push(Type::Map(1999, INT));
    let start = Instant::now();
    let err = check(&m).expect_err("a function type as a map key");
    assert!(err.to_string().len() < 2000, "{err}");
    let _ = disassemble(&m);
    assert!(start.elapsed() < BIG_INPUT_LIMIT, "{:?}", start.elapsed());
}

// ---------------------------------------------------------------------------
// The assembler: mutated listings never panic it.
// ---------------------------------------------------------------------------

/// Characters that mean something in a listing, for insertions.
const LISTING_CHARS: &[char] = &[
    ' ', ',', ':', ';', '(', ')', '[', ']', '{', '}', '<', '>', '-', '#', '@', '"', '\\', 'r', 'k',
    't', 'g', '0', '9', '\n', '…', 'é',
];

/// One random edit of a listing: a character deleted, inserted or
/// replaced, a line deleted, duplicated or swapped with another, a number
/// changed to an edge value, or the text cut short.
fn mutate_listing(text: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut lines: Vec<&str> = text.lines().collect();
    let at = rng.below(chars.len());
    let pick = |rng: &mut Rng| LISTING_CHARS[rng.below(LISTING_CHARS.len())];
    match rng.below(8) {
        0 => chars
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != at)
            .map(|(_, c)| c)
            .collect(),
        1 => {
            let mut c = chars.clone();
            c.insert(at, pick(rng));
            c.into_iter().collect()
        }
        2 => {
            let mut c = chars.clone();
            c[at] = pick(rng);
            c.into_iter().collect()
        }
        3 => {
            lines.remove(rng.below(lines.len()));
            lines.join("\n")
        }
        4 => {
            let i = rng.below(lines.len());
            lines.insert(i, lines[i]);
            lines.join("\n")
        }
        5 => {
            let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
            lines.swap(i, j);
            lines.join("\n")
        }
        6 => {
            // Replace the digits around `at` with an edge value.
            let start = (0..=at)
                .rev()
                .find(|i| !chars[*i].is_ascii_digit())
                .map_or(0, |i| i + 1);
            let end = (at..chars.len())
                .find(|i| !chars[*i].is_ascii_digit())
                .unwrap_or(chars.len());
            let head: String = chars[..start].iter().collect();
            let tail: String = chars[end..].iter().collect();
            format!("{head}{}{tail}", rng.interesting())
        }
        _ => chars[..at].iter().collect(),
    }
}

#[test]
fn mutated_listings_never_panic_the_assembler() {
    let dog = Watchdog::start();
    let listings: Vec<(&str, String)> = samples()
        .into_iter()
        .map(|(name, m)| (name, disassemble(&m)))
        .collect();
    let mut rng = Rng(0x1157_A55E);
    let (mut rejected, mut accepted) = (0usize, 0usize);
    for round in 0..4000 {
        let (name, text) = &listings[round % listings.len()];
        // Several edits at once now and then, to reach further.
        let mut mutant = mutate_listing(text, &mut rng);
        for _ in 0..rng.below(3) {
            mutant = mutate_listing(&mutant, &mut rng);
        }
        let label = format!("listing mutant {round} of `{name}`");
        dog.enter(&label);
        let lines = mutant.lines().count().max(1);
        match catch_unwind(AssertUnwindSafe(|| assemble(&mutant))) {
            Err(_) => panic!("{label} panicked the assembler:\n{mutant}"),
            Ok(Err(e)) => {
                assert!(
                    (1..=lines).contains(&e.line) && !e.message.is_empty(),
                    "{label}: error `{e}` names no line of the listing"
                );
                rejected += 1;
            }
            Ok(Ok(m)) => {
                // Whatever assembles must verify or be rejected cleanly,
                // and print again.
                let checked = catch_unwind(AssertUnwindSafe(|| {
                    let _ = check(&m);
                    disassemble(&m)
                }));
                assert!(
                    checked.is_ok(),
                    "{label} assembled into a module that panics"
                );
                accepted += 1;
            }
        }
    }
    // Both outcomes must be common, or the mutations test little.
    assert!(
        rejected > 1000 && accepted > 100,
        "{rejected} rejected, {accepted} accepted"
    );
}
