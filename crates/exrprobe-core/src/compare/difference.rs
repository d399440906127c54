//! Difference pictures: the per-pixel difference of A and B that the viewer's compare mode shows
//! (A − B, |A − B|, relative), laid out on A's channel, with an automatic display range.
//!
//! The per-sample rule is the one the metrics use ([`super`]): a pixel is comparable when both
//! samples are finite and neither is background (≥ 1e9, float and half only). Beyond that, so
//! that a picture reads at a glance:
//! - both sides invalid *in the same way* (both NaN, both +Inf, both −Inf, both background, e.g.
//!   the sky of two renders) is no difference: 0;
//! - exactly one side invalid (or invalid differently) is [`MISMATCH`] (NaN: the viewer paints it
//!   in the NaN colour, so a hole that appeared in one render stands out);
//! - a pixel of A outside B's data window is [`OUTSIDE`] (a background value: the viewer paints
//!   it in the background colour);
//! - relative differences are capped at [`MAX_RELATIVE`] so that a division by a near-zero B
//!   cannot reach the background range.
//!
//! Several channels (a colour layer) are averaged per pixel: the mean of the signed, absolute or
//! relative differences of R, G and B. The display range is the 99th percentile of the
//! magnitudes over the comparable pixels, so one hot pixel does not wash the picture out.

use rayon::prelude::*;

use crate::model::{ChannelRef, Image, Samples, Window};
use crate::stats::SENTINEL_THRESHOLD;

/// Which difference a picture shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum DifferenceKind {
    /// a − b (a diverging colormap centred on 0).
    Signed,
    /// |a − b|.
    Absolute,
    /// |a − b| / max(|b|, 1e-6), as in the metrics' `mean_rel`.
    Relative,
}

impl DifferenceKind {
    pub const ALL: [DifferenceKind; 3] = [
        DifferenceKind::Signed,
        DifferenceKind::Absolute,
        DifferenceKind::Relative,
    ];

    /// How the viewer and the help name it.
    pub fn label(self) -> &'static str {
        match self {
            DifferenceKind::Signed => "A − B",
            DifferenceKind::Absolute => "|A − B|",
            DifferenceKind::Relative => "Relative",
        }
    }
}

/// Value of a pixel where exactly one side is NaN, ±Inf or background.
pub const MISMATCH: f32 = f32::NAN;
/// Value of a pixel of A that B does not cover.
pub const OUTSIDE: f32 = 1e10;
/// Largest relative difference a picture holds.
pub const MAX_RELATIVE: f64 = 1e6;

/// Why a difference picture cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DifferenceError {
    #[error("no channel to compare")]
    NoChannel,
    #[error("channel {0} is not in the file")]
    Missing(String),
    #[error("channel {0} has no decoded pixels")]
    NotDecoded(String),
    #[error(
        "channel {0} is subsampled; compare it with `exrprobe diff`, the views show full-resolution channels only"
    )]
    Subsampled(String),
    #[error("the channels of A differ in size ({0})")]
    SizeMismatch(String),
}

/// A difference picture on A's channel grid.
#[derive(Clone, Debug, PartialEq)]
pub struct DifferencePicture {
    pub width: usize,
    pub height: usize,
    /// Row by row; see the module documentation for [`MISMATCH`] and [`OUTSIDE`].
    pub values: Vec<f32>,
    /// The 99th percentile of |value| over the comparable pixels (0 when none differ or none
    /// are comparable).
    pub typical_magnitude: f64,
}

/// The class of a sample that is not comparable, or `None` for a comparable one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Invalid {
    NaN,
    PosInf,
    NegInf,
    Background,
}

fn invalid(value: f64, can_be_background: bool) -> Option<Invalid> {
    if value.is_nan() {
        Some(Invalid::NaN)
    } else if value == f64::INFINITY {
        Some(Invalid::PosInf)
    } else if value == f64::NEG_INFINITY {
        Some(Invalid::NegInf)
    } else if can_be_background && value >= SENTINEL_THRESHOLD {
        Some(Invalid::Background)
    } else {
        None
    }
}

