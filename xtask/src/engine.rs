//! `cargo xtask engine up|down|status NAME [--purge]`: the test engines.
//!
//! Each engine is a bash script in `xtask/engines/NAME.sh` (root, Debian
//! bookworm, Debian's packages only); this runs it with the output passed
//! through. `up` prints `DOCKER_HOST=...` (or `WHARF_TEST_REGISTRY=...`) as its
//! last stdout line, logs go to stderr. `status` exits 1 when the engine does not
//! answer. NAME may be `all` to act on every engine in turn.
use anyhow::{bail, Context, Result};
use std::process::Command;

/// The engines, in the order `all` starts them.
const ENGINES: &[(&str, &str)] = &[
    (
        "docker-28",
        "Docker Engine 28.5 (API 1.51), Debian sid's docker.io in a debootstrapped tree; unix:///run/wharf/docker-28.sock",
    ),
    (
        "docker-28-swarm",
        "Docker Engine 28.5 for the swarm tests, docker-28's tree with its own data, network namespace (10.30.0.2) and swarm; unix:///run/wharf/docker-28-swarm.sock",
    ),
    (
        "docker-20-swarm",
        "Docker Engine 20.10 for the swarm tests, with its own data, network namespace (10.31.0.2) and swarm; unix:///run/wharf/docker-20-swarm.sock",
    ),
    (
        "docker-20",
        "Docker Engine 20.10 (API 1.41), Debian bookworm's docker.io; unix:///run/wharf/docker-20.sock",
    ),
    (
        "podman",
        "Podman 4.3 compat API (1.41), Debian bookworm's podman; unix:///run/wharf/podman.sock",
    ),
    (
        "podman-faults",
        "Podman 4.3 compat API (1.41), a separate instance the fault tests SIGKILL (`kill`) and start again (`restart`); unix:///run/wharf/podman-faults.sock",
    ),
    (
        "registry",
        "distribution 2.8 registry with basic auth (wharf / wharf-test-password); 127.0.0.1:5000",
    ),
];

const ACTIONS: &[&str] = &["up", "down", "status", "kill", "restart"];
/// The engines that `kill` (SIGKILL) and `restart` may act on: never a
/// shared one.
const KILLABLE: &[&str] = &["podman-faults"];

fn usage() -> String {
    let mut s = String::from(
        "usage: cargo xtask engine up|down|status NAME|all [--purge]\n       \
         cargo xtask engine kill|restart podman-faults\n\n\
         `down --purge` also deletes the engine's data. `kill` sends SIGKILL to a \
         fault-test engine, `restart` starts it again.\n\nengines:\n",
    );
    for (name, what) in ENGINES {
        s.push_str(&format!("  {name:<16} {what}\n"));
    }
    s
}

pub fn run(args: &[String]) -> Result<()> {
    let (action, name, extra) = match args {
        [action, name, extra @ ..] => (action.as_str(), name.as_str(), extra),
        [h] if h == "-h" || h == "--help" || h == "help" => {
            print!("{}", usage());
            return Ok(());
        }
        _ => {
            eprint!("{}", usage());
            bail!("engine: expected an action and an engine name");
        }
    };
    if !ACTIONS.contains(&action) {
        eprint!("{}", usage());
        bail!("engine: unknown action `{action}`");
    }
    if extra.iter().any(|a| a != "--purge") || (!extra.is_empty() && action != "down") {
        eprint!("{}", usage());
        bail!("engine: unexpected arguments {extra:?}");
    }
    if matches!(action, "kill" | "restart") && !KILLABLE.contains(&name) {
        eprint!("{}", usage());
        bail!("engine: `{action}` is only for {KILLABLE:?}, never a shared engine");
    }
    let names: Vec<&str> = if name == "all" {
        ENGINES.iter().map(|(n, _)| *n).collect()
    } else if ENGINES.iter().any(|(n, _)| *n == name) {
        vec![name]
    } else {
        eprint!("{}", usage());
        bail!("engine: unknown engine `{name}`");
    };

    let mut failed = 0;
    for name in names {
        let code = run_script(name, action, extra)?;
        if code != 0 {
            if action == "status" {
                failed = code;
                continue;
            }
            // the script already said why on stderr
            std::process::exit(code);
        }
    }
    if failed != 0 {
        std::process::exit(failed);
    }
    Ok(())
}

/// Runs `bash xtask/engines/NAME.sh ACTION [EXTRA..]` with stdio inherited and
/// returns its exit code.
fn run_script(name: &str, action: &str, extra: &[String]) -> Result<i32> {
    let script = crate::workspace_root()
        .join("xtask/engines")
        .join(format!("{name}.sh"));
    if !script.is_file() {
        bail!("engine: {} is missing", script.display());
    }
    let status = Command::new("bash")
        .arg(&script)
        .arg(action)
        .args(extra)
        .status()
        .with_context(|| format!("running bash {}", script.display()))?;
    Ok(match status.code() {
        Some(code) => code,
        None => {
            eprintln!(
                "engine: {} {action} was killed by a signal",
                script.display()
            );
            1
        }
    })
}
