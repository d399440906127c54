//! Deterministic synthetic renders: the built-in examples and the benchmark files.
//!
//! A tiny analytic ray tracer draws a fixed scene — four spheres on a checkered ground plane seen
//! by a pinhole camera, under a sun and a sky that rays miss — and writes it the way Blender/Cycles
//! does: a multilayer file with `ViewLayer.<Pass>.<Channel>` names, `1e10` depth where nothing was
//! hit, and a single-layer variant that reproduces the "Compositing on" trap (`Z` = 1.0 everywhere).
//!
//! Everything here is a pure function of the requested size: no randomness, no clock, no files
//! read, and only IEEE-exact arithmetic (`+ - * /`, `sqrt`, `floor`), so the bytes are the same on
//! every machine. The committed assets in `assets/` are checked against a fresh render by a test.
//!
//! World space: Y up, the camera looks towards −Z. Lengths are in scene units ("metres").

pub mod hostile;

use std::collections::HashMap;
use std::io::Cursor;
use std::ops::{Add, Mul, Neg, Sub};
use std::path::Path;

use exr::prelude::{
    AnyChannel, AnyChannels, AttributeValue, Blocks, Compression, Encoding, FlatSamples,
    Image as ExrImage, Layer, LayerAttributes, LineOrder, Text, Vec2, WritableImage,
};
use half::f16;
use rayon::prelude::*;

/// Depth Cycles writes where a ray hit nothing ("no hit" sentinel).
pub const NO_HIT_DEPTH: f32 = 1e10;

/// Size of the built-in examples (16:9, small enough to embed).
pub const EXAMPLE_WIDTH: usize = 480;
pub const EXAMPLE_HEIGHT: usize = 270;

/// Size of the benchmark files (UHD).
pub const BENCH_WIDTH: usize = 3840;
pub const BENCH_HEIGHT: usize = 2160;

/// Blender's view layer name, the first component of every multilayer channel name.
const VIEW_LAYER: &str = "ViewLayer";

/// Mist pass settings (Blender's World → Mist Pass: start, depth; quadratic falloff).
const MIST_START: f32 = 0.0;
const MIST_DEPTH: f32 = 25.0;

/// Errors while encoding or writing a synthetic EXR.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("cannot encode the synthetic EXR image: {0}")]
    Encode(#[source] exr::error::Error),
    #[error("cannot write the synthetic EXR file ({source}): {path}")]
    Write {
        #[source]
        source: exr::error::Error,
        path: String,
    },
}

// ---------------------------------------------------------------------------------------------
// Vector maths (f32, IEEE-exact operations only)

#[derive(Clone, Copy, Debug, PartialEq)]
struct V3 {
    x: f32,
    y: f32,
    z: f32,
}

const fn v3(x: f32, y: f32, z: f32) -> V3 {
    V3 { x, y, z }
}

impl V3 {
    const ZERO: V3 = v3(0.0, 0.0, 0.0);

    fn dot(self, o: V3) -> f32 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }

    fn cross(self, o: V3) -> V3 {
        v3(
            self.y * o.z - self.z * o.y,
            self.z * o.x - self.x * o.z,
            self.x * o.y - self.y * o.x,
        )
    }

    fn length(self) -> f32 {
        self.dot(self).sqrt()
    }

    fn normalized(self) -> V3 {
        let len = self.length();
        if len > 0.0 { self * (1.0 / len) } else { self }
    }

    fn hadamard(self, o: V3) -> V3 {
        v3(self.x * o.x, self.y * o.y, self.z * o.z)
    }
}

impl Add for V3 {
    type Output = V3;
    fn add(self, o: V3) -> V3 {
        v3(self.x + o.x, self.y + o.y, self.z + o.z)
    }
}

impl Sub for V3 {
    type Output = V3;
    fn sub(self, o: V3) -> V3 {
        v3(self.x - o.x, self.y - o.y, self.z - o.z)
    }
}

impl Mul<f32> for V3 {
    type Output = V3;
    fn mul(self, s: f32) -> V3 {
        v3(self.x * s, self.y * s, self.z * s)
    }
}

impl Neg for V3 {
    type Output = V3;
    fn neg(self) -> V3 {
        v3(-self.x, -self.y, -self.z)
    }
}

// ---------------------------------------------------------------------------------------------
// The scene

struct Sphere {
    center: V3,
    radius: f32,
    albedo: V3,
    /// Emitted radiance (the small "lamp" sphere).
    emission: V3,
    /// Screen-space motion in pixels per frame at 1080 rows (for the Vector pass).
    motion_px: (f32, f32),
    /// Blender's object pass index (IndexOB) and material index (IndexMA).
    object_index: f32,
    material_index: f32,
}

