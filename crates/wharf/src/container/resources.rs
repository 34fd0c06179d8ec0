//! The resources and restart policy of a container: [`Resources`], the one
//! builder of everything `docker update` can change. [`HostSpec`](super::HostSpec)
//! takes it at creation ([`HostSpec::resources`](super::HostSpec::resources)),
//! [`Container::update`](super::Container::update) sends it to a container.
//!
//! The generated [`HostConfig`](wharf_api::types::HostConfig) and
//! [`ContainerUpdateBody`] both embed the Engine's `Resources` fields under
//! the same JSON names (the spec's `allOf`). The builder fills the generated
//! [`Resources`](wharf_api::types::Resources) type, and its set fields are
//! laid over either body by name, so each setter exists once.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use wharf_api::types::{
    self, ContainerUpdateBody, DeviceMapping, ResourcesBlkioWeightDeviceItem, ResourcesUlimitsItem,
    RestartPolicy, ThrottleDevice,
};

use super::Restart;
use crate::error::{Error, Result};
use crate::units::MemorySize;

/// A size limit given with units, or `None` after keeping the first mistake
/// in `error`.
fn size(error: &mut Option<String>, what: &str, text: &str) -> Option<i64> {
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
fn size_bytes(error: &mut Option<String>, what: &str, bytes: u64) -> Option<i64> {
    let size = MemorySize::from_bytes(bytes).as_i64();
    if size.is_none() {
        error.get_or_insert_with(|| format!("the {what} limit of {bytes} bytes is too large"));
    }
    size
}

/// A container's resources and restart policy: what a container is created
/// with ([`HostSpec::resources`](super::HostSpec::resources)) and what
/// [`Container::update`](super::Container::update) changes. Only what is set
/// is sent.
///
/// ```
/// use wharf::container::{Resources, Restart};
///
/// let update = Resources::new()
///     .memory("128m")
///     .memory_reservation("64m")
///     .cpu_shares(256)
///     .cpuset_cpus("0")
///     .pids_limit(64)
///     .restart(Restart::Always);
/// let body = update.build()?;
/// assert_eq!(body.memory, Some(128 << 20));
/// assert_eq!(body.cpuset_cpus.as_deref(), Some("0"));
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct Resources {
    body: types::Resources,
    restart: Option<RestartPolicy>,
    error: Option<String>,
}

/// A setter of a plain field: the value as the API takes it.
macro_rules! plain {
    ($(#[$doc:meta])* $name:ident: $ty:ty => $field:ident, $example:literal) => {
        $(#[$doc])*
        ///
        /// ```
        #[doc = concat!("let body = wharf::container::Resources::new().", stringify!($name), "(", $example, ").build()?;")]
        #[doc = concat!("assert!(body.", stringify!($field), ".is_some());")]
        /// # Ok::<(), wharf::Error>(())
        /// ```
        pub fn $name(mut self, value: $ty) -> Resources {
            self.body.$field = Some(value.into());
            self
        }
    };
}

impl Resources {
    /// Nothing set: the daemon's defaults (or, for an update, no change).
    ///
    /// ```
    /// let body = wharf::container::Resources::new().build()?;
    /// assert_eq!(body, Default::default());
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn new() -> Resources {
        Resources::default()
    }

    /// The memory limit, with units: `"512m"`, `"1.5g"`, `"268435456"`
    /// (see [`MemorySize`](crate::units::MemorySize)). A size that does not
    /// parse makes [`build`](Self::build) (and the call that sends it) fail
    /// with [`InvalidArgument`](crate::ErrorKind::InvalidArgument). On an
    /// update, when the container has a swap limit, the new memory limit must
    /// stay below it: set [`memory_swap`](Self::memory_swap) too.
    ///
    /// ```
    /// let body = wharf::container::Resources::new().memory("64m").build()?;
    /// assert_eq!(body.memory, Some(64 << 20));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn memory(mut self, size: &str) -> Resources {
        self.body.memory = self::size(&mut self.error, "memory", size);
        self
    }

    /// The memory limit in bytes.
    ///
    /// ```
    /// let body = wharf::container::Resources::new().memory_bytes(64 << 20).build()?;
    /// assert_eq!(body.memory, Some(64 << 20));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn memory_bytes(mut self, bytes: u64) -> Resources {
        self.body.memory = size_bytes(&mut self.error, "memory", bytes);
        self
    }

    /// The limit of memory plus swap, with units (`"-1"`: unlimited swap).
    ///
    /// ```
    /// let body = wharf::container::Resources::new().memory("64m").memory_swap("128m").build()?;
    /// assert_eq!(body.memory_swap, Some(128 << 20));
    /// let body = wharf::container::Resources::new().memory_swap("-1").build()?;
    /// assert_eq!(body.memory_swap, Some(-1));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn memory_swap(mut self, size: &str) -> Resources {
        self.body.memory_swap = if size.trim() == "-1" {
            Some(-1)
        } else {
            self::size(&mut self.error, "memory swap", size)
        };
        self
    }

    /// The soft memory limit, with units (`--memory-reservation`): the
    /// kernel reclaims down to it under memory pressure.
    ///
    /// ```
    /// let body = wharf::container::Resources::new().memory_reservation("32m").build()?;
    /// assert_eq!(body.memory_reservation, Some(32 << 20));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn memory_reservation(mut self, size: &str) -> Resources {
        self.body.memory_reservation = self::size(&mut self.error, "memory reservation", size);
        self
    }

    /// The kernel TCP buffer memory limit, with units (cgroup v1 only; the
    /// daemon refuses or ignores it elsewhere). The older `KernelMemory` is
    /// not in the API since 1.42 (moby removed kernel memory limits): this is
    /// the kernel limit the API has left.
    ///
    /// ```
    /// let body = wharf::container::Resources::new().kernel_memory_tcp("16m").build()?;
    /// assert_eq!(body.kernel_memory_tcp, Some(16 << 20));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn kernel_memory_tcp(mut self, size: &str) -> Resources {
        self.body.kernel_memory_tcp = self::size(&mut self.error, "kernel TCP memory", size);
        self
    }

    plain!(
        /// How readily the kernel swaps the container's anonymous pages out,
        /// 0 to 100 (cgroup v1).
        memory_swappiness: u8 => memory_swappiness, "10"
    );
    plain!(
        /// Whether the OOM killer leaves the container alone when it runs
        /// out of memory.
        oom_kill_disable: bool => oom_kill_disable, "true"
    );
    plain!(
        /// The relative CPU weight (1024 is the default weight).
        cpu_shares: i64 => cpu_shares, "512"
    );
    plain!(
        /// CPU time allowed per CPU period, in microseconds (with the default
        /// period of 100 000 µs, `50_000` is half a CPU).
        cpu_quota: i64 => cpu_quota, "50_000"
    );
    plain!(
        /// The CPU period the quota applies to, in microseconds.
        cpu_period: i64 => cpu_period, "100_000"
    );
    plain!(
        /// The real-time scheduler period, in microseconds.
        cpu_realtime_period: i64 => cpu_realtime_period, "1_000_000"
    );
    plain!(
        /// The real-time runtime allowed per period, in microseconds.
        cpu_realtime_runtime: i64 => cpu_realtime_runtime, "950_000"
    );
    plain!(
        /// The CPU limit in billionths of a CPU (`--cpus 1.5` is
        /// `1_500_000_000`); see also [`cpus`](Self::cpus).
        nano_cpus: i64 => nano_cpus, "1_500_000_000"
    );
    plain!(
        /// The CPUs the container may run on: `"0-3"`, `"0,1"`.
        cpuset_cpus: &str => cpuset_cpus, "\"0-1\""
    );
    plain!(
        /// The memory nodes (NUMA) the container may use: `"0"`, `"0-1"`.
        cpuset_mems: &str => cpuset_mems, "\"0\""
    );
    plain!(
        /// The relative block I/O weight, 10 to 1000 (`0` for the default).
        /// Needs a kernel I/O scheduler that weighs (BFQ); the daemon warns
        /// and drops it otherwise.
        blkio_weight: u16 => blkio_weight, "300"
    );
    plain!(
        /// The maximum number of processes (`-1` or `0`: unlimited).
        pids_limit: i64 => pids_limit, "100"
    );
    plain!(
        /// Runs an init (tini) as the container's first process (`--init`).
        init: bool => init, "true"
    );
    plain!(
        /// The cgroup to put the container under.
        cgroup_parent: &str => cgroup_parent, "\"/batch\""
    );

    /// The CPU limit as a number of CPUs (`docker run --cpus 1.5`), sent as
    /// [`nano_cpus`](Self::nano_cpus). A negative or non-finite count makes
    /// [`build`](Self::build) fail.
    ///
    /// ```
    /// let body = wharf::container::Resources::new().cpus(1.5).build()?;
    /// assert_eq!(body.nano_cpus, Some(1_500_000_000));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn cpus(mut self, cpus: f64) -> Resources {
        let nano = cpus * 1e9;
        if cpus.is_finite() && cpus >= 0.0 && nano < i64::MAX as f64 {
            self.body.nano_cpus = Some(nano.round() as i64);
        } else {
            self.error
                .get_or_insert_with(|| format!("the CPU count {cpus} is not a usable number"));
        }
        self
    }

    /// The relative block I/O weight of one device (`--blkio-weight-device`).
    ///
    /// ```
    /// let body = wharf::container::Resources::new().blkio_weight_device("/dev/sda", 200).build()?;
    /// assert_eq!(body.blkio_weight_device[0].weight, Some(200));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn blkio_weight_device(mut self, path: impl Into<String>, weight: u16) -> Resources {
        self.body
            .blkio_weight_device
            .push(ResourcesBlkioWeightDeviceItem {
                path: Some(path.into()),
                weight: Some(weight.into()),
            });
        self
    }

    /// Limits a device's read rate, in bytes per second (`--device-read-bps`).
    ///
    /// ```
    /// let body = wharf::container::Resources::new().device_read_bps("/dev/sda", 1 << 20).build()?;
    /// assert_eq!(body.blkio_device_read_bps[0].rate, Some(1 << 20));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn device_read_bps(mut self, path: impl Into<String>, rate: u32) -> Resources {
        self.body.blkio_device_read_bps.push(throttle(path, rate));
        self
    }

    /// Limits a device's write rate, in bytes per second (`--device-write-bps`).
    ///
    /// ```
    /// let body = wharf::container::Resources::new().device_write_bps("/dev/sda", 1 << 20).build()?;
    /// assert_eq!(body.blkio_device_write_bps.len(), 1);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn device_write_bps(mut self, path: impl Into<String>, rate: u32) -> Resources {
        self.body.blkio_device_write_bps.push(throttle(path, rate));
        self
    }

    /// Limits a device's reads per second (`--device-read-iops`).
    ///
    /// ```
    /// let body = wharf::container::Resources::new().device_read_iops("/dev/sda", 100).build()?;
    /// assert_eq!(body.blkio_device_read_i_ops.len(), 1);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn device_read_iops(mut self, path: impl Into<String>, rate: u32) -> Resources {
        self.body.blkio_device_read_i_ops.push(throttle(path, rate));
        self
    }

    /// Limits a device's writes per second (`--device-write-iops`).
    ///
    /// ```
    /// let body = wharf::container::Resources::new().device_write_iops("/dev/sda", 100).build()?;
    /// assert_eq!(body.blkio_device_write_i_ops.len(), 1);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn device_write_iops(mut self, path: impl Into<String>, rate: u32) -> Resources {
        self.body
            .blkio_device_write_i_ops
            .push(throttle(path, rate));
        self
    }

    /// Gives the container a host device (`--device /dev/fuse:/dev/fuse:rwm`),
    /// with cgroup permissions `r`, `w`, `m` or a mix.
    ///
    /// ```
    /// let body = wharf::container::Resources::new().device("/dev/fuse", "/dev/fuse", "rwm").build()?;
    /// assert_eq!(body.devices[0].path_on_host.as_deref(), Some("/dev/fuse"));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn device(
        mut self,
        on_host: impl Into<String>,
        in_container: impl Into<String>,
        permissions: impl Into<String>,
    ) -> Resources {
        self.body.devices.push(DeviceMapping {
            path_on_host: Some(on_host.into()),
            path_in_container: Some(in_container.into()),
            cgroup_permissions: Some(permissions.into()),
        });
        self
    }

    /// Adds a ulimit (`nofile`, `nproc`, `core`, ...) with soft and hard
    /// limits. An update replaces the container's ulimits with the ones it
    /// sends.
    ///
    /// ```
    /// let body = wharf::container::Resources::new().ulimit("nofile", 1024, 4096).build()?;
    /// assert_eq!(body.ulimits[0].name.as_deref(), Some("nofile"));
    /// assert_eq!(body.ulimits[0].hard, Some(4096));
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn ulimit(mut self, name: impl Into<String>, soft: i64, hard: i64) -> Resources {
        self.body.ulimits.push(ResourcesUlimitsItem {
            name: Some(name.into()),
            soft: Some(soft),
            hard: Some(hard),
        });
        self
    }

    /// The restart policy.
    ///
    /// ```
    /// use wharf::container::{Resources, Restart};
    ///
    /// let body = Resources::new().restart(Restart::UnlessStopped).build()?;
    /// assert_eq!(body.restart_policy.unwrap().name.unwrap().as_str(), "unless-stopped");
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn restart(mut self, restart: Restart) -> Resources {
        self.restart = Some(restart.into());
        self
    }

    /// Changes the generated resources directly, for fields the builder does
    /// not cover.
    ///
    /// ```
    /// let body = wharf::container::Resources::new()
    ///     .with_resources(|r| r.device_cgroup_rules.push("c 1:3 mr".into()))
    ///     .build()?;
    /// assert_eq!(body.device_cgroup_rules, ["c 1:3 mr"]);
    /// # Ok::<(), wharf::Error>(())
    /// ```
    pub fn with_resources(mut self, change: impl FnOnce(&mut types::Resources)) -> Resources {
        change(&mut self.body);
        self
    }

    /// The update body ([`Container::update`](super::Container::update)'s),
    /// or the first mistake made while building it.
    ///
    /// ```
    /// let e = wharf::container::Resources::new().memory("x").build().unwrap_err();
    /// assert_eq!(e.kind(), wharf::ErrorKind::InvalidArgument);
    /// ```
    pub fn build(&self) -> Result<ContainerUpdateBody> {
        self.over(&ContainerUpdateBody::default())
    }

    /// `target` (a host config or an update body) with every field set here
    /// laid over it, by its JSON name.
    pub(super) fn over<T: Serialize + DeserializeOwned>(&self, target: &T) -> Result<T> {
        if let Some(e) = &self.error {
            return Err(Error::invalid_argument(e.clone()));
        }
        let encode = |e: serde_json::Error| Error::decode(format!("encoding resources: {e}"), e);
        let mut merged = serde_json::to_value(target).map_err(encode)?;
        let set = serde_json::to_value(&self.body).map_err(encode)?;
        if let (Value::Object(fields), Value::Object(set)) = (&mut merged, set) {
            fields.extend(set);
            if let Some(restart) = &self.restart {
                let restart = serde_json::to_value(restart).map_err(encode)?;
                fields.insert("RestartPolicy".into(), restart);
            }
        }
        serde_json::from_value(merged).map_err(encode)
    }
}

