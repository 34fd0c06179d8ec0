//! Typed builders for creating containers: [`ContainerSpec`] (the create
//! body, the name and the platform) and [`HostSpec`] (its host config), and
//! the calls that use them: [`Containers::create`],
//! [`Containers::create_or_replace`] and [`Containers::run`].
//!
//! The builders produce the generated [`ContainerCreateBody`] and
//! [`HostConfig`]; anything they do not cover can be set on those directly
//! with [`ContainerSpec::with_body`] and [`HostSpec::with_config`].

use std::collections::HashMap;
use std::time::Duration;

use wharf_api::types::{
    ContainerCreateBody, ContainerUpdateBody, ContainerUpdateBodyUlimitsItem, HealthConfig,
    HostConfig, HostConfigUlimitsItem, Mount, NetworkingConfig, PortBinding, PortMap,
    RestartPolicy, RestartPolicyName,
};

use super::{Container, Containers, RemoveOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::units::MemorySize;
use crate::Timeout;

/// What to create: image, command, environment, labels, ports, host config,
/// plus the container's name and platform (sent as query parameters).
///
/// ```
/// use wharf::container::{ContainerSpec, HostSpec, Restart};
///
/// let spec = ContainerSpec::new("nginx:alpine")
///     .name("web")
///     .env("MODE", "production")
///     .label("app", "web")
///     .expose("80/tcp")
///     .host(
///         HostSpec::new()
///             .publish("80/tcp", "8080")
///             .memory("256m")
///             .restart(Restart::UnlessStopped),
///     );
/// let body = spec.build()?;
/// assert_eq!(body.image.as_deref(), Some("nginx:alpine"));
/// assert_eq!(body.host_config.unwrap().memory, Some(256 << 20));
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct ContainerSpec {
    name: Option<String>,
    platform: Option<String>,
    body: ContainerCreateBody,
    host: Option<HostSpec>,
}

impl ContainerSpec {
    /// A container of `image` (a name, `name:tag`, `name@digest` or an id).
    ///
    /// ```
    /// let spec = wharf::container::ContainerSpec::new("alpine:3.20");
    /// assert_eq!(spec.build()?.image.as_deref(), Some("alpine:3.20"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn new(image: impl Into<String>) -> ContainerSpec {
        ContainerSpec {
            body: ContainerCreateBody {
                image: Some(image.into()),
                ..ContainerCreateBody::default()
            },
            ..ContainerSpec::default()
        }
    }

    /// Starts from a create body built elsewhere.
    ///
    /// ```
    /// use wharf::api::types::ContainerCreateBody;
    ///
    /// let body = ContainerCreateBody { image: Some("alpine".into()), ..Default::default() };
    /// let spec = wharf::container::ContainerSpec::from_body(body).name("job");
    /// assert_eq!(spec.get_name(), Some("job"));
    /// ```
    pub fn from_body(body: ContainerCreateBody) -> ContainerSpec {
        ContainerSpec {
            body,
            ..ContainerSpec::default()
        }
    }

    /// The container's name (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`); the daemon
    /// picks one when unset.
    ///
    /// ```
    /// let spec = wharf::container::ContainerSpec::new("alpine").name("job-1");
    /// assert_eq!(spec.get_name(), Some("job-1"));
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> ContainerSpec {
        self.name = Some(name.into());
        self
    }

    /// The name set with [`name`](ContainerSpec::name).
    ///
    /// ```
    /// assert_eq!(wharf::container::ContainerSpec::new("alpine").get_name(), None);
    /// ```
    pub fn get_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The platform of the image to use, `os[/arch[/variant]]` such as
    /// `linux/arm64` (API 1.41 and later).
    ///
    /// ```
    /// let spec = wharf::container::ContainerSpec::new("alpine").platform("linux/amd64");
    /// ```
    pub fn platform(mut self, platform: impl Into<String>) -> ContainerSpec {
        self.platform = Some(platform.into());
        self
    }

    /// The command (arguments to the entrypoint), replacing the image's `CMD`.
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine").cmd(["echo", "hi"]).build()?;
    /// assert_eq!(body.cmd, ["echo", "hi"]);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn cmd<I, S>(mut self, cmd: I) -> ContainerSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.body.cmd = cmd.into_iter().map(Into::into).collect();
        self
    }

    /// The entrypoint, replacing the image's `ENTRYPOINT` (`[""]` resets it
    /// to none).
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine")
    ///     .entrypoint(["/bin/sh", "-c"])
    ///     .cmd(["echo hi"])
    ///     .build()?;
    /// assert_eq!(body.entrypoint, ["/bin/sh", "-c"]);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn entrypoint<I, S>(mut self, entrypoint: I) -> ContainerSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.body.entrypoint = entrypoint.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the environment variable `key` to `value` (a later value for the
    /// same key replaces the earlier one).
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine")
    ///     .env("A", "1")
    ///     .env("B", "x=y")
    ///     .env("A", "2")
    ///     .build()?;
    /// assert_eq!(body.env, ["A=2", "B=x=y"]);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn env(self, key: impl Into<String>, value: impl Into<String>) -> ContainerSpec {
        let (key, value) = (key.into(), value.into());
        self.env_entry(format!("{key}={value}"))
    }

    /// Sets every variable of a map (or any list of pairs).
    ///
    /// ```
    /// use std::collections::BTreeMap;
    ///
    /// let vars = BTreeMap::from([("LANG", "C.UTF-8"), ("TZ", "UTC")]);
    /// let body = wharf::container::ContainerSpec::new("alpine").envs(vars).build()?;
    /// assert_eq!(body.env, ["LANG=C.UTF-8", "TZ=UTC"]);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn envs<I, K, V>(self, vars: I) -> ContainerSpec
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        vars.into_iter().fold(self, |spec, (k, v)| spec.env(k, v))
    }

    /// Adds entries in the Engine's own form, `KEY=value` (or `KEY` alone,
    /// which removes `KEY` from the image's environment).
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine")
    ///     .env_list(["PATH=/bin", "DEBUG"])
    ///     .build()?;
    /// assert_eq!(body.env, ["PATH=/bin", "DEBUG"]);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn env_list<I, S>(self, entries: I) -> ContainerSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        entries
            .into_iter()
            .fold(self, |spec, e| spec.env_entry(e.into()))
    }

    fn env_entry(mut self, entry: String) -> ContainerSpec {
        let key = entry.split('=').next().unwrap_or_default();
        let same_key = |e: &String| e.split('=').next() == Some(key);
        match self.body.env.iter_mut().find(|e| same_key(e)) {
            Some(existing) => *existing = entry,
            None => self.body.env.push(entry),
        }
        self
    }

    /// Adds the label `key=value`.
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine").label("app", "web").build()?;
    /// assert_eq!(body.labels["app"], "web");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> ContainerSpec {
        self.body.labels.insert(key.into(), value.into());
        self
    }

    /// Adds every label of a map (or any list of pairs).
    ///
    /// ```
    /// use std::collections::BTreeMap;
    ///
    /// let labels = BTreeMap::from([("app", "web"), ("tier", "front")]);
    /// let body = wharf::container::ContainerSpec::new("alpine").labels(labels).build()?;
    /// assert_eq!(body.labels.len(), 2);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn labels<I, K, V>(self, labels: I) -> ContainerSpec
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        labels
            .into_iter()
            .fold(self, |spec, (k, v)| spec.label(k, v))
    }

    /// The working directory of the command.
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine").working_dir("/srv").build()?;
    /// assert_eq!(body.working_dir.as_deref(), Some("/srv"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn working_dir(mut self, dir: impl Into<String>) -> ContainerSpec {
        self.body.working_dir = Some(dir.into());
        self
    }

    /// The user the command runs as: `name`, `uid`, `name:group` or
    /// `uid:gid`.
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine").user("1000:1000").build()?;
    /// assert_eq!(body.user.as_deref(), Some("1000:1000"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn user(mut self, user: impl Into<String>) -> ContainerSpec {
        self.body.user = Some(user.into());
        self
    }

    /// The container's hostname.
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine").hostname("box").build()?;
    /// assert_eq!(body.hostname.as_deref(), Some("box"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn hostname(mut self, hostname: impl Into<String>) -> ContainerSpec {
        self.body.hostname = Some(hostname.into());
        self
    }

    /// Exposes a port: `80`, `80/tcp`, `53/udp` (TCP when no protocol is
    /// given). Ports published with [`HostSpec::publish`] are exposed
    /// without this.
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine").expose("8080").build()?;
    /// assert!(body.exposed_ports.unwrap().contains_key("8080/tcp"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn expose(mut self, port: impl AsRef<str>) -> ContainerSpec {
        self.body
            .exposed_ports
            .get_or_insert_with(HashMap::new)
            .insert(port_key(port.as_ref()), serde_json::Map::new());
        self
    }

    /// Allocates a TTY: the output is then one raw stream, not stdout and
    /// stderr apart.
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine").tty(true).build()?;
    /// assert_eq!(body.tty, Some(true));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn tty(mut self, tty: bool) -> ContainerSpec {
        self.body.tty = Some(tty);
        self
    }

    /// Keeps stdin open (for attaching to it later).
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine").open_stdin(true).build()?;
    /// assert_eq!(body.open_stdin, Some(true));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn open_stdin(mut self, open: bool) -> ContainerSpec {
        self.body.open_stdin = Some(open);
        self
    }

    /// The signal that stops the container (`SIGTERM` by default).
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine").stop_signal("SIGINT").build()?;
    /// assert_eq!(body.stop_signal.as_deref(), Some("SIGINT"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn stop_signal(mut self, signal: impl Into<String>) -> ContainerSpec {
        self.body.stop_signal = Some(signal.into());
        self
    }

    /// How long a stop waits after the stop signal before it kills the
    /// container (the daemon's default is 10 s), in whole seconds.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let body = wharf::container::ContainerSpec::new("alpine")
    ///     .stop_timeout(Duration::from_secs(30))
    ///     .build()?;
    /// assert_eq!(body.stop_timeout, Some(30));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn stop_timeout(mut self, timeout: Duration) -> ContainerSpec {
        self.body.stop_timeout = Some(timeout.as_secs() as i64);
        self
    }

    /// How the daemon checks that the container is healthy (it overrides the
    /// image's `HEALTHCHECK`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use wharf::container::{ContainerSpec, Healthcheck};
    ///
    /// let body = ContainerSpec::new("nginx:alpine")
    ///     .healthcheck(Healthcheck::shell("wget -q -O- http://localhost/").interval(Duration::from_secs(5)))
    ///     .build()?;
    /// let check = body.healthcheck.unwrap();
    /// assert_eq!(check.test, ["CMD-SHELL", "wget -q -O- http://localhost/"]);
    /// assert_eq!(check.interval, Some(5_000_000_000));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn healthcheck(mut self, check: Healthcheck) -> ContainerSpec {
        self.body.healthcheck = Some(check.0);
        self
    }

    /// Connects the container to the network `name` (a name or an id) when
    /// it is created, reachable there under `aliases` besides its name.
    /// Called for several networks, it joins them all.
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("postgres")
    ///     .network("backend", ["db"])
    ///     .build()?;
    /// let endpoints = body.networking_config.unwrap().endpoints_config;
    /// assert_eq!(endpoints["backend"].aliases, ["db"]);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn network<I, S>(mut self, name: impl Into<String>, aliases: I) -> ContainerSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let config = self
            .body
            .networking_config
            .get_or_insert_with(NetworkingConfig::default);
        let endpoint = config.endpoints_config.entry(name.into()).or_default();
        endpoint.aliases.extend(aliases.into_iter().map(Into::into));
        self
    }

    /// The host config (resources, ports, mounts, restart policy, ...).
    ///
    /// ```
    /// use wharf::container::{ContainerSpec, HostSpec};
    ///
    /// let body = ContainerSpec::new("alpine").host(HostSpec::new().auto_remove(true)).build()?;
    /// assert_eq!(body.host_config.unwrap().auto_remove, Some(true));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn host(mut self, host: HostSpec) -> ContainerSpec {
        self.host = Some(host);
        self
    }

    /// Changes the create body directly, for fields the builder does not
    /// cover.
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine")
    ///     .with_body(|b| b.domainname = Some("example.org".into()))
    ///     .build()?;
    /// assert_eq!(body.domainname.as_deref(), Some("example.org"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn with_body(mut self, change: impl FnOnce(&mut ContainerCreateBody)) -> ContainerSpec {
        change(&mut self.body);
        self
    }

    /// The create body, or the first mistake made while building it (such
    /// as a memory size that does not parse).
    ///
    /// ```
    /// use wharf::container::{ContainerSpec, HostSpec};
    ///
    /// let e = ContainerSpec::new("alpine").host(HostSpec::new().memory("lots")).build().unwrap_err();
    /// assert_eq!(e.kind(), wharf::ErrorKind::InvalidArgument);
    /// ```
    pub fn build(&self) -> Result<ContainerCreateBody> {
        let mut body = self.body.clone();
        if let Some(host) = &self.host {
            let host = host.build()?;
            // The CLI exposes every published port (`docker run -p`); do the same so
            // that a binding is never ignored for want of an exposed port.
            if let Some(bindings) = &host.port_bindings {
                let exposed = body.exposed_ports.get_or_insert_with(HashMap::new);
                for port in bindings.keys() {
                    exposed.entry(port.clone()).or_default();
                }
            }
            body.host_config = Some(host);
        }
        Ok(body)
    }
}

