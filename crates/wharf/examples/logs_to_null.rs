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
//! /dev/null`.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use futures_util::TryStreamExt;
use wharf::container::LogsOptions;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: logs_to_null CONTAINER";

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
