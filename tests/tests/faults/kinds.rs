//! The same refusal has the same `ErrorKind` whatever call meets it and whichever
//! engine refuses: Docker answers these `409`, Podman `500` with the cause at the end of
//! its message (mapped in `wharf::error`; a guess from Podman's error texts, said there).

use std::time::Instant;

use wharf::container::ContainerSpec;
use wharf::ErrorKind;
use wharf_tests::engine::{engine, engine_at, test_image, Engine, Scope};
use wharf_tests::faults::{Row, Sample};

use crate::support::started;

/// Every way the suite meets a conflict on `engine`, each with its error.
async fn conflicts(engine: &Engine) -> Vec<(&'static str, wharf::Error)> {
    let scope = Scope::new(engine, "faults-kinds");
    let docker = &engine.docker;
    let id = started(engine, &scope, "running", &["sleep", "3600"]).await;
    let name = docker
        .container(id.as_str())
        .inspect()
        .await
        .unwrap()
        .name
        .unwrap();
    let name = name.trim_start_matches('/');
    let image = test_image(engine).await;
    let spec = ContainerSpec::new(image).name(name).labels(scope.labels());
    let mut seen = Vec::new();
    let mut keep = |what, result: wharf::Result<()>| {
        seen.push((what, result.expect_err(what)));
    };
    keep(
        "create, name taken (typed)",
        docker.containers().create(&spec).await.map(drop),
    );
    keep(
        "create, name taken (raw)",
        async {
            docker
                .post("/containers/create")
                .query("name", name)
                .json(&serde_json::json!({ "Image": image, "Labels": scope.labels() }))
                .send()
                .await
                .map(drop)
        }
        .await,
    );
    keep(
        "remove a running container (typed)",
        docker.container(id.as_str()).remove().await,
    );
    keep(
        "remove a running container (raw)",
        async {
            docker
                .delete(&format!("/containers/{id}"))
                .send()
                .await
                .map(drop)
        }
        .await,
    );
    keep(
        "unpause a container that is not paused",
        docker.container(id.as_str()).unpause().await,
    );
    seen
}

async fn check(engine: &Engine) {
    let name = format!("{:?} {}", engine.flavor, engine.version);
    let before = Sample::now();
    let started_at = Instant::now();
    let seen = conflicts(engine).await;
    let took = started_at.elapsed();
    let mut statuses = Vec::new();
    for (what, e) in &seen {
        assert_eq!(e.kind(), ErrorKind::Conflict, "{name}: {what}: {e}");
        statuses.push(e.status().unwrap_or(0));
    }
    statuses.dedup();
    Row::new("the same conflict by 5 calls", &name, before)
        .outcome(format!("Conflict every time (status {statuses:?})"))
        .time_to_error(took / seen.len() as u32)
        .record();
}

#[tokio::test]
async fn a_conflict_is_a_conflict_whatever_call_meets_it() {
    let _serial = crate::support::serial();
    let Some(engine) = engine().await else { return };
    check(&engine).await;
}

#[tokio::test]
async fn podmans_500_conflicts_are_conflicts() {
    let _serial = crate::support::serial();
    let host = std::env::var("WHARF_FAULTS_PODMAN")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unix:///run/wharf/podman.sock".to_owned());
    let Some(engine) = engine_at(&host, "Start it with `cargo xtask engine up podman`").await
    else {
        return;
    };
    check(&engine).await;
}
