//! [`Usage`]: the figures `docker stats` shows, computed from one stats
//! sample as the docker CLI computes them (docker/cli
//! `cli/command/container/stats_helpers.go`: `calculateCPUPercentUnix`,
//! `calculateMemUsageUnixNoCache`, `calculateMemPercentUnixNoCache`,
//! `calculateBlockIO`, `calculateNetwork`). Linux containers only: Windows
//! samples carry other fields.

use crate::api::types::{ContainerCpuStats, ContainerStatsResponse};

/// What `docker stats` shows for one sample.
///
/// ```
/// use wharf::api::types::ContainerStatsResponse;
/// use wharf::container::Usage;
///
/// let sample: ContainerStatsResponse = serde_json::from_value(serde_json::json!({
///     "cpu_stats": {"cpu_usage": {"total_usage": 3_000_000}, "system_cpu_usage": 20_000_000, "online_cpus": 2},
///     "precpu_stats": {"cpu_usage": {"total_usage": 1_000_000}, "system_cpu_usage": 10_000_000},
///     "memory_stats": {"usage": 100, "limit": 1000, "stats": {"inactive_file": 20}},
/// }))?;
/// let usage = Usage::of(&sample);
/// assert_eq!(usage.cpu_percent, 40.0);
/// assert_eq!((usage.memory_usage, usage.memory_limit), (80, 1000));
/// assert_eq!(usage.memory_percent, 8.0);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Usage {
    /// CPU use since the previous sample (`precpu_stats`), in percent of
    /// one CPU (up to 100 times the number of CPUs). A one-shot sample has
    /// no previous one: the figure is then the container's CPU time over
    /// the host's, since boot, as the CLI's formula gives it. A stream's
    /// first sample gives 0.
    pub cpu_percent: f64,
    /// Memory in use, page cache that can be reclaimed excluded (`usage`
    /// minus `total_inactive_file` on cgroup v1, minus `inactive_file` on
    /// cgroup v2), in bytes.
    pub memory_usage: u64,
    /// The memory limit, in bytes (the host's memory when none is set).
    pub memory_limit: u64,
    /// `memory_usage` in percent of `memory_limit` (0 without a limit).
    pub memory_percent: f64,
    /// Bytes received, over every network interface.
    pub network_rx: u64,
    /// Bytes sent, over every network interface.
    pub network_tx: u64,
    /// Bytes read from block devices.
    pub block_read: u64,
    /// Bytes written to block devices.
    pub block_write: u64,
    /// The number of processes (and threads).
    pub pids: u64,
}

impl Usage {
    /// The figures of `sample`.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use wharf::container::Usage;
    ///
    /// let mut stats = docker.container("web").stats_stream().await?;
    /// while let Some(sample) = stats.try_next().await? {
    ///     let u = Usage::of(&sample);
    ///     println!("{:.2}% CPU, {} / {} bytes", u.cpu_percent, u.memory_usage, u.memory_limit);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn of(sample: &ContainerStatsResponse) -> Usage {
        let (memory_usage, memory_limit) = memory(sample);
        let memory_percent = if memory_limit == 0 {
            0.0
        } else {
            memory_usage as f64 / memory_limit as f64 * 100.0
        };
        let (network_rx, network_tx) = sample
            .networks
            .iter()
            .flatten()
            .fold((0, 0), |(rx, tx), (_, n)| {
                (rx + n.rx_bytes.unwrap_or(0), tx + n.tx_bytes.unwrap_or(0))
            });
        let (mut block_read, mut block_write) = (0, 0);
        let entries = sample
            .blkio_stats
            .iter()
            .flat_map(|b| &b.io_service_bytes_recursive);
        for entry in entries {
            let value = entry.value.unwrap_or(0);
            // The CLI looks at the first letter only: `Read`/`read`, `Write`/`write`.
            match entry.op.as_deref().and_then(|op| op.chars().next()) {
                Some('r' | 'R') => block_read += value,
                Some('w' | 'W') => block_write += value,
                _ => {}
            }
        }
        Usage {
            cpu_percent: cpu_percent(sample.cpu_stats.as_ref(), sample.precpu_stats.as_ref()),
            memory_usage,
            memory_limit,
            memory_percent,
            network_rx,
            network_tx,
            block_read,
            block_write,
            pids: sample
                .pids_stats
                .as_ref()
                .and_then(|p| p.current)
                .unwrap_or(0),
        }
    }
}

