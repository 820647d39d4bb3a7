//! Collection: garbage well beyond the heap limit is reclaimed while live
//! data survives being moved; live data beyond the limit is `out of memory`.

use super::Op::*;
use super::*;
use crate::{GcPlan, RunOutcome, VmOptions};
use lang_bytecode::{Field, Native, StructDef, Type};

/// A program that keeps a 10000-node list and a map alive while it makes
/// about 100 MiB of garbage; every 100th iteration it stores a new string in
/// the old map (an old-to-young pointer only the write barrier reveals).
/// Then it checks every node and map entry: any object lost or corrupted by
/// a moving collection shows up as a wrong sum or a nonzero bad count.
pub fn churn_program(iterations: i32) -> Module {
    let mut a = Asm::new();
    a.m.structs.push(StructDef {
        name: "Node".into(),
        fields: vec![
            Field {
                name: "v".into(),
                ty: I,
            },
            Field {
                name: "s".into(),
                ty: S,
            },
            Field {
                name: "next".into(),
                ty: 4,
            },
        ],
    });
    let node = a.ty(Type::Struct(0));
    assert_eq!(node, 4);
    let arr = a.ty(Type::Array(I));
    let map_t = a.ty(Type::Map(I, S));
    let arr_s = a.ty(Type::Array(S));
    let comma = a.s(",");
    let regs = [
        node, I, I, S, node, arr, I, map_t, I, S, I, I, B, I, S, node, I, arr_s, S, S,
    ];
    let code = assemble(vec![
        In(Instr::LoadNil { a: 0 }),
        In(Instr::LoadInt { a: 1, imm: 0 }),
        In(Instr::LoadInt { a: 2, imm: 10_000 }),
        Label("build"),
        JGe(1, 2, "built"),
        In(Instr::Mov { a: 13, b: 1 }),
        In(Instr::ToStr { a: 14, b: 1, t: I }),
        In(Instr::Mov { a: 15, b: 0 }),
        In(Instr::NewStruct {
            a: 0,
            t: node,
            b: 13,
            n: 3,
        }),
        In(Instr::AddImmI { a: 1, b: 1, imm: 1 }),
        Jmp("build"),
        Label("built"),
        In(Instr::NewMap { a: 7, t: map_t }),
        In(Instr::LoadInt { a: 1, imm: 0 }),
        In(Instr::LoadInt {
            a: 2,
            imm: iterations,
        }),
        In(Instr::LoadInt { a: 10, imm: 100 }),
        In(Instr::LoadInt { a: 11, imm: 0 }),
        Label("loop"),
        JGe(1, 2, "verify"),
        // Garbage: an array of 40 ints, two strings and a split.
        In(Instr::LoadInt { a: 6, imm: 40 }),
        In(Instr::NewArrayFill {
            a: 5,
            t: arr,
            b: 1,
            c: 6,
        }),
        In(Instr::ToStr { a: 3, b: 1, t: I }),
        In(Instr::LoadK { a: 19, k: comma }),
        In(Instr::Concat { a: 3, b: 3, c: 19 }),
        In(Instr::Concat { a: 18, b: 3, c: 3 }),
        In(Instr::CallNative {
            a: 17,
            native: Native::Split as u16,
            b: 18,
            n: 2,
        }),
        In(Instr::RemI { a: 6, b: 1, c: 10 }),
        JLt(11, 6, "next"),
        In(Instr::ToStr { a: 9, b: 1, t: I }),
        In(Instr::MapSet { a: 7, b: 1, c: 9 }),
        Label("next"),
        In(Instr::AddImmI { a: 1, b: 1, imm: 1 }),
        Jmp("loop"),
        Label("verify"),
        In(Instr::LoadInt { a: 8, imm: 0 }),
        In(Instr::LoadInt { a: 16, imm: 0 }),
        Label("walk"),
        In(Instr::IsNil { a: 12, b: 0 }),
        Jt(12, "walked"),
        In(Instr::GetField { a: 13, b: 0, i: 0 }),
        In(Instr::AddI { a: 8, b: 8, c: 13 }),
        In(Instr::GetField { a: 14, b: 0, i: 1 }),
        In(Instr::ToStr { a: 3, b: 13, t: I }),
        In(Instr::NeS { a: 12, b: 3, c: 14 }),
        Jf(12, "good"),
        In(Instr::AddImmI {
            a: 16,
            b: 16,
            imm: 1,
        }),
        Label("good"),
        In(Instr::GetField { a: 0, b: 0, i: 2 }),
        Jmp("walk"),
        Label("walked"),
        In(Instr::Print { b: 8, t: I, nl: 1 }),
        In(Instr::LoadInt { a: 1, imm: 0 }),
        Label("check"),
        JGe(1, 2, "checked"),
        In(Instr::MapGet { a: 9, b: 7, c: 1 }),
        In(Instr::ToStr { a: 3, b: 1, t: I }),
        In(Instr::NeS { a: 12, b: 3, c: 9 }),
        Jf(12, "ok"),
        In(Instr::AddImmI {
            a: 16,
            b: 16,
            imm: 1,
        }),
        Label("ok"),
        In(Instr::AddImmI {
            a: 1,
            b: 1,
            imm: 100,
        }),
        Jmp("check"),
        Label("checked"),
        In(Instr::Print { b: 16, t: I, nl: 1 }),
        In(Instr::CallNative {
            a: 8,
            native: Native::MapLen as u16,
            b: 7,
            n: 1,
        }),
        In(Instr::Print { b: 8, t: I, nl: 1 }),
        In(Instr::RetVoid {}),
    ]);
    a.entry(&regs, code);
    a.finish()
}

