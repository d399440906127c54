//! Per-channel statistics and histograms, computed in parallel with rayon.
//!
//! # How the robust range is found (exactly, without sorting)
//!
//! Samples are mapped to an *order key*: a `u32` whose unsigned order equals the numeric order of
//! the values (for floats: flip all bits of negatives, set the sign bit of positives; for uint:
//! the value itself). Percentiles are then found by a two-level radix select:
//!
//! 1. the first pass (which also computes min / max / mean / counts) counts the finite,
//!    non-sentinel samples per top 16 bits of their key (65 536 bins, cache-resident);
//! 2. the bin holding each wanted rank is located from the cumulative counts, and a second pass
//!    counts the low 16 bits of the keys that fall into those (at most two) bins, which pins the
//!    exact sample.
//!
//! The result is the exact order statistic (no binning error, no assumption about the
//! distribution, unaffected by outliers such as 1e10 sentinels), in two linear passes and a fixed
//! amount of memory: cheaper than copying and selecting, and exact unlike a fine value histogram.
//! Half channels need only one pass: their 16-bit patterns are counted directly (65 536 possible
//! values), and every statistic is derived exactly from those counts.
//!
//! Percentile convention: with `n` sorted values `v[0..n]`, the low end is `v[floor(0.001·(n−1))]`
//! and the high end `v[ceil(0.999·(n−1))]` (nearest rank, rounded outwards), so the range always
//! consists of real sample values.

use half::f16;
use rayon::prelude::*;
use serde::Serialize;

use crate::model::Samples;

/// Values at or above this are treated as "no hit" background (Cycles writes 1e10).
pub const SENTINEL_THRESHOLD: f64 = 1e9;

/// Statistics of one channel.
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
    /// Display range from percentiles of the finite, non-sentinel samples; `None` when there are
    /// none. `lo == hi` only for a constant buffer.
    pub robust_range: Option<(f64, f64)>,
    /// Histogram over `robust_range`.
    pub histogram: Histogram,
}

impl ChannelStats {
    /// Finite samples that are not background sentinels (the ones the robust range describes).
    pub fn real(&self) -> usize {
        self.finite - self.sentinel
    }
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

/// Number of histogram bins [`channel_stats`] uses.
pub const DEFAULT_BINS: usize = 256;

/// Samples per rayon work item: big enough to amortise scheduling, small enough to balance.
const CHUNK: usize = 1 << 16;
/// Bins of the coarse key histogram (top 16 bits of the order key).
const KEY_BINS: usize = 1 << 16;
/// Lower and upper percentile of the robust range.
const LOW_PERCENTILE: f64 = 0.001;
const HIGH_PERCENTILE: f64 = 0.999;

/// Computes the statistics of one channel.
pub fn channel_stats(samples: &Samples) -> ChannelStats {
    match samples {
        Samples::F16(values) => half_stats(values),
        Samples::F32(values) => wide_stats(values),
        Samples::U32(values) => wide_stats(values),
    }
}

/// Histogram of `samples` over a caller-chosen range (the viewer re-bins for manual ranges).
///
/// `lo > hi` is swapped; a NaN bound takes the other bound's value (both NaN: 0); infinite bounds
/// are clamped to the largest finite f64; `bins == 0` is treated as 1.
pub fn histogram(samples: &Samples, lo: f64, hi: f64, bins: usize) -> Histogram {
    let binner = Binner::new(lo, hi, bins);
    match samples {
        Samples::F16(values) => binned(values, &binner),
        Samples::F32(values) => binned(values, &binner),
        Samples::U32(values) => binned(values, &binner),
    }
}

// ---------------------------------------------------------------------------------------------
// Sample types

/// What the statistics need from a native sample type. Everything is `#[inline]` so the passes
/// monomorphise into tight loops over the native buffer (no widening copy).
trait Native: Copy + Send + Sync {
    /// True for types that can hold NaN, ±Inf and background sentinels.
    const FLOAT: bool;
    fn raw_bits(self) -> u32;
    fn to_f64(self) -> f64;
    fn is_nan(self) -> bool;
    fn is_finite(self) -> bool;
    /// True for +Inf (only meaningful when not finite and not NaN).
    fn is_positive(self) -> bool;
    /// True for finite samples at or above [`SENTINEL_THRESHOLD`].
    fn is_sentinel(self) -> bool;
    /// Order key of a finite sample (zero of either sign maps to the key of +0).
    fn order_key(self) -> u32;
    /// The value whose order key is `key`.
    fn from_order_key(key: u32) -> f64;
}

impl Native for f32 {
    const FLOAT: bool = true;

