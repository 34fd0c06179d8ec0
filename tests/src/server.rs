//! A tiny scripted HTTP/1.1 server for client tests, on a unix socket, TCP
//! or TLS.
//!
//! It records every request (method, path with query, headers, body, and
//! which connection carried it) and answers each with the [`Reply`] its
//! handler returns. Connections are kept alive, so tests can count how many
//! the client opened.
//!
//! ```no_run
//! # async fn run() {
//! use wharf_tests::server::{Reply, TestServer};
//!
//! let server = TestServer::unix(|req| match req.path.as_str() {
//!     "/_ping" => Reply::ok().header("Api-Version", "1.44"),
//!     _ => Reply::json(200, r#"{"ok":true}"#),
//! })
//! .await;
//! let docker = wharf::Docker::builder().host(server.docker_host()).build().unwrap();
//! docker.get("/info").send().await.unwrap();
//! assert_eq!(server.request_lines(), ["HEAD /_ping", "GET /v1.44/info"]);
//! # }
//! ```

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::task::JoinHandle;

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// The request target: path and query (`/v1.44/containers/json?all=1`).
    pub path: String,
    /// Header names (lowercase) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body (`Content-Length` bodies only).
    pub body: Vec<u8>,
    /// Which accepted connection carried it, from 0.
    pub connection: usize,
}

impl Recorded {
    /// The value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
    close: bool,
    /// Body chunks written with a pause between them (chunked encoding).
    chunks: Option<(Vec<Vec<u8>>, Duration)>,
}

impl Reply {
    /// An empty answer with this status.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
            close: false,
            chunks: None,
        }
    }

    /// `200 OK` with the body `OK`, like `/_ping`.
    pub fn ok() -> Reply {
        Reply::text(200, "OK")
    }

    /// A `text/plain` answer.
    pub fn text(status: u16, body: &str) -> Reply {
        Reply::status(status)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(body.as_bytes().to_vec())
    }

    /// An `application/json` answer.
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::status(status)
            .header("Content-Type", "application/json")
            .body(body.as_bytes().to_vec())
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Vec<u8>) -> Reply {
        self.body = body;
        self
    }

    /// Waits this long before answering.
    pub fn delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// Closes the connection after answering.
    pub fn close(mut self) -> Reply {
        self.close = true;
        self
    }

    /// Sends the body as these chunks, pausing `gap` before each.
    pub fn chunked(mut self, chunks: Vec<Vec<u8>>, gap: Duration) -> Reply {
        self.chunks = Some((chunks, gap));
        self
    }
}

type Handler = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

struct Shared {
    handler: Handler,
    requests: Mutex<Vec<Recorded>>,
    connections: AtomicUsize,
    handshake_failures: Mutex<Vec<String>>,
}

