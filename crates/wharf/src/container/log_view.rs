//! Two other views of a [`LogStream`]: the whole log collected per stream
//! ([`LogStream::collect_output`], [`CollectedLogs`]) and a line view
//! ([`LogStream::lines`], [`LogLines`]).

use std::fmt;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_util::StreamExt;

use super::LogStream;
use crate::error::{Error, ErrorKind, Result};
use crate::stream::LogOutput;

/// What a stream of [`LogOutput`] held, per stream: stdout (with stdin
/// echoes and raw TTY output), stderr, and the daemon's error frames.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
    pub(crate) system: Vec<u8>,
}

impl Collector {
    pub(crate) fn push(&mut self, piece: &LogOutput) {
        let into = match piece {
            LogOutput::Stdout(_) | LogOutput::Console(_) | LogOutput::Stdin(_) => &mut self.stdout,
            LogOutput::Stderr(_) => &mut self.stderr,
            LogOutput::SystemError(_) => &mut self.system,
        };
        into.extend_from_slice(piece.as_bytes());
    }
}

/// A whole log, collected by [`LogStream::collect_output`]: stdout and
/// stderr apart (with a TTY, everything is stdout).
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// use wharf::container::LogsOptions;
///
/// let logs = docker.container("job").logs(LogsOptions::new()).await?.collect_output().await?;
/// print!("{}", logs.stdout_text());
/// eprint!("{}", logs.stderr_text());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CollectedLogs {
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
}

impl CollectedLogs {
    /// Stdout as text, invalid UTF-8 replaced with `U+FFFD`.
    ///
    /// ```
    /// let logs = wharf::container::CollectedLogs::default();
    /// assert_eq!(logs.stdout_text(), "");
    /// ```
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stderr as text, invalid UTF-8 replaced with `U+FFFD`.
    ///
    /// ```
    /// let logs = wharf::container::CollectedLogs::default();
    /// assert_eq!(logs.stderr_text(), "");
    /// ```
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// A line longer than this comes out in pieces of this size: the line view
/// holds at most one such piece per stream.
pub const MAX_LINE: usize = 1 << 20;

impl LogStream {
    /// Reads the rest of the log and returns it whole, stdout and stderr
    /// apart (docker-py's `logs()`, aiodocker's `log()`). The log is held
    /// in memory: for a long or followed log, read the stream or use
    /// [`copy_to`](LogStream::copy_to). The daemon's error frames make it
    /// fail (kind [`Server`](ErrorKind::Server), their text as the message).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::container::LogsOptions;
    ///
    /// let logs = docker.container("job").logs(LogsOptions::new().tail(20)).await?;
    /// let logs = logs.collect_output().await?;
    /// assert!(logs.stdout_text().lines().count() <= 20);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn collect_output(mut self) -> Result<CollectedLogs> {
        let mut collected = Collector::default();
        while let Some(piece) = self.next().await {
            collected.push(&piece?);
        }
        if !collected.system.is_empty() {
            let text = String::from_utf8_lossy(&collected.system).trim().to_owned();
            return Err(Error::new(ErrorKind::Server)
                .with_detail(format!("the daemon failed reading the logs: {text}"))
                .with_message(text));
        }
        Ok(CollectedLogs {
            stdout: collected.stdout,
            stderr: collected.stderr,
        })
    }

    /// The log line by line: each item is one line of one stream, without
    /// its `\n`, tagged as the pieces are ([`LogOutput::Stdout`],
    /// [`LogOutput::Stderr`], [`LogOutput::Console`] with a TTY). A last line
    /// without a newline comes out when the log ends. Stdout and stderr are
    /// gathered apart, so a line of one is never cut by the other. A line
    /// longer than [`MAX_LINE`] comes out in pieces of that size.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use wharf::container::LogsOptions;
    /// use wharf::stream::LogOutput;
    ///
    /// let logs = docker.container("web").logs(LogsOptions::new().follow(true)).await?;
    /// let mut lines = logs.lines();
    /// while let Some(line) = lines.try_next().await? {
    ///     match line {
    ///         LogOutput::Stderr(text) => eprintln!("{}", String::from_utf8_lossy(&text)),
    ///         other => println!("{other}"),
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn lines(self) -> LogLines {
        LogLines {
            inner: self,
            partial: Vec::new(),
            ready: std::collections::VecDeque::new(),
            done: false,
        }
    }
}

