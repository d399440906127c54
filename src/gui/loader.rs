//! Background work: loading + analysing files, exports, PNG saves and texture rendering run on
//! worker threads. Workers never touch the UI: they send [`WorkerMsg`]s over a channel and ask for
//! a repaint; the app drains the channel at the start of every frame (and again after applying
//! the frame's commands, for the frames the frame cache answers at once).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use exrprobe_core::model::Image;
use exrprobe_core::{Analysis, complete};

use std::time::SystemTime;

use exrprobe_core::check::FileCheck;
use exrprobe_core::watch::{FolderWatcher, Settler};

use super::frame_cache::{CachedFrame, FileStamp, FrameCache};
use super::prefetch::{Prefetcher, Request, covers};
use super::state::{
    ChannelChoice, FileSummary, MetricsKey, MetricsRequest, RegionKey, RegionRequest, RegionResult,
};
use super::textures::{RenderJob, RenderKey, Rendered};

/// Where a document comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    /// Index into `crate::examples::examples()`.
    Example(usize),
}

impl Source {
    /// Short name for lists and titles: the file name, or the example's file name.
    pub fn label(&self) -> String {
        match self {
            Source::File(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string()),
            Source::Example(i) => crate::examples::examples()
                .get(*i)
                .map(|e| e.file_name.to_owned())
                .unwrap_or_else(|| format!("example {i}")),
        }
    }

    pub fn path(&self) -> Option<&PathBuf> {
        match self {
            Source::File(path) => Some(path),
            Source::Example(_) => None,
        }
    }
}

/// A loaded and analysed file.
pub struct Loaded {
    pub generation: u64,
    pub source: Source,
    pub image: Arc<Image>,
    pub analysis: Arc<Analysis>,
    /// Wall time of decoding (and of the name-based detection; the statistics come later, in
    /// [`WorkerMsg::Analysed`]).
    pub load_duration: Duration,
}

/// What workers report.
pub enum WorkerMsg {
    LoadProgress {
        generation: u64,
        fraction: f64,
    },
    /// The image is decoded; its analysis is detection only ([`Analysis::detection_only`]), the
    /// full one follows as [`WorkerMsg::Analysed`].
    Loaded(Box<Loaded>),
    /// The full analysis of a loaded image (statistics, findings) and the whole image (the one
    /// of `Loaded` may hold only the channels the views draw): the load is done. `rest_error`
    /// says why the other channels could not be decoded after all (the image is then
    /// `Loaded`'s).
    Analysed {
        generation: u64,
        image: Arc<Image>,
        analysis: Arc<Analysis>,
        rest_error: Option<String>,
    },
    LoadFailed {
        generation: u64,
        source: Source,
        message: String,
    },
    /// A task (export, PNG) finished: `Ok(confirmation)` or `Err(message)`.
    TaskDone {
        task_id: u64,
        result: Result<String, String>,
    },
    Rendered(Box<Rendered>),
    /// The reference `source` (load `generation`) was decoded, or could not be.
    ReferenceLoaded {
        generation: u64,
        source: Source,
        result: Result<Arc<Image>, String>,
    },
    /// The statistics of a region were computed.
    RegionStats {
        key: RegionKey,
        result: RegionResult,
    },
    /// The metrics of a compare were computed.
    Compared {
        key: MetricsKey,
        result: Result<Arc<exrprobe_core::compare::Comparison>, String>,
    },
    /// The scan of file list `generation` checked the file at `path`.
    Scanned {
        generation: u64,
        path: PathBuf,
        summary: Box<FileSummary>,
        /// Where it was checked.
        pool: ScanPool,
    },
    /// Watched folders changed: `appeared` files are new or changing (not yet settled),
    /// `settled` ones stopped changing and can be read, `removed` ones are gone.
    FolderChanged {
        generation: u64,
        appeared: Vec<PathBuf>,
        settled: Vec<PathBuf>,
        removed: Vec<PathBuf>,
    },
}

/// A running scan of the file list: a thread that checks the files it is sent, one after the
/// other, until the list is replaced.
#[derive(Debug)]
pub struct ScanJob {
    pub generation: u64,
    pub done: usize,
    pub total: usize,
    /// Of `done`, how many were checked where (see [`ScanPool`]).
    pub counts: ScanCounts,
    /// When the scan started (for the log line once every file is checked).
    started: Instant,
    queue: Sender<PathBuf>,
    cancel: Arc<AtomicBool>,
}

/// The watch of the folders of the file list.
#[derive(Debug)]
struct WatchJob {
    generation: u64,
    cancel: Arc<AtomicBool>,
}

/// A running load.
#[derive(Debug)]
pub struct LoadJob {
    pub generation: u64,
    pub source: Source,
    pub fraction: f64,
    /// Decoded and shown; the statistics and findings are being computed.
    pub analysing: bool,
    pub started: Instant,
    /// The version of the file being read (`None` for examples and unreadable files): the
    /// finished load is cached under it.
    stamp: Option<FileStamp>,
    cancel: Arc<AtomicBool>,
}

/// A running export or save.
#[derive(Clone, Debug)]
pub struct TaskState {
    pub id: u64,
    pub label: String,
}

/// The worker side of the app: spawns jobs and hands their messages back.
pub struct Worker {
    tx: Sender<WorkerMsg>,
    rx: Receiver<WorkerMsg>,
    /// The UI context workers ask for repaints through. Shared, and set once the window exists:
    /// the first file starts loading before that (see [`super::run`]).
    ctx: Arc<OnceLock<egui::Context>>,
    next_generation: u64,
    next_task: u64,
    /// The load in flight (a newer open cancels and replaces it).
    pub load: Option<LoadJob>,
    /// Exports and saves in flight.
    pub tasks: Vec<TaskState>,
    /// Render jobs in flight.
    pub renders_in_flight: usize,
    /// The reference load in flight: its generation and source (a newer one cancels it).
    pub reference_load: Option<(u64, Source, Arc<AtomicBool>)>,
    /// The metrics computation in flight.
    pub metrics: Option<MetricsKey>,
    /// The region statistics computation in flight.
    pub region_stats: Option<RegionKey>,
    /// The scan of the file list in flight (a newer list cancels and replaces it).
    pub scan: Option<ScanJob>,
    /// The watch of the file list's folders, if any.
    watch: Option<WatchJob>,
    /// Frames decoded and analysed, shown again at once when the user steps back to them, and
    /// frames decoded ahead of the user. Shared with the prefetch thread, which fills it.
    cache: Arc<Mutex<FrameCache>>,
    /// The file of the last load started: the prefetcher never drops it from the cache.
    shown_path: Option<PathBuf>,
    /// The frames to decode ahead once the load in flight has shown its image (the prefetcher
    /// would slow it down before).
    prefetch_wanted: Option<(Vec<PathBuf>, ChannelChoice)>,
    /// The frames ahead last asked for: a finished load makes room in the cache by dropping
    /// frames behind, not these.
    ahead: Vec<PathBuf>,
    /// Decodes the frames ahead into `cache`.
    prefetcher: Prefetcher,
    /// Loads served from the cache, for tests and the benchmark.
    cache_use: FrameCacheUse,
    /// Set while a load decodes the image the user waits for (until `Loaded`): the scan waits
    /// meanwhile.
    first_image_pending: Arc<AtomicBool>,
    /// When the user last gave the window input: the scan uses every core once it is left
    /// alone.
    input_clock: InputClock,
    /// The automatic budget of the frame cache, reckoned once at start (the memory available
    /// later depends on what the viewer holds).
    automatic_cache_bytes: u64,
}

