//! Push and pull of a 200 MiB one-layer image of random bytes through the
//! test registry: wharf against the docker CLI, in the same run, on the same
//! engine.
//!
//! ```sh
//! cargo bench -p wharf --bench registry            # 3 rounds, 200 MiB
//! WHARF_BENCH_MIB=64 WHARF_BENCH_ROUNDS=5 cargo bench -p wharf --bench registry
//! ```
//!
//! Engine: `WHARF_BENCH_SOCKET`, else `/run/wharf/docker-28.sock`; CLI:
//! `WHARF_BENCH_CLI`, else `/run/wharf/bin/docker-28` (sid's docker CLI,
//! `cargo xtask engine up docker-28`), given `-H` with the socket and a
//! `DOCKER_CONFIG` of its own holding the registry's credentials; registry:
//! `WHARF_TEST_REGISTRY`, else `127.0.0.1:5000` (user `wharf`, password
//! `wharf-test-password`).
//!
//! Each round imports two fresh images (a push of a layer the registry has
//! is no upload), pushes one with wharf and one with the CLI (who goes first
//! alternates), then removes one image locally and pulls it back with each,
//! removing it between. Times are wall times of the whole operation,
//! progress read to its end; the CLI's include its process start (a few ms).
//! The engine does the work (gzip on push, extraction on pull): the point is
//! that the client adds nothing.
//!
//! Each round's two manifests are deleted from the registry at its end
//! (`DELETE /v2/<name>/manifests/<digest>`); their layers are freed when the
//! registry next starts (`cargo xtask engine up registry` collects garbage
//! before serving).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{stream, StreamExt, TryStreamExt};
use wharf::auth::Credentials;
use wharf::image::{ImportOptions, PullOptions, PushOptions, RemoveOptions};
use wharf::{Docker, Reference};

const USER: &str = "wharf";
const PASSWORD: &str = "wharf-test-password";
const CHUNK: usize = 1 << 20;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// A tar of one file of `mib` MiB of xorshift bytes, made as it is sent.
fn random_tar(mib: usize, seed: u64) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> {
    let size = (mib * CHUNK) as u64;
    let mut header = tar::Header::new_gnu();
    header.set_path("random").unwrap();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_cksum();
    let head = Bytes::copy_from_slice(header.as_bytes());
    // splitmix64 of the seed: distinct seeds, distinct layers (xorshift needs a non-zero state)
    let mut state = {
        let z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) | 1
    };
    let body = stream::iter(0..mib).map(move |_| {
        let mut chunk = Vec::with_capacity(CHUNK);
        for _ in 0..CHUNK / 8 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.extend_from_slice(&state.to_le_bytes());
        }
        Ok(Bytes::from(chunk))
    });
    // the file fills whole 512-byte blocks; two zero blocks end the archive
    let tail = stream::iter([Ok(Bytes::from(vec![0u8; 1024]))]);
    stream::iter([Ok(head)]).chain(body).chain(tail)
}

async fn import(docker: &Docker, reference: &Reference, mib: usize, seed: u64) {
    let options = ImportOptions::new().reference(reference.clone());
    docker
        .images()
        .import(random_tar(mib, seed), &options)
        .await
        .expect("import")
        .try_for_each(|_| async { Ok(()) })
        .await
        .expect("import");
}

fn cli(cli: &str, socket: &str, config: &std::path::Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    let status = Command::new(cli)
        .args(["-H", &format!("unix://{socket}")])
        .args(args)
        .env("DOCKER_CONFIG", config)
        .stdout(Stdio::null())
        .status()
        .expect("the docker CLI runs");
    assert!(status.success(), "docker {args:?}");
    started.elapsed()
}

async fn wharf_push(docker: &Docker, reference: &Reference, credentials: &Credentials) -> Duration {
    let started = Instant::now();
    docker
        .image(reference.to_string())
        .push(&PushOptions::new().credentials(credentials.clone()))
        .await
        .expect("push")
        .try_for_each(|_| async { Ok(()) })
        .await
        .expect("push");
    started.elapsed()
}

async fn wharf_pull(docker: &Docker, reference: &Reference, credentials: &Credentials) -> Duration {
    let started = Instant::now();
    docker
        .images()
        .pull(
            reference,
            &PullOptions::new().credentials(credentials.clone()),
        )
        .await
        .expect("pull")
        .try_for_each(|_| async { Ok(()) })
        .await
        .expect("pull");
    started.elapsed()
}

async fn remove(docker: &Docker, reference: &Reference) {
    docker
        .image(reference.to_string())
        .remove(&RemoveOptions::new().force(true))
        .await
        .expect("remove");
}

