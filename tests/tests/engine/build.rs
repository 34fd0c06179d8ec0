//! Builds with `Docker::build`: contexts from directories, `.dockerignore`, failing steps,
//! build args, labels, targets, Dockerfiles as text, and a 1 GiB context in bounded memory.

use std::fs;
use std::path::Path;

use futures_util::{StreamExt, TryStreamExt};
use serde_json::Value;
use wharf::build::{BuildContext, BuildOptions, BuildProgress};
use wharf::container::{ContainerSpec, LogsOptions};
use wharf::ErrorKind;
use wharf_tests::engine::{engine, test_image, Engine, Flavor, Scope};

fn write(dir: &Path, rel: &str, data: &[u8]) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, data).unwrap();
}

/// Options that tag the image in `scope` and label it for its cleanup.
fn scoped(scope: &Scope) -> BuildOptions {
    scope
        .labels()
        .into_iter()
        .fold(BuildOptions::new().tag(scope.name("img")), |o, (k, v)| {
            o.label(k, v)
        })
}

/// What `cmd` prints in a container of `image` (stdout and stderr together).
async fn output(engine: &Engine, scope: &Scope, image: &str, cmd: &[&str]) -> String {
    let spec = ContainerSpec::new(image)
        .name(scope.name("c"))
        .labels(scope.labels())
        .cmd(cmd.iter().copied());
    let container = engine
        .docker
        .containers()
        .run(&spec)
        .await
        .unwrap_or_else(|e| panic!("{engine}: running {cmd:?} in {image}: {e}"))
        .container;
    container.wait().await.unwrap();
    let mut logs = container
        .logs(LogsOptions::new().stdout(true).stderr(true))
        .await
        .unwrap();
    let mut text = String::new();
    while let Some(piece) = logs.next().await {
        text.push_str(&piece.unwrap().to_string());
    }
    // The name is the scope's, for the next call.
    container.remove().await.unwrap();
    text
}

