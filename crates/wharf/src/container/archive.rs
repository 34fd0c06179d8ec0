//! Files in and out of a container: tar uploads and downloads, path info,
//! whole-filesystem export, and commit to an image.
//!
//! The Engine's archive endpoints speak tar: an upload is a tar stream
//! extracted into a directory of the container; a download is a tar
//! stream of one file or directory. Each download (and a `HEAD` of the same
//! path) carries the path's metadata in a header:
//!
//! ```text
//! X-Docker-Container-Path-Stat: eyJuYW1lIjoiaG9zdHMiLCJzaXplIjoxNzQsIm1vZGUiOjQyMCwi...
//!                               \_ standard base64 of {"name","size","mode","mtime","linkTarget"}
//! ```
//!
//! [`PathStat`] is that header decoded.

use std::fmt;

use base64::Engine as _;
use bytes::Bytes;
use futures_core::Stream;
use futures_util::stream::BoxStream;
use futures_util::{TryFutureExt, TryStreamExt};
use serde::Deserialize;
use wharf_api::types::{ContainerConfig, ErrorResponse};
use wharf_api::ResponseValue;

use super::Container;
use crate::error::{BoxError, Error, Result};
use crate::Timeout;

/// The header holding a path's [`PathStat`].
pub const PATH_STAT_HEADER: &str = "X-Docker-Container-Path-Stat";

/// What the daemon says about a path in a container: from
/// [`Container::archive_info`] or a [`Container::download`].
///
/// `mode` is Go's `os.FileMode`: the permission bits plus type bits in the
/// high bits (a directory has bit 31 set), not a Unix `st_mode`.
///
/// ```
/// use wharf::container::PathStat;
///
/// // {"name":"hosts","size":174,"mode":420,"mtime":"2025-01-02T03:04:05Z","linkTarget":""}
/// let header = "eyJuYW1lIjoiaG9zdHMiLCJzaXplIjoxNzQsIm1vZGUiOjQyMCwibXRpbWUiOiIyMDI1LTAxLTAyVDAzOjA0OjA1WiIsImxpbmtUYXJnZXQiOiIifQ==";
/// let stat = PathStat::from_header(header)?;
/// assert_eq!(stat.name, "hosts");
/// assert_eq!(stat.size, 174);
/// assert_eq!(stat.permissions(), 0o644);
/// assert!(stat.is_file());
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PathStat {
    /// The base name.
    pub name: String,
    /// The size in bytes (of the file; for a directory, what the file
    /// system reports).
    pub size: i64,
    /// Go's `os.FileMode`: permissions and type bits.
    pub mode: u32,
    /// When it last changed, in RFC 3339.
    pub mtime: String,
    /// Where a symbolic link points; empty otherwise.
    #[serde(rename = "linkTarget", default)]
    pub link_target: String,
}

// Type bits of Go's os.FileMode (go/src/io/fs/fs.go).
const MODE_DIR: u32 = 1 << 31;
const MODE_SYMLINK: u32 = 1 << 27;
const MODE_DEVICE: u32 = 1 << 26;
const MODE_NAMED_PIPE: u32 = 1 << 25;
const MODE_SOCKET: u32 = 1 << 24;
const MODE_CHAR_DEVICE: u32 = 1 << 21;
const MODE_IRREGULAR: u32 = 1 << 19;
const MODE_TYPE: u32 = MODE_DIR
    | MODE_SYMLINK
    | MODE_NAMED_PIPE
    | MODE_SOCKET
    | MODE_DEVICE
    | MODE_CHAR_DEVICE
    | MODE_IRREGULAR;

