//! The viewer application: the [`ViewerState`] plus what lives outside it — the worker threads,
//! the GPU textures, the file dialogs and the egui context — and the code that runs the
//! [`Effect`]s the state asks for.
//!
//! One frame ([`ExrProbeApp::show`]): drain worker results into the state → draw panels
//! (`frame.rs`) and views (`views/`), which read the state and emit commands → apply the
//! commands → run their effects → request the textures the state now wants.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::actions;
use super::backdrop;
use super::command::{Command, Effect, SaveOffer};
use super::dialogs::{DialogOutcome, Dialogs, NO_DIALOG_MESSAGE};
use super::frame;
use super::glyphs::{self, GlyphWarmup};
use super::loader::{Source, Worker, WorkerMsg};
use super::panels::channels::ChannelSelection;
use super::panels::compare::{CompareBar, MetricsShown, compare_bar_ui, metrics_ui};
use super::panels::probe::ProbePos;
use super::panels::probe::probe_ui_highlighted;
use super::panels::region::{RegionPanel, pins_ui, region_ui};
use super::state::{CompareView, DepthSettings, Document, Message, Persisted, ViewerState};
use super::textures::{
    RenderJob, RenderKey, RenderWhat, Slot, TextureCache, Wanted, compose_side_by_side,
    display_texture_side, encode_png,
};
use super::view::ViewState;
use super::views;
use super::views::ViewsCache;

/// Default height of the histogram panel: its whole content at the default text size (the
/// placeholder shown while the channel is analysed takes the same height, so that the views
/// keep their size when the histogram arrives).
const HISTOGRAM_PANEL_HEIGHT: f32 = 215.0;

const PERSIST_KEY: &str = "exrprobe";

