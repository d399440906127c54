//! The timeline of a shot: one column per frame number from the first to the last, showing each
//! frame's depth (its robust min–max band and median on one depth axis for the whole shot), its
//! share of background, and markers for frames with constant depth, frames that cannot be read,
//! frames being written and missing frames. Clicking or dragging across it goes to a frame.
//!
//! Painted as one rectangle per column (no widget per frame), so a shot of thousands of frames
//! costs a few thousand rectangles.

use egui::{Color32, Rect, Sense, Stroke, pos2, vec2};
use exrprobe_core::sequence::FrameStatus;
use exrprobe_core::text::{format_compact, format_percent};

use crate::gui::state::FileSummary;

/// One column of the timeline.
#[derive(Clone, Copy, Debug)]
pub struct TimelineFrame<'a> {
    pub number: u64,
    /// The frame's file in the file list, `None` for a missing frame.
    pub file_index: Option<usize>,
    /// What the scan found, once it has.
    pub summary: Option<&'a FileSummary>,
}

/// What the timeline shows.
pub struct TimelineData<'a> {
    /// `shot010/beauty.####.exr`.
    pub label: &'a str,
    /// Every frame number from the first to the last, in order.
    pub frames: Vec<TimelineFrame<'a>>,
    /// The file shown now.
    pub current: Option<usize>,
}

const MISSING_COLOR: Color32 = Color32::from_rgb(70, 70, 76);
const UNREADABLE_COLOR: Color32 = Color32::from_rgb(220, 70, 60);
const CONSTANT_COLOR: Color32 = Color32::from_rgb(240, 120, 40);
const WRITING_COLOR: Color32 = Color32::from_rgb(100, 150, 235);
const BAND_COLOR: Color32 = Color32::from_rgb(95, 140, 200);
const MEDIAN_COLOR: Color32 = Color32::from_rgb(235, 235, 235);
const BACKGROUND_COLOR: Color32 = Color32::from_rgb(120, 120, 150);

/// Draws the timeline; returns the file to go to when a column was clicked or dragged over.
pub fn timeline_ui(ui: &mut egui::Ui, data: &TimelineData<'_>) -> Option<usize> {
    let (first, last) = match (data.frames.first(), data.frames.last()) {
        (Some(a), Some(b)) => (a.number, b.number),
        _ => return None,
    };
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new("Timeline").strong());
        ui.label(egui::RichText::new(format!("{}  {first}–{last}", data.label)).weak());
        legend(ui);
    });
    let height = ui.available_height().clamp(56.0, 140.0);
    let (rect, response) =
        ui.allocate_exact_size(vec2(ui.available_width(), height), Sense::click_and_drag());
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Slider, true, "Timeline of the shot")
    });
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, Color32::from_gray(22));
    let plot = rect.shrink2(vec2(2.0, 4.0));
    let column_width = plot.width() / data.frames.len() as f32;
    let (lo, hi) = depth_axis(&data.frames);
    let depth_height = plot.height() * 0.62;
    // Frame numbers under the columns, as many as fit (about one per 48 points).
    let label_step = ((48.0 / column_width).ceil() as usize).max(1);
    let y_of = |value: f64| -> f32 {
        let t = if hi > lo {
            (value - lo) / (hi - lo)
        } else {
            0.5
        };
        // Near (small depth) at the top, as the eye reads a depth map.
        plot.top() + depth_height * t.clamp(0.0, 1.0) as f32
    };
    for (i, frame) in data.frames.iter().enumerate() {
        let x0 = plot.left() + i as f32 * column_width;
        let column =
            Rect::from_min_max(pos2(x0, plot.top()), pos2(x0 + column_width, plot.bottom()));
        let inner = column.shrink2(vec2((column_width * 0.12).min(2.0), 0.0));
        paint_column(&painter, inner, frame, depth_height, &y_of);
        if i % label_step == 0 {
            painter.text(
                pos2(x0 + 2.0, plot.bottom()),
                egui::Align2::LEFT_BOTTOM,
                frame.number.to_string(),
                egui::FontId::proportional(10.0),
                Color32::from_gray(170),
            );
        }
        if frame.file_index.is_some() && frame.file_index == data.current {
            painter.rect_stroke(
                column.expand(1.0),
                1.0,
                Stroke::new(2.0, Color32::from_rgb(255, 210, 0)),
                egui::StrokeKind::Outside,
            );
        }
    }
    let frame_at = |x: f32| -> Option<&TimelineFrame<'_>> {
        let i = ((x - plot.left()) / column_width).floor();
        if i < 0.0 {
            return None;
        }
        data.frames.get(i as usize)
    };
    if let Some(pos) = response.hover_pos()
        && let Some(frame) = frame_at(pos.x)
    {
        response.clone().on_hover_text_at_pointer(describe(frame));
    }
    let pointer = response.interact_pointer_pos();
    let pressed = response.clicked() || response.dragged();
    pointer
        .filter(|_| pressed)
        .and_then(|pos| frame_at(pos.x))
        .and_then(|frame| frame.file_index)
        .filter(|&index| Some(index) != data.current)
}

