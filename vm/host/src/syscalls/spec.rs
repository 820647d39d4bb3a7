//! The tables of system calls in `spec/host-mode.md`, generated from the
//! one list in `table.rs`, and the tests that the spec holds them and that
//! the list covers every number as documented. Run with `LANG_BLESS=1`
//! (the one switch that regenerates every golden; the older
//! `LANG_BLESS_SPEC=1` still works) to rewrite the generated sections in
//! place.

use super::table::{class_of, lookup, Area, Class, Syscall, SYSCALLS, UNLISTED};
use std::fmt::Write;

/// Markdown table cells must not contain a bare `|`.
fn cell(text: &str) -> String {
    text.trim().replace('|', "\\|")
}

/// The symbolic name of an error code the table uses.
fn errno_name(e: i32) -> String {
    match e {
        libc::EACCES => "EACCES".into(),
        libc::ENOENT => "ENOENT".into(),
        libc::ENOMEM => "ENOMEM".into(),
        libc::ENOSYS => "ENOSYS".into(),
        libc::EPERM => "EPERM".into(),
        _ => format!("errno {e}"),
    }
}

/// How the spec names a class.
fn label(class: Class) -> String {
    match class {
        Class::Served(_) => "served".into(),
        Class::Ignored => "ignored (returns 0)".into(),
        Class::Unsupported(e) => format!("`{}` (unsupported)", errno_name(e)),
        Class::Refused(e) => format!("`{}` (refused)", errno_name(e)),
    }
}

fn is_reachable(class: Class) -> bool {
    matches!(class, Class::Served(_) | Class::Ignored)
}

/// One table row per run of consecutive calls with the same area, class
/// and doc: their names and numbers, the class and the doc.
fn rows<'a>(calls: impl Iterator<Item = &'a Syscall>) -> Vec<(String, String, &'static str)> {
    let mut rows: Vec<(Area, String, String, &'static str)> = Vec::new();
    for s in calls {
        let name = format!("`{}` ({})", s.name(), s.nr);
        let class = label(s.class);
        match rows.last_mut() {
            Some((area, names, c, doc)) if *area == s.area && *c == class && *doc == s.doc => {
                names.push_str(", ");
                names.push_str(&name);
            }
            _ => rows.push((s.area, name, class, s.doc)),
        }
    }
    rows.into_iter().map(|(_, n, c, d)| (n, c, d)).collect()
}

/// The "What the guest can reach" section: the served and ignored calls,
/// by area.
pub fn reachable_section() -> String {
    let mut out = String::new();
    for area in Area::ALL {
        let calls = SYSCALLS
            .iter()
            .filter(|s| s.area == area && is_reachable(s.class));
        let rows = rows(calls);
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "**{}.** {}\n", area.title(), area.doc());
        out.push_str("| calls (numbers) | class | what the host does |\n|---|---|---|\n");
        for (names, class, doc) in rows {
            let _ = writeln!(out, "| {names} | {class} | {} |", cell(doc));
        }
        out.push('\n');
    }
    out
}

/// The "Refused" section: the calls that fail with a fixed error code,
/// and what every other number gets.
pub fn refused_section() -> String {
    let mut out = String::from("| calls (numbers) | error | why |\n|---|---|---|\n");
    for area in Area::ALL {
        let calls = SYSCALLS
            .iter()
            .filter(|s| s.area == area && !is_reachable(s.class));
        for (names, class, doc) in rows(calls) {
            let _ = writeln!(out, "| {names} | {class} | {} |", cell(doc));
        }
    }
    let _ = writeln!(
        out,
        "\nEvery number the table does not list: {}.",
        label(UNLISTED)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated sections must appear verbatim in `spec/host-mode.md`,
    /// so the spec cannot fall behind the table. Run with `LANG_BLESS=1`
    /// (or the older `LANG_BLESS_SPEC=1`) to rewrite them in place.
    #[test]
    fn spec_holds_the_generated_syscall_tables() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/host-mode.md");
        let sections = [
            ("syscalls-reachable", reachable_section()),
            ("syscalls-refused", refused_section()),
        ];
        if let Err(e) = lang_bytecode::golden::check_sections(path, &sections) {
            panic!("{e}");
        }
    }

    /// Every number up to the highest x86-64 system call libc knows (and
    /// past it, and the ones no register value can make smaller than 0)
    /// finds its own entry or gets the documented default.
    #[test]
    fn every_number_is_listed_once_or_gets_enosys() {
        let highest = libc::SYS_mseal;
        for nr in (-2..=highest + 100).chain([i64::from(u32::MAX), i64::MAX]) {
            match lookup(nr) {
                Some(s) => assert_eq!(s.nr, nr, "the index finds {}", s.name()),
                None => assert_eq!(label(class_of(nr)), "`ENOSYS` (refused)", "{nr}"),
            }
        }
        for s in SYSCALLS {
            assert!(
                lookup(s.nr).is_some_and(|found| found.name() == s.name()),
                "{}",
                s.name()
            );
            assert!(s.nr <= highest, "{} is above mseal", s.name());
        }
    }

    /// The policy issue 10 settled, call by call: refused calls keep their
    /// error code, and the calls libc works around stay unsupported
    /// rather than refused.
    #[test]
    fn the_classes_of_known_calls_stay_as_settled() {
        let expect = [
            (libc::SYS_read, "served"),
            (libc::SYS_clone, "served"),
            (libc::SYS_mlock, "ignored (returns 0)"),
            (libc::SYS_sched_setaffinity, "ignored (returns 0)"),
            (libc::SYS_statx, "`ENOSYS` (unsupported)"),
            (libc::SYS_rseq, "`ENOSYS` (unsupported)"),
            (libc::SYS_mremap, "`ENOMEM` (unsupported)"),
            (libc::SYS_readlinkat, "`ENOENT` (unsupported)"),
            (libc::SYS_socket, "`EACCES` (refused)"),
            (libc::SYS_execve, "`EACCES` (refused)"),
            (libc::SYS_fchdir, "`EACCES` (refused)"),
            (libc::SYS_mount_setattr, "`EACCES` (refused)"),
            (libc::SYS_fchmodat2, "`EACCES` (refused)"),
            (libc::SYS_fork, "`EPERM` (refused)"),
            (libc::SYS_wait4, "`EPERM` (refused)"),
            (libc::SYS_setrlimit, "`EPERM` (refused)"),
            (libc::SYS_io_uring_setup, "`ENOSYS` (refused)"),
        ];
        for (nr, class) in expect {
            assert_eq!(label(class_of(nr)), class, "{nr}");
        }
    }

    #[test]
    fn sections_name_every_call_once() {
        let text = format!("{}{}", reachable_section(), refused_section());
        for s in SYSCALLS {
            let name = format!("`{}` ({})", s.name(), s.nr);
            assert_eq!(text.matches(&name).count(), 1, "{name}");
        }
        assert!(text.contains("CLONE_VM\\|CLONE_THREAD"), "bars are escaped");
    }
}
