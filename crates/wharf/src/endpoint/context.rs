//! Docker contexts: `currentContext` in `config.json`, and a context's
//! `meta.json` and TLS files under `$DOCKER_CONFIG/contexts`.

use std::path::PathBuf;

use super::host::{parse_host, redact, DEFAULT_HOST};
use super::{Environment, Host, Tls};
use crate::error::{Error, Result};

/// The host and TLS settings of the context `name` (not `default`, which is
/// no context); `chosen_by` says what named it.
pub(super) fn load(name: &str, env: &Environment, chosen_by: &str) -> Result<(Host, Option<Tls>)> {
    let what = format!("docker context {name:?} (named by {chosen_by})");
    let dir = env.config_dir().ok_or_else(|| {
        Error::config(format!(
            "cannot find {what}: no DOCKER_CONFIG or home directory to look in; set DOCKER_CONFIG"
        ))
    })?;
    let id = context_id(name)?;
    let meta_path = dir
        .join("contexts")
        .join("meta")
        .join(&id)
        .join("meta.json");
    let raw = match std::fs::read(&meta_path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::config(format!(
                "{what} does not exist: there is no {}; `docker context ls` lists the contexts",
                meta_path.display()
            )));
        }
        Err(e) => {
            return Err(Error::config(format!(
                "cannot read {} for {what}: {e}",
                meta_path.display()
            ))
            .with_source(e))
        }
    };
    let broken = |reason: String| {
        Error::config(format!(
            "{what} is broken: {}: {reason}; recreate it with `docker context create`",
            meta_path.display()
        ))
    };
    let meta: serde_json::Value =
        serde_json::from_slice(&raw).map_err(|e| broken(e.to_string()).with_source(e))?;
    let docker = field(&meta, "Endpoints")
        .and_then(|eps| field(eps, "docker"))
        .ok_or_else(|| broken("it has no Endpoints.docker".to_owned()))?;
    let host = match field(docker, "Host") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if s.is_empty() => None,
        Some(serde_json::Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(broken("Endpoints.docker.Host is not a string".to_owned())),
    };
    let skip_verify = match field(docker, "SkipTLSVerify") {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::Bool(b)) => *b,
        Some(_) => {
            return Err(broken(
                "Endpoints.docker.SkipTLSVerify is not a boolean".to_owned(),
            ))
        }
    };
    let parsed = parse_host(host.unwrap_or(DEFAULT_HOST)).map_err(|reason| {
        broken(format!(
            "invalid host {:?}: {reason}",
            redact(host.unwrap_or_default())
        ))
    })?;
    let tls_dir = dir.join("contexts").join("tls").join(&id).join("docker");
    let file = |name: &str| Some(tls_dir.join(name)).filter(|p| p.exists());
    let (ca, cert, key) = (file("ca.pem"), file("cert.pem"), file("key.pem"));
    let tls = if ca.is_some() || cert.is_some() || key.is_some() || skip_verify {
        Some(
            Tls {
                verify: !skip_verify,
                ca,
                cert,
                key,
                origin: String::new(),
            }
            .with_origin(format!("TLS files of {what} in {}", tls_dir.display())),
        )
    } else {
        None
    };
    Ok((parsed, tls))
}

/// Go's JSON decoding matches field names case-insensitively, so the CLI
/// accepts `Endpoints` and `endpoints` alike; so does this.
fn field<'a>(value: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    value
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A context's directory name: the hex SHA-256 of its name (docker CLI,
/// `cli/context/store`).
pub(super) fn context_id(name: &str) -> Result<String> {
    crate::crypto::sha256_hex(name.as_bytes())
}

/// `currentContext` from `$DOCKER_CONFIG/config.json`, with the file's path.
pub(super) fn current_context(env: &Environment) -> Result<Option<(String, PathBuf)>> {
    let Some(dir) = env.config_dir() else {
        return Ok(None);
    };
    let path = dir.join("config.json");
    let raw = match std::fs::read(&path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::config(format!(
                "cannot read {} (for its currentContext): {e}",
                path.display()
            ))
            .with_source(e))
        }
    };
    let config: serde_json::Value = serde_json::from_slice(&raw).map_err(|e| {
        Error::config(format!(
            "{} is not valid JSON: {e}; fix or remove it (it may name the current docker context)",
            path.display()
        ))
        .with_source(e)
    })?;
    Ok(field(&config, "currentContext")
        .and_then(|v| v.as_str())
        .filter(|name| !name.is_empty())
        .map(|name| (name.to_owned(), path)))
}
