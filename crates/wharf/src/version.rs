//! Engine API versions, the `/_ping` answer and version negotiation.
//!
//! Every Engine API path is served under a version prefix (`/v1.51/info`).
//! A client either pins a version (by [`DockerBuilder::api_version`] or the
//! `DOCKER_API_VERSION` variable) or negotiates one: it pings the daemon once
//! and uses the lower of its own maximum, [`ApiVersion::MAXIMUM`], and the
//! daemon's `Api-Version` header, as the docker CLI does.
//!
//! ```no_run
//! # async fn run() -> wharf::Result<()> {
//! use wharf::{ApiVersion, Docker};
//!
//! // Negotiated: one ping, then every request uses the agreed version.
//! let docker = Docker::connect()?;
//! println!("talking API {}", docker.api_version().await?);
//!
//! // Pinned: no ping; requests go to /v1.44/...
//! let pinned = Docker::builder().api_version(ApiVersion::new(1, 44)).build()?;
//! # Ok(())
//! # }
//! ```
//!
//! [`DockerBuilder::api_version`]: crate::DockerBuilder::api_version

use std::fmt;
use std::str::FromStr;

use reqwest::header::{HeaderMap, HeaderName};

use crate::error::{Error, Result};

/// An Engine API version, `major.minor` (for example `1.51`).
///
/// Versions order numerically (`1.9 < 1.10`).
///
/// ```
/// use wharf::ApiVersion;
///
/// let v: ApiVersion = "1.44".parse()?;
/// assert_eq!(v, ApiVersion::new(1, 44));
/// assert_eq!(v.to_string(), "1.44");
/// assert!(v < ApiVersion::MAXIMUM);
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    major: u16,
    minor: u16,
}

impl ApiVersion {
    /// The newest version this client speaks: the version of the Engine API
    /// spec the `wharf-api` crate was generated from.
    ///
    /// ```
    /// assert_eq!(wharf::ApiVersion::MAXIMUM.to_string(), wharf::api::API_VERSION);
    /// ```
    pub const MAXIMUM: ApiVersion = ApiVersion::parse_const(wharf_api::API_VERSION);

    /// The oldest version this client accepts: `1.24`, the oldest that
    /// Docker 28 still serves (and what the docker CLI assumes of a daemon
    /// that sends no `Api-Version` header).
    ///
    /// ```
    /// assert_eq!(wharf::ApiVersion::MINIMUM, wharf::ApiVersion::new(1, 24));
    /// ```
    pub const MINIMUM: ApiVersion = ApiVersion::new(1, 24);

    /// The version `major.minor`.
    ///
    /// ```
    /// assert_eq!(wharf::ApiVersion::new(1, 41).to_string(), "1.41");
    /// ```
    pub const fn new(major: u16, minor: u16) -> ApiVersion {
        ApiVersion { major, minor }
    }

    /// The major number (`1` in `1.44`).
    ///
    /// ```
    /// assert_eq!(wharf::ApiVersion::new(1, 44).major(), 1);
    /// ```
    pub const fn major(self) -> u16 {
        self.major
    }

    /// The minor number (`44` in `1.44`).
    ///
    /// ```
    /// assert_eq!(wharf::ApiVersion::new(1, 44).minor(), 44);
    /// ```
    pub const fn minor(self) -> u16 {
        self.minor
    }

    /// Parses `MAJOR.MINOR` at compile time; panics (a compile error in a
    /// `const`) on anything else.
    const fn parse_const(s: &str) -> ApiVersion {
        let b = s.as_bytes();
        let mut i = 0;
        let mut parts = [0u16; 2];
        let mut part = 0;
        let mut digits = 0;
        while i < b.len() {
            let c = b[i];
            if c == b'.' && part == 0 && digits > 0 {
                part = 1;
                digits = 0;
            } else if c.is_ascii_digit() {
                parts[part] = parts[part] * 10 + (c - b'0') as u16;
                digits += 1;
            } else {
                panic!("malformed API version");
            }
            i += 1;
        }
        assert!(part == 1 && digits > 0, "malformed API version");
        ApiVersion::new(parts[0], parts[1])
    }

