//! The viewer's state: the file list, the document, the channel selection, display settings,
//! the shared pan and zoom, the probe and the messages.
//!
//! Its fields are private. Drawing code reads them through accessors and emits [`Command`]s;
//! [`ViewerState::apply`] is the one place that changes them and returns the [`Effect`]s for the
//! app to run (loads, dialogs, file writes, the clipboard). Results of background work arrive
//! through the `*_loaded`/`*_failed`/`task_done` methods. Nothing here needs a window, a GPU or
//! a thread, so every transition is tested below as plain code.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use exrprobe_core::Analysis;
use exrprobe_core::colormap::{Colormap, ScalarMapping};
use exrprobe_core::model::{ChannelRef, Image, PixelState};
use exrprobe_core::text::{ExportName, default_export_path};

use super::command::{
    Command, Effect, ExportKind, LayoutMode, PixelUnderPointer, SaveCommand, SaveOffer,
};
use super::loader::{FrameCacheUse, Source};
use super::panels::channels::ChannelSelection;
use super::panels::probe::{ProbeHighlight, ProbePos, probe_text};
use super::view::{self, ViewState};

mod compare;
mod files;
mod region;
mod results;

pub use compare::{CompareView, MetricsKey, MetricsRequest, ReferenceFollow};
pub use files::{FileSummary, ListGroup, ListRow, missing_text};
pub use region::{RegionKey, RegionRequest, RegionResult};

const MAX_RECENT: usize = 12;

/// How many files ahead of the current one (in the direction of travel) are decoded ahead at
/// most; fewer when the frame cache's budget is reached first. Eight 4K frames of colour and
/// depth take about 1.3 GB.
pub const PREFETCH_AHEAD: usize = 8;

/// Pins beyond this many replace the oldest.
pub const MAX_PINS: usize = 16;

/// Confirmations disappear after this many seconds; errors stay until dismissed.
pub const INFO_MESSAGE_SECS: f32 = 10.0;

/// A message shown in the window until dismissed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub kind: MessageKind,
    pub text: String,
    /// When it was posted (confirmations fade out after [`INFO_MESSAGE_SECS`]).
    pub posted: Instant,
    /// Says that a file could not be loaded (replaced by the next such message).
    pub load_failure: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    Error,
    /// A confirmation, e.g. "Exported … to PATH".
    Info,
}

/// A loaded, analysed document.
#[derive(Clone)]
pub struct Document {
    pub generation: u64,
    pub source: Source,
    pub image: Arc<Image>,
    pub analysis: Arc<Analysis>,
    pub load_duration: Duration,
}

/// True while `channel` of `image` (`analysis` its analysis so far) is still being decoded: the
/// loader decodes the channels the views draw first and the others after the image is shown
/// (see `exrprobe_core::load::load_rest`); they arrive with the full analysis.
pub fn channel_loading(image: &Image, analysis: &Analysis, channel: ChannelRef) -> bool {
    !analysis.is_complete()
        && image
            .part(channel.part)
            .and_then(|part| part.pixel_state(channel.channel))
            == Some(PixelState::NotRequested)
}

impl Document {
    /// See [`channel_loading`].
    pub fn is_loading(&self, channel: ChannelRef) -> bool {
        channel_loading(&self.image, &self.analysis, channel)
    }

    /// True while some channel [`Document::is_loading`].
    pub fn channels_loading(&self) -> bool {
        !self.analysis.is_complete()
            && self
                .image
                .channels()
                .any(|(channel_ref, _, _)| self.is_loading(channel_ref))
    }

    /// The channel's robust range ((0, 1) when it has none). The first call for a channel
    /// computes its distribution (a few tens of milliseconds for a 4K float channel; once).
    pub fn robust_range(&self, channel: ChannelRef) -> (f64, f64) {
        self.analysis
            .distribution(&self.image, channel)
            .and_then(|d| d.robust_range)
            .unwrap_or((0.0, 1.0))
    }

    /// The image bounds both views share: the union of all parts' data and display windows.
    pub fn bounds_in_image(&self) -> egui::Rect {
        let mut rect = egui::Rect::NOTHING;
        for part in &self.image.parts {
            rect = rect.union(view::window_rect(&part.data_window));
            if part.display_window.pixel_count() > 0 {
                rect = rect.union(view::window_rect(&part.display_window));
            }
        }
        if rect.is_positive() {
            rect
        } else {
            egui::Rect::from_min_size(egui::Pos2::ZERO, egui::Vec2::splat(1.0))
        }
    }
}

