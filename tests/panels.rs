//! egui_kittest tests of the viewer's panels on hand-built and fixture-loaded data.

use std::collections::BTreeMap;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use exrprobe::gui::panels::channels::{ChannelAction, ChannelSelection, channels_ui};
use exrprobe::gui::panels::findings::findings_ui;
use exrprobe::gui::panels::histogram::{HistogramAction, HistogramSettings, histogram_ui};
use exrprobe::gui::panels::info::info_ui;
use exrprobe::gui::panels::probe::{ProbeHighlight, ProbePos, probe_ui_highlighted};
use exrprobe::gui::panels::shortcuts::shortcuts_ui;
use exrprobe_core::Analysis;
use exrprobe_core::diagnose::{Finding, Severity};
use exrprobe_core::f16;
use exrprobe_core::model::{Attribute, Channel, ChannelRef, Image, Part, Samples, Storage, Window};
use exrprobe_core::naming::{detect_depth, rgb_layers};
use exrprobe_core::stats::{ChannelStats, Distribution, Histogram};

const W: usize = 4;
const H: usize = 2;

fn window() -> Window {
    Window {
        x: 0,
        y: 0,
        width: W,
        height: H,
    }
}

fn f32_channel(name: &str, values: Vec<f32>) -> Channel {
    Channel {
        name: name.to_owned(),
        sample_type: exrprobe_core::model::SampleType::Float,
        sampling: (1, 1),
        quantize_linearly: false,
        width: W,
        height: H,
        samples: Some(Samples::F32(values)),
    }
}

fn f16_channel(name: &str, values: &[f32]) -> Channel {
    Channel {
        name: name.to_owned(),
        sample_type: exrprobe_core::model::SampleType::Half,
        sampling: (1, 1),
        quantize_linearly: false,
        width: W,
        height: H,
        samples: Some(Samples::F16(
            values.iter().map(|&v| f16::from_f32(v)).collect(),
        )),
    }
}

/// A Blender-style multilayer image (names as Blender 3.4 writes them).
fn multilayer() -> Image {
    let ramp = |k: f32| (0..W * H).map(|i| k * i as f32).collect::<Vec<f32>>();
    let mut depth = ramp(1.5);
    depth[7] = 1e10;
    let part = Part {
        name: None,
        data_window: window(),
        display_window: window(),
        pixel_aspect: 1.0,
        compression: "ZIP".into(),
        line_order: "increasing Y".into(),
        storage: Storage::ScanLines,
        deep: false,
        attributes: vec![
            Attribute {
                name: "compression".into(),
                type_name: "compression".into(),
                value: "ZIP".into(),
            },
            Attribute {
                name: "cycles.ViewLayer.samples".into(),
                type_name: "string".into(),
                value: "128".into(),
            },
            Attribute {
                name: "Camera".into(),
                type_name: "string".into(),
                value: "Camera.001".into(),
            },
        ],
        channels: vec![
            f16_channel("ViewLayer.Combined.A", &[1.0; W * H]),
            f16_channel("ViewLayer.Combined.B", &[0.1; W * H]),
            f16_channel("ViewLayer.Combined.G", &[0.2; W * H]),
            f16_channel("ViewLayer.Combined.R", &[0.3; W * H]),
            f32_channel("ViewLayer.Depth.Z", depth),
            f32_channel("ViewLayer.Mist.Z", ramp(0.1)),
            f32_channel("ViewLayer.Normal.X", ramp(0.01)),
            f32_channel("ViewLayer.Normal.Y", ramp(0.02)),
            f32_channel("ViewLayer.Normal.Z", ramp(0.03)),
        ],
        pixel_error: None,
        pixels_damaged: false,
        missing_level_blocks: 0,
    };
    Image {
        source: "multilayer test".into(),
        parts: vec![part],
    }
}

fn empty_histogram() -> Histogram {
    Histogram {
        lo: 0.0,
        hi: 0.0,
        bins: vec![],
        underflow: 0,
        overflow: 0,
        sentinel: 0,
        nan: 0,
        pos_inf: 0,
        neg_inf: 0,
    }
}

