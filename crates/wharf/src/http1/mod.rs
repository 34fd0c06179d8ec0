//! HTTP/1.1 to the daemon, read and written in the caller's task.
//!
//! One exchange on a kept-alive connection:
//!
//! ```text
//!  client                                                   daemon
//!    | GET /v1.51/containers/web/json HTTP/1.1                 |
//!    | Host: localhost                                         |
//!    | User-Agent: wharf/0.1.0                                 |
//!    | (Content-Length: N, then N bytes of body,               |
//!    |  or Transfer-Encoding: chunked for a streamed body)     |
//!    |-------------------------------------------------------->|
//!    |                          HTTP/1.1 200 OK                |
//!    |                          Api-Version: 1.51              |
//!    |                          Content-Type: application/json |
//!    |                          Content-Length: 4321           |
//!    |                          (or Transfer-Encoding: chunked)|
//!    |<--------------------------------------------------------|
//!    |                          body ([`framing`])             |
//!    |<========================================================|
//!    | next request on the same connection ...                 |
//! ```
//!
//! The request head and a body held in memory go out in one write; the
//! answer's head is parsed by `httparse`; the body is cut out of the read
//! buffer without copying. Nothing runs in a background task: a body is
//! read when, and only as fast as, its reader asks, and a daemon that sends
//! one tiny chunk per log line costs a slice of a 64 KiB buffer per chunk,
//! not a wake-up of another task.
//!
//! A connection whose body was read to its end goes back to the [`Pool`];
//! one dropped halfway, one whose body ends with the connection, and one
//! the daemon asked to close (`Connection: close`) are closed. A connection
//! taken from the pool that turns out to be closed by the daemon (it answers
//! nothing at all) is replaced by a fresh one and the request sent again
//! when that is safe: the request had not been written yet, or its method is
//! idempotent. A streamed body always gets a fresh connection, since it
//! cannot be sent twice.

pub(crate) mod framing;

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use futures_core::Stream;
use futures_util::StreamExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};
use tokio::time::Sleep;

use crate::transport::io::{Dial, Io};
pub(crate) use framing::{whole_chunk_unit, Chunk, Decoder, FramingError};

/// Bytes asked of the socket per read.
const READ_SIZE: usize = 64 * 1024;
/// The largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// The most headers a response may have.
const MAX_HEADERS: usize = 100;
/// How long an unused connection stays in the pool.
const IDLE_FOR: Duration = Duration::from_secs(90);
/// How many unused connections the pool keeps.
const MAX_IDLE: usize = 128;

/// A connection and what has been read from it but not used yet.
pub(crate) struct Conn {
    pub(crate) io: Io,
    pub(crate) buf: BytesMut,
    reused: bool,
}

/// Opens connections and keeps the unused ones.
pub(crate) struct Pool {
    dial: Dial,
    connect_timeout: Option<Duration>,
    idle: Mutex<Vec<(Conn, Instant)>>,
}

