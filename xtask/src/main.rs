//! Project tasks, run with `cargo xtask <task>`:
//!
//! - `regen [--api-version X.Y] [--check] [-v]`: turn the vendored Engine API spec into the
//!   `wharf-api` crate in `generated/`.
//! - `engine up|down|status NAME`: start, stop or query a test engine
//!   (`docker-28`, `docker-28-swarm`, `docker-20`, `docker-20-swarm`, `podman`, `registry`,
//!   and `podman-faults`, which `engine kill|restart podman-faults` SIGKILLs and starts again).
//! - `bench logs`: end-to-end logs against a real engine, wharf against `docker logs`.
//! - `faults`: the fault, load and hostile-input suite, and its report.
//! - `bench build`: a 1 GiB directory build context, wharf against `tar -c | curl -T -`.
mod bench;
mod engine;
mod faults;
mod regen;

use anyhow::{bail, Result};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  regen [--api-version X.Y] [--check] [-v]   regenerate generated/ from openapi/vX.Y.yaml
  engine up|down|status NAME                  manage a test engine: docker-28, docker-28-swarm, docker-20, docker-20-swarm, podman, registry, podman-faults
  engine kill|restart podman-faults           SIGKILL the fault-test engine, start it again
  bench logs [--lines-mib N] [--tty-mib N]    wharf's logs against `docker logs` on a real engine
  faults [-- TEST-ARGS]                       the fault, load and hostile-input suite, and its report table
  bench build [--mib N] [--rounds N]          a directory build context, wharf against `tar | curl`
";

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((task, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        bail!("no task given");
    };
    match task.as_str() {
        "regen" => regen::run(rest),
        "engine" => engine::run(rest),
        "bench" => bench::run(rest),
        "faults" => faults::run(rest),
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => {
            eprint!("{USAGE}");
            bail!("unknown task `{other}`")
        }
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}
