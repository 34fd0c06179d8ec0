//! Which daemon to talk to, chosen the way the docker CLI chooses it.
//!
//! The first of these that is set wins:
//!
//! 1. a host or context given to [`DockerBuilder`](crate::DockerBuilder)
//!    ([`Source::Explicit`], [`Source::Context`]);
//! 2. `DOCKER_HOST` ([`Source::Env`]);
//! 3. `DOCKER_CONTEXT`, then `currentContext` in `$DOCKER_CONFIG/config.json`
//!    ([`Source::Context`]); the context named `default` means step 4;
//! 4. the default socket, `unix:///var/run/docker.sock`
//!    (`npipe:////./pipe/docker_engine` on Windows) ([`Source::Default`]).
//!
//! `DOCKER_CONFIG` defaults to `~/.docker`. A context `NAME` is read from
//! `$DOCKER_CONFIG/contexts/meta/<sha256 of NAME>/meta.json`
//! (`Endpoints.docker.Host`, `Endpoints.docker.SkipTLSVerify`), its TLS files
//! from `$DOCKER_CONFIG/contexts/tls/<sha256 of NAME>/docker/{ca,cert,key}.pem`.
//!
//! Host URLs: `unix://PATH`, `tcp://HOST[:PORT][/PATH]` (port 2375, or 2376
//! with TLS), `ssh://[USER@]HOST[:PORT][/SOCKET]`, `npipe://PATH` (Windows).
//! A value without a scheme is a TCP address, as for the CLI.
//!
//! # TLS from the environment
//!
//! For a host given explicitly or by `DOCKER_HOST`, TCP connections use TLS
//! when `DOCKER_TLS_VERIFY` or `DOCKER_TLS` is set to any **non-empty** value.
//! This is the docker CLI's rule, and it means `DOCKER_TLS_VERIFY=0` and
//! `DOCKER_TLS_VERIFY=false` also turn TLS and verification *on*. The
//! certificates are `ca.pem`, `cert.pem` and `key.pem` in `DOCKER_CERT_PATH`
//! (default: the `DOCKER_CONFIG` directory, `~/.docker`); a missing
//! `cert.pem`/`key.pem` pair means no client certificate, a missing `ca.pem`
//! is an error. The protocol is TLS 1.2 or newer.
//!
//! One deliberate difference: the docker CLI skips server verification when
//! only `DOCKER_TLS` is set; wharf verifies unless told otherwise by
//! [`Tls::with_verify`] or a context's `SkipTLSVerify`.
//!
//! Unix sockets, named pipes and ssh never use TLS.
//!
//! The environment is read through an [`Environment`], so tests and tools can
//! resolve an endpoint from variables of their own.
//!
//! ```
//! use wharf::endpoint::{Endpoint, Environment, Source};
//!
//! let env = Environment::empty()
//!     .set("DOCKER_HOST", "tcp://10.0.0.5")
//!     .set("DOCKER_TLS_VERIFY", "1")
//!     .set("DOCKER_CERT_PATH", "/etc/docker-client");
//! let endpoint = Endpoint::resolve(&env)?;
//! assert_eq!(endpoint.url(), "tcp://10.0.0.5:2376");
//! assert_eq!(endpoint.source(), &Source::Env("DOCKER_HOST"));
//! assert!(endpoint.tls().unwrap().verify());
//! # Ok::<(), wharf::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

#[cfg(not(windows))]
const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";
#[cfg(windows)]
const DEFAULT_HOST: &str = "npipe:////./pipe/docker_engine";

const DEFAULT_UNIX_SOCKET: &str = "/var/run/docker.sock";
const DEFAULT_NAMED_PIPE: &str = "//./pipe/docker_engine";

/// The environment variables an endpoint is resolved from.
///
/// [`Environment::process`] reads the process environment when asked;
/// [`Environment::empty`] and [`Environment::set`] build one by hand. Empty
/// values count as unset, as they do for the docker CLI.
///
/// ```
/// use wharf::endpoint::{Endpoint, Environment, Source};
///
/// let env = Environment::empty().set("DOCKER_HOST", "tcp://10.0.0.5:2375");
/// let endpoint = Endpoint::resolve(&env)?;
/// assert_eq!(endpoint.url(), "tcp://10.0.0.5:2375");
/// assert_eq!(endpoint.source(), &Source::Env("DOCKER_HOST"));
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Environment {
    /// `None`: the process environment.
    vars: Option<BTreeMap<String, String>>,
}

impl Environment {
    /// The process environment, read at each lookup.
    ///
    /// ```
    /// let env = wharf::endpoint::Environment::process();
    /// let _host = env.var("DOCKER_HOST");
    /// ```
    pub fn process() -> Environment {
        Environment { vars: None }
    }

    /// An environment with no variables at all (not even `HOME`).
    ///
    /// ```
    /// let env = wharf::endpoint::Environment::empty();
    /// assert_eq!(env.var("HOME"), None);
    /// ```
    pub fn empty() -> Environment {
        Environment {
            vars: Some(BTreeMap::new()),
        }
    }

    /// This environment with `name` set to `value`. On the process
    /// environment this takes a snapshot first; the process itself is not
    /// changed.
    ///
    /// ```
    /// let env = wharf::endpoint::Environment::empty().set("DOCKER_CONTEXT", "remote");
    /// assert_eq!(env.var("DOCKER_CONTEXT").as_deref(), Some("remote"));
    /// ```
    pub fn set(mut self, name: impl Into<String>, value: impl Into<String>) -> Environment {
        let vars = self.vars.get_or_insert_with(|| {
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect()
        });
        vars.insert(name.into(), value.into());
        self
    }

