//! Tasks: list and inspect. (Their logs: [`Task::logs`], in `logs.rs`.)

use wharf_api::types;

use super::{Task, Tasks};
use crate::error::Result;
use crate::filters::Filters;
use crate::Timeout;

/// A task's state: `new` through `running`, then `complete`, `shutdown`, `failed`,
/// `rejected`, `remove` or `orphaned`.
pub use wharf_api::types::TaskState;

impl Tasks {
    /// Lists tasks (`GET /tasks`), filtered by `desired-state` (`running`,
    /// `shutdown`, `accepted`), `id`, `label`, `name`, `node`, `service`.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::Filters;
    /// let filters = Filters::new().add("service", "web").add("desired-state", "running");
    /// for task in docker.tasks().list(&filters).await? {
    ///     println!("{:?} {:?}", task.id, task.status.and_then(|s| s.state));
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, filters: &Filters) -> Result<Vec<types::Task>> {
        let api = self.docker.generated().await?;
        let filters = filters.query();
        let call = api.task_list(filters.as_deref());
        self.docker.call(Timeout::Default, call).await
    }
}

impl Task {
    /// The task (`GET /tasks/{id}`): its spec, node, slot, desired state and status
    /// (state, message, error, container id).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let task = docker.task("x1y2z3").inspect().await?;
    /// if let Some(status) = task.status {
    ///     println!("{:?}: {:?} {:?}", status.state, status.message, status.err);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn inspect(&self) -> Result<types::Task> {
        let api = self.docker.generated().await?;
        let call = api.task_inspect(self.name()?);
        self.docker.call(Timeout::Default, call).await
    }
}

/// The id of the container that runs `task` on its node, once the node has made it
/// (to exec into it, or inspect it, through the node's engine).
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// let task = docker.task("x1y2z3").inspect().await?;
/// if let Some(id) = wharf::swarm::container_id(&task) {
///     let container = docker.container(id).inspect().await?;
/// }
/// # Ok(())
/// # }
/// ```
pub fn container_id(task: &types::Task) -> Option<&str> {
    task.status
        .as_ref()?
        .container_status
        .as_ref()?
        .container_id
        .as_deref()
        .filter(|id| !id.is_empty())
}
