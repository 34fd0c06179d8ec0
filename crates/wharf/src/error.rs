//! The one error type of wharf.
//!
//! Every fallible wharf call returns [`Error`]. It is deliberately opaque: a
//! caller decides what to do from [`Error::kind`] (and, for daemon answers,
//! [`Error::status`] and [`Error::message`]), never from the text.
//!
//! ```text
//! GET /v1.51/containers/abc/json: 404 Not Found: No such container: abc
//! \_ request ________________/   \_ status ___/  \_ daemon's message _/
//! ```
//!
//! The [`Display`](std::fmt::Display) text is for people and is **not** part
//! of the API: it may change in any release. Neither `Display` nor `Debug`
//! ever prints a header value, a request body or a password, so errors are
//! safe to log.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

/// A boxed error usable as a [`source`](StdError::source).
pub(crate) type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// `Result` with wharf's [`Error`].
///
/// ```
/// fn parse(v: &str) -> wharf::Result<wharf::ApiVersion> {
///     v.parse()
/// }
/// assert!(parse("1.44").is_ok());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How much of an error response body is read to find the daemon's message.
pub(crate) const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// The endpoint a connection was tried to, as [`Error::with_endpoint`] tells
/// it in a [`ErrorKind::Connect`] error. `crate::endpoint::Endpoint` is the
/// one implementation; the trait lets errors say where without depending on
/// how endpoints are resolved.
pub(crate) trait ConnectTarget {
    /// The endpoint's URL: `unix:///var/run/docker.sock`, `tcp://host:2376`.
    fn url(&self) -> &str;
    /// How the endpoint was chosen: `from DOCKER_HOST`.
    fn chosen(&self) -> &dyn fmt::Display;
    /// What to check when it cannot be reached, starting in lower case.
    fn hint(&self) -> String;
    /// Where the TLS settings came from, if the connection uses TLS.
    fn tls_origin(&self) -> Option<&str>;
}

/// An error from a wharf call: a daemon answer, a transport failure or bad
/// configuration.
///
/// Match on [`kind`](Error::kind); read [`status`](Error::status) and
/// [`message`](Error::message) for what the daemon said. The size of an
/// `Error` is one pointer, so `Result<T, Error>` stays small.
///
/// ```no_run
/// # async fn run() -> wharf::Result<()> {
/// use wharf::{Docker, ErrorKind};
///
/// let docker = Docker::connect()?;
/// match docker.get("/containers/nope/json").send().await {
///     Ok(_) => println!("found"),
///     Err(e) if e.kind() == ErrorKind::NotFound => println!("gone: {}", e.message().unwrap_or("")),
///     Err(e) => return Err(e),
/// }
/// # Ok(())
/// # }
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    status: Option<u16>,
    /// What the daemon said, for status errors.
    message: Option<String>,
    /// wharf's own explanation, for everything else.
    detail: Option<String>,
    method: Option<String>,
    path: Option<String>,
    source: Option<BoxError>,
}