/// Statistics as the core would report them for a channel that holds `value` everywhere.
fn constant_stats(count: usize, value: f64) -> (ChannelStats, Distribution) {
    let mut bins = vec![0; 256];
    bins[0] = count as u64;
    let stats = ChannelStats {
        count,
        finite: count,
        min: Some(value),
        max: Some(value),
        mean: Some(value),
        nan: 0,
        pos_inf: 0,
        neg_inf: 0,
        sentinel: 0,
        constant: Some(value),
    };
    let distribution = Distribution {
        robust_range: Some((value, value)),
        histogram: Histogram {
            lo: value,
            hi: value,
            bins,
            ..empty_histogram()
        },
    };
    (stats, distribution)
}

/// An analysis with the core's real depth/RGB detection and hand-written findings.
fn analysis_of(image: &Image, findings: Vec<Finding>) -> Analysis {
    Analysis::new(
        BTreeMap::new(),
        detect_depth(image),
        rgb_layers(image),
        findings,
    )
}

fn constant_depth_finding() -> Finding {
    Finding {
        code: "depth_constant",
        severity: Severity::Error,
        title: "Depth channel Z is 1 in every pixel".into(),
        explanation: "Blender's Composite node wrote its default Z of 1.0.".into(),
        fix: "Untick Output Properties ▸ Post Processing ▸ Compositing.".into(),
        channel: None,
    }
}

/// The probe panel highlighting what the core detects (what the app shows before the user
/// chooses).
fn probe_ui(ui: &mut egui::Ui, image: &Image, pos: Option<ProbePos>, pinned: bool) {
    probe_ui_highlighted(
        ui,
        image,
        None,
        pos,
        pinned,
        &ProbeHighlight::detected(image),
    );
}

#[test]
fn findings_banner_shows_the_title_and_expands_to_the_fix() {
    let findings = vec![
        constant_depth_finding(),
        Finding {
            code: "depth_background",
            severity: Severity::Info,
            title: "5 095 pixels (6.6 %) are background".into(),
            explanation: "Rays that hit nothing.".into(),
            fix: "Nothing to do.".into(),
            channel: None,
        },
    ];
    let mut harness = Harness::new_ui(move |ui| findings_ui(ui, &findings));
    harness.run();
    harness.get_by_label_contains("Depth channel Z is 1 in every pixel");
    harness.get_by_label_contains("5 095 pixels (6.6 %) are background");
    assert!(
        harness
            .query_by_label_contains("Untick Output Properties")
            .is_none(),
        "the fix is hidden until the finding is expanded"
    );
    harness
        .get_by_label_contains("Depth channel Z is 1 in every pixel")
        .click();
    harness.run();
    harness.get_by_label_contains("Untick Output Properties > Post Processing > Compositing.");
    harness.get_by_label_contains("Blender's Composite node wrote its default Z of 1.0.");
    // The other finding stays collapsed.
    assert!(
        harness
            .query_by_label_contains("Rays that hit nothing.")
            .is_none()
    );
}

#[test]
fn findings_banner_draws_nothing_without_findings() {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(400.0, 200.0))
        .build_ui(|ui| {
            findings_ui(ui, &[]);
            ui.label("after");
        });
    harness.run();
    let after = harness.get_by_label("after").rect();
    assert!(after.top() < 20.0, "banner took space: {after:?}");
}

#[test]
fn histogram_of_a_constant_channel_says_so() {
    let (stats, distribution) = constant_stats(76_800, 1.0);
    let settings = HistogramSettings::default();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(700.0, 300.0))
        .build_ui(move |ui| {
            let _ = histogram_ui(ui, "Z", &stats, &distribution, (1.0, 1.0), settings);
        });
    harness.run();
    harness.get_by_label("all 76 800 pixels = 1");
}

