//! Push and pull through the test registry (htpasswd, `WHARF_TEST_REGISTRY`, by default
//! 127.0.0.1:5000) with credentials found like the docker CLI finds them: a temporary
//! `DOCKER_CONFIG` with `auths`, a `credsStore` helper, or a `credHelpers` entry, the helpers
//! small scripts speaking the real protocol on a `PATH` given to the config (not the
//! process's, which parallel tests share). Also: a wrong password, login, distribution
//! inspect, and no secret in any trace, `Debug` or `Display`.

use std::fmt::Debug;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures_util::TryStreamExt;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use wharf::auth::{login, Credentials, DockerConfig};
use wharf::endpoint::Environment;
use wharf::image::{LayerProgress, PullOptions, PushOptions, RemoveOptions};
use wharf::progress::Progress;
use wharf::{ErrorKind, Reference};
use wharf_tests::engine::{differs, engine, Engine, Flavor, Scope};
use wharf_tests::registry::{address as registry, PASSWORD, USER};

use crate::images::imported;

/// Where the credentials come from.
#[derive(Clone, Copy, Debug)]
enum Source {
    Auths,
    CredsStore,
    CredHelpers,
}

/// A temporary `DOCKER_CONFIG` for `source`, with the helper script `docker-credential-wharftest`
/// in a `bin` directory beside it; the config reads both through an environment of its own.
fn config_for(dir: &Path, source: Source, password: &str) -> DockerConfig {
    let registry = registry();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{password}"));
    let json = match source {
        Source::Auths => format!(r#"{{"auths":{{"{registry}":{{"auth":"{auth}"}}}}}}"#),
        Source::CredsStore => r#"{"credsStore":"wharftest"}"#.to_owned(),
        Source::CredHelpers => {
            format!(
                r#"{{"credsStore":"missing-store","credHelpers":{{"{registry}":"wharftest"}}}}"#
            )
        }
    };
    std::fs::write(dir.join("config.json"), json).unwrap();
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    // the protocol: `get` reads the server on stdin; unknown servers get the
    // not-found message and exit 1, as docker-credential-helpers does
    let script = format!(
        r#"#!/bin/sh
case "$1" in
get)
    read -r server
    if [ "$server" = "{registry}" ]; then
        printf '{{"ServerURL":"%s","Username":"{USER}","Secret":"{password}"}}\n' "$server"
    else
        echo "credentials not found in native keychain"
        exit 1
    fi ;;
list) printf '{{"{registry}":"{USER}"}}\n' ;;
*) echo "unknown action $1"; exit 1 ;;
esac
"#
    );
    let helper = bin.join("docker-credential-wharftest");
    std::fs::write(&helper, script).unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = Environment::empty()
        .set("DOCKER_CONFIG", dir.to_str().unwrap())
        .set("PATH", format!("{}:/usr/bin:/bin", bin.display()));
    DockerConfig::from_environment(&env).unwrap()
}

/// A scope, and an image of it imported as `<registry>/wharf-test/<scope name>:v1`.
async fn pushable(engine: &Engine, test: &str) -> (Scope, Reference) {
    let scope = Scope::new(engine, test);
    let reference = wharf_tests::registry::reference(&scope.name("img"));
    imported(engine, &scope, &reference).await;
    (scope, reference)
}

/// Pushes `reference` with `credentials`, returns the progress lines and the layer view.
async fn push(
    engine: &Engine,
    reference: &Reference,
    credentials: Credentials,
) -> wharf::Result<(Vec<Progress>, LayerProgress)> {
    let mut layers = LayerProgress::new();
    let mut lines = Vec::new();
    let mut progress = engine
        .docker
        .image(reference.to_string())
        .push(&PushOptions::new().credentials(credentials))
        .await?;
    while let Some(line) = progress.try_next().await? {
        layers.update(&line);
        lines.push(line);
    }
    Ok((lines, layers))
}

