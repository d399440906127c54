//! Mapping samples to display pixels: colour (linear → sRGB with exposure) and depth (range,
//! invert, log, colormap), with NaN, ±Inf and background sentinels in their own colours.

use std::sync::OnceLock;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::Samples;
use crate::stats::SENTINEL_THRESHOLD;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Colormap {
    Gray,
    #[default]
    Turbo,
    Viridis,
    Inferno,
    /// Blue below the middle, white at it, red above (differences centred on 0). Not offered
    /// for depth: [`Colormap::ALL`] leaves it out.
    Diverging,
}

impl Colormap {
    pub const ALL: [Colormap; 4] = [
        Colormap::Gray,
        Colormap::Turbo,
        Colormap::Viridis,
        Colormap::Inferno,
    ];

    /// Lower-case name, as the CLI and settings spell it.
    pub fn name(self) -> &'static str {
        match self {
            Colormap::Gray => "gray",
            Colormap::Turbo => "turbo",
            Colormap::Viridis => "viridis",
            Colormap::Inferno => "inferno",
            Colormap::Diverging => "diverging",
        }
    }

    /// Capitalised name, as menus show it.
    pub fn label(self) -> &'static str {
        match self {
            Colormap::Gray => "Gray",
            Colormap::Turbo => "Turbo",
            Colormap::Viridis => "Viridis",
            Colormap::Inferno => "Inferno",
            Colormap::Diverging => "Diverging",
        }
    }

    /// The colour at `t` in `[0, 1]` (clamped; NaN → 0) from the precomputed table.
    pub fn color_at(self, t: f64) -> [u8; 4] {
        let lut = lut(self);
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let index = (t * (LUT_SIZE - 1) as f64).round() as usize;
        lut.get(index).copied().unwrap_or([0, 0, 0, 255])
    }
}

/// Special colours (RGBA8) so that non-depth values never look like depth.
pub const NAN_COLOR: [u8; 4] = [255, 0, 255, 255];
pub const POS_INF_COLOR: [u8; 4] = [255, 255, 255, 255];
pub const NEG_INF_COLOR: [u8; 4] = [0, 255, 255, 255];
pub const SENTINEL_COLOR: [u8; 4] = [40, 40, 48, 255];

/// With `log` and `lo ≤ 0`, the low end of the log scale is `hi` times this (four decades).
pub const LOG_FLOOR_RATIO: f64 = 1e-4;

/// How to map a depth (or any scalar) channel to colours.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalarMapping {
    pub lo: f64,
    pub hi: f64,
    /// Near (low values) bright.
    pub invert: bool,
    /// Map log(value) instead of value (values ≤ 0 clamp to the low end).
    pub log: bool,
    pub colormap: Colormap,
}

/// The linear scale a mapping puts its values on: `t = (scaled(v) − origin) · per_unit`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Scale {
    /// Whether values are mapped through `ln` (a log mapping whose top is not positive and
    /// finite falls back to linear).
    log: bool,
    /// The scaled value at the low end of the colormap.
    origin: f64,
    /// 1 / span of the scaled range; 0 when the range is empty (everything maps to the middle).
    per_unit: f64,
}

/// `ln(value)` on a log scale (−∞ for values ≤ 0, so they clamp to the low end), else `value`.
#[inline]
fn scaled(value: f64, log: bool) -> f64 {
    if !log {
        value
    } else if value > 0.0 {
        value.ln()
    } else {
        f64::NEG_INFINITY
    }
}

impl ScalarMapping {
    /// Linear grey from `lo` (black) to `hi` (white): how a channel viewed on its own is shown.
    pub fn gray(lo: f64, hi: f64) -> Self {
        Self {
            lo,
            hi,
            invert: false,
            log: false,
            colormap: Colormap::Gray,
        }
    }