/// Settings of the depth view's mapping.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DepthSettings {
    pub colormap: Colormap,
    pub invert: bool,
    pub log: bool,
    /// Manual range; `None` uses the core's robust range.
    pub range: Option<(f64, f64)>,
}

impl Default for DepthSettings {
    fn default() -> Self {
        Self {
            colormap: Colormap::Turbo,
            invert: false,
            log: false,
            range: None,
        }
    }
}

/// Which panels and windows are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Panels {
    pub left: bool,
    pub probe: bool,
    pub histogram: bool,
    /// The timeline of the shot (when the current file is part of a sequence).
    pub timeline: bool,
    pub info: bool,
    pub shortcuts: bool,
    pub about: bool,
}

/// The channel choice by name, so stepping through a sequence keeps it where the channels exist.
/// The loader uses it too, to decode the channels the views will draw before the others.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChannelChoice {
    rgb_layer: Option<String>,
    depth: Option<String>,
    solo: Option<String>,
}

impl ChannelChoice {
    /// What the channel tree selects in `image` (`analysis` its detection): the remembered colour
    /// layer, depth and solo channel where `image` has them, else the best layer and the
    /// detected depth (no solo).
    pub fn select(&self, image: &Image, analysis: &Analysis) -> ChannelSelection {
        let rgb_layer = self
            .rgb_layer
            .as_ref()
            .and_then(|label| {
                analysis
                    .rgb_layers
                    .iter()
                    .position(|l| &l.label(image) == label)
            })
            .or_else(|| (!analysis.rgb_layers.is_empty()).then_some(0));
        let depth = self
            .depth
            .as_ref()
            .and_then(|name| image.find_channel(name))
            .or_else(|| analysis.depth_channel());
        let solo = self.solo.as_ref().and_then(|name| image.find_channel(name));
        ChannelSelection {
            rgb_layer,
            depth,
            solo,
        }
    }

    /// The channels the views draw for this choice in `image`: the solo channel or the colour
    /// layer, and the depth channel.
    pub fn shown(&self, image: &Image, analysis: &Analysis) -> BTreeSet<ChannelRef> {
        let selection = self.select(image, analysis);
        let mut shown: BTreeSet<ChannelRef> = selection.depth.into_iter().collect();
        match (
            selection.solo,
            selection.rgb_layer.and_then(|i| analysis.rgb_layers.get(i)),
        ) {
            (Some(solo), _) => {
                shown.insert(solo);
            }
            (None, Some(layer)) => {
                shown.extend([layer.r, layer.g, layer.b]);
                shown.extend(layer.a);
            }
            (None, None) => {}
        }
        shown
    }

    /// True when the depth channel is one the user chose (kept while stepping through frames),
    /// not the detected one.
    fn remembers_depth_in(&self, image: &Image) -> bool {
        self.depth
            .as_ref()
            .is_some_and(|name| image.find_channel(name).is_some())
    }
}

/// What survives a restart (eframe storage).
#[derive(serde::Serialize, serde::Deserialize, Default, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct Persisted {
    pub recent: Vec<PathBuf>,
    pub colormap: Colormap,
    pub layout: LayoutMode,
    pub checkerboard: Option<bool>,
    pub show_histogram: Option<bool>,
    /// The frame cache's budget in bytes of decoded samples; `None`: automatic (a share of the
    /// memory available at start).
    pub frame_cache_bytes: Option<u64>,
}

/// Absolute image pixels `(x, y)` the views mark.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MarkedPixels {
    /// Under the pointer (the crosshair).
    pub hover: Option<(i64, i64)>,
    /// The pins, oldest first.
    pub pinned: Vec<(i64, i64)>,
}

/// Which channel the histogram shows, and whether dragging on it sets the depth or the solo range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistogramTarget {
    Depth(ChannelRef),
    Solo(ChannelRef),
}

