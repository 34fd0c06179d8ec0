//! Tests of the sans-io core, `Demuxer`.

use std::io;

use super::*;

#[test]
fn one_chunk() {
    let out = decode_chunks(Mode::Multiplexed, &[&sample()]);
    let out: Vec<_> = out.into_iter().map(Result::unwrap).collect();
    assert_eq!(out, expected_sample());
}

#[test]
fn system_error_does_not_end_the_stream() {
    let input = frames(&[(3, b"Error grabbing logs: boom"), (2, b"after")]);
    let out = decode_chunks(Mode::Multiplexed, &[&input]);
    assert_eq!(out.len(), 2);
    assert!(out[0].as_ref().unwrap().is_system_error());
    assert_eq!(out[1].as_ref().unwrap(), &LogOutput::Stderr("after".into()));
}

#[test]
fn every_split_into_two_and_three_chunks() {
    let input = sample();
    let whole = runs(&decode_chunks(Mode::Multiplexed, &[&input]));
    for i in 0..=input.len() {
        assert_eq!(
            runs(&decode_at(Mode::Multiplexed, &input, &[i])),
            whole,
            "cut at {i}"
        );
        for j in i..=input.len() {
            assert_eq!(
                runs(&decode_at(Mode::Multiplexed, &input, &[i, j])),
                whole,
                "cuts at {i}, {j}"
            );
        }
    }
}

#[test]
fn one_byte_chunks() {
    let input = sample();
    let chunks: Vec<&[u8]> = input.chunks(1).collect();
    let out = decode_chunks(Mode::Multiplexed, &chunks);
    assert_eq!(
        runs(&out),
        runs(&decode_chunks(Mode::Multiplexed, &[&input]))
    );
    // Every payload byte is its own piece; headers are never output.
    let payload: usize = expected_sample().iter().map(LogOutput::len).sum();
    assert_eq!(out.len(), payload);
}

#[test]
fn pieces_are_slices_of_the_input() {
    let input = Bytes::from(frames(&[(1, b"abc"), (2, b"defg")]));
    let mut d = Demuxer::new(Mode::Multiplexed);
    d.push(input.clone());
    for item in &mut d {
        let piece = item.unwrap().into_bytes();
        let start = piece.as_ptr() as usize - input.as_ptr() as usize;
        assert!(
            start + piece.len() <= input.len(),
            "piece points into the input"
        );
    }
}

#[test]
fn header_split_across_chunks() {
    let input = frame(2, b"payload");
    for cut in 1..HEADER_LEN {
        let out = decode_at(Mode::Multiplexed, &input, &[cut]);
        assert_eq!(
            out,
            [Ok(LogOutput::Stderr("payload".into()))],
            "cut at {cut}"
        );
    }
    // A header spread over three chunks, after a payload.
    let input = frames(&[(1, b"a"), (2, b"b")]);
    let out = decode_at(Mode::Multiplexed, &input, &[10, 12, 14]);
    assert_eq!(
        out,
        [
            Ok(LogOutput::Stdout("a".into())),
            Ok(LogOutput::Stderr("b".into()))
        ]
    );
}

#[test]
fn unknown_stream_type() {
    let mut input = frame(1, b"ok");
    input.extend_from_slice(b"\x05\0\0\0\0\0\0\x02no");
    input.extend_from_slice(&frame(1, b"never"));
    let out = decode_chunks(Mode::Multiplexed, &[&input]);
    assert_eq!(out.len(), 2, "nothing after the error: {out:?}");
    let e = out[1].as_ref().unwrap_err();
    assert_eq!(e.kind(), DemuxErrorKind::UnknownStreamType);
    assert_eq!(e.offset(), 10);
    assert_eq!(e.header(), b"\x05\0\0\0\0\0\0\x02");
    assert_eq!(e.missing(), None);
    assert!(e.to_string().contains("unknown stream type 5"), "{e}");
    assert!(e.to_string().contains("05 00 00 00 00 00 00 02"), "{e}");
    assert_eq!(
        io::Error::from(e.clone()).kind(),
        io::ErrorKind::InvalidData
    );
}