/// The difference of one pair of samples under the rules of the module documentation
/// (`background`: float/half samples, whose values ≥ 1e9 are background).
pub fn sample_difference(a: f64, b: f64, kind: DifferenceKind, background: (bool, bool)) -> f64 {
    match (invalid(a, background.0), invalid(b, background.1)) {
        (None, None) => match kind {
            DifferenceKind::Signed => a - b,
            DifferenceKind::Absolute => (a - b).abs(),
            DifferenceKind::Relative => ((a - b).abs() / b.abs().max(1e-6)).min(MAX_RELATIVE),
        },
        (Some(x), Some(y)) if x == y => 0.0,
        _ => f64::from(MISMATCH),
    }
}

/// One channel's samples with where they lie.
struct Plane<'a> {
    samples: &'a Samples,
    window: Window,
}

impl Plane<'_> {
    fn value(&self, index: usize) -> f64 {
        match self.samples {
            Samples::F16(v) => v.get(index).map_or(f64::NAN, |s| s.to_f64()),
            Samples::F32(v) => v.get(index).map_or(f64::NAN, |&s| f64::from(s)),
            Samples::U32(v) => v.get(index).map_or(f64::NAN, |&s| f64::from(s)),
        }
    }

    fn background(&self) -> bool {
        !matches!(self.samples, Samples::U32(_))
    }
}

fn plane<'a>(image: &'a Image, channel: ChannelRef) -> Result<Plane<'a>, DifferenceError> {
    let name = || {
        image
            .qualified_name(channel)
            .unwrap_or_else(|| format!("#{}", channel.channel))
    };
    let (Some(part), Some(ch)) = (image.part(channel.part), image.channel(channel)) else {
        return Err(DifferenceError::Missing(name()));
    };
    if ch.sampling != (1, 1) {
        return Err(DifferenceError::Subsampled(name()));
    }
    let samples = ch
        .samples
        .as_ref()
        .filter(|s| s.len() == ch.width * ch.height)
        .ok_or_else(|| DifferenceError::NotDecoded(name()))?;
    Ok(Plane {
        samples,
        window: part.data_window,
    })
}