fn throttle(path: impl Into<String>, rate: u32) -> ThrottleDevice {
    ThrottleDevice {
        path: Some(path.into()),
        rate: Some(rate.into()),
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
        let spec = ContainerSpec::new("a")
            .host(HostSpec::new().resources(Resources::new().memory("512mb!")));
        let e = spec.build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.to_string().contains("the memory limit"), "{e}");
        assert!(e.to_string().contains("\"512mb!\""), "{e}");
        // The first mistake is the one reported.
        let e = Resources::new()
            .memory_swap("x")
            .memory("y")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("memory swap"), "{e}");
        for cpus in [-1.0, f64::NAN, f64::INFINITY, 1e12] {
            assert!(Resources::new().cpus(cpus).build().is_err(), "{cpus}");
        }
    }

    fn every_setter() -> Resources {
        Resources::new()
            .memory("64m")
            .memory_swap("-1")
            .memory_reservation("32m")
            .kernel_memory_tcp("8m")
            .memory_swappiness(10)
            .oom_kill_disable(false)
            .cpu_shares(512)
            .cpu_quota(50_000)
            .cpu_period(100_000)
            .cpu_realtime_period(1000)
            .cpu_realtime_runtime(500)
            .cpus(0.5)
            .cpuset_cpus("0")
            .cpuset_mems("0")
            .blkio_weight(300)
            .blkio_weight_device("/dev/sda", 200)
            .device_read_bps("/dev/sda", 1)
            .device_write_bps("/dev/sda", 2)
            .device_read_iops("/dev/sda", 3)
            .device_write_iops("/dev/sda", 4)
            .device("/dev/null", "/dev/nothing", "rw")
            .pids_limit(100)
            .init(true)
            .cgroup_parent("/p")
            .ulimit("nofile", 1024, 4096)
            .ulimit("nproc", 64, 128)
            .restart(Restart::OnFailure {
                max_retries: Some(3),
            })
    }

    #[test]
    fn host_spec_and_update_carry_the_same_fields() {
        let expected = json!({
            "Memory": 67108864,
            "MemorySwap": -1,
            "MemoryReservation": 33554432,
            "KernelMemoryTCP": 8388608,
            "MemorySwappiness": 10,
            "OomKillDisable": false,
            "CpuShares": 512,
            "CpuQuota": 50000,
            "CpuPeriod": 100000,
            "CpuRealtimePeriod": 1000,
            "CpuRealtimeRuntime": 500,
            "NanoCpus": 500000000,
            "CpusetCpus": "0",
            "CpusetMems": "0",
            "BlkioWeight": 300,
            "BlkioWeightDevice": [{"Path": "/dev/sda", "Weight": 200}],
            "BlkioDeviceReadBps": [{"Path": "/dev/sda", "Rate": 1}],
            "BlkioDeviceWriteBps": [{"Path": "/dev/sda", "Rate": 2}],
            "BlkioDeviceReadIOps": [{"Path": "/dev/sda", "Rate": 3}],
            "BlkioDeviceWriteIOps": [{"Path": "/dev/sda", "Rate": 4}],
            "Devices": [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/nothing",
                         "CgroupPermissions": "rw"}],
            "PidsLimit": 100,
            "Init": true,
            "CgroupParent": "/p",
            "Ulimits": [
                {"Name": "nofile", "Soft": 1024, "Hard": 4096},
                {"Name": "nproc", "Soft": 64, "Hard": 128}
            ],
            "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}
        });
        let update = serde_json::to_value(every_setter().build().unwrap()).unwrap();
        assert_eq!(update, expected);
        let host = HostSpec::new()
            .auto_remove(false)
            .resources(every_setter())
            .build()
            .unwrap();
        let mut host = serde_json::to_value(host).unwrap();
        // What the host spec set itself stays beside the resources.
        assert_eq!(host["AutoRemove"], json!(false));
        host.as_object_mut().unwrap().remove("AutoRemove");
        assert_eq!(host, expected);
    }

    #[test]
    fn sizes_in_bytes_and_their_mistakes() {
        let body = Resources::new().memory_bytes(1 << 20).build().unwrap();
        assert_eq!(body.memory, Some(1 << 20));
        let e = Resources::new().memory_bytes(u64::MAX).build().unwrap_err();
        assert!(e.to_string().contains("too large"), "{e}");
        let e = HostSpec::new()
            .resources(Resources::new().memory_bytes(u64::MAX))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("too large"), "{e}");
    }
}
