//! `POST /containers/{id}/attach`: a running container's stdio over a
//! [hijacked](crate::hijack) connection.

use super::flag;
use crate::error::Result;
use crate::hijack::{self, Input, Output};
use crate::stream::Mode;
use crate::Container;

/// What to attach to ([`Container::attach`]).
///
/// By default: stdout and stderr, new output only (streamed until the
/// container stops), no stdin.
///
/// ```
/// use wharf::container::AttachOptions;
///
/// let options = AttachOptions::new().stdin(true).logs(true).detach_keys("ctrl-x,x");
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct AttachOptions {
    stdin: bool,
    stdout: bool,
    stderr: bool,
    logs: bool,
    stream: bool,
    detach_keys: Option<String>,
}

impl Default for AttachOptions {
    fn default() -> AttachOptions {
        AttachOptions {
            stdin: false,
            stdout: true,
            stderr: true,
            logs: false,
            stream: true,
            detach_keys: None,
        }
    }
}

impl AttachOptions {
    /// The defaults: stdout and stderr, no stdin, no past output.
    ///
    /// ```
    /// let options = wharf::container::AttachOptions::new();
    /// ```
    pub fn new() -> AttachOptions {
        AttachOptions::default()
    }

    /// Sends the input to the container's stdin (it must have been created
    /// with `OpenStdin`). When `false` the daemon ignores what is written.
    ///
    /// ```
    /// let options = wharf::container::AttachOptions::new().stdin(true);
    /// ```
    pub fn stdin(mut self, stdin: bool) -> AttachOptions {
        self.stdin = stdin;
        self
    }

    /// Receives stdout (default: yes).
    ///
    /// ```
    /// let options = wharf::container::AttachOptions::new().stdout(false);
    /// ```
    pub fn stdout(mut self, stdout: bool) -> AttachOptions {
        self.stdout = stdout;
        self
    }

    /// Receives stderr (default: yes).
    ///
    /// ```
    /// let options = wharf::container::AttachOptions::new().stderr(false);
    /// ```
    pub fn stderr(mut self, stderr: bool) -> AttachOptions {
        self.stderr = stderr;
        self
    }

    /// Replays the output logged so far before the new output.
    ///
    /// ```
    /// let options = wharf::container::AttachOptions::new().logs(true);
    /// ```
    pub fn logs(mut self, logs: bool) -> AttachOptions {
        self.logs = logs;
        self
    }

    /// Streams new output as the container writes it (default: yes). With
    /// `stream(false)` and [`logs(true)`](AttachOptions::logs), the attach
    /// replays what was logged so far and ends: a logs-only attach
    /// (`stream=0&logs=1`, docker-py's `attach(stream=False, logs=True)`).
    ///
    /// ```
    /// let replay = wharf::container::AttachOptions::new().logs(true).stream(false);
    /// ```
    pub fn stream(mut self, stream: bool) -> AttachOptions {
        self.stream = stream;
        self
    }

    /// Overrides the key sequence that detaches (e.g. `ctrl-p,ctrl-q`).
    ///
    /// ```
    /// let options = wharf::container::AttachOptions::new().detach_keys("ctrl-x,x");
    /// ```
    pub fn detach_keys(mut self, keys: impl Into<String>) -> AttachOptions {
        self.detach_keys = Some(keys.into());
        self
    }
}

impl Container {
    /// Attaches to the container's stdio: its output as a stream, its stdin
    /// as an [`AsyncWrite`](tokio::io::AsyncWrite). The output ends when the
    /// container stops.
    ///
    /// The output is raw when the container has a TTY: the response says so
    /// for API 1.42 and later; for older versions the container is inspected
    /// once to find out.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use wharf::container::AttachOptions;
    ///
    /// let (mut output, _input) = docker.container("web").attach(AttachOptions::new()).await?;
    /// while let Some(piece) = output.try_next().await? {
    ///     print!("{piece}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn attach(&self, options: AttachOptions) -> Result<(Output, Input)> {
        let fallback = self.stream_mode_fallback().await?;
        let mut request = self
            .docker()
            .post(&self.path("attach")?)
            .template("/containers/{id}/attach")
            .query("stream", flag(options.stream))
            .query("stdin", flag(options.stdin))
            .query("stdout", flag(options.stdout))
            .query("stderr", flag(options.stderr))
            .query("logs", flag(options.logs));
        if let Some(keys) = &options.detach_keys {
            request = request.query("detachKeys", keys);
        }
        hijack::hijack(request, fallback).await
    }

    /// The mode to assume when a stream's `Content-Type` cannot be trusted
    /// (API < 1.42): from the container's `Tty`, found by one inspect. For
    /// newer versions no inspect is made and the value is never used.
    pub(crate) async fn stream_mode_fallback(&self) -> Result<Mode> {
        let version = self.docker().api_version().await?;
        if !hijack::needs_fallback(version) {
            return Ok(Mode::Multiplexed);
        }
        let info = self.inspect().await?;
        let tty = info.config.and_then(|c| c.tty).unwrap_or(false);
        Ok(Mode::from_tty(tty))
    }
}