/// How the frame cache served the loads, for tests and the benchmark.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameCacheUse {
    /// Loads served whole from the cache (no decode, no analysis).
    pub hits: u64,
    /// Loads whose shown channels were decoded ahead: shown at once, the rest decoded after.
    pub ahead_hits: u64,
    /// Bytes of decoded samples the cache holds, and its budget.
    pub used_bytes: u64,
    pub budget_bytes: u64,
    /// The budget the automatic setting gives.
    pub automatic_budget_bytes: u64,
}

impl Default for Worker {
    fn default() -> Self {
        let (tx, rx) = channel();
        let automatic_cache_bytes = default_frame_cache_bytes();
        let cache = Arc::new(Mutex::new(FrameCache::new(automatic_cache_bytes)));
        Self {
            tx,
            rx,
            ctx: Arc::new(OnceLock::new()),
            next_generation: 1,
            next_task: 1,
            load: None,
            tasks: Vec::new(),
            renders_in_flight: 0,
            reference_load: None,
            metrics: None,
            region_stats: None,
            scan: None,
            watch: None,
            prefetcher: Prefetcher::new(Arc::clone(&cache)),
            cache,
            shown_path: None,
            prefetch_wanted: None,
            ahead: Vec::new(),
            cache_use: FrameCacheUse::default(),
            first_image_pending: Arc::new(AtomicBool::new(false)),
            input_clock: InputClock::default(),
            automatic_cache_bytes,
        }
    }
}

/// The frame cache's default budget: a quarter of the memory available when the viewer
/// starts (the loads themselves may take up to three quarters, see
/// [`exrprobe_core::load::default_memory_budget`]).
fn default_frame_cache_bytes() -> u64 {
    exrprobe_core::load::default_memory_budget() / 3
}

/// How often a load reports its progress (and so repaints the window) at most. Measured on a 4K
/// 33-pass render under Xvfb with llvmpipe: reporting every 1 % painted ~8 frames before the
/// first image, each taking a core from the decode for tens of milliseconds.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

/// How soon the window shows a file the scan has checked, at most: the busy indicator's
/// interval, so that the scan's results are drawn in the frames the indicator asks for anyway.
/// Each file used to ask for a frame of its own; under a software rasteriser (Xvfb with
/// llvmpipe, ~0.1 s of CPU per frame of a 1400×900 window) that took more CPU than checking the
/// files: the 500-frame benchmark shot's list was complete after 35–38 s with the window left
/// alone, 15 s at this rate, where `check` takes 7.5 s.
const SCAN_REPAINT_INTERVAL: Duration =
    Duration::from_nanos((1e9 / super::panels::busy::FRAMES_PER_SECOND) as u64);

fn repaint(ctx: &OnceLock<egui::Context>) {
    if let Some(ctx) = ctx.get() {
        ctx.request_repaint();
    }
}

/// Asks for a frame within `delay` (a frame asked for sooner still comes sooner).
fn repaint_within(ctx: &OnceLock<egui::Context>, delay: Duration) {
    if let Some(ctx) = ctx.get() {
        ctx.request_repaint_after(delay);
    }
}

impl Worker {
    /// Remembers the context so workers can ask for repaints.
    pub fn set_context(&mut self, ctx: &egui::Context) {
        if self.ctx.get().is_none() {
            let _ = self.ctx.set(ctx.clone());
        }
    }

    /// Notes that the user gave the window input (this frame).
    pub fn note_input(&self) {
        self.input_clock.note();
    }

    /// True when nothing runs in the background.
    pub fn is_idle(&self) -> bool {
        self.load.is_none()
            && self.tasks.is_empty()
            && self.renders_in_flight == 0
            && self.reference_load.is_none()
            && self.metrics.is_none()
            && self.region_stats.is_none()
            && self.scan.as_ref().is_none_or(|s| s.done >= s.total)
            && self.prefetcher.is_idle()
    }

