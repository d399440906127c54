//! Statistics and diagnostics on the real fixture files.
//!
//! Expected numbers were computed independently with the official OpenEXR Python bindings and
//! numpy: counts with `np.isnan` / `== inf` / `>= 1e9`, extremes with `min`/`max`, and the robust
//! range as the nearest-rank order statistics `v[floor(0.001·(n−1))]`, `v[ceil(0.999·(n−1))]` of the
//! sorted finite non-sentinel samples (the convention documented in `stats.rs`).

mod support;

use std::sync::atomic::AtomicBool;

use exrprobe_core::analysis::{Analysis, analyze};
use exrprobe_core::diagnose::{Finding, Severity};
use exrprobe_core::load::{LoadOptions, load_file};
use exrprobe_core::model::Image;
use exrprobe_core::stats::{ChannelStats, Distribution};
use support::fixture;

fn load(relative: &str) -> Image {
    let path = fixture(relative);
    let options = LoadOptions {
        memory_budget_bytes: 1 << 30,
        decode_pixels: true,
        ..LoadOptions::default()
    };
    let cancel = AtomicBool::new(false);
    match load_file(&path, &options, &mut |_| {}, &cancel) {
        Ok(image) => image,
        Err(error) => panic!("{relative} should load: {error}"),
    }
}

fn stats<'a>(image: &Image, analysis: &'a Analysis, name: &str) -> &'a ChannelStats {
    let channel = image
        .find_channel(name)
        .unwrap_or_else(|| panic!("channel {name} missing"));
    analysis
        .stats
        .get(&channel)
        .unwrap_or_else(|| panic!("no statistics for {name}"))
}

/// The distribution of channel `name` (computed on demand, once).
fn distribution<'a>(image: &Image, analysis: &'a Analysis, name: &str) -> &'a Distribution {
    let channel = image
        .find_channel(name)
        .unwrap_or_else(|| panic!("channel {name} missing"));
    analysis
        .distribution(image, channel)
        .unwrap_or_else(|| panic!("no distribution for {name}"))
}

fn with_code<'a>(analysis: &'a Analysis, code: &str) -> Vec<&'a Finding> {
    analysis
        .findings
        .iter()
        .filter(|f| f.code == code)
        .collect()
}

fn codes(analysis: &Analysis) -> Vec<&'static str> {
    analysis.findings.iter().map(|f| f.code).collect()
}

fn depth_name(image: &Image, analysis: &Analysis) -> Option<String> {
    analysis
        .depth_channel()
        .and_then(|c| image.qualified_name(c))
}

#[test]
fn compositing_on_depth_is_the_constant_one_trap() {
    let image = load("blender/single_zbuf_compositing_on.exr");
    let analysis = analyze(&image);
    assert_eq!(depth_name(&image, &analysis).as_deref(), Some("Z"));
    let z = stats(&image, &analysis, "Z");
    assert_eq!(z.count, 76_800);
    assert_eq!(z.constant, Some(1.0));
    let zd = distribution(&image, &analysis, "Z");
    assert_eq!(zd.robust_range, Some((1.0, 1.0)));
    let populated: Vec<u64> = zd
        .histogram
        .bins
        .iter()
        .copied()
        .filter(|&c| c > 0)
        .collect();
    assert_eq!(populated, vec![76_800], "one bin holds every pixel");

    let found = with_code(&analysis, "depth_constant");
    assert_eq!(found.len(), 1, "{:?}", codes(&analysis));
    let finding = found[0];
    assert_eq!(finding.severity, Severity::Error);
    assert_eq!(finding.channel, image.find_channel("Z"));
    assert_eq!(finding.title, "Depth channel Z is 1.0 in every pixel");
    assert!(
        finding.explanation.contains("76 800"),
        "{}",
        finding.explanation
    );
    assert!(finding.explanation.contains("Compositing"));
    assert!(finding.explanation.contains("Composite node's Z input"));
    assert!(finding.fix.contains("Post Processing ▸ Compositing"));
    assert!(
        finding
            .fix
            .contains("Depth output to the Composite node's Z input")
    );
    assert!(finding.fix.contains("MultiLayer"));
    assert_eq!(
        analysis.findings[0].code, "depth_constant",
        "most severe first"
    );
    // The colour is a real image: no other complaints.
    assert_eq!(codes(&analysis), vec!["depth_constant"]);
}

