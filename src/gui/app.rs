//! The viewer application: state, the frame (drain workers → panels → drop handling → commands),
//! and command execution.

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

// ----------------------------------------------------------------------------------------------
// The frame.

/// Which channel the histogram shows, and whether dragging on it sets the depth or the solo range.
enum HistogramTarget {
    Depth(ChannelRef),
    Solo(ChannelRef),
}

impl ExrProbeApp {
    /// Draws the whole window and runs the commands it produced. `eframe::App::ui` calls this;
    /// tests drive it directly with `egui_kittest::Harness::new_ui_state`.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if self.ctx.is_none() {
            self.ctx = Some(ctx.clone());
        }
        self.worker.set_context(&ctx);
        self.drain_worker();

        self.expire_messages(&ctx);
        let mut commands: Vec<Command> = std::mem::take(&mut self.pending);
        self.keyboard_shortcuts(&ctx, &mut commands);

        egui::Panel::top("menu_bar").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| self.menu_bar(ui, &mut commands));
        });
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar(ui));
        if !self.messages.is_empty() || self.save_offer.is_some() {
            egui::Panel::top("messages").show(ui, |ui| self.messages_ui(ui, &mut commands));
        }

        if let Some(doc) = self.doc.clone() {
            if self.show_left {
                egui::Panel::left("channels")
                    .default_size(300.0)
                    .show(ui, |ui| self.left_panel(ui, &doc, &mut commands));
            }
            if self.show_probe {
                egui::Panel::right("probe")
                    .default_size(280.0)
                    .show(ui, |ui| {
                        egui::ScrollArea::both()
                            .auto_shrink([false, false])
                            .show(ui, |ui| {
                                let highlight = self.probe_highlight(&doc);
                                probe_ui_highlighted(
                                    ui,
                                    &doc.image,
                                    self.probe(),
                                    self.pinned.is_some(),
                                    &highlight,
                                );
                            });
                    });
            }
            if self.show_histogram {
                egui::Panel::bottom("histogram")
                    .resizable(true)
                    .default_size(190.0)
                    .show(ui, |ui| self.histogram_panel(ui, &doc, &mut commands));
            }
            egui::CentralPanel::default().show(ui, |ui| self.views(ui, &doc, &mut commands));
        } else {
            if self.files.len() > 1 {
                egui::Panel::left("channels")
                    .default_size(300.0)
                    .show(ui, |ui| self.file_list(ui, &mut commands));
            }
            egui::CentralPanel::default().show(ui, |ui| self.welcome(ui, &mut commands));
        }

        self.windows(&ctx);
        self.drag_and_drop(&ctx, &mut commands);

        // Commands change what the next frame shows (a histogram drag's range, a window opened
        // from a menu): draw it now, not at the next input event.
        // Likewise for what a click or key press opens that egui only draws from the next frame
        // on (a context menu): one extra frame per button or key event.
        let pressed = ctx.input(|i| {
            i.events.iter().any(|e| {
                matches!(
                    e,
                    egui::Event::PointerButton { .. } | egui::Event::Key { .. }
                )
            })
        });
        if !commands.is_empty() || pressed {
            ctx.request_repaint();
        }
        for command in commands {
            self.execute(command);
        }
        self.request_textures(&ctx);
        self.update_title(&ctx);
    }

    /// Drops confirmations older than [`INFO_MESSAGE_SECS`] and schedules a repaint for the next.
    fn expire_messages(&mut self, ctx: &egui::Context) {
        let lifetime = Duration::from_secs_f32(INFO_MESSAGE_SECS);
        self.messages
            .retain(|m| m.kind == MessageKind::Error || m.posted.elapsed() < lifetime);
        if let Some(next) = self
            .messages
            .iter()
            .filter(|m| m.kind == MessageKind::Info)
            .map(|m| lifetime.saturating_sub(m.posted.elapsed()))
            .min()
        {
            ctx.request_repaint_after(next);
        }
    }

    fn keyboard_shortcuts(&mut self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        let typing = ctx.egui_wants_keyboard_input();
        let copy_event = ctx.input(|i| i.events.iter().any(|e| matches!(e, egui::Event::Copy)));
        ctx.input_mut(|i| {
            let cmd = |key| KeyboardShortcut::new(Modifiers::COMMAND, key);
            let cmd_shift = |key| KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, key);
            let mut take = |shortcut: KeyboardShortcut, command: Command| {
                if i.consume_shortcut(&shortcut) {
                    commands.push(command);
                }
            };
            take(cmd(Key::O), Command::OpenDialog);
            take(
                cmd_shift(Key::E),
                Command::Export {
                    kind: ExportKind::Channel(None),
                    path: None,
                },
            );
            take(
                cmd(Key::E),
                Command::Export {
                    kind: ExportKind::Depth,
                    path: None,
                },
            );
            take(cmd(Key::S), Command::SavePng(None));
            take(cmd(Key::Q), Command::Quit);
            take(
                KeyboardShortcut::new(Modifiers::NONE, Key::F5),
                Command::Reload,
            );
            take(
                KeyboardShortcut::new(Modifiers::NONE, Key::F1),
                Command::ShowShortcuts,
            );
            if !typing {
                if i.consume_shortcut(&cmd(Key::C)) || copy_event {
                    commands.push(Command::CopyProbe);
                }
                let plain = |key| KeyboardShortcut::new(Modifiers::NONE, key);
                let shift = |key| KeyboardShortcut::new(Modifiers::SHIFT, key);
                let mut take = |shortcut: KeyboardShortcut, command: Command| {
                    if i.consume_shortcut(&shortcut) {
                        commands.push(command);
                    }
                };
                take(
                    shift(Key::E),
                    Command::SetExposure(self.exposure - EXPOSURE_STEP),
                );
                take(
                    plain(Key::E),
                    Command::SetExposure(self.exposure + EXPOSURE_STEP),
                );
                take(plain(Key::F), Command::Fit);
                take(plain(Key::Num1), Command::OneToOne);
                take(plain(Key::Plus), Command::Zoom(2.0));
                take(plain(Key::Equals), Command::Zoom(2.0));
                take(plain(Key::Minus), Command::Zoom(0.5));
                take(plain(Key::ArrowUp), Command::PrevFile);
                take(plain(Key::PageUp), Command::PrevFile);
                take(plain(Key::ArrowDown), Command::NextFile);
                take(plain(Key::PageDown), Command::NextFile);
                take(plain(Key::I), Command::ShowInfo);
                take(plain(Key::H), Command::ToggleHistogram);
                take(plain(Key::L), Command::ToggleLayout);
                take(plain(Key::Escape), Command::Unpin);
            }
        });
    }

    fn menu_bar(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let has_doc = self.doc.is_some();
        ui.menu_button("File", |ui| {
            menu_item(ui, true, "Open…", "Ctrl+O", Command::OpenDialog, commands);
            ui.menu_button("Open Recent", |ui| {
                if self.recent.is_empty() {
                    ui.label(RichText::new("No recent files").weak());
                }
                for path in &self.recent {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    if ui
                        .button(name)
                        .on_hover_text(path.display().to_string())
                        .clicked()
                    {
                        commands.push(Command::OpenRecent(path.clone()));
                    }
                }
                if !self.recent.is_empty() {
                    ui.separator();
                    if ui.button("Clear recent files").clicked() {
                        commands.push(Command::ClearRecent);
                    }
                }
            });
            let examples = crate::examples::examples();
            ui.menu_button("Open example", |ui| {
                if examples.is_empty() {
                    ui.label(RichText::new("No examples built in").weak());
                }
                for (i, example) in examples.iter().enumerate() {
                    if ui
                        .button(example.name)
                        .on_hover_text(example.description)
                        .clicked()
                    {
                        commands.push(Command::OpenExample(i));
                    }
                }
            });
            menu_item(
                ui,
                !self.files.is_empty(),
                "Reload",
                "F5 — read the current file again from disk",
                Command::Reload,
                commands,
            );
            ui.separator();
            let depth_ok = has_doc && self.selection.depth.is_some();
            menu_item(
                ui,
                depth_ok,
                "Export depth as .npy…",
                "Ctrl+E — float32 array (height, width), bit-exact",
                Command::Export {
                    kind: ExportKind::Depth,
                    path: None,
                },
                commands,
            );
            menu_item(
                ui,
                has_doc,
                "Export channel as .npy…",
                "Ctrl+Shift+E — the channel shown on its own, else the depth channel",
                Command::Export {
                    kind: ExportKind::Channel(None),
                    path: None,
                },
                commands,
            );
            menu_item(
                ui,
                has_doc,
                "Export all channels as .npz…",
                "Every decoded channel, keyed by its name",
                Command::Export {
                    kind: ExportKind::AllChannels,
                    path: None,
                },
                commands,
            );
            menu_item(
                ui,
                has_doc,
                "Save view as PNG…",
                "Ctrl+S — the RGB and depth views side by side, full resolution",
                Command::SavePng(None),
                commands,
            );
            ui.separator();
            menu_item(ui, true, "Quit", "Ctrl+Q", Command::Quit, commands);
        });
        ui.menu_button("View", |ui| {
            menu_item(ui, true, "Fit", "F", Command::Fit, commands);
            menu_item(
                ui,
                true,
                "1:1",
                "1 — one image pixel per screen pixel",
                Command::OneToOne,
                commands,
            );
            menu_item(ui, true, "Zoom in", "+", Command::Zoom(2.0), commands);
            menu_item(ui, true, "Zoom out", "-", Command::Zoom(0.5), commands);
            ui.separator();
            ui.menu_button("Layout", |ui| {
                for (mode, label) in [
                    (LayoutMode::Auto, "Automatic"),
                    (LayoutMode::SideBySide, "Side by side"),
                    (LayoutMode::Stacked, "Stacked"),
                ] {
                    if ui.radio(self.layout == mode, label).clicked() {
                        commands.push(Command::SetLayout(mode));
                    }
                }
            });
            ui.menu_button("Colormap", |ui| {
                for map in [
                    Colormap::Gray,
                    Colormap::Turbo,
                    Colormap::Viridis,
                    Colormap::Inferno,
                ] {
                    if ui
                        .radio(self.depth.colormap == map, colormap_name(map))
                        .clicked()
                    {
                        commands.push(Command::SetColormap(map));
                    }
                }
            });
            let mut invert = self.depth.invert;
            if ui
                .checkbox(&mut invert, "Invert depth (near bright)")
                .changed()
            {
                commands.push(Command::SetInvert(invert));
            }
            let mut log = self.depth.log;
            if ui.checkbox(&mut log, "Logarithmic depth").changed() {
                commands.push(Command::SetLogScale(log));
            }
            let mut checker = self.checkerboard;
            if ui
                .checkbox(&mut checker, "Checkerboard under alpha")
                .changed()
            {
                commands.push(Command::ToggleCheckerboard);
            }
            ui.separator();
            let mut left = self.show_left;
            if ui.checkbox(&mut left, "Channels panel").changed() {
                commands.push(Command::ToggleLeftPanel);
            }
            let mut probe = self.show_probe;
            if ui.checkbox(&mut probe, "Probe panel").changed() {
                commands.push(Command::ToggleProbePanel);
            }
            let mut hist = self.show_histogram;
            if ui.checkbox(&mut hist, "Histogram (H)").changed() {
                commands.push(Command::ToggleHistogram);
            }
            menu_item(
                ui,
                has_doc,
                "File info…",
                "I — header attributes",
                Command::ShowInfo,
                commands,
            );
        });
        ui.menu_button("Help", |ui| {
            menu_item(
                ui,
                true,
                "Keyboard shortcuts",
                "F1",
                Command::ShowShortcuts,
                commands,
            );
            if ui.button("About exrprobe").clicked() {
                commands.push(Command::ShowAbout);
            }
        });
    }

    fn messages_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        if let Some(offer) = &self.save_offer {
            egui::Frame::new()
                .fill(Color32::from_rgb(110, 85, 20))
                .inner_margin(6.0)
                .corner_radius(4.0)
                .show(ui, |ui| {
                    ui.horizontal_wrapped(|ui| {
                        let name = offer
                            .path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_else(|| offer.path.display().to_string());
                        let text = format!(
                            "{NO_DIALOG_MESSAGE} Save to the default file beside the EXR instead: \
                             {}{}?",
                            offer.path.display(),
                            if offer.replaces_existing {
                                " (it exists and will be replaced)"
                            } else {
                                ""
                            }
                        );
                        ui.label(RichText::new(text).color(Color32::WHITE));
                        if ui
                            .button(format!("Save as {name}"))
                            .on_hover_text(offer.path.display().to_string())
                            .clicked()
                        {
                            commands.push(offer.command.clone());
                        }
                        if ui.button("Cancel").clicked() {
                            commands.push(Command::DismissSaveOffer);
                        }
                    });
                });
        }
        for (i, message) in self.messages.iter().enumerate() {
            let (fill, icon) = match message.kind {
                MessageKind::Error => (Color32::from_rgb(110, 30, 30), "Error:"),
                MessageKind::Info => (Color32::from_rgb(30, 80, 45), "Done:"),
            };
            egui::Frame::new()
                .fill(fill)
                .inner_margin(6.0)
                .corner_radius(4.0)
                .show(ui, |ui| {
                    ui.horizontal(|ui| {
                        if ui
                            .button("×")
                            .on_hover_text("Dismiss this message")
                            .clicked()
                        {
                            commands.push(Command::DismissMessage(i));
                        }
                        ui.label(
                            RichText::new(format!("{icon} {}", message.text)).color(Color32::WHITE),
                        );
                    });
                });
        }
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if let Some(doc) = &self.doc {
                ui.label(RichText::new(doc.source.label()).strong())
                    .on_hover_text(doc.image.source.clone());
                if let Some(part) = doc.image.part(0) {
                    let dw = part.data_window;
                    ui.label(format!("{}×{}", dw.width, dw.height));
                }
                let channels = doc.image.channels().count();
                ui.label(format!(
                    "{} part{}, {} channel{}",
                    doc.image.parts.len(),
                    if doc.image.parts.len() == 1 { "" } else { "s" },
                    channels,
                    if channels == 1 { "" } else { "s" }
                ));
                if self.files.len() > 1
                    && let Some(i) = self.current
                {
                    ui.label(format!("file {}/{}", i + 1, self.files.len()));
                }
                ui.separator();
            } else {
                ui.label("No file open");
            }
            if let Some(load) = &self.worker.load {
                if load.analysing {
                    ui.spinner();
                    ui.label(format!("Analysing {}…", load.source.label()))
                        .on_hover_text("Statistics and findings follow in a moment");
                } else {
                    ui.add(
                        egui::ProgressBar::new(load.fraction as f32)
                            .desired_width(160.0)
                            .show_percentage()
                            .text(format!("Loading {}", load.source.label())),
                    );
                }
            }
            for task in &self.worker.tasks {
                ui.spinner();
                ui.label(&task.label);
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if self.doc.is_some() {
                    let ppp = ui.ctx().pixels_per_point();
                    ui.label(format!("{:.0} %", self.view.zoom * ppp * 100.0))
                        .on_hover_text("Zoom: screen pixels per image pixel");
                    ui.separator();
                    if let Some(summary) = self.probe_summary() {
                        ui.label(RichText::new(summary).monospace());
                    }
                }
            });
        });
    }

    /// "x 12 y 34 · Z 7.2127 · RGB 0.1 0.2 0.3" for the status bar.
    fn probe_summary(&self) -> Option<String> {
        let doc = self.doc.as_ref()?;
        let pos = self.probe()?;
        let part = doc.image.part(pos.part)?;
        let x = i64::from(part.data_window.x) + pos.col as i64;
        let y = i64::from(part.data_window.y) + pos.row as i64;
        let mut text = format!("x {x}  y {y}");
        if let Some(depth) = self.selection.depth
            && depth.part == pos.part
            && let Some(ch) = doc.image.channel(depth)
            && let Some(v) = ch.value_at(
                pos.col / ch.sampling.0.max(1),
                pos.row / ch.sampling.1.max(1),
            )
        {
            text.push_str(&format!("  ·  {} = {v}", ch.name));
        }
        if let Some(layer) = self
            .selection
            .rgb_layer
            .and_then(|i| doc.analysis.rgb_layers.get(i))
            && layer.part == pos.part
        {
            let value = |c: ChannelRef| {
                doc.image
                    .channel(c)
                    .and_then(|ch| ch.value_at(pos.col, pos.row))
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "–".to_owned())
            };
            text.push_str(&format!(
                "  ·  RGB {} {} {}",
                value(layer.r),
                value(layer.g),
                value(layer.b)
            ));
        }
        if self.pinned.is_some() {
            text.push_str("  (pinned)");
        }
        Some(text)
    }

    fn file_list(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        ui.heading("Files");
        egui::ScrollArea::vertical()
            .id_salt("file_list")
            .auto_shrink([false, true])
            .max_height(200.0)
            .show(ui, |ui| {
                for (i, source) in self.files.iter().enumerate() {
                    let selected = self.current == Some(i);
                    let response = ui.selectable_label(selected, source.label());
                    let response = match source.path() {
                        Some(path) => response.on_hover_text(path.display().to_string()),
                        None => response,
                    };
                    if response.clicked() && !selected {
                        commands.push(Command::SelectFile(i));
                    }
                }
            });
        ui.label(RichText::new("Up/Down or PageUp/PageDown step through the files").weak());
        ui.separator();
    }

    fn left_panel(&mut self, ui: &mut egui::Ui, doc: &Document, commands: &mut Vec<Command>) {
        if self.files.len() > 1 {
            self.file_list(ui, commands);
        }
        egui::ScrollArea::both()
            .id_salt("channel_tree")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if let Some(action) = channels_ui(ui, &doc.image, &doc.analysis, &self.selection) {
                    commands.push(match action {
                        ChannelAction::SetRgbLayer(i) => Command::SetRgbLayer(i),
                        ChannelAction::SetDepth(c) => Command::SetDepth(c),
                        ChannelAction::Solo(c) => Command::Solo(c),
                        ChannelAction::Export(c) => Command::Export {
                            kind: ExportKind::Channel(Some(c)),
                            path: None,
                        },
                    });
                }
            });
    }

    fn histogram_target(&self) -> Option<HistogramTarget> {
        match (self.selection.solo, self.selection.depth) {
            (Some(solo), _) => Some(HistogramTarget::Solo(solo)),
            (None, Some(depth)) => Some(HistogramTarget::Depth(depth)),
            (None, None) => None,
        }
    }

    fn histogram_panel(&mut self, ui: &mut egui::Ui, doc: &Document, commands: &mut Vec<Command>) {
        let Some(target) = self.histogram_target() else {
            ui.label("No depth channel: choose one in the channel list to see its histogram.");
            return;
        };
        let (channel, range) = match target {
            HistogramTarget::Depth(c) => {
                (c, self.depth.range.unwrap_or_else(|| robust_range(doc, c)))
            }
            HistogramTarget::Solo(c) => {
                (c, self.solo_range.unwrap_or_else(|| robust_range(doc, c)))
            }
        };
        let label = doc
            .image
            .qualified_name(channel)
            .unwrap_or_else(|| "channel".to_owned());
        let (Some(stats), Some(distribution)) = (
            doc.analysis.stats.get(&channel),
            doc.analysis.distribution(&doc.image, channel),
        ) else {
            ui.label(format!("{label} has no decoded pixels."));
            return;
        };
        if let Some((lo, hi)) = histogram_ui(
            ui,
            &label,
            stats,
            distribution,
            range,
            &mut self.histogram_settings,
        ) {
            commands.push(match target {
                HistogramTarget::Depth(_) => Command::SetDepthRange(lo, hi),
                HistogramTarget::Solo(_) => Command::SetSoloRange(lo, hi),
            });
        }
    }

    fn welcome(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let rect = ui.available_rect_before_wrap();
        let zone = rect.shrink(rect.size().min_elem().min(80.0) * 0.5);
        ui.painter().rect(
            zone,
            12.0,
            Color32::from_gray(30),
            egui::Stroke::new(2.0, Color32::from_gray(80)),
            egui::StrokeKind::Inside,
        );
        let inner =
            egui::Rect::from_center_size(zone.center(), egui::vec2(zone.width().min(520.0), 300.0));
        ui.scope_builder(egui::UiBuilder::new().max_rect(inner), |ui| {
            ui.vertical_centered(|ui| {
                ui.heading(RichText::new("exrprobe").size(28.0).strong());
                ui.label("Inspect OpenEXR renders: RGB, depth, diagnostics, .npy export");
                ui.add_space(18.0);
                ui.label(RichText::new("Drop .exr files here").size(18.0));
                ui.label(RichText::new("several files form a frame sequence").weak());
                ui.add_space(12.0);
                if ui
                    .add(
                        egui::Button::new(RichText::new("Open…").size(16.0))
                            .min_size(egui::vec2(160.0, 32.0)),
                    )
                    .on_hover_text("Ctrl+O")
                    .clicked()
                {
                    commands.push(Command::OpenDialog);
                }
                ui.add_space(6.0);
                let examples = crate::examples::examples();
                if examples.is_empty() {
                    ui.add_enabled(false, egui::Button::new("Open example render"))
                        .on_disabled_hover_text("No examples are built into this binary");
                }
                for (i, example) in examples.iter().enumerate() {
                    let label = if i == 0 {
                        "Open example render".to_owned()
                    } else {
                        format!("Open example: {}", example.name)
                    };
                    if ui
                        .add(egui::Button::new(label).min_size(egui::vec2(160.0, 26.0)))
                        .on_hover_text(format!("{} — {}", example.name, example.description))
                        .clicked()
                    {
                        commands.push(Command::OpenExample(i));
                    }
                }
                if !self.recent.is_empty() {
                    ui.add_space(12.0);
                    ui.label(RichText::new("Recent").weak());
                    for path in self.recent.iter().take(5) {
                        let name = path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        if ui
                            .link(name)
                            .on_hover_text(path.display().to_string())
                            .clicked()
                        {
                            commands.push(Command::OpenRecent(path.clone()));
                        }
                    }
                }
            });
        });
        if let Some(load) = &self.worker.load {
            ui.painter().text(
                zone.center_bottom() - egui::vec2(0.0, 24.0),
                egui::Align2::CENTER_BOTTOM,
                format!(
                    "Loading {}… {:.0} %",
                    load.source.label(),
                    load.fraction * 100.0
                ),
                egui::FontId::proportional(15.0),
                Color32::from_gray(200),
            );
        }
    }

    fn windows(&mut self, ctx: &egui::Context) {
        if let Some(doc) = &self.doc {
            let mut open = self.show_info;
            egui::Window::new("File info")
                .open(&mut open)
                .pivot(egui::Align2::CENTER_CENTER)
                .default_pos(ctx.content_rect().center())
                .default_size([560.0, 480.0])
                .vscroll(true)
                .show(ctx, |ui| info_ui(ui, &doc.image));
            self.show_info = open;
        }
        let mut open = self.show_shortcuts;
        egui::Window::new("Keyboard shortcuts")
            .open(&mut open)
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .resizable(false)
            .show(ctx, shortcuts_ui);
        self.show_shortcuts = open;
        let mut open = self.show_about;
        egui::Window::new("About exrprobe")
            .open(&mut open)
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .resizable(false)
            .collapsible(false)
            .show(ctx, |ui| {
                ui.heading(format!("exrprobe {}", env!("CARGO_PKG_VERSION")));
                ui.label(env!("CARGO_PKG_DESCRIPTION"));
                ui.label("Licensed under MIT or Apache-2.0.");
            });
        self.show_about = open;
    }

    /// Paints the overlay while files are dragged over the window and turns dropped files into an
    /// `Open` command.
    fn drag_and_drop(&mut self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        let (hovered, dropped) = ctx.input(|i| {
            (
                i.raw.hovered_files.len(),
                i.raw
                    .dropped_files
                    .iter()
                    .map(|f| f.path().to_path_buf())
                    .collect::<Vec<_>>(),
            )
        });
        if hovered > 0 {
            let screen = ctx.content_rect();
            let painter = ctx.layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("exrprobe_drop_overlay"),
            ));
            painter.rect_filled(screen, 0.0, Color32::from_black_alpha(190));
            painter.rect_stroke(
                screen.shrink(24.0),
                16.0,
                egui::Stroke::new(3.0, Color32::from_rgb(90, 170, 255)),
                egui::StrokeKind::Inside,
            );
            painter.text(
                screen.center(),
                egui::Align2::CENTER_CENTER,
                if hovered == 1 {
                    "Drop to open this file".to_owned()
                } else {
                    format!("Drop to open these {hovered} files as a sequence")
                },
                egui::FontId::proportional(26.0),
                Color32::WHITE,
            );
        }
        if !dropped.is_empty() {
            commands.push(Command::Open(dropped));
        }
    }

    fn update_title(&mut self, ctx: &egui::Context) {
        let generation = self.doc.as_ref().map_or(0, |d| d.generation);
        if generation != self.title_generation {
            self.title_generation = generation;
            let title = match &self.doc {
                Some(doc) => format!("{} — exrprobe", doc.source.label()),
                None => "exrprobe".to_owned(),
            };
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));
        }
    }
}

