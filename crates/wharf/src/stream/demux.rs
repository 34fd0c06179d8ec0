//! Splitting a container's output into stdout and stderr.
//!
//! When a container (or an exec) runs **without a TTY**, its stdout and
//! stderr travel over one connection. The Engine tells them apart by cutting
//! the output into *frames*, each with an 8-byte header: this is the
//! *multiplexed* stream of `attach`, `logs` and `exec start`.
//!
//! ```text
//! +-- type:u8 --+-- 0 0 0 --+-- len:u32 BE --+--- payload ---+
//! |    0x01     | 0x00 x 3  |  0x00000005    |    hello      |
//! +-------------+-----------+----------------+---------------+
//!   byte 0        bytes 1-3    bytes 4-7        `len` bytes
//! ```
//!
//! | type | meaning | item |
//! | --- | --- | --- |
//! | 0 | stdin echoed back (Docker's CLI writes it to stdout) | [`LogOutput::Stdin`] |
//! | 1 | stdout | [`LogOutput::Stdout`] |
//! | 2 | stderr | [`LogOutput::Stderr`] |
//! | 3 | an error from the daemon itself, as text (e.g. `Error grabbing logs: ...`) | [`LogOutput::SystemError`] |
//!
//! A system error is an item, not the end of the stream: the daemon may keep
//! sending frames after it.
//!
//! When the container runs **with a TTY**, there is only one terminal, so
//! there is nothing to tell apart: the body is the terminal's bytes, *raw*,
//! with no headers at all. Each chunk is passed through as
//! [`LogOutput::Console`].
//!
//! # Raw or multiplexed: the caller decides
//!
//! The two formats cannot be told apart by looking at the bytes (a terminal
//! can print `\x01\0\0\0` as well as anything else), so the decoder never
//! guesses: the [`Mode`] is a parameter. The reliable source is the
//! container's or exec's `Tty` setting ([`Mode::from_tty`]).
//!
//! Since API version 1.42 the Engine also labels the response:
//! `Content-Type: application/vnd.docker.multiplexed-stream` or
//! `application/vnd.docker.raw-stream`. Older engines (and newer engines
//! answering a request made with an older API version) say `raw-stream`
//! even when the stream *is* multiplexed, so that label means something only
//! for API 1.42 and later. [`Mode::from_content_type`] applies these rules
//! and falls back on the mode you give it.
//!
//! # Pieces, not frames
//!
//! A frame header may declare up to 4 GiB, and a frame arrives over time.
//! The decoder does not wait for whole frames: it hands out each *piece* of
//! a frame's payload as soon as its bytes arrive, so memory stays bounded
//! whatever the header declares, and output is never held back (nor does the
//! decoder wait for a newline). The rules:
//!
//! - each piece carries its stream ([`LogOutput::Stdout`], ...);
//! - a piece never spans two frames, but consecutive pieces may belong to
//!   the same frame: concatenate pieces if you need lines;
//! - frames with an empty payload produce no item;
//! - header bytes are never part of the output.
//!
//! Pieces are [`Bytes`] slices of the chunks you pushed in: nothing is
//! copied except a header split across two chunks (8 bytes at most).
//!
//! # Errors
//!
//! A header whose type byte is not 0-3, or whose three reserved bytes are
//! not zero, means the bytes are not (or no longer) a multiplexed stream,
//! usually because the mode is wrong. A stream that ends in the middle of a
//! header or a payload has been cut short. Each is reported as a
//! [`DemuxError`] (with its [`DemuxErrorKind`], the header bytes, and the
//! stream offset of the header); the payload bytes of a cut-short frame that
//! did arrive are delivered before the error. After an error the decoder is
//! finished: it yields nothing more.
//!
//! # Three ways to drive it
//!
//! - [`Demuxer`]: the sans-io core. [`push`](Demuxer::push) chunks,
//!   iterate to take items, [`finish`](Demuxer::finish) at the end of input.
//! - [`DemuxStream`]: a [`Stream`] over any `Stream<Item = Result<Bytes, E>>`,
//!   such as an HTTP response's `bytes_stream()`.
//! - [`DemuxCodec`]: a [`tokio_util::codec::Decoder`], for `FramedRead` over
//!   a tokio `AsyncRead` such as a hijacked `attach` connection.
//!
//! ```
//! use bytes::Bytes;
//! use wharf::stream::{Demuxer, LogOutput, Mode};
//!
//! let mut demuxer = Demuxer::new(Mode::Multiplexed);
//! // A stdout frame "hello", then a stderr frame "oops" cut across two chunks.
//! demuxer.push(Bytes::from_static(b"\x01\0\0\0\0\0\0\x05hello\x02\0\0\0\0\0\0\x04oo"));
//! demuxer.push(Bytes::from_static(b"ps"));
//! demuxer.finish();
//!
//! let items: Vec<LogOutput> = demuxer.map(Result::unwrap).collect();
//! assert_eq!(
//!     items,
//!     [
//!         LogOutput::Stdout(Bytes::from_static(b"hello")),
//!         LogOutput::Stderr(Bytes::from_static(b"oo")),
//!         LogOutput::Stderr(Bytes::from_static(b"ps")),
//!     ]
//! );
//! ```
//!
//! # Fuzzing
//!
//! A cargo-fuzz target feeds arbitrary bytes, cut into chunks at arbitrary
//! points, and checks that decoding never panics and that the output does
//! not depend on where the chunks were cut. It needs `cargo install
//! cargo-fuzz` and a nightly toolchain, or a stable one with
//! `RUSTC_BOOTSTRAP=1`:
//!
//! ```text
//! cd crates/wharf/fuzz
//! cargo +nightly fuzz run demux -- -max_total_time=60
//! RUSTC_BOOTSTRAP=1 cargo fuzz run demux -- -max_total_time=60
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use futures_core::{ready, FusedStream, Stream};
use pin_project_lite::pin_project;

use super::StreamError;
use crate::ApiVersion;

/// Length of a frame header in bytes.
///
/// ```
/// assert_eq!(wharf::stream::demux::HEADER_LEN, 8);
/// ```
pub const HEADER_LEN: usize = 8;

/// The `Content-Type` of a multiplexed stream (API 1.42 and later).
///
/// ```
/// use wharf::stream::demux::MULTIPLEXED_STREAM;
/// assert_eq!(MULTIPLEXED_STREAM, "application/vnd.docker.multiplexed-stream");
/// ```
pub const MULTIPLEXED_STREAM: &str = "application/vnd.docker.multiplexed-stream";

/// The `Content-Type` of a raw stream. Before API 1.42 the Engine sends it
/// for multiplexed streams too.
///
/// ```
/// use wharf::stream::demux::RAW_STREAM;
/// assert_eq!(RAW_STREAM, "application/vnd.docker.raw-stream");
/// ```
pub const RAW_STREAM: &str = "application/vnd.docker.raw-stream";

/// Whether a stream is multiplexed (framed stdout/stderr) or raw (a TTY).
///
/// See the [module documentation](self) for how to choose.
///
/// ```
/// use wharf::stream::Mode;
///
/// let tty = false; // from the container's or exec's config
/// assert_eq!(Mode::from_tty(tty), Mode::Multiplexed);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Frames with 8-byte headers: the process has no TTY.
    Multiplexed,
    /// The terminal's bytes as they are: the process has a TTY.
    Raw,
}

impl Mode {
    /// The first API version whose responses carry a `Content-Type` that
    /// tells the two modes apart.
    ///
    /// ```
    /// use wharf::{stream::Mode, ApiVersion};
    ///
    /// assert_eq!(Mode::LABELLED_SINCE, ApiVersion::new(1, 42));
    /// ```
    pub const LABELLED_SINCE: ApiVersion = ApiVersion::new(1, 42);

    /// The mode for a process with (`true`) or without (`false`) a TTY.
    ///
    /// ```
    /// use wharf::stream::Mode;
    ///
    /// assert_eq!(Mode::from_tty(true), Mode::Raw);
    /// assert_eq!(Mode::from_tty(false), Mode::Multiplexed);
    /// ```
    pub fn from_tty(tty: bool) -> Mode {
        if tty {
            Mode::Raw
        } else {
            Mode::Multiplexed
        }
    }

