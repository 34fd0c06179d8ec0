//! The websocket attach against a local server that plays the daemon: the handshake (key,
//! version, accept), output frames (also right behind the `101` head), pings, input as
//! messages and writes, the close handshake, and the errors before and after the upgrade.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt, TryStreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use wharf::container::WebsocketAttachOptions;
use wharf::stream::LogOutput;
use wharf::{ApiVersion, Docker, ErrorKind};
use wharf_tests::server::{engine, Reply, TestServer};

/// What the fake daemon does after a good handshake.
#[derive(Clone, Copy)]
enum Script {
    /// A binary frame `early` in the same write as the `101` head, a text frame, a ping;
    /// then every binary message comes back, until the client's close.
    Echo,
    /// A close frame with code 1011 and a reason.
    CloseWithError,
    /// Closes the connection without a close frame.
    Cut,
}

/// What the fake daemon saw.
#[derive(Default)]
struct Seen {
    head: String,
    /// Binary messages, pongs and the close, as text.
    messages: Vec<String>,
}

struct Daemon {
    host: String,
    seen: Arc<Mutex<Seen>>,
    _dir: tempfile::TempDir,
}

/// Reads a request head byte by byte, so that nothing behind it is consumed.
async fn read_head(conn: &mut UnixStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(conn.read(&mut byte).await.unwrap(), 1, "the head is cut");
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

async fn serve(mut conn: UnixStream, script: Script, seen: Arc<Mutex<Seen>>) {
    let head = read_head(&mut conn).await;
    seen.lock().unwrap().head = head.clone();
    let key = header(&head, "sec-websocket-key").expect("a key");
    let mut answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    )
    .into_bytes();
    if let Script::Echo = script {
        // An unmasked binary frame, FIN set: 0x82, length 5.
        answer.extend([0x82, 5]);
        answer.extend(b"early");
    }
    conn.write_all(&answer).await.unwrap();
    let mut ws = WebSocketStream::from_raw_socket(conn, Role::Server, None).await;
    match script {
        Script::Echo => {
            ws.send(Message::text("text\n")).await.unwrap();
            ws.send(Message::Ping("are you there".into()))
                .await
                .unwrap();
            while let Some(message) = ws.next().await {
                let message = message.unwrap();
                let text = match &message {
                    Message::Binary(b) => String::from_utf8_lossy(b).into_owned(),
                    Message::Pong(p) => format!("pong {}", String::from_utf8_lossy(p)),
                    Message::Close(c) => format!("close {:?}", c.as_ref().map(|c| c.code)),
                    other => format!("unexpected {other:?}"),
                };
                seen.lock().unwrap().messages.push(text);
                if let Message::Binary(b) = message {
                    ws.send(Message::Binary(b)).await.unwrap();
                }
            }
            // The close was answered as it was read; the stream ended after it.
        }
        Script::CloseWithError => {
            let frame = CloseFrame {
                code: CloseCode::Error,
                reason: "attach failed".into(),
            };
            ws.send(Message::Close(Some(frame))).await.unwrap();
            while ws.next().await.is_some() {}
        }
        Script::Cut => drop(ws),
    }
}

async fn daemon(script: Script) -> Daemon {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("docker.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let s = seen.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            tokio::spawn(serve(conn, script, s.clone()));
        }
    });
    Daemon {
        host: format!("unix://{}", path.display()),
        seen,
        _dir: dir,
    }
}

async fn next(output: &mut wharf::websocket::Output) -> Option<wharf::Result<LogOutput>> {
    tokio::time::timeout(Duration::from_secs(10), output.next())
        .await
        .expect("output within 10 s")
}

fn client(host: &str) -> Docker {
    Docker::builder()
        .host(host)
        .api_version(ApiVersion::new(1, 51))
        .build()
        .unwrap()
}

