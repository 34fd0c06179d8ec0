//! The resources and restart policy of a container: [`Restart`] and
//! [`ContainerUpdate`], the change that
//! [`Container::update`](super::Container::update) sends.

use wharf_api::types::{
    ContainerUpdateBody, ContainerUpdateBodyUlimitsItem, RestartPolicy, RestartPolicyName,
};

use crate::error::{Error, Result};
use crate::units::MemorySize;

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

    /// The new memory limit, with units (see [`HostSpec::memory`]). When the
    /// container has a swap limit, the new memory limit must stay below it:
    /// set [`memory_swap`](ContainerUpdate::memory_swap) too.
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().memory("1g").build()?;
    /// assert_eq!(body.memory, Some(1 << 30));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn memory(mut self, size: &str) -> ContainerUpdate {
        self.body.memory = self.size("memory", size);
        self
    }

    /// The new memory-plus-swap limit, with units (`"-1"`: unlimited).
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().memory_swap("2g").build()?;
    /// assert_eq!(body.memory_swap, Some(2 << 30));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn memory_swap(mut self, size: &str) -> ContainerUpdate {
        self.body.memory_swap = if size.trim() == "-1" {
            Some(-1)
        } else {
            self.size("memory swap", size)
        };
        self
    }

    fn size(&mut self, what: &str, text: &str) -> Option<i64> {
        match MemorySize::parse(text).map(MemorySize::as_i64) {
            Ok(Some(bytes)) => Some(bytes),
            Ok(None) => {
                self.error
                    .get_or_insert_with(|| format!("the {what} limit {text:?} is too large"));
                None
            }
            Err(e) => {
                self.error
                    .get_or_insert_with(|| format!("the {what} limit: {e}"));
                None
            }
        }
    }

    /// The new relative CPU weight.
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().cpu_shares(2048).build()?;
    /// assert_eq!(body.cpu_shares, Some(2048));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn cpu_shares(mut self, shares: i64) -> ContainerUpdate {
        self.body.cpu_shares = Some(shares);
        self
    }

    /// The new CPU quota per period, in microseconds.
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().cpu_quota(25_000).build()?;
    /// assert_eq!(body.cpu_quota, Some(25_000));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn cpu_quota(mut self, quota_us: i64) -> ContainerUpdate {
        self.body.cpu_quota = Some(quota_us);
        self
    }

    /// The new CPU period, in microseconds.
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().cpu_period(50_000).build()?;
    /// assert_eq!(body.cpu_period, Some(50_000));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn cpu_period(mut self, period_us: i64) -> ContainerUpdate {
        self.body.cpu_period = Some(period_us);
        self
    }

    /// The new maximum number of processes (`-1` or `0`: unlimited).
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().pids_limit(100).build()?;
    /// assert_eq!(body.pids_limit, Some(100));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn pids_limit(mut self, limit: i64) -> ContainerUpdate {
        self.body.pids_limit = Some(limit);
        self
    }

    /// Replaces the ulimits.
    ///
    /// ```
    /// let body = wharf::container::ContainerUpdate::new().ulimit("nofile", 512, 512).build()?;
    /// assert_eq!(body.ulimits.len(), 1);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn ulimit(mut self, name: impl Into<String>, soft: i64, hard: i64) -> ContainerUpdate {
        self.body.ulimits.push(ContainerUpdateBodyUlimitsItem {
            name: Some(name.into()),
            soft: Some(soft),
            hard: Some(hard),
        });
        self
    }

    /// The new restart policy.
    ///
    /// ```
    /// use wharf::container::{ContainerUpdate, Restart};
    ///
    /// let body = ContainerUpdate::new().restart(Restart::No).build()?;
    /// assert_eq!(body.restart_policy.unwrap().name.unwrap().as_str(), "no");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn restart(mut self, restart: Restart) -> ContainerUpdate {
        self.body.restart_policy = Some(restart.into());
        self
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
        match &self.error {
            Some(e) => Err(Error::invalid_argument(e.clone())),
            None => Ok(self.body.clone()),
        }
    }
}

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
}
