//! wharf: a Docker Engine API client.
//!
//! The low-level operations are generated from the Engine API spec into the
//! `wharf-api` crate and re-exported here as [`api`].
#![deny(missing_docs)]

pub use wharf_api as api;

pub mod client;
pub mod container;
pub mod endpoint;
mod error;
pub mod events;
pub mod exec;
pub mod filters;
pub mod hijack;
pub mod progress;
pub mod stream;
mod transport;
pub mod units;
pub mod version;

pub use client::{Docker, DockerBuilder, Request, Response, Timeout};
pub use container::{Container, Containers};
pub use error::{Error, ErrorKind, Result};
pub use filters::Filters;
pub use version::{ApiVersion, PingInfo};
