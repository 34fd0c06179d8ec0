//! TLS refusals: each a `Connect` error that names the endpoint, within the connect
//! limit; verification is on by default; a server that refuses session resumption costs
//! a full handshake, not an error.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wharf::endpoint::{Environment, Tls};
use wharf::{ApiVersion, Docker, ErrorKind};
use wharf_tests::certs;
use wharf_tests::faults::{Row, Sample};
use wharf_tests::server::{engine, TestServer};

const ENGINE: &str = "local TLS server";

fn certs_for(names: &str) -> Option<tempfile::TempDir> {
    let dir = tempfile::tempdir().unwrap();
    if certs::make(dir.path(), names).is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "no openssl command to make test certificates"
        );
        eprintln!("skipped: no openssl command to make test certificates");
        return None;
    }
    Some(dir)
}

fn client(server: &TestServer, tls: Tls) -> Docker {
    Docker::builder()
        .environment(Environment::empty())
        .host(server.docker_host())
        .tls(tls)
        .api_version(ApiVersion::new(1, 51))
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn client_cert(dir: &Path) -> Tls {
    Tls::new().with_client_cert(dir.join("cert.pem"), dir.join("key.pem"))
}

/// Runs a call that must be refused: a `Connect` error naming the endpoint and saying
/// `says`, with no request reaching the server.
async fn refused(case: &str, server: TestServer, tls: Tls, says: &[&str]) {
    let docker = client(&server, tls);
    let before = Sample::now();
    let started = Instant::now();
    let e = docker.get("/info").send().await.unwrap_err();
    let took = started.elapsed();
    let text = e.to_string();
    assert_eq!(e.kind(), ErrorKind::Connect, "{case}: {text}");
    assert!(text.contains(&server.docker_host()), "{case}: {text}");
    for word in says {
        assert!(text.contains(word), "{case}: {word:?} missing from {text}");
    }
    assert!(took < Duration::from_secs(2), "{case}: {took:?}");
    assert!(server.requests().is_empty(), "{case}");
    Row::new(case, ENGINE, before)
        .outcome(format!("{:?}", e.kind()))
        .time_to_error(took)
        .record();
}

#[test]
fn verification_is_on_by_default() {
    let _serial = crate::support::serial();
    assert!(Tls::new().verify());
    let dir = tempfile::tempdir().unwrap();
    if certs::make(dir.path(), "DNS:daemon.test").is_none() {
        return;
    }
    let env = Environment::empty()
        .set("DOCKER_HOST", "tcp://daemon.test:2376")
        .set("DOCKER_TLS_VERIFY", "1")
        .set("DOCKER_CERT_PATH", dir.path().to_str().unwrap());
    let docker = Docker::builder().environment(env).build().unwrap();
    assert!(docker.endpoint().tls().unwrap().verify());
}

#[tokio::test]
async fn server_certificate_from_another_ca() {
    let _serial = crate::support::serial();
    let (Some(dir), Some(other)) = (certs_for("IP:127.0.0.1"), certs_for("IP:127.0.0.1")) else {
        return;
    };
    let server = TestServer::tls(
        certs::server_config(dir.path(), rustls::DEFAULT_VERSIONS, false),
        engine("1.51"),
    )
    .await;
    let tls = client_cert(dir.path()).with_ca(other.path().join("ca.pem"));
    refused(
        "TLS: server certificate from another CA",
        server,
        tls,
        &["certificate"],
    )
    .await;
}

#[tokio::test]
async fn server_certificate_for_another_name() {
    let _serial = crate::support::serial();
    let Some(dir) = certs_for("DNS:daemon.test") else {
        return;
    };
    let server = TestServer::tls(
        certs::server_config(dir.path(), rustls::DEFAULT_VERSIONS, false),
        engine("1.51"),
    )
    .await;
    refused(
        "TLS: server certificate for another host name",
        server,
        Tls::from_dir(dir.path()),
        &["certificate", "check the TLS settings"],
    )
    .await;
}

#[tokio::test]
async fn expired_server_certificate() {
    let _serial = crate::support::serial();
    let Some(dir) = certs_for("IP:127.0.0.1") else {
        return;
    };
    certs::make_expired(dir.path(), "IP:127.0.0.1").unwrap();
    let server = TestServer::tls(
        certs::server_config_with(dir.path(), "expired", rustls::DEFAULT_VERSIONS, false),
        engine("1.51"),
    )
    .await;
    refused(
        "TLS: expired server certificate",
        server,
        Tls::from_dir(dir.path()),
        &["expired"],
    )
    .await;
}

#[tokio::test]
async fn missing_client_certificate_says_which_and_where() {
    let _serial = crate::support::serial();
    let Some(dir) = certs_for("IP:127.0.0.1") else {
        return;
    };
    for (version, versions) in [
        ("1.3", &[&rustls::version::TLS13][..]),
        ("1.2", &[&rustls::version::TLS12][..]),
    ] {
        let server = TestServer::tls(
            certs::server_config(dir.path(), versions, true),
            engine("1.51"),
        )
        .await;
        refused(
            &format!("TLS {version}: required client certificate missing"),
            server,
            Tls::new().with_ca(dir.path().join("ca.pem")),
            &["requires a client certificate", "DOCKER_CERT_PATH"],
        )
        .await;
    }
}

#[tokio::test]
async fn client_certificate_from_another_ca_names_it() {
    let _serial = crate::support::serial();
    let (Some(dir), Some(other)) = (certs_for("IP:127.0.0.1"), certs_for("IP:127.0.0.1")) else {
        return;
    };
    let server = TestServer::tls(
        certs::server_config(dir.path(), rustls::DEFAULT_VERSIONS, true),
        engine("1.51"),
    )
    .await;
    let cert = other.path().join("cert.pem");
    let tls = client_cert(other.path()).with_ca(dir.path().join("ca.pem"));
    refused(
        "TLS: client certificate the daemon does not trust",
        server,
        tls,
        &[cert.to_str().unwrap(), "DOCKER_CERT_PATH"],
    )
    .await;
}

#[tokio::test]
async fn server_refusing_session_resumption_costs_a_full_handshake() {
    let _serial = crate::support::serial();
    let Some(dir) = certs_for("IP:127.0.0.1") else {
        return;
    };
    let mut config = certs::server_config(dir.path(), rustls::DEFAULT_VERSIONS, true);
    // no session cache, no tickets: every handshake is a full one
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    let server = TestServer::tls(config, engine("1.51")).await;
    let docker = client(&server, Tls::from_dir(dir.path()));
    let before = Sample::now();
    for _ in 0..3 {
        // a response held open makes the next call open another connection
        let held = docker.get("/info").send().await.unwrap();
        docker
            .get("/version")
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        drop(held);
    }
    assert!(server.connections() >= 2, "{}", server.connections());
    assert!(server.handshake_failures().is_empty());
    Row::new("TLS: server refuses session resumption", ENGINE, before)
        .outcome(format!("ok: {} full handshakes", server.connections()))
        .record();
}
