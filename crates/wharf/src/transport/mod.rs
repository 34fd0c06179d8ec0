//! How bytes reach the daemon.
//!
//! | endpoint    | connection ([`io`])                          | request target / `Host`      |
//! |-------------|----------------------------------------------|------------------------------|
//! | `unix://`   | the unix socket                              | `/v1.51/...`, `localhost`    |
//! | `tcp://`    | TCP, or TLS by rustls ([`tls`]); through an HTTP proxy's `CONNECT` tunnel when the environment names one ([`proxy`]) | `[/base]/v1.51/...`, `host:port` |
//! | `ssh://`    | a private unix socket served by `ssh` ([`ssh`]) | `/v1.51/...`, `localhost` |
//! | `npipe://`  | the named pipe (Windows)                     | `/v1.51/...`, `localhost`    |
//!
//! Every request, the generated client's included, speaks HTTP/1.1 over
//! these connections with hyper, driven in the caller's task ([`conn`]),
//! keeping them alive in one pool ([`pool`]), so a burst of calls reuses connections
//! instead of opening one per request. At most [`MAX_CONNECTIONS`] are open
//! at once ([`MAX_SSH_CONNECTIONS`] over ssh). Redirects are never followed.
//!
//! `tcp://` endpoints use the proxy the environment names, as the docker CLI
//! does: `HTTPS_PROXY` for TLS, `HTTP_PROXY` otherwise, unless `NO_PROXY`
//! lists the host ([`proxy`]); `unix://`, `ssh://` and `npipe://` never use
//! one. Connections tunnel through it with `CONNECT`.
//!
//! [`Docker`]: crate::Docker

pub(crate) mod conn;
pub(crate) mod io;
pub(crate) mod pool;
pub(crate) mod proxy;
#[cfg(unix)]
pub(crate) mod ssh;
pub(crate) mod tls;

use std::sync::Arc;

use std::time::Duration;

use crate::endpoint::{Endpoint, Environment, Host};
use crate::error::{Error, Result};
use io::Dial;
use pool::Pool;

/// The most connections open at once to one endpoint.
pub(crate) const MAX_CONNECTIONS: usize = 256;
/// The most over ssh: each is an `ssh ... docker system dial-stdio` process,
/// a connection of its own to sshd, which refuses unauthenticated ones past
/// 10 at once by default (`MaxStartups 10:30:100`).
#[cfg(unix)]
pub(crate) const MAX_SSH_CONNECTIONS: usize = 8;

/// The origin used for requests over local sockets; the daemon ignores it.
const LOCAL_ORIGIN: &str = "http://localhost";

/// What the transport is built with.
pub(crate) struct Options<'a> {
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) user_agent: &'a str,
    /// For the proxy variables, and ssh's.
    pub(crate) env: &'a Environment,
}

/// A client for one endpoint, and whatever must live as long as it.
pub(crate) struct Transport {
    /// What the generated client builds its requests with (they are sent
    /// through [`conn`], never by reqwest).
    pub(crate) http: reqwest::Client,
    /// `scheme://authority[/base]`, to which `/v1.51/...` is appended.
    pub(crate) origin: String,
    /// The connections of every request ([`conn`]).
    pub(crate) pool: Arc<Pool>,
    /// The `Host` header of those requests.
    pub(crate) host_header: http::HeaderValue,
    /// The path under which the API is served (`tcp://host:port/base`),
    /// usually empty.
    pub(crate) base_path: String,
    pub(crate) user_agent: Option<http::HeaderValue>,
    #[cfg(unix)]
    ssh: Option<ssh::SshProxy>,
}

impl Transport {
    pub(crate) fn new(endpoint: &Endpoint, options: &Options<'_>) -> Result<Transport> {
        #[cfg(unix)]
        let mut ssh_proxy = None;
        let local = (
            LOCAL_ORIGIN.to_owned(),
            "localhost".to_owned(),
            String::new(),
        );
        let ((origin, host_header, base_path), dial) = match endpoint.host() {
            Host::Tcp { host, port, path } => {
                let origin = endpoint
                    .tcp_origin()
                    .expect("a tcp endpoint has a tcp origin");
                let port = port.unwrap_or(if endpoint.tls().is_some() { 2376 } else { 2375 });
                let tls = endpoint.tls().map(tls::client_config).transpose()?;
                let proxy =
                    proxy::Proxy::for_tcp(options.env, host, port, endpoint.tls().is_some())?;
                let dial = Dial::tcp(host, port, tls, proxy).map_err(|reason| {
                    Error::config(format!("cannot use {}: {reason}", endpoint.url()))
                })?;
                let authority = origin
                    .split_once("://")
                    .map(|(_, rest)| rest.trim_end_matches(path.as_str()).to_owned())
                    .unwrap_or_default();
                (
                    (origin, authority, path.trim_end_matches('/').to_owned()),
                    dial,
                )
            }
            #[cfg(unix)]
            Host::Unix(path) => (local, Dial::Unix(path.clone())),
            #[cfg(unix)]
            Host::Ssh(target) => {
                let proxy = ssh::SshProxy::start(target, options.env)?;
                let dial = Dial::Unix(proxy.socket().to_owned());
                ssh_proxy = Some(proxy);
                (local, dial)
            }
            #[cfg(windows)]
            Host::NamedPipe(pipe) => (local, Dial::Pipe(pipe.clone())),
            #[allow(unreachable_patterns)]
            _ => {
                return Err(Error::config(format!(
                    "{} ({}) cannot be used on this platform: unix:// and ssh:// need a Unix \
                     system, npipe:// needs Windows",
                    endpoint.url(),
                    endpoint.source()
                )))
            }
        };
        let http = reqwest::Client::builder().build().map_err(|e| {
            Error::config(format!(
                "cannot set up the HTTP client for {}: {e}",
                endpoint.url()
            ))
            .with_source(e)
        })?;
        #[cfg(unix)]
        let cap = if ssh_proxy.is_some() {
            MAX_SSH_CONNECTIONS
        } else {
            MAX_CONNECTIONS
        };
        #[cfg(not(unix))]
        let cap = MAX_CONNECTIONS;
        Ok(Transport {
            http,
            origin,
            pool: Arc::new(Pool::new(dial, options.connect_timeout, cap)),
            host_header: http::HeaderValue::from_str(&host_header)
                .unwrap_or(http::HeaderValue::from_static("localhost")),
            base_path,
            user_agent: http::HeaderValue::from_str(options.user_agent).ok(),
            #[cfg(unix)]
            ssh: ssh_proxy,
        })
    }

    /// For ssh endpoints: what ssh said when it last failed.
    pub(crate) fn diagnostic(&self) -> Option<String> {
        #[cfg(unix)]
        {
            self.ssh.as_ref().and_then(|p| p.last_error())
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    /// Whether connections go through the ssh proxy.
    pub(crate) fn is_ssh(&self) -> bool {
        #[cfg(unix)]
        {
            self.ssh.is_some()
        }
        #[cfg(not(unix))]
        {
            false
        }
    }
}
