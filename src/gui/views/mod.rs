//! The two image views (RGB and depth): where they go ([`layout`]), what the pointer does on
//! them ([`interact`]), and what they show ([`paint`]); their headers and footers are in
//! `legend.rs`.
//!
//! The frame applies the commands of [`interact`] (pan, zoom, hover, pin) before [`paint`], so a
//! drag moves the image in the frame that saw it.

mod legend;

use egui::{Color32, RichText};
use exrprobe_core::model::{ChannelRef, Image, Window};
use exrprobe_core::text::{format_compact, format_significant};

use super::command::{Command, LayoutMode, PixelUnderPointer};
use super::panels::findings::{findings_ui, status_row_ui};
use super::panels::probe::ProbePos;
use super::state::{Document, ViewerState};
use super::textures::{self, Slot, TextureCache};
use super::view::{self, CanvasContent};

/// What the views keep from frame to frame: their GPU textures besides the images, and the
/// height the findings banner took (the next layout leaves room for it).
#[derive(Default)]
pub struct ViewsCache {
    checker_texture: Option<egui::TextureHandle>,
    colorbar: Option<(exrprobe_core::colormap::ScalarMapping, egui::TextureHandle)>,
    banner_height: f32,
}

impl ViewsCache {
    /// Height of the findings banner in the last frame.
    pub fn banner_height(&self) -> f32 {
        self.banner_height
    }
}

const HEADER_HEIGHT: f32 = 28.0;
const FOOTER_HEIGHT: f32 = 58.0;
const GAP: f32 = 6.0;

/// Where everything of the two views goes this frame (screen points).
#[derive(Clone, Copy, Debug)]
pub struct ViewsLayout {
    pub stacked: bool,
    pub rgb_header: egui::Rect,
    pub depth_header: egui::Rect,
    pub rgb_canvas: egui::Rect,
    pub depth_canvas: egui::Rect,
    pub rgb_footer: egui::Rect,
    pub depth_footer: egui::Rect,
    /// Room for the findings banner above the depth canvas (its full height at most).
    pub banner: egui::Rect,
    /// Height the banner takes this frame.
    pub banner_height: f32,
}

impl ViewsLayout {
    /// The command that tells the state how the canvases were laid out.
    pub fn laid_out(&self, doc: &Document, pixels_per_point: f32) -> Command {
        Command::CanvasesLaidOut {
            canvas_size: self.rgb_canvas.size(),
            bounds_in_image: doc.bounds_in_image(),
            stacked: self.stacked,
            pixels_per_point,
        }
    }
}

