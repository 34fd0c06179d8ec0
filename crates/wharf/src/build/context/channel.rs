//! The writing end of a directory context: chunks into the request body's
//! bounded channel, and a failure to read carried to the request.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::sync::mpsc;

use super::CHUNK;

/// Where the archive goes, and how a failure to read the context reaches
/// the request.
pub(super) trait Sink: Write {
    /// Sends `error` down the body instead of what is buffered, and fails
    /// every later write: an archive cut short must not look complete.
    fn fail(&mut self, error: io::Error);
}

impl Sink for ChannelWriter {
    fn fail(&mut self, error: io::Error) {
        self.failed = true;
        self.buf.clear();
        let _ = self.tx.blocking_send(Err(error));
    }
}

impl<W: Sink> Sink for flate2::write::GzEncoder<W> {
    fn fail(&mut self, error: io::Error) {
        self.get_mut().fail(error);
    }
}

/// Writes into the request body's channel in chunks, waiting while the
/// channel is full.
pub(super) struct ChannelWriter {
    pub(super) tx: mpsc::Sender<io::Result<Bytes>>,
    pub(super) buf: BytesMut,
    pub(super) sent: Arc<AtomicU64>,
    pub(super) failed: bool,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.failed {
            return Err(io::Error::other("the build context failed"));
        }
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = self.buf.split().freeze();
        let len = chunk.len() as u64;
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the build request ended"))?;
        self.sent.fetch_add(len, Ordering::Relaxed);
        self.buf.reserve(CHUNK);
        Ok(())
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.failed {
            return Err(io::Error::other("the build context failed"));
        }
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}
