//! The fuzz targets: one function per parser, taking arbitrary bytes, that panics when
//! the parser misbehaves (a panic of its own, output that depends on how the input was
//! cut, a parse that does not survive a round trip).
//!
//! Two drivers run them: the cargo-fuzz crate (`crates/wharf/fuzz`, nightly, libFuzzer),
//! one binary per function, and the fault suite on stable (`tests/tests/faults/fuzz.rs`),
//! which replays the corpus in `tests/fuzz/corpus/<target>/` and then mutates it for a
//! bounded time.
//!
//! Inputs that are cut into chunks start with a control byte, as in [`split`].
//!
//! ```
//! wharf_tests::fuzz::docker_host(b"tcp://[::1]:2376/base");
//! wharf_tests::fuzz::json_lines(b"\x03{\"a\":1}\n{\"b\":\n2}\n");
//! ```

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use wharf::endpoint::{Endpoint, Environment};
use wharf::stream::{DemuxError, Demuxer, LineSplitter, LogOutput, Mode};

/// A fuzz target: arbitrary bytes in, a panic when the parser misbehaves.
pub type Target = fn(&[u8]);

/// The targets, by name (the corpus directory of each, the cargo-fuzz binary's name).
pub const TARGETS: &[(&str, Target)] = &[
    ("demux", demux),
    ("json_lines", json_lines),
    ("progress_lines", progress_lines),
    ("docker_host", docker_host),
    ("context_files", context_files),
    ("reference", reference),
    ("docker_config", docker_config),
];

/// Splits a fuzz input into a flag (the control byte's low bit), the stream (what
/// follows the cut offsets) cut at the offsets: the control byte's upper seven bits are
/// the number of cuts, then two bytes (little-endian, modulo the stream's length + 1)
/// per cut.
pub fn split(data: &[u8]) -> Option<(bool, Bytes, Vec<Bytes>)> {
    let (&control, rest) = data.split_first()?;
    let ncuts = usize::from(control >> 1).min(rest.len() / 2);
    let (cut_bytes, stream) = rest.split_at(ncuts * 2);
    let stream = Bytes::copy_from_slice(stream);
    let mut cuts: Vec<usize> = cut_bytes
        .chunks_exact(2)
        .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])) % (stream.len() + 1))
        .collect();
    cuts.sort_unstable();
    let mut chunks = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for cut in cuts {
        chunks.push(stream.slice(start..cut));
        start = cut;
    }
    chunks.push(stream.slice(start..));
    Some((control & 1 == 1, stream, chunks))
}

/// Everything a stream that is always ready yields (the fuzz streams are in memory).
fn drain<S: Stream + Unpin>(mut stream: S, limit: usize) -> Vec<S::Item> {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut items = Vec::new();
    loop {
        match Pin::new(&mut stream).poll_next(&mut cx) {
            Poll::Ready(Some(item)) => items.push(item),
            Poll::Ready(None) => return items,
            Poll::Pending => panic!("an in-memory stream is never pending"),
        }
        assert!(items.len() <= limit, "more than {limit} items");
    }
}

/// A stream tag and the bytes of consecutive pieces with that tag, or the error that
/// ended decoding.
type Run = Result<(u8, Vec<u8>), DemuxError>;

fn decode(mode: Mode, chunks: &[Bytes]) -> Vec<Run> {
    let tag = |out: &LogOutput| match out {
        LogOutput::Stdin(_) => 0,
        LogOutput::Stdout(_) => 1,
        LogOutput::Stderr(_) => 2,
        LogOutput::SystemError(_) => 3,
        LogOutput::Console(_) => 4,
    };
    let mut demuxer = Demuxer::new(mode);
    let mut runs: Vec<Run> = Vec::new();
    let take = |demuxer: &mut Demuxer, runs: &mut Vec<Run>| {
        for item in demuxer {
            match item {
                Ok(out) => {
                    assert!(!out.is_empty(), "empty piece");
                    let t = tag(&out);
                    match runs.last_mut() {
                        Some(Ok((last, bytes))) if *last == t => {
                            bytes.extend_from_slice(out.as_bytes())
                        }
                        _ => runs.push(Ok((t, out.as_bytes().to_vec()))),
                    }
                }
                Err(e) => runs.push(Err(e)),
            }
        }
    };
    for chunk in chunks {
        demuxer.push(chunk.clone());
        take(&mut demuxer, &mut runs);
    }
    demuxer.finish();
    take(&mut demuxer, &mut runs);
    assert!(demuxer.is_finished());
    assert!(demuxer.next().is_none());
    // nothing after an error
    if let Some(i) = runs.iter().position(Result::is_err) {
        assert_eq!(i, runs.len() - 1);
    }
    runs
}