/// The viewer.
pub struct ExrProbeApp {
    state: ViewerState,
    ctx: Option<egui::Context>,
    worker: Worker,
    textures: TextureCache,
    views: ViewsCache,
    /// Screen rectangles of the RGB and depth canvases in the last frame.
    canvas_rects: Option<(egui::Rect, egui::Rect)>,
    /// The document generation the window title names.
    title_generation: u64,
    /// Native dialogs, or none (tests).
    dialogs: Dialogs,
    /// Commands queued from outside the frame (tests, the benchmark).
    pending: Vec<Command>,
    /// When the process started, for the start-to-image measurement.
    started: Instant,
    /// Seconds from start until the first document's image was on screen.
    pub first_image_secs: Option<f64>,
    /// Recognises a held key's repeats.
    key_repeats: actions::KeyRepeats,
    /// Lays the glyphs of our texts out ahead of time, in the first frames.
    glyphs: GlyphWarmup,
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
        let mut worker = Worker::default();
        if let Some(cc) = cc {
            worker.set_context(&cc.egui_ctx);
        }
        worker.set_frame_cache_budget(persisted.frame_cache_bytes);
        Self {
            state: ViewerState::new(persisted),
            ctx: cc.map(|cc| cc.egui_ctx.clone()),
            worker,
            textures: TextureCache::default(),
            views: ViewsCache::default(),
            canvas_rects: None,
            title_generation: 0,
            dialogs: Dialogs::Native,
            pending: Vec::new(),
            started: Instant::now(),
            first_image_secs: None,
            key_repeats: actions::KeyRepeats::default(),
            glyphs: GlyphWarmup::default(),
        }
    }

    /// Creates the app and opens `files` (the command line), taking over `worker`, which may
    /// already be loading the first file (started with the process, before the window
    /// existed); `started` is when the process started, for the start-to-image measurement.
    pub fn starting(
        cc: Option<&eframe::CreationContext<'_>>,
        files: Vec<PathBuf>,
        worker: Worker,
        started: Instant,
    ) -> Self {
        let mut app = Self::new(cc);
        app.started = started;
        app.worker = worker;
        app.worker
            .set_frame_cache_budget(app.state.frame_cache_setting());
        if let Some(cc) = cc {
            app.worker.set_context(&cc.egui_ctx);
        }
        if !files.is_empty() {
            let preloading = app.worker.load.as_ref().map(|load| load.source.clone());
            for effect in app.state.open_adopting(&files, preloading.as_ref()) {
                app.run(effect);
            }
        }
        app
    }

    // ------------------------------------------------------------------------------------------
    // Reading, for tests and the benchmark.

    pub fn state(&self) -> &ViewerState {
        &self.state
    }

    /// Hands the viewer a decoded image as the loader does, without a worker: with the
    /// name-based detection only, the statistics still to come ([`Self::deliver_analysis`]).
    /// For tests of what the first second shows.
    pub fn deliver_decoded(&mut self, source: Source, image: Arc<exrprobe_core::model::Image>) {
        const GENERATION: u64 = u64::MAX / 2;
        let analysis = Arc::new(exrprobe_core::Analysis::detection_only(&image));
        self.state.document_loaded(super::loader::Loaded {
            generation: GENERATION,
            source,
            image,
            analysis,
            load_duration: Duration::ZERO,
        });
    }

    /// The statistics of the image [`Self::deliver_decoded`] handed over, as the analysis
    /// worker delivers them; with `whole`, the whole file when that image held only the shown
    /// channels.
    pub fn deliver_analysis(&mut self, whole: Option<Arc<exrprobe_core::model::Image>>) {
        let Some(doc) = self.state.document() else {
            return;
        };
        let generation = doc.generation;
        let image = whole.unwrap_or_else(|| Arc::clone(&doc.image));
        let full = exrprobe_core::complete(&image, exrprobe_core::Analysis::detection_only(&image));
        self.state
            .analysis_ready(generation, image, Arc::new(full), None);
    }

    pub fn document(&self) -> Option<&Document> {
        self.state.document()
    }

    pub fn messages(&self) -> &[Message] {
        self.state.messages()
    }

    pub fn selection(&self) -> ChannelSelection {
        self.state.selection()
    }

    pub fn files(&self) -> &[Source] {
        self.state.files()
    }

    pub fn current_file(&self) -> Option<usize> {
        self.state.current_file()
    }

    pub fn view_state(&self) -> &ViewState {
        self.state.view()
    }

    pub fn depth_settings(&self) -> DepthSettings {
        self.state.depth_settings()
    }

    pub fn exposure(&self) -> f32 {
        self.state.exposure()
    }

    pub fn recent(&self) -> &[PathBuf] {
        self.state.recent()
    }

    pub fn probe(&self) -> Option<ProbePos> {
        self.state.probe()
    }

    pub fn is_pinned(&self) -> bool {
        self.state.is_pinned()
    }

    pub fn depth_range(&self) -> Option<(f64, f64)> {
        self.state.depth_range()
    }

    pub fn save_offer(&self) -> Option<&SaveOffer> {
        self.state.save_offer()
    }

    /// Screen rectangles of the RGB and depth canvases in the last frame (`None` before a
    /// document was shown).
    pub fn canvas_rects(&self) -> Option<(egui::Rect, egui::Rect)> {
        self.state.document().and(self.canvas_rects)
    }

    /// Size in texels of the texture shown in a view (smaller than the image when it had to be
    /// downsampled to fit the GPU's `max_texture_side`).
    pub fn shown_texture_size(&self, slot: Slot) -> Option<[usize; 2]> {
        self.textures.shown(slot).map(|s| s.size)
    }

    /// How the frame cache served the loads, and what it holds (now, not as last reported).
    pub fn frame_cache_use(&self) -> super::loader::FrameCacheUse {
        self.worker.frame_cache_use()
    }

    /// The scan of the file list: files checked so far, and where (see
    /// [`super::ScanPool`]); `None` before any scan. For tests and the benchmark.
    pub fn scan_counts(&self) -> Option<(usize, super::ScanCounts)> {
        self.worker
            .scan
            .as_ref()
            .map(|scan| (scan.done, scan.counts))
    }

    /// Number of texture uploads so far.
    pub fn texture_uploads(&self) -> u64 {
        self.textures.uploads
    }

    /// True while a load, export, save or render runs in the background.
    pub fn is_busy(&self) -> bool {
        !self.worker.is_idle()
    }

    /// Chooses native file dialogs or none (tests simulate a system without a dialog backend).
    pub fn set_dialogs(&mut self, dialogs: Dialogs) {
        self.dialogs = dialogs;
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
            // In slices: the prefetch thread ends without a message.
            let slice = (deadline - now).min(Duration::from_millis(10));
            if let Some(msg) = self.worker.recv_timeout(slice) {
                self.handle_msg(msg);
            }
        }
        true
    }

    // ------------------------------------------------------------------------------------------
    // Commands and effects.

    /// Applies one command now and runs its effects. The frame applies the commands it produced
    /// through here; tests call it directly (dialogs are bypassed by passing paths).
    pub fn execute(&mut self, command: Command) {
        for effect in self.state.apply(command) {
            self.run(effect);
        }
    }

    fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Load(source) => {
                self.worker.start_load(source, self.state.channel_choice());
            }
            Effect::ForgetCached(path) => self.worker.forget_cached(&path),
            Effect::Prefetch(paths) => self.worker.prefetch(paths, self.state.channel_choice()),
            Effect::SetFrameCacheBudget(bytes) => self.worker.set_frame_cache_budget(bytes),
            Effect::LoadReference(source) => self.worker.start_reference_load(source),
            Effect::PickReference { directory } => {
                match self.dialogs.pick_reference(directory.as_deref()) {
                    DialogOutcome::Chosen(path) => {
                        self.execute(Command::SetReference(Source::File(path)));
                    }
                    DialogOutcome::Cancelled => {}
                    DialogOutcome::Unavailable => self.state.error(NO_DIALOG_MESSAGE.to_owned()),
                }
            }
            Effect::Scan { generation, paths } => self.worker.scan(generation, paths),
            Effect::Watch { generation, roots } => self.worker.watch(generation, roots),
            Effect::PickFolderToOpen { directory } => {
                match self.dialogs.pick_folder(directory.as_deref()) {
                    DialogOutcome::Chosen(folder) => self.execute(Command::Open(vec![folder])),
                    DialogOutcome::Cancelled => {}
                    DialogOutcome::Unavailable => self.state.error(NO_DIALOG_MESSAGE.to_owned()),
                }
            }
            Effect::PickFilesToOpen { directory } => {
                match self.dialogs.pick_exr_files(directory.as_deref()) {
                    DialogOutcome::Chosen(paths) => self.execute(Command::Open(paths)),
                    DialogOutcome::Cancelled => {}
                    DialogOutcome::Unavailable => self.state.error(NO_DIALOG_MESSAGE.to_owned()),
                }
            }
            Effect::PickSavePath {
                default_path,
                extension,
                command,
            } => match self.dialogs.pick_save_path(&default_path, extension) {
                DialogOutcome::Chosen(path) => self.execute(command.with_path(path)),
                DialogOutcome::Cancelled => {}
                DialogOutcome::Unavailable => {
                    let offer = SaveOffer {
                        command: Box::new(command.with_path(default_path.clone())),
                        replaces_existing: default_path.exists(),
                        path: default_path,
                    };
                    self.execute(Command::OfferSave(offer));
                }
            },
            Effect::WriteExport {
                image,
                channel,
                what,
                path,
            } => {
                self.worker
                    .start_task(format!("Exporting {what}…"), move || {
                        let dtype = exrprobe_core::export::NpyDtype::F32;
                        let result = match channel {
                            Some(c) => match image.channel(c) {
                                Some(ch) => {
                                    exrprobe_core::export::write_npy(ch, dtype, &path, true)
                                }
                                None => {
                                    return Err(format!("Cannot export {what}: no such channel"));
                                }
                            },
                            None => exrprobe_core::export::write_npz(&image, dtype, &path, true),
                        };
                        result
                            .map(|()| format!("Exported {what} to {}", path.display()))
                            .map_err(|e| format!("Export failed: {e}"))
                    });
            }
            Effect::WriteRegionExport {
                image,
                channel,
                region,
                what,
                path,
            } => {
                self.worker
                    .start_task(format!("Exporting {what}…"), move || {
                        let part = image
                            .part(channel.part)
                            .ok_or_else(|| format!("Cannot export {what}: no such part"))?;
                        let cropped = image
                            .channel(channel)
                            .and_then(|ch| {
                                exrprobe_core::region::crop_channel(ch, &part.data_window, &region)
                            })
                            .ok_or_else(|| {
                                format!(
                                    "Cannot export {what}: the region misses the channel, or the \
                                     channel is subsampled or not decoded"
                                )
                            })?;
                        let dtype = exrprobe_core::export::NpyDtype::F32;
                        exrprobe_core::export::write_npy(&cropped, dtype, &path, true)
                            .map(|()| format!("Exported {what} to {}", path.display()))
                            .map_err(|e| format!("Export failed: {e}"))
                    });
            }
            Effect::WriteViewPng { image, path } => self.write_view_png(image, path),
            Effect::CopyText(text) => {
                if let Some(ctx) = &self.ctx {
                    ctx.copy_text(text);
                }
            }
            Effect::CloseWindow => {
                if let Some(ctx) = &self.ctx {
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            }
        }
    }

    /// Saves what the views show: the worker renders the shown keys again from the model.
    fn write_view_png(&mut self, image: Arc<exrprobe_core::model::Image>, path: PathBuf) {
        // What the views show, at the resolution of the file (the textures are only as sharp as
        // the screen needs), within the GPU's limit as before.
        let limit = self.max_texture_side();
        let full = |key: &RenderKey| RenderKey {
            max_texture_side: limit,
            ..key.clone()
        };
        let rgb = self.textures.shown(Slot::Rgb).map(|s| full(&s.key));
        let depth = self.textures.shown(Slot::Depth).map(|s| full(&s.key));
        let reference = self.state.reference_image().cloned();
        let generation_b = self.state.reference().and_then(|r| r.generation());
        if rgb.is_none() && depth.is_none() {
            self.state
                .error("Nothing to save yet: the views are still rendering".to_owned());
            return;
        }
        self.worker.start_task("Saving PNG…".to_owned(), move || {
            let render = |key: Option<RenderKey>| -> Result<Option<Arc<egui::ColorImage>>, String> {
                let Some(key) = key else { return Ok(None) };
                // B shown on its own is rendered from the reference.
                let image = match &reference {
                    Some(b) if Some(key.generation) == generation_b => Arc::clone(b),
                    _ => Arc::clone(&image),
                };
                let job = RenderJob {
                    image,
                    reference: reference.clone(),
                };
                job.run(key)
                    .result
                    .map(|rendered| Some(rendered.image))
                    .map_err(|e| format!("Cannot save the view: {e}"))
            };
            let (rgb, depth) = (render(rgb)?, render(depth)?);
            let (width, height, rgba) = compose_side_by_side(rgb.as_deref(), depth.as_deref());
            let png = encode_png(width, height, &rgba)
                .map_err(|e| format!("Cannot save the view: {e}: {}", path.display()))?;
            exrprobe_core::export::write_bytes(&png, &path, true)
                .map(|()| format!("Saved the view to {}", path.display()))
                .map_err(|e| format!("Cannot save the view: {e}"))
        });
    }

    // ------------------------------------------------------------------------------------------
    // Worker results.

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
            WorkerMsg::Loaded(loaded) => {
                log::info!(
                    "decoded {} in {:.3} s, showing it",
                    loaded.source.label(),
                    loaded.load_duration.as_secs_f64()
                );
                self.state.document_loaded(*loaded);
            }
            WorkerMsg::Analysed {
                generation,
                image,
                analysis,
                rest_error,
            } => self
                .state
                .analysis_ready(generation, image, analysis, rest_error),
            WorkerMsg::LoadFailed {
                source, message, ..
            } => self.state.load_failed(&source, &message),
            WorkerMsg::TaskDone { result, .. } => self.state.task_done(result),
            WorkerMsg::ReferenceLoaded {
                generation,
                source,
                result,
            } => match result {
                Ok(image) => self.state.reference_loaded(generation, &source, image),
                Err(message) => self.state.reference_failed(&source, &message),
            },
            WorkerMsg::Compared { key, result } => self.state.metrics_ready(key, result),
            WorkerMsg::RegionStats { key, result } => self.state.region_stats_ready(key, result),
            WorkerMsg::Scanned {
                generation,
                path,
                summary,
                ..
            } => self.state.file_scanned(generation, &path, *summary),
            WorkerMsg::FolderChanged {
                generation,
                appeared,
                settled,
                removed,
            } => {
                for effect in self
                    .state
                    .folder_changed(generation, &appeared, &settled, &removed)
                {
                    self.run(effect);
                }
            }
            WorkerMsg::Rendered(rendered) => {
                let generation = rendered.key.generation;
                let current = self
                    .state
                    .document()
                    .is_some_and(|d| d.generation == generation)
                    || self
                        .state
                        .reference()
                        .is_some_and(|r| r.generation() == Some(generation));
                match (&self.ctx, current) {
                    (Some(ctx), true) => self.textures.receive(ctx, *rendered),
                    // From an older document (or no window): only the render is over.
                    _ => self.textures.forget_pending(&rendered.key),
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Textures.

    /// What a view shows of A: the colour layer (or the solo channel) or the depth channel.
    fn what_of_a(&self, slot: Slot) -> Option<RenderWhat> {
        Some(match slot {
            Slot::Rgb | Slot::RgbReference => {
                match (self.state.solo_mapping(), self.state.rgb_layer()) {
                    (Some((channel, mapping)), _) => RenderWhat::Scalar { channel, mapping },
                    (None, Some(layer)) => RenderWhat::Rgb {
                        r: layer.r,
                        g: layer.g,
                        b: layer.b,
                        a: layer.a,
                        exposure_stops: self.state.exposure(),
                    },
                    (None, None) => return None,
                }
            }
            Slot::Depth | Slot::DepthReference => RenderWhat::Scalar {
                channel: self.state.selection().depth?,
                mapping: self.state.depth_mapping()?,
            },
        })
    }

    /// The same as `what` (of A), from the reference's channels of the same names, with A's
    /// display settings (`None` when the reference lacks one of them).
    fn what_of_b(&self, what: RenderWhat) -> Option<RenderWhat> {
        let b = |c| self.state.reference_channel(c);
        Some(match what {
            RenderWhat::Rgb {
                r,
                g,
                b: blue,
                a,
                exposure_stops,
            } => RenderWhat::Rgb {
                r: b(r)?,
                g: b(g)?,
                b: b(blue)?,
                a: a.and_then(b),
                exposure_stops,
            },
            RenderWhat::Scalar { channel, mapping } => RenderWhat::Scalar {
                channel: b(channel)?,
                mapping,
            },
            RenderWhat::Difference { .. } => return None,
        })
    }

    /// The texture a slot wants: A, B, a difference picture, or (wipe) A and B side by side.
    fn wanted(&self, slot: Slot, max_texture_side: usize) -> Option<RenderKey> {
        let doc = self.state.document()?;
        let generation_b = self.state.reference().and_then(|r| r.generation());
        let main = matches!(slot, Slot::Rgb | Slot::Depth);
        let (generation, what) = match (self.state.compare_view(), main) {
            (CompareView::A | CompareView::Wipe, true) => (doc.generation, self.what_of_a(slot)?),
            (CompareView::B, true) | (CompareView::Wipe, false) => {
                (generation_b?, self.what_of_b(self.what_of_a(slot)?)?)
            }
            (CompareView::Difference(kind), true) => {
                let a = match self.what_of_a(slot)? {
                    RenderWhat::Rgb { r, g, b, .. } => vec![r, g, b],
                    RenderWhat::Scalar { channel, .. } => vec![channel],
                    RenderWhat::Difference { .. } => return None,
                };
                let b = a
                    .iter()
                    .map(|&c| self.state.reference_channel(c))
                    .collect::<Option<Vec<_>>>()?;
                let what = RenderWhat::Difference {
                    reference_generation: generation_b?,
                    a,
                    b,
                    kind,
                };
                (doc.generation, what)
            }
            (_, false) => return None,
        };
        Some(RenderKey {
            generation,
            slot,
            what,
            max_texture_side,
        })
    }

    /// The texture key a view wants at the current zoom: as many texels as the view shows
    /// screen pixels, rounded up to a power-of-two decimation ([`display_texture_side`]), within
    /// the GPU's limit.
    fn wanted_now(&self, slot: Slot) -> Option<RenderKey> {
        let doc = self.state.document()?;
        let bounds = doc.bounds_in_image();
        let image_side = bounds.width().max(bounds.height()).max(1.0) as usize;
        let pixels_per_point = self.ctx.as_ref().map_or(1.0, |ctx| ctx.pixels_per_point());
        let scale = self.state.view().zoom * pixels_per_point;
        let side = display_texture_side(image_side, scale, self.max_texture_side());
        self.wanted(slot, side)
    }

    fn max_texture_side(&self) -> usize {
        self.ctx
            .as_ref()
            .map_or(2048, |ctx| ctx.input(|i| i.max_texture_side))
    }

    /// The first channel of A that `key` draws and that is still being decoded (the channels
    /// shown when the file was opened come first, the others follow).
    fn loading_in(&self, key: &RenderKey) -> Option<exrprobe_core::model::ChannelRef> {
        let doc = self.state.document()?;
        if key.generation != doc.generation {
            return None; // the reference: loaded whole
        }
        let channels = match &key.what {
            RenderWhat::Rgb { r, g, b, a, .. } => {
                let mut channels = vec![*r, *g, *b];
                channels.extend(*a);
                channels
            }
            RenderWhat::Scalar { channel, .. } => vec![*channel],
            RenderWhat::Difference { a, .. } => a.clone(),
        };
        channels.into_iter().find(|&c| doc.is_loading(c))
    }

    /// Starts renders for textures whose key changed (never per frame otherwise).
    fn request_textures(&mut self) {
        let Some(doc) = self.state.document() else {
            self.textures.clear();
            return;
        };
        let image = Arc::clone(&doc.image);
        let reference = self.state.reference_image().cloned();
        let generation_b = self.state.reference().and_then(|r| r.generation());
        for slot in Slot::ALL {
            let wanted = match self.wanted_now(slot) {
                // Nothing to show until the channel is decoded (not the previous picture).
                Some(key) if self.loading_in(&key).is_some() => Wanted::Nothing,
                Some(key) => Wanted::Key(key),
                None => Wanted::Nothing,
            };
            if let Some(key) = self.textures.needs_render(slot, wanted) {
                let image = match &reference {
                    Some(b) if Some(key.generation) == generation_b => Arc::clone(b),
                    _ => Arc::clone(&image),
                };
                self.worker.start_render(
                    key,
                    RenderJob {
                        image,
                        reference: reference.clone(),
                    },
                );
            }
        }
    }

    /// Starts the metrics of the compared pair and the statistics of the region when they are
    /// wanted and not on their way.
    fn request_measurements(&mut self) {
        if let Some(request) = self.state.metrics_wanted()
            && self.worker.metrics.as_ref() != Some(&request.key)
        {
            self.worker.start_metrics(request);
        }
        if let Some(request) = self.state.region_stats_wanted()
            && self.worker.region_stats.as_ref() != Some(&request.key)
        {
            self.worker.start_region_stats(request);
        }
    }
}

impl ExrProbeApp {
    /// Draws the whole window and applies the commands it produced. `eframe::App::ui` calls
    /// this; tests drive it directly with `egui_kittest::Harness::new_ui_state`.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        // Background scan threads wait while the frame is drawn (see `pacing`).
        let _drawing = super::pacing::Drawing::start();
        let ctx = ui.ctx().clone();
        if self.ctx.is_none() {
            self.ctx = Some(ctx.clone());
        }
        self.worker.set_context(&ctx);
        // Before anything is drawn: the glyphs of the first hover's texts (see `glyphs`), in
        // extra frames only while nothing runs in the background.
        let pieces = if self.canvas_rects.is_none() {
            glyphs::PIECES_PER_STYLE
        } else {
            1
        };
        if self.glyphs.step(ui, pieces) && self.worker.is_idle() {
            ctx.request_repaint();
        }
        if ctx.input(|i| !i.events.is_empty() || i.pointer.is_moving() || i.pointer.any_down()) {
            self.worker.note_input();
        }
        self.drain_worker();
        self.state
            .set_frame_cache_use(self.worker.frame_cache_use());
        if let Some(next) = self.state.expire_messages(std::time::Instant::now()) {
            ctx.request_repaint_after(next);
        }

        let mut commands: Vec<Command> = std::mem::take(&mut self.pending);
        // (Before the shortcuts are consumed: that removes their key events.)
        let repeating = ctx.input(|i| self.key_repeats.any_repeat(&i.events, i.time));
        let mut key_commands = actions::commands_from_keys(&ctx, ctx.egui_wants_keyboard_input());
        actions::hold_steps_until_shown(
            &mut key_commands,
            repeating,
            self.worker.first_image_pending(),
        );
        commands.extend(key_commands);
        let state = &self.state;
        egui::Panel::top("menu_bar")
            .frame(backdrop::side_frame(ui.style()))
            .show(ui, |ui| {
                egui::MenuBar::new().ui(ui, |ui| frame::menu_bar(ui, state, &mut commands));
            });
        egui::Panel::bottom("status_bar")
            .frame(backdrop::side_frame(ui.style()))
            .show(ui, |ui| frame::status_bar(ui, state, &self.worker));
        if !state.messages().is_empty() || state.save_offer().is_some() {
            egui::Panel::top("messages")
                .frame(backdrop::side_frame(ui.style()))
                .show(ui, |ui| frame::messages_ui(ui, state, &mut commands));
        }
        if let Some(reference) = state.reference() {
            let bar = CompareBar {
                reference: reference.source.label(),
                loaded: reference.image().is_some(),
                error: reference.error.as_deref(),
                view: state.compare_view(),
                follow: state.reference_follow(),
            };
            egui::Panel::top("compare_bar")
                .frame(backdrop::side_frame(ui.style()))
                .show(ui, |ui| {
                    commands.extend(compare_bar_ui(ui, &bar));
                });
        }
        if state.panels().timeline && frame::has_timeline(state) {
            egui::Panel::bottom("timeline")
                .frame(backdrop::side_frame(ui.style()))
                .resizable(true)
                .default_size(110.0)
                .show(ui, |ui| frame::timeline_panel(ui, state, &mut commands));
        }
        if let Some(doc) = state.document().cloned() {
            self.document_panels(ui, &doc, &mut commands);
        } else {
            let worker = &self.worker;
            if state.files().len() > 1 {
                egui::Panel::left("channels")
                    .frame(backdrop::side_frame(ui.style()))
                    .default_size(300.0)
                    .show(ui, |ui| frame::file_list(ui, state, worker, &mut commands));
            }
            egui::CentralPanel::default()
                .frame(backdrop::central_frame(ui.style()))
                .show(ui, |ui| match state.failure() {
                    Some((source, message)) if worker.load.is_none() => {
                        frame::failure_card(ui, &source.label(), message);
                    }
                    _ => frame::welcome(ui, state, worker, &mut commands),
                });
        }
        commands.extend(frame::windows(&ctx, &self.state));
        commands.extend(frame::drag_and_drop(&ctx, self.state.document().is_some()));

        // Commands change what the next frame shows (a histogram drag's range, a window opened
        // from a menu): draw it now, not at the next input event. Likewise for what a click or
        // key press opens that egui only draws from the next frame on (a context menu).
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
        // A frame from the frame cache is already on the channel: take it now, so its renders
        // start in this frame rather than after the next one is drawn.
        self.drain_worker();
        self.request_textures();
        self.request_measurements();
        self.update_title(&ctx);
    }

    /// The side panels, the histogram and the two views of an open document.
    fn document_panels(&mut self, ui: &mut egui::Ui, doc: &Document, commands: &mut Vec<Command>) {
        let state = &self.state;
        let panels = state.panels();
        if panels.left {
            egui::Panel::left("channels")
                .frame(backdrop::side_frame(ui.style()))
                .default_size(300.0)
                .show(ui, |ui| {
                    frame::left_panel(ui, state, &self.worker, doc, commands)
                });
        }
        if panels.probe {
            // A − B columns need room while comparing. (Not for a region: the panel would
            // widen, and the views move, under a Shift+drag; its table scrolls instead.)
            let min_width = if state.reference_image().is_some() {
                400.0
            } else {
                120.0
            };
            egui::Panel::right("probe")
                .frame(backdrop::side_frame(ui.style()))
                .default_size(280.0)
                .min_size(min_width)
                .show(ui, |ui| {
                    egui::ScrollArea::both()
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            if state.reference_image().is_some() {
                                egui::CollapsingHeader::new("Compare metrics")
                                    .id_salt("compare_metrics")
                                    .default_open(true)
                                    .show(ui, |ui| {
                                        let shown = match state.metrics() {
                                            Some(Ok(c)) => MetricsShown::Ready(c),
                                            Some(Err(e)) => MetricsShown::Failed(e),
                                            None if state.compared_channel_names().is_empty() => {
                                                MetricsShown::NoSharedChannel
                                            }
                                            None => MetricsShown::Computing,
                                        };
                                        commands.extend(metrics_ui(ui, &doc.image, &shown));
                                    });
                                ui.separator();
                            }
                            probe_ui_highlighted(
                                ui,
                                &doc.image,
                                state.reference_image().map(|r| r.as_ref()),
                                state.probe(),
                                state.is_pinned(),
                                &state.probe_highlight(),
                            );
                            ui.separator();
                            let pins = state.pins();
                            egui::CollapsingHeader::new(format!("Pins ({})", pins.len()))
                                .id_salt("pins_panel")
                                .default_open(true)
                                .show(ui, |ui| commands.extend(pins_ui(ui, &doc.image, pins)));
                            let region = RegionPanel {
                                image: &doc.image,
                                region: state.region(),
                                part: state.region_part(),
                                stats: state.region_stats(),
                                numpy_slice: state.region_numpy_slice(),
                                depth: state.selection().depth,
                            };
                            egui::CollapsingHeader::new("Region")
                                .id_salt("region_panel")
                                .default_open(true)
                                .show(ui, |ui| commands.extend(region_ui(ui, &region)));
                        });
                });
        }
        if panels.histogram {
            egui::Panel::bottom("histogram")
                .frame(backdrop::side_frame(ui.style()))
                .resizable(true)
                .default_size(HISTOGRAM_PANEL_HEIGHT)
                .show(ui, |ui| frame::histogram_panel(ui, state, doc, commands));
        }
        egui::CentralPanel::default()
            .frame(backdrop::central_frame(ui.style()))
            .show(ui, |ui| {
                let area = ui.available_rect_before_wrap();
                let layout = views::layout(area, &self.state, doc, self.views.banner_height());
                self.canvas_rects = Some((layout.rgb_canvas, layout.depth_canvas));
                // Layout and pointer first, so that this frame paints what the pointer did.
                self.execute(layout.laid_out(doc, ui.ctx().pixels_per_point()));
                for command in views::interact(ui, &layout, &self.state, doc) {
                    self.execute(command);
                }
                let placeholders = views::Placeholders {
                    rgb: self.placeholder(Slot::Rgb),
                    depth: self.placeholder(Slot::Depth),
                };
                commands.extend(views::paint(
                    ui,
                    &layout,
                    &self.state,
                    doc,
                    &self.textures,
                    &mut self.views,
                    placeholders,
                ));
            });
        if self.first_image_secs.is_none()
            && (self.textures.shown(Slot::Rgb).is_some()
                || self.textures.shown(Slot::Depth).is_some())
        {
            let secs = self.started.elapsed().as_secs_f64();
            self.first_image_secs = Some(secs);
            log::info!("first image on screen {secs:.3} s after start");
        }
    }

    /// Text shown in a view without a texture: why there is nothing, the render's error, or that
    /// it is on its way.
    fn placeholder(&self, slot: Slot) -> Option<String> {
        if self.textures.shown(slot).is_some() {
            return None;
        }
        let Some(key) = self.wanted_now(slot) else {
            if self.state.compare_view() != CompareView::A
                && let Some(what) = self.what_of_a(slot)
            {
                // A shows something the reference does not have.
                let names = match what {
                    RenderWhat::Rgb { r, g, b, .. } => vec![r, g, b],
                    RenderWhat::Scalar { channel, .. } => vec![channel],
                    RenderWhat::Difference { a, .. } => a,
                };
                let doc = self.state.document()?;
                let missing: Vec<String> = names
                    .into_iter()
                    .filter(|&c| self.state.reference_channel(c).is_none())
                    .filter_map(|c| doc.image.qualified_name(c))
                    .collect();
                return Some(format!(
                    "The reference has no channel {}",
                    missing.join(", ")
                ));
            }
            return Some(match slot {
                Slot::Rgb | Slot::RgbReference => {
                    "No colour layer in this file — choose a channel to view".to_owned()
                }
                Slot::Depth | Slot::DepthReference => {
                    "No depth channel found — choose one in the channel list".to_owned()
                }
            });
        };
        if let Some(channel) = self.loading_in(&key) {
            let name = self.state.document()?.image.qualified_name(channel)?;
            return Some(format!("Loading {name}…"));
        }
        Some(
            self.textures
                .error_for(&key)
                .map_or_else(|| "Rendering…".to_owned(), str::to_owned),
        )
    }

    fn update_title(&mut self, ctx: &egui::Context) {
        let doc = self.state.document();
        let generation = doc.map_or(0, |d| d.generation);
        if generation != self.title_generation {
            self.title_generation = generation;
            let title = match doc {
                Some(doc) => format!("{} — exrprobe", doc.source.label()),
                None => "exrprobe".to_owned(),
            };
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));
        }
    }
}

impl eframe::App for ExrProbeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        backdrop::clear_color(visuals)
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, PERSIST_KEY, &self.state.persisted());
    }
}
