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
