//! Frame sequences: render files grouped by name, and what is wrong with a shot as a whole.
//!
//! A frame's number is the last run of digits in its file name before the extension
//! (`beauty.0101.exr`, `shot020_0001.exr`, `v002_beauty.1001.exr` → 1001, `render12.exr`); what
//! comes before is the prefix, what comes after the suffix. Files in one folder with the same
//! prefix and suffix form a sequence, whatever the padding of their numbers (renderers write
//! `render9.exr` next to `render10.exr`), sorted by number, never by string. A file alone with its
//! prefix, or without digits, stands alone.
//!
//! Shot-level finding codes (stable, like the per-file ones in `diagnose`):
//!
//! | code | severity | when |
//! |---|---|---|
//! | `sequence_gap` | warning | frame numbers between the first and the last have no file |
//! | `sequence_unreadable` | error | frames that cannot be read (damaged, cut off) |
//! | `sequence_depth_constant` | error | frames whose depth holds one value everywhere (the trap) |
//! | `sequence_mismatch` | warning | frames whose data window, channels, types or compression differ from most frames |
//! | `sequence_being_written` | info | frames still being written (changed a moment ago) |

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::diagnose::{Finding, Severity};
use crate::model::{SampleType, Window};
use crate::text::{format_count, format_window, plural};

/// Frame numbers with more digits than this are not frame numbers (dates, hashes); the file
/// stands alone.
const MAX_FRAME_DIGITS: usize = 12;

/// Missing frames listed one by one at most; beyond, only their ranges and count are useful.
pub const MAX_LISTED_MISSING: usize = 10_000;

/// A file name split around its frame number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameName<'a> {
    /// Everything before the digits: `beauty.`.
    pub prefix: &'a str,
    pub number: u64,
    /// How many digits were written (`0101` → 4).
    pub digits: usize,
    /// Everything after the digits, extension included: `.exr`.
    pub suffix: &'a str,
}

/// Splits `file_name` at the last run of digits before its extension; `None` when the stem has
/// no digits (or too many to be a frame number).
pub fn parse_frame_name(file_name: &str) -> Option<FrameName<'_>> {
    let stem_end = file_name
        .rfind('.')
        .filter(|&i| i > 0)
        .unwrap_or(file_name.len());
    let stem = file_name.get(..stem_end)?;
    let end = stem.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = stem
        .get(..end)?
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let digits = end - start;
    if digits > MAX_FRAME_DIGITS {
        return None;
    }
    Some(FrameName {
        prefix: file_name.get(..start)?,
        number: file_name.get(start..end)?.parse().ok()?,
        digits,
        suffix: file_name.get(end..)?,
    })
}

/// One file of a sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub number: u64,
    pub path: PathBuf,
}

/// Files that form a sequence, sorted by frame number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sequence {
    pub folder: PathBuf,
    pub prefix: String,
    pub suffix: String,
    /// Digits of every frame number when they all have as many, else `None` (unpadded).
    pub padding: Option<usize>,
    pub frames: Vec<Frame>,
}

impl Sequence {
    /// The file name pattern with one `#` per padded digit: `beauty.####.exr`; unpadded numbers
    /// are one `#`: `render#.exr`.
    pub fn pattern(&self) -> String {
        let hashes = "#".repeat(self.padding.unwrap_or(1));
        format!("{}{hashes}{}", self.prefix, self.suffix)
    }

    /// The pattern with its folder's name, as reports show it: `shot010/beauty.####.exr`.
    pub fn label(&self) -> String {
        match self.folder.file_name() {
            Some(folder) => format!("{}/{}", folder.to_string_lossy(), self.pattern()),
            None => self.pattern(),
        }
    }

    pub fn first(&self) -> Option<u64> {
        self.frames.first().map(|f| f.number)
    }

    pub fn last(&self) -> Option<u64> {
        self.frames.last().map(|f| f.number)
    }

