//! How bytes reach the daemon.
//!
//! | endpoint    | connection ([`io`])                          | request target / `Host`      |
//! |-------------|----------------------------------------------|------------------------------|
//! | `unix://`   | the unix socket                              | `/v1.51/...`, `localhost`    |
//! | `tcp://`    | TCP, or TLS by rustls ([`tls`]); through an HTTP proxy's `CONNECT` tunnel when the environment names one ([`proxy`]) | `[/base]/v1.51/...`, `host:port` |
//! | `ssh://`    | a private unix socket served by `ssh` ([`ssh`]) | `/v1.51/...`, `localhost` |
//! | `npipe://`  | the named pipe (Windows)                     | `/v1.51/...`, `localhost`    |
//!
//! The client's own requests speak HTTP/1.1 over these connections itself
//! ([`crate::http1`]), keeping them alive in a pool, so a burst of calls
//! reuses connections instead of opening one per request. The generated
//! client ([`Docker::api`](crate::Docker::api)) runs on a `reqwest::Client`
//! set up for the same endpoint. Redirects are never followed.
//!
//! `tcp://` endpoints use the proxy the environment names, as the docker CLI
//! does: `HTTPS_PROXY` for TLS, `HTTP_PROXY` otherwise, unless `NO_PROXY`
//! lists the host ([`proxy`]); `unix://`, `ssh://` and `npipe://` never use
//! one. The client's own connections always tunnel through it with
//! `CONNECT`. The generated client is given the same proxy, chosen by the
//! same rules, and goes through it as reqwest (and Go) do: `CONNECT` for
//! TLS, plain requests in absolute form (`GET http://host:2375/v1.51/...`)
//! otherwise.
//!
//! [`Docker`]: crate::Docker

pub(crate) mod io;
pub(crate) mod proxy;
#[cfg(unix)]
pub(crate) mod ssh;
pub(crate) mod tls;

use std::sync::Arc;

use std::time::Duration;

use crate::endpoint::{Endpoint, Environment, Host};
use crate::error::{Error, Result};
use crate::http1::Pool;
use io::Dial;

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
    /// The generated client's HTTP client ([`crate::Docker::api`]).
    pub(crate) http: reqwest::Client,
    /// `scheme://authority[/base]`, to which `/v1.51/...` is appended.
    pub(crate) origin: String,
    /// The connections of the client's own requests ([`crate::http1`]).
    pub(crate) pool: Arc<Pool>,
    /// The `Host` header of those requests.
    pub(crate) host_header: String,
    /// The path under which the API is served (`tcp://host:port/base`),
    /// usually empty.
    pub(crate) base_path: String,
    pub(crate) user_agent: String,
    #[cfg(unix)]
    ssh: Option<ssh::SshProxy>,
}

impl Transport {
    pub(crate) fn new(endpoint: &Endpoint, options: &Options<'_>) -> Result<Transport> {
        let mut builder = reqwest::Client::builder()
            .user_agent(options.user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .http1_only();
        if let Some(timeout) = options.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        builder = builder.tls_backend_preconfigured(match endpoint.tls() {
            Some(settings) => tls::client_config(settings)?,
            None => tls::unused_config()?,
        });
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
                if let Some(proxy) = &proxy {
                    builder = builder.proxy(proxy.to_reqwest()?);
                }
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
            Host::Unix(path) => {
                builder = builder.unix_socket(path.as_path());
                (local, Dial::Unix(path.clone()))
            }
            #[cfg(unix)]
            Host::Ssh(target) => {
                let proxy = ssh::SshProxy::start(target, options.env)?;
                builder = builder.unix_socket(proxy.socket());
                let dial = Dial::Unix(proxy.socket().to_owned());
                ssh_proxy = Some(proxy);
                (local, dial)
            }
            #[cfg(windows)]
            Host::NamedPipe(pipe) => {
                builder = builder.windows_named_pipe(pipe.as_str());
                (local, Dial::Pipe(pipe.clone()))
            }
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
        let http = builder.build().map_err(|e| {
            Error::config(format!(
                "cannot set up the HTTP client for {}: {e}",
                endpoint.url()
            ))
            .with_source(e)
        })?;
        Ok(Transport {
            http,
            origin,
            pool: Arc::new(Pool::new(dial, options.connect_timeout)),
            host_header,
            base_path,
            user_agent: options.user_agent.to_owned(),
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
