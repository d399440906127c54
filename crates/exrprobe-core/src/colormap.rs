//! Mapping samples to display pixels: colour (linear → sRGB with exposure) and depth (range,
//! invert, log, colormap), with NaN, ±Inf and background sentinels in their own colours.

use serde::{Deserialize, Serialize};

use crate::model::Samples;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Colormap {
    Gray,
    #[default]
    Turbo,
    Viridis,
    Inferno,
}

/// Special colours (RGBA8) so that non-depth values never look like depth.
pub const NAN_COLOR: [u8; 4] = [255, 0, 255, 255];
pub const POS_INF_COLOR: [u8; 4] = [255, 255, 255, 255];
pub const NEG_INF_COLOR: [u8; 4] = [0, 255, 255, 255];
pub const SENTINEL_COLOR: [u8; 4] = [40, 40, 48, 255];

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

/// Maps one scalar channel to RGBA8, one pixel per sample.
pub fn scalar_to_rgba8(samples: &Samples, mapping: &ScalarMapping) -> Vec<[u8; 4]> {
    let _ = (samples, mapping);
    todo!()
}

/// Colour of one value under `mapping` (the colour bar legend uses it too).
pub fn scalar_color(value: f64, mapping: &ScalarMapping) -> [u8; 4] {
    let _ = (value, mapping);
    todo!()
}

/// Maps linear RGB(A) to sRGB RGBA8 with `exposure_stops`; without alpha the result is opaque.
/// Alpha is passed through unpremultiplied so the viewer can draw it over a checkerboard.
pub fn rgb_to_rgba8(
    r: &Samples,
    g: &Samples,
    b: &Samples,
    a: Option<&Samples>,
    exposure_stops: f32,
) -> Vec<[u8; 4]> {
    let _ = (r, g, b, a, exposure_stops);
    todo!()
}
