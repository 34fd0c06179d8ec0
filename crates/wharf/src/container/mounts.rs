//! Typed mounts: [`Bind`], the CLI's `-v SOURCE:TARGET[:OPTIONS]` as a
//! value, and [`Mount`], the structured `--mount` (bind, volume, tmpfs with
//! their options), for [`HostSpec::bind`](super::HostSpec::bind) and
//! [`HostSpec::mount`](super::HostSpec::mount).

use std::fmt;

use wharf_api::types::{
    self, MountBindOptions, MountBindOptionsPropagation, MountTmpfsOptions, MountType,
    MountVolumeOptions, MountVolumeOptionsDriverConfig,
};

use crate::units::MemorySize;

/// A bind of a host path (or a named volume) into the container, in the
/// form `docker run -v` takes: `SOURCE:TARGET[:OPTIONS]`. It converts into
/// that string, so [`HostSpec::bind`](super::HostSpec::bind) takes it as it
/// takes the string form.
///
/// ```
/// use wharf::container::{Bind, HostSpec};
///
/// let data = Bind::new("/srv/data", "/data").read_only().option("z");
/// assert_eq!(data.to_string(), "/srv/data:/data:ro,z");
/// let host = HostSpec::new().bind(data).bind(Bind::new("cache", "/var/cache")).build()?;
/// assert_eq!(host.binds, ["/srv/data:/data:ro,z", "cache:/var/cache"]);
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct Bind {
    source: String,
    target: String,
    options: Vec<String>,
}

impl Bind {
    /// Binds `source` (an absolute host path, or a volume name) at `target`
    /// in the container, read-write.
    ///
    /// ```
    /// let bind = wharf::container::Bind::new("/var/run/docker.sock", "/var/run/docker.sock");
    /// ```
    pub fn new(source: impl Into<String>, target: impl Into<String>) -> Bind {
        Bind {
            source: source.into(),
            target: target.into(),
            options: Vec::new(),
        }
    }

    /// Read-only (`ro`).
    ///
    /// ```
    /// let bind = wharf::container::Bind::new("/etc/app", "/config").read_only();
    /// assert_eq!(bind.to_string(), "/etc/app:/config:ro");
    /// ```
    pub fn read_only(self) -> Bind {
        self.option("ro")
    }

    /// Another option of the `-v` form: `z` or `Z` (SELinux relabelling),
    /// a propagation (`rshared`, `rslave`, ...), `nocopy`.
    ///
    /// ```
    /// let bind = wharf::container::Bind::new("/srv", "/srv").option("rslave");
    /// assert_eq!(bind.to_string(), "/srv:/srv:rslave");
    /// ```
    pub fn option(mut self, option: impl Into<String>) -> Bind {
        self.options.push(option.into());
        self
    }
}

impl fmt::Display for Bind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.source, self.target)?;
        if !self.options.is_empty() {
            write!(f, ":{}", self.options.join(","))?;
        }
        Ok(())
    }
}

impl From<Bind> for String {
    fn from(bind: Bind) -> String {
        bind.to_string()
    }
}

/// A structured mount (`docker run --mount`): a bind, a volume or a tmpfs,
/// with the options of each. [`HostSpec::mount`](super::HostSpec::mount)
/// takes it (or the generated [`types::Mount`]).
///
/// ```
/// use wharf::container::{HostSpec, Mount};
///
/// let host = HostSpec::new()
///     .mount(Mount::bind("/srv/site", "/usr/share/nginx/html").read_only(true))
///     .mount(Mount::volume("pgdata", "/var/lib/postgresql/data").no_copy(true))
///     .mount(Mount::tmpfs("/run").size("64m").mode(0o1777))
///     .build()?;
/// assert_eq!(host.mounts.len(), 3);
/// assert_eq!(host.mounts[2].tmpfs_options.as_ref().unwrap().size_bytes, Some(64 << 20));
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Mount {
    mount: types::Mount,
    pub(super) error: Option<String>,
}