#[test]
fn histogram_drag_returns_a_new_range_inside_the_data() {
    let mut bins = vec![10u64; 256];
    bins[0] = 1000;
    let stats = ChannelStats {
        count: 256 * 10 + 990 + 5,
        finite: 256 * 10 + 990 + 5,
        min: Some(0.0),
        max: Some(1e10),
        mean: Some(1.0),
        nan: 0,
        pos_inf: 0,
        neg_inf: 0,
        sentinel: 5,
        constant: None,
    };
    let distribution = Distribution {
        robust_range: Some((0.0, 100.0)),
        histogram: Histogram {
            lo: 0.0,
            hi: 100.0,
            bins,
            sentinel: 5,
            ..empty_histogram()
        },
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(700.0, 300.0))
        .build_ui_state(
            move |ui, state: &mut (HistogramSettings, Option<(f64, f64)>)| match histogram_ui(
                ui,
                "ViewLayer.Depth.Z",
                &stats,
                &distribution,
                (0.0, 100.0),
                state.0,
            ) {
                Some(HistogramAction::SetRange(lo, hi)) => state.1 = Some((lo, hi)),
                Some(HistogramAction::SetLogCounts(on)) => state.0.log_counts = on,
                None => {}
            },
            (HistogramSettings::default(), None),
        );
    harness.run();
    harness.get_by_label("sentinel");
    harness.get_by_label("5");
    assert_eq!(harness.state().1, None);

    harness.hover_at(egui::pos2(150.0, 150.0));
    harness.run();
    harness.drag_at(egui::pos2(150.0, 150.0));
    harness.run();
    for x in [170.0, 200.0, 250.0, 300.0] {
        harness.hover_at(egui::pos2(x, 150.0));
        harness.run();
    }
    harness.drop_at(egui::pos2(300.0, 150.0));
    harness.run();
    let (min, max) = harness.state().1.unwrap_or((f64::NAN, f64::NAN));
    assert!(min < max, "dragged range {min} .. {max}");
    assert!(min > 0.0 && max < 100.0, "dragged range {min} .. {max}");

    // The log-count toggle is a labelled checkbox.
    harness.get_by_label("Log count").click();
    harness.run();
    assert!(harness.state().0.log_counts);
}

#[test]
fn channel_tree_lists_blender_depth_and_sets_it_as_depth() {
    let image = multilayer();
    let analysis = analysis_of(&image, vec![]);
    let depth = image.find_channel("ViewLayer.Depth.Z");
    let mist = image.find_channel("ViewLayer.Mist.Z");
    assert!(depth.is_some() && mist.is_some());
    // Start with Mist as depth, so "Use as depth" on Depth.Z is a real change.
    let selection = ChannelSelection {
        rgb_layer: Some(0),
        depth: mist,
        solo: None,
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(500.0, 500.0))
        .build_ui_state(
            move |ui, action: &mut Option<ChannelAction>| {
                if let Some(a) = channels_ui(ui, &image, &analysis, 1, &selection) {
                    *action = Some(a);
                }
            },
            None,
        );
    harness.run();
    harness.get_by_label("ViewLayer.Combined");
    harness.get_by_label("ViewLayer.Normal.Z");
    harness.get_by_label("ViewLayer.Depth.Z").click_secondary();
    harness.run();
    harness.get_by_label("Use as depth").click();
    harness.run();
    assert_eq!(
        *harness.state(),
        depth.map(ChannelAction::SetDepth),
        "Use as depth on ViewLayer.Depth.Z"
    );

    // A plain click views the channel alone.
    *harness.state_mut() = None;
    harness.get_by_label("ViewLayer.Normal.Z").click();
    harness.run();
    assert_eq!(
        *harness.state(),
        Some(ChannelAction::Solo(image_ref(
            &multilayer(),
            "ViewLayer.Normal.Z"
        )))
    );
}

