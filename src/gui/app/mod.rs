//! The viewer application: its state, loading results into it, persistence, and helpers shared
//! by the frame (`frame.rs`: drain workers → panels → drop handling → commands) and the two image
//! views (`views.rs`). Commands are executed in `../command.rs`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Color32, Key, KeyboardShortcut, Modifiers, RichText, TextureHandle, TextureOptions};
use exrprobe_core::Analysis;
use exrprobe_core::colormap::{
    Colormap, NAN_COLOR, NEG_INF_COLOR, POS_INF_COLOR, SENTINEL_COLOR, ScalarMapping, scalar_color,
};
use exrprobe_core::export::NpyDtype;
use exrprobe_core::model::{ChannelRef, Image, Window};

use super::command::{Command, Dialogs, ExportKind, LayoutMode, NO_DIALOG_MESSAGE, SaveOffer};
use super::loader::{Loaded, Source, Worker, WorkerMsg};
use super::panels::channels::{ChannelAction, ChannelSelection, channels_ui};
use super::panels::findings::findings_ui;
use super::panels::histogram::{HistogramSettings, histogram_ui};
use super::panels::info::info_ui;
use super::panels::probe::{ProbeHighlight, ProbePos, probe_ui_highlighted};
use super::panels::shortcuts::shortcuts_ui;
use super::textures::{self, RenderJob, RenderKey, RenderWhat, Slot, TextureCache, Wanted};
use super::view::{self, CanvasContent, ViewState};

mod frame;
mod views;

pub use views::probe_pos;

const MAX_RECENT: usize = 12;
const EXPOSURE_STEP: f32 = 1.0;
const PERSIST_KEY: &str = "exrprobe";

/// A message shown in the window until dismissed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub kind: MessageKind,
    pub text: String,
    /// When it was posted (confirmations fade out after [`INFO_MESSAGE_SECS`]).
    pub posted: Instant,
}

/// Confirmations disappear after this many seconds; errors stay until dismissed.
pub const INFO_MESSAGE_SECS: f32 = 10.0;

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

/// The channel choice by name, so stepping through a sequence keeps it where the channels exist.
#[derive(Clone, Debug, Default)]
pub(super) struct RememberedChoice {
    rgb_layer: Option<String>,
    depth: Option<String>,
    solo: Option<String>,
}

/// What survives a restart (eframe storage).
#[derive(serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
struct Persisted {
    recent: Vec<PathBuf>,
    colormap: Colormap,
    layout: LayoutMode,
    checkerboard: Option<bool>,
    show_histogram: Option<bool>,
}

/// The viewer.
pub struct ExrProbeApp {
    pub(super) ctx: Option<egui::Context>,
    pub(super) worker: Worker,
    pub(super) textures: TextureCache,
    pub(super) files: Vec<Source>,
    pub(super) current: Option<usize>,
    pub(super) doc: Option<Document>,
    pub(super) selection: ChannelSelection,
    pub(super) remembered: RememberedChoice,
    pub(super) depth: DepthSettings,
    pub(super) solo_range: Option<(f64, f64)>,
    pub(super) exposure: f32,
    pub(super) checkerboard: bool,
    pub(super) layout: LayoutMode,
    pub(super) show_histogram: bool,
    pub(super) show_left: bool,
    pub(super) show_probe: bool,
    pub(super) show_info: bool,
    pub(super) show_shortcuts: bool,
    pub(super) show_about: bool,
    pub(super) histogram_settings: HistogramSettings,
    pub(super) view: ViewState,
    pub(super) hover: Option<ProbePos>,
    pub(super) hover_pixel: Option<(i64, i64)>,
    pub(super) pinned: Option<ProbePos>,
    pub(super) pinned_pixel: Option<(i64, i64)>,
    pub(super) messages: Vec<Message>,
    /// Offer to save to the default path, when no save dialog could be shown.
    pub(super) save_offer: Option<SaveOffer>,
    /// Native dialogs, or none (tests).
    pub(super) dialogs: Dialogs,
    pub(super) recent: Vec<PathBuf>,
    pub(super) pending: Vec<Command>,
    pub(super) checker_texture: Option<TextureHandle>,
    pub(super) colorbar: Option<(ScalarMapping, TextureHandle)>,
    pub(super) banner_height: f32,
    /// Whether the views were stacked in the last frame (L toggles relative to it).
    pub(super) last_stacked: bool,
    /// Screen rectangles of the RGB and depth canvases in the last frame.
    pub(super) canvas_rects: Option<(egui::Rect, egui::Rect)>,
    pub(super) title_generation: u64,
    /// Time of the first frame, for the start-to-image measurement.
    pub(super) started: Instant,
    /// Seconds from start until the first document's image was on screen.
    pub first_image_secs: Option<f64>,
}

