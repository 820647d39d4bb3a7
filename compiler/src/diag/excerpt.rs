//! The part of the source one diagnostic shows: its lines, each cut to a
//! window around the span, as a codespan-reporting `Files` of its own.
//!
//! Rendering a diagnostic against the whole file would copy the whole
//! source line into the output for every error, so many errors on one long
//! line (generated code, minified input) made output and time quadratic.
//! An excerpt holds only what codespan-reporting prints: at most
//! [`SHOWN_LINE_CHARS`] characters of each shown line, with `…` where a line
//! is cut, and at most [`MAX_SHOWN_LINES`] lines of a span that covers many.
//! Line numbers and columns stay those of the real file, and the caret
//! stays under the right character, because the label is moved into the
//! excerpt's text by the same cut.

use codespan_reporting::files::{Error, Files};
use std::ops::Range;

/// The most characters of a source line a diagnostic shows. A line up to
/// this long is shown whole (every line a person writes, so diagnostics of
/// ordinary files look exactly as they always did); a longer one is cut to
/// a window of this many characters. 120 characters plus the line-number
/// gutter fit a common 132-column terminal.
pub const SHOWN_LINE_CHARS: usize = 120;

/// How many characters before the span a cut line keeps, so that the
/// window shows what leads up to the error, not just the error itself.
pub const CONTEXT_CHARS: usize = 40;

/// What marks the place where a line was cut.
pub const CUT_MARKER: &str = "…";

/// The most lines a span covering many lines shows: its first four and its
/// last two, which are the lines codespan-reporting prints of such a span
/// (three lines of context after the start, one before the end); the lines
/// between are left out of the excerpt, so a span over a million lines
/// costs no more than one over ten.
pub const MAX_SHOWN_LINES: usize = 6;

/// Lines after a multi-line span's first that codespan-reporting prints.
const LINES_AFTER_START: usize = 3;

/// One source line of the excerpt.
struct ShownLine {
    /// The 0-based line index codespan-reporting sees. It equals the real
    /// line's distance from the span's first line, except after the lines
    /// left out of a long span, where it jumps so that codespan-reporting
    /// prints a break (`·`) there.
    index: usize,
    /// The real 1-based line number.
    number: usize,
    /// The line's bytes in the excerpt's text, with its newline.
    range: Range<usize>,
    /// Where the line's own characters start in the text (after a cut
    /// marker) and end (before one).
    content: Range<usize>,
    /// The byte of the real line where the shown part starts.
    real_start: usize,
    /// The real 1-based column of the first shown character.
    first_column: usize,
}

/// The excerpt of one diagnostic; the file id is `()`.
pub struct Excerpt<'n> {
    name: &'n str,
    text: String,
    lines: Vec<ShownLine>,
}

impl<'n> Excerpt<'n> {
    /// The excerpt of `span` (byte offsets on char boundaries of `source`,
    /// `start <= end`) and the span moved into the excerpt's text.
    /// `line_starts` are the byte offsets where the source's lines start.
    pub fn new(
        name: &'n str,
        source: &str,
        line_starts: &[usize],
        span: Range<usize>,
    ) -> (Excerpt<'n>, Range<usize>) {
        let first = line_of(line_starts, span.start);
        let last = line_of(line_starts, span.end).max(first);
        // The real lines shown, with the index codespan-reporting sees.
        let mut shown: Vec<(usize, usize)> = Vec::new();
        if last - first < MAX_SHOWN_LINES + 2 {
            shown.extend((first..=last).map(|l| (l, l - first)));
        } else {
            shown.extend((first..=first + LINES_AFTER_START).map(|l| (l, l - first)));
            // Index 8 for the last line: the line before it (index 7) is
            // within one of the end and index 4 is more than three after
            // the start, so codespan prints exactly these six lines with a
            // break between indices 3 and 7.
            let gap = MAX_SHOWN_LINES + 2;
            shown.push((last - 1, gap - 1));
            shown.push((last, gap));
        }
        let mut excerpt = Excerpt {
            name,
            text: String::new(),
            lines: Vec::with_capacity(shown.len()),
        };
        let mut label = 0..0;
        for (real, index) in shown {
            let line_start = line_starts.get(real).copied().unwrap_or(source.len());
            let line_end = line_starts
                .get(real + 1)
                .map(|&next| next.saturating_sub(1))
                .unwrap_or(source.len());
            let line = source.get(line_start..line_end).unwrap_or("");
            // The window is placed around the span's start on its first
            // line and around its end on its last line.
            let focus = if real == first {
                span.start - line_start
            } else if real == last {
                span.end - line_start
            } else {
                0
            };
            let shown_line = excerpt.push_line(index, real + 1, line, focus);
            if real == first {
                label.start = shown_line.to_text(span.start - line_start);
            }
            if real == last {
                label.end = shown_line.to_text(span.end - line_start);
            }
        }
        label.end = label.end.max(label.start);
        (excerpt, label)
    }

