//! Swarm tests against a live single-node swarm: the docker-28-swarm engine.
//!
//! They make the engine a swarm manager (and the last test leaves the swarm again), so
//! they run only where `WHARF_TEST_ENGINE` is `docker-28-swarm` or `docker-20-swarm` (or
//! `DOCKER_HOST` is one of their sockets); elsewhere each prints why once and passes as
//! skipped:
//!
//! ```sh
//! cargo xtask engine up docker-28-swarm
//! DOCKER_HOST=unix:///run/wharf/docker-28-swarm.sock WHARF_TEST_ENGINE=docker-28-swarm \
//!     cargo test -p wharf-tests --test swarm -- --test-threads=1
//! ```
//!
//! Tests that only need a swarm share it (a read lock on [`SWARM`]); those that change
//! the node or the swarm itself (drain, init/leave) hold it alone.
mod data;
mod logs;
mod services;
mod teardown;

use std::io::Write;
use std::sync::Once;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Mutex, RwLock, RwLockReadGuard};
use wharf::swarm::{InitOptions, ServiceSpec};
use wharf::{Docker, Filters};
use wharf_tests::engine::{cleanup_on_own_thread, engine, test_image, Engine, Scope, SCOPE_LABEL};

/// The engines the swarm tests run against, with their addresses in their network
/// namespaces (xtask/engines/swarm-engine.sh): the swarm's advertise address, where
/// ports published in host mode answer.
const SWARM_ENGINES: &[(&str, &str)] = &[
    ("docker-28-swarm", "10.30.0.2"),
    ("docker-20-swarm", "10.31.0.2"),
];

/// The swarm engine named by the environment, and its address.
fn named_engine() -> Option<(&'static str, &'static str)> {
    let named = std::env::var("WHARF_TEST_ENGINE").unwrap_or_default();
    let host = std::env::var("DOCKER_HOST").unwrap_or_default();
    SWARM_ENGINES
        .iter()
        .copied()
        .find(|(name, _)| named == *name || host.ends_with(&format!("/{name}.sock")))
}

/// The swarm's advertise address on the engine under test.
pub fn swarm_addr() -> &'static str {
    named_engine().map_or("127.0.0.1", |(_, addr)| addr)
}

/// Shared by the tests that need a swarm, held alone by those that change it.
pub static SWARM: RwLock<()> = RwLock::const_new(());
static INIT: Mutex<()> = Mutex::const_new(());

/// The swarm engine, or `None` (after one line saying why) on any other engine.
pub async fn swarm_engine() -> Option<Engine> {
    static NOTICE: Once = Once::new();
    let named = std::env::var("WHARF_TEST_ENGINE").unwrap_or_default();
    let host = std::env::var("DOCKER_HOST").unwrap_or_default();
    if named_engine().is_none() {
        let why = if named == "podman" {
            "Podman has no swarm mode (its compat API answers 404 to /swarm, /services, /nodes)"
                .to_owned()
        } else {
            format!(
                "the swarm tests make the engine a swarm manager, so they run only against \
                 docker-28-swarm or docker-20-swarm (WHARF_TEST_ENGINE), not {:?}",
                if named.is_empty() { &host } else { &named }
            )
        };
        NOTICE.call_once(|| {
            let _ = writeln!(std::io::stderr(), "skipping swarm tests: {why}");
        });
        return None;
    }
    engine().await
}

/// The local node's swarm state (`inactive`, `active`, `locked`, ...).
pub async fn node_state(docker: &Docker) -> String {
    let info = get_json(docker, "/info").await;
    info["Swarm"]["LocalNodeState"]
        .as_str()
        .unwrap_or("?")
        .to_owned()
}

/// A shared hold on the swarm, made a manager first if it is not in one yet.
pub async fn shared_swarm(engine: &Engine) -> RwLockReadGuard<'static, ()> {
    let guard = SWARM.read().await;
    let _init = INIT.lock().await;
    if node_state(&engine.docker).await == "inactive" {
        engine
            .docker
            .swarm()
            .init(&InitOptions::new().advertise_addr(swarm_addr()))
            .await
            .unwrap_or_else(|e| panic!("{engine}: swarm init: {e}"));
    }
    guard
}

/// The id of the test image on the engine: services name it by id, so that the
/// tasks start from the local image without asking a registry.
pub async fn image_id(engine: &Engine) -> String {
    let image = test_image(engine).await;
    let info = get_json(&engine.docker, &format!("/images/{image}/json")).await;
    info["Id"].as_str().expect("image id").to_owned()
}

/// A [`Scope`] that also removes its services, then its secrets and configs.
pub struct SwarmScope {
    pub scope: Scope,
    docker: Docker,
}

impl SwarmScope {
    pub fn new(engine: &Engine, test: &str) -> SwarmScope {
        SwarmScope {
            scope: Scope::new(engine, test),
            docker: engine.docker.clone(),
        }
    }

    /// A service spec of the test image running `script` with `sh -c`, named and
    /// labeled for this scope, stopping fast.
    pub fn service(&self, image_id: &str, what: &str, script: &str) -> ServiceSpec {
        let mut spec = ServiceSpec::new(image_id)
            .name(self.scope.name(what))
            .command(["sh", "-c", script])
            .stop_grace_period(Duration::from_secs(1));
        for (k, v) in self.scope.labels() {
            spec = spec.label(k.clone(), v.clone()).container_label(k, v);
        }
        spec
    }

    /// The label filter of this scope's objects.
    pub fn filters(&self) -> Filters {
        let label = &self.scope.labels()[SCOPE_LABEL];
        Filters::new().label(format!("{SCOPE_LABEL}={label}"))
    }
}

impl Drop for SwarmScope {
    /// Removes the scope's services, then its secrets and configs (which services
    /// use); then the scope drops its containers.
    fn drop(&mut self) {
        let filters = self.filters();
        cleanup_on_own_thread(self.docker.endpoint().clone(), move |docker| async move {
            let options = wharf::swarm::ServiceListOptions::new().filters(filters.clone());
            for s in docker.services().list(&options).await.unwrap_or_default() {
                let _ = docker.service(s.id.unwrap_or_default()).remove().await;
            }
            for s in docker.secrets().list(&filters).await.unwrap_or_default() {
                let _ = docker.secret(s.id.unwrap_or_default()).remove().await;
            }
            for c in docker.configs().list(&filters).await.unwrap_or_default() {
                let _ = docker.config(c.id.unwrap_or_default()).remove().await;
            }
        });
    }
}

/// What most swarm tests start with: the engine, a shared hold on its swarm, a scope,
/// the test image's id.
pub struct Setup {
    pub engine: Engine,
    pub scope: SwarmScope,
    pub image: String,
    _swarm: RwLockReadGuard<'static, ()>,
}

/// The [`Setup`] of the test `test`, or `None` on an engine without swarm tests.
pub async fn setup(test: &str) -> Option<Setup> {
    let engine = swarm_engine().await?;
    let swarm = shared_swarm(&engine).await;
    Some(Setup {
        scope: SwarmScope::new(&engine, test),
        image: image_id(&engine).await,
        engine,
        _swarm: swarm,
    })
}

/// Creates a service of `spec`.
pub async fn create(engine: &Engine, spec: &ServiceSpec) -> wharf::swarm::Service {
    let created = engine.docker.services().create(spec).await;
    created.unwrap_or_else(|e| panic!("{engine}: {e}")).service
}

/// `GET path` as JSON.
async fn get_json(docker: &Docker, path: &str) -> Value {
    let answer = docker.get(path).send().await.unwrap();
    answer.json().await.unwrap()
}
