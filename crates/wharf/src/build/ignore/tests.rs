//! moby/patternmatcher's own test tables (patternmatcher_test.go: `TestMatches`,
//! `TestMatch`, the `TestCleanPatterns*` cases) and ignorefile's reading rules.

use super::*;

/// `(pattern, text, matches)`: `TestMatches` of moby/patternmatcher, checked as its
/// `MatchesOrParentMatches` subtest checks them ("exact" and "inexact" both match).
const MATCHES: &[(&str, &str, bool)] = &[
    ("**", "file", true),
    ("**", "file/", true),
    ("**/", "file", true),
    ("**/", "file/", true),
    ("**", "/", true),
    ("**/", "/", true),
    ("**", "dir/file", true),
    ("**/", "dir/file", true),
    ("**", "dir/file/", true),
    ("**/", "dir/file/", true),
    ("**/**", "dir/file", true),
    ("**/**", "dir/file/", true),
    ("dir/**", "dir/file", true),
    ("dir/**", "dir/file/", true),
    ("dir/**", "dir/dir2/file", true),
    ("dir/**", "dir/dir2/file/", true),
    ("**/dir", "dir", true),
    ("**/dir", "dir/file", true),
    ("**/dir2/*", "dir/dir2/file", true),
    ("**/dir2/*", "dir/dir2/file/", true),
    ("**/dir2/**", "dir/dir2/dir3/file", true),
    ("**/dir2/**", "dir/dir2/dir3/file/", true),
    ("**file", "file", true),
    ("**file", "dir/file", true),
    ("**/file", "dir/file", true),
    ("**file", "dir/dir/file", true),
    ("**/file", "dir/dir/file", true),
    ("**/file*", "dir/dir/file", true),
    ("**/file*", "dir/dir/file.txt", true),
    ("**/file*txt", "dir/dir/file.txt", true),
    ("**/file*.txt", "dir/dir/file.txt", true),
    ("**/file*.txt*", "dir/dir/file.txt", true),
    ("**/**/*.txt", "dir/dir/file.txt", true),
    ("**/**/*.txt2", "dir/dir/file.txt", false),
    ("**/*.txt", "file.txt", true),
    ("**/**/*.txt", "file.txt", true),
    ("a**/*.txt", "a/file.txt", true),
    ("a**/*.txt", "a/dir/file.txt", true),
    ("a**/*.txt", "a/dir/dir/file.txt", true),
    ("a/*.txt", "a/dir/file.txt", false),
    ("a/*.txt", "a/file.txt", true),
    ("a/*.txt**", "a/file.txt", true),
    ("a[b-d]e", "ae", false),
    ("a[b-d]e", "ace", true),
    ("a[b-d]e", "aae", false),
    ("a[^b-d]e", "aze", true),
    (".*", ".foo", true),
    (".*", "foo", false),
    ("abc.def", "abcdef", false),
    ("abc.def", "abc.def", true),
    ("abc.def", "abcZdef", false),
    ("abc?def", "abcZdef", true),
    ("abc?def", "abcdef", false),
    ("**/foo/bar", "foo/bar", true),
    ("**/foo/bar", "dir/foo/bar", true),
    ("**/foo/bar", "dir/dir2/foo/bar", true),
    ("abc/**", "abc", false),
    ("abc/**", "abc/def", true),
    ("abc/**", "abc/def/ghi", true),
    ("**/.foo", ".foo", true),
    ("**/.foo", "bar.foo", false),
    ("a(b)c/def", "a(b)c/def", true),
    ("a(b)c/def", "a(b)c/xyz", false),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", true),
    (
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        true,
    ),
    (
        "dist/*.whl",
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        true,
    ),
    // The non-Windows additions.
    ("a\\\\", "a\\", true),
    ("a\\*b", "a*b", true),
];