/// The viewer's state (see the module documentation).
pub struct ViewerState {
    files: Vec<Source>,
    /// Index into `files` by path (scan results arrive by path; a linear search with path
    /// comparisons took a large share of the frame with 2000 files).
    file_index: std::collections::HashMap<PathBuf, usize>,
    /// How the file list is shown: sequences with their frames and missing frames.
    groups: Vec<ListGroup>,
    /// What the background scan found for each file (by index into `files`).
    scan: Vec<Option<FileSummary>>,
    scan_generation: u64,
    /// The folders the list came from, and whether they are watched.
    roots: Vec<PathBuf>,
    watching: bool,
    current: Option<usize>,
    /// The user last stepped down the file list (or opened it), not up: the frames below the
    /// current one are decoded ahead.
    travelling_down: bool,
    doc: Option<Document>,
    /// The current file could not be loaded: the views show why instead of another file's
    /// pixels.
    failure: Option<(Source, String)>,
    /// The image bounds of the last document: a new document of the same size keeps zoom and pan.
    bounds: Option<egui::Rect>,
    selection: ChannelSelection,
    remembered: ChannelChoice,
    depth: DepthSettings,
    solo_range: Option<(f64, f64)>,
    exposure: f32,
    checkerboard: bool,
    layout: LayoutMode,
    /// Whether the views were stacked in the last frame (L flips what is on screen).
    stacked: bool,
    panels: Panels,
    histogram_log_counts: bool,
    view: ViewState,
    pixels_per_point: f32,
    /// The pixel under the pointer, if over a view.
    hover: Option<PixelUnderPointer>,
    /// The pinned pixels, oldest first (their `probe` is always inside the image). The probe
    /// panel shows the newest; the pins table all of them.
    pins: Vec<PixelUnderPointer>,
    /// The reference image and how the views compare with it.
    compare: compare::CompareState,
    /// The selected region and its statistics.
    region: region::RegionState,
    messages: Vec<Message>,
    save_offer: Option<SaveOffer>,
    recent: Vec<PathBuf>,
    /// The frame cache's budget chosen in the settings (`None`: automatic).
    frame_cache_bytes: Option<u64>,
    /// What the frame cache holds, as last reported by the app.
    frame_cache_use: FrameCacheUse,
}

impl Default for ViewerState {
    fn default() -> Self {
        Self::new(Persisted::default())
    }
}

impl ViewerState {
    pub fn new(persisted: Persisted) -> Self {
        Self {
            files: Vec::new(),
            file_index: std::collections::HashMap::new(),
            groups: Vec::new(),
            scan: Vec::new(),
            scan_generation: 0,
            roots: Vec::new(),
            watching: true,
            current: None,
            travelling_down: true,
            doc: None,
            failure: None,
            bounds: None,
            selection: ChannelSelection::default(),
            remembered: ChannelChoice::default(),
            depth: DepthSettings {
                colormap: persisted.colormap,
                ..DepthSettings::default()
            },
            solo_range: None,
            exposure: 0.0,
            checkerboard: persisted.checkerboard.unwrap_or(true),
            layout: persisted.layout,
            stacked: false,
            panels: Panels {
                left: true,
                probe: true,
                histogram: persisted.show_histogram.unwrap_or(true),
                timeline: true,
                info: false,
                shortcuts: false,
                about: false,
            },
            histogram_log_counts: false,
            view: ViewState::default(),
            pixels_per_point: 1.0,
            hover: None,
            pins: Vec::new(),
            compare: compare::CompareState::default(),
            region: region::RegionState::default(),
            messages: Vec::new(),
            save_offer: None,
            recent: persisted.recent,
            frame_cache_bytes: persisted.frame_cache_bytes,
            frame_cache_use: FrameCacheUse::default(),
        }
    }

    /// What to keep for the next start.
    pub fn persisted(&self) -> Persisted {
        Persisted {
            recent: self.recent.clone(),
            colormap: self.depth.colormap,
            layout: self.layout,
            checkerboard: Some(self.checkerboard),
            show_histogram: Some(self.panels.histogram),
            frame_cache_bytes: self.frame_cache_bytes,
        }
    }

    // ------------------------------------------------------------------------------------------
    // Reading

    pub fn document(&self) -> Option<&Document> {
        self.doc.as_ref()
    }

    pub fn files(&self) -> &[Source] {
        &self.files
    }

    pub fn current_file(&self) -> Option<usize> {
        self.current
    }

    /// The file list's groups (sequences and files that stand alone), in display order.
    pub fn groups(&self) -> &[ListGroup] {
        &self.groups
    }

