//! Calls newer than the client's API version are refused before anything is sent: an
//! operation, a query parameter, a body field; the same calls at a version that has them
//! are sent as they are. Against a recording server, with the version pinned.

use std::time::Duration;

use wharf::api::types::SystemDataUsageTypeItem;
use wharf::container::StopOptions;
use wharf::network::{EndpointSpec, NetworkSpec};
use wharf::system::DfOptions;
use wharf::{ApiVersion, Docker, ErrorKind};
use wharf_tests::server::{Recorded, Reply, TestServer};

fn pinned(server: &TestServer, version: ApiVersion) -> Docker {
    Docker::builder()
        .environment(wharf::endpoint::Environment::empty().set("DOCKER_HOST", server.docker_host()))
        .api_version(version)
        .build()
        .unwrap()
}

fn daemon(req: &Recorded) -> Reply {
    if req.path.contains("/networks/create") {
        Reply::json(201, r#"{"Id":"n1","Warning":""}"#)
    } else if req.path.contains("/system/df") {
        Reply::json(
            200,
            r#"{"Images":[],"Containers":[],"Volumes":[],"BuildCache":[]}"#,
        )
    } else if req.path.contains("/volumes/") && req.method == "PUT" {
        Reply::status(200)
    } else {
        Reply::status(204)
    }
}

#[tokio::test]
async fn a_query_parameter_newer_than_the_pinned_version_is_not_sent() {
    let server = TestServer::unix(daemon).await;
    let old = pinned(&server, ApiVersion::new(1, 41));
    let stop = StopOptions::new()
        .signal("SIGINT")
        .grace(Duration::from_secs(3));
    let e = old.container("web").stop_with(&stop).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VersionMismatch);
    assert_eq!(e.status(), None);
    let text = e.to_string();
    assert!(
        text.contains("the `signal` parameter of ContainerStop needs API 1.42 or later"),
        "{text}"
    );
    assert!(text.contains("this client uses API 1.41"), "{text}");
    assert!(
        text.contains("absent from the v1.41 spec"),
        "the source: {text}"
    );
    assert!(server.requests().is_empty(), "{:?}", server.request_lines());

    // without the option the same call goes out
    old.container("web")
        .stop_with(&StopOptions::new().grace(Duration::from_secs(3)))
        .await
        .unwrap();
    let new = pinned(&server, ApiVersion::new(1, 42));
    new.container("web").stop_with(&stop).await.unwrap();
    assert_eq!(
        server.request_lines(),
        [
            "POST /v1.41/containers/web/stop?t=3",
            "POST /v1.42/containers/web/stop?signal=SIGINT&t=3"
        ]
    );
}

#[tokio::test]
async fn a_body_field_newer_than_the_pinned_version_is_not_sent() {
    let server = TestServer::unix(daemon).await;
    let spec = NetworkSpec::new("n").ipv4(true);
    let e = pinned(&server, ApiVersion::new(1, 47))
        .networks()
        .create(&spec)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VersionMismatch);
    let text = e.to_string();
    assert!(
        text.contains("`EnableIPv4` field of NetworkCreate needs API 1.48"),
        "{text}"
    );
    assert!(
        text.contains("CHANGELOG v1.48"),
        "the source written down: {text}"
    );
    assert!(server.requests().is_empty());

    // nested: an endpoint's GwPriority (1.48), under a map of networks
    let endpoint = wharf::api::types::EndpointSettings {
        gw_priority: Some(10),
        ..Default::default()
    };
    let e = pinned(&server, ApiVersion::new(1, 44))
        .network("n")
        .connect("web", &EndpointSpec::from(endpoint))
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("`EndpointConfig.GwPriority` field of NetworkConnect"),
        "{e}"
    );
    assert!(server.requests().is_empty());

    pinned(&server, ApiVersion::new(1, 48))
        .networks()
        .create(&spec)
        .await
        .unwrap();
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(body["EnableIPv4"], true);
}

#[tokio::test]
async fn an_operation_newer_than_the_pinned_version_is_not_sent() {
    let server = TestServer::unix(daemon).await;
    // the generated client sends through the client that made it: keep that alive
    let old = pinned(&server, ApiVersion::new(1, 41));
    let api = old.api().await.unwrap();
    let body = wharf::api::types::VolumeUpdateBody::default();
    let e = api.volume_update("v", 1, &body).await.unwrap_err();
    let e = wharf::Error::from_api(e).await;
    assert_eq!(e.kind(), ErrorKind::VersionMismatch);
    assert!(e.to_string().contains("VolumeUpdate needs API 1.42"), "{e}");
    // and the typed df's `type`, through the generated client's same path
    let e = pinned(&server, ApiVersion::new(1, 41))
        .df_with(&DfOptions::new().kind(SystemDataUsageTypeItem::Volume))
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("`type` parameter of SystemDataUsage"),
        "{e}"
    );
    assert!(server.requests().is_empty(), "{:?}", server.request_lines());
    let df = pinned(&server, ApiVersion::new(1, 41)).df().await.unwrap();
    assert!(df.images.is_empty());
    assert_eq!(server.request_lines(), ["GET /v1.41/system/df"]);
}