#[test]
fn channel_tree_lays_out_only_the_visible_rows_of_thousands_of_channels() {
    // 3 000 channels: 100 layers × 30 components, like a large AOV dump.
    let mut image = multilayer();
    let channels: Vec<Channel> = (0..100)
        .flat_map(|layer| {
            (0..30).map(move |c| f32_channel(&format!("L{layer:03}.P.C{c:02}"), vec![0.5; W * H]))
        })
        .collect();
    image.parts[0].channels = channels;
    let analysis = analysis_of(&image, vec![]);
    let selection = ChannelSelection::default();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(400.0, 400.0))
        .build_ui(move |ui| {
            // Inside a caller's scroll area, as the app's left panel does.
            egui::ScrollArea::vertical().show(ui, |ui| {
                let _ = channels_ui(ui, &image, &analysis, 1, &selection);
            });
        });
    harness.run();
    harness.get_by_label("L000.P.C00");
    assert!(
        harness.query_by_label("L099.P.C29").is_none(),
        "rows far below the visible area must not be laid out"
    );
    // Collapsing the first layer brings the next one into view.
    assert!(harness.query_by_label("L001.P.C00").is_none());
    harness.get_by_label("L000").click();
    harness.run();
    assert!(harness.query_by_label("L000.P.C00").is_none());
    harness.get_by_label("L001.P.C00");
}

/// The rows are kept from frame to frame (rebuilding the tree of 20 000 channels took 30 ms a
/// frame); a new document (generation) must still show its own channels at once.
#[test]
fn channel_tree_rows_follow_a_new_document() {
    let first = multilayer();
    let mut second = multilayer();
    second.parts[0].channels = vec![f32_channel("Other.Pass.Q", vec![0.5; W * H])];
    let documents = [
        (first.clone(), analysis_of(&first, vec![])),
        (second.clone(), analysis_of(&second, vec![])),
    ];
    let selection = ChannelSelection::default();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(500.0, 500.0))
        .build_ui_state(
            move |ui, shown: &mut usize| {
                let (image, analysis) = &documents[*shown];
                let _ = channels_ui(ui, image, analysis, *shown as u64 + 1, &selection);
            },
            0usize,
        );
    harness.run();
    harness.get_by_label("ViewLayer.Depth.Z");
    assert!(harness.query_by_label("Other.Pass.Q").is_none());
    harness.get_by_label("ViewLayer");
    *harness.state_mut() = 1;
    harness.run();
    harness.get_by_label("Other.Pass.Q");
    harness.get_by_label("Other");
    assert!(harness.query_by_label("ViewLayer.Depth.Z").is_none());
    assert!(harness.query_by_label("ViewLayer").is_none());
}

fn image_ref(image: &Image, name: &str) -> Option<ChannelRef> {
    image.find_channel(name)
}

#[test]
fn channel_tree_collapses_groups() {
    let image = multilayer();
    let analysis = analysis_of(&image, vec![]);
    let selection = ChannelSelection::default();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(500.0, 500.0))
        .build_ui(move |ui| {
            let _ = channels_ui(ui, &image, &analysis, 1, &selection);
        });
    harness.run();
    harness.get_by_label("ViewLayer.Normal.X");
    harness.get_by_label("Normal").click();
    harness.run();
    assert!(harness.query_by_label("ViewLayer.Normal.X").is_none());
    harness.get_by_label("ViewLayer.Depth.Z");
}

#[test]
fn probe_shows_exact_values() {
    let image = multilayer();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(500.0, 500.0))
        .build_ui(move |ui| {
            probe_ui(
                ui,
                &image,
                Some(ProbePos {
                    part: 0,
                    col: 3,
                    row: 1,
                }),
                true,
            );
        });
    harness.run();
    harness.get_by_label("3, 1");
    // Depth at (3, 1) is the sentinel 1e10 (the shortest text that reads back to it); Mist is
    // 0.1 × 7 as f32; B is half 0.1.
    harness.get_by_label("1e10");
    harness.get_by_label(&(0.1f32 * 7.0).to_string());
    harness.get_by_label(&f16::from_f32(0.1).to_f32().to_string());
    harness.get_by_label("PINNED");
}