    /// The scale both directions ([`Self::position_of`], [`Self::value_at`]) and the renderer
    /// share, so that the colour bar's labels are where its colours are.
    fn scale(&self) -> Scale {
        let (lo, hi) = (self.lo, self.hi);
        let (log, origin, span) = if self.log && hi > 0.0 && hi.is_finite() {
            // With lo ≤ 0 the low end is LOG_FLOOR_RATIO · hi (four decades below the top).
            let lo = if lo > 0.0 && lo.is_finite() {
                lo
            } else {
                hi * LOG_FLOOR_RATIO
            };
            (true, lo.ln(), hi.ln() - lo.ln())
        } else {
            (false, lo, hi - lo)
        };
        let per_unit = if span > 0.0 && span.is_finite() {
            1.0 / span
        } else {
            0.0
        };
        Scale {
            log,
            origin,
            per_unit,
        }
    }

    /// Where `value` falls on the colour scale, from 0 (low end) to 1 (high end), before
    /// `invert`; clamped; 0.5 for an empty range. NaN for NaN.
    pub fn position_of(&self, value: f64) -> f64 {
        let scale = self.scale();
        if scale.per_unit == 0.0 {
            return 0.5;
        }
        ((scaled(value, scale.log) - scale.origin) * scale.per_unit).clamp(0.0, 1.0)
    }

    /// The value at position `t` (0 to 1, before `invert`) of the colour scale: the exact
    /// inverse of [`Self::position_of`] inside the range, log floor included. An empty range
    /// gives `lo` everywhere.
    pub fn value_at(&self, t: f64) -> f64 {
        let scale = self.scale();
        if scale.per_unit == 0.0 {
            return self.lo;
        }
        let x = scale.origin + t / scale.per_unit;
        if scale.log { x.exp() } else { x }
    }
}

/// Entries of each colormap table.
const LUT_SIZE: usize = 1024;
/// Pixels per rayon work item.
const CHUNK: usize = 1 << 14;

fn build_lut(colormap: Colormap) -> Vec<[u8; 4]> {
    (0..LUT_SIZE)
        .map(|i| {
            let t = i as f64 / (LUT_SIZE - 1) as f64;
            match colormap {
                Colormap::Gray => {
                    let v = (t * 255.0).round() as u8;
                    [v, v, v, 255]
                }
                Colormap::Turbo => rgba(colorous::TURBO.eval_continuous(t)),
                Colormap::Viridis => rgba(colorous::VIRIDIS.eval_continuous(t)),
                Colormap::Inferno => rgba(colorous::INFERNO.eval_continuous(t)),
                // RED_BLUE runs red → white → blue; reversed so that negative is blue.
                Colormap::Diverging => rgba(colorous::RED_BLUE.eval_continuous(1.0 - t)),
            }
        })
        .collect()
}

fn rgba(color: colorous::Color) -> [u8; 4] {
    [color.r, color.g, color.b, 255]
}

fn lut(colormap: Colormap) -> &'static [[u8; 4]] {
    static LUTS: [OnceLock<Vec<[u8; 4]>>; 5] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    let index = match colormap {
        Colormap::Gray => 0,
        Colormap::Turbo => 1,
        Colormap::Viridis => 2,
        Colormap::Inferno => 3,
        Colormap::Diverging => 4,
    };
    match LUTS.get(index) {
        Some(cell) => cell.get_or_init(|| build_lut(colormap)),
        None => &[],
    }
}

/// A mapping with everything per-call precomputed.
struct Prepared {
    lut: &'static [[u8; 4]],
    /// Value (or log value) at the low end and 1 / span; `scale == 0` maps to the middle.
    origin: f64,
    scale: f64,
    log: bool,
    invert: bool,
}

impl Prepared {
    fn new(mapping: &ScalarMapping) -> Self {
        let scale = mapping.scale();
        Self {
            lut: lut(mapping.colormap),
            origin: scale.origin,
            scale: scale.per_unit,
            log: scale.log,
            invert: mapping.invert,
        }
    }

