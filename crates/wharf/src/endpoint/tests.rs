//! Resolution end to end: host URLs, the environment, contexts and TLS
//! files in temporary directories.

use std::path::{Path, PathBuf};

use super::context::context_id;
use super::host::{parse_host, redact, DEFAULT_HOST};
use super::*;
use crate::ErrorKind;

fn env(vars: &[(&str, &str)]) -> Environment {
    vars.iter().map(|(k, v)| (*k, *v)).collect()
}

#[test]
fn parses_hosts() {
    assert_eq!(
        parse_host("unix:///var/run/docker.sock").unwrap(),
        Host::Unix("/var/run/docker.sock".into())
    );
    assert_eq!(
        parse_host("unix://").unwrap(),
        Host::Unix("/var/run/docker.sock".into())
    );
    assert_eq!(
        parse_host("tcp://10.0.0.5:2376").unwrap(),
        Host::Tcp {
            host: "10.0.0.5".into(),
            port: Some(2376),
            path: String::new()
        }
    );
    assert_eq!(
        parse_host("TCP://docker.example/base/").unwrap(),
        Host::Tcp {
            host: "docker.example".into(),
            port: None,
            path: "/base".into()
        }
    );
    assert_eq!(
        parse_host("tcp://[::1]:80").unwrap(),
        Host::Tcp {
            host: "::1".into(),
            port: Some(80),
            path: String::new()
        }
    );
    assert_eq!(
        parse_host("tcp://:2375").unwrap(),
        Host::Tcp {
            host: "localhost".into(),
            port: Some(2375),
            path: String::new()
        }
    );
    assert_eq!(
        parse_host("10.1.2.3:2375").unwrap(),
        Host::Tcp {
            host: "10.1.2.3".into(),
            port: Some(2375),
            path: String::new()
        }
    );
    assert_eq!(
        parse_host("ssh://me@box:2222/run/user/1000/docker.sock").unwrap(),
        Host::Ssh(SshTarget {
            user: Some("me".into()),
            host: "box".into(),
            port: Some(2222),
            socket: Some("/run/user/1000/docker.sock".into()),
        })
    );
    assert_eq!(
        parse_host("ssh://box/").unwrap(),
        Host::Ssh(SshTarget {
            user: None,
            host: "box".into(),
            port: None,
            socket: None,
        })
    );
    assert_eq!(
        parse_host("npipe:////./pipe/docker_engine").unwrap(),
        Host::NamedPipe(r"\\.\pipe\docker_engine".into())
    );
}

#[test]
fn rejects_bad_hosts_with_reasons() {
    let cases = [
        ("", "empty"),
        ("ftp://x", "unknown scheme \"ftp\""),
        ("fd://", "listen address"),
        ("https://h:2376", "use tcp://h:2376"),
        ("/var/run/docker.sock", "unix:///var/run/docker.sock"),
        ("tcp://h:notaport", "port"),
        ("tcp://h:2375?x=1", "query"),
        ("ssh://", "empty"),
        ("ssh://box?x=1", "query"),
        ("ssh://box#f", "fragment"),
    ];
    for (input, needle) in cases {
        let reason = parse_host(input).unwrap_err();
        assert!(reason.contains(needle), "{input:?}: {reason}");
    }
}

