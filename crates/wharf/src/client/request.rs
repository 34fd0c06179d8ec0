//! [`Request`]: one request, built and sent through the client's transport.

use std::fmt;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_core::Stream;
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Method;
use tracing::Instrument;

use super::{Docker, Response, Timeout, Upgrade};
use crate::error::{Error, ErrorKind, Result};
use crate::transport::conn::{self, OutBody};
use crate::version::ApiVersion;

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
    body: OutBody,
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
            body: OutBody::Empty,
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

    /// Whether the request is refused before sending (a bad path, header
    /// or body).
    #[cfg(test)]
    pub(super) fn is_refused(&self) -> bool {
        self.error.is_some()
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
            // framing and the host are the transport's: a caller's would
            // be sent beside its own, or contradict the body
            (Ok(name), Ok(_))
                if matches!(
                    name.as_str(),
                    "host" | "content-length" | "transfer-encoding"
                ) =>
            {
                tracing::debug!(header = %name, "ignored: the transport sets it");
            }
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
                self.body = OutBody::Full(Some(bytes.into()));
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
        self.body = OutBody::Full(Some(body.into()));
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

    /// Sends a body streamed from `body` as it comes (chunked): a build
    /// context, an upload. It is never held whole in memory, and so never
    /// sent twice. An idle limit ([`Timeout::Idle`]) counts from the last
    /// piece sent or received.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let pieces = futures_util::stream::iter([Ok(bytes::Bytes::from_static(b"..."))]);
    /// docker
    ///     .post("/images/load")
    ///     .header("Content-Type", "application/x-tar")
    ///     .body_stream(pieces)
    ///     .send()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn body_stream(
        mut self,
        body: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    ) -> Request {
        self.body = OutBody::stream(body);
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
        let io = body.into_upgraded().await.ok_or_else(|| {
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
        let target = if self.versioned && self.query.is_empty() {
            // a URL the generated client built: already encoded (and
            // checked again as a URI below)
            format!("{}{path}", transport.base_path)
        } else {
            request_target(&transport.base_path, &path, &self.query)
                .map_err(|e| e.with_request(self.method.as_str(), &path))?
        };
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
                Some(at) => conn::Limit::Deadline(at, t),
                None => conn::Limit::None,
            },
            (None, Some(t)) => conn::Limit::Idle(t),
            (None, None) => conn::Limit::None,
        };
        let mut request = http::Request::new(self.body);
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = target.parse().map_err(|e: http::uri::InvalidUri| {
            Error::invalid_argument(format!("the path {path:?} does not make a valid URL"))
                .with_source(e)
                .with_request(self.method.as_str(), &path)
        })?;
        let headers = request.headers_mut();
        headers.insert(http::header::HOST, transport.host_header.clone());
        if let Some(agent) = &transport.user_agent {
            headers.insert(http::header::USER_AGENT, agent.clone());
        }
        for (name, value) in self.headers {
            headers.append(name, value);
        }

        let span = tracing::debug_span!(
            "docker.request",
            method = %self.method,
            path = self.template.unwrap_or(path.as_str()),
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = conn::exchange(&transport.pool, request, limit)
            .instrument(span.clone())
            .await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        let (head, body) = result.map_err(|e| {
            docker
                .failure_error(e, total.is_some())
                .with_request(self.method.as_str(), &path)
        })?;
        span.record("status", head.status.as_u16());
        Ok(Response {
            status: head.status.as_u16(),
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
pub(super) fn request_target(base: &str, path: &str, query: &[(String, String)]) -> Result<String> {
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

pub(crate) fn timeout_error(t: Duration, total: bool) -> Error {
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