    /// Starts loading `source`, cancelling any load in flight; the channels `choice` shows are
    /// decoded and shown first. A frame in the frame cache is shown at once: whole (nothing more
    /// to do) or, when only its shown channels were decoded ahead, with the others decoded and
    /// the analysis made after. Returns the new generation.
    pub fn start_load(&mut self, source: Source, choice: ChannelChoice) -> u64 {
        if let Some(old) = self.load.take() {
            old.cancel.store(true, Ordering::Relaxed);
        }
        let generation = self.next_generation;
        self.next_generation += 1;
        let cancel = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let stamp = source.path().and_then(|path| FileStamp::of(path));
        self.shown_path = source.path().cloned();
        let cached = source
            .path()
            .zip(stamp.as_ref())
            .and_then(|(path, stamp)| self.lock_cache().get(path, stamp))
            .filter(|frame| frame.complete || covers(frame, &choice));
        self.load = Some(LoadJob {
            generation,
            source: source.clone(),
            fraction: 0.0,
            analysing: false,
            started,
            stamp,
            cancel: Arc::clone(&cancel),
        });
        let ahead = match cached {
            Some(frame) => {
                let _ = self.tx.send(WorkerMsg::Loaded(Box::new(Loaded {
                    generation,
                    source: source.clone(),
                    image: Arc::clone(&frame.image),
                    analysis: Arc::clone(&frame.analysis),
                    load_duration: started.elapsed(),
                })));
                repaint(&self.ctx);
                if frame.complete {
                    // Decoded and analysed before, unchanged on disk: no thread.
                    self.cache_use.hits += 1;
                    let _ = self.tx.send(WorkerMsg::Analysed {
                        generation,
                        image: frame.image,
                        analysis: frame.analysis,
                        rest_error: None,
                    });
                    return generation;
                }
                self.cache_use.ahead_hits += 1;
                Some(frame.image)
            }
            None => None,
        };
        self.first_image_pending
            .store(ahead.is_none(), Ordering::Relaxed);
        let tx = self.tx.clone();
        let ctx = Arc::clone(&self.ctx);
        let thread_source = source.clone();
        let spawned = std::thread::Builder::new()
            .name("exrprobe-load".into())
            .spawn(move || {
                let progress_tx = tx.clone();
                let progress_ctx = Arc::clone(&ctx);
                let mut last_sent = Instant::now();
                let mut progress = move |fraction: f64| {
                    // A few reports a second: every report repaints the window, and on a
                    // software rasteriser each frame takes CPU from the decode it reports on.
                    if last_sent.elapsed() >= PROGRESS_INTERVAL {
                        last_sent = Instant::now();
                        let _ = progress_tx.send(WorkerMsg::LoadProgress {
                            generation,
                            fraction,
                        });
                        // Shown by the next frame within the interval: one frame (an
                        // immediate request costs egui two).
                        repaint_within(&progress_ctx, PROGRESS_INTERVAL);
                    }
                };
                let source = thread_source;
                let send = |msg: WorkerMsg| {
                    let _ = tx.send(msg);
                    repaint(&ctx);
                };
                let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    match (ahead, &source) {
                        (Some(first), Source::File(path)) => {
                            load_rest_and_analyze(generation, path, first, started, &cancel, &send);
                        }
                        _ => load_and_analyze(
                            generation,
                            &source,
                            &choice,
                            &mut progress,
                            &cancel,
                            &send,
                        ),
                    }
                }));
                if let Err(panic) = caught {
                    send(WorkerMsg::LoadFailed {
                        generation,
                        source: source.clone(),
                        message: format!(
                            "internal error while loading ({}), please report it: {}",
                            panic_text(panic.as_ref()),
                            source.label()
                        ),
                    });
                }
            });
        if let Err(err) = spawned {
            let _ = self.tx.send(WorkerMsg::LoadFailed {
                generation,
                source,
                message: format!("cannot start a loader thread: {err}"),
            });
        }
        generation
    }

    /// Decodes the shown channels of `paths` (the next frames in the direction of travel, the
    /// nearest first) into the frame cache, replacing the earlier request (see
    /// [`super::prefetch`]). Until the load in flight has shown its image only a frame already
    /// being decoded ahead goes on (when still wanted): the load needs the machine.
    pub fn prefetch(&mut self, paths: Vec<PathBuf>, choice: ChannelChoice) {
        self.ahead.clone_from(&paths);
        self.prefetch_wanted = Some((paths, choice));
        if self.load.as_ref().is_none_or(|load| load.analysing) {
            self.start_prefetch();
        } else {
            self.prefetcher.hold(&self.ahead);
        }
    }

    /// Hands the prefetch wanted to the prefetcher.
    fn start_prefetch(&mut self) {
        let Some((paths, choice)) = self.prefetch_wanted.take() else {
            return;
        };
        let keep: Vec<PathBuf> = self.shown_path.iter().chain(&paths).cloned().collect();
        self.prefetcher.request(Request {
            paths,
            choice,
            keep,
        });
    }

    /// The frame cache, whoever panicked while holding it (its book-keeping is updated after
    /// each change is complete).
    fn lock_cache(&self) -> MutexGuard<'_, FrameCache> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `work` on a thread named `name` and sends its result as `message(result)`; a panic
    /// becomes an error saying what it was `doing`, and so does a thread that cannot start.
    fn spawn_job<T: Send + 'static>(
        &self,
        name: &str,
        doing: &'static str,
        work: impl FnOnce() -> Result<T, String> + Send + 'static,
        message: impl FnOnce(Result<T, String>) -> WorkerMsg + Clone + Send + 'static,
    ) {
        let tx = self.tx.clone();
        let ctx = Arc::clone(&self.ctx);
        let send = message.clone();
        let spawned = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                    .unwrap_or_else(|panic| {
                        Err(format!(
                            "internal error while {doing} ({}), please report it",
                            panic_text(panic.as_ref())
                        ))
                    });
                let _ = tx.send(send(result));
                repaint(&ctx);
            });
        if let Err(err) = spawned {
            let _ = self
                .tx
                .send(message(Err(format!("cannot start a worker thread: {err}"))));
        }
    }

    /// Decodes `source` as the reference on a thread of its own, cancelling a reference load in
    /// flight (no analysis: the compare needs the pixels only).
    pub fn start_reference_load(&mut self, source: Source) {
        if let Some((_, _, cancel)) = self.reference_load.take() {
            cancel.store(true, Ordering::Relaxed);
        }
        let generation = self.next_generation;
        self.next_generation += 1;
        let cancel = Arc::new(AtomicBool::new(false));
        self.reference_load = Some((generation, source.clone(), Arc::clone(&cancel)));
        let thread_source = source.clone();
        self.spawn_job(
            "exrprobe-reference",
            "loading",
            move || load_source(&thread_source, &mut |_| {}, &cancel).map(Arc::new),
            move |result| WorkerMsg::ReferenceLoaded {
                generation,
                source,
                result,
            },
        );
    }

    /// Computes the metrics of `request` on a worker thread (the core's `compare_images` over
    /// the named channels). A result for a key no longer wanted is dropped by the state.
    pub fn start_metrics(&mut self, request: MetricsRequest) {
        let MetricsRequest { key, a, b } = request;
        self.metrics = Some(key.clone());
        let names = key.channels.clone();
        self.spawn_job(
            "exrprobe-compare",
            "comparing",
            move || {
                exrprobe_core::compare::compare_images(&a, &b, &names)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            },
            move |result| WorkerMsg::Compared { key, result },
        );
    }

    /// Computes the statistics of every channel of a part over a region on a worker thread.
    pub fn start_region_stats(&mut self, request: RegionRequest) {
        let RegionRequest { key, image } = request;
        self.region_stats = Some(key.clone());
        let (part, region) = (key.part, key.region);
        self.spawn_job(
            "exrprobe-region",
            "measuring the region",
            move || {
                exrprobe_core::region::region_stats(&image, part, &region)
                    .map(Arc::new)
                    .ok_or_else(|| "The region is outside this part's data window".to_owned())
            },
            move |result| WorkerMsg::RegionStats { key, result },
        );
    }

    /// Checks `paths` one after the other on a thread of their own, as `check` does (each file
    /// summarised while decoded, only its depth kept), reporting each file's summary. A scan of
    /// the same `generation` takes the paths into its queue; another generation cancels the
    /// scan in flight.
    pub fn scan(&mut self, generation: u64, paths: Vec<PathBuf>) {
        if let Some(scan) = self.scan.as_mut().filter(|s| s.generation == generation) {
            scan.total += paths.len();
            for path in paths {
                if scan.queue.send(path).is_err() {
                    scan.done += 1; // the thread is gone: nothing will come
                }
            }
            return;
        }
        if let Some(old) = self.scan.take() {
            old.cancel.store(true, Ordering::Relaxed);
        }
        let (queue, paths_rx) = channel::<PathBuf>();
        let total = paths.len();
        for path in paths {
            let _ = queue.send(path);
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.scan = Some(ScanJob {
            generation,
            done: 0,
            counts: ScanCounts::default(),
            started: Instant::now(),
            total,
            queue,
            cancel: Arc::clone(&cancel),
        });
        let tx = self.tx.clone();
        let ctx = Arc::clone(&self.ctx);
        let first_image_pending = Arc::clone(&self.first_image_pending);
        let input_clock = self.input_clock.clone();
        let spawned = std::thread::Builder::new()
            .name("exrprobe-scan".into())
            .spawn(move || {
                scan_files(
                    generation,
                    &paths_rx,
                    &cancel,
                    &first_image_pending,
                    &input_clock,
                    &tx,
                    &ctx,
                );
            });
        if let Err(err) = spawned {
            log::warn!("cannot start the scan thread: {err}");
            self.scan = None;
        }
    }

    /// Watches `roots` (folders, recursively) for EXR files that appear, settle or vanish,
    /// replacing any watch in flight; `None` stops watching.
    pub fn watch(&mut self, generation: u64, roots: Option<Vec<PathBuf>>) {
        if let Some(old) = self.watch.take() {
            old.cancel.store(true, Ordering::Relaxed);
        }
        let Some(roots) = roots else { return };
        let watcher = match FolderWatcher::new(&roots) {
            Ok(watcher) => watcher,
            Err(err) => {
                log::warn!("{err}");
                return;
            }
        };
        let cancel = Arc::new(AtomicBool::new(false));
        self.watch = Some(WatchJob {
            generation,
            cancel: Arc::clone(&cancel),
        });
        let tx = self.tx.clone();
        let ctx = Arc::clone(&self.ctx);
        let spawned = std::thread::Builder::new()
            .name("exrprobe-watch".into())
            .spawn(move || watch_folders(generation, &watcher, &cancel, &tx, &ctx));
        if let Err(err) = spawned {
            log::warn!("cannot start the watch thread: {err}");
            self.watch = None;
        }
    }

    /// Whether the file list's folders are being watched.
    pub fn is_watching(&self) -> bool {
        self.watch.is_some()
    }

    /// Runs `work` (an export or save) on a worker thread; `label` is shown while it runs.
    pub fn start_task(
        &mut self,
        label: String,
        work: impl FnOnce() -> Result<String, String> + Send + 'static,
    ) {
        let task_id = self.next_task;
        self.next_task += 1;
        self.tasks.push(TaskState { id: task_id, label });
        let tx = self.tx.clone();
        let ctx = Arc::clone(&self.ctx);
        let spawned = std::thread::Builder::new()
            .name("exrprobe-task".into())
            .spawn(move || {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                    .unwrap_or_else(|panic| {
                        Err(format!(
                            "internal error ({}), please report it",
                            panic_text(panic.as_ref())
                        ))
                    });
                let _ = tx.send(WorkerMsg::TaskDone { task_id, result });
                repaint(&ctx);
            });
        if let Err(err) = spawned {
            let _ = self.tx.send(WorkerMsg::TaskDone {
                task_id,
                result: Err(format!("cannot start a worker thread: {err}")),
            });
        }
    }

    /// Renders a texture image on a worker thread.
    pub fn start_render(&mut self, key: RenderKey, job: RenderJob) {
        self.renders_in_flight += 1;
        let tx = self.tx.clone();
        let ctx = Arc::clone(&self.ctx);
        let spawned = std::thread::Builder::new()
            .name("exrprobe-render".into())
            .spawn(move || {
                let key_for_error = key.clone();
                let (slot, generation, started) = (key.slot, key.generation, Instant::now());
                let rendered =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(key)))
                        .unwrap_or_else(|panic| Rendered {
                            key: key_for_error,
                            result: Err(format!(
                                "internal error while drawing ({}), please report it",
                                panic_text(panic.as_ref())
                            )),
                        });
                log::debug!(
                    "rendered {slot:?} of load {generation} in {:.3} s",
                    started.elapsed().as_secs_f64()
                );
                let _ = tx.send(WorkerMsg::Rendered(Box::new(rendered)));
                repaint(&ctx);
            });
        if spawned.is_err() {
            self.renders_in_flight -= 1;
        }
    }

    /// The next message, if any, without blocking.
    pub fn try_recv(&mut self) -> Option<WorkerMsg> {
        self.rx.try_recv().ok()
    }

    /// The next message, waiting up to `timeout`.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Option<WorkerMsg> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// Book-keeping for a message before the app applies it. Returns `false` for stale messages
    /// (from a superseded load), which the app drops.
    pub fn accept(&mut self, msg: &WorkerMsg) -> bool {
        match msg {
            WorkerMsg::LoadProgress {
                generation,
                fraction,
            } => match &mut self.load {
                Some(load) if load.generation == *generation => {
                    load.fraction = *fraction;
                    true
                }
                _ => false,
            },
            // The load goes on (analysis) until `Analysed`.
            WorkerMsg::Loaded(loaded) => match &mut self.load {
                Some(load) if load.generation == loaded.generation => {
                    load.fraction = 1.0;
                    load.analysing = true;
                    self.first_image_pending.store(false, Ordering::Relaxed);
                    // The image is up: the frames ahead may take the machine.
                    self.start_prefetch();
                    true
                }
                _ => false,
            },
            WorkerMsg::Analysed {
                generation,
                image,
                analysis,
                rest_error,
            } => {
                if rest_error.is_none() {
                    self.cache_load(*generation, image, analysis);
                }
                self.finish_load(*generation)
            }
            WorkerMsg::LoadFailed { generation, .. } => {
                let current = self.finish_load(*generation);
                if current {
                    self.first_image_pending.store(false, Ordering::Relaxed);
                    self.start_prefetch();
                }
                current
            }
            WorkerMsg::TaskDone { task_id, .. } => {
                self.tasks.retain(|t| t.id != *task_id);
                true
            }
            WorkerMsg::Rendered(_) => {
                self.renders_in_flight = self.renders_in_flight.saturating_sub(1);
                true
            }
            WorkerMsg::Scanned {
                generation, pool, ..
            } => match &mut self.scan {
                Some(scan) if scan.generation == *generation => {
                    scan.done += 1;
                    scan.counts.note(*pool);
                    if scan.done == scan.total {
                        let ScanCounts {
                            every_core,
                            idle_class,
                            background,
                        } = scan.counts;
                        log::info!(
                            "checked the {} files of the list in {:.3} s ({every_core} on every \
                             core, {idle_class} in the idle class, {background} in the background)",
                            scan.total,
                            scan.started.elapsed().as_secs_f64()
                        );
                    }
                    true
                }
                _ => false,
            },
            WorkerMsg::ReferenceLoaded { generation, .. } => match &self.reference_load {
                Some((current, _, _)) if current == generation => {
                    self.reference_load = None;
                    true
                }
                _ => false,
            },
            WorkerMsg::RegionStats { key, .. } => {
                if self.region_stats.as_ref() == Some(key) {
                    self.region_stats = None;
                }
                true
            }
            WorkerMsg::Compared { key, .. } => {
                if self.metrics.as_ref() == Some(key) {
                    self.metrics = None;
                }
                true
            }
            WorkerMsg::FolderChanged { generation, .. } => self
                .watch
                .as_ref()
                .is_some_and(|w| w.generation == *generation),
        }
    }

    /// Keeps the whole image and analysis of load `generation` (if it is the one in flight,
    /// of a file) in the frame cache.
    fn cache_load(&mut self, generation: u64, image: &Arc<Image>, analysis: &Arc<Analysis>) {
        let Some(load) = self.load.as_ref().filter(|l| l.generation == generation) else {
            return;
        };
        let (Some(path), Some(stamp)) = (load.source.path(), load.stamp) else {
            return;
        };
        let frame = CachedFrame {
            image: Arc::clone(image),
            analysis: Arc::clone(analysis),
            complete: true,
        };
        let keep = self.ahead.clone();
        let mut cache = self.lock_cache();
        if !cache.insert(path.clone(), stamp, frame, &keep) {
            log::info!(
                "not cached: no room in the frame cache ({} bytes) beside the frames ahead: {}",
                cache.budget_bytes(),
                load.source.label()
            );
        }
    }

    /// True while a load decodes the image the user waits for (before `Loaded`).
    pub fn first_image_pending(&self) -> bool {
        self.first_image_pending.load(Ordering::Relaxed)
    }

    /// Gives the frame cache a budget of `bytes` (`None`: automatic, a share of the memory
    /// available at start), dropping the least recently used frames beyond it but not the
    /// frame shown.
    pub fn set_frame_cache_budget(&mut self, bytes: Option<u64>) {
        let bytes = bytes.unwrap_or(self.automatic_cache_bytes);
        // Off means nothing kept; a smaller budget keeps the frame shown (its pixels stay in
        // memory for the views anyway, and stepping back to it is then free).
        let keep: Vec<PathBuf> = self
            .shown_path
            .iter()
            .filter(|_| bytes > 0)
            .cloned()
            .collect();
        self.lock_cache().set_budget(bytes, &keep);
    }

    /// Drops the cached frame of `path`: the next load reads the file again.
    pub fn forget_cached(&mut self, path: &Path) {
        self.lock_cache().remove(path);
    }

    /// How the frame cache served the loads, and what it holds.
    pub fn frame_cache_use(&self) -> FrameCacheUse {
        let cache = self.lock_cache();
        FrameCacheUse {
            used_bytes: cache.used_bytes(),
            budget_bytes: cache.budget_bytes(),
            automatic_budget_bytes: self.automatic_cache_bytes,
            ..self.cache_use
        }
    }

    fn finish_load(&mut self, generation: u64) -> bool {
        match &self.load {
            Some(load) if load.generation == generation => {
                self.load = None;
                true
            }
            _ => false,
        }
    }
}

