//! Histogram of the depth (or selected) channel with egui_plot.

use egui::{Color32, RichText};
use egui_plot::{Bar, BarChart, GridMark, Plot, PlotBounds, Span, VLine};
use exrprobe_core::stats::{ChannelStats, Distribution, Histogram, SENTINEL_THRESHOLD};

use exrprobe_core::text::{format_compact, format_count, format_exact};

/// Settings of the histogram panel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HistogramSettings {
    /// Logarithmic count axis.
    pub log_counts: bool,
}

/// What the user asked for on the histogram.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HistogramAction {
    /// A new normalisation range, dragged out across the plot.
    SetRange(f64, f64),
    /// Switch the count axis between linear and logarithmic.
    SetLogCounts(bool),
}

/// The text shown for a constant channel, e.g. `all 76 800 pixels = 1`.
pub fn constant_label(count: usize, value: f64) -> String {
    let pixels = if count == 1 { "pixel" } else { "pixels" };
    format!(
        "all {} {pixels} = {}",
        format_count(count as u64),
        format_exact(value)
    )
}

/// Bar height for a count: the count itself, or on the log axis `log10(count) + 1` so that a
/// single pixel still shows (height 1) and 0 stays empty.
fn bar_height(count: u64, log_counts: bool) -> f64 {
    if log_counts {
        if count == 0 {
            0.0
        } else {
            (count as f64).log10() + 1.0
        }
    } else {
        count as f64
    }
}

/// The count a bar of height `height` stands for (inverse of [`bar_height`]).
fn bar_count(height: f64, log_counts: bool) -> u64 {
    if log_counts {
        if height <= 0.0 {
            0
        } else {
            10f64.powf(height - 1.0).round() as u64
        }
    } else {
        height.round() as u64
    }
}

/// Memory of an ongoing drag across the plot: the x value (in data units) where it started.
#[derive(Clone, Copy, Debug)]
struct DragStart {
    value_x: f64,
}

/// Draws the histogram in `distribution` for the channel named `channel_label` (whose summary is
/// `stats`), with the current normalisation range `range` drawn on it. Returns a new range when
/// the user dragged one out, or the other count axis when the user switched it. A constant
/// channel is shown as one bar with a label such as "all 76 800 pixels = 1".
pub fn histogram_ui(
    ui: &mut egui::Ui,
    channel_label: &str,
    stats: &ChannelStats,
    distribution: &Distribution,
    range: (f64, f64),
    settings: HistogramSettings,
) -> Option<HistogramAction> {
    ui.push_id("histogram_panel", |ui| {
        let mut action = None;
        ui.horizontal(|ui| {
            ui.label(RichText::new(format!("Histogram: {channel_label}")).strong());
            let mut log_counts = settings.log_counts;
            if ui
                .checkbox(&mut log_counts, "Log count")
                .on_hover_text("Logarithmic count axis: makes small populations visible")
                .changed()
            {
                action = Some(HistogramAction::SetLogCounts(log_counts));
            }
            ui.label(
                RichText::new(format!("range {} … {}", format_compact(range.0), format_compact(range.1)))
                    .monospace(),
            )
            .on_hover_text(format!(
                "Current normalisation range of the view: {} … {}.\nDrag across the histogram to set a new one.",
                format_exact(range.0),
                format_exact(range.1)
            ));
        });
        if let Some(value) = stats.constant {
            ui.label(
                RichText::new(constant_label(stats.count, value))
                    .size(20.0)
                    .strong()
                    .color(ui.visuals().warn_fg_color),
            )
            .on_hover_text("Every sample of this channel holds the same value: the buffer is constant.");
        }
        ui.horizontal_top(|ui| {
            let counts_width = 150.0;
            let plot_width = (ui.available_width() - counts_width - ui.spacing().item_spacing.x)
                .max(120.0);
            let plot_height = ui.available_height().clamp(90.0, 320.0);
            ui.allocate_ui(egui::vec2(plot_width, plot_height), |ui| {
                let new_range = plot_ui(
                    ui,
                    distribution,
                    range,
                    settings.log_counts,
                    plot_width,
                    plot_height,
                );
                if let Some((lo, hi)) = new_range {
                    action = Some(HistogramAction::SetRange(lo, hi));
                }
            });
            ui.vertical(|ui| counts_ui(ui, stats, distribution));
        });
        action
    })
    .inner
}

