//! Every keyboard shortcut, in one table that the Help window lists.

/// (keys, what they do)
pub const SHORTCUTS: &[(&str, &str)] = &[];

/// Draws the shortcuts table.
pub fn shortcuts_ui(ui: &mut egui::Ui) {
    let _ = ui;
    todo!()
}
