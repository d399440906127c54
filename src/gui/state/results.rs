//! Results of background work arriving in the state: a loaded document (keeping the channel
//! choice, range, zoom and pan by name), its full analysis, a failed load, a finished export.

use std::path::PathBuf;
use std::sync::Arc;

use exrprobe_core::Analysis;
use exrprobe_core::model::Image;

use super::super::loader::{Loaded, Source};
use super::{Document, MAX_RECENT, ViewerState};

impl ViewerState {
    /// Makes a freshly loaded image the current document, keeping the channel choice, depth
    /// range, zoom and pan where the same channels exist.
    pub fn document_loaded(&mut self, loaded: Loaded) {
        let Loaded {
            generation,
            source,
            image,
            analysis,
            load_duration,
        } = loaded;

        self.selection = self.remembered.select(&image, &analysis);
        if !self.remembered.remembers_depth_in(&image) {
            self.depth.range = None;
        }
        if self.selection.solo.is_none() {
            self.solo_range = None;
        }
        if let Some(path) = source.path() {
            self.add_recent(path.clone());
        }
        let doc = Document {
            generation,
            source,
            image,
            analysis,
            load_duration,
        };
        let bounds = doc.bounds_in_image();
        if self.bounds != Some(bounds) {
            self.view.fit_pending = true;
            self.bounds = Some(bounds);
        }
        self.failure = None;
        self.messages.retain(|m| !m.load_failure);
        // Pins survive where their pixel exists in the new image (so one pixel can be followed
        // through a shot).
        self.pins.retain(|pin| {
            pin.probe.is_some_and(|p| {
                doc.image.part(p.part).is_some_and(|part| {
                    p.col < part.data_window.width && p.row < part.data_window.height
                })
            })
        });
        self.hover = None;
        self.doc = Some(doc);
        self.pair_channels();
        self.remember_selection();
    }

    /// The full analysis of the document with `generation` arrived, with the whole `image`
    /// when the first image held only the shown channels; `rest_error` says why the other
    /// channels could not be decoded after all (their parts' `pixel_error` says it too).
    pub fn analysis_ready(
        &mut self,
        generation: u64,
        image: Arc<Image>,
        analysis: Arc<Analysis>,
        rest_error: Option<String>,
    ) {
        let Some(doc) = self.doc.as_mut().filter(|d| d.generation == generation) else {
            return;
        };
        doc.image = image;
        doc.analysis = analysis;
        if let Some(error) = &rest_error {
            let message = format!(
                "Only the shown channels of {} were decoded: {error}",
                doc.source.label()
            );
            self.error(message);
        }
    }

    /// Loading `source` failed. When it is the current file, the views show the failure
    /// instead of the previous file's pixels. Only the newest load failure stays in the
    /// messages (stepping through broken frames does not pile them up).
    pub fn load_failed(&mut self, source: &Source, message: &str) {
        let current = self.current.and_then(|i| self.files.get(i));
        if current == Some(source) || current.is_none() {
            self.doc = None;
            self.hover = None;
            self.failure = Some((source.clone(), message.to_owned()));
        }
        self.messages.retain(|m| !m.load_failure);
        self.error(format!("Cannot open {}: {message}", source.label()));
        if let Some(last) = self.messages.last_mut() {
            last.load_failure = true;
        }
    }

    /// An export or save finished: `Ok(confirmation)` or `Err(message)`.
    pub fn task_done(&mut self, result: Result<String, String>) {
        match result {
            Ok(text) => self.info(text),
            Err(text) => self.error(text),
        }
    }

    pub(super) fn remember_selection(&mut self) {
        let Some(doc) = &self.doc else { return };
        let image = &doc.image;
        if let Some(layer) = self
            .selection
            .rgb_layer
            .and_then(|i| doc.analysis.rgb_layers.get(i))
        {
            self.remembered.rgb_layer = Some(layer.label(image));
        }
        if let Some(depth) = self.selection.depth {
            self.remembered.depth = image.qualified_name(depth);
        }
        self.remembered.solo = self.selection.solo.and_then(|s| image.qualified_name(s));
    }

    fn add_recent(&mut self, path: PathBuf) {
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(MAX_RECENT);
    }
}
