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
use std::sync::Mutex;
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
        // Go's net/http answers plain HTTP on a TLS listener with this 400
        // (net/http/server.go): the address is a daemon that wants TLS
        let tls_wanted = status == 400
            && message
                .as_deref()
                .is_some_and(|m| m.starts_with("Client sent an HTTP request to an HTTPS server"));
        if tls_wanted {
            kind = ErrorKind::Connect;
        }
        let mut e = Error::new(kind);
        e.inner.status = Some(status);
        e.inner.message = message;
        if tls_wanted {
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

    /// Maps a transport error from reqwest to a kind.
    ///
    /// The URL is stripped from the source so that it can never leak into
    /// logs; the path is kept separately by [`Error::with_request`].
    pub(crate) fn from_reqwest(err: reqwest::Error) -> Error {
        if let Some(error) = Carried::take(&err) {
            return error;
        }
        let kind = if err.is_connect() {
            ErrorKind::Connect
        } else if err.is_timeout() {
            ErrorKind::Timeout
        } else if err.is_decode() {
            ErrorKind::Decode
        } else if err.is_builder() {
            ErrorKind::InvalidArgument
        } else if err.is_redirect() || err.is_upgrade() {
            ErrorKind::Protocol
        } else if let Some(status) = err.status() {
            return Error::from_status(status.as_u16(), None).with_source(err.without_url());
        } else {
            ErrorKind::Io
        };
        let err = err.without_url();
        let detail = if kind == ErrorKind::Connect {
            connect_reason(&err)
        } else {
            None
        };
        let mut e = Error::new(kind).with_source(err);
        e.inner.detail = detail;
        e
    }

    /// An exchange that hyper could not complete, before the answer's body.
    pub(crate) fn from_hyper(err: hyper::Error) -> Error {
        let (kind, detail) = if err.is_parse() || err.is_parse_status() {
            (
                ErrorKind::Protocol,
                format!("the daemon's answer is not valid HTTP/1.1: {err}"),
            )
        } else if err.is_incomplete_message() {
            (
                ErrorKind::Io,
                "the daemon closed the connection without answering (or in the middle of \
                 the answer's head)"
                    .to_owned(),
            )
        } else if err.is_timeout() {
            (ErrorKind::Timeout, err.to_string())
        } else {
            (ErrorKind::Io, hyper_reason(&err))
        };
        Error::new(kind).with_detail(detail).with_source(err)
    }

    /// An answer that is not HTTP/1.1, quoting how it began: an ssh
    /// server's banner (`SSH-2.0-...`) or a TLS alert tells what the
    /// address really serves.
    pub(crate) fn not_http(err: hyper::Error, began: &[u8]) -> Error {
        let mut error = Error::from_hyper(err);
        if !began.is_empty() {
            let detail = error.inner.detail.take().unwrap_or_default();
            let hint = if began.starts_with(b"SSH-") {
                " (an ssh server: for the daemon behind it, use an ssh:// host)"
            } else if began.first() == Some(&0x15) {
                " (a TLS alert: that address speaks TLS)"
            } else {
                ""
            };
            error.inner.detail = Some(format!(
                "{detail}; it began with \"{}\"{hint}",
                began.escape_ascii()
            ));
        }
        error
    }

    /// An answer's body that hyper could not read to its end.
    pub(crate) fn from_hyper_body(err: hyper::Error) -> Error {
        // hyper reports a cut or malformed body as an I/O error under its
        // own (UnexpectedEof, or InvalidInput for bad chunked coding)
        let framing = err
            .source()
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .is_some_and(|io| {
                matches!(
                    io.kind(),
                    std::io::ErrorKind::UnexpectedEof
                        | std::io::ErrorKind::InvalidInput
                        | std::io::ErrorKind::InvalidData
                )
            });
        if framing || err.is_incomplete_message() || err.is_parse() {
            return Error::new(ErrorKind::Protocol)
                .with_detail(format!(
                    "the answer's body is cut short or malformed: {}",
                    hyper_reason(&err)
                ))
                .with_source(err);
        }
        Error::new(ErrorKind::Io)
            .with_detail(hyper_reason(&err))
            .with_source(err)
    }

    /// Adds the endpoint, how it was chosen and what to try to a
    /// [`ErrorKind::Connect`] error.
    pub(crate) fn with_endpoint(mut self, endpoint: &impl ConnectTarget) -> Error {
        if self.inner.kind != ErrorKind::Connect {
            return self;
        }
        let reason = self
            .inner
            .detail
            .take()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let hint = if reason.contains("the proxy ") {
            "; check HTTP_PROXY, HTTPS_PROXY and NO_PROXY".to_owned()
        } else if reason.contains("permission denied") {
            "; the user may need to be in the `docker` group, or use rootless Docker".to_owned()
        } else if let Some(origin) = endpoint
            .tls_origin()
            .filter(|_| reason.contains("certificate"))
        {
            format!("; check the TLS settings ({origin})")
        } else if reason.contains("no such socket") || reason.contains("connection refused") {
            // said once, here: the reason and the source's hint leave it out
            let hint = endpoint.hint();
            let mut letters = hint.chars();
            let first = letters.next().map(|c| c.to_ascii_uppercase());
            format!(
                "; is the daemon running? {}{}",
                first.unwrap_or(' '),
                letters.as_str()
            )
        } else {
            format!("; {}", endpoint.hint())
        };
        self.inner.detail = Some(format!(
            "cannot connect to the Docker daemon at {} ({}){reason}{hint}",
            endpoint.url(),
            endpoint.chosen(),
        ));
        self
    }

    /// Builds the error for an unsuccessful response, reading at most
    /// [`ERROR_BODY_LIMIT`] bytes of its body for the daemon's message.
    pub(crate) async fn from_response(response: reqwest::Response) -> Error {
        let status = response.status().as_u16();
        let is_json = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        let (body, truncated) = read_capped(response, ERROR_BODY_LIMIT).await;
        Error::from_body(status, is_json, &body, truncated)
    }

    /// Builds the error for an unsuccessful response from (at most
    /// [`ERROR_BODY_LIMIT`] bytes of) its body; `truncated` if there was more.
    pub(crate) fn from_body(status: u16, is_json: bool, body: &[u8], truncated: bool) -> Error {
        Error::from_status(status, message_from_body(body, is_json, truncated))
    }

    /// A connection to the daemon could not be opened.
    pub(crate) fn connect(err: std::io::Error) -> Error {
        let detail = connect_reason(&err);
        let mut e = Error::new(ErrorKind::Connect).with_source(err);
        e.inner.detail = detail;
        e
    }

    /// Converts an error of the generated client ([`crate::Docker::api`]).
    ///
    /// The daemon's JSON error keeps its status and message. A response the
    /// spec does not list (a 304 from start, say) has its body read, at most
    /// 64 KiB, for the message. A body that is not the JSON the operation
    /// declares is a [`ErrorKind::Decode`] error holding the text (the
    /// generated client does not keep the status of such a response).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let api = docker.api().await?;
    /// match api.container_inspect("nope", None).await {
    ///     Ok(c) => println!("{:?}", c.into_inner().name),
    ///     Err(e) => {
    ///         let e = wharf::Error::from_api(e).await;
    ///         assert_eq!(e.kind(), wharf::ErrorKind::NotFound);
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn from_api(err: wharf_api::Error<wharf_api::types::ErrorResponse>) -> Error {
        use wharf_api::Error as Api;
        if let Api::CommunicationError(e) | Api::ResponseBodyError(e) = &err {
            if let Some(error) = Carried::take(e) {
                return error;
            }
        }
        match err {
            Api::ErrorResponse(response) => {
                let status = response.status().as_u16();
                Error::from_status(status, Some(response.into_inner().message))
            }
            Api::UnexpectedResponse(response) => Error::from_response(response).await,
            Api::CommunicationError(e) | Api::ResponseBodyError(e) | Api::InvalidUpgrade(e) => {
                Error::from_reqwest(e)
            }
            Api::InvalidResponsePayload(body, e) => {
                let text = String::from_utf8_lossy(&body[..body.len().min(ERROR_BODY_LIMIT)]);
                Error::decode(
                    format!(
                        "the response is not what the operation declares: {}",
                        text.trim()
                    ),
                    e,
                )
            }
            Api::InvalidRequest(what) | Api::Custom(what) => {
                Error::new(ErrorKind::InvalidArgument).with_detail(what)
            }
        }
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

/// Reads up to `cap` bytes of a body; the rest is left unread. Returns the
/// bytes and whether the body was longer.
async fn read_capped(mut response: reqwest::Response, cap: usize) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    // A broken error body still leaves the status to report.
    while let Ok(Some(chunk)) = response.chunk().await {
        if push_capped(&mut body, &chunk, cap) {
            return (body, true);
        }
    }
    (body, false)
}

/// Adds `chunk` to an error body kept to at most `cap` bytes; true when
/// some of it did not fit (the body is cut there).
pub(crate) fn push_capped(body: &mut Vec<u8>, chunk: &[u8], cap: usize) -> bool {
    let room = cap - body.len();
    if chunk.len() > room {
        body.extend_from_slice(&chunk[..room]);
        return true;
    }
    body.extend_from_slice(chunk);
    false
}

/// The daemon's message: `{"message": "..."}` (the Engine API's error
/// shape), or else the body as text.
fn message_from_body(body: &[u8], is_json: bool, truncated: bool) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if is_json || text.starts_with('{') {
        if let Ok(parsed) = serde_json::from_str::<serde_json::Value>(text) {
            if let Some(message) = parsed.get("message").and_then(|m| m.as_str()) {
                return Some(message.trim().to_owned());
            }
        }
    }
    let mut message = text.to_owned();
    if truncated {
        message.push_str(" [truncated]");
    }
    Some(message)
}

