//! `exrprobe info`: the header, a channel table with statistics, detection and findings.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use exrprobe_core::analysis::Analysis;
use exrprobe_core::diagnose::{Finding, Severity};
use exrprobe_core::model::{ChannelRef, Image, SampleType, Storage, Window};
use exrprobe_core::stats::ChannelStats;
use exrprobe_core::text;
use serde::Serialize;

use exrprobe_core::check::load_for_report;

use super::EXIT_UNREADABLE;

// ---------------------------------------------------------------------------------------------
// Numbers

/// A statistic as printed: in the channel's own precision, so an f32 reads as its shortest f32
/// text (`7.212733`, not `7.212733268737793`). Non-finite values (only possible for `constant`)
/// become the strings `"nan"`, `"inf"`, `"-inf"` in JSON.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Stat {
    F32(f32),
    F64(f64),
    Int(u64),
}

impl Stat {
    fn new(value: f64, sample_type: SampleType, is_mean: bool) -> Self {
        match sample_type {
            // Exact for min/max/constant (they are samples); the mean is shown at f32 precision.
            SampleType::Half | SampleType::Float => Stat::F32(value as f32),
            SampleType::Uint if !is_mean && value >= 0.0 && value.fract() == 0.0 => {
                Stat::Int(value as u64)
            }
            SampleType::Uint => Stat::F64(value),
        }
    }

    fn non_finite_name(value: f64) -> Option<&'static str> {
        if value.is_nan() {
            Some("nan")
        } else if value == f64::INFINITY {
            Some("inf")
        } else if value == f64::NEG_INFINITY {
            Some("-inf")
        } else {
            None
        }
    }
}

impl Serialize for Stat {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Stat::F32(v) => match Stat::non_finite_name(f64::from(v)) {
                Some(name) => serializer.serialize_str(name),
                None => serializer.serialize_f32(v),
            },
            Stat::F64(v) => match Stat::non_finite_name(v) {
                Some(name) => serializer.serialize_str(name),
                None => serializer.serialize_f64(v),
            },
            Stat::Int(v) => serializer.serialize_u64(v),
        }
    }
}