const SPHERES: [Sphere; 4] = [
    Sphere {
        center: v3(-1.6, 0.7, 0.3),
        radius: 0.7,
        albedo: v3(0.80, 0.18, 0.12),
        emission: V3::ZERO,
        motion_px: (3.0, 0.0),
        object_index: 1.0,
        material_index: 1.0,
    },
    Sphere {
        center: v3(0.3, 1.0, -1.0),
        radius: 1.0,
        albedo: v3(0.20, 0.65, 0.30),
        emission: V3::ZERO,
        motion_px: (0.0, 0.0),
        object_index: 2.0,
        material_index: 2.0,
    },
    Sphere {
        center: v3(1.75, 0.45, 1.2),
        radius: 0.45,
        albedo: v3(0.15, 0.35, 0.85),
        emission: V3::ZERO,
        motion_px: (-1.5, 0.5),
        object_index: 3.0,
        material_index: 3.0,
    },
    Sphere {
        center: v3(-0.2, 0.25, 2.2),
        radius: 0.25,
        albedo: v3(0.90, 0.75, 0.20),
        emission: v3(3.0, 2.4, 0.6),
        motion_px: (0.0, -2.0),
        object_index: 4.0,
        material_index: 4.0,
    },
];

/// The ground is the plane y = 0 limited to this rectangle, so some rays below the horizon miss.
const GROUND_X: (f32, f32) = (-6.0, 6.0);
const GROUND_Z: (f32, f32) = (-9.0, 5.0);
const GROUND_OBJECT_INDEX: f32 = 5.0;
const GROUND_MATERIAL_INDEX: f32 = 5.0;

const CAMERA_POS: V3 = v3(0.0, 1.5, 6.0);
const CAMERA_TARGET: V3 = v3(0.0, 0.6, 0.0);
/// tan(vertical field of view / 2): about 48° vertically.
const TAN_HALF_FOV_Y: f32 = 0.45;

/// Direction towards the sun (normalised at use) and its strength.
const SUN_DIR: V3 = v3(0.45, 0.8, 0.4);
const SUN_STRENGTH: f32 = 1.9;

/// Sky colour along a ray direction: horizon to zenith gradient (linear, scene-referred).
fn sky(dir: V3) -> V3 {
    let t = dir.y.clamp(0.0, 1.0);
    let horizon = v3(0.85, 0.90, 1.00);
    let zenith = v3(0.22, 0.42, 0.85);
    let below = v3(0.35, 0.33, 0.30);
    if dir.y >= 0.0 {
        horizon * (1.0 - t) + zenith * t
    } else {
        // Below the horizon (beyond the ground's edge): a dim haze.
        let s = (-dir.y).clamp(0.0, 1.0);
        horizon * (1.0 - s) + below * s
    }
}

#[derive(Clone, Copy)]
enum Object {
    Sphere(usize),
    Ground,
}

struct Hit {
    distance: f32,
    object: Object,
}

fn hit_sphere(origin: V3, dir: V3, sphere: &Sphere) -> Option<f32> {
    // |o + t d - c|² = r², d normalised.
    let oc = origin - sphere.center;
    let b = oc.dot(dir);
    let c = oc.dot(oc) - sphere.radius * sphere.radius;
    let disc = b * b - c;
    if disc < 0.0 {
        return None;
    }
    let root = disc.sqrt();
    let near = -b - root;
    if near > 1e-4 {
        return Some(near);
    }
    let far = -b + root;
    (far > 1e-4).then_some(far)
}

fn hit_ground(origin: V3, dir: V3) -> Option<f32> {
    if dir.y >= 0.0 {
        return None;
    }
    let t = -origin.y / dir.y;
    if t <= 1e-4 {
        return None;
    }
    let p = origin + dir * t;
    let inside = p.x >= GROUND_X.0 && p.x <= GROUND_X.1 && p.z >= GROUND_Z.0 && p.z <= GROUND_Z.1;
    inside.then_some(t)
}

fn trace(origin: V3, dir: V3) -> Option<Hit> {
    let mut best: Option<Hit> = None;
    for (index, sphere) in SPHERES.iter().enumerate() {
        if let Some(t) = hit_sphere(origin, dir, sphere)
            && best.as_ref().is_none_or(|b| t < b.distance)
        {
            best = Some(Hit {
                distance: t,
                object: Object::Sphere(index),
            });
        }
    }
    if let Some(t) = hit_ground(origin, dir)
        && best.as_ref().is_none_or(|b| t < b.distance)
    {
        best = Some(Hit {
            distance: t,
            object: Object::Ground,
        });
    }
    best
}