impl Mount {
    fn of(type_: MountType, source: Option<String>, target: String) -> Mount {
        Mount {
            mount: types::Mount {
                type_: Some(type_),
                source,
                target: Some(target),
                ..types::Mount::default()
            },
            error: None,
        }
    }

    /// Binds the host path `source` at `target`.
    ///
    /// ```
    /// let m = wharf::container::Mount::bind("/srv", "/srv");
    /// ```
    pub fn bind(source: impl Into<String>, target: impl Into<String>) -> Mount {
        Mount::of(MountType::Bind, Some(source.into()), target.into())
    }

    /// Mounts the volume `name` at `target` (created if it does not exist).
    ///
    /// ```
    /// let m = wharf::container::Mount::volume("data", "/data");
    /// ```
    pub fn volume(name: impl Into<String>, target: impl Into<String>) -> Mount {
        Mount::of(MountType::Volume, Some(name.into()), target.into())
    }

    /// Mounts a new anonymous volume at `target`.
    ///
    /// ```
    /// let m = wharf::container::Mount::anonymous_volume("/cache");
    /// ```
    pub fn anonymous_volume(target: impl Into<String>) -> Mount {
        Mount::of(MountType::Volume, None, target.into())
    }

    /// Mounts a tmpfs (memory-backed) at `target`.
    ///
    /// ```
    /// let m = wharf::container::Mount::tmpfs("/tmp");
    /// ```
    pub fn tmpfs(target: impl Into<String>) -> Mount {
        Mount::of(MountType::Tmpfs, None, target.into())
    }

    /// Mounts read-only.
    ///
    /// ```
    /// let m = wharf::container::Mount::bind("/etc/app", "/config").read_only(true);
    /// ```
    pub fn read_only(mut self, read_only: bool) -> Mount {
        self.mount.read_only = Some(read_only);
        self
    }

    fn bind_options(&mut self) -> &mut MountBindOptions {
        self.mount.bind_options.get_or_insert_with(Default::default)
    }

    fn volume_options(&mut self) -> &mut MountVolumeOptions {
        self.mount
            .volume_options
            .get_or_insert_with(Default::default)
    }

    fn tmpfs_options(&mut self) -> &mut MountTmpfsOptions {
        self.mount
            .tmpfs_options
            .get_or_insert_with(Default::default)
    }

    /// A bind's propagation (`rprivate` by default).
    ///
    /// ```
    /// use wharf::api::types::MountBindOptionsPropagation;
    ///
    /// let m = wharf::container::Mount::bind("/mnt", "/mnt").propagation(MountBindOptionsPropagation::Rslave);
    /// ```
    pub fn propagation(mut self, propagation: MountBindOptionsPropagation) -> Mount {
        self.bind_options().propagation = Some(propagation);
        self
    }

    /// A bind that does not include the mounts below `source`.
    ///
    /// ```
    /// let m = wharf::container::Mount::bind("/mnt", "/mnt").non_recursive(true);
    /// ```
    pub fn non_recursive(mut self, non_recursive: bool) -> Mount {
        self.bind_options().non_recursive = Some(non_recursive);
        self
    }

    /// A bind whose host path is created when missing (API 1.44 and later;
    /// otherwise a missing host path is an error).
    ///
    /// ```
    /// let m = wharf::container::Mount::bind("/srv/new", "/new").create_mountpoint(true);
    /// ```
    pub fn create_mountpoint(mut self, create: bool) -> Mount {
        self.bind_options().create_mountpoint = Some(create);
        self
    }

    /// A volume that is not filled with the image's files at `target`.
    ///
    /// ```
    /// let m = wharf::container::Mount::volume("data", "/data").no_copy(true);
    /// ```
    pub fn no_copy(mut self, no_copy: bool) -> Mount {
        self.volume_options().no_copy = Some(no_copy);
        self
    }

    /// A label of the volume, if the mount creates it.
    ///
    /// ```
    /// let m = wharf::container::Mount::volume("data", "/data").label("app", "db");
    /// ```
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Mount {
        self.volume_options()
            .labels
            .insert(key.into(), value.into());
        self
    }