/// Pulls `reference` with `credentials`, returns the progress lines.
async fn pull(
    engine: &Engine,
    reference: &Reference,
    credentials: Credentials,
) -> wharf::Result<Vec<Progress>> {
    let progress = engine
        .docker
        .images()
        .pull(reference, &PullOptions::new().credentials(credentials))
        .await?;
    progress.try_collect().await
}

/// The digest a push reported (moby: `aux.Digest`), else the image's repo digest.
async fn pushed_digest(engine: &Engine, reference: &Reference, lines: &[Progress]) -> String {
    if let Some(d) = lines
        .iter()
        .find_map(|l| l.aux.as_ref()?.get("Digest")?.as_str().map(str::to_owned))
    {
        return d;
    }
    // Podman writes no aux line, only the CLI's summary: "v1: digest: sha256:... size: 343"
    if let Some(d) = lines.iter().find_map(|l| {
        let status = l.status.as_deref()?;
        let (_, rest) = status.split_once("digest: ")?;
        rest.split_whitespace().next().map(str::to_owned)
    }) {
        return d;
    }
    let image = engine
        .docker
        .image(reference.to_string())
        .inspect()
        .await
        .unwrap();
    image
        .repo_digests
        .iter()
        .find_map(|d| d.split_once('@').map(|(_, d)| d.to_owned()))
        .unwrap_or_else(|| panic!("{engine}: no digest after the push: {lines:?}"))
}

async fn round_trip(source: Source) {
    let Some(engine) = engine().await else { return };
    let (_scope, reference) =
        pushable(&engine, &format!("registry-{source:?}").to_lowercase()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(dir.path(), source, PASSWORD);

    let credentials = config.credentials_for(&reference).await.unwrap();
    assert_eq!(credentials.username(), Some(USER), "{source:?}");
    let (lines, layers) = push(&engine, &reference, credentials.clone())
        .await
        .unwrap_or_else(|e| panic!("{engine}: push with {source:?}: {e}"));
    if !differs(
        &engine,
        Flavor::Podman,
        "Podman 4.3's push reports no layers, only its summary",
    ) {
        assert!(!layers.layers().is_empty(), "{lines:?}");
        assert!(layers.all_done(), "{:?}", layers.layers());
    }
    let digest = pushed_digest(&engine, &reference, &lines).await;

    engine
        .docker
        .image(reference.to_string())
        .remove(&RemoveOptions::new().force(true))
        .await
        .unwrap();
    let e = engine
        .docker
        .image(reference.to_string())
        .inspect()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);

    let mut pull_layers = LayerProgress::new();
    let mut progress = engine
        .docker
        .images()
        .pull(&reference, &PullOptions::new().credentials(credentials))
        .await
        .unwrap();
    while let Some(line) = progress.try_next().await.unwrap() {
        pull_layers.update(&line);
    }
    let pulled = engine
        .docker
        .image(reference.to_string())
        .inspect()
        .await
        .unwrap();
    assert!(
        pulled
            .repo_digests
            .iter()
            .any(|d| d.ends_with(&format!("@{digest}"))),
        "{engine}: pushed {digest}, pulled {:?}",
        pulled.repo_digests
    );
    // by digest too
    let by_digest = Reference::parse(&format!("{}@{digest}", reference.name())).unwrap();
    let mut progress = engine
        .docker
        .images()
        .pull(
            &by_digest,
            &PullOptions::new().credentials(config.credentials_for(&by_digest).await.unwrap()),
        )
        .await
        .unwrap();
    while progress.try_next().await.unwrap().is_some() {}
}

#[tokio::test]
async fn registry_push_pull_with_auths() {
    round_trip(Source::Auths).await;
}

#[tokio::test]
async fn registry_push_pull_with_creds_store() {
    round_trip(Source::CredsStore).await;
}

#[tokio::test]
async fn registry_push_pull_with_cred_helpers() {
    round_trip(Source::CredHelpers).await;
}

