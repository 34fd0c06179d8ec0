//! Reading a container's logs through the client, against a minimal
//! reader written by hand for the same socket.
//!
//! A local server on a unix socket plays `dockerd` answering
//! `GET /containers/{id}/logs`: 16 MiB of multiplexed output in 100-byte
//! frames (alternating stdout and stderr, the shape of a chatty service's
//! log lines), each frame its own HTTP chunk, as dockerd's flushing writer
//! sends them. Each reader makes the same request over a fresh connection
//! and counts the payload bytes:
//!
//! - `wharf_logs`: [`Container::logs`](wharf::Container::logs) read as a
//!   stream, the whole client (the generated operation's byte stream over
//!   its transport, the chunked decoding, the demultiplexer, the error
//!   mapping), which slices each frame out of the pieces a read brings into
//!   a `LogOutput`;
//! - `wharf_copy_to`: the same logs written to two sinks by
//!   [`LogStream::copy_to`](wharf::container::LogStream::copy_to), as
//!   `docker logs ID > /dev/null` does: no item per frame;
//! - `body_chunks`: the response's body pieces alone
//!   ([`Response::chunk`](wharf::Response::chunk)), without demultiplexing;
//! - `hand_reader`: a minimal reader: one `read` into a 64 KiB buffer at a
//!   time, the chunked encoding and the frame headers parsed in place, no
//!   allocation per frame.
//! - `spawned_hyper`: hyper's body pieces with its connection spawned on a
//!   task of its own, as reqwest and bollard run it: the body's chunks
//!   cross from that task to the reader's. wharf polls the same hyper
//!   connection in the reader's task instead.
//!
//! After criterion's report, all are timed again alternately in the same
//! process. For each, the median throughput, the reading thread's CPU time
//! per MiB, and the median ratio to the hand reader's run of the same round
//! are printed; the last lines give the two wharf ratios to the hand reader
//! (a regression check: a replay from a local socket, which no engine
//! produces) and wharf's body pieces against the spawned hyper connection. The machine's CPU steal time during those runs is printed
//! too: on a shared host, a run with steal measured the host.
//!
//! What the stream pays over `copy_to` is the `LogOutput` per frame: each
//! is a `Bytes` sharing the piece it came in, so making one and dropping it
//! are two atomic reference-count updates, a fair part of the cost of a
//! 100-byte frame.
//!
//! On Linux with two CPUs or more, the server's thread is pinned to one CPU
//! and the readers to another, as dockerd and its clients usually run, so
//! that is the same in every run. On a small virtual machine the reference
//! still varies from one process to the next (the hand reader at about 1.3
//! or about 2.4 GiB/s on a 2-vCPU VM, for reasons outside the process):
//! compare the ratios of a few runs.
//!
//! Run with `cargo bench --bench streams`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use wharf::container::LogsOptions;
use wharf::{ApiVersion, Docker};

const FRAME: usize = 100;
const FRAMES: usize = 16 * 1024 * 1024 / FRAME;
const PAYLOAD_TOTAL: usize = FRAME * FRAMES;

