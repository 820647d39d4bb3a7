//! The library modules compiled into `lang`: `import std::NAME;` loads
//! `stdlib/NAME.src` from the binary, never from disk. Their file table
//! name is `std/NAME.src`, so traces through them say `std/math.src:12`.

/// Every library module, by name, with its source.
const MODULES: &[(&str, &str)] = &[
    ("math", include_str!("../../../stdlib/math.src")),
    ("strings", include_str!("../../../stdlib/strings.src")),
];

/// The source of library module `std::NAME`, if it exists.
pub fn source(name: &str) -> Option<&'static str> {
    MODULES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// The names of every library module, for the error about an unknown one.
pub fn names() -> Vec<&'static str> {
    MODULES.iter().map(|(n, _)| *n).collect()
}
