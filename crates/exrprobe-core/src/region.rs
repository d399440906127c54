//! Statistics over a rectangle of pixels: what the viewer's region panel shows ("what is the
//! depth range of this object?"), and the NumPy slice and cropped channel that reproduce the
//! same selection in Python.
//!
//! A region is in absolute EXR pixel coordinates, half-open (`x0..x1`, `y0..y1`), so that it
//! stays put while the user steps through frames whose data windows differ; it is clipped to
//! each part's data window when used. Statistics follow the rest of exrprobe: min, max, mean,
//! median and standard deviation over the *real* samples (finite and, for half and float, below
//! the 1e9 background threshold), with NaN, ±Inf and background counted apart. The mean is
//! exact (the fixed-point sum of [`crate::stats`]); the median is NumPy's (the mean of the two
//! middle values for an even count); the standard deviation is the population one (NumPy's
//! default `ddof=0`), from a second pass about the mean.

use rayon::prelude::*;
use serde::Serialize;

use crate::model::{Channel, Image, SampleType, Samples, Window};
use crate::stats::{ExactSum, SENTINEL_THRESHOLD};
use crate::text;

/// A rectangle of absolute pixels, `x0..x1` × `y0..y1` (half-open).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Region {
    pub x0: i64,
    pub y0: i64,
    pub x1: i64,
    pub y1: i64,
}

impl Region {
    /// The region spanned by two corner pixels, both included (a drag from one pixel to
    /// another, in either direction).
    pub fn from_corners((ax, ay): (i64, i64), (bx, by): (i64, i64)) -> Self {
        Self {
            x0: ax.min(bx),
            y0: ay.min(by),
            x1: ax.max(bx) + 1,
            y1: ay.max(by) + 1,
        }
    }

    pub fn width(&self) -> u64 {
        u64::try_from(self.x1 - self.x0).unwrap_or(0)
    }

    pub fn height(&self) -> u64 {
        u64::try_from(self.y1 - self.y0).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.width() == 0 || self.height() == 0
    }

    /// The part of the region inside `window`, or `None`.
    pub fn clipped_to(&self, window: &Window) -> Option<Region> {
        let wx0 = i64::from(window.x);
        let wy0 = i64::from(window.y);
        let clipped = Region {
            x0: self.x0.max(wx0),
            y0: self.y0.max(wy0),
            x1: self.x1.min(wx0 + window.width as i64),
            y1: self.y1.min(wy0 + window.height as i64),
        };
        (!clipped.is_empty()).then_some(clipped)
    }

    /// `x=10..50 y=20..60 (40 × 40)`.
    pub fn label(&self) -> String {
        format!(
            "x={}..{} y={}..{} ({} × {})",
            self.x0,
            self.x1,
            self.y0,
            self.y1,
            self.width(),
            self.height()
        )
    }

    /// The NumPy slice that selects this region from an array of the channel as `export` and
    /// `exrprobe.read()` write it (rows × columns over the part's data window):
    /// `depth[20:60, 10:50]`. `None` when the region misses the window.
    pub fn numpy_slice(&self, window: &Window, array: &str) -> Option<String> {
        let r = self.clipped_to(window)?;
        let (wx, wy) = (i64::from(window.x), i64::from(window.y));
        Some(format!(
            "{array}[{}:{}, {}:{}]",
            r.y0 - wy,
            r.y1 - wy,
            r.x0 - wx,
            r.x1 - wx
        ))
    }
}

/// One channel's statistics over a region.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegionStats {
    /// The channel's name within its part.
    pub name: String,
    pub sample_type: SampleType,
    /// Samples in the region (fewer than pixels for a subsampled channel).
    pub samples: u64,
    /// Finite samples below the background threshold (all samples of a uint channel).
    pub real: u64,
    pub nan: u64,
    pub pos_inf: u64,
    pub neg_inf: u64,
    pub background: u64,
    /// Over the real samples; `None` when there are none.
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub std: Option<f64>,
    /// The channel is not decoded.
    pub missing: bool,
}

