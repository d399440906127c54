//! The image canvases: shared pan (drag) and zoom (wheel about the cursor), fit / 1:1, the image
//! with nearest-neighbour magnification over an optional checkerboard, the display window outline,
//! crosshair and pin markers, per-pixel value text when zoomed far in, and the compare wipe (A
//! left of a vertical line, B right of it).
//!
//! Coordinates: `pos_in_image` is in absolute EXR pixel units (pixel (x, y) covers
//! `[x, x+1) × [y, y+1)`), shared by both views; `pos_on_screen` is in egui points.

use egui::{
    Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, TextureId, Vec2, pos2, vec2,
};
use exrprobe_core::model::Window;

use super::textures::Shown;

/// Zoom at which each pixel shows its value as text (points per image pixel).
pub const PIXEL_TEXT_MIN_ZOOM: f32 = 48.0;
const MIN_ZOOM: f32 = 1.0 / 256.0;
const MAX_ZOOM: f32 = 512.0;

/// Pan and zoom shared by both views.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ViewState {
    /// Screen points per image pixel.
    pub zoom: f32,
    /// The image point shown at the canvas centre.
    pub center_in_image: Pos2,
    /// Fit at the next frame (when the canvas size is known).
    pub fit_pending: bool,
    /// The view shows the fitted image and the user has not zoomed or panned since: when the
    /// canvases change size (window resized, findings banner shown) it is fitted again.
    #[serde(default)]
    pub fitted: bool,
    /// Size of one canvas in the last frame.
    pub canvas_size: Vec2,
}

impl Default for ViewState {
    fn default() -> Self {
        Self {
            zoom: 1.0,
            center_in_image: Pos2::ZERO,
            fit_pending: true,
            fitted: false,
            canvas_size: Vec2::ZERO,
        }
    }
}

impl ViewState {
    pub fn image_from_screen(&self, canvas: Rect, pos_on_screen: Pos2) -> Pos2 {
        self.center_in_image + (pos_on_screen - canvas.center()) / self.zoom
    }

    pub fn screen_from_image(&self, canvas: Rect, pos_in_image: Pos2) -> Pos2 {
        canvas.center() + (pos_in_image - self.center_in_image) * self.zoom
    }

    /// Screen rectangle of an image rectangle.
    pub fn screen_rect(&self, canvas: Rect, rect_in_image: Rect) -> Rect {
        Rect::from_min_max(
            self.screen_from_image(canvas, rect_in_image.min),
            self.screen_from_image(canvas, rect_in_image.max),
        )
    }

    /// Fits `bounds_in_image` into a canvas of `canvas_size` with a small margin.
    pub fn fit(&mut self, canvas_size: Vec2, bounds_in_image: Rect) {
        let size = bounds_in_image.size();
        if size.x <= 0.0 || size.y <= 0.0 || canvas_size.x <= 1.0 || canvas_size.y <= 1.0 {
            return;
        }
        let zoom = ((canvas_size.x - 8.0) / size.x).min((canvas_size.y - 8.0) / size.y);
        self.zoom = zoom.clamp(MIN_ZOOM, MAX_ZOOM);
        self.center_in_image = bounds_in_image.center();
        self.fit_pending = false;
        self.fitted = true;
    }

    /// Sets the zoom (clamped), keeping the centre: the view is no longer fitted.
    pub fn set_zoom(&mut self, zoom: f32) {
        self.zoom = zoom.clamp(MIN_ZOOM, MAX_ZOOM);
        self.fitted = false;
    }

    /// Fits when asked to, or again when a fitted view's canvas changed size; then remembers
    /// `canvas_size`.
    pub fn update_canvas(&mut self, canvas_size: Vec2, bounds_in_image: Rect) {
        let resized = canvas_size != self.canvas_size;
        self.canvas_size = canvas_size;
        if self.fit_pending || (self.fitted && resized) {
            self.fit(canvas_size, bounds_in_image);
        }
    }

    /// Multiplies the zoom by `factor`, keeping the image point under `pos_on_screen` fixed.
    pub fn zoom_about(&mut self, canvas: Rect, pos_on_screen: Pos2, factor: f32) {
        let anchor = self.image_from_screen(canvas, pos_on_screen);
        self.set_zoom(self.zoom * factor);
        // Keep `anchor` under the cursor.
        self.center_in_image = anchor - (pos_on_screen - canvas.center()) / self.zoom;
    }

