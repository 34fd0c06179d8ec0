//! The hijack protocol of attach and exec against a local server that plays
//! the daemon: the `101` head, the bytes right behind it, half-close, errors
//! before the upgrade, and how the output's mode is chosen.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use wharf::exec::{ExecOptions, StartOptions};
use wharf::hijack::{Input, Output};
use wharf::stream::{LogOutput, Mode};
use wharf::{ApiVersion, Docker, ErrorKind};

/// How the fake daemon answers `POST /exec/e1/start`.
#[derive(Clone, Copy)]
enum Start {
    /// `101` with this `Content-Type`; a stdout frame `early` in the same
    /// write as the head; then every byte read comes back as a stdout frame
    /// until the client half-closes, and a last stderr frame `bye` follows.
    Upgrade(&'static str),
    /// `101` (multiplexed), then [`SCRIPT`]'s frames, cut inside the last
    /// one when `true`, then the connection closes.
    Script(bool),
    /// `409` with a plain-text body, as the daemon writes before hijacking.
    Conflict,
    /// `200` and a body: not an upgrade.
    Ok,
}

/// Output with a daemon error frame in the middle: more follows it.
const SCRIPT: &[(u8, &[u8])] = &[
    (1, b"one\n"),
    (3, b"Error grabbing logs: bad line"),
    (2, b"two\n"),
    (1, b"three\n"),
];

fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![kind, 0, 0, 0];
    f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    f.extend_from_slice(payload);
    f
}

struct Daemon {
    host: String,
    connections: Arc<AtomicUsize>,
    heads: Arc<std::sync::Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

/// Reads one request (head and `Content-Length` body); `None` at end of input.
async fn read_request(conn: &mut UnixStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if conn.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    conn.read_exact(&mut body).await.ok()?;
    Some(head)
}

async fn serve(mut conn: UnixStream, start: Start, heads: Arc<std::sync::Mutex<Vec<String>>>) {
    while let Some(head) = read_request(&mut conn).await {
        heads.lock().unwrap().push(head.clone());
        if head.starts_with("POST /v1.") && head.contains("/containers/c/exec ") {
            let body = r#"{"Id":"e1"}"#;
            let answer = format!(
                "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            conn.write_all(answer.as_bytes()).await.unwrap();
            continue;
        }
        match start {
            Start::Upgrade(content_type) => {
                let mut answer = format!(
                    "HTTP/1.1 101 UPGRADED\r\nContent-Type: {content_type}\r\n\
                     Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
                )
                .into_bytes();
                answer.extend(frame(1, b"early"));
                conn.write_all(&answer).await.unwrap();
                let mut buf = [0u8; 1024];
                loop {
                    let n = conn.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break; // the client's half-close
                    }
                    conn.write_all(&frame(1, &buf[..n])).await.unwrap();
                }
                conn.write_all(&frame(2, b"bye")).await.unwrap();
                return; // closes
            }
            Start::Script(cut) => {
                let mut answer = format!(
                    "HTTP/1.1 101 UPGRADED\r\nContent-Type: {MULTIPLEXED}\r\n\
                     Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
                )
                .into_bytes();
                for (kind, payload) in SCRIPT {
                    answer.extend(frame(*kind, payload));
                }
                if cut {
                    answer.extend(&frame(2, b"never whole")[..11]);
                }
                conn.write_all(&answer).await.unwrap();
                return;
            }
            Start::Conflict => {
                let body = "container c is not running";
                let answer = format!(
                    "HTTP/1.1 409 Conflict\r\nContent-Type: text/plain; charset=utf-8\r\n\
                     Content-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                conn.write_all(answer.as_bytes()).await.unwrap();
            }
            Start::Ok => {
                conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .await
                    .unwrap();
            }
        }
    }
}

async fn daemon(start: Start) -> Daemon {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("docker.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let heads = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (count, seen) = (connections.clone(), heads.clone());
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(conn, start, seen.clone()));
        }
    });
    Daemon {
        host: format!("unix://{}", path.display()),
        connections,
        heads,
        _dir: dir,
    }
}

fn client(daemon: &Daemon, version: ApiVersion) -> Docker {
    Docker::builder()
        .host(&daemon.host)
        .api_version(version)
        .build()
        .unwrap()
}