/// The statistics of every channel of `part` over `region` (clipped to the part's data
/// window; `None` when it misses it), channels in parallel.
pub fn region_stats(image: &Image, part: usize, region: &Region) -> Option<Vec<RegionStats>> {
    let p = image.part(part)?;
    let clipped = region.clipped_to(&p.data_window)?;
    Some(
        p.channels
            .par_iter()
            .map(|channel| channel_stats(channel, &p.data_window, &clipped))
            .collect(),
    )
}

/// The rows and columns of `channel`'s samples that cover `region` (inside `window`).
fn sample_ranges(
    channel: &Channel,
    window: &Window,
    region: &Region,
) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    let (sx, sy) = (channel.sampling.0.max(1), channel.sampling.1.max(1));
    let col0 = (region.x0 - i64::from(window.x)) as usize;
    let col1 = (region.x1 - i64::from(window.x)) as usize;
    let row0 = (region.y0 - i64::from(window.y)) as usize;
    let row1 = (region.y1 - i64::from(window.y)) as usize;
    let cols = (col0 / sx)..col1.div_ceil(sx).min(channel.width);
    let rows = (row0 / sy)..row1.div_ceil(sy).min(channel.height);
    (cols, rows)
}

/// The region's samples of `channel`, widened to f64, row by row (exact for every type).
fn region_values(channel: &Channel, window: &Window, region: &Region) -> Option<Vec<f64>> {
    let samples = channel.samples.as_ref()?;
    let (cols, rows) = sample_ranges(channel, window, region);
    let mut values = Vec::with_capacity(cols.len() * rows.len());
    for row in rows {
        let line = row * channel.width;
        let range = line + cols.start..line + cols.end;
        match samples {
            Samples::F16(v) => values.extend(v.get(range)?.iter().map(|s| s.to_f64())),
            Samples::F32(v) => values.extend(v.get(range)?.iter().map(|&s| f64::from(s))),
            Samples::U32(v) => values.extend(v.get(range)?.iter().map(|&s| f64::from(s))),
        }
    }
    Some(values)
}

fn channel_stats(channel: &Channel, window: &Window, region: &Region) -> RegionStats {
    let mut stats = RegionStats {
        name: channel.name.clone(),
        sample_type: channel.sample_type,
        samples: 0,
        real: 0,
        nan: 0,
        pos_inf: 0,
        neg_inf: 0,
        background: 0,
        min: None,
        max: None,
        mean: None,
        median: None,
        std: None,
        missing: false,
    };
    let Some(values) = region_values(channel, window, region) else {
        stats.missing = true;
        return stats;
    };
    let can_be_background = channel.sample_type != SampleType::Uint;
    stats.samples = values.len() as u64;
    let mut real: Vec<f64> = Vec::with_capacity(values.len());
    for v in values {
        if v.is_nan() {
            stats.nan += 1;
        } else if v == f64::INFINITY {
            stats.pos_inf += 1;
        } else if v == f64::NEG_INFINITY {
            stats.neg_inf += 1;
        } else if can_be_background && v >= SENTINEL_THRESHOLD {
            stats.background += 1;
        } else {
            real.push(v);
        }
    }
    stats.real = real.len() as u64;
    if real.is_empty() {
        return stats;
    }
    let n = real.len() as f64;
    let mut sum = ExactSum::ZERO;
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in &real {
        sum.add(v);
        min = min.min(v);
        max = max.max(v);
    }
    let mean = sum.to_f64() / n;
    let squares: f64 = real.iter().map(|v| (v - mean) * (v - mean)).sum();
    stats.min = Some(min);
    stats.max = Some(max);
    stats.mean = Some(mean);
    stats.std = Some((squares / n).sqrt());
    stats.median = Some(median(&mut real));
    stats
}