    /// Moves the image by `delta_on_screen` points.
    pub fn pan(&mut self, delta_on_screen: Vec2) {
        if delta_on_screen != Vec2::ZERO {
            self.center_in_image -= delta_on_screen / self.zoom;
            self.fitted = false;
        }
    }
}

/// Rectangle of a window in image coordinates.
pub fn window_rect(window: &Window) -> Rect {
    Rect::from_min_size(
        pos2(window.x as f32, window.y as f32),
        vec2(window.width as f32, window.height as f32),
    )
}

/// What the pointer did on a canvas this frame, in screen points.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CanvasInput {
    /// Drag with the primary or middle button: move the image by this much.
    pub pan: Vec2,
    /// Wheel or pinch: multiply the zoom by this factor about this point.
    pub zoom_about: Option<(Pos2, f32)>,
    /// Where the pointer is, if over the canvas.
    pub hover: Option<Pos2>,
    /// Where a click landed.
    pub click: Option<Pos2>,
    /// Where a drag started, in the frame it started.
    pub drag_start: Option<Pos2>,
    /// Where the pointer is while this canvas is dragged (also outside the canvas).
    pub pointer: Option<Pos2>,
}

/// Allocates a canvas in `rect` (an image for screen readers, named `label`) and reports what
/// the pointer did on it; the caller turns that into commands (pan, zoom about the cursor, hover,
/// pin).
pub fn canvas_interact(ui: &mut egui::Ui, rect: Rect, label: &str) -> CanvasInput {
    let response = ui.allocate_rect(rect, Sense::click_and_drag());
    let label = label.to_owned();
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
    let mut input = CanvasInput::default();
    if response.dragged_by(egui::PointerButton::Primary)
        || response.dragged_by(egui::PointerButton::Middle)
    {
        input.pan = response.drag_delta();
        input.pointer = response.interact_pointer_pos();
    }
    if response.drag_started_by(egui::PointerButton::Primary) {
        input.drag_start = ui.input(|i| i.pointer.press_origin());
    }
    input.hover = response.hover_pos();
    if let Some(pos) = input.hover {
        let (scroll, zoom_delta) = ui.input(|i| (i.smooth_scroll_delta, i.zoom_delta()));
        let factor = zoom_delta * (scroll.y / 200.0).exp();
        if (factor - 1.0).abs() > 1e-4 {
            input.zoom_about = Some((pos, factor));
        }
    }
    if response.clicked() {
        input.click = response.interact_pointer_pos();
    }
    input
}

/// The absolute image pixel under `pos_on_screen`.
pub fn pixel_at(view: &ViewState, canvas: Rect, pos_on_screen: Pos2) -> (i64, i64) {
    let p = view.image_from_screen(canvas, pos_on_screen);
    (p.x.floor() as i64, p.y.floor() as i64)
}

/// What one canvas draws.
pub struct CanvasContent<'a> {
    /// The image texture, if rendered.
    pub shown: Option<&'a Shown>,
    /// Where the channel's samples lie, in image coordinates (the part's data window).
    pub data_window: Window,
    /// The part's display window (outlined when it differs from the data window).
    pub display_window: Window,
    /// Draw a checkerboard under the image (for alpha).
    pub checkerboard: Option<TextureId>,
    /// Shown in the middle when there is no texture.
    pub placeholder: Option<String>,
    /// Value text for the pixel at absolute (x, y), when zoomed far in.
    pub pixel_text: &'a dyn Fn(i64, i64) -> Option<String>,
    /// Display colour of absolute pixel (x, y) as shown (for the text colour).
    pub pixel_color: &'a dyn Fn(i64, i64) -> Option<Color32>,
    /// The selected region, in image coordinates (outlined).
    pub region: Option<Rect>,
    /// The wipe: B's texture right of the line.
    pub wipe: Option<WipeContent<'a>>,
}

/// Colour of the region outline (and of the region panel's title).
pub const REGION_COLOR: Color32 = Color32::from_rgb(80, 220, 255);

/// The right-hand side of a wipe.
pub struct WipeContent<'a> {
    pub shown: Option<&'a Shown>,
    /// Where B's samples lie, in image coordinates.
    pub data_window: Window,
    /// The line's x in image coordinates.
    pub x_in_image: f32,
}

/// How near the wipe line (in points) a drag grabs it.
pub const WIPE_GRAB_POINTS: f32 = 8.0;

