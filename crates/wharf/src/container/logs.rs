//! `GET /containers/{id}/logs`: a container's output, past and following.
//!
//! The same stream serves the logs of swarm services and tasks
//! ([`Service::logs`](crate::swarm::Service::logs),
//! [`Task::logs`](crate::swarm::Task::logs)): [`LogsOptions`] and
//! [`LogStream`] are theirs too.

use std::fmt;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{FutureExt as _, StreamExt};
use tokio::io::AsyncWrite;

use crate::copy::Sinks;
use crate::error::Result;
use crate::hijack::stream_error;
use crate::stream::demux::Demuxer;
use crate::stream::{Copied, LogOutput, Mode, StreamError};
use crate::{Container, Error, Timeout};

/// Which logs to read ([`Container::logs`], and the logs of swarm services and
/// tasks).
///
/// By default: stdout and stderr, everything logged so far, no following,
/// no timestamps.
///
/// ```
/// use wharf::container::LogsOptions;
///
/// let options = LogsOptions::new().follow(true).tail(100).timestamps(true).since(1_700_000_000);
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct LogsOptions {
    follow: bool,
    stdout: bool,
    stderr: bool,
    /// `since` and `until` as the daemon reads them: `seconds[.nanoseconds]`.
    since: Option<String>,
    until: Option<String>,
    timestamps: bool,
    tail: Option<u64>,
    details: bool,
    error: Option<String>,
}

impl Default for LogsOptions {
    fn default() -> LogsOptions {
        LogsOptions {
            follow: false,
            stdout: true,
            stderr: true,
            since: None,
            until: None,
            timestamps: false,
            tail: None,
            details: false,
            error: None,
        }
    }
}

impl LogsOptions {
    /// The defaults: stdout and stderr, all of it, then stop.
    ///
    /// ```
    /// let options = wharf::container::LogsOptions::new();
    /// ```
    pub fn new() -> LogsOptions {
        LogsOptions::default()
    }

    /// Keeps the stream open and delivers new output as it is written,
    /// until the container stops. No total timeout applies; the client's
    /// [stream idle timeout](crate::DockerBuilder::stream_idle_timeout) does,
    /// if set.
    ///
    /// Podman's Docker-compatible API (seen with 4.3) can end a follow of a
    /// container that has already exited before the whole log is sent, when
    /// the reader is slower than the engine; the stream then ends without an
    /// error. On Podman, read an exited container's log without `follow` to
    /// get all of it.
    ///
    /// ```
    /// let options = wharf::container::LogsOptions::new().follow(true);
    /// ```
    pub fn follow(mut self, follow: bool) -> LogsOptions {
        self.follow = follow;
        self
    }

    /// Includes stdout (default: yes).
    ///
    /// ```
    /// let options = wharf::container::LogsOptions::new().stdout(false);
    /// ```
    pub fn stdout(mut self, stdout: bool) -> LogsOptions {
        self.stdout = stdout;
        self
    }

    /// Includes stderr (default: yes).
    ///
    /// ```
    /// let options = wharf::container::LogsOptions::new().stderr(false);
    /// ```
    pub fn stderr(mut self, stderr: bool) -> LogsOptions {
        self.stderr = stderr;
        self
    }

    /// Only output logged at or after this UNIX time, in seconds.
    ///
    /// ```
    /// let options = wharf::container::LogsOptions::new().since(1_700_000_000);
    /// ```
    pub fn since(mut self, unix_seconds: i64) -> LogsOptions {
        self.since = Some(unix_seconds.to_string());
        self
    }

    /// Only output logged before this UNIX time, in seconds.
    ///
    /// ```
    /// let options = wharf::container::LogsOptions::new().until(1_700_000_600);
    /// ```
    pub fn until(mut self, unix_seconds: i64) -> LogsOptions {
        self.until = Some(unix_seconds.to_string());
        self
    }