/// The depth axis of the shot: from the nearest to the farthest robust bound of the frames whose
/// depth is not constant (a constant frame is marked, not allowed to stretch the axis).
fn depth_axis(frames: &[TimelineFrame<'_>]) -> (f64, f64) {
    let ranges = frames
        .iter()
        .filter_map(|f| f.summary?.depth)
        .filter(|d| d.constant.is_none())
        .filter_map(|d| d.robust_range);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (a, b) in ranges {
        lo = lo.min(a);
        hi = hi.max(b);
    }
    if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    }
}

fn paint_column(
    painter: &egui::Painter,
    column: Rect,
    frame: &TimelineFrame<'_>,
    depth_height: f32,
    y_of: &dyn Fn(f64) -> f32,
) {
    let Some(summary) = frame.summary else {
        let color = if frame.file_index.is_none() {
            MISSING_COLOR
        } else {
            Color32::from_gray(40) // not checked yet
        };
        painter.rect_filled(column, 0.0, color);
        return;
    };
    match summary.status {
        FrameStatus::Unreadable => {
            painter.rect_filled(column, 0.0, UNREADABLE_COLOR);
            return;
        }
        FrameStatus::BeingWritten => {
            painter.rect_filled(column, 0.0, WRITING_COLOR);
            return;
        }
        _ => {}
    }
    let Some(depth) = summary.depth else {
        return; // no depth channel: nothing to draw
    };
    if depth.constant.is_some() {
        painter.rect_filled(
            Rect::from_min_max(
                column.min,
                pos2(column.right(), column.top() + depth_height),
            ),
            0.0,
            CONSTANT_COLOR,
        );
    } else if let Some((lo, hi)) = depth.robust_range {
        let band = Rect::from_x_y_ranges(column.x_range(), y_of(lo)..=y_of(hi).max(y_of(lo) + 1.0));
        painter.rect_filled(band, 0.0, BAND_COLOR);
        if let Some(median) = depth.median {
            let y = y_of(median);
            painter.line_segment(
                [pos2(column.left(), y), pos2(column.right(), y)],
                Stroke::new(1.5, MEDIAN_COLOR),
            );
        }
    }
    // Background share, as a bar up from the frame numbers.
    let share = depth.background_fraction.clamp(0.0, 1.0) as f32;
    if share > 0.0 {
        let bottom = column.bottom() - 12.0;
        let room = (bottom - column.top() - depth_height - 2.0).max(2.0);
        let top = bottom - (room * share).max(1.0);
        painter.rect_filled(
            Rect::from_min_max(pos2(column.left(), top), pos2(column.right(), bottom)),
            0.0,
            BACKGROUND_COLOR,
        );
    }
}

/// The tooltip of a column.
fn describe(frame: &TimelineFrame<'_>) -> String {
    if frame.file_index.is_none() {
        return format!("frame {}: missing (no file)", frame.number);
    }
    let Some(summary) = frame.summary else {
        return format!("frame {}: not checked yet", frame.number);
    };
    let status = match summary.status {
        FrameStatus::Ok => "OK",
        FrameStatus::Warn => "WARN",
        FrameStatus::Fail => "FAIL",
        FrameStatus::Unreadable => "cannot be read",
        FrameStatus::BeingWritten => "still being written",
    };
    let mut text = format!("frame {}: {status}", frame.number);
    if let Some(headline) = &summary.headline {
        text.push_str(&format!("\n{headline}"));
    }
    if let Some(depth) = summary.depth {
        match (depth.constant, depth.robust_range) {
            (Some(value), _) => {
                text.push_str(&format!("\ndepth: {} everywhere", format_compact(value)));
            }
            (None, Some((lo, hi))) => {
                text.push_str(&format!(
                    "\ndepth {} … {}",
                    format_compact(lo),
                    format_compact(hi)
                ));
                if let Some(median) = depth.median {
                    text.push_str(&format!(", median {}", format_compact(median)));
                }
            }
            (None, None) => {}
        }
        let share = (depth.background_fraction * 1e6).round() as u64;
        text.push_str(&format!(
            "\nbackground {}",
            format_percent(share, 1_000_000)
        ));
    }
    text.push_str("\nClick to go to this frame");
    text
}

fn legend(ui: &mut egui::Ui) {
    for (color, label, hint) in [
        (
            BAND_COLOR,
            "depth",
            "The frame's depth: robust min–max band, median as a line (near at the top)",
        ),
        (
            BACKGROUND_COLOR,
            "background",
            "Share of background (no hit) pixels, as a bar from the bottom",
        ),
        (
            CONSTANT_COLOR,
            "constant",
            "Depth is one value everywhere (the Compositing trap)",
        ),
        (UNREADABLE_COLOR, "unreadable", "The frame cannot be read"),
        (WRITING_COLOR, "writing", "The frame is still being written"),
        (MISSING_COLOR, "missing", "No file has this frame number"),
    ] {
        let (r, response) = ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
        ui.painter().rect_filled(r, 2.0, color);
        response.on_hover_text(hint);
        ui.label(egui::RichText::new(label).small().weak());
    }
}
