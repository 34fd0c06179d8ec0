//! `tcp://` endpoints through an HTTP proxy named by the environment, with
//! a small `CONNECT` proxy written here.
//!
//! The daemon is called `daemon.test`, a name only the proxy knows (it
//! connects to the test server on 127.0.0.1 instead): the client never
//! resolves it, and a loopback address would never be proxied anyway.

use std::path::Path;

use tokio::net::TcpListener;

use wharf::endpoint::{Environment, Tls};
use wharf::{Docker, ErrorKind};
use wharf_tests::certs;
use wharf_tests::proxy::{header, Mode, TestProxy};
use wharf_tests::server::{engine, get_body, TestServer};

/// The port of a test server (`tcp://127.0.0.1:port`).
fn port(server: &TestServer) -> u16 {
    server
        .docker_host()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn requests_go_through_the_proxy() {
    let server = TestServer::tcp(engine("1.45")).await;
    let proxy = TestProxy::start(Mode::Tunnel).await;
    let daemon = format!("daemon.test:{}", port(&server));
    let env = Environment::empty()
        .set("HTTP_PROXY", proxy.url(Some("user:p%40ss")))
        // The TLS variable is not for plain endpoints.
        .set("HTTPS_PROXY", "http://127.0.0.1:1");
    let docker = Docker::builder()
        .environment(env)
        .host(format!("tcp://{daemon}"))
        .build()
        .unwrap();
    docker.ping().await.unwrap();
    get_body(&docker, "/info").await;

    // One tunnel, kept alive for both requests.
    assert_eq!(
        proxy.request_lines(),
        [format!("CONNECT {daemon} HTTP/1.1")]
    );
    let head = &proxy.heads()[0];
    assert_eq!(header(head, "host"), Some(daemon.as_str()), "{head}");
    // base64("user:p@ss")
    assert_eq!(
        header(head, "proxy-authorization"),
        Some("Basic dXNlcjpwQHNz"),
        "{head}"
    );
    assert_eq!(server.request_lines(), ["HEAD /_ping", "GET /v1.45/info"]);
    let requests = server.requests();
    assert_eq!(requests[1].header("host"), Some(daemon.as_str()));
    assert!(requests[1].header("proxy-authorization").is_none());
    assert_eq!(server.connections(), 1);

    // The generated client's requests take the same tunnel: one transport.
    let api = docker.api().await.unwrap();
    api.system_version().await.unwrap();
    assert_eq!(proxy.request_lines().len(), 1);
    assert_eq!(server.connections(), 1);
    assert_eq!(server.request_lines().last().unwrap(), "GET /v1.45/version");
}

/// `0.0.0.0` is not a loopback address, so it may be proxied, and on Linux
/// connecting to it reaches a server on 127.0.0.1: the same endpoint goes
/// through the proxy or not as `NO_PROXY` says.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn no_proxy_bypasses_the_proxy() {
    let server = TestServer::tcp(engine("1.45")).await;
    let proxy = TestProxy::start(Mode::Tunnel).await;
    let host = format!("tcp://0.0.0.0:{}", port(&server));
    let client = |no_proxy: &str| {
        let env = Environment::empty()
            .set("HTTP_PROXY", proxy.url(None))
            .set("NO_PROXY", no_proxy);
        Docker::builder()
            .environment(env)
            .host(host.clone())
            .build()
            .unwrap()
    };

    client("example.com, 10.0.0.0/8")
        .get("/info")
        .send()
        .await
        .unwrap();
    assert_eq!(proxy.request_lines().len(), 1);

    for no_proxy in ["0.0.0.0", " example.com , 0.0.0.0/8", "*"] {
        client(no_proxy).get("/info").send().await.unwrap();
        assert_eq!(proxy.request_lines().len(), 1, "NO_PROXY={no_proxy}");
    }
    assert_eq!(server.connections(), 4);
}

#[tokio::test]
async fn local_endpoints_never_use_the_proxy() {
    let proxy = TestProxy::start(Mode::Tunnel).await;
    let env = Environment::empty()
        .set("HTTP_PROXY", proxy.url(None))
        .set("HTTPS_PROXY", proxy.url(None));
    let tcp = TestServer::tcp(engine("1.45")).await;
    let unix = TestServer::unix(engine("1.45")).await;
    for host in [
        tcp.docker_host(),
        format!("tcp://localhost:{}", port(&tcp)),
        unix.docker_host(),
    ] {
        let docker = Docker::builder()
            .environment(env.clone())
            .host(host.clone())
            .build()
            .unwrap();
        docker.get("/info").send().await.unwrap();
        docker.api().await.unwrap().system_version().await.unwrap();
    }
    assert!(proxy.heads().is_empty(), "{:?}", proxy.heads());
}