impl Pool {
    pub(crate) fn new(dial: Dial, connect_timeout: Option<Duration>) -> Pool {
        Pool {
            dial,
            connect_timeout,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// An idle connection that is still open, or a new one.
    async fn checkout(&self) -> Result<Conn, Failure> {
        while let Some(mut conn) = self.take_idle() {
            if conn.io.write_fails_when_closed() || still_open(&mut conn.io) {
                conn.reused = true;
                return Ok(conn);
            }
        }
        self.connect().await
    }

    /// A new connection.
    async fn connect(&self) -> Result<Conn, Failure> {
        let io = self
            .dial
            .connect(self.connect_timeout)
            .await
            .map_err(Failure::Connect)?;
        Ok(Conn {
            io,
            buf: BytesMut::new(),
            reused: false,
        })
    }

    fn take_idle(&self) -> Option<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some((conn, since)) = idle.pop() {
            if since.elapsed() < IDLE_FOR {
                return Some(conn);
            }
        }
        None
    }

    /// Keeps a connection (with its read buffer, now empty) for reuse.
    fn put(&self, conn: Conn) {
        debug_assert!(conn.buf.is_empty());
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        idle.retain(|(_, since)| since.elapsed() < IDLE_FOR);
        if idle.len() < MAX_IDLE {
            idle.push((conn, Instant::now()));
        }
    }

    /// How many connections are idle (for tests).
    #[cfg(test)]
    fn idle_count(&self) -> usize {
        self.idle.lock().unwrap().len()
    }
}

/// Whether an idle TCP connection is still open: reading it must find
/// nothing to read yet. An end of file (the daemon closed it) or unexpected
/// bytes rule it out. (Local sockets skip this read: writing to one the
/// daemon closed fails at once, and the request goes out again on a new
/// connection.)
fn still_open(io: &mut Io) -> bool {
    let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
    let mut byte = [0u8; 1];
    let mut buf = ReadBuf::new(&mut byte);
    matches!(Pin::new(io).poll_read(&mut cx, &mut buf), Poll::Pending)
}

/// A request body.
pub(crate) enum OutBody {
    /// No body.
    Empty,
    /// A body in memory, sent with `Content-Length`.
    Full(Bytes),
    /// A streamed body, sent chunked.
    Stream(futures_util::stream::BoxStream<'static, io::Result<Bytes>>),
}

impl fmt::Debug for OutBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutBody::Empty => f.write_str("Empty"),
            OutBody::Full(b) => write!(f, "Full({} bytes)", b.len()),
            OutBody::Stream(_) => f.write_str("Stream"),
        }
    }
}

/// What can go wrong in an exchange, before the body.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No connection could be opened.
    Connect(io::Error),
    /// The connection failed while sending or receiving.
    Io(io::Error),
    /// The daemon's answer is not valid HTTP/1.1.
    Protocol(String),
}

/// The head of an answer.
#[derive(Debug)]
pub(crate) struct Head {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    decoder: Decoder,
    keep_alive: bool,
}

/// The head of a request, written out as HTTP/1.1.
pub(crate) struct RequestHead<'a> {
    pub(crate) method: &'a str,
    /// Path and query, already encoded.
    pub(crate) target: &'a str,
    pub(crate) host: &'a str,
    pub(crate) user_agent: &'a str,
    pub(crate) headers: &'a [(HeaderName, HeaderValue)],
}

impl RequestHead<'_> {
    fn encode(&self, body: &OutBody) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        for part in [
            self.method,
            " ",
            self.target,
            " HTTP/1.1\r\nHost: ",
            self.host,
            "\r\n",
        ] {
            out.extend_from_slice(part.as_bytes());
        }
        if !self
            .headers
            .iter()
            .any(|(n, _)| n == reqwest::header::USER_AGENT)
        {
            for part in ["User-Agent: ", self.user_agent, "\r\n"] {
                out.extend_from_slice(part.as_bytes());
            }
        }
        for (name, value) in self.headers {
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        match body {
            OutBody::Empty if matches!(self.method, "POST" | "PUT" | "PATCH") => {
                out.extend_from_slice(b"Content-Length: 0\r\n");
            }
            OutBody::Empty => {}
            OutBody::Full(b) => {
                out.extend_from_slice(format!("Content-Length: {}\r\n", b.len()).as_bytes());
            }
            OutBody::Stream(_) => out.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
        }
        out.extend_from_slice(b"\r\n");
        out
    }
}

