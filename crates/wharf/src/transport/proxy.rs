//! HTTP proxies for `tcp://` endpoints, chosen from the environment the way
//! the docker CLI chooses them.
//!
//! The docker CLI gives its `tcp://` transport Go's
//! `http.ProxyFromEnvironment` (go-connections, `sockets.ConfigureTransport`),
//! which follows `golang.org/x/net/http/httpproxy`. wharf reads the same
//! variables, from the client's [`Environment`], when the client is built:
//!
//! | endpoint          | proxy variable, first one set          |
//! |-------------------|----------------------------------------|
//! | `tcp://` with TLS | `HTTPS_PROXY`, then `https_proxy`      |
//! | `tcp://`          | `HTTP_PROXY`, then `http_proxy`        |
//! | `unix://`, `ssh://`, `npipe://` | none: never a proxy      |
//!
//! There is no fallback from one to the other: a TLS endpoint ignores
//! `HTTP_PROXY`. As in Go, `HTTP_PROXY` is refused when `REQUEST_METHOD` is
//! set (a CGI program, where a request's `Proxy:` header arrives as
//! `HTTP_PROXY`); `HTTPS_PROXY` is not.
//!
//! A proxy is `http://[user:password@]host[:port]` (port 80 by default), or a
//! bare `host[:port]`, which means the same. Other schemes (`https://`,
//! `socks5://`, ...) are a configuration error when the client is built.
//!
//! # Who goes direct
//!
//! `localhost` and loopback addresses (`127.0.0.0/8`, `::1`, and
//! `::ffff:127.x.y.z`) never use a proxy. Otherwise `NO_PROXY` (then
//! `no_proxy`) decides: a comma-separated list, each entry trimmed and
//! compared in lower case with the endpoint's host and port:
//!
//! | entry                      | matches                                         |
//! |----------------------------|-------------------------------------------------|
//! | `*`                        | every host                                      |
//! | `10.0.0.0/8`, `fd00::/8`   | IP addresses in the network (any port)          |
//! | `10.1.2.3`, `2001:db8::1`  | that address                                    |
//! | `10.1.2.3:2376`, `[2001:db8::1]:2376` | that address on that port            |
//! | `example.com`              | `example.com` and every name under it           |
//! | `.example.com`, `*.example.com` | names under `example.com`, not itself      |
//! | `example.com:2376`         | as `example.com`, on that port only             |
//!
//! Names are compared as written (no DNS lookup), so a name never matches
//! an address entry nor the reverse.
//!
//! # The tunnel
//!
//! Every connection through a proxy is an HTTP `CONNECT` tunnel, then the
//! daemon's protocol inside it, plain or TLS (verified against the daemon's
//! name, not the proxy's):
//!
//! ```text
//! client                          proxy                        daemon
//!   | CONNECT daemon:2376 HTTP/1.1   |                             |
//!   | Host: daemon:2376              |                             |
//!   | Proxy-Authorization: Basic ..  |---- TCP to daemon:2376 ---->|
//!   |<------- HTTP/1.1 200 ----------|                             |
//!   |====== TLS handshake, then HTTP/1.1 requests, through =======>|
//! ```
//!
//! Go tunnels only `https` requests this way and forwards plain `http`
//! requests in absolute form (`GET http://daemon:2375/v1.51/...`), and the
//! docker CLI dials its hijacked `attach`/`exec` connections without any
//! proxy. wharf tunnels plain endpoints too, on purpose: one code path, and
//! an upgraded connection (attach, exec) needs a raw byte stream, which only
//! a tunnel gives. Any `2xx` answer opens the tunnel (Go wants exactly
//! `200`); anything else is a connect error naming the proxy and its status
//! line. Credentials are sent in `Proxy-Authorization` and never appear in
//! `Debug` output or error text.

use std::fmt;
use std::io;
use std::net::IpAddr;

use base64::Engine as _;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::endpoint::Environment;
use crate::error::{Error, Result};

/// The largest answer head accepted from a proxy.
const MAX_HEAD: usize = 64 * 1024;
/// The most headers that answer may have.
const MAX_HEADERS: usize = 100;
/// What a proxy variable may hold, for error messages.
const SUPPORTED: &str = "wharf supports http:// proxies: http://[user:password@]host[:port], \
                         or host[:port]";

