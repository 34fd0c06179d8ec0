//! The [`Docker`] client: an endpoint, a connection pool and an API version.
//!
//! ```no_run
//! # async fn run() -> wharf::Result<()> {
//! let docker = wharf::Docker::connect()?;      // DOCKER_HOST, contexts, default socket
//! let ping = docker.ping().await?;             // HEAD /_ping
//! let version = docker.api_version().await?;   // negotiated once, then cached
//! let info = docker.get("/info").send().await?.bytes().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # API version
//!
//! Requests go to `/v{version}/...`. Unless a version is pinned (by
//! [`DockerBuilder::api_version`] or `DOCKER_API_VERSION`), the first request
//! pings the daemon once (`HEAD /_ping`, then `GET` if `HEAD` is refused;
//! concurrent first requests share that one ping) and uses
//! `min(ApiVersion::MAXIMUM, daemon's Api-Version)`. With
//! [`DockerBuilder::negotiate(false)`](DockerBuilder::negotiate) and no pin,
//! requests use [`ApiVersion::MAXIMUM`] without a ping.
//!
//! # Timeouts
//!
//! | what | default | set with |
//! |------|---------|----------|
//! | connecting (TCP, TLS handshake, socket) | 30 s, like the docker CLI's dialer | [`DockerBuilder::connect_timeout`] |
//! | an ordinary call, headers and body | 120 s | [`DockerBuilder::timeout`], [`Request::timeout`] |
//! | a streaming call (logs, events, attach, pulls) | no total limit; optional idle limit between chunks | [`DockerBuilder::stream_idle_timeout`], [`Request::timeout`] |
//!
//! 120 s is longer than docker-py's 60 s because ordinary calls such as
//! `stop` (which waits for the container's grace period) or `prune` can take
//! a while; calls that wait on purpose (`wait`) should use
//! [`Timeout::Unlimited`].
//!
//! # Connections
//!
//! Connections are kept alive and reused from the client's pool (some
//! clients, bollard among them, open a new connection per request). The
//! client reads and writes HTTP/1.1 in the calling task: no background task
//! per connection, and a log streamed in many small chunks is read a buffer
//! at a time. Cloning a [`Docker`] is cheap and shares the pool, the
//! negotiated version and, for `ssh://`, the ssh proxy. `tcp://` endpoints
//! go through the HTTP proxy that `HTTPS_PROXY` (TLS) or `HTTP_PROXY` names,
//! unless `NO_PROXY` lists the host, as with the docker CLI; sockets, named
//! pipes and `ssh://` never use one.
//!
//! # Tracing
//!
//! Each request runs in a `debug` span `docker.request` with the fields
//! `method`, `path` (the path template for wharf's own calls), `status` and
//! `duration_ms`. Bodies are never logged.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_core::Stream;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use tokio::sync::OnceCell;
use tracing::Instrument;

use crate::endpoint::{Endpoint, Environment, Tls};
use crate::error::{Error, ErrorKind, Result};
use crate::http1;
use crate::transport::{self, Transport};
use crate::version::{self, ApiVersion, PingInfo};

/// The default connect timeout: the docker CLI dials TCP with 30 s (and
/// sockets with 32 s), and gives ssh `ConnectTimeout=30`.
///
/// ```
/// assert_eq!(wharf::client::DEFAULT_CONNECT_TIMEOUT.as_secs(), 30);
/// ```
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The default limit on an ordinary (non-streaming) call.
///
/// ```
/// assert_eq!(wharf::client::DEFAULT_TIMEOUT.as_secs(), 120);
/// ```
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How long one call may take.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// use std::time::Duration;
/// use wharf::Timeout;
///
/// // Waiting for a container to exit may take as long as it takes.
/// docker.post("/containers/job/wait").timeout(Timeout::Unlimited).send().await?;
/// // Follow logs, but give up if nothing arrives for 5 minutes.
/// let logs = docker
///     .get("/containers/web/logs")
///     .query("follow", "1")
///     .query("stdout", "1")
///     .timeout(Timeout::Idle(Duration::from_secs(300)))
///     .send()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Timeout {
    /// The client's defaults: [`DockerBuilder::timeout`] for ordinary calls,
    /// [`DockerBuilder::stream_idle_timeout`] for streaming ones.
    #[default]
    Default,
    /// The whole call, response body included, must finish within this.
    Total(Duration),
    /// No total limit, but fail if the daemon sends nothing (no headers, no
    /// body bytes) for this long.
    Idle(Duration),
    /// No limit at all.
    Unlimited,
}

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