/// A running test server; it stops when dropped.
pub struct TestServer {
    shared: Arc<Shared>,
    host: String,
    accept: JoinHandle<()>,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// Serves on a unix socket in a fresh temp directory.
    pub async fn unix(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let path: PathBuf = dir.path().join("docker.sock");
        let listener = tokio::net::UnixListener::bind(&path).expect("bind unix socket");
        let shared = Shared::new(handler);
        let s = shared.clone();
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                s.clone().spawn_connection(stream);
            }
        });
        TestServer {
            shared,
            host: format!("unix://{}", path.display()),
            accept,
            _dir: Some(dir),
        }
    }

    /// Serves on `127.0.0.1` on a free port.
    pub async fn tcp(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind tcp");
        let addr = listener.local_addr().expect("local addr");
        let shared = Shared::new(handler);
        let s = shared.clone();
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                s.clone().spawn_connection(stream);
            }
        });
        TestServer {
            shared,
            host: format!("tcp://{addr}"),
            accept,
            _dir: None,
        }
    }

    /// Serves TLS on `127.0.0.1` on a free port, with this rustls
    /// configuration.
    pub async fn tls(
        config: rustls::ServerConfig,
        handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind tcp");
        let addr = listener.local_addr().expect("local addr");
        let shared = Shared::new(handler);
        let s = shared.clone();
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (acceptor, s) = (acceptor.clone(), s.clone());
                tokio::spawn(async move {
                    match acceptor.accept(stream).await {
                        Ok(tls) => s.spawn_connection(tls),
                        Err(e) => s.handshake_failures.lock().unwrap().push(e.to_string()),
                    }
                });
            }
        });
        TestServer {
            shared,
            host: format!("tcp://{addr}"),
            accept,
            _dir: None,
        }
    }

    /// Why TLS handshakes failed, for a TLS server.
    pub fn handshake_failures(&self) -> Vec<String> {
        self.shared.handshake_failures.lock().unwrap().clone()
    }

    /// The `DOCKER_HOST` value that reaches this server.
    pub fn docker_host(&self) -> String {
        self.host.clone()
    }

    /// The socket path, for a unix server.
    pub fn socket_path(&self) -> Option<PathBuf> {
        self.host.strip_prefix("unix://").map(PathBuf::from)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Every request so far as `METHOD TARGET`.
    pub fn request_lines(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl Shared {
    fn new(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Arc<Shared> {
        Arc::new(Shared {
            handler: Arc::new(handler),
            requests: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            handshake_failures: Mutex::new(Vec::new()),
        })
    }

    fn spawn_connection<S>(self: Arc<Self>, stream: S)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let id = self.connections.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(async move {
            let _ = self.serve(stream, id).await;
        });
    }

    async fn serve<S>(&self, mut stream: S, connection: usize) -> std::io::Result<()>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let mut buf = Vec::new();
        loop {
            // Read a request head.
            let head_end = loop {
                if let Some(i) = find(&buf, b"\r\n\r\n") {
                    break i;
                }
                let mut chunk = [0u8; 4096];
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Ok(());
                }
                buf.extend_from_slice(&chunk[..n]);
            };
            let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
            buf.drain(..head_end + 4);
            let mut lines = head.split("\r\n");
            let mut first = lines.next().unwrap_or_default().split(' ');
            let method = first.next().unwrap_or_default().to_owned();
            let path = first.next().unwrap_or_default().to_owned();
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            let length: usize = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            while buf.len() < length {
                let mut chunk = [0u8; 4096];
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Ok(());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body: Vec<u8> = buf.drain(..length).collect();
            let request = Recorded {
                method,
                path,
                headers,
                body,
                connection,
            };
            self.requests.lock().unwrap().push(request.clone());
            let reply = (self.handler)(&request);
            if !reply.delay.is_zero() {
                tokio::time::sleep(reply.delay).await;
            }
            write_reply(&mut stream, &request, &reply).await?;
            let client_closes = request
                .header("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("close"));
            if reply.close || client_closes {
                stream.shutdown().await?;
                return Ok(());
            }
        }
    }
}

async fn write_reply<S: AsyncWrite + Unpin>(
    stream: &mut S,
    request: &Recorded,
    reply: &Reply,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let no_body = request.method == "HEAD" || reply.status == 204 || reply.status == 304;
    match &reply.chunks {
        Some((chunks, gap)) if !no_body => {
            head.push_str("Transfer-Encoding: chunked\r\n\r\n");
            stream.write_all(head.as_bytes()).await?;
            stream.flush().await?;
            for chunk in chunks {
                tokio::time::sleep(*gap).await;
                stream
                    .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .await?;
                stream.write_all(chunk).await?;
                stream.write_all(b"\r\n").await?;
                stream.flush().await?;
            }
            stream.write_all(b"0\r\n\r\n").await?;
        }
        _ => {
            if reply.status != 204 && reply.status != 304 {
                head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes()).await?;
            if !no_body {
                stream.write_all(&reply.body).await?;
            }
        }
    }
    stream.flush().await
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// A client for the daemon at `host` (a `DOCKER_HOST` value), with API
/// 1.51 pinned and nothing else taken from the environment.
pub fn client(host: &str) -> wharf::Docker {
    wharf::Docker::builder()
        .environment(wharf::endpoint::Environment::empty().set("DOCKER_HOST", host))
        .api_version(wharf::ApiVersion::new(1, 51))
        .build()
        .expect("client")
}

/// The whole body of a `GET` of `path` that succeeds.
pub async fn get_body(docker: &wharf::Docker, path: &str) -> bytes::Bytes {
    let response = docker.get(path).send().await.expect("GET");
    response.bytes().await.expect("body")
}

/// A handler that acts like a daemon serving API `api_version`: `/_ping`
/// answers with the usual headers, everything else with `{}`.
pub fn engine(api_version: &'static str) -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    move |req| {
        if req.path == "/_ping" {
            Reply::ok()
                .header("Api-Version", api_version)
                .header("Ostype", "linux")
                .header("Builder-Version", "2")
                .header("Swarm", "inactive")
                .header("Docker-Experimental", "false")
        } else {
            Reply::json(200, "{}")
        }
    }
}

/// A server that answers every request on a unix socket with `answer` as it
/// is (head and body, byte for byte), written `piece` bytes at a time, then
/// closes the connection if `close`. For answers no daemon sends on a good
/// day, and for bodies cut up in every way. Returns the directory holding
/// its socket, a client for it (API 1.51) and the count of connections.
pub async fn raw_server(
    answer: impl Into<Vec<u8>>,
    piece: usize,
    close: bool,
) -> (tempfile::TempDir, wharf::Docker, Arc<AtomicUsize>) {
    let answer: Arc<[u8]> = answer.into().into();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("docker.sock");
    let listener = tokio::net::UnixListener::bind(&path).expect("bind unix socket");
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match conn.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    let end = seen.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
                    seen.drain(..end + 4);
                    for part in answer.chunks(piece) {
                        if conn.write_all(part).await.is_err() {
                            return;
                        }
                        tokio::task::yield_now().await;
                    }
                    if close {
                        return;
                    }
                }
            });
        }
    });
    let docker = wharf::Docker::builder()
        .environment(wharf::endpoint::Environment::empty())
        .host(format!("unix://{}", path.display()))
        .api_version(wharf::ApiVersion::new(1, 51))
        .build()
        .expect("client");
    (dir, docker, connections)
}

/// A server on a unix socket that runs `script` on every connection it accepts (each in
/// a task of its own), for behaviour no handler can script: never answering, stalling,
/// trickling. Returns the directory holding the socket and its `DOCKER_HOST`.
///
/// ```no_run
/// # async fn run() {
/// // accepts, reads the request, never answers
/// let (_dir, host) = wharf_tests::server::scripted(|mut conn| async move {
///     use tokio::io::AsyncReadExt;
///     let mut buf = [0u8; 4096];
///     while conn.read(&mut buf).await.is_ok_and(|n| n > 0) {}
/// })
/// .await;
/// # }
/// ```
pub async fn scripted<F, Fut>(script: F) -> (tempfile::TempDir, String)
where
    F: Fn(tokio::net::UnixStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("docker.sock");
    let listener = tokio::net::UnixListener::bind(&path).expect("bind unix socket");
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            tokio::spawn(script(conn));
        }
    });
    (dir, format!("unix://{}", path.display()))
}

/// Reads a request head from `conn` (and nothing more); false if the connection ended
/// first.
pub async fn read_head<S: AsyncRead + Unpin>(conn: &mut S) -> bool {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while find(&seen, b"\r\n\r\n").is_none() {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    true
}
