//! Generic lowering: rewrites of the OpenAPI 3 document for what progenitor 0.15 and
//! typify 0.8 cannot express. Nothing here names a Docker operation; each rule applies to
//! every operation or schema it matches. Docker-specific changes live in the patch file.
//!
//! The rules, in order:
//! 1. [`one_request_media_type`]: progenitor panics on more than one request media type, and
//!    accepts only JSON, form, `text/plain` and `application/octet-stream` (with a binary
//!    string schema). Tar archives and raw input become binary octet-stream bodies.
//! 2. [`drop_content_type_headers`]: a `Content-Type` header parameter would send a second
//!    `Content-Type` beside the one the body sets.
//! 3. [`one_response_media_type`]: JSON stays typed; newline-delimited JSON becomes a byte
//!    stream with its item schema kept in `x-json-lines-item`; any other media type becomes
//!    a byte stream. A response without a schema on an operation that produces only binary media
//!    types (tar, octet-stream, Docker's raw streams) becomes a byte stream too, never `()`
//!    (which drops the body). Error responses are always the daemon's JSON error.
//! 4. [`head_has_no_body`]: a HEAD response has no body to decode.
//! 5. [`error_catch_alls`]: `4XX` and `5XX` responses decoding `ErrorResponse`, so that codes
//!    the spec does not list (a 409 from top, the 400 "client version is too new") decode.
//!    A `default` response would count as a success in progenitor, so ranges are used.
//! 6. [`top_level_not_nullable`]: typify renders a nullable definition as
//!    `struct X(Option<XInner>)`; every use site is optional already.
//! 7. [`strip_defaults`]: typify turns schema defaults into serde defaults that are then sent
//!    back (`Memory: 0` on every update, `AttachStdout: true` on every create).
//! 8. [`no_closed_values`]: typify checks `pattern`s, lengths, bounds and non-string `enum`s
//!    while decoding, so a change kind `3` or an ID in another format from a newer or
//!    different engine would fail the whole response. Those constraints stay in the docs,
//!    not in the decoder.
//!    (String enums stay: the post-pass makes them open.)
use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};

use super::schema_walk::{for_each_operation, for_each_schema};

pub const JSON: &str = "application/json";
pub const OCTET_STREAM: &str = "application/octet-stream";
/// Newline-delimited JSON: the media type of Docker's event, stats and progress streams.
pub const JSON_LINES: &str = "application/x-ndjson";
const FORM: &str = "application/x-www-form-urlencoded";
const TEXT: &str = "text/plain";
/// The schema of the daemon's error body.
pub const ERROR_SCHEMA: &str = "#/components/schemas/ErrorResponse";

/// Applies every rule, in order.
pub fn lower(doc: &mut Value) -> Result<()> {
    if doc.pointer("/components/schemas/ErrorResponse").is_none() {
        bail!("the spec has no ErrorResponse schema; the error catch-alls need one");
    }
    for_each_operation(doc, |id, method, op| {
        one_request_media_type(op).with_context(|| format!("{id}: request body"))?;
        drop_content_type_headers(op);
        one_response_media_type(op).with_context(|| format!("{id}: responses"))?;
        if method == "head" {
            head_has_no_body(op);
        }
        error_catch_alls(op, method == "head");
        Ok(())
    })?;
    top_level_not_nullable(doc);
    strip_defaults(doc);
    no_closed_values(doc);
    Ok(())
}

fn binary_schema(description: Option<&Value>) -> Value {
    let mut s = json!({ "type": "string", "format": "binary" });
    if let Some(d) = description {
        s["description"] = d.clone();
    }
    s
}

fn is_binary_media(media: &str) -> bool {
    media == OCTET_STREAM
        || media == "application/x-tar"
        || media.starts_with("application/vnd.docker.")
}

/// Rule 1: keep exactly one request media type, of a kind progenitor accepts.
pub fn one_request_media_type(op: &mut Value) -> Result<()> {
    let Some(content) = op
        .pointer_mut("/requestBody/content")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    let pick = |m: &str| content.contains_key(m);
    let chosen = if pick(JSON) {
        JSON.to_owned()
    } else if let Some(binary) = content.keys().find(|m| is_binary_media(m)) {
        binary.clone()
    } else if pick(FORM) {
        FORM.to_owned()
    } else if pick(TEXT) {
        TEXT.to_owned()
    } else {
        bail!(
            "no request media type progenitor accepts among {:?}",
            content.keys().collect::<Vec<_>>()
        );
    };
    let mut media = content.remove(&chosen).expect("chosen from the keys");
    content.clear();
    if is_binary_media(&chosen) {
        let description = media.pointer("/schema/description").cloned();
        media = json!({ "schema": binary_schema(description.as_ref()) });
        content.insert(OCTET_STREAM.into(), media);
    } else {
        content.insert(chosen, media);
    }
    Ok(())
}