/// NumPy's median: the middle value, or the mean of the two middle values.
fn median(values: &mut [f64]) -> f64 {
    let n = values.len();
    let (_, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return upper;
    }
    let lower = values
        .get(..n / 2)
        .and_then(|below| below.iter().copied().max_by(f64::total_cmp))
        .unwrap_or(upper);
    lower + (upper - lower) / 2.0
}

/// A copy of `channel` cropped to `region` (inside `window`), for exporting the region as
/// `.npy` (not for subsampled channels: `None`, as for a region that misses the window).
pub fn crop_channel(channel: &Channel, window: &Window, region: &Region) -> Option<Channel> {
    if channel.sampling != (1, 1) {
        return None;
    }
    let region = region.clipped_to(window)?;
    let samples = channel.samples.as_ref()?;
    let (cols, rows) = sample_ranges(channel, window, &region);
    let (width, height) = (cols.len(), rows.len());
    fn crop<T: Copy>(
        v: &[T],
        width: usize,
        cols: &std::ops::Range<usize>,
        rows: std::ops::Range<usize>,
    ) -> Option<Vec<T>> {
        let mut out = Vec::with_capacity(cols.len() * rows.len());
        for row in rows {
            out.extend_from_slice(v.get(row * width + cols.start..row * width + cols.end)?);
        }
        Some(out)
    }
    let cropped = match samples {
        Samples::F16(v) => Samples::F16(crop(v, channel.width, &cols, rows)?),
        Samples::F32(v) => Samples::F32(crop(v, channel.width, &cols, rows)?),
        Samples::U32(v) => Samples::U32(crop(v, channel.width, &cols, rows)?),
    };
    Some(Channel {
        name: channel.name.clone(),
        sample_type: channel.sample_type,
        sampling: (1, 1),
        quantize_linearly: channel.quantize_linearly,
        width,
        height,
        samples: Some(cropped),
    })
}

