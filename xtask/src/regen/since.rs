//! The API version each operation, query parameter and body field needs: `src/since.rs` of
//! the generated crate, which wharf checks before it sends a request.
//!
//! Derived from the vendored specs (`openapi/v*.yaml`), with `openapi/since.toml` for what
//! the specs cannot say:
//!
//! ```text
//!  v1.41.yaml ─┐                                  ┌─ "Added in v1.44" in the item's description
//!  v1.51.yaml ─┼─ absent from v1.41, present in ──┼─▶ needs 1.44 (the spec's own note)
//!  v1.52.yaml ─┘   v1.51: needs 1.42 at least     └─▶ otherwise needs 1.42 (the lowest it can be)
//!                                     since.toml ──▶ a version written down by hand, with its source
//! ```
//!
//! An item of the spec being generated that the oldest vendored spec lacks was added after
//! that version; the lowest version it can need is the one after the newest spec that lacks
//! it. Guessing low keeps every call the daemon serves; a note in the item's description
//! ("Added in v1.44") or an entry of `since.toml` (moby's `api/docs/CHANGELOG.md`) makes it
//! exact. Items every vendored spec has need nothing, unless `since.toml` says otherwise.
//!
//! Body fields are walked through `$ref`, `allOf`, maps (`*`) and arrays (`[]`), as dotted
//! paths (`HostConfig.Annotations`, `EndpointsConfig.*.GwPriority`); required fields are
//! left out (a body always carries them), and so is a field under a parent that already
//! needs the same version or a later one.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::Value;

use super::schema_walk::METHODS;

/// What of an operation needs a version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    Operation,
    Query(String),
    Body(String),
}

/// One requirement: `operation`'s `item` needs API `since`, for the reason `source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub operation: String,
    pub item: Item,
    pub since: (u32, u32),
    pub source: String,
}

/// What one spec says about one operation: its id, and its query parameters and optional
/// body fields, each with its description.
#[derive(Debug, Default)]
struct OpItems {
    id: String,
    description: String,
    query: BTreeMap<String, String>,
    body: BTreeMap<String, String>,
}

/// `since.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SinceFile {
    #[serde(default)]
    since: Vec<Written>,
}

/// An entry of `since.toml`: one item and the version it needs, with where that is said.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Written {
    operation: String,
    query: Option<String>,
    body: Option<String>,
    version: String,
    source: String,
}

fn parse_version(v: &str) -> Result<(u32, u32)> {
    let (major, minor) = v
        .trim()
        .trim_start_matches('v')
        .split_once('.')
        .with_context(|| format!("`{v}` is not an API version like 1.51"))?;
    Ok((major.parse()?, minor.parse()?))
}

/// The specs in `openapi/` no newer than `api_version`, oldest first, as `(version, spec)`.
fn vendored(
    root: &Path,
    api_version: &str,
    load: &dyn Fn(&[u8]) -> Result<Value>,
) -> Result<Vec<((u32, u32), Value)>> {
    let target = parse_version(api_version)?;
    let mut specs = Vec::new();
    for entry in std::fs::read_dir(root.join("openapi"))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(v) = name.strip_prefix('v').and_then(|n| n.strip_suffix(".yaml")) else {
            continue;
        };
        let version = parse_version(v)?;
        if version <= target {
            let bytes = std::fs::read(&path)?;
            specs.push((
                version,
                load(&bytes).with_context(|| format!("parsing {}", path.display()))?,
            ));
        }
    }
    specs.sort_by_key(|(v, _)| *v);
    Ok(specs)
}

/// `/containers/{id}/json` and `/containers/{name}/json` are one path.
fn path_key(method: &str, path: &str) -> String {
    let mut key = method.to_uppercase() + " ";
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                key.push_str("{}");
            }
            '}' => in_param = false,
            c if !in_param => key.push(c),
            _ => {}
        }
    }
    key
}

