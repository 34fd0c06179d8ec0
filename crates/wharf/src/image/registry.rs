//! Images to and from registries: pull, push, distribution inspect.

use wharf_api::types::DistributionInspect;

use super::{Image, Images};
use crate::auth::Credentials;
use crate::error::{Error, Result};
use crate::progress::ProgressStream;
use crate::reference::Reference;
use crate::Timeout;

/// How to pull, for [`Images::pull`].
///
/// ```
/// use wharf::auth::Credentials;
///
/// let options = wharf::image::PullOptions::new()
///     .platform("linux/arm64")
///     .credentials(Credentials::new("jane", "s3cret"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct PullOptions {
    platform: Option<String>,
    credentials: Credentials,
}

impl PullOptions {
    /// The engine's own platform, anonymously.
    ///
    /// ```
    /// let options = wharf::image::PullOptions::new();
    /// ```
    pub fn new() -> PullOptions {
        PullOptions::default()
    }

    /// The platform to pull (`os[/arch[/variant]]`, `linux/arm/v7`).
    ///
    /// ```
    /// let options = wharf::image::PullOptions::new().platform("linux/amd64");
    /// ```
    pub fn platform(mut self, platform: impl Into<String>) -> PullOptions {
        self.platform = Some(platform.into());
        self
    }

    /// The registry credentials (see [`crate::auth`] to find them like the CLI).
    ///
    /// ```
    /// let options = wharf::image::PullOptions::new()
    ///     .credentials(wharf::auth::Credentials::new("jane", "s3cret"));
    /// ```
    pub fn credentials(mut self, credentials: Credentials) -> PullOptions {
        self.credentials = credentials;
        self
    }
}

/// How to push, for [`Image::push`].
///
/// ```
/// let options = wharf::image::PushOptions::new()
///     .credentials(wharf::auth::Credentials::new("jane", "s3cret"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct PushOptions {
    platform: Option<String>,
    credentials: Credentials,
    all_tags: bool,
}

impl PushOptions {
    /// The image's tag (`latest` for a name without one), anonymously.
    ///
    /// ```
    /// let options = wharf::image::PushOptions::new();
    /// ```
    pub fn new() -> PushOptions {
        PushOptions::default()
    }

    /// Push only this platform's variant of a multi-platform image (API
    /// 1.46 and later, a JSON OCI platform: `{"os":"linux","architecture":"arm64"}`).
    ///
    /// ```
    /// let options = wharf::image::PushOptions::new().platform(r#"{"os":"linux","architecture":"amd64"}"#);
    /// ```
    pub fn platform(mut self, platform: impl Into<String>) -> PushOptions {
        self.platform = Some(platform.into());
        self
    }

    /// The registry credentials.
    ///
    /// ```
    /// let options = wharf::image::PushOptions::new()
    ///     .credentials(wharf::auth::Credentials::new("jane", "s3cret"));
    /// ```
    pub fn credentials(mut self, credentials: Credentials) -> PushOptions {
        self.credentials = credentials;
        self
    }

    /// Push every tag of the repository (`docker push --all-tags`): the
    /// image's tag is not sent.
    ///
    /// ```
    /// let options = wharf::image::PushOptions::new().all_tags(true);
    /// ```
    pub fn all_tags(mut self, all: bool) -> PushOptions {
        self.all_tags = all;
        self
    }
}

impl Images {
    /// Pulls an image (`POST /images/create?fromImage=`, `docker pull`): by
    /// tag, or by digest. A reference with neither pulls `latest`. The
    /// answer is the pull's progress; the pull is done when the stream
    /// ends without an `Err`. No total timeout applies. Credentials the
    /// registry refuses are [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized)
    /// (access denied: [`Forbidden`](crate::ErrorKind::Forbidden)), whether the
    /// daemon answers so at once or inside the stream.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use wharf::{image::PullOptions, Reference};
    ///
    /// let alpine = Reference::parse("alpine:3.20")?;
    /// let mut progress = docker.images().pull(&alpine, &PullOptions::new()).await?;
    /// while let Some(line) = progress.try_next().await? {
    ///     if let Some(status) = line.status {
    ///         println!("{status}");
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn pull(
        &self,
        reference: &Reference,
        options: &PullOptions,
    ) -> Result<ProgressStream> {
        let reference = reference.clone().with_default_tag();
        // fromImage is the name; the tag or the digest goes as `tag`
        // (moby api/server/router/image/image_routes.go, postImagesCreate)
        let tag = reference.digest().or(reference.tag());
        let auth = options.credentials.registry_auth_header();
        let api = self.docker.generated().await?;
        let name = reference.name();
        let call = api.image_create(
            None,
            Some(&name),
            None,
            None,
            options.platform.as_deref(),
            None,
            tag,
            Some(&auth),
            reqwest::Body::from(Vec::new()),
        );
        // a refusal the registry answers before the stream is the daemon's 500 on
        // Docker 20.10 (`unauthorized: authentication required`); the same words
        // inside the stream are an error line: either way the same kind
        let body = self
            .docker
            .call(Timeout::Unlimited, call)
            .await
            .map_err(crate::auth::refusal)?;
        Ok(ProgressStream::from_body(crate::stream::body(body)))
    }
}

impl Image {
    /// Pushes the image to its registry (`docker push`). The image must be
    /// named by a reference (`localhost:5000/app:v1`); a name without a tag
    /// pushes `latest`. The answer is the push's progress; its last
    /// line's `aux` holds the pushed digest. No total timeout applies.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use wharf::image::PushOptions;
    ///
    /// let options = PushOptions::new().credentials(wharf::auth::Credentials::new("jane", "s3cret"));
    /// let lines: Vec<_> = docker.image("localhost:5000/app:v1").push(&options).await?.try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn push(&self, options: &PushOptions) -> Result<ProgressStream> {
        let reference = self.reference()?;
        if reference.digest().is_some() {
            return Err(Error::invalid_argument(format!(
                "cannot push {:?}: push a tag, not a digest",
                self.name
            )));
        }
        let reference = if options.all_tags {
            reference
        } else {
            reference.with_default_tag()
        };
        let auth = options.credentials.registry_auth_header();
        let api = self.docker.generated().await?;
        let name = reference.name();
        let call = api.image_push(&name, options.platform.as_deref(), reference.tag(), &auth);
        let body = self.docker.call(Timeout::Unlimited, call).await?;
        Ok(ProgressStream::from_body(crate::stream::body(body)))
    }

    /// What the registry says of the image, without pulling it: its
    /// manifest's descriptor and platforms (`GET /distribution/{name}/json`,
    /// `docker manifest inspect`-like), with `credentials` for a private
    /// registry. A refusal is an
    /// [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::auth::Credentials;
    ///
    /// let found = docker.image("busybox").distribution(&Credentials::anonymous()).await?;
    /// println!("{:?} on {} platforms", found.descriptor.digest, found.platforms.len());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn distribution(&self, credentials: &Credentials) -> Result<DistributionInspect> {
        let name = self.checked_name()?;
        let auth = credentials.registry_auth_header();
        let api = self.docker.generated().await?;
        let call = api.distribution_inspect(name, Some(&auth));
        self.docker
            .call(Timeout::Default, call)
            .await
            .map_err(crate::auth::refusal)
    }
}