/// An HTTP proxy to tunnel through, and the variable that named it.
pub(crate) struct Proxy {
    /// The proxy's host, without brackets.
    host: String,
    port: u16,
    /// `user:password`, percent-decoded. Secret: never displayed.
    credentials: Option<(String, String)>,
    /// The variable the proxy came from (`HTTPS_PROXY`, ...).
    var: &'static str,
}

impl Proxy {
    /// The proxy for a `tcp://` endpoint at `host:port` (with TLS when
    /// `tls`), or `None` to connect directly.
    pub(crate) fn for_tcp(
        env: &Environment,
        host: &str,
        port: u16,
        tls: bool,
    ) -> Result<Option<Proxy>> {
        let names = if tls {
            ["HTTPS_PROXY", "https_proxy"]
        } else {
            ["HTTP_PROXY", "http_proxy"]
        };
        let Some((var, value)) = names
            .into_iter()
            .find_map(|name| Some((name, env.var(name)?)))
        else {
            return Ok(None);
        };
        if !tls && env.var("REQUEST_METHOD").is_some() {
            return Err(Error::config(format!(
                "{var} is set in a CGI environment (REQUEST_METHOD is set), where a request's \
                 `Proxy:` header would arrive as {var}; it is refused, as Go refuses it \
                 (golang.org/s/cgihttpproxy). Unset {var}, or use TLS and HTTPS_PROXY"
            )));
        }
        let no_proxy = env
            .var("NO_PROXY")
            .or_else(|| env.var("no_proxy"))
            .unwrap_or_default();
        if !use_proxy(&NoProxy::parse(&no_proxy), host, port) {
            return Ok(None);
        }
        Proxy::parse(var, &value, &authority(host, port)).map(Some)
    }

    /// Parses the value of `var`, the proxy for `target`.
    fn parse(var: &'static str, value: &str, target: &str) -> Result<Proxy> {
        let with_scheme;
        let text = if value.contains("://") {
            value
        } else {
            with_scheme = format!("http://{value}");
            &with_scheme
        };
        let url = reqwest::Url::parse(text).map_err(|e| {
            Error::config(format!(
                "{var} ({}), the proxy for {target}, is not a proxy URL: {e}; {SUPPORTED}",
                redact(value)
            ))
        })?;
        if url.scheme() != "http" {
            return Err(Error::config(format!(
                "{var} ({}), the proxy for {target}, is a {}:// proxy; {SUPPORTED}",
                redact(value),
                url.scheme()
            )));
        }
        let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
            return Err(Error::config(format!(
                "{var} ({}), the proxy for {target}, names no host; {SUPPORTED}",
                redact(value)
            )));
        };
        // An IPv6 host comes in brackets.
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let credentials = (!url.username().is_empty() || url.password().is_some()).then(|| {
            (
                percent_decode(url.username()),
                percent_decode(url.password().unwrap_or_default()),
            )
        });
        Ok(Proxy {
            host,
            port: url.port().unwrap_or(80),
            credentials,
            var,
        })
    }

    /// Opens a TCP connection to the proxy and a tunnel through it to
    /// `host:port`.
    pub(crate) async fn tunnel(&self, host: &str, port: u16) -> io::Result<TcpStream> {
        let mut tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| self.failure(format!("cannot reach the proxy {self}: {e}"), e))?;
        // Requests are written whole; do not hold small ones back.
        tcp.set_nodelay(true)?;
        self.handshake(&mut tcp, &authority(host, port)).await?;
        Ok(tcp)
    }

    /// Asks for a tunnel to `target` (`host:port`) and reads the answer.
    async fn handshake<S>(&self, stream: &mut S, target: &str) -> io::Result<()>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
        if let Some((user, password)) = &self.credentials {
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            request.push_str("Proxy-Authorization: Basic ");
            request.push_str(&token);
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        let sent = async {
            stream.write_all(request.as_bytes()).await?;
            stream.flush().await
        };
        sent.await.map_err(|e| {
            self.failure(
                format!("cannot ask the proxy {self} for a tunnel to {target}: {e}"),
                e,
            )
        })?;

        let mut buf = Vec::with_capacity(256);
        loop {
            match parse_answer(&buf) {
                Answer::Partial if buf.len() >= MAX_HEAD => {
                    return Err(self.bad_answer(target, "an answer head over 64 KiB"))
                }
                Answer::Partial => {}
                Answer::Invalid(e) => {
                    return Err(
                        self.bad_answer(target, &format!("an answer that is not HTTP ({e})"))
                    )
                }
                Answer::Status { code, line, .. } if !(200..300).contains(&code) => {
                    return Err(self.bad_answer(target, &line))
                }
                Answer::Status { len, line, .. } if len < buf.len() => {
                    // The daemon speaks only when spoken to: bytes behind the
                    // head cannot be the daemon's.
                    return Err(
                        self.bad_answer(target, &format!("{line}, followed by unexpected bytes"))
                    );
                }
                Answer::Status { .. } => return Ok(()),
            }
            let mut chunk = [0u8; 1024];
            let n = stream.read(&mut chunk).await.map_err(|e| {
                self.failure(
                    format!("cannot read the answer of the proxy {self} to CONNECT {target}: {e}"),
                    e,
                )
            })?;
            if n == 0 {
                return Err(io::Error::other(Failure {
                    text: format!(
                        "the proxy {self} closed the connection without answering CONNECT {target}"
                    ),
                    source: None,
                }));
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Says that `e`, from a connection through this proxy, happened there
    /// (unless it already says so).
    pub(crate) fn explain(&self, e: io::Error) -> io::Error {
        if e.get_ref().is_some_and(|inner| inner.is::<Failure>()) {
            return e;
        }
        self.failure(format!("through the proxy {self}: {e}"), e)
    }

    fn failure(&self, text: String, source: io::Error) -> io::Error {
        io::Error::other(Failure {
            text,
            source: Some(source),
        })
    }

    fn bad_answer(&self, target: &str, answer: &str) -> io::Error {
        io::Error::other(Failure {
            text: format!("the proxy {self} answered CONNECT {target} with {answer}"),
            source: None,
        })
    }
}

/// `http://host:port (from VAR)`: never the credentials.
impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "http://{} (from {})",
            authority(&self.host, self.port),
            self.var
        )
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field(
                "url",
                &format!("http://{}", authority(&self.host, self.port)),
            )
            .field("from", &self.var)
            .field("credentials", &self.credentials.is_some())
            .finish()
    }
}

