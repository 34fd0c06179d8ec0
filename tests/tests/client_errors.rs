//! How daemon answers and transport failures become `wharf::Error`s.

use std::time::Duration;

use wharf::endpoint::Environment;
use wharf::{ApiVersion, Docker, ErrorKind, Timeout};
use wharf_tests::server::{client, Reply, TestServer};

#[tokio::test]
async fn json_error_body_becomes_the_message() {
    let server =
        TestServer::unix(|_| Reply::json(404, r#"{"message":"No such container: abc"}"#)).await;
    let e = client(&server.docker_host())
        .get("/containers/abc/json")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.is_not_found());
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.message(), Some("No such container: abc"));
    assert_eq!(e.method(), Some("GET"));
    assert_eq!(e.path(), Some("/v1.51/containers/abc/json"));
    assert_eq!(
        e.to_string(),
        "GET /v1.51/containers/abc/json: 404 Not Found: No such container: abc"
    );
}

#[tokio::test]
async fn text_plain_error_body_becomes_the_message() {
    let server = TestServer::unix(|_| Reply::text(500, "page not found\n")).await;
    let e = client(&server.docker_host())
        .get("/nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    assert_eq!(e.message(), Some("page not found"));
}

#[tokio::test]
async fn huge_error_body_is_read_with_a_cap() {
    let server = TestServer::unix(|_| Reply::text(409, &"x".repeat(200_000))).await;
    let e = client(&server.docker_host())
        .post("/containers/c/start")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    let message = e.message().unwrap();
    assert!(message.len() < 70 * 1024, "{}", message.len());
    assert!(message.ends_with("[truncated]"));
}

#[tokio::test]
async fn not_modified_is_its_own_kind() {
    let server = TestServer::unix(|_| Reply::status(304)).await;
    let e = client(&server.docker_host())
        .post("/containers/web/start")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotModified);
    assert!(e.is_not_modified());
    assert_eq!(e.message(), None);
}

#[tokio::test]
async fn pinned_version_the_daemon_refuses_is_a_version_mismatch() {
    let m = "client version 1.51 is too new. Maximum supported API version is 1.41";
    let server =
        TestServer::unix(move |_| Reply::json(400, &format!(r#"{{"message":"{m}"}}"#))).await;
    let e = client(&server.docker_host())
        .get("/info")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VersionMismatch);
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.message(), Some(m));
}

#[tokio::test]
async fn missing_socket_names_the_endpoint_and_how_it_was_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.sock");
    let host = format!("unix://{}", path.display());
    let e = client(&host).get("/info").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect);
    assert!(e.is_connect());
    let text = e.to_string();
    assert!(text.contains(&host), "{text}");
    assert!(text.contains("from DOCKER_HOST"), "{text}");
    assert!(text.contains("no such socket"), "{text}");
    assert!(text.contains("Check DOCKER_HOST"), "{text}");
    assert_eq!(text.matches("is the daemon running?").count(), 1, "{text}");
    assert!(std::error::Error::source(&e).is_some());
}

