//! Headers and footers of the two views: what each view shows and why, the exposure, the depth
//! colormap and mapping options, and the depth colour bar with real values and editable ends.

use egui::{Color32, RichText, TextureOptions};
use exrprobe_core::colormap::{
    Colormap, NAN_COLOR, NEG_INF_COLOR, POS_INF_COLOR, SENTINEL_COLOR, ScalarMapping, scalar_color,
};
use exrprobe_core::text::format_compact;

use super::super::command::Command;
use super::super::state::{Document, ViewerState};
use super::ViewsCache;

/// A row of widgets from the left inside `rect`.
fn row(ui: &mut egui::Ui, rect: egui::Rect, add: impl FnOnce(&mut egui::Ui)) {
    ui.scope_builder(
        egui::UiBuilder::new()
            .max_rect(rect)
            .layout(egui::Layout::left_to_right(egui::Align::Center)),
        add,
    );
}

pub(super) fn rgb_header(
    ui: &mut egui::Ui,
    rect: egui::Rect,
    state: &ViewerState,
    doc: &Document,
    commands: &mut Vec<Command>,
) {
    let solo = state.selection().solo;
    let layer = state.rgb_layer();
    let title = match (solo, layer) {
        (Some(solo), _) => format!(
            "Channel {}",
            doc.image.qualified_name(solo).unwrap_or_default()
        ),
        (None, Some(layer)) => format!("RGB  {}", layer.label(&doc.image)),
        (None, None) => "RGB".to_owned(),
    };
    let rule = match (solo, layer) {
        (Some(_), _) => "Shown on its own as grey over its robust range".to_owned(),
        (None, Some(layer)) => format!("Chosen because: {}", layer.rule),
        (None, None) => "No colour layer in this file".to_owned(),
    };
    row(ui, rect, |ui| {
        ui.label(RichText::new(title).strong()).on_hover_text(rule);
        if solo.is_some()
            && ui
                .small_button("Back to RGB")
                .on_hover_text("Show the colour layer again")
                .clicked()
        {
            commands.push(Command::Solo(None));
        }
    });
}

pub(super) fn rgb_footer(
    ui: &mut egui::Ui,
    rect: egui::Rect,
    state: &ViewerState,
    commands: &mut Vec<Command>,
) {
    ui.scope_builder(
        egui::UiBuilder::new()
            .max_rect(rect.shrink2(egui::vec2(0.0, 4.0)))
            .layout(egui::Layout::left_to_right(egui::Align::Min)),
        |ui| {
            let label = ui.label("Exposure");
            let mut exposure = state.exposure();
            let response = ui
                .add(
                    egui::DragValue::new(&mut exposure)
                        .speed(0.05)
                        .range(-20.0..=20.0)
                        .suffix(" EV")
                        .fixed_decimals(1),
                )
                .labelled_by(label.id)
                .on_hover_text("Exposure in stops (E / Shift+E)");
            if response.changed() {
                commands.push(Command::SetExposure(exposure));
            }
            if state.exposure() != 0.0
                && ui
                    .small_button("0")
                    .on_hover_text("Reset exposure")
                    .clicked()
            {
                commands.push(Command::SetExposure(0.0));
            }
            let mut checker = state.checkerboard();
            if ui
                .checkbox(&mut checker, "Checkerboard")
                .on_hover_text("Show alpha over a checkerboard")
                .changed()
            {
                commands.push(Command::ToggleCheckerboard);
            }
        },
    );
}

