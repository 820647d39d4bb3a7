//! Exit codes, as the language card fixes them (they follow BSD `sysexits.h`).

/// A compile error, or a malformed or unverifiable `.bc` file (EX_DATAERR).
pub const DATA_ERROR: i32 = 65;
/// The input file is missing or unreadable (EX_NOINPUT).
pub const NO_INPUT: i32 = 66;
/// A required service is missing, e.g. `/dev/kvm` (EX_UNAVAILABLE).
pub const UNAVAILABLE: i32 = 69;
/// A runtime error in the program (EX_SOFTWARE).
pub const RUNTIME_ERROR: i32 = 70;
/// An internal error: a state the bytecode verifier rules out, met at run
/// time anyway (a bug in `lang`, see `lang_vm::INTERNAL_ERROR_EXIT` for why
/// 101), or a panic of the runtime.
pub const INTERNAL_ERROR: i32 = lang_vm::INTERNAL_ERROR_EXIT;
/// Writing an output file failed (EX_CANTCREAT).
pub const CANT_CREATE: i32 = 73;
/// Writing the program's output failed, e.g. on a full disk (EX_IOERR).
pub const IO_ERROR: i32 = 74;
/// The reader of stdout went away (`lang run p.src | head -1`): the status
/// of a program ended by SIGPIPE (128 + 13), as shells report it for C, Go
/// or coreutils programs in the same place; nothing is printed.
pub const STDOUT_CLOSED: i32 = 141;
/// Bad command-line use; clap exits with this itself.
pub const USAGE: i32 = 2;

/// The exit code of a run that ended in `e`: 70 for the program's runtime
/// error, `INTERNAL_ERROR` for a bug in `lang`.
pub fn of_error(e: &lang_vm::RuntimeError) -> i32 {
    if e.internal {
        INTERNAL_ERROR
    } else {
        RUNTIME_ERROR
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_has_its_own_exit_code() {
        let mut e = lang_vm::RuntimeError::untraced("boom".into());
        assert_eq!(of_error(&e), RUNTIME_ERROR);
        e.internal = true;
        assert_eq!(of_error(&e), INTERNAL_ERROR);
        assert_eq!(INTERNAL_ERROR, 101);
        assert!(![
            DATA_ERROR,
            NO_INPUT,
            UNAVAILABLE,
            RUNTIME_ERROR,
            CANT_CREATE,
            USAGE
        ]
        .contains(&INTERNAL_ERROR));
    }
}
