//! [`DockerBuilder`]: the client's settings, from the environment unless set.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OnceCell;

use super::{Docker, Inner, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
use crate::endpoint::{Endpoint, Environment, Tls};
use crate::error::{Error, Result};
use crate::transport::{self, Transport};
use crate::version::{self, ApiVersion};

/// Configures and builds a [`Docker`] client.
///
/// Everything not set comes from the environment, as for the docker CLI.
///
/// ```no_run
/// use std::time::Duration;
/// use wharf::{ApiVersion, Docker};
///
/// let docker = Docker::builder()
///     .host("unix:///run/user/1000/docker.sock")
///     .api_version(ApiVersion::new(1, 44))
///     .connect_timeout(Duration::from_secs(5))
///     .timeout(Duration::from_secs(60))
///     .build()?;
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct DockerBuilder {
    env: Option<Environment>,
    host: Option<String>,
    context: Option<String>,
    endpoint: Option<Endpoint>,
    tls: Option<Tls>,
    api_version: Option<ApiVersion>,
    negotiate: Option<bool>,
    connect_timeout: Option<Duration>,
    timeout: Option<Option<Duration>>,
    stream_idle_timeout: Option<Duration>,
    user_agent: Option<String>,
}

impl DockerBuilder {
    /// Reads `DOCKER_*` variables (and `HOME`) from `env` instead of the
    /// process environment.
    ///
    /// ```
    /// use wharf::endpoint::Environment;
    ///
    /// let docker = wharf::Docker::builder()
    ///     .environment(Environment::empty().set("DOCKER_HOST", "tcp://127.0.0.1:2375"))
    ///     .build()?;
    /// assert_eq!(docker.endpoint().url(), "tcp://127.0.0.1:2375");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn environment(mut self, env: Environment) -> DockerBuilder {
        self.env = Some(env);
        self
    }

    /// Connects to `url` (`unix://`, `tcp://`, `ssh://`, `npipe://`),
    /// whatever `DOCKER_HOST` or the contexts say. TLS settings still come
    /// from `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH` unless set with
    /// [`tls`](DockerBuilder::tls).
    ///
    /// ```
    /// let docker = wharf::Docker::builder().host("unix:///var/run/docker.sock").build()?;
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn host(mut self, url: impl Into<String>) -> DockerBuilder {
        self.host = Some(url.into());
        self
    }

    /// Connects to the endpoint of docker context `name`, like
    /// `docker --context NAME`.
    ///
    /// ```no_run
    /// let docker = wharf::Docker::builder().context("remote").build()?;
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn context(mut self, name: impl Into<String>) -> DockerBuilder {
        self.context = Some(name.into());
        self
    }

    /// Connects to an endpoint resolved beforehand.
    ///
    /// ```no_run
    /// let endpoint = wharf::endpoint::Endpoint::from_env()?;
    /// let docker = wharf::Docker::builder().endpoint(endpoint).build()?;
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn endpoint(mut self, endpoint: Endpoint) -> DockerBuilder {
        self.endpoint = Some(endpoint);
        self
    }

    /// Uses TLS with these settings for a `tcp://` endpoint.
    ///
    /// ```no_run
    /// use wharf::endpoint::Tls;
    ///
    /// let docker = wharf::Docker::builder()
    ///     .host("tcp://docker.example:2376")
    ///     .tls(Tls::from_dir("/etc/docker-client"))
    ///     .build()?;
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn tls(mut self, tls: Tls) -> DockerBuilder {
        self.tls = Some(tls);
        self
    }

    /// Pins the API version: no negotiation, every request goes to
    /// `/v{version}/...`. Overrides `DOCKER_API_VERSION`.
    ///
    /// ```
    /// use wharf::ApiVersion;
    ///
    /// let docker = wharf::Docker::builder()
    ///     .host("unix:///var/run/docker.sock")
    ///     .api_version(ApiVersion::new(1, 44))
    ///     .build()?;
    /// assert_eq!(docker.pinned_api_version(), Some(ApiVersion::new(1, 44)));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn api_version(mut self, version: ApiVersion) -> DockerBuilder {
        self.api_version = Some(version);
        self
    }

    /// Whether to negotiate the version with the daemon (default: yes,
    /// unless a version is pinned). Without negotiation or a pin, requests
    /// use [`ApiVersion::MAXIMUM`].
    ///
    /// ```
    /// let docker = wharf::Docker::builder()
    ///     .host("unix:///var/run/docker.sock")
    ///     .negotiate(false)
    ///     .build()?;
    /// assert_eq!(docker.pinned_api_version(), Some(wharf::ApiVersion::MAXIMUM));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn negotiate(mut self, negotiate: bool) -> DockerBuilder {
        self.negotiate = Some(negotiate);
        self
    }

    /// Limits connecting (including a TLS handshake). Default:
    /// [`DEFAULT_CONNECT_TIMEOUT`].
    ///
    /// ```
    /// let docker = wharf::Docker::builder()
    ///     .host("tcp://127.0.0.1:2375")
    ///     .connect_timeout(std::time::Duration::from_secs(3))
    ///     .build()?;
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> DockerBuilder {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Limits each ordinary call, headers and body (`None`: no limit).
    /// Default: [`DEFAULT_TIMEOUT`]. Streaming calls are governed by
    /// [`stream_idle_timeout`](DockerBuilder::stream_idle_timeout) instead.
    ///
    /// ```
    /// let docker = wharf::Docker::builder()
    ///     .host("unix:///var/run/docker.sock")
    ///     .timeout(std::time::Duration::from_secs(30))
    ///     .build()?;
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> DockerBuilder {
        self.timeout = Some(timeout.into());
        self
    }

    /// Fails a streaming call when nothing arrives for this long (`None`,
    /// the default: streams may stay quiet forever, as `docker events` does).
    ///
    /// ```
    /// let docker = wharf::Docker::builder()
    ///     .host("unix:///var/run/docker.sock")
    ///     .stream_idle_timeout(std::time::Duration::from_secs(600))
    ///     .build()?;
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn stream_idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> DockerBuilder {
        self.stream_idle_timeout = timeout.into();
        self
    }

    /// The `User-Agent` header (default `wharf/VERSION`).
    ///
    /// ```
    /// let docker = wharf::Docker::builder()
    ///     .host("unix:///var/run/docker.sock")
    ///     .user_agent("my-tool/1.0")
    ///     .build()?;
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> DockerBuilder {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Resolves the endpoint and builds the client. No connection is opened
    /// until the first request; this fails only on configuration (bad host,
    /// broken context, unreadable certificates, bad `DOCKER_API_VERSION`).
    /// An `ssh://` endpoint starts its proxy here.
    ///
    /// ```
    /// let e = wharf::Docker::builder().host("gopher://x").build().unwrap_err();
    /// assert_eq!(e.kind(), wharf::ErrorKind::Config);
    /// ```
    pub fn build(self) -> Result<Docker> {
        let env = self.env.unwrap_or_else(Environment::process);
        let mut endpoint = match (self.endpoint, self.host, self.context) {
            (Some(endpoint), _, _) => endpoint,
            (None, Some(host), _) => Endpoint::from_host(&host, &env)?,
            (None, None, Some(name)) => Endpoint::from_context(&name, &env)?,
            (None, None, None) => Endpoint::resolve(&env)?,
        };
        if let Some(tls) = self.tls {
            endpoint = endpoint.with_tls(Some(tls));
        }

        let pinned = match self.api_version {
            Some(v) => Some(version::check_pinned(v, "pinned by the builder")?),
            None => match env.var("DOCKER_API_VERSION") {
                Some(raw) => {
                    let v: ApiVersion = raw.parse().map_err(|_| {
                        Error::config(format!(
                            "DOCKER_API_VERSION={raw:?} is not an API version; use MAJOR.MINOR \
                             such as 1.44, or unset it to negotiate"
                        ))
                    })?;
                    Some(version::check_pinned(v, "from DOCKER_API_VERSION")?)
                }
                None => None,
            },
        };
        let fixed = match (pinned, self.negotiate.unwrap_or(true)) {
            (Some(v), _) => Some(v),
            (None, false) => Some(ApiVersion::MAXIMUM),
            (None, true) => None,
        };

        let user_agent = self
            .user_agent
            .unwrap_or_else(|| concat!("wharf/", env!("CARGO_PKG_VERSION")).to_owned());
        let transport = Transport::new(
            &endpoint,
            &transport::Options {
                connect_timeout: Some(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT)),
                user_agent: &user_agent,
                env: &env,
            },
        )?;
        Ok(Docker {
            inner: Arc::new(Inner {
                endpoint,
                transport,
                fixed,
                negotiated: OnceCell::new(),
                generated: std::sync::OnceLock::new(),
                timeout: self.timeout.unwrap_or(Some(DEFAULT_TIMEOUT)),
                stream_idle_timeout: self.stream_idle_timeout,
            }),
        })
    }
}