    /// Picks the mode from a response's `Content-Type`, or returns
    /// `fallback` when the header cannot be trusted.
    ///
    /// `api_version` is the API version the request was made with (the one
    /// in its URL path: `/v1.47/...`).
    ///
    /// | `Content-Type` | result |
    /// | --- | --- |
    /// | [`MULTIPLEXED_STREAM`] | [`Mode::Multiplexed`] |
    /// | [`RAW_STREAM`], API >= 1.42 | [`Mode::Raw`] |
    /// | [`RAW_STREAM`], API < 1.42 | `fallback`: old engines say raw-stream for multiplexed streams too |
    /// | missing or anything else | `fallback` |
    ///
    /// Media type parameters (`; charset=...`), case and surrounding spaces
    /// are ignored. The fallback should come from the container's or exec's
    /// `Tty` setting ([`Mode::from_tty`]).
    ///
    /// ```
    /// use wharf::{stream::Mode, ApiVersion};
    ///
    /// let tty = false;
    /// let mode = Mode::from_content_type(
    ///     Some("application/vnd.docker.raw-stream"),
    ///     ApiVersion::new(1, 41),
    ///     Mode::from_tty(tty),
    /// );
    /// // An old engine's label is ignored: the Tty setting decides.
    /// assert_eq!(mode, Mode::Multiplexed);
    ///
    /// let mode = Mode::from_content_type(
    ///     Some("application/vnd.docker.raw-stream"),
    ///     ApiVersion::new(1, 47),
    ///     Mode::from_tty(tty),
    /// );
    /// assert_eq!(mode, Mode::Raw);
    /// ```
    pub fn from_content_type(
        content_type: Option<&str>,
        api_version: ApiVersion,
        fallback: Mode,
    ) -> Mode {
        let Some(content_type) = content_type else {
            return fallback;
        };
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if essence.eq_ignore_ascii_case(MULTIPLEXED_STREAM) {
            Mode::Multiplexed
        } else if essence.eq_ignore_ascii_case(RAW_STREAM) && api_version >= Mode::LABELLED_SINCE {
            Mode::Raw
        } else {
            fallback
        }
    }
}

/// One piece of a container's output.
///
/// Each variant holds the bytes as they arrived; a frame may come in several
/// pieces (see [Pieces, not frames](self#pieces-not-frames)). `Display`
/// writes the bytes as text, replacing invalid UTF-8 with `U+FFFD`.
///
/// ```
/// use bytes::Bytes;
/// use wharf::stream::LogOutput;
///
/// let out = LogOutput::Stderr(Bytes::from_static(b"warning\n"));
/// assert!(out.is_stderr());
/// assert_eq!(out.as_bytes(), "warning\n");
/// assert_eq!(out.to_string(), "warning\n");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LogOutput {
    /// Stream type 0: the process's stdin echoed back. Docker's CLI writes
    /// it to stdout.
    Stdin(Bytes),
    /// Stream type 1: the process's stdout.
    Stdout(Bytes),
    /// Stream type 2: the process's stderr.
    Stderr(Bytes),
    /// Stream type 3: an error message from the daemon, such as
    /// `Error grabbing logs: ...`. More output may follow.
    SystemError(Bytes),
    /// A raw stream's bytes (the process has a TTY): stdout and stderr mixed,
    /// as the terminal shows them.
    Console(Bytes),
}

impl LogOutput {
    /// The bytes of this piece.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// let out = LogOutput::Stdout(Bytes::from_static(b"hi"));
    /// assert_eq!(&out.as_bytes()[..], b"hi");
    /// ```
    pub fn as_bytes(&self) -> &Bytes {
        match self {
            LogOutput::Stdin(b)
            | LogOutput::Stdout(b)
            | LogOutput::Stderr(b)
            | LogOutput::SystemError(b)
            | LogOutput::Console(b) => b,
        }
    }

    /// The bytes of this piece, without copying.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// let out = LogOutput::Console(Bytes::from_static(b"$ "));
    /// assert_eq!(out.into_bytes(), Bytes::from_static(b"$ "));
    /// ```
    pub fn into_bytes(self) -> Bytes {
        match self {
            LogOutput::Stdin(b)
            | LogOutput::Stdout(b)
            | LogOutput::Stderr(b)
            | LogOutput::SystemError(b)
            | LogOutput::Console(b) => b,
        }
    }

    /// The number of bytes in this piece.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// assert_eq!(LogOutput::Stdout(Bytes::from_static(b"abc")).len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Whether this piece holds no bytes. The decoders never produce empty
    /// pieces.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// assert!(LogOutput::Stdout(Bytes::new()).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }

    /// Whether this is [`LogOutput::Stdin`].
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// assert!(LogOutput::Stdin(Bytes::new()).is_stdin());
    /// ```
    pub fn is_stdin(&self) -> bool {
        matches!(self, LogOutput::Stdin(_))
    }

    /// Whether this is [`LogOutput::Stdout`].
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// assert!(LogOutput::Stdout(Bytes::new()).is_stdout());
    /// assert!(!LogOutput::Console(Bytes::new()).is_stdout());
    /// ```
    pub fn is_stdout(&self) -> bool {
        matches!(self, LogOutput::Stdout(_))
    }

    /// Whether this is [`LogOutput::Stderr`].
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// assert!(LogOutput::Stderr(Bytes::new()).is_stderr());
    /// ```
    pub fn is_stderr(&self) -> bool {
        matches!(self, LogOutput::Stderr(_))
    }

    /// Whether this is [`LogOutput::SystemError`].
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// assert!(LogOutput::SystemError(Bytes::from_static(b"Error grabbing logs")).is_system_error());
    /// ```
    pub fn is_system_error(&self) -> bool {
        matches!(self, LogOutput::SystemError(_))
    }

    /// Whether this is [`LogOutput::Console`].
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// assert!(LogOutput::Console(Bytes::new()).is_console());
    /// ```
    pub fn is_console(&self) -> bool {
        matches!(self, LogOutput::Console(_))
    }
}

impl AsRef<[u8]> for LogOutput {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl From<LogOutput> for Bytes {
    fn from(out: LogOutput) -> Bytes {
        out.into_bytes()
    }
}

impl fmt::Display for LogOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.as_bytes().utf8_chunks() {
            f.write_str(chunk.valid())?;
            if !chunk.invalid().is_empty() {
                f.write_str("\u{FFFD}")?;
            }
        }
        Ok(())
    }
}

/// What went wrong in a [`DemuxError`].
///
/// ```
/// use bytes::Bytes;
/// use wharf::stream::{DemuxErrorKind, Demuxer, Mode};
///
/// let mut d = Demuxer::new(Mode::Multiplexed);
/// d.push(Bytes::from_static(b"\x01\0\0"));
/// d.finish();
/// assert_eq!(d.next().unwrap().unwrap_err().kind(), DemuxErrorKind::Truncated);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DemuxErrorKind {
    /// The header's type byte is not 0, 1, 2 or 3.
    UnknownStreamType,
    /// The header's bytes 1 to 3 are not all zero.
    ReservedBytes,
    /// The stream ended inside a header or a payload.
    Truncated,
}

/// A multiplexed stream that is malformed or cut short.
///
/// Converts into an [`io::Error`] of kind [`InvalidData`] (bad header) or
/// [`UnexpectedEof`] (truncated), which keeps the `DemuxError` as its inner
/// error. The `Display` text is not part of the API.
///
/// [`InvalidData`]: io::ErrorKind::InvalidData
/// [`UnexpectedEof`]: io::ErrorKind::UnexpectedEof
///
/// ```
/// use bytes::Bytes;
/// use wharf::stream::{DemuxErrorKind, Demuxer, Mode};
///
/// let mut d = Demuxer::new(Mode::Multiplexed);
/// d.push(Bytes::from_static(b"\x01\0\0\0\0\0\0\x02ok\x01\x01\0\0\0\0\0\x02no"));
/// assert_eq!(d.next().unwrap().unwrap().as_bytes(), "ok");
/// let e = d.next().unwrap().unwrap_err();
/// assert_eq!(e.kind(), DemuxErrorKind::ReservedBytes);
/// assert_eq!(e.offset(), 10);
/// assert_eq!(e.header(), b"\x01\x01\0\0\0\0\0\x02");
/// assert!(d.next().is_none(), "nothing after an error");
///
/// let io: std::io::Error = e.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::InvalidData);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemuxError {
    kind: DemuxErrorKind,
    offset: u64,
    header: [u8; HEADER_LEN],
    header_len: u8,
    missing: u64,
}

impl DemuxError {
    /// What went wrong.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::{DemuxErrorKind, Demuxer, Mode};
    ///
    /// let mut d = Demuxer::new(Mode::Multiplexed);
    /// d.push(Bytes::from_static(b"\x04\0\0\0\0\0\0\0"));
    /// assert_eq!(d.next().unwrap().unwrap_err().kind(), DemuxErrorKind::UnknownStreamType);
    /// ```
    pub fn kind(&self) -> DemuxErrorKind {
        self.kind
    }

    /// The stream offset (bytes from the start of the body) of the first
    /// byte of the offending frame's header.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::{Demuxer, Mode};
    ///
    /// let mut d = Demuxer::new(Mode::Multiplexed);
    /// d.push(Bytes::from_static(b"\x01\0\0\0\0\0\0\x01a\x01\0"));
    /// d.finish();
    /// assert!(d.next().unwrap().is_ok());
    /// assert_eq!(d.next().unwrap().unwrap_err().offset(), 9);
    /// ```
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The offending frame's header: all 8 bytes, or fewer if the stream
    /// ended inside the header.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::{Demuxer, Mode};
    ///
    /// let mut d = Demuxer::new(Mode::Multiplexed);
    /// d.push(Bytes::from_static(b"\x02\0\0"));
    /// d.finish();
    /// assert_eq!(d.next().unwrap().unwrap_err().header(), b"\x02\0\0");
    /// ```
    pub fn header(&self) -> &[u8] {
        &self.header[..usize::from(self.header_len)]
    }