/// Sends a request and reads the answer's head. The connection is left
/// positioned at the start of the body.
pub(crate) async fn exchange(
    pool: &Arc<Pool>,
    head: &RequestHead<'_>,
    body: OutBody,
) -> Result<(Head, Conn), Failure> {
    let is_head = head.method == "HEAD";
    let bytes = head.encode(&body);
    match body {
        OutBody::Stream(stream) => {
            // A stream cannot be sent twice: always a fresh connection.
            let mut conn = pool.connect().await?;
            send_streamed(&mut conn, &bytes, stream).await?;
            let head = read_head(&mut conn, is_head).await?;
            Ok((head, conn))
        }
        body => {
            let body = match body {
                OutBody::Full(b) => b,
                _ => Bytes::new(),
            };
            let mut conn = pool.checkout().await?;
            match send_and_read(&mut conn, &bytes, &body, is_head).await {
                Ok(head) => Ok((head, conn)),
                // The daemon had closed the idle connection: send again on
                // a new one. If the request was already written, only when
                // sending it twice does no harm.
                Err((Failure::Io(e), written))
                    if conn.reused && is_stale(&e) && (!written || idempotent(head.method)) =>
                {
                    tracing::trace!(error = %e, "pooled connection was closed; reconnecting");
                    let mut conn = pool.connect().await?;
                    let head = send_and_read(&mut conn, &bytes, &body, is_head)
                        .await
                        .map_err(|(e, _)| e)?;
                    Ok((head, conn))
                }
                Err((e, _)) => Err(e),
            }
        }
    }
}

/// Errors that mean the daemon had closed the connection before our
/// request reached it.
fn is_stale(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::NotConnected
    ) || e
        .get_ref()
        .is_some_and(|inner| inner.is::<ClosedBeforeAnswer>())
}

/// The connection ended before any byte of an answer.
#[derive(Debug)]
struct ClosedBeforeAnswer;

impl fmt::Display for ClosedBeforeAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the daemon closed the connection without answering")
    }
}

impl std::error::Error for ClosedBeforeAnswer {}

/// Methods whose request may be sent twice (RFC 9110, section 9.2.2).
fn idempotent(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS")
}

/// Writes the request and reads the answer's head; a failure says whether
/// the request had been written whole.
async fn send_and_read(
    conn: &mut Conn,
    head: &[u8],
    body: &[u8],
    is_head: bool,
) -> Result<Head, (Failure, bool)> {
    let written = async {
        if body.is_empty() {
            conn.io.write_all(head).await?;
        } else if body.len() <= 16 * 1024 {
            let mut all = Vec::with_capacity(head.len() + body.len());
            all.extend_from_slice(head);
            all.extend_from_slice(body);
            conn.io.write_all(&all).await?;
        } else {
            conn.io.write_all(head).await?;
            conn.io.write_all(body).await?;
        }
        conn.io.flush().await
    };
    written.await.map_err(|e| (Failure::Io(e), false))?;
    read_head(conn, is_head).await.map_err(|e| (e, true))
}

async fn send_streamed(
    conn: &mut Conn,
    head: &[u8],
    mut body: futures_util::stream::BoxStream<'static, io::Result<Bytes>>,
) -> Result<(), Failure> {
    let io = &mut conn.io;
    io.write_all(head).await.map_err(Failure::Io)?;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(Failure::Io)?;
        if chunk.is_empty() {
            continue;
        }
        io.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .map_err(Failure::Io)?;
        io.write_all(&chunk).await.map_err(Failure::Io)?;
        io.write_all(b"\r\n").await.map_err(Failure::Io)?;
    }
    io.write_all(b"0\r\n\r\n").await.map_err(Failure::Io)?;
    io.flush().await.map_err(Failure::Io)
}

/// Reads up to the end of a final (non-`1xx`, or `101`) response head.
async fn read_head(conn: &mut Conn, is_head: bool) -> Result<Head, Failure> {
    let mut seen_any = false;
    loop {
        if !conn.buf.is_empty() {
            seen_any = true;
            if let Some(head) = parse_head(&mut conn.buf, is_head)? {
                return Ok(head);
            }
            if conn.buf.len() > MAX_HEAD {
                return Err(Failure::Protocol(format!(
                    "the answer's head is longer than {MAX_HEAD} bytes"
                )));
            }
        }
        make_room(&mut conn.buf);
        let n = conn.io.read_buf(&mut conn.buf).await.map_err(Failure::Io)?;
        if n == 0 {
            return Err(if seen_any {
                Failure::Protocol("the connection closed in the middle of the answer's head".into())
            } else {
                Failure::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    ClosedBeforeAnswer,
                ))
            });
        }
    }
}