/// A container's health check ([`ContainerSpec::healthcheck`]): a command
/// the daemon runs in the container, and how often.
///
/// Durations are sent in nanoseconds, as the API wants them; unset ones
/// take the image's values, then the daemon's defaults (30 s interval,
/// 30 s timeout, 3 retries).
///
/// ```
/// use std::time::Duration;
/// use wharf::container::Healthcheck;
///
/// let check = Healthcheck::cmd(["pg_isready", "-U", "postgres"])
///     .interval(Duration::from_secs(10))
///     .timeout(Duration::from_secs(3))
///     .retries(5)
///     .start_period(Duration::from_secs(30));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Healthcheck(HealthConfig);

impl Healthcheck {
    fn test(test: Vec<String>) -> Healthcheck {
        Healthcheck(HealthConfig {
            test,
            ..HealthConfig::default()
        })
    }

    /// Runs `argv` directly (`["CMD", argv...]`); healthy when it exits 0.
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::cmd(["curl", "-f", "http://localhost/"]);
    /// ```
    pub fn cmd<I, S>(argv: I) -> Healthcheck
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut test = vec!["CMD".to_owned()];
        test.extend(argv.into_iter().map(Into::into));
        Healthcheck::test(test)
    }

    /// Runs `command` with the container's shell (`["CMD-SHELL", command]`).
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::shell("test -f /tmp/ready");
    /// ```
    pub fn shell(command: impl Into<String>) -> Healthcheck {
        Healthcheck::test(vec!["CMD-SHELL".to_owned(), command.into()])
    }

    /// No health check, even if the image defines one (`["NONE"]`).
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::none();
    /// ```
    pub fn none() -> Healthcheck {
        Healthcheck::test(vec!["NONE".to_owned()])
    }

    /// The time between two checks.
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::shell("true").interval(std::time::Duration::from_secs(5));
    /// ```
    pub fn interval(mut self, every: Duration) -> Healthcheck {
        self.0.interval = Some(nanos(every));
        self
    }

    /// How long one check may run before it counts as failed.
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::shell("true").timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Healthcheck {
        self.0.timeout = Some(nanos(timeout));
        self
    }

    /// How many failures in a row make the container unhealthy.
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::shell("true").retries(5);
    /// ```
    pub fn retries(mut self, retries: u32) -> Healthcheck {
        self.0.retries = Some(i64::from(retries));
        self
    }

    /// The time the container gets to start, during which failures do not
    /// count.
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::shell("true").start_period(std::time::Duration::from_secs(30));
    /// ```
    pub fn start_period(mut self, period: Duration) -> Healthcheck {
        self.0.start_period = Some(nanos(period));
        self
    }

    /// The time between checks during the start period (API 1.44 and
    /// later).
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::shell("true").start_interval(std::time::Duration::from_secs(1));
    /// ```
    pub fn start_interval(mut self, every: Duration) -> Healthcheck {
        self.0.start_interval = Some(nanos(every));
        self
    }
}

