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

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::{ready, FusedStream, Stream};
use pin_project_lite::pin_project;
use serde::de::DeserializeOwned;

use super::StreamError;

mod error;
mod splitter;

pub use error::{JsonLinesError, JsonLinesErrorKind};
pub use splitter::LineSplitter;

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
