//! The Docker-specific patch file, `openapi/patches.toml`.
//!
//! Each entry names one operation, says why it is there, and carries one or more
//! directives:
//!
//! | directive                 | effect                                                                 |
//! |---------------------------|------------------------------------------------------------------------|
//! | `drop-responses = ["204"]`| removes responses the daemon never sends                               |
//! | `rename-status = [a, b]`  | moves response `a` to status `b`                                       |
//! | `json-lines = true`       | the success response becomes a byte stream of newline-delimited JSON   |
//! | `item = "Schema"`         | with `json-lines`: the schema of one line (default: the response's own)|
//! | `hijack = "wharf::path"`  | the operation is served by that hand-written path, not generated      |
//! | `pending = "why"`         | with `hijack`: that path does not exist yet, for this reason           |
//! | `add-header = "Name"`     | adds an optional string header the daemon reads but the spec omits     |
//! | `repeated-query = ["t"]`  | these string query parameters may be given several times (`t=a&t=b`)   |
//! | `string-params = ["a"]`   | these integer query parameters become strings (the daemon parses more) |
//! | `add = { path, method, spec }` | adds an operation the spec does not document (`spec`: its OpenAPI 3 JSON) |
//! | `replace = [{ at, expect, with }]` | sets the JSON at pointer `at` (in the operation, or in the document when it starts with `#`) to `with`, if it is `expect` now (absent when `expect` is not given) |
//!
//! `api-versions = "..1.51"` (or `"1.44.."`, `"1.41..1.51"`, bounds included) limits an entry
//! to the spec versions that need it: a fix upstream made in a later version ends the range.
//!
//! Every directive checks that its target still looks the way the entry expects and fails
//! otherwise, so that an API bump which fixes (or moves) something surfaces here instead of
//! being silently patched twice.
use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::{json, Value};

use super::schema_walk::find_operation;

pub use super::lower::JSON_LINES;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchFile {
    #[serde(default)]
    patch: Vec<Patch>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Patch {
    operation: String,
    why: String,
    #[serde(default)]
    drop_responses: Vec<String>,
    rename_status: Option<[String; 2]>,
    #[serde(default)]
    json_lines: bool,
    item: Option<String>,
    hijack: Option<String>,
    pending: Option<String>,
    add_header: Option<String>,
    #[serde(default)]
    repeated_query: Vec<String>,
    api_versions: Option<String>,
    #[serde(default)]
    string_params: Vec<String>,
    add: Option<Added>,
    #[serde(default)]
    replace: Vec<Replace>,
}

/// One value of the spec changed where its shape is wrong for the daemon.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Replace {
    /// A JSON pointer (RFC 6901) into the operation object, or into the whole
    /// document when it starts with `#` (`#/components/schemas/...`).
    at: String,
    /// The value found there now, as JSON; not given: nothing is there yet.
    expect: Option<String>,
    /// The value put there, as JSON.
    with: String,
}

/// An operation the daemon serves and the spec does not document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Added {
    path: String,
    method: String,
    /// The operation object, OpenAPI 3.0 JSON (its `operationId` is the entry's `operation`).
    spec: String,
}

/// An API version as `(major, minor)`.
fn parse_version(v: &str) -> Result<(u32, u32)> {
    let (major, minor) = v
        .trim()
        .split_once('.')
        .with_context(|| format!("`{v}` is not an API version like 1.51"))?;
    Ok((major.parse()?, minor.parse()?))
}

impl Patch {
    /// Whether the entry applies to this API version.
    fn applies_to(&self, api_version: &str) -> Result<bool> {
        let Some(range) = &self.api_versions else {
            return Ok(true);
        };
        let (low, high) = range
            .split_once("..")
            .with_context(|| format!("api-versions `{range}` is not a range like `..1.51`"))?;
        let v = parse_version(api_version)?;
        let above = low.trim().is_empty() || parse_version(low)? <= v;
        let below = high.trim().is_empty() || v <= parse_version(high)?;
        Ok(above && below)
    }
}

/// An operation taken out of generation, to be served by hand-written code.
#[derive(Debug, Clone)]
pub struct Hijacked {
    pub operation: String,
    pub served_by: String,
    /// Why the hand-written path does not exist yet, if it does not.
    pub pending: Option<String>,
}