    /// Runs of frame numbers between the first and the last that have no file.
    pub fn missing_ranges(&self) -> Vec<(u64, u64)> {
        self.frames
            .windows(2)
            .filter_map(|pair| match pair {
                [a, b] if b.number > a.number + 1 => Some((a.number + 1, b.number - 1)),
                _ => None,
            })
            .collect()
    }

    /// How many frame numbers between the first and the last have no file.
    pub fn missing_count(&self) -> u64 {
        self.missing_ranges().iter().map(|(a, b)| b - a + 1).sum()
    }

    /// The missing frame numbers, at most [`MAX_LISTED_MISSING`] of them.
    pub fn missing(&self) -> Vec<u64> {
        self.missing_ranges()
            .into_iter()
            .flat_map(|(a, b)| a..=b)
            .take(MAX_LISTED_MISSING)
            .collect()
    }
}

/// What a path given to open or check stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// A file to read (a `*.exr` in a folder, or any path given directly).
    File(PathBuf),
    /// A path that cannot be used, with the reason (ends with the path).
    Failed(PathBuf, String),
}

impl Found {
    pub fn path(&self) -> &Path {
        match self {
            Found::File(p) | Found::Failed(p, _) => p,
        }
    }
}

/// Whether `path` ends in `.exr`, in any case.
pub fn is_exr(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("exr"))
}

/// Expands files and folders: folders recursively, every `*.exr` in any case (links to files
/// are followed, links to folders are not, so cycles cannot happen; anything else named
/// `*.exr`, a pipe say, is listed so that reading it can refuse it with a reason); files given
/// directly are kept whatever their name. Sorted by path, duplicates removed. A folder without
/// any `.exr` file, or one that cannot be listed, is a `Failed` entry.
pub fn find_exr_files(paths: &[PathBuf]) -> Vec<Found> {
    let mut found = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(err) => found.push(Found::Failed(
                path.clone(),
                format!("cannot read ({err}): {}", path.display()),
            )),
            Ok(meta) if meta.is_dir() => {
                let before = found.len();
                walk_folder(path, &mut found);
                if found.len() == before {
                    found.push(Found::Failed(
                        path.clone(),
                        format!("no .exr files in this folder: {}", path.display()),
                    ));
                }
            }
            Ok(_) => found.push(Found::File(path.clone())),
        }
    }
    found.sort_by(|a, b| a.path().cmp(b.path()));
    found.dedup_by(|a, b| a.path() == b.path());
    found
}

fn walk_folder(folder: &Path, found: &mut Vec<Found>) {
    let cannot_list = |err: std::io::Error| {
        Found::Failed(
            folder.to_path_buf(),
            format!("cannot list folder ({err}): {}", folder.display()),
        )
    };
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(err) => {
            found.push(cannot_list(err));
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                found.push(cannot_list(err));
                continue;
            }
        };
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            walk_folder(&path, found);
        } else if is_exr(&path) {
            found.push(Found::File(path));
        }
    }
}

/// The sequence `file` belongs to among the `*.exr` files of its folder (not its sub-folders),
/// with `file`'s index in it; `None` when it stands alone. Opening one frame opens the shot.
pub fn sequence_of(file: &Path) -> Option<(Sequence, usize)> {
    let name = parse_frame_name(file.file_name()?.to_str()?)?;
    let folder = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let siblings: Vec<PathBuf> = std::fs::read_dir(folder)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            is_exr(path)
                && path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(parse_frame_name)
                    .is_some_and(|n| n.prefix == name.prefix && n.suffix == name.suffix)
        })
        .collect();
    let file_name = file.file_name()?;
    group_frames(&siblings)
        .into_iter()
        .find_map(|group| match group {
            Group::Sequence(sequence) => {
                let index = sequence
                    .frames
                    .iter()
                    .position(|f| f.path.file_name() == Some(file_name))?;
                Some((sequence, index))
            }
            Group::Single(_) => None,
        })
}

/// A sequence or a file that stands alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Group {
    Sequence(Sequence),
    Single(PathBuf),
}

