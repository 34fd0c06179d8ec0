//! Where a response body ends: `Content-Length`, chunked transfer coding, or
//! the end of the connection. Free of I/O: [`Decoder::next_data`] looks at
//! what has been read so far and says where the body's data is in it.
//!
//! Chunked coding (RFC 9112, section 7.1), as dockerd's flushing writer
//! sends it, one chunk per write:
//!
//! ```text
//! 6c\r\n                      size in hex (extensions after ';' ignored)
//! [01 00 00 00 00 00 00 64]…  0x6c bytes of data
//! \r\n
//! 6c\r\n
//! …
//! 0\r\n                       the last chunk
//! \r\n                        (trailer lines, if any, then an empty line)
//! ```
//!
//! [`Decoder::next_data`] consumes the framing and says how much data is at
//! the front of the buffer; the reader slices it out or gathers it. A
//! malformed size line or a missing CRLF is an error; so is the connection
//! ending before the body does ([`Decoder::eof`]).

use std::fmt;

use bytes::BytesMut;
#[cfg(test)]
use bytes::{Buf, Bytes};

/// The longest chunk-size or trailer line accepted, its CR included.
const MAX_LINE: usize = 4096;

/// The state of one response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decoder {
    /// `Content-Length`: this many bytes are still to come.
    Length(u64),
    /// Chunked coding.
    Chunked(Chunk),
    /// Everything up to the end of the connection.
    Eof,
    /// The body has ended.
    Done,
}

/// Where in the chunked coding the decoder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chunk {
    /// Expecting a chunk-size line.
    Size,
    /// Inside a chunk's data: this many bytes left.
    Data(u64),
    /// Expecting the CRLF after a chunk's data.
    DataEnd,
    /// After the last chunk: trailer lines up to an empty one.
    Trailer,
}

/// A body that breaks the framing it declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FramingError(pub(crate) String);

impl fmt::Display for FramingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FramingError {}

impl Decoder {
    /// A chunked body.
    pub(crate) fn chunked() -> Decoder {
        Decoder::Chunked(Chunk::Size)
    }

    /// A body of `len` bytes.
    pub(crate) fn length(len: u64) -> Decoder {
        if len == 0 {
            Decoder::Done
        } else {
            Decoder::Length(len)
        }
    }

    /// Whether the body has ended.
    pub(crate) fn is_done(&self) -> bool {
        *self == Decoder::Done
    }

    /// Whether the body ends only with the connection (which then cannot be
    /// used again).
    pub(crate) fn is_eof_delimited(&self) -> bool {
        *self == Decoder::Eof
    }

    /// Takes the next piece of body data out of `buf`. `Ok(None)` means
    /// more input is needed, or the body is done ([`Decoder::is_done`]).
    #[cfg(test)]
    pub(crate) fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, FramingError> {
        let (skip, data) = self.next_data(buf)?;
        buf.advance(skip);
        Ok(data.map(|n| buf.split_to(n).freeze()))
    }

