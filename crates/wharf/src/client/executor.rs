//! The generated client's requests, sent by wharf's own transport.
//!
//! [`wharf_api::Client`] builds each operation's request (its path, with ids
//! encoded, its query and body); [`Transported`] sends it the way every
//! other request of the client goes: the same connection pool, version
//! prefix, timeouts, tracing span (`docker.request`, with the operation's
//! path template) and errors. A typed call is a generated operation run
//! under [`Docker::call`], which also sets its time limit.
//!
//! ```text
//!  typed call ──> wharf_api::Client::container_inspect ──> ClientHooks::exec
//!                   (path, query, body from the spec)            │
//!                                                                ▼
//!                 Transported::execute ──> Request (pool, version, limits, span)
//! ```
//!
//! Before sending, [`crate::requirements::check`] refuses a request that uses an
//! operation, query parameter or body field newer than the client's API version.
//!
//! Answers outside `2xx` become wharf [`Error`]s here, with the daemon's
//! message, so that they keep their status whatever the body's shape (the
//! generated code would drop the status of a `text/plain` error body). The
//! generated client can only return `reqwest::Error`s: a wharf error
//! travels inside one as its source ([`Carried`]) and [`Error::from_api`]
//! takes it back out, kind, status and message intact.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, Weak};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::{FutureExt, TryStreamExt};
use reqwest::ResponseBuilderExt;
use wharf_api::coverage::{Operation, Served, OPERATIONS};

use super::{Docker, Inner, Timeout};
use crate::error::{Carried, Error, Result};

thread_local! {
    /// The time limit of the generated operation that [`Docker::call`] is
    /// polling: set around each poll of the call ([`WithTimeout`]) and read
    /// by [`Transported::send`], which runs within the call's first poll.
    static TIMEOUT: Cell<Option<Timeout>> = const { Cell::new(None) };
}

/// Runs `call` (a generated operation) with `timeout` as its limit.
pub(crate) fn with_timeout<F: Future>(timeout: Timeout, call: F) -> WithTimeout<F> {
    WithTimeout { timeout, call }
}

pin_project_lite::pin_project! {
    /// A generated operation run with a time limit ([`with_timeout`]).
    ///
    /// The limit is set for the duration of each poll, as a tokio task-local
    /// is, but the answer is returned straight from the operation's poll:
    /// tokio's `TaskLocalFuture` moves its output whole on every poll, a
    /// `Pending` one too, which for an inspect answer is 3.6 kB each time.
    pub(crate) struct WithTimeout<F> {
        timeout: Timeout,
        #[pin]
        call: F,
    }
}

impl<F: Future> Future for WithTimeout<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _outer = Restore(TIMEOUT.replace(Some(*this.timeout)));
        this.call.poll(cx)
    }
}

/// Puts back the limit of an enclosing call when a poll ends, or panics.
struct Restore(Option<Timeout>);

impl Drop for Restore {
    fn drop(&mut self) {
        TIMEOUT.set(self.0);
    }
}

/// Sends the generated client's requests through a [`Docker`] client. The
/// reference is weak: the client keeps the generated client that keeps this.
pub(crate) struct Transported(Weak<Inner>);

impl wharf_api::Execute for Transported {
    fn execute(
        &self,
        request: reqwest::Request,
        operation: &'static str,
    ) -> wharf_api::ExecuteFuture<'_> {
        Box::pin(async move { self.send(request, operation).await.map_err(carry) })
    }
}

