//! Tests of the decoder, its adapters and its properties, on frames cut
//! into chunks at every point.

use bytes::Bytes;
use proptest::prelude::*;

use super::*;

mod adapters;
mod demuxer;

/// One frame as the Engine writes it.
fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![kind, 0, 0, 0];
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

fn frames(list: &[(u8, &[u8])]) -> Vec<u8> {
    list.iter().flat_map(|(k, p)| frame(*k, p)).collect()
}

/// A decoder's whole output, as in `Demuxer`'s iterator.
type Output = Vec<Result<LogOutput, DemuxError>>;

fn decode_chunks(mode: Mode, chunks: &[&[u8]]) -> Output {
    decode_with(Demuxer::new(mode), chunks)
}

/// What `d` makes of `chunks`, then of the end of the input.
fn decode_with(mut d: Demuxer, chunks: &[&[u8]]) -> Output {
    let mut out = Vec::new();
    for chunk in chunks {
        d.push(Bytes::copy_from_slice(chunk));
        out.extend(&mut d);
    }
    d.finish();
    out.extend(&mut d);
    assert!(d.is_finished());
    assert!(d.next().is_none());
    out
}

/// Decodes `input` cut into chunks of `size` bytes, frames of up to
/// `whole` bytes coming out whole.
fn decode_whole(input: &[u8], size: usize, whole: usize) -> Output {
    let d = Demuxer::new(Mode::Multiplexed).whole_frames_up_to(whole);
    decode_with(d, &input.chunks(size).collect::<Vec<_>>())
}

fn decode_at(mode: Mode, input: &[u8], cuts: &[usize]) -> Output {
    let mut chunks = Vec::new();
    let mut start = 0;
    for &cut in cuts {
        chunks.push(&input[start..cut]);
        start = cut;
    }
    chunks.push(&input[start..]);
    decode_chunks(mode, &chunks)
}

/// Merges consecutive pieces of the same stream, so outputs of different
/// chunkings can be compared.
fn runs(out: &Output) -> Vec<Result<(u8, Vec<u8>), DemuxError>> {
    let mut runs: Vec<Result<(u8, Vec<u8>), DemuxError>> = Vec::new();
    for item in out {
        match item {
            Ok(o) => {
                assert!(!o.is_empty(), "empty piece");
                let tag = match o {
                    LogOutput::Stdin(_) => 0,
                    LogOutput::Stdout(_) => 1,
                    LogOutput::Stderr(_) => 2,
                    LogOutput::SystemError(_) => 3,
                    LogOutput::Console(_) => 9,
                };
                match runs.last_mut() {
                    Some(Ok((t, bytes))) if *t == tag => bytes.extend_from_slice(o.as_bytes()),
                    _ => runs.push(Ok((tag, o.as_bytes().to_vec()))),
                }
            }
            Err(e) => runs.push(Err(e.clone())),
        }
    }
    runs
}

fn sample() -> Vec<u8> {
    frames(&[
        (1, b"hello\n"),
        (2, b"oops"),
        (1, b""),
        (0, b"typed"),
        (3, b"Error grabbing logs: x"),
        (1, b"more"),
        (1, b" and more\n"),
    ])
}

fn expected_sample() -> Vec<LogOutput> {
    vec![
        LogOutput::Stdout("hello\n".into()),
        LogOutput::Stderr("oops".into()),
        LogOutput::Stdin("typed".into()),
        LogOutput::SystemError("Error grabbing logs: x".into()),
        LogOutput::Stdout("more".into()),
        LogOutput::Stdout(" and more\n".into()),
    ]
}

// --- properties ---------------------------------------------------------

fn arb_frames() -> impl Strategy<Value = Vec<(u8, Vec<u8>)>> {
    prop::collection::vec((0u8..4, prop::collection::vec(any::<u8>(), 0..200)), 0..12)
}

proptest! {
    /// Any frame sequence, cut anywhere: pieces tile the frames (no piece
    /// spans two), and concatenated per stream they equal the payloads.
    #[test]
    fn arbitrary_frames_arbitrary_cuts(
        list in arb_frames(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
    ) {
        let input: Vec<u8> = list.iter().flat_map(|(k, p)| frame(*k, p)).collect();
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
        cuts.sort_unstable();
        let out = decode_at(Mode::Multiplexed, &input, &cuts);

        let mut pieces = out.into_iter().map(|r| r.unwrap());
        let mut per_stream_in: [Vec<u8>; 4] = Default::default();
        let mut per_stream_out: [Vec<u8>; 4] = Default::default();
        for (kind, payload) in &list {
            per_stream_in[usize::from(*kind)].extend_from_slice(payload);
            let mut got = 0;
            while got < payload.len() {
                let piece = pieces.next().expect("a piece for every payload byte");
                let want = Channel::from_type(*kind).unwrap().wrap(Bytes::new());
                prop_assert_eq!(std::mem::discriminant(&piece), std::mem::discriminant(&want));
                prop_assert!(got + piece.len() <= payload.len(), "piece spans two frames");
                prop_assert_eq!(&piece.as_bytes()[..], &payload[got..got + piece.len()]);
                per_stream_out[usize::from(*kind)].extend_from_slice(piece.as_bytes());
                got += piece.len();
            }
        }
        prop_assert!(pieces.next().is_none());
        prop_assert_eq!(per_stream_in, per_stream_out);
    }

    /// Any bytes at all, cut anywhere: same output as in one chunk.
    #[test]
    fn arbitrary_bytes_any_chunking(
        input in prop::collection::vec(any::<u8>(), 0..64),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
        cuts.sort_unstable();
        let whole = runs(&decode_chunks(Mode::Multiplexed, &[&input]));
        prop_assert_eq!(runs(&decode_at(Mode::Multiplexed, &input, &cuts)), whole);
    }
}