impl PathStat {
    /// Decodes the header value: standard base64 (with padding) of a JSON
    /// object. Anything else is an [`ErrorKind::Decode`](crate::ErrorKind::Decode) error.
    ///
    /// ```
    /// let e = wharf::container::PathStat::from_header("not base64!").unwrap_err();
    /// assert_eq!(e.kind(), wharf::ErrorKind::Decode);
    /// ```
    pub fn from_header(value: &str) -> Result<PathStat> {
        let json = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .map_err(|e| Error::decode(format!("{PATH_STAT_HEADER} is not base64"), e))?;
        serde_json::from_slice(&json).map_err(|e| {
            Error::decode(
                format!(
                    "{PATH_STAT_HEADER} is not the path stat JSON: {}",
                    String::from_utf8_lossy(&json)
                ),
                e,
            )
        })
    }

    /// The permission bits (`0o755`).
    ///
    /// ```
    /// # let stat = wharf::container::PathStat::from_header("eyJuYW1lIjoiZXRjIiwic2l6ZSI6NDA5NiwibW9kZSI6MjE0NzQ4NDE0MSwibXRpbWUiOiIyMDI1LTAxLTAyVDAzOjA0OjA1WiIsImxpbmtUYXJnZXQiOiIifQ==")?;
    /// // {"name":"etc","size":4096,"mode":2147484141,...}: a directory, rwxr-xr-x
    /// assert!(stat.is_dir());
    /// assert_eq!(stat.permissions(), 0o755);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn permissions(&self) -> u32 {
        self.mode & 0o777
    }

    /// A directory.
    ///
    /// ```
    /// # let stat = wharf::container::PathStat::from_header("eyJuYW1lIjoiZXRjIiwic2l6ZSI6NDA5NiwibW9kZSI6MjE0NzQ4NDE0MSwibXRpbWUiOiIyMDI1LTAxLTAyVDAzOjA0OjA1WiIsImxpbmtUYXJnZXQiOiIifQ==")?;
    /// assert!(stat.is_dir() && !stat.is_file() && !stat.is_symlink());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn is_dir(&self) -> bool {
        self.mode & MODE_DIR != 0
    }

    /// A symbolic link (see [`link_target`](PathStat::link_target)).
    ///
    /// ```
    /// # let stat = wharf::container::PathStat::from_header("eyJuYW1lIjoiZXRjIiwic2l6ZSI6NDA5NiwibW9kZSI6MjE0NzQ4NDE0MSwibXRpbWUiOiIyMDI1LTAxLTAyVDAzOjA0OjA1WiIsImxpbmtUYXJnZXQiOiIifQ==")?;
    /// assert!(!stat.is_symlink());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn is_symlink(&self) -> bool {
        self.mode & MODE_SYMLINK != 0
    }

    /// A regular file (no type bit set).
    ///
    /// ```
    /// # let stat = wharf::container::PathStat::from_header("eyJuYW1lIjoiZXRjIiwic2l6ZSI6NDA5NiwibW9kZSI6MjE0NzQ4NDE0MSwibXRpbWUiOiIyMDI1LTAxLTAyVDAzOjA0OjA1WiIsImxpbmtUYXJnZXQiOiIifQ==")?;
    /// assert!(!stat.is_file());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn is_file(&self) -> bool {
        self.mode & MODE_TYPE == 0
    }
}

/// How to extract an upload, for [`Container::upload`].
///
/// ```
/// let options = wharf::container::UploadOptions::new().copy_uid_gid(true);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct UploadOptions {
    no_overwrite_dir_non_dir: bool,
    copy_uid_gid: bool,
}

impl UploadOptions {
    /// Extract as the daemon does by default: the owners recorded in the
    /// tar are kept, and a directory may replace a file or the other way
    /// round.
    ///
    /// ```
    /// let options = wharf::container::UploadOptions::new();
    /// ```
    pub fn new() -> UploadOptions {
        UploadOptions::default()
    }

    /// Fail instead of replacing a directory with a non-directory, or the
    /// other way round (`noOverwriteDirNonDir`).
    ///
    /// ```
    /// let options = wharf::container::UploadOptions::new().no_overwrite_dir_non_dir(true);
    /// ```
    pub fn no_overwrite_dir_non_dir(mut self, set: bool) -> UploadOptions {
        self.no_overwrite_dir_non_dir = set;
        self
    }

