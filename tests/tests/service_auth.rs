//! A service created with registry credentials carries them in `X-Registry-Auth`, encoded
//! as the daemon decodes them (base64url JSON), and one created without carries none.
//! Against a recording server: the swarm test engines cannot reach the test registry.

use base64::Engine as _;
use wharf::auth::Credentials;
use wharf::swarm::ServiceSpec;
use wharf::{ApiVersion, Docker};
use wharf_tests::server::{Recorded, Reply, TestServer};

fn daemon(req: &Recorded) -> Reply {
    if req.path.contains("/services/create") {
        Reply::json(201, r#"{"ID":"s1","Warnings":[]}"#)
    } else {
        Reply::status(404)
    }
}

#[tokio::test]
async fn service_create_sends_the_credentials_it_is_given() {
    let server = TestServer::unix(daemon).await;
    let docker = Docker::builder()
        .environment(wharf::endpoint::Environment::empty().set("DOCKER_HOST", server.docker_host()))
        .api_version(ApiVersion::new(1, 51))
        .build()
        .unwrap();
    let spec = ServiceSpec::new("127.0.0.1:5000/team/app:1").name("app");
    let credentials = Credentials::new("wharf", "service-secret").server_address("127.0.0.1:5000");
    docker
        .services()
        .create_with_credentials(&spec, &credentials)
        .await
        .unwrap();
    docker.services().create(&spec).await.unwrap();

    let creates: Vec<Recorded> = server
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/services/create"))
        .collect();
    assert_eq!(creates.len(), 2, "{:?}", server.request_lines());
    let header = creates[0]
        .header("X-Registry-Auth")
        .expect("the credentials' header");
    let json = base64::engine::general_purpose::URL_SAFE
        .decode(header)
        .unwrap();
    let auth: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(auth["username"], "wharf");
    assert_eq!(auth["password"], "service-secret");
    assert_eq!(auth["serveraddress"], "127.0.0.1:5000");
    assert_eq!(creates[1].header("X-Registry-Auth"), None);
}