/// Makes room for the next read: a fresh `READ_SIZE` when less than 4 KiB
/// is left (reusing the buffer's memory when nothing else holds it).
fn make_room(buf: &mut BytesMut) {
    if buf.capacity() - buf.len() < 4096 {
        buf.reserve(READ_SIZE);
    }
}

/// Parses a head at the front of `buf`, removing it. `Ok(None)`: incomplete
/// (or an interim `1xx`, removed).
fn parse_head(buf: &mut BytesMut, is_head: bool) -> Result<Option<Head>, Failure> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut slots);
    let len = match parsed.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => {
            let start = String::from_utf8_lossy(&buf[..buf.len().min(64)]).into_owned();
            return Err(Failure::Protocol(format!(
                "the answer is not HTTP/1.1 ({e}); it starts with {start:?}"
            )));
        }
    };
    let status = parsed.code.unwrap_or(0);
    let version = parsed.version.unwrap_or(1);
    let mut headers = HeaderMap::with_capacity(parsed.headers.len());
    let mut chunked = false;
    let mut length = None;
    let mut close = version == 0;
    for h in parsed.headers.iter() {
        let name = HeaderName::from_bytes(h.name.as_bytes())
            .map_err(|_| Failure::Protocol(format!("bad header name {:?}", h.name)))?;
        let value = HeaderValue::from_bytes(h.value)
            .map_err(|_| Failure::Protocol(format!("bad value for header {:?}", h.name)))?;
        if name == reqwest::header::TRANSFER_ENCODING {
            chunked = value.to_str().is_ok_and(|v| {
                v.rsplit(',')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("chunked")
            });
        } else if name == reqwest::header::CONTENT_LENGTH {
            let n = value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or_else(|| Failure::Protocol(format!("bad Content-Length {value:?}")))?;
            if length.is_some_and(|l| l != n) {
                return Err(Failure::Protocol("two different Content-Lengths".into()));
            }
            length = Some(n);
        } else if name == reqwest::header::CONNECTION {
            let v = value.to_str().unwrap_or("");
            if v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")) {
                close = true;
            } else if version == 0
                && v.split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("keep-alive"))
            {
                close = false;
            }
        }
        headers.append(name, value);
    }
    let _ = buf.split_to(len);
    if (100..200).contains(&status) && status != 101 {
        return Ok(None);
    }
    let decoder = if is_head || status == 101 || status == 204 || status == 304 {
        Decoder::Done
    } else if chunked {
        Decoder::chunked()
    } else if let Some(n) = length {
        Decoder::length(n)
    } else {
        Decoder::Eof
    };
    let keep_alive = !close && !decoder.is_eof_delimited() && status != 101;
    Ok(Some(Head {
        status,
        headers,
        decoder,
        keep_alive,
    }))
}

/// Limits on an exchange and on reading its body.
#[derive(Clone, Copy)]
pub(crate) enum Limit {
    None,
    /// The whole exchange must end by then.
    Deadline(tokio::time::Instant, Duration),
    /// No more than this between two reads.
    Idle(Duration),
}

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    Io(io::Error),
    Framing(FramingError),
    /// The limit (its duration) ran out.
    Timeout(Duration),
}

/// A response body, read from its connection as the reader asks.
pub(crate) struct Body {
    conn: Option<Conn>,
    decoder: Decoder,
    /// Where the connection goes when the body has been read to its end.
    pool: Option<Arc<Pool>>,
    timer: Option<(Pin<Box<Sleep>>, Option<Duration>, Duration)>,
    /// An error found after data that was delivered first.
    failed: Option<BodyError>,
    /// A read found the end of the connection.
    eof: bool,
}

/// How much of a chunk [`Body::wants_read`] lets gather in the read buffer
/// before leaving it to [`Body::poll_chunk`], which delivers pieces as they
/// arrive.
const WHOLE_CHUNK_MAX: usize = 32 * 1024;

