//! Registry credentials, found the way the docker CLI finds them, and the
//! headers that carry them to the daemon.
//!
//! [`DockerConfig`] reads `$DOCKER_CONFIG/config.json` (or
//! `~/.docker/config.json`) and answers [`DockerConfig::credentials`] for a
//! registry as the CLI's `configfile.GetAuthConfig` does:
//!
//! ```text
//! credHelpers[key] ──> docker-credential-<helper> get   (key on stdin, JSON on stdout)
//!        │ none
//! credsStore ─────────> docker-credential-<store> get
//!        │ none
//! auths[key]  (or an auths key whose host is the registry: "https://host/v2/")
//!        auth = base64("user:password"), identitytoken
//!
//! key: "https://index.docker.io/v1/" for Docker Hub, the registry's host[:port] otherwise
//! ```
//!
//! [`Credentials`] go to the daemon as the `X-Registry-Auth` header
//! ([`Credentials::registry_auth_header`]); a build carries every registry's
//! in `X-Registry-Config` ([`DockerConfig::registry_config_header`]). Both are
//! URL-safe base64 of JSON, as moby's `registry.DecodeAuthConfig` and the
//! build router's `getAuthConfigs` read them.
//!
//! Secrets never show: [`Credentials`]' `Debug` prints `<redacted>` for the
//! password and tokens, errors name the registry and the helper but never a
//! secret, and nothing here traces a value.
//!
//! ```no_run
//! # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
//! use futures_util::TryStreamExt;
//! use wharf::auth::DockerConfig;
//! use wharf::image::PullOptions;
//! use wharf::Reference;
//!
//! let config = DockerConfig::load()?;
//! let reference = Reference::parse("registry.example.org/team/app:v2")?;
//! let credentials = config.credentials_for(&reference).await?;
//! let options = PullOptions::new().credentials(credentials);
//! docker.images().pull(&reference, &options).await?.try_for_each(|_| async { Ok(()) }).await?;
//! # Ok(())
//! # }
//! ```

use std::fmt;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::client::Docker;
use crate::error::{Error, ErrorKind, Result};
use crate::Timeout;

mod config;
mod helper;

pub use config::DockerConfig;

/// Credentials for one registry: a user name and password, or an identity
/// token (an OAuth refresh token from a login), or none (anonymous).
///
/// `Debug` never shows the password or a token:
///
/// ```
/// use wharf::auth::Credentials;
///
/// let c = Credentials::new("jane", "s3cret").server_address("registry.example.org");
/// let shown = format!("{c:?}");
/// assert!(shown.contains("jane") && !shown.contains("s3cret"));
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    username: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    password: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    email: String,
    #[serde(
        rename = "serveraddress",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    server_address: String,
    #[serde(
        rename = "identitytoken",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    identity_token: String,
    #[serde(
        rename = "registrytoken",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    registry_token: String,
}

