//! Listing, pruning and searching images.

use wharf_api::types::{ImagePruneResponse, ImageSearchResponseItem, ImageSummary};

use super::Images;
use crate::error::Result;
use crate::filters::Filters;
use crate::Timeout;

/// What to list, for [`Images::list`].
///
/// ```
/// use wharf::{image::ListOptions, Filters};
///
/// let options = ListOptions::new()
///     .all(true)
///     .digests(true)
///     .shared_size(true)
///     .manifests(true)
///     .filters(Filters::new().label("app=web").add("dangling", "false"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct ListOptions {
    all: bool,
    digests: bool,
    shared_size: bool,
    manifests: bool,
    filters: Filters,
}

impl ListOptions {
    /// Top-level images, no extras, no filters (`docker images`).
    ///
    /// ```
    /// let options = wharf::image::ListOptions::new();
    /// ```
    pub fn new() -> ListOptions {
        ListOptions::default()
    }

    /// Also intermediate images (`docker images -a`).
    ///
    /// ```
    /// let options = wharf::image::ListOptions::new().all(true);
    /// ```
    pub fn all(mut self, all: bool) -> ListOptions {
        self.all = all;
        self
    }

    /// Fill in `RepoDigests` (`docker images --digests`).
    ///
    /// ```
    /// let options = wharf::image::ListOptions::new().digests(true);
    /// ```
    pub fn digests(mut self, digests: bool) -> ListOptions {
        self.digests = digests;
        self
    }

    /// Compute `SharedSize`, the bytes shared with other images (slower).
    ///
    /// ```
    /// let options = wharf::image::ListOptions::new().shared_size(true);
    /// ```
    pub fn shared_size(mut self, shared_size: bool) -> ListOptions {
        self.shared_size = shared_size;
        self
    }

    /// Fill in `Manifests` (API 1.47 and later; older engines ignore it).
    ///
    /// ```
    /// let options = wharf::image::ListOptions::new().manifests(true);
    /// ```
    pub fn manifests(mut self, manifests: bool) -> ListOptions {
        self.manifests = manifests;
        self
    }

    /// Only images matching these filters (`before`, `dangling`, `label`,
    /// `reference`, `since`, `until`).
    ///
    /// ```
    /// use wharf::{image::ListOptions, Filters};
    ///
    /// let options = ListOptions::new().filters(Filters::new().add("reference", "busybox:*"));
    /// ```
    pub fn filters(mut self, filters: Filters) -> ListOptions {
        self.filters = filters;
        self
    }
}

/// How to search Docker Hub, for [`Images::search`].
///
/// ```
/// use wharf::{image::SearchOptions, Filters};
///
/// let options = SearchOptions::new().limit(5).filters(Filters::new().add("is-official", "true"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct SearchOptions {
    limit: Option<u32>,
    filters: Filters,
}

impl SearchOptions {
    /// The registry's default number of results (25), no filters.
    ///
    /// ```
    /// let options = wharf::image::SearchOptions::new();
    /// ```
    pub fn new() -> SearchOptions {
        SearchOptions::default()
    }

    /// At most `n` results.
    ///
    /// ```
    /// let options = wharf::image::SearchOptions::new().limit(10);
    /// ```
    pub fn limit(mut self, n: u32) -> SearchOptions {
        self.limit = Some(n);
        self
    }

    /// Only results matching these filters (`is-official`, `stars`).
    ///
    /// ```
    /// use wharf::{image::SearchOptions, Filters};
    ///
    /// let options = SearchOptions::new().filters(Filters::new().add("stars", "100"));
    /// ```
    pub fn filters(mut self, filters: Filters) -> SearchOptions {
        self.filters = filters;
        self
    }
}

impl Images {
    /// Lists images (`GET /images/json`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::image::ListOptions;
    ///
    /// for image in docker.images().list(&ListOptions::new().digests(true)).await? {
    ///     println!("{} {:?} {:?}", image.id, image.repo_tags, image.repo_digests);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, options: &ListOptions) -> Result<Vec<ImageSummary>> {
        let api = self.docker.generated().await?;
        let filters = options.filters.query();
        let call = api.image_list(
            options.all.then_some(true),
            options.digests.then_some(true),
            filters.as_deref(),
            options.manifests.then_some(true),
            options.shared_size.then_some(true),
        );
        self.docker.call(Timeout::Default, call).await
    }

    /// Removes unused images matching `filters` and reports what went
    /// (`POST /images/prune`). With no `dangling` filter only dangling
    /// (untagged) images go; `dangling=false` takes every image no
    /// container uses. `until` and `label` / `label!` narrow it. Filter on
    /// a label of your own when other people share the engine.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::Filters;
    ///
    /// let filters = Filters::new().add("dangling", "false").label("stage=tmp").until("24h");
    /// let pruned = docker.images().prune(&filters).await?;
    /// println!("{} deleted, {:?} bytes", pruned.images_deleted.len(), pruned.space_reclaimed);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn prune(&self, filters: &Filters) -> Result<ImagePruneResponse> {
        let api = self.docker.generated().await?;
        let filters = filters.query();
        let call = api.image_prune(filters.as_deref());
        self.docker.call(Timeout::Default, call).await
    }

    /// Searches Docker Hub (`GET /images/search`, `docker search`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::image::SearchOptions;
    ///
    /// for hit in docker.images().search("nginx", &SearchOptions::new().limit(3)).await? {
    ///     println!("{:?} {:?}", hit.name, hit.star_count);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn search(
        &self,
        term: &str,
        options: &SearchOptions,
    ) -> Result<Vec<ImageSearchResponseItem>> {
        let api = self.docker.generated().await?;
        let filters = options.filters.query();
        let call = api.image_search(filters.as_deref(), options.limit.map(i64::from), term);
        self.docker.call(Timeout::Default, call).await
    }
}
