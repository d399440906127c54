//! Display textures: RGBA8 images built with `exrprobe_core::colormap` on a worker thread, uploaded
//! once per key (document generation, channels, mapping, exposure, texture limit) with
//! nearest-neighbour magnification. Images larger than the GPU's `max_texture_side` are downsampled
//! for display by an integer factor; the probe and exports always read full-resolution data from the
//! model, never from these textures.
//!
//! While comparing, a view's texture may show the reference (B: the key's generation is the
//! reference's) or a difference picture of both (`RenderWhat::Difference`, whose display range
//! the render chooses and reports with the texture); the wipe shows A and B at once, B from the
//! `*Reference` slots.

use std::sync::Arc;

use egui::{Color32, ColorImage, TextureHandle, TextureOptions};
use exrprobe_core::colormap::{
    Colormap, ScalarMapping, rgb_sample_color, rgb_to_rgba8_into, scalar_color,
    scalar_sample_color, scalar_to_rgba8_into,
};
use exrprobe_core::compare::difference::{
    DifferenceKind, DifferencePicture, difference_at, difference_picture,
};
use exrprobe_core::model::{Channel, ChannelRef, Image, Samples};

/// Which of the two views a texture is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    Rgb,
    Depth,
    /// The reference beside A in the colour view's wipe.
    RgbReference,
    /// The reference beside A in the depth view's wipe.
    DepthReference,
}

impl Slot {
    pub const ALL: [Slot; 4] = [
        Slot::Rgb,
        Slot::Depth,
        Slot::RgbReference,
        Slot::DepthReference,
    ];

    fn index(self) -> usize {
        match self {
            Slot::Rgb => 0,
            Slot::Depth => 1,
            Slot::RgbReference => 2,
            Slot::DepthReference => 3,
        }
    }

    fn texture_name(self) -> &'static str {
        match self {
            Slot::Rgb => "exrprobe-rgb",
            Slot::Depth => "exrprobe-depth",
            Slot::RgbReference => "exrprobe-rgb-reference",
            Slot::DepthReference => "exrprobe-depth-reference",
        }
    }
}

/// What a texture shows.
#[derive(Clone, Debug, PartialEq)]
pub enum RenderWhat {
    /// A colour layer, linear → sRGB with exposure in stops.
    Rgb {
        r: ChannelRef,
        g: ChannelRef,
        b: ChannelRef,
        a: Option<ChannelRef>,
        exposure_stops: f32,
    },
    /// One channel through a scalar mapping.
    Scalar {
        channel: ChannelRef,
        mapping: ScalarMapping,
    },
    /// The difference picture of the key's image (A) and the reference with
    /// `reference_generation` (B): channels paired in order, averaged; the range is the
    /// picture's typical magnitude (see `exrprobe_core::compare::difference`).
    Difference {
        reference_generation: u64,
        a: Vec<ChannelRef>,
        b: Vec<ChannelRef>,
        kind: DifferenceKind,
    },
}

/// The mapping a difference picture is shown with: symmetric and diverging for A − B, from 0
/// with Inferno (black where equal) for the others; `typical_magnitude` 0 (identical) gives a
/// range of 1, so equal pixels show as the neutral (A − B) or the low (others) end.
pub fn difference_mapping(kind: DifferenceKind, typical_magnitude: f64) -> ScalarMapping {
    let m = if typical_magnitude > 0.0 && typical_magnitude.is_finite() {
        typical_magnitude
    } else {
        1.0
    };
    match kind {
        DifferenceKind::Signed => ScalarMapping {
            lo: -m,
            hi: m,
            invert: false,
            log: false,
            colormap: Colormap::Diverging,
        },
        DifferenceKind::Absolute | DifferenceKind::Relative => ScalarMapping {
            lo: 0.0,
            hi: m,
            invert: false,
            log: false,
            colormap: Colormap::Inferno,
        },
    }
}

/// Identifies a texture's contents; a texture is rebuilt only when its key changes.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderKey {
    pub generation: u64,
    pub slot: Slot,
    pub what: RenderWhat,
    pub max_texture_side: usize,
}

/// The data a render job needs (shared, read-only).
pub struct RenderJob {
    /// The image of the key's generation.
    pub image: Arc<Image>,
    /// The reference, for difference pictures.
    pub reference: Option<Arc<Image>>,
}

/// A finished render.
pub struct Rendered {
    pub key: RenderKey,
    pub result: Result<RenderedImage, String>,
}

