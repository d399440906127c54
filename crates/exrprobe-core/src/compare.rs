//! Comparing two images channel by channel: which channels they share, and for each shared one
//! how far apart the samples are (`exrprobe diff`, the viewer's compare mode).
//!
//! Channels are matched by their qualified name (`PART/CHANNEL` in multi-part files, see
//! [`Image::qualified_name`]); a name repeated within one file gets `#2`, `#3`… in file order,
//! as [`Image::find_channel`] accepts it. Pixels are compared over the intersection of the two
//! data windows, at the same absolute pixel coordinates (a render cropped differently still
//! lines up).
//!
//! Every metric is computed in `f64` over the native samples (half, float, uint), so a half
//! channel compared with its float original shows the half rounding and nothing else:
//! - `valid`: pixels where both samples are finite and neither is background (≥ 1e9, float and
//!   half only: a large uint is an ID, not a sentinel). `max_abs`, `mean_abs`, `rmse`,
//!   `mean_rel` and `psnr` are over these pixels only, so a 1e10 "no hit" sky does not drown
//!   the difference of the surfaces.
//! - `mean_rel`: the mean of |a − b| / max(|b|, 1e-6) (B is the reference).
//! - `psnr` (colour channels only, peak 1.0): 10·log10(1 / mse); `None` for other channels and
//!   for identical ones (infinite).
//! - `differing`: pixels whose stored bits differ (for channels of different types: whose
//!   values differ, NaN equal to NaN), over every pixel of the compared window.
//! - `mismatch_nonfinite`: pixels where exactly one side is NaN, ±Inf or background.
//!
//! `mean_abs` comes from an exact sum ([`crate::stats`]'s fixed-point accumulator, the same as
//! the channel mean), `rmse` and `mean_rel` from compensated sums, so the figures do not depend
//! on how the work was split between threads.

pub mod difference;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use rayon::prelude::*;

use crate::f16;
use crate::load::{ChannelFilter, LoadError, LoadOptions, load_file};
use crate::model::{ChannelRef, Image, SampleType, Samples, Window};
use crate::naming::{detect_depth, rgb_layers};
use crate::stats::{ExactSum, SENTINEL_THRESHOLD};
use crate::text;

/// Why two files could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("the files share no channel (A has {channels_a}, B has {channels_b}): {a} and {b}")]
    NoSharedChannel {
        channels_a: String,
        channels_b: String,
        a: String,
        b: String,
    },
    #[error("no channel {name:?} in both files (shared: {shared}): {a} and {b}")]
    UnknownChannel {
        name: String,
        shared: String,
        a: String,
        b: String,
    },
}

/// What to compare.
#[derive(Clone, Debug)]
pub struct CompareOptions {
    /// Channels to compare, by qualified name; empty: every shared channel.
    pub channels: Vec<String>,
    /// Memory for the decoded channels of both files together (each file gets half).
    pub memory_budget_bytes: u64,
}

/// Limits within which two channels count as the same.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tolerance {
    /// Largest allowed |a − b| over the valid pixels.
    pub max_abs: Option<f64>,
    /// Largest allowed |a − b| / max(|b|, 1e-6) over the valid pixels.
    pub max_rel: Option<f64>,
}

impl Tolerance {
    /// No tolerance: only bit-identical channels pass.
    pub fn is_exact(&self) -> bool {
        self.max_abs.is_none() && self.max_rel.is_none()
    }
}

/// The differences of one shared channel.
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelDiff {
    /// The qualified name (with `#N` for a repeated name).
    pub name: String,
    pub type_a: SampleType,
    pub type_b: SampleType,
    /// The channel is A's detected depth channel.
    pub is_depth: bool,
    /// The channel belongs to one of A's colour layers (PSNR is reported for it).
    pub is_color: bool,
    pub metrics: DiffMetrics,
}

/// Difference metrics of one channel (see the module documentation).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DiffMetrics {
    /// Pixels compared (the intersection of the data windows).
    pub pixels: u64,
    pub valid: u64,
    /// Largest |a − b| over the valid pixels (0 when none).
    pub max_abs: f64,
    /// Where `max_abs` occurs first (row by row), in absolute pixel coordinates; `None` when
    /// no valid pixel differs.
    pub max_abs_at: Option<(i64, i64)>,
    pub mean_abs: Option<f64>,
    pub rmse: Option<f64>,
    pub mean_rel: Option<f64>,
    /// Largest relative difference over the valid pixels (0 when none).
    pub max_rel: f64,
    pub psnr: Option<f64>,
    pub differing: u64,
    pub mismatch_nonfinite: u64,
}

