//! Makes one container for `cargo xtask bench logs`:
//!
//! ```sh
//! bench_container [--tty] -- CMD...
//! ```
//!
//! runs CMD in a new container of the engine tests' image
//! (`wharf-test/busybox:latest`, built first if the engine lacks it, exactly as
//! the engine tests build it), labeled `org.wharf.bench=logs`; prints the
//! container's id as soon as it exists, and exits once the container has
//! exited, with an error unless it exited 0. The engine is the one
//! `DOCKER_HOST` names, as for the tests.
use std::io::Write;
use std::process::ExitCode;

use wharf::container::ContainerSpec;
use wharf_tests::engine::{engine, test_image};

const USAGE: &str = "usage: bench_container [--tty] -- CMD...";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match rt.block_on(run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_container: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &[String]) -> Result<()> {
    let (tty, args) = match args {
        [flag, rest @ ..] if flag == "--tty" => (true, rest),
        _ => (false, args),
    };
    let cmd = match args {
        [dashes, cmd @ ..] if dashes == "--" && !cmd.is_empty() => cmd,
        _ => return Err(USAGE.into()),
    };
    let engine = engine().await.ok_or("no engine answers (see above)")?;
    let spec = ContainerSpec::new(test_image(&engine).await)
        .cmd(cmd)
        .tty(tty)
        .label("org.wharf.bench", "logs");
    let container = engine.docker.containers().run(&spec).await?.container;
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
