//! Writing a process's output to two writers, as `docker logs` and
//! `docker attach` do (Go's `stdcopy.StdCopy`): stdout and stdin frames and
//! raw (TTY) output to one, stderr frames to the other.
//!
//! [`LogStream::copy_to`](crate::container::LogStream::copy_to) and
//! [`Output::copy_to`](crate::hijack::Output::copy_to) share the rules kept
//! here:
//!
//! - daemon error frames (stream type 3) do not stop the copy, since output
//!   can follow them; their text becomes the error returned at the end;
//! - a failed write stops the copy with an [`ErrorKind::Io`] error;
//! - when the stream fails, what came before is flushed and the stream's
//!   error is returned.

use futures_core::Stream;
use futures_util::StreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::error::{Error, ErrorKind, Result};
use crate::stream::demux::Channel;
use crate::stream::{Copied, LogOutput};

/// The two writers of a copy, and its tally.
pub(crate) struct Sinks<'a, O: ?Sized, E: ?Sized> {
    stdout: &'a mut O,
    stderr: &'a mut E,
    copied: Copied,
    /// Daemon error frames, kept for the end.
    system: Vec<u8>,
}

impl<'a, O, E> Sinks<'a, O, E>
where
    O: AsyncWrite + Unpin + ?Sized,
    E: AsyncWrite + Unpin + ?Sized,
{
    pub(crate) fn new(stdout: &'a mut O, stderr: &'a mut E) -> Self {
        Sinks {
            stdout,
            stderr,
            copied: Copied::default(),
            system: Vec::new(),
        }
    }

    /// Copies a whole stream of pieces, then [`finish`](Self::finish)es.
    pub(crate) async fn copy<S>(mut self, mut pieces: S) -> Result<Copied>
    where
        S: Stream<Item = Result<LogOutput>> + Unpin,
    {
        while let Some(piece) = pieces.next().await {
            match piece {
                Ok(piece) => self.write_piece(&piece).await?,
                Err(e) => return Err(self.fail(e).await),
            }
        }
        self.finish().await
    }

    /// Writes one frame's payload where its stream goes.
    #[inline]
    pub(crate) async fn write(&mut self, channel: Channel, bytes: &[u8]) -> Result<()> {
        let (written, counter, which) = match channel {
            Channel::Stdin | Channel::Stdout => (
                self.stdout.write_all(bytes).await,
                &mut self.copied.stdout,
                "stdout",
            ),
            Channel::Stderr => (
                self.stderr.write_all(bytes).await,
                &mut self.copied.stderr,
                "stderr",
            ),
            Channel::System => {
                self.system.extend_from_slice(bytes);
                return Ok(());
            }
        };
        written.map_err(|e| write_error(which, e))?;
        *counter += bytes.len() as u64;
        Ok(())
    }

    /// Writes one decoded piece where its stream goes.
    pub(crate) async fn write_piece(&mut self, piece: &LogOutput) -> Result<()> {
        let channel = match piece {
            LogOutput::Stdin(_) => Channel::Stdin,
            LogOutput::Stdout(_) | LogOutput::Console(_) => Channel::Stdout,
            LogOutput::Stderr(_) => Channel::Stderr,
            LogOutput::SystemError(_) => Channel::System,
        };
        self.write(channel, piece.as_bytes()).await
    }

    /// The stream failed with `error`: what came before it is good output,
    /// so it is flushed, and the stream's error is the one to return.
    pub(crate) async fn fail(mut self, error: Error) -> Error {
        let _ = self.flush().await;
        error
    }

    /// The stream ended: flushes both writers; the daemon's error frames,
    /// if any, are the result.
    pub(crate) async fn finish(mut self) -> Result<Copied> {
        self.flush().await?;
        if !self.system.is_empty() {
            let message = String::from_utf8_lossy(&self.system).trim().to_owned();
            return Err(Error::new(ErrorKind::Server)
                .with_detail(format!(
                    "the daemon reported an error in the stream: {message}"
                ))
                .with_message(message));
        }
        Ok(self.copied)
    }

    async fn flush(&mut self) -> Result<()> {
        let out = self.stdout.flush().await;
        out.map_err(|e| write_error("stdout", e))?;
        let err = self.stderr.flush().await;
        err.map_err(|e| write_error("stderr", e))
    }
}

fn write_error(which: &str, e: std::io::Error) -> Error {
    Error::new(ErrorKind::Io)
        .with_detail(format!("writing the copy's {which}"))
        .with_source(e)
}
