//! The help window's table of keys and pointer gestures, generated from the command table
//! (`gui::actions`), so it lists exactly what is bound.

use crate::gui::actions::help_rows;

/// Draws the shortcuts table.
pub fn shortcuts_ui(ui: &mut egui::Ui) {
    egui::Grid::new("shortcuts_grid")
        .num_columns(2)
        .striped(true)
        .spacing([24.0, 4.0])
        .show(ui, |ui| {
            for (keys, action) in help_rows() {
                ui.label(egui::RichText::new(keys).monospace().strong());
                ui.label(action);
                ui.end_row();
            }
        });
}
