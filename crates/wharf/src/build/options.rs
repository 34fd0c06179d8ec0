//! What to build and how: [`BuildOptions`], and their form as the
//! generated `image_build` operation's arguments.

use std::collections::BTreeMap;

use wharf_api::types::ImageBuildVersion;

use crate::client::ApiResult;
use crate::error::{Error, Result};

/// Which of the daemon's builders runs the build (`version`).
///
/// ```
/// use wharf::build::{Builder, BuildOptions};
///
/// let options = BuildOptions::new().builder(Builder::Classic);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Builder {
    /// The classic builder (`version=1`), which every engine serves.
    #[default]
    Classic,
    /// BuildKit (`version=2`). It fetches the context and secrets over a
    /// `/session` connection (HTTP/2 over an upgraded connection), which
    /// wharf does not serve yet: asking for it is an
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
    /// error before anything is sent, never a silent classic build.
    BuildKit,
}

/// The parameters of a build (`docker build`'s flags), for
/// [`Docker::build`](crate::Docker::build).
///
/// ```
/// use wharf::build::BuildOptions;
///
/// let options = BuildOptions::new()
///     .tag("app:1.2")
///     .tag("app:latest")
///     .build_arg("VERSION", "1.2")
///     .label("org.opencontainers.image.source", "https://example.com/app")
///     .target("runtime")
///     .no_cache(true);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct BuildOptions {
    tags: Vec<String>,
    build_args: BTreeMap<String, String>,
    labels: BTreeMap<String, String>,
    target: Option<String>,
    platform: Option<String>,
    no_cache: bool,
    pull: bool,
    quiet: bool,
    remove: bool,
    force_remove: bool,
    network_mode: Option<String>,
    extra_hosts: Vec<String>,
    cache_from: Vec<String>,
    shm_size: Option<i64>,
    memory: Option<i64>,
    memory_swap: Option<i64>,
    builder: Builder,
}

impl Default for BuildOptions {
    fn default() -> BuildOptions {
        BuildOptions {
            tags: Vec::new(),
            build_args: BTreeMap::new(),
            labels: BTreeMap::new(),
            target: None,
            platform: None,
            no_cache: false,
            pull: false,
            quiet: false,
            // `docker build --rm` is on by default.
            remove: true,
            force_remove: false,
            network_mode: None,
            extra_hosts: Vec::new(),
            cache_from: Vec::new(),
            shm_size: None,
            memory: None,
            memory_swap: None,
            builder: Builder::Classic,
        }
    }
}

impl BuildOptions {
    /// The defaults of `docker build` with the classic builder: no tag,
    /// intermediate containers removed after a successful build.
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new();
    /// ```
    pub fn new() -> BuildOptions {
        BuildOptions::default()
    }

    /// Names the image `name:tag` (`-t`); may be given several times.
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().tag("app:dev").tag("registry:5000/app:dev");
    /// ```
    pub fn tag(mut self, tag: impl Into<String>) -> BuildOptions {
        self.tags.push(tag.into());
        self
    }

    /// A build-time variable for an `ARG` (`--build-arg NAME=value`).
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().build_arg("HTTP_PROXY", "http://proxy:3128");
    /// ```
    pub fn build_arg(mut self, name: impl Into<String>, value: impl Into<String>) -> BuildOptions {
        self.build_args.insert(name.into(), value.into());
        self
    }

    /// A label on the image (`--label`).
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().label("team", "core");
    /// ```
    pub fn label(mut self, name: impl Into<String>, value: impl Into<String>) -> BuildOptions {
        self.labels.insert(name.into(), value.into());
        self
    }

    /// The stage of a multi-stage Dockerfile to build (`--target`).
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().target("test");
    /// ```
    pub fn target(mut self, stage: impl Into<String>) -> BuildOptions {
        self.target = Some(stage.into());
        self
    }

    /// The platform to build for, `os[/arch[/variant]]` (`--platform`).
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().platform("linux/arm64");
    /// ```
    pub fn platform(mut self, platform: impl Into<String>) -> BuildOptions {
        self.platform = Some(platform.into());
        self
    }

    /// Build every step afresh (`--no-cache`).
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().no_cache(true);
    /// ```
    pub fn no_cache(mut self, on: bool) -> BuildOptions {
        self.no_cache = on;
        self
    }

    /// Pull newer versions of the base images (`--pull`).
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().pull(true);
    /// ```
    pub fn pull(mut self, on: bool) -> BuildOptions {
        self.pull = on;
        self
    }

    /// Report only the image id (`-q`).
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().quiet(true);
    /// ```
    pub fn quiet(mut self, on: bool) -> BuildOptions {
        self.quiet = on;
        self
    }

    /// Remove intermediate containers after a successful build (`--rm`,
    /// on by default).
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().remove_intermediate(false);
    /// ```
    pub fn remove_intermediate(mut self, on: bool) -> BuildOptions {
        self.remove = on;
        self
    }

    /// Remove intermediate containers even when the build fails
    /// (`--force-rm`).
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().force_remove_intermediate(true);
    /// ```
    pub fn force_remove_intermediate(mut self, on: bool) -> BuildOptions {
        self.force_remove = on;
        self
    }

    /// The network of `RUN` steps: `bridge`, `host`, `none`,
    /// `container:<name>` or a network's name (`--network`).
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().network_mode("host");
    /// ```
    pub fn network_mode(mut self, mode: impl Into<String>) -> BuildOptions {
        self.network_mode = Some(mode.into());
        self
    }

