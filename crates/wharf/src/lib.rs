//! wharf: a Docker Engine API client, pinned to Engine API v1.51 and negotiating down to
//! the engine's version (Docker 20.10 and Podman's Docker-compatible service included).
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use wharf::container::{ContainerSpec, LogsOptions};
//!
//! # async fn run() -> wharf::Result<()> {
//! // The engine the docker CLI would use: DOCKER_HOST, the docker context, the default socket.
//! let docker = wharf::Docker::connect()?;
//! let created = docker
//!     .containers()
//!     .run(&ContainerSpec::new("busybox").cmd(["echo", "hello"]))
//!     .await?;
//! let container = created.container;
//! let status = container.wait().await?;
//! let mut logs = container.logs(LogsOptions::new().stdout(true).stderr(true)).await?;
//! while let Some(piece) = logs.next().await {
//!     print!("{}", piece?);
//! }
//! println!("exit code {}", status.code);
//! container.remove().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//!
//! - [`Docker`]: the client. [`endpoint`] says how it finds the engine (like the docker CLI:
//!   explicit URL, `DOCKER_HOST`, `DOCKER_CONTEXT`, the current context, the default socket);
//!   connections are pooled and kept alive over unix sockets, TCP, TLS (rustls) or ssh.
//!   [`version`]: requests carry the version prefix (`/v1.51/...`), negotiated with one
//!   `/_ping` unless pinned.
//! - [`Error`]: one error type; [`Error::kind`] tells not-found from conflict from a
//!   connection failure, [`Error::message`] carries the daemon's own words.
//! - [`container`], [`exec`], [`events`], [`image`], [`network`], [`volume`], [`system`]
//!   (info, version, disk usage, system prune), [`swarm`] (services, tasks, nodes, secrets,
//!   configs): the typed API. A call that uses an operation, parameter or field newer
//!   than the client's API version is refused before it is sent
//!   ([`ErrorKind::VersionMismatch`], naming it and both versions).
//!   [`reference`](mod@reference) parses image references like the docker CLI; [`auth`]
//!   finds registry credentials like it (`config.json`, credential helpers) and encodes
//!   them for the daemon. [`build`] builds images from a directory (`.dockerignore`,
//!   streamed context) with [`Docker::build`]. [`hijack`] is the upgraded connection
//!   behind attach and exec; [`stream`] demultiplexes stdout and stderr and decodes
//!   newline-delimited JSON; [`progress`] reads pull, push and build progress.
//!   `websocket` (feature `websocket`) is the websocket attach,
//!   `Container::attach_websocket`.
//! - [`migrating`]: bollard's, docker-py's and aiodocker's container and exec calls, and
//!   wharf's.
//! - [`api`]: the generated low level (`wharf-api`), every type and operation of the spec;
//!   [`Docker::api`] gives its client over the same connection pool, for anything the typed
//!   API does not wrap.
//!
//! # Cargo features
//!
//! - `aws-lc-rs` (on by default) or `ring`: rustls' crypto provider for TLS endpoints
//!   (aws-lc-rs has post-quantum key exchange; ring builds more easily). A provider the
//!   application installed with `rustls::crypto::CryptoProvider::install_default` comes
//!   first; with neither feature, one must be installed.
//! - `websocket` (off by default): `GET /containers/{id}/attach/ws`, the websocket attach
//!   (`Container::attach_websocket`, the `websocket` module), with tokio-tungstenite.
#![deny(missing_docs)]

pub use wharf_api as api;

pub mod auth;
pub mod build;
pub mod client;
pub mod container;
mod copy;
mod crypto;
pub mod endpoint;
mod error;
mod error_kinds;
pub mod events;
pub mod exec;
pub mod filters;
pub mod hijack;
pub mod image;
/// Coming from bollard, docker-py or aiodocker: their container and exec
/// calls, and wharf's.
pub mod migrating;
pub mod network;
mod path;
pub mod progress;
pub mod reference;
mod requirements;
pub mod stream;
pub mod swarm;
pub mod system;
mod transport;
pub mod units;
pub mod version;
pub mod volume;
#[cfg(feature = "websocket")]
pub mod websocket;

pub use client::{Docker, DockerBuilder, Request, Response, Timeout};
pub use container::{Container, Containers};
pub use error::{Error, ErrorKind, Result};
pub use filters::Filters;
pub use image::{Image, Images};
pub use reference::Reference;
pub use version::{ApiVersion, PingInfo};
