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
//! Pieces are [`Bytes`](bytes::Bytes) slices of the chunks you pushed in: nothing is
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
//! - [`DemuxStream`]: a [`Stream`](futures_core::Stream) over any `Stream<Item = Result<Bytes, E>>`,
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

mod codec;
mod demux_stream;
mod demuxer;
mod error;
mod frame;
mod mode;
mod output;
#[cfg(test)]
mod tests;

pub use codec::DemuxCodec;
pub use demux_stream::DemuxStream;
pub use demuxer::Demuxer;
pub use error::{DemuxError, DemuxErrorKind};
pub(crate) use frame::Channel;
pub use frame::HEADER_LEN;
pub use mode::{Mode, MULTIPLEXED_STREAM, RAW_STREAM};
pub use output::LogOutput;
