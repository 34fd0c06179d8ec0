//! [`Response`]: a daemon's answer and its body, read in the caller's task.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use reqwest::header::HeaderMap;
use reqwest::Method;

use super::timeout_error;
use crate::error::{Error, Result};
use crate::transport::conn;
use crate::version::ApiVersion;

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
    pub(super) status: u16,
    pub(super) headers: HeaderMap,
    pub(super) body: conn::Body,
    /// The total limit, if one applies (for the wording of its error).
    pub(super) total: Option<Duration>,
    pub(super) method: Method,
    pub(super) path: String,
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
    /// (see [`Timeout::Idle`](crate::Timeout::Idle)), waiting longer than it for a chunk fails.
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
        wharf_api::from_json(&bytes).map_err(|e| {
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

    fn body_error(&self, e: conn::BodyError) -> Error {
        let error = match e {
            conn::BodyError::Http(e) => Error::from_hyper_body(e),
            conn::BodyError::Timeout(t) => timeout_error(t, self.total.is_some()),
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
