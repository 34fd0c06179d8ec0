//! [`DemuxError`]: a multiplexed stream that is malformed or cut short.

use std::fmt;
use std::io;

use super::HEADER_LEN;

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
    pub(super) kind: DemuxErrorKind,
    pub(super) offset: u64,
    pub(super) header: [u8; HEADER_LEN],
    pub(super) header_len: u8,
    pub(super) missing: u64,
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
