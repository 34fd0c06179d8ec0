//! Image references, parsed and normalized the way the docker CLI does it.
//!
//! ```text
//!   127.0.0.1:5000/team/app:v2@sha256:0123...
//!   \____________/ \______/ \/ \____________/
//!      registry   repository tag    digest
//!
//!   busybox  ==>  docker.io/library/busybox:latest   (with_default_tag)
//! ```
//!
//! The grammar and the normalization are those of
//! `github.com/distribution/reference` (`regexp.go`, `normalize.go`), which the
//! CLI and the daemon use: the first path component is a registry when it
//! holds a `.` or a `:`, is `localhost`, or has an upper-case letter; otherwise
//! the image is on Docker Hub (`docker.io`), and a one-component Hub name is
//! in `library/`. A repository is lower case; a tag is at most 128 word
//! characters, dots and dashes; a digest is `algorithm:hex`.
//!
//! Written here rather than taken from a crate: `oci-spec`'s
//! `distribution::Reference` normalizes alike but brings derive_builder,
//! getset, strum and thiserror to a crate that needs one small parser, and
//! `oci-client`'s `Reference` comes with a whole registry client. This module
//! has no dependency and is fuzzed (`fuzz/fuzz_targets/reference.rs`).
//!
//! ```
//! use wharf::Reference;
//!
//! let r: Reference = "busybox".parse()?;
//! assert_eq!(r.to_string(), "docker.io/library/busybox");
//! assert_eq!(r.with_default_tag().to_string(), "docker.io/library/busybox:latest");
//!
//! let r = Reference::parse("127.0.0.1:5000/ns/img:v1")?;
//! assert_eq!((r.registry(), r.repository(), r.tag()), ("127.0.0.1:5000", "ns/img", Some("v1")));
//! assert_eq!(r.familiar(), "127.0.0.1:5000/ns/img:v1");
//!
//! let e = Reference::parse("Busybox/Bad:tag/x").unwrap_err();
//! assert_eq!(e.kind(), wharf::ErrorKind::InvalidArgument);
//! # Ok::<(), wharf::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// Docker Hub's registry name in a normalized reference.
pub const DOCKER_HUB: &str = "docker.io";

/// The key of Docker Hub's credentials in the docker CLI's `config.json`
/// (and the server address its credential helpers are asked for).
pub const DOCKER_HUB_AUTH_KEY: &str = "https://index.docker.io/v1/";

/// The longest repository name with its registry (`NameTotalLengthMax`).
const NAME_MAX: usize = 255;