/// How long the scan waits for the image of a load before it goes on beside it.
const SCAN_WAITS_FOR_IMAGE: Duration = Duration::from_secs(5);

/// How long the window must be left alone (no pointer movement, key or wheel) before the scan
/// checks its next file on every core at the background priority, rather than in the idle
/// class or on the background pool (see [`ScanPool`], [`InteractivePools`]). The switch happens
/// between files, so input during a file checked on every core at that priority can wait for
/// a core until that file is done (tens of milliseconds for a 960×540 frame, a few tenths of a
/// second for a 4K 33-pass one).
pub const SCAN_EVERY_CORE_AFTER: Duration = Duration::from_millis(400);

/// Where the scan checks a file. A scan thread at nice 9 keeps its core when the window's
/// thread wakes up, which then waits for the scheduler's next tick (4 ms here). With such a
/// thread on each of 2 cores, 4 % of the window's wake-ups waited over 1 ms (`perf sched
/// timehist`, the 500-frame benchmark shot, pointer moving), and the frames' p90 was 2.3–6.3 ms
/// in nine runs, four of them over 4 ms; on one core fewer, 2.5–3.0 ms, but the list took 1.5×
/// `check`'s time. A thread in Linux's idle scheduling class gives its core up the moment
/// another thread wants it: with the scan on every core in that class, 99 % of the window's
/// wake-ups waited under 0.3 ms. (One of those threads also steps aside while a frame is
/// drawn, see `pacing`.) But the idle class runs only on cores nothing else in its scheduling
/// group wants: the viewer's own loads, and a render or compile started from the same terminal
/// session (Linux groups processes by session), can keep it from running at all. So it is used
/// only while the user works in the window, where the window must come first; the scan goes
/// back to nice 9 once the window is left alone, and does not wait for a file the idle class
/// is slow to finish ([`IdleClass::check`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanPool {
    /// The window was left alone for [`SCAN_EVERY_CORE_AFTER`]: every core at the background
    /// priority ([`every_core_pool`]).
    EveryCore,
    /// The user works in the window: every core in the idle scheduling class
    /// ([`IdleClass`]).
    IdleClass,
    /// The user works in the window, and the idle class is not available or proved slower
    /// ([`InteractivePools`]): the background pool, a core fewer than the machine has
    /// ([`background_pool`]).
    Background,
}