#[test]
fn non_zero_reserved_bytes() {
    for bad in 1..4 {
        let mut header = *b"\x01\0\0\0\0\0\0\x01";
        header[bad] = 0x80;
        let mut input = header.to_vec();
        input.push(b'x');
        let out = decode_chunks(Mode::Multiplexed, &[&input]);
        assert_eq!(out.len(), 1);
        let e = out[0].as_ref().unwrap_err();
        assert_eq!(e.kind(), DemuxErrorKind::ReservedBytes);
        assert_eq!(e.offset(), 0);
        assert_eq!(e.header(), header);
        assert_eq!(
            io::Error::from(e.clone()).kind(),
            io::ErrorKind::InvalidData
        );
    }
}

#[test]
fn bad_header_split_across_chunks() {
    let input = b"\x01\0\x01\0\0\0\0\x01x";
    for cut in 0..=input.len() {
        let out = decode_at(Mode::Multiplexed, input, &[cut]);
        assert_eq!(out.len(), 1, "cut at {cut}");
        assert_eq!(
            out[0].as_ref().unwrap_err().kind(),
            DemuxErrorKind::ReservedBytes
        );
        assert_eq!(out[0].as_ref().unwrap_err().header(), &input[..8]);
    }
}

#[test]
fn truncated_header() {
    let mut input = frame(1, b"abc");
    input.extend_from_slice(b"\x02\0\0");
    for cut in 0..=input.len() {
        let out = decode_at(Mode::Multiplexed, &input, &[cut]);
        let runs = runs(&out);
        assert_eq!(runs[0], Ok((1, b"abc".to_vec())), "cut at {cut}");
        let e = runs[1].as_ref().unwrap_err();
        assert_eq!(e.kind(), DemuxErrorKind::Truncated);
        assert_eq!(e.missing(), Some(5));
        assert_eq!(e.offset(), 11);
        assert_eq!(e.header(), b"\x02\0\0");
        assert!(e.to_string().contains("inside the frame header"), "{e}");
        assert_eq!(
            io::Error::from(e.clone()).kind(),
            io::ErrorKind::UnexpectedEof
        );
    }
}

#[test]
fn whole_frames_come_out_in_one_piece_however_cut() {
    let long = vec![b'l'; 300];
    let input = frames(&[
        (1, b"hello\n"),
        (2, &[b'x'; 100]),
        (1, b""),
        (3, b"Error grabbing logs: x"),
        (1, &long),
        (2, b"end"),
    ]);
    let want = [
        LogOutput::Stdout(Bytes::from_static(b"hello\n")),
        LogOutput::Stderr(Bytes::from(vec![b'x'; 100])),
        LogOutput::SystemError(Bytes::from_static(b"Error grabbing logs: x")),
    ];
    for size in 1..=input.len() {
        let out = decode_whole(&input, size, 200);
        let pieces: Vec<LogOutput> = out.into_iter().map(Result::unwrap).collect();
        assert_eq!(pieces[..3], want, "{size}-byte chunks");
        // the frame longer than the limit comes in pieces as it arrives
        let rest: Vec<u8> = pieces[3..pieces.len() - 1]
            .iter()
            .flat_map(|p| {
                assert!(p.is_stdout(), "{size}-byte chunks");
                p.as_bytes().to_vec()
            })
            .collect();
        assert_eq!(rest, long, "{size}-byte chunks");
        if size < 300 {
            assert!(pieces.len() > 5, "{size}-byte chunks");
        }
        assert_eq!(
            pieces.last(),
            Some(&LogOutput::Stderr(Bytes::from_static(b"end")))
        );
    }
}

#[test]
fn truncated_payload_delivers_what_arrived() {
    let mut input = frame(1, b"abc");
    input.extend_from_slice(b"\x02\0\0\0\0\0\0\x0apart");
    // cut once, or in chunks of that size with frames held whole
    let cuts = (0..=input.len()).map(|cut| decode_at(Mode::Multiplexed, &input, &[cut]));
    let chunks = (1..=input.len()).map(|size| decode_whole(&input, size, 100));
    for (cut, out) in cuts.chain(chunks).enumerate() {
        let runs = runs(&out);
        assert_eq!(
            runs[..2],
            [Ok((1, b"abc".to_vec())), Ok((2, b"part".to_vec()))],
            "case {cut}"
        );
        let e = runs[2].as_ref().unwrap_err();
        assert_eq!(e.kind(), DemuxErrorKind::Truncated);
        assert_eq!(e.missing(), Some(6));
        assert_eq!(e.offset(), 11);
        assert_eq!(e.header(), b"\x02\0\0\0\0\0\0\x0a");
        assert!(e.to_string().contains("6 payload bytes missing"), "{e}");
        assert_eq!(runs.len(), 3);
    }
}

