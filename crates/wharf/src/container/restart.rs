//! [`Restart`]: a container's restart policy, as
//! [`Resources::restart`](super::Resources::restart) sets it.

use wharf_api::types::{RestartPolicy, RestartPolicyName};

/// When the daemon restarts a container that stopped.
///
/// ```
/// use wharf::container::{HostSpec, Resources, Restart};
///
/// let restart = Resources::new().restart(Restart::OnFailure { max_retries: Some(3) });
/// let host = HostSpec::new().resources(restart).build()?;
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