#[tokio::test]
async fn registry_wrong_password_is_refused_promptly() {
    let Some(engine) = engine().await else { return };
    let (_scope, reference) = pushable(&engine, "registry-wrong").await;
    let started = Instant::now();
    let wrong = Credentials::new(USER, "not-the-password").server_address(registry());
    let e = tokio::time::timeout(
        Duration::from_secs(60),
        push(&engine, &reference, wrong.clone()),
    )
    .await
    .expect("a refused push ends")
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(e.kind(), ErrorKind::Unauthorized, "{engine}: {e}");
    let words = e.message().unwrap_or_default();
    assert!(
        words.contains("unauthorized") || words.contains("authentication required"),
        "{e}"
    );

    // the same refusal met by a pull is the same kind, whether the daemon answers it
    // with a status before the stream or with an error line in it
    let pulled = tokio::time::timeout(
        Duration::from_secs(60),
        pull(&engine, &reference, wrong.clone()),
    )
    .await
    .expect("a refused pull ends");
    let e = pulled.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized, "{engine}: pull: {e}");

    let e = login(&engine.docker, &wrong).await.unwrap_err();
    let right = wharf_tests::registry::credentials();
    if differs(
        &engine,
        Flavor::Podman,
        "Podman 4.3's /auth speaks HTTPS to the plain-HTTP test registry (it ignores \
         registries.conf's `insecure` there): every login fails",
    ) {
        assert_eq!(e.kind(), ErrorKind::Server, "{e}");
        assert!(login(&engine.docker, &right).await.is_err());
        return;
    }
    assert_eq!(e.kind(), ErrorKind::Unauthorized, "{e}");
    let answer = login(&engine.docker, &right).await.unwrap();
    assert!(answer.status.contains("Login Succeeded"), "{answer:?}");
}

#[tokio::test]
async fn registry_distribution_inspect_with_credentials() {
    let Some(engine) = engine().await else { return };
    let (_scope, reference) = pushable(&engine, "registry-dist").await;
    let right = wharf_tests::registry::credentials();
    let (lines, _) = push(&engine, &reference, right.clone()).await.unwrap();
    let digest = pushed_digest(&engine, &reference, &lines).await;
    let answer = engine
        .docker
        .image(reference.to_string())
        .distribution(&right)
        .await;
    if differs(
        &engine,
        Flavor::Podman,
        "Podman 4.3 has no /distribution endpoint",
    ) {
        assert!(answer.is_err());
        return;
    }
    let answer = answer.unwrap();
    assert_eq!(answer.descriptor.digest.as_deref(), Some(digest.as_str()));
    let e = engine
        .docker
        .image(reference.to_string())
        .distribution(&Credentials::anonymous())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized, "{e}");
}

/// Records everything every span and event says, as text.
#[derive(Default)]
struct Capture {
    text: Mutex<String>,
    next: std::sync::atomic::AtomicU64,
}