/// True when something blocks the way from `point` towards `dir` (spheres only cast shadows).
fn occluded(point: V3, dir: V3) -> bool {
    SPHERES
        .iter()
        .any(|sphere| hit_sphere(point, dir, sphere).is_some())
}

/// Cheap analytic ambient occlusion: each sphere occludes like a disc of its solid angle.
fn ambient_occlusion(point: V3, normal: V3, skip: Option<usize>) -> f32 {
    let mut visibility = 1.0f32;
    for (index, sphere) in SPHERES.iter().enumerate() {
        if Some(index) == skip {
            continue;
        }
        let to_center = sphere.center - point;
        let dist2 = to_center.dot(to_center);
        let dist = dist2.sqrt();
        let cos = (normal.dot(to_center) / dist).clamp(0.0, 1.0);
        let occlusion = (cos * sphere.radius * sphere.radius / dist2).clamp(0.0, 1.0);
        visibility *= 1.0 - occlusion;
    }
    visibility
}

struct Camera {
    forward: V3,
    right: V3,
    up: V3,
    width: usize,
    height: usize,
    tan_half_fov_x: f32,
}

impl Camera {
    fn new(width: usize, height: usize) -> Camera {
        let forward = (CAMERA_TARGET - CAMERA_POS).normalized();
        let right = forward.cross(v3(0.0, 1.0, 0.0)).normalized();
        let up = right.cross(forward);
        let aspect = width as f32 / height.max(1) as f32;
        Camera {
            forward,
            right,
            up,
            width,
            height,
            tan_half_fov_x: TAN_HALF_FOV_Y * aspect,
        }
    }

    /// The normalised ray direction through the point (`px`, `py`) in pixel units from the top-left
    /// corner of the image (pixel centres are at +0.5).
    fn ray(&self, px: f32, py: f32) -> V3 {
        let ndc_x = 2.0 * px / self.width as f32 - 1.0;
        let ndc_y = 1.0 - 2.0 * py / self.height as f32;
        (self.forward
            + self.right * (ndc_x * self.tan_half_fov_x)
            + self.up * (ndc_y * TAN_HALF_FOV_Y))
            .normalized()
    }
}

/// Every pass of one pixel, in the order of [`PASS_CHANNELS`].
type PixelPasses = [f32; PASS_COUNT];

/// Number of channels of the full (benchmark) pass set.
pub const PASS_COUNT: usize = 33;

/// Blender's names of the full pass set as `(pass, channel)`, without the view layer prefix. The
/// order is the index order of the rendered buffers; files are written sorted by name.
pub const PASS_CHANNELS: [(&str, &str); PASS_COUNT] = [
    ("Combined", "R"),
    ("Combined", "G"),
    ("Combined", "B"),
    ("Combined", "A"),
    ("Depth", "Z"),
    ("Mist", "Z"),
    ("Normal", "X"),
    ("Normal", "Y"),
    ("Normal", "Z"),
    ("Position", "X"),
    ("Position", "Y"),
    ("Position", "Z"),
    ("Vector", "X"),
    ("Vector", "Y"),
    ("Vector", "Z"),
    ("Vector", "W"),
    ("UV", "U"),
    ("UV", "V"),
    ("UV", "A"),
    ("DiffCol", "R"),
    ("DiffCol", "G"),
    ("DiffCol", "B"),
    ("GlossCol", "R"),
    ("GlossCol", "G"),
    ("GlossCol", "B"),
    ("Emit", "R"),
    ("Emit", "G"),
    ("Emit", "B"),
    ("AO", "R"),
    ("AO", "G"),
    ("AO", "B"),
    ("IndexOB", "X"),
    ("IndexMA", "X"),
];

const COMBINED: usize = 0;
const DEPTH: usize = 4;
const MIST: usize = 5;
const NORMAL: usize = 6;
const POSITION: usize = 9;
const VECTOR: usize = 12;
const UV: usize = 16;
const DIFF_COL: usize = 19;
const GLOSS_COL: usize = 22;
const EMIT: usize = 25;
const AO: usize = 28;
const INDEX_OB: usize = 31;
const INDEX_MA: usize = 32;

