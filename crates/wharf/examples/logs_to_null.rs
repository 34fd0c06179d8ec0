//! Reads a container's whole log, like `docker logs CONTAINER`, without
//! following: every piece, stdout and stderr alike, goes to stdout (as with
//! `docker logs CONTAINER 2>&1`), and the number of bytes read to stderr.
//!
//! ```sh
//! cargo run --release --example logs_to_null -- CONTAINER > /dev/null
//! ```
//!
//! Pieces are written as they arrive, through one buffer: memory stays the
//! same whether the log holds 100-byte lines or a gigabyte without a newline.
//!
//! `cargo xtask bench logs` times this against `docker logs CONTAINER >
//! /dev/null`. It makes the containers it reads with the same binary:
//!
//! ```sh
//! logs_to_null --run [--tty] -- CMD...
//! ```
//!
//! runs CMD in a new container of `wharf-test/busybox:latest` (building the
//! image first if the engine lacks it, as the engine tests do), labeled
//! `org.wharf.bench=logs`; prints the container's id as soon as it exists and
//! exits once the container has exited, with an error unless it exited 0.
//! That part is at the end of this file.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use futures_util::TryStreamExt;
use wharf::container::LogsOptions;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: logs_to_null CONTAINER\n       logs_to_null --run [--tty] -- CMD...";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logs_to_null: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match args.as_slice() {
        [flag, rest @ ..] if flag == "--run" => rt.block_on(bench_setup::run(rest)),
        [id] if !id.starts_with('-') => {
            let bytes = rt.block_on(logs_to_stdout(id))?;
            eprintln!("{bytes} bytes");
            Ok(())
        }
        _ => Err(USAGE.into()),
    }
}

/// Writes the container's log so far to stdout; returns its length.
async fn logs_to_stdout(id: &str) -> Result<u64> {
    // DOCKER_HOST, the docker context, or the default socket.
    let docker = wharf::Docker::connect()?;
    // Stdout and stderr, everything so far, then the stream ends.
    let mut logs = docker.container(id).logs(LogsOptions::new()).await?;
    let mut out = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut bytes = 0;
    while let Some(piece) = logs.try_next().await? {
        out.write_all(piece.as_bytes())?;
        bytes += piece.len() as u64;
    }
    out.flush()?;
    Ok(bytes)
}

/// `--run`: the containers the benchmark reads.
mod bench_setup {
    use futures_util::TryStreamExt;
    use sha2::{Digest, Sha256};
    use std::io::Write;
    use wharf::container::ContainerSpec;
    use wharf::progress::ProgressStream;
    use wharf::{Docker, ErrorKind, Timeout};

    use super::{Result, USAGE};

    /// The engine tests' image (tests/src/engine.rs), built here the same
    /// way, with the same labels, so that either reuses the other's.
    const IMAGE: &str = "wharf-test/busybox:latest";
    const BUSYBOX: &str = "/bin/busybox";
    const TEST_LABEL: &str = "org.wharf.test";
    const CONTEXT_LABEL: &str = "org.wharf.test.context";

    pub async fn run(args: &[String]) -> Result<()> {
        let (tty, args) = match args {
            [flag, rest @ ..] if flag == "--tty" => (true, rest),
            _ => (false, args),
        };
        let cmd = match args {
            [dashes, cmd @ ..] if dashes == "--" && !cmd.is_empty() => cmd,
            _ => return Err(USAGE.into()),
        };
        let docker = Docker::connect()?;
        ensure_image(&docker).await?;
        let spec = ContainerSpec::new(IMAGE)
            .cmd(cmd)
            .tty(tty)
            .label("org.wharf.bench", "logs");
        let container = docker.containers().run(&spec).await?.container;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", container.id())?;
        out.flush()?;
        let status = container.wait().await?;
        if !status.success() {
            let error = status.error.map(|e| format!(": {e}")).unwrap_or_default();
            return Err(format!("{cmd:?} exited {}{error}", status.code).into());
        }
        Ok(())
    }

    /// Builds [`IMAGE`] unless the engine has it: `FROM scratch` with
    /// Debian's static busybox (package busybox-static).
    async fn ensure_image(docker: &Docker) -> Result<()> {
        match docker.get(&format!("/images/{IMAGE}/json")).send().await {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        let busybox = std::fs::read(BUSYBOX)
            .map_err(|e| format!("{BUSYBOX}: {e} (apt-get install busybox-static)"))?;
        let dockerfile = "FROM scratch\n\
                          COPY busybox /bin/busybox\n\
                          RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
                          CMD [\"/bin/sh\"]\n";
        let mut tar = tar::Builder::new(Vec::new());
        for (name, data, mode) in [
            ("Dockerfile", dockerfile.as_bytes(), 0o644),
            ("busybox", busybox.as_slice(), 0o755),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(mode);
            header.set_mtime(0);
            header.set_cksum();
            tar.append_data(&mut header, name, data)?;
        }
        let context = tar.into_inner()?;
        let digest: String = Sha256::digest(&context)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let labels = serde_json::json!({ TEST_LABEL: "image", CONTEXT_LABEL: digest });
        eprintln!("building {IMAGE}");
        let response = docker
            .post("/build")
            .query("t", IMAGE)
            .query("labels", &labels.to_string())
            .query("rm", "1")
            .query("forcerm", "1")
            .header("Content-Type", "application/x-tar")
            .body(context)
            .timeout(Timeout::Unlimited)
            .send()
            .await?;
        ProgressStream::new(response)
            .try_for_each(|_| async { Ok(()) })
            .await?;
        Ok(())
    }
}
