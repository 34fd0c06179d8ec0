//! Support shared by the decoding and engine tests.

pub mod engine;
pub mod server;
