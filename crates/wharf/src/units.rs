//! Memory sizes as the docker CLI writes them: `512m`, `1.5g`, `64MiB`, `1048576`.
//!
//! [`MemorySize`] parses the same forms as `docker run --memory`: a number,
//! optionally with a fraction, then an optional unit letter (`b`, `k`, `m`,
//! `g`, `t`, `p`, any case), then an optional `i` and an optional `b`.
//! Units are binary (`1k` is 1024 bytes), also when written `kb`: the CLI
//! reads memory that way (docker/go-units, `RAMInBytes`).
//!
//! ```
//! use wharf::units::MemorySize;
//!
//! assert_eq!("512m".parse::<MemorySize>()?.bytes(), 512 * 1024 * 1024);
//! assert_eq!("1.5g".parse::<MemorySize>()?.bytes(), 3 * 512 * 1024 * 1024);
//! assert_eq!("64MiB".parse::<MemorySize>()?.bytes(), 64 * 1024 * 1024);
//! assert_eq!("4096".parse::<MemorySize>()?.bytes(), 4096);
//! # Ok::<(), wharf::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// A number of bytes of memory, parsed from `512m`-style text or given in
/// bytes.
///
/// ```
/// use wharf::units::MemorySize;
///
/// let limit = MemorySize::parse("256m")?;
/// assert_eq!(limit, MemorySize::from_bytes(268_435_456));
/// assert_eq!(limit.to_string(), "256MiB");
///
/// let e = MemorySize::parse("lots").unwrap_err();
/// assert_eq!(e.kind(), wharf::ErrorKind::InvalidArgument);
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemorySize(u64);

const UNITS: [(char, u32); 5] = [('k', 10), ('m', 20), ('g', 30), ('t', 40), ('p', 50)];

impl MemorySize {
    /// Exactly `bytes` bytes.
    ///
    /// ```
    /// assert_eq!(wharf::units::MemorySize::from_bytes(1024).bytes(), 1024);
    /// ```
    pub const fn from_bytes(bytes: u64) -> MemorySize {
        MemorySize(bytes)
    }

    /// The size in bytes.
    ///
    /// ```
    /// assert_eq!(wharf::units::MemorySize::parse("2k").unwrap().bytes(), 2048);
    /// ```
    pub const fn bytes(self) -> u64 {
        self.0
    }

    /// Parses `512m`, `1.5g`, `64MiB`, `100kb`, `4096`, `10 m`: see the
    /// [module docs](crate::units). A fraction is rounded down to whole
    /// bytes. Anything else is an [`ErrorKind::InvalidArgument`] error
    /// naming the input.
    ///
    /// [`ErrorKind::InvalidArgument`]: crate::ErrorKind::InvalidArgument
    ///
    /// ```
    /// use wharf::units::MemorySize;
    ///
    /// assert_eq!(MemorySize::parse("1G")?.bytes(), 1 << 30);
    /// assert!(MemorySize::parse("1x").is_err());
    /// assert!(MemorySize::parse("-1m").is_err());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<MemorySize> {
        parse(text).ok_or_else(|| {
            Error::invalid_argument(format!(
                "{text:?} is not a memory size; write a number of bytes, optionally with a \
                 unit: b, k, m, g, t or p (binary: 1k = 1024), such as \"512m\" or \"1.5g\""
            ))
        })
    }

    /// The size as the Engine API's signed byte counts want it; `None` above
    /// `i64::MAX`.
    pub(crate) fn as_i64(self) -> Option<i64> {
        i64::try_from(self.0).ok()
    }
}