impl Transported {
    async fn send(
        &self,
        mut request: reqwest::Request,
        operation: &'static str,
    ) -> Result<reqwest::Response> {
        let docker = Docker::from_inner(&self.0).ok_or_else(|| {
            Error::new(crate::ErrorKind::Io).with_detail("the wharf client was dropped")
        })?;
        let spec = operation_named(operation);
        if let Some(spec) = spec {
            // what the operation, its query or its body needs of the version
            let version = docker.api_version().await?;
            let body = request.body().and_then(reqwest::Body::as_bytes);
            crate::requirements::check(spec.id, version, request.url().query(), body)
                .map_err(|e| e.with_request(request.method().as_str(), spec.path))?;
        }
        let url = request.url().clone();
        // the URL is the client's base (origin, base path, version prefix)
        // and the operation's path: send its path under the base path
        let base = docker.base_path();
        let path = url.path().strip_prefix(base).unwrap_or(url.path());
        let target = match url.query() {
            Some(query) => format!("{path}?{query}"),
            None => path.to_owned(),
        };
        let mut out =
            crate::client::Request::new(docker, request.method().clone(), "/").target(target);
        if let Some(spec) = spec {
            out = out.template(spec.path);
            if spec.streams {
                out = out.streaming();
            }
        }
        if let Some(timeout) = TIMEOUT.get() {
            out = out.timeout(timeout);
        }
        for (name, value) in request.headers() {
            // the version is in the path; framing is the transport's
            if name.as_str() == "api-version" {
                continue;
            }
            out = out.header_value(name.clone(), value.clone());
        }
        if let Some(body) = request.body_mut().take() {
            out = match body.as_bytes() {
                Some(bytes) => out.body(Bytes::copy_from_slice(bytes)),
                None => out.body_stream(
                    http_body_util::BodyDataStream::new(body).map_err(std::io::Error::other),
                ),
            };
        }
        let mut response = out.send().await?;
        let status = http::StatusCode::from_u16(response.status())
            .map_err(|e| Error::new(crate::ErrorKind::Protocol).with_source(e))?;
        let headers = std::mem::take(&mut response.headers);
        // the body goes on as it comes, also for an answer decoded whole:
        // a wait's head says the wait is registered, long before its body
        let body = reqwest::Body::wrap_stream(response.bytes_stream().map_err(Carried::new));
        let mut answer = http::Response::builder()
            .status(status)
            // the answer's URL is the request's (else reqwest parses a
            // placeholder URL for every answer)
            .url(url)
            .body(body)
            .map_err(|e| Error::new(crate::ErrorKind::Protocol).with_source(e))?;
        *answer.headers_mut() = headers;
        Ok(reqwest::Response::from(answer))
    }
}

/// The spec's operation that the generated method `method` runs, looked up
/// once per name.
fn operation_named(method: &'static str) -> Option<&'static Operation> {
    static BY_METHOD: OnceLock<HashMap<&'static str, &'static Operation>> = OnceLock::new();
    BY_METHOD
        .get_or_init(|| {
            OPERATIONS
                .iter()
                .filter_map(|op| match op.served {
                    Served::Generated(method) => Some((method, op)),
                    _ => None,
                })
                .collect()
        })
        .get(method)
        .copied()
}

/// A `reqwest::Error` carrying `error`. reqwest has no public constructor:
/// the one way to make one around an error of ours is a body that fails
/// with it, read at once (it is ready: no I/O happens).
fn carry(error: Error) -> reqwest::Error {
    let failing = futures_util::stream::once(async move { Err::<Bytes, _>(Carried::new(error)) });
    let response =
        reqwest::Response::from(http::Response::new(reqwest::Body::wrap_stream(failing)));
    match response.bytes().now_or_never() {
        Some(Err(e)) => e,
        _ => unreachable!("a body that fails at once fails at once"),
    }
}

/// The executor of a client's generated client ([`Docker::api`]).
pub(crate) fn executor(inner: Weak<Inner>) -> wharf_api::Executor {
    wharf_api::Executor::new(Arc::new(Transported(inner)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn a_carried_error_comes_back_whole() {
        let e = Error::from_status(409, Some("name in use".into())).with_request("POST", "/x");
        let carried = carry(e);
        let back = Carried::take(&carried).expect("carried");
        assert_eq!(back.kind(), ErrorKind::Conflict);
        assert_eq!(back.message(), Some("name in use"));
        assert_eq!(back.path(), Some("/x"));
        assert!(Carried::take(&carried).is_none(), "taken once");
    }
}
