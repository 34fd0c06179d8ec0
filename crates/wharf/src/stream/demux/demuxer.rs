//! [`Demuxer`]: the sans-io state machine that turns pushed chunks into
//! [`LogOutput`] pieces.

use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

use super::{Channel, DemuxError, DemuxErrorKind, LogOutput, Mode, HEADER_LEN};

/// The sans-io decoder: push chunks in, iterate to take [`LogOutput`]s out.
///
/// The iterator returns `None` when it needs more input; push another chunk
/// and iterate again. After [`finish`](Demuxer::finish), it drains what is
/// left, reports a cut-short frame as a [`DemuxErrorKind::Truncated`]
/// error, and then returns `None` for good. After any error it returns
/// `None` for good and ignores further input.
///
/// The decoder holds only the chunks you pushed and have not yet taken out,
/// plus at most 8 bytes of a split header.
///
/// ```
/// use bytes::Bytes;
/// use wharf::stream::{Demuxer, LogOutput, Mode};
///
/// let mut demuxer = Demuxer::new(Mode::Multiplexed);
/// let mut stdout = Vec::new();
/// for chunk in [&b"\x01\0\0\0\0\0"[..], b"\0\x06hel", b"lo\n"] {
///     demuxer.push(Bytes::copy_from_slice(chunk));
///     for item in &mut demuxer {
///         match item.unwrap() {
///             LogOutput::Stdout(bytes) => stdout.extend_from_slice(&bytes),
///             other => panic!("unexpected {other:?}"),
///         }
///     }
/// }
/// demuxer.finish();
/// assert!(demuxer.next().is_none());
/// assert!(demuxer.is_finished());
/// assert_eq!(stdout, b"hello\n");
/// ```
#[derive(Clone, Debug)]
pub struct Demuxer {
    mode: Mode,
    /// The chunk being decoded. Empty only when `queue` is empty too.
    front: Bytes,
    /// Chunks pushed after `front`; never holds an empty chunk.
    queue: VecDeque<Bytes>,
    /// The current frame's header, or the bytes of an incoming header that
    /// is split across chunks.
    header: [u8; HEADER_LEN],
    /// How many bytes of a split incoming header are in `header`.
    header_len: u8,
    /// The stream of the current frame.
    channel: Channel,
    /// Payload bytes of the current frame not yet taken out.
    remaining: u32,
    /// Frames with a payload up to this long come out in one piece
    /// ([`whole_frames_up_to`](Demuxer::whole_frames_up_to)); 0: none.
    whole_max: u32,
    /// The current frame is to come out in one piece: nothing of it has
    /// been taken out yet, and it is at most `whole_max` long.
    whole: bool,
    /// Stream offset of the current (or incoming) frame's header.
    frame_offset: u64,
    /// Stream offset of the first byte `front` had when it became the
    /// front, and its length then: consuming from `front` needs no
    /// bookkeeping ([`offset`](Demuxer::offset) works it out).
    front_start: u64,
    front_len: usize,
    /// `finish` was called: no more input.
    eof: bool,
    /// Nothing more will come out: clean end or error.
    done: bool,
}

impl Demuxer {
    /// A decoder for a stream in the given mode.
    ///
    /// ```
    /// use wharf::stream::{Demuxer, Mode};
    ///
    /// let demuxer = Demuxer::new(Mode::Raw);
    /// assert_eq!(demuxer.mode(), Mode::Raw);
    /// ```
    pub fn new(mode: Mode) -> Demuxer {
        Demuxer {
            mode,
            front: Bytes::new(),
            queue: VecDeque::new(),
            header: [0; HEADER_LEN],
            header_len: 0,
            channel: Channel::Stdout,
            remaining: 0,
            whole_max: 0,
            whole: false,
            frame_offset: 0,
            front_start: 0,
            front_len: 0,
            eof: false,
            done: false,
        }
    }

    /// Makes a frame whose payload is at most `max` bytes come out as one
    /// piece: its bytes are held until all have arrived (or the input
    /// ends), and gathered into one piece if they came in several chunks.
    /// For a reader whose chunks do not follow the frames, such as an HTTP
    /// body read as it arrives, while the sender writes a frame at a time
    /// (dockerd writes a log line per frame).
    pub(crate) fn whole_frames_up_to(mut self, max: usize) -> Demuxer {
        self.whole_max = u32::try_from(max).unwrap_or(u32::MAX);
        self
    }

    /// The mode this decoder was made with.
    ///
    /// ```
    /// use wharf::stream::{Demuxer, Mode};
    ///
    /// assert_eq!(Demuxer::new(Mode::Multiplexed).mode(), Mode::Multiplexed);
    /// ```
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Adds the next chunk of the stream. Empty chunks, and chunks pushed
    /// after [`finish`](Demuxer::finish) or an error, are ignored.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::{Demuxer, LogOutput, Mode};
    ///
    /// let mut d = Demuxer::new(Mode::Raw);
    /// d.push(Bytes::from_static(b"$ ls\r\n"));
    /// assert_eq!(d.next().unwrap().unwrap(), LogOutput::Console(Bytes::from_static(b"$ ls\r\n")));
    /// assert!(d.next().is_none());
    /// ```
    pub fn push(&mut self, chunk: Bytes) {
        if chunk.is_empty() || self.eof || self.done {
            return;
        }
        if self.front.is_empty() {
            self.set_front(chunk);
        } else {
            self.queue.push_back(chunk);
        }
    }

