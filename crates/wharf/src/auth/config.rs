//! The docker CLI's `config.json`: where it is, what it holds, and which
//! entry answers for a registry (docker/cli `cli/config/configfile/file.go`,
//! `cli/config/credentials/file_store.go`).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;

use super::helper::Helper;
use super::Credentials;
use crate::endpoint::Environment;
use crate::error::{Error, ErrorKind, Result};
use crate::reference::Reference;

/// The file's fields that concern credentials; the others are ignored.
#[derive(Default, Deserialize)]
struct File {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(rename = "credsStore", default)]
    creds_store: String,
    #[serde(rename = "credHelpers", default)]
    cred_helpers: BTreeMap<String, String>,
}

#[derive(Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    identitytoken: String,
    #[serde(default)]
    registrytoken: String,
}

/// The docker CLI's configuration, for its registry credentials.
///
/// Load it from where the CLI would ([`load`](DockerConfig::load)), from a
/// directory ([`load_dir`](DockerConfig::load_dir)), or from an
/// [`Environment`] of your own ([`from_environment`](DockerConfig::from_environment),
/// which also takes the `PATH` credential helpers are looked up on). A
/// missing file is an empty configuration, as for the CLI.
///
/// ```no_run
/// # async fn run() -> wharf::Result<()> {
/// let config = wharf::auth::DockerConfig::load()?;
/// let hub = config.credentials("https://index.docker.io/v1/").await?;
/// println!("{:?}", hub.username());
/// # Ok(())
/// # }
/// ```
pub struct DockerConfig {
    /// The file it came from, for errors.
    source: Option<PathBuf>,
    file: File,
    /// Where credential helpers are looked up (`PATH`); the process's when `None`.
    helper_path: Option<OsString>,
}

impl fmt::Debug for DockerConfig {
    // registries and helper names only: never an entry's content
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DockerConfig")
            .field("source", &self.source)
            .field("auths", &self.file.auths.keys().collect::<Vec<_>>())
            .field("creds_store", &self.file.creds_store)
            .field("cred_helpers", &self.file.cred_helpers)
            .finish()
    }
}

impl DockerConfig {
    /// The CLI's configuration: `$DOCKER_CONFIG/config.json`, else
    /// `~/.docker/config.json`; helpers on the process's `PATH`.
    ///
    /// ```no_run
    /// let config = wharf::auth::DockerConfig::load()?;
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn load() -> Result<DockerConfig> {
        DockerConfig::from_environment(&Environment::process())
    }