impl ChannelDiff {
    /// True when the channel passes: bit-identical without a tolerance; with one, no pixel
    /// where only one side is NaN/Inf/background, and the valid pixels within the limits.
    pub fn within(&self, tolerance: &Tolerance) -> bool {
        let m = &self.metrics;
        if tolerance.is_exact() {
            return m.differing == 0;
        }
        m.mismatch_nonfinite == 0
            && tolerance.max_abs.is_none_or(|limit| m.max_abs <= limit)
            && tolerance.max_rel.is_none_or(|limit| m.max_rel <= limit)
    }
}

/// Everything `exrprobe diff` reports.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub window_a: Window,
    pub window_b: Window,
    /// The compared window: the intersection (`None` when the windows do not overlap; then no
    /// pixel is compared).
    pub window: Option<Window>,
    /// Shared channels: A's depth channel first, then its colour layers, then by name.
    pub channels: Vec<ChannelDiff>,
    pub only_in_a: Vec<String>,
    pub only_in_b: Vec<String>,
    /// Shared channels whose pixels could not be read in one file (name, reason).
    pub unreadable: Vec<(String, String)>,
}

/// The overall answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every compared channel is bit-identical.
    Identical,
    /// Not identical, but every compared channel is within the tolerance.
    WithinTolerance,
    /// These channels differ beyond the tolerance (or could not be read).
    Different(Vec<String>),
}

impl Comparison {
    pub fn windows_differ(&self) -> bool {
        self.window_a != self.window_b
    }

    pub fn verdict(&self, tolerance: &Tolerance) -> Verdict {
        let mut failing: Vec<String> = self
            .channels
            .iter()
            .filter(|c| !c.within(tolerance))
            .map(|c| c.name.clone())
            .collect();
        failing.extend(self.unreadable.iter().map(|(name, _)| name.clone()));
        if !failing.is_empty() {
            Verdict::Different(failing)
        } else if self.channels.iter().all(|c| c.metrics.differing == 0) {
            Verdict::Identical
        } else {
            Verdict::WithinTolerance
        }
    }
}

