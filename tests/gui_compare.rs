//! Viewer tests of compare mode, regions and pins (egui_kittest, no GPU): two renders written
//! for the test, whose differences are known, driven through keys, drags and clicks; every
//! figure the viewer shows is checked against values computed here from the same samples.

// Tests fail loudly on purpose.
#![allow(clippy::expect_used, clippy::unwrap_used)]
use std::path::{Path, PathBuf};

use egui::{Key, Modifiers, PointerButton, pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use exr::prelude::{AnyChannel, FlatSamples, Text};
use exrprobe::gui::{Command, CompareView, ExrProbeApp, Slot};
use exrprobe_core::compare::difference::DifferenceKind;
use exrprobe_core::region::Region;

const W: usize = 48;
const H: usize = 32;

/// Z of A at (x, y): a ramp.
fn z_a(x: usize, y: usize) -> f32 {
    5.0 + x as f32 * 0.125 + y as f32 * 0.25
}

/// Z of B: A's, plus 0.5 right of x = 24 and 2 at one pixel (the largest difference).
fn z_b(x: usize, y: usize) -> f32 {
    let mut z = z_a(x, y);
    if x >= 24 {
        z += 0.5;
    }
    if (x, y) == (40, 7) {
        z += 2.0;
    }
    z
}

fn write_render(dir: &Path, name: &str, z: fn(usize, usize) -> f32) -> PathBuf {
    let zs: Vec<f32> = (0..W * H).map(|i| z(i % W, i / W)).collect();
    let channels = [("R", 0.25f32), ("G", 0.5), ("B", 0.75)]
        .into_iter()
        .map(|(c, v)| AnyChannel::new(Text::from(c), FlatSamples::F32(vec![v; W * H])))
        .chain([AnyChannel::new(Text::from("Z"), FlatSamples::F32(zs))])
        .collect();
    let bytes = exrprobe_synth::zip_scanline_exr(W, H, channels).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

mod common;
use common::gui::{harness, settle};

/// Screen position of the centre of absolute pixel (x, y) in the depth view.
fn depth_view_pos(h: &Harness<'static, ExrProbeApp>, x: f32, y: f32) -> egui::Pos2 {
    let app = h.state();
    let (_, depth_rect) = app.canvas_rects().expect("views are shown");
    app.view_state()
        .screen_from_image(depth_rect, pos2(x + 0.5, y + 0.5))
}

/// A primary-button drag from `from` to `to` in a few steps, with `modifiers` held.
fn drag(
    h: &mut Harness<'static, ExrProbeApp>,
    from: egui::Pos2,
    to: egui::Pos2,
    modifiers: Modifiers,
) {
    h.event(egui::Event::ModifiersChanged(modifiers));
    h.event(egui::Event::PointerMoved(from));
    h.run_ok();
    h.event(egui::Event::PointerButton {
        pos: from,
        button: PointerButton::Primary,
        pressed: true,
        modifiers,
    });
    h.run_ok();
    for step in 1..=4 {
        let t = step as f32 / 4.0;
        h.event(egui::Event::PointerMoved(from + (to - from) * t));
        h.run_ok();
    }
    h.event(egui::Event::PointerButton {
        pos: to,
        button: PointerButton::Primary,
        pressed: false,
        modifiers,
    });
    h.event(egui::Event::ModifiersChanged(Modifiers::NONE));
    h.run_ok();
}

fn click(h: &mut Harness<'static, ExrProbeApp>, pos: egui::Pos2) {
    h.hover_at(pos);
    h.run_ok();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos,
            button: PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        });
    }
    h.run_ok();
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "exrprobe-gui-compare-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_reference_shows_differences_metrics_a_wipe_and_the_probe_of_both() {
    let dir = temp_dir("wipe");
    let a = write_render(&dir, "a.exr", z_a);
    let b = write_render(&dir, "b.exr", z_b);
    let mut h = harness();
    h.state_mut().execute(Command::Open(vec![a]));
    settle(&mut h);
    h.state_mut()
        .execute(Command::SetReference(exrprobe::gui::Source::File(b)));
    settle(&mut h);

    // A reference starts the comparison at A − B, in both views.
    let state = h.state().state();
    assert!(
        state.reference_image().is_some(),
        "{:?}",
        h.state().messages()
    );
    assert_eq!(
        state.compare_view(),
        CompareView::Difference(DifferenceKind::Signed)
    );
    assert!(h.state().shown_texture_size(Slot::Depth).is_some());
    // Its colour bar: ±0.5, the 99th percentile of |A − B| (2.0 is one pixel of 1536).
    let _ = h.get_by_label_contains("range ±0.5 (99th percentile)");

    // The metrics of Z: computed here from the same f32 samples, in f64.
    let (mut max_abs, mut at, mut differing) = (0.0f64, (0, 0), 0);
    for y in 0..H {
        for x in 0..W {
            let d = (f64::from(z_a(x, y)) - f64::from(z_b(x, y))).abs();
            differing += usize::from(d != 0.0);
            if d > max_abs {
                (max_abs, at) = (d, (x as i64, y as i64));
            }
        }
    }
    assert_eq!(at, (40, 7));
    let metrics = state.metrics().expect("metrics computed").as_ref().unwrap();
    let z = metrics.channels.iter().find(|c| c.name == "Z").unwrap();
    assert_eq!(z.metrics.max_abs, max_abs);
    assert_eq!(z.metrics.max_abs_at, Some(at));
    assert_eq!(z.metrics.differing, differing as u64);
    let r = metrics.channels.iter().find(|c| c.name == "R").unwrap();
    assert_eq!(r.metrics.differing, 0);

    // "go" centres on the largest difference and pins it; the probe shows A, B and A − B.
    h.get_all_by_label("go")
        .next()
        .expect("a go button")
        .click();
    h.run_ok();
    settle(&mut h);
    let state = h.state().state();
    assert_eq!(state.marked_pixels().pinned, vec![(40, 7)]);
    assert_eq!(state.view().center_in_image, pos2(40.5, 7.5));
    let (za, zb) = (z_a(40, 7), z_b(40, 7));
    // A's value in the probe and in the pins table; B's and A − B in the probe.
    assert_eq!(h.get_all_by_label(&za.to_string()).count(), 2);
    let _ = h.get_by_label(&zb.to_string());
    let diff_text = exrprobe_core::text::format_exact(f64::from(za) - f64::from(zb));
    let _ = h.get_by_label(&diff_text);

    // W: the wipe, A left of the line and B right of it, from both images.
    h.state_mut().execute(Command::Fit);
    h.key_press(Key::W);
    h.run_ok();
    settle(&mut h);
    assert_eq!(h.state().state().compare_view(), CompareView::Wipe);
    assert!(h.state().shown_texture_size(Slot::DepthReference).is_some());
    assert!(h.state().shown_texture_size(Slot::RgbReference).is_some());
    // The line starts in the middle of the image; drag it to x = 12.
    assert_eq!(h.state().state().wipe_x_in_image(), Some(24.0));
    let (_, depth_rect) = h.state().canvas_rects().unwrap();
    let view = *h.state().view_state();
    let line = view.screen_from_image(depth_rect, pos2(24.0, 16.0));
    let target = view.screen_from_image(depth_rect, pos2(12.0, 16.0));
    drag(&mut h, line, target, Modifiers::NONE);
    let wipe = h.state().state().wipe_x_in_image().unwrap();
    assert!((wipe - 12.0).abs() < 0.5, "the wipe is at {wipe}");
    assert_eq!(
        h.state().view_state().center_in_image,
        view.center_in_image,
        "dragging the line does not pan"
    );

    // B flips to the reference alone; again back to A.
    h.key_press(Key::B);
    h.run_ok();
    assert_eq!(h.state().state().compare_view(), CompareView::B);
    h.key_press(Key::B);
    h.run_ok();
    assert_eq!(h.state().state().compare_view(), CompareView::A);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shift_drag_selects_a_region_whose_statistics_match_the_samples_and_pins_come_and_go() {
    let dir = temp_dir("region");
    let a = write_render(&dir, "a.exr", z_a);
    let mut h = harness();
    h.state_mut().execute(Command::Open(vec![a]));
    settle(&mut h);

    // Shift+drag from pixel (3, 4) to pixel (20, 10).
    let from = depth_view_pos(&h, 3.0, 4.0);
    let to = depth_view_pos(&h, 20.0, 10.0);
    let center = h.state().view_state().center_in_image;
    drag(&mut h, from, to, Modifiers::SHIFT);
    settle(&mut h);
    let region = Region {
        x0: 3,
        y0: 4,
        x1: 21,
        y1: 11,
    };
    let state = h.state().state();
    assert_eq!(state.region(), Some(region));
    assert_eq!(
        state.view().center_in_image,
        center,
        "selecting does not pan"
    );

    // The statistics of Z, against values computed here.
    let mut values: Vec<f64> = (4..11)
        .flat_map(|y| (3..21).map(move |x| f64::from(z_a(x, y))))
        .collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    values.sort_by(f64::total_cmp);
    let median = (values[values.len() / 2 - 1] + values[values.len() / 2]) / 2.0;
    let stats = state.region_stats().expect("measured").as_ref().unwrap();
    let z = stats.iter().find(|s| s.name == "Z").unwrap();
    assert_eq!(z.samples, 18 * 7);
    assert_eq!(z.min, Some(values[0]));
    assert_eq!(z.max, values.last().copied());
    assert_eq!(z.mean, Some(mean));
    assert_eq!(z.median, Some(median));
    let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    assert!((z.std.unwrap() - std).abs() < 1e-12);
    assert_eq!(
        state.region_numpy_slice().as_deref(),
        Some("depth[4:11, 3:21]")
    );
    // The panel shows it, and the numbers can be edited.
    let _ = h.get_by_label("18 × 7 = 126 pixels");
    h.state_mut().execute(Command::SetRegion(Some(Region {
        x0: 0,
        y0: 0,
        x1: 2,
        y1: 1,
    })));
    settle(&mut h);
    let stats = h.state().state().region_stats().unwrap().as_ref().unwrap();
    let z = stats.iter().find(|s| s.name == "Z").unwrap();
    assert_eq!((z.min, z.max), (Some(5.0), Some(5.125)));

    // Two pins by clicking; the table lists both; its × removes the first.
    for (x, y) in [(30.0, 20.0), (40.0, 25.0)] {
        let pos = depth_view_pos(&h, x, y);
        click(&mut h, pos);
    }
    assert_eq!(
        h.state().state().marked_pixels().pinned,
        vec![(30, 20), (40, 25)]
    );
    let _ = h.get_by_label("#1 30,20");
    // The newest pin's Z in the probe and in the table; the first pin's in the table only.
    assert_eq!(h.get_all_by_label(&z_a(40, 25).to_string()).count(), 2);
    let _ = h.get_by_label(&z_a(30, 20).to_string());
    h.get_all_by_label("×")
        .next()
        .expect("a remove button")
        .click();
    h.run_ok();
    assert_eq!(h.state().state().marked_pixels().pinned, vec![(40, 25)]);
    let _ = std::fs::remove_dir_all(&dir);
}