pub(super) fn colormap_name(map: Colormap) -> &'static str {
    match map {
        Colormap::Gray => "Gray",
        Colormap::Turbo => "Turbo",
        Colormap::Viridis => "Viridis",
        Colormap::Inferno => "Inferno",
    }
}

// ----------------------------------------------------------------------------------------------
// The two views.

const HEADER_HEIGHT: f32 = 28.0;
const FOOTER_HEIGHT: f32 = 58.0;
const GAP: f32 = 6.0;

impl ExrProbeApp {
    /// Part, display window and data window the RGB view shows.
    /// The channels the probe panel highlights: the user's depth channel and the channels that
    /// feed the RGB view (the solo channel when one is viewed on its own, else the chosen layer).
    pub fn probe_highlight(&self, doc: &Document) -> ProbeHighlight {
        let rgb = if let Some(solo) = self.selection.solo {
            vec![solo]
        } else {
            self.selection
                .rgb_layer
                .and_then(|i| doc.analysis.rgb_layers.get(i))
                .map(|layer| {
                    let mut refs = vec![layer.r, layer.g, layer.b];
                    refs.extend(layer.a);
                    refs
                })
                .unwrap_or_default()
        };
        ProbeHighlight {
            depth: self.selection.depth,
            rgb,
        }
    }

