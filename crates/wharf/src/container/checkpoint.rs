//! Checkpoints (`docker checkpoint`): a running container's state saved
//! with CRIU, to start from later. Experimental: the daemon serves these
//! calls only when started with `--experimental`, and needs CRIU installed;
//! otherwise they fail with [`NotFound`](crate::ErrorKind::NotFound) (no
//! such route) or a server error naming what is missing. Podman's
//! Docker-compatible API does not serve them.

use wharf_api::types::{ContainerCheckpointCreateBody, ContainerCheckpointListResponseItem};

use super::Container;
use crate::error::Result;
use crate::Timeout;

/// How to checkpoint a container, for [`Container::checkpoint_with`].
///
/// ```
/// use wharf::container::CheckpointOptions;
///
/// let options = CheckpointOptions::new("before-upgrade").leave_running(true);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct CheckpointOptions {
    name: String,
    dir: Option<String>,
    leave_running: bool,
}

impl CheckpointOptions {
    /// A checkpoint named `name`, in the daemon's own directory; the
    /// container stops once checkpointed (as `docker checkpoint create`).
    ///
    /// ```
    /// let options = wharf::container::CheckpointOptions::new("cp1");
    /// ```
    pub fn new(name: impl Into<String>) -> CheckpointOptions {
        CheckpointOptions {
            name: name.into(),
            dir: None,
            leave_running: false,
        }
    }

    /// Keeps the container running after the checkpoint (`--leave-running`).
    ///
    /// ```
    /// let options = wharf::container::CheckpointOptions::new("cp1").leave_running(true);
    /// ```
    pub fn leave_running(mut self, leave_running: bool) -> CheckpointOptions {
        self.leave_running = leave_running;
        self
    }

    /// Writes the checkpoint in this directory instead of the daemon's
    /// (`--checkpoint-dir`).
    ///
    /// ```
    /// let options = wharf::container::CheckpointOptions::new("cp1").dir("/var/checkpoints");
    /// ```
    pub fn dir(mut self, dir: impl Into<String>) -> CheckpointOptions {
        self.dir = Some(dir.into());
        self
    }
}

impl Container {
    /// Checkpoints the running container under `name`, stopping it (see
    /// [`checkpoint_with`](Container::checkpoint_with) to keep it running).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.container("db").checkpoint("nightly").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn checkpoint(&self, name: &str) -> Result<()> {
        self.checkpoint_with(&CheckpointOptions::new(name)).await
    }

    /// Checkpoints the running container as `options` say.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::container::CheckpointOptions;
    ///
    /// let options = CheckpointOptions::new("warm").leave_running(true);
    /// docker.container("db").checkpoint_with(&options).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn checkpoint_with(&self, options: &CheckpointOptions) -> Result<()> {
        let body = ContainerCheckpointCreateBody {
            checkpoint_id: Some(options.name.clone()),
            checkpoint_dir: options.dir.clone(),
            exit: Some(!options.leave_running),
        };
        let api = self.docker().generated().await?;
        let call = api.container_checkpoint_create(self.name()?, &body);
        // CRIU dumps the whole container: as long as that takes.
        let call = super::bodiless(call);
        self.docker().call(Timeout::Unlimited, call).await
    }

    /// The container's checkpoints, in the daemon's directory (or `dir`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// for cp in docker.container("db").checkpoints(None).await? {
    ///     println!("{}", cp.name.unwrap_or_default());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn checkpoints(
        &self,
        dir: Option<&str>,
    ) -> Result<Vec<ContainerCheckpointListResponseItem>> {
        let api = self.docker().generated().await?;
        let call = api.container_checkpoint_list(self.name()?, dir);
        self.docker().call(Timeout::Default, call).await
    }

    /// Removes the checkpoint `name` (from the daemon's directory, or `dir`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.container("db").remove_checkpoint("nightly", None).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove_checkpoint(&self, name: &str, dir: Option<&str>) -> Result<()> {
        let api = self.docker().generated().await?;
        let call = api.container_checkpoint_delete(self.name()?, crate::path::name(name)?, dir);
        self.docker()
            .call(Timeout::Default, super::bodiless(call))
            .await
    }
}
