//! Swarm mode: the swarm itself ([`Docker::swarm`]), its services, tasks and nodes, and
//! the secrets and configs services mount.
//!
//! ```no_run
//! # async fn run() -> wharf::Result<()> {
//! use std::time::Duration;
//! use wharf::swarm::{InitOptions, PublishedPort, ServiceSpec};
//!
//! let docker = wharf::Docker::connect()?;
//! let node_id = docker.swarm().init(&InitOptions::new().advertise_addr("10.0.0.5")).await?;
//!
//! let spec = ServiceSpec::new("nginx:1.27")
//!     .name("web")
//!     .replicas(2)
//!     .env("MODE", "demo")
//!     .publish(PublishedPort::tcp(80).published(8080));
//! let web = docker.services().create(&spec).await?.service;
//! let tasks = web.wait_running(Duration::from_secs(60)).await?;
//! println!("{} tasks running", tasks.len());
//!
//! web.scale(3).await?;
//! web.remove().await?;
//! docker.swarm().leave(true).await?;
//! # Ok(())
//! # }
//! ```
//!
//! | handle | made by | calls |
//! |---|---|---|
//! | [`Swarm`] | [`Docker::swarm`] | init, inspect, update (tokens, unlock key, autolock), join, leave, unlock |
//! | [`Services`], [`Service`] | [`Docker::services`], [`Docker::service`] | list, create; inspect, update, scale, rollback, remove, logs, wait |
//! | [`Tasks`], [`Task`] | [`Docker::tasks`], [`Docker::task`] | list; inspect, logs |
//! | [`Nodes`], [`Node`] | [`Docker::nodes`], [`Docker::node`] | list; inspect, update, remove |
//! | [`Secrets`], [`Secret`] | [`Docker::secrets`], [`Docker::secret`] | list, create; inspect, update labels, remove |
//! | [`Configs`], [`Config`] | [`Docker::configs`], [`Docker::config`] | list, create; inspect, update labels, remove |
//!
//! Each call is the Engine API operation of the generated client ([`Docker::api`]),
//! with the generated types ([`wharf::api::types`](crate::api::types)) as bodies and
//! answers. Updates take the object's version index, as the daemon does: the
//! conveniences ([`Service::scale`], [`Node::update`], [`Swarm::update`]) inspect the
//! object, change its spec and send it back with the version they read, so a concurrent
//! change makes them fail (kind [`Conflict`](crate::ErrorKind::Conflict) or
//! [`Server`](crate::ErrorKind::Server), "update out of sequence") instead of being
//! lost.
//!
//! Service and task logs are the container log stream
//! ([`LogStream`](crate::container::LogStream)): stdout and stderr apart, and with
//! [`LogsOptions::details`](crate::container::LogsOptions::details) the task's node,
//! service and task ids before each line.
use crate::Docker;

mod cluster;
mod data;
pub mod logs;
mod nodes;
mod services;
mod spec;
mod spec_parts;
mod tasks;
mod wait;

pub use cluster::{InitOptions, JoinOptions, SwarmUpdate};
pub use data::DataSpec;
pub use nodes::{Availability, NodeUpdate, Role};
pub use services::{ServiceCreated, ServiceListOptions};
pub use spec::ServiceSpec;
pub use spec_parts::{FileRef, PublishedPort, RestartCondition, RestartPolicy, UpdateConfig};
pub use tasks::{container_id, TaskState};
pub use wait::POLL;

/// Defines a handle type for one object of a collection: the client and an id or name.
macro_rules! handle {
    ($(#[$doc:meta])* $name:ident, $make:ident, $example:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name {
            docker: Docker,
            id: String,
        }

        impl $name {
            /// The id or name the handle was made with.
            ///
            /// ```no_run
            /// # fn run(docker: wharf::Docker) {
            #[doc = concat!("assert_eq!(docker.", stringify!($make), "(\"", $example, "\").id(), \"", $example, "\");")]
            /// # }
            /// ```
            pub fn id(&self) -> &str {
                &self.id
            }

            /// The client this belongs to.
            ///
            /// ```no_run
            /// # fn run(docker: wharf::Docker) {
            #[doc = concat!("let docker = docker.", stringify!($make), "(\"", $example, "\").docker().clone();")]
            /// # }
            /// ```
            pub fn docker(&self) -> &Docker {
                &self.docker
            }

            /// The id as the generated operations take it: a leading `/` dropped,
            /// `.`, `..` and the empty id refused.
            pub(crate) fn name(&self) -> crate::Result<&str> {
                crate::path::name(&self.id)
            }
        }

        impl Docker {
            #[doc = concat!("The [`", stringify!($name), "`] with this id or name; makes no call.")]
            ///
            /// ```no_run
            /// # fn run(docker: wharf::Docker) {
            #[doc = concat!("let handle = docker.", stringify!($make), "(\"", $example, "\");")]
            /// # }
            /// ```
            pub fn $make(&self, id: impl Into<String>) -> $name {
                $name {
                    docker: self.clone(),
                    id: id.into(),
                }
            }
        }
    };
}

