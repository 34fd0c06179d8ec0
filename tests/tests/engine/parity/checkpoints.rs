//! Checkpoints, where the engine serves them (experimental, with CRIU).

use wharf::container::CheckpointOptions;
use wharf::ErrorKind;
use wharf_tests::engine::{engine, Scope};

use super::{note, run, spec, IDLE};

#[tokio::test]
async fn checkpoints_are_made_listed_and_removed_where_the_engine_can() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "checkpoints");
    let c = run(&engine, &spec(&engine, &scope, "c", IDLE).await).await;
    let name = "wharf-cp";
    let made = c
        .checkpoint_with(&CheckpointOptions::new(name).leave_running(true))
        .await;
    if let Err(e) = made {
        // Without `--experimental` the route does not exist (404); without
        // CRIU the daemon fails (500). Podman's compatible API has neither.
        note(&engine, &format!("no checkpoints here: {e}"));
        assert!(
            matches!(
                e.kind(),
                ErrorKind::NotFound | ErrorKind::Server | ErrorKind::InvalidArgument
            ),
            "{engine}: {e}"
        );
        let listed = c.checkpoints(None).await.unwrap_err();
        assert_eq!(listed.kind(), e.kind(), "{engine}: {listed}");
        return;
    }
    let names: Vec<_> = c
        .checkpoints(None)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|cp| cp.name)
        .collect();
    assert_eq!(names, [name], "{engine}");
    assert_eq!(
        c.inspect().await.unwrap().state.unwrap().running,
        Some(true)
    );
    c.remove_checkpoint(name, None).await.unwrap();
    assert!(c.checkpoints(None).await.unwrap().is_empty(), "{engine}");
}