    #[inline]
    fn raw_bits(self) -> u32 {
        self.to_bits()
    }
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline]
    fn is_nan(self) -> bool {
        f32::is_nan(self)
    }
    #[inline]
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
    #[inline]
    fn is_positive(self) -> bool {
        self > 0.0
    }
    #[inline]
    fn is_sentinel(self) -> bool {
        // 1e9 is exactly representable as f32, so this equals the f64 comparison.
        self >= SENTINEL_THRESHOLD as f32
    }
    #[inline]
    fn order_key(self) -> u32 {
        let bits = (self + 0.0).to_bits(); // -0 + 0 = +0
        if bits & 0x8000_0000 != 0 {
            !bits
        } else {
            bits | 0x8000_0000
        }
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

    #[inline]
    fn raw_bits(self) -> u32 {
        self
    }
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline]
    fn is_nan(self) -> bool {
        false
    }
    #[inline]
    fn is_finite(self) -> bool {
        true
    }
    #[inline]
    fn is_positive(self) -> bool {
        true
    }
    #[inline]
    fn is_sentinel(self) -> bool {
        false
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

    #[inline]
    fn raw_bits(self) -> u32 {
        u32::from(self.to_bits())
    }
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self.to_f32())
    }
    #[inline]
    fn is_nan(self) -> bool {
        f16::is_nan(self)
    }
    #[inline]
    fn is_finite(self) -> bool {
        f16::is_finite(self)
    }
    #[inline]
    fn is_positive(self) -> bool {
        self.is_sign_positive()
    }
    #[inline]
    fn is_sentinel(self) -> bool {
        false // the largest half is 65504
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
// Histogram binning

/// Maps finite values to bins of `[lo, hi]`.
#[derive(Clone, Copy, Debug)]
struct Binner {
    lo: f64,
    hi: f64,
    bins: usize,
    /// bins / (hi − lo); 0 when `lo == hi`.
    scale: f64,
}

/// Where a finite, non-sentinel value falls.
enum Slot {
    Under,
    Over,
    Bin(usize),
}

impl Binner {
    fn new(lo: f64, hi: f64, bins: usize) -> Self {
        let (lo, hi) = match (lo.is_nan(), hi.is_nan()) {
            (true, true) => (0.0, 0.0),
            (true, false) => (hi, hi),
            (false, true) => (lo, lo),
            (false, false) => (lo, hi),
        };
        let clamp = |v: f64| v.clamp(f64::MIN, f64::MAX);
        let (lo, hi) = (clamp(lo.min(hi)), clamp(lo.max(hi)));
        let bins = bins.max(1);
        let width = hi - lo; // may be +Inf for the widest ranges; then everything lands in bin 0
        let scale = if width > 0.0 {
            bins as f64 / width
        } else {
            0.0
        };
        Self {
            lo,
            hi,
            bins,
            scale,
        }
    }

    #[inline]
    fn slot(&self, value: f64) -> Slot {
        if value < self.lo {
            Slot::Under
        } else if value > self.hi {
            Slot::Over
        } else if self.scale == 0.0 {
            if self.lo == self.hi {
                Slot::Bin(self.bins / 2)
            } else {
                Slot::Bin(0)
            }
        } else {
            // `as usize` saturates; the last bin includes `hi`.
            Slot::Bin((((value - self.lo) * self.scale) as usize).min(self.bins - 1))
        }
    }

    fn empty(&self) -> Histogram {
        Histogram {
            lo: self.lo,
            hi: self.hi,
            bins: vec![0; self.bins],
            underflow: 0,
            overflow: 0,
            sentinel: 0,
            nan: 0,
            pos_inf: 0,
            neg_inf: 0,
        }
    }

    /// Adds `count` samples of `value` (whose class the caller knows).
    #[inline]
    fn add_finite(&self, histogram: &mut Histogram, value: f64, count: u64) {
        match self.slot(value) {
            Slot::Under => histogram.underflow += count,
            Slot::Over => histogram.overflow += count,
            Slot::Bin(index) => {
                if let Some(bin) = histogram.bins.get_mut(index) {
                    *bin += count;
                }
            }
        }
    }
}

fn merge_histograms(mut a: Histogram, b: Histogram) -> Histogram {
    for (x, y) in a.bins.iter_mut().zip(&b.bins) {
        *x += y;
    }
    a.underflow += b.underflow;
    a.overflow += b.overflow;
    a.sentinel += b.sentinel;
    a.nan += b.nan;
    a.pos_inf += b.pos_inf;
    a.neg_inf += b.neg_inf;
    a
}

/// One parallel pass binning native samples.
fn binned<T: Native>(values: &[T], binner: &Binner) -> Histogram {
    values
        .par_chunks(CHUNK)
        .fold(
            || binner.empty(),
            |mut histogram, chunk| {
                for &v in chunk {
                    if v.is_finite() {
                        if v.is_sentinel() {
                            histogram.sentinel += 1;
                        } else {
                            binner.add_finite(&mut histogram, v.to_f64(), 1);
                        }
                    } else if v.is_nan() {
                        histogram.nan += 1;
                    } else if v.is_positive() {
                        histogram.pos_inf += 1;
                    } else {
                        histogram.neg_inf += 1;
                    }
                }
                histogram
            },
        )
        .reduce(|| binner.empty(), merge_histograms)
}

// ---------------------------------------------------------------------------------------------
// Ranks and ranges

/// The ranks (0-based, in sorted order) of the robust range's ends among `n` values.
fn percentile_ranks(n: u64) -> (u64, u64) {
    let last = n.saturating_sub(1) as f64;
    let lo = (LOW_PERCENTILE * last).floor() as u64;
    let hi = ((HIGH_PERCENTILE * last).ceil() as u64).min(n.saturating_sub(1));
    (lo, hi)
}

/// The index of the bin holding the sample of `rank` and the count of samples in earlier bins.
fn locate_rank(counts: &[u64], rank: u64) -> Option<(usize, u64)> {
    let mut before = 0u64;
    for (index, &count) in counts.iter().enumerate() {
        if rank < before + count {
            return Some((index, before));
        }
        before += count;
    }
    None
}

/// The robust range from the two percentile values and the real (non-sentinel) min/max.
fn robust_range(percentiles: (f64, f64), real_min: f64, real_max: f64) -> (f64, f64) {
    let (lo, hi) = percentiles;
    if lo >= hi && real_min < real_max {
        (real_min, real_max)
    } else {
        (lo, hi)
    }
}

// ---------------------------------------------------------------------------------------------
// float / uint: radix-select path

/// What the first pass over a chunk of a float or uint channel gathers.
struct Pass1 {
    count: u64,
    finite: u64,
    nan: u64,
    pos_inf: u64,
    neg_inf: u64,
    sentinel: u64,
    sum: f64,
    min: f64,
    max: f64,
    /// Min/max of the finite non-sentinel samples.
    real_min: f64,
    real_max: f64,
    /// Every sample so far has the bits of the first sample.
    uniform: bool,
    /// Finite non-sentinel samples per top 16 bits of the order key.
    keys: Vec<u64>,
}

impl Pass1 {
    fn new() -> Self {
        Self {
            count: 0,
            finite: 0,
            nan: 0,
            pos_inf: 0,
            neg_inf: 0,
            sentinel: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            real_min: f64::INFINITY,
            real_max: f64::NEG_INFINITY,
            uniform: true,
            keys: vec![0; KEY_BINS],
        }
    }

    fn merge(mut self, other: Self) -> Self {
        self.count += other.count;
        self.finite += other.finite;
        self.nan += other.nan;
        self.pos_inf += other.pos_inf;
        self.neg_inf += other.neg_inf;
        self.sentinel += other.sentinel;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.real_min = self.real_min.min(other.real_min);
        self.real_max = self.real_max.max(other.real_max);
        self.uniform &= other.uniform;
        for (a, b) in self.keys.iter_mut().zip(&other.keys) {
            *a += b;
        }
        self
    }
}

fn pass1_chunk<T: Native>(mut acc: Pass1, chunk: &[T], first_bits: u32) -> Pass1 {
    // Chunk-local accumulators in the native type keep the inner loop free of f64 min/max.
    let mut sum = 0.0f64;
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut real_min, mut real_max) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut uniform = true;
    let (mut finite, mut nan, mut pos_inf, mut neg_inf, mut sentinel) = (0u64, 0, 0, 0, 0);
    for &v in chunk {
        uniform &= v.raw_bits() == first_bits;
        if v.is_finite() {
            finite += 1;
            let x = v.to_f64();
            sum += x;
            min = min.min(x);
            max = max.max(x);
            if T::FLOAT && v.is_sentinel() {
                sentinel += 1;
            } else {
                real_min = real_min.min(x);
                real_max = real_max.max(x);
                if let Some(slot) = acc.keys.get_mut((v.order_key() >> 16) as usize) {
                    *slot += 1;
                }
            }
        } else if v.is_nan() {
            nan += 1;
        } else if v.is_positive() {
            pos_inf += 1;
        } else {
            neg_inf += 1;
        }
    }
    acc.count += chunk.len() as u64;
    acc.finite += finite;
    acc.nan += nan;
    acc.pos_inf += pos_inf;
    acc.neg_inf += neg_inf;
    acc.sentinel += sentinel;
    acc.sum += sum;
    acc.min = acc.min.min(min);
    acc.max = acc.max.max(max);
    acc.real_min = acc.real_min.min(real_min);
    acc.real_max = acc.real_max.max(real_max);
    acc.uniform &= uniform;
    acc
}

