//! In-memory throughput of the multiplexed stream decoder.
//!
//! 256 MiB of payload, in 32 KiB frames and in 100-byte frames, fed to
//! [`Demuxer`] in 64 KiB chunks (the size of a typical socket read), against
//! a `memcpy` of the same bytes:
//!
//! - `memcpy`: copying the whole input once, the baseline;
//! - `copy_payloads`: copying each frame's payload, knowing where the frames
//!   are: what any copying decoder must at least do (small copies cannot
//!   use the non-temporal stores that one large `memcpy` does);
//! - `demux`: decoding only (the pieces are slices of the input, nothing is
//!   copied), summing piece lengths;
//! - `demux+copy`: decoding and copying each piece into a per-stream buffer,
//!   which is what a consumer that writes the output somewhere does.
//!
//! Run with `cargo bench --bench demux`.

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wharf::stream::{Demuxer, LogOutput, Mode};

const PAYLOAD_TOTAL: usize = 256 << 20;
const CHUNK: usize = 64 << 10;

/// Frames of `frame_len` payload bytes, alternating stdout and stderr, until
/// `PAYLOAD_TOTAL` payload bytes.
fn input(frame_len: usize) -> Bytes {
    let frames = PAYLOAD_TOTAL / frame_len;
    let mut out = Vec::with_capacity(frames * (frame_len + 8));
    for i in 0..frames {
        out.push(if i % 2 == 0 { 1 } else { 2 });
        out.extend_from_slice(&[0, 0, 0]);
        out.extend_from_slice(&(frame_len as u32).to_be_bytes());
        out.extend((0..frame_len).map(|j| (i + j) as u8));
    }
    Bytes::from(out)
}

/// Feeds `input` to a demuxer in `CHUNK`-sized chunks, handing each piece to
/// `sink`.
fn demux(input: &Bytes, mut sink: impl FnMut(LogOutput)) {
    let mut demuxer = Demuxer::new(Mode::Multiplexed);
    let mut start = 0;
    while start < input.len() {
        let end = (start + CHUNK).min(input.len());
        demuxer.push(input.slice(start..end));
        for item in &mut demuxer {
            sink(item.unwrap());
        }
        start = end;
    }
    demuxer.finish();
    assert!(demuxer.next().is_none());
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("demux_256MiB");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));

    for frame_len in [32 << 10, 100] {
        let input = input(frame_len);
        let label = if frame_len >= 1024 {
            format!("{}KiB_frames", frame_len >> 10)
        } else {
            format!("{frame_len}B_frames")
        };
        group.throughput(Throughput::Bytes(input.len() as u64));

        let mut dst = vec![0u8; input.len()];
        group.bench_function(BenchmarkId::new("memcpy", &label), |b| {
            b.iter(|| {
                dst.copy_from_slice(black_box(&input));
                black_box(&dst);
            })
        });
        group.bench_function(BenchmarkId::new("copy_payloads", &label), |b| {
            b.iter(|| {
                let mut at = 0;
                for frame in black_box(&input).chunks(frame_len + 8) {
                    let payload = &frame[8..];
                    dst[at..at + payload.len()].copy_from_slice(payload);
                    at += payload.len();
                }
                black_box(&dst);
            })
        });
        drop(dst);

        group.bench_function(BenchmarkId::new("demux", &label), |b| {
            b.iter(|| {
                let mut total = 0usize;
                demux(black_box(&input), |out| total += out.len());
                assert_eq!(total, PAYLOAD_TOTAL / frame_len * frame_len);
                total
            })
        });

        let mut stdout = Vec::with_capacity(input.len() / 2 + frame_len);
        let mut stderr = Vec::with_capacity(input.len() / 2 + frame_len);
        group.bench_function(BenchmarkId::new("demux+copy", &label), |b| {
            b.iter(|| {
                stdout.clear();
                stderr.clear();
                demux(black_box(&input), |out| match out {
                    LogOutput::Stdout(b) => stdout.extend_from_slice(&b),
                    LogOutput::Stderr(b) => stderr.extend_from_slice(&b),
                    other => panic!("unexpected {other:?}"),
                });
                black_box((&stdout, &stderr));
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
