//! Creating containers: [`Containers::create`],
//! [`Containers::create_or_replace`] and [`Containers::run`], which send a
//! [`ContainerSpec`], and their answer, [`Created`].

use super::{Container, ContainerSpec, Containers, RemoveOptions};
use futures_util::TryStreamExt;

use crate::error::{Error, ErrorKind, Result};
use crate::image::PullOptions;
use crate::Reference;
use crate::Timeout;

/// A container just created, with the daemon's warnings (such as a memory
/// limit the kernel cannot enforce).
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// use wharf::container::ContainerSpec;
///
/// let created = docker.containers().create(&ContainerSpec::new("alpine")).await?;
/// for w in &created.warnings {
///     eprintln!("warning: {w}");
/// }
/// created.container.start().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Created {
    /// The new container, by id.
    pub container: Container,
    /// What the daemon warned about.
    pub warnings: Vec<String>,
}

impl Containers {
    /// Creates a container (`POST /containers/create`). A name in use is an
    /// [`ErrorKind::Conflict`], a missing image an [`ErrorKind::NotFound`]
    /// (the daemon does not pull it), an invalid name an
    /// [`ErrorKind::InvalidArgument`], each with the daemon's message.
    /// (Podman 4.3 answers the invalid name and the name in use with `500`:
    /// [`ErrorKind::Server`], its message ending in `invalid argument` or
    /// `that name is already in use`.)
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::container::ContainerSpec;
    ///
    /// let spec = ContainerSpec::new("alpine:3.20").name("job").cmd(["echo", "hi"]);
    /// let job = docker.containers().create(&spec).await?.container;
    /// println!("created {}", job.id());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, spec: &ContainerSpec) -> Result<Created> {
        let body = spec.build()?;
        let api = self.docker.generated().await?;
        let call = api.container_create(spec.name.as_deref(), spec.platform.as_deref(), &body);
        let created = self.docker.call(Timeout::Default, call).await?;
        Ok(Created {
            container: self.docker.container(created.id),
            warnings: created.warnings,
        })
    }

    /// Creates the container `spec` names, first removing (forcibly, with
    /// its anonymous volumes) any container that has that name. Another
    /// client creating the same name at the same moment makes this fail with
    /// [`ErrorKind::Conflict`].
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::container::ContainerSpec;
    ///
    /// let spec = ContainerSpec::new("redis:7").name("cache");
    /// let cache = docker.containers().create_or_replace(&spec).await?.container;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_or_replace(&self, spec: &ContainerSpec) -> Result<Created> {
        let Some(name) = spec.get_name() else {
            return Err(Error::invalid_argument(
                "create_or_replace needs a container name: set ContainerSpec::name",
            ));
        };
        let existing = self.docker.container(name);
        match existing
            .remove_with(&RemoveOptions::new().force(true).volumes(true))
            .await
        {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        self.create(spec).await
    }

    /// Creates a container and starts it (`docker run -d`). If it cannot be
    /// started, it is removed again and the start error returned.
    ///
    /// `run` does not pull: when the image is not on the engine, the error
    /// is an [`ErrorKind::NotFound`] that says so and names the pull to make
    /// first. [`run_with_pull`](Containers::run_with_pull) pulls it, as
    /// docker-py's `containers.run` and aiodocker's `run(config, auth=)` do.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::container::ContainerSpec;
    ///
    /// let web = docker.containers().run(&ContainerSpec::new("nginx:alpine")).await?.container;
    /// let status = web.wait().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn run(&self, spec: &ContainerSpec) -> Result<Created> {
        self.run_inner(spec, None).await
    }

    /// [`run`](Containers::run), pulling the image first when the engine
    /// does not have it (`docker run` with its default `--pull missing`),
    /// with the platform and registry credentials of `pull`. The pull's
    /// progress is read to its end; a failed pull is its error.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::auth::DockerConfig;
    /// use wharf::container::ContainerSpec;
    /// use wharf::image::PullOptions;
    /// use wharf::Reference;
    ///
    /// let image = Reference::parse("registry.example.com/team/app:1")?;
    /// let credentials = DockerConfig::load()?.credentials_for(&image).await?;
    /// let spec = ContainerSpec::new(image.to_string());
    /// let pull = PullOptions::new().credentials(credentials);
    /// let app = docker.containers().run_with_pull(&spec, &pull).await?.container;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn run_with_pull(&self, spec: &ContainerSpec, pull: &PullOptions) -> Result<Created> {
        self.run_inner(spec, Some(pull)).await
    }

    async fn run_inner(&self, spec: &ContainerSpec, pull: Option<&PullOptions>) -> Result<Created> {
        let created = match self.create(spec).await {
            Err(e) if is_missing_image(&e) => {
                self.provide_image(spec, e, pull).await?;
                self.create(spec).await?
            }
            created => created?,
        };
        if let Err(e) = created.container.start().await {
            let _ = created
                .container
                .remove_with(&RemoveOptions::new().force(true).volumes(true))
                .await;
            return Err(e);
        }
        Ok(created)
    }

    /// What [`run`](Containers::run) does when the image is missing, before
    /// creating again: pull it with `pull`'s options, or, without them, say
    /// what to do instead.
    async fn provide_image(
        &self,
        spec: &ContainerSpec,
        missing: Error,
        pull: Option<&PullOptions>,
    ) -> Result<()> {
        if let Some(options) = pull {
            let reference = Reference::parse(spec.image().unwrap_or_default())?;
            let mut progress = self.docker.images().pull(&reference, options).await?;
            while progress.try_next().await?.is_some() {}
            return Ok(());
        }
        let image = spec.image().unwrap_or_default();
        let said = missing.message().unwrap_or("no such image").to_owned();
        Err(Error::new(ErrorKind::NotFound)
            .with_detail(format!(
                "the image {image:?} is not on the engine ({said}), and run does not pull: \
                 pull it first (`Images::pull`, `docker pull {image}`) or use `run_with_pull`"
            ))
            .with_message(said)
            .with_source(missing))
    }
}

/// Whether a create failed for want of its image: a `404` whose message
/// names the image (Docker: `No such image: x`; Podman: `no such image: x:
/// image not known`), not another missing object such as a network.
fn is_missing_image(e: &Error) -> bool {
    e.kind() == ErrorKind::NotFound
        && e.message()
            .is_some_and(|m| m.to_ascii_lowercase().contains("no such image"))
}