#[tokio::test]
async fn refused_tcp_connection_is_a_connect_error() {
    // Bind then drop, to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let docker = Docker::builder()
        .environment(Environment::empty())
        .host(format!("tcp://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let e = docker.ping().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect);
    let text = e.to_string();
    assert!(text.contains("connection refused"), "{text}");
    assert!(text.contains("given explicitly"), "{text}");
}

#[tokio::test]
async fn total_timeout_fails_a_slow_call() {
    let server =
        TestServer::unix(|_| Reply::json(200, "{}").delay(Duration::from_millis(500))).await;
    let docker = client(&server.docker_host());
    let e = docker
        .get("/info")
        .timeout(Timeout::Total(Duration::from_millis(100)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.is_timeout());
    assert!(e.to_string().contains("100ms"), "{e}");

    // The builder's default applies to ordinary calls.
    let docker = client_with_default_limit(&server.docker_host(), Duration::from_millis(100));
    let e = docker.get("/info").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    // ... and a call may lift it.
    docker
        .get("/info")
        .timeout(Timeout::Unlimited)
        .send()
        .await
        .unwrap();
}

/// A client for `host` (API 1.51) whose calls have `limit` as their default time limit.
fn client_with_default_limit(host: &str, limit: Duration) -> Docker {
    Docker::builder()
        .environment(Environment::empty())
        .host(host)
        .api_version(ApiVersion::new(1, 51))
        .timeout(limit)
        .build()
        .unwrap()
}

/// A typed call runs under its own time limit: the client's default for most, none for a
/// wait. Both slow answers below outlast the default.
#[tokio::test]
async fn typed_calls_take_their_own_time_limit() {
    let server = TestServer::unix(|req| {
        let body = if req.path.contains("/wait") {
            r#"{"StatusCode":3}"#
        } else {
            "{}"
        };
        Reply::json(200, body).delay(Duration::from_millis(400))
    })
    .await;
    let docker = client_with_default_limit(&server.docker_host(), Duration::from_millis(100));
    let e = docker.container("c").inspect().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("100ms"), "{e}");
    let status = docker.container("c").wait().await.unwrap();
    assert_eq!(status.code, 3);
    // the limit of one call does not stay behind: a generated operation called directly
    // has the client's default
    let api = docker.api().await.unwrap();
    let e = api.container_inspect("c", None).await.unwrap_err();
    let e = wharf::Error::from_api(e).await;
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
}

#[tokio::test]
async fn idle_timeout_allows_long_streams_but_not_silence() {
    let chunks = vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec(), b"d".to_vec()];
    let server = TestServer::unix(move |req| {
        let gap = if req.path.contains("slow") { 400 } else { 100 };
        Reply::status(200).chunked(chunks.clone(), Duration::from_millis(gap))
    })
    .await;
    let docker = client(&server.docker_host());
    // 4 x 100 ms is longer than the idle limit of 250 ms, but no gap is.
    let body = docker
        .get("/events")
        .timeout(Timeout::Idle(Duration::from_millis(250)))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&body[..], b"abcd");

    let mut slow = docker
        .get("/events/slow")
        .timeout(Timeout::Idle(Duration::from_millis(250)))
        .send()
        .await
        .unwrap();
    let e = slow.chunk().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(e.path(), Some("/v1.51/events/slow"));
}

#[tokio::test]
async fn credentials_never_appear_in_errors() {
    let secret = "c2VjcmV0LXJlZ2lzdHJ5LXBhc3N3b3Jk";
    let server = TestServer::unix(|_| Reply::json(401, r#"{"message":"unauthorized"}"#)).await;
    let docker = client(&server.docker_host());
    let request = docker
        .post("/images/create")
        .query("fromImage", "private/app")
        .header("X-Registry-Auth", secret)
        .header("Authorization", &format!("Bearer {secret}"));
    assert!(!format!("{request:?}").contains(secret));
    let e = request.send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    // The header did reach the daemon...
    assert_eq!(server.requests()[0].header("x-registry-auth"), Some(secret));
    // ...and is in neither rendering of the error.
    for text in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
        assert!(!text.contains(secret), "{text}");
    }

    // An invalid header value is reported by name only.
    let e = docker
        .get("/info")
        .header("X-Registry-Auth", "line\nbreak-secret")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(!e.to_string().contains("break-secret"), "{e}");
    assert!(!format!("{e:?}").contains("break-secret"));
}

#[tokio::test]
async fn relative_path_is_an_invalid_argument() {
    let server = TestServer::unix(|_| Reply::json(200, "{}")).await;
    let e = client(&server.docker_host())
        .get("info")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn undecodable_json_is_a_decode_error() {
    let server = TestServer::unix(|_| Reply::json(200, "[1, 2")).await;
    let e = client(&server.docker_host())
        .get("/info")
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.path(), Some("/v1.51/info"));
}