/// Defines a collection type: the client, made by a method of [`Docker`].
macro_rules! collection {
    ($(#[$doc:meta])* $name:ident, $make:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name {
            docker: Docker,
        }

        impl $name {
            /// The client this belongs to.
            ///
            /// ```no_run
            /// # fn run(docker: wharf::Docker) {
            #[doc = concat!("let docker = docker.", stringify!($make), "().docker().clone();")]
            /// # }
            /// ```
            pub fn docker(&self) -> &Docker {
                &self.docker
            }
        }

        impl Docker {
            #[doc = concat!("The [`", stringify!($name), "`] of this engine's swarm; makes no call.")]
            ///
            /// ```no_run
            /// # fn run(docker: wharf::Docker) {
            #[doc = concat!("let all = docker.", stringify!($make), "();")]
            /// # }
            /// ```
            pub fn $make(&self) -> $name {
                $name {
                    docker: self.clone(),
                }
            }
        }
    };
}

collection!(
    /// The swarm this engine belongs to, or will: init, join, inspect, update, leave.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let swarm = docker.swarm().inspect().await?;
    /// println!("swarm {:?}", swarm.id);
    /// # Ok(())
    /// # }
    /// ```
    Swarm,
    swarm
);
collection!(
    /// The services of the swarm: list, create.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let services = docker.services().list(&Default::default()).await?;
    /// # Ok(())
    /// # }
    /// ```
    Services,
    services
);
collection!(
    /// The tasks of the swarm: list.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let tasks = docker.tasks().list(&wharf::Filters::new().add("service", "web")).await?;
    /// # Ok(())
    /// # }
    /// ```
    Tasks,
    tasks
);
collection!(
    /// The nodes of the swarm: list.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let nodes = docker.nodes().list(&wharf::Filters::new().add("role", "manager")).await?;
    /// # Ok(())
    /// # }
    /// ```
    Nodes,
    nodes
);
collection!(
    /// The secrets of the swarm: list, create.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::swarm::DataSpec;
    /// let secret = docker.secrets().create(&DataSpec::new("db-password", "s3cret")).await?;
    /// # Ok(())
    /// # }
    /// ```
    Secrets,
    secrets
);
collection!(
    /// The configs of the swarm: list, create.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::swarm::DataSpec;
    /// let config = docker.configs().create(&DataSpec::new("nginx.conf", "events {}")).await?;
    /// # Ok(())
    /// # }
    /// ```
    Configs,
    configs
);

handle!(
    /// One service, by id or name.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let web = docker.service("web");
    /// web.scale(5).await?;
    /// # Ok(())
    /// # }
    /// ```
    Service,
    service,
    "web"
);
handle!(
    /// One task, by id.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let task = docker.task("x1y2z3").inspect().await?;
    /// println!("{:?}", task.status);
    /// # Ok(())
    /// # }
    /// ```
    Task,
    task,
    "x1y2z3"
);
handle!(
    /// One node, by id or hostname (`self` is the node the client talks to).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let me = docker.node("self").inspect().await?;
    /// # Ok(())
    /// # }
    /// ```
    Node,
    node,
    "self"
);
handle!(
    /// One secret, by id or name.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.secret("db-password").remove().await?;
    /// # Ok(())
    /// # }
    /// ```
    Secret,
    secret,
    "db-password"
);
handle!(
    /// One config, by id or name.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.config("nginx.conf").remove().await?;
    /// # Ok(())
    /// # }
    /// ```
    Config,
    config,
    "nginx.conf"
);

/// The version index of an object, as its update operation takes it.
pub(crate) fn version_of(version: Option<&wharf_api::types::ObjectVersion>) -> i64 {
    version
        .and_then(|v| v.index)
        .and_then(|i| i64::try_from(i).ok())
        .unwrap_or(0)
}
