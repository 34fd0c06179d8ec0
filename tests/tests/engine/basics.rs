//! The engine, the test image and the test scopes.

use bytes::BytesMut;
use futures_util::StreamExt;
use serde_json::{json, Value};
use wharf::stream::{DemuxStream, LogOutput, Mode};
use wharf::ApiVersion;
use wharf_tests::engine::{engine, started, Flavor, Scope, SCOPE_LABEL};

#[tokio::test]
async fn the_client_negotiates_the_engines_version() {
    let Some(engine) = engine().await else { return };
    let negotiated = engine.docker.api_version().await.unwrap();
    let expected = engine.api_version.min(ApiVersion::MAXIMUM);
    assert_eq!(negotiated, expected, "{engine}");
    match (engine.flavor, engine.docker_major()) {
        (Flavor::Docker, Some(28)) => assert_eq!(negotiated, ApiVersion::new(1, 51)),
        (Flavor::Docker, Some(20)) | (Flavor::Podman, _) => {
            assert_eq!(negotiated, ApiVersion::new(1, 41))
        }
        _ => {}
    }
    let ping = engine.docker.ping().await.unwrap();
    assert_eq!(ping.api_version(), Some(engine.api_version), "{engine}");
}

#[tokio::test]
async fn the_test_image_runs_with_stdout_and_stderr_apart() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "image-runs");
    let id = started(
        &engine,
        &scope,
        &[
            "sh",
            "-c",
            "echo out; echo err >&2; ls /bin | wc -l; exit 3",
        ],
        false,
    )
    .await;
    let wait: Value = engine
        .docker
        .post(&format!("/containers/{id}/wait"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(wait["StatusCode"], 3, "{engine}: {wait}");

    let logs = engine
        .docker
        .get(&format!("/containers/{id}/logs"))
        .query("stdout", "1")
        .query("stderr", "1")
        .send()
        .await
        .unwrap();
    let (mut out, mut err) = (BytesMut::new(), BytesMut::new());
    let mut frames = std::pin::pin!(DemuxStream::new(logs.bytes_stream(), Mode::Multiplexed));
    while let Some(item) = frames.next().await {
        match item.unwrap() {
            LogOutput::Stdout(b) => out.extend_from_slice(&b),
            LogOutput::Stderr(b) => err.extend_from_slice(&b),
            other => panic!("{engine}: unexpected {other:?}"),
        }
    }
    let out = String::from_utf8(out.to_vec()).unwrap();
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("out"), "{engine}: {out:?}");
    let applets: u32 = lines.next().unwrap().trim().parse().unwrap();
    assert!(applets > 100, "busybox installed its applets: {applets}");
    assert_eq!(&err[..], b"err\n", "{engine}");
}

#[tokio::test]
async fn a_scope_removes_what_it_labeled() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "scope-cleans");
    let id = started(&engine, &scope, &["sleep", "300"], false).await;
    let filter = scope.filter();
    let network_name = scope.name("net");
    let created = engine
        .docker
        .post("/networks/create")
        .json(&json!({ "Name": network_name, "Labels": scope.labels() }))
        .send()
        .await
        .unwrap();
    assert!(created.status() < 300);
    drop(scope);

    let inspect = engine
        .docker
        .get(&format!("/containers/{id}/json"))
        .send()
        .await;
    let err = inspect.expect_err("the running container is gone");
    assert_eq!(err.kind(), wharf::ErrorKind::NotFound, "{err}");
    let networks: Vec<Value> = engine
        .docker
        .get("/networks")
        .query("filters", &filter)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(networks.is_empty(), "{networks:?}");
    // The label a scope puts on everything is the one its filter matches.
    assert!(filter.contains(SCOPE_LABEL));
}