    /// The configuration `env` names (`DOCKER_CONFIG`, `HOME`), with
    /// credential helpers looked up on `env`'s `PATH`: nothing is read from
    /// the process's environment when `env` is a set of its own, so tests
    /// running in parallel can each have theirs.
    ///
    /// ```
    /// use wharf::endpoint::Environment;
    ///
    /// let dir = std::env::temp_dir().join("no-such-docker-config");
    /// let env = Environment::empty().set("DOCKER_CONFIG", dir.to_str().unwrap()).set("PATH", "/usr/bin");
    /// let config = wharf::auth::DockerConfig::from_environment(&env)?;
    /// assert!(config.registries().is_empty());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn from_environment(env: &Environment) -> Result<DockerConfig> {
        let mut config = match env.config_dir() {
            Some(dir) => DockerConfig::load_dir(dir)?,
            None => DockerConfig::empty(),
        };
        if !env.is_process() {
            config.helper_path = Some(env.var("PATH").unwrap_or_default().into());
        }
        Ok(config)
    }

    /// `dir/config.json` (empty if there is none).
    ///
    /// ```no_run
    /// let config = wharf::auth::DockerConfig::load_dir("/etc/ci/docker")?;
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<DockerConfig> {
        let path = dir.as_ref().join("config.json");
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(DockerConfig::empty());
            }
            Err(e) => {
                return Err(
                    Error::config(format!("cannot read {}: {e}", path.display())).with_source(e),
                );
            }
        };
        let mut config = parse(&text, &path.display().to_string())?;
        config.source = Some(path);
        Ok(config)
    }

    /// A configuration from the text of a `config.json`.
    ///
    /// ```
    /// let config = wharf::auth::DockerConfig::from_json(br#"{"auths":{"localhost:5000":{"auth":"dTpw"}}}"#)?;
    /// assert_eq!(config.registries(), ["localhost:5000"]);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn from_json(text: &[u8]) -> Result<DockerConfig> {
        parse(text, "the docker config")
    }

    fn empty() -> DockerConfig {
        DockerConfig {
            source: None,
            file: File::default(),
            helper_path: None,
        }
    }

    /// Look credential helpers up on this `PATH` instead of the process's.
    ///
    /// ```
    /// let config = wharf::auth::DockerConfig::from_json(b"{}")?.helper_path("/opt/helpers:/usr/bin");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    #[must_use]
    pub fn helper_path(mut self, path: impl Into<OsString>) -> DockerConfig {
        self.helper_path = Some(path.into());
        self
    }

    /// The registries with an entry in `auths` or `credHelpers`.
    ///
    /// ```
    /// let config = wharf::auth::DockerConfig::from_json(br#"{"credHelpers":{"gcr.io":"gcloud"}}"#)?;
    /// assert_eq!(config.registries(), ["gcr.io"]);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn registries(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self
            .file
            .auths
            .keys()
            .chain(self.file.cred_helpers.keys())
            .map(String::as_str)
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// The credentials for the image `reference`'s registry (anonymous when
    /// the configuration has none).
    ///
    /// ```no_run
    /// # async fn run() -> wharf::Result<()> {
    /// let config = wharf::auth::DockerConfig::load()?;
    /// let reference = wharf::Reference::parse("localhost:5000/app")?;
    /// let credentials = config.credentials_for(&reference).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn credentials_for(&self, reference: &Reference) -> Result<Credentials> {
        self.credentials(reference.auth_key()).await
    }

    /// The credentials stored under `key`: the registry's `host[:port]`, or
    /// [`DOCKER_HUB_AUTH_KEY`](crate::reference::DOCKER_HUB_AUTH_KEY) for
    /// Docker Hub (see [`Reference::auth_key`]). As the CLI does it: a
    /// `credHelpers` entry for exactly `key`, else `credsStore`, else the
    /// `auths` entry `key` or one whose host (scheme and path stripped) is
    /// `key`. A helper that is missing or fails is an
    /// [`ErrorKind::Config`] naming it.
    ///
    /// ```
    /// # async fn run() -> wharf::Result<()> {
    /// let config = wharf::auth::DockerConfig::from_json(
    ///     br#"{"auths":{"https://localhost:5000/v2/":{"auth":"amFuZTpzM2NyZXQ="}}}"#,
    /// )?;
    /// let c = config.credentials("localhost:5000").await?;
    /// assert_eq!(c.username(), Some("jane"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn credentials(&self, key: &str) -> Result<Credentials> {
        match self.helper_for(key) {
            Some(helper) => {
                // the native store keeps the file's e-mail (native_store.go, Get)
                let mut found = Helper::new(helper, self.helper_path.clone())
                    .get(key)
                    .await?;
                if let Ok(Some(file)) = self.auths_entry(key) {
                    found.email = file.email;
                }
                Ok(found)
            }
            None => Ok(self
                .auths_entry(key)?
                .unwrap_or_else(|| Credentials::anonymous().server_address(key))),
        }
    }

    /// Every registry's credentials, keyed by registry, as the CLI gathers
    /// them for a build (`GetAllCredentials`): the `auths` entries, or with a
    /// `credsStore` every server it lists; then each `credHelpers` registry,
    /// whose helper's answer wins. A `credHelpers` helper that fails is left
    /// out, as the CLI leaves it out with a warning (here: a `warn` event
    /// naming the registry and helper).
    ///
    /// ```no_run
    /// # async fn run() -> wharf::Result<()> {
    /// let all = wharf::auth::DockerConfig::load()?.all_credentials().await?;
    /// for (registry, c) in &all {
    ///     println!("{registry}: {:?}", c.username());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn all_credentials(&self) -> Result<BTreeMap<String, Credentials>> {
        let mut all = BTreeMap::new();
        if self.file.creds_store.is_empty() {
            for key in self.file.auths.keys() {
                if let Some(c) = self.auths_entry(key)? {
                    all.insert(key.clone(), c);
                }
            }
        } else {
            let store = Helper::new(&self.file.creds_store, self.helper_path.clone());
            for server in store.list().await? {
                let c = store.get(&server).await?;
                all.insert(server, c);
            }
        }
        for (registry, helper) in &self.file.cred_helpers {
            match self.credentials(registry).await {
                Ok(c) => {
                    all.insert(registry.clone(), c);
                }
                Err(e) => tracing::warn!(
                    registry = %registry,
                    helper = %helper,
                    error = %e,
                    "no credentials for the registry: its credential helper failed"
                ),
            }
        }
        Ok(all)
    }

    /// The `X-Registry-Config` header of a build (`POST /build`): every
    /// registry's credentials ([`all_credentials`](DockerConfig::all_credentials)),
    /// as URL-safe base64 of a JSON map from registry to credentials, the
    /// way the daemon's build router decodes it. The value holds secrets:
    /// keep it out of logs.
    ///
    /// ```
    /// # async fn run() -> wharf::Result<()> {
    /// use base64::Engine as _;
    ///
    /// let config = wharf::auth::DockerConfig::from_json(br#"{"auths":{"localhost:5000":{"auth":"dTpw"}}}"#)?;
    /// let header = config.registry_config_header().await?;
    /// let json = base64::engine::general_purpose::URL_SAFE.decode(header).unwrap();
    /// assert_eq!(json, br#"{"localhost:5000":{"username":"u","password":"p","serveraddress":"localhost:5000"}}"#);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn registry_config_header(&self) -> Result<String> {
        Ok(super::encode_header(&self.all_credentials().await?))
    }

    /// The helper for `key`: its `credHelpers` entry, else `credsStore`.
    fn helper_for(&self, key: &str) -> Option<&str> {
        self.file
            .cred_helpers
            .get(key)
            .or(Some(&self.file.creds_store))
            .map(String::as_str)
            .filter(|h| !h.is_empty())
    }

    /// The `auths` entry for `key` (file_store.go, Get): exact, else the
    /// first key whose host is `key` (keys like `https://host/v1/` from old
    /// logins).
    fn auths_entry(&self, key: &str) -> Result<Option<Credentials>> {
        let found = self
            .file
            .auths
            .get_key_value(key)
            .or_else(|| self.file.auths.iter().find(|(k, _)| host_of(k) == key));
        let Some((entry_key, entry)) = found else {
            return Ok(None);
        };
        let (username, password) = if entry.auth.is_empty() {
            (entry.username.clone(), entry.password.clone())
        } else {
            decode_auth(&entry.auth).ok_or_else(|| {
                Error::config(format!(
                    "the `auth` of {entry_key:?} in the docker config is not base64 of user:password"
                ))
            })?
        };
        Ok(Some(Credentials {
            username,
            password,
            email: entry.email.clone(),
            server_address: entry_key.clone(),
            identity_token: entry.identitytoken.clone(),
            registry_token: entry.registrytoken.clone(),
        }))
    }
}

