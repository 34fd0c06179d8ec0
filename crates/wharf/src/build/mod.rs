//! Building images: `docker build` with the classic builder.
//!
//! A build sends a context (a tar of the files the Dockerfile may `COPY`)
//! as the body of `POST /build`; the daemon answers `200` at once and then
//! reports each step as a line of JSON, the built image's id among them:
//!
//! ```text
//! client ── POST /build?t=app:dev&version=1 ──────────────► daemon
//!        ── tar: Dockerfile, src/..., (streamed) ────────►
//!        ◄── 200, then {"stream":"Step 1/3 : FROM scratch\n"}
//!                      {"stream":" ---> Running in 4e5f...\n"}
//!                      {"aux":{"ID":"sha256:9b2c..."}}
//!                      {"stream":"Successfully built 9b2c...\n"}
//!        or, for a failing step, as the last line:
//!                      {"errorDetail":{"message":"The command '/bin/sh -c make' returned a non-zero code: 2"}}
//! ```
//!
//! - [`BuildContext`]: a directory (filtered by its `.dockerignore`,
//!   [`Dockerignore`], and archived while it is read, so memory stays
//!   bounded whatever its size), optionally gzip-compressed; or a tar made
//!   already. The Dockerfile by path (inside the context or not) or as text.
//! - [`BuildOptions`]: tags, build args, labels, target, platform, cache and
//!   resource settings; [`Builder`] says which builder (only the classic
//!   one for now).
//! - [`Docker::build`] starts the build and returns a [`BuildStream`] of
//!   [`BuildProgress`]; a failing step is an `Err` carrying the daemon's
//!   message; [`BuildStream::finish`] waits for the end and gives the
//!   [`Built`] image's id.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use wharf::build::{BuildContext, BuildOptions, BuildProgress};
//!
//! # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
//! let context = BuildContext::directory("./app");
//! let options = BuildOptions::new().tag("app:dev").build_arg("VERSION", "1.2");
//! let mut build = docker.build(context, &options).await?;
//! while let Some(progress) = build.try_next().await? {
//!     if let BuildProgress::Output(text) = progress {
//!         print!("{text}");
//!     }
//! }
//! println!("built {}", build.image_id().unwrap_or("?"));
//! # Ok(())
//! # }
//! ```
//!
//! Without watching:
//!
//! ```no_run
//! # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
//! use wharf::build::{BuildContext, BuildOptions};
//!
//! let context = BuildContext::directory(".").dockerfile_text("FROM scratch\nCOPY . /\n");
//! let built = docker.build(context, &BuildOptions::new()).await?.finish().await?;
//! println!("{} ({} bytes of context)", built.image_id, built.context_bytes);
//! # Ok(())
//! # }
//! ```

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt};

use crate::auth::DockerConfig;
use crate::error::Result;
use crate::progress::{Progress, ProgressStream};
use crate::{Docker, Timeout};

mod context;
mod ignore;
mod options;

pub use context::BuildContext;
pub use ignore::Dockerignore;
pub use options::{BuildOptions, Builder};

