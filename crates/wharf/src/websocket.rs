//! Websocket attach: a container's stdio as websocket messages (feature
//! `websocket`).
//!
//! `GET /containers/{id}/attach/ws` is the browser-friendly twin of the
//! [hijacked](crate::hijack) attach. The client asks for a websocket, the
//! daemon agrees with `101 Switching Protocols` and proves it read the
//! request by hashing the client's key into `Sec-WebSocket-Accept`; from then
//! on the connection carries websocket frames both ways:
//!
//! ```text
//!  client                                              daemon
//!    | GET /v1.51/containers/web/attach/ws?stream=1&stdin=1&... HTTP/1.1
//!    | Connection: Upgrade                                 |
//!    | Upgrade: websocket                                  |
//!    | Sec-WebSocket-Version: 13                           |
//!    | Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==         |
//!    |---------------------------------------------------->|
//!    |                   HTTP/1.1 101 Switching Protocols  |
//!    |                   Upgrade: websocket                |
//!    |                   Connection: Upgrade               |
//!    |  Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo= |
//!    |<----------------------------------------------------|
//!    |  [binary] hello\n     (output: one frame per write) |
//!    |<====================================================|
//!    |  [binary, masked] stdin bytes           ([`Input`]) |
//!    |====================================================>|
//!    |  [close 1000]  (Input::close): stdin has ended      |
//!    |---------------------------------------------------->|
//!    |  [close 1000], then the daemon closes the socket    |
//!    |<----------------------------------------------------|
//! ```
//!
//! One output frame, as the daemon sends it (unmasked); the client's frames
//! carry the mask bit and a 4-byte masking key before the payload:
//!
//! ```text
//! +-- FIN|opcode:u8 --+-- MASK|len:u8 --+--- payload ---+
//! |   0x82 (binary)   |   0x06          |   hello\n     |
//! +-------------------+-----------------+---------------+
//! ```
//!
//! # What the daemon sends
//!
//! From moby's `wsContainersAttach` (`api/server/router/container`), which
//! serves the socket with `golang.org/x/net/websocket`:
//!
//! - The output is **raw**, never multiplexed: stdout and stderr are written
//!   to the same socket, so they arrive mixed, as a terminal would show them.
//!   Each piece is a [`LogOutput::Console`], whatever the container's TTY.
//! - Each write of the daemon is one frame: a **binary** frame for API 1.28
//!   and later, a text frame before (its bytes are not checked to be UTF-8 by
//!   the daemon; output that is not UTF-8 ends the stream with an
//!   [`ErrorKind::Protocol`] error there).
//! - Before API 1.42 the `stdin`, `stdout` and `stderr` parameters are
//!   ignored and all three are attached.
//! - A client's close frame is the end of its stdin, when the daemon reads
//!   stdin at all: the attach has stdin (asked for, or any attach before API
//!   1.42) and the container was created with `OpenStdin`. Unless the
//!   container also has `StdinOnce` (and no TTY), that ends the attach: the
//!   daemon stops copying output, sends a close frame (code 1000) and closes
//!   the connection. The container keeps running. Without stdin the daemon
//!   never reads the websocket, and the close goes unnoticed: dropping both
//!   halves ends the attach then.
//! - When the container stops, the output ends the same way: the daemon's
//!   close frame, then the end of the connection.
//! - Podman (4.3) has no websocket attach: it answers `404 Not Found`.
//!
//! Pings are answered while the [`Output`] is polled. A close frame with a
//! code other than 1000 (normal) or 1001 (going away), and a connection cut
//! without a close frame, are [`ErrorKind::Io`] errors; frames that break the
//! protocol are [`ErrorKind::Protocol`] errors.
//!
//! ```no_run
//! # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
//! use futures_util::TryStreamExt;
//! use wharf::container::WebsocketAttachOptions;
//!
//! let (mut output, mut input) = docker
//!     .container("web")
//!     .attach_websocket(WebsocketAttachOptions::new().stdin(true))
//!     .await?;
//! input.send("echo hello\n").await?;
//! while let Some(piece) = output.try_next().await? {
//!     print!("{piece}");
//!     if piece.as_bytes().ends_with(b"hello\n") {
//!         input.close().await?; // the attach ends; the container keeps running
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::sink::{Sink, SinkExt};
use futures_util::stream::{SplitSink, SplitStream, StreamExt};
use tokio::io::AsyncWrite;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;

