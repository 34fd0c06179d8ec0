//! Errors from what lies under wharf: hyper's and reqwest's errors, I/O
//! errors of a connection, an answer's status and body; and [`Carried`], a
//! wharf error on its way through the generated client.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Mutex;

use super::{ConnectTarget, Error, ErrorKind, ERROR_BODY_LIMIT};

impl Error {
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
pub(super) fn message_from_body(body: &[u8], is_json: bool, truncated: bool) -> Option<String> {
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
pub(super) fn connect_reason(err: &(dyn StdError + 'static)) -> Option<String> {
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
