//! `GET /containers/{id}/stats`: resource usage, once or as a stream.

use std::fmt;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;

use crate::api::types::{ContainerCpuStats, ContainerStatsResponse};
use crate::client::DEFAULT_TIMEOUT;
use crate::error::{Error, Result};
use crate::hijack::stream_error;
use crate::stream::{JsonLines, StreamError};
use crate::{Container, Timeout};

/// A stream of a container's resource usage, one sample about every second,
/// made by [`Container::stats_stream`]. It ends when the container stops.
///
/// Each sample's `precpu_stats` is the previous sample's `cpu_stats`, so
/// that [`Usage::of`](super::Usage::of) gives the CPU use between the two:
/// the daemon fills it in (Docker), and where it does not (an engine that
/// leaves it empty), the stream does from the sample before.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// use futures_util::TryStreamExt;
///
/// let mut stats = docker.container("web").stats_stream().await?;
/// while let Some(sample) = stats.try_next().await? {
///     println!("{:?}", sample.memory_stats.and_then(|m| m.usage));
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct StatsStream {
    inner: JsonLines<BoxStream<'static, Result<Bytes>>, ContainerStatsResponse>,
    /// The CPU figures of the sample before.
    previous: Option<ContainerCpuStats>,
}

impl Stream for StatsStream {
    type Item = Result<ContainerStatsResponse>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = ready!(self.inner.poll_next_unpin(cx));
        let Some(Ok(mut sample)) = next else {
            return Poll::Ready(next.map(|item| item.map_err(json_lines_error)));
        };
        let empty = |s: &Option<ContainerCpuStats>| {
            s.as_ref().and_then(|s| s.system_cpu_usage).unwrap_or(0) == 0
        };
        if empty(&sample.precpu_stats) && !empty(&self.previous) {
            sample.precpu_stats = self.previous.clone();
        }
        self.previous = sample.cpu_stats.clone();
        Poll::Ready(Some(Ok(sample)))
    }
}

impl fmt::Debug for StatsStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatsStream").finish_non_exhaustive()
    }
}

/// A JSON-lines stream's error as wharf's: the body's own errors as they
/// are, format errors as decode errors.
pub(crate) fn json_lines_error(e: StreamError<crate::Error>) -> crate::Error {
    match e {
        StreamError::Transport(e) => e,
        other => stream_error(other),
    }
}

impl Container {
    /// One sample of the container's resource usage (`stream=false`,
    /// `one-shot=true`: without waiting a second for a CPU delta, so
    /// `precpu_stats` is empty). The call, answer included, is limited to
    /// [`DEFAULT_TIMEOUT`].
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let stats = docker.container("web").stats().await?;
    /// println!("{:?}", stats.pids_stats.and_then(|p| p.current));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stats(&self) -> Result<ContainerStatsResponse> {
        let api = self.docker().generated().await?;
        let call = api.container_stats(self.name()?, Some(true), Some(false));
        // The operation streams (its default limit is the stream idle
        // limit); one sample is an ordinary call.
        let body = self
            .docker()
            .call(Timeout::Total(DEFAULT_TIMEOUT), call)
            .await?;
        let json = crate::stream::collect(crate::stream::body(body)).await?;
        wharf_api::from_json(&json).map_err(|e| {
            Error::decode(
                format!("cannot decode the answer as ContainerStatsResponse: {e}"),
                e,
            )
        })
    }

    /// The container's resource usage as a stream of samples.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::StreamExt;
    ///
    /// let first_two: Vec<_> = docker.container("web").stats_stream().await?.take(2).collect().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stats_stream(&self) -> Result<StatsStream> {
        let api = self.docker().generated().await?;
        let call = api.container_stats(self.name()?, None, Some(true));
        let body = self.docker().call(Timeout::Default, call).await?;
        Ok(StatsStream {
            inner: JsonLines::new(crate::stream::body(body)),
            previous: None,
        })
    }
}
