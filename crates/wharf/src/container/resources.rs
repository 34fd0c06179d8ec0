//! The resources and restart policy of a container: [`Restart`],
//! [`ContainerUpdate`] (the change that
//! [`Container::update`](super::Container::update) sends), and the resource
//! setters [`HostSpec`](super::HostSpec) and [`ContainerUpdate`] share.
//!
//! The generated [`HostConfig`](wharf_api::types::HostConfig) and
//! [`ContainerUpdateBody`] both embed the Engine's `Resources` fields under
//! the same names, so each setter is written once, in [`resource_setters!`],
//! and made an inherent method (with its own docs) of both builders.

use wharf_api::types::{
    ContainerUpdateBody, ContainerUpdateBodyUlimitsItem, RestartPolicy, RestartPolicyName,
};

use crate::error::{Error, Result};
use crate::units::MemorySize;

/// The resource setters of a builder type `$ty` that keeps its body (a
/// generated type with the Engine's `Resources` fields) in the field `$body`,
/// its first mistake in the field `error: Option<String>`, and whose ulimits
/// are of the generated type `$ulimit`.
macro_rules! resource_setters {
    ($ty:ident, $body:ident, $ulimit:ident) => {
        impl $ty {
            /// The memory limit, with units: `"512m"`, `"1.5g"`, `"268435456"`
            /// (see [`MemorySize`](crate::units::MemorySize)). A size that does
            /// not parse makes [`build`](Self::build) (and the call that sends
            /// it) fail with [`InvalidArgument`](crate::ErrorKind::InvalidArgument).
            /// On an update, when the container has a swap limit, the new
            /// memory limit must stay below it: set
            /// [`memory_swap`](Self::memory_swap) too.
            ///
            /// ```
            #[doc = concat!("let built = wharf::container::", stringify!($ty), "::new()")]
            ///     .memory("64m")
            ///     .build()?;
            /// assert_eq!(built.memory, Some(64 << 20));
            /// # Ok::<(), wharf::Error>(())
            /// ```
            pub fn memory(mut self, size: &str) -> $ty {
                self.$body.memory =
                    $crate::container::resources::size(&mut self.error, "memory", size);
                self
            }

            /// The memory limit in bytes.
            ///
            /// ```
            #[doc = concat!("let built = wharf::container::", stringify!($ty), "::new()")]
            ///     .memory_bytes(64 << 20)
            ///     .build()?;
            /// assert_eq!(built.memory, Some(64 << 20));
            /// # Ok::<(), wharf::Error>(())
            /// ```
            pub fn memory_bytes(mut self, bytes: u64) -> $ty {
                self.$body.memory =
                    $crate::container::resources::size_bytes(&mut self.error, "memory", bytes);
                self
            }

            /// The limit of memory plus swap, with units (`"-1"`: unlimited
            /// swap).
            ///
            /// ```
            #[doc = concat!("let built = wharf::container::", stringify!($ty), "::new()")]
            ///     .memory("64m")
            ///     .memory_swap("128m")
            ///     .build()?;
            /// assert_eq!(built.memory_swap, Some(128 << 20));
            #[doc = concat!("let built = wharf::container::", stringify!($ty), "::new()")]
            ///     .memory_swap("-1")
            ///     .build()?;
            /// assert_eq!(built.memory_swap, Some(-1));
            /// # Ok::<(), wharf::Error>(())
            /// ```
            pub fn memory_swap(mut self, size: &str) -> $ty {
                self.$body.memory_swap = if size.trim() == "-1" {
                    Some(-1)
                } else {
                    let error = &mut self.error;
                    $crate::container::resources::size(error, "memory swap", size)
                };
                self
            }

            /// The relative CPU weight (1024 is the default weight).
            ///
            /// ```
            #[doc = concat!("let built = wharf::container::", stringify!($ty), "::new()")]
            ///     .cpu_shares(512)
            ///     .build()?;
            /// assert_eq!(built.cpu_shares, Some(512));
            /// # Ok::<(), wharf::Error>(())
            /// ```
            pub fn cpu_shares(mut self, shares: i64) -> $ty {
                self.$body.cpu_shares = Some(shares);
                self
            }

            /// CPU time allowed per CPU period, in microseconds (with the
            /// default period of 100 000 µs, `50_000` is half a CPU).
            ///
            /// ```
            #[doc = concat!("let built = wharf::container::", stringify!($ty), "::new()")]
            ///     .cpu_quota(50_000)
            ///     .build()?;
            /// assert_eq!(built.cpu_quota, Some(50_000));
            /// # Ok::<(), wharf::Error>(())
            /// ```
            pub fn cpu_quota(mut self, quota_us: i64) -> $ty {
                self.$body.cpu_quota = Some(quota_us);
                self
            }

            /// The CPU period the quota applies to, in microseconds.
            ///
            /// ```
            #[doc = concat!("let built = wharf::container::", stringify!($ty), "::new()")]
            ///     .cpu_period(100_000)
            ///     .build()?;
            /// assert_eq!(built.cpu_period, Some(100_000));
            /// # Ok::<(), wharf::Error>(())
            /// ```
            pub fn cpu_period(mut self, period_us: i64) -> $ty {
                self.$body.cpu_period = Some(period_us);
                self
            }

            /// The maximum number of processes (`-1` or `0`: unlimited).
            ///
            /// ```
            #[doc = concat!("let built = wharf::container::", stringify!($ty), "::new()")]
            ///     .pids_limit(100)
            ///     .build()?;
            /// assert_eq!(built.pids_limit, Some(100));
            /// # Ok::<(), wharf::Error>(())
            /// ```
            pub fn pids_limit(mut self, limit: i64) -> $ty {
                self.$body.pids_limit = Some(limit);
                self
            }

            /// Adds a ulimit (`nofile`, `nproc`, `core`, ...) with soft and
            /// hard limits. An update replaces the container's ulimits with
            /// the ones it sends.
            ///
            /// ```
            #[doc = concat!("let built = wharf::container::", stringify!($ty), "::new()")]
            ///     .ulimit("nofile", 1024, 4096)
            ///     .build()?;
            /// assert_eq!(built.ulimits[0].name.as_deref(), Some("nofile"));
            /// assert_eq!(built.ulimits[0].hard, Some(4096));
            /// # Ok::<(), wharf::Error>(())
            /// ```
            pub fn ulimit(mut self, name: impl Into<String>, soft: i64, hard: i64) -> $ty {
                self.$body.ulimits.push($ulimit {
                    name: Some(name.into()),
                    soft: Some(soft),
                    hard: Some(hard),
                });
                self
            }

            /// The restart policy.
            ///
            /// ```
            #[doc = concat!("use wharf::container::{", stringify!($ty), ", Restart};")]
            ///
            #[doc = concat!("let built = ", stringify!($ty), "::new()")]
            ///     .restart(Restart::UnlessStopped)
            ///     .build()?;
            /// assert_eq!(built.restart_policy.unwrap().name.unwrap().as_str(), "unless-stopped");
            /// # Ok::<(), wharf::Error>(())
            /// ```
            pub fn restart(mut self, restart: $crate::container::Restart) -> $ty {
                self.$body.restart_policy = Some(restart.into());
                self
            }
        }
    };
}
pub(super) use resource_setters;

