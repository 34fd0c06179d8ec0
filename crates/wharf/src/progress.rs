//! Progress of long image operations: pull, push, import, load, build.
//!
//! These endpoints answer `200` at once and then report as they go, one JSON
//! object per line. A failure found after the `200` (a layer that does not
//! download, a `RUN` step that exits non-zero) cannot change the status any
//! more, so the daemon reports it as a line of its own, and that line is the
//! last:
//!
//! ```text
//! {"status":"Pulling fs layer","progressDetail":{},"id":"a1b2c3"}
//! {"status":"Downloading","progressDetail":{"current":512,"total":2048},"progress":"[==> ]","id":"a1b2c3"}
//! {"stream":"Step 2/3 : RUN make\n"}
//! {"aux":{"ID":"sha256:4e5f..."}}
//! {"errorDetail":{"code":1,"message":"The command '/bin/sh -c make' returned a non-zero code: 2"},"error":"..."}
//! ```
//!
//! [`ProgressStream`] reads these lines (with [`crate::stream::json_lines`])
//! into [`Progress`] items, and turns an error line into an `Err` item so a
//! failed pull or build cannot be mistaken for a finished one. Fields it
//! does not know are ignored.
//!
//! ```no_run
//! # async fn run(docker: wharf::Docker, context: Vec<u8>) -> wharf::Result<()> {
//! use futures_util::TryStreamExt;
//! use wharf::progress::ProgressStream;
//!
//! let response = docker
//!     .post("/build")
//!     .query("t", "app:dev")
//!     .header("Content-Type", "application/x-tar")
//!     .body(context)
//!     .timeout(wharf::Timeout::Unlimited)
//!     .send()
//!     .await?;
//! let mut progress = ProgressStream::new(response);
//! while let Some(line) = progress.try_next().await? {
//!     if let Some(text) = &line.stream {
//!         print!("{text}");
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use serde::Deserialize;

use crate::container::stats::json_lines_error;
use crate::error::{Error, Result};
use crate::stream::JsonLines;
use crate::Response;

/// One line of progress. Every field is optional: each operation sets a few.
///
/// ```
/// let line: wharf::progress::Progress =
///     serde_json::from_str(r#"{"status":"Downloading","id":"a1b2","progressDetail":{"current":5,"total":10}}"#)?;
/// assert_eq!(line.status.as_deref(), Some("Downloading"));
/// assert_eq!(line.progress_detail.and_then(|d| d.total), Some(10));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// What is happening (`Downloading`, `Pull complete`, `Digest: ...`).
    pub status: Option<String>,
    /// What it is happening to: a layer id, or a tag.
    pub id: Option<String>,
    /// The counts behind [`progress`](Self::progress).
    #[serde(rename = "progressDetail")]
    pub progress_detail: Option<ProgressDetail>,
    /// A progress bar drawn as text (`[=====>    ] 5MB/10MB`).
    pub progress: Option<String>,
    /// Build output text (a `Step n/m` line, a command's output).
    pub stream: Option<String>,
    /// Extra data the operation returns, such as a build's image id
    /// (`{"ID":"sha256:..."}`) or a push's digest.
    pub aux: Option<serde_json::Value>,
}

/// Bytes or steps done and to do, of one [`Progress`] line.
///
/// ```
/// let detail: wharf::progress::ProgressDetail = serde_json::from_str(r#"{"current":1,"total":4}"#)?;
/// assert_eq!((detail.current, detail.total), (Some(1), Some(4)));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProgressDetail {
    /// Done so far.
    pub current: Option<i64>,
    /// The whole, when known.
    pub total: Option<i64>,
}

/// What a line can hold, errors included.
#[derive(Deserialize)]
struct Line {
    #[serde(flatten)]
    progress: Progress,
    error: Option<String>,
    #[serde(rename = "errorDetail")]
    error_detail: Option<ErrorDetail>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: Option<i64>,
    message: Option<String>,
}

