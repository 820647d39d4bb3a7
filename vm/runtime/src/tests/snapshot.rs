//! Snapshots: a run saved at a loop back edge and resumed prints, before
//! and after, what the plain run prints; images round-trip through their
//! byte form; damaged images are refused with a message.

use super::*;
use crate::snapshot::{Image, SnapshotRequest};

/// `for i in 0..5 { print(i) }` as bytecode; its back edge is pc 5 -> 2.
fn count_to_five() -> Module {
    let mut a = Asm::new();
    a.entry(
        &[I, I],
        vec![
            Instr::LoadInt { a: 0, imm: 0 },
            Instr::LoadInt { a: 1, imm: 5 },
            Instr::JmpGeI {
                a: 0,
                b: 1,
                target: 6,
            },
            Instr::Print { b: 0, t: I, nl: 1 },
            Instr::AddImmI { a: 0, b: 0, imm: 1 },
            Instr::Jmp { target: 2 },
            Instr::RetVoid {},
        ],
    );
    a.finish()
}

/// Saves the count at safepoint `k`; gives the output before and the image.
fn save_at(k: u64) -> (String, Vec<u8>) {
    let path = std::env::temp_dir().join(format!("lang-snap-test-{}-{k}.img", std::process::id()));
    let opts = VmOptions {
        snapshot: Some(SnapshotRequest {
            path: path.clone(),
            when: crate::snapshot::SnapshotWhen::Safepoint(k),
        }),
        ..VmOptions::default()
    };
    let (r, out) = run_full(count_to_five(), opts, "");
    assert_eq!(r, Ok(RunOutcome::Exit(0)));
    let bytes = std::fs::read(&path).expect("the image was written");
    let _ = std::fs::remove_file(&path);
    (out, bytes)
}

fn resume(bytes: &[u8]) -> (Result<RunOutcome, RuntimeError>, String) {
    let out = Capture::default();
    let stdin = Box::new(std::io::Cursor::new(Vec::new()));
    let loaded = match crate::snapshot::load(bytes) {
        Ok(l) => l,
        Err(e) => return (Err(RuntimeError::untraced(e)), String::new()),
    };
    let r = crate::resume_with_io(
        loaded,
        VmOptions::default(),
        Box::new(out.clone()),
        stdin,
        crate::StdinResume::Continues,
    )
    .result;
    (r, out.text())
}

#[test]
fn output_before_and_after_a_snapshot_is_the_plain_runs() {
    let plain = run_ok(count_to_five());
    assert_eq!(plain, "0\n1\n2\n3\n4\n");
    for k in 1..=4 {
        let (before, image) = save_at(k);
        assert_eq!(before.lines().count() as u64, k, "safepoint {k}");
        let (r, after) = resume(&image);
        assert_eq!(r, Ok(RunOutcome::Exit(0)), "safepoint {k}");
        assert_eq!(format!("{before}{after}"), plain, "safepoint {k}");
    }
}

#[test]
fn an_image_decodes_to_what_encodes_to_the_same_bytes() {
    let (_, bytes) = save_at(3);
    let img = Image::decode(&bytes).expect("decodes");
    assert_eq!(img.frames.len(), 1);
    assert_eq!(img.frames[0].pc, 2);
    assert_eq!(img.frames[0].regs, vec![3, 5]);
    assert_eq!(img.host.stdout_bytes, 6);
    assert_eq!(img.encode(), bytes);
}

/// Two runs saved at the same safepoint write the same bytes (the clock
/// recorded is the latest one the program read, none here).
#[test]
fn the_same_state_gives_the_same_bytes() {
    assert_eq!(save_at(2).1, save_at(2).1);
}

#[test]
fn damaged_images_are_refused_with_a_message() {
    let (_, bytes) = save_at(2);
    for cut in [0, 7, 27, 28, bytes.len() - 1] {
        let (r, out) = resume(&bytes[..cut]);
        let e = r.expect_err("a truncated image is refused");
        assert!(e.to_string().contains("bad image"), "{e}");
        assert_eq!(out, "");
    }
    // Every single-byte change is caught (the checksum, or the header).
    for at in (0..bytes.len()).step_by(7) {
        let mut bad = bytes.clone();
        bad[at] ^= 0x5a;
        let (r, _) = resume(&bad);
        assert!(r.is_err(), "byte {at} changed and the image still loaded");
    }
}

/// Thousands of damaged images with a valid checksum (so that every check
/// past it is exercised): bytes flipped, bytes inserted, payloads cut. The
/// loader refuses or accepts each one, and never panics.
#[test]
fn mutated_images_with_valid_checksums_never_panic() {
    let (_, bytes) = save_at(3);
    const HEADER: usize = 28;
    let reseal = |mut b: Vec<u8>| {
        if b.len() >= HEADER {
            let len = (b.len() - HEADER) as u64;
            b[16..24].copy_from_slice(&len.to_le_bytes());
            let crc = crc32fast::hash(&b[HEADER..]);
            b[24..28].copy_from_slice(&crc.to_le_bytes());
        }
        b
    };
    // xorshift64: a fixed seed, so a failure reproduces.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let payload = bytes.len() - HEADER;
    let mut refused = 0;
    for round in 0..5000 {
        let mut b = bytes.clone();
        match round % 4 {
            0 | 1 => {
                for _ in 0..=(next() % 3) {
                    let at = HEADER + (next() as usize % payload);
                    b[at] = next() as u8;
                }
            }
            2 => {
                let at = HEADER + (next() as usize % payload);
                b.insert(at, next() as u8);
            }
            _ => b.truncate(HEADER + (next() as usize % payload)),
        }
        let b = reseal(b);
        if crate::snapshot::load(&b).is_err() {
            refused += 1;
        }
    }
    // Most damage is caught; a change to a register's int value is a
    // valid state and loads.
    assert!(refused > 2500, "only {refused} of 5000 refused");
}
