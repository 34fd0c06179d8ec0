//! Filters for list and prune calls, encoded as the Engine expects them.
//!
//! The Engine takes filters as one `filters` query parameter holding a JSON
//! object that maps each key to a list of values:
//!
//! ```text
//! GET /containers/json?filters={"label":["app=web"],"status":["exited"]}
//! ```
//!
//! Values of one key are alternatives (`status=exited` or `status=dead`);
//! different keys must all match. Which keys an endpoint understands is up to
//! the endpoint (see its docs); [`Filters::add`] takes any key, and the
//! named methods cover the common ones.
//!
//! ```
//! use wharf::Filters;
//!
//! let filters = Filters::new().label("app=web").status("exited").status("dead");
//! assert_eq!(filters.to_json(), r#"{"label":["app=web"],"status":["exited","dead"]}"#);
//! ```

use std::collections::BTreeMap;

/// A set of filters: keys, each with one or more values.
///
/// ```no_run
/// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
/// use wharf::{container::ListOptions, Filters};
///
/// let exited = docker
///     .containers()
///     .list(&ListOptions::new().all(true).filters(Filters::new().status("exited")))
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct Filters {
    map: BTreeMap<String, Vec<String>>,
}

impl Filters {
    /// No filters.
    ///
    /// ```
    /// assert!(wharf::Filters::new().is_empty());
    /// ```
    pub fn new() -> Filters {
        Filters::default()
    }

    /// Adds `value` to the values of `key` (any key the endpoint knows).
    /// Adding a value twice keeps one.
    ///
    /// ```
    /// let f = wharf::Filters::new().add("health", "unhealthy").add("health", "unhealthy");
    /// assert_eq!(f.to_json(), r#"{"health":["unhealthy"]}"#);
    /// ```
    pub fn add(mut self, key: impl Into<String>, value: impl Into<String>) -> Filters {
        let values = self.map.entry(key.into()).or_default();
        let value = value.into();
        if !values.contains(&value) {
            values.push(value);
        }
        self
    }

    /// `label`: objects with the label `key` or `key=value`. Labels of
    /// several calls must all be present.
    ///
    /// ```
    /// let f = wharf::Filters::new().label("app=web").label("tier");
    /// assert_eq!(f.to_json(), r#"{"label":["app=web","tier"]}"#);
    /// ```
    pub fn label(self, label: impl Into<String>) -> Filters {
        self.add("label", label)
    }

    /// `label!`: objects without the label `key`, or whose `key` differs
    /// from `value` (for prune).
    ///
    /// ```
    /// let f = wharf::Filters::new().label_not("keep");
    /// assert_eq!(f.to_json(), r#"{"label!":["keep"]}"#);
    /// ```
    pub fn label_not(self, label: impl Into<String>) -> Filters {
        self.add("label!", label)
    }

    /// `status`: containers in this state (`created`, `restarting`,
    /// `running`, `removing`, `paused`, `exited`, `dead`).
    ///
    /// ```
    /// let f = wharf::Filters::new().status("running");
    /// assert_eq!(f.to_json(), r#"{"status":["running"]}"#);
    /// ```
    pub fn status(self, status: impl Into<String>) -> Filters {
        self.add("status", status)
    }

    /// `name`: objects whose name matches this (a regular expression for
    /// containers).
    ///
    /// ```
    /// let f = wharf::Filters::new().name("^/web$");
    /// assert_eq!(f.to_json(), r#"{"name":["^/web$"]}"#);
    /// ```
    pub fn name(self, name: impl Into<String>) -> Filters {
        self.add("name", name)
    }

    /// `id`: objects whose id starts with this.
    ///
    /// ```
    /// let f = wharf::Filters::new().id("4f3c");
    /// assert_eq!(f.to_json(), r#"{"id":["4f3c"]}"#);
    /// ```
    pub fn id(self, id: impl Into<String>) -> Filters {
        self.add("id", id)
    }

    /// `ancestor`: containers made from this image or one built on it.
    ///
    /// ```
    /// let f = wharf::Filters::new().ancestor("alpine:3.20");
    /// assert_eq!(f.to_json(), r#"{"ancestor":["alpine:3.20"]}"#);
    /// ```
    pub fn ancestor(self, image: impl Into<String>) -> Filters {
        self.add("ancestor", image)
    }

