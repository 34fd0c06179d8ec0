//! [`Tls`]: the TLS settings of a TCP endpoint, given explicitly or read
//! from `DOCKER_TLS_VERIFY`, `DOCKER_TLS` and `DOCKER_CERT_PATH`.

use std::path::{Path, PathBuf};

use super::Environment;
use crate::error::{Error, Result};

/// TLS settings for a TCP endpoint: whether to verify the daemon, the CA to
/// trust and the client certificate.
///
/// Verification is on by default; without a CA file the system's roots are
/// trusted. The files are read when the client is built.
///
/// ```
/// use wharf::endpoint::Tls;
///
/// let tls = Tls::new()
///     .with_ca("/etc/docker-certs/ca.pem")
///     .with_client_cert("/etc/docker-certs/cert.pem", "/etc/docker-certs/key.pem");
/// assert!(tls.verify());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tls {
    pub(super) verify: bool,
    pub(super) ca: Option<PathBuf>,
    pub(super) cert: Option<PathBuf>,
    pub(super) key: Option<PathBuf>,
    /// Where these settings came from, for error messages.
    pub(super) origin: String,
}

impl Default for Tls {
    fn default() -> Tls {
        Tls::new()
    }
}

impl Tls {
    /// Verify the daemon against the system roots; no client certificate.
    ///
    /// ```
    /// assert!(wharf::endpoint::Tls::new().ca().is_none());
    /// ```
    pub fn new() -> Tls {
        Tls {
            verify: true,
            ca: None,
            cert: None,
            key: None,
            origin: "given explicitly".to_owned(),
        }
    }

    /// The docker layout: `ca.pem`, and `cert.pem` + `key.pem` if present,
    /// in `dir`.
    ///
    /// ```
    /// let tls = wharf::endpoint::Tls::from_dir("/nonexistent");
    /// assert_eq!(tls.ca(), Some(std::path::Path::new("/nonexistent/ca.pem")));
    /// assert_eq!(tls.cert(), None);
    /// ```
    pub fn from_dir(dir: impl AsRef<Path>) -> Tls {
        let dir = dir.as_ref();
        let mut tls = Tls::new().with_ca(dir.join("ca.pem"));
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        // Like the CLI: a missing default cert or key is left out (and a
        // lone one is reported when the files are loaded).
        if cert.exists() || key.exists() {
            tls.cert = Some(cert);
            tls.key = Some(key);
        }
        tls.origin = format!("files in {}", dir.display());
        tls
    }

    /// Trust only the CA certificates in this PEM file.
    ///
    /// ```
    /// let tls = wharf::endpoint::Tls::new().with_ca("ca.pem");
    /// assert!(tls.ca().is_some());
    /// ```
    pub fn with_ca(mut self, path: impl Into<PathBuf>) -> Tls {
        self.ca = Some(path.into());
        self
    }

    /// Present this client certificate (PEM chain) and private key (PEM).
    ///
    /// ```
    /// let tls = wharf::endpoint::Tls::new().with_client_cert("cert.pem", "key.pem");
    /// assert!(tls.cert().is_some() && tls.key().is_some());
    /// ```
    pub fn with_client_cert(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Tls {
        self.cert = Some(cert.into());
        self.key = Some(key.into());
        self
    }

    /// Whether to verify the daemon's certificate and name. Turning this off
    /// lets anyone on the path impersonate the daemon.
    ///
    /// ```
    /// let tls = wharf::endpoint::Tls::new().with_verify(false);
    /// assert!(!tls.verify());
    /// ```
    pub fn with_verify(mut self, verify: bool) -> Tls {
        self.verify = verify;
        self
    }

    /// Whether the daemon's certificate is verified.
    ///
    /// ```
    /// assert!(wharf::endpoint::Tls::new().verify());
    /// ```
    pub fn verify(&self) -> bool {
        self.verify
    }

    /// The CA file, if one replaces the system roots.
    ///
    /// ```
    /// assert_eq!(wharf::endpoint::Tls::new().ca(), None);
    /// ```
    pub fn ca(&self) -> Option<&Path> {
        self.ca.as_deref()
    }

    /// The client certificate file, if any.
    ///
    /// ```
    /// assert_eq!(wharf::endpoint::Tls::new().cert(), None);
    /// ```
    pub fn cert(&self) -> Option<&Path> {
        self.cert.as_deref()
    }

    /// The client key file, if any.
    ///
    /// ```
    /// assert_eq!(wharf::endpoint::Tls::new().key(), None);
    /// ```
    pub fn key(&self) -> Option<&Path> {
        self.key.as_deref()
    }

    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    pub(super) fn with_origin(mut self, origin: String) -> Tls {
        self.origin = origin;
        self
    }
}

/// TLS settings from `DOCKER_TLS_VERIFY`, `DOCKER_TLS` and
/// `DOCKER_CERT_PATH` (docker CLI, `cli/flags/options.go`: any non-empty
/// value turns TLS on).
pub(super) fn tls_from_env(env: &Environment) -> Result<Option<Tls>> {
    let verify = env.var("DOCKER_TLS_VERIFY").is_some();
    let tls = env.var("DOCKER_TLS").is_some();
    if !verify && !tls {
        return Ok(None);
    }
    let why = if verify {
        "DOCKER_TLS_VERIFY"
    } else {
        "DOCKER_TLS"
    };
    let dir = match env.var("DOCKER_CERT_PATH") {
        Some(dir) => PathBuf::from(dir),
        None => env.config_dir().ok_or_else(|| {
            Error::config(format!(
                "{why} is set, but there is no DOCKER_CERT_PATH, DOCKER_CONFIG or home directory \
                 to find ca.pem, cert.pem and key.pem in; set DOCKER_CERT_PATH"
            ))
        })?,
    };
    let origin = format!(
        "{why} is set; certificates from {} (DOCKER_CERT_PATH)",
        dir.display()
    );
    Ok(Some(Tls::from_dir(&dir).with_origin(origin)))
}