/// `ConvertToHostname` (docker/cli `cli/config/credentials/file_store.go`):
/// the scheme and any path dropped.
fn host_of(key: &str) -> &str {
    let rest = key
        .strip_prefix("http://")
        .or_else(|| key.strip_prefix("https://"))
        .unwrap_or(key);
    rest.split('/').next().unwrap_or(rest)
}

/// An `auth` field: standard base64 of `user:password`, the password's
/// trailing NULs trimmed (configfile `decodeAuth`).
fn decode_auth(auth: &str) -> Option<(String, String)> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    if user.is_empty() {
        return None;
    }
    Some((user.to_owned(), password.trim_matches('\0').to_owned()))
}

/// The configuration in `text`, from `what` (for errors).
fn parse(text: &[u8], what: &str) -> Result<DockerConfig> {
    let file: File = serde_json::from_slice(text).map_err(|e| {
        // the text holds secrets: say where it broke, never what it held
        Error::new(ErrorKind::Config).with_detail(format!(
            "{what} is not a valid docker config (line {}, column {}: {})",
            e.line(),
            e.column(),
            classify(&e)
        ))
    })?;
    Ok(DockerConfig {
        source: None,
        file,
        helper_path: None,
    })
}

/// What kind of JSON error, without quoting the input.
fn classify(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Io => "read error",
        Category::Syntax => "syntax error",
        Category::Data => "a field has the wrong type",
        Category::Eof => "it ends too early",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::DOCKER_HUB_AUTH_KEY;

    fn config(json: &str) -> DockerConfig {
        DockerConfig::from_json(json.as_bytes()).unwrap()
    }

    #[tokio::test]
    async fn auths_entries_and_keys_match_like_the_cli() {
        // dTpw = u:p ; dXNlcjpwYXNzOndpdGg6Y29sb25zAAA= = user:pass:with:colons\0\0
        let c = config(
            r#"{"auths":{
                "https://index.docker.io/v1/":{"auth":"dTpw"},
                "https://old.example/v1/":{"auth":"dXNlcjpwYXNzOndpdGg6Y29sb25zAAA="},
                "tok.example":{"identitytoken":"itok","username":"t"},
                "plain.example":{"username":"pu","password":"pp"}
            }}"#,
        );
        let hub = c.credentials(DOCKER_HUB_AUTH_KEY).await.unwrap();
        assert_eq!(
            hub,
            Credentials::new("u", "p").server_address(DOCKER_HUB_AUTH_KEY)
        );
        let hub = c
            .credentials_for(&Reference::parse("busybox").unwrap())
            .await
            .unwrap();
        assert_eq!(hub.username(), Some("u"));
        // a legacy key matches by host; the password keeps its colons
        let old = c.credentials("old.example").await.unwrap();
        assert_eq!(old.password, "pass:with:colons");
        assert_eq!(old.server(), Some("https://old.example/v1/"));
        let tok = c.credentials("tok.example").await.unwrap();
        assert!(tok.has_identity_token());
        let plain = c.credentials("plain.example").await.unwrap();
        assert_eq!(
            (plain.username.as_str(), plain.password.as_str()),
            ("pu", "pp")
        );
        // the host of the Hub's key is its key too, as for the CLI's legacy keys
        let hub = c.credentials("index.docker.io").await.unwrap();
        assert_eq!(hub.server(), Some(DOCKER_HUB_AUTH_KEY));
        // but "docker.io" is not its host
        assert!(c.credentials("docker.io").await.unwrap().is_anonymous());
        let none = c.credentials("other.example").await.unwrap();
        assert!(none.is_anonymous());
        assert_eq!(none.server(), Some("other.example"));
    }

    #[tokio::test]
    async fn bad_files_and_auth_fields_are_config_errors() {
        let e = DockerConfig::from_json(br#"{"auths":{"x":{"auth":"secret-text"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(!e.to_string().contains("secret-text"), "{e}");
        // "bm9jb2xvbg==" = "nocolon"
        let c = config(r#"{"auths":{"r.example":{"auth":"bm9jb2xvbg=="}}}"#);
        let e = c.credentials("r.example").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("r.example"), "{e}");
        let c = config(r#"{"auths":{"r.example":{"auth":"%%%"}}}"#);
        assert!(c.credentials("r.example").await.is_err());
    }

    #[test]
    fn helpers_are_chosen_per_registry() {
        let c = config(r#"{"credsStore":"store","credHelpers":{"gcr.io":"gcloud","x.io":""}}"#);
        assert_eq!(c.helper_for("gcr.io"), Some("gcloud"));
        assert_eq!(c.helper_for("other.io"), Some("store"));
        assert_eq!(c.helper_for("x.io"), None, "an empty entry means the file");
        let c = config(r#"{"credHelpers":{"gcr.io":"gcloud"}}"#);
        assert_eq!(
            c.helper_for("eu.gcr.io"),
            None,
            "credHelpers keys are exact"
        );
    }

    #[test]
    fn host_of_drops_scheme_and_path() {
        assert_eq!(host_of("https://index.docker.io/v1/"), "index.docker.io");
        assert_eq!(host_of("http://h:5000/v2/"), "h:5000");
        assert_eq!(host_of("h:5000"), "h:5000");
    }

    #[test]
    fn debug_names_registries_only() {
        let c = config(r#"{"auths":{"r.example":{"auth":"dTpzZWNyZXQtcHc="}}}"#);
        let shown = format!("{c:?}");
        assert!(
            shown.contains("r.example") && !shown.contains("secret-pw") && !shown.contains("dTpz")
        );
    }
}
