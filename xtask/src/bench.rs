//! `cargo xtask bench logs [--lines-mib N] [--tty-mib N] [--rounds N]`: reading
//! a container's whole log end to end against a real engine, wharf against
//! `docker logs ID > /dev/null` on the same container.
//!
//! The engine is the one at `WHARF_BENCH_SOCKET`, else
//! `/run/wharf/docker-28.sock` (`cargo xtask engine up docker-28`). This:
//!
//! 1. builds, in release mode, wharf's `logs_to_null` example (the wharf
//!    side, which writes the log to stdout through `Container::logs` and says
//!    on stderr how many bytes it read) and the tests' `bench_container`
//!    helper;
//! 2. makes two exited containers of the engine tests' image with that
//!    helper (which builds the image if the engine lacks it): one without a
//!    TTY writing `--lines-mib` MiB (default 64) of 100-byte lines, one with
//!    a TTY writing `--tty-mib` MiB (default 256) of `a` without a newline;
//! 3. per container, reads the log once untimed with each side (the CLI
//!    through a pipe, counted here; the example by its own count) and checks
//!    both read exactly the bytes the container wrote; then times
//!    `docker logs ID > /dev/null` and `logs_to_null ID > /dev/null`,
//!    alternately (who goes first alternates too), `--rounds` times
//!    (default 3), each run a child process whose wall time and peak RSS
//!    (`ru_maxrss` from `wait4`) are taken;
//! 4. prints the median throughput of each in MiB/s, the ratio wharf/CLI
//!    (target: at least 1.0x) and the highest peak RSS of each, and removes
//!    the containers (also on an error).
//!
//! The CLI is the docker-28 engine's own (`/var/lib/wharf/docker-28/rootfs/
//! usr/bin/docker`) when it runs on this machine, else bookworm's
//! `/usr/bin/docker`; it is given `-H` with the engine's socket.
//!
//! Logs read from a real engine are bound by the engine (dockerd decodes
//! its `json-file` log and frames it again): expect both sides to be close,
//! which is the point: the client should not be what limits them.
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

mod build;

const DEFAULT_SOCKET: &str = "/run/wharf/docker-28.sock";
/// The docker CLIs to try, in order.
const CLIS: &[&str] = &[
    "/var/lib/wharf/docker-28/rootfs/usr/bin/docker",
    "/usr/bin/docker",
];
const MIB: u64 = 1024 * 1024;
const LINE: u64 = 100;
const TARGET: f64 = 1.0;

const USAGE: &str = "\
usage: cargo xtask bench logs [--lines-mib N] [--tty-mib N] [--rounds N]
       cargo xtask bench build [--mib N] [--rounds N]

  logs   wharf's logs_to_null example against `docker logs ID > /dev/null`, on a
         non-TTY container of 100-byte lines (default 64 MiB) and a TTY container
         writing without a newline (default 256 MiB); median of --rounds (default 3).
         Engine: WHARF_BENCH_SOCKET, else /run/wharf/docker-28.sock.
  build  wharf's Docker::build of a directory (the tests' build_rss helper) against
         `tar -c DIR | curl -T -` to the same /build, on a --mib MiB context (default
         1024); median of --rounds (default 3); wharf's peak RSS. Same engine.
";

pub fn run(args: &[String]) -> Result<()> {
    match args {
        [what, rest @ ..] if what == "logs" => logs(&Options::parse(rest)?),
        [what, rest @ ..] if what == "build" => build::run(rest),
        [h] if h == "-h" || h == "--help" || h == "help" => {
            print!("{USAGE}");
            Ok(())
        }
        _ => {
            eprint!("{USAGE}");
            bail!("bench: expected `logs` or `build`")
        }
    }
}

struct Options {
    lines_mib: u64,
    tty_mib: u64,
    rounds: usize,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            lines_mib: 64,
            tty_mib: 256,
            rounds: 3,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .with_context(|| format!("bench logs: {flag} needs a value"))?;
            let number = || -> Result<u64> {
                let n: u64 = value
                    .parse()
                    .with_context(|| format!("bench logs: {flag} {value}"))?;
                ensure!(n > 0, "bench logs: {flag} must be at least 1");
                Ok(n)
            };
            match flag.as_str() {
                "--lines-mib" => options.lines_mib = number()?,
                "--tty-mib" => options.tty_mib = number()?,
                "--rounds" => options.rounds = number()? as usize,
                _ => {
                    eprint!("{USAGE}");
                    bail!("bench logs: unknown option `{flag}`");
                }
            }
        }
        Ok(options)
    }
}

/// One container and what it logged.
struct Log {
    what: String,
    id: String,
    bytes: u64,
}

