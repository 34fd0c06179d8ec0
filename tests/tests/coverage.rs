//! Every operation of the vendored spec is accounted for in `wharf_api::coverage`.
use std::collections::BTreeSet;
use std::path::Path;

use wharf_api::coverage::{Served, OPERATIONS};

/// `(operationId, METHOD, path, tag)` of every operation in the spec file.
fn spec_operations() -> Vec<(String, String, String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../openapi")
        .join(format!("v{}.yaml", wharf_api::API_VERSION));
    let text = std::fs::read_to_string(&path).unwrap();
    let spec: serde_norway::Value = serde_norway::from_str(&text).unwrap();
    let mut out = Vec::new();
    for (p, item) in spec["paths"].as_mapping().unwrap() {
        for (method, op) in item.as_mapping().unwrap() {
            let method = method.as_str().unwrap();
            if method == "parameters" {
                continue;
            }
            out.push((
                op["operationId"].as_str().unwrap().to_owned(),
                method.to_uppercase(),
                p.as_str().unwrap().to_owned(),
                op["tags"][0].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    out
}

/// The operations the daemon serves and the spec does not document, added by
/// `openapi/patches.toml` (experimental checkpoints).
const ADDED: &[&str] = &[
    "ContainerCheckpointList",
    "ContainerCheckpointCreate",
    "ContainerCheckpointDelete",
];

/// The operations nothing serves yet; the list only shrinks.
const NOT_YET: &[&str] = &["Session"];

#[test]
fn the_crate_speaks_the_vendored_version() {
    assert_eq!(wharf_api::API_VERSION, "1.51");
}

#[test]
fn every_operation_is_accounted_for() {
    let spec = spec_operations();
    assert_eq!(spec.len(), 107, "v1.51 has 107 operations");
    let tags: BTreeSet<&str> = spec.iter().map(|o| o.3.as_str()).collect();
    assert_eq!(tags.len(), 15, "in 15 tags: {tags:?}");

    let listed: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.id).collect();
    assert_eq!(
        listed.len(),
        OPERATIONS.len(),
        "an operation is listed twice"
    );
    let missing: Vec<&str> = spec
        .iter()
        .map(|o| o.0.as_str())
        .filter(|id| !listed.contains(id))
        .collect();
    assert!(missing.is_empty(), "not accounted for: {missing:?}");
    let extra: Vec<&str> = listed
        .iter()
        .copied()
        .filter(|id| !spec.iter().any(|o| o.0 == *id) && !ADDED.contains(id))
        .collect();
    assert!(extra.is_empty(), "listed but not in the spec: {extra:?}");
    for id in ADDED {
        let op = OPERATIONS.iter().find(|o| o.id == *id).unwrap();
        assert!(matches!(op.served, Served::Generated(_)), "{id}");
    }

    for (id, method, path, tag) in &spec {
        let op = OPERATIONS.iter().find(|o| o.id == id).unwrap();
        assert_eq!(
            (op.method, op.path, op.tag),
            (method.as_str(), path.as_str(), tag.as_str())
        );
        match op.served {
            Served::Generated(name) => assert!(!name.is_empty()),
            Served::HandWritten(path) => {
                assert!(path.starts_with("wharf::"), "{id}: {path}")
            }
            Served::NotYet(what) => assert!(
                NOT_YET.contains(&id.as_str()) && what.starts_with("wharf::"),
                "{id} is not served: {what}"
            ),
        }
    }
}

#[test]
fn hijacked_and_streaming_operations_are_marked() {
    let served = |id: &str| OPERATIONS.iter().find(|o| o.id == id).unwrap().served;
    assert_eq!(
        served("ContainerAttach"),
        Served::HandWritten("wharf::Container::attach")
    );
    // Behind wharf's `websocket` feature, which this crate turns on; naming the method
    // proves the listed path exists.
    assert_eq!(
        served("ContainerAttachWebsocket"),
        Served::HandWritten("wharf::Container::attach_websocket")
    );
    let _ = wharf::Container::attach_websocket;
    for id in NOT_YET {
        assert!(matches!(served(id), Served::NotYet(_)), "{id}");
    }
    assert_eq!(served("ContainerList"), Served::Generated("container_list"));

    let item = |id: &str| {
        OPERATIONS
            .iter()
            .find(|o| o.id == id)
            .unwrap()
            .json_lines_item
    };
    assert_eq!(item("SystemEvents"), Some("EventMessage"));
    assert_eq!(item("ContainerStats"), Some("ContainerStatsResponse"));
    assert_eq!(item("ImageCreate"), Some("CreateImageInfo"));
    assert_eq!(item("ContainerList"), None);
}
