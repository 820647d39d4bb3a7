//! `progen SEED [--size N]`: prints the program that SEED names.

use std::process::ExitCode;

const USAGE: &str = "usage: progen SEED [--size N]
  SEED      a number (decimal, or hex with 0x) naming the program
  --size N  about how many lines to write (default 150, at most 5000)";

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok((seed, size)) => {
            print!("{}", lang_progen::generate(seed, size));
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The seed and size from the command line, or what is wrong with it.
fn parse(mut args: impl Iterator<Item = String>) -> Result<(u64, usize), String> {
    let mut seed = None;
    let mut size = lang_progen::DEFAULT_SIZE;
    while let Some(arg) = args.next() {
        if arg == "--size" {
            let n = args.next().ok_or("--size needs a number")?;
            size = n
                .parse::<usize>()
                .ok()
                .filter(|&n| (1..=lang_progen::MAX_SIZE).contains(&n))
                .ok_or(format!(
                    "--size takes 1 to {}, not {n:?}",
                    lang_progen::MAX_SIZE
                ))?;
        } else if seed.is_none() {
            seed = Some(parse_seed(&arg).ok_or(format!("not a seed: {arg:?}"))?);
        } else {
            return Err(format!("unexpected argument {arg:?}"));
        }
    }
    Ok((seed.ok_or("missing SEED")?, size))
}

fn parse_seed(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16).ok(),
        None => s.replace('_', "").parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn args(s: &str) -> impl Iterator<Item = String> + '_ {
        s.split_whitespace().map(str::to_string)
    }

    #[test]
    fn reads_seeds_and_sizes() {
        assert_eq!(parse(args("17")), Ok((17, lang_progen::DEFAULT_SIZE)));
        assert_eq!(parse(args("0xff --size 40")), Ok((255, 40)));
        assert_eq!(
            parse(args("--size 40 18446744073709551615")),
            Ok((u64::MAX, 40))
        );
    }

    #[test]
    fn rejects_bad_command_lines() {
        for bad in [
            "",
            "x",
            "1 2",
            "1 --size",
            "1 --size 0",
            "1 --size 9999999",
            "-1",
        ] {
            assert!(parse(args(bad)).is_err(), "{bad:?}");
        }
    }
}
