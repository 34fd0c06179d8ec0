//! Running commands in a running container: `docker exec`.
//!
//! An exec is made in two steps, like the Engine API's: create it
//! ([`Container::exec`], `POST /containers/{id}/exec`), then start it,
//! attached ([`Exec::start_attached`], a [hijacked](crate::hijack)
//! connection carrying stdin and the output) or detached
//! ([`Exec::start_detached`]). [`Exec::inspect`] tells whether it still runs
//! and its exit code.
//!
//! ```text
//!   Container::exec ──> POST /containers/{id}/exec       -> {"Id": "3f2a..."}
//!   Exec::start_attached ─> POST /exec/3f2a.../start     -> 101, output + stdin
//!   Exec::resize ─────> POST /exec/3f2a.../resize?h=&w=
//!   Exec::inspect ────> GET  /exec/3f2a.../json          -> Running, ExitCode
//! ```
//!
//! For the common case, [`Container::exec_output`] runs a command and
//! collects its stdout, stderr and exit code. An exec made elsewhere (by
//! another client, or whose id you kept) is reached by its id with
//! [`Docker::exec`].
//!
//! ```no_run
//! # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
//! let out = docker.container("web").exec_output(["nginx", "-t"]).await?;
//! if out.exit_code != 0 {
//!     eprintln!("{}", String::from_utf8_lossy(&out.stderr));
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Failures inside the stream
//!
//! The daemon answers `101` before it starts the process. When starting
//! fails after that (no such executable, the container stopped meanwhile),
//! the daemon has no status left to report it with: it writes the error text
//! into the output, as stdout, and closes (moby,
//! `api/server/router/container/exec.go`, `postContainerExecStart`). The exec
//! then never had a process: its inspect shows `Pid` 0. [`Container::exec_output`]
//! turns that into an [`Error`] carrying the text; [`Exec::start_attached`]
//! leaves it in the output, where [`Exec::inspect`] can tell it apart.

use std::fmt;
use std::time::Duration;

use serde_json::json;

use crate::api::types::{ExecInspectResponse, ExecStartConfig};
use crate::client::DEFAULT_TIMEOUT;
use crate::error::{Error, ErrorKind, Result};
use crate::hijack::{self, Input, Output};
use crate::stream::Mode;
use crate::{ApiVersion, Container, Docker, Timeout};

mod options;
mod output;

pub use options::{ExecOptions, StartOptions};
pub use output::ExecOutput;

/// An exec instance: a command created in a container, to be started.
///
/// Made by [`Container::exec`], or from an id by [`Docker::exec`].
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// use wharf::exec::ExecOptions;
///
/// let exec = docker.container("web").exec(ExecOptions::new(["sync"])).await?;
/// exec.start_detached().await?;
/// println!("{}", exec.id());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Exec {
    docker: Docker,
    id: String,
    /// Whether it has a TTY, when known (it was created here); otherwise
    /// an attached start inspects it to find out.
    tty: Option<bool>,
}

impl Docker {
    /// The exec instance with this id, made by [`Container::exec`] here or
    /// by any other client: inspect it, resize it, start it. Making the
    /// handle does not talk to the engine.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let exec = docker.exec("3f2a9c");
    /// let state = exec.inspect().await?;
    /// println!("running: {:?}, exit code {:?}", state.running, state.exit_code);
    /// # Ok(())
    /// # }
    /// ```
    pub fn exec(&self, id: impl Into<String>) -> Exec {
        Exec {
            docker: self.clone(),
            id: id.into(),
            tty: None,
        }
    }
}

impl Container {
    /// Creates an exec instance running `options`' command in this (running)
    /// container. Nothing runs until it is started.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::exec::{ExecOptions, StartOptions};
    ///
    /// let exec = docker
    ///     .container("web")
    ///     .exec(ExecOptions::new(["sh"]).tty(true).attach_stdin(true))
    ///     .await?;
    /// let (output, input) = exec.start_attached(StartOptions::new().stdin(true)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn exec(&self, options: ExecOptions) -> Result<Exec> {
        let api = self.docker().generated().await?;
        let body = options.body();
        let call = api.container_exec(self.name()?, &body);
        let created = self.docker().call(Timeout::Default, call).await?;
        Ok(Exec {
            docker: self.docker().clone(),
            id: created.id,
            tty: Some(options.is_tty()),
        })
    }
}