    /// The value of `name`, or `None` if it is unset, empty or not UTF-8.
    ///
    /// ```
    /// let env = wharf::endpoint::Environment::empty().set("DOCKER_TLS_VERIFY", "");
    /// assert_eq!(env.var("DOCKER_TLS_VERIFY"), None);
    /// ```
    pub fn var(&self, name: &str) -> Option<String> {
        let value = match &self.vars {
            None => std::env::var(name).ok(),
            Some(vars) => vars.get(name).cloned(),
        };
        value.filter(|v| !v.is_empty())
    }

    #[cfg_attr(not(unix), allow(dead_code))] // for ssh, which needs Unix
    pub(crate) fn is_process(&self) -> bool {
        self.vars.is_none()
    }

    fn home(&self) -> Option<PathBuf> {
        let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
        self.var(var).map(PathBuf::from)
    }

    /// `$DOCKER_CONFIG`, else `~/.docker`.
    fn config_dir(&self) -> Option<PathBuf> {
        self.var("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| self.home().map(|h| h.join(".docker")))
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Environment {
    /// An environment holding exactly these variables.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Environment {
        Environment {
            vars: Some(
                iter.into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            ),
        }
    }
}

impl fmt::Debug for Environment {
    // Names only: environments hold secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.vars {
            None => f.write_str("Environment(process)"),
            Some(vars) => f.debug_tuple("Environment").field(&vars.keys()).finish(),
        }
    }
}

/// Why an endpoint was chosen.
///
/// ```
/// use wharf::endpoint::{Endpoint, Environment, Source};
///
/// let endpoint = Endpoint::resolve(&Environment::empty())?;
/// assert_eq!(endpoint.source(), &Source::Default);
/// assert_eq!(endpoint.source().to_string(), "the default endpoint");
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// Given to the builder ([`DockerBuilder::host`](crate::DockerBuilder::host)).
    Explicit,
    /// From an environment variable (`DOCKER_HOST`).
    Env(&'static str),
    /// From the docker context of this name (chosen by the builder,
    /// `DOCKER_CONTEXT` or `config.json`).
    Context(String),
    /// Nothing chose an endpoint: the default socket.
    Default,
}

impl Source {
    /// What to check when the endpoint cannot be reached.
    pub(crate) fn hint(&self) -> String {
        match self {
            Source::Explicit => "check the host given to wharf".to_owned(),
            Source::Env(var) => format!(
                "check {var}, or unset it to use the current docker context or the default socket"
            ),
            Source::Context(name) => format!(
                "check docker context {name:?} (`docker context inspect {name}`), \
                 or choose another with DOCKER_CONTEXT"
            ),
            Source::Default => {
                "set DOCKER_HOST or choose a docker context to use another endpoint".to_owned()
            }
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Explicit => f.write_str("given explicitly"),
            Source::Env(var) => write!(f, "from {var}"),
            Source::Context(name) => write!(f, "from docker context {name:?}"),
            Source::Default => f.write_str("the default endpoint"),
        }
    }
}

/// TLS settings for a TCP endpoint: whether to verify the daemon, the CA to
/// trust and the client certificate.
///
/// Verification is on by default; without a CA file the system's roots are
/// trusted. The files are read when the client is built.
///
/// ```
/// use wharf::endpoint::Tls;
///
/// let tls = Tls::new()
///     .with_ca("/etc/docker-certs/ca.pem")
///     .with_client_cert("/etc/docker-certs/cert.pem", "/etc/docker-certs/key.pem");
/// assert!(tls.verify());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tls {
    verify: bool,
    ca: Option<PathBuf>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    /// Where these settings came from, for error messages.
    origin: String,
}

impl Default for Tls {
    fn default() -> Tls {
        Tls::new()
    }
}

impl Tls {
    /// Verify the daemon against the system roots; no client certificate.
    ///
    /// ```
    /// assert!(wharf::endpoint::Tls::new().ca().is_none());
    /// ```
    pub fn new() -> Tls {
        Tls {
            verify: true,
            ca: None,
            cert: None,
            key: None,
            origin: "given explicitly".to_owned(),
        }
    }

    /// The docker layout: `ca.pem`, and `cert.pem` + `key.pem` if present,
    /// in `dir`.
    ///
    /// ```
    /// let tls = wharf::endpoint::Tls::from_dir("/nonexistent");
    /// assert_eq!(tls.ca(), Some(std::path::Path::new("/nonexistent/ca.pem")));
    /// assert_eq!(tls.cert(), None);
    /// ```
    pub fn from_dir(dir: impl AsRef<Path>) -> Tls {
        let dir = dir.as_ref();
        let mut tls = Tls::new().with_ca(dir.join("ca.pem"));
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        // Like the CLI: a missing default cert or key is left out (and a
        // lone one is reported when the files are loaded).
        if cert.exists() || key.exists() {
            tls.cert = Some(cert);
            tls.key = Some(key);
        }
        tls.origin = format!("files in {}", dir.display());
        tls
    }

    /// Trust only the CA certificates in this PEM file.
    ///
    /// ```
    /// let tls = wharf::endpoint::Tls::new().with_ca("ca.pem");
    /// assert!(tls.ca().is_some());
    /// ```
    pub fn with_ca(mut self, path: impl Into<PathBuf>) -> Tls {
        self.ca = Some(path.into());
        self
    }

