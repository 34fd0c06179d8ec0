//! Raw or multiplexed: which format a stream is in, from the process's TTY
//! setting or the response's `Content-Type`.

use crate::ApiVersion;

/// The `Content-Type` of a multiplexed stream (API 1.42 and later).
///
/// ```
/// use wharf::stream::demux::MULTIPLEXED_STREAM;
/// assert_eq!(MULTIPLEXED_STREAM, "application/vnd.docker.multiplexed-stream");
/// ```
pub const MULTIPLEXED_STREAM: &str = "application/vnd.docker.multiplexed-stream";

/// The `Content-Type` of a raw stream. Before API 1.42 the Engine sends it
/// for multiplexed streams too.
///
/// ```
/// use wharf::stream::demux::RAW_STREAM;
/// assert_eq!(RAW_STREAM, "application/vnd.docker.raw-stream");
/// ```
pub const RAW_STREAM: &str = "application/vnd.docker.raw-stream";

/// Whether a stream is multiplexed (framed stdout/stderr) or raw (a TTY).
///
/// See the [module documentation](super) for how to choose.
///
/// ```
/// use wharf::stream::Mode;
///
/// let tty = false; // from the container's or exec's config
/// assert_eq!(Mode::from_tty(tty), Mode::Multiplexed);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Frames with 8-byte headers: the process has no TTY.
    Multiplexed,
    /// The terminal's bytes as they are: the process has a TTY.
    Raw,
}

impl Mode {
    /// The first API version whose responses carry a `Content-Type` that
    /// tells the two modes apart.
    ///
    /// ```
    /// use wharf::{stream::Mode, ApiVersion};
    ///
    /// assert_eq!(Mode::LABELLED_SINCE, ApiVersion::new(1, 42));
    /// ```
    pub const LABELLED_SINCE: ApiVersion = ApiVersion::new(1, 42);

    /// The mode for a process with (`true`) or without (`false`) a TTY.
    ///
    /// ```
    /// use wharf::stream::Mode;
    ///
    /// assert_eq!(Mode::from_tty(true), Mode::Raw);
    /// assert_eq!(Mode::from_tty(false), Mode::Multiplexed);
    /// ```
    pub fn from_tty(tty: bool) -> Mode {
        if tty {
            Mode::Raw
        } else {
            Mode::Multiplexed
        }
    }

    /// Picks the mode from a response's `Content-Type`, or returns
    /// `fallback` when the header cannot be trusted.
    ///
    /// `api_version` is the API version the request was made with (the one
    /// in its URL path: `/v1.47/...`).
    ///
    /// | `Content-Type` | result |
    /// | --- | --- |
    /// | [`MULTIPLEXED_STREAM`] | [`Mode::Multiplexed`] |
    /// | [`RAW_STREAM`], API >= 1.42 | [`Mode::Raw`] |
    /// | [`RAW_STREAM`], API < 1.42 | `fallback`: old engines say raw-stream for multiplexed streams too |
    /// | missing or anything else | `fallback` |
    ///
    /// Media type parameters (`; charset=...`), case and surrounding spaces
    /// are ignored. The fallback should come from the container's or exec's
    /// `Tty` setting ([`Mode::from_tty`]).
    ///
    /// ```
    /// use wharf::{stream::Mode, ApiVersion};
    ///
    /// let tty = false;
    /// let mode = Mode::from_content_type(
    ///     Some("application/vnd.docker.raw-stream"),
    ///     ApiVersion::new(1, 41),
    ///     Mode::from_tty(tty),
    /// );
    /// // An old engine's label is ignored: the Tty setting decides.
    /// assert_eq!(mode, Mode::Multiplexed);
    ///
    /// let mode = Mode::from_content_type(
    ///     Some("application/vnd.docker.raw-stream"),
    ///     ApiVersion::new(1, 47),
    ///     Mode::from_tty(tty),
    /// );
    /// assert_eq!(mode, Mode::Raw);
    /// ```
    pub fn from_content_type(
        content_type: Option<&str>,
        api_version: ApiVersion,
        fallback: Mode,
    ) -> Mode {
        let Some(content_type) = content_type else {
            return fallback;
        };
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if essence.eq_ignore_ascii_case(MULTIPLEXED_STREAM) {
            Mode::Multiplexed
        } else if essence.eq_ignore_ascii_case(RAW_STREAM) && api_version >= Mode::LABELLED_SINCE {
            Mode::Raw
        } else {
            fallback
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_selection() {
        use Mode::*;
        let new = ApiVersion::new(1, 42);
        let old = ApiVersion::new(1, 41);
        let cases = [
            (Some(MULTIPLEXED_STREAM), new, Raw, Multiplexed),
            (Some(MULTIPLEXED_STREAM), old, Raw, Multiplexed),
            (Some(RAW_STREAM), new, Multiplexed, Raw),
            (Some(RAW_STREAM), ApiVersion::new(1, 47), Multiplexed, Raw),
            (Some(RAW_STREAM), ApiVersion::new(2, 0), Multiplexed, Raw),
            (
                Some(RAW_STREAM),
                ApiVersion::new(1, 24),
                Multiplexed,
                Multiplexed,
            ),
            (Some(RAW_STREAM), old, Multiplexed, Multiplexed),
            (Some(RAW_STREAM), old, Raw, Raw),
            (None, new, Multiplexed, Multiplexed),
            (None, new, Raw, Raw),
            (Some("text/plain"), new, Multiplexed, Multiplexed),
            (Some(""), new, Raw, Raw),
            (
                Some(" Application/VND.Docker.Multiplexed-Stream ; charset=utf-8"),
                new,
                Raw,
                Multiplexed,
            ),
            (
                Some("application/vnd.docker.raw-stream;x=y"),
                new,
                Multiplexed,
                Raw,
            ),
        ];
        for (ct, version, fallback, want) in cases {
            assert_eq!(
                Mode::from_content_type(ct, version, fallback),
                want,
                "{ct:?} {version:?} {fallback:?}"
            );
        }
    }
}