impl Docker {
    /// Builds an image (`POST /build`, the classic builder): sends
    /// `context` as it is read and returns the build's progress. A missing
    /// context or Dockerfile, a malformed `.dockerignore` or a
    /// [`Builder::BuildKit`] request is an error before anything is sent;
    /// a file that cannot be read fails the upload with an
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) error naming it.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::build::{BuildContext, BuildOptions};
    ///
    /// let built = docker
    ///     .build(BuildContext::directory("."), &BuildOptions::new().tag("app:dev"))
    ///     .await?
    ///     .finish()
    ///     .await?;
    /// println!("{}", built.image_id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn build(
        &self,
        context: BuildContext,
        options: &BuildOptions,
    ) -> Result<BuildStream> {
        self.build_inner(context, options, None).await
    }

    /// [`build`](Docker::build) with registry credentials for the base images
    /// of `FROM` and `--cache-from`: every registry's credentials in `config`
    /// (as the docker CLI sends them, credential helpers asked), in the
    /// `X-Registry-Config` header ([`DockerConfig::registry_config_header`]).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::auth::DockerConfig;
    /// use wharf::build::{BuildContext, BuildOptions};
    ///
    /// let config = DockerConfig::load()?;
    /// let options = BuildOptions::new().tag("app:dev");
    /// let built = docker
    ///     .build_with_credentials(BuildContext::directory("."), &options, &config)
    ///     .await?
    ///     .finish()
    ///     .await?;
    /// println!("{}", built.image_id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn build_with_credentials(
        &self,
        context: BuildContext,
        options: &BuildOptions,
        config: &DockerConfig,
    ) -> Result<BuildStream> {
        let header = config.registry_config_header().await?;
        self.build_inner(context, options, Some(header)).await
    }

    async fn build_inner(
        &self,
        context: BuildContext,
        options: &BuildOptions,
        registry_config: Option<String>,
    ) -> Result<BuildStream> {
        let mut encoded = options.encode()?;
        encoded.registry_config = registry_config;
        let opened = context.open()?;
        let api = self.generated().await?;
        let call = encoded.call(api, opened.dockerfile.as_deref(), opened.body);
        let answer = self.call_response(Timeout::Default, call).await?;
        Ok(BuildStream {
            progress: ProgressStream::from_body(crate::stream::body(answer.into_inner())),
            image_id: None,
            quiet: options.is_quiet(),
            sent: opened.sent,
        })
    }
}

/// One report of a build, from a [`BuildStream`].
///
/// ```
/// use wharf::build::BuildProgress;
///
/// fn show(progress: &BuildProgress) {
///     match progress {
///         BuildProgress::Output(text) => print!("{text}"),
///         BuildProgress::ImageId(id) => println!("image {id}"),
///         BuildProgress::Status(line) => println!("{:?}", line.status),
///         _ => {}
///     }
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum BuildProgress {
    /// Text the build prints: `Step 2/5 : RUN make`, a command's output,
    /// `Successfully built ...`. Lines end with their own `\n`.
    Output(String),
    /// The id of the image built (`sha256:...`), from the daemon's `aux`
    /// line; in a multi-stage build, the last one is the result.
    ImageId(String),
    /// Any other line: a base image's pull progress, another `aux` value.
    Status(Progress),
}

impl BuildProgress {
    fn from_line(line: Progress) -> BuildProgress {
        let id = line
            .aux
            .as_ref()
            .and_then(|aux| aux.get("ID"))
            .and_then(|id| id.as_str());
        match (id, &line.stream) {
            (Some(id), _) => BuildProgress::ImageId(id.to_owned()),
            (None, Some(text)) if line.status.is_none() => BuildProgress::Output(text.clone()),
            _ => BuildProgress::Status(line),
        }
    }
}

/// A build under way, from [`Docker::build`]: a stream of
/// [`BuildProgress`]. A step that fails ends it with an `Err` carrying the
/// daemon's message (`The command '/bin/sh -c make' returned a non-zero
/// code: 2`). Dropping it cancels the build.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// use futures_util::TryStreamExt;
/// use wharf::build::{BuildContext, BuildOptions};
///
/// let mut build = docker.build(BuildContext::directory("."), &BuildOptions::new()).await?;
/// while let Some(progress) = build.try_next().await? {
///     println!("{progress:?}");
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct BuildStream {
    progress: ProgressStream,
    image_id: Option<String>,
    quiet: bool,
    sent: Arc<AtomicU64>,
}

/// A finished build, from [`BuildStream::finish`].
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// # use wharf::build::{BuildContext, BuildOptions};
/// let built = docker.build(BuildContext::directory("."), &BuildOptions::new()).await?.finish().await?;
/// assert!(built.image_id.starts_with("sha256:"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Built {
    /// The image's id, `sha256:...`.
    pub image_id: String,
    /// The size of the context as sent (compressed, if it was).
    pub context_bytes: u64,
}

