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

mod context;
mod environment;
mod host;
mod resolve;
#[cfg(test)]
mod tests;
mod tls;

pub use environment::Environment;
pub(crate) use host::Host;
#[cfg(unix)] // for ssh, which needs Unix
pub(crate) use host::SshTarget;
pub use resolve::{Endpoint, Source};
pub use tls::Tls;