/// Deletes `reference`'s manifest from its registry (distribution's API,
/// basic auth), so that the next garbage collection frees its layer.
async fn unpush(http: &reqwest::Client, registry: &str, reference: &Reference) {
    let name = reference.repository();
    let tag = reference.tag().unwrap_or("latest");
    let manifests = format!("http://{registry}/v2/{name}/manifests");
    let head = http
        .head(format!("{manifests}/{tag}"))
        .basic_auth(USER, Some(PASSWORD))
        .header(
            "Accept",
            "application/vnd.oci.image.manifest.v1+json, \
             application/vnd.docker.distribution.manifest.v2+json",
        )
        .send()
        .await
        .expect("manifest HEAD");
    let Some(digest) = head
        .headers()
        .get("Docker-Content-Digest")
        .and_then(|d| d.to_str().ok())
    else {
        eprintln!(
            "{reference}: no manifest digest ({}), left in the registry",
            head.status()
        );
        return;
    };
    let deleted = http
        .delete(format!("{manifests}/{digest}"))
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await
        .expect("manifest DELETE");
    if !deleted.status().is_success() {
        eprintln!(
            "{reference}: DELETE {digest}: {}, left in the registry",
            deleted.status()
        );
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let socket = env_or("WHARF_BENCH_SOCKET", "/run/wharf/docker-28.sock");
    let cli_path = env_or("WHARF_BENCH_CLI", "/run/wharf/bin/docker-28");
    let registry = env_or("WHARF_TEST_REGISTRY", "127.0.0.1:5000");
    let mib: usize = env_or("WHARF_BENCH_MIB", "200")
        .parse()
        .expect("WHARF_BENCH_MIB");
    let rounds: usize = env_or("WHARF_BENCH_ROUNDS", "3")
        .parse()
        .expect("WHARF_BENCH_ROUNDS");
    let config = tempfile::tempdir().unwrap();
    let auth = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{USER}:{PASSWORD}"),
    );
    std::fs::write(
        config.path().join("config.json"),
        format!(r#"{{"auths":{{"{registry}":{{"auth":"{auth}"}}}}}}"#),
    )
    .unwrap();
    let credentials = Credentials::new(USER, PASSWORD).server_address(&registry);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let docker = Docker::builder()
            .host(format!("unix://{socket}"))
            .build()
            .unwrap();
        let run = std::process::id();
        let http = reqwest::Client::new();
        let (mut push_w, mut push_c, mut pull_w, mut pull_c) = (vec![], vec![], vec![], vec![]);
        for round in 0..rounds {
            let name = |side: &str| {
                Reference::parse(&format!(
                    "{registry}/wharf-bench/random-{run}-{round}-{side}:v1"
                ))
                .unwrap()
            };
            let (w, c) = (name("wharf"), name("cli"));
            import(&docker, &w, mib, 2 * round as u64 + 1).await;
            import(&docker, &c, mib, 2 * round as u64 + 2).await;
            let c_name = c.to_string();
            let cli_push = || cli(&cli_path, &socket, config.path(), &["push", &c_name]);
            if round % 2 == 0 {
                push_w.push(wharf_push(&docker, &w, &credentials).await);
                push_c.push(cli_push());
            } else {
                push_c.push(cli_push());
                push_w.push(wharf_push(&docker, &w, &credentials).await);
            }
            remove(&docker, &c).await;
            // pull the one image both ways, removed before each
            let w_name = w.to_string();
            remove(&docker, &w).await;
            let cli_pull = || cli(&cli_path, &socket, config.path(), &["pull", &w_name]);
            if round % 2 == 0 {
                pull_w.push(wharf_pull(&docker, &w, &credentials).await);
                remove(&docker, &w).await;
                pull_c.push(cli_pull());
            } else {
                pull_c.push(cli_pull());
                remove(&docker, &w).await;
                pull_w.push(wharf_pull(&docker, &w, &credentials).await);
            }
            remove(&docker, &w).await;
            unpush(&http, &registry, &w).await;
            unpush(&http, &registry, &c).await;
            eprintln!(
                "round {round}: push wharf {:?} cli {:?}; pull wharf {:?} cli {:?}",
                push_w[round], push_c[round], pull_w[round], pull_c[round]
            );
        }
        let report = |what: &str, w: Vec<Duration>, c: Vec<Duration>| {
            let (w, c) = (median(w), median(c));
            println!(
                "{what} {mib} MiB: wharf {:.2} s, docker CLI {:.2} s: wharf/CLI time {:.3}x",
                w.as_secs_f64(),
                c.as_secs_f64(),
                w.as_secs_f64() / c.as_secs_f64()
            );
        };
        report("push", push_w, push_c);
        report("pull", pull_w, pull_c);
    });
}