    /// Reads the framing at the front of `buf` up to the next body data:
    /// `(skip, Some(n))` says that after `skip` bytes of framing come `n`
    /// bytes of data; `(skip, None)` that after `skip` bytes more input is
    /// needed, or the body is done ([`Decoder::is_done`]). The decoder
    /// counts those bytes as consumed.
    pub(crate) fn next_data(&mut self, buf: &[u8]) -> Result<(usize, Option<usize>), FramingError> {
        // The usual step between two chunks, straight through: the CRLF
        // ending one chunk, the next one's size line, and its data.
        if *self == Decoder::Chunked(Chunk::DataEnd) {
            if let [b'\r', b'\n', rest @ ..] = buf {
                if let Some((len, size)) = plain_size_line(rest) {
                    let avail = (rest.len() - len) as u64;
                    if size > 0 && avail > 0 {
                        let n = size.min(avail);
                        *self = Decoder::Chunked(if n == size {
                            Chunk::DataEnd
                        } else {
                            Chunk::Data(size - n)
                        });
                        return Ok((2 + len, Some(n as usize)));
                    }
                }
            }
        }
        let mut at = 0;
        loop {
            let rest = &buf[at..];
            match self {
                Decoder::Done => return Ok((at, None)),
                Decoder::Eof => return Ok((at, (!rest.is_empty()).then_some(rest.len()))),
                Decoder::Length(left) | Decoder::Chunked(Chunk::Data(left)) => {
                    if rest.is_empty() {
                        return Ok((at, None));
                    }
                    let n = (*left).min(rest.len() as u64) as usize;
                    *left -= n as u64;
                    if *left == 0 {
                        *self = match self {
                            Decoder::Length(_) => Decoder::Done,
                            _ => Decoder::Chunked(Chunk::DataEnd),
                        };
                    }
                    return Ok((at, Some(n)));
                }
                Decoder::Chunked(Chunk::DataEnd) => {
                    at += match rest {
                        [] | [b'\r'] => return Ok((at, None)),
                        [b'\n', ..] => 1,
                        [b'\r', b'\n', ..] => 2,
                        _ => return Err(missing_crlf()),
                    };
                    *self = Decoder::Chunked(Chunk::Size);
                }
                Decoder::Chunked(Chunk::Size) => {
                    let Some((len, size)) = plain_size_line(rest)
                        .map_or_else(|| line(rest, parse_size), |plain| Ok(Some(plain)))?
                    else {
                        return Ok((at, None));
                    };
                    at += len;
                    *self = Decoder::Chunked(if size == 0 {
                        Chunk::Trailer
                    } else {
                        Chunk::Data(size)
                    });
                }
                Decoder::Chunked(Chunk::Trailer) => {
                    let Some((len, empty)) = line(rest, |l| Ok(l.is_empty()))? else {
                        return Ok((at, None));
                    };
                    at += len;
                    if empty {
                        *self = Decoder::Done;
                    }
                }
            }
        }
    }

    /// If the decoder is between chunks and a whole chunk (see
    /// [`whole_chunk_unit`]) follows in `buf`: how many bytes end the
    /// previous chunk, before the whole chunk's size line. The decoder then
    /// stands at that size line.
    #[inline]
    pub(crate) fn skip_to_whole_chunk(&mut self, buf: &[u8]) -> Option<usize> {
        let skip = match self {
            Decoder::Chunked(Chunk::DataEnd) if buf.starts_with(b"\r\n") => 2,
            Decoder::Chunked(Chunk::Size) => 0,
            _ => return None,
        };
        whole_chunk_unit(&buf[skip..])?;
        *self = Decoder::Chunked(Chunk::Size);
        Some(skip)
    }

    /// Copies the data of the whole chunks (see [`whole_chunk_unit`]) at
    /// the front of `buf` into `out`; returns how many bytes of `buf` that
    /// used.
    ///
    /// One tight loop over what one read brought: dockerd sends a chunk
    /// per write, so a read holds hundreds of small chunks.
    pub(crate) fn gather_whole_chunks(&mut self, buf: &[u8], out: &mut BytesMut) -> usize {
        let Some(mut at) = self.skip_to_whole_chunk(buf) else {
            return 0;
        };
        while let Some((start, size)) = whole_chunk_unit(&buf[at..]) {
            out.extend_from_slice(&buf[at + start..at + start + size]);
            at += start + size + 2;
        }
        at
    }

    /// The connection ended with nothing left unread: fine for an
    /// end-delimited body, a truncation for the others.
    pub(crate) fn eof(&mut self) -> Result<(), FramingError> {
        match std::mem::replace(self, Decoder::Done) {
            Decoder::Done | Decoder::Eof => Ok(()),
            Decoder::Length(left) => Err(FramingError(format!(
                "the connection closed {left} bytes before the end of the body"
            ))),
            Decoder::Chunked(Chunk::Data(left)) => Err(FramingError(format!(
                "the connection closed {left} bytes before the end of a chunk"
            ))),
            Decoder::Chunked(_) => Err(FramingError(
                "the connection closed before the last chunk of the body".to_owned(),
            )),
        }
    }
}

fn missing_crlf() -> FramingError {
    FramingError("a chunk's data is not followed by CRLF".to_owned())
}