/// Creates an exec in container `c` and starts it attached.
async fn start(docker: &Docker, exec: ExecOptions, start: StartOptions) -> (Output, Input) {
    let exec = docker.container("c").exec(exec).await.unwrap();
    exec.start_attached(start).await.unwrap()
}

/// `cat` with stdin attached.
async fn start_cat(docker: &Docker) -> (Output, Input) {
    start(
        docker,
        ExecOptions::new(["cat"]).attach_stdin(true),
        StartOptions::new().stdin(true),
    )
    .await
}

const MULTIPLEXED: &str = "application/vnd.docker.multiplexed-stream";
const RAW: &str = "application/vnd.docker.raw-stream";

#[tokio::test]
async fn bytes_behind_the_101_head_are_kept_and_half_close_lets_output_finish() {
    let daemon = daemon(Start::Upgrade(MULTIPLEXED)).await;
    let docker = client(&daemon, ApiVersion::new(1, 44));
    let (mut output, mut input) = start_cat(&docker).await;
    assert_eq!(output.mode(), Mode::Multiplexed);
    // Sent in the same write as the head.
    let first = output.next().await.unwrap().unwrap();
    assert_eq!(first, LogOutput::Stdout("early".into()));

    input.write_all(b"ping").await.unwrap();
    let echoed = output.next().await.unwrap().unwrap();
    assert_eq!(echoed, LogOutput::Stdout("ping".into()));

    // Half-close: the server sees end of input, and still answers.
    input.shutdown().await.unwrap();
    let rest: Vec<LogOutput> = tokio::time::timeout(Duration::from_secs(10), output.try_collect())
        .await
        .expect("the output ends after the server closes")
        .unwrap();
    assert_eq!(rest, [LogOutput::Stderr("bye".into())]);

    let heads = daemon.heads.lock().unwrap().clone();
    let start = heads.iter().find(|h| h.contains("/exec/e1/start")).unwrap();
    let lower = start.to_ascii_lowercase();
    assert!(lower.contains("connection: upgrade\r\n"), "{start}");
    assert!(lower.contains("upgrade: tcp\r\n"), "{start}");
    assert!(
        start.starts_with("POST /v1.44/exec/e1/start HTTP/1.1"),
        "{start}"
    );
}