    /// Present this client certificate (PEM chain) and private key (PEM).
    ///
    /// ```
    /// let tls = wharf::endpoint::Tls::new().with_client_cert("cert.pem", "key.pem");
    /// assert!(tls.cert().is_some() && tls.key().is_some());
    /// ```
    pub fn with_client_cert(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Tls {
        self.cert = Some(cert.into());
        self.key = Some(key.into());
        self
    }

    /// Whether to verify the daemon's certificate and name. Turning this off
    /// lets anyone on the path impersonate the daemon.
    ///
    /// ```
    /// let tls = wharf::endpoint::Tls::new().with_verify(false);
    /// assert!(!tls.verify());
    /// ```
    pub fn with_verify(mut self, verify: bool) -> Tls {
        self.verify = verify;
        self
    }

    /// Whether the daemon's certificate is verified.
    ///
    /// ```
    /// assert!(wharf::endpoint::Tls::new().verify());
    /// ```
    pub fn verify(&self) -> bool {
        self.verify
    }

    /// The CA file, if one replaces the system roots.
    ///
    /// ```
    /// assert_eq!(wharf::endpoint::Tls::new().ca(), None);
    /// ```
    pub fn ca(&self) -> Option<&Path> {
        self.ca.as_deref()
    }

    /// The client certificate file, if any.
    ///
    /// ```
    /// assert_eq!(wharf::endpoint::Tls::new().cert(), None);
    /// ```
    pub fn cert(&self) -> Option<&Path> {
        self.cert.as_deref()
    }

    /// The client key file, if any.
    ///
    /// ```
    /// assert_eq!(wharf::endpoint::Tls::new().key(), None);
    /// ```
    pub fn key(&self) -> Option<&Path> {
        self.key.as_deref()
    }

    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    fn with_origin(mut self, origin: String) -> Tls {
        self.origin = origin;
        self
    }
}

/// Where an ssh endpoint leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SshTarget {
    pub(crate) user: Option<String>,
    pub(crate) host: String,
    pub(crate) port: Option<u16>,
    /// The daemon socket on the remote host, if not the default.
    pub(crate) socket: Option<String>,
}

/// A parsed host URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Host {
    Unix(PathBuf),
    Tcp {
        host: String,
        /// `None`: 2375, or 2376 with TLS.
        port: Option<u16>,
        /// A base path under which the API is served (rare).
        path: String,
    },
    Ssh(SshTarget),
    NamedPipe(String),
}

/// The daemon endpoint a client talks to, and why it was chosen.
///
/// ```no_run
/// let endpoint = wharf::endpoint::Endpoint::from_env()?;
/// println!("using {} ({})", endpoint.url(), endpoint.source());
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    host: Host,
    url: String,
    tls: Option<Tls>,
    source: Source,
}

impl Endpoint {
    /// Resolves the endpoint from the process environment (see the
    /// [module docs](self) for the order).
    ///
    /// ```no_run
    /// let endpoint = wharf::endpoint::Endpoint::from_env()?;
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn from_env() -> Result<Endpoint> {
        Endpoint::resolve(&Environment::process())
    }

