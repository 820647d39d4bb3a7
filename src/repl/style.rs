//! Colour in the REPL: on only for a terminal, and never when `NO_COLOR` is
//! set (<https://no-color.org>).

use std::io::IsTerminal;

/// ANSI styles the REPL uses; each is empty when colour is off.
#[derive(Clone, Copy)]
pub struct Style {
    pub on: bool,
}

impl Style {
    /// Colour for output on stdout, decided once at start.
    pub fn detect() -> Style {
        Style {
            on: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn keyword(self, t: &str) -> String {
        self.paint("35", t)
    }
    pub fn string(self, t: &str) -> String {
        self.paint("32", t)
    }
    pub fn number(self, t: &str) -> String {
        self.paint("33", t)
    }
    pub fn type_name(self, t: &str) -> String {
        self.paint("36", t)
    }
    pub fn comment(self, t: &str) -> String {
        self.paint("2", t)
    }
    pub fn error(self, t: &str) -> String {
        self.paint("1;31", t)
    }
    pub fn dim(self, t: &str) -> String {
        self.paint("2", t)
    }
}
