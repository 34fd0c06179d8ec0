//! Disk usage: [`Docker::df`] and [`Docker::df_with`].

use wharf_api::types::{SystemDataUsageResponse, SystemDataUsageTypeItem};

use crate::error::Result;
use crate::{Docker, Timeout};

/// Which kinds of object [`Docker::df_with`] reports.
///
/// ```
/// use wharf::api::types::SystemDataUsageTypeItem as Kind;
///
/// let options = wharf::system::DfOptions::new().kind(Kind::Image).kind(Kind::Volume);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct DfOptions {
    kinds: Vec<SystemDataUsageTypeItem>,
}

impl DfOptions {
    /// Every kind: containers, images, volumes, build cache.
    ///
    /// ```
    /// let options = wharf::system::DfOptions::new();
    /// ```
    pub fn new() -> DfOptions {
        DfOptions::default()
    }

    /// Only this kind (and the others given): the `type` parameter, API 1.42 and later
    /// (refused before sending to an older API version). Computing volume sizes walks
    /// every volume, so asking for fewer kinds is faster.
    ///
    /// ```
    /// use wharf::api::types::SystemDataUsageTypeItem as Kind;
    ///
    /// let options = wharf::system::DfOptions::new().kind(Kind::BuildCache);
    /// ```
    pub fn kind(mut self, kind: SystemDataUsageTypeItem) -> DfOptions {
        if !self.kinds.contains(&kind) {
            self.kinds.push(kind);
        }
        self
    }
}

impl Docker {
    /// The disk space images, containers, volumes and the build cache take
    /// (`GET /system/df`), each with its size and how many containers use it.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let df = docker.df().await?;
    /// for v in &df.volumes {
    ///     let size = v.usage_data.as_ref().map(|u| u.size);
    ///     println!("{} {:?}", v.name, size);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn df(&self) -> Result<SystemDataUsageResponse> {
        self.df_with(&DfOptions::new()).await
    }

    /// [`df`](Docker::df) for some kinds of object only.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::api::types::SystemDataUsageTypeItem as Kind;
    /// use wharf::system::DfOptions;
    ///
    /// let images = docker.df_with(&DfOptions::new().kind(Kind::Image)).await?.images;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn df_with(&self, options: &DfOptions) -> Result<SystemDataUsageResponse> {
        let api = self.generated().await?;
        let kinds = (!options.kinds.is_empty()).then_some(&options.kinds);
        // sizes are computed on the spot: it can take a while on a full engine
        self.call(Timeout::Default, api.system_data_usage(kinds))
            .await
    }
}