impl From<Healthcheck> for HealthConfig {
    fn from(check: Healthcheck) -> HealthConfig {
        check.0
    }
}

/// A duration in nanoseconds, as the API counts them (saturating).
fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// When the daemon restarts a container that stopped.
///
/// ```
/// use wharf::container::{HostSpec, Restart};
///
/// let host = HostSpec::new().restart(Restart::OnFailure { max_retries: Some(3) }).build()?;
/// let policy = host.restart_policy.unwrap();
/// assert_eq!(policy.name.unwrap().as_str(), "on-failure");
/// assert_eq!(policy.maximum_retry_count, Some(3));
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// Never (the default).
    No,
    /// Always, also after the daemon restarts.
    Always,
    /// Always, unless it was stopped by a call (or `docker stop`).
    UnlessStopped,
    /// When it exits with a non-zero status, at most `max_retries` times
    /// (no limit when `None`).
    OnFailure {
        /// How many restarts to try before giving up.
        max_retries: Option<u32>,
    },
}

impl From<Restart> for RestartPolicy {
    fn from(restart: Restart) -> RestartPolicy {
        let (name, max) = match restart {
            Restart::No => (RestartPolicyName::No, None),
            Restart::Always => (RestartPolicyName::Always, None),
            Restart::UnlessStopped => (RestartPolicyName::UnlessStopped, None),
            Restart::OnFailure { max_retries } => {
                (RestartPolicyName::OnFailure, max_retries.map(i64::from))
            }
        };
        RestartPolicy {
            name: Some(name),
            maximum_retry_count: max,
        }
    }
}