impl Group {
    /// Every file of the group, in frame order.
    pub fn paths(&self) -> Vec<&Path> {
        match self {
            Group::Sequence(sequence) => sequence.frames.iter().map(|f| f.path.as_path()).collect(),
            Group::Single(path) => vec![path.as_path()],
        }
    }
}

/// Groups files into sequences (two or more files with one folder, prefix and suffix) and files
/// that stand alone; by folder, then by name; frames by number.
pub fn group_frames(paths: &[PathBuf]) -> Vec<Group> {
    type Key = (PathBuf, String, String);
    let mut sequences: BTreeMap<Key, Vec<(u64, usize, PathBuf)>> = BTreeMap::new();
    let mut singles: Vec<PathBuf> = Vec::new();
    for path in paths {
        let parsed = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(parse_frame_name);
        match parsed {
            Some(name) => {
                let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
                let key = (folder, name.prefix.to_owned(), name.suffix.to_owned());
                sequences
                    .entry(key)
                    .or_default()
                    .push((name.number, name.digits, path.clone()));
            }
            None => singles.push(path.clone()),
        }
    }
    let mut groups: Vec<(PathBuf, String, Group)> = Vec::new();
    for ((folder, prefix, suffix), mut frames) in sequences {
        frames.sort();
        frames.dedup_by(|a, b| a.2 == b.2);
        if let [(_, _, path)] = frames.as_slice() {
            singles.push(path.clone());
            continue;
        }
        let digits = frames.first().map(|f| f.1);
        let padding = digits.filter(|&d| frames.iter().all(|f| f.1 == d));
        let sort_name = prefix.clone();
        groups.push((
            folder.clone(),
            sort_name,
            Group::Sequence(Sequence {
                folder,
                prefix,
                suffix,
                padding,
                frames: frames
                    .into_iter()
                    .map(|(number, _, path)| Frame { number, path })
                    .collect(),
            }),
        ));
    }
    for path in singles {
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        groups.push((folder, name, Group::Single(path)));
    }
    groups.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    groups.into_iter().map(|(_, _, group)| group).collect()
}

/// `105–106, 109, 111`: frame numbers as runs.
pub fn format_frame_runs(numbers: &[u64]) -> String {
    let mut sorted = numbers.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for n in sorted {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => runs.push((n, n)),
        }
    }
    runs.iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Orders found inputs as `check` reports them (the CLI and the Python package alike): paths that already failed first, then every group (sequence
/// or single file) by folder and name, the frames of a sequence by number.
pub fn order_for_report(inputs: Vec<Found>) -> (Vec<Found>, Vec<Group>) {
    let mut ordered = Vec::with_capacity(inputs.len());
    let mut files = Vec::new();
    for input in inputs {
        match input {
            Found::File(path) => files.push(path),
            failed => ordered.push(failed),
        }
    }
    let groups = group_frames(&files);
    for group in &groups {
        ordered.extend(
            group
                .paths()
                .into_iter()
                .map(|p| Found::File(p.to_path_buf())),
        );
    }
    (ordered, groups)
}

// ---------------------------------------------------------------------------------------------
// Shot-level findings

/// How a frame turned out.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum FrameStatus {
    Ok,
    Warn,
    Fail,
    /// The file cannot be read (damaged, cut off, not an EXR).
    Unreadable,
    /// The file changed a moment ago and does not read yet: a renderer is still writing it.
    BeingWritten,
}

/// What frames must share: the data window, the channels with their types, the compression.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FrameSignature {
    pub data_window: Window,
    /// Full channel names with their sample types, in file order.
    pub channels: Vec<(String, SampleType)>,
    pub compression: String,
}

/// What a sequence check needs of one frame (serialisable: the Python package's Dask recipe
/// checks frames on workers and the shot where they are gathered).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FrameCheck {
    pub number: u64,
    pub status: FrameStatus,
    /// The depth channel holds one value everywhere.
    pub depth_constant: bool,
    /// `None` when the frame could not be read.
    pub signature: Option<FrameSignature>,
}

