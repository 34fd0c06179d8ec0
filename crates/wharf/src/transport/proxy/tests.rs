use super::*;
use crate::ErrorKind;

fn env(vars: &[(&str, &str)]) -> Environment {
    vars.iter().copied().collect()
}

/// The proxy for `host:port` as `http://host:port (from VAR)`, or `None`.
fn chosen(vars: &[(&str, &str)], host: &str, port: u16, tls: bool) -> Option<String> {
    Proxy::for_tcp(&env(vars), host, port, tls)
        .unwrap()
        .map(|p| p.to_string())
}

#[test]
fn tls_endpoints_read_https_proxy_and_plain_ones_http_proxy() {
    let vars = [
        ("HTTP_PROXY", "http://plain:3128"),
        ("HTTPS_PROXY", "http://secure:3128"),
    ];
    assert_eq!(
        chosen(&vars, "daemon", 2376, true).as_deref(),
        Some("http://secure:3128 (from HTTPS_PROXY)")
    );
    assert_eq!(
        chosen(&vars, "daemon", 2375, false).as_deref(),
        Some("http://plain:3128 (from HTTP_PROXY)")
    );
    // No fallback from one to the other.
    assert_eq!(chosen(&vars[..1], "daemon", 2376, true), None);
    assert_eq!(chosen(&vars[1..], "daemon", 2375, false), None);
    assert_eq!(chosen(&[], "daemon", 2375, false), None);
}

#[test]
fn upper_case_first_then_lower_case() {
    let both = [("HTTPS_PROXY", "upper:1"), ("https_proxy", "lower:2")];
    assert_eq!(
        chosen(&both, "daemon", 2376, true).as_deref(),
        Some("http://upper:1 (from HTTPS_PROXY)")
    );
    // Empty counts as unset.
    let empty_upper = [("HTTP_PROXY", ""), ("http_proxy", "lower:2")];
    assert_eq!(
        chosen(&empty_upper, "daemon", 2375, false).as_deref(),
        Some("http://lower:2 (from http_proxy)")
    );
    let no_proxy_lower = [("HTTP_PROXY", "p:1"), ("no_proxy", "daemon")];
    assert_eq!(chosen(&no_proxy_lower, "daemon", 2375, false), None);
    let no_proxy_upper_wins = [
        ("HTTP_PROXY", "p:1"),
        ("NO_PROXY", "other"),
        ("no_proxy", "daemon"),
    ];
    assert!(chosen(&no_proxy_upper_wins, "daemon", 2375, false).is_some());
}

#[test]
fn proxy_url_forms() {
    let cases = [
        ("http://proxy.corp:3128", "http://proxy.corp:3128"),
        ("http://proxy.corp:3128/", "http://proxy.corp:3128"),
        ("HTTP://Proxy.Corp:3128", "http://proxy.corp:3128"),
        ("proxy.corp:3128", "http://proxy.corp:3128"),
        // A bare name, which a URL parser would read as a scheme.
        ("proxy", "http://proxy:80"),
        ("http://proxy.corp", "http://proxy.corp:80"),
        ("10.1.2.3:8080", "http://10.1.2.3:8080"),
        ("http://[fd00::1]:3128", "http://[fd00::1]:3128"),
        ("[fd00::1]:3128", "http://[fd00::1]:3128"),
        ("http://user:secret@proxy:3128", "http://proxy:3128"),
        ("user:secret@proxy:3128", "http://proxy:3128"),
    ];
    for (value, want) in cases {
        let proxy = Proxy::parse("HTTP_PROXY", value, "daemon:2375").unwrap();
        assert_eq!(
            proxy.to_string(),
            format!("{want} (from HTTP_PROXY)"),
            "{value}"
        );
    }
}