/// The host config of a container: resources, ports, mounts, restart
/// policy, network mode.
///
/// ```
/// use wharf::container::{HostSpec, Restart};
///
/// let host = HostSpec::new()
///     .memory("512m")
///     .cpu_shares(512)
///     .cpu_quota(50_000)
///     .ulimit("nofile", 1024, 2048)
///     .bind("/srv/data:/data:ro")
///     .publish("80", "8080")
///     .network_mode("bridge")
///     .restart(Restart::Always)
///     .build()?;
/// assert_eq!(host.memory, Some(512 * 1024 * 1024));
/// assert_eq!(host.binds, ["/srv/data:/data:ro"]);
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct HostSpec {
    config: HostConfig,
    error: Option<String>,
}

impl HostSpec {
    /// An empty host config: the daemon's defaults.
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new().build()?;
    /// assert_eq!(host, Default::default());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn new() -> HostSpec {
        HostSpec::default()
    }

    /// Starts from a host config built elsewhere.
    ///
    /// ```
    /// use wharf::api::types::HostConfig;
    ///
    /// let base = HostConfig { privileged: Some(false), ..Default::default() };
    /// let host = wharf::container::HostSpec::from_config(base).auto_remove(true).build()?;
    /// assert_eq!(host.privileged, Some(false));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn from_config(config: HostConfig) -> HostSpec {
        HostSpec {
            config,
            error: None,
        }
    }

    /// The memory limit, with units: `"512m"`, `"1.5g"`, `"268435456"` (see
    /// [`MemorySize`]). A size that does not parse makes
    /// [`build`](HostSpec::build) (and the create call) fail with
    /// [`crate::ErrorKind::InvalidArgument`].
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new().memory("64m").build()?;
    /// assert_eq!(host.memory, Some(64 << 20));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn memory(mut self, size: &str) -> HostSpec {
        self.config.memory = self.size("memory", size);
        self
    }

    /// The memory limit in bytes.
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new().memory_bytes(64 << 20).build()?;
    /// assert_eq!(host.memory, Some(64 << 20));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn memory_bytes(mut self, bytes: u64) -> HostSpec {
        self.config.memory = self.size_bytes("memory", bytes);
        self
    }

    /// The limit of memory plus swap, with units (`"-1"`: unlimited swap).
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new().memory("64m").memory_swap("128m").build()?;
    /// assert_eq!(host.memory_swap, Some(128 << 20));
    /// let host = wharf::container::HostSpec::new().memory_swap("-1").build()?;
    /// assert_eq!(host.memory_swap, Some(-1));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn memory_swap(mut self, size: &str) -> HostSpec {
        self.config.memory_swap = if size.trim() == "-1" {
            Some(-1)
        } else {
            self.size("memory swap", size)
        };
        self
    }

    fn size(&mut self, what: &str, text: &str) -> Option<i64> {
        match MemorySize::parse(text) {
            Ok(size) => self.size_bytes(what, size.bytes()),
            Err(e) => {
                self.error
                    .get_or_insert_with(|| format!("the {what} limit: {e}"));
                None
            }
        }
    }

    fn size_bytes(&mut self, what: &str, bytes: u64) -> Option<i64> {
        let size = MemorySize::from_bytes(bytes).as_i64();
        if size.is_none() {
            self.error
                .get_or_insert_with(|| format!("the {what} limit of {bytes} bytes is too large"));
        }
        size
    }

    /// The relative CPU weight (1024 is the default weight).
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new().cpu_shares(512).build()?;
    /// assert_eq!(host.cpu_shares, Some(512));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn cpu_shares(mut self, shares: i64) -> HostSpec {
        self.config.cpu_shares = Some(shares);
        self
    }

    /// CPU time allowed per CPU period, in microseconds (with the default
    /// period of 100 000 µs, `50_000` is half a CPU).
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new().cpu_quota(50_000).build()?;
    /// assert_eq!(host.cpu_quota, Some(50_000));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn cpu_quota(mut self, quota_us: i64) -> HostSpec {
        self.config.cpu_quota = Some(quota_us);
        self
    }

    /// The CPU period the quota applies to, in microseconds.
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new().cpu_period(100_000).build()?;
    /// assert_eq!(host.cpu_period, Some(100_000));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn cpu_period(mut self, period_us: i64) -> HostSpec {
        self.config.cpu_period = Some(period_us);
        self
    }

    /// Adds a ulimit (`nofile`, `nproc`, `core`, ...) with soft and hard
    /// limits.
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new().ulimit("nofile", 1024, 4096).build()?;
    /// assert_eq!(host.ulimits[0].name.as_deref(), Some("nofile"));
    /// assert_eq!(host.ulimits[0].hard, Some(4096));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn ulimit(mut self, name: impl Into<String>, soft: i64, hard: i64) -> HostSpec {
        self.config.ulimits.push(HostConfigUlimitsItem {
            name: Some(name.into()),
            soft: Some(soft),
            hard: Some(hard),
        });
        self
    }

    /// The restart policy.
    ///
    /// ```
    /// use wharf::container::{HostSpec, Restart};
    ///
    /// let host = HostSpec::new().restart(Restart::UnlessStopped).build()?;
    /// assert_eq!(host.restart_policy.unwrap().name.unwrap().as_str(), "unless-stopped");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn restart(mut self, restart: Restart) -> HostSpec {
        self.config.restart_policy = Some(restart.into());
        self
    }

    /// Publishes a container port (`80`, `80/tcp`, `53/udp`) on a host port
    /// of all host addresses (`""`: a port the daemon picks). Several calls
    /// for one container port publish it several times.
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new().publish("80", "8080").build()?;
    /// let bindings = host.port_bindings.unwrap();
    /// let binding = &bindings["80/tcp"].as_ref().unwrap()[0];
    /// assert_eq!(binding.host_port.as_deref(), Some("8080"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn publish(self, container_port: &str, host_port: &str) -> HostSpec {
        self.publish_binding(
            container_port,
            PortBinding {
                host_ip: None,
                host_port: Some(host_port.to_owned()),
            },
        )
    }

    /// Publishes a container port on a host address and port, such as
    /// `127.0.0.1` and `8080`.
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new().publish_on("80", "127.0.0.1", "").build()?;
    /// let bindings = host.port_bindings.unwrap();
    /// assert_eq!(bindings["80/tcp"].as_ref().unwrap()[0].host_ip.as_deref(), Some("127.0.0.1"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn publish_on(self, container_port: &str, host_ip: &str, host_port: &str) -> HostSpec {
        self.publish_binding(
            container_port,
            PortBinding {
                host_ip: Some(host_ip.to_owned()),
                host_port: Some(host_port.to_owned()),
            },
        )
    }

    fn publish_binding(mut self, container_port: &str, binding: PortBinding) -> HostSpec {
        let map = self
            .config
            .port_bindings
            .get_or_insert_with(|| PortMap(HashMap::new()));
        map.0
            .entry(port_key(container_port))
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(binding);
        self
    }

    /// Publishes every exposed port on a random host port (`docker run -P`).
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new().publish_all(true).build()?;
    /// assert_eq!(host.publish_all_ports, Some(true));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn publish_all(mut self, publish: bool) -> HostSpec {
        self.config.publish_all_ports = Some(publish);
        self
    }

    /// Adds a bind or volume in the CLI's `-v` form: `SOURCE:TARGET[:OPTIONS]`
    /// (`/srv/data:/data:ro`, `cache:/var/cache`).
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new().bind("logs:/var/log").build()?;
    /// assert_eq!(host.binds, ["logs:/var/log"]);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn bind(mut self, bind: impl Into<String>) -> HostSpec {
        self.config.binds.push(bind.into());
        self
    }

    /// Adds a mount (bind, volume, tmpfs, ...), the structured form of
    /// [`bind`](HostSpec::bind).
    ///
    /// ```
    /// use wharf::api::types::{Mount, MountType};
    ///
    /// let host = wharf::container::HostSpec::new()
    ///     .mount(Mount {
    ///         type_: Some(MountType::Tmpfs),
    ///         target: Some("/scratch".into()),
    ///         ..Default::default()
    ///     })
    ///     .build()?;
    /// assert_eq!(host.mounts.len(), 1);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn mount(mut self, mount: Mount) -> HostSpec {
        self.config.mounts.push(mount);
        self
    }

    /// The network mode: `bridge`, `host`, `none`, `container:NAME` or the
    /// name of a network.
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new().network_mode("none").build()?;
    /// assert_eq!(host.network_mode.as_deref(), Some("none"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn network_mode(mut self, mode: impl Into<String>) -> HostSpec {
        self.config.network_mode = Some(mode.into());
        self
    }

    /// Removes the container when it exits (`docker run --rm`).
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new().auto_remove(true).build()?;
    /// assert_eq!(host.auto_remove, Some(true));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn auto_remove(mut self, remove: bool) -> HostSpec {
        self.config.auto_remove = Some(remove);
        self
    }

    /// Changes the host config directly, for fields the builder does not
    /// cover.
    ///
    /// ```
    /// let host = wharf::container::HostSpec::new()
    ///     .with_config(|c| c.cap_drop = vec!["ALL".into()])
    ///     .build()?;
    /// assert_eq!(host.cap_drop, ["ALL"]);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn with_config(mut self, change: impl FnOnce(&mut HostConfig)) -> HostSpec {
        change(&mut self.config);
        self
    }

    /// The host config, or the first mistake made while building it.
    ///
    /// ```
    /// let e = wharf::container::HostSpec::new().memory("12q").build().unwrap_err();
    /// assert_eq!(e.kind(), wharf::ErrorKind::InvalidArgument);
    /// assert!(e.to_string().contains("\"12q\""));
    /// ```
    pub fn build(&self) -> Result<HostConfig> {
        match &self.error {
            Some(e) => Err(Error::invalid_argument(e.clone())),
            None => Ok(self.config.clone()),
        }
    }
}

