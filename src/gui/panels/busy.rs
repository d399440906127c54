//! The busy indicator: a turning arc, redrawn a few times a second.
//!
//! egui's `Spinner` asks for a repaint at every frame. The viewer shows one for as long as the
//! background works (checking a shot, analysing a 4K render: seconds to minutes), and under a
//! software rasteriser (a remote desktop, a VM, Mesa's llvmpipe) each frame of the window costs
//! tens of milliseconds of CPU, taken from the very work the spinner reports on. This one turns
//! in steps at [`FRAMES_PER_SECOND`], which still reads as motion.

use std::time::Duration;

use egui::{Pos2, Response, Sense, Shape, Stroke, Ui, vec2};

/// How often the indicator is redrawn while visible.
pub const FRAMES_PER_SECOND: f64 = 8.0;

/// A busy indicator `size` points wide, in the strong text colour.
pub fn spinner(ui: &mut Ui, size: f32) -> Response {
    let (rect, response) = ui.allocate_exact_size(vec2(size, size), Sense::hover());
    if ui.is_rect_visible(rect) {
        ui.ctx()
            .request_repaint_after(Duration::from_secs_f64(1.0 / FRAMES_PER_SECOND));
        // The angle in whole steps, so that frames drawn for other reasons do not speed it up.
        let time = ui.input(|i| i.time);
        let step = (time * FRAMES_PER_SECOND).floor() / FRAMES_PER_SECOND;
        let start = step * std::f64::consts::TAU * 0.75;
        let sweep = 240f64.to_radians();
        let radius = size * 0.5 - 2.0;
        let n_points = 16;
        let points: Vec<Pos2> = (0..=n_points)
            .map(|i| {
                let angle = start + sweep * f64::from(i) / f64::from(n_points);
                let (sin, cos) = angle.sin_cos();
                rect.center() + radius * vec2(cos as f32, sin as f32)
            })
            .collect();
        let color = ui.visuals().strong_text_color();
        ui.painter()
            .add(Shape::line(points, Stroke::new(2.5, color)));
    }
    response
}