    /// The path prefix for this version: `/v1.51`.
    pub(crate) fn prefix(self) -> String {
        format!("/v{self}")
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for ApiVersion {
    type Err = Error;

    /// Parses `1.44`; a leading `v` (`v1.44`) is accepted, as the docker CLI
    /// accepts it in `DOCKER_API_VERSION`.
    fn from_str(s: &str) -> Result<ApiVersion> {
        let t = s.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let parsed = t.split_once('.').and_then(|(major, minor)| {
            let ok = |p: &str| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit());
            if ok(major) && ok(minor) {
                Some(ApiVersion::new(major.parse().ok()?, minor.parse().ok()?))
            } else {
                None
            }
        });
        parsed.ok_or_else(|| {
            Error::invalid_argument(format!(
                "{s:?} is not an API version; expected MAJOR.MINOR such as \"1.44\""
            ))
        })
    }
}

/// What the daemon says about itself in the headers of its `/_ping`
/// answer.
///
/// ```no_run
/// # async fn run() -> wharf::Result<()> {
/// let docker = wharf::Docker::connect()?;
/// let ping = docker.ping().await?;
/// println!("API {:?} on {:?}", ping.api_version(), ping.os_type());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PingInfo {
    api_version: Option<ApiVersion>,
    min_api_version: Option<ApiVersion>,
    os_type: Option<String>,
    experimental: bool,
    builder_version: Option<String>,
    swarm: Option<String>,
    libpod_api_version: Option<String>,
    server: Option<String>,
}

impl PingInfo {
    /// Reads the ping headers. Unparsable versions count as absent.
    pub(crate) fn from_headers(headers: &HeaderMap) -> PingInfo {
        // names made once, at compile time: a `&str` key is parsed and
        // checked again by every lookup
        const API_VERSION: HeaderName = HeaderName::from_static("api-version");
        const MIN_API_VERSION: HeaderName = HeaderName::from_static("min-api-version");
        const OSTYPE: HeaderName = HeaderName::from_static("ostype");
        const EXPERIMENTAL: HeaderName = HeaderName::from_static("docker-experimental");
        const BUILDER_VERSION: HeaderName = HeaderName::from_static("builder-version");
        const SWARM: HeaderName = HeaderName::from_static("swarm");
        const LIBPOD_API_VERSION: HeaderName = HeaderName::from_static("libpod-api-version");
        let text = |name: &HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let version = |name: &HeaderName| text(name).and_then(|v| v.parse().ok());
        PingInfo {
            api_version: version(&API_VERSION),
            min_api_version: version(&MIN_API_VERSION),
            os_type: text(&OSTYPE),
            experimental: text(&EXPERIMENTAL).as_deref() == Some("true"),
            builder_version: text(&BUILDER_VERSION),
            swarm: text(&SWARM),
            libpod_api_version: text(&LIBPOD_API_VERSION),
            server: text(&reqwest::header::SERVER),
        }
    }

    /// The newest API version the daemon serves (`Api-Version`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let newest = docker.ping().await?.api_version();
    /// # Ok(())
    /// # }
    /// ```
    pub fn api_version(&self) -> Option<ApiVersion> {
        self.api_version
    }

    /// The oldest API version the daemon serves (`Min-Api-Version`), if it
    /// says.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let oldest = docker.ping().await?.min_api_version();
    /// # Ok(())
    /// # }
    /// ```
    pub fn min_api_version(&self) -> Option<ApiVersion> {
        self.min_api_version
    }

    /// The daemon's operating system (`Ostype`): `linux` or `windows`.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let windows = docker.ping().await?.os_type() == Some("windows");
    /// # Ok(())
    /// # }
    /// ```
    pub fn os_type(&self) -> Option<&str> {
        self.os_type.as_deref()
    }