/// A change to a running (or stopped) container's resources and restart
/// policy, for [`Container::update`].
///
/// ```
/// use wharf::container::{ContainerUpdate, Restart};
///
/// let update = ContainerUpdate::new().memory("128m").cpu_shares(256).restart(Restart::Always);
/// let body = update.build()?;
/// assert_eq!(body.memory, Some(128 << 20));
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct ContainerUpdate {
    body: ContainerUpdateBody,
    error: Option<String>,
}

impl ContainerUpdate {
    /// No change yet.
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().build()?;
    /// assert_eq!(body, Default::default());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn new() -> ContainerUpdate {
        ContainerUpdate::default()
    }

    /// The new memory limit, with units (see [`HostSpec::memory`]). When the
    /// container has a swap limit, the new memory limit must stay below it:
    /// set [`memory_swap`](ContainerUpdate::memory_swap) too.
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().memory("1g").build()?;
    /// assert_eq!(body.memory, Some(1 << 30));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn memory(mut self, size: &str) -> ContainerUpdate {
        self.body.memory = self.size("memory", size);
        self
    }

    /// The new memory-plus-swap limit, with units (`"-1"`: unlimited).
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().memory_swap("2g").build()?;
    /// assert_eq!(body.memory_swap, Some(2 << 30));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn memory_swap(mut self, size: &str) -> ContainerUpdate {
        self.body.memory_swap = if size.trim() == "-1" {
            Some(-1)
        } else {
            self.size("memory swap", size)
        };
        self
    }

    fn size(&mut self, what: &str, text: &str) -> Option<i64> {
        match MemorySize::parse(text).map(MemorySize::as_i64) {
            Ok(Some(bytes)) => Some(bytes),
            Ok(None) => {
                self.error
                    .get_or_insert_with(|| format!("the {what} limit {text:?} is too large"));
                None
            }
            Err(e) => {
                self.error
                    .get_or_insert_with(|| format!("the {what} limit: {e}"));
                None
            }
        }
    }

    /// The new relative CPU weight.
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().cpu_shares(2048).build()?;
    /// assert_eq!(body.cpu_shares, Some(2048));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn cpu_shares(mut self, shares: i64) -> ContainerUpdate {
        self.body.cpu_shares = Some(shares);
        self
    }

    /// The new CPU quota per period, in microseconds.
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().cpu_quota(25_000).build()?;
    /// assert_eq!(body.cpu_quota, Some(25_000));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn cpu_quota(mut self, quota_us: i64) -> ContainerUpdate {
        self.body.cpu_quota = Some(quota_us);
        self
    }

    /// The new CPU period, in microseconds.
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().cpu_period(50_000).build()?;
    /// assert_eq!(body.cpu_period, Some(50_000));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn cpu_period(mut self, period_us: i64) -> ContainerUpdate {
        self.body.cpu_period = Some(period_us);
        self
    }

    /// The new maximum number of processes (`-1` or `0`: unlimited).
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().pids_limit(100).build()?;
    /// assert_eq!(body.pids_limit, Some(100));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn pids_limit(mut self, limit: i64) -> ContainerUpdate {
        self.body.pids_limit = Some(limit);
        self
    }

    /// Replaces the ulimits.
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().ulimit("nofile", 512, 512).build()?;
    /// assert_eq!(body.ulimits.len(), 1);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn ulimit(mut self, name: impl Into<String>, soft: i64, hard: i64) -> ContainerUpdate {
        self.body.ulimits.push(ContainerUpdateBodyUlimitsItem {
            name: Some(name.into()),
            soft: Some(soft),
            hard: Some(hard),
        });
        self
    }

    /// The new restart policy.
    ///
    /// ```
    /// use wharf::container::{ContainerUpdate, Restart};
    ///
    /// let body = ContainerUpdate::new().restart(Restart::No).build()?;
    /// assert_eq!(body.restart_policy.unwrap().name.unwrap().as_str(), "no");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn restart(mut self, restart: Restart) -> ContainerUpdate {
        self.body.restart_policy = Some(restart.into());
        self
    }

    /// Changes the update body directly, for fields the builder does not
    /// cover.
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new()
    ///     .with_body(|b| b.cpuset_cpus = Some("0".into()))
    ///     .build()?;
    /// assert_eq!(body.cpuset_cpus.as_deref(), Some("0"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn with_body(mut self, change: impl FnOnce(&mut ContainerUpdateBody)) -> ContainerUpdate {
        change(&mut self.body);
        self
    }

    /// The update body, or the first mistake made while building it.
    ///
    /// ```
    /// let e = wharf::container::ContainerUpdate::new().memory("x").build().unwrap_err();
    /// assert_eq!(e.kind(), wharf::ErrorKind::InvalidArgument);
    /// ```
    pub fn build(&self) -> Result<ContainerUpdateBody> {
        match &self.error {
            Some(e) => Err(Error::invalid_argument(e.clone())),
            None => Ok(self.body.clone()),
        }
    }
}

