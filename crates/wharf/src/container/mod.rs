//! Containers: [`Docker::containers`] for the collection (list, create, prune, run) and
//! [`Docker::container`] for one container (inspect, start, stop, wait, files, ...).
//!
//! ```no_run
//! # async fn run() -> wharf::Result<()> {
//! use wharf::container::{ContainerSpec, HostSpec, ListOptions, Resources};
//! use wharf::{Docker, Filters};
//!
//! let docker = Docker::connect()?;
//! let spec = ContainerSpec::new("alpine:3.20")
//!     .name("hello")
//!     .cmd(["echo", "hello"])
//!     .label("app", "demo")
//!     .host(HostSpec::new().resources(Resources::new().memory("64m")));
//! let hello = docker.containers().run(&spec).await?.container;
//! let status = hello.wait().await?;
//! println!("exit code {}", status.code);
//!
//! let demo = ListOptions::new().all(true).filters(Filters::new().label("app=demo"));
//! println!("{} demo containers", docker.containers().list(&demo).await?.len());
//! hello.remove().await?;
//! # Ok(())
//! # }
//! ```
//!
//! Each call is the Engine API operation of the generated client
//! ([`Docker::api`]), run over the client's transport (so errors name the
//! method and path, and the client's timeouts apply), with the generated
//! types of [`wharf::api::types`](crate::api::types) as its body and answer.
//! Attach alone, which takes over the connection, is written by hand.
//! A `304 Not Modified` from start or stop is success: those calls return
//! whether they changed anything.
use crate::client::ApiResult;
use crate::Docker;

mod archive;
mod attach;
#[cfg(feature = "websocket")]
mod attach_ws;
mod checkpoint;
mod create;
mod healthcheck;
mod host;
mod lifecycle;
mod list;
mod log_view;
mod logs;
mod mounts;
mod ports;
mod resources;
mod restart;
mod shell;
mod spec;
pub(crate) mod stats;
mod usage;
mod wait;

pub use archive::{Archive, CommitOptions, PathStat, UploadOptions, PATH_STAT_HEADER};
pub use attach::AttachOptions;
#[cfg(feature = "websocket")]
pub use attach_ws::WebsocketAttachOptions;
pub use checkpoint::CheckpointOptions;
pub use create::Created;
pub use healthcheck::Healthcheck;
pub use host::HostSpec;
pub use lifecycle::{RemoveOptions, StopOptions};
pub use list::ListOptions;
pub(crate) use log_view::Collector;
pub use log_view::{CollectedLogs, LogLines, MAX_LINE};
pub use logs::{LogStream, LogsOptions};
pub use mounts::{Bind, Mount};
pub use ports::{HostPort, Publish};
pub use resources::Resources;
pub use restart::Restart;
pub(crate) use spec::set_env;
pub use spec::ContainerSpec;
pub use stats::StatsStream;
pub use usage::Usage;
pub use wait::{ExitStatus, PendingWait};

/// The containers of an engine: list, create, prune, run.
///
/// ```no_run
/// # fn run(docker: wharf::Docker) {
/// let containers = docker.containers();
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Containers {
    docker: Docker,
}

/// One container, by id or name. Creating the handle does not talk to the engine.
///
/// ```no_run
/// # fn run(docker: wharf::Docker) {
/// let web = docker.container("web");
/// assert_eq!(web.id(), "web");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Container {
    docker: Docker,
    id: String,
}

impl Docker {
    /// The containers of this engine.
    ///
    /// ```no_run
    /// # fn run(docker: wharf::Docker) {
    /// let containers = docker.containers();
    /// # }
    /// ```
    pub fn containers(&self) -> Containers {
        Containers {
            docker: self.clone(),
        }
    }

    /// The container with this id or name.
    ///
    /// ```no_run
    /// # fn run(docker: wharf::Docker) {
    /// let web = docker.container("web");
    /// # }
    /// ```
    pub fn container(&self, id: impl Into<String>) -> Container {
        Container {
            docker: self.clone(),
            id: id.into(),
        }
    }
}

impl Containers {
    /// The client this belongs to.
    ///
    /// ```no_run
    /// # fn run(docker: wharf::Docker) {
    /// let docker = docker.containers().docker().clone();
    /// # }
    /// ```
    pub fn docker(&self) -> &Docker {
        &self.docker
    }
}

impl Container {
    /// The id or name the handle was made with.
    ///
    /// ```no_run
    /// # fn run(docker: wharf::Docker) {
    /// assert_eq!(docker.container("web").id(), "web");
    /// # }
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The client this belongs to.
    ///
    /// ```no_run
    /// # fn run(docker: wharf::Docker) {
    /// let docker = docker.container("web").docker().clone();
    /// # }
    /// ```
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// The id as the generated operations take it (they encode it): a
    /// leading `/` dropped, `.`, `..` and the empty id refused.
    pub(crate) fn name(&self) -> crate::Result<&str> {
        crate::path::name(&self.id)
    }

    /// `/containers/{id}/{action}`, the id encoded by
    /// [`crate::path::object`]: the path of the hand-written attach
    /// requests, which the generated client cannot make.
    pub(crate) fn path(&self, action: &str) -> crate::Result<String> {
        crate::path::object("containers", &self.id, action)
    }
}

/// Runs a generated operation whose answer has no body, taking any `2xx`
/// for success, as the daemon means it: the spec lists one status per
/// answer, and engines differ (Podman answers a resize with `201`, not
/// `200`).
pub(crate) async fn bodiless<E>(
    call: impl std::future::Future<Output = ApiResult<(), E>>,
) -> ApiResult<(), E> {
    match call.await {
        Err(wharf_api::Error::UnexpectedResponse(answer)) if answer.status().is_success() => {
            let (status, headers) = (answer.status(), answer.headers().clone());
            // read to its end, so that the connection goes back to the pool
            let _ = answer.bytes().await;
            Ok(wharf_api::ResponseValue::new((), status, headers))
        }
        other => other,
    }
}

/// A boolean query parameter as the daemon reads it.
fn flag(on: bool) -> &'static str {
    if on {
        "1"
    } else {
        "0"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docker() -> Docker {
        Docker::builder().host("tcp://127.0.0.1:1").build().unwrap()
    }

    #[test]
    fn paths_encode_the_id() {
        let d = docker();
        assert_eq!(
            d.container("/web").path("json").unwrap(),
            "/containers/web/json"
        );
        assert_eq!(
            d.container("x/../y?z").path("").unwrap(),
            "/containers/x%2F..%2Fy%3Fz"
        );
        assert!(d.container("..").path("json").is_err());
    }
}