    /// Colour of a value; `sentinels` is false for uint channels (their large values are data).
    #[inline]
    fn color(&self, value: f64, sentinels: bool) -> [u8; 4] {
        if value.is_nan() {
            return NAN_COLOR;
        }
        if value == f64::INFINITY {
            return POS_INF_COLOR;
        }
        if value == f64::NEG_INFINITY {
            return NEG_INF_COLOR;
        }
        if sentinels && value >= SENTINEL_THRESHOLD {
            return SENTINEL_COLOR;
        }
        let t = if self.scale == 0.0 {
            0.5
        } else {
            ((scaled(value, self.log) - self.origin) * self.scale).clamp(0.0, 1.0)
        };
        let t = if self.invert { 1.0 - t } else { t };
        let index = (t * (LUT_SIZE - 1) as f64).round() as usize;
        self.lut.get(index).copied().unwrap_or(NAN_COLOR)
    }
}

/// Widens `samples[start..start + out.len()]` into `out` (missing samples become NaN).
fn widen_into(samples: &Samples, start: usize, out: &mut [f32]) {
    let available = samples.len().saturating_sub(start).min(out.len());
    let (out, missing) = out.split_at_mut(available);
    missing.fill(f32::NAN);
    let range = start..start + available;
    match samples {
        Samples::F16(v) => {
            if let Some(src) = v.get(range) {
                out.iter_mut().zip(src).for_each(|(o, s)| *o = s.to_f32());
            }
        }
        Samples::F32(v) => {
            if let Some(src) = v.get(range) {
                out.copy_from_slice(src);
            }
        }
        Samples::U32(v) => {
            if let Some(src) = v.get(range) {
                out.iter_mut().zip(src).for_each(|(o, &s)| *o = s as f32);
            }
        }
    }
}

/// Maps one scalar channel to RGBA8, one pixel per sample.
pub fn scalar_to_rgba8(samples: &Samples, mapping: &ScalarMapping) -> Vec<[u8; 4]> {
    let mut out = vec![[0u8; 4]; samples.len()];
    scalar_to_rgba8_into(samples, mapping, &mut out);
    out
}

/// [`scalar_to_rgba8`] into a caller's buffer (the viewer maps straight into its texture
/// image); pixels past the end of `samples` are NaN-coloured.
pub fn scalar_to_rgba8_into(samples: &Samples, mapping: &ScalarMapping, out: &mut [[u8; 4]]) {
    let prepared = Prepared::new(mapping);
    let sentinels = !matches!(samples, Samples::U32(_));
    match samples {
        // Exact: no detour through f32 for large uints.
        Samples::U32(values) => {
            out.par_chunks_mut(CHUNK)
                .enumerate()
                .for_each(|(chunk_index, pixels)| {
                    let src = values.get(chunk_index * CHUNK..).unwrap_or_default();
                    for (pixel, &v) in pixels.iter_mut().zip(src) {
                        *pixel = prepared.color(f64::from(v), false);
                    }
                    if let Some(rest) = pixels.get_mut(src.len()..) {
                        rest.fill(NAN_COLOR);
                    }
                });
        }
        _ => out.par_chunks_mut(CHUNK).enumerate().for_each_init(
            || vec![0f32; CHUNK],
            |buffer, (chunk_index, pixels)| {
                let values = &mut buffer[..pixels.len()];
                widen_into(samples, chunk_index * CHUNK, values);
                for (pixel, &v) in pixels.iter_mut().zip(values.iter()) {
                    *pixel = prepared.color(f64::from(v), sentinels);
                }
            },
        ),
    }
}

/// Colour of one value under `mapping` (the colour bar legend uses it too).
pub fn scalar_color(value: f64, mapping: &ScalarMapping) -> [u8; 4] {
    Prepared::new(mapping).color(value, true)
}

/// The sRGB transfer function (IEC 61966-2-1) of a linear value, clamped to `[0, 1]`.
pub fn linear_to_srgb(linear: f64) -> f64 {
    let c = linear.clamp(0.0, 1.0);
    if c <= 0.003_130_8 {
        12.92 * c
    } else {
        1.055 * c.powf(1.0 / 2.4) - 0.055
    }
}

/// The inverse of [`linear_to_srgb`].
fn srgb_to_linear(encoded: f64) -> f64 {
    if encoded <= 0.040_45 {
        encoded / 12.92
    } else {
        ((encoded + 0.055) / 1.055).powf(2.4)
    }
}

