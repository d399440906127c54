//! The diagnostics banner: one line per finding, coloured by severity, expandable to the
//! explanation and the fix.

use exrprobe_core::diagnose::Finding;

/// Draws the banner (nothing when there are no findings).
pub fn findings_ui(ui: &mut egui::Ui, findings: &[Finding]) {
    let _ = (ui, findings);
    todo!()
}
