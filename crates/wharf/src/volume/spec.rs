//! What a volume is created with: [`VolumeSpec`].

use wharf_api::types::VolumeCreateOptions;

/// A volume to create, for [`Volumes::create`](super::Volumes::create): the generated
/// [`VolumeCreateOptions`] with setters for what users set.
///
/// ```
/// use wharf::volume::VolumeSpec;
///
/// let spec = VolumeSpec::new()
///     .name("data")
///     .driver("local")
///     .driver_option("type", "tmpfs")
///     .driver_option("device", "tmpfs")
///     .label("app", "demo");
/// let body = spec.build();
/// assert_eq!(body.name.as_deref(), Some("data"));
/// assert_eq!(body.driver_opts["type"], "tmpfs");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct VolumeSpec {
    body: VolumeCreateOptions,
}

impl VolumeSpec {
    /// An anonymous volume (the engine names it) of the default driver, `local`.
    ///
    /// ```
    /// let spec = wharf::volume::VolumeSpec::new();
    /// ```
    pub fn new() -> VolumeSpec {
        VolumeSpec::default()
    }

    /// The volume's name.
    ///
    /// ```
    /// let spec = wharf::volume::VolumeSpec::new().name("data");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> VolumeSpec {
        self.body.name = Some(name.into());
        self
    }

    /// The volume driver (`local`, or a plugin).
    ///
    /// ```
    /// let spec = wharf::volume::VolumeSpec::new().driver("local");
    /// ```
    pub fn driver(mut self, driver: impl Into<String>) -> VolumeSpec {
        self.body.driver = Some(driver.into());
        self
    }

    /// A driver option (for `local`: `type`, `device`, `o`, as `mount(8)` takes them).
    ///
    /// ```
    /// let spec = wharf::volume::VolumeSpec::new().driver_option("o", "size=64m");
    /// ```
    pub fn driver_option(mut self, key: impl Into<String>, value: impl Into<String>) -> VolumeSpec {
        self.body.driver_opts.insert(key.into(), value.into());
        self
    }

    /// A label.
    ///
    /// ```
    /// let spec = wharf::volume::VolumeSpec::new().label("app", "web");
    /// ```
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> VolumeSpec {
        self.body.labels.insert(key.into(), value.into());
        self
    }

    /// Several labels.
    ///
    /// ```
    /// let spec = wharf::volume::VolumeSpec::new().labels([("app", "web"), ("tier", "db")]);
    /// ```
    pub fn labels<K: Into<String>, V: Into<String>>(
        mut self,
        labels: impl IntoIterator<Item = (K, V)>,
    ) -> VolumeSpec {
        self.body
            .labels
            .extend(labels.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The request body, as sent.
    ///
    /// ```
    /// let body = wharf::volume::VolumeSpec::new().name("data").build();
    /// assert_eq!(body.name.as_deref(), Some("data"));
    /// ```
    pub fn build(&self) -> VolumeCreateOptions {
        self.body.clone()
    }
}

impl From<VolumeCreateOptions> for VolumeSpec {
    /// A spec from a generated body, for settings without a setter (`ClusterVolumeSpec`).
    ///
    /// ```
    /// let body = wharf::api::types::VolumeCreateOptions::default();
    /// let spec = wharf::volume::VolumeSpec::from(body);
    /// ```
    fn from(body: VolumeCreateOptions) -> VolumeSpec {
        VolumeSpec { body }
    }
}
