//! 64 concurrent `GET /containers/{id}/json` through wharf against a minimal
//! raw keep-alive HTTP/1.1 client, against a real engine, in the same run.
//!
//! The engine is the one at `WHARF_BENCH_SOCKET`, else
//! `/run/wharf/docker-28.sock` if it exists (`cargo xtask engine up
//! docker-28`); with neither, one line says the comparison was not run.
//! The bench makes what it inspects itself: a two-file `FROM scratch` image
//! built through `POST /build` and a container of it, created (never
//! started), both labeled `org.wharf.bench=inspect` and removed at the end,
//! also when the bench panics.
//!
//! Three contenders, each 64 tasks on one multi-thread tokio runtime with 2
//! worker threads (the daemon shares the machine):
//!
//! - `wharf inspect`: one shared [`Docker`], each task calling
//!   [`Container::inspect`](wharf::Container::inspect) in a loop: the
//!   generated operation `container_inspect` (the same path as
//!   `Docker::api()`), the transport's pool, and decoding into
//!   `ContainerInspectResponse`;
//! - `wharf bytes`: the same client, `docker.get(..).send().await?.bytes()`:
//!   the client without the typed decoding (as `client.rs` shows reqwest on
//!   its own for ping);
//! - `raw`: each task its own kept-alive `UnixStream`, writing
//!   `GET /v1.51/containers/ID/json HTTP/1.1` by hand and reading the head and
//!   the body (`Content-Length` or chunked) into a reused buffer.
//!
//! Each runs for a fixed wall time after a warm-up; the three alternate, in a
//! different order each round, and the median of 3 rounds is printed in
//! requests per second, with the ratios to `raw` (target: `wharf inspect`
//! at least 0.9x), and the client's CPU time per request (the process's
//! user and system time over the run: the daemon is another process),
//! with its ratio to `raw`'s (target: at most 1.7x). Every answer is
//! checked to be a `200`. The process's resident memory is read before the
//! first burst and after the last (target: back within 2 MiB), with its
//! peak, and the size of one call's future (what each task holds while its
//! call is under way).
//!
//! ```text
//! cargo bench -p wharf --bench inspect
//! WHARF_BENCH_SOCKET=/run/wharf/docker-20.sock cargo bench -p wharf --bench inspect
//! ```
//!
//! A bench killed before its end leaves its objects behind; they carry the
//! label: `docker rm -f $(docker ps -aq --filter label=org.wharf.bench)`.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use wharf::container::{ContainerSpec, RemoveOptions};
use wharf::endpoint::Environment;
use wharf::progress::ProgressStream;
use wharf::Docker;

const TASKS: usize = 64;
const WORKER_THREADS: usize = 2;
const WARM_UP: Duration = Duration::from_secs(1);
const RUN: Duration = Duration::from_secs(3);
const ROUNDS: usize = 3;
const TARGET: f64 = 0.9;
const CPU_TARGET: f64 = 1.7;
const LABEL: &str = "org.wharf.bench";
const DEFAULT_SOCKET: &str = "/run/wharf/docker-28.sock";

