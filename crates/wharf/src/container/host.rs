//! [`HostSpec`]: the host config of a container (resources, ports, mounts,
//! restart policy, network mode). It produces the generated [`HostConfig`];
//! anything it does not cover can be set on that directly with
//! [`HostSpec::with_config`].

use std::collections::HashMap;

use wharf_api::types::{HostConfig, PortBinding, PortMap};

use super::spec::port_key;
use super::{Mount, Publish, Resources};
use crate::error::Result;

/// The host config of a container: resources, ports, mounts, restart
/// policy, network mode.
///
/// ```
/// use wharf::container::{HostSpec, Resources, Restart};
///
/// let host = HostSpec::new()
///     .resources(
///         Resources::new()
///             .memory("512m")
///             .cpu_shares(512)
///             .ulimit("nofile", 1024, 2048)
///             .restart(Restart::Always),
///     )
///     .bind("/srv/data:/data:ro")
///     .publish("80", "8080")
///     .network_mode("bridge")
///     .build()?;
/// assert_eq!(host.memory, Some(512 * 1024 * 1024));
/// assert_eq!(host.binds, ["/srv/data:/data:ro"]);
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct HostSpec {
    config: HostConfig,
    resources: Option<Resources>,
    pub(super) error: Option<String>,
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
            ..HostSpec::default()
        }
    }

    /// Publishes a container port (`80`, `80/tcp`, `53/udp`) on a host port
    /// of all host addresses (`""`: a port the daemon picks). Several calls
    /// for one container port publish it several times. The typed form is
    /// [`publish_port`](HostSpec::publish_port).
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

    /// Publishes a container port, typed: see [`Publish`].
    ///
    /// ```
    /// use wharf::container::{HostSpec, Publish};
    ///
    /// let host = HostSpec::new().publish_port(Publish::tcp(80)).build()?;
    /// let bindings = host.port_bindings.unwrap();
    /// assert_eq!(bindings["80/tcp"].as_ref().unwrap()[0].host_port.as_deref(), Some(""));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn publish_port(self, publish: Publish) -> HostSpec {
        let binding = publish.binding();
        self.publish_binding(publish.container_port(), binding)
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
    /// (`/srv/data:/data:ro`, `cache:/var/cache`), or a typed [`Bind`](super::Bind).
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
    /// [`bind`](HostSpec::bind): a [`Mount`] or the generated
    /// [`types::Mount`](wharf_api::types::Mount).
    ///
    /// ```
    /// use wharf::container::{HostSpec, Mount};
    ///
    /// let host = HostSpec::new().mount(Mount::tmpfs("/scratch").size("16m")).build()?;
    /// assert_eq!(host.mounts.len(), 1);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn mount(mut self, mount: impl Into<Mount>) -> HostSpec {
        let mount = mount.into();
        if let Some(e) = &mount.error {
            self.error.get_or_insert_with(|| e.clone());
        }
        self.config.mounts.push(mount.into_inner());
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

    /// The resources and restart policy: the same builder
    /// [`Container::update`](super::Container::update) takes. Set last, they
    /// are laid over what [`with_config`](HostSpec::with_config) set.
    ///
    /// ```
    /// use wharf::container::{HostSpec, Resources};
    ///
    /// let host = HostSpec::new().resources(Resources::new().memory("64m").pids_limit(50)).build()?;
    /// assert_eq!((host.memory, host.pids_limit), (Some(64 << 20), Some(50)));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn resources(mut self, resources: Resources) -> HostSpec {
        self.resources = Some(resources);
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
    /// use wharf::container::{HostSpec, Resources};
    ///
    /// let e = HostSpec::new().resources(Resources::new().memory("12q")).build().unwrap_err();
    /// assert_eq!(e.kind(), wharf::ErrorKind::InvalidArgument);
    /// assert!(e.to_string().contains("\"12q\""));
    /// ```
    pub fn build(&self) -> Result<HostConfig> {
        if let Some(e) = &self.error {
            return Err(crate::Error::invalid_argument(e.clone()));
        }
        match &self.resources {
            Some(resources) => resources.over(&self.config),
            None => Ok(self.config.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