/// A client for one Docker (or Podman) daemon.
///
/// Cheap to clone: clones share the connection pool and the negotiated API
/// version. See the [module docs](crate::client) for versions, timeouts and
/// connections.
///
/// ```no_run
/// # async fn run() -> wharf::Result<()> {
/// let docker = wharf::Docker::connect()?;
/// println!("{} ({})", docker.endpoint().url(), docker.endpoint().source());
/// println!("API {}", docker.api_version().await?);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Docker {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    endpoint: Endpoint,
    transport: Transport,
    /// A pinned version, or the maximum when negotiation is off.
    fixed: Option<ApiVersion>,
    negotiated: OnceCell<ApiVersion>,
    /// The generated client, at the API version (its executor holds a weak
    /// reference back to this).
    generated: std::sync::OnceLock<wharf_api::Client>,
    timeout: Option<Duration>,
    stream_idle_timeout: Option<Duration>,
}

impl Docker {
    /// A client for the endpoint the environment names (`DOCKER_HOST`,
    /// `DOCKER_CONTEXT`, the current context, or the default socket), with
    /// default settings. Opens no connection yet.
    ///
    /// ```no_run
    /// let docker = wharf::Docker::connect()?;
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn connect() -> Result<Docker> {
        Docker::builder().build()
    }

    /// A builder for a client with other settings.
    ///
    /// ```no_run
    /// let docker = wharf::Docker::builder().context("remote").build()?;
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn builder() -> DockerBuilder {
        DockerBuilder::default()
    }