    fn rgb_part(&self, doc: &Document) -> Option<usize> {
        if let Some(solo) = self.selection.solo {
            return Some(solo.part);
        }
        self.selection
            .rgb_layer
            .and_then(|i| doc.analysis.rgb_layers.get(i))
            .map(|l| l.part)
    }

    pub(super) fn depth_mapping(&self, doc: &Document) -> Option<ScalarMapping> {
        let channel = self.selection.depth?;
        let (lo, hi) = self
            .depth
            .range
            .unwrap_or_else(|| robust_range(doc, channel));
        Some(ScalarMapping {
            lo,
            hi,
            invert: self.depth.invert,
            log: self.depth.log,
            colormap: self.depth.colormap,
        })
    }

    fn wanted_rgb(&self, doc: &Document, max_side: usize) -> Option<RenderKey> {
        let what = if let Some(solo) = self.selection.solo {
            let (lo, hi) = self.solo_range.unwrap_or_else(|| robust_range(doc, solo));
            RenderWhat::Scalar {
                channel: solo,
                mapping: ScalarMapping {
                    lo,
                    hi,
                    invert: false,
                    log: false,
                    colormap: Colormap::Gray,
                },
            }
        } else {
            let layer = doc.analysis.rgb_layers.get(self.selection.rgb_layer?)?;
            RenderWhat::Rgb {
                r: layer.r,
                g: layer.g,
                b: layer.b,
                a: layer.a,
                exposure_stops: self.exposure,
            }
        };
        Some(RenderKey {
            generation: doc.generation,
            slot: Slot::Rgb,
            what,
            max_texture_side: max_side,
        })
    }

