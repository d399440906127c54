//! `exrprobe diff A B`: the difference metrics of every shared channel, the channels only in one
//! file, and a verdict whose exit code render-regression scripts can use (as `idiff`'s).

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use exrprobe_core::compare::{
    CompareError, CompareOptions, Comparison, Tolerance, Verdict, compare_files, report_lines,
};
use exrprobe_core::model::Window;
use exrprobe_core::text;
use serde::Serialize;

use super::{EXIT_FAILED_CHECK, EXIT_UNREADABLE};

pub(super) struct DiffRequest<'a> {
    pub(super) a: &'a Path,
    pub(super) b: &'a Path,
    pub(super) channels: Vec<String>,
    pub(super) tolerance: Tolerance,
    pub(super) json: bool,
    pub(super) memory_budget_bytes: u64,
}

/// Exit code: 0 when every compared channel is within the tolerance (bit-identical without
/// one), 1 when some channel is not, 2 when a file (or a part holding a compared channel)
/// cannot be read or they share no channel.
pub(super) fn run_diff(request: &DiffRequest<'_>) -> anyhow::Result<ExitCode> {
    let options = CompareOptions {
        channels: request.channels.clone(),
        memory_budget_bytes: request.memory_budget_bytes,
    };
    let cancel = AtomicBool::new(false);
    let comparison = match compare_files(request.a, request.b, &options, &cancel) {
        Ok(comparison) => comparison,
        Err(
            error @ (CompareError::NoSharedChannel { .. } | CompareError::UnknownChannel { .. }),
        ) => {
            eprintln!("exrprobe: {}", text::printable(&error.to_string()));
            return Ok(ExitCode::from(EXIT_UNREADABLE));
        }
        Err(CompareError::Load(error)) => return Err(error.into()),
    };
    let verdict = comparison.verdict(&request.tolerance);
    let mut out = io::stdout().lock();
    if request.json {
        let record = DiffRecord::new(request, &comparison, &verdict);
        serde_json::to_writer(&mut out, &record)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "A: {}",
            text::printable(&request.a.display().to_string())
        )?;
        writeln!(
            out,
            "B: {}",
            text::printable(&request.b.display().to_string())
        )?;
        for line in report_lines(&comparison, &request.tolerance) {
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    Ok(if !comparison.unreadable.is_empty() {
        // Some shared channel could not be read in one file (a damaged part).
        ExitCode::from(EXIT_UNREADABLE)
    } else if verdict.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED_CHECK)
    })
}

/// `diff --json` (documented in docs/CLI.md).
#[derive(Serialize)]
struct DiffRecord {
    a: String,
    b: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    a_hex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    b_hex: Option<String>,
    window: Option<Window>,
    window_a: Window,
    window_b: Window,
    channels: Vec<ChannelRecord>,
    only_in_a: Vec<String>,
    only_in_b: Vec<String>,
    not_compared: Vec<NotCompared>,
    tolerance: ToleranceRecord,
    /// `identical`, `within_tolerance` or `different`.
    verdict: &'static str,
    /// The channels that are not within the tolerance.
    differing_channels: Vec<String>,
}

#[derive(Serialize)]
struct ChannelRecord {
    name: String,
    type_a: String,
    type_b: String,
    valid: u64,
    max_abs: f64,
    max_abs_at: Option<[i64; 2]>,
    mean_abs: Option<f64>,
    rmse: Option<f64>,
    mean_rel: Option<f64>,
    max_rel: f64,
    psnr: Option<f64>,
    differing: u64,
    mismatch_nonfinite: u64,
    within: bool,
}

#[derive(Serialize)]
struct NotCompared {
    name: String,
    reason: String,
}

#[derive(Serialize)]
struct ToleranceRecord {
    max_abs: Option<f64>,
    max_rel: Option<f64>,
}

impl DiffRecord {
    fn new(request: &DiffRequest<'_>, c: &Comparison, verdict: &Verdict) -> Self {
        let tolerance = &request.tolerance;
        Self {
            a: request.a.display().to_string(),
            b: request.b.display().to_string(),
            a_hex: text::non_utf8_path_hex(request.a),
            b_hex: text::non_utf8_path_hex(request.b),
            window: c.window,
            window_a: c.window_a,
            window_b: c.window_b,
            channels: c
                .channels
                .iter()
                .map(|d| {
                    let m = &d.metrics;
                    ChannelRecord {
                        name: d.name.clone(),
                        type_a: d.type_a.to_string(),
                        type_b: d.type_b.to_string(),
                        valid: m.valid,
                        max_abs: m.max_abs,
                        max_abs_at: m.max_abs_at.map(|(x, y)| [x, y]),
                        mean_abs: m.mean_abs,
                        rmse: m.rmse,
                        mean_rel: m.mean_rel,
                        max_rel: m.max_rel,
                        psnr: m.psnr,
                        differing: m.differing,
                        mismatch_nonfinite: m.mismatch_nonfinite,
                        within: d.within(tolerance),
                    }
                })
                .collect(),
            only_in_a: c.only_in_a.clone(),
            only_in_b: c.only_in_b.clone(),
            not_compared: c
                .unreadable
                .iter()
                .map(|(name, reason)| NotCompared {
                    name: name.clone(),
                    reason: reason.clone(),
                })
                .collect(),
            tolerance: ToleranceRecord {
                max_abs: tolerance.max_abs,
                max_rel: tolerance.max_rel,
            },
            verdict: match verdict {
                Verdict::Identical => "identical",
                Verdict::WithinTolerance => "within_tolerance",
                Verdict::Different(_) => "different",
            },
            differing_channels: match verdict {
                Verdict::Different(names) => names.clone(),
                _ => Vec::new(),
            },
        }
    }
}
