//! The system calls: info and version typed, disk usage that sees what was made, a system
//! prune that takes a labeled set and leaves everything else alone, and calls the API
//! version in use lacks refused before they are sent.

use std::time::Duration;

use wharf::api::types::SystemDataUsageTypeItem;
use wharf::container::{ContainerSpec, StopOptions};
use wharf::network::NetworkSpec;
use wharf::system::{DfOptions, SystemPruneOptions};
use wharf::volume::VolumeSpec;
use wharf::{ApiVersion, Docker, ErrorKind, Filters};
use wharf_tests::engine::{engine, test_image, Engine, Flavor, Scope, SCOPE_LABEL, TEST_IMAGE};

fn scope_filter(scope: &Scope) -> Filters {
    Filters::new().label(format!("{SCOPE_LABEL}={}", scope.labels()[SCOPE_LABEL]))
}

/// The test image's id.
async fn test_image_id(engine: &Engine) -> String {
    test_image(engine).await;
    let image: serde_json::Value = engine
        .docker
        .get(&format!("/images/{TEST_IMAGE}/json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    image["Id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn info_and_version_describe_the_engine() {
    let Some(engine) = engine().await else { return };
    let version = engine.docker.version().await.unwrap();
    assert_eq!(
        version.api_version.as_deref(),
        Some(engine.api_version.to_string().as_str()),
        "{engine}"
    );
    assert_eq!(version.version.as_deref(), Some(engine.version.as_str()));
    let info = engine.docker.info().await.unwrap();
    assert!(
        info.images.unwrap_or(0) >= 1,
        "{engine}: the test image at least"
    );
    assert!(info.id.is_some_and(|id| !id.is_empty()), "{engine}");
    let ping = engine.docker.ping().await.unwrap();
    assert!(ping.api_version().is_some(), "{engine}");
}

#[tokio::test]
async fn df_reports_the_test_image_and_a_created_volume() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "sys-df");
    let image = test_image_id(&engine).await;
    let volume = engine
        .docker
        .volumes()
        .create(
            &VolumeSpec::new()
                .name(scope.name("df"))
                .labels(scope.labels()),
        )
        .await
        .unwrap()
        .volume;
    let df = df_settled(&engine).await;
    // Podman lists image ids without the `sha256:` prefix
    let bare = |id: &str| id.trim_start_matches("sha256:").to_owned();
    let listed = df.images.iter().find(|i| bare(&i.id) == bare(&image));
    let listed = listed.unwrap_or_else(|| panic!("{engine}: {image} not in df"));
    // the static busybox is about 2 MB
    assert!(listed.size > 1_000_000, "{engine}: {}", listed.size);
    let v = df.volumes.iter().find(|v| v.name == volume.name());
    let v = v.unwrap_or_else(|| panic!("{engine}: {} not in df", volume.name()));
    let usage = v.usage_data.as_ref().expect("df gives volumes their usage");
    assert_eq!(usage.ref_count, 0, "{engine}: no container uses it");

    let volumes_only = DfOptions::new().kind(SystemDataUsageTypeItem::Volume);
    match engine.docker.df_with(&volumes_only).await {
        Ok(df) => {
            assert!(df.images.is_empty(), "{engine}: only volumes asked for");
            assert!(
                df.volumes.iter().any(|v| v.name == volume.name()),
                "{engine}"
            );
        }
        Err(e) => {
            // `type` is API 1.42: refused before sending at 1.41
            assert!(engine.api_version < ApiVersion::new(1, 42), "{engine}: {e}");
            assert_eq!(e.kind(), ErrorKind::VersionMismatch, "{engine}: {e}");
            assert!(e.status().is_none(), "{engine}: nothing was sent: {e}");
        }
    }
}

/// `GET /system/df`, again while it fails on a volume that went away: Podman 4.3
/// lists the volumes, then measures each one's `_data` directory, and one
/// that another test removes in between fails the whole call (a 500, "lstat
/// .../volumes/NAME/_data: no such file or directory", seen in CI).
async fn df_settled(engine: &Engine) -> wharf::api::types::SystemDataUsageResponse {
    for _ in 0..10 {
        match engine.docker.df().await {
            Err(e)
                if e.kind() == ErrorKind::Server
                    && e.message()
                        .is_some_and(|m| m.contains("no such file or directory")) =>
            {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            answer => return answer.unwrap(),
        }
    }
    panic!("{engine}: /system/df kept failing on volumes that went away");
}

#[tokio::test]
async fn system_prune_on_a_labeled_set_leaves_everything_else_alone() {
    let Some(engine) = engine().await else { return };
    let target = Scope::new(&engine, "sys-prune-target");
    let bystander = Scope::new(&engine, "sys-prune-bystander");
    let image = test_image(&engine).await;
    let mut made = Vec::new();
    for scope in [&target, &bystander] {
        let spec = ContainerSpec::new(image)
            .name(scope.name("c"))
            .cmd(["true"])
            .labels(scope.labels());
        let c = engine
            .docker
            .containers()
            .create(&spec)
            .await
            .unwrap()
            .container;
        let n = engine
            .docker
            .networks()
            .create(&NetworkSpec::new(scope.name("n")).labels(scope.labels()))
            .await
            .unwrap()
            .network;
        // anonymous: a volume prune spares named volumes from API 1.42
        let v = engine
            .docker
            .volumes()
            .create(&VolumeSpec::new().labels(scope.labels()))
            .await
            .unwrap()
            .volume;
        made.push((c, n, v));
    }
    let options = SystemPruneOptions::new()
        .filters(scope_filter(&target))
        .volumes(true);
    let pruned = engine.docker.system_prune(&options).await.unwrap();

    let (c, n, v) = &made[0];
    let c_id = c.inspect().await.unwrap_err();
    assert_eq!(
        c_id.kind(),
        ErrorKind::NotFound,
        "{engine}: the container went"
    );
    assert_eq!(
        pruned.containers.containers_deleted.len(),
        1,
        "{engine}: {pruned:?}"
    );
    assert_eq!(
        n.inspect().await.unwrap_err().kind(),
        ErrorKind::NotFound,
        "{engine}"
    );
    assert_eq!(
        pruned.networks.networks_deleted.len(),
        1,
        "{engine}: {pruned:?}"
    );
    let volumes = pruned.volumes.as_ref().unwrap();
    assert_eq!(volumes.volumes_deleted, [v.name()], "{engine}");
    assert_eq!(v.inspect().await.unwrap_err().kind(), ErrorKind::NotFound);
    assert!(
        pruned.images.images_deleted.is_empty(),
        "{engine}: {pruned:?}"
    );

    let (c, n, v) = &made[1];
    c.inspect().await.unwrap();
    n.inspect().await.unwrap();
    v.inspect().await.unwrap();
    test_image_id(&engine).await;
}

/// A client of the engine's endpoint with API 1.41 pinned (what Docker 20.10 speaks).
fn pinned_1_41(engine: &Engine) -> Docker {
    Docker::builder()
        .endpoint(engine.docker.endpoint().clone())
        .api_version(ApiVersion::new(1, 41))
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_option_newer_than_the_api_version_is_refused_before_sending() {
    let Some(engine) = engine().await else { return };
    if engine.flavor == Flavor::Podman {
        // Podman's compat API is 1.41: the negotiated version is what is checked
        eprintln!("{engine}: negotiated 1.41, as pinned elsewhere");
    }
    let scope = Scope::new(&engine, "sys-since");
    // negotiated 1.41 on Docker 20.10 and Podman; pinned 1.41 on Docker 28
    let docker = if engine.api_version <= ApiVersion::new(1, 41) {
        engine.docker.clone()
    } else {
        pinned_1_41(&engine)
    };
    assert_eq!(docker.api_version().await.unwrap(), ApiVersion::new(1, 41));
    let spec = ContainerSpec::new(test_image(&engine).await)
        .name(scope.name("c"))
        .cmd(["sh", "-c", "while :; do sleep 0.1; done"])
        .labels(scope.labels());
    let c = docker.containers().run(&spec).await.unwrap().container;
    // `signal` of a stop is API 1.42: at 1.41 the daemon would stop with SIGTERM
    let e = c
        .stop_with(
            &StopOptions::new()
                .signal("SIGKILL")
                .grace(Duration::from_secs(1)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VersionMismatch, "{engine}: {e}");
    let text = e.to_string();
    assert!(
        text.contains("`signal` parameter of ContainerStop"),
        "{text}"
    );
    assert!(
        text.contains("API 1.42") && text.contains("API 1.41"),
        "{text}"
    );
    assert!(e.status().is_none(), "nothing was sent: {e}");
    let state = c.inspect().await.unwrap().state.unwrap();
    assert_eq!(state.running, Some(true), "{engine}: the stop was not sent");
    // without it, the stop goes
    c.stop_with(&StopOptions::new().grace(Duration::from_secs(1)))
        .await
        .unwrap();
    // a body field: `EnableIPv4` of a network is API 1.48
    let e = docker
        .networks()
        .create(
            &NetworkSpec::new(scope.name("n"))
                .ipv4(true)
                .labels(scope.labels()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VersionMismatch, "{engine}: {e}");
    assert!(
        e.to_string()
            .contains("`EnableIPv4` field of NetworkCreate"),
        "{e}"
    );
    let none = docker.networks().list(&scope_filter(&scope)).await.unwrap();
    assert!(none.is_empty(), "{engine}: nothing created: {none:?}");
}

#[tokio::test]
async fn events_tell_what_happened_to_a_volume() {
    use futures_util::TryStreamExt;
    use wharf::api::types::EventMessageType;
    use wharf::events::EventsOptions;

    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "sys-events");
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 1;
    let name = scope.name("v");
    let volume = engine
        .docker
        .volumes()
        .create(&VolumeSpec::new().name(&name).labels(scope.labels()))
        .await
        .unwrap()
        .volume;
    volume.remove().await.unwrap();
    // (Podman 4.3 sends no network events, and names a volume in its attributes only)
    let options = EventsOptions::new()
        .since(since.to_string())
        .until((since + 60).to_string())
        .of_type(EventMessageType::Volume);
    let mut events = engine.docker.events(options).await.unwrap();
    let mut actions = Vec::new();
    // past events are replayed at once; the stream then stays open until `until`
    while let Ok(Ok(Some(event))) =
        tokio::time::timeout(Duration::from_secs(5), events.try_next()).await
    {
        assert_eq!(event.type_, Some(EventMessageType::Volume), "{engine}");
        let actor = event.actor.unwrap_or_default();
        let named = actor.id.as_deref() == Some(name.as_str())
            || actor.attributes.get("name") == Some(&name);
        if named {
            actions.push(event.action.unwrap_or_default());
        }
        // Podman says `remove` where Docker says `destroy`
        if actions.iter().any(|a| a == "destroy" || a == "remove") {
            break;
        }
    }
    assert_eq!(
        actions.first().map(String::as_str),
        Some("create"),
        "{engine}: {actions:?}"
    );
    assert!(
        actions.iter().any(|a| a == "destroy" || a == "remove"),
        "{engine}: {actions:?}"
    );
}

#[tokio::test]
async fn plugins_list_through_the_typed_call() {
    let Some(engine) = engine().await else { return };
    match engine
        .docker
        .plugins(&Filters::new().add("enabled", "true"))
        .await
    {
        // the project's engines have none installed
        Ok(plugins) => assert!(plugins.is_empty(), "{engine}: {plugins:?}"),
        Err(e) => {
            assert_eq!(engine.flavor, Flavor::Podman, "{engine}: {e}");
            eprintln!("{engine}: Podman serves no plugin API");
            assert_eq!(e.kind(), ErrorKind::NotFound, "{engine}: {e}");
            assert!(
                e.message().is_some_and(|m| m.contains("not supported")),
                "{e}"
            );
        }
    }
}