/// How many files of a scan were checked in each [`ScanPool`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanCounts {
    pub every_core: usize,
    pub idle_class: usize,
    pub background: usize,
}

impl ScanCounts {
    fn note(&mut self, pool: ScanPool) {
        match pool {
            ScanPool::EveryCore => self.every_core += 1,
            ScanPool::IdleClass => self.idle_class += 1,
            ScanPool::Background => self.background += 1,
        }
    }
}

/// When the user last gave the window input, shared with the scan thread: milliseconds since
/// [`input_epoch`], 0 for never.
#[derive(Clone, Debug, Default)]
struct InputClock(Arc<AtomicU64>);

/// The instant [`InputClock`] counts from.
fn input_epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

impl InputClock {
    fn note(&self) {
        let since = input_epoch().elapsed().as_millis();
        self.0.store(
            u64::try_from(since).unwrap_or(u64::MAX).max(1),
            Ordering::Relaxed,
        );
    }

    /// How long ago the last input was (`None`: never).
    fn idle_for(&self) -> Option<Duration> {
        let last = self.0.load(Ordering::Relaxed);
        (last > 0).then(|| {
            input_epoch()
                .elapsed()
                .saturating_sub(Duration::from_millis(last))
        })
    }

    /// Whether the window has been left alone for [`SCAN_EVERY_CORE_AFTER`] (or never touched).
    fn left_alone(&self) -> bool {
        self.idle_for()
            .is_none_or(|idle| idle >= SCAN_EVERY_CORE_AFTER)
    }
}

/// The scan thread: checks the paths it is sent until the scan is cancelled; before each file,
/// it waits (up to [`SCAN_WAITS_FOR_IMAGE`]) while the image the user waits for is decoded.
/// Each file is checked in the idle scheduling class or on the background pool while the user
/// works in the window, whichever is faster ([`InteractivePools`]), and on every core at the
/// background priority once it has been left alone (see [`ScanPool`]).
fn scan_files(
    generation: u64,
    paths: &Receiver<PathBuf>,
    cancel: &AtomicBool,
    first_image_pending: &AtomicBool,
    input_clock: &InputClock,
    tx: &Sender<WorkerMsg>,
    ctx: &OnceLock<egui::Context>,
) {
    // A share of the budget: the file shown is decoded beside the scan.
    let budget = exrprobe_core::load::default_memory_budget() / 2;
    // How long the last file took (the idle class's patience), and which pool is faster
    // while the user works in the window.
    let mut last_file = Duration::ZERO;
    let mut interactive = InteractivePools::default();
    while !cancel.load(Ordering::Relaxed) {
        let Ok(path) = paths.recv_timeout(Duration::from_millis(250)) else {
            continue;
        };
        // The image the user waits for first (opening a shot starts both at once). Bounded:
        // a load that takes longer (a huge file) no longer holds the list's statuses back.
        let waited = Instant::now();
        while first_image_pending.load(Ordering::Relaxed)
            && !cancel.load(Ordering::Relaxed)
            && waited.elapsed() < SCAN_WAITS_FOR_IMAGE
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let left_alone = input_clock.left_alone();
        let idle_class = IdleClass::get().filter(|_| !left_alone);
        let mut started = Instant::now();
        let in_idle_class = match idle_class {
            Some(idle) if interactive.pick() == ScanPool::IdleClass => {
                let patience = interactive.idle_class_patience(last_file);
                let check = idle.check(&path, budget, patience, cancel);
                if check.is_none() {
                    // Given up on (or not taken): as slow as the wait, at least.
                    interactive.note(ScanPool::IdleClass, started.elapsed().max(patience));
                }
                check.map(|check| (check, ScanPool::IdleClass))
            }
            _ => None,
        };
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let (check, kind) = in_idle_class.unwrap_or_else(|| {
            // (The patience counts the check, not the wait for the idle class.)
            started = Instant::now();
            let (pool, kind) = match left_alone.then(every_core_pool).flatten() {
                Some(pool) => (Some(pool), ScanPool::EveryCore),
                None => (background_pool(), ScanPool::Background),
            };
            let check = match pool {
                Some(pool) => pool.install(|| guarded_check(&path, budget)),
                None => guarded_check(&path, budget),
            };
            (check, kind)
        });
        last_file = started.elapsed();
        if idle_class.is_some() {
            interactive.note(kind, last_file);
        }
        let summary = Box::new(FileSummary::of(&check));
        let _ = tx.send(WorkerMsg::Scanned {
            generation,
            path,
            summary,
            pool: kind,
        });
        repaint_within(ctx, SCAN_REPAINT_INTERVAL);
    }
}

/// Which pool the scan uses while the user works in the window: both in turn until each has
/// checked a few files, then whichever checks files faster (the idle class unless the
/// background pool is clearly faster), trying the other one every
/// [`InteractivePools::EXPLORE_EVERY`] files to notice a change. Neither wins everywhere.
/// Where the window's frames cost little CPU (a GPU draws them; the kittest benchmark), the
/// idle class on every core checked the 500-frame benchmark shot in 1.0–1.2× `check`'s time
/// against 1.5–1.8× on the background pool. Under a software renderer (Xvfb with llvmpipe) the
/// window's own painting, at nice 0 on every core, left the idle class so little that it
/// checked 50–59 files while the background pool checked 110–114 in the same 13 s of pointer
/// movement. Choosing by the files' times, the kittest benchmark put 465 of 499 files in the
/// idle class (1.11–1.14× `check`, against 1.65–1.69× for the background pool alone), and the
/// real window under llvmpipe used the background pool but every 16th file.
#[derive(Debug, Default)]
struct InteractivePools {
    /// The seconds of each pool's last few files ([`Self::KEPT`]), newest last.
    idle_class: Vec<f64>,
    background: Vec<f64>,
    /// Files picked for so far.
    picks: u32,
}

