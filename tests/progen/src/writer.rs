//! Indented source text: generated programs are meant to be read when a
//! differential run finds a difference.

/// Lines of source with the current indentation (four spaces a level).
#[derive(Default)]
pub struct Writer {
    text: String,
    depth: usize,
}

impl Writer {
    /// One line at the current indentation.
    pub fn line(&mut self, s: &str) {
        for _ in 0..self.depth {
            self.text.push_str("    ");
        }
        self.text.push_str(s);
        self.text.push('\n');
    }

    /// A line that opens a block (`... {`); what follows is indented.
    pub fn open(&mut self, s: &str) {
        self.line(s);
        self.depth += 1;
    }

    /// Closes the innermost block with `closing` (usually `}`).
    pub fn close(&mut self, closing: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.line(closing);
    }

    /// A line that closes one block and opens the next (`} else {`).
    pub fn reopen(&mut self, s: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.line(s);
        self.depth += 1;
    }

    /// An empty line between items.
    pub fn blank(&mut self) {
        self.text.push('\n');
    }

    /// The text written so far.
    pub fn finish(self) -> String {
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::Writer;

    #[test]
    fn indents_blocks() {
        let mut w = Writer::default();
        w.open("fn main() {");
        w.line("println(1);");
        w.close("}");
        assert_eq!(w.finish(), "fn main() {\n    println(1);\n}\n");
    }
}