/// True for the passes Blender stores as half when "Float (Half)" is chosen: the colour passes.
/// Data passes (depth, mist, normal, position, vector, UV, indices) stay 32-bit float.
pub fn is_color_pass(pass: &str) -> bool {
    matches!(pass, "Combined" | "DiffCol" | "GlossCol" | "Emit" | "AO")
}

fn put3(out: &mut PixelPasses, at: usize, v: V3) {
    out[at] = v.x;
    out[at + 1] = v.y;
    out[at + 2] = v.z;
}

/// Shaded radiance along one camera ray, and whether it hit something.
fn radiance(dir: V3) -> (V3, bool) {
    let Some(hit) = trace(CAMERA_POS, dir) else {
        return (sky(dir), false);
    };
    let point = CAMERA_POS + dir * hit.distance;
    let (normal, albedo, emission) = surface(point, hit.object);
    let sun = SUN_DIR.normalized();
    let n_dot_l = normal.dot(sun).max(0.0);
    let lit = if n_dot_l > 0.0 && !occluded(point + normal * 1e-3, sun) {
        n_dot_l * SUN_STRENGTH
    } else {
        0.0
    };
    let skip = match hit.object {
        Object::Sphere(index) => Some(index),
        Object::Ground => None,
    };
    let ambient = sky(normal) * (0.35 * ambient_occlusion(point, normal, skip));
    let color = albedo.hadamard(ambient + v3(lit, lit, lit * 0.95)) + emission;
    (color, true)
}

fn surface(point: V3, object: Object) -> (V3, V3, V3) {
    match object {
        Object::Sphere(index) => {
            let sphere = &SPHERES[index % SPHERES.len()];
            let normal = (point - sphere.center) * (1.0 / sphere.radius);
            (normal, sphere.albedo, sphere.emission)
        }
        Object::Ground => {
            let checker = (point.x.floor() as i64 + point.z.floor() as i64) & 1;
            let albedo = if checker == 0 {
                v3(0.45, 0.45, 0.42)
            } else {
                v3(0.22, 0.22, 0.24)
            };
            (v3(0.0, 1.0, 0.0), albedo, V3::ZERO)
        }
    }
}

/// Renders every pass of pixel (`col`, `row`). Combined is supersampled 2×2 (so alpha is
/// fractional along silhouettes, as in Cycles); the data passes come from the pixel-centre ray.
fn render_pixel(camera: &Camera, col: usize, row: usize) -> PixelPasses {
    let mut out = [0.0f32; PASS_COUNT];
    let (x, y) = (col as f32, row as f32);

    let mut color_sum = V3::ZERO;
    let mut hits = 0u32;
    for (dx, dy) in [(0.25f32, 0.25f32), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
        let (color, hit) = radiance(camera.ray(x + dx, y + dy));
        color_sum = color_sum + color;
        hits += u32::from(hit);
    }
    put3(&mut out, COMBINED, color_sum * 0.25);
    out[COMBINED + 3] = hits as f32 * 0.25;

    let dir = camera.ray(x + 0.5, y + 0.5);
    let Some(hit) = trace(CAMERA_POS, dir) else {
        out[DEPTH] = NO_HIT_DEPTH;
        out[MIST] = 1.0;
        return out;
    };
    let point = CAMERA_POS + dir * hit.distance;
    let (normal, albedo, emission) = surface(point, hit.object);
    // Cycles' Z pass: distance from the camera plane along the view axis.
    out[DEPTH] = (point - CAMERA_POS).dot(camera.forward);
    let mist = ((hit.distance - MIST_START) / MIST_DEPTH).clamp(0.0, 1.0);
    out[MIST] = mist * mist;
    put3(&mut out, NORMAL, normal);
    put3(&mut out, POSITION, point);
    let scale = camera.height as f32 / 1080.0;
    let (uv, motion, indices, skip) = match hit.object {
        Object::Sphere(index) => {
            let sphere = &SPHERES[index % SPHERES.len()];
            (
                (0.5 + 0.5 * normal.x, 0.5 + 0.5 * normal.y),
                sphere.motion_px,
                (sphere.object_index, sphere.material_index),
                Some(index),
            )
        }
        Object::Ground => (
            (point.x - point.x.floor(), point.z - point.z.floor()),
            (0.0, 0.0),
            (GROUND_OBJECT_INDEX, GROUND_MATERIAL_INDEX),
            None,
        ),
    };
    // Blender's Vector pass: motion to the previous frame (X, Y) and to the next frame (Z, W).
    out[VECTOR] = -motion.0 * scale;
    out[VECTOR + 1] = -motion.1 * scale;
    out[VECTOR + 2] = motion.0 * scale;
    out[VECTOR + 3] = motion.1 * scale;
    out[UV] = uv.0;
    out[UV + 1] = uv.1;
    out[UV + 2] = 1.0;
    put3(&mut out, DIFF_COL, albedo);
    let gloss = if matches!(hit.object, Object::Ground) {
        0.04
    } else {
        0.5 - 0.45 * normal.y.abs()
    };
    put3(&mut out, GLOSS_COL, v3(gloss, gloss, gloss));
    put3(&mut out, EMIT, emission);
    let ao = ambient_occlusion(point, normal, skip) * (0.75 + 0.25 * normal.y.max(0.0));
    put3(&mut out, AO, v3(ao, ao, ao));
    out[INDEX_OB] = indices.0;
    out[INDEX_MA] = indices.1;
    out
}