async fn inspect(engine: &Engine, image: &str) -> Value {
    engine
        .docker
        .get(&format!("/images/{image}/json"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{engine}: inspecting {image}: {e}"))
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn dockerignore_keeps_files_out_and_exceptions_in() {
    let Some(engine) = engine().await else { return };
    let base = test_image(&engine).await;
    let scope = Scope::new(&engine, "build-ignore");
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path().join("ctx");
    // 256 MiB that must never be sent (sparse: no disk needed).
    write(&ctx, "big.bin", b"");
    fs::File::options()
        .write(true)
        .open(ctx.join("big.bin"))
        .unwrap()
        .set_len(256 << 20)
        .unwrap();
    write(&ctx, "app/main.txt", b"main");
    write(&ctx, "app/cache/x.tmp", b"tmp");
    write(&ctx, "secret/private.txt", b"private");
    write(&ctx, "secret/public.txt", b"public");
    write(
        &ctx,
        ".dockerignore",
        b"# comment\n/big.bin\n**/*.tmp\nsecret\n!secret/public.txt\n.dockerignore\n",
    );
    // The Dockerfile lies outside the context (`docker build -f ../Dockerfile ctx`).
    write(
        dir.path(),
        "Dockerfile",
        format!("FROM {base}\nCOPY . /ctx/\n").as_bytes(),
    );
    let context = BuildContext::directory(&ctx).dockerfile(dir.path().join("Dockerfile"));
    let built = engine
        .docker
        .build(context, &scoped(&scope))
        .await
        .unwrap()
        .finish()
        .await
        .unwrap_or_else(|e| panic!("{engine}: {e}"));
    assert!(built.image_id.starts_with("sha256:"), "{built:?}");
    assert!(
        built.context_bytes < 64 << 10,
        "{engine}: the context sent was {} bytes",
        built.context_bytes
    );
    let listing = output(
        &engine,
        &scope,
        &built.image_id,
        &["sh", "-c", "cd /ctx && find . | sort"],
    )
    .await;
    let files: Vec<&str> = listing.lines().collect();
    for present in ["./app/main.txt", "./secret/public.txt"] {
        assert!(files.contains(&present), "{engine}: {present} in {files:?}");
    }
    for absent in ["./big.bin", "./app/cache/x.tmp", "./secret/private.txt"] {
        assert!(!files.contains(&absent), "{engine}: {absent} in {files:?}");
    }
    // The Dockerfile added under a random name is listed in .dockerignore, which the
    // daemon reads and then drops, with that Dockerfile, from what `COPY .` sees.
    let leftovers: Vec<_> = files
        .iter()
        .filter(|f| f.starts_with("./.docker"))
        .collect();
    assert!(leftovers.is_empty(), "{engine}: {files:?}");
}

#[tokio::test]
async fn a_failing_run_is_an_error_with_the_steps_message() {
    let Some(engine) = engine().await else { return };
    let base = test_image(&engine).await;
    let scope = Scope::new(&engine, "build-fails");
    let dir = tempfile::tempdir().unwrap();
    let context = BuildContext::directory(dir.path())
        .dockerfile_text(format!("FROM {base}\nRUN echo about to fail && exit 7\n"));
    let mut build = engine
        .docker
        .build(context, &scoped(&scope).force_remove_intermediate(true))
        .await
        .unwrap();
    let mut printed = String::new();
    let error = loop {
        match build.try_next().await {
            Ok(Some(BuildProgress::Output(text))) => printed.push_str(&text),
            Ok(Some(_)) => {}
            Ok(None) => panic!("{engine}: the build succeeded: {printed}"),
            Err(e) => break e,
        }
    };
    assert!(printed.contains("about to fail"), "{engine}: {printed}");
    let message = error.message().unwrap_or_default();
    match engine.flavor {
        Flavor::Docker => assert!(
            message.contains("returned a non-zero code: 7")
                && message.contains("echo about to fail"),
            "{engine}: {error}"
        ),
        Flavor::Podman => {
            eprintln!("{engine}: Podman words a failed step its own way: {message}");
            assert!(message.contains('7'), "{engine}: {error}");
        }
    }
    assert_eq!(error.kind(), ErrorKind::Server);
    assert_eq!(build.image_id(), None);
}

#[tokio::test]
async fn build_args_labels_target_and_tags_reach_the_image() {
    let Some(engine) = engine().await else { return };
    let base = test_image(&engine).await;
    let scope = Scope::new(&engine, "build-args");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "from-context.txt", b"copied");
    let dockerfile = format!(
        "FROM {base} AS first\n\
         ARG GREETING=unset\n\
         COPY from-context.txt /\n\
         RUN echo \"$GREETING\" > /greeting\n\
         RUN (grep wharf-extra /etc/hosts || echo none) > /hosts-line\n\
         LABEL stage=first\n\
         FROM first AS second\n\
         LABEL stage=second\n"
    );
    let second_tag = format!("{}:second", scope.name("img"));
    let mut options = scoped(&scope)
        .tag(&second_tag)
        .build_arg("GREETING", "hello from an arg")
        .label("org.wharf.test.build", "labelled")
        .target("first")
        .no_cache(true);
    let with_host = options.clone().extra_host("wharf-extra:10.1.2.3");
    match engine.flavor {
        Flavor::Docker => options = with_host,
        Flavor::Podman => {
            // Podman 4.3's compat handler decodes `extrahosts` as a JSON array
            // (pkg/api/handlers/compat/images_build.go) where Docker reads repeated
            // strings, as its API says; it answers 400 with an empty body.
            let context = BuildContext::directory(dir.path()).dockerfile_text("FROM scratch\n");
            let e = engine.docker.build(context, &with_host).await.unwrap_err();
            eprintln!("{engine}: extrahosts as Docker sends it is refused: {e}");
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{engine}");
        }
    }
    let built = engine
        .docker
        .build(
            BuildContext::directory(dir.path()).dockerfile_text(dockerfile),
            &options,
        )
        .await
        .unwrap()
        .finish()
        .await
        .unwrap_or_else(|e| panic!("{engine}: {e}"));
    let image = inspect(&engine, &second_tag).await;
    let id = image["Id"].as_str().unwrap();
    assert_eq!(id, built.image_id, "{engine}: both tags name the image");
    let labels = &image["Config"]["Labels"];
    assert_eq!(labels["org.wharf.test.build"], "labelled", "{engine}");
    assert_eq!(labels["stage"], "first", "{engine}: the target stage");
    let greeting = output(
        &engine,
        &scope,
        id,
        &["cat", "/greeting", "/from-context.txt"],
    )
    .await;
    assert_eq!(greeting, "hello from an arg\ncopied", "{engine}");
    let hosts = output(&engine, &scope, id, &["cat", "/hosts-line"]).await;
    match engine.flavor {
        Flavor::Docker => assert!(hosts.contains("10.1.2.3"), "{engine}: {hosts}"),
        Flavor::Podman => assert_eq!(hosts, "none\n", "{engine}"),
    }
    let first_tag = inspect(&engine, &scope.name("img")).await;
    assert_eq!(first_tag["Id"], image["Id"], "{engine}");
}

#[tokio::test]
async fn a_1_gib_context_builds_in_bounded_memory() {
    let Some(engine) = engine().await else { return };
    let base = test_image(&engine).await;
    let scope = Scope::new(&engine, "build-1gib");
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Dockerfile",
        format!("FROM {base}\nLABEL context=1GiB\n").as_bytes(),
    );
    // Sixteen sparse files of 64 MiB: read as zeros, sent whole.
    for i in 0..16 {
        let path = dir.path().join(format!("data/part-{i:02}"));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::File::create(&path).unwrap().set_len(64 << 20).unwrap();
    }
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_build_rss"));
    command.arg(dir.path()).arg(scope.name("img"));
    for (k, v) in scope.labels() {
        command.arg(format!("{k}={v}"));
    }
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.status.success(),
        "{engine}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    eprintln!("{engine}: {report}");
    let sent = report["context_bytes"].as_u64().unwrap();
    assert!(sent > 1 << 30, "{engine}: {sent} bytes sent");
    let peak = report["vm_hwm_kib"].as_u64().unwrap();
    assert!(peak < 64 << 10, "{engine}: peak RSS {peak} KiB");
    let image = inspect(&engine, report["image_id"].as_str().unwrap()).await;
    assert_eq!(image["Config"]["Labels"]["context"], "1GiB", "{engine}");
}