#[test]
fn info_lists_attributes_and_blender_metadata() {
    let image = multilayer();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(600.0, 600.0))
        .build_ui(move |ui| info_ui(ui, &image));
    harness.run();
    harness.get_by_label("Render metadata");
    assert_eq!(
        harness.get_all_by_label("cycles.ViewLayer.samples").count(),
        2
    );
    assert_eq!(harness.get_all_by_label("Camera.001").count(), 2);
    harness.get_by_label("(0, 0) – (3, 1), 4 × 2");
}

#[test]
fn shortcuts_table_lists_every_shortcut() {
    let mut harness = Harness::new_ui(shortcuts_ui);
    harness.run();
    harness.get_by_label("Ctrl+Shift+E");
    harness.get_by_label("F1");
    harness.get_by_label("Click");
}

// ---- On the real Blender fixtures (needs the core's loader and analysis) ----

fn fixture(name: &str) -> (Image, Analysis) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/blender")
        .join(name);
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let image = exrprobe_core::load::load_file(
        &path,
        &exrprobe_core::load::LoadOptions::default(),
        &mut |_| {},
        &cancel,
    )
    .unwrap_or_else(|e| panic!("cannot load fixture: {e}"));
    let analysis = exrprobe_core::analyze(&image);
    (image, analysis)
}

#[test]
fn fixture_constant_depth_histogram_and_banner() {
    let (image, analysis) = fixture("single_zbuf_compositing_on.exr");
    let depth = analysis.depth_channel();
    assert_eq!(depth, image.find_channel("Z"));
    let stats = depth
        .and_then(|d| analysis.stats.get(&d))
        .cloned()
        .unwrap_or_else(|| panic!("no depth stats"));
    assert!(
        depth.is_some_and(|d| analysis.computed_distribution(d).is_some()),
        "the analysis computes the depth channel's distribution"
    );
    let distribution = depth
        .and_then(|d| analysis.distribution(&image, d))
        .cloned()
        .unwrap_or_else(|| panic!("no depth distribution"));
    let findings = analysis.findings.clone();
    let banner_title = findings
        .iter()
        .find(|f| f.code == "depth_constant")
        .map(|f| f.title.clone())
        .unwrap_or_else(|| panic!("no depth_constant finding"));
    let settings = HistogramSettings::default();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(800.0, 500.0))
        .build_ui(move |ui| {
            findings_ui(ui, &findings);
            let _ = histogram_ui(ui, "Z", &stats, &distribution, (1.0, 1.0), settings);
        });
    harness.run();
    harness.get_by_label("all 76 800 pixels = 1");
    harness.get_by_label_contains(&banner_title).click();
    harness.run();
    // The fix, with Blender's menu path readable in egui's fonts.
    harness.get_by_label_contains(
        "In Blender, do one of these and render again: untick Output Properties > Post",
    );
}

#[test]
fn fixture_multilayer_tree_lists_depth_and_sets_it() {
    let (image, analysis) = fixture("multilayer_zip_32.exr");
    let depth = image.find_channel("ViewLayer.Depth.Z");
    assert!(depth.is_some());
    assert_eq!(analysis.depth_channel(), depth);
    let selection = ChannelSelection {
        rgb_layer: Some(0),
        depth: None,
        solo: None,
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(500.0, 700.0))
        .build_ui_state(
            move |ui, action: &mut Option<ChannelAction>| {
                if let Some(a) = channels_ui(ui, &image, &analysis, 1, &selection) {
                    *action = Some(a);
                }
            },
            None,
        );
    harness.run();
    harness.get_by_label("ViewLayer.Depth.Z").click_secondary();
    harness.run();
    harness.get_by_label("Use as depth").click();
    harness.run();
    assert_eq!(*harness.state(), depth.map(ChannelAction::SetDepth));
}