/// All passes of a rendered image, one row-major buffer per channel of [`PASS_CHANNELS`].
#[derive(Clone, Debug, PartialEq)]
pub struct Passes {
    pub width: usize,
    pub height: usize,
    /// `channels[i]` holds the samples of `PASS_CHANNELS[i]`.
    pub channels: Vec<Vec<f32>>,
}

impl Passes {
    /// The samples of one pass channel, e.g. `("Depth", "Z")`.
    pub fn channel(&self, pass: &str, channel: &str) -> Option<&[f32]> {
        let index = PASS_CHANNELS
            .iter()
            .position(|&(p, c)| p == pass && c == channel)?;
        self.channels.get(index).map(Vec::as_slice)
    }
}

/// Renders the scene at `width × height` (any size ≥ 1×1; deterministic).
pub fn render(width: usize, height: usize) -> Passes {
    let width = width.max(1);
    let height = height.max(1);
    let camera = Camera::new(width, height);
    let pixel_count = width * height;
    let mut channels: Vec<Vec<f32>> = (0..PASS_COUNT)
        .map(|_| Vec::with_capacity(pixel_count))
        .collect();
    // Render in bands of rows so memory stays at about one copy of the result.
    const BAND_ROWS: usize = 64;
    let mut band: Vec<PixelPasses> = Vec::new();
    for band_start in (0..height).step_by(BAND_ROWS) {
        let band_end = (band_start + BAND_ROWS).min(height);
        band.clear();
        band.par_extend(
            (band_start..band_end)
                .into_par_iter()
                .flat_map_iter(|row| (0..width).map(move |col| (col, row)))
                .map(|(col, row)| render_pixel(&camera, col, row)),
        );
        for (index, channel) in channels.iter_mut().enumerate() {
            channel.extend(band.iter().map(|pixel| pixel[index]));
        }
    }
    Passes {
        width,
        height,
        channels,
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Storage of the benchmark file's channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenchEncoding {
    /// Every channel 32-bit float, ZIP (Blender: "Float (Full)", codec ZIP).
    ZipFloat,
    /// Colour passes half, data passes float, PIZ (Blender: "Float (Half)", codec PIZ).
    PizHalf,
    /// Colour passes half, data passes float, RLE.
    RleHalf,
    /// Every channel 32-bit float, PXR24 (which rounds floats to 24 bits).
    Pxr24Float,
    /// Colour passes half, data passes float (stored whole by B44), B44.
    B44Half,
    /// Colour passes half, data passes float, B44A (flat 4×4 tiles in 3 bytes).
    B44aHalf,
    /// Colour passes half, data passes float, DWAA (lossy DCT, 32 scan lines per block).
    DwaaHalf,
    /// Colour passes half, data passes float, DWAB (lossy DCT, 256 scan lines per block).
    DwabHalf,
}

impl BenchEncoding {
    /// Every encoding, the two main ones (ZIP float, PIZ half) first.
    pub const ALL: [BenchEncoding; 8] = [
        BenchEncoding::ZipFloat,
        BenchEncoding::PizHalf,
        BenchEncoding::RleHalf,
        BenchEncoding::Pxr24Float,
        BenchEncoding::B44Half,
        BenchEncoding::B44aHalf,
        BenchEncoding::DwaaHalf,
        BenchEncoding::DwabHalf,
    ];

    /// The benchmark file's conventional name.
    pub fn file_name(self) -> &'static str {
        match self {
            BenchEncoding::ZipFloat => "bench_4k_zip_f32.exr",
            BenchEncoding::PizHalf => "bench_4k_piz_f16.exr",
            BenchEncoding::RleHalf => "bench_4k_rle_f16.exr",
            BenchEncoding::Pxr24Float => "bench_4k_pxr24_f32.exr",
            BenchEncoding::B44Half => "bench_4k_b44_f16.exr",
            BenchEncoding::B44aHalf => "bench_4k_b44a_f16.exr",
            BenchEncoding::DwaaHalf => "bench_4k_dwaa_f16.exr",
            BenchEncoding::DwabHalf => "bench_4k_dwab_f16.exr",
        }
    }

    /// The compression's name as the file names and `exrprobe info` spell it (`zip`, `dwaa`).
    pub fn codec(self) -> &'static str {
        match self {
            BenchEncoding::ZipFloat => "zip",
            BenchEncoding::PizHalf => "piz",
            BenchEncoding::RleHalf => "rle",
            BenchEncoding::Pxr24Float => "pxr24",
            BenchEncoding::B44Half => "b44",
            BenchEncoding::B44aHalf => "b44a",
            BenchEncoding::DwaaHalf => "dwaa",
            BenchEncoding::DwabHalf => "dwab",
        }
    }

    fn compression(self) -> Compression {
        match self {
            BenchEncoding::ZipFloat => Compression::ZIP16,
            BenchEncoding::PizHalf => Compression::PIZ,
            BenchEncoding::RleHalf => Compression::RLE,
            BenchEncoding::Pxr24Float => Compression::PXR24,
            BenchEncoding::B44Half => Compression::B44,
            BenchEncoding::B44aHalf => Compression::B44A,
            // OpenEXR's default level (45).
            BenchEncoding::DwaaHalf => Compression::DWAA(None),
            BenchEncoding::DwabHalf => Compression::DWAB(None),
        }
    }

    /// Whether the compression keeps half samples exactly (B44 and DWA round them).
    pub fn keeps_half_exactly(self) -> bool {
        !matches!(
            self,
            BenchEncoding::B44Half
                | BenchEncoding::B44aHalf
                | BenchEncoding::DwaaHalf
                | BenchEncoding::DwabHalf
        )
    }

    /// Whether the compression keeps every 32-bit float sample exactly: PXR24 rounds them to
    /// 24 bits, DWA compresses float channels named R, G, B or Y (such as `Normal.Y`) as lossily
    /// as half ones; B44 stores float channels whole, and DWA those with other names (depth).
    pub fn keeps_float_exactly(self) -> bool {
        !matches!(
            self,
            BenchEncoding::Pxr24Float | BenchEncoding::DwaaHalf | BenchEncoding::DwabHalf
        )
    }

    /// Whether colour passes are stored as half (data passes such as depth stay float, as
    /// Blender writes "Float (Half)").
    pub fn half_colour(self) -> bool {
        !matches!(self, BenchEncoding::ZipFloat | BenchEncoding::Pxr24Float)
    }
}