/// The sample (column, row) of a texture of `full_size` samples covering `data_window` at
/// absolute pixel (x, y) (subsampled channels have fewer samples than pixels).
pub fn sample_at(
    full_size: [usize; 2],
    data_window: &Window,
    x: i64,
    y: i64,
) -> Option<(usize, usize)> {
    let [w, h] = full_size;
    if w == 0 || h == 0 || !data_window.contains(x, y) {
        return None;
    }
    let col = (x - i64::from(data_window.x)) as usize * w / data_window.width;
    let row = (y - i64::from(data_window.y)) as usize * h / data_window.height;
    Some((col, row))
}

/// The canvas's background colour (a shade darker than the panels).
const CANVAS_FILL: Color32 = Color32::from_gray(24);

/// The parts of `outer` outside `inner` (which lies within it): up to four rectangles, above,
/// below, left and right of it. The canvas is filled only there when an opaque image covers
/// `inner`: under a software rasteriser (Mesa's llvmpipe: remote desktops, virtual machines)
/// every pixel shaded costs CPU, and filling under the images as well took a sixth of the
/// document view's frame (see `backdrop` for the same reason).
fn around(outer: Rect, inner: Rect) -> impl Iterator<Item = Rect> {
    [
        Rect::from_min_max(outer.min, pos2(outer.max.x, inner.min.y)),
        Rect::from_min_max(pos2(outer.min.x, inner.max.y), outer.max),
        Rect::from_min_max(
            pos2(outer.min.x, inner.min.y),
            pos2(inner.min.x, inner.max.y),
        ),
        Rect::from_min_max(
            pos2(inner.max.x, inner.min.y),
            pos2(outer.max.x, inner.max.y),
        ),
    ]
    .into_iter()
    .filter(|part| part.is_positive())
}

