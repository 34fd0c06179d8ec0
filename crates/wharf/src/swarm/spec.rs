//! [`ServiceSpec`]: what a service runs, how many, where, and how it is updated.

use std::time::Duration;

use wharf_api::types::{
    self, EndpointSpec, EndpointSpecMode, Mount, MountType, NetworkAttachmentConfig,
    ServiceSpecMode, ServiceSpecModeGlobal, ServiceSpecModeReplicated, TaskSpec,
    TaskSpecContainerSpec, TaskSpecContainerSpecConfigsItem, TaskSpecContainerSpecConfigsItemFile,
    TaskSpecContainerSpecSecretsItem, TaskSpecContainerSpecSecretsItemFile, TaskSpecPlacement,
    TaskSpecResources,
};

use super::spec_parts::{nanos, FileRef, PublishedPort, RestartPolicy, UpdateConfig};
use crate::container::Healthcheck;
use crate::error::{Error, Result};
use crate::units::MemorySize;

/// A service's spec, built up from what users set; [`build`](ServiceSpec::build) gives
/// the generated [`types::ServiceSpec`] that create and update send.
///
/// ```
/// use std::time::Duration;
/// use wharf::swarm::{FileRef, PublishedPort, RestartCondition, RestartPolicy, ServiceSpec, UpdateConfig};
///
/// let spec = ServiceSpec::new("nginx:1.27")
///     .name("web")
///     .label("team", "edge")
///     .replicas(3)
///     .env("MODE", "production")
///     .publish(PublishedPort::tcp(80).published(8080))
///     .network_with_aliases("frontend", ["www"])
///     .constraint("node.role == worker")
///     .memory_limit("256m")
///     .cpu_limit(0.5)
///     .restart_policy(RestartPolicy::new(RestartCondition::OnFailure).max_attempts(3))
///     .update_config(UpdateConfig::new().parallelism(1).delay(Duration::from_secs(5)))
///     .secret(FileRef::new("tls-key").mode(0o400))
///     .config(FileRef::new("nginx.conf").target("/etc/nginx/nginx.conf"));
/// let body = spec.build()?;
/// assert_eq!(body.name.as_deref(), Some("web"));
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct ServiceSpec {
    spec: types::ServiceSpec,
    /// The first mistake (a size that does not parse), reported by `build`.
    error: Option<String>,
}

impl From<types::ServiceSpec> for ServiceSpec {
    /// Starts from a spec as the daemon has it (a service's `Spec`), to change it.
    fn from(spec: types::ServiceSpec) -> ServiceSpec {
        ServiceSpec { spec, error: None }
    }
}

impl ServiceSpec {
    /// A replicated service of one task running `image` with its own command.
    ///
    /// For an image that is only on the nodes (built or loaded there, not in a
    /// registry), give its id (`sha256:...`): the swarm then starts tasks from it
    /// without asking a registry first (moby `daemon/cluster/executor/container/adapter.go`,
    /// `pullImage`: "Skip pulling if the image is referenced by image ID"), where an
    /// image named by tag is pulled, and a failed pull only logged, on every start.
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("redis:7");
    /// ```
    pub fn new(image: impl Into<String>) -> ServiceSpec {
        let mut spec = ServiceSpec::from(types::ServiceSpec::default());
        spec.container().image = Some(image.into());
        spec
    }

    fn task(&mut self) -> &mut TaskSpec {
        self.spec
            .task_template
            .get_or_insert_with(TaskSpec::default)
    }

    fn container(&mut self) -> &mut TaskSpecContainerSpec {
        self.task()
            .container_spec
            .get_or_insert_with(TaskSpecContainerSpec::default)
    }

    fn limits(&mut self) -> &mut types::Limit {
        self.task()
            .resources
            .get_or_insert_with(TaskSpecResources::default)
            .limits
            .get_or_insert_with(Default::default)
    }

    /// The service's name (default: one the daemon makes up).
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("redis:7").name("cache");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> ServiceSpec {
        self.spec.name = Some(name.into());
        self
    }

    /// The image of the tasks' containers.
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("redis:7").image("redis:7.2");
    /// ```
    pub fn image(mut self, image: impl Into<String>) -> ServiceSpec {
        self.container().image = Some(image.into());
        self
    }

