//! Waiting for a container: [`Container::wait`] and its variants, and how
//! a container exited ([`ExitStatus`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use progenitor_client::{ClientHooks, OperationInfo};
use tokio::sync::oneshot;
use wharf_api::types::{ContainerWaitCondition, ContainerWaitResponse};
use wharf_api::ClientInfo;

use super::Container;
use crate::error::{Error, ErrorKind, Result};
use crate::Timeout;

/// How a container exited, as [`Container::wait`] reports it. A non-zero
/// code is data, not an error.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// let status = docker.container("job").wait().await?;
/// if !status.success() {
///     eprintln!("exit {} {}", status.code, status.error.as_deref().unwrap_or(""));
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExitStatus {
    /// The exit code (`137` after `SIGKILL`).
    pub code: i64,
    /// What went wrong waiting or exiting, if the daemon says (for example
    /// that the container could not be removed).
    pub error: Option<String>,
}

impl ExitStatus {
    /// Exit code 0 and no error.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// assert!(docker.container("job").wait().await?.success());
    /// # Ok(())
    /// # }
    /// ```
    pub fn success(&self) -> bool {
        self.code == 0 && self.error.is_none()
    }
}

impl From<ContainerWaitResponse> for ExitStatus {
    fn from(r: ContainerWaitResponse) -> ExitStatus {
        ExitStatus {
            code: r.status_code,
            error: r.error.and_then(|e| e.message).filter(|m| !m.is_empty()),
        }
    }
}

/// A wait the daemon has registered; [`exit`](PendingWait::exit) for the
/// result. Made by [`Container::begin_wait`].
#[must_use = "the result of a wait comes from PendingWait::exit"]
pub struct PendingWait {
    /// The rest of the wait's operation: reading its answer's body.
    exit: Pin<Box<dyn Future<Output = Result<ExitStatus>> + Send>>,
}

impl fmt::Debug for PendingWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingWait").finish_non_exhaustive()
    }
}

impl PendingWait {
    /// Waits for the condition and returns the exit status.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::api::types::ContainerWaitCondition;
    ///
    /// let job = docker.container("job");
    /// let pending = job.begin_wait(ContainerWaitCondition::NextExit).await?;
    /// job.restart().await?;
    /// println!("{:?}", pending.exit().await?);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn exit(self) -> Result<ExitStatus> {
        self.exit.await
    }
}

/// Sends a wait's request through a client's generated client, as every
/// operation goes, and says when the daemon's answer has begun: moby writes
/// and flushes the head of a wait's answer once the wait is in place, and the
/// body (the exit) only when the condition is met.
struct Registering {
    api: wharf_api::Client,
    registered: Mutex<Option<oneshot::Sender<()>>>,
}

impl wharf_api::Execute for Registering {
    fn execute(
        &self,
        request: reqwest::Request,
        operation: &'static str,
    ) -> wharf_api::ExecuteFuture<'_> {
        Box::pin(async move {
            let info = OperationInfo {
                operation_id: operation,
            };
            let answer = ClientHooks::exec(&self.api, request, &info).await;
            // Only a 2xx answer arrives as a response: an error is the
            // operation's result, not a registered wait.
            if answer.is_ok() {
                let mut registered = self.registered.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(registered) = registered.take() {
                    let _ = registered.send(());
                }
            }
            answer
        })
    }
}

impl Container {
    /// Waits until the container is not running and returns how it exited.
    /// Returns at once for a container that is not running. No timeout
    /// applies.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let status = docker.container("job").wait().await?;
    /// println!("exit code {}", status.code);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait(&self) -> Result<ExitStatus> {
        self.wait_for(ContainerWaitCondition::NotRunning).await
    }

    /// Waits for a condition: `NotRunning`, `NextExit` (the next time it
    /// exits, even if it is not running now) or `Removed`.
    ///
    /// Docker before 23.0 can report exit code 0 when the container is
    /// started again right after the exit it waited for (a restart, a
    /// restart policy): it read the code after the container was running
    /// again (moby issue 39352, fixed in 23.0).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::api::types::ContainerWaitCondition;
    ///
    /// let status = docker.container("job").wait_for(ContainerWaitCondition::Removed).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_for(&self, condition: ContainerWaitCondition) -> Result<ExitStatus> {
        self.begin_wait(condition).await?.exit().await
    }

    /// Registers a wait and returns once the daemon has, so that what the
    /// caller does next (a start, a restart, a removal) cannot be missed.
    /// Docker answers with the headers as soon as the wait is registered;
    /// an engine that does not (such as Podman) returns from this only once
    /// the condition is met, so run it in a task of its own there.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::api::types::ContainerWaitCondition;
    ///
    /// let job = docker.container("job");
    /// let pending = job.begin_wait(ContainerWaitCondition::NextExit).await?;
    /// job.start().await?;
    /// let status = pending.exit().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn begin_wait(&self, condition: ContainerWaitCondition) -> Result<PendingWait> {
        // moby writes and flushes the 200 headers once the wait is in place
        // (api/server/router/container/container_routes.go, postContainersWait):
        // the operation runs through an executor that says when they came.
        let name = self.name()?.to_owned();
        let api = self.docker.generated().await?;
        let (registered, answered) = oneshot::channel();
        let waiter = wharf_api::Client::new_with_client(
            api.baseurl(),
            api.client().clone(),
            wharf_api::Executor::new(Arc::new(Registering {
                api: api.clone(),
                registered: Mutex::new(Some(registered)),
            })),
        );
        let docker = self.docker.clone();
        let mut exit: Pin<Box<dyn Future<Output = Result<ExitStatus>> + Send>> =
            Box::pin(async move {
                let call = waiter.container_wait(&name, Some(condition));
                let status: ContainerWaitResponse = docker.call(Timeout::Unlimited, call).await?;
                Ok(status.into())
            });
        // answered at once (not running) or failed, else registered
        let mut answered = answered;
        let first = std::future::poll_fn(|cx| {
            if let std::task::Poll::Ready(status) = exit.as_mut().poll(cx) {
                return std::task::Poll::Ready(Some(status));
            }
            Pin::new(&mut answered).poll(cx).map(|_| None)
        })
        .await;
        match first {
            Some(status) => {
                let status = status?;
                Ok(PendingWait {
                    exit: Box::pin(std::future::ready(Ok(status))),
                })
            }
            None => Ok(PendingWait { exit }),
        }
    }

    /// Like [`wait`](Container::wait), giving up after `limit`: then an
    /// error of kind [`Timeout`](ErrorKind::Timeout), and the container is
    /// left as it is (docker-py's `wait(timeout=)`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use std::time::Duration;
    ///
    /// match docker.container("job").wait_timeout(Duration::from_secs(30)).await {
    ///     Ok(status) => println!("exit code {}", status.code),
    ///     Err(e) if e.kind() == wharf::ErrorKind::Timeout => println!("still running"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_timeout(&self, limit: Duration) -> Result<ExitStatus> {
        match tokio::time::timeout(limit, self.wait()).await {
            Ok(status) => status,
            Err(_) => Err(Error::new(ErrorKind::Timeout).with_detail(format!(
                "the container {} did not stop within {limit:?}",
                self.id()
            ))),
        }
    }
}