fn encoding(compression: Compression) -> Encoding {
    Encoding {
        compression,
        blocks: Blocks::ScanLines,
        // Increasing order makes the bytes deterministic even though blocks compress in parallel.
        line_order: LineOrder::Increasing,
    }
}

fn channel(name: &str, samples: FlatSamples) -> AnyChannel<FlatSamples> {
    AnyChannel {
        name: Text::from(name),
        sample_data: samples,
        // Blender writes pLinear = 0 for every channel.
        quantize_linearly: false,
        sampling: Vec2(1, 1),
    }
}

/// Builds the image with Blender-like header attributes. At most one custom attribute per map:
/// the exr crate keeps them in a `HashMap`, and a second entry would make the byte order random.
fn build_image(
    width: usize,
    height: usize,
    compression: Compression,
    channels: Vec<AnyChannel<FlatSamples>>,
    layer_custom: (&str, &str),
) -> ExrImage<Layer<AnyChannels<FlatSamples>>> {
    let mut attributes = LayerAttributes {
        software_name: Some(Text::from(
            "exrprobe synth (deterministic analytic render in the style of Blender/Cycles)",
        )),
        ..LayerAttributes::default()
    };
    attributes.other = HashMap::from([(
        Text::from(layer_custom.0),
        AttributeValue::Text(Text::from(layer_custom.1)),
    )]);
    let layer = Layer::new(
        (width, height),
        attributes,
        encoding(compression),
        AnyChannels::sort(channels.into()),
    );
    let mut image = ExrImage::from_layer(layer);
    image.attributes.other = HashMap::from([(
        Text::from("Camera"),
        AttributeValue::Text(Text::from("Camera")),
    )]);
    image
}

