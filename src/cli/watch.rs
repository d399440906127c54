//! `exrprobe check --watch`: runs beside a render. Frames already complete are checked at once;
//! new and changed frames are checked once they have settled (stopped changing for a few
//! seconds), so a frame is reported once, complete, and never as damaged while the renderer is
//! still writing it. A frame that changes again is checked again. Ctrl+C (or `--watch-timeout`
//! seconds without a change) ends it with the sequence lines, the summary and `check`'s exit
//! code, computed over the latest result of every frame.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use exrprobe_core::check::{FileCheck, changed_recently};
use exrprobe_core::sequence::{Found, FrameCheck, find_exr_files, group_frames};
use exrprobe_core::watch::{FolderWatcher, Settler};

use super::check::{check_path, finish};
use exrprobe_core::records::{CheckRecord, Status};

/// How long one wait for file-system events lasts (Ctrl+C is noticed within it).
const TICK: Duration = Duration::from_millis(250);

/// The latest result of every file seen, by path.
struct Results {
    frames: BTreeMap<PathBuf, FrameCheck>,
}

impl Results {
    fn record(&mut self, out: &mut impl Write, json: bool, check: &FileCheck) -> io::Result<()> {
        let record = CheckRecord::of(check);
        if json {
            serde_json::to_writer(&mut *out, &record)?;
            writeln!(out)?;
        } else {
            writeln!(out, "{}", record.line())?;
        }
        out.flush()?;
        self.frames.insert(check.path.clone(), check.frame_check(0));
        Ok(())
    }
}

pub(super) fn run_watch(
    paths: &[PathBuf],
    json: bool,
    memory_budget_bytes: u64,
    idle_timeout: Option<Duration>,
) -> anyhow::Result<ExitCode> {
    let stop = Arc::new(AtomicBool::new(false));
    let on_interrupt = Arc::clone(&stop);
    ctrlc::set_handler(move || on_interrupt.store(true, Ordering::Relaxed))
        .context("cannot catch Ctrl+C to end the watch with a summary")?;
    let watcher = FolderWatcher::new(paths)?;
    if watcher.polling {
        eprintln!("exrprobe: no file-system events here, looking for changes every second");
    }
    let exclusive = RwLock::new(());
    let check =
        |path: &Path| check_path(path, memory_budget_bytes, memory_budget_bytes, &exclusive);
    let mut out = io::stdout().lock();
    let mut results = Results {
        frames: BTreeMap::new(),
    };
    let mut settler = Settler::default();
    let started = Instant::now();
    for found in find_exr_files(paths) {
        match found {
            Found::Failed(path, message) => {
                results.record(&mut out, json, &FileCheck::failed(&path, message))?;
            }
            Found::File(path) => {
                let fresh = std::fs::metadata(&path)
                    .is_ok_and(|meta| meta.is_file() && changed_recently(&meta, SystemTime::now()));
                if fresh {
                    settler.note(path, started);
                } else {
                    results.record(&mut out, json, &check(&path))?;
                }
            }
        }
    }
    let mut last_change = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let changed = watcher.changed(TICK);
        let now = Instant::now();
        for path in changed {
            last_change = now;
            if path.exists() {
                settler.note(path, now);
            } else {
                results.frames.remove(&path);
            }
        }
        for path in settler.ready(now) {
            last_change = now;
            results.record(&mut out, json, &check(&path))?;
        }
        if let Some(timeout) = idle_timeout
            && settler.is_empty()
            && now.duration_since(last_change) >= timeout
        {
            break;
        }
    }

    let paths: Vec<PathBuf> = results.frames.keys().cloned().collect();
    let groups = group_frames(&paths);
    let mut counts = [0usize; 5];
    for frame in results.frames.values() {
        counts[Status::of(frame.status) as usize] += 1;
    }
    let frames: HashMap<&Path, FrameCheck> = results
        .frames
        .iter()
        .map(|(path, frame)| (path.as_path(), frame.clone()))
        .collect();
    finish(
        &mut out,
        json,
        &groups,
        &frames,
        counts,
        results.frames.len(),
    )
}