/// Lays the views out in `area`: side by side or stacked (Auto: whichever shows the image
/// larger), each a header, a canvas and a footer, with the findings banner above the depth canvas.
pub fn layout(
    area: egui::Rect,
    state: &ViewerState,
    doc: &Document,
    measured_banner: f32,
) -> ViewsLayout {
    let bounds = doc.bounds_in_image();
    let stacked = match state.layout() {
        LayoutMode::SideBySide => false,
        LayoutMode::Stacked => true,
        LayoutMode::Auto => {
            let side = ((area.width() - GAP) / 2.0 / bounds.width())
                .min((area.height() - HEADER_HEIGHT - FOOTER_HEIGHT) / bounds.height());
            let stack = (area.width() / bounds.width()).min(
                (area.height() - 2.0 * (HEADER_HEIGHT + FOOTER_HEIGHT) - GAP)
                    / 2.0
                    / bounds.height(),
            );
            stack > side * 1.15
        }
    };
    let max_banner = (area.height() * 0.4).max(40.0);
    // The banner always takes at least one line ("Analysing…", the findings, or "No problems
    // found"), measured in the previous frame.
    let banner_height = measured_banner.min(max_banner);
    let (rgb_col, depth_col, canvas_size) = if stacked {
        let canvas_h =
            ((area.height() - 2.0 * (HEADER_HEIGHT + FOOTER_HEIGHT) - banner_height - GAP) / 2.0)
                .max(16.0);
        let rgb_h = HEADER_HEIGHT + canvas_h + FOOTER_HEIGHT;
        let rgb = egui::Rect::from_min_size(area.min, egui::vec2(area.width(), rgb_h));
        let depth = egui::Rect::from_min_max(egui::pos2(area.left(), rgb.bottom() + GAP), area.max);
        (rgb, depth, egui::vec2(area.width(), canvas_h))
    } else {
        let col_w = ((area.width() - GAP) / 2.0).max(16.0);
        let canvas_h = (area.height() - HEADER_HEIGHT - FOOTER_HEIGHT - banner_height).max(16.0);
        let rgb = egui::Rect::from_min_size(area.min, egui::vec2(col_w, area.height()));
        let depth = egui::Rect::from_min_size(
            egui::pos2(rgb.right() + GAP, area.top()),
            egui::vec2(col_w, area.height()),
        );
        (rgb, depth, egui::vec2(col_w, canvas_h))
    };
    let header = |col: egui::Rect| {
        egui::Rect::from_min_size(col.min, egui::vec2(col.width(), HEADER_HEIGHT))
    };
    let (rgb_header, depth_header) = (header(rgb_col), header(depth_col));
    // Side by side, both canvases start below the banner so that they stay level.
    let rgb_canvas_top = rgb_header.bottom() + if stacked { 0.0 } else { banner_height };
    let rgb_canvas =
        egui::Rect::from_min_size(egui::pos2(rgb_col.left(), rgb_canvas_top), canvas_size);
    let depth_canvas = egui::Rect::from_min_size(
        egui::pos2(depth_col.left(), depth_header.bottom() + banner_height),
        canvas_size,
    );
    let footer = |canvas: egui::Rect, col: egui::Rect| {
        egui::Rect::from_min_size(canvas.left_bottom(), egui::vec2(col.width(), FOOTER_HEIGHT))
    };
    ViewsLayout {
        stacked,
        rgb_header,
        depth_header,
        rgb_canvas,
        depth_canvas,
        rgb_footer: footer(rgb_canvas, rgb_col),
        depth_footer: footer(depth_canvas, depth_col),
        banner: egui::Rect::from_min_size(
            depth_header.left_bottom(),
            egui::vec2(depth_col.width(), max_banner),
        ),
        banner_height,
    }
}

/// Lets the pointer act on both canvases: pan, zoom about the cursor, hover and pin. Both views
/// share one pan and zoom; a pixel is looked up in the part each view shows.
pub fn interact(
    ui: &mut egui::Ui,
    layout: &ViewsLayout,
    state: &ViewerState,
    doc: &Document,
) -> Vec<Command> {
    let rgb = view::canvas_interact(ui, layout.rgb_canvas, "RGB view");
    let depth = view::canvas_interact(ui, layout.depth_canvas, "Depth view");
    let mut commands = Vec::new();
    let mut hovered = None;
    let parts = [state.rgb_part(), state.selection().depth.map(|d| d.part)];
    for ((input, canvas), part) in [(rgb, layout.rgb_canvas), (depth, layout.depth_canvas)]
        .into_iter()
        .zip(parts)
    {
        let under = |pos| {
            let (x, y) = view::pixel_at(state.view(), canvas, pos);
            PixelUnderPointer {
                pixel_in_image: (x, y),
                probe: probe_pos(&doc.image, part.unwrap_or(0), x, y),
            }
        };
        if input.pan != egui::Vec2::ZERO {
            commands.push(Command::Pan(input.pan));
        }
        if let Some((pos_on_screen, factor)) = input.zoom_about {
            commands.push(Command::ZoomAbout {
                canvas,
                pos_on_screen,
                factor,
            });
        }
        hovered = hovered.or(input.hover.map(under));
        if let Some(pos) = input.click {
            commands.push(Command::TogglePin(under(pos)));
        }
    }
    if hovered.is_some() {
        ui.ctx().set_cursor_icon(egui::CursorIcon::Crosshair);
    }
    if hovered != state.hover() {
        commands.push(Command::Hover(hovered));
    }
    commands
}

/// What each view shows where it has no texture yet.
pub struct Placeholders {
    pub rgb: Option<String>,
    pub depth: Option<String>,
}

/// Draws headers, banner, footers and both canvases. Returns what the user asked for.
pub fn paint(
    ui: &mut egui::Ui,
    layout: &ViewsLayout,
    state: &ViewerState,
    doc: &Document,
    textures: &TextureCache,
    cache: &mut ViewsCache,
    placeholders: Placeholders,
) -> Vec<Command> {
    let mut commands = Vec::new();
    legend::rgb_header(ui, layout.rgb_header, state, doc, &mut commands);
    legend::depth_header(ui, layout.depth_header, state, doc, &mut commands);
    findings_banner(ui, layout, doc, cache);
    legend::rgb_footer(ui, layout.rgb_footer, state, &mut commands);
    if !layout.stacked && layout.banner_height > 0.0 {
        layer_note(ui, layout, state);
    }
    legend::depth_footer(ui, layout.depth_footer, state, cache, &mut commands);
    paint_canvases(ui, layout, state, doc, textures, cache, placeholders);
    commands
}