/// A plain single-part file of `channels` (ZIP, scan lines, no extra attributes), in memory: the
/// frames of the synthetic shots and the renders of the integration tests.
pub fn zip_scanline_exr(
    width: usize,
    height: usize,
    channels: Vec<AnyChannel<FlatSamples>>,
) -> Result<Vec<u8>, SynthError> {
    let layer = Layer::new(
        (width, height),
        LayerAttributes::default(),
        encoding(Compression::ZIP16),
        AnyChannels::sort(channels.into()),
    );
    encode(&ExrImage::from_layer(layer))
}

fn encode(image: &ExrImage<Layer<AnyChannels<FlatSamples>>>) -> Result<Vec<u8>, SynthError> {
    let mut bytes = Cursor::new(Vec::new());
    image
        .write()
        .to_buffered(&mut bytes)
        .map_err(SynthError::Encode)?;
    Ok(bytes.into_inner())
}

fn take(passes: &mut Passes, pass: &str, channel: &str) -> Vec<f32> {
    PASS_CHANNELS
        .iter()
        .position(|&(p, c)| p == pass && c == channel)
        .and_then(|index| passes.channels.get_mut(index))
        .map(std::mem::take)
        .unwrap_or_default()
}

/// Rounds samples to the nearest half-precision value (still stored as 32-bit float). The examples
/// do this for every channel but depth: the low mantissa bits of a smooth analytic render are
/// incompressible noise, and dropping them keeps the embedded files small. Depth keeps full
/// precision because reading the raw float is what the probe demonstrates.
fn round_to_half_precision(samples: &mut [f32]) {
    for sample in samples {
        *sample = f16::from_f32(*sample).to_f32();
    }
}

/// The multilayer example as Blender writes it ("OpenEXR MultiLayer", 32-bit float, ZIP) with the
/// passes Combined, Depth, Mist and Normal: channels `ViewLayer.Combined.{R,G,B,A}`,
/// `ViewLayer.Depth.Z` (1e10 on the background), `ViewLayer.Mist.Z`, `ViewLayer.Normal.{X,Y,Z}`.
pub fn spheres_multilayer_exr(width: usize, height: usize) -> Result<Vec<u8>, SynthError> {
    let mut passes = render(width, height);
    let wanted = [
        ("Combined", "R"),
        ("Combined", "G"),
        ("Combined", "B"),
        ("Combined", "A"),
        ("Depth", "Z"),
        ("Mist", "Z"),
        ("Normal", "X"),
        ("Normal", "Y"),
        ("Normal", "Z"),
    ];
    let channels = wanted
        .iter()
        .map(|&(pass, ch)| {
            let mut samples = take(&mut passes, pass, ch);
            if pass != "Depth" {
                round_to_half_precision(&mut samples);
            }
            channel(
                &format!("{VIEW_LAYER}.{pass}.{ch}"),
                FlatSamples::F32(samples),
            )
        })
        .collect();
    let image = build_image(
        passes.width,
        passes.height,
        Compression::ZIP16,
        channels,
        ("BlenderMultiChannel", "Blender V2.55.1 and newer"),
    );
    encode(&image)
}

/// The single-layer trap: what Blender writes with "OpenEXR" (not MultiLayer), "Z Buffer" ticked
/// and Compositing enabled without Depth linked to the Composite node: channels `R G B A Z` where
/// `Z` is 1.0 in every pixel (the Composite node's unlinked default), 32-bit float, ZIP.
pub fn z_trap_exr(width: usize, height: usize) -> Result<Vec<u8>, SynthError> {
    let mut passes = render(width, height);
    let pixel_count = passes.width * passes.height;
    let mut channels: Vec<_> = ["R", "G", "B", "A"]
        .iter()
        .map(|&ch| {
            let mut samples = take(&mut passes, "Combined", ch);
            round_to_half_precision(&mut samples);
            channel(ch, FlatSamples::F32(samples))
        })
        .collect();
    channels.push(channel("Z", FlatSamples::F32(vec![1.0; pixel_count])));
    let image = build_image(
        passes.width,
        passes.height,
        Compression::ZIP16,
        channels,
        ("Frame", "001"),
    );
    encode(&image)
}

/// The built-in multilayer example (`assets/example_spheres.exr`).
pub fn example_spheres_exr() -> Result<Vec<u8>, SynthError> {
    spheres_multilayer_exr(EXAMPLE_WIDTH, EXAMPLE_HEIGHT)
}