/// An RGBA8 display image of one channel (set).
pub struct RenderedImage {
    pub image: Arc<ColorImage>,
    /// Size in samples of the channel(s) shown (before downsampling).
    pub full_size: [usize; 2],
    /// Downsampling factor (1 = full resolution).
    pub factor: usize,
    /// The mapping a difference picture was drawn with (its range comes from the data).
    pub mapping: Option<ScalarMapping>,
    /// Every texel is fully opaque (nothing drawn under the image shows through it).
    pub opaque: bool,
}

impl RenderedImage {
    fn new(
        image: ColorImage,
        full_size: [usize; 2],
        factor: usize,
        mapping: Option<ScalarMapping>,
    ) -> Self {
        let opaque = image.pixels.iter().all(|pixel| pixel.a() == u8::MAX);
        Self {
            image: Arc::new(image),
            full_size,
            factor,
            mapping,
            opaque,
        }
    }
}

/// Integer factor so that `width × height` fits in `max_side` on both axes.
pub fn downsample_factor(width: usize, height: usize, max_side: usize) -> usize {
    let max_side = max_side.max(1);
    let longest = width.max(height);
    longest.div_ceil(max_side).max(1)
}

/// The longest side, in texels, of a view texture for an image whose longest side is
/// `image_side` samples, shown at `screen_pixels_per_sample`, within the GPU's `gpu_limit`.
///
/// A view that shows a 4K render a few hundred pixels wide needs a few hundred texels, not
/// 3840: the texture is decimated by the largest power of two that still leaves at least one
/// texel per screen pixel (what nearest-neighbour sampling of the full texture would show
/// anyway), and rendered again, sharper, as the user zooms in. Powers of two keep a zoom
/// gesture from rendering at every step: from "fit" to 1:1 is at most log2 of the fit factor
/// renders. This is what makes the first picture of a big render cheap (colour-mapping and
/// uploading a 16th or a 64th of the pixels) and every frame cheap on a software rasteriser
/// (a small texture is sampled from cache).
pub fn display_texture_side(
    image_side: usize,
    screen_pixels_per_sample: f32,
    gpu_limit: usize,
) -> usize {
    let image_side = image_side.max(1);
    let gpu_limit = gpu_limit.max(1);
    let scale = screen_pixels_per_sample;
    if !scale.is_finite() || scale <= 0.0 || scale >= 1.0 {
        return gpu_limit;
    }
    // Largest power of two `f` with f ≤ 1 / scale.
    let mut factor = 1usize;
    while ((factor * 2) as f32) * scale <= 1.0 && factor * 2 < image_side {
        factor *= 2;
    }
    image_side.div_ceil(factor).min(gpu_limit)
}

/// Every `factor`-th sample in both directions (nearest-neighbour decimation).
fn decimate(samples: &Samples, width: usize, height: usize, factor: usize) -> Samples {
    fn pick<T: Copy>(v: &[T], width: usize, height: usize, factor: usize) -> Vec<T> {
        let out_w = width.div_ceil(factor);
        let out_h = height.div_ceil(factor);
        let mut out = Vec::with_capacity(out_w * out_h);
        for row in (0..height).step_by(factor) {
            let line = v.get(row * width..(row + 1) * width).unwrap_or(&[]);
            out.extend(line.iter().step_by(factor).copied());
        }
        out
    }
    match samples {
        Samples::F16(v) => Samples::F16(pick(v, width, height, factor)),
        Samples::F32(v) => Samples::F32(pick(v, width, height, factor)),
        Samples::U32(v) => Samples::U32(pick(v, width, height, factor)),
    }
}

fn decoded(image: &Image, channel: ChannelRef) -> Result<(&Channel, &Samples), String> {
    let ch = image
        .channel(channel)
        .ok_or_else(|| "the channel does not exist in this file".to_owned())?;
    let samples = ch
        .samples
        .as_ref()
        .ok_or_else(|| format!("channel {} has no decoded pixels", ch.name))?;
    if samples.len() != ch.width * ch.height {
        return Err(format!(
            "channel {} has an unexpected sample count",
            ch.name
        ));
    }
    Ok((ch, samples))
}