fn logs(options: &Options) -> Result<()> {
    let socket = std::env::var_os("WHARF_BENCH_SOCKET")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET));
    if !socket.exists() {
        bail!(
            "bench logs: no engine socket at {} (set WHARF_BENCH_SOCKET, or start one with \
             `cargo xtask engine up docker-28`)",
            socket.display()
        );
    }
    let host = format!("unix://{}", socket.display());
    let (cli, cli_version) = find_cli(&host)?;
    let example = build_release("wharf", "--example", "logs_to_null")?;
    let helper = build_release("wharf-tests", "--bin", "bench_container")?;
    println!(
        "engine {host}; CLI {} ({cli_version}); wharf {}",
        cli.display(),
        example.display()
    );

    let mut containers = Containers {
        cli: cli.clone(),
        host: host.clone(),
        ids: Vec::new(),
    };
    let lines = options.lines_mib * MIB / LINE;
    // 99 characters and the newline.
    let line = "0123456789".repeat(10)[..LINE as usize - 1].to_owned();
    let tty_bytes = options.tty_mib * MIB;
    let wanted = [
        (
            format!(
                "a non-TTY container, {:.1} MiB in {lines} lines of {LINE} bytes",
                (lines * LINE) as f64 / MIB as f64
            ),
            false,
            format!("yes {line} | head -n {lines}"),
            lines * LINE,
        ),
        (
            format!("a TTY container, {} MiB without a newline", options.tty_mib),
            true,
            format!("head -c {tty_bytes} /dev/zero | tr '\\000' a"),
            tty_bytes,
        ),
    ];
    let started = Instant::now();
    println!("making the containers (the engine logs at its own pace)...");
    let mut helpers = Vec::new();
    for (_, tty, script, _) in &wanted {
        let mut command = Command::new(&helper);
        command.env("DOCKER_HOST", &host);
        if *tty {
            command.arg("--tty");
        }
        command.args(["--", "sh", "-c", script]);
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("running {}", helper.display()))?;
        let mut id = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut id)
            .context("reading the container id")?;
        let id = id.trim().to_owned();
        if !id.is_empty() {
            containers.ids.push(id.clone());
        }
        helpers.push((child, id));
    }
    let mut logs = Vec::new();
    for ((mut child, id), (what, _, _, bytes)) in helpers.into_iter().zip(wanted) {
        let status = child.wait()?;
        ensure!(
            status.success() && !id.is_empty(),
            "making {what} failed ({status})"
        );
        logs.push(Log { what, id, bytes });
    }
    println!("made in {:.1} s", started.elapsed().as_secs_f64());

    for log in &logs {
        compare(&cli, &host, &example, log, options.rounds)?;
    }
    drop(containers);
    Ok(())
}

/// Checks both sides read the whole log, then times them alternately and
/// prints the comparison.
fn compare(cli: &Path, host: &str, example: &Path, log: &Log, rounds: usize) -> Result<()> {
    let docker_logs = || {
        let mut c = Command::new(cli);
        c.args(["-H", host, "logs", &log.id]);
        c
    };
    let wharf = || {
        let mut c = Command::new(example);
        c.env("DOCKER_HOST", host).arg(&log.id);
        c
    };

    // Untimed: what each reads. This also brings the log into the page cache.
    let (cli_bytes, _) = measure(&mut docker_logs(), true)?;
    ensure!(
        cli_bytes == log.bytes,
        "docker logs read {cli_bytes} bytes of {}, not {}",
        log.what,
        log.bytes
    );
    let (_, run) = measure(&mut wharf(), false)?;
    ensure!(
        run.bytes == Some(log.bytes),
        "logs_to_null read {:?} bytes of {}, not {}",
        run.bytes,
        log.what,
        log.bytes
    );

    let (mut cli_runs, mut wharf_runs) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        for side in [round % 2, 1 - round % 2] {
            if side == 0 {
                cli_runs.push(measure(&mut docker_logs(), false)?.1);
            } else {
                let (_, run) = measure(&mut wharf(), false)?;
                ensure!(
                    run.bytes == Some(log.bytes),
                    "logs_to_null read {:?} bytes, not {}",
                    run.bytes,
                    log.bytes
                );
                wharf_runs.push(run);
            }
        }
    }
    let summary = |runs: &mut Vec<Run>| {
        runs.sort_by_key(|r| r.wall);
        let median = runs[runs.len() / 2].wall;
        let peak = runs.iter().map(|r| r.max_rss_kib).max().unwrap_or(0);
        let all: Vec<String> = runs
            .iter()
            .map(|r| format!("{:.2}", r.wall.as_secs_f64()))
            .collect();
        (median, peak, all.join(" "))
    };
    let (cli_median, cli_peak, cli_all) = summary(&mut cli_runs);
    let (wharf_median, wharf_peak, wharf_all) = summary(&mut wharf_runs);
    let mib_s = |wall: Duration| log.bytes as f64 / MIB as f64 / wall.as_secs_f64();
    println!("logs of {}, median of {rounds} alternating runs:", log.what);
    for (name, median, peak, all) in [
        ("docker logs", cli_median, cli_peak, cli_all),
        ("wharf", wharf_median, wharf_peak, wharf_all),
    ] {
        println!(
            "  {name:<12} {:>7.1} MiB/s  peak RSS {:>7.1} MiB  (runs, sorted: {all} s)",
            mib_s(median),
            peak as f64 / 1024.0
        );
    }
    println!(
        "  wharf/CLI  {:.2}x  (target >= {TARGET:.2}x)",
        mib_s(wharf_median) / mib_s(cli_median)
    );
    Ok(())
}

