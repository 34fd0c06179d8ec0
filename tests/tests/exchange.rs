//! What the transport does when a daemon or a connection misbehaves: each
//! case is a defect a hand-written HTTP/1.1 had, tried against scripted
//! servers on unix sockets.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use wharf::{Docker, ErrorKind, Timeout};
use wharf_tests::server::{get_body, raw_server, Reply, TestServer};

fn client(path: &std::path::Path) -> Docker {
    wharf_tests::server::client(&format!("unix://{}", path.display()))
}

/// A request as a scripted server read it.
#[derive(Clone, Debug)]
struct Seen {
    line: String,
    body_len: usize,
    connection: usize,
}

/// Reads one request head from `conn`; `None` at the end of the connection.
async fn read_head(conn: &mut UnixStream, buf: &mut Vec<u8>) -> Option<String> {
    let mut piece = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            return Some(head);
        }
        match conn.read(&mut piece).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&piece[..n]),
        }
    }
}

fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0)
}

/// Reads `len` body bytes (some may be in `buf` already).
async fn read_body(conn: &mut UnixStream, buf: &mut Vec<u8>, len: usize) -> bool {
    let mut piece = [0u8; 65536];
    while buf.len() < len {
        match conn.read(&mut piece).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&piece[..n]),
        }
    }
    buf.drain(..len);
    true
}

/// Reads a chunked body to its last chunk (no trailers).
async fn read_chunked(conn: &mut UnixStream, buf: &mut Vec<u8>) -> bool {
    let mut piece = [0u8; 65536];
    loop {
        if let Some(end) = buf.windows(5).position(|w| w == b"0\r\n\r\n") {
            buf.drain(..end + 5);
            return true;
        }
        match conn.read(&mut piece).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&piece[..n]),
        }
    }
}

/// What a scripted server does with the `n`th request (from 0) it reads
/// (`seen` holds its head; its `Content-Length` body is not read yet).
#[derive(Clone, Copy, Debug)]
enum Act {
    /// Read the body, answer 200 `{}`, keep the connection.
    Answer,
    /// Read the body, answer 200 `{}`, close the connection.
    AnswerAndClose,
    /// Answer 404 at once without reading the body, then close.
    RefuseEarly,
    /// Read part of the body, then close without an answer.
    CloseMidBody,
}

/// A server on a unix socket acting on each request as `script` says.
async fn scripted(
    script: impl Fn(usize) -> Act + Send + Sync + 'static,
) -> (tempfile::TempDir, Docker, Arc<Mutex<Vec<Seen>>>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("docker.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let script = Arc::new(script);
    let log = seen.clone();
    tokio::spawn(async move {
        let connections = AtomicUsize::new(0);
        while let Ok((mut conn, _)) = listener.accept().await {
            let connection = connections.fetch_add(1, Ordering::SeqCst);
            let (log, script) = (log.clone(), script.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                while let Some(head) = read_head(&mut conn, &mut buf).await {
                    let len = content_length(&head);
                    let n = {
                        let mut log = log.lock().unwrap();
                        log.push(Seen {
                            line: head.lines().next().unwrap_or("").to_owned(),
                            body_len: len,
                            connection,
                        });
                        log.len() - 1
                    };
                    const OK: &[u8] =
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
                    match script(n) {
                        Act::Answer | Act::AnswerAndClose => {
                            let read = if head
                                .to_ascii_lowercase()
                                .contains("transfer-encoding: chunked")
                            {
                                read_chunked(&mut conn, &mut buf).await
                            } else {
                                read_body(&mut conn, &mut buf, len).await
                            };
                            if !read {
                                return;
                            }
                            let _ = conn.write_all(OK).await;
                            if matches!(script(n), Act::AnswerAndClose) {
                                return;
                            }
                        }
                        Act::RefuseEarly => {
                            let _ = conn
                                .write_all(
                                    b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\
                                      Content-Length: 31\r\nConnection: close\r\n\r\n\
                                      {\"message\":\"no such container\"}",
                                )
                                .await;
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            return;
                        }
                        Act::CloseMidBody => {
                            let _ = read_body(&mut conn, &mut buf, len.min(64 * 1024)).await;
                            return;
                        }
                    }
                }
            });
        }
    });
    let docker = client(&path);
    (dir, docker, seen)
}

const BIG: usize = 8 * 1024 * 1024;

#[tokio::test]
async fn an_early_answer_to_a_large_upload_is_returned_not_a_broken_pipe() {
    let (_dir, docker, seen) = scripted(|_| Act::RefuseEarly).await;
    let e = docker
        .post("/containers/missing/archive")
        .body(vec![0u8; BIG])
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert_eq!(e.message(), Some("no such container"));
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_post_whose_bytes_went_out_is_never_sent_again() {
    // the first request keeps the connection; the second, a large POST on
    // it, is cut off mid-body by the daemon without an answer
    let (_dir, docker, seen) = scripted(|n| {
        if n == 0 {
            Act::Answer
        } else {
            Act::CloseMidBody
        }
    })
    .await;
    get_body(&docker, "/info").await;
    let e = docker
        .post("/images/load")
        .body(vec![0u8; BIG])
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let posts: Vec<Seen> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.line.starts_with("POST"))
        .cloned()
        .collect();
    assert_eq!(posts.len(), 1, "sent twice: {posts:?}");
    assert_eq!(posts[0].body_len, BIG);
}

#[tokio::test]
async fn a_connection_the_daemon_closed_while_idle_is_not_used() {
    // unix sockets too: the daemon closes after each answer
    let (_dir, docker, seen) = scripted(|_| Act::AnswerAndClose).await;
    for _ in 0..3 {
        get_body(&docker, "/info").await;
        // a POST is not sent again: it must find a live connection first
        docker
            .post("/containers/web/start")
            .body(vec![1u8; 1024])
            .send()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 6, "{seen:?}");
    let connections: std::collections::BTreeSet<usize> =
        seen.iter().map(|s| s.connection).collect();
    assert_eq!(connections.len(), 6, "one connection per answer: {seen:?}");
}

#[test]
fn a_client_outlives_the_runtime_that_opened_its_connections() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("docker.sock");
    let server = std::thread::spawn({
        let path = path.clone();
        move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async move {
                let listener = UnixListener::bind(&path).unwrap();
                let mut served = 0;
                while served < 2 {
                    let (mut conn, _) = listener.accept().await.unwrap();
                    let mut buf = Vec::new();
                    while read_head(&mut conn, &mut buf).await.is_some() {
                        served += 1;
                        let _ = conn
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                            .await;
                        if served == 2 {
                            break;
                        }
                    }
                }
            })
        }
    });
    while !path.exists() {
        std::thread::sleep(Duration::from_millis(5));
    }
    let docker = client(&path);
    for _ in 0..2 {
        // a runtime of its own each time; the first is gone when the second runs
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let body = rt
            .block_on(async { docker.get("/info").send().await?.bytes().await })
            .unwrap();
        assert_eq!(&body[..], b"{}");
    }
    server.join().unwrap();
}

