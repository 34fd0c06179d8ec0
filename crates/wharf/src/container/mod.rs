//! Containers: [`Docker::containers`] for the collection (list, create, prune, run) and
//! [`Docker::container`] for one container (inspect, start, stop, logs, exec, ...).
use crate::Docker;

mod attach;
mod logs;
pub(crate) mod stats;

pub use attach::AttachOptions;
pub use logs::{LogStream, LogsOptions};
pub use stats::StatsStream;

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
    pub fn docker(&self) -> &Docker {
        &self.docker
    }
}

impl Container {
    /// The id or name the handle was made with.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The client this belongs to.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }
}
