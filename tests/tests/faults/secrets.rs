//! Proxy credentials and TLS key material never appear in `Debug`, `Display`, errors or
//! tracing output at any level: every credentialed path runs under a subscriber that
//! keeps everything at TRACE, and the secrets are looked for in all of it.

use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use wharf::endpoint::{Environment, Tls};
use wharf::Docker;
use wharf_tests::certs;
use wharf_tests::faults::{Row, Sample};
use wharf_tests::proxy::{Mode, TestProxy};
use wharf_tests::server::{engine, TestServer};

const PROXY_SECRET: &str = "pr0xy-s3cret-Zq81";
const KEY_SECRET: &str = "S3cretKeyMaterialDoNotLeak";

/// Everything traced, at every level: span names and fields, event fields.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<String>>);

struct Text<'a>(&'a mut String);

impl Visit for Text<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut text = self.0.lock().unwrap();
        text.push_str(&format!("\nspan {}", span.metadata().name()));
        span.record(&mut Text(&mut text));
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        values.record(&mut Text(&mut self.0.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut text = self.0.lock().unwrap();
        text.push_str(&format!("\nevent {}", event.metadata().level()));
        event.record(&mut Text(&mut text));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// What a run showed: traced text, and every Debug/Display it produced.
#[derive(Default)]
struct Shown(Vec<String>);

impl Shown {
    fn add(&mut self, value: &(impl Debug + ?Sized)) {
        self.0.push(format!("{value:?}"));
        self.0.push(format!("{value:#?}"));
    }
    fn error(&mut self, e: &wharf::Error) {
        self.add(e);
        self.0.push(e.to_string());
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            self.0.push(format!("{s} {s:?}"));
            source = s.source();
        }
    }
}

fn port(server: &TestServer) -> u16 {
    server
        .docker_host()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn credentialed_paths(shown: &mut Shown, dir: &std::path::Path) {
    let userinfo = format!("user:{PROXY_SECRET}");
    // a tunnel that works, plain and TLS
    let plain = TestServer::tcp(engine("1.51")).await;
    let tls = TestServer::tls(
        certs::server_config(dir, rustls::DEFAULT_VERSIONS, true),
        engine("1.51"),
    )
    .await;
    let tunnel = TestProxy::start(Mode::Tunnel).await;
    for (server, tls) in [(&plain, None), (&tls, Some(Tls::from_dir(dir)))] {
        let variable = if tls.is_some() {
            "HTTPS_PROXY"
        } else {
            "HTTP_PROXY"
        };
        let mut builder = Docker::builder()
            .environment(Environment::empty().set(variable, tunnel.url(Some(&userinfo))))
            .host(format!("tcp://daemon.test:{}", port(server)));
        if let Some(tls) = tls {
            builder = builder.tls(tls);
        }
        let docker = builder.build().unwrap();
        shown.add(&docker);
        shown.add(docker.endpoint());
        docker.ping().await.unwrap();
        shown.add(
            &docker
                .get("/info")
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap(),
        );
        shown.add(&docker.api().await.unwrap().system_version().await.unwrap());
        let e = docker.container("nope").inspect().await;
        shown.add(&e.map(drop));
    }
    // a proxy that refuses, one that is not there, one of a scheme wharf cannot use
    let refusing = TestProxy::start(Mode::Refuse).await;
    let gone = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    for proxy in [
        refusing.url(Some(&userinfo)),
        format!("http://{userinfo}@{gone}"),
        format!("socks5://{userinfo}@{gone}"),
    ] {
        let built = Docker::builder()
            .environment(Environment::empty().set("HTTP_PROXY", proxy))
            .host(format!("tcp://daemon.test:{}", port(&plain)))
            .build();
        match built {
            Ok(docker) => {
                shown.add(&docker);
                let e = docker.ping().await.unwrap_err();
                shown.error(&e);
            }
            Err(e) => shown.error(&e),
        }
    }
    // key material: a key file holding a secret that is no key
    let bad = tempfile::tempdir().unwrap();
    for f in ["ca.pem", "cert.pem"] {
        std::fs::copy(dir.join(f), bad.path().join(f)).unwrap();
    }
    std::fs::write(
        bad.path().join("key.pem"),
        format!("-----BEGIN PRIVATE KEY-----\n{KEY_SECRET}\n-----END PRIVATE KEY-----\n"),
    )
    .unwrap();
    let e = Docker::builder()
        .environment(Environment::empty())
        .host(tls.docker_host())
        .tls(Tls::from_dir(bad.path()))
        .build()
        .unwrap_err();
    shown.error(&e);
}

#[tokio::test(flavor = "current_thread")]
async fn credentials_never_show() {
    let _serial = crate::support::serial();
    let dir = tempfile::tempdir().unwrap();
    if certs::make(dir.path(), "DNS:daemon.test").is_none() {
        assert!(std::env::var_os("CI").is_none(), "no openssl command");
        eprintln!("skipped: no openssl command to make test certificates");
        return;
    }
    let key = std::fs::read_to_string(dir.path().join("key.pem")).unwrap();
    let key_body: Vec<&str> = key.lines().filter(|l| !l.starts_with("-----")).collect();
    let before = Sample::now();
    let capture = Capture::default();
    let mut shown = Shown::default();
    {
        let _guard = tracing::subscriber::set_default(capture.clone());
        credentialed_paths(&mut shown, dir.path()).await;
    }
    let traced = capture.0.lock().unwrap().clone();
    assert!(
        traced.contains("docker.request"),
        "nothing traced: {traced}"
    );
    let everything = format!("{traced}\n{}", shown.0.join("\n"));
    for secret in [PROXY_SECRET, KEY_SECRET].iter().chain(&key_body) {
        assert!(
            !everything.contains(secret),
            "{secret:?} shown in:\n{everything}"
        );
    }
    Row::new(
        "secrets: proxy userinfo, client key, at TRACE",
        "local proxy + TLS server",
        before,
    )
    .outcome(format!(
        "ok: never shown in {} KiB of traces, Debug, Display and errors",
        everything.len() / 1024
    ))
    .record();
}