/// The items of every operation of a Swagger 2.0 spec, by [`path_key`].
fn spec_items(spec: &Value) -> BTreeMap<String, OpItems> {
    let mut out = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let mut items = OpItems {
                id: op["operationId"].as_str().unwrap_or_default().to_owned(),
                description: op["description"].as_str().unwrap_or_default().to_owned(),
                ..OpItems::default()
            };
            for param in op["parameters"].as_array().into_iter().flatten() {
                let description = param["description"].as_str().unwrap_or_default().to_owned();
                match param["in"].as_str() {
                    Some("query") => {
                        let name = param["name"].as_str().unwrap_or_default().to_owned();
                        items.query.insert(name, description);
                    }
                    Some("body") => {
                        let mut stack = Vec::new();
                        body_fields(spec, &param["schema"], "", &mut stack, &mut items.body);
                    }
                    _ => {}
                }
            }
            out.insert(path_key(method, path), items);
        }
    }
    out
}

/// The optional fields of a body schema, as dotted paths under `prefix`.
fn body_fields(
    spec: &Value,
    schema: &Value,
    prefix: &str,
    stack: &mut Vec<String>,
    out: &mut BTreeMap<String, String>,
) {
    if let Some(reference) = schema["$ref"].as_str() {
        // a schema that contains itself is walked once per branch
        if stack.iter().any(|r| r == reference) || stack.len() > 8 {
            return;
        }
        let name = reference.rsplit('/').next().unwrap_or(reference);
        stack.push(reference.to_owned());
        body_fields(spec, &spec["definitions"][name], prefix, stack, out);
        stack.pop();
        return;
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        body_fields(spec, part, prefix, stack, out);
    }
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        let path = format!("{prefix}{name}");
        if !required.contains(name.as_str()) {
            let description = property["description"].as_str().unwrap_or_default();
            out.insert(path.clone(), description.to_owned());
        }
        body_fields(spec, property, &format!("{path}."), stack, out);
    }
    if schema["additionalProperties"].is_object() {
        body_fields(
            spec,
            &schema["additionalProperties"],
            &format!("{prefix}*."),
            stack,
            out,
        );
    }
    if schema["items"].is_object() {
        body_fields(spec, &schema["items"], &format!("{prefix}[]."), stack, out);
    }
}

/// The version a description says its item was added in: "Added in v1.44", "added in API
/// v1.44", "available since API v1.44".
fn noted_version(description: &str) -> Option<(u32, u32)> {
    let lower = description.to_lowercase();
    for phrase in [
        "added in ",
        "available since ",
        "available from ",
        "introduced in ",
    ] {
        let mut rest = lower.as_str();
        while let Some(at) = rest.find(phrase) {
            rest = &rest[at + phrase.len()..];
            let v = rest
                .trim_start_matches("api ")
                .trim_start_matches("version ");
            let v: String = v
                .trim_start_matches('v')
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            if let Ok(version) = parse_version(v.trim_end_matches('.')) {
                return Some(version);
            }
        }
    }
    None
}

