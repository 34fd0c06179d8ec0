//! TLS endpoints against a local TLS server, with certificates made by the
//! `openssl` command (the tests are skipped without it).

use std::path::Path;

use wharf::endpoint::{Environment, Tls};
use wharf::{Docker, ErrorKind};
use wharf_tests::certs;
use wharf_tests::server::{engine, TestServer};

/// A server that requires a client certificate signed by the test CA.
fn server_config(
    dir: &Path,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> rustls::ServerConfig {
    certs::server_config(dir, versions, true)
}

fn setup() -> Option<tempfile::TempDir> {
    let dir = tempfile::tempdir().unwrap();
    if certs::make(dir.path(), "IP:127.0.0.1,DNS:localhost").is_none() {
        eprintln!("skipped: no openssl command to make test certificates");
        return None;
    }
    Some(dir)
}

#[tokio::test]
async fn docker_tls_verify_with_cert_path() {
    let Some(dir) = setup() else { return };
    let server = TestServer::tls(
        server_config(dir.path(), rustls::DEFAULT_VERSIONS),
        engine("1.51"),
    )
    .await;
    let env = Environment::empty()
        .set("DOCKER_HOST", server.docker_host())
        .set("DOCKER_TLS_VERIFY", "1")
        .set("DOCKER_CERT_PATH", dir.path().to_str().unwrap());
    let docker = Docker::builder().environment(env).build().unwrap();
    let tls = docker.endpoint().tls().unwrap();
    assert!(tls.verify());
    assert_eq!(tls.cert(), Some(dir.path().join("cert.pem").as_path()));
    docker.ping().await.unwrap();
    docker.get("/info").send().await.unwrap();
    assert_eq!(server.request_lines(), ["HEAD /_ping", "GET /v1.51/info"]);
    assert!(server.handshake_failures().is_empty());
}

#[tokio::test]
async fn tls_1_2_is_accepted() {
    let Some(dir) = setup() else { return };
    let server = TestServer::tls(
        server_config(dir.path(), &[&rustls::version::TLS12]),
        engine("1.51"),
    )
    .await;
    let docker = Docker::builder()
        .environment(Environment::empty())
        .host(server.docker_host())
        .tls(Tls::from_dir(dir.path()))
        .build()
        .unwrap();
    docker.ping().await.unwrap();
}

#[tokio::test]
async fn unknown_ca_is_refused_by_default() {
    let Some(dir) = setup() else { return };
    let server = TestServer::tls(
        server_config(dir.path(), rustls::DEFAULT_VERSIONS),
        engine("1.51"),
    )
    .await;
    // The system roots do not know the test CA.
    let docker = Docker::builder()
        .environment(Environment::empty())
        .host(server.docker_host())
        .tls(Tls::new().with_client_cert(dir.path().join("cert.pem"), dir.path().join("key.pem")))
        .build()
        .unwrap();
    let e = docker.ping().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect, "{e:?}");
    let text = e.to_string();
    assert!(text.contains(&server.docker_host()), "{text}");
    assert!(text.contains("certificate"), "{text}");
    assert!(text.contains("check the TLS settings"), "{text}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn verification_can_be_turned_off() {
    let Some(dir) = setup() else { return };
    let server = TestServer::tls(
        server_config(dir.path(), rustls::DEFAULT_VERSIONS),
        engine("1.51"),
    )
    .await;
    let docker = Docker::builder()
        .environment(Environment::empty())
        .host(server.docker_host())
        .tls(
            Tls::new()
                .with_verify(false)
                .with_client_cert(dir.path().join("cert.pem"), dir.path().join("key.pem")),
        )
        .build()
        .unwrap();
    docker.ping().await.unwrap();
}

#[tokio::test]
async fn server_requiring_a_client_certificate_refuses_none() {
    let Some(dir) = setup() else { return };
    let server = TestServer::tls(
        server_config(dir.path(), rustls::DEFAULT_VERSIONS),
        engine("1.51"),
    )
    .await;
    let docker = Docker::builder()
        .environment(Environment::empty())
        .host(server.docker_host())
        .tls(Tls::new().with_ca(dir.path().join("ca.pem")))
        .build()
        .unwrap();
    let e = docker.ping().await.unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Connect | ErrorKind::Io),
        "{e:?}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn plain_http_client_against_tls_port_fails_cleanly() {
    let Some(dir) = setup() else { return };
    let server = TestServer::tls(
        server_config(dir.path(), rustls::DEFAULT_VERSIONS),
        engine("1.51"),
    )
    .await;
    let docker = Docker::builder()
        .environment(Environment::empty())
        .host(server.docker_host())
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap();
    assert!(docker.ping().await.is_err());
}