    /// A line for `/etc/hosts` of `RUN` steps, `host:ip` (`--add-host`);
    /// may be given several times.
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().extra_host("db:10.0.0.5");
    /// ```
    pub fn extra_host(mut self, host_ip: impl Into<String>) -> BuildOptions {
        self.extra_hosts.push(host_ip.into());
        self
    }

    /// An image whose layers may serve as cache (`--cache-from`); may be
    /// given several times.
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().cache_from("app:latest");
    /// ```
    pub fn cache_from(mut self, image: impl Into<String>) -> BuildOptions {
        self.cache_from.push(image.into());
        self
    }

    /// The size of `/dev/shm` in `RUN` steps, in bytes (`--shm-size`).
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().shm_size(256 << 20);
    /// ```
    pub fn shm_size(mut self, bytes: i64) -> BuildOptions {
        self.shm_size = Some(bytes);
        self
    }

    /// The memory limit of `RUN` steps, in bytes (`--memory`).
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().memory(512 << 20);
    /// ```
    pub fn memory(mut self, bytes: i64) -> BuildOptions {
        self.memory = Some(bytes);
        self
    }

    /// Memory plus swap of `RUN` steps, in bytes; `-1` for unlimited swap
    /// (`--memory-swap`).
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().memory(512 << 20).memory_swap(1 << 30);
    /// ```
    pub fn memory_swap(mut self, bytes: i64) -> BuildOptions {
        self.memory_swap = Some(bytes);
        self
    }

    /// The builder (`version`); [`Builder::Classic`] unless set.
    ///
    /// ```
    /// let options = wharf::build::BuildOptions::new().builder(wharf::build::Builder::Classic);
    /// ```
    pub fn builder(mut self, builder: Builder) -> BuildOptions {
        self.builder = builder;
        self
    }

    /// Whether the output is the image id alone.
    pub(crate) fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// The options as the operation's arguments, checked.
    pub(crate) fn encode(&self) -> Result<Encoded<'_>> {
        if self.builder == Builder::BuildKit {
            return Err(Error::invalid_argument(
                "BuildKit builds (version=2) need the /session endpoint, which wharf does not \
                 serve yet; use Builder::Classic",
            ));
        }
        let json = |map: &BTreeMap<String, String>| {
            (!map.is_empty()).then(|| serde_json::to_string(map).expect("a map of strings"))
        };
        Ok(Encoded {
            options: self,
            build_args: json(&self.build_args),
            labels: json(&self.labels),
            cache_from: (!self.cache_from.is_empty())
                .then(|| serde_json::to_string(&self.cache_from).expect("a list of strings")),
            // Registry credentials for the base images (`X-Registry-Config`,
            // base64 of {registry: auth}): set by `Docker::build_with_credentials`,
            // passed to the operation in `Encoded::call`.
            registry_config: None,
        })
    }
}

/// [`BuildOptions`] with their JSON-valued parameters encoded.
pub(crate) struct Encoded<'a> {
    options: &'a BuildOptions,
    build_args: Option<String>,
    labels: Option<String>,
    cache_from: Option<String>,
    pub(super) registry_config: Option<String>,
}

impl Encoded<'_> {
    /// `POST /build` with `body` as the context and `dockerfile` its
    /// Dockerfile's name in it.
    pub(crate) async fn call(
        &self,
        api: &wharf_api::Client,
        dockerfile: Option<&str>,
        body: reqwest::Body,
    ) -> ApiResult<wharf_api::ByteStream> {
        let o = self.options;
        let set = |on: bool| on.then_some(true);
        api.image_build(
            self.build_args.as_deref(),
            self.cache_from.as_deref(),
            None, // cpuperiod
            None, // cpuquota
            None, // cpusetcpus
            None, // cpushares
            dockerfile,
            non_empty(&o.extra_hosts),
            set(o.force_remove),
            self.labels.as_deref(),
            o.memory,
            o.memory_swap,
            o.network_mode.as_deref(),
            set(o.no_cache),
            None, // outputs: BuildKit's
            o.platform.as_deref(),
            o.pull.then_some("1"),
            set(o.quiet),
            None, // remote
            Some(o.remove),
            o.shm_size,
            None, // squash: experimental daemons only
            non_empty(&o.tags),
            o.target.as_deref(),
            Some(ImageBuildVersion::X1),
            self.registry_config.as_deref(),
            body,
        )
        .await
    }
}

/// A list parameter, left out when empty.
fn non_empty(items: &Vec<String>) -> Option<&Vec<String>> {
    (!items.is_empty()).then_some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buildkit_is_refused_before_sending() {
        let e = BuildOptions::new()
            .builder(Builder::BuildKit)
            .encode()
            .err()
            .expect("refused");
        assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
        assert!(e.to_string().contains("/session"), "{e}");
    }

    #[test]
    fn maps_and_lists_are_json_and_empty_ones_are_left_out() {
        let options = BuildOptions::new()
            .build_arg("B", "2")
            .build_arg("A", "1 \"quoted\"")
            .cache_from("x:1");
        let encoded = options.encode().unwrap();
        assert_eq!(
            encoded.build_args.as_deref(),
            Some(r#"{"A":"1 \"quoted\"","B":"2"}"#)
        );
        assert_eq!(encoded.cache_from.as_deref(), Some(r#"["x:1"]"#));
        assert_eq!(encoded.labels, None);
        assert_eq!(encoded.registry_config, None);
    }
}