    /// Make the container's user (its `User` setting) the owner of what is
    /// extracted (`copyUIDGID`, `docker cp -a`). For a container without a
    /// `User`, owners stay as the tar records them either way (moby,
    /// `daemon/archive.go`: the user's ids replace the tar's only when
    /// `User` is set).
    ///
    /// ```
    /// let options = wharf::container::UploadOptions::new().copy_uid_gid(true);
    /// ```
    pub fn copy_uid_gid(mut self, set: bool) -> UploadOptions {
        self.copy_uid_gid = set;
        self
    }
}

/// A tar stream of a path in a container, from [`Container::download`],
/// with the path's [`PathStat`].
pub struct Archive {
    stat: Option<PathStat>,
    body: BoxStream<'static, Result<Bytes>>,
}

impl fmt::Debug for Archive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Archive")
            .field("stat", &self.stat)
            .finish_non_exhaustive()
    }
}

impl Archive {
    /// What the daemon says about the path (`None` if it sent no header).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let archive = docker.container("web").download("/etc/hosts").await?;
    /// println!("{:?}", archive.stat().map(|s| s.size));
    /// # Ok(())
    /// # }
    /// ```
    pub fn stat(&self) -> Option<&PathStat> {
        self.stat.as_ref()
    }

    /// The whole tar in memory.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let tar = docker.container("web").download("/etc").await?.bytes().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn bytes(self) -> Result<Bytes> {
        crate::stream::collect(self.body).await
    }

    /// The tar as a stream of chunks.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::StreamExt;
    ///
    /// let archive = docker.container("web").download("/var/log").await?;
    /// let mut chunks = Box::pin(archive.into_stream());
    /// while let Some(chunk) = chunks.next().await {
    ///     let chunk = chunk?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
        self.body
    }
}

/// How to commit a container, for [`Container::commit`].
///
/// ```
/// let options = wharf::container::CommitOptions::new()
///     .repo("example/app")
///     .tag("snapshot")
///     .comment("before the upgrade")
///     .change("ENV MODE=debug");
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct CommitOptions {
    repo: Option<String>,
    tag: Option<String>,
    comment: Option<String>,
    author: Option<String>,
    pause: Option<bool>,
    changes: Vec<String>,
    config: Option<ContainerConfig>,
}

impl CommitOptions {
    /// An untagged image; the container is paused while committing.
    ///
    /// ```
    /// let options = wharf::container::CommitOptions::new();
    /// ```
    pub fn new() -> CommitOptions {
        CommitOptions::default()
    }

    /// The repository to tag the image into (`example/app`).
    ///
    /// ```
    /// let options = wharf::container::CommitOptions::new().repo("example/app");
    /// ```
    pub fn repo(mut self, repo: impl Into<String>) -> CommitOptions {
        self.repo = Some(repo.into());
        self
    }

    /// The tag (with [`repo`](CommitOptions::repo); `latest` by default).
    ///
    /// ```
    /// let options = wharf::container::CommitOptions::new().repo("app").tag("v2");
    /// ```
    pub fn tag(mut self, tag: impl Into<String>) -> CommitOptions {
        self.tag = Some(tag.into());
        self
    }

    /// The commit message.
    ///
    /// ```
    /// let options = wharf::container::CommitOptions::new().comment("fixed config");
    /// ```
    pub fn comment(mut self, comment: impl Into<String>) -> CommitOptions {
        self.comment = Some(comment.into());
        self
    }

    /// The author (`Jane <jane@example.org>`).
    ///
    /// ```
    /// let options = wharf::container::CommitOptions::new().author("Jane <jane@example.org>");
    /// ```
    pub fn author(mut self, author: impl Into<String>) -> CommitOptions {
        self.author = Some(author.into());
        self
    }

    /// Whether to pause the container while committing (default: yes).
    ///
    /// ```
    /// let options = wharf::container::CommitOptions::new().pause(false);
    /// ```
    pub fn pause(mut self, pause: bool) -> CommitOptions {
        self.pause = Some(pause);
        self
    }

