//! One `docker.request` span per request, with method, path, status and
//! duration; no header values or bodies in it.

use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use wharf::endpoint::Environment;
use wharf::{ApiVersion, Docker};
use wharf_tests::server::{Reply, TestServer};

type Fields = Vec<(String, String)>;

/// Records every span's name and fields.
#[derive(Default)]
struct Capture {
    spans: Mutex<Vec<(String, Fields)>>,
}

struct Collect<'a>(&'a mut Fields);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Vec::new();
        span.record(&mut Collect(&mut fields));
        let mut spans = self.spans.lock().unwrap();
        spans.push((span.metadata().name().to_owned(), fields));
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, id: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        let (_, fields) = &mut spans[id.into_u64() as usize - 1];
        values.record(&mut Collect(fields));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn one_span_per_request() {
    let secret = "very-secret-auth-value";
    let server = TestServer::unix(|req| {
        if req.path.contains("nope") {
            Reply::json(404, r#"{"message":"No such container: nope"}"#)
        } else {
            Reply::json(200, r#"{"Id":"abc"}"#)
        }
    })
    .await;
    let capture = Arc::new(Capture::default());
    let _guard = tracing::subscriber::set_default(capture.clone());
    let docker = Docker::builder()
        .environment(Environment::empty().set("DOCKER_HOST", server.docker_host()))
        .api_version(ApiVersion::new(1, 51))
        .build()
        .unwrap();
    docker
        .post("/containers/create")
        .header("X-Registry-Auth", secret)
        .json(&serde_json::json!({ "Image": secret }))
        .send()
        .await
        .unwrap();
    let _ = docker.get("/containers/nope/json").send().await;

    let spans: Vec<_> = capture
        .spans
        .lock()
        .unwrap()
        .iter()
        .filter(|(name, _)| name == "docker.request")
        .cloned()
        .collect();
    assert_eq!(spans.len(), 2, "{spans:?}");
    let field = |i: usize, name: &str| {
        spans[i]
            .1
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field(0, "method").as_deref(), Some("POST"));
    assert_eq!(
        field(0, "path").as_deref(),
        Some("\"/v1.51/containers/create\"")
    );
    assert_eq!(field(0, "status").as_deref(), Some("200"));
    assert!(field(0, "duration_ms").is_some());
    assert_eq!(field(1, "status").as_deref(), Some("404"));
    assert!(!format!("{spans:?}").contains(secret));
}