pub(super) fn depth_header(
    ui: &mut egui::Ui,
    rect: egui::Rect,
    state: &ViewerState,
    doc: &Document,
    commands: &mut Vec<Command>,
) {
    let settings = state.depth_settings();
    let depth = state.selection().depth;
    row(ui, rect, |ui| {
        let title = match depth {
            Some(d) => format!("Depth  {}", doc.image.qualified_name(d).unwrap_or_default()),
            None => "Depth".to_owned(),
        };
        let response = ui.label(RichText::new(title).strong());
        if let Some(chosen) = &doc.analysis.depth.chosen
            && Some(chosen.channel) == depth
        {
            response.on_hover_text(format!("Detected: {}", chosen.rule));
        }
        let mut colormap = settings.colormap;
        egui::ComboBox::from_id_salt("colormap")
            .selected_text(colormap.label())
            .width(80.0)
            .show_ui(ui, |ui| {
                for map in Colormap::ALL {
                    ui.selectable_value(&mut colormap, map, map.label());
                }
            })
            .response
            .on_hover_text("Colormap");
        if colormap != settings.colormap {
            commands.push(Command::SetColormap(colormap));
        }
        let mut invert = settings.invert;
        if ui
            .checkbox(&mut invert, "Invert")
            .on_hover_text("Near bright, far dark")
            .changed()
        {
            commands.push(Command::SetInvert(invert));
        }
        let mut log = settings.log;
        if ui
            .checkbox(&mut log, "Log")
            .on_hover_text("Map log(depth): more contrast near the camera")
            .changed()
        {
            commands.push(Command::SetLogScale(log));
        }
    });
}

/// The value the colour bar labels at fraction `t` (0 to 1, left to right) of its length: the
/// exact inverse of the mapping, so labels sit where their colours are (log floor included).
pub fn colorbar_value(mapping: &ScalarMapping, t: f64) -> f64 {
    mapping.value_at(t)
}

/// The value a tick at `t` shows: [`colorbar_value`], with the rounding residue of a range
/// symmetric about 0 (`-1.355e-20` in the middle of ±1e-4) shown as the 0 it stands for.
fn tick_value(mapping: &ScalarMapping, t: f64) -> f64 {
    let value = colorbar_value(mapping, t);
    let scale = mapping.lo.abs().max(mapping.hi.abs());
    if value.abs() <= scale * 1e-12 {
        0.0
    } else {
        value
    }
}

/// The colour bar's texture for `mapping`, made again only when the mapping changes.
fn colorbar_texture(
    ctx: &egui::Context,
    cache: &mut ViewsCache,
    mapping: ScalarMapping,
) -> egui::TextureId {
    if let Some((_, texture)) = cache.colorbars.iter().find(|(m, _)| *m == mapping) {
        return texture.id();
    }
    let pixels = (0..256)
        .map(|i| {
            let t = f64::from(i) / 255.0;
            let [r, g, b, a] = scalar_color(colorbar_value(&mapping, t), &mapping);
            Color32::from_rgba_unmultiplied(r, g, b, a)
        })
        .collect();
    let image = egui::ColorImage::new([256, 1], pixels);
    // Both views may show a bar (depth, or two difference pictures): keep a few, reuse the
    // oldest texture.
    let texture = if cache.colorbars.len() >= COLORBARS_KEPT {
        let (_, mut texture) = cache.colorbars.remove(0);
        texture.set(image, TextureOptions::LINEAR);
        texture
    } else {
        ctx.load_texture("exrprobe-colorbar", image, TextureOptions::LINEAR)
    };
    let id = texture.id();
    cache.colorbars.push((mapping, texture));
    id
}

/// Colour bar textures kept at once.
const COLORBARS_KEPT: usize = 3;

/// The legend of a difference picture: what it shows, its colour bar from the range the
/// picture was drawn with, and the colours of pixels that cannot be compared.
pub(super) fn difference_footer(
    ui: &mut egui::Ui,
    rect: egui::Rect,
    what: &str,
    mapping: Option<ScalarMapping>,
    cache: &mut ViewsCache,
) {
    let rect = rect.shrink2(egui::vec2(0.0, 3.0));
    let row1 = egui::Rect::from_min_size(rect.min, egui::vec2(rect.width(), 20.0));
    let Some(mapping) = mapping else {
        row(ui, row1, |ui| {
            ui.label(RichText::new(format!("{what} — drawing…")).weak());
        });
        return;
    };
    let texture = colorbar_texture(ui.ctx(), cache, mapping);
    let label_rect = ui
        .scope_builder(
            egui::UiBuilder::new()
                .max_rect(row1)
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
            |ui| ui.label(RichText::new(what).strong()),
        )
        .response
        .rect;
    let gradient = egui::Rect::from_min_max(
        egui::pos2(label_rect.right() + 10.0, rect.top() + 3.0),
        egui::pos2(rect.right() - 8.0, rect.top() + 17.0),
    );
    colorbar(ui, gradient, texture, &mapping);
    let row2 = egui::Rect::from_min_max(egui::pos2(rect.left(), rect.top() + 34.0), rect.max);
    row(ui, row2, |ui| {
        let range = if mapping.lo < 0.0 {
            format!("range ±{}", format_compact(mapping.hi))
        } else {
            format!("range 0 to {}", format_compact(mapping.hi))
        };
        ui.label(RichText::new(format!("{range} (99th percentile)")).small())
            .on_hover_text(
                "The colour bar spans the 99th percentile of the differences, so that one hot \
             pixel does not wash the picture out; the probe and the metrics give exact values",
            );
        ui.add_space(8.0);
        for (color, label, tip) in [
            (
                NAN_COLOR,
                "one side only",
                "NaN, ±Inf or background in one file and not the other",
            ),
            (
                SENTINEL_COLOR,
                "outside B",
                "Pixels the reference's data window does not cover",
            ),
        ] {
            swatch(ui, color, label, tip);
        }
    });
}

