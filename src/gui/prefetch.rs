//! Decoding the next frames of a shot ahead of the user, into the frame cache.
//!
//! One long-lived thread takes the latest request (the frames ahead in the direction of travel,
//! nearest first) and decodes the channels the views draw of each frame the cache lacks. Every
//! step of the user makes a new request; the frame being decoded is finished when the new
//! request still wants it (stepping down one frame keeps almost the whole list) and abandoned
//! otherwise. An earlier design cancelled the thread at every step: a user stepping about once
//! a second through a 4K shot restarted the decode of the same frame at every step and never
//! got it.
//!
//! The decodes run on the background pool (a core fewer than the machine has, at a lower
//! priority), so the renders of the frame on screen never queue behind them; the cache's budget
//! stops the prefetcher (it never drops the frame shown or a frame of the request to make room).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use exrprobe_core::load::{ChannelFilter, LoadOptions, load_file};
use exrprobe_core::{Analysis, complete};

use super::frame_cache::{CachedFrame, FileStamp, FrameCache, held_bytes};
use super::state::ChannelChoice;

/// The frames to decode ahead.
#[derive(Clone, Default)]
pub struct Request {
    /// Nearest first.
    pub paths: Vec<PathBuf>,
    pub choice: ChannelChoice,
    /// Entries the prefetcher must not drop to make room (the frame shown and `paths`).
    pub keep: Vec<PathBuf>,
}

#[derive(Default)]
struct Wanted {
    /// Requests made so far; the thread works on the newest.
    posted: u64,
    /// The number of the request the thread finished (or gave up at the budget).
    done: u64,
    request: Request,
    shutdown: bool,
}

/// The frame the thread decodes now, and the flag that abandons it.
struct InFlight {
    path: PathBuf,
    abandon: Arc<AtomicBool>,
}

#[derive(Default)]
struct Shared {
    wanted: Mutex<Wanted>,
    wake: Condvar,
    in_flight: Mutex<Option<InFlight>>,
}

/// The handle of the prefetch thread; dropping it stops the thread.
pub struct Prefetcher {
    shared: Arc<Shared>,
    started: bool,
    cache: Arc<Mutex<FrameCache>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Prefetcher {
    /// A prefetcher filling `cache`; its thread starts with the first request.
    pub fn new(cache: Arc<Mutex<FrameCache>>) -> Self {
        Self {
            shared: Arc::default(),
            started: false,
            cache,
        }
    }

    /// Replaces the request: the frame being decoded is finished if `request` wants it, else
    /// abandoned.
    pub fn request(&mut self, request: Request) {
        let still_wanted = request.paths.clone();
        self.post(request, &still_wanted);
    }

    /// Stops after the frame being decoded if `still_wanted` has it (else abandons it at once)
    /// until the next request.
    pub fn hold(&mut self, still_wanted: &[PathBuf]) {
        self.post(Request::default(), still_wanted);
    }

    fn post(&mut self, request: Request, still_wanted: &[PathBuf]) {
        if let Some(in_flight) = lock(&self.shared.in_flight).as_ref()
            && !still_wanted.contains(&in_flight.path)
        {
            in_flight.abandon.store(true, Ordering::Relaxed);
        }
        let wants_work = !request.paths.is_empty();
        {
            let mut wanted = lock(&self.shared.wanted);
            wanted.posted += 1;
            wanted.request = request;
        }
        self.shared.wake.notify_all();
        if wants_work && !self.started {
            self.start();
        }
    }

    /// True when the latest request is done (or there is none).
    pub fn is_idle(&self) -> bool {
        let wanted = lock(&self.shared.wanted);
        !self.started || wanted.done == wanted.posted
    }

    fn start(&mut self) {
        let shared = Arc::clone(&self.shared);
        let cache = Arc::clone(&self.cache);
        let spawned = std::thread::Builder::new()
            .name("exrprobe-prefetch".into())
            .spawn(move || run(&shared, &cache));
        match spawned {
            Ok(_) => self.started = true,
            Err(err) => log::warn!("no frames decoded ahead: cannot start a thread: {err}"),
        }
    }
}

impl Drop for Prefetcher {
    fn drop(&mut self) {
        lock(&self.shared.wanted).shutdown = true;
        if let Some(in_flight) = lock(&self.shared.in_flight).as_ref() {
            in_flight.abandon.store(true, Ordering::Relaxed);
        }
        self.shared.wake.notify_all();
    }
}

/// The thread: waits for a request newer than the last one worked on, decodes its frames.
fn run(shared: &Shared, cache: &Mutex<FrameCache>) {
    let mut seen = 0;
    loop {
        let (number, request) = {
            let mut wanted = lock(&shared.wanted);
            while wanted.posted == seen && !wanted.shutdown {
                wanted = shared
                    .wake
                    .wait(wanted)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if wanted.shutdown {
                return;
            }
            (wanted.posted, wanted.request.clone())
        };
        seen = number;
        let newer = || lock(&shared.wanted).posted != number;
        let work = || {
            for path in &request.paths {
                if newer() {
                    return;
                }
                let abandon = Arc::new(AtomicBool::new(false));
                *lock(&shared.in_flight) = Some(InFlight {
                    path: path.clone(),
                    abandon: Arc::clone(&abandon),
                });
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    decode_ahead(path, &request, cache, &abandon)
                }));
                *lock(&shared.in_flight) = None;
                match outcome {
                    Ok(Outcome::Full) => return,
                    Ok(Outcome::Cached | Outcome::Skipped) => {}
                    Err(panic) => {
                        // Nothing is lost: the frame is read when the user steps onto it.
                        log::error!(
                            "internal error while decoding a frame ahead, please report it: {}",
                            super::loader::panic_text(panic.as_ref())
                        );
                    }
                }
            }
        };
        match super::loader::background_pool() {
            Some(pool) => pool.install(work),
            None => work(),
        }
        let mut wanted = lock(&shared.wanted);
        if wanted.posted == number {
            wanted.done = number;
        }
    }
}