    /// The endpoint this client talks to, and why it was chosen.
    ///
    /// ```
    /// let docker = wharf::Docker::builder().host("tcp://127.0.0.1:2375").build()?;
    /// assert_eq!(docker.endpoint().url(), "tcp://127.0.0.1:2375");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// The version every request uses without negotiating: the pinned one,
    /// or [`ApiVersion::MAXIMUM`] when negotiation is off. `None` when the
    /// version is negotiated.
    ///
    /// ```
    /// let docker = wharf::Docker::builder().host("unix:///var/run/docker.sock").build()?;
    /// assert_eq!(docker.pinned_api_version(), None);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn pinned_api_version(&self) -> Option<ApiVersion> {
        self.inner.fixed
    }

    /// The API version requests use, negotiating it first if that has not
    /// happened yet (one `/_ping`, shared by concurrent callers).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let v = docker.api_version().await?;
    /// if v >= wharf::ApiVersion::new(1, 44) { /* newer fields are there */ }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn api_version(&self) -> Result<ApiVersion> {
        if let Some(v) = self.inner.fixed {
            return Ok(v);
        }
        self.inner
            .negotiated
            .get_or_try_init(|| async {
                let response = self.ping_response().await?;
                let ping = PingInfo::from_headers(response.headers());
                // A daemon that answers with an error but says its version
                // (an unhealthy daemon answers 500) still negotiates.
                if ping.api_version().is_none() && !(200..300).contains(&response.status()) {
                    return Err(response.into_error().await);
                }
                let v = version::negotiate(&ping)?;
                tracing::debug!(version = %v, "negotiated the API version");
                Ok(v)
            })
            .await
            .copied()
    }

    /// Pings the daemon (`HEAD /_ping`, `GET` if `HEAD` is refused) and
    /// returns what its headers say. If the version is still to be
    /// negotiated, this ping settles it.
    ///
    /// ```no_run
    /// # async fn run() -> wharf::Result<()> {
    /// let docker = wharf::Docker::connect()?;
    /// let ping = docker.ping().await?;
    /// println!("{:?} {:?}", ping.server(), ping.api_version());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ping(&self) -> Result<PingInfo> {
        let response = self.ping_response().await?;
        let ping = PingInfo::from_headers(response.headers());
        if !(200..300).contains(&response.status()) {
            return Err(response.into_error().await);
        }
        if self.inner.fixed.is_none() && self.inner.negotiated.get().is_none() {
            if let Ok(v) = version::negotiate(&ping) {
                let _ = self.inner.negotiated.set(v);
            }
        }
        Ok(ping)
    }

    /// `HEAD /_ping`, falling back to `GET` when `HEAD` gets anything but
    /// 200 or 500 (docker CLI, `client/ping.go`), or fails other than by
    /// not connecting.
    async fn ping_response(&self) -> Result<Response> {
        match self.head("/_ping").send_unversioned().await {
            Ok(r) if matches!(r.status(), 200 | 500) => return Ok(r),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::Connect | ErrorKind::Timeout) => return Err(e),
            Err(_) => {}
        }
        self.get("/_ping").send_unversioned().await
    }

    /// A `GET` of an Engine API `path` (without the version prefix, e.g.
    /// `/containers/json`), for calls wharf does not wrap.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let info: serde_json::Value = docker.get("/info").send().await?.json().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, path: &str) -> Request {
        Request::new(self.clone(), Method::GET, path)
    }

    /// A `POST` to an Engine API `path`.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.post("/containers/web/restart").query("t", "5").send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn post(&self, path: &str) -> Request {
        Request::new(self.clone(), Method::POST, path)
    }

    /// A `PUT` to an Engine API `path`.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker, tar: Vec<u8>) -> wharf::Result<()> {
    /// docker
    ///     .put("/containers/web/archive")
    ///     .query("path", "/srv")
    ///     .header("Content-Type", "application/x-tar")
    ///     .body(tar)
    ///     .send()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn put(&self, path: &str) -> Request {
        Request::new(self.clone(), Method::PUT, path)
    }

    /// A `DELETE` of an Engine API `path`.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.delete("/containers/old").query("force", "true").send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, path: &str) -> Request {
        Request::new(self.clone(), Method::DELETE, path)
    }

    /// A `HEAD` of an Engine API `path`.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let r = docker.head("/containers/web/archive").query("path", "/etc/hosts").send().await?;
    /// println!("{:?}", r.header("X-Docker-Container-Path-Stat"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn head(&self, path: &str) -> Request {
        Request::new(self.clone(), Method::HEAD, path)
    }

    /// The generated client ([`wharf_api::Client`]) for every operation of the
    /// Engine API, at this client's API version (negotiated first if need
    /// be). Its requests go the way the typed calls' go (they are generated
    /// operations too): the same connection pool, timeouts (the client's
    /// default, or its stream idle limit for operations that stream), tracing
    /// span and errors.
    ///
    /// Use it for operations wharf does not wrap; [`Error::from_api`] turns
    /// its errors back into wharf's, kind, status and message intact. An
    /// answer outside `2xx` arrives as `wharf_api::Error::CommunicationError`
    /// carrying that error.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let api = docker.api().await?;
    /// let df = match api.system_data_usage(None).await {
    ///     Ok(df) => df.into_inner(),
    ///     Err(e) => return Err(wharf::Error::from_api(e).await),
    /// };
    /// println!("{} images", df.images.len());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn api(&self) -> Result<wharf_api::Client> {
        self.generated().await.cloned()
    }

    /// The generated client over this client's transport, made once the API
    /// version is known and kept.
    pub(crate) async fn generated(&self) -> Result<&wharf_api::Client> {
        let version = self.api_version().await?;
        Ok(self.inner.generated.get_or_init(|| {
            wharf_api::Client::new_with_client(
                &format!("{}{}", self.inner.transport.origin, version.prefix()),
                self.http().clone(),
                crate::executor::executor(Arc::downgrade(&self.inner)),
            )
        }))
    }

    /// The client of `inner`, if it is still in use.
    pub(crate) fn from_inner(inner: &std::sync::Weak<Inner>) -> Option<Docker> {
        inner.upgrade().map(|inner| Docker { inner })
    }

    /// Runs a generated operation (a call of [`Docker::api`]'s client)
    /// with `timeout` as its limit, its error as a wharf [`Error`].
    pub(crate) async fn call<T>(
        &self,
        timeout: Timeout,
        call: impl std::future::Future<Output = ApiResult<T>>,
    ) -> Result<T> {
        self.call_response(timeout, call)
            .await
            .map(wharf_api::ResponseValue::into_inner)
    }

    /// Like [`call`](Docker::call), but returns the whole answer: its
    /// headers too, for the operations whose answer says something there
    /// (an archive's path stat, a log's `Content-Type`).
    pub(crate) async fn call_response<T>(
        &self,
        timeout: Timeout,
        call: impl std::future::Future<Output = ApiResult<T>>,
    ) -> Result<wharf_api::ResponseValue<T>> {
        match crate::executor::with_timeout(timeout, call).await {
            Ok(value) => Ok(value),
            Err(e) => Err(Error::from_api(e).await),
        }
    }

    /// The path under which the API is served (`tcp://host:port/base`),
    /// usually empty.
    pub(crate) fn base_path(&self) -> &str {
        &self.inner.transport.base_path
    }

    /// The shared HTTP client (and connection pool).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.transport.http
    }

    /// The error for an unsuccessful response.
    /// The error for an exchange that failed before the answer's body.
    fn failure_error(&self, failure: http1::Failure) -> Error {
        let mut error = match failure {
            http1::Failure::Connect(e) => Error::connect(e),
            http1::Failure::Io(e) => Error::new(ErrorKind::Io).with_source(e),
            http1::Failure::Protocol(m) => Error::new(ErrorKind::Protocol).with_detail(m),
        };
        if matches!(error.kind(), ErrorKind::Connect | ErrorKind::Io)
            && self.inner.transport.is_ssh()
        {
            if let Some(diagnostic) = self.inner.transport.diagnostic() {
                error = error.with_kind(ErrorKind::Connect).with_detail(diagnostic);
            }
        }
        error.with_endpoint(&self.inner.endpoint)
    }
}