    /// Adds a Dockerfile instruction to apply (`ENV A=b`, `CMD ["sh"]`,
    /// `LABEL k=v`, `EXPOSE 80`, `WORKDIR /srv`, ...).
    ///
    /// ```
    /// let options = wharf::container::CommitOptions::new().change("LABEL stage=debug");
    /// ```
    pub fn change(mut self, instruction: impl Into<String>) -> CommitOptions {
        self.changes.push(instruction.into());
        self
    }

    /// The image config to commit with, instead of the container's.
    ///
    /// ```
    /// use wharf::api::types::ContainerConfig;
    ///
    /// let config = ContainerConfig { cmd: vec!["sh".into()], ..Default::default() };
    /// let options = wharf::container::CommitOptions::new().config(config);
    /// ```
    pub fn config(mut self, config: ContainerConfig) -> CommitOptions {
        self.config = Some(config);
        self
    }
}

impl Container {
    /// Extracts a tar into the directory `path` of the container. The
    /// directory must exist.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker, tar: Vec<u8>) -> wharf::Result<()> {
    /// use wharf::container::UploadOptions;
    ///
    /// docker.container("web").upload("/srv", tar, &UploadOptions::new()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn upload(
        &self,
        path: &str,
        tar: impl Into<Bytes>,
        options: &UploadOptions,
    ) -> Result<()> {
        let tar: Bytes = tar.into();
        self.upload_body(path, options, Timeout::Default, tar.into())
            .await
    }

    /// Extracts a tar read from a stream (a file, a pipe, a generator), sent
    /// as it comes, never held whole in memory. No timeout applies.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::stream;
    /// use wharf::container::UploadOptions;
    ///
    /// let chunks = vec![Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"..."))];
    /// docker
    ///     .container("web")
    ///     .upload_stream("/srv", stream::iter(chunks), &UploadOptions::new())
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn upload_stream<S, B, E>(
        &self,
        path: &str,
        tar: S,
        options: &UploadOptions,
    ) -> Result<()>
    where
        S: Stream<Item = std::result::Result<B, E>> + Send + 'static,
        B: 'static,
        Bytes: From<B>,
        E: Into<BoxError> + 'static,
    {
        let body = reqwest::Body::wrap_stream(tar.map_err(Into::<BoxError>::into));
        self.upload_body(path, options, Timeout::Unlimited, body)
            .await
    }

    /// `PUT /containers/{id}/archive` with `tar` as its body.
    async fn upload_body(
        &self,
        path: &str,
        options: &UploadOptions,
        timeout: Timeout,
        tar: reqwest::Body,
    ) -> Result<()> {
        let api = self.docker.generated().await?;
        let set = |on: bool| on.then_some("true");
        let call = api.put_container_archive(
            self.name()?,
            set(options.copy_uid_gid),
            set(options.no_overwrite_dir_non_dir),
            path,
            tar,
        );
        self.docker.call(timeout, super::bodiless(call)).await
    }

    /// A tar of the file or directory `path` (a directory's tar holds the
    /// directory itself, by its base name), with the path's [`PathStat`].
    /// No total timeout applies to reading it.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let archive = docker.container("web").download("/etc/nginx").await?;
    /// let tar = archive.bytes().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn download(&self, path: &str) -> Result<Archive> {
        let api = self.docker.generated().await?;
        let call = api.container_archive(self.name()?, path);
        let answer = self.docker.call_response(Timeout::Default, call).await?;
        let stat = match path_stat(&answer) {
            Some(value) => Some(PathStat::from_header(value)?),
            None => None,
        };
        Ok(Archive {
            stat,
            body: crate::stream::body(answer.into_inner()),
        })
    }

    /// What the daemon says about `path`, without its content (`HEAD`). A
    /// path that does not exist is an [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let stat = docker.container("web").archive_info("/etc/hosts").await?;
    /// println!("{} bytes, mode {:o}", stat.size, stat.permissions());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn archive_info(&self, path: &str) -> Result<PathStat> {
        let api = self.docker.generated().await?;
        let call = api
            .container_archive_info(self.name()?, path)
            .map_err(without_body);
        let answer = self.docker.call_response(Timeout::Default, call).await?;
        match path_stat(&answer) {
            Some(value) => PathStat::from_header(value),
            None => Err(Error::new(crate::ErrorKind::Protocol).with_detail(format!(
                "HEAD /containers/{{id}}/archive: the answer has no {PATH_STAT_HEADER} header"
            ))),
        }
    }

    /// The container's whole filesystem as a tar stream (`docker export`).
    /// No total timeout applies.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::StreamExt;
    ///
    /// let mut tar = Box::pin(docker.container("web").export().await?);
    /// let mut size = 0;
    /// while let Some(chunk) = tar.next().await {
    ///     size += chunk?.len();
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn export(&self) -> Result<impl Stream<Item = Result<Bytes>> + Send + 'static> {
        let api = self.docker.generated().await?;
        let call = api.container_export(self.name()?);
        let body = self.docker.call(Timeout::Default, call).await?;
        Ok(crate::stream::body(body))
    }

    /// Makes an image of the container (`docker commit`); returns the
    /// image id.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::container::CommitOptions;
    ///
    /// let options = CommitOptions::new().repo("example/web").tag("debug");
    /// let image = docker.container("web").commit(&options).await?;
    /// println!("{image}");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn commit(&self, options: &CommitOptions) -> Result<String> {
        let api = self.docker.generated().await?;
        let changes = options.changes();
        let config = options.config.clone().unwrap_or_default();
        let call = api.image_commit(
            options.author.as_deref(),
            changes.as_deref(),
            options.comment.as_deref(),
            Some(self.name()?),
            options.pause,
            options.repo.as_deref(),
            options.tag.as_deref(),
            &config,
        );
        Ok(self.docker.call(Timeout::Default, call).await?.id)
    }
}