fn plot_ui(
    ui: &mut egui::Ui,
    distribution: &Distribution,
    range: (f64, f64),
    log_counts: bool,
    width: f32,
    height: f32,
) -> Option<(f64, f64)> {
    let histogram = &distribution.histogram;
    let dark = ui.visuals().dark_mode;
    let bar_color = if dark {
        Color32::from_rgb(120, 160, 210)
    } else {
        Color32::from_rgb(60, 100, 160)
    };
    let range_color = if dark {
        Color32::from_rgb(255, 200, 80)
    } else {
        Color32::from_rgb(190, 110, 0)
    };

    let Bars {
        view_lo,
        view_hi,
        bars,
        degenerate,
    } = bars(histogram, range, log_counts, bar_color);
    let max_height = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let y_top = if max_height > 0.0 {
        max_height * 1.08
    } else {
        1.0
    };

    let plot = plot(width, height, log_counts);
    let (r0, r1) = (range.0.min(range.1), range.0.max(range.1));
    let response = plot.show(ui, |plot_ui| {
        plot_ui.set_plot_bounds(PlotBounds::from_min_max([view_lo, 0.0], [view_hi, y_top]));
        if r0.is_finite() && r1.is_finite() {
            plot_ui.span(
                Span::new("", r0..=r1)
                    .fill(range_color.gamma_multiply(0.12))
                    .border_width(0.0),
            );
        }
        plot_ui.bar_chart(
            BarChart::new("histogram", bars)
                .color(bar_color)
                // The hover text is built only for the hovered bar, not for every bar each frame.
                .element_formatter(Box::new(move |bar, _| {
                    let count = bar_count(bar.value, log_counts);
                    let pixels = format_count(count);
                    if degenerate {
                        format!("{}: {pixels} pixels", format_exact(bar.argument))
                    } else {
                        let half = 0.5 * bar.bar_width;
                        format!(
                            "{} … {}: {pixels} pixels",
                            format_compact(bar.argument - half),
                            format_compact(bar.argument + half)
                        )
                    }
                })),
        );
        for (name, value) in [("min", r0), ("max", r1)] {
            if value.is_finite() {
                plot_ui.vline(VLine::new(name, value).color(range_color).width(1.5));
            }
        }
    });

    range_drag(ui, &response, range_color)
}

/// The bars of the histogram and the x range to show.
struct Bars {
    view_lo: f64,
    view_hi: f64,
    bars: Vec<Bar>,
    /// Every sample in one bin of a zero-width range (a constant channel): one bar at the value.
    degenerate: bool,
}