/// What a generated operation returns: its answer, or its error (with the
/// operation's error body `E`).
pub(crate) type ApiResult<T, E = wharf_api::types::ErrorResponse> =
    std::result::Result<wharf_api::ResponseValue<T>, wharf_api::Error<E>>;

impl fmt::Debug for Docker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Docker")
            .field("endpoint", &self.inner.endpoint.url())
            .field("source", self.inner.endpoint.source())
            .field(
                "api_version",
                &self.inner.fixed.or(self.inner.negotiated.get().copied()),
            )
            .finish()
    }
}

/// A request being built; [`send`](Request::send) it.
///
/// Made by [`Docker::get`], [`Docker::post`] and friends.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// let created: serde_json::Value = docker
///     .post("/containers/create")
///     .query("name", "web")
///     .json(&serde_json::json!({ "Image": "nginx:alpine" }))
///     .send()
///     .await?
///     .json()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[must_use = "a request does nothing until sent"]
pub struct Request {
    docker: Docker,
    method: Method,
    path: String,
    template: Option<&'static str>,
    query: Vec<(String, String)>,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: http1::OutBody,
    timeout: Timeout,
    streaming: bool,
    /// The path already carries its version prefix and encoded query (a
    /// generated operation's URL): sent as it is.
    versioned: bool,
    error: Option<Error>,
}

impl Request {
    pub(crate) fn new(docker: Docker, method: Method, path: &str) -> Request {
        let error = (!path.starts_with('/')).then(|| {
            Error::invalid_argument(format!(
                "the path {path:?} must start with '/' (e.g. \"/containers/json\")"
            ))
        });
        Request {
            docker,
            method,
            path: path.to_owned(),
            template: None,
            query: Vec::new(),
            headers: Vec::new(),
            body: http1::OutBody::Empty,
            timeout: Timeout::Default,
            streaming: false,
            versioned: false,
            error,
        }
    }

    /// A request for `target`: a path that carries its version prefix, and
    /// its query already encoded (`/v1.51/containers/a%2Fb/json?size=true`),
    /// as the generated client builds it.
    pub(crate) fn target(mut self, target: String) -> Request {
        self.error = (!target.starts_with('/'))
            .then(|| Error::invalid_argument(format!("the path {target:?} must start with '/'")));
        self.path = target;
        self.versioned = true;
        self
    }

    /// Adds a header already parsed.
    pub(crate) fn header_value(mut self, name: HeaderName, value: HeaderValue) -> Request {
        self.headers.push((name, value));
        self
    }

