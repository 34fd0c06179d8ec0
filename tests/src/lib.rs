//! Support shared by the decoding and engine tests.

pub mod certs;
pub mod engine;
pub mod faults;
pub mod fuzz;
pub mod proxy;
pub mod registry;
pub mod server;
