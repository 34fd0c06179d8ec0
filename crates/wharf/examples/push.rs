//! Pushes an image like `docker push IMAGE`, printing what the CLI prints
//! when its output is not a terminal, with the credentials the CLI would
//! use.
//!
//! ```sh
//! cargo run --example push -- 127.0.0.1:5000/team/app:v1
//! ```
//!
//! ```text
//! The push refers to repository [127.0.0.1:5000/team/app]
//! 5f70bf18a086: Preparing
//! 5f70bf18a086: Pushed
//! v1: digest: sha256:4f1f... size: 527
//! ```

use futures_util::TryStreamExt;
use wharf::auth::DockerConfig;
use wharf::image::{LayerPhase, LayerProgress, PushOptions};
use wharf::Reference;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let image = std::env::args().nth(1).ok_or("usage: push IMAGE")?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let docker = wharf::Docker::connect()?;
            let reference = Reference::parse(&image)?.with_default_tag();
            let credentials = DockerConfig::load()?.credentials_for(&reference).await?;
            let mut progress = docker
                .image(reference.to_string())
                .push(&PushOptions::new().credentials(credentials))
                .await?;
            let mut layers = LayerProgress::new();
            while let Some(line) = progress.try_next().await? {
                let before = line
                    .id
                    .as_deref()
                    .and_then(|id| layers.get(id))
                    .map(|l| l.phase.clone());
                match layers.update(&line) {
                    // a layer: one line per phase, not per chunk pushed
                    Some(layer) if before.as_ref() != Some(&layer.phase) => {
                        if layer.phase != LayerPhase::Pushing {
                            println!("{}: {}", layer.id, layer.status);
                        }
                    }
                    Some(_) => {}
                    None => match (&line.id, &line.status) {
                        (Some(id), Some(status)) => println!("{id}: {status}"),
                        (None, Some(status)) => println!("{status}"),
                        _ => {}
                    },
                }
            }
            Ok(())
        })
}
