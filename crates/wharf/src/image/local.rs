//! One local image: inspect, history, tag, remove.

use wharf_api::types::{ImageDeleteResponseItem, ImageHistoryResponseItem, ImageInspect};

use super::Image;
use crate::client::ApiResult;
use crate::error::Result;
use crate::reference::Reference;
use crate::Timeout;

/// How to remove an image, for [`Image::remove`].
///
/// ```
/// let options = wharf::image::RemoveOptions::new().force(true).no_prune(true);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct RemoveOptions {
    force: bool,
    no_prune: bool,
    platforms: Vec<String>,
}

impl RemoveOptions {
    /// Untag, and delete the image when no tag is left; fails if a
    /// container uses it.
    ///
    /// ```
    /// let options = wharf::image::RemoveOptions::new();
    /// ```
    pub fn new() -> RemoveOptions {
        RemoveOptions::default()
    }

    /// Remove even if containers use it, or it has several tags (by id).
    ///
    /// ```
    /// let options = wharf::image::RemoveOptions::new().force(true);
    /// ```
    pub fn force(mut self, force: bool) -> RemoveOptions {
        self.force = force;
        self
    }

    /// Keep untagged parent images.
    ///
    /// ```
    /// let options = wharf::image::RemoveOptions::new().no_prune(true);
    /// ```
    pub fn no_prune(mut self, no_prune: bool) -> RemoveOptions {
        self.no_prune = no_prune;
        self
    }

    /// Remove only these platforms' variants (`linux/arm64`; API 1.50 and
    /// later, on engines that store images per platform).
    ///
    /// ```
    /// let options = wharf::image::RemoveOptions::new().platform("linux/arm64");
    /// ```
    pub fn platform(mut self, platform: impl Into<String>) -> RemoveOptions {
        self.platforms.push(platform.into());
        self
    }
}

impl Image {
    /// What the engine knows of the image (`docker image inspect`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let image = docker.image("busybox").inspect().await?;
    /// println!("{:?} {:?}", image.id, image.repo_digests);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn inspect(&self) -> Result<ImageInspect> {
        let name = self.checked_name()?;
        let api = self.docker.generated().await?;
        let call = api.image_inspect(name, None, None);
        self.docker.call(Timeout::Default, call).await
    }

    /// The image's layers' history, newest first (`docker history`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// for step in docker.image("busybox").history().await? {
    ///     println!("{} {}", step.created_by, step.size);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn history(&self) -> Result<Vec<ImageHistoryResponseItem>> {
        let name = self.checked_name()?;
        let api = self.docker.generated().await?;
        let call = api.image_history(name, None);
        self.docker.call(Timeout::Default, call).await
    }

    /// Gives the image another name (`docker tag`); a reference without a
    /// tag gets `latest`, as with the CLI. A reference with a digest cannot
    /// be a tag.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let target = wharf::Reference::parse("localhost:5000/busybox:v1")?;
    /// docker.image("busybox").tag(&target).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn tag(&self, target: &Reference) -> Result<()> {
        if target.digest().is_some() {
            return Err(crate::Error::invalid_argument(format!(
                "cannot tag {:?}: a tag cannot have a digest",
                target.to_string()
            )));
        }
        let target = target.clone().with_default_tag();
        let name = self.checked_name()?;
        let api = self.docker.generated().await?;
        let repo = target.name();
        let call = api.image_tag(name, Some(&repo), target.tag());
        self.docker
            .call(
                Timeout::Default,
                crate::container::bodiless(empty_json(call)),
            )
            .await
    }

    /// Removes the image, or this name of it (`docker rmi`), and says what
    /// was untagged and deleted.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::image::RemoveOptions;
    ///
    /// for item in docker.image("busybox:old").remove(&RemoveOptions::new()).await? {
    ///     println!("{:?} {:?}", item.untagged, item.deleted);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove(&self, options: &RemoveOptions) -> Result<Vec<ImageDeleteResponseItem>> {
        let name = self.checked_name()?;
        let api = self.docker.generated().await?;
        let platforms = (!options.platforms.is_empty()).then_some(&options.platforms);
        let call = api.image_delete(
            name,
            options.force.then_some(true),
            options.no_prune.then_some(true),
            platforms,
        );
        self.docker.call(Timeout::Default, call).await
    }
}

/// An empty body where JSON is declared, as success: Podman 4.3 answers a
/// tag with `201` and `Content-Type: application/json` but no body, which
/// the generated code cannot decode (it only sees a body after a `2xx`;
/// other answers become wharf errors first, see `client::executor`).
async fn empty_json(call: impl std::future::Future<Output = ApiResult<()>>) -> ApiResult<()> {
    match call.await {
        Err(wharf_api::Error::InvalidResponsePayload(body, _)) if body.is_empty() => Ok(
            wharf_api::ResponseValue::new((), http::StatusCode::CREATED, http::HeaderMap::new()),
        ),
        other => other,
    }
}
