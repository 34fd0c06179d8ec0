//! One container's lifecycle and state: start, stop, restart, kill, pause,
//! rename, update, remove, inspect, and the read-only views (top, changes,
//! ports). Waiting is in `wait.rs`.

use std::future::Future;
use std::time::Duration;

use wharf_api::types::{
    ContainerInspectResponse, ContainerTopResponse, FilesystemChange, PortBinding,
};
use wharf_api::ResponseValue;

use super::spec::port_key;
use super::Container;
use super::Resources;
use crate::client::{ApiResult, DEFAULT_TIMEOUT};
use crate::error::{ErrorKind, Result};
use crate::Timeout;

/// How to stop (or restart) a container, for [`Container::stop_with`] and
/// [`Container::restart_with`].
///
/// ```
/// use std::time::Duration;
/// use wharf::container::StopOptions;
///
/// let options = StopOptions::new().grace(Duration::from_secs(30)).signal("SIGINT");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct StopOptions {
    grace: Option<Duration>,
    signal: Option<String>,
}

impl StopOptions {
    /// The container's own settings (its stop signal and stop timeout, by
    /// default `SIGTERM` and 10 s).
    ///
    /// ```
    /// let options = wharf::container::StopOptions::new();
    /// ```
    pub fn new() -> StopOptions {
        StopOptions::default()
    }

    /// How long to wait after the signal before killing the container
    /// (whole seconds, rounded up; the `t` parameter). The call then gets
    /// [`DEFAULT_TIMEOUT`] plus this grace period as its timeout, whatever
    /// the client's own timeout is, since the daemon answers only once the
    /// container is down.
    ///
    /// ```
    /// let options = wharf::container::StopOptions::new().grace(std::time::Duration::ZERO);
    /// ```
    pub fn grace(mut self, grace: Duration) -> StopOptions {
        self.grace = Some(grace);
        self
    }

    /// The signal to send first, `SIGINT` or `2` (API 1.42 and later).
    ///
    /// ```
    /// let options = wharf::container::StopOptions::new().signal("SIGQUIT");
    /// ```
    pub fn signal(mut self, signal: impl Into<String>) -> StopOptions {
        self.signal = Some(signal.into());
        self
    }

    /// The stop's `t` (whole seconds), if a grace period is set, and the
    /// call's time limit: the call lasts up to the grace period, so
    /// [`DEFAULT_TIMEOUT`] plus that.
    fn t_and_timeout(&self) -> (Option<i64>, Timeout) {
        match self.grace {
            Some(grace) => {
                let secs = grace_seconds(grace);
                let timeout = DEFAULT_TIMEOUT
                    .checked_add(Duration::from_secs(secs))
                    .map_or(Timeout::Unlimited, Timeout::Total);
                // at most i64::MAX / 10^9: it fits
                (Some(secs as i64), timeout)
            }
            None => (None, Timeout::Default),
        }
    }
}

/// The `t` of a stop: whole seconds, rounded up, at most what the daemon can
/// hold. The daemon turns `t` into a Go `time.Duration` (nanoseconds in an
/// int64, about 292 years; moby daemon/stop.go), and a larger value wraps
/// around to a short or negative wait: a grace longer than that is sent as
/// the longest one, which is no limit in practice.
fn grace_seconds(grace: Duration) -> u64 {
    const MAX_SECONDS: u64 = i64::MAX as u64 / 1_000_000_000;
    grace
        .as_secs()
        .saturating_add(u64::from(grace.subsec_nanos() > 0))
        .min(MAX_SECONDS)
}

/// How to remove a container, for [`Container::remove_with`].
///
/// ```
/// let options = wharf::container::RemoveOptions::new().force(true).volumes(true);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct RemoveOptions {
    force: bool,
    volumes: bool,
    link: bool,
}

impl RemoveOptions {
    /// Remove a stopped container, keep its volumes.
    ///
    /// ```
    /// let options = wharf::container::RemoveOptions::new();
    /// ```
    pub fn new() -> RemoveOptions {
        RemoveOptions::default()
    }

    /// Kill the container first if it is running (`force`).
    ///
    /// ```
    /// let options = wharf::container::RemoveOptions::new().force(true);
    /// ```
    pub fn force(mut self, force: bool) -> RemoveOptions {
        self.force = force;
        self
    }

    /// Also remove its anonymous volumes (`v`).
    ///
    /// ```
    /// let options = wharf::container::RemoveOptions::new().volumes(true);
    /// ```
    pub fn volumes(mut self, volumes: bool) -> RemoveOptions {
        self.volumes = volumes;
        self
    }