/// The churn program's expected output for `iterations`.
pub fn churn_expected(iterations: i32) -> String {
    format!("49995000\n0\n{}\n", (iterations + 99) / 100)
}

/// The heap limit of the collection tests: small, so that the ~100 MiB of
/// garbage forces dozens of collections.
const SMALL_HEAP: usize = 16 << 20;

fn small_heap(plan: GcPlan) -> VmOptions {
    VmOptions {
        heap_max: Some(SMALL_HEAP),
        gc_plan: plan,
        ..Default::default()
    }
}

/// Garbage far beyond the heap limit is collected; live data survives.
#[test]
fn garbage_beyond_the_limit_is_collected() {
    let iterations = 300_000;
    let before = crate::heap::binding::collections();
    let (r, out) = run_full(churn_program(iterations), small_heap(GcPlan::default()), "");
    assert_eq!(r, Ok(RunOutcome::Exit(0)));
    assert_eq!(out, churn_expected(iterations));
    let gcs = crate::heap::binding::collections() - before;
    assert!(gcs >= 5, "only {gcs} collections ran");
}

/// Keeping everything alive ends in `out of memory`, not a crash or hang.
#[test]
fn live_data_beyond_the_limit_is_out_of_memory() {
    let (r, _) = run_full(hoarder_program(), small_heap(GcPlan::default()), "");
    let e = r.unwrap_err();
    assert_eq!(e.message, "out of memory");
    assert_eq!(e.trace.len(), 1);
}

/// `var all = []; while true { all.push([0; 1000]); }`
pub fn hoarder_program() -> Module {
    let mut a = Asm::new();
    let arr = a.ty(Type::Array(I));
    let arr2 = a.ty(Type::Array(arr));
    let code = assemble(vec![
        In(Instr::NewArray {
            a: 0,
            t: arr2,
            b: 0,
            n: 0,
        }),
        In(Instr::LoadInt { a: 2, imm: 0 }),
        In(Instr::LoadInt { a: 3, imm: 1000 }),
        Label("loop"),
        In(Instr::NewArrayFill {
            a: 1,
            t: arr,
            b: 2,
            c: 3,
        }),
        In(Instr::ArrPush { a: 0, b: 1 }),
        Jmp("loop"),
    ]);
    a.entry(&[arr2, arr, I, I], code);
    a.finish()
}

/// A single object bigger than the heap is `out of memory` at once.
#[test]
fn one_huge_allocation_is_out_of_memory() {
    let mut a = Asm::new();
    let arr = a.ty(Type::Array(I));
    let big = a.k(Const::Int(1 << 40));
    a.entry(
        &[I, I, arr],
        vec![
            Instr::LoadInt { a: 0, imm: 7 },
            Instr::LoadK { a: 1, k: big },
            Instr::NewArrayFill {
                a: 2,
                t: arr,
                b: 0,
                c: 1,
            },
            Instr::RetVoid {},
        ],
    );
    let (r, _) = run_full(a.finish(), small_heap(GcPlan::default()), "");
    assert_eq!(r.unwrap_err().message, "out of memory");
}

