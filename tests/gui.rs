//! Viewer tests with egui_kittest (no GPU): the whole app is driven through its frame function,
//! the command path and synthetic input events, on real fixture files.

// Tests fail loudly on purpose.
#![allow(clippy::expect_used, clippy::unwrap_used)]
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Key, pos2, vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use exrprobe::gui::MessageKind;
use exrprobe::gui::panels::probe::ProbePos;
use exrprobe::gui::{Command, ExportKind, ExrProbeApp, Slot};

mod common;

fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

const ZBUF_OFF: &str = "blender/single_zbuf_compositing_off.exr";
const ZBUF_ON: &str = "blender/single_zbuf_compositing_on.exr";
const MULTI_ZIP: &str = "blender/multilayer_zip_32.exr";
const MULTI_PIZ: &str = "blender/multilayer_piz_16.exr";

use common::gui::{DroppedPath, blender_shot, harness, harness_with, painted_texts, settle};

fn open(h: &mut Harness<'static, ExrProbeApp>, files: &[&str]) {
    h.state_mut()
        .execute(Command::Open(files.iter().map(|f| fixture(f)).collect()));
    settle(h);
}

/// Screen position of the centre of absolute pixel (x, y) in the depth view.
fn depth_view_pos(h: &Harness<'static, ExrProbeApp>, x: usize, y: usize) -> egui::Pos2 {
    let app = h.state();
    let (_, depth_rect) = app.canvas_rects().expect("views are shown");
    app.view_state()
        .screen_from_image(depth_rect, pos2(x as f32 + 0.5, y as f32 + 0.5))
}

#[test]
fn hovering_a_pixel_shows_its_exact_depth_value() {
    let mut h = harness();
    open(&mut h, &[ZBUF_OFF]);
    assert!(h.state().document().is_some(), "{:?}", h.state().messages());

    // Read independently with the OpenEXR Python bindings: Z at x=100, y=120 is 10.998737f32
    // (bits 0x412FFAD4).
    let pos = depth_view_pos(&h, 100, 120);
    h.hover_at(pos);
    h.run_ok();
    assert_eq!(
        h.state().probe(),
        Some(ProbePos {
            part: 0,
            col: 100,
            row: 120
        })
    );
    let doc = h.state().document().expect("document");
    let z = doc.image.find_channel("Z").expect("Z channel");
    let value = doc
        .image
        .channel(z)
        .and_then(|c| c.value_at(100, 120))
        .expect("Z at (100, 120)");
    assert_eq!(value.to_f32().to_bits(), 0x412F_FAD4);
    assert_eq!(value.to_string(), "10.998737");
    // The probe panel shows the shortest round-trip text of the f32.
    let _ = h.get_by_label("10.998737");
    // Also in the status bar summary.
    let _ = h.get_by_label_contains("Z = 10.998737");
}

/// The first hover over an image fills the probe panel in one pass: a panel part that egui
/// lays out invisibly first (a new `Grid`) would make that frame run twice, over the 4 ms frame
/// budget while a big render still decodes.
#[test]
fn the_first_hover_over_an_image_runs_one_pass_per_frame() {
    let mut h = harness();
    open(&mut h, &[ZBUF_OFF]);
    let passes = h.ctx.cumulative_pass_nr();
    // The frame of the hover moves the probe; the next one draws the panel.
    h.hover_at(depth_view_pos(&h, 100, 120));
    h.step();
    h.step();
    assert!(h.state().probe().is_some(), "the probe follows the pointer");
    let texts = painted_texts(&h);
    assert!(texts.iter().any(|t| t == "100, 120"), "{texts:?}");
    assert_eq!(
        h.ctx.cumulative_pass_nr() - passes,
        2,
        "passes of two frames"
    );
}

#[test]
fn clicking_pins_the_probe_and_escape_releases_it() {
    let mut h = harness();
    open(&mut h, &[ZBUF_OFF]);
    let pos = depth_view_pos(&h, 10, 20);
    h.hover_at(pos);
    h.run_ok();
    h.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    h.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_ok();
    assert!(h.state().is_pinned());
    // Moving away keeps the pinned pixel.
    h.hover_at(depth_view_pos(&h, 200, 200));
    h.run_ok();
    assert_eq!(
        h.state().probe(),
        Some(ProbePos {
            part: 0,
            col: 10,
            row: 20
        })
    );
    h.key_press(Key::Escape);
    h.run_ok();
    assert!(!h.state().is_pinned());
    assert_eq!(
        h.state().probe(),
        Some(ProbePos {
            part: 0,
            col: 200,
            row: 200
        })
    );
}

#[test]
fn dropped_files_form_a_sequence_that_keeps_view_settings_when_stepping() {
    let mut h = harness();
    for name in [MULTI_ZIP, MULTI_PIZ] {
        h.input_mut()
            .dropped_files
            .push(Arc::new(DroppedPath(fixture(name))));
    }
    settle(&mut h);
    assert_eq!(h.state().files().len(), 2);
    assert_eq!(h.state().current_file(), Some(0));
    let first = h.state().document().expect("first frame loaded");
    let depth_name = first
        .image
        .qualified_name(h.state().selection().depth.expect("depth detected"))
        .expect("name");
    assert!(
        first.source.label().contains("multilayer_zip_32"),
        "{}",
        first.source.label()
    );

    // Change zoom, pan and the depth range, then step to the next file with the keyboard.
    h.state_mut().execute(Command::SetDepthRange(5.0, 15.0));
    h.state_mut().execute(Command::Zoom(2.0));
    h.run_ok();
    let zoom = h.state().view_state().zoom;
    let center = h.state().view_state().center_in_image;
    h.key_press(Key::ArrowDown);
    settle(&mut h);

    let app = h.state();
    assert_eq!(app.current_file(), Some(1));
    let second = app.document().expect("second frame loaded");
    assert!(second.source.label().contains("multilayer_piz_16"));
    assert_eq!(
        second
            .image
            .qualified_name(app.selection().depth.expect("depth kept")),
        Some(depth_name)
    );
    assert_eq!(app.depth_range(), Some((5.0, 15.0)));
    assert_eq!(app.view_state().zoom, zoom);
    assert_eq!(app.view_state().center_in_image, center);

    // PageUp goes back.
    h.key_press(Key::PageUp);
    settle(&mut h);
    assert_eq!(h.state().current_file(), Some(0));
}

#[test]
fn choosing_a_channel_shows_it_on_its_own() {
    let mut h = harness();
    open(&mut h, &[MULTI_ZIP]);
    let doc = h.state().document().expect("loaded").clone();
    let (channel, _, ch) = doc
        .image
        .channels()
        .find(|(_, _, c)| c.name.ends_with("Normal.X"))
        .expect("a Normal.X channel");
    let name = doc.image.qualified_name(channel).expect("name");
    assert!(!ch.name.is_empty());
    h.state_mut().execute(Command::Solo(Some(channel)));
    settle(&mut h);
    assert_eq!(h.state().selection().solo, Some(channel));
    let _ = h.get_by_label(&format!("Channel {name}"));
    // The histogram follows the channel viewed on its own.
    let _ = h.get_by_label(&format!("Histogram: {name}"));
    h.state_mut().execute(Command::Solo(None));
    settle(&mut h);
    assert_eq!(h.state().selection().solo, None);
}

