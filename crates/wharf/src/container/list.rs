//! Listing and pruning containers.

use wharf_api::types::{ContainerPruneResponse, ContainerSummary};

use super::Containers;
use crate::error::Result;
use crate::filters::Filters;
use crate::Timeout;

/// What to list, for [`Containers::list`].
///
/// ```
/// use wharf::{container::ListOptions, Filters};
///
/// let options = ListOptions::new()
///     .all(true)
///     .limit(10)
///     .size(true)
///     .filters(Filters::new().label("app=web"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct ListOptions {
    all: bool,
    limit: Option<i64>,
    size: bool,
    filters: Filters,
}

impl ListOptions {
    /// Running containers, no sizes, no filters.
    ///
    /// ```
    /// let options = wharf::container::ListOptions::new();
    /// ```
    pub fn new() -> ListOptions {
        ListOptions::default()
    }

    /// Also stopped (and created, exited, dead) containers.
    ///
    /// ```
    /// let options = wharf::container::ListOptions::new().all(true);
    /// ```
    pub fn all(mut self, all: bool) -> ListOptions {
        self.all = all;
        self
    }

    /// Only the `n` most recently created containers, of every state (the
    /// daemon then lists stopped ones too). The API's `limit`: `0` or a
    /// negative number means no limit (`docker ps -n -1`).
    ///
    /// ```
    /// let options = wharf::container::ListOptions::new().limit(5);
    /// ```
    pub fn limit(mut self, n: i64) -> ListOptions {
        self.limit = Some(n);
        self
    }

    /// Only the most recently created container, of every state (`docker ps
    /// --latest`, which the CLI sends as `limit=1`).
    ///
    /// ```
    /// let options = wharf::container::ListOptions::new().latest();
    /// ```
    pub fn latest(self) -> ListOptions {
        self.limit(1)
    }

    /// Only containers created after this one (id or name), of every state:
    /// the filter `since` (`docker ps --filter since=`; the CLI's old `--since`
    /// flag sent the same filter).
    ///
    /// ```
    /// let options = wharf::container::ListOptions::new().since("web");
    /// ```
    pub fn since(mut self, container: &str) -> ListOptions {
        self.filters = std::mem::take(&mut self.filters).add("since", container);
        self
    }

    /// Only containers created before this one (id or name), of every
    /// state: the filter `before`.
    ///
    /// ```
    /// let options = wharf::container::ListOptions::new().before("web");
    /// ```
    pub fn before(mut self, container: &str) -> ListOptions {
        self.filters = std::mem::take(&mut self.filters).add("before", container);
        self
    }

    /// Also compute `SizeRw` and `SizeRootFs` (slower).
    ///
    /// ```
    /// let options = wharf::container::ListOptions::new().size(true);
    /// ```
    pub fn size(mut self, size: bool) -> ListOptions {
        self.size = size;
        self
    }

    /// Only containers matching these filters, replacing the filters set
    /// so far (`ancestor`, `before`,
    /// `expose`, `exited`, `health`, `id`, `isolation`, `is-task`, `label`,
    /// `name`, `network`, `publish`, `since`, `status`, `volume`).
    ///
    /// ```
    /// use wharf::{container::ListOptions, Filters};
    ///
    /// let options = ListOptions::new().all(true).filters(Filters::new().status("exited"));
    /// ```
    pub fn filters(mut self, filters: Filters) -> ListOptions {
        self.filters = filters;
        self
    }
}

impl Containers {
    /// Lists containers (`GET /containers/json`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::container::ListOptions;
    ///
    /// for c in docker.containers().list(&ListOptions::new().all(true)).await? {
    ///     println!("{:?} {:?}", c.names, c.status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, options: &ListOptions) -> Result<Vec<ContainerSummary>> {
        let api = self.docker.generated().await?;
        let filters = options.filters.query();
        let call = api.container_list(
            options.all.then_some(true),
            filters.as_deref(),
            options.limit,
            options.size.then_some(true),
        );
        self.docker.call(Timeout::Default, call).await
    }

    /// The ids of the containers [`list`](Containers::list) would return:
    /// `docker ps -q`.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::container::ListOptions;
    ///
    /// let newest = docker.containers().ids(&ListOptions::new().latest()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ids(&self, options: &ListOptions) -> Result<Vec<String>> {
        let listed = self.list(options).await?;
        Ok(listed.into_iter().filter_map(|c| c.id).collect())
    }

    /// Removes stopped containers matching `filters` (`until`, `label`,
    /// `label!`; empty: every stopped container) and reports what went.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::Filters;
    ///
    /// let pruned = docker.containers().prune(&Filters::new().until("24h")).await?;
    /// println!("{} removed, {:?} bytes freed", pruned.containers_deleted.len(), pruned.space_reclaimed);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn prune(&self, filters: &Filters) -> Result<ContainerPruneResponse> {
        let api = self.docker.generated().await?;
        let filters = filters.query();
        let call = api.container_prune(filters.as_deref());
        self.docker.call(Timeout::Default, call).await
    }
}