/// A failure on the way through a proxy; its text names the proxy.
#[derive(Debug)]
struct Failure {
    text: String,
    source: Option<io::Error>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// What the bytes read so far say about the proxy's answer.
enum Answer {
    Partial,
    Invalid(httparse::Error),
    /// A whole head of `len` bytes; `line` is its status line.
    Status {
        code: u16,
        line: String,
        len: usize,
    },
}

fn parse_answer(buf: &[u8]) -> Answer {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut slots);
    match parsed.parse(buf) {
        Ok(httparse::Status::Partial) => Answer::Partial,
        Err(e) => Answer::Invalid(e),
        Ok(httparse::Status::Complete(len)) => {
            let code = parsed.code.unwrap_or_default();
            let mut line = format!("HTTP/1.{} {code}", parsed.version.unwrap_or(1));
            let reason = parsed.reason.unwrap_or_default();
            if !reason.is_empty() {
                line.push(' ');
                line.extend(reason.chars().take(100));
            }
            Answer::Status { code, line, len }
        }
    }
}

/// `host:port`, with an IPv6 host in brackets.
fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A proxy value fit for an error message: whatever precedes the last `@`
/// (after the scheme) is replaced.
fn redact(value: &str) -> String {
    match value.rfind('@') {
        None => value.to_owned(),
        Some(at) => {
            let start = value
                .find("://")
                .map(|i| i + 3)
                .filter(|&s| s <= at)
                .unwrap_or(0);
            format!("{}***@{}", &value[..start], &value[at + 1..])
        }
    }
}

/// Decodes `%XX` escapes (the user and password of a URL).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a connection to `host:port` should go through the proxy
/// (httpproxy's `useProxy`).
fn use_proxy(no_proxy: &NoProxy, host: &str, port: u16) -> bool {
    if host == "localhost" {
        return false;
    }
    let ip = host.parse::<IpAddr>().ok().map(canonical);
    if ip.is_some_and(|ip| ip.is_loopback()) {
        return false;
    }
    !no_proxy.matches(&host.trim().to_ascii_lowercase(), &port.to_string(), ip)
}

/// An IPv4-mapped IPv6 address as the IPv4 address it holds, as Go's
/// `net.IP` compares them.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The parsed `NO_PROXY` list.
#[derive(Debug, Default)]
struct NoProxy {
    /// `*`: nothing uses the proxy.
    all: bool,
    ips: Vec<IpRule>,
    domains: Vec<DomainRule>,
}

