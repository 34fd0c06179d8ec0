//! HTTP/1.1 to the daemon with hyper, driven in the caller's task.
//!
//! One exchange on a kept-alive connection:
//!
//! ```text
//!  caller's task                                            daemon
//!    | Pool::checkout: an idle connection that still answers,  |
//!    |   or a new one (Dial), within the endpoint's cap        |
//!    | SendRequest::try_send_request ─┐                        |
//!    |                                ▼ Connection (polled     |
//!    |   POST /v1.51/containers/create   here, never spawned)  |
//!    |-------------------------------------------------------->|
//!    |                          HTTP/1.1 201 Created           |
//!    |<--------------------------------------------------------|
//!    | Body::poll_chunk: polls the Connection, then the body   |
//!    |<========================================================|
//!    | end of body: the connection goes back to the pool       |
//! ```
//!
//! hyper reads and writes HTTP/1.1 (`client::conn::http1`); its
//! `Connection`, the future that moves bytes, is polled by whoever waits on
//! the exchange: by the exchange until the answer's head, then by the
//! [`Body`] as it is read. No task runs per connection, so a log streamed in
//! many small chunks costs no task switch per chunk, and a connection never
//! outlives the runtime that made it unnoticed: a connection made on another
//! runtime is not reused.
//!
//! Sending again: a request is sent a second time, on a fresh connection,
//! only when hyper gives it back unsent (the pooled connection had closed
//! before any byte went out), or when it is idempotent (RFC 9110 9.2.2)
//! with a body held in memory and the reused connection closed without a
//! byte of answer. A POST whose bytes may have reached the daemon is never
//! sent again. An answer that arrives while the body is still being sent
//! (a `404` to an upload) is returned as it is.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use http::{Request, Response};
use hyper::body::{Frame, Incoming};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Sleep;

use super::io::{Io, Upgraded};
use super::pool::Pool;

/// How much of an answer that is not HTTP an error quotes.
const BEGAN: usize = 32;

type Driver = http1::Connection<TokioIo<Io>, OutBody>;

/// A request body: none, bytes in memory, or a stream sent as it comes
/// (chunked).
pub(crate) enum OutBody {
    Empty,
    Full(Option<Bytes>),
    Stream {
        stream: Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>,
        /// Set at each piece sent: an idle limit counts from the last one.
        progress: Arc<AtomicBool>,
    },
}

impl OutBody {
    /// A body streamed from `stream`.
    pub(crate) fn stream(
        stream: impl Stream<Item = io::Result<Bytes>> + Send + 'static,
    ) -> OutBody {
        OutBody::Stream {
            stream: Box::pin(stream),
            progress: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The same body again, if it can be sent twice.
    fn replay(&self) -> Option<OutBody> {
        match self {
            OutBody::Empty => Some(OutBody::Empty),
            OutBody::Full(b) => Some(OutBody::Full(b.clone())),
            OutBody::Stream { .. } => None,
        }
    }

    fn progress(&self) -> Option<Arc<AtomicBool>> {
        match self {
            OutBody::Stream { progress, .. } => Some(progress.clone()),
            _ => None,
        }
    }
}

impl hyper::body::Body for OutBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            OutBody::Empty => Poll::Ready(None),
            OutBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            OutBody::Stream { stream, progress } => loop {
                return match stream.as_mut().poll_next(cx) {
                    Poll::Ready(Some(Ok(b))) if b.is_empty() => continue,
                    Poll::Ready(Some(Ok(b))) => {
                        progress.store(true, Ordering::Relaxed);
                        Poll::Ready(Some(Ok(Frame::data(b))))
                    }
                    Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
                    Poll::Ready(None) => Poll::Ready(None),
                    Poll::Pending => Poll::Pending,
                };
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            OutBody::Empty => true,
            OutBody::Full(b) => b.is_none(),
            OutBody::Stream { .. } => false,
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match self {
            OutBody::Empty => hyper::body::SizeHint::with_exact(0),
            OutBody::Full(b) => {
                hyper::body::SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64))
            }
            OutBody::Stream { .. } => hyper::body::SizeHint::default(),
        }
    }
}

/// Why an exchange failed before the answer's body.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No connection could be opened.
    Connect(io::Error),
    /// The connection failed (hyper's error, with the I/O error under it).
    Http(hyper::Error),
    /// The answer is not HTTP/1.1: hyper's error, and the first bytes that
    /// came (an ssh server's banner on a port taken for the daemon's).
    NotHttp(hyper::Error, Bytes),
    /// The request body's stream failed.
    Body(io::Error),
    /// The time limit passed before the answer's head.
    Timeout(Duration),
}

