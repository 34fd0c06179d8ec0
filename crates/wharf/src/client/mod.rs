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
//! Every request, typed, raw ([`Docker::get`] and friends) or generated
//! ([`Docker::api`]), goes the same way: hyper's HTTP/1.1 over connections
//! kept alive and reused from the client's one pool (some clients, bollard
//! among them, open a new connection per request). hyper's connection is
//! driven in the calling task: no background task per connection, so a log
//! streamed in many small chunks costs no task switch per chunk. Cloning a [`Docker`] is cheap and shares the pool, the
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
use std::time::Duration;

use reqwest::Method;
use tokio::sync::OnceCell;

use crate::endpoint::Endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::transport::{conn, Transport};
use crate::version::{self, ApiVersion, PingInfo};

mod builder;
mod executor;
mod request;
mod response;

pub use builder::DockerBuilder;
pub(crate) use request::timeout_error;
pub use request::Request;
pub use response::Response;
pub(crate) use response::{Upgrade, UpgradedIo};

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

/// The connections of a client's pool: see [`Docker::connections`].
///
/// ```
/// let docker = wharf::Docker::builder().host("unix:///var/run/docker.sock").build()?;
/// let wharf::client::Connections { open, idle, .. } = docker.connections();
/// assert!(idle <= open);
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Connections {
    /// Open connections, in use or idle.
    pub open: usize,
    /// Open connections waiting in the pool for a call.
    pub idle: usize,
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

    /// How many connections to the daemon this client (and its clones)
    /// holds open now, and how many of those wait idle in the pool for the
    /// next call. A connection is open from its dial until it closes: a
    /// stream, an attach or an exec holds one while it lives; one dropped
    /// halfway is closed, not pooled.
    ///
    /// ```
    /// let docker = wharf::Docker::builder().host("unix:///var/run/docker.sock").build()?;
    /// let connections = docker.connections();
    /// assert_eq!((connections.open, connections.idle), (0, 0));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn connections(&self) -> Connections {
        let (open, idle) = self.inner.transport.pool.counts();
        Connections { open, idle }
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
        if let Some(v) = self
            .inner
            .fixed
            .or_else(|| self.inner.negotiated.get().copied())
        {
            return Ok(v);
        }
        // Boxed: every request awaits this, and only the first negotiates
        // (a whole exchange's future), so the others' futures stay small.
        Box::pin(self.inner.negotiated.get_or_try_init(|| async {
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
        }))
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
                executor::executor(Arc::downgrade(&self.inner)),
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
        // the error alone is kept across the await below, not the whole
        // result (as a `match` on it would): that keeps a large answer's
        // type out of every call's future
        let error = match executor::with_timeout(timeout, call).await {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        Err(Error::from_api(error).await)
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
    fn failure_error(&self, failure: conn::Failure, total: bool) -> Error {
        let mut error = match failure {
            conn::Failure::Connect(e) => Error::connect(e),
            conn::Failure::Http(e) => Error::from_hyper(e),
            conn::Failure::NotHttp(e, began) => Error::not_http(e, &began),
            conn::Failure::Body(e) => Error::new(ErrorKind::Io)
                .with_detail(format!("the request body failed: {e}"))
                .with_source(e),
            conn::Failure::Timeout(t) => return timeout_error(t, total),
        };
        if let Some(reason) = self
            .inner
            .endpoint
            .tls()
            .filter(|_| matches!(error.kind(), ErrorKind::Connect | ErrorKind::Io))
            .and_then(|tls| crate::transport::tls::refusal(tls, &error))
        {
            error = error.with_kind(ErrorKind::Connect).with_detail(reason);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::Environment;

    #[test]
    fn docker_is_send_sync_and_small() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<Docker>();
        assert_eq!(std::mem::size_of::<Docker>(), std::mem::size_of::<usize>());
    }

    /// A call's future is moved whole at each level it goes through, and
    /// each task running one holds it: the dial of a new connection and the
    /// version negotiation are boxed so that every other call's future does
    /// not carry them (with them inline, an inspect's future was 8.3 kB in
    /// a release build, a raw request's 6 kB).
    #[test]
    fn calls_futures_stay_small() {
        let docker = Docker::builder()
            .environment(env(&[("DOCKER_HOST", "unix:///nonexistent.sock")]))
            .build()
            .unwrap();
        let inspect = std::mem::size_of_val(&docker.container("x").inspect());
        let request = std::mem::size_of_val(&docker.get("/x").send());
        // 3480 and 3624 bytes with rustc 1.95; the bounds leave room for
        // another compiler's layout, not for the dial coming back inline
        assert!(inspect <= 5 * 1024, "Container::inspect: {inspect} bytes");
        assert!(request <= 5 * 1024, "Request::send: {request} bytes");
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
        assert!(r.is_refused());
    }
}
