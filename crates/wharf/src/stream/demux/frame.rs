//! The frame header of the multiplexed stream (drawn in the
//! [module documentation](super)): its length and the stream its type byte
//! names.

use bytes::Bytes;

use super::LogOutput;

/// Length of a frame header in bytes.
///
/// ```
/// assert_eq!(wharf::stream::demux::HEADER_LEN, 8);
/// ```
pub const HEADER_LEN: usize = 8;

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
    pub(super) fn from_type(byte: u8) -> Option<Channel> {
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
    pub(super) fn of_header(header: [u8; HEADER_LEN]) -> Option<(Channel, usize)> {
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
