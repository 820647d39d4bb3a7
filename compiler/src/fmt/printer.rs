//! The output buffer of the formatter: indentation, line ends, blank lines
//! kept from the source, and the comments put back where they were.

use super::comments::Comment;

/// How many spaces one level of indentation is (the repository's style).
const INDENT: &str = "    ";

pub struct Printer<'s> {
    pub src: &'s str,
    pub out: String,
    indent: usize,
    comments: Vec<Comment>,
    /// The first comment not yet printed.
    next_comment: usize,
    at_line_start: bool,
    /// How far into the source the printed code has reached, for telling
    /// whether a comment trails the code just printed.
    pub src_pos: usize,
}

impl<'s> Printer<'s> {
    pub fn new(src: &'s str, comments: Vec<Comment>) -> Self {
        Printer {
            src,
            out: String::new(),
            indent: 0,
            comments,
            next_comment: 0,
            at_line_start: true,
            src_pos: 0,
        }
    }

    /// Appends text, indenting it first when it starts a line.
    pub fn write(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.at_line_start {
            for _ in 0..self.indent {
                self.out.push_str(INDENT);
            }
            self.at_line_start = false;
        }
        self.out.push_str(text);
    }

    /// The source text of a byte range (empty if the range is not valid,
    /// which the parser's spans always are).
    pub fn source(&self, start: usize, end: usize) -> &'s str {
        self.src.get(start..end).unwrap_or("")
    }

    /// Whether the source between two offsets spans more than one line.
    pub fn multiline(&self, start: usize, end: usize) -> bool {
        self.source(start, end).contains('\n')
    }

    /// Whether a comment starts inside the byte range.
    pub fn has_comment(&self, start: usize, end: usize) -> bool {
        self.comments
            .iter()
            .any(|c| c.start >= start && c.start < end)
    }

    pub fn indent(&mut self) {
        self.indent += 1;
    }

    pub fn dedent(&mut self) {
        self.indent = self.indent.saturating_sub(1);
    }

    /// Ends the line, first appending the comment that trails the code
    /// printed last on it, if any.
    pub fn newline(&mut self) {
        while let Some(c) = self.comments.get(self.next_comment).copied() {
            let between = self.src.get(self.src_pos..c.start);
            if c.trailing && between.is_some_and(|b| b.trim().is_empty()) {
                let text = self.source(c.start, c.end).trim_end();
                self.write(" ");
                self.write(text);
                self.src_pos = c.end;
                self.next_comment += 1;
            } else {
                break;
            }
        }
        if !self.at_line_start {
            self.out.push('\n');
            self.at_line_start = true;
        }
    }

    /// Prepares the line for a construct that starts at source offset
    /// `pos`: prints the comments written before it, each on its own line,
    /// and keeps one blank line where the source had one or more.
    pub fn line_start(&mut self, pos: usize) {
        self.flush_comments(pos);
        if self.blank_before(pos) {
            self.blank_line();
        }
    }

    /// Prints the comments written before source offset `pos`, each on its
    /// own line (what a closing brace needs: no blank line before it).
    pub fn flush_comments(&mut self, pos: usize) {
        while let Some(c) = self.comments.get(self.next_comment).copied() {
            if c.start >= pos {
                break;
            }
            if self.blank_before(c.start) {
                self.blank_line();
            }
            let text = self.source(c.start, c.end).trim_end();
            self.write(text);
            self.next_comment += 1;
            self.src_pos = c.end;
            self.newline();
        }
    }

    /// Whether the source line before the one holding `pos` is blank.
    fn blank_before(&self, pos: usize) -> bool {
        let before = self.source(0, pos).trim_end_matches([' ', '\t']);
        match before.strip_suffix('\n') {
            Some(rest) => rest.trim_end_matches([' ', '\t', '\r']).ends_with('\n'),
            None => false,
        }
    }

    /// One blank line, unless the output is at the start of the file or of
    /// a block, or already has one.
    fn blank_line(&mut self) {
        if !self.at_line_start
            || self.out.is_empty()
            || self.out.ends_with("{\n")
            || self.out.ends_with("\n\n")
        {
            return;
        }
        self.out.push('\n');
    }

    /// Prints the comments left at the end of the file and returns the
    /// text, ending in exactly one newline.
    pub fn finish(mut self) -> String {
        self.newline();
        let end = self.src.len();
        self.line_start(end);
        let mut out = self.out.trim_end().to_string();
        out.push('\n');
        out
    }
}