#[test]
fn ssh_password_is_rejected_and_never_shown() {
    let e = Endpoint::from_host("ssh://me:hunter2@box", &Environment::empty()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    let (text, debug) = (e.to_string(), format!("{e:?}"));
    assert!(text.contains("password"), "{text}");
    assert!(text.contains("ssh://me:***@box"), "{text}");
    assert!(
        !text.contains("hunter2") && !debug.contains("hunter2"),
        "{debug}"
    );

    let e = Endpoint::from_host("tcp://me:hunter2@box:2375", &Environment::empty()).unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert!(!format!("{e:?}").contains("hunter2"));
}

#[test]
fn redaction() {
    assert_eq!(redact("ssh://u:p@h:22/x"), "ssh://u:***@h:22/x");
    assert_eq!(redact("ssh://u@h"), "ssh://u@h");
    assert_eq!(redact("unix:///a@b"), "unix:///a@b");
    assert_eq!(redact("plain"), "plain");
}

#[test]
fn urls_are_normalized() {
    let e = |h: &str| Endpoint::from_host(h, &Environment::empty()).unwrap();
    assert_eq!(e("tcp://h").url(), "tcp://h:2375");
    assert_eq!(e("tcp://[::1]:99/p").url(), "tcp://[::1]:99/p");
    assert_eq!(e("ssh://u@h:22/s.sock").url(), "ssh://u@h:22/s.sock");
    assert_eq!(e("unix:///x.sock").url(), "unix:///x.sock");
    assert_eq!(
        e("npipe:////./pipe/docker_engine").url(),
        "npipe:////./pipe/docker_engine"
    );
    let tls = e("tcp://h").with_tls(Some(Tls::new()));
    assert_eq!(tls.url(), "tcp://h:2376");
    assert_eq!(tls.tcp_origin().unwrap(), "https://h:2376");
    assert_eq!(e("tcp://h:1/p").tcp_origin().unwrap(), "http://h:1/p");
    // TLS never applies to sockets.
    assert!(e("unix:///x").with_tls(Some(Tls::new())).tls().is_none());
}

#[test]
fn default_when_nothing_is_set() {
    let e = Endpoint::resolve(&Environment::empty()).unwrap();
    assert_eq!(e.source(), &Source::Default);
    assert_eq!(e.url(), DEFAULT_HOST);
}

#[test]
fn docker_host_wins_over_context() {
    let e = Endpoint::resolve(&env(&[
        ("DOCKER_HOST", "tcp://h:1"),
        ("DOCKER_CONTEXT", "nope"),
    ]))
    .unwrap();
    assert_eq!(e.source(), &Source::Env("DOCKER_HOST"));
    assert_eq!(e.url(), "tcp://h:1");
}

#[test]
fn malformed_docker_host_names_variable_and_value() {
    let e = Endpoint::resolve(&env(&[("DOCKER_HOST", "bogus://x")])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    let text = e.to_string();
    assert!(text.contains("\"bogus://x\""), "{text}");
    assert!(text.contains("from DOCKER_HOST"), "{text}");
    assert!(text.contains("unix://, tcp://"), "{text}");
}

fn write(path: &Path, contents: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

fn write_context(config: &Path, name: &str, meta: &str) -> PathBuf {
    let id = context_id(name).unwrap();
    write(
        &config.join("contexts/meta").join(&id).join("meta.json"),
        meta,
    );
    config.join("contexts/tls").join(&id).join("docker")
}

#[test]
fn context_id_is_sha256_of_the_name() {
    // `printf default | sha256sum`
    assert_eq!(
        context_id("default").unwrap(),
        "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
    );
}

#[test]
fn context_from_docker_context() {
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = write_context(
        dir.path(),
        "remote",
        r#"{"Name":"remote","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://remote:2376","SkipTLSVerify":false}}}"#,
    );
    write(&tls_dir.join("ca.pem"), "x");
    write(&tls_dir.join("cert.pem"), "x");
    write(&tls_dir.join("key.pem"), "x");
    let e = Endpoint::resolve(&env(&[
        ("DOCKER_CONFIG", dir.path().to_str().unwrap()),
        ("DOCKER_CONTEXT", "remote"),
        // Context TLS is the context's own; the environment's is ignored.
        ("DOCKER_CERT_PATH", "/elsewhere"),
    ]))
    .unwrap();
    assert_eq!(e.source(), &Source::Context("remote".into()));
    assert_eq!(e.url(), "tcp://remote:2376");
    let tls = e.tls().unwrap();
    assert!(tls.verify());
    assert_eq!(tls.ca(), Some(tls_dir.join("ca.pem").as_path()));
    assert_eq!(tls.key(), Some(tls_dir.join("key.pem").as_path()));
}

#[test]
fn current_context_from_config_json_with_lowercase_keys() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("config.json"),
        r#"{"auths":{},"currentContext":"lab"}"#,
    );
    write_context(
        dir.path(),
        "lab",
        r#"{"name":"lab","endpoints":{"docker":{"host":"ssh://ops@lab","skipTLSVerify":true}}}"#,
    );
    let e = Endpoint::resolve(&env(&[("DOCKER_CONFIG", dir.path().to_str().unwrap())])).unwrap();
    assert_eq!(e.source(), &Source::Context("lab".into()));
    assert_eq!(e.url(), "ssh://ops@lab");
    assert!(e.tls().is_none());
}

#[test]
fn config_dir_defaults_to_home_dot_docker() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".docker/config.json"),
        r#"{"currentContext":"h"}"#,
    );
    write_context(
        &home.path().join(".docker"),
        "h",
        r#"{"Endpoints":{"docker":{"Host":"unix:///h.sock"}}}"#,
    );
    let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    let e = Endpoint::resolve(&env(&[(var, home.path().to_str().unwrap())])).unwrap();
    assert_eq!(e.url(), "unix:///h.sock");
}

#[test]
fn default_context_means_default_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("config.json"),
        r#"{"currentContext":"default"}"#,
    );
    let e = Endpoint::resolve(&env(&[("DOCKER_CONFIG", dir.path().to_str().unwrap())])).unwrap();
    assert_eq!(e.source(), &Source::Default);
    let e = Endpoint::from_context("default", &env(&[("DOCKER_HOST", "tcp://x:1")])).unwrap();
    assert_eq!(e.source(), &Source::Env("DOCKER_HOST"));
}

#[test]
fn context_without_host_uses_default_socket() {
    let dir = tempfile::tempdir().unwrap();
    write_context(dir.path(), "k8s", r#"{"Endpoints":{"docker":{}}}"#);
    let e = Endpoint::from_context(
        "k8s",
        &env(&[("DOCKER_CONFIG", dir.path().to_str().unwrap())]),
    )
    .unwrap();
    assert_eq!(e.url(), DEFAULT_HOST);
    assert_eq!(e.source(), &Source::Context("k8s".into()));
}

#[test]
fn missing_context_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let e = Endpoint::resolve(&env(&[
        ("DOCKER_CONFIG", dir.path().to_str().unwrap()),
        ("DOCKER_CONTEXT", "ghost"),
    ]))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    let text = e.to_string();
    assert!(text.contains("\"ghost\""), "{text}");
    assert!(text.contains("DOCKER_CONTEXT"), "{text}");
    assert!(text.contains("docker context ls"), "{text}");
}