#[tokio::test]
async fn output_input_pings_and_the_close_handshake() {
    let daemon = daemon(Script::Echo).await;
    let docker = client(&daemon.host);
    let (mut output, mut input) = docker
        .container("c")
        .attach_websocket(
            WebsocketAttachOptions::new()
                .stdin(true)
                .detach_keys("ctrl-x,x"),
        )
        .await
        .unwrap();

    let head = daemon.seen.lock().unwrap().head.clone();
    assert!(
        head.starts_with(
            "GET /v1.51/containers/c/attach/ws?stream=1&stdin=1&stdout=1&stderr=1&logs=0\
             &detachKeys=ctrl-x%2Cx HTTP/1.1\r\n"
        ),
        "{head}"
    );
    assert_eq!(header(&head, "upgrade"), Some("websocket"), "{head}");
    assert_eq!(header(&head, "connection"), Some("Upgrade"), "{head}");
    assert_eq!(header(&head, "sec-websocket-version"), Some("13"), "{head}");
    // Base64 of 16 bytes: 22 characters and `==`.
    let key = header(&head, "sec-websocket-key").unwrap();
    assert!(key.len() == 24 && key.ends_with("=="), "{key}");

    // Sent in the same write as the head; then a text frame.
    assert_eq!(
        next(&mut output).await.unwrap().unwrap(),
        LogOutput::Console("early".into())
    );
    assert_eq!(
        next(&mut output).await.unwrap().unwrap(),
        LogOutput::Console("text\n".into())
    );

    input.send("hello").await.unwrap();
    assert_eq!(
        next(&mut output).await.unwrap().unwrap(),
        LogOutput::Console("hello".into())
    );
    // A write is one message, sent without a flush.
    input.write_all(b"world").await.unwrap();
    assert_eq!(
        next(&mut output).await.unwrap().unwrap(),
        LogOutput::Console("world".into())
    );

    input.close().await.unwrap();
    input.close().await.unwrap(); // twice is fine
    assert!(
        next(&mut output).await.is_none(),
        "the output ends after the close"
    );
    let e = input.send("late").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");

    // The pong went out while the output was read, before or after the first message.
    let mut messages = daemon.seen.lock().unwrap().messages.clone();
    let pong = messages.iter().position(|m| m == "pong are you there");
    messages.remove(pong.expect("the ping was answered"));
    assert_eq!(messages, ["hello", "world", "close Some(Normal)"]);
}

#[tokio::test]
async fn shutdown_sends_the_close() {
    let daemon = daemon(Script::Echo).await;
    let docker = client(&daemon.host);
    let (output, mut input) = docker
        .container("c")
        .attach_websocket(WebsocketAttachOptions::new())
        .await
        .unwrap();
    input.shutdown().await.unwrap();
    let all: Vec<LogOutput> = tokio::time::timeout(Duration::from_secs(10), output.try_collect())
        .await
        .expect("the output ends after the close")
        .unwrap();
    assert_eq!(
        all,
        [
            LogOutput::Console("early".into()),
            LogOutput::Console("text\n".into())
        ]
    );
    let messages = daemon.seen.lock().unwrap().messages.clone();
    assert_eq!(
        messages.last().map(String::as_str),
        Some("close Some(Normal)")
    );
}

#[tokio::test]
async fn a_close_with_an_error_code_and_a_cut_connection_are_io_errors() {
    let closing = daemon(Script::CloseWithError).await;
    let (mut output, _input) = client(&closing.host)
        .container("c")
        .attach_websocket(WebsocketAttachOptions::new())
        .await
        .unwrap();
    let e = output.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert_eq!(e.message(), Some("attach failed"));
    assert_eq!(e.path(), Some("/v1.51/containers/c/attach/ws"));
    assert!(output.next().await.is_none());

    let cutting = daemon(Script::Cut).await;
    let (mut output, _input) = client(&cutting.host)
        .container("c")
        .attach_websocket(WebsocketAttachOptions::new())
        .await
        .unwrap();
    let e = output.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert!(output.next().await.is_none());
}

/// A server that answers the attach with `reply` (after the usual `/_ping`).
async fn answering(reply: Reply) -> TestServer {
    let ping = engine("1.51");
    TestServer::unix(move |req| {
        if req.path.contains("/attach/ws") {
            reply.clone()
        } else {
            ping(req)
        }
    })
    .await
}

#[tokio::test]
async fn a_wrong_or_missing_accept_is_a_protocol_error() {
    let upgrade = Reply::status(101)
        .header("Upgrade", "websocket")
        .header("Connection", "Upgrade");
    for reply in [
        upgrade
            .clone()
            .header("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        upgrade,
    ] {
        let server = answering(reply).await;
        let docker = Docker::builder()
            .host(server.docker_host())
            .build()
            .unwrap();
        let e = docker
            .container("c")
            .attach_websocket(WebsocketAttachOptions::new())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
        assert!(e.to_string().contains("Sec-WebSocket-Accept"), "{e}");
        assert_eq!(e.method(), Some("GET"));
        assert_eq!(e.path(), Some("/v1.51/containers/c/attach/ws"));
        let attach = server
            .requests()
            .into_iter()
            .find(|r| r.path.contains("/attach/ws"))
            .unwrap();
        assert_eq!(attach.header("sec-websocket-version"), Some("13"));
        assert_eq!(attach.header("upgrade"), Some("websocket"));
    }
}

#[tokio::test]
async fn an_answer_before_the_upgrade_is_an_error_with_the_daemons_message() {
    let server = answering(Reply::json(404, r#"{"message":"No such container: c"}"#)).await;
    let docker = Docker::builder()
        .host(server.docker_host())
        .build()
        .unwrap();
    let e = docker
        .container("c")
        .attach_websocket(WebsocketAttachOptions::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert_eq!(e.message(), Some("No such container: c"));
}
