//! The daemon SIGKILLed in the middle of a call: the call ends within 2 s (a typed
//! error, or the end of a hijacked stream, which is all a hijacked stream can say), no
//! fd, task or connection is left behind, and the next call after the daemon is back
//! works on a fresh connection.
//!
//! The daemon is `podman-faults` (`cargo xtask engine up podman-faults`), a Podman
//! service of the suite's own at `WHARF_FAULTS_HOST` that `xtask/engines/podman-faults.sh
//! kill|restart` SIGKILLs and starts again: never a shared engine. The pull is of an
//! image of random bytes that the case first pushes to the test registry
//! (`cargo xtask engine up registry`, `WHARF_TEST_REGISTRY`).

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use tokio::sync::oneshot;
use wharf::container::{AttachOptions, LogsOptions, UploadOptions};
use wharf::image::{ImportOptions, PullOptions, PushOptions, RemoveOptions};
use wharf::{Docker, Reference};
use wharf_tests::engine::{engine_at, Engine, Scope};
use wharf_tests::faults::{Row, Sample};

use crate::support::{back_to_baseline, held, started};

const HOST: &str = "unix:///run/wharf/podman-faults.sock";
const ENGINE: &str = "podman-faults";

fn host() -> String {
    std::env::var("WHARF_FAULTS_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| HOST.to_owned())
}

/// `bash xtask/engines/podman-faults.sh ACTION`.
async fn engine_script(action: &'static str) {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../xtask/engines/podman-faults.sh");
    let out =
        tokio::task::spawn_blocking(move || Command::new("bash").arg(script).arg(action).output())
            .await
            .unwrap()
            .unwrap();
    assert!(
        out.status.success(),
        "podman-faults.sh {action}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A call under way: it says when it is mid-way (`mid`), and its outcome when it ends.
type Call = Pin<Box<dyn Future<Output = String> + Send>>;

/// Starts `call`, waits until it is mid-way, kills the daemon, and checks how the call
/// ends; then restarts the daemon and checks the next call.
/// The outcome must be a typed error (`... error`), or, for a hijacked stream
/// (`hijacked`), may be its end.
async fn killed_during(
    case: &str,
    docker: &Docker,
    hijacked: bool,
    call: impl FnOnce(oneshot::Sender<()>) -> Call,
) {
    let before = Sample::now();
    let held_before = held(before, docker);
    let (mid_tx, mid_rx) = oneshot::channel();
    let task = tokio::spawn(call(mid_tx));
    tokio::time::timeout(Duration::from_secs(30), mid_rx)
        .await
        .unwrap_or_else(|_| panic!("{case}: the call never got under way"))
        .unwrap_or_else(|_| panic!("{case}: the call ended before it got under way"));
    let killed = Instant::now();
    engine_script("kill").await;
    let outcome = tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .unwrap_or_else(|_| panic!("{case}: still running 2 s after the daemon was killed"))
        .unwrap();
    let took = killed.elapsed();
    assert!(
        outcome.ends_with(" error") || (hijacked && outcome.starts_with("EOF")),
        "{case}: {outcome}"
    );
    engine_script("restart").await;
    // the next call: a fresh connection (those to the killed daemon are gone)
    docker
        .ping()
        .await
        .unwrap_or_else(|e| panic!("{case}: after the restart: {e}"));
    let connections = docker.connections();
    assert_eq!((connections.open, connections.idle), (1, 1), "{case}");
    let after = back_to_baseline(case, docker, before, held_before).await;
    Row::new(case, ENGINE, before)
        .outcome(outcome)
        .time_to_error(took)
        .after(after)
        .record();
}

/// Reads `stream` to its end, saying `mid` at the first item and pausing `pause` after
/// each; the outcome: the error's kind, or `end` when it ended without one.
async fn read_to_end<T>(
    stream: impl futures_util::Stream<Item = wharf::Result<T>>,
    mid: oneshot::Sender<()>,
    pause: Duration,
    end: &str,
) -> String {
    let mut stream = std::pin::pin!(stream);
    let mut mid = Some(mid);
    loop {
        match stream.next().await {
            Some(Ok(_)) => {
                if let Some(m) = mid.take() {
                    let _ = m.send(());
                }
                tokio::time::sleep(pause).await;
            }
            Some(Err(e)) => return kind_of(&e),
            None => return end.to_owned(),
        }
    }
}

fn kind_of(e: &wharf::Error) -> String {
    format!("{:?} error", e.kind())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_killed_mid_call() {
    let _serial = crate::support::serial();
    let Some(engine) = engine_at(
        &host(),
        "Start it with `cargo xtask engine up podman-faults` (or set WHARF_FAULTS_HOST)",
    )
    .await
    else {
        return;
    };
    let scope = Scope::new(&engine, "faults-daemon");
    let Engine { docker, .. } = engine.clone();
    let chatty = started(
        &engine,
        &scope,
        "chatty",
        &["sh", "-c", "while :; do echo tick; usleep 20000; done"],
    )
    .await;
    let big = started(
        &engine,
        &scope,
        "big",
        &[
            "sh",
            "-c",
            "dd if=/dev/zero of=/big bs=1M count=64 2>/dev/null; touch /ready; sleep 3600",
        ],
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while docker
        .container(big.as_str())
        .archive_info("/ready")
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "/big never written");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    docker.ping().await.unwrap();

    let (d, id) = (docker.clone(), chatty.clone());
    killed_during(
        "daemon SIGKILLed during logs -f",
        &docker,
        false,
        move |mid| {
            Box::pin(async move {
                let logs = LogsOptions::new().follow(true).stdout(true).stderr(true);
                match d.container(id.as_str()).logs(logs).await {
                    Ok(s) => read_to_end(s, mid, Duration::ZERO, "ended without an error").await,
                    Err(e) => format!("{} before the stream", kind_of(&e)),
                }
            })
        },
    )
    .await;

    let (d, id) = (docker.clone(), chatty.clone());
    killed_during(
        "daemon SIGKILLed during attach",
        &docker,
        true,
        move |mid| {
            Box::pin(async move {
                let options = AttachOptions::new().stdout(true).stderr(true).stdin(true);
                match d.container(id.as_str()).attach(options).await {
                    // a hijacked stream has no framing: EOF is its only end
                    Ok((output, _input)) => {
                        read_to_end(
                            output,
                            mid,
                            Duration::ZERO,
                            "EOF (a hijacked stream's only end)",
                        )
                        .await
                    }
                    Err(e) => format!("{} before the stream", kind_of(&e)),
                }
            })
        },
    )
    .await;

    let (d, id) = (docker.clone(), chatty.clone());
    killed_during(
        "daemon SIGKILLed during an upload",
        &docker,
        false,
        move |mid| {
            Box::pin(async move {
                let mut header = tar::Header::new_gnu();
                header.set_path("upload.bin").unwrap();
                header.set_size(1 << 30);
                header.set_mode(0o644);
                header.set_cksum();
                let head = Bytes::copy_from_slice(header.as_bytes());
                let zeros = Bytes::from(vec![0u8; 64 * 1024]);
                let mut mid = Some(mid);
                let body = futures_util::stream::iter(0..(1 << 14)).then(move |i| {
                    let (head, zeros) = (head.clone(), zeros.clone());
                    let signal = if i == 64 { mid.take() } else { None };
                    async move {
                        if let Some(m) = signal {
                            let _ = m.send(());
                        }
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        Ok::<_, std::io::Error>(if i == 0 { head } else { zeros })
                    }
                });
                match d
                    .container(id.as_str())
                    .upload_stream("/tmp", body, &UploadOptions::new())
                    .await
                {
                    Ok(()) => "upload finished".to_owned(),
                    Err(e) => kind_of(&e),
                }
            })
        },
    )
    .await;

    let (d, id) = (docker.clone(), big.clone());
    killed_during(
        "daemon SIGKILLed during a 64 MiB archive download",
        &docker,
        false,
        move |mid| {
            Box::pin(async move {
                match d.container(id.as_str()).download("/big").await {
                    Ok(archive) => {
                        let pause = Duration::from_millis(20);
                        read_to_end(archive.into_stream(), mid, pause, "download finished").await
                    }
                    Err(e) => format!("{} before the body", kind_of(&e)),
                }
            })
        },
    )
    .await;

    let reference = pushed(&docker, &scope).await;
    let (d, credentials) = (docker.clone(), wharf_tests::registry::credentials());
    killed_during(
        "daemon SIGKILLed during a pull of 128 MiB from the test registry",
        &docker,
        false,
        move |mid| {
            Box::pin(async move {
                let options = PullOptions::new().credentials(credentials);
                match d.images().pull(&reference, &options).await {
                    Ok(progress) => {
                        let pause = Duration::from_millis(20);
                        read_to_end(progress, mid, pause, "pull finished").await
                    }
                    Err(e) => format!("{} before the stream", kind_of(&e)),
                }
            })
        },
    )
    .await;
}

/// An image of one layer of 128 MiB of random bytes (nothing to compress), imported
/// under the scope's name in the test registry, pushed there and removed here: what the
/// pull case pulls.
async fn pushed(docker: &Docker, scope: &Scope) -> Reference {
    const SIZE: usize = 128 << 20;
    const CHUNK: usize = 1 << 20;
    let credentials = wharf_tests::registry::credentials();
    let reference = wharf_tests::registry::reference(&scope.name("pull"));
    let mut header = tar::Header::new_gnu();
    header.set_path("random.bin").unwrap();
    header.set_size(SIZE as u64);
    header.set_mode(0o644);
    header.set_cksum();
    let head = Bytes::copy_from_slice(header.as_bytes());
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ u64::from(std::process::id());
    let chunks = (0..SIZE / CHUNK).map(move |_| {
        let mut chunk = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.extend_from_slice(&state.to_le_bytes());
        }
        Bytes::from(chunk)
    });
    // the file fills whole 512-byte blocks; two zero blocks end the archive
    let body = std::iter::once(head)
        .chain(chunks)
        .chain(std::iter::once(Bytes::from(vec![0u8; 1024])))
        .map(Ok::<_, std::io::Error>);
    let labels = scope.labels();
    let options = labels.iter().fold(
        ImportOptions::new().reference(reference.clone()),
        |o, (k, v)| o.change(format!("LABEL {k}={v}")),
    );
    let imported = async {
        let progress = docker
            .images()
            .import(futures_util::stream::iter(body), &options)
            .await?;
        progress.try_collect::<Vec<_>>().await
    };
    imported
        .await
        .unwrap_or_else(|e| panic!("importing {reference}: {e}"));
    let pushed = async {
        let progress = docker
            .image(reference.to_string())
            .push(&PushOptions::new().credentials(credentials))
            .await?;
        progress.try_collect::<Vec<_>>().await
    };
    pushed
        .await
        .unwrap_or_else(|e| panic!("pushing {reference}: {e}"));
    docker
        .image(reference.to_string())
        .remove(&RemoveOptions::new().force(true))
        .await
        .unwrap_or_else(|e| panic!("removing {reference}: {e}"));
    reference
}
