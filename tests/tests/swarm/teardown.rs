//! The swarm itself: init with options, inspect, tokens and unlock key rotated,
//! autolock, unlock, join refused, and leave with force returning the engine to a
//! normal (non-swarm) state. Named to sort last: run one at a time, it is the last
//! test and leaves the engine as it found it.

use wharf::swarm::{InitOptions, JoinOptions, Role, SwarmUpdate};
use wharf::{ErrorKind, Filters};

use crate::{node_state, swarm_addr, swarm_engine, SWARM};

#[tokio::test]
async fn init_update_unlock_and_leave() {
    let Some(engine) = swarm_engine().await else {
        return;
    };
    let _alone = SWARM.write().await;
    let swarm = engine.docker.swarm();
    if node_state(&engine.docker).await != "inactive" {
        swarm.leave(true).await.unwrap();
    }
    // Not in a swarm: a manager's calls are unavailable, in the daemon's words.
    let e = swarm.inspect().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    assert!(
        e.message().unwrap_or("").contains("not a swarm manager"),
        "{e}"
    );

    let options = InitOptions::new()
        .listen_addr("0.0.0.0:2377")
        .advertise_addr(swarm_addr())
        .default_addr_pool("10.40.0.0/16")
        .subnet_size(26)
        .data_path_port(4790)
        .autolock(true);
    let node_id = swarm.init(&options).await.unwrap();
    assert_eq!(node_state(&engine.docker).await, "active");
    let inspected = swarm.inspect().await.unwrap();
    assert_eq!(inspected.default_addr_pool, ["10.40.0.0/16"]);
    assert_eq!(inspected.subnet_size, Some(26));
    assert_eq!(inspected.data_path_port, Some(4790));
    let autolock = |s: &wharf::api::types::Swarm| {
        s.spec
            .as_ref()
            .and_then(|s| s.encryption_config.as_ref())
            .and_then(|e| e.auto_lock_managers)
    };
    assert_eq!(autolock(&inspected), Some(true));

    // The one node is this one, a manager at the advertised address.
    let nodes = engine
        .docker
        .nodes()
        .list(&Filters::new().add("role", "manager"))
        .await
        .unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0].id.as_deref(), Some(node_id.as_str()));
    let me = engine.docker.node("self").inspect().await.unwrap();
    assert_eq!(me.spec.unwrap().role, Some(Role::Manager));
    assert_eq!(me.status.unwrap().addr.as_deref(), Some(swarm_addr()));

    // Tokens and the unlock key, each rotated alone.
    let tokens = swarm.join_tokens().await.unwrap();
    let (worker, manager) = (tokens.worker.unwrap(), tokens.manager.unwrap());
    assert!(worker.starts_with("SWMTKN-1-"), "{worker}");
    let key = swarm
        .unlock_key()
        .await
        .unwrap()
        .expect("an unlock key with autolock");
    assert!(key.starts_with("SWMKEY-1-"), "{key}");
    swarm
        .update(SwarmUpdate::new().rotate_worker_token())
        .await
        .unwrap();
    let after = swarm.join_tokens().await.unwrap();
    assert_ne!(after.worker.as_deref(), Some(worker.as_str()));
    assert_eq!(after.manager.as_deref(), Some(manager.as_str()));
    swarm
        .update(SwarmUpdate::new().rotate_manager_token())
        .await
        .unwrap();
    assert_ne!(
        swarm.join_tokens().await.unwrap().manager.as_deref(),
        Some(manager.as_str())
    );
    swarm
        .update(SwarmUpdate::new().rotate_unlock_key())
        .await
        .unwrap();
    let new_key = swarm.unlock_key().await.unwrap().unwrap();
    assert_ne!(new_key, key);

    // Unlocking a manager that is not locked is refused.
    let e = swarm.unlock(new_key.clone()).await.unwrap_err();
    assert!(e.message().unwrap_or("").contains("not locked"), "{e}");

    // A spec change: labels, then autolock off (no key any more).
    swarm
        .update(SwarmUpdate::new().with_spec(|s| {
            s.labels.insert("wharf-test".into(), "1".into());
        }))
        .await
        .unwrap();
    swarm
        .update(SwarmUpdate::new().autolock(false))
        .await
        .unwrap();
    let inspected = swarm.inspect().await.unwrap();
    assert_eq!(
        inspected
            .spec
            .as_ref()
            .unwrap()
            .labels
            .get("wharf-test")
            .map(String::as_str),
        Some("1")
    );
    assert_eq!(autolock(&inspected), Some(false));
    assert_eq!(swarm.unlock_key().await.unwrap(), None);

    // Already in a swarm: joining another is refused.
    let e = swarm
        .join(&JoinOptions::new(worker, ["127.0.0.1:2377"]))
        .await
        .unwrap_err();
    assert!(
        e.message()
            .unwrap_or("")
            .contains("already part of a swarm"),
        "{e}"
    );

    // A manager leaves only by force, which returns the engine to normal.
    let e = swarm.leave(false).await.unwrap_err();
    assert!(e.message().unwrap_or("").contains("--force"), "{e}");
    swarm.leave(true).await.unwrap();
    assert_eq!(node_state(&engine.docker).await, "inactive");
    assert_eq!(
        swarm.inspect().await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert!(engine
        .docker
        .services()
        .list(&Default::default())
        .await
        .is_err());
}