    /// Only output logged at or after this time, to the nanosecond: sent as
    /// `seconds.nanoseconds`, the form moby's `timetypes.GetTimestamp`
    /// writes and the daemon reads (moby `api/types/time/timestamp.go`).
    /// A time before 1970 makes [`Container::logs`] fail with
    /// [`InvalidArgument`](crate::ErrorKind::InvalidArgument).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    ///
    /// let last_minute = SystemTime::now() - Duration::from_secs(60);
    /// let options = wharf::container::LogsOptions::new().since_time(last_minute);
    /// ```
    pub fn since_time(mut self, time: SystemTime) -> LogsOptions {
        self.since = timestamp(&mut self.error, "since", time);
        self
    }

    /// Only output logged before this time, to the nanosecond (see
    /// [`since_time`](LogsOptions::since_time)).
    ///
    /// ```
    /// let options = wharf::container::LogsOptions::new().until_time(std::time::SystemTime::now());
    /// ```
    pub fn until_time(mut self, time: SystemTime) -> LogsOptions {
        self.until = timestamp(&mut self.error, "until", time);
        self
    }

    /// Prefixes each line with its RFC 3339 timestamp.
    ///
    /// ```
    /// let options = wharf::container::LogsOptions::new().timestamps(true);
    /// ```
    pub fn timestamps(mut self, timestamps: bool) -> LogsOptions {
        self.timestamps = timestamps;
        self
    }

    /// Only the last `lines` lines of what was logged so far.
    ///
    /// ```
    /// let options = wharf::container::LogsOptions::new().tail(50);
    /// ```
    pub fn tail(mut self, lines: u64) -> LogsOptions {
        self.tail = Some(lines);
        self
    }

    /// Prefixes each line with the details the log driver adds: for swarm
    /// services and tasks, the task's context
    /// (`com.docker.swarm.node.id=...,com.docker.swarm.service.id=...,com.docker.swarm.task.id=...`),
    /// then a space. Services and tasks only: the spec's container logs
    /// operation has no such parameter, so container logs leave it out.
    ///
    /// ```
    /// let options = wharf::container::LogsOptions::new().details(true);
    /// ```
    pub fn details(mut self, details: bool) -> LogsOptions {
        self.details = details;
        self
    }

    /// The `tail` parameter of the generated log operations.
    pub(crate) fn tail_query(&self) -> Option<String> {
        self.tail.map(|lines| lines.to_string())
    }

    /// Whether to follow.
    pub(crate) fn is_follow(&self) -> bool {
        self.follow
    }

    /// `(stdout, stderr, since, timestamps, details)`, for the service and
    /// task log operations.
    /// The service and task log operations take `since` in whole seconds.
    pub(crate) fn common(&self) -> (bool, bool, Option<i64>, bool, bool) {
        let since = self
            .since
            .as_deref()
            .and_then(|s| s.split('.').next().and_then(|secs| secs.parse().ok()));
        (
            self.stdout,
            self.stderr,
            since,
            self.timestamps,
            self.details,
        )
    }
}

/// `time` as `seconds.nanoseconds`, or `None` after keeping the mistake.
fn timestamp(error: &mut Option<String>, what: &str, time: SystemTime) -> Option<String> {
    match time.duration_since(UNIX_EPOCH) {
        Ok(t) => Some(format!("{}.{:09}", t.as_secs(), t.subsec_nanos())),
        Err(_) => {
            error.get_or_insert_with(|| format!("the logs' {what} time is before 1970"));
            None
        }
    }
}

/// A container's logs: a [`Stream`] of [`LogOutput`] pieces, made by
/// [`Container::logs`].
///
/// Pieces are handed out as they arrive, never held back for a newline, so
/// memory stays bounded however long a line is. Concatenate pieces of the
/// same stream if you need lines. dockerd writes a frame per line (or per
/// write of the container's process): a frame of up to 32 KiB comes out as
/// one piece, however the connection cut it; a longer one comes out in
/// pieces as it arrives.
///
/// To move a log somewhere else (a file, the terminal), use
/// [`copy_to`](LogStream::copy_to): it writes frames straight from the
/// bytes received, without making a piece for each.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// use futures_util::TryStreamExt;
/// use wharf::container::LogsOptions;
///
/// let mut logs = docker.container("web").logs(LogsOptions::new().tail(10)).await?;
/// while let Some(piece) = logs.try_next().await? {
///     print!("{piece}");
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct LogStream {
    /// The answer's body, as the operation's byte stream gives it.
    body: BoxStream<'static, Result<Bytes>>,
    demuxer: Demuxer,
    mode: Mode,
    /// The body failed: what the demuxer holds comes out first, then this.
    failed: Option<Error>,
    done: bool,
    /// Ends the stream when ready, for follows the daemon never ends itself
    /// (a removed service's).
    end: Option<BoxFuture<'static, ()>>,
}

