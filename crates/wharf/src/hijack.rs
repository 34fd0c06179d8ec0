//! Hijacked connections: the two-way byte streams of `attach` and `exec`.
//!
//! `POST /containers/{id}/attach` and `POST /exec/{id}/start` do not answer
//! with an ordinary HTTP body. The client asks to take over the connection,
//! the daemon agrees with `101 UPGRADED`, and from then on the socket carries
//! the process's stdin one way and its output the other:
//!
//! ```text
//!  client                                              daemon
//!    | POST /v1.51/exec/3f2a.../start HTTP/1.1             |
//!    | Connection: Upgrade                                 |
//!    | Upgrade: tcp                                        |
//!    | {"Detach":false,"Tty":false}                        |
//!    |---------------------------------------------------->|
//!    |                        HTTP/1.1 101 UPGRADED        |
//!    |  Content-Type: application/vnd.docker.multiplexed-stream
//!    |                        Connection: Upgrade          |
//!    |                        Upgrade: tcp                 |
//!    |<----------------------------------------------------|
//!    |  [01 00 00 00 00 00 00 05] hello   (output frames)  |
//!    |<====================================================|
//!    |  stdin bytes                            ([`Input`]) |
//!    |====================================================>|
//!    |  FIN (Input::shutdown): stdin reaches end of file   |
//!    |---------------------------------------------------->|
//!    |  ...output until the process exits, then FIN        |
//!    |<====================================================|
//! ```
//!
//! The output is cut into [`LogOutput`] pieces: demultiplexed when the
//! process has no TTY, raw ([`LogOutput::Console`]) when it has one (see
//! [`crate::stream::demux`]). Which one is read from the `Content-Type` of
//! the `101` for API 1.42 and later; before that the daemon always says
//! `raw-stream`, so the caller's knowledge of the TTY decides.
//!
//! Bytes the daemon sends right behind the `101` head, often in the same
//! TCP segment, are kept: the HTTP layer hands them back before anything
//! else is read from the socket.
//!
//! A hijacked connection is never returned to the connection pool. It closes
//! when both [`Output`] and [`Input`] are dropped. Shutting down the
//! [`Input`] closes only the sending direction (a TCP half-close), which is
//! how a process reading stdin learns that the input has ended; its output
//! keeps arriving until the daemon closes its side.
//!
//! ```no_run
//! # async fn run(docker: wharf::Docker) -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//! use tokio::io::AsyncWriteExt;
//! use wharf::exec::{ExecOptions, StartOptions};
//!
//! let exec = docker
//!     .container("web")
//!     .exec(ExecOptions::new(["cat"]).attach_stdin(true))
//!     .await?;
//! let (mut output, mut input) = exec.start_attached(StartOptions::new().stdin(true)).await?;
//! input.write_all(b"hello\n").await?;
//! input.shutdown().await?; // cat sees end of file, prints, exits
//! while let Some(piece) = output.next().await {
//!     print!("{}", piece?);
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;
use tokio::io::{AsyncWrite, ReadHalf, WriteHalf};
use tokio_util::codec::FramedRead;

use crate::client::{Request, Upgrade, UpgradedIo};
use crate::copy::Sinks;
use crate::error::{Error, ErrorKind, Result};
use crate::stream::{Copied, DemuxCodec, LogOutput, Mode, StreamError};
use crate::ApiVersion;

/// Bytes read from the socket at a time (and the largest piece of raw
/// output): a read buffer of this size is reused, so memory stays bounded.
const READ_CAPACITY: usize = 32 * 1024;

/// Sends an upgrade request and splits the connection into output and input.
///
/// `fallback` is the mode to use when the `Content-Type` cannot be trusted:
/// from the process's TTY setting.
pub(crate) async fn hijack(request: Request, fallback: Mode) -> Result<(Output, Input)> {
    let upgrade = request.upgrade().await?;
    Ok(split(upgrade, fallback))
}

/// The mode of a hijacked stream, and whether the caller must say it: for
/// API versions before 1.42 the `Content-Type` says nothing.
pub(crate) fn needs_fallback(version: ApiVersion) -> bool {
    version < Mode::LABELLED_SINCE
}

fn split(upgrade: Upgrade, fallback: Mode) -> (Output, Input) {
    let Upgrade {
        io,
        content_type,
        version,
        method,
        path,
        ..
    } = upgrade;
    let mode = Mode::from_content_type(content_type.as_deref(), version, fallback);
    let (read, write) = tokio::io::split(io);
    let frames = FramedRead::with_capacity(read, DemuxCodec::new(mode), READ_CAPACITY);
    (
        Output {
            frames,
            mode,
            method,
            path,
            done: false,
        },
        Input { write },
    )
}

