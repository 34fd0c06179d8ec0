//! Builds one directory with `Docker::build` and reports the process's peak memory,
//! for the engine test `build::a_1_gib_context_builds_in_bounded_memory` (a process of
//! its own, so that no other test's memory counts):
//!
//! ```sh
//! build_rss DIR TAG [LABEL=VALUE...]
//! ```
//!
//! prints one line of JSON, `{"image_id":"sha256:...","context_bytes":N,"vm_hwm_kib":N}`,
//! where `vm_hwm_kib` is `VmHWM` of `/proc/self/status` after the build. The engine is
//! the one `DOCKER_HOST` names, as for the tests.
use std::process::ExitCode;

use wharf::build::{BuildContext, BuildOptions};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match rt.block_on(run(&args)) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("build_rss: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &[String]) -> Result<String> {
    let [dir, tag, labels @ ..] = args else {
        return Err("usage: build_rss DIR TAG [LABEL=VALUE...]".into());
    };
    let mut options = BuildOptions::new().tag(tag);
    for label in labels {
        let (k, v) = label.split_once('=').ok_or("labels are KEY=VALUE")?;
        options = options.label(k, v);
    }
    let docker = wharf::Docker::connect()?;
    let built = docker
        .build(BuildContext::directory(dir), &options)
        .await?
        .finish()
        .await?;
    Ok(serde_json::json!({
        "image_id": built.image_id,
        "context_bytes": built.context_bytes,
        "vm_hwm_kib": peak_rss_kib()?,
    })
    .to_string())
}

/// `VmHWM` of this process, in KiB.
fn peak_rss_kib() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .ok_or("no VmHWM in /proc/self/status")?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}
