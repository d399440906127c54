//! Checking one file for a report: what `check`, `info` and the viewer's scan of a folder show
//! of each frame, computed once here.
//!
//! Reports read a file with [`crate::load::summarize_file`]: every channel is summarised while
//! it is decoded and only the depth channel's samples are kept (its distribution gives the robust
//! range, the median and the findings), so a frame costs a fraction of its decoded size. The
//! result, [`FileCheck`], is small: a status, the findings with channel names, the depth summary
//! a timeline draws, and the signature a sequence check compares.
//!
//! A file that does not read and changed within the last [`SETTLE`] is reported as being
//! written, not as damaged: renderers write frames in place, block by block.

use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, SystemTime};

use crate::analysis::{Analysis, analyze_summarized};
use crate::diagnose::{Finding, Severity};
use crate::load::{ChannelFilter, LoadError, LoadOptions, summarize_file};
use crate::model::Image;
use crate::naming::detect_depth;
use crate::sequence::{FrameCheck, FrameSignature, FrameStatus};

/// A file that changed this recently and does not read is taken to be still being written
/// (unless `EXRPROBE_SETTLE_SECS` says otherwise, see [`settle_time`]).
pub const SETTLE: Duration = Duration::from_secs(3);

/// How long a file must not have changed to count as complete: [`SETTLE`], or the seconds in
/// the environment variable `EXRPROBE_SETTLE_SECS` (storage that writes slowly, e.g. a busy
/// network share, needs longer; a positive number; read once).
pub fn settle_time() -> Duration {
    static SETTLE_TIME: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *SETTLE_TIME.get_or_init(|| {
        std::env::var("EXRPROBE_SETTLE_SECS")
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|secs| secs.is_finite() && *secs > 0.0 && *secs < 1e6)
            .map_or(SETTLE, Duration::from_secs_f64)
    })
}

/// A finding with the name of the channel it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedFinding {
    pub finding: Finding,
    /// The channel's full name (`part/channel` in multi-part files), if it is about one.
    pub channel: Option<String>,
}

/// The depth of one frame, as a timeline draws it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DepthSummary {
    /// The robust range (percentiles of the real samples, background excluded).
    pub robust_range: Option<(f64, f64)>,
    /// The median of the real samples, to the histogram's resolution (1/256 of the range).
    pub median: Option<f64>,
    /// Share of the samples that are background (≥ 1e9) or ±Inf, 0 to 1.
    pub background_fraction: f64,
    /// The one value of a constant depth channel.
    pub constant: Option<f64>,
}

/// One file checked.
#[derive(Clone, Debug, PartialEq)]
pub struct FileCheck {
    pub path: PathBuf,
    pub status: FrameStatus,
    /// Why the file cannot be read (statuses `Unreadable` and `BeingWritten`).
    pub error: Option<String>,
    /// The depth channel's full name.
    pub depth_channel: Option<String>,
    /// Findings, most severe first.
    pub findings: Vec<NamedFinding>,
    pub depth: Option<DepthSummary>,
    /// `None` when the file cannot be read.
    pub signature: Option<FrameSignature>,
}

impl FileCheck {
    /// A file that could not be loaded: being written when the file looks incomplete (it does
    /// not parse) and is a regular file that changed within [`SETTLE`] of `now`; else
    /// unreadable (a file over the memory budget, a pipe or a missing file is never "being
    /// written").
    pub fn from_load_error(path: &Path, error: &LoadError, now: SystemTime) -> Self {
        let incomplete = matches!(error, LoadError::Invalid { .. });
        let status = match std::fs::metadata(path) {
            Ok(meta) if incomplete && meta.is_file() && changed_recently(&meta, now) => {
                FrameStatus::BeingWritten
            }
            _ => FrameStatus::Unreadable,
        };
        Self {
            status,
            ..Self::failed(path, error.to_string())
        }
    }

    /// A file that cannot be checked for a reason that has nothing to do with a renderer still
    /// writing it (a folder that cannot be listed, an internal error).
    pub fn failed(path: &Path, message: String) -> Self {
        Self {
            path: path.to_path_buf(),
            status: FrameStatus::Unreadable,
            error: Some(message),
            depth_channel: None,
            findings: Vec::new(),
            depth: None,
            signature: None,
        }
    }

    /// The top finding's title, or the error.
    pub fn headline(&self) -> Option<&str> {
        self.error
            .as_deref()
            .or_else(|| self.findings.first().map(|f| f.finding.title.as_str()))
    }

    /// What a sequence check needs of this file, as frame `number`.
    pub fn frame_check(&self, number: u64) -> FrameCheck {
        FrameCheck {
            number,
            status: self.status,
            depth_constant: self
                .findings
                .iter()
                .any(|f| f.finding.code == "depth_constant"),
            signature: self.signature.clone(),
        }
    }
}

/// The check of one input as `check` reports it: a path that could not be used reports why,
/// a file that cannot be read reports the load error (or that it is being written).
pub fn check_found(found: &crate::sequence::Found, memory_budget_bytes: u64) -> FileCheck {
    match found {
        crate::sequence::Found::Failed(path, error) => FileCheck::failed(path, error.clone()),
        crate::sequence::Found::File(path) => check_file(path, memory_budget_bytes)
            .unwrap_or_else(|err| FileCheck::from_load_error(path, &err, SystemTime::now())),
    }
}

/// Whether a file was modified within [`SETTLE`] before `now` (or, by a clock skewed into the
/// future, after it).
pub fn changed_recently(meta: &Metadata, now: SystemTime) -> bool {
    meta.modified()
        .is_ok_and(|modified| match now.duration_since(modified) {
            Ok(age) => age < settle_time(),
            Err(_) => true,
        })
}

