//! The parts of a [`ServiceSpec`](super::ServiceSpec) that are specs of their own:
//! published ports, restart policy, update and rollback config, and the files a
//! secret or config becomes in the task's container.

use std::time::Duration;

use wharf_api::types::{
    EndpointPortConfig, EndpointPortConfigProtocol, EndpointPortConfigPublishMode,
    ServiceSpecRollbackConfig, ServiceSpecRollbackConfigFailureAction,
    ServiceSpecRollbackConfigOrder, ServiceSpecUpdateConfig, ServiceSpecUpdateConfigFailureAction,
    ServiceSpecUpdateConfigOrder, TaskSpecRestartPolicy, TaskSpecRestartPolicyCondition,
};

/// When a task's container is restarted: `none`, `on-failure`, `any`.
pub use wharf_api::types::TaskSpecRestartPolicyCondition as RestartCondition;

/// A port of the service's tasks published on the nodes
/// ([`ServiceSpec::publish`](super::ServiceSpec::publish)).
///
/// In `ingress` mode (the default) every node answers on the published port and the
/// routing mesh sends the connection to a task; in `host` mode only the nodes that
/// run a task answer, straight to that task.
///
/// ```
/// use wharf::swarm::PublishedPort;
///
/// let web = PublishedPort::tcp(80).published(8080);
/// let dns = PublishedPort::udp(53).published(53).host_mode();
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct PublishedPort(pub(crate) EndpointPortConfig);

impl PublishedPort {
    fn new(target: u16, protocol: EndpointPortConfigProtocol) -> PublishedPort {
        PublishedPort(EndpointPortConfig {
            target_port: Some(i64::from(target)),
            protocol: Some(protocol),
            ..EndpointPortConfig::default()
        })
    }

    /// The task's TCP port `target`; published on a port the swarm chooses unless
    /// [`published`](PublishedPort::published) says which.
    ///
    /// ```
    /// let port = wharf::swarm::PublishedPort::tcp(80);
    /// ```
    pub fn tcp(target: u16) -> PublishedPort {
        PublishedPort::new(target, EndpointPortConfigProtocol::Tcp)
    }

    /// The task's UDP port `target`.
    ///
    /// ```
    /// let port = wharf::swarm::PublishedPort::udp(53);
    /// ```
    pub fn udp(target: u16) -> PublishedPort {
        PublishedPort::new(target, EndpointPortConfigProtocol::Udp)
    }

    /// The port on the nodes.
    ///
    /// ```
    /// let port = wharf::swarm::PublishedPort::tcp(80).published(8080);
    /// ```
    pub fn published(mut self, port: u16) -> PublishedPort {
        self.0.published_port = Some(i64::from(port));
        self
    }

    /// Publishes on the nodes that run a task, without the routing mesh.
    ///
    /// ```
    /// let port = wharf::swarm::PublishedPort::tcp(80).published(8080).host_mode();
    /// ```
    pub fn host_mode(mut self) -> PublishedPort {
        self.0.publish_mode = Some(EndpointPortConfigPublishMode::Host);
        self
    }

    /// A name for the port.
    ///
    /// ```
    /// let port = wharf::swarm::PublishedPort::tcp(80).name("http");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> PublishedPort {
        self.0.name = Some(name.into());
        self
    }
}

/// How the swarm restarts a task's container when it exits
/// ([`ServiceSpec::restart_policy`](super::ServiceSpec::restart_policy)).
///
/// ```
/// use std::time::Duration;
/// use wharf::swarm::{RestartCondition, RestartPolicy};
///
/// let policy = RestartPolicy::new(RestartCondition::OnFailure)
///     .delay(Duration::from_secs(5))
///     .max_attempts(3)
///     .window(Duration::from_secs(60));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct RestartPolicy(pub(crate) TaskSpecRestartPolicy);

impl RestartPolicy {
    /// Restarts on `condition`.
    ///
    /// ```
    /// use wharf::swarm::{RestartCondition, RestartPolicy};
    /// let never = RestartPolicy::new(RestartCondition::None);
    /// ```
    pub fn new(condition: TaskSpecRestartPolicyCondition) -> RestartPolicy {
        RestartPolicy(TaskSpecRestartPolicy {
            condition: Some(condition),
            ..TaskSpecRestartPolicy::default()
        })
    }

