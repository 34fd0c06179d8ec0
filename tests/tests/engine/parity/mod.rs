//! The container and exec calls that bollard, docker-py and aiodocker have,
//! each checked by its effect on the engine. Shared helpers here; one file
//! per concern.

use std::io::Write;

use wharf::container::ContainerSpec;
use wharf::Container;
use wharf_tests::engine::{test_image, Engine, Scope};

mod checkpoints;
mod create_typed;
mod exec_handle;
mod listing;
mod logs_view;
mod stats_usage;
mod update;

/// Runs until stopped; `sleep` in a loop so that a stop's SIGTERM (which
/// `sh` as PID 1 ignores) does not hold a test for the grace period.
const IDLE: &str = "while :; do sleep 0.1; done";

/// A spec of the test image running `script` with `sh -c`, named and
/// labeled for `scope`.
async fn spec(engine: &Engine, scope: &Scope, what: &str, script: &str) -> ContainerSpec {
    ContainerSpec::new(test_image(engine).await)
        .name(scope.name(what))
        .cmd(["sh", "-c", script])
        .labels(scope.labels())
}

/// Runs `spec` and returns the container.
async fn run(engine: &Engine, spec: &ContainerSpec) -> Container {
    engine
        .docker
        .containers()
        .run(spec)
        .await
        .unwrap_or_else(|e| panic!("{engine}: running {spec:?}: {e}"))
        .container
}

/// The stdout of `script` run with `sh -c` in `c`, which must succeed.
async fn sh(engine: &Engine, c: &Container, script: &str) -> String {
    let out = c.exec_output(["sh", "-c", script]).await.unwrap();
    assert_eq!(
        out.exit_code,
        0,
        "{engine}: {script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Says on stderr how this engine differs, and why.
fn note(engine: &Engine, why: &str) {
    let _ = writeln!(std::io::stderr(), "on {engine}: {why}");
}
