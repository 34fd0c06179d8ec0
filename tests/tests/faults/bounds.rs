//! Resource bounds: streams dropped at random points, bursts of concurrent calls, a
//! soak, and the ssh processes an `ssh://` client runs. Everything a call held comes
//! back: fds, tasks and connections (beyond the idle ones the pool keeps), and memory
//! does not grow from one round to the next.

use std::time::{Duration, Instant};

use futures_util::{stream, StreamExt};
use tokio::io::AsyncWriteExt;
use wharf::container::{AttachOptions, LogsOptions};
use wharf::exec::{ExecOptions, StartOptions};
use wharf::{Docker, ErrorKind};
use wharf_tests::engine::{engine, Engine, Scope};
use wharf_tests::faults::{Lcg, Row, Sample};

use crate::support::{back_to_baseline, held, started};

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn engine_name(engine: &Engine) -> String {
    format!("{:?} {}", engine.flavor, engine.version)
}

/// One stream (attach, exec or logs) dropped at a random point: before the answer,
/// mid-body, or after closing its stdin.
async fn dropped_stream(docker: &Docker, id: &str, kind: u64, point: u64, delay: Duration) {
    let container = docker.container(id);
    match (kind, point) {
        (_, 0) => {
            // before the answer: the call itself is dropped after `delay`
            let call = async {
                match kind {
                    0 => drop(
                        container
                            .attach(AttachOptions::new().stdout(true).stdin(true))
                            .await,
                    ),
                    1 => {
                        if let Ok(exec) = container
                            .exec(ExecOptions::new(["cat"]).attach_stdin(true))
                            .await
                        {
                            drop(exec.start_attached(StartOptions::new().stdin(true)).await);
                        }
                    }
                    _ => drop(
                        container
                            .logs(LogsOptions::new().follow(true).stdout(true))
                            .await,
                    ),
                }
            };
            let _ = tokio::time::timeout(delay, call).await;
        }
        (2, _) => {
            let mut logs = container
                .logs(LogsOptions::new().follow(true).stdout(true))
                .await
                .unwrap();
            logs.next().await.unwrap().unwrap();
        }
        (kind, point) => {
            let (mut output, mut input) = if kind == 0 {
                container
                    .attach(AttachOptions::new().stdout(true).stdin(true))
                    .await
                    .unwrap()
            } else {
                let exec = container
                    .exec(ExecOptions::new(["cat"]).attach_stdin(true))
                    .await
                    .unwrap();
                let io = exec
                    .start_attached(StartOptions::new().stdin(true))
                    .await
                    .unwrap();
                let mut input = io.1;
                input.write_all(b"hello\n").await.unwrap();
                (io.0, input)
            };
            if point == 2 {
                // after half-close: stdin ended (the daemon may end the stream then)
                input.shutdown().await.unwrap();
            }
            if let Some(item) = output.next().await {
                item.unwrap();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_dropped_at_random_points_leave_nothing_behind() {
    let _serial = crate::support::serial();
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "faults-drops");
    let id = started(
        &engine,
        &scope,
        "chatty",
        &["sh", "-c", "while :; do echo tick; usleep 20000; done"],
    )
    .await;
    let docker = engine.docker.clone();
    // 1000 of each kind by default
    let total = env_count("WHARF_FAULTS_DROPS", 3000);
    let mut rng = Lcg::from_env("streams_dropped_at_random_points");
    let plan: Vec<(u64, u64, Duration)> = (0..total as u64)
        .map(|i| (i % 3, rng.below(3), Duration::from_micros(rng.below(4000))))
        .collect();
    // warm: the version is negotiated, one connection pooled
    dropped_stream(&docker, &id, 2, 1, Duration::ZERO).await;
    let before = Sample::now();
    let held_before = held(before, &docker);
    let started_at = Instant::now();
    stream::iter(plan)
        .for_each_concurrent(16, |(kind, point, delay)| {
            let (docker, id) = (&docker, id.as_str());
            async move { dropped_stream(docker, id, kind, point, delay).await }
        })
        .await;
    let took = started_at.elapsed();
    let case = format!("{total} attach/exec/logs streams dropped at random points");
    let after = back_to_baseline(&case, &docker, before, held_before).await;
    Row::new(&case, &engine_name(&engine), before)
        .outcome(format!(
            "ok in {:.1} s; {} idle pooled",
            took.as_secs_f64(),
            docker.connections().idle
        ))
        .after(after)
        .record();
}

/// `n` concurrent inspects of `id`.
async fn burst(docker: &Docker, id: &str, n: usize) {
    let calls = (0..n).map(|_| async move { docker.container(id).inspect().await.unwrap() });
    futures_util::future::join_all(calls).await;
    assert!(
        docker.connections().open <= 256,
        "{:?}",
        docker.connections()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_after_64_and_512_concurrent_calls_comes_back() {
    let _serial = crate::support::serial();
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "faults-rss");
    let id = started(&engine, &scope, "idle", &["sleep", "3600"]).await;
    let docker = engine.docker.clone();
    burst(&docker, &id, 8).await;
    let before = Sample::now();
    let mut peaks = Vec::new();
    for round in 0..2 {
        for n in [64, 512] {
            burst(&docker, &id, n).await;
            let now = Sample::now();
            peaks.push(now.rss_kib);
            if round == 1 {
                let name = format!("{n} concurrent inspects, second round");
                Row::new(&name, &engine_name(&engine), before)
                    .outcome(format!("ok; {} idle pooled", docker.connections().idle))
                    .after(now)
                    .record();
            }
        }
    }
    let mib = |kib: u64| kib as f64 / 1024.0;
    eprintln!(
        "RSS baseline {:.1} MiB, after 64/512/64/512 concurrent: {:?} MiB",
        mib(before.rss_kib),
        peaks
            .iter()
            .map(|k| format!("{:.1}", mib(*k)))
            .collect::<Vec<_>>()
    );
    // The allocator keeps the high-water mark of the first 512 burst (glibc
    // returns little to the system): the second round must add nothing to it,
    assert!(peaks[2] <= peaks[1] + 2048, "{peaks:?}");
    assert!(peaks[3] <= peaks[1] + 2048, "{peaks:?}");
    // and the mark itself is bounded: 256 connections at most, 128 kept idle
    assert!(
        peaks[1] <= before.rss_kib + 32 * 1024,
        "{} -> {peaks:?}",
        before.rss_kib
    );
    let connections = docker.connections();
    assert_eq!(connections.open, connections.idle);
    assert!(connections.idle <= 128, "{connections:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_of_10k_mixed_calls_does_not_grow() {
    let _serial = crate::support::serial();
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "faults-soak");
    let id = started(
        &engine,
        &scope,
        "talker",
        &["sh", "-c", "seq 1 20; sleep 3600"],
    )
    .await;
    let docker = engine.docker.clone();
    let total = env_count("WHARF_FAULTS_SOAK", 10_000);
    let filter = scope.filter();
    let call = |i: usize| {
        let (docker, id, filter) = (&docker, id.as_str(), filter.as_str());
        async move {
            match i % 6 {
                0 => drop(docker.ping().await.unwrap()),
                1 => drop(docker.container(id).inspect().await.unwrap()),
                2 => {
                    let e = docker
                        .container("wharf-faults-none")
                        .inspect()
                        .await
                        .unwrap_err();
                    assert_eq!(e.kind(), ErrorKind::NotFound);
                }
                3 => drop(
                    docker
                        .get("/containers/json")
                        .query("filters", filter)
                        .send()
                        .await
                        .unwrap()
                        .bytes()
                        .await
                        .unwrap(),
                ),
                4 => {
                    let logs = docker
                        .container(id)
                        .logs(LogsOptions::new().stdout(true).tail(5))
                        .await
                        .unwrap();
                    assert_eq!(logs.count().await, 5);
                }
                _ => drop(
                    docker
                        .get("/version")
                        .send()
                        .await
                        .unwrap()
                        .bytes()
                        .await
                        .unwrap(),
                ),
            }
        }
    };
    let warm = total / 10;
    stream::iter(0..warm).for_each_concurrent(8, call).await;
    let before = Sample::now();
    let held_before = held(before, &docker);
    let started_at = Instant::now();
    stream::iter(warm..total).for_each_concurrent(8, call).await;
    let took = started_at.elapsed();
    let case = format!("soak: {total} mixed calls, 8 at a time");
    let after = back_to_baseline(&case, &docker, before, held_before).await;
    assert!(
        after.rss_kib <= before.rss_kib + 2048,
        "{case}: RSS {} -> {} KiB",
        before.rss_kib,
        after.rss_kib
    );
    Row::new(&case, &engine_name(&engine), before)
        .outcome(format!(
            "ok, {:.0} calls/s after {warm} warm-up calls",
            (total - warm) as f64 / took.as_secs_f64()
        ))
        .after(after)
        .record();
}

/// The live processes among the pids written to `file`, one a line.
fn alive(file: &std::path::Path) -> usize {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
                s.rsplit(')')
                    .next()
                    .is_some_and(|r| !r.trim_start().starts_with('Z'))
            })
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_runs_a_bounded_number_of_ssh_processes() {
    let _serial = crate::support::serial();
    use std::os::unix::fs::PermissionsExt;
    use wharf_tests::server::{engine as fake_engine, Reply, TestServer};
    let have_cli = std::process::Command::new("docker")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_cli {
        assert!(
            std::env::var_os("CI").is_none(),
            "the stand-in ssh needs the docker CLI"
        );
        eprintln!("skipped: the stand-in ssh bridges with `docker system dial-stdio`");
        return;
    }
    let answer = fake_engine("1.51");
    let server = TestServer::unix(move |req| {
        if req.path.ends_with("/info") {
            Reply::json(200, "{}").delay(Duration::from_millis(50))
        } else {
            answer(req)
        }
    })
    .await;
    // a stand-in `ssh` on PATH: records its pid, then bridges to the local server
    let bin = tempfile::tempdir().unwrap();
    let pids = bin.path().join("pids");
    let ssh = bin.path().join("ssh");
    std::fs::write(
        &ssh,
        format!(
            "#!/bin/sh\necho $$ >> '{}'\nexec docker --host={} system dial-stdio\n",
            pids.display(),
            server.docker_host()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = wharf::endpoint::Environment::empty()
        .set("DOCKER_HOST", "ssh://deploy@build-box")
        .set(
            "PATH",
            format!(
                "{}:{}",
                bin.path().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .set("HOME", bin.path().to_str().unwrap());
    let docker = Docker::builder()
        .environment(env)
        .api_version(wharf::ApiVersion::new(1, 51))
        .build()
        .unwrap();
    let before = Sample::now();
    let mut peak = 0;
    {
        let calls = futures_util::future::join_all(
            (0..env_count("WHARF_FAULTS_SSH_CALLS", 64)).map(|_| {
                let docker = docker.clone();
                async move {
                    docker
                        .get("/info")
                        .send()
                        .await
                        .unwrap()
                        .bytes()
                        .await
                        .unwrap()
                }
            }),
        );
        let mut calls = std::pin::pin!(calls);
        loop {
            tokio::select! {
                _ = &mut calls => break,
                _ = tokio::time::sleep(Duration::from_millis(10)) => peak = peak.max(alive(&pids)),
            }
        }
    }
    let spawned = std::fs::read_to_string(&pids).unwrap().lines().count();
    assert!(peak <= 8, "{peak} ssh processes at once");
    assert!(spawned <= 8, "{spawned} ssh processes in all for 64 calls");
    drop(docker);
    let deadline = Instant::now() + Duration::from_secs(3);
    while alive(&pids) > 0 {
        assert!(
            Instant::now() < deadline,
            "{} ssh processes outlive the client",
            alive(&pids)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Row::new(
        "ssh://: 64 concurrent calls",
        "stand-in ssh + local server",
        before,
    )
    .outcome(format!(
        "ok: {spawned} ssh processes, at most {peak} at once; none after drop"
    ))
    .record();
}
