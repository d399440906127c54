//! Diagnostics: findings about a loaded image, as data, in plain language.
//!
//! Codes (stable; scripts match on them):
//!
//! | code | severity | when |
//! |---|---|---|
//! | `depth_constant` | error | the depth channel holds one value everywhere (1.0: Blender's compositing trap) |
//! | `depth_all_background` | error | every depth sample is a background sentinel (≥ 1e9) or ±Inf |
//! | `depth_missing` | warning | no channel is depth; lists the near misses |
//! | `depth_half_precision` | warning | depth is stored as half float |
//! | `depth_negative` | warning | the depth channel has negative finite values |
//! | `non_finite` | warning | a channel has NaN or ±Inf samples (one finding per channel) |
//! | `rgb_black` | warning | R, G and B are 0 in every pixel |
//! | `alpha_zero` | warning | alpha is 0 in every pixel |
//! | `pixels_unreadable` | error | a part's pixels are damaged or cut off (the file is truncated or corrupt) |
//! | `level_blocks_missing` | error | blocks of the lower mip/rip-map levels lie outside the file (cut off) |
//! | `pixels_not_decoded` | warning | a part's pixels use a feature exrprobe does not decode (deep data, subsampling) |
//! | `depth_background` | info | some depth pixels are background sentinels, excluded from the range |

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{ChannelRef, Image, SampleType};
use crate::naming::{DepthDetection, RgbLayer};
use crate::stats::{ChannelStats, Distribution};
use crate::text::{format_count, format_percent, format_value, plural};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One finding. `code` is stable (scripts match on it); the texts are for people.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    /// One line, e.g. "Depth channel Z is 1.0 in every pixel".
    pub title: String,
    /// What is wrong and why it happens.
    pub explanation: String,
    /// What to do about it.
    pub fix: String,
    /// The channel it is about, if any.
    pub channel: Option<ChannelRef>,
}

/// Diagnoses an image from its statistics, the depth channel's distribution and detection
/// results. Most severe first.
pub fn diagnose(
    image: &Image,
    stats: &BTreeMap<ChannelRef, ChannelStats>,
    depth: &DepthDetection,
    depth_distribution: Option<&Distribution>,
    rgb: Option<&RgbLayer>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(not_decoded(image));
    findings.extend(levels_cut_off(image));
    match depth.channel() {
        Some(channel) => depth_findings(image, stats, channel, depth_distribution, &mut findings),
        None => findings.push(depth_missing(image, depth)),
    }
    if let Some(layer) = rgb {
        rgb_findings(image, stats, layer, &mut findings);
    }
    for (&channel, channel_stats) in stats {
        let is_depth = depth.channel() == Some(channel);
        if let Some(finding) = non_finite(image, channel, channel_stats, is_depth) {
            findings.push(finding);
        }
    }
    // Stable: within a severity, the order above (depth, colour, per-channel in file order).
    findings.sort_by_key(|f| f.severity);
    findings
}

fn channel_name(image: &Image, channel: ChannelRef) -> String {
    image
        .qualified_name(channel)
        .unwrap_or_else(|| format!("#{}.{}", channel.part, channel.channel))
}

// ---------------------------------------------------------------------------------------------
// Depth

const BLENDER_DEPTH_HOWTO: &str = "In Blender, enable View Layer Properties ▸ Passes ▸ Data ▸ Z, \
then either save as OpenEXR MultiLayer (Output Properties ▸ Output ▸ File Format), which stores \
the Depth pass as ViewLayer.Depth.Z, or save as single-layer OpenEXR with Z Buffer ticked (with \
Compositing enabled, also link the Render Layers node's Depth output to the Composite node's Z \
input), or write depth with a File Output node.";