/// `80` → `80/tcp`; `53/udp` stays.
pub(crate) fn port_key(port: &str) -> String {
    let port = port.trim();
    if port.contains('/') {
        port.to_owned()
    } else {
        format!("{port}/tcp")
    }
}

/// A container just created, with the daemon's warnings (such as a memory
/// limit the kernel cannot enforce).
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// use wharf::container::ContainerSpec;
///
/// let created = docker.containers().create(&ContainerSpec::new("alpine")).await?;
/// for w in &created.warnings {
///     eprintln!("warning: {w}");
/// }
/// created.container.start().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Created {
    /// The new container, by id.
    pub container: Container,
    /// What the daemon warned about.
    pub warnings: Vec<String>,
}

impl Containers {
    /// Creates a container (`POST /containers/create`). A name in use is an
    /// [`ErrorKind::Conflict`], a missing image an [`ErrorKind::NotFound`]
    /// (the daemon does not pull it), an invalid name an
    /// [`ErrorKind::InvalidArgument`], each with the daemon's message.
    /// (Podman 4.3 answers the invalid name and the name in use with `500`:
    /// [`ErrorKind::Server`], its message ending in `invalid argument` or
    /// `that name is already in use`.)
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::container::ContainerSpec;
    ///
    /// let spec = ContainerSpec::new("alpine:3.20").name("job").cmd(["echo", "hi"]);
    /// let job = docker.containers().create(&spec).await?.container;
    /// println!("created {}", job.id());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, spec: &ContainerSpec) -> Result<Created> {
        let body = spec.build()?;
        let api = self.docker.generated().await?;
        let call = api.container_create(spec.name.as_deref(), spec.platform.as_deref(), &body);
        let created = self.docker.call(Timeout::Default, call).await?;
        Ok(Created {
            container: self.docker.container(created.id),
            warnings: created.warnings,
        })
    }

    /// Creates the container `spec` names, first removing (forcibly, with
    /// its anonymous volumes) any container that has that name. Another
    /// client creating the same name at the same moment makes this fail with
    /// [`ErrorKind::Conflict`].
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::container::ContainerSpec;
    ///
    /// let spec = ContainerSpec::new("redis:7").name("cache");
    /// let cache = docker.containers().create_or_replace(&spec).await?.container;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_or_replace(&self, spec: &ContainerSpec) -> Result<Created> {
        let Some(name) = spec.get_name() else {
            return Err(Error::invalid_argument(
                "create_or_replace needs a container name: set ContainerSpec::name",
            ));
        };
        let existing = self.docker.container(name);
        match existing
            .remove_with(&RemoveOptions::new().force(true).volumes(true))
            .await
        {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        self.create(spec).await
    }

    /// Creates a container and starts it (`docker run -d`). If it cannot be
    /// started, it is removed again and the start error returned.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::container::ContainerSpec;
    ///
    /// let web = docker.containers().run(&ContainerSpec::new("nginx:alpine")).await?.container;
    /// let status = web.wait().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn run(&self, spec: &ContainerSpec) -> Result<Created> {
        let created = self.create(spec).await?;
        if let Err(e) = created.container.start().await {
            let _ = created
                .container
                .remove_with(&RemoveOptions::new().force(true).volumes(true))
                .await;
            return Err(e);
        }
        Ok(created)
    }
}

