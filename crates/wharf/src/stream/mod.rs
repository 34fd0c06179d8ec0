//! Decoding the Engine's streaming response bodies.
//!
//! Many Engine API endpoints answer with a body that never really ends, or
//! that ends only when the work is done: logs that follow a container, the
//! event feed, a pull's progress. They come in two formats, one module each:
//!
//! | format | endpoints | module |
//! | --- | --- | --- |
//! | stdout/stderr, multiplexed or raw | `POST /containers/{id}/attach`, `GET /containers/{id}/logs`, `POST /exec/{id}/start`, `GET /services/{id}/logs`, `GET /tasks/{id}/logs` | [`demux`] |
//! | newline-delimited JSON | `GET /events`, `GET /containers/{id}/stats`, `POST /images/create` (pull), `POST /images/{name}/push`, `POST /build`, `POST /images/load` | [`json_lines`] |
//!
//! Both modules are written the same way:
//!
//! - a **sans-io core** ([`Demuxer`], [`LineSplitter`]): you push byte
//!   chunks in and pull decoded items out; it never reads, sleeps or
//!   allocates per item beyond what the format needs, so it is easy to test
//!   and to drive from any transport;
//! - a **[`Stream`](futures_core::Stream) adapter** ([`DemuxStream`],
//!   [`JsonLines`]) over any `Stream<Item = Result<Bytes, E>>`, such as a
//!   response's `bytes_stream()`;
//! - for the multiplexed format, also a [`tokio_util::codec::Decoder`]
//!   ([`DemuxCodec`]) for `FramedRead` over a hijacked connection.
//!
//! The adapters report failures as a [`StreamError<E>`], where `E` is the
//! byte stream's own error type: either the transport failed, or the bytes
//! did not follow the format.
//!
//! ```
//! use bytes::Bytes;
//! use futures_util::{stream, StreamExt};
//! use wharf::stream::{DemuxStream, LogOutput, Mode};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! // One stdout frame holding "hi\n", as the Engine sends it.
//! let body = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(
//!     b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n",
//! ))]);
//! let mut logs = DemuxStream::new(body, Mode::Multiplexed);
//! while let Some(output) = logs.next().await {
//!     match output? {
//!         LogOutput::Stdout(bytes) => assert_eq!(bytes, "hi\n"),
//!         other => panic!("unexpected {other:?}"),
//!     }
//! }
//! # Ok::<(), wharf::stream::StreamError<std::io::Error>>(())
//! # }).unwrap();
//! ```

use std::error::Error as StdError;
use std::fmt;
use std::io;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};

pub mod demux;
pub mod json_lines;

pub use demux::{DemuxCodec, DemuxError, DemuxErrorKind, DemuxStream, Demuxer, LogOutput, Mode};
pub use json_lines::{JsonLines, JsonLinesError, JsonLinesErrorKind, LineSplitter};

/// The body of a generated operation that streams (logs, events, stats,
/// archives), its errors as wharf's: [`Error::from_reqwest`](crate::Error)
/// takes back the error the transport carried, kind, status and message.
pub(crate) fn body(stream: wharf_api::ByteStream) -> BoxStream<'static, crate::Result<Bytes>> {
    stream
        .into_inner()
        .map_err(crate::Error::from_reqwest)
        .boxed()
}

/// The whole of a [`body`]: a body that arrives in one piece is kept as it
/// is.
pub(crate) async fn collect(
    body: BoxStream<'static, crate::Result<Bytes>>,
) -> crate::Result<Bytes> {
    let mut pieces: Vec<Bytes> = body.try_collect().await?;
    Ok(match pieces.len() {
        0 | 1 => pieces.pop().unwrap_or_default(),
        _ => pieces.concat().into(),
    })
}

