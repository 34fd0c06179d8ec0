use std::io;

use super::error::PREVIEW_LEN;
use super::*;
use futures_util::stream;
use futures_util::task::noop_waker_ref;
use proptest::prelude::*;
use serde::Deserialize;

fn split_chunks(chunks: &[&[u8]], max: usize) -> Vec<Result<Bytes, JsonLinesError>> {
    let mut lines = LineSplitter::with_max_line_length(max);
    let mut out = Vec::new();
    for chunk in chunks {
        lines.push(chunk);
        out.extend(&mut lines);
    }
    lines.finish();
    out.extend(&mut lines);
    assert!(lines.is_finished());
    assert!(lines.next().is_none());
    out
}

fn split_ok(chunks: &[&[u8]]) -> Vec<Bytes> {
    split_chunks(chunks, DEFAULT_MAX_LINE_LENGTH)
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

const SAMPLE: &[u8] = b"{\"a\":1}\r\n\n   \r\n{\"a\":2,\"b\":\"x\\ny\"}\n\r\n{\"a\":3}";

fn sample_lines() -> Vec<Bytes> {
    vec![
        Bytes::from_static(b"{\"a\":1}"),
        Bytes::from_static(b"{\"a\":2,\"b\":\"x\\ny\"}"),
        Bytes::from_static(b"{\"a\":3}"),
    ]
}

#[test]
fn crlf_blank_lines_and_last_line_without_newline() {
    assert_eq!(split_ok(&[SAMPLE]), sample_lines());
}

#[test]
fn every_split_into_two_and_three_chunks() {
    for i in 0..=SAMPLE.len() {
        let (a, b) = SAMPLE.split_at(i);
        assert_eq!(split_ok(&[a, b]), sample_lines(), "cut at {i}");
        for j in i..=SAMPLE.len() {
            let chunks = [&SAMPLE[..i], &SAMPLE[i..j], &SAMPLE[j..]];
            assert_eq!(split_ok(&chunks), sample_lines(), "cuts at {i}, {j}");
        }
    }
    let bytes: Vec<&[u8]> = SAMPLE.chunks(1).collect();
    assert_eq!(split_ok(&bytes), sample_lines());
}

#[test]
fn crlf_split_between_cr_and_lf() {
    assert_eq!(split_ok(&[b"{}\r", b"\n{}\r", b"\n"]), ["{}", "{}"]);
}

#[test]
fn empty_and_blank_only_input() {
    assert!(split_ok(&[]).is_empty());
    assert!(split_ok(&[b""]).is_empty());
    assert!(split_ok(&[b"\n\r\n \t\n", b"  "]).is_empty());
}

#[test]
fn scan_offset_is_kept_across_chunks() {
    let mut lines = LineSplitter::new();
    for _ in 0..1000 {
        lines.push(b"0123456789");
        assert!(lines.next().is_none());
        assert_eq!(lines.scanned, lines.buf.len(), "everything scanned once");
    }
    lines.push(b"\n");
    assert_eq!(lines.next().unwrap().unwrap().len(), 10_000);
    assert_eq!(lines.scanned, 0);
}

#[test]
fn long_line_in_tiny_chunks_is_linear() {
    // 1 MiB in 1-byte chunks: quadratic rescanning would take minutes.
    let mut lines = LineSplitter::new();
    for _ in 0..(1 << 20) {
        lines.push(b"x");
        assert!(lines.next().is_none());
    }
    lines.push(b"\n");
    assert_eq!(lines.next().unwrap().unwrap().len(), 1 << 20);
}

#[test]
fn over_long_line_is_an_error_without_a_newline() {
    let mut lines = LineSplitter::with_max_line_length(10);
    lines.push(b"{}\n");
    assert_eq!(lines.next().unwrap().unwrap(), "{}");
    lines.push(b"0123456789");
    assert!(lines.next().is_none());
    lines.push(b"\r");
    assert!(lines.next().is_none(), "exactly the limit, plus a CR");
    lines.push(b"x");
    let e = lines.next().unwrap().unwrap_err();
    assert_eq!(e.kind(), JsonLinesErrorKind::LineTooLong);
    assert_eq!(e.line_number(), 2);
    assert_eq!(e.line(), "0123456789\rx");
    assert!(e.to_string().contains("limit of 10 bytes"), "{e}");
    assert_eq!(io::Error::from(e).kind(), io::ErrorKind::InvalidData);
    assert!(lines.next().is_none());
    assert!(lines.is_finished());
    lines.push(b"{}\n");
    assert!(lines.next().is_none(), "finished after the error");
    assert!(lines.buf.is_empty(), "buffer released");
}

#[test]
fn line_at_the_limit_is_accepted() {
    let line = [b'7'; 10];
    for ending in [&b"\n"[..], b"\r\n", b""] {
        let input = [&line[..], ending].concat();
        for i in 0..=input.len() {
            let (a, b) = input.split_at(i);
            let out = split_chunks(&[a, b], 10);
            assert_eq!(out.len(), 1);
            assert_eq!(out[0].as_ref().unwrap(), &line[..]);
        }
        let out = split_chunks(&[&[b'7'; 11], ending], 10);
        assert_eq!(
            out[0].as_ref().unwrap_err().kind(),
            JsonLinesErrorKind::LineTooLong
        );
    }
}

#[test]
fn over_long_complete_line_in_one_chunk() {
    let out = split_chunks(&[b"[1]\n[1,2,3,4,5,6]\n[2]\n"], 5);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].as_ref().unwrap(), "[1]");
    let e = out[1].as_ref().unwrap_err();
    assert_eq!(e.line_number(), 2);
    assert_eq!(e.line(), "[1,2,3,4,5,6]");
}