    /// Resolves the endpoint from `env`: `DOCKER_HOST`, `DOCKER_CONTEXT`,
    /// the current context in `config.json`, or the default socket.
    ///
    /// ```
    /// use wharf::endpoint::{Endpoint, Environment};
    ///
    /// let env = Environment::empty().set("DOCKER_HOST", "unix:///run/user/1000/docker.sock");
    /// assert_eq!(Endpoint::resolve(&env)?.url(), "unix:///run/user/1000/docker.sock");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn resolve(env: &Environment) -> Result<Endpoint> {
        if let Some(host) = env.var("DOCKER_HOST") {
            return Endpoint::build(&host, Source::Env("DOCKER_HOST"), env);
        }
        if let Some(name) = env.var("DOCKER_CONTEXT") {
            return Endpoint::context(&name, env, "DOCKER_CONTEXT");
        }
        if let Some((name, file)) = current_context(env)? {
            let why = format!("currentContext in {}", file.display());
            return Endpoint::context(&name, env, &why);
        }
        Endpoint::build(DEFAULT_HOST, Source::Default, env)
    }

    /// The endpoint at `host` (a URL such as `unix:///var/run/docker.sock`
    /// or `tcp://10.0.0.5:2376`), with TLS settings from `env` as described
    /// in the [module docs](self).
    ///
    /// ```
    /// use wharf::endpoint::{Endpoint, Environment, Source};
    ///
    /// let e = Endpoint::from_host("ssh://deploy@build-host", &Environment::empty())?;
    /// assert_eq!(e.url(), "ssh://deploy@build-host");
    /// assert_eq!(e.source(), &Source::Explicit);
    ///
    /// let bad = Endpoint::from_host("ftp://x", &Environment::empty()).unwrap_err();
    /// assert_eq!(bad.kind(), wharf::ErrorKind::Config);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn from_host(host: &str, env: &Environment) -> Result<Endpoint> {
        Endpoint::build(host, Source::Explicit, env)
    }

    /// The endpoint of the docker context `name` (the name `default` means
    /// `DOCKER_HOST` or the default socket).
    ///
    /// ```no_run
    /// use wharf::endpoint::{Endpoint, Environment};
    ///
    /// let e = Endpoint::from_context("remote", &Environment::process())?;
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn from_context(name: &str, env: &Environment) -> Result<Endpoint> {
        if name == "default" {
            if let Some(host) = env.var("DOCKER_HOST") {
                return Endpoint::build(&host, Source::Env("DOCKER_HOST"), env);
            }
        }
        Endpoint::context(name, env, "given explicitly")
    }

    /// This endpoint with other TLS settings (`None`: plain TCP). TLS only
    /// applies to TCP endpoints.
    ///
    /// ```
    /// use wharf::endpoint::{Endpoint, Environment, Tls};
    ///
    /// let e = Endpoint::from_host("tcp://docker.example:2376", &Environment::empty())?
    ///     .with_tls(Some(Tls::new()));
    /// assert!(e.tls().is_some());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn with_tls(mut self, tls: Option<Tls>) -> Endpoint {
        self.tls = tls;
        self.normalize();
        self
    }

    /// The endpoint as a URL, normalized (default port filled in) and never
    /// with a password: `unix:///var/run/docker.sock`, `tcp://host:2376`,
    /// `ssh://user@host`.
    ///
    /// ```
    /// use wharf::endpoint::{Endpoint, Environment};
    ///
    /// let e = Endpoint::from_host("tcp://example.com", &Environment::empty())?;
    /// assert_eq!(e.url(), "tcp://example.com:2375");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Why this endpoint was chosen.
    ///
    /// ```
    /// use wharf::endpoint::{Endpoint, Environment, Source};
    ///
    /// let e = Endpoint::from_host("unix:///tmp/d.sock", &Environment::empty())?;
    /// assert_eq!(e.source(), &Source::Explicit);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The TLS settings, for a TCP endpoint that uses TLS.
    ///
    /// ```
    /// use wharf::endpoint::{Endpoint, Environment};
    ///
    /// let e = Endpoint::from_host("tcp://h:2375", &Environment::empty())?;
    /// assert!(e.tls().is_none());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn tls(&self) -> Option<&Tls> {
        self.tls.as_ref()
    }

    pub(crate) fn host(&self) -> &Host {
        &self.host
    }

    fn build(host: &str, source: Source, env: &Environment) -> Result<Endpoint> {
        let parsed = parse_host(host).map_err(|reason| {
            Error::config(format!(
                "invalid Docker host {:?} ({source}): {reason}",
                redact(host)
            ))
        })?;
        let tls = match source {
            Source::Explicit | Source::Env(_) => tls_from_env(env)?,
            Source::Context(_) | Source::Default => None,
        };
        Ok(Endpoint::assemble(parsed, tls, source))
    }

    fn assemble(host: Host, tls: Option<Tls>, source: Source) -> Endpoint {
        let mut e = Endpoint {
            host,
            url: String::new(),
            tls,
            source,
        };
        e.normalize();
        e
    }

    /// Drops TLS from non-TCP endpoints and renders the URL.
    fn normalize(&mut self) {
        if !matches!(self.host, Host::Tcp { .. }) {
            self.tls = None;
        }
        self.url = match &self.host {
            Host::Unix(path) => format!("unix://{}", path.display()),
            Host::NamedPipe(pipe) => format!("npipe://{}", pipe.replace('\\', "/")),
            Host::Tcp { host, port, path } => {
                let port = port.unwrap_or(if self.tls.is_some() { 2376 } else { 2375 });
                format!("tcp://{}:{port}{path}", bracket_ipv6(host))
            }
            Host::Ssh(t) => {
                let mut url = "ssh://".to_owned();
                if let Some(user) = &t.user {
                    url.push_str(user);
                    url.push('@');
                }
                url.push_str(&bracket_ipv6(&t.host));
                if let Some(port) = t.port {
                    url.push_str(&format!(":{port}"));
                }
                if let Some(socket) = &t.socket {
                    url.push_str(socket);
                }
                url
            }
        };
    }

    /// The `scheme://authority[/path]` that requests go to (before the
    /// version prefix), for hosts reached directly over TCP.
    pub(crate) fn tcp_origin(&self) -> Option<String> {
        match &self.host {
            Host::Tcp { host, port, path } => {
                let scheme = if self.tls.is_some() { "https" } else { "http" };
                let port = port.unwrap_or(if self.tls.is_some() { 2376 } else { 2375 });
                Some(format!("{scheme}://{}:{port}{path}", bracket_ipv6(host)))
            }
            _ => None,
        }
    }

    /// Loads the context `name`; `chosen_by` says what named it.
    fn context(name: &str, env: &Environment, chosen_by: &str) -> Result<Endpoint> {
        if name == "default" {
            return Endpoint::build(DEFAULT_HOST, Source::Default, env);
        }
        let what = format!("docker context {name:?} (named by {chosen_by})");
        let dir = env.config_dir().ok_or_else(|| {
            Error::config(format!(
                "cannot find {what}: no DOCKER_CONFIG or home directory to look in; set DOCKER_CONFIG"
            ))
        })?;
        let id = context_id(name);
        let meta_path = dir
            .join("contexts")
            .join("meta")
            .join(&id)
            .join("meta.json");
        let raw = match std::fs::read(&meta_path) {
            Ok(raw) => raw,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::config(format!(
                    "{what} does not exist: there is no {}; `docker context ls` lists the contexts",
                    meta_path.display()
                )));
            }
            Err(e) => {
                return Err(Error::config(format!(
                    "cannot read {} for {what}: {e}",
                    meta_path.display()
                ))
                .with_source(e))
            }
        };
        let broken = |reason: String| {
            Error::config(format!(
                "{what} is broken: {}: {reason}; recreate it with `docker context create`",
                meta_path.display()
            ))
        };
        let meta: serde_json::Value =
            serde_json::from_slice(&raw).map_err(|e| broken(e.to_string()).with_source(e))?;
        let docker = field(&meta, "Endpoints")
            .and_then(|eps| field(eps, "docker"))
            .ok_or_else(|| broken("it has no Endpoints.docker".to_owned()))?;
        let host = match field(docker, "Host") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) if s.is_empty() => None,
            Some(serde_json::Value::String(s)) => Some(s.as_str()),
            Some(_) => return Err(broken("Endpoints.docker.Host is not a string".to_owned())),
        };
        let skip_verify = match field(docker, "SkipTLSVerify") {
            None | Some(serde_json::Value::Null) => false,
            Some(serde_json::Value::Bool(b)) => *b,
            Some(_) => {
                return Err(broken(
                    "Endpoints.docker.SkipTLSVerify is not a boolean".to_owned(),
                ))
            }
        };
        let source = Source::Context(name.to_owned());
        let parsed = parse_host(host.unwrap_or(DEFAULT_HOST)).map_err(|reason| {
            broken(format!(
                "invalid host {:?}: {reason}",
                redact(host.unwrap_or_default())
            ))
        })?;
        let tls_dir = dir.join("contexts").join("tls").join(&id).join("docker");
        let file = |name: &str| Some(tls_dir.join(name)).filter(|p| p.exists());
        let (ca, cert, key) = (file("ca.pem"), file("cert.pem"), file("key.pem"));
        let tls = if ca.is_some() || cert.is_some() || key.is_some() || skip_verify {
            Some(
                Tls {
                    verify: !skip_verify,
                    ca,
                    cert,
                    key,
                    origin: String::new(),
                }
                .with_origin(format!("TLS files of {what} in {}", tls_dir.display())),
            )
        } else {
            None
        };
        Ok(Endpoint::assemble(parsed, tls, source))
    }
}

