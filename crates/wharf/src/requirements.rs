//! What a request needs of the API version, checked before it is sent.
//!
//! [`wharf_api::since::REQUIREMENTS`] (derived by `cargo xtask regen` from the vendored
//! specs, refined by their "added in" notes and `openapi/since.toml`) says which operations,
//! query parameters and body fields are newer than the oldest vendored spec. Every request
//! of the generated client passes the executor, which knows its operation: there
//! [`check`] refuses one that uses something newer than the client's API version (pinned
//! or negotiated), with a [`ErrorKind::VersionMismatch`] naming the operation, the option
//! and both versions, before anything is sent. A daemon would otherwise ignore an unknown
//! query parameter or body field without a word (a `signal` on a stop to a 1.41 daemon
//! stops with SIGTERM).
//!
//! ```text
//!  typed call ─▶ generated operation ─▶ executor: check(operation, query, body, version)
//!                                            │ ok                 │ too new
//!                                            ▼                    ▼
//!                                         transport      Error (VersionMismatch), nothing sent
//! ```
//!
//! Operations and query parameters cost one map lookup per request; a body is parsed only
//! when its operation has a body field newer than the version in use.
//!
//! # A new typed call
//!
//! A typed call that runs a generated operation is checked as it is, with nothing to do.
//! What the table cannot see is the call's to handle:
//!
//! - the exact version, where the specs only say "after 1.41" (the table then says 1.42,
//!   the lowest it can be): an entry in `openapi/since.toml` with its source, then
//!   `cargo xtask regen`;
//! - keys inside a `filters` JSON value (the volume prune's `all`, API 1.42): the builder
//!   decides what to send for the version ([`crate::volume::PruneOptions`]);
//! - bodies that are not JSON (archives, build contexts) and the hand-written hijacked
//!   requests (attach), which do not pass the generated client;
//! - changes of meaning without a new name (a default that changed): the builder, with
//!   [`Docker::api_version`](crate::Docker::api_version).
//!
//! [`ErrorKind::VersionMismatch`]: crate::ErrorKind::VersionMismatch

use std::collections::HashMap;
use std::sync::OnceLock;

use wharf_api::since::{Item, Requirement, REQUIREMENTS};

use crate::error::{Error, Result};
use crate::version::ApiVersion;

/// The requirements of each operation (by `operationId`), with the highest version any
/// of them needs.
fn by_operation(operation: &str) -> Option<&'static (ApiVersion, Vec<&'static Requirement>)> {
    static INDEX: OnceLock<HashMap<&'static str, (ApiVersion, Vec<&'static Requirement>)>> =
        OnceLock::new();
    INDEX
        .get_or_init(|| {
            let mut index: HashMap<&'static str, (ApiVersion, Vec<&'static Requirement>)> =
                HashMap::new();
            for r in REQUIREMENTS {
                let entry = index
                    .entry(r.operation)
                    .or_insert((ApiVersion::MINIMUM, Vec::new()));
                entry.0 = entry.0.max(since(r));
                entry.1.push(r);
            }
            index
        })
        .get(operation)
}

fn since(r: &Requirement) -> ApiVersion {
    ApiVersion::new(r.since.0, r.since.1)
}

/// Refuses a request of `operation` (its `operationId`) at `version` that uses an
/// operation, a query parameter (`query` is the URL's query) or a body field (`body`, the
/// JSON body) newer than `version`.
pub(crate) fn check(
    operation: &str,
    version: ApiVersion,
    query: Option<&str>,
    body: Option<&[u8]>,
) -> Result<()> {
    let Some((highest, requirements)) = by_operation(operation) else {
        return Ok(());
    };
    if *highest <= version {
        return Ok(());
    }
    let mut parsed: Option<Option<serde_json::Value>> = None;
    for r in requirements.iter().filter(|r| since(r) > version) {
        let used = match r.item {
            Item::Operation => true,
            // the spec's parameter names need no encoding
            Item::Query(name) => query.is_some_and(|q| {
                q.split('&')
                    .any(|pair| pair.split('=').next() == Some(name))
            }),
            Item::Body(path) => {
                let value = parsed.get_or_insert_with(|| {
                    body.and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                });
                value.as_ref().is_some_and(|v| is_set(v, path))
            }
        };
        if used {
            return Err(too_new(operation, r, version));
        }
    }
    Ok(())
}