    /// What the background scan found for file `index`, once it has.
    pub fn scanned(&self, index: usize) -> Option<&FileSummary> {
        self.scan.get(index).and_then(Option::as_ref)
    }

    /// Every file's scan result so far.
    pub fn scan_results(&self) -> &[Option<FileSummary>] {
        &self.scan
    }

    /// Whether the list's folders are followed (there are some, and watching is on).
    pub fn is_watching(&self) -> bool {
        self.watching && !self.roots.is_empty()
    }

    /// Whether the list came from folders that can be watched.
    pub fn can_watch(&self) -> bool {
        !self.roots.is_empty()
    }

    /// The current file that could not be loaded, and why.
    pub fn failure(&self) -> Option<(&Source, &str)> {
        self.failure.as_ref().map(|(s, m)| (s, m.as_str()))
    }

    pub fn selection(&self) -> ChannelSelection {
        self.selection
    }

    /// The channel choice by name, for the loader to decode the shown channels first.
    pub fn channel_choice(&self) -> ChannelChoice {
        self.remembered.clone()
    }

    pub fn depth_settings(&self) -> DepthSettings {
        self.depth
    }

    pub fn solo_range(&self) -> Option<(f64, f64)> {
        self.solo_range
    }

    pub fn exposure(&self) -> f32 {
        self.exposure
    }

    pub fn checkerboard(&self) -> bool {
        self.checkerboard
    }

    pub fn layout(&self) -> LayoutMode {
        self.layout
    }

    pub fn panels(&self) -> Panels {
        self.panels
    }

    pub fn histogram_log_counts(&self) -> bool {
        self.histogram_log_counts
    }

    pub fn view(&self) -> &ViewState {
        &self.view
    }

    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    pub fn save_offer(&self) -> Option<&SaveOffer> {
        self.save_offer.as_ref()
    }

    pub fn recent(&self) -> &[PathBuf] {
        &self.recent
    }

    /// The frame cache's budget chosen in the settings (`None`: automatic).
    pub fn frame_cache_setting(&self) -> Option<u64> {
        self.frame_cache_bytes
    }

    /// What the frame cache holds and how it served the loads, as last reported.
    pub fn frame_cache_use(&self) -> FrameCacheUse {
        self.frame_cache_use
    }

    /// Takes the frame cache's report (the app sends it every frame).
    pub fn set_frame_cache_use(&mut self, report: FrameCacheUse) {
        self.frame_cache_use = report;
    }

    /// The probed pixel: the newest pin, else the hovered one.
    pub fn probe(&self) -> Option<ProbePos> {
        self.pins
            .last()
            .or(self.hover.as_ref())
            .and_then(|p| p.probe)
    }

    pub fn is_pinned(&self) -> bool {
        !self.pins.is_empty()
    }

    /// The pinned pixels, oldest first.
    pub fn pins(&self) -> &[PixelUnderPointer] {
        &self.pins
    }

    /// The pixel under the pointer, if over a view.
    pub fn hover(&self) -> Option<PixelUnderPointer> {
        self.hover
    }

    /// Absolute pixels the views mark: under the pointer, and pinned.
    pub fn marked_pixels(&self) -> MarkedPixels {
        MarkedPixels {
            hover: self.hover.map(|p| p.pixel_in_image),
            pinned: self.pins.iter().map(|p| p.pixel_in_image).collect(),
        }
    }

    /// The depth normalisation range in effect.
    pub fn depth_range(&self) -> Option<(f64, f64)> {
        let doc = self.doc.as_ref()?;
        let channel = self.selection.depth?;
        Some(
            self.depth
                .range
                .unwrap_or_else(|| doc.robust_range(channel)),
        )
    }

    /// The depth view's mapping.
    pub fn depth_mapping(&self) -> Option<ScalarMapping> {
        let (lo, hi) = self.depth_range()?;
        Some(ScalarMapping {
            lo,
            hi,
            invert: self.depth.invert,
            log: self.depth.log,
            colormap: self.depth.colormap,
        })
    }

    /// The grey mapping of a channel viewed on its own.
    pub fn solo_mapping(&self) -> Option<(ChannelRef, ScalarMapping)> {
        let doc = self.doc.as_ref()?;
        let solo = self.selection.solo?;
        let (lo, hi) = self.solo_range.unwrap_or_else(|| doc.robust_range(solo));
        Some((solo, ScalarMapping::gray(lo, hi)))
    }