    /// Adds a query parameter (encoded for you).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker
    ///     .get("/containers/json")
    ///     .query("all", "true")
    ///     .query("filters", r#"{"status":["exited"]}"#)
    ///     .send()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn query(mut self, name: &str, value: &str) -> Request {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a header. `Authorization` and `X-Registry-*` values are marked
    /// sensitive; no header value ever appears in an error.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker, auth: String) -> wharf::Result<()> {
    /// docker
    ///     .post("/images/create")
    ///     .query("fromImage", "alpine:3.20")
    ///     .header("X-Registry-Auth", &auth)
    ///     .send()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Request {
        let name_parsed = HeaderName::from_bytes(name.as_bytes());
        let value_parsed = HeaderValue::from_str(value);
        match (name_parsed, value_parsed) {
            (Ok(name), Ok(mut value)) => {
                let n = name.as_str();
                if n == "authorization" || n.starts_with("x-registry-") {
                    value.set_sensitive(true);
                }
                self.headers.push((name, value));
            }
            _ => {
                // The value may be a credential: name the header only.
                self.error.get_or_insert_with(|| {
                    Error::invalid_argument(format!(
                        "the header {name:?} or its value is not valid in HTTP"
                    ))
                });
            }
        }
        self
    }

    /// Sends `body` as JSON (`Content-Type: application/json`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker
    ///     .post("/networks/create")
    ///     .json(&serde_json::json!({ "Name": "backend" }))
    ///     .send()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Request {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = http1::OutBody::Full(bytes.into());
                self.headers.push((
                    reqwest::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ));
            }
            Err(e) => {
                self.error.get_or_insert_with(|| {
                    Error::decode("cannot encode the request body as JSON", e)
                });
            }
        }
        self
    }

    /// Sends these bytes as the body.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker, tar: Vec<u8>) -> wharf::Result<()> {
    /// docker
    ///     .post("/images/load")
    ///     .header("Content-Type", "application/x-tar")
    ///     .body(tar)
    ///     .send()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn body(mut self, body: impl Into<Bytes>) -> Request {
        self.body = http1::OutBody::Full(body.into());
        self
    }

    /// Overrides the client's timeout for this call.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker
    ///     .post("/containers/job/wait")
    ///     .timeout(wharf::Timeout::Unlimited)
    ///     .send()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn timeout(mut self, timeout: Timeout) -> Request {
        self.timeout = timeout;
        self
    }

    /// Names the path template for tracing (`/containers/{id}/json`).
    #[allow(dead_code)] // for the hand-written endpoints
    pub(crate) fn template(mut self, template: &'static str) -> Request {
        self.template = Some(template);
        self
    }

    /// Marks a streaming call: by default no total timeout, only the
    /// client's stream idle timeout.
    #[allow(dead_code)] // for the hand-written endpoints
    pub(crate) fn streaming(mut self) -> Request {
        self.streaming = true;
        self
    }

    /// Sends a streamed body (a build context, an upload).
    pub(crate) fn body_stream(
        mut self,
        body: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    ) -> Request {
        self.body = http1::OutBody::Stream(Box::pin(body));
        self
    }

    /// Sends the request. A `2xx` answer is a [`Response`]; anything else is
    /// an [`Error`] carrying the status and the daemon's message (a `304` is
    /// [`ErrorKind::NotModified`]).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let response = docker.get("/version").send().await?;
    /// assert_eq!(response.status(), 200);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send(self) -> Result<Response> {
        let response = self.send_inner().await?;
        if (200..300).contains(&response.status) {
            Ok(response)
        } else {
            Err(response.into_error().await)
        }
    }

    /// Sends the request asking to take over the connection (`Connection:
    /// Upgrade`, `Upgrade: tcp`, as `attach` and `exec start` expect) and
    /// returns it after the daemon's `101`. Any other answer is an error with
    /// the daemon's status and message. See [`crate::hijack`].
    pub(crate) async fn upgrade(self) -> Result<Upgrade> {
        self.upgrade_to("tcp").await
    }

    /// Like [`Request::upgrade`], asking for `protocol` (`tcp` for a raw
    /// hijack, `websocket` for `/attach/ws`, whose handshake headers the
    /// caller adds).
    pub(crate) async fn upgrade_to(self, protocol: &str) -> Result<Upgrade> {
        let docker = self.docker.clone();
        let version = match (&self.error, docker.pinned_api_version()) {
            (Some(_), _) => ApiVersion::MAXIMUM,
            (None, Some(v)) => v,
            (None, None) => docker.api_version().await?,
        };
        let response = self
            .header("Connection", "Upgrade")
            .header("Upgrade", protocol)
            .streaming()
            .send_inner()
            .await?;
        let status = response.status;
        if status != 101 {
            if (200..300).contains(&status) {
                return Err(Error::new(ErrorKind::Protocol)
                    .with_detail(format!(
                        "the daemon answered {status} instead of 101 to an upgrade request"
                    ))
                    .with_request(response.method.as_str(), &response.path));
            }
            return Err(response.into_error().await);
        }
        let content_type = response.header("Content-Type").map(str::to_owned);
        let headers = response
            .headers
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let Response {
            body, method, path, ..
        } = response;
        let io = body.into_upgraded().ok_or_else(|| {
            Error::new(ErrorKind::Protocol)
                .with_detail("the connection was gone after the 101")
                .with_request(method.as_str(), &path)
        })?;
        Ok(Upgrade {
            io,
            content_type,
            headers,
            version,
            method: method.to_string(),
            path,
        })
    }

    /// Sends the request without a version prefix (`/_ping` is served
    /// unversioned) and returns whatever the daemon answered.
    pub(crate) async fn send_unversioned(self) -> Result<Response> {
        self.exchange(None).await
    }

    /// Sends under the client's API version (negotiating it first if
    /// needed).
    async fn send_inner(self) -> Result<Response> {
        if self.error.is_some() || self.versioned {
            return self.exchange(None).await;
        }
        let version = self.docker.api_version().await?;
        self.exchange(Some(version)).await
    }

    /// Sends under `version` and reads the answer's head.
    async fn exchange(self, version: Option<ApiVersion>) -> Result<Response> {
        let docker = self.docker;
        let inner = &*docker.inner;
        let transport = &inner.transport;
        if let Some(e) = self.error {
            return Err(e.with_request(self.method.as_str(), &self.path));
        }
        let path = match version {
            Some(v) => format!("{}{}", v.prefix(), self.path),
            None => self.path,
        };
        let target = request_target(&transport.base_path, &path, &self.query)
            .map_err(|e| e.with_request(self.method.as_str(), &path))?;
        let (total, idle) = match self.timeout {
            Timeout::Default if self.streaming => (None, inner.stream_idle_timeout),
            Timeout::Default => (inner.timeout, None),
            Timeout::Total(t) => (Some(t), None),
            Timeout::Idle(t) => (None, Some(t)),
            Timeout::Unlimited => (None, None),
        };
        // A limit too far away to be an instant (`Duration::MAX`) is no limit.
        let limit = match (total, idle) {
            (Some(t), _) => match tokio::time::Instant::now().checked_add(t) {
                Some(at) => http1::Limit::Deadline(at, t),
                None => http1::Limit::None,
            },
            (None, Some(t)) => http1::Limit::Idle(t),
            (None, None) => http1::Limit::None,
        };
        let head = http1::RequestHead {
            method: self.method.as_str(),
            target: &target,
            host: &transport.host_header,
            user_agent: &transport.user_agent,
            headers: &self.headers,
        };

        let span = tracing::debug_span!(
            "docker.request",
            method = %self.method,
            path = self.template.unwrap_or(path.as_str()),
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let exchange = async {
            let sent = http1::exchange(&transport.pool, &head, self.body);
            let result = match limit {
                http1::Limit::Deadline(at, t) => {
                    tokio::time::timeout_at(at, sent).await.map_err(|_| t)
                }
                http1::Limit::Idle(t) => tokio::time::timeout(t, sent).await.map_err(|_| t),
                http1::Limit::None => Ok(sent.await),
            };
            match result {
                Ok(Ok(answer)) => Ok(answer),
                Ok(Err(failure)) => Err(docker.failure_error(failure)),
                Err(t) => Err(timeout_error(t, total.is_some())),
            }
        };
        let result = exchange.instrument(span.clone()).await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        let (head, conn) = result.map_err(|e| e.with_request(self.method.as_str(), &path))?;
        span.record("status", head.status);
        let body = http1::Body::new(&head, conn, &transport.pool, limit);
        Ok(Response {
            status: head.status,
            headers: head.headers,
            body,
            total,
            method: self.method,
            path,
        })
    }
}

