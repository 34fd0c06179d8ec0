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
//! collects its stdout, stderr and exit code.
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

use futures_util::StreamExt;
use serde_json::json;

use crate::api::types::{ExecConfig, ExecInspectResponse, ExecStartConfig};
use crate::client::DEFAULT_TIMEOUT;
use crate::error::{Error, ErrorKind, Result};
use crate::hijack::{self, Input, Output};
use crate::stream::{LogOutput, Mode};
use crate::{ApiVersion, Container, Docker, Timeout};

/// What to run, and how: the body of `POST /containers/{id}/exec`.
///
/// By default stdout and stderr are attached, stdin is not, and there is no
/// TTY.
///
/// ```
/// use wharf::exec::ExecOptions;
///
/// let options = ExecOptions::new(["sh", "-c", "echo $GREETING"])
///     .env(["GREETING=hello"])
///     .working_dir("/tmp")
///     .user("nobody");
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ExecOptions {
    cmd: Vec<String>,
    env: Vec<String>,
    working_dir: Option<String>,
    user: Option<String>,
    tty: bool,
    attach_stdin: bool,
    attach_stdout: bool,
    attach_stderr: bool,
    privileged: bool,
}

impl ExecOptions {
    /// Runs `cmd` (the program and its arguments; no shell is involved).
    ///
    /// ```
    /// let options = wharf::exec::ExecOptions::new(["ls", "-l", "/"]);
    /// ```
    pub fn new<I, S>(cmd: I) -> ExecOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ExecOptions {
            cmd: cmd.into_iter().map(Into::into).collect(),
            env: Vec::new(),
            working_dir: None,
            user: None,
            tty: false,
            attach_stdin: false,
            attach_stdout: true,
            attach_stderr: true,
            privileged: false,
        }
    }

    /// Adds environment variables, each `NAME=value`.
    ///
    /// ```
    /// let options = wharf::exec::ExecOptions::new(["env"]).env(["A=1", "B=2"]);
    /// ```
    pub fn env<I, S>(mut self, vars: I) -> ExecOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.env.extend(vars.into_iter().map(Into::into));
        self
    }

    /// Runs in this directory instead of the container's working directory.
    ///
    /// ```
    /// let options = wharf::exec::ExecOptions::new(["pwd"]).working_dir("/srv");
    /// ```
    pub fn working_dir(mut self, dir: impl Into<String>) -> ExecOptions {
        self.working_dir = Some(dir.into());
        self
    }

    /// Runs as this user (`name`, `uid`, `uid:gid`, `name:group`).
    ///
    /// ```
    /// let options = wharf::exec::ExecOptions::new(["id"]).user("1000:1000");
    /// ```
    pub fn user(mut self, user: impl Into<String>) -> ExecOptions {
        self.user = Some(user.into());
        self
    }

    /// Gives the process a terminal: its output is then raw (stdout and
    /// stderr mixed) and it can be [resized](Exec::resize).
    ///
    /// ```
    /// let options = wharf::exec::ExecOptions::new(["sh"]).tty(true).attach_stdin(true);
    /// ```
    pub fn tty(mut self, tty: bool) -> ExecOptions {
        self.tty = tty;
        self
    }

    /// Connects the process's stdin to the attached connection's input.
    ///
    /// ```
    /// let options = wharf::exec::ExecOptions::new(["cat"]).attach_stdin(true);
    /// ```
    pub fn attach_stdin(mut self, attach: bool) -> ExecOptions {
        self.attach_stdin = attach;
        self
    }

    /// Sends the process's stdout to the attached output (default: yes).
    ///
    /// ```
    /// let options = wharf::exec::ExecOptions::new(["make"]).attach_stdout(false);
    /// ```
    pub fn attach_stdout(mut self, attach: bool) -> ExecOptions {
        self.attach_stdout = attach;
        self
    }

    /// Sends the process's stderr to the attached output (default: yes).
    ///
    /// ```
    /// let options = wharf::exec::ExecOptions::new(["make"]).attach_stderr(false);
    /// ```
    pub fn attach_stderr(mut self, attach: bool) -> ExecOptions {
        self.attach_stderr = attach;
        self
    }

    /// Runs with extended privileges.
    ///
    /// ```
    /// let options = wharf::exec::ExecOptions::new(["mount"]).privileged(true);
    /// ```
    pub fn privileged(mut self, privileged: bool) -> ExecOptions {
        self.privileged = privileged;
        self
    }

    fn body(&self) -> ExecConfig {
        ExecConfig {
            cmd: self.cmd.clone(),
            attach_stdin: Some(self.attach_stdin),
            attach_stdout: Some(self.attach_stdout),
            attach_stderr: Some(self.attach_stderr),
            tty: Some(self.tty),
            privileged: Some(self.privileged),
            env: self.env.clone(),
            working_dir: self.working_dir.clone(),
            user: self.user.clone(),
            ..ExecConfig::default()
        }
    }
}