/// What went wrong, broadly: the thing to match on.
///
/// New kinds may be added in minor releases, so a `match` needs a wildcard
/// arm.
///
/// ```
/// use wharf::ErrorKind;
///
/// fn retryable(kind: ErrorKind) -> bool {
///     matches!(kind, ErrorKind::Unavailable | ErrorKind::Timeout | ErrorKind::Connect)
/// }
/// assert!(retryable(ErrorKind::Timeout));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `304 Not Modified`: the object was already in the requested state
    /// (for example starting a running container). Callers often treat
    /// this as success.
    NotModified,
    /// `400 Bad Request`: the daemon rejected a parameter.
    InvalidArgument,
    /// `401 Unauthorized`: registry or plugin credentials were refused.
    Unauthorized,
    /// `403 Forbidden`: an authorization plugin or policy refused the call.
    Forbidden,
    /// `404 Not Found`: no such object (container, image, network, ...).
    NotFound,
    /// `409 Conflict`: the object is in a state that forbids the call, or
    /// the name is taken. Podman answers many of these `500` (and Docker
    /// one, unpausing a container that is not paused); those are recognised
    /// by the words that end their message and are `Conflict` too (with
    /// [`Error::status`] still `500`).
    Conflict,
    /// `503 Service Unavailable`: the daemon cannot serve this now (for
    /// example a swarm call on a node that is not a manager).
    Unavailable,
    /// Any other `5xx`: the daemon failed.
    Server,
    /// Any other unexpected HTTP status.
    UnexpectedStatus,
    /// The daemon could not be reached: no socket, connection refused, TLS
    /// handshake failure, ssh failure.
    Connect,
    /// The call did not finish within its [`Timeout`](crate::Timeout).
    Timeout,
    /// The daemon answered something that is not valid for the protocol.
    Protocol,
    /// A body could not be decoded (or a request body encoded).
    Decode,
    /// An I/O error while a request or response was under way.
    Io,
    /// The configuration is unusable: a malformed `DOCKER_HOST`, a missing
    /// certificate file, a broken context.
    Config,
    /// The client and the daemon have no API version in common, or the
    /// daemon refused the pinned version, or a call uses an operation,
    /// parameter or field newer than the client's API version (refused
    /// before sending; the message names it and both versions).
    VersionMismatch,
    /// A swarm task failed or was rejected while a wait
    /// ([`Service::wait_running`](crate::swarm::Service::wait_running)) watched
    /// it; [`Error::message`] is the task's error.
    TaskFailed,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::NotModified => "not modified",
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Server => "server error",
            ErrorKind::UnexpectedStatus => "unexpected status",
            ErrorKind::Connect => "cannot connect to the Docker daemon",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Protocol => "protocol error",
            ErrorKind::Decode => "decode error",
            ErrorKind::Io => "i/o error",
            ErrorKind::Config => "configuration error",
            ErrorKind::VersionMismatch => "API version mismatch",
            ErrorKind::TaskFailed => "swarm task failed",
        }
    }

    /// The kind for an HTTP status code the daemon answered with.
    fn from_status(status: u16) -> ErrorKind {
        match status {
            304 => ErrorKind::NotModified,
            400 => ErrorKind::InvalidArgument,
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            503 => ErrorKind::Unavailable,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::UnexpectedStatus,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

impl Error {
    /// What went wrong, broadly.
    ///
    /// ```
    /// let e = "1.x".parse::<wharf::ApiVersion>().unwrap_err();
    /// assert_eq!(e.kind(), wharf::ErrorKind::InvalidArgument);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status the daemon answered with, if it answered.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) {
    /// if let Err(e) = docker.get("/containers/nope/json").send().await {
    ///     assert_eq!(e.status(), Some(404));
    /// }
    /// # }
    /// ```
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The daemon's own message (from a JSON `{"message": ...}` body or a
    /// plain-text body, or an error it wrote into a stream: a progress
    /// stream's `errorDetail`, an exec that could not start), if it gave one.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) {
    /// if let Err(e) = docker.get("/containers/nope/json").send().await {
    ///     println!("{}", e.message().unwrap_or("(no message)"));
    /// }
    /// # }
    /// ```
    pub fn message(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }

    /// The HTTP method of the request that failed, if there was one.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) {
    /// if let Err(e) = docker.get("/info").send().await {
    ///     assert_eq!(e.method(), Some("GET"));
    /// }
    /// # }
    /// ```
    pub fn method(&self) -> Option<&str> {
        self.inner.method.as_deref()
    }

    /// The path of the request that failed (with its version prefix, without
    /// the query), if there was one.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) {
    /// if let Err(e) = docker.get("/info").send().await {
    ///     println!("{:?}", e.path()); // Some("/v1.51/info")
    /// }
    /// # }
    /// ```
    pub fn path(&self) -> Option<&str> {
        self.inner.path.as_deref()
    }

    /// True for [`ErrorKind::NotFound`].
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// match docker.delete("/containers/old").send().await {
    ///     Err(e) if e.is_not_found() => {} // already gone
    ///     other => { other?; }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.inner.kind == ErrorKind::NotFound
    }

    /// True for [`ErrorKind::NotModified`], which callers often treat as
    /// success.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// match docker.post("/containers/web/start").send().await {
    ///     Err(e) if e.is_not_modified() => {} // already running
    ///     other => { other?; }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_not_modified(&self) -> bool {
        self.inner.kind == ErrorKind::NotModified
    }

    /// True for [`ErrorKind::Timeout`].
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) {
    /// if let Err(e) = docker.get("/info").send().await {
    ///     if e.is_timeout() { eprintln!("the daemon is slow") }
    /// }
    /// # }
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// True for [`ErrorKind::Connect`].
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) {
    /// if let Err(e) = docker.ping().await {
    ///     if e.is_connect() { eprintln!("{e}") }
    /// }
    /// # }
    /// ```
    pub fn is_connect(&self) -> bool {
        self.inner.kind == ErrorKind::Connect
    }
}