#[test]
fn clean_end_and_empty_input() {
    assert!(decode_chunks(Mode::Multiplexed, &[]).is_empty());
    assert!(decode_chunks(Mode::Multiplexed, &[b"", b""]).is_empty());
    assert!(decode_chunks(Mode::Raw, &[]).is_empty());
    // Only empty frames: nothing out, no error.
    let input = frames(&[(1, b""), (2, b"")]);
    assert!(decode_chunks(Mode::Multiplexed, &[&input]).is_empty());
}

#[test]
fn input_after_finish_or_error_is_ignored() {
    let mut d = Demuxer::new(Mode::Multiplexed);
    d.push(Bytes::from_static(b"\x07\0\0\0\0\0\0\0"));
    assert!(d.next().unwrap().is_err());
    d.push(Bytes::from(frame(1, b"x")));
    assert!(d.next().is_none());
    assert!(d.is_finished());

    let mut d = Demuxer::new(Mode::Raw);
    d.finish();
    d.push(Bytes::from_static(b"late"));
    assert!(d.next().is_none());
    assert!(d.is_finished());
}

#[test]
fn raw_mode_passes_chunks_through() {
    let input = sample();
    let chunks = [&input[..3], &input[3..], b"\r\n"];
    let out = decode_chunks(Mode::Raw, &chunks);
    let out: Vec<_> = out.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        out,
        chunks
            .iter()
            .map(|c| LogOutput::Console(Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>()
    );
    // Raw mode accepts anything, including what would be a bad header.
    let out = decode_chunks(Mode::Raw, &[b"\xff\xff\xff\xff\xff\xff\xff\xff\x01"]);
    assert_eq!(out.len(), 1);
    assert!(out[0].as_ref().unwrap().is_console());
}

/// A 64 MiB frame in 4 KiB chunks: each chunk comes straight back out as
/// a piece, and the decoder never holds more than the chunk it was given.
#[test]
fn huge_frame_is_streamed_in_pieces() {
    const DECLARED: usize = 64 << 20;
    const CHUNK: usize = 4096;
    let chunk = Bytes::from(vec![b'x'; CHUNK]);
    let mut d = Demuxer::new(Mode::Multiplexed);
    d.push(Bytes::from(
        [&[1u8, 0, 0, 0][..], &(DECLARED as u32).to_be_bytes()].concat(),
    ));
    assert!(d.next().is_none());
    let mut total = 0;
    for _ in 0..DECLARED / CHUNK {
        d.push(chunk.clone());
        assert_eq!(d.buffered(), CHUNK);
        let piece = d.next().unwrap().unwrap();
        assert!(piece.is_stdout());
        assert_eq!(piece.as_bytes().as_ptr(), chunk.as_ptr(), "not copied");
        assert_eq!(piece.len(), CHUNK);
        total += piece.len();
        assert!(d.next().is_none());
        assert_eq!(d.buffered(), 0, "nothing held between chunks");
    }
    d.finish();
    assert!(d.next().is_none());
    assert!(d.is_finished());
    assert_eq!(total, DECLARED);
}

#[test]
fn huge_declared_frame_cut_short() {
    let mut d = Demuxer::new(Mode::Multiplexed);
    d.push(Bytes::from_static(b"\x02\0\0\0\xff\xff\xff\xffsome"));
    assert_eq!(d.next().unwrap().unwrap(), LogOutput::Stderr("some".into()));
    assert!(d.next().is_none());
    d.finish();
    let e = d.next().unwrap().unwrap_err();
    assert_eq!(e.missing(), Some(u64::from(u32::MAX) - 4));
}