/// A parsed, normalized image reference: registry, repository, and an
/// optional tag and digest.
///
/// ```
/// let r = wharf::Reference::parse("ubuntu@sha256:45b23dee08af5e43a7fea6c4cf9c25ccf269ee113168c19722f87876677c5cb2")?;
/// assert_eq!(r.registry(), "docker.io");
/// assert_eq!(r.repository(), "library/ubuntu");
/// assert_eq!(r.tag(), None);
/// assert!(r.digest().unwrap().starts_with("sha256:45b2"));
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Reference {
    /// Parses and normalizes `text` like the CLI's `ParseNormalizedNamed`.
    /// Anything that is not a reference is an
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
    /// saying why.
    ///
    /// ```
    /// use wharf::Reference;
    ///
    /// assert_eq!(Reference::parse("index.docker.io/debian")?.to_string(), "docker.io/library/debian");
    /// assert!(Reference::parse("docker.io/Debian").is_err());
    /// assert!(Reference::parse("").is_err());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<Reference> {
        parse(text).map_err(|why| {
            Error::invalid_argument(format!("invalid reference format: {text:?}: {why}"))
        })
    }

    /// The registry: `docker.io`, `localhost:5000`, `[::1]:5000`.
    ///
    /// ```
    /// assert_eq!(wharf::Reference::parse("localhost/app")?.registry(), "localhost");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository within the registry (`library/busybox`, `team/app`).
    ///
    /// ```
    /// assert_eq!(wharf::Reference::parse("busybox")?.repository(), "library/busybox");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag, if the reference has one.
    ///
    /// ```
    /// assert_eq!(wharf::Reference::parse("busybox:1.36")?.tag(), Some("1.36"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest (`sha256:...`), if the reference has one.
    ///
    /// ```
    /// assert_eq!(wharf::Reference::parse("busybox")?.digest(), None);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// Registry and repository: `docker.io/library/busybox`.
    ///
    /// ```
    /// assert_eq!(wharf::Reference::parse("busybox:1")?.name(), "docker.io/library/busybox");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The reference with the tag `latest` when it has neither tag nor
    /// digest (the CLI's `TagNameOnly`, what `docker pull busybox` pulls).
    ///
    /// ```
    /// let r = wharf::Reference::parse("busybox")?.with_default_tag();
    /// assert_eq!(r.tag(), Some("latest"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn with_default_tag(mut self) -> Reference {
        if self.tag.is_none() && self.digest.is_none() {
            self.tag = Some("latest".into());
        }
        self
    }

    /// The same repository with another tag (and no digest).
    ///
    /// ```
    /// let r = wharf::Reference::parse("busybox:1")?.with_tag("2")?;
    /// assert_eq!(r.to_string(), "docker.io/library/busybox:2");
    /// assert!(wharf::Reference::parse("busybox")?.with_tag("-bad").is_err());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn with_tag(mut self, tag: &str) -> Result<Reference> {
        if !is_tag(tag) {
            return Err(Error::invalid_argument(format!(
                "invalid tag {tag:?}: at most 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"
            )));
        }
        self.tag = Some(tag.to_owned());
        self.digest = None;
        Ok(self)
    }

    /// The short form the CLI prints: Docker Hub's registry and `library/`
    /// left out (`busybox:latest`, `team/app`, `localhost:5000/app:v1`).
    ///
    /// ```
    /// let r = wharf::Reference::parse("docker.io/library/busybox:latest")?;
    /// assert_eq!(r.familiar(), "busybox:latest");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn familiar(&self) -> String {
        let mut out = self.familiar_name();
        self.push_suffix(&mut out);
        out
    }

    /// The short form of the name alone (`busybox`, `team/app`).
    ///
    /// ```
    /// assert_eq!(wharf::Reference::parse("team/app:v1")?.familiar_name(), "team/app");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn familiar_name(&self) -> String {
        if self.registry != DOCKER_HUB {
            return self.name();
        }
        match self.repository.strip_prefix("library/") {
            Some(rest) if !rest.contains('/') => rest.to_owned(),
            // `docker.io/my.host/app`: without its registry the name would
            // read as the registry `my.host` (distribution's familiarizeName
            // drops it all the same, and its short form names another image)
            _ if self
                .repository
                .split_once('/')
                .is_some_and(|(first, _)| names_a_registry(first)) =>
            {
                self.name()
            }
            _ => self.repository.clone(),
        }
    }

    /// The key of this registry's credentials in the CLI's `config.json`:
    /// [`DOCKER_HUB_AUTH_KEY`] for Docker Hub, the registry name otherwise
    /// (the CLI's `GetAuthConfigKey`).
    ///
    /// ```
    /// use wharf::Reference;
    ///
    /// assert_eq!(Reference::parse("busybox")?.auth_key(), "https://index.docker.io/v1/");
    /// assert_eq!(Reference::parse("127.0.0.1:5000/a")?.auth_key(), "127.0.0.1:5000");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn auth_key(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_AUTH_KEY
        } else {
            &self.registry
        }
    }

    fn push_suffix(&self, out: &mut String) {
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest);
        }
    }
}

impl fmt::Display for Reference {
    /// The whole normalized reference: `docker.io/library/busybox:latest`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = self.name();
        self.push_suffix(&mut out);
        f.write_str(&out)
    }
}

impl FromStr for Reference {
    type Err = Error;

    fn from_str(s: &str) -> Result<Reference> {
        Reference::parse(s)
    }
}