#[test]
fn other_schemes_are_config_errors_naming_the_variable() {
    for (value, scheme) in [
        ("https://proxy:3128", "https://"),
        ("socks5://user:hunter2@proxy:1080", "socks5://"),
        ("socks5h://proxy:1080", "socks5h://"),
    ] {
        let e = Proxy::for_tcp(&env(&[("HTTPS_PROXY", value)]), "daemon", 2376, true).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        let text = e.to_string();
        assert!(text.contains("HTTPS_PROXY"), "{text}");
        assert!(text.contains(scheme), "{text}");
        assert!(text.contains("daemon:2376"), "{text}");
        assert!(
            text.contains("http://[user:password@]host[:port]"),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!format!("{e:?}").contains("hunter2"));
    }
    let e = Proxy::parse("HTTP_PROXY", "http://us:hunter2@:3128", "d:1").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(!e.to_string().contains("hunter2"), "{e}");
}

#[test]
fn unsupported_proxy_is_no_error_where_it_would_not_be_used() {
    let vars = [
        ("HTTPS_PROXY", "socks5://proxy:1080"),
        ("NO_PROXY", "daemon"),
    ];
    assert_eq!(chosen(&vars, "daemon", 2376, true), None);
    assert_eq!(chosen(&vars, "localhost", 2376, true), None);
}

#[test]
fn credentials_are_decoded_and_never_shown() {
    let proxy = Proxy::parse(
        "HTTPS_PROXY",
        "http://us%65r:p%40ss%3Aw0rd@proxy:3128",
        "d:1",
    )
    .unwrap();
    assert_eq!(
        proxy.credentials,
        Some(("user".to_owned(), "p@ss:w0rd".to_owned()))
    );
    for text in [proxy.to_string(), format!("{proxy:?}")] {
        assert!(!text.contains("w0rd"), "{text}");
        assert!(!text.contains("user"), "{text}");
    }
    assert!(format!("{proxy:?}").contains("credentials: true"));
    // A user without a password still authenticates, as in Go.
    let proxy = Proxy::parse("HTTP_PROXY", "http://user@proxy:3128", "d:1").unwrap();
    assert_eq!(proxy.credentials, Some(("user".to_owned(), String::new())));
    let proxy = Proxy::parse("HTTP_PROXY", "http://proxy:3128", "d:1").unwrap();
    assert_eq!(proxy.credentials, None);
}

#[test]
fn redact_hides_everything_before_the_host() {
    assert_eq!(redact("socks5://u:p@host:1"), "socks5://***@host:1");
    assert_eq!(redact("u:p@w@host:1"), "***@host:1");
    assert_eq!(redact("http://host:1"), "http://host:1");
}

#[test]
fn percent_decoding() {
    assert_eq!(percent_decode("a%20b%2f%zz%4"), "a b/%zz%4");
    assert_eq!(percent_decode(""), "");
}

#[test]
fn cgi_refuses_http_proxy_but_not_https_proxy() {
    let vars = [
        ("HTTP_PROXY", "http://evil:3128"),
        ("HTTPS_PROXY", "http://proxy:3128"),
        ("REQUEST_METHOD", "GET"),
    ];
    let e = Proxy::for_tcp(&env(&vars), "daemon", 2375, false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("cgihttpproxy"), "{e}");
    assert!(chosen(&vars, "daemon", 2376, true).is_some());
}

#[test]
fn localhost_and_loopback_never_use_a_proxy() {
    let proxy = [("HTTP_PROXY", "proxy:3128")];
    for host in [
        "localhost",
        "127.0.0.1",
        "127.0.0.2",
        "127.255.1.1",
        "::1",
        "::ffff:127.0.0.1",
    ] {
        assert_eq!(chosen(&proxy, host, 2375, false), None, "{host}");
    }
    for host in [
        "::2",
        "128.0.0.1",
        "localhost.net",
        "local.localhost",
        "0.0.0.0",
    ] {
        assert!(chosen(&proxy, host, 2375, false).is_some(), "{host}");
    }
}

