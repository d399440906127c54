//! The viewer's cache of decoded frames, so that stepping through a shot does not decode every
//! frame again.
//!
//! Stepping onto a frame costs its decode: about half a second for the shown channels of a 4K
//! render on two cores (and seconds for the rest and the statistics), against the quarter of a
//! second a user tolerates while scrubbing. The loader keeps every frame it has decoded and
//! analysed here, so stepping back to a frame, or between two frames to compare them, shows it
//! at once with its findings.
//!
//! An entry is **complete** (the whole file and its full analysis) or holds only the channels
//! the views draw with the name-based detection (decoded ahead of the user); a partial entry
//! never replaces a complete one of the same version of the file.
//!
//! Memory is bounded by a budget in bytes of decoded samples. When an entry does not fit, the
//! least recently used entries go first, except the ones the caller asks to keep (the frame
//! shown): an entry that cannot fit without them is refused.
//!
//! An entry remembers the file's size and modification time when it was read; a file that
//! changed since (a re-render, a frame that was still being written) is a miss and the entry
//! goes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use exrprobe_core::Analysis;
use exrprobe_core::model::Image;

/// What identifies one version of a file on disk: its size and modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStamp {
    pub len_bytes: u64,
    pub modified: Option<SystemTime>,
}

impl FileStamp {
    /// The stamp of the file at `path` now; `None` when it cannot be read (then nothing is
    /// cached for it).
    pub fn of(path: &Path) -> Option<Self> {
        let metadata = std::fs::metadata(path).ok()?;
        Some(Self {
            len_bytes: metadata.len(),
            modified: metadata.modified().ok(),
        })
    }
}

/// A decoded frame as the cache hands it out.
#[derive(Clone)]
pub struct CachedFrame {
    pub image: Arc<Image>,
    /// The full analysis when `complete`, else the name-based detection only.
    pub analysis: Arc<Analysis>,
    /// The whole file decoded and analysed; else only the shown channels (an ahead entry).
    pub complete: bool,
}

struct Entry {
    frame: CachedFrame,
    stamp: FileStamp,
    bytes: u64,
    /// When the entry was last inserted or handed out, on the cache's own clock.
    last_used: u64,
}

/// Decoded frames by path, within a budget of bytes.
pub struct FrameCache {
    budget_bytes: u64,
    used_bytes: u64,
    entries: HashMap<PathBuf, Entry>,
    clock: u64,
}

impl FrameCache {
    pub fn new(budget_bytes: u64) -> Self {
        Self {
            budget_bytes,
            used_bytes: 0,
            entries: HashMap::new(),
            clock: 0,
        }
    }

    pub fn budget_bytes(&self) -> u64 {
        self.budget_bytes
    }

    /// Bytes of decoded samples held by the entries.
    pub fn used_bytes(&self) -> u64 {
        self.used_bytes
    }

    /// The frame at `path` if it is cached for the file's current `stamp`; an entry for an
    /// older version of the file is dropped.
    pub fn get(&mut self, path: &Path, stamp: &FileStamp) -> Option<CachedFrame> {
        let entry = self.entries.get(path)?;
        if entry.stamp != *stamp {
            self.remove(path);
            return None;
        }
        self.clock += 1;
        let clock = self.clock;
        let entry = self.entries.get_mut(path)?;
        entry.last_used = clock;
        Some(entry.frame.clone())
    }