fn depth_findings(
    image: &Image,
    stats: &BTreeMap<ChannelRef, ChannelStats>,
    channel: ChannelRef,
    distribution: Option<&Distribution>,
    findings: &mut Vec<Finding>,
) {
    let name = channel_name(image, channel);
    if image
        .channel(channel)
        .is_some_and(|c| c.sample_type == SampleType::Half)
    {
        findings.push(Finding {
            code: "depth_half_precision",
            severity: Severity::Warning,
            title: format!("Depth channel {name} is stored as half float"),
            explanation: "Half floats hold at most 65504 with 11 significant bits: at a distance \
                of 1000 the step between storable depths is 0.5, at 2000 it is 1, so depth is \
                coarsely quantised, far surfaces collapse together, and Cycles' background value \
                1e10 turns into +Inf."
                .to_owned(),
            fix: "Save depth as 32-bit float: in Blender set Output Properties ▸ Output ▸ Color \
                Depth to Float (Full); an OpenEXR MultiLayer file keeps the Depth pass as 32-bit \
                float even at Float (Half)."
                .to_owned(),
            channel: Some(channel),
        });
    }
    let Some(s) = stats.get(&channel) else {
        return; // pixels not decoded: nothing more to say from the data
    };
    if s.count == 0 {
        return;
    }
    let count = format_count(s.count as u64);
    let background = s.sentinel + s.pos_inf + s.neg_inf;
    if s.real() == 0 && background > 0 {
        findings.push(Finding {
            code: "depth_all_background",
            severity: Severity::Error,
            title: format!("Depth channel {name} saw nothing: every pixel is background"),
            explanation: format!(
                "None of the {count} depth samples is a distance to a surface: they are all the \
                 renderer's \"nothing hit\" marker (≥ 1e9; Cycles writes 1e10) or infinite, so the \
                 camera saw no geometry."
            ),
            fix: "Check that the camera points at the objects, that they are visible to the \
                camera (Object Properties ▸ Visibility) and lie between the camera's Clip Start \
                and Clip End, then render again."
                .to_owned(),
            channel: Some(channel),
        });
    } else if let Some(value) = s.constant {
        findings.push(depth_constant(&name, &count, value, channel));
    } else if s.sentinel > 0 {
        let range = distribution
            .and_then(|d| d.robust_range)
            .map(|(lo, hi)| {
                format!(
                    " so that the real depths ({} to {}) stay readable",
                    format_value(lo),
                    format_value(hi)
                )
            })
            .unwrap_or_default();
        findings.push(Finding {
            code: "depth_background",
            severity: Severity::Info,
            title: format!(
                "Depth channel {name}: {} ({}) {} background",
                plural(s.sentinel as u64, "pixel"),
                format_percent(s.sentinel as u64, s.count as u64),
                if s.sentinel == 1 { "is" } else { "are" }
            ),
            explanation: format!(
                "These pixels saw no surface, and the renderer marked them with a huge distance \
                 (Cycles writes 1e10; anything ≥ 1e9 counts as background). They are excluded \
                 from the display range{range}."
            ),
            fix: "Nothing to fix. When you use the depth, mask these pixels out (depth ≥ 1e9) \
                instead of treating them as distances."
                .to_owned(),
            channel: Some(channel),
        });
    }
    if s.constant.is_none()
        && let Some(min) = s.min
        && min < 0.0
    {
        findings.push(Finding {
            code: "depth_negative",
            severity: Severity::Warning,
            title: format!(
                "Depth channel {name} has negative values (down to {})",
                format_value(min)
            ),
            explanation: "A distance from the camera is never negative. Either this channel is \
                not a rendered depth pass (it may be a position or vector axis), or the depth was \
                remapped (normalised, offset, inverted) after rendering."
                .to_owned(),
            fix: "Check that this is the depth you meant to save; if it was remapped, export the \
                raw Depth pass instead."
                .to_owned(),
            channel: Some(channel),
        });
    }
}

fn depth_constant(name: &str, count: &str, value: f64, channel: ChannelRef) -> Finding {
    let shown = format_value(value);
    let title = format!("Depth channel {name} is {shown} in every pixel");
    if value == 1.0 {
        Finding {
            code: "depth_constant",
            severity: Severity::Error,
            title,
            explanation: format!(
                "All {count} depth samples are exactly 1.0, so the file holds no depth. This is \
                 what Blender writes when Compositing is enabled and the Render Layers node's \
                 Depth output is not linked to the Composite node's Z input: the Composite node \
                 then saves its default Z value of 1.0 for every pixel, although the render itself \
                 had depth."
            ),
            fix: "In Blender, do one of these and render again: untick Output Properties ▸ Post \
                Processing ▸ Compositing; or, in the Compositor, link the Render Layers node's \
                Depth output to the Composite node's Z input; or save as OpenEXR MultiLayer (which \
                stores the real Depth pass) or write depth with a File Output node."
                .to_owned(),
            channel: Some(channel),
        }
    } else {
        Finding {
            code: "depth_constant",
            severity: Severity::Error,
            title,
            explanation: format!(
                "All {count} depth samples hold the same value ({shown}), so the channel carries \
                 no depth: a rendered depth pass has a different distance for every surface. \
                 Whatever wrote the file filled the channel with a constant instead of the \
                 rendered depth."
            ),
            fix: format!("Check how the depth reached the file. {BLENDER_DEPTH_HOWTO}"),
            channel: Some(channel),
        }
    }
}

