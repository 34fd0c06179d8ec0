//! Volumes, checked by what containers can then do with them: a file written by one is
//! read by another; a volume in use stays; prune takes only what its filter names.

use wharf::container::{ContainerSpec, HostSpec, RemoveOptions};
use wharf::volume::{PruneOptions, Volume, VolumeSpec};
use wharf::{ErrorKind, Filters};
use wharf_tests::engine::{engine, exit_code, test_image, Engine, Scope, SCOPE_LABEL};

fn scope_filter(scope: &Scope) -> Filters {
    Filters::new().label(format!("{SCOPE_LABEL}={}", scope.labels()[SCOPE_LABEL]))
}

async fn create_volume(engine: &Engine, scope: &Scope, spec: VolumeSpec) -> Volume {
    engine
        .docker
        .volumes()
        .create(&spec.labels(scope.labels()))
        .await
        .unwrap_or_else(|e| panic!("{engine}: creating a volume: {e}"))
        .volume
}

#[tokio::test]
async fn a_file_written_into_a_volume_by_one_container_is_read_by_a_second() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "vol-share");
    let data = create_volume(&engine, &scope, VolumeSpec::new().name(scope.name("data"))).await;
    let empty = create_volume(&engine, &scope, VolumeSpec::new().name(scope.name("empty"))).await;
    let token = format!("token-{}", std::process::id());
    let write = format!("echo {token} > /data/greeting");
    let host = HostSpec::new().mount(data.mount("/data"));
    assert_eq!(
        exit_code(&engine, &scope, host, &write).await,
        0,
        "{engine}"
    );
    // read-only, through the -v form this time
    let read = format!("grep -qx {token} /seed/greeting && ! touch /seed/other");
    let host = HostSpec::new().bind(data.bind("/seed") + ":ro");
    assert_eq!(exit_code(&engine, &scope, host, &read).await, 0, "{engine}");
    let host = HostSpec::new().mount(empty.mount_read_only("/seed"));
    assert_ne!(
        exit_code(&engine, &scope, host, &read).await,
        0,
        "{engine}: another volume"
    );
    let inspected = data.inspect().await.unwrap();
    assert_eq!(inspected.name, data.name());
    assert_eq!(inspected.labels[SCOPE_LABEL], scope.labels()[SCOPE_LABEL]);
}

#[tokio::test]
async fn a_volume_in_use_cannot_be_removed_and_can_after_the_container_goes() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "vol-busy");
    let data = create_volume(&engine, &scope, VolumeSpec::new().name(scope.name("busy"))).await;
    let spec = ContainerSpec::new(test_image(&engine).await)
        .name(scope.name("user"))
        .cmd(["true"])
        .labels(scope.labels())
        .host(HostSpec::new().mount(data.mount("/data")));
    let user = engine
        .docker
        .containers()
        .create(&spec)
        .await
        .unwrap()
        .container;
    let id = user.inspect().await.unwrap().id.unwrap();
    let e = data.remove().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{engine}: {e}");
    // Docker: "remove NAME: volume is in use - [ID]"; Podman: "volume NAME is being used
    // by the following container(s): ID: volume is being used"
    let message = e.message().unwrap_or_default();
    assert!(message.contains(data.name()), "{engine}: {e}");
    assert!(
        message.contains(&id[..12]),
        "{engine}: names the container: {e}"
    );
    data.inspect().await.unwrap();
    user.remove_with(&RemoveOptions::new()).await.unwrap();
    data.remove().await.unwrap();
    assert_eq!(
        data.inspect().await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn list_and_prune_take_only_what_their_filters_name() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "vol-prune");
    let doomed = create_volume(
        &engine,
        &scope,
        VolumeSpec::new()
            .name(scope.name("doomed"))
            .label("org.wharf.test.prune", scope.name("p")),
    )
    .await;
    let kept = create_volume(&engine, &scope, VolumeSpec::new().name(scope.name("kept"))).await;
    let volumes = engine.docker.volumes();
    let listed = volumes.list(&scope_filter(&scope)).await.unwrap().volumes;
    assert_eq!(listed.len(), 2, "{engine}: {listed:?}");
    // (Podman 4.3 takes a volume matching any of several filter keys: the name alone)
    let by_name = volumes
        .list(&Filters::new().name(kept.name()))
        .await
        .unwrap()
        .volumes;
    assert_eq!(by_name.len(), 1, "{engine}: {by_name:?}");
    assert_eq!(by_name[0].name, kept.name());

    // named volumes: `all` where the engine spares them otherwise (API 1.42 and later)
    let options = PruneOptions::new()
        .all(true)
        // one label value: Podman 4.3 takes volumes matching any of several
        .filters(Filters::new().label(format!("org.wharf.test.prune={}", scope.name("p"))));
    let pruned = volumes.prune(&options).await.unwrap();
    assert_eq!(pruned.volumes_deleted, [doomed.name()], "{engine}");
    assert_eq!(
        doomed.inspect().await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    kept.inspect().await.unwrap();
}
