use super::*;
use base64::engine::general_purpose::STANDARD;

fn header(json: &str) -> String {
    STANDARD.encode(json)
}

#[test]
fn decodes_the_path_stat_header() {
    let h = header(
        r#"{"name":"hello.txt","size":11,"mode":416,"mtime":"2025-06-01T10:00:00.123456789Z","linkTarget":""}"#,
    );
    let stat = PathStat::from_header(&h).unwrap();
    assert_eq!(
        stat,
        PathStat {
            name: "hello.txt".into(),
            size: 11,
            mode: 0o640,
            mtime: "2025-06-01T10:00:00.123456789Z".into(),
            link_target: String::new(),
        }
    );
    assert!(stat.is_file());
    assert_eq!(stat.permissions(), 0o640);
}

#[test]
fn decodes_directories_and_symlinks() {
    let dir = PathStat::from_header(&header(
        r#"{"name":"tmp","size":4096,"mode":2148532735,"mtime":"2025-06-01T10:00:00Z","linkTarget":""}"#,
    ))
    .unwrap();
    // 2148532735 = ModeDir (1 << 31) | ModeSticky (1 << 20) | 0o777, as Go writes /tmp.
    assert!(dir.is_dir());
    assert!(!dir.is_file());
    assert_eq!(dir.permissions(), 0o777);

    let link = PathStat::from_header(&header(
        r#"{"name":"sh","size":7,"mode":134218239,"mtime":"2025-06-01T10:00:00Z","linkTarget":"busybox"}"#,
    ))
    .unwrap();
    assert!(link.is_symlink());
    assert!(!link.is_file() && !link.is_dir());
    assert_eq!(link.link_target, "busybox");
}

#[test]
fn a_missing_link_target_reads_as_empty() {
    let stat = PathStat::from_header(&header(
        r#"{"name":"a","size":1,"mode":420,"mtime":"2025-06-01T10:00:00Z"}"#,
    ))
    .unwrap();
    assert_eq!(stat.link_target, "");
}

#[test]
fn bad_headers_are_decode_errors() {
    for bad in ["%%%", &header("not json"), &header(r#"{"name":1}"#)] {
        let e = PathStat::from_header(bad).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Decode, "{bad}");
        assert!(e.to_string().contains(PATH_STAT_HEADER), "{e}");
    }
    // URL-safe base64 is not what the daemon sends.
    let urlsafe = base64::engine::general_purpose::URL_SAFE.encode([0xfbu8, 0xff]);
    assert!(PathStat::from_header(&urlsafe).is_err());
}
