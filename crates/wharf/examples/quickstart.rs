//! Connects to the local engine, says which one and how it was found, then runs a
//! container and prints its output.
//!
//! ```sh
//! cargo run --example quickstart                       # wharf-test/busybox:latest
//! cargo run --example quickstart -- alpine:3.20        # another image
//! cargo run --example quickstart -- alpine:3.20 uname -a
//! ```
//!
//! The engine is the one the docker CLI would use: `DOCKER_HOST`, `DOCKER_CONTEXT`, the
//! current context, or `/var/run/docker.sock`.

use std::process::ExitCode;

use futures_util::StreamExt;
use wharf::api::types::SystemVersion;
use wharf::container::{ContainerSpec, LogsOptions, RemoveOptions};
use wharf::stream::LogOutput;
use wharf::{Docker, ErrorKind};

const DEFAULT_IMAGE: &str = "wharf-test/busybox:latest";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let image = args.next().unwrap_or_else(|| DEFAULT_IMAGE.to_owned());
    let cmd: Vec<String> = args.collect();
    match run(&image, cmd).await {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Returns the container's exit code.
async fn run(image: &str, cmd: Vec<String>) -> wharf::Result<i64> {
    let docker = Docker::connect()?;
    let endpoint = docker.endpoint();
    println!("endpoint:    {} ({})", endpoint.url(), endpoint.source());
    let api = docker.api_version().await?;
    println!("API version: {api} (negotiated with the engine)");
    let version: SystemVersion = docker.get("/version").send().await?.json().await?;
    println!(
        "engine:      {} {} (API {} to {}), {}/{}",
        version
            .components
            .first()
            .map(|c| c.name.as_str())
            .unwrap_or("Engine"),
        version.version.as_deref().unwrap_or("?"),
        version.min_api_version.as_deref().unwrap_or("?"),
        version.api_version.as_deref().unwrap_or("?"),
        version.os.as_deref().unwrap_or("?"),
        version.arch.as_deref().unwrap_or("?"),
    );

    if let Err(e) = docker.get(&format!("/images/{image}/json")).send().await {
        if e.kind() == ErrorKind::NotFound {
            eprintln!("The image {image} is not on this engine.");
            if image == DEFAULT_IMAGE {
                eprintln!(
                    "The engine tests build it (from Debian's busybox-static, no registry \
                     needed):\n  cargo test -p wharf-tests --test engine\n\
                     or name an image the engine has: cargo run --example quickstart -- IMAGE"
                );
            } else {
                eprintln!("Pull it first (docker pull {image}), or name another image.");
            }
        }
        return Err(e);
    }

    let cmd = if cmd.is_empty() {
        vec![
            "sh".to_owned(),
            "-c".to_owned(),
            "echo \"hello from container $(hostname)\"; uname -sm".to_owned(),
        ]
    } else {
        cmd
    };
    let spec = ContainerSpec::new(image)
        .cmd(cmd)
        .label("org.wharf.example", "quickstart");
    let container = docker.containers().run(&spec).await?.container;
    println!(
        "container:   {}",
        &container.id()[..12.min(container.id().len())]
    );

    // Print the output, then remove the container whatever happened.
    let result = async {
        let status = container.wait().await?;
        let mut logs = container.logs(LogsOptions::new()).await?;
        println!("--- output ---");
        while let Some(piece) = logs.next().await {
            match piece? {
                LogOutput::Stderr(bytes) => eprint!("{}", String::from_utf8_lossy(&bytes)),
                other => print!("{}", String::from_utf8_lossy(other.as_bytes())),
            }
        }
        println!("--- exit code {} ---", status.code);
        if let Some(error) = &status.error {
            eprintln!("the engine says: {error}");
        }
        Ok(status.code)
    }
    .await;
    container
        .remove_with(&RemoveOptions::new().force(true).volumes(true))
        .await?;
    println!("removed the container");
    result
}
