//! Swagger 2.0 → OpenAPI 3.0.3, on the JSON tree.
//!
//! The Engine API is published as Swagger 2.0; progenitor reads only OpenAPI 3.0.x. This is
//! a faithful, mechanical translation: nothing here knows about Docker. What the generator
//! cannot express is lowered afterwards (`lower.rs`), and what is specific to the Engine
//! API is patched after that (`patches.rs`).
//!
//! | Swagger 2.0                                  | OpenAPI 3.0.3                                  |
//! |----------------------------------------------|------------------------------------------------|
//! | `definitions`                                | `components.schemas`                           |
//! | `$ref: '#/definitions/X'`                    | `$ref: '#/components/schemas/X'`               |
//! | `basePath`                                   | `servers: [{url}]`                             |
//! | `in: body` parameter                         | `requestBody`, one content entry per `consumes`|
//! | `in: formData` parameters                    | `requestBody` of `application/x-www-form-urlencoded` |
//! | `type`/`format`/`items`/`enum` on parameters | `schema`                                       |
//! | `collectionFormat`                           | `style`/`explode`                              |
//! | response `schema` + `produces`               | `content`, one entry per media type            |
//! | response `headers.X.type`                    | `headers.X.schema`                             |
//! | `type: file`                                 | `type: string, format: binary`                 |
//! | `x-nullable`                                 | `nullable`                                     |
use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};

/// Parameter keys that describe the value; in OpenAPI 3 they move into `schema`.
const PARAMETER_SCHEMA_KEYS: &[&str] = &[
    "type",
    "format",
    "items",
    "enum",
    "default",
    "minimum",
    "maximum",
    "pattern",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
    "exclusiveMinimum",
    "exclusiveMaximum",
];

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

/// Converts a Swagger 2.0 document to OpenAPI 3.0.3.
pub fn convert(swagger: &Value) -> Result<Value> {
    if swagger.get("swagger").and_then(Value::as_str) != Some("2.0") {
        bail!("not a Swagger 2.0 document (no `swagger: \"2.0\"`)");
    }
    let global_consumes = media_types(swagger.get("consumes"));
    let global_produces = media_types(swagger.get("produces"));

    let mut out = Map::new();
    out.insert("openapi".into(), json!("3.0.3"));
    out.insert("info".into(), swagger["info"].clone());
    if let Some(base) = swagger.get("basePath").and_then(Value::as_str) {
        out.insert("servers".into(), json!([{ "url": base }]));
    }
    if let Some(tags) = swagger.get("tags") {
        out.insert("tags".into(), tags.clone());
    }

    let mut paths = Map::new();
    for (path, item) in object(swagger, "paths")? {
        let item = item
            .as_object()
            .with_context(|| format!("path {path} is not an object"))?;
        let mut new_item = Map::new();
        for (key, value) in item {
            if key == "parameters" {
                let params = value.as_array().context("path parameters")?;
                let (params, body) = convert_parameters(params, &[])?;
                if body.is_some() {
                    bail!("{path}: body parameters at path level are not supported");
                }
                new_item.insert(key.clone(), Value::Array(params));
            } else if METHODS.contains(&key.as_str()) {
                let op = convert_operation(value, &global_consumes, &global_produces)
                    .with_context(|| format!("{} {path}", key.to_uppercase()))?;
                new_item.insert(key.clone(), op);
            } else {
                new_item.insert(key.clone(), value.clone());
            }
        }
        paths.insert(path.clone(), Value::Object(new_item));
    }
    out.insert("paths".into(), Value::Object(paths));

    let mut schemas = Map::new();
    if let Some(defs) = swagger.get("definitions").and_then(Value::as_object) {
        for (name, schema) in defs {
            schemas.insert(name.clone(), schema.clone());
        }
    }
    out.insert("components".into(), json!({ "schemas": schemas }));

    let mut out = Value::Object(out);
    rewrite_schemas(&mut out);
    Ok(out)
}

fn object<'a>(v: &'a Value, key: &str) -> Result<&'a Map<String, Value>> {
    v.get(key)
        .and_then(Value::as_object)
        .with_context(|| format!("`{key}` missing or not an object"))
}

