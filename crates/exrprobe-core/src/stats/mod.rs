//! Per-channel statistics and histograms, computed in parallel with rayon.
//!
//! Two levels, so that an image costs only what is shown:
//!
//! - [`channel_stats`]: the *summary* of a channel (counts of finite / NaN / ±Inf / background
//!   samples, min, max, mean, constant), one cheap pass. Every channel gets it (the diagnostics and
//!   the channel list need it). The loader can also build it from the rows as it decodes them
//!   (`RowsSummary`, merged in any grouping), so that reports never hold most channels.
//! - [`distribution`]: the exact *robust range* and the display histogram. Only the channels that
//!   are shown need it (the depth channel, the channel viewed alone); [`crate::Analysis`]
//!   computes it on demand, once per channel.
//!
//! # How the robust range is found (exactly, without sorting)
//!
//! Samples are mapped to an *order key*: a `u32` whose unsigned order equals the numeric order of
//! the values (for floats: flip all bits of negatives, set the sign bit of positives; for uint:
//! the value itself). Percentiles are then found by a two-level radix select:
//!
//! 1. a first pass counts the finite, non-sentinel samples per top 16 bits of their key
//!    (65 536 bins, cache-resident), and the other samples per class;
//! 2. the bin holding each wanted rank is located from the cumulative counts, and a second pass
//!    counts the low 16 bits of the keys that fall into those (at most two) bins, which pins the
//!    exact sample.
//!
//! The result is the exact order statistic (no binning error, no assumption about the
//! distribution, unaffected by outliers such as 1e10 sentinels), in two linear passes and a fixed
//! amount of memory: cheaper than copying and selecting, and exact unlike a fine value histogram.
//! A third pass bins the samples over the range for display. Half channels need only one pass
//! for either level: their 16-bit patterns are counted directly (65 536 possible values), and
//! every statistic is derived exactly from those counts.
//!
//! Cost: the summary reads a float or uint channel once, in branch-free loops over small blocks
//! with one accumulator per SIMD lane (f32 compares, extremes and bit tests in the float domain,
//! where SSE2 has single instructions; no per-sample scatter); float blocks of only real samples
//! (most blocks of most channels) take a shorter loop. The distribution reads it three times (key
//! counts, the refinement of two key bins, the display histogram); its scatter loops count into
//! interleaved copies of each counter, so that runs of equal bins (smooth images) do not
//! serialise on one memory location. A half channel costs one counting pass per level. The
//! measured costs per sample are in the README's benchmark section (`examples/stats_bench.rs`).
//!
//! Layout: `summary.rs` (the one-pass summary, also of rows as the loader decodes them),
//! `distribution.rs` (ranks, the radix select of the robust range), `histogram.rs` (binning over
//! a range), `halves.rs` (everything for half channels from their 65 536 bit patterns).
//!
//! Percentile convention: with `n` sorted values `v[0..n]`, the low end is `v[floor(0.001·(n−1))]`
//! and the high end `v[ceil(0.999·(n−1))]` (nearest rank, rounded outwards), so the range always
//! consists of real sample values.

use half::f16;
use serde::Serialize;

use crate::model::Samples;

mod distribution;
mod exact_sum;
mod halves;
mod histogram;
mod summary;
#[cfg(test)]
mod tests;

use distribution::*;
pub(crate) use exact_sum::ExactSum;
use halves::*;
use histogram::*;
use summary::*;
pub(crate) use summary::{HalfCounter, RowsSummary};

/// Values at or above this are treated as "no hit" background (Cycles writes 1e10).
pub const SENTINEL_THRESHOLD: f64 = 1e9;

/// Summary statistics of one channel (one cheap pass; see [`channel_stats`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelStats {
    /// Number of samples.
    pub count: usize,
    /// Finite samples (including sentinels).
    pub finite: usize,
    /// Minimum / maximum / mean of the finite samples (sentinels included); `None` when none.
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    pub nan: usize,
    pub pos_inf: usize,
    pub neg_inf: usize,
    /// Finite samples ≥ [`SENTINEL_THRESHOLD`]. Always 0 for uint channels, whose large values
    /// are real data (IDs), never Cycles' background marker.
    pub sentinel: usize,
    /// `Some(value)` when every sample is identical (bitwise-equal, NaN included), as f64.
    pub constant: Option<f64>,
}

impl ChannelStats {
    /// Finite samples that are not background sentinels (the ones the robust range describes).
    pub fn real(&self) -> usize {
        self.finite - self.sentinel
    }
}

/// The distribution of one channel's values: what the display needs (see [`distribution`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Distribution {
    /// Display range from percentiles of the finite, non-sentinel samples; `None` when there are
    /// none. `lo == hi` only when all those samples are equal (a constant buffer, or one constant
    /// value besides background / NaN / ±Inf).
    pub robust_range: Option<(f64, f64)>,
    /// Histogram of [`DEFAULT_BINS`] bins over `robust_range` (over `[0, 0]` when there is none),
    /// with every other sample counted separately.
    pub histogram: Histogram,
}

