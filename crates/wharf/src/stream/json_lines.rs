//! Newline-delimited JSON: events, stats, and pull, push, build and load
//! progress.
//!
//! These endpoints send one JSON document per line, as the work proceeds:
//!
//! ```text
//! {"status":"Pulling from library/alpine","id":"latest"}\r\n
//! {"status":"Downloading","progressDetail":{"current":1024,"total":3000}}\n
//! \n
//! {"status":"Digest: sha256:..."}            <- the last line may lack its \n
//! ```
//!
//! [`LineSplitter`] cuts the byte stream into lines and [`JsonLines`] parses
//! each line into a `T: Deserialize`. The splitter:
//!
//! - accepts `\n` and `\r\n` line ends, and skips blank lines;
//! - does not care where the chunks were cut;
//! - scans each byte for a newline once (with `memchr`), however long the
//!   line and however small the chunks, so decoding stays linear;
//! - refuses lines longer than a limit, [`DEFAULT_MAX_LINE_LENGTH`] (16 MiB)
//!   unless you choose another, instead of buffering without bound: a
//!   [`JsonLinesErrorKind::LineTooLong`] error, after which it stops;
//! - at the end of the input, returns a last line that has no newline.
//!
//! A line that is not valid JSON for `T` is a
//! [`JsonLinesErrorKind::InvalidJson`] error that carries the line; the
//! stream goes on with the next line, since the framing is intact. Fields
//! that `T` does not know are ignored (serde's default), so a newer Engine
//! that adds fields does not break decoding.
//!
//! ```
//! use bytes::Bytes;
//! use futures_util::{stream, TryStreamExt};
//! use serde::Deserialize;
//! use wharf::stream::JsonLines;
//!
//! #[derive(Debug, Deserialize, PartialEq)]
//! struct Progress {
//!     status: String,
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let body = stream::iter([
//!     Ok::<_, std::io::Error>(Bytes::from_static(b"{\"status\":\"Pulling\",\"id\":\"latest\"}\r\n{\"sta")),
//!     Ok(Bytes::from_static(b"tus\":\"Done\"}")),
//! ]);
//! let lines: Vec<Progress> = JsonLines::new(body).try_collect().await?;
//! assert_eq!(lines, [Progress { status: "Pulling".into() }, Progress { status: "Done".into() }]);
//! # Ok::<(), wharf::stream::StreamError<std::io::Error>>(())
//! # }).unwrap();
//! ```

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::{ready, FusedStream, Stream};
use pin_project_lite::pin_project;
use serde::de::DeserializeOwned;

use super::StreamError;

/// The longest line accepted by default, in bytes (16 MiB), not counting
/// its line end.
///
/// The Engine's lines are small (a progress update, an event, a stats
/// sample); build output can carry larger `aux` documents. A longer line
/// means something is wrong, and buffering it would grow memory without
/// bound.
///
/// ```
/// assert_eq!(wharf::stream::json_lines::DEFAULT_MAX_LINE_LENGTH, 16 * 1024 * 1024);
/// ```
pub const DEFAULT_MAX_LINE_LENGTH: usize = 16 * 1024 * 1024;

/// How much of a line an error message shows.
const PREVIEW_LEN: usize = 256;

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

    fn too_long(line_number: u64, start: &[u8], limit: usize) -> JsonLinesError {
        JsonLinesError {
            kind: JsonLinesErrorKind::LineTooLong,
            line_number,
            line: Bytes::copy_from_slice(&start[..start.len().min(PREVIEW_LEN)]),
            limit,
            source: None,
        }
    }

    fn invalid_json(line_number: u64, line: Bytes, source: serde_json::Error) -> JsonLinesError {
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

/// The sans-io line splitter: push chunks in, iterate to take lines out.
///
/// Lines come out without their `\n` or `\r\n`; blank lines (empty or only
/// ASCII whitespace) are skipped. The iterator returns `None` when it needs
/// more input; push another chunk and iterate again. After
/// [`finish`](LineSplitter::finish) it returns the last line even without a
/// newline, then `None` for good. After a
/// [`LineTooLong`](JsonLinesErrorKind::LineTooLong) error it returns `None`
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
    buf: BytesMut,
    /// `buf[..scanned]` holds no newline.
    scanned: usize,
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

pin_project! {
    /// A [`Stream`] of `T`, parsed from the lines of a stream of byte chunks.
    ///
    /// Works with any `Stream<Item = Result<Bytes, E>>`, such as an HTTP
    /// response body's `bytes_stream()`. Errors are a [`StreamError<E>`]:
    /// [`Transport`](StreamError::Transport) for the byte stream's own
    /// errors (the stream then ends) and
    /// [`JsonLines`](StreamError::JsonLines) for a bad line (the stream ends
    /// after a line that is too long, and goes on after invalid JSON).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::{stream, StreamExt};
    /// use serde::Deserialize;
    /// use wharf::stream::JsonLines;
    ///
    /// #[derive(Deserialize)]
    /// struct Event {
    ///     #[serde(rename = "Action")]
    ///     action: String,
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let body = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(
    ///     b"{\"Type\":\"container\",\"Action\":\"start\"}\n",
    /// ))]);
    /// let mut events = JsonLines::<_, Event>::new(body);
    /// while let Some(event) = events.next().await {
    ///     assert_eq!(event?.action, "start");
    /// }
    /// # Ok::<(), wharf::stream::StreamError<std::io::Error>>(())
    /// # }).unwrap();
    /// ```
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct JsonLines<S, T> {
        #[pin]
        inner: S,
        lines: LineSplitter,
        terminated: bool,
        _item: PhantomData<fn() -> T>,
    }
}

impl<S, T> JsonLines<S, T> {
    /// Parses the lines of `inner`, with the
    /// [default line length limit](DEFAULT_MAX_LINE_LENGTH).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::stream;
    /// use wharf::stream::JsonLines;
    ///
    /// let body = stream::empty::<Result<Bytes, std::io::Error>>();
    /// let _stats = JsonLines::<_, serde_json::Value>::new(body);
    /// ```
    pub fn new(inner: S) -> JsonLines<S, T> {
        JsonLines::with_max_line_length(inner, DEFAULT_MAX_LINE_LENGTH)
    }

    /// Parses the lines of `inner`, refusing lines longer than `max` bytes.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::{stream, StreamExt};
    /// use wharf::stream::{JsonLinesErrorKind, JsonLines, StreamError};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let body = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"[1,2,3,4,5]\n"))]);
    /// let mut lines = JsonLines::<_, Vec<u8>>::with_max_line_length(body, 8);
    /// match lines.next().await {
    ///     Some(Err(StreamError::JsonLines(e))) => {
    ///         assert_eq!(e.kind(), JsonLinesErrorKind::LineTooLong)
    ///     }
    ///     other => panic!("unexpected {other:?}"),
    /// }
    /// assert!(lines.next().await.is_none());
    /// # });
    /// ```
    pub fn with_max_line_length(inner: S, max: usize) -> JsonLines<S, T> {
        JsonLines {
            inner,
            lines: LineSplitter::with_max_line_length(max),
            terminated: false,
            _item: PhantomData,
        }
    }

    /// Gives back the underlying stream. Bytes already taken from it but not
    /// yet parsed are lost.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::stream;
    /// use wharf::stream::JsonLines;
    ///
    /// let lines = JsonLines::<_, ()>::new(stream::empty::<Result<Bytes, ()>>());
    /// let _body = lines.into_inner();
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, E, T> Stream for JsonLines<S, T>
where
    S: Stream<Item = Result<Bytes, E>>,
    T: DeserializeOwned,
{
    type Item = Result<T, StreamError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            if *this.terminated {
                return Poll::Ready(None);
            }
            match this.lines.next() {
                Some(Ok(line)) => {
                    let item = wharf_api::from_json(&line).map_err(|e| {
                        let number = this.lines.line_number();
                        StreamError::JsonLines(JsonLinesError::invalid_json(number, line, e))
                    });
                    return Poll::Ready(Some(item));
                }
                Some(Err(e)) => {
                    *this.terminated = true;
                    return Poll::Ready(Some(Err(StreamError::JsonLines(e))));
                }
                None if this.lines.is_finished() => {
                    *this.terminated = true;
                    return Poll::Ready(None);
                }
                None => {}
            }
            match ready!(this.inner.as_mut().poll_next(cx)) {
                Some(Ok(chunk)) => this.lines.push(&chunk),
                Some(Err(e)) => {
                    *this.terminated = true;
                    return Poll::Ready(Some(Err(StreamError::Transport(e))));
                }
                None => this.lines.finish(),
            }
        }
    }
}

impl<S, E, T> FusedStream for JsonLines<S, T>
where
    S: Stream<Item = Result<Bytes, E>>,
    T: DeserializeOwned,
{
    fn is_terminated(&self) -> bool {
        self.terminated
    }
}

#[cfg(test)]
mod tests;
