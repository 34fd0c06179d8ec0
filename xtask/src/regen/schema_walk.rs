//! Walking an OpenAPI 3 document: its operations, and every schema object in it.
use anyhow::{Context, Result};
use serde_json::{Map, Value};

pub const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

/// Calls `f(operation_id, method, operation)` for every operation, in document order.
pub fn for_each_operation(
    doc: &mut Value,
    mut f: impl FnMut(&str, &str, &mut Value) -> Result<()>,
) -> Result<()> {
    let paths = doc
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .context("no paths")?;
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .with_context(|| format!("{} {path} has no operationId", method.to_uppercase()))?
                .to_owned();
            f(&id, method, op)?;
        }
    }
    Ok(())
}

/// Finds an operation by id: `(path, method)`.
pub fn find_operation(doc: &Value, id: &str) -> Option<(String, String)> {
    doc.get("paths")?
        .as_object()?
        .iter()
        .find_map(|(path, item)| {
            item.as_object()?.iter().find_map(|(method, op)| {
                (METHODS.contains(&method.as_str()) && op["operationId"] == id)
                    .then(|| (path.clone(), method.clone()))
            })
        })
}

/// Calls `f` on every schema object in the document: definitions, parameter, body,
/// response and header schemas, and recursively the schemas inside them.
pub fn for_each_schema(doc: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            walk_schema(schema, f);
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (key, op) in item.iter_mut() {
            if key == "parameters" {
                walk_parameters(op, f);
                continue;
            }
            walk_parameters(op.get_mut("parameters").unwrap_or(&mut Value::Null), f);
            if let Some(content) = op
                .pointer_mut("/requestBody/content")
                .and_then(Value::as_object_mut)
            {
                walk_content(content, f);
            }
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                for response in responses.values_mut() {
                    if let Some(content) =
                        response.get_mut("content").and_then(Value::as_object_mut)
                    {
                        walk_content(content, f);
                    }
                    if let Some(headers) =
                        response.get_mut("headers").and_then(Value::as_object_mut)
                    {
                        for header in headers.values_mut() {
                            if let Some(schema) = header.get_mut("schema") {
                                walk_schema(schema, f);
                            }
                        }
                    }
                }
            }
        }
    }
}

fn walk_parameters(params: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    if let Some(params) = params.as_array_mut() {
        for p in params {
            if let Some(schema) = p.get_mut("schema") {
                walk_schema(schema, f);
            }
        }
    }
}

fn walk_content(content: &mut Map<String, Value>, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    for media in content.values_mut() {
        if let Some(schema) = media.get_mut("schema") {
            walk_schema(schema, f);
        }
    }
}

/// Visits a schema and the schemas nested in it (not following `$ref`).
pub fn walk_schema(schema: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    f(map);
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = map.get_mut(key) {
            walk_schema(child, f);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(children) = map.get_mut(key).and_then(Value::as_array_mut) {
            for child in children {
                walk_schema(child, f);
            }
        }
    }
    if let Some(props) = map.get_mut("properties").and_then(Value::as_object_mut) {
        for child in props.values_mut() {
            walk_schema(child, f);
        }
    }
}
