use super::*;
use crate::container::{Resources, Restart};
use serde_json::json;
use std::collections::BTreeMap;

#[test]
fn the_create_body_is_the_engines_json() {
    let spec = ContainerSpec::new("busybox")
        .name("web")
        .cmd(["httpd", "-f"])
        .entrypoint(["/bin/sh", "-c"])
        .env("A", "1")
        .env_list(["B=2"])
        .envs([("C", "3")])
        .labels([("app", "web")])
        .working_dir("/www")
        .user("nobody")
        .expose("8080/udp")
        .tty(true)
        .open_stdin(true)
        .host(
            HostSpec::new()
                .resources(
                    Resources::new()
                        .memory("512m")
                        .cpu_shares(256)
                        .cpu_quota(50_000)
                        .ulimit("nofile", 100, 200)
                        .restart(Restart::OnFailure { max_retries: None }),
                )
                .publish("80", "8080")
                .bind("/src:/dst:ro")
                .network_mode("bridge")
                .auto_remove(true),
        );
    let json = serde_json::to_value(spec.build().unwrap()).unwrap();
    assert_eq!(
        json,
        json!({
            "Image": "busybox",
            "Cmd": ["httpd", "-f"],
            "Entrypoint": ["/bin/sh", "-c"],
            "Env": ["A=1", "B=2", "C=3"],
            "Labels": {"app": "web"},
            "WorkingDir": "/www",
            "User": "nobody",
            "ExposedPorts": {"8080/udp": {}, "80/tcp": {}},
            "Tty": true,
            "OpenStdin": true,
            "HostConfig": {
                "Memory": 536870912,
                "CpuShares": 256,
                "CpuQuota": 50000,
                "Ulimits": [{"Name": "nofile", "Soft": 100, "Hard": 200}],
                "RestartPolicy": {"Name": "on-failure"},
                "PortBindings": {"80/tcp": [{"HostPort": "8080"}]},
                "Binds": ["/src:/dst:ro"],
                "NetworkMode": "bridge",
                "AutoRemove": true
            }
        })
    );
    // The name goes in the query, not the body.
    assert_eq!(spec.get_name(), Some("web"));
}

#[test]
fn a_bare_image_sends_only_the_image() {
    let json = serde_json::to_value(ContainerSpec::new("alpine").build().unwrap()).unwrap();
    assert_eq!(json, json!({"Image": "alpine"}));
}

#[test]
fn env_keys_are_replaced_in_place() {
    let body = ContainerSpec::new("a")
        .env("X", "1")
        .env("Y", "2")
        .env_list(["X=3", "Z"])
        .build()
        .unwrap();
    assert_eq!(body.env, ["X=3", "Y=2", "Z"]);
}

#[test]
fn labels_from_maps_and_pairs() {
    let body = ContainerSpec::new("a")
        .labels(BTreeMap::from([("a", "1"), ("b", "2")]))
        .label("b", "3")
        .build()
        .unwrap();
    assert_eq!(
        sorted(&body.labels),
        BTreeMap::from([("a", "1"), ("b", "3")])
    );
}

#[test]
fn port_keys_default_to_tcp() {
    assert_eq!(port_key("80"), "80/tcp");
    assert_eq!(port_key("53/udp"), "53/udp");
    assert_eq!(port_key(" 8080/tcp "), "8080/tcp");
}
