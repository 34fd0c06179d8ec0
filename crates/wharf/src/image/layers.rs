//! Pull, push and load progress per layer: what a progress bar needs.
//!
//! The daemon reports each layer on lines of its own, named by the layer's
//! short id (moby `distribution/xfer`, `distribution/pull_v2.go`,
//! `push_v2.go`):
//!
//! ```text
//! {"status":"Pulling from library/busybox","id":"latest"}          <- not a layer: the tag
//! {"status":"Pulling fs layer","progressDetail":{},"id":"9ad63333ebc9"}
//! {"status":"Downloading","progressDetail":{"current":32768,"total":2152262},"id":"9ad63333ebc9"}
//! {"status":"Download complete","progressDetail":{},"id":"9ad63333ebc9"}
//! {"status":"Extracting","progressDetail":{"current":2152262,"total":2152262},"id":"9ad63333ebc9"}
//! {"status":"Pull complete","progressDetail":{},"id":"9ad63333ebc9"}
//! ```
//!
//! [`LayerProgress`] folds those lines into one [`Layer`] per id, in the
//! order the layers first appeared, as the docker CLI draws them.

use std::collections::HashMap;

use crate::progress::Progress;

/// Where a layer is, as the daemon says it.
///
/// ```
/// use wharf::image::LayerPhase;
///
/// assert_eq!(LayerPhase::from_status("Pull complete"), Some(LayerPhase::PullComplete));
/// assert!(LayerPhase::PullComplete.is_done());
/// assert_eq!(LayerPhase::from_status("Digest: sha256:..."), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayerPhase {
    /// Waiting for another transfer of the same layer, or for a slot.
    Waiting,
    /// Pull: about to download.
    PullingFsLayer,
    /// Pull: bytes coming in.
    Downloading,
    /// Pull: checking the digest.
    VerifyingChecksum,
    /// Pull: downloaded, not yet extracted.
    DownloadComplete,
    /// Pull: unpacking into the image store.
    Extracting,
    /// Pull: done.
    PullComplete,
    /// Pull: the engine had the layer.
    AlreadyExists,
    /// Push: about to upload.
    Preparing,
    /// Push: bytes going out.
    Pushing,
    /// Push: done.
    Pushed,
    /// Push: the registry had the layer.
    LayerAlreadyExists,
    /// Push: the registry mounted it from another repository.
    Mounted,
    /// Load: reading the layer from the archive.
    Loading,
    /// A failed transfer about to be tried again (`Retrying in 5 seconds`).
    Retrying,
}

impl LayerPhase {
    /// The phase a status text names, if it names one.
    ///
    /// ```
    /// use wharf::image::LayerPhase;
    ///
    /// assert_eq!(LayerPhase::from_status("Mounted from library/busybox"), Some(LayerPhase::Mounted));
    /// assert_eq!(LayerPhase::from_status("Retrying in 3 seconds"), Some(LayerPhase::Retrying));
    /// ```
    pub fn from_status(status: &str) -> Option<LayerPhase> {
        Some(match status {
            "Waiting" => LayerPhase::Waiting,
            "Pulling fs layer" => LayerPhase::PullingFsLayer,
            "Downloading" => LayerPhase::Downloading,
            "Verifying Checksum" => LayerPhase::VerifyingChecksum,
            "Download complete" => LayerPhase::DownloadComplete,
            "Extracting" => LayerPhase::Extracting,
            "Pull complete" => LayerPhase::PullComplete,
            "Already exists" => LayerPhase::AlreadyExists,
            "Preparing" => LayerPhase::Preparing,
            "Pushing" => LayerPhase::Pushing,
            "Pushed" => LayerPhase::Pushed,
            "Layer already exists" => LayerPhase::LayerAlreadyExists,
            "Loading layer" => LayerPhase::Loading,
            s if s.starts_with("Mounted from ") => LayerPhase::Mounted,
            s if s.starts_with("Retrying in ") => LayerPhase::Retrying,
            _ => return None,
        })
    }

    /// Whether the layer needs nothing more.
    ///
    /// ```
    /// assert!(!wharf::image::LayerPhase::Downloading.is_done());
    /// ```
    pub fn is_done(&self) -> bool {
        matches!(
            self,
            LayerPhase::PullComplete
                | LayerPhase::AlreadyExists
                | LayerPhase::Pushed
                | LayerPhase::LayerAlreadyExists
                | LayerPhase::Mounted
        )
    }
}

/// One layer's state: its phase, and the bytes of its current transfer.
///
/// ```
/// let mut layers = wharf::image::LayerProgress::new();
/// let line = serde_json::from_str(r#"{"status":"Downloading","progressDetail":{"current":512,"total":2048},"id":"9ad63333ebc9"}"#)?;
/// let layer = layers.update(&line).unwrap();
/// assert_eq!(layer.fraction(), Some(0.25));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Layer {
    /// The layer's short id, as the daemon names it.
    pub id: String,
    /// Where it is.
    pub phase: LayerPhase,
    /// The daemon's status text (`Mounted from library/busybox`).
    pub status: String,
    /// Bytes done in the current phase (downloaded, extracted, pushed).
    pub current: u64,
    /// The phase's whole, when known.
    pub total: Option<u64>,
}

impl Layer {
    /// `current / total`, when the total is known and not zero.
    ///
    /// ```
    /// let mut layers = wharf::image::LayerProgress::new();
    /// let line = serde_json::from_str(r#"{"status":"Waiting","progressDetail":{},"id":"a1"}"#)?;
    /// assert_eq!(layers.update(&line).unwrap().fraction(), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn fraction(&self) -> Option<f64> {
        match self.total {
            Some(total) if total > 0 => Some(self.current as f64 / total as f64),
            _ => None,
        }
    }
}

