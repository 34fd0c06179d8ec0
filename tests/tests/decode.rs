//! Decoding of recorded real responses (see `tests/fixtures/README.md`) with the generated
//! types, plus the two behaviours the post-pass adds: open enums and `null` lists.
//!
//! Each fixture must decode, and re-encoding what was decoded must give back the values the
//! engine sent: a field the types read under the wrong name or type shows up as a
//! difference, not as a silently empty field.
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use wharf_api::types;

const ENGINES: &[&str] = &["docker-28.5.2", "docker-20.10.24", "podman-4.3.1"];

fn fixture_path(engine: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(engine)
        .join(file)
}

fn read(engine: &str, file: &str) -> String {
    let path = fixture_path(engine, file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decodes `text` as `T`, re-encodes it, and checks that everything re-encoded matches what
/// the engine sent (the types may know fewer fields than the engine sends, never different
/// values). Returns the decoded value.
fn decode_faithfully<T: DeserializeOwned + Serialize>(what: &str, text: &str) -> T {
    let decoded: T = serde_json::from_str(text).unwrap_or_else(|e| {
        panic!(
            "{what}: does not decode as {}: {e}",
            std::any::type_name::<T>()
        )
    });
    let original: Value = serde_json::from_str(text).unwrap();
    let reencoded = serde_json::to_value(&decoded).unwrap();
    let mut differences = Vec::new();
    compare(&original, &reencoded, String::new(), &mut differences);
    assert!(
        differences.is_empty(),
        "{what}: re-encoded values differ from the engine's:\n  {}",
        differences.join("\n  ")
    );
    decoded
}

/// Records where `ours` says something other than `theirs`. `ours` may lack keys; a `null`
/// of theirs may be an empty list or map of ours (Go's nil slices and maps).
fn compare(theirs: &Value, ours: &Value, path: String, out: &mut Vec<String>) {
    match (theirs, ours) {
        (Value::Object(t), Value::Object(o)) => {
            for (k, v) in o {
                match t.get(k) {
                    Some(tv) => compare(tv, v, format!("{path}.{k}"), out),
                    None if is_empty(v) => {}
                    None => out.push(format!(
                        "{path}.{k}: not sent by the engine, re-encoded as {v}"
                    )),
                }
            }
        }
        (Value::Array(t), Value::Array(o)) if t.len() == o.len() => {
            for (i, (tv, ov)) in t.iter().zip(o).enumerate() {
                compare(tv, ov, format!("{path}[{i}]"), out);
            }
        }
        (Value::Null, o) if is_empty(o) => {}
        (Value::Number(t), Value::Number(o)) if t.as_f64() == o.as_f64() => {}
        // The same instant: RFC 3339 timestamps re-encode with nine fraction digits.
        (Value::String(t), Value::String(o)) if same_timestamp(t, o) => {}
        (t, o) if t == o => {}
        (t, o) => out.push(format!("{path}: engine sent {t}, re-encoded as {o}")),
    }
}

fn same_timestamp(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> Option<String> {
        let body = s.strip_suffix('Z')?;
        let (secs, frac) = body.split_once('.').unwrap_or((body, ""));
        (secs.len() == 19 && secs.as_bytes()[10] == b'T')
            .then(|| format!("{secs}.{}Z", frac.trim_end_matches('0')))
    };
    norm(a).is_some() && norm(a) == norm(b)
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

#[test]
fn version() {
    for engine in ENGINES {
        let v: types::SystemVersion = decode_faithfully(engine, &read(engine, "version.json"));
        let expected = if engine.starts_with("docker-28") {
            "1.51"
        } else {
            "1.41"
        };
        assert_eq!(v.api_version.as_deref(), Some(expected), "{engine}");
        assert!(!v.components.is_empty(), "{engine}: components");
    }
}

#[test]
fn info() {
    for engine in ENGINES {
        let info: types::SystemInfo = decode_faithfully(engine, &read(engine, "info.json"));
        assert!(
            info.id.as_deref().is_some_and(|id| !id.is_empty()),
            "{engine}"
        );
        assert!(
            info.containers.unwrap_or_default() >= 1,
            "{engine}: the fixture container"
        );
        assert!(info.cgroup_driver.is_some(), "{engine}");
    }
}

#[test]
fn containers() {
    for engine in ENGINES {
        let list: Vec<types::ContainerSummary> =
            decode_faithfully(engine, &read(engine, "containers-list.json"));
        let c = list
            .iter()
            .find(|c| c.names.iter().any(|n| n == "/wharf-fixtures"))
            .unwrap_or_else(|| panic!("{engine}: the fixture container is listed"));
        assert_eq!(
            c.state,
            Some(types::ContainerSummaryState::Running),
            "{engine}"
        );
        assert_eq!(
            c.labels.get("org.wharf.test").map(String::as_str),
            Some("fixtures"),
            "{engine}"
        );
        assert!(c.ports.iter().any(|p| p.private_port == 8080), "{engine}");

        let inspect: types::ContainerInspectResponse =
            decode_faithfully(engine, &read(engine, "container-inspect.json"));
        assert_eq!(inspect.name.as_deref(), Some("/wharf-fixtures"), "{engine}");
        let state = inspect.state.expect("state");
        assert_eq!(
            state.status,
            Some(types::ContainerStateStatus::Running),
            "{engine}"
        );
        assert!(
            !inspect.mounts.is_empty(),
            "{engine}: the volume is mounted"
        );
    }
}

#[test]
fn images() {
    for engine in ENGINES {
        let list: Vec<types::ImageSummary> =
            decode_faithfully(engine, &read(engine, "images-list.json"));
        assert!(
            list.iter().any(|i| i
                .repo_tags
                .iter()
                .any(|t| t.ends_with("wharf-test/busybox:latest"))),
            "{engine}"
        );
        let image: types::ImageInspect =
            decode_faithfully(engine, &read(engine, "image-inspect.json"));
        assert!(
            image
                .id
                .as_deref()
                .is_some_and(|id| id.starts_with("sha256:")),
            "{engine}"
        );
    }
}

#[test]
fn networks_and_volumes() {
    for engine in ENGINES {
        let networks: Vec<types::Network> =
            decode_faithfully(engine, &read(engine, "networks-list.json"));
        assert!(
            networks
                .iter()
                .any(|n| n.name.as_deref() == Some("wharf-fixtures-net")),
            "{engine}"
        );
        let volumes: types::VolumeListResponse =
            decode_faithfully(engine, &read(engine, "volumes-list.json"));
        assert!(
            volumes
                .volumes
                .iter()
                .any(|v| v.name == "wharf-fixtures-vol"),
            "{engine}"
        );
    }
}

#[test]
fn system_df() {
    for engine in ENGINES {
        let df: types::SystemDataUsageResponse =
            decode_faithfully(engine, &read(engine, "system-df.json"));
        assert!(!df.images.is_empty(), "{engine}");
        assert!(!df.containers.is_empty(), "{engine}");
    }
}

#[test]
fn stats() {
    for engine in ENGINES {
        let stats: types::ContainerStatsResponse =
            decode_faithfully(engine, &read(engine, "stats.json"));
        assert!(stats.memory_stats.is_some(), "{engine}");
        assert!(stats.cpu_stats.is_some(), "{engine}");
    }
}

#[test]
fn events() {
    for engine in ENGINES {
        let text = read(engine, "events.jsonl");
        let events: Vec<types::EventMessage> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, line)| decode_faithfully(&format!("{engine} event {i}"), line))
            .collect();
        for action in ["create", "start", "die"] {
            assert!(
                events.iter().any(|e| {
                    e.type_ == Some(types::EventMessageType::Container)
                        && e.action.as_deref() == Some(action)
                }),
                "{engine}: a container {action} event"
            );
        }
    }
}

#[test]
fn unknown_enum_values_round_trip() {
    // Podman reports a container that is being stopped as `stopping`, which the spec does not
    // list; a newer engine may add states of its own.
    let state: types::ContainerSummaryState = serde_json::from_str("\"stopping\"").unwrap();
    assert_eq!(
        state,
        types::ContainerSummaryState::Unknown("stopping".into())
    );
    assert_eq!(state.as_str(), "stopping");
    assert_eq!(serde_json::to_string(&state).unwrap(), "\"stopping\"");
    assert_eq!(
        "running".parse::<types::ContainerSummaryState>().unwrap(),
        types::ContainerSummaryState::Running
    );

    // One unknown value does not fail the enclosing struct.
    let c: types::ContainerSummary =
        serde_json::from_str(r#"{"Id":"abc","State":"stopping","Names":["/x"]}"#).unwrap();
    assert_eq!(c.state.unwrap().to_string(), "stopping");
    assert_eq!(c.names, ["/x"]);
}

#[test]
fn null_lists_and_maps_decode_as_empty() {
    // Docker 20.10 writes Go's nil slices and maps as `null`.
    let image: types::ImageSummary = serde_json::from_str(
        r#"{"Id":"sha256:1","ParentId":"","RepoTags":null,"RepoDigests":null,"Created":1,
            "Size":1,"SharedSize":-1,"Labels":null,"Containers":-1}"#,
    )
    .unwrap();
    assert!(image.repo_tags.is_empty());
    assert!(image.repo_digests.is_empty());
    assert!(image.labels.is_empty());

    let info: types::SystemInfo =
        serde_json::from_str(r#"{"Plugins":{"Volume":null,"Network":null},"Warnings":null}"#)
            .unwrap();
    assert!(info.warnings.is_empty());
    assert!(info.plugins.unwrap().volume.is_empty());
}
