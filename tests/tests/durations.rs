//! Durations too long to add to a clock (`Duration::MAX`) mean "no limit":
//! every place that takes a duration accepts them without a panic.

use std::time::Duration;

use wharf::container::StopOptions;
use wharf::endpoint::Environment;
use wharf::{ApiVersion, Docker, Timeout};
use wharf_tests::server::{engine, get_body, Recorded, Reply, TestServer};

fn client(host: &str) -> Docker {
    Docker::builder()
        .environment(Environment::empty().set("DOCKER_HOST", host))
        .api_version(ApiVersion::new(1, 51))
        .connect_timeout(Duration::MAX)
        .timeout(Duration::MAX)
        .stream_idle_timeout(Duration::MAX)
        .build()
        .unwrap()
}

/// One stdout frame of the multiplexed log format holding `byte`.
fn frame(byte: u8) -> Vec<u8> {
    vec![1, 0, 0, 0, 0, 0, 0, 1, byte]
}

fn chunked(req: &Recorded) -> Reply {
    if req.path.contains("/logs") {
        Reply::ok().chunked(
            vec![frame(b'a'), frame(b'b'), frame(b'c')],
            Duration::from_millis(5),
        )
    } else if req.path.contains("/chunks") {
        Reply::ok().chunked(
            vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()],
            Duration::from_millis(5),
        )
    } else {
        engine("1.51")(req)
    }
}

#[tokio::test]
async fn client_limits_of_duration_max_are_no_limits() {
    let server = TestServer::unix(chunked).await;
    let docker = client(&server.docker_host());
    docker.ping().await.unwrap();
    get_body(&docker, "/info").await;
    // a streaming call under the idle limit: each chunk moves the timer
    let logs = docker
        .container("web")
        .logs(wharf::container::LogsOptions::new().stdout(true))
        .await
        .unwrap();
    let mut out = Vec::new();
    logs.copy_to(&mut out, &mut tokio::io::sink())
        .await
        .unwrap();
    assert_eq!(out, b"abc");
}

#[tokio::test]
async fn request_limits_of_duration_max_are_no_limits() {
    let server = TestServer::unix(chunked).await;
    let docker = client(&server.docker_host());
    for timeout in [Timeout::Total(Duration::MAX), Timeout::Idle(Duration::MAX)] {
        let body = docker
            .get("/chunks")
            .timeout(timeout)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(&body[..], b"abc", "{timeout:?}");
    }
}

#[tokio::test]
async fn a_stop_grace_of_duration_max_is_the_longest_the_daemon_holds() {
    let server = TestServer::unix(|req: &Recorded| {
        if req.path.contains("/stop") {
            Reply::status(204)
        } else {
            engine("1.51")(req)
        }
    })
    .await;
    let docker = client(&server.docker_host());
    for grace in [Duration::MAX, Duration::new(u64::MAX, 0)] {
        docker
            .container("web")
            .stop_with(&StopOptions::new().grace(grace))
            .await
            .unwrap();
    }
    docker
        .container("web")
        .stop_with(&StopOptions::new().grace(Duration::from_millis(1500)))
        .await
        .unwrap();
    let stops: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/stop"))
        .map(|r| r.path)
        .collect();
    // i64::MAX nanoseconds in whole seconds: Go's longest time.Duration
    assert_eq!(
        stops,
        [
            "/v1.51/containers/web/stop?t=9223372036",
            "/v1.51/containers/web/stop?t=9223372036",
            "/v1.51/containers/web/stop?t=2",
        ]
    );
}
