//! `ssh://` endpoints, served through a private local socket.
//!
//! Both HTTP clients (the client's own and the generated client's reqwest)
//! connect over sockets, so an ssh endpoint gets a unix socket of its own in a fresh `0700` temp directory.
//! Each connection accepted there runs, like the docker CLI,
//!
//! ```text
//! ssh -o ConnectTimeout=30 -T [-l USER] [-p PORT] -- HOST docker [--host=unix://SOCKET] system dial-stdio
//! ```
//!
//! and pipes bytes both ways:
//!
//! ```text
//!  client pool  ──unix──▶ proxy ──stdin──▶ ssh ──▶ remote `docker system dial-stdio` ──▶ dockerd
//!               ◀───────        ◀─stdout──
//! ```
//!
//! ssh starts when the first request bytes arrive, so a connection the pool
//! opens and never uses costs no ssh session. An EOF from the client closes
//! ssh's stdin, and ssh's EOF shuts the
//! socket's write side, so half-closes cross the pipe. Since the pools keep
//! connections alive, one ssh session serves many requests; concurrent
//! requests open more, each its own session, and they stay pooled too. ssh's stderr is
//! kept (up to 4 KiB) to explain a failed connection. The proxy runs on a
//! thread of its own (so it does not depend on the caller's runtime) and
//! stops, killing its ssh processes and removing its directory, when the
//! client is dropped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

use crate::endpoint::{Environment, SshTarget};
use crate::error::{Error, Result};

/// How much of ssh's stderr is kept to explain a failure.
const STDERR_LIMIT: usize = 4096;

/// The arguments to `ssh` for `target` (docker CLI,
/// `cli/connhelper/connhelper.go`).
pub(crate) fn ssh_args(target: &SshTarget) -> Vec<String> {
    let mut args: Vec<String> = vec!["-o".into(), "ConnectTimeout=30".into(), "-T".into()];
    if let Some(user) = &target.user {
        args.extend(["-l".into(), user.clone()]);
    }
    if let Some(port) = target.port {
        args.extend(["-p".into(), port.to_string()]);
    }
    args.extend(["--".into(), target.host.clone(), "docker".into()]);
    if let Some(socket) = &target.socket {
        // ssh hands the command to the remote shell: quote the path.
        args.push(shell_quote(&format!("--host=unix://{socket}")));
    }
    args.extend(["system".into(), "dial-stdio".into()]);
    args
}

/// Quotes `s` for a POSIX shell when it needs quoting.
fn shell_quote(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c);
    if s.chars().all(safe) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A running proxy; dropping it stops it.
pub(crate) struct SshProxy {
    dir: PathBuf,
    socket: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    last_error: Arc<Mutex<Option<String>>>,
}

impl SshProxy {
    /// Binds the private socket and starts the proxy thread.
    pub(crate) fn start(target: &SshTarget, env: &Environment) -> Result<SshProxy> {
        let dir = private_dir().map_err(|e| {
            Error::config(format!(
                "cannot create a private directory for the ssh proxy: {e}"
            ))
            .with_source(e)
        })?;
        let socket = dir.join("docker.sock");
        let listener = std::os::unix::net::UnixListener::bind(&socket)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| {
                let _ = std::fs::remove_dir_all(&dir);
                Error::config(format!(
                    "cannot listen on {} for the ssh proxy: {e}",
                    socket.display()
                ))
                .with_source(e)
            })?;
        let (stop, stopped) = oneshot::channel();
        let last_error = Arc::new(Mutex::new(None));
        let job = Job {
            args: ssh_args(target),
            // An injected environment's PATH decides which `ssh` runs.
            path: (!env.is_process()).then(|| env.var("PATH")).flatten(),
            last_error: last_error.clone(),
        };
        std::thread::Builder::new()
            .name("wharf-ssh-proxy".into())
            .spawn(move || job.run(listener, stopped))
            .map_err(|e| {
                let _ = std::fs::remove_dir_all(&dir);
                Error::config(format!("cannot start the ssh proxy thread: {e}")).with_source(e)
            })?;
        Ok(SshProxy {
            dir,
            socket,
            stop: Some(stop),
            last_error,
        })
    }

    /// The local socket that reaches the remote daemon.
    pub(crate) fn socket(&self) -> &Path {
        &self.socket
    }

    /// What ssh last said on stderr before it failed, if it did.
    pub(crate) fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok()?.clone()
    }
}

impl Drop for SshProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl std::fmt::Debug for SshProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshProxy")
            .field("socket", &self.socket)
            .finish()
    }
}

/// A fresh `0700` directory under the temp directory.
fn private_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let base = std::env::temp_dir();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("wharf-ssh-{}-{n}-{nanos:x}", std::process::id()));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            other => return other.map(|()| dir),
        }
    }
}