#[test]
fn fixture_probe_shows_the_exact_depth_value() {
    let (image, _) = fixture("single_zbuf_compositing_off.exr");
    let z = image
        .find_channel("Z")
        .and_then(|z| image.channel(z))
        .unwrap_or_else(|| panic!("no Z"));
    // The nearest point of the scene (the minimum), printed as the shortest exact text.
    let (index, value) = match &z.samples {
        Some(Samples::F32(v)) => v
            .iter()
            .copied()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or_else(|| panic!("empty")),
        _ => panic!("Z is not float"),
    };
    assert_eq!(value.to_string(), "7.212733");
    let pos = ProbePos {
        part: 0,
        col: index % z.width,
        row: index / z.width,
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(500.0, 400.0))
        .build_ui(move |ui| probe_ui(ui, &image, Some(pos), false));
    harness.run();
    harness.get_by_label("7.212733");
    harness.get_by_label(&format!("{}, {}", pos.col, pos.row));
}

#[test]
fn probe_shows_display_window_coordinates_when_the_windows_differ() {
    let mut image = multilayer();
    image.parts[0].data_window = Window {
        x: 10,
        y: -5,
        width: W,
        height: H,
    };
    image.parts[0].display_window = Window {
        x: 4,
        y: -10,
        width: 20,
        height: 20,
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(500.0, 500.0))
        .build_ui(move |ui| {
            probe_ui(
                ui,
                &image,
                Some(ProbePos {
                    part: 0,
                    col: 1,
                    row: 1,
                }),
                false,
            );
        });
    harness.run();
    // Absolute (data window) coordinates, then relative to the display window's corner.
    harness.get_by_label("11, -4");
    harness.get_by_label("display x, y");
    harness.get_by_label("7, 6");
    assert!(harness.query_by_label("PINNED").is_none());
    // Mist at (1, 1) = index 5 → 0.1 × 5 as f32.
    harness.get_by_label(&(0.1f32 * 5.0).to_string());
}

#[test]
fn channel_tree_exports_from_the_context_menu_and_picks_the_colour_layer() {
    let image = multilayer();
    let analysis = analysis_of(&image, vec![]);
    let depth = image.find_channel("ViewLayer.Depth.Z");
    let combined = analysis
        .rgb_layers
        .iter()
        .position(|layer| layer.prefix.as_deref() == Some("ViewLayer.Combined"));
    assert!(combined.is_some());
    let selection = ChannelSelection {
        rgb_layer: None,
        depth,
        solo: depth,
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(500.0, 500.0))
        .build_ui_state(
            move |ui, action: &mut Option<ChannelAction>| {
                if let Some(a) = channels_ui(ui, &image, &analysis, 1, &selection) {
                    *action = Some(a);
                }
            },
            None,
        );
    harness.run();
    // Viewing Depth.Z alone: the tree offers the way back.
    harness.get_by_label_contains("Viewing ViewLayer.Depth.Z alone");
    harness
        .get_by_role_and_label(egui::accesskit::Role::Button, "ViewLayer.Depth.Z")
        .click_secondary();
    harness.run();
    harness.get_by_label("Export as .npy…").click();
    harness.run();
    assert_eq!(*harness.state(), depth.map(ChannelAction::Export));

    *harness.state_mut() = None;
    harness.get_by_label("ViewLayer.Combined").click();
    harness.run();
    assert_eq!(*harness.state(), combined.map(ChannelAction::SetRgbLayer));

    *harness.state_mut() = None;
    harness.get_by_label("Back to RGB").click();
    harness.run();
    assert_eq!(*harness.state(), Some(ChannelAction::Solo(None)));
}

#[test]
fn histogram_of_an_all_nan_channel_says_so_without_a_range() {
    let stats = ChannelStats {
        count: 4,
        finite: 0,
        min: None,
        max: None,
        mean: None,
        nan: 4,
        pos_inf: 0,
        neg_inf: 0,
        sentinel: 0,
        constant: Some(f64::NAN),
    };
    let distribution = Distribution {
        robust_range: None,
        histogram: Histogram {
            lo: f64::NAN,
            hi: f64::NAN,
            bins: vec![0; 256],
            nan: 4,
            ..empty_histogram()
        },
    };
    let settings = HistogramSettings::default();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(700.0, 300.0))
        .build_ui(move |ui| {
            let _ = histogram_ui(
                ui,
                "Z",
                &stats,
                &distribution,
                (f64::NAN, f64::NAN),
                settings,
            );
        });
    harness.run();
    harness.get_by_label("all 4 pixels = NaN");
    harness.get_by_label("NaN");
    // The NaN count and the total.
    assert_eq!(harness.get_all_by_label("4").count(), 2);
}