/// Go's JSON decoding matches field names case-insensitively, so the CLI
/// accepts `Endpoints` and `endpoints` alike; so does this.
fn field<'a>(value: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    value
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A context's directory name: the hex SHA-256 of its name (docker CLI,
/// `cli/context/store`).
fn context_id(name: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `currentContext` from `$DOCKER_CONFIG/config.json`, with the file's path.
fn current_context(env: &Environment) -> Result<Option<(String, PathBuf)>> {
    let Some(dir) = env.config_dir() else {
        return Ok(None);
    };
    let path = dir.join("config.json");
    let raw = match std::fs::read(&path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::config(format!(
                "cannot read {} (for its currentContext): {e}",
                path.display()
            ))
            .with_source(e))
        }
    };
    let config: serde_json::Value = serde_json::from_slice(&raw).map_err(|e| {
        Error::config(format!(
            "{} is not valid JSON: {e}; fix or remove it (it may name the current docker context)",
            path.display()
        ))
        .with_source(e)
    })?;
    Ok(field(&config, "currentContext")
        .and_then(|v| v.as_str())
        .filter(|name| !name.is_empty())
        .map(|name| (name.to_owned(), path)))
}

/// TLS settings from `DOCKER_TLS_VERIFY`, `DOCKER_TLS` and
/// `DOCKER_CERT_PATH` (docker CLI, `cli/flags/options.go`: any non-empty
/// value turns TLS on).
fn tls_from_env(env: &Environment) -> Result<Option<Tls>> {
    let verify = env.var("DOCKER_TLS_VERIFY").is_some();
    let tls = env.var("DOCKER_TLS").is_some();
    if !verify && !tls {
        return Ok(None);
    }
    let why = if verify {
        "DOCKER_TLS_VERIFY"
    } else {
        "DOCKER_TLS"
    };
    let dir = match env.var("DOCKER_CERT_PATH") {
        Some(dir) => PathBuf::from(dir),
        None => env.config_dir().ok_or_else(|| {
            Error::config(format!(
                "{why} is set, but there is no DOCKER_CERT_PATH, DOCKER_CONFIG or home directory \
                 to find ca.pem, cert.pem and key.pem in; set DOCKER_CERT_PATH"
            ))
        })?,
    };
    let origin = format!(
        "{why} is set; certificates from {} (DOCKER_CERT_PATH)",
        dir.display()
    );
    Ok(Some(Tls::from_dir(&dir).with_origin(origin)))
}

/// Parses a host URL; the error is the reason, without the input.
pub(crate) fn parse_host(input: &str) -> std::result::Result<Host, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("it is empty".to_owned());
    }
    let (scheme, rest) = match input.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None if input.starts_with('/') => {
            return Err(format!(
                "a host needs a scheme; for a socket use unix://{input}"
            ))
        }
        // The CLI reads a bare address as TCP.
        None => ("tcp".to_owned(), input),
    };
    match scheme.as_str() {
        "unix" => {
            let path = if rest.is_empty() {
                DEFAULT_UNIX_SOCKET
            } else {
                rest
            };
            Ok(Host::Unix(PathBuf::from(path)))
        }
        "npipe" => {
            let pipe = if rest.is_empty() {
                DEFAULT_NAMED_PIPE
            } else {
                rest
            };
            Ok(Host::NamedPipe(pipe.replace('/', "\\")))
        }
        "tcp" => parse_tcp(rest),
        "ssh" => parse_ssh(input).map(Host::Ssh),
        "fd" => Err("fd:// is a daemon listen address, not one a client can connect to".to_owned()),
        "http" | "https" => Err(format!(
            "use tcp://{rest} (TLS is chosen by DOCKER_TLS_VERIFY, a context or the builder)"
        )),
        other => Err(format!(
            "unknown scheme {other:?}; use unix://, tcp://, ssh:// or npipe://"
        )),
    }
}

