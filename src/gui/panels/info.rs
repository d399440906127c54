//! The info window's contents: header attributes of every part.

use exrprobe_core::model::Image;

/// Draws the header attributes (compression, windows, line order, Blender render metadata, …).
pub fn info_ui(ui: &mut egui::Ui, image: &Image) {
    let _ = (ui, image);
    todo!()
}
