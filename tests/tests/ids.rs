//! Every call that names a container puts its id into the URL as one
//! encoded path segment: an id can neither reach another endpoint nor add a
//! query. `.` and `..` are refused before anything is sent.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use wharf::container::{
    AttachOptions, CommitOptions, LogsOptions, Resources, UploadOptions, WebsocketAttachOptions,
};
use wharf::exec::ExecOptions;
use wharf::{Container, ErrorKind};
use wharf_tests::server::{client, engine, TestServer};

type Call = Pin<Box<dyn Future<Output = wharf::Result<()>> + Send>>;

/// Every call of a container handle that sends a request naming it, by name.
fn calls(c: &Container) -> Vec<(&'static str, Call)> {
    macro_rules! call {
        ($name:literal, |$c:ident| $body:expr) => {{
            let $c = c.clone();
            (
                $name,
                Box::pin(async move { $body.await.map(drop) }) as Call,
            )
        }};
    }
    vec![
        call!("inspect", |c| c.inspect()),
        call!("inspect_with_size", |c| c.inspect_with_size()),
        call!("start", |c| c.start()),
        call!("stop", |c| c.stop()),
        call!("restart", |c| c.restart()),
        call!("kill", |c| c.kill()),
        call!("signal", |c| c.signal("HUP")),
        call!("pause", |c| c.pause()),
        call!("unpause", |c| c.unpause()),
        call!("rename", |c| c.rename("other")),
        call!(
            "update",
            |c| async move { c.update(&Resources::new()).await }
        ),
        call!("remove", |c| c.remove()),
        call!("resize_tty", |c| c.resize_tty(24, 80)),
        call!("top", |c| c.top()),
        call!("top_with", |c| c.top_with("aux")),
        call!("changes", |c| c.changes()),
        call!("port", |c| c.port("80/tcp")),
        call!("wait", |c| c.wait()),
        call!("logs", |c| c.logs(LogsOptions::new().stdout(true))),
        call!("stats", |c| c.stats()),
        call!("stats_stream", |c| c.stats_stream()),
        call!("attach", |c| c.attach(AttachOptions::new())),
        call!("attach_websocket", |c| c
            .attach_websocket(WebsocketAttachOptions::new())),
        call!("exec", |c| c.exec(ExecOptions::new(["true"]))),
        call!("exec_output", |c| c.exec_output(["true"])),
        call!("upload", |c| async move {
            c.upload("/srv", Vec::new(), &UploadOptions::new()).await
        }),
        call!("download", |c| c.download("/etc")),
        call!("archive_info", |c| c.archive_info("/etc")),
        call!("export", |c| async move { c.export().await.map(drop) }),
        call!("commit", |c| async move {
            c.commit(&CommitOptions::new()).await
        }),
    ]
}

/// The id as one path segment: everything but RFC 3986's unreserved
/// characters percent-encoded.
fn segment(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

const IDS: &[&str] = &[
    "web",
    "a/b",
    "x/../../containers/prune?filters=x&y=",
    "q?all=1",
    "frag#ment",
    "100%",
    "../other",
    "missing/../other",
    "a\\..\\..\\info",
    "...",
    "has space",
    "other\n",
    "line\r\nX-Injected: 1",
    "café-☃",
];

#[tokio::test]
async fn every_call_sends_the_id_as_one_encoded_segment() {
    let server = TestServer::unix(engine("1.51")).await;
    let docker = client(&server.docker_host());
    for id in IDS {
        let container = docker.container(*id);
        for (name, call) in calls(&container) {
            let before = server.requests().len();
            // the answers are `{}` or errors: only the requests matter here
            let _ = tokio::time::timeout(Duration::from_secs(5), call).await;
            let sent = &server.requests()[before..];
            assert!(!sent.is_empty(), "{name}({id:?}) sent nothing");
            for request in sent {
                let target = &request.path;
                if target == "/_ping" {
                    continue;
                }
                let (path, query) = target.split_once('?').unwrap_or((target, ""));
                if name == "commit" {
                    // the container is a query value there, form-encoded
                    assert_eq!(path, "/v1.51/commit", "{name}({id:?})");
                    let pairs: Vec<(String, String)> = query
                        .split('&')
                        .filter_map(|p| p.split_once('='))
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect();
                    assert_eq!(pairs.iter().filter(|(k, _)| k == "container").count(), 1);
                    continue;
                }
                let prefix = format!("/v1.51/containers/{}", segment(id));
                let rest = path.strip_prefix(&prefix).unwrap_or_else(|| {
                    panic!("{name}({id:?}) sent {target:?}, not under {prefix:?}")
                });
                assert!(
                    rest.is_empty()
                        || (rest.starts_with('/')
                            && rest[1..]
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c == '/')),
                    "{name}({id:?}) sent {target:?}"
                );
                assert!(
                    !query.contains("filters=") && !query.contains("all=1"),
                    "{name}({id:?}) added a query: {target:?}"
                );
                assert!(
                    request.header("x-injected").is_none(),
                    "{name}({id:?}) injected a header"
                );
            }
        }
    }
}

#[tokio::test]
async fn dot_ids_are_refused_before_anything_is_sent() {
    let server = TestServer::unix(engine("1.51")).await;
    let docker = client(&server.docker_host());
    for id in ["", ".", "..", "/.", "/.."] {
        let container = docker.container(id);
        for (name, call) in calls(&container) {
            let e = tokio::time::timeout(Duration::from_secs(5), call)
                .await
                .unwrap_or_else(|_| panic!("{name}({id:?}) hung"))
                .expect_err(name);
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{name}({id:?}): {e}");
            assert!(e.to_string().contains("is not an id or name"), "{e}");
        }
    }
    let sent: Vec<String> = server
        .request_lines()
        .into_iter()
        .filter(|l| !l.contains("/_ping"))
        .collect();
    assert!(sent.is_empty(), "sent {sent:?}");
}
