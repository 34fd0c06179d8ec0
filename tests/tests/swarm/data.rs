//! Secrets and configs: created from bytes, mounted into a task with their modes,
//! a name in use and a removal in use refused with the daemon's words.

use std::time::Duration;

use wharf::swarm::{container_id, DataSpec, FileRef};
use wharf::ErrorKind;

use crate::{create, setup, Setup};

#[tokio::test]
async fn secrets_and_configs_reach_the_task_with_their_modes() {
    let Some(Setup {
        engine,
        scope,
        image,
        ..
    }) = setup("swarm-data").await
    else {
        return;
    };
    let labels = scope.scope.labels();
    let secret_name = scope.scope.name("secret");
    let config_name = scope.scope.name("config");
    let with_labels = |mut spec: DataSpec| {
        for (k, v) in &labels {
            spec = spec.label(k.clone(), v.clone());
        }
        spec
    };
    // bytes that are not text travel too
    let secret_data = b"s3cret\x00\xff\n".to_vec();
    let secret = engine
        .docker
        .secrets()
        .create(&with_labels(DataSpec::new(
            secret_name.clone(),
            secret_data.clone(),
        )))
        .await
        .unwrap();
    let config = engine
        .docker
        .configs()
        .create(&with_labels(DataSpec::new(
            config_name.clone(),
            "listen 8080\n",
        )))
        .await
        .unwrap();

    // The generated operation on its own decodes the daemon's `{"ID": ...}`.
    let api = engine.docker.api().await.unwrap();
    let raw = api
        .config_create(&wharf::api::types::ConfigSpec {
            name: Some(scope.scope.name("config-api")),
            data: Some("YQ==".into()),
            labels: labels.clone().into_iter().collect(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let inspected = engine.docker.config(&raw.id).inspect().await.unwrap();
    assert_eq!(inspected.id.as_deref(), Some(raw.id.as_str()));
    engine.docker.config(&raw.id).remove().await.unwrap();

    // A name in use: a conflict, in the daemon's words.
    let e = engine
        .docker
        .secrets()
        .create(&with_labels(DataSpec::new(secret_name.clone(), "again")))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert!(e.message().unwrap_or("").contains("already exists"), "{e}");
    let e = engine
        .docker
        .configs()
        .create(&with_labels(DataSpec::new(config_name.clone(), "again")))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");

    // Listed by label; labels updated.
    let listed = engine
        .docker
        .secrets()
        .list(&scope.filters())
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.as_deref(), Some(secret.id()));
    let mut new_labels = labels.clone();
    new_labels.insert("rotated".into(), "yes".into());
    secret.update_labels(new_labels.clone()).await.unwrap();
    let inspected = secret.inspect().await.unwrap().spec.unwrap();
    assert_eq!(
        inspected.labels.get("rotated").map(String::as_str),
        Some("yes")
    );
    assert_eq!(
        inspected.data, None,
        "the daemon never gives a secret's data back"
    );
    config.update_labels(new_labels).await.unwrap();
    let config_spec = config.inspect().await.unwrap().spec.unwrap();
    assert_eq!(
        config_spec.labels.get("rotated").map(String::as_str),
        Some("yes")
    );
    assert_eq!(
        config_spec.data.as_deref(),
        Some("bGlzdGVuIDgwODAK"),
        "base64 of the data"
    );

    // Mounted by name (ids looked up) at their targets, with their modes.
    let spec = scope
        .service(&image, "svc", "sleep 3600")
        .secret(
            FileRef::new(secret_name.clone())
                .target("app-secret")
                .mode(0o400),
        )
        .config(
            FileRef::new(config_name.clone())
                .target("/etc/app.conf")
                .mode(0o440)
                .uid("7"),
        );
    let service = create(&engine, &spec).await;
    let tasks = service.wait_running(Duration::from_secs(60)).await.unwrap();
    let container = engine
        .docker
        .container(container_id(&tasks[0]).expect("container id"));
    let read = container
        .exec_output(["cat", "/run/secrets/app-secret"])
        .await
        .unwrap();
    assert_eq!(read.stdout, secret_data);
    let read = container
        .exec_output(["cat", "/etc/app.conf"])
        .await
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&read.stdout), "listen 8080\n");
    let modes = container
        .exec_output([
            "stat",
            "-c",
            "%a %u",
            "/run/secrets/app-secret",
            "/etc/app.conf",
        ])
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&modes.stdout),
        "400 0\n440 7\n",
        "{modes:?}"
    );

    // In use: refused, in the daemon's words, and still there.
    let e = secret.remove().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    let words = e.message().unwrap_or("");
    assert!(words.contains("is in use by the following service"), "{e}");
    assert!(words.contains(&secret_name), "{e}");
    let e = config.remove().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert!(secret.inspect().await.is_ok());

    // Free once the service is gone.
    service.remove().await.unwrap();
    secret.remove().await.unwrap();
    config.remove().await.unwrap();
    assert_eq!(
        secret.inspect().await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        config.inspect().await.unwrap_err().kind(),
        ErrorKind::NotFound
    );

    // A name the swarm does not have: found missing before the daemon is asked.
    let missing = scope
        .service(&image, "missing", "true")
        .secret(FileRef::new("wharf-no-such-secret"));
    let e = engine.docker.services().create(&missing).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
}
