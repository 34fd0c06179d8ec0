//! Networks: [`Docker::networks`] for the collection (list, create, prune) and
//! [`Docker::network`] for one network (inspect, connect, disconnect, remove).
//!
//! ```no_run
//! # async fn run() -> wharf::Result<()> {
//! use wharf::container::{ContainerSpec, HostSpec};
//! use wharf::network::{EndpointSpec, IpamPool, NetworkSpec};
//! use wharf::Docker;
//!
//! let docker = Docker::connect()?;
//! let backend = docker
//!     .networks()
//!     .create(
//!         &NetworkSpec::new("backend")
//!             .label("app", "demo")
//!             .pool(IpamPool::new("10.231.7.0/24").gateway("10.231.7.1")),
//!     )
//!     .await?
//!     .network;
//! // A container joins it when created (by the handle, or by name) ...
//! let spec = ContainerSpec::new("alpine:3.20")
//!     .network(&backend, ["db"])
//!     .host(HostSpec::new().network_mode(&backend));
//! let db = docker.containers().run(&spec).await?.container;
//! // ... or later, with a fixed address.
//! let web = docker.container("web");
//! backend
//!     .connect(&web, &EndpointSpec::new().alias("www").ipv4("10.231.7.10"))
//!     .await?;
//! backend.disconnect(&web, false).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Each call is the Engine API operation of the generated client, with the generated
//! types of [`wharf::api::types`](crate::api::types) as its answer. Errors users meet
//! here come typed, with the daemon's message: removing a network that has containers
//! attached and creating a name that exists are [`ErrorKind::Conflict`], an address
//! outside the network's subnets is [`ErrorKind::InvalidArgument`], on Docker and Podman
//! alike (their statuses differ; see `ErrorKind` mapping in the crate's error module).
//! Docker 20.10 (API 1.41) creates a second network of a name that exists unless the
//! request says `CheckDuplicate`, which the v1.51 body no longer has (the daemon checks
//! always since API 1.44): there, [`Created::warning`] says so.
//!
//! [`ErrorKind::Conflict`]: crate::ErrorKind::Conflict
//! [`ErrorKind::InvalidArgument`]: crate::ErrorKind::InvalidArgument

use wharf_api::types;

use crate::error::Result;
use crate::{Container, Docker, Timeout};

mod endpoint;
mod list;
mod spec;

pub use endpoint::EndpointSpec;
pub use list::InspectOptions;
pub use spec::{IpamPool, NetworkSpec};

/// The networks of an engine: list, create, prune.
///
/// ```no_run
/// # fn run(docker: wharf::Docker) {
/// let networks = docker.networks();
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Networks {
    docker: Docker,
}

/// One network, by id or name. Creating the handle does not talk to the engine.
///
/// A `&Network` goes wherever a network name does: [`ContainerSpec::network`],
/// [`HostSpec::network_mode`].
///
/// ```
/// use wharf::container::{ContainerSpec, HostSpec};
///
/// let docker = wharf::Docker::builder().host("unix:///var/run/docker.sock").build()?;
/// let backend = docker.network("backend");
/// let body = ContainerSpec::new("alpine").network(&backend, ["db"]).build()?;
/// assert!(body.networking_config.unwrap().endpoints_config.contains_key("backend"));
/// let host = HostSpec::new().network_mode(&backend).build()?;
/// assert_eq!(host.network_mode.as_deref(), Some("backend"));
/// # Ok::<(), wharf::Error>(())
/// ```
///
/// [`ContainerSpec::network`]: crate::container::ContainerSpec::network
/// [`HostSpec::network_mode`]: crate::container::HostSpec::network_mode
#[derive(Clone, Debug)]
pub struct Network {
    docker: Docker,
    id: String,
}

