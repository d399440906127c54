//! The probe panel: every channel's raw value at one pixel.

use exrprobe_core::model::Image;

/// A probed pixel: `pos_in_data` (column, row) within `part`'s data window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbePos {
    pub part: usize,
    pub col: usize,
    pub row: usize,
}

/// Text of the probe for the clipboard (Ctrl+C): coordinates and every channel's value.
pub fn probe_text(image: &Image, pos: ProbePos) -> String {
    let _ = (image, pos);
    todo!()
}

/// Draws x, y (data window; display window too when they differ) and every channel's raw value at
/// `pos` with full precision. `pinned` tells the panel to say the probe is pinned.
pub fn probe_ui(ui: &mut egui::Ui, image: &Image, pos: Option<ProbePos>, pinned: bool) {
    let _ = (ui, image, pos, pinned);
    todo!()
}