/// `THRESHOLDS[i]` is the smallest linear value that encodes to sRGB byte `i + 1`: the byte of a
/// linear value is the number of thresholds at or below it (exact rounding, no `powf` per pixel).
fn srgb_thresholds() -> &'static [f32; 255] {
    static THRESHOLDS: OnceLock<[f32; 255]> = OnceLock::new();
    THRESHOLDS.get_or_init(|| {
        let mut t = [0f32; 255];
        for (i, slot) in t.iter_mut().enumerate() {
            // Byte i + 1 starts where the encoded value reaches (i + 0.5) / 255.
            let boundary = srgb_to_linear((i as f64 + 0.5) / 255.0);
            // Smallest f32 whose rounded encoding is at least i + 1 (fix up f32 rounding).
            let mut x = boundary as f32;
            while x > 0.0 && (linear_to_srgb(f64::from(x)) * 255.0).round() as usize > i {
                x = f32::from_bits(x.to_bits() - 1);
            }
            while ((linear_to_srgb(f64::from(x)) * 255.0).round() as usize) <= i {
                x = f32::from_bits(x.to_bits() + 1);
            }
            *slot = x;
        }
        t
    })
}

/// sRGB byte of a linear value (NaN must be handled by the caller).
#[inline]
fn srgb_byte(linear: f32, thresholds: &[f32; 255]) -> u8 {
    thresholds.partition_point(|&t| t <= linear) as u8
}

/// Maps linear RGB(A) to sRGB RGBA8 with `exposure_stops`; without alpha the result is opaque.
/// Alpha is passed through unpremultiplied so the viewer can draw it over a checkerboard.
///
/// A pixel with NaN in any channel becomes [`NAN_COLOR`]. The output has as many pixels as the
/// shortest input.
pub fn rgb_to_rgba8(
    r: &Samples,
    g: &Samples,
    b: &Samples,
    a: Option<&Samples>,
    exposure_stops: f32,
) -> Vec<[u8; 4]> {
    let len = [Some(r), Some(g), Some(b), a]
        .into_iter()
        .flatten()
        .map(Samples::len)
        .min()
        .unwrap_or(0);
    let mut out = vec![[0u8; 4]; len];
    rgb_to_rgba8_into(r, g, b, a, exposure_stops, &mut out);
    out
}

/// [`rgb_to_rgba8`] into a caller's buffer (the viewer maps straight into its texture image);
/// pixels past the end of any channel are NaN-coloured.
pub fn rgb_to_rgba8_into(
    r: &Samples,
    g: &Samples,
    b: &Samples,
    a: Option<&Samples>,
    exposure_stops: f32,
    out: &mut [[u8; 4]],
) {
    let thresholds = srgb_thresholds();
    let gain = 2f32.powf(exposure_stops);
    out.par_chunks_mut(CHUNK).enumerate().for_each_init(
        || vec![0f32; 4 * CHUNK],
        |buffer, (chunk_index, pixels)| {
            let n = pixels.len();
            let start = chunk_index * CHUNK;
            let (rs, rest) = buffer.split_at_mut(CHUNK);
            let (gs, rest) = rest.split_at_mut(CHUNK);
            let (bs, alphas) = rest.split_at_mut(CHUNK);
            let (rs, gs, bs, alphas) = (&mut rs[..n], &mut gs[..n], &mut bs[..n], &mut alphas[..n]);
            widen_into(r, start, rs);
            widen_into(g, start, gs);
            widen_into(b, start, bs);
            match a {
                Some(a) => widen_into(a, start, alphas),
                None => alphas.fill(1.0),
            }
            for (i, pixel) in pixels.iter_mut().enumerate() {
                let (Some(&rv), Some(&gv), Some(&bv), Some(&av)) =
                    (rs.get(i), gs.get(i), bs.get(i), alphas.get(i))
                else {
                    continue;
                };
                *pixel = rgb_pixel([rv, gv, bv, av], gain, thresholds);
            }
        },
    );
}

