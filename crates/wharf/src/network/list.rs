//! Listing, inspecting and pruning networks.

use wharf_api::types::{Network as NetworkInspect, NetworkPruneResponse};

use super::{Network, Networks};
use crate::error::Result;
use crate::filters::Filters;
use crate::Timeout;

/// How to inspect a network, for [`Network::inspect_with`].
///
/// ```
/// let options = wharf::network::InspectOptions::new().verbose(true).scope("swarm");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct InspectOptions {
    verbose: bool,
    scope: Option<String>,
}

impl InspectOptions {
    /// The network as the local engine sees it.
    ///
    /// ```
    /// let options = wharf::network::InspectOptions::new();
    /// ```
    pub fn new() -> InspectOptions {
        InspectOptions::default()
    }

    /// Also the services and tasks of a swarm network across the cluster (`verbose`).
    ///
    /// ```
    /// let options = wharf::network::InspectOptions::new().verbose(true);
    /// ```
    pub fn verbose(mut self, verbose: bool) -> InspectOptions {
        self.verbose = verbose;
        self
    }

    /// Only a network of this scope: `local`, `swarm` or `global` (`scope`).
    ///
    /// ```
    /// let options = wharf::network::InspectOptions::new().scope("local");
    /// ```
    pub fn scope(mut self, scope: impl Into<String>) -> InspectOptions {
        self.scope = Some(scope.into());
        self
    }
}

impl Networks {
    /// Lists networks (`GET /networks`) matching `filters` (`dangling`, `driver`, `id`,
    /// `label`, `name`, `scope`, `type`; empty: all).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::Filters;
    ///
    /// for n in docker.networks().list(&Filters::new().add("driver", "bridge")).await? {
    ///     println!("{:?} {:?}", n.name, n.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, filters: &Filters) -> Result<Vec<NetworkInspect>> {
        let api = self.docker.generated().await?;
        let filters = filters.query();
        self.docker
            .call(Timeout::Default, api.network_list(filters.as_deref()))
            .await
    }

    /// Removes the networks no container uses that match `filters` (`until`, `label`,
    /// `label!`; empty: every unused network) and reports which went.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::Filters;
    ///
    /// let pruned = docker.networks().prune(&Filters::new().label("app=demo")).await?;
    /// println!("removed {:?}", pruned.networks_deleted);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn prune(&self, filters: &Filters) -> Result<NetworkPruneResponse> {
        let api = self.docker.generated().await?;
        let filters = filters.query();
        self.docker
            .call(Timeout::Default, api.network_prune(filters.as_deref()))
            .await
    }
}

impl Network {
    /// [`inspect`](Network::inspect) with options (`GET /networks/{id}?verbose=&scope=`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::network::InspectOptions;
    ///
    /// let net = docker.network("mesh").inspect_with(&InspectOptions::new().verbose(true)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn inspect_with(&self, options: &InspectOptions) -> Result<NetworkInspect> {
        let name = crate::path::name(&self.id)?;
        let api = self.docker.generated().await?;
        let call = api.network_inspect(
            name,
            options.scope.as_deref(),
            options.verbose.then_some(true),
        );
        self.docker.call(Timeout::Default, call).await
    }
}