impl Body {
    /// The body after `head` on `conn`.
    pub(crate) fn new(head: &Head, conn: Conn, pool: &Arc<Pool>, limit: Limit) -> Body {
        let timer = match limit {
            // Nothing to read: no timer to set.
            _ if head.decoder.is_done() => None,
            Limit::None => None,
            Limit::Deadline(at, total) => {
                Some((Box::pin(tokio::time::sleep_until(at)), None, total))
            }
            Limit::Idle(t) => Some((Box::pin(tokio::time::sleep(t)), Some(t), t)),
        };
        let mut body = Body {
            conn: Some(conn),
            decoder: head.decoder.clone(),
            pool: head.keep_alive.then(|| pool.clone()),
            timer,
            failed: None,
            eof: false,
        };
        // After a 101 the connection is the caller's (into_upgraded).
        if body.decoder.is_done() && head.status != 101 {
            body.finish();
        }
        body
    }

    /// Whether everything has been read.
    #[cfg(test)]
    pub(crate) fn is_done(&self) -> bool {
        self.conn.is_none()
    }

    /// The next piece of the body, all that has arrived; `None` at its
    /// end.
    ///
    /// A piece that is one stretch of the read buffer is sliced out of it;
    /// the data of several chunks is gathered into one piece (a copy, but
    /// one piece per read instead of one per chunk: dockerd sends a chunk
    /// per log frame).
    pub(crate) fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, BodyError>>> {
        if let Some(e) = self.failed.take() {
            return Poll::Ready(Some(Err(e)));
        }
        loop {
            let Some(conn) = self.conn.as_mut() else {
                return Poll::Ready(None);
            };
            let mut gathered: Option<BytesMut> = None;
            // How much of the buffer has been used.
            let mut used = 0;
            loop {
                if let Some(out) = gathered.as_mut() {
                    used += self.decoder.gather_whole_chunks(&conn.buf[used..], out);
                }
                match self.decoder.next_data(&conn.buf[used..]) {
                    Ok((skip, Some(n))) => {
                        let start = used + skip;
                        used = start + n;
                        match gathered.as_mut() {
                            None if used == conn.buf.len()
                                || !matches!(self.decoder, Decoder::Chunked(_)) =>
                            {
                                conn.buf.advance(start);
                                let piece = conn.buf.split_to(n).freeze();
                                if self.decoder.is_done() {
                                    self.finish();
                                }
                                return Poll::Ready(Some(Ok(piece)));
                            }
                            None => {
                                let mut out = BytesMut::with_capacity(conn.buf.len() - start);
                                out.extend_from_slice(&conn.buf[start..used]);
                                gathered = Some(out);
                            }
                            Some(out) => out.extend_from_slice(&conn.buf[start..used]),
                        }
                    }
                    Ok((skip, None)) => {
                        used += skip;
                        break;
                    }
                    Err(e) => {
                        self.conn = None;
                        let e = BodyError::Framing(e);
                        if gathered.is_none() {
                            return Poll::Ready(Some(Err(e)));
                        }
                        // The data before the error first.
                        self.failed = Some(e);
                        break;
                    }
                }
            }
            if let Some(conn) = self.conn.as_mut() {
                conn.buf.advance(used);
            }
            if self.decoder.is_done() {
                self.finish();
            }
            if let Some(out) = gathered {
                return Poll::Ready(Some(Ok(out.freeze())));
            }
            if self.conn.is_none() {
                return Poll::Ready(None);
            }
            match ready!(self.poll_fill(cx)) {
                Ok(0) => {
                    self.conn = None;
                    return Poll::Ready(
                        self.decoder.eof().err().map(|e| Err(BodyError::Framing(e))),
                    );
                }
                Ok(_) => {}
                Err(e) => return Poll::Ready(Some(Err(e))),
            }
        }
    }