/// Rule 2: drop `Content-Type` header parameters; the body's media type sets the header.
pub fn drop_content_type_headers(op: &mut Value) {
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        params.retain(|p| {
            !(p["in"] == "header"
                && p["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case("content-type")))
        });
    }
}

fn is_error_status(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5')
}

/// Rule 3: one media type per response; binary responses become byte streams.
pub fn one_response_media_type(op: &mut Value) -> Result<()> {
    let produces: Vec<String> = op
        .get("x-produces")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let binary_only = !produces.is_empty() && produces.iter().all(|m| is_binary_media(m));
    let responses = op
        .get_mut("responses")
        .and_then(Value::as_object_mut)
        .context("no responses")?;
    for (code, response) in responses.iter_mut() {
        let response = response.as_object_mut().context("response")?;
        if is_error_status(code) {
            // The daemon writes its errors as JSON whatever the operation produces.
            if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
                let schema = content
                    .values()
                    .find_map(|m| m.get("schema").cloned())
                    .unwrap_or_else(|| json!({ "$ref": ERROR_SCHEMA }));
                content.clear();
                content.insert(JSON.into(), json!({ "schema": schema }));
            }
            continue;
        }
        match response.get_mut("content").and_then(Value::as_object_mut) {
            Some(content) if content.contains_key(JSON) => {
                content.retain(|m, _| m == JSON);
            }
            Some(content) if content.contains_key(JSON_LINES) => {
                // A stream of JSON values, one per line: bytes for the generated client,
                // the item schema kept for the hand-written decoder.
                let item = content[JSON_LINES]
                    .get("schema")
                    .cloned()
                    .unwrap_or(Value::Null);
                content.clear();
                content.insert(JSON_LINES.into(), json!({ "schema": binary_schema(None) }));
                response.insert("x-json-lines-item".into(), item);
            }
            Some(content) => {
                let first = content.keys().next().cloned().context("empty content")?;
                let media = if is_binary_media(&first) {
                    first
                } else {
                    OCTET_STREAM.to_owned()
                };
                let description = content
                    .values()
                    .find_map(|m| m.pointer("/schema/description").cloned());
                content.clear();
                content.insert(
                    media,
                    json!({ "schema": binary_schema(description.as_ref()) }),
                );
            }
            None if binary_only && code != "101" => {
                let mut content = Map::new();
                content.insert(
                    produces[0].clone(),
                    json!({ "schema": binary_schema(None) }),
                );
                response.insert("content".into(), Value::Object(content));
            }
            None => {}
        }
    }
    Ok(())
}

/// Rule 4: HEAD responses have no body.
pub fn head_has_no_body(op: &mut Value) {
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        for response in responses.values_mut() {
            if let Some(r) = response.as_object_mut() {
                r.remove("content");
            }
        }
    }
}

/// Rule 5: `4XX` and `5XX` catch-alls decoding the daemon's error body.
pub fn error_catch_alls(op: &mut Value, head: bool) {
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    for range in ["4XX", "5XX"] {
        if responses.contains_key(range) {
            continue;
        }
        let mut response = json!({ "description": "the daemon's error" });
        if !head {
            response["content"] = json!({ JSON: { "schema": { "$ref": ERROR_SCHEMA } } });
        }
        // The codes of this class that decode the same way are covered by the range (and
        // would be unreachable arms after it in the generated match).
        let class = &range[..1];
        responses.retain(|code, r| {
            !(code.starts_with(class) && r.get("content") == response.get("content"))
        });
        responses.insert(range.into(), response);
    }
}

/// Rule 6: definitions are never nullable at the top level.
pub fn top_level_not_nullable(doc: &mut Value) {
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            if let Some(s) = schema.as_object_mut() {
                s.remove("nullable");
            }
        }
    }
}

/// Rule 7: no schema carries a `default`.
pub fn strip_defaults(doc: &mut Value) {
    for_each_schema(doc, &mut |schema| {
        schema.remove("default");
    });
}

/// Constraints that typify turns into checks while decoding.
const CHECKED_CONSTRAINTS: &[&str] = &[
    "pattern",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];

/// Rule 8: no checked constraints, and no `enum` but on strings.
pub fn no_closed_values(doc: &mut Value) {
    for_each_schema(doc, &mut |schema| {
        for key in CHECKED_CONSTRAINTS {
            if let Some(value) = schema.remove(*key) {
                append_description(schema, &format!("`{key}`: `{value}`."));
            }
        }
        let is_string = schema.get("type").and_then(Value::as_str) == Some("string");
        if !is_string {
            if let Some(values) = schema.remove("enum") {
                append_description(schema, &format!("Values the spec lists: `{values}`."));
            }
        }
    });
}

