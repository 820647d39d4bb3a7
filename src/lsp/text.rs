//! Documents as the editor has them, and the conversion between the
//! compiler's byte offsets and LSP positions (line and character, the
//! character counted in UTF-16 code units unless the client agreed to
//! UTF-8).

use lsp_types::{Position, Range};

/// How a position's character is counted, as agreed at initialisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-16 code units: the protocol's default, what every client supports.
    Utf16,
    /// Bytes of UTF-8, when the client offers it (no conversion needed).
    Utf8,
}

/// An open document: its text and where its lines start.
pub struct Document {
    pub text: String,
    line_starts: Vec<usize>,
}

impl Document {
    pub fn new(text: String) -> Document {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Document { text, line_starts }
    }

    /// The position of byte `offset` (clamped to the text, and moved back
    /// to the start of a character it falls inside).
    pub fn position(&self, offset: usize, enc: Encoding) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let before = &self.text[start..offset];
        let character = match enc {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 => before.encode_utf16().count(),
        };
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            character: u32::try_from(character).unwrap_or(u32::MAX),
        }
    }

    /// The range of bytes `start..end`.
    pub fn range(&self, start: usize, end: usize, enc: Encoding) -> Range {
        Range {
            start: self.position(start, enc),
            end: self.position(end.max(start), enc),
        }
    }

    /// The range of the whole text.
    pub fn whole(&self, enc: Encoding) -> Range {
        self.range(0, self.text.len(), enc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let d = Document::new("ab\ncd\n".into());
        assert_eq!(d.position(0, Encoding::Utf16), pos(0, 0));
        assert_eq!(d.position(4, Encoding::Utf16), pos(1, 1));
        assert_eq!(d.position(6, Encoding::Utf16), pos(2, 0));
        assert_eq!(d.position(99, Encoding::Utf16), pos(2, 0));
    }

    #[test]
    fn characters_are_utf16_units_unless_utf8_was_agreed() {
        // "é" is two bytes and one UTF-16 unit; "𝄞" four bytes and two units.
        let d = Document::new("é𝄞x".into());
        assert_eq!(d.position(6, Encoding::Utf16), pos(0, 3));
        assert_eq!(d.position(6, Encoding::Utf8), pos(0, 6));
        // Inside a character: its start.
        assert_eq!(d.position(1, Encoding::Utf16), pos(0, 0));
    }
}