/// The CPU use between two samples, in percent of one CPU.
fn cpu_percent(now: Option<&ContainerCpuStats>, before: Option<&ContainerCpuStats>) -> f64 {
    let total = |s: Option<&ContainerCpuStats>| {
        s.and_then(|s| s.cpu_usage.as_ref())
            .and_then(|u| u.total_usage)
            .unwrap_or(0) as f64
    };
    let system =
        |s: Option<&ContainerCpuStats>| s.and_then(|s| s.system_cpu_usage).unwrap_or(0) as f64;
    let cpu_delta = total(now) - total(before);
    let system_delta = system(now) - system(before);
    let mut cpus = now.and_then(|s| s.online_cpus).unwrap_or(0) as f64;
    if cpus == 0.0 {
        cpus = now
            .and_then(|s| s.cpu_usage.as_ref())
            .and_then(|u| u.percpu_usage.as_ref())
            .map_or(0, Vec::len) as f64;
    }
    if system_delta > 0.0 && cpu_delta > 0.0 {
        cpu_delta / system_delta * cpus * 100.0
    } else {
        0.0
    }
}

/// Memory in use without reclaimable cache, and the limit.
fn memory(sample: &ContainerStatsResponse) -> (u64, u64) {
    let Some(m) = &sample.memory_stats else {
        return (0, 0);
    };
    let usage = m.usage.unwrap_or(0);
    let stat = |key: &str| m.stats.get(key).copied().flatten();
    let used = match (stat("total_inactive_file"), stat("inactive_file")) {
        // cgroup v1
        (Some(cache), _) if cache < usage => usage - cache,
        // cgroup v2
        (_, Some(cache)) if cache < usage => usage - cache,
        _ => usage,
    };
    (used, m.limit.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample(value: serde_json::Value) -> ContainerStatsResponse {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn as_the_cli_computes_it() {
        let s = sample(json!({
            "cpu_stats": {"cpu_usage": {"total_usage": 500, "percpu_usage": [1, 2, 3, 4]},
                          "system_cpu_usage": 2000},
            "precpu_stats": {"cpu_usage": {"total_usage": 100}, "system_cpu_usage": 1000},
            "memory_stats": {"usage": 500, "limit": 0,
                             "stats": {"total_inactive_file": 100, "inactive_file": 300}},
            "networks": {"eth0": {"rx_bytes": 10, "tx_bytes": 1}, "eth1": {"rx_bytes": 5, "tx_bytes": 2}},
            "blkio_stats": {"io_service_bytes_recursive": [
                {"major": 8, "minor": 0, "op": "Read", "value": 7},
                {"major": 8, "minor": 0, "op": "write", "value": 9},
                {"major": 8, "minor": 16, "op": "read", "value": 1},
                {"major": 8, "minor": 0, "op": "Total", "value": 17}
            ]},
            "pids_stats": {"current": 3}
        }));
        let u = Usage::of(&s);
        // 400 of 1000 over 4 CPUs (counted from percpu_usage without online_cpus)
        assert_eq!(u.cpu_percent, 160.0);
        // cgroup v1's key first
        assert_eq!(
            (u.memory_usage, u.memory_limit, u.memory_percent),
            (400, 0, 0.0)
        );
        assert_eq!((u.network_rx, u.network_tx), (15, 3));
        assert_eq!((u.block_read, u.block_write), (8, 9));
        assert_eq!(u.pids, 3);

        // No previous sample, cache larger than the usage, nothing else.
        let s = sample(json!({
            "cpu_stats": {"cpu_usage": {"total_usage": 500}, "system_cpu_usage": 2000, "online_cpus": 2},
            "memory_stats": {"usage": 50, "limit": 100, "stats": {"inactive_file": 80}}
        }));
        let u = Usage::of(&s);
        assert_eq!(u.cpu_percent, 25.0 * 2.0);
        assert_eq!((u.memory_usage, u.memory_percent), (50, 50.0));
        assert_eq!(Usage::of(&sample(json!({}))), Usage::default());
    }
}