    fn wanted_depth(&self, doc: &Document, max_side: usize) -> Option<RenderKey> {
        Some(RenderKey {
            generation: doc.generation,
            slot: Slot::Depth,
            what: RenderWhat::Scalar {
                channel: self.selection.depth?,
                mapping: self.depth_mapping(doc)?,
            },
            max_texture_side: max_side,
        })
    }

    /// Starts renders for textures whose key changed (never per frame otherwise).
    fn request_textures(&mut self, ctx: &egui::Context) {
        let Some(doc) = self.doc.clone() else {
            self.textures.clear();
            return;
        };
        let max_side = ctx.input(|i| i.max_texture_side);
        for (slot, wanted) in [
            (Slot::Rgb, self.wanted_rgb(&doc, max_side)),
            (Slot::Depth, self.wanted_depth(&doc, max_side)),
        ] {
            let wanted = match wanted {
                Some(key) => Wanted::Key(key),
                None => Wanted::Nothing,
            };
            if let Some(key) = self.textures.needs_render(slot, wanted) {
                self.worker.start_render(
                    key,
                    RenderJob {
                        image: Arc::clone(&doc.image),
                    },
                );
            }
        }
    }

    fn checker_texture(&mut self, ctx: &egui::Context) -> egui::TextureId {
        self.checker_texture
            .get_or_insert_with(|| {
                let dark = Color32::from_gray(102);
                let light = Color32::from_gray(153);
                ctx.load_texture(
                    "exrprobe-checker",
                    egui::ColorImage::new([2, 2], vec![light, dark, dark, light]),
                    TextureOptions::NEAREST_REPEAT,
                )
            })
            .id()
    }