/// Whether `text` is an image id: 64 hex digits, with or without
/// `sha256:` (which the daemon accepts wherever a name goes).
pub(crate) fn is_image_id(text: &str) -> bool {
    let hex = text.strip_prefix("sha256:").unwrap_or(text);
    hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn parse(text: &str) -> std::result::Result<Reference, String> {
    if text.is_empty() {
        return Err("the reference is empty".into());
    }
    // ParseNormalizedNamed: a full id is not a name.
    if text.len() == 64 && is_image_id(text) {
        return Err("a repository name cannot be 64 hexadecimal digits (an image id)".into());
    }
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => {
            check_digest(digest)?;
            (rest, Some(digest.to_owned()))
        }
        None => (text, None),
    };
    // A tag follows the last `:` after the last `/` (a registry's port
    // comes before a `/`).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => {
            let tag = &rest[last_slash + i + 1..];
            if !is_tag(tag) {
                return Err(format!("{tag:?} is not a valid tag"));
            }
            (&rest[..last_slash + i], Some(tag.to_owned()))
        }
        None => (rest, None),
    };
    // splitDockerDomain
    let (mut registry, mut repository) = match name.split_once('/') {
        Some((first, remainder)) if names_a_registry(first) => {
            (first.to_owned(), remainder.to_owned())
        }
        _ => (DOCKER_HUB.to_owned(), name.to_owned()),
    };
    if registry == "index.docker.io" {
        registry = DOCKER_HUB.to_owned();
    }
    if registry == DOCKER_HUB && !repository.contains('/') {
        repository.insert_str(0, "library/");
    }
    if repository.to_lowercase() != repository {
        return Err(format!("repository name {repository:?} must be lowercase"));
    }
    check_registry(&registry)?;
    for component in repository.split('/') {
        if !is_path_component(component) {
            return Err(format!(
                "{component:?} is not a repository name component (lower-case letters and digits, \
                 separated by `.`, `_`, `__` or dashes)"
            ));
        }
    }
    if registry.len() + 1 + repository.len() > NAME_MAX {
        return Err(format!(
            "repository name must not be more than {NAME_MAX} characters"
        ));
    }
    Ok(Reference {
        registry,
        repository,
        tag,
        digest,
    })
}

/// Whether a name's first component is a registry rather than a path
/// component: it holds a `.` or a `:`, is `localhost`, or has an upper-case
/// letter (distribution's splitDockerDomain).
fn names_a_registry(first: &str) -> bool {
    first.contains(['.', ':']) || first == "localhost" || first.to_lowercase() != first
}

/// `[\w][\w.-]{0,127}`
fn is_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && word(bytes[0])
        && bytes[1..]
            .iter()
            .all(|&b| word(b) || b == b'.' || b == b'-')
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn is_path_component(component: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = component.as_bytes();
    let mut i = 0;
    loop {
        let start = i;
        while i < bytes.len() && alnum(bytes[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == bytes.len() {
            return true;
        }
        let sep = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let separator = &component[sep..i];
        let dashes = separator.bytes().all(|b| b == b'-');
        if !(matches!(separator, "." | "_" | "__") || dashes) {
            return false;
        }
    }
}

/// `host[:port]`, host a domain name or a bracketed IPv6 address.
fn check_registry(registry: &str) -> std::result::Result<(), String> {
    let bad = || format!("{registry:?} is not a registry host[:port]");
    let (host, port) = if let Some(v6) = registry.strip_prefix('[') {
        let (address, after) = v6.split_once(']').ok_or_else(bad)?;
        if address.is_empty() || !address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return Err(bad());
        }
        match after {
            "" => return Ok(()),
            _ => (address, after.strip_prefix(':').ok_or_else(bad)?),
        }
    } else {
        match registry.split_once(':') {
            Some((host, port)) => (host, port),
            None => (registry, "0"),
        }
    };
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if registry.starts_with('[') {
        return Ok(());
    }
    let component = |c: &str| {
        let b = c.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
    };
    if host.split('.').all(component) {
        Ok(())
    } else {
        Err(bad())
    }
}

/// `algorithm:hex`, with the lengths of the algorithms the daemon knows.
fn check_digest(digest: &str) -> std::result::Result<(), String> {
    let (algorithm, hex) = digest
        .split_once(':')
        .ok_or_else(|| format!("{digest:?} is not a digest (algorithm:hex)"))?;
    let length = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(format!("unsupported digest algorithm {algorithm:?}")),
    };
    if hex.len() != length || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(format!(
            "invalid {algorithm} digest: {length} lower-case hexadecimal digits expected"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
