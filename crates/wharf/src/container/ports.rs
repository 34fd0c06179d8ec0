//! Typed port publishing: [`Publish`], a container port bound to a host
//! address and a [`HostPort`], for
//! [`HostSpec::publish_port`](super::HostSpec::publish_port).

use std::fmt;
use std::net::IpAddr;

use wharf_api::types::PortBinding;

/// The host side of a published port.
///
/// ```
/// use wharf::container::HostPort;
///
/// assert_eq!(HostPort::Any.to_string(), "");
/// assert_eq!(HostPort::from(8080).to_string(), "8080");
/// assert_eq!(HostPort::Range(8000, 8010).to_string(), "8000-8010");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostPort {
    /// Any free port, picked by the daemon (the API's empty `HostPort`;
    /// `docker run -p 80`). Find it afterwards with
    /// [`Container::port`](super::Container::port).
    Any,
    /// This port.
    Port(u16),
    /// A free port in this range, bounds included.
    Range(u16, u16),
}

impl From<u16> for HostPort {
    fn from(port: u16) -> HostPort {
        HostPort::Port(port)
    }
}

impl fmt::Display for HostPort {
    /// The form of the API's `HostPort`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPort::Any => Ok(()),
            HostPort::Port(p) => write!(f, "{p}"),
            HostPort::Range(a, b) => write!(f, "{a}-{b}"),
        }
    }
}

/// A container port published on the host (`docker run -p`): by default on
/// every host address, on any free port.
///
/// ```
/// use std::net::Ipv4Addr;
/// use wharf::container::{HostPort, HostSpec, Publish};
///
/// let host = HostSpec::new()
///     .publish_port(Publish::tcp(80).host_port(8080))
///     .publish_port(Publish::udp(53).host_ip(Ipv4Addr::LOCALHOST))
///     .build()?;
/// let ports = host.port_bindings.unwrap();
/// assert_eq!(ports["80/tcp"].as_ref().unwrap()[0].host_port.as_deref(), Some("8080"));
/// assert_eq!(ports["53/udp"].as_ref().unwrap()[0].host_ip.as_deref(), Some("127.0.0.1"));
/// assert_eq!(ports["53/udp"].as_ref().unwrap()[0].host_port.as_deref(), Some(""));
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct Publish {
    container_port: String,
    host_ip: Option<IpAddr>,
    host_port: HostPort,
}

impl Publish {
    /// The container's TCP port `port`.
    ///
    /// ```
    /// let p = wharf::container::Publish::tcp(443);
    /// ```
    pub fn tcp(port: u16) -> Publish {
        Publish::new(port, "tcp")
    }

    /// The container's UDP port `port`.
    ///
    /// ```
    /// let p = wharf::container::Publish::udp(53);
    /// ```
    pub fn udp(port: u16) -> Publish {
        Publish::new(port, "udp")
    }

    /// The container's SCTP port `port`.
    ///
    /// ```
    /// let p = wharf::container::Publish::sctp(9899);
    /// ```
    pub fn sctp(port: u16) -> Publish {
        Publish::new(port, "sctp")
    }

    fn new(port: u16, protocol: &str) -> Publish {
        Publish {
            container_port: format!("{port}/{protocol}"),
            host_ip: None,
            host_port: HostPort::Any,
        }
    }

    /// The host port (default: [`HostPort::Any`]).
    ///
    /// ```
    /// use wharf::container::{HostPort, Publish};
    ///
    /// let fixed = Publish::tcp(80).host_port(8080);
    /// let ranged = Publish::tcp(80).host_port(HostPort::Range(8000, 8099));
    /// ```
    pub fn host_port(mut self, port: impl Into<HostPort>) -> Publish {
        self.host_port = port.into();
        self
    }

    /// Only on this host address (default: all of them).
    ///
    /// ```
    /// let p = wharf::container::Publish::tcp(5432).host_ip(std::net::Ipv4Addr::LOCALHOST);
    /// ```
    pub fn host_ip(mut self, ip: impl Into<IpAddr>) -> Publish {
        self.host_ip = Some(ip.into());
        self
    }

    pub(super) fn container_port(&self) -> &str {
        &self.container_port
    }

    pub(super) fn binding(&self) -> PortBinding {
        PortBinding {
            host_ip: self.host_ip.map(|ip| ip.to_string()),
            host_port: Some(self.host_port.to_string()),
        }
    }
}