#[tokio::test]
async fn an_interim_answer_and_the_final_head_in_one_read_are_read() {
    const ANSWER: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\
        Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}";
    let (_dir, docker, _) = raw_server(ANSWER, ANSWER.len(), false).await;
    let body = tokio::time::timeout(Duration::from_secs(5), async {
        docker
            .post("/build")
            .body(vec![1u8; 10])
            .send()
            .await?
            .bytes()
            .await
    })
    .await
    .expect("the call hung")
    .unwrap();
    assert_eq!(&body[..], b"{\"a\":1}");
}

#[tokio::test]
async fn a_body_framed_by_another_transfer_coding_is_not_followed_by_a_desync() {
    // a Transfer-Encoding that is not chunked, beside a Content-Length: the
    // body runs to the end of the connection, which is then not reused
    const ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\
        Content-Length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nsmuggled!";
    let (_dir, docker, connections) = raw_server(ANSWER, ANSWER.len(), true).await;
    for _ in 0..2 {
        match docker.get("/info").send().await {
            Ok(r) => {
                let body = r.bytes().await;
                if let Ok(body) = body {
                    assert!(!body.starts_with(b"smuggled"), "{body:?}");
                }
            }
            Err(e) => assert_eq!(e.kind(), ErrorKind::Protocol, "{e}"),
        }
    }
    assert_eq!(connections.load(Ordering::SeqCst), 2, "one connection each");
}

#[tokio::test]
async fn framing_headers_are_the_transports() {
    let server = TestServer::unix(|_| Reply::json(200, "{}")).await;
    let docker = client(server.socket_path().unwrap().as_path());
    docker
        .post("/containers/create")
        .header("Content-Length", "999")
        .header("Host", "evil.example")
        .header("Transfer-Encoding", "chunked")
        .body(&b"{\"Image\":\"x\"}"[..])
        .send()
        .await
        .unwrap();
    let request = server.requests().pop().unwrap();
    let count = |name: &str| request.headers.iter().filter(|(n, _)| n == name).count();
    assert_eq!(count("content-length"), 1, "{:?}", request.headers);
    assert_eq!(request.header("content-length"), Some("13"));
    assert_eq!(count("host"), 1);
    assert_eq!(request.header("host"), Some("localhost"));
    assert_eq!(count("transfer-encoding"), 0);
    assert_eq!(request.body, b"{\"Image\":\"x\"}");
}

#[tokio::test]
async fn an_idle_limit_lets_a_slow_but_moving_upload_finish() {
    let (_dir, docker, seen) = scripted(|_| Act::Answer).await;
    // ten pieces, 60 ms apart: 600 ms in all, never 200 ms without one
    let pieces = futures_util::stream::unfold(0u32, |n| async move {
        if n == 10 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
        Some((Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; 100])), n + 1))
    });
    docker
        .post("/images/load")
        .timeout(Timeout::Idle(Duration::from_millis(200)))
        .body_stream(pieces)
        .send()
        .await
        .unwrap();
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_total_limit_covers_the_wait_for_a_connection() {
    // a TLS endpoint that accepts TCP and never answers the handshake: the
    // dial would take the whole connect timeout
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            open.push(conn);
        }
    });
    let docker = Docker::builder()
        .environment(wharf::endpoint::Environment::empty())
        .host(format!("tcp://127.0.0.1:{port}"))
        .tls(wharf::endpoint::Tls::new().with_verify(false))
        .api_version(wharf::ApiVersion::new(1, 51))
        .connect_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let e = docker
        .get("/info")
        .timeout(Timeout::Total(Duration::from_millis(300)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    held.abort();
}
