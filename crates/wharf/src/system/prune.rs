//! `docker system prune`: [`Docker::system_prune`], one prune operation per kind of
//! object, and what each reclaimed ([`SystemPruned`]).

use wharf_api::types::{
    BuildPruneResponse, ContainerPruneResponse, ImagePruneResponse, NetworkPruneResponse,
    VolumePruneResponse,
};

use crate::error::Result;
use crate::filters::Filters;
use crate::volume::PruneOptions;
use crate::{Docker, Timeout};

/// What [`Docker::system_prune`] removes.
///
/// ```
/// use wharf::{system::SystemPruneOptions, Filters};
///
/// // `docker system prune --all --volumes --filter label=app=demo`
/// let options = SystemPruneOptions::new()
///     .filters(Filters::new().label("app=demo"))
///     .all_images(true)
///     .volumes(true)
///     .build_cache(true);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct SystemPruneOptions {
    filters: Filters,
    all_images: bool,
    volumes: bool,
    build_cache: bool,
}

impl SystemPruneOptions {
    /// Stopped containers, unused networks and dangling images, whatever their labels.
    ///
    /// ```
    /// let options = wharf::system::SystemPruneOptions::new();
    /// ```
    pub fn new() -> SystemPruneOptions {
        SystemPruneOptions::default()
    }

    /// Only objects matching these filters (`label`, `label!`, `until`), given to each
    /// prune operation. Volumes take no `until`: with one, a volume prune is refused by
    /// the engine.
    ///
    /// ```
    /// use wharf::{system::SystemPruneOptions, Filters};
    ///
    /// let options = SystemPruneOptions::new().filters(Filters::new().until("24h"));
    /// ```
    pub fn filters(mut self, filters: Filters) -> SystemPruneOptions {
        self.filters = filters;
        self
    }

    /// Every image no container uses, not only dangling ones (`--all`).
    ///
    /// ```
    /// let options = wharf::system::SystemPruneOptions::new().all_images(true);
    /// ```
    pub fn all_images(mut self, all: bool) -> SystemPruneOptions {
        self.all_images = all;
        self
    }

    /// Also unused anonymous volumes (`--volumes`; on API versions before 1.42, the engine
    /// takes named ones too).
    ///
    /// ```
    /// let options = wharf::system::SystemPruneOptions::new().volumes(true);
    /// ```
    pub fn volumes(mut self, volumes: bool) -> SystemPruneOptions {
        self.volumes = volumes;
        self
    }

    /// Also the build cache (all of it with [`all_images`](Self::all_images), else what
    /// no image refers to).
    ///
    /// ```
    /// let options = wharf::system::SystemPruneOptions::new().build_cache(true);
    /// ```
    pub fn build_cache(mut self, build_cache: bool) -> SystemPruneOptions {
        self.build_cache = build_cache;
        self
    }
}

/// What a [`Docker::system_prune`] removed, step by step.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// let pruned = docker.system_prune(&Default::default()).await?;
/// println!(
///     "{} containers, {} networks, {} images; {} bytes",
///     pruned.containers.containers_deleted.len(),
///     pruned.networks.networks_deleted.len(),
///     pruned.images.images_deleted.len(),
///     pruned.space_reclaimed()
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SystemPruned {
    /// The containers step.
    pub containers: ContainerPruneResponse,
    /// The networks step.
    pub networks: NetworkPruneResponse,
    /// The volumes step, if asked for.
    pub volumes: Option<VolumePruneResponse>,
    /// The images step.
    pub images: ImagePruneResponse,
    /// The build cache step, if asked for.
    pub build_cache: Option<BuildPruneResponse>,
}

impl SystemPruned {
    /// The bytes freed, all steps together.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// println!("{}", docker.system_prune(&Default::default()).await?.space_reclaimed());
    /// # Ok(())
    /// # }
    /// ```
    pub fn space_reclaimed(&self) -> u64 {
        [
            self.containers.space_reclaimed,
            self.volumes.as_ref().and_then(|v| v.space_reclaimed),
            self.images.space_reclaimed,
            self.build_cache.as_ref().and_then(|b| b.space_reclaimed),
        ]
        .into_iter()
        .flatten()
        .map(|n| u64::try_from(n).unwrap_or(0))
        .sum()
    }
}

impl Docker {
    /// Removes what `docker system prune` removes, in its order: stopped containers,
    /// unused networks, (optionally) unused volumes, dangling (or all unused) images,
    /// (optionally) the build cache; each step a prune operation with `options`' filters.
    /// A step that fails ends the prune with its error; the steps before it are done.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::{system::SystemPruneOptions, Filters};
    ///
    /// let only_ci = SystemPruneOptions::new().filters(Filters::new().label("ci")).volumes(true);
    /// let pruned = docker.system_prune(&only_ci).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn system_prune(&self, options: &SystemPruneOptions) -> Result<SystemPruned> {
        let containers = self.containers().prune(&options.filters).await?;
        let networks = self.networks().prune(&options.filters).await?;
        let volumes = match options.volumes {
            true => {
                let volumes = PruneOptions::new().filters(options.filters.clone());
                Some(self.volumes().prune(&volumes).await?)
            }
            false => None,
        };
        let api = self.generated().await?;
        let dangling = if options.all_images { "false" } else { "true" };
        let image_filters = options.filters.clone().add("dangling", dangling).query();
        let images = self
            .call(Timeout::Default, api.image_prune(image_filters.as_deref()))
            .await?;
        let build_cache = match options.build_cache {
            true => {
                let filters = options.filters.query();
                let call = api.build_prune(
                    options.all_images.then_some(true),
                    filters.as_deref(),
                    None,
                    None,
                    None,
                    None,
                );
                Some(self.call(Timeout::Default, call).await?)
            }
            false => None,
        };
        Ok(SystemPruned {
            containers,
            networks,
            volumes,
            images,
            build_cache,
        })
    }
}
