//! The client against the live test engines (`cargo xtask engine up NAME`),
//! where their sockets exist: ping, version negotiation, pinning, errors,
//! ssh. A missing engine skips its test with a note.

use std::path::Path;

use wharf::endpoint::Environment;
use wharf::{ApiVersion, Docker, ErrorKind};

const DOCKER_28: &str = "/run/wharf/docker-28.sock";
const DOCKER_20: &str = "/run/wharf/docker-20.sock";
const PODMAN: &str = "/run/wharf/podman.sock";

fn engine(socket: &str) -> Option<wharf::DockerBuilder> {
    if !Path::new(socket).exists() {
        eprintln!("skipped: no engine at {socket} (cargo xtask engine up)");
        return None;
    }
    Some(
        Docker::builder()
            .environment(Environment::empty().set("DOCKER_HOST", format!("unix://{socket}"))),
    )
}

#[tokio::test]
async fn docker_28_negotiates_the_client_maximum() {
    let Some(builder) = engine(DOCKER_28) else {
        return;
    };
    let docker = builder.build().unwrap();
    let ping = docker.ping().await.unwrap();
    assert_eq!(ping.api_version(), Some(ApiVersion::new(1, 51)));
    assert_eq!(ping.os_type(), Some("linux"));
    assert!(ping.server().unwrap().starts_with("Docker/28."), "{ping:?}");
    assert_eq!(ping.libpod_api_version(), None);
    assert_eq!(
        docker.api_version().await.unwrap(),
        ApiVersion::MAXIMUM.min(ApiVersion::new(1, 51))
    );
    let version: serde_json::Value = docker
        .get("/version")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(version["ApiVersion"], "1.51");
}

#[tokio::test]
async fn docker_28_not_found_is_typed() {
    let Some(builder) = engine(DOCKER_28) else {
        return;
    };
    let docker = builder.build().unwrap();
    let e = docker
        .get("/containers/wharf-no-such-container/json")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.status(), Some(404));
    assert_eq!(
        e.message(),
        Some("No such container: wharf-no-such-container")
    );
    assert_eq!(
        e.to_string(),
        "GET /v1.51/containers/wharf-no-such-container/json: 404 Not Found: \
         No such container: wharf-no-such-container"
    );
}

#[tokio::test]
async fn docker_28_serves_a_pinned_older_version() {
    let Some(builder) = engine(DOCKER_28) else {
        return;
    };
    let docker = builder.api_version(ApiVersion::new(1, 44)).build().unwrap();
    let version: serde_json::Value = docker
        .get("/version")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(version["ApiVersion"], "1.51");
    let e = docker
        .get("/containers/nope/json")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.path(), Some("/v1.44/containers/nope/json"));
}

#[tokio::test]
async fn docker_20_negotiates_down_to_1_41() {
    let Some(builder) = engine(DOCKER_20) else {
        return;
    };
    let docker = builder.build().unwrap();
    assert_eq!(docker.api_version().await.unwrap(), ApiVersion::new(1, 41));
    let info: serde_json::Value = docker
        .get("/info")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        info["ServerVersion"].as_str().unwrap().starts_with("20.10"),
        "{}",
        info["ServerVersion"]
    );
}

#[tokio::test]
async fn docker_20_refuses_a_pinned_1_51() {
    let Some(builder) = engine(DOCKER_20) else {
        return;
    };
    let docker = builder.api_version(ApiVersion::new(1, 51)).build().unwrap();
    let e = docker.get("/info").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VersionMismatch);
    assert_eq!(e.status(), Some(400));
    assert_eq!(
        e.message(),
        Some("client version 1.51 is too new. Maximum supported API version is 1.41")
    );
}

#[tokio::test]
async fn podman_says_it_is_podman() {
    let Some(builder) = engine(PODMAN) else {
        return;
    };
    let docker = builder.build().unwrap();
    let ping = docker.ping().await.unwrap();
    assert!(ping.libpod_api_version().is_some(), "{ping:?}");
    assert_eq!(
        docker.api_version().await.unwrap(),
        ping.api_version().unwrap().min(ApiVersion::MAXIMUM)
    );
}

#[tokio::test]
async fn ssh_to_docker_28_through_dial_stdio() {
    use std::os::unix::fs::PermissionsExt;
    if !Path::new(DOCKER_28).exists() {
        eprintln!("skipped: no engine at {DOCKER_28}");
        return;
    }
    // A stand-in ssh that runs the remote command locally.
    let bin = tempfile::tempdir().unwrap();
    let ssh = bin.path().join("ssh");
    std::fs::write(
        &ssh,
        "#!/bin/sh\n# drop ssh's own options, up to --, then the host\n\
         while [ \"$1\" != -- ]; do shift; done; shift 2\nexec \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = Environment::empty()
        .set("DOCKER_HOST", format!("ssh://root@engine-host{DOCKER_28}"))
        .set(
            "PATH",
            format!(
                "{}:{}",
                bin.path().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .set("HOME", bin.path().to_str().unwrap());
    let docker = Docker::builder().environment(env).build().unwrap();
    let ping = docker.ping().await.unwrap();
    assert_eq!(ping.api_version(), Some(ApiVersion::new(1, 51)));
    for _ in 0..3 {
        let v: serde_json::Value = docker
            .get("/version")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["ApiVersion"], "1.51");
    }
}