fn parse_tcp(rest: &str) -> std::result::Result<Host, String> {
    // An empty host means localhost, as for the CLI (`tcp://:2375`).
    let rest = if rest.is_empty() || rest.starts_with(':') {
        format!("localhost{rest}")
    } else {
        rest.to_owned()
    };
    let url = reqwest::Url::parse(&format!("tcp://{rest}")).map_err(|e| e.to_string())?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("tcp:// hosts take no user or password".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("tcp:// hosts take no query or fragment".to_owned());
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or("the host name is empty")?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let path = url.path().trim_end_matches('/').to_owned();
    Ok(Host::Tcp {
        host,
        port: url.port(),
        path,
    })
}

/// Parses `ssh://[user@]host[:port][/socket]` (docker CLI,
/// `cli/connhelper/ssh`): no password, query or fragment.
fn parse_ssh(input: &str) -> std::result::Result<SshTarget, String> {
    let url = reqwest::Url::parse(input).map_err(|e| e.to_string())?;
    if url.password().is_some() {
        return Err(
            "ssh:// URLs must not carry a password; use an ssh key or agent (`ssh-add`)".to_owned(),
        );
    }
    if url.query().is_some() {
        return Err("ssh:// URLs take no query parameters".to_owned());
    }
    if url.fragment().is_some() {
        return Err("ssh:// URLs take no fragment".to_owned());
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or("the host name is empty")?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let user = Some(url.username().to_owned()).filter(|u| !u.is_empty());
    // A path of only slashes means the remote default socket (the CLI trims
    // slashes the same way).
    let socket = Some(url.path().to_owned()).filter(|p| !p.trim_matches('/').is_empty());
    Ok(SshTarget {
        user,
        host,
        port: url.port(),
        socket,
    })
}

fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// The input with any password in it replaced by `***`, for messages.
pub(crate) fn redact(input: &str) -> String {
    let Some((scheme, rest)) = input.split_once("://") else {
        return input.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => input.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn env(vars: &[(&str, &str)]) -> Environment {
        vars.iter().map(|(k, v)| (*k, *v)).collect()
    }

    #[test]
    fn parses_hosts() {
        assert_eq!(
            parse_host("unix:///var/run/docker.sock").unwrap(),
            Host::Unix("/var/run/docker.sock".into())
        );
        assert_eq!(
            parse_host("unix://").unwrap(),
            Host::Unix("/var/run/docker.sock".into())
        );
        assert_eq!(
            parse_host("tcp://10.0.0.5:2376").unwrap(),
            Host::Tcp {
                host: "10.0.0.5".into(),
                port: Some(2376),
                path: String::new()
            }
        );
        assert_eq!(
            parse_host("TCP://docker.example/base/").unwrap(),
            Host::Tcp {
                host: "docker.example".into(),
                port: None,
                path: "/base".into()
            }
        );
        assert_eq!(
            parse_host("tcp://[::1]:80").unwrap(),
            Host::Tcp {
                host: "::1".into(),
                port: Some(80),
                path: String::new()
            }
        );
        assert_eq!(
            parse_host("tcp://:2375").unwrap(),
            Host::Tcp {
                host: "localhost".into(),
                port: Some(2375),
                path: String::new()
            }
        );
        assert_eq!(
            parse_host("10.1.2.3:2375").unwrap(),
            Host::Tcp {
                host: "10.1.2.3".into(),
                port: Some(2375),
                path: String::new()
            }
        );
        assert_eq!(
            parse_host("ssh://me@box:2222/run/user/1000/docker.sock").unwrap(),
            Host::Ssh(SshTarget {
                user: Some("me".into()),
                host: "box".into(),
                port: Some(2222),
                socket: Some("/run/user/1000/docker.sock".into()),
            })
        );
        assert_eq!(
            parse_host("ssh://box/").unwrap(),
            Host::Ssh(SshTarget {
                user: None,
                host: "box".into(),
                port: None,
                socket: None,
            })
        );
        assert_eq!(
            parse_host("npipe:////./pipe/docker_engine").unwrap(),
            Host::NamedPipe(r"\\.\pipe\docker_engine".into())
        );
    }

    #[test]
    fn rejects_bad_hosts_with_reasons() {
        let cases = [
            ("", "empty"),
            ("ftp://x", "unknown scheme \"ftp\""),
            ("fd://", "listen address"),
            ("https://h:2376", "use tcp://h:2376"),
            ("/var/run/docker.sock", "unix:///var/run/docker.sock"),
            ("tcp://h:notaport", "port"),
            ("tcp://h:2375?x=1", "query"),
            ("ssh://", "empty"),
            ("ssh://box?x=1", "query"),
            ("ssh://box#f", "fragment"),
        ];
        for (input, needle) in cases {
            let reason = parse_host(input).unwrap_err();
            assert!(reason.contains(needle), "{input:?}: {reason}");
        }
    }

    #[test]
    fn ssh_password_is_rejected_and_never_shown() {
        let e = Endpoint::from_host("ssh://me:hunter2@box", &Environment::empty()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        let (text, debug) = (e.to_string(), format!("{e:?}"));
        assert!(text.contains("password"), "{text}");
        assert!(text.contains("ssh://me:***@box"), "{text}");
        assert!(
            !text.contains("hunter2") && !debug.contains("hunter2"),
            "{debug}"
        );

        let e =
            Endpoint::from_host("tcp://me:hunter2@box:2375", &Environment::empty()).unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(!format!("{e:?}").contains("hunter2"));
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("ssh://u:p@h:22/x"), "ssh://u:***@h:22/x");
        assert_eq!(redact("ssh://u@h"), "ssh://u@h");
        assert_eq!(redact("unix:///a@b"), "unix:///a@b");
        assert_eq!(redact("plain"), "plain");
    }

    #[test]
    fn urls_are_normalized() {
        let e = |h: &str| Endpoint::from_host(h, &Environment::empty()).unwrap();
        assert_eq!(e("tcp://h").url(), "tcp://h:2375");
        assert_eq!(e("tcp://[::1]:99/p").url(), "tcp://[::1]:99/p");
        assert_eq!(e("ssh://u@h:22/s.sock").url(), "ssh://u@h:22/s.sock");
        assert_eq!(e("unix:///x.sock").url(), "unix:///x.sock");
        assert_eq!(
            e("npipe:////./pipe/docker_engine").url(),
            "npipe:////./pipe/docker_engine"
        );
        let tls = e("tcp://h").with_tls(Some(Tls::new()));
        assert_eq!(tls.url(), "tcp://h:2376");
        assert_eq!(tls.tcp_origin().unwrap(), "https://h:2376");
        assert_eq!(e("tcp://h:1/p").tcp_origin().unwrap(), "http://h:1/p");
        // TLS never applies to sockets.
        assert!(e("unix:///x").with_tls(Some(Tls::new())).tls().is_none());
    }

    #[test]
    fn default_when_nothing_is_set() {
        let e = Endpoint::resolve(&Environment::empty()).unwrap();
        assert_eq!(e.source(), &Source::Default);
        assert_eq!(e.url(), DEFAULT_HOST);
    }

    #[test]
    fn docker_host_wins_over_context() {
        let e = Endpoint::resolve(&env(&[
            ("DOCKER_HOST", "tcp://h:1"),
            ("DOCKER_CONTEXT", "nope"),
        ]))
        .unwrap();
        assert_eq!(e.source(), &Source::Env("DOCKER_HOST"));
        assert_eq!(e.url(), "tcp://h:1");
    }

    #[test]
    fn malformed_docker_host_names_variable_and_value() {
        let e = Endpoint::resolve(&env(&[("DOCKER_HOST", "bogus://x")])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        let text = e.to_string();
        assert!(text.contains("\"bogus://x\""), "{text}");
        assert!(text.contains("from DOCKER_HOST"), "{text}");
        assert!(text.contains("unix://, tcp://"), "{text}");
    }

    fn write(path: &Path, contents: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    fn write_context(config: &Path, name: &str, meta: &str) -> PathBuf {
        let id = context_id(name);
        write(
            &config.join("contexts/meta").join(&id).join("meta.json"),
            meta,
        );
        config.join("contexts/tls").join(&id).join("docker")
    }

    #[test]
    fn context_id_is_sha256_of_the_name() {
        // `printf default | sha256sum`
        assert_eq!(
            context_id("default"),
            "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
        );
    }

    #[test]
    fn context_from_docker_context() {
        let dir = tempfile::tempdir().unwrap();
        let tls_dir = write_context(
            dir.path(),
            "remote",
            r#"{"Name":"remote","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://remote:2376","SkipTLSVerify":false}}}"#,
        );
        write(&tls_dir.join("ca.pem"), "x");
        write(&tls_dir.join("cert.pem"), "x");
        write(&tls_dir.join("key.pem"), "x");
        let e = Endpoint::resolve(&env(&[
            ("DOCKER_CONFIG", dir.path().to_str().unwrap()),
            ("DOCKER_CONTEXT", "remote"),
            // Context TLS is the context's own; the environment's is ignored.
            ("DOCKER_CERT_PATH", "/elsewhere"),
        ]))
        .unwrap();
        assert_eq!(e.source(), &Source::Context("remote".into()));
        assert_eq!(e.url(), "tcp://remote:2376");
        let tls = e.tls().unwrap();
        assert!(tls.verify());
        assert_eq!(tls.ca(), Some(tls_dir.join("ca.pem").as_path()));
        assert_eq!(tls.key(), Some(tls_dir.join("key.pem").as_path()));
    }

    #[test]
    fn current_context_from_config_json_with_lowercase_keys() {
        let dir = tempfile::tempdir().unwrap();
        write(
            &dir.path().join("config.json"),
            r#"{"auths":{},"currentContext":"lab"}"#,
        );
        write_context(
            dir.path(),
            "lab",
            r#"{"name":"lab","endpoints":{"docker":{"host":"ssh://ops@lab","skipTLSVerify":true}}}"#,
        );
        let e =
            Endpoint::resolve(&env(&[("DOCKER_CONFIG", dir.path().to_str().unwrap())])).unwrap();
        assert_eq!(e.source(), &Source::Context("lab".into()));
        assert_eq!(e.url(), "ssh://ops@lab");
        assert!(e.tls().is_none());
    }

    #[test]
    fn config_dir_defaults_to_home_dot_docker() {
        let home = tempfile::tempdir().unwrap();
        write(
            &home.path().join(".docker/config.json"),
            r#"{"currentContext":"h"}"#,
        );
        write_context(
            &home.path().join(".docker"),
            "h",
            r#"{"Endpoints":{"docker":{"Host":"unix:///h.sock"}}}"#,
        );
        let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
        let e = Endpoint::resolve(&env(&[(var, home.path().to_str().unwrap())])).unwrap();
        assert_eq!(e.url(), "unix:///h.sock");
    }

    #[test]
    fn default_context_means_default_endpoint() {
        let dir = tempfile::tempdir().unwrap();
        write(
            &dir.path().join("config.json"),
            r#"{"currentContext":"default"}"#,
        );
        let e =
            Endpoint::resolve(&env(&[("DOCKER_CONFIG", dir.path().to_str().unwrap())])).unwrap();
        assert_eq!(e.source(), &Source::Default);
        let e = Endpoint::from_context("default", &env(&[("DOCKER_HOST", "tcp://x:1")])).unwrap();
        assert_eq!(e.source(), &Source::Env("DOCKER_HOST"));
    }

    #[test]
    fn context_without_host_uses_default_socket() {
        let dir = tempfile::tempdir().unwrap();
        write_context(dir.path(), "k8s", r#"{"Endpoints":{"docker":{}}}"#);
        let e = Endpoint::from_context(
            "k8s",
            &env(&[("DOCKER_CONFIG", dir.path().to_str().unwrap())]),
        )
        .unwrap();
        assert_eq!(e.url(), DEFAULT_HOST);
        assert_eq!(e.source(), &Source::Context("k8s".into()));
    }

    #[test]
    fn missing_context_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let e = Endpoint::resolve(&env(&[
            ("DOCKER_CONFIG", dir.path().to_str().unwrap()),
            ("DOCKER_CONTEXT", "ghost"),
        ]))
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        let text = e.to_string();
        assert!(text.contains("\"ghost\""), "{text}");
        assert!(text.contains("DOCKER_CONTEXT"), "{text}");
        assert!(text.contains("docker context ls"), "{text}");
    }

    #[test]
    fn broken_context_meta_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        write_context(dir.path(), "bad", "{not json");
        write_context(dir.path(), "nodocker", r#"{"Endpoints":{}}"#);
        write_context(
            dir.path(),
            "badhost",
            r#"{"Endpoints":{"docker":{"Host":"gopher://x"}}}"#,
        );
        write_context(
            dir.path(),
            "badskip",
            r#"{"Endpoints":{"docker":{"Host":"tcp://x","SkipTLSVerify":"yes"}}}"#,
        );
        let e = |name: &str| {
            Endpoint::from_context(
                name,
                &env(&[("DOCKER_CONFIG", dir.path().to_str().unwrap())]),
            )
            .unwrap_err()
        };
        for (name, needle) in [
            ("bad", "meta.json"),
            ("nodocker", "Endpoints.docker"),
            ("badhost", "gopher"),
            ("badskip", "SkipTLSVerify"),
        ] {
            let err = e(name);
            assert_eq!(err.kind(), ErrorKind::Config);
            let text = err.to_string();
            assert!(text.contains(needle), "{name}: {text}");
            assert!(text.contains("docker context create"), "{name}: {text}");
        }
    }

    #[test]
    fn broken_config_json_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("config.json"), "{");
        let e = Endpoint::resolve(&env(&[("DOCKER_CONFIG", dir.path().to_str().unwrap())]))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("config.json"), "{e}");
    }

    #[test]
    fn tls_from_environment() {
        let certs = tempfile::tempdir().unwrap();
        write(&certs.path().join("cert.pem"), "x");
        write(&certs.path().join("key.pem"), "x");
        let certs_path = certs.path().to_str().unwrap();
        // Any non-empty value turns TLS and verification on, "0" included.
        for value in ["1", "0", "false"] {
            let e = Endpoint::resolve(&env(&[
                ("DOCKER_HOST", "tcp://h"),
                ("DOCKER_TLS_VERIFY", value),
                ("DOCKER_CERT_PATH", certs_path),
            ]))
            .unwrap();
            let tls = e.tls().unwrap();
            assert!(tls.verify());
            assert_eq!(tls.ca(), Some(certs.path().join("ca.pem").as_path()));
            assert_eq!(tls.cert(), Some(certs.path().join("cert.pem").as_path()));
            assert_eq!(e.url(), "tcp://h:2376");
        }
        // Empty means unset.
        let e = Endpoint::resolve(&env(&[
            ("DOCKER_HOST", "tcp://h"),
            ("DOCKER_TLS_VERIFY", ""),
        ]))
        .unwrap();
        assert!(e.tls().is_none());
        // DOCKER_TLS alone: TLS, and wharf still verifies.
        let e = Endpoint::resolve(&env(&[
            ("DOCKER_HOST", "tcp://h"),
            ("DOCKER_TLS", "1"),
            ("HOME", "/home/u"),
        ]))
        .unwrap();
        let tls = e.tls().unwrap();
        assert!(tls.verify());
        assert_eq!(tls.ca(), Some(Path::new("/home/u/.docker/ca.pem")));
        assert_eq!(tls.cert(), None);
        // Sockets ignore TLS settings.
        let e = Endpoint::resolve(&env(&[
            ("DOCKER_HOST", "unix:///s"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("HOME", "/h"),
        ]))
        .unwrap();
        assert!(e.tls().is_none());
    }

    #[test]
    fn environment_debug_shows_names_only() {
        let e = env(&[("DOCKER_HOST", "tcp://secret-host:1")]);
        let text = format!("{e:?}");
        assert!(
            text.contains("DOCKER_HOST") && !text.contains("secret-host"),
            "{text}"
        );
    }
}
