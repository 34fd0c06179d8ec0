//! Images: [`Docker::images`] for the collection (list, prune, search, pull,
//! import, load, save) and [`Docker::image`] for one image (inspect,
//! history, tag, push, remove, save, distribution inspect).
//!
//! ```no_run
//! # async fn run() -> wharf::Result<()> {
//! use futures_util::TryStreamExt;
//! use wharf::auth::DockerConfig;
//! use wharf::image::{ListOptions, PullOptions, PushOptions};
//! use wharf::{Docker, Reference};
//!
//! let docker = Docker::connect()?;
//! let config = DockerConfig::load()?;
//!
//! // docker pull busybox  (docker.io/library/busybox:latest)
//! let busybox = Reference::parse("busybox")?.with_default_tag();
//! let credentials = config.credentials_for(&busybox).await?;
//! let mut progress = docker
//!     .images()
//!     .pull(&busybox, &PullOptions::new().credentials(credentials))
//!     .await?;
//! while let Some(line) = progress.try_next().await? {
//!     println!("{:?} {:?}", line.id, line.status);
//! }
//!
//! // docker tag busybox localhost:5000/busybox:v1 && docker push localhost:5000/busybox:v1
//! let mine = Reference::parse("localhost:5000/busybox:v1")?;
//! docker.image("busybox").tag(&mine).await?;
//! let credentials = config.credentials_for(&mine).await?;
//! docker
//!     .image(mine.to_string())
//!     .push(&PushOptions::new().credentials(credentials))
//!     .await?
//!     .try_for_each(|_| async { Ok(()) })
//!     .await?;
//!
//! for image in docker.images().list(&ListOptions::new()).await? {
//!     println!("{} {:?}", image.id, image.repo_tags);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Each call is the Engine API operation of the generated client, run over
//! the client's transport. Names are checked before anything is sent: an
//! image is named by a reference ([`Reference`]: `busybox`,
//! `localhost:5000/team/app:v2`, `app@sha256:...`) or an id (`sha256:` and
//! hex digits, or a prefix of them); anything else is an
//! [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument).
//!
//! Pull, push, import and load answer with [`ProgressStream`]s: lines of
//! progress, the last of them an `Err` if the operation failed.
//! [`LayerProgress`] folds them into one entry per layer, for progress
//! bars. Archives in and out (import, load, save) are streams, never held
//! whole in memory.

use crate::error::{Error, Result};
use crate::reference::{is_image_id, Reference};
use crate::Docker;

mod archive;
mod layers;
mod list;
mod local;
mod registry;

pub use archive::{ImportOptions, LoadOptions};
pub use layers::{Layer, LayerPhase, LayerProgress};
pub use list::{ListOptions, SearchOptions};
pub use local::RemoveOptions;
pub use registry::{PullOptions, PushOptions};

pub use crate::progress::{Progress, ProgressStream};

/// The engine's images, from [`Docker::images`].
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// let images = docker.images().list(&wharf::image::ListOptions::new()).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Images {
    docker: Docker,
}

/// One image, by reference or id, from [`Docker::image`]. Nothing is sent
/// until a method is called.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// let busybox = docker.image("busybox:latest");
/// println!("{:?}", busybox.inspect().await?.id);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Image {
    docker: Docker,
    name: String,
}

impl Docker {
    /// The engine's images.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let pruned = docker.images().prune(&wharf::Filters::new().label("stage=tmp")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn images(&self) -> Images {
        Images {
            docker: self.clone(),
        }
    }

    /// The image `name`: a reference (`busybox`, `localhost:5000/app:v1`,
    /// `app@sha256:...`) or an id.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let history = docker.image("busybox").history().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn image(&self, name: impl Into<String>) -> Image {
        Image {
            docker: self.clone(),
            name: name.into(),
        }
    }
}

impl Images {
    /// The client these images belong to.
    ///
    /// ```
    /// let docker = wharf::Docker::builder().host("tcp://127.0.0.1:2375").build()?;
    /// assert_eq!(docker.images().docker().endpoint().url(), "tcp://127.0.0.1:2375");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn docker(&self) -> &Docker {
        &self.docker
    }
}

impl Image {
    /// The name or id this handle was made with.
    ///
    /// ```
    /// let docker = wharf::Docker::builder().host("tcp://127.0.0.1:2375").build()?;
    /// assert_eq!(docker.image("busybox").name(), "busybox");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The client this image belongs to.
    ///
    /// ```
    /// let docker = wharf::Docker::builder().host("tcp://127.0.0.1:2375").build()?;
    /// let _ = docker.image("busybox").docker();
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// The name as a normalized [`Reference`] (an id is not one).
    ///
    /// ```
    /// let docker = wharf::Docker::builder().host("tcp://127.0.0.1:2375").build()?;
    /// assert_eq!(docker.image("busybox").reference()?.to_string(), "docker.io/library/busybox");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn reference(&self) -> Result<Reference> {
        Reference::parse(&self.name)
    }

    /// The name as it is sent, or the error for one that is neither a
    /// reference nor an id.
    pub(crate) fn checked_name(&self) -> Result<&str> {
        check_name(&self.name)?;
        Ok(&self.name)
    }
}

/// A reference, a full id (`sha256:` and 64 hex digits) or an id prefix
/// (`sha256:` and hex digits): what the daemon looks images up by.
fn check_name(name: &str) -> Result<()> {
    crate::path::name(name)?;
    if is_image_id(name) {
        return Ok(());
    }
    if let Some(hex) = name.strip_prefix("sha256:") {
        if !hex.is_empty() && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Ok(());
        }
        return Err(Error::invalid_argument(format!(
            "{name:?} is not an image id (sha256: and lower-case hexadecimal digits)"
        )));
    }
    Reference::parse(name).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_before_sending() {
        for good in [
            "busybox",
            "busybox:1",
            "localhost:5000/a/b:c",
            "0123abcd",
            "sha256:0123abcd",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            check_name(good).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        for bad in ["", "..", "Busy Box", "sha256:xyz", "a@b", "busybox:"] {
            let e = check_name(bad).expect_err(bad);
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{bad}");
        }
    }
}
