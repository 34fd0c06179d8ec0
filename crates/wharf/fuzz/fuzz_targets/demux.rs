//! Decodes arbitrary bytes, cut into chunks at arbitrary points, and checks
//! that the decoder never panics and that its output does not depend on the
//! cuts.
//!
//! Input layout: byte 0 picks the mode (low bit) and the number of cuts
//! (`byte >> 1`, at most 127); then two bytes per cut, a little-endian
//! offset into the stream (taken modulo its length + 1); the rest is the
//! stream.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use wharf::stream::{DemuxError, Demuxer, LogOutput, Mode};

/// A stream tag and the bytes of consecutive pieces with that tag, or the
/// error that ended decoding.
type Run = Result<(u8, Vec<u8>), DemuxError>;

fn tag(out: &LogOutput) -> u8 {
    match out {
        LogOutput::Stdin(_) => 0,
        LogOutput::Stdout(_) => 1,
        LogOutput::Stderr(_) => 2,
        LogOutput::SystemError(_) => 3,
        LogOutput::Console(_) => 4,
    }
}

fn decode(mode: Mode, chunks: &[Bytes]) -> Vec<Run> {
    let mut demuxer = Demuxer::new(mode);
    let mut runs: Vec<Run> = Vec::new();
    let take = |demuxer: &mut Demuxer, runs: &mut Vec<Run>| {
        for item in demuxer {
            match item {
                Ok(out) => {
                    assert!(!out.is_empty(), "empty piece");
                    let t = tag(&out);
                    match runs.last_mut() {
                        Some(Ok((last, bytes))) if *last == t => {
                            bytes.extend_from_slice(out.as_bytes())
                        }
                        _ => runs.push(Ok((t, out.as_bytes().to_vec()))),
                    }
                }
                Err(e) => runs.push(Err(e)),
            }
        }
    };
    for chunk in chunks {
        demuxer.push(chunk.clone());
        take(&mut demuxer, &mut runs);
    }
    demuxer.finish();
    take(&mut demuxer, &mut runs);
    assert!(demuxer.is_finished());
    assert!(demuxer.next().is_none());
    // Nothing after an error.
    if let Some(i) = runs.iter().position(Result::is_err) {
        assert_eq!(i, runs.len() - 1);
    }
    runs
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let mode = if control & 1 == 0 {
        Mode::Multiplexed
    } else {
        Mode::Raw
    };
    let ncuts = usize::from(control >> 1).min(rest.len() / 2);
    let (cut_bytes, stream) = rest.split_at(ncuts * 2);
    let stream = Bytes::copy_from_slice(stream);

    let mut cuts: Vec<usize> = cut_bytes
        .chunks_exact(2)
        .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])) % (stream.len() + 1))
        .collect();
    cuts.sort_unstable();
    let mut chunks = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for cut in cuts {
        chunks.push(stream.slice(start..cut));
        start = cut;
    }
    chunks.push(stream.slice(start..));

    let whole = decode(mode, std::slice::from_ref(&stream));
    let chunked = decode(mode, &chunks);
    assert_eq!(whole, chunked);

    // The output is the payload bytes, so never more than the input.
    let out_len: usize = whole.iter().flatten().map(|(_, b)| b.len()).sum();
    assert!(out_len <= stream.len());
    if mode == Mode::Raw {
        assert_eq!(out_len, stream.len());
    }
});
