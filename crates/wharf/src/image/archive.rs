//! Images as archives: import a root filesystem, save images to a tar,
//! load them back. Every archive is a stream, sent or read as it comes.

use bytes::Bytes;
use futures_core::Stream;
use futures_util::TryStreamExt;

use super::{Image, Images};
use crate::error::{BoxError, Error, Result};
use crate::progress::ProgressStream;
use crate::reference::Reference;
use crate::Timeout;

/// How to import a root filesystem as an image, for [`Images::import`]
/// and [`Images::import_url`] (`docker import`).
///
/// ```
/// let options = wharf::image::ImportOptions::new()
///     .reference(wharf::Reference::parse("example/rootfs:v1")?)
///     .message("from a tarball")
///     .change("CMD [\"/bin/sh\"]")
///     .platform("linux/amd64");
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct ImportOptions {
    reference: Option<Reference>,
    message: Option<String>,
    changes: Vec<String>,
    platform: Option<String>,
}

impl ImportOptions {
    /// An untagged image, no message, no changes.
    ///
    /// ```
    /// let options = wharf::image::ImportOptions::new();
    /// ```
    pub fn new() -> ImportOptions {
        ImportOptions::default()
    }

    /// The name to give the image (`latest` if it has no tag).
    ///
    /// ```
    /// let options = wharf::image::ImportOptions::new().reference(wharf::Reference::parse("rootfs")?);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn reference(mut self, reference: Reference) -> ImportOptions {
        self.reference = Some(reference);
        self
    }

    /// The commit message of the image's one layer.
    ///
    /// ```
    /// let options = wharf::image::ImportOptions::new().message("nightly");
    /// ```
    pub fn message(mut self, message: impl Into<String>) -> ImportOptions {
        self.message = Some(message.into());
        self
    }

    /// A Dockerfile instruction to apply (`CMD`, `ENV`, `LABEL`, `WORKDIR`, ...).
    ///
    /// ```
    /// let options = wharf::image::ImportOptions::new().change("LABEL stage=import");
    /// ```
    pub fn change(mut self, instruction: impl Into<String>) -> ImportOptions {
        self.changes.push(instruction.into());
        self
    }

    /// The platform the image is for (`linux/arm64`).
    ///
    /// ```
    /// let options = wharf::image::ImportOptions::new().platform("linux/arm64");
    /// ```
    pub fn platform(mut self, platform: impl Into<String>) -> ImportOptions {
        self.platform = Some(platform.into());
        self
    }
}

/// How to load saved images, for [`Images::load`] (`docker load`).
///
/// ```
/// let options = wharf::image::LoadOptions::new().quiet(true);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct LoadOptions {
    quiet: bool,
    platform: Option<String>,
}

impl LoadOptions {
    /// With progress lines.
    ///
    /// ```
    /// let options = wharf::image::LoadOptions::new();
    /// ```
    pub fn new() -> LoadOptions {
        LoadOptions::default()
    }

    /// Only the `Loaded image: ...` lines, no layer progress.
    ///
    /// ```
    /// let options = wharf::image::LoadOptions::new().quiet(true);
    /// ```
    pub fn quiet(mut self, quiet: bool) -> LoadOptions {
        self.quiet = quiet;
        self
    }

    /// Load only this platform's variant (API 1.48 and later, a JSON OCI
    /// platform).
    ///
    /// ```
    /// let options = wharf::image::LoadOptions::new().platform(r#"{"os":"linux","architecture":"amd64"}"#);
    /// ```
    pub fn platform(mut self, platform: impl Into<String>) -> LoadOptions {
        self.platform = Some(platform.into());
        self
    }
}

/// A request body read from `stream` as it comes.
fn streamed<S, B, E>(stream: S) -> reqwest::Body
where
    S: Stream<Item = std::result::Result<B, E>> + Send + 'static,
    B: 'static,
    Bytes: From<B>,
    E: Into<BoxError> + 'static,
{
    reqwest::Body::wrap_stream(stream.map_err(Into::<BoxError>::into))
}