/// Every requirement of the spec `api_version`, in the target spec's operation order.
pub fn derive(
    root: &Path,
    api_version: &str,
    load: &dyn Fn(&[u8]) -> Result<Value>,
) -> Result<Vec<Requirement>> {
    let specs = vendored(root, api_version, load)?;
    let Some(((target_version, target), older)) = specs.split_last() else {
        bail!("no spec for API v{api_version} in openapi/");
    };
    let older: Vec<((u32, u32), BTreeMap<String, OpItems>)> =
        older.iter().map(|(v, s)| (*v, spec_items(s))).collect();
    let target_items = spec_items(target);
    // the first older spec that has an item, or none
    let first_with = |has: &dyn Fn(&BTreeMap<String, OpItems>) -> bool| {
        older.iter().position(|(_, items)| has(items))
    };
    let mut out = Vec::new();
    for (key, op) in &target_items {
        let mut push = |item: Item, found: Option<usize>, description: &str| {
            let noted = noted_version(description);
            let (since, source) = if let Some(v) = noted {
                let spec = format!("v{}.{}", target_version.0, target_version.1);
                (v, format!("the {spec} spec: \"added in v{}.{}\"", v.0, v.1))
            } else if older.is_empty() || found == Some(0) {
                return;
            } else {
                // absent from every older spec up to the one before `found`
                let lacking = older[found.unwrap_or(older.len()) - 1].0;
                let source = format!("absent from the v{}.{} spec", lacking.0, lacking.1);
                ((lacking.0, lacking.1 + 1), source)
            };
            out.push(Requirement {
                operation: op.id.clone(),
                item,
                since,
                source,
            });
        };
        let has_op = first_with(&|items| items.contains_key(key));
        push(Item::Operation, has_op, &op.description);
        for (name, description) in &op.query {
            let found =
                first_with(&|items| items.get(key).is_some_and(|o| o.query.contains_key(name)));
            push(Item::Query(name.clone()), found, description);
        }
        for (path, description) in &op.body {
            let found =
                first_with(&|items| items.get(key).is_some_and(|o| o.body.contains_key(path)));
            push(Item::Body(path.clone()), found, description);
        }
    }
    let written: SinceFile =
        toml::from_str(&std::fs::read_to_string(root.join("openapi/since.toml"))?)
            .context("reading openapi/since.toml")?;
    for w in written.since {
        let since = parse_version(&w.version)?;
        let op = target_items.values().find(|o| o.id == w.operation);
        let item = match (op, &w.query, &w.body) {
            (Some(op), Some(q), None) if op.query.contains_key(q) => Some(Item::Query(q.clone())),
            (Some(op), None, Some(b)) if op.body.contains_key(b) => Some(Item::Body(b.clone())),
            (Some(_), None, None) => Some(Item::Operation),
            _ => None,
        };
        let Some(item) = item else {
            // a spec older than the entry's version lacks its item; a newer one must have it
            if *target_version < since {
                continue;
            }
            bail!(
                "openapi/since.toml: the v{api_version} spec has no {} of {}; fix or remove \
                 the entry",
                match (&w.query, &w.body) {
                    (Some(q), _) => format!("query parameter `{q}`"),
                    (_, Some(b)) => format!("optional body field `{b}`"),
                    _ => "operation".to_owned(),
                },
                w.operation,
            );
        };
        out.retain(|r| !(r.operation == w.operation && r.item == item));
        out.push(Requirement {
            operation: w.operation,
            item,
            since,
            source: w.source.trim().to_owned(),
        });
    }
    // a field under a parent that needs as much already says nothing new
    let parents: BTreeMap<(String, String), (u32, u32)> = out
        .iter()
        .filter_map(|r| match &r.item {
            Item::Body(p) => Some(((r.operation.clone(), p.clone()), r.since)),
            _ => None,
        })
        .collect();
    let op_since: BTreeMap<String, (u32, u32)> = out
        .iter()
        .filter(|r| r.item == Item::Operation)
        .map(|r| (r.operation.clone(), r.since))
        .collect();
    out.retain(|r| {
        let covered_by = |v: &(u32, u32)| *v >= r.since;
        if r.item != Item::Operation && op_since.get(&r.operation).is_some_and(covered_by) {
            return false;
        }
        let Item::Body(path) = &r.item else {
            return true;
        };
        let mut parent = path.as_str();
        while let Some((up, _)) = parent.rsplit_once('.') {
            parent = up;
            let up = parent.trim_end_matches(".*").trim_end_matches(".[]");
            if parents
                .get(&(r.operation.clone(), up.to_owned()))
                .is_some_and(covered_by)
            {
                return false;
            }
        }
        true
    });
    out.sort_by(|a, b| (&a.operation, &a.item).cmp(&(&b.operation, &b.item)));
    Ok(out)
}