use crate::client::{Request, Upgrade, UpgradedIo};
use crate::error::{Error, ErrorKind, Result};
use crate::stream::LogOutput;

/// The websocket version wharf speaks (RFC 6455), sent as
/// `Sec-WebSocket-Version`.
const VERSION: &str = "13";

type Socket = WebSocketStream<UpgradedIo>;

/// Sends `request` as a websocket handshake and splits the websocket into
/// output and input.
pub(crate) async fn connect(request: Request) -> Result<(Output, Input)> {
    let key = generate_key();
    let upgrade = request
        .header("Sec-WebSocket-Key", &key)
        .header("Sec-WebSocket-Version", VERSION)
        .upgrade_to("websocket")
        .await?;
    let Upgrade {
        io,
        headers,
        method,
        path,
        ..
    } = upgrade;
    check_handshake(&headers, &key).map_err(|e| e.with_request(&method, &path))?;
    let socket = WebSocketStream::from_raw_socket(io, Role::Client, None).await;
    let (sink, stream) = socket.split();
    Ok((
        Output {
            stream,
            method: method.clone(),
            path: path.clone(),
            closed: false,
            done: false,
        },
        Input {
            sink,
            method,
            path,
            unflushed: false,
            close_sent: false,
        },
    ))
}

/// Checks the `101`'s headers (names in lower case): `Upgrade: websocket`,
/// and `Sec-WebSocket-Accept` derived from the key sent.
fn check_handshake(headers: &[(String, String)], key: &str) -> Result<()> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
    };
    let protocol_error = |detail: String| Err(Error::new(ErrorKind::Protocol).with_detail(detail));
    match header("upgrade") {
        Some(p) if p.eq_ignore_ascii_case("websocket") => {}
        Some(p) => {
            return protocol_error(format!(
                "the daemon upgraded the connection to {p:?}, not to a websocket"
            ))
        }
        None => {
            return protocol_error(
                "the daemon's 101 has no Upgrade header: the connection is not a websocket".into(),
            )
        }
    }
    match header("sec-websocket-accept") {
        Some(accept) if accept == derive_accept_key(key.as_bytes()) => Ok(()),
        Some(_) => protocol_error(
            "the daemon's Sec-WebSocket-Accept does not match the key sent: \
             the answer is not for this handshake"
                .into(),
        ),
        None => protocol_error("the daemon's 101 has no Sec-WebSocket-Accept header".into()),
    }
}

/// The output of a websocket attach: a [`Stream`] of
/// [`LogOutput::Console`] pieces (stdout and stderr mixed, one per frame the
/// daemon sent), ending when the daemon closes the websocket.
///
/// Polling it also answers the daemon's pings and completes a close
/// handshake.
///
/// Made by [`Container::attach_websocket`](crate::Container::attach_websocket).
///
/// ```no_run
/// # async fn run(mut output: wharf::websocket::Output) -> wharf::Result<()> {
/// use futures_util::TryStreamExt;
///
/// while let Some(piece) = output.try_next().await? {
///     print!("{}", String::from_utf8_lossy(piece.as_bytes()));
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Output {
    stream: SplitStream<Socket>,
    method: String,
    path: String,
    /// The daemon's close frame arrived: what follows is the end of the
    /// connection, not an error.
    closed: bool,
    done: bool,
}

impl Stream for Output {
    type Item = Result<LogOutput>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            let next = ready!(Pin::new(&mut self.stream).poll_next(cx));
            let piece = match next {
                None => {
                    self.done = true;
                    return Poll::Ready(None);
                }
                Some(Ok(Message::Binary(bytes))) => bytes,
                Some(Ok(Message::Text(text))) => Bytes::from(text),
                // Pongs are queued by the websocket as it reads; nothing to hand out.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                Some(Ok(Message::Close(frame))) => match close_error(frame.as_ref()) {
                    // Go on reading: that sends the reply and reads to the end.
                    None => {
                        self.closed = true;
                        continue;
                    }
                    Some(e) => {
                        self.done = true;
                        return Poll::Ready(Some(Err(e.with_request(&self.method, &self.path))));
                    }
                },
                Some(Err(e)) => {
                    self.done = true;
                    if self.closed {
                        // The daemon said goodbye; how the socket then ends does not matter.
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Err(
                        read_error(e).with_request(&self.method, &self.path)
                    )));
                }
            };
            if !piece.is_empty() {
                return Poll::Ready(Some(Ok(LogOutput::Console(piece))));
            }
        }
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Output")
            .field("path", &self.path)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