impl PatchFile {
    pub fn parse(text: &str) -> Result<Self> {
        let file: PatchFile = toml::from_str(text)?;
        let mut seen = BTreeMap::new();
        for p in &file.patch {
            if p.why.trim().is_empty() {
                bail!("patch for {} has an empty `why`", p.operation);
            }
            if seen.insert(p.operation.as_str(), ()).is_some() {
                bail!("{} has two patch entries; merge them into one", p.operation);
            }
            if p.pending.is_some() && p.hijack.is_none() {
                bail!("patch for {}: `pending` goes with `hijack`", p.operation);
            }
            if p.item.is_some() && !p.json_lines {
                bail!("patch for {}: `item` goes with `json-lines`", p.operation);
            }
            if p.hijack.is_some()
                && (p.json_lines
                    || p.rename_status.is_some()
                    || !p.drop_responses.is_empty()
                    || p.add_header.is_some()
                    || !p.repeated_query.is_empty())
            {
                bail!(
                    "patch for {}: `hijack` removes the operation; other directives make no sense beside it",
                    p.operation
                );
            }
            p.applies_to("1.0")
                .with_context(|| format!("patch for {}", p.operation))?;
            if p.add.is_some()
                && (p.hijack.is_some()
                    || p.json_lines
                    || p.rename_status.is_some()
                    || !p.drop_responses.is_empty()
                    || !p.string_params.is_empty())
            {
                bail!(
                    "patch for {}: an added operation is written as it should be; other directives make no sense beside it",
                    p.operation
                );
            }
            if let Some(add) = &p.add {
                let op: Value = serde_json::from_str(&add.spec).with_context(|| {
                    format!("patch for {}: `add.spec` is not JSON", p.operation)
                })?;
                if op.get("operationId").is_some() {
                    bail!(
                        "patch for {}: `add.spec` takes its operationId from the entry",
                        p.operation
                    );
                }
            }
            if p.hijack.is_none()
                && !p.json_lines
                && p.rename_status.is_none()
                && p.drop_responses.is_empty()
                && p.add_header.is_none()
                && p.repeated_query.is_empty()
                && p.string_params.is_empty()
                && p.add.is_none()
                && p.replace.is_empty()
            {
                bail!("patch for {} has no directive", p.operation);
            }
            for r in &p.replace {
                for (what, text) in [("expect", r.expect.as_deref()), ("with", Some(&r.with))] {
                    if let Some(text) = text {
                        serde_json::from_str::<Value>(text).with_context(|| {
                            format!(
                                "patch for {}: `replace` at {}: `{what}` is not JSON",
                                p.operation, r.at
                            )
                        })?;
                    }
                }
                if !r.at.trim_start_matches('#').starts_with('/') {
                    bail!(
                        "patch for {}: `replace` at `{}` is not a JSON pointer",
                        p.operation,
                        r.at
                    );
                }
            }
        }
        Ok(file)
    }

    /// Adds the operations of `add` entries, before the spec is lowered and its
    /// operations counted: an added operation is one of the spec's from then on.
    pub fn add_operations(&self, doc: &mut Value, api_version: &str) -> Result<()> {
        for p in &self.patch {
            let Some(add) = &p.add else { continue };
            if !p.applies_to(api_version)? {
                continue;
            }
            if find_operation(doc, &p.operation).is_some() {
                bail!(
                    "stale patch in openapi/patches.toml: {} is documented by this spec now; \
                     remove the entry that adds it.\n  why it was there: {}",
                    p.operation,
                    p.why.trim()
                );
            }
            let mut op: Value = serde_json::from_str(&add.spec)?;
            op["operationId"] = json!(p.operation);
            let paths = doc
                .get_mut("paths")
                .and_then(Value::as_object_mut)
                .context("a spec without paths")?;
            let item = paths.entry(add.path.clone()).or_insert_with(|| json!({}));
            if item.get(&add.method).is_some() {
                bail!(
                    "patch for {}: {} {} is another operation of the spec",
                    p.operation,
                    add.method,
                    add.path
                );
            }
            item[add.method.as_str()] = op;
        }
        Ok(())
    }

