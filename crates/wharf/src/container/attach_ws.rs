//! `GET /containers/{id}/attach/ws`: a container's stdio over a
//! [websocket](crate::websocket) (feature `websocket`).

use super::flag;
use crate::error::Result;
use crate::websocket::{self, Input, Output};
use crate::Container;

/// What to attach to over a websocket ([`Container::attach_websocket`]).
///
/// By default: stdout and stderr, new output only, no stdin. Engines before
/// API 1.42 ignore `stdin`, `stdout` and `stderr` and attach all three.
///
/// ```
/// use wharf::container::WebsocketAttachOptions;
///
/// let options = WebsocketAttachOptions::new().stdin(true).logs(true).detach_keys("ctrl-x,x");
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct WebsocketAttachOptions {
    stdin: bool,
    stdout: bool,
    stderr: bool,
    logs: bool,
    stream: bool,
    detach_keys: Option<String>,
}

impl Default for WebsocketAttachOptions {
    fn default() -> WebsocketAttachOptions {
        WebsocketAttachOptions {
            stdin: false,
            stdout: true,
            stderr: true,
            logs: false,
            stream: true,
            detach_keys: None,
        }
    }
}

impl WebsocketAttachOptions {
    /// The defaults: stdout and stderr as they come, no stdin, no past
    /// output.
    ///
    /// ```
    /// let options = wharf::container::WebsocketAttachOptions::new();
    /// ```
    pub fn new() -> WebsocketAttachOptions {
        WebsocketAttachOptions::default()
    }

    /// Sends the input to the container's stdin (it must have been created
    /// with `OpenStdin`). Only then does closing the input end the attach.
    ///
    /// ```
    /// let options = wharf::container::WebsocketAttachOptions::new().stdin(true);
    /// ```
    pub fn stdin(mut self, stdin: bool) -> WebsocketAttachOptions {
        self.stdin = stdin;
        self
    }

    /// Receives stdout (default: yes).
    ///
    /// ```
    /// let options = wharf::container::WebsocketAttachOptions::new().stdout(false);
    /// ```
    pub fn stdout(mut self, stdout: bool) -> WebsocketAttachOptions {
        self.stdout = stdout;
        self
    }

    /// Receives stderr (default: yes). It arrives mixed with stdout.
    ///
    /// ```
    /// let options = wharf::container::WebsocketAttachOptions::new().stderr(false);
    /// ```
    pub fn stderr(mut self, stderr: bool) -> WebsocketAttachOptions {
        self.stderr = stderr;
        self
    }

    /// Replays the output logged so far before the new output.
    ///
    /// ```
    /// let options = wharf::container::WebsocketAttachOptions::new().logs(true);
    /// ```
    pub fn logs(mut self, logs: bool) -> WebsocketAttachOptions {
        self.logs = logs;
        self
    }

    /// Streams new output and input (default: yes). With `false` the
    /// websocket carries only the replayed [`logs`](Self::logs) and closes.
    ///
    /// ```
    /// let past_only = wharf::container::WebsocketAttachOptions::new().logs(true).stream(false);
    /// ```
    pub fn stream(mut self, stream: bool) -> WebsocketAttachOptions {
        self.stream = stream;
        self
    }

    /// Overrides the key sequence that detaches (e.g. `ctrl-p,ctrl-q`); it
    /// applies to containers with a TTY.
    ///
    /// ```
    /// let options = wharf::container::WebsocketAttachOptions::new().detach_keys("ctrl-x,x");
    /// ```
    pub fn detach_keys(mut self, keys: impl Into<String>) -> WebsocketAttachOptions {
        self.detach_keys = Some(keys.into());
        self
    }
}

impl Container {
    /// Attaches to the container's stdio over a websocket: its output as a
    /// stream of [`LogOutput::Console`](crate::stream::LogOutput::Console)
    /// pieces (stdout and stderr mixed), its stdin as an [`Input`]. The
    /// output ends when the container stops, or when the input is closed
    /// while stdin is attached.
    ///
    /// Needs the `websocket` feature. [`Container::attach`] gives the same
    /// streams over a plain upgraded connection, stdout and stderr apart;
    /// see [`crate::websocket`] for what the daemon sends over the websocket.
    /// Podman (4.3) has no websocket attach: it answers `404`
    /// ([`ErrorKind::NotFound`](crate::ErrorKind::NotFound)) for any container.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use wharf::container::WebsocketAttachOptions;
    ///
    /// let (mut output, mut input) = docker
    ///     .container("web")
    ///     .attach_websocket(WebsocketAttachOptions::new().stdin(true))
    ///     .await?;
    /// input.send("hello\n").await?;
    /// if let Some(piece) = output.try_next().await? {
    ///     print!("{piece}");
    /// }
    /// input.close().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn attach_websocket(
        &self,
        options: WebsocketAttachOptions,
    ) -> Result<(Output, Input)> {
        let mut request = self
            .docker()
            .get(&self.path("attach/ws")?)
            .template("/containers/{id}/attach/ws")
            .query("stream", flag(options.stream))
            .query("stdin", flag(options.stdin))
            .query("stdout", flag(options.stdout))
            .query("stderr", flag(options.stderr))
            .query("logs", flag(options.logs));
        if let Some(keys) = &options.detach_keys {
            request = request.query("detachKeys", keys);
        }
        websocket::connect(request).await
    }
}