/// Paints one canvas.
pub fn paint_canvas(
    ui: &egui::Ui,
    rect: Rect,
    view: &ViewState,
    content: &CanvasContent<'_>,
    crosshair: Option<(i64, i64)>,
    pins: &[(i64, i64)],
) {
    let painter = ui.painter_at(rect);
    let data_rect = view.screen_rect(rect, window_rect(&content.data_window));
    let visible = data_rect.intersect(rect);
    // The canvas's background, only where nothing opaque is drawn over it.
    let covered = visible.is_positive()
        && content.wipe.is_none()
        && (content.checkerboard.is_some() || content.shown.is_some_and(|shown| shown.opaque));
    if covered {
        for part in around(rect, visible) {
            painter.rect_filled(part, 0.0, CANVAS_FILL);
        }
    } else {
        painter.rect_filled(rect, 0.0, CANVAS_FILL);
    }

    if let Some(checker) = content.checkerboard {
        // One quad with a repeating 2×2 texture: 8-point squares.
        if visible.is_positive() {
            let uv = Rect::from_min_max(
                ((visible.min - rect.min) / 16.0).to_pos2(),
                ((visible.max - rect.min) / 16.0).to_pos2(),
            );
            painter.image(checker, visible, uv, Color32::WHITE);
        }
    }

    let full_uv = Rect::from_min_max(Pos2::ZERO, pos2(1.0, 1.0));
    let wipe_x_on_screen = content
        .wipe
        .as_ref()
        .map(|w| view.screen_from_image(rect, pos2(w.x_in_image, 0.0)).x);
    if let (Some(wipe), Some(line_x)) = (&content.wipe, wipe_x_on_screen) {
        // A on the left of the line, B on the right.
        let left = Rect::from_min_max(
            rect.min,
            pos2(line_x.clamp(rect.left(), rect.right()), rect.bottom()),
        );
        let right = Rect::from_min_max(pos2(left.right(), rect.top()), rect.max);
        if let Some(shown) = content.shown {
            painter.with_clip_rect(left).image(
                shown.texture.id(),
                data_rect,
                full_uv,
                Color32::WHITE,
            );
        }
        if let Some(shown) = wipe.shown {
            let b_rect = view.screen_rect(rect, window_rect(&wipe.data_window));
            painter.with_clip_rect(right).image(
                shown.texture.id(),
                b_rect,
                full_uv,
                Color32::WHITE,
            );
        }
    } else if let Some(shown) = content.shown {
        painter.image(shown.texture.id(), data_rect, full_uv, Color32::WHITE);
    } else if let Some(text) = &content.placeholder {
        painter.text(
            rect.center(),
            Align2::CENTER_CENTER,
            text,
            FontId::proportional(15.0),
            Color32::from_gray(170),
        );
    }

    // Data window outline, and the display window when it differs.
    painter.rect_stroke(
        data_rect,
        0.0,
        Stroke::new(1.0, Color32::from_gray(70)),
        StrokeKind::Outside,
    );
    if content.display_window != content.data_window {
        let display_rect = view.screen_rect(rect, window_rect(&content.display_window));
        painter.rect_stroke(
            display_rect,
            0.0,
            Stroke::new(1.0, Color32::from_rgb(240, 190, 60)),
            StrokeKind::Outside,
        );
        painter.text(
            display_rect.left_top() + vec2(2.0, -2.0),
            Align2::LEFT_BOTTOM,
            "display window",
            FontId::proportional(11.0),
            Color32::from_rgb(240, 190, 60),
        );
    }

    if view.zoom >= PIXEL_TEXT_MIN_ZOOM {
        paint_pixel_values(&painter, rect, view, content);
    }

    if let Some(line_x) = wipe_x_on_screen {
        paint_wipe_line(&painter, rect, line_x);
    }

    if let Some(region) = content.region {
        let r = view.screen_rect(rect, region);
        painter.rect_stroke(
            r,
            0.0,
            Stroke::new(3.0, Color32::from_black_alpha(180)),
            StrokeKind::Outside,
        );
        painter.rect_stroke(r, 0.0, Stroke::new(1.5, REGION_COLOR), StrokeKind::Outside);
        let label = format!("{} × {}", region.width(), region.height());
        let at = r.left_top() + vec2(0.0, -3.0);
        let font = FontId::proportional(12.0);
        let galley_rect = painter.text(at, Align2::LEFT_BOTTOM, &label, font.clone(), REGION_COLOR);
        painter.rect_filled(galley_rect.expand(2.0), 2.0, Color32::from_black_alpha(170));
        painter.text(at, Align2::LEFT_BOTTOM, label, font, REGION_COLOR);
    }

    for (i, &(x, y)) in pins.iter().enumerate() {
        let r = view.screen_rect(
            rect,
            Rect::from_min_size(pos2(x as f32, y as f32), Vec2::splat(1.0)),
        );
        let r = if r.width() < 9.0 {
            Rect::from_center_size(r.center(), Vec2::splat(9.0))
        } else {
            r
        };
        painter.rect_stroke(
            r,
            0.0,
            Stroke::new(3.0, Color32::BLACK),
            StrokeKind::Outside,
        );
        painter.rect_stroke(r, 0.0, Stroke::new(1.5, PIN_COLOR), StrokeKind::Outside);
        if pins.len() > 1 {
            // Numbered as in the pins table.
            let label = (i + 1).to_string();
            let at = r.right_top() + vec2(3.0, -2.0);
            let font = FontId::proportional(12.0);
            for offset in [
                vec2(1.0, 1.0),
                vec2(-1.0, -1.0),
                vec2(1.0, -1.0),
                vec2(-1.0, 1.0),
            ] {
                painter.text(
                    at + offset,
                    Align2::LEFT_BOTTOM,
                    &label,
                    font.clone(),
                    Color32::BLACK,
                );
            }
            painter.text(at, Align2::LEFT_BOTTOM, label, font, PIN_COLOR);
        }
    }
    if let Some((x, y)) = crosshair {
        let pixel = view.screen_rect(
            rect,
            Rect::from_min_size(pos2(x as f32, y as f32), Vec2::splat(1.0)),
        );
        if view.zoom >= 8.0 {
            // Zoomed in: outline the pixel itself.
            painter.rect_stroke(
                pixel,
                0.0,
                Stroke::new(3.0, Color32::from_black_alpha(200)),
                StrokeKind::Inside,
            );
            painter.rect_stroke(
                pixel,
                0.0,
                Stroke::new(1.0, Color32::WHITE),
                StrokeKind::Inside,
            );
        } else {
            let center = pixel.center();
            let gap = (view.zoom * 0.5).max(2.0) + 3.0;
            let arm = 12.0 + gap;
            for stroke in [
                Stroke::new(3.0, Color32::from_black_alpha(200)),
                Stroke::new(1.0, Color32::WHITE),
            ] {
                for dir in [
                    vec2(1.0, 0.0),
                    vec2(-1.0, 0.0),
                    vec2(0.0, 1.0),
                    vec2(0.0, -1.0),
                ] {
                    painter.line_segment([center + dir * gap, center + dir * arm], stroke);
                }
            }
        }
    }
}

