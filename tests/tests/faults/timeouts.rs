//! A daemon that accepts and never answers, answers the head and stalls the body, or
//! trickles a byte a second: the limits the client docs promise fire, and only those (a
//! slow stream that moves is not cut).

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use wharf::endpoint::Environment;
use wharf::{ApiVersion, Docker, ErrorKind, Timeout};
use wharf_tests::faults::{Row, Sample};
use wharf_tests::server::{read_head, scripted};

const ENGINE: &str = "scripted server";
const LIMIT: Duration = Duration::from_millis(800);

fn client(host: &str) -> Docker {
    Docker::builder()
        .environment(Environment::empty())
        .host(host)
        .api_version(ApiVersion::new(1, 51))
        .timeout(LIMIT)
        .connect_timeout(LIMIT)
        .build()
        .unwrap()
}

/// Asserts that `took` is the limit, give or take scheduling.
fn about_the_limit(took: Duration, limit: Duration) {
    assert!(
        took >= limit && took < limit + Duration::from_millis(700),
        "{took:?} for a limit of {limit:?}"
    );
}

/// Runs `call`, which must fail with `kind` after about `limit`; records the row and
/// returns the error.
async fn fails_after<T>(
    case: &str,
    kind: ErrorKind,
    limit: Duration,
    call: impl std::future::Future<Output = wharf::Result<T>>,
) -> wharf::Error {
    let before = Sample::now();
    let started = Instant::now();
    let Err(e) = call.await else {
        panic!("{case}: no error")
    };
    let took = started.elapsed();
    assert_eq!(e.kind(), kind, "{case}: {e}");
    about_the_limit(took, limit);
    Row::new(case, ENGINE, before)
        .outcome(format!("{:?}", e.kind()))
        .time_to_error(took)
        .record();
    e
}

/// Sends `head` then `body` one byte per `gap`, then (if `end`) the chunked end.
async fn trickle(
    mut conn: tokio::net::UnixStream,
    head: &'static [u8],
    body: &'static [u8],
    gap: Duration,
    end: bool,
) {
    if !read_head(&mut conn).await || conn.write_all(head).await.is_err() {
        return;
    }
    for b in body {
        tokio::time::sleep(gap).await;
        if conn
            .write_all(&[b'1', b'\r', b'\n', *b, b'\r', b'\n'])
            .await
            .is_err()
        {
            return;
        }
    }
    if end {
        let _ = conn.write_all(b"0\r\n\r\n").await;
    }
    // then hold the connection open, saying nothing more
    tokio::time::sleep(Duration::from_secs(60)).await;
}

const CHUNKED: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";

#[tokio::test]
async fn accepts_and_never_answers_the_call_limit_fires() {
    let _serial = crate::support::serial();
    let (_dir, host) = scripted(|mut conn| async move {
        read_head(&mut conn).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let docker = client(&host);
    let case = "accepts, never answers (call limit 800 ms)";
    fails_after(case, ErrorKind::Timeout, LIMIT, docker.get("/info").send()).await;
}

#[tokio::test]
async fn tls_port_that_never_handshakes_the_connect_limit_fires() {
    let _serial = crate::support::serial();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            held.push(conn); // accepted, never a byte back
        }
    });
    let docker = Docker::builder()
        .environment(Environment::empty())
        .host(format!("tcp://{addr}"))
        .tls(wharf::endpoint::Tls::new().with_verify(false))
        .api_version(ApiVersion::new(1, 51))
        .connect_timeout(LIMIT)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let case = "TLS port accepts, never handshakes (connect limit 800 ms)";
    let e = fails_after(case, ErrorKind::Connect, LIMIT, docker.get("/info").send()).await;
    assert!(e.to_string().contains("timed out"), "{e}");
    assert!(e.to_string().contains(&addr.to_string()), "{e}");
}

#[tokio::test]
async fn head_then_stalled_body_ordinary_call_limit_fires() {
    let _serial = crate::support::serial();
    let (_dir, host) = scripted(|conn| {
        trickle(
            conn,
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
            b"",
            Duration::ZERO,
            false,
        )
    })
    .await;
    let docker = client(&host);
    let case = "head, then the body stalls (call limit 800 ms)";
    let call = async { docker.get("/info").send().await?.bytes().await };
    fails_after(case, ErrorKind::Timeout, LIMIT, call).await;
}

#[tokio::test]
async fn head_then_stalled_stream_idle_limit_fires() {
    let _serial = crate::support::serial();
    let (_dir, host) =
        scripted(|conn| trickle(conn, CHUNKED, b"ab", Duration::from_millis(100), false)).await;
    let docker = client(&host);
    let mut got = Vec::new();
    let call = async {
        let mut response = docker
            .get("/containers/x/logs")
            .query("follow", "1")
            .timeout(Timeout::Idle(LIMIT))
            .send()
            .await?;
        while let Some(b) = response.chunk().await? {
            got.extend_from_slice(&b);
        }
        Ok(())
    };
    // the idle limit counts from the last byte (at about 200 ms)
    let case = "stream stalls after 2 bytes (idle limit 800 ms)";
    let limit = LIMIT + Duration::from_millis(200);
    fails_after(case, ErrorKind::Timeout, limit, call).await;
    assert_eq!(got, b"ab");
}

#[tokio::test]
async fn a_byte_a_second_is_not_cut_by_the_idle_limit() {
    let _serial = crate::support::serial();
    let gap = Duration::from_millis(1000);
    let (_dir, host) = scripted(move |conn| trickle(conn, CHUNKED, b"wharf", gap, true)).await;
    let docker = client(&host);
    let before = Sample::now();
    let started = Instant::now();
    let body = docker
        .get("/containers/x/logs")
        .query("follow", "1")
        .timeout(Timeout::Idle(Duration::from_millis(1500)))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(&body[..], b"wharf");
    assert!(took >= 5 * gap, "{took:?}");
    // the ordinary call limit (800 ms) does not apply to a call given its own
    Row::new("a byte a second for 5 s (idle limit 1.5 s)", ENGINE, before)
        .outcome("ok: not cut, 5 bytes")
        .record();
}

#[tokio::test]
async fn a_byte_a_second_is_cut_by_a_total_limit() {
    let _serial = crate::support::serial();
    let (_dir, host) =
        scripted(|conn| trickle(conn, CHUNKED, b"wharf", Duration::from_millis(500), true)).await;
    let docker = client(&host);
    let limit = Duration::from_millis(1200);
    let call = async {
        let request = docker
            .get("/containers/x/logs")
            .timeout(Timeout::Total(limit));
        request.send().await?.bytes().await
    };
    let case = "a byte every 500 ms (total limit 1.2 s)";
    fails_after(case, ErrorKind::Timeout, limit, call).await;
}