impl Credentials {
    /// A user name and password.
    ///
    /// ```
    /// let c = wharf::auth::Credentials::new("jane", "s3cret");
    /// assert_eq!(c.username(), Some("jane"));
    /// ```
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials {
            username: username.into(),
            password: password.into(),
            ..Credentials::default()
        }
    }

    /// No credentials: anonymous access.
    ///
    /// ```
    /// assert!(wharf::auth::Credentials::anonymous().is_anonymous());
    /// ```
    pub fn anonymous() -> Credentials {
        Credentials::default()
    }

    /// An identity token (what a login answers, see [`login`]), used
    /// instead of a password.
    ///
    /// ```
    /// let c = wharf::auth::Credentials::with_identity_token("jane", "eyJhbGci...");
    /// assert!(c.has_identity_token());
    /// ```
    pub fn with_identity_token(
        username: impl Into<String>,
        token: impl Into<String>,
    ) -> Credentials {
        Credentials {
            username: username.into(),
            identity_token: token.into(),
            ..Credentials::default()
        }
    }

    /// The registry these are for (`serveraddress`), as the CLI records it.
    ///
    /// ```
    /// let c = wharf::auth::Credentials::new("u", "p").server_address("localhost:5000");
    /// assert_eq!(c.server(), Some("localhost:5000"));
    /// ```
    pub fn server_address(mut self, address: impl Into<String>) -> Credentials {
        self.server_address = address.into();
        self
    }

    /// The user name, if there is one.
    ///
    /// ```
    /// assert_eq!(wharf::auth::Credentials::anonymous().username(), None);
    /// ```
    pub fn username(&self) -> Option<&str> {
        Some(self.username.as_str()).filter(|u| !u.is_empty())
    }

    /// The registry these are for, if recorded.
    ///
    /// ```
    /// assert_eq!(wharf::auth::Credentials::new("u", "p").server(), None);
    /// ```
    pub fn server(&self) -> Option<&str> {
        Some(self.server_address.as_str()).filter(|s| !s.is_empty())
    }

    /// Whether an identity token stands in for the password.
    ///
    /// ```
    /// assert!(!wharf::auth::Credentials::new("u", "p").has_identity_token());
    /// ```
    pub fn has_identity_token(&self) -> bool {
        !self.identity_token.is_empty()
    }

    /// Whether these are no credentials at all.
    ///
    /// ```
    /// assert!(!wharf::auth::Credentials::new("u", "p").is_anonymous());
    /// ```
    pub fn is_anonymous(&self) -> bool {
        self.username.is_empty()
            && self.password.is_empty()
            && self.identity_token.is_empty()
            && self.registry_token.is_empty()
    }

    /// Reads what a credential helper (`docker-credential-NAME get`,
    /// named `helper` in errors) wrote on stdout for `server`: for programs
    /// that run helpers themselves. A `Username` of `<token>` makes the
    /// secret an identity token. Errors never quote the answer.
    ///
    /// ```
    /// use wharf::auth::Credentials;
    ///
    /// let answer = br#"{"ServerURL":"localhost:5000","Username":"jane","Secret":"s3cret"}"#;
    /// let c = Credentials::from_helper_answer("docker-credential-pass", "localhost:5000", answer)?;
    /// assert_eq!(c.username(), Some("jane"));
    /// assert!(Credentials::from_helper_answer("docker-credential-pass", "h", b"oops").is_err());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn from_helper_answer(helper: &str, server: &str, stdout: &[u8]) -> Result<Credentials> {
        helper::parse_get(helper, server, stdout)
    }

    /// The `X-Registry-Auth` header's value: URL-safe base64 (padded) of
    /// the JSON moby's `registry.DecodeAuthConfig` reads (`username`,
    /// `password`, `serveraddress`, `identitytoken`, ...; empty fields left
    /// out, so anonymous is `e30=`, `{}`). The value holds the secret:
    /// keep it out of logs.
    ///
    /// ```
    /// use base64::Engine as _;
    ///
    /// let value = wharf::auth::Credentials::new("u", "p").registry_auth_header();
    /// let json = base64::engine::general_purpose::URL_SAFE.decode(value).unwrap();
    /// assert_eq!(json, br#"{"username":"u","password":"p"}"#);
    /// assert_eq!(wharf::auth::Credentials::anonymous().registry_auth_header(), "e30=");
    /// ```
    pub fn registry_auth_header(&self) -> String {
        encode_header(self)
    }
}

/// URL-safe base64 (with padding) of `value`'s JSON: what the daemon
/// decodes from `X-Registry-Auth` and `X-Registry-Config`
/// (moby `registry/types.go`, `base64.URLEncoding`).
pub(crate) fn encode_header(value: &impl Serialize) -> String {
    // serializing maps of strings cannot fail
    let json = serde_json::to_vec(value).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE.encode(json)
}

/// The kind of a registry's refusal, from the daemon's words. A registry's
/// refusal reaches the client as the registry's error code in lower case and
/// its message (distribution's `registry/api/errcode`: `unauthorized:
/// authentication required`, `denied: requested access to the resource is
/// denied`), as the daemon's own words for a login (`login attempt to ...
/// failed with status: 401 Unauthorized`) or for a request without
/// credentials (`no basic auth credentials`); the daemon answers most of
/// them with a 500 or inside a 200 stream.
pub(crate) fn refusal_kind(message: &str) -> Option<ErrorKind> {
    if message.contains("unauthorized:")
        || message.contains("authentication required")
        || message.contains("no basic auth credentials")
        || message.contains("401 Unauthorized")
    {
        Some(ErrorKind::Unauthorized)
    } else if message.contains("denied:") || message.contains("403 Forbidden") {
        Some(ErrorKind::Forbidden)
    } else {
        None
    }
}

