//! Services: list, create, inspect, update (scale, image, rollback), remove.

use wharf_api::types;

use super::{version_of, Service, ServiceSpec, Services};
use crate::auth::Credentials;
use crate::container::bodiless;
use crate::error::Result;
use crate::filters::Filters;
use crate::Timeout;

/// What to list, for [`Services::list`].
///
/// ```
/// use wharf::{swarm::ServiceListOptions, Filters};
///
/// let options = ServiceListOptions::new().status(true).filters(Filters::new().label("app=web"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct ServiceListOptions {
    filters: Filters,
    status: bool,
}

impl ServiceListOptions {
    /// Every service, without task counts.
    ///
    /// ```
    /// let options = wharf::swarm::ServiceListOptions::new();
    /// ```
    pub fn new() -> ServiceListOptions {
        ServiceListOptions::default()
    }

    /// Only services matching these filters (`id`, `label`, `mode`, `name`).
    ///
    /// ```
    /// use wharf::{swarm::ServiceListOptions, Filters};
    /// let options = ServiceListOptions::new().filters(Filters::new().add("mode", "global"));
    /// ```
    pub fn filters(mut self, filters: Filters) -> ServiceListOptions {
        self.filters = filters;
        self
    }

    /// Adds each service's running and desired task counts (`ServiceStatus`).
    ///
    /// ```
    /// let options = wharf::swarm::ServiceListOptions::new().status(true);
    /// ```
    pub fn status(mut self, status: bool) -> ServiceListOptions {
        self.status = status;
        self
    }
}

/// A service just created ([`Services::create`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServiceCreated {
    /// The new service.
    pub service: Service,
    /// What the daemon warned about (an image it could not resolve, for example).
    pub warnings: Vec<String>,
}

impl Services {
    /// Lists services (`GET /services`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::swarm::ServiceListOptions;
    /// for s in docker.services().list(&ServiceListOptions::new().status(true)).await? {
    ///     println!("{:?} {:?}", s.spec.and_then(|s| s.name), s.service_status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, options: &ServiceListOptions) -> Result<Vec<types::Service>> {
        let api = self.docker.generated().await?;
        let filters = options.filters.query();
        let call = api.service_list(filters.as_deref(), options.status.then_some(true));
        self.docker.call(Timeout::Default, call).await
    }

    /// Creates a service (`POST /services/create`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::swarm::ServiceSpec;
    /// let created = docker.services().create(&ServiceSpec::new("redis:7").name("cache")).await?;
    /// println!("{}", created.service.id());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, spec: &ServiceSpec) -> Result<ServiceCreated> {
        self.create_inner(spec, None).await
    }

    /// Creates a service whose image comes from a registry that needs credentials:
    /// they go in the `X-Registry-Auth` header (as [`Credentials::registry_auth_header`]
    /// encodes them), which the swarm hands to the nodes that pull the image. Look them
    /// up as the docker CLI does with [`DockerConfig`](crate::auth::DockerConfig).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::auth::DockerConfig;
    /// use wharf::swarm::ServiceSpec;
    /// use wharf::Reference;
    ///
    /// let image = Reference::parse("registry.example.com/team/app:1")?;
    /// let credentials = DockerConfig::load()?.credentials_for(&image).await?;
    /// let spec = ServiceSpec::new(image.to_string());
    /// docker.services().create_with_credentials(&spec, &credentials).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_with_credentials(
        &self,
        spec: &ServiceSpec,
        credentials: &Credentials,
    ) -> Result<ServiceCreated> {
        let header = credentials.registry_auth_header();
        self.create_inner(spec, Some(&header)).await
    }

    async fn create_inner(
        &self,
        spec: &ServiceSpec,
        registry_auth: Option<&str>,
    ) -> Result<ServiceCreated> {
        let mut body = spec.build()?;
        resolve_references(&self.docker, &mut body).await?;
        let api = self.docker.generated().await?;
        let call = api.service_create(registry_auth, &body);
        let created = self.docker.call(Timeout::Default, call).await?;
        Ok(ServiceCreated {
            service: self.docker.service(created.id.unwrap_or_default()),
            warnings: created.warnings.unwrap_or_default(),
        })
    }
}

