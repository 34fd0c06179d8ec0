//! Follows a container's logs, like `docker logs -f --tail N CONTAINER`:
//! stdout to stdout, stderr to stderr, until the container stops.
//!
//! ```sh
//! cargo run --example logs_follow -- CONTAINER [TAIL]
//! ```

use std::io::Write;

use futures_util::TryStreamExt;
use wharf::container::LogsOptions;
use wharf::stream::LogOutput;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let id = args.next().ok_or("usage: logs_follow CONTAINER [TAIL]")?;
    let tail: u64 = args.next().map(|t| t.parse()).transpose()?.unwrap_or(10);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let docker = wharf::Docker::connect()?;
            let mut logs = docker
                .container(&id)
                .logs(LogsOptions::new().follow(true).tail(tail))
                .await?;
            let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
            while let Some(piece) = logs.try_next().await? {
                match piece {
                    LogOutput::Stderr(b) | LogOutput::SystemError(b) => err.write_all(&b)?,
                    other => {
                        out.write_all(other.as_bytes())?;
                        out.flush()?;
                    }
                }
            }
            Ok(())
        })
}
