//! `cargo xtask bench build [--mib N] [--rounds N]`: uploading a directory build
//! context, wharf against `tar -c DIR | curl -T -` to the same endpoint.
//!
//! The engine is the one at `WHARF_BENCH_SOCKET`, else `/run/wharf/docker-28.sock`.
//! This:
//!
//! 1. builds, in release mode, the tests' `build_rss` helper (the wharf side:
//!    `Docker::build` of a directory, printing the context size and its own peak
//!    RSS, `VmHWM`);
//! 2. makes a context of `--mib` MiB (default 1024) in a temporary directory: sixteen
//!    sparse files (read as zeros by both sides, so the disk is not what is timed)
//!    and a Dockerfile `FROM scratch` + `LABEL`, which the daemon builds in no time
//!    once it has the context;
//! 3. times, alternately (who goes first alternates too), `--rounds` times (default
//!    3), each run a child process: `build_rss DIR TAG`, and `sh -c 'tar -c -C DIR . |
//!    curl -T - .../build?t=TAG'` (curl streams its stdin chunked, as wharf does);
//!    both must report the built image and no error line;
//! 4. prints the median time and throughput of each, the ratio wharf/raw (target at
//!    least 0.9x) and wharf's peak RSS (target under 64 MiB), and removes the images
//!    and the directory (also on an error).
//!
//! Both sides wait for the daemon to unpack the context (it reads it whole before the
//! first step), so the figure is engine-bound: the point is that the client adds
//! nothing and holds no more than a few chunks.
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

use super::{build_release, wait4, DEFAULT_SOCKET, MIB};

const TARGET: f64 = 0.9;
const RSS_LIMIT_KIB: i64 = 64 * 1024;
const FILES: u64 = 16;
const LABEL: &str = "org.wharf.bench=build";

pub fn run(args: &[String]) -> Result<()> {
    let (mut mib, mut rounds) = (1024u64, 3usize);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().context("a value after the option");
        match arg.as_str() {
            "--mib" => mib = value()?.parse()?,
            "--rounds" => rounds = value()?.parse()?,
            other => bail!("bench build: unknown option {other}"),
        }
    }
    ensure!(
        rounds > 0 && mib >= FILES,
        "bench build: --rounds 1+, --mib 16+"
    );
    let socket = std::env::var("WHARF_BENCH_SOCKET").unwrap_or_else(|_| DEFAULT_SOCKET.into());
    let helper = build_release("wharf-tests", "--bin", "build_rss")?;
    let context = Scratch::new(mib, &socket)?;
    println!(
        "context: {mib} MiB in {FILES} files, {}; engine {socket}",
        context.dir.display()
    );
    let (mut wharf, mut raw) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let sides = [true, false];
        for &is_wharf in if round % 2 == 0 {
            &sides[..]
        } else {
            &[false, true][..]
        } {
            let tag = context.tag(if is_wharf { "wharf" } else { "raw" }, round);
            let run = if is_wharf {
                let mut c = Command::new(&helper);
                c.env("DOCKER_HOST", format!("unix://{socket}"))
                    .arg(&context.dir)
                    .arg(&tag)
                    .arg(LABEL);
                timed(&mut c, |out| {
                    let report: serde_json::Value = serde_json::from_str(out.trim())?;
                    let sent = report["context_bytes"].as_u64().unwrap_or(0);
                    ensure!(sent >= mib * MIB, "wharf sent {sent} bytes");
                    Ok(report["vm_hwm_kib"].as_i64().unwrap_or(i64::MAX))
                })?
            } else {
                let labels = format!("%7B%22{}%22%3A%22{}%22%7D", "org.wharf.bench", "build");
                let script = format!(
                    "tar -c -C '{}' . | curl -sS --fail --unix-socket '{socket}' -X POST \
                     -H 'Content-Type: application/x-tar' -T - \
                     'http://localhost/build?t={tag}&labels={labels}&version=1'",
                    context.dir.display()
                );
                let mut c = Command::new("sh");
                c.args(["-c", &script]);
                timed(&mut c, |out| {
                    ensure!(!out.contains("errorDetail"), "the raw build failed: {out}");
                    ensure!(out.contains("\"aux\""), "no image id in: {out}");
                    Ok(0)
                })?
            };
            println!(
                "round {round} {:5}: {:6.2} s, {:7.1} MiB/s, peak RSS {:.1} MiB",
                if is_wharf { "wharf" } else { "raw" },
                run.0.as_secs_f64(),
                mib as f64 / run.0.as_secs_f64(),
                run.1 as f64 / 1024.0
            );
            if is_wharf { &mut wharf } else { &mut raw }.push(run);
        }
    }
    let median = |runs: &mut Vec<(Duration, i64, i64)>| {
        runs.sort();
        runs[runs.len() / 2].0
    };
    let (w, r) = (median(&mut wharf), median(&mut raw));
    let peak = wharf.iter().map(|run| run.2).max().unwrap_or(0);
    let ratio = r.as_secs_f64() / w.as_secs_f64();
    println!(
        "median: wharf {:.1} MiB/s, tar | curl {:.1} MiB/s: {ratio:.2}x (target >= {TARGET}x); \
         wharf peak RSS {:.1} MiB (target < 64 MiB)",
        mib as f64 / w.as_secs_f64(),
        mib as f64 / r.as_secs_f64(),
        peak as f64 / 1024.0
    );
    ensure!(peak < RSS_LIMIT_KIB, "wharf's peak RSS is over 64 MiB");
    Ok(())
}

