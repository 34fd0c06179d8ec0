//! An interactive shell in a container, like `docker exec -it CONTAINER sh`:
//! the terminal in raw mode, keys to the shell, its output to the screen, and
//! the shell's terminal resized whenever the window is.
//!
//! ```sh
//! cargo run --example exec_it -- CONTAINER [COMMAND...]
//! ```

use std::io::Write;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wharf::exec::{ExecOptions, StartOptions};

/// Leaves raw mode on every way out, panics included.
struct RawMode;

impl RawMode {
    fn enable() -> std::io::Result<RawMode> {
        crossterm::terminal::enable_raw_mode()?;
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let id = args.next().ok_or("usage: exec_it CONTAINER [COMMAND...]")?;
    let mut cmd: Vec<String> = args.collect();
    if cmd.is_empty() {
        cmd.push("sh".into());
    }
    let code = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(run(id, cmd))?;
    std::process::exit(code as i32);
}

async fn run(id: String, cmd: Vec<String>) -> Result<i64, Box<dyn std::error::Error>> {
    let docker = wharf::Docker::connect()?;
    let exec = docker
        .container(&id)
        .exec(ExecOptions::new(cmd).tty(true).attach_stdin(true))
        .await?;
    let (cols, rows) = crossterm::terminal::size()?;
    let (mut output, mut input) = exec
        .start_attached(StartOptions::new().console_size(rows, cols).stdin(true))
        .await?;
    let _raw = RawMode::enable()?;

    // Keys: the process's stdin, read on a blocking thread.
    let keys = tokio::spawn(async move {
        let mut stdin = tokio::io::stdin();
        let mut buf = [0u8; 1024];
        while let Ok(n) = stdin.read(&mut buf).await {
            if n == 0 || input.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = input.shutdown().await;
    });

    // Window changes: polled, which works the same on every platform.
    let resizer = {
        let exec = exec.clone();
        tokio::spawn(async move {
            let mut last = (cols, rows);
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                if let Ok(size) = crossterm::terminal::size() {
                    if size != last {
                        last = size;
                        let _ = exec.resize(size.1, size.0).await;
                    }
                }
            }
        })
    };

    let mut stdout = std::io::stdout();
    while let Some(piece) = output.next().await {
        stdout.write_all(piece?.as_bytes())?;
        stdout.flush()?;
    }
    resizer.abort();
    keys.abort();
    Ok(exec.inspect().await?.exit_code.unwrap_or(-1))
}
