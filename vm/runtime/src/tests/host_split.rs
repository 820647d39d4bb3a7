//! The program's state and its host environment are separate values: a
//! state that ran under one host goes on under another, keeping its globals
//! and writing to the new host's output. This is the seam snapshots need.

use super::{verified, Asm, Capture, I};
use crate::heap::roots::Roots;
use crate::heap::{Heap, HeapConfig};
use crate::host::Host;
use crate::interp::{Vm, MAX_FRAMES, VM_STACK_SLOTS};
use crate::program::Program;
use crate::state::VmState;
use crate::{attach_program, call_entry, DEFAULT_HEAP_BYTES, RUN_LOCK};
use lang_bytecode::{Field, Instr};

/// A host writing to `out` with empty stdin and no arguments.
fn host(out: &Capture) -> Host {
    let stdin = Box::new(std::io::Cursor::new(Vec::new()));
    Host::new(Box::new(out.clone()), stdin, Vec::new())
}

#[test]
fn a_state_resumes_under_a_new_host() {
    let mut a = Asm::new();
    a.m.globals.push(Field {
        name: "count".into(),
        ty: I,
    });
    // count += 1; println(count)
    a.entry(
        &[I],
        vec![
            Instr::GetGlobal { a: 0, g: 0 },
            Instr::AddImmI { a: 0, b: 0, imm: 1 },
            Instr::SetGlobal { g: 0, b: 0 },
            Instr::Print { b: 0, t: I, nl: 1 },
            Instr::RetVoid {},
        ],
    );
    let entry = a.m.entry;
    let prog = Program::load(verified(a.finish()));

    let _one_at_a_time = RUN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut roots = Roots::new(VM_STACK_SLOTS, MAX_FRAMES);
    attach_program(&mut roots, &prog);
    let config = HeapConfig {
        plan: Default::default(),
        max_bytes: DEFAULT_HEAP_BYTES,
        threads: None,
    };
    let heap = Heap::new(&config, roots).expect("the heap starts");

    let (first, second) = (Capture::default(), Capture::default());
    let mut vm = Vm {
        state: VmState { prog: &prog, heap },
        host: host(&first),
        snapshot: None,
        tiers: crate::compiled::Tiers::off(),
    };
    call_entry(&mut vm, entry).expect("the first run ends normally");
    vm.host.out.flush();

    // Only the host changes: the state (and the global in it) carries on.
    let mut vm = Vm {
        state: vm.state,
        host: host(&second),
        snapshot: None,
        tiers: crate::compiled::Tiers::off(),
    };
    vm.state.heap.roots.frames.clear();
    call_entry(&mut vm, entry).expect("the resumed run ends normally");
    vm.host.out.flush();

    assert_eq!(first.text(), "1\n");
    assert_eq!(second.text(), "2\n");
}