/// The demultiplexer (attach, exec and logs streams): never a panic, the same output
/// however the input is cut, never more payload than input (all of it in raw mode).
pub fn demux(data: &[u8]) {
    let Some((raw, stream, chunks)) = split(data) else {
        return;
    };
    let mode = if raw { Mode::Raw } else { Mode::Multiplexed };
    let whole = decode(mode, std::slice::from_ref(&stream));
    assert_eq!(whole, decode(mode, &chunks));
    let out_len: usize = whole.iter().flatten().map(|(_, b)| b.len()).sum();
    assert!(out_len <= stream.len());
    if mode == Mode::Raw {
        assert_eq!(out_len, stream.len());
    }
}

/// The line splitter under JSON lines (events, stats, progress): the same lines however
/// the input is cut, a line limit (the flag picks a small one) that holds, and the JSON
/// lines stream over the same chunks never panicking and ending.
pub fn json_lines(data: &[u8]) {
    let Some((small, stream, chunks)) = split(data) else {
        return;
    };
    let max = if small { 16 } else { 1 << 20 };
    let lines = |chunks: &[Bytes]| {
        let mut splitter = LineSplitter::with_max_line_length(max);
        let mut lines = Vec::new();
        for chunk in chunks {
            splitter.push(chunk);
            lines.extend(splitter.by_ref().map(|l| l.map_err(|e| e.kind())));
        }
        splitter.finish();
        lines.extend(splitter.by_ref().map(|l| l.map_err(|e| e.kind())));
        assert!(splitter.is_finished());
        lines
    };
    let whole = lines(std::slice::from_ref(&stream));
    assert_eq!(whole, lines(&chunks));
    for line in whole.iter().flatten() {
        assert!(line.len() <= max && !line.contains(&b'\n'));
    }
    let items = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
    let values = drain(
        wharf::stream::JsonLines::<_, serde_json::Value>::with_max_line_length(items, max),
        stream.len() + 2,
    );
    assert!(values.len() <= whole.len() + 1);
}

/// Progress lines (pull, push, build, load): never a panic, nothing after an error
/// line, at most one item per line.
pub fn progress_lines(data: &[u8]) {
    let Some((_, stream, chunks)) = split(data) else {
        return;
    };
    let items = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, wharf::Error>));
    let progress = drain(
        wharf::progress::ProgressStream::from_stream(items),
        stream.len() + 2,
    );
    let lines = stream.iter().filter(|b| **b == b'\n').count() + 1;
    assert!(
        progress.len() <= lines,
        "{} items from {lines} lines",
        progress.len()
    );
    if let Some(i) = progress.iter().position(|p| {
        p.as_ref()
            .is_err_and(|e| e.kind() == wharf::ErrorKind::Server)
    }) {
        assert_eq!(i, progress.len() - 1, "items after an error line");
    }
}

/// `DOCKER_HOST` values: never a panic; an accepted host gives a URL that parses back
/// to itself; a refused one is a `Config` or `InvalidArgument` error that does not
/// quote what may be a password.
pub fn docker_host(data: &[u8]) {
    let host = String::from_utf8_lossy(data);
    let env = Environment::empty().set("DOCKER_HOST", host.as_ref());
    match Endpoint::resolve(&env) {
        Ok(endpoint) => {
            let url = endpoint.url().to_owned();
            assert!(!url.is_empty());
            let again = Endpoint::from_host(&url, &Environment::empty())
                .unwrap_or_else(|e| panic!("{url:?} does not parse back: {e}"));
            assert_eq!(again.url(), url);
        }
        Err(e) => {
            assert!(
                matches!(
                    e.kind(),
                    wharf::ErrorKind::Config | wharf::ErrorKind::InvalidArgument
                ),
                "{e:?}"
            );
            // userinfo, as a URL has it: before an `@` in the authority
            let authority = host.split_once("://").map_or("", |(_, rest)| {
                rest.split(['/', '?', '#']).next().unwrap_or_default()
            });
            if let Some((userinfo, _)) = authority.rsplit_once('@') {
                let password = userinfo.split_once(':').map_or("", |(_, p)| p);
                // (a password the input also has elsewhere may be quoted from there)
                if password.len() >= 8 && host.matches(password).count() == 1 {
                    // no more often than with another password: it may be a word
                    // of the message itself ("password")
                    let other = host.replace(password, &"\u{7f}".repeat(password.len()));
                    let env = Environment::empty().set("DOCKER_HOST", other);
                    let baseline = Endpoint::resolve(&env).err().map(|e| e.to_string());
                    let quoted = |text: &str| text.matches(password).count();
                    assert!(
                        quoted(&e.to_string()) <= baseline.as_deref().map_or(0, quoted),
                        "{e}"
                    );
                }
            }
        }
    }
    let tls = env
        .set("DOCKER_TLS_VERIFY", "1")
        .set("DOCKER_CERT_PATH", "/nonexistent");
    let _ = Endpoint::resolve(&tls);
}

