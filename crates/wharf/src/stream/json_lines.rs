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
                    let item = serde_json::from_slice(&line).map_err(|e| {
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
mod tests {
    use super::*;
    use futures_util::stream;
    use futures_util::task::noop_waker_ref;
    use proptest::prelude::*;
    use serde::Deserialize;

    fn split_chunks(chunks: &[&[u8]], max: usize) -> Vec<Result<Bytes, JsonLinesError>> {
        let mut lines = LineSplitter::with_max_line_length(max);
        let mut out = Vec::new();
        for chunk in chunks {
            lines.push(chunk);
            out.extend(&mut lines);
        }
        lines.finish();
        out.extend(&mut lines);
        assert!(lines.is_finished());
        assert!(lines.next().is_none());
        out
    }

    fn split_ok(chunks: &[&[u8]]) -> Vec<Bytes> {
        split_chunks(chunks, DEFAULT_MAX_LINE_LENGTH)
            .into_iter()
            .map(Result::unwrap)
            .collect()
    }

    const SAMPLE: &[u8] = b"{\"a\":1}\r\n\n   \r\n{\"a\":2,\"b\":\"x\\ny\"}\n\r\n{\"a\":3}";

    fn sample_lines() -> Vec<Bytes> {
        vec![
            Bytes::from_static(b"{\"a\":1}"),
            Bytes::from_static(b"{\"a\":2,\"b\":\"x\\ny\"}"),
            Bytes::from_static(b"{\"a\":3}"),
        ]
    }

    #[test]
    fn crlf_blank_lines_and_last_line_without_newline() {
        assert_eq!(split_ok(&[SAMPLE]), sample_lines());
    }

    #[test]
    fn every_split_into_two_and_three_chunks() {
        for i in 0..=SAMPLE.len() {
            let (a, b) = SAMPLE.split_at(i);
            assert_eq!(split_ok(&[a, b]), sample_lines(), "cut at {i}");
            for j in i..=SAMPLE.len() {
                let chunks = [&SAMPLE[..i], &SAMPLE[i..j], &SAMPLE[j..]];
                assert_eq!(split_ok(&chunks), sample_lines(), "cuts at {i}, {j}");
            }
        }
        let bytes: Vec<&[u8]> = SAMPLE.chunks(1).collect();
        assert_eq!(split_ok(&bytes), sample_lines());
    }

    #[test]
    fn crlf_split_between_cr_and_lf() {
        assert_eq!(split_ok(&[b"{}\r", b"\n{}\r", b"\n"]), ["{}", "{}"]);
    }

    #[test]
    fn empty_and_blank_only_input() {
        assert!(split_ok(&[]).is_empty());
        assert!(split_ok(&[b""]).is_empty());
        assert!(split_ok(&[b"\n\r\n \t\n", b"  "]).is_empty());
    }

    #[test]
    fn scan_offset_is_kept_across_chunks() {
        let mut lines = LineSplitter::new();
        for _ in 0..1000 {
            lines.push(b"0123456789");
            assert!(lines.next().is_none());
            assert_eq!(lines.scanned, lines.buf.len(), "everything scanned once");
        }
        lines.push(b"\n");
        assert_eq!(lines.next().unwrap().unwrap().len(), 10_000);
        assert_eq!(lines.scanned, 0);
    }

    #[test]
    fn long_line_in_tiny_chunks_is_linear() {
        // 1 MiB in 1-byte chunks: quadratic rescanning would take minutes.
        let mut lines = LineSplitter::new();
        for _ in 0..(1 << 20) {
            lines.push(b"x");
            assert!(lines.next().is_none());
        }
        lines.push(b"\n");
        assert_eq!(lines.next().unwrap().unwrap().len(), 1 << 20);
    }

    #[test]
    fn over_long_line_is_an_error_without_a_newline() {
        let mut lines = LineSplitter::with_max_line_length(10);
        lines.push(b"{}\n");
        assert_eq!(lines.next().unwrap().unwrap(), "{}");
        lines.push(b"0123456789");
        assert!(lines.next().is_none());
        lines.push(b"\r");
        assert!(lines.next().is_none(), "exactly the limit, plus a CR");
        lines.push(b"x");
        let e = lines.next().unwrap().unwrap_err();
        assert_eq!(e.kind(), JsonLinesErrorKind::LineTooLong);
        assert_eq!(e.line_number(), 2);
        assert_eq!(e.line(), "0123456789\rx");
        assert!(e.to_string().contains("limit of 10 bytes"), "{e}");
        assert_eq!(io::Error::from(e).kind(), io::ErrorKind::InvalidData);
        assert!(lines.next().is_none());
        assert!(lines.is_finished());
        lines.push(b"{}\n");
        assert!(lines.next().is_none(), "finished after the error");
        assert!(lines.buf.is_empty(), "buffer released");
    }

    #[test]
    fn line_at_the_limit_is_accepted() {
        let line = [b'7'; 10];
        for ending in [&b"\n"[..], b"\r\n", b""] {
            let input = [&line[..], ending].concat();
            for i in 0..=input.len() {
                let (a, b) = input.split_at(i);
                let out = split_chunks(&[a, b], 10);
                assert_eq!(out.len(), 1);
                assert_eq!(out[0].as_ref().unwrap(), &line[..]);
            }
            let out = split_chunks(&[&[b'7'; 11], ending], 10);
            assert_eq!(
                out[0].as_ref().unwrap_err().kind(),
                JsonLinesErrorKind::LineTooLong
            );
        }
    }

    #[test]
    fn over_long_complete_line_in_one_chunk() {
        let out = split_chunks(&[b"[1]\n[1,2,3,4,5,6]\n[2]\n"], 5);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].as_ref().unwrap(), "[1]");
        let e = out[1].as_ref().unwrap_err();
        assert_eq!(e.line_number(), 2);
        assert_eq!(e.line(), "[1,2,3,4,5,6]");
    }

    #[test]
    fn over_long_line_keeps_only_a_preview() {
        let out = split_chunks(&[&[b'a'; 5000]], 100);
        let e = out[0].as_ref().unwrap_err();
        assert_eq!(e.line().len(), PREVIEW_LEN);
    }

    // --- the Stream adapter -------------------------------------------------

    fn drain<S: Stream + Unpin>(mut s: S) -> Vec<S::Item> {
        let mut cx = Context::from_waker(noop_waker_ref());
        let mut out = Vec::new();
        loop {
            match Pin::new(&mut s).poll_next(&mut cx) {
                Poll::Ready(Some(item)) => out.push(item),
                Poll::Ready(None) => return out,
                Poll::Pending => panic!("stream::iter is never pending"),
            }
        }
    }

    fn body(chunks: &[&[u8]]) -> impl Stream<Item = Result<Bytes, io::Error>> + Unpin {
        let chunks: Vec<_> = chunks
            .iter()
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        stream::iter(chunks)
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct A {
        a: u32,
    }

    #[test]
    fn parses_every_split() {
        let want = [A { a: 1 }, A { a: 2 }, A { a: 3 }];
        for i in 0..=SAMPLE.len() {
            let (x, y) = SAMPLE.split_at(i);
            let out: Vec<A> = drain(JsonLines::new(body(&[x, y])))
                .into_iter()
                .map(Result::unwrap)
                .collect();
            assert_eq!(out, want, "cut at {i}");
        }
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let out = drain(JsonLines::<_, A>::new(body(&[
            b"{\"a\":1,\"new_in_v2\":{\"deep\":[1,2]},\"z\":null}\n",
        ])));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].as_ref().unwrap(), &A { a: 1 });
    }

    #[test]
    fn invalid_json_is_an_error_and_decoding_goes_on() {
        let long = format!("{{\"a\": \"{}\" oops}}", "x".repeat(1000));
        let input = format!("{{\"a\":1}}\n{{\"a\":\n{long}\n{{\"b\":2}}\n{{\"a\":4}}");
        let out = drain(JsonLines::<_, A>::new(body(&[input.as_bytes()])));
        assert_eq!(out.len(), 5);
        assert_eq!(out[0].as_ref().unwrap(), &A { a: 1 });
        for (i, n) in [(1, 2), (2, 3), (3, 4)] {
            match &out[i] {
                Err(StreamError::JsonLines(e)) => {
                    assert_eq!(e.kind(), JsonLinesErrorKind::InvalidJson);
                    assert_eq!(e.line_number(), n);
                    assert!(std::error::Error::source(e)
                        .unwrap()
                        .is::<serde_json::Error>());
                    assert_eq!(
                        io::Error::from(e.clone_for_test()).kind(),
                        io::ErrorKind::InvalidData
                    );
                }
                other => panic!("{other:?}"),
            }
        }
        // The whole line is kept, the message shows only its start.
        let Err(StreamError::JsonLines(e)) = &out[2] else {
            unreachable!()
        };
        assert_eq!(e.line(), long.as_bytes());
        let message = e.to_string();
        assert!(message.len() < 400, "{message}");
        assert!(message.contains("more bytes"), "{message}");
        // A missing field is invalid JSON for `A` too.
        let Err(StreamError::JsonLines(e)) = &out[3] else {
            unreachable!()
        };
        assert_eq!(e.line(), "{\"b\":2}");
        assert_eq!(out[4].as_ref().unwrap(), &A { a: 4 });
    }

    impl JsonLinesError {
        fn clone_for_test(&self) -> JsonLinesError {
            JsonLinesError {
                kind: self.kind,
                line_number: self.line_number,
                line: self.line.clone(),
                limit: self.limit,
                source: None,
            }
        }
    }

    #[test]
    fn over_long_line_ends_the_stream() {
        let mut s = JsonLines::<_, A>::with_max_line_length(
            body(&[b"{\"a\":1}\n{\"a\":", b"11111111111", b"}\n{\"a\":2}\n"]),
            10,
        );
        let out = drain(&mut s);
        assert!(s.is_terminated());
        assert_eq!(out.len(), 2);
        assert!(matches!(
            &out[1],
            Err(StreamError::JsonLines(e)) if e.kind() == JsonLinesErrorKind::LineTooLong
        ));
    }

    #[test]
    fn transport_error_ends_the_stream() {
        let items: Vec<Result<Bytes, &str>> = vec![
            Ok(Bytes::from_static(b"{\"a\":1}\n{\"a\"")),
            Err("reset"),
            Ok(Bytes::from_static(b":2}\n")),
        ];
        let mut s = JsonLines::<_, A>::new(stream::iter(items));
        let out = drain(&mut s);
        assert!(s.is_terminated());
        assert_eq!(out.len(), 2);
        assert!(matches!(out[1], Err(StreamError::Transport("reset"))));
    }

    #[test]
    fn final_line_without_newline_is_parsed() {
        let out = drain(JsonLines::<_, A>::new(body(&[b"{\"a\"", b":7}"])));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].as_ref().unwrap(), &A { a: 7 });
        let out = drain(JsonLines::<_, A>::new(body(&[b"{\"a\":7}\r"])));
        assert_eq!(out[0].as_ref().unwrap(), &A { a: 7 });
    }

    proptest! {
        /// Any JSON lines, with any mix of line ends and blank lines, cut
        /// anywhere, come out the same.
        #[test]
        fn arbitrary_lines_arbitrary_cuts(
            values in prop::collection::vec(any::<u32>(), 0..20),
            endings in prop::collection::vec(0usize..4, 20),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            const ENDINGS: [&str; 4] = ["\n", "\r\n", "\n\n", "\r\n \r\n"];
            let mut input = String::new();
            for (v, e) in values.iter().zip(&endings) {
                input.push_str(&format!("{{\"a\":{v},\"n\":\"x\"}}{}", ENDINGS[*e]));
            }
            let input = input.as_bytes();
            let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
            cuts.sort_unstable();
            let mut chunks = Vec::new();
            let mut start = 0;
            for cut in cuts {
                chunks.push(&input[start..cut]);
                start = cut;
            }
            chunks.push(&input[start..]);
            let out: Vec<u32> = drain(JsonLines::<_, A>::new(body(&chunks)))
                .into_iter()
                .map(|r| r.unwrap().a)
                .collect();
            prop_assert_eq!(out, values);
        }
    }
}
