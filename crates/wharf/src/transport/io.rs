//! The byte streams under the client's connections, and how they are opened.
//!
//! | endpoint   | [`Io`]                    | opened by                                  |
//! |------------|---------------------------|--------------------------------------------|
//! | `unix://`  | `Unix`                    | connecting to the socket                   |
//! | `ssh://`   | `Unix`                    | connecting to the ssh proxy's socket ([`super::ssh`]) |
//! | `tcp://`   | `Tcp` (`TCP_NODELAY` set) | connecting to the first address that answers |
//! | `tcp://` + TLS | `Tls`                 | the same, then a rustls handshake          |
//! | `tcp://` + proxy | `Tcp` or `Tls`        | a `CONNECT` tunnel through the proxy ([`super::proxy`]), then as above |
//! | `npipe://` | `Pipe` (Windows)          | opening the named pipe                     |
//!
//! Shutting down an [`Io`] closes only its sending direction: a TCP or unix
//! half-close, preceded by TLS `close_notify`. That is how stdin ends for a
//! hijacked `attach` or `exec` (see [`crate::hijack`]).

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::proxy::Proxy;

/// One connection to the daemon.
pub(crate) enum Io {
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
    Tcp(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    #[cfg(windows)]
    Pipe(tokio::net::windows::named_pipe::NamedPipeClient),
}

/// Calls `$method` on whichever stream `$io` holds.
macro_rules! each {
    ($io:expr, $s:ident => $call:expr) => {
        match $io {
            #[cfg(unix)]
            Io::Unix($s) => $call,
            Io::Tcp($s) => $call,
            Io::Tls($s) => $call,
            #[cfg(windows)]
            Io::Pipe($s) => $call,
        }
    };
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        each!(self.get_mut(), s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        each!(self.get_mut(), s => Pin::new(s).poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        each!(self.get_mut(), s => Pin::new(s).poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        each!(self, s => s.is_write_vectored())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self.get_mut(), s => Pin::new(s).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self.get_mut(), s => Pin::new(s).poll_shutdown(cx))
    }
}

/// How to open a connection to the endpoint.
pub(crate) enum Dial {
    #[cfg_attr(not(unix), allow(dead_code))]
    Unix(PathBuf),
    Tcp {
        host: String,
        port: u16,
        tls: Option<(tokio_rustls::TlsConnector, ServerName<'static>)>,
        /// The HTTP proxy to tunnel through, if the environment names one.
        proxy: Option<Proxy>,
    },
    #[cfg_attr(not(windows), allow(dead_code))]
    Pipe(String),
}

impl Dial {
    /// A TCP dial, with TLS when `tls` is given, through `proxy` if any.
    pub(crate) fn tcp(
        host: &str,
        port: u16,
        tls: Option<rustls::ClientConfig>,
        proxy: Option<Proxy>,
    ) -> Result<Dial, String> {
        let tls = match tls {
            None => None,
            Some(config) => {
                let name = ServerName::try_from(host.to_owned())
                    .map_err(|e| format!("{host:?} is not a name TLS can verify: {e}"))?;
                Some((tokio_rustls::TlsConnector::from(Arc::new(config)), name))
            }
        };
        Ok(Dial::Tcp {
            host: host.to_owned(),
            port,
            tls,
            proxy,
        })
    }

    /// Opens a connection, giving up after `timeout`.
    pub(crate) async fn connect(&self, timeout: Option<Duration>) -> io::Result<Io> {
        let result = match timeout {
            Some(t) => match tokio::time::timeout(t, self.connect_now()).await {
                Ok(result) => result,
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no connection within {t:?}"),
                )),
            },
            None => self.connect_now().await,
        };
        match self {
            // The error says the connection went through the proxy.
            Dial::Tcp {
                proxy: Some(proxy), ..
            } => result.map_err(|e| proxy.explain(e)),
            _ => result,
        }
    }

    async fn connect_now(&self) -> io::Result<Io> {
        match self {
            #[cfg(unix)]
            Dial::Unix(path) => Ok(Io::Unix(tokio::net::UnixStream::connect(path).await?)),
            #[cfg(not(unix))]
            Dial::Unix(_) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "unix sockets need a Unix system",
            )),
            Dial::Tcp {
                host,
                port,
                tls,
                proxy,
            } => {
                let tcp = match proxy {
                    None => TcpStream::connect((host.as_str(), *port)).await?,
                    Some(proxy) => proxy.tunnel(host, *port).await?,
                };
                // Requests are written whole; do not hold small ones back.
                tcp.set_nodelay(true)?;
                match tls {
                    None => Ok(Io::Tcp(tcp)),
                    Some((connector, name)) => Ok(Io::Tls(Box::new(
                        connector.connect(name.clone(), tcp).await?,
                    ))),
                }
            }
            #[cfg(windows)]
            Dial::Pipe(pipe) => {
                // The daemon's pipe is busy while it accepts another client
                // (ERROR_PIPE_BUSY, 231): wait and try again, as go-winio does.
                loop {
                    match tokio::net::windows::named_pipe::ClientOptions::new().open(pipe) {
                        Ok(client) => return Ok(Io::Pipe(client)),
                        Err(e) if e.raw_os_error() == Some(231) => {
                            tokio::time::sleep(Duration::from_millis(20)).await
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            #[cfg(not(windows))]
            Dial::Pipe(_) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "named pipes need Windows",
            )),
        }
    }
}

/// A connection taken over after a `101`: the bytes the daemon sent right
/// behind the response head come first, then the connection itself.
pub(crate) struct Upgraded {
    pre: Bytes,
    io: Io,
}

impl Upgraded {
    pub(crate) fn new(io: Io, pre: Bytes) -> Upgraded {
        Upgraded { pre, io }
    }
}

impl AsyncRead for Upgraded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.pre.has_remaining() {
            let n = this.pre.len().min(buf.remaining());
            buf.put_slice(&this.pre[..n]);
            this.pre.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Upgraded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