    /// Whether experimental features are on (`Docker-Experimental: true`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let experimental = docker.ping().await?.experimental();
    /// # Ok(())
    /// # }
    /// ```
    pub fn experimental(&self) -> bool {
        self.experimental
    }

    /// The default builder (`Builder-Version`): `1` for the classic
    /// builder, `2` for BuildKit.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let buildkit = docker.ping().await?.builder_version() == Some("2");
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder_version(&self) -> Option<&str> {
        self.builder_version.as_deref()
    }

    /// The raw `Swarm` header, `STATE[/ROLE]`: for example `inactive` or
    /// `active/manager`.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// println!("{:?}", docker.ping().await?.swarm());
    /// # Ok(())
    /// # }
    /// ```
    pub fn swarm(&self) -> Option<&str> {
        self.swarm.as_deref()
    }

    /// The swarm node state from the `Swarm` header (`inactive`, `pending`,
    /// `active`, `error`, `locked`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let in_swarm = docker.ping().await?.swarm_state() == Some("active");
    /// # Ok(())
    /// # }
    /// ```
    pub fn swarm_state(&self) -> Option<&str> {
        self.swarm
            .as_deref()
            .map(|s| s.split('/').next().unwrap_or(s))
    }

    /// Whether this node is a swarm manager (`Swarm: active/manager`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// if docker.ping().await?.is_swarm_manager() { /* services calls work */ }
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_swarm_manager(&self) -> bool {
        self.swarm
            .as_deref()
            .and_then(|s| s.split_once('/'))
            .is_some_and(|(_, role)| role == "manager")
    }

    /// Podman's own API version (`Libpod-Api-Version`): present when the
    /// daemon is Podman.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let podman = docker.ping().await?.libpod_api_version().is_some();
    /// # Ok(())
    /// # }
    /// ```
    pub fn libpod_api_version(&self) -> Option<&str> {
        self.libpod_api_version.as_deref()
    }

    /// The `Server` header, for example `Docker/28.2.2 (linux)`.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// println!("{:?}", docker.ping().await?.server());
    /// # Ok(())
    /// # }
    /// ```
    pub fn server(&self) -> Option<&str> {
        self.server.as_deref()
    }
}

/// The version to use with a daemon that answered `ping`.
///
/// `min(client maximum, Api-Version)`; a daemon without the header is taken
/// to serve 1.24, as the docker CLI does.
pub(crate) fn negotiate(ping: &PingInfo) -> Result<ApiVersion> {
    if let Some(min) = ping.min_api_version {
        if min > ApiVersion::MAXIMUM {
            return Err(Error::version_mismatch(format!(
                "the daemon serves API versions {min} and newer, but this client speaks at most {}; \
                 use a newer wharf",
                ApiVersion::MAXIMUM
            )));
        }
    }
    let server = ping.api_version.unwrap_or(ApiVersion::MINIMUM);
    if server < ApiVersion::MINIMUM {
        return Err(Error::version_mismatch(format!(
            "the daemon serves API versions up to {server}, older than the oldest this client \
             speaks ({}); upgrade the daemon",
            ApiVersion::MINIMUM
        )));
    }
    Ok(server.min(ApiVersion::MAXIMUM))
}

