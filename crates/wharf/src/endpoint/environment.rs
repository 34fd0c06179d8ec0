//! [`Environment`]: the variables an endpoint is resolved from, the
//! process's or a set of its own.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// The environment variables an endpoint is resolved from.
///
/// [`Environment::process`] reads the process environment when asked;
/// [`Environment::empty`] and [`Environment::set`] build one by hand. Empty
/// values count as unset, as they do for the docker CLI.
///
/// ```
/// use wharf::endpoint::{Endpoint, Environment, Source};
///
/// let env = Environment::empty().set("DOCKER_HOST", "tcp://10.0.0.5:2375");
/// let endpoint = Endpoint::resolve(&env)?;
/// assert_eq!(endpoint.url(), "tcp://10.0.0.5:2375");
/// assert_eq!(endpoint.source(), &Source::Env("DOCKER_HOST"));
/// # Ok::<(), wharf::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Environment {
    /// `None`: the process environment.
    vars: Option<BTreeMap<String, String>>,
}

impl Environment {
    /// The process environment, read at each lookup.
    ///
    /// ```
    /// let env = wharf::endpoint::Environment::process();
    /// let _host = env.var("DOCKER_HOST");
    /// ```
    pub fn process() -> Environment {
        Environment { vars: None }
    }

    /// An environment with no variables at all (not even `HOME`).
    ///
    /// ```
    /// let env = wharf::endpoint::Environment::empty();
    /// assert_eq!(env.var("HOME"), None);
    /// ```
    pub fn empty() -> Environment {
        Environment {
            vars: Some(BTreeMap::new()),
        }
    }

    /// This environment with `name` set to `value`. On the process
    /// environment this takes a snapshot first; the process itself is not
    /// changed.
    ///
    /// ```
    /// let env = wharf::endpoint::Environment::empty().set("DOCKER_CONTEXT", "remote");
    /// assert_eq!(env.var("DOCKER_CONTEXT").as_deref(), Some("remote"));
    /// ```
    pub fn set(mut self, name: impl Into<String>, value: impl Into<String>) -> Environment {
        let vars = self.vars.get_or_insert_with(|| {
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect()
        });
        vars.insert(name.into(), value.into());
        self
    }

    /// The value of `name`, or `None` if it is unset, empty or not UTF-8.
    ///
    /// ```
    /// let env = wharf::endpoint::Environment::empty().set("DOCKER_TLS_VERIFY", "");
    /// assert_eq!(env.var("DOCKER_TLS_VERIFY"), None);
    /// ```
    pub fn var(&self, name: &str) -> Option<String> {
        let value = match &self.vars {
            None => std::env::var(name).ok(),
            Some(vars) => vars.get(name).cloned(),
        };
        value.filter(|v| !v.is_empty())
    }

    #[cfg_attr(not(unix), allow(dead_code))] // for ssh, which needs Unix
    pub(crate) fn is_process(&self) -> bool {
        self.vars.is_none()
    }

    fn home(&self) -> Option<PathBuf> {
        let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
        self.var(var).map(PathBuf::from)
    }

    /// `$DOCKER_CONFIG`, else `~/.docker`.
    pub(crate) fn config_dir(&self) -> Option<PathBuf> {
        self.var("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| self.home().map(|h| h.join(".docker")))
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Environment {
    /// An environment holding exactly these variables.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Environment {
        Environment {
            vars: Some(
                iter.into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            ),
        }
    }
}

impl fmt::Debug for Environment {
    // Names only: environments hold secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.vars {
            None => f.write_str("Environment(process)"),
            Some(vars) => f.debug_tuple("Environment").field(&vars.keys()).finish(),
        }
    }
}