/// Labels as a sorted map, for tests.
#[cfg(test)]
fn sorted(labels: &HashMap<String, String>) -> std::collections::BTreeMap<&str, &str> {
    labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[test]
    fn the_create_body_is_the_engines_json() {
        let spec = ContainerSpec::new("busybox")
            .name("web")
            .cmd(["httpd", "-f"])
            .entrypoint(["/bin/sh", "-c"])
            .env("A", "1")
            .env_list(["B=2"])
            .envs([("C", "3")])
            .labels([("app", "web")])
            .working_dir("/www")
            .user("nobody")
            .expose("8080/udp")
            .tty(true)
            .open_stdin(true)
            .host(
                HostSpec::new()
                    .memory("512m")
                    .cpu_shares(256)
                    .cpu_quota(50_000)
                    .ulimit("nofile", 100, 200)
                    .restart(Restart::OnFailure { max_retries: None })
                    .publish("80", "8080")
                    .bind("/src:/dst:ro")
                    .network_mode("bridge")
                    .auto_remove(true),
            );
        let json = serde_json::to_value(spec.build().unwrap()).unwrap();
        assert_eq!(
            json,
            json!({
                "Image": "busybox",
                "Cmd": ["httpd", "-f"],
                "Entrypoint": ["/bin/sh", "-c"],
                "Env": ["A=1", "B=2", "C=3"],
                "Labels": {"app": "web"},
                "WorkingDir": "/www",
                "User": "nobody",
                "ExposedPorts": {"8080/udp": {}, "80/tcp": {}},
                "Tty": true,
                "OpenStdin": true,
                "HostConfig": {
                    "Memory": 536870912,
                    "CpuShares": 256,
                    "CpuQuota": 50000,
                    "Ulimits": [{"Name": "nofile", "Soft": 100, "Hard": 200}],
                    "RestartPolicy": {"Name": "on-failure"},
                    "PortBindings": {"80/tcp": [{"HostPort": "8080"}]},
                    "Binds": ["/src:/dst:ro"],
                    "NetworkMode": "bridge",
                    "AutoRemove": true
                }
            })
        );
        // The name goes in the query, not the body.
        assert_eq!(spec.get_name(), Some("web"));
    }

    #[test]
    fn a_bare_image_sends_only_the_image() {
        let json = serde_json::to_value(ContainerSpec::new("alpine").build().unwrap()).unwrap();
        assert_eq!(json, json!({"Image": "alpine"}));
    }

    #[test]
    fn env_keys_are_replaced_in_place() {
        let body = ContainerSpec::new("a")
            .env("X", "1")
            .env("Y", "2")
            .env_list(["X=3", "Z"])
            .build()
            .unwrap();
        assert_eq!(body.env, ["X=3", "Y=2", "Z"]);
    }

    #[test]
    fn labels_from_maps_and_pairs() {
        let body = ContainerSpec::new("a")
            .labels(BTreeMap::from([("a", "1"), ("b", "2")]))
            .label("b", "3")
            .build()
            .unwrap();
        assert_eq!(
            sorted(&body.labels),
            BTreeMap::from([("a", "1"), ("b", "3")])
        );
    }

    #[test]
    fn bindings_accumulate_per_port() {
        let host = HostSpec::new()
            .publish("53/udp", "5353")
            .publish_on("53/udp", "127.0.0.1", "")
            .build()
            .unwrap();
        let json = serde_json::to_value(host).unwrap();
        assert_eq!(
            json["PortBindings"],
            json!({"53/udp": [{"HostPort": "5353"}, {"HostIp": "127.0.0.1", "HostPort": ""}]})
        );
    }

    #[test]
    fn restart_policies() {
        let cases = [
            (Restart::No, json!({"Name": "no"})),
            (Restart::Always, json!({"Name": "always"})),
            (Restart::UnlessStopped, json!({"Name": "unless-stopped"})),
            (
                Restart::OnFailure {
                    max_retries: Some(5),
                },
                json!({"Name": "on-failure", "MaximumRetryCount": 5}),
            ),
        ];
        for (restart, expected) in cases {
            let policy: RestartPolicy = restart.into();
            assert_eq!(serde_json::to_value(policy).unwrap(), expected);
        }
    }

    #[test]
    fn a_bad_memory_size_fails_the_build_and_names_the_input() {
        let spec = ContainerSpec::new("a").host(HostSpec::new().memory("512mb!"));
        let e = spec.build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.to_string().contains("the memory limit"), "{e}");
        assert!(e.to_string().contains("\"512mb!\""), "{e}");
        // The first mistake is the one reported.
        let e = HostSpec::new()
            .memory_swap("x")
            .memory("y")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("memory swap"), "{e}");
    }

    #[test]
    fn the_update_body() {
        let body = ContainerUpdate::new()
            .memory("64m")
            .memory_swap("-1")
            .cpu_shares(100)
            .pids_limit(50)
            .restart(Restart::UnlessStopped)
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            json!({
                "Memory": 67108864,
                "MemorySwap": -1,
                "CpuShares": 100,
                "PidsLimit": 50,
                "RestartPolicy": {"Name": "unless-stopped"}
            })
        );
        assert!(ContainerUpdate::new().memory("1q").build().is_err());
    }

    #[test]
    fn port_keys_default_to_tcp() {
        assert_eq!(port_key("80"), "80/tcp");
        assert_eq!(port_key("53/udp"), "53/udp");
        assert_eq!(port_key(" 8080/tcp "), "8080/tcp");
    }
}
