//! Reads arbitrary bytes as a docker `config.json` and as a credential
//! helper's answer: never a panic, and no error quotes the input (which
//! holds secrets).
//!
//! Input layout: byte 0 picks what the rest is (low bit: 0 a config, 1 a
//! helper's answer).
#![no_main]

use futures_util::FutureExt;
use libfuzzer_sys::fuzz_target;
use wharf::auth::{Credentials, DockerConfig};

/// Registries to look up: Docker Hub's key, a host, an old-style key's host.
const KEYS: [&str; 3] = [
    "https://index.docker.io/v1/",
    "localhost:5000",
    "index.docker.io",
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 1 {
        if let Err(e) = Credentials::from_helper_answer("docker-credential-fuzz", "h", rest) {
            check_quiet(&e, rest);
        }
        return;
    }
    let config = match DockerConfig::from_json(rest) {
        Ok(config) => config,
        Err(e) => return check_quiet(&e, rest),
    };
    // no helper can be found on an empty PATH: lookups finish without running anything
    let config = config.helper_path("");
    for key in KEYS {
        let found = config
            .credentials(key)
            .now_or_never()
            .expect("no helper runs, so nothing waits");
        if let Ok(c) = found {
            let _ = format!("{c:?}");
            let _ = c.registry_auth_header();
        }
    }
    let _ = format!("{config:?}");
});

/// An error's text does not quote a JSON-looking input (the errors' own
/// words have no `{`).
fn check_quiet(e: &wharf::Error, input: &[u8]) {
    let text = e.to_string();
    if let Ok(input) = std::str::from_utf8(input) {
        if input.contains('{') {
            assert!(!text.contains(input), "the error quotes its input: {text}");
        }
    }
}