    /// The colour layer the RGB view shows (none while a channel is viewed on its own).
    pub fn rgb_layer(&self) -> Option<&exrprobe_core::naming::RgbLayer> {
        if self.selection.solo.is_some() {
            return None;
        }
        let doc = self.doc.as_ref()?;
        doc.analysis.rgb_layers.get(self.selection.rgb_layer?)
    }

    /// The part the RGB view shows.
    pub fn rgb_part(&self) -> Option<usize> {
        match self.selection.solo {
            Some(solo) => Some(solo.part),
            None => self.rgb_layer().map(|l| l.part),
        }
    }

    /// The channels the probe panel highlights: the depth channel and the channels that feed
    /// the RGB view (the solo channel when one is viewed on its own, else the chosen layer).
    pub fn probe_highlight(&self) -> ProbeHighlight {
        let rgb = match (self.selection.solo, self.rgb_layer()) {
            (Some(solo), _) => vec![solo],
            (None, Some(layer)) => {
                let mut refs = vec![layer.r, layer.g, layer.b];
                refs.extend(layer.a);
                refs
            }
            (None, None) => Vec::new(),
        };
        ProbeHighlight {
            depth: self.selection.depth,
            rgb,
            loading: self.doc.as_ref().is_some_and(Document::channels_loading),
        }
    }

    pub fn histogram_target(&self) -> Option<HistogramTarget> {
        match (self.selection.solo, self.selection.depth) {
            (Some(solo), _) => Some(HistogramTarget::Solo(solo)),
            (None, Some(depth)) => Some(HistogramTarget::Depth(depth)),
            (None, None) => None,
        }
    }

    /// The range the histogram marks for `target`.
    pub fn histogram_range(&self, target: HistogramTarget) -> Option<(f64, f64)> {
        let doc = self.doc.as_ref()?;
        Some(match target {
            HistogramTarget::Depth(c) => self.depth.range.unwrap_or_else(|| doc.robust_range(c)),
            HistogramTarget::Solo(c) => self.solo_range.unwrap_or_else(|| doc.robust_range(c)),
        })
    }

    // ------------------------------------------------------------------------------------------
    // Changing

