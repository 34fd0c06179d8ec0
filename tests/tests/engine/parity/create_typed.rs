//! Creating with typed values: anonymous volumes, binds, published ports,
//! mounts, and a command given as one string.

use std::net::Ipv4Addr;

use wharf::container::{Bind, ContainerSpec, HostPort, HostSpec, Mount, Publish};
use wharf_tests::engine::{engine, test_image, Flavor, Scope};

use super::{note, run, sh};

#[tokio::test]
async fn volumes_binds_ports_and_mounts_take_effect() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "create-typed");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("greeting"), "from the host\n").unwrap();
    // The engine's daemon must see the directory: they share this machine.
    let host_dir = dir.path().to_str().unwrap().to_owned();
    let volume = scope.name("vol");
    let labels = scope.labels();
    // The volume the mount creates carries the scope's labels, for its removal.
    let named = labels
        .iter()
        .fold(Mount::volume(&volume, "/named"), |m, (k, v)| m.label(k, v));
    let spec = ContainerSpec::new(test_image(&engine).await)
        .name(scope.name("c"))
        .labels(labels.clone())
        .command(r#"sh -c 'echo "two words" > /scratch/said; while :; do sleep 0.1; done'"#)
        .volume("/anon")
        .host(
            HostSpec::new()
                .bind(Bind::new(&host_dir, "/bound").read_only())
                .mount(Mount::tmpfs("/scratch").size("8m").mode(0o1770))
                .mount(named)
                .publish_port(
                    Publish::tcp(8080)
                        .host_ip(Ipv4Addr::LOCALHOST)
                        .host_port(HostPort::Any),
                ),
        );
    let c = run(&engine, &spec).await;
    let info = c.inspect().await.unwrap();
    let cmd = info.config.unwrap().cmd;
    assert_eq!(cmd.len(), 3, "{engine}: {cmd:?}");
    assert_eq!(
        cmd[2],
        r#"echo "two words" > /scratch/said; while :; do sleep 0.1; done"#
    );

    // The command ran with its quotes: one line in the tmpfs.
    let said = sh(&engine, &c, "sleep 0.2; cat /scratch/said").await;
    assert_eq!(said, "two words\n", "{engine}");
    let mounts = sh(&engine, &c, "grep ' /scratch ' /proc/mounts").await;
    assert!(mounts.contains("tmpfs"), "{engine}: {mounts}");
    assert!(mounts.contains("size=8192k"), "{engine}: {mounts}");
    assert!(mounts.contains("mode=1770"), "{engine}: {mounts}");

    // The read-only bind shows the host's file and refuses writes.
    let greeting = sh(&engine, &c, "cat /bound/greeting").await;
    assert_eq!(greeting, "from the host\n", "{engine}");
    let write = c.exec_output(["touch", "/bound/new"]).await.unwrap();
    assert_ne!(write.exit_code, 0, "{engine}: the bind is read-only");

    // The anonymous and the named volume.
    let mounted: Vec<_> = info.mounts.iter().collect();
    let anon = mounted
        .iter()
        .find(|m| m.destination.as_deref() == Some("/anon"))
        .unwrap_or_else(|| panic!("{engine}: no /anon mount in {mounted:?}"));
    assert_eq!(
        anon.type_.as_ref().map(|t| t.as_str()),
        Some("volume"),
        "{engine}"
    );
    assert_ne!(anon.name.as_deref(), Some(volume.as_str()));
    let named = mounted
        .iter()
        .find(|m| m.destination.as_deref() == Some("/named"))
        .unwrap_or_else(|| panic!("{engine}: no /named mount in {mounted:?}"));
    assert_eq!(named.name.as_deref(), Some(volume.as_str()), "{engine}");

    // Any free port, on the loopback address only.
    let bindings = c.port("8080").await.unwrap();
    assert_eq!(bindings.len(), 1, "{engine}: {bindings:?}");
    let port: u16 = bindings[0]
        .host_port
        .as_deref()
        .unwrap_or_default()
        .parse()
        .unwrap_or(0);
    assert_ne!(port, 0, "{engine}: the daemon picked a port: {bindings:?}");
    if engine.flavor == Flavor::Podman && bindings[0].host_ip.as_deref() != Some("127.0.0.1") {
        note(
            &engine,
            "Podman reports the binding's host address differently",
        );
    } else {
        assert_eq!(
            bindings[0].host_ip.as_deref(),
            Some("127.0.0.1"),
            "{engine}"
        );
    }
}

#[tokio::test]
async fn a_command_that_does_not_split_never_reaches_the_daemon() {
    let Some(engine) = engine().await else { return };
    let e = engine
        .docker
        .containers()
        .create(&ContainerSpec::new("busybox").command("echo 'unclosed"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), wharf::ErrorKind::InvalidArgument);
    assert!(e.status().is_none(), "{e}");
}
