//! Tests against a live engine: the one `DOCKER_HOST` names (see `wharf_tests::engine`).
//!
//! Run them against the project's engines with
//! `DOCKER_HOST=unix:///run/wharf/docker-28.sock cargo test -p wharf-tests --test engine`
//! (`cargo xtask engine up docker-28` starts it; likewise docker-20 and podman).
mod attach_ws;
mod basics;
mod build;
mod containers;
mod exec;
mod images;
mod networks;
mod parity;
mod registry;
mod streams;
mod system;
mod volumes;