    /// Marks the end of the input. Iterating then drains what is left and
    /// reports a frame cut short.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::{Demuxer, Mode};
    ///
    /// let mut d = Demuxer::new(Mode::Multiplexed);
    /// d.push(Bytes::from_static(b"\x01\0\0\0"));
    /// assert!(d.next().is_none(), "waiting for the rest of the header");
    /// d.finish();
    /// assert!(d.next().unwrap().is_err(), "the header was cut short");
    /// ```
    pub fn finish(&mut self) {
        self.eof = true;
    }

    /// Whether the decoder is done: the input ended (and has been drained)
    /// or an error was returned. It will return nothing more.
    ///
    /// ```
    /// use wharf::stream::{Demuxer, Mode};
    ///
    /// let mut d = Demuxer::new(Mode::Multiplexed);
    /// d.finish();
    /// assert!(!d.is_finished());
    /// assert!(d.next().is_none());
    /// assert!(d.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.done
    }

    /// Bytes pushed and not yet taken out (a split header's bytes aside).
    #[cfg(test)]
    pub(super) fn buffered(&self) -> usize {
        self.front.len() + self.queue.iter().map(Bytes::len).sum::<usize>()
    }

    /// The stream offset of the next byte to decode.
    fn offset(&self) -> u64 {
        self.front_start + (self.front_len - self.front.len()) as u64
    }

    /// Makes `chunk` the front, once the old front is used up.
    fn set_front(&mut self, chunk: Bytes) {
        debug_assert!(self.front.is_empty());
        self.front_start = self.offset();
        self.front_len = chunk.len();
        self.front = chunk;
    }

    /// Moves the next queued chunk to the front if the front is used up,
    /// keeping the invariant that `front` is empty only when `queue` is.
    fn refill(&mut self) {
        if self.front.is_empty() {
            if let Some(next) = self.queue.pop_front() {
                self.set_front(next);
            }
        }
    }

    /// Takes the first `n` bytes of `front` (`n <= front.len()`).
    #[inline]
    fn take(&mut self, n: usize) -> Bytes {
        let taken = if n == self.front.len() {
            std::mem::take(&mut self.front)
        } else {
            self.front.split_to(n)
        };
        self.refill();
        taken
    }

    /// The hot path, for callers to try before [`next`](Iterator::next): a
    /// whole frame at the front of `front` with more bytes after it, and
    /// nothing pending. Returns `None` for anything else (including a bad
    /// header, which `next` then reports).
    ///
    /// It touches only `front`: a frame taken whole leaves nothing for an
    /// error to be about.
    #[inline(always)]
    pub(crate) fn next_whole_frame(&mut self) -> Option<LogOutput> {
        let (channel, len) = self.front_frame()?;
        if len >= self.front.len() - HEADER_LEN {
            return None;
        }
        self.front.advance(HEADER_LEN);
        Some(channel.wrap(self.front.split_to(len)))
    }

    /// At a frame boundary, with a valid header at the front of `front`:
    /// the frame's stream and payload length (its payload may not all be
    /// there).
    #[inline(always)]
    fn front_frame(&self) -> Option<(Channel, usize)> {
        if self.mode != Mode::Multiplexed
            || self.remaining != 0
            || self.header_len != 0
            || self.front.len() <= HEADER_LEN
        {
            return None;
        }
        Channel::of_header(self.front[..HEADER_LEN].try_into().ok()?)
    }

    /// The next frame, if it is whole at the front of the chunk at hand
    /// and nothing is pending: its stream and its payload, left in place.
    /// For a reader that writes payloads out from where they are (a copy
    /// to a file), without a [`LogOutput`] each; it then
    /// [skips](Demuxer::skip_whole_frame) the frame.
    #[inline]
    pub(crate) fn peek_whole_frame(&self) -> Option<(Channel, &[u8])> {
        let (channel, len) = self.front_frame()?;
        let payload = self.front.get(HEADER_LEN..HEADER_LEN + len)?;
        Some((channel, payload))
    }

    /// Takes out the frame [`peek_whole_frame`](Demuxer::peek_whole_frame)
    /// gave, whose payload is `len` bytes long.
    #[inline]
    pub(crate) fn skip_whole_frame(&mut self, len: usize) {
        self.front.advance(HEADER_LEN + len);
        self.refill();
    }

    /// The current frame's payload in one piece, when it is to come out
    /// whole ([`whole_frames_up_to`](Demuxer::whole_frames_up_to)) and is
    /// not all in `front`: `Some(None)` while some of it is still to
    /// arrive, `None` when the general way applies (the payload is in
    /// `front`, or the input ended).
    fn whole_payload(&mut self) -> Option<Option<LogOutput>> {
        let want = self.remaining as usize;
        if !self.whole || self.eof || self.front.len() >= want {
            return None;
        }
        let buffered = self.front.len() + self.queue.iter().map(Bytes::len).sum::<usize>();
        if buffered < want {
            return Some(None);
        }
        let mut piece = BytesMut::with_capacity(want);
        while piece.len() < want {
            let n = (want - piece.len()).min(self.front.len());
            let part = self.take(n);
            piece.extend_from_slice(&part);
        }
        self.remaining = 0;
        self.whole = false;
        Some(Some(self.channel.wrap(piece.freeze())))
    }

    /// Stops the decoder with an error about the current frame.
    fn fail(&mut self, kind: DemuxErrorKind, header_len: usize, missing: u64) -> DemuxError {
        self.done = true;
        self.front = Bytes::new();
        self.queue.clear();
        // only the bytes read: the rest of `header` may hold an earlier
        // frame's, which would make the error depend on how input was cut
        // (found by the fuzz target `demux`; tests/fuzz/corpus/demux/truncated-header-after-a-frame)
        let mut header = [0; HEADER_LEN];
        header[..header_len].copy_from_slice(&self.header[..header_len]);
        DemuxError {
            kind,
            offset: self.frame_offset,
            header,
            header_len: header_len as u8,
            missing,
        }
    }

    fn next_raw(&mut self) -> Option<Result<LogOutput, DemuxError>> {
        if self.front.is_empty() {
            self.done = self.eof;
            return None;
        }
        let chunk = self.take(self.front.len());
        Some(Ok(LogOutput::Console(chunk)))
    }

    /// Copies header bytes out of `front` until `header` is complete.
    /// Returns `false` if the input ran out first.
    fn take_split_header(&mut self) -> bool {
        while usize::from(self.header_len) < HEADER_LEN {
            if self.front.is_empty() {
                return false;
            }
            let have = usize::from(self.header_len);
            let n = (HEADER_LEN - have).min(self.front.len());
            self.header[have..have + n].copy_from_slice(&self.front[..n]);
            self.header_len += n as u8;
            // Header bytes are consumed: skip them without slicing.
            self.front.advance(n);
            self.refill();
        }
        self.header_len = 0;
        true
    }

    /// The common case, kept small enough to inline into the caller's loop:
    /// at a frame boundary, with the whole frame (and at least one byte
    /// after it) in `front`.
    #[inline]
    fn next_multiplexed(&mut self) -> Option<Result<LogOutput, DemuxError>> {
        match self.next_whole_frame() {
            Some(piece) => Some(Ok(piece)),
            None => self.next_multiplexed_general(),
        }
    }

    /// Any state: split headers, frames that span chunks, errors, the end.
    #[inline(never)]
    fn next_multiplexed_general(&mut self) -> Option<Result<LogOutput, DemuxError>> {
        loop {
            if self.remaining > 0 {
                if let Some(whole) = self.whole_payload() {
                    return whole.map(Ok);
                }
                self.whole = false;
                if self.front.is_empty() {
                    if self.eof {
                        let missing = u64::from(self.remaining);
                        let e = self.fail(DemuxErrorKind::Truncated, HEADER_LEN, missing);
                        return Some(Err(e));
                    }
                    return None;
                }
                let n = self.front.len().min(self.remaining as usize);
                self.remaining -= n as u32;
                let piece = self.take(n);
                return Some(Ok(self.channel.wrap(piece)));
            }

            if self.header_len == 0 {
                self.frame_offset = self.offset();
            }
            if self.header_len == 0 && self.front.len() >= HEADER_LEN {
                // The common case: the whole header is in one chunk.
                self.header.copy_from_slice(&self.front[..HEADER_LEN]);
                self.front.advance(HEADER_LEN);
                self.refill();
            } else if !self.take_split_header() {
                if !self.eof {
                    return None;
                }
                let have = usize::from(self.header_len);
                if have == 0 {
                    self.done = true;
                    return None;
                }
                let missing = (HEADER_LEN - have) as u64;
                return Some(Err(self.fail(DemuxErrorKind::Truncated, have, missing)));
            }

            let header = u64::from_be_bytes(self.header);
            let Some(channel) = Channel::from_type((header >> 56) as u8) else {
                let e = self.fail(DemuxErrorKind::UnknownStreamType, HEADER_LEN, 0);
                return Some(Err(e));
            };
            if (header >> 32) & 0x00ff_ffff != 0 {
                return Some(Err(self.fail(DemuxErrorKind::ReservedBytes, HEADER_LEN, 0)));
            }
            self.channel = channel;
            self.remaining = header as u32;
            self.whole = self.remaining <= self.whole_max;
        }
    }
}

impl Iterator for Demuxer {
    type Item = Result<LogOutput, DemuxError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.mode {
            Mode::Raw => self.next_raw(),
            Mode::Multiplexed => self.next_multiplexed(),
        }
    }
}