/// Colour of pin markers (and of their numbers in the pins table).
pub const PIN_COLOR: Color32 = Color32::from_rgb(255, 210, 0);

/// The wipe line with a grip in the middle and "A" / "B" on either side at the top.
fn paint_wipe_line(painter: &egui::Painter, rect: Rect, line_x: f32) {
    if line_x < rect.left() || line_x > rect.right() {
        return;
    }
    let top = pos2(line_x, rect.top());
    let bottom = pos2(line_x, rect.bottom());
    painter.line_segment(
        [top, bottom],
        Stroke::new(3.0, Color32::from_black_alpha(160)),
    );
    painter.line_segment([top, bottom], Stroke::new(1.0, Color32::WHITE));
    let grip = Rect::from_center_size(pos2(line_x, rect.center().y), vec2(10.0, 36.0));
    painter.rect_filled(grip, 4.0, Color32::WHITE);
    painter.rect_stroke(
        grip,
        4.0,
        Stroke::new(1.0, Color32::BLACK),
        StrokeKind::Outside,
    );
    let font = FontId::proportional(14.0);
    for (text, align, dx) in [("A", Align2::RIGHT_TOP, -6.0), ("B", Align2::LEFT_TOP, 6.0)] {
        let at = pos2(line_x + dx, rect.top() + 4.0);
        let galley_rect = painter.text(at, align, text, font.clone(), Color32::WHITE);
        painter.rect_filled(galley_rect.expand(2.0), 3.0, Color32::from_black_alpha(170));
        painter.text(at, align, text, font.clone(), Color32::WHITE);
    }
}

/// Writes each visible pixel's value on it (as tev does).
fn paint_pixel_values(
    painter: &egui::Painter,
    rect: Rect,
    view: &ViewState,
    content: &CanvasContent<'_>,
) {
    let top_left = view.image_from_screen(rect, rect.min);
    let bottom_right = view.image_from_screen(rect, rect.max);
    let dw = &content.data_window;
    let x0 = (top_left.x.floor() as i64).max(i64::from(dw.x));
    let y0 = (top_left.y.floor() as i64).max(i64::from(dw.y));
    let x1 = (bottom_right.x.ceil() as i64).min(i64::from(dw.x) + dw.width as i64);
    let y1 = (bottom_right.y.ceil() as i64).min(i64::from(dw.y) + dw.height as i64);
    // At ≥ 48 points per pixel a 4K screen shows at most ~80 × 45 pixels; guard anyway.
    if (x1 - x0).saturating_mul(y1 - y0) > 20_000 {
        return;
    }
    let font = FontId::monospace((view.zoom / 6.0).clamp(9.0, 14.0));
    for y in y0..y1 {
        for x in x0..x1 {
            let Some(text) = (content.pixel_text)(x, y) else {
                continue;
            };
            let center = view.screen_from_image(rect, pos2(x as f32 + 0.5, y as f32 + 0.5));
            let color = text_color_on((content.pixel_color)(x, y));
            painter.text(center, Align2::CENTER_CENTER, text, font.clone(), color);
        }
    }
}

