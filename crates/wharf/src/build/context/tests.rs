//! The archive a directory context becomes, read back with the tar crate.

use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::Ordering;

use futures_util::StreamExt;

use super::*;

/// One entry: (name, type, mode, uid, gid, link target, contents).
type Entry = (String, tar::EntryType, u32, u64, u64, String, Vec<u8>);

/// The entries of the context `dir` with `dockerfile`: (name, type, mode, uid, gid,
/// link target, contents).
async fn entries(dir: &Path, dockerfile: Dockerfile, gzip: bool) -> Result<Vec<Entry>> {
    let plan = Plan::new(dir, dockerfile)?;
    let sent = Arc::new(AtomicU64::new(0));
    let body = plan.spawn(gzip, sent.clone())?;
    let mut chunks = http_body_util::BodyDataStream::new(body);
    let mut bytes = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| Error::new(crate::ErrorKind::Io).with_source(e))?;
        assert!(chunk.len() <= CHUNK);
        bytes.extend_from_slice(&chunk);
    }
    assert_eq!(sent.load(Ordering::Relaxed), bytes.len() as u64);
    if gzip {
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut plain)
            .unwrap();
        bytes = plain;
    }
    let mut archive = tar::Archive::new(&bytes[..]);
    let mut out = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let h = entry.header().clone();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.push((
            entry.path().unwrap().to_string_lossy().into_owned(),
            h.entry_type(),
            h.mode().unwrap(),
            h.uid().unwrap(),
            h.gid().unwrap(),
            entry
                .link_name()
                .unwrap()
                .map(|l| l.to_string_lossy().into_owned())
                .unwrap_or_default(),
            data,
        ));
    }
    Ok(out)
}

fn names(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(|e| e.0.as_str()).collect()
}

fn write(dir: &Path, rel: &str, data: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, data).unwrap();
}

#[tokio::test]
async fn a_directory_becomes_the_cli_s_archive() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Dockerfile", "FROM scratch\n");
    write(root, "b.txt", "bee");
    write(root, "a/z.sh", "#!/bin/sh\n");
    fs::set_permissions(root.join("a/z.sh"), fs::Permissions::from_mode(0o4755)).unwrap();
    std::os::unix::fs::symlink("../b.txt", root.join("a/link")).unwrap();
    fs::hard_link(root.join("b.txt"), root.join("c.txt")).unwrap();
    let e = entries(root, Dockerfile::Default, false).await.unwrap();
    assert_eq!(
        names(&e),
        ["Dockerfile", "a/", "a/link", "a/z.sh", "b.txt", "c.txt"]
    );
    let by = |n: &str| e.iter().find(|x| x.0 == n).unwrap();
    assert_eq!(by("a/").1, tar::EntryType::Directory);
    assert_eq!(by("a/z.sh").2, 0o4755);
    assert_eq!(by("a/link").1, tar::EntryType::Symlink);
    assert_eq!(by("a/link").5, "../b.txt");
    assert_eq!(by("b.txt").6, b"bee");
    assert_eq!(by("c.txt").1, tar::EntryType::Link);
    assert_eq!(by("c.txt").5, "b.txt");
    assert!(e.iter().all(|x| x.3 == 0 && x.4 == 0), "owner 0:0");
    // gzip carries the same archive.
    let z = entries(root, Dockerfile::Default, true).await.unwrap();
    assert_eq!(z, e);
}

#[tokio::test]
async fn dockerignore_filters_but_keeps_the_build_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        ".dockerignore",
        "*\n!src\nsrc/**/*.tmp\n!src/keep.tmp\n",
    );
    write(root, "Dockerfile", "FROM scratch\n");
    write(root, "big.bin", "x");
    write(root, "target/out", "x");
    write(root, "src/a.rs", "x");
    write(root, "src/x.tmp", "x");
    write(root, "src/keep.tmp", "x");
    write(root, "src/deep/y.tmp", "x");
    let e = entries(root, Dockerfile::Default, false).await.unwrap();
    assert_eq!(
        names(&e),
        [
            ".dockerignore",
            "Dockerfile",
            "src/",
            "src/a.rs",
            "src/deep/",
            "src/keep.tmp"
        ]
    );
    // A Dockerfile in an excluded directory is still sent; the directory gets no entry.
    write(root, "docker/Dockerfile", "FROM scratch\n");
    let cwd_relative = root.join("docker/Dockerfile");
    let e = entries(root, Dockerfile::Path(cwd_relative), false)
        .await
        .unwrap();
    assert!(names(&e).contains(&"docker/Dockerfile"), "{:?}", names(&e));
    assert!(!names(&e).contains(&"docker/"), "{:?}", names(&e));
    assert!(!names(&e).contains(&"Dockerfile"), "{:?}", names(&e));
}

