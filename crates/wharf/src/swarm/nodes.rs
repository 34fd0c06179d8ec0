//! Nodes: list, inspect, update (availability, role, labels), remove.

use wharf_api::types::{self, NodeSpec};

use super::{version_of, Node, Nodes};
use crate::container::bodiless;
use crate::error::Result;
use crate::filters::Filters;
use crate::Timeout;

/// Whether a node takes tasks: `active`, `pause` (keeps its tasks, takes no new
/// ones) or `drain` (its tasks are moved elsewhere).
pub use wharf_api::types::NodeSpecAvailability as Availability;
/// A node's role: `worker` or `manager`.
pub use wharf_api::types::NodeSpecRole as Role;

/// A change to a node ([`Node::update`]): what is not set stays as it is.
///
/// ```
/// use wharf::swarm::{Availability, NodeUpdate};
///
/// let update = NodeUpdate::new().availability(Availability::Drain).label("zone", "a");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct NodeUpdate {
    availability: Option<Availability>,
    role: Option<Role>,
    name: Option<String>,
    add_labels: Vec<(String, String)>,
    remove_labels: Vec<String>,
}

impl NodeUpdate {
    /// No change.
    ///
    /// ```
    /// let update = wharf::swarm::NodeUpdate::new();
    /// ```
    pub fn new() -> NodeUpdate {
        NodeUpdate::default()
    }

    /// Sets the availability.
    ///
    /// ```
    /// use wharf::swarm::{Availability, NodeUpdate};
    /// let update = NodeUpdate::new().availability(Availability::Pause);
    /// ```
    pub fn availability(mut self, availability: Availability) -> NodeUpdate {
        self.availability = Some(availability);
        self
    }

    /// Promotes to manager or demotes to worker.
    ///
    /// ```
    /// use wharf::swarm::{NodeUpdate, Role};
    /// let update = NodeUpdate::new().role(Role::Manager);
    /// ```
    pub fn role(mut self, role: Role) -> NodeUpdate {
        self.role = Some(role);
        self
    }

    /// Sets the node's name (not its hostname).
    ///
    /// ```
    /// let update = wharf::swarm::NodeUpdate::new().name("edge-1");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> NodeUpdate {
        self.name = Some(name.into());
        self
    }

    /// Sets a label (placement constraints read them as `node.labels.KEY`).
    ///
    /// ```
    /// let update = wharf::swarm::NodeUpdate::new().label("zone", "a");
    /// ```
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> NodeUpdate {
        self.add_labels.push((key.into(), value.into()));
        self
    }

    /// Removes a label.
    ///
    /// ```
    /// let update = wharf::swarm::NodeUpdate::new().remove_label("zone");
    /// ```
    pub fn remove_label(mut self, key: impl Into<String>) -> NodeUpdate {
        self.remove_labels.push(key.into());
        self
    }

    /// Applies the change to a node's spec.
    ///
    /// ```
    /// use wharf::swarm::{Availability, NodeUpdate};
    /// let mut spec = wharf::api::types::NodeSpec::default();
    /// NodeUpdate::new().availability(Availability::Drain).label("a", "1").apply(&mut spec);
    /// assert_eq!(spec.availability, Some(Availability::Drain));
    /// assert_eq!(spec.labels["a"], "1");
    /// ```
    pub fn apply(&self, spec: &mut NodeSpec) {
        if let Some(a) = &self.availability {
            spec.availability = Some(a.clone());
        }
        if let Some(r) = &self.role {
            spec.role = Some(r.clone());
        }
        if let Some(n) = &self.name {
            spec.name = Some(n.clone());
        }
        for key in &self.remove_labels {
            spec.labels.remove(key);
        }
        for (k, v) in &self.add_labels {
            spec.labels.insert(k.clone(), v.clone());
        }
    }
}

impl Nodes {
    /// Lists the swarm's nodes (`GET /nodes`), filtered by `id`, `label`,
    /// `membership`, `name`, `node.label`, `role`.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// for node in docker.nodes().list(&wharf::Filters::new()).await? {
    ///     println!("{:?} {:?}", node.id, node.status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, filters: &Filters) -> Result<Vec<types::Node>> {
        let api = self.docker.generated().await?;
        let filters = filters.query();
        let call = api.node_list(filters.as_deref());
        self.docker.call(Timeout::Default, call).await
    }
}

impl Node {
    /// The node id the operations take: the handle's, or for `self` the id of the
    /// node this engine is (from `GET /info`, as the docker CLI resolves `self`:
    /// `cli/command/node/cmd.go`, `Reference`); the daemon knows no node `self`.
    async fn target(&self) -> Result<String> {
        if self.id != "self" {
            return Ok(self.name()?.to_owned());
        }
        let api = self.docker.generated().await?;
        let info = self
            .docker
            .call(Timeout::Default, api.system_info())
            .await?;
        info.swarm
            .and_then(|s| s.node_id)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                crate::Error::new(crate::ErrorKind::Unavailable)
                    .with_detail("node `self`: this engine is not part of a swarm")
            })
    }

    /// The node (`GET /nodes/{id}`): spec, description, status, manager status.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let node = docker.node("self").inspect().await?;
    /// println!("{:?}", node.status.and_then(|s| s.addr));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn inspect(&self) -> Result<types::Node> {
        let api = self.docker.generated().await?;
        let id = self.target().await?;
        let call = api.node_inspect(&id);
        self.docker.call(Timeout::Default, call).await
    }

    /// Changes the node (`POST /nodes/{id}/update`): reads its spec and version,
    /// applies `update`, sends the spec back with that version.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::swarm::{Availability, NodeUpdate};
    /// docker.node("worker-3").update(&NodeUpdate::new().availability(Availability::Drain)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(&self, update: &NodeUpdate) -> Result<()> {
        let current = self.inspect().await?;
        let mut spec = current.spec.unwrap_or_default();
        update.apply(&mut spec);
        let api = self.docker.generated().await?;
        let id = match current.id {
            Some(id) => id,
            None => self.target().await?,
        };
        let call = bodiless(api.node_update(&id, version_of(current.version.as_ref()), &spec));
        self.docker.call(Timeout::Default, call).await
    }

    /// Removes the node from the swarm (`DELETE /nodes/{id}`); `force` removes one
    /// that is still up (a manager must be demoted first).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.node("worker-3").remove(false).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove(&self, force: bool) -> Result<()> {
        let api = self.docker.generated().await?;
        let id = self.target().await?;
        let call = bodiless(api.node_delete(&id, force.then_some(true)));
        self.docker.call(Timeout::Default, call).await
    }
}
