//! Builds a directory with the classic builder and prints what `docker build`
//! (`DOCKER_BUILDKIT=0`) prints:
//!
//! ```sh
//! cargo run --example build -- [-t TAG]... [-f DOCKERFILE] [--build-arg K=V]... [--target STAGE] [--no-cache] [--compress] DIR
//! ```
//!
//! ```text
//! Sending build context to Docker daemon  2.048kB
//! Step 1/2 : FROM wharf-test/busybox:latest
//!  ---> 3f9d2e0b1c4a
//! Step 2/2 : RUN echo hello
//!  ---> Running in 0c1d2e3f4a5b
//! hello
//!  ---> 7a8b9c0d1e2f
//! Successfully built 7a8b9c0d1e2f
//! Successfully tagged app:dev
//! ```
//!
//! A failing step prints the daemon's message and exits with status 1, as the CLI does.

use std::io::Write;

use futures_util::TryStreamExt;
use wharf::build::{BuildContext, BuildOptions, BuildProgress};

const USAGE: &str = "usage: build [-t TAG]... [-f DOCKERFILE] [--build-arg K=V]... \
                     [--target STAGE] [--no-cache] [--compress] DIR";

fn main() -> std::process::ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The daemon's own words, as the CLI prints them.
            match e
                .downcast_ref::<wharf::Error>()
                .and_then(wharf::Error::message)
            {
                Some(message) => eprintln!("{message}"),
                None => eprintln!("{e}"),
            }
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (context, options) = parse(std::env::args().skip(1))?;
    let docker = wharf::Docker::connect()?;
    let mut build = docker.build(context, &options).await?;
    let mut out = std::io::stdout().lock();
    let mut announced = false;
    while let Some(progress) = build.try_next().await? {
        // The daemon reads the whole context before its first line.
        if !announced {
            announced = true;
            let size = human_size(build.context_bytes());
            writeln!(out, "Sending build context to Docker daemon  {size}")?;
        }
        match progress {
            BuildProgress::Output(text) => write!(out, "{text}")?,
            BuildProgress::Status(line) => {
                if let Some(status) = line.status {
                    match line.id {
                        Some(id) => writeln!(out, "{id}: {status}")?,
                        None => writeln!(out, "{status}")?,
                    }
                }
            }
            _ => {}
        }
        out.flush()?;
    }
    Ok(())
}

fn parse(
    mut args: impl Iterator<Item = String>,
) -> Result<(BuildContext, BuildOptions), Box<dyn std::error::Error>> {
    let mut options = BuildOptions::new();
    let (mut dockerfile, mut dir, mut gzip) = (None, None, false);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(USAGE);
        match arg.as_str() {
            "-t" | "--tag" => options = options.tag(value()?),
            "-f" | "--file" => dockerfile = Some(value()?),
            "--build-arg" => {
                let pair = value()?;
                let (k, v) = pair.split_once('=').ok_or("--build-arg takes KEY=VALUE")?;
                options = options.build_arg(k, v);
            }
            "--target" => options = options.target(value()?),
            "--no-cache" => options = options.no_cache(true),
            "--compress" => gzip = true,
            _ if arg.starts_with('-') || dir.is_some() => return Err(USAGE.into()),
            _ => dir = Some(arg),
        }
    }
    let mut context = BuildContext::directory(dir.ok_or(USAGE)?).gzip(gzip);
    if let Some(path) = dockerfile {
        context = match path.as_str() {
            "-" => context.dockerfile_text(std::io::read_to_string(std::io::stdin())?),
            _ => context.dockerfile(path),
        };
    }
    Ok((context, options))
}

/// A size as the CLI writes it (go-units `HumanSize`: decimal units, four
/// significant digits).
fn human_size(bytes: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < units.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    let digits = if size >= 100.0 {
        1
    } else if size >= 10.0 {
        2
    } else {
        3
    };
    let text = format!("{size:.digits$}");
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    format!("{trimmed}{}", units[unit])
}