    /// Applies one command and returns what the app must do outside the state.
    pub fn apply(&mut self, command: Command) -> Vec<Effect> {
        let mut effects = Vec::new();
        match command {
            Command::Open(paths) => self.open(&paths, &mut effects),
            Command::OpenDialog => effects.push(Effect::PickFilesToOpen {
                directory: self.document_folder(),
            }),
            Command::OpenFolderDialog => effects.push(Effect::PickFolderToOpen {
                directory: self.document_folder(),
            }),
            Command::OpenExample(i) => {
                self.set_files(vec![Source::Example(i)], Vec::new());
                self.roots.clear();
                effects.push(self.watch_effect());
                self.select_file(0, &mut effects);
            }
            Command::OpenRecent(path) => {
                if path.exists() {
                    return self.apply(Command::Open(vec![path]));
                }
                self.recent.retain(|p| p != &path);
                self.error(format!(
                    "Cannot open a recent file: it no longer exists: {}",
                    path.display()
                ));
            }
            Command::ClearRecent => self.recent.clear(),
            Command::Reload => {
                if let Some(i) = self.current {
                    if let Some(path) = self.files.get(i).and_then(Source::path) {
                        effects.push(Effect::ForgetCached(path.clone()));
                    }
                    self.select_file(i, &mut effects);
                }
            }
            Command::SelectFile(i) => self.select_file(i, &mut effects),
            Command::NextFile => {
                if let Some(i) = self.current.filter(|i| i + 1 < self.files.len()) {
                    self.select_file(i + 1, &mut effects);
                }
            }
            Command::PrevFile => {
                if let Some(i) = self.current.filter(|&i| i > 0) {
                    self.select_file(i - 1, &mut effects);
                }
            }
            Command::SetRgbLayer(i) => {
                self.selection.rgb_layer = Some(i);
                self.selection.solo = None;
                self.solo_range = None;
                self.remember_selection();
            }
            Command::SetDepth(channel) => {
                if self.selection.depth != Some(channel) {
                    self.selection.depth = Some(channel);
                    self.depth.range = None;
                }
                self.remember_selection();
            }
            Command::Solo(channel) => {
                if self.selection.solo != channel {
                    self.solo_range = None;
                }
                self.selection.solo = channel;
                self.remember_selection();
            }
            Command::SetDepthRange(lo, hi) => {
                if lo.is_finite() && hi.is_finite() {
                    self.depth.range = Some((lo.min(hi), lo.max(hi)));
                }
            }
            Command::ResetDepthRange => self.depth.range = None,
            Command::SetSoloRange(lo, hi) => {
                if lo.is_finite() && hi.is_finite() {
                    self.solo_range = Some((lo.min(hi), lo.max(hi)));
                }
            }
            Command::SetColormap(map) => self.depth.colormap = map,
            Command::SetFrameCache(bytes) => {
                self.frame_cache_bytes = bytes;
                effects.push(Effect::SetFrameCacheBudget(bytes));
            }
            Command::SetInvert(invert) => self.depth.invert = invert,
            Command::SetLogScale(log) => self.depth.log = log,
            Command::SetExposure(stops) => self.set_exposure(stops),
            Command::StepExposure(stops) => self.set_exposure(self.exposure + stops),
            Command::Export { kind, path } => self.export(kind, path, &mut effects),
            Command::SavePng(path) => self.save_png(path, &mut effects),
            Command::OfferSave(offer) => self.save_offer = Some(offer),
            Command::Fit
            | Command::OneToOne
            | Command::Zoom(_)
            | Command::ZoomAbout { .. }
            | Command::Pan(_)
            | Command::CanvasesLaidOut { .. }
            | Command::Hover(_)
            | Command::TogglePin(_) => self.apply_view(command),
            Command::SetLayout(mode) => self.layout = mode,
            Command::ToggleLayout => {
                // Flip what is on screen now (Auto may show either).
                self.layout = if self.stacked {
                    LayoutMode::SideBySide
                } else {
                    LayoutMode::Stacked
                };
            }
            Command::CopyProbe => {
                if let (Some(doc), Some(pos)) = (&self.doc, self.probe()) {
                    let reference = self.reference_image().map(|r| r.as_ref());
                    effects.push(Effect::CopyText(probe_text(&doc.image, reference, pos)));
                }
            }
            Command::CopyText(text) => effects.push(Effect::CopyText(text)),
            Command::Unpin => {
                self.pins.pop();
            }
            Command::RemovePin(i) => {
                if i < self.pins.len() {
                    self.pins.remove(i);
                }
            }
            Command::ClearPins => self.pins.clear(),
            Command::OpenReferenceDialog
            | Command::SetReference(_)
            | Command::FollowReference(_)
            | Command::KeepReference
            | Command::ClearReference
            | Command::SetCompareView(_)
            | Command::FlipAB
            | Command::CycleDifference
            | Command::ToggleWipe
            | Command::SetWipe(_)
            | Command::GoToPixel { .. } => self.apply_compare(command, &mut effects),
            Command::SetRegion(_)
            | Command::CopyRegionStats
            | Command::CopyRegionSlice
            | Command::ExportRegion { .. } => self.apply_region(command, &mut effects),
            Command::ToggleWatch => {
                self.watching ^= true;
                effects.push(self.watch_effect());
            }
            Command::ToggleHistogram
            | Command::ToggleTimeline
            | Command::SetHistogramLogCounts(_)
            | Command::ToggleCheckerboard
            | Command::ToggleLeftPanel
            | Command::ToggleProbePanel
            | Command::ShowInfo
            | Command::ShowShortcuts
            | Command::ShowAbout
            | Command::CloseWindows { .. } => self.apply_panels(command),
            Command::DismissSaveOffer => self.save_offer = None,
            Command::DismissAllMessages => {
                self.messages.clear();
                self.save_offer = None;
            }
            Command::Escape => {
                if self.pins.pop().is_none() {
                    self.messages.clear();
                    self.save_offer = None;
                }
            }
            Command::DismissMessage(i) => {
                if i < self.messages.len() {
                    self.messages.remove(i);
                }
            }
            Command::Quit => effects.push(Effect::CloseWindow),
        }
        effects
    }