/// What is wrong with `sequence` as a shot, given the check of each of its frames (`frames`, by
/// number; frames without a check are ignored). Most severe first.
pub fn sequence_findings(sequence: &Sequence, frames: &[FrameCheck]) -> Vec<Finding> {
    let label = sequence.label();
    let span = match (sequence.first(), sequence.last()) {
        (Some(a), Some(b)) => format!("{a}–{b}"),
        _ => String::new(),
    };
    let mut findings = Vec::new();
    let numbers_where = |keep: &dyn Fn(&FrameCheck) -> bool| -> Vec<u64> {
        frames
            .iter()
            .filter(|f| keep(f))
            .map(|f| f.number)
            .collect()
    };
    let unreadable = numbers_where(&|f| f.status == FrameStatus::Unreadable);
    if !unreadable.is_empty() {
        findings.push(Finding {
            code: "sequence_unreadable",
            severity: Severity::Error,
            title: format!("{} of {label} cannot be read", frames_text(&unreadable)),
            explanation: "These files are damaged or cut off: a render job that died while \
                writing, a full disk, or an interrupted copy. Their pixels are lost."
                .to_owned(),
            fix: "Render these frames again (check the farm's log for the job that wrote them)."
                .to_owned(),
            channel: None,
        });
    }
    let constant = numbers_where(&|f| f.depth_constant);
    if !constant.is_empty() {
        findings.push(Finding {
            code: "sequence_depth_constant",
            severity: Severity::Error,
            title: format!(
                "{} of {label} {} constant depth",
                frames_text(&constant),
                if constant.len() == 1 { "has" } else { "have" }
            ),
            explanation: "The depth of these frames holds one value in every pixel. In Blender \
                this is the Compositing trap: with Compositing on and Depth not linked to the \
                Composite node, Z is written as 1.0 everywhere."
                .to_owned(),
            fix: "Render these frames again with Depth linked to the Composite node's Z input \
                (or with Compositing off, or through a File Output node)."
                .to_owned(),
            channel: None,
        });
    }
    let missing = sequence.missing_ranges();
    if !missing.is_empty() {
        let count = sequence.missing_count();
        let listed: Vec<u64> = sequence.missing();
        findings.push(Finding {
            code: "sequence_gap",
            severity: Severity::Warning,
            title: format!(
                "{} {} missing from {label} ({span})",
                if count == 1 { "frame" } else { "frames" },
                format_frame_runs(&listed),
            ),
            explanation: format!(
                "{} between the first and the last frame {} no file. The render was \
                 interrupted, skipped them, or they were written elsewhere.",
                plural(count, "frame number"),
                if count == 1 { "has" } else { "have" }
            ),
            fix: "Render the missing frames, or check the output path of the job that should \
                have written them."
                .to_owned(),
            channel: None,
        });
    }
    findings.extend(mismatch_finding(&label, frames));
    let writing = numbers_where(&|f| f.status == FrameStatus::BeingWritten);
    if !writing.is_empty() {
        findings.push(Finding {
            code: "sequence_being_written",
            severity: Severity::Info,
            title: format!(
                "{} of {label} {} still being written",
                frames_text(&writing),
                if writing.len() == 1 { "is" } else { "are" }
            ),
            explanation: "These files changed a moment ago and do not read completely yet: a \
                renderer is probably still writing them."
                .to_owned(),
            fix: "Check again when the render has finished (check --watch follows it).".to_owned(),
            channel: None,
        });
    }
    findings.sort_by_key(|f| f.severity);
    findings
}

/// `frame 7`, `frames 105–106, 109`.
fn frames_text(numbers: &[u64]) -> String {
    let word = if numbers.len() == 1 {
        "frame"
    } else {
        "frames"
    };
    format!("{word} {}", format_frame_runs(numbers))
}