fn depth_missing(image: &Image, depth: &DepthDetection) -> Finding {
    let channel_count: usize = image.parts.iter().map(|p| p.channels.len()).sum();
    let mut explanation = format!(
        "None of the {} channels is a depth channel, so there is no depth to show or export.",
        format_count(channel_count as u64)
    );
    if !depth.rejected.is_empty() {
        let reasons: Vec<&str> = depth.rejected.iter().map(|r| r.reason.as_str()).collect();
        explanation.push_str(" Channels that came close: ");
        explanation.push_str(&reasons.join("; "));
        explanation.push('.');
    }
    Finding {
        code: "depth_missing",
        severity: Severity::Warning,
        title: "No depth channel in this file".to_owned(),
        explanation,
        fix: BLENDER_DEPTH_HOWTO.to_owned(),
        channel: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Colour

/// True when every sample is a finite zero.
/// One finding per part whose pixels were not decoded: its statistics are missing, so every other
/// finding about it would be silent.
/// Parts whose lower resolution levels are cut off (`level_blocks_missing`, error).
fn levels_cut_off(image: &Image) -> impl Iterator<Item = Finding> + '_ {
    image
        .parts
        .iter()
        .enumerate()
        .filter_map(move |(index, part)| {
            if part.missing_level_blocks == 0 {
                return None;
            }
            let which = match (&part.name, image.is_multi_part()) {
                (Some(name), _) => format!("part {name}"),
                (None, true) => format!("part {index}"),
                (None, false) => "this file".to_owned(),
            };
            Some(Finding {
                code: "level_blocks_missing",
                severity: Severity::Error,
                title: format!(
                    "The smaller resolution levels of {which} are cut off ({} missing)",
                    plural(part.missing_level_blocks as u64, "block")
                ),
                explanation: "The file ends (or its offset table points) before the blocks of its \
                lower mip-map or rip-map levels: the full-resolution image is whole, but a \
                renderer or compositor that reads the smaller levels gets garbage or fails. The \
                file was cut off while it was written or copied."
                    .to_owned(),
                fix: "Write or copy the file again.".to_owned(),
                channel: None,
            })
        })
}

fn not_decoded(image: &Image) -> impl Iterator<Item = Finding> + '_ {
    image
        .parts
        .iter()
        .enumerate()
        .filter_map(move |(index, part)| {
            let reason = part.pixel_error.as_deref()?;
            let which = match (&part.name, image.is_multi_part()) {
                (Some(name), _) => format!("part {name}"),
                (None, true) => format!("part {index}"),
                (None, false) => "this file".to_owned(),
            };
            if part.pixels_damaged {
                return Some(Finding {
                    code: "pixels_unreadable",
                    severity: Severity::Error,
                    title: format!("Pixels of {which} cannot be read: {reason}"),
                    explanation: "The file is damaged or cut off (a render job that died while \
                        writing, a full disk, an interrupted copy): these pixels are lost, and \
                        any channel of this part is missing from statistics and exports."
                        .to_owned(),
                    fix: "Render the frame again; check the disk and the render job's log."
                        .to_owned(),
                    channel: None,
                });
            }
            Some(Finding {
                code: "pixels_not_decoded",
                severity: Severity::Warning,
                title: format!("Pixels of {which} not decoded: {reason}"),
                explanation: "Its header and channel list are shown, but it has no statistics, \
                          preview or export, and nothing can be said about its values."
                    .to_owned(),
                fix:
                    "Open the part in a tool that supports this feature, or write the render again \
                  without it (flat scan-line or tiled data, full-resolution channels)."
                        .to_owned(),
                channel: None,
            })
        })
}