    fn views(&mut self, ui: &mut egui::Ui, doc: &Document, commands: &mut Vec<Command>) {
        let area = ui.available_rect_before_wrap();
        let bounds = bounds_of(&doc.image);
        let stacked = match self.layout {
            LayoutMode::SideBySide => false,
            LayoutMode::Stacked => true,
            LayoutMode::Auto => {
                // Whichever arrangement shows the image larger.
                let side = ((area.width() - GAP) / 2.0 / bounds.width())
                    .min((area.height() - HEADER_HEIGHT - FOOTER_HEIGHT) / bounds.height());
                let stack = (area.width() / bounds.width()).min(
                    (area.height() - 2.0 * (HEADER_HEIGHT + FOOTER_HEIGHT) - GAP)
                        / 2.0
                        / bounds.height(),
                );
                stack > side * 1.15
            }
        };
        if stacked != self.last_stacked {
            // The canvases changed shape: fit again.
            self.view.fit_pending = true;
        }
        self.last_stacked = stacked;
        let max_banner = (area.height() * 0.4).max(40.0);
        let banner = if doc.analysis.findings.is_empty() {
            0.0
        } else {
            self.banner_height.min(max_banner)
        };

        // Column rectangles: header, canvas, footer per view; the banner above the depth canvas.
        let (rgb_col, depth_col, canvas_size) = if stacked {
            let canvas_h = ((area.height() - 2.0 * (HEADER_HEIGHT + FOOTER_HEIGHT) - banner - GAP)
                / 2.0)
                .max(16.0);
            let rgb_h = HEADER_HEIGHT + canvas_h + FOOTER_HEIGHT;
            let rgb = egui::Rect::from_min_size(area.min, egui::vec2(area.width(), rgb_h));
            let depth =
                egui::Rect::from_min_max(egui::pos2(area.left(), rgb.bottom() + GAP), area.max);
            (rgb, depth, egui::vec2(area.width(), canvas_h))
        } else {
            let col_w = ((area.width() - GAP) / 2.0).max(16.0);
            let canvas_h = (area.height() - HEADER_HEIGHT - FOOTER_HEIGHT - banner).max(16.0);
            let rgb = egui::Rect::from_min_size(area.min, egui::vec2(col_w, area.height()));
            let depth = egui::Rect::from_min_size(
                egui::pos2(rgb.right() + GAP, area.top()),
                egui::vec2(col_w, area.height()),
            );
            (rgb, depth, egui::vec2(col_w, canvas_h))
        };
        let rgb_header =
            egui::Rect::from_min_size(rgb_col.min, egui::vec2(rgb_col.width(), HEADER_HEIGHT));
        let depth_header =
            egui::Rect::from_min_size(depth_col.min, egui::vec2(depth_col.width(), HEADER_HEIGHT));
        let banner_rect = egui::Rect::from_min_size(
            depth_header.left_bottom(),
            egui::vec2(depth_col.width(), max_banner),
        );
        let rgb_canvas_top = if stacked {
            rgb_header.bottom()
        } else {
            rgb_header.bottom() + banner
        };
        let rgb_canvas =
            egui::Rect::from_min_size(egui::pos2(rgb_col.left(), rgb_canvas_top), canvas_size);
        let depth_canvas = egui::Rect::from_min_size(
            egui::pos2(depth_col.left(), depth_header.bottom() + banner),
            canvas_size,
        );
        let rgb_footer = egui::Rect::from_min_size(
            rgb_canvas.left_bottom(),
            egui::vec2(rgb_col.width(), FOOTER_HEIGHT),
        );
        let depth_footer = egui::Rect::from_min_size(
            depth_canvas.left_bottom(),
            egui::vec2(depth_col.width(), FOOTER_HEIGHT),
        );

        self.view.canvas_size = canvas_size;
        self.canvas_rects = Some((rgb_canvas, depth_canvas));
        if self.view.fit_pending {
            self.view.fit(canvas_size, bounds);
        }

        // Headers, banner, footers.
        self.rgb_header(ui, rgb_header, doc, commands);
        self.depth_header(ui, depth_header, doc, commands);
        if !doc.analysis.findings.is_empty() {
            let used = ui
                .scope_builder(egui::UiBuilder::new().max_rect(banner_rect), |ui| {
                    egui::ScrollArea::vertical()
                        .id_salt("findings_banner")
                        .max_height(max_banner)
                        .show(ui, |ui| findings_ui(ui, &doc.analysis.findings));
                })
                .response
                .rect
                .height();
            let used = used + 4.0;
            if (used - self.banner_height).abs() > 0.5 {
                self.banner_height = used;
                ui.ctx().request_repaint();
            }
        }
        self.rgb_footer(ui, rgb_footer, commands);
        if !stacked && banner > 0.0 {
            // Beside the findings banner: why this colour layer was chosen.
            let note = egui::Rect::from_min_size(
                rgb_header.left_bottom(),
                egui::vec2(rgb_col.width(), banner.min(20.0)),
            );
            let text = match (self.selection.solo, self.selection.rgb_layer) {
                (Some(_), _) => None,
                (None, Some(i)) => doc.analysis.rgb_layers.get(i).map(|l| l.rule.clone()),
                (None, None) => None,
            };
            if let Some(text) = text {
                ui.scope_builder(egui::UiBuilder::new().max_rect(note), |ui| {
                    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
                    ui.label(RichText::new(text).weak().small());
                });
            }
        }
        self.depth_footer(ui, depth_footer, doc, commands);

        // Canvases: interact with both first, so the crosshair is known before painting.
        let rgb_response = view::canvas_interact(ui, rgb_canvas, "RGB view", &mut self.view);
        let depth_response = view::canvas_interact(ui, depth_canvas, "Depth view", &mut self.view);
        let rgb_part = self.rgb_part(doc);
        let depth_part = self.selection.depth.map(|d| d.part);
        let mut hovered = None;
        for (response, rect, part) in [
            (&rgb_response, rgb_canvas, rgb_part),
            (&depth_response, depth_canvas, depth_part),
        ] {
            if let Some(pos) = response.hover_pos() {
                let (x, y) = view::pixel_at(&self.view, rect, pos);
                hovered = Some(((x, y), part.unwrap_or(0)));
            }
            if response.clicked()
                && let Some(pos) = response.interact_pointer_pos()
            {
                let (x, y) = view::pixel_at(&self.view, rect, pos);
                match probe_pos(&doc.image, part.unwrap_or(0), x, y) {
                    Some(p) if self.pinned != Some(p) => {
                        self.pinned = Some(p);
                        self.pinned_pixel = Some((x, y));
                    }
                    _ => {
                        self.pinned = None;
                        self.pinned_pixel = None;
                    }
                }
            }
        }
        self.hover_pixel = hovered.map(|(p, _)| p);
        self.hover = hovered.and_then(|((x, y), part)| probe_pos(&doc.image, part, x, y));
        if rgb_response.hovered() || depth_response.hovered() {
            ui.ctx().set_cursor_icon(egui::CursorIcon::Crosshair);
        }

        let checker = if self.checkerboard
            && self.selection.solo.is_none()
            && self
                .selection
                .rgb_layer
                .and_then(|i| doc.analysis.rgb_layers.get(i))
                .is_some_and(|l| l.a.is_some())
        {
            Some(self.checker_texture(ui.ctx()))
        } else {
            None
        };
        let crosshair = self.hover_pixel;
        let pinned = self.pinned_pixel;

        let image = &doc.image;
        let analysis = &doc.analysis;
        let selection = self.selection;
        let rgb_text = |x: i64, y: i64| -> Option<String> {
            if let Some(solo) = selection.solo {
                let p = probe_pos(image, solo.part, x, y)?;
                return channel_value(image, solo, p).map(short_value);
            }
            let layer = analysis.rgb_layers.get(selection.rgb_layer?)?;
            let p = probe_pos(image, layer.part, x, y)?;
            let r = channel_value(image, layer.r, p)?;
            if layer.gray {
                return Some(short_value(r));
            }
            let g = channel_value(image, layer.g, p)?;
            let b = channel_value(image, layer.b, p)?;
            Some(format!(
                "{}\n{}\n{}",
                short_value(r),
                short_value(g),
                short_value(b)
            ))
        };
        let depth_text = |x: i64, y: i64| -> Option<String> {
            let depth = selection.depth?;
            let p = probe_pos(image, depth.part, x, y)?;
            channel_value(image, depth, p).map(short_value)
        };

        let windows = |part: Option<usize>| -> (Window, Window) {
            part.and_then(|p| image.part(p))
                .map(|p| (p.data_window, p.display_window))
                .unwrap_or((
                    Window {
                        x: 0,
                        y: 0,
                        width: 0,
                        height: 0,
                    },
                    Window {
                        x: 0,
                        y: 0,
                        width: 0,
                        height: 0,
                    },
                ))
        };
        let textures = &self.textures;
        let shown_color = |slot: Slot, col: usize, row: usize| {
            let shown = textures.shown(slot)?;
            textures::pixel_color(image, &shown.key.what, col, row)
        };
        let rgb_color = |col: usize, row: usize| shown_color(Slot::Rgb, col, row);
        let depth_color = |col: usize, row: usize| shown_color(Slot::Depth, col, row);

        let (rgb_dw, rgb_disp) = windows(rgb_part);
        let rgb_key = self.wanted_rgb(doc, 0);
        let rgb_placeholder = self.placeholder(Slot::Rgb, rgb_key.is_some(), doc);
        view::paint_canvas(
            ui,
            rgb_canvas,
            &self.view,
            &CanvasContent {
                shown: self.textures.shown(Slot::Rgb),
                data_window: rgb_dw,
                display_window: rgb_disp,
                checkerboard: checker,
                placeholder: rgb_placeholder,
                pixel_text: &rgb_text,
                sample_color: &rgb_color,
            },
            crosshair,
            pinned,
        );
        let (depth_dw, depth_disp) = windows(depth_part);
        let depth_placeholder = self.placeholder(Slot::Depth, self.selection.depth.is_some(), doc);
        view::paint_canvas(
            ui,
            depth_canvas,
            &self.view,
            &CanvasContent {
                shown: self.textures.shown(Slot::Depth),
                data_window: depth_dw,
                display_window: depth_disp,
                checkerboard: None,
                placeholder: depth_placeholder,
                pixel_text: &depth_text,
                sample_color: &depth_color,
            },
            crosshair,
            pinned,
        );

        if let Some(depth) = self.selection.depth
            && let Some(value) = doc.analysis.stats.get(&depth).and_then(|s| s.constant)
        {
            // On the image where it is in view, else at the top of the canvas.
            let image_in_image = egui::Rect::from_min_size(
                egui::pos2(depth_dw.x as f32, depth_dw.y as f32),
                egui::vec2(depth_dw.width as f32, depth_dw.height as f32),
            );
            let on_screen = self
                .view
                .screen_rect(depth_canvas, image_in_image)
                .intersect(depth_canvas);
            let area = if on_screen.height() >= 40.0 && on_screen.width() >= 40.0 {
                on_screen
            } else {
                depth_canvas
            };
            constant_depth_label(ui, depth_canvas, area.center_top(), value);
        }

        if self.first_image_secs.is_none()
            && (self.textures.shown(Slot::Rgb).is_some()
                || self.textures.shown(Slot::Depth).is_some())
        {
            let secs = self.started.elapsed().as_secs_f64();
            self.first_image_secs = Some(secs);
            log::info!("first image on screen {secs:.3} s after start");
        }
    }

