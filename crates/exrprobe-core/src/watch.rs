//! Watching render folders: which `*.exr` files appeared or changed, and when each has settled
//! (stopped changing for [`SETTLE`]) so that it is read once, complete, and never reported as
//! damaged while a renderer is still writing it.
//!
//! Events come from the operating system through `notify` (inotify on Linux); where that is not
//! available (some network and container file systems) a polling watcher takes over, and
//! `EXRPROBE_WATCH_POLL=1` forces it (NFS and SMB accept an inotify watch but never report what
//! other machines write). The poller sees a file appear at once but a rewrite only once its
//! modification time has moved to a later second (notify compares whole seconds without
//! reading contents), which every re-render of a frame does. Events only
//! say *that* something changed: whether a file is complete is decided by [`Settler`], from its
//! size and modification time holding still.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant, SystemTime};

use notify::{Event, EventKind, RecursiveMode};

#[cfg(test)]
use crate::check::SETTLE;
use crate::check::settle_time;
use crate::sequence::is_exr;

/// How often the polling fallback looks at the files.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Why a folder cannot be watched.
#[derive(Debug, thiserror::Error)]
#[error("cannot watch ({reason}): {path}")]
pub struct WatchError {
    reason: String,
    path: String,
}

/// Watches files and folders (folders recursively) for `*.exr` files that appear or change.
pub struct FolderWatcher {
    _watcher: Box<dyn notify::Watcher + Send>,
    events: Receiver<notify::Result<Event>>,
    /// The polling fallback is in use.
    pub polling: bool,
}

impl FolderWatcher {
    /// Watches `paths` with the system's watcher, or by polling when that cannot watch them or
    /// when the environment variable `EXRPROBE_WATCH_POLL` is set (to anything but `0`): on
    /// network file systems (NFS, SMB) the system's watcher accepts the folder but never hears
    /// of files that other machines, such as render nodes, write there.
    pub fn new(paths: &[PathBuf]) -> Result<Self, WatchError> {
        let forced = std::env::var_os("EXRPROBE_WATCH_POLL").is_some_and(|v| v != "0");
        if forced {
            return Self::with(paths, true);
        }
        match Self::with(paths, false) {
            Ok(watcher) => Ok(watcher),
            Err(error) => {
                log::info!("{error}; polling instead");
                Self::with(paths, true)
            }
        }
    }

    fn with(paths: &[PathBuf], polling: bool) -> Result<Self, WatchError> {
        let (tx, events) = channel();
        let failed = |path: &Path, error: notify::Error| WatchError {
            reason: error.to_string(),
            path: path.display().to_string(),
        };
        let mut watcher: Box<dyn notify::Watcher + Send> = if polling {
            let config = notify::Config::default().with_poll_interval(POLL_INTERVAL);
            Box::new(notify::PollWatcher::new(tx, config).map_err(|e| failed(Path::new("."), e))?)
        } else {
            Box::new(notify::recommended_watcher(tx).map_err(|e| failed(Path::new("."), e))?)
        };
        for path in paths {
            watcher
                .watch(path, RecursiveMode::Recursive)
                .map_err(|e| failed(path, e))?;
        }
        Ok(Self {
            _watcher: watcher,
            events,
            polling,
        })
    }

    /// The `*.exr` files that were created, written, renamed or removed, waiting up to
    /// `timeout` for the first event.
    pub fn changed(&self, timeout: Duration) -> Vec<PathBuf> {
        let mut paths = Vec::new();
        let mut take = |event: notify::Result<Event>| {
            let Ok(event) = event else { return };
            if matches!(event.kind, EventKind::Access(_)) {
                return;
            }
            paths.extend(event.paths.into_iter().filter(|p| is_exr(p)));
        };
        match self.events.recv_timeout(timeout) {
            Ok(event) => take(event),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return paths,
        }
        while let Ok(event) = self.events.try_recv() {
            take(event);
        }
        paths.sort();
        paths.dedup();
        paths
    }
}

