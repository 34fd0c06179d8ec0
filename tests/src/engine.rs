//! Support for tests against a live engine.
//!
//! - [`engine`] connects to the engine that `DOCKER_HOST` (or the docker context, or the
//!   default socket) names. When none answers, the test fails if `CI` is set, and otherwise
//!   prints one line saying how to start one and returns `None` (the test passes as skipped).
//! - [`test_image`] builds `wharf-test/busybox:latest` once per run, `FROM scratch` with
//!   Debian's static busybox, through the API: no registry is needed.
//! - [`Scope`] gives a test unique names and a label, and removes everything carrying the
//!   label when it is dropped, also when the test fails.
use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use wharf::endpoint::Endpoint;
use wharf::{ApiVersion, Docker};

/// The test image, built by [`test_image`].
pub const TEST_IMAGE: &str = "wharf-test/busybox:latest";
/// Where Debian's busybox-static puts its (static) binary.
const BUSYBOX: &str = "/bin/busybox";
/// Every object a test creates carries this label.
pub const TEST_LABEL: &str = "org.wharf.test";
/// The label naming the [`Scope`] an object belongs to.
pub const SCOPE_LABEL: &str = "org.wharf.test.scope";
const CONTEXT_LABEL: &str = "org.wharf.test.context";

/// Which kind of engine answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Docker Engine (moby).
    Docker,
    /// Podman's Docker-compatible service.
    Podman,
}

/// A live engine.
#[derive(Clone)]
pub struct Engine {
    /// A client for it, version negotiated.
    pub docker: Docker,
    /// Docker or Podman.
    pub flavor: Flavor,
    /// Its version (`Version` of `/version`), e.g. `28.5.2`.
    pub version: String,
    /// The highest API version it speaks (`ApiVersion` of `/version`).
    pub api_version: ApiVersion,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} {} (API {}) at {}",
            self.flavor,
            self.version,
            self.api_version,
            self.docker.endpoint().url()
        )
    }
}

impl Engine {
    /// The major version of a Docker engine (`28`, `20`); `None` for Podman.
    pub fn docker_major(&self) -> Option<u32> {
        match self.flavor {
            Flavor::Docker => self.version.split('.').next()?.parse().ok(),
            Flavor::Podman => None,
        }
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The engine the environment names, or `None` (after one line on stderr) when none
/// answers outside CI. Under CI, no engine is a test failure.
pub async fn engine() -> Option<Engine> {
    let docker = Docker::connect().unwrap_or_else(|e| panic!("no usable engine endpoint: {e}"));
    engine_of(
        docker,
        "Start one with `cargo xtask engine up docker-28` and set \
         DOCKER_HOST=unix:///run/wharf/docker-28.sock",
    )
    .await
}

/// The engine at `host` (a `DOCKER_HOST` value), as [`engine`] finds it: `None` outside CI
/// when it does not answer (`start` says how to start it), a failure under CI.
pub async fn engine_at(host: &str, start: &str) -> Option<Engine> {
    let docker = Docker::builder()
        .environment(wharf::endpoint::Environment::empty().set("DOCKER_HOST", host))
        .build()
        .unwrap_or_else(|e| panic!("no usable engine endpoint {host}: {e}"));
    engine_of(docker, start).await
}

async fn engine_of(docker: Docker, start: &str) -> Option<Engine> {
    static SKIP_NOTICE: Once = Once::new();
    let answer = tokio::time::timeout(Duration::from_secs(20), docker.api_version()).await;
    let failure = match answer {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some("no answer within 20 s".to_owned()),
    };
    if let Some(why) = failure {
        let endpoint = docker.endpoint();
        let msg = format!(
            "no engine answers at {} ({}): {why}. {start}",
            endpoint.url(),
            endpoint.source()
        );
        if in_ci() {
            panic!("engine tests cannot run under CI: {msg}");
        }
        // Straight to stderr: the test harness captures `eprintln!` of passing tests.
        SKIP_NOTICE.call_once(|| {
            let _ = writeln!(std::io::stderr(), "skipping engine tests: {msg}");
        });
        return None;
    }
    let version: Value = docker
        .get("/version")
        .send()
        .await
        .expect("GET /version")
        .json()
        .await
        .expect("/version decodes");
    let podman = version["Components"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["Name"].as_str().unwrap_or("").contains("Podman"))
    });
    Some(Engine {
        flavor: if podman {
            Flavor::Podman
        } else {
            Flavor::Docker
        },
        version: version["Version"].as_str().unwrap_or("?").to_owned(),
        api_version: version["ApiVersion"]
            .as_str()
            .and_then(|v| v.parse().ok())
            .expect("/version has ApiVersion"),
        docker,
    })
}