    /// Text shown in a canvas without a texture.
    fn placeholder(&self, slot: Slot, has_content: bool, doc: &Document) -> Option<String> {
        if self.textures.shown(slot).is_some() {
            return None;
        }
        if !has_content {
            return Some(match slot {
                Slot::Rgb => "No colour layer in this file — choose a channel to view".to_owned(),
                Slot::Depth => "No depth channel found — choose one in the channel list".to_owned(),
            });
        }
        let key = match slot {
            Slot::Rgb => self.wanted_rgb(doc, self.textures_max_side()),
            Slot::Depth => self.wanted_depth(doc, self.textures_max_side()),
        };
        if let Some(error) = key.as_ref().and_then(|k| self.textures.error_for(k)) {
            return Some(error.to_owned());
        }
        Some("Rendering…".to_owned())
    }

    fn textures_max_side(&self) -> usize {
        self.ctx
            .as_ref()
            .map_or(2048, |ctx| ctx.input(|i| i.max_texture_side))
    }

    fn rgb_header(
        &mut self,
        ui: &mut egui::Ui,
        rect: egui::Rect,
        doc: &Document,
        commands: &mut Vec<Command>,
    ) {
        ui.scope_builder(
            egui::UiBuilder::new()
                .max_rect(rect)
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
            |ui| {
                let title = if let Some(solo) = self.selection.solo {
                    format!(
                        "Channel {}",
                        doc.image.qualified_name(solo).unwrap_or_default()
                    )
                } else if let Some(layer) = self
                    .selection
                    .rgb_layer
                    .and_then(|i| doc.analysis.rgb_layers.get(i))
                {
                    format!("RGB  {}", layer.label(&doc.image))
                } else {
                    "RGB".to_owned()
                };
                let rule = if self.selection.solo.is_some() {
                    "Shown on its own as grey over its robust range".to_owned()
                } else {
                    self.selection
                        .rgb_layer
                        .and_then(|i| doc.analysis.rgb_layers.get(i))
                        .map(|l| format!("Chosen because: {}", l.rule))
                        .unwrap_or_else(|| "No colour layer in this file".to_owned())
                };
                ui.label(RichText::new(title).strong()).on_hover_text(rule);
                if self.selection.solo.is_some()
                    && ui
                        .small_button("Back to RGB")
                        .on_hover_text("Show the colour layer again")
                        .clicked()
                {
                    commands.push(Command::Solo(None));
                }
            },
        );
    }