/// The error for `r`, used at `version`.
pub(crate) fn too_new(operation: &str, r: &Requirement, version: ApiVersion) -> Error {
    let what = match r.item {
        Item::Operation => format!("{operation} needs"),
        Item::Query(name) => format!("the `{name}` parameter of {operation} needs"),
        Item::Body(path) => format!("the `{path}` field of {operation} needs"),
    };
    Error::version_mismatch(format!(
        "{what} API {} or later, and this client uses API {version} \
         (not sent; the daemon would ignore it; source: {})",
        since(r),
        r.source
    ))
}

/// Whether the dotted `path` (with `*` for any key of a map and `[]` for any element of a
/// list) leads to a value other than `null` in `value`.
fn is_set(value: &serde_json::Value, path: &str) -> bool {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    let children: Box<dyn Iterator<Item = &serde_json::Value>> = match (head, value) {
        ("*", serde_json::Value::Object(map)) => Box::new(map.values()),
        ("[]", serde_json::Value::Array(items)) => Box::new(items.iter()),
        (key, serde_json::Value::Object(map)) => Box::new(map.get(key).into_iter()),
        _ => Box::new(std::iter::empty()),
    };
    let mut children = children.filter(|v| !v.is_null());
    match rest {
        None => children.next().is_some(),
        Some(rest) => children.any(|child| is_set(child, rest)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    const V41: ApiVersion = ApiVersion::new(1, 41);

    #[test]
    fn a_newer_query_parameter_is_refused_and_names_both_versions() {
        let e = check("ContainerStop", V41, Some("t=1&signal=SIGINT"), None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::VersionMismatch);
        let text = e.to_string();
        assert!(
            text.contains("`signal` parameter of ContainerStop"),
            "{text}"
        );
        assert!(
            text.contains("API 1.42") && text.contains("API 1.41"),
            "{text}"
        );
        assert!(check("ContainerStop", V41, Some("t=1"), None).is_ok());
        let v42 = ApiVersion::new(1, 42);
        assert!(check("ContainerStop", v42, Some("signal=SIGINT"), None).is_ok());
    }

    #[test]
    fn a_newer_body_field_is_refused_where_it_is_set() {
        let body = br#"{"Name":"n","EnableIPv4":true}"#;
        let e = check("NetworkCreate", ApiVersion::new(1, 47), None, Some(body)).unwrap_err();
        assert!(e
            .to_string()
            .contains("`EnableIPv4` field of NetworkCreate needs API 1.48"));
        assert!(check("NetworkCreate", V41, None, Some(br#"{"Name":"n"}"#)).is_ok());
        assert!(check("NetworkCreate", V41, None, Some(br#"{"EnableIPv4":null}"#)).is_ok());
        let create = br#"{"NetworkingConfig":{"EndpointsConfig":{"a":{},"b":{"GwPriority":1}}}}"#;
        let e = check("ContainerCreate", V41, None, Some(create)).unwrap_err();
        assert!(
            e.to_string().contains("EndpointsConfig.*.GwPriority"),
            "{e}"
        );
    }

    #[test]
    fn paths_walk_maps_and_lists() {
        let v = serde_json::json!({"M": [{"B": {"X": 1}}, {"B": null}]});
        assert!(is_set(&v, "M.[].B.X"));
        assert!(!is_set(&v, "M.[].B.Y"));
        assert!(!is_set(&v, "M.*.B"));
        assert!(is_set(&v, "M"));
    }
}
