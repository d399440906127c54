//! The compare bar (which reference, what the views show, how the reference follows) and the
//! compare metrics table (the core's `compare_images` of the channels shown, with a button to
//! go to each channel's largest difference).

use std::sync::Arc;

use egui::{Color32, RichText};
use exrprobe_core::compare::{Comparison, Tolerance, report_lines};
use exrprobe_core::model::Image;
use exrprobe_core::text::{format_count, format_percent, format_significant};

use super::super::actions::Action;
use super::super::command::Command;
use super::super::state::{CompareView, ReferenceFollow};

/// What the compare bar shows.
pub struct CompareBar<'a> {
    /// The reference's file name.
    pub reference: String,
    pub loaded: bool,
    pub error: Option<&'a str>,
    pub view: CompareView,
    pub follow: ReferenceFollow,
}

/// The keys of a view's button, if it has some.
fn view_action(view: CompareView) -> Option<Action> {
    match view {
        CompareView::B => Some(Action::FlipAB),
        CompareView::Difference(_) => Some(Action::CycleDifference),
        CompareView::Wipe => Some(Action::ToggleWipe),
        CompareView::A => None,
    }
}

/// One row above the views: "Compare with B: name", the view buttons, the follow choice, and
/// "Stop comparing".
pub fn compare_bar_ui(ui: &mut egui::Ui, bar: &CompareBar<'_>) -> Option<Command> {
    let mut command = None;
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Compare with").strong());
        let status = if bar.error.is_some() {
            RichText::new(format!("B: {} — cannot open it", bar.reference))
                .color(ui.visuals().error_fg_color)
        } else if bar.loaded {
            RichText::new(format!("B: {}", bar.reference)).monospace()
        } else {
            RichText::new(format!("B: {} — loading…", bar.reference)).weak()
        };
        let response = ui.label(status);
        if let Some(error) = bar.error {
            response.on_hover_text(error);
        }
        ui.separator();
        ui.add_enabled_ui(bar.loaded, |ui| {
            for view in CompareView::ALL {
                let tooltip = match view_action(view).and_then(Action::shortcut_text) {
                    Some(keys) => format!("{keys} — {}", view.description()),
                    None => view.description().to_owned(),
                };
                if ui
                    .selectable_label(bar.view == view, view.label())
                    .on_hover_text(tooltip)
                    .clicked()
                {
                    command = Some(Command::SetCompareView(view));
                }
            }
        });
        ui.separator();
        let follow_label = |follow: ReferenceFollow| match follow {
            ReferenceFollow::Fixed => "fixed",
            ReferenceFollow::Neighbour(offset) if offset < 0 => "previous frame",
            ReferenceFollow::Neighbour(_) => "next frame",
        };
        egui::ComboBox::from_id_salt("reference_follow")
            .selected_text(format!("B is {}", follow_label(bar.follow)))
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(bar.follow == ReferenceFollow::Fixed, "fixed")
                    .on_hover_text("B stays while you step through the frames")
                    .clicked()
                    && bar.follow != ReferenceFollow::Fixed
                {
                    command = Some(Command::KeepReference);
                }
                for (offset, text) in [(-1, "previous frame"), (1, "next frame")] {
                    if ui
                        .selectable_label(bar.follow == ReferenceFollow::Neighbour(offset), text)
                        .on_hover_text("B moves with the current file")
                        .clicked()
                    {
                        command = Some(Command::FollowReference(offset));
                    }
                }
            })
            .response
            .on_hover_text("Whether the reference stays or follows the current file");
        if ui
            .button("Stop comparing")
            .on_hover_text(Action::ClearReference.tooltip())
            .clicked()
        {
            command = Some(Command::ClearReference);
        }
    });
    command
}

