//! [`DemuxStream`]: the decoder as a [`Stream`] over a stream of byte chunks.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::{ready, FusedStream, Stream};
use pin_project_lite::pin_project;

use super::{Demuxer, LogOutput, Mode};
use crate::stream::StreamError;

pin_project! {
    /// A [`Stream`] of [`LogOutput`] over a stream of byte chunks.
    ///
    /// Works with any `Stream<Item = Result<Bytes, E>>`, such as an HTTP
    /// response body's `bytes_stream()`. Errors are a [`StreamError<E>`]:
    /// [`Transport`](StreamError::Transport) for the byte stream's own
    /// errors, [`Demux`](StreamError::Demux) for a malformed or cut-short
    /// stream. After either, the stream ends.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::{stream, TryStreamExt};
    /// use wharf::stream::{DemuxStream, LogOutput, Mode};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let chunks = [&b"\x02\0\0\0\0\0\0\x04oo"[..], b"ps"];
    /// let body = stream::iter(chunks.map(|c| Ok::<_, std::io::Error>(Bytes::from_static(c))));
    /// let items: Vec<LogOutput> = DemuxStream::new(body, Mode::Multiplexed).try_collect().await?;
    /// assert_eq!(
    ///     items,
    ///     [LogOutput::Stderr(Bytes::from_static(b"oo")), LogOutput::Stderr(Bytes::from_static(b"ps"))]
    /// );
    /// # Ok::<(), wharf::stream::StreamError<std::io::Error>>(())
    /// # }).unwrap();
    /// ```
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct DemuxStream<S> {
        #[pin]
        inner: S,
        pub(super) demuxer: Demuxer,
        terminated: bool,
    }
}

impl<S> DemuxStream<S> {
    /// Decodes `inner` in the given mode.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::stream;
    /// use wharf::stream::{DemuxStream, Mode};
    ///
    /// let body = stream::empty::<Result<Bytes, std::io::Error>>();
    /// let _logs = DemuxStream::new(body, Mode::from_tty(false));
    /// ```
    pub fn new(inner: S, mode: Mode) -> DemuxStream<S> {
        DemuxStream {
            inner,
            demuxer: Demuxer::new(mode),
            terminated: false,
        }
    }

    /// Gives back the underlying stream. Bytes already taken from it but not
    /// yet returned as output are lost.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::stream;
    /// use wharf::stream::{DemuxStream, Mode};
    ///
    /// let logs = DemuxStream::new(stream::empty::<Result<Bytes, ()>>(), Mode::Raw);
    /// let _body = logs.into_inner();
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, E> Stream for DemuxStream<S>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    type Item = Result<LogOutput, StreamError<E>>;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        if let Some(piece) = this.demuxer.next_whole_frame() {
            return Poll::Ready(Some(Ok(piece)));
        }
        loop {
            if *this.terminated {
                return Poll::Ready(None);
            }
            match this.demuxer.next() {
                Some(Ok(out)) => return Poll::Ready(Some(Ok(out))),
                Some(Err(e)) => {
                    *this.terminated = true;
                    return Poll::Ready(Some(Err(StreamError::Demux(e))));
                }
                None if this.demuxer.is_finished() => {
                    *this.terminated = true;
                    return Poll::Ready(None);
                }
                None => {}
            }
            match ready!(this.inner.as_mut().poll_next(cx)) {
                Some(Ok(chunk)) => this.demuxer.push(chunk),
                Some(Err(e)) => {
                    *this.terminated = true;
                    return Poll::Ready(Some(Err(StreamError::Transport(e))));
                }
                None => this.demuxer.finish(),
            }
        }
    }
}

impl<S, E> FusedStream for DemuxStream<S>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    fn is_terminated(&self) -> bool {
        self.terminated
    }
}
