//! Viewer stress with egui_kittest: many files at once, a new file while a big one loads,
//! Reload pressed repeatedly, closing during a load.
#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail loudly on purpose

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use egui::vec2;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use exr::prelude::{
    AnyChannel, AnyChannels, Blocks, Compression, Encoding, FlatSamples, Image as ExrImage, Layer,
    LayerAttributes, LineOrder, SmallVec, WritableImage,
};
use exrprobe::gui::Source;
use exrprobe::gui::{Command, ExrProbeApp};

mod common;
use common::fixture;
use common::gui::{painted_texts, settle};

fn harness() -> Harness<'static, ExrProbeApp> {
    Harness::builder()
        .with_size(vec2(1200.0, 800.0))
        .with_max_steps(32)
        .allow_missing_glyphs()
        .build_ui_state(
            |ui, app: &mut ExrProbeApp| app.show(ui),
            ExrProbeApp::new(None),
        )
}

/// The path of the shown document.
fn shown(h: &Harness<'static, ExrProbeApp>) -> Option<PathBuf> {
    match &h.state().document()?.source {
        Source::File(path) => Some(path.clone()),
        Source::Example(_) => None,
    }
}

/// A 2048 × 2048 file with four float channels (64 MiB decoded): takes a while to load.
fn big_file(path: &Path) {
    let n = 2048 * 2048;
    let channel = |name: &str, k: f32| {
        AnyChannel::new(
            name,
            FlatSamples::F32((0..n).map(|i| (i % 4099) as f32 * k).collect()),
        )
    };
    let list: SmallVec<[AnyChannel<FlatSamples>; 4]> = SmallVec::from_vec(vec![
        channel("R", 0.001),
        channel("G", 0.002),
        channel("B", 0.003),
        channel("Z", 1.0),
    ]);
    let layer = Layer::new(
        (2048, 2048),
        LayerAttributes::default(),
        Encoding {
            compression: Compression::ZIP16,
            blocks: Blocks::ScanLines,
            line_order: LineOrder::Increasing,
        },
        AnyChannels::sort(list),
    );
    let mut bytes = Vec::new();
    ExrImage::from_layer(layer)
        .write()
        .to_buffered(Cursor::new(&mut bytes))
        .unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn dropping_200_files_at_once_lists_them_all_and_shows_errors() {
    let dir = tempfile::tempdir().unwrap();
    let damaged: Vec<PathBuf> = std::fs::read_dir(fixture("openexr-images/Damaged"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let mut files = Vec::new();
    for i in 0..200 {
        let path = dir.path().join(format!("frame {i:03} ü.exr"));
        match i % 4 {
            0 => std::fs::copy(fixture("openexr-images/TestImages/stripes.exr"), &path).map(drop),
            1 => std::fs::copy(&damaged[i % damaged.len()], &path).map(drop),
            2 => std::fs::write(&path, b"not an exr"),
            _ => std::fs::copy(fixture("blender/single_zbuf_compositing_on.exr"), &path).map(drop),
        }
        .unwrap();
        files.push(path);
    }
    let mut h = harness();
    h.state_mut().execute(Command::Open(files.clone()));
    settle(&mut h);
    assert_eq!(h.state().files().len(), 200);
    assert_eq!(shown(&h).as_ref(), Some(&files[0]));
    // A damaged and a non-EXR file: an error message naming it, the app keeps running.
    for index in [1usize, 2] {
        h.state_mut().execute(Command::SelectFile(index));
        settle(&mut h);
        let name = files[index].display().to_string();
        assert!(
            h.state().messages().iter().any(|m| m.text.contains(&name)),
            "no message about {name}: {:?}",
            h.state().messages()
        );
    }
    // And a valid one after them still loads.
    h.state_mut().execute(Command::SelectFile(3));
    settle(&mut h);
    assert_eq!(shown(&h).as_ref(), Some(&files[3]));
}

#[test]
fn the_latest_file_wins_when_a_new_one_is_dropped_during_a_big_load() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.exr");
    big_file(&big);
    let small = fixture("blender/single_zbuf_compositing_off.exr");
    let mut h = harness();
    h.state_mut().execute(Command::Open(vec![big.clone()]));
    h.step();
    h.state_mut().execute(Command::Open(vec![small.clone()]));
    settle(&mut h);
    assert_eq!(shown(&h).as_ref(), Some(&small));
    assert_eq!(h.state().files().len(), 1);
}

#[test]
fn reload_pressed_twenty_times_ends_in_one_consistent_document() {
    let path = fixture("blender/single_zbuf_compositing_off.exr");
    let mut h = harness();
    h.state_mut().execute(Command::Open(vec![path.clone()]));
    settle(&mut h);
    let range = h.state().depth_range();
    assert!(range.is_some());
    for _ in 0..20 {
        h.state_mut().execute(Command::Reload);
        h.step();
    }
    settle(&mut h);
    assert_eq!(shown(&h).as_ref(), Some(&path));
    assert_eq!(h.state().depth_range(), range);
    assert_eq!(h.state().files().len(), 1);
}

#[test]
fn closing_during_a_load_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.exr");
    big_file(&big);
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let mut h = harness();
        h.state_mut().execute(Command::Open(vec![big]));
        h.step();
        drop(h); // the window closes while the load runs
        let _ = done.send(());
    });
    // Hang detection, not a timing assertion.
    finished
        .recv_timeout(Duration::from_secs(60))
        .expect("dropping the app during a load hangs");
}

/// While the first frame of a shot decodes, the window says what it is doing (the file and how
/// far), not "drop files here" with buttons, and the frame check waits without a spinner; once
/// the image is up, the check runs with its count.
#[test]
fn opening_a_shot_says_what_it_is_doing_until_the_image_is_up() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("big.0001.exr");
    big_file(&first);
    std::fs::copy(&first, dir.path().join("big.0002.exr")).unwrap();
    let mut h = harness();
    h.state_mut().execute(Command::Open(vec![first.clone()]));
    h.step();
    let texts = painted_texts(&h);
    assert!(
        texts.iter().any(|t| t == "Opening big.0001.exr"),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.starts_with("decoding… ")),
        "{texts:?}"
    );
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("Drop .exr files") || t == "No file open"),
        "{texts:?}"
    );
    assert!(
        h.query_by_label("Checking 2 frames once this one is shown")
            .is_some()
    );
    settle(&mut h);
    assert_eq!(shown(&h).as_ref(), Some(&first));
    let texts = painted_texts(&h);
    assert!(
        !texts.iter().any(|t| t.starts_with("Opening ")),
        "{texts:?}"
    );
    assert!(
        h.query_by_label("Checking 2 frames once this one is shown")
            .is_none()
    );
}
