//! A tiny HTTP proxy for the proxy tests (`client_proxy`, and the fault suite's
//! secrets cases): `CONNECT` tunnels, or a `407` refusal.
//!
//! ```no_run
//! # async fn run() {
//! use wharf_tests::proxy::{Mode, TestProxy};
//! let proxy = TestProxy::start(Mode::Tunnel).await;
//! let url = proxy.url(Some("user:password")); // for HTTP_PROXY
//! # }
//! ```

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How the proxy answers `CONNECT`.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// `200`, then bytes both ways.
    Tunnel,
    /// `407 Proxy Authentication Required`, then close.
    Refuse,
}

/// A tiny HTTP proxy on 127.0.0.1: `CONNECT host:port` tunnels, and
/// absolute-form requests (`GET http://host:port/path`, what reqwest sends
/// for plain http through a proxy) are passed on for one exchange. The host
/// `daemon.test` is 127.0.0.1.
pub struct TestProxy {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The head of every request the proxy received.
    heads: Arc<Mutex<Vec<String>>>,
    accept: JoinHandle<()>,
}

impl TestProxy {
    /// Starts a proxy answering `CONNECT` as `mode` says.
    pub async fn start(mode: Mode) -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let recorded = heads.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    let _ = serve(client, mode, recorded).await;
                });
            }
        });
        TestProxy {
            addr,
            heads,
            accept,
        }
    }

    /// `http://127.0.0.1:port`, with `userinfo@` when given.
    pub fn url(&self, userinfo: Option<&str>) -> String {
        match userinfo {
            Some(u) => format!("http://{u}@{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }

    /// The first line of every request head.
    pub fn request_lines(&self) -> Vec<String> {
        self.heads()
            .iter()
            .map(|h| h.lines().next().unwrap_or_default().to_owned())
            .collect()
    }

    /// Every request head it received.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn serve(
    mut client: TcpStream,
    mode: Mode,
    heads: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    // Byte by byte, so nothing after the head is read here.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        if client.read(&mut byte).await? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    heads.lock().unwrap().push(head.clone());
    let mut first = head.lines().next().unwrap_or_default().split(' ');
    let (method, target) = (
        first.next().unwrap_or_default(),
        first.next().unwrap_or_default(),
    );
    if method == "CONNECT" {
        if let Mode::Refuse = mode {
            client
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                      Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n",
                )
                .await?;
            return client.shutdown().await;
        }
        let mut daemon = TcpStream::connect(route(target)).await?;
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
        tokio::io::copy_bidirectional(&mut client, &mut daemon).await?;
        return Ok(());
    }
    // GET http://daemon.test:port/path HTTP/1.1: one exchange, origin-form.
    let rest = target.strip_prefix("http://").unwrap_or(target);
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut daemon = TcpStream::connect(route(authority)).await?;
    let mut forwarded = format!("{method} {path} HTTP/1.1\r\n");
    for line in head.lines().skip(1).filter(|l| !l.is_empty()) {
        let name = line
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if name != "connection" && name != "proxy-authorization" {
            forwarded.push_str(line);
            forwarded.push_str("\r\n");
        }
    }
    forwarded.push_str("Connection: close\r\n\r\n");
    daemon.write_all(forwarded.as_bytes()).await?;
    tokio::io::copy_bidirectional(&mut client, &mut daemon).await?;
    Ok(())
}

/// Where the proxy connects for `host:port`.
fn route(authority: &str) -> String {
    match authority.strip_prefix("daemon.test:") {
        Some(port) => format!("127.0.0.1:{port}"),
        None => authority.to_owned(),
    }
}

/// The value of header `name` (lower case) in a request head.
pub fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then_some(v.trim())
    })
}