/// The region panel's table as text (the viewer's "Copy"): the region, then one
/// tab-separated line per channel.
pub fn stats_text(region: &Region, stats: &[RegionStats]) -> String {
    let number = |v: Option<f64>, t: SampleType| {
        v.map_or_else(|| "-".to_owned(), |v| text::format_sample(v, t))
    };
    let mut out = format!(
        "region {}\nchannel\tsamples\tmin\tmax\tmean\tmedian\tstd\tnan\tinf\tbackground\n",
        region.label()
    );
    for s in stats {
        let t = s.sample_type;
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            s.name,
            s.samples,
            number(s.min, t),
            number(s.max, t),
            s.mean.map_or_else(|| "-".to_owned(), text::format_exact),
            number(s.median, t),
            s.std
                .map_or_else(|| "-".to_owned(), |v| text::format_significant(v, 9)),
            s.nan,
            s.pos_inf + s.neg_inf,
            s.background
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Part;

    fn window(x: i32, y: i32, width: usize, height: usize) -> Window {
        Window {
            x,
            y,
            width,
            height,
        }
    }

    fn naive_median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }

    #[test]
    fn statistics_match_a_naive_reference_and_count_the_special_values_apart() {
        // 7 × 5 window at (100, 50); values with NaN, ±Inf and background sprinkled in.
        let w = window(100, 50, 7, 5);
        let values: Vec<f32> = (0..35)
            .map(|i| match i {
                16 => f32::NAN,
                9 => f32::INFINITY,
                10 => f32::NEG_INFINITY,
                11 | 12 => 1e10,
                _ => ((i * 37) % 11) as f32 * 0.25 - 1.0,
            })
            .collect();
        let image = Image {
            source: "t".into(),
            parts: vec![Part::for_test(
                None,
                w,
                vec![Channel::for_test("Z", Samples::F32(values.clone()), 7, 5)],
            )],
        };
        // Columns 1..5, rows 1..4 of the window (absolute x 101..105, y 51..54).
        let region = Region::from_corners((104, 53), (101, 51));
        assert_eq!(
            region,
            Region {
                x0: 101,
                y0: 51,
                x1: 105,
                y1: 54
            }
        );
        let stats = region_stats(&image, 0, &region).unwrap_or_default();
        let s = &stats[0];
        let inside: Vec<f64> = (1..4)
            .flat_map(|row| (1..5).map(move |col| row * 7 + col))
            .map(|i| f64::from(values[i]))
            .collect();
        let real: Vec<f64> = inside
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v < 1e9)
            .collect();
        assert_eq!(s.samples, 12);
        let count = |f: fn(&f64) -> bool| inside.iter().filter(|v| f(v)).count() as u64;
        let expected = (
            count(|v| v.is_nan()),
            count(|v| *v == f64::INFINITY),
            count(|v| *v == f64::NEG_INFINITY),
            count(|v| v.is_finite() && *v >= 1e9),
        );
        assert_eq!(expected, (1, 1, 1, 1), "the fixture has each case");
        assert_eq!((s.nan, s.pos_inf, s.neg_inf, s.background), expected);
        assert_eq!(s.real, real.len() as u64);
        let mean = real.iter().sum::<f64>() / real.len() as f64;
        let std = (real.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / real.len() as f64).sqrt();
        assert_eq!(s.min, real.iter().copied().reduce(f64::min));
        assert_eq!(s.max, real.iter().copied().reduce(f64::max));
        assert_eq!(s.mean, Some(mean));
        assert_eq!(s.median, Some(naive_median(real.clone())));
        assert!((s.std.unwrap_or(f64::NAN) - std).abs() <= 1e-12 * std.max(1.0));
        // The NumPy slice over the data window, and a crop with the same values.
        assert_eq!(
            region.numpy_slice(&w, "depth").as_deref(),
            Some("depth[1:4, 1:5]")
        );
        let cropped = crop_channel(&image.parts[0].channels[0], &w, &region);
        let cropped = cropped.unwrap_or_else(|| panic!("crops"));
        assert_eq!((cropped.width, cropped.height), (4, 3));
        let Some(Samples::F32(c)) = cropped.samples else {
            panic!("float samples")
        };
        let same = c
            .iter()
            .zip(&inside)
            .all(|(a, b)| f64::from(*a).to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
        assert!(same);
    }

    #[test]
    fn regions_clip_to_the_window_and_even_counts_take_the_mean_of_the_middle_pair() {
        let w = window(0, 0, 4, 1);
        let image = Image {
            source: "t".into(),
            parts: vec![Part::for_test(
                None,
                w,
                vec![
                    Channel::for_test("A", Samples::F32(vec![4.0, 1.0, 3.0, 2.0]), 4, 1),
                    Channel::for_test("id", Samples::U32(vec![2_000_000_000, 1, 1, 1]), 4, 1),
                ],
            )],
        };
        let region = Region {
            x0: -5,
            y0: -5,
            x1: 50,
            y1: 50,
        };
        let stats = region_stats(&image, 0, &region).unwrap_or_default();
        assert_eq!(stats[0].median, Some(2.5));
        assert_eq!(stats[0].samples, 4);
        // uint: large values are IDs, not background.
        assert_eq!((stats[1].background, stats[1].max), (0, Some(2e9)));
        assert_eq!(region.numpy_slice(&w, "a").as_deref(), Some("a[0:1, 0:4]"));
        let outside = Region {
            x0: 10,
            y0: 0,
            x1: 12,
            y1: 1,
        };
        assert!(region_stats(&image, 0, &outside).is_none());
        assert!(outside.numpy_slice(&w, "a").is_none());
        let text = stats_text(&region, &stats);
        assert!(
            text.starts_with("region x=-5..50 y=-5..50 (55 × 55)\n"),
            "{text}"
        );
        assert!(text.contains("\nA\t4\t1\t4\t2.5\t2.5\t"), "{text}");
    }
}