/// Counts the low 16 key bits of finite non-sentinel samples whose top 16 bits are `top_lo` /
/// `top_hi` (the bins holding the wanted ranks).
fn refine<T: Native>(values: &[T], top_lo: u32, top_hi: u32) -> (Vec<u64>, Vec<u64>) {
    let empty = || (vec![0u64; KEY_BINS], vec![0u64; KEY_BINS]);
    values
        .par_chunks(CHUNK)
        .fold(empty, |(mut low, mut high), chunk| {
            for &v in chunk {
                if !v.is_finite() || (T::FLOAT && v.is_sentinel()) {
                    continue;
                }
                let key = v.order_key();
                let top = key >> 16;
                let bottom = (key & 0xffff) as usize;
                if top == top_lo
                    && let Some(slot) = low.get_mut(bottom)
                {
                    *slot += 1;
                }
                if top == top_hi
                    && let Some(slot) = high.get_mut(bottom)
                {
                    *slot += 1;
                }
            }
            (low, high)
        })
        .reduce(empty, |(mut a_lo, mut a_hi), (b_lo, b_hi)| {
            for (x, y) in a_lo.iter_mut().zip(&b_lo) {
                *x += y;
            }
            for (x, y) in a_hi.iter_mut().zip(&b_hi) {
                *x += y;
            }
            (a_lo, a_hi)
        })
}