enum Outcome {
    /// In the cache (decoded now, or already there).
    Cached,
    /// Unreadable, abandoned or nothing to show: the next frame.
    Skipped,
    /// The cache cannot take it: stop.
    Full,
}

/// Decodes the channels `request.choice` shows of `path` into `cache`, unless it is there.
fn decode_ahead(
    path: &Path,
    request: &Request,
    cache: &Mutex<FrameCache>,
    abandon: &AtomicBool,
) -> Outcome {
    let Some(stamp) = FileStamp::of(path) else {
        return Outcome::Skipped;
    };
    if let Some(frame) = lock(cache).get(path, &stamp)
        && (frame.complete || covers(&frame, &request.choice))
    {
        return Outcome::Cached;
    }
    let header_only = LoadOptions {
        decode_pixels: false,
        ..LoadOptions::default()
    };
    let Ok(header) = load_file(path, &header_only, &mut |_| {}, abandon) else {
        return Outcome::Skipped;
    };
    let shown = request
        .choice
        .shown(&header, &Analysis::detection_only(&header));
    if shown.is_empty() {
        return Outcome::Skipped;
    }
    let whole = shown.len() == header.channels().count();
    let bytes: u64 = shown
        .iter()
        .filter_map(|channel| header.channel(*channel))
        .map(|channel| channel.decoded_byte_size() as u64)
        .sum();
    if !lock(cache).can_fit(bytes, &request.keep) {
        log::info!(
            "frame cache full: no more frames decoded ahead at {}",
            path.display()
        );
        return Outcome::Full;
    }
    let options = LoadOptions {
        channels: if whole {
            ChannelFilter::All
        } else {
            ChannelFilter::Only(shown)
        },
        ..LoadOptions::default()
    };
    let started = Instant::now();
    let Ok(image) = load_file(path, &options, &mut |_| {}, abandon) else {
        return Outcome::Skipped;
    };
    let detection = Analysis::detection_only(&image);
    // A file of the shown channels only is complete once analysed; else the depth view's
    // range is what its first frame needs.
    let analysis = if whole {
        complete(&image, detection)
    } else {
        if let Some(depth) = detection.depth_channel() {
            detection.distribution(&image, depth);
        }
        detection
    };
    if abandon.load(Ordering::Relaxed) {
        return Outcome::Skipped;
    }
    let frame = CachedFrame {
        image: Arc::new(image),
        analysis: Arc::new(analysis),
        complete: whole,
    };
    let bytes = held_bytes(&frame.image);
    if !lock(cache).insert(path.to_path_buf(), stamp, frame, &request.keep) {
        log::info!(
            "frame cache full: no more frames decoded ahead at {}",
            path.display()
        );
        return Outcome::Full;
    }
    log::debug!(
        "{bytes} bytes decoded ahead in {:.3} s: {}",
        started.elapsed().as_secs_f64(),
        path.display()
    );
    Outcome::Cached
}

