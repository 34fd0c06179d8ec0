//! Sequential `ping` through wharf against a minimal raw keep-alive HTTP/1.1
//! client over the same unix socket, in the same run.
//!
//! The comparison that counts runs against the local engine:
//! `WHARF_BENCH_SOCKET` (default `/run/wharf/docker-28.sock`, if it exists).
//! Target: wharf's p50 at most 1.3x the raw client's. A second comparison
//! runs against a tiny in-process server that answers `HEAD /_ping` like
//! dockerd does, without any work: only the clients' own costs show there,
//! so its ratio is a magnifying glass, not the target.
//!
//! Besides criterion's report (in-process), it prints p50/p99 for wharf, for
//! reqwest on its own (what the generated client runs on) and for the raw
//! client, and wharf's ratio to the raw client.
//!
//! ```text
//! cargo bench -p wharf --bench client
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use wharf::endpoint::Environment;
use wharf::Docker;

const PING_ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nApi-Version: 1.51\r\nBuilder-Version: 2\r\n\
Cache-Control: no-cache, no-store, must-revalidate\r\nContent-Length: 0\r\n\
Content-Type: text/plain; charset=utf-8\r\nDocker-Experimental: false\r\nOstype: linux\r\n\
Pragma: no-cache\r\nServer: Docker/28.5.2 (linux)\r\nSwarm: inactive\r\n\r\n";

/// Serves `HEAD /_ping` on `path` forever (keep-alive).
async fn serve(path: PathBuf) {
    let listener = tokio::net::UnixListener::bind(&path).expect("bind");
    loop {
        let (mut stream, _) = listener.accept().await.expect("accept");
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(4096);
            let mut chunk = [0u8; 4096];
            loop {
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                buf.drain(..end);
                if stream.write_all(PING_ANSWER).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// The least an HTTP/1.1 client can do: one kept-alive connection, write
/// the request (with the same headers wharf sends), read up to the end of
/// the response head (a HEAD answer has no body).
struct RawClient {
    stream: UnixStream,
    buf: Vec<u8>,
}

impl RawClient {
    async fn connect(path: &Path) -> RawClient {
        RawClient {
            stream: UnixStream::connect(path).await.expect("connect"),
            buf: Vec::with_capacity(4096),
        }
    }

    async fn ping(&mut self) -> u16 {
        self.stream
            .write_all(b"HEAD /_ping HTTP/1.1\r\nHost: localhost\r\nUser-Agent: wharf/0.1.0\r\nAccept: */*\r\n\r\n")
            .await
            .expect("write");
        self.buf.clear();
        let mut chunk = [0u8; 4096];
        while !self.buf.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "closed");
            self.buf.extend_from_slice(&chunk[..n]);
        }
        // "HTTP/1.1 200 ..."
        std::str::from_utf8(&self.buf[9..12])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

fn wharf_client(path: &Path) -> Docker {
    Docker::builder()
        .environment(Environment::empty())
        .host(format!("unix://{}", path.display()))
        .build()
        .expect("client")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// reqwest on its own over the same socket, to tell wharf's cost from
/// reqwest's.
fn bare_reqwest(path: &Path) -> reqwest::Client {
    reqwest::Client::builder()
        .unix_socket(path)
        .build()
        .expect("reqwest")
}

/// Interleaved sequential pings; prints p50/p99 of each client and wharf's
/// ratio to the raw client.
fn compare(rt: &tokio::runtime::Runtime, path: &Path, label: &str, target: bool) {
    const N: usize = 5000;
    let [mut wharf, mut bare, mut raw] = rt.block_on(async {
        let docker = wharf_client(path);
        let reqwest = bare_reqwest(path);
        let mut raw = RawClient::connect(path).await;
        // Warm up: connection, negotiation, caches.
        for _ in 0..200 {
            docker.ping().await.expect("ping");
            reqwest
                .head("http://localhost/_ping")
                .send()
                .await
                .expect("ping");
            raw.ping().await;
        }
        let mut times = [(); 3].map(|()| Vec::with_capacity(N));
        for _ in 0..N {
            let t = Instant::now();
            docker.ping().await.expect("ping");
            times[0].push(t.elapsed());
            let t = Instant::now();
            reqwest
                .head("http://localhost/_ping")
                .send()
                .await
                .expect("ping");
            times[1].push(t.elapsed());
            let t = Instant::now();
            raw.ping().await;
            times[2].push(t.elapsed());
        }
        times
    });
    wharf.sort();
    bare.sort();
    raw.sort();
    let p = |v: &[Duration]| (percentile(v, 0.5), percentile(v, 0.99));
    let ((w50, w99), (b50, b99), (r50, r99)) = (p(&wharf), p(&bare), p(&raw));
    println!(
        "ping over {label}, {N} sequential calls each:\n  \
         wharf    p50 {w50:>9.1?}  p99 {w99:>9.1?}\n  \
         reqwest  p50 {b50:>9.1?}  p99 {b99:>9.1?}\n  \
         raw      p50 {r50:>9.1?}  p99 {r99:>9.1?}\n  \
         wharf/raw  p50 {:.2}x  p99 {:.2}x  {}",
        w50.as_secs_f64() / r50.as_secs_f64(),
        w99.as_secs_f64() / r99.as_secs_f64(),
        if target {
            "(target p50 <= 1.15x)"
        } else {
            "(no daemon work: the clients' own costs, magnified)"
        },
    );
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ping.sock");
    rt.spawn(serve(path.clone()));
    rt.block_on(async {
        while UnixStream::connect(&path).await.is_err() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });

    let engine = std::env::var_os("WHARF_BENCH_SOCKET")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/run/wharf/docker-28.sock"));
    if engine.exists() {
        compare(&rt, &engine, &engine.display().to_string(), true);
    } else {
        println!(
            "ping against an engine: not run, no socket at {} (set WHARF_BENCH_SOCKET)",
            engine.display()
        );
    }
    compare(&rt, &path, "an in-process socket", false);

    let mut group = c.benchmark_group("ping");
    let docker = wharf_client(&path);
    rt.block_on(docker.ping()).expect("ping");
    group.bench_function("wharf", |b| {
        b.iter(|| rt.block_on(docker.ping()).expect("ping"));
    });
    let mut raw = rt.block_on(RawClient::connect(&path));
    group.bench_function("raw", |b| {
        b.iter(|| rt.block_on(raw.ping()));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