#[tokio::test]
async fn a_dockerfile_outside_or_as_text_is_added_and_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ctx");
    write(&root, "file", "x");
    write(dir.path(), "outside.Dockerfile", "FROM outside\n");
    let plan = Plan::new(
        &root,
        Dockerfile::Path(dir.path().join("outside.Dockerfile")),
    )
    .unwrap();
    let name = plan.dockerfile_name.clone();
    assert!(
        name.starts_with(".dockerfile.") && name.len() == 32,
        "{name}"
    );
    let e = entries(
        &root,
        Dockerfile::Path(dir.path().join("outside.Dockerfile")),
        false,
    )
    .await
    .unwrap();
    let (ignore, added) = (&e[e.len() - 2], &e[e.len() - 1]);
    assert_eq!(ignore.0, ".dockerignore");
    assert!(String::from_utf8_lossy(&ignore.6).starts_with(".dockerignore\n.dockerfile."));
    assert!(added.0.starts_with(".dockerfile."));
    assert_eq!((added.2, &added.6[..]), (0o600, &b"FROM outside\n"[..]));

    // With a .dockerignore of its own, the name is appended to it, in place.
    write(&root, ".dockerignore", "secret");
    let e = entries(&root, Dockerfile::Text("FROM text\n".into()), false)
        .await
        .unwrap();
    assert_eq!(e[0].0, ".dockerignore");
    let text = String::from_utf8_lossy(&e[0].6).into_owned();
    assert!(text.starts_with("secret\n.dockerfile."), "{text:?}");
    assert_eq!(e.last().unwrap().6, b"FROM text\n");
}

#[test]
fn bad_contexts_are_errors_before_sending() {
    let dir = tempfile::tempdir().unwrap();
    let e = Plan::new(&dir.path().join("nope"), Dockerfile::Default).unwrap_err();
    assert!(e.to_string().contains("unable to prepare context"), "{e}");
    let e = Plan::new(dir.path(), Dockerfile::Default).unwrap_err();
    assert!(
        e.to_string().contains("Cannot locate specified Dockerfile"),
        "{e}"
    );
    write(dir.path(), "dockerfile", "FROM scratch\n");
    assert_eq!(
        Plan::new(dir.path(), Dockerfile::Default)
            .unwrap()
            .dockerfile_name,
        "dockerfile"
    );
    write(dir.path(), ".dockerignore", "[");
    let e = Plan::new(dir.path(), Dockerfile::Default).unwrap_err();
    assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
    let e = BuildContext::tar(Vec::<u8>::new())
        .dockerfile_text("FROM scratch")
        .open()
        .err()
        .unwrap();
    assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn an_unreadable_file_fails_the_body_without_ending_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", "FROM scratch\n");
    write(dir.path(), "locked", "x");
    fs::set_permissions(dir.path().join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    if fs::File::open(dir.path().join("locked")).is_ok() {
        // Running as root: permissions do not stop reads. A directory that vanishes does.
        eprintln!("running as root: checking a vanished directory instead");
        let plan = Plan::new(dir.path(), Dockerfile::Default).unwrap();
        fs::remove_dir_all(dir.path()).unwrap();
        let body = plan.spawn(false, Arc::new(AtomicU64::new(0))).unwrap();
        let mut chunks = http_body_util::BodyDataStream::new(body);
        let mut failed = false;
        while let Some(chunk) = chunks.next().await {
            failed |= chunk.is_err();
        }
        assert!(failed);
        return;
    }
    let e = entries(dir.path(), Dockerfile::Default, false)
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("locked"), "{e:?}");
}
