//! Tests of the `DemuxStream` and `DemuxCodec` adapters.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::BytesMut;
use futures_core::{FusedStream, Stream};
use futures_util::stream;
use futures_util::task::noop_waker_ref;
use tokio_util::codec::Decoder;

use super::*;
use crate::stream::StreamError;

// --- the Stream adapter -------------------------------------------------

/// Polls a stream to its end with a no-op waker, counting `Pending`s.
fn drain<S: Stream + Unpin>(mut s: S) -> Vec<S::Item> {
    let mut cx = Context::from_waker(noop_waker_ref());
    let mut out = Vec::new();
    let mut pendings = 0;
    loop {
        match Pin::new(&mut s).poll_next(&mut cx) {
            Poll::Ready(Some(item)) => out.push(item),
            Poll::Ready(None) => break,
            Poll::Pending => {
                pendings += 1;
                assert!(pendings < 1_000_000, "stream never ends");
            }
        }
    }
    out
}

/// A byte stream that returns `Pending` before each chunk.
struct Stuttering<I> {
    items: I,
    ready: bool,
}

impl<I: Iterator + Unpin> Stream for Stuttering<I> {
    type Item = I::Item;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        self.ready = !self.ready;
        if !self.ready {
            Poll::Ready(self.items.next())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn ok_chunks(input: &[u8], size: usize) -> Vec<Result<Bytes, io::Error>> {
    input
        .chunks(size)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect()
}

/// An adapter's items with its errors as the core's; any other error fails
/// the test.
fn demux_errors(items: Vec<Result<LogOutput, StreamError<io::Error>>>) -> Output {
    let demux = |e| match e {
        StreamError::Demux(e) => e,
        other => panic!("{other:?}"),
    };
    items.into_iter().map(|r| r.map_err(demux)).collect()
}

#[test]
fn stream_adapter_matches_core() {
    let input = sample();
    let whole = runs(&decode_chunks(Mode::Multiplexed, &[&input]));
    for size in 1..=input.len() {
        let s = Stuttering {
            items: ok_chunks(&input, size).into_iter(),
            ready: false,
        };
        let out = demux_errors(drain(DemuxStream::new(s, Mode::Multiplexed)));
        assert_eq!(runs(&out), whole, "chunk size {size}");
    }
}

#[test]
fn stream_adapter_reports_truncation_then_ends() {
    let input = &sample()[..20];
    let mut s = DemuxStream::new(stream::iter(ok_chunks(input, 7)), Mode::Multiplexed);
    let out = drain(&mut s);
    assert!(s.is_terminated());
    let (last, pieces) = out.split_last().unwrap();
    assert!(pieces.iter().all(Result::is_ok));
    match last {
        Err(StreamError::Demux(e)) => assert_eq!(e.kind(), DemuxErrorKind::Truncated),
        other => panic!("{other:?}"),
    }
}

#[test]
fn stream_adapter_passes_transport_errors_then_ends() {
    let items: Vec<Result<Bytes, &str>> = vec![
        Ok(Bytes::from(frame(1, b"first"))),
        Err("connection reset"),
        Ok(Bytes::from(frame(1, b"never"))),
    ];
    let mut s = DemuxStream::new(stream::iter(items), Mode::Multiplexed);
    let out = drain(&mut s);
    assert!(s.is_terminated());
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].as_ref().unwrap(), &LogOutput::Stdout("first".into()));
    assert!(matches!(
        out[1],
        Err(StreamError::Transport("connection reset"))
    ));
}

#[test]
fn stream_adapter_raw_mode() {
    let items = ok_chunks(b"\x01\0\0\0 is just text", 5);
    let out = drain(DemuxStream::new(stream::iter(items), Mode::Raw));
    let text: Vec<u8> = out
        .into_iter()
        .flat_map(|r| {
            let o = r.unwrap();
            assert!(o.is_console());
            o.into_bytes()
        })
        .collect();
    assert_eq!(text, b"\x01\0\0\0 is just text");
}