#[test]
fn compositing_off_depth_has_background_sentinels_outside_the_range() {
    let image = load("blender/single_zbuf_compositing_off.exr");
    let analysis = analyze(&image);
    assert_eq!(depth_name(&image, &analysis).as_deref(), Some("Z"));
    let z = stats(&image, &analysis, "Z");
    assert_eq!(z.min, Some(f64::from(7.212_733_f32)));
    assert_eq!(z.max, Some(1e10));
    assert_eq!(z.sentinel, 5_095);
    assert_eq!((z.nan, z.pos_inf, z.neg_inf), (0, 0, 0));
    assert_eq!(z.constant, None);
    let zd = distribution(&image, &analysis, "Z");
    let (lo, hi) = zd.robust_range.unwrap_or((f64::NAN, f64::NAN));
    assert_eq!(lo, f64::from(7.212_734_f32));
    assert_eq!(hi, f64::from(22.728_59_f32));
    assert!(
        lo >= 7.2 && hi <= 23.367_587,
        "range within the real depths"
    );
    let h = &zd.histogram;
    assert_eq!(h.sentinel, 5_095);
    assert_eq!(h.total(), 76_800);
    // Nearest ranks 71 and 71 633 of 71 705 real samples; the reference counts 70 samples below
    // (ranks 70 and 71 hold the same value) and 71 above.
    assert_eq!((h.underflow, h.overflow), (70, 71));

    assert!(with_code(&analysis, "depth_constant").is_empty());
    let background = with_code(&analysis, "depth_background");
    assert_eq!(background.len(), 1, "{:?}", codes(&analysis));
    assert_eq!(background[0].severity, Severity::Info);
    assert_eq!(
        background[0].title,
        "Depth channel Z: 5 095 pixels (6.6 %) are background"
    );
    assert_eq!(codes(&analysis), vec!["depth_background"]);
}

#[test]
fn multilayer_depth_is_the_depth_pass_not_mist_or_normal() {
    for file in [
        "blender/multilayer_zip_32.exr",
        "blender/multilayer_piz_16.exr",
    ] {
        let image = load(file);
        let analysis = analyze(&image);
        assert_eq!(
            depth_name(&image, &analysis).as_deref(),
            Some("ViewLayer.Depth.Z"),
            "{file}"
        );
        let depth = stats(&image, &analysis, "ViewLayer.Depth.Z");
        assert_eq!(depth.sentinel, 5_095, "{file}");
        assert_eq!(depth.min, Some(f64::from(7.212_733_f32)), "{file}");
        let mist = stats(&image, &analysis, "ViewLayer.Mist.Z");
        assert_eq!(mist.max, Some(1.0), "{file}");
        assert!(with_code(&analysis, "depth_constant").is_empty(), "{file}");
        assert!(with_code(&analysis, "depth_missing").is_empty(), "{file}");
        // Colour is half in the PIZ file, but Blender keeps depth as float.
        assert!(
            with_code(&analysis, "depth_half_precision").is_empty(),
            "{file}"
        );
        assert_eq!(codes(&analysis), vec!["depth_background"], "{file}");
    }
}

#[test]
fn half_colour_statistics_match_the_reference() {
    let image = load("blender/multilayer_piz_16.exr");
    let analysis = analyze(&image);
    let r = stats(&image, &analysis, "ViewLayer.Combined.R");
    assert_eq!((r.min, r.max), (Some(0.0), Some(0.497_070_312_5)));
    assert_eq!(
        distribution(&image, &analysis, "ViewLayer.Combined.R").robust_range,
        Some((0.010_177_612_304_687_5, 0.427_734_375))
    );
    let a = stats(&image, &analysis, "ViewLayer.Combined.A");
    assert_eq!(a.constant, Some(1.0));
}

#[test]
fn nan_and_inf_are_counted_per_channel() {
    let image = load("openexr-images/TestImages/BrightRingsNanInf.exr");
    let analysis = analyze(&image);
    let found = with_code(&analysis, "non_finite");
    assert_eq!(found.len(), 3, "{:?}", codes(&analysis));
    for name in ["B", "G", "R"] {
        let s = stats(&image, &analysis, name);
        assert_eq!((s.nan, s.pos_inf, s.neg_inf), (2, 2, 2), "{name}");
        assert_eq!((s.min, s.max), (Some(0.5), Some(1025.0)), "{name}");
        let d = distribution(&image, &analysis, name);
        assert_eq!(d.robust_range, Some((0.5, 1013.0)), "{name}");
        assert_eq!((d.histogram.nan, d.histogram.pos_inf), (2, 2), "{name}");
        assert_eq!(d.histogram.neg_inf, 2, "{name}");
        let finding = found
            .iter()
            .find(|f| f.channel == image.find_channel(name))
            .unwrap_or_else(|| panic!("no non_finite finding for {name}"));
        assert_eq!(finding.severity, Severity::Warning);
        assert_eq!(
            finding.title,
            format!("Channel {name} has 2 NaN, 2 +Inf and 2 -Inf samples")
        );
        assert!(finding.explanation.starts_with("6 of 640 000 samples"));
    }
    // No depth in this file: that is reported, after nothing more severe.
    assert_eq!(with_code(&analysis, "depth_missing").len(), 1);
}

