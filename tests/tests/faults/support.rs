//! What the suite's cases share: containers without a network, and the accounting
//! of what a client holds.

use serde_json::json;
use wharf::Docker;
use wharf_tests::engine::{started_from, test_image, Engine, Scope};
use wharf_tests::faults::Sample;

/// Creates and starts a container of the test image running `cmd`, with no network
/// (so a second engine configures no bridge) and stdin open, for `scope`.
pub async fn started(engine: &Engine, scope: &Scope, what: &str, cmd: &[&str]) -> String {
    let body = json!({
        "Image": test_image(engine).await,
        "Cmd": cmd,
        "OpenStdin": true,
        "Labels": scope.labels(),
        "HostConfig": { "NetworkMode": "none" },
    });
    started_from(engine, scope, what, &body).await
}

/// The fds a sample holds beyond the client's idle pooled connections: what must come
/// back to its baseline after a fault (pooled connections are the pool's to keep).
pub fn held(sample: Sample, docker: &Docker) -> usize {
    sample.fds.saturating_sub(docker.connections().idle)
}

/// Asserts that `docker` holds no connection beyond its idle ones, and that the
/// process holds no more fds (beyond those) and tasks than at `before` (whose fds
/// beyond idle connections were `held_before`). Returns the sample after.
pub async fn back_to_baseline(
    case: &str,
    docker: &Docker,
    before: Sample,
    held_before: usize,
) -> Sample {
    let after = Sample::settled(
        before,
        docker.connections().idle,
        std::time::Duration::from_secs(3),
    )
    .await;
    let connections = docker.connections();
    assert_eq!(
        connections.open, connections.idle,
        "{case}: a connection is still held by a call that ended: {connections:?}"
    );
    assert!(
        held(after, docker) <= held_before,
        "{case}: fds {} -> {} (idle connections {})",
        before.fds,
        after.fds,
        connections.idle
    );
    assert!(
        after.tasks <= before.tasks,
        "{case}: tasks {} -> {}",
        before.tasks,
        after.tasks
    );
    after
}

/// One case at a time: the cases measure the whole process (fds, memory, tasks), so
/// none may run beside another. Every test takes this first.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}
