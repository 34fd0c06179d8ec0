//! Support shared by the decoding and engine tests.

pub mod server;