impl InteractivePools {
    const EXPLORE_EVERY: u32 = 16;
    /// Files remembered per pool; their median is the pool's speed. (One file is a poor
    /// guide: the first ones share the machine with the first image's load and paint, and a
    /// trap frame or a cut-off one takes less time than a good one.)
    const KEPT: usize = 3;
    /// The background pool is used only when its files take less than this share of the idle
    /// class's time: files differ, and the idle class leaves the window more room.
    const BACKGROUND_MUST_BEAT: f64 = 0.85;

    fn pick(&mut self) -> ScanPool {
        self.picks = self.picks.wrapping_add(1);
        let (Some(idle), Some(background)) = (
            self.speed(ScanPool::IdleClass),
            self.speed(ScanPool::Background),
        ) else {
            // Each in turn until both have a few files, the background pool first.
            return if self.background.len() <= self.idle_class.len() {
                ScanPool::Background
            } else {
                ScanPool::IdleClass
            };
        };
        let (faster, slower) = if background >= idle * Self::BACKGROUND_MUST_BEAT {
            (ScanPool::IdleClass, ScanPool::Background)
        } else {
            (ScanPool::Background, ScanPool::IdleClass)
        };
        if self.picks.is_multiple_of(Self::EXPLORE_EVERY) {
            slower
        } else {
            faster
        }
    }

    /// The median seconds per file of `pool`, once it has [`Self::KEPT`] files.
    fn speed(&self, pool: ScanPool) -> Option<f64> {
        let times = match pool {
            ScanPool::IdleClass => &self.idle_class,
            ScanPool::Background => &self.background,
            ScanPool::EveryCore => return None,
        };
        if times.len() < Self::KEPT {
            return None;
        }
        let mut sorted = times.clone();
        sorted.sort_by(f64::total_cmp);
        sorted.get(sorted.len() / 2).copied()
    }

    /// How long to wait for a file in the idle class: [`IDLE_CLASS_PATIENCE`] files of the
    /// background pool (or, before it has a few, the last file), and at least
    /// [`IDLE_CLASS_PATIENCE_MIN`]. Slower than that, the idle class loses to the background
    /// pool anyway.
    fn idle_class_patience(&self, last_file: Duration) -> Duration {
        let reference = self
            .speed(ScanPool::Background)
            .map_or(last_file, Duration::from_secs_f64);
        IDLE_CLASS_PATIENCE_MIN.max(reference * IDLE_CLASS_PATIENCE)
    }

    fn note(&mut self, pool: ScanPool, took: Duration) {
        let times = match pool {
            ScanPool::IdleClass => &mut self.idle_class,
            ScanPool::Background => &mut self.background,
            ScanPool::EveryCore => return,
        };
        times.push(took.as_secs_f64());
        if times.len() > Self::KEPT {
            times.remove(0);
        }
    }
}

/// How long a file may take in the idle class, in files of the background pool (see
/// [`InteractivePools::idle_class_patience`]), before the scan checks it again on another pool
/// (see [`IdleClass::check`]).
const IDLE_CLASS_PATIENCE: u32 = 4;
const IDLE_CLASS_PATIENCE_MIN: Duration = Duration::from_millis(250);

/// The scan's pool in Linux's idle scheduling class (see [`ScanPool`]), and how many checks run
/// on it.
struct IdleClass {
    pool: rayon::ThreadPool,
    running: Arc<AtomicUsize>,
}

impl IdleClass {
    /// The process's (`None` where it cannot be had, see [`idle_class_pool`]).
    fn get() -> Option<&'static Self> {
        static IDLE: OnceLock<Option<IdleClass>> = OnceLock::new();
        IDLE.get_or_init(|| {
            idle_class_pool().map(|pool| Self {
                pool,
                running: Arc::default(),
            })
        })
        .as_ref()
    }

    /// Checks `path` here, if no earlier check given up on still runs here, waiting up to
    /// `patience` (or until `cancel`). `None` when it could not or did not finish in time.
    /// The idle class can be kept from running at all (see [`ScanPool`]), and a thread cannot
    /// leave it (an unprivileged thread may not raise its priority). So the scan does not wait
    /// for it: the check goes on here, its result is dropped, and the scan uses the other pools
    /// until it has ended.
    fn check(
        &self,
        path: &Path,
        budget: u64,
        patience: Duration,
        cancel: &AtomicBool,
    ) -> Option<FileCheck> {
        if self
            .running
            .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return None;
        }
        let (sender, receiver) = channel();
        let (owned, running) = (path.to_path_buf(), Arc::clone(&self.running));
        self.pool.spawn(move || {
            let check = guarded_check(&owned, budget);
            running.fetch_sub(1, Ordering::AcqRel);
            let _ = sender.send(check);
        });
        let started = Instant::now();
        loop {
            match receiver.recv_timeout(Duration::from_millis(50)) {
                Ok(check) => return Some(check),
                Err(RecvTimeoutError::Disconnected) => return None,
                Err(RecvTimeoutError::Timeout) => {
                    if cancel.load(Ordering::Relaxed) || started.elapsed() >= patience {
                        return None;
                    }
                }
            }
        }
    }
}

/// Checks one file for the scan: a load error becomes the file's record, and a panic (a bug)
/// a record that says so; nothing panics out (a panic in a pool's spawned job would abort).
fn guarded_check(path: &Path, budget: u64) -> FileCheck {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        exrprobe_core::check::check_file(path, budget)
            .unwrap_or_else(|err| FileCheck::from_load_error(path, &err, SystemTime::now()))
    }))
    .unwrap_or_else(|panic| {
        FileCheck::failed(
            path,
            format!(
                "internal error while checking ({}), please report it: {}",
                panic_text(panic.as_ref()),
                path.display()
            ),
        )
    })
}

/// The watch thread: reports files that appear (at once), settle and vanish.
fn watch_folders(
    generation: u64,
    watcher: &FolderWatcher,
    cancel: &AtomicBool,
    tx: &Sender<WorkerMsg>,
    ctx: &OnceLock<egui::Context>,
) {
    let mut settler = Settler::default();
    while !cancel.load(Ordering::Relaxed) {
        let changed = watcher.changed(Duration::from_millis(250));
        let now = Instant::now();
        let (mut appeared, mut removed) = (Vec::new(), Vec::new());
        for path in changed {
            if path.is_file() {
                settler.note(path.clone(), now);
                appeared.push(path);
            } else if !path.exists() {
                removed.push(path);
            }
        }
        let settled = settler.ready(now);
        if appeared.is_empty() && settled.is_empty() && removed.is_empty() {
            continue;
        }
        let _ = tx.send(WorkerMsg::FolderChanged {
            generation,
            appeared,
            settled,
            removed,
        });
        repaint(ctx);
    }
}