fn main() {
    // `cargo test --benches` runs bench targets without `--bench`: this one
    // needs an engine and a minute, so it only says so there.
    if !std::env::args().any(|a| a == "--bench") {
        println!("inspect comparison not run: not under `cargo bench`");
        return;
    }
    let socket = match std::env::var_os("WHARF_BENCH_SOCKET") {
        Some(s) => PathBuf::from(s),
        None => PathBuf::from(DEFAULT_SOCKET),
    };
    if !socket.exists() {
        println!(
            "inspect comparison not run: no engine socket at {} (set WHARF_BENCH_SOCKET, or \
             `cargo xtask engine up docker-28`)",
            socket.display()
        );
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .enable_all()
        .build()
        .expect("runtime");
    let docker = wharf_client(&socket);
    let version = match rt.block_on(docker.api_version()) {
        Ok(v) => v,
        Err(e) => {
            println!(
                "inspect comparison not run: no engine answers at {}: {e}",
                socket.display()
            );
            return;
        }
    };

    let mut fixture = Fixture {
        socket: socket.clone(),
        image: format!("wharf-bench/inspect:{}", std::process::id()),
        container: None,
    };
    let id = rt.block_on(fixture.create(&docker));
    let path = format!("/v{version}/containers/{id}/json");
    let mut raw = rt.block_on(async {
        let mut clients = Vec::with_capacity(TASKS);
        for _ in 0..TASKS {
            clients.push(RawClient::connect(&socket, &path).await.expect("connect"));
        }
        clients
    });
    // What one answer is, as the raw client sees it.
    let (status, len) = rt.block_on(raw[0].get()).expect("raw inspect");
    assert_eq!(status, 200, "raw GET {path}");
    let framing = if raw[0].chunked {
        "chunked"
    } else {
        "with a Content-Length"
    };
    let sample = rt
        .block_on(docker.container(&id).inspect())
        .expect("inspect");
    assert_eq!(sample.id.as_deref(), Some(id.as_str()));

    let contenders = [Contender::Inspect, Contender::Bytes, Contender::Raw];
    let rss_before = rss_kib("VmRSS");
    for c in contenders {
        rt.block_on(c.run(&docker, &id, &mut raw, WARM_UP));
    }
    let mut rates = [(); 3].map(|()| Vec::with_capacity(ROUNDS));
    let mut cpu = [(); 3].map(|()| Vec::with_capacity(ROUNDS));
    for round in 0..ROUNDS {
        for k in 0..contenders.len() {
            let i = (round + k) % contenders.len();
            let cpu_before = process_cpu();
            let (rate, requests) = rt.block_on(contenders[i].run(&docker, &id, &mut raw, RUN));
            rates[i].push(rate);
            if let (Some(a), Some(b)) = (cpu_before, process_cpu()) {
                cpu[i].push((b - a).as_secs_f64() * 1e6 / requests as f64);
            }
        }
    }
    let rss_after = rss_kib("VmRSS");
    let rss_peak = rss_kib("VmHWM");
    let [inspect, bytes, raw_rate] = rates.map(|mut r| {
        r.sort_by(f64::total_cmp);
        (r[r.len() / 2], r)
    });
    let [cpu_inspect, cpu_bytes, cpu_raw] = cpu.map(|mut c| {
        c.sort_by(f64::total_cmp);
        c.get(c.len() / 2).copied()
    });
    let line = |name: &str, (median, all): &(f64, Vec<f64>)| {
        let all: Vec<String> = all.iter().map(|r| format!("{r:.0}")).collect();
        println!(
            "  {name:<14} {median:>8.0} req/s  (rounds, sorted: {})",
            all.join(" ")
        );
    };
    println!(
        "container inspect over {}, {TASKS} concurrent tasks on {WORKER_THREADS} worker threads, \
         {} s per run, median of {ROUNDS} rounds (answers of {len} bytes, {framing}):",
        socket.display(),
        RUN.as_secs()
    );
    line("wharf inspect", &inspect);
    line("wharf bytes", &bytes);
    line("raw", &raw_rate);
    println!(
        "  wharf/raw  inspect {:.2}x  bytes {:.2}x  (target inspect >= {TARGET:.2}x)",
        inspect.0 / raw_rate.0,
        bytes.0 / raw_rate.0,
    );
    if let (Some(i), Some(b), Some(r)) = (cpu_inspect, cpu_bytes, cpu_raw) {
        println!(
            "  client CPU per request: inspect {i:.1} us, bytes {b:.1} us, raw {r:.1} us; \
             inspect/raw {:.2}x (target <= {CPU_TARGET:.1}x)",
            i / r
        );
    }
    // each task holds one such future while its call is under way
    let future = std::mem::size_of_val(&docker.container(&id).inspect());
    println!("  one inspect call's future: {future} bytes");
    if let (Some(before), Some(after), Some(peak)) = (rss_before, rss_after, rss_peak) {
        println!(
            "  resident memory: {:.1} MiB before the bursts, {:.1} MiB after ({:+.1} MiB; \
             target within 2), peak {:.1} MiB",
            before as f64 / 1024.0,
            after as f64 / 1024.0,
            (after as f64 - before as f64) / 1024.0,
            peak as f64 / 1024.0
        );
    }
}

/// The process's user and system CPU time so far (Linux: /proc/self/stat).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // the fields after the command name, which is in parentheses
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on Linux
    Some(Duration::from_millis(ticks * 10))
}