/// The body, or the first mistake made while building it.
pub(super) fn built<T: Clone>(error: &Option<String>, body: &T) -> Result<T> {
    match error {
        Some(e) => Err(Error::invalid_argument(e.clone())),
        None => Ok(body.clone()),
    }
}

/// A size limit given with units, or `None` after keeping the first mistake
/// in `error`.
pub(super) fn size(error: &mut Option<String>, what: &str, text: &str) -> Option<i64> {
    match MemorySize::parse(text) {
        Ok(size) => size_bytes(error, what, size.bytes()),
        Err(e) => {
            error.get_or_insert_with(|| format!("the {what} limit: {e}"));
            None
        }
    }
}

/// A size limit in bytes, or `None` (keeping the first mistake in `error`)
/// when the API cannot carry it.
pub(super) fn size_bytes(error: &mut Option<String>, what: &str, bytes: u64) -> Option<i64> {
    let size = MemorySize::from_bytes(bytes).as_i64();
    if size.is_none() {
        error.get_or_insert_with(|| format!("the {what} limit of {bytes} bytes is too large"));
    }
    size
}

/// When the daemon restarts a container that stopped.
///
/// ```
/// use wharf::container::{HostSpec, Restart};
///
/// let host = HostSpec::new().restart(Restart::OnFailure { max_retries: Some(3) }).build()?;
/// let policy = host.restart_policy.unwrap();
/// assert_eq!(policy.name.unwrap().as_str(), "on-failure");
/// assert_eq!(policy.maximum_retry_count, Some(3));
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// Never (the default).
    No,
    /// Always, also after the daemon restarts.
    Always,
    /// Always, unless it was stopped by a call (or `docker stop`).
    UnlessStopped,
    /// When it exits with a non-zero status, at most `max_retries` times
    /// (no limit when `None`).
    OnFailure {
        /// How many restarts to try before giving up.
        max_retries: Option<u32>,
    },
}

impl From<Restart> for RestartPolicy {
    fn from(restart: Restart) -> RestartPolicy {
        let (name, max) = match restart {
            Restart::No => (RestartPolicyName::No, None),
            Restart::Always => (RestartPolicyName::Always, None),
            Restart::UnlessStopped => (RestartPolicyName::UnlessStopped, None),
            Restart::OnFailure { max_retries } => {
                (RestartPolicyName::OnFailure, max_retries.map(i64::from))
            }
        };
        RestartPolicy {
            name: Some(name),
            maximum_retry_count: max,
        }
    }
}

/// A change to a running (or stopped) container's resources and restart
/// policy, for [`Container::update`](super::Container::update).
///
/// ```
/// use wharf::container::{ContainerUpdate, Restart};
///
/// let update = ContainerUpdate::new().memory("128m").cpu_shares(256).restart(Restart::Always);
/// let body = update.build()?;
/// assert_eq!(body.memory, Some(128 << 20));
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct ContainerUpdate {
    body: ContainerUpdateBody,
    error: Option<String>,
}