/// The colour `what` gives the sample at (`col`, `row`) of its channels, exactly as in the
/// rendered texture at full resolution (`None` outside the channels or when they are not decoded).
pub fn pixel_color(
    image: &Image,
    reference: Option<&Image>,
    shown_mapping: Option<&ScalarMapping>,
    what: &RenderWhat,
    col: usize,
    row: usize,
) -> Option<Color32> {
    let index_in = |channel: ChannelRef| -> Option<(usize, &Samples)> {
        let (ch, samples) = decoded(image, channel).ok()?;
        (col < ch.width && row < ch.height).then_some((row * ch.width + col, samples))
    };
    let [r, g, b, a] = match what {
        RenderWhat::Difference { a, b, kind, .. } => {
            let (ch, _) = decoded(image, *a.first()?).ok()?;
            let part = image.part(a.first()?.part)?;
            if col >= ch.width || row >= ch.height {
                return None;
            }
            let x = i64::from(part.data_window.x) + col as i64;
            let y = i64::from(part.data_window.y) + row as i64;
            let value = difference_at(image, a, reference?, b, *kind, x, y)?;
            scalar_color(value, shown_mapping?)
        }
        RenderWhat::Scalar { channel, mapping } => {
            let (index, samples) = index_in(*channel)?;
            scalar_sample_color(samples, index, mapping)?
        }
        RenderWhat::Rgb {
            r,
            g,
            b,
            a,
            exposure_stops,
        } => {
            let (index, rs) = index_in(*r)?;
            let (_, gs) = index_in(*g)?;
            let (_, bs) = index_in(*b)?;
            let alpha = match a {
                Some(a) => Some(index_in(*a)?.1),
                None => None,
            };
            rgb_sample_color(rs, gs, bs, alpha, index, *exposure_stops)?
        }
    };
    Some(Color32::from_rgba_unmultiplied(r, g, b, a))
}

impl RenderJob {
    /// Builds the RGBA8 image for `key` (runs on a worker thread).
    pub fn run(self, key: RenderKey) -> Rendered {
        let result = self.render(&key);
        Rendered { key, result }
    }

    fn render(&self, key: &RenderKey) -> Result<RenderedImage, String> {
        match &key.what {
            RenderWhat::Difference { a, b, kind, .. } => {
                let reference = self
                    .reference
                    .as_ref()
                    .ok_or_else(|| "the reference is not loaded".to_owned())?;
                let DifferencePicture {
                    width,
                    height,
                    values,
                    typical_magnitude,
                } = difference_picture(&self.image, a, reference, b, *kind)
                    .map_err(|e| format!("Cannot show the difference: {e}"))?;
                let mapping = difference_mapping(*kind, typical_magnitude);
                let samples = Samples::F32(values);
                let factor = downsample_factor(width, height, key.max_texture_side);
                let (w, h) = (width.div_ceil(factor), height.div_ceil(factor));
                let image = color_image([w, h], |out| {
                    if factor == 1 {
                        scalar_to_rgba8_into(&samples, &mapping, out);
                    } else {
                        let decimated = decimate(&samples, width, height, factor);
                        scalar_to_rgba8_into(&decimated, &mapping, out);
                    }
                });
                Ok(RenderedImage::new(
                    image,
                    [width, height],
                    factor,
                    Some(mapping),
                ))
            }
            RenderWhat::Scalar { channel, mapping } => {
                let (ch, samples) = decoded(&self.image, *channel)?;
                let factor = downsample_factor(ch.width, ch.height, key.max_texture_side);
                let (w, h) = (ch.width.div_ceil(factor), ch.height.div_ceil(factor));
                let image = color_image([w, h], |out| {
                    if factor == 1 {
                        scalar_to_rgba8_into(samples, mapping, out);
                    } else {
                        let decimated = decimate(samples, ch.width, ch.height, factor);
                        scalar_to_rgba8_into(&decimated, mapping, out);
                    }
                });
                Ok(RenderedImage::new(
                    image,
                    [ch.width, ch.height],
                    factor,
                    None,
                ))
            }
            RenderWhat::Rgb {
                r,
                g,
                b,
                a,
                exposure_stops,
            } => {
                let (rc, rs) = decoded(&self.image, *r)?;
                let (gc, gs) = decoded(&self.image, *g)?;
                let (bc, bs) = decoded(&self.image, *b)?;
                let alpha = match a {
                    Some(a) => Some(decoded(&self.image, *a)?),
                    None => None,
                };
                let same = |c: &Channel| c.width == rc.width && c.height == rc.height;
                if !same(gc) || !same(bc) || alpha.is_some_and(|(ac, _)| !same(ac)) {
                    return Err(format!(
                        "the channels of this colour layer differ in size (subsampled channels such \
                         as {} cannot be shown as RGB); view them one by one instead",
                        rc.name
                    ));
                }
                let (width, height) = (rc.width, rc.height);
                let factor = downsample_factor(width, height, key.max_texture_side);
                let (w, h) = (width.div_ceil(factor), height.div_ceil(factor));
                let image = color_image([w, h], |out| {
                    if factor == 1 {
                        let a = alpha.map(|(_, s)| s);
                        rgb_to_rgba8_into(rs, gs, bs, a, *exposure_stops, out);
                    } else {
                        let d = |s: &Samples| decimate(s, width, height, factor);
                        let da = alpha.map(|(_, s)| d(s));
                        rgb_to_rgba8_into(
                            &d(rs),
                            &d(gs),
                            &d(bs),
                            da.as_ref(),
                            *exposure_stops,
                            out,
                        );
                    }
                });
                Ok(RenderedImage::new(image, [width, height], factor, None))
            }
        }
    }
}