#[test]
fn every_half_value_is_classified_and_ranked_exactly() {
    let image = load("openexr-images/TestImages/AllHalfValues.exr");
    let analysis = analyze(&image);
    for name in ["B", "G", "R"] {
        let s = stats(&image, &analysis, name);
        assert_eq!(s.count, 65_536, "{name}");
        assert_eq!((s.nan, s.pos_inf, s.neg_inf), (2_046, 1, 1), "{name}");
        assert_eq!(s.sentinel, 0, "{name}");
        assert_eq!((s.min, s.max), (Some(-65_504.0), Some(65_504.0)), "{name}");
        // Every finite half, each sign once: the sum is exact in f64 and cancels.
        assert_eq!(s.mean, Some(0.0), "{name}");
        let d = distribution(&image, &analysis, name);
        assert_eq!(d.robust_range, Some((-63_488.0, 63_488.0)), "{name}");
        let h = &d.histogram;
        assert_eq!((h.underflow, h.overflow), (63, 63), "{name}");
        assert_eq!(h.total(), 65_536, "{name}");
    }
}

#[test]
fn wide_float_range_percentiles_are_exact() {
    let image = load("openexr-images/TestImages/WideFloatRange.exr");
    let analysis = analyze(&image);
    let g = stats(&image, &analysis, "G");
    assert_eq!(g.count, 250_000);
    assert_eq!(g.sentinel, 47_787, "values ≥ 1e9 count as sentinels");
    assert_eq!(g.min, Some(-1.701_411_834_604_692_3e38));
    assert_eq!(g.max, Some(1.701_411_834_604_692_3e38));
    let gd = distribution(&image, &analysis, "G");
    assert_eq!(
        gd.robust_range,
        Some((-1.280_108_867_503_176_4e38, 751_894_528.0))
    );
    assert_eq!((gd.histogram.underflow, gd.histogram.overflow), (202, 202));
    assert_eq!(gd.histogram.sentinel, 47_787);
    let mean = g.mean.unwrap_or(f64::NAN);
    assert!(mean.abs() <= 1e-6 * 1.7e38, "{mean}");
}

#[test]
fn only_the_depth_distribution_is_computed_up_front_the_others_once_on_demand() {
    let image = load("blender/multilayer_zip_32.exr");
    let analysis = analyze(&image);
    let depth = analysis
        .depth_channel()
        .unwrap_or_else(|| panic!("no depth detected"));
    let red = image
        .find_channel("ViewLayer.Combined.R")
        .unwrap_or_else(|| panic!("no colour channel"));
    assert!(analysis.computed_distribution(depth).is_some());
    assert!(analysis.computed_distribution(red).is_none());
    let first = distribution(&image, &analysis, "ViewLayer.Combined.R");
    assert!(
        analysis
            .computed_distribution(red)
            .is_some_and(|again| std::ptr::eq(again, first)),
        "kept, not recomputed"
    );
    // The same as computing it directly from the samples.
    let samples = image
        .channel(red)
        .and_then(|c| c.samples.as_ref())
        .unwrap_or_else(|| panic!("not decoded"));
    assert_eq!(first, &exrprobe_core::stats::distribution(samples));
    assert_eq!(
        first.histogram.total(),
        stats(&image, &analysis, "ViewLayer.Combined.R").count as u64
    );
    // A clone shares nothing mutable: it keeps what was computed.
    assert!(analysis.clone().computed_distribution(red).is_some());
}

/// The detection-only analysis the viewer shows first agrees with the full one on what it
/// knows, knows no statistics or findings yet, and gives the same distributions on demand.
#[test]
fn detection_only_agrees_with_the_full_analysis() {
    for file in [
        "blender/multilayer_zip_32.exr",
        "blender/single_zbuf_compositing_on.exr",
        "openexr-images/Beachball/multipart.0001.exr",
    ] {
        let image = load(file);
        let full = analyze(&image);
        let quick = Analysis::detection_only(&image);
        assert!(full.is_complete() && !quick.is_complete(), "{file}");
        assert_eq!(quick.depth_channel(), full.depth_channel(), "{file}");
        assert_eq!(quick.rgb_layers, full.rgb_layers, "{file}");
        assert!(
            quick.stats.is_empty() && quick.findings.is_empty(),
            "{file}"
        );
        assert!(
            !full.findings.is_empty() || file.contains("Beachball"),
            "{file}"
        );
        for (channel_ref, _, channel) in image.channels() {
            assert_eq!(
                quick.distribution(&image, channel_ref),
                full.distribution(&image, channel_ref),
                "{file}: {}",
                channel.name
            );
            assert_eq!(
                quick.distribution(&image, channel_ref).is_some(),
                channel.samples.is_some()
            );
        }
    }
}
