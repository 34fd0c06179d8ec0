//! Listing and pruning volumes.

use wharf_api::types::{VolumeListResponse, VolumePruneResponse};

use super::Volumes;
use crate::error::Result;
use crate::filters::Filters;
use crate::version::ApiVersion;
use crate::Timeout;

/// What to prune, for [`Volumes::prune`].
///
/// ```
/// use wharf::{volume::PruneOptions, Filters};
///
/// let options = PruneOptions::new().all(true).filters(Filters::new().label("app=demo"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct PruneOptions {
    all: bool,
    filters: Filters,
}

/// The API version from which a volume prune spares named volumes unless told `all`
/// (moby api/docs/CHANGELOG.md, v1.42: "`POST /volumes/prune` will now only prune
/// "anonymous" volumes ... A new filter parameter `all` can be set").
const NAMED_SPARED_SINCE: ApiVersion = ApiVersion::new(1, 42);

impl PruneOptions {
    /// Unused anonymous volumes (API 1.42 and later; before, the engine prunes named ones
    /// too, as `docker volume prune` does there).
    ///
    /// ```
    /// let options = wharf::volume::PruneOptions::new();
    /// ```
    pub fn new() -> PruneOptions {
        PruneOptions::default()
    }

    /// Also unused named volumes (the `all` filter; what engines before API 1.42 always
    /// do, so it is not sent to them).
    ///
    /// ```
    /// let options = wharf::volume::PruneOptions::new().all(true);
    /// ```
    pub fn all(mut self, all: bool) -> PruneOptions {
        self.all = all;
        self
    }

    /// Only volumes matching these filters (`label`, `label!`).
    ///
    /// ```
    /// use wharf::{volume::PruneOptions, Filters};
    ///
    /// let options = PruneOptions::new().filters(Filters::new().label_not("keep"));
    /// ```
    pub fn filters(mut self, filters: Filters) -> PruneOptions {
        self.filters = filters;
        self
    }

    /// The `filters` query at `version`.
    pub(crate) fn query(&self, version: ApiVersion) -> Option<String> {
        let mut filters = self.filters.clone();
        if self.all && version >= NAMED_SPARED_SINCE {
            filters = filters.add("all", "true");
        }
        filters.query()
    }
}

impl Volumes {
    /// Lists volumes (`GET /volumes`) matching `filters` (`dangling`, `driver`, `label`,
    /// `name`; empty: all), with the engine's warnings.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::Filters;
    ///
    /// let unused = docker.volumes().list(&Filters::new().add("dangling", "true")).await?;
    /// for v in &unused.volumes {
    ///     println!("{} ({})", v.name, v.driver);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, filters: &Filters) -> Result<VolumeListResponse> {
        let api = self.docker.generated().await?;
        let filters = filters.query();
        self.docker
            .call(Timeout::Default, api.volume_list(filters.as_deref()))
            .await
    }

    /// Removes unused volumes (`POST /volumes/prune`) and reports which went and the
    /// space freed.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::{volume::PruneOptions, Filters};
    ///
    /// let options = PruneOptions::new().all(true).filters(Filters::new().label("app=demo"));
    /// let pruned = docker.volumes().prune(&options).await?;
    /// println!("{:?}, {:?} bytes", pruned.volumes_deleted, pruned.space_reclaimed);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn prune(&self, options: &PruneOptions) -> Result<VolumePruneResponse> {
        let version = self.docker.api_version().await?;
        let api = self.docker.generated().await?;
        let filters = options.query(version);
        self.docker
            .call(Timeout::Default, api.volume_prune(filters.as_deref()))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_sent_where_named_volumes_are_spared() {
        let o = PruneOptions::new()
            .all(true)
            .filters(Filters::new().label("a=b"));
        assert_eq!(
            o.query(ApiVersion::new(1, 42)).as_deref(),
            Some(r#"{"all":["true"],"label":["a=b"]}"#)
        );
        assert_eq!(
            o.query(ApiVersion::new(1, 41)).as_deref(),
            Some(r#"{"label":["a=b"]}"#)
        );
        assert_eq!(PruneOptions::new().query(ApiVersion::new(1, 51)), None);
    }
}