// Crate-private constructors and builders.
impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                status: None,
                message: None,
                detail: None,
                method: None,
                path: None,
                source: None,
            }),
        }
    }

    /// A configuration problem, explained by `detail` (which should name the
    /// input and say what to do).
    pub(crate) fn config(detail: impl Into<String>) -> Error {
        Error::new(ErrorKind::Config).with_detail(detail)
    }

    pub(crate) fn invalid_argument(detail: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument).with_detail(detail)
    }

    pub(crate) fn version_mismatch(detail: impl Into<String>) -> Error {
        Error::new(ErrorKind::VersionMismatch).with_detail(detail)
    }

    pub(crate) fn decode(detail: impl Into<String>, source: impl Into<BoxError>) -> Error {
        Error::new(ErrorKind::Decode)
            .with_detail(detail)
            .with_source(source)
    }

    pub(crate) fn timeout(after: Duration) -> Error {
        Error::new(ErrorKind::Timeout).with_detail(format!("no answer within {after:?}"))
    }

    /// An unsuccessful answer from the daemon.
    ///
    /// Where engines answer one user error with different statuses, the
    /// message decides (`crate::error_kinds`: a network with containers
    /// attached is a conflict on every engine). A `400` whose message says
    /// the client version is too new or too old is a
    /// [`ErrorKind::VersionMismatch`]; the daemon words it as
    /// `client version 1.51 is too new. Maximum supported API version is 1.41`.
    pub(crate) fn from_status(status: u16, message: Option<String>) -> Error {
        let mut kind = ErrorKind::from_status(status);
        if status == 500 && message.as_deref().is_some_and(conflict_in_500) {
            kind = ErrorKind::Conflict;
        }
        if let Some(refined) = message
            .as_deref()
            .and_then(|m| crate::error_kinds::refined(status, m))
        {
            kind = refined;
        }
        if status == 400 {
            if let Some(m) = &message {
                if m.starts_with("client version ")
                    && (m.contains("is too new") || m.contains("is too old"))
                {
                    kind = ErrorKind::VersionMismatch;
                }
            }
        }
        let mut e = Error::new(kind);
        e.inner.status = Some(status);
        e.inner.message = message;
        if kind == ErrorKind::Connect {
            // the one answer error_kinds makes a Connect: a TLS port spoken to in clear
            e.inner.detail = Some(
                "the daemon at this address speaks TLS: set DOCKER_TLS_VERIFY=1 and \
                 DOCKER_CERT_PATH (or use a context with TLS material)"
                    .to_owned(),
            );
        }
        e
    }

    pub(crate) fn with_detail(mut self, detail: impl Into<String>) -> Error {
        self.inner.detail = Some(detail.into());
        self
    }

    /// The daemon's words where they come inside a stream rather than as an error
    /// response (an `errorDetail` line, a failed exec's output).
    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Error {
        self.inner.message = Some(message.into());
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Error {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn with_kind(mut self, kind: ErrorKind) -> Error {
        self.inner.kind = kind;
        self
    }

    /// Records the request this error belongs to (unless already recorded).
    pub(crate) fn with_request(mut self, method: &str, path: &str) -> Error {
        if self.inner.method.is_none() {
            self.inner.method = Some(method.to_owned());
            self.inner.path = Some(path.to_owned());
        }
        self
    }
}

/// Whether a `500` message is a conflict that the engine did not answer
/// `409`, so that the same refusal has the same kind on every engine.
///
/// Docker 28.5 answers `500` to unpausing a container that is not paused
/// ("Container <id> is not paused", a plain error in moby's
/// `daemon/unpause.go`), where Podman says "container state improper";
/// both are `Conflict`, as a state that forbids the call is everywhere else.
///
/// Podman's compat API answers these with `500` and a body
/// `{"cause": ..., "message": "...: <cause>", "response": 500}`; the cause
/// is the text of one of its error values and ends the message (which is
/// all the generated client keeps). A guess from those texts, checked
/// against Podman 4.3: `libpod/define/errors.go` (`ErrCtrStateInvalid`
/// "container state improper", `ErrCtrExists` "container already exists",
/// `ErrPodExists`, `ErrVolumeExists`, `ErrVolumeBeingUsed`, `ErrNetworkExists`)
/// and containers/storage's `ErrDuplicateName` "that name is already in use"
/// (a taken container name).
fn conflict_in_500(message: &str) -> bool {
    const CAUSES: &[&str] = &[
        "is not paused",
        "container state improper",
        "container already exists",
        "that name is already in use",
        "pod already exists",
        "volume already exists",
        "volume is being used",
        "network already exists",
    ];
    CAUSES.iter().any(|cause| message.ends_with(cause))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        if let (Some(method), Some(path)) = (&inner.method, &inner.path) {
            write!(f, "{method} {path}: ")?;
        }
        if let Some(status) = inner.status {
            write!(f, "{status}")?;
            if let Some(reason) = reqwest::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
            {
                write!(f, " {reason}")?;
            }
            if let Some(message) = &inner.message {
                write!(f, ": {message}")?;
            }
            if let Some(detail) = &inner.detail {
                write!(f, " ({detail})")?;
            }
            Ok(())
        } else if let Some(detail) = &inner.detail {
            f.write_str(detail)
        } else if let Some(source) = &inner.source {
            write!(f, "{}: {source}", inner.kind)
        } else {
            write!(f, "{}", inner.kind)
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        let mut d = f.debug_struct("wharf::Error");
        d.field("kind", &inner.kind);
        if let Some(status) = inner.status {
            d.field("status", &status);
        }
        if let Some(method) = &inner.method {
            d.field("method", method);
        }
        if let Some(path) = &inner.path {
            d.field("path", path);
        }
        if let Some(message) = &inner.message {
            d.field("message", message);
        }
        if let Some(detail) = &inner.detail {
            d.field("detail", detail);
        }
        if let Some(source) = &inner.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|e| &**e as &(dyn StdError + 'static))
    }
}

mod convert;

pub(crate) use convert::{push_capped, Carried};

#[cfg(test)]
mod tests;
