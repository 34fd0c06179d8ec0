//! The build context: a directory written as a tar while it is read, or a
//! tar given ready.
//!
//! A directory context is archived the way the docker CLI archives it
//! (cli/command/image/build.go with moby's `archive.TarWithOptions`):
//!
//! ```text
//! context dir ──walk, sorted──► .dockerignore filter ──► tar entries ──► [gzip] ──► body
//!   (one thread, blocking I/O)                         relative names,   chunks of 128 KiB,
//!                                                      uid/gid 0, no     at most 4 in flight
//!                                                      user names
//! ```
//!
//! Entries carry relative `/`-separated names (directories end with `/`),
//! the permission bits with setuid, setgid and sticky, the modification
//! time in whole seconds, owner 0:0 and no user or group names (the CLI
//! passes `ChownOpts` 0:0); symbolic links stay links, a file's second hard
//! link is a link entry, sockets are left out. Memory stays bounded
//! whatever the context's size: the reader thread waits while the request
//! has not taken what it wrote.
//!
//! A Dockerfile outside the context, or given as text, is added the way the
//! CLI adds one read from stdin: under a random name (`.dockerfile.` and 20
//! hex digits, mode 0600), with that name appended to the context's
//! `.dockerignore` so that the daemon drops it from what `COPY .` sees.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_util::TryStreamExt;
use tokio::sync::mpsc;

use super::ignore::Dockerignore;
use crate::error::{BoxError, Error, Result};
use channel::{ChannelWriter, Sink};

/// The chunk size of a directory context on its way to the daemon.
const CHUNK: usize = 128 * 1024;
/// Chunks written ahead of the request.
const IN_FLIGHT: usize = 4;
/// The Dockerfile the daemon reads when none is named.
const DEFAULT_DOCKERFILE: &str = "Dockerfile";

/// What a build is made from: a directory, or a tar archive made already.
///
/// ```no_run
/// use wharf::build::BuildContext;
///
/// // `docker build ./app`
/// let context = BuildContext::directory("./app");
/// // `docker build -f docker/prod.Dockerfile ./app`: the path is the current directory's
/// let context = BuildContext::directory("./app").dockerfile("docker/prod.Dockerfile");
/// // `docker build -f - ./app`
/// let context = BuildContext::directory("./app").dockerfile_text("FROM scratch\nCOPY . /\n");
/// // `docker build - < context.tar.gz`, naming its Dockerfile
/// let tar = std::fs::read("context.tar.gz")?;
/// let context = BuildContext::tar(tar).dockerfile("build/Dockerfile");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct BuildContext {
    source: Source,
    dockerfile: Dockerfile,
    gzip: bool,
}

enum Source {
    Directory(PathBuf),
    Tar(reqwest::Body),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Directory(dir) => f.debug_tuple("Directory").field(dir).finish(),
            Source::Tar(_) => f.write_str("Tar"),
        }
    }
}

#[derive(Debug)]
enum Dockerfile {
    Default,
    Path(PathBuf),
    Text(String),
}

impl BuildContext {
    /// The directory `dir`, filtered by its `.dockerignore`, with the
    /// `Dockerfile` (or `dockerfile`) in it unless another is named.
    ///
    /// ```
    /// let context = wharf::build::BuildContext::directory(".");
    /// ```
    pub fn directory(dir: impl Into<PathBuf>) -> BuildContext {
        BuildContext {
            source: Source::Directory(dir.into()),
            dockerfile: Dockerfile::Default,
            gzip: false,
        }
    }

    /// A tar archive in memory, sent as it is: plain, or compressed with
    /// gzip, bzip2 or xz (the daemon recognises them).
    ///
    /// ```
    /// let context = wharf::build::BuildContext::tar(Vec::<u8>::new());
    /// ```
    pub fn tar(archive: impl Into<Bytes>) -> BuildContext {
        let archive: Bytes = archive.into();
        BuildContext {
            source: Source::Tar(archive.into()),
            dockerfile: Dockerfile::Default,
            gzip: false,
        }
    }

    /// A tar archive read from a stream (a file, a pipe, a generator), sent
    /// as it comes, never held whole.
    ///
    /// ```
    /// use futures_util::stream;
    ///
    /// let chunks = vec![Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"..."))];
    /// let context = wharf::build::BuildContext::tar_stream(stream::iter(chunks));
    /// ```
    pub fn tar_stream<S, B, E>(archive: S) -> BuildContext
    where
        S: Stream<Item = std::result::Result<B, E>> + Send + 'static,
        B: 'static,
        Bytes: From<B>,
        E: Into<BoxError> + 'static,
    {
        let body = reqwest::Body::wrap_stream(archive.map_err(Into::<BoxError>::into));
        BuildContext {
            source: Source::Tar(body),
            dockerfile: Dockerfile::Default,
            gzip: false,
        }
    }

