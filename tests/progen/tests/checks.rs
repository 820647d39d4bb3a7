//! Every generated program is accepted by the checker (`lang check`'s
//! library entry, which also lowers the program, so it accepts exactly what
//! `lang build` does), over 500 seeds and a spread of sizes.

/// The compiler walks nested syntax recursively; `lang` gives it a large
/// stack too.
const STACK: usize = 256 << 20;

fn assert_checks(seeds: std::ops::Range<u64>, size: usize) {
    let worker = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let mut failures = Vec::new();
            for seed in seeds {
                let program = lang_progen::generate(seed, size);
                if let Err(d) = lang_compiler::check("p.src", &program) {
                    failures.push(format!("seed {seed} (size {size}):\n{}", d.render(false)));
                }
            }
            failures
        });
    let failures = worker
        .expect("spawn the checking thread")
        .join()
        .expect("the checker finished");
    assert!(
        failures.is_empty(),
        "{} programs do not check; replay with `cargo run -p lang-progen -- SEED --size N`:\n{}",
        failures.len(),
        failures
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn five_hundred_default_programs_check() {
    assert_checks(0..500, lang_progen::DEFAULT_SIZE);
}

#[test]
fn small_and_large_programs_check() {
    assert_checks(1000..1050, 20);
    assert_checks(2000..2020, 800);
}

/// The compiled modules of generated programs verify, and their listings
/// assemble back into the same module (what the suite's `listing::` trials
/// check for the hand-written programs), over 200 seeds.
#[test]
fn compiled_programs_verify_and_their_listings_round_trip() {
    let worker = std::thread::Builder::new().stack_size(STACK).spawn(|| {
        let mut failures = Vec::new();
        for seed in 0..200 {
            let program = lang_progen::generate(seed, lang_progen::DEFAULT_SIZE);
            let Ok(module) = lang_compiler::compile("p.src", &program) else {
                failures.push(format!("seed {seed}: does not compile"));
                continue;
            };
            if let Err(e) = lang_bytecode::check(&module) {
                failures.push(format!("seed {seed}: does not verify: {e}"));
            }
            let listing = lang_bytecode::disasm::disassemble(&module);
            match lang_bytecode::assemble(&listing) {
                Ok(back) if back == module => {}
                Ok(_) => failures.push(format!("seed {seed}: the listing assembles differently")),
                Err(e) => failures.push(format!("seed {seed}: the listing does not assemble: {e}")),
            }
        }
        failures
    });
    let failures = worker
        .expect("spawn the checking thread")
        .join()
        .expect("the check finished");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