/// Reads the line at the front of `buf` with `read` (which sees it without
/// its CRLF or LF); returns its length with the line end, and what `read`
/// made of it.
fn line<T>(
    buf: &[u8],
    read: impl FnOnce(&[u8]) -> Result<T, FramingError>,
) -> Result<Option<(usize, T)>, FramingError> {
    // The line's end is looked for only as far as the limit allows, so a
    // line is refused for its length however the body was cut. Chunk-size
    // lines are a few bytes: look at them directly first.
    let window = &buf[..buf.len().min(MAX_LINE + 1)];
    let end = match window.iter().take(16).position(|&b| b == b'\n') {
        Some(at) => Some(at),
        None if window.len() > 16 => memchr::memchr(b'\n', window),
        None => None,
    };
    match end {
        Some(at) => {
            let line = &buf[..at];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            Ok(Some((at + 1, read(line)?)))
        }
        None if buf.len() > MAX_LINE => Err(FramingError(format!(
            "a chunk-size or trailer line is longer than {MAX_LINE} bytes"
        ))),
        None => Ok(None),
    }
}

/// The value of each byte as a hex digit, or `NOT_HEX`.
static HEX: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 16 {
        table[b"0123456789abcdef"[i] as usize] = i as u8;
        table[b"0123456789ABCDEF"[i] as usize] = i as u8;
        i += 1;
    }
    table
};
const NOT_HEX: u8 = 0xff;

/// The usual size line, hex digits and CRLF (`6c\r\n`), read without
/// looking for the line's end first; `None` for anything else.
#[inline(always)]
fn plain_size_line(buf: &[u8]) -> Option<(usize, u64)> {
    let mut size = 0u64;
    let mut i = 0;
    while i < 15 {
        let v = HEX[usize::from(*buf.get(i)?)];
        if v == NOT_HEX {
            break;
        }
        size = size << 4 | u64::from(v);
        i += 1;
    }
    (i > 0 && buf.get(i..i + 2)? == b"\r\n").then_some((i + 2, size))
}

/// A whole chunk at the front of `buf`, as dockerd writes them: a plain
/// size line, the data, and the CRLF after it, all there. Where the data
/// starts and its size; `None` for anything else (including the last
/// chunk).
#[inline(always)]
pub(crate) fn whole_chunk_unit(buf: &[u8]) -> Option<(usize, usize)> {
    let (start, size) = plain_size_line(buf)?;
    let size = usize::try_from(size).ok()?;
    let end = start.checked_add(size)?;
    (size > 0 && buf.get(end..end.checked_add(2)?)? == b"\r\n").then_some((start, size))
}