#[derive(Debug)]
enum IpRule {
    /// `10.0.0.0/8`: the network, any port.
    Network { net: IpAddr, bits: u8 },
    /// `10.1.2.3` or `10.1.2.3:2376` (`port` empty: any).
    Address { ip: IpAddr, port: String },
}

#[derive(Debug)]
struct DomainRule {
    /// The name with a leading dot: `.example.com`.
    suffix: String,
    /// Whether the name itself (`example.com`) matches too.
    exact_too: bool,
    /// Empty: any port.
    port: String,
}

impl NoProxy {
    /// Parses the list as httpproxy's `config.init` does: malformed entries
    /// are skipped, never an error.
    fn parse(list: &str) -> NoProxy {
        let mut rules = NoProxy::default();
        for entry in list.split(',') {
            let entry = entry.trim().to_ascii_lowercase();
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                return NoProxy {
                    all: true,
                    ..NoProxy::default()
                };
            }
            if let Some((net, bits)) = parse_cidr(&entry) {
                rules.ips.push(IpRule::Network { net, bits });
                continue;
            }
            let (host, port) = match split_host_port(&entry) {
                Some(("", _)) => continue,
                Some((host, port)) => (host, port),
                None => (entry.as_str(), ""),
            };
            if let Ok(ip) = host.parse::<IpAddr>() {
                rules.ips.push(IpRule::Address {
                    ip: canonical(ip),
                    port: port.to_owned(),
                });
                continue;
            }
            let host = host
                .strip_prefix('*')
                .filter(|h| h.starts_with('.'))
                .unwrap_or(host);
            let (suffix, exact_too) = match host.strip_prefix('.') {
                Some(_) => (host.to_owned(), false),
                None => (format!(".{host}"), true),
            };
            rules.domains.push(DomainRule {
                suffix,
                exact_too,
                port: port.to_owned(),
            });
        }
        rules
    }

    /// Whether `host` (lower case) on `port` is listed; `ip` is the host as
    /// an address, if it is one.
    fn matches(&self, host: &str, port: &str, ip: Option<IpAddr>) -> bool {
        if self.all {
            return true;
        }
        let port_fits = |rule: &str| rule.is_empty() || rule == port;
        let ip_listed = ip.is_some_and(|ip| {
            self.ips.iter().any(|rule| match rule {
                IpRule::Network { net, bits } => in_network(ip, *net, *bits),
                IpRule::Address { ip: listed, port } => *listed == ip && port_fits(port),
            })
        });
        ip_listed
            || self.domains.iter().any(|rule| {
                (host.ends_with(&rule.suffix) || (rule.exact_too && host == &rule.suffix[1..]))
                    && port_fits(&rule.port)
            })
    }
}

/// `10.0.0.0/8` or `fd00::/8` (Go's `net.ParseCIDR`). A network written
/// with an IPv4-mapped address (`::ffff:10.0.0.0/104`) is the IPv4 network.
fn parse_cidr(text: &str) -> Option<(IpAddr, u8)> {
    let (ip, bits) = text.split_once('/')?;
    if bits.is_empty() || !bits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bits: u8 = bits.parse().ok()?;
    match ip.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => (bits <= 32).then_some((IpAddr::V4(v4), bits)),
        IpAddr::V6(v6) if bits <= 128 => Some(match v6.to_ipv4_mapped() {
            Some(v4) => (IpAddr::V4(v4), bits.saturating_sub(96)),
            None => (IpAddr::V6(v6), bits),
        }),
        IpAddr::V6(_) => None,
    }
}

/// Whether `ip` is in `net/bits`.
fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => prefix_eq(&ip.octets(), &net.octets(), bits),
        (IpAddr::V6(ip), IpAddr::V6(net)) => prefix_eq(&ip.octets(), &net.octets(), bits),
        _ => false,
    }
}

/// Whether the first `bits` bits of `a` and `b` are equal.
fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let bits = usize::from(bits);
    let (whole, rest) = (bits / 8, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[whole] & mask == b[whole] & mask
    }
}

/// `host:port` or `[v6]:port` (Go's `net.SplitHostPort`); `None` without a
/// port.
fn split_host_port(text: &str) -> Option<(&str, &str)> {
    let (host, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest.split_once(']')?;
            (host, after.strip_prefix(':')?)
        }
        None => {
            let (host, port) = text.rsplit_once(':')?;
            if host.contains([':', '[', ']']) {
                return None;
            }
            (host, port)
        }
    };
    (!port.contains([':', '[', ']'])).then_some((host, port))
}

#[cfg(test)]
mod tests;