impl Default for ExrProbeApp {
    fn default() -> Self {
        Self::new(None)
    }
}

impl ExrProbeApp {
    /// Creates the app; with a creation context, restores persisted settings (Open Recent, …).
    pub fn new(cc: Option<&eframe::CreationContext<'_>>) -> Self {
        let persisted: Persisted = cc
            .and_then(|cc| cc.storage)
            .and_then(|storage| eframe::get_value(storage, PERSIST_KEY))
            .unwrap_or_default();
        let mut app = Self {
            ctx: cc.map(|cc| cc.egui_ctx.clone()),
            worker: Worker::default(),
            textures: TextureCache::default(),
            files: Vec::new(),
            current: None,
            doc: None,
            selection: ChannelSelection::default(),
            remembered: RememberedChoice::default(),
            depth: DepthSettings {
                colormap: persisted.colormap,
                ..DepthSettings::default()
            },
            solo_range: None,
            exposure: 0.0,
            checkerboard: persisted.checkerboard.unwrap_or(true),
            layout: persisted.layout,
            show_histogram: persisted.show_histogram.unwrap_or(true),
            show_left: true,
            show_probe: true,
            show_info: false,
            show_shortcuts: false,
            show_about: false,
            histogram_settings: HistogramSettings::default(),
            view: ViewState::default(),
            hover: None,
            hover_pixel: None,
            pinned: None,
            pinned_pixel: None,
            messages: Vec::new(),
            save_offer: None,
            dialogs: Dialogs::Native,
            recent: persisted.recent,
            pending: Vec::new(),
            checker_texture: None,
            colorbar: None,
            banner_height: 0.0,
            last_stacked: false,
            canvas_rects: None,
            title_generation: 0,
            started: Instant::now(),
            first_image_secs: None,
        };
        if let Some(cc) = cc {
            app.worker.set_context(&cc.egui_ctx);
        }
        app
    }

    /// Creates the app and opens `files` (the command line).
    pub fn with_files(cc: Option<&eframe::CreationContext<'_>>, files: Vec<PathBuf>) -> Self {
        Self::starting(cc, files, Worker::default(), Instant::now())
    }

    /// Like [`Self::with_files`], taking over `worker`, which may already be loading the first
    /// file (started with the process, before the window existed); `started` is when the process
    /// started, for the start-to-image measurement.
    pub fn starting(
        cc: Option<&eframe::CreationContext<'_>>,
        files: Vec<PathBuf>,
        worker: Worker,
        started: Instant,
    ) -> Self {
        let mut app = Self::new(cc);
        app.started = started;
        app.worker = worker;
        if let Some(cc) = cc {
            app.worker.set_context(&cc.egui_ctx);
        }
        let first = files.first().map(|path| Source::File(path.clone()));
        let preloading = app.worker.load.as_ref().map(|load| &load.source);
        if first.is_some() && preloading == first.as_ref() {
            app.files = files.into_iter().map(Source::File).collect();
            app.current = Some(0);
        } else if !files.is_empty() {
            app.execute(Command::Open(files));
        }
        app
    }

    // ------------------------------------------------------------------------------------------
    // Public state for tests and the status bar.

    pub fn document(&self) -> Option<&Document> {
        self.doc.as_ref()
    }

    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    pub fn selection(&self) -> ChannelSelection {
        self.selection
    }

    pub fn files(&self) -> &[Source] {
        &self.files
    }

    pub fn current_file(&self) -> Option<usize> {
        self.current
    }

    pub fn view_state(&self) -> &ViewState {
        &self.view
    }

    pub fn depth_settings(&self) -> DepthSettings {
        self.depth
    }

    pub fn exposure(&self) -> f32 {
        self.exposure
    }

    pub fn recent(&self) -> &[PathBuf] {
        &self.recent
    }

    /// The probed pixel: the pinned one, else the hovered one.
    pub fn probe(&self) -> Option<ProbePos> {
        self.pinned.or(self.hover)
    }

    pub fn is_pinned(&self) -> bool {
        self.pinned.is_some()
    }

