//! The records `info --json` prints (and the Python package's `info()` returns): one place that
//! turns an image and its analysis into the fields both front ends show, with statistics in the
//! channel's own precision.

mod check;

use std::path::Path;

use serde::Serialize;

pub use check::{CheckRecord, SequenceFindingRecord, SequenceRecord, Status, sequence_records};

use crate::analysis::Analysis;
use crate::diagnose::{Finding, Severity};
use crate::model::{ChannelRef, Image, SampleType, Storage, Window};
use crate::stats::ChannelStats;
use crate::text;

// ---------------------------------------------------------------------------------------------
// Numbers

/// A statistic as printed: in the channel's own precision, so an f32 reads as its shortest f32
/// text (`7.212733`, not `7.212733268737793`). Non-finite values (only possible for `constant`)
/// become the strings `"nan"`, `"inf"`, `"-inf"` in JSON.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stat {
    F32(f32),
    F64(f64),
    Int(u64),
}

impl Stat {
    pub fn new(value: f64, sample_type: SampleType, is_mean: bool) -> Self {
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
pub struct InfoRecord {
    pub path: String,
    /// The path's bytes in hex when it is not UTF-8 (`path` is then lossy); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
    pub parts: Vec<PartRecord>,
    pub channels: Vec<ChannelRecord>,
    pub depth_channel: Option<String>,
    pub depth_rule: Option<String>,
    /// Other depth candidates, best first.
    pub depth_candidates: Vec<NamedRule>,
    /// Z-like channels ruled out as depth, with the reason.
    pub depth_rejected: Vec<RejectedRecord>,
    pub rgb_channels: Option<RgbRecord>,
    pub findings: Vec<FindingRecord>,
}

#[derive(Debug, Serialize)]
pub struct PartRecord {
    pub index: usize,
    pub name: Option<String>,
    pub data_window: Window,
    pub display_window: Window,
    pub compression: String,
    pub storage: Storage,
    pub line_order: String,
    pub deep: bool,
    pub pixel_aspect: f32,
    /// Why pixels were not decoded; null when they were.
    pub pixel_error: Option<String>,
    pub attributes: Vec<crate::model::Attribute>,
}

#[derive(Debug, Serialize)]
pub struct ChannelRecord {
    pub name: String,
    pub part: usize,
    #[serde(rename = "type")]
    pub sample_type: SampleType,
    pub width: usize,
    pub height: usize,
    pub sampling: (usize, usize),
    pub decoded: bool,
    pub min: Option<Stat>,
    pub max: Option<Stat>,
    pub mean: Option<Stat>,
    pub nan: Option<usize>,
    pub pos_inf: Option<usize>,
    pub neg_inf: Option<usize>,
    pub sentinel: Option<usize>,
    /// The value every sample has, or null when the samples differ (or were not decoded).
    pub constant: Option<Stat>,
}

#[derive(Debug, Serialize)]
pub struct NamedRule {
    pub channel: String,
    pub rule: String,
}

#[derive(Debug, Serialize)]
pub struct RejectedRecord {
    pub channel: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct RgbRecord {
    pub layer: String,
    pub r: String,
    pub g: String,
    pub b: String,
    pub a: Option<String>,
    pub gray: bool,
    pub rule: String,
}

#[derive(Debug, Serialize)]
pub struct FindingRecord {
    pub code: &'static str,
    pub severity: Severity,
    pub title: String,
    pub explanation: String,
    pub fix: String,
    pub channel: Option<String>,
}

pub fn name_of(image: &Image, channel: ChannelRef) -> String {
    image
        .qualified_name(channel)
        .unwrap_or_else(|| format!("part {} channel {}", channel.part, channel.channel))
}

pub fn finding_record(image: &Image, finding: &Finding) -> FindingRecord {
    FindingRecord::of(finding, finding.channel.map(|c| name_of(image, c)))
}

impl FindingRecord {
    /// The record of `finding`, about the channel named `channel`.
    pub fn of(finding: &Finding, channel: Option<String>) -> Self {
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

pub fn channel_record(
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

pub fn info_record(path: &Path, image: &Image, analysis: &Analysis) -> InfoRecord {
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