impl Verdict {
    /// One line: `IDENTICAL: 12 channels bit for bit`, `WITHIN TOLERANCE: …`, `DIFFERENT: 2 of
    /// 12 channels (R, G)`.
    pub fn line(&self, compared: usize) -> String {
        let channels = text::plural(compared as u64, "channel");
        match self {
            Verdict::Identical => format!("IDENTICAL: {channels} bit for bit"),
            Verdict::WithinTolerance => format!("WITHIN TOLERANCE: {channels}"),
            Verdict::Different(names) => format!(
                "DIFFERENT: {} of {channels} ({})",
                names.len(),
                names
                    .iter()
                    .map(|n| text::printable(n).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The exit code of `exrprobe diff`: 0 identical or within tolerance, 1 different.
    pub fn passed(&self) -> bool {
        !matches!(self, Verdict::Different(_))
    }
}

/// The report `exrprobe diff` prints (and the viewer copies): the windows, a table of the
/// metrics per channel, the channels only in one file, and the verdict.
pub fn report_lines(comparison: &Comparison, tolerance: &Tolerance) -> Vec<String> {
    let c = comparison;
    let mut lines = Vec::new();
    match &c.window {
        Some(window) if c.windows_differ() => lines.push(format!(
            "window: {} (the overlap of A {} and B {})",
            text::format_window(window),
            text::format_window(&c.window_a),
            text::format_window(&c.window_b)
        )),
        Some(window) => lines.push(format!("window: {}", text::format_window(window))),
        None => lines.push(format!(
            "window: none (A {} and B {} do not overlap)",
            text::format_window(&c.window_a),
            text::format_window(&c.window_b)
        )),
    }
    let header = [
        "channel",
        "valid",
        "max_abs",
        "at",
        "mean_abs",
        "rmse",
        "mean_rel",
        "psnr",
        "differing",
        "nonfinite",
        "",
    ];
    let number =
        |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| text::format_significant(v, 6));
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| (*h).to_owned()).collect()];
    for diff in &c.channels {
        let m = &diff.metrics;
        let mut name = text::printable(&diff.name).into_owned();
        if diff.type_a != diff.type_b {
            name = format!("{name} ({}/{})", diff.type_a, diff.type_b);
        }
        rows.push(vec![
            name,
            text::format_count(m.valid),
            number(Some(m.max_abs)),
            m.max_abs_at
                .map_or_else(|| "-".to_owned(), |(x, y)| format!("{x},{y}")),
            number(m.mean_abs),
            number(m.rmse),
            number(m.mean_rel),
            if diff.is_color && m.differing == 0 {
                "inf".to_owned()
            } else {
                number(m.psnr)
            },
            text::format_count(m.differing),
            text::format_count(m.mismatch_nonfinite),
            if diff.within(tolerance) { "ok" } else { "DIFF" }.to_owned(),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |t| t.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, &width))| {
                if i == 0 {
                    format!("{cell:<width$}")
                } else {
                    format!("{cell:>width$}")
                }
            })
            .collect();
        lines.push(cells.join("  ").trim_end().to_owned());
    }
    for (name, reason) in &c.unreadable {
        lines.push(format!(
            "not compared: {} ({})",
            text::printable(name),
            text::printable(reason)
        ));
    }
    let list = |names: &[String]| {
        names
            .iter()
            .map(|n| text::printable(n).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !c.only_in_a.is_empty() {
        lines.push(format!("only in A: {}", list(&c.only_in_a)));
    }
    if !c.only_in_b.is_empty() {
        lines.push(format!("only in B: {}", list(&c.only_in_b)));
    }
    lines.push(
        c.verdict(tolerance)
            .line(c.channels.len() + c.unreadable.len()),
    );
    lines
}

/// The channels to compare (shared, or the requested ones) as (key, A's, B's), and the keys
/// only in A and only in B.
type Matching = (
    Vec<(String, ChannelRef, ChannelRef)>,
    Vec<String>,
    Vec<String>,
);

fn match_channels(a: &Image, b: &Image, wanted: &[String]) -> Result<Matching, CompareError> {
    let keys_a = a.keyed_channels();
    let keys_b = b.keyed_channels();
    let find = |keys: &[(String, ChannelRef)], name: &str| {
        keys.iter().find(|(k, _)| k == name).map(|&(_, r)| r)
    };
    let shared: Vec<(String, ChannelRef, ChannelRef)> = keys_a
        .iter()
        .filter_map(|(k, ra)| find(&keys_b, k).map(|rb| (k.clone(), *ra, rb)))
        .collect();
    let only_in_a = keys_a
        .iter()
        .filter(|(k, _)| find(&keys_b, k).is_none())
        .map(|(k, _)| k.clone())
        .collect();
    let only_in_b = keys_b
        .iter()
        .filter(|(k, _)| find(&keys_a, k).is_none())
        .map(|(k, _)| k.clone())
        .collect();
    let list = |keys: &[(String, ChannelRef)]| {
        let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        if names.is_empty() {
            "no channels".to_owned()
        } else {
            names.join(", ")
        }
    };
    if shared.is_empty() {
        return Err(CompareError::NoSharedChannel {
            channels_a: list(&keys_a),
            channels_b: list(&keys_b),
            a: a.source.clone(),
            b: b.source.clone(),
        });
    }
    let chosen = if wanted.is_empty() {
        shared
    } else {
        let mut chosen = Vec::new();
        for name in wanted {
            match shared.iter().find(|(k, _, _)| k == name) {
                Some(entry) => chosen.push(entry.clone()),
                None => {
                    let names: Vec<&str> = shared.iter().map(|(k, _, _)| k.as_str()).collect();
                    return Err(CompareError::UnknownChannel {
                        name: name.clone(),
                        shared: names.join(", "),
                        a: a.source.clone(),
                        b: b.source.clone(),
                    });
                }
            }
        }
        chosen
    };
    Ok((chosen, only_in_a, only_in_b))
}

/// Compares two files: reads both headers, then decodes only the channels to compare (each
/// file within half the budget), then compares them ([`compare_images`]).
pub fn compare_files(
    path_a: &Path,
    path_b: &Path,
    options: &CompareOptions,
    cancel: &AtomicBool,
) -> Result<Comparison, CompareError> {
    let header_only = LoadOptions {
        decode_pixels: false,
        ..LoadOptions::default()
    };
    let head_a = load_file(path_a, &header_only, &mut |_| {}, cancel)?;
    let head_b = load_file(path_b, &header_only, &mut |_| {}, cancel)?;
    let (chosen, _, _) = match_channels(&head_a, &head_b, &options.channels)?;
    let load = |path: &Path, refs: Vec<ChannelRef>| {
        let options = LoadOptions {
            memory_budget_bytes: options.memory_budget_bytes / 2,
            decode_pixels: true,
            channels: ChannelFilter::only(refs),
        };
        load_file(path, &options, &mut |_| {}, cancel)
    };
    let (a, b) = rayon::join(
        || load(path_a, chosen.iter().map(|&(_, ra, _)| ra).collect()),
        || load(path_b, chosen.iter().map(|&(_, _, rb)| rb).collect()),
    );
    compare_images(&a?, &b?, &options.channels)
}

/// Compares two loaded images (channels not decoded in either are listed as unreadable, with
/// the reason, or skipped when they were not requested).
pub fn compare_images(a: &Image, b: &Image, wanted: &[String]) -> Result<Comparison, CompareError> {
    let (chosen, only_in_a, only_in_b) = match_channels(a, b, wanted)?;
    let depth = detect_depth(a).channel();
    let colour: Vec<ChannelRef> = rgb_layers(a)
        .iter()
        .flat_map(|layer| [Some(layer.r), Some(layer.g), Some(layer.b), layer.a])
        .flatten()
        .collect();
    let (mut window_a, mut window_b) = (None, None);
    let mut channels = Vec::new();
    let mut references = Vec::new();
    let mut unreadable = Vec::new();
    for (name, ra, rb) in chosen {
        let (Some(part_a), Some(part_b)) = (a.part(ra.part), b.part(rb.part)) else {
            continue;
        };
        window_a.get_or_insert(part_a.data_window);
        window_b.get_or_insert(part_b.data_window);
        let (Some(channel_a), Some(channel_b)) = (a.channel(ra), b.channel(rb)) else {
            continue;
        };
        let samples = (channel_a.samples.as_ref(), channel_b.samples.as_ref());
        let (Some(samples_a), Some(samples_b)) = samples else {
            let reason = [
                (samples.0.is_none(), part_a, "A"),
                (samples.1.is_none(), part_b, "B"),
            ]
            .iter()
            .filter(|(missing, _, _)| *missing)
            .map(|(_, part, which)| {
                let why = part.pixel_error.as_deref().unwrap_or("not decoded");
                format!("{which}: {why}")
            })
            .collect::<Vec<_>>()
            .join("; ");
            unreadable.push((name, reason));
            continue;
        };
        let grid_a = Grid {
            window: &part_a.data_window,
            samples: samples_a,
        };
        let grid_b = Grid {
            window: &part_b.data_window,
            samples: samples_b,
        };
        let is_color = colour.contains(&ra);
        let mut metrics = diff_samples(&grid_a, &grid_b);
        if !is_color {
            metrics.psnr = None;
        }
        references.push(ra);
        channels.push(ChannelDiff {
            name,
            type_a: channel_a.sample_type,
            type_b: channel_b.sample_type,
            is_depth: depth == Some(ra),
            is_color,
            metrics,
        });
    }
    // Depth first, then the colour layers (best first, R G B A), then the rest by name.
    let rank = |diff: &ChannelDiff, reference: ChannelRef| {
        let colour_rank = colour.iter().position(|&c| c == reference);
        (!diff.is_depth, colour_rank.unwrap_or(usize::MAX))
    };
    let mut ranked: Vec<((bool, usize), ChannelDiff)> = channels
        .into_iter()
        .zip(references)
        .map(|(diff, reference)| (rank(&diff, reference), diff))
        .collect();
    ranked.sort_by(|(x_rank, x), (y_rank, y)| (x_rank, &x.name).cmp(&(y_rank, &y.name)));
    let channels = ranked.into_iter().map(|(_, diff)| diff).collect();
    let first_window = |image: &Image| {
        image.parts.first().map_or(
            Window {
                x: 0,
                y: 0,
                width: 0,
                height: 0,
            },
            |p| p.data_window,
        )
    };
    let window_a = window_a.unwrap_or_else(|| first_window(a));
    let window_b = window_b.unwrap_or_else(|| first_window(b));
    Ok(Comparison {
        window: intersection(&window_a, &window_b),
        window_a,
        window_b,
        channels,
        only_in_a,
        only_in_b,
        unreadable,
    })
}

/// The overlap of two windows, or `None`.
pub fn intersection(a: &Window, b: &Window) -> Option<Window> {
    let (ax1, ay1) = (
        i64::from(a.x) + a.width as i64,
        i64::from(a.y) + a.height as i64,
    );
    let (bx1, by1) = (
        i64::from(b.x) + b.width as i64,
        i64::from(b.y) + b.height as i64,
    );
    let x0 = a.x.max(b.x);
    let y0 = a.y.max(b.y);
    let (x1, y1) = (ax1.min(bx1), ay1.min(by1));
    let width = usize::try_from(x1 - i64::from(x0))
        .ok()
        .filter(|&w| w > 0)?;
    let height = usize::try_from(y1 - i64::from(y0))
        .ok()
        .filter(|&h| h > 0)?;
    Some(Window {
        x: x0,
        y: y0,
        width,
        height,
    })
}

/// A channel's samples with the data window they cover.
struct Grid<'a> {
    window: &'a Window,
    samples: &'a Samples,
}

/// A sample seen as a number and as stored bits.
trait Sample: Copy + Send + Sync {
    fn wide(self) -> f64;
    fn bits(self) -> u32;
    /// Float and half samples ≥ 1e9 are background; uint ones never are.
    const CAN_BE_BACKGROUND: bool;
}

impl Sample for f16 {
    fn wide(self) -> f64 {
        self.to_f64()
    }
    fn bits(self) -> u32 {
        u32::from(self.to_bits())
    }
    const CAN_BE_BACKGROUND: bool = true;
}

impl Sample for f32 {
    fn wide(self) -> f64 {
        f64::from(self)
    }
    fn bits(self) -> u32 {
        self.to_bits()
    }
    const CAN_BE_BACKGROUND: bool = true;
}

impl Sample for u32 {
    fn wide(self) -> f64 {
        f64::from(self)
    }
    fn bits(self) -> u32 {
        self
    }
    const CAN_BE_BACKGROUND: bool = false;
}

/// The metrics of two channels over the intersection of their windows.
fn diff_samples(a: &Grid<'_>, b: &Grid<'_>) -> DiffMetrics {
    let Some(window) = intersection(a.window, b.window) else {
        return DiffMetrics::default();
    };
    macro_rules! typed {
        ($($va:ident, $vb:ident => $same:expr;)*) => {
            match (a.samples, b.samples) {
                $((Samples::$va(x), Samples::$vb(y)) => diff_rows(
                    (x.as_slice(), a.window),
                    (y.as_slice(), b.window),
                    &window,
                    $same,
                ),)*
            }
        };
    }
    typed! {
        F16, F16 => true; F16, F32 => false; F16, U32 => false;
        F32, F16 => false; F32, F32 => true; F32, U32 => false;
        U32, F16 => false; U32, F32 => false; U32, U32 => true;
    }
}

/// Row sums of one stretch of rows, merged in any order.
#[derive(Clone, Copy)]
struct Partial {
    pixels: u64,
    valid: u64,
    max_abs: f64,
    max_abs_at: Option<(i64, i64)>,
    max_rel: f64,
    abs_sum: ExactSum,
    square_sum: Neumaier,
    rel_sum: Neumaier,
    differing: u64,
    mismatch: u64,
}

impl Partial {
    const EMPTY: Self = Self {
        pixels: 0,
        valid: 0,
        max_abs: 0.0,
        max_abs_at: None,
        max_rel: 0.0,
        abs_sum: ExactSum::ZERO,
        square_sum: Neumaier::ZERO,
        rel_sum: Neumaier::ZERO,
        differing: 0,
        mismatch: 0,
    };

