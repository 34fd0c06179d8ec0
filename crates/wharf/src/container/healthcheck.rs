//! [`Healthcheck`]: how the daemon checks that a container is healthy.

use std::time::Duration;

use wharf_api::types::HealthConfig;

/// A container's health check
/// ([`ContainerSpec::healthcheck`](super::ContainerSpec::healthcheck)): a
/// command the daemon runs in the container, and how often.
///
/// Durations are sent in nanoseconds, as the API wants them; unset ones
/// take the image's values, then the daemon's defaults (30 s interval,
/// 30 s timeout, 3 retries).
///
/// ```
/// use std::time::Duration;
/// use wharf::container::Healthcheck;
///
/// let check = Healthcheck::cmd(["pg_isready", "-U", "postgres"])
///     .interval(Duration::from_secs(10))
///     .timeout(Duration::from_secs(3))
///     .retries(5)
///     .start_period(Duration::from_secs(30));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Healthcheck(HealthConfig);

impl Healthcheck {
    fn test(test: Vec<String>) -> Healthcheck {
        Healthcheck(HealthConfig {
            test,
            ..HealthConfig::default()
        })
    }

    /// Runs `argv` directly (`["CMD", argv...]`); healthy when it exits 0.
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::cmd(["curl", "-f", "http://localhost/"]);
    /// ```
    pub fn cmd<I, S>(argv: I) -> Healthcheck
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut test = vec!["CMD".to_owned()];
        test.extend(argv.into_iter().map(Into::into));
        Healthcheck::test(test)
    }

    /// Runs `command` with the container's shell (`["CMD-SHELL", command]`).
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::shell("test -f /tmp/ready");
    /// ```
    pub fn shell(command: impl Into<String>) -> Healthcheck {
        Healthcheck::test(vec!["CMD-SHELL".to_owned(), command.into()])
    }

    /// No health check, even if the image defines one (`["NONE"]`).
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::none();
    /// ```
    pub fn none() -> Healthcheck {
        Healthcheck::test(vec!["NONE".to_owned()])
    }

    /// The time between two checks.
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::shell("true").interval(std::time::Duration::from_secs(5));
    /// ```
    pub fn interval(mut self, every: Duration) -> Healthcheck {
        self.0.interval = Some(nanos(every));
        self
    }

    /// How long one check may run before it counts as failed.
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::shell("true").timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Healthcheck {
        self.0.timeout = Some(nanos(timeout));
        self
    }

    /// How many failures in a row make the container unhealthy.
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::shell("true").retries(5);
    /// ```
    pub fn retries(mut self, retries: u32) -> Healthcheck {
        self.0.retries = Some(i64::from(retries));
        self
    }

    /// The time the container gets to start, during which failures do not
    /// count.
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::shell("true").start_period(std::time::Duration::from_secs(30));
    /// ```
    pub fn start_period(mut self, period: Duration) -> Healthcheck {
        self.0.start_period = Some(nanos(period));
        self
    }

    /// The time between checks during the start period (API 1.44 and
    /// later).
    ///
    /// ```
    /// let check = wharf::container::Healthcheck::shell("true").start_interval(std::time::Duration::from_secs(1));
    /// ```
    pub fn start_interval(mut self, every: Duration) -> Healthcheck {
        self.0.start_interval = Some(nanos(every));
        self
    }
}

impl From<Healthcheck> for HealthConfig {
    fn from(check: Healthcheck) -> HealthConfig {
        check.0
    }
}

/// A duration in nanoseconds, as the API counts them (saturating).
fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}
