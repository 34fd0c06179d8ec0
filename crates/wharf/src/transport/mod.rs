//! How bytes reach the daemon: one `reqwest::Client` per [`Docker`] client,
//! set up for the endpoint.
//!
//! | endpoint    | connection                                   | request URLs                 |
//! |-------------|----------------------------------------------|------------------------------|
//! | `unix://`   | reqwest's unix socket connector              | `http://localhost/v1.51/...` |
//! | `tcp://`    | TCP, or TLS by rustls ([`tls`])              | `http(s)://host:port/v1.51/...` |
//! | `ssh://`    | a private unix socket served by `ssh` ([`ssh`]) | `http://localhost/v1.51/...` |
//! | `npipe://`  | reqwest's named pipe connector (Windows)     | `http://localhost/v1.51/...` |
//!
//! Connections are HTTP/1.1 and kept alive in reqwest's pool, so a burst of
//! calls reuses one connection instead of opening one per request. Redirects
//! are never followed. For TCP, proxies from the usual environment variables
//! apply, as for the docker CLI; local sockets never use a proxy.
//!
//! [`Docker`]: crate::Docker

#[cfg(unix)]
pub(crate) mod ssh;
pub(crate) mod tls;

use std::time::Duration;

use crate::endpoint::{Endpoint, Environment, Host};
use crate::error::{Error, Result};

/// The origin used for requests over local sockets; the daemon ignores it.
const LOCAL_ORIGIN: &str = "http://localhost";

/// What the transport is built with.
pub(crate) struct Options<'a> {
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) user_agent: &'a str,
    pub(crate) env: &'a Environment,
}

/// A client for one endpoint, and whatever must live as long as it.
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    /// `scheme://authority[/base]`, to which `/v1.51/...` is appended.
    pub(crate) origin: String,
    #[cfg(unix)]
    ssh: Option<ssh::SshProxy>,
}

impl Transport {
    pub(crate) fn new(endpoint: &Endpoint, options: &Options<'_>) -> Result<Transport> {
        let mut builder = reqwest::Client::builder()
            .user_agent(options.user_agent)
            .redirect(reqwest::redirect::Policy::none())
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
        let origin = match endpoint.host() {
            Host::Tcp { .. } => endpoint
                .tcp_origin()
                .expect("a tcp endpoint has a tcp origin"),
            #[cfg(unix)]
            Host::Unix(path) => {
                builder = builder.unix_socket(path.as_path());
                LOCAL_ORIGIN.to_owned()
            }
            #[cfg(unix)]
            Host::Ssh(target) => {
                let proxy = ssh::SshProxy::start(target, options.env)?;
                builder = builder.unix_socket(proxy.socket());
                ssh_proxy = Some(proxy);
                LOCAL_ORIGIN.to_owned()
            }
            #[cfg(windows)]
            Host::NamedPipe(pipe) => {
                builder = builder.windows_named_pipe(pipe.as_str());
                LOCAL_ORIGIN.to_owned()
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