/// The built-in Compositing-on trap example (`assets/example_z_trap.exr`).
pub fn example_z_trap_exr() -> Result<Vec<u8>, SynthError> {
    z_trap_exr(EXAMPLE_WIDTH, EXAMPLE_HEIGHT)
}

fn bench_image(
    width: usize,
    height: usize,
    encoding: BenchEncoding,
) -> ExrImage<Layer<AnyChannels<FlatSamples>>> {
    bench_image_of(render(width, height), encoding)
}

fn bench_image_of(
    passes: Passes,
    encoding: BenchEncoding,
) -> ExrImage<Layer<AnyChannels<FlatSamples>>> {
    let (w, h) = (passes.width, passes.height);
    let channels = PASS_CHANNELS
        .iter()
        .zip(passes.channels)
        .map(|(&(pass, ch), samples)| {
            let samples = match encoding {
                _ if encoding.half_colour() && is_color_pass(pass) => {
                    FlatSamples::F16(samples.into_iter().map(f16::from_f32).collect())
                }
                _ => FlatSamples::F32(samples),
            };
            channel(&format!("{VIEW_LAYER}.{pass}.{ch}"), samples)
        })
        .collect();
    build_image(
        w,
        h,
        encoding.compression(),
        channels,
        ("BlenderMultiChannel", "Blender V2.55.1 and newer"),
    )
}

/// The benchmark image at any size, in memory: the full 33-channel Blender pass set
/// ([`PASS_CHANNELS`] under `ViewLayer.`), stored as `encoding` says.
pub fn bench_exr(
    width: usize,
    height: usize,
    encoding: BenchEncoding,
) -> Result<Vec<u8>, SynthError> {
    encode(&bench_image(width, height, encoding))
}

/// Writes the 3840×2160 benchmark file to `path`.
pub fn write_bench_file(path: &Path, encoding: BenchEncoding) -> Result<(), SynthError> {
    write_file(&bench_image(BENCH_WIDTH, BENCH_HEIGHT, encoding), path)
}

fn write_file(
    image: &ExrImage<Layer<AnyChannels<FlatSamples>>>,
    path: &Path,
) -> Result<(), SynthError> {
    image
        .write()
        .to_file(path)
        .map_err(|source| SynthError::Write {
            source,
            path: path.display().to_string(),
        })
}

/// Writes the 3840×2160 benchmark file mirrored left to right to `path`: a second frame for the
/// scrubbing benchmark that differs from [`write_bench_file`]'s all over the screen, so a
/// screenshot tells which of the two is shown.
pub fn write_mirrored_bench_file(path: &Path, encoding: BenchEncoding) -> Result<(), SynthError> {
    let mut passes = render(BENCH_WIDTH, BENCH_HEIGHT);
    for samples in &mut passes.channels {
        for row in samples.chunks_exact_mut(passes.width) {
            row.reverse();
        }
    }
    write_file(&bench_image_of(passes, encoding), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_set_has_33_distinct_channels() {
        let mut names: Vec<String> = PASS_CHANNELS
            .iter()
            .map(|(p, c)| format!("{p}.{c}"))
            .collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), PASS_COUNT);
    }

    #[test]
    fn render_has_background_and_sane_depth() {
        let passes = render(96, 54);
        let depth = passes.channel("Depth", "Z").unwrap_or_default();
        let alpha = passes.channel("Combined", "A").unwrap_or_default();
        assert_eq!(depth.len(), 96 * 54);
        let background = depth.iter().filter(|&&z| z == NO_HIT_DEPTH).count();
        assert!(background > 0, "the sky must be visible");
        assert!(
            background < depth.len() / 2,
            "the scene must fill most of the frame"
        );
        let hits: Vec<f32> = depth.iter().copied().filter(|&z| z < 1e9).collect();
        let (lo, hi) = hits
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &z| (lo.min(z), hi.max(z)));
        assert!(lo > 1.0 && hi < 30.0, "depth range {lo}..{hi}");
        // Alpha is 0 exactly where the centre ray missed and the whole pixel saw sky.
        for (z, a) in depth.iter().zip(alpha) {
            if *a == 0.0 {
                assert_eq!(*z, NO_HIT_DEPTH);
            }
            if *a == 1.0 {
                assert!(*z < 1e9);
            }
        }
    }

    #[test]
    fn render_is_deterministic_and_size_independent_in_shape() {
        assert_eq!(render(40, 30), render(40, 30));
        let small = render(1, 1);
        assert_eq!(small.channels.len(), PASS_COUNT);
        assert!(small.channels.iter().all(|c| c.len() == 1));
    }
}
