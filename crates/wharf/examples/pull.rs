//! Pulls an image like `docker pull IMAGE`, one progress bar per layer, with
//! the credentials the docker CLI would use (`~/.docker/config.json`,
//! `DOCKER_CONFIG`, credential helpers).
//!
//! ```sh
//! cargo run --example pull -- busybox
//! cargo run --example pull -- 127.0.0.1:5000/team/app:v1
//! ```

use std::collections::HashMap;
use std::time::Duration;

use futures_util::TryStreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use wharf::auth::DockerConfig;
use wharf::image::{LayerPhase, LayerProgress, PullOptions};
use wharf::Reference;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let image = std::env::args().nth(1).ok_or("usage: pull IMAGE")?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let docker = wharf::Docker::connect()?;
            let reference = Reference::parse(&image)?.with_default_tag();
            let credentials = DockerConfig::load()?.credentials_for(&reference).await?;
            let mut progress = docker
                .images()
                .pull(&reference, &PullOptions::new().credentials(credentials))
                .await?;

            let bars = MultiProgress::new();
            let style = ProgressStyle::with_template(
                "{prefix}: {msg:<18} [{bar:40}] {bytes:>10}/{total_bytes:<10}",
            )?
            .progress_chars("=> ");
            let plain = ProgressStyle::with_template("{prefix}: {msg}")?;
            let mut layers = LayerProgress::new();
            let mut bar_of: HashMap<String, ProgressBar> = HashMap::new();
            while let Some(line) = progress.try_next().await? {
                let Some(layer) = layers.update(&line) else {
                    // the tag line and the summary, as the CLI prints them
                    match (&line.id, &line.status) {
                        (Some(id), Some(status)) => bars.println(format!("{id}: {status}"))?,
                        (None, Some(status)) => bars.println(status)?,
                        _ => {}
                    }
                    continue;
                };
                let bar = bar_of.entry(layer.id.clone()).or_insert_with(|| {
                    let bar = bars.add(ProgressBar::new(0));
                    bar.set_prefix(layer.id.clone());
                    bar.enable_steady_tick(Duration::from_millis(200));
                    bar
                });
                match (layer.phase.clone(), layer.total) {
                    (LayerPhase::Downloading | LayerPhase::Extracting, Some(total)) => {
                        bar.set_style(style.clone());
                        bar.set_length(total);
                        bar.set_position(layer.current);
                    }
                    _ => bar.set_style(plain.clone()),
                }
                bar.set_message(layer.status.clone());
                if layer.phase.is_done() {
                    bar.finish();
                }
            }
            println!("{}", reference.familiar());
            Ok(())
        })
}