/// One child's run.
struct Run {
    wall: Duration,
    max_rss_kib: i64,
    /// The count `logs_to_null` prints on stderr (`N bytes`).
    bytes: Option<u64>,
}

/// Runs `command` with stdout to /dev/null, or with `count` into a pipe
/// whose bytes are counted here; returns that count (0 without `count`) and
/// the run. Fails unless the child exits 0.
fn measure(command: &mut Command, count: bool) -> Result<(u64, Run)> {
    let started = Instant::now();
    let mut child = command
        .stdout(if count { Stdio::piped() } else { Stdio::null() })
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {command:?}"))?;
    let counted = match child.stdout.take() {
        Some(mut out) => {
            let mut buf = vec![0u8; 64 * 1024];
            let mut n = 0u64;
            loop {
                match out.read(&mut buf)? {
                    0 => break n,
                    k => n += k as u64,
                }
            }
        }
        None => 0,
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut stderr)?;
    let (code, max_rss_kib) = wait4(&child)?;
    let wall = started.elapsed();
    ensure!(
        code == Some(0),
        "{command:?} failed (exit {code:?}):\n{stderr}"
    );
    let bytes = stderr
        .lines()
        .last()
        .and_then(|l| l.strip_suffix(" bytes"))
        .and_then(|n| n.parse().ok());
    Ok((
        counted,
        Run {
            wall,
            max_rss_kib,
            bytes,
        },
    ))
}

/// Reaps `child` with `wait4(2)`: its exit code (`None` when a signal ended
/// it) and its peak resident set size in KiB (`ru_maxrss`). std's `Child`
/// has no way to give the rusage.
#[allow(unsafe_code)]
fn wait4(child: &Child) -> Result<(Option<i32>, i64)> {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain integers and timevals, for which all zeros is
    // a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `status` and `usage` are live, writable locals; `pid` is our
        // own child, not reaped yet (std's `Child` only reaps in `wait`, which
        // is never called on it).
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e).context("wait4");
        }
    }
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Ok((code, usage.ru_maxrss))
}

/// The first of [`CLIS`] that answers `version` against the engine, and its
/// version.
fn find_cli(host: &str) -> Result<(PathBuf, String)> {
    let mut tried = Vec::new();
    for cli in CLIS {
        let out = Command::new(cli)
            .args(["-H", host, "version", "--format", "{{.Client.Version}}"])
            .stderr(Stdio::piped())
            .output();
        match out {
            Ok(out) if out.status.success() => {
                let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
                return Ok((PathBuf::from(cli), version));
            }
            Ok(out) => tried.push(format!(
                "{cli}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(e) => tried.push(format!("{cli}: {e}")),
        }
    }
    bail!(
        "bench logs: no docker CLI works here:\n  {}",
        tried.join("\n  ")
    )
}

/// Builds `package`'s target `name` (`kind`: `--example` or `--bin`) in
/// release mode; returns its path.
fn build_release(package: &str, kind: &str, name: &str) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!("building: cargo build --release -p {package} {kind} {name}");
    let out = Command::new(cargo)
        .current_dir(crate::workspace_root())
        .args(["build", "--release", "-p", package, kind, name])
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo build")?;
    ensure!(out.status.success(), "cargo build failed");
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] == "compiler-artifact" && message["target"]["name"] == name {
            if let Some(path) = message["executable"].as_str() {
                return Ok(PathBuf::from(path));
            }
        }
    }
    bail!("cargo build did not name the {name} executable")
}

/// The benchmark's containers, removed when dropped.
struct Containers {
    cli: PathBuf,
    host: String,
    ids: Vec<String>,
}

impl Drop for Containers {
    fn drop(&mut self) {
        if self.ids.is_empty() {
            return;
        }
        let removed = Command::new(&self.cli)
            .args(["-H", &self.host, "rm", "-f"])
            .args(&self.ids)
            .stdout(Stdio::null())
            .status();
        if !removed.is_ok_and(|s| s.success()) {
            eprintln!(
                "bench logs: could not remove the containers {}",
                self.ids.join(" ")
            );
        }
    }
}