/// A small colour square with a label and a tooltip.
fn swatch(ui: &mut egui::Ui, color: [u8; 4], label: &str, tip: &str) {
    let (r, resp) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
    ui.painter().rect_filled(
        r,
        2.0,
        Color32::from_rgba_unmultiplied(color[0], color[1], color[2], color[3]),
    );
    ui.painter().rect_stroke(
        r,
        2.0,
        egui::Stroke::new(1.0, Color32::from_gray(120)),
        egui::StrokeKind::Outside,
    );
    resp.on_hover_text(tip);
    ui.label(RichText::new(label).small());
    ui.add_space(4.0);
}

/// The colour bar legend with real depth values, editable min/max and the special colours.
pub(super) fn depth_footer(
    ui: &mut egui::Ui,
    rect: egui::Rect,
    state: &ViewerState,
    cache: &mut ViewsCache,
    commands: &mut Vec<Command>,
) {
    let Some(mapping) = state.depth_mapping() else {
        return;
    };
    let texture = colorbar_texture(ui.ctx(), cache, mapping);
    let rect = rect.shrink2(egui::vec2(0.0, 3.0));
    // Row 1: min [gradient] max. Row 2 (left): Auto + the special colours.
    let row1 = egui::Rect::from_min_size(rect.min, egui::vec2(rect.width(), 20.0));
    let (mut lo, mut hi) = (mapping.lo, mapping.hi);
    let speed = ((hi - lo).abs() / 300.0).max(1e-6);
    let mut range_changed = false;
    // A labelled number field at one end of the row; returns the rectangle it took.
    let mut range_field = |layout: egui::Layout, label: &str, value: &mut f64, end: &str| {
        ui.scope_builder(egui::UiBuilder::new().max_rect(row1).layout(layout), |ui| {
            let label = ui.label(label);
            range_changed |= ui
                .add(egui::DragValue::new(value).speed(speed).max_decimals(6))
                .labelled_by(label.id)
                .on_hover_text(format!("Depth mapped to the {end} end of the colormap"))
                .changed();
        })
        .response
        .rect
    };
    let lo_end = range_field(
        egui::Layout::left_to_right(egui::Align::Center),
        "min",
        &mut lo,
        "low",
    )
    .right();
    let hi_start = range_field(
        egui::Layout::right_to_left(egui::Align::Center),
        "max",
        &mut hi,
        "high",
    )
    .left();
    if range_changed {
        commands.push(Command::SetDepthRange(lo, hi));
    }
    // The gradient fills what the two fields leave (they are as wide as their numbers).
    let gradient = egui::Rect::from_min_max(
        egui::pos2(lo_end + 8.0, rect.top() + 3.0),
        egui::pos2((hi_start - 8.0).max(lo_end + 16.0), rect.top() + 17.0),
    );
    colorbar(ui, gradient, texture, &mapping);
    let row2 = egui::Rect::from_min_max(egui::pos2(rect.left(), rect.top() + 34.0), rect.max);
    row(ui, row2, |ui| {
        if ui
            .add_enabled(
                state.depth_settings().range.is_some(),
                egui::Button::new("Auto range").small(),
            )
            .on_hover_text("Back to the robust range (percentiles, background excluded)")
            .clicked()
        {
            commands.push(Command::ResetDepthRange);
        }
        ui.add_space(8.0);
        special_colours(ui);
    });
}