/// The output of an attached process: a [`Stream`] of [`LogOutput`] pieces,
/// ending when the daemon closes the connection (the process exited, or the
/// attach ended).
///
/// Made by [`Exec::start_attached`](crate::exec::Exec::start_attached) and
/// [`Container::attach`](crate::Container::attach).
///
/// ```no_run
/// # async fn run(mut output: wharf::hijack::Output) -> wharf::Result<()> {
/// use futures_util::TryStreamExt;
/// use wharf::stream::LogOutput;
///
/// while let Some(piece) = output.try_next().await? {
///     match piece {
///         LogOutput::Stderr(b) => eprint!("{}", String::from_utf8_lossy(&b)),
///         other => print!("{other}"),
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Output {
    frames: FramedRead<ReadHalf<UpgradedIo>, DemuxCodec>,
    mode: Mode,
    method: String,
    path: String,
    done: bool,
}

impl Output {
    /// Whether the output is multiplexed (no TTY) or raw (TTY).
    ///
    /// ```no_run
    /// # fn run(output: wharf::hijack::Output) {
    /// use wharf::stream::Mode;
    ///
    /// if output.mode() == Mode::Raw {
    ///     println!("the process has a terminal");
    /// }
    /// # }
    /// ```
    pub fn mode(&self) -> Mode {
        self.mode
    }
}

impl Output {
    /// Writes the rest of the output to `stdout` and `stderr` as it
    /// arrives, then flushes both: what `docker attach` and `docker exec`
    /// do with it (Go's `stdcopy.StdCopy`). Stdout and stdin frames, and raw
    /// (TTY) output, go to `stdout`; stderr frames to `stderr`.
    ///
    /// Daemon error frames do not stop the copy: once everything else is
    /// written, they are returned as an error of kind
    /// [`Server`](ErrorKind::Server) with their text as its
    /// [`message`](Error::message). A failed write is an error of kind
    /// [`Io`](ErrorKind::Io) and stops the copy. When the stream itself
    /// fails, what came before is written and flushed, then its error is
    /// returned. The same as
    /// [`LogStream::copy_to`](crate::container::LogStream::copy_to).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::exec::{ExecOptions, StartOptions};
    ///
    /// let exec = docker
    ///     .container("web")
    ///     .exec(ExecOptions::new(["sh", "-c", "echo out; echo err >&2"]))
    ///     .await?;
    /// let (output, _input) = exec.start_attached(StartOptions::new()).await?;
    /// let (mut out, mut err) = (Vec::new(), Vec::new());
    /// output.copy_to(&mut out, &mut err).await?;
    /// assert_eq!((&out[..], &err[..]), (&b"out\n"[..], &b"err\n"[..]));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn copy_to<O, E>(self, stdout: &mut O, stderr: &mut E) -> Result<Copied>
    where
        O: AsyncWrite + Unpin + ?Sized,
        E: AsyncWrite + Unpin + ?Sized,
    {
        Sinks::new(stdout, stderr).copy(self).await
    }
}

impl Stream for Output {
    type Item = Result<LogOutput>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let next = ready!(Pin::new(&mut self.frames).poll_next(cx));
        Poll::Ready(match next {
            None => {
                self.done = true;
                None
            }
            Some(Ok(piece)) => Some(Ok(piece)),
            Some(Err(e)) => {
                self.done = true;
                Some(Err(stream_error(e).with_request(&self.method, &self.path)))
            }
        })
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Output")
            .field("mode", &self.mode)
            .field("path", &self.path)
            .finish()
    }
}

/// The error for a failed read of a stream.
pub(crate) fn stream_error<E>(e: StreamError<E>) -> Error
where
    E: Into<crate::error::BoxError>,
{
    match e {
        StreamError::Transport(e) => Error::new(ErrorKind::Io).with_source(e),
        StreamError::Demux(e) => Error::new(ErrorKind::Protocol)
            .with_detail("the output is not a valid multiplexed stream")
            .with_source(e),
        StreamError::JsonLines(e) => Error::new(ErrorKind::Decode)
            .with_detail("a line of the stream is not the JSON expected")
            .with_source(e),
    }
}

/// The input of an attached process: what is written goes to its stdin.
///
/// [`shutdown`](tokio::io::AsyncWriteExt::shutdown) closes the sending
/// direction of the connection only, so the process reads end of file while
/// its output keeps flowing. Dropping it without shutting down leaves the
/// process's stdin open as long as the [`Output`] lives.
///
/// ```no_run
/// # async fn run(mut input: wharf::hijack::Input) -> std::io::Result<()> {
/// use tokio::io::AsyncWriteExt;
///
/// input.write_all(b"exit\n").await?;
/// input.shutdown().await?;
/// # Ok(())
/// # }
/// ```
pub struct Input {
    write: WriteHalf<UpgradedIo>,
}

impl AsyncWrite for Input {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.write).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.write).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.write).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.write).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.write.is_write_vectored()
    }
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Input").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_are_send_and_static() {
        fn assert_traits<T: Send + 'static>() {}
        assert_traits::<Output>();
        assert_traits::<Input>();
    }

    #[test]
    fn old_versions_need_the_tty_setting() {
        assert!(needs_fallback(ApiVersion::new(1, 41)));
        assert!(!needs_fallback(ApiVersion::new(1, 42)));
    }
}
