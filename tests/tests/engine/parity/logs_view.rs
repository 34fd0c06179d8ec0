//! Logs to the sub-second, collected whole and line by line; a logs-only
//! attach.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::TryStreamExt;
use wharf::container::{AttachOptions, LogsOptions};
use wharf::stream::LogOutput;
use wharf::Container;
use wharf_tests::engine::{engine, Engine, Flavor, Scope};

use super::{note, run, spec};

/// `2024-01-02T03:04:05.123456789Z` (RFC 3339 in UTC, as the daemon
/// prefixes log lines) as a time.
fn parse_utc(text: &str) -> SystemTime {
    let num = |range: std::ops::Range<usize>| -> i64 { text[range].parse().unwrap() };
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    let (hh, mm, ss) = (num(11..13), num(14..16), num(17..19));
    let frac = text[19..].trim_start_matches('.').trim_end_matches('Z');
    let nanos: u32 = format!("{frac:0<9}")[..9].parse().unwrap();
    // Days from the civil date (Howard Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    UNIX_EPOCH + Duration::new(secs as u64, nanos)
}

/// The lines of `c`'s stdout for `options`, each with its timestamp if asked.
async fn lines(c: &Container, options: LogsOptions) -> Vec<String> {
    let logs = c
        .logs(options)
        .await
        .unwrap()
        .collect_output()
        .await
        .unwrap();
    logs.stdout_text().lines().map(str::to_owned).collect()
}

/// Waits until `c` has logged `n` stdout lines.
async fn logged(engine: &Engine, c: &Container, n: usize) {
    for _ in 0..100 {
        if lines(c, LogsOptions::new()).await.len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{engine}: the container did not log {n} lines");
}

#[tokio::test]
async fn since_and_until_cut_between_lines_of_the_same_second() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "logs-subsecond");
    let script = "echo first; sleep 0.3; echo second; while :; do sleep 0.1; done";
    let c = run(&engine, &spec(&engine, &scope, "c", script).await).await;
    logged(&engine, &c, 2).await;
    let stamped = lines(&c, LogsOptions::new().timestamps(true)).await;
    let time = |i: usize| parse_utc(stamped[i].split(' ').next().unwrap());
    let (first, second) = (time(0), time(1));

    // One nanosecond after the first line: whole seconds (rounded down)
    // would always include it.
    let since = lines(
        &c,
        LogsOptions::new().since_time(first + Duration::from_nanos(1)),
    )
    .await;
    let until = lines(
        &c,
        LogsOptions::new().until_time(second - Duration::from_nanos(1)),
    )
    .await;
    if engine.flavor == Flavor::Podman {
        // Podman 4.3's compatible logs read `since` to the second.
        assert_eq!(since, ["first", "second"], "{engine}");
        note(
            &engine,
            &format!("since to the second only: {since:?}, until {until:?}"),
        );
        return;
    }
    assert_eq!(since, ["second"], "{engine}");
    assert_eq!(until, ["first"], "{engine}");
}

#[tokio::test]
async fn whole_logs_and_lines_keep_the_streams_apart() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "logs-lines");
    let script = "printf 'o1\\no'; printf 'e1\\n' >&2; printf '2\\npartial'";
    let c = run(&engine, &spec(&engine, &scope, "c", script).await).await;
    c.wait().await.unwrap();

    let all = c
        .logs(LogsOptions::new())
        .await
        .unwrap()
        .collect_output()
        .await
        .unwrap();
    assert_eq!(all.stdout_text(), "o1\no2\npartial", "{engine}");
    assert_eq!(all.stderr_text(), "e1\n", "{engine}");

    let lines: Vec<LogOutput> = c
        .logs(LogsOptions::new())
        .await
        .unwrap()
        .lines()
        .try_collect()
        .await
        .unwrap();
    let of = |stream: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.stream_name() == stream)
            .map(|l| l.text().into_owned())
            .collect()
    };
    assert_eq!(of("stdout"), ["o1", "o2", "partial"], "{engine}");
    assert_eq!(of("stderr"), ["e1"], "{engine}");
}

#[tokio::test]
async fn a_logs_only_attach_replays_and_ends() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "attach-logs-only");
    let script = "echo replayed; while :; do sleep 0.1; done";
    let c = run(&engine, &spec(&engine, &scope, "c", script).await).await;
    logged(&engine, &c, 1).await;
    let (output, _input) = c
        .attach(AttachOptions::new().logs(true).stream(false))
        .await
        .unwrap();
    let pieces = tokio::time::timeout(Duration::from_secs(10), output.try_collect::<Vec<_>>())
        .await
        .unwrap_or_else(|_| panic!("{engine}: a logs-only attach did not end"));
    if engine.flavor == Flavor::Podman {
        // Podman 4.3 replays the log raw, though the container has no TTY.
        let e = pieces.unwrap_err();
        assert_eq!(e.kind(), wharf::ErrorKind::Protocol, "{engine}: {e}");
        note(
            &engine,
            &format!("a logs-only attach is not multiplexed: {e}"),
        );
        return;
    }
    let pieces = pieces.unwrap();
    let text: String = pieces.iter().map(|p| p.text().into_owned()).collect();
    assert_eq!(text, "replayed\n", "{engine}");
    assert_eq!(
        c.inspect().await.unwrap().state.unwrap().running,
        Some(true)
    );
}