/// The time limit of one exchange, answer's body included.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Limit {
    /// Everything must be done by then (the limit as given, for errors).
    Deadline(tokio::time::Instant, Duration),
    /// Fail when nothing moves (no answer bytes, no body piece sent) for this long.
    Idle(Duration),
    None,
}

/// A timer for a [`Limit`].
struct Timer {
    sleep: Pin<Box<Sleep>>,
    idle: Option<Duration>,
    limit: Duration,
}

impl Timer {
    fn new(limit: Limit) -> Option<Timer> {
        match limit {
            Limit::None => None,
            Limit::Deadline(at, limit) => Some(Timer {
                sleep: Box::pin(tokio::time::sleep_until(at)),
                idle: None,
                limit,
            }),
            Limit::Idle(t) => Some(Timer {
                sleep: Box::pin(tokio::time::sleep(t)),
                idle: Some(t),
                limit: t,
            }),
        }
    }

    /// Something moved: an idle limit starts again.
    fn touch(&mut self) {
        if let Some(idle) = self.idle {
            // an idle limit past the end of time never fires: no reset
            if let Some(at) = tokio::time::Instant::now().checked_add(idle) {
                self.sleep.as_mut().reset(at);
            }
        }
    }

    /// Whether the limit has passed (an idle one moved on by `progress`).
    fn poll_expired(&mut self, cx: &mut Context<'_>, progress: Option<&AtomicBool>) -> bool {
        loop {
            if self.sleep.as_mut().poll(cx).is_pending() {
                return false;
            }
            if progress.is_some_and(|p| p.swap(false, Ordering::Relaxed)) && self.idle.is_some() {
                self.touch();
                continue;
            }
            return true;
        }
    }
}

/// One connection: hyper's handle for requests, and the future that moves
/// its bytes (polled by whoever waits on it).
pub(crate) struct Conn {
    send: SendRequest<OutBody>,
    driver: Driver,
    /// The driver has finished: the connection is closed, failed, or
    /// taken over after a `101`.
    done: bool,
    /// The runtime whose I/O driver the socket is registered with.
    runtime: Option<tokio::runtime::Id>,
    reused: bool,
    _permit: OwnedSemaphorePermit,
}

impl Conn {
    /// A new connection over `io`, counted under `permit`.
    pub(super) async fn open(io: Io, permit: OwnedSemaphorePermit) -> Result<Conn, Failure> {
        let (send, driver) = http1::Builder::new()
            .handshake(TokioIo::new(io))
            .await
            .map_err(Failure::Http)?;
        Ok(Conn {
            send,
            driver,
            done: false,
            runtime: current_runtime(),
            reused: false,
            _permit: permit,
        })
    }

    /// Whether the connection is over (closed, failed, taken over).
    pub(super) fn is_done(&self) -> bool {
        self.done
    }

    /// Marks a connection taken from the pool, for the rules on sending again.
    pub(super) fn reuse(mut self) -> Conn {
        self.reused = true;
        self
    }

    /// Polls the connection's driver once. `Ready` when the connection is
    /// over (closed, failed, or taken over by an upgrade); it is then
    /// never polled again.
    fn poll_driver(&mut self, cx: &mut Context<'_>) -> Poll<hyper::Result<()>> {
        poll_driver(&mut self.driver, &mut self.done, cx)
    }

    /// The first bytes of an answer hyper could not parse (still in its
    /// read buffer), at most [`BEGAN`] of them.
    fn answer_began(self) -> Bytes {
        let mut read = self.driver.into_parts().read_buf;
        read.truncate(BEGAN);
        read
    }

    /// Whether the connection can carry another request, checked without
    /// waiting: it is open, on this runtime, and hyper is ready for one.
    pub(super) fn still_usable(&mut self) -> bool {
        if self.runtime != current_runtime() {
            return false;
        }
        let mut cx = Context::from_waker(std::task::Waker::noop());
        if self.poll_driver(&mut cx).is_ready() {
            return false;
        }
        matches!(self.send.poll_ready(&mut cx), Poll::Ready(Ok(())))
    }
}

/// Polls `driver` unless it is `done`. Without shutdown: after a `101` the
/// connection is taken over whole ([`Body::into_upgraded`]).
fn poll_driver(
    driver: &mut Driver,
    done: &mut bool,
    cx: &mut Context<'_>,
) -> Poll<hyper::Result<()>> {
    if *done {
        return Poll::Ready(Ok(()));
    }
    let polled = driver.poll_without_shutdown(cx);
    *done = polled.is_ready();
    polled
}

fn current_runtime() -> Option<tokio::runtime::Id> {
    tokio::runtime::Handle::try_current().ok().map(|h| h.id())
}

