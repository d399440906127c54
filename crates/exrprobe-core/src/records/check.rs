//! The records `check --json` prints (and the Python package's `check()` returns): one per
//! file, then one per sequence, with the one-line texts `check` prints for them.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use super::FindingRecord;
use crate::check::FileCheck;
use crate::diagnose::Severity;
use crate::sequence::{
    FrameCheck, FrameStatus, Group, Sequence, format_frame_runs, sequence_findings,
};
use crate::text;

/// A file's status in `check`'s output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Status {
    // The discriminants index `Printer::counts`.
    #[serde(rename = "OK")]
    Ok = 0,
    #[serde(rename = "WARN")]
    Warn,
    #[serde(rename = "FAIL")]
    Fail,
    #[serde(rename = "ERROR")]
    Error,
    /// Still being written by a renderer (changed a moment ago and does not read yet).
    #[serde(rename = "WRITING")]
    Writing,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Ok,
        Status::Warn,
        Status::Fail,
        Status::Error,
        Status::Writing,
    ];

    pub fn text(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
            Status::Writing => "WRITING",
        }
    }

    pub fn of(status: FrameStatus) -> Self {
        match status {
            FrameStatus::Ok => Status::Ok,
            FrameStatus::Warn => Status::Warn,
            FrameStatus::Fail => Status::Fail,
            FrameStatus::Unreadable => Status::Error,
            FrameStatus::BeingWritten => Status::Writing,
        }
    }
}

/// `check --json`: one object per file.
#[derive(Debug, Serialize)]
pub struct CheckRecord {
    // (Built from a FileCheck by `CheckRecord::of`.)
    pub path: String,
    /// The path's bytes in hex when it is not UTF-8 (`path` is then lossy); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
    pub status: Status,
    /// Why the file could not be read (statuses `ERROR` and `WRITING`); null otherwise.
    pub error: Option<String>,
    pub depth_channel: Option<String>,
    /// Findings, most severe first.
    pub findings: Vec<FindingRecord>,
}

impl CheckRecord {
    pub fn of(check: &FileCheck) -> Self {
        CheckRecord {
            path: check.path.display().to_string(),
            path_hex: text::non_utf8_path_hex(&check.path),
            status: Status::of(check.status),
            error: check.error.clone(),
            depth_channel: check.depth_channel.clone(),
            findings: check
                .findings
                .iter()
                .map(|f| FindingRecord::of(&f.finding, f.channel.clone()))
                .collect(),
        }
    }

    /// The line `check` prints: status, path, and the top finding's title or the error.
    pub fn line(&self) -> String {
        let detail = match (&self.error, self.findings.first()) {
            (Some(error), _) => {
                // The message ends with the path, which the line already shows.
                let suffix = format!(": {}", self.path);
                Some(error.strip_suffix(&suffix).unwrap_or(error).to_owned())
            }
            (None, Some(top)) => Some(top.title.clone()),
            (None, None) => None,
        };
        let path = text::printable(&self.path);
        match detail {
            Some(detail) => format!(
                "{:<7} {path}: {}",
                self.status.text(),
                text::printable(&detail)
            ),
            None => format!("{:<7} {path}", self.status.text()),
        }
    }
}

/// `check --json`: one object per sequence, after the file records.
#[derive(Debug, Serialize)]
pub struct SequenceRecord {
    /// The folder's name and the file name pattern, `#` for each padded digit.
    pub sequence: String,
    pub folder: String,
    pub first: u64,
    pub last: u64,
    /// Files found.
    pub count: usize,
    /// Frame numbers without a file (at most the first 10 000; `missing_count` has them all).
    pub missing: Vec<u64>,
    pub missing_count: u64,
    /// Files per status.
    pub status: BTreeMap<&'static str, usize>,
    pub findings: Vec<SequenceFindingRecord>,
}

#[derive(Debug, Serialize)]
pub struct SequenceFindingRecord {
    pub code: &'static str,
    pub severity: Severity,
    pub title: String,
}

impl SequenceRecord {
    pub fn new(sequence: &Sequence, frames: &[FrameCheck]) -> Self {
        let mut status: BTreeMap<&'static str, usize> =
            Status::ALL.iter().map(|s| (s.text(), 0)).collect();
        for frame in frames {
            *status.entry(Status::of(frame.status).text()).or_default() += 1;
        }
        SequenceRecord {
            sequence: sequence.label(),
            folder: sequence.folder.display().to_string(),
            first: sequence.first().unwrap_or(0),
            last: sequence.last().unwrap_or(0),
            count: sequence.frames.len(),
            missing: sequence.missing(),
            missing_count: sequence.missing_count(),
            status,
            findings: sequence_findings(sequence, frames)
                .into_iter()
                .map(|f| SequenceFindingRecord {
                    code: f.code,
                    severity: f.severity,
                    title: f.title,
                })
                .collect(),
        }
    }

    /// `SEQ     shot010/beauty.####.exr  101–112  11 frames  1 missing (109)  2 FAIL (105–106)`.
    pub fn line(&self, frames: &[FrameCheck]) -> String {
        let mut line = format!(
            "{:<7} {}  {}–{}  {}",
            "SEQ",
            text::printable(&self.sequence),
            self.first,
            self.last,
            text::plural(self.count as u64, "frame")
        );
        if self.missing_count > 0 {
            line.push_str(&format!(
                "  {} missing ({})",
                text::format_count(self.missing_count),
                format_frame_runs(&self.missing)
            ));
        }
        for status in [Status::Warn, Status::Fail, Status::Error, Status::Writing] {
            let numbers: Vec<u64> = frames
                .iter()
                .filter(|f| Status::of(f.status) == status)
                .map(|f| f.number)
                .collect();
            if !numbers.is_empty() {
                line.push_str(&format!(
                    "  {} {} ({})",
                    numbers.len(),
                    status.text(),
                    format_frame_runs(&numbers)
                ));
            }
        }
        line
    }
}

/// The sequence records of `groups` (single files give none), each with its frames' checks,
/// from what `frames` says of each file (by path; files without a check are left out of their
/// sequence's figures).
pub fn sequence_records(
    groups: &[Group],
    frames: &HashMap<&Path, FrameCheck>,
) -> Vec<(SequenceRecord, Vec<FrameCheck>)> {
    groups
        .iter()
        .filter_map(|group| match group {
            Group::Sequence(sequence) => Some(sequence),
            Group::Single(_) => None,
        })
        .map(|sequence| {
            let checks: Vec<FrameCheck> = sequence
                .frames
                .iter()
                .filter_map(|frame| {
                    let mut check = frames.get(frame.path.as_path())?.clone();
                    check.number = frame.number;
                    Some(check)
                })
                .collect();
            (SequenceRecord::new(sequence, &checks), checks)
        })
        .collect()
}