/// `1a;name=value` → 26.
fn parse_size(line: &[u8]) -> Result<u64, FramingError> {
    // Optional whitespace, 1 to 15 hex digits, optional whitespace, then
    // the end of the line or ';' and extensions (ignored).
    let mut size = 0u64;
    let mut digits = 0;
    let mut i = 0;
    while i < line.len() && matches!(line[i], b' ' | b'\t') {
        i += 1;
    }
    while let Some(&d) = line.get(i) {
        let v = HEX[usize::from(d)];
        if v == NOT_HEX {
            break;
        }
        size = size << 4 | u64::from(v);
        digits += 1;
        i += 1;
    }
    while i < line.len() && matches!(line[i], b' ' | b'\t') {
        i += 1;
    }
    if digits == 0 || digits > 15 || (i < line.len() && line[i] != b';') {
        return Err(FramingError(format!(
            "bad chunk size line {:?}",
            String::from_utf8_lossy(&line[..line.len().min(64)])
        )));
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` split at `splits`, collecting the body; `Err` carries
    /// the error's text.
    fn run(decoder: Decoder, input: &[u8], splits: &[usize]) -> Result<Vec<u8>, String> {
        run_with(decoder, input, splits, false)
    }

    /// As [`run`], but whole chunks are taken first at every step, as the
    /// logs stream does: the output must be the same.
    fn run_taking_whole(input: &[u8], splits: &[usize]) -> Result<Vec<u8>, String> {
        run_with(Decoder::chunked(), input, splits, true)
    }

    fn run_with(
        mut decoder: Decoder,
        input: &[u8],
        splits: &[usize],
        take_whole: bool,
    ) -> Result<Vec<u8>, String> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut at = 0;
        let mut cuts = splits.to_vec();
        cuts.push(input.len());
        for cut in cuts {
            buf.extend_from_slice(&input[at..cut]);
            at = cut;
            loop {
                if let Some(skip) = take_whole
                    .then(|| decoder.skip_to_whole_chunk(&buf))
                    .flatten()
                {
                    buf.advance(skip);
                    // All of the buffer is taken; what follows the whole
                    // chunks goes back, as the logs stream does.
                    let run = buf.split();
                    let mut at = 0;
                    while let Some((start, size)) = whole_chunk_unit(&run[at..]) {
                        out.extend_from_slice(&run[at + start..at + start + size]);
                        at += start + size + 2;
                    }
                    assert!(at > 0, "a whole chunk first");
                    buf.extend_from_slice(&run[at..]);
                }
                let Some(piece) = decoder.decode(&mut buf).map_err(|e| e.0)? else {
                    break;
                };
                assert!(!piece.is_empty());
                out.extend_from_slice(&piece);
            }
        }
        if !decoder.is_done() {
            decoder.eof().map_err(|e| e.0)?;
        }
        if !buf.is_empty() {
            return Err(format!("left over after the body: {buf:?}"));
        }
        Ok(out)
    }

    const CHUNKED: &[u8] = b"5\r\nhello\r\n1;ext=1\r\n \r\n0006\r\nworld!\r\n0\r\nX-T: 1\r\n\r\n";

    #[test]
    fn chunked_splits_at_every_byte_and_every_pair() {
        let want = b"hello world!".to_vec();
        for i in 0..=CHUNKED.len() {
            assert_eq!(run(Decoder::chunked(), CHUNKED, &[i]).unwrap(), want, "{i}");
            for j in i..=CHUNKED.len() {
                assert_eq!(run(Decoder::chunked(), CHUNKED, &[i, j]).unwrap(), want);
            }
        }
        let every: Vec<usize> = (0..CHUNKED.len()).collect();
        assert_eq!(run(Decoder::chunked(), CHUNKED, &every).unwrap(), want);
    }

    #[test]
    fn whole_chunks_are_taken_at_every_split() {
        // Whole chunks, one with an extension, a bare LF, upper-case hex.
        const BODY: &[u8] =
            b"5\r\nhello\r\n1;x=y\r\n \r\n3\r\nwor\r\n2\nld\n1\r\n!\r\nA\r\n0123456789\r\n0\r\n\r\n";
        let want = b"hello world!0123456789".to_vec();
        assert_eq!(run(Decoder::chunked(), BODY, &[]).unwrap(), want);
        for i in 0..=BODY.len() {
            assert_eq!(run_taking_whole(BODY, &[i]).unwrap(), want, "{i}");
            for j in i..=BODY.len() {
                assert_eq!(run_taking_whole(BODY, &[i, j]).unwrap(), want, "{i} {j}");
            }
        }
        let every: Vec<usize> = (0..BODY.len()).collect();
        assert_eq!(run_taking_whole(BODY, &every).unwrap(), want);
        // Errors are the decoder's, whichever way the chunks are read.
        for input in [&b"5\r\nhelloXX"[..], b"5\r\nhel", b"5\r\nhello\r\n"] {
            for i in 0..=input.len() {
                assert_eq!(
                    run_taking_whole(input, &[i]),
                    run(Decoder::chunked(), input, &[i]),
                    "{input:?} {i}"
                );
            }
        }
    }

    #[test]
    fn a_whole_chunk_has_a_plain_size_line_data_and_crlf() {
        assert_eq!(whole_chunk_unit(b"5\r\nhello\r\nrest"), Some((3, 5)));
        assert_eq!(whole_chunk_unit(b"6C\r\n"), None);
        for not_whole in [
            &b"5\r\nhello\r"[..],
            b"5\r\nhelloXX",
            b"5;x\r\nhello\r\n",
            b"5\nhello\r\n",
            b"0\r\n\r\n",
            b"\r\n5\r\nhello\r\n",
            b"",
        ] {
            assert_eq!(whole_chunk_unit(not_whole), None, "{not_whole:?}");
        }
        // Between chunks the CRLF ending the previous one is skipped, and
        // the decoder is left before the next size line.
        let mut d = Decoder::Chunked(Chunk::DataEnd);
        assert_eq!(d.skip_to_whole_chunk(b"\r\n1\r\na\r\n2\r\nbc"), Some(2));
        assert_eq!(d, Decoder::Chunked(Chunk::Size));
        assert_eq!(d.skip_to_whole_chunk(b"1\r\na\r\n"), Some(0));
        assert_eq!(d.skip_to_whole_chunk(b"3\r\nde"), None);
        assert_eq!(d, Decoder::Chunked(Chunk::Size));
        let mut d = Decoder::Chunked(Chunk::DataEnd);
        assert_eq!(d.skip_to_whole_chunk(b"\r\n3\r\nde"), None);
        assert_eq!(d, Decoder::Chunked(Chunk::DataEnd));
        let mut d = Decoder::Chunked(Chunk::Data(3));
        assert_eq!(d.skip_to_whole_chunk(b"abc\r\n1\r\na\r\n"), None);
    }

    #[test]
    fn chunked_accepts_bare_lf() {
        assert_eq!(
            run(Decoder::chunked(), b"3\nabc\n0\n\n", &[]).unwrap(),
            b"abc"
        );
    }

    #[test]
    fn bytes_after_the_last_chunk_stay_in_the_buffer() {
        let mut d = Decoder::chunked();
        let mut buf = BytesMut::from(&b"1\r\na\r\n0\r\n\r\nHTTP/1.1"[..]);
        assert_eq!(d.decode(&mut buf).unwrap().unwrap(), "a");
        assert_eq!(d.decode(&mut buf).unwrap(), None);
        assert!(d.is_done());
        assert_eq!(&buf[..], b"HTTP/1.1");
    }

    #[test]
    fn malformed_chunks_are_errors() {
        for (input, says) in [
            (&b"zz\r\n"[..], "bad chunk size"),
            (b"\r\n", "bad chunk size"),
            (b"5\r\nhelloXX", "not followed by CRLF"),
            (b"5\r\nhello\rX", "not followed by CRLF"),
            (b"ffffffffffffffff\r\n", "bad chunk size"),
        ] {
            let e = run(Decoder::chunked(), input, &[]).unwrap_err();
            assert!(e.contains(says), "{input:?}: {e}");
        }
        let long = vec![b'1'; MAX_LINE + 1];
        assert!(run(Decoder::chunked(), &long, &[])
            .unwrap_err()
            .contains("longer than"));
    }

    #[test]
    fn truncation_is_an_error() {
        let e = run(Decoder::chunked(), b"5\r\nhel", &[]).unwrap_err();
        assert!(e.contains("2 bytes before the end of a chunk"), "{e}");
        let e = run(Decoder::chunked(), b"5\r\nhello\r\n", &[]).unwrap_err();
        assert!(e.contains("before the last chunk"), "{e}");
        let e = run(Decoder::length(10), b"hello", &[2]).unwrap_err();
        assert!(e.contains("5 bytes before the end of the body"), "{e}");
    }

    #[test]
    fn a_line_longer_than_the_limit_is_an_error_however_it_arrives() {
        // Whitespace may pad a size line; past MAX_LINE bytes it is refused
        // whether or not its end came in the same read.
        let mut input = b"5".to_vec();
        input.extend(std::iter::repeat_n(b' ', MAX_LINE));
        input.extend_from_slice(b"\r\nhello\r\n0\r\n\r\n");
        for i in [0, 1, MAX_LINE / 2, MAX_LINE + 1, input.len()] {
            let e = run(Decoder::chunked(), &input, &[i]).unwrap_err();
            assert!(e.contains("longer than"), "{i}: {e}");
        }
        // So is a trailer line.
        let mut input = b"0\r\nX-T: ".to_vec();
        input.extend(std::iter::repeat_n(b'v', MAX_LINE));
        input.extend_from_slice(b"\r\n\r\n");
        for i in [0, 8, input.len()] {
            let e = run(Decoder::chunked(), &input, &[i]).unwrap_err();
            assert!(e.contains("longer than"), "{i}: {e}");
        }
        // A line of MAX_LINE bytes with its CR is fine.
        let mut input = b"5".to_vec();
        input.extend(std::iter::repeat_n(b' ', MAX_LINE - 2));
        input.extend_from_slice(b"\r\nhello\r\n0\r\n\r\n");
        for i in [0, MAX_LINE / 2, input.len()] {
            assert_eq!(
                run(Decoder::chunked(), &input, &[i]).unwrap(),
                b"hello",
                "{i}"
            );
        }
    }

    #[test]
    fn length_and_eof_bodies() {
        let mut buf = BytesMut::from(&b"helloEXTRA"[..]);
        let mut d = Decoder::length(5);
        assert_eq!(d.decode(&mut buf).unwrap().unwrap(), "hello");
        assert!(d.is_done());
        assert_eq!(&buf[..], b"EXTRA");
        assert!(Decoder::length(0).is_done());
        for i in 0..=5 {
            assert_eq!(run(Decoder::Eof, b"hello", &[i]).unwrap(), b"hello");
            assert_eq!(run(Decoder::length(5), b"hello", &[i]).unwrap(), b"hello");
        }
    }

    // --- properties ---------------------------------------------------------

    use proptest::prelude::*;

    /// How a chunk's size line and line ends are written.
    #[derive(Debug, Clone, Copy)]
    enum Style {
        /// `6c\r\n`, as dockerd writes them.
        Plain,
        /// `006C\r\n`
        Upper,
        /// `6c;name=value\r\n`
        Extension,
        /// `6c\n` ... `\n`
        BareLf,
        /// ` 6c \r\n`
        Padded,
        /// A size line padded past the line limit: always an error.
        TooLong,
    }

    fn encode(chunks: &[(Style, Vec<u8>)], trailers: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for (style, data) in chunks {
            let (line, end) = match style {
                Style::Plain => (format!("{:x}\r\n", data.len()), "\r\n"),
                Style::Upper => (format!("{:04X}\r\n", data.len()), "\r\n"),
                Style::Extension => (format!("{:x};name=value\r\n", data.len()), "\r\n"),
                Style::BareLf => (format!("{:x}\n", data.len()), "\n"),
                Style::Padded => (format!(" {:x}\t\r\n", data.len()), "\r\n"),
                Style::TooLong => (
                    format!("{:x}{}\r\n", data.len(), " ".repeat(MAX_LINE)),
                    "\r\n",
                ),
            };
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(data);
            out.extend_from_slice(end.as_bytes());
        }
        out.extend_from_slice(b"0\r\n");
        for i in 0..trailers {
            out.extend_from_slice(format!("X-Trailer-{i}: {i}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    fn arb_style() -> impl Strategy<Value = Style> {
        prop_oneof![
            6 => Just(Style::Plain),
            1 => Just(Style::Upper),
            1 => Just(Style::Extension),
            1 => Just(Style::BareLf),
            1 => Just(Style::Padded),
            1 => Just(Style::TooLong),
        ]
    }

    fn arb_chunks() -> impl Strategy<Value = Vec<(Style, Vec<u8>)>> {
        prop::collection::vec(
            (arb_style(), prop::collection::vec(any::<u8>(), 1..120)),
            0..10,
        )
    }

    proptest! {
        /// Any chunked body, possibly damaged or cut, fed in any pieces and
        /// read either way (whole chunks taken first, as the logs stream
        /// does, or not): the same data and the same error as in one piece;
        /// and an undamaged body gives exactly its chunks' data.
        #[test]
        fn any_chunked_body_reads_the_same_however_it_is_cut(
            chunks in arb_chunks(),
            trailers in 0usize..3,
            damage in prop::option::of((any::<prop::sample::Index>(), any::<u8>())),
            cut_short in prop::option::of(any::<prop::sample::Index>()),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let mut input = encode(&chunks, trailers);
            let mut intact = true;
            if let Some((at, byte)) = damage {
                let at = at.index(input.len());
                intact &= input[at] == byte;
                input[at] = byte;
            }
            let cut_short = cut_short.map(|len| len.index(input.len()));
            if let Some(len) = cut_short {
                intact = false;
                input.truncate(len);
            }
            let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
            cuts.sort_unstable();

            let whole = run(Decoder::chunked(), &input, &[]);
            if let Some(len) = cut_short {
                prop_assert!(whole.is_err(), "{:?} cut to {} bytes: {:?}", input, len, whole);
            }
            prop_assert_eq!(&run(Decoder::chunked(), &input, &cuts), &whole);
            prop_assert_eq!(&run_taking_whole(&input, &cuts), &whole);
            let every: Vec<usize> = (0..input.len()).collect();
            prop_assert_eq!(&run_taking_whole(&input, &every), &whole);

            let too_long = chunks.iter().any(|(style, _)| matches!(style, Style::TooLong));
            if intact && !too_long {
                let data: Vec<u8> = chunks.iter().flat_map(|(_, d)| d.iter().copied()).collect();
                prop_assert_eq!(whole, Ok(data));
            } else if intact {
                let e = whole.unwrap_err();
                prop_assert!(e.contains("longer than"), "{}", e);
            }
        }
    }
}