struct Collect<'a>(&'a mut String);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut text = self.text.lock().unwrap();
        text.push_str(span.metadata().name());
        span.record(&mut Collect(&mut text));
        text.push('\n');
        Id::from_u64(1 + self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        values.record(&mut Collect(&mut self.text.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut text = self.text.lock().unwrap();
        event.record(&mut Collect(&mut text));
        text.push('\n');
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Every credentialed path, traced at TRACE and formatted both ways: the password, its
/// base64 forms and the headers carrying it appear nowhere.
#[tokio::test(flavor = "current_thread")]
async fn registry_secrets_never_show() {
    const IDENTITY_TOKEN: &str = "identity-token-never-shown";
    let Some(engine) = engine().await else { return };
    // the process's subscriber: a thread's own (set_default) misses callsites whose interest
    // other tests' threads settled first; other tests' traces are searched too
    static CAPTURE: std::sync::OnceLock<Arc<Capture>> = std::sync::OnceLock::new();
    let capture = CAPTURE
        .get_or_init(|| {
            let capture = Arc::new(Capture::default());
            tracing::subscriber::set_global_default(capture.clone()).expect("no other subscriber");
            capture
        })
        .clone();
    let (_scope, reference) = pushable(&engine, "registry-secrets").await;
    let mut shown = Vec::<String>::new();
    let mut show = |what: &dyn Debug, text: String| shown.push(format!("{what:?}\n{text}"));

    for source in [Source::Auths, Source::CredsStore, Source::CredHelpers] {
        let dir = tempfile::tempdir().unwrap();
        let config = config_for(dir.path(), source, PASSWORD);
        show(&config, String::new());
        let c = config.credentials_for(&reference).await.unwrap();
        show(&c, c.username().unwrap_or_default().to_owned());
        // with credHelpers, the credsStore beside it is missing: gathering all fails, naming it
        match config.all_credentials().await {
            Ok(all) => show(&all, String::new()),
            Err(e) => show(&e, e.to_string()),
        }
        if let Ok(header) = config.registry_config_header().await {
            assert!(!header.is_empty());
        }
        match push(&engine, &reference, c.clone()).await {
            Ok((lines, layers)) => show(&(lines, layers.layers().to_vec()), String::new()),
            Err(e) => show(&e, e.to_string()),
        }
        let answer = engine
            .docker
            .image(reference.to_string())
            .distribution(&c)
            .await;
        match answer {
            Ok(a) => show(&a, String::new()),
            Err(e) => show(&e, e.to_string()),
        }
        match login(&engine.docker, &c).await {
            Ok(a) => show(&a, a.status.clone()),
            Err(e) => show(&e, e.to_string()),
        }
        match pull(&engine, &reference, c.clone()).await {
            Ok(lines) => show(&lines, String::new()),
            Err(e) => show(&e, e.to_string()),
        }
    }
    // an identity token (what a registry's OAuth login leaves in config.json)
    let config = DockerConfig::from_json(
        format!(
            r#"{{"auths":{{"{}":{{"identitytoken":"{IDENTITY_TOKEN}","username":"u"}}}}}}"#,
            registry()
        )
        .as_bytes(),
    )
    .unwrap();
    show(&config, String::new());
    let c = config.credentials_for(&reference).await.unwrap();
    show(&c, String::new());
    for e in [
        push(&engine, &reference, c.clone()).await.err(),
        login(&engine.docker, &c).await.err(),
    ]
    .into_iter()
    .flatten()
    {
        show(&e, e.to_string());
    }
    // failures: a wrong password, a helper that fails, a helper that is not there
    let wrong = Credentials::new(USER, "wrong-but-secret-too").server_address(registry());
    for e in [
        push(&engine, &reference, wrong.clone()).await.unwrap_err(),
        login(&engine.docker, &wrong).await.unwrap_err(),
    ] {
        show(&e, e.to_string());
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.json"),
        format!(
            r#"{{"credHelpers":{{"{}":"nothere"}},"auths":{{"x":{{"auth":"!{PASSWORD}"}}}}}}"#,
            registry()
        ),
    )
    .unwrap();
    let config = DockerConfig::load_dir(dir.path())
        .unwrap()
        .helper_path(dir.path());
    let e = config.credentials_for(&reference).await.unwrap_err();
    assert!(e.to_string().contains("docker-credential-nothere"), "{e}");
    show(&e, e.to_string());
    let e = config.credentials("x").await.unwrap_err();
    show(&e, e.to_string());
    let e = DockerConfig::from_json(format!(r#"{{"auths":{{"x":{{"auth":"{PASSWORD}"#).as_bytes())
        .unwrap_err();
    show(&e, e.to_string());

    let traced = capture.text.lock().unwrap().clone();
    assert!(
        traced.contains("docker.request"),
        "the capture works: {traced}"
    );
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let header = Credentials::new(USER, PASSWORD)
        .server_address(registry())
        .registry_auth_header();
    let secrets = [
        IDENTITY_TOKEN.to_owned(),
        PASSWORD.to_owned(),
        "wrong-but-secret-too".to_owned(),
        b64(&format!("{USER}:{PASSWORD}")),
        header.clone(),
        header.trim_end_matches('=').to_owned(),
    ];
    for text in shown.iter().chain([&traced]) {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{secret} shows in: {text}");
        }
    }
}

/// A build whose `FROM` names an image in the registry: it pulls with the credentials of
/// `X-Registry-Config` (`Docker::build_with_credentials`, every registry of the config, the
/// helper asked), and fails without them.
#[tokio::test]
async fn registry_build_from_a_private_base_with_credentials() {
    use wharf::build::{BuildContext, BuildOptions};

    let Some(engine) = engine().await else { return };
    if differs(
        &engine,
        Flavor::Podman,
        "not checked on Podman 4.3: its compat API talks HTTPS to the plain-HTTP test registry (see the login test), so a base image cannot come from it",
    ) {
        return;
    }
    let (scope, reference) = pushable(&engine, "registry-build").await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(dir.path(), Source::CredsStore, PASSWORD);
    let credentials = config.credentials_for(&reference).await.unwrap();
    push(&engine, &reference, credentials).await.unwrap();
    engine
        .docker
        .image(reference.to_string())
        .remove(&RemoveOptions::new().force(true))
        .await
        .unwrap();

    let context = tempfile::tempdir().unwrap();
    std::fs::write(
        context.path().join("Dockerfile"),
        format!("FROM {reference}\nLABEL built=yes\n"),
    )
    .unwrap();
    let options = scope
        .labels()
        .into_iter()
        .fold(BuildOptions::new().tag(scope.name("built")), |o, (k, v)| {
            o.label(k, v)
        });

    // without credentials the registry refuses the pull of the base image
    let refused = async {
        engine
            .docker
            .build(BuildContext::directory(context.path()), &options)
            .await?
            .finish()
            .await
    }
    .await;
    let e = refused.expect_err("a private base image without credentials");
    assert!(
        e.to_string().contains("unauthorized") || e.to_string().contains("no basic auth"),
        "{engine}: {e}"
    );

    let built = engine
        .docker
        .build_with_credentials(BuildContext::directory(context.path()), &options, &config)
        .await
        .unwrap()
        .finish()
        .await
        .unwrap_or_else(|e| panic!("{engine}: build with credentials: {e}"));
    let image = engine
        .docker
        .image(&built.image_id)
        .inspect()
        .await
        .unwrap();
    let labels = image.config.map(|c| c.labels).unwrap_or_default();
    assert_eq!(labels.get("built").map(String::as_str), Some("yes"));
    engine
        .docker
        .image(reference.to_string())
        .inspect()
        .await
        .unwrap_or_else(|e| panic!("{engine}: the base image was not pulled: {e}"));
}

/// `run_with_pull` pulls a missing image with the credentials it is given, then runs it;
/// `run` refuses the same spec and names the pull.
#[tokio::test]
async fn registry_run_with_pull_pulls_a_missing_image() {
    use wharf::container::ContainerSpec;

    let Some(engine) = engine().await else { return };
    let (scope, reference) = pushable(&engine, "registry-run").await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(dir.path(), Source::Auths, PASSWORD);
    let credentials = config.credentials_for(&reference).await.unwrap();
    push(&engine, &reference, credentials.clone())
        .await
        .unwrap();
    engine
        .docker
        .image(reference.to_string())
        .remove(&RemoveOptions::new().force(true))
        .await
        .unwrap();

    let spec = ContainerSpec::new(reference.to_string())
        .name(scope.name("c"))
        .labels(scope.labels());
    let e = engine.docker.containers().run(&spec).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{engine}: {e}");
    assert!(e.to_string().contains("run_with_pull"), "{engine}: {e}");

    let created = engine
        .docker
        .containers()
        .run_with_pull(&spec, &PullOptions::new().credentials(credentials))
        .await
        .unwrap_or_else(|e| panic!("{engine}: run_with_pull: {e}"));
    let status = created.container.wait().await.unwrap();
    assert_eq!(status.code, 0, "{engine}");
    engine
        .docker
        .image(reference.to_string())
        .inspect()
        .await
        .unwrap_or_else(|e| panic!("{engine}: the image was not pulled: {e}"));
}