/// Renders `since.rs`.
pub fn render(requirements: &[Requirement]) -> String {
    let mut out = String::from(
        "//! The Engine API version each operation, query parameter and body field needs, for the\n\
         //! operations of this spec that older versions lack.\n\
         //!\n\
         //! Derived by `cargo xtask regen` from the vendored specs: an item the oldest spec lacks\n\
         //! needs the version after the newest spec without it, unless its description says\n\
         //! when it was added, or `openapi/since.toml` writes it down (with its source). An item\n\
         //! not listed here needs nothing beyond the oldest vendored spec's version.\n\
         \n\
         /// What of an operation needs a version.\n\
         ///\n\
         /// ```\n\
         /// use wharf_api::since::{Item, REQUIREMENTS};\n\
         ///\n\
         /// let query_items = REQUIREMENTS.iter().filter(|r| matches!(r.item, Item::Query(_)));\n\
         /// assert!(query_items.count() > 0);\n\
         /// ```\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq)]\n\
         pub enum Item {\n    \
             /// The operation itself.\n    \
             Operation,\n    \
             /// This query parameter.\n    \
             Query(&'static str),\n    \
             /// This body field: a dotted path, `*` for any key of a map and `[]` for any\n    \
             /// element of a list (`EndpointsConfig.*.GwPriority`).\n    \
             Body(&'static str),\n\
         }\n\
         \n\
         /// One requirement.\n\
         ///\n\
         /// ```\n\
         /// // every requirement says why\n\
         /// for r in wharf_api::since::REQUIREMENTS {\n\
         ///     assert!(!r.source.is_empty(), \"{r:?}\");\n\
         ///     println!(\"{} {:?}: API {}.{}\", r.operation, r.item, r.since.0, r.since.1);\n\
         /// }\n\
         /// ```\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq)]\n\
         pub struct Requirement {\n    \
             /// The spec's `operationId`.\n    \
             pub operation: &'static str,\n    \
             /// What needs the version.\n    \
             pub item: Item,\n    \
             /// The lowest API version that has it, `(major, minor)`.\n    \
             pub since: (u16, u16),\n    \
             /// Why: the spec's note, the spec that lacks it, or the source written down.\n    \
             pub source: &'static str,\n\
         }\n\
         \n\
         /// Every requirement, by operation.\n\
         ///\n\
         /// ```\n\
         /// let stop_signal = wharf_api::since::REQUIREMENTS\n\
         ///     .iter()\n\
         ///     .find(|r| r.operation == \"ContainerStop\" && r.item == wharf_api::since::Item::Query(\"signal\"));\n\
         /// assert!(stop_signal.is_some_and(|r| r.since > (1, 41)));\n\
         /// ```\n\
         pub const REQUIREMENTS: &[Requirement] = &[\n",
    );
    for r in requirements {
        let item = match &r.item {
            Item::Operation => "Item::Operation".to_owned(),
            Item::Query(q) => format!("Item::Query({q:?})"),
            Item::Body(b) => format!("Item::Body({b:?})"),
        };
        out.push_str(&format!(
            "    Requirement {{\n        operation: {:?},\n        item: {item},\n        since: ({}, {}),\n        source: {:?},\n    }},\n",
            r.operation, r.since.0, r.since.1, r.source
        ));
    }
    out.push_str("];\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_name_the_version() {
        assert_eq!(noted_version("Added in v1.44, before that"), Some((1, 44)));
        assert_eq!(noted_version("This was added in API v1.47."), Some((1, 47)));
        assert_eq!(noted_version("Deprecated in API v1.44 and up."), None);
    }

    #[test]
    fn body_fields_walk_refs_maps_and_lists() {
        let spec = serde_json::json!({
            "definitions": {
                "Inner": {"type": "object", "required": ["Must"], "properties": {
                    "Must": {"type": "string"}, "New": {"type": "string"}}},
                "Loop": {"type": "object", "properties": {"Again": {"$ref": "#/definitions/Loop"}}}
            }
        });
        let schema = serde_json::json!({"allOf": [{"type": "object", "properties": {
            "Map": {"type": "object", "additionalProperties": {"$ref": "#/definitions/Inner"}},
            "List": {"type": "array", "items": {"$ref": "#/definitions/Inner"}},
            "Loop": {"$ref": "#/definitions/Loop"}}}]});
        let mut out = BTreeMap::new();
        body_fields(&spec, &schema, "", &mut Vec::new(), &mut out);
        let paths: Vec<&str> = out.keys().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                "List",
                "List.[].New",
                "Loop",
                "Loop.Again",
                "Map",
                "Map.*.New"
            ]
        );
    }

    #[test]
    fn path_parameters_are_one_key() {
        assert_eq!(
            path_key("get", "/networks/{id}"),
            path_key("GET", "/networks/{name}")
        );
    }
}