/// hyper's words, with the I/O error under them.
fn hyper_reason(err: &hyper::Error) -> String {
    match err.source() {
        Some(source) => format!("{err}: {source}"),
        None => err.to_string(),
    }
}

/// A short reason for a connect error, from the I/O error under it.
fn connect_reason(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    let mut timed_out = false;
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(match io.kind() {
                std::io::ErrorKind::NotFound => "no such socket".into(),
                std::io::ErrorKind::PermissionDenied => "permission denied".into(),
                std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
                std::io::ErrorKind::TimedOut => "timed out".into(),
                _ => io.to_string(),
            });
        }
        if e.to_string().contains("timed out") {
            timed_out = true;
        }
        cur = e.source();
    }
    timed_out.then(|| "timed out".to_owned())
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

/// A wharf [`Error`] on its way through the generated client, which can
/// only return `reqwest::Error`s: it rides as their source, and
/// [`Carried::take`] gets it back whole.
pub(crate) struct Carried(Mutex<Option<Error>>, String);

impl Carried {
    pub(crate) fn new(error: Error) -> Carried {
        let text = error.to_string();
        Carried(Mutex::new(Some(error)), text)
    }

    /// The error inside `error` (anywhere in its chain of sources), taken
    /// out; `None` if there is none, or it was taken already.
    pub(crate) fn take(error: &(dyn std::error::Error + 'static)) -> Option<Error> {
        let mut cur = Some(error);
        while let Some(e) = cur {
            if let Some(carried) = e.downcast_ref::<Carried>() {
                return carried.0.lock().unwrap_or_else(|p| p.into_inner()).take();
            }
            cur = e.source();
        }
        None
    }
}

impl fmt::Debug for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Carried").field(&self.1).finish()
    }
}

impl fmt::Display for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.1)
    }
}

impl std::error::Error for Carried {}

#[cfg(test)]
mod tests;
