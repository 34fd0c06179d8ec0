//! placeholder until `cargo xtask regen` writes this crate
/// Engine API version.
pub const API_VERSION: &str = "1.51";