/// A `/proc/self/status` memory line (`VmRSS`, `VmHWM`), in KiB.
fn rss_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[derive(Clone, Copy)]
enum Contender {
    Inspect,
    Bytes,
    Raw,
}

impl Contender {
    /// Runs [`TASKS`] tasks for `time`; returns the requests per second
    /// and the requests made. The raw clients are lent to the tasks and
    /// given back.
    async fn run(
        self,
        docker: &Docker,
        id: &str,
        raw: &mut Vec<RawClient>,
        time: Duration,
    ) -> (f64, u64) {
        let start = Instant::now();
        let deadline = start + time;
        let mut tasks = Vec::with_capacity(TASKS);
        match self {
            Contender::Inspect => {
                for _ in 0..TASKS {
                    let container = docker.container(id);
                    tasks.push(tokio::spawn(async move {
                        let mut n = 0u64;
                        while Instant::now() < deadline {
                            container.inspect().await.expect("inspect");
                            n += 1;
                        }
                        (n, None)
                    }));
                }
            }
            Contender::Bytes => {
                let path: Arc<str> = format!("/containers/{id}/json").into();
                for _ in 0..TASKS {
                    let (docker, path) = (docker.clone(), path.clone());
                    tasks.push(tokio::spawn(async move {
                        let mut n = 0u64;
                        while Instant::now() < deadline {
                            let body = docker
                                .get(&path)
                                .send()
                                .await
                                .expect("get")
                                .bytes()
                                .await
                                .expect("body");
                            assert!(!body.is_empty());
                            n += 1;
                        }
                        (n, None)
                    }));
                }
            }
            Contender::Raw => {
                for mut client in raw.drain(..) {
                    tasks.push(tokio::spawn(async move {
                        let mut n = 0u64;
                        while Instant::now() < deadline {
                            let (status, _) = client.get().await.expect("raw get");
                            assert_eq!(status, 200);
                            n += 1;
                        }
                        (n, Some(client))
                    }));
                }
            }
        }
        let mut total = 0;
        for task in tasks {
            let (n, client) = task.await.expect("task");
            total += n;
            raw.extend(client);
        }
        (total as f64 / start.elapsed().as_secs_f64(), total)
    }
}

/// The least an HTTP/1.1 client can do: one kept-alive connection, the
/// request written as prepared bytes, the answer read into a reused buffer,
/// its head scanned for the status and the body's framing.
struct RawClient {
    stream: UnixStream,
    request: Vec<u8>,
    buf: Vec<u8>,
    /// Whether the last answer was chunked (else it had a `Content-Length`).
    chunked: bool,
}

impl RawClient {
    async fn connect(socket: &Path, path: &str) -> io::Result<RawClient> {
        Ok(RawClient {
            stream: UnixStream::connect(socket).await?,
            request: format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").into_bytes(),
            buf: Vec::with_capacity(64 * 1024),
            chunked: false,
        })
    }

    /// Reads more of the answer onto the end of `buf`.
    async fn fill(&mut self) -> io::Result<()> {
        if self.buf.capacity() - self.buf.len() < 16 * 1024 {
            self.buf.reserve(64 * 1024);
        }
        if self.stream.read_buf(&mut self.buf).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }

    /// The index just past the next CRLF at or after `from`, reading as
    /// needed.
    async fn line_end(&mut self, from: usize) -> io::Result<usize> {
        loop {
            if let Some(i) = memchr::memmem::find(&self.buf[from..], b"\r\n") {
                return Ok(from + i + 2);
            }
            self.fill().await?;
        }
    }