/// `(patterns, text, matches)`: the multi-pattern cases of `TestMatches`.
const MULTI: &[(&[&str], &str, bool)] = &[
    (&["**", "!util/docker/web"], "util/docker/web/foo", false),
    (
        &["**", "!util/docker/web", "util/docker/web/foo"],
        "util/docker/web/foo",
        true,
    ),
    (
        &[
            "**",
            "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        ],
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        false,
    ),
    (
        &["**", "!dist/*.whl"],
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        false,
    ),
    // The one-case tests before the tables.
    (&["*"], "fileutils.go", true),
    (&["*.go"], "fileutils.go", true),
    (&["!fileutils.go", "*.go"], "fileutils.go", true),
    (&["docs", "!docs/README.md"], "docs/README.md", false),
    (&["docs/", "!docs/README.md"], "docs/README.md", false),
    (&["docs/*", "!docs/README.md"], "docs/README.md", false),
    (&["*.go", "!fileutils.go"], "fileutils.go", false),
    (&["*.go"], ".", false),
    (&[], "/any/path/there", false),
];

/// `(pattern, text, matches, malformed)`: `TestMatch`, Go's own `filepath.Match` table.
const GO_MATCH: &[(&str, &str, bool, bool)] = &[
    ("abc", "abc", true, false),
    ("*", "abc", true, false),
    ("*c", "abc", true, false),
    ("a*", "a", true, false),
    ("a*", "abc", true, false),
    ("a*", "ab/c", true, false),
    ("a*/b", "abc/b", true, false),
    ("a*/b", "a/c/b", false, false),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", true, false),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, false),
    ("a*b?c*x", "abxbbxdbxebxczzx", true, false),
    ("a*b?c*x", "abxbbxdbxebxczzy", false, false),
    ("ab[c]", "abc", true, false),
    ("ab[b-d]", "abc", true, false),
    ("ab[e-g]", "abc", false, false),
    ("ab[^c]", "abc", false, false),
    ("ab[^b-d]", "abc", false, false),
    ("ab[^e-g]", "abc", true, false),
    ("a\\*b", "a*b", true, false),
    ("a\\*b", "ab", false, false),
    ("a?b", "a☺b", true, false),
    ("a[^a]b", "a☺b", true, false),
    ("a???b", "a☺b", false, false),
    ("a[^a][^a][^a]b", "a☺b", false, false),
    ("[a-ζ]*", "α", true, false),
    ("*[a-ζ]", "A", false, false),
    ("a?b", "a/b", false, false),
    ("a*b", "a/b", false, false),
    ("[\\]a]", "]", true, false),
    ("[\\-]", "-", true, false),
    ("[x\\-]", "x", true, false),
    ("[x\\-]", "-", true, false),
    ("[x\\-]", "z", false, false),
    ("[\\-x]", "x", true, false),
    ("[\\-x]", "-", true, false),
    ("[\\-x]", "a", false, false),
    ("[]a]", "]", false, true),
    ("[-]", "-", false, true),
    ("[x-]", "x", false, true),
    ("[x-]", "-", false, true),
    ("[x-]", "z", false, true),
    ("[-x]", "x", false, true),
    ("[-x]", "-", false, true),
    ("[-x]", "a", false, true),
    ("\\", "a", false, true),
    ("[a-b-c]", "a", false, true),
    ("[", "a", false, true),
    ("[^", "a", false, true),
    ("[^bc", "a", false, true),
    ("a[", "a", false, true),
    ("a[", "ab", false, true),
    ("*x", "xxx", true, false),
];

#[test]
fn mobys_match_table() {
    for &(pattern, text, expected) in MATCHES {
        let ignore = Dockerignore::new([pattern]).unwrap();
        assert_eq!(ignore.excludes(text), expected, "{pattern:?} on {text:?}");
    }
    for &(patterns, text, expected) in MULTI {
        let ignore = Dockerignore::new(patterns).unwrap();
        assert_eq!(ignore.excludes(text), expected, "{patterns:?} on {text:?}");
    }
}

#[test]
fn gos_filepath_match_table() {
    for &(pattern, text, expected, malformed) in GO_MATCH {
        match Dockerignore::new([pattern]) {
            Ok(ignore) => {
                assert!(!malformed, "{pattern:?} should be refused");
                assert_eq!(ignore.excludes(text), expected, "{pattern:?} on {text:?}");
            }
            Err(e) => {
                assert!(malformed, "{pattern:?} refused: {e}");
                assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
                assert!(e.to_string().contains(pattern), "{e}");
            }
        }
    }
}

#[test]
fn the_simple_shapes_are_compiled_as_moby_compiles_them() {
    // patternmatcher_test.go `compileTests`: which shapes skip the regular expression.
    let kind = |p: &str| match compile(p).unwrap() {
        Kind::Exact => "exact",
        Kind::Prefix => "prefix",
        Kind::Suffix => "suffix",
        Kind::Regex(re) => {
            assert!(re.as_str().starts_with('^') && re.as_str().ends_with('$'));
            "regex"
        }
    };
    for (pattern, expected) in [
        ("*", "regex"),
        ("**", "suffix"),
        ("**/**", "regex"),
        ("dir/**", "prefix"),
        ("**/dir", "suffix"),
        ("**/dir2/*", "regex"),
        ("**file", "suffix"),
        ("a[b-d]e", "regex"),
        ("abc.def", "exact"),
        ("a\\*b", "regex"),
    ] {
        assert_eq!(kind(pattern), expected, "{pattern}");
    }
    let Kind::Regex(re) = compile("**/**/*.txt").unwrap() else {
        panic!()
    };
    assert_eq!(re.as_str(), r"^(.*/)?(.*/)?[^/]*\.txt$");
}

#[test]
fn patterns_are_trimmed_cleaned_and_exceptions_marked() {
    // TestCleanPatterns*: empty patterns dropped, spaces around `!` trimmed.
    let ignore = Dockerignore::new(["docs", "config", ""]).unwrap();
    assert_eq!(ignore.patterns().count(), 2);
    assert!(!ignore.has_exceptions());
    for exception in ["  !docs/README.md", "!docs/README.md  "] {
        let ignore = Dockerignore::new(["docs", exception]).unwrap();
        assert!(ignore.has_exceptions(), "{exception:?}");
        assert!(!ignore.excludes("docs/README.md"));
    }
    assert!(Dockerignore::new(["!"]).is_err());
    assert_eq!(clean("a//b/./c/.."), "a/b");
    assert_eq!(clean("../a/../../b"), "../../b");
    assert_eq!(clean("/../a"), "/a");
    assert_eq!(clean(""), ".");
    assert_eq!(clean("./"), ".");
}

#[test]
fn reading_the_file_splits_lines_as_the_cli_does() {
    let text = "\u{feff}# comment\r\n  spaced.txt  \r\n\r\n #not a comment\n/rooted\n\
                !  excepted/../kept\n./dot/\n!\n*.md#x\n";
    assert_eq!(
        read_patterns(text),
        [
            "spaced.txt",
            "#not a comment",
            "rooted",
            "!kept",
            "dot",
            "!",
            "*.md#x"
        ]
    );
    // The lone `!` is refused when compiled, naming the rule.
    let e = Dockerignore::parse(text).unwrap_err();
    assert!(e.to_string().contains("illegal exclusion pattern"), "{e}");
    let ignore = Dockerignore::parse("/secret\n#x\n").unwrap();
    assert!(ignore.excludes("secret"));
    assert!(ignore.excludes("secret/key"));
    assert!(!ignore.excludes("x"));
    assert!(!ignore.excludes("#x"));
}

#[test]
fn excluded_directories_are_walked_only_for_exceptions_under_them() {
    let ignore = Dockerignore::new(["build", "!build/keep/me.txt", "!other"]).unwrap();
    assert!(ignore.excludes("build"));
    assert!(ignore.may_include_under("build"));
    assert!(ignore.may_include_under("build/keep"));
    assert!(!ignore.may_include_under("build/drop"));
    assert!(!ignore.excludes("build/keep/me.txt"));
    assert!(ignore.excludes("build/keep/other.txt"));
}

#[test]
fn keep_adds_an_exception_only_when_excluded() {
    let mut ignore = Dockerignore::new(["*", "!src"]).unwrap();
    ignore.keep(".dockerignore");
    ignore.keep("src/Dockerfile");
    assert_eq!(
        ignore.patterns().collect::<Vec<_>>(),
        ["*", "!src", "!.dockerignore"]
    );
    assert!(!ignore.excludes(".dockerignore"));
}