fn append_description(schema: &mut Map<String, Value>, text: &str) {
    let description = match schema.get("description").and_then(Value::as_str) {
        Some(d) => format!("{}\n\n{text}", d.trim_end()),
        None => text.to_owned(),
    };
    schema.insert("description".into(), Value::String(description));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_bodies_keep_one_accepted_media_type() {
        let mut op = json!({ "requestBody": { "content": {
            "application/json": { "schema": { "type": "object" } },
            "text/plain": { "schema": { "type": "object" } } } } });
        one_request_media_type(&mut op).unwrap();
        let content = op["requestBody"]["content"].as_object().unwrap();
        assert_eq!(content.keys().collect::<Vec<_>>(), [JSON]);

        let mut op = json!({ "requestBody": { "content": {
            "application/x-tar": { "schema": { "type": "string", "description": "tar" } },
            "application/octet-stream": { "schema": { "type": "string" } } } } });
        one_request_media_type(&mut op).unwrap();
        assert_eq!(
            op["requestBody"]["content"],
            json!({ OCTET_STREAM: { "schema": { "type": "string", "format": "binary", "description": "tar" } } })
        );

        let mut op = json!({ "requestBody": { "content": { "image/png": { "schema": {} } } } });
        assert!(one_request_media_type(&mut op).is_err());
    }

    #[test]
    fn binary_endpoints_stream_and_errors_are_json() {
        let mut op = json!({
            "x-produces": ["application/x-tar"],
            "responses": {
                "200": { "description": "tar" },
                "404": { "description": "no", "content": { "application/x-tar": { "schema": { "$ref": ERROR_SCHEMA } } } }
            }
        });
        one_response_media_type(&mut op).unwrap();
        assert_eq!(
            op["responses"]["200"]["content"]["application/x-tar"]["schema"]["format"],
            "binary"
        );
        assert_eq!(
            op["responses"]["404"]["content"][JSON]["schema"]["$ref"],
            ERROR_SCHEMA
        );

        let mut op = json!({
            "x-produces": ["application/json", "text/plain"],
            "responses": { "204": { "description": "none" } }
        });
        one_response_media_type(&mut op).unwrap();
        assert!(
            op["responses"]["204"].get("content").is_none(),
            "JSON endpoints keep empty responses empty"
        );
    }

    #[test]
    fn catch_alls_and_head() {
        let mut op = json!({ "responses": { "200": { "description": "ok",
            "content": { "text/plain": { "schema": { "type": "string" } } } } } });
        head_has_no_body(&mut op);
        error_catch_alls(&mut op, true);
        assert!(op["responses"]["200"].get("content").is_none());
        assert!(op["responses"]["4XX"].get("content").is_none());

        let mut op = json!({ "responses": { "200": { "description": "ok" },
            "404": { "content": { JSON: { "schema": { "$ref": ERROR_SCHEMA } } } },
            "409": { "content": { JSON: { "schema": { "$ref": "#/components/schemas/Other" } } } } } });
        error_catch_alls(&mut op, false);
        assert!(op["responses"].get("404").is_none(), "covered by 4XX");
        assert!(op["responses"].get("409").is_some(), "decodes differently");
        assert_eq!(
            op["responses"]["5XX"]["content"][JSON]["schema"]["$ref"],
            ERROR_SCHEMA
        );
    }

    #[test]
    fn closed_values_become_docs() {
        let mut doc = json!({ "paths": {}, "components": { "schemas": {
            "Kind": { "type": "integer", "enum": [0, 1, 2], "description": "Kind." },
            "Id": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
            "State": { "type": "string", "enum": ["a", "b"] } } } });
        no_closed_values(&mut doc);
        let s = &doc["components"]["schemas"];
        assert!(s["Kind"].get("enum").is_none());
        assert_eq!(
            s["Kind"]["description"],
            "Kind.\n\nValues the spec lists: `[0,1,2]`."
        );
        assert!(s["Id"].get("pattern").is_none());
        assert_eq!(s["Id"]["description"], "`pattern`: `\"^[0-9a-f]{64}$\"`.");
        assert_eq!(s["State"]["enum"], json!(["a", "b"]), "string enums stay");
    }

    #[test]
    fn defaults_and_top_level_nullable_go() {
        let mut doc = json!({
            "paths": {},
            "components": { "schemas": {
                "Health": { "type": "object", "nullable": true, "properties": {
                    "default": { "type": "integer", "default": 3 },
                    "Inner": { "type": "object", "nullable": true, "properties": {
                        "X": { "type": "boolean", "default": true } } } } }
            } }
        });
        top_level_not_nullable(&mut doc);
        strip_defaults(&mut doc);
        let health = &doc["components"]["schemas"]["Health"];
        assert!(health.get("nullable").is_none());
        assert_eq!(health["properties"]["Inner"]["nullable"], true);
        assert!(
            health["properties"]["default"].is_object(),
            "a property named `default` stays"
        );
        assert!(health["properties"]["default"].get("default").is_none());
        assert!(health["properties"]["Inner"]["properties"]["X"]
            .get("default")
            .is_none());
    }
}