    /// Caches `frame` for `path` as read at `stamp`, making room by dropping least recently
    /// used entries other than those of `keep`. An ahead entry never replaces a complete one of
    /// the same version. Returns whether the frame is cached: `false` when it cannot fit in the
    /// budget without dropping an entry of `keep` (an entry of the same version stays then).
    pub fn insert(
        &mut self,
        path: PathBuf,
        stamp: FileStamp,
        frame: CachedFrame,
        keep: &[PathBuf],
    ) -> bool {
        if let Some(old) = self.entries.get(&path)
            && old.stamp == stamp
            && old.frame.complete
            && !frame.complete
        {
            return true;
        }
        let old = self.entries.remove(&path);
        if let Some(old) = &old {
            self.used_bytes -= old.bytes;
        }
        let bytes = held_bytes(&frame.image);
        if !self.make_room(bytes, keep) {
            // An ahead entry of the frame is better than none.
            if let Some(old) = old.filter(|old| old.stamp == stamp) {
                self.used_bytes += old.bytes;
                self.entries.insert(path, old);
            }
            return false;
        }
        self.clock += 1;
        self.used_bytes += bytes;
        self.entries.insert(
            path,
            Entry {
                frame,
                stamp,
                bytes,
                last_used: self.clock,
            },
        );
        true
    }

    /// Sets the budget, dropping least recently used entries other than those of `keep` until
    /// the others fit in it.
    pub fn set_budget(&mut self, budget_bytes: u64, keep: &[PathBuf]) {
        self.budget_bytes = budget_bytes;
        let mut candidates: Vec<(u64, PathBuf)> = self
            .entries
            .iter()
            .filter(|(path, _)| !keep.contains(path))
            .map(|(path, e)| (e.last_used, path.clone()))
            .collect();
        candidates.sort_unstable_by_key(|(last_used, _)| *last_used);
        for (_, path) in candidates {
            if self.used_bytes <= self.budget_bytes {
                break;
            }
            self.remove(&path);
        }
    }

    /// Whether `bytes` more would fit without dropping an entry of `keep` (the prefetcher asks
    /// before decoding a frame it could not keep).
    pub fn can_fit(&self, bytes: u64, keep: &[PathBuf]) -> bool {
        let kept: u64 = keep
            .iter()
            .filter_map(|path| self.entries.get(path))
            .map(|entry| entry.bytes)
            .sum();
        kept.saturating_add(bytes) <= self.budget_bytes
    }

    /// Drops the entry of `path`, if any.
    pub fn remove(&mut self, path: &Path) {
        if let Some(entry) = self.entries.remove(path) {
            self.used_bytes -= entry.bytes;
        }
    }

    /// Drops least recently used entries not in `keep` until `bytes` more fit in the budget.
    /// Returns whether they fit (nothing is dropped when they cannot).
    fn make_room(&mut self, bytes: u64, keep: &[PathBuf]) -> bool {
        if bytes > self.budget_bytes {
            return false;
        }
        let mut candidates: Vec<(u64, PathBuf, u64)> = self
            .entries
            .iter()
            .filter(|(path, _)| !keep.contains(path))
            .map(|(path, e)| (e.last_used, path.clone(), e.bytes))
            .collect();
        let needed = (self.used_bytes + bytes).saturating_sub(self.budget_bytes);
        let freeable: u64 = candidates.iter().map(|(_, _, b)| b).sum();
        if freeable < needed {
            return false;
        }
        candidates.sort_unstable_by_key(|(last_used, _, _)| *last_used);
        let mut freed = 0;
        for (_, path, entry_bytes) in candidates {
            if freed >= needed {
                break;
            }
            self.remove(&path);
            freed += entry_bytes;
        }
        true
    }
}

