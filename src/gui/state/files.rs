//! The file list: what opening files and folders puts in it (the core groups them into
//! sequences), how it is shown (a header per sequence, one row per frame, rows for missing
//! frames), and what the background scan found for each file.

use std::path::{Path, PathBuf};

use exrprobe_core::check::{DepthSummary, FileCheck};
use exrprobe_core::sequence::{
    Found, FrameStatus, Group, Sequence, find_exr_files, group_frames, sequence_of,
};
use exrprobe_core::text::plural;

use super::{Effect, Source, ViewerState};

/// What the scan found for one file: enough for a row of the list and a column of a timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct FileSummary {
    pub status: FrameStatus,
    /// The top finding's title, or why the file cannot be read.
    pub headline: Option<String>,
    pub depth: Option<DepthSummary>,
}

impl FileSummary {
    pub fn of(check: &FileCheck) -> Self {
        Self {
            status: check.status,
            headline: check.headline().map(str::to_owned),
            depth: check.depth,
        }
    }
}

/// One row of the file list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListRow {
    /// File `index` of the list (its frame number in a sequence).
    File { index: usize, frame: Option<u64> },
    /// Frame numbers `first..=last` of a sequence have no file.
    Missing { first: u64, last: u64 },
}

/// A sequence, or the files that stand alone in one folder.
#[derive(Clone, Debug, PartialEq)]
pub struct ListGroup {
    /// `shot010/beauty.####.exr`, or the folder's name for files that stand alone.
    pub label: String,
    /// First and last frame, files found, frames missing (sequences only).
    pub span: Option<(u64, u64)>,
    pub missing: u64,
    pub rows: Vec<ListRow>,
}

impl ListGroup {
    /// The files of the group, as indices into the list.
    pub fn file_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.rows.iter().filter_map(|row| match row {
            ListRow::File { index, .. } => Some(*index),
            ListRow::Missing { .. } => None,
        })
    }

    /// "shot010/beauty.####.exr · 101–112 · 11 frames · 2 FAIL · 1 missing", with the statuses
    /// the scan found so far.
    pub fn header(&self, scan: &[Option<FileSummary>]) -> String {
        format!("{} · {}", self.label, self.counts(scan))
    }

    /// "101–112 · 11 frames · 2 FAIL · 1 missing": the header without the label.
    pub fn counts(&self, scan: &[Option<FileSummary>]) -> String {
        let mut parts = Vec::new();
        let files = self.file_indices().count() as u64;
        if let Some((first, last)) = self.span {
            parts.push(format!("{first}–{last}"));
            parts.push(plural(files, "frame"));
        } else {
            parts.push(plural(files, "file"));
        }
        for (status, word) in [
            (FrameStatus::Fail, "FAIL"),
            (FrameStatus::Unreadable, "unreadable"),
            (FrameStatus::Warn, "WARN"),
            (FrameStatus::BeingWritten, "being written"),
        ] {
            let count = self
                .file_indices()
                .filter(|&i| scan.get(i).and_then(Option::as_ref).map(|s| s.status) == Some(status))
                .count();
            if count > 0 {
                parts.push(format!("{count} {word}"));
            }
        }
        if self.missing > 0 {
            parts.push(format!("{} missing", self.missing));
        }
        parts.join(" · ")
    }
}

impl ListGroup {
    /// Whether file `index` is in this group.
    pub fn contains(&self, index: usize) -> bool {
        self.file_indices().any(|i| i == index)
    }

    /// The timeline's columns: one per frame number from the first to the last (a run of more
    /// than [`MAX_MISSING_COLUMNS`] missing frames is one column), with the file of each.
    pub fn columns(&self) -> Vec<(u64, Option<usize>)> {
        let mut columns = Vec::with_capacity(self.rows.len());
        for row in &self.rows {
            match *row {
                ListRow::File { index, frame } => columns.push((frame.unwrap_or(0), Some(index))),
                ListRow::Missing { first, last } if last - first < MAX_MISSING_COLUMNS => {
                    columns.extend((first..=last).map(|n| (n, None)));
                }
                ListRow::Missing { first, .. } => columns.push((first, None)),
            }
        }
        columns
    }
}

/// A longer run of missing frames is one column of the timeline.
pub const MAX_MISSING_COLUMNS: u64 = 1000;

/// What opening `paths` makes of the list: the files in display order, their groups, the files
/// to start on, and what could not be opened.
#[derive(Debug, Default)]
pub struct Opened {
    pub files: Vec<PathBuf>,
    pub groups: Vec<ListGroup>,
    pub current: usize,
    pub failures: Vec<String>,
    /// The folders the list came from (watched for new and changed frames).
    pub roots: Vec<PathBuf>,
}