/// A network just created, with the daemon's warning.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// use wharf::network::NetworkSpec;
///
/// let created = docker.networks().create(&NetworkSpec::new("backend")).await?;
/// if let Some(w) = &created.warning {
///     eprintln!("warning: {w}");
/// }
/// println!("{}", created.network.id());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Created {
    /// The new network, by id.
    pub network: Network,
    /// What the daemon warned about (Docker 20.10: a network of that name exists already).
    pub warning: Option<String>,
}

impl Docker {
    /// The networks of this engine.
    ///
    /// ```no_run
    /// # fn run(docker: wharf::Docker) {
    /// let networks = docker.networks();
    /// # }
    /// ```
    pub fn networks(&self) -> Networks {
        Networks {
            docker: self.clone(),
        }
    }

    /// The network with this id or name.
    ///
    /// ```no_run
    /// # fn run(docker: wharf::Docker) {
    /// let backend = docker.network("backend");
    /// assert_eq!(backend.id(), "backend");
    /// # }
    /// ```
    pub fn network(&self, id_or_name: impl Into<String>) -> Network {
        Network {
            docker: self.clone(),
            id: id_or_name.into(),
        }
    }
}

impl Networks {
    /// Creates a network (`POST /networks/create`). A name that exists is an
    /// [`ErrorKind::Conflict`](crate::ErrorKind::Conflict) (except on Docker 20.10, see the
    /// [module docs](self)).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::network::NetworkSpec;
    ///
    /// let isolated = docker.networks().create(&NetworkSpec::new("isolated").internal(true)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, spec: &NetworkSpec) -> Result<Created> {
        let body = spec.build();
        let api = self.docker.generated().await?;
        let created = self
            .docker
            .call(Timeout::Default, api.network_create(&body))
            .await?;
        Ok(Created {
            network: self.docker.network(created.id),
            warning: Some(created.warning).filter(|w| !w.is_empty()),
        })
    }
}

impl Network {
    /// The id or name the handle was made with.
    ///
    /// ```no_run
    /// # fn run(docker: wharf::Docker) {
    /// assert_eq!(docker.network("backend").id(), "backend");
    /// # }
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The client this belongs to.
    ///
    /// ```no_run
    /// # fn run(docker: wharf::Docker) {
    /// let docker = docker.network("backend").docker().clone();
    /// # }
    /// ```
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// What the engine knows of the network (`GET /networks/{id}`): driver, IPAM
    /// configuration, the containers attached and their addresses.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let net = docker.network("backend").inspect().await?;
    /// for (id, c) in &net.containers {
    ///     println!("{id}: {:?}", c.i_pv4_address);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn inspect(&self) -> Result<types::Network> {
        self.inspect_with(&InspectOptions::new()).await
    }

    /// Removes the network (`DELETE /networks/{id}`). With containers attached it is an
    /// [`ErrorKind::Conflict`](crate::ErrorKind::Conflict) carrying the daemon's message.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.network("backend").remove().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove(&self) -> Result<()> {
        let name = crate::path::name(&self.id)?;
        let api = self.docker.generated().await?;
        let call = crate::container::bodiless(api.network_delete(name));
        self.docker.call(Timeout::Default, call).await
    }
}

/// A network handle is its id or name, for the builders that take a network by name.
///
/// ```
/// let docker = wharf::Docker::builder().host("unix:///var/run/docker.sock").build()?;
/// assert_eq!(String::from(&docker.network("backend")), "backend");
/// # Ok::<(), wharf::Error>(())
/// ```
impl From<&Network> for String {
    fn from(network: &Network) -> String {
        network.id.clone()
    }
}

/// A container handle is its id or name, for [`Network::connect`] and
/// [`Network::disconnect`].
///
/// ```
/// let docker = wharf::Docker::builder().host("unix:///var/run/docker.sock").build()?;
/// assert_eq!(String::from(&docker.container("web")), "web");
/// # Ok::<(), wharf::Error>(())
/// ```
impl From<&Container> for String {
    fn from(container: &Container) -> String {
        container.id().to_owned()
    }
}
