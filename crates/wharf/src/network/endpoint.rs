//! A container's place on a network: [`EndpointSpec`], and [`Network::connect`] and
//! [`Network::disconnect`].

use wharf_api::types::{
    EndpointIpamConfig, EndpointSettings, NetworkConnectRequest, NetworkDisconnectRequest,
};

use super::Network;
use crate::error::Result;
use crate::Timeout;

/// How a container joins a network, for [`Network::connect`]: its aliases (names other
/// containers of the network resolve to it), fixed addresses, legacy links and driver
/// options.
///
/// ```
/// use wharf::network::EndpointSpec;
///
/// let endpoint = EndpointSpec::new()
///     .alias("db")
///     .alias("postgres")
///     .ipv4("10.231.7.10")
///     .ipv6("fd00:231:7::10")
///     .link("cache:redis")
///     .driver_option("com.example.opt", "1");
/// let settings = endpoint.build();
/// assert_eq!(settings.aliases, ["db", "postgres"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct EndpointSpec {
    settings: EndpointSettings,
}

impl EndpointSpec {
    /// No alias, addresses from the network's pool.
    ///
    /// ```
    /// let endpoint = wharf::network::EndpointSpec::new();
    /// ```
    pub fn new() -> EndpointSpec {
        EndpointSpec::default()
    }

    /// A name other containers of the network reach this one by (besides its own name).
    ///
    /// ```
    /// let endpoint = wharf::network::EndpointSpec::new().alias("db");
    /// ```
    pub fn alias(mut self, alias: impl Into<String>) -> EndpointSpec {
        self.settings.aliases.push(alias.into());
        self
    }

    /// A fixed IPv4 address, inside one of the network's subnets (an address outside is
    /// an [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)).
    ///
    /// ```
    /// let endpoint = wharf::network::EndpointSpec::new().ipv4("10.231.7.10");
    /// ```
    pub fn ipv4(mut self, address: impl Into<String>) -> EndpointSpec {
        self.ipam().i_pv4_address = Some(address.into());
        self
    }

    /// A fixed IPv6 address, inside one of the network's subnets.
    ///
    /// ```
    /// let endpoint = wharf::network::EndpointSpec::new().ipv6("fd00:231:7::10");
    /// ```
    pub fn ipv6(mut self, address: impl Into<String>) -> EndpointSpec {
        self.ipam().i_pv6_address = Some(address.into());
        self
    }

    /// A legacy link, `container:alias`.
    ///
    /// ```
    /// let endpoint = wharf::network::EndpointSpec::new().link("cache:redis");
    /// ```
    pub fn link(mut self, link: impl Into<String>) -> EndpointSpec {
        self.settings.links.push(link.into());
        self
    }

    /// A driver option of the endpoint.
    ///
    /// ```
    /// let endpoint = wharf::network::EndpointSpec::new().driver_option("com.example.opt", "1");
    /// ```
    pub fn driver_option(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> EndpointSpec {
        self.settings
            .driver_opts
            .get_or_insert_with(Default::default)
            .insert(key.into(), value.into());
        self
    }

    /// The endpoint settings, as sent.
    ///
    /// ```
    /// let settings = wharf::network::EndpointSpec::new().ipv4("10.231.7.10").build();
    /// assert_eq!(settings.ipam_config.unwrap().i_pv4_address.as_deref(), Some("10.231.7.10"));
    /// ```
    pub fn build(&self) -> EndpointSettings {
        self.settings.clone()
    }

    fn ipam(&mut self) -> &mut EndpointIpamConfig {
        self.settings
            .ipam_config
            .get_or_insert_with(EndpointIpamConfig::default)
    }
}

impl From<EndpointSettings> for EndpointSpec {
    /// A spec from generated settings, for fields without a setter.
    ///
    /// ```
    /// let mut settings = wharf::network::EndpointSpec::new().build();
    /// settings.mac_address = Some("02:42:ac:11:00:02".into());
    /// let endpoint = wharf::network::EndpointSpec::from(settings);
    /// ```
    fn from(settings: EndpointSettings) -> EndpointSpec {
        EndpointSpec { settings }
    }
}

impl Network {
    /// Connects a running or created container (`POST /networks/{id}/connect`). A fixed
    /// address outside the network's subnets is an
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) (on Docker 20.10
    /// and Podman too, whose status says less).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::network::EndpointSpec;
    ///
    /// let web = docker.container("web");
    /// docker.network("backend").connect(&web, &EndpointSpec::new().alias("www")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(
        &self,
        container: impl Into<String>,
        endpoint: &EndpointSpec,
    ) -> Result<()> {
        let name = crate::path::name(&self.id)?;
        let body = NetworkConnectRequest {
            container: Some(container.into()),
            endpoint_config: Some(endpoint.build()),
        };
        let api = self.docker.generated().await?;
        let call = crate::container::bodiless(api.network_connect(name, &body));
        self.docker.call(Timeout::Default, call).await
    }

    /// Disconnects a container (`POST /networks/{id}/disconnect`); `force` also when it
    /// is not running or the network's driver cannot reach it.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.network("backend").disconnect("web", false).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn disconnect(&self, container: impl Into<String>, force: bool) -> Result<()> {
        let name = crate::path::name(&self.id)?;
        let body = NetworkDisconnectRequest {
            container: Some(container.into()),
            force: force.then_some(true),
        };
        let api = self.docker.generated().await?;
        let call = crate::container::bodiless(api.network_disconnect(name, &body));
        self.docker.call(Timeout::Default, call).await
    }
}