impl std::fmt::Display for Stat {
    /// The core's text for a sample (`exrprobe_core::text`), as the viewer shows it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Stat::F32(v) => f.write_str(&text::format_exact(f64::from(v))),
            Stat::F64(v) => f.write_str(&text::format_exact(v)),
            Stat::Int(v) => write!(f, "{v}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// info

/// `info --json`: one object per file.
#[derive(Debug, Serialize)]
pub(super) struct InfoRecord {
    path: String,
    /// The path's bytes in hex when it is not UTF-8 (`path` is then lossy); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    path_hex: Option<String>,
    parts: Vec<PartRecord>,
    channels: Vec<ChannelRecord>,
    depth_channel: Option<String>,
    depth_rule: Option<String>,
    /// Other depth candidates, best first.
    depth_candidates: Vec<NamedRule>,
    /// Z-like channels ruled out as depth, with the reason.
    depth_rejected: Vec<RejectedRecord>,
    rgb_channels: Option<RgbRecord>,
    findings: Vec<FindingRecord>,
}

#[derive(Debug, Serialize)]
pub(super) struct PartRecord {
    index: usize,
    name: Option<String>,
    data_window: Window,
    display_window: Window,
    compression: String,
    storage: Storage,
    line_order: String,
    deep: bool,
    pixel_aspect: f32,
    /// Why pixels were not decoded; null when they were.
    pixel_error: Option<String>,
    attributes: Vec<exrprobe_core::model::Attribute>,
}

#[derive(Debug, Serialize)]
pub(super) struct ChannelRecord {
    name: String,
    part: usize,
    #[serde(rename = "type")]
    sample_type: SampleType,
    width: usize,
    height: usize,
    sampling: (usize, usize),
    decoded: bool,
    min: Option<Stat>,
    max: Option<Stat>,
    mean: Option<Stat>,
    nan: Option<usize>,
    pos_inf: Option<usize>,
    neg_inf: Option<usize>,
    sentinel: Option<usize>,
    /// The value every sample has, or null when the samples differ (or were not decoded).
    constant: Option<Stat>,
}

#[derive(Debug, Serialize)]
pub(super) struct NamedRule {
    channel: String,
    rule: String,
}

#[derive(Debug, Serialize)]
pub(super) struct RejectedRecord {
    channel: String,
    reason: String,
}

#[derive(Debug, Serialize)]
pub(super) struct RgbRecord {
    layer: String,
    r: String,
    g: String,
    b: String,
    a: Option<String>,
    gray: bool,
    rule: String,
}

#[derive(Debug, Serialize)]
pub(super) struct FindingRecord {
    code: &'static str,
    pub(super) severity: Severity,
    pub(super) title: String,
    explanation: String,
    fix: String,
    channel: Option<String>,
}

pub(super) fn name_of(image: &Image, channel: ChannelRef) -> String {
    image
        .qualified_name(channel)
        .unwrap_or_else(|| format!("part {} channel {}", channel.part, channel.channel))
}

pub(super) fn finding_record(image: &Image, finding: &Finding) -> FindingRecord {
    FindingRecord::of(finding, finding.channel.map(|c| name_of(image, c)))
}

impl FindingRecord {
    /// The record of `finding`, about the channel named `channel`.
    pub(super) fn of(finding: &Finding, channel: Option<String>) -> Self {
        FindingRecord {
            code: finding.code,
            severity: finding.severity,
            title: finding.title.clone(),
            explanation: finding.explanation.clone(),
            fix: finding.fix.clone(),
            channel,
        }
    }
}

pub(super) fn channel_record(
    image: &Image,
    channel_ref: ChannelRef,
    stats: Option<&ChannelStats>,
) -> Option<ChannelRecord> {
    let channel = image.channel(channel_ref)?;
    let ty = channel.sample_type;
    let stat = |v: Option<f64>, is_mean: bool| v.map(|v| Stat::new(v, ty, is_mean));
    Some(ChannelRecord {
        name: name_of(image, channel_ref),
        part: channel_ref.part,
        sample_type: ty,
        width: channel.width,
        height: channel.height,
        sampling: channel.sampling,
        // Statistics exist exactly for the channels that were decoded (`info` keeps the samples
        // of the depth channel only).
        decoded: stats.is_some(),
        min: stat(stats.and_then(|s| s.min), false),
        max: stat(stats.and_then(|s| s.max), false),
        mean: stat(stats.and_then(|s| s.mean), true),
        nan: stats.map(|s| s.nan),
        pos_inf: stats.map(|s| s.pos_inf),
        neg_inf: stats.map(|s| s.neg_inf),
        sentinel: stats.map(|s| s.sentinel),
        constant: stat(stats.and_then(|s| s.constant), false),
    })
}

pub(super) fn info_record(path: &Path, image: &Image, analysis: &Analysis) -> InfoRecord {
    let parts = image
        .parts
        .iter()
        .enumerate()
        .map(|(index, part)| PartRecord {
            index,
            name: part.name.clone(),
            data_window: part.data_window,
            display_window: part.display_window,
            compression: part.compression.clone(),
            storage: part.storage.clone(),
            line_order: part.line_order.clone(),
            deep: part.deep,
            pixel_aspect: part.pixel_aspect,
            pixel_error: part.pixel_error.clone(),
            attributes: part.attributes.clone(),
        })
        .collect();
    let channels = image
        .channels()
        .filter_map(|(r, _, _)| channel_record(image, r, analysis.stats.get(&r)))
        .collect();
    let rgb_channels = analysis.rgb().map(|layer| RgbRecord {
        layer: layer.label(image),
        r: name_of(image, layer.r),
        g: name_of(image, layer.g),
        b: name_of(image, layer.b),
        a: layer.a.map(|a| name_of(image, a)),
        gray: layer.gray,
        rule: layer.rule.clone(),
    });
    InfoRecord {
        path: path.display().to_string(),
        path_hex: text::non_utf8_path_hex(path),
        parts,
        channels,
        depth_channel: analysis
            .depth
            .chosen
            .as_ref()
            .map(|c| name_of(image, c.channel)),
        depth_rule: analysis.depth.chosen.as_ref().map(|c| c.rule.clone()),
        depth_candidates: analysis
            .depth
            .others
            .iter()
            .map(|c| NamedRule {
                channel: name_of(image, c.channel),
                rule: c.rule.clone(),
            })
            .collect(),
        depth_rejected: analysis
            .depth
            .rejected
            .iter()
            .map(|r| RejectedRecord {
                channel: name_of(image, r.channel),
                reason: r.reason.clone(),
            })
            .collect(),
        rgb_channels,
        findings: analysis
            .findings
            .iter()
            .map(|f| finding_record(image, f))
            .collect(),
    }
}

pub(super) fn run_info(
    files: &[PathBuf],
    json: bool,
    memory_budget_bytes: u64,
) -> anyhow::Result<ExitCode> {
    let mut out = io::stdout().lock();
    let mut unreadable = false;
    for (index, path) in files.iter().enumerate() {
        let (image, analysis) = match load_for_report(path, memory_budget_bytes) {
            Ok(loaded) => loaded,
            Err(err) => {
                out.flush()?;
                eprintln!("exrprobe: {err}");
                unreadable = true;
                continue;
            }
        };
        let record = info_record(path, &image, &analysis);
        drop(image);
        if json {
            serde_json::to_writer(&mut out, &record)?;
            writeln!(out)?;
        } else {
            if index > 0 {
                writeln!(out)?;
            }
            write_info_text(&mut out, &record)?;
        }
    }
    out.flush()?;
    Ok(if unreadable {
        ExitCode::from(EXIT_UNREADABLE)
    } else {
        ExitCode::SUCCESS
    })
}

/// The text form of `info`. Names and paths from the file are printed with control characters
/// escaped (`text::printable`): a crafted channel name cannot drive the terminal or break lines.
pub(super) fn write_info_text(out: &mut impl Write, record: &InfoRecord) -> io::Result<()> {
    let safe = |text: &str| text::printable(text).into_owned();
    writeln!(out, "{}", safe(&record.path))?;
    let count = record.parts.len();
    writeln!(out, "  {count} part{}", if count == 1 { "" } else { "s" })?;
    for part in &record.parts {
        let name = part
            .name
            .as_deref()
            .map(|n| format!(" \"{}\"", safe(n)))
            .unwrap_or_default();
        writeln!(
            out,
            "  part {}{name}: data window {}, display window {}, {}, {}, {}",
            part.index,
            text::format_window(&part.data_window),
            text::format_window(&part.display_window),
            part.compression,
            text::format_storage(&part.storage, part.deep),
            part.line_order,
        )?;
        if let Some(error) = &part.pixel_error {
            writeln!(out, "    pixels not decoded: {}", safe(error))?;
        }
    }

    // Channel table.
    let dash = || "-".to_owned();
    let opt = |v: Option<Stat>| v.map(|v| v.to_string()).unwrap_or_else(dash);
    let count = |v: Option<usize>| v.map(|v| v.to_string()).unwrap_or_else(dash);
    let header = [
        "channel", "type", "min", "max", "mean", "NaN", "+Inf", "-Inf",
    ];
    let rows: Vec<[String; 8]> = record
        .channels
        .iter()
        .map(|c| {
            let ty = if c.sampling == (1, 1) {
                c.sample_type.to_string()
            } else {
                format!(
                    "{} ({}×{} sampled)",
                    c.sample_type, c.sampling.0, c.sampling.1
                )
            };
            [
                safe(&c.name),
                ty,
                opt(c.min),
                opt(c.max),
                opt(c.mean),
                count(c.nan),
                count(c.pos_inf),
                count(c.neg_inf),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let write_row = |out: &mut dyn Write, cells: &[String]| -> io::Result<()> {
        let mut line = String::from("   ");
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            // Names and types left-aligned, numbers right-aligned.
            if i < 2 {
                line.push_str(&format!(" {cell:<width$}"));
            } else {
                line.push_str(&format!("  {cell:>width$}"));
            }
        }
        writeln!(out, "{}", line.trim_end())
    };
    writeln!(out, "  channels:")?;
    write_row(out, &header.map(str::to_owned))?;
    for row in &rows {
        write_row(out, row)?;
    }

    match &record.rgb_channels {
        Some(rgb) => writeln!(out, "  RGB:   {} ({})", safe(&rgb.layer), safe(&rgb.rule))?,
        None => writeln!(out, "  RGB:   none found")?,
    }
    match (&record.depth_channel, &record.depth_rule) {
        (Some(name), Some(rule)) => writeln!(out, "  depth: {} ({})", safe(name), safe(rule))?,
        _ => writeln!(out, "  depth: none found")?,
    }
    for other in &record.depth_candidates {
        writeln!(
            out,
            "         also possible: {} ({})",
            safe(&other.channel),
            safe(&other.rule)
        )?;
    }
    for rejected in &record.depth_rejected {
        writeln!(out, "         not depth: {}", safe(&rejected.reason))?;
    }

    if record.findings.is_empty() {
        writeln!(out, "  findings: none")?;
    } else {
        writeln!(out, "  findings:")?;
        for finding in &record.findings {
            writeln!(
                out,
                "    {:<7} {} [{}]",
                severity_text(finding.severity),
                safe(&finding.title),
                finding.code
            )?;
            writeln!(out, "            {}", safe(&finding.explanation))?;
            writeln!(out, "            Fix: {}", safe(&finding.fix))?;
        }
    }
    Ok(())
}

pub(super) fn severity_text(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn stats_print_in_the_channel_precision() {
        let min = f64::from(7.212_733_f32);
        assert_eq!(
            Stat::new(min, SampleType::Float, false).to_string(),
            "7.212733"
        );
        assert_eq!(
            serde_json::to_string(&Stat::new(min, SampleType::Float, false)).unwrap(),
            "7.212733"
        );
        assert_eq!(
            Stat::new(1e10, SampleType::Float, false).to_string(),
            "1e10"
        );
        assert_eq!(Stat::new(1.0, SampleType::Half, false).to_string(), "1");
        assert_eq!(
            Stat::new(4_000_000_000.0, SampleType::Uint, false).to_string(),
            "4000000000"
        );
        assert_eq!(
            serde_json::to_string(&Stat::new(f64::NAN, SampleType::Float, false)).unwrap(),
            "\"nan\""
        );
        assert_eq!(
            serde_json::to_string(&Stat::new(f64::NEG_INFINITY, SampleType::Half, false)).unwrap(),
            "\"-inf\""
        );
    }
}
