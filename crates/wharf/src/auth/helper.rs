//! The credential-helper protocol (docker/docker-credential-helpers,
//! `client/client.go`): `docker-credential-NAME get` reads a server address
//! on stdin and writes one JSON object on stdout; `list` writes a map of
//! server addresses to user names.
//!
//! ```text
//! $ echo -n localhost:5000 | docker-credential-pass get
//! {"ServerURL":"localhost:5000","Username":"jane","Secret":"s3cret"}
//! ```
//!
//! A `Username` of `<token>` means the secret is an identity token. A
//! helper that has nothing for the server fails with the message
//! `credentials not found in native keychain`, which the CLI reads as
//! "no credentials", not as an error.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use super::Credentials;
use crate::error::{Error, ErrorKind, Result};

/// What a helper answers to `get` (its field names, the protocol's).
#[derive(Deserialize)]
pub(crate) struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
    #[serde(rename = "ServerURL", default)]
    server_url: String,
}

/// The helper's message for "nothing stored for this server"
/// (docker-credential-helpers, `credentials/error.go`).
const NOT_FOUND: &str = "credentials not found in native keychain";

/// The user name that marks the secret as an identity token (docker/cli,
/// `cli/config/credentials/native_store.go`, `tokenUsername`).
const TOKEN_USERNAME: &str = "<token>";

/// The longest answer read from a helper.
const ANSWER_MAX: usize = 1 << 20;

/// Reads a helper's `get` answer for `server`: [`Credentials`], anonymous
/// when it holds nothing for the server.
pub(crate) fn parse_get(helper: &str, server: &str, stdout: &[u8]) -> Result<Credentials> {
    let answer: HelperAnswer = serde_json::from_slice(stdout).map_err(|e| {
        // the answer holds the secret: say where the JSON broke, not what it held
        Error::new(ErrorKind::Config).with_detail(format!(
            "the credential helper {helper} answered `get` for {server} with something that is \
             not its JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let address = if answer.server_url.is_empty() {
        server.to_owned()
    } else {
        answer.server_url
    };
    let credentials = if answer.username == TOKEN_USERNAME {
        Credentials {
            identity_token: answer.secret,
            ..Credentials::default()
        }
    } else {
        Credentials {
            username: answer.username,
            password: answer.secret,
            ..Credentials::default()
        }
    };
    Ok(credentials.server_address(address))
}

/// `docker-credential-NAME`, found on `path`.
pub(crate) struct Helper {
    /// `docker-credential-NAME`
    program: String,
    /// Where to look for it (a `PATH` value).
    path: Option<OsString>,
}

impl Helper {
    pub(crate) fn new(name: &str, path: Option<OsString>) -> Helper {
        Helper {
            program: format!("docker-credential-{name}"),
            path,
        }
    }

    /// `get` for `server`.
    pub(crate) async fn get(&self, server: &str) -> Result<Credentials> {
        match self.run("get", server).await? {
            Ok(stdout) => parse_get(&self.program, server, &stdout),
            Err(message) if message.contains(NOT_FOUND) => {
                Ok(Credentials::anonymous().server_address(server))
            }
            Err(message) => Err(self.failed("get", server, &message)),
        }
    }

    /// `list`: the server addresses the helper holds credentials for.
    pub(crate) async fn list(&self) -> Result<Vec<String>> {
        match self.run("list", "").await? {
            Ok(stdout) => {
                let map: BTreeMap<String, String> =
                    serde_json::from_slice(&stdout).map_err(|e| {
                        Error::decode(
                            format!("the credential helper {} answered `list` with something that is not a JSON map", self.program),
                            e,
                        )
                    })?;
                Ok(map.into_keys().collect())
            }
            Err(message) => Err(self.failed("list", "", &message)),
        }
    }

    fn failed(&self, action: &str, server: &str, message: &str) -> Error {
        let message = message.trim();
        let message: String = message.chars().take(500).collect();
        let server = if server.is_empty() {
            String::new()
        } else {
            format!(" for {server}")
        };
        Error::new(ErrorKind::Config)
            .with_detail(format!(
                "the credential helper {} failed `{action}`{server}: {message}",
                self.program
            ))
            .with_message(message)
    }

    /// The helper's executable on the search path.
    fn locate(&self) -> Result<PathBuf> {
        let path = match &self.path {
            Some(path) => path.clone(),
            None => std::env::var_os("PATH").unwrap_or_default(),
        };
        std::env::split_paths(&path)
            .map(|dir| dir.join(&self.program))
            .find(|candidate| is_executable(candidate))
            .ok_or_else(|| {
                Error::new(ErrorKind::Config).with_detail(format!(
                    "the credential helper {} is not installed: no executable of that name on PATH",
                    self.program
                ))
            })
    }

    /// Runs `program action` with `input` on stdin: its stdout, or the
    /// message it failed with (stdout, else stderr).
    async fn run(&self, action: &str, input: &str) -> Result<std::result::Result<Vec<u8>, String>> {
        let program = self.locate()?;
        let mut command = tokio::process::Command::new(&program);
        command
            .arg(action)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(path) = &self.path {
            command.env("PATH", path);
        }
        let io_error = |e: std::io::Error| {
            Error::new(ErrorKind::Config)
                .with_detail(format!(
                    "the credential helper {} could not run: {e}",
                    self.program
                ))
                .with_source(e)
        };
        let mut child = command.spawn().map_err(io_error)?;
        if let Some(mut stdin) = child.stdin.take() {
            // a helper may exit without reading: a broken pipe is its answer's business
            let _ = stdin.write_all(input.as_bytes()).await;
            drop(stdin);
        }
        let output = child.wait_with_output().await.map_err(io_error)?;
        if output.stdout.len() > ANSWER_MAX {
            return Err(Error::new(ErrorKind::Config).with_detail(format!(
                "the credential helper {} answered more than {ANSWER_MAX} bytes",
                self.program
            )));
        }
        if output.status.success() {
            return Ok(Ok(output.stdout));
        }
        let text = if output.stdout.iter().any(|b| !b.is_ascii_whitespace()) {
            output.stdout
        } else {
            output.stderr
        };
        let mut message = String::from_utf8_lossy(&text).into_owned();
        if message.trim().is_empty() {
            message = format!("exited with {}", output.status);
        }
        Ok(Err(message))
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file() || path.with_extension("exe").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_helpers_answers() {
        let c = parse_get(
            "h",
            "s",
            br#"{"ServerURL":"localhost:5000","Username":"jane","Secret":"pw"}"#,
        )
        .unwrap();
        assert_eq!(
            c,
            Credentials::new("jane", "pw").server_address("localhost:5000")
        );
        let c = parse_get("h", "s", br#"{"Username":"<token>","Secret":"tok"}"#).unwrap();
        assert_eq!(c.identity_token, "tok");
        assert_eq!(c.username(), None);
        assert_eq!(c.server(), Some("s"));
        let e = parse_get("docker-credential-x", "s", br#"{"Secret":"hidden-pw""#).unwrap_err();
        assert!(e.to_string().contains("docker-credential-x"), "{e}");
        assert!(!e.to_string().contains("hidden-pw"), "{e}");
    }

    #[tokio::test]
    async fn a_missing_helper_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let helper = Helper::new("nothere", Some(dir.path().as_os_str().to_owned()));
        let e = helper.get("localhost:5000").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("docker-credential-nothere"), "{e}");
    }
}