/// The environment variable that makes `child_runs_under_env_plan` run.
const CHILD_PLAN_VAR: &str = "LANG_VM_TEST_CHILD_PLAN";

/// Run in a child process by `every_plan_collects_correctly`: the plan is
/// process-wide, so each plan gets its own process. Without the variable
/// (a normal test run) it does nothing.
#[test]
fn child_runs_under_env_plan() {
    let Ok(name) = std::env::var(CHILD_PLAN_VAR) else {
        return;
    };
    let plan = GcPlan::from_name(&name).expect("a plan name");
    let iterations = 200_000;
    if plan == GcPlan::NoGC {
        // NoGC never frees: the churn fits in a big heap, and the hoarder
        // still ends in `out of memory` at the small limit.
        let opts = VmOptions {
            heap_max: Some(1 << 30),
            gc_plan: plan,
            ..Default::default()
        };
        let (r, out) = run_full(churn_program(iterations), opts, "");
        assert_eq!(r, Ok(RunOutcome::Exit(0)));
        assert_eq!(out, churn_expected(iterations));
    } else {
        let before = crate::heap::binding::collections();
        let (r, out) = run_full(churn_program(iterations), small_heap(plan), "");
        assert_eq!(r, Ok(RunOutcome::Exit(0)), "output: {out}");
        assert_eq!(out, churn_expected(iterations));
        let gcs = crate::heap::binding::collections() - before;
        assert!(gcs >= 3, "only {gcs} collections ran");
        println!("{name}: {gcs} collections in the churn");
    }
    let (r, _) = run_full(hoarder_program(), small_heap(plan), "");
    assert_eq!(r.unwrap_err().message, "out of memory");
    println!("CHILD OK {name}");
}

/// Every plan the runtime offers runs the churn and hoarder programs
/// correctly (SemiSpace moves every live object at every collection; the
/// generational plans depend on the write barrier).
#[test]
fn every_plan_collects_correctly() {
    if std::env::var(CHILD_PLAN_VAR).is_ok() {
        return;
    }
    for plan in GcPlan::ALL {
        let out = run_child(
            "tests::gc::child_runs_under_env_plan",
            CHILD_PLAN_VAR,
            plan.name(),
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stdout.contains(&format!("CHILD OK {}", plan.name())),
            "plan {} failed ({:?}):\n{stdout}\n{stderr}",
            plan.name(),
            out.status
        );
    }
}

/// The inlined barrier fast path reads the unlog bit MMTk keeps, and the
/// barrier is what keeps a young object alive and up to date when only an
/// old one points to it: an object promoted by a nursery collection is
/// unlogged; storing a young string into it takes the slow path (which logs
/// it); the next nursery collection moves the string and fixes the old
/// object's slot.
#[test]
fn barrier_remembers_old_objects_pointing_to_young_ones() {
    use crate::heap::binding::LangVM;
    use crate::heap::roots::Roots;
    use crate::heap::{Heap, HeapConfig};
    use mmtk::util::{Address, ObjectReference};
    use mmtk::vm::{ObjectModel, VMBinding};
    use std::sync::atomic::Ordering;

    if std::env::var(CHILD_PLAN_VAR).is_ok() {
        return;
    }
    let _one = crate::RUN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let config = HeapConfig {
        plan: GcPlan::default(),
        max_bytes: SMALL_HEAP,
        threads: None,
    };
    let mut heap = Heap::new(&config, Roots::new(16, 4)).expect("a heap");
    let spec = <LangVM as VMBinding>::VMObjectModel::GLOBAL_LOG_BIT_SPEC;
    let mmtk_unlogged = |o: u64| {
        // SAFETY: `o` is a live object.
        let r =
            unsafe { ObjectReference::from_raw_address_unchecked(Address::from_usize(o as usize)) };
        spec.load_atomic::<LangVM, u8>(r, None, Ordering::SeqCst) != 0
    };
    let young = heap.alloc_fixed(shape_with_refs(), 0, 2).unwrap();
    assert!(!heap.is_unlogged(young) && !mmtk_unlogged(young));
    let ri = heap.push_root(young);
    heap.collect(false);
    let old = heap.root(ri);
    assert_ne!(old, young, "a nursery collection moves survivors");
    assert!(
        heap.is_unlogged(old) && mmtk_unlogged(old),
        "promoted objects are unlogged"
    );
    let s = heap.alloc_str(b"young string").unwrap();
    assert!(!heap.is_unlogged(s));
    heap.store_ref(old, 1, s);
    assert!(
        !heap.is_unlogged(old) && !mmtk_unlogged(old),
        "the slow path logs"
    );
    let before = heap.stats();
    heap.collect(false);
    let after = heap.stats();
    assert_eq!(after.nursery_collections, before.nursery_collections + 1);
    let old = heap.root(ri);
    let s2 = heap.load(old, 1);
    assert_ne!(s2, s, "the young string moved");
    assert_eq!(heap.str_bytes(s2), b"young string");
    assert!(heap.is_unlogged(old), "unlogged again after the collection");
    heap.truncate_roots(0);
}