/// What the metrics table reports.
pub enum MetricsShown<'a> {
    /// No channel shown exists in both files.
    NoSharedChannel,
    Computing,
    Failed(&'a str),
    Ready(&'a Arc<Comparison>),
}

/// The metrics of the channels shown: largest |A − B| (with a button that goes to it), mean
/// |A − B| and the share of differing pixels; the rest (RMSE, relative, PSNR, counts) in each
/// row's tooltip. Returns
/// a go-to or copy command.
pub fn metrics_ui(ui: &mut egui::Ui, image: &Image, metrics: &MetricsShown<'_>) -> Option<Command> {
    let comparison = match metrics {
        MetricsShown::NoSharedChannel => {
            ui.label(RichText::new("The channels shown are not in the reference.").weak());
            return None;
        }
        MetricsShown::Computing => {
            ui.horizontal(|ui| {
                super::busy::spinner(ui, ui.spacing().interact_size.y);
                ui.label(RichText::new("Comparing…").weak());
            });
            return None;
        }
        MetricsShown::Failed(message) => {
            ui.label(RichText::new(*message).color(ui.visuals().error_fg_color));
            return None;
        }
        MetricsShown::Ready(comparison) => comparison,
    };
    let mut command = None;
    if comparison.windows_differ() {
        ui.label(
            RichText::new("The data windows differ: compared where they overlap.")
                .color(ui.visuals().warn_fg_color),
        );
    }
    let number = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format_significant(v, 4));
    // Long layer names would push the numbers out of the panel: the shared prefix goes above.
    let names: Vec<&str> = comparison
        .channels
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let prefix = super::shared_prefix_caption(ui, &names);
    egui::Grid::new("compare_metrics")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            for title in ["channel", "max |Δ|", "mean |Δ|", "differ"] {
                ui.label(RichText::new(title).small().strong());
            }
            ui.end_row();
            for diff in &comparison.channels {
                let m = &diff.metrics;
                let identical = m.differing == 0;
                let name = RichText::new(diff.name.get(prefix..).unwrap_or(&diff.name)).monospace();
                let name = if identical {
                    name.color(Color32::from_rgb(120, 200, 140))
                } else {
                    name
                };
                let details = format!(
                    "{}: {} of {} pixels valid in both; RMSE {}; mean relative {}; max \
                     relative {}; PSNR {}; {} pixels differ; {} NaN/Inf/background in one file \
                     only",
                    diff.name,
                    format_count(m.valid),
                    format_count(m.pixels),
                    number(m.rmse),
                    number(m.mean_rel),
                    format_significant(m.max_rel, 4),
                    number(m.psnr),
                    format_count(m.differing),
                    format_count(m.mismatch_nonfinite),
                );
                ui.label(name).on_hover_text(details);
                ui.horizontal(|ui| {
                    ui.label(RichText::new(format_significant(m.max_abs, 4)).monospace());
                    if let Some((x, y)) = m.max_abs_at {
                        let part = image.find_channel(&diff.name).map_or(0, |c| c.part);
                        if ui
                            .small_button("go")
                            .on_hover_text(format!(
                                "Go to the largest difference, pixel {x}, {y}, and pin it"
                            ))
                            .clicked()
                        {
                            command = Some(Command::GoToPixel {
                                pixel_in_image: (x, y),
                                part,
                            });
                        }
                    }
                });
                ui.label(RichText::new(number(m.mean_abs)).monospace());
                let share = if identical {
                    "none".to_owned()
                } else {
                    format_percent(m.differing, m.pixels)
                };
                ui.label(RichText::new(share).monospace());
                ui.end_row();
            }
        });
    let verdict = comparison.verdict(&Tolerance::default());
    ui.label(RichText::new(verdict.line(comparison.channels.len())).small());
    if ui
        .small_button("Copy report")
        .on_hover_text("Copy the table as `exrprobe diff` prints it")
        .clicked()
    {
        let text = report_lines(comparison, &Tolerance::default()).join("\n");
        command = Some(Command::CopyText(text));
    }
    command
}