    /// The Dockerfile to build. For a directory, `path` is a file path as
    /// `docker build -f` takes it: relative to the current directory, not
    /// to the context, and it may lie outside the context. For a tar, it is
    /// the path inside the archive.
    ///
    /// ```
    /// let context = wharf::build::BuildContext::directory("app").dockerfile("app/Dockerfile.dev");
    /// ```
    pub fn dockerfile(mut self, path: impl Into<PathBuf>) -> BuildContext {
        self.dockerfile = Dockerfile::Path(path.into());
        self
    }

    /// The Dockerfile's text, as `docker build -f -` reads it from stdin.
    /// Directory contexts only; with a tar the build is refused.
    ///
    /// ```
    /// let context = wharf::build::BuildContext::directory("app")
    ///     .dockerfile_text("FROM scratch\nCOPY . /srv\n");
    /// ```
    pub fn dockerfile_text(mut self, text: impl Into<String>) -> BuildContext {
        self.dockerfile = Dockerfile::Text(text.into());
        self
    }

    /// Compress a directory context with gzip on the way (`docker build
    /// --compress`): worth it over a slow link to a remote daemon, not to a
    /// local socket. A tar given ready is sent as it is.
    ///
    /// ```
    /// let context = wharf::build::BuildContext::directory("app").gzip(true);
    /// ```
    pub fn gzip(mut self, on: bool) -> BuildContext {
        self.gzip = on;
        self
    }

    /// Checks the context and starts sending it: the body of the request,
    /// the `dockerfile` parameter to give the daemon, and the count of
    /// bytes handed to the request so far.
    pub(crate) fn open(self) -> Result<Opened> {
        let sent = Arc::new(AtomicU64::new(0));
        match (self.source, self.dockerfile) {
            (Source::Tar(_), Dockerfile::Text(_)) => Err(Error::invalid_argument(
                "a Dockerfile given as text needs a directory context; a tar must hold its Dockerfile",
            )),
            (Source::Tar(body), dockerfile) => Ok(Opened {
                body,
                dockerfile: match dockerfile {
                    Dockerfile::Path(path) => Some(
                        path.to_str()
                            .ok_or_else(|| {
                                Error::invalid_argument(format!(
                                    "the Dockerfile path {path:?} is not UTF-8"
                                ))
                            })?
                            .to_owned(),
                    ),
                    _ => None,
                },
                sent,
            }),
            (Source::Directory(dir), dockerfile) => {
                let plan = Plan::new(&dir, dockerfile)?;
                let name = plan.dockerfile_name.clone();
                let body = plan.spawn(self.gzip, sent.clone())?;
                Ok(Opened {
                    body,
                    dockerfile: Some(name),
                    sent,
                })
            }
        }
    }
}

/// A context on its way.
pub(crate) struct Opened {
    pub(crate) body: reqwest::Body,
    pub(crate) dockerfile: Option<String>,
    pub(crate) sent: Arc<AtomicU64>,
}

/// What to archive, checked before anything is sent.
#[derive(Debug)]
struct Plan {
    root: PathBuf,
    ignore: Dockerignore,
    /// The name the daemon reads the Dockerfile by.
    dockerfile_name: String,
    /// A Dockerfile to add under `dockerfile_name` (one outside the
    /// context, or given as text).
    added: Option<Vec<u8>>,
}

impl Plan {
    /// Resolves the context and the Dockerfile as the CLI's
    /// `GetContextFromLocalDir` does, and reads `.dockerignore`.
    fn new(dir: &Path, dockerfile: Dockerfile) -> Result<Plan> {
        let root = fs::canonicalize(dir)
            .map_err(|e| io_error(format!("unable to prepare context: {}", dir.display()), e))?;
        if !root.is_dir() {
            return Err(Error::invalid_argument(format!(
                "unable to prepare context: context must be a directory: {}",
                dir.display()
            )));
        }
        let (dockerfile_name, added) = match dockerfile {
            Dockerfile::Text(text) => (random_dockerfile_name(), Some(text.into_bytes())),
            Dockerfile::Default => {
                let name = [DEFAULT_DOCKERFILE, "dockerfile"]
                    .into_iter()
                    .find(|name| root.join(name).exists())
                    .ok_or_else(|| {
                        Error::invalid_argument(format!(
                            "Cannot locate specified Dockerfile: {}",
                            root.join(DEFAULT_DOCKERFILE).display()
                        ))
                    })?;
                (name.to_owned(), None)
            }
            Dockerfile::Path(path) => {
                let locate = |e: io::Error| {
                    io_error(
                        format!("Cannot locate specified Dockerfile: {}", path.display()),
                        e,
                    )
                };
                let resolved = fs::canonicalize(&path).map_err(locate)?;
                match resolved.strip_prefix(&root).ok().and_then(Path::to_str) {
                    Some(inside) => (inside.to_owned(), None),
                    // Outside the context (or not UTF-8): sent beside it.
                    None => (
                        random_dockerfile_name(),
                        Some(fs::read(&resolved).map_err(locate)?),
                    ),
                }
            }
        };
        let mut ignore = match fs::read(root.join(".dockerignore")) {
            Ok(text) => Dockerignore::parse(&String::from_utf8_lossy(&text))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Dockerignore::default(),
            Err(e) => return Err(io_error("reading .dockerignore".into(), e)),
        };
        ignore.keep(".dockerignore");
        if added.is_none() {
            ignore.keep(&dockerfile_name);
        }
        Ok(Plan {
            root,
            ignore,
            dockerfile_name,
            added,
        })
    }