#[test]
fn constant_depth_shows_the_banner_and_the_histogram_says_so() {
    let mut h = harness();
    open(&mut h, &[ZBUF_ON]);
    let doc = h.state().document().expect("loaded").clone();
    let finding = doc
        .analysis
        .findings
        .iter()
        .find(|f| f.code == "depth_constant")
        .expect("the core reports depth_constant");
    let _ = h.get_by_label_contains(&finding.title);
    // 320 × 240 = 76 800 pixels, every one 1.0.
    let _ = h.get_by_label_contains("all 76 800 pixels = 1");
}

/// Reads a little-endian `<f4` `.npy` file: (shape, values).
fn read_npy_f32(path: &Path) -> (Vec<usize>, Vec<f32>) {
    let bytes = std::fs::read(path).expect("npy exists");
    assert_eq!(&bytes[..6], b"\x93NUMPY", "npy magic");
    let (header_len, start) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        _ => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).expect("ascii header");
    assert!(header.contains("'descr': '<f4'"), "{header}");
    assert!(header.contains("'fortran_order': False"), "{header}");
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .expect("shape");
    let shape: Vec<usize> = shape_text
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().expect("dimension"))
        .collect();
    let data = &bytes[start + header_len..];
    let values = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    (shape, values)
}

#[test]
fn exporting_depth_writes_a_bit_exact_npy_and_confirms_the_path() {
    let mut h = harness();
    open(&mut h, &[ZBUF_OFF]);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("frame.depth.npy");
    h.state_mut().execute(Command::Export {
        kind: ExportKind::Depth,
        path: Some(path.clone()),
    });
    settle(&mut h);

    let (shape, values) = read_npy_f32(&path);
    assert_eq!(shape, vec![240, 320]);
    let doc = h.state().document().expect("loaded");
    let z = doc.image.find_channel("Z").expect("Z");
    let samples = doc
        .image
        .channel(z)
        .and_then(|c| c.samples.as_ref())
        .expect("decoded Z")
        .to_f32_vec();
    assert_eq!(values.len(), samples.len());
    assert!(
        values
            .iter()
            .zip(&samples)
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "exported values differ from the decoded channel"
    );
    // Independent check (OpenEXR Python bindings): Z[120, 100] = 10.998737.
    assert_eq!(values[120 * 320 + 100].to_bits(), 0x412F_FAD4);

    let confirmation = h
        .state()
        .messages()
        .iter()
        .find(|m| m.kind == MessageKind::Info)
        .expect("a confirmation");
    assert!(
        confirmation.text.contains(&path.display().to_string()),
        "{}",
        confirmation.text
    );
    let _ = h.get_by_label_contains(&path.display().to_string());
    // No temporary file is left beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn save_view_as_png_writes_both_views_side_by_side() {
    let mut h = harness();
    open(&mut h, &[ZBUF_OFF]);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("view.png");
    h.state_mut().execute(Command::SavePng(Some(path.clone())));
    settle(&mut h);

    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&path).expect("png exists"),
    ));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png data");
    // RGB view (320) + 8 px gap + depth view (320), 240 high.
    assert_eq!((info.width, info.height), (648, 240));
    // The depth half shows Z through the current mapping.
    let app = h.state();
    let (lo, hi) = app.depth_range().expect("range");
    let settings = app.depth_settings();
    let mapping = exrprobe::core::colormap::ScalarMapping {
        lo,
        hi,
        invert: settings.invert,
        log: settings.log,
        colormap: settings.colormap,
    };
    let expected = exrprobe::core::colormap::scalar_color(f64::from(10.998_737_f32), &mapping);
    let at = ((120 * 648 + 328 + 100) * 4) as usize;
    assert_eq!(&buf[at..at + 4], &expected);
}

#[test]
fn a_damaged_file_shows_an_error_and_the_app_keeps_working() {
    let mut h = harness();
    // A real render cut short.
    let dir = tempfile::tempdir().expect("temp dir");
    let truncated = dir.path().join("truncated.exr");
    let bytes = std::fs::read(fixture(ZBUF_OFF)).expect("fixture");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).expect("write");

    for damaged in [
        truncated,
        fixture(
            "openexr-images/Damaged/asan_heap-oob_7f4d5072b39d_561_5f5e4ef49a581edaf7bf0858fbfcfdd1_exr",
        ),
    ] {
        h.state_mut().execute(Command::Open(vec![damaged.clone()]));
        settle(&mut h);
        let error = h
            .state()
            .messages()
            .iter()
            .rev()
            .find(|m| m.kind == MessageKind::Error)
            .expect("an error message")
            .clone();
        assert!(
            error.text.contains(&damaged.display().to_string()),
            "{}",
            error.text
        );
        // Shown in the window (the newest message is last).
        assert!(
            h.query_all_by_label_contains(&error.text).next().is_some(),
            "the error is not shown"
        );
    }
    // Dismiss the messages and open a good file.
    while !h.state().messages().is_empty() {
        h.state_mut().execute(Command::DismissMessage(0));
    }
    open(&mut h, &[ZBUF_OFF]);
    assert!(
        h.state().messages().is_empty(),
        "{:?}",
        h.state().messages()
    );
    assert!(h.state().document().is_some());
}

#[test]
fn fit_and_one_to_one_shortcuts_change_the_zoom() {
    let mut h = harness();
    open(&mut h, &[ZBUF_OFF]);
    let fitted = h.state().view_state().zoom;
    assert!(
        fitted > 1.0,
        "a 320×240 image is magnified to fit: {fitted}"
    );
    h.key_press(Key::Num1);
    h.run_ok();
    assert_eq!(h.state().view_state().zoom, 1.0);
    h.key_press(Key::F);
    h.run_ok();
    assert_eq!(h.state().view_state().zoom, fitted);
}

/// The image stays fitted when the window is resized, until the user zooms.
#[test]
fn a_fitted_image_follows_the_window_size_until_the_user_zooms() {
    let mut h = harness();
    open(&mut h, &[ZBUF_OFF]);
    let fitted_zoom = |h: &Harness<'static, ExrProbeApp>| {
        let (_, depth) = h.state().canvas_rects().expect("views are shown");
        ((depth.width() - 8.0) / 320.0).min((depth.height() - 8.0) / 240.0)
    };
    let before = h.state().view_state().zoom;
    assert_eq!(before, fitted_zoom(&h));
    h.set_size(vec2(1000.0, 700.0));
    h.run_ok();
    let after = h.state().view_state().zoom;
    assert!(after < before, "{after} after {before}");
    assert_eq!(after, fitted_zoom(&h));

    h.state_mut().execute(Command::Zoom(2.0));
    h.run_ok();
    let zoomed = h.state().view_state().zoom;
    h.set_size(vec2(1400.0, 900.0));
    h.run_ok();
    assert_eq!(h.state().view_state().zoom, zoomed);
    // F fits again, and the view follows the window again.
    h.key_press(Key::F);
    h.run_ok();
    assert_eq!(h.state().view_state().zoom, fitted_zoom(&h));
}

#[test]
fn welcome_view_offers_open_and_examples() {
    let mut h = harness();
    h.run_ok();
    let _ = h.get_by_label("Open…");
    let _ = h.get_by_label("Open example render");
    let _ = h.get_by_label_contains("Drop .exr files or a render folder here");
}

