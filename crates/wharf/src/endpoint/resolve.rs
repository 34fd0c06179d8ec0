//! [`Endpoint`] and [`Source`]: which daemon to talk to and why, in the
//! docker CLI's order (see the [module docs](super)).

use std::fmt;

use super::context;
use super::host::{bracket_ipv6, parse_host, redact, DEFAULT_HOST};
use super::tls::tls_from_env;
use super::{Environment, Host, Tls};
use crate::error::{ConnectTarget, Error, Result};

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
    /// [module docs](super) for the order).
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
        if let Some((name, file)) = context::current_context(env)? {
            let why = format!("currentContext in {}", file.display());
            return Endpoint::context(&name, env, &why);
        }
        Endpoint::build(DEFAULT_HOST, Source::Default, env)
    }

    /// The endpoint at `host` (a URL such as `unix:///var/run/docker.sock`
    /// or `tcp://10.0.0.5:2376`), with TLS settings from `env` as described
    /// in the [module docs](super).
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
        let (host, tls) = context::load(name, env, chosen_by)?;
        Ok(Endpoint::assemble(
            host,
            tls,
            Source::Context(name.to_owned()),
        ))
    }
}

/// What a connect error says about the endpoint it could not reach
/// ([`Error::with_endpoint`]).
impl ConnectTarget for Endpoint {
    fn url(&self) -> &str {
        &self.url
    }

    fn chosen(&self) -> &dyn fmt::Display {
        &self.source
    }

    fn hint(&self) -> String {
        self.source.hint()
    }

    fn tls_origin(&self) -> Option<&str> {
        self.tls.as_ref().map(Tls::origin)
    }
}