/// The findings above the depth canvas; remembers the height they took for the next layout.
fn findings_banner(
    ui: &mut egui::Ui,
    layout: &ViewsLayout,
    doc: &Document,
    cache: &mut ViewsCache,
) {
    let used = ui
        .scope_builder(egui::UiBuilder::new().max_rect(layout.banner), |ui| {
            let muted = ui.visuals().weak_text_color();
            if !doc.analysis.is_complete() {
                // Keeps the banner's place while the channels are analysed: the views do not
                // move down when the findings arrive.
                status_row_ui(ui, "Analysing the channels…", muted, true);
            } else if doc.analysis.findings.is_empty() {
                let ok = if ui.visuals().dark_mode {
                    egui::Color32::from_rgb(120, 210, 140)
                } else {
                    egui::Color32::from_rgb(20, 120, 50)
                };
                status_row_ui(ui, "No problems found", ok, false);
            } else {
                egui::ScrollArea::vertical()
                    .id_salt("findings_banner")
                    .max_height(layout.banner.height())
                    .show(ui, |ui| findings_ui(ui, &doc.analysis.findings));
            }
        })
        .response
        .rect
        .height()
        + 4.0;
    if (used - cache.banner_height).abs() > 0.5 {
        cache.banner_height = used;
        ui.ctx().request_repaint();
    }
}

/// Beside the findings banner (side by side): why this colour layer was chosen.
fn layer_note(ui: &mut egui::Ui, layout: &ViewsLayout, state: &ViewerState) {
    let Some(layer) = state.rgb_layer() else {
        return;
    };
    let note = egui::Rect::from_min_size(
        layout.rgb_header.left_bottom(),
        egui::vec2(layout.rgb_header.width(), layout.banner_height.min(20.0)),
    );
    ui.scope_builder(egui::UiBuilder::new().max_rect(note), |ui| {
        ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
        ui.label(RichText::new(layer.rule.clone()).weak().small());
    });
}

fn paint_canvases(
    ui: &mut egui::Ui,
    layout: &ViewsLayout,
    state: &ViewerState,
    doc: &Document,
    textures: &TextureCache,
    cache: &mut ViewsCache,
    placeholders: Placeholders,
) {
    let image = &doc.image;
    let selection = state.selection();
    let checker = if state.checkerboard() && state.rgb_layer().is_some_and(|l| l.a.is_some()) {
        Some(checker_texture(ui.ctx(), cache))
    } else {
        None
    };
    let marked = state.marked_pixels();
    let (crosshair, pinned) = (marked.hover, marked.pinned);
    let rgb_text = |x: i64, y: i64| -> Option<String> {
        if let Some(solo) = selection.solo {
            let p = probe_pos(image, solo.part, x, y)?;
            return channel_value(image, solo, p).map(pixel_text);
        }
        let layer = state.rgb_layer()?;
        let p = probe_pos(image, layer.part, x, y)?;
        let r = channel_value(image, layer.r, p)?;
        if layer.gray {
            return Some(pixel_text(r));
        }
        let g = channel_value(image, layer.g, p)?;
        let b = channel_value(image, layer.b, p)?;
        Some(format!(
            "{}\n{}\n{}",
            pixel_text(r),
            pixel_text(g),
            pixel_text(b)
        ))
    };
    let depth_text = |x: i64, y: i64| -> Option<String> {
        let depth = selection.depth?;
        let p = probe_pos(image, depth.part, x, y)?;
        channel_value(image, depth, p).map(pixel_text)
    };
    let shown_color = |slot: Slot, col: usize, row: usize| {
        let shown = textures.shown(slot)?;
        textures::pixel_color(image, &shown.key.what, col, row)
    };
    let rgb_color = |col: usize, row: usize| shown_color(Slot::Rgb, col, row);
    let depth_color = |col: usize, row: usize| shown_color(Slot::Depth, col, row);
    let (rgb_dw, rgb_disp) = windows(image, state.rgb_part());
    view::paint_canvas(
        ui,
        layout.rgb_canvas,
        state.view(),
        &CanvasContent {
            shown: textures.shown(Slot::Rgb),
            data_window: rgb_dw,
            display_window: rgb_disp,
            checkerboard: checker,
            placeholder: placeholders.rgb,
            pixel_text: &rgb_text,
            sample_color: &rgb_color,
        },
        crosshair,
        pinned,
    );
    let (depth_dw, depth_disp) = windows(image, selection.depth.map(|d| d.part));
    view::paint_canvas(
        ui,
        layout.depth_canvas,
        state.view(),
        &CanvasContent {
            shown: textures.shown(Slot::Depth),
            data_window: depth_dw,
            display_window: depth_disp,
            checkerboard: None,
            placeholder: placeholders.depth,
            pixel_text: &depth_text,
            sample_color: &depth_color,
        },
        crosshair,
        pinned,
    );
    if let Some(depth) = selection.depth
        && let Some(value) = doc.analysis.stats.get(&depth).and_then(|s| s.constant)
    {
        // On the image where it is in view, else at the top of the canvas.
        let on_screen = state
            .view()
            .screen_rect(layout.depth_canvas, view::window_rect(&depth_dw))
            .intersect(layout.depth_canvas);
        let area = if on_screen.height() >= 40.0 && on_screen.width() >= 40.0 {
            on_screen
        } else {
            layout.depth_canvas
        };
        constant_depth_label(ui, layout.depth_canvas, area.center_top(), value);
    }
}