#[test]
fn ctrl_c_copies_the_pinned_probe_with_exact_values() {
    let mut h = harness();
    open(&mut h, &[ZBUF_OFF]);
    h.state_mut().execute(Command::Unpin);
    let pos = depth_view_pos(&h, 100, 120);
    h.hover_at(pos);
    h.run_ok();
    h.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    h.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_ok();
    assert!(h.state().is_pinned());
    // One frame with Ctrl+C going down: the copy lands in that frame's output.
    h.input_mut().events.push(egui::Event::Key {
        key: Key::C,
        pressed: true,
        modifiers: egui::Modifiers::COMMAND,
        repeat: false,
        physical_key: None,
    });
    h.step();
    let copied: Vec<String> = h
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            egui::OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(copied.len(), 1, "{copied:?}");
    assert!(copied[0].contains("10.998737"), "{}", copied[0]);
}

#[test]
fn exposure_keys_step_by_one_stop() {
    let mut h = harness();
    open(&mut h, &[ZBUF_OFF]);
    h.key_press(Key::E);
    h.run_ok();
    assert_eq!(h.state().exposure(), 1.0);
    h.key_press_modifiers(egui::Modifiers::SHIFT, Key::E);
    h.key_press_modifiers(egui::Modifiers::SHIFT, Key::E);
    settle(&mut h);
    assert_eq!(h.state().exposure(), -1.0);
}

/// A synthetic multilayer render of `width` × `height` opened in a viewer whose GPU allows
/// textures of `max_texture_side`; the folder holding it lives as long as the returned guard.
fn open_synth_render(
    width: usize,
    height: usize,
    max_texture_side: usize,
) -> (tempfile::TempDir, Harness<'static, ExrProbeApp>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("wide.exr");
    let bytes = exrprobe_synth::spheres_multilayer_exr(width, height).expect("synth");
    std::fs::write(&path, bytes).expect("write");
    let mut h = harness();
    h.input_mut().max_texture_side = Some(max_texture_side);
    h.step();
    h.state_mut().execute(Command::Open(vec![path]));
    settle(&mut h);
    (dir, h)
}

#[test]
fn view_textures_are_as_sharp_as_the_screen_needs_and_saved_pngs_at_full_resolution() {
    let (dir, mut h) = open_synth_render(3840, 160, 8192);
    // Fitted, a view shows the 3840 samples across a few hundred pixels: the texture is
    // decimated by a power of two, keeping at least one texel per screen pixel.
    let (rgb_canvas, _) = h.state().canvas_rects().expect("views laid out");
    let zoom = h.state().view_state().zoom;
    let shown_pixels = 3840.0 * zoom;
    assert!(
        shown_pixels < rgb_canvas.width() + 1.0,
        "fitted: {shown_pixels}"
    );
    let [width, height] = h.state().shown_texture_size(Slot::Rgb).expect("texture");
    let factor = 3840usize.div_ceil(width);
    assert!(
        factor.is_power_of_two() && factor >= 4,
        "{width} × {height}"
    );
    assert!(
        width as f32 >= shown_pixels.floor(),
        "{width} texels for {shown_pixels} pixels"
    );
    assert_eq!(height, 160usize.div_ceil(factor));
    assert_eq!(
        h.state().shown_texture_size(Slot::Depth),
        Some([width, height])
    );

    // Zooming in a little stays within the same power of two: nothing is rendered again.
    let uploads = h.state().texture_uploads();
    h.state_mut().execute(Command::Zoom(1.1));
    settle(&mut h);
    assert_eq!(h.state().texture_uploads(), uploads);
    assert_eq!(
        h.state().shown_texture_size(Slot::Rgb),
        Some([width, height])
    );

    // 1:1 shows every sample.
    h.state_mut().execute(Command::OneToOne);
    settle(&mut h);
    assert_eq!(h.state().shown_texture_size(Slot::Rgb), Some([3840, 160]));
    assert_eq!(h.state().shown_texture_size(Slot::Depth), Some([3840, 160]));

    // Back to fit, and a PNG of the views: the file's resolution, not the screen's.
    h.state_mut().execute(Command::Fit);
    settle(&mut h);
    assert_eq!(
        h.state().shown_texture_size(Slot::Rgb),
        Some([width, height])
    );
    let png_path = dir.path().join("views.png");
    h.state_mut()
        .execute(Command::SavePng(Some(png_path.clone())));
    settle(&mut h);
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&png_path).expect("png exists"),
    ));
    let info = decoder.read_info().expect("png header").info().clone();
    // Both views side by side with an 8 px gap.
    assert_eq!((info.width, info.height), (3840 * 2 + 8, 160));
}

#[test]
fn images_larger_than_the_texture_limit_are_downsampled_but_probed_at_full_resolution() {
    // egui needs at least 1024 texels for its font atlas; a 2100 × 120 render exceeds that.
    let (_dir, mut h) = open_synth_render(2100, 120, 1024);
    // Every third sample: ceil(2100 / 3) × ceil(120 / 3).
    assert_eq!(h.state().shown_texture_size(Slot::Depth), Some([700, 40]));
    assert_eq!(h.state().shown_texture_size(Slot::Rgb), Some([700, 40]));

    // The probe reads the full-resolution model: pixel 1001 is not a multiple of 3.
    let pos = depth_view_pos(&h, 1001, 61);
    h.hover_at(pos);
    h.run_ok();
    assert_eq!(
        h.state().probe(),
        Some(ProbePos {
            part: 0,
            col: 1001,
            row: 61
        })
    );
    let doc = h.state().document().expect("loaded");
    let depth = h.state().selection().depth.expect("depth");
    let value = doc
        .image
        .channel(depth)
        .and_then(|c| c.value_at(1001, 61))
        .expect("value");
    let _ = h.get_by_label_contains(&format!("= {value}"));
}

