//! The client's HTTP/1.1 against answers no daemon sends on a good day:
//! cut bodies, broken chunked coding, something that is not HTTP at all.
//! Each gives a typed error that says what went wrong, after whatever data
//! came before it.

use std::sync::atomic::Ordering;

use wharf::ErrorKind;
use wharf_tests::server::raw_server;

#[tokio::test]
async fn a_body_cut_short_is_a_protocol_error_after_its_data() {
    const CUT: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello";
    for piece in [1, 3, CUT.len()] {
        let (_dir, docker, _) = raw_server(CUT, piece, true).await;
        let mut r = docker.get("/info").send().await.unwrap();
        let mut got = Vec::new();
        let e = loop {
            match r.chunk().await {
                Ok(Some(c)) => got.extend_from_slice(&c),
                Ok(None) => panic!("a cut body ended cleanly"),
                Err(e) => break e,
            }
        };
        assert_eq!(got, b"hello", "{piece}");
        assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
        assert!(e.to_string().contains("cut short or malformed"), "{e}");
        assert_eq!(e.path(), Some("/v1.51/info"));
    }
}

#[tokio::test]
async fn broken_chunked_coding_is_a_protocol_error() {
    const BAD: &[u8] =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nxyz\r\nmore\r\n";
    let (_dir, docker, _) = raw_server(BAD, 2, true).await;
    let e = docker
        .get("/info")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(e.to_string().contains("chunk size"), "{e}");

    const UNFINISHED: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n";
    let (_dir, docker, _) = raw_server(UNFINISHED, 1, true).await;
    let e = docker
        .get("/info")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("cut short or malformed"), "{e}");
}

#[tokio::test]
async fn an_answer_that_is_not_http_says_how_it_starts() {
    let (_dir, docker, _) = raw_server(b"SSH-2.0-OpenSSH_9.2\r\n\r\n", 100, true).await;
    let e = docker.get("/info").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(e.to_string().contains("not valid HTTP/1.1"), "{e}");
    assert!(
        e.to_string()
            .contains(r#"it began with "SSH-2.0-OpenSSH_9.2\r\n\r\n" (an ssh server"#),
        "{e}"
    );
    // a TLS alert (a TLS-only port spoken to in clear): quoted, and named
    let (_dir, docker, _) = raw_server(b"\x15\x03\x01\x00\x02\x02\x46", 100, true).await;
    let e = docker.get("/info").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    let text = e.to_string();
    assert!(
        text.contains(r#"it began with "\x15\x03\x01\x00\x02\x02F" (a TLS alert"#),
        "{e}"
    );
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_an_io_error() {
    let (_dir, docker, _) = raw_server(b"", 1, true).await;
    let e = docker.get("/info").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert!(e.to_string().contains("without answering"), "{e}");
    // Cut in the middle of the head: hyper does not tell this apart
    let (_dir, docker, _) = raw_server(b"HTTP/1.1 200 OK\r\nContent-", 4, true).await;
    let e = docker.get("/info").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert!(e.to_string().contains("middle of the answer's head"), "{e}");
}

#[tokio::test]
async fn an_endless_head_is_refused() {
    let mut huge = b"HTTP/1.1 200 OK\r\n".to_vec();
    while huge.len() < 100 * 1024 {
        huge.extend_from_slice(b"X-Filler: 0123456789012345678901234567890123456789\r\n");
    }
    let huge: &'static [u8] = Box::leak(huge.into_boxed_slice());
    let (_dir, docker, _) = raw_server(huge, 8192, true).await;
    let e = docker.get("/info").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
}

#[tokio::test]
async fn interim_answers_trailers_and_byte_by_byte_bodies_are_read() {
    const ANSWER: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\
        Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
        4\r\n{\"a\"\r\n5;x=y\r\n:[1,2\r\n2\r\n]}\r\n0\r\nX-Trailer: t\r\n\r\n";
    let (_dir, docker, connections) = raw_server(ANSWER, 1, false).await;
    for _ in 0..3 {
        let v: serde_json::Value = docker
            .get("/info")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v, serde_json::json!({"a": [1, 2]}));
    }
    // Read to their end, the answers left the connection reusable.
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn connection_close_and_end_delimited_bodies_are_not_reused() {
    const CLOSE: &[u8] = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok";
    const TO_EOF: &[u8] = b"HTTP/1.0 200 OK\r\n\r\nall of it";
    for (answer, piece, want) in [(CLOSE, 100, "ok"), (TO_EOF, 3, "all of it")] {
        let (_dir, docker, connections) = raw_server(answer, piece, true).await;
        for _ in 0..3 {
            let text = docker
                .get("/info")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert_eq!(text, want);
        }
        assert_eq!(connections.load(Ordering::SeqCst), 3, "{want}");
    }
}

#[tokio::test]
async fn an_error_answer_cut_short_still_reports_its_status() {
    const CUT: &[u8] = b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\
        Content-Length: 100\r\n\r\n{\"message\":\"No such";
    let (_dir, docker, _) = raw_server(CUT, 7, true).await;
    let e = docker.get("/containers/x/json").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert_eq!(e.status(), Some(404));
}

#[tokio::test]
async fn a_tls_port_spoken_to_in_clear_says_the_daemon_wants_tls() {
    // Go's net/http answers plain HTTP on a TLS listener this way (net/http/server.go)
    let answer =
        b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";
    let (_dir, docker, _) = raw_server(&answer[..], 100, true).await;
    let typed = docker.info().await.unwrap_err();
    let raw = docker.get("/info").send().await.unwrap_err();
    for e in [typed, raw] {
        assert_eq!(e.kind(), ErrorKind::Connect, "{e}");
        assert_eq!(e.status(), Some(400), "{e}");
        let text = e.to_string();
        assert!(text.contains("DOCKER_TLS_VERIFY"), "{text}");
    }
}