/// The request target: `base` + `path` + `?query`. A path of the usual
/// characters goes as it is; any other is checked and percent-encoded by the
/// URL parser.
fn request_target(base: &str, path: &str, query: &[(String, String)]) -> Result<String> {
    const PLAIN: &[u8] = b"/-_.~%:@!$&'()*+,;=";
    let plain = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || PLAIN.contains(&b))
        && !path.contains("/.");
    let mut target = String::with_capacity(base.len() + path.len() + 32);
    target.push_str(base);
    if plain {
        target.push_str(path);
    } else {
        let url = reqwest::Url::parse(&format!("http://localhost{path}")).map_err(|e| {
            Error::invalid_argument(format!("the path {path:?} does not make a valid URL"))
                .with_source(e)
        })?;
        target.push_str(url.path());
        if let Some(q) = url.query() {
            // A query written into the path stays; more is appended.
            target.push('?');
            target.push_str(q);
        }
    }
    if !query.is_empty() {
        let start = match target.find('?') {
            Some(at) => at + 1,
            None => {
                target.push('?');
                target.len()
            }
        };
        let mut encoded = form_urlencoded::Serializer::for_suffix(target, start);
        encoded.extend_pairs(query);
        target = encoded.finish();
    }
    Ok(target)
}

fn timeout_error(t: Duration, total: bool) -> Error {
    let e = Error::timeout(t);
    if total {
        e.with_detail(format!(
            "no complete answer within {t:?}; allow more with Request::timeout or \
             DockerBuilder::timeout"
        ))
    } else {
        e
    }
}

