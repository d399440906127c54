//! Driving the viewer in tests: a harness around the whole app, and running frames until the
//! background work has settled.

use std::path::{Path, PathBuf};
use std::time::Duration;

use egui::vec2;
use egui_kittest::Harness;
use exrprobe::gui::ExrProbeApp;

/// The whole app in a window of 1400 × 900 points.
pub fn harness() -> Harness<'static, ExrProbeApp> {
    harness_with(ExrProbeApp::new(None))
}

/// `app` in a window of 1400 × 900 points.
pub fn harness_with(app: ExrProbeApp) -> Harness<'static, ExrProbeApp> {
    Harness::builder()
        .with_size(vec2(1400.0, 900.0))
        .with_max_steps(32)
        .build_ui_state(|ui, app: &mut ExrProbeApp| app.show(ui), app)
}

/// Runs frames and waits for loads, renders and exports until everything has settled.
pub fn settle(h: &mut Harness<'static, ExrProbeApp>) {
    for _ in 0..8 {
        h.step();
        assert!(
            h.state_mut()
                .wait_for_background_work(Duration::from_secs(120)),
            "background work did not finish"
        );
    }
    // A worker asks for a repaint right after sending its result (in that order, so that a real
    // frame never misses the message); let such a late request land before the last frames run.
    std::thread::sleep(Duration::from_millis(50));
    h.run_ok();
}

/// The texts painted in the last frame (labels and painter text alike).
pub fn painted_texts(h: &Harness<'static, ExrProbeApp>) -> Vec<String> {
    h.output()
        .shapes
        .iter()
        .filter_map(|clipped| match &clipped.shape {
            egui::Shape::Text(text) => Some(text.galley.text().to_owned()),
            _ => None,
        })
        .collect()
}

/// A file handle as the native integration would deliver it.
#[derive(Debug)]
pub struct DroppedPath(pub PathBuf);

impl egui::DroppedFile for DroppedPath {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// The real Blender shot (frame 4 the Compositing trap, 6 missing, 7 cut off) in a folder of its
/// own, dated an hour back (a file that changed a moment ago and does not read is "being
/// written").
pub fn blender_shot() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    for entry in std::fs::read_dir(super::fixture("blender/sequence")).expect("the shot") {
        let entry = entry.expect("entry");
        let target = dir.path().join(entry.file_name());
        std::fs::copy(entry.path(), &target).expect("copy");
        let file = std::fs::File::options()
            .write(true)
            .open(&target)
            .expect("open");
        file.set_modified(an_hour_ago).expect("backdate");
    }
    dir
}
