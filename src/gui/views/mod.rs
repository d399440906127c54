//! The two image views (RGB and depth): where they go ([`layout`]), what the pointer does on
//! them ([`interact`]), and what they show ([`paint`]); their headers and footers are in
//! `legend.rs`.
//!
//! The frame applies the commands of [`interact`] (pan, zoom, hover, pin) before [`paint`], so a
//! drag moves the image in the frame that saw it.

mod legend;

use egui::{Color32, RichText};
use exrprobe_core::compare::difference::{self, difference_at};
use exrprobe_core::model::{ChannelRef, Image, Window};
use exrprobe_core::region::Region;
use exrprobe_core::text::{format_compact, format_significant};

use super::command::{Command, LayoutMode, PixelUnderPointer};
use super::panels::findings::{findings_ui, status_row_ui};
use super::panels::probe::ProbePos;
use super::state::{CompareView, Document, ViewerState};
use super::textures::{self, Slot, TextureCache};
use super::view::{self, CanvasContent};

/// What the views keep from frame to frame: their GPU textures besides the images, and the
/// height the findings banner took (the next layout leaves room for it).
#[derive(Default)]
pub struct ViewsCache {
    checker_texture: Option<egui::TextureHandle>,
    colorbars: Vec<(exrprobe_core::colormap::ScalarMapping, egui::TextureHandle)>,
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
    let wipe_x = (state.compare_view() == CompareView::Wipe)
        .then(|| state.wipe_x_in_image())
        .flatten();
    // A drag that starts on the wipe line moves the line instead of the image (remembered
    // for the rest of the drag in egui's memory).
    let wipe_drag_id = egui::Id::unique("exrprobe_wipe_drag");
    let mut dragging_wipe: bool = ui.data(|d| d.get_temp(wipe_drag_id).unwrap_or(false));
    // A drag that starts with Shift held selects a region from the pixel where it started.
    let region_drag_id = egui::Id::unique("exrprobe_region_drag");
    let mut region_start: Option<(i64, i64)> = ui.data(|d| d.get_temp(region_drag_id)).flatten();
    if !ui.input(|i| i.pointer.primary_down()) {
        dragging_wipe = false;
        region_start = None;
    }
    let shift = ui.input(|i| i.modifiers.shift);
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
        if let (true, Some(start)) = (shift, input.drag_start) {
            region_start = Some(view::pixel_at(state.view(), canvas, start));
        } else if let (Some(line), Some(start)) = (wipe_x, input.drag_start) {
            let line_on_screen = state
                .view()
                .screen_from_image(canvas, egui::pos2(line, 0.0))
                .x;
            dragging_wipe = (start.x - line_on_screen).abs() <= view::WIPE_GRAB_POINTS;
        }
        if let Some(start) = region_start {
            if let Some(pos) = input.pointer {
                let end = view::pixel_at(state.view(), canvas, pos);
                commands.push(Command::SetRegion(Some(Region::from_corners(start, end))));
            }
        } else if dragging_wipe && wipe_x.is_some() {
            if let Some(pos) = input.pointer {
                let x = state.view().image_from_screen(canvas, pos).x;
                commands.push(Command::SetWipe(x));
            }
        } else if input.pan != egui::Vec2::ZERO {
            commands.push(Command::Pan(input.pan));
        }
        if let (Some(line), Some(pos)) = (wipe_x, input.hover) {
            let line_on_screen = state
                .view()
                .screen_from_image(canvas, egui::pos2(line, 0.0))
                .x;
            if (pos.x - line_on_screen).abs() <= view::WIPE_GRAB_POINTS || dragging_wipe {
                ui.ctx().set_cursor_icon(egui::CursorIcon::ResizeHorizontal);
            }
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
    ui.data_mut(|d| {
        d.insert_temp(wipe_drag_id, dragging_wipe);
        d.insert_temp(region_drag_id, region_start);
    });
    if hovered.is_some() && ui.ctx().output(|o| o.cursor_icon) == egui::CursorIcon::Default {
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
    if let CompareView::Difference(kind) = state.compare_view() {
        // The difference pictures' own legends (their ranges come from the data).
        for (rect, slot) in [
            (layout.rgb_footer, Slot::Rgb),
            (layout.depth_footer, Slot::Depth),
        ] {
            let mapping = textures
                .shown(slot)
                .filter(|s| matches!(s.key.what, textures::RenderWhat::Difference { .. }))
                .and_then(|s| s.mapping);
            let what = match (slot, kind) {
                (Slot::Rgb, _) if state.selection().solo.is_none() => {
                    format!("{} (mean of R, G, B)", kind.label())
                }
                _ => kind.label().to_owned(),
            };
            legend::difference_footer(ui, rect, &what, mapping, cache);
        }
    } else {
        legend::rgb_footer(ui, layout.rgb_footer, state, &mut commands);
        legend::depth_footer(ui, layout.depth_footer, state, cache, &mut commands);
    }
    if !layout.stacked && layout.banner_height > 0.0 {
        layer_note(ui, layout, state);
    }
    paint_canvases(ui, layout, state, doc, textures, cache, placeholders);
    if state.reference_image().is_some() {
        for canvas in [layout.rgb_canvas, layout.depth_canvas] {
            compare_badge(ui, canvas, state.compare_view());
        }
    }
    commands
}

/// In the top right corner of a canvas: what the view shows while comparing (A, B, A − B, …).
fn compare_badge(ui: &egui::Ui, canvas: egui::Rect, view: CompareView) {
    let text = match view {
        CompareView::Wipe => "A | B".to_owned(),
        other => other.label().to_owned(),
    };
    let fill = match view {
        CompareView::A => Color32::from_rgb(60, 90, 140),
        CompareView::B => Color32::from_rgb(140, 90, 40),
        CompareView::Difference(_) => Color32::from_rgb(120, 50, 110),
        CompareView::Wipe => Color32::from_rgb(70, 110, 70),
    };
    let painter = ui.painter_at(canvas);
    let galley = painter.layout_no_wrap(text, egui::FontId::proportional(13.0), Color32::WHITE);
    let pos = egui::pos2(canvas.right() - galley.size().x - 10.0, canvas.top() + 6.0);
    let rect = egui::Rect::from_min_size(pos, galley.size()).expand2(egui::vec2(6.0, 2.0));
    painter.rect_filled(rect, 4.0, fill);
    painter.galley(pos, galley, Color32::WHITE);
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
    let selection = state.selection();
    let checker = if state.checkerboard() && state.rgb_layer().is_some_and(|l| l.a.is_some()) {
        Some(checker_texture(ui.ctx(), cache))
    } else {
        None
    };
    let marked = state.marked_pixels();
    let shows = Shows {
        doc,
        reference: state.reference_image().map(|r| r.as_ref()),
        generation_b: state.reference().and_then(|r| r.generation()),
    };
    let wipe_x = (state.compare_view() == CompareView::Wipe)
        .then(|| state.wipe_x_in_image())
        .flatten();
    let canvases = [
        (
            layout.rgb_canvas,
            Slot::Rgb,
            Slot::RgbReference,
            state.rgb_part(),
            checker,
            placeholders.rgb,
        ),
        (
            layout.depth_canvas,
            Slot::Depth,
            Slot::DepthReference,
            selection.depth.map(|d| d.part),
            None,
            placeholders.depth,
        ),
    ];
    for (canvas, slot, slot_b, part_of_a, checkerboard, placeholder) in canvases {
        let main = textures.shown(slot);
        let wiped = wipe_x.map(|x| (textures.shown(slot_b), x));
        let (data_window, display_window) = shows.windows(main, part_of_a);
        // Which texture shows absolute pixel (x, y): in a wipe, B right of the line.
        let at = |x: i64| -> Option<&textures::Shown> {
            match wiped {
                Some((b, line)) if x as f32 + 0.5 >= line => b,
                _ => main,
            }
        };
        let text = |x: i64, y: i64| shows.pixel_text(at(x)?, x, y);
        let color = |x: i64, y: i64| shows.pixel_color(at(x)?, x, y);
        view::paint_canvas(
            ui,
            canvas,
            state.view(),
            &CanvasContent {
                shown: main,
                data_window,
                display_window,
                checkerboard,
                placeholder,
                pixel_text: &text,
                pixel_color: &color,
                region: state.region().map(region_rect),
                wipe: wiped.map(|(b, x_in_image)| view::WipeContent {
                    shown: b,
                    data_window: shows.windows(b, None).0,
                    x_in_image,
                }),
            },
            marked.hover,
            &marked.pinned,
        );
    }
    if state.compare_view() == CompareView::A
        && let Some(depth) = selection.depth
        && let Some(value) = doc.analysis.stats.get(&depth).and_then(|s| s.constant)
    {
        let (depth_dw, _) = windows(&doc.image, Some(depth.part));
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

/// A region as a rectangle in image coordinates.
fn region_rect(region: Region) -> egui::Rect {
    egui::Rect::from_min_max(
        egui::pos2(region.x0 as f32, region.y0 as f32),
        egui::pos2(region.x1 as f32, region.y1 as f32),
    )
}

/// The images textures are drawn from: the document (A) and the reference (B).
struct Shows<'a> {
    doc: &'a Document,
    reference: Option<&'a Image>,
    generation_b: Option<u64>,
}

impl Shows<'_> {
    /// The image a texture was drawn from.
    fn image_of(&self, shown: &textures::Shown) -> Option<&Image> {
        if Some(shown.key.generation) == self.generation_b {
            self.reference
        } else if shown.key.generation == self.doc.generation {
            Some(&self.doc.image)
        } else {
            None
        }
    }

    /// Data and display window of what a texture shows (its first channel's part), else of
    /// A's `fallback_part`.
    fn windows(
        &self,
        shown: Option<&textures::Shown>,
        fallback_part: Option<usize>,
    ) -> (Window, Window) {
        if let Some(shown) = shown
            && let Some(image) = self.image_of(shown)
        {
            return windows(image, first_channel(&shown.key.what).map(|c| c.part));
        }
        windows(&self.doc.image, fallback_part)
    }

    /// The value text a zoomed-in pixel shows: the values the texture maps (R, G, B on three
    /// lines; one channel; or the difference).
    fn pixel_text(&self, shown: &textures::Shown, x: i64, y: i64) -> Option<String> {
        let image = self.image_of(shown)?;
        let value = |c: ChannelRef| -> Option<f64> {
            let p = probe_pos(image, c.part, x, y)?;
            channel_value(image, c, p)
        };
        match &shown.key.what {
            textures::RenderWhat::Scalar { channel, .. } => value(*channel).map(pixel_text),
            textures::RenderWhat::Rgb { r, g, b, .. } => {
                let rv = value(*r)?;
                if r == g && g == b {
                    return Some(pixel_text(rv));
                }
                Some(format!(
                    "{}\n{}\n{}",
                    pixel_text(rv),
                    pixel_text(value(*g)?),
                    pixel_text(value(*b)?)
                ))
            }
            textures::RenderWhat::Difference { a, b, kind, .. } => {
                let d = difference_at(image, a, self.reference?, b, *kind, x, y)?;
                if d >= f64::from(difference::OUTSIDE) {
                    return Some("—".to_owned());
                }
                Some(pixel_text(d))
            }
        }
    }

    /// The colour a texture gives absolute pixel (x, y), computed from the model.
    fn pixel_color(&self, shown: &textures::Shown, x: i64, y: i64) -> Option<Color32> {
        let image = self.image_of(shown)?;
        let (data_window, _) = self.windows(Some(shown), None);
        let (col, row) = view::sample_at(shown.full_size, &data_window, x, y)?;
        textures::pixel_color(
            image,
            self.reference,
            shown.mapping.as_ref(),
            &shown.key.what,
            col,
            row,
        )
    }
}

/// The first channel a texture shows.
fn first_channel(what: &textures::RenderWhat) -> Option<ChannelRef> {
    match what {
        textures::RenderWhat::Rgb { r, .. } => Some(*r),
        textures::RenderWhat::Scalar { channel, .. } => Some(*channel),
        textures::RenderWhat::Difference { a, .. } => a.first().copied(),
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