    /// `exited`: containers that exited with this code.
    ///
    /// ```
    /// let f = wharf::Filters::new().exited(137);
    /// assert_eq!(f.to_json(), r#"{"exited":["137"]}"#);
    /// ```
    pub fn exited(self, code: i64) -> Filters {
        self.add("exited", code.to_string())
    }

    /// `until`: objects created before this time (for prune): a Unix
    /// timestamp, an RFC 3339 date or a duration such as `10m` or `24h`
    /// before now.
    ///
    /// ```
    /// let f = wharf::Filters::new().until("24h");
    /// assert_eq!(f.to_json(), r#"{"until":["24h"]}"#);
    /// ```
    pub fn until(self, until: impl Into<String>) -> Filters {
        self.add("until", until)
    }

    /// `network`: containers connected to this network (name or id).
    ///
    /// ```
    /// let f = wharf::Filters::new().network("backend");
    /// assert_eq!(f.to_json(), r#"{"network":["backend"]}"#);
    /// ```
    pub fn network(self, network: impl Into<String>) -> Filters {
        self.add("network", network)
    }

    /// `volume`: containers that mount this volume (name) or path.
    ///
    /// ```
    /// let f = wharf::Filters::new().volume("data");
    /// assert_eq!(f.to_json(), r#"{"volume":["data"]}"#);
    /// ```
    pub fn volume(self, volume: impl Into<String>) -> Filters {
        self.add("volume", volume)
    }

    /// True when no filter is set.
    ///
    /// ```
    /// assert!(!wharf::Filters::new().label("a").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The values of `key`, in the order they were added.
    ///
    /// ```
    /// let f = wharf::Filters::new().status("exited").status("dead");
    /// assert_eq!(f.get("status"), ["exited", "dead"]);
    /// assert!(f.get("label").is_empty());
    /// ```
    pub fn get(&self, key: &str) -> &[String] {
        self.map.get(key).map(Vec::as_slice).unwrap_or_default()
    }

    /// The `filters` query value: a JSON object of lists, keys sorted.
    ///
    /// ```
    /// let f = wharf::Filters::new().add("label", r#"say="hi""#);
    /// assert_eq!(f.to_json(), r#"{"label":["say=\"hi\""]}"#);
    /// ```
    pub fn to_json(&self) -> String {
        // A map of strings to lists of strings always encodes.
        serde_json::to_string(&self.map).unwrap_or_default()
    }

    /// The `filters` query value of an operation: none when there are no
    /// filters.
    pub(crate) fn query(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.to_json())
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Filters {
    /// Collects `(key, value)` pairs.
    ///
    /// ```
    /// let f: wharf::Filters = [("label", "a=b"), ("status", "exited")].into_iter().collect();
    /// assert_eq!(f.to_json(), r#"{"label":["a=b"],"status":["exited"]}"#);
    /// ```
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Filters {
        iter.into_iter()
            .fold(Filters::new(), |f, (k, v)| f.add(k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_lists_under_sorted_keys() {
        let f = Filters::new()
            .status("exited")
            .label("b=2")
            .label("a=1")
            .add("custom-key", "x")
            .until("1h");
        assert_eq!(
            f.to_json(),
            r#"{"custom-key":["x"],"label":["b=2","a=1"],"status":["exited"],"until":["1h"]}"#
        );
        let back: serde_json::Value = serde_json::from_str(&f.to_json()).unwrap();
        assert_eq!(back["label"], serde_json::json!(["b=2", "a=1"]));
    }

    #[test]
    fn empty_filters_encode_as_an_empty_object_and_add_no_query() {
        assert_eq!(Filters::new().to_json(), "{}");
        assert!(Filters::new().is_empty());
    }

    #[test]
    fn duplicates_are_kept_once() {
        let f = Filters::new().label("a").label("a").label("b");
        assert_eq!(f.get("label"), ["a", "b"]);
    }

    #[test]
    fn values_are_json_escaped() {
        let f = Filters::new().name("we\"ird\\name");
        let parsed: BTreeMap<String, Vec<String>> = serde_json::from_str(&f.to_json()).unwrap();
        assert_eq!(parsed["name"], ["we\"ird\\name"]);
    }
}
