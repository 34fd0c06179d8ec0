use super::*;

const SHA: &str = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

/// distribution/reference, `normalize_test.go` (TestValidateReferenceName,
/// TestParseRepositoryInfo): valid names and what they normalize to.
#[test]
fn normalizes_like_the_cli() {
    let cases = [
        ("docker/docker", "docker.io/docker/docker", "docker/docker"),
        ("library/debian", "docker.io/library/debian", "debian"),
        ("debian", "docker.io/library/debian", "debian"),
        (
            "docker.io/docker/docker",
            "docker.io/docker/docker",
            "docker/docker",
        ),
        (
            "docker.io/library/debian",
            "docker.io/library/debian",
            "debian",
        ),
        ("docker.io/debian", "docker.io/library/debian", "debian"),
        (
            "index.docker.io/docker/docker",
            "docker.io/docker/docker",
            "docker/docker",
        ),
        (
            "index.docker.io/library/debian",
            "docker.io/library/debian",
            "debian",
        ),
        (
            "index.docker.io/debian",
            "docker.io/library/debian",
            "debian",
        ),
        (
            "127.0.0.1:5000/docker/docker",
            "127.0.0.1:5000/docker/docker",
            "127.0.0.1:5000/docker/docker",
        ),
        (
            "127.0.0.1:5000/library/debian",
            "127.0.0.1:5000/library/debian",
            "127.0.0.1:5000/library/debian",
        ),
        (
            "127.0.0.1:5000/debian",
            "127.0.0.1:5000/debian",
            "127.0.0.1:5000/debian",
        ),
        (
            "192.168.0.1:8/debian",
            "192.168.0.1:8/debian",
            "192.168.0.1:8/debian",
        ),
        ("localhost/debian", "localhost/debian", "localhost/debian"),
        (
            "localhost:5000/debian",
            "localhost:5000/debian",
            "localhost:5000/debian",
        ),
        (
            "[fc00::1]:5000/docker",
            "[fc00::1]:5000/docker",
            "[fc00::1]:5000/docker",
        ),
        (
            "[2001:db8::1]:5000/library/debian",
            "[2001:db8::1]:5000/library/debian",
            "[2001:db8::1]:5000/library/debian",
        ),
        (
            "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
            "docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
            "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
        ),
        (
            "library/distros/ubuntu",
            "docker.io/library/distros/ubuntu",
            "library/distros/ubuntu",
        ),
        ("Example.com/app", "Example.com/app", "Example.com/app"),
        (
            "a__b/c--d/e.f_g",
            "docker.io/a__b/c--d/e.f_g",
            "a__b/c--d/e.f_g",
        ),
        // a Hub path whose first component reads as a registry keeps its
        // registry in the short form, or that form names another image
        // (found by the fuzz target `reference`)
        (
            "docker.io/my.host/app",
            "docker.io/my.host/app",
            "docker.io/my.host/app",
        ),
        (
            "docker.io/foindex.docker.io/fo",
            "docker.io/foindex.docker.io/fo",
            "docker.io/foindex.docker.io/fo",
        ),
        (
            "docker.io/localhost/app",
            "docker.io/localhost/app",
            "docker.io/localhost/app",
        ),
    ];
    for (input, full, familiar) in cases {
        let r = Reference::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(r.to_string(), full, "{input}");
        assert_eq!(r.familiar(), familiar, "{input}");
        assert_eq!(
            Reference::parse(&r.to_string()).unwrap(),
            r,
            "{input} round trip"
        );
        assert_eq!(
            Reference::parse(&r.familiar()).unwrap(),
            r,
            "{input} familiar round trip"
        );
    }
}

#[test]
fn tags_and_digests() {
    let r = Reference::parse("foo_bar.com:8080").unwrap();
    assert_eq!(
        (r.repository(), r.tag()),
        ("library/foo_bar.com", Some("8080"))
    );
    let r = Reference::parse("192.168.0.1:80").unwrap();
    assert_eq!((r.registry(), r.tag()), ("docker.io", Some("80")));
    let r = Reference::parse(&format!("host:5000/ns/img:v1@{SHA}")).unwrap();
    assert_eq!(r.registry(), "host:5000");
    assert_eq!(r.repository(), "ns/img");
    assert_eq!(r.tag(), Some("v1"));
    assert_eq!(r.digest(), Some(SHA));
    assert_eq!(r.to_string(), format!("host:5000/ns/img:v1@{SHA}"));
    let r = Reference::parse(&format!("busybox@{SHA}")).unwrap();
    assert_eq!(r.clone().with_default_tag(), r, "a digest needs no tag");
    assert_eq!(r.familiar(), format!("busybox@{SHA}"));
    assert_eq!(
        Reference::parse("a:Tag_1.x-y").unwrap().tag(),
        Some("Tag_1.x-y")
    );
}

/// `normalize_test.go`'s invalid names, and some of ours.
#[test]
fn invalid_references_are_invalid_arguments() {
    let long_tag = format!("a:{}", "t".repeat(129));
    let long_name = format!("{}/a", "b".repeat(255));
    let cases = [
        "",
        "https://github.com/docker/docker",
        "docker/Docker",
        "-docker",
        "-docker/docker",
        "-docker.io/docker/docker",
        "docker:///docker",
        "docker.io/docker/Docker",
        "docker.io/docker///docker",
        "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
        "busybox:",
        "busybox@",
        "busybox@sha256:abc",
        "busybox@md5:0123456789abcdef0123456789abcdef",
        "busybox:-tag",
        "busy box",
        "a/b/",
        "host:port/a",
        "[::1/a",
        "a@b@c",
        &long_tag,
        &long_name,
    ];
    for input in cases {
        let e = Reference::parse(input).expect_err(input);
        assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{input}");
        assert!(e.to_string().contains("invalid reference format"), "{e}");
    }
}

#[test]
fn auth_keys_and_ids() {
    assert_eq!(
        Reference::parse("index.docker.io/a/b").unwrap().auth_key(),
        DOCKER_HUB_AUTH_KEY
    );
    assert_eq!(
        Reference::parse("localhost:5000/a").unwrap().auth_key(),
        "localhost:5000"
    );
    assert!(is_image_id(&SHA[7..]));
    assert!(is_image_id(SHA));
    assert!(!is_image_id("busybox"));
}

proptest::proptest! {
    #[test]
    fn a_normalized_reference_parses_to_itself(
        registry in "(localhost|[a-z][a-z0-9-]{0,8}[a-z0-9]\\.[a-z]{2,4})(:[0-9]{1,5})?",
        path in "[a-z0-9]{1,5}([._-][a-z0-9]{1,5}){0,2}(/[a-z0-9]{1,6}){0,2}",
        tag in proptest::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"),
    ) {
        proptest::prop_assume!(registry != "docker.io");
        let mut text = format!("{registry}/{path}");
        if let Some(tag) = &tag {
            text.push(':');
            text.push_str(tag);
        }
        let r = Reference::parse(&text).unwrap();
        proptest::prop_assert_eq!(r.to_string(), text.clone());
        proptest::prop_assert_eq!(Reference::parse(&r.familiar()).unwrap(), r);
    }

    #[test]
    fn parsing_never_panics(text in "\\PC{0,80}") {
        let _ = Reference::parse(&text);
    }
}