    fn rgb_footer(&mut self, ui: &mut egui::Ui, rect: egui::Rect, commands: &mut Vec<Command>) {
        ui.scope_builder(
            egui::UiBuilder::new()
                .max_rect(rect.shrink2(egui::vec2(0.0, 4.0)))
                .layout(egui::Layout::left_to_right(egui::Align::Min)),
            |ui| {
                let label = ui.label("Exposure");
                let mut exposure = self.exposure;
                let response = ui
                    .add(
                        egui::DragValue::new(&mut exposure)
                            .speed(0.05)
                            .range(-20.0..=20.0)
                            .suffix(" EV")
                            .fixed_decimals(1),
                    )
                    .labelled_by(label.id)
                    .on_hover_text("Exposure in stops (E / Shift+E)");
                if response.changed() {
                    commands.push(Command::SetExposure(exposure));
                }
                if self.exposure != 0.0
                    && ui
                        .small_button("0")
                        .on_hover_text("Reset exposure")
                        .clicked()
                {
                    commands.push(Command::SetExposure(0.0));
                }
                let mut checker = self.checkerboard;
                if ui
                    .checkbox(&mut checker, "Checkerboard")
                    .on_hover_text("Show alpha over a checkerboard")
                    .changed()
                {
                    commands.push(Command::ToggleCheckerboard);
                }
            },
        );
    }

    fn depth_header(
        &mut self,
        ui: &mut egui::Ui,
        rect: egui::Rect,
        doc: &Document,
        commands: &mut Vec<Command>,
    ) {
        ui.scope_builder(
            egui::UiBuilder::new()
                .max_rect(rect)
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
            |ui| {
                let title = match self.selection.depth {
                    Some(d) => {
                        format!("Depth  {}", doc.image.qualified_name(d).unwrap_or_default())
                    }
                    None => "Depth".to_owned(),
                };
                let response = ui.label(RichText::new(title).strong());
                if let Some(chosen) = &doc.analysis.depth.chosen
                    && Some(chosen.channel) == self.selection.depth
                {
                    response.on_hover_text(format!("Detected: {}", chosen.rule));
                }
                let mut colormap = self.depth.colormap;
                egui::ComboBox::from_id_salt("colormap")
                    .selected_text(colormap_name(colormap))
                    .width(80.0)
                    .show_ui(ui, |ui| {
                        for map in [
                            Colormap::Gray,
                            Colormap::Turbo,
                            Colormap::Viridis,
                            Colormap::Inferno,
                        ] {
                            ui.selectable_value(&mut colormap, map, colormap_name(map));
                        }
                    })
                    .response
                    .on_hover_text("Colormap");
                if colormap != self.depth.colormap {
                    commands.push(Command::SetColormap(colormap));
                }
                let mut invert = self.depth.invert;
                if ui
                    .checkbox(&mut invert, "Invert")
                    .on_hover_text("Near bright, far dark")
                    .changed()
                {
                    commands.push(Command::SetInvert(invert));
                }
                let mut log = self.depth.log;
                if ui
                    .checkbox(&mut log, "Log")
                    .on_hover_text("Map log(depth): more contrast near the camera")
                    .changed()
                {
                    commands.push(Command::SetLogScale(log));
                }
            },
        );
    }