/// The whole answer: head, one chunk per frame, the last chunk.
fn response() -> Vec<u8> {
    let mut out = b"HTTP/1.1 200 OK\r\n\
        Content-Type: application/vnd.docker.multiplexed-stream\r\n\
        Api-Version: 1.51\r\n\
        Transfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for i in 0..FRAMES {
        out.extend_from_slice(format!("{:x}\r\n", FRAME + 8).as_bytes());
        out.push(if i % 2 == 0 { 1 } else { 2 });
        out.extend_from_slice(&[0, 0, 0]);
        out.extend_from_slice(&(FRAME as u32).to_be_bytes());
        out.extend((0..FRAME - 1).map(|j| b'a' + ((i + j) % 26) as u8));
        out.push(b'\n');
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// The length of the chunks' data (frame headers included).
fn response_body_len() -> usize {
    FRAMES * (FRAME + 8)
}

/// Pins the calling thread to `cpu`, if there are two CPUs or more to
/// share between the server and the readers. Says what it did.
fn pin_to(cpu: usize, who: &str) {
    #[cfg(target_os = "linux")]
    {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cpus >= 2 {
            use nix::sched::{sched_setaffinity, CpuSet};
            let mut set = CpuSet::new();
            if set.set(cpu).is_ok()
                && sched_setaffinity(nix::unistd::Pid::from_raw(0), &set).is_ok()
            {
                eprintln!("{who} pinned to CPU {cpu}");
                return;
            }
        }
    }
    eprintln!("{who} not pinned");
}

/// Serves `answer` to every request, on a thread of its own.
fn serve(path: &Path) {
    let answer: &'static [u8] = Box::leak(response().into_boxed_slice());
    let listener = std::os::unix::net::UnixListener::bind(path).unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        pin_to(1, "server");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = UnixListener::from_std(listener).unwrap();
            while let Ok((mut conn, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let mut seen = Vec::new();
                    loop {
                        let n = match conn.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        seen.extend_from_slice(&buf[..n]);
                        while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                            seen.drain(..end + 4);
                            if conn.write_all(answer).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
    });
}

async fn wharf_logs(docker: &Docker) -> usize {
    let mut logs = docker
        .container("bench")
        .logs(LogsOptions::new())
        .await
        .unwrap();
    let mut total = 0;
    while let Some(piece) = logs.next().await {
        total += black_box(piece.unwrap()).len();
    }
    total
}

/// The logs copied to two sinks ([`LogStream::copy_to`](wharf::container::LogStream::copy_to)),
/// as `docker logs ID > /dev/null` does.
async fn wharf_copy(docker: &Docker) -> usize {
    let logs = docker
        .container("bench")
        .logs(LogsOptions::new())
        .await
        .unwrap();
    let (mut out, mut err) = (tokio::io::sink(), tokio::io::sink());
    let copied = logs.copy_to(&mut out, &mut err).await.unwrap();
    (copied.stdout + copied.stderr) as usize
}

/// The hand-written reader: request, skip the head, then decode chunks and
/// frames in place from a reused buffer.
async fn hand_reader(path: &Path) -> usize {
    let mut conn = UnixStream::connect(path).await.unwrap();
    conn.write_all(
        b"GET /v1.51/containers/bench/logs?stdout=1&stderr=1 HTTP/1.1\r\nHost: localhost\r\n\r\n",
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let (mut start, mut end) = (0usize, 0usize);
    // States: the head, a chunk-size line, chunk data (bytes left), the CRLF after it.
    let mut in_head = true;
    let mut chunk_left = 0usize;
    let mut crlf_left = 0usize;
    // Frame state: header bytes collected, payload bytes left.
    let mut header = [0u8; 8];
    let mut header_len = 0usize;
    let mut payload_left = 0usize;
    let mut total = 0usize;
    loop {
        if start == end {
            start = 0;
            end = conn.read(&mut buf).await.unwrap();
            if end == 0 {
                return total;
            }
        }
        if in_head {
            // The head is far shorter than one read.
            let at = buf[start..end]
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .expect("the head in the first read");
            start += at + 4;
            in_head = false;
            continue;
        }
        if crlf_left > 0 {
            let n = crlf_left.min(end - start);
            crlf_left -= n;
            start += n;
            continue;
        }
        if chunk_left == 0 {
            let Some(nl) = buf[start..end].iter().position(|&b| b == b'\n') else {
                // A size line cut by the read: keep it at the front.
                buf.copy_within(start..end, 0);
                end -= start;
                start = 0;
                let n = conn.read(&mut buf[end..]).await.unwrap();
                assert!(n > 0, "cut short");
                end += n;
                continue;
            };
            let line = std::str::from_utf8(&buf[start..start + nl]).unwrap().trim();
            chunk_left = usize::from_str_radix(line, 16).unwrap();
            start += nl + 1;
            if chunk_left == 0 {
                return total;
            }
            continue;
        }
        let n = chunk_left.min(end - start);
        let mut data = &buf[start..start + n];
        start += n;
        chunk_left -= n;
        if chunk_left == 0 {
            crlf_left = 2;
        }
        while !data.is_empty() {
            if payload_left == 0 {
                let take = (8 - header_len).min(data.len());
                header[header_len..header_len + take].copy_from_slice(&data[..take]);
                header_len += take;
                data = &data[take..];
                if header_len == 8 {
                    payload_left =
                        u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
                    header_len = 0;
                }
            } else {
                let take = payload_left.min(data.len());
                total += black_box(&data[..take]).len();
                payload_left -= take;
                data = &data[take..];
            }
        }
    }
}

/// The client's body pieces alone, without demultiplexing: what the HTTP
/// layer costs by itself.
async fn body_chunks(docker: &Docker) -> usize {
    let mut r = docker.get("/containers/bench/logs").send().await.unwrap();
    let mut total = 0;
    while let Some(c) = r.chunk().await.unwrap() {
        total += c.len();
    }
    total
}

/// hyper's body pieces over a connection spawned on its own task.
async fn spawned_hyper(path: &Path) -> usize {
    use http_body_util::BodyExt;
    let io = hyper_util::rt::TokioIo::new(UnixStream::connect(path).await.unwrap());
    let (mut send, conn) =
        hyper::client::conn::http1::handshake::<_, http_body_util::Empty<bytes::Bytes>>(io)
            .await
            .unwrap();
    tokio::spawn(conn);
    let request = http::Request::get("/v1.51/containers/bench/logs")
        .header("Host", "localhost")
        .body(http_body_util::Empty::new())
        .unwrap();
    let mut body = send.send_request(request).await.unwrap().into_body();
    let mut total = 0;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            total += data.len();
        }
    }
    total
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("docker.sock");
    serve(&path);
    pin_to(0, "readers");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let docker = Docker::builder()
        .host(format!("unix://{}", path.display()))
        .api_version(ApiVersion::new(1, 51))
        .build()
        .unwrap();
    assert_eq!(rt.block_on(wharf_logs(&docker)), PAYLOAD_TOTAL);
    assert_eq!(rt.block_on(wharf_copy(&docker)), PAYLOAD_TOTAL);
    assert_eq!(rt.block_on(hand_reader(&path)), PAYLOAD_TOTAL);
    assert_eq!(rt.block_on(body_chunks(&docker)), response_body_len());
    assert_eq!(rt.block_on(spawned_hyper(&path)), response_body_len());

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    {
        let mut group = c.benchmark_group("logs_16MiB_100B_frames");
        group.throughput(Throughput::Bytes(PAYLOAD_TOTAL as u64));
        group.bench_function("wharf_logs", |b| {
            b.iter(|| rt.block_on(wharf_logs(&docker)))
        });
        group.bench_function("wharf_copy_to", |b| {
            b.iter(|| rt.block_on(wharf_copy(&docker)))
        });
        group.bench_function("body_chunks", |b| {
            b.iter(|| rt.block_on(body_chunks(&docker)))
        });
        group.bench_function("hand_reader", |b| {
            b.iter(|| rt.block_on(hand_reader(&path)))
        });
        group.bench_function("spawned_hyper", |b| {
            b.iter(|| rt.block_on(spawned_hyper(&path)))
        });
        group.finish();
    }
    c.final_summary();

    // The ratios, from alternating runs in this process.
    let rounds = 15;
    let steal_before = steal_ticks();
    let mut runs: [(&str, Vec<Times>); 5] = [
        ("wharf stream", Vec::new()),
        ("wharf copy_to", Vec::new()),
        ("body chunks", Vec::new()),
        ("hand reader", Vec::new()),
        ("spawned hyper", Vec::new()),
    ];
    for _ in 0..rounds {
        runs[0].1.push(timed(|| rt.block_on(wharf_logs(&docker))));
        runs[1].1.push(timed(|| rt.block_on(wharf_copy(&docker))));
        runs[2].1.push(timed(|| rt.block_on(body_chunks(&docker))));
        runs[3].1.push(timed(|| rt.block_on(hand_reader(&path))));
        runs[4].1.push(timed(|| rt.block_on(spawned_hyper(&path))));
    }
    let steal = steal_ticks()
        .zip(steal_before)
        .map(|(b, a)| b.saturating_sub(a));
    let mib = PAYLOAD_TOTAL as f64 / (1024.0 * 1024.0);
    let hand = &runs[3].1;
    println!("logs over a unix socket, 100-byte frames, {rounds} alternating runs (medians):");
    let ratios: Vec<f64> = runs.iter().map(|(_, t)| paired_ratio(t, hand)).collect();
    for ((name, times), ratio) in runs.iter().zip(&ratios) {
        let wall = median(times.iter().map(|t| t.wall.as_secs_f64()));
        let cpu = times
            .iter()
            .map(|t| t.cpu.map(|c| c.as_secs_f64()))
            .collect::<Option<Vec<_>>>()
            .map(median);
        println!(
            "  {name:<14} {:>6.0} MiB/s  {:>12}  x{ratio:.2} the hand reader",
            mib / wall,
            cpu.map_or(String::new(), |c| format!(
                "{:.0} us CPU/MiB",
                c * 1e6 / mib
            )),
        );
    }
    if let Some(ticks) = steal {
        // Time the hypervisor gave to other guests: a run with much of it
        // measured the host, not the readers.
        println!(
            "  CPU steal during these runs: {ticks} ticks of 1/100 s (compare runs with none)"
        );
    }
    println!(
        "wharf/hand: stream {:.2}, copy_to {:.2} (a regression check)",
        ratios[0], ratios[1]
    );
    println!(
        "wharf body pieces / spawned hyper's: x{:.2} (over 1: wharf is faster)",
        paired_ratio(&runs[2].1, &runs[4].1)
    );
}

/// The median over rounds of `reference`'s time over `times`' time in the
/// same round: rounds run back to back, so each ratio compares runs made
/// under the same conditions.
fn paired_ratio(times: &[Times], reference: &[Times]) -> f64 {
    median(
        times
            .iter()
            .zip(reference)
            .map(|(t, r)| r.wall.as_secs_f64() / t.wall.as_secs_f64()),
    )
}

/// One reader's run: wall time and, where it can be read, the CPU time of
/// the reading thread (user and system: the reads' copies included, the
/// waits for the server not).
struct Times {
    wall: Duration,
    cpu: Option<Duration>,
}

fn timed(f: impl FnOnce() -> usize) -> Times {
    let (c, t) = (thread_cpu(), Instant::now());
    black_box(f());
    let wall = t.elapsed();
    let cpu = thread_cpu().zip(c).map(|(b, a)| b.saturating_sub(a));
    Times { wall, cpu }
}

fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The calling thread's CPU time.
fn thread_cpu() -> Option<Duration> {
    #[cfg(target_os = "linux")]
    {
        use nix::time::{clock_gettime, ClockId};
        clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
            .ok()
            .map(Duration::from)
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// The machine's steal time so far (`/proc/stat`, in clock ticks), on Linux.
fn steal_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    // cpu  user nice system idle iowait irq softirq steal ...
    stat.lines().next()?.split_whitespace().nth(8)?.parse().ok()
}
