//! `update` with every resource it sends, checked in the container's cgroup.

use wharf::container::{Resources, Restart};
use wharf_tests::engine::{engine, Flavor, Scope};

use super::{note, run, sh, spec, IDLE};

/// The first of `paths` (cgroup v1, then v2) that exists in the container, read.
async fn cgroup(
    engine: &wharf_tests::engine::Engine,
    c: &wharf::Container,
    paths: &[&str],
) -> String {
    let script = paths
        .iter()
        .map(|p| format!("[ -e {p} ] && exec cat {p}"))
        .collect::<Vec<_>>()
        .join("; ");
    sh(engine, c, &format!("{script}; exit 1"))
        .await
        .trim()
        .to_owned()
}

#[tokio::test]
async fn update_changes_every_resource_it_sends() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "update-all");
    let c = run(&engine, &spec(&engine, &scope, "c", IDLE).await).await;
    let update = Resources::new()
        .memory("64m")
        .memory_swap("128m")
        .memory_reservation("32m")
        .cpu_shares(512)
        .cpuset_cpus("0")
        .pids_limit(42)
        .restart(Restart::OnFailure {
            max_retries: Some(2),
        });
    let warnings = c.update(&update).await;
    if engine.flavor == Flavor::Podman {
        if let Err(e) = &warnings {
            note(
                &engine,
                &format!("Podman 4.3's compatible update refuses: {e}"),
            );
            return;
        }
    }
    warnings.unwrap();
    let host = c.inspect().await.unwrap().host_config.unwrap();
    assert_eq!(host.memory, Some(64 << 20), "{engine}");
    assert_eq!(host.memory_reservation, Some(32 << 20), "{engine}");
    assert_eq!(host.cpu_shares, Some(512), "{engine}");
    assert_eq!(host.cpuset_cpus.as_deref(), Some("0"), "{engine}");
    assert_eq!(host.pids_limit, Some(42), "{engine}");
    let policy = host.restart_policy.unwrap();
    assert_eq!(policy.name.unwrap().as_str(), "on-failure", "{engine}");
    assert_eq!(policy.maximum_retry_count, Some(2), "{engine}");

    // The kernel's view, from inside the container.
    let pids = cgroup(
        &engine,
        &c,
        &["/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/pids.max"],
    )
    .await;
    assert_eq!(pids, "42", "{engine}");
    let cpus = cgroup(
        &engine,
        &c,
        &[
            "/sys/fs/cgroup/cpuset/cpuset.cpus",
            "/sys/fs/cgroup/cpuset.cpus",
        ],
    )
    .await;
    assert_eq!(cpus, "0", "{engine}");
    let soft = cgroup(
        &engine,
        &c,
        &[
            "/sys/fs/cgroup/memory/memory.soft_limit_in_bytes",
            "/sys/fs/cgroup/memory.low",
        ],
    )
    .await;
    assert_eq!(soft, (32u64 << 20).to_string(), "{engine}");
    let limit = cgroup(
        &engine,
        &c,
        &[
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory.max",
        ],
    )
    .await;
    assert_eq!(limit, (64u64 << 20).to_string(), "{engine}");

    // Block I/O weight needs a weighing I/O scheduler (CFQ, BFQ): where the
    // kernel has none the daemon warns or refuses, and says so.
    match c.update(&Resources::new().blkio_weight(300)).await {
        Ok(warnings) if warnings.is_empty() => {
            let host = c.inspect().await.unwrap().host_config.unwrap();
            assert_eq!(host.blkio_weight, Some(300), "{engine}");
        }
        Ok(warnings) => note(&engine, &format!("blkio weight not applied: {warnings:?}")),
        Err(e) => note(&engine, &format!("blkio weight refused: {e}")),
    }
}
