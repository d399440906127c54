//! Driving the viewer in tests: a harness around the whole app, and running frames until the
//! background work has settled.

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
