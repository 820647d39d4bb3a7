//! Input, output and process natives: `read_line`, `args`, `exit`, `panic`,
//! `assert`, `clock`, `eprint`, `eprintln`.

use super::Args;
use crate::interp::Vm;
use crate::trap::{internal, Trap, TrapKind};
use lang_bytecode::Native;

impl Vm<'_> {
    pub(super) fn native_io(&mut self, nat: Native, c: &Args) -> Result<(), Trap> {
        match nat {
            Native::ReadLine => {
                self.at_safepoint(crate::snapshot::Safepoint::Read)?;
                // The prompt the program printed must be visible before the
                // program waits for its answer.
                self.host.out.flush();
                if self.host.out.is_broken() {
                    return Err(Trap::Stdout);
                }
                let line = self.host.input.read_line();
                self.result_str(c, line.as_bytes())
            }
            Native::Args => {
                let args = std::mem::take(&mut self.host.args);
                let pieces: Vec<&str> = args.iter().map(String::as_str).collect();
                let r = self.result_str_array(c, &pieces);
                self.host.args = args;
                r
            }
            Native::Exit => {
                let code = self.arg_int(c, 0);
                let code =
                    i32::try_from(code).unwrap_or(if code < 0 { i32::MIN } else { i32::MAX });
                Err(Trap::Exit(code))
            }
            Native::Panic => Err(Trap::error(TrapKind::Panic(self.arg_string(c, 0).into()))),
            Native::Assert => {
                if self.arg(c, 0) != 0 {
                    Ok(())
                } else {
                    Err(Trap::error(TrapKind::AssertionFailed(
                        self.arg_string(c, 1).into(),
                    )))
                }
            }
            Native::Clock => {
                let t = self.host.read_clock() as f64 / 1e9;
                self.set_result(c, t.to_bits());
                Ok(())
            }
            Native::EPrint | Native::EPrintln => {
                // What the program printed to stdout before comes first, as
                // it would on an unbuffered terminal. A failed stderr write
                // is ignored: there is nowhere left to report it.
                self.host.out.flush();
                let mut text = self.arg_string(c, 0).to_string();
                if nat == Native::EPrintln {
                    text.push('\n');
                }
                let mut err = std::io::stderr().lock();
                let _ = std::io::Write::write_all(&mut err, text.as_bytes());
                let _ = std::io::Write::flush(&mut err);
                Ok(())
            }
            Native::Checkpoint => {
                let path = self.arg_string(c, 0).to_string();
                let resumed = self.checkpoint(&path)?;
                self.set_result(c, resumed as u64);
                Ok(())
            }
            _ => Err(internal(format!(
                "native {} is not an io native",
                nat.name()
            ))),
        }
    }
}
