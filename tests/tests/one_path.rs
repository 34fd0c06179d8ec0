//! A typed call and the same operation made through `Docker::api()` go the
//! same way: one connection pool, one version prefix, the same errors.

use wharf::endpoint::Environment;
use wharf::{ApiVersion, Docker, ErrorKind};
use wharf_tests::server::{engine, Recorded, Reply, TestServer};

fn client(host: &str) -> Docker {
    Docker::builder()
        .environment(Environment::empty().set("DOCKER_HOST", host))
        .api_version(ApiVersion::new(1, 51))
        .build()
        .unwrap()
}

fn daemon(req: &Recorded) -> Reply {
    if req.path.contains("/containers/gone/") {
        // a proxy or an old daemon can answer in plain text
        Reply::text(404, "No such container: gone\n")
    } else if req.path.contains("/containers/taken/") {
        Reply::json(409, r#"{"message":"Conflict. The name is in use."}"#)
    } else if req.path.contains("/containers/web/json") {
        Reply::json(200, r#"{"Id":"abc","Name":"/web"}"#)
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