    /// Screen rectangles of the RGB and depth canvases in the last frame (`None` before a
    /// document was shown).
    pub fn canvas_rects(&self) -> Option<(egui::Rect, egui::Rect)> {
        if self.doc.is_some() {
            self.canvas_rects
        } else {
            None
        }
    }

    /// Size in texels of the texture shown in a view (smaller than the image when it had to be
    /// downsampled to fit the GPU's `max_texture_side`).
    pub fn shown_texture_size(&self, slot: Slot) -> Option<[usize; 2]> {
        self.textures.shown(slot).map(|s| s.size)
    }

    /// Number of texture uploads so far.
    pub fn texture_uploads(&self) -> u64 {
        self.textures.uploads
    }

    /// True while a load, export, save or render runs in the background.
    pub fn is_busy(&self) -> bool {
        !self.worker.is_idle()
    }

    /// The depth normalisation range in effect.
    pub fn depth_range(&self) -> Option<(f64, f64)> {
        let doc = self.doc.as_ref()?;
        let channel = self.selection.depth?;
        Some(
            self.depth
                .range
                .unwrap_or_else(|| robust_range(doc, channel)),
        )
    }

    /// Chooses native file dialogs or none (tests simulate a system without a dialog backend).
    pub fn set_dialogs(&mut self, dialogs: Dialogs) {
        self.dialogs = dialogs;
    }

    /// The pending offer to save to the default path (no save dialog was available).
    pub fn save_offer(&self) -> Option<&SaveOffer> {
        self.save_offer.as_ref()
    }

    /// Queues a command for the end of the current (or next) frame.
    pub fn push_command(&mut self, command: Command) {
        self.pending.push(command);
    }

    /// Blocks until background work is done (or `timeout` passes), applying results as they
    /// arrive. Returns `true` when idle. For tests and the benchmark; the UI never blocks.
    pub fn wait_for_background_work(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while !self.worker.is_idle() {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            if let Some(msg) = self.worker.recv_timeout(deadline - now) {
                self.handle_msg(msg);
            }
        }
        true
    }

    // ------------------------------------------------------------------------------------------
    // Worker messages.

    fn drain_worker(&mut self) {
        while let Some(msg) = self.worker.try_recv() {
            self.handle_msg(msg);
        }
    }

    fn handle_msg(&mut self, msg: WorkerMsg) {
        if !self.worker.accept(&msg) {
            return; // stale: superseded load
        }
        match msg {
            WorkerMsg::LoadProgress { .. } => {}
            WorkerMsg::Loaded(loaded) => self.install(*loaded),
            WorkerMsg::Analysed {
                generation,
                analysis,
            } => {
                if let Some(doc) = self.doc.as_mut().filter(|d| d.generation == generation) {
                    doc.analysis = analysis;
                }
            }
            WorkerMsg::LoadFailed {
                source, message, ..
            } => {
                self.error(format!("Cannot open {}: {message}", source.label()));
            }
            WorkerMsg::TaskDone { result, .. } => match result {
                Ok(text) => self.info(text),
                Err(text) => self.error(text),
            },
            WorkerMsg::Rendered(rendered) => {
                if self
                    .doc
                    .as_ref()
                    .is_some_and(|d| d.generation == rendered.key.generation)
                {
                    if let Some(ctx) = self.worker_ctx() {
                        self.textures.receive(&ctx, *rendered);
                    }
                } else {
                    // From an older document: just clear the pending flag.
                    let mut r = *rendered;
                    r.result = Err(String::new());
                    if let Some(ctx) = self.worker_ctx() {
                        self.textures.receive(&ctx, r);
                    }
                }
            }
        }
    }

    fn worker_ctx(&self) -> Option<egui::Context> {
        self.ctx.clone()
    }

