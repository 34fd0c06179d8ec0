//! API version pinning and negotiation, seen on the wire of a local server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use wharf::endpoint::Environment;
use wharf::{ApiVersion, Docker, ErrorKind};
use wharf_tests::server::{engine, Reply, TestServer};

fn client(server: &TestServer) -> wharf::DockerBuilder {
    Docker::builder().environment(Environment::empty().set("DOCKER_HOST", server.docker_host()))
}

#[tokio::test]
async fn pinned_by_builder_is_on_the_wire_without_ping() {
    let server = TestServer::unix(engine("1.51")).await;
    let docker = client(&server)
        .api_version(ApiVersion::new(1, 44))
        .build()
        .unwrap();
    docker
        .get("/containers/json")
        .query("all", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(server.request_lines(), ["GET /v1.44/containers/json?all=1"]);
}

#[tokio::test]
async fn pinned_by_docker_api_version_is_on_the_wire() {
    let server = TestServer::unix(engine("1.51")).await;
    let env = Environment::empty()
        .set("DOCKER_HOST", server.docker_host())
        .set("DOCKER_API_VERSION", "1.44");
    let docker = Docker::builder().environment(env).build().unwrap();
    assert_eq!(docker.api_version().await.unwrap(), ApiVersion::new(1, 44));
    docker.get("/info").send().await.unwrap();
    assert_eq!(server.request_lines(), ["GET /v1.44/info"]);
}

#[tokio::test]
async fn negotiation_takes_the_older_of_client_and_daemon() {
    let server = TestServer::unix(engine("1.41")).await;
    let docker = client(&server).build().unwrap();
    assert_eq!(docker.pinned_api_version(), None);
    docker.get("/info").send().await.unwrap();
    assert_eq!(docker.api_version().await.unwrap(), ApiVersion::new(1, 41));
    assert_eq!(server.request_lines(), ["HEAD /_ping", "GET /v1.41/info"]);

    let newer = TestServer::unix(engine("1.99")).await;
    let docker = client(&newer).build().unwrap();
    assert_eq!(docker.api_version().await.unwrap(), ApiVersion::MAXIMUM);
    docker.get("/info").send().await.unwrap();
    assert_eq!(
        newer.request_lines(),
        [
            "HEAD /_ping".to_owned(),
            format!("GET /v{}/info", ApiVersion::MAXIMUM)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_requests_share_one_ping() {
    let pings = Arc::new(AtomicUsize::new(0));
    let counter = pings.clone();
    let server = TestServer::unix(move |req| {
        if req.path == "/_ping" {
            counter.fetch_add(1, Ordering::SeqCst);
            // Slow enough that every caller arrives while it is under way.
            Reply::ok()
                .header("Api-Version", "1.45")
                .delay(std::time::Duration::from_millis(200))
        } else {
            Reply::json(200, "{}")
        }
    })
    .await;
    let docker = client(&server).build().unwrap();
    let calls = (0..16).map(|i| {
        let docker = docker.clone();
        tokio::spawn(async move { docker.get(&format!("/containers/c{i}/json")).send().await })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }
    assert_eq!(pings.load(Ordering::SeqCst), 1);
    let lines = server.request_lines();
    assert_eq!(lines.iter().filter(|l| l.contains("_ping")).count(), 1);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("GET /v1.45/containers/"))
            .count(),
        16
    );
}

#[tokio::test]
async fn head_refused_falls_back_to_get() {
    let server = TestServer::unix(|req| match (req.method.as_str(), req.path.as_str()) {
        ("HEAD", "/_ping") => Reply::text(405, "method not allowed"),
        ("GET", "/_ping") => Reply::ok().header("Api-Version", "1.43"),
        _ => Reply::json(200, "{}"),
    })
    .await;
    let docker = client(&server).build().unwrap();
    docker.get("/version").send().await.unwrap();
    assert_eq!(
        server.request_lines(),
        ["HEAD /_ping", "GET /_ping", "GET /v1.43/version"]
    );
}

#[tokio::test]
async fn failed_negotiation_is_retried_by_the_next_call() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let server = TestServer::unix(move |req| {
        if req.path == "/_ping" && counter.fetch_add(1, Ordering::SeqCst) < 2 {
            // HEAD and the GET fallback both fail, without version headers.
            Reply::text(503, "starting up")
        } else if req.path == "/_ping" {
            Reply::ok().header("Api-Version", "1.47")
        } else {
            Reply::json(200, "{}")
        }
    })
    .await;
    let docker = client(&server).build().unwrap();
    let e = docker.get("/info").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(e.message(), Some("starting up"));
    docker.get("/info").send().await.unwrap();
    assert_eq!(docker.api_version().await.unwrap(), ApiVersion::new(1, 47));
}

#[tokio::test]
async fn daemon_older_than_the_client_minimum_is_a_version_mismatch() {
    let server = TestServer::unix(engine("1.12")).await;
    let docker = client(&server).build().unwrap();
    let e = docker.get("/info").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VersionMismatch);
    assert!(e.to_string().contains("1.12"), "{e}");
    // Nothing versioned was sent.
    assert_eq!(server.request_lines(), ["HEAD /_ping"]);
}

#[tokio::test]
async fn daemon_minimum_above_client_maximum_is_a_version_mismatch() {
    let server = TestServer::unix(|_| {
        Reply::ok()
            .header("Api-Version", "1.70")
            .header("Min-Api-Version", "1.60")
    })
    .await;
    let docker = client(&server).build().unwrap();
    let e = docker.api_version().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VersionMismatch);
    assert!(e.to_string().contains("1.60"), "{e}");
}

#[tokio::test]
async fn ping_reports_the_headers_and_settles_negotiation() {
    let server = TestServer::unix(|_| {
        Reply::ok()
            .header("Api-Version", "1.41")
            .header("Ostype", "linux")
            .header("Docker-Experimental", "true")
            .header("Libpod-Api-Version", "4.3.1")
            .header("Swarm", "active/manager")
            .header("Server", "Libpod/4.3.1 (linux)")
    })
    .await;
    let docker = client(&server).build().unwrap();
    let ping = docker.ping().await.unwrap();
    assert_eq!(ping.api_version(), Some(ApiVersion::new(1, 41)));
    assert_eq!(ping.os_type(), Some("linux"));
    assert!(ping.experimental());
    assert_eq!(ping.libpod_api_version(), Some("4.3.1"));
    assert!(ping.is_swarm_manager());
    assert_eq!(ping.server(), Some("Libpod/4.3.1 (linux)"));
    // The ping settled the version: no second ping.
    docker.get("/info").send().await.unwrap();
    assert_eq!(server.request_lines(), ["HEAD /_ping", "GET /v1.41/info"]);
}

#[tokio::test]
async fn no_negotiation_uses_the_client_maximum() {
    let server = TestServer::unix(engine("1.41")).await;
    let docker = client(&server).negotiate(false).build().unwrap();
    docker.get("/info").send().await.unwrap();
    assert_eq!(
        server.request_lines(),
        [format!("GET /v{}/info", ApiVersion::MAXIMUM)]
    );
}