    /// For [`DemuxErrorKind::Truncated`], how many bytes were missing to
    /// complete the header, or the payload if the header was complete.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::{Demuxer, Mode};
    ///
    /// let mut d = Demuxer::new(Mode::Multiplexed);
    /// d.push(Bytes::from_static(b"\x01\0\0\0\0\0\0\x05abc"));
    /// d.finish();
    /// assert_eq!(d.next().unwrap().unwrap().as_bytes(), "abc");
    /// assert_eq!(d.next().unwrap().unwrap_err().missing(), Some(2));
    /// ```
    pub fn missing(&self) -> Option<u64> {
        (self.kind == DemuxErrorKind::Truncated).then_some(self.missing)
    }
}

struct HexBytes<'a>(&'a [u8]);

impl fmt::Display for HexBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Display for DemuxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = HexBytes(self.header());
        match self.kind {
            DemuxErrorKind::UnknownStreamType => write!(
                f,
                "unknown stream type {} in the multiplexed stream frame header at byte {} ({header})",
                self.header[0], self.offset
            ),
            DemuxErrorKind::ReservedBytes => write!(
                f,
                "non-zero reserved bytes in the multiplexed stream frame header at byte {} ({header})",
                self.offset
            ),
            DemuxErrorKind::Truncated if usize::from(self.header_len) < HEADER_LEN => write!(
                f,
                "multiplexed stream ended inside the frame header at byte {}: {} of {HEADER_LEN} bytes missing ({header})",
                self.offset, self.missing
            ),
            DemuxErrorKind::Truncated => write!(
                f,
                "multiplexed stream ended inside the frame at byte {}: {} payload bytes missing ({header})",
                self.offset, self.missing
            ),
        }
    }
}

impl std::error::Error for DemuxError {}

impl From<DemuxError> for io::Error {
    fn from(e: DemuxError) -> io::Error {
        let kind = match e.kind {
            DemuxErrorKind::Truncated => io::ErrorKind::UnexpectedEof,
            DemuxErrorKind::UnknownStreamType | DemuxErrorKind::ReservedBytes => {
                io::ErrorKind::InvalidData
            }
        };
        io::Error::new(kind, e)
    }
}

/// The stream a frame belongs to, from its type byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Channel {
    Stdin,
    Stdout,
    Stderr,
    System,
}

impl Channel {
    #[inline]
    fn from_type(byte: u8) -> Option<Channel> {
        match byte {
            0 => Some(Channel::Stdin),
            1 => Some(Channel::Stdout),
            2 => Some(Channel::Stderr),
            3 => Some(Channel::System),
            _ => None,
        }
    }

    /// The stream and the payload length of a valid frame header with a
    /// payload; `None` for anything else.
    #[inline(always)]
    fn of_header(header: [u8; HEADER_LEN]) -> Option<(Channel, usize)> {
        let header = u64::from_be_bytes(header);
        let len = header as u32 as usize;
        // The type byte is 0-3 and the reserved bytes are zero.
        if (header >> 32) & 0xfcff_ffff != 0 || len == 0 {
            return None;
        }
        let channel = match header >> 56 {
            0 => Channel::Stdin,
            1 => Channel::Stdout,
            2 => Channel::Stderr,
            _ => Channel::System,
        };
        Some((channel, len))
    }

    #[inline]
    pub(crate) fn wrap(self, bytes: Bytes) -> LogOutput {
        match self {
            Channel::Stdin => LogOutput::Stdin(bytes),
            Channel::Stdout => LogOutput::Stdout(bytes),
            Channel::Stderr => LogOutput::Stderr(bytes),
            Channel::System => LogOutput::SystemError(bytes),
        }
    }
}

/// The sans-io decoder: push chunks in, iterate to take [`LogOutput`]s out.
///
/// The iterator returns `None` when it needs more input; push another chunk
/// and iterate again. After [`finish`](Demuxer::finish), it drains what is
/// left, reports a cut-short frame as a [`DemuxErrorKind::Truncated`]
/// error, and then returns `None` for good. After any error it returns
/// `None` for good and ignores further input.
///
/// The decoder holds only the chunks you pushed and have not yet taken out,
/// plus at most 8 bytes of a split header.
///
/// ```
/// use bytes::Bytes;
/// use wharf::stream::{Demuxer, LogOutput, Mode};
///
/// let mut demuxer = Demuxer::new(Mode::Multiplexed);
/// let mut stdout = Vec::new();
/// for chunk in [&b"\x01\0\0\0\0\0"[..], b"\0\x06hel", b"lo\n"] {
///     demuxer.push(Bytes::copy_from_slice(chunk));
///     for item in &mut demuxer {
///         match item.unwrap() {
///             LogOutput::Stdout(bytes) => stdout.extend_from_slice(&bytes),
///             other => panic!("unexpected {other:?}"),
///         }
///     }
/// }
/// demuxer.finish();
/// assert!(demuxer.next().is_none());
/// assert!(demuxer.is_finished());
/// assert_eq!(stdout, b"hello\n");
/// ```
#[derive(Clone, Debug)]
pub struct Demuxer {
    mode: Mode,
    /// The chunk being decoded. Empty only when `queue` is empty too.
    front: Bytes,
    /// Chunks pushed after `front`; never holds an empty chunk.
    queue: VecDeque<Bytes>,
    /// The current frame's header, or the bytes of an incoming header that
    /// is split across chunks.
    header: [u8; HEADER_LEN],
    /// How many bytes of a split incoming header are in `header`.
    header_len: u8,
    /// The stream of the current frame.
    channel: Channel,
    /// Payload bytes of the current frame not yet taken out.
    remaining: u32,
    /// Frames with a payload up to this long come out in one piece
    /// ([`whole_frames_up_to`](Demuxer::whole_frames_up_to)); 0: none.
    whole_max: u32,
    /// The current frame is to come out in one piece: nothing of it has
    /// been taken out yet, and it is at most `whole_max` long.
    whole: bool,
    /// Stream offset of the current (or incoming) frame's header.
    frame_offset: u64,
    /// Stream offset of the first byte `front` had when it became the
    /// front, and its length then: consuming from `front` needs no
    /// bookkeeping ([`offset`](Demuxer::offset) works it out).
    front_start: u64,
    front_len: usize,
    /// `finish` was called: no more input.
    eof: bool,
    /// Nothing more will come out: clean end or error.
    done: bool,
}

impl Demuxer {
    /// A decoder for a stream in the given mode.
    ///
    /// ```
    /// use wharf::stream::{Demuxer, Mode};
    ///
    /// let demuxer = Demuxer::new(Mode::Raw);
    /// assert_eq!(demuxer.mode(), Mode::Raw);
    /// ```
    pub fn new(mode: Mode) -> Demuxer {
        Demuxer {
            mode,
            front: Bytes::new(),
            queue: VecDeque::new(),
            header: [0; HEADER_LEN],
            header_len: 0,
            channel: Channel::Stdout,
            remaining: 0,
            whole_max: 0,
            whole: false,
            frame_offset: 0,
            front_start: 0,
            front_len: 0,
            eof: false,
            done: false,
        }
    }

    /// Makes a frame whose payload is at most `max` bytes come out as one
    /// piece: its bytes are held until all have arrived (or the input
    /// ends), and gathered into one piece if they came in several chunks.
    /// For a reader whose chunks do not follow the frames, such as an HTTP
    /// body read as it arrives, while the sender writes a frame at a time
    /// (dockerd writes a log line per frame).
    pub(crate) fn whole_frames_up_to(mut self, max: usize) -> Demuxer {
        self.whole_max = u32::try_from(max).unwrap_or(u32::MAX);
        self
    }

    /// The mode this decoder was made with.
    ///
    /// ```
    /// use wharf::stream::{Demuxer, Mode};
    ///
    /// assert_eq!(Demuxer::new(Mode::Multiplexed).mode(), Mode::Multiplexed);
    /// ```
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Adds the next chunk of the stream. Empty chunks, and chunks pushed
    /// after [`finish`](Demuxer::finish) or an error, are ignored.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::{Demuxer, LogOutput, Mode};
    ///
    /// let mut d = Demuxer::new(Mode::Raw);
    /// d.push(Bytes::from_static(b"$ ls\r\n"));
    /// assert_eq!(d.next().unwrap().unwrap(), LogOutput::Console(Bytes::from_static(b"$ ls\r\n")));
    /// assert!(d.next().is_none());
    /// ```
    pub fn push(&mut self, chunk: Bytes) {
        if chunk.is_empty() || self.eof || self.done {
            return;
        }
        if self.front.is_empty() {
            self.set_front(chunk);
        } else {
            self.queue.push_back(chunk);
        }
    }