/// Methods whose request may be sent twice (RFC 9110, section 9.2.2).
fn idempotent(method: &http::Method) -> bool {
    matches!(
        *method,
        http::Method::GET
            | http::Method::HEAD
            | http::Method::PUT
            | http::Method::DELETE
            | http::Method::OPTIONS
    )
}

/// Sends `request` and reads the answer's head, within `limit`. The body
/// is read from the [`Body`] returned (which holds the connection).
pub(crate) async fn exchange(
    pool: &Arc<Pool>,
    request: Request<OutBody>,
    limit: Limit,
) -> Result<(http::response::Parts, Body), Failure> {
    let mut timer = Timer::new(limit);
    let progress = request.body().progress();
    let mut request = request;
    loop {
        let mut conn = match within(&mut timer, None, std::pin::pin!(pool.checkout())).await {
            Some(conn) => conn?,
            None => return Err(timed_out(&timer)),
        };
        // a copy to send again, kept only where that may happen: a reused
        // connection, an idempotent request, a body held in memory
        let replay = if conn.reused && idempotent(request.method()) {
            request.body().replay().map(|body| {
                let mut again = Request::new(body);
                *again.method_mut() = request.method().clone();
                *again.uri_mut() = request.uri().clone();
                *again.headers_mut() = request.headers().clone();
                again
            })
        } else {
            None
        };
        let sent = within(
            &mut timer,
            progress.as_deref(),
            std::pin::pin!(send_on(&mut conn, request)),
        )
        .await;
        let Some(sent) = sent else {
            return Err(timed_out(&timer));
        };
        match sent {
            Ok(response) => {
                let (parts, incoming) = response.into_parts();
                let body = Body {
                    incoming,
                    conn: Some(conn),
                    pool: pool.clone(),
                    timer,
                    upgrade: parts.status == http::StatusCode::SWITCHING_PROTOCOLS,
                };
                return Ok((parts, body));
            }
            // Not one byte went out: send it on another connection.
            Err(Sent::Unsent(again, e)) if conn.reused => {
                tracing::trace!(error = %e, "pooled connection was closed; sending on a new one");
                request = *again;
            }
            // Sent, and the reused connection closed without a byte of
            // answer: again only if that does no harm.
            Err(Sent::Failed(e))
                if conn.reused && e.is_incomplete_message() && replay.is_some() =>
            {
                tracing::trace!(error = %e, "pooled connection was closed; sending again");
                request = replay.expect("checked");
            }
            Err(Sent::Failed(e)) if e.is_parse() || e.is_parse_status() => {
                return Err(Failure::NotHttp(e, conn.answer_began()));
            }
            Err(Sent::Unsent(_, e) | Sent::Failed(e)) => return Err(failure(e)),
        }
    }
}

/// `future`'s output, or `None` if `timer`'s limit passes first (an idle
/// limit moved on by `progress`). Everything before the answer's head runs
/// under it: waiting for a connection (the cap, a dial) and the exchange.
///
/// `future` comes pinned by the caller, so that it is stored once, in the
/// caller's future, not also in this one's.
async fn within<F: Future>(
    timer: &mut Option<Timer>,
    progress: Option<&AtomicBool>,
    mut future: Pin<&mut F>,
) -> Option<F::Output> {
    std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        let expired = timer.as_mut().is_some_and(|t| t.poll_expired(cx, progress));
        if expired {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    })
    .await
}

/// The failure of a limit that passed before the answer's head.
fn timed_out(timer: &Option<Timer>) -> Failure {
    Failure::Timeout(timer.as_ref().map_or(Duration::ZERO, |t| t.limit))
}

/// What became of a request that got no answer.
enum Sent {
    /// hyper gave it back: no byte of it was written.
    Unsent(Box<Request<OutBody>>, hyper::Error),
    Failed(hyper::Error),
}

/// A failure: the request body's own error, if that is what ended it.
fn failure(e: hyper::Error) -> Failure {
    use std::error::Error as _;
    if e.is_user() {
        if let Some(io) = e.source().and_then(|s| s.downcast_ref::<io::Error>()) {
            return Failure::Body(io::Error::new(io.kind(), io.to_string()));
        }
    }
    Failure::Http(e)
}

