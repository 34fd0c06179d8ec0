//! Exec: a handle from an id, the options of `exec_output`, detach keys.

use std::time::Duration;

use futures_util::TryStreamExt;
use tokio::io::AsyncWriteExt;
use wharf::exec::{ExecOptions, StartOptions};
use wharf::stream::LogOutput;
use wharf_tests::engine::{engine, Flavor, Scope};

use super::{note, run, spec, IDLE};

#[tokio::test]
async fn an_exec_is_inspected_resized_and_started_by_its_id() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "exec-by-id");
    let c = run(&engine, &spec(&engine, &scope, "c", IDLE).await).await;
    let made = c
        .exec(ExecOptions::new(["sh", "-c", "sleep 1; stty size"]).tty(true))
        .await
        .unwrap();

    // Another handle, from the id alone: it learns the TTY from the daemon.
    let exec = engine.docker.exec(made.id());
    let before = exec.inspect().await.unwrap();
    assert_eq!(before.running, Some(false), "{engine}");
    assert_eq!(before.process_config.unwrap().tty, Some(true), "{engine}");
    let (output, _input) = exec.start_attached(StartOptions::new()).await.unwrap();
    exec.resize(33, 111).await.unwrap();
    let pieces: Vec<LogOutput> = output.try_collect().await.unwrap();
    let text: String = pieces.iter().map(|p| p.text().into_owned()).collect();
    assert!(
        pieces.iter().all(LogOutput::is_console),
        "{engine}: {pieces:?}"
    );
    assert_eq!(
        text.trim(),
        "33 111",
        "{engine}: the resize reached the terminal"
    );
    let after = engine.docker.exec(made.id()).inspect().await.unwrap();
    assert_eq!(after.exit_code, Some(0), "{engine}");

    // A detached start through a handle made from the id.
    let made = c
        .exec(ExecOptions::new(["sh", "-c", "touch /by-id"]))
        .await
        .unwrap();
    engine
        .docker
        .exec(made.id())
        .start_detached()
        .await
        .unwrap();
    let mut done = false;
    for _ in 0..50 {
        if c.exec_output(["test", "-e", "/by-id"])
            .await
            .unwrap()
            .exit_code
            == 0
        {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(done, "{engine}: the detached exec ran");
}

#[tokio::test]
async fn exec_output_takes_every_option_of_exec() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "exec-options");
    let c = run(&engine, &spec(&engine, &scope, "c", IDLE).await).await;
    let script = "echo $A $B $C $D; id -u; pwd; grep CapEff /proc/self/status";
    // The test image has no /tmp: /bin as the working directory.
    let options = ExecOptions::new(["sh", "-c", script])
        .env("A", "1")
        .envs(std::collections::HashMap::from([("B", "2"), ("C", "3")]))
        .env_list(["D=4", "A=one"])
        .user("65534")
        .working_dir("/bin");
    let out = c.exec_output(options.clone()).await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..3],
        ["one 2 3 4", "65534", "/bin"],
        "{engine}: {text}"
    );
    let unprivileged = lines[3].to_owned();

    let out = match c.exec_output(options.user("0").privileged(true)).await {
        Ok(out) => out,
        // Docker 20.10's runc cannot raise an exec's capabilities inside
        // this (nested) environment; the daemon says so.
        Err(e) if engine.docker_major() == Some(20) && e.to_string().contains("apply caps") => {
            note(
                &engine,
                &format!("a privileged exec cannot start here: {e}"),
            );
            return;
        }
        Err(e) => panic!("{engine}: {e}"),
    };
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let privileged = text.lines().nth(3).unwrap_or_default().to_owned();
    assert_ne!(
        privileged, unprivileged,
        "{engine}: privileged has more capabilities"
    );
}

#[tokio::test]
async fn detach_keys_end_an_attached_exec() {
    let Some(engine) = engine().await else { return };
    let scope = Scope::new(&engine, "exec-detach");
    let c = run(&engine, &spec(&engine, &scope, "c", IDLE).await).await;
    let exec = c
        .exec(
            ExecOptions::new(["sh", "-c", "cat >/dev/null; sleep 600"])
                .tty(true)
                .attach_stdin(true)
                .detach_keys("ctrl-x,x"),
        )
        .await
        .unwrap();
    let (output, mut input) = exec
        .start_attached(StartOptions::new().stdin(true))
        .await
        .unwrap();
    input.write_all(b"\x18x").await.unwrap();
    input.flush().await.unwrap();
    // Without the keys the process would run for ten minutes.
    let ended = tokio::time::timeout(Duration::from_secs(10), output.try_collect::<Vec<_>>()).await;
    if engine.flavor == Flavor::Podman {
        // Podman 4.3's compatible exec start does not read detach keys.
        assert!(ended.is_err(), "{engine}: Podman's attach ended: {ended:?}");
        note(
            &engine,
            "the compatible exec start ignores detach keys; the attach goes on",
        );
        return;
    }
    let pieces = ended
        .unwrap_or_else(|_| panic!("{engine}: the detach keys did not end the attach"))
        .unwrap();
    // Docker reports the detach as a failed attach (`read escape sequence`,
    // wrapped where moby's daemon/exec.go looks for the bare escape error),
    // and the exec does not outlive it.
    let text: String = pieces.iter().map(|p| p.text().into_owned()).collect();
    assert!(text.contains("escape sequence"), "{engine}: {text:?}");
    note(&engine, &format!("the detached attach ended with {text:?}"));
}
