//! The swarm itself: init, join, inspect, update, unlock, leave.

use wharf_api::types::{
    JoinTokens, SwarmInitRequest, SwarmJoinRequest, SwarmSpec, SwarmSpecEncryptionConfig,
    SwarmUnlockRequest,
};

use super::{version_of, Swarm};
use crate::container::bodiless;
use crate::error::Result;
use crate::Timeout;

/// How to start a new swarm ([`Swarm::init`]).
///
/// ```
/// use wharf::swarm::InitOptions;
///
/// let options = InitOptions::new()
///     .listen_addr("0.0.0.0:2377")
///     .advertise_addr("10.0.0.5")
///     .default_addr_pool("10.200.0.0/16")
///     .subnet_size(24)
///     .data_path_port(4789)
///     .autolock(true);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct InitOptions {
    request: SwarmInitRequest,
}

impl Default for InitOptions {
    fn default() -> InitOptions {
        InitOptions {
            request: SwarmInitRequest {
                // The CLI's default, always sent: Docker 20.10 refuses an init
                // without one ("invalid ListenAddr \"\": invalid empty address").
                listen_addr: Some("0.0.0.0:2377".to_owned()),
                ..SwarmInitRequest::default()
            },
        }
    }
}

impl InitOptions {
    /// The docker CLI's defaults: listen on `0.0.0.0:2377`, advertise the address of
    /// the interface with the default route.
    ///
    /// ```
    /// let options = wharf::swarm::InitOptions::new();
    /// ```
    pub fn new() -> InitOptions {
        InitOptions::default()
    }

    /// Where the manager listens for the swarm's traffic (`address[:port]` or an
    /// interface name; default `0.0.0.0:2377`).
    ///
    /// ```
    /// let options = wharf::swarm::InitOptions::new().listen_addr("0.0.0.0:2377");
    /// ```
    pub fn listen_addr(mut self, addr: impl Into<String>) -> InitOptions {
        self.request.listen_addr = Some(addr.into());
        self
    }

    /// The address other nodes reach this one at (`address[:port]` or an interface
    /// name). Needed when the daemon cannot choose one (several interfaces, or none
    /// with the default route).
    ///
    /// ```
    /// let options = wharf::swarm::InitOptions::new().advertise_addr("10.0.0.5:2377");
    /// ```
    pub fn advertise_addr(mut self, addr: impl Into<String>) -> InitOptions {
        self.request.advertise_addr = Some(addr.into());
        self
    }

    /// The address (or interface) for the data path: the traffic of the services'
    /// overlay networks, apart from the control traffic.
    ///
    /// ```
    /// let options = wharf::swarm::InitOptions::new().data_path_addr("192.168.1.5");
    /// ```
    pub fn data_path_addr(mut self, addr: impl Into<String>) -> InitOptions {
        self.request.data_path_addr = Some(addr.into());
        self
    }

    /// The UDP port of the data path (VXLAN; default 4789).
    ///
    /// ```
    /// let options = wharf::swarm::InitOptions::new().data_path_port(7789);
    /// ```
    pub fn data_path_port(mut self, port: u16) -> InitOptions {
        self.request.data_path_port = Some(u32::from(port));
        self
    }

    /// Adds an address pool (CIDR) the swarm's overlay networks take their subnets
    /// from (default `10.0.0.0/8`).
    ///
    /// ```
    /// let options = wharf::swarm::InitOptions::new().default_addr_pool("10.200.0.0/16");
    /// ```
    pub fn default_addr_pool(mut self, cidr: impl Into<String>) -> InitOptions {
        self.request.default_addr_pool.push(cidr.into());
        self
    }

    /// The prefix length of each overlay network's subnet from the pools (default 24).
    ///
    /// ```
    /// let options = wharf::swarm::InitOptions::new().subnet_size(26);
    /// ```
    pub fn subnet_size(mut self, bits: u32) -> InitOptions {
        self.request.subnet_size = Some(bits);
        self
    }

    /// Locks the managers' keys: after a restart, a manager needs the unlock key
    /// ([`Swarm::unlock_key`], [`Swarm::unlock`]).
    ///
    /// ```
    /// let options = wharf::swarm::InitOptions::new().autolock(true);
    /// ```
    pub fn autolock(mut self, on: bool) -> InitOptions {
        spec_mut(&mut self.request.spec).encryption_config = Some(SwarmSpecEncryptionConfig {
            auto_lock_managers: Some(on),
        });
        self
    }

    /// Forces a new swarm from this manager's state (disaster recovery: the other
    /// managers are lost).
    ///
    /// ```
    /// let options = wharf::swarm::InitOptions::new().force_new_cluster(true);
    /// ```
    pub fn force_new_cluster(mut self, on: bool) -> InitOptions {
        self.request.force_new_cluster = Some(on);
        self
    }