/// Exact values of the two robust-range ranks among the finite non-sentinel samples.
fn select_percentiles<T: Native>(values: &[T], keys: &[u64], real: u64) -> Option<(f64, f64)> {
    let (rank_lo, rank_hi) = percentile_ranks(real);
    let (top_lo, before_lo) = locate_rank(keys, rank_lo)?;
    let (top_hi, before_hi) = locate_rank(keys, rank_hi)?;
    let (top_lo, top_hi) = (top_lo as u32, top_hi as u32);
    let (low, high) = refine(values, top_lo, top_hi);
    let (bottom_lo, _) = locate_rank(&low, rank_lo - before_lo)?;
    let (bottom_hi, _) = locate_rank(&high, rank_hi - before_hi)?;
    Some((
        T::from_order_key((top_lo << 16) | bottom_lo as u32),
        T::from_order_key((top_hi << 16) | bottom_hi as u32),
    ))
}

fn wide_stats<T: Native>(values: &[T]) -> ChannelStats {
    let Some(first) = values.first() else {
        return empty_stats();
    };
    let first_bits = first.raw_bits();
    let p = values
        .par_chunks(CHUNK)
        .fold(Pass1::new, |acc, chunk| pass1_chunk(acc, chunk, first_bits))
        .reduce(Pass1::new, Pass1::merge);
    let real = p.finite - p.sentinel;
    let robust = if real == 0 {
        None
    } else if p.real_min == p.real_max {
        Some((p.real_min, p.real_max))
    } else {
        select_percentiles(values, &p.keys, real)
            .map(|percentiles| robust_range(percentiles, p.real_min, p.real_max))
    };
    let histogram = match robust {
        Some((lo, hi)) => binned(values, &Binner::new(lo, hi, DEFAULT_BINS)),
        None => {
            let mut h = Binner::new(0.0, 0.0, DEFAULT_BINS).empty();
            h.sentinel = p.sentinel;
            h.nan = p.nan;
            h.pos_inf = p.pos_inf;
            h.neg_inf = p.neg_inf;
            h
        }
    };
    let constant = p.uniform.then(|| first.to_f64());
    finish(
        Counts {
            count: p.count,
            finite: p.finite,
            nan: p.nan,
            pos_inf: p.pos_inf,
            neg_inf: p.neg_inf,
            sentinel: p.sentinel,
            sum: p.sum,
            min: p.min,
            max: p.max,
        },
        constant,
        robust,
        histogram,
    )
}