    /// Starts the thread that writes the tar, and returns the body that
    /// carries it.
    fn spawn(self, gzip: bool, sent: Arc<AtomicU64>) -> Result<reqwest::Body> {
        let (tx, mut rx) = mpsc::channel::<io::Result<Bytes>>(IN_FLIGHT);
        std::thread::Builder::new()
            .name("wharf-build-context".into())
            .spawn(move || {
                let out = ChannelWriter {
                    tx,
                    buf: BytesMut::with_capacity(CHUNK),
                    sent,
                    failed: false,
                };
                // A failure to read is sent down the body by `Sink::fail`;
                // one to write means the request is gone: nobody listens.
                if gzip {
                    let gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
                    if let Some(gz) = self.write(gz) {
                        let _ = gz.finish().and_then(|mut out| out.flush());
                    }
                } else if let Some(mut out) = self.write(out) {
                    let _ = out.flush();
                }
            })
            .map_err(|e| io_error("starting the build context's writer".into(), e))?;
        let chunks = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
        Ok(reqwest::Body::wrap_stream(chunks))
    }

    /// Writes the whole archive to `out` and hands `out` back; on a
    /// failure, fails `out` (before the archive's end could be written)
    /// and returns `None`.
    fn write<W: Sink>(self, out: W) -> Option<W> {
        let mut archive = Archiver {
            tar: tar::Builder::new(out),
            links: HashMap::new(),
            plan: &self,
            dockerignore_seen: false,
        };
        match archive.write_all() {
            Ok(()) => archive.tar.into_inner().ok(),
            Err(e) => {
                archive.tar.get_mut().fail(e);
                None
            }
        }
    }
}

impl<W: Write> Archiver<'_, W> {
    /// The context's entries, then the added Dockerfile if there is one.
    fn write_all(&mut self) -> io::Result<()> {
        self.walk(&self.plan.root, "")?;
        let plan = self.plan;
        if let Some(dockerfile) = &plan.added {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            if !self.dockerignore_seen {
                let text = format!(".dockerignore\n{}\n", plan.dockerfile_name);
                self.add_regular(".dockerignore", 0o600, now, text.as_bytes())?;
            }
            self.add_regular(&plan.dockerfile_name, 0o600, now, dockerfile)?;
        }
        Ok(())
    }
}

/// `.dockerfile.` and 20 random hex digits, as the CLI names a Dockerfile
/// it adds (cli/command/image/build/context.go, `AddDockerfileToBuildContext`).
fn random_dockerfile_name() -> String {
    use std::hash::{BuildHasher, Hasher};
    let random = |salt: u64| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(salt);
        h.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.finish()
    };
    let hex = format!("{:016x}{:016x}", random(1), random(2));
    format!(".dockerfile.{}", &hex[..20])
}

struct Archiver<'a, W: Write> {
    tar: tar::Builder<W>,
    /// The first name of each file with several hard links, by (device, inode).
    links: HashMap<(u64, u64), String>,
    plan: &'a Plan,
    dockerignore_seen: bool,
}