/// Opens files and folders: folders recursively (their sequences in frame order, sub-folders
/// grouped by folder); a single frame of a sequence opens the whole sequence at that frame, as
/// DJV and RV do.
pub fn open_paths(paths: &[PathBuf]) -> Opened {
    if let [single] = paths
        && single.is_file()
    {
        return match sequence_of(single) {
            Some((sequence, index)) => Opened {
                files: sequence.frames.iter().map(|f| f.path.clone()).collect(),
                groups: vec![sequence_group(&sequence, 0)],
                current: index,
                failures: Vec::new(),
                roots: vec![sequence.folder.clone()],
            },
            None => from_groups(vec![Group::Single(single.clone())], Vec::new()),
        };
    }
    // Files given directly stay in the order given (several files form a sequence to step
    // through even when their names do not say so); folders are expanded and grouped.
    let mut direct = Vec::new();
    let mut found_files = Vec::new();
    let mut failures = Vec::new();
    let mut roots = Vec::new();
    for path in paths.iter().filter(|p| !p.as_os_str().is_empty()) {
        if path.is_dir() {
            roots.push(path.clone());
            for found in find_exr_files(std::slice::from_ref(path)) {
                match found {
                    Found::File(file) => found_files.push(file),
                    Found::Failed(_, message) => failures.push(message),
                }
            }
        } else {
            direct.push(path.clone());
        }
    }
    let mut groups: Vec<Group> = direct.into_iter().map(Group::Single).collect();
    groups.extend(group_frames(&found_files));
    Opened {
        roots,
        ..from_groups(groups, failures)
    }
}

/// The list of `paths` grouped again (after files appeared in or vanished from a watched folder).
pub fn regroup(paths: &[PathBuf]) -> Opened {
    from_groups(group_frames(paths), Vec::new())
}

fn from_groups(groups: Vec<Group>, failures: Vec<String>) -> Opened {
    let mut opened = Opened {
        failures,
        ..Opened::default()
    };
    let mut singles: Vec<PathBuf> = Vec::new();
    let flush_singles = |opened: &mut Opened, singles: &mut Vec<PathBuf>| {
        if singles.is_empty() {
            return;
        }
        let start = opened.files.len();
        let label = singles
            .first()
            .and_then(|p| p.parent())
            .and_then(|p| p.file_name())
            .map_or_else(|| "Files".to_owned(), |n| n.to_string_lossy().into_owned());
        opened.groups.push(ListGroup {
            label,
            span: None,
            missing: 0,
            rows: (start..start + singles.len())
                .map(|index| ListRow::File { index, frame: None })
                .collect(),
        });
        opened.files.append(singles);
    };
    for group in groups {
        match group {
            Group::Single(path) => {
                // Files that stand alone are listed together while they share a folder.
                if singles
                    .last()
                    .is_some_and(|last| last.parent() != path.parent())
                {
                    flush_singles(&mut opened, &mut singles);
                }
                singles.push(path);
            }
            Group::Sequence(sequence) => {
                flush_singles(&mut opened, &mut singles);
                let start = opened.files.len();
                opened.groups.push(sequence_group(&sequence, start));
                opened
                    .files
                    .extend(sequence.frames.iter().map(|f| f.path.clone()));
            }
        }
    }
    flush_singles(&mut opened, &mut singles);
    opened
}

/// The rows of a sequence whose first file is file `start` of the list: one per frame, one per
/// run of missing frames.
fn sequence_group(sequence: &Sequence, start: usize) -> ListGroup {
    let mut rows = Vec::with_capacity(sequence.frames.len());
    let mut previous: Option<u64> = None;
    for (offset, frame) in sequence.frames.iter().enumerate() {
        if let Some(previous) = previous
            && frame.number > previous + 1
        {
            rows.push(ListRow::Missing {
                first: previous + 1,
                last: frame.number - 1,
            });
        }
        rows.push(ListRow::File {
            index: start + offset,
            frame: Some(frame.number),
        });
        previous = Some(frame.number);
    }
    ListGroup {
        label: sequence.label(),
        span: sequence.first().zip(sequence.last()),
        missing: sequence.missing_count(),
        rows,
    }
}

/// "frame 6 missing", "frames 105–108 missing".
pub fn missing_text(first: u64, last: u64) -> String {
    if first == last {
        format!("frame {first} missing")
    } else {
        format!("frames {first}–{last} missing")
    }
}

// ---------------------------------------------------------------------------------------------
// The state's file list: opening, scanning, watching