fn media_types(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn convert_operation(op: &Value, consumes: &[String], produces: &[String]) -> Result<Value> {
    let op = op.as_object().context("operation is not an object")?;
    let consumes = op
        .get("consumes")
        .map(|c| media_types(Some(c)))
        .unwrap_or_else(|| consumes.to_vec());
    let produces = op
        .get("produces")
        .map(|p| media_types(Some(p)))
        .unwrap_or_else(|| produces.to_vec());

    let mut new = Map::new();
    for (key, value) in op {
        match key.as_str() {
            "consumes" | "produces" | "schemes" => {}
            "parameters" => {
                let params = value.as_array().context("parameters")?;
                let (params, body) = convert_parameters(params, &consumes)?;
                if !params.is_empty() {
                    new.insert("parameters".into(), Value::Array(params));
                }
                if let Some(body) = body {
                    new.insert("requestBody".into(), body);
                }
            }
            "responses" => {
                let mut responses = Map::new();
                for (code, response) in value.as_object().context("responses")? {
                    responses.insert(code.clone(), convert_response(response, &produces)?);
                }
                new.insert("responses".into(), Value::Object(responses));
            }
            _ => {
                new.insert(key.clone(), value.clone());
            }
        }
    }
    // The media types are kept for the lowering step, which needs to know what the
    // operation produces even where a response has no schema.
    new.insert("x-produces".into(), json!(produces));
    Ok(Value::Object(new))
}

/// Returns the non-body parameters and, if there are body or formData parameters, the
/// request body.
fn convert_parameters(
    params: &[Value],
    consumes: &[String],
) -> Result<(Vec<Value>, Option<Value>)> {
    let mut out = Vec::new();
    let mut body = None;
    let mut form = Map::new();
    let mut form_required = Vec::new();
    for param in params {
        let p = param.as_object().context("parameter is not an object")?;
        let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
        match p.get("in").and_then(Value::as_str) {
            Some("body") => {
                let schema = p
                    .get("schema")
                    .with_context(|| format!("body parameter {name} has no schema"))?;
                let types: Vec<String> = if consumes.is_empty() {
                    vec!["application/json".into()]
                } else {
                    consumes.to_vec()
                };
                let content: Map<String, Value> = types
                    .into_iter()
                    .map(|t| (t, json!({ "schema": schema })))
                    .collect();
                let mut rb = Map::new();
                if let Some(d) = p.get("description") {
                    rb.insert("description".into(), d.clone());
                }
                rb.insert(
                    "required".into(),
                    json!(p.get("required").and_then(Value::as_bool).unwrap_or(false)),
                );
                rb.insert("content".into(), Value::Object(content));
                // The body parameter's name is what progenitor cannot see any more; keep it.
                rb.insert("x-body-name".into(), json!(name));
                body = Some(Value::Object(rb));
            }
            Some("formData") => {
                let (schema, _) = parameter_schema(p);
                if p.get("required").and_then(Value::as_bool) == Some(true) {
                    form_required.push(json!(name));
                }
                form.insert(name.to_owned(), schema);
            }
            Some(_) => {
                let (schema, rest) = parameter_schema(p);
                let mut np = rest;
                if let Some(cf) = p.get("collectionFormat").and_then(Value::as_str) {
                    let (style, explode) = match cf {
                        "multi" => ("form", true),
                        "csv" => ("form", false),
                        "ssv" => ("spaceDelimited", false),
                        "pipes" => ("pipeDelimited", false),
                        other => bail!(
                            "parameter {name}: collectionFormat {other} has no OpenAPI 3 form"
                        ),
                    };
                    np.insert("style".into(), json!(style));
                    np.insert("explode".into(), json!(explode));
                }
                np.insert("schema".into(), schema);
                out.push(Value::Object(np));
            }
            None => bail!("parameter {name} has no `in`"),
        }
    }
    if !form.is_empty() {
        if body.is_some() {
            bail!("both body and formData parameters");
        }
        body = Some(json!({
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": { "type": "object", "properties": form, "required": form_required }
                }
            }
        }));
    }
    Ok((out, body))
}

/// Splits a Swagger parameter into its schema and the remaining parameter fields.
fn parameter_schema(p: &Map<String, Value>) -> (Value, Map<String, Value>) {
    let mut schema = Map::new();
    let mut rest = Map::new();
    for (k, v) in p {
        if PARAMETER_SCHEMA_KEYS.contains(&k.as_str()) {
            schema.insert(k.clone(), v.clone());
        } else if k != "collectionFormat" && k != "allowEmptyValue" {
            rest.insert(k.clone(), v.clone());
        }
    }
    (Value::Object(schema), rest)
}

