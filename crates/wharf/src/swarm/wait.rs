//! Waiting for a service's tasks: [`Service::wait_running`], [`Service::wait_for`].
//!
//! The swarm answers a create or an update at once and converges afterwards; these
//! poll the service's tasks (every 250 ms, [`POLL`]) until they are as wanted, a
//! task fails, or the time is up.

use std::collections::HashSet;
use std::time::Duration;

use wharf_api::types::{self, TaskState};

use super::Service;
use crate::error::{Error, ErrorKind, Result};
use crate::filters::Filters;

/// How often the waits ([`Service::wait_running`], [`Service::wait_for`]) list
/// the service's tasks.
///
/// ```
/// assert_eq!(wharf::swarm::POLL, std::time::Duration::from_millis(250));
/// ```
pub const POLL: Duration = Duration::from_millis(250);

impl Service {
    /// Waits until the service runs as many tasks as it wants (its replicas; for a
    /// global service, every task it wants running) and returns them.
    ///
    /// A task that fails or is rejected during the wait ends it with an error of
    /// kind [`TaskFailed`](ErrorKind::TaskFailed) whose [`message`](Error::message)
    /// is the task's error ("No such image: ...", "task: non-zero exit (1)"); the
    /// time running out, with kind [`Timeout`](ErrorKind::Timeout) and the tasks'
    /// states.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use std::time::Duration;
    /// let tasks = docker.service("web").wait_running(Duration::from_secs(60)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_running(&self, timeout: Duration) -> Result<Vec<types::Task>> {
        let wanted = self
            .inspect()
            .await?
            .spec
            .and_then(|s| s.mode)
            .and_then(|m| {
                m.replicated
                    .and_then(|r| r.replicas)
                    .and_then(|n| usize::try_from(n).ok())
            });
        self.wait_for(timeout, |tasks| {
            let current: Vec<&types::Task> = tasks
                .iter()
                .filter(|t| t.desired_state == Some(TaskState::Running))
                .collect();
            let running = current
                .iter()
                .filter(|t| state(t) == Some(&TaskState::Running));
            let enough = match wanted {
                Some(n) => running.count() == n && current.len() == n,
                None => !current.is_empty() && running.count() == current.len(),
            };
            enough.then(|| current.into_iter().cloned().collect())
        })
        .await
    }

    /// Waits until `check`, given all of the service's tasks (every desired state),
    /// returns something, and returns it. Tasks failing during the wait end it as
    /// in [`wait_running`](Service::wait_running).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use std::time::Duration;
    /// use wharf::swarm::TaskState;
    ///
    /// // wait until a task is pending, and say why
    /// let why = docker
    ///     .service("web")
    ///     .wait_for(Duration::from_secs(30), |tasks| {
    ///         tasks.iter().find_map(|t| {
    ///             let s = t.status.as_ref()?;
    ///             (s.state == Some(TaskState::Pending)).then(|| s.err.clone().unwrap_or_default())
    ///         })
    ///     })
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_for<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&[types::Task]) -> Option<T>,
    ) -> Result<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        // failures from before the wait are not this wait's
        let mut seen: Option<HashSet<String>> = None;
        loop {
            let tasks = self.tasks(Filters::new()).await?;
            if let Some(done) = check(&tasks) {
                return Ok(done);
            }
            let failed = tasks
                .iter()
                .filter(|t| matches!(state(t), Some(TaskState::Failed | TaskState::Rejected)));
            match &mut seen {
                None => seen = Some(failed.filter_map(|t| t.id.clone()).collect()),
                Some(seen) => {
                    if let Some(task) = failed
                        .into_iter()
                        .find(|t| !t.id.as_ref().is_some_and(|id| seen.contains(id)))
                    {
                        return Err(task_failed(self.id(), task));
                    }
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::timeout(timeout).with_detail(format!(
                    "service {}: tasks {}",
                    self.id(),
                    summary(&tasks)
                )));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

fn state(task: &types::Task) -> Option<&TaskState> {
    task.status.as_ref()?.state.as_ref()
}

/// The error for a task that failed: its error, else its status message.
fn task_failed(service: &str, task: &types::Task) -> Error {
    let status = task.status.clone().unwrap_or_default();
    let message = status
        .err
        .filter(|e| !e.is_empty())
        .or(status.message)
        .unwrap_or_default();
    Error::new(ErrorKind::TaskFailed)
        .with_detail(format!(
            "service {service}: task {} is {}",
            task.id.as_deref().unwrap_or("?"),
            state(task).map_or("?", TaskState::as_str)
        ))
        .with_message(message)
}

/// `running 2, pending 1 ("no suitable node")`, for a timeout's detail.
fn summary(tasks: &[types::Task]) -> String {
    let mut parts: Vec<String> = tasks
        .iter()
        .filter(|t| t.desired_state == Some(TaskState::Running))
        .map(|t| {
            let status = t.status.clone().unwrap_or_default();
            let why = status.err.or(status.message).unwrap_or_default();
            format!("{} ({why})", state(t).map_or("?", TaskState::as_str))
        })
        .collect();
    if parts.is_empty() {
        parts.push("none wanted running".to_owned());
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, desired: TaskState, state: TaskState, err: &str) -> types::Task {
        types::Task {
            id: Some(id.to_owned()),
            desired_state: Some(desired),
            status: Some(types::TaskStatus {
                state: Some(state),
                err: (!err.is_empty()).then(|| err.to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_failed_task_gives_its_error() {
        let t = task(
            "t1",
            TaskState::Shutdown,
            TaskState::Rejected,
            "No such image: x",
        );
        let e = task_failed("web", &t);
        assert_eq!(e.kind(), ErrorKind::TaskFailed);
        assert_eq!(e.message(), Some("No such image: x"));
        assert!(e.to_string().contains("task t1 is rejected"), "{e}");
    }

    #[test]
    fn summary_lists_the_wanted_tasks() {
        let tasks = [
            task(
                "a",
                TaskState::Running,
                TaskState::Pending,
                "no suitable node",
            ),
            task("b", TaskState::Shutdown, TaskState::Complete, ""),
        ];
        assert_eq!(summary(&tasks), "pending (no suitable node)");
    }
}