impl Images {
    /// Makes an image of the root filesystem in the tar `stream` (plain or
    /// compressed), sent as it is read. The answer is the import's
    /// progress; its last line's `status` is the new image's id.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::{stream, TryStreamExt};
    /// use wharf::image::ImportOptions;
    ///
    /// // any stream of byte chunks: a file's, a pipe's, a generator's
    /// let tar = stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"..."))]);
    /// let options = ImportOptions::new().reference(wharf::Reference::parse("rootfs:v1")?);
    /// let lines: Vec<_> = docker.images().import(tar, &options).await?.try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn import<S, B, E>(
        &self,
        stream: S,
        options: &ImportOptions,
    ) -> Result<ProgressStream>
    where
        S: Stream<Item = std::result::Result<B, E>> + Send + 'static,
        B: 'static,
        Bytes: From<B>,
        E: Into<BoxError> + 'static,
    {
        self.create_from("-", options, streamed(stream)).await
    }

    /// Makes an image of the root filesystem at `url` (a tar the daemon
    /// downloads).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use wharf::image::ImportOptions;
    ///
    /// let progress = docker
    ///     .images()
    ///     .import_url("https://example.org/rootfs.tar.gz", &ImportOptions::new())
    ///     .await?;
    /// let lines: Vec<_> = progress.try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn import_url(&self, url: &str, options: &ImportOptions) -> Result<ProgressStream> {
        if url.is_empty() || url == "-" {
            return Err(Error::invalid_argument(
                "import_url needs a URL; import a stream with Images::import",
            ));
        }
        self.create_from(url, options, reqwest::Body::from(Vec::new()))
            .await
    }

    /// `POST /images/create?fromSrc=`.
    async fn create_from(
        &self,
        source: &str,
        options: &ImportOptions,
        body: reqwest::Body,
    ) -> Result<ProgressStream> {
        // the name and tag in `repo`, as the docker CLI sends them: moby reads a
        // tag there (daemon/images/image_import.go), Podman 4.3 reads none from `tag`
        let repo = options
            .reference
            .clone()
            .map(|r| r.with_default_tag().to_string());
        let changes = (!options.changes.is_empty()).then_some(&options.changes);
        let api = self.docker.generated().await?;
        let call = api.image_create(
            changes,
            None,
            Some(source),
            options.message.as_deref(),
            options.platform.as_deref(),
            repo.as_deref(),
            None,
            None,
            body,
        );
        let body = self.docker.call(Timeout::Unlimited, call).await?;
        Ok(ProgressStream::from_body(crate::stream::body(body)))
    }

    /// Loads images from a tar `stream` made by a save (`docker load`),
    /// sent as it is read. The answer's lines say what was loaded
    /// (`Loaded image: ...` in `stream`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use wharf::image::LoadOptions;
    ///
    /// let saved = docker.image("busybox").save().await?;
    /// let lines: Vec<_> = docker.images().load(saved, &LoadOptions::new().quiet(true)).await?.try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn load<S, B, E>(&self, stream: S, options: &LoadOptions) -> Result<ProgressStream>
    where
        S: Stream<Item = std::result::Result<B, E>> + Send + 'static,
        B: 'static,
        Bytes: From<B>,
        E: Into<BoxError> + 'static,
    {
        let api = self.docker.generated().await?;
        let call = api.image_load(
            options.platform.as_deref(),
            options.quiet.then_some(true),
            streamed(stream),
        );
        let body = self.docker.call(Timeout::Unlimited, call).await?;
        Ok(ProgressStream::from_body(crate::stream::body(body)))
    }

    /// Several images in one tar stream (`docker save a b`), with their
    /// tags, read as it comes. No total timeout applies.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::StreamExt;
    ///
    /// let mut tar = Box::pin(docker.images().save(["busybox:latest", "alpine:3.20"]).await?);
    /// while let Some(chunk) = tar.next().await {
    ///     let chunk = chunk?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn save<I, N>(
        &self,
        names: I,
    ) -> Result<impl Stream<Item = Result<Bytes>> + Send + 'static>
    where
        I: IntoIterator<Item = N>,
        N: Into<String>,
    {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        if names.is_empty() {
            return Err(Error::invalid_argument("save needs at least one image"));
        }
        for name in &names {
            super::check_name(name)?;
        }
        let api = self.docker.generated().await?;
        let call = api.image_get_all(Some(&names), None);
        let body = self.docker.call(Timeout::Unlimited, call).await?;
        Ok(crate::stream::body(body))
    }
}

impl Image {
    /// The image as a tar stream (`docker save`), read as it comes. No
    /// total timeout applies.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::StreamExt;
    ///
    /// let mut tar = Box::pin(docker.image("busybox").save().await?);
    /// let mut size = 0;
    /// while let Some(chunk) = tar.next().await {
    ///     size += chunk?.len();
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn save(&self) -> Result<impl Stream<Item = Result<Bytes>> + Send + 'static> {
        let name = self.checked_name()?;
        let api = self.docker.generated().await?;
        let call = api.image_get(name, None);
        let body = self.docker.call(Timeout::Unlimited, call).await?;
        Ok(crate::stream::body(body))
    }
}