/// In-memory eframe storage.
#[derive(Default)]
struct MemoryStorage(std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

#[test]
fn open_recent_is_persisted_across_restarts() {
    let mut h = harness();
    open(&mut h, &[ZBUF_OFF]);
    open(&mut h, &[ZBUF_ON]);
    let mut storage = MemoryStorage::default();
    eframe::App::save(h.state_mut(), &mut storage);

    let mut cc = eframe::CreationContext::_new_kittest(egui::Context::default());
    cc.storage = Some(&storage);
    let restarted = ExrProbeApp::new(Some(&cc));
    let recent: Vec<String> = restarted
        .recent()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    // Most recent first.
    assert_eq!(
        recent,
        vec![
            "single_zbuf_compositing_on.exr".to_owned(),
            "single_zbuf_compositing_off.exr".to_owned()
        ]
    );
}

#[test]
fn a_new_open_supersedes_a_load_in_flight() {
    let mut h = harness();
    h.run_ok();
    // The multi-part file takes longest to load; the second open must win and the first load's
    // result (or its cancellation) must not show up.
    h.state_mut().execute(Command::Open(vec![fixture(
        "openexr-images/Beachball/multipart.0001.exr",
    )]));
    h.state_mut()
        .execute(Command::Open(vec![fixture(ZBUF_OFF)]));
    settle(&mut h);
    let doc = h.state().document().expect("loaded");
    assert!(
        doc.source.label().contains("single_zbuf_compositing_off"),
        "{}",
        doc.source.label()
    );
    assert!(
        h.state().messages().is_empty(),
        "{:?}",
        h.state().messages()
    );
    // Give a late result of the first load every chance to arrive, then check again.
    std::thread::sleep(Duration::from_millis(200));
    settle(&mut h);
    assert!(
        h.state()
            .document()
            .expect("loaded")
            .source
            .label()
            .contains("single_zbuf_compositing_off")
    );
}

#[test]
fn dragging_files_over_the_window_shows_the_drop_overlay() {
    let mut h = harness();
    h.run_ok();
    assert!(
        !painted_texts(&h)
            .iter()
            .any(|t| t.starts_with("Drop to open"))
    );
    for name in [MULTI_ZIP, MULTI_PIZ] {
        h.input_mut().hovered_files.push(egui::HoveredFile {
            path: Some(fixture(name)),
            mime: String::new(),
        });
    }
    h.step();
    assert!(
        painted_texts(&h)
            .iter()
            .any(|t| t == "Drop to open these 2 files as a sequence"),
        "{:?}",
        painted_texts(&h)
    );
}

#[test]
fn zoomed_far_in_each_pixel_shows_its_value() {
    let mut h = harness();
    open(&mut h, &[ZBUF_OFF]);
    // At 1:1, drag pixel (100, 120) to the middle of the depth view, then zoom to 64 points per
    // pixel about the middle.
    h.state_mut().execute(Command::OneToOne);
    h.run_ok();
    let from = depth_view_pos(&h, 100, 120);
    let (_, depth_rect) = h.state().canvas_rects().expect("views");
    let to = depth_rect.center() + vec2(0.5, 0.5);
    h.hover_at(from);
    h.drag_at(from);
    h.hover_at(from + vec2(10.0, 0.0));
    h.hover_at(to);
    h.drop_at(to);
    h.run_ok();
    h.state_mut().execute(Command::Zoom(64.0));
    h.run_ok();
    let pos = depth_view_pos(&h, 100, 120);
    assert!(depth_rect.contains(pos), "{pos:?} outside {depth_rect:?}");
    h.hover_at(pos);
    h.run_ok();
    let texts = painted_texts(&h);
    // The overlay uses 4 decimals: Z = 10.998737 → "10.9987".
    assert!(texts.iter().any(|t| t == "10.9987"), "{texts:?}");
    assert_eq!(
        h.state().probe(),
        Some(ProbePos {
            part: 0,
            col: 100,
            row: 120
        })
    );
}

/// Whether any text exactly `text` painted in the last frame has a background colour (the probe
/// panel's depth highlight); `None` when no such text was painted.
fn painted_with_background(h: &Harness<'static, ExrProbeApp>, text: &str) -> Option<bool> {
    let mut found = None;
    for clipped in &h.output().shapes {
        if let egui::Shape::Text(shape) = &clipped.shape
            && shape.galley.text() == text
        {
            let highlighted = shape
                .galley
                .job
                .sections
                .iter()
                .any(|s| s.format.background != egui::Color32::TRANSPARENT);
            found = Some(found.unwrap_or(false) || highlighted);
        }
    }
    found
}

#[test]
fn the_probe_highlights_the_depth_channel_the_user_chose() {
    let mut h = harness();
    open(&mut h, &[MULTI_ZIP]);
    let doc = h.state().document().expect("loaded").clone();
    let detected = doc
        .image
        .find_channel("ViewLayer.Depth.Z")
        .expect("Depth.Z");
    let mist = doc.image.find_channel("ViewLayer.Mist.Z").expect("Mist.Z");
    assert_eq!(h.state().selection().depth, Some(detected));
    h.hover_at(depth_view_pos(&h, 10, 10));
    h.run_ok();
    assert_eq!(painted_with_background(&h, "ViewLayer.Depth.Z"), Some(true));
    assert_eq!(painted_with_background(&h, "ViewLayer.Mist.Z"), Some(false));

    h.state_mut().execute(Command::SetDepth(mist));
    settle(&mut h);
    h.hover_at(depth_view_pos(&h, 11, 10));
    h.run_ok();
    assert_eq!(painted_with_background(&h, "ViewLayer.Mist.Z"), Some(true));
    assert_eq!(
        painted_with_background(&h, "ViewLayer.Depth.Z"),
        Some(false)
    );
}

/// Whether the last frame asked for another frame right away.
fn repaint_requested(h: &Harness<'static, ExrProbeApp>) -> bool {
    h.output()
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .is_some_and(|v| v.repaint_delay.is_zero())
}

#[test]
fn a_frame_that_runs_commands_asks_for_the_next_frame() {
    let mut h = harness();
    open(&mut h, &[ZBUF_OFF]);
    h.step();
    assert!(!repaint_requested(&h), "an idle frame should not repaint");
    // What a histogram drag produces: the result must show without waiting for input.
    h.state_mut().push_command(Command::SetDepthRange(2.0, 8.0));
    h.step();
    assert!(repaint_requested(&h));
    h.run_ok();
    h.state_mut().push_command(Command::ShowShortcuts);
    h.step();
    assert!(repaint_requested(&h));
}

#[test]
fn without_a_dialog_backend_open_says_so_and_export_offers_the_default_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let exr = dir.path().join("frame_0001.exr");
    std::fs::copy(fixture(ZBUF_OFF), &exr).expect("copy fixture");
    let mut h = harness();
    h.state_mut()
        .set_dialogs(exrprobe::gui::Dialogs::Unavailable);

    // Open…: a message in the window instead of nothing.
    h.state_mut().push_command(Command::OpenDialog);
    h.run_ok();
    assert!(
        h.state()
            .messages()
            .iter()
            .any(|m| m.kind == MessageKind::Error && m.text.contains("No file dialog")),
        "{:?}",
        h.state().messages()
    );
    let _ = h.get_by_label_contains("xdg-desktop-portal or zenity is needed");
    h.state_mut().execute(Command::DismissMessage(0));

    h.state_mut().execute(Command::Open(vec![exr.clone()]));
    settle(&mut h);
    h.state_mut().push_command(Command::Export {
        kind: ExportKind::Depth,
        path: None,
    });
    h.run_ok();
    let expected = dir.path().join("frame_0001.depth.npy");
    assert_eq!(
        h.state().save_offer().map(|o| o.path.clone()),
        Some(expected.clone())
    );
    assert!(
        !expected.exists(),
        "nothing is written before the user agrees"
    );
    h.get_by_label("Save as frame_0001.depth.npy").click();
    settle(&mut h);
    assert!(h.state().save_offer().is_none());
    let (shape, _) = read_npy_f32(&expected);
    assert_eq!(shape, vec![240, 320]);
    assert!(
        h.state().messages().iter().any(
            |m| m.kind == MessageKind::Info && m.text.contains(&expected.display().to_string())
        ),
        "{:?}",
        h.state().messages()
    );
}

#[test]
fn a_constant_depth_channel_is_labelled_on_the_depth_view() {
    let mut h = harness();
    open(&mut h, &[ZBUF_ON]);
    let label = "constant 1 — no depth";
    assert!(
        painted_texts(&h).iter().any(|t| t == label),
        "{:?}",
        painted_texts(&h)
    );
    // A real depth map carries no such label.
    open(&mut h, &[ZBUF_OFF]);
    assert!(!painted_texts(&h).iter().any(|t| t.ends_with("no depth")));
}

