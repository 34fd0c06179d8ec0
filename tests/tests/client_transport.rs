//! Transports: keep-alive over a unix socket, TCP, and ssh through the
//! proxy (with a stand-in `ssh` on PATH).

use std::path::{Path, PathBuf};

use wharf::endpoint::{Environment, Source};
use wharf::{ApiVersion, Docker, ErrorKind};
use wharf_tests::server::{engine, get_body, TestServer};

async fn twenty_requests(server: &TestServer) -> Vec<usize> {
    let docker = Docker::builder()
        .environment(Environment::empty().set("DOCKER_HOST", server.docker_host()))
        .build()
        .unwrap();
    docker.ping().await.unwrap();
    for i in 0..20 {
        get_body(&docker, &format!("/containers/c{i}/json")).await;
    }
    server.requests().iter().map(|r| r.connection).collect()
}

#[tokio::test]
async fn requests_reuse_one_kept_alive_connection() {
    let server = TestServer::unix(engine("1.51")).await;
    let connections = twenty_requests(&server).await;
    assert_eq!(connections, [0; 21]);
    assert_eq!(server.connections(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_reuse_connections_on_a_multi_thread_runtime() {
    // Here a request may start while the previous connection is still on
    // its way back to hyper's pool; hyper then races a new connection
    // against it, and sometimes the new one wins. Connections are still
    // reused, not opened per request.
    let server = TestServer::unix(engine("1.51")).await;
    let connections = twenty_requests(&server).await;
    assert_eq!(connections.len(), 21);
    assert!(server.connections() <= 5, "{connections:?}");
}

#[tokio::test]
async fn tcp_endpoint() {
    let server = TestServer::tcp(engine("1.45")).await;
    let docker = Docker::builder()
        .environment(Environment::empty())
        .host(server.docker_host())
        .build()
        .unwrap();
    assert_eq!(docker.endpoint().source(), &Source::Explicit);
    let ping = docker.ping().await.unwrap();
    assert_eq!(ping.api_version(), Some(ApiVersion::new(1, 45)));
    docker.get("/info").send().await.unwrap();
    let requests = server.requests();
    assert_eq!(requests[1].method, "GET");
    assert_eq!(requests[1].path, "/v1.45/info");
    let host = requests[1].header("host").unwrap();
    assert!(host.starts_with("127.0.0.1:"), "{host}");
    assert!(requests[1]
        .header("user-agent")
        .unwrap()
        .starts_with("wharf/"));
    assert!(requests.iter().all(|r| r.connection == 0));
}

/// A directory holding an executable `ssh` that records its arguments in
/// `args` and runs `body`.
fn fake_ssh(body: &str) -> (tempfile::TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let args = dir.path().join("args");
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\n{body}\n",
        args.display()
    );
    let ssh = dir.path().join("ssh");
    std::fs::write(&ssh, script).unwrap();
    std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
    (dir, args)
}

fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn have_docker_cli() -> bool {
    std::process::Command::new("docker")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test]
async fn ssh_endpoint_runs_dial_stdio_through_ssh() {
    let _watching = PROXY_DIRS.lock().await;
    if !have_docker_cli() {
        eprintln!("skipped: the stand-in ssh bridges with `docker system dial-stdio`, and there is no docker CLI");
        return;
    }
    let server = TestServer::unix(engine("1.47")).await;
    // Stands in for the remote host: the docker CLI's dial-stdio to our
    // server.
    let (bin, args) = fake_ssh(&format!(
        "exec docker --host={} system dial-stdio",
        server.docker_host()
    ));
    let env = Environment::empty()
        .set("DOCKER_HOST", "ssh://deploy@build-box:2222")
        .set("PATH", path_with(bin.path()))
        .set("HOME", bin.path().to_str().unwrap());
    let docker = Docker::builder().environment(env).build().unwrap();
    assert_eq!(docker.endpoint().url(), "ssh://deploy@build-box:2222");

    let ping = docker.ping().await.unwrap();
    assert_eq!(ping.api_version(), Some(ApiVersion::new(1, 47)));
    for _ in 0..5 {
        docker
            .get("/info")
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
    }
    // The docker CLI standing in for the remote end pings on its own
    // connection; keep wharf's requests.
    let ours: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| {
            r.header("user-agent")
                .is_some_and(|ua| ua.starts_with("wharf/"))
        })
        .collect();
    let lines: Vec<_> = ours
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(lines[0], "HEAD /_ping");
    assert_eq!(lines[1..], ["GET /v1.47/info"; 5]);
    // One ssh session carried every request.
    let recorded = std::fs::read_to_string(&args).unwrap();
    assert_eq!(
        recorded.lines().collect::<Vec<_>>(),
        ["-o ConnectTimeout=30 -T -l deploy -p 2222 -- build-box docker system dial-stdio"],
        "{:?}",
        server
            .requests()
            .iter()
            .map(|r| (
                r.connection,
                r.method.clone(),
                r.header("user-agent").map(str::to_owned)
            ))
            .collect::<Vec<_>>()
    );
    assert!(ours.iter().all(|r| r.connection == ours[0].connection));
}

#[tokio::test]
async fn ssh_socket_path_goes_to_the_remote_docker() {
    let _watching = PROXY_DIRS.lock().await;
    let (bin, args) = fake_ssh("exit 1");
    let env = Environment::empty()
        .set("DOCKER_HOST", "ssh://box/run/user/1000/docker.sock")
        .set("PATH", path_with(bin.path()));
    let docker = Docker::builder()
        .environment(env)
        .api_version(ApiVersion::new(1, 51))
        .build()
        .unwrap();
    let _ = docker.get("/info").send().await;
    let recorded = std::fs::read_to_string(&args).unwrap();
    assert_eq!(
        recorded.lines().next().unwrap(),
        "-o ConnectTimeout=30 -T -- box docker --host=unix:///run/user/1000/docker.sock system dial-stdio"
    );
}

#[tokio::test]
async fn ssh_failure_reports_what_ssh_said() {
    let _watching = PROXY_DIRS.lock().await;
    let (bin, _args) =
        fake_ssh("echo 'deploy@build-box: Permission denied (publickey).' >&2\nexit 255");
    let env = Environment::empty()
        .set("DOCKER_HOST", "ssh://deploy@build-box")
        .set("PATH", path_with(bin.path()));
    let docker = Docker::builder().environment(env).build().unwrap();
    let e = docker.ping().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect, "{e:?}");
    let text = e.to_string();
    assert!(text.contains("Permission denied (publickey)"), "{text}");
    assert!(text.contains("ssh://deploy@build-box"), "{text}");
    assert!(text.contains("from DOCKER_HOST"), "{text}");
}

/// Tests that watch the temp directory for proxy directories run one at a
/// time; other ssh tests make proxies too.
static PROXY_DIRS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn ssh_proxy_stops_with_the_client() {
    let _watching = PROXY_DIRS.lock().await;
    let (bin, _args) = fake_ssh("exit 1");
    let env = Environment::empty()
        .set("DOCKER_HOST", "ssh://box")
        .set("PATH", path_with(bin.path()));
    let before = proxy_dirs();
    let docker = Docker::builder().environment(env).build().unwrap();
    let during = proxy_dirs();
    let ours: Vec<_> = during.difference(&before).cloned().collect();
    assert_eq!(ours.len(), 1, "{ours:?}");
    let clone = docker.clone();
    drop(docker);
    assert!(ours[0].exists(), "a clone still holds the proxy");
    drop(clone);
    assert!(!ours[0].exists());
}

fn proxy_dirs() -> std::collections::BTreeSet<PathBuf> {
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("wharf-ssh-{}-", std::process::id())))
        })
        .collect()
}