    /// Applies every entry, returning the operations taken out of generation.
    pub fn apply(&self, doc: &mut Value, api_version: &str) -> Result<Vec<Hijacked>> {
        let mut hijacked = Vec::new();
        for p in &self.patch {
            if !p.applies_to(api_version)? {
                continue;
            }
            let stale = |what: String| {
                anyhow::anyhow!(
                    "stale patch in openapi/patches.toml: {} {what}.\n  why it was there: {}\n  \
                     The spec may have fixed or changed this: update or remove the entry.",
                    p.operation,
                    p.why.trim()
                )
            };
            let (path, method) = find_operation(doc, &p.operation)
                .ok_or_else(|| stale("is not an operation of this spec".into()))?;
            let pointer = format!("/paths/{}/{method}", escape_pointer(&path));

            if let Some(served_by) = &p.hijack {
                let item = doc
                    .pointer_mut(&format!("/paths/{}", escape_pointer(&path)))
                    .and_then(Value::as_object_mut)
                    .expect("found above");
                item.remove(&method);
                hijacked.push(Hijacked {
                    operation: p.operation.clone(),
                    served_by: served_by.clone(),
                    pending: p.pending.clone(),
                });
                continue;
            }

            for r in &p.replace {
                let at = match r.at.strip_prefix('#') {
                    Some(absolute) => absolute.to_owned(),
                    None => format!("{pointer}{}", r.at),
                };
                let expect: Option<Value> =
                    r.expect.as_deref().map(serde_json::from_str).transpose()?;
                let found = doc.pointer(&at);
                if found != expect.as_ref() {
                    return Err(stale(format!(
                        "has {} at {}, where the entry expects {}",
                        found.map_or("nothing".to_owned(), Value::to_string),
                        r.at,
                        r.expect.as_deref().unwrap_or("nothing")
                    )));
                }
                set_pointer(doc, &at, serde_json::from_str(&r.with)?)
                    .map_err(|e| stale(format!("cannot take a value at {}: {e}", r.at)))?;
            }

            let op = doc.pointer_mut(&pointer).expect("found above");
            if let Some(header) = &p.add_header {
                let parameters = op
                    .as_object_mut()
                    .context("operation is not an object")?
                    .entry("parameters")
                    .or_insert_with(|| json!([]))
                    .as_array_mut()
                    .context("parameters is not a list")?;
                if parameters.iter().any(|q| {
                    q["in"] == "header"
                        && q["name"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case(header))
                }) {
                    return Err(stale(format!("has the header parameter {header} already")));
                }
                parameters.push(json!({
                    "name": header,
                    "in": "header",
                    "required": false,
                    "description": p.why.trim(),
                    "schema": { "type": "string" },
                }));
            }
            for name in &p.repeated_query {
                repeat_query(op, name).map_err(stale)?;
            }
            for name in &p.string_params {
                let param = op
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                    .and_then(|ps| {
                        ps.iter_mut()
                            .find(|q| q["name"] == name.as_str() && q["in"] == "query")
                    })
                    .ok_or_else(|| stale(format!("has no query parameter {name}")))?;
                if param.pointer("/schema/type") != Some(&json!("integer")) {
                    return Err(stale(format!("query parameter {name} is not an integer")));
                }
                param["schema"] = json!({ "type": "string" });
            }
            let responses = op
                .get_mut("responses")
                .and_then(Value::as_object_mut)
                .context("operation without responses")?;
            for code in &p.drop_responses {
                if responses.remove(code).is_none() {
                    return Err(stale(format!("has no {code} response to drop")));
                }
            }
            if let Some([from, to]) = &p.rename_status {
                if responses.contains_key(to) {
                    return Err(stale(format!("already has a {to} response")));
                }
                let r = responses
                    .remove(from)
                    .ok_or_else(|| stale(format!("has no {from} response to move to {to}")))?;
                responses.insert(to.clone(), r);
            }
            if p.json_lines {
                let (code, response) = responses
                    .iter_mut()
                    .find(|(code, _)| code.starts_with('2'))
                    .ok_or_else(|| stale("has no success response to stream".into()))?;
                let code = code.clone();
                let existing = response
                    .pointer("/content/application~1json/schema")
                    .cloned();
                if response
                    .pointer(&format!("/content/{}", escape_pointer(JSON_LINES)))
                    .is_some()
                {
                    return Err(stale("is a JSON-lines stream already".into()));
                }
                if response
                    .get("content")
                    .and_then(Value::as_object)
                    .is_some_and(|c| c.keys().any(|k| k != "application/json"))
                {
                    return Err(stale(format!(
                        "response {code} is not JSON (a byte stream already?)"
                    )));
                }
                let item = match (&p.item, existing) {
                    (Some(name), _) => {
                        let r = format!("#/components/schemas/{name}");
                        json!({ "$ref": r })
                    }
                    (None, Some(schema)) => schema,
                    (None, None) => Value::Null,
                };
                response["content"] = json!({
                    JSON_LINES: { "schema": { "type": "string", "format": "binary" } }
                });
                response["x-json-lines-item"] = item;
            }
        }
        // Items must name schemas that exist.
        for p in self.patch.iter().filter(|p| p.item.is_some()) {
            if !p.applies_to(api_version)? {
                continue;
            }
            let name = p.item.as_deref().unwrap();
            if doc
                .pointer(&format!("/components/schemas/{}", escape_pointer(name)))
                .is_none()
            {
                bail!(
                    "patch for {}: item schema {name} does not exist in this spec",
                    p.operation
                );
            }
        }
        Ok(hijacked)
    }
}