/// One pixel of [`rgb_to_rgba8`]: linear RGBA (alpha 1 when there is none) to sRGB RGBA8.
#[inline]
fn rgb_pixel([r, g, b, a]: [f32; 4], gain: f32, thresholds: &[f32; 255]) -> [u8; 4] {
    if r.is_nan() || g.is_nan() || b.is_nan() || a.is_nan() {
        NAN_COLOR
    } else {
        [
            srgb_byte(r * gain, thresholds),
            srgb_byte(g * gain, thresholds),
            srgb_byte(b * gain, thresholds),
            (a.clamp(0.0, 1.0) * 255.0).round() as u8,
        ]
    }
}

/// The colour [`scalar_to_rgba8`] gives sample `index` of `samples` (`None` past the end). For
/// the few pixels the viewer needs one at a time (text drawn over a zoomed-in view) without
/// keeping a copy of the whole display image.
pub fn scalar_sample_color(
    samples: &Samples,
    index: usize,
    mapping: &ScalarMapping,
) -> Option<[u8; 4]> {
    let prepared = Prepared::new(mapping);
    Some(match samples {
        Samples::U32(values) => prepared.color(f64::from(*values.get(index)?), false),
        _ => prepared.color(f64::from(samples.get_f32(index)?), true),
    })
}

