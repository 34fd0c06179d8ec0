//! Cutting a byte stream into lines, sans-io.

use bytes::{Bytes, BytesMut};

use super::{JsonLinesError, DEFAULT_MAX_LINE_LENGTH};

/// The sans-io line splitter: push chunks in, iterate to take lines out.
///
/// Lines come out without their `\n` or `\r\n`; blank lines (empty or only
/// ASCII whitespace) are skipped. The iterator returns `None` when it needs
/// more input; push another chunk and iterate again. After
/// [`finish`](LineSplitter::finish) it returns the last line even without a
/// newline, then `None` for good. After a
/// [`LineTooLong`](super::JsonLinesErrorKind::LineTooLong) error it returns `None`
/// for good and ignores further input.
///
/// The splitter copies pushed bytes into one buffer, which holds at most the
/// unfinished line (bounded by the limit) plus the last chunk.
///
/// ```
/// use wharf::stream::LineSplitter;
///
/// let mut lines = LineSplitter::new();
/// let mut out = Vec::new();
/// for chunk in [&b"{\"a\":1}\r\n\r\n{\"a\""[..], b":2}\n{\"a\":3}"] {
///     lines.push(chunk);
///     out.extend(lines.by_ref().map(Result::unwrap));
/// }
/// lines.finish();
/// out.extend(lines.by_ref().map(Result::unwrap));
/// assert_eq!(out, ["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"]);
/// ```
#[derive(Clone, Debug)]
pub struct LineSplitter {
    pub(super) buf: BytesMut,
    /// `buf[..scanned]` holds no newline.
    pub(super) scanned: usize,
    max_line_length: usize,
    /// Lines taken out so far, blank ones included.
    line_number: u64,
    eof: bool,
    done: bool,
}

impl Default for LineSplitter {
    fn default() -> Self {
        LineSplitter::new()
    }
}

impl LineSplitter {
    /// A splitter with the [default line length limit](DEFAULT_MAX_LINE_LENGTH).
    ///
    /// ```
    /// use wharf::stream::{json_lines::DEFAULT_MAX_LINE_LENGTH, LineSplitter};
    ///
    /// assert_eq!(LineSplitter::new().max_line_length(), DEFAULT_MAX_LINE_LENGTH);
    /// ```
    pub fn new() -> LineSplitter {
        LineSplitter::with_max_line_length(DEFAULT_MAX_LINE_LENGTH)
    }

    /// A splitter that refuses lines longer than `max` bytes (not counting
    /// the line end).
    ///
    /// ```
    /// use wharf::stream::LineSplitter;
    ///
    /// let mut lines = LineSplitter::with_max_line_length(3);
    /// lines.push(b"abc\r\nabcd\n");
    /// assert_eq!(lines.next().unwrap().unwrap(), "abc");
    /// assert!(lines.next().unwrap().is_err());
    /// assert!(lines.next().is_none());
    /// ```
    pub fn with_max_line_length(max: usize) -> LineSplitter {
        LineSplitter {
            buf: BytesMut::new(),
            scanned: 0,
            max_line_length: max,
            line_number: 0,
            eof: false,
            done: false,
        }
    }

    /// The line length limit in bytes.
    ///
    /// ```
    /// use wharf::stream::LineSplitter;
    ///
    /// assert_eq!(LineSplitter::with_max_line_length(80).max_line_length(), 80);
    /// ```
    pub fn max_line_length(&self) -> usize {
        self.max_line_length
    }

    /// Adds the next chunk of the stream. Chunks pushed after
    /// [`finish`](LineSplitter::finish) or an error are ignored.
    ///
    /// ```
    /// use wharf::stream::LineSplitter;
    ///
    /// let mut lines = LineSplitter::new();
    /// lines.push(b"{}");
    /// assert!(lines.next().is_none(), "no newline yet");
    /// lines.push(b"\n");
    /// assert_eq!(lines.next().unwrap().unwrap(), "{}");
    /// ```
    pub fn push(&mut self, chunk: &[u8]) {
        if !self.eof && !self.done {
            self.buf.extend_from_slice(chunk);
        }
    }

    /// Marks the end of the input: a last line without a newline is then
    /// returned.
    ///
    /// ```
    /// use wharf::stream::LineSplitter;
    ///
    /// let mut lines = LineSplitter::new();
    /// lines.push(b"{\"last\":true}");
    /// assert!(lines.next().is_none());
    /// lines.finish();
    /// assert_eq!(lines.next().unwrap().unwrap(), "{\"last\":true}");
    /// assert!(lines.next().is_none());
    /// ```
    pub fn finish(&mut self) {
        self.eof = true;
    }

    /// Whether the splitter is done: the input ended (and has been drained)
    /// or an error was returned.
    ///
    /// ```
    /// use wharf::stream::LineSplitter;
    ///
    /// let mut lines = LineSplitter::new();
    /// lines.finish();
    /// assert!(lines.next().is_none());
    /// assert!(lines.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.done
    }

    /// The number of the line last returned (1-based, blank lines counted),
    /// or 0 before the first.
    ///
    /// ```
    /// use wharf::stream::LineSplitter;
    ///
    /// let mut lines = LineSplitter::new();
    /// lines.push(b"\n\n{}\n");
    /// lines.next();
    /// assert_eq!(lines.line_number(), 3);
    /// ```
    pub fn line_number(&self) -> u64 {
        self.line_number
    }

    /// Trims the line end from a complete line; `None` if it is blank.
    fn complete(&mut self, mut line: Bytes) -> Option<Result<Bytes, JsonLinesError>> {
        self.line_number += 1;
        if line.last() == Some(&b'\r') {
            line.truncate(line.len() - 1);
        }
        if line.len() > self.max_line_length {
            self.done = true;
            self.buf = BytesMut::new();
            return Some(Err(JsonLinesError::too_long(
                self.line_number,
                &line,
                self.max_line_length,
            )));
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        Some(Ok(line))
    }
}

impl Iterator for LineSplitter {
    type Item = Result<Bytes, JsonLinesError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.scanned..]) {
                let end = self.scanned + i;
                let mut line = self.buf.split_to(end + 1).freeze();
                line.truncate(end);
                self.scanned = 0;
                match self.complete(line) {
                    Some(item) => return Some(item),
                    None => continue,
                }
            }
            self.scanned = self.buf.len();
            // One more byte than the limit may be a line's `\r`.
            if self.buf.len() > self.max_line_length.saturating_add(1) {
                self.done = true;
                let e =
                    JsonLinesError::too_long(self.line_number + 1, &self.buf, self.max_line_length);
                self.buf = BytesMut::new();
                return Some(Err(e));
            }
            if !self.eof {
                return None;
            }
            self.done = true;
            if self.buf.is_empty() {
                return None;
            }
            let line = self.buf.split().freeze();
            return self.complete(line);
        }
        None
    }
}