#[test]
fn broken_context_meta_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write_context(dir.path(), "bad", "{not json");
    write_context(dir.path(), "nodocker", r#"{"Endpoints":{}}"#);
    write_context(
        dir.path(),
        "badhost",
        r#"{"Endpoints":{"docker":{"Host":"gopher://x"}}}"#,
    );
    write_context(
        dir.path(),
        "badskip",
        r#"{"Endpoints":{"docker":{"Host":"tcp://x","SkipTLSVerify":"yes"}}}"#,
    );
    let e = |name: &str| {
        Endpoint::from_context(
            name,
            &env(&[("DOCKER_CONFIG", dir.path().to_str().unwrap())]),
        )
        .unwrap_err()
    };
    for (name, needle) in [
        ("bad", "meta.json"),
        ("nodocker", "Endpoints.docker"),
        ("badhost", "gopher"),
        ("badskip", "SkipTLSVerify"),
    ] {
        let err = e(name);
        assert_eq!(err.kind(), ErrorKind::Config);
        let text = err.to_string();
        assert!(text.contains(needle), "{name}: {text}");
        assert!(text.contains("docker context create"), "{name}: {text}");
    }
}

#[test]
fn broken_config_json_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("config.json"), "{");
    let e =
        Endpoint::resolve(&env(&[("DOCKER_CONFIG", dir.path().to_str().unwrap())])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("config.json"), "{e}");
}

#[test]
fn tls_from_environment() {
    let certs = tempfile::tempdir().unwrap();
    write(&certs.path().join("cert.pem"), "x");
    write(&certs.path().join("key.pem"), "x");
    let certs_path = certs.path().to_str().unwrap();
    // Any non-empty value turns TLS and verification on, "0" included.
    for value in ["1", "0", "false"] {
        let e = Endpoint::resolve(&env(&[
            ("DOCKER_HOST", "tcp://h"),
            ("DOCKER_TLS_VERIFY", value),
            ("DOCKER_CERT_PATH", certs_path),
        ]))
        .unwrap();
        let tls = e.tls().unwrap();
        assert!(tls.verify());
        assert_eq!(tls.ca(), Some(certs.path().join("ca.pem").as_path()));
        assert_eq!(tls.cert(), Some(certs.path().join("cert.pem").as_path()));
        assert_eq!(e.url(), "tcp://h:2376");
    }
    // Empty means unset.
    let e = Endpoint::resolve(&env(&[
        ("DOCKER_HOST", "tcp://h"),
        ("DOCKER_TLS_VERIFY", ""),
    ]))
    .unwrap();
    assert!(e.tls().is_none());
    // DOCKER_TLS alone: TLS, and wharf still verifies.
    let e = Endpoint::resolve(&env(&[
        ("DOCKER_HOST", "tcp://h"),
        ("DOCKER_TLS", "1"),
        ("HOME", "/home/u"),
    ]))
    .unwrap();
    let tls = e.tls().unwrap();
    assert!(tls.verify());
    assert_eq!(tls.ca(), Some(Path::new("/home/u/.docker/ca.pem")));
    assert_eq!(tls.cert(), None);
    // Sockets ignore TLS settings.
    let e = Endpoint::resolve(&env(&[
        ("DOCKER_HOST", "unix:///s"),
        ("DOCKER_TLS_VERIFY", "1"),
        ("HOME", "/h"),
    ]))
    .unwrap();
    assert!(e.tls().is_none());
}

#[test]
fn environment_debug_shows_names_only() {
    let e = env(&[("DOCKER_HOST", "tcp://secret-host:1")]);
    let text = format!("{e:?}");
    assert!(
        text.contains("DOCKER_HOST") && !text.contains("secret-host"),
        "{text}"
    );
}

#[test]
fn a_missing_socket_asks_once_whether_the_daemon_runs() {
    let env = Environment::empty();
    for (endpoint, then) in [
        (
            Endpoint::resolve(&env).unwrap(),
            "Set DOCKER_HOST or choose a docker context",
        ),
        (
            Endpoint::resolve(&env.clone().set("DOCKER_HOST", "unix:///nowhere.sock")).unwrap(),
            "Check DOCKER_HOST, or unset it",
        ),
    ] {
        for kind in [
            std::io::ErrorKind::NotFound,
            std::io::ErrorKind::ConnectionRefused,
        ] {
            let e = crate::Error::connect(std::io::Error::from(kind)).with_endpoint(&endpoint);
            let text = e.to_string();
            assert_eq!(text.matches("daemon running").count(), 1, "{text}");
            assert!(text.contains(&format!("? {then}")), "{text}");
        }
    }
}