fn bars(histogram: &Histogram, range: (f64, f64), log_counts: bool, bar_color: Color32) -> Bars {
    let (lo, hi) = (histogram.lo, histogram.hi);
    let bin_count = histogram.bins.len();
    // Bars (≤ 256 per frame, no per-sample work). A constant buffer puts every sample in one bin of
    // a zero-width range: draw one visible bar at the value.
    let degenerate = bin_count == 0
        || !lo.is_finite()
        || !hi.is_finite()
        || hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater);
    let (view_lo, view_hi, bars) = if degenerate {
        // An all-NaN / all-background channel may have no finite range at all: centre on 0.
        let lo = if lo.is_finite() { lo } else { 0.0 };
        let half = (lo.abs() * 0.1).max(0.5);
        let total: u64 = histogram.bins.iter().sum();
        let bars = if total > 0 && lo.is_finite() {
            vec![
                Bar::new(lo, bar_height(total, log_counts))
                    .width(half * 0.2)
                    .fill(bar_color)
                    .stroke(egui::Stroke::new(1.0, bar_color)),
            ]
        } else {
            Vec::new()
        };
        (lo - half, lo + half, bars)
    } else {
        let bin_width = (hi - lo) / bin_count as f64;
        let bars = histogram
            .bins
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .map(|(i, &count)| {
                let start = lo + i as f64 * bin_width;
                Bar::new(start + 0.5 * bin_width, bar_height(count, log_counts))
                    .width(bin_width)
                    .fill(bar_color)
                    .stroke(egui::Stroke::new(0.5, bar_color))
            })
            .collect();
        // Show the normalisation range too when it is near the data (not the 1e10 sentinel).
        let span = hi - lo;
        let (r0, r1) = (range.0.min(range.1), range.0.max(range.1));
        let view_lo = if r0.is_finite() {
            lo.min(r0.max(lo - span))
        } else {
            lo
        };
        let view_hi = if r1.is_finite() {
            hi.max(r1.min(hi + span))
        } else {
            hi
        };
        let pad = (view_hi - view_lo) * 0.02;
        (view_lo - pad, view_hi + pad, bars)
    };
    Bars {
        view_lo,
        view_hi,
        bars,
        degenerate,
    }
}

/// The plot with its axes: no pan or zoom of its own (a drag sets the range instead), counts on
/// a linear or logarithmic axis.
fn plot(width: f32, height: f32, log_counts: bool) -> Plot<'static> {
    let mut plot = Plot::new("histogram_plot")
        .width(width)
        .height(height)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .allow_axis_zoom_drag(false)
        .show_y(false)
        .show_grid([false, true])
        .x_axis_formatter(|mark, _| format_compact(mark.value))
        .y_axis_min_width(44.0);
    plot = if log_counts {
        plot.y_grid_spacer(|input| {
            let top = input.bounds.1.floor().max(1.0) as i64;
            (1..=top)
                .map(|k| GridMark {
                    value: k as f64,
                    step_size: 1.0,
                })
                .collect()
        })
        .y_axis_formatter(|mark, _| {
            let count = 10f64.powf(mark.value - 1.0).round();
            if count >= 1e6 {
                format_compact(count)
            } else {
                format_count(count as u64)
            }
        })
    } else {
        plot.y_axis_formatter(|mark, _| {
            let nearest = mark.value.round();
            if nearest < 0.0 || (mark.value - nearest).abs() > 1e-6 * nearest.abs().max(1.0) {
                String::new()
            } else if nearest >= 1e6 {
                format_compact(nearest)
            } else {
                format_count(nearest as u64)
            }
        })
    };
    plot
}

/// Dragging across the plot selects a new normalisation range; returns it when the drag ends.
fn range_drag(
    ui: &mut egui::Ui,
    response: &egui_plot::PlotResponse<()>,
    range_color: Color32,
) -> Option<(f64, f64)> {
    let plot_response = &response.response;
    let drag_id = plot_response.id.with("range_drag");
    // Events can coalesce between frames (slow renderers): the drag starts where the button went
    // down and ends where the pointer was last seen, not where the frame happened to sample it.
    let to_value_x = |pos: egui::Pos2| response.transform.value_from_position(pos).x;
    let (press_origin, latest_pos) =
        ui.input(|i| (i.pointer.press_origin(), i.pointer.latest_pos()));
    let pointer_x = latest_pos
        .or_else(|| plot_response.interact_pointer_pos())
        .map(to_value_x);
    if plot_response.drag_started_by(egui::PointerButton::Primary)
        && let Some(x) = press_origin.map(to_value_x).or(pointer_x)
    {
        ui.data_mut(|d| d.insert_temp(drag_id, DragStart { value_x: x }));
    }
    let start = ui.data(|d| d.get_temp::<DragStart>(drag_id));
    let mut new_range = None;
    if let (Some(start), Some(x)) = (start, pointer_x) {
        let (a, b) = (start.value_x.min(x), start.value_x.max(x));
        if plot_response.dragged() {
            let frame = *response.transform.frame();
            let xa = response.transform.position_from_point_x(a);
            let xb = response.transform.position_from_point_x(b);
            let rect = egui::Rect::from_x_y_ranges(xa..=xb, frame.y_range()).intersect(frame);
            ui.painter()
                .rect_filled(rect, 0.0, range_color.gamma_multiply(0.25));
        }
        if plot_response.drag_stopped() {
            ui.data_mut(|d| d.remove::<DragStart>(drag_id));
            let min_width_px = 3.0;
            let width_px = (response.transform.position_from_point_x(b)
                - response.transform.position_from_point_x(a))
            .abs();
            if b > a && width_px >= min_width_px {
                new_range = Some((a, b));
            }
        }
    } else if plot_response.drag_stopped() {
        ui.data_mut(|d| d.remove::<DragStart>(drag_id));
    }
    new_range
}