    /// The volume driver (and its options), if the mount creates the volume.
    ///
    /// ```
    /// let m = wharf::container::Mount::volume("data", "/data").driver("local", [("type", "tmpfs")]);
    /// ```
    pub fn driver<I, K, V>(mut self, name: impl Into<String>, options: I) -> Mount
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.volume_options().driver_config = Some(MountVolumeOptionsDriverConfig {
            name: Some(name.into()),
            options: options
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        });
        self
    }

    /// Mounts this path inside the volume instead of its root (API 1.45 and
    /// later).
    ///
    /// ```
    /// let m = wharf::container::Mount::volume("data", "/logs").subpath("logs");
    /// ```
    pub fn subpath(mut self, subpath: impl Into<String>) -> Mount {
        self.volume_options().subpath = Some(subpath.into());
        self
    }

    /// A tmpfs's size limit, with units (`"64m"`). A size that does not
    /// parse makes the host spec's [`build`](super::HostSpec::build) fail.
    ///
    /// ```
    /// let m = wharf::container::Mount::tmpfs("/tmp").size("100m");
    /// ```
    pub fn size(mut self, size: &str) -> Mount {
        match MemorySize::parse(size).map(|s| s.as_i64()) {
            Ok(Some(bytes)) => self.tmpfs_options().size_bytes = Some(bytes),
            Ok(None) => {
                let e = format!("the tmpfs size {size:?} is too large");
                self.error.get_or_insert(e);
            }
            Err(e) => {
                let e = format!("the tmpfs size: {e}");
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// A tmpfs's permission bits (`0o1777`; written in octal here, sent as
    /// the number the API takes).
    ///
    /// ```
    /// let m = wharf::container::Mount::tmpfs("/tmp").mode(0o1777);
    /// ```
    pub fn mode(mut self, mode: u32) -> Mount {
        self.tmpfs_options().mode = Some(mode.into());
        self
    }

    /// The generated mount, for what the builder does not cover.
    ///
    /// ```
    /// let m = wharf::container::Mount::bind("/a", "/b").with_mount(|m| m.consistency = Some("cached".into()));
    /// ```
    pub fn with_mount(mut self, change: impl FnOnce(&mut types::Mount)) -> Mount {
        change(&mut self.mount);
        self
    }

    pub(super) fn into_inner(self) -> types::Mount {
        self.mount
    }
}

impl From<types::Mount> for Mount {
    fn from(mount: types::Mount) -> Mount {
        Mount { mount, error: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::HostSpec;
    use serde_json::json;

    #[test]
    fn mounts_encode_as_the_api_reads_them() {
        let host = HostSpec::new()
            .mount(
                Mount::bind("/a", "/b")
                    .read_only(true)
                    .propagation(MountBindOptionsPropagation::Rshared),
            )
            .mount(Mount::volume("v", "/v").no_copy(true).label("k", "x"))
            .mount(Mount::anonymous_volume("/anon"))
            .mount(Mount::tmpfs("/t").size("1m").mode(0o700))
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(&host.mounts).unwrap(),
            json!([
                {"Type": "bind", "Source": "/a", "Target": "/b", "ReadOnly": true,
                 "BindOptions": {"Propagation": "rshared"}},
                {"Type": "volume", "Source": "v", "Target": "/v",
                 "VolumeOptions": {"NoCopy": true, "Labels": {"k": "x"}}},
                {"Type": "volume", "Target": "/anon"},
                {"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"SizeBytes": 1048576, "Mode": 448}}
            ])
        );
        let e = HostSpec::new()
            .mount(Mount::tmpfs("/t").size("huge"))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("tmpfs size"), "{e}");
    }

    #[test]
    fn binds_print_the_cli_form() {
        assert_eq!(Bind::new("/a", "/b").to_string(), "/a:/b");
        let b = Bind::new("/a", "/b").read_only().option("Z");
        assert_eq!(String::from(b), "/a:/b:ro,Z");
    }
}