/// A frame's payload up to this long comes out in one piece.
const WHOLE_FRAME_MAX: usize = 32 * 1024;

impl LogStream {
    /// The log in the answer of a logs operation: raw or multiplexed as the
    /// answer's `Content-Type` says (API 1.42 and later), else as `fallback`
    /// says (the TTY setting of the container or service).
    pub(crate) async fn from_answer(
        docker: &crate::Docker,
        answer: wharf_api::ResponseValue<wharf_api::ByteStream>,
        fallback: Mode,
    ) -> Result<LogStream> {
        let version = docker.api_version().await?;
        let content_type = answer
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let mode = Mode::from_content_type(content_type, version, fallback);
        Ok(LogStream::new(
            crate::stream::body(answer.into_inner()),
            mode,
        ))
    }

    pub(super) fn new(body: BoxStream<'static, Result<Bytes>>, mode: Mode) -> LogStream {
        LogStream {
            body,
            demuxer: Demuxer::new(mode).whole_frames_up_to(WHOLE_FRAME_MAX),
            mode,
            failed: None,
            done: false,
            end: None,
        }
    }

    /// Whether the logs are multiplexed (no TTY) or raw (TTY).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let logs = docker.container("web").logs(Default::default()).await?;
    /// println!("{:?}", logs.mode());
    /// # Ok(())
    /// # }
    /// ```
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Writes the rest of the logs to `stdout` and `stderr` as they
    /// arrive, then flushes both: what `docker logs` does with its output
    /// (Go's `stdcopy.StdCopy`). The same as
    /// [`Output::copy_to`](crate::hijack::Output::copy_to) for attach and
    /// exec.
    ///
    /// Stdout and stdin frames, and raw (TTY) output, go to `stdout`;
    /// stderr frames to `stderr`. Frames are written straight from the
    /// bytes received, without making a [`LogOutput`] for each, so this is
    /// the cheapest way to move a log somewhere else. Wrap a writer that
    /// makes a system call per write (a file, the process's stdout) in a
    /// [`BufWriter`](tokio::io::BufWriter): each frame is one write.
    ///
    /// Daemon error frames (`Error grabbing logs: ...`) do not stop the
    /// copy, since output can follow them: once everything else is
    /// written, they are returned as an error of kind
    /// [`Server`](crate::ErrorKind::Server) with their text as its
    /// [`message`](Error::message). A failed write is an error of kind
    /// [`Io`](crate::ErrorKind::Io) and stops the copy. When the stream itself
    /// fails (a connection cut, a malformed frame), what came before is
    /// written and flushed, then its error is returned.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use tokio::io::BufWriter;
    /// use wharf::container::LogsOptions;
    ///
    /// let logs = docker.container("web").logs(LogsOptions::new()).await?;
    /// let mut out = BufWriter::new(tokio::io::stdout());
    /// let mut err = BufWriter::new(tokio::io::stderr());
    /// let copied = logs.copy_to(&mut out, &mut err).await?;
    /// eprintln!("{} bytes of stdout, {} of stderr", copied.stdout, copied.stderr);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn copy_to<O, E>(mut self, stdout: &mut O, stderr: &mut E) -> Result<Copied>
    where
        O: AsyncWrite + Unpin + ?Sized,
        E: AsyncWrite + Unpin + ?Sized,
    {
        let mut sinks = Sinks::new(stdout, stderr);
        loop {
            // The common case: frames whole in the piece at hand, written
            // from it without a LogOutput each.
            while let Some((channel, payload)) = self.demuxer.peek_whole_frame() {
                sinks.write(channel, payload).await?;
                let len = payload.len();
                self.demuxer.skip_whole_frame(len);
            }
            match std::future::poll_fn(|cx| self.poll_piece(cx)).await {
                Some(Ok(piece)) => sinks.write_piece(&piece).await?,
                Some(Err(e)) => return Err(sinks.fail(e).await),
                None => return sinks.finish().await,
            }
        }
    }