/// A histogram over `[lo, hi]` with every excluded sample counted separately.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Histogram {
    pub lo: f64,
    pub hi: f64,
    /// Counts of equal-width bins over `[lo, hi]` (the last bin includes `hi`). When `lo == hi`
    /// every sample equal to `lo` is counted in the middle bin (`bins.len() / 2`).
    pub bins: Vec<u64>,
    /// Finite, non-sentinel samples below `lo` / above `hi`.
    pub underflow: u64,
    pub overflow: u64,
    pub sentinel: u64,
    pub nan: u64,
    pub pos_inf: u64,
    pub neg_inf: u64,
}

impl Histogram {
    /// Every sample the histogram saw (bins plus all separate counts).
    pub fn total(&self) -> u64 {
        self.bins.iter().sum::<u64>()
            + self.underflow
            + self.overflow
            + self.sentinel
            + self.nan
            + self.pos_inf
            + self.neg_inf
    }

    /// The value range `[start, end]` bin `index` covers.
    pub fn bin_range(&self, index: usize) -> (f64, f64) {
        let n = self.bins.len().max(1) as f64;
        let width = (self.hi - self.lo) / n;
        (
            self.lo + width * index as f64,
            self.lo + width * (index as f64 + 1.0),
        )
    }
}

/// Number of histogram bins [`distribution`] uses.
pub const DEFAULT_BINS: usize = 256;

/// Most bins [`histogram`] makes (larger requests are clamped; memory stays bounded).
pub const MAX_BINS: usize = 1 << 20;

/// Fewest samples per rayon work item.
const MIN_PIECE: usize = 1 << 16;

/// Samples per rayon work item: a few items per thread, so that only a few per-item
/// accumulators (key histograms of 512 KiB) are allocated and merged, while idle threads can still
/// steal work.
fn piece_len(len: usize) -> usize {
    len.div_ceil(4 * rayon::current_num_threads())
        .max(MIN_PIECE)
}
/// Bins of the coarse key histogram (top 16 bits of the order key).
const KEY_BINS: usize = 1 << 16;
/// Lower and upper percentile of the robust range.
const LOW_PERCENTILE: f64 = 0.001;
const HIGH_PERCENTILE: f64 = 0.999;

/// Computes the summary statistics of one channel: one pass (a counting pass for half).
pub fn channel_stats(samples: &Samples) -> ChannelStats {
    match samples {
        Samples::F16(values) => half_stats(values),
        Samples::F32(values) => wide_stats(values),
        Samples::U32(values) => wide_stats(values),
    }
}

/// Computes the exact robust range and the display histogram of one channel: three passes for
/// float and uint channels, one counting pass for half.
pub fn distribution(samples: &Samples) -> Distribution {
    match samples {
        Samples::F16(values) => half_distribution(values),
        Samples::F32(values) => wide_distribution(values),
        Samples::U32(values) => wide_distribution(values),
    }
}

/// Histogram of `samples` over a caller-chosen range (the viewer re-bins for manual ranges).
///
/// `lo > hi` is swapped; a NaN bound takes the other bound's value (both NaN: 0); infinite bounds
/// are clamped to the largest finite f64; `bins` is clamped to `1..=MAX_BINS`.
pub fn histogram(samples: &Samples, lo: f64, hi: f64, bins: usize) -> Histogram {
    let binner = Binner::new(lo, hi, bins);
    match samples {
        Samples::F16(values) => binned::<_, true>(values, &binner),
        Samples::F32(values) => binned::<_, true>(values, &binner),
        Samples::U32(values) => binned::<_, true>(values, &binner),
    }
}

// ---------------------------------------------------------------------------------------------
// Sample types

/// What the statistics need from a native sample type. Everything is `#[inline]` so the passes
/// monomorphise into tight loops over the native buffer (no widening copy).
trait Native: Copy + Send + Sync {
    /// True for types that can hold NaN, ±Inf and background sentinels.
    const FLOAT: bool;
    /// Order keys of -Inf and +Inf (keys outside them are NaN), and the first sentinel key
    /// (at most `KEY_POS_INF`). Only meaningful when `FLOAT`.
    const KEY_NEG_INF: u32;
    const KEY_POS_INF: u32;
    const KEY_SENTINEL: u32;
    fn raw_bits(self) -> u32;
    /// The value whose bits [`Native::raw_bits`] returned, as f64 (NaN stays NaN).
    fn from_raw_bits(bits: u32) -> f64;
    fn to_f64(self) -> f64;
    /// True for +Inf (only meaningful when not finite and not NaN).
    fn is_positive(self) -> bool;
    /// Order key of a finite sample (zero of either sign maps to the key of +0).
    fn order_key(self) -> u32;
    /// The value whose order key is `key`.
    fn from_order_key(key: u32) -> f64;

    /// The summary of a block of samples. `all_real_likely`: the previous block had only
    /// finite, non-sentinel samples (a hint for the fast path of float blocks).
    #[inline]
    fn summarize(block: &[Self], first_bits: u32, all_real_likely: bool) -> Summary {
        let _ = all_real_likely;
        summarize_by_keys(block, first_bits)
    }