/// Whether `engine` is of `flavor`; if so, says on stderr why it is checked
/// differently (`why`), so the difference shows in the test output.
pub fn differs(engine: &Engine, flavor: Flavor, why: &str) -> bool {
    if engine.flavor == flavor {
        let _ = writeln!(std::io::stderr(), "{engine}: {why}");
        return true;
    }
    false
}

/// The build context of the test image: a Dockerfile and Debian's static busybox.
fn test_image_context() -> Vec<u8> {
    let busybox = busybox();
    let dockerfile = "FROM scratch\n\
                      COPY busybox /bin/busybox\n\
                      RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
                      CMD [\"/bin/sh\"]\n";
    tar_of(&[
        ("Dockerfile", dockerfile.as_bytes(), 0o644),
        ("busybox", busybox.as_slice(), 0o755),
    ])
}

/// Debian's static busybox, read from the host.
pub fn busybox() -> Vec<u8> {
    std::fs::read(BUSYBOX).unwrap_or_else(|e| {
        panic!("{BUSYBOX}: {e}; install Debian's busybox-static (apt-get install busybox-static)")
    })
}

/// A tar of regular files: (path, content, mode), mtime 0.
pub fn tar_of(files: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for &(name, data, mode) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(mode);
        header.set_mtime(0);
        header.set_cksum();
        tar.append_data(&mut header, name, data).expect("tar");
    }
    tar.into_inner().expect("tar")
}

/// Builds [`TEST_IMAGE`] on the engine unless an image built from the same context is
/// there already; once per engine and process (a process may use several engines).
pub async fn test_image(engine: &Engine) -> &'static str {
    static BUILT: Mutex<BTreeMap<String, Arc<OnceCell<()>>>> = Mutex::new(BTreeMap::new());
    let built = BUILT
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(engine.to_string())
        .or_default()
        .clone();
    built
        .get_or_init(|| async {
            let context = test_image_context();
            let digest: String = Sha256::digest(&context)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            if let Ok(r) = engine
                .docker
                .get(&format!("/images/{TEST_IMAGE}/json"))
                .send()
                .await
            {
                let image: Value = r.json().await.expect("image inspect decodes");
                if image["Config"]["Labels"][CONTEXT_LABEL] == digest.as_str() {
                    return;
                }
            }
            let labels = json!({ TEST_LABEL: "image", CONTEXT_LABEL: digest }).to_string();
            let response = engine
                .docker
                .post("/build")
                .query("t", TEST_IMAGE)
                .query("labels", &labels)
                .query("rm", "1")
                .query("forcerm", "1")
                .header("content-type", "application/x-tar")
                .body(context)
                .timeout(wharf::Timeout::Idle(Duration::from_secs(120)))
                .send()
                .await
                .unwrap_or_else(|e| panic!("building {TEST_IMAGE} on {engine}: {e}"));
            let text = response.text().await.expect("build output");
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let message: Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("build output line {line:?}: {e}"));
                if let Some(error) = message
                    .get("error")
                    .or(message.pointer("/errorDetail/message"))
                {
                    panic!("building {TEST_IMAGE} on {engine} failed: {error}\n{text}");
                }
            }
            let image: Value = engine
                .docker
                .get(&format!("/images/{TEST_IMAGE}/json"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{TEST_IMAGE} after the build: {e}\n{text}"))
                .json()
                .await
                .unwrap();
            assert_eq!(image["Config"]["Labels"][CONTEXT_LABEL], digest.as_str());
        })
        .await;
    TEST_IMAGE
}

/// Creates and starts a container of the test image running `cmd` (with a TTY if `tty`),
/// named and labeled for `scope`; returns its id. The create body is plain JSON, so tests
/// of streams and exec do not depend on the container builders.
pub async fn started(engine: &Engine, scope: &Scope, cmd: &[&str], tty: bool) -> String {
    let image = test_image(engine).await;
    let body = json!({ "Image": image, "Cmd": cmd, "Tty": tty, "Labels": scope.labels() });
    started_from(engine, scope, "c", &body).await
}

