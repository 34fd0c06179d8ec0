//! `Container::logs` against a server that writes the answer byte for byte:
//! however a multiplexed body is cut into HTTP chunks, and however those
//! arrive, the same output comes out, and a broken body gives a typed error
//! after the output that came before it.
//!
//! dockerd writes one frame per chunk; the client reads the body as the
//! generated operation's byte stream, pieces as they arrive whatever the
//! chunks, and its decoder gathers a frame of up to 32 KiB into one piece.
//! These tests cut the body every way, frames within reads and across them.

use std::sync::atomic::Ordering;

use futures_util::StreamExt;
use tokio::io::BufWriter;
use wharf::container::LogsOptions;
use wharf::stream::{Copied, LogOutput};
use wharf::{Docker, ErrorKind};
use wharf_tests::server::raw_server;

const HEAD: &str = "HTTP/1.1 200 OK\r\n\
    Content-Type: application/vnd.docker.multiplexed-stream\r\n\
    Api-Version: 1.51\r\n\
    Transfer-Encoding: chunked\r\n\r\n";

/// One frame as dockerd writes it.
fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![kind, 0, 0, 0];
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// One HTTP chunk; `size` writes its size line (`{:x}` by default).
fn chunk(data: &[u8], size: &str) -> Vec<u8> {
    let mut out = size.as_bytes().to_vec();
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

/// Each frame in a chunk of its own, as dockerd writes them.
fn chunk_per_frame(frames: &[(u8, Vec<u8>)]) -> Vec<Vec<u8>> {
    frames
        .iter()
        .map(|(k, p)| {
            let f = frame(*k, p);
            chunk(&f, &format!("{:x}", f.len()))
        })
        .collect()
}

/// The whole answer: head, the chunks, the last chunk.
fn answer(chunks: &[Vec<u8>]) -> Vec<u8> {
    let mut out = HEAD.as_bytes().to_vec();
    for c in chunks {
        out.extend_from_slice(c);
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// `(type byte, bytes)` with consecutive pieces of the same stream joined:
/// where pieces are cut is not part of the contract, their order is.
fn joined(pieces: impl IntoIterator<Item = (u8, Vec<u8>)>) -> Vec<(u8, Vec<u8>)> {
    let mut out: Vec<(u8, Vec<u8>)> = Vec::new();
    for (kind, bytes) in pieces {
        if bytes.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some((k, b)) if *k == kind => b.extend_from_slice(&bytes),
            _ => out.push((kind, bytes)),
        }
    }
    out
}

fn kind_of(piece: &LogOutput) -> u8 {
    match piece {
        LogOutput::Stdin(_) => 0,
        LogOutput::Stdout(_) => 1,
        LogOutput::Stderr(_) => 2,
        LogOutput::SystemError(_) => 3,
        LogOutput::Console(_) => 9,
    }
}

/// Reads the logs to their end: the pieces, and the error that ended them.
async fn read_logs(docker: &Docker) -> (Vec<(u8, Vec<u8>)>, Option<wharf::Error>) {
    let mut logs = docker
        .container("web")
        .logs(LogsOptions::new())
        .await
        .expect("the logs answer");
    let mut pieces = Vec::new();
    while let Some(piece) = logs.next().await {
        match piece {
            Ok(piece) => {
                assert!(!piece.is_empty(), "no empty pieces");
                pieces.push((kind_of(&piece), piece.as_bytes().to_vec()));
            }
            Err(e) => {
                assert!(logs.next().await.is_none(), "nothing after an error");
                return (pieces, Some(e));
            }
        }
    }
    (pieces, None)
}

/// Copies the logs with [`LogStream::copy_to`] into two buffered writers:
/// what reached each (so only what was flushed), and the result.
///
/// [`LogStream::copy_to`]: wharf::container::LogStream::copy_to
async fn copy_logs(docker: &Docker) -> (Vec<u8>, Vec<u8>, wharf::Result<Copied>) {
    let logs = docker
        .container("web")
        .logs(LogsOptions::new())
        .await
        .expect("the logs answer");
    let (mut out, mut err) = (BufWriter::new(Vec::new()), BufWriter::new(Vec::new()));
    let result = logs.copy_to(&mut out, &mut err).await;
    (out.into_inner(), err.into_inner(), result)
}

/// What `copy_to` should write: stdin and stdout frames to stdout, stderr
/// frames to stderr, in order; and the daemon's error frames' text.
fn split(frames: &[(u8, Vec<u8>)]) -> (Vec<u8>, Vec<u8>, String) {
    let (mut out, mut err, mut system) = (Vec::new(), Vec::new(), Vec::new());
    for (kind, payload) in frames {
        match kind {
            0 | 1 => out.extend_from_slice(payload),
            2 => err.extend_from_slice(payload),
            _ => system.extend_from_slice(payload),
        }
    }
    (out, err, String::from_utf8(system).unwrap())
}

/// Frames of every kind and size: empty ones, one byte, a system error,
/// and payloads larger than a read.
fn frames(large: bool) -> Vec<(u8, Vec<u8>)> {
    let mut list = vec![
        (1, b"hello\n".to_vec()),
        (2, b"oops\n".to_vec()),
        (1, Vec::new()),
        (1, b"x".to_vec()),
        (1, b"\x01\0\0\0\0\0\0\x05looks like a header\n".to_vec()),
        (3, b"Error grabbing logs: bad log line".to_vec()),
        (0, b"echoed stdin\n".to_vec()),
        (2, (0..300).map(|i| b'a' + (i % 26) as u8).collect()),
    ];
    if large {
        list.push((1, (0..40_000).map(|i| (i % 251) as u8).collect()));
        list.push((2, (0..150_000).map(|i| (i % 241) as u8).collect()));
    }
    list.push((1, b"the end\n".to_vec()));
    list
}

/// The ways a body can be cut into chunks.
fn layouts(frames: &[(u8, Vec<u8>)]) -> Vec<(&'static str, Vec<Vec<u8>>)> {
    let encoded: Vec<Vec<u8>> = frames.iter().map(|(k, p)| frame(*k, p)).collect();
    let stream = encoded.concat();
    let mut out = vec![
        (
            "a chunk per frame",
            encoded
                .iter()
                .map(|f| chunk(f, &format!("{:x}", f.len())))
                .collect(),
        ),
        (
            "one chunk",
            vec![chunk(&stream, &format!("{:x}", stream.len()))],
        ),
        (
            "a chunk per frame, size lines in upper case or with extensions",
            encoded
                .iter()
                .enumerate()
                .map(|(i, f)| match i % 3 {
                    0 => chunk(f, &format!("{:X}", f.len())),
                    1 => chunk(f, &format!("{:x};name=value", f.len())),
                    _ => chunk(f, &format!("{:04x}", f.len())),
                })
                .collect(),
        ),
        (
            "two frames per chunk",
            encoded
                .chunks(2)
                .map(|pair| {
                    let data = pair.concat();
                    chunk(&data, &format!("{:x}", data.len()))
                })
                .collect(),
        ),
    ];
    for size in [1, 5, 8, 13, 100] {
        out.push((
            "chunks cutting across frames",
            stream
                .chunks(size)
                .map(|c| chunk(c, &format!("{:x}", c.len())))
                .collect(),
        ));
    }
    out
}

#[tokio::test]
async fn every_cut_of_the_body_gives_the_same_output() {
    for large in [false, true] {
        let frames = frames(large);
        let want = joined(frames.clone());
        // Writing large bodies a byte at a time takes too long.
        let pieces: &[usize] = if large {
            &[1000, 65536]
        } else {
            &[1, 7, 64, 1000, 65536]
        };
        for (name, chunks) in layouts(&frames) {
            for &piece in pieces {
                let (_dir, docker, connections) = raw_server(answer(&chunks), piece, false).await;
                let (got, error) = read_logs(&docker).await;
                assert!(error.is_none(), "{name}, {piece}-byte writes: {error:?}");
                assert!(
                    joined(got) == want,
                    "{name}, {piece}-byte writes: the output differs"
                );
                // The body was read to its end: the connection is reused.
                let (again, _) = read_logs(&docker).await;
                assert!(joined(again) == want, "{name}: the second read differs");
                assert_eq!(connections.load(Ordering::SeqCst), 1, "{name}, {piece}");
                // Copied, everything arrives too, the output after the
                // daemon's error frame included; the error comes last.
                let (out, err, result) = copy_logs(&docker).await;
                let (want_out, want_err, system) = split(&frames);
                assert!(
                    out == want_out,
                    "{name}, {piece}-byte writes: stdout differs"
                );
                assert!(
                    err == want_err,
                    "{name}, {piece}-byte writes: stderr differs"
                );
                let error = result.expect_err("the daemon's error frame");
                assert_eq!(error.kind(), ErrorKind::Server, "{error}");
                assert_eq!(error.message(), Some(system.as_str()));
            }
        }
    }
}

#[tokio::test]
async fn a_chunk_per_frame_gives_a_piece_per_frame() {
    // The shape dockerd sends: each frame that arrives whole comes out as
    // one piece; one the network cuts up comes out as it arrives, in order.
    let frames = frames(false);
    let chunks = chunk_per_frame(&frames);
    let want: Vec<(u8, Vec<u8>)> = frames
        .iter()
        .filter(|(_, p)| !p.is_empty())
        .cloned()
        .collect();
    /// Adjacent pieces of one stream, joined.
    fn joined(pieces: &[(u8, Vec<u8>)]) -> Vec<(u8, Vec<u8>)> {
        let mut out: Vec<(u8, Vec<u8>)> = Vec::new();
        for (stream, bytes) in pieces {
            match out.last_mut() {
                Some((last, joined)) if last == stream => joined.extend_from_slice(bytes),
                _ => out.push((*stream, bytes.clone())),
            }
        }
        out
    }
    for piece in [7, 65536] {
        let (_dir, docker, _) = raw_server(answer(&chunks), piece, false).await;
        let (got, error) = read_logs(&docker).await;
        assert!(error.is_none(), "{error:?}");
        if piece == 65536 {
            assert_eq!(got, want, "{piece}-byte writes");
        } else {
            assert_eq!(joined(&got), joined(&want), "{piece}-byte writes");
        }
    }
}

#[tokio::test]
async fn a_body_cut_inside_a_frame_gives_its_data_then_a_protocol_error() {
    let first = frame(1, b"hello\n");
    let second = frame(2, b"a line that never ends\n");
    let mut body = HEAD.as_bytes().to_vec();
    body.extend_from_slice(&chunk(&first, &format!("{:x}", first.len())));
    body.extend_from_slice(format!("{:x}\r\n", second.len()).as_bytes());
    body.extend_from_slice(&second[..14]);
    for piece in [1, 5, 4096] {
        let (_dir, docker, _) = raw_server(body.clone(), piece, true).await;
        let (got, error) = read_logs(&docker).await;
        let error = error.expect("an error at the cut");
        assert_eq!(error.kind(), ErrorKind::Protocol, "{error}");
        assert_eq!(
            joined(got),
            [(1, b"hello\n".to_vec()), (2, b"a line".to_vec())],
            "{piece}-byte writes"
        );
        let (out, err, result) = copy_logs(&docker).await;
        let error = result.expect_err("an error at the cut");
        assert_eq!(error.kind(), ErrorKind::Protocol, "{error}");
        assert_eq!(out, b"hello\n", "{piece}-byte writes");
        // What came of the cut frame was written, and flushed.
        assert_eq!(err, b"a line", "{piece}-byte writes");
    }
}

#[tokio::test]
async fn a_bad_frame_header_is_a_protocol_error_after_the_frames_before_it() {
    let good = frame(1, b"fine\n");
    let mut bad = frame(2, b"reserved bytes set\n");
    bad[2] = 7;
    let chunks: Vec<Vec<u8>> = [good.clone(), bad, good]
        .iter()
        .map(|f| chunk(f, &format!("{:x}", f.len())))
        .collect();
    for piece in [3, 65536] {
        let (_dir, docker, _) = raw_server(answer(&chunks), piece, false).await;
        let (got, error) = read_logs(&docker).await;
        let error = error.expect("an error at the bad header");
        assert_eq!(error.kind(), ErrorKind::Protocol, "{error}");
        assert_eq!(
            joined(got),
            [(1, b"fine\n".to_vec())],
            "{piece}-byte writes"
        );
    }
}

#[tokio::test]
async fn a_chunk_without_its_crlf_is_a_protocol_error_after_the_frames_before_it() {
    let good = frame(1, b"fine\n");
    let mut body = HEAD.as_bytes().to_vec();
    body.extend_from_slice(&chunk(&good, &format!("{:x}", good.len())));
    body.extend_from_slice(format!("{:x}\r\n", good.len()).as_bytes());
    body.extend_from_slice(&good);
    body.extend_from_slice(b"XX");
    body.extend_from_slice(&chunk(&good, &format!("{:x}", good.len())));
    body.extend_from_slice(b"0\r\n\r\n");
    for piece in [1, 65536] {
        let (_dir, docker, _) = raw_server(body.clone(), piece, true).await;
        let (got, error) = read_logs(&docker).await;
        let error = error.expect("an error at the missing CRLF");
        assert_eq!(error.kind(), ErrorKind::Protocol, "{error}");
        // The frame whose CRLF is missing may come out before the error.
        let got = joined(got);
        assert!(
            got == [(1, b"fine\n".to_vec())] || got == [(1, b"fine\nfine\n".to_vec())],
            "{piece}-byte writes: {got:?}"
        );
    }
}

#[tokio::test]
async fn tty_output_comes_out_as_it_is() {
    // A TTY's bytes may look like frame headers: with a raw stream they are
    // output, never decoded.
    let tty: Vec<u8> = b"\x01\0\0\0\0\0\0\x05hello\r\n$ "
        .iter()
        .copied()
        .chain((0..5000).map(|i| (i % 256) as u8))
        .collect();
    let head = HEAD.replace("multiplexed-stream", "raw-stream");
    let mut body = head.into_bytes();
    for c in tty.chunks(108) {
        body.extend_from_slice(&chunk(c, &format!("{:x}", c.len())));
    }
    body.extend_from_slice(b"0\r\n\r\n");
    for piece in [1, 65536] {
        let (_dir, docker, _) = raw_server(body.clone(), piece, false).await;
        let (got, error) = read_logs(&docker).await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(joined(got), [(9, tty.clone())], "{piece}-byte writes");
        let (out, err, result) = copy_logs(&docker).await;
        let copied = result.expect("copied");
        assert_eq!((out, err), (tty.clone(), Vec::new()), "{piece}-byte writes");
        assert_eq!((copied.stdout, copied.stderr), (tty.len() as u64, 0));
    }
}

/// A writer that takes `room` bytes, then fails.
struct Full {
    room: usize,
}

impl tokio::io::AsyncWrite for Full {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.room == 0 {
            return std::task::Poll::Ready(Err(std::io::Error::from(
                std::io::ErrorKind::StorageFull,
            )));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        std::task::Poll::Ready(Ok(n))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn copy_to_stops_at_a_failed_write_with_an_io_error() {
    let frames = frames(true);
    let chunks = chunk_per_frame(&frames);
    let (want_out, _, _) = split(&frames);
    // Fails at once, inside a small frame, inside the 40 KB frame.
    for room in [0, 3, 20_000] {
        let (_dir, docker, _) = raw_server(answer(&chunks), 65536, false).await;
        let logs = docker
            .container("web")
            .logs(LogsOptions::new())
            .await
            .unwrap();
        let mut out = Full { room };
        let error = logs
            .copy_to(&mut out, &mut tokio::io::sink())
            .await
            .expect_err("a write error");
        assert_eq!(error.kind(), ErrorKind::Io, "{error}");
        assert!(room < want_out.len());
        let source = std::error::Error::source(&error).expect("the write's error");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("an io::Error");
        assert_eq!(io.kind(), std::io::ErrorKind::StorageFull, "{error}");
    }
}
