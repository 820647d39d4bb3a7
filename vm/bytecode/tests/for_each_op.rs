//! Another crate expands the opcode list with its own macro, as a JIT would
//! generate its translation skeleton: one item per instruction, in list
//! order, with the facts the list states.

/// Collects, per instruction, its name, mnemonic, operand names, written
/// register and flags into a table, the way a consumer of the list would.
macro_rules! skeleton {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident = $mnemonic:literal { $($field:ident : $kind:ident),* }
            $(writes($written:ident))?
            $(types($($typed:ident : $ty:ident),+))?
            $([$($flag:ident),*])?;
    )*) => {
        const SKELETON: &[(&str, &str, &[&str], &[&str], &[&str])] = &[$(
            (
                stringify!($name),
                $mnemonic,
                &[$(stringify!($field)),*],
                &[$(stringify!($written))?],
                &[$($(stringify!($flag)),*)?],
            ),
        )*];
    };
}

lang_bytecode::for_each_op!(skeleton);

use lang_bytecode::instr::ALL_OPCODES;

#[test]
fn the_expansion_follows_the_list() {
    assert_eq!(SKELETON.len(), ALL_OPCODES.len());
    for ((name, mnemonic, _fields, written, flags), op) in SKELETON.iter().zip(ALL_OPCODES) {
        assert_eq!(*mnemonic, op.mnemonic(), "{name}");
        assert_eq!(written.first().copied(), op.written_operand(), "{name}");
        assert_eq!(flags.contains(&"trap"), op.can_trap(), "{name}");
        assert_eq!(flags.contains(&"alloc"), op.may_alloc(), "{name}");
        assert_eq!(flags.contains(&"call"), op.is_call(), "{name}");
        assert_eq!(flags.contains(&"terminator"), op.is_terminator(), "{name}");
    }
    let add = SKELETON
        .iter()
        .find(|s| s.0 == "AddI")
        .expect("add.i is listed");
    assert_eq!(add.2, ["a", "b", "c"]);
}