/// The `NO_PROXY` cases of httpproxy's own tests, and a few more.
#[test]
fn no_proxy_matching() {
    let no_proxy = NoProxy::parse(
        "foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, \
         192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, \
         [2001:db8::52:0:3]:80, 2002:db8:a::45/64, Docker.Example:2376, ::ffff:172.16.0.0/108",
    );
    let cases = [
        ("192.168.1.1", 80, false),
        ("192.168.1.2", 80, true), // the port differs
        ("192.168.1.2", 81, false),
        ("192.168.1.3", 80, false),
        ("192.168.1.4", 80, true),
        ("10.0.0.2", 80, false), // in 10.0.0.0/30
        ("10.0.0.4", 80, true),  // outside it
        ("::ffff:10.0.0.1", 80, false),
        ("2001:db8::52:0:1", 80, false),
        ("2001:db8::52:0:2", 80, true),
        ("2001:db8::52:0:2", 443, false),
        ("2001:db8::52:0:3", 80, false),
        ("2002:db8:a::123", 80, false), // in 2002:db8:a::/64
        ("fe80::424b:c8be:1643:a1b6", 80, true),
        ("172.16.5.5", 2375, false), // the IPv4-mapped network is the IPv4 one
        ("172.32.0.1", 2375, true),
        ("barbaz.net", 80, true), // .barbaz.net: names under it only
        ("www.barbaz.net", 80, false),
        ("foobar.com", 80, false),
        ("www.foobar.com", 80, false),
        ("foofoobar.com", 80, true),
        ("baz.com", 80, true),
        ("barbarbaz.net", 80, true),
        ("wildcard.io", 80, true), // *.wildcard.io: names under it only
        ("nested.wildcard.io", 80, false),
        ("awildcard.io", 80, true),
        ("docker.example", 2376, false), // entries are compared in lower case
        ("DOCKER.example", 2376, false), // and so is the host
        ("docker.example", 2375, true),
    ];
    for (host, port, proxied) in cases {
        let ip = host.parse().ok().map(canonical);
        assert_eq!(
            use_proxy(&no_proxy, host, port),
            proxied,
            "{host}:{port} (as {ip:?}) against {no_proxy:?}"
        );
    }
}

#[test]
fn no_proxy_star_and_malformed_entries() {
    let all = NoProxy::parse("foo, * ,bar");
    assert!(!use_proxy(&all, "example.com", 2375));
    assert!(!use_proxy(&all, "10.1.2.3", 2375));
    // Only a whole entry `*` matches everything.
    assert!(use_proxy(&NoProxy::parse("*:2375"), "example.com", 2375));
    // Entries without a host are skipped, never an error.
    let odd = NoProxy::parse(":1, ,, [::1, 300.1.1.1/8, 10.0.0.0/33");
    assert!(use_proxy(&odd, "example.com", 2375));
    assert!(use_proxy(&odd, "10.0.0.1", 2375));
    assert!(use_proxy(&NoProxy::parse(""), "example.com", 2375));
}

#[test]
fn cidr_and_host_port_parsing() {
    assert_eq!(
        parse_cidr("10.1.2.3/8"),
        Some(("10.1.2.3".parse().unwrap(), 8))
    );
    assert_eq!(parse_cidr("10.0.0.0/33"), None);
    assert_eq!(parse_cidr("10.0.0.0/"), None);
    assert_eq!(parse_cidr("10.0.0.0/+8"), None);
    assert_eq!(parse_cidr("fd00::/129"), None);
    assert!(in_network(
        "10.255.0.1".parse().unwrap(),
        "10.1.2.3".parse().unwrap(),
        8
    ));
    assert!(in_network(
        "1.2.3.4".parse().unwrap(),
        "9.9.9.9".parse().unwrap(),
        0
    ));
    assert!(!in_network(
        "fd00::1".parse().unwrap(),
        "10.0.0.0".parse().unwrap(),
        0
    ));
    assert_eq!(split_host_port("host:80"), Some(("host", "80")));
    assert_eq!(split_host_port("[::1]:80"), Some(("::1", "80")));
    assert_eq!(split_host_port("host:"), Some(("host", "")));
    assert_eq!(split_host_port("host"), None);
    assert_eq!(split_host_port("::1"), None);
    assert_eq!(split_host_port("[::1]"), None);
}

fn test_proxy(credentials: Option<(&str, &str)>) -> Proxy {
    Proxy {
        host: "proxy".to_owned(),
        port: 3128,
        credentials: credentials.map(|(u, p)| (u.to_owned(), p.to_owned())),
        var: "HTTPS_PROXY",
    }
}

