//! Every keyboard shortcut, in one table that the Help window lists.

/// (keys, what they do)
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Ctrl+O", "Open EXR files…"),
    ("F5", "Reload the current file from disk"),
    ("Ctrl+E", "Export the depth channel as .npy…"),
    ("Ctrl+Shift+E", "Export the selected channel as .npy…"),
    ("Ctrl+S", "Save the view (RGB and depth) as PNG…"),
    ("Ctrl+C", "Copy the probe values as text"),
    ("F", "Fit the image to the view"),
    ("1", "Zoom to one image pixel per screen pixel (1:1)"),
    ("+ / -", "Zoom in / out"),
    ("Up / Down", "Previous / next file in the list"),
    ("PageUp / PageDown", "Previous / next file in the list"),
    ("I", "Show or hide the file info window"),
    ("H", "Show or hide the histogram"),
    ("L", "Switch layout: side by side / stacked"),
    ("E / Shift+E", "Exposure up / down by one stop"),
    ("Esc", "Unpin the probe"),
    ("F1", "Show this list of shortcuts"),
    ("Ctrl+Q", "Quit"),
    ("Drag", "Pan both views"),
    ("Mouse wheel", "Zoom about the cursor"),
    ("Click", "Pin the probe at the pixel under the cursor"),
];

/// Draws the shortcuts table.
pub fn shortcuts_ui(ui: &mut egui::Ui) {
    egui::Grid::new("shortcuts_grid")
        .num_columns(2)
        .striped(true)
        .spacing([24.0, 4.0])
        .show(ui, |ui| {
            for (keys, action) in SHORTCUTS {
                ui.label(egui::RichText::new(*keys).monospace().strong());
                ui.label(*action);
                ui.end_row();
            }
        });
}