    /// Marks the end of the input. Iterating then drains what is left and
    /// reports a frame cut short.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::{Demuxer, Mode};
    ///
    /// let mut d = Demuxer::new(Mode::Multiplexed);
    /// d.push(Bytes::from_static(b"\x01\0\0\0"));
    /// assert!(d.next().is_none(), "waiting for the rest of the header");
    /// d.finish();
    /// assert!(d.next().unwrap().is_err(), "the header was cut short");
    /// ```
    pub fn finish(&mut self) {
        self.eof = true;
    }

    /// Whether the decoder is done: the input ended (and has been drained)
    /// or an error was returned. It will return nothing more.
    ///
    /// ```
    /// use wharf::stream::{Demuxer, Mode};
    ///
    /// let mut d = Demuxer::new(Mode::Multiplexed);
    /// d.finish();
    /// assert!(!d.is_finished());
    /// assert!(d.next().is_none());
    /// assert!(d.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.done
    }

    /// Bytes pushed and not yet taken out (a split header's bytes aside).
    #[cfg(test)]
    fn buffered(&self) -> usize {
        self.front.len() + self.queue.iter().map(Bytes::len).sum::<usize>()
    }

    /// The stream offset of the next byte to decode.
    fn offset(&self) -> u64 {
        self.front_start + (self.front_len - self.front.len()) as u64
    }

    /// Makes `chunk` the front, once the old front is used up.
    fn set_front(&mut self, chunk: Bytes) {
        debug_assert!(self.front.is_empty());
        self.front_start = self.offset();
        self.front_len = chunk.len();
        self.front = chunk;
    }

    /// Moves the next queued chunk to the front if the front is used up,
    /// keeping the invariant that `front` is empty only when `queue` is.
    fn refill(&mut self) {
        if self.front.is_empty() {
            if let Some(next) = self.queue.pop_front() {
                self.set_front(next);
            }
        }
    }

    /// Takes the first `n` bytes of `front` (`n <= front.len()`).
    #[inline]
    fn take(&mut self, n: usize) -> Bytes {
        let taken = if n == self.front.len() {
            std::mem::take(&mut self.front)
        } else {
            self.front.split_to(n)
        };
        self.refill();
        taken
    }

    /// The hot path, for callers to try before [`next`](Iterator::next): a
    /// whole frame at the front of `front` with more bytes after it, and
    /// nothing pending. Returns `None` for anything else (including a bad
    /// header, which `next` then reports).
    ///
    /// It touches only `front`: a frame taken whole leaves nothing for an
    /// error to be about.
    #[inline(always)]
    pub(crate) fn next_whole_frame(&mut self) -> Option<LogOutput> {
        let (channel, len) = self.front_frame()?;
        if len >= self.front.len() - HEADER_LEN {
            return None;
        }
        self.front.advance(HEADER_LEN);
        Some(channel.wrap(self.front.split_to(len)))
    }

    /// At a frame boundary, with a valid header at the front of `front`:
    /// the frame's stream and payload length (its payload may not all be
    /// there).
    #[inline(always)]
    fn front_frame(&self) -> Option<(Channel, usize)> {
        if self.mode != Mode::Multiplexed
            || self.remaining != 0
            || self.header_len != 0
            || self.front.len() <= HEADER_LEN
        {
            return None;
        }
        Channel::of_header(self.front[..HEADER_LEN].try_into().ok()?)
    }

    /// The next frame, if it is whole at the front of the chunk at hand
    /// and nothing is pending: its stream and its payload, left in place.
    /// For a reader that writes payloads out from where they are (a copy
    /// to a file), without a [`LogOutput`] each; it then
    /// [skips](Demuxer::skip_whole_frame) the frame.
    #[inline]
    pub(crate) fn peek_whole_frame(&self) -> Option<(Channel, &[u8])> {
        let (channel, len) = self.front_frame()?;
        let payload = self.front.get(HEADER_LEN..HEADER_LEN + len)?;
        Some((channel, payload))
    }

    /// Takes out the frame [`peek_whole_frame`](Demuxer::peek_whole_frame)
    /// gave, whose payload is `len` bytes long.
    #[inline]
    pub(crate) fn skip_whole_frame(&mut self, len: usize) {
        self.front.advance(HEADER_LEN + len);
        self.refill();
    }

    /// The current frame's payload in one piece, when it is to come out
    /// whole ([`whole_frames_up_to`](Demuxer::whole_frames_up_to)) and is
    /// not all in `front`: `Some(None)` while some of it is still to
    /// arrive, `None` when the general way applies (the payload is in
    /// `front`, or the input ended).
    fn whole_payload(&mut self) -> Option<Option<LogOutput>> {
        let want = self.remaining as usize;
        if !self.whole || self.eof || self.front.len() >= want {
            return None;
        }
        let buffered = self.front.len() + self.queue.iter().map(Bytes::len).sum::<usize>();
        if buffered < want {
            return Some(None);
        }
        let mut piece = BytesMut::with_capacity(want);
        while piece.len() < want {
            let n = (want - piece.len()).min(self.front.len());
            let part = self.take(n);
            piece.extend_from_slice(&part);
        }
        self.remaining = 0;
        self.whole = false;
        Some(Some(self.channel.wrap(piece.freeze())))
    }

    /// Stops the decoder with an error about the current frame.
    fn fail(&mut self, kind: DemuxErrorKind, header_len: usize, missing: u64) -> DemuxError {
        self.done = true;
        self.front = Bytes::new();
        self.queue.clear();
        DemuxError {
            kind,
            offset: self.frame_offset,
            header: self.header,
            header_len: header_len as u8,
            missing,
        }
    }

    fn next_raw(&mut self) -> Option<Result<LogOutput, DemuxError>> {
        if self.front.is_empty() {
            self.done = self.eof;
            return None;
        }
        let chunk = self.take(self.front.len());
        Some(Ok(LogOutput::Console(chunk)))
    }

    /// Copies header bytes out of `front` until `header` is complete.
    /// Returns `false` if the input ran out first.
    fn take_split_header(&mut self) -> bool {
        while usize::from(self.header_len) < HEADER_LEN {
            if self.front.is_empty() {
                return false;
            }
            let have = usize::from(self.header_len);
            let n = (HEADER_LEN - have).min(self.front.len());
            self.header[have..have + n].copy_from_slice(&self.front[..n]);
            self.header_len += n as u8;
            // Header bytes are consumed: skip them without slicing.
            self.front.advance(n);
            self.refill();
        }
        self.header_len = 0;
        true
    }

    /// The common case, kept small enough to inline into the caller's loop:
    /// at a frame boundary, with the whole frame (and at least one byte
    /// after it) in `front`.
    #[inline]
    fn next_multiplexed(&mut self) -> Option<Result<LogOutput, DemuxError>> {
        match self.next_whole_frame() {
            Some(piece) => Some(Ok(piece)),
            None => self.next_multiplexed_general(),
        }
    }

    /// Any state: split headers, frames that span chunks, errors, the end.
    #[inline(never)]
    fn next_multiplexed_general(&mut self) -> Option<Result<LogOutput, DemuxError>> {
        loop {
            if self.remaining > 0 {
                if let Some(whole) = self.whole_payload() {
                    return whole.map(Ok);
                }
                self.whole = false;
                if self.front.is_empty() {
                    if self.eof {
                        let missing = u64::from(self.remaining);
                        let e = self.fail(DemuxErrorKind::Truncated, HEADER_LEN, missing);
                        return Some(Err(e));
                    }
                    return None;
                }
                let n = self.front.len().min(self.remaining as usize);
                self.remaining -= n as u32;
                let piece = self.take(n);
                return Some(Ok(self.channel.wrap(piece)));
            }

            if self.header_len == 0 {
                self.frame_offset = self.offset();
            }
            if self.header_len == 0 && self.front.len() >= HEADER_LEN {
                // The common case: the whole header is in one chunk.
                self.header.copy_from_slice(&self.front[..HEADER_LEN]);
                self.front.advance(HEADER_LEN);
                self.refill();
            } else if !self.take_split_header() {
                if !self.eof {
                    return None;
                }
                let have = usize::from(self.header_len);
                if have == 0 {
                    self.done = true;
                    return None;
                }
                let missing = (HEADER_LEN - have) as u64;
                return Some(Err(self.fail(DemuxErrorKind::Truncated, have, missing)));
            }

            let header = u64::from_be_bytes(self.header);
            let Some(channel) = Channel::from_type((header >> 56) as u8) else {
                let e = self.fail(DemuxErrorKind::UnknownStreamType, HEADER_LEN, 0);
                return Some(Err(e));
            };
            if (header >> 32) & 0x00ff_ffff != 0 {
                return Some(Err(self.fail(DemuxErrorKind::ReservedBytes, HEADER_LEN, 0)));
            }
            self.channel = channel;
            self.remaining = header as u32;
            self.whole = self.remaining <= self.whole_max;
        }
    }
}