    /// Pan, zoom, the canvases' layout and the pointer.
    fn apply_view(&mut self, command: Command) {
        match command {
            Command::Fit => self.view.fit_pending = true,
            Command::OneToOne => self.view.set_zoom(1.0 / self.pixels_per_point),
            Command::Zoom(factor) if factor.is_finite() && factor > 0.0 => {
                self.view.set_zoom(self.view.zoom * factor);
            }
            Command::ZoomAbout {
                canvas,
                pos_on_screen,
                factor,
            } if factor.is_finite() && factor > 0.0 => {
                self.view.zoom_about(canvas, pos_on_screen, factor);
            }
            Command::Pan(delta_on_screen) => self.view.pan(delta_on_screen),
            Command::CanvasesLaidOut {
                canvas_size,
                bounds_in_image,
                stacked,
                pixels_per_point,
            } => {
                if stacked != self.stacked {
                    // The canvases changed shape: fit again.
                    self.view.fit_pending = true;
                }
                self.stacked = stacked;
                if pixels_per_point.is_finite() && pixels_per_point > 0.0 {
                    self.pixels_per_point = pixels_per_point;
                }
                self.view.update_canvas(canvas_size, bounds_in_image);
            }
            Command::Hover(pixel) => self.hover = pixel,
            Command::TogglePin(pixel) => {
                let same = self
                    .pins
                    .iter()
                    .position(|p| p.pixel_in_image == pixel.pixel_in_image);
                match same {
                    Some(i) => {
                        self.pins.remove(i);
                    }
                    None => self.pin_at(pixel),
                }
            }
            _ => {}
        }
    }

    /// Which panels and windows are shown, and their options.
    fn apply_panels(&mut self, command: Command) {
        match command {
            Command::ToggleHistogram => self.panels.histogram ^= true,
            Command::ToggleTimeline => self.panels.timeline ^= true,
            Command::SetHistogramLogCounts(on) => self.histogram_log_counts = on,
            Command::ToggleCheckerboard => self.checkerboard ^= true,
            Command::ToggleLeftPanel => self.panels.left ^= true,
            Command::ToggleProbePanel => self.panels.probe ^= true,
            Command::ShowInfo if self.doc.is_some() => {
                self.panels.info ^= true;
            }
            Command::ShowShortcuts => self.panels.shortcuts ^= true,
            Command::ShowAbout => self.panels.about = true,
            Command::CloseWindows {
                info,
                shortcuts,
                about,
            } => {
                self.panels.info &= !info;
                self.panels.shortcuts &= !shortcuts;
                self.panels.about &= !about;
            }
            _ => {}
        }
    }

    /// The folder of the file shown, where open dialogs start.
    fn document_folder(&self) -> Option<PathBuf> {
        self.doc
            .as_ref()
            .and_then(|d| d.source.path())
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
    }

    fn set_exposure(&mut self, stops: f32) {
        if stops.is_finite() {
            self.exposure = stops.clamp(-20.0, 20.0);
        }
    }

    fn select_file(&mut self, i: usize, effects: &mut Vec<Effect>) {
        if let Some(source) = self.files.get(i).cloned() {
            if let Some(current) = self.current.filter(|&current| current != i) {
                self.travelling_down = i > current;
            }
            self.current = Some(i);
            effects.push(Effect::Load(source));
            effects.push(Effect::Prefetch(self.files_ahead_of(i)));
            self.reference_follows_current(effects);
        }
    }

    /// The files after `i` in the direction of travel, nearest first, [`PREFETCH_AHEAD`] at
    /// most.
    fn files_ahead_of(&self, i: usize) -> Vec<PathBuf> {
        let down = self.travelling_down;
        (1..)
            .map_while(|k| {
                if down {
                    i.checked_add(k)
                } else {
                    i.checked_sub(k)
                }
            })
            .map_while(|j| self.files.get(j))
            .filter_map(Source::path)
            .take(PREFETCH_AHEAD)
            .cloned()
            .collect()
    }

    /// Adds a pin at `pixel` (inside a part: pins outside any data window are not kept), the
    /// oldest going when there are [`MAX_PINS`].
    fn pin_at(&mut self, pixel: PixelUnderPointer) {
        if pixel.probe.is_none() {
            return;
        }
        self.pins
            .retain(|p| p.pixel_in_image != pixel.pixel_in_image);
        if self.pins.len() >= MAX_PINS {
            self.pins.remove(0);
        }
        self.pins.push(pixel);
    }