/// Runs `command`, checks its stdout with `check` (which returns the peak RSS the
/// process reported, in KiB); returns the wall time, the peak RSS from `wait4` and
/// the reported one.
fn timed(
    command: &mut Command,
    check: impl FnOnce(&str) -> Result<i64>,
) -> Result<(Duration, i64, i64)> {
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {command:?}"))?;
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("piped")
        .read_to_string(&mut out)?;
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut err)?;
    let (code, max_rss_kib) = wait4(&child)?;
    let wall = started.elapsed();
    ensure!(code == Some(0), "{command:?} failed ({code:?}): {err}");
    let reported = check(&out)?;
    Ok((wall, max_rss_kib, reported))
}

/// The context directory and the images built from it, removed when dropped.
struct Scratch {
    dir: PathBuf,
    socket: String,
    tags: std::cell::RefCell<Vec<String>>,
}

impl Scratch {
    fn new(mib: u64, socket: &str) -> Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("wharf-bench-build-{}", std::process::id()));
        let context = Scratch {
            dir,
            socket: socket.to_owned(),
            tags: Default::default(),
        };
        std::fs::create_dir_all(context.dir.join("data"))?;
        std::fs::write(
            context.dir.join("Dockerfile"),
            "FROM scratch\nLABEL org.wharf.bench=build\n",
        )?;
        for i in 0..FILES {
            let file = std::fs::File::create(context.dir.join(format!("data/part-{i:02}")))?;
            file.set_len(mib * MIB / FILES)?;
        }
        Ok(context)
    }

    fn tag(&self, side: &str, round: usize) -> String {
        let tag = format!("wharf-bench-build:{side}-{}-{round}", std::process::id());
        self.tags.borrow_mut().push(tag.clone());
        tag
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        for tag in self.tags.borrow().iter() {
            let removed = Command::new("curl")
                .args([
                    "-sS",
                    "--fail",
                    "--unix-socket",
                    &self.socket,
                    "-X",
                    "DELETE",
                ])
                .arg(format!("http://localhost/images/{tag}?force=1"))
                .stdout(Stdio::null())
                .status();
            if !removed.is_ok_and(|s| s.success()) {
                eprintln!("bench build: could not remove the image {tag}");
            }
        }
    }
}