    /// Makes a freshly loaded image the current document, keeping the channel choice, depth range,
    /// zoom and pan where the same channels exist.
    fn install(&mut self, loaded: Loaded) {
        let Loaded {
            generation,
            source,
            image,
            analysis,
            load_duration,
        } = loaded;
        log::info!(
            "decoded {} in {:.3} s, showing it",
            source.label(),
            load_duration.as_secs_f64()
        );
        let old_size = self.doc.as_ref().map(|d| bounds_of(&d.image));
        let first = self.doc.is_none();

        // RGB layer: same label if it exists, else the best one.
        let rgb_layer = self
            .remembered
            .rgb_layer
            .as_ref()
            .and_then(|label| {
                analysis
                    .rgb_layers
                    .iter()
                    .position(|l| &l.label(&image) == label)
            })
            .or_else(|| (!analysis.rgb_layers.is_empty()).then_some(0));
        // Depth: same channel name if it exists, else the detected one.
        let kept_depth = self
            .remembered
            .depth
            .as_ref()
            .and_then(|name| image.find_channel(name));
        let depth = kept_depth.or_else(|| analysis.depth_channel());
        if kept_depth.is_none() {
            self.depth.range = None;
        }
        let solo = self
            .remembered
            .solo
            .as_ref()
            .and_then(|name| image.find_channel(name));
        if solo.is_none() {
            self.solo_range = None;
        }
        self.selection = ChannelSelection {
            rgb_layer,
            depth,
            solo,
        };

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
        if first || old_size != Some(bounds_of(&doc.image)) {
            self.view.fit_pending = true;
        }
        // A pinned probe survives when the pixel exists in the new image.
        if let Some(p) = self.pinned {
            let ok = doc.image.part(p.part).is_some_and(|part| {
                p.col < part.data_window.width && p.row < part.data_window.height
            });
            if !ok {
                self.pinned = None;
                self.pinned_pixel = None;
            }
        }
        self.hover = None;
        self.doc = Some(doc);
        self.remember_selection();
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

    pub(super) fn error(&mut self, text: String) {
        log::warn!("{text}");
        self.messages.push(Message {
            kind: MessageKind::Error,
            text,
            posted: Instant::now(),
        });
    }

    pub(super) fn info(&mut self, text: String) {
        log::info!("{text}");
        self.messages.push(Message {
            kind: MessageKind::Info,
            text,
            posted: Instant::now(),
        });
    }
}

/// A menu entry that pushes `command` when clicked; `hint` is its tooltip (shortcut first).
fn menu_item(
    ui: &mut egui::Ui,
    enabled: bool,
    label: &str,
    hint: &str,
    command: Command,
    commands: &mut Vec<Command>,
) {
    if ui
        .add_enabled(enabled, egui::Button::new(label))
        .on_hover_text(hint)
        .clicked()
    {
        commands.push(command);
    }
}

// ----------------------------------------------------------------------------------------------
// Helpers on the analysis.

/// The channel's robust range ((0, 1) when it has none). The first call for a channel computes
/// its distribution (a few tens of milliseconds for a 4K float channel; once per channel).
fn robust_range(doc: &Document, channel: ChannelRef) -> (f64, f64) {
    doc.analysis
        .distribution(&doc.image, channel)
        .and_then(|d| d.robust_range)
        .unwrap_or((0.0, 1.0))
}

/// The image bounds both views share: the union of all parts' data and display windows.
fn bounds_of(image: &Image) -> egui::Rect {
    let mut rect = egui::Rect::NOTHING;
    for part in &image.parts {
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

fn sanitize_for_file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Compact value text for the on-pixel overlay (the probe panel shows full precision).
pub fn short_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else if v == 0.0 {
        "0".to_owned()
    } else if v.abs() >= 1e5 || v.abs() < 1e-3 {
        format!("{v:.2e}")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_owned()
    }
}

impl eframe::App for ExrProbeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let persisted = Persisted {
            recent: self.recent.clone(),
            colormap: self.depth.colormap,
            layout: self.layout,
            checkerboard: Some(self.checkerboard),
            show_histogram: Some(self.show_histogram),
        };
        eframe::set_value(storage, PERSIST_KEY, &persisted);
    }
}

fn colormap_name(map: Colormap) -> &'static str {
    match map {
        Colormap::Gray => "Gray",
        Colormap::Turbo => "Turbo",
        Colormap::Viridis => "Viridis",
        Colormap::Inferno => "Inferno",
    }
}

/// Default export path beside the source: `frame_0001.depth.npy`.
pub(super) fn default_export_path(source: &Source, suffix: &str) -> PathBuf {
    match source {
        Source::File(path) => {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "export".to_owned());
            path.with_file_name(format!("{stem}.{suffix}"))
        }
        Source::Example(_) => {
            let label = source.label();
            let stem = Path::new(&label)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "example".to_owned());
            PathBuf::from(format!("{stem}.{suffix}"))
        }
    }
}

pub(super) fn channel_suffix(image: &Image, channel: ChannelRef) -> String {
    sanitize_for_file_name(
        &image
            .qualified_name(channel)
            .unwrap_or_else(|| "channel".to_owned()),
    )
}

pub(super) const EXPORT_DTYPE: NpyDtype = NpyDtype::F32;