/// Context files: the bytes up to the first NUL are `config.json`, the rest the
/// `meta.json` of the context `fuzz`. Resolving the environment, or the context by name,
/// never panics and fails with `Config` only.
pub fn context_files(data: &[u8]) {
    let (config, meta) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("config.json"), config).unwrap();
    // the directory of a context is the hex SHA-256 of its name (docker CLI)
    use sha2::Digest;
    let id: String = sha2::Sha256::digest(b"fuzz")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let meta_dir = dir.path().join("contexts/meta").join(id);
    std::fs::create_dir_all(&meta_dir).unwrap();
    std::fs::write(meta_dir.join("meta.json"), meta).unwrap();
    let env = Environment::empty().set("DOCKER_CONFIG", dir.path().to_str().unwrap());
    for result in [
        Endpoint::resolve(&env),
        Endpoint::from_context("fuzz", &env),
    ] {
        match result {
            Ok(endpoint) => assert!(!endpoint.url().is_empty()),
            Err(e) => assert_eq!(e.kind(), wharf::ErrorKind::Config, "{e:?}"),
        }
    }
}

/// Parses arbitrary text as an image reference: never a panic, and a reference that
/// parses prints as text that parses back to it, both in full and in its familiar form.
pub fn reference(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(reference) = wharf::Reference::parse(text) else {
        return;
    };
    let full = reference.to_string();
    assert_eq!(
        wharf::Reference::parse(&full).expect("the full form parses"),
        reference
    );
    let familiar = reference.familiar();
    assert_eq!(
        wharf::Reference::parse(&familiar).expect("the familiar form parses"),
        reference
    );
    assert!(reference.name().len() <= 255);
    let _ = reference.auth_key();
}

/// Registries the docker config target looks up: Docker Hub's key, a host, an old-style
/// key's host.
const REGISTRY_KEYS: [&str; 3] = [
    "https://index.docker.io/v1/",
    "localhost:5000",
    "index.docker.io",
];

/// Reads arbitrary bytes as a docker `config.json` and as a credential helper's answer:
/// never a panic, and no error quotes the input (which holds secrets).
///
/// Byte 0 picks what the rest is (low bit: 0 a config, 1 a helper's answer).
pub fn docker_config(data: &[u8]) {
    use futures_util::FutureExt;
    use wharf::auth::{Credentials, DockerConfig};

    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 1 {
        if let Err(e) = Credentials::from_helper_answer("docker-credential-fuzz", "h", rest) {
            quiet_about(&e, rest);
        }
        return;
    }
    let config = match DockerConfig::from_json(rest) {
        Ok(config) => config,
        Err(e) => return quiet_about(&e, rest),
    };
    // no helper can be found on an empty PATH: lookups finish without running anything
    let config = config.helper_path("");
    for key in REGISTRY_KEYS {
        let found = config
            .credentials(key)
            .now_or_never()
            .expect("no helper runs, so nothing waits");
        if let Ok(c) = found {
            let _ = format!("{c:?}");
            let _ = c.registry_auth_header();
        }
    }
    let _ = format!("{config:?}");
}

/// An error's text does not quote a JSON-looking input (the errors' own words have no
/// `{`).
fn quiet_about(e: &wharf::Error, input: &[u8]) {
    let text = e.to_string();
    if let Ok(input) = std::str::from_utf8(input) {
        if input.contains('{') {
            assert!(!text.contains(input), "the error quotes its input: {text}");
        }
    }
}
