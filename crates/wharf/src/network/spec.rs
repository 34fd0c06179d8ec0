//! What a network is created with: [`NetworkSpec`] and its address pools, [`IpamPool`].

use wharf_api::types::{Ipam, IpamConfig, NetworkCreateRequest};

/// A network to create, for [`Networks::create`](super::Networks::create): the generated
/// [`NetworkCreateRequest`] with setters for what users set.
///
/// ```
/// use wharf::network::{IpamPool, NetworkSpec};
///
/// let spec = NetworkSpec::new("backend")
///     .driver("bridge")
///     .internal(true)
///     .attachable(true)
///     .ipv6(true)
///     .pool(IpamPool::new("10.231.7.0/24").gateway("10.231.7.1").ip_range("10.231.7.128/25"))
///     .pool(IpamPool::new("fd00:231:7::/64"))
///     .option("com.docker.network.bridge.name", "br-backend")
///     .label("app", "demo");
/// let body = spec.build();
/// assert_eq!(body.name, "backend");
/// assert_eq!(body.ipam.unwrap().config.len(), 2);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct NetworkSpec {
    body: NetworkCreateRequest,
}

/// One address pool of a network's IPAM configuration: a subnet, its gateway, the range
/// containers get addresses from, and addresses kept for other uses.
///
/// ```
/// use wharf::network::IpamPool;
///
/// let pool = IpamPool::new("10.231.7.0/24")
///     .gateway("10.231.7.1")
///     .ip_range("10.231.7.128/25")
///     .aux_address("router", "10.231.7.2");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct IpamPool {
    config: IpamConfig,
}

impl IpamPool {
    /// A pool of the subnet `subnet` (CIDR: `10.231.7.0/24`, `fd00::/64`).
    ///
    /// ```
    /// let pool = wharf::network::IpamPool::new("10.231.7.0/24");
    /// ```
    pub fn new(subnet: impl Into<String>) -> IpamPool {
        IpamPool {
            config: IpamConfig {
                subnet: Some(subnet.into()),
                ..IpamConfig::default()
            },
        }
    }

    /// The subnet's gateway (default: the first address).
    ///
    /// ```
    /// let pool = wharf::network::IpamPool::new("10.231.7.0/24").gateway("10.231.7.254");
    /// ```
    pub fn gateway(mut self, gateway: impl Into<String>) -> IpamPool {
        self.config.gateway = Some(gateway.into());
        self
    }

    /// The part of the subnet containers are given addresses from (CIDR).
    ///
    /// ```
    /// let pool = wharf::network::IpamPool::new("10.231.7.0/24").ip_range("10.231.7.128/25");
    /// ```
    pub fn ip_range(mut self, range: impl Into<String>) -> IpamPool {
        self.config.ip_range = Some(range.into());
        self
    }

    /// An address of the subnet the IPAM driver must not give out, under a name.
    ///
    /// ```
    /// let pool = wharf::network::IpamPool::new("10.231.7.0/24").aux_address("nas", "10.231.7.3");
    /// ```
    pub fn aux_address(mut self, name: impl Into<String>, address: impl Into<String>) -> IpamPool {
        self.config
            .auxiliary_addresses
            .insert(name.into(), address.into());
        self
    }
}

impl NetworkSpec {
    /// A network named `name`, with the engine's default driver (`bridge` on a single
    /// engine) and an address pool the engine picks.
    ///
    /// ```
    /// let spec = wharf::network::NetworkSpec::new("backend");
    /// ```
    pub fn new(name: impl Into<String>) -> NetworkSpec {
        NetworkSpec {
            body: NetworkCreateRequest {
                name: name.into(),
                attachable: None,
                config_from: None,
                config_only: None,
                driver: None,
                enable_i_pv4: None,
                enable_i_pv6: None,
                ingress: None,
                internal: None,
                ipam: None,
                labels: Default::default(),
                options: Default::default(),
                scope: None,
            },
        }
    }

    /// The network driver: `bridge`, `overlay` (swarm), `macvlan`, `ipvlan`, a plugin.
    ///
    /// ```
    /// let spec = wharf::network::NetworkSpec::new("lan").driver("macvlan");
    /// ```
    pub fn driver(mut self, driver: impl Into<String>) -> NetworkSpec {
        self.body.driver = Some(driver.into());
        self
    }

    /// No route out: containers reach each other, not the outside world.
    ///
    /// ```
    /// let spec = wharf::network::NetworkSpec::new("isolated").internal(true);
    /// ```
    pub fn internal(mut self, internal: bool) -> NetworkSpec {
        self.body.internal = Some(internal);
        self
    }