/// Black or white, whichever reads better on a pixel shown in `shown` (white when unknown).
fn text_color_on(shown: Option<Color32>) -> Color32 {
    let c = shown.unwrap_or(Color32::BLACK);
    let luma = 0.2126 * f32::from(c.r()) + 0.7152 * f32::from(c.g()) + 0.0722 * f32::from(c.b());
    if luma > 140.0 {
        Color32::BLACK
    } else {
        Color32::WHITE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parts around an inner rectangle and the inner one cover the outer one exactly, once:
    /// checked on a grid of points, for an inner rectangle inside, touching each edge, and
    /// filling the outer one.
    #[test]
    fn the_canvas_fill_around_the_image_leaves_no_gap_and_no_overlap() {
        let outer = Rect::from_min_max(pos2(10.0, 20.0), pos2(110.0, 80.0));
        let inners = [
            Rect::from_min_max(pos2(30.5, 40.25), pos2(70.0, 60.0)),
            Rect::from_min_max(pos2(10.0, 20.0), pos2(50.0, 80.0)),
            Rect::from_min_max(pos2(60.0, 20.0), pos2(110.0, 50.0)),
            outer,
        ];
        for inner in inners {
            let parts: Vec<Rect> = around(outer, inner).collect();
            assert!(parts.len() <= 4);
            let inside = |r: &Rect, p: Pos2| {
                p.x >= r.min.x && p.x < r.max.x && p.y >= r.min.y && p.y < r.max.y
            };
            for i in 0..200 {
                for j in 0..120 {
                    let p = pos2(10.0 + i as f32 * 0.5 + 0.1, 20.0 + j as f32 * 0.5 + 0.1);
                    let covering = parts.iter().filter(|r| inside(r, p)).count()
                        + usize::from(inside(&inner, p));
                    assert_eq!(covering, 1, "{p:?} with the image at {inner:?}: {parts:?}");
                }
            }
        }
    }

    #[test]
    fn zoom_about_keeps_the_point_under_the_cursor() {
        let canvas = Rect::from_min_size(pos2(100.0, 50.0), vec2(400.0, 300.0));
        let mut view = ViewState {
            zoom: 2.0,
            center_in_image: pos2(160.0, 120.0),
            fit_pending: false,
            fitted: false,
            canvas_size: canvas.size(),
        };
        let cursor = pos2(420.0, 90.0);
        let before = view.image_from_screen(canvas, cursor);
        view.zoom_about(canvas, cursor, 3.0);
        let after = view.image_from_screen(canvas, cursor);
        assert!((before - after).length() < 1e-3, "{before:?} → {after:?}");
        assert_eq!(view.zoom, 6.0);
    }

    #[test]
    fn fit_centres_and_fills_the_canvas() {
        let mut view = ViewState::default();
        view.fit(
            vec2(648.0, 488.0),
            Rect::from_min_size(pos2(10.0, 20.0), vec2(320.0, 240.0)),
        );
        assert_eq!(view.zoom, 2.0);
        assert_eq!(view.center_in_image, pos2(170.0, 140.0));
        assert!(!view.fit_pending);
    }

    #[test]
    fn pixel_at_maps_screen_to_absolute_pixels() {
        let canvas = Rect::from_min_size(Pos2::ZERO, vec2(100.0, 100.0));
        let view = ViewState {
            zoom: 10.0,
            center_in_image: pos2(5.0, 5.0),
            fit_pending: false,
            fitted: false,
            canvas_size: canvas.size(),
        };
        assert_eq!(pixel_at(&view, canvas, pos2(0.5, 0.5)), (0, 0));
        assert_eq!(pixel_at(&view, canvas, pos2(99.5, 35.0)), (9, 3));
        assert_eq!(pixel_at(&view, canvas, pos2(-0.5, 0.0)), (-1, 0));
    }

    /// A fitted view follows its canvas (window resized, banner shown); one the user zoomed or
    /// panned stays where the user put it.
    #[test]
    fn a_fitted_view_refits_when_the_canvas_changes_size_until_the_user_moves_it() {
        let image = Rect::from_min_size(pos2(0.0, 0.0), vec2(320.0, 240.0));
        let mut view = ViewState::default();
        view.update_canvas(vec2(648.0, 488.0), image);
        assert_eq!(view.zoom, 2.0);
        assert!(view.fitted && !view.fit_pending);
        // Smaller canvas (a banner took 120 points): fitted again.
        view.update_canvas(vec2(648.0, 368.0), image);
        assert_eq!(view.zoom, 1.5);
        // The same size again: nothing to do, even after a manual centre change by code.
        view.center_in_image = pos2(10.0, 10.0);
        view.update_canvas(vec2(648.0, 368.0), image);
        assert_eq!(view.center_in_image, pos2(10.0, 10.0));
        // Panning ends the fit: later size changes keep zoom and centre.
        view.pan(vec2(5.0, 0.0));
        let (zoom, center) = (view.zoom, view.center_in_image);
        view.update_canvas(vec2(648.0, 488.0), image);
        assert_eq!((view.zoom, view.center_in_image), (zoom, center));
        // An explicit fit starts following again; zooming ends it too.
        view.fit_pending = true;
        view.update_canvas(vec2(648.0, 488.0), image);
        assert!(view.fitted);
        view.set_zoom(4.0);
        view.update_canvas(vec2(648.0, 368.0), image);
        assert_eq!(view.zoom, 4.0);
        // A drag of zero points (a click) does not count as panning.
        view.fit_pending = true;
        view.update_canvas(vec2(648.0, 368.0), image);
        view.pan(Vec2::ZERO);
        assert!(view.fitted);
    }
}
