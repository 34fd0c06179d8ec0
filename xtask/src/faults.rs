//! `cargo xtask faults [-- TEST-ARGS]`: the fault, load and hostile-input suite
//! (`tests/tests/faults/`), one case at a time, then its report as a table: case,
//! engine, outcome, time to error, fds and RSS before and after.
//!
//! The engines: `DOCKER_HOST` (docker-28 in CI) for the load cases, `podman-faults`
//! (`cargo xtask engine up podman-faults`, or `WHARF_FAULTS_HOST`) for the daemon
//! kills, the shared `podman` (or `WHARF_FAULTS_PODMAN`) for the error kinds. With `CI`
//! set, an engine that does not answer fails the suite. Exits with the tests' status.
use anyhow::{Context, Result};
use std::process::Command;

pub fn run(args: &[String]) -> Result<()> {
    let report = std::env::temp_dir().join(format!("wharf-faults-{}.tsv", std::process::id()));
    let _ = std::fs::remove_file(&report);
    let args: Vec<&String> = args.iter().filter(|a| *a != "--").collect();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(crate::workspace_root())
        .args([
            "test",
            "--locked",
            "-p",
            "wharf-tests",
            "--test",
            "faults",
            "--",
        ])
        .arg("--test-threads=1")
        .args(args)
        .env("WHARF_FAULTS_REPORT", &report)
        .status()
        .context("running cargo test --test faults")?;
    let rows = std::fs::read_to_string(&report).unwrap_or_default();
    let _ = std::fs::remove_file(&report);
    println!("\n{}", table(&rows));
    if !status.success() {
        std::process::exit(status.code().unwrap_or(1));
    }
    Ok(())
}

/// The report's tab-separated rows as a Markdown table.
fn table(rows: &str) -> String {
    let mut out = String::from(
        "| case | engine | outcome | time to error | fds before → after | RSS MiB before → after |\n\
         |---|---|---|---|---|---|\n",
    );
    for row in rows.lines() {
        let f: Vec<&str> = row.split('\t').collect();
        if let [case, engine, outcome, time, fds0, fds1, rss0, rss1] = f[..] {
            out.push_str(&format!(
                "| {case} | {engine} | {outcome} | {time} | {fds0} → {fds1} | {rss0} → {rss1} |\n"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn rows_become_a_table() {
        let t = super::table("logs -f\tpodman\tProtocol error\t58 ms\t13\t13\t12\t14\nbad\n");
        assert!(t.contains("| logs -f | podman | Protocol error | 58 ms | 13 → 13 | 12 → 14 |"));
        assert_eq!(t.lines().count(), 3);
    }
}