/// A stream of [`Progress`] lines from a pull, push, import, load or build
/// response; an error line becomes an `Err` item, after which the stream
/// ends.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// use futures_util::TryStreamExt;
/// use wharf::progress::ProgressStream;
///
/// let response = docker
///     .post("/images/create")
///     .query("fromImage", "alpine")
///     .query("tag", "3.20")
///     .timeout(wharf::Timeout::Unlimited)
///     .send()
///     .await?;
/// let lines: Vec<_> = ProgressStream::new(response).try_collect().await?;
/// # Ok(())
/// # }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct ProgressStream {
    inner: JsonLines<BoxStream<'static, Result<Bytes>>, Line>,
    done: bool,
}

impl ProgressStream {
    /// Reads the progress lines of a response.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker, tar: Vec<u8>) -> wharf::Result<()> {
    /// let response = docker
    ///     .post("/images/load")
    ///     .header("Content-Type", "application/x-tar")
    ///     .body(tar)
    ///     .send()
    ///     .await?;
    /// let progress = wharf::progress::ProgressStream::new(response);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(response: Response) -> ProgressStream {
        ProgressStream::from_body(response.bytes_stream().boxed())
    }

    /// Reads the progress lines of a body (a generated operation's answer).
    pub(crate) fn from_body(body: BoxStream<'static, Result<Bytes>>) -> ProgressStream {
        ProgressStream {
            inner: JsonLines::new(body),
            done: false,
        }
    }
}

impl Stream for ProgressStream {
    type Item = Result<Progress>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let next = ready!(self.inner.poll_next_unpin(cx));
        Poll::Ready(match next {
            None => {
                self.done = true;
                None
            }
            Some(Err(e)) => Some(Err(json_lines_error(e))),
            Some(Ok(line)) => match (line.error, line.error_detail) {
                (None, None) => Some(Ok(line.progress)),
                (error, detail) => {
                    self.done = true;
                    Some(Err(failure(error, detail)))
                }
            },
        })
    }
}

/// The error of an error line: the detail's message (or the plain `error`
/// text), with its code when there is one.
fn failure(error: Option<String>, detail: Option<ErrorDetail>) -> Error {
    let (code, detail_message) = match detail {
        Some(d) => (d.code, d.message),
        None => (None, None),
    };
    let message = detail_message.or(error).unwrap_or_default();
    Error::new(crate::ErrorKind::Server)
        .with_detail(match code {
            Some(code) => format!("the operation failed (code {code}): {message}"),
            None => format!("the operation failed: {message}"),
        })
        .with_message(message)
}

impl fmt::Debug for ProgressStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProgressStream")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Line {
        serde_json::from_str(line).unwrap()
    }

    #[test]
    fn an_error_line_is_an_error_with_the_daemons_message() {
        let line = parse(
            r#"{"errorDetail":{"code":2,"message":"returned a non-zero code: 2"},"error":"old text"}"#,
        );
        let e = failure(line.error, line.error_detail);
        assert_eq!(e.kind(), crate::ErrorKind::Server);
        let text = e.to_string();
        assert!(
            text.contains("(code 2): returned a non-zero code: 2"),
            "{text}"
        );
        assert!(!text.contains("old text"), "{text}");
        assert_eq!(e.message(), Some("returned a non-zero code: 2"));
        let line = parse(r#"{"error":"pull access denied"}"#);
        let e = failure(line.error, line.error_detail);
        assert!(e.to_string().contains("pull access denied"), "{e}");
        assert_eq!(e.message(), Some("pull access denied"));
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let line = parse(r#"{"status":"Done","newField":{"x":1},"id":"7"}"#);
        assert!(line.error.is_none());
        assert_eq!(line.progress.status.as_deref(), Some("Done"));
        assert_eq!(line.progress.id.as_deref(), Some("7"));
    }
}
