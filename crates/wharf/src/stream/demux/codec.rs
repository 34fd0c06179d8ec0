//! [`DemuxCodec`]: the decoder as a [`tokio_util::codec::Decoder`], for
//! `FramedRead` over a hijacked connection.

use std::io;

use bytes::BytesMut;

use super::{Demuxer, LogOutput, Mode};
use crate::stream::StreamError;

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
    pub(super) demuxer: Demuxer,
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