    /// Reads more of the body into the read buffer, without decoding it:
    /// how many bytes came, 0 at the end of the connection. After an error
    /// the body is over.
    pub(crate) fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<Result<usize, BodyError>> {
        let Some(conn) = self.conn.as_mut() else {
            return Poll::Ready(Ok(0));
        };
        if self.eof {
            return Poll::Ready(Ok(0));
        }
        make_room(&mut conn.buf);
        match tokio_util::io::poll_read_buf(Pin::new(&mut conn.io), cx, &mut conn.buf) {
            Poll::Ready(Ok(0)) => {
                self.eof = true;
                Poll::Ready(Ok(0))
            }
            Poll::Ready(Ok(n)) => {
                if let Some((sleep, Some(idle), _)) = self.timer.as_mut() {
                    // an idle limit past the end of time never fires: no reset
                    if let Some(at) = tokio::time::Instant::now().checked_add(*idle) {
                        sleep.as_mut().reset(at);
                    }
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => {
                self.conn = None;
                Poll::Ready(Err(BodyError::Io(e)))
            }
            Poll::Pending => {
                if let Some((sleep, _, limit)) = self.timer.as_mut() {
                    if sleep.as_mut().poll(cx).is_ready() {
                        let limit = *limit;
                        self.conn = None;
                        return Poll::Ready(Err(BodyError::Timeout(limit)));
                    }
                }
                Poll::Pending
            }
        }
    }

    /// Zero-copy, for a reader that parses the chunks itself: if a whole
    /// chunk (see [`framing::whole_chunk_unit`]) is next in the read buffer,
    /// all of the buffer from that chunk's size line on, which the body
    /// counts as read. The reader hands back what it does not use
    /// ([`give_back`](Body::give_back)) before the body is read any other
    /// way. `None` if no whole chunk is next.
    pub(crate) fn take_buffered(&mut self) -> Option<Bytes> {
        let conn = self.conn.as_mut()?;
        let skip = self.decoder.skip_to_whole_chunk(&conn.buf)?;
        conn.buf.advance(skip);
        Some(conn.buf.split().freeze())
    }

    /// Puts back the end of what [`take_buffered`](Body::take_buffered)
    /// gave, from a chunk's size line on (a copy: at most the rest of one
    /// read).
    pub(crate) fn give_back(&mut self, rest: &[u8]) {
        if let Some(conn) = self.conn.as_mut() {
            debug_assert!(conn.buf.is_empty(), "given back before any other read");
            conn.buf.extend_from_slice(rest);
        }
    }

    /// After [`take_buffered`](Body::take_buffered) found no whole chunk:
    /// whether the next chunk is small and only partly read, so a
    /// [`poll_fill`](Body::poll_fill) could make it whole. Anything else
    /// (the end of the body, bad framing, an unusual size line, a chunk
    /// whose data is all there but not the CRLF after it, a large chunk) is
    /// for [`poll_chunk`](Body::poll_chunk).
    pub(crate) fn wants_read(&self) -> bool {
        let Some(conn) = self.conn.as_ref() else {
            return false;
        };
        if self.eof || conn.buf.len() >= WHOLE_CHUNK_MAX {
            return false;
        }
        let mut decoder = self.decoder.clone();
        matches!(
            (decoder.next_data(&conn.buf), decoder),
            (Ok(_), Decoder::Chunked(Chunk::Data(_)))
                | (
                    Ok((_, None)),
                    Decoder::Chunked(Chunk::Size | Chunk::DataEnd)
                )
        )
    }

    /// The body has ended: the connection goes back to the pool if it can
    /// be used again.
    fn finish(&mut self) {
        if let Some(conn) = self.conn.take() {
            if let Some(pool) = self.pool.take() {
                if conn.buf.is_empty() {
                    pool.put(conn);
                }
            }
        }
    }

    /// Gives the connection up (for a `101`): the connection and the bytes
    /// read past the head.
    pub(crate) fn into_upgraded(mut self) -> Option<crate::transport::io::Upgraded> {
        self.pool = None;
        let conn = self.conn.take()?;
        Some(crate::transport::io::Upgraded::new(
            conn.io,
            conn.buf.freeze(),
        ))
    }
}

impl Stream for Body {
    type Item = Result<Bytes, BodyError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_chunk(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &[u8], is_head: bool) -> Result<Option<Head>, Failure> {
        parse_head(&mut BytesMut::from(input), is_head)
    }

    #[test]
    fn framing_comes_from_the_head() {
        let h = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false)
            .unwrap()
            .unwrap();
        assert_eq!(
            (h.status, h.decoder.clone(), h.keep_alive),
            (200, Decoder::length(5), true)
        );
        let h = parse(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(h.decoder, Decoder::chunked());
        let h = parse(b"HTTP/1.1 200 OK\r\n\r\n", false).unwrap().unwrap();
        assert_eq!((h.decoder.clone(), h.keep_alive), (Decoder::Eof, false));
        let h = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true)
            .unwrap()
            .unwrap();
        assert_eq!(h.decoder, Decoder::Done);
        let h = parse(b"HTTP/1.1 304 Not Modified\r\n\r\n", false)
            .unwrap()
            .unwrap();
        assert_eq!((h.decoder.clone(), h.keep_alive), (Decoder::Done, true));
        let h = parse(
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            false,
        )
        .unwrap()
        .unwrap();
        assert!(!h.keep_alive);
        let h = parse(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false)
            .unwrap()
            .unwrap();
        assert!(!h.keep_alive);
    }

    #[test]
    fn interim_answers_are_skipped_and_bad_heads_refused() {
        let mut buf =
            BytesMut::from(&b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"[..]);
        assert!(parse_head(&mut buf, false).unwrap().is_none());
        assert_eq!(parse_head(&mut buf, false).unwrap().unwrap().status, 204);
        assert!(parse(b"HTTP/1.1 200 OK\r\nContent-Len", false)
            .unwrap()
            .is_none());
        for bad in [
            &b"SSH-2.0-OpenSSH\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        ] {
            assert!(
                matches!(parse(bad, false), Err(Failure::Protocol(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn request_head_is_http_1_1() {
        let headers = vec![(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )];
        let head = RequestHead {
            method: "POST",
            target: "/v1.51/containers/create?name=web",
            host: "localhost",
            user_agent: "wharf/0",
            headers: &headers,
        };
        assert_eq!(
            String::from_utf8(head.encode(&OutBody::Full(Bytes::from_static(b"{}")))).unwrap(),
            "POST /v1.51/containers/create?name=web HTTP/1.1\r\nHost: localhost\r\n\
             User-Agent: wharf/0\r\ncontent-type: application/json\r\nContent-Length: 2\r\n\r\n"
        );
        assert!(String::from_utf8(head.encode(&OutBody::Empty))
            .unwrap()
            .contains("Content-Length: 0\r\n"));
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn connections_are_reused_and_stale_ones_replaced() {
        use tokio::net::UnixListener;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        let listener = UnixListener::bind(&path).unwrap();
        // Answers one request per connection, then closes it.
        let server = tokio::spawn(async move {
            let mut accepted = 0;
            while let Ok((mut s, _)) = listener.accept().await {
                accepted += 1;
                let mut buf = vec![0u8; 1024];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .await;
                if accepted == 2 {
                    break;
                }
            }
            accepted
        });
        let pool = Arc::new(Pool::new(Dial::Unix(path), None));
        let head = RequestHead {
            method: "GET",
            target: "/x",
            host: "localhost",
            user_agent: "wharf/0",
            headers: &[],
        };
        for _ in 0..2 {
            let (h, conn) = exchange(&pool, &head, OutBody::Empty).await.unwrap();
            let mut body = Body::new(&h, conn, &pool, Limit::None);
            let piece = std::future::poll_fn(|cx| body.poll_chunk(cx)).await;
            assert_eq!(piece.unwrap().unwrap(), "ok");
            assert!(body.is_done());
            assert_eq!(pool.idle_count(), 1);
            // Let the server close its side.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(server.await.unwrap(), 2);
    }

    /// Serves `answer` to one request, written in pieces of `piece` bytes.
    #[cfg(unix)]
    async fn one_answer(answer: Vec<u8>, piece: usize) -> (tempfile::TempDir, Arc<Pool>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 1024];
            let _ = s.read(&mut buf).await;
            for part in answer.chunks(piece) {
                s.write_all(part).await.unwrap();
                s.flush().await.unwrap();
                tokio::task::yield_now().await;
            }
        });
        (dir, Arc::new(Pool::new(Dial::Unix(path), None)))
    }

    #[cfg(unix)]
    async fn read_body(pool: &Arc<Pool>) -> (Vec<u8>, Option<BodyError>) {
        let head = RequestHead {
            method: "GET",
            target: "/logs",
            host: "localhost",
            user_agent: "wharf/0",
            headers: &[],
        };
        let (h, conn) = exchange(pool, &head, OutBody::Empty).await.unwrap();
        let mut body = Body::new(&h, conn, pool, Limit::None);
        let mut out = Vec::new();
        while let Some(piece) = std::future::poll_fn(|cx| body.poll_chunk(cx)).await {
            match piece {
                Ok(piece) => out.extend_from_slice(&piece),
                Err(e) => return (out, Some(e)),
            }
        }
        (out, None)
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn chunks_are_gathered_whatever_the_pieces() {
        let mut answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        let mut want = Vec::new();
        for i in 0..200u8 {
            let data = vec![i; 1 + usize::from(i) % 17];
            answer.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
            answer.extend_from_slice(&data);
            answer.extend_from_slice(b"\r\n");
            want.extend_from_slice(&data);
        }
        answer.extend_from_slice(b"0\r\n\r\n");
        for piece in [1, 2, 3, 7, 64, 1000, answer.len()] {
            let (_dir, pool) = one_answer(answer.clone(), piece).await;
            let (got, err) = read_body(&pool).await;
            assert!(err.is_none(), "{piece}: {err:?}");
            assert_eq!(got, want, "{piece}");
            assert_eq!(pool.idle_count(), 1, "{piece}: the connection is kept");
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_cut_body_delivers_its_data_then_an_error() {
        let answer =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n5\r\nfg"
                .to_vec();
        for piece in [1, 5, answer.len()] {
            let (_dir, pool) = one_answer(answer.clone(), piece).await;
            let (got, err) = read_body(&pool).await;
            assert_eq!(got, b"abcdefg", "{piece}");
            match err {
                Some(BodyError::Framing(e)) => assert!(e.0.contains("3 bytes before"), "{e}"),
                other => panic!("{piece}: {other:?}"),
            }
            assert_eq!(pool.idle_count(), 0);
        }
        let bad =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n".to_vec();
        let (_dir, pool) = one_answer(bad, 1000).await;
        let (got, err) = read_body(&pool).await;
        assert_eq!(got, b"abc");
        assert!(matches!(err, Some(BodyError::Framing(_))), "{err:?}");
    }

    /// A server that answers the first request of each connection and
    /// closes it, without answering, on the second.
    #[cfg(unix)]
    async fn forgetful_server() -> (tempfile::TempDir, Arc<Pool>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 1024];
                    let _ = s.read(&mut buf).await;
                    let _ = s
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                        .await;
                    let _ = s.read(&mut buf).await;
                    // dropped: closed without an answer
                });
            }
        });
        (dir, Arc::new(Pool::new(Dial::Unix(path), None)))
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn only_idempotent_requests_are_sent_again_after_a_silent_close() {
        for (method, resent) in [("GET", true), ("POST", false)] {
            let (_dir, pool) = forgetful_server().await;
            let head = RequestHead {
                method,
                target: "/x",
                host: "localhost",
                user_agent: "wharf/0",
                headers: &[],
            };
            let (h, conn) = exchange(&pool, &head, OutBody::Empty).await.unwrap();
            let mut body = Body::new(&h, conn, &pool, Limit::None);
            while std::future::poll_fn(|cx| body.poll_chunk(cx))
                .await
                .is_some()
            {}
            assert_eq!(pool.idle_count(), 1);
            // The pooled connection looks open: the server closes it only
            // once it has read the request.
            let second = exchange(&pool, &head, OutBody::Empty).await;
            match second {
                Ok((h, _)) => assert!(resent && h.status == 200, "{method}"),
                Err(Failure::Io(e)) => {
                    assert!(!resent, "{method}: {e}");
                    assert!(is_stale(&e), "{e}");
                }
                Err(other) => panic!("{method}: {other:?}"),
            }
        }
    }
}