impl<W: Write> Archiver<'_, W> {
    /// Archives what `dir` (the context's `rel`) holds, in name order as Go's
    /// `filepath.WalkDir` visits it.
    fn walk(&mut self, dir: &Path, rel: &str) -> io::Result<()> {
        let mut entries = fs::read_dir(dir)
            .and_then(|d| {
                d.map(|e| e.map(|e| e.file_name()))
                    .collect::<io::Result<Vec<_>>>()
            })
            .map_err(|e| with_path(e, dir))?;
        entries.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
        for name in entries {
            let path = dir.join(&name);
            let name = name.to_string_lossy();
            let rel = if rel.is_empty() {
                name.into_owned()
            } else {
                format!("{rel}/{name}")
            };
            let meta = fs::symlink_metadata(&path).map_err(|e| with_path(e, &path))?;
            let ignore = &self.plan.ignore;
            if ignore.excludes(&rel) {
                // An excluded directory is still walked when an exception
                // may bring back something under it; it gets no entry itself.
                if meta.is_dir() && ignore.has_exceptions() && ignore.may_include_under(&rel) {
                    self.walk(&path, &rel)?;
                }
                continue;
            }
            self.add(&path, &rel, &meta)?;
            if meta.is_dir() {
                self.walk(&path, &rel)?;
            }
        }
        Ok(())
    }

    /// One entry, with the header the CLI writes for it.
    fn add(&mut self, path: &Path, rel: &str, meta: &fs::Metadata) -> io::Result<()> {
        let kind = meta.file_type();
        let special = platform::special(meta);
        if matches!(special, Some(Special::Socket)) {
            return Ok(());
        }
        let mut header = header(meta);
        if kind.is_dir() {
            header.set_entry_type(tar::EntryType::Directory);
            return self
                .tar
                .append_data(&mut header, format!("{rel}/"), io::empty());
        }
        if kind.is_symlink() {
            let target = fs::read_link(path).map_err(|e| with_path(e, path))?;
            header.set_entry_type(tar::EntryType::Symlink);
            return self.tar.append_link(&mut header, rel, target);
        }
        if let Some(special) = special {
            let device = match special {
                Special::Char(dev) => Some((tar::EntryType::Char, dev)),
                Special::Block(dev) => Some((tar::EntryType::Block, dev)),
                Special::Fifo | Special::Socket => None,
            };
            match device {
                Some((entry, dev)) => {
                    header.set_entry_type(entry);
                    let (major, minor) = platform::major_minor(dev);
                    header.set_device_major(major)?;
                    header.set_device_minor(minor)?;
                }
                None => header.set_entry_type(tar::EntryType::Fifo),
            }
            return self.tar.append_data(&mut header, rel, io::empty());
        }
        if let Some(key) = platform::link_key(meta) {
            if let Some(first) = self.links.get(&key) {
                header.set_entry_type(tar::EntryType::Link);
                let first = first.clone();
                return self.tar.append_link(&mut header, rel, first);
            }
            self.links.insert(key, rel.to_owned());
        }
        if rel == ".dockerignore" {
            self.dockerignore_seen = true;
            if self.plan.added.is_some() {
                let mut text = fs::read(path).map_err(|e| with_path(e, path))?;
                text.extend_from_slice(format!("\n{}\n", self.plan.dockerfile_name).as_bytes());
                return self.add_regular(rel, header.mode()?, platform::mtime(meta), &text);
            }
        }
        let file = fs::File::open(path).map_err(|e| with_path(e, path))?;
        header.set_size(meta.len());
        header.set_entry_type(tar::EntryType::Regular);
        // A file that shrinks while it is read would leave the archive
        // short: take exactly the size the header says, or fail.
        let mut data = ExactReader {
            inner: file.take(meta.len()),
            path,
        };
        self.tar.append_data(&mut header, rel, &mut data)
    }

    fn add_regular(&mut self, rel: &str, mode: u32, mtime: u64, data: &[u8]) -> io::Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(mode);
        header.set_mtime(mtime);
        header.set_uid(0);
        header.set_gid(0);
        header.set_size(data.len() as u64);
        self.tar.append_data(&mut header, rel, data)
    }
}

/// The header fields every entry shares: permissions (with setuid, setgid
/// and sticky, as Go's `tar.FileInfoHeader`), whole seconds, owner 0:0.
fn header(meta: &fs::Metadata) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_mode(platform::mode(meta));
    header.set_mtime(platform::mtime(meta));
    header.set_uid(0);
    header.set_gid(0);
    header.set_size(0);
    header
}

/// An [`ErrorKind::Io`](crate::ErrorKind::Io) error saying what failed.
fn io_error(what: String, e: io::Error) -> Error {
    Error::new(crate::ErrorKind::Io)
        .with_detail(format!("{what}: {e}"))
        .with_source(e)
}

fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// A file's bytes, failing if there are fewer than its header announced.
struct ExactReader<'a> {
    inner: io::Take<fs::File>,
    path: &'a Path,
}

impl Read for ExactReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() && self.inner.limit() > 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{}: the file shrank while it was sent", self.path.display()),
            ));
        }
        Ok(n)
    }
}

mod channel;
mod platform;

use platform::Special;
#[cfg(test)]
mod tests;