    /// Changes the request as the generated type has it (the swarm's spec: raft,
    /// dispatcher, CA and orchestration settings, labels).
    ///
    /// ```
    /// let options = wharf::swarm::InitOptions::new().with_request(|r| {
    ///     r.spec.get_or_insert_with(Default::default).name = Some("default".into());
    /// });
    /// ```
    pub fn with_request(mut self, change: impl FnOnce(&mut SwarmInitRequest)) -> InitOptions {
        change(&mut self.request);
        self
    }
}

fn spec_mut(spec: &mut Option<SwarmSpec>) -> &mut SwarmSpec {
    spec.get_or_insert_with(SwarmSpec::default)
}

/// How to join an existing swarm ([`Swarm::join`]).
///
/// ```
/// use wharf::swarm::JoinOptions;
///
/// let options = JoinOptions::new("SWMTKN-1-...", ["10.0.0.5:2377"]).advertise_addr("10.0.0.6");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct JoinOptions {
    request: SwarmJoinRequest,
}

impl JoinOptions {
    /// Joins with `token` (a worker's or a manager's, [`Swarm::join_tokens`]) through
    /// one of the managers at `remote_addrs`.
    ///
    /// ```
    /// let options = wharf::swarm::JoinOptions::new("SWMTKN-1-...", ["10.0.0.5:2377"]);
    /// ```
    pub fn new<I, S>(token: impl Into<String>, remote_addrs: I) -> JoinOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        JoinOptions {
            request: SwarmJoinRequest {
                join_token: token.into(),
                listen_addr: "0.0.0.0:2377".to_owned(),
                remote_addrs: remote_addrs.into_iter().map(Into::into).collect(),
                advertise_addr: None,
                data_path_addr: None,
            },
        }
    }

    /// Where this node listens for swarm traffic (default `0.0.0.0:2377`).
    ///
    /// ```
    /// let options = wharf::swarm::JoinOptions::new("SWMTKN-1-...", ["10.0.0.5"]).listen_addr("eth1");
    /// ```
    pub fn listen_addr(mut self, addr: impl Into<String>) -> JoinOptions {
        self.request.listen_addr = addr.into();
        self
    }

    /// The address the other nodes reach this one at.
    ///
    /// ```
    /// let options = wharf::swarm::JoinOptions::new("SWMTKN-1-...", ["10.0.0.5"]).advertise_addr("10.0.0.6");
    /// ```
    pub fn advertise_addr(mut self, addr: impl Into<String>) -> JoinOptions {
        self.request.advertise_addr = Some(addr.into());
        self
    }

    /// The address (or interface) for the data path.
    ///
    /// ```
    /// let options = wharf::swarm::JoinOptions::new("SWMTKN-1-...", ["10.0.0.5"]).data_path_addr("eth2");
    /// ```
    pub fn data_path_addr(mut self, addr: impl Into<String>) -> JoinOptions {
        self.request.data_path_addr = Some(addr.into());
        self
    }
}

/// A change to the swarm ([`Swarm::update`]): its spec, and which secrets to rotate.
///
/// ```
/// use wharf::swarm::SwarmUpdate;
///
/// let update = SwarmUpdate::new().rotate_worker_token().autolock(true);
/// ```
#[derive(Default)]
#[must_use]
pub struct SwarmUpdate {
    rotate_worker_token: bool,
    rotate_manager_token: bool,
    rotate_unlock_key: bool,
    #[allow(clippy::type_complexity)]
    changes: Vec<Box<dyn FnOnce(&mut SwarmSpec) + Send>>,
}

impl std::fmt::Debug for SwarmUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SwarmUpdate")
            .field("rotate_worker_token", &self.rotate_worker_token)
            .field("rotate_manager_token", &self.rotate_manager_token)
            .field("rotate_unlock_key", &self.rotate_unlock_key)
            .field("changes", &self.changes.len())
            .finish()
    }
}

impl SwarmUpdate {
    /// No change: sending it rewrites the spec as it is.
    ///
    /// ```
    /// let update = wharf::swarm::SwarmUpdate::new();
    /// ```
    pub fn new() -> SwarmUpdate {
        SwarmUpdate::default()
    }

    /// Makes a new worker join token; the old one stops working.
    ///
    /// ```
    /// let update = wharf::swarm::SwarmUpdate::new().rotate_worker_token();
    /// ```
    pub fn rotate_worker_token(mut self) -> SwarmUpdate {
        self.rotate_worker_token = true;
        self
    }

    /// Makes a new manager join token; the old one stops working.
    ///
    /// ```
    /// let update = wharf::swarm::SwarmUpdate::new().rotate_manager_token();
    /// ```
    pub fn rotate_manager_token(mut self) -> SwarmUpdate {
        self.rotate_manager_token = true;
        self
    }

    /// Makes a new unlock key (with autolock on).
    ///
    /// ```
    /// let update = wharf::swarm::SwarmUpdate::new().rotate_unlock_key();
    /// ```
    pub fn rotate_unlock_key(mut self) -> SwarmUpdate {
        self.rotate_unlock_key = true;
        self
    }

