//! The coverage listing: every operation of the spec and how the crate serves it.
use std::collections::BTreeMap;

use anyhow::{bail, Result};
use heck::ToSnakeCase;
use serde_json::Value;

use super::patches::{escape_pointer, Hijacked, JSON_LINES};
use super::schema_walk::METHODS;

/// An operation as the spec declares it.
#[derive(Debug, Clone)]
pub struct SpecOperation {
    pub id: String,
    pub method: String,
    pub path: String,
    pub tag: String,
}

/// One row of the listing.
#[derive(Debug)]
pub struct Row {
    op: SpecOperation,
    served: Served,
    json_lines_item: Option<String>,
    streams: bool,
}

#[derive(Debug)]
enum Served {
    Generated(String),
    HandWritten(String),
    NotYet(String),
}

/// Every operation of the (converted, not yet lowered) spec, in document order.
pub fn operations(doc: &Value) -> Result<Vec<SpecOperation>> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            out.push(SpecOperation {
                id: op["operationId"].as_str().unwrap_or_default().to_owned(),
                method: method.to_uppercase(),
                path: path.clone(),
                tag: op["tags"][0].as_str().unwrap_or("").to_owned(),
            });
        }
    }
    Ok(out)
}

/// Decides how each operation is served, checking that every generated method exists.
pub fn table(
    all: &[SpecOperation],
    doc: &Value,
    hijacked: &[Hijacked],
    methods: &BTreeMap<String, bool>,
) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    for op in all {
        if let Some(h) = hijacked.iter().find(|h| h.operation == op.id) {
            rows.push(Row {
                op: op.clone(),
                served: match &h.pending {
                    None => Served::HandWritten(h.served_by.clone()),
                    Some(why) => Served::NotYet(format!("{}: {}", h.served_by, why.trim())),
                },
                json_lines_item: None,
                // a hijacked connection is a stream both ways
                streams: true,
            });
            continue;
        }
        let name = op.id.to_snake_case();
        let Some(&streams) = methods.get(&name) else {
            missing.push(format!("{} (expected Client::{name})", op.id));
            continue;
        };
        let pointer = format!(
            "/paths/{}/{}/responses",
            escape_pointer(&op.path),
            op.method.to_lowercase()
        );
        let json_lines_item = doc
            .pointer(&pointer)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .find(|(_, r)| {
                r.pointer(&format!("/content/{}", escape_pointer(JSON_LINES)))
                    .is_some()
            })
            .map(|(_, r)| match &r["x-json-lines-item"] {
                Value::Object(s) => match s.get("$ref").and_then(Value::as_str) {
                    Some(r) => r.rsplit('/').next().unwrap_or(r).to_owned(),
                    None => "an inline object".to_owned(),
                },
                _ => "unspecified".to_owned(),
            });
        rows.push(Row {
            op: op.clone(),
            served: Served::Generated(name),
            json_lines_item,
            streams,
        });
    }
    if !missing.is_empty() {
        bail!(
            "operations with no generated method and no hijack entry: {}",
            missing.join(", ")
        );
    }
    Ok(rows)
}

/// Renders `coverage.rs`.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::from(
        "//! Every operation of the Engine API spec and how it is served: by a method of the\n\
         //! generated [`Client`](crate::Client), or by a hand-written path in the `wharf` crate\n\
         //! (connections the daemon hijacks, which the generator cannot express).\n\
         \n\
         /// How an operation is served.\n\
         ///\n\
         /// ```\n\
         /// use wharf_api::coverage::{Served, OPERATIONS};\n\
         ///\n\
         /// let attach = OPERATIONS.iter().find(|op| op.id == \"ContainerAttach\").unwrap();\n\
         /// assert!(matches!(attach.served, Served::HandWritten(_)));\n\
         /// ```\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq)]\n\
         pub enum Served {\n    \
             /// By this method of the generated [`Client`](crate::Client).\n    \
             Generated(&'static str),\n    \
             /// By hand-written code at this path in the `wharf` crate.\n    \
             HandWritten(&'static str),\n    \
             /// Not served yet: where it will be, and what is missing.\n    \
             NotYet(&'static str),\n\
         }\n\
         \n\
         /// One operation of the spec.\n\
         ///\n\
         /// ```\n\
         /// let logs = wharf_api::coverage::OPERATIONS\n\
         ///     .iter()\n\
         ///     .find(|op| op.id == \"ContainerLogs\")\n\
         ///     .unwrap();\n\
         /// assert_eq!((logs.method, logs.path), (\"GET\", \"/containers/{id}/logs\"));\n\
         /// assert!(logs.streams);\n\
         /// ```\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq)]\n\
         pub struct Operation {\n    \
             /// The spec's `operationId`.\n    \
             pub id: &'static str,\n    \
             /// The HTTP method.\n    \
             pub method: &'static str,\n    \
             /// The path, without the version prefix.\n    \
             pub path: &'static str,\n    \
             /// The spec's tag (its section of the API).\n    \
             pub tag: &'static str,\n    \
             /// How it is served.\n    \
             pub served: Served,\n    \
             /// For a newline-delimited JSON stream, the schema of one line.\n    \
             pub json_lines_item: Option<&'static str>,\n    \
             /// The answer's body is a byte stream, read as it arrives (logs, events,\n    \
             /// archives, progress), not a value decoded whole.\n    \
             pub streams: bool,\n\
         }\n\
         \n\
         /// Every operation of the spec, in the spec's order.\n\
         ///\n\
         /// ```\n\
         /// let generated = wharf_api::coverage::OPERATIONS\n\
         ///     .iter()\n\
         ///     .filter(|op| matches!(op.served, wharf_api::coverage::Served::Generated(_)))\n\
         ///     .count();\n\
         /// assert!(generated > 0);\n\
         /// ```\n\
         pub const OPERATIONS: &[Operation] = &[\n",
    );
    for row in rows {
        let served = match &row.served {
            Served::Generated(m) => format!("Served::Generated({m:?})"),
            Served::HandWritten(p) => format!("Served::HandWritten({p:?})"),
            Served::NotYet(p) => format!("Served::NotYet({p:?})"),
        };
        let item = match &row.json_lines_item {
            Some(i) => format!("Some({i:?})"),
            None => "None".to_owned(),
        };
        out.push_str(&format!(
            "    Operation {{\n        id: {:?},\n        method: {:?},\n        path: {:?},\n        tag: {:?},\n        served: {served},\n        json_lines_item: {item},\n        streams: {},\n    }},\n",
            row.op.id, row.op.method, row.op.path, row.op.tag, row.streams
        ));
    }
    out.push_str("];\n");
    out
}
