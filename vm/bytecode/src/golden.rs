//! Generated sections of the spec, checked for staleness by tests.
//!
//! A spec page holds tables generated from code between
//! `<!-- BEGIN GENERATED name -->` and `<!-- END GENERATED name -->`
//! markers. The tests of the crate that owns the code call
//! `check_sections`: a stale section fails the test, unless `LANG_BLESS=1`
//! (the one switch that regenerates every golden; the older
//! `LANG_BLESS_SPEC=1` still works) asks for it to be rewritten in place.

/// Whether the run asks goldens to be rewritten rather than checked.
pub fn blessing() -> bool {
    std::env::var("LANG_BLESS").is_ok_and(|v| v == "1")
        || std::env::var_os("LANG_BLESS_SPEC").is_some()
}

/// Checks (or, when blessing, rewrites) each `(name, text)` section of the
/// file at `path`; `Err` says which section is missing or stale.
pub fn check_sections(path: &str, sections: &[(&str, String)]) -> Result<(), String> {
    let spec = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let bless = blessing();
    let mut updated = spec.clone();
    for (name, table) in sections {
        let begin = format!("<!-- BEGIN GENERATED {name} -->\n");
        let end = format!("<!-- END GENERATED {name} -->");
        let (Some(b), Some(e)) = (updated.find(&begin), updated.find(&end)) else {
            return Err(format!("{path} lacks the markers {begin:?} and {end:?}"));
        };
        if updated[b + begin.len()..e] != *table {
            if !bless {
                return Err(format!(
                    "{path}'s {name} table is stale; rerun with LANG_BLESS=1"
                ));
            }
            updated.replace_range(b + begin.len()..e, table);
        }
    }
    if updated != spec {
        std::fs::write(path, updated).map_err(|e| format!("cannot rewrite {path}: {e}"))?;
    }
    Ok(())
}