/// Checks a pinned version against what this client speaks.
pub(crate) fn check_pinned(v: ApiVersion, origin: &str) -> Result<ApiVersion> {
    if v < ApiVersion::MINIMUM || v > ApiVersion::MAXIMUM {
        return Err(Error::config(format!(
            "API version {v} ({origin}) is outside what this client speaks ({} to {})",
            ApiVersion::MINIMUM,
            ApiVersion::MAXIMUM
        )));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn parse_and_display() {
        assert_eq!(
            "1.44".parse::<ApiVersion>().unwrap(),
            ApiVersion::new(1, 44)
        );
        assert_eq!(
            "v1.41".parse::<ApiVersion>().unwrap(),
            ApiVersion::new(1, 41)
        );
        assert_eq!(
            " 1.9 ".parse::<ApiVersion>().unwrap(),
            ApiVersion::new(1, 9)
        );
        for bad in ["", "1", "1.", ".4", "1.4.1", "a.b", "1.-4", "v", "1.44x"] {
            let e = bad.parse::<ApiVersion>().unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{bad}");
            assert!(e.to_string().contains("MAJOR.MINOR"));
        }
        assert_eq!(ApiVersion::new(1, 5).to_string(), "1.5");
        assert_eq!(ApiVersion::MAXIMUM.to_string(), wharf_api::API_VERSION);
    }

    #[test]
    fn ordering_is_numeric() {
        assert!(ApiVersion::new(1, 9) < ApiVersion::new(1, 10));
        assert!(ApiVersion::new(1, 44) < ApiVersion::new(2, 0));
        assert_eq!(
            ApiVersion::new(1, 41).max(ApiVersion::new(1, 24)),
            ApiVersion::new(1, 41)
        );
    }

    fn ping(headers: &[(&'static str, &'static str)]) -> PingInfo {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_static(v));
        }
        PingInfo::from_headers(&map)
    }

    #[test]
    fn ping_headers() {
        let p = ping(&[
            ("Api-Version", "1.41"),
            ("Min-Api-Version", "1.12"),
            ("Ostype", "linux"),
            ("Docker-Experimental", "true"),
            ("Builder-Version", "2"),
            ("Swarm", "active/manager"),
            ("Server", "Docker/20.10.24 (linux)"),
        ]);
        assert_eq!(p.api_version(), Some(ApiVersion::new(1, 41)));
        assert_eq!(p.min_api_version(), Some(ApiVersion::new(1, 12)));
        assert_eq!(p.os_type(), Some("linux"));
        assert!(p.experimental());
        assert_eq!(p.builder_version(), Some("2"));
        assert_eq!(p.swarm_state(), Some("active"));
        assert!(p.is_swarm_manager());
        assert_eq!(p.server(), Some("Docker/20.10.24 (linux)"));
        assert_eq!(p.libpod_api_version(), None);

        let p = ping(&[("Swarm", "inactive"), ("Libpod-Api-Version", "5.4.0")]);
        assert_eq!(p.swarm_state(), Some("inactive"));
        assert!(!p.is_swarm_manager());
        assert!(!p.experimental());
        assert_eq!(p.libpod_api_version(), Some("5.4.0"));
    }

    #[test]
    fn negotiation() {
        let v = |s: &'static str| negotiate(&ping(&[("Api-Version", s)]));
        assert_eq!(v("1.41").unwrap(), ApiVersion::new(1, 41));
        assert_eq!(v("1.99").unwrap(), ApiVersion::MAXIMUM);
        assert_eq!(v(wharf_api::API_VERSION).unwrap(), ApiVersion::MAXIMUM);
        // No header: the docker CLI's fallback.
        assert_eq!(negotiate(&ping(&[])).unwrap(), ApiVersion::MINIMUM);

        let old = v("1.12").unwrap_err();
        assert_eq!(old.kind(), crate::ErrorKind::VersionMismatch);
        assert!(old.to_string().contains("1.12"), "{old}");

        let too_new = negotiate(&ping(&[
            ("Api-Version", "1.60"),
            ("Min-Api-Version", "1.55"),
        ]))
        .unwrap_err();
        assert_eq!(too_new.kind(), crate::ErrorKind::VersionMismatch);
        assert!(too_new.to_string().contains("1.55"), "{too_new}");
    }

    #[test]
    fn pinned_versions_are_checked() {
        assert!(check_pinned(ApiVersion::new(1, 44), "pinned").is_ok());
        let e = check_pinned(ApiVersion::new(1, 12), "DOCKER_API_VERSION").unwrap_err();
        assert!(e.to_string().contains("DOCKER_API_VERSION"), "{e}");
        assert!(check_pinned(ApiVersion::new(1, 99), "pinned").is_err());
    }
}