fn all_zero(stats: Option<&ChannelStats>) -> bool {
    stats.is_some_and(|s| {
        s.count > 0 && s.finite == s.count && s.min == Some(0.0) && s.max == Some(0.0)
    })
}

fn rgb_findings(
    image: &Image,
    stats: &BTreeMap<ChannelRef, ChannelStats>,
    layer: &RgbLayer,
    findings: &mut Vec<Finding>,
) {
    let label = layer.label(image);
    if [layer.r, layer.g, layer.b]
        .iter()
        .all(|c| all_zero(stats.get(c)))
    {
        let pixels = stats.get(&layer.r).map_or(0, |s| s.count);
        let channels = if layer.gray {
            "The luminance channel Y is".to_owned()
        } else {
            "R, G and B are".to_owned()
        };
        findings.push(Finding {
            code: "rgb_black",
            severity: Severity::Warning,
            title: format!("Colour layer {label} is black in every pixel"),
            explanation: format!(
                "{channels} 0 in all {} pixels, so the image is empty. Common causes: nothing \
                 lit the scene (no lights, World strength 0), the camera sits inside an object, \
                 or the compositor does not feed the Composite node's Image input.",
                format_count(pixels as u64)
            ),
            fix: "Check the scene in Blender's rendered viewport preview, and that the \
                Compositor links an image to the Composite node's Image input (or untick Output \
                Properties ▸ Post Processing ▸ Compositing)."
                .to_owned(),
            channel: Some(layer.r),
        });
    }
    if let Some(alpha) = layer.a
        && all_zero(stats.get(&alpha))
    {
        let pixels = stats.get(&alpha).map_or(0, |s| s.count);
        findings.push(Finding {
            code: "alpha_zero",
            severity: Severity::Warning,
            title: format!(
                "Alpha channel {} is 0 in every pixel",
                channel_name(image, alpha)
            ),
            explanation: format!(
                "All {} pixels are fully transparent, so programs that respect alpha show \
                 nothing, even where the colour channels hold an image. In Blender this happens \
                 with Render Properties ▸ Film ▸ Transparent when no object covers any pixel.",
                format_count(pixels as u64)
            ),
            fix: "If the colours look right, ignore alpha (the viewer can hide it); otherwise \
                check that objects are visible to the camera, or untick Film ▸ Transparent."
                .to_owned(),
            channel: Some(alpha),
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Any channel

fn non_finite(
    image: &Image,
    channel: ChannelRef,
    s: &ChannelStats,
    is_depth: bool,
) -> Option<Finding> {
    if s.nan + s.pos_inf + s.neg_inf == 0 {
        return None;
    }
    if is_depth && s.nan == 0 && s.neg_inf == 0 {
        // +Inf in depth is a background marker, not a computation error.
        let name = channel_name(image, channel);
        return Some(Finding {
            code: "non_finite",
            severity: Severity::Info,
            title: format!(
                "Depth channel {name}: {} ({}) {} +Inf",
                plural(s.pos_inf as u64, "pixel"),
                format_percent(s.pos_inf as u64, s.count as u64),
                if s.pos_inf == 1 { "is" } else { "are" }
            ),
            explanation: "An infinite depth marks background, where no surface was hit: some \
                renderers write it directly, and Cycles' background value 1e10 becomes +Inf when \
                depth is stored as half float. These pixels are excluded from the display range."
                .to_owned(),
            fix: "Nothing to fix. When you use the depth, mask these pixels out instead of \
                treating them as distances."
                .to_owned(),
            channel: Some(channel),
        });
    }
    let mut parts = Vec::new();
    if s.nan > 0 {
        parts.push(format!("{} NaN", format_count(s.nan as u64)));
    }
    if s.pos_inf > 0 {
        parts.push(format!("{} +Inf", format_count(s.pos_inf as u64)));
    }
    if s.neg_inf > 0 {
        parts.push(format!("{} -Inf", format_count(s.neg_inf as u64)));
    }
    let listed = match parts.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    let bad = s.nan + s.pos_inf + s.neg_inf;
    Some(Finding {
        code: "non_finite",
        severity: Severity::Warning,
        title: format!(
            "Channel {} has {listed} {}",
            channel_name(image, channel),
            if bad == 1 { "sample" } else { "samples" }
        ),
        explanation: format!(
            "{} of {} samples ({}) are not finite numbers. NaN (not a number) and infinities \
             usually come from a division by zero or an overflow in a shader, a compositor node \
             or a post-processing tool; filters and blurs spread them, and most tools treat them \
             differently. The viewer paints NaN magenta, +Inf white and -Inf cyan.",
            format_count(bad as u64),
            format_count(s.count as u64),
            format_percent(bad as u64, s.count as u64)
        ),
        fix: "Find where they are (the viewer's pixel probe shows the values) and fix their \
            source, e.g. a Math or Divide node that divides by zero; or clamp or replace them \
            before using the data."
            .to_owned(),
        channel: Some(channel),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::model::{Channel, Part, Samples, Window};
    use half::f16;

    /// A one-part 4×2 image from (name, samples) pairs.
    fn image(channels: Vec<(&str, Samples)>) -> Image {
        let window = Window {
            x: 0,
            y: 0,
            width: 4,
            height: 2,
        };
        let channels = channels
            .into_iter()
            .map(|(name, samples)| Channel::for_test(name, samples, 4, 2))
            .collect();
        Image {
            source: "test".into(),
            parts: vec![Part::for_test(None, window, channels)],
        }
    }

    fn f32s(values: &[f32]) -> Samples {
        Samples::F32(values.to_vec())
    }

    fn codes(image: &Image) -> Vec<(&'static str, Severity)> {
        analyze(image)
            .findings
            .iter()
            .map(|f| (f.code, f.severity))
            .collect()
    }

    const RAMP: [f32; 8] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
    const DEPTH: [f32; 8] = [3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 1e10];

    #[test]
    fn a_healthy_render_has_only_the_background_note() {
        let img = image(vec![
            ("R", f32s(&RAMP)),
            ("G", f32s(&RAMP)),
            ("B", f32s(&RAMP)),
            ("A", f32s(&[1.0; 8])),
            ("Z", f32s(&DEPTH)),
        ]);
        let analysis = analyze(&img);
        assert_eq!(codes(&img), vec![("depth_background", Severity::Info)]);
        assert_eq!(
            analysis.findings[0].title,
            "Depth channel Z: 1 pixel (12.5 %) is background"
        );
        assert!(analysis.findings[0].explanation.contains("3.0 to 9.0"));
    }

    #[test]
    fn other_constant_depth_gets_the_generic_text() {
        let img = image(vec![
            ("R", f32s(&RAMP)),
            ("G", f32s(&RAMP)),
            ("B", f32s(&RAMP)),
            ("Z", f32s(&[0.0; 8])),
        ]);
        let analysis = analyze(&img);
        let finding = &analysis.findings[0];
        assert_eq!(
            (finding.code, finding.severity),
            ("depth_constant", Severity::Error)
        );
        assert_eq!(finding.title, "Depth channel Z is 0.0 in every pixel");
        assert!(!finding.explanation.contains("Composite node"));
        assert!(finding.fix.contains("Passes ▸ Data ▸ Z"));
    }

    #[test]
    fn depth_of_only_background_is_an_error() {
        let mut all_background = [1e10f32; 8];
        all_background[3] = f32::INFINITY;
        let img = image(vec![("Z", f32s(&all_background))]);
        let found = codes(&img);
        assert_eq!(
            found.first(),
            Some(&("depth_all_background", Severity::Error))
        );
        assert!(
            !found
                .iter()
                .any(|(c, _)| *c == "depth_constant" || *c == "depth_background")
        );
        // The +Inf is noted as background too.
        assert!(found.contains(&("non_finite", Severity::Info)), "{found:?}");
    }

    #[test]
    fn missing_depth_names_the_near_misses() {
        let img = image(vec![
            ("ViewLayer.Combined.R", f32s(&RAMP)),
            ("ViewLayer.Combined.G", f32s(&RAMP)),
            ("ViewLayer.Combined.B", f32s(&RAMP)),
            ("ViewLayer.Mist.Z", f32s(&RAMP)),
        ]);
        let analysis = analyze(&img);
        assert_eq!(codes(&img), vec![("depth_missing", Severity::Warning)]);
        let finding = &analysis.findings[0];
        assert_eq!(finding.channel, None);
        assert!(
            finding
                .explanation
                .contains("ViewLayer.Mist.Z is mist, a 0..1 fog falloff, not depth"),
            "{}",
            finding.explanation
        );
        assert!(
            finding
                .fix
                .contains("View Layer Properties ▸ Passes ▸ Data ▸ Z")
        );
    }

    #[test]
    fn half_and_negative_depth_are_warned_about() {
        let half_depth: Vec<f16> = DEPTH.iter().map(|&v| f16::from_f32(v)).collect();
        let img = image(vec![("Z", Samples::F16(half_depth))]);
        let found = codes(&img);
        assert!(
            found.contains(&("depth_half_precision", Severity::Warning)),
            "{found:?}"
        );
        // 1e10 does not fit in a half: it became +Inf, which in depth is background.
        assert!(found.contains(&("non_finite", Severity::Info)), "{found:?}");
        let analysis = analyze(&img);
        assert!(
            analysis
                .findings
                .iter()
                .any(|f| f.title == "Depth channel Z: 1 pixel (12.5 %) is +Inf"),
            "{:?}",
            analysis.findings
        );

        let img = image(vec![(
            "depth",
            f32s(&[-2.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]),
        )]);
        let analysis = analyze(&img);
        assert_eq!(codes(&img), vec![("depth_negative", Severity::Warning)]);
        assert_eq!(
            analysis.findings[0].title,
            "Depth channel depth has negative values (down to -2.0)"
        );
    }

    #[test]
    fn black_colour_and_zero_alpha_are_warned_about() {
        let img = image(vec![
            ("R", f32s(&[0.0; 8])),
            ("G", f32s(&[0.0; 8])),
            ("B", f32s(&[-0.0; 8])),
            ("A", f32s(&[0.0; 8])),
            ("Z", f32s(&DEPTH)),
        ]);
        let analysis = analyze(&img);
        let found = codes(&img);
        assert_eq!(
            found,
            vec![
                ("rgb_black", Severity::Warning),
                ("alpha_zero", Severity::Warning),
                ("depth_background", Severity::Info),
            ]
        );
        assert_eq!(
            analysis.findings[0].title,
            "Colour layer RGBA is black in every pixel"
        );
        assert_eq!(
            analysis.findings[1].title,
            "Alpha channel A is 0 in every pixel"
        );
        // One non-zero sample is enough to make it an image.
        let mut almost = [0.0f32; 8];
        almost[5] = 0.01;
        let img = image(vec![
            ("R", f32s(&almost)),
            ("G", f32s(&[0.0; 8])),
            ("B", f32s(&[0.0; 8])),
        ]);
        assert!(!codes(&img).iter().any(|(c, _)| *c == "rgb_black"));
    }

    #[test]
    fn parts_without_pixels_are_reported() {
        let mut img = image(vec![("Z", f32s(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]))]);
        img.parts[0].pixel_error =
            Some("deep data (several samples per pixel) is not supported".into());
        for channel in &mut img.parts[0].channels {
            channel.samples = None;
        }
        let findings = analyze(&img).findings;
        let finding = findings.iter().find(|f| f.code == "pixels_not_decoded");
        assert_eq!(
            finding.map(|f| (f.severity, f.title.as_str())),
            Some((
                Severity::Warning,
                "Pixels of this file not decoded: deep data (several samples per pixel) is not supported"
            ))
        );
    }

    #[test]
    fn findings_are_sorted_most_severe_first() {
        let img = image(vec![
            ("R", f32s(&[f32::NAN, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])),
            ("G", f32s(&RAMP)),
            ("B", f32s(&RAMP)),
            ("Z", f32s(&[1.0; 8])),
        ]);
        let analysis = analyze(&img);
        let severities: Vec<Severity> = analysis.findings.iter().map(|f| f.severity).collect();
        assert_eq!(severities, vec![Severity::Error, Severity::Warning]);
        assert_eq!(analysis.findings[1].title, "Channel R has 1 NaN sample");
        // Header-only images (no statistics) still get name-based findings, without a panic.
        let mut header_only = img.clone();
        for channel in &mut header_only.parts[0].channels {
            channel.samples = None;
        }
        assert!(analyze(&header_only).findings.is_empty());
    }
}