#[test]
fn over_long_line_keeps_only_a_preview() {
    let out = split_chunks(&[&[b'a'; 5000]], 100);
    let e = out[0].as_ref().unwrap_err();
    assert_eq!(e.line().len(), PREVIEW_LEN);
}

// --- the Stream adapter -------------------------------------------------

fn drain<S: Stream + Unpin>(mut s: S) -> Vec<S::Item> {
    let mut cx = Context::from_waker(noop_waker_ref());
    let mut out = Vec::new();
    loop {
        match Pin::new(&mut s).poll_next(&mut cx) {
            Poll::Ready(Some(item)) => out.push(item),
            Poll::Ready(None) => return out,
            Poll::Pending => panic!("stream::iter is never pending"),
        }
    }
}

fn body(chunks: &[&[u8]]) -> impl Stream<Item = Result<Bytes, io::Error>> + Unpin {
    let chunks: Vec<_> = chunks
        .iter()
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    stream::iter(chunks)
}

#[derive(Debug, Deserialize, PartialEq)]
struct A {
    a: u32,
}

#[test]
fn parses_every_split() {
    let want = [A { a: 1 }, A { a: 2 }, A { a: 3 }];
    for i in 0..=SAMPLE.len() {
        let (x, y) = SAMPLE.split_at(i);
        let out: Vec<A> = drain(JsonLines::new(body(&[x, y])))
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(out, want, "cut at {i}");
    }
}

#[test]
fn unknown_fields_are_ignored() {
    let out = drain(JsonLines::<_, A>::new(body(&[
        b"{\"a\":1,\"new_in_v2\":{\"deep\":[1,2]},\"z\":null}\n",
    ])));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].as_ref().unwrap(), &A { a: 1 });
}