#[tokio::test]
async fn refused_tunnel_is_a_connect_error_without_the_password() {
    let secret = "hunter2-proxy-password";
    let server = TestServer::tcp(engine("1.45")).await;
    let proxy = TestProxy::start(Mode::Refuse).await;
    let docker = Docker::builder()
        .environment(
            Environment::empty().set("HTTP_PROXY", proxy.url(Some(&format!("user:{secret}")))),
        )
        .host(format!("tcp://daemon.test:{}", port(&server)))
        .build()
        .unwrap();
    assert!(!format!("{docker:?}").contains(secret));
    let e = docker.ping().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect, "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains(&format!("proxy http://{} (from HTTP_PROXY)", proxy.addr)),
        "{text}"
    );
    assert!(
        text.contains("HTTP/1.1 407 Proxy Authentication Required"),
        "{text}"
    );
    for text in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
        assert!(!text.contains(secret), "{text}");
    }
    // The proxy did get the credentials.
    assert!(header(&proxy.heads()[0], "proxy-authorization").is_some());
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn unreachable_proxy_is_a_connect_error_naming_it() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let docker = Docker::builder()
        .environment(Environment::empty().set("http_proxy", addr.to_string()))
        .host("tcp://daemon.test:2375")
        .build()
        .unwrap();
    let e = docker.get("/info").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect, "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains(&format!(
            "cannot reach the proxy http://{addr} (from http_proxy)"
        )),
        "{text}"
    );
    assert!(text.contains("tcp://daemon.test:2375"), "{text}");
}

#[test]
fn unsupported_proxy_scheme_is_a_config_error() {
    let secret = "hunter2-proxy-password";
    let e = Docker::builder()
        .environment(Environment::empty().set(
            "HTTPS_PROXY",
            format!("socks5://user:{secret}@proxy.corp:1080"),
        ))
        .host("tcp://docker.example:2376")
        .tls(Tls::new().with_verify(false))
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    let text = e.to_string();
    assert!(text.contains("HTTPS_PROXY"), "{text}");
    assert!(text.contains("socks5://"), "{text}");
    assert!(text.contains("http://"), "{text}");
    for text in [e.to_string(), format!("{e:?}")] {
        assert!(!text.contains(secret), "{text}");
    }
}

fn server_config(dir: &Path) -> rustls::ServerConfig {
    certs::server_config(dir, rustls::DEFAULT_VERSIONS, false)
}

#[tokio::test]
async fn tls_through_the_proxy_verifies_the_daemon() {
    let dir = tempfile::tempdir().unwrap();
    if certs::make(dir.path(), "DNS:daemon.test").is_none() {
        eprintln!("skipped: no openssl command to make test certificates");
        return;
    }
    let server = TestServer::tls(server_config(dir.path()), engine("1.51")).await;
    let proxy = TestProxy::start(Mode::Tunnel).await;
    let daemon = format!("daemon.test:{}", port(&server));
    let env = Environment::empty()
        .set("https_proxy", proxy.url(Some("user:pw")))
        // The plain variable is not for TLS endpoints.
        .set("HTTP_PROXY", "http://127.0.0.1:1");
    let docker = Docker::builder()
        .environment(env)
        .host(format!("tcp://{daemon}"))
        .tls(Tls::new().with_ca(dir.path().join("ca.pem")))
        .build()
        .unwrap();
    docker.ping().await.unwrap();
    docker.get("/info").send().await.unwrap();
    // The generated client tunnels too.
    docker.api().await.unwrap().system_version().await.unwrap();

    let connect = format!("CONNECT {daemon} HTTP/1.1");
    let lines = proxy.request_lines();
    assert!(
        !lines.is_empty() && lines.iter().all(|l| *l == connect),
        "{lines:?}"
    );
    assert_eq!(
        server.request_lines(),
        ["HEAD /_ping", "GET /v1.51/info", "GET /v1.51/version"]
    );
    assert!(server.handshake_failures().is_empty());
}

#[tokio::test]
async fn tls_failure_through_the_proxy_says_so() {
    let dir = tempfile::tempdir().unwrap();
    if certs::make(dir.path(), "DNS:daemon.test").is_none() {
        eprintln!("skipped: no openssl command to make test certificates");
        return;
    }
    let server = TestServer::tls(server_config(dir.path()), engine("1.51")).await;
    let proxy = TestProxy::start(Mode::Tunnel).await;
    // The system roots do not know the test CA.
    let docker = Docker::builder()
        .environment(Environment::empty().set("HTTPS_PROXY", proxy.url(None)))
        .host(format!("tcp://daemon.test:{}", port(&server)))
        .tls(Tls::new())
        .build()
        .unwrap();
    let e = docker.ping().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect, "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains(&format!(
            "through the proxy http://{} (from HTTPS_PROXY)",
            proxy.addr
        )),
        "{text}"
    );
    assert!(text.contains("certificate"), "{text}");
    assert!(server.requests().is_empty());
}