/// Loads `source` and analyses it (runs on the loader thread), sending `Loaded` as soon as the
/// channels the views draw (`choice`) are decoded, with the detection only, so the viewer can
/// show them at once, and `Analysed` with the whole image and its statistics and findings.
///
/// A file is read in two stages: the shown channels (a few of a render's dozens of passes) with
/// the whole machine, then the others on the analysis thread while the views render, summarised
/// as they are decoded (`exrprobe_core::load::load_rest`). A file whose shown channels are all
/// there is, or whose first stage fails (damage is then reported as for a whole load), is read
/// in one go.
fn load_and_analyze(
    generation: u64,
    source: &Source,
    choice: &ChannelChoice,
    progress: &mut (dyn FnMut(f64) + Send),
    cancel: &AtomicBool,
    send: &dyn Fn(WorkerMsg),
) {
    let started = Instant::now();
    if let Source::File(path) = source
        && let Some(first) = load_shown_first(path, choice, progress, cancel)
    {
        let first = Arc::new(first);
        send_loaded(generation, source, &first, started, send);
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        load_rest_and_analyze(generation, path, first, started, cancel, send);
        return;
    }
    let image = match load_source(source, progress, cancel) {
        Ok(image) => Arc::new(image),
        Err(message) => {
            send(WorkerMsg::LoadFailed {
                generation,
                source: source.clone(),
                message,
            });
            return;
        }
    };
    let decoded_secs = started.elapsed().as_secs_f64();
    let detection = send_loaded(generation, source, &image, started, send);
    if cancel.load(Ordering::Relaxed) {
        // Superseded by another load: nobody wants the rest.
        return;
    }
    let analysis = match analysis_pool() {
        Some(pool) => pool.install(|| complete(&image, detection)),
        None => complete(&image, detection),
    };
    log::info!(
        "{}: decoded in {decoded_secs:.3} s, analysed in {:.3} s",
        source.label(),
        started.elapsed().as_secs_f64() - decoded_secs
    );
    send(WorkerMsg::Analysed {
        generation,
        image,
        analysis: Arc::new(analysis),
        rest_error: None,
    });
}

/// The second stage of a two-stage load of `path`, once `first` (its shown channels) is shown:
/// decodes the other channels, summarised as they are decoded, and sends `Analysed` with the
/// whole image and its statistics and findings. When they cannot be decoded, the image shown is
/// kept and its other channels say why they are missing.
fn load_rest_and_analyze(
    generation: u64,
    path: &Path,
    first: Arc<Image>,
    started: Instant,
    cancel: &AtomicBool,
    send: &dyn Fn(WorkerMsg),
) {
    let shown_secs = started.elapsed().as_secs_f64();
    let options = exrprobe_core::load::LoadOptions::default();
    let rest = || exrprobe_core::load::load_rest(path, &first, &options, &mut |_| {}, cancel);
    let rest = match analysis_pool() {
        Some(pool) => pool.install(rest),
        None => rest(),
    };
    let (image, analysis, rest_error) = match rest {
        Ok(summarized) => {
            let (image, analysis) = exrprobe_core::analysis::analyze_summarized(summarized);
            (Arc::new(image), analysis, None)
        }
        Err(exrprobe_core::load::LoadError::Cancelled { .. }) => return,
        Err(error) => {
            let reason = format!("not decoded: {error}");
            let mut image = Arc::unwrap_or_clone(first);
            for part in &mut image.parts {
                let left_out = part.channels.iter().any(|c| c.samples.is_none());
                if left_out && part.pixel_error.is_none() {
                    part.pixel_error = Some(reason.clone());
                }
            }
            let analysis = exrprobe_core::analyze(&image);
            (Arc::new(image), analysis, Some(error.to_string()))
        }
    };
    log::info!(
        "{}: shown channels up in {shown_secs:.3} s, the others decoded and analysed in {:.3} s",
        path.display(),
        started.elapsed().as_secs_f64() - shown_secs
    );
    send(WorkerMsg::Analysed {
        generation,
        image,
        analysis: Arc::new(analysis),
        rest_error,
    });
}

/// Sends `image` as decoded, with its detection and the depth channel's distribution (the depth
/// view's first frame needs its range: computed here, not on the UI thread). Returns the
/// detection for the analysis to complete.
fn send_loaded(
    generation: u64,
    source: &Source,
    image: &Arc<Image>,
    started: Instant,
    send: &dyn Fn(WorkerMsg),
) -> Analysis {
    let detection = Analysis::detection_only(image);
    if let Some(depth) = detection.depth_channel() {
        detection.distribution(image, depth);
    }
    send(WorkerMsg::Loaded(Box::new(Loaded {
        generation,
        source: source.clone(),
        image: Arc::clone(image),
        analysis: Arc::new(detection.clone()),
        load_duration: started.elapsed(),
    })));
    detection
}

/// The first stage of a two-stage load: the header, then only the channels `choice` shows.
/// `None` when a one-go load is the better way: the header cannot be read (the one-go load
/// reports why), the shown channels are all the channels or none of them, or the first stage
/// fails (a cancelled load is caught by the one-go load's first check).
fn load_shown_first(
    path: &std::path::Path,
    choice: &ChannelChoice,
    progress: &mut (dyn FnMut(f64) + Send),
    cancel: &AtomicBool,
) -> Option<Image> {
    use exrprobe_core::load::{ChannelFilter, LoadOptions, load_file};
    let header_only = LoadOptions {
        decode_pixels: false,
        ..LoadOptions::default()
    };
    let header = load_file(path, &header_only, &mut |_| {}, cancel).ok()?;
    let shown = choice.shown(&header, &Analysis::detection_only(&header));
    if shown.is_empty() || shown.len() == header.channels().count() {
        return None;
    }
    let options = LoadOptions {
        channels: ChannelFilter::Only(shown),
        ..LoadOptions::default()
    };
    load_file(path, &options, progress, cancel).ok()
}

/// Decodes a file or a built-in example with the default options.
fn load_source(
    source: &Source,
    progress: &mut (dyn FnMut(f64) + Send),
    cancel: &AtomicBool,
) -> Result<Image, String> {
    let options = exrprobe_core::load::LoadOptions::default();
    let result = match source {
        Source::File(path) => exrprobe_core::load::load_file(path, &options, progress, cancel),
        Source::Example(i) => match crate::examples::examples().get(*i) {
            Some(example) => exrprobe_core::load::load_bytes(
                example.bytes,
                &format!("example: {}", example.file_name),
                &options,
                progress,
                cancel,
            ),
            None => return Err(format!("there is no built-in example number {i}")),
        },
    };
    result.map_err(|err| err.to_string())
}

/// One thread for the analysis that follows a load: on the global pool its parallel passes
/// would queue the rendering of the first views behind them (everything is CPU-bound), so the
/// image would wait for the statistics after all. `None` when the thread cannot be started.
fn analysis_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(|_| "exrprobe-analysis".to_owned())
            .build()
            .map_err(|err| log::warn!("no analysis thread, analysing on the shared pool: {err}"))
            .ok()
    })
    .as_ref()
}

/// A pool of its own for the work nobody is waiting for (the scan of the file list, the frames
/// decoded ahead), at a lower priority. On the shared pool, their parallel decodes filled every
/// worker's queue, and the renders of the frame the user just stepped onto waited behind a
/// whole frame's blocks: 0.46 s median from Down to the next 4K frame on screen although it
/// was decoded ahead. One core is left to the window: with as many threads as cores, the scan of
/// a 500-frame folder on two cores took 12.2 s instead of 18.3 s, but the window's frame time
/// while it ran rose from 3.1 ms to 4.6 ms at the 90th percentile (the priority does not keep
/// a core's other hardware thread, or the memory, from being shared); the scan takes every core
/// only while the window is left alone ([`every_core_pool`]). `None` when the pool cannot be
/// started.
pub(super) fn background_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        low_priority_pool(cores.saturating_sub(1).max(1), "exrprobe-background")
    })
    .as_ref()
}

/// A pool of `threads` threads named `name` at [`lower_priority`]; `None` (logged) when it
/// cannot be started.
fn low_priority_pool(threads: usize, name: &'static str) -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(move |_| name.to_owned())
        .start_handler(|_| lower_priority())
        .build()
        .map_err(|err| log::warn!("cannot start the {name} threads: {err}"))
        .ok()
}