/// Whether the views can draw `frame` for `choice`: every channel they show is decoded.
pub fn covers(frame: &CachedFrame, choice: &ChannelChoice) -> bool {
    let shown = choice.shown(&frame.image, &frame.analysis);
    !shown.is_empty()
        && shown.iter().all(|channel| {
            frame
                .image
                .channel(*channel)
                .is_some_and(|c| c.samples.is_some())
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;
    use std::time::Duration;

    /// Bytes of one decoded channel of the frames of [`shot`].
    const CHANNEL_BYTES: u64 = 64 * 32 * 4;

    /// Frames 1..=`frames` of a 64 × 32 multilayer render (9 channels, 5 of them shown) and
    /// a file that is not an EXR.
    fn shot(frames: u32) -> (tempfile::TempDir, Vec<PathBuf>, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let bytes = exrprobe_synth::spheres_multilayer_exr(64, 32).unwrap();
        let paths = (1..=frames)
            .map(|frame| {
                let path = dir.path().join(format!("shot.{frame:04}.exr"));
                std::fs::write(&path, &bytes).unwrap();
                path
            })
            .collect();
        let broken = dir.path().join("broken.exr");
        std::fs::write(&broken, b"not an EXR").unwrap();
        (dir, paths, broken)
    }

    fn wait_idle(prefetcher: &Prefetcher) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !prefetcher.is_idle() {
            assert!(Instant::now() < deadline, "the prefetch did not finish");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn cached(cache: &Mutex<FrameCache>, path: &Path) -> Option<CachedFrame> {
        lock(cache).get(path, &FileStamp::of(path).unwrap())
    }

    #[test]
    fn decodes_the_shown_channels_of_the_frames_asked_for_and_skips_unreadable_ones() {
        let (_dir, paths, broken) = shot(3);
        let cache = Arc::new(Mutex::new(FrameCache::new(1 << 30)));
        let mut prefetcher = Prefetcher::new(Arc::clone(&cache));
        assert!(prefetcher.is_idle());
        let ahead = vec![broken.clone(), paths[1].clone(), paths[2].clone()];
        prefetcher.request(Request {
            paths: ahead.clone(),
            choice: ChannelChoice::default(),
            keep: ahead,
        });
        wait_idle(&prefetcher);
        assert!(cached(&cache, &paths[0]).is_none(), "not asked for");
        assert!(
            lock(&cache)
                .get(&broken, &FileStamp::of(&broken).unwrap())
                .is_none()
        );
        for path in &paths[1..] {
            let frame = cached(&cache, path).expect("decoded ahead");
            assert!(!frame.complete);
            assert!(covers(&frame, &ChannelChoice::default()));
        }
        assert_eq!(lock(&cache).used_bytes(), 2 * 5 * CHANNEL_BYTES);
    }

    #[test]
    fn stops_at_the_budget_without_dropping_what_it_keeps() {
        let (_dir, paths, _) = shot(3);
        // The shown frame (whole) and one frame ahead fit; a second does not.
        let budget = 9 * CHANNEL_BYTES + 5 * CHANNEL_BYTES;
        let cache = Arc::new(Mutex::new(FrameCache::new(budget)));
        let whole = {
            let image = load_file(
                &paths[0],
                &LoadOptions::default(),
                &mut |_| {},
                &AtomicBool::new(false),
            )
            .unwrap();
            let analysis = Analysis::detection_only(&image);
            CachedFrame {
                image: Arc::new(image),
                analysis: Arc::new(analysis),
                complete: true,
            }
        };
        let stamp = FileStamp::of(&paths[0]).unwrap();
        assert!(lock(&cache).insert(paths[0].clone(), stamp, whole, &[]));
        let mut prefetcher = Prefetcher::new(Arc::clone(&cache));
        prefetcher.request(Request {
            paths: paths[1..].to_vec(),
            choice: ChannelChoice::default(),
            keep: paths.clone(),
        });
        wait_idle(&prefetcher);
        assert!(cached(&cache, &paths[0]).is_some_and(|f| f.complete));
        assert!(cached(&cache, &paths[1]).is_some());
        assert!(cached(&cache, &paths[2]).is_none());
        assert_eq!(lock(&cache).used_bytes(), budget);
        // An empty request ends the work; dropping the prefetcher ends its thread.
        prefetcher.hold(&[]);
        wait_idle(&prefetcher);
        drop(prefetcher);
    }
}