    /// Turns autolock on or off.
    ///
    /// ```
    /// let update = wharf::swarm::SwarmUpdate::new().autolock(false);
    /// ```
    pub fn autolock(self, on: bool) -> SwarmUpdate {
        self.with_spec(move |spec| {
            spec.encryption_config = Some(SwarmSpecEncryptionConfig {
                auto_lock_managers: Some(on),
            });
        })
    }

    /// Changes the spec as the generated type has it (labels, raft, dispatcher,
    /// CA, orchestration, task defaults).
    ///
    /// ```
    /// let update = wharf::swarm::SwarmUpdate::new().with_spec(|spec| {
    ///     spec.labels.insert("env".into(), "test".into());
    /// });
    /// ```
    pub fn with_spec(
        mut self,
        change: impl FnOnce(&mut SwarmSpec) + Send + 'static,
    ) -> SwarmUpdate {
        self.changes.push(Box::new(change));
        self
    }
}

impl Swarm {
    /// Makes this engine the first manager of a new swarm (`POST /swarm/init`) and
    /// returns its node id.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::swarm::InitOptions;
    /// let node = docker.swarm().init(&InitOptions::new().advertise_addr("10.0.0.5")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn init(&self, options: &InitOptions) -> Result<String> {
        let api = self.docker.generated().await?;
        let call = api.swarm_init(&options.request);
        self.docker.call(Timeout::Default, call).await
    }

    /// Joins an existing swarm (`POST /swarm/join`).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker, token: String) -> wharf::Result<()> {
    /// use wharf::swarm::JoinOptions;
    /// docker.swarm().join(&JoinOptions::new(token, ["10.0.0.5:2377"])).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn join(&self, options: &JoinOptions) -> Result<()> {
        let api = self.docker.generated().await?;
        let call = bodiless(api.swarm_join(&options.request));
        self.docker.call(Timeout::Default, call).await
    }

    /// The swarm as a manager sees it (`GET /swarm`): id, spec, version, join tokens.
    /// On a node that is not a manager, an error of kind
    /// [`Unavailable`](crate::ErrorKind::Unavailable).
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let swarm = docker.swarm().inspect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn inspect(&self) -> Result<wharf_api::types::Swarm> {
        let api = self.docker.generated().await?;
        self.docker
            .call(Timeout::Default, api.swarm_inspect())
            .await
    }

    /// The tokens that join a node as a worker or a manager.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// let tokens = docker.swarm().join_tokens().await?;
    /// println!("docker swarm join --token {}", tokens.worker.unwrap_or_default());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn join_tokens(&self) -> Result<JoinTokens> {
        Ok(self.inspect().await?.join_tokens.unwrap_or_default())
    }

    /// Changes the swarm (`POST /swarm/update`): reads its spec and version, applies
    /// `update`'s changes, sends the spec back with that version.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// use wharf::swarm::SwarmUpdate;
    /// docker.swarm().update(SwarmUpdate::new().rotate_worker_token()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(&self, update: SwarmUpdate) -> Result<()> {
        let current = self.inspect().await?;
        let version = version_of(current.version.as_ref());
        let mut spec = current.spec.unwrap_or_default();
        for change in update.changes {
            change(&mut spec);
        }
        let api = self.docker.generated().await?;
        let call = bodiless(api.swarm_update(
            update.rotate_manager_token.then_some(true),
            update.rotate_unlock_key.then_some(true),
            update.rotate_worker_token.then_some(true),
            version,
            &spec,
        ));
        self.docker.call(Timeout::Default, call).await
    }

    /// The key that unlocks a manager of a swarm with autolock on
    /// (`GET /swarm/unlockkey`); `None` when autolock is off.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// if let Some(key) = docker.swarm().unlock_key().await? {
    ///     println!("keep this safe: {key}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn unlock_key(&self) -> Result<Option<String>> {
        let api = self.docker.generated().await?;
        let key = self
            .docker
            .call(Timeout::Default, api.swarm_unlockkey())
            .await?;
        Ok(key.unlock_key.filter(|k| !k.is_empty()))
    }

    /// Unlocks a locked manager with its unlock key (`POST /swarm/unlock`). A wrong
    /// key, or a manager that is not locked, is refused with the daemon's words.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.swarm().unlock("SWMKEY-1-...").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn unlock(&self, key: impl Into<String>) -> Result<()> {
        let api = self.docker.generated().await?;
        let body = SwarmUnlockRequest {
            unlock_key: Some(key.into()),
        };
        let call = bodiless(api.swarm_unlock(&body));
        self.docker.call(Timeout::Default, call).await
    }

    /// Leaves the swarm (`POST /swarm/leave`). A manager must `force`, which it may
    /// do safely only when it is the last one; its services, tasks, secrets and
    /// configs go with it.
    ///
    /// ```no_run
    /// # async fn run(docker: wharf::Docker) -> wharf::Result<()> {
    /// docker.swarm().leave(true).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn leave(&self, force: bool) -> Result<()> {
        let api = self.docker.generated().await?;
        let call = bodiless(api.swarm_leave(force.then_some(true)));
        self.docker.call(Timeout::Default, call).await
    }
}