/// The line view of a [`LogStream`], made by [`LogStream::lines`].
#[must_use = "streams do nothing unless polled"]
pub struct LogLines {
    inner: LogStream,
    /// The line being gathered, per stream (by its variant).
    partial: Vec<(LogOutput, BytesMut)>,
    ready: std::collections::VecDeque<LogOutput>,
    done: bool,
}

/// `piece`'s variant holding `bytes`.
fn like(piece: &LogOutput, bytes: Bytes) -> LogOutput {
    match piece {
        LogOutput::Stdin(_) => LogOutput::Stdin(bytes),
        LogOutput::Stdout(_) => LogOutput::Stdout(bytes),
        LogOutput::Stderr(_) => LogOutput::Stderr(bytes),
        LogOutput::SystemError(_) => LogOutput::SystemError(bytes),
        LogOutput::Console(_) => LogOutput::Console(bytes),
    }
}

impl LogLines {
    fn gather(&mut self, piece: LogOutput) {
        let slot =
            match self.partial.iter().position(|(kind, _)| {
                std::mem::discriminant(kind) == std::mem::discriminant(&piece)
            }) {
                Some(i) => i,
                None => {
                    self.partial
                        .push((like(&piece, Bytes::new()), BytesMut::new()));
                    self.partial.len() - 1
                }
            };
        let (kind, buffer) = &mut self.partial[slot];
        let mut rest = piece.as_bytes().clone();
        while let Some(end) = memchr::memchr(b'\n', &rest) {
            let line = rest.split_to(end + 1);
            let line = if buffer.is_empty() {
                line.slice(..end)
            } else {
                buffer.extend_from_slice(&line[..end]);
                buffer.split().freeze()
            };
            self.ready.push_back(like(kind, line));
        }
        buffer.extend_from_slice(&rest);
        while buffer.len() >= MAX_LINE {
            let long = buffer.split_to(MAX_LINE).freeze();
            self.ready.push_back(like(kind, long));
        }
    }
}

impl Stream for LogLines {
    type Item = Result<LogOutput>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(line) = self.ready.pop_front() {
                return Poll::Ready(Some(Ok(line)));
            }
            if self.done {
                return Poll::Ready(None);
            }
            match ready!(self.inner.poll_next_unpin(cx)) {
                Some(Ok(piece)) => self.gather(piece),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => {
                    self.done = true;
                    let partial = std::mem::take(&mut self.partial);
                    for (kind, rest) in partial {
                        if !rest.is_empty() {
                            self.ready.push_back(like(&kind, rest.freeze()));
                        }
                    }
                }
            }
        }
    }
}

impl fmt::Debug for LogLines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogLines").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::Mode;
    use futures_util::TryStreamExt;

    fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![kind, 0, 0, 0];
        f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    fn stream(frames: Vec<Vec<u8>>) -> LogStream {
        let chunks: Vec<Result<Bytes>> = frames.into_iter().map(|f| Ok(Bytes::from(f))).collect();
        LogStream::new(
            futures_util::stream::iter(chunks).boxed(),
            Mode::Multiplexed,
        )
    }

    #[tokio::test]
    async fn lines_are_gathered_per_stream_and_the_last_partial_one_kept() {
        let logs = stream(vec![
            frame(1, b"a1\na"),
            frame(2, b"e1"),
            frame(1, b"2\n"),
            frame(2, b"\ne2\n"),
            frame(1, b"tail"),
        ]);
        let lines: Vec<LogOutput> = logs.lines().try_collect().await.unwrap();
        let text: Vec<String> = lines
            .iter()
            .map(|l| format!("{}:{l}", if l.is_stderr() { "err" } else { "out" }))
            .collect();
        assert_eq!(text, ["out:a1", "out:a2", "err:e1", "err:e2", "out:tail"]);
    }

    #[tokio::test]
    async fn collected_output_and_daemon_errors() {
        let logs = stream(vec![frame(1, b"out"), frame(2, b"err"), frame(1, b"!")]);
        let all = logs.collect_output().await.unwrap();
        assert_eq!(
            (all.stdout_text(), all.stderr_text()),
            ("out!".into(), "err".into())
        );
        let logs = stream(vec![frame(1, b"x"), frame(3, b"Error grabbing logs: gone")]);
        let e = logs.collect_output().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Server);
        assert_eq!(e.message(), Some("Error grabbing logs: gone"));
    }
}
