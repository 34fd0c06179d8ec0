//! Host URLs: `unix://`, `tcp://`, `ssh://` and `npipe://`, parsed into a
//! [`Host`], and redacted for messages.

use std::path::PathBuf;

#[cfg(not(windows))]
pub(super) const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";
#[cfg(windows)]
pub(super) const DEFAULT_HOST: &str = "npipe:////./pipe/docker_engine";

const DEFAULT_UNIX_SOCKET: &str = "/var/run/docker.sock";
const DEFAULT_NAMED_PIPE: &str = "//./pipe/docker_engine";

/// Where an ssh endpoint leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SshTarget {
    pub(crate) user: Option<String>,
    pub(crate) host: String,
    pub(crate) port: Option<u16>,
    /// The daemon socket on the remote host, if not the default.
    pub(crate) socket: Option<String>,
}

/// A parsed host URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Host {
    Unix(PathBuf),
    Tcp {
        host: String,
        /// `None`: 2375, or 2376 with TLS.
        port: Option<u16>,
        /// A base path under which the API is served (rare).
        path: String,
    },
    Ssh(SshTarget),
    NamedPipe(String),
}

/// Whether `s` is made of a URL scheme's characters.
fn is_scheme(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
}

/// Parses a host URL; the error is the reason, without the input.
pub(super) fn parse_host(input: &str) -> std::result::Result<Host, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("it is empty".to_owned());
    }
    let (scheme, rest) = match input.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None if input.starts_with('/') => {
            return Err(format!(
                "a host needs a scheme; for a socket use unix://{input}"
            ))
        }
        // The CLI reads a bare address as TCP.
        None => ("tcp".to_owned(), input),
    };
    match scheme.as_str() {
        "unix" => {
            let path = if rest.is_empty() {
                DEFAULT_UNIX_SOCKET
            } else {
                rest
            };
            Ok(Host::Unix(PathBuf::from(path)))
        }
        "npipe" => {
            let pipe = if rest.is_empty() {
                DEFAULT_NAMED_PIPE
            } else {
                rest
            };
            Ok(Host::NamedPipe(pipe.replace('/', "\\")))
        }
        "tcp" => parse_tcp(rest),
        "ssh" => parse_ssh(input).map(Host::Ssh),
        "fd" => Err("fd:// is a daemon listen address, not one a client can connect to".to_owned()),
        // redacted: the reason must not quote a password (found by the fuzz
        // target `docker_host`; tests/fuzz/corpus/docker_host/http-with-password)
        "http" | "https" => Err(format!(
            "use {} (TLS is chosen by DOCKER_TLS_VERIFY, a context or the builder)",
            redact(&format!("tcp://{rest}"))
        )),
        // a "scheme" of other characters is quoted by no one: it may hold a
        // password (found by the fuzz target `docker_host`;
        // tests/fuzz/corpus/docker_host/password-before-the-scheme)
        other if !is_scheme(other) => Err(
            "it does not start with a scheme; use unix://, tcp://, ssh:// or npipe://".to_owned(),
        ),
        other => Err(format!(
            "unknown scheme {other:?}; use unix://, tcp://, ssh:// or npipe://"
        )),
    }
}

fn parse_tcp(rest: &str) -> std::result::Result<Host, String> {
    // An empty host means localhost, as for the CLI (`tcp://:2375`).
    let rest = if rest.is_empty() || rest.starts_with(':') {
        format!("localhost{rest}")
    } else {
        rest.to_owned()
    };
    let url = reqwest::Url::parse(&format!("tcp://{rest}")).map_err(|e| e.to_string())?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("tcp:// hosts take no user or password".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("tcp:// hosts take no query or fragment".to_owned());
    }
    let host = url_host(&url)?;
    let path = url.path().trim_end_matches('/').to_owned();
    Ok(Host::Tcp {
        host,
        port: url.port(),
        path,
    })
}

/// Parses `ssh://[user@]host[:port][/socket]` (docker CLI,
/// `cli/connhelper/ssh`): no password, query or fragment.
fn parse_ssh(input: &str) -> std::result::Result<SshTarget, String> {
    let url = reqwest::Url::parse(input).map_err(|e| e.to_string())?;
    if url.password().is_some() {
        return Err(
            "ssh:// URLs must not carry a password; use an ssh key or agent (`ssh-add`)".to_owned(),
        );
    }
    if url.query().is_some() {
        return Err("ssh:// URLs take no query parameters".to_owned());
    }
    if url.fragment().is_some() {
        return Err("ssh:// URLs take no fragment".to_owned());
    }
    let host = url_host(&url)?;
    let user = Some(url.username().to_owned()).filter(|u| !u.is_empty());
    // A path of only slashes means the remote default socket (the CLI trims
    // slashes the same way).
    let socket = Some(url.path().to_owned()).filter(|p| !p.trim_matches('/').is_empty());
    Ok(SshTarget {
        user,
        host,
        port: url.port(),
        socket,
    })
}

/// The host of a parsed `tcp://` or `ssh://` URL, without the brackets of
/// an IPv6 address.
fn url_host(url: &reqwest::Url) -> std::result::Result<String, String> {
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or("the host name is empty")?;
    Ok(host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned())
}

pub(super) fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// The input with any password in it replaced by `***`, for messages.
pub(super) fn redact(input: &str) -> String {
    let Some((scheme, rest)) = input.split_once("://") else {
        // no URL: whatever comes before an `@` may be credentials
        return match input.rsplit_once('@') {
            Some((_, host)) => format!("***@{host}"),
            None => input.to_owned(),
        };
    };
    // what stands before `://` may be anything, a password too
    let scheme = if is_scheme(scheme) { scheme } else { "***" };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => format!("{scheme}://{rest}"),
    }
}