/// The gradient with as many tick labels as fit.
fn colorbar(
    ui: &mut egui::Ui,
    gradient: egui::Rect,
    texture: egui::TextureId,
    mapping: &ScalarMapping,
) {
    let response = ui.interact(
        gradient,
        ui.scope_id().with("colorbar"),
        egui::Sense::hover(),
    );
    let painter = ui.painter();
    painter.image(
        texture,
        gradient,
        egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
        Color32::WHITE,
    );
    painter.rect_stroke(
        gradient,
        0.0,
        egui::Stroke::new(1.0, Color32::from_gray(90)),
        egui::StrokeKind::Outside,
    );
    let label_font = egui::FontId::proportional(11.0);
    let label_color = Color32::from_gray(210);
    let constant = mapping.hi == mapping.lo;
    // Tick labels need room; a narrow bar has none (the fields beside it say the range).
    let ticks: u32 = match gradient.width() {
        _ if constant => 0,
        w if w > 320.0 => 4,
        w if w > 150.0 => 2,
        w if w > 90.0 => 1,
        _ => 0,
    };
    if constant {
        painter.text(
            egui::pos2(gradient.center().x, gradient.bottom() + 4.0),
            egui::Align2::CENTER_TOP,
            format!("every value = {}", mapping.lo),
            label_font.clone(),
            label_color,
        );
    }
    for k in (0..=ticks).filter(|_| ticks > 0) {
        let t = f64::from(k) / f64::from(ticks);
        let x = gradient.left() + gradient.width() * t as f32;
        painter.line_segment(
            [
                egui::pos2(x, gradient.bottom()),
                egui::pos2(x, gradient.bottom() + 4.0),
            ],
            egui::Stroke::new(1.0, Color32::from_gray(160)),
        );
        let anchor = match k {
            0 => egui::Align2::LEFT_TOP,
            k if k == ticks => egui::Align2::RIGHT_TOP,
            _ => egui::Align2::CENTER_TOP,
        };
        painter.text(
            egui::pos2(x, gradient.bottom() + 4.0),
            anchor,
            format_compact(tick_value(mapping, t)),
            label_font.clone(),
            label_color,
        );
    }
    response.on_hover_text(format!(
        "{} from {} to {}{}{}",
        mapping.colormap.label(),
        mapping.lo,
        mapping.hi,
        if mapping.log { ", logarithmic" } else { "" },
        if mapping.invert {
            ", inverted (near bright)"
        } else {
            ""
        }
    ));
}

/// Swatches of the colours NaN, ±Inf and background are drawn in.
fn special_colours(ui: &mut egui::Ui) {
    for (color, label, tip) in [
        (NAN_COLOR, "NaN", "NaN samples are drawn in this colour"),
        (
            POS_INF_COLOR,
            "+Inf",
            "+Inf samples are drawn in this colour",
        ),
        (
            NEG_INF_COLOR,
            "-Inf",
            "-Inf samples are drawn in this colour",
        ),
        (
            SENTINEL_COLOR,
            "background",
            "Background: values of 1e9 and above (Cycles writes 1e10 where no object was hit)",
        ),
    ] {
        swatch(ui, color, label, tip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With Log on and min ≤ 0 the colours start at the log floor (four decades below max); the
    /// labels must follow the same scale, not a linear one.
    #[test]
    fn colorbar_labels_sit_where_their_colours_are_with_log_and_a_floor() {
        for lo in [0.0, -3.0, 2.0] {
            let mapping = ScalarMapping {
                lo,
                hi: 1000.0,
                invert: false,
                log: true,
                colormap: Colormap::Gray,
            };
            for i in 0..=8 {
                let t = f64::from(i) / 8.0;
                let value = colorbar_value(&mapping, t);
                assert_eq!(
                    scalar_color(value, &mapping),
                    Colormap::Gray.color_at(t),
                    "lo {lo}: the label at {t} reads {value}"
                );
            }
        }
        let floor = ScalarMapping {
            lo: 0.0,
            hi: 1000.0,
            invert: false,
            log: true,
            colormap: Colormap::Gray,
        };
        assert!((colorbar_value(&floor, 0.0) - 0.1).abs() < 1e-12);
        assert!((colorbar_value(&floor, 0.5) - 10.0).abs() < 1e-9);
    }
}