/// Frames whose signature differs from the one most frames share.
fn mismatch_finding(label: &str, frames: &[FrameCheck]) -> Option<Finding> {
    let mut counts: HashMap<&FrameSignature, usize> = HashMap::new();
    for signature in frames.iter().filter_map(|f| f.signature.as_ref()) {
        *counts.entry(signature).or_default() += 1;
    }
    // The most common signature; ties go to the earliest frame's.
    let common = frames
        .iter()
        .filter_map(|f| f.signature.as_ref())
        .max_by_key(|sig| counts.get(sig).copied().unwrap_or(0))?;
    let mut differences: Vec<String> = Vec::new();
    let mut odd: Vec<u64> = Vec::new();
    for frame in frames {
        let Some(signature) = &frame.signature else {
            continue;
        };
        if signature == common {
            continue;
        }
        odd.push(frame.number);
        differences.push(format!(
            "frame {}: {}",
            frame.number,
            describe_difference(signature, common)
        ));
    }
    if odd.is_empty() {
        return None;
    }
    let shown: Vec<&str> = differences.iter().take(20).map(String::as_str).collect();
    let more = differences.len().saturating_sub(shown.len());
    Some(Finding {
        code: "sequence_mismatch",
        severity: Severity::Warning,
        title: format!(
            "{} of {label} {} from the other frames",
            frames_text(&odd),
            if odd.len() == 1 { "differs" } else { "differ" }
        ),
        explanation: format!(
            "Most frames ({} of them) share one data window, channel set and compression; \
             these do not. {}{}",
            format_count(counts.get(common).copied().unwrap_or(0) as u64),
            shown.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        ),
        fix: "Check the render settings of these frames (resolution, passes, output format); a \
            frame rendered with other settings breaks scripts that stack the shot."
            .to_owned(),
        channel: None,
    })
}