impl Service {
    /// The service as the daemon has it (`GET /services/{id}`): spec, previous
    /// spec, version, endpoint, update status.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let web = docker.service("web").inspect().await?;
    /// println!("version {:?}", web.version);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn inspect(&self) -> Result<types::Service> {
        let api = self.docker.generated().await?;
        let call = api.service_inspect(self.name()?, None);
        self.docker.call(Timeout::Default, call).await
    }

    /// Replaces the service's spec (`POST /services/{id}/update`); `version` is the
    /// version index the spec was read at ([`inspect`](Service::inspect)). Returns
    /// the daemon's warnings.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::swarm::ServiceSpec;
    /// let web = docker.service("web");
    /// let current = web.inspect().await?;
    /// let version = current.version.and_then(|v| v.index).unwrap_or(0);
    /// let spec = ServiceSpec::from(current.spec.unwrap_or_default()).env("MODE", "debug");
    /// web.update(&spec, version).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(&self, spec: &ServiceSpec, version: u64) -> Result<Vec<String>> {
        let mut body = spec.build()?;
        resolve_references(&self.docker, &mut body).await?;
        self.send_update(&body, version_index(version), None).await
    }

    /// Reads the spec, changes it with `change` and sends it back with the version
    /// it was read at.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.service("web").modify(|spec| spec.env("MODE", "debug")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn modify(
        &self,
        change: impl FnOnce(ServiceSpec) -> ServiceSpec,
    ) -> Result<Vec<String>> {
        let current = self.inspect().await?;
        let mut spec = change(ServiceSpec::from(current.spec.unwrap_or_default())).build()?;
        resolve_references(&self.docker, &mut spec).await?;
        self.send_update(&spec, version_of(current.version.as_ref()), None)
            .await
    }

    /// Sets the number of tasks of a replicated service.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.service("web").scale(5).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn scale(&self, replicas: u64) -> Result<Vec<String>> {
        self.modify(|spec| spec.replicas(replicas)).await
    }

    /// Changes the tasks' image (a rolling update).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.service("web").update_image("nginx:1.27.1").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update_image(&self, image: impl Into<String>) -> Result<Vec<String>> {
        let image = image.into();
        self.modify(|spec| spec.image(image)).await
    }

    /// Rolls the service back to its previous spec (`PreviousSpec`), as `docker
    /// service rollback` does: an update with `rollback=previous` and the current
    /// spec (docker CLI, `cli/command/service/rollback.go`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.service("web").rollback().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn rollback(&self) -> Result<Vec<String>> {
        let current = self.inspect().await?;
        let spec = current.spec.unwrap_or_default();
        self.send_update(
            &spec,
            version_of(current.version.as_ref()),
            Some("previous"),
        )
        .await
    }

    async fn send_update(
        &self,
        spec: &types::ServiceSpec,
        version: i64,
        rollback: Option<&str>,
    ) -> Result<Vec<String>> {
        let api = self.docker.generated().await?;
        // Registry credentials for the new image: the tasks keep the ones the
        // service was created with (the daemon's default, `spec`).
        let call = api.service_update(self.name()?, None, rollback, version, None, spec);
        Ok(self.docker.call(Timeout::Default, call).await?.warnings)
    }

    /// Removes the service (`DELETE /services/{id}`); its tasks' containers are
    /// stopped and removed by the nodes shortly after.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.service("web").remove().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove(&self) -> Result<()> {
        let api = self.docker.generated().await?;
        let call = bodiless(api.service_delete(self.name()?));
        self.docker.call(Timeout::Default, call).await
    }

    /// The service's tasks (`GET /tasks` with a `service` filter), more filters
    /// (`desired-state`, `node`) added.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let running = docker.service("web").tasks(wharf::Filters::new().add("desired-state", "running")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn tasks(&self, filters: Filters) -> Result<Vec<types::Task>> {
        self.docker
            .tasks()
            .list(&filters.add("service", self.name()?))
            .await
    }
}

/// Fills in the ids of the secrets and configs the spec names without one: the
/// daemon needs both name and id ("malformed secret reference", swarmkit
/// `manager/controlapi/service.go`), and the docker CLI looks ids up by name
/// the same way (`cli/command/service/parse.go`, `ParseSecrets`).
async fn resolve_references(docker: &crate::Docker, spec: &mut types::ServiceSpec) -> Result<()> {
    let Some(container) = spec
        .task_template
        .as_mut()
        .and_then(|t| t.container_spec.as_mut())
    else {
        return Ok(());
    };
    for secret in &mut container.secrets {
        if let (None, Some(name)) = (&secret.secret_id, &secret.secret_name) {
            let found = docker
                .secrets()
                .list(&Filters::new().name(name.clone()))
                .await?;
            let found = found
                .into_iter()
                .map(|s| (s.spec.and_then(|s| s.name), s.id));
            secret.secret_id = Some(pick("secret", name, found)?);
        }
    }
    for config in &mut container.configs {
        if let (None, Some(name)) = (&config.config_id, &config.config_name) {
            let found = docker
                .configs()
                .list(&Filters::new().name(name.clone()))
                .await?;
            let found = found
                .into_iter()
                .map(|c| (c.spec.and_then(|c| c.name), c.id));
            config.config_id = Some(pick("config", name, found)?);
        }
    }
    Ok(())
}

/// The id of the object named exactly `name` among `(name, id)` pairs (a `name`
/// filter also matches names that only start with it).
fn pick(
    what: &str,
    name: &str,
    mut found: impl Iterator<Item = (Option<String>, Option<String>)>,
) -> Result<String> {
    found
        .find_map(|(n, id)| id.filter(|_| n.as_deref() == Some(name)))
        .ok_or_else(|| {
            crate::Error::new(crate::ErrorKind::NotFound).with_detail(format!(
                "the service names the {what} {name:?}, which the swarm does not have"
            ))
        })
}

/// A version index as the update operation takes it.
fn version_index(version: u64) -> i64 {
    i64::try_from(version).unwrap_or(i64::MAX)
}