#[test]
fn invalid_json_is_an_error_and_decoding_goes_on() {
    let long = format!("{{\"a\": \"{}\" oops}}", "x".repeat(1000));
    let input = format!("{{\"a\":1}}\n{{\"a\":\n{long}\n{{\"b\":2}}\n{{\"a\":4}}");
    let out = drain(JsonLines::<_, A>::new(body(&[input.as_bytes()])));
    assert_eq!(out.len(), 5);
    assert_eq!(out[0].as_ref().unwrap(), &A { a: 1 });
    for (i, n) in [(1, 2), (2, 3), (3, 4)] {
        match &out[i] {
            Err(StreamError::JsonLines(e)) => {
                assert_eq!(e.kind(), JsonLinesErrorKind::InvalidJson);
                assert_eq!(e.line_number(), n);
                assert!(std::error::Error::source(e)
                    .unwrap()
                    .is::<serde_json::Error>());
                assert_eq!(
                    io::Error::from(e.clone_for_test()).kind(),
                    io::ErrorKind::InvalidData
                );
            }
            other => panic!("{other:?}"),
        }
    }
    // The whole line is kept, the message shows only its start.
    let Err(StreamError::JsonLines(e)) = &out[2] else {
        unreachable!()
    };
    assert_eq!(e.line(), long.as_bytes());
    let message = e.to_string();
    assert!(message.len() < 400, "{message}");
    assert!(message.contains("more bytes"), "{message}");
    // A missing field is invalid JSON for `A` too.
    let Err(StreamError::JsonLines(e)) = &out[3] else {
        unreachable!()
    };
    assert_eq!(e.line(), "{\"b\":2}");
    assert_eq!(out[4].as_ref().unwrap(), &A { a: 4 });
}

#[test]
fn over_long_line_ends_the_stream() {
    let mut s = JsonLines::<_, A>::with_max_line_length(
        body(&[b"{\"a\":1}\n{\"a\":", b"11111111111", b"}\n{\"a\":2}\n"]),
        10,
    );
    let out = drain(&mut s);
    assert!(s.is_terminated());
    assert_eq!(out.len(), 2);
    assert!(matches!(
        &out[1],
        Err(StreamError::JsonLines(e)) if e.kind() == JsonLinesErrorKind::LineTooLong
    ));
}

#[test]
fn transport_error_ends_the_stream() {
    let items: Vec<Result<Bytes, &str>> = vec![
        Ok(Bytes::from_static(b"{\"a\":1}\n{\"a\"")),
        Err("reset"),
        Ok(Bytes::from_static(b":2}\n")),
    ];
    let mut s = JsonLines::<_, A>::new(stream::iter(items));
    let out = drain(&mut s);
    assert!(s.is_terminated());
    assert_eq!(out.len(), 2);
    assert!(matches!(out[1], Err(StreamError::Transport("reset"))));
}

#[test]
fn final_line_without_newline_is_parsed() {
    let out = drain(JsonLines::<_, A>::new(body(&[b"{\"a\"", b":7}"])));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].as_ref().unwrap(), &A { a: 7 });
    let out = drain(JsonLines::<_, A>::new(body(&[b"{\"a\":7}\r"])));
    assert_eq!(out[0].as_ref().unwrap(), &A { a: 7 });
}

proptest! {
    /// Any JSON lines, with any mix of line ends and blank lines, cut
    /// anywhere, come out the same.
    #[test]
    fn arbitrary_lines_arbitrary_cuts(
        values in prop::collection::vec(any::<u32>(), 0..20),
        endings in prop::collection::vec(0usize..4, 20),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        const ENDINGS: [&str; 4] = ["\n", "\r\n", "\n\n", "\r\n \r\n"];
        let mut input = String::new();
        for (v, e) in values.iter().zip(&endings) {
            input.push_str(&format!("{{\"a\":{v},\"n\":\"x\"}}{}", ENDINGS[*e]));
        }
        let input = input.as_bytes();
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut start = 0;
        for cut in cuts {
            chunks.push(&input[start..cut]);
            start = cut;
        }
        chunks.push(&input[start..]);
        let out: Vec<u32> = drain(JsonLines::<_, A>::new(body(&chunks)))
            .into_iter()
            .map(|r| r.unwrap().a)
            .collect();
        prop_assert_eq!(out, values);
    }
}
