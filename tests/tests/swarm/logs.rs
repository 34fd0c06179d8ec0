//! Service and task logs: each task's output, stdout and stderr apart, the task's
//! context with details, and a follow that ends when the service is removed.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::TryStreamExt;
use wharf::container::LogsOptions;
use wharf::stream::LogOutput;

use crate::{create, setup, Setup};

#[tokio::test]
async fn service_logs_carry_each_task_and_follow_ends_with_the_service() {
    let Some(Setup {
        engine,
        scope,
        image,
        ..
    }) = setup("swarm-logs").await
    else {
        return;
    };
    let spec = scope
        .service(
            &image,
            "svc",
            "echo out-$SLOT; echo err-$SLOT >&2; exec sleep 3600",
        )
        .env("SLOT", "{{.Task.Slot}}")
        .replicas(2);
    let service = create(&engine, &spec).await;
    let tasks = service.wait_running(Duration::from_secs(60)).await.unwrap();
    let task_ids: BTreeSet<String> = tasks.iter().filter_map(|t| t.id.clone()).collect();

    let options = LogsOptions::new().follow(true).details(true);
    let mut logs = service.logs(options).await.unwrap();
    let (mut out, mut err) = (BTreeSet::new(), BTreeSet::new());
    let mut seen_tasks = BTreeSet::new();
    let read = async {
        while out.len() < 2 || err.len() < 2 {
            let piece = logs.try_next().await.unwrap().expect("the log ended early");
            let (text, set) = match &piece {
                LogOutput::Stdout(b) => {
                    (String::from_utf8_lossy(b.as_ref()).into_owned(), &mut out)
                }
                LogOutput::Stderr(b) => {
                    (String::from_utf8_lossy(b.as_ref()).into_owned(), &mut err)
                }
                other => panic!("unexpected piece {other:?}"),
            };
            for line in text.lines() {
                // com.docker.swarm.node.id=...,com.docker.swarm.service.id=...,com.docker.swarm.task.id=... out-1
                let (details, message) = line.split_once(' ').expect("details, then the line");
                let task = details
                    .split(',')
                    .find_map(|kv| kv.strip_prefix("com.docker.swarm.task.id="))
                    .unwrap_or_else(|| panic!("no task id in {line:?}"));
                assert!(details.contains("com.docker.swarm.service.id="), "{line}");
                assert!(details.contains("com.docker.swarm.node.id="), "{line}");
                seen_tasks.insert(task.to_owned());
                set.insert(message.to_owned());
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("both tasks' output within 30 s");
    assert_eq!(
        out,
        BTreeSet::from(["out-1".to_owned(), "out-2".to_owned()])
    );
    assert_eq!(
        err,
        BTreeSet::from(["err-1".to_owned(), "err-2".to_owned()])
    );
    assert_eq!(seen_tasks, task_ids);

    // One task's log alone, without details.
    let one = tasks.iter().find(|t| t.slot == Some(1)).unwrap();
    let task_logs = engine
        .docker
        .task(one.id.clone().unwrap())
        .logs(LogsOptions::new())
        .await
        .unwrap();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    task_logs.copy_to(&mut stdout, &mut stderr).await.unwrap();
    assert_eq!(
        (&stdout[..], &stderr[..]),
        (&b"out-1\n"[..], &b"err-1\n"[..])
    );

    // The follow ends once the service is removed.
    service.remove().await.unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(30), async {
        while logs.try_next().await.unwrap_or(None).is_some() {}
    })
    .await;
    assert!(
        ended.is_ok(),
        "the followed log is still open 30 s after the removal"
    );
}