/// A fixed shape of two reference slots.
fn shape_with_refs() -> u32 {
    use crate::heap::shape::{register, Shape};
    use std::sync::OnceLock;
    static ID: OnceLock<u32> = OnceLock::new();
    *ID.get_or_init(|| {
        register(vec![Shape::Fixed {
            slots: 2,
            refs: vec![0, 1],
        }])
    })
}

/// A program that allocates an array of `n` ints.
fn allocating(n: i32) -> lang_bytecode::Module {
    let mut a = Asm::new();
    let arr = a.ty(Type::Array(I));
    a.entry(
        &[arr, I, I],
        vec![
            Instr::LoadInt { a: 1, imm: 0 },
            Instr::LoadInt { a: 2, imm: n },
            Instr::NewArrayFill {
                a: 0,
                t: arr,
                b: 1,
                c: 2,
            },
            Instr::RetVoid {},
        ],
    );
    a.finish()
}

#[test]
fn each_run_returns_its_own_gc_statistics() {
    let run = |m| {
        let stdin = Box::new(std::io::Cursor::new(Vec::new()));
        crate::run_with_io(
            super::verified(m),
            VmOptions::default(),
            Box::new(Capture::default()),
            stdin,
        )
    };
    let big = run(allocating(100_000));
    let small = run(allocating(10));
    assert_eq!(big.result, Ok(RunOutcome::Exit(0)));
    assert_eq!(small.result, Ok(RunOutcome::Exit(0)));
    let big = big
        .gc_stats
        .expect("a run that started its heap has statistics");
    let small = small
        .gc_stats
        .expect("a run that started its heap has statistics");
    // 100000 slots of 8 bytes are in the first run's count and not in the
    // second's: each run counts from its own start.
    assert!(big.allocated_bytes >= 800_000, "{big:?}");
    assert!(small.allocated_bytes < 800_000, "{small:?}");
    assert_eq!(big.plan, VmOptions::default().gc_plan);
}

/// Set in the child process of `heap_limit_is_fixed_by_the_first_run`.
const CHILD_CAPACITY_VAR: &str = "LANG_VM_TEST_CHILD_CAPACITY";

/// MMTk's spaces are sized for the first run's heap limit (1 GiB at least):
/// a later run in the same process may ask for less, or as much, but a
/// larger limit is refused with a message rather than running out of
/// address space mid-program.
#[test]
fn heap_limit_is_fixed_by_the_first_run() {
    if std::env::var(CHILD_CAPACITY_VAR).is_ok() {
        return;
    }
    let out = run_child(
        "tests::gc::child_runs_with_growing_limits",
        CHILD_CAPACITY_VAR,
        "1",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("CHILD OK capacity"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run in a child process by `heap_limit_is_fixed_by_the_first_run`.
#[test]
fn child_runs_with_growing_limits() {
    if std::env::var(CHILD_CAPACITY_VAR).is_err() {
        return;
    }
    let with_limit = |bytes: usize| VmOptions {
        heap_max: Some(bytes),
        ..Default::default()
    };
    let (r, _) = run_full(churn_program(10), with_limit(64 << 20), "");
    assert_eq!(r, Ok(RunOutcome::Exit(0)));
    // The first run asked for 64 MiB; the heap started with room for 1 GiB.
    let (r, _) = run_full(churn_program(10), with_limit(1 << 30), "");
    assert_eq!(r, Ok(RunOutcome::Exit(0)));
    let (r, _) = run_full(churn_program(10), with_limit(2 << 30), "");
    let message = r
        .expect_err("a limit past the first run's is refused")
        .to_string();
    assert!(
        message.contains("at most 1024 MiB") && message.contains("not 2048 MiB"),
        "{message}"
    );
    println!("CHILD OK capacity");
}
