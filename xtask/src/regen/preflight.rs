//! Preflight: the conditions progenitor 0.15 asserts (or `todo!`s) on, checked before
//! generation so that a failure names the operation instead of panicking deep inside the
//! generator.
//!
//! - a request body has exactly one media type (`todo!("more media types than expected")`);
//! - that media type is JSON, form, `text/plain` with a plain string schema, or
//!   `application/octet-stream` with `{type: string, format: binary}`;
//! - all success responses (2xx, 101, `default`) are of one kind, and so are all error
//!   responses (4xx, 5xx): typed JSON of one schema, a byte stream, an upgrade, or nothing
//!   (`assert!(response_types.len() <= 1)`);
//! - a JSON media type has a schema.
use std::collections::BTreeSet;

use anyhow::{bail, Result};
use serde_json::Value;

use super::schema_walk::METHODS;

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Typed(String),
    Upgrade,
    Raw,
    None,
}

/// Checks every operation; the error lists every failing one.
pub fn check(doc: &Value) -> Result<()> {
    let mut failures = Vec::new();
    let paths = doc["paths"].as_object().into_iter().flatten();
    for (path, item) in paths {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let id = op["operationId"].as_str().unwrap_or("?");
            let mut fail = |what: String| {
                failures.push(format!("{id} ({} {path}): {what}", method.to_uppercase()))
            };
            if let Some(content) = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
            {
                if content.len() != 1 {
                    fail(format!(
                        "{} request media types; progenitor takes exactly one",
                        content.len()
                    ));
                }
                for (media, m) in content {
                    let schema = &m["schema"];
                    let plain = schema.get("nullable").is_none() && schema.get("default").is_none();
                    let ok = match media.as_str() {
                        "application/json" | "application/x-www-form-urlencoded" => {
                            !schema.is_null()
                        }
                        "application/octet-stream" => {
                            plain && schema["type"] == "string" && schema["format"] == "binary"
                        }
                        "text/plain" => {
                            plain && schema["type"] == "string" && schema.get("format").is_none()
                        }
                        _ => false,
                    };
                    if !ok {
                        fail(format!(
                            "request media type {media} with schema {schema} is not one progenitor accepts"
                        ));
                    }
                }
            }
            let mut success = BTreeSet::new();
            let mut errors = BTreeSet::new();
            for (code, response) in op["responses"].as_object().into_iter().flatten() {
                let kind = match response.get("content").and_then(Value::as_object) {
                    Some(c) if c.contains_key("application/json") => {
                        match c["application/json"].get("schema") {
                            Some(s) => Kind::Typed(s.to_string()),
                            None => {
                                fail(format!("response {code}: JSON without a schema"));
                                continue;
                            }
                        }
                    }
                    _ if code == "101" => Kind::Upgrade,
                    Some(c) if !c.is_empty() => Kind::Raw,
                    _ => Kind::None,
                };
                if code == "default" || code == "101" || code.starts_with('2') {
                    success.insert(kind);
                } else if code.starts_with('4') || code.starts_with('5') {
                    errors.insert(kind);
                }
            }
            if success.len() > 1 {
                fail(format!(
                    "success responses of {} kinds ({success:?}); progenitor takes one",
                    success.len()
                ));
            }
            if errors.len() > 1 {
                fail(format!(
                    "error responses of {} kinds ({errors:?}); progenitor takes one",
                    errors.len()
                ));
            }
        }
    }
    if !failures.is_empty() {
        bail!(
            "the spec is not ready for progenitor after lowering and patches:\n  {}",
            failures.join("\n  ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_the_failing_operation() {
        let doc = json!({ "paths": {
            "/auth": { "post": { "operationId": "SystemAuth",
                "requestBody": { "content": {
                    "application/json": { "schema": {} }, "text/plain": { "schema": {} } } },
                "responses": {
                    "200": { "content": { "application/json": { "schema": { "type": "object" } } } },
                    "204": {} } } },
            "/ok": { "get": { "operationId": "Fine", "responses": {
                "200": { "content": { "application/octet-stream": { "schema": {} } } },
                "404": { "content": { "application/json": { "schema": { "$ref": "E" } } } },
                "4XX": { "content": { "application/json": { "schema": { "$ref": "E" } } } } } } }
        } });
        let err = check(&doc).unwrap_err().to_string();
        assert!(
            err.contains("SystemAuth (POST /auth): 2 request media types"),
            "{err}"
        );
        assert!(
            err.contains("SystemAuth (POST /auth): success responses of 2 kinds"),
            "{err}"
        );
        assert!(!err.contains("Fine"), "{err}");
    }
}
