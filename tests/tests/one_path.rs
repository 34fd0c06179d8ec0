//! A typed call and the same operation made through `Docker::api()` go the
//! same way: one connection pool, one version prefix, the same errors. The
//! typed calls send their operation's query and read its answers, as the
//! engines give them.

use std::time::Duration;

use wharf::api::types::ContainerWaitCondition;
use wharf::container::{CommitOptions, ListOptions, RemoveOptions, StopOptions};
use wharf::{ErrorKind, Filters};
use wharf_tests::server::{client, engine, Recorded, Reply, TestServer};

/// The daemon: the operations' own statuses and answers where a test needs
/// them, `200 {}` otherwise.
fn daemon(req: &Recorded) -> Reply {
    let path = req.path.as_str();
    if path.contains("/containers/gone/") {
        // a proxy or an old daemon can answer in plain text
        Reply::text(404, "No such container: gone\n")
    } else if path.contains("/containers/taken/") {
        Reply::json(409, r#"{"message":"Conflict. The name is in use."}"#)
    } else if path.contains("/containers/web/json") {
        Reply::json(200, r#"{"Id":"abc","Name":"/web"}"#)
    } else if path.contains("/containers/up/start") {
        Reply::status(304)
    } else if path.contains("/resize") {
        // Podman answers a resize with 201, the spec says 200
        Reply::status(201)
    } else if path.starts_with("/v1.51/commit") {
        Reply::json(201, r#"{"Id":"sha256:abc"}"#)
    } else if path.starts_with("/v1.51/containers/json") {
        Reply::json(200, "[]")
    } else if path.contains("/changes") {
        Reply::json(200, "null")
    } else if path.contains("/containers/web/archive") && req.method == "HEAD" {
        // {"name":"hosts","size":174,"mode":420,"mtime":"2025-01-02T03:04:05Z","linkTarget":""}
        Reply::status(200).header(
            "X-Docker-Container-Path-Stat",
            "eyJuYW1lIjoiaG9zdHMiLCJzaXplIjoxNzQsIm1vZGUiOjQyMCwibXRpbWUiOiIyMDI1LTAxLTAyVDAzOjA0OjA1WiIsImxpbmtUYXJnZXQiOiIifQ==",
        )
    } else if path.contains("/wait") {
        // the head at once, the exit later, as dockerd does
        Reply::status(200)
            .header("Content-Type", "application/json")
            .chunked(
                vec![br#"{"StatusCode":3}"#.to_vec()],
                Duration::from_millis(600),
            )
    } else {
        engine("1.51")(req)
    }
}

#[tokio::test]
async fn typed_and_generated_calls_share_one_connection_and_one_wire_form() {
    let server = TestServer::unix(daemon).await;
    let docker = client(&server.docker_host());
    let typed = docker.container("web").inspect().await.unwrap();
    let api = docker.api().await.unwrap();
    let generated = api
        .container_inspect("web", None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(typed.id, generated.id);
    assert_eq!(typed.id.as_deref(), Some("abc"));
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{:?}", server.request_lines());
    assert_eq!(requests[0].path, requests[1].path);
    assert_eq!(requests[0].path, "/v1.51/containers/web/json");
    assert_eq!(requests[0].connection, requests[1].connection, "one pool");
    let headers = |r: &Recorded| -> Vec<String> {
        let mut names: Vec<String> = r.headers.iter().map(|(n, _)| n.clone()).collect();
        names.retain(|n| n != "accept");
        names.sort();
        names
    };
    assert_eq!(headers(&requests[0]), headers(&requests[1]));
}

#[tokio::test]
async fn typed_and_generated_calls_fail_with_the_same_kind_and_message() {
    let server = TestServer::unix(daemon).await;
    let docker = client(&server.docker_host());
    let api = docker.api().await.unwrap();
    for (id, kind, message) in [
        ("gone", ErrorKind::NotFound, "No such container: gone"),
        (
            "taken",
            ErrorKind::Conflict,
            "Conflict. The name is in use.",
        ),
    ] {
        let typed = docker.container(id).inspect().await.unwrap_err();
        let generated =
            wharf::Error::from_api(api.container_inspect(id, None).await.unwrap_err()).await;
        for e in [&typed, &generated] {
            assert_eq!(e.kind(), kind, "{e}");
            assert_eq!(e.message(), Some(message), "{e}");
            assert_eq!(
                e.path(),
                Some(format!("/v1.51/containers/{id}/json").as_str())
            );
        }
    }
}

#[tokio::test]
async fn a_transport_failure_keeps_its_kind_through_the_generated_client() {
    let dir = tempfile::tempdir().unwrap();
    let host = format!("unix://{}", dir.path().join("absent.sock").display());
    let docker = client(&host);
    let api = docker.api().await.unwrap();
    let e = wharf::Error::from_api(api.system_info().await.unwrap_err()).await;
    assert_eq!(e.kind(), ErrorKind::Connect, "{e}");
    assert!(e.to_string().contains("no such socket"), "{e}");
}

#[tokio::test]
async fn typed_calls_send_their_operations_query() {
    let server = TestServer::unix(daemon).await;
    let docker = client(&server.docker_host());
    let web = docker.container("web");
    web.stop_with(
        &StopOptions::new()
            .grace(Duration::from_millis(1500))
            .signal("SIGINT"),
    )
    .await
    .unwrap();
    web.remove_with(&RemoveOptions::new().force(true).volumes(true))
        .await
        .unwrap();
    docker
        .containers()
        .list(
            &ListOptions::new()
                .all(true)
                .limit(5)
                .filters(Filters::new().status("exited")),
        )
        .await
        .unwrap();
    let image = web
        .commit(
            &CommitOptions::new()
                .repo("example/web")
                .change("ENV A=1")
                .change("LABEL b=c"),
        )
        .await
        .unwrap();
    assert_eq!(image, "sha256:abc");
    let lines: Vec<String> = server.request_lines();
    assert_eq!(
        lines,
        [
            "POST /v1.51/containers/web/stop?signal=SIGINT&t=2",
            "DELETE /v1.51/containers/web?force=true&v=true",
            "GET /v1.51/containers/json?all=true&filters=%7B%22status%22%3A%5B%22exited%22%5D%7D&limit=5",
            // the daemon joins `changes` values with newlines: one value of lines reads the same
            "POST /v1.51/commit?changes=ENV+A%3D1%0ALABEL+b%3Dc&container=web&repo=example%2Fweb",
        ]
    );
    // without a config, the commit's body is an empty object, as before
    assert_eq!(server.requests()[3].body, b"{}");
}

#[tokio::test]
async fn typed_calls_take_the_engines_answers() {
    let server = TestServer::unix(daemon).await;
    let docker = client(&server.docker_host());
    // 304: already running
    assert!(!docker.container("up").start().await.unwrap());
    assert!(docker.container("web").start().await.unwrap());
    // a 2xx the spec does not list is still success
    docker.container("web").resize_tty(24, 80).await.unwrap();
    // `null` for no changes
    assert!(docker.container("web").changes().await.unwrap().is_empty());
    let stat = docker
        .container("web")
        .archive_info("/etc/hosts")
        .await
        .unwrap();
    assert_eq!((stat.name.as_str(), stat.size), ("hosts", 174));
    let e = docker
        .container("bare")
        .archive_info("/etc/hosts")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(
        e.to_string().contains("X-Docker-Container-Path-Stat"),
        "{e}"
    );
}

#[tokio::test]
async fn begin_wait_returns_once_the_daemon_has_registered_the_wait() {
    let server = TestServer::unix(daemon).await;
    let docker = client(&server.docker_host());
    let started = std::time::Instant::now();
    let pending = docker
        .container("job")
        .begin_wait(ContainerWaitCondition::NextExit)
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "begin_wait waited for the exit: {:?}",
        started.elapsed()
    );
    let status = pending.exit().await.unwrap();
    assert_eq!(status.code, 3);
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_eq!(
        server.request_lines(),
        ["POST /v1.51/containers/job/wait?condition=next-exit"]
    );
    // a wait the daemon refuses fails begin_wait itself
    let e = docker
        .container("gone")
        .begin_wait(ContainerWaitCondition::NotRunning)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert_eq!(e.message(), Some("No such container: gone"));
}
