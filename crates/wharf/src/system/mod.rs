//! The engine as a whole: [`Docker::info`], [`Docker::version`], disk usage
//! ([`Docker::df`]), [`Docker::system_prune`], and plugins (distribution inspect, with credentials, is [`crate::Image::distribution`]).
//! [`Docker::ping`](crate::Docker::ping) and [`Docker::events`](crate::Docker::events)
//! are in [`client`](crate::client) and [`events`](crate::events).
//!
//! ```no_run
//! # async fn run() -> wharf::Result<()> {
//! use wharf::system::SystemPruneOptions;
//! use wharf::Filters;
//!
//! let docker = wharf::Docker::connect()?;
//! let info = docker.info().await?;
//! println!("{:?} containers, storage driver {:?}", info.containers, info.driver);
//! let version = docker.version().await?;
//! println!("engine {:?}, API {:?}", version.version, version.api_version);
//! let df = docker.df().await?;
//! println!("{} images, {} volumes", df.images.len(), df.volumes.len());
//! // `docker system prune --volumes --filter label=app=demo`
//! let options = SystemPruneOptions::new()
//!     .filters(Filters::new().label("app=demo"))
//!     .volumes(true);
//! let pruned = docker.system_prune(&options).await?;
//! println!("{} bytes freed", pruned.space_reclaimed());
//! # Ok(())
//! # }
//! ```
//!
//! Each call is the Engine API operation of the generated client; the system prune is one
//! prune operation per kind of object, as the docker CLI does it.

use wharf_api::types::{Plugin, SystemInfo, SystemVersion};

use crate::error::Result;
use crate::filters::Filters;
use crate::{Docker, Timeout};

mod df;
mod prune;

pub use df::DfOptions;
pub use prune::{SystemPruneOptions, SystemPruned};

impl Docker {
    /// What the engine says of itself (`GET /info`): containers and images counted,
    /// storage and logging drivers, kernel, security options, swarm state, warnings.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let info = docker.info().await?;
    /// for w in &info.warnings {
    ///     eprintln!("engine warning: {w}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn info(&self) -> Result<SystemInfo> {
        let api = self.generated().await?;
        self.call(Timeout::Default, api.system_info()).await
    }

    /// The engine's version and its components' (`GET /version`), and the API versions
    /// it speaks (`ApiVersion`, `MinAPIVersion`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let v = docker.version().await?;
    /// println!("{:?} {:?} on {:?}", v.version, v.api_version, v.os);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn version(&self) -> Result<SystemVersion> {
        let api = self.generated().await?;
        self.call(Timeout::Default, api.system_version()).await
    }

    /// The installed plugins matching `filters` (`capability`, `enabled`; empty: all):
    /// `GET /plugins`.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// for p in docker.plugins(&wharf::Filters::new()).await? {
    ///     println!("{} enabled={}", p.name, p.enabled);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn plugins(&self, filters: &Filters) -> Result<Vec<Plugin>> {
        let api = self.generated().await?;
        let filters = filters.query();
        self.call(Timeout::Default, api.plugin_list(filters.as_deref()))
            .await
    }
}
