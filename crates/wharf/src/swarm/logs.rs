//! Service and task logs: the container log stream
//! ([`LogStream`]), read from
//! `GET /services/{id}/logs` and `GET /tasks/{id}/logs`.
//!
//! Each line of a service's log is one of its tasks'; with
//! [`LogsOptions::details`](crate::container::LogsOptions::details) it starts with
//! that task's context (`com.docker.swarm.node.id=...,com.docker.swarm.service.id=...,com.docker.swarm.task.id=...`).
//! A followed service log ends when the service is removed: the daemon keeps such a
//! follow open (seen with 28.5: swarmkit's log subscription waits for tasks that
//! will never come), so wharf checks, every [`GONE_POLL`], whether the service
//! is still there, and ends the stream once it is not.

use wharf_api::types::TaskSpec;

use super::{Service, Task};
use crate::container::{LogStream, LogsOptions};
use crate::error::Result;
use crate::stream::Mode;
use crate::Timeout;

/// How often a followed service log checks that its service is still there.
///
/// ```
/// assert_eq!(wharf::swarm::logs::GONE_POLL, std::time::Duration::from_secs(1));
/// ```
pub const GONE_POLL: std::time::Duration = std::time::Duration::from_secs(1);

impl Service {
    /// The logs of the service's tasks (`GET /services/{id}/logs`), stdout and
    /// stderr apart, as [`Container::logs`](crate::Container::logs) gives a
    /// container's. `until` does not apply: the operation has no such parameter.
    /// A follow ends once the service is removed (see the [module docs](self)).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use wharf::container::LogsOptions;
    ///
    /// let mut logs = docker.service("web").logs(LogsOptions::new().details(true).follow(true)).await?;
    /// while let Some(piece) = logs.try_next().await? {
    ///     print!("{piece}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn logs(&self, options: LogsOptions) -> Result<LogStream> {
        let spec = async { Ok(self.inspect().await?.spec.and_then(|s| s.task_template)) };
        let fallback = fallback(&self.docker, spec).await?;
        let api = self.docker.generated().await?;
        let (a, tail) = (LogArgs::from(&options), options.tail_query());
        let (name, tail) = (self.name()?, tail.as_deref());
        let call = api.service_logs(name, a.0, a.1, a.2, a.3, a.4, tail, a.5);
        // A streaming operation: no total limit, the client's idle limit if any.
        let answer = self.docker.call_response(Timeout::Default, call).await?;
        let stream = LogStream::from_answer(&self.docker, answer, fallback).await?;
        if !options.is_follow() {
            return Ok(stream);
        }
        // by id: another service may take the name once this one is gone
        let id = self.inspect().await?.id.unwrap_or_else(|| self.id.clone());
        let service = self.docker.service(id);
        Ok(stream.end_when(Box::pin(async move {
            loop {
                tokio::time::sleep(GONE_POLL).await;
                if matches!(service.inspect().await, Err(e) if e.is_not_found()) {
                    return;
                }
            }
        })))
    }
}

impl Task {
    /// The task's logs (`GET /tasks/{id}/logs`), as [`Service::logs`] gives a
    /// service's.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::container::LogsOptions;
    ///
    /// let logs = docker.task("x1y2z3").logs(LogsOptions::new().tail(20)).await?;
    /// let mut out = tokio::io::stdout();
    /// let mut err = tokio::io::stderr();
    /// logs.copy_to(&mut out, &mut err).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn logs(&self, options: LogsOptions) -> Result<LogStream> {
        let spec = async { Ok(self.inspect().await?.spec) };
        let fallback = fallback(&self.docker, spec).await?;
        let api = self.docker.generated().await?;
        let (a, tail) = (LogArgs::from(&options), options.tail_query());
        let (name, tail) = (self.name()?, tail.as_deref());
        let call = api.task_logs(name, a.0, a.1, a.2, a.3, a.4, tail, a.5);
        let answer = self.docker.call_response(Timeout::Default, call).await?;
        LogStream::from_answer(&self.docker, answer, fallback).await
    }
}

/// The parameters of the service and task log operations, in their order around
/// `tail`: `(details, follow, since, stderr, stdout, timestamps)`.
struct LogArgs(
    Option<bool>,
    Option<bool>,
    Option<i64>,
    Option<bool>,
    Option<bool>,
    Option<bool>,
);

impl From<&LogsOptions> for LogArgs {
    fn from(options: &LogsOptions) -> LogArgs {
        let (stdout, stderr, since, timestamps, details) = options.common();
        LogArgs(
            Some(details),
            Some(options.is_follow()),
            since,
            Some(stderr),
            Some(stdout),
            Some(timestamps),
        )
    }
}

/// Before API 1.42 the answer does not say whether the log is raw (the tasks have
/// a TTY) or multiplexed: the task spec that `spec` reads says (read only then).
async fn fallback(
    docker: &crate::Docker,
    spec: impl std::future::Future<Output = Result<Option<TaskSpec>>>,
) -> Result<Mode> {
    if !crate::hijack::needs_fallback(docker.api_version().await?) {
        return Ok(Mode::Multiplexed);
    }
    let tty = spec
        .await?
        .and_then(|t| t.container_spec)
        .and_then(|c| c.tty)
        .unwrap_or(false);
    Ok(Mode::from_tty(tty))
}
