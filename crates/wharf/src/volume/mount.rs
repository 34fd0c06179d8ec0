//! The mounts of a container spec made from a volume: [`Volume::mount`],
//! [`Volume::mount_read_only`] and [`Volume::bind`].

use wharf_api::types::{Mount, MountType};

use super::Volume;

impl Volume {
    /// This volume mounted read-write at `target`, for
    /// [`HostSpec::mount`](crate::container::HostSpec::mount).
    ///
    /// ```
    /// use wharf::container::HostSpec;
    ///
    /// let docker = wharf::Docker::builder().host("unix:///var/run/docker.sock").build()?;
    /// let host = HostSpec::new().mount(docker.volume("data").mount("/data")).build()?;
    /// assert_eq!(host.mounts[0].source.as_deref(), Some("data"));
    /// assert_eq!(host.mounts[0].type_, Some(wharf::api::types::MountType::Volume));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn mount(&self, target: impl Into<String>) -> Mount {
        Mount {
            type_: Some(MountType::Volume),
            source: Some(self.name.clone()),
            target: Some(target.into()),
            ..Mount::default()
        }
    }

    /// This volume mounted read-only at `target`.
    ///
    /// ```
    /// let docker = wharf::Docker::builder().host("unix:///var/run/docker.sock").build()?;
    /// assert_eq!(docker.volume("data").mount_read_only("/seed").read_only, Some(true));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn mount_read_only(&self, target: impl Into<String>) -> Mount {
        Mount {
            read_only: Some(true),
            ..self.mount(target)
        }
    }

    /// This volume at `target` in the CLI's `-v` form (`data:/data`), for
    /// [`HostSpec::bind`](crate::container::HostSpec::bind).
    ///
    /// ```
    /// let docker = wharf::Docker::builder().host("unix:///var/run/docker.sock").build()?;
    /// assert_eq!(docker.volume("data").bind("/data"), "data:/data");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn bind(&self, target: &str) -> String {
        format!("{}:{target}", self.name)
    }
}