    fn export(&mut self, kind: ExportKind, path: Option<PathBuf>, effects: &mut Vec<Effect>) {
        let Some(doc) = self.doc.clone() else {
            self.error("Nothing to export: open a file first".to_owned());
            return;
        };
        let channel = match kind {
            ExportKind::Depth => match self.selection.depth {
                Some(c) => Some(c),
                None => {
                    self.error(
                        "No depth channel to export: choose one in the channel list".to_owned(),
                    );
                    return;
                }
            },
            ExportKind::Channel(Some(c)) => Some(c),
            ExportKind::Channel(None) => match self.selection.solo.or(self.selection.depth) {
                Some(c) => Some(c),
                None => {
                    self.error(
                        "No channel to export: view a channel on its own or choose a depth channel"
                            .to_owned(),
                    );
                    return;
                }
            },
            ExportKind::AllChannels => None,
        };
        let loading = match channel {
            Some(c) => doc.is_loading(c),
            None => doc.channels_loading(),
        };
        if loading {
            self.error(format!(
                "{} still loading (the shown channels came first): export again in a moment",
                match channel.and_then(|c| doc.image.qualified_name(c)) {
                    Some(name) => format!("{name} is"),
                    None => "Some channels are".to_owned(),
                }
            ));
            return;
        }
        let qualified = channel.map(|c| {
            doc.image
                .qualified_name(c)
                .unwrap_or_else(|| "channel".to_owned())
        });
        let (name, extension) = match (kind, qualified.as_deref()) {
            (ExportKind::Depth, _) => (ExportName::Depth, "npy"),
            (_, Some(qualified)) => (ExportName::Channel(qualified), "npy"),
            (_, None) => (ExportName::AllChannels, "npz"),
        };
        let Some(path) = path else {
            effects.push(Effect::PickSavePath {
                default_path: default_path_for(&doc.source, name),
                extension,
                command: SaveCommand::Export(kind),
            });
            return;
        };
        self.save_offer = None;
        effects.push(Effect::WriteExport {
            image: Arc::clone(&doc.image),
            channel,
            what: qualified.unwrap_or_else(|| "all channels".to_owned()),
            path,
        });
    }

    fn save_png(&mut self, path: Option<PathBuf>, effects: &mut Vec<Effect>) {
        let Some(doc) = &self.doc else {
            self.error("Nothing to save: open a file first".to_owned());
            return;
        };
        match path {
            None => effects.push(Effect::PickSavePath {
                default_path: default_path_for(&doc.source, ExportName::ViewPng),
                extension: "png",
                command: SaveCommand::ViewPng,
            }),
            Some(path) => {
                effects.push(Effect::WriteViewPng {
                    image: Arc::clone(&doc.image),
                    path,
                });
                self.save_offer = None;
            }
        }
    }

    /// Posts an error message (it stays until dismissed).
    pub fn error(&mut self, text: String) {
        log::warn!("{text}");
        self.messages.push(Message {
            kind: MessageKind::Error,
            text,
            posted: Instant::now(),
            load_failure: false,
        });
    }

    /// Posts a confirmation (it fades after [`INFO_MESSAGE_SECS`]).
    pub fn info(&mut self, text: String) {
        log::info!("{text}");
        self.messages.push(Message {
            kind: MessageKind::Info,
            text,
            posted: Instant::now(),
            load_failure: false,
        });
    }

    /// Drops confirmations older than [`INFO_MESSAGE_SECS`] at `now`; returns how long until the
    /// next one expires.
    pub fn expire_messages(&mut self, now: Instant) -> Option<Duration> {
        let lifetime = Duration::from_secs_f32(INFO_MESSAGE_SECS);
        let age = |m: &Message| now.saturating_duration_since(m.posted);
        self.messages
            .retain(|m| m.kind == MessageKind::Error || age(m) < lifetime);
        self.messages
            .iter()
            .filter(|m| m.kind == MessageKind::Info)
            .map(|m| lifetime.saturating_sub(age(m)))
            .min()
    }
}

/// Default export path beside the source (`frame_0001.depth.npy`); for a built-in example, in
/// the working folder.
fn default_path_for(source: &Source, name: ExportName<'_>) -> PathBuf {
    match source {
        Source::File(path) => default_export_path(path, name),
        Source::Example(_) => default_export_path(Path::new(&source.label()), name),
    }
}

#[cfg(test)]
mod tests;
