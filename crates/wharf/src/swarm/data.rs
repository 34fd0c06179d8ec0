//! Secrets and configs: named blobs of data the swarm keeps (secrets encrypted in its
//! raft log) and mounts into the tasks of the services that name them
//! ([`ServiceSpec::secret`](super::ServiceSpec::secret),
//! [`ServiceSpec::config`](super::ServiceSpec::config)).
//!
//! Both take a [`DataSpec`]: the data as bytes (sent base64-encoded, as the daemon
//! wants it) and labels. Only the labels of an existing one can change. Errors the
//! daemon's way:
//!
//! - a name in use: kind [`Conflict`](crate::ErrorKind::Conflict) (`409`), the
//!   daemon's message ("rpc error: ... secret x already exists");
//! - removing one a service uses: kind [`Conflict`](crate::ErrorKind::Conflict)
//!   too, with the daemon's message ("secret 'x' is in use by the following
//!   service: web"). The daemon answers that with `400` (swarmkit's
//!   `manager/controlapi/secret.go` returns `codes.InvalidArgument`), which would
//!   read as a bad parameter; it is a conflict with the object's state, as
//!   removing an image a container uses is.

use std::collections::HashMap;

use base64::Engine as _;
use wharf_api::types::{self, ConfigSpec, SecretSpec};

use super::{version_of, Config, Configs, Secret, Secrets};
use crate::container::bodiless;
use crate::error::{Error, ErrorKind, Result};
use crate::filters::Filters;
use crate::Timeout;

/// A secret or config to create: a name, the data, labels.
///
/// ```
/// use wharf::swarm::DataSpec;
///
/// let spec = DataSpec::new("db-password", "s3cret").label("app", "db");
/// let bytes = DataSpec::new("tls-key", vec![0u8, 1, 2]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct DataSpec {
    name: String,
    data: Vec<u8>,
    labels: HashMap<String, String>,
}

impl DataSpec {
    /// `data` under `name`.
    ///
    /// ```
    /// let spec = wharf::swarm::DataSpec::new("motd", "hello\n");
    /// ```
    pub fn new(name: impl Into<String>, data: impl Into<Vec<u8>>) -> DataSpec {
        DataSpec {
            name: name.into(),
            data: data.into(),
            labels: HashMap::new(),
        }
    }

    /// A label.
    ///
    /// ```
    /// let spec = wharf::swarm::DataSpec::new("motd", "hello\n").label("team", "ops");
    /// ```
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> DataSpec {
        self.labels.insert(key.into(), value.into());
        self
    }

    fn encoded(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.data)
    }
}

/// A removal the daemon refused because a service uses the object: a conflict
/// (see the [module docs](self)).
fn in_use_is_conflict(e: Error) -> Error {
    let in_use = e.kind() == ErrorKind::InvalidArgument
        && e.message().is_some_and(|m| m.contains(" is in use by "));
    if in_use {
        e.with_kind(ErrorKind::Conflict)
    } else {
        e
    }
}