/// The colour [`rgb_to_rgba8`] gives pixel `index` (`None` past the end of any channel).
pub fn rgb_sample_color(
    r: &Samples,
    g: &Samples,
    b: &Samples,
    a: Option<&Samples>,
    index: usize,
    exposure_stops: f32,
) -> Option<[u8; 4]> {
    let alpha = match a {
        Some(a) => a.get_f32(index)?,
        None => 1.0,
    };
    let rgba = [
        r.get_f32(index)?,
        g.get_f32(index)?,
        b.get_f32(index)?,
        alpha,
    ];
    Some(rgb_pixel(
        rgba,
        2f32.powf(exposure_stops),
        srgb_thresholds(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use half::f16;

    fn gray(lo: f64, hi: f64) -> ScalarMapping {
        ScalarMapping::gray(lo, hi)
    }

    fn one_pixel(r: f32, g: f32, b: f32, exposure_stops: f32) -> [u8; 4] {
        let s = |v: f32| Samples::F32(vec![v]);
        rgb_to_rgba8(&s(r), &s(g), &s(b), None, exposure_stops)[0]
    }

    #[test]
    fn srgb_known_values() {
        assert_eq!(one_pixel(0.0, 1.0, 0.5, 0.0), [0, 255, 188, 255]);
        // Exposure +1 doubles the linear value: 0.25 → 0.5 → 188.
        assert_eq!(one_pixel(0.25, 0.25, 0.25, 1.0), [188, 188, 188, 255]);
        assert_eq!(
            one_pixel(1.0, 1.0, 1.0, -1.0),
            one_pixel(0.5, 0.5, 0.5, 0.0)
        );
        // Out of range clamps; ±Inf clamp too.
        assert_eq!(one_pixel(-3.0, 7.0, f32::INFINITY, 0.0), [0, 255, 255, 255]);
        assert_eq!(one_pixel(f32::NEG_INFINITY, 0.0, 0.0, 0.0), [0, 0, 0, 255]);
        // NaN in any channel shows as the NaN colour.
        assert_eq!(one_pixel(0.5, f32::NAN, 0.5, 0.0), NAN_COLOR);
    }

    #[test]
    fn srgb_bytes_match_the_formula_everywhere() {
        // Every 1/4096 step of [0, 1.1], and the exact byte boundaries' neighbourhoods.
        let values: Vec<f32> = (0..=4506).map(|i| i as f32 / 4096.0).collect();
        let samples = Samples::F32(values.clone());
        let out = rgb_to_rgba8(&samples, &samples, &samples, None, 0.0);
        for (v, pixel) in values.iter().zip(&out) {
            let expected = (linear_to_srgb(f64::from(*v)) * 255.0).round() as u8;
            assert_eq!(pixel[0], expected, "linear {v}");
        }
    }

    #[test]
    fn alpha_passes_through_and_types_mix() {
        let r = Samples::F16(vec![f16::from_f32(1.0), f16::from_f32(0.0)]);
        let g = Samples::F32(vec![0.0, 1.0]);
        let b = Samples::U32(vec![0, 1]);
        let a = Samples::F32(vec![0.5, 0.0]);
        let out = rgb_to_rgba8(&r, &g, &b, Some(&a), 0.0);
        assert_eq!(out, vec![[255, 0, 0, 128], [0, 255, 255, 0]]);
        // Mismatched lengths: as many pixels as the shortest input, no panic.
        let short = Samples::F32(vec![1.0]);
        assert_eq!(rgb_to_rgba8(&r, &g, &short, None, 0.0).len(), 1);
    }

    #[test]
    fn scalar_linear_gray_ends_and_middle() {
        let m = gray(10.0, 20.0);
        assert_eq!(scalar_color(10.0, &m), [0, 0, 0, 255]);
        assert_eq!(scalar_color(20.0, &m), [255, 255, 255, 255]);
        assert_eq!(scalar_color(5.0, &m), [0, 0, 0, 255], "clamped below");
        assert_eq!(
            scalar_color(25.0, &m),
            [255, 255, 255, 255],
            "clamped above"
        );
        let mid = scalar_color(15.0, &m)[0];
        assert!((127..=128).contains(&mid), "{mid}");
        let inverted = ScalarMapping { invert: true, ..m };
        assert_eq!(scalar_color(10.0, &inverted), [255, 255, 255, 255]);
        assert_eq!(scalar_color(20.0, &inverted), [0, 0, 0, 255]);
    }

    #[test]
    fn special_values_have_their_own_colours() {
        let m = gray(0.0, 100.0);
        let samples = Samples::F32(vec![
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e10,
            1e9,
            50.0,
        ]);
        let out = scalar_to_rgba8(&samples, &m);
        assert_eq!(
            out[..5],
            [
                NAN_COLOR,
                POS_INF_COLOR,
                NEG_INF_COLOR,
                SENTINEL_COLOR,
                SENTINEL_COLOR
            ]
        );
        assert_ne!(out[5], SENTINEL_COLOR);
        // Large uints are data, not background.
        let ids = Samples::U32(vec![4_000_000_000]);
        assert_eq!(
            scalar_to_rgba8(&ids, &gray(0.0, 4e9)),
            vec![[255, 255, 255, 255]]
        );
    }

    #[test]
    fn a_constant_range_maps_to_the_middle_colour() {
        let samples = Samples::F32(vec![1.0; 4]);
        for colormap in Colormap::ALL {
            let m = ScalarMapping {
                colormap,
                ..gray(1.0, 1.0)
            };
            let out = scalar_to_rgba8(&samples, &m);
            assert!(
                out.iter().all(|&p| p == colormap.color_at(0.5)),
                "{colormap:?}"
            );
        }
    }

    #[test]
    fn log_mapping_spreads_decades_and_handles_non_positive_values() {
        let m = ScalarMapping {
            log: true,
            ..gray(1.0, 10_000.0)
        };
        // 10, 100, 1000 are a quarter, half, three quarters of the way on a log scale.
        let v = |x: f64| scalar_color(x, &m)[0];
        assert_eq!(v(1.0), 0);
        assert_eq!(v(10_000.0), 255);
        assert!((63..=64).contains(&v(10.0)), "{}", v(10.0));
        assert!((127..=128).contains(&v(100.0)), "{}", v(100.0));
        assert!((191..=192).contains(&v(1000.0)), "{}", v(1000.0));
        assert_eq!(v(0.0), 0, "zero goes to the low end");
        assert_eq!(v(-5.0), 0, "negatives go to the low end");
        // lo ≤ 0: the scale starts four decades below hi.
        let m = ScalarMapping {
            log: true,
            ..gray(0.0, 100.0)
        };
        assert_eq!(scalar_color(100.0 * LOG_FLOOR_RATIO, &m)[0], 0);
        let middle = scalar_color(1.0, &m)[0]; // two of four decades above the floor
        assert!((127..=128).contains(&middle), "{middle}");
        assert_eq!(scalar_color(100.0, &m)[0], 255);
        // hi ≤ 0: log is impossible, linear is used.
        let m = ScalarMapping {
            log: true,
            ..gray(-10.0, 0.0)
        };
        assert_eq!(scalar_color(0.0, &m)[0], 255);
        assert_eq!(scalar_color(-10.0, &m)[0], 0);
    }

    #[test]
    fn colormap_ends_are_colorous_ends() {
        let m = |colormap| ScalarMapping {
            colormap,
            ..gray(0.0, 1.0)
        };
        for (colormap, gradient) in [
            (Colormap::Turbo, colorous::TURBO),
            (Colormap::Viridis, colorous::VIRIDIS),
            (Colormap::Inferno, colorous::INFERNO),
        ] {
            let end = |t: f64| {
                let c = gradient.eval_continuous(t);
                [c.r, c.g, c.b, 255]
            };
            assert_eq!(scalar_color(0.0, &m(colormap)), end(0.0), "{colormap:?}");
            assert_eq!(scalar_color(1.0, &m(colormap)), end(1.0), "{colormap:?}");
            assert_ne!(end(0.0), end(1.0));
        }
    }

    #[test]
    fn half_and_float_buffers_map_alike() {
        let values = [0.0f32, 0.25, 0.5, 1.0, 2.0, f32::NAN];
        let m = ScalarMapping {
            colormap: Colormap::Viridis,
            ..gray(0.0, 2.0)
        };
        let f = scalar_to_rgba8(&Samples::F32(values.to_vec()), &m);
        let h = scalar_to_rgba8(
            &Samples::F16(values.iter().map(|&v| f16::from_f32(v)).collect()),
            &m,
        );
        assert_eq!(f, h);
        assert_eq!(f.len(), values.len());
    }

    #[test]
    fn one_sample_at_a_time_gives_the_colours_of_the_whole_buffer() {
        let floats: Vec<f32> = vec![
            -3.0,
            0.0,
            0.25,
            0.5,
            1.0,
            7.5,
            1e10,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        let halves: Vec<f16> = floats.iter().map(|&v| f16::from_f32(v)).collect();
        let uints: Vec<u32> = vec![0, 1, 3, 7, 2_000_000_000, u32::MAX, 5, 2, 9, 4];
        let buffers = [
            Samples::F32(floats.clone()),
            Samples::F16(halves),
            Samples::U32(uints),
        ];
        for mapping in [
            gray(0.0, 1.0),
            ScalarMapping {
                lo: 0.1,
                hi: 8.0,
                invert: true,
                log: true,
                colormap: Colormap::Turbo,
            },
            gray(2.0, 2.0),
        ] {
            for samples in &buffers {
                let whole = scalar_to_rgba8(samples, &mapping);
                let one_by_one: Option<Vec<[u8; 4]>> = (0..samples.len())
                    .map(|i| scalar_sample_color(samples, i, &mapping))
                    .collect();
                assert_eq!(one_by_one, Some(whole), "{samples:?} {mapping:?}");
                assert_eq!(scalar_sample_color(samples, samples.len(), &mapping), None);
            }
        }

        let r = Samples::F32(floats.clone());
        let g = Samples::F32(floats.iter().rev().copied().collect());
        let b = Samples::F16(floats.iter().map(|&v| f16::from_f32(v * 0.5)).collect());
        let a = Samples::F32(vec![0.0, 0.5, 1.0, 2.0, -1.0, 0.25, 1.0, 1.0, 0.75, 0.1]);
        for alpha in [None, Some(&a)] {
            for stops in [0.0, 1.5, -2.0] {
                let whole = rgb_to_rgba8(&r, &g, &b, alpha, stops);
                let one_by_one: Option<Vec<[u8; 4]>> = (0..floats.len())
                    .map(|i| rgb_sample_color(&r, &g, &b, alpha, i, stops))
                    .collect();
                assert_eq!(one_by_one, Some(whole), "alpha {alpha:?}, {stops} stops");
            }
        }
        assert_eq!(rgb_sample_color(&r, &g, &b, None, floats.len(), 0.0), None);
    }
}