fn parse(text: &str) -> Option<MemorySize> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, rest) = text.split_at(digits_end);
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) => (w, f),
        None => (number, ""),
    };
    if whole.is_empty() || fraction.contains('.') || number.ends_with('.') {
        return None;
    }
    // One optional space between the number and the unit, as the CLI allows.
    let rest = rest.strip_prefix(' ').unwrap_or(rest).to_ascii_lowercase();
    let mut chars = rest.chars().peekable();
    let shift = match chars
        .peek()
        .and_then(|c| UNITS.iter().find(|(u, _)| u == c))
    {
        Some(&(_, shift)) => {
            chars.next();
            shift
        }
        None => 0,
    };
    let suffix: String = chars.collect();
    if !matches!(suffix.as_str(), "" | "i" | "b" | "ib") {
        return None;
    }
    let multiplier = 1u128 << shift;
    let whole: u128 = whole.parse().ok()?;
    let mut bytes = whole.checked_mul(multiplier)?;
    if !fraction.is_empty() {
        let digits = fraction.len().min(30) as u32;
        let numerator: u128 = fraction[..digits as usize].parse().ok()?;
        let scale = 10u128.checked_pow(digits)?;
        bytes += numerator.checked_mul(multiplier)? / scale;
    }
    u64::try_from(bytes).ok().map(MemorySize)
}

impl FromStr for MemorySize {
    type Err = Error;

    fn from_str(s: &str) -> Result<MemorySize> {
        MemorySize::parse(s)
    }
}

impl From<u64> for MemorySize {
    fn from(bytes: u64) -> MemorySize {
        MemorySize(bytes)
    }
}

/// The largest binary unit that divides the size exactly: `512MiB`,
/// `1536KiB`, `100B`.
impl fmt::Display for MemorySize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        let mut value = self.0;
        let mut unit = 0;
        while value != 0 && value & 1023 == 0 && unit < NAMES.len() - 1 {
            value >>= 10;
            unit += 1;
        }
        write!(f, "{value}{}", NAMES[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(text: &str) -> u64 {
        MemorySize::parse(text)
            .unwrap_or_else(|e| panic!("{text:?}: {e}"))
            .bytes()
    }

    #[test]
    fn units_are_binary_in_any_case_and_spelling() {
        assert_eq!(bytes("0"), 0);
        assert_eq!(bytes("100"), 100);
        assert_eq!(bytes("100b"), 100);
        assert_eq!(bytes("100B"), 100);
        for k in ["1k", "1K", "1kb", "1KB", "1kib", "1KiB", "1ki", "1 k"] {
            assert_eq!(bytes(k), 1024, "{k}");
        }
        assert_eq!(bytes("512m"), 512 << 20);
        assert_eq!(bytes("512M"), 512 << 20);
        assert_eq!(bytes("2g"), 2 << 30);
        assert_eq!(bytes("3t"), 3 << 40);
        assert_eq!(bytes("1p"), 1 << 50);
        assert_eq!(bytes(" 64m "), 64 << 20);
    }

    #[test]
    fn fractions_round_down_to_bytes() {
        assert_eq!(bytes("1.5g"), 3 << 29);
        assert_eq!(bytes("0.5k"), 512);
        assert_eq!(bytes("1.0001k"), 1024);
        assert_eq!(bytes("2.25m"), (2 << 20) + (1 << 18));
    }

    #[test]
    fn bad_sizes_are_invalid_arguments_naming_the_input() {
        for bad in [
            "",
            "m",
            "-1m",
            "1x",
            "1mm",
            "1mbb",
            "1.2.3m",
            "1.m",
            ".5m",
            "1  m",
            "1 0m",
            "99999999999p",
        ] {
            let e = MemorySize::parse(bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{bad:?}");
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
    }

    #[test]
    fn displays_in_the_largest_exact_unit() {
        assert_eq!(MemorySize::from_bytes(0).to_string(), "0B");
        assert_eq!(MemorySize::from_bytes(100).to_string(), "100B");
        assert_eq!(MemorySize::from_bytes(1536 * 1024).to_string(), "1536KiB");
        assert_eq!(MemorySize::from_bytes(512 << 20).to_string(), "512MiB");
        // Display parses back to the same size.
        for n in [1u64, 4096, 3 << 29, 1 << 50, 7 << 50] {
            let s = MemorySize::from_bytes(n);
            assert_eq!(MemorySize::parse(&s.to_string()).unwrap(), s);
        }
    }
}
