//! The errors of line splitting and decoding: a line too long, a line that
//! is not the expected JSON.

use std::fmt;
use std::io;

use bytes::Bytes;

/// How much of a line an error message shows.
pub(super) const PREVIEW_LEN: usize = 256;

/// What went wrong in a [`JsonLinesError`].
///
/// ```
/// use wharf::stream::{JsonLinesErrorKind, LineSplitter};
///
/// let mut lines = LineSplitter::with_max_line_length(4);
/// lines.push(b"12345\n");
/// let e = lines.next().unwrap().unwrap_err();
/// assert_eq!(e.kind(), JsonLinesErrorKind::LineTooLong);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonLinesErrorKind {
    /// A line was longer than the limit. Decoding stops.
    LineTooLong,
    /// A line was not valid JSON, or not of the expected shape. Decoding
    /// goes on with the next line.
    InvalidJson,
}

/// A line that was too long, or not the JSON that was expected.
///
/// Converts into an [`io::Error`] of kind
/// [`InvalidData`](io::ErrorKind::InvalidData). For
/// [`InvalidJson`](JsonLinesErrorKind::InvalidJson), the
/// [`serde_json::Error`] is the [`source`](std::error::Error::source). The
/// `Display` text shows the start of the line; it is not part of the API.
///
/// ```
/// use bytes::Bytes;
/// use futures_util::{stream, StreamExt};
/// use wharf::stream::{JsonLines, JsonLinesErrorKind, StreamError};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let body = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"1\nnot json\n3\n"))]);
/// let items: Vec<_> = JsonLines::<_, u32>::new(body).collect().await;
/// assert_eq!(items.len(), 3);
/// match &items[1] {
///     Err(StreamError::JsonLines(e)) => {
///         assert_eq!(e.kind(), JsonLinesErrorKind::InvalidJson);
///         assert_eq!(e.line(), "not json");
///         assert_eq!(e.line_number(), 2);
///     }
///     other => panic!("unexpected {other:?}"),
/// }
/// assert_eq!(items[2].as_ref().unwrap(), &3);
/// # });
/// ```
#[derive(Debug)]
pub struct JsonLinesError {
    kind: JsonLinesErrorKind,
    line_number: u64,
    line: Bytes,
    limit: usize,
    source: Option<serde_json::Error>,
}

impl JsonLinesError {
    /// What went wrong.
    ///
    /// ```
    /// use wharf::stream::{JsonLinesErrorKind, LineSplitter};
    ///
    /// let mut lines = LineSplitter::with_max_line_length(2);
    /// lines.push(b"too long");
    /// assert_eq!(lines.next().unwrap().unwrap_err().kind(), JsonLinesErrorKind::LineTooLong);
    /// ```
    pub fn kind(&self) -> JsonLinesErrorKind {
        self.kind
    }

    /// The offending line, without its line end. For
    /// [`LineTooLong`](JsonLinesErrorKind::LineTooLong), only its first
    /// bytes (at most 256).
    ///
    /// ```
    /// use wharf::stream::LineSplitter;
    ///
    /// let mut lines = LineSplitter::with_max_line_length(3);
    /// lines.push(b"abcdef\n");
    /// assert_eq!(lines.next().unwrap().unwrap_err().line(), "abcdef");
    /// ```
    pub fn line(&self) -> &Bytes {
        &self.line
    }

    /// The 1-based number of the offending line, counting blank lines.
    ///
    /// ```
    /// use wharf::stream::LineSplitter;
    ///
    /// let mut lines = LineSplitter::with_max_line_length(3);
    /// lines.push(b"1\n\n2\nabcdef\n");
    /// let errors: Vec<_> = lines.filter_map(Result::err).collect();
    /// assert_eq!(errors[0].line_number(), 4);
    /// ```
    pub fn line_number(&self) -> u64 {
        self.line_number
    }

    pub(super) fn too_long(line_number: u64, start: &[u8], limit: usize) -> JsonLinesError {
        JsonLinesError {
            kind: JsonLinesErrorKind::LineTooLong,
            line_number,
            line: Bytes::copy_from_slice(&start[..start.len().min(PREVIEW_LEN)]),
            limit,
            source: None,
        }
    }

    pub(super) fn invalid_json(
        line_number: u64,
        line: Bytes,
        source: serde_json::Error,
    ) -> JsonLinesError {
        JsonLinesError {
            kind: JsonLinesErrorKind::InvalidJson,
            line_number,
            line,
            limit: 0,
            source: Some(source),
        }
    }
}

/// The start of a line, as text, for messages.
struct Preview<'a>(&'a [u8]);

impl fmt::Display for Preview<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = &self.0[..self.0.len().min(PREVIEW_LEN)];
        write!(f, "`{}`", String::from_utf8_lossy(shown).escape_debug())?;
        if shown.len() < self.0.len() {
            write!(f, " (and {} more bytes)", self.0.len() - shown.len())?;
        }
        Ok(())
    }
}

impl fmt::Display for JsonLinesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            JsonLinesErrorKind::LineTooLong => write!(
                f,
                "line {} is longer than the limit of {} bytes; it starts with {}",
                self.line_number,
                self.limit,
                Preview(&self.line)
            ),
            JsonLinesErrorKind::InvalidJson => write!(
                f,
                "line {} is not the expected JSON: {}",
                self.line_number,
                Preview(&self.line)
            ),
        }
    }
}

impl std::error::Error for JsonLinesError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<JsonLinesError> for io::Error {
    fn from(e: JsonLinesError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

#[cfg(test)]
impl JsonLinesError {
    /// A copy without the source (serde_json errors do not clone).
    pub(super) fn clone_for_test(&self) -> JsonLinesError {
        JsonLinesError {
            kind: self.kind,
            line_number: self.line_number,
            line: self.line.clone(),
            limit: self.limit,
            source: None,
        }
    }
}
