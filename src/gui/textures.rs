//! Display textures: RGBA8 images built with `exrprobe_core::colormap` on a worker thread, uploaded
//! once per key (document generation, channels, mapping, exposure, texture limit) with
//! nearest-neighbour magnification. Images larger than the GPU's `max_texture_side` are downsampled
//! for display by an integer factor; the probe and exports always read full-resolution data from the
//! model, never from these textures.

use std::sync::Arc;

use egui::{Color32, ColorImage, TextureHandle, TextureOptions};
use exrprobe_core::colormap::{ScalarMapping, rgb_to_rgba8, scalar_to_rgba8};
use exrprobe_core::model::{Channel, ChannelRef, Image, Samples};

/// Which of the two views a texture is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    Rgb,
    Depth,
}

impl Slot {
    fn index(self) -> usize {
        match self {
            Slot::Rgb => 0,
            Slot::Depth => 1,
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
    pub image: Arc<Image>,
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
}

/// Integer factor so that `width × height` fits in `max_side` on both axes.
pub fn downsample_factor(width: usize, height: usize, max_side: usize) -> usize {
    let max_side = max_side.max(1);
    let longest = width.max(height);
    longest.div_ceil(max_side).max(1)
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

impl RenderJob {
    /// Builds the RGBA8 image for `key` (runs on a worker thread).
    pub fn run(self, key: RenderKey) -> Rendered {
        let result = self.render(&key);
        Rendered { key, result }
    }

    fn render(&self, key: &RenderKey) -> Result<RenderedImage, String> {
        match &key.what {
            RenderWhat::Scalar { channel, mapping } => {
                let (ch, samples) = decoded(&self.image, *channel)?;
                let factor = downsample_factor(ch.width, ch.height, key.max_texture_side);
                let (w, h) = (ch.width.div_ceil(factor), ch.height.div_ceil(factor));
                let rgba = if factor == 1 {
                    scalar_to_rgba8(samples, mapping)
                } else {
                    scalar_to_rgba8(&decimate(samples, ch.width, ch.height, factor), mapping)
                };
                Ok(RenderedImage {
                    image: Arc::new(to_color_image([w, h], &rgba)?),
                    full_size: [ch.width, ch.height],
                    factor,
                })
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
                let rgba = if factor == 1 {
                    rgb_to_rgba8(rs, gs, bs, alpha.map(|(_, s)| s), *exposure_stops)
                } else {
                    let d = |s: &Samples| decimate(s, width, height, factor);
                    let da = alpha.map(|(_, s)| d(s));
                    rgb_to_rgba8(&d(rs), &d(gs), &d(bs), da.as_ref(), *exposure_stops)
                };
                Ok(RenderedImage {
                    image: Arc::new(to_color_image([w, h], &rgba)?),
                    full_size: [width, height],
                    factor,
                })
            }
        }
    }
}

fn to_color_image(size: [usize; 2], rgba: &[[u8; 4]]) -> Result<ColorImage, String> {
    if rgba.len() != size[0] * size[1] {
        return Err(format!(
            "colour mapping returned {} pixels for a {}×{} image",
            rgba.len(),
            size[0],
            size[1]
        ));
    }
    let pixels = rgba
        .iter()
        .map(|&[r, g, b, a]| Color32::from_rgba_unmultiplied(r, g, b, a))
        .collect();
    Ok(ColorImage::new(size, pixels))
}

/// A texture on screen, with the CPU copy used for pixel-value text colours and PNG export.
pub struct Shown {
    pub key: RenderKey,
    pub texture: TextureHandle,
    pub cpu: Arc<ColorImage>,
    pub full_size: [usize; 2],
    pub factor: usize,
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
    slots: [SlotState; 2],
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

    /// True when `slot` shows exactly `key`.
    pub fn is_current(&self, key: &RenderKey) -> bool {
        self.shown(key.slot).is_some_and(|s| &s.key == key)
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
                let name = match key.slot {
                    Slot::Rgb => "exrprobe-rgb",
                    Slot::Depth => "exrprobe-depth",
                };
                let texture = match state.shown.take() {
                    Some(mut old) if old.cpu.size == done.image.size => {
                        old.texture
                            .set(Arc::clone(&done.image), TextureOptions::NEAREST);
                        old.texture
                    }
                    _ => ctx.load_texture(name, Arc::clone(&done.image), TextureOptions::NEAREST),
                };
                state.shown = Some(Shown {
                    key,
                    texture,
                    cpu: done.image,
                    full_size: done.full_size,
                    factor: done.factor,
                });
            }
            Err(message) => {
                state.failed = Some((key, message));
            }
        }
    }

    /// True while a render for `slot` is in flight.
    pub fn is_pending(&self, slot: Slot) -> bool {
        self.slots[slot.index()].pending.is_some()
    }
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

    #[test]
    fn decimate_picks_every_nth_sample() {
        let s = Samples::F32((0..12).map(|v| v as f32).collect());
        // 4 × 3 image, factor 2 → 2 × 2: samples (0,0) (2,0) (0,2) (2,2)
        let d = decimate(&s, 4, 3, 2);
        assert_eq!(d, Samples::F32(vec![0.0, 2.0, 8.0, 10.0]));
    }
}
