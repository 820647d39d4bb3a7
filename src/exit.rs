//! Exit codes, as the language card fixes them (they follow BSD `sysexits.h`).

/// A compile error, or a malformed or unverifiable `.bc` file (EX_DATAERR).
pub const DATA_ERROR: i32 = 65;
/// The input file is missing or unreadable (EX_NOINPUT).
pub const NO_INPUT: i32 = 66;
/// A required service is missing, e.g. `/dev/kvm` (EX_UNAVAILABLE).
pub const UNAVAILABLE: i32 = 69;
/// A runtime error in the program (EX_SOFTWARE).
pub const RUNTIME_ERROR: i32 = 70;
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
