//! `cargo xtask engine up|down|status NAME`: the test engines.
use anyhow::{bail, Result};

pub fn run(args: &[String]) -> Result<()> {
    bail!("engine: not implemented yet ({args:?})")
}