impl fmt::Debug for Request {
    // No header values and no body: they may hold credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A connection taken over after a `101` ([`Request::upgrade`]).
/// The connection of an upgraded request: `AsyncRead + AsyncWrite + Send +
/// Unpin + 'static`.
pub(crate) type UpgradedIo = crate::transport::io::Upgraded;

pub(crate) struct Upgrade {
    /// The connection; bytes read past the response head come first.
    pub(crate) io: UpgradedIo,
    pub(crate) content_type: Option<String>,
    /// Every header of the `101`, names in lower case.
    #[cfg_attr(not(feature = "websocket"), allow(dead_code))] // read by the websocket attach
    pub(crate) headers: Vec<(String, String)>,
    /// The API version of the request's path.
    pub(crate) version: ApiVersion,
    pub(crate) method: String,
    pub(crate) path: String,
}

/// A successful (`2xx`) answer from the daemon.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// let mut logs = docker
///     .get("/containers/web/logs")
///     .query("stdout", "1")
///     .send()
///     .await?;
/// while let Some(chunk) = logs.chunk().await? {
///     println!("{} bytes", chunk.len());
/// }
/// # Ok(())
/// # }
/// ```
pub struct Response {
    status: u16,
    headers: HeaderMap,
    body: http1::Body,
    /// The total limit, if one applies (for the wording of its error).
    total: Option<Duration>,
    method: Method,
    path: String,
}

impl Response {
    /// The HTTP status (`200`, `201`, `204`, ...).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let created = docker.post("/volumes/create").json(&serde_json::json!({})).send().await?;
    /// assert_eq!(created.status(), 201);
    /// # Ok(())
    /// # }
    /// ```
    pub fn status(&self) -> u16 {
        self.status
    }

    /// A response header, if present and text.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let r = docker.get("/version").send().await?;
    /// println!("{:?}", r.header("Api-Version"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    pub(crate) fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The next chunk of the body, `None` at its end. With an idle timeout
    /// (see [`Timeout::Idle`]), waiting longer than it for a chunk fails.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let mut events = docker.get("/events").timeout(wharf::Timeout::Unlimited).send().await?;
    /// while let Some(chunk) = events.chunk().await? {
    ///     print!("{}", String::from_utf8_lossy(&chunk));
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        std::future::poll_fn(|cx| self.poll_chunk(cx)).await
    }