/// The command line's first file starts decoding before the window exists; the app takes that
/// load over instead of starting it again, and shows it like any opened file.
#[test]
fn a_load_started_before_the_window_is_taken_over() {
    use exrprobe::gui::{ChannelChoice, Source, Worker};
    let files = vec![fixture(ZBUF_OFF), fixture(ZBUF_ON)];
    let mut worker = Worker::default();
    let generation = worker.start_load(Source::File(files[0].clone()), ChannelChoice::default());
    let app = ExrProbeApp::starting(None, files.clone(), worker, Instant::now());
    let mut h = harness_with(app);
    settle(&mut h);
    let app = h.state();
    let doc = app.document().expect("the first file is shown");
    // The same load, not a second one.
    assert_eq!(doc.generation, generation);
    assert_eq!(doc.source, Source::File(files[0].clone()));
    assert_eq!(app.current_file(), Some(0));
    assert_eq!(
        app.files(),
        &files.iter().cloned().map(Source::File).collect::<Vec<_>>()[..]
    );
    assert_eq!(app.recent().first(), Some(&files[0]));
    assert!(app.shown_texture_size(Slot::Depth).is_some());

    // Without a load in flight the files are opened as usual.
    let other = ExrProbeApp::starting(
        None,
        vec![fixture(ZBUF_ON)],
        Worker::default(),
        Instant::now(),
    );
    let mut h = harness_with(other);
    settle(&mut h);
    let doc = h.state().document().expect("opened");
    assert_eq!(doc.source, Source::File(fixture(ZBUF_ON)));
}

/// A load reports the decoded image first, with the detection only, so the views can show it
/// while the statistics are computed; the full analysis follows and ends the load.
#[test]
fn a_load_sends_the_image_before_its_analysis() {
    use exrprobe::gui::{ChannelChoice, Source, Worker, WorkerMsg};
    let mut worker = Worker::default();
    let generation = worker.start_load(Source::File(fixture(ZBUF_ON)), ChannelChoice::default());
    let next = |worker: &mut Worker| -> WorkerMsg {
        loop {
            let msg = worker
                .recv_timeout(Duration::from_secs(120))
                .expect("the loader answers");
            if !matches!(msg, WorkerMsg::LoadProgress { .. }) {
                return msg;
            }
        }
    };
    let WorkerMsg::Loaded(loaded) = next(&mut worker) else {
        panic!("the image comes first");
    };
    assert_eq!(loaded.generation, generation);
    assert!(!loaded.analysis.is_complete());
    assert!(loaded.analysis.findings.is_empty());
    let depth = loaded
        .analysis
        .depth_channel()
        .expect("Z is detected from its name");
    assert!(loaded.analysis.computed_distribution(depth).is_some());
    assert!(worker.accept(&WorkerMsg::Loaded(loaded)));
    assert!(!worker.is_idle(), "the analysis is still running");

    let msg = next(&mut worker);
    let WorkerMsg::Analysed {
        generation: analysed,
        analysis,
        rest_error: None,
        ..
    } = &msg
    else {
        panic!("then the analysis");
    };
    assert_eq!(*analysed, generation);
    assert!(analysis.is_complete());
    assert!(
        analysis.findings.iter().any(|f| f.code == "depth_constant"),
        "{:?}",
        analysis.findings
    );
    assert!(worker.accept(&msg));
    assert!(worker.is_idle());
}