/// Every non-ASCII character inside a string or char literal of `source` (comments skipped).
fn literal_symbols(source: &str) -> BTreeMap<char, usize> {
    let mut symbols = BTreeMap::new();
    for line in source.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut in_literal = false;
        let mut prev = ' ';
        let mut chars = code.chars().peekable();
        while let Some(c) = chars.next() {
            if !in_literal && c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            if (c == '"' || c == '\'') && prev != '\\' {
                in_literal = !in_literal;
            } else if in_literal && !c.is_ascii() {
                *symbols.entry(c).or_insert(0) += 1;
            }
            prev = c;
        }
    }
    symbols
}

#[test]
fn every_symbol_the_viewer_draws_is_in_eguis_bundled_fonts() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gui");
    let mut files = vec![dir.clone()];
    let mut symbols = BTreeMap::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            let entries = std::fs::read_dir(&path).unwrap_or_else(|e| panic!("{e}: {path:?}"));
            files.extend(entries.flatten().map(|e| e.path()));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}: {path:?}"));
            for (c, n) in literal_symbols(&source) {
                *symbols.entry(c).or_insert(0) += n;
            }
        }
    }
    assert!(
        symbols.contains_key(&'…'),
        "the scan finds literals: {symbols:?}"
    );
    // findings::displayable maps these to ASCII before drawing.
    for mapped in ['▸', '►', '▶', '→'] {
        symbols.remove(&mapped);
    }
    let text: String = symbols.keys().collect();
    // The harness panics on a glyph missing from egui's bundled fonts (no allow_missing_glyphs).
    let mut harness = Harness::builder().build_ui(move |ui| {
        ui.label(text.as_str());
        ui.label(egui::RichText::new(text.as_str()).monospace());
        ui.label(egui::RichText::new(text.as_str()).strong());
    });
    harness.run();
}

#[test]
fn a_channel_row_in_a_narrow_panel_keeps_its_badges_inside_the_panel() {
    let image = multilayer();
    let analysis = exrprobe_core::analyze(&image);
    let selection = ChannelSelection {
        rgb_layer: Some(0),
        depth: image.find_channel("ViewLayer.Depth.Z"),
        solo: None,
    };
    let width = 190.0;
    let mut harness = Harness::builder()
        .with_size(egui::vec2(width, 500.0))
        .build_ui(move |ui| {
            // As the app's left panel: inside a caller's scroll area.
            egui::ScrollArea::vertical().show(ui, |ui| {
                let _ = channels_ui(ui, &image, &analysis, 1, &selection);
            });
        });
    harness.run();
    // Depth.Z holds one 1e10 sentinel: its row ends with the "bg 1" badge.
    let depth_marker = harness.get_by_label(" depth ").rect();
    let bg = harness.get_by_label("bg 1").rect();
    assert!(
        bg.right() <= width && depth_marker.right() <= width,
        "cut off at the panel edge {width}: depth {depth_marker:?}, bg {bg:?}"
    );
    assert!(
        (bg.center().y - depth_marker.center().y).abs() < 2.0,
        "same row"
    );
}

#[test]
fn a_long_finding_title_wraps_inside_a_narrow_banner() {
    let mut finding = constant_depth_finding();
    finding.title = "Depth channel ViewLayer.Depth.Z is 1.0 in every one of the 76 800 pixels \
                     of this render"
        .into();
    let width = 260.0;
    let mut harness = Harness::builder()
        .with_size(egui::vec2(width, 300.0))
        .build_ui(move |ui| findings_ui(ui, std::slice::from_ref(&finding)));
    harness.run();
    let header = harness
        .get_by_label_contains("is 1.0 in every one of the 76 800 pixels")
        .rect();
    assert!(header.right() <= width, "{header:?} is wider than {width}");
    assert!(header.height() > 30.0, "the title should wrap: {header:?}");
}
