//! The diagnostics banner: one line per finding, coloured by severity, expandable to the
//! explanation and the fix.

use egui::{Color32, RichText};
use exrprobe_core::diagnose::{Finding, Severity};

/// Text colour for a severity, readable on the current theme's panel background.
pub fn severity_color(visuals: &egui::Visuals, severity: Severity) -> Color32 {
    match (severity, visuals.dark_mode) {
        (Severity::Error, true) => Color32::from_rgb(255, 120, 110),
        (Severity::Error, false) => Color32::from_rgb(180, 20, 20),
        (Severity::Warning, true) => Color32::from_rgb(255, 190, 70),
        (Severity::Warning, false) => Color32::from_rgb(150, 85, 0),
        (Severity::Info, true) => Color32::from_rgb(120, 180, 255),
        (Severity::Info, false) => Color32::from_rgb(20, 80, 180),
    }
}

/// A faint background tint for a severity's row.
fn severity_fill(visuals: &egui::Visuals, severity: Severity) -> Color32 {
    let base = severity_color(visuals, severity);
    let alpha = if visuals.dark_mode { 28 } else { 22 };
    Color32::from_rgba_unmultiplied(base.r(), base.g(), base.b(), alpha)
}

/// The word shown before the title.
pub fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
        Severity::Info => "Info",
    }
}

/// Text with the few symbols the core's messages use (menu paths `A ▸ B`, arrows) replaced by
/// ASCII: egui's bundled fonts have no glyph for them.
pub fn displayable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(['▸', '→', '►', '▶']) {
        text.replace(['▸', '►', '▶'], ">").replace('→', "->").into()
    } else {
        text.into()
    }
}

/// One line in the banner's place that is not a finding ("Analysing…", "No problems found"),
/// framed like a finding row and as tall, so that the views do not move when the findings
/// arrive.
pub fn status_row_ui(ui: &mut egui::Ui, text: &str, color: Color32, spinner: bool) {
    egui::Frame::new()
        .fill(color.gamma_multiply(0.1))
        .stroke(egui::Stroke::new(1.0, color.gamma_multiply(0.4)))
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(6, 2))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.set_min_height(ui.spacing().interact_size.y);
            ui.horizontal(|ui| {
                if spinner {
                    super::busy::spinner(ui, 12.0);
                }
                ui.label(RichText::new(text).color(color));
            });
        });
}

/// Draws the banner (nothing when there are no findings).
pub fn findings_ui(ui: &mut egui::Ui, findings: &[Finding]) {
    if findings.is_empty() {
        return;
    }
    ui.push_id("findings_banner", |ui| {
        for (index, finding) in findings.iter().enumerate() {
            finding_row_ui(ui, index, finding);
        }
    });
}

fn finding_row_ui(ui: &mut egui::Ui, index: usize, finding: &Finding) {
    let visuals = ui.visuals().clone();
    let color = severity_color(&visuals, finding.severity);
    egui::Frame::new()
        .fill(severity_fill(&visuals, finding.severity))
        .stroke(egui::Stroke::new(1.0, color.gamma_multiply(0.6)))
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(6, 2))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            let header = RichText::new(format!(
                "{}: {}",
                severity_word(finding.severity),
                displayable(&finding.title)
            ))
            .color(color)
            .strong();
            // CollapsingHeader never wraps its text; lay it out ourselves so a long title wraps
            // in a narrow view instead of being clipped. The header puts the text after an
            // indent and adds the button padding after it.
            let wrap_width =
                (ui.available_width() - ui.spacing().indent - ui.spacing().button_padding.x)
                    .max(40.0);
            let header = egui::WidgetText::from(header).into_galley(
                ui,
                Some(egui::TextWrapMode::Wrap),
                wrap_width,
                egui::TextStyle::Button,
            );
            egui::CollapsingHeader::new(header)
                .id_salt(("finding", index, finding.code))
                .default_open(false)
                .show(ui, |ui| {
                    ui.add(egui::Label::new(displayable(&finding.explanation)).wrap());
                    ui.add_space(2.0);
                    ui.horizontal_wrapped(|ui| {
                        ui.label(RichText::new("Fix:").strong());
                        ui.add(egui::Label::new(displayable(&finding.fix)).wrap());
                    });
                    ui.label(
                        RichText::new(format!("code: {}", finding.code))
                            .small()
                            .weak()
                            .monospace(),
                    );
                })
                .header_response
                .on_hover_text(format!(
                    "{} finding `{}`. Click to show the explanation and the fix.",
                    severity_word(finding.severity),
                    finding.code
                ));
        });
    ui.add_space(2.0);
}