/// Runs the handshake against a proxy that answers `answer`, delivered
/// in pieces of `piece` bytes; returns what the proxy read and the result.
async fn handshake(proxy: &Proxy, answer: &[u8], piece: usize) -> (String, io::Result<()>) {
    let (mut client, mut server) = tokio::io::duplex(64 * 1024);
    let answer = answer.to_vec();
    let server = tokio::spawn(async move {
        let mut request = Vec::new();
        while !request.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            if server.read(&mut byte).await.unwrap() == 0 {
                break;
            }
            request.push(byte[0]);
        }
        for chunk in answer.chunks(piece) {
            server.write_all(chunk).await.unwrap();
            server.flush().await.unwrap();
            tokio::task::yield_now().await;
        }
        drop(server);
        String::from_utf8(request).unwrap()
    });
    let result = proxy.handshake(&mut client, "daemon:2376").await;
    drop(client);
    (server.await.unwrap(), result)
}

#[tokio::test]
async fn handshake_sends_connect_and_accepts_2xx() {
    let proxy = test_proxy(Some(("user", "p@ss")));
    let answer = b"HTTP/1.1 200 Connection established\r\nProxy-Agent: test\r\n\r\n";
    for piece in 1..=answer.len() {
        let (request, result) = handshake(&proxy, answer, piece).await;
        result.unwrap();
        assert_eq!(
            request,
            "CONNECT daemon:2376 HTTP/1.1\r\nHost: daemon:2376\r\n\
             Proxy-Authorization: Basic dXNlcjpwQHNz\r\n\r\n"
        );
    }
    let (request, result) = handshake(&test_proxy(None), b"HTTP/1.0 204 OK\r\n\r\n", 64).await;
    result.unwrap();
    assert!(!request.contains("Proxy-Authorization"), "{request}");
}

#[tokio::test]
async fn refused_tunnel_names_the_proxy_and_status_not_the_password() {
    let proxy = test_proxy(Some(("user", "hunter2")));
    let (_, result) = handshake(
        &proxy,
        b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 5\r\n\r\nnope!",
        7,
    )
    .await;
    let e = proxy.explain(result.unwrap_err());
    let text = e.to_string();
    assert_eq!(
        text,
        "the proxy http://proxy:3128 (from HTTPS_PROXY) answered CONNECT daemon:2376 with \
         HTTP/1.1 407 Proxy Authentication Required"
    );
    assert!(!format!("{e:?}").contains("hunter2"));
}

#[tokio::test]
async fn bad_answers_are_errors() {
    let proxy = test_proxy(None);
    for (answer, expect) in [
        (&b""[..], "closed the connection without answering"),
        (
            b"HTTP/1.1 200 OK\r\n",
            "closed the connection without answering",
        ),
        (b"SSH-2.0-OpenSSH\r\n\r\n", "not HTTP"),
        (
            b"HTTP/1.1 502 Bad Gateway\r\n\r\n",
            "HTTP/1.1 502 Bad Gateway",
        ),
        (b"HTTP/1.1 200 OK\r\n\r\nextra", "unexpected bytes"),
        (b"HTTP/1.1 101 Switching Protocols\r\n\r\n", "101"),
    ] {
        let (_, result) = handshake(&proxy, answer, 64).await;
        let text = result.unwrap_err().to_string();
        assert!(text.contains(expect), "{text}");
        assert!(
            text.contains("http://proxy:3128 (from HTTPS_PROXY)"),
            "{text}"
        );
    }
}

#[test]
fn other_errors_are_explained_once() {
    let proxy = test_proxy(None);
    let e = proxy.explain(io::Error::new(
        io::ErrorKind::TimedOut,
        "no connection within 1s",
    ));
    assert_eq!(
        e.to_string(),
        "through the proxy http://proxy:3128 (from HTTPS_PROXY): no connection within 1s"
    );
    let text = e.to_string();
    let again = proxy.explain(e);
    assert_eq!(again.to_string(), text);
    assert!(std::error::Error::source(again.get_ref().unwrap()).is_some());
}