/// Sends `request` on `conn` and waits for the answer's head, polling the
/// connection meanwhile.
async fn send_on(conn: &mut Conn, request: Request<OutBody>) -> Result<Response<Incoming>, Sent> {
    // hyper is ready for a request once the connection is idle
    let ready = std::future::poll_fn(|cx| {
        if let Poll::Ready(r) = conn.send.poll_ready(cx) {
            return Poll::Ready(r);
        }
        let _ = conn.poll_driver(cx);
        conn.send.poll_ready(cx)
    })
    .await;
    if let Err(e) = ready {
        return Err(Sent::Unsent(Box::new(request), e));
    }
    let mut answer = std::pin::pin!(conn.send.try_send_request(request));
    let (driver, done) = (&mut conn.driver, &mut conn.done);
    std::future::poll_fn(|cx| {
        loop {
            if let Poll::Ready(r) = answer.as_mut().poll(cx) {
                return Poll::Ready(r.map_err(|mut e| match e.take_message() {
                    Some(request) => Sent::Unsent(Box::new(request), e.into_error()),
                    None => Sent::Failed(e.into_error()),
                }));
            }
            if !*done && poll_driver(driver, done, cx).is_ready() {
                // over: the answer future now has its result
                continue;
            }
            break;
        }
        Poll::Pending
    })
    .await
}

/// Why reading an answer's body failed.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// hyper's error: the body was cut short, malformed, or the connection failed.
    Http(hyper::Error),
    /// The time limit passed.
    Timeout(Duration),
}

/// The body of an answer, read in the caller's task: each read polls the
/// connection, then hyper's body.
pub(crate) struct Body {
    incoming: Incoming,
    conn: Option<Conn>,
    pool: Arc<Pool>,
    timer: Option<Timer>,
    upgrade: bool,
}

impl Body {
    /// The next piece of the body; `None` at its end, when the connection
    /// goes back to the pool.
    pub(crate) fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, BodyError>>> {
        use hyper::body::Body as _;
        let mut drove = false;
        loop {
            match Pin::new(&mut self.incoming).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        if !data.is_empty() {
                            if let Some(timer) = self.timer.as_mut() {
                                timer.touch();
                            }
                            return Poll::Ready(Some(Ok(data)));
                        }
                    }
                    continue;
                }
                Poll::Ready(Some(Err(e))) => {
                    self.conn = None;
                    return Poll::Ready(Some(Err(BodyError::Http(e))));
                }
                Poll::Ready(None) => {
                    self.finish(cx);
                    return Poll::Ready(None);
                }
                Poll::Pending => {}
            }
            // hyper's body waits on the connection: move it along, then
            // look again, once per read
            if !drove {
                drove = true;
                if let Some(conn) = self.conn.as_mut() {
                    let _ = conn.poll_driver(cx);
                    continue;
                }
            }
            break;
        }
        if let Some(timer) = self.timer.as_mut() {
            if timer.poll_expired(cx, None) {
                self.conn = None;
                return Poll::Ready(Some(Err(BodyError::Timeout(timer.limit))));
            }
        }
        Poll::Pending
    }

    /// The body has ended: the connection, moved on to its idle state, is
    /// kept for another request.
    fn finish(&mut self, cx: &mut Context<'_>) {
        self.timer = None;
        if let Some(mut conn) = self.conn.take() {
            if conn.poll_driver(cx).is_pending() {
                self.pool.put(conn);
            }
        }
    }

    /// The body has ended: the connection is kept (see [`Drop`]).
    fn ended(&self) -> bool {
        use hyper::body::Body as _;
        self.incoming.is_end_stream()
    }

    /// After a `101`: the connection, taken over (bytes the daemon sent
    /// behind the head first). `None` if the connection is gone.
    pub(crate) async fn into_upgraded(mut self) -> Option<Upgraded> {
        if !self.upgrade {
            return None;
        }
        let mut conn = self.conn.take()?;
        // the driver stops, without closing, once the 101 is through
        std::future::poll_fn(|cx| conn.poll_driver(cx)).await.ok()?;
        let parts = conn.driver.into_parts();
        Some(Upgraded::new(parts.io.into_inner(), parts.read_buf))
    }
}

impl Drop for Body {
    /// A body with nothing left to read (the answer to a `HEAD`, a `204`,
    /// a body read to its end, or one whose rest has already arrived)
    /// leaves its connection for another request; one dropped halfway
    /// closes it.
    fn drop(&mut self) {
        if self.conn.is_none() || self.upgrade {
            return;
        }
        // what has arrived is read without waiting
        let mut cx = Context::from_waker(std::task::Waker::noop());
        self.timer = None;
        for _ in 0..64 {
            if self.ended() {
                break;
            }
            match self.poll_chunk(&mut cx) {
                Poll::Ready(Some(Ok(_))) => continue,
                _ => break,
            }
        }
        if self.ended() {
            if let Some(conn) = self.conn.take() {
                self.pool.put(conn);
            }
        }
    }
}