    /// `self` (earlier rows) then `later`: the first maximum in row order wins ties.
    fn merge(self, later: Self) -> Self {
        let later_wins = later.max_abs > self.max_abs;
        Self {
            pixels: self.pixels + later.pixels,
            valid: self.valid + later.valid,
            max_abs: self.max_abs.max(later.max_abs),
            max_abs_at: if later_wins {
                later.max_abs_at
            } else {
                self.max_abs_at
            },
            max_rel: self.max_rel.max(later.max_rel),
            abs_sum: self.abs_sum.merge(later.abs_sum),
            square_sum: self.square_sum.merge(later.square_sum),
            rel_sum: self.rel_sum.merge(later.rel_sum),
            differing: self.differing + later.differing,
            mismatch: self.mismatch + later.mismatch,
        }
    }
}

/// Neumaier's compensated sum (a sum and its running error).
#[derive(Clone, Copy)]
struct Neumaier {
    sum: f64,
    compensation: f64,
}

impl Neumaier {
    const ZERO: Self = Self {
        sum: 0.0,
        compensation: 0.0,
    };

    fn add(&mut self, value: f64) {
        let t = self.sum + value;
        self.compensation += if self.sum.abs() >= value.abs() {
            (self.sum - t) + value
        } else {
            (value - t) + self.sum
        };
        self.sum = t;
    }