/// The difference picture of A's `channels_a` against B's `channels_b` (paired in order), on
/// A's grid, in parallel by rows.
pub fn difference_picture(
    a: &Image,
    channels_a: &[ChannelRef],
    b: &Image,
    channels_b: &[ChannelRef],
    kind: DifferenceKind,
) -> Result<DifferencePicture, DifferenceError> {
    if channels_a.is_empty() || channels_a.len() != channels_b.len() {
        return Err(DifferenceError::NoChannel);
    }
    let planes_a = channels_a
        .iter()
        .map(|&c| plane(a, c))
        .collect::<Result<Vec<_>, _>>()?;
    let planes_b = channels_b
        .iter()
        .map(|&c| plane(b, c))
        .collect::<Result<Vec<_>, _>>()?;
    let grid = planes_a[0].window;
    if planes_a.iter().any(|p| p.window != grid) {
        return Err(DifferenceError::SizeMismatch(
            channels_a
                .iter()
                .filter_map(|&c| a.qualified_name(c))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    let (width, height) = (grid.width, grid.height);
    let count = planes_a.len() as f64;
    let mut values = vec![0f32; width * height];
    values
        .par_chunks_mut(width.max(1))
        .enumerate()
        .for_each(|(row, out)| {
            let y = i64::from(grid.y) + row as i64;
            for (col, value) in out.iter_mut().enumerate() {
                let x = i64::from(grid.x) + col as i64;
                let mut sum = 0.0;
                for (pa, pb) in planes_a.iter().zip(&planes_b) {
                    let Some(index_b) = index_in(&pb.window, x, y) else {
                        sum = f64::from(OUTSIDE);
                        break;
                    };
                    let d = sample_difference(
                        pa.value(row * width + col),
                        pb.value(index_b),
                        kind,
                        (pa.background(), pb.background()),
                    );
                    sum += d;
                }
                *value = if sum >= f64::from(OUTSIDE) {
                    OUTSIDE
                } else {
                    (sum / count) as f32
                };
            }
        });
    let typical_magnitude = percentile_99(&values);
    Ok(DifferencePicture {
        width,
        height,
        values,
        typical_magnitude,
    })
}

/// The difference picture's value at absolute pixel (x, y) of A (`None` outside A's channels):
/// the viewer colours the value text of a zoomed-in pixel with it.
pub fn difference_at(
    a: &Image,
    channels_a: &[ChannelRef],
    b: &Image,
    channels_b: &[ChannelRef],
    kind: DifferenceKind,
    x: i64,
    y: i64,
) -> Option<f64> {
    if channels_a.is_empty() || channels_a.len() != channels_b.len() {
        return None;
    }
    let mut sum = 0.0;
    for (&ca, &cb) in channels_a.iter().zip(channels_b) {
        let (pa, pb) = (plane(a, ca).ok()?, plane(b, cb).ok()?);
        let index_a = index_in(&pa.window, x, y)?;
        let Some(index_b) = index_in(&pb.window, x, y) else {
            return Some(f64::from(OUTSIDE));
        };
        sum += sample_difference(
            pa.value(index_a),
            pb.value(index_b),
            kind,
            (pa.background(), pb.background()),
        );
    }
    Some(f64::from((sum / channels_a.len() as f64) as f32))
}

/// Index of absolute pixel (x, y) in a channel covering `window`.
fn index_in(window: &Window, x: i64, y: i64) -> Option<usize> {
    if !window.contains(x, y) {
        return None;
    }
    let col = usize::try_from(x - i64::from(window.x)).ok()?;
    let row = usize::try_from(y - i64::from(window.y)).ok()?;
    Some(row * window.width + col)
}

/// The 99th percentile (nearest rank) of |v| over the finite values below the background
/// threshold; 0 when there are none.
fn percentile_99(values: &[f32]) -> f64 {
    let mut magnitudes: Vec<f32> = values
        .par_iter()
        .filter(|v| v.is_finite() && f64::from(v.abs()) < SENTINEL_THRESHOLD)
        .map(|v| v.abs())
        .collect();
    if magnitudes.is_empty() {
        return 0.0;
    }
    let rank = ((magnitudes.len() as f64 * 0.99).ceil() as usize).clamp(1, magnitudes.len()) - 1;
    let (_, nth, _) = magnitudes.select_nth_unstable_by(rank, f32::total_cmp);
    f64::from(*nth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel, Part};

    fn image(window: Window, channels: Vec<(&str, Samples)>) -> Image {
        let channels = channels
            .into_iter()
            .map(|(name, samples)| Channel::for_test(name, samples, window.width, window.height))
            .collect();
        Image {
            source: "test".into(),
            parts: vec![Part::for_test(None, window, channels)],
        }
    }

    fn window(x: i32, y: i32, width: usize, height: usize) -> Window {
        Window {
            x,
            y,
            width,
            height,
        }
    }

    fn r(index: usize) -> ChannelRef {
        ChannelRef {
            part: 0,
            channel: index,
        }
    }

    #[test]
    fn signed_absolute_and_relative_pixels_follow_the_metric_rules() {
        let nan = f32::NAN;
        let a = image(
            window(0, 0, 6, 1),
            vec![(
                "Z",
                Samples::F32(vec![2.0, 1e10, nan, 5.0, f32::INFINITY, 0.5]),
            )],
        );
        let b = image(
            window(0, 0, 6, 1),
            vec![(
                "Z",
                Samples::F32(vec![1.5, 1e10, 3.0, nan, f32::INFINITY, 0.0]),
            )],
        );
        let signed = difference_picture(&a, &[r(0)], &b, &[r(0)], DifferenceKind::Signed);
        let signed = signed.unwrap_or_else(|e| panic!("{e}"));
        let v = &signed.values;
        assert_eq!(v[0], 0.5);
        assert_eq!(v[1], 0.0, "background in both is no difference");
        assert!(v[2].is_nan() && v[3].is_nan(), "one side NaN is a mismatch");
        assert_eq!(v[4], 0.0, "+Inf in both is no difference");
        assert_eq!(v[5], 0.5);
        let rel = difference_picture(&a, &[r(0)], &b, &[r(0)], DifferenceKind::Relative);
        let rel = rel.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rel.values[0], (0.5f64 / 1.5) as f32);
        assert_eq!(f64::from(rel.values[5]), 0.5 / 1e-6);
    }

    #[test]
    fn pixels_are_paired_by_absolute_coordinates_and_outside_b_is_marked() {
        // A covers x 0..4, B covers x 2..6 with values equal to A's where they overlap + 1.
        let a = image(
            window(0, 0, 4, 1),
            vec![(
                "Y",
                Samples::F16([1.0, 2.0, 3.0, 4.0].map(crate::f16::from_f32).to_vec()),
            )],
        );
        let b = image(
            window(2, 0, 4, 1),
            vec![("Y", Samples::F32(vec![2.0, 3.0, 9.0, 9.0]))],
        );
        let p = difference_picture(&a, &[r(0)], &b, &[r(0)], DifferenceKind::Absolute);
        let p = p.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.values, vec![OUTSIDE, OUTSIDE, 1.0, 1.0]);
        assert_eq!(p.typical_magnitude, 1.0);
    }

    #[test]
    fn colour_layers_average_their_channels_and_the_range_ignores_one_hot_pixel() {
        let n = 200;
        let a_r: Vec<f32> = (0..n).map(|i| i as f32 * 0.01).collect();
        let mut b_r = a_r.clone();
        b_r[7] += 1000.0; // one hot pixel
        let a = image(
            window(0, 0, n, 1),
            vec![
                ("R", Samples::F32(a_r.clone())),
                ("G", Samples::F32(vec![1.0; n])),
            ],
        );
        let b = image(
            window(0, 0, n, 1),
            vec![("R", Samples::F32(b_r)), ("G", Samples::F32(vec![0.5; n]))],
        );
        let p = difference_picture(&a, &[r(0), r(1)], &b, &[r(0), r(1)], DifferenceKind::Signed);
        let p = p.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.values[0], 0.25);
        assert_eq!(p.values[7], ((0.0 - 1000.0 + 0.5) / 2.0) as f32);
        // 99 % of the pixels differ by 0.25: the range is 0.25, not 500.
        assert_eq!(p.typical_magnitude, 0.25);
        // The single-pixel lookup agrees with the picture everywhere.
        for (x, &v) in p.values.iter().enumerate() {
            let one = difference_at(
                &a,
                &[r(0), r(1)],
                &b,
                &[r(0), r(1)],
                DifferenceKind::Signed,
                x as i64,
                0,
            );
            assert_eq!(one, Some(f64::from(v)));
        }
        assert_eq!(
            difference_at(&a, &[r(0)], &b, &[r(0)], DifferenceKind::Signed, 0, 1),
            None
        );
        // An identical pair: all zeros, range 0.
        let same = difference_picture(&a, &[r(0)], &a, &[r(0)], DifferenceKind::Signed);
        let same = same.unwrap_or_else(|e| panic!("{e}"));
        assert!(same.values.iter().all(|&v| v == 0.0));
        assert_eq!(same.typical_magnitude, 0.0);
    }

    #[test]
    fn uint_channels_have_no_background_and_errors_name_the_channel() {
        let a = image(
            window(0, 0, 2, 1),
            vec![("id", Samples::U32(vec![2_000_000_000, 5]))],
        );
        let b = image(
            window(0, 0, 2, 1),
            vec![("id", Samples::U32(vec![1_999_999_999, 5]))],
        );
        let p = difference_picture(&a, &[r(0)], &b, &[r(0)], DifferenceKind::Signed);
        let p = p.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.values, vec![1.0, 0.0]);
        let missing = difference_picture(&a, &[r(3)], &b, &[r(0)], DifferenceKind::Signed);
        assert!(matches!(missing, Err(DifferenceError::Missing(_))));
    }
}