/// A pool with a thread per core, at the background pool's priority, for the scan while the
/// window is left alone ([`ScanPool::EveryCore`]). `None` when the pool cannot be started
/// (the scan then uses the others).
fn every_core_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        low_priority_pool(cores, "exrprobe-scan-all")
    })
    .as_ref()
}

/// A pool with a thread per core in Linux's idle scheduling class (`SCHED_IDLE`), for the scan
/// while the user works in the window ([`ScanPool::IdleClass`]). `None` elsewhere, and when
/// the pool cannot be started or the system refuses the class (the scan then uses the
/// background pool). Its last thread is paced (see `pacing`).
fn idle_class_pool() -> Option<rayon::ThreadPool> {
    if !cfg!(any(target_os = "linux", target_os = "android")) {
        return None;
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let refused = Arc::new(AtomicBool::new(false));
    let refused_by_thread = Arc::clone(&refused);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cores)
        .thread_name(|_| "exrprobe-scan-idle".to_owned())
        .start_handler(move |index| {
            // The last thread steps aside while the window draws: a core for the window,
            // the others for the scan (see `pacing`).
            if cores > 1 && index + 1 == cores {
                super::pacing::pace_this_thread();
            }
            if let Err(err) = enter_idle_class() {
                // Never left at nice 0 beside the window.
                lower_priority();
                log::debug!("scan thread not in the idle class: {err}");
                refused_by_thread.store(true, Ordering::Relaxed);
            }
        })
        .build()
        .map_err(|err| log::warn!("cannot start the exrprobe-scan-idle threads: {err}"))
        .ok()?;
    // Every thread has run its start handler once it has run a job.
    pool.broadcast(|_| ());
    (!refused.load(Ordering::Relaxed)).then_some(pool)
}

/// Puts the calling thread in the idle scheduling class (Linux only).
fn enter_idle_class() -> Result<(), String> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use thread_priority::{
            NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
            set_thread_priority_and_policy, thread_native_id,
        };
        set_thread_priority_and_policy(
            thread_native_id(),
            ThreadPriority::Min,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
        )
        .map_err(|err| format!("{err:?}"))
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    Err("the idle scheduling class is Linux's".to_owned())
}

/// Gives the calling thread a priority below normal (nice 9 on Linux). The scan and the frames
/// decoded ahead are work nobody waits for; at the same priority, on two cores, they slowed
/// every frame of the window (painted on the CPU under a software rasteriser) and the renders
/// of the frame shown. Not the lowest: at nice 19 a busy machine (a render, a compile, a test
/// suite) starved them for minutes. A system that refuses leaves the thread as it was.
fn lower_priority() {
    use thread_priority::{ThreadPriority, ThreadPriorityValue, set_current_thread_priority};
    let result = ThreadPriorityValue::try_from(BACKGROUND_PRIORITY)
        .map_err(|err| format!("{err:?}"))
        .and_then(|value| {
            set_current_thread_priority(ThreadPriority::Crossplatform(value))
                .map_err(|err| format!("{err:?}"))
        });
    if let Err(err) = result {
        log::debug!("background thread left at its priority: {err}");
    }
}

/// The background threads' priority on the `thread_priority` crate's scale of 0 (lowest) to 99;
/// 25 is nice 9 under Linux's normal scheduling.
const BACKGROUND_PRIORITY: u8 = 25;

/// The message of a caught panic.
pub(super) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;

    /// The scan's pool for when the user works in the window really is in the idle class on
    /// Linux (a refusal would leave the window waiting for a tick, see [`ScanPool`]), and the
    /// background pool is not.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_interactive_scan_pool_is_in_the_idle_class() {
        use thread_priority::{NormalThreadSchedulePolicy, ThreadSchedulePolicy};
        let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
        let policies = |pool: &rayon::ThreadPool| {
            pool.broadcast(|_| thread_priority::unix::thread_schedule_policy().ok())
        };
        let class = IdleClass::get().expect("the idle class is there on Linux");
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(policies(&class.pool), vec![Some(idle); cores]);
        let background = background_pool().expect("the background pool starts");
        assert!(
            policies(background)
                .iter()
                .all(|policy| policy.is_some_and(|p| p != idle))
        );
    }

    /// A check the idle class does not run in time is given up on; while it still runs there,
    /// the idle class takes no other file; once it has ended, it does.
    #[test]
    fn the_scan_does_not_wait_for_a_starved_idle_class() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/blender/single_zbuf_compositing_on.exr");
        // One thread, kept busy: as starved as the idle class can be.
        let class = IdleClass {
            pool: rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap(),
            running: Arc::default(),
        };
        let (release, blocked) = channel::<()>();
        class.pool.spawn(move || {
            let _ = blocked.recv();
        });
        let cancel = AtomicBool::new(false);
        let patience = Duration::from_millis(100);
        let started = Instant::now();
        assert!(class.check(&path, 1 << 30, patience, &cancel).is_none());
        assert!(started.elapsed() >= patience);
        // The given-up check is still queued: the next file is not handed over at all.
        let started = Instant::now();
        assert!(
            class
                .check(&path, 1 << 30, Duration::from_secs(60), &cancel)
                .is_none()
        );
        assert!(started.elapsed() < Duration::from_secs(30));
        // Once the thread is free, the given-up check runs and ends, and the idle class takes
        // files again.
        release.send(()).unwrap();
        let waited = Instant::now();
        while class.running.load(Ordering::Acquire) > 0 {
            assert!(waited.elapsed() < Duration::from_secs(60));
            std::thread::sleep(Duration::from_millis(5));
        }
        let check = class
            .check(&path, 1 << 30, Duration::from_secs(60), &cancel)
            .expect("checked in the idle class");
        assert_eq!(check.status, exrprobe_core::sequence::FrameStatus::Fail);
    }

    /// Both pools in turn, the background pool first, until each has a few files; then the
    /// clearly faster of the two, with the other every `EXPLORE_EVERY` files; the idle class's
    /// patience follows the background pool's files.
    #[test]
    fn the_interactive_scan_takes_the_faster_pool_and_looks_at_the_other() {
        use ScanPool::{Background, IdleClass};
        let ms = Duration::from_millis;
        let mut pools = InteractivePools::default();
        assert_eq!(pools.idle_class_patience(ms(100)), ms(400));
        // The first background file is slow (it shares the machine with the first image).
        let first = [
            (Background, 500),
            (IdleClass, 20),
            (Background, 30),
            (IdleClass, 22),
        ];
        for (pool, took) in first.into_iter().chain([(Background, 31), (IdleClass, 21)]) {
            assert_eq!(pools.pick(), pool);
            pools.note(pool, ms(took));
        }
        assert_eq!(pools.idle_class_patience(ms(100)), IDLE_CLASS_PATIENCE_MIN);
        let picks: Vec<ScanPool> = (0..64).map(|_| pools.pick()).collect();
        let background = picks.iter().filter(|&&p| p == Background).count();
        assert_eq!(background, 4, "{picks:?}");
        // A background pool only a little faster does not take over.
        for _ in 0..3 {
            pools.note(Background, ms(19));
        }
        assert_eq!(pools.pick(), IdleClass);
        // One clearly faster (the window's painting takes the idle class's cores) does.
        for _ in 0..3 {
            pools.note(Background, ms(8));
        }
        let picks: Vec<ScanPool> = (0..64).map(|_| pools.pick()).collect();
        let idle = picks.iter().filter(|&&p| p == IdleClass).count();
        assert_eq!(idle, 4, "{picks:?}");
        assert_eq!(pools.idle_class_patience(ms(100)), IDLE_CLASS_PATIENCE_MIN);
    }
}