/// What the proxy thread needs.
struct Job {
    args: Vec<String>,
    path: Option<String>,
    last_error: Arc<Mutex<Option<String>>>,
}

impl Job {
    fn run(self, listener: std::os::unix::net::UnixListener, mut stopped: oneshot::Receiver<()>) {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                self.record(format!("cannot start the ssh proxy runtime: {e}"));
                return;
            }
        };
        let job = Arc::new(self);
        runtime.block_on(async move {
            let listener = match tokio::net::UnixListener::from_std(listener) {
                Ok(l) => l,
                Err(e) => {
                    job.record(format!("cannot use the ssh proxy socket: {e}"));
                    return;
                }
            };
            let mut sessions = tokio::task::JoinSet::new();
            loop {
                // the stop, a new connection, or a finished session
                let accepted = std::future::poll_fn(|cx| {
                    if std::future::Future::poll(std::pin::Pin::new(&mut stopped), cx).is_ready() {
                        return std::task::Poll::Ready(None);
                    }
                    while let std::task::Poll::Ready(Some(_)) = sessions.poll_join_next(cx) {}
                    listener.poll_accept(cx).map(Some)
                })
                .await;
                match accepted {
                    None => break,
                    Some(Ok((stream, _))) => {
                        sessions.spawn(job.clone().serve(stream));
                    }
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "ssh proxy accept failed");
                    }
                }
            }
            // Dropping the sessions kills their ssh processes.
            sessions.shutdown().await;
        });
    }

    fn record(&self, message: String) {
        tracing::debug!(%message, "ssh proxy");
        if let Ok(mut last) = self.last_error.lock() {
            *last = Some(message);
        }
    }

    /// Serves one accepted connection with one ssh process.
    async fn serve(self: Arc<Self>, mut stream: tokio::net::UnixStream) {
        // The pool may open a connection it ends up not using (hyper races a
        // new connection against an idle one coming back), so ssh starts on
        // the first byte, not on accept.
        let mut first = vec![0u8; 16 * 1024];
        let n = match stream.read(&mut first).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        first.truncate(n);
        let mut command = tokio::process::Command::new("ssh");
        command
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(path) = &self.path {
            command.env("PATH", path);
        }
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                self.record(format!("cannot run ssh: {e}"));
                return;
            }
        };
        let (Some(mut stdin), Some(mut stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return;
        };
        let stderr = tokio::spawn(read_capped(stderr));
        let (mut from_client, mut to_client) = stream.into_split();
        let upstream = async {
            if stdin.write_all(&first).await.is_ok() {
                let _ = tokio::io::copy(&mut from_client, &mut stdin).await;
            }
            // EOF from the client: close ssh's stdin.
            drop(stdin);
        };
        let downstream = async {
            let _ = tokio::io::copy(&mut stdout, &mut to_client).await;
            // ssh is done: note why before the client sees the EOF.
            let status = child.wait().await;
            let text = stderr.await.unwrap_or_default();
            match status {
                Ok(status) if !status.success() => {
                    let text = text.trim();
                    self.record(if text.is_empty() {
                        format!("ssh exited with {status}")
                    } else {
                        format!("ssh exited with {status}: {text}")
                    });
                }
                _ => {}
            }
            let _ = to_client.shutdown().await;
        };
        futures_util::future::join(upstream, downstream).await;
    }
}

async fn read_capped(mut stderr: tokio::process::ChildStderr) -> String {
    let mut kept = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match stderr.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = STDERR_LIMIT.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(user: Option<&str>, port: Option<u16>, socket: Option<&str>) -> SshTarget {
        SshTarget {
            user: user.map(Into::into),
            host: "box".into(),
            port,
            socket: socket.map(Into::into),
        }
    }

    #[test]
    fn args_like_the_docker_cli() {
        assert_eq!(
            ssh_args(&target(None, None, None)).join(" "),
            "-o ConnectTimeout=30 -T -- box docker system dial-stdio"
        );
        assert_eq!(
            ssh_args(&target(
                Some("me"),
                Some(2222),
                Some("/run/user/1000/docker.sock")
            ))
            .join(" "),
            "-o ConnectTimeout=30 -T -l me -p 2222 -- box docker \
             --host=unix:///run/user/1000/docker.sock system dial-stdio"
        );
    }

    #[test]
    fn odd_socket_paths_are_quoted() {
        let args = ssh_args(&target(None, None, Some("/tmp/a b;rm -rf x")));
        assert!(
            args.contains(&"'--host=unix:///tmp/a b;rm -rf x'".to_owned()),
            "{args:?}"
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