/// An egui image of `size` filled by a colour mapping (unmultiplied RGBA8) written straight
/// into its pixels: one image-sized buffer per render, never two (a 4K view image is 33 MB).
fn color_image(size: [usize; 2], map: impl FnOnce(&mut [[u8; 4]])) -> ColorImage {
    let mut pixels = vec![Color32::TRANSPARENT; size[0] * size[1]];
    map(bytemuck::cast_slice_mut(&mut pixels));
    for pixel in &mut pixels {
        let [r, g, b, a] = pixel.to_array();
        *pixel = Color32::from_rgba_unmultiplied(r, g, b, a);
    }
    ColorImage::new(size, pixels)
}

/// A texture on screen. No CPU copy of its pixels is kept (two 4K views would hold 66 MB): the
/// colour of a single pixel comes from the model ([`pixel_color`]), and a PNG of the views is
/// rendered again from the model ([`RenderJob::run`] with the shown keys).
pub struct Shown {
    pub key: RenderKey,
    pub texture: TextureHandle,
    /// Size of the texture in texels.
    pub size: [usize; 2],
    pub full_size: [usize; 2],
    /// The mapping of a difference picture (for its colour bar).
    pub mapping: Option<ScalarMapping>,
    /// Every texel is fully opaque.
    pub opaque: bool,
}

#[derive(Default)]
struct SlotState {
    shown: Option<Shown>,
    /// Key of the render in flight.
    pending: Option<RenderKey>,
    /// The last render that failed, with its message.
    failed: Option<(RenderKey, String)>,
}

/// The two view textures.
#[derive(Default)]
pub struct TextureCache {
    slots: [SlotState; 4],
    /// Number of texture uploads so far (tests and the benchmark check nothing uploads per frame).
    pub uploads: u64,
}

/// What to do for a slot this frame.
pub enum Wanted {
    /// Nothing to show: drop the texture.
    Nothing,
    /// This key should be shown.
    Key(RenderKey),
}

impl TextureCache {
    /// The texture currently shown in `slot` (possibly for an older key while a new one renders).
    pub fn shown(&self, slot: Slot) -> Option<&Shown> {
        self.slots[slot.index()].shown.as_ref()
    }

    /// The error of the last failed render for exactly `key`.
    pub fn error_for(&self, key: &RenderKey) -> Option<&str> {
        let slot = &self.slots[key.slot.index()];
        slot.failed
            .as_ref()
            .filter(|(k, _)| k == key)
            .map(|(_, e)| e.as_str())
    }

    /// Returns the render job to start for `wanted`, if one is needed now. At most one render per
    /// slot is in flight; a newer wish is started when the current one comes back.
    pub fn needs_render(&mut self, slot: Slot, wanted: Wanted) -> Option<RenderKey> {
        let state = &mut self.slots[slot.index()];
        let key = match wanted {
            Wanted::Nothing => {
                state.shown = None;
                state.failed = None;
                return None;
            }
            Wanted::Key(key) => key,
        };
        if state.shown.as_ref().is_some_and(|s| s.key == key)
            || state.failed.as_ref().is_some_and(|(k, _)| *k == key)
            || state.pending.is_some()
        {
            return None;
        }
        state.pending = Some(key.clone());
        Some(key)
    }

