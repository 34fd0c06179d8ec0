//! Exec and attach: hijacked connections against the live engine.

use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use tokio::io::AsyncWriteExt;
use wharf::container::AttachOptions;
use wharf::exec::{ExecOptions, StartOptions};
use wharf::stream::{LogOutput, Mode};
use wharf::ErrorKind;
use wharf_tests::engine::{engine, started, Engine, Scope};

/// A container that stays up until the scope removes it.
async fn sleeper(engine: &Engine, scope: &Scope) -> wharf::Container {
    let id = started(engine, scope, &["sleep", "600"], false).await;
    engine.docker.container(id)
}

#[tokio::test]
async fn exec_output_keeps_stdout_stderr_and_the_exit_code_apart() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "exec-output");
    let c = sleeper(&engine, &scope).await;
    let out = c
        .exec_output(["sh", "-c", "echo out; echo err >&2; exit 3"])
        .await
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n", "{engine}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "err\n", "{engine}");
    assert_eq!(out.exit_code, 3, "{engine}");

    // The same, copied to two writers as `docker exec` does.
    let exec = c
        .exec(ExecOptions::new([
            "sh",
            "-c",
            "echo out; echo err >&2; exit 3",
        ]))
        .await
        .unwrap();
    let (output, _input) = exec.start_attached(StartOptions::new()).await.unwrap();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let copied = output.copy_to(&mut stdout, &mut stderr).await.unwrap();
    assert_eq!(
        (&stdout[..], &stderr[..]),
        (&b"out\n"[..], &b"err\n"[..]),
        "{engine}"
    );
    assert_eq!((copied.stdout, copied.stderr), (4, 4), "{engine}");

    let quiet = c.exec_output(["true"]).await.unwrap();
    assert_eq!(quiet, wharf::exec::ExecOutput::default());

    // A command that runs and is not found by the shell is output, not an error.
    let missing = c.exec_output(["sh", "-c", "nosuch-cmd"]).await.unwrap();
    assert_eq!(missing.exit_code, 127, "{engine}");
    assert!(!missing.stderr.is_empty(), "{engine}");
}

#[tokio::test]
async fn an_exec_that_cannot_start_is_an_error() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "exec-nostart");
    let c = sleeper(&engine, &scope).await;
    let e = c.exec_output(["/no/such/program"]).await.unwrap_err();
    assert!(e.to_string().contains("/no/such/program"), "{engine}: {e}");
    assert!(
        e.message().is_some_and(|m| m.contains("/no/such/program")),
        "{engine}: the daemon's words are the message: {e:?}"
    );

    // A container that does not exist fails before any stream.
    let e = engine
        .docker
        .container("wharf-test-no-such-container")
        .exec_output(["true"])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{engine}: {e}");
}

#[tokio::test]
async fn stdin_round_trips_through_cat_and_ends_by_half_close() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "exec-stdin");
    let c = sleeper(&engine, &scope).await;
    let exec = c
        .exec(ExecOptions::new(["cat"]).attach_stdin(true))
        .await
        .unwrap();
    let (output, mut input) = exec
        .start_attached(StartOptions::new().stdin(true))
        .await
        .unwrap();
    assert_eq!(output.mode(), Mode::Multiplexed);
    let payload: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let reader = tokio::spawn(async move {
        let pieces: Vec<LogOutput> = output.try_collect().await.unwrap();
        pieces
    });
    input.write_all(&payload).await.unwrap();
    input.shutdown().await.unwrap();
    let pieces = tokio::time::timeout(Duration::from_secs(30), reader)
        .await
        .expect("cat exits after the half-close")
        .unwrap();
    let mut echoed = Vec::new();
    for p in pieces {
        assert!(p.is_stdout(), "{engine}: {p:?}");
        echoed.extend_from_slice(p.as_bytes());
    }
    assert_eq!(echoed.len(), payload.len(), "{engine}");
    assert!(echoed == payload, "{engine}: the bytes differ");
    let state = exec.inspect().await.unwrap();
    assert_eq!(state.exit_code, Some(0), "{engine}");
}