    /// Remove only the legacy link this names, not the container (`link`).
    ///
    /// ```
    /// let options = wharf::container::RemoveOptions::new().link(true);
    /// ```
    pub fn link(mut self, link: bool) -> RemoveOptions {
        self.link = link;
        self
    }
}

impl Container {
    /// Runs a generated operation whose answer has no body: `Ok(false)` when
    /// the daemon answered `304 Not Modified` (the container was already in
    /// that state), `Ok(true)` otherwise.
    async fn change(
        &self,
        timeout: Timeout,
        call: impl Future<Output = ApiResult<()>>,
    ) -> Result<bool> {
        match self.docker.call(timeout, super::bodiless(call)).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotModified => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Starts the container. `Ok(false)` when it was already running (the
    /// daemon answered `304 Not Modified`), `Ok(true)` when this call
    /// started it.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// if !docker.container("web").start().await? {
    ///     println!("already running");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start(&self) -> Result<bool> {
        let api = self.docker.generated().await?;
        let call = api.container_start(self.name()?, None);
        self.change(Timeout::Default, call).await
    }

    /// Stops the container (its stop signal, then `SIGKILL` after its stop
    /// timeout). `Ok(false)` when it was not running (`304`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.container("web").stop().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stop(&self) -> Result<bool> {
        self.stop_with(&StopOptions::new()).await
    }