    /// Drops textures of other documents (e.g. after a failed render of a new file).
    pub fn clear(&mut self) {
        for slot in &mut self.slots {
            slot.shown = None;
            slot.failed = None;
        }
    }

    /// Uploads a finished render.
    pub fn receive(&mut self, ctx: &egui::Context, rendered: Rendered) {
        let Rendered { key, result } = rendered;
        let state = &mut self.slots[key.slot.index()];
        if state.pending.as_ref() == Some(&key) {
            state.pending = None;
        }
        match result {
            Ok(done) => {
                state.failed = None;
                self.uploads += 1;
                let name = key.slot.texture_name();
                let size = done.image.size;
                // egui holds the image only until the painter has uploaded it.
                let texture = match state.shown.take() {
                    Some(mut old) if old.size == size => {
                        old.texture.set(done.image, TextureOptions::NEAREST);
                        old.texture
                    }
                    _ => ctx.load_texture(name, done.image, TextureOptions::NEAREST),
                };
                state.shown = Some(Shown {
                    key,
                    texture,
                    size,
                    full_size: done.full_size,
                    mapping: done.mapping,
                    opaque: done.opaque,
                });
            }
            Err(message) => {
                state.failed = Some((key, message));
            }
        }
    }

    /// A render came back that is no longer wanted (its document was replaced): only its slot
    /// is free again for the next render.
    pub fn forget_pending(&mut self, key: &RenderKey) {
        let state = &mut self.slots[key.slot.index()];
        if state.pending.as_ref() == Some(key) {
            state.pending = None;
        }
    }
}

/// The two view images side by side (RGB left, depth right), unpremultiplied RGBA8.
pub fn compose_side_by_side(
    left: Option<&ColorImage>,
    right: Option<&ColorImage>,
) -> (usize, usize, Vec<u8>) {
    let size = |i: Option<&ColorImage>| i.map_or([0, 0], |i| i.size);
    let [lw, lh] = size(left);
    let [rw, rh] = size(right);
    let gap = if lw > 0 && rw > 0 { 8 } else { 0 };
    let width = lw + gap + rw;
    let height = lh.max(rh);
    let mut rgba = vec![0u8; width * height * 4];
    for (image, x0) in [(left, 0), (right, lw + gap)] {
        let Some(image) = image else { continue };
        let [w, _] = image.size;
        for (i, pixel) in image.pixels.iter().enumerate() {
            let (x, y) = (x0 + i % w, i / w);
            let at = (y * width + x) * 4;
            if let Some(dst) = rgba.get_mut(at..at + 4) {
                dst.copy_from_slice(&pixel.to_srgba_unmultiplied());
            }
        }
    }
    (width, height, rgba)
}