/// What differs between `signature` and the common one, in words.
fn describe_difference(signature: &FrameSignature, common: &FrameSignature) -> String {
    let mut parts = Vec::new();
    if signature.data_window != common.data_window {
        parts.push(format!(
            "data window {} instead of {}",
            format_window(&signature.data_window),
            format_window(&common.data_window)
        ));
    }
    let names = |s: &FrameSignature| -> Vec<String> {
        s.channels.iter().map(|(name, _)| name.clone()).collect()
    };
    let (ours, theirs) = (names(signature), names(common));
    if ours != theirs {
        let extra: Vec<&String> = ours.iter().filter(|n| !theirs.contains(n)).collect();
        let lacking: Vec<&String> = theirs.iter().filter(|n| !ours.contains(n)).collect();
        let mut text = "other channels".to_owned();
        if !extra.is_empty() {
            text.push_str(&format!(
                " (has {})",
                extra
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !lacking.is_empty() {
            text.push_str(&format!(
                " (lacks {})",
                lacking
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        parts.push(text);
    } else if signature.channels != common.channels {
        let changed: Vec<String> = signature
            .channels
            .iter()
            .zip(&common.channels)
            .filter(|(a, b)| a.1 != b.1)
            .map(|(a, b)| format!("{} is {} instead of {}", a.0, a.1, b.1))
            .collect();
        parts.push(changed.join(", "));
    }
    if signature.compression != common.compression {
        parts.push(format!(
            "{} compression instead of {}",
            signature.compression, common.compression
        ));
    }
    parts.join(", ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;

    fn name(text: &str) -> Option<(String, u64, usize, String)> {
        parse_frame_name(text)
            .map(|n| (n.prefix.to_owned(), n.number, n.digits, n.suffix.to_owned()))
    }

    #[test]
    fn the_frame_number_is_the_last_run_of_digits_before_the_extension() {
        let s = |p: &str, n, d, x: &str| Some((p.to_owned(), n, d, x.to_owned()));
        assert_eq!(name("beauty.0101.exr"), s("beauty.", 101, 4, ".exr"));
        assert_eq!(name("shot020_0001.exr"), s("shot020_", 1, 4, ".exr"));
        assert_eq!(
            name("v002_beauty.1001.exr"),
            s("v002_beauty.", 1001, 4, ".exr")
        );
        assert_eq!(name("render12.EXR"), s("render", 12, 2, ".EXR"));
        assert_eq!(
            name("frame_0001_depth.exr"),
            s("frame_", 1, 4, "_depth.exr")
        );
        assert_eq!(name("0042.exr"), s("", 42, 4, ".exr"));
        assert_eq!(name("beauty.exr"), None);
        assert_eq!(
            name("scan_2026010112345678.exr"),
            None,
            "not a frame number"
        );
        assert_eq!(name("noextension7"), s("noextension", 7, 1, ""));
    }

    fn paths(names: &[&str]) -> Vec<PathBuf> {
        names.iter().map(PathBuf::from).collect()
    }

    fn sequences(groups: &[Group]) -> Vec<&Sequence> {
        groups
            .iter()
            .filter_map(|g| match g {
                Group::Sequence(s) => Some(s),
                Group::Single(_) => None,
            })
            .collect()
    }

    #[test]
    fn files_group_by_folder_prefix_and_suffix_and_sort_by_number() {
        let groups = group_frames(&paths(&[
            "shot/render10.exr",
            "shot/render9.exr",
            "shot/render1.exr",
            "shot/beauty.0102.exr",
            "shot/beauty.0101.exr",
            "shot/beauty.0104.exr",
            "shot/depth.0101.exr",
            "shot/notes.exr",
            "other/beauty.0101.exr",
            "other/beauty.0102.exr",
            "shot/v002_beauty.1001.exr",
            "shot/v002_beauty.1002.exr",
            "shot/v003_beauty.1001.exr",
        ]));
        let seqs = sequences(&groups);
        let labels: Vec<String> = seqs.iter().map(|s| s.label()).collect();
        assert_eq!(
            labels,
            [
                "other/beauty.####.exr",
                "shot/beauty.####.exr",
                "shot/render#.exr",
                "shot/v002_beauty.####.exr"
            ]
        );
        let render = seqs[2];
        let numbers: Vec<u64> = render.frames.iter().map(|f| f.number).collect();
        assert_eq!(numbers, [1, 9, 10], "by number, not by string");
        assert_eq!(render.padding, None, "mixed widths");
        let beauty = seqs[1];
        assert_eq!(beauty.missing(), [103]);
        assert_eq!((beauty.first(), beauty.last()), (Some(101), Some(104)));
        let singles: Vec<&Group> = groups
            .iter()
            .filter(|g| matches!(g, Group::Single(_)))
            .collect();
        assert_eq!(
            singles,
            [
                &Group::Single("shot/depth.0101.exr".into()),
                &Group::Single("shot/notes.exr".into()),
                &Group::Single("shot/v003_beauty.1001.exr".into()),
            ]
        );
    }

    #[test]
    fn folders_expand_to_sorted_exr_files_case_insensitively() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/deeper")).unwrap();
        for name in [
            "b/deeper/z.EXR",
            "a.exr",
            "b/c.exr",
            "notes.txt",
            "b/x.exr.bak",
        ] {
            std::fs::write(root.join(name), b"").unwrap();
        }
        std::fs::create_dir(root.join("empty")).unwrap();
        let found = find_exr_files(&[root.to_path_buf(), root.join("a.exr"), root.join("empty")]);
        let listed: Vec<(String, bool)> = found
            .iter()
            .map(|f| {
                let rel = f.path().strip_prefix(root).unwrap().display().to_string();
                (rel, matches!(f, Found::Failed(..)))
            })
            .collect();
        assert_eq!(
            listed,
            vec![
                ("a.exr".to_owned(), false),
                ("b/c.exr".to_owned(), false),
                ("b/deeper/z.EXR".to_owned(), false),
                ("empty".to_owned(), true),
            ]
        );
    }

    #[test]
    fn one_frame_finds_its_shot_among_its_siblings() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "beauty.0001.exr",
            "beauty.0002.exr",
            "beauty.0004.exr",
            "depth.0001.exr",
        ] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let (sequence, index) = sequence_of(&dir.path().join("beauty.0002.exr")).unwrap();
        assert_eq!(index, 1);
        assert_eq!(sequence.frames.len(), 3);
        assert_eq!(sequence.missing(), [3]);
        assert_eq!(sequence_of(&dir.path().join("depth.0001.exr")), None);
    }

    #[test]
    fn runs_of_frames_read_as_ranges() {
        assert_eq!(
            format_frame_runs(&[109, 105, 106, 111]),
            "105–106, 109, 111"
        );
        assert_eq!(format_frame_runs(&[7]), "7");
        assert_eq!(format_frame_runs(&[]), "");
    }

    #[test]
    fn huge_gaps_are_counted_but_not_listed_one_by_one() {
        let groups = group_frames(&paths(&["a/f_1.exr", "a/f_99999999.exr"]));
        let seq = sequences(&groups)[0];
        assert_eq!(seq.missing_count(), 99_999_997);
        assert_eq!(seq.missing().len(), MAX_LISTED_MISSING);
        assert_eq!(seq.missing_ranges(), [(2, 99_999_998)]);
    }

    fn signature(width: usize, channels: &[(&str, SampleType)]) -> FrameSignature {
        FrameSignature {
            data_window: Window {
                x: 0,
                y: 0,
                width,
                height: 100,
            },
            channels: channels
                .iter()
                .map(|(n, t)| ((*n).to_owned(), *t))
                .collect(),
            compression: "zip".to_owned(),
        }
    }

    #[test]
    fn a_shot_reports_gaps_unreadable_constant_and_odd_frames() {
        let groups = group_frames(&paths(&[
            "shot010/beauty.0101.exr",
            "shot010/beauty.0102.exr",
            "shot010/beauty.0103.exr",
            "shot010/beauty.0105.exr",
            "shot010/beauty.0106.exr",
        ]));
        let seq = sequences(&groups)[0];
        let rgbz = [
            ("B", SampleType::Float),
            ("G", SampleType::Float),
            ("R", SampleType::Float),
            ("Z", SampleType::Float),
        ];
        let check = |number, status, constant, sig: Option<FrameSignature>| FrameCheck {
            number,
            status,
            depth_constant: constant,
            signature: sig,
        };
        let frames = [
            check(101, FrameStatus::Ok, false, Some(signature(160, &rgbz))),
            check(102, FrameStatus::Fail, true, Some(signature(160, &rgbz))),
            check(103, FrameStatus::Ok, false, Some(signature(80, &rgbz))),
            check(105, FrameStatus::Unreadable, false, None),
            check(
                106,
                FrameStatus::Ok,
                false,
                Some(signature(160, &rgbz[..3])),
            ),
        ];
        let findings = sequence_findings(seq, &frames);
        let codes: Vec<&str> = findings.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            [
                "sequence_unreadable",
                "sequence_depth_constant",
                "sequence_gap",
                "sequence_mismatch"
            ]
        );
        assert_eq!(
            findings[2].title,
            "frame 104 missing from shot010/beauty.####.exr (101–106)"
        );
        assert_eq!(
            findings[1].title,
            "frame 102 of shot010/beauty.####.exr has constant depth"
        );
        assert_eq!(
            findings[0].title,
            "frame 105 of shot010/beauty.####.exr cannot be read"
        );
        let mismatch = &findings[3];
        assert_eq!(
            mismatch.title,
            "frames 103, 106 of shot010/beauty.####.exr differ from the other frames"
        );
        assert!(
            mismatch
                .explanation
                .contains("frame 103: data window (0, 0) 80×100 instead of (0, 0) 160×100"),
            "{}",
            mismatch.explanation
        );
        assert!(
            mismatch
                .explanation
                .contains("frame 106: other channels (lacks Z)"),
            "{}",
            mismatch.explanation
        );
        // A clean shot has nothing to say.
        let clean: Vec<FrameCheck> = [101, 102]
            .into_iter()
            .map(|n| check(n, FrameStatus::Ok, false, Some(signature(160, &rgbz))))
            .collect();
        let groups = group_frames(&paths(&["s/b.0101.exr", "s/b.0102.exr"]));
        assert!(sequence_findings(sequences(&groups)[0], &clean).is_empty());
    }
}