/// The collection and handle calls of secrets and configs, which differ only in
/// their types and operations.
macro_rules! data_object {
    (
        $collection:ident, $handle:ident, $what:literal, $example:literal,
        $spec:ident, $object:ident,
        $list:ident, $create:ident, $inspect:ident, $update:ident, $delete:ident,
        $to_spec:expr
    ) => {
        impl $collection {
            #[doc = concat!("Lists the ", $what, "s (`GET /", $what, "s`), filtered by `id`, `label`, `name`, `names`.")]
            ///
            /// ```no_run
            /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
            #[doc = concat!("for x in docker.", $what, "s().list(&wharf::Filters::new().label(\"app=db\")).await? {")]
            ///     println!("{:?}", x.id);
            /// }
            /// # Ok(())
            /// # }
            /// ```
            pub async fn list(&self, filters: &Filters) -> Result<Vec<types::$object>> {
                let api = self.docker.generated().await?;
                let filters = filters.query();
                let call = api.$list(filters.as_deref());
                self.docker.call(Timeout::Default, call).await
            }

            #[doc = concat!("Creates a ", $what, " (`POST /", $what, "s/create`) and returns its handle, by id.")]
            #[doc = concat!("A name in use is an error of kind [`Conflict`](crate::ErrorKind::Conflict).")]
            ///
            /// ```no_run
            /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
            /// use wharf::swarm::DataSpec;
            #[doc = concat!("let created = docker.", $what, "s().create(&DataSpec::new(\"", $example, "\", \"data\")).await?;")]
            /// # Ok(())
            /// # }
            /// ```
            pub async fn create(&self, spec: &DataSpec) -> Result<$handle> {
                let body: $spec = $to_spec(spec);
                let api = self.docker.generated().await?;
                let created = self.docker.call(Timeout::Default, api.$create(&body)).await?;
                Ok($handle {
                    docker: self.docker.clone(),
                    id: created.id,
                })
            }
        }

        impl $handle {
            #[doc = concat!("The ", $what, " (`GET /", $what, "s/{id}`): its spec, labels and version.")]
            ///
            /// ```no_run
            /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
            #[doc = concat!("let x = docker.", $what, "(\"", $example, "\").inspect().await?;")]
            /// # Ok(())
            /// # }
            /// ```
            pub async fn inspect(&self) -> Result<types::$object> {
                let api = self.docker.generated().await?;
                self.docker.call(Timeout::Default, api.$inspect(self.name()?)).await
            }

            #[doc = concat!("Replaces the ", $what, "'s labels (`POST /", $what, "s/{id}/update`; the data cannot change):")]
            /// reads its spec and version, sends the spec back with the new labels.
            ///
            /// ```no_run
            /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
            #[doc = concat!("docker.", $what, "(\"", $example, "\").update_labels([(\"rotated\", \"2026\")]).await?;")]
            /// # Ok(())
            /// # }
            /// ```
            pub async fn update_labels<I, K, V>(&self, labels: I) -> Result<()>
            where
                I: IntoIterator<Item = (K, V)>,
                K: Into<String>,
                V: Into<String>,
            {
                let current = self.inspect().await?;
                let mut spec = current.spec.unwrap_or_default();
                spec.labels = labels.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
                let api = self.docker.generated().await?;
                let id = current.id.unwrap_or_else(|| self.id.clone());
                let version = version_of(current.version.as_ref());
                let call = bodiless(api.$update(&id, version, &spec));
                self.docker.call(Timeout::Default, call).await
            }

            #[doc = concat!("Removes the ", $what, " (`DELETE /", $what, "s/{id}`). One a service uses is refused:")]
            /// an error of kind [`Conflict`](crate::ErrorKind::Conflict) with the daemon's
            /// message (see the [module docs](crate::swarm)).
            ///
            /// ```no_run
            /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
            #[doc = concat!("match docker.", $what, "(\"", $example, "\").remove().await {")]
            ///     Err(e) if e.kind() == wharf::ErrorKind::Conflict => println!("in use: {e}"),
            ///     other => other?,
            /// }
            /// # Ok(())
            /// # }
            /// ```
            pub async fn remove(&self) -> Result<()> {
                let api = self.docker.generated().await?;
                let call = bodiless(api.$delete(self.name()?));
                self.docker
                    .call(Timeout::Default, call)
                    .await
                    .map_err(in_use_is_conflict)
            }
        }
    };
}

data_object!(
    Secrets,
    Secret,
    "secret",
    "db-password",
    SecretSpec,
    Secret,
    secret_list,
    secret_create,
    secret_inspect,
    secret_update,
    secret_delete,
    |spec: &DataSpec| SecretSpec {
        name: Some(spec.name.clone()),
        data: Some(spec.encoded()),
        labels: spec.labels.clone(),
        ..SecretSpec::default()
    }
);

data_object!(
    Configs,
    Config,
    "config",
    "nginx.conf",
    ConfigSpec,
    Config,
    config_list,
    config_create,
    config_inspect,
    config_update,
    config_delete,
    |spec: &DataSpec| ConfigSpec {
        name: Some(spec.name.clone()),
        data: Some(spec.encoded()),
        labels: spec.labels.clone(),
        ..ConfigSpec::default()
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_answer_reads_as_the_daemon_spells_it() {
        // moby's SecretCreateResponse and ConfigCreateResponse: `ID`, not the spec's `Id`
        let secret: types::SecretCreateResponse = serde_json::from_str(r#"{"ID":"abc"}"#).unwrap();
        assert_eq!(secret.id, "abc");
        let config: types::ConfigCreateResponse = serde_json::from_str(r#"{"ID":"def"}"#).unwrap();
        assert_eq!(config.id, "def");
    }

    #[test]
    fn data_is_sent_base64_encoded() {
        assert_eq!(DataSpec::new("x", vec![0u8, 255, 10]).encoded(), "AP8K");
    }

    #[test]
    fn in_use_removal_is_a_conflict_and_keeps_the_message() {
        let m = "rpc error: code = InvalidArgument desc = secret 's' is in use by the following service: web";
        let e = in_use_is_conflict(Error::from_status(400, Some(m.to_owned())));
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert_eq!(e.message(), Some(m));
        let other = in_use_is_conflict(Error::from_status(400, Some("bad name".to_owned())));
        assert_eq!(other.kind(), ErrorKind::InvalidArgument);
    }
}