/// Encodes RGBA8 pixels as a PNG file's bytes.
pub fn encode_png(width: usize, height: usize, rgba: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
    let too_large = |_| png::EncodingError::LimitsExceeded;
    let (w, h) = (
        u32::try_from(width).map_err(too_large)?,
        u32::try_from(height).map_err(too_large)?,
    );
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, w, h);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgba)?;
    writer.finish()?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsample_factor_keeps_within_limit() {
        assert_eq!(downsample_factor(320, 240, 2048), 1);
        assert_eq!(downsample_factor(3840, 2160, 2048), 2);
        assert_eq!(downsample_factor(2049, 10, 2048), 2);
        assert_eq!(downsample_factor(16384, 16384, 8192), 2);
        assert_eq!(downsample_factor(10000, 1, 2048), 5);
        for (w, h, m) in [(3840, 2160, 2048), (9999, 7, 1000), (5, 5, 1)] {
            let f = downsample_factor(w, h, m);
            assert!(w.div_ceil(f) <= m && h.div_ceil(f) <= m, "{w}×{h} by {f}");
        }
    }

    /// The pixel colours the viewer computes one at a time (for the value text drawn over a
    /// zoomed-in view) are those of the rendered texture, for the colour layer and for depth.
    #[test]
    fn single_pixel_colours_match_the_rendered_texture() {
        use exrprobe_core::colormap::Colormap;
        let example = &crate::examples::examples()[0];
        let image = exrprobe_core::load::load_bytes(
            example.bytes,
            example.file_name,
            &exrprobe_core::load::LoadOptions::default(),
            &mut |_| {},
            &std::sync::atomic::AtomicBool::new(false),
        )
        .map(Arc::new)
        .map_err(|e| e.to_string());
        let image = image.unwrap_or_else(|e| panic!("example loads: {e}"));
        let analysis = exrprobe_core::analyze(&image);
        let layer = analysis.rgb().cloned();
        let layer = layer.unwrap_or_else(|| panic!("the example has a colour layer"));
        let depth = analysis.depth_channel();
        let depth = depth.unwrap_or_else(|| panic!("the example has depth"));
        let whats = [
            RenderWhat::Rgb {
                r: layer.r,
                g: layer.g,
                b: layer.b,
                a: layer.a,
                exposure_stops: 0.5,
            },
            RenderWhat::Scalar {
                channel: depth,
                mapping: ScalarMapping {
                    lo: 2.0,
                    hi: 9.0,
                    invert: true,
                    log: false,
                    colormap: Colormap::Turbo,
                },
            },
        ];
        for what in whats {
            let key = RenderKey {
                generation: 1,
                slot: Slot::Rgb,
                what: what.clone(),
                max_texture_side: 8192,
            };
            let rendered = RenderJob {
                image: Arc::clone(&image),
                reference: None,
            }
            .run(key)
            .result
            .unwrap_or_else(|e| panic!("renders: {e}"));
            assert_eq!(rendered.factor, 1);
            let [w, h] = rendered.image.size;
            let mut distinct = std::collections::HashSet::new();
            for row in 0..h {
                for col in 0..w {
                    let one = pixel_color(&image, None, None, &what, col, row);
                    assert_eq!(one, rendered.image.pixels.get(row * w + col).copied());
                    distinct.insert(one);
                }
            }
            assert!(
                distinct.len() > 50,
                "{what:?}: only {} colours",
                distinct.len()
            );
            assert_eq!(pixel_color(&image, None, None, &what, w, 0), None);
            assert_eq!(pixel_color(&image, None, None, &what, 0, h), None);
        }
    }

    #[test]
    fn display_textures_keep_a_texel_per_screen_pixel() {
        // 1:1 and closer: the whole image (within the GPU's limit).
        assert_eq!(display_texture_side(3840, 1.0, 16384), 16384);
        assert_eq!(display_texture_side(3840, 3.0, 8192), 8192);
        // A 4K render fitted into a 400-pixel view (scale 0.104): decimated by 8, 480 texels,
        // still more than the 400 pixels it covers.
        let side = display_texture_side(3840, 400.0 / 3840.0, 16384);
        assert_eq!(side, 480);
        assert_eq!(downsample_factor(3840, 2160, side), 8);
        assert!(3840 / downsample_factor(3840, 2160, side) >= 400);
        // Just under 1:1 and just over 1:2.
        assert_eq!(display_texture_side(3840, 0.99, 16384), 3840);
        assert_eq!(display_texture_side(3840, 0.5, 16384), 1920);
        assert_eq!(display_texture_side(3840, 0.49, 16384), 1920);
        // Zooming within one power of two gives the same side (no new render).
        assert_eq!(
            display_texture_side(3840, 0.26, 16384),
            display_texture_side(3840, 0.45, 16384)
        );
        // The GPU's limit still applies, and nonsense scales fall back to it.
        assert_eq!(display_texture_side(3840, 0.6, 1024), 1024);
        assert_eq!(display_texture_side(3840, f32::NAN, 4096), 4096);
        assert_eq!(display_texture_side(3840, 0.0, 4096), 4096);
        // Tiny images are never decimated to nothing.
        assert!(display_texture_side(3, 0.001, 4096) >= 2);
        for side in [1usize, 7, 1000, 3840, 20000] {
            for scale in [0.001f32, 0.01, 0.1, 0.3, 0.7] {
                let texels =
                    side / downsample_factor(side, 1, display_texture_side(side, scale, 1 << 20));
                assert!(
                    texels as f32 >= (side as f32 * scale).floor(),
                    "{side} samples at {scale}: {texels} texels"
                );
            }
        }
    }

    #[test]
    fn decimate_picks_every_nth_sample() {
        let s = Samples::F32((0..12).map(|v| v as f32).collect());
        // 4 × 3 image, factor 2 → 2 × 2: samples (0,0) (2,0) (0,2) (2,2)
        let d = decimate(&s, 4, 3, 2);
        assert_eq!(d, Samples::F32(vec![0.0, 2.0, 8.0, 10.0]));
    }
}