    /// One request; returns the status and the length of the body.
    async fn get(&mut self) -> io::Result<(u16, usize)> {
        self.stream.write_all(&self.request).await?;
        let head_end = loop {
            if let Some(i) = memchr::memmem::find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end])
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
        // "HTTP/1.1 200 OK"
        let status: u16 = head
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("status line"))?;
        let mut content_length = None;
        let mut chunked = false;
        for line in head.split("\r\n").skip(1) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = Some(value.parse::<usize>().map_err(|_| bad("length"))?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            }
        }
        let (body_len, end) = if chunked {
            // size CRLF data CRLF ... 0 CRLF [trailers] CRLF
            let (mut at, mut body_len) = (head_end, 0);
            loop {
                let size_end = self.line_end(at).await?;
                let size = std::str::from_utf8(&self.buf[at..size_end - 2])
                    .ok()
                    .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
                    .ok_or_else(|| bad("chunk size"))?;
                at = size_end;
                if size == 0 {
                    loop {
                        let next = self.line_end(at).await?;
                        let empty = next == at + 2;
                        at = next;
                        if empty {
                            break;
                        }
                    }
                    break (body_len, at);
                }
                while self.buf.len() < at + size + 2 {
                    self.fill().await?;
                }
                body_len += size;
                at += size + 2;
            }
        } else {
            let len = content_length.ok_or_else(|| bad("no Content-Length, not chunked"))?;
            while self.buf.len() < head_end + len {
                self.fill().await?;
            }
            (len, head_end + len)
        };
        self.buf.drain(..end);
        self.chunked = chunked;
        Ok((status, body_len))
    }
}

fn wharf_client(socket: &Path) -> Docker {
    Docker::builder()
        .environment(Environment::empty())
        .host(format!("unix://{}", socket.display()))
        .build()
        .expect("client")
}

/// The image and the container the bench inspects. Dropping it removes
/// both, with a runtime and a client of its own (the bench's may be in the
/// middle of a panic).
struct Fixture {
    socket: PathBuf,
    image: String,
    container: Option<String>,
}

impl Fixture {
    /// Builds the image and creates the container; returns its id.
    async fn create(&mut self, docker: &Docker) -> String {
        let labels = format!(r#"{{"{LABEL}":"inspect"}}"#);
        let response = docker
            .post("/build")
            .query("t", &self.image)
            .query("labels", &labels)
            .query("rm", "1")
            .query("forcerm", "1")
            .header("Content-Type", "application/x-tar")
            .body(build_context())
            .timeout(wharf::Timeout::Idle(Duration::from_secs(120)))
            .send()
            .await
            .unwrap_or_else(|e| panic!("building {}: {e}", self.image));
        ProgressStream::new(response)
            .try_for_each(|_| async { Ok(()) })
            .await
            .unwrap_or_else(|e| panic!("building {}: {e}", self.image));
        let created = docker
            .containers()
            .create(&ContainerSpec::new(&self.image).label(LABEL, "inspect"))
            .await
            .expect("creating the container");
        let id = created.container.id().to_owned();
        self.container = Some(id.clone());
        id
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        let docker = wharf_client(&self.socket);
        rt.block_on(async {
            if let Some(id) = &self.container {
                if let Err(e) = docker
                    .container(id)
                    .remove_with(&RemoveOptions::new().force(true))
                    .await
                {
                    eprintln!("removing the bench's container {id}: {e}");
                }
            }
            let removed = docker
                .delete(&format!("/images/{}", self.image))
                .send()
                .await;
            if let Err(e) = removed {
                if e.kind() != wharf::ErrorKind::NotFound {
                    eprintln!("removing the bench's image {}: {e}", self.image);
                }
            }
        });
    }
}

/// The build context: a Dockerfile `FROM scratch` and the one file it copies.
fn build_context() -> Vec<u8> {
    let dockerfile = "FROM scratch\nCOPY hello /hello\nCMD [\"/hello\"]\n";
    let hello = "a file for the wharf inspect bench\n";
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in [("Dockerfile", dockerfile), ("hello", hello)] {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        tar.append_data(&mut header, name, data.as_bytes())
            .expect("tar");
    }
    tar.into_inner().expect("tar")
}