    /// The next piece: from the demuxer, reading more of the body as it
    /// needs.
    /// Ends the stream, after what it has already received, once `end` is
    /// ready.
    pub(crate) fn end_when(mut self, end: BoxFuture<'static, ()>) -> LogStream {
        self.end = Some(end);
        self
    }

    fn poll_piece(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<LogOutput>>> {
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            if let Some(end) = &mut self.end {
                if end.poll_unpin(cx).is_ready() {
                    self.end = None;
                    self.demuxer.finish();
                }
            }
            match self.demuxer.next() {
                Some(Ok(piece)) => return Poll::Ready(Some(Ok(piece))),
                Some(Err(e)) => {
                    self.done = true;
                    // After a failed body, the frame it cut short is its
                    // error's doing.
                    let e = self
                        .failed
                        .take()
                        .unwrap_or_else(|| stream_error::<Error>(StreamError::Demux(e)));
                    return Poll::Ready(Some(Err(e)));
                }
                None if self.demuxer.is_finished() => {
                    self.done = true;
                    return Poll::Ready(self.failed.take().map(Err));
                }
                None => {}
            }
            match ready!(self.body.poll_next_unpin(cx)) {
                Some(Ok(chunk)) => self.demuxer.push(chunk),
                // What the demuxer holds (a frame being gathered) comes
                // out before the error.
                Some(Err(e)) => {
                    self.failed = Some(e);
                    self.demuxer.finish();
                }
                None => self.demuxer.finish(),
            }
        }
    }
}

impl Stream for LogStream {
    type Item = Result<LogOutput>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(piece) = this.demuxer.next_whole_frame() {
            return Poll::Ready(Some(Ok(piece)));
        }
        this.poll_piece(cx)
    }
}

impl fmt::Debug for LogStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogStream")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl Container {
    /// The container's logs (`json-file`, `local` or `journald` log drivers).
    ///
    /// The output is raw when the container has a TTY: the response's
    /// `Content-Type` says so for API 1.42 and later; for older versions the
    /// container is inspected once to find out.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use wharf::container::LogsOptions;
    /// use wharf::stream::LogOutput;
    ///
    /// let mut logs = docker.container("web").logs(LogsOptions::new().follow(true)).await?;
    /// while let Some(piece) = logs.try_next().await? {
    ///     match piece {
    ///         LogOutput::Stderr(b) => eprint!("{}", String::from_utf8_lossy(&b)),
    ///         other => print!("{other}"),
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn logs(&self, options: LogsOptions) -> Result<LogStream> {
        if let Some(e) = &options.error {
            return Err(Error::invalid_argument(e.clone()));
        }
        let fallback = self.stream_mode_fallback().await?;
        let api = self.docker().generated().await?;
        let tail = options.tail_query();
        let call = api.container_logs(
            self.name()?,
            Some(options.follow),
            options.since.as_deref(),
            Some(options.stderr),
            Some(options.stdout),
            tail.as_deref(),
            Some(options.timestamps),
            options.until.as_deref(),
        );
        // A log can be long, and a followed one never ends: the operation
        // streams, so no total limit applies, only the client's stream idle
        // timeout if it has one.
        let answer = self.docker().call_response(Timeout::Default, call).await?;
        LogStream::from_answer(self.docker(), answer, fallback).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times_are_sent_to_the_nanosecond() {
        let t = UNIX_EPOCH + Duration::new(1_700_000_000, 5_000);
        let options = LogsOptions::new().since_time(t).until_time(t);
        assert_eq!(options.since.as_deref(), Some("1700000000.000005000"));
        assert_eq!(options.until.as_deref(), Some("1700000000.000005000"));
        let early = UNIX_EPOCH - Duration::from_secs(1);
        let options = LogsOptions::new().until_time(early);
        assert!(options.error.unwrap().contains("before 1970"));
    }
}