fn counts_ui(ui: &mut egui::Ui, stats: &ChannelStats, distribution: &Distribution) {
    let histogram = &distribution.histogram;
    let in_range: u64 = histogram.bins.iter().sum();
    let rows: [(&str, u64, String); 7] = [
        (
            "in range",
            in_range,
            format!(
                "Samples inside the histogram's range {} … {}",
                format_exact(histogram.lo),
                format_exact(histogram.hi)
            ),
        ),
        (
            "below",
            histogram.underflow,
            "Finite samples below the histogram's range".to_owned(),
        ),
        (
            "above",
            histogram.overflow,
            "Finite samples above the histogram's range (not background)".to_owned(),
        ),
        (
            "sentinel",
            histogram.sentinel,
            format!(
                "Background sentinel samples (≥ {}, e.g. Cycles' 1e10 where a ray hit nothing)",
                format_compact(SENTINEL_THRESHOLD)
            ),
        ),
        ("NaN", histogram.nan, "Not-a-number samples".to_owned()),
        (
            "+Inf",
            histogram.pos_inf,
            "Positive infinity samples".to_owned(),
        ),
        (
            "-Inf",
            histogram.neg_inf,
            "Negative infinity samples".to_owned(),
        ),
    ];
    egui::Grid::new("histogram_counts")
        .num_columns(2)
        .spacing([8.0, 2.0])
        .show(ui, |ui| {
            for (name, count, hint) in rows {
                let special = !matches!(name, "in range") && count > 0;
                let mut text = RichText::new(format_count(count)).monospace();
                if special {
                    text = text.strong().color(ui.visuals().warn_fg_color);
                } else if count == 0 {
                    text = text.weak();
                }
                ui.label(name).on_hover_text(hint.as_str());
                ui.label(text).on_hover_text(hint.as_str());
                ui.end_row();
            }
            ui.label("total");
            ui.label(RichText::new(format_count(stats.count as u64)).monospace());
            ui.end_row();
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_heights_map_back_to_exact_counts() {
        for count in [0u64, 1, 2, 9, 10, 999, 1000, 76_800, 8_294_400, 123_456_789] {
            for log_counts in [false, true] {
                assert_eq!(
                    bar_count(bar_height(count, log_counts), log_counts),
                    count,
                    "count {count}, log {log_counts}"
                );
            }
        }
        assert_eq!(bar_height(1, true), 1.0);
        assert_eq!(bar_height(0, true), 0.0);
    }

    #[test]
    fn constant_label_groups_thousands() {
        assert_eq!(constant_label(76_800, 1.0), "all 76 800 pixels = 1");
        assert_eq!(constant_label(1, 0.5), "all 1 pixel = 0.5");
        assert_eq!(constant_label(4, f64::NAN), "all 4 pixels = NaN");
    }
}
