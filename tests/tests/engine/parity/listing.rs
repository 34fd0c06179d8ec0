//! Listing (ids, latest, since, before, limit), waiting with a time limit,
//! and `run` with a missing image.

use std::time::Duration;

use wharf::container::{ContainerSpec, ListOptions};
use wharf::{ErrorKind, Filters};
use wharf_tests::engine::{engine, Flavor, Scope, SCOPE_LABEL};

use super::{note, run, spec, IDLE};

#[tokio::test]
async fn ids_latest_since_before_and_limit() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "list-typed");
    let mut ids = Vec::new();
    for what in ["a", "b", "c"] {
        let s = spec(&engine, &scope, what, "true").await;
        ids.push(
            engine
                .docker
                .containers()
                .create(&s)
                .await
                .unwrap()
                .container
                .id()
                .to_owned(),
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (a, b, c) = (&ids[0], &ids[1], &ids[2]);
    // Docker lists newest first; Podman 4.3 in no set order, so there the
    // sets are compared.
    let podman = engine.flavor == Flavor::Podman;
    if podman {
        note(
            &engine,
            "the compatible list is not ordered newest first; comparing sets",
        );
    }
    let want = |xs: &[&String]| {
        let mut v: Vec<String> = xs.iter().map(|s| s.to_string()).collect();
        if podman {
            v.sort();
        }
        v
    };
    let mine = || {
        let label = format!("{SCOPE_LABEL}={}", scope.labels()[SCOPE_LABEL]);
        ListOptions::new()
            .all(true)
            .filters(Filters::new().label(label))
    };
    let containers = engine.docker.containers();
    let list = |options: ListOptions| {
        let containers = containers.clone();
        async move {
            let mut ids = containers.ids(&options).await.unwrap();
            if podman {
                ids.sort();
            }
            ids
        }
    };
    assert_eq!(
        list(mine()).await,
        want(&[c, b, a]),
        "{engine}: newest first"
    );
    if podman {
        assert_eq!(list(mine().latest()).await.len(), 1, "{engine}");
        assert_eq!(list(mine().limit(2)).await.len(), 2, "{engine}");
    } else {
        assert_eq!(list(mine().latest()).await, want(&[c]), "{engine}");
        assert_eq!(list(mine().limit(2)).await, want(&[c, b]), "{engine}");
    }
    assert_eq!(
        list(mine().limit(-1)).await.len(),
        3,
        "{engine}: -1 is no limit"
    );
    assert_eq!(list(mine().since(a)).await, want(&[c, b]), "{engine}");
    assert_eq!(list(mine().before(c)).await, want(&[b, a]), "{engine}");
    assert_eq!(
        list(mine().since(a).before(c)).await,
        want(&[b]),
        "{engine}"
    );
}

#[tokio::test]
async fn wait_with_a_time_limit() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "wait-timeout");
    let idle = run(&engine, &spec(&engine, &scope, "idle", IDLE).await).await;
    let e = idle
        .wait_timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{engine}: {e}");
    assert_eq!(
        idle.inspect().await.unwrap().state.unwrap().running,
        Some(true)
    );

    let quick = run(&engine, &spec(&engine, &scope, "quick", "exit 3").await).await;
    let status = quick.wait_timeout(Duration::from_secs(60)).await.unwrap();
    assert_eq!(status.code, 3, "{engine}");
}

#[tokio::test]
async fn run_says_a_missing_image_needs_a_pull() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "run-missing");
    let spec = ContainerSpec::new("wharf-test-missing/never:built")
        .name(scope.name("c"))
        .labels(scope.labels());
    let e = engine.docker.containers().run(&spec).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{engine}: {e}");
    let text = e.to_string();
    assert!(text.contains("pull"), "{engine}: {text}");
    assert!(
        text.contains("wharf-test-missing/never:built"),
        "{engine}: {text}"
    );
    if engine.flavor == Flavor::Podman {
        note(&engine, &format!("Podman's words: {:?}", e.message()));
    }
}