impl Iterator for Demuxer {
    type Item = Result<LogOutput, DemuxError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.mode {
            Mode::Raw => self.next_raw(),
            Mode::Multiplexed => self.next_multiplexed(),
        }
    }
}

pin_project! {
    /// A [`Stream`] of [`LogOutput`] over a stream of byte chunks.
    ///
    /// Works with any `Stream<Item = Result<Bytes, E>>`, such as an HTTP
    /// response body's `bytes_stream()`. Errors are a [`StreamError<E>`]:
    /// [`Transport`](StreamError::Transport) for the byte stream's own
    /// errors, [`Demux`](StreamError::Demux) for a malformed or cut-short
    /// stream. After either, the stream ends.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::{stream, TryStreamExt};
    /// use wharf::stream::{DemuxStream, LogOutput, Mode};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let chunks = [&b"\x02\0\0\0\0\0\0\x04oo"[..], b"ps"];
    /// let body = stream::iter(chunks.map(|c| Ok::<_, std::io::Error>(Bytes::from_static(c))));
    /// let items: Vec<LogOutput> = DemuxStream::new(body, Mode::Multiplexed).try_collect().await?;
    /// assert_eq!(
    ///     items,
    ///     [LogOutput::Stderr(Bytes::from_static(b"oo")), LogOutput::Stderr(Bytes::from_static(b"ps"))]
    /// );
    /// # Ok::<(), wharf::stream::StreamError<std::io::Error>>(())
    /// # }).unwrap();
    /// ```
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct DemuxStream<S> {
        #[pin]
        inner: S,
        demuxer: Demuxer,
        terminated: bool,
    }
}

impl<S> DemuxStream<S> {
    /// Decodes `inner` in the given mode.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::stream;
    /// use wharf::stream::{DemuxStream, Mode};
    ///
    /// let body = stream::empty::<Result<Bytes, std::io::Error>>();
    /// let _logs = DemuxStream::new(body, Mode::from_tty(false));
    /// ```
    pub fn new(inner: S, mode: Mode) -> DemuxStream<S> {
        DemuxStream {
            inner,
            demuxer: Demuxer::new(mode),
            terminated: false,
        }
    }

    /// Gives back the underlying stream. Bytes already taken from it but not
    /// yet returned as output are lost.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::stream;
    /// use wharf::stream::{DemuxStream, Mode};
    ///
    /// let logs = DemuxStream::new(stream::empty::<Result<Bytes, ()>>(), Mode::Raw);
    /// let _body = logs.into_inner();
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, E> Stream for DemuxStream<S>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    type Item = Result<LogOutput, StreamError<E>>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        if let Some(piece) = this.demuxer.next_whole_frame() {
            return Poll::Ready(Some(Ok(piece)));
        }
        loop {
            if *this.terminated {
                return Poll::Ready(None);
            }
            match this.demuxer.next() {
                Some(Ok(out)) => return Poll::Ready(Some(Ok(out))),
                Some(Err(e)) => {
                    *this.terminated = true;
                    return Poll::Ready(Some(Err(StreamError::Demux(e))));
                }
                None if this.demuxer.is_finished() => {
                    *this.terminated = true;
                    return Poll::Ready(None);
                }
                None => {}
            }
            match ready!(this.inner.as_mut().poll_next(cx)) {
                Some(Ok(chunk)) => this.demuxer.push(chunk),
                Some(Err(e)) => {
                    *this.terminated = true;
                    return Poll::Ready(Some(Err(StreamError::Transport(e))));
                }
                None => this.demuxer.finish(),
            }
        }
    }
}

impl<S, E> FusedStream for DemuxStream<S>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    fn is_terminated(&self) -> bool {
        self.terminated
    }
}

/// A [`tokio_util::codec::Decoder`] of [`LogOutput`], for `FramedRead`.
///
/// Use it on a hijacked connection (`attach`, interactive `exec`), after the
/// bytes that followed the `101 UPGRADED` response head. Like the other
/// shapes it yields pieces of large frames as they are read, without copying
/// them out of the read buffer. Read errors of the I/O object come out as
/// [`StreamError::Transport`].
///
/// ```
/// use bytes::{BufMut, BytesMut};
/// use tokio_util::codec::Decoder;
/// use wharf::stream::{DemuxCodec, LogOutput, Mode};
///
/// let mut codec = DemuxCodec::new(Mode::Multiplexed);
/// let mut buf = BytesMut::new();
/// buf.put_slice(b"\x01\0\0\0\0\0\0\x05hel");
/// assert_eq!(codec.decode(&mut buf).unwrap(), Some(LogOutput::Stdout("hel".into())));
/// assert_eq!(codec.decode(&mut buf).unwrap(), None);
/// buf.put_slice(b"lo");
/// assert_eq!(codec.decode_eof(&mut buf).unwrap(), Some(LogOutput::Stdout("lo".into())));
/// assert_eq!(codec.decode_eof(&mut buf).unwrap(), None);
/// ```
///
/// With `FramedRead`:
///
/// ```
/// use futures_util::TryStreamExt;
/// use tokio_util::codec::FramedRead;
/// use wharf::stream::{DemuxCodec, LogOutput, Mode};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let conn: &[u8] = b"\x02\0\0\0\0\0\0\x03err"; // any AsyncRead
/// let items: Vec<LogOutput> =
///     FramedRead::new(conn, DemuxCodec::new(Mode::Multiplexed)).try_collect().await?;
/// assert_eq!(items, [LogOutput::Stderr("err".into())]);
/// # Ok::<(), wharf::stream::StreamError<std::io::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct DemuxCodec {
    demuxer: Demuxer,
}

impl DemuxCodec {
    /// A codec for a stream in the given mode.
    ///
    /// ```
    /// use wharf::stream::{DemuxCodec, Mode};
    ///
    /// let _codec = DemuxCodec::new(Mode::Raw);
    /// ```
    pub fn new(mode: Mode) -> DemuxCodec {
        DemuxCodec {
            demuxer: Demuxer::new(mode),
        }
    }
}