    pub(crate) fn poll_chunk(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<Option<Bytes>>> {
        self.body.poll_chunk(cx).map(|next| match next {
            None => Ok(None),
            Some(Ok(piece)) => Ok(Some(piece)),
            Some(Err(e)) => Err(self.body_error(e)),
        })
    }

    /// See [`http1::Body::poll_fill`].
    pub(crate) fn poll_fill(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<usize>> {
        self.body.poll_fill(cx).map_err(|e| self.body_error(e))
    }

    /// See [`http1::Body::take_buffered`].
    pub(crate) fn take_buffered(&mut self) -> Option<Bytes> {
        self.body.take_buffered()
    }

    /// See [`http1::Body::give_back`].
    pub(crate) fn give_back(&mut self, rest: &[u8]) {
        self.body.give_back(rest)
    }

    /// See [`http1::Body::wants_read`].
    pub(crate) fn wants_read(&self) -> bool {
        self.body.wants_read()
    }

    /// The whole body.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let tar = docker.get("/images/alpine/get").send().await?.bytes().await?;
    /// println!("{} bytes", tar.len());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn bytes(mut self) -> Result<Bytes> {
        // Most bodies arrive in one piece: keep it as it is.
        let Some(first) = self.chunk().await? else {
            return Ok(Bytes::new());
        };
        let Some(second) = self.chunk().await? else {
            return Ok(first);
        };
        let mut body = bytes::BytesMut::with_capacity(first.len() + second.len());
        body.extend_from_slice(&first);
        body.extend_from_slice(&second);
        while let Some(chunk) = self.chunk().await? {
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }

    /// The whole body as text (invalid UTF-8 is replaced).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let ok = docker.get("/_ping").send().await?.text().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn text(self) -> Result<String> {
        let bytes = self.bytes().await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The whole body, decoded from JSON.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let version: serde_json::Value = docker.get("/version").send().await?.json().await?;
    /// println!("{}", version["Version"]);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn json<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        let (method, path) = (self.method.clone(), self.path.clone());
        let bytes = self.bytes().await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::decode(
                format!(
                    "cannot decode the answer as {}: {e}",
                    std::any::type_name::<T>()
                ),
                e,
            )
            .with_request(method.as_str(), &path)
        })
    }

    /// The body as a stream of chunks (see [`chunk`](Response::chunk)).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::StreamExt;
    ///
    /// let mut stream = Box::pin(docker.get("/events").send().await?.bytes_stream());
    /// while let Some(chunk) = stream.next().await {
    ///     let chunk = chunk?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn bytes_stream(self) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
        BodyStream(self)
    }

    /// The error for an unsuccessful answer, with the daemon's message (at
    /// most [`crate::error`]'s cap of the body is read).
    pub(crate) async fn into_error(mut self) -> Error {
        let is_json = self
            .header("Content-Type")
            .is_some_and(|v| v.contains("json"));
        let mut body = Vec::new();
        let mut truncated = false;
        // A broken error body still leaves the status to report.
        while let Ok(Some(chunk)) = self.chunk().await {
            if crate::error::push_capped(&mut body, &chunk, crate::error::ERROR_BODY_LIMIT) {
                truncated = true;
                break;
            }
        }
        Error::from_body(self.status, is_json, &body, truncated)
            .with_request(self.method.as_str(), &self.path)
    }

    fn body_error(&self, e: http1::BodyError) -> Error {
        let error = match e {
            http1::BodyError::Io(e) => Error::new(ErrorKind::Io).with_source(e),
            http1::BodyError::Framing(e) => Error::new(ErrorKind::Protocol)
                .with_detail(format!("the answer's body is cut short or malformed: {e}"))
                .with_source(e),
            http1::BodyError::Timeout(t) => timeout_error(t, self.total.is_some()),
        };
        error.with_request(self.method.as_str(), &self.path)
    }
}

/// The body of a [`Response`] as a stream of pieces.
pub(crate) struct BodyStream(Response);

impl Stream for BodyStream {
    type Item = Result<Bytes>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.get_mut().0.poll_chunk(cx).map(Result::transpose)
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status())
            .field("method", &self.method)
            .field("path", &self.path)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_is_send_sync_and_small() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<Docker>();
        assert_eq!(std::mem::size_of::<Docker>(), std::mem::size_of::<usize>());
    }

    fn env(vars: &[(&str, &str)]) -> Environment {
        vars.iter().map(|(k, v)| (*k, *v)).collect()
    }

    #[test]
    fn docker_api_version_pins() {
        let d = Docker::builder()
            .environment(env(&[
                ("DOCKER_HOST", "tcp://127.0.0.1:1"),
                ("DOCKER_API_VERSION", "1.44"),
            ]))
            .build()
            .unwrap();
        assert_eq!(d.pinned_api_version(), Some(ApiVersion::new(1, 44)));
        // The builder wins over the variable.
        let d = Docker::builder()
            .environment(env(&[
                ("DOCKER_HOST", "tcp://127.0.0.1:1"),
                ("DOCKER_API_VERSION", "1.44"),
            ]))
            .api_version(ApiVersion::new(1, 41))
            .build()
            .unwrap();
        assert_eq!(d.pinned_api_version(), Some(ApiVersion::new(1, 41)));
    }

    #[test]
    fn bad_docker_api_version_is_a_config_error() {
        let e = Docker::builder()
            .environment(env(&[
                ("DOCKER_HOST", "tcp://127.0.0.1:1"),
                ("DOCKER_API_VERSION", "latest"),
            ]))
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(
            e.to_string().contains("DOCKER_API_VERSION=\"latest\""),
            "{e}"
        );
        let e = Docker::builder()
            .environment(env(&[
                ("DOCKER_HOST", "tcp://127.0.0.1:1"),
                ("DOCKER_API_VERSION", "1.12"),
            ]))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("DOCKER_API_VERSION"), "{e}");
    }

    #[test]
    fn relative_path_is_rejected_before_sending() {
        let d = Docker::builder()
            .environment(env(&[("DOCKER_HOST", "tcp://127.0.0.1:1")]))
            .build()
            .unwrap();
        let r = d.get("containers/json");
        assert!(r.error.is_some());
    }
}
