//! [`Container::exec_output`]: run a command, collect what it wrote and
//! its exit code.

use futures_util::StreamExt;

use super::{ExecOptions, StartOptions};
use crate::api::types::ExecInspectResponse;
use crate::container::Collector;
use crate::error::{Error, ErrorKind, Result};
use crate::Container;

/// The collected output of [`Container::exec_output`].
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// let out = docker.container("web").exec_output(["cat", "/etc/hostname"]).await?;
/// assert_eq!(out.exit_code, 0);
/// println!("{}", String::from_utf8_lossy(&out.stdout));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// Everything the command wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything the command wrote to stderr.
    pub stderr: Vec<u8>,
    /// The command's exit code.
    pub exit_code: i64,
}

impl Container {
    /// Runs a command in this container, waits for it, and returns its
    /// stdout, stderr and exit code. Takes the command alone (`["ls", "/"]`)
    /// or [`ExecOptions`] (environment, user, working directory, privileged);
    /// stdin is closed at once. With a TTY, everything is stdout.
    ///
    /// A command that could not be started at all (no such executable) is
    /// an error, with the daemon's message; a command that ran and failed is
    /// an [`ExecOutput`] with its exit code.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let out = docker
    ///     .container("web")
    ///     .exec_output(["sh", "-c", "echo out; echo err >&2; exit 3"])
    ///     .await?;
    /// assert_eq!((out.stdout.as_slice(), out.stderr.as_slice(), out.exit_code), (&b"out\n"[..], &b"err\n"[..], 3));
    ///
    /// use wharf::exec::ExecOptions;
    /// let as_nobody = ExecOptions::new(["id", "-u"]).user("nobody").env("A", "1");
    /// let out = docker.container("web").exec_output(as_nobody).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn exec_output(&self, options: impl Into<ExecOptions>) -> Result<ExecOutput> {
        let exec = self.exec(options.into()).await?;
        let (mut output, input) = exec.start_attached(StartOptions::new()).await?;
        drop(input);
        let mut collector = Collector::default();
        while let Some(piece) = output.next().await {
            collector.push(&piece?);
        }
        let mut collected = ExecOutput {
            stdout: collector.stdout,
            stderr: collector.stderr,
            exit_code: 0,
        };
        let system = collector.system;
        let inspect = exec.wait_exit().await?;
        if let Some(message) = start_failure(&inspect, &collected, &system) {
            return Err(Error::new(ErrorKind::Server)
                .with_detail(format!("the exec could not be started: {message}"))
                .with_message(message)
                .with_request(
                    "POST",
                    &crate::path::object("exec", exec.id(), "start").unwrap_or_default(),
                ));
        }
        collected.exit_code = inspect.exit_code.unwrap_or(-1);
        Ok(collected)
    }
}

/// The daemon's message if the exec's process never started, from what the
/// stream held and the exec's state afterwards.
///
/// - A daemon error frame (stream type 3) is always a failure.
/// - Docker writes a start failure as text on stdout, then records exit
///   code 126 or 127 (or none, when the container had stopped) and no pid.
///   Podman writes the runtime's message on stderr with exit code 127; it
///   reports pid 0 for every exec that has ended, so the pid alone cannot
///   tell, and the runtime's wording (`exec failed`, shared by runc's
///   messages through both engines) decides.
fn start_failure(state: &ExecInspectResponse, out: &ExecOutput, system: &[u8]) -> Option<String> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_owned();
    if !system.is_empty() {
        return Some(text(system));
    }
    if state.pid.unwrap_or(0) != 0 {
        return None;
    }
    match state.exit_code {
        None => Some(text(&out.stdout)),
        Some(126 | 127) => [&out.stdout, &out.stderr]
            .into_iter()
            .map(|b| text(b))
            .find(|t| t.contains("exec failed") || t.contains("OCI runtime")),
        Some(_) => None,
    }
}