    /// Waits this long between restarts.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wharf::swarm::{RestartCondition, RestartPolicy};
    /// let p = RestartPolicy::new(RestartCondition::Any).delay(Duration::from_secs(1));
    /// ```
    pub fn delay(mut self, delay: Duration) -> RestartPolicy {
        self.0.delay = Some(nanos(delay));
        self
    }

    /// Gives up after this many restarts (within the [`window`](RestartPolicy::window)).
    ///
    /// ```
    /// use wharf::swarm::{RestartCondition, RestartPolicy};
    /// let p = RestartPolicy::new(RestartCondition::OnFailure).max_attempts(3);
    /// ```
    pub fn max_attempts(mut self, attempts: u32) -> RestartPolicy {
        self.0.max_attempts = Some(i64::from(attempts));
        self
    }

    /// The window in which restarts are counted.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wharf::swarm::{RestartCondition, RestartPolicy};
    /// let p = RestartPolicy::new(RestartCondition::OnFailure).window(Duration::from_secs(120));
    /// ```
    pub fn window(mut self, window: Duration) -> RestartPolicy {
        self.0.window = Some(nanos(window));
        self
    }
}

/// How an update (or a rollback) replaces the tasks
/// ([`ServiceSpec::update_config`](super::ServiceSpec::update_config),
/// [`ServiceSpec::rollback_config`](super::ServiceSpec::rollback_config)).
///
/// ```
/// use std::time::Duration;
/// use wharf::swarm::UpdateConfig;
///
/// let rolling = UpdateConfig::new()
///     .parallelism(1)
///     .delay(Duration::from_secs(2))
///     .start_first(true)
///     .monitor(Duration::from_secs(5))
///     .rollback_on_failure();
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct UpdateConfig(pub(crate) ServiceSpecUpdateConfig);

impl UpdateConfig {
    /// The daemon's defaults: one task at a time, no delay, stop first, pause on failure.
    ///
    /// ```
    /// let config = wharf::swarm::UpdateConfig::new();
    /// ```
    pub fn new() -> UpdateConfig {
        UpdateConfig::default()
    }

    /// Replaces this many tasks at once (0: all).
    ///
    /// ```
    /// let config = wharf::swarm::UpdateConfig::new().parallelism(2);
    /// ```
    pub fn parallelism(mut self, tasks: u32) -> UpdateConfig {
        self.0.parallelism = Some(i64::from(tasks));
        self
    }

    /// Waits this long between batches.
    ///
    /// ```
    /// let config = wharf::swarm::UpdateConfig::new().delay(std::time::Duration::from_secs(10));
    /// ```
    pub fn delay(mut self, delay: Duration) -> UpdateConfig {
        self.0.delay = Some(nanos(delay));
        self
    }

    /// Watches each new task this long for a failure.
    ///
    /// ```
    /// let config = wharf::swarm::UpdateConfig::new().monitor(std::time::Duration::from_secs(5));
    /// ```
    pub fn monitor(mut self, monitor: Duration) -> UpdateConfig {
        self.0.monitor = Some(nanos(monitor));
        self
    }

    /// Starts the new task before stopping the old one (default: stop first).
    ///
    /// ```
    /// let config = wharf::swarm::UpdateConfig::new().start_first(true);
    /// ```
    pub fn start_first(mut self, on: bool) -> UpdateConfig {
        self.0.order = Some(if on {
            ServiceSpecUpdateConfigOrder::StartFirst
        } else {
            ServiceSpecUpdateConfigOrder::StopFirst
        });
        self
    }

    /// Rolls the service back when the update fails (as an update config; a
    /// rollback config pauses instead).
    ///
    /// ```
    /// let config = wharf::swarm::UpdateConfig::new().rollback_on_failure();
    /// ```
    pub fn rollback_on_failure(mut self) -> UpdateConfig {
        self.0.failure_action = Some(ServiceSpecUpdateConfigFailureAction::Rollback);
        self
    }

    /// Goes on with the update when tasks fail (default: pause).
    ///
    /// ```
    /// let config = wharf::swarm::UpdateConfig::new().continue_on_failure();
    /// ```
    pub fn continue_on_failure(mut self) -> UpdateConfig {
        self.0.failure_action = Some(ServiceSpecUpdateConfigFailureAction::Continue);
        self
    }