#[tokio::test]
async fn a_tty_exec_is_raw_and_resizes() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "exec-tty");
    let c = sleeper(&engine, &scope).await;
    let exec = c
        .exec(
            ExecOptions::new([
                "sh",
                "-c",
                "while read line; do [ \"$line\" = q ] && exit; stty size; done",
            ])
            .tty(true)
            .attach_stdin(true),
        )
        .await
        .unwrap();
    let (mut output, mut input) = exec
        .start_attached(StartOptions::new().console_size(31, 97).stdin(true))
        .await
        .unwrap();
    assert_eq!(output.mode(), Mode::Raw, "{engine}");
    let mut seen = String::new();
    // The first size is the one given at the start.
    input.write_all(b"1\r").await.unwrap();
    while !seen.contains("31 97") {
        let piece = tokio::time::timeout(Duration::from_secs(20), output.next())
            .await
            .unwrap_or_else(|_| panic!("{engine}: no size in {seen:?}"))
            .unwrap_or_else(|| panic!("{engine}: ended with {seen:?}"))
            .unwrap();
        assert!(piece.is_console(), "{piece:?}");
        seen.push_str(&piece.to_string());
    }
    exec.resize(42, 123).await.unwrap();
    // Docker has resized the TTY when the call returns; Podman hands the
    // size to conmon, which applies it a moment later: ask again until the
    // new size shows (or give up after 20 tries).
    let mut tries = 0;
    while !seen.contains("42 123") && tries < 20 {
        tries += 1;
        input.write_all(b"2\r").await.unwrap();
        let asked = seen.matches(" 97").count() + seen.matches("42 123").count();
        while seen.matches(" 97").count() + seen.matches("42 123").count() == asked {
            let piece = tokio::time::timeout(Duration::from_secs(20), output.next())
                .await
                .unwrap_or_else(|_| panic!("{engine}: no answer in {seen:?}"))
                .unwrap_or_else(|| panic!("{engine}: ended with {seen:?}"))
                .unwrap();
            seen.push_str(&piece.to_string());
        }
        if !seen.contains("42 123") {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert!(seen.contains("42 123"), "{engine}: {seen:?}");
    if tries > 1 {
        println!("{engine}: the new size showed after {tries} tries");
    }
    // A TTY's input does not end with the connection's: say so in-band.
    input.write_all(b"q\r").await.unwrap();
    while let Some(piece) = tokio::time::timeout(Duration::from_secs(20), output.next())
        .await
        .unwrap()
    {
        piece.unwrap();
    }
}

#[tokio::test]
async fn attach_reads_a_running_containers_output() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "attach");
    // Waits for the attach before writing, so nothing is missed.
    let id = started(
        &engine,
        &scope,
        &["sh", "-c", "sleep 2; echo to-out; echo to-err >&2; sleep 1"],
        false,
    )
    .await;
    let (output, _input) = engine
        .docker
        .container(&id)
        .attach(AttachOptions::new())
        .await
        .unwrap();
    assert_eq!(output.mode(), Mode::Multiplexed);
    let pieces: Vec<LogOutput> =
        tokio::time::timeout(Duration::from_secs(30), output.try_collect())
            .await
            .expect("the attach ends when the container stops")
            .unwrap();
    let text = |f: fn(&LogOutput) -> bool| {
        pieces
            .iter()
            .filter(|p| f(p))
            .map(|p| p.to_string())
            .collect::<String>()
    };
    assert_eq!(
        text(LogOutput::is_stdout),
        "to-out\n",
        "{engine}: {pieces:?}"
    );
    assert_eq!(
        text(LogOutput::is_stderr),
        "to-err\n",
        "{engine}: {pieces:?}"
    );
}
