//! The websocket attach (`GET /containers/{id}/attach/ws`) against the live engine.
//!
//! Docker serves it (moby's `wsContainersAttach`); Podman 4.3's Docker-compatible API has
//! no such route and answers `404 Not Found` with the text body `Not Found`, for any
//! container.

use std::io::Write;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use tokio::io::AsyncWriteExt;
use wharf::container::{ContainerSpec, WebsocketAttachOptions};
use wharf::stream::LogOutput;
use wharf::websocket::Output;
use wharf::{Container, ErrorKind};
use wharf_tests::engine::{engine, started, test_image, Engine, Flavor, Scope};

/// On Podman: checks that the attach is refused as Podman 4.3 refuses it, says so on
/// stderr and returns true.
async fn refused_by_podman(engine: &Engine, c: &Container) -> bool {
    if engine.flavor != Flavor::Podman {
        return false;
    }
    let e = c
        .attach_websocket(WebsocketAttachOptions::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{engine}: {e}");
    assert_eq!(e.status(), Some(404), "{engine}: {e}");
    assert_eq!(e.message(), Some("Not Found"), "{engine}: {e}");
    let _ = writeln!(
        std::io::stderr(),
        "on {engine}: no websocket attach: Podman 4.3 has no /containers/{{id}}/attach/ws \
         route and answers 404 `Not Found` ({e})"
    );
    true
}

/// Reads output until the text read so far ends with `end`; every piece is console bytes.
async fn read_until(engine: &Engine, output: &mut Output, end: &str) -> String {
    let mut text = String::new();
    while !text.ends_with(end) {
        let piece = tokio::time::timeout(Duration::from_secs(20), output.next())
            .await
            .unwrap_or_else(|_| panic!("{engine}: no {end:?} within 20 s, read {text:?}"))
            .unwrap_or_else(|| panic!("{engine}: the output ended before {end:?}, read {text:?}"))
            .unwrap();
        assert!(piece.is_console(), "{engine}: {piece:?}");
        text.push_str(&piece.to_string());
    }
    text
}

#[tokio::test]
async fn attach_ws_round_trips_stdin_through_cat_and_the_close_ends_the_attach() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "attach-ws-cat");
    let spec = ContainerSpec::new(test_image(&engine).await)
        .name(scope.name("c"))
        .cmd(["cat"])
        .open_stdin(true)
        .labels(scope.labels());
    let c = engine
        .docker
        .containers()
        .run(&spec)
        .await
        .unwrap()
        .container;
    if refused_by_podman(&engine, &c).await {
        return;
    }

    let (mut output, mut input) = c
        .attach_websocket(WebsocketAttachOptions::new().stdin(true))
        .await
        .unwrap();
    input.send("hello\n").await.unwrap();
    assert_eq!(read_until(&engine, &mut output, "hello\n").await, "hello\n");
    // As an AsyncWrite: each write is one message.
    input.write_all(b"world\n").await.unwrap();
    assert_eq!(read_until(&engine, &mut output, "world\n").await, "world\n");

    // The close is the end of stdin; the daemon ends the attach with a close of its own.
    input.close().await.unwrap();
    let rest: Vec<LogOutput> = tokio::time::timeout(Duration::from_secs(20), output.try_collect())
        .await
        .unwrap_or_else(|_| panic!("{engine}: the output goes on after the close"))
        .unwrap_or_else(|e| panic!("{engine}: the output ends in an error: {e:?}"));
    assert!(rest.is_empty(), "{engine}: {rest:?}");

    // Only the attach ended: cat still runs, its stdin still open.
    let state = c.inspect().await.unwrap().state.unwrap();
    assert_eq!(state.running, Some(true), "{engine}: {state:?}");
}

#[tokio::test]
async fn attach_ws_output_mixes_stdout_and_stderr_ends_with_the_container_and_replays() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "attach-ws-out");
    // Waits for the attach before writing, so nothing is missed.
    let id = started(
        &engine,
        &scope,
        &["sh", "-c", "sleep 2; echo to-out; echo to-err >&2; sleep 1"],
        false,
    )
    .await;
    let c = engine.docker.container(&id);
    if refused_by_podman(&engine, &c).await {
        return;
    }
    let (output, _input) = c
        .attach_websocket(WebsocketAttachOptions::new())
        .await
        .unwrap();
    let pieces: Vec<LogOutput> =
        tokio::time::timeout(Duration::from_secs(30), output.try_collect())
            .await
            .unwrap_or_else(|_| panic!("{engine}: the attach goes on after the container stopped"))
            .unwrap_or_else(|e| panic!("{engine}: the output ends in an error: {e:?}"));
    assert!(
        pieces.iter().all(LogOutput::is_console),
        "{engine}: {pieces:?}"
    );
    let text: String = pieces.iter().map(|p| p.to_string()).collect();
    // One socket for both streams: two writers, so either order.
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    assert_eq!(lines, ["to-err", "to-out"], "{engine}: {pieces:?}");

    // The logged output only, without streaming: replayed, then the daemon closes.
    let (output, _input) = c
        .attach_websocket(WebsocketAttachOptions::new().logs(true).stream(false))
        .await
        .unwrap();
    let replayed: Vec<LogOutput> =
        tokio::time::timeout(Duration::from_secs(20), output.try_collect())
            .await
            .unwrap_or_else(|_| panic!("{engine}: a replay without streaming goes on"))
            .unwrap();
    let text: String = replayed.iter().map(|p| p.to_string()).collect();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    assert_eq!(lines, ["to-err", "to-out"], "{engine}: {replayed:?}");
}

#[tokio::test]
async fn attach_ws_to_a_missing_container_is_not_found() {
    let Some(engine) = engine().await else { return };
    let e = engine
        .docker
        .container("wharf-test-no-such-container")
        .attach_websocket(WebsocketAttachOptions::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{engine}: {e}");
    assert_eq!(e.status(), Some(404), "{engine}: {e}");
}