impl Exec {
    /// The exec's id.
    ///
    /// ```no_run
    /// # async fn run(exec: wharf::exec::Exec) {
    /// println!("exec {}", exec.id());
    /// # }
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Starts the exec attached: returns its output as a stream and its
    /// stdin as an [`AsyncWrite`](tokio::io::AsyncWrite). See
    /// [`crate::hijack`].
    ///
    /// ```no_run
    /// # async fn run(exec: wharf::exec::Exec) -> wharf::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use wharf::exec::StartOptions;
    ///
    /// let (mut output, _input) = exec.start_attached(StartOptions::new()).await?;
    /// while let Some(piece) = output.try_next().await? {
    ///     print!("{piece}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_attached(&self, options: StartOptions) -> Result<(Output, Input)> {
        let tty = match options.get_tty() {
            Some(tty) => tty,
            None => self.tty().await?,
        };
        let version = self.docker.api_version().await?;
        let mut body = json!({ "Detach": false, "Tty": tty });
        let labelled_size = version >= ApiVersion::new(1, 42);
        if let (Some((h, w)), true) = (options.get_console_size(), labelled_size) {
            body["ConsoleSize"] = json!([h, w]);
        }
        let request = self
            .docker
            .post(&crate::path::object("exec", &self.id, "start")?)
            .template("/exec/{id}/start")
            .json(&body);
        let (output, mut input) = hijack::hijack(request, Mode::from_tty(tty)).await?;
        if !options.get_stdin() {
            tokio::io::AsyncWriteExt::shutdown(&mut input)
                .await
                .map_err(|e| Error::new(ErrorKind::Io).with_source(e))?;
        }
        if let (Some((h, w)), false) = (options.get_console_size(), labelled_size) {
            // Before 1.42 the size can only follow the start, and the
            // process may not be running yet: retry briefly, as the docker
            // CLI does (cli/command/container/tty.go, initTtySize).
            for _ in 0..10 {
                if self.resize(h, w).await.is_ok() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        Ok((output, input))
    }

    /// Starts the exec in the background and returns at once.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::exec::ExecOptions;
    ///
    /// let exec = docker.container("db").exec(ExecOptions::new(["vacuumdb", "--all"])).await?;
    /// exec.start_detached().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_detached(&self) -> Result<()> {
        let api = self.docker.generated().await?;
        let body = ExecStartConfig {
            detach: Some(true),
            tty: Some(self.tty().await?),
            ..ExecStartConfig::default()
        };
        let call = api.exec_start(crate::path::name(&self.id)?, &body);
        // The operation streams (an attached start's output); a detached
        // start answers at once, with nothing: an ordinary call.
        let timeout = Timeout::Total(DEFAULT_TIMEOUT);
        let answer = self.docker.call(timeout, call).await?;
        // read to its end, so that the connection goes back to the pool
        crate::stream::collect(crate::stream::body(answer)).await?;
        Ok(())
    }

    /// The exec's state: whether it runs, its exit code, its process id.
    ///
    /// ```no_run
    /// # async fn run(exec: wharf::exec::Exec) -> wharf::Result<()> {
    /// let state = exec.inspect().await?;
    /// println!("running: {:?}, exit code: {:?}", state.running, state.exit_code);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn inspect(&self) -> Result<ExecInspectResponse> {
        let api = self.docker.generated().await?;
        let call = api.exec_inspect(crate::path::name(&self.id)?);
        self.docker.call(Timeout::Default, call).await
    }

    /// Resizes the exec's terminal to `height` rows and `width` columns.
    /// The exec must have a TTY and be running.
    ///
    /// ```no_run
    /// # async fn run(exec: wharf::exec::Exec) -> wharf::Result<()> {
    /// exec.resize(40, 120).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn resize(&self, height: u16, width: u16) -> Result<()> {
        let api = self.docker.generated().await?;
        let call = api.exec_resize(crate::path::name(&self.id)?, height.into(), width.into());
        let call = crate::container::bodiless(call);
        self.docker.call(Timeout::Default, call).await
    }

    /// Whether the exec has a TTY: as it was created here, or as the daemon
    /// says.
    async fn tty(&self) -> Result<bool> {
        match self.tty {
            Some(tty) => Ok(tty),
            None => {
                let state = self.inspect().await?;
                Ok(state.process_config.and_then(|p| p.tty).unwrap_or(false))
            }
        }
    }

    /// Inspects until the exec no longer runs: the output can end a moment
    /// before the daemon has recorded the exit code.
    async fn wait_exit(&self) -> Result<ExecInspectResponse> {
        let mut delay = Duration::from_millis(5);
        for _ in 0..40 {
            let state = self.inspect().await?;
            if state.running != Some(true) && (state.exit_code.is_some() || state.pid == Some(0)) {
                return Ok(state);
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_millis(250));
        }
        self.inspect().await
    }
}

impl fmt::Debug for Exec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exec")
            .field("id", &self.id)
            .field("tty", &self.tty)
            .finish()
    }
}
