use super::convert::*;
use super::*;

#[test]
fn error_is_one_pointer_and_thread_safe() {
    fn assert_traits<T: Send + Sync + 'static + StdError>() {}
    assert_traits::<Error>();
    assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
}

#[test]
fn display_names_request_status_and_message() {
    let e = Error::from_status(404, Some("No such container: abc".into()))
        .with_request("GET", "/v1.51/containers/abc/json");
    assert_eq!(
        e.to_string(),
        "GET /v1.51/containers/abc/json: 404 Not Found: No such container: abc"
    );
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.message(), Some("No such container: abc"));
    assert_eq!(e.method(), Some("GET"));
    assert_eq!(e.path(), Some("/v1.51/containers/abc/json"));
}

#[test]
fn status_kinds() {
    let cases = [
        (304, ErrorKind::NotModified),
        (400, ErrorKind::InvalidArgument),
        (401, ErrorKind::Unauthorized),
        (403, ErrorKind::Forbidden),
        (404, ErrorKind::NotFound),
        (409, ErrorKind::Conflict),
        (500, ErrorKind::Server),
        (501, ErrorKind::Server),
        (503, ErrorKind::Unavailable),
        (418, ErrorKind::UnexpectedStatus),
    ];
    for (status, kind) in cases {
        assert_eq!(Error::from_status(status, None).kind(), kind, "{status}");
    }
    assert!(Error::from_status(304, None).is_not_modified());
}

#[test]
fn podmans_500_for_a_conflict_is_a_conflict() {
    // Podman 4.3 removing a running container, and creating a taken name
    let running = "cannot remove container cb5a as it is running - running or paused \
                   containers cannot be removed without force: container state improper";
    let taken = "container create: creating container storage: the container name \"x\" \
                 is already in use by cb5a. You have to remove that container to be able \
                 to reuse that name: that name is already in use";
    for m in [running, taken] {
        let e = Error::from_status(500, Some(m.into()));
        assert_eq!(e.kind(), ErrorKind::Conflict, "{m}");
        assert_eq!(e.status(), Some(500));
    }
    let e = Error::from_status(500, Some("Container cb5a is not paused".into()));
    assert_eq!(e.kind(), ErrorKind::Conflict);
    let e = Error::from_status(500, Some("runc: exec failed".into()));
    assert_eq!(e.kind(), ErrorKind::Server);
}

#[test]
fn too_new_client_is_a_version_mismatch() {
    let m = "client version 1.51 is too new. Maximum supported API version is 1.41";
    let e = Error::from_status(400, Some(m.into()));
    assert_eq!(e.kind(), ErrorKind::VersionMismatch);
    assert_eq!(e.message(), Some(m));
    assert_eq!(e.status(), Some(400));
    let e = Error::from_status(400, Some("invalid filter".into()));
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn messages_from_json_and_text_bodies() {
    assert_eq!(
        message_from_body(br#"{"message":"No such image: x"}"#, true, false).as_deref(),
        Some("No such image: x")
    );
    // Some daemons and proxies answer JSON without the content type.
    assert_eq!(
        message_from_body(br#"{"message":"boom"}"#, false, false).as_deref(),
        Some("boom")
    );
    assert_eq!(
        message_from_body(b"page not found\n", false, false).as_deref(),
        Some("page not found")
    );
    assert_eq!(
        message_from_body(b"{not json", true, false).as_deref(),
        Some("{not json")
    );
    assert_eq!(message_from_body(b"  \n", false, false), None);
    assert_eq!(
        message_from_body(b"abc", false, true).as_deref(),
        Some("abc [truncated]")
    );
}

#[test]
fn no_secret_in_display_or_debug() {
    let secret = "hunter2-registry-token";
    let e = Error::invalid_argument("invalid value for header X-Registry-Auth")
        .with_request("POST", "/v1.51/images/create");
    for text in [e.to_string(), format!("{e:?}")] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[test]
fn source_chain_is_kept() {
    let io = std::io::Error::new(std::io::ErrorKind::InvalidData, "bad bytes");
    let e = Error::decode("cannot decode the body", io);
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.source().unwrap().to_string(), "bad bytes");
    assert_eq!(e.to_string(), "cannot decode the body");
}

#[test]
fn connect_reason_reads_the_io_error() {
    let io = std::io::Error::from(std::io::ErrorKind::NotFound);
    assert_eq!(connect_reason(&io).as_deref(), Some("no such socket"));
}

/// An endpoint as `with_endpoint` sees it.
struct Target {
    tls: Option<&'static str>,
}

impl ConnectTarget for Target {
    fn url(&self) -> &str {
        "tcp://h:2376"
    }
    fn chosen(&self) -> &dyn fmt::Display {
        &"from DOCKER_HOST"
    }
    fn hint(&self) -> String {
        "check DOCKER_HOST".to_owned()
    }
    fn tls_origin(&self) -> Option<&str> {
        self.tls
    }
}

#[test]
fn connect_errors_name_the_endpoint_and_what_to_check() {
    let refused = || Error::connect(std::io::ErrorKind::ConnectionRefused.into());
    let e = refused().with_endpoint(&Target { tls: None });
    assert_eq!(
        e.to_string(),
        "cannot connect to the Docker daemon at tcp://h:2376 (from DOCKER_HOST): \
         connection refused; is the daemon running? Check DOCKER_HOST"
    );
    let bad_cert = Error::new(ErrorKind::Connect).with_detail("invalid peer certificate");
    let e = bad_cert.with_endpoint(&Target {
        tls: Some("files in /certs"),
    });
    assert_eq!(
        e.to_string(),
        "cannot connect to the Docker daemon at tcp://h:2376 (from DOCKER_HOST): \
         invalid peer certificate; check the TLS settings (files in /certs)"
    );
    let other = Error::decode("bad body", std::io::Error::other("x"));
    assert_eq!(
        other.with_endpoint(&Target { tls: None }).to_string(),
        "bad body"
    );
}