/// The value drawn on a pixel far zoomed in: six significant digits (the probe has them all).
fn pixel_text(value: f64) -> String {
    format_significant(value, 6)
}

/// Data and display window of `part` (empty windows when there is none).
fn windows(image: &Image, part: Option<usize>) -> (Window, Window) {
    let empty = Window {
        x: 0,
        y: 0,
        width: 0,
        height: 0,
    };
    part.and_then(|p| image.part(p))
        .map_or((empty, empty), |p| (p.data_window, p.display_window))
}

fn checker_texture(ctx: &egui::Context, cache: &mut ViewsCache) -> egui::TextureId {
    cache
        .checker_texture
        .get_or_insert_with(|| {
            let dark = Color32::from_gray(102);
            let light = Color32::from_gray(153);
            ctx.load_texture(
                "exrprobe-checker",
                egui::ColorImage::new([2, 2], vec![light, dark, dark, light]),
                egui::TextureOptions::NEAREST_REPEAT,
            )
        })
        .id()
}

/// Says on the depth view that the depth channel holds one value everywhere, so its flat colour
/// cannot be mistaken for a depth map. `top_center` is where its top edge is centred.
fn constant_depth_label(ui: &egui::Ui, canvas: egui::Rect, top_center: egui::Pos2, value: f64) {
    let painter = ui.painter_at(canvas);
    let text = format!("constant {} — no depth", format_compact(value));
    let galley = painter.layout_no_wrap(text, egui::FontId::proportional(18.0), Color32::WHITE);
    let pos = egui::pos2(top_center.x - galley.size().x / 2.0, top_center.y + 10.0);
    let rect = egui::Rect::from_min_size(pos, galley.size()).expand2(egui::vec2(8.0, 4.0));
    painter.rect_filled(rect, 4.0, Color32::from_black_alpha(200));
    painter.galley(pos, galley, Color32::WHITE);
}

/// The probe position of absolute pixel (x, y) in `part`, if inside its data window.
pub fn probe_pos(image: &Image, part: usize, x: i64, y: i64) -> Option<ProbePos> {
    let dw = image.part(part)?.data_window;
    if !dw.contains(x, y) {
        return None;
    }
    Some(ProbePos {
        part,
        col: usize::try_from(x - i64::from(dw.x)).ok()?,
        row: usize::try_from(y - i64::from(dw.y)).ok()?,
    })
}

/// A channel's value at a probe position (subsampled channels are looked up at their sample).
pub fn channel_value(image: &Image, channel: ChannelRef, pos: ProbePos) -> Option<f64> {
    let ch = image.channel(channel)?;
    let (sx, sy) = ch.sampling;
    ch.value_at(pos.col / sx.max(1), pos.row / sy.max(1))
        .map(|v| v.to_f64())
}