/// A render with more passes than the views draw (#13): the first image holds only the colour
/// layer and the depth channel; the whole file follows with the analysis, bit for bit what one
/// full load gives, with the statistics of every channel.
#[test]
fn a_load_sends_the_shown_channels_first_and_the_whole_file_after() {
    use exrprobe::gui::{ChannelChoice, Source, Worker, WorkerMsg};
    let path = fixture(MULTI_ZIP);
    let mut worker = Worker::default();
    worker.start_load(Source::File(path.clone()), ChannelChoice::default());
    let next = |worker: &mut Worker| -> WorkerMsg {
        loop {
            let msg = worker
                .recv_timeout(Duration::from_secs(120))
                .expect("the loader answers");
            if !matches!(msg, WorkerMsg::LoadProgress { .. }) {
                return msg;
            }
        }
    };
    let WorkerMsg::Loaded(loaded) = next(&mut worker) else {
        panic!("the image comes first");
    };
    let decoded = |image: &exrprobe_core::model::Image| -> Vec<String> {
        image
            .channels()
            .filter(|(_, _, c)| c.samples.is_some())
            .filter_map(|(c, _, _)| image.qualified_name(c))
            .collect()
    };
    assert_eq!(
        decoded(&loaded.image),
        [
            "ViewLayer.Combined.A",
            "ViewLayer.Combined.B",
            "ViewLayer.Combined.G",
            "ViewLayer.Combined.R",
            "ViewLayer.Depth.Z",
        ]
    );
    let msg = next(&mut worker);
    let WorkerMsg::Analysed {
        image,
        analysis,
        rest_error: None,
        ..
    } = msg
    else {
        panic!("then the whole file with its analysis");
    };
    let full = exrprobe_core::load::load_file(
        &path,
        &exrprobe_core::load::LoadOptions::default(),
        &mut |_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(image.parts, full.parts);
    assert_eq!(analysis.stats.len(), full.channels().count());
    let expected = exrprobe_core::analyze(&full);
    assert_eq!(
        format!("{:?}", analysis.findings),
        format!("{:?}", expected.findings)
    );
}

/// While the other channels decode, the first image is on screen and everything that needs them
/// says "loading…": their rows in the channel tree, their values in the probe, a view asked to
/// show one of them, an export of them; nothing reads as an error. When they arrive it all goes.
#[test]
fn channels_still_loading_say_so() {
    use exrprobe_core::load::{ChannelFilter, LoadOptions, load_file};
    use exrprobe_core::naming::{detect_depth, rgb_layers};
    let path = fixture(MULTI_ZIP);
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let header_only = LoadOptions {
        decode_pixels: false,
        ..LoadOptions::default()
    };
    let header = load_file(&path, &header_only, &mut |_| {}, &cancel).unwrap();
    let layer = rgb_layers(&header).first().cloned().unwrap();
    let mut shown: Vec<_> = vec![layer.r, layer.g, layer.b];
    shown.extend(layer.a);
    shown.extend(detect_depth(&header).channel());
    let first_stage = LoadOptions {
        channels: ChannelFilter::only(shown),
        ..LoadOptions::default()
    };
    let partial = load_file(&path, &first_stage, &mut |_| {}, &cancel).unwrap();
    let whole = load_file(&path, &LoadOptions::default(), &mut |_| {}, &cancel).unwrap();

    let mut h = harness();
    h.state_mut()
        .deliver_decoded(exrprobe::gui::Source::File(path.clone()), Arc::new(partial));
    settle(&mut h);
    let loading_badges = h.query_all_by_label("loading…").count();
    assert!(
        loading_badges >= 4,
        "Mist, Normal and alpha: {loading_badges}"
    );
    assert!(h.query_by_label("not decoded").is_none());
    assert!(h.state().shown_texture_size(Slot::Depth).is_some());
    assert!(h.state().shown_texture_size(Slot::Rgb).is_some());
    // The probe: shown channels have values, the others are loading.
    h.hover_at(depth_view_pos(&h, 10, 10));
    h.run_ok();
    assert!(h.query_by_label("n/a").is_none());
    assert!(h.query_all_by_label("loading…").count() > loading_badges);
    // A view of a channel still loading says so (no old picture, no error).
    let mist = whole.find_channel("ViewLayer.Mist.Z").unwrap();
    h.state_mut().execute(Command::Solo(Some(mist)));
    settle(&mut h);
    assert!(h.state().shown_texture_size(Slot::Rgb).is_none());
    assert!(
        painted_texts(&h)
            .iter()
            .any(|t| t == "Loading ViewLayer.Mist.Z…"),
        "{:?}",
        painted_texts(&h)
    );
    // Exporting it waits.
    h.state_mut().execute(Command::Export {
        kind: ExportKind::Channel(Some(mist)),
        path: None,
    });
    h.run_ok();
    let last = h.state().messages().last().expect("a message").text.clone();
    assert!(last.contains("still loading"), "{last}");

    h.state_mut().deliver_analysis(Some(Arc::new(whole)));
    settle(&mut h);
    assert!(h.query_by_label("loading…").is_none());
    assert!(h.query_by_label("not decoded").is_none());
    assert!(
        h.state().shown_texture_size(Slot::Rgb).is_some(),
        "Mist is drawn now"
    );
}

/// `exrprobe export` and the viewer's File ▸ Export propose the same default file for the same
/// channel (both take it from the core): here for a channel whose name has a space and letters
/// beyond ASCII, which the two front ends used to sanitise differently.
#[test]
fn the_cli_and_the_viewer_propose_the_same_default_export_names() {
    use exr::prelude::{
        AnyChannel, AnyChannels, Blocks, Compression, Encoding, FlatSamples, Image as ExrImage,
        Layer, LayerAttributes, LineOrder, Text, WritableImage as _,
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let exr = dir.path().join("Szene 01.exr");
    let channel_name = "Tiefe Ω.Mist";
    let channels = AnyChannels::sort(
        [channel_name, "Z"]
            .into_iter()
            .map(|name| {
                AnyChannel::new(
                    Text::from_slice_unchecked(name.as_bytes()),
                    FlatSamples::F32((0..24).map(|i| i as f32 + 1.0).collect()),
                )
            })
            .collect(),
    );
    let layer = Layer::new(
        (6, 4),
        LayerAttributes::default(),
        Encoding {
            compression: Compression::ZIP1,
            blocks: Blocks::ScanLines,
            line_order: LineOrder::Increasing,
        },
        channels,
    );
    ExrImage::from_layer(layer)
        .write()
        .to_file(&exr)
        .expect("write the test file");

    let cli_default = |args: &[&str]| -> PathBuf {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_exrprobe"))
            .arg("export")
            .arg(&exr)
            .args(args)
            .output()
            .expect("run exrprobe export");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
    };
    let cli_channel = cli_default(&["--channel", channel_name]);
    let cli_depth = cli_default(&[]);

    let mut h = harness();
    h.state_mut()
        .set_dialogs(exrprobe::gui::Dialogs::Unavailable);
    h.state_mut().execute(Command::Open(vec![exr.clone()]));
    settle(&mut h);
    let image = &h.state().document().expect("document").image;
    let channel = image.find_channel(channel_name).expect("the channel");
    let mut viewer_default = |kind| {
        h.state_mut().execute(Command::Export { kind, path: None });
        let offer = h
            .state()
            .save_offer()
            .expect("an offer to save")
            .path
            .clone();
        h.state_mut().execute(Command::DismissSaveOffer);
        offer
    };
    assert_eq!(
        viewer_default(ExportKind::Channel(Some(channel))),
        cli_channel
    );
    assert_eq!(viewer_default(ExportKind::Depth), cli_depth);
    assert_eq!(
        cli_channel.file_name().and_then(|n| n.to_str()),
        Some("Szene 01.Tiefe_Ω.Mist.npy")
    );
}

#[test]
fn a_dropped_folder_lists_its_frames_with_their_status_and_the_missing_one() {
    use exrprobe::core::sequence::FrameStatus;
    use exrprobe::gui::ListRow;
    let shot = blender_shot();
    let mut h = harness();
    h.input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(shot.path().to_path_buf())));
    settle(&mut h);
    let state = h.state().state();
    assert_eq!(state.files().len(), 7);
    assert_eq!(state.current_file(), Some(0));
    let statuses: Vec<Option<FrameStatus>> =
        (0..7).map(|i| state.scanned(i).map(|s| s.status)).collect();
    use FrameStatus::{Fail, Ok as Good, Unreadable};
    assert_eq!(
        statuses,
        [Good, Good, Good, Fail, Good, Unreadable, Good].map(Some)
    );
    let group = &state.groups()[0];
    assert!(
        group.rows.contains(&ListRow::Missing { first: 6, last: 6 }),
        "{:?}",
        group.rows
    );
    let header = group.header(state.scan_results());
    let folder = shot
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        header,
        format!("{folder}/beauty.####.exr · 1–8 · 7 frames · 1 FAIL · 1 unreadable · 1 missing")
    );
    // On screen: the header's two lines, the missing row, the trap frame's row.
    let _ = h.get_by_label(&format!("{folder}/beauty.####.exr"));
    let _ = h.get_by_label("1–8 · 7 frames · 1 FAIL · 1 unreadable · 1 missing");
    let _ = h.get_by_label("frame 6 missing");
    let _ = h.get_by_label_contains("4  beauty.0004.exr");
}

#[test]
fn opening_one_frame_opens_its_shot_and_a_broken_frame_shows_no_stale_pixels() {
    let shot = blender_shot();
    let mut h = harness();
    h.state_mut()
        .execute(Command::Open(vec![shot.path().join("beauty.0005.exr")]));
    settle(&mut h);
    assert_eq!(h.state().files().len(), 7, "the whole shot");
    assert_eq!(h.state().current_file(), Some(4), "at the frame opened");
    let shown = h.state().document().expect("frame 5").source.label();
    assert_eq!(shown, "beauty.0005.exr");

    // Down: frame 7, cut off. The views must not keep showing frame 5.
    h.key_press(Key::ArrowDown);
    settle(&mut h);
    assert_eq!(h.state().current_file(), Some(5));
    assert!(h.state().document().is_none(), "no stale document");
    let (source, _) = h.state().state().failure().expect("the failure is shown");
    assert_eq!(source.label(), "beauty.0007.exr");
    let _ = h.get_by_label("Cannot open beauty.0007.exr");
    assert!(h.state().canvas_rects().is_none(), "no image views");
    let _ = h.get_by_label("cannot be read");
    // Down again: frame 8 loads, with the view settings kept; the failure is gone.
    h.key_press(Key::ArrowDown);
    settle(&mut h);
    assert_eq!(
        h.state().document().expect("frame 8").source.label(),
        "beauty.0008.exr"
    );
    assert!(h.state().state().failure().is_none());
    // Stepping over broken frames keeps one failure message, not one per step.
    for _ in 0..3 {
        h.key_press(Key::ArrowUp);
        settle(&mut h);
        h.key_press(Key::ArrowDown);
        settle(&mut h);
    }
    let failures = h
        .state()
        .messages()
        .iter()
        .filter(|m| m.kind == MessageKind::Error)
        .count();
    assert!(failures <= 1, "{:?}", h.state().messages());
}