impl tokio_util::codec::Decoder for DemuxCodec {
    type Item = LogOutput;
    type Error = StreamError<io::Error>;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<LogOutput>, Self::Error> {
        if !src.is_empty() {
            // `split` keeps the buffer's spare capacity for the next read;
            // the bytes taken are shared, not copied.
            self.demuxer.push(src.split().freeze());
        }
        Ok(self.demuxer.next().transpose()?)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<LogOutput>, Self::Error> {
        if !src.is_empty() {
            self.demuxer.push(src.split().freeze());
        }
        self.demuxer.finish();
        Ok(self.demuxer.next().transpose()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;
    use futures_util::task::noop_waker_ref;
    use proptest::prelude::*;
    use tokio_util::codec::Decoder;

    /// One frame as the Engine writes it.
    fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![kind, 0, 0, 0];
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    fn frames(list: &[(u8, &[u8])]) -> Vec<u8> {
        list.iter().flat_map(|(k, p)| frame(*k, p)).collect()
    }

    /// A decoder's whole output, as in `Demuxer`'s iterator.
    type Output = Vec<Result<LogOutput, DemuxError>>;

    fn decode_chunks(mode: Mode, chunks: &[&[u8]]) -> Output {
        decode_with(Demuxer::new(mode), chunks)
    }

    /// What `d` makes of `chunks`, then of the end of the input.
    fn decode_with(mut d: Demuxer, chunks: &[&[u8]]) -> Output {
        let mut out = Vec::new();
        for chunk in chunks {
            d.push(Bytes::copy_from_slice(chunk));
            out.extend(&mut d);
        }
        d.finish();
        out.extend(&mut d);
        assert!(d.is_finished());
        assert!(d.next().is_none());
        out
    }

    fn decode_at(mode: Mode, input: &[u8], cuts: &[usize]) -> Output {
        let mut chunks = Vec::new();
        let mut start = 0;
        for &cut in cuts {
            chunks.push(&input[start..cut]);
            start = cut;
        }
        chunks.push(&input[start..]);
        decode_chunks(mode, &chunks)
    }

    /// Merges consecutive pieces of the same stream, so outputs of different
    /// chunkings can be compared.
    fn runs(out: &Output) -> Vec<Result<(u8, Vec<u8>), DemuxError>> {
        let mut runs: Vec<Result<(u8, Vec<u8>), DemuxError>> = Vec::new();
        for item in out {
            match item {
                Ok(o) => {
                    assert!(!o.is_empty(), "empty piece");
                    let tag = match o {
                        LogOutput::Stdin(_) => 0,
                        LogOutput::Stdout(_) => 1,
                        LogOutput::Stderr(_) => 2,
                        LogOutput::SystemError(_) => 3,
                        LogOutput::Console(_) => 9,
                    };
                    match runs.last_mut() {
                        Some(Ok((t, bytes))) if *t == tag => bytes.extend_from_slice(o.as_bytes()),
                        _ => runs.push(Ok((tag, o.as_bytes().to_vec()))),
                    }
                }
                Err(e) => runs.push(Err(e.clone())),
            }
        }
        runs
    }

    fn sample() -> Vec<u8> {
        frames(&[
            (1, b"hello\n"),
            (2, b"oops"),
            (1, b""),
            (0, b"typed"),
            (3, b"Error grabbing logs: x"),
            (1, b"more"),
            (1, b" and more\n"),
        ])
    }

    fn expected_sample() -> Vec<LogOutput> {
        vec![
            LogOutput::Stdout("hello\n".into()),
            LogOutput::Stderr("oops".into()),
            LogOutput::Stdin("typed".into()),
            LogOutput::SystemError("Error grabbing logs: x".into()),
            LogOutput::Stdout("more".into()),
            LogOutput::Stdout(" and more\n".into()),
        ]
    }

    #[test]
    fn one_chunk() {
        let out = decode_chunks(Mode::Multiplexed, &[&sample()]);
        let out: Vec<_> = out.into_iter().map(Result::unwrap).collect();
        assert_eq!(out, expected_sample());
    }

    #[test]
    fn system_error_does_not_end_the_stream() {
        let input = frames(&[(3, b"Error grabbing logs: boom"), (2, b"after")]);
        let out = decode_chunks(Mode::Multiplexed, &[&input]);
        assert_eq!(out.len(), 2);
        assert!(out[0].as_ref().unwrap().is_system_error());
        assert_eq!(out[1].as_ref().unwrap(), &LogOutput::Stderr("after".into()));
    }

    #[test]
    fn every_split_into_two_and_three_chunks() {
        let input = sample();
        let whole = runs(&decode_chunks(Mode::Multiplexed, &[&input]));
        for i in 0..=input.len() {
            assert_eq!(
                runs(&decode_at(Mode::Multiplexed, &input, &[i])),
                whole,
                "cut at {i}"
            );
            for j in i..=input.len() {
                assert_eq!(
                    runs(&decode_at(Mode::Multiplexed, &input, &[i, j])),
                    whole,
                    "cuts at {i}, {j}"
                );
            }
        }
    }

    #[test]
    fn one_byte_chunks() {
        let input = sample();
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        let out = decode_chunks(Mode::Multiplexed, &chunks);
        assert_eq!(
            runs(&out),
            runs(&decode_chunks(Mode::Multiplexed, &[&input]))
        );
        // Every payload byte is its own piece; headers are never output.
        let payload: usize = expected_sample().iter().map(LogOutput::len).sum();
        assert_eq!(out.len(), payload);
    }

    #[test]
    fn pieces_are_slices_of_the_input() {
        let input = Bytes::from(frames(&[(1, b"abc"), (2, b"defg")]));
        let mut d = Demuxer::new(Mode::Multiplexed);
        d.push(input.clone());
        for item in &mut d {
            let piece = item.unwrap().into_bytes();
            let start = piece.as_ptr() as usize - input.as_ptr() as usize;
            assert!(
                start + piece.len() <= input.len(),
                "piece points into the input"
            );
        }
    }

    #[test]
    fn header_split_across_chunks() {
        let input = frame(2, b"payload");
        for cut in 1..HEADER_LEN {
            let out = decode_at(Mode::Multiplexed, &input, &[cut]);
            assert_eq!(
                out,
                [Ok(LogOutput::Stderr("payload".into()))],
                "cut at {cut}"
            );
        }
        // A header spread over three chunks, after a payload.
        let input = frames(&[(1, b"a"), (2, b"b")]);
        let out = decode_at(Mode::Multiplexed, &input, &[10, 12, 14]);
        assert_eq!(
            out,
            [
                Ok(LogOutput::Stdout("a".into())),
                Ok(LogOutput::Stderr("b".into()))
            ]
        );
    }

    #[test]
    fn unknown_stream_type() {
        let mut input = frame(1, b"ok");
        input.extend_from_slice(b"\x05\0\0\0\0\0\0\x02no");
        input.extend_from_slice(&frame(1, b"never"));
        let out = decode_chunks(Mode::Multiplexed, &[&input]);
        assert_eq!(out.len(), 2, "nothing after the error: {out:?}");
        let e = out[1].as_ref().unwrap_err();
        assert_eq!(e.kind(), DemuxErrorKind::UnknownStreamType);
        assert_eq!(e.offset(), 10);
        assert_eq!(e.header(), b"\x05\0\0\0\0\0\0\x02");
        assert_eq!(e.missing(), None);
        assert!(e.to_string().contains("unknown stream type 5"), "{e}");
        assert!(e.to_string().contains("05 00 00 00 00 00 00 02"), "{e}");
        assert_eq!(
            io::Error::from(e.clone()).kind(),
            io::ErrorKind::InvalidData
        );
    }

    #[test]
    fn non_zero_reserved_bytes() {
        for bad in 1..4 {
            let mut header = *b"\x01\0\0\0\0\0\0\x01";
            header[bad] = 0x80;
            let mut input = header.to_vec();
            input.push(b'x');
            let out = decode_chunks(Mode::Multiplexed, &[&input]);
            assert_eq!(out.len(), 1);
            let e = out[0].as_ref().unwrap_err();
            assert_eq!(e.kind(), DemuxErrorKind::ReservedBytes);
            assert_eq!(e.offset(), 0);
            assert_eq!(e.header(), header);
            assert_eq!(
                io::Error::from(e.clone()).kind(),
                io::ErrorKind::InvalidData
            );
        }
    }

    #[test]
    fn bad_header_split_across_chunks() {
        let input = b"\x01\0\x01\0\0\0\0\x01x";
        for cut in 0..=input.len() {
            let out = decode_at(Mode::Multiplexed, input, &[cut]);
            assert_eq!(out.len(), 1, "cut at {cut}");
            assert_eq!(
                out[0].as_ref().unwrap_err().kind(),
                DemuxErrorKind::ReservedBytes
            );
            assert_eq!(out[0].as_ref().unwrap_err().header(), &input[..8]);
        }
    }

    #[test]
    fn truncated_header() {
        let mut input = frame(1, b"abc");
        input.extend_from_slice(b"\x02\0\0");
        for cut in 0..=input.len() {
            let out = decode_at(Mode::Multiplexed, &input, &[cut]);
            let runs = runs(&out);
            assert_eq!(runs[0], Ok((1, b"abc".to_vec())), "cut at {cut}");
            let e = runs[1].as_ref().unwrap_err();
            assert_eq!(e.kind(), DemuxErrorKind::Truncated);
            assert_eq!(e.missing(), Some(5));
            assert_eq!(e.offset(), 11);
            assert_eq!(e.header(), b"\x02\0\0");
            assert!(e.to_string().contains("inside the frame header"), "{e}");
            assert_eq!(
                io::Error::from(e.clone()).kind(),
                io::ErrorKind::UnexpectedEof
            );
        }
    }

    /// Decodes `input` cut into chunks of `size` bytes, frames of up to
    /// `whole` bytes coming out whole.
    fn decode_whole(input: &[u8], size: usize, whole: usize) -> Output {
        let d = Demuxer::new(Mode::Multiplexed).whole_frames_up_to(whole);
        decode_with(d, &input.chunks(size).collect::<Vec<_>>())
    }

    #[test]
    fn whole_frames_come_out_in_one_piece_however_cut() {
        let long = vec![b'l'; 300];
        let input = frames(&[
            (1, b"hello\n"),
            (2, &[b'x'; 100]),
            (1, b""),
            (3, b"Error grabbing logs: x"),
            (1, &long),
            (2, b"end"),
        ]);
        let want = [
            LogOutput::Stdout(Bytes::from_static(b"hello\n")),
            LogOutput::Stderr(Bytes::from(vec![b'x'; 100])),
            LogOutput::SystemError(Bytes::from_static(b"Error grabbing logs: x")),
        ];
        for size in 1..=input.len() {
            let out = decode_whole(&input, size, 200);
            let pieces: Vec<LogOutput> = out.into_iter().map(Result::unwrap).collect();
            assert_eq!(pieces[..3], want, "{size}-byte chunks");
            // the frame longer than the limit comes in pieces as it arrives
            let rest: Vec<u8> = pieces[3..pieces.len() - 1]
                .iter()
                .flat_map(|p| {
                    assert!(p.is_stdout(), "{size}-byte chunks");
                    p.as_bytes().to_vec()
                })
                .collect();
            assert_eq!(rest, long, "{size}-byte chunks");
            if size < 300 {
                assert!(pieces.len() > 5, "{size}-byte chunks");
            }
            assert_eq!(
                pieces.last(),
                Some(&LogOutput::Stderr(Bytes::from_static(b"end")))
            );
        }
    }

    #[test]
    fn truncated_payload_delivers_what_arrived() {
        let mut input = frame(1, b"abc");
        input.extend_from_slice(b"\x02\0\0\0\0\0\0\x0apart");
        // cut once, or in chunks of that size with frames held whole
        let cuts = (0..=input.len()).map(|cut| decode_at(Mode::Multiplexed, &input, &[cut]));
        let chunks = (1..=input.len()).map(|size| decode_whole(&input, size, 100));
        for (cut, out) in cuts.chain(chunks).enumerate() {
            let runs = runs(&out);
            assert_eq!(
                runs[..2],
                [Ok((1, b"abc".to_vec())), Ok((2, b"part".to_vec()))],
                "case {cut}"
            );
            let e = runs[2].as_ref().unwrap_err();
            assert_eq!(e.kind(), DemuxErrorKind::Truncated);
            assert_eq!(e.missing(), Some(6));
            assert_eq!(e.offset(), 11);
            assert_eq!(e.header(), b"\x02\0\0\0\0\0\0\x0a");
            assert!(e.to_string().contains("6 payload bytes missing"), "{e}");
            assert_eq!(runs.len(), 3);
        }
    }

    #[test]
    fn clean_end_and_empty_input() {
        assert!(decode_chunks(Mode::Multiplexed, &[]).is_empty());
        assert!(decode_chunks(Mode::Multiplexed, &[b"", b""]).is_empty());
        assert!(decode_chunks(Mode::Raw, &[]).is_empty());
        // Only empty frames: nothing out, no error.
        let input = frames(&[(1, b""), (2, b"")]);
        assert!(decode_chunks(Mode::Multiplexed, &[&input]).is_empty());
    }

    #[test]
    fn input_after_finish_or_error_is_ignored() {
        let mut d = Demuxer::new(Mode::Multiplexed);
        d.push(Bytes::from_static(b"\x07\0\0\0\0\0\0\0"));
        assert!(d.next().unwrap().is_err());
        d.push(Bytes::from(frame(1, b"x")));
        assert!(d.next().is_none());
        assert!(d.is_finished());

        let mut d = Demuxer::new(Mode::Raw);
        d.finish();
        d.push(Bytes::from_static(b"late"));
        assert!(d.next().is_none());
        assert!(d.is_finished());
    }

    #[test]
    fn raw_mode_passes_chunks_through() {
        let input = sample();
        let chunks = [&input[..3], &input[3..], b"\r\n"];
        let out = decode_chunks(Mode::Raw, &chunks);
        let out: Vec<_> = out.into_iter().map(Result::unwrap).collect();
        assert_eq!(
            out,
            chunks
                .iter()
                .map(|c| LogOutput::Console(Bytes::copy_from_slice(c)))
                .collect::<Vec<_>>()
        );
        // Raw mode accepts anything, including what would be a bad header.
        let out = decode_chunks(Mode::Raw, &[b"\xff\xff\xff\xff\xff\xff\xff\xff\x01"]);
        assert_eq!(out.len(), 1);
        assert!(out[0].as_ref().unwrap().is_console());
    }

    /// A 64 MiB frame in 4 KiB chunks: each chunk comes straight back out as
    /// a piece, and the decoder never holds more than the chunk it was given.
    #[test]
    fn huge_frame_is_streamed_in_pieces() {
        const DECLARED: usize = 64 << 20;
        const CHUNK: usize = 4096;
        let chunk = Bytes::from(vec![b'x'; CHUNK]);
        let mut d = Demuxer::new(Mode::Multiplexed);
        d.push(Bytes::from(
            [&[1u8, 0, 0, 0][..], &(DECLARED as u32).to_be_bytes()].concat(),
        ));
        assert!(d.next().is_none());
        let mut total = 0;
        for _ in 0..DECLARED / CHUNK {
            d.push(chunk.clone());
            assert_eq!(d.buffered(), CHUNK);
            let piece = d.next().unwrap().unwrap();
            assert!(piece.is_stdout());
            assert_eq!(piece.as_bytes().as_ptr(), chunk.as_ptr(), "not copied");
            assert_eq!(piece.len(), CHUNK);
            total += piece.len();
            assert!(d.next().is_none());
            assert_eq!(d.buffered(), 0, "nothing held between chunks");
        }
        d.finish();
        assert!(d.next().is_none());
        assert!(d.is_finished());
        assert_eq!(total, DECLARED);
    }

    #[test]
    fn huge_declared_frame_cut_short() {
        let mut d = Demuxer::new(Mode::Multiplexed);
        d.push(Bytes::from_static(b"\x02\0\0\0\xff\xff\xff\xffsome"));
        assert_eq!(d.next().unwrap().unwrap(), LogOutput::Stderr("some".into()));
        assert!(d.next().is_none());
        d.finish();
        let e = d.next().unwrap().unwrap_err();
        assert_eq!(e.missing(), Some(u64::from(u32::MAX) - 4));
    }

    #[test]
    fn content_type_selection() {
        use Mode::*;
        let new = ApiVersion::new(1, 42);
        let old = ApiVersion::new(1, 41);
        let cases = [
            (Some(MULTIPLEXED_STREAM), new, Raw, Multiplexed),
            (Some(MULTIPLEXED_STREAM), old, Raw, Multiplexed),
            (Some(RAW_STREAM), new, Multiplexed, Raw),
            (Some(RAW_STREAM), ApiVersion::new(1, 47), Multiplexed, Raw),
            (Some(RAW_STREAM), ApiVersion::new(2, 0), Multiplexed, Raw),
            (
                Some(RAW_STREAM),
                ApiVersion::new(1, 24),
                Multiplexed,
                Multiplexed,
            ),
            (Some(RAW_STREAM), old, Multiplexed, Multiplexed),
            (Some(RAW_STREAM), old, Raw, Raw),
            (None, new, Multiplexed, Multiplexed),
            (None, new, Raw, Raw),
            (Some("text/plain"), new, Multiplexed, Multiplexed),
            (Some(""), new, Raw, Raw),
            (
                Some(" Application/VND.Docker.Multiplexed-Stream ; charset=utf-8"),
                new,
                Raw,
                Multiplexed,
            ),
            (
                Some("application/vnd.docker.raw-stream;x=y"),
                new,
                Multiplexed,
                Raw,
            ),
        ];
        for (ct, version, fallback, want) in cases {
            assert_eq!(
                Mode::from_content_type(ct, version, fallback),
                want,
                "{ct:?} {version:?} {fallback:?}"
            );
        }
    }

    #[test]
    fn log_output_accessors_and_display() {
        let out = LogOutput::Stdout(Bytes::from_static(b"caf\xc3\xa9 \xff!"));
        assert_eq!(out.to_string(), "café \u{FFFD}!");
        assert_eq!(out.len(), 8);
        assert!(out.is_stdout() && !out.is_stderr() && !out.is_stdin());
        assert!(!out.is_console() && !out.is_system_error());
        assert_eq!(AsRef::<[u8]>::as_ref(&out), b"caf\xc3\xa9 \xff!");
        assert_eq!(Bytes::from(out.clone()), out.into_bytes());
    }

    // --- the Stream adapter -------------------------------------------------

    /// Polls a stream to its end with a no-op waker, counting `Pending`s.
    fn drain<S: Stream + Unpin>(mut s: S) -> Vec<S::Item> {
        let mut cx = Context::from_waker(noop_waker_ref());
        let mut out = Vec::new();
        let mut pendings = 0;
        loop {
            match Pin::new(&mut s).poll_next(&mut cx) {
                Poll::Ready(Some(item)) => out.push(item),
                Poll::Ready(None) => break,
                Poll::Pending => {
                    pendings += 1;
                    assert!(pendings < 1_000_000, "stream never ends");
                }
            }
        }
        out
    }

    /// A byte stream that returns `Pending` before each chunk.
    struct Stuttering<I> {
        items: I,
        ready: bool,
    }

    impl<I: Iterator + Unpin> Stream for Stuttering<I> {
        type Item = I::Item;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
            self.ready = !self.ready;
            if !self.ready {
                Poll::Ready(self.items.next())
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }

    fn ok_chunks(input: &[u8], size: usize) -> Vec<Result<Bytes, io::Error>> {
        input
            .chunks(size)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect()
    }

    #[test]
    fn stream_adapter_matches_core() {
        let input = sample();
        let whole = runs(&decode_chunks(Mode::Multiplexed, &[&input]));
        for size in 1..=input.len() {
            let s = Stuttering {
                items: ok_chunks(&input, size).into_iter(),
                ready: false,
            };
            let out: Output = drain(DemuxStream::new(s, Mode::Multiplexed))
                .into_iter()
                .map(|r| {
                    r.map_err(|e| match e {
                        StreamError::Demux(e) => e,
                        other => panic!("{other:?}"),
                    })
                })
                .collect();
            assert_eq!(runs(&out), whole, "chunk size {size}");
        }
    }

    #[test]
    fn stream_adapter_reports_truncation_then_ends() {
        let input = &sample()[..20];
        let mut s = DemuxStream::new(stream::iter(ok_chunks(input, 7)), Mode::Multiplexed);
        let out = drain(&mut s);
        assert!(s.is_terminated());
        let (last, pieces) = out.split_last().unwrap();
        assert!(pieces.iter().all(Result::is_ok));
        match last {
            Err(StreamError::Demux(e)) => assert_eq!(e.kind(), DemuxErrorKind::Truncated),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn stream_adapter_passes_transport_errors_then_ends() {
        let items: Vec<Result<Bytes, &str>> = vec![
            Ok(Bytes::from(frame(1, b"first"))),
            Err("connection reset"),
            Ok(Bytes::from(frame(1, b"never"))),
        ];
        let mut s = DemuxStream::new(stream::iter(items), Mode::Multiplexed);
        let out = drain(&mut s);
        assert!(s.is_terminated());
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].as_ref().unwrap(), &LogOutput::Stdout("first".into()));
        assert!(matches!(
            out[1],
            Err(StreamError::Transport("connection reset"))
        ));
    }

    #[test]
    fn stream_adapter_raw_mode() {
        let items = ok_chunks(b"\x01\0\0\0 is just text", 5);
        let out = drain(DemuxStream::new(stream::iter(items), Mode::Raw));
        let text: Vec<u8> = out
            .into_iter()
            .flat_map(|r| {
                let o = r.unwrap();
                assert!(o.is_console());
                o.into_bytes()
            })
            .collect();
        assert_eq!(text, b"\x01\0\0\0 is just text");
    }

    #[test]
    fn stream_adapter_huge_frame_in_small_chunks() {
        const DECLARED: u32 = 64 << 20;
        const CHUNK: usize = 8192;
        let chunk = Bytes::from(vec![b'y'; CHUNK]);
        let header = Bytes::from([&[2u8, 0, 0, 0][..], &DECLARED.to_be_bytes()].concat());
        let body = std::iter::once(header)
            .chain(std::iter::repeat_n(
                chunk.clone(),
                DECLARED as usize / CHUNK,
            ))
            .map(Ok::<_, io::Error>);
        let mut s = DemuxStream::new(stream::iter(body), Mode::Multiplexed);
        let mut cx = Context::from_waker(noop_waker_ref());
        let mut total = 0usize;
        while let Poll::Ready(Some(item)) = Pin::new(&mut s).poll_next(&mut cx) {
            let piece = item.unwrap();
            assert!(piece.is_stderr());
            assert_eq!(piece.as_bytes().as_ptr(), chunk.as_ptr());
            total += piece.len();
            assert_eq!(s.demuxer.buffered(), 0);
        }
        assert_eq!(total, DECLARED as usize);
    }

    // --- the codec ----------------------------------------------------------

    fn codec_decode(mode: Mode, input: &[u8], read_size: usize) -> Output {
        let mut codec = DemuxCodec::new(mode);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut push = |r: Result<Option<LogOutput>, StreamError<io::Error>>| match r {
            Ok(Some(o)) => {
                out.push(Ok(o));
                true
            }
            Ok(None) => false,
            Err(StreamError::Demux(e)) => {
                out.push(Err(e));
                false
            }
            Err(e) => panic!("{e:?}"),
        };
        for chunk in input.chunks(read_size) {
            buf.extend_from_slice(chunk);
            while push(codec.decode(&mut buf)) {}
        }
        while push(codec.decode_eof(&mut buf)) {}
        out
    }

    #[test]
    fn codec_matches_core() {
        let input = sample();
        let whole = runs(&decode_chunks(Mode::Multiplexed, &[&input]));
        for size in 1..=input.len() {
            assert_eq!(runs(&codec_decode(Mode::Multiplexed, &input, size)), whole);
        }
        let cut = &input[..input.len() - 3];
        let out = codec_decode(Mode::Multiplexed, cut, 4);
        assert_eq!(
            out.last().unwrap().as_ref().unwrap_err().kind(),
            DemuxErrorKind::Truncated
        );
        let raw = codec_decode(Mode::Raw, b"abc", 1);
        assert_eq!(raw.len(), 3);
    }

    #[test]
    fn codec_streams_huge_frame() {
        const DECLARED: usize = 64 << 20;
        const CHUNK: usize = 16 << 10;
        let mut codec = DemuxCodec::new(Mode::Multiplexed);
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&[1, 0, 0, 0]);
        buf.extend_from_slice(&(DECLARED as u32).to_be_bytes());
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        let data = vec![b'z'; CHUNK];
        let mut total = 0;
        for _ in 0..DECLARED / CHUNK {
            buf.extend_from_slice(&data);
            let piece = codec.decode(&mut buf).unwrap().unwrap();
            assert_eq!(piece.len(), CHUNK);
            assert!(buf.is_empty());
            assert_eq!(codec.demuxer.buffered(), 0);
            total += piece.len();
            assert_eq!(codec.decode(&mut buf).unwrap(), None);
        }
        assert_eq!(codec.decode_eof(&mut buf).unwrap(), None);
        assert_eq!(total, DECLARED);
    }

    /// An `AsyncRead` that hands out one chunk per read, `Pending` between.
    struct ChunkedReader {
        chunks: VecDeque<Vec<u8>>,
        ready: bool,
    }

    impl tokio::io::AsyncRead for ChunkedReader {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            self.ready = !self.ready;
            if self.ready {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if let Some(mut chunk) = self.chunks.pop_front() {
                let n = chunk.len().min(buf.remaining());
                buf.put_slice(&chunk[..n]);
                if n < chunk.len() {
                    self.chunks.push_front(chunk.split_off(n));
                }
            }
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn framed_read_over_async_read() {
        let input = sample();
        let whole = runs(&decode_chunks(Mode::Multiplexed, &[&input]));
        for size in [1, 3, 8, 13, input.len()] {
            let reader = ChunkedReader {
                chunks: input.chunks(size).map(<[u8]>::to_vec).collect(),
                ready: false,
            };
            let framed =
                tokio_util::codec::FramedRead::new(reader, DemuxCodec::new(Mode::Multiplexed));
            let out: Output = drain(framed)
                .into_iter()
                .map(|r| {
                    r.map_err(|e| match e {
                        StreamError::Demux(e) => e,
                        other => panic!("{other:?}"),
                    })
                })
                .collect();
            assert_eq!(runs(&out), whole, "read size {size}");
        }
    }

    // --- properties ---------------------------------------------------------

    fn arb_frames() -> impl Strategy<Value = Vec<(u8, Vec<u8>)>> {
        prop::collection::vec((0u8..4, prop::collection::vec(any::<u8>(), 0..200)), 0..12)
    }

    proptest! {
        /// Any frame sequence, cut anywhere: pieces tile the frames (no piece
        /// spans two), and concatenated per stream they equal the payloads.
        #[test]
        fn arbitrary_frames_arbitrary_cuts(
            list in arb_frames(),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
        ) {
            let input: Vec<u8> = list.iter().flat_map(|(k, p)| frame(*k, p)).collect();
            let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
            cuts.sort_unstable();
            let out = decode_at(Mode::Multiplexed, &input, &cuts);

            let mut pieces = out.into_iter().map(|r| r.unwrap());
            let mut per_stream_in: [Vec<u8>; 4] = Default::default();
            let mut per_stream_out: [Vec<u8>; 4] = Default::default();
            for (kind, payload) in &list {
                per_stream_in[usize::from(*kind)].extend_from_slice(payload);
                let mut got = 0;
                while got < payload.len() {
                    let piece = pieces.next().expect("a piece for every payload byte");
                    let want = Channel::from_type(*kind).unwrap().wrap(Bytes::new());
                    prop_assert_eq!(std::mem::discriminant(&piece), std::mem::discriminant(&want));
                    prop_assert!(got + piece.len() <= payload.len(), "piece spans two frames");
                    prop_assert_eq!(&piece.as_bytes()[..], &payload[got..got + piece.len()]);
                    per_stream_out[usize::from(*kind)].extend_from_slice(piece.as_bytes());
                    got += piece.len();
                }
            }
            prop_assert!(pieces.next().is_none());
            prop_assert_eq!(per_stream_in, per_stream_out);
        }

        /// Any bytes at all, cut anywhere: same output as in one chunk.
        #[test]
        fn arbitrary_bytes_any_chunking(
            input in prop::collection::vec(any::<u8>(), 0..64),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        ) {
            let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
            cuts.sort_unstable();
            let whole = runs(&decode_chunks(Mode::Multiplexed, &[&input]));
            prop_assert_eq!(runs(&decode_at(Mode::Multiplexed, &input, &cuts)), whole);
        }
    }
}