    /// The colour bar legend with real depth values, editable min/max and the special colours.
    fn depth_footer(
        &mut self,
        ui: &mut egui::Ui,
        rect: egui::Rect,
        doc: &Document,
        commands: &mut Vec<Command>,
    ) {
        let Some(mapping) = self.depth_mapping(doc) else {
            return;
        };
        let ctx = ui.ctx().clone();
        if self.colorbar.as_ref().is_none_or(|(m, _)| *m != mapping) {
            let pixels = (0..256)
                .map(|i| {
                    let t = f64::from(i) / 255.0;
                    let [r, g, b, a] = scalar_color(value_at_fraction(&mapping, t), &mapping);
                    Color32::from_rgba_unmultiplied(r, g, b, a)
                })
                .collect();
            let image = egui::ColorImage::new([256, 1], pixels);
            match &mut self.colorbar {
                Some((m, texture)) => {
                    texture.set(image, TextureOptions::LINEAR);
                    *m = mapping;
                }
                None => {
                    let texture =
                        ctx.load_texture("exrprobe-colorbar", image, TextureOptions::LINEAR);
                    self.colorbar = Some((mapping, texture));
                }
            }
        }
        let Some((_, texture)) = &self.colorbar else {
            return;
        };
        let texture_id = texture.id();
        let rect = rect.shrink2(egui::vec2(0.0, 3.0));
        let (mut lo, mut hi) = (mapping.lo, mapping.hi);
        let speed = ((hi - lo).abs() / 300.0).max(1e-6);
        let mut range_changed = false;
        // Row 1: min [gradient] max. Row 2 (left): Auto + the special colours.
        let row1 = egui::Rect::from_min_size(rect.min, egui::vec2(rect.width(), 20.0));
        ui.scope_builder(
            egui::UiBuilder::new()
                .max_rect(row1)
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
            |ui| {
                let lo_label = ui.label("min");
                range_changed |= ui
                    .add(egui::DragValue::new(&mut lo).speed(speed).max_decimals(6))
                    .labelled_by(lo_label.id)
                    .on_hover_text("Depth mapped to the low end of the colormap")
                    .changed();
            },
        );
        ui.scope_builder(
            egui::UiBuilder::new()
                .max_rect(row1)
                .layout(egui::Layout::right_to_left(egui::Align::Center)),
            |ui| {
                let hi_label = ui.label("max");
                range_changed |= ui
                    .add(egui::DragValue::new(&mut hi).speed(speed).max_decimals(6))
                    .labelled_by(hi_label.id)
                    .on_hover_text("Depth mapped to the high end of the colormap")
                    .changed();
            },
        );
        if range_changed {
            commands.push(Command::SetDepthRange(lo, hi));
        }
        let side = 110.0_f32.min(rect.width() * 0.3);
        let gradient = egui::Rect::from_min_max(
            egui::pos2(rect.left() + side, rect.top() + 3.0),
            egui::pos2(rect.right() - side, rect.top() + 17.0),
        );
        let bar_response = ui.interact(
            gradient,
            ui.scope_id().with("colorbar"),
            egui::Sense::hover(),
        );
        let painter = ui.painter();
        painter.image(
            texture_id,
            gradient,
            egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
            Color32::WHITE,
        );
        painter.rect_stroke(
            gradient,
            0.0,
            egui::Stroke::new(1.0, Color32::from_gray(90)),
            egui::StrokeKind::Outside,
        );
        let ticks = if mapping.hi == mapping.lo {
            0 // constant: one label
        } else if gradient.width() > 320.0 {
            4
        } else {
            2
        };
        if ticks == 0 {
            painter.text(
                egui::pos2(gradient.center().x, gradient.bottom() + 4.0),
                egui::Align2::CENTER_TOP,
                format!("every value = {}", mapping.lo),
                egui::FontId::proportional(11.0),
                Color32::from_gray(210),
            );
        }
        for k in (0..=ticks).filter(|_| ticks > 0) {
            let t = f64::from(k) / f64::from(ticks);
            let x = gradient.left() + gradient.width() * t as f32;
            painter.line_segment(
                [
                    egui::pos2(x, gradient.bottom()),
                    egui::pos2(x, gradient.bottom() + 4.0),
                ],
                egui::Stroke::new(1.0, Color32::from_gray(160)),
            );
            let anchor = if k == 0 {
                egui::Align2::LEFT_TOP
            } else if k == ticks {
                egui::Align2::RIGHT_TOP
            } else {
                egui::Align2::CENTER_TOP
            };
            painter.text(
                egui::pos2(x, gradient.bottom() + 4.0),
                anchor,
                short_value(value_at_fraction(&mapping, t)),
                egui::FontId::proportional(11.0),
                Color32::from_gray(210),
            );
        }
        bar_response.on_hover_text(format!(
            "{} from {} to {}{}{}",
            colormap_name(mapping.colormap),
            mapping.lo,
            mapping.hi,
            if mapping.log { ", logarithmic" } else { "" },
            if mapping.invert {
                ", inverted (near bright)"
            } else {
                ""
            }
        ));
        let row2 = egui::Rect::from_min_max(egui::pos2(rect.left(), rect.top() + 34.0), rect.max);
        ui.scope_builder(
            egui::UiBuilder::new()
                .max_rect(row2)
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
            |ui| {
                if ui
                    .add_enabled(
                        self.depth.range.is_some(),
                        egui::Button::new("Auto range").small(),
                    )
                    .on_hover_text("Back to the robust range (percentiles, background excluded)")
                    .clicked()
                {
                    commands.push(Command::ResetDepthRange);
                }
                ui.add_space(8.0);
                for (color, label, tip) in [
                    (NAN_COLOR, "NaN", "NaN samples are drawn in this colour"),
                    (
                        POS_INF_COLOR,
                        "+Inf",
                        "+Inf samples are drawn in this colour",
                    ),
                    (
                        NEG_INF_COLOR,
                        "-Inf",
                        "-Inf samples are drawn in this colour",
                    ),
                    (
                        SENTINEL_COLOR,
                        "background",
                        "Background: values of 1e9 and above (Cycles writes 1e10 where no object was hit)",
                    ),
                ] {
                    let (r, resp) =
                        ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
                    ui.painter().rect_filled(
                        r,
                        2.0,
                        Color32::from_rgba_unmultiplied(color[0], color[1], color[2], color[3]),
                    );
                    ui.painter().rect_stroke(
                        r,
                        2.0,
                        egui::Stroke::new(1.0, Color32::from_gray(120)),
                        egui::StrokeKind::Outside,
                    );
                    resp.on_hover_text(tip);
                    ui.label(RichText::new(label).small());
                    ui.add_space(4.0);
                }
            },
        );
    }
}

/// The value at fraction `t` (0..=1) of the colour bar under `mapping` (log-spaced for log maps).
/// Says on the depth view that the depth channel holds one value everywhere, so its flat colour
/// cannot be mistaken for a depth map.
/// `top_center` is where its top edge is centred (screen points).
fn constant_depth_label(ui: &egui::Ui, canvas: egui::Rect, top_center: egui::Pos2, value: f64) {
    let painter = ui.painter_at(canvas);
    let text = format!("constant {} — no depth", short_value(value));
    let galley = painter.layout_no_wrap(text, egui::FontId::proportional(18.0), Color32::WHITE);
    let pos = egui::pos2(top_center.x - galley.size().x / 2.0, top_center.y + 10.0);
    let rect = egui::Rect::from_min_size(pos, galley.size()).expand2(egui::vec2(8.0, 4.0));
    painter.rect_filled(rect, 4.0, Color32::from_black_alpha(200));
    painter.galley(pos, galley, Color32::WHITE);
}

fn value_at_fraction(mapping: &ScalarMapping, t: f64) -> f64 {
    if mapping.log && mapping.lo > 0.0 && mapping.hi > 0.0 {
        (mapping.lo.ln() + t * (mapping.hi.ln() - mapping.lo.ln())).exp()
    } else {
        mapping.lo + t * (mapping.hi - mapping.lo)
    }
}

/// The probe position of absolute pixel (x, y) in `part`, if inside its data window.
pub fn probe_pos(image: &Image, part: usize, x: i64, y: i64) -> Option<ProbePos> {
    let dw = image.part(part)?.data_window;
    if !dw.contains(x, y) {
        return None;
    }
    Some(ProbePos {
        part,
        col: usize::try_from(x - i64::from(dw.x)).ok()?,
        row: usize::try_from(y - i64::from(dw.y)).ok()?,
    })
}

/// A channel's value at a probe position (subsampled channels are looked up at their sample).
fn channel_value(image: &Image, channel: ChannelRef, pos: ProbePos) -> Option<f64> {
    let ch = image.channel(channel)?;
    let (sx, sy) = ch.sampling;
    ch.value_at(pos.col / sx.max(1), pos.row / sy.max(1))
        .map(|v| v.to_f64())
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