#[test]
fn stepping_back_shows_a_cached_frame_and_a_changed_or_reloaded_file_is_read_again() {
    let shot = blender_shot();
    let mut h = harness();
    h.state_mut()
        .execute(Command::Open(vec![shot.path().join("beauty.0002.exr")]));
    settle(&mut h);
    let served = |h: &Harness<'static, ExrProbeApp>| {
        let cache = h.state().frame_cache_use();
        cache.hits + cache.ahead_hits
    };
    assert_eq!(served(&h), 0);
    // Frame 3 was decoded ahead while frame 2 was shown.
    h.key_press(Key::ArrowDown);
    settle(&mut h);
    assert_eq!(served(&h), 1);
    assert_eq!(
        h.state().document().expect("frame 3").source.label(),
        "beauty.0003.exr"
    );

    // Back to frame 2: from the cache, with its full analysis.
    h.key_press(Key::ArrowUp);
    settle(&mut h);
    let cache = h.state().frame_cache_use();
    assert_eq!(cache.hits + cache.ahead_hits, 2);
    assert!(cache.hits >= 1);
    let doc = h.state().document().expect("frame 2");
    assert_eq!(doc.source.label(), "beauty.0002.exr");
    assert!(
        !doc.analysis.stats.is_empty(),
        "the statistics come with it"
    );
    let frame_bytes = doc.image.decoded_byte_size() as u64;
    assert!(
        cache.used_bytes >= 2 * frame_bytes,
        "frames 2 and 3 are kept"
    );
    assert!(cache.used_bytes <= cache.budget_bytes);

    // Reload reads the file again.
    h.state_mut().execute(Command::Reload);
    settle(&mut h);
    assert_eq!(served(&h), 2);
    assert!(h.state().document().is_some());

    // Frame 3 re-rendered (here: the constant-depth trap frame written over it): a miss.
    std::fs::copy(
        shot.path().join("beauty.0004.exr"),
        shot.path().join("beauty.0003.exr"),
    )
    .expect("rewrite frame 3");
    h.key_press(Key::ArrowDown);
    settle(&mut h);
    assert_eq!(served(&h), 2);
    let doc = h.state().document().expect("frame 3");
    assert_eq!(doc.source.label(), "beauty.0003.exr");
    assert!(
        doc.analysis
            .findings
            .iter()
            .any(|f| f.code == "depth_constant"),
        "the new pixels are shown: {:?}",
        doc.analysis.findings
    );
}

/// `frames` copies of a 96 × 64 multilayer render (9 float channels, of which the views draw
/// RGBA and depth) as `shot.0001.exr`…
fn multilayer_shot(frames: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let bytes = exrprobe_synth::spheres_multilayer_exr(96, 64).expect("synth");
    for frame in 1..=frames {
        std::fs::write(dir.path().join(format!("shot.{frame:04}.exr")), &bytes).expect("write");
    }
    dir
}

/// Bytes of one decoded channel of [`multilayer_shot`]'s frames.
const SHOT_CHANNEL_BYTES: u64 = 96 * 64 * 4;

#[test]
fn the_frame_cache_keeps_to_its_budget_and_off_keeps_nothing() {
    let shot = multilayer_shot(3);
    let (whole, ahead) = (9 * SHOT_CHANNEL_BYTES, 5 * SHOT_CHANNEL_BYTES);
    let budget = whole + ahead;
    let mut h = harness();
    h.state_mut().execute(Command::SetFrameCache(Some(budget)));
    assert_eq!(
        h.state().state().persisted().frame_cache_bytes,
        Some(budget)
    );
    h.state_mut()
        .execute(Command::Open(vec![shot.path().join("shot.0001.exr")]));
    settle(&mut h);
    let cache = h.state().frame_cache_use();
    assert_eq!(cache.budget_bytes, budget);
    assert_eq!(
        cache.used_bytes, budget,
        "frame 1 whole and frame 2 ahead; no room for 3"
    );

    h.key_press(Key::ArrowDown);
    settle(&mut h);
    let cache = h.state().frame_cache_use();
    assert_eq!(cache.ahead_hits, 1);
    assert_eq!(
        cache.used_bytes, budget,
        "frame 2 whole (frame 1 went to make room) and frame 3 ahead"
    );

    h.key_press(Key::ArrowUp);
    settle(&mut h);
    let cache = h.state().frame_cache_use();
    assert_eq!(
        (cache.hits, cache.ahead_hits),
        (0, 1),
        "frame 1 was dropped"
    );
    assert!(cache.used_bytes <= budget);

    h.state_mut().execute(Command::SetFrameCache(Some(0)));
    assert_eq!(h.state().frame_cache_use().used_bytes, 0);
    h.key_press(Key::ArrowDown);
    settle(&mut h);
    let cache = h.state().frame_cache_use();
    assert_eq!((cache.hits, cache.ahead_hits, cache.used_bytes), (0, 1, 0));
    assert_eq!(
        h.state().document().expect("frame 2").source.label(),
        "shot.0002.exr"
    );

    // Automatic again: the budget reckoned at start.
    h.state_mut().execute(Command::SetFrameCache(None));
    let cache = h.state().frame_cache_use();
    assert_eq!(cache.budget_bytes, cache.automatic_budget_bytes);
    assert!(cache.budget_bytes > budget);
}

#[test]
fn the_next_frames_shown_channels_are_decoded_ahead_and_the_rest_follows_on_arrival() {
    // The views draw 5 of the 9 channels (RGBA, depth).
    let dir = multilayer_shot(3);
    let mut h = harness();
    h.state_mut()
        .execute(Command::Open(vec![dir.path().join("shot.0001.exr")]));
    settle(&mut h);
    let doc = h.state().document().expect("frame 1");
    let whole_bytes = doc.image.decoded_byte_size() as u64;
    let channel_bytes = SHOT_CHANNEL_BYTES;
    assert_eq!(whole_bytes, 9 * channel_bytes);
    let cache = h.state().frame_cache_use();
    assert_eq!((cache.hits, cache.ahead_hits), (0, 0));
    assert_eq!(
        cache.used_bytes,
        whole_bytes + 2 * 5 * channel_bytes,
        "frame 1 whole, the colour and depth of frames 2 and 3"
    );

    h.key_press(Key::ArrowDown);
    settle(&mut h);
    let cache = h.state().frame_cache_use();
    assert_eq!((cache.hits, cache.ahead_hits), (0, 1));
    let doc = h.state().document().expect("frame 2");
    assert_eq!(doc.source.label(), "shot.0002.exr");
    assert!(
        doc.image.channels().all(|(_, _, c)| c.samples.is_some()),
        "the other channels were decoded after"
    );
    let mist = doc.image.find_channel("ViewLayer.Mist.Z").expect("mist");
    assert!(doc.analysis.stats.contains_key(&mist), "and analysed");
    assert_eq!(
        cache.used_bytes,
        2 * whole_bytes + 5 * channel_bytes,
        "frame 2 now whole in the cache, frame 3 still ahead"
    );

    // Stepping up turns the direction: frame 1 comes whole from the cache.
    h.key_press(Key::ArrowUp);
    settle(&mut h);
    let cache = h.state().frame_cache_use();
    assert_eq!((cache.hits, cache.ahead_hits), (1, 1));
    assert_eq!(
        h.state().document().expect("frame 1").source.label(),
        "shot.0001.exr"
    );
}

