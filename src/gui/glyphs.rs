//! Glyphs rasterised right after the window first shows, not in the frame that first needs them.
//!
//! egui rasterises a glyph (running the font's hinting program) the first time a layout uses
//! it, once per font size and per quarter-pixel horizontal offset (its sub-pixel bin). The first
//! hover over a freshly loaded render draws the probe's table (every channel's name, type and
//! value in monospace) and the status bar's readout: a few hundred new glyphs at once, which
//! made the second frame of that hover take 6–12 ms while the render still decoded (the budget
//! is 4 ms; see the README's benchmark section). Laying out the characters our texts use in
//! every text style and bin ahead of time moves that cost out of that frame, monospace first.
//! While no image is on screen (nobody can hover one), a whole style per frame (10–25 ms);
//! afterwards a quarter of one style's characters at one bin per frame (a whole bin took
//! 2–5 ms), so that frames stay within the budget.
//!
//! The app asks for extra frames to finish it only while no background work runs: under a
//! software rasteriser every frame paints the whole window on the CPU, and 16 extra frames at
//! start delayed a 4K render's first image by 0.04–0.2 s on two cores. During a load the steps
//! ride on the frames that happen anyway (progress, pointer movement).

/// The characters laid out ahead of time: printable ASCII and the other characters our texts
/// use. Only characters egui's bundled fonts have (a missing one is drawn as a box: see
/// `panels::findings::displayable`).
const CHARACTERS: &str = concat!(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`",
    "abcdefghijklmnopqrstuvwxyz{|}~",
    "…—–×·−Δ±≥°µ"
);

/// Sub-pixel bins egui rasterises a glyph at (a quarter of a physical pixel apart).
const BINS: u8 = 4;

/// Each style and bin is laid out in this many pieces of [`CHARACTERS`].
const PIECES: usize = 4;

/// The pieces of one style: all of them in every bin.
pub const PIECES_PER_STYLE: usize = BINS as usize * PIECES;

/// The warm-up stops once the font atlas is this full. egui empties the atlas when it passes
/// 80 % (every glyph is then rasterised again as it is used), and the warm-up's glyphs grow
/// with the square of the pixels per point: with a 2048-pixel atlas they fill 5 % of it at 1
/// pixel per point, 16 % at 2 and 33 % at 3.
const MAX_FILL_RATIO: f32 = 0.5;

/// Which text styles still need their glyphs laid out, for the current pixels per point.
#[derive(Default)]
pub struct GlyphWarmup {
    /// The pixels per point (and the style's fonts) the pending list was made for.
    made_for: Option<(f32, Vec<egui::FontId>)>,
    /// Fonts, sub-pixel bins and pieces of [`CHARACTERS`] still to be laid out, the next last.
    pending: Vec<(egui::FontId, u8, usize)>,
}

impl GlyphWarmup {
    /// Lays out up to `pieces` pending pieces of the glyphs of `ui`'s style (starting over when
    /// the pixels per point or the style's fonts change). Returns whether more are pending.
    pub fn step(&mut self, ui: &egui::Ui, pieces: usize) -> bool {
        let pixels_per_point = ui.ctx().pixels_per_point();
        // Monospace first: the probe's table and the readouts are monospace.
        let mut fonts: Vec<egui::FontId> = Vec::new();
        let styles = &ui.style().text_styles;
        let monospace = styles.get(&egui::TextStyle::Monospace);
        for font in monospace.into_iter().chain(styles.values()) {
            if !fonts.contains(font) {
                fonts.push(font.clone());
            }
        }
        let key = (pixels_per_point, fonts);
        if self.made_for.as_ref() != Some(&key) {
            let mut pending = Vec::new();
            for font in &key.1 {
                for bin in 0..BINS {
                    for piece in 0..PIECES {
                        pending.push((font.clone(), bin, piece));
                    }
                }
            }
            pending.reverse();
            self.pending = pending;
            self.made_for = Some(key);
        }
        for _ in 0..pieces {
            if ui.ctx().fonts(|fonts| fonts.font_atlas_fill_ratio()) > MAX_FILL_RATIO {
                self.pending.clear();
            }
            let Some((font, bin, piece)) = self.pending.pop() else {
                break;
            };
            lay_out_at_bin(ui.ctx(), font, bin, piece, pixels_per_point);
        }
        !self.pending.is_empty()
    }
}

/// Lays out piece `piece` (of [`PIECES`]) of [`CHARACTERS`] in `font` at sub-pixel bin `bin`,
/// which puts their glyphs in the font atlas.
fn lay_out_at_bin(
    ctx: &egui::Context,
    font: egui::FontId,
    bin: u8,
    piece: usize,
    pixels_per_point: f32,
) {
    let format = egui::TextFormat::simple(font, egui::Color32::WHITE);
    let mut job = egui::text::LayoutJob::default();
    let mut buffer = [0u8; 4];
    let leading_space = f32::from(bin) / f32::from(BINS) / pixels_per_point;
    let per_piece = CHARACTERS.chars().count().div_ceil(PIECES);
    for character in CHARACTERS.chars().skip(piece * per_piece).take(per_piece) {
        // Each character starts a paragraph of its own, at the bin's offset.
        job.append(
            character.encode_utf8(&mut buffer),
            leading_space,
            format.clone(),
        );
        job.append("\n", 0.0, format.clone());
    }
    ctx.fonts_mut(|fonts| fonts.layout_job(job));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs one frame of `ctx` and returns whether the font atlas texture changed in it.
    fn atlas_changed(ctx: &egui::Context, run_ui: impl FnMut(&mut egui::Ui)) -> bool {
        let mut output = ctx.run_ui(egui::RawInput::default(), run_ui);
        let changed = !output.textures_delta.set.is_empty();
        output.textures_delta.clear();
        changed
    }

    /// Probe-like texts at fractional positions, in the styles the probe and status bar use.
    fn probe_texts(ui: &mut egui::Ui) {
        for (i, text) in [
            "ViewLayer.Combined.R  half  0.031425893",
            "Depth.Z 1e10 −3.4028235e38 NaN x, y 1919, 1079 (9.6 ms) 101–112 · 11 frames",
        ]
        .into_iter()
        .enumerate()
        {
            ui.add_space(0.3 * i as f32);
            ui.horizontal(|ui| {
                ui.add_space(0.37 + i as f32 * 0.25);
                ui.label(egui::RichText::new(text).monospace());
                ui.label(text);
                ui.label(egui::RichText::new(text).small());
            });
        }
    }

    #[test]
    fn after_the_warmup_the_probes_texts_need_no_new_glyphs() {
        let ctx = egui::Context::default();
        // The first frame uploads the atlas with egui's own shapes; let it settle.
        let _ = atlas_changed(&ctx, |_| {});
        let mut warmup = GlyphWarmup::default();
        let mut frames = 0;
        let mut pending = true;
        while pending {
            let _ = atlas_changed(&ctx, |ui| pending = warmup.step(ui, 1));
            frames += 1;
            assert!(frames < 1000, "the warm-up does not end");
        }
        assert!(
            frames > 16,
            "a piece of a style and bin per frame, not all at once"
        );
        assert!(
            !atlas_changed(&ctx, probe_texts),
            "the probe's texts rasterised glyphs the warm-up should have"
        );
        // Nothing to do again until the scale changes; then it starts over.
        assert!(!atlas_changed(&ctx, |ui| assert!(!warmup.step(ui, 1))));
        ctx.set_pixels_per_point(1.5);
        assert!(atlas_changed(&ctx, |ui| assert!(warmup.step(ui, 1))));
    }

    #[test]
    fn monospace_comes_first() {
        let ctx = egui::Context::default();
        let _ = atlas_changed(&ctx, |_| {});
        let mut warmup = GlyphWarmup::default();
        // A step of nothing makes the list; one style's worth of pieces is the monospace style.
        let _ = atlas_changed(&ctx, |ui| assert!(warmup.step(ui, 0)));
        let _ = atlas_changed(&ctx, |ui| assert!(warmup.step(ui, PIECES_PER_STYLE)));
        let text = "ViewLayer.Depth.Z 0.031425893";
        assert!(!atlas_changed(&ctx, |ui| {
            ui.label(egui::RichText::new(text).monospace());
        }));
        assert!(
            atlas_changed(&ctx, |ui| {
                ui.label(text);
            }),
            "the proportional style is still to come"
        );
    }

    /// Runs the warm-up to its end at `pixels_per_point` and returns the atlas's fill ratio.
    fn fill_after_warmup(pixels_per_point: f32) -> f32 {
        let ctx = egui::Context::default();
        ctx.set_pixels_per_point(pixels_per_point);
        let mut warmup = GlyphWarmup::default();
        let mut pending = true;
        while pending {
            let _ = atlas_changed(&ctx, |ui| pending = warmup.step(ui, 1));
        }
        ctx.fonts(|fonts| fonts.font_atlas_fill_ratio())
    }

    #[test]
    fn the_warmup_leaves_room_in_the_font_atlas() {
        let at_one = fill_after_warmup(1.0);
        assert!(at_one < 0.1, "{at_one}");
        // At 5 pixels per point every style and bin would take more than egui's 80 %; the
        // warm-up stops after the step that passes half.
        let at_five = fill_after_warmup(5.0);
        assert!((MAX_FILL_RATIO..0.7).contains(&at_five), "{at_five}");
    }

    #[test]
    fn without_the_warmup_the_same_texts_rasterise_glyphs() {
        // The check above can fail: the same frame on a fresh context changes the atlas.
        let ctx = egui::Context::default();
        let _ = atlas_changed(&ctx, |_| {});
        let _ = atlas_changed(&ctx, |ui| {
            ui.label("settle");
        });
        assert!(atlas_changed(&ctx, probe_texts));
    }
}
