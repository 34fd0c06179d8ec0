//! `docker stats`' figures from a stream of samples.

use std::time::Duration;

use futures_util::TryStreamExt;
use wharf::container::Usage;
use wharf_tests::engine::{engine, Scope};

use super::{note, run, sh, spec};

#[tokio::test]
async fn a_busy_container_shows_cpu_memory_network_and_block_io() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "stats-usage");
    // Busy on one CPU; its data on a volume (not the overlay) so that the
    // writes are block I/O of the container's cgroup.
    let s = spec(&engine, &scope, "c", "while :; do :; done")
        .await
        .volume("/data");
    let c = run(&engine, &s).await;
    sh(
        &engine,
        &c,
        "dd if=/dev/zero of=/data/f bs=1M count=16 conv=fsync 2>/dev/null",
    )
    .await;
    let gateway = sh(&engine, &c, "ip route | awk '/default/ {print $3}'").await;
    if !gateway.trim().is_empty() {
        let _ = c
            .exec_output(["ping", "-c", "2", "-W", "1", gateway.trim()])
            .await
            .unwrap();
    }

    let samples: Vec<_> = tokio::time::timeout(
        Duration::from_secs(30),
        c.stats_stream().await.unwrap().take_while_ok(3),
    )
    .await
    .unwrap_or_else(|_| panic!("{engine}: three samples within 30 s"));
    let last = Usage::of(samples.last().unwrap());
    assert!(last.cpu_percent > 10.0, "{engine}: a busy loop: {last:?}");
    assert!(last.cpu_percent <= 100.0 * 64.0, "{engine}: {last:?}");
    assert!(last.memory_usage > 0, "{engine}: {last:?}");
    assert!(last.memory_limit >= last.memory_usage, "{engine}: {last:?}");
    assert!(last.pids >= 1, "{engine}: {last:?}");
    if last.block_write >= 16 << 20 {
        assert!(last.block_write < 1 << 30, "{engine}: {last:?}");
    } else {
        note(
            &engine,
            &format!("16 MiB written, block I/O says {} bytes", last.block_write),
        );
    }
    if last.network_tx > 0 {
        assert!(
            last.network_rx > 0,
            "{engine}: pinged the gateway: {last:?}"
        );
    } else {
        note(
            &engine,
            &format!("no network figures ({gateway:?} as gateway): {last:?}"),
        );
    }
}

/// Collects `n` items of a stream that yields results.
trait TakeWhileOk {
    async fn take_while_ok(self, n: usize) -> Vec<wharf::api::types::ContainerStatsResponse>;
}

impl TakeWhileOk for wharf::container::StatsStream {
    async fn take_while_ok(self, n: usize) -> Vec<wharf::api::types::ContainerStatsResponse> {
        futures_util::StreamExt::take(self, n)
            .try_collect()
            .await
            .unwrap()
    }
}