// ---------------------------------------------------------------------------------------------
// half: one counting pass over the bit patterns

fn half_stats(values: &[f16]) -> ChannelStats {
    if values.is_empty() {
        return empty_stats();
    }
    let counts = values
        .par_chunks(CHUNK)
        .fold(
            || vec![0u64; KEY_BINS],
            |mut counts, chunk| {
                for v in chunk {
                    if let Some(slot) = counts.get_mut(usize::from(v.to_bits())) {
                        *slot += 1;
                    }
                }
                counts
            },
        )
        .reduce(
            || vec![0u64; KEY_BINS],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(&b) {
                    *x += y;
                }
                a
            },
        );

    let mut c = Counts {
        count: values.len() as u64,
        finite: 0,
        nan: 0,
        pos_inf: 0,
        neg_inf: 0,
        sentinel: 0,
        sum: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };
    // Finite values as (order key >> 16, count), to walk them in ascending order.
    let mut by_key = vec![0u64; KEY_BINS];
    let mut distinct_patterns = 0usize;
    for (bits, &count) in counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        distinct_patterns += 1;
        let v = f16::from_bits(bits as u16);
        if v.is_finite() {
            let x = v.to_f64();
            c.finite += count;
            c.sum += x * count as f64;
            c.min = c.min.min(x);
            c.max = c.max.max(x);
            if let Some(slot) = by_key.get_mut((v.order_key() >> 16) as usize) {
                *slot += count;
            }
        } else if v.is_nan() {
            c.nan += count;
        } else if v.is_positive() {
            c.pos_inf += count;
        } else {
            c.neg_inf += count;
        }
    }
    let constant = (distinct_patterns == 1).then(|| values.first().map(|v| v.to_f64()));
    let real = c.finite; // halves are never sentinels
    let robust = if real == 0 {
        None
    } else {
        let (rank_lo, rank_hi) = percentile_ranks(real);
        let value_of = |rank| {
            locate_rank(&by_key, rank).map(|(key, _)| f16::from_order_key((key as u32) << 16))
        };
        match (value_of(rank_lo), value_of(rank_hi)) {
            (Some(lo), Some(hi)) => Some(robust_range((lo, hi), c.min, c.max)),
            _ => None,
        }
    };
    let binner = match robust {
        Some((lo, hi)) => Binner::new(lo, hi, DEFAULT_BINS),
        None => Binner::new(0.0, 0.0, DEFAULT_BINS),
    };
    let mut histogram = binner.empty();
    histogram.nan = c.nan;
    histogram.pos_inf = c.pos_inf;
    histogram.neg_inf = c.neg_inf;
    if robust.is_some() {
        for (key, &count) in by_key.iter().enumerate() {
            if count > 0 {
                let value = f16::from_order_key((key as u32) << 16);
                binner.add_finite(&mut histogram, value, count);
            }
        }
    }
    finish(c, constant.flatten(), robust, histogram)
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
    sum: f64,
    min: f64,
    max: f64,
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn finish(
    c: Counts,
    constant: Option<f64>,
    robust_range: Option<(f64, f64)>,
    histogram: Histogram,
) -> ChannelStats {
    let any_finite = c.finite > 0;
    ChannelStats {
        count: to_usize(c.count),
        finite: to_usize(c.finite),
        min: any_finite.then_some(c.min),
        max: any_finite.then_some(c.max),
        mean: any_finite.then(|| c.sum / c.finite as f64),
        nan: to_usize(c.nan),
        pos_inf: to_usize(c.pos_inf),
        neg_inf: to_usize(c.neg_inf),
        sentinel: to_usize(c.sentinel),
        constant,
        robust_range,
        histogram,
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
        robust_range: None,
        histogram: Binner::new(0.0, 0.0, DEFAULT_BINS).empty(),
    }
}