    /// Standalone containers may join this swarm-scoped network.
    ///
    /// ```
    /// let spec = wharf::network::NetworkSpec::new("mesh").driver("overlay").attachable(true);
    /// ```
    pub fn attachable(mut self, attachable: bool) -> NetworkSpec {
        self.body.attachable = Some(attachable);
        self
    }

    /// The swarm's routing-mesh network (one per swarm).
    ///
    /// ```
    /// let spec = wharf::network::NetworkSpec::new("ingress").driver("overlay").ingress(true);
    /// ```
    pub fn ingress(mut self, ingress: bool) -> NetworkSpec {
        self.body.ingress = Some(ingress);
        self
    }

    /// IPv6 addresses for its containers (give it an IPv6 [`pool`](Self::pool), or have
    /// the daemon configured with IPv6 pools).
    ///
    /// ```
    /// let spec = wharf::network::NetworkSpec::new("v6").ipv6(true);
    /// ```
    pub fn ipv6(mut self, ipv6: bool) -> NetworkSpec {
        self.body.enable_i_pv6 = Some(ipv6);
        self
    }

    /// IPv4 addresses for its containers: on unless set `false` (API 1.48 and later; an
    /// older API version refuses it before sending).
    ///
    /// ```
    /// let spec = wharf::network::NetworkSpec::new("v6-only").ipv4(false).ipv6(true);
    /// ```
    pub fn ipv4(mut self, ipv4: bool) -> NetworkSpec {
        self.body.enable_i_pv4 = Some(ipv4);
        self
    }

    /// Adds an address pool; with none, the engine picks a subnet from its default pools.
    ///
    /// ```
    /// use wharf::network::{IpamPool, NetworkSpec};
    ///
    /// let spec = NetworkSpec::new("fixed").pool(IpamPool::new("10.231.7.0/24"));
    /// ```
    pub fn pool(mut self, pool: IpamPool) -> NetworkSpec {
        self.ipam().config.push(pool.config);
        self
    }

    /// The IPAM driver (`default`, or a plugin).
    ///
    /// ```
    /// let spec = wharf::network::NetworkSpec::new("n").ipam_driver("default");
    /// ```
    pub fn ipam_driver(mut self, driver: impl Into<String>) -> NetworkSpec {
        self.ipam().driver = Some(driver.into());
        self
    }

    /// An IPAM driver option.
    ///
    /// ```
    /// let spec = wharf::network::NetworkSpec::new("n").ipam_option("foo", "bar");
    /// ```
    pub fn ipam_option(mut self, key: impl Into<String>, value: impl Into<String>) -> NetworkSpec {
        self.ipam().options.insert(key.into(), value.into());
        self
    }

    /// A driver option (`com.docker.network.bridge.name`,
    /// `com.docker.network.driver.mtu`, ...).
    ///
    /// ```
    /// let spec = wharf::network::NetworkSpec::new("n").option("com.docker.network.driver.mtu", "1400");
    /// ```
    pub fn option(mut self, key: impl Into<String>, value: impl Into<String>) -> NetworkSpec {
        self.body.options.insert(key.into(), value.into());
        self
    }

    /// A label.
    ///
    /// ```
    /// let spec = wharf::network::NetworkSpec::new("n").label("app", "web");
    /// ```
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> NetworkSpec {
        self.body.labels.insert(key.into(), value.into());
        self
    }

    /// Several labels.
    ///
    /// ```
    /// let spec = wharf::network::NetworkSpec::new("n").labels([("app", "web"), ("tier", "front")]);
    /// ```
    pub fn labels<K: Into<String>, V: Into<String>>(
        mut self,
        labels: impl IntoIterator<Item = (K, V)>,
    ) -> NetworkSpec {
        self.body
            .labels
            .extend(labels.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The name the network will have.
    ///
    /// ```
    /// assert_eq!(wharf::network::NetworkSpec::new("n").get_name(), "n");
    /// ```
    pub fn get_name(&self) -> &str {
        &self.body.name
    }

    /// The request body, as sent.
    ///
    /// ```
    /// let body = wharf::network::NetworkSpec::new("n").internal(true).build();
    /// assert_eq!(body.internal, Some(true));
    /// ```
    pub fn build(&self) -> NetworkCreateRequest {
        self.body.clone()
    }

    fn ipam(&mut self) -> &mut Ipam {
        self.body.ipam.get_or_insert_with(Ipam::default)
    }
}

impl From<NetworkCreateRequest> for NetworkSpec {
    /// A spec from a generated body, for settings without a setter (`ConfigFrom`,
    /// `ConfigOnly`, `Scope`).
    ///
    /// ```
    /// let mut body = wharf::network::NetworkSpec::new("n").build();
    /// body.config_only = Some(true);
    /// let spec = wharf::network::NetworkSpec::from(body);
    /// ```
    fn from(body: NetworkCreateRequest) -> NetworkSpec {
        NetworkSpec { body }
    }
}