/// The error for a close frame, `None` for a normal one.
fn close_error(frame: Option<&CloseFrame>) -> Option<Error> {
    let frame = frame?;
    if matches!(frame.code, CloseCode::Normal | CloseCode::Away) {
        return None;
    }
    let code = u16::from(frame.code);
    let reason = frame.reason.as_str().trim();
    let mut e = Error::new(ErrorKind::Io).with_detail(if reason.is_empty() {
        format!("the daemon closed the websocket with code {code}")
    } else {
        format!("the daemon closed the websocket with code {code}: {reason}")
    });
    if !reason.is_empty() {
        e = e.with_message(reason);
    }
    Some(e)
}

/// The error for a failed read of the websocket.
fn read_error(e: tungstenite::Error) -> Error {
    use tungstenite::error::ProtocolError;
    match e {
        tungstenite::Error::Io(e) => Error::new(ErrorKind::Io).with_source(e),
        tungstenite::Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
            Error::new(ErrorKind::Io)
                .with_detail("the daemon closed the connection without closing the websocket")
                .with_source(e)
        }
        e => Error::new(ErrorKind::Protocol)
            .with_detail("the daemon's websocket frames are not valid")
            .with_source(e),
    }
}

/// The error for a failed send.
fn send_error(e: tungstenite::Error) -> Error {
    match e {
        tungstenite::Error::Io(e) => Error::new(ErrorKind::Io).with_source(e),
        e @ (tungstenite::Error::ConnectionClosed
        | tungstenite::Error::AlreadyClosed
        | tungstenite::Error::Protocol(tungstenite::error::ProtocolError::SendAfterClosing)) => {
            Error::new(ErrorKind::Io)
                .with_detail("the websocket is closed: no more input can be sent")
                .with_source(e)
        }
        e => Error::new(ErrorKind::Protocol).with_source(e),
    }
}

/// The input of a websocket attach: what is sent goes to the container's
/// stdin, one binary message per [`send`](Input::send) or write.
///
/// [`close`](Input::close) (or [`shutdown`](tokio::io::AsyncWriteExt::shutdown))
/// sends a close frame: the daemon reads it as the end of stdin and ends the
/// attach, when it reads stdin at all (see the [module docs](self)).
/// Dropping the input sends nothing; the attach goes on as long as the
/// [`Output`] lives.
///
/// It is also an [`AsyncWrite`], for `tokio::io::copy` and friends: each
/// write is one message, sent as soon as the socket takes it.
///
/// ```no_run
/// # async fn run(mut input: wharf::websocket::Input) -> wharf::Result<()> {
/// input.send("ls /\n").await?;
/// input.send(b"exit\n".to_vec()).await?;
/// input.close().await?;
/// # Ok(())
/// # }
/// ```
pub struct Input {
    sink: SplitSink<Socket, Message>,
    method: String,
    path: String,
    /// A message was handed to the websocket but not flushed yet.
    unflushed: bool,
    close_sent: bool,
}