    /// Stops the container with another grace period or signal.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use std::time::Duration;
    /// use wharf::container::StopOptions;
    ///
    /// let options = StopOptions::new().grace(Duration::from_secs(1));
    /// docker.container("web").stop_with(&options).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stop_with(&self, options: &StopOptions) -> Result<bool> {
        let api = self.docker.generated().await?;
        let (t, timeout) = options.t_and_timeout();
        let call = api.container_stop(self.name()?, options.signal.as_deref(), t);
        self.change(timeout, call).await
    }

    /// Restarts the container (stopping it first if it runs).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.container("web").restart().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn restart(&self) -> Result<()> {
        self.restart_with(&StopOptions::new()).await
    }

    /// Restarts the container with another grace period or signal for the
    /// stop.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use std::time::Duration;
    /// use wharf::container::StopOptions;
    ///
    /// let now = StopOptions::new().grace(Duration::ZERO);
    /// docker.container("web").restart_with(&now).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn restart_with(&self, options: &StopOptions) -> Result<()> {
        let api = self.docker.generated().await?;
        let (t, timeout) = options.t_and_timeout();
        let call = api.container_restart(self.name()?, options.signal.as_deref(), t);
        self.change(timeout, call).await.map(drop)
    }

    /// Kills the container with `SIGKILL`. A container that is not running
    /// is an [`ErrorKind::Conflict`].
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.container("web").kill().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn kill(&self) -> Result<()> {
        self.signal("SIGKILL").await
    }

    /// Sends a signal (`SIGHUP`, `HUP` or `1`) to the container's main
    /// process.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.container("web").signal("SIGHUP").await?; // reload
    /// # Ok(())
    /// # }
    /// ```
    pub async fn signal(&self, signal: &str) -> Result<()> {
        let api = self.docker.generated().await?;
        let call = api.container_kill(self.name()?, Some(signal));
        self.change(Timeout::Default, call).await.map(drop)
    }

    /// Freezes every process of the container.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.container("web").pause().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn pause(&self) -> Result<()> {
        let api = self.docker.generated().await?;
        let call = api.container_pause(self.name()?);
        self.change(Timeout::Default, call).await.map(drop)
    }

    /// Thaws a paused container.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.container("web").unpause().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn unpause(&self) -> Result<()> {
        let api = self.docker.generated().await?;
        let call = api.container_unpause(self.name()?);
        self.change(Timeout::Default, call).await.map(drop)
    }

    /// Renames the container. This handle keeps the id or name it was made
    /// with: after renaming by name, use `docker.container(new_name)`.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.container("web").rename("web-old").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn rename(&self, new_name: &str) -> Result<()> {
        let api = self.docker.generated().await?;
        let call = api.container_rename(self.name()?, new_name);
        self.change(Timeout::Default, call).await.map(drop)
    }

    /// Changes resources and the restart policy; returns the daemon's
    /// warnings.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::container::Resources;
    ///
    /// docker.container("web").update(&Resources::new().memory("1g").cpuset_cpus("0")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(&self, update: &Resources) -> Result<Vec<String>> {
        let body = update.build()?;
        let api = self.docker.generated().await?;
        let call = api.container_update(self.name()?, &body);
        Ok(self.docker.call(Timeout::Default, call).await?.warnings)
    }

    /// Removes a stopped container (see [`remove_with`](Container::remove_with)
    /// to force).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.container("old").remove().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove(&self) -> Result<()> {
        self.remove_with(&RemoveOptions::new()).await
    }

    /// Removes the container: forcibly, with its volumes, or only a link.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::container::RemoveOptions;
    ///
    /// let options = RemoveOptions::new().force(true).volumes(true);
    /// docker.container("web").remove_with(&options).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove_with(&self, options: &RemoveOptions) -> Result<()> {
        let api = self.docker.generated().await?;
        let call = api.container_delete(
            self.name()?,
            options.force.then_some(true),
            options.link.then_some(true),
            options.volumes.then_some(true),
        );
        self.docker
            .call(Timeout::Default, super::bodiless(call))
            .await
    }

    /// Everything the daemon knows about the container.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let info = docker.container("web").inspect().await?;
    /// let running = info.state.and_then(|s| s.running).unwrap_or(false);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn inspect(&self) -> Result<ContainerInspectResponse> {
        self.inspect_inner(false).await
    }

    /// Like [`inspect`](Container::inspect), also computing the sizes
    /// (`SizeRw`, `SizeRootFs`), which can be slow.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let info = docker.container("web").inspect_with_size().await?;
    /// println!("{:?} bytes written", info.size_rw);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn inspect_with_size(&self) -> Result<ContainerInspectResponse> {
        self.inspect_inner(true).await
    }

    async fn inspect_inner(&self, size: bool) -> Result<ContainerInspectResponse> {
        let api = self.docker.generated().await?;
        let call = api.container_inspect(self.name()?, size.then_some(true));
        self.docker.call(Timeout::Default, call).await
    }

    /// Resizes the container's TTY, in characters.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.container("shell").resize_tty(40, 120).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn resize_tty(&self, height: u16, width: u16) -> Result<()> {
        let api = self.docker.generated().await?;
        let call = api.container_resize(self.name()?, height.into(), width.into());
        self.change(Timeout::Default, call).await.map(drop)
    }

    /// The processes running in the container, as `ps -ef` lists them.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let top = docker.container("web").top().await?;
    /// println!("{:?}", top.titles);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn top(&self) -> Result<ContainerTopResponse> {
        self.top_inner(None).await
    }

    /// The processes, listed by `ps` with these arguments (`aux`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let top = docker.container("web").top_with("aux").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn top_with(&self, ps_args: &str) -> Result<ContainerTopResponse> {
        self.top_inner(Some(ps_args)).await
    }

    async fn top_inner(&self, ps_args: Option<&str>) -> Result<ContainerTopResponse> {
        let api = self.docker.generated().await?;
        let call = api.container_top(self.name()?, ps_args);
        self.docker.call(Timeout::Default, call).await
    }

    /// The files added (`Kind` 1), changed (0) and deleted (2) in the
    /// container's filesystem since it was created.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// for change in docker.container("web").changes().await? {
    ///     println!("{} {}", *change.kind, change.path);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn changes(&self) -> Result<Vec<FilesystemChange>> {
        let api = self.docker.generated().await?;
        let call = api.container_changes(self.name()?);
        let call = async {
            match call.await {
                // A container without changes answers `null`, which the
                // operation's list does not take.
                Err(wharf_api::Error::InvalidResponsePayload(body, _))
                    if body.trim_ascii() == b"null" =>
                {
                    Ok(ResponseValue::new(
                        Vec::new(),
                        reqwest::StatusCode::OK,
                        reqwest::header::HeaderMap::new(),
                    ))
                }
                other => other,
            }
        };
        self.docker.call(Timeout::Default, call).await
    }

    /// The host addresses a container port (`80`, `80/tcp`, `53/udp`) is
    /// published on; empty when it is not published or the container is not
    /// running (docker-py's `port`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// for b in docker.container("web").port("80").await? {
    ///     println!("{}:{}", b.host_ip.unwrap_or_default(), b.host_port.unwrap_or_default());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn port(&self, container_port: &str) -> Result<Vec<PortBinding>> {
        let info = self.inspect().await?;
        let key = port_key(container_port);
        Ok(info
            .network_settings
            .and_then(|n| n.ports)
            .and_then(|ports| ports.0.get(&key).cloned().flatten())
            .unwrap_or_default())
    }
}