#[test]
fn stream_adapter_huge_frame_in_small_chunks() {
    const DECLARED: u32 = 64 << 20;
    const CHUNK: usize = 8192;
    let chunk = Bytes::from(vec![b'y'; CHUNK]);
    let header = Bytes::from([&[2u8, 0, 0, 0][..], &DECLARED.to_be_bytes()].concat());
    let body = std::iter::once(header)
        .chain(std::iter::repeat_n(
            chunk.clone(),
            DECLARED as usize / CHUNK,
        ))
        .map(Ok::<_, io::Error>);
    let mut s = DemuxStream::new(stream::iter(body), Mode::Multiplexed);
    let mut cx = Context::from_waker(noop_waker_ref());
    let mut total = 0usize;
    while let Poll::Ready(Some(item)) = Pin::new(&mut s).poll_next(&mut cx) {
        let piece = item.unwrap();
        assert!(piece.is_stderr());
        assert_eq!(piece.as_bytes().as_ptr(), chunk.as_ptr());
        total += piece.len();
        assert_eq!(s.demuxer.buffered(), 0);
    }
    assert_eq!(total, DECLARED as usize);
}

// --- the codec ----------------------------------------------------------

fn codec_decode(mode: Mode, input: &[u8], read_size: usize) -> Output {
    let mut codec = DemuxCodec::new(mode);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut push = |r: Result<Option<LogOutput>, StreamError<io::Error>>| match r {
        Ok(Some(o)) => {
            out.push(Ok(o));
            true
        }
        Ok(None) => false,
        Err(StreamError::Demux(e)) => {
            out.push(Err(e));
            false
        }
        Err(e) => panic!("{e:?}"),
    };
    for chunk in input.chunks(read_size) {
        buf.extend_from_slice(chunk);
        while push(codec.decode(&mut buf)) {}
    }
    while push(codec.decode_eof(&mut buf)) {}
    out
}

#[test]
fn codec_matches_core() {
    let input = sample();
    let whole = runs(&decode_chunks(Mode::Multiplexed, &[&input]));
    for size in 1..=input.len() {
        assert_eq!(runs(&codec_decode(Mode::Multiplexed, &input, size)), whole);
    }
    let cut = &input[..input.len() - 3];
    let out = codec_decode(Mode::Multiplexed, cut, 4);
    assert_eq!(
        out.last().unwrap().as_ref().unwrap_err().kind(),
        DemuxErrorKind::Truncated
    );
    let raw = codec_decode(Mode::Raw, b"abc", 1);
    assert_eq!(raw.len(), 3);
}

#[test]
fn codec_streams_huge_frame() {
    const DECLARED: usize = 64 << 20;
    const CHUNK: usize = 16 << 10;
    let mut codec = DemuxCodec::new(Mode::Multiplexed);
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&[1, 0, 0, 0]);
    buf.extend_from_slice(&(DECLARED as u32).to_be_bytes());
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    let data = vec![b'z'; CHUNK];
    let mut total = 0;
    for _ in 0..DECLARED / CHUNK {
        buf.extend_from_slice(&data);
        let piece = codec.decode(&mut buf).unwrap().unwrap();
        assert_eq!(piece.len(), CHUNK);
        assert!(buf.is_empty());
        assert_eq!(codec.demuxer.buffered(), 0);
        total += piece.len();
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
    }
    assert_eq!(codec.decode_eof(&mut buf).unwrap(), None);
    assert_eq!(total, DECLARED);
}

/// An `AsyncRead` that hands out one chunk per read, `Pending` between.
struct ChunkedReader {
    chunks: VecDeque<Vec<u8>>,
    ready: bool,
}

impl tokio::io::AsyncRead for ChunkedReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.ready = !self.ready;
        if self.ready {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if let Some(mut chunk) = self.chunks.pop_front() {
            let n = chunk.len().min(buf.remaining());
            buf.put_slice(&chunk[..n]);
            if n < chunk.len() {
                self.chunks.push_front(chunk.split_off(n));
            }
        }
        Poll::Ready(Ok(()))
    }
}

#[test]
fn framed_read_over_async_read() {
    let input = sample();
    let whole = runs(&decode_chunks(Mode::Multiplexed, &[&input]));
    for size in [1, 3, 8, 13, input.len()] {
        let reader = ChunkedReader {
            chunks: input.chunks(size).map(<[u8]>::to_vec).collect(),
            ready: false,
        };
        let framed = tokio_util::codec::FramedRead::new(reader, DemuxCodec::new(Mode::Multiplexed));
        let out = demux_errors(drain(framed));
        assert_eq!(runs(&out), whole, "read size {size}");
    }
}
