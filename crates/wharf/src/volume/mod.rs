//! Volumes: [`Docker::volumes`] for the collection (list, create, prune) and
//! [`Docker::volume`] for one volume (inspect, remove, and the mounts of a container spec).
//!
//! ```no_run
//! # async fn run() -> wharf::Result<()> {
//! use wharf::container::{ContainerSpec, HostSpec};
//! use wharf::volume::VolumeSpec;
//! use wharf::Docker;
//!
//! let docker = Docker::connect()?;
//! let data = docker
//!     .volumes()
//!     .create(&VolumeSpec::new().name("data").label("app", "demo"))
//!     .await?
//!     .volume;
//! // mounted read-write at /data, read-only at /seed
//! let spec = ContainerSpec::new("alpine:3.20")
//!     .cmd(["sh", "-c", "echo hi > /data/greeting"])
//!     .host(HostSpec::new().mount(data.mount("/data")).mount(data.mount_read_only("/seed")));
//! let writer = docker.containers().run(&spec).await?.container;
//! writer.wait().await?;
//! writer.remove().await?;
//! data.remove().await?;
//! # Ok(())
//! # }
//! ```
//!
//! Removing a volume a container uses is an [`ErrorKind::Conflict`] carrying the daemon's
//! message (it names the containers). Creating a volume of a name that exists is not an
//! error: the engine answers with the volume there is.
//!
//! [`ErrorKind::Conflict`]: crate::ErrorKind::Conflict

use wharf_api::types;

use crate::error::Result;
use crate::{Docker, Timeout};

mod list;
mod mount;
mod spec;

pub use list::PruneOptions;
pub use spec::VolumeSpec;

/// The volumes of an engine: list, create, prune.
///
/// ```no_run
/// # fn run(docker: wharf::Docker) {
/// let volumes = docker.volumes();
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Volumes {
    docker: Docker,
}

/// One volume, by name. Creating the handle does not talk to the engine.
///
/// ```no_run
/// # fn run(docker: wharf::Docker) {
/// let data = docker.volume("data");
/// assert_eq!(data.name(), "data");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Volume {
    docker: Docker,
    name: String,
}

/// A volume just created: the handle and what the engine says of it.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// let created = docker.volumes().create(&Default::default()).await?;
/// println!("{} at {}", created.volume.name(), created.details.mountpoint);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Created {
    /// The new volume, by name (a generated one for an anonymous volume).
    pub volume: Volume,
    /// Its driver, mount point, labels and options.
    pub details: types::Volume,
}

impl Docker {
    /// The volumes of this engine.
    ///
    /// ```no_run
    /// # fn run(docker: wharf::Docker) {
    /// let volumes = docker.volumes();
    /// # }
    /// ```
    pub fn volumes(&self) -> Volumes {
        Volumes {
            docker: self.clone(),
        }
    }

    /// The volume named `name`.
    ///
    /// ```no_run
    /// # fn run(docker: wharf::Docker) {
    /// let data = docker.volume("data");
    /// # }
    /// ```
    pub fn volume(&self, name: impl Into<String>) -> Volume {
        Volume {
            docker: self.clone(),
            name: name.into(),
        }
    }
}

impl Volumes {
    /// Creates a volume (`POST /volumes/create`); with no name, an anonymous one.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::volume::VolumeSpec;
    ///
    /// let tmp = VolumeSpec::new()
    ///     .name("scratch")
    ///     .driver_option("type", "tmpfs")
    ///     .driver_option("device", "tmpfs");
    /// let scratch = docker.volumes().create(&tmp).await?.volume;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, spec: &VolumeSpec) -> Result<Created> {
        let body = spec.build();
        let api = self.docker.generated().await?;
        let details = self
            .docker
            .call(Timeout::Default, api.volume_create(&body))
            .await?;
        Ok(Created {
            volume: self.docker.volume(details.name.clone()),
            details,
        })
    }
}

impl Volume {
    /// The volume's name.
    ///
    /// ```no_run
    /// # fn run(docker: wharf::Docker) {
    /// assert_eq!(docker.volume("data").name(), "data");
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The client this belongs to.
    ///
    /// ```no_run
    /// # fn run(docker: wharf::Docker) {
    /// let docker = docker.volume("data").docker().clone();
    /// # }
    /// ```
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// What the engine knows of the volume (`GET /volumes/{name}`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let v = docker.volume("data").inspect().await?;
    /// println!("{} {}", v.driver, v.mountpoint);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn inspect(&self) -> Result<types::Volume> {
        let name = crate::path::name(&self.name)?;
        let api = self.docker.generated().await?;
        self.docker
            .call(Timeout::Default, api.volume_inspect(name))
            .await
    }

    /// Removes the volume (`DELETE /volumes/{name}`). In use by a container it is an
    /// [`ErrorKind::Conflict`](crate::ErrorKind::Conflict) naming the containers.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.volume("data").remove().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove(&self) -> Result<()> {
        self.remove_with(false).await
    }

    /// Removes the volume; `force` also when the volume driver fails to (the volume is
    /// then forgotten by the engine), not when a container uses it.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.volume("data").remove_with(true).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove_with(&self, force: bool) -> Result<()> {
        let name = crate::path::name(&self.name)?;
        let api = self.docker.generated().await?;
        let call = crate::container::bodiless(api.volume_delete(name, force.then_some(true)));
        self.docker.call(Timeout::Default, call).await
    }
}

/// A volume handle is its name, for the builders that take a volume by name
/// (`HostSpec::bind` wants the whole `-v` form: see [`Volume::bind`]).
///
/// ```
/// let docker = wharf::Docker::builder().host("unix:///var/run/docker.sock").build()?;
/// assert_eq!(String::from(&docker.volume("data")), "data");
/// # Ok::<(), wharf::Error>(())
/// ```
impl From<&Volume> for String {
    fn from(volume: &Volume) -> String {
        volume.name.clone()
    }
}