    fn merge(mut self, other: Self) -> Self {
        self.add(other.sum);
        self.compensation += other.compensation;
        self
    }

    fn value(self) -> f64 {
        self.sum + self.compensation
    }
}

/// Floor of the relative difference's denominator.
const REL_FLOOR: f64 = 1e-6;

fn diff_rows<A: Sample, B: Sample>(
    (a, window_a): (&[A], &Window),
    (b, window_b): (&[B], &Window),
    window: &Window,
    same_type: bool,
) -> DiffMetrics {
    let offset = |outer: &Window| {
        (
            (i64::from(window.x) - i64::from(outer.x)) as usize,
            (i64::from(window.y) - i64::from(outer.y)) as usize,
        )
    };
    let (ax, ay) = offset(window_a);
    let (bx, by) = offset(window_b);
    let width = window.width;
    let total = (0..window.height)
        .into_par_iter()
        .fold(
            || Partial::EMPTY,
            |mut acc, row| {
                let start_a = (ay + row) * window_a.width + ax;
                let start_b = (by + row) * window_b.width + bx;
                let (Some(row_a), Some(row_b)) = (
                    a.get(start_a..start_a + width),
                    b.get(start_b..start_b + width),
                ) else {
                    return acc;
                };
                let y = i64::from(window.y) + row as i64;
                for (column, (&va, &vb)) in row_a.iter().zip(row_b).enumerate() {
                    let (x, z) = (va.wide(), vb.wide());
                    acc.pixels += 1;
                    let differs = if same_type {
                        va.bits() != vb.bits()
                    } else {
                        !(x == z || (x.is_nan() && z.is_nan()))
                    };
                    acc.differing += u64::from(differs);
                    let valid_a =
                        x.is_finite() && !(A::CAN_BE_BACKGROUND && x >= SENTINEL_THRESHOLD);
                    let valid_b =
                        z.is_finite() && !(B::CAN_BE_BACKGROUND && z >= SENTINEL_THRESHOLD);
                    if valid_a != valid_b {
                        acc.mismatch += 1;
                    }
                    if !(valid_a && valid_b) {
                        continue;
                    }
                    acc.valid += 1;
                    let d = (x - z).abs();
                    if d > acc.max_abs {
                        acc.max_abs = d;
                        acc.max_abs_at = Some((i64::from(window.x) + column as i64, y));
                    }
                    acc.abs_sum.add(d);
                    acc.square_sum.add(d * d);
                    let rel = d / z.abs().max(REL_FLOOR);
                    acc.max_rel = acc.max_rel.max(rel);
                    acc.rel_sum.add(rel);
                }
                acc
            },
        )
        .collect::<Vec<_>>()
        .into_iter()
        .fold(Partial::EMPTY, Partial::merge);
    let valid = total.valid;
    let per_valid = |sum: f64| (valid > 0).then(|| sum / valid as f64);
    let mse = per_valid(total.square_sum.value());
    DiffMetrics {
        pixels: total.pixels,
        valid,
        max_abs: total.max_abs,
        max_abs_at: total.max_abs_at,
        mean_abs: per_valid(total.abs_sum.to_f64()),
        rmse: mse.map(f64::sqrt),
        mean_rel: per_valid(total.rel_sum.value()),
        max_rel: total.max_rel,
        psnr: mse.filter(|&mse| mse > 0.0).map(|mse| -10.0 * mse.log10()),
        differing: total.differing,
        mismatch_nonfinite: total.mismatch,
    }
}

#[cfg(test)]
mod tests;
