//! Histogram of the depth (or selected) channel with egui_plot.

use exrprobe_core::stats::ChannelStats;

/// Persistent settings of the histogram panel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HistogramSettings {
    /// Logarithmic count axis.
    pub log_counts: bool,
}

/// Draws the histogram of `stats` for the channel named `channel_label`, with the current
/// normalisation range `range` drawn on it. Returns a new range when the user dragged one out.
/// A constant channel is shown as one bar with a label such as "all 76 800 pixels = 1".
pub fn histogram_ui(
    ui: &mut egui::Ui,
    channel_label: &str,
    stats: &ChannelStats,
    range: (f64, f64),
    settings: &mut HistogramSettings,
) -> Option<(f64, f64)> {
    let _ = (ui, channel_label, stats, range, settings);
    todo!()
}