impl CommitOptions {
    /// The `changes` parameter (one value in the spec): the instructions,
    /// one a line. The daemon joins the values of its `changes` parameters
    /// with newlines and reads the result as a Dockerfile (moby,
    /// `daemon/commit.go`; Podman reads the lines alike), so one value of
    /// lines is read as the same instructions sent one value each.
    fn changes(&self) -> Option<String> {
        (!self.changes.is_empty()).then(|| self.changes.join("\n"))
    }
}

/// The path stat header of an archive's answer, if it has one.
fn path_stat<T>(answer: &ResponseValue<T>) -> Option<&str> {
    answer.headers().get(PATH_STAT_HEADER)?.to_str().ok()
}

/// An error of the `HEAD` archive operation, whose error answers have no
/// body to decode, as an error of the others. Answers outside `2xx` reach
/// the generated code as wharf errors (see `crate::executor`): the daemon's
/// message travels there, not here.
fn without_body(e: wharf_api::Error<()>) -> wharf_api::Error<ErrorResponse> {
    use wharf_api::Error as Api;
    match e {
        Api::ErrorResponse(answer) => {
            let status = answer.status();
            let message = status.canonical_reason().unwrap_or_default().to_owned();
            let headers = answer.headers().clone();
            Api::ErrorResponse(ResponseValue::new(
                ErrorResponse { message },
                status,
                headers,
            ))
        }
        Api::InvalidRequest(what) => Api::InvalidRequest(what),
        Api::CommunicationError(e) => Api::CommunicationError(e),
        Api::InvalidUpgrade(e) => Api::InvalidUpgrade(e),
        Api::ResponseBodyError(e) => Api::ResponseBodyError(e),
        Api::InvalidResponsePayload(body, e) => Api::InvalidResponsePayload(body, e),
        Api::UnexpectedResponse(answer) => Api::UnexpectedResponse(answer),
        Api::Custom(what) => Api::Custom(what),
    }
}

#[cfg(test)]
mod tests;
