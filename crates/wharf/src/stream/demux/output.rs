//! [`LogOutput`]: one piece of a container's output, tagged with its stream.

use std::fmt;

use bytes::Bytes;

/// One piece of a container's output.
///
/// Each variant holds the bytes as they arrived; a frame may come in several
/// pieces (see [Pieces, not frames](super#pieces-not-frames)). `Display`
/// writes the bytes as text, replacing invalid UTF-8 with `U+FFFD`.
///
/// ```
/// use bytes::Bytes;
/// use wharf::stream::LogOutput;
///
/// let out = LogOutput::Stderr(Bytes::from_static(b"warning\n"));
/// assert!(out.is_stderr());
/// assert_eq!(out.as_bytes(), "warning\n");
/// assert_eq!(out.to_string(), "warning\n");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LogOutput {
    /// Stream type 0: the process's stdin echoed back. Docker's CLI writes
    /// it to stdout.
    Stdin(Bytes),
    /// Stream type 1: the process's stdout.
    Stdout(Bytes),
    /// Stream type 2: the process's stderr.
    Stderr(Bytes),
    /// Stream type 3: an error message from the daemon, such as
    /// `Error grabbing logs: ...`. More output may follow.
    SystemError(Bytes),
    /// A raw stream's bytes (the process has a TTY): stdout and stderr mixed,
    /// as the terminal shows them.
    Console(Bytes),
}

impl LogOutput {
    /// The bytes of this piece.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// let out = LogOutput::Stdout(Bytes::from_static(b"hi"));
    /// assert_eq!(&out.as_bytes()[..], b"hi");
    /// ```
    pub fn as_bytes(&self) -> &Bytes {
        match self {
            LogOutput::Stdin(b)
            | LogOutput::Stdout(b)
            | LogOutput::Stderr(b)
            | LogOutput::SystemError(b)
            | LogOutput::Console(b) => b,
        }
    }

    /// The bytes of this piece, without copying.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// let out = LogOutput::Console(Bytes::from_static(b"$ "));
    /// assert_eq!(out.into_bytes(), Bytes::from_static(b"$ "));
    /// ```
    pub fn into_bytes(self) -> Bytes {
        match self {
            LogOutput::Stdin(b)
            | LogOutput::Stdout(b)
            | LogOutput::Stderr(b)
            | LogOutput::SystemError(b)
            | LogOutput::Console(b) => b,
        }
    }

    /// The bytes as text, invalid UTF-8 replaced with `U+FFFD` (borrowed
    /// when the bytes are valid UTF-8).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// let out = LogOutput::Stdout(Bytes::from_static(b"ready\n"));
    /// assert_eq!(out.text(), "ready\n");
    /// if let LogOutput::Stdout(_) = &out {
    ///     assert!(out.text().starts_with("ready"));
    /// }
    /// ```
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.as_bytes())
    }

    /// The stream's name: `"stdin"`, `"stdout"`, `"stderr"`, `"system"`
    /// (daemon errors) or `"console"` (TTY), for prefixes and logs.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// let out = LogOutput::Stderr(Bytes::from_static(b"oops"));
    /// assert_eq!(format!("[{}] {out}", out.stream_name()), "[stderr] oops");
    /// ```
    pub fn stream_name(&self) -> &'static str {
        match self {
            LogOutput::Stdin(_) => "stdin",
            LogOutput::Stdout(_) => "stdout",
            LogOutput::Stderr(_) => "stderr",
            LogOutput::SystemError(_) => "system",
            LogOutput::Console(_) => "console",
        }
    }

    /// The number of bytes in this piece.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// assert_eq!(LogOutput::Stdout(Bytes::from_static(b"abc")).len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Whether this piece holds no bytes. The decoders never produce empty
    /// pieces.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// assert!(LogOutput::Stdout(Bytes::new()).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }

    /// Whether this is [`LogOutput::Stdin`].
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// assert!(LogOutput::Stdin(Bytes::new()).is_stdin());
    /// ```
    pub fn is_stdin(&self) -> bool {
        matches!(self, LogOutput::Stdin(_))
    }

    /// Whether this is [`LogOutput::Stdout`].
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// assert!(LogOutput::Stdout(Bytes::new()).is_stdout());
    /// assert!(!LogOutput::Console(Bytes::new()).is_stdout());
    /// ```
    pub fn is_stdout(&self) -> bool {
        matches!(self, LogOutput::Stdout(_))
    }

    /// Whether this is [`LogOutput::Stderr`].
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// assert!(LogOutput::Stderr(Bytes::new()).is_stderr());
    /// ```
    pub fn is_stderr(&self) -> bool {
        matches!(self, LogOutput::Stderr(_))
    }

    /// Whether this is [`LogOutput::SystemError`].
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// assert!(LogOutput::SystemError(Bytes::from_static(b"Error grabbing logs")).is_system_error());
    /// ```
    pub fn is_system_error(&self) -> bool {
        matches!(self, LogOutput::SystemError(_))
    }

    /// Whether this is [`LogOutput::Console`].
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wharf::stream::LogOutput;
    ///
    /// assert!(LogOutput::Console(Bytes::new()).is_console());
    /// ```
    pub fn is_console(&self) -> bool {
        matches!(self, LogOutput::Console(_))
    }
}

impl AsRef<[u8]> for LogOutput {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl From<LogOutput> for Bytes {
    fn from(out: LogOutput) -> Bytes {
        out.into_bytes()
    }
}

impl fmt::Display for LogOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.as_bytes().utf8_chunks() {
            f.write_str(chunk.valid())?;
            if !chunk.invalid().is_empty() {
                f.write_str("\u{FFFD}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_output_accessors_and_display() {
        let out = LogOutput::Stdout(Bytes::from_static(b"caf\xc3\xa9 \xff!"));
        assert_eq!(out.to_string(), "café \u{FFFD}!");
        assert_eq!(out.len(), 8);
        assert!(out.is_stdout() && !out.is_stderr() && !out.is_stdin());
        assert!(!out.is_console() && !out.is_system_error());
        assert_eq!(AsRef::<[u8]>::as_ref(&out), b"caf\xc3\xa9 \xff!");
        assert_eq!(Bytes::from(out.clone()), out.into_bytes());
    }
}