/// Every layer of a pull, push or load, updated line by line.
///
/// ```
/// use wharf::image::{LayerPhase, LayerProgress};
/// use wharf::progress::Progress;
///
/// let mut layers = LayerProgress::new();
/// let line: Progress = serde_json::from_str(
///     r#"{"status":"Downloading","progressDetail":{"current":10,"total":40},"id":"9ad63333ebc9"}"#,
/// )?;
/// let layer = layers.update(&line).expect("a layer line");
/// assert_eq!((layer.phase.clone(), layer.current, layer.total), (LayerPhase::Downloading, 10, Some(40)));
/// let tag: Progress = serde_json::from_str(r#"{"status":"Pulling from library/busybox","id":"latest"}"#)?;
/// assert!(layers.update(&tag).is_none());
/// assert_eq!(layers.layers().len(), 1);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct LayerProgress {
    layers: Vec<Layer>,
    index: HashMap<String, usize>,
}

impl LayerProgress {
    /// No layers yet.
    ///
    /// ```
    /// assert!(wharf::image::LayerProgress::new().layers().is_empty());
    /// ```
    pub fn new() -> LayerProgress {
        LayerProgress::default()
    }

    /// Takes in one progress line. Returns the layer it changed, or `None`
    /// for a line about no layer (a tag, a digest, a build step).
    ///
    /// ```
    /// let mut layers = wharf::image::LayerProgress::new();
    /// assert!(layers.update(&wharf::progress::Progress::default()).is_none());
    /// ```
    pub fn update(&mut self, line: &Progress) -> Option<&Layer> {
        let id = line.id.as_deref()?;
        let status = line.status.as_deref()?;
        let phase = LayerPhase::from_status(status)?;
        let detail = line.progress_detail.unwrap_or_default();
        let current = detail.current.and_then(|c| u64::try_from(c).ok());
        let total = detail
            .total
            .and_then(|t| u64::try_from(t).ok())
            .filter(|t| *t > 0);
        let at = match self.index.get(id) {
            Some(&at) => at,
            None => {
                self.layers.push(Layer {
                    id: id.to_owned(),
                    phase: phase.clone(),
                    status: String::new(),
                    current: 0,
                    total: None,
                });
                self.index.insert(id.to_owned(), self.layers.len() - 1);
                self.layers.len() - 1
            }
        };
        let layer = &mut self.layers[at];
        if layer.phase != phase {
            // a new phase counts its own bytes
            layer.current = 0;
            layer.total = None;
        }
        layer.phase = phase;
        layer.status = status.to_owned();
        if let Some(current) = current {
            layer.current = current;
        }
        if total.is_some() {
            layer.total = total;
        }
        Some(layer)
    }

    /// The layers, in the order they first appeared.
    ///
    /// ```
    /// assert_eq!(wharf::image::LayerProgress::new().layers().len(), 0);
    /// ```
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The layer with this id.
    ///
    /// ```
    /// assert!(wharf::image::LayerProgress::new().get("9ad63333ebc9").is_none());
    /// ```
    pub fn get(&self, id: &str) -> Option<&Layer> {
        self.index.get(id).map(|&at| &self.layers[at])
    }

    /// Whether every layer seen is done.
    ///
    /// ```
    /// assert!(wharf::image::LayerProgress::new().all_done());
    /// ```
    pub fn all_done(&self) -> bool {
        self.layers.iter().all(|l| l.phase.is_done())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(json: &str) -> Progress {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_pull_folds_into_layers() {
        let mut view = LayerProgress::new();
        let lines = [
            r#"{"status":"Pulling from library/busybox","id":"latest"}"#,
            r#"{"status":"Pulling fs layer","progressDetail":{},"id":"aaa"}"#,
            r#"{"status":"Already exists","progressDetail":{},"id":"bbb"}"#,
            r#"{"status":"Downloading","progressDetail":{"current":100,"total":400},"id":"aaa"}"#,
            r#"{"status":"Downloading","progressDetail":{"current":400,"total":400},"id":"aaa"}"#,
            r#"{"status":"Extracting","progressDetail":{"current":50,"total":400},"id":"aaa"}"#,
        ];
        for l in lines {
            view.update(&line(l));
        }
        let ids: Vec<_> = view.layers().iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, ["aaa", "bbb"]);
        let aaa = view.get("aaa").unwrap();
        assert_eq!(aaa.phase, LayerPhase::Extracting);
        assert_eq!((aaa.current, aaa.total), (50, Some(400)));
        assert!(!view.all_done());
        view.update(&line(
            r#"{"status":"Pull complete","progressDetail":{},"id":"aaa"}"#,
        ));
        let aaa = view.get("aaa").unwrap();
        assert_eq!(
            (aaa.current, aaa.total),
            (0, None),
            "a new phase starts at 0"
        );
        assert!(view.all_done());
    }

    #[test]
    fn push_phases() {
        let mut view = LayerProgress::new();
        view.update(&line(
            r#"{"status":"Preparing","progressDetail":{},"id":"ccc"}"#,
        ));
        view.update(&line(
            r#"{"status":"Mounted from library/x","progressDetail":{},"id":"ccc"}"#,
        ));
        let ccc = view.get("ccc").unwrap();
        assert_eq!(ccc.phase, LayerPhase::Mounted);
        assert_eq!(ccc.status, "Mounted from library/x");
        assert!(view
            .update(&line(
                r#"{"status":"latest: digest: sha256:abc size: 527"}"#
            ))
            .is_none());
    }
}