impl ViewerState {
    /// Opens files and folders (see [`open_paths`]) and starts scanning a list of several.
    pub(super) fn open(&mut self, paths: &[PathBuf], effects: &mut Vec<Effect>) {
        let opened = open_paths(paths);
        for failure in &opened.failures {
            self.error(format!("Cannot open a folder: {failure}"));
        }
        if opened.files.is_empty() {
            return;
        }
        let sources: Vec<Source> = opened.files.iter().cloned().map(Source::File).collect();
        self.set_files(sources, opened.groups);
        self.roots = opened.roots;
        self.select_file(opened.current, effects);
        if opened.files.len() > 1 {
            effects.push(Effect::Scan {
                generation: self.scan_generation,
                paths: opened.files,
            });
        }
        effects.push(self.watch_effect());
    }

    /// Start or stop watching the list's folders, as the state says.
    pub(super) fn watch_effect(&self) -> Effect {
        Effect::Watch {
            generation: self.scan_generation,
            roots: self.is_watching().then(|| self.roots.clone()),
        }
    }

    /// Watched folders changed (list `generation`): files that appeared join the list as
    /// being written, settled files are checked (again), and the file shown is reloaded when it
    /// settled; vanished files leave the list (except the file shown).
    pub fn folder_changed(
        &mut self,
        generation: u64,
        appeared: &[PathBuf],
        settled: &[PathBuf],
        removed: &[PathBuf],
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        if generation != self.scan_generation {
            return effects;
        }
        let current_path = self
            .current
            .and_then(|i| self.files.get(i))
            .and_then(|s| s.path().cloned());
        let mut paths: Vec<PathBuf> = self
            .files
            .iter()
            .filter_map(|s| s.path().cloned())
            .collect();
        let before = paths.len();
        paths.retain(|p| !removed.contains(p) || Some(p) == current_path.as_ref());
        let mut changed = paths.len() != before;
        for path in appeared.iter().chain(settled) {
            if !paths.contains(path) {
                paths.push(path.clone());
                changed = true;
            }
        }
        if changed {
            let mut old: std::collections::HashMap<PathBuf, FileSummary> =
                std::collections::HashMap::new();
            for (source, summary) in self.files.iter().zip(&self.scan) {
                if let (Some(path), Some(summary)) = (source.path(), summary) {
                    old.insert(path.clone(), summary.clone());
                }
            }
            let opened = regroup(&paths);
            self.replace_files(opened.files.iter().cloned().map(Source::File).collect());
            self.groups = opened.groups;
            self.scan = opened.files.iter().map(|p| old.remove(p)).collect();
            self.current = current_path
                .as_ref()
                .and_then(|c| opened.files.iter().position(|p| p == c));
        }
        let being_written = FileSummary {
            status: exrprobe_core::sequence::FrameStatus::BeingWritten,
            headline: Some("being written".to_owned()),
            depth: None,
        };
        for path in appeared.iter().filter(|p| !settled.contains(p)) {
            if let Some(slot) = self.index_of(path).and_then(|i| self.scan.get_mut(i)) {
                *slot = Some(being_written.clone());
            }
        }
        if !settled.is_empty() {
            effects.push(Effect::Scan {
                generation: self.scan_generation,
                paths: settled.to_vec(),
            });
        }
        if let (Some(current), Some(path)) = (self.current, current_path)
            && settled.contains(&path)
            && let Some(source) = self.files.get(current).cloned()
        {
            effects.push(Effect::Load(source));
        }
        effects
    }

    fn index_of(&self, path: &Path) -> Option<usize> {
        self.file_index.get(path).copied()
    }

    /// Sets the file list and its index by path (the first of equal paths wins, as a search
    /// from the top would).
    fn replace_files(&mut self, files: Vec<Source>) {
        self.file_index.clear();
        for (index, source) in files.iter().enumerate() {
            if let Some(path) = source.path() {
                self.file_index.entry(path.clone()).or_insert(index);
            }
        }
        self.files = files;
    }

    /// A new file list: no scan results yet, results of an older scan dropped.
    pub(super) fn set_files(&mut self, files: Vec<Source>, groups: Vec<ListGroup>) {
        self.scan = vec![None; files.len()];
        self.scan_generation += 1;
        self.replace_files(files);
        self.groups = groups;
    }

    /// Opens `paths` as [`Command::Open`] does, except that when the file to start on is
    /// `loading` (the command line's first file, decoded while the window opened) it is not
    /// loaded again.
    pub fn open_adopting(&mut self, paths: &[PathBuf], loading: Option<&Source>) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.open(paths, &mut effects);
        let current = self.current.and_then(|i| self.files.get(i));
        if loading.is_some() && current == loading {
            effects.retain(|e| !matches!(e, Effect::Load(_)));
        }
        effects
    }

    /// The background scan of list `generation` checked the file at `path`.
    pub fn file_scanned(&mut self, generation: u64, path: &Path, summary: FileSummary) {
        if generation == self.scan_generation
            && let Some(slot) = self.index_of(path).and_then(|i| self.scan.get_mut(i))
        {
            *slot = Some(summary);
        }
    }
}