/// Creates the container `body` describes (the create call's JSON), named `what` in
/// `scope`, and starts it; returns its id.
pub async fn started_from(engine: &Engine, scope: &Scope, what: &str, body: &Value) -> String {
    let created: Value = engine
        .docker
        .post("/containers/create")
        .query("name", &scope.name(what))
        .json(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{engine}: creating {body}: {e}"))
        .json()
        .await
        .unwrap();
    let id = created["Id"].as_str().unwrap().to_owned();
    engine
        .docker
        .post(&format!("/containers/{id}/start"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{engine}: starting {body}: {e}"));
    id
}

/// Runs `sh -c script` in a container of the test image with `host` (its network, its
/// mounts), named and labeled for `scope`; waits for it, removes it and returns its exit
/// code: for tests that check what a container can do.
pub async fn exit_code(
    engine: &Engine,
    scope: &Scope,
    host: wharf::container::HostSpec,
    script: &str,
) -> i64 {
    let spec = wharf::container::ContainerSpec::new(test_image(engine).await)
        .name(scope.name("run"))
        .cmd(["sh", "-c", script])
        .labels(scope.labels())
        .host(host);
    let c = engine
        .docker
        .containers()
        .run(&spec)
        .await
        .unwrap_or_else(|e| panic!("{engine}: running {script:?}: {e}"))
        .container;
    let status = c.wait().await.unwrap();
    c.remove().await.unwrap();
    status.code
}

/// A test's own names and label; everything labeled with it is removed on drop.
pub struct Scope {
    id: String,
    endpoint: Endpoint,
    created: Mutex<Vec<String>>,
}

impl Scope {
    /// A new scope for the test `test`, on `engine`.
    pub fn new(engine: &Engine, test: &str) -> Scope {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let id = format!(
            "{}-{}-{}",
            test.replace(['_', ':'], "-"),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        Scope {
            id,
            endpoint: engine.docker.endpoint().clone(),
            created: Mutex::new(Vec::new()),
        }
    }

    /// A name unique to this scope: `wharf-test-<test>-<pid>-<n>-<what>`.
    pub fn name(&self, what: &str) -> String {
        let name = format!("wharf-test-{}-{what}", self.id);
        self.created.lock().unwrap().push(name.clone());
        name
    }

    /// The labels every object of this scope must carry.
    pub fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (TEST_LABEL.to_owned(), "1".to_owned()),
            (SCOPE_LABEL.to_owned(), self.id.clone()),
        ])
    }

    /// The filter (`{"label":["org.wharf.test.scope=<id>"]}`) matching this scope's objects.
    pub fn filter(&self) -> String {
        json!({ "label": [format!("{SCOPE_LABEL}={}", self.id)] }).to_string()
    }

    async fn clean(docker: &Docker, filter: &str) {
        let query = |path: &str| docker.get(path).query("filters", filter);
        if let Ok(r) = query("/containers/json").query("all", "1").send().await {
            for c in r.json::<Vec<Value>>().await.unwrap_or_default() {
                if let Some(id) = c["Id"].as_str() {
                    let _ = docker
                        .delete(&format!("/containers/{id}"))
                        .query("force", "1")
                        .query("v", "1")
                        .send()
                        .await;
                }
            }
        }
        if let Ok(r) = query("/networks").send().await {
            for n in r.json::<Vec<Value>>().await.unwrap_or_default() {
                if let Some(id) = n["Id"].as_str() {
                    let _ = docker.delete(&format!("/networks/{id}")).send().await;
                }
            }
        }
        if let Ok(r) = query("/volumes").send().await {
            let v: Value = r.json().await.unwrap_or_default();
            for vol in v["Volumes"].as_array().into_iter().flatten() {
                if let Some(name) = vol["Name"].as_str() {
                    let _ = docker
                        .delete(&format!("/volumes/{name}"))
                        .query("force", "1")
                        .send()
                        .await;
                }
            }
        }
        if let Ok(r) = query("/images/json").send().await {
            for i in r.json::<Vec<Value>>().await.unwrap_or_default() {
                if let Some(id) = i["Id"].as_str() {
                    let _ = docker
                        .delete(&format!("/images/{id}"))
                        .query("force", "1")
                        .send()
                        .await;
                }
            }
        }
    }
}

impl Drop for Scope {
    /// Removes the scope's containers (with their anonymous volumes), networks, volumes and
    /// images. Runs on a thread of its own with a client of its own: the test's runtime may
    /// be the one blocked in this drop.
    fn drop(&mut self) {
        let filter = self.filter();
        cleanup_on_own_thread(self.endpoint.clone(), move |docker| async move {
            Scope::clean(&docker, &filter).await
        });
    }
}

/// Runs `clean` with a client of its own for `endpoint`, on a thread and runtime of its
/// own (a drop's: the test's runtime may be the one blocked in it), for 60 s at most.
pub fn cleanup_on_own_thread<F, Fut>(endpoint: Endpoint, clean: F)
where
    F: FnOnce(Docker) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let cleanup = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let Ok(docker) = Docker::builder().endpoint(endpoint).build() else {
                return;
            };
            let _ = tokio::time::timeout(Duration::from_secs(60), clean(docker)).await;
        });
    });
    let _ = cleanup.join();
}