/// A daemon error that is a registry's refusal, with the refusal's kind.
pub(crate) fn refusal(e: Error) -> Error {
    if !matches!(e.kind(), ErrorKind::Server | ErrorKind::UnexpectedStatus) {
        return e;
    }
    match e.message().and_then(refusal_kind) {
        Some(kind) => e.with_kind(kind),
        None => e,
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = |s: &String| if s.is_empty() { "" } else { "<redacted>" };
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &secret(&self.password))
            .field("server_address", &self.server_address)
            .field("identity_token", &secret(&self.identity_token))
            .field("registry_token", &secret(&self.registry_token))
            .finish()
    }
}

/// What a login answered: the registry's status text and, from registries
/// that give one, an identity token to use instead of the password.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// let creds = wharf::auth::Credentials::new("jane", "s3cret").server_address("localhost:5000");
/// let answer = wharf::auth::login(&docker, &creds).await?;
/// println!("{}", answer.status);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Login {
    /// The status (`Login Succeeded`).
    pub status: String,
    /// The identity token, when the registry gave one.
    pub identity_token: Option<String>,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("status", &self.status)
            .field(
                "identity_token",
                &self.identity_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Checks credentials against a registry through the daemon (`POST /auth`,
/// `docker login`). Refused credentials are an
/// [`ErrorKind::Unauthorized`] with the
/// daemon's words (which the daemon answers with a 500). An identity token cannot be sent this way (the spec's
/// `AuthConfig` has no field for it): log in with a password.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// use wharf::auth::{login, Credentials};
///
/// let answer = login(&docker, &Credentials::new("jane", "s3cret").server_address("localhost:5000")).await?;
/// assert_eq!(answer.status, "Login Succeeded");
/// # Ok(())
/// # }
/// ```
pub async fn login(docker: &Docker, credentials: &Credentials) -> Result<Login> {
    let api = docker.generated().await?;
    let some = |s: &String| Some(s.clone()).filter(|s| !s.is_empty());
    let body = wharf_api::types::AuthConfig {
        email: some(&credentials.email),
        password: some(&credentials.password),
        serveraddress: some(&credentials.server_address),
        username: some(&credentials.username),
    };
    let answer = docker
        .call(Timeout::Default, api.system_auth(&body))
        .await
        .map_err(refusal)?;
    Ok(Login {
        status: answer.status,
        identity_token: answer.identity_token.filter(|t| !t.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_what_moby_decodes() {
        // moby registry/types_test.go: URL-safe alphabet, padded
        let c = Credentials::new("user?", "pa>ss").server_address("https://r.example/");
        let header = c.registry_auth_header();
        assert!(!header.contains('+') && !header.contains('/'), "{header}");
        let json = base64::engine::general_purpose::URL_SAFE
            .decode(&header)
            .unwrap();
        let back: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(
            back,
            serde_json::json!({"username":"user?","password":"pa>ss","serveraddress":"https://r.example/"})
        );
        let token = Credentials::with_identity_token("u", "tok");
        let json = base64::engine::general_purpose::URL_SAFE
            .decode(token.registry_auth_header())
            .unwrap();
        assert_eq!(json, br#"{"username":"u","identitytoken":"tok"}"#);
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Credentials::with_identity_token("u", "the-token");
        let mut c2 = Credentials::new("u", "the-password");
        c2.registry_token = "rt".into();
        for shown in [format!("{c:?}"), format!("{c2:?}"), format!("{c2:#?}")] {
            assert!(!shown.contains("the-token") && !shown.contains("the-password"));
            assert!(!shown.contains("\"rt\""), "{shown}");
        }
        let login = Login {
            status: "ok".into(),
            identity_token: Some("the-token".into()),
        };
        assert!(!format!("{login:?}").contains("the-token"));
    }
}