impl Input {
    /// Sends these bytes to the container's stdin as one binary message.
    ///
    /// ```no_run
    /// # async fn run(mut input: wharf::websocket::Input) -> wharf::Result<()> {
    /// input.send("hello\n").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send(&mut self, data: impl Into<Bytes>) -> Result<()> {
        let data = data.into();
        if data.is_empty() {
            return Ok(());
        }
        self.sink
            .send(Message::Binary(data))
            .await
            .map_err(|e| send_error(e).with_request(&self.method, &self.path))
    }

    /// Sends a close frame (code 1000): the end of stdin, and of the attach
    /// when the daemon reads stdin (see the [module docs](self)). Read the
    /// [`Output`] to its end to see the daemon's answer. Closing twice is not
    /// an error.
    ///
    /// ```no_run
    /// # async fn run(mut input: wharf::websocket::Input) -> wharf::Result<()> {
    /// input.send("exit\n").await?;
    /// input.close().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn close(&mut self) -> Result<()> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_close(cx))
            .await
            .map_err(|e| send_error(e).with_request(&self.method, &self.path))
    }

    /// Sends what is unflushed, then the close frame once.
    fn poll_close(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), tungstenite::Error>> {
        if !self.close_sent {
            ready!(self.poll_flush_sink(cx))?;
            ready!(Pin::new(&mut self.sink).poll_ready(cx))?;
            let normal = CloseFrame {
                code: CloseCode::Normal,
                reason: Default::default(),
            };
            Pin::new(&mut self.sink).start_send(Message::Close(Some(normal)))?;
            self.close_sent = true;
            self.unflushed = true;
        }
        match ready!(self.poll_flush_sink(cx)) {
            // Closed already, by either side: nothing left to send.
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                Poll::Ready(Ok(()))
            }
            other => Poll::Ready(other),
        }
    }

    fn poll_flush_sink(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), tungstenite::Error>> {
        if self.unflushed {
            ready!(Pin::new(&mut self.sink).poll_flush(cx))?;
            self.unflushed = false;
        }
        Poll::Ready(Ok(()))
    }

    fn io_error(&self, e: tungstenite::Error) -> io::Error {
        let kind = match &e {
            tungstenite::Error::Io(e) => e.kind(),
            tungstenite::Error::ConnectionClosed
            | tungstenite::Error::AlreadyClosed
            | tungstenite::Error::Protocol(tungstenite::error::ProtocolError::SendAfterClosing) => {
                io::ErrorKind::BrokenPipe
            }
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, send_error(e).with_request(&self.method, &self.path))
    }
}

impl AsyncWrite for Input {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        // One message in flight at a time: the previous one goes out first.
        ready!(self.poll_flush_sink(cx)).map_err(|e| self.io_error(e))?;
        ready!(Pin::new(&mut self.sink).poll_ready(cx)).map_err(|e| self.io_error(e))?;
        Pin::new(&mut self.sink)
            .start_send(Message::Binary(Bytes::copy_from_slice(buf)))
            .map_err(|e| self.io_error(e))?;
        self.unflushed = true;
        // Start sending now; what the socket does not take yet goes with the
        // next write or flush.
        if let Poll::Ready(r) = self.poll_flush_sink(cx) {
            r.map_err(|e| self.io_error(e))?;
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_flush_sink(cx)).map_err(|e| self.io_error(e))?;
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().poll_close(cx)).map_err(|e| self.io_error(e))?;
        Poll::Ready(Ok(()))
    }
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Input")
            .field("path", &self.path)
            .field("close_sent", &self.close_sent)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn halves_are_send_and_static() {
        fn assert_traits<T: Send + 'static>() {}
        assert_traits::<Output>();
        assert_traits::<Input>();
    }

    #[test]
    fn the_accept_of_rfc_6455s_example_passes() {
        // RFC 6455, section 1.3.
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let ok = headers(&[
            ("upgrade", "websocket"),
            ("connection", "Upgrade"),
            ("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        ]);
        check_handshake(&ok, key).unwrap();
    }

    #[test]
    fn a_wrong_or_missing_accept_is_a_protocol_error() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        for h in [
            headers(&[
                ("upgrade", "websocket"),
                ("sec-websocket-accept", "bm9wZQ=="),
            ]),
            headers(&[("upgrade", "websocket")]),
            headers(&[
                ("upgrade", "tcp"),
                ("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
            ]),
            headers(&[("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")]),
        ] {
            let e = check_handshake(&h, key).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Protocol, "{h:?}: {e}");
        }
    }

    #[test]
    fn keys_are_sixteen_random_bytes() {
        use base64::Engine;
        let (a, b) = (generate_key(), generate_key());
        assert_ne!(a, b);
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&a)
            .unwrap();
        assert_eq!(raw.len(), 16);
    }

    #[test]
    fn normal_closes_end_the_output_and_others_are_errors() {
        let frame = |code: u16, reason: &'static str| CloseFrame {
            code: CloseCode::from(code),
            reason: reason.into(),
        };
        assert!(close_error(None).is_none());
        assert!(close_error(Some(&frame(1000, ""))).is_none());
        assert!(close_error(Some(&frame(1001, "bye"))).is_none());
        let e = close_error(Some(&frame(1011, "attach failed"))).unwrap();
        assert_eq!(e.kind(), ErrorKind::Io);
        assert_eq!(e.message(), Some("attach failed"));
        assert!(e.to_string().contains("1011"), "{e}");
    }
}