#[tokio::test]
async fn a_hijacked_connection_is_not_reused() {
    let daemon = daemon(Start::Upgrade(MULTIPLEXED)).await;
    let docker = client(&daemon, ApiVersion::new(1, 44));
    let c = docker.container("c");
    let exec = c.exec(ExecOptions::new(["true"])).await.unwrap();
    assert_eq!(daemon.connections.load(Ordering::SeqCst), 1);
    // The start reuses the pooled connection and takes it over.
    let (output, input) = exec.start_attached(StartOptions::new()).await.unwrap();
    assert_eq!(daemon.connections.load(Ordering::SeqCst), 1);
    let all: Vec<LogOutput> = output.try_collect().await.unwrap();
    assert_eq!(all.len(), 2, "{all:?}"); // early, bye: stdin was closed at once
    drop(input);
    // The next call cannot use the hijacked connection: a new one opens.
    c.exec(ExecOptions::new(["true"])).await.unwrap();
    assert_eq!(daemon.connections.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_answer_other_than_101_is_an_error_with_the_daemons_message() {
    let daemon = daemon(Start::Conflict).await;
    let docker = client(&daemon, ApiVersion::new(1, 44));
    let exec = docker
        .container("c")
        .exec(ExecOptions::new(["true"]))
        .await
        .unwrap();
    let e = exec.start_attached(StartOptions::new()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert_eq!(e.status(), Some(409));
    assert_eq!(e.message(), Some("container c is not running"));
    assert_eq!(e.path(), Some("/v1.44/exec/e1/start"));

    let daemon = daemon_ok().await;
    let docker = client(&daemon, ApiVersion::new(1, 44));
    let exec = docker
        .container("c")
        .exec(ExecOptions::new(["true"]))
        .await
        .unwrap();
    let e = exec.start_attached(StartOptions::new()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
}

async fn daemon_ok() -> Daemon {
    daemon(Start::Ok).await
}

/// The mode the client picks for a `101` with `content_type`, at `version`,
/// for an exec with or without a TTY.
async fn mode(content_type: &'static str, version: ApiVersion, tty: bool) -> Mode {
    let daemon = daemon(Start::Upgrade(content_type)).await;
    let docker = client(&daemon, version);
    let (output, _input) = start(
        &docker,
        ExecOptions::new(["true"]).tty(tty),
        StartOptions::new(),
    )
    .await;
    output.mode()
}

#[tokio::test]
async fn the_mode_comes_from_the_content_type_or_the_tty_before_1_42() {
    let old = ApiVersion::new(1, 41);
    let new = ApiVersion::new(1, 42);
    // Old engines always say raw-stream: the TTY setting decides.
    assert_eq!(mode(RAW, old, false).await, Mode::Multiplexed);
    assert_eq!(mode(RAW, old, true).await, Mode::Raw);
    // From 1.42 the label is trusted.
    assert_eq!(mode(RAW, new, false).await, Mode::Raw);
    assert_eq!(mode(MULTIPLEXED, new, true).await, Mode::Multiplexed);
}

#[tokio::test]
async fn raw_output_is_passed_through_as_console_bytes() {
    let daemon = daemon(Start::Upgrade(RAW)).await;
    let docker = client(&daemon, ApiVersion::new(1, 51));
    let (output, _input) = start(
        &docker,
        ExecOptions::new(["sh"]).tty(true),
        StartOptions::new(),
    )
    .await;
    let bytes: Vec<u8> = output
        .map_ok(|p| {
            assert!(p.is_console(), "{p:?}");
            p.into_bytes().to_vec()
        })
        .try_concat()
        .await
        .unwrap();
    // The frames the server wrote, header bytes and all.
    let mut expected = frame(1, b"early");
    expected.extend(frame(2, b"bye"));
    assert_eq!(bytes, expected);
}

/// Starts the scripted exec and copies its output.
async fn copy_script(cut: bool) -> (Vec<u8>, Vec<u8>, wharf::Result<wharf::stream::Copied>) {
    let daemon = daemon(Start::Script(cut)).await;
    let docker = client(&daemon, ApiVersion::new(1, 51));
    let (output, _input) = start(&docker, ExecOptions::new(["sh"]), StartOptions::new()).await;
    let (mut out, mut err) = (
        tokio::io::BufWriter::new(Vec::new()),
        tokio::io::BufWriter::new(Vec::new()),
    );
    let result = output.copy_to(&mut out, &mut err).await;
    (out.into_inner(), err.into_inner(), result)
}

#[tokio::test]
async fn copy_to_writes_everything_then_reports_the_daemons_error_frame() {
    let (out, err, result) = copy_script(false).await;
    assert_eq!(out, b"one\nthree\n");
    assert_eq!(err, b"two\n");
    let error = result.expect_err("the daemon's error frame");
    assert_eq!(error.kind(), ErrorKind::Server, "{error}");
    assert_eq!(error.message(), Some("Error grabbing logs: bad line"));
}

#[tokio::test]
async fn copy_to_flushes_what_came_before_a_cut_frame_then_fails() {
    let (out, err, result) = copy_script(true).await;
    let error = result.expect_err("a cut frame");
    assert_eq!(error.kind(), ErrorKind::Protocol, "{error}");
    assert_eq!(out, b"one\nthree\n");
    // The cut frame's first bytes may come out before the error.
    assert!(
        err.starts_with(b"two\n") && b"two\nnev".starts_with(&err),
        "{err:?}"
    );
}

#[tokio::test]
async fn copy_to_follows_the_output_to_its_end() {
    let daemon = daemon(Start::Upgrade(MULTIPLEXED)).await;
    let docker = client(&daemon, ApiVersion::new(1, 51));
    let (output, mut input) = start_cat(&docker).await;
    input.write_all(b"ping").await.unwrap();
    input.shutdown().await.unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let copied = tokio::time::timeout(Duration::from_secs(10), output.copy_to(&mut out, &mut err))
        .await
        .expect("the copy ends when the server closes")
        .unwrap();
    assert_eq!((&out[..], &err[..]), (&b"earlyping"[..], &b"bye"[..]));
    assert_eq!((copied.stdout, copied.stderr), (9, 3));
}