/// Why a [`DemuxStream`], [`DemuxCodec`] or [`JsonLines`] stopped with an
/// error.
///
/// `E` is the error type of the underlying byte stream (for a
/// `FramedRead`, [`std::io::Error`]). `Display` and
/// [`source`](StdError::source) are those of the wrapped error; the text is
/// not part of the API.
///
/// If `E` converts into [`io::Error`], so does `StreamError<E>`, which lets
/// the adapters feed code written against `io::Result`.
///
/// # Example
///
/// ```
/// use bytes::Bytes;
/// use futures_util::{stream, StreamExt};
/// use wharf::stream::{DemuxErrorKind, DemuxStream, Mode, StreamError};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// // A frame header with stream type 7, which does not exist.
/// let body = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(
///     b"\x07\x00\x00\x00\x00\x00\x00\x01x",
/// ))]);
/// let mut logs = DemuxStream::new(body, Mode::Multiplexed);
/// match logs.next().await {
///     Some(Err(StreamError::Demux(e))) => {
///         assert_eq!(e.kind(), DemuxErrorKind::UnknownStreamType)
///     }
///     other => panic!("unexpected {other:?}"),
/// }
/// # });
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamError<E> {
    /// The underlying byte stream failed (connection reset, timeout, ...).
    Transport(E),
    /// The bytes were not a valid multiplexed stream, or it was cut short.
    Demux(DemuxError),
    /// A line was too long, or was not the JSON that was expected.
    JsonLines(JsonLinesError),
}

impl<E: fmt::Display> fmt::Display for StreamError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Transport(e) => e.fmt(f),
            StreamError::Demux(e) => e.fmt(f),
            StreamError::JsonLines(e) => e.fmt(f),
        }
    }
}

impl<E: StdError + 'static> StdError for StreamError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            StreamError::Transport(e) => e.source(),
            StreamError::Demux(e) => e.source(),
            StreamError::JsonLines(e) => e.source(),
        }
    }
}

impl<E> From<DemuxError> for StreamError<E> {
    fn from(e: DemuxError) -> Self {
        StreamError::Demux(e)
    }
}

impl<E> From<JsonLinesError> for StreamError<E> {
    fn from(e: JsonLinesError) -> Self {
        StreamError::JsonLines(e)
    }
}

/// A read error of the underlying I/O object, as required by
/// [`tokio_util::codec::Decoder`].
impl From<io::Error> for StreamError<io::Error> {
    fn from(e: io::Error) -> Self {
        StreamError::Transport(e)
    }
}

impl<E: Into<io::Error>> From<StreamError<E>> for io::Error {
    fn from(e: StreamError<E>) -> Self {
        match e {
            StreamError::Transport(e) => e.into(),
            StreamError::Demux(e) => e.into(),
            StreamError::JsonLines(e) => e.into(),
        }
    }
}

/// What a `copy_to` wrote:
/// [`LogStream::copy_to`](crate::container::LogStream::copy_to) or
/// [`Output::copy_to`](crate::hijack::Output::copy_to).
///
/// ```
/// let copied = wharf::stream::Copied::default();
/// assert_eq!(copied.stdout + copied.stderr, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Copied {
    /// Bytes written to `stdout` (stdout and stdin frames, raw output).
    pub stdout: u64,
    /// Bytes written to `stderr`.
    pub stderr: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_error_converts_into_io_error() {
        let e: StreamError<io::Error> =
            StreamError::Transport(io::Error::new(io::ErrorKind::TimedOut, "slow"));
        assert_eq!(io::Error::from(e).kind(), io::ErrorKind::TimedOut);

        let mut d = Demuxer::new(Mode::Multiplexed);
        d.push(bytes::Bytes::from_static(b"\x09\0\0\0\0\0\0\0"));
        let demux = d.next().unwrap().unwrap_err();
        let e: StreamError<io::Error> = demux.clone().into();
        assert_eq!(e.to_string(), demux.to_string());
        let io = io::Error::from(e);
        assert_eq!(io.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            io.get_ref().unwrap().downcast_ref::<DemuxError>(),
            Some(&demux)
        );
    }

    #[test]
    fn stream_error_is_send_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<StreamError<io::Error>>();
    }
}