impl ContainerUpdate {
    /// No change yet.
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().build()?;
    /// assert_eq!(body, Default::default());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn new() -> ContainerUpdate {
        ContainerUpdate::default()
    }

    /// Changes the update body directly, for fields the builder does not
    /// cover.
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new()
    ///     .with_body(|b| b.cpuset_cpus = Some("0".into()))
    ///     .build()?;
    /// assert_eq!(body.cpuset_cpus.as_deref(), Some("0"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn with_body(mut self, change: impl FnOnce(&mut ContainerUpdateBody)) -> ContainerUpdate {
        change(&mut self.body);
        self
    }

    /// The update body, or the first mistake made while building it.
    ///
    /// ```
    /// let e = wharf::container::ContainerUpdate::new().memory("x").build().unwrap_err();
    /// assert_eq!(e.kind(), wharf::ErrorKind::InvalidArgument);
    /// ```
    pub fn build(&self) -> Result<ContainerUpdateBody> {
        super::resources::built(&self.error, &self.body)
    }
}

resource_setters!(ContainerUpdate, body, ContainerUpdateBodyUlimitsItem);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::{ContainerSpec, HostSpec};
    use crate::error::ErrorKind;
    use serde_json::json;

    #[test]
    fn restart_policies() {
        let cases = [
            (Restart::No, json!({"Name": "no"})),
            (Restart::Always, json!({"Name": "always"})),
            (Restart::UnlessStopped, json!({"Name": "unless-stopped"})),
            (
                Restart::OnFailure {
                    max_retries: Some(5),
                },
                json!({"Name": "on-failure", "MaximumRetryCount": 5}),
            ),
        ];
        for (restart, expected) in cases {
            let policy: RestartPolicy = restart.into();
            assert_eq!(serde_json::to_value(policy).unwrap(), expected);
        }
    }

    #[test]
    fn a_bad_memory_size_fails_the_build_and_names_the_input() {
        let spec = ContainerSpec::new("a").host(HostSpec::new().memory("512mb!"));
        let e = spec.build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.to_string().contains("the memory limit"), "{e}");
        assert!(e.to_string().contains("\"512mb!\""), "{e}");
        // The first mistake is the one reported.
        let e = HostSpec::new()
            .memory_swap("x")
            .memory("y")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("memory swap"), "{e}");
    }

    #[test]
    fn the_update_body() {
        let body = ContainerUpdate::new()
            .memory("64m")
            .memory_swap("-1")
            .cpu_shares(100)
            .pids_limit(50)
            .restart(Restart::UnlessStopped)
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            json!({
                "Memory": 67108864,
                "MemorySwap": -1,
                "CpuShares": 100,
                "PidsLimit": 50,
                "RestartPolicy": {"Name": "unless-stopped"}
            })
        );
        assert!(ContainerUpdate::new().memory("1q").build().is_err());
    }

    #[test]
    fn host_spec_and_container_update_share_every_resource_setter() {
        // Each resource setter, applied the same way to both builders.
        macro_rules! every_setter {
            ($builder:expr) => {
                $builder
                    .memory("64m")
                    .memory_swap("-1")
                    .cpu_shares(512)
                    .cpu_quota(50_000)
                    .cpu_period(100_000)
                    .pids_limit(100)
                    .ulimit("nofile", 1024, 4096)
                    .ulimit("nproc", 64, 128)
                    .restart(Restart::OnFailure {
                        max_retries: Some(3),
                    })
                    .build()
                    .unwrap()
            };
        }
        let host = serde_json::to_value(every_setter!(HostSpec::new())).unwrap();
        let update = serde_json::to_value(every_setter!(ContainerUpdate::new())).unwrap();
        let expected = json!({
            "Memory": 67108864,
            "MemorySwap": -1,
            "CpuShares": 512,
            "CpuQuota": 50000,
            "CpuPeriod": 100000,
            "PidsLimit": 100,
            "Ulimits": [
                {"Name": "nofile", "Soft": 1024, "Hard": 4096},
                {"Name": "nproc", "Soft": 64, "Hard": 128}
            ],
            "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}
        });
        assert_eq!(host, expected);
        assert_eq!(update, expected);

        // The byte form and its mistakes are the same on both too.
        let host = HostSpec::new().memory_bytes(1 << 20).build().unwrap();
        let update = ContainerUpdate::new()
            .memory_bytes(1 << 20)
            .build()
            .unwrap();
        assert_eq!((host.memory, update.memory), (Some(1 << 20), Some(1 << 20)));
        let host = HostSpec::new().memory_bytes(u64::MAX).build().unwrap_err();
        let update = ContainerUpdate::new()
            .memory_bytes(u64::MAX)
            .build()
            .unwrap_err();
        assert_eq!(host.to_string(), update.to_string());
        assert!(host.to_string().contains("too large"), "{host}");
    }
}
