//! Services and their tasks: replicas, scale, rolling update and rollback, a
//! published port, a drained node.

use std::io::{Read, Write};
use std::time::Duration;

use wharf::api::types::{Task, TaskState};
use wharf::swarm::{Availability, NodeUpdate, PublishedPort, ServiceListOptions, UpdateConfig};
use wharf::{ErrorKind, Filters};

use crate::{create, image_id, setup, swarm_addr, swarm_engine, Setup, SwarmScope, SWARM};

const WAIT: Duration = Duration::from_secs(60);

fn env_of(task: &Task) -> Vec<String> {
    task.spec
        .as_ref()
        .and_then(|s| s.container_spec.as_ref())
        .map(|c| c.env.clone())
        .unwrap_or_default()
}

/// The tasks wanted running that run.
fn running(all: &[Task]) -> Vec<&Task> {
    let state = |t: &Task| t.status.as_ref().and_then(|s| s.state.clone());
    all.iter()
        .filter(|t| t.desired_state == Some(TaskState::Running))
        .filter(|t| state(t) == Some(TaskState::Running))
        .collect()
}

#[tokio::test]
async fn replicas_scale_update_and_rollback() {
    let Some(Setup {
        engine,
        scope,
        image,
        ..
    }) = setup("swarm-replicas").await
    else {
        return;
    };
    let quick = UpdateConfig::new()
        .parallelism(0)
        .monitor(Duration::from_millis(500));
    let spec = scope
        .service(&image, "svc", "sleep 3600")
        .replicas(2)
        .env("GENERATION", "one")
        .update_config(quick.clone())
        .rollback_config(quick);
    let service = create(&engine, &spec).await;

    let tasks = service.wait_running(WAIT).await.unwrap();
    assert_eq!(tasks.len(), 2, "{engine}");
    let slots: Vec<i64> = {
        let mut s: Vec<i64> = tasks.iter().filter_map(|t| t.slot).collect();
        s.sort();
        s
    };
    assert_eq!(slots, [1, 2]);

    service.scale(3).await.unwrap();
    let tasks = service.wait_running(WAIT).await.unwrap();
    assert_eq!(tasks.len(), 3);
    let listed = engine
        .docker
        .services()
        .list(
            &ServiceListOptions::new()
                .status(true)
                .filters(scope.filters()),
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let status = listed[0].service_status.clone().unwrap();
    assert_eq!(
        (status.running_tasks, status.desired_tasks),
        (Some(3), Some(3))
    );

    // An env change replaces every task; the old ones are shut down.
    let old: Vec<String> = tasks.iter().filter_map(|t| t.id.clone()).collect();
    service
        .modify(|s| s.env("GENERATION", "two"))
        .await
        .unwrap();
    let rolled = service
        .wait_for(WAIT, |all| {
            let running = running(all);
            let new = running
                .iter()
                .all(|t| env_of(t).contains(&"GENERATION=two".to_owned()));
            (running.len() == 3 && new).then(|| {
                running
                    .iter()
                    .filter_map(|t| t.id.clone())
                    .collect::<Vec<_>>()
            })
        })
        .await
        .unwrap();
    assert!(
        rolled.iter().all(|id| !old.contains(id)),
        "{rolled:?} {old:?}"
    );

    // The rollback brings the previous spec back, and tasks with it.
    service.rollback().await.unwrap();
    service
        .wait_for(WAIT, |all| {
            let running = running(all);
            (running.len() == 3
                && running
                    .iter()
                    .all(|t| env_of(t).contains(&"GENERATION=one".to_owned())))
            .then_some(())
        })
        .await
        .unwrap();
    let spec = service.inspect().await.unwrap().spec.unwrap();
    let env = spec.task_template.unwrap().container_spec.unwrap().env;
    assert!(env.contains(&"GENERATION=one".to_owned()), "{env:?}");

    service.remove().await.unwrap();
    let e = service.inspect().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
}

#[tokio::test]
async fn a_failing_task_ends_the_wait_with_its_error() {
    let Some(Setup {
        engine,
        scope,
        image,
        ..
    }) = setup("swarm-failing").await
    else {
        return;
    };
    // a command that is not there: the container never starts
    let spec = scope
        .service(&image, "svc", "unused")
        .command(["/no/such/program"]);
    let service = create(&engine, &spec).await;
    let e = service.wait_running(WAIT).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TaskFailed, "{e}");
    assert!(
        e.message().unwrap_or("").contains("/no/such/program"),
        "{e}"
    );

    // A global service runs one task on the one node.
    let global = scope.service(&image, "global", "sleep 3600").global();
    let global = create(&engine, &global).await;
    assert_eq!(global.wait_running(WAIT).await.unwrap().len(), 1);
    // the daemon kept it as global (`"Global": {}`), and says so
    let mode = global.inspect().await.unwrap().spec.unwrap().mode.unwrap();
    assert!(
        mode.global.is_some() && mode.replicated.is_none(),
        "{mode:?}"
    );
}

