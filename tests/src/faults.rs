//! What the fault suite (`tests/tests/faults/`) measures and how it reports.
//!
//! - [`Sample`]: what the process holds at one moment: open file descriptors
//!   (`/proc/self/fd`), resident memory (`VmRSS`) and the runtime's live tasks.
//! - [`Row`] and [`Row::record`]: one line per case (case, engine, outcome, time to
//!   error, fds and RSS before and after), written to stderr (past the test harness's
//!   capture) and appended to the file `WHARF_FAULTS_REPORT` names, from which
//!   `cargo xtask faults` prints the table.
//! - [`Lcg`]: a seeded random source for the random drop points (the seed is printed,
//!   so a failing run can be repeated with `WHARF_FAULTS_SEED`).
//!
//! ```no_run
//! use wharf_tests::faults::{Row, Sample};
//! # async fn run() {
//! let before = Sample::now();
//! // ... the case ...
//! Row::new("daemon killed during logs -f", "podman-faults", before)
//!     .outcome("Protocol error")
//!     .record();
//! # }
//! ```

use std::io::Write;
use std::time::{Duration, Instant};

/// Open file descriptors of this process.
pub fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// Resident memory of this process, KiB.
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The tasks alive on the current tokio runtime (0 outside one).
pub fn tasks() -> usize {
    tokio::runtime::Handle::try_current().map_or(0, |h| h.metrics().num_alive_tasks())
}

/// What the process holds at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Open file descriptors.
    pub fds: usize,
    /// Resident memory, KiB.
    pub rss_kib: u64,
    /// Live tasks of the current runtime.
    pub tasks: usize,
}

impl Sample {
    /// Now.
    pub fn now() -> Sample {
        Sample {
            fds: fds(),
            rss_kib: rss_kib(),
            tasks: tasks(),
        }
    }

    /// The first sample, within `within`, whose fds and tasks are at most `baseline`'s
    /// plus `slack` fds (closing sockets and ending tasks takes a few polls); the last one
    /// taken if none is.
    pub async fn settled(baseline: Sample, slack: usize, within: Duration) -> Sample {
        let end = Instant::now() + within;
        loop {
            let now = Sample::now();
            if (now.fds <= baseline.fds + slack && now.tasks <= baseline.tasks)
                || Instant::now() >= end
            {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// One case of the report.
#[derive(Clone, Debug)]
pub struct Row {
    case: String,
    engine: String,
    outcome: String,
    time_to_error: Option<Duration>,
    before: Sample,
    after: Option<Sample>,
}

impl Row {
    /// A row for `case` on `engine`, measured from `before`.
    pub fn new(case: &str, engine: &str, before: Sample) -> Row {
        Row {
            case: case.to_owned(),
            engine: engine.to_owned(),
            outcome: String::new(),
            time_to_error: None,
            before,
            after: None,
        }
    }

    /// What happened (a kind, "ok", ...).
    pub fn outcome(mut self, outcome: impl Into<String>) -> Row {
        self.outcome = outcome.into();
        self
    }

    /// How long the call took to fail (or to be cut).
    pub fn time_to_error(mut self, t: Duration) -> Row {
        self.time_to_error = Some(t);
        self
    }

    /// The sample after the case (else taken when recorded).
    pub fn after(mut self, after: Sample) -> Row {
        self.after = Some(after);
        self
    }

    /// Writes the row: one tab-separated line, to stderr and to `WHARF_FAULTS_REPORT`.
    pub fn record(self) {
        let after = self.after.unwrap_or_else(Sample::now);
        let line = format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            self.case,
            self.engine,
            self.outcome.replace(['\t', '\n'], " "),
            self.time_to_error
                .map_or("-".to_owned(), |t| format!("{} ms", t.as_millis())),
            self.before.fds,
            after.fds,
            self.before.rss_kib / 1024,
            after.rss_kib / 1024,
        );
        let _ = std::io::stderr().write_all(format!("faults: {line}").as_bytes());
        if let Some(path) = std::env::var_os("WHARF_FAULTS_REPORT") {
            if let Ok(mut file) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                let _ = file.write_all(line.as_bytes());
            }
        }
    }
}

/// A small seeded random source (a 64-bit LCG, Knuth's MMIX constants): enough to pick
/// drop points, and repeatable from the printed seed.
#[derive(Clone, Debug)]
pub struct Lcg(u64);

impl Lcg {
    /// Seeded from `WHARF_FAULTS_SEED`, else from the clock; the seed is printed.
    pub fn from_env(what: &str) -> Lcg {
        let seed = std::env::var("WHARF_FAULTS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        let _ = writeln!(std::io::stderr(), "{what}: WHARF_FAULTS_SEED={seed}");
        Lcg(seed)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}