/// Reads a file for a report: the statistics of every channel, computed as it is decoded, and
/// the samples of only the depth channel (whose distribution the findings need).
pub fn load_for_report(
    path: &Path,
    memory_budget_bytes: u64,
) -> Result<(Image, Analysis), LoadError> {
    let cancel = AtomicBool::new(false);
    let summarized = summarize_file(
        path,
        &LoadOptions {
            memory_budget_bytes,
            ..LoadOptions::default()
        },
        &mut |header| ChannelFilter::only(detect_depth(header).channel()),
        &mut |_| {},
        &cancel,
    )?;
    Ok(analyze_summarized(summarized))
}

/// Checks one readable file. Errors are the loader's, for the caller to retry (with more memory)
/// or to turn into [`FileCheck::from_load_error`].
pub fn check_file(path: &Path, memory_budget_bytes: u64) -> Result<FileCheck, LoadError> {
    let (image, analysis) = load_for_report(path, memory_budget_bytes)?;
    Ok(file_check(path, &image, &analysis))
}

/// The report of a loaded, analysed file.
pub fn file_check(path: &Path, image: &Image, analysis: &Analysis) -> FileCheck {
    let worst = analysis.findings.iter().map(|f| f.severity).min();
    let status = match worst {
        Some(Severity::Error) => FrameStatus::Fail,
        Some(Severity::Warning) => FrameStatus::Warn,
        _ => FrameStatus::Ok,
    };
    let name = |c| image.qualified_name(c);
    let mut findings: Vec<NamedFinding> = analysis
        .findings
        .iter()
        .map(|f| NamedFinding {
            finding: f.clone(),
            channel: f.channel.and_then(name),
        })
        .collect();
    findings.sort_by_key(|f| f.finding.severity);
    let depth = analysis.depth_channel();
    let depth_summary = depth.and_then(|channel| {
        let stats = analysis.stats.get(&channel)?;
        let distribution = analysis.distribution(image, channel);
        let robust_range = distribution.and_then(|d| d.robust_range);
        let median = distribution.and_then(|d| histogram_median(&d.histogram));
        let background = stats.sentinel + stats.pos_inf + stats.neg_inf;
        Some(DepthSummary {
            robust_range,
            median,
            background_fraction: if stats.count == 0 {
                0.0
            } else {
                background as f64 / stats.count as f64
            },
            constant: stats.constant,
        })
    });
    let signature = image.parts.first().map(|first| FrameSignature {
        data_window: first.data_window,
        channels: image
            .channels()
            .map(|(c, _, channel)| {
                (
                    name(c).unwrap_or_else(|| channel.name.clone()),
                    channel.sample_type,
                )
            })
            .collect(),
        compression: first.compression.clone(),
    });
    FileCheck {
        path: path.to_path_buf(),
        status,
        error: None,
        depth_channel: depth.and_then(name),
        findings,
        depth: depth_summary,
        signature,
    }
}

/// The median of the samples counted in the histogram's bins (the bin holding the middle
/// sample, at its centre).
fn histogram_median(histogram: &crate::stats::Histogram) -> Option<f64> {
    let total: u64 = histogram.bins.iter().sum();
    if total == 0 {
        return None;
    }
    if histogram.lo == histogram.hi {
        return Some(histogram.lo);
    }
    let middle = total.div_ceil(2);
    let mut seen = 0;
    for (index, &count) in histogram.bins.iter().enumerate() {
        seen += count;
        if seen >= middle {
            let (start, end) = histogram.bin_range(index);
            return Some((start + end) / 2.0);
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn a_file_that_does_not_parse_is_being_written_only_while_it_is_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frame.0001.exr");
        std::fs::write(&path, b"v/1\x01 cut off").unwrap();
        let error = check_file(&path, 1 << 30).unwrap_err();
        assert!(matches!(error, LoadError::Invalid { .. }), "{error}");
        let now = SystemTime::now();
        let fresh = FileCheck::from_load_error(&path, &error, now);
        assert_eq!(fresh.status, FrameStatus::BeingWritten);
        let later = now + SETTLE + Duration::from_secs(1);
        let stale = FileCheck::from_load_error(&path, &error, later);
        assert_eq!(stale.status, FrameStatus::Unreadable);
        assert_eq!(stale.headline(), Some(error.to_string().as_str()));
        // Too large for the budget is not incomplete, however fresh.
        let big = crate::load::LoadError::TooLarge {
            needed_bytes: 2,
            budget_bytes: 1,
            path: path.display().to_string(),
        };
        assert_eq!(
            FileCheck::from_load_error(&path, &big, now).status,
            FrameStatus::Unreadable
        );
        let gone = dir.path().join("gone.exr");
        let error = check_file(&gone, 1 << 30).unwrap_err();
        assert_eq!(
            FileCheck::from_load_error(&gone, &error, now).status,
            FrameStatus::Unreadable
        );
    }

    #[test]
    fn the_median_is_the_bin_of_the_middle_sample() {
        let histogram = crate::stats::Histogram {
            lo: 0.0,
            hi: 4.0,
            bins: vec![1, 0, 5, 1],
            underflow: 0,
            overflow: 0,
            sentinel: 9,
            nan: 0,
            pos_inf: 0,
            neg_inf: 0,
        };
        assert_eq!(histogram_median(&histogram), Some(2.5));
        let constant = crate::stats::Histogram {
            lo: 1.0,
            hi: 1.0,
            bins: vec![0, 7, 0],
            ..histogram.clone()
        };
        assert_eq!(histogram_median(&constant), Some(1.0));
    }
}