impl BuildStream {
    /// The id of the image built, once the stream has reported it.
    ///
    /// ```no_run
    /// # async fn run(mut build: wharf::build::BuildStream) -> wharf::Result<()> {
    /// use futures_util::TryStreamExt;
    /// while build.try_next().await?.is_some() {}
    /// println!("{:?}", build.image_id());
    /// # Ok(())
    /// # }
    /// ```
    pub fn image_id(&self) -> Option<&str> {
        self.image_id.as_deref()
    }

    /// Bytes of context handed to the request so far (after compression);
    /// the whole context once the first progress has arrived, since the
    /// daemon reads all of it before the first step.
    ///
    /// ```no_run
    /// # async fn run(build: wharf::build::BuildStream) {
    /// println!("Sending build context to Docker daemon  {} bytes", build.context_bytes());
    /// # }
    /// ```
    pub fn context_bytes(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Reads the build to its end and returns the image built. A build
    /// that ends without saying which image it made is an
    /// [`ErrorKind::Protocol`](crate::ErrorKind::Protocol) error.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// # use wharf::build::{BuildContext, BuildOptions};
    /// let build = docker.build(BuildContext::directory("."), &BuildOptions::new()).await?;
    /// let built = build.finish().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn finish(mut self) -> Result<Built> {
        while self.try_next().await?.is_some() {}
        let context_bytes = self.context_bytes();
        match self.image_id {
            Some(image_id) => Ok(Built {
                image_id,
                context_bytes,
            }),
            None => Err(crate::Error::new(crate::ErrorKind::Protocol)
                .with_detail("the build ended without reporting the image it built")),
        }
    }
}

impl Stream for BuildStream {
    type Item = Result<BuildProgress>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(line) = ready!(self.progress.poll_next_unpin(cx)?) else {
            return Poll::Ready(None);
        };
        let progress = BuildProgress::from_line(line);
        match &progress {
            BuildProgress::ImageId(id) => self.image_id = Some(id.clone()),
            // Quiet, the output is the id alone (moby, build_routes.go).
            BuildProgress::Output(text) if self.quiet && text.trim().starts_with("sha256:") => {
                self.image_id = Some(text.trim().to_owned());
            }
            _ => {}
        }
        Poll::Ready(Some(Ok(progress)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(json: &str) -> BuildProgress {
        BuildProgress::from_line(serde_json::from_str(json).unwrap())
    }

    #[test]
    fn lines_become_typed_progress() {
        assert_eq!(
            line(r#"{"stream":"Step 1/2 : FROM scratch\n"}"#),
            BuildProgress::Output("Step 1/2 : FROM scratch\n".into())
        );
        assert_eq!(
            line(r#"{"aux":{"ID":"sha256:abc"}}"#),
            BuildProgress::ImageId("sha256:abc".into())
        );
        assert!(matches!(
            line(r#"{"status":"Pulling fs layer","id":"a1"}"#),
            BuildProgress::Status(p) if p.id.as_deref() == Some("a1")
        ));
    }

    #[tokio::test]
    async fn the_image_id_is_kept_and_an_error_line_ends_the_stream() {
        let body = |text: &'static str| {
            futures_util::stream::iter([Ok(bytes::Bytes::from_static(text.as_bytes()))]).boxed()
        };
        let stream = |text| BuildStream {
            progress: ProgressStream::from_body(body(text)),
            image_id: None,
            quiet: false,
            sent: Arc::new(AtomicU64::new(7)),
        };
        let built = stream("{\"stream\":\"Step 1/1\\n\"}\n{\"aux\":{\"ID\":\"sha256:1\"}}\n")
            .finish()
            .await
            .unwrap();
        assert_eq!(
            (built.image_id.as_str(), built.context_bytes),
            ("sha256:1", 7)
        );
        let e = stream(
            "{\"stream\":\"Step 1/1 : RUN false\\n\"}\n\
             {\"errorDetail\":{\"code\":1,\"message\":\"The command '/bin/sh -c false' returned a non-zero code: 1\"}}\n",
        )
        .finish()
        .await
        .unwrap_err();
        assert_eq!(
            e.message(),
            Some("The command '/bin/sh -c false' returned a non-zero code: 1")
        );
        let e = stream("{\"stream\":\"done\\n\"}\n")
            .finish()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Protocol);
    }
}