#[tokio::test]
async fn a_port_published_in_host_mode_answers_on_the_node() {
    let Some(Setup {
        engine,
        scope,
        image,
        ..
    }) = setup("swarm-port").await
    else {
        return;
    };
    let port = 20000 + (std::process::id() % 10000) as u16;
    let spec = scope
        .service(
            &image,
            "web",
            "mkdir /www && echo hello-from-swarm > /www/index.html && exec httpd -f -p 8080 -h /www",
        )
        // no IPVS on this kernel: no routing mesh, no virtual IP
        .publish(PublishedPort::tcp(8080).published(port).host_mode())
        .dns_round_robin();
    let service = create(&engine, &spec).await;
    service.wait_running(WAIT).await.unwrap();

    let node = engine.docker.node("self").inspect().await.unwrap();
    assert_eq!(
        node.status.and_then(|s| s.addr).as_deref(),
        Some(swarm_addr())
    );
    let body = tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let got = (|| -> std::io::Result<String> {
                let mut c = std::net::TcpStream::connect((swarm_addr(), port))?;
                c.set_read_timeout(Some(Duration::from_secs(5)))?;
                c.write_all(b"GET /index.html HTTP/1.0\r\n\r\n")?;
                let mut answer = String::new();
                c.read_to_string(&mut answer)?;
                Ok(answer)
            })();
            match got {
                Ok(answer) if answer.contains("200") => return answer,
                _ if std::time::Instant::now() > deadline => panic!("no answer on {port}: {got:?}"),
                _ => std::thread::sleep(Duration::from_millis(250)),
            }
        }
    })
    .await
    .unwrap();
    assert!(body.contains("hello-from-swarm"), "{body}");
}

#[tokio::test]
async fn a_drained_node_leaves_its_tasks_pending_with_the_reason() {
    let Some(engine) = swarm_engine().await else {
        return;
    };
    // Holds the swarm alone: a drained node would stop the other tests' tasks too.
    let guard = crate::shared_swarm(&engine).await;
    drop(guard);
    let _alone = SWARM.write().await;
    let scope = SwarmScope::new(&engine, "swarm-drain");
    let image = image_id(&engine).await;
    let spec = scope.service(&image, "svc", "sleep 3600");
    let service = create(&engine, &spec).await;
    service.wait_running(WAIT).await.unwrap();

    let node = engine.docker.node("self");
    node.update(
        &NodeUpdate::new()
            .availability(Availability::Drain)
            .label("wharf-test", "drain"),
    )
    .await
    .unwrap();
    let pending = service
        .wait_for(WAIT, |all| {
            all.iter().find_map(|t| {
                let s = t.status.as_ref()?;
                let wanted = t.desired_state == Some(TaskState::Running);
                (wanted && s.state == Some(TaskState::Pending))
                    .then(|| s.err.clone().unwrap_or_default())
            })
        })
        .await;
    let inspected = node.inspect().await.unwrap().spec.unwrap();
    // back to normal before any assertion can fail
    node.update(
        &NodeUpdate::new()
            .availability(Availability::Active)
            .remove_label("wharf-test"),
    )
    .await
    .unwrap();
    let pending = pending.unwrap();
    assert!(pending.contains("no suitable node"), "{pending}");
    assert_eq!(inspected.availability, Some(Availability::Drain));
    assert_eq!(
        inspected.labels.get("wharf-test").map(String::as_str),
        Some("drain")
    );

    service.wait_running(WAIT).await.unwrap();
    let after = node.inspect().await.unwrap().spec.unwrap();
    assert_eq!(after.availability, Some(Availability::Active));
    assert!(!after.labels.contains_key("wharf-test"));
    let tasks = service
        .tasks(Filters::new().add("desired-state", "running"))
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);
}