/// Makes the string query parameter `name` of `op` an array sent as repeated
/// parameters (`name=a&name=b`), the way Go's `r.Form[name]` reads it.
fn repeat_query(op: &mut Value, name: &str) -> std::result::Result<(), String> {
    let param = op
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
        .and_then(|ps| {
            ps.iter_mut()
                .find(|p| p["name"] == name && p["in"] == "query")
        })
        .ok_or_else(|| format!("has no query parameter {name}"))?;
    if param.pointer("/schema/type") != Some(&json!("string")) {
        return Err(format!("query parameter {name} is not a string any more"));
    }
    param["schema"] = json!({ "type": "array", "items": { "type": "string" } });
    param["style"] = json!("form");
    param["explode"] = json!(true);
    Ok(())
}

/// Puts `value` at the JSON pointer `at` of `doc`, whose parent must be an object.
fn set_pointer(doc: &mut Value, at: &str, value: Value) -> std::result::Result<(), String> {
    let (parent, last) = at.rsplit_once('/').ok_or("an empty pointer")?;
    let last = last.replace("~1", "/").replace("~0", "~");
    let parent = doc
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| format!("{parent} is not an object of the spec"))?;
    parent.insert(last, value);
    Ok(())
}

/// Escapes a JSON pointer segment (`~` and `/`).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "paths": {
                "/events": { "get": { "operationId": "SystemEvents", "responses": {
                    "200": { "description": "ok", "content": { "application/json": {
                        "schema": { "$ref": "#/components/schemas/EventMessage" } } } } } } },
                "/plugins/pull": { "post": { "operationId": "PluginPull", "responses": {
                    "204": { "description": "ok" } } } },
                "/attach": { "post": { "operationId": "Attach", "responses": {
                    "101": { "description": "up" } } } }
            },
            "components": { "schemas": { "EventMessage": { "type": "object" } } }
        })
    }

    #[test]
    fn applies_directives() {
        let patches = PatchFile::parse(
            r#"
            [[patch]]
            operation = "SystemEvents"
            why = "lines"
            json-lines = true

            [[patch]]
            operation = "PluginPull"
            why = "streams with 200"
            rename-status = ["204", "200"]
            json-lines = true
            item = "EventMessage"

            [[patch]]
            operation = "Attach"
            why = "upgrade"
            hijack = "wharf::attach"
            "#,
        )
        .unwrap();
        let mut d = doc();
        let hijacked = patches.apply(&mut d, "1.51").unwrap();
        let with_header = PatchFile::parse(
            r#"
            [[patch]]
            operation = "SystemEvents"
            why = "the daemon reads it"
            add-header = "X-Registry-Auth"
            "#,
        )
        .unwrap();
        let mut h = doc();
        with_header.apply(&mut h, "1.51").unwrap();
        assert_eq!(
            h["paths"]["/events"]["get"]["parameters"][0]["name"],
            "X-Registry-Auth"
        );
        let e = with_header.apply(&mut h, "1.51").unwrap_err();
        assert!(e.to_string().contains("already"), "{e}");
        assert_eq!(hijacked.len(), 1);
        assert_eq!(hijacked[0].served_by, "wharf::attach");
        assert!(d["paths"]["/attach"].get("post").is_none());
        let events = &d["paths"]["/events"]["get"]["responses"]["200"];
        assert!(events["content"].get(JSON_LINES).is_some());
        assert_eq!(
            events["x-json-lines-item"]["$ref"],
            "#/components/schemas/EventMessage"
        );
        let pull = &d["paths"]["/plugins/pull"]["post"]["responses"];
        assert!(pull.get("204").is_none());
        assert!(pull["200"]["content"].get(JSON_LINES).is_some());
    }

    #[test]
    fn stale_entries_fail() {
        for entry in [
            "operation = \"Gone\"\nwhy = \"x\"\njson-lines = true",
            "operation = \"PluginPull\"\nwhy = \"x\"\nrename-status = [\"202\", \"200\"]",
            "operation = \"PluginPull\"\nwhy = \"x\"\ndrop-responses = [\"200\"]",
            "operation = \"SystemEvents\"\nwhy = \"x\"\njson-lines = true\nitem = \"Nope\"",
        ] {
            let patches = PatchFile::parse(&format!("[[patch]]\n{entry}")).unwrap();
            let err = patches.apply(&mut doc(), "1.51").unwrap_err().to_string();
            assert!(
                err.contains("SystemEvents") || err.contains("PluginPull") || err.contains("Gone"),
                "{err}"
            );
        }
        // Applying twice: the second run finds its targets changed.
        let patches = PatchFile::parse(
            "[[patch]]\noperation = \"SystemEvents\"\nwhy = \"x\"\njson-lines = true",
        )
        .unwrap();
        let mut d = doc();
        patches.apply(&mut d, "1.51").unwrap();
        assert!(patches
            .apply(&mut d, "1.51")
            .unwrap_err()
            .to_string()
            .contains("stale"));
    }

    #[test]
    fn replace_sets_a_value_it_finds_as_expected() {
        let patches = PatchFile::parse(
            r##"
            [[patch]]
            operation = "SystemEvents"
            why = "the daemon's shape"
            replace = [
              { at = "/responses/200/description", expect = '"ok"', with = '"lines"' },
              { at = "#/components/schemas/EventMessage/properties", with = '{}' },
            ]
            "##,
        )
        .unwrap();
        let mut d = doc();
        patches.apply(&mut d, "1.51").unwrap();
        assert_eq!(
            d["paths"]["/events"]["get"]["responses"]["200"]["description"],
            "lines"
        );
        assert_eq!(
            d["components"]["schemas"]["EventMessage"]["properties"],
            json!({})
        );
        // Again: what it expected is gone, and what it adds is there already.
        let err = patches.apply(&mut d, "1.51").unwrap_err().to_string();
        assert!(err.contains("stale") && err.contains("\"lines\""), "{err}");
        for bad in [
            "{ at = \"responses\", with = '1' }",
            "{ at = \"/responses\", with = 'not json' }",
            "{ at = \"/responses\", expect = '{', with = '1' }",
        ] {
            let text =
                format!("[[patch]]\noperation = \"SystemEvents\"\nwhy = \"x\"\nreplace = [{bad}]");
            assert!(PatchFile::parse(&text).is_err(), "{bad}");
        }
    }

    #[test]
    fn repeated_query_makes_an_array_and_checks_its_target() {
        let op = || {
            json!({ "paths": { "/build": { "post": { "operationId": "ImageBuild",
                "parameters": [{ "name": "t", "in": "query", "schema": { "type": "string" } }],
                "responses": { "200": { "description": "ok" } } } } } })
        };
        let patches = PatchFile::parse(
            "[[patch]]\noperation = \"ImageBuild\"\nwhy = \"x\"\nrepeated-query = [\"t\"]",
        )
        .unwrap();
        let mut d = op();
        patches.apply(&mut d, "1.51").unwrap();
        let t = &d["paths"]["/build"]["post"]["parameters"][0];
        assert_eq!(t["schema"]["type"], "array");
        assert_eq!(t["explode"], true);
        // Twice: the parameter is no string any more.
        let err = patches.apply(&mut d, "1.51").unwrap_err().to_string();
        assert!(err.contains("not a string"), "{err}");
        let patches = PatchFile::parse(
            "[[patch]]\noperation = \"ImageBuild\"\nwhy = \"x\"\nrepeated-query = [\"nope\"]",
        )
        .unwrap();
        let err = patches.apply(&mut op(), "1.51").unwrap_err().to_string();
        assert!(err.contains("no query parameter nope"), "{err}");
    }

    #[test]
    fn version_ranges() {
        let text = |range: &str| {
            format!("[[patch]]\noperation = \"Gone\"\nwhy = \"x\"\njson-lines = true\napi-versions = \"{range}\"")
        };
        for (range, applies) in [
            ("..1.51", true),
            ("1.52..", false),
            ("1.41..1.50", false),
            ("1.51..1.51", true),
        ] {
            let patches = PatchFile::parse(&text(range)).unwrap();
            // "Gone" matches nothing: an entry that applies fails, one that does not is skipped.
            assert_eq!(
                patches.apply(&mut doc(), "1.51").is_err(),
                applies,
                "{range}"
            );
        }
        assert!(PatchFile::parse(&text("1.51")).is_err());
        assert!(PatchFile::parse(&text("x..")).is_err());
    }

    #[test]
    fn string_params_and_added_operations() {
        let mut d = doc();
        d["paths"]["/events"]["get"]["parameters"] = json!([
            {"name": "since", "in": "query", "schema": {"type": "integer"}}
        ]);
        let patches = PatchFile::parse(
            r#"
            [[patch]]
            operation = "SystemEvents"
            why = "fractions"
            string-params = ["since"]

            [[patch]]
            operation = "Listed"
            why = "undocumented"
            add = { path = "/things", method = "get", spec = '{"responses": {"200": {"description": "ok"}}}' }
            "#,
        )
        .unwrap();
        patches.add_operations(&mut d, "1.51").unwrap();
        assert_eq!(d["paths"]["/things"]["get"]["operationId"], "Listed");
        patches.apply(&mut d, "1.51").unwrap();
        assert_eq!(
            d["paths"]["/events"]["get"]["parameters"][0]["schema"],
            json!({"type": "string"})
        );
        // Twice: the operation exists and the parameter is a string already.
        assert!(patches.add_operations(&mut d, "1.51").is_err());
        assert!(patches.apply(&mut d, "1.51").is_err());
        // An added operation carries no other directive, and its id comes from the entry.
        for text in [
            "[[patch]]\noperation = \"A\"\nwhy = \"x\"\njson-lines = true\nadd = { path = \"/a\", method = \"get\", spec = '{}' }",
            "[[patch]]\noperation = \"A\"\nwhy = \"x\"\nadd = { path = \"/a\", method = \"get\", spec = '{\"operationId\": \"B\"}' }",
            "[[patch]]\noperation = \"A\"\nwhy = \"x\"\nadd = { path = \"/a\", method = \"get\", spec = 'not json' }",
        ] {
            assert!(PatchFile::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn malformed_entries_fail() {
        for text in [
            "[[patch]]\noperation = \"A\"\nwhy = \"\"\njson-lines = true",
            "[[patch]]\noperation = \"A\"\nwhy = \"x\"",
            "[[patch]]\noperation = \"A\"\nwhy = \"x\"\nhijack = \"p\"\njson-lines = true",
            "[[patch]]\noperation = \"A\"\nwhy = \"x\"\nunknown = 1",
            "[[patch]]\noperation = \"A\"\nwhy = \"x\"\njson-lines = true\npending = \"y\"",
        ] {
            assert!(PatchFile::parse(text).is_err(), "{text}");
        }
    }
}
