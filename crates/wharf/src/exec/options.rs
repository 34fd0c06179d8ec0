//! [`ExecOptions`], the body of an exec's creation, and [`StartOptions`],
//! how an attached start goes.

use crate::api::types::ExecConfig;
use crate::container::set_env;

/// What to run, and how: the body of `POST /containers/{id}/exec`.
///
/// By default stdout and stderr are attached, stdin is not, and there is no
/// TTY.
///
/// ```
/// use wharf::exec::ExecOptions;
///
/// let options = ExecOptions::new(["sh", "-c", "echo $GREETING"])
///     .env("GREETING", "hello")
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
    detach_keys: Option<String>,
}

impl<S: Into<String>, const N: usize> From<[S; N]> for ExecOptions {
    /// The command alone, with the defaults: `exec_output(["ls", "/"])`.
    fn from(cmd: [S; N]) -> ExecOptions {
        ExecOptions::new(cmd)
    }
}

impl<S: Into<String>> From<Vec<S>> for ExecOptions {
    /// The command alone, with the defaults.
    fn from(cmd: Vec<S>) -> ExecOptions {
        ExecOptions::new(cmd)
    }
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
            detach_keys: None,
        }
    }

    /// Sets the environment variable `key` to `value` (a later value for
    /// the same key replaces the earlier one), as
    /// [`ContainerSpec::env`](crate::container::ContainerSpec::env) does.
    ///
    /// ```
    /// let options = wharf::exec::ExecOptions::new(["env"]).env("A", "1").env("B", "2");
    /// ```
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> ExecOptions {
        let (key, value) = (key.into(), value.into());
        set_env(&mut self.env, format!("{key}={value}"));
        self
    }

    /// Sets every variable of a map (or any list of pairs), as
    /// [`ContainerSpec::envs`](crate::container::ContainerSpec::envs) does.
    ///
    /// ```
    /// use std::collections::HashMap;
    ///
    /// let vars = HashMap::from([("LANG", "C.UTF-8"), ("TZ", "UTC")]);
    /// let options = wharf::exec::ExecOptions::new(["env"]).envs(vars);
    /// ```
    pub fn envs<I, K, V>(self, vars: I) -> ExecOptions
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        vars.into_iter()
            .fold(self, |options, (k, v)| options.env(k, v))
    }

    /// Adds entries in the Engine's own form, `KEY=value`, as
    /// [`ContainerSpec::env_list`](crate::container::ContainerSpec::env_list)
    /// does.
    ///
    /// ```
    /// let options = wharf::exec::ExecOptions::new(["env"]).env_list(["A=1", "B=2"]);
    /// ```
    pub fn env_list<I, S>(mut self, entries: I) -> ExecOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for entry in entries {
            set_env(&mut self.env, entry.into());
        }
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
    /// stderr mixed) and it can be [resized](super::Exec::resize).
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

    /// Overrides the key sequence that detaches from an attached exec
    /// (`ctrl-p,ctrl-q` by default; `ctrl-x,x`, a letter, or `ctrl-@` to
    /// `ctrl-_`). Written to the input, it ends the attached start and
    /// leaves the process running.
    ///
    /// ```
    /// let options = wharf::exec::ExecOptions::new(["sh"]).attach_stdin(true).detach_keys("ctrl-x,x");
    /// ```
    pub fn detach_keys(mut self, keys: impl Into<String>) -> ExecOptions {
        self.detach_keys = Some(keys.into());
        self
    }

    pub(super) fn is_tty(&self) -> bool {
        self.tty
    }

    pub(super) fn body(&self) -> ExecConfig {
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
            detach_keys: self.detach_keys.clone(),
            ..ExecConfig::default()
        }
    }
}

/// How to start an exec attached ([`Exec::start_attached`](super::Exec::start_attached)).
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

    pub(super) fn get_tty(&self) -> Option<bool> {
        self.tty
    }

    pub(super) fn get_console_size(&self) -> Option<(u16, u16)> {
        self.console_size
    }

    pub(super) fn get_stdin(&self) -> bool {
        self.stdin
    }
}