/// Clicks the primary button at `pos`.
fn click_at(h: &mut Harness<'static, ExrProbeApp>, pos: egui::Pos2) {
    h.hover_at(pos);
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    h.run_ok();
}

#[test]
fn clicking_a_timeline_column_goes_to_that_frame() {
    let shot = blender_shot();
    let mut h = harness();
    h.state_mut()
        .execute(Command::Open(vec![shot.path().to_path_buf()]));
    settle(&mut h);
    let rect = h.get_by_label("Timeline of the shot").rect();
    // Frames 1 to 8: eight columns, frame 6 missing.
    let column = (rect.width() - 4.0) / 8.0;
    let x = |frame: f32| rect.left() + 2.0 + (frame - 0.5) * column;
    click_at(&mut h, egui::pos2(x(8.0), rect.center().y));
    settle(&mut h);
    assert_eq!(h.state().current_file(), Some(6), "frame 8 is file 7 of 7");
    assert_eq!(
        h.state().document().expect("frame 8").source.label(),
        "beauty.0008.exr"
    );
    // The missing frame has no file to go to.
    click_at(&mut h, egui::pos2(x(6.0), rect.center().y));
    settle(&mut h);
    assert_eq!(h.state().current_file(), Some(6));
    // T hides the timeline.
    h.key_press(Key::T);
    h.run_ok();
    assert!(h.query_by_label("Timeline of the shot").is_none());
}

/// A 32×16 render with R, G, B and Z (`Z` constant 1.0 with `trap`).
fn small_render(trap: bool) -> Vec<u8> {
    common::render(32, 16, if trap { 1.0 } else { 3.0 }, trap)
}

/// Runs frames until `done` says so (or fails after `secs`).
fn run_until(
    h: &mut Harness<'static, ExrProbeApp>,
    secs: u64,
    what: &str,
    done: impl Fn(&ExrProbeApp) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done(h.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        h.step();
        h.state_mut()
            .wait_for_background_work(Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(100));
    }
    h.run_ok();
}

#[test]
fn a_watched_folder_shows_new_frames_and_reloads_a_rewritten_frame() {
    use exrprobe::core::sequence::FrameStatus;
    let dir = tempfile::tempdir().expect("temp dir");
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    for frame in [1, 2] {
        let path = dir.path().join(format!("beauty.000{frame}.exr"));
        std::fs::write(&path, small_render(false)).expect("write");
        let file = std::fs::File::options()
            .write(true)
            .open(&path)
            .expect("open");
        file.set_modified(an_hour_ago).expect("backdate");
    }
    let mut h = harness();
    h.state_mut()
        .execute(Command::Open(vec![dir.path().to_path_buf()]));
    settle(&mut h);
    assert!(h.state().state().is_watching(), "on by default for folders");
    assert_eq!(h.state().files().len(), 2);
    // The status bar says so; its tooltip names the menu item (in glyphs the font has: the
    // harness panics on a missing one, the user would see a box).
    h.get_by_label("Watching the folder for new frames").hover();
    h.run_steps(60);
    let _ = h.get_by_label_contains("View > Watch folder turns it off");
    h.state_mut().execute(Command::Zoom(2.0));
    h.run_ok();
    let zoom = h.state().view_state().zoom;

    // A new frame appears, first as being written, then checked.
    std::fs::write(dir.path().join("beauty.0003.exr"), small_render(false)).expect("write");
    run_until(&mut h, 30, "frame 3 in the list", |app| {
        app.files().len() == 3
    });
    run_until(&mut h, 30, "frame 3 checked", |app| {
        app.state().scanned(2).map(|s| s.status) == Some(FrameStatus::Ok)
    });

    // The frame shown is rewritten with the trap: checked again and reloaded, view kept.
    assert_eq!(h.state().current_file(), Some(0));
    std::fs::write(dir.path().join("beauty.0001.exr"), small_render(true)).expect("write");
    run_until(&mut h, 30, "frame 1 reloaded", |app| {
        app.document().is_some_and(|d| {
            d.analysis
                .findings
                .iter()
                .any(|f| f.code == "depth_constant")
        })
    });
    run_until(&mut h, 30, "frame 1 rechecked", |app| {
        app.state().scanned(0).map(|s| s.status) == Some(FrameStatus::Fail)
    });
    assert_eq!(h.state().view_state().zoom, zoom, "zoom kept");
    assert_eq!(h.state().current_file(), Some(0));
}

/// Errors no longer pile up: newest first, three at most with a count of the older ones and
/// "Dismiss all"; Esc dismisses them when no probe is pinned (and unpins first when one is).
#[test]
fn messages_collapse_and_escape_dismisses_them() {
    let mut h = harness();
    for _ in 0..5 {
        h.state_mut().push_command(Command::Export {
            kind: ExportKind::Depth,
            path: None,
        });
    }
    h.run_ok();
    assert_eq!(h.state().messages().len(), 5);
    let _ = h.get_by_label("and 2 older messages");
    let _ = h.get_by_label("Dismiss all");
    h.key_press(Key::Escape);
    h.run_ok();
    assert!(h.state().messages().is_empty());
    assert!(h.query_by_label("Dismiss all").is_none());
}

/// The first second (#13): while the channels are analysed the views are already in their final
/// layout (side by side, same columns, same bottom edge: the histogram panel keeps its height),
/// the banner and the histogram say "Analysing…" (never that the depth channel has no pixels).
/// The banner holds one line while analysing; a finding whose title wraps in the narrow column
/// still pushes the canvases' top edge down by its extra line.
#[test]
fn the_views_do_not_move_when_the_analysis_arrives() {
    let path = fixture(MULTI_ZIP);
    let image = exrprobe_core::load::load_file(
        &path,
        &exrprobe_core::load::LoadOptions::default(),
        &mut |_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .unwrap();
    let mut h = harness();
    h.state_mut()
        .deliver_decoded(exrprobe::gui::Source::File(path), Arc::new(image));
    h.run_ok();
    h.get_by_label("Analysing the channels…");
    h.get_by_label("Analysing ViewLayer.Depth.Z…");
    assert!(
        h.query_by_label_contains("has no decoded pixels").is_none(),
        "a channel being analysed is not a channel without pixels"
    );
    let before = h.state().canvas_rects().expect("views are shown");

    h.state_mut().deliver_analysis(None);
    h.run_ok();
    assert!(h.query_by_label("Analysing the channels…").is_none());
    h.get_by_label_contains("Histogram");
    let after = h.state().canvas_rects().expect("views are shown");
    for (b, a) in [(before.0, after.0), (before.1, after.1)] {
        assert_eq!(
            (b.left(), b.right(), b.bottom()),
            (a.left(), a.right(), a.bottom())
        );
        // At most the extra lines of the finding's wrapped title.
        assert!(
            a.top() >= b.top() && a.top() - b.top() <= 20.0,
            "{b:?} → {a:?}"
        );
    }
}
