//! [`ContainerSpec`]: the create body of a container, with its name and
//! platform. It produces the generated [`ContainerCreateBody`]; anything it
//! does not cover can be set on that directly with
//! [`ContainerSpec::with_body`].

use std::collections::HashMap;
use std::time::Duration;

use wharf_api::types::{ContainerCreateBody, NetworkingConfig};

use super::{Healthcheck, HostSpec};
use crate::error::Result;

/// What to create: image, command, environment, labels, ports, host config,
/// plus the container's name and platform (sent as query parameters).
///
/// ```
/// use wharf::container::{ContainerSpec, HostSpec, Resources, Restart};
///
/// let spec = ContainerSpec::new("nginx:alpine")
///     .name("web")
///     .env("MODE", "production")
///     .label("app", "web")
///     .expose("80/tcp")
///     .host(
///         HostSpec::new()
///             .publish("80/tcp", "8080")
///             .resources(Resources::new().memory("256m").restart(Restart::UnlessStopped)),
///     );
/// let body = spec.build()?;
/// assert_eq!(body.image.as_deref(), Some("nginx:alpine"));
/// assert_eq!(body.host_config.unwrap().memory, Some(256 << 20));
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct ContainerSpec {
    pub(super) name: Option<String>,
    pub(super) platform: Option<String>,
    body: ContainerCreateBody,
    host: Option<HostSpec>,
    /// The first mistake made while building, reported by `build`.
    error: Option<String>,
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

    /// The image the container is made of.
    pub(super) fn image(&self) -> Option<&str> {
        self.body.image.as_deref()
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

    /// The command as one shell-like string, split into words the way
    /// docker-py splits a string `command` (Python's `shlex.split`: quotes
    /// and backslashes group and escape, nothing is expanded; see
    /// [`cmd`](ContainerSpec::cmd) for a list). No shell runs it: for pipes
    /// or variables, run `sh -c` yourself. An unclosed quote makes
    /// [`build`](ContainerSpec::build) fail with
    /// [`InvalidArgument`](crate::ErrorKind::InvalidArgument).
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine")
    ///     .command(r#"sh -c 'echo "$HOME"; ls /'"#)
    ///     .build()?;
    /// assert_eq!(body.cmd, ["sh", "-c", r#"echo "$HOME"; ls /"#]);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn command(mut self, line: &str) -> ContainerSpec {
        match super::shell::split(line) {
            Ok(words) => self.body.cmd = words,
            Err(why) => {
                let e = format!("the command {line:?} cannot be split into words: {why}");
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Adds an anonymous volume at `path` in the container (`docker run -v
    /// /data`, docker-py's `volumes=["/data"]` without a source): a new
    /// volume, removed with the container by
    /// [`RemoveOptions::volumes`](super::RemoveOptions::volumes).
    ///
    /// ```
    /// let body = wharf::container::ContainerSpec::new("alpine").volume("/data").build()?;
    /// assert!(body.volumes.contains_key("/data"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn volume(mut self, path: impl Into<String>) -> ContainerSpec {
        self.body
            .volumes
            .insert(path.into(), serde_json::Map::new());
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
        set_env(&mut self.body.env, entry);
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
        self.body.healthcheck = Some(check.into());
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

    /// Connects the container to the network `name` when it is created, with these
    /// endpoint settings: aliases, a fixed address, links
    /// ([`EndpointSpec`](crate::network::EndpointSpec)). Replaces what
    /// [`network`](Self::network) set for that network.
    ///
    /// ```
    /// use wharf::network::EndpointSpec;
    ///
    /// let body = wharf::container::ContainerSpec::new("postgres")
    ///     .endpoint("backend", &EndpointSpec::new().alias("db").ipv4("10.231.7.10"))
    ///     .build()?;
    /// let endpoints = body.networking_config.unwrap().endpoints_config;
    /// let ipam = endpoints["backend"].ipam_config.clone().unwrap();
    /// assert_eq!(ipam.i_pv4_address.as_deref(), Some("10.231.7.10"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn endpoint(
        mut self,
        name: impl Into<String>,
        endpoint: &crate::network::EndpointSpec,
    ) -> ContainerSpec {
        let config = self
            .body
            .networking_config
            .get_or_insert_with(NetworkingConfig::default);
        config
            .endpoints_config
            .insert(name.into(), endpoint.build());
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
    /// use wharf::container::{ContainerSpec, HostSpec, Resources};
    ///
    /// let host = HostSpec::new().resources(Resources::new().memory("lots"));
    /// let e = ContainerSpec::new("alpine").host(host).build().unwrap_err();
    /// assert_eq!(e.kind(), wharf::ErrorKind::InvalidArgument);
    /// ```
    pub fn build(&self) -> Result<ContainerCreateBody> {
        if let Some(e) = &self.error {
            return Err(crate::Error::invalid_argument(e.clone()));
        }
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

/// Sets an environment entry (`KEY=value`, or `KEY`) in an Engine `Env`
/// list, replacing an earlier entry for the same key.
pub(crate) fn set_env(env: &mut Vec<String>, entry: String) {
    let key = entry.split('=').next().unwrap_or_default();
    let same_key = |e: &String| e.split('=').next() == Some(key);
    match env.iter_mut().find(|e| same_key(e)) {
        Some(existing) => *existing = entry,
        None => env.push(entry),
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

/// Labels as a sorted map, for tests.
#[cfg(test)]
fn sorted(labels: &HashMap<String, String>) -> std::collections::BTreeMap<&str, &str> {
    labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[cfg(test)]
mod tests;