/// Bytes of the decoded samples `image` holds (an ahead entry lacks most channels).
pub fn held_bytes(image: &Image) -> u64 {
    image
        .channels()
        .filter(|(_, _, channel)| channel.samples.is_some())
        .map(|(_, _, channel)| channel.decoded_byte_size() as u64)
        .sum()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::gui::test_support::image;

    /// A frame whose image holds one float channel of `pixels` samples (4 bytes each).
    fn frame(pixels: usize, complete: bool) -> CachedFrame {
        let image = image(&["Z"], pixels, 1);
        let analysis = Analysis::detection_only(&image);
        CachedFrame {
            image,
            analysis: Arc::new(analysis),
            complete,
        }
    }

    fn stamp(len_bytes: u64) -> FileStamp {
        FileStamp {
            len_bytes,
            modified: None,
        }
    }

    fn p(name: &str) -> PathBuf {
        PathBuf::from(name)
    }

    /// Whether `cache` holds `name` as read at stamp `len_bytes` (without using it).
    fn held(cache: &FrameCache, name: &str, len_bytes: u64) -> bool {
        cache
            .entries
            .get(&p(name))
            .is_some_and(|e| e.stamp == stamp(len_bytes))
    }

    #[test]
    fn counts_decoded_bytes_and_hands_out_what_it_holds() {
        let mut cache = FrameCache::new(1000);
        assert!(cache.insert(p("a"), stamp(1), frame(100, true), &[]));
        assert_eq!(cache.used_bytes(), 400);
        let got = cache.get(&p("a"), &stamp(1)).expect("cached");
        assert!(got.complete);
        assert_eq!(got.image.decoded_byte_size(), 400);
        assert!(cache.get(&p("b"), &stamp(1)).is_none());
    }

    #[test]
    fn a_changed_file_is_a_miss_and_its_entry_goes() {
        let mut cache = FrameCache::new(1000);
        assert!(cache.insert(p("a"), stamp(1), frame(100, true), &[]));
        assert!(!held(&cache, "a", 2));
        assert!(cache.get(&p("a"), &stamp(2)).is_none());
        assert!(cache.entries.is_empty());
        assert_eq!(cache.used_bytes(), 0);
    }

    #[test]
    fn the_least_recently_used_entry_goes_first() {
        let mut cache = FrameCache::new(1000);
        for name in ["a", "b"] {
            assert!(cache.insert(p(name), stamp(1), frame(100, true), &[]));
        }
        // `a` used after `b` was inserted: `b` is now the oldest.
        assert!(cache.get(&p("a"), &stamp(1)).is_some());
        assert!(cache.insert(p("c"), stamp(1), frame(100, true), &[]));
        assert!(held(&cache, "a", 1));
        assert!(!held(&cache, "b", 1));
        assert!(held(&cache, "c", 1));
        assert_eq!(cache.used_bytes(), 800);
        assert!(cache.used_bytes() <= cache.budget_bytes());
    }

    #[test]
    fn entries_to_keep_are_never_dropped_and_a_frame_that_needs_them_is_refused() {
        let mut cache = FrameCache::new(1000);
        assert!(cache.insert(p("shown"), stamp(1), frame(100, true), &[]));
        assert!(cache.insert(p("ahead1"), stamp(1), frame(100, false), &[]));
        let keep = [p("shown"), p("ahead1"), p("ahead2")];
        assert!(!cache.insert(p("ahead2"), stamp(1), frame(100, false), &keep));
        assert!(held(&cache, "shown", 1));
        assert!(held(&cache, "ahead1", 1));
        assert!(!held(&cache, "ahead2", 1));
        assert_eq!(cache.used_bytes(), 800);
        // Without `shown` to keep (the user moved on), it makes room.
        assert!(cache.insert(p("ahead2"), stamp(1), frame(100, false), &keep[1..]));
        assert!(!held(&cache, "shown", 1));
    }

    #[test]
    fn only_decoded_channels_count_and_can_fit_ignores_what_may_go() {
        let mut cache = FrameCache::new(1000);
        let mut partial = frame(100, false);
        let mut image = (*partial.image).clone();
        let mut left_out = image.parts[0].channels[0].clone();
        left_out.name = "N.X".to_owned();
        left_out.samples = None;
        image.parts[0].channels.push(left_out);
        assert_eq!(image.decoded_byte_size(), 800);
        partial.image = Arc::new(image);
        assert!(cache.insert(p("a"), stamp(1), partial, &[]));
        assert_eq!(cache.used_bytes(), 400);
        assert!(cache.can_fit(600, &[p("a")]));
        assert!(!cache.can_fit(601, &[p("a")]));
        assert!(cache.can_fit(1000, &[p("b")]));
    }

    #[test]
    fn a_complete_frame_that_does_not_fit_leaves_the_ahead_entry() {
        let mut cache = FrameCache::new(1000);
        assert!(cache.insert(p("a"), stamp(1), frame(50, false), &[]));
        assert!(cache.insert(p("next"), stamp(1), frame(150, false), &[]));
        assert!(!cache.insert(p("a"), stamp(1), frame(200, true), &[p("next")]));
        assert!(!cache.get(&p("a"), &stamp(1)).expect("kept").complete);
        assert_eq!(cache.used_bytes(), 800);
        // A newer version of the file: the old entry goes either way.
        assert!(!cache.insert(p("a"), stamp(2), frame(200, true), &[p("next")]));
        assert!(!held(&cache, "a", 1));
        assert_eq!(cache.used_bytes(), 600);
    }

    #[test]
    fn a_smaller_budget_drops_the_oldest_entries_but_not_those_to_keep() {
        let mut cache = FrameCache::new(1000);
        for name in ["shown", "a", "b"] {
            assert!(cache.insert(p(name), stamp(1), frame(50, true), &[]));
        }
        cache.set_budget(450, &[p("shown")]);
        assert!(held(&cache, "shown", 1), "the oldest, but kept");
        assert!(!held(&cache, "a", 1));
        assert!(held(&cache, "b", 1));
        assert_eq!(cache.used_bytes(), 400);
        cache.set_budget(0, &[p("shown")]);
        assert!(held(&cache, "shown", 1));
        assert_eq!(cache.used_bytes(), 200);
        cache.set_budget(0, &[]);
        assert_eq!(cache.used_bytes(), 0);
        assert!(!cache.insert(p("a"), stamp(1), frame(1, true), &[]), "off");
    }

    #[test]
    fn a_frame_larger_than_the_budget_is_refused_and_nothing_goes() {
        let mut cache = FrameCache::new(1000);
        assert!(cache.insert(p("a"), stamp(1), frame(100, true), &[]));
        assert!(!cache.insert(p("huge"), stamp(1), frame(300, true), &[]));
        assert!(held(&cache, "a", 1));
        assert_eq!(cache.used_bytes(), 400);
        let mut off = FrameCache::new(0);
        assert!(!off.insert(p("a"), stamp(1), frame(1, true), &[]));
        assert!(off.entries.is_empty());
    }

    #[test]
    fn an_ahead_entry_never_replaces_the_complete_one_but_a_complete_one_replaces_it() {
        let mut cache = FrameCache::new(10_000);
        assert!(cache.insert(p("a"), stamp(1), frame(200, true), &[]));
        assert!(cache.insert(p("a"), stamp(1), frame(10, false), &[]));
        let got = cache.get(&p("a"), &stamp(1)).expect("cached");
        assert!(got.complete);
        assert_eq!(cache.used_bytes(), 800);
        // A newer version of the file replaces even a complete entry.
        assert!(cache.insert(p("a"), stamp(2), frame(10, false), &[]));
        assert!(!cache.get(&p("a"), &stamp(2)).expect("cached").complete);
        assert_eq!(cache.used_bytes(), 40);
        assert!(cache.insert(p("a"), stamp(2), frame(200, true), &[]));
        assert!(cache.get(&p("a"), &stamp(2)).expect("cached").complete);
        assert_eq!(cache.used_bytes(), 800);
        assert_eq!(cache.entries.len(), 1);
    }

    #[test]
    fn the_stamp_of_a_file_follows_its_size() {
        let dir = std::env::temp_dir().join(format!("exrprobe-stamp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("frame.exr");
        std::fs::write(&path, b"1234").expect("write");
        let first = FileStamp::of(&path).expect("stamp");
        assert_eq!(first.len_bytes, 4);
        std::fs::write(&path, b"123456").expect("write");
        assert_ne!(FileStamp::of(&path), Some(first));
        assert_eq!(FileStamp::of(&dir.join("missing.exr")), None);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