    /// Appends the window of `line` around byte `focus` and returns it.
    fn push_line(&mut self, index: usize, number: usize, line: &str, focus: usize) -> &ShownLine {
        let window = window(line, focus);
        let line_text_start = self.text.len();
        if window.start > 0 {
            self.text.push_str(CUT_MARKER);
        }
        let content_start = self.text.len();
        self.text.push_str(line.get(window.clone()).unwrap_or(""));
        let content_end = self.text.len();
        if window.end < line.len() {
            self.text.push_str(CUT_MARKER);
        }
        self.text.push('\n');
        let first_column = line.get(..window.start).map_or(0, |s| s.chars().count()) + 1;
        self.lines.push(ShownLine {
            index,
            number,
            range: line_text_start..self.text.len(),
            content: content_start..content_end,
            real_start: window.start,
            first_column,
        });
        // Just pushed, so the list is not empty.
        &self.lines[self.lines.len() - 1]
    }

    fn line(&self, index: usize) -> Option<&ShownLine> {
        self.lines.iter().find(|l| l.index == index)
    }
}

impl ShownLine {
    /// Where byte `offset` of the real line is in the excerpt's text; a
    /// byte outside the window lands at the nearer end of what is shown.
    fn to_text(&self, offset: usize) -> usize {
        let moved = self.content.start + offset.saturating_sub(self.real_start);
        moved.clamp(self.content.start, self.content.end)
    }
}

/// The byte range of `line` that a diagnostic focused on byte `focus`
/// shows: the whole line if it has at most [`SHOWN_LINE_CHARS`] characters,
/// otherwise that many characters starting [`CONTEXT_CHARS`] before the
/// focus (or fewer before it, near the line's ends).
fn window(line: &str, focus: usize) -> Range<usize> {
    if line.len() <= SHOWN_LINE_CHARS {
        return 0..line.len();
    }
    // Char boundaries, plus the end of the line.
    let bounds: Vec<usize> = line
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line.len()))
        .collect();
    let chars = bounds.len() - 1;
    if chars <= SHOWN_LINE_CHARS {
        return 0..line.len();
    }
    let focus_char = bounds.partition_point(|&b| b < focus);
    let first = focus_char
        .saturating_sub(CONTEXT_CHARS)
        .min(chars - SHOWN_LINE_CHARS);
    let end = first + SHOWN_LINE_CHARS;
    bounds[first]..bounds[end]
}

/// The 0-based index of the line holding byte `offset`.
fn line_of(line_starts: &[usize], offset: usize) -> usize {
    line_starts
        .partition_point(|&s| s <= offset)
        .saturating_sub(1)
}

impl<'a> Files<'a> for Excerpt<'_> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, Error> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, Error> {
        Ok(&self.text)
    }

    fn line_index(&'a self, (): (), byte_index: usize) -> Result<usize, Error> {
        let i = self
            .lines
            .partition_point(|l| l.range.start <= byte_index)
            .saturating_sub(1);
        Ok(self.lines.get(i).map_or(0, |l| l.index))
    }

    fn line_number(&'a self, (): (), line_index: usize) -> Result<usize, Error> {
        Ok(self.line(line_index).map_or(line_index + 1, |l| l.number))
    }

    fn column_number(
        &'a self,
        (): (),
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, Error> {
        let Some(l) = self.line(line_index) else {
            return Ok(1);
        };
        let at = byte_index.clamp(l.content.start, l.content.end);
        let shown = self.text.get(l.content.start..at).unwrap_or("");
        Ok(l.first_column + shown.chars().count())
    }

    fn line_range(&'a self, (): (), line_index: usize) -> Result<Range<usize>, Error> {
        // Lines left out of the excerpt are never printed: they fall in the
        // break codespan-reporting draws instead.
        Ok(self.line(line_index).map_or(0..0, |l| l.range.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(s: &str) -> Vec<usize> {
        std::iter::once(0)
            .chain(s.match_indices('\n').map(|(i, _)| i + 1))
            .collect()
    }

    #[test]
    fn a_short_line_is_shown_whole() {
        let src = "let x = 1;\nlet y = z;\n";
        let (e, label) = Excerpt::new("t", src, &starts(src), 19..20);
        assert_eq!(e.text, "let y = z;\n");
        assert_eq!(&e.text[label.clone()], "z");
        assert_eq!(
            e.location((), label.start).map(|l| l.column_number).ok(),
            Some(9)
        );
    }

    #[test]
    fn a_long_line_is_cut_around_the_span() {
        let src = format!("{}bad{}", "a".repeat(1000), "b".repeat(1000));
        let (e, label) = Excerpt::new("t", &src, &starts(&src), 1000..1003);
        assert_eq!(&e.text[label.clone()], "bad");
        assert!(e.text.starts_with(CUT_MARKER) && e.text.ends_with("…\n"));
        let shown = e.text.trim_end_matches('\n');
        assert_eq!(shown.chars().count(), SHOWN_LINE_CHARS + 2);
        let loc = e.location((), label.start).ok();
        assert_eq!(
            loc.map(|l| (l.line_number, l.column_number)),
            Some((1, 1001))
        );
    }

    #[test]
    fn a_span_over_many_lines_shows_six() {
        let src = "x\n".repeat(1000);
        let (e, label) = Excerpt::new("t", &src, &starts(&src), 0..1999);
        assert_eq!(e.lines.len(), MAX_SHOWN_LINES);
        let last = e.line_index((), label.end).unwrap_or(0);
        assert_eq!(last, 8);
        assert_eq!(e.line_number((), last).ok(), Some(1000));
    }
}