/// Files waiting to settle: each is ready once its size and modification time have not changed
/// for [`SETTLE`].
#[derive(Debug, Default)]
pub struct Settler {
    pending: HashMap<PathBuf, (Option<(u64, SystemTime)>, Instant)>,
}

impl Settler {
    /// Starts (or restarts) waiting for `path` to settle.
    pub fn note(&mut self, path: PathBuf, now: Instant) {
        let seen = stamp(&path);
        self.pending.insert(path, (seen, now));
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// The files that have settled by `now` (in path order), no longer pending; files that
    /// vanished are dropped. A file that changed since it was last looked at waits again.
    pub fn ready(&mut self, now: Instant) -> Vec<PathBuf> {
        let mut ready = Vec::new();
        self.pending.retain(|path, (seen, since)| {
            let current = stamp(path);
            if current.is_none() {
                return false;
            }
            if current != *seen {
                *seen = current;
                *since = now;
                return true;
            }
            if now.duration_since(*since) >= settle_time() {
                ready.push(path.clone());
                return false;
            }
            true
        });
        ready.sort();
        ready
    }
}

/// A file's size and modification time, `None` when it is gone (or is not a file).
fn stamp(path: &Path) -> Option<(u64, SystemTime)> {
    let meta = std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file)?;
    Some((meta.len(), meta.modified().ok()?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn a_file_is_ready_once_it_stops_changing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.0001.exr");
        std::fs::write(&path, b"part").unwrap();
        let start = Instant::now();
        let mut settler = Settler::default();
        settler.note(path.clone(), start);
        assert!(settler.ready(start + SETTLE / 2).is_empty());
        // It grows: the clock starts again.
        std::fs::write(&path, b"part and more").unwrap();
        let grown = start + SETTLE / 2;
        assert!(settler.ready(grown).is_empty());
        assert!(settler.ready(grown + SETTLE / 2).is_empty());
        assert_eq!(settler.ready(grown + SETTLE), std::slice::from_ref(&path));
        assert!(settler.is_empty());
        // A file that vanishes is dropped.
        settler.note(path.clone(), start);
        std::fs::remove_file(&path).unwrap();
        assert!(settler.ready(start + SETTLE * 2).is_empty());
        assert!(settler.is_empty());
    }

    /// Waits up to 10 s for `watcher` to report something.
    fn next_change(watcher: &FolderWatcher) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while Instant::now() < deadline && seen.is_empty() {
            seen = watcher.changed(Duration::from_millis(200));
        }
        seen.iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    /// The polling fallback (network file systems, or `EXRPROBE_WATCH_POLL`) reports a new
    /// frame and a frame that is written again, and nothing else.
    #[test]
    fn the_polling_watcher_reports_new_and_rewritten_frames() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("beauty.0001.exr"), b"x").unwrap();
        let watcher = FolderWatcher::with(&[dir.path().to_path_buf()], true).unwrap();
        assert!(watcher.polling);
        std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
        std::fs::write(dir.path().join("beauty.0002.exr"), b"x").unwrap();
        let mut seen = next_change(&watcher);
        seen.dedup();
        assert_eq!(seen, ["beauty.0002.exr"]);
        // notify's poller compares modification times in whole seconds: a frame rendered
        // again is always later than that.
        std::thread::sleep(Duration::from_millis(1100));
        std::fs::write(dir.path().join("beauty.0001.exr"), b"a longer file").unwrap();
        let mut seen = next_change(&watcher);
        seen.dedup();
        assert_eq!(seen, ["beauty.0001.exr"]);
    }

    #[test]
    fn the_watcher_reports_new_exr_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let watcher = FolderWatcher::new(&[dir.path().to_path_buf()]).unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
        std::fs::write(dir.path().join("beauty.0001.exr"), b"x").unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while Instant::now() < deadline && seen.is_empty() {
            seen = watcher.changed(Duration::from_millis(200));
        }
        let names: Vec<String> = seen
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["beauty.0001.exr"]);
    }
}