    /// The command, replacing the image's entrypoint.
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("busybox").command(["sh", "-c"]).args(["sleep 1d"]);
    /// ```
    pub fn command<I, S>(mut self, argv: I) -> ServiceSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.container().command = argv.into_iter().map(Into::into).collect();
        self
    }

    /// The arguments, replacing the image's `CMD`.
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("redis:7").args(["--appendonly", "yes"]);
    /// ```
    pub fn args<I, S>(mut self, args: I) -> ServiceSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.container().args = args.into_iter().map(Into::into).collect();
        self
    }

    /// Sets an environment variable, replacing one of the same name.
    ///
    /// ```
    /// let body = wharf::swarm::ServiceSpec::new("redis:7").env("A", "1").env("A", "2").build()?;
    /// let env = &body.task_template.unwrap().container_spec.unwrap().env;
    /// assert_eq!(env, &["A=2"]);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> ServiceSpec {
        let (key, value) = (key.into(), value.into());
        let env = &mut self.container().env;
        env.retain(|e| e.split('=').next() != Some(key.as_str()));
        env.push(format!("{key}={value}"));
        self
    }

    /// A label of the service.
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("redis:7").label("team", "data");
    /// ```
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> ServiceSpec {
        self.spec.labels.insert(key.into(), value.into());
        self
    }

    /// A label of the tasks' containers.
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("redis:7").container_label("logs", "keep");
    /// ```
    pub fn container_label(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> ServiceSpec {
        self.container().labels.insert(key.into(), value.into());
        self
    }

    /// Runs `n` tasks in all (replicated mode, the default with 1).
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("redis:7").replicas(3);
    /// ```
    pub fn replicas(mut self, n: u64) -> ServiceSpec {
        self.spec.mode = Some(ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated {
                replicas: Some(i64::try_from(n).unwrap_or(i64::MAX)),
            }),
            ..ServiceSpecMode::default()
        });
        self
    }

    /// Runs one task on every node that meets the constraints (global mode),
    /// sent as `"Mode": {"Global": {}}`.
    ///
    /// ```
    /// let body = wharf::swarm::ServiceSpec::new("node-exporter").global().build()?;
    /// let json = serde_json::to_value(&body)?;
    /// assert_eq!(json["Mode"], serde_json::json!({ "Global": {} }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn global(mut self) -> ServiceSpec {
        self.spec.mode = Some(ServiceSpecMode {
            global: Some(ServiceSpecModeGlobal {}),
            ..ServiceSpecMode::default()
        });
        self
    }

    /// Adds a mount to the tasks' containers (the generated type: bind, volume,
    /// tmpfs, with their options).
    ///
    /// ```
    /// use wharf::api::types::{Mount, MountType};
    ///
    /// let spec = wharf::swarm::ServiceSpec::new("postgres:16").mount(Mount {
    ///     type_: Some(MountType::Volume),
    ///     source: Some("pgdata".into()),
    ///     target: Some("/var/lib/postgresql/data".into()),
    ///     ..Default::default()
    /// });
    /// ```
    pub fn mount(mut self, mount: Mount) -> ServiceSpec {
        self.container().mounts.push(mount);
        self
    }

    /// Mounts the node's `source` directory at `target`.
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("nginx").bind("/srv/www", "/usr/share/nginx/html", true);
    /// ```
    pub fn bind(
        self,
        source: impl Into<String>,
        target: impl Into<String>,
        read_only: bool,
    ) -> ServiceSpec {
        self.mount(Mount {
            type_: Some(MountType::Bind),
            source: Some(source.into()),
            target: Some(target.into()),
            read_only: read_only.then_some(true),
            ..Mount::default()
        })
    }

    /// Attaches the tasks to a network (name or id; an overlay network of the swarm).
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("nginx").network("frontend");
    /// ```
    pub fn network(self, target: impl Into<String>) -> ServiceSpec {
        self.network_with_aliases(target, std::iter::empty::<String>())
    }

    /// Attaches the tasks to a network, reachable there under these aliases too.
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("postgres:16").network_with_aliases("backend", ["db"]);
    /// ```
    pub fn network_with_aliases<I, S>(
        mut self,
        target: impl Into<String>,
        aliases: I,
    ) -> ServiceSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.task().networks.push(NetworkAttachmentConfig {
            target: Some(target.into()),
            aliases: aliases.into_iter().map(Into::into).collect(),
            ..NetworkAttachmentConfig::default()
        });
        self
    }

    /// Publishes a port of the tasks.
    ///
    /// ```
    /// use wharf::swarm::{PublishedPort, ServiceSpec};
    /// let spec = ServiceSpec::new("nginx").publish(PublishedPort::tcp(80).published(8080));
    /// ```
    pub fn publish(mut self, port: PublishedPort) -> ServiceSpec {
        self.spec
            .endpoint_spec
            .get_or_insert_with(EndpointSpec::default)
            .ports
            .push(port.0);
        self
    }

    /// Resolves the service's name to its tasks' addresses (DNS round robin) instead
    /// of one virtual IP; needed where the kernel has no IPVS, and for ports
    /// published in host mode only.
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("nginx").dns_round_robin();
    /// ```
    pub fn dns_round_robin(mut self) -> ServiceSpec {
        self.spec
            .endpoint_spec
            .get_or_insert_with(EndpointSpec::default)
            .mode = Some(EndpointSpecMode::Dnsrr);
        self
    }

    /// Limits each task's memory (`"512m"`, `"1g"`, or bytes).
    ///
    /// ```
    /// let e = wharf::swarm::ServiceSpec::new("nginx").memory_limit("lots").build().unwrap_err();
    /// assert_eq!(e.kind(), wharf::ErrorKind::InvalidArgument);
    /// ```
    pub fn memory_limit(mut self, size: &str) -> ServiceSpec {
        match MemorySize::parse(size).map(|s| i64::try_from(s.bytes())) {
            Ok(Ok(bytes)) => self.limits().memory_bytes = Some(bytes),
            Ok(Err(_)) => self.fail(format!("the memory limit {size:?} is too large")),
            Err(e) => self.fail(format!("the memory limit: {e}")),
        }
        self
    }

    /// Limits each task to this many CPUs (`0.5`: half of one).
    ///
    /// ```
    /// let body = wharf::swarm::ServiceSpec::new("nginx").cpu_limit(1.5).build()?;
    /// let limits = body.task_template.unwrap().resources.unwrap().limits.unwrap();
    /// assert_eq!(limits.nano_cp_us, Some(1_500_000_000));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn cpu_limit(mut self, cpus: f64) -> ServiceSpec {
        if cpus.is_finite() && cpus > 0.0 {
            self.limits().nano_cp_us = Some((cpus * 1e9).round() as i64);
        } else {
            self.fail(format!("the CPU limit {cpus} is not a positive number"));
        }
        self
    }

    /// Limits each task to this many processes.
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("nginx").pids_limit(100);
    /// ```
    pub fn pids_limit(mut self, pids: u32) -> ServiceSpec {
        self.limits().pids = Some(i64::from(pids));
        self
    }

    /// How the swarm restarts tasks whose container exits.
    ///
    /// ```
    /// use wharf::swarm::{RestartCondition, RestartPolicy, ServiceSpec};
    /// let spec = ServiceSpec::new("nginx").restart_policy(RestartPolicy::new(RestartCondition::Any));
    /// ```
    pub fn restart_policy(mut self, policy: RestartPolicy) -> ServiceSpec {
        self.task().restart_policy = Some(policy.0);
        self
    }

    /// Adds a placement constraint (`node.role == manager`, `node.labels.zone == a`).
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("nginx").constraint("node.labels.zone == a");
    /// ```
    pub fn constraint(mut self, constraint: impl Into<String>) -> ServiceSpec {
        self.task()
            .placement
            .get_or_insert_with(TaskSpecPlacement::default)
            .constraints
            .push(constraint.into());
        self
    }

    /// How updates replace the tasks.
    ///
    /// ```
    /// use wharf::swarm::{ServiceSpec, UpdateConfig};
    /// let spec = ServiceSpec::new("nginx").update_config(UpdateConfig::new().parallelism(2));
    /// ```
    pub fn update_config(mut self, config: UpdateConfig) -> ServiceSpec {
        self.spec.update_config = Some(config.0);
        self
    }

    /// How rollbacks replace the tasks.
    ///
    /// ```
    /// use wharf::swarm::{ServiceSpec, UpdateConfig};
    /// let spec = ServiceSpec::new("nginx").rollback_config(UpdateConfig::new().parallelism(0));
    /// ```
    pub fn rollback_config(mut self, config: UpdateConfig) -> ServiceSpec {
        self.spec.rollback_config = Some(config.rollback());
        self
    }

    /// Gives the tasks a secret as a file (under `/run/secrets/` unless the target is
    /// an absolute path).
    ///
    /// ```
    /// use wharf::swarm::{FileRef, ServiceSpec};
    /// let spec = ServiceSpec::new("postgres:16").secret(FileRef::new("db-password").mode(0o400));
    /// ```
    pub fn secret(mut self, file: FileRef) -> ServiceSpec {
        let item = TaskSpecContainerSpecSecretsItem {
            file: Some(TaskSpecContainerSpecSecretsItemFile {
                name: Some(file.file_name()),
                uid: Some(file.uid),
                gid: Some(file.gid),
                mode: Some(file.mode),
            }),
            secret_id: file.id,
            secret_name: Some(file.name),
        };
        self.container().secrets.push(item);
        self
    }

    /// Gives the tasks a config as a file (at `/NAME` unless the target says where).
    ///
    /// ```
    /// use wharf::swarm::{FileRef, ServiceSpec};
    /// let spec = ServiceSpec::new("nginx").config(FileRef::new("site").target("/etc/nginx/conf.d/site.conf"));
    /// ```
    pub fn config(mut self, file: FileRef) -> ServiceSpec {
        let item = TaskSpecContainerSpecConfigsItem {
            file: Some(TaskSpecContainerSpecConfigsItemFile {
                name: Some(file.file_name()),
                uid: Some(file.uid),
                gid: Some(file.gid),
                mode: Some(file.mode),
            }),
            config_id: file.id,
            config_name: Some(file.name),
            runtime: Default::default(),
        };
        self.container().configs.push(item);
        self
    }

    /// How the swarm checks that a task is healthy (the container healthcheck).
    ///
    /// ```
    /// use std::time::Duration;
    /// use wharf::container::Healthcheck;
    /// let spec = wharf::swarm::ServiceSpec::new("nginx")
    ///     .healthcheck(Healthcheck::shell("wget -q -O- http://localhost/").interval(Duration::from_secs(5)));
    /// ```
    pub fn healthcheck(mut self, check: Healthcheck) -> ServiceSpec {
        self.container().health_check = Some(check.into());
        self
    }

    /// The time a task's container gets to stop before it is killed.
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("nginx").stop_grace_period(std::time::Duration::from_secs(2));
    /// ```
    pub fn stop_grace_period(mut self, period: Duration) -> ServiceSpec {
        self.container().stop_grace_period = Some(nanos(period));
        self
    }

    /// Changes the spec as the generated type has it, for what the builder does not
    /// cover.
    ///
    /// ```
    /// let spec = wharf::swarm::ServiceSpec::new("nginx").with_spec(|s| {
    ///     s.task_template.get_or_insert_with(Default::default).force_update = Some(1);
    /// });
    /// ```
    pub fn with_spec(mut self, change: impl FnOnce(&mut types::ServiceSpec)) -> ServiceSpec {
        change(&mut self.spec);
        self
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }

    /// The spec as create and update send it, or the first mistake made building it
    /// (kind [`InvalidArgument`](crate::ErrorKind::InvalidArgument)).
    ///
    /// ```
    /// let body = wharf::swarm::ServiceSpec::new("nginx").replicas(2).build()?;
    /// assert_eq!(body.mode.unwrap().replicated.unwrap().replicas, Some(2));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn build(&self) -> Result<types::ServiceSpec> {
        match &self.error {
            Some(e) => Err(Error::invalid_argument(e.clone())),
            None => Ok(self.spec.clone()),
        }
    }
}