fn convert_response(response: &Value, produces: &[String]) -> Result<Value> {
    let r = response.as_object().context("response is not an object")?;
    let mut new = Map::new();
    new.insert(
        "description".into(),
        r.get("description").cloned().unwrap_or(json!("")),
    );
    if let Some(schema) = r.get("schema") {
        let types: Vec<String> = if produces.is_empty() {
            vec!["application/json".into()]
        } else {
            produces.to_vec()
        };
        let content: Map<String, Value> = types
            .into_iter()
            .map(|t| (t, json!({ "schema": schema })))
            .collect();
        new.insert("content".into(), Value::Object(content));
    }
    if let Some(headers) = r.get("headers").and_then(Value::as_object) {
        let mut hs = Map::new();
        for (name, h) in headers {
            let h = h.as_object().context("response header")?;
            let (schema, mut rest) = parameter_schema(h);
            rest.insert("schema".into(), schema);
            hs.insert(name.clone(), Value::Object(rest));
        }
        new.insert("headers".into(), Value::Object(hs));
    }
    for (k, v) in r {
        if k.starts_with("x-") {
            new.insert(k.clone(), v.clone());
        }
    }
    Ok(Value::Object(new))
}

/// Rewrites what differs inside schemas, everywhere in the document: `$ref` targets,
/// `x-nullable`, `type: file`.
fn rewrite_schemas(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                if let Some(name) = r.strip_prefix("#/definitions/") {
                    *r = format!("#/components/schemas/{name}");
                }
            }
            if let Some(nullable) = map.remove("x-nullable") {
                map.insert("nullable".into(), nullable);
            }
            if map.get("type").and_then(Value::as_str) == Some("file") {
                map.insert("type".into(), json!("string"));
                map.insert("format".into(), json!("binary"));
            }
            for (_, child) in map.iter_mut() {
                rewrite_schemas(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_schemas),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "swagger": "2.0",
            "basePath": "/v1.51",
            "info": { "title": "t", "version": "1.51" },
            "consumes": ["application/json", "text/plain"],
            "produces": ["application/json"],
            "definitions": {
                "Thing": { "type": "object", "x-nullable": true,
                           "properties": { "Other": { "$ref": "#/definitions/Other" } } },
                "Other": { "type": "string" }
            },
            "paths": {
                "/things/{id}": {
                    "post": {
                        "operationId": "ThingUpdate",
                        "parameters": [
                            { "name": "id", "in": "path", "required": true, "type": "string" },
                            { "name": "kinds", "in": "query", "type": "array",
                              "items": { "type": "string" }, "collectionFormat": "multi" },
                            { "name": "X-Auth", "in": "header", "type": "string" },
                            { "name": "thing", "in": "body", "required": true,
                              "schema": { "$ref": "#/definitions/Thing" } }
                        ],
                        "responses": {
                            "200": { "description": "ok", "schema": { "$ref": "#/definitions/Thing" },
                                     "headers": { "X-Count": { "type": "integer" } } },
                            "204": { "description": "nothing" }
                        }
                    }
                },
                "/export": {
                    "get": {
                        "operationId": "Export",
                        "produces": ["application/x-tar"],
                        "responses": { "200": { "description": "tar", "schema": { "type": "file" } } }
                    }
                }
            }
        })
    }

    #[test]
    fn converts_the_parts_that_differ() {
        let out = convert(&doc()).unwrap();
        assert_eq!(out["openapi"], "3.0.3");
        assert_eq!(out["servers"][0]["url"], "/v1.51");
        let thing = &out["components"]["schemas"]["Thing"];
        assert_eq!(thing["nullable"], true);
        assert!(thing.get("x-nullable").is_none());
        assert_eq!(
            thing["properties"]["Other"]["$ref"],
            "#/components/schemas/Other"
        );

        let op = &out["paths"]["/things/{id}"]["post"];
        let params = op["parameters"].as_array().unwrap();
        assert_eq!(params.len(), 3, "the body parameter leaves the list");
        assert_eq!(params[0]["schema"]["type"], "string");
        assert!(params[0].get("type").is_none());
        assert_eq!(params[1]["style"], "form");
        assert_eq!(params[1]["explode"], true);
        assert_eq!(params[2]["in"], "header");

        let body = &op["requestBody"];
        assert_eq!(body["required"], true);
        let content = body["content"].as_object().unwrap();
        assert_eq!(
            content.keys().collect::<Vec<_>>(),
            ["application/json", "text/plain"],
            "the global consumes applies"
        );
        assert_eq!(
            content["application/json"]["schema"]["$ref"],
            "#/components/schemas/Thing"
        );

        let ok = &op["responses"]["200"];
        assert_eq!(
            ok["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Thing"
        );
        assert_eq!(ok["headers"]["X-Count"]["schema"]["type"], "integer");
        assert!(op["responses"]["204"].get("content").is_none());

        let export = &out["paths"]["/export"]["get"]["responses"]["200"]["content"];
        assert_eq!(export["application/x-tar"]["schema"]["format"], "binary");
    }

    #[test]
    fn rejects_other_documents() {
        assert!(convert(&json!({ "openapi": "3.0.0" })).is_err());
    }
}