    /// Classifies an order key: (finite, finite and not a sentinel).
    #[inline(always)]
    fn key_class(key: u32) -> (bool, bool) {
        if Self::FLOAT {
            // Half has no sentinel key below +Inf (KEY_SENTINEL is u32::MAX), so "real" must
            // require "finite" explicitly, or ±Inf/NaN halves would count as real samples.
            let finite = key_between(key, Self::KEY_NEG_INF, Self::KEY_POS_INF);
            (
                finite,
                key_between(key, Self::KEY_NEG_INF, Self::KEY_SENTINEL),
            )
        } else {
            (true, true)
        }
    }
}

impl Native for f32 {
    const FLOAT: bool = true;
    const KEY_NEG_INF: u32 = !0xff80_0000;
    const KEY_POS_INF: u32 = 0xff80_0000;
    // 1e9 is exactly representable as f32.
    const KEY_SENTINEL: u32 = (SENTINEL_THRESHOLD as f32).to_bits() | 0x8000_0000;

    #[inline]
    fn summarize(block: &[Self], first_bits: u32, all_real_likely: bool) -> Summary {
        summarize_f32(block, first_bits, all_real_likely)
    }

    #[inline]
    fn raw_bits(self) -> u32 {
        self.to_bits()
    }
    fn from_raw_bits(bits: u32) -> f64 {
        f64::from(f32::from_bits(bits))
    }
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline]
    fn is_positive(self) -> bool {
        self > 0.0
    }
    #[inline]
    fn order_key(self) -> u32 {
        let bits = (self + 0.0).to_bits(); // -0 + 0 = +0
        // Negative: flip every bit; positive: set the sign bit (branch-free).
        let negative = ((bits as i32) >> 31) as u32;
        bits ^ (negative | 0x8000_0000)
    }
    fn from_order_key(key: u32) -> f64 {
        let bits = if key & 0x8000_0000 != 0 {
            key & 0x7fff_ffff
        } else {
            !key
        };
        f64::from(f32::from_bits(bits))
    }
}

impl Native for u32 {
    const FLOAT: bool = false;
    const KEY_NEG_INF: u32 = 0;
    const KEY_POS_INF: u32 = u32::MAX;
    const KEY_SENTINEL: u32 = u32::MAX;

    #[inline]
    fn raw_bits(self) -> u32 {
        self
    }
    fn from_raw_bits(bits: u32) -> f64 {
        f64::from(bits)
    }
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline]
    fn is_positive(self) -> bool {
        true
    }
    #[inline]
    fn order_key(self) -> u32 {
        self
    }
    fn from_order_key(key: u32) -> f64 {
        f64::from(key)
    }
}

impl Native for f16 {
    const FLOAT: bool = true;
    const KEY_NEG_INF: u32 = (!0xfc00u32 & 0xffff) << 16;
    const KEY_POS_INF: u32 = 0xfc00 << 16;
    // No half is a sentinel (the largest is 65504): every finite half is real.
    const KEY_SENTINEL: u32 = Self::KEY_POS_INF;

    #[inline]
    fn raw_bits(self) -> u32 {
        u32::from(self.to_bits())
    }
    fn from_raw_bits(bits: u32) -> f64 {
        f64::from(f16::from_bits(bits as u16).to_f32())
    }
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self.to_f32())
    }
    #[inline]
    fn is_positive(self) -> bool {
        self.is_sign_positive()
    }
    #[inline]
    fn order_key(self) -> u32 {
        let bits = if self.to_bits() == 0x8000 {
            0
        } else {
            self.to_bits()
        };
        let key = if bits & 0x8000 != 0 {
            !bits
        } else {
            bits | 0x8000
        };
        u32::from(key) << 16
    }
    fn from_order_key(key: u32) -> f64 {
        let key = (key >> 16) as u16;
        let bits = if key & 0x8000 != 0 {
            key & 0x7fff
        } else {
            !key
        };
        f64::from(f16::from_bits(bits).to_f32())
    }
}

// ---------------------------------------------------------------------------------------------
// Assembly

struct Counts {
    count: u64,
    finite: u64,
    nan: u64,
    pos_inf: u64,
    neg_inf: u64,
    sentinel: u64,
    /// Of the finite samples (sentinels included).
    sum: ExactSum,
    min: f64,
    max: f64,
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn finish(c: Counts, constant: Option<f64>) -> ChannelStats {
    let any_finite = c.finite > 0;
    ChannelStats {
        count: to_usize(c.count),
        finite: to_usize(c.finite),
        min: any_finite.then_some(c.min),
        max: any_finite.then_some(c.max),
        mean: any_finite.then(|| c.sum.to_f64() / c.finite as f64),
        nan: to_usize(c.nan),
        pos_inf: to_usize(c.pos_inf),
        neg_inf: to_usize(c.neg_inf),
        sentinel: to_usize(c.sentinel),
        constant,
    }
}

fn empty_stats() -> ChannelStats {
    ChannelStats {
        count: 0,
        finite: 0,
        min: None,
        max: None,
        mean: None,
        nan: 0,
        pos_inf: 0,
        neg_inf: 0,
        sentinel: 0,
        constant: None,
    }
}