/// How to start an exec attached ([`Exec::start_attached`]).
///
/// ```
/// use wharf::exec::StartOptions;
///
/// let options = StartOptions::new().tty(true).console_size(24, 80).stdin(true);
/// ```
#[derive(Clone, Copy, Debug, Default)]
#[must_use]
pub struct StartOptions {
    tty: Option<bool>,
    console_size: Option<(u16, u16)>,
    stdin: bool,
}

impl StartOptions {
    /// The defaults: the TTY setting the exec was created with, no initial
    /// console size, no input (the input half is closed at once).
    ///
    /// ```
    /// let options = wharf::exec::StartOptions::new();
    /// ```
    pub fn new() -> StartOptions {
        StartOptions::default()
    }

    /// Whether the output is raw (TTY) or multiplexed. Defaults to the
    /// exec's own [`ExecOptions::tty`]; set it only to override.
    ///
    /// ```
    /// let options = wharf::exec::StartOptions::new().tty(true);
    /// ```
    pub fn tty(mut self, tty: bool) -> StartOptions {
        self.tty = Some(tty);
        self
    }

    /// The terminal size to start with, in rows and columns (for a TTY).
    /// Sent with the start for API 1.42 and later, by a resize right after
    /// it before.
    ///
    /// ```
    /// let options = wharf::exec::StartOptions::new().tty(true).console_size(50, 132);
    /// ```
    pub fn console_size(mut self, height: u16, width: u16) -> StartOptions {
        self.console_size = Some((height, width));
        self
    }

    /// Whether you will write to the input. When `false` (the default) the
    /// sending direction is closed right away, so a process reading stdin
    /// sees end of file.
    ///
    /// ```
    /// let options = wharf::exec::StartOptions::new().stdin(true);
    /// ```
    pub fn stdin(mut self, stdin: bool) -> StartOptions {
        self.stdin = stdin;
        self
    }
}

/// An exec instance: a command created in a container, to be started.
///
/// Made by [`Container::exec`].
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
    tty: bool,
}

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
            tty: options.tty,
        })
    }

    /// Runs `cmd` in this container (no TTY, no input), waits for it, and
    /// returns its stdout, stderr and exit code.
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
    /// # Ok(())
    /// # }
    /// ```
    pub async fn exec_output<I, S>(&self, cmd: I) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let exec = self.exec(ExecOptions::new(cmd)).await?;
        let (mut output, input) = exec.start_attached(StartOptions::new()).await?;
        drop(input);
        let mut collected = ExecOutput::default();
        let mut system = Vec::new();
        while let Some(piece) = output.next().await {
            match piece? {
                LogOutput::Stdout(b) | LogOutput::Console(b) | LogOutput::Stdin(b) => {
                    collected.stdout.extend_from_slice(&b)
                }
                LogOutput::Stderr(b) => collected.stderr.extend_from_slice(&b),
                LogOutput::SystemError(b) => system.extend_from_slice(&b),
            }
        }
        let inspect = exec.wait_exit().await?;
        if let Some(message) = start_failure(&inspect, &collected, &system) {
            return Err(Error::new(ErrorKind::Server)
                .with_detail(format!("the exec could not be started: {message}"))
                .with_message(message)
                .with_request(
                    "POST",
                    &crate::path::object("exec", &exec.id, "start").unwrap_or_default(),
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
        let tty = options.tty.unwrap_or(self.tty);
        let version = self.docker.api_version().await?;
        let mut body = json!({ "Detach": false, "Tty": tty });
        let labelled_size = version >= ApiVersion::new(1, 42);
        if let (Some((h, w)), true) = (options.console_size, labelled_size) {
            body["ConsoleSize"] = json!([h, w]);
        }
        let request = self
            .docker
            .post(&crate::path::object("exec", &self.id, "start")?)
            .template("/exec/{id}/start")
            .json(&body);
        let (output, mut input) = hijack::hijack(request, Mode::from_tty(tty)).await?;
        if !options.stdin {
            tokio::io::AsyncWriteExt::shutdown(&mut input)
                .await
                .map_err(|e| Error::new(ErrorKind::Io).with_source(e))?;
        }
        if let (Some((h, w)), false) = (options.console_size, labelled_size) {
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
            tty: Some(self.tty),
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