    /// The share of tasks that may fail before the update counts as failed (0 to 1).
    ///
    /// ```
    /// let config = wharf::swarm::UpdateConfig::new().max_failure_ratio(0.2);
    /// ```
    pub fn max_failure_ratio(mut self, ratio: f64) -> UpdateConfig {
        self.0.max_failure_ratio = Some(ratio);
        self
    }

    /// The same settings as the rollback config type: a failure action of
    /// `rollback` has no meaning there and becomes `pause`.
    pub(crate) fn rollback(&self) -> ServiceSpecRollbackConfig {
        let c = &self.0;
        ServiceSpecRollbackConfig {
            delay: c.delay,
            failure_action: c.failure_action.as_ref().map(|a| match a {
                ServiceSpecUpdateConfigFailureAction::Continue => {
                    ServiceSpecRollbackConfigFailureAction::Continue
                }
                _ => ServiceSpecRollbackConfigFailureAction::Pause,
            }),
            max_failure_ratio: c.max_failure_ratio,
            monitor: c.monitor,
            order: c.order.as_ref().map(|o| match o {
                ServiceSpecUpdateConfigOrder::StartFirst => {
                    ServiceSpecRollbackConfigOrder::StartFirst
                }
                _ => ServiceSpecRollbackConfigOrder::StopFirst,
            }),
            parallelism: c.parallelism,
        }
    }
}

/// A secret or config as a file in the task's container
/// ([`ServiceSpec::secret`](super::ServiceSpec::secret),
/// [`ServiceSpec::config`](super::ServiceSpec::config)).
///
/// Secrets land under `/run/secrets/` and configs at `/` unless the target is an
/// absolute path; the default mode is `0444`, owner `0:0`.
///
/// ```
/// use wharf::swarm::FileRef;
///
/// let password = FileRef::new("db-password").target("/run/secrets/db").mode(0o400).uid("999");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct FileRef {
    pub(crate) name: String,
    pub(crate) id: Option<String>,
    pub(crate) target: Option<String>,
    pub(crate) uid: String,
    pub(crate) gid: String,
    pub(crate) mode: u32,
}

impl FileRef {
    /// The secret or config named `name`, as a file of that name. Unless
    /// [`id`](FileRef::id) gives it, its id is looked up by name when the service
    /// is created or updated (the daemon needs both).
    ///
    /// ```
    /// let file = wharf::swarm::FileRef::new("nginx.conf");
    /// ```
    pub fn new(name: impl Into<String>) -> FileRef {
        FileRef {
            name: name.into(),
            id: None,
            target: None,
            uid: "0".to_owned(),
            gid: "0".to_owned(),
            mode: 0o444,
        }
    }

    /// The object's id, when known (saves the look-up).
    ///
    /// ```
    /// let file = wharf::swarm::FileRef::new("nginx.conf").id("4zx...");
    /// ```
    pub fn id(mut self, id: impl Into<String>) -> FileRef {
        self.id = Some(id.into());
        self
    }

    /// The file's path in the container (default: the object's name).
    ///
    /// ```
    /// let file = wharf::swarm::FileRef::new("nginx.conf").target("/etc/nginx/nginx.conf");
    /// ```
    pub fn target(mut self, path: impl Into<String>) -> FileRef {
        self.target = Some(path.into());
        self
    }

    /// The file's owner (a numeric id, as a string; default `0`).
    ///
    /// ```
    /// let file = wharf::swarm::FileRef::new("key").uid("101");
    /// ```
    pub fn uid(mut self, uid: impl Into<String>) -> FileRef {
        self.uid = uid.into();
        self
    }

    /// The file's group (default `0`).
    ///
    /// ```
    /// let file = wharf::swarm::FileRef::new("key").gid("101");
    /// ```
    pub fn gid(mut self, gid: impl Into<String>) -> FileRef {
        self.gid = gid.into();
        self
    }

    /// The file's permission bits (default `0o444`).
    ///
    /// ```
    /// let file = wharf::swarm::FileRef::new("key").mode(0o400);
    /// ```
    pub fn mode(mut self, mode: u32) -> FileRef {
        self.mode = mode;
        self
    }

    /// The file name: the target, else the object's name.
    pub(crate) fn file_name(&self) -> String {
        self.target.clone().unwrap_or_else(|| self.name.clone())
    }
}

/// A duration as the swarm's specs count it: nanoseconds.
pub(crate) fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}
