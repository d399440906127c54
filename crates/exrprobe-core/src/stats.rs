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
//! (most blocks of most channels) take a shorter loop. The distribution reads it three
//! times (key counts, the refinement of two key bins, the display histogram); its scatter loops
//! count into interleaved copies of each counter, so that runs of equal bins (smooth images) do
//! not serialise on one memory location. Measured CPU time per 3840×2160 float channel
//! (`examples/stats_bench.rs`, optimised build, one thread, 2-core machine): summary ≈ 6–7 ms
//! (0.7–0.9 ns/sample: as fast as reading the channel from memory, a plain f64 sum is 0.8),
//! distribution ≈ 26–28 ms (3.1–3.4 ns/sample), against ≈ 37 ms for both together, for every
//! channel, before the split. A half channel costs one counting pass per level (≈ 0.4–0.7
//! ns/sample each). Rows already in cache (the loader summarises rows as it decodes them) take
//! ≈ 0.5 ns/sample when all real, ≈ 1 ns/sample with background in every block.
//!
//! Percentile convention: with `n` sorted values `v[0..n]`, the low end is `v[floor(0.001·(n−1))]`
//! and the high end `v[ceil(0.999·(n−1))]` (nearest rank, rounded outwards), so the range always
//! consists of real sample values.

use half::f16;
use rayon::prelude::*;
use serde::Serialize;

use crate::model::{SampleType, Samples};

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
        let bins = bins.clamp(1, MAX_BINS);
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

/// Counts of one [`binned`] work item: the bins, then underflow, overflow and a discard slot,
/// so that the loop indexes without branching.
struct BinCounts {
    slots: Vec<u64>,
    finite: u64,
    real: u64,
    pos_inf: u64,
    neg_inf: u64,
    count: u64,
}

/// 2^52: adding it to a value in [0, 2^31) rounds the value to an integer held in the low
/// mantissa bits.
const ROUNDING_OFFSET: f64 = 4_503_599_627_370_496.0;

/// `t as u32` for `t` in [0, 2^31) (or NaN, giving 0) with plain SSE2 arithmetic, so that loops
/// using it vectorise (Rust's saturating `as` conversion does not).
#[inline(always)]
fn floor_to_u32(t: f64) -> u32 {
    let t = if t > 0.0 { t } else { 0.0 };
    let shifted = t + ROUNDING_OFFSET;
    let rounded = shifted - ROUNDING_OFFSET;
    (shifted.to_bits() as u32).wrapping_sub(u32::from(rounded > t))
}

/// How [`bin_slots`] maps a value to a slot of [`BinCounts::slots`].
#[derive(Clone, Copy)]
struct SlotMap {
    lo: f64,
    hi: f64,
    scale: f64,
    last_f: f64,
    base: u32,
    under: u32,
    over: u32,
    discard: u32,
}

/// The slot of each sample of `block` (bins, then underflow, overflow, discard). A separate,
/// non-inlined function of selects only, so that the loop vectorises.
#[inline(never)]
fn bin_slots<T: Native>(block: &[T], out: &mut [u32], map: &SlotMap) {
    let SlotMap {
        lo,
        hi,
        scale,
        last_f,
        base,
        under,
        over,
        discard,
    } = *map;
    for (&v, out) in block.iter().zip(out.iter_mut()) {
        let x = v.to_f64();
        // NaN fails every comparison; 1e9 is exact in f32, so this matches the key test.
        let is_real = !T::FLOAT || (-f64::MAX..SENTINEL_THRESHOLD).contains(&x);
        // Clamped in floating point first (NaN samples are discarded below); the last bin
        // includes `hi`.
        let t = (x - lo) * scale;
        let bin = base + floor_to_u32(if t < last_f { t } else { last_f });
        let slot = if x < lo { under } else { bin };
        let slot = if x > hi { over } else { slot };
        *out = if is_real { slot } else { discard };
    }
}

/// One parallel pass binning native samples. With `SPECIALS` false the sentinel, NaN and ±Inf
/// counts are left at 0 (the caller knows them already).
fn binned<T: Native, const SPECIALS: bool>(values: &[T], binner: &Binner) -> Histogram {
    let bins = binner.bins;
    let (under, over, discard) = (bins, bins + 1, bins + 2);
    // `bins` ≤ MAX_BINS, so every slot fits a u32.
    let (under, over, discard) = (under as u32, over as u32, discard as u32);
    let (lo, hi, scale) = (binner.lo, binner.hi, binner.scale);
    // A degenerate range (lo == hi) puts its samples in the middle bin.
    let base = if lo == hi { (bins / 2) as u32 } else { 0 };
    // With `base` > 0 the scale is 0, so `base + 0` stays in range.
    let last_f = (bins - 1) as f64;
    let slot_map = SlotMap {
        lo,
        hi,
        scale,
        last_f,
        base,
        under,
        over,
        discard,
    };
    // Few slots: count into interleaved copies (see `scatter`); many: one copy, to bound memory.
    let lanes = if bins + 3 <= 1 << 12 {
        SCATTER_LANES
    } else {
        1
    };
    let empty = || BinCounts {
        slots: vec![0; (bins + 3) * lanes],
        finite: 0,
        real: 0,
        pos_inf: 0,
        neg_inf: 0,
        count: 0,
    };
    let counts = values
        .par_chunks(piece_len(values.len()))
        .fold(empty, |mut c, chunk| {
            let (mut finite, mut real, mut pos_inf, mut neg_inf) = (0u64, 0u64, 0u64, 0u64);
            let slots = c.slots.as_mut_slice();
            // Slot of each sample of a block: computed in a branch-free (vectorisable) loop,
            // then counted in a scatter loop.
            let mut block_slots = [0u32; BLOCK];
            for block in chunk.chunks(BLOCK) {
                bin_slots(block, &mut block_slots, &slot_map);
                if SPECIALS && T::FLOAT {
                    for &v in block {
                        let x = v.to_f64();
                        real += u64::from((-f64::MAX..SENTINEL_THRESHOLD).contains(&x));
                        finite += u64::from(x.abs() <= f64::MAX);
                        pos_inf += u64::from(x == f64::INFINITY);
                        neg_inf += u64::from(x == f64::NEG_INFINITY);
                    }
                } else {
                    finite += block.len() as u64;
                    real += block.len() as u64;
                }
                let block_slots = block_slots.get(..block.len()).unwrap_or_default();
                if lanes == SCATTER_LANES {
                    scatter(block_slots, slots);
                } else {
                    for &slot in block_slots {
                        if let Some(count) = slots.get_mut(slot as usize) {
                            *count += 1;
                        }
                    }
                }
            }
            c.finite += finite;
            c.real += real;
            c.pos_inf += pos_inf;
            c.neg_inf += neg_inf;
            c.count += chunk.len() as u64;
            c
        })
        .reduce(empty, |mut a, b| {
            for (x, y) in a.slots.iter_mut().zip(&b.slots) {
                *x += y;
            }
            a.finite += b.finite;
            a.real += b.real;
            a.pos_inf += b.pos_inf;
            a.neg_inf += b.neg_inf;
            a.count += b.count;
            a
        });
    let totals: Vec<u64> = counts
        .slots
        .chunks(lanes)
        .map(|copies| copies.iter().sum())
        .collect();
    let mut histogram = binner.empty();
    histogram.bins = totals.get(..bins).map(<[u64]>::to_vec).unwrap_or_default();
    histogram.underflow = totals.get(under as usize).copied().unwrap_or(0);
    histogram.overflow = totals.get(over as usize).copied().unwrap_or(0);
    histogram.sentinel = counts.finite - counts.real;
    histogram.pos_inf = counts.pos_inf;
    histogram.neg_inf = counts.neg_inf;
    histogram.nan = counts.count - counts.finite - counts.pos_inf - counts.neg_inf;
    histogram
}

/// Copies of each counter that [`scatter`] rotates over.
const SCATTER_LANES: usize = 4;

/// Counts `slots` into `counts`, which holds [`SCATTER_LANES`] adjacent copies of each counter
/// (slot `s`, copy `l` at `s * SCATTER_LANES + l`). Consecutive samples go to different copies:
/// in smooth images neighbouring samples share a slot, and incrementing one counter would make
/// every increment wait for the previous one's store.
#[inline]
fn scatter<C: Copy + std::ops::AddAssign + From<u8>>(slots: &[u32], counts: &mut [C]) {
    let (quads, rest) = slots.as_chunks::<SCATTER_LANES>();
    for quad in quads {
        for (lane, &slot) in quad.iter().enumerate() {
            if let Some(count) = counts.get_mut(slot as usize * SCATTER_LANES + lane) {
                *count += C::from(1);
            }
        }
    }
    for &slot in rest {
        if let Some(count) = counts.get_mut(slot as usize * SCATTER_LANES) {
            *count += C::from(1);
        }
    }
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
// float / uint: the summary pass

/// Samples per block: the summary of a block is computed by branch-free lane loops with `u32`
/// per-lane counts (which cannot overflow in a block), then merged in `u64`.
const BLOCK: usize = 2048;
/// Independent accumulators per loop step (a set of SIMD lanes instead of one chain).
const LANES: usize = 8;

/// `lo < key < hi` as one wrapping unsigned compare (branch-free).
#[inline(always)]
fn key_between(key: u32, lo: u32, hi: u32) -> bool {
    key.wrapping_sub(lo.wrapping_add(1)) < hi.wrapping_sub(lo).wrapping_sub(1)
}

/// The summary of some samples, with extremes as order keys (integer min/max when merging).
#[derive(Clone, Copy, Debug)]
struct Summary {
    count: u64,
    finite: u64,
    /// Finite, non-sentinel samples.
    real: u64,
    pos_inf: u64,
    neg_inf: u64,
    sum: f64,
    /// Smallest / largest order key of the finite samples (`u32::MAX` / 0 when none).
    min_key: u32,
    max_key: u32,
    /// Bits in which some sample differs from the first one (of the samples summarised).
    differs: u32,
}

impl Summary {
    const EMPTY: Self = Self {
        count: 0,
        finite: 0,
        real: 0,
        pos_inf: 0,
        neg_inf: 0,
        sum: 0.0,
        min_key: u32::MAX,
        max_key: 0,
        differs: 0,
    };

    fn merge(self, other: Self) -> Self {
        Self {
            count: self.count + other.count,
            finite: self.finite + other.finite,
            real: self.real + other.real,
            pos_inf: self.pos_inf + other.pos_inf,
            neg_inf: self.neg_inf + other.neg_inf,
            sum: self.sum + other.sum,
            min_key: self.min_key.min(other.min_key),
            max_key: self.max_key.max(other.max_key),
            differs: self.differs | other.differs,
        }
    }
}

/// Sums per-lane `u32` counts.
fn widen<const N: usize>(lanes: [u32; N]) -> u64 {
    lanes.iter().map(|&n| u64::from(n)).sum()
}

/// Summarises a block through its order keys: generic, branch-free, one lane array per quantity
/// (uint channels; f32 has a faster float-domain version).
fn summarize_by_keys<T: Native>(block: &[T], first_bits: u32) -> Summary {
    let mut finite = [0u32; LANES];
    let mut real = [0u32; LANES];
    let mut pos_inf = [0u32; LANES];
    let mut neg_inf = [0u32; LANES];
    let mut min_key = [u32::MAX; LANES];
    let mut max_key = [0u32; LANES];
    let mut differs = [0u32; LANES];
    let mut sum = [0.0f64; LANES];
    for (index, &v) in block.iter().enumerate() {
        let lane = index % LANES;
        let key = v.order_key();
        let (is_finite, is_real) = T::key_class(key);
        if let (
            Some(finite),
            Some(real),
            Some(pos_inf),
            Some(neg_inf),
            Some(min_key),
            Some(max_key),
            Some(differs),
            Some(sum),
        ) = (
            finite.get_mut(lane),
            real.get_mut(lane),
            pos_inf.get_mut(lane),
            neg_inf.get_mut(lane),
            min_key.get_mut(lane),
            max_key.get_mut(lane),
            differs.get_mut(lane),
            sum.get_mut(lane),
        ) {
            *finite += u32::from(is_finite);
            *real += u32::from(is_real);
            if T::FLOAT {
                *pos_inf += u32::from(key == T::KEY_POS_INF);
                *neg_inf += u32::from(key == T::KEY_NEG_INF);
            }
            *min_key = (*min_key).min(if is_finite { key } else { u32::MAX });
            *max_key = (*max_key).max(if is_finite { key } else { 0 });
            *differs |= v.raw_bits() ^ first_bits;
            *sum += if is_finite { v.to_f64() } else { 0.0 };
        }
    }
    Summary {
        count: block.len() as u64,
        finite: widen(finite),
        real: widen(real),
        pos_inf: widen(pos_inf),
        neg_inf: widen(neg_inf),
        sum: sum.iter().fold(0.0, |a, b| a + b),
        min_key: min_key.iter().fold(u32::MAX, |a, &b| a.min(b)),
        max_key: max_key.iter().fold(0, |a, &b| a.max(b)),
        differs: differs.iter().fold(0, |a, &b| a | b),
    }
}

/// Summarises a block of f32 samples in the float domain, where SSE has single-instruction
/// compares and min/max (unsigned integer min/max of keys have none before SSE4.1). Rare cases
/// (±Inf present, or only sentinels) are finished by scalar loops over the block.
///
/// Blocks of only real samples (every block of most channels) take a short loop; a block with
/// NaN, ±Inf or background then takes the general one, and so do the blocks after it until one
/// turns out to be all real again (`all_real_likely`), so that channels with background in
/// every block do not pay for both loops.
fn summarize_f32(block: &[f32], first_bits: u32, all_real_likely: bool) -> Summary {
    all_real_likely
        .then(|| summarize_real_f32(block, first_bits))
        .flatten()
        .unwrap_or_else(|| summarize_any_f32(block, first_bits))
}

/// The summary of a block whose samples are all real (finite, below the sentinel threshold):
/// the common case, in a loop of a few instructions per sample. `None` when some sample is not
/// real (the loop's extremes then mean nothing).
fn summarize_real_f32(block: &[f32], first_bits: u32) -> Option<Summary> {
    const W: usize = F32_LANES;
    let sentinel = SENTINEL_THRESHOLD as f32; // exact
    let mut real = [0u32; W];
    let mut max = [f32::NEG_INFINITY; W];
    let mut min = [f32::INFINITY; W];
    let mut differs = [0u32; W];
    let mut sum = [0.0f64; W];
    let (groups, rest) = block.as_chunks::<W>();
    for group in groups {
        for lane in 0..W {
            let v = group[lane];
            // NaN fails both comparisons.
            real[lane] += u32::from((v >= -f32::MAX) & (v < sentinel));
            max[lane] = max[lane].max(v);
            min[lane] = min[lane].min(v);
            differs[lane] |= v.to_bits() ^ first_bits;
            sum[lane] += f64::from(v);
        }
    }
    let mut real = widen(real);
    let mut max = lanes_max(max);
    let mut min = lanes_min(min);
    let mut differs = differs.iter().fold(0, |a, &b| a | b);
    let mut sum = sum.iter().fold(0.0, |a, b| a + b);
    for &v in rest {
        real += u64::from((v >= -f32::MAX) & (v < sentinel));
        max = if v > max { v } else { max };
        min = if v < min { v } else { min };
        differs |= v.to_bits() ^ first_bits;
        sum += f64::from(v);
    }
    let count = block.len() as u64;
    (real == count && count > 0).then(|| Summary {
        count,
        finite: count,
        real: count,
        pos_inf: 0,
        neg_inf: 0,
        sum,
        min_key: min.order_key(),
        max_key: max.order_key(),
        differs,
    })
}

/// f32 lanes per loop step of the float summaries: one SSE register per quantity (with 8 lanes
/// the accumulators no longer fit SSE2's 16 registers and spill).
const F32_LANES: usize = 4;

/// The largest / smallest of per-lane extremes.
fn lanes_max(lanes: [f32; F32_LANES]) -> f32 {
    lanes.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b))
}

fn lanes_min(lanes: [f32; F32_LANES]) -> f32 {
    lanes.iter().fold(f32::INFINITY, |a, &b| a.min(b))
}

/// [`summarize_f32`] for blocks with any kind of sample.
fn summarize_any_f32(block: &[f32], first_bits: u32) -> Summary {
    const ANY_LANES: usize = F32_LANES;
    let sentinel = SENTINEL_THRESHOLD as f32; // exact
    let mut finite = [0u32; ANY_LANES];
    let mut real = [0u32; ANY_LANES];
    let mut max = [f32::NEG_INFINITY; ANY_LANES];
    let mut real_min = [f32::INFINITY; ANY_LANES];
    let mut differs = [0u32; ANY_LANES];
    let mut sum = [0.0f64; ANY_LANES];
    let (groups, rest) = block.as_chunks::<ANY_LANES>();
    let mut step = |lane: usize, v: f32| {
        // NaN fails every comparison.
        let is_finite = v.abs() < f32::INFINITY;
        let is_real = (v >= -f32::MAX) & (v < sentinel);
        if let (Some(finite), Some(real), Some(max), Some(real_min), Some(differs), Some(sum)) = (
            finite.get_mut(lane),
            real.get_mut(lane),
            max.get_mut(lane),
            real_min.get_mut(lane),
            differs.get_mut(lane),
            sum.get_mut(lane),
        ) {
            *finite += u32::from(is_finite);
            *real += u32::from(is_real);
            // f32::max / min become maxps / minps (no NaN reaches them: it is masked out).
            *max = max.max(if is_finite { v } else { f32::NEG_INFINITY });
            *real_min = real_min.min(if is_real { v } else { f32::INFINITY });
            *differs |= v.to_bits() ^ first_bits;
            *sum += if is_finite { f64::from(v) } else { 0.0 };
        }
    };
    for group in groups {
        for (lane, &v) in group.iter().enumerate() {
            step(lane, v);
        }
    }
    for &v in rest {
        step(0, v);
    }
    let (finite, real) = (widen(finite), widen(real));
    let max = lanes_max(max);
    let real_min = lanes_min(real_min);
    // Every finite non-real sample is a sentinel (≥ 1e9, above every real one), so the finite
    // minimum is the real one unless the block has only sentinels.
    let min_key = if real > 0 {
        real_min.order_key()
    } else if finite > 0 {
        block
            .iter()
            .filter(|v| v.is_finite())
            .fold(u32::MAX, |a, v| a.min(v.order_key()))
    } else {
        u32::MAX
    };
    let (mut pos_inf, mut neg_inf) = (0u64, 0u64);
    if finite < block.len() as u64 {
        for &v in block {
            pos_inf += u64::from(v == f32::INFINITY);
            neg_inf += u64::from(v == f32::NEG_INFINITY);
        }
    }
    Summary {
        count: block.len() as u64,
        finite,
        real,
        pos_inf,
        neg_inf,
        sum: sum.iter().fold(0.0, |a, b| a + b),
        min_key,
        max_key: if finite > 0 { max.order_key() } else { 0 },
        differs: differs.iter().fold(0, |a, &b| a | b),
    }
}

fn wide_stats<T: Native>(values: &[T]) -> ChannelStats {
    values
        .par_chunks(piece_len(values.len()))
        .map(RowsSummary::of_wide)
        .reduce(|| RowsSummary::EMPTY, RowsSummary::merge)
        .finish::<T>()
}

// ---------------------------------------------------------------------------------------------
// Summaries of parts of a channel (the loader summarises rows as it decodes them)

/// The summary of some samples of a channel, to be merged with the summaries of its other
/// samples (in any grouping, in channel order) into its [`ChannelStats`]. The loader summarises
/// each band of rows right after decoding it, while the rows are in cache, so that reports need
/// neither a second pass over the channel nor its whole buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RowsSummary {
    summary: Summary,
    /// Bits of the first sample (`None` when there were no samples); `summary.differs` is
    /// relative to it.
    first_bits: Option<u32>,
}

impl RowsSummary {
    pub(crate) const EMPTY: Self = Self {
        summary: Summary::EMPTY,
        first_bits: None,
    };

    /// The summary of float or uint samples.
    fn of_wide<T: Native>(values: &[T]) -> Self {
        let Some(first) = values.first() else {
            return Self::EMPTY;
        };
        let first_bits = first.raw_bits();
        Self {
            summary: values
                .chunks(BLOCK)
                .fold((Summary::EMPTY, true), |(acc, all_real_likely), block| {
                    let s = T::summarize(block, first_bits, all_real_likely);
                    (acc.merge(s), s.real == s.count)
                })
                .0,
            first_bits: Some(first_bits),
        }
    }

    pub(crate) fn of_f32(values: &[f32]) -> Self {
        Self::of_wide(values)
    }

    pub(crate) fn of_u32(values: &[u32]) -> Self {
        Self::of_wide(values)
    }

    /// The summary of half samples, from a count of their bit patterns (kept in `counter`
    /// between calls: it is large, and left all zero again).
    pub(crate) fn of_f16(values: &[f16], counter: &mut HalfCounter) -> Self {
        let Some(first) = values.first() else {
            return Self::EMPTY;
        };
        let first_bits = u32::from(first.to_bits());
        counter.counts.resize(KEY_BINS, 0);
        counter.touched.clear();
        for v in values {
            let bits = v.to_bits();
            if let Some(count) = counter.counts.get_mut(usize::from(bits)) {
                if *count == 0 {
                    counter.touched.push(bits);
                }
                // A band of rows has far fewer than 2³² samples; saturate all the same.
                *count = count.saturating_add(1);
            }
        }
        let mut s = Summary::EMPTY;
        s.count = values.len() as u64;
        for &bits in &counter.touched {
            let Some(count) = counter.counts.get_mut(usize::from(bits)) else {
                continue;
            };
            let n = u64::from(std::mem::take(count));
            let v = f16::from_bits(bits);
            s.differs |= u32::from(bits) ^ first_bits;
            if v.is_finite() {
                let key = v.order_key();
                s.finite += n;
                s.real += n; // no half is a background sentinel
                s.sum += v.to_f64() * n as f64;
                s.min_key = s.min_key.min(key);
                s.max_key = s.max_key.max(key);
            } else if v.is_infinite() {
                if v.is_sign_positive() {
                    s.pos_inf += n;
                } else {
                    s.neg_inf += n;
                }
            }
        }
        Self {
            summary: s,
            first_bits: Some(first_bits),
        }
    }

    /// The summary of `self`'s samples followed by `later`'s.
    pub(crate) fn merge(self, later: Self) -> Self {
        let mut summary = self.summary.merge(later.summary);
        if let (Some(a), Some(b)) = (self.first_bits, later.first_bits) {
            summary.differs |= a ^ b;
        }
        Self {
            summary,
            first_bits: self.first_bits.or(later.first_bits),
        }
    }

    /// The statistics of a channel of sample type `T` whose samples were all summarised.
    fn finish<T: Native>(self) -> ChannelStats {
        let Some(first_bits) = self.first_bits else {
            return empty_stats();
        };
        let s = self.summary;
        let constant = (s.differs == 0).then(|| T::from_raw_bits(first_bits));
        finish(
            Counts {
                count: s.count,
                finite: s.finite,
                nan: s.count - s.finite - s.pos_inf - s.neg_inf,
                pos_inf: s.pos_inf,
                neg_inf: s.neg_inf,
                sentinel: s.finite - s.real,
                sum: s.sum,
                min: T::from_order_key(s.min_key),
                max: T::from_order_key(s.max_key),
            },
            constant,
        )
    }

    /// The statistics of a channel of `sample_type` whose samples were all summarised.
    pub(crate) fn finish_as(self, sample_type: SampleType) -> ChannelStats {
        match sample_type {
            SampleType::Half => self.finish::<f16>(),
            SampleType::Float => self.finish::<f32>(),
            SampleType::Uint => self.finish::<u32>(),
        }
    }
}

/// Scratch space of [`RowsSummary::of_f16`]: a count per half bit pattern, and the patterns
/// seen (to read and reset only those).
#[derive(Debug, Default)]
pub(crate) struct HalfCounter {
    counts: Vec<u32>,
    touched: Vec<u16>,
}

// ---------------------------------------------------------------------------------------------
// float / uint: the distribution (radix select, then display binning)

/// Slots of the first distribution pass: the [`KEY_BINS`] key bins of the finite non-sentinel
/// samples, then one slot per class of the other samples.
const SLOT_SENTINEL: u32 = KEY_BINS as u32;
const SLOT_POS_INF: u32 = SLOT_SENTINEL + 1;
const SLOT_NEG_INF: u32 = SLOT_SENTINEL + 2;
const SLOT_NAN: u32 = SLOT_SENTINEL + 3;
const KEY_SLOTS: usize = KEY_BINS + 4;

/// The slot of each sample of `block`. A separate, non-inlined function of selects only, so
/// that the loop vectorises; the counting is a scatter loop over the block's slots.
#[inline(never)]
fn key_slots<T: Native>(block: &[T], out: &mut [u32]) {
    for (&v, out) in block.iter().zip(out.iter_mut()) {
        let key = v.order_key();
        let (is_finite, is_real) = T::key_class(key);
        let special = if key == T::KEY_POS_INF {
            SLOT_POS_INF
        } else if key == T::KEY_NEG_INF {
            SLOT_NEG_INF
        } else {
            SLOT_NAN
        };
        let other = if is_finite { SLOT_SENTINEL } else { special };
        *out = if is_real { key >> 16 } else { other };
    }
}

fn add_counts(mut a: Vec<u64>, b: Vec<u64>) -> Vec<u64> {
    for (x, y) in a.iter_mut().zip(&b) {
        *x += y;
    }
    a
}

/// Most samples counted in `u32` copies before they are added to the `u64` totals.
const U32_RUN: usize = 1 << 31;

/// Counts the samples per slot (see [`key_slots`]).
fn key_counts<T: Native>(values: &[T]) -> Vec<u64> {
    let empty = || vec![0u64; KEY_SLOTS];
    values
        .par_chunks(piece_len(values.len()))
        .fold(empty, |mut totals, chunk| {
            // `u32` copies (see `scatter`) keep the counters within 1 MiB (L2).
            let mut copies = vec![0u32; KEY_SLOTS * SCATTER_LANES];
            let mut slots = [0u32; BLOCK];
            for run in chunk.chunks(U32_RUN) {
                for block in run.chunks(BLOCK) {
                    key_slots(block, &mut slots);
                    scatter(slots.get(..block.len()).unwrap_or_default(), &mut copies);
                }
                for (total, copies) in totals.iter_mut().zip(copies.chunks_mut(SCATTER_LANES)) {
                    *total += copies.iter().map(|&n| u64::from(n)).sum::<u64>();
                    copies.fill(0);
                }
            }
            totals
        })
        .reduce(empty, add_counts)
}

/// Counts the low 16 key bits of finite non-sentinel samples whose top 16 bits are `top_lo` /
/// `top_hi` (the bins holding the wanted ranks).
fn refine<T: Native>(values: &[T], top_lo: u32, top_hi: u32) -> (Vec<u64>, Vec<u64>) {
    let empty = || (vec![0u64; KEY_BINS], vec![0u64; KEY_BINS]);
    values
        .par_chunks(piece_len(values.len()))
        .fold(empty, |(mut low, mut high), chunk| {
            // Most blocks hold no sample of either bin: a branch-free test skips them.
            for block in chunk.chunks(64) {
                let hit = block.iter().fold(false, |hit, &v| {
                    let top = v.order_key() >> 16;
                    hit | (top == top_lo) | (top == top_hi)
                });
                if !hit {
                    continue;
                }
                for &v in block {
                    let key = v.order_key();
                    let top = key >> 16;
                    if !T::key_class(key).1 || (top != top_lo && top != top_hi) {
                        continue;
                    }
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
            }
            (low, high)
        })
        .reduce(empty, |(a_lo, a_hi), (b_lo, b_hi)| {
            (add_counts(a_lo, b_lo), add_counts(a_hi, b_hi))
        })
}

/// The exact robust range of the finite non-sentinel samples, given their key bin counts
/// (`real` samples in all).
fn select_range<T: Native>(values: &[T], keys: &[u64], real: u64) -> Option<(f64, f64)> {
    let (rank_lo, rank_hi) = percentile_ranks(real);
    let (top_lo, before_lo) = locate_rank(keys, rank_lo)?;
    let (top_hi, before_hi) = locate_rank(keys, rank_hi)?;
    let (low, high) = refine(values, top_lo as u32, top_hi as u32);
    let (bottom_lo, _) = locate_rank(&low, rank_lo - before_lo)?;
    let (bottom_hi, _) = locate_rank(&high, rank_hi - before_hi)?;
    let key = |top: usize, bottom: usize| ((top as u32) << 16) | bottom as u32;
    let (key_lo, key_hi) = (key(top_lo, bottom_lo), key(top_hi, bottom_hi));
    if key_lo < key_hi {
        return Some((T::from_order_key(key_lo), T::from_order_key(key_hi)));
    }
    // The percentiles collapsed on one value: the range widens to the smallest and largest
    // sample (equal only when every sample is), found in their key bins (rare: one more pass
    // unless they are the bins just refined).
    let top_min = keys.iter().position(|&n| n > 0)?;
    let top_max = keys.iter().rposition(|&n| n > 0)?;
    let (low, high) = if (top_min, top_max) == (top_lo, top_hi) {
        (low, high)
    } else {
        refine(values, top_min as u32, top_max as u32)
    };
    let bottom_min = low.iter().position(|&n| n > 0)?;
    let bottom_max = high.iter().rposition(|&n| n > 0)?;
    Some((
        T::from_order_key(key(top_min, bottom_min)),
        T::from_order_key(key(top_max, bottom_max)),
    ))
}

fn wide_distribution<T: Native>(values: &[T]) -> Distribution {
    let counts = key_counts(values);
    let keys = counts.get(..KEY_BINS).unwrap_or(&[]);
    let real: u64 = keys.iter().sum();
    let robust_range = if real == 0 {
        None
    } else {
        select_range(values, keys, real)
    };
    let mut histogram = match robust_range {
        Some((lo, hi)) => binned::<_, false>(values, &Binner::new(lo, hi, DEFAULT_BINS)),
        None => Binner::new(0.0, 0.0, DEFAULT_BINS).empty(),
    };
    let slot = |slot: u32| counts.get(slot as usize).copied().unwrap_or(0);
    histogram.sentinel = slot(SLOT_SENTINEL);
    histogram.pos_inf = slot(SLOT_POS_INF);
    histogram.neg_inf = slot(SLOT_NEG_INF);
    histogram.nan = slot(SLOT_NAN);
    Distribution {
        robust_range,
        histogram,
    }
}

// ---------------------------------------------------------------------------------------------
// half: one counting pass over the bit patterns

/// Samples per bit pattern.
fn half_counts(values: &[f16]) -> Vec<u64> {
    let empty = || vec![0u64; KEY_BINS];
    values
        .par_chunks(piece_len(values.len()))
        .fold(empty, |mut counts, chunk| {
            for v in chunk {
                if let Some(slot) = counts.get_mut(usize::from(v.to_bits())) {
                    *slot += 1;
                }
            }
            counts
        })
        .reduce(empty, add_counts)
}

fn half_stats(values: &[f16]) -> ChannelStats {
    let Some(first) = values.first() else {
        return empty_stats();
    };
    let counts = half_counts(values);
    let mut c = Counts {
        count: values.len() as u64,
        finite: 0,
        nan: 0,
        pos_inf: 0,
        neg_inf: 0,
        sentinel: 0, // halves are never sentinels
        sum: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };
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
        } else if v.is_nan() {
            c.nan += count;
        } else if v.is_positive() {
            c.pos_inf += count;
        } else {
            c.neg_inf += count;
        }
    }
    finish(c, (distinct_patterns == 1).then(|| first.to_f64()))
}

fn half_distribution(values: &[f16]) -> Distribution {
    let counts = half_counts(values);
    // Finite values per order key >> 16, to walk them in ascending order.
    let mut by_key = vec![0u64; KEY_BINS];
    let mut histogram = Binner::new(0.0, 0.0, DEFAULT_BINS).empty();
    for (bits, &count) in counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let v = f16::from_bits(bits as u16);
        if v.is_finite() {
            if let Some(slot) = by_key.get_mut((v.order_key() >> 16) as usize) {
                *slot += count;
            }
        } else if v.is_nan() {
            histogram.nan += count;
        } else if v.is_positive() {
            histogram.pos_inf += count;
        } else {
            histogram.neg_inf += count;
        }
    }
    let real: u64 = by_key.iter().sum(); // halves are never sentinels
    let value_of = |key: usize| f16::from_order_key((key as u32) << 16);
    let range = if real == 0 {
        None
    } else {
        let (rank_lo, rank_hi) = percentile_ranks(real);
        let rank = |rank| locate_rank(&by_key, rank).map(|(key, _)| value_of(key));
        let extreme = |key: Option<usize>| key.map(value_of);
        match (
            rank(rank_lo),
            rank(rank_hi),
            extreme(by_key.iter().position(|&n| n > 0)),
            extreme(by_key.iter().rposition(|&n| n > 0)),
        ) {
            (Some(lo), Some(hi), Some(min), Some(max)) => Some(robust_range((lo, hi), min, max)),
            _ => None,
        }
    };
    if let Some((lo, hi)) = range {
        let binner = Binner::new(lo, hi, DEFAULT_BINS);
        let (nan, pos_inf, neg_inf) = (histogram.nan, histogram.pos_inf, histogram.neg_inf);
        histogram = binner.empty();
        (histogram.nan, histogram.pos_inf, histogram.neg_inf) = (nan, pos_inf, neg_inf);
        for (key, &count) in by_key.iter().enumerate() {
            if count > 0 {
                binner.add_finite(&mut histogram, value_of(key), count);
            }
        }
    }
    Distribution {
        robust_range: range,
        histogram,
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
    sum: f64,
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
        mean: any_finite.then(|| c.sum / c.finite as f64),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random numbers in [0, 1) (no test depends on a seed from the clock).
    fn lcg(seed: u64) -> impl Iterator<Item = f64> {
        let mut state = seed;
        std::iter::repeat_with(move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        })
    }

    /// The summary and the distribution of `samples`.
    fn both(samples: &Samples) -> (ChannelStats, Distribution) {
        (channel_stats(samples), distribution(samples))
    }

    /// Reference percentiles by sorting (the convention documented at the top of the module).
    fn sorted_percentiles(mut real: Vec<f64>) -> (f64, f64) {
        real.sort_by(f64::total_cmp);
        let (lo, hi) = percentile_ranks(real.len() as u64);
        (real[lo as usize], real[hi as usize])
    }

    #[test]
    fn counts_special_values_and_keeps_sentinels_out_of_the_range() {
        let mut v: Vec<f32> = (0..1000).map(|i| 10.0 + i as f32 * 0.01).collect();
        v.extend([
            f32::NAN,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -f32::NAN,
        ]);
        v.extend([1e10; 7]);
        v.push(1e9); // exactly the threshold: a sentinel
        let (s, d) = both(&Samples::F32(v.clone()));
        assert_eq!(s.count, 1013);
        assert_eq!((s.nan, s.pos_inf, s.neg_inf), (3, 1, 1));
        assert_eq!(s.sentinel, 8);
        assert_eq!(s.finite, 1008);
        assert_eq!(s.real(), 1000);
        assert_eq!(s.min, Some(10.0));
        assert_eq!(s.max, Some(1e10));
        let finite: Vec<f64> = v
            .iter()
            .filter(|x| x.is_finite())
            .map(|&x| f64::from(x))
            .collect();
        let mean = finite.iter().sum::<f64>() / finite.len() as f64;
        assert!((s.mean.unwrap_or(0.0) - mean).abs() <= mean * 1e-12);
        assert_eq!(s.constant, None);
        // 1000 real values: ranks 0 and 999, i.e. min and max of the real values.
        let (lo, hi) = d.robust_range.unwrap_or((0.0, 0.0));
        assert_eq!(lo, 10.0);
        assert_eq!(hi, f64::from(10.0f32 + 999.0 * 0.01));
        let h = &d.histogram;
        assert_eq!((h.lo, h.hi), (lo, hi));
        assert_eq!(h.bins.len(), DEFAULT_BINS);
        assert_eq!(h.bins.iter().sum::<u64>(), 1000);
        assert_eq!((h.underflow, h.overflow), (0, 0));
        assert_eq!((h.sentinel, h.nan, h.pos_inf, h.neg_inf), (8, 3, 1, 1));
        assert_eq!(h.total(), 1013);
    }

    #[test]
    fn blocks_of_only_background_or_infinities_keep_exact_extremes_and_counts() {
        // Several first-pass blocks: one of sentinels only (its minimum is a sentinel), one of
        // ±Inf and NaN only, one mixing everything; compared with a straightforward count.
        let mut v: Vec<f32> = (0..3000).map(|i| 2e9 + i as f32 * 1e6).collect();
        v.extend((0..3000).map(|i| match i % 3 {
            0 => f32::INFINITY,
            1 => f32::NEG_INFINITY,
            _ => f32::NAN,
        }));
        v.extend((0..3000).map(|i| match i % 5 {
            0 => -0.0,
            1 => 1e10,
            2 => f32::NEG_INFINITY,
            _ => -3.0 + i as f32 * 0.5,
        }));
        let (s, d) = both(&Samples::F32(v.clone()));
        let finite: Vec<f64> = v
            .iter()
            .filter(|x| x.is_finite())
            .map(|&x| f64::from(x))
            .collect();
        let real: Vec<f64> = finite.iter().copied().filter(|&x| x < 1e9).collect();
        assert_eq!(s.finite, finite.len());
        assert_eq!(s.real(), real.len());
        assert_eq!(s.pos_inf, v.iter().filter(|&&x| x == f32::INFINITY).count());
        assert_eq!(
            s.neg_inf,
            v.iter().filter(|&&x| x == f32::NEG_INFINITY).count()
        );
        assert_eq!(s.nan, v.iter().filter(|x| x.is_nan()).count());
        assert_eq!(s.min, finite.iter().copied().reduce(f64::min));
        assert_eq!(s.max, finite.iter().copied().reduce(f64::max));
        assert_eq!(d.robust_range, Some(sorted_percentiles(real)));
        let (only_background, background_distribution) =
            both(&Samples::F32(v.get(..3000).unwrap_or_default().to_vec()));
        assert_eq!(only_background.min, Some(2e9));
        assert_eq!(background_distribution.robust_range, None);
        assert_eq!(background_distribution.histogram.sentinel, 3000);
    }

    #[test]
    fn robust_range_is_the_exact_percentile_of_float_data() {
        // Long-tailed data with negatives, duplicates, outliers and sentinels.
        let v: Vec<f32> = lcg(7)
            .take(300_001)
            .enumerate()
            .map(|(i, r)| match i % 5000 {
                0 => 1e10,
                1 => -5e6,
                2 => 3e7,
                3 => 0.0,
                4 => -0.0,
                _ => ((r * 8.0).exp() - 50.0) as f32,
            })
            .collect();
        let (s, d) = both(&Samples::F32(v.clone()));
        let real: Vec<f64> = v
            .iter()
            .map(|&x| f64::from(x))
            .filter(|x| x.is_finite() && *x < SENTINEL_THRESHOLD)
            .collect();
        assert_eq!(s.real(), real.len());
        let expected = sorted_percentiles(real.clone());
        assert_eq!(d.robust_range, Some(expected));
        assert!(expected.0 > -5e6 && expected.1 < 3e7, "outliers excluded");
        // The histogram over the range agrees with a direct count.
        let (lo, hi) = expected;
        let under = real.iter().filter(|&&x| x < lo).count() as u64;
        let over = real.iter().filter(|&&x| x > hi).count() as u64;
        assert_eq!((d.histogram.underflow, d.histogram.overflow), (under, over));
        assert_eq!(d.histogram.sentinel, 61);
    }

    #[test]
    fn half_channels_give_the_same_statistics_as_their_float_widening() {
        let mut halves: Vec<f16> = lcg(3)
            .take(200_000)
            .map(|r| f16::from_f64(r * 3000.0 - 500.0))
            .collect();
        halves.extend([f16::NAN, f16::INFINITY, f16::NEG_INFINITY, f16::MAX]);
        halves.extend(std::iter::repeat_n(f16::from_f32(7.0), 5000));
        let floats: Vec<f32> = halves.iter().map(|h| h.to_f32()).collect();
        let (h, hd) = both(&Samples::F16(halves.clone()));
        let (f, fd) = both(&Samples::F32(floats.clone()));
        assert_eq!(
            (h.count, h.finite, h.nan, h.pos_inf, h.neg_inf, h.sentinel),
            (f.count, f.finite, f.nan, f.pos_inf, f.neg_inf, f.sentinel)
        );
        assert_eq!((h.min, h.max), (f.min, f.max));
        assert_eq!(h.max, Some(65504.0));
        assert_eq!(hd.robust_range, fd.robust_range);
        assert_eq!(hd.histogram, fd.histogram);
        // Re-binning the half buffer directly gives the same histogram as the counting path.
        let (lo, hi) = hd.robust_range.unwrap_or((0.0, 0.0));
        assert_eq!(
            histogram(&Samples::F16(halves), lo, hi, DEFAULT_BINS),
            hd.histogram
        );
        let (hm, fm) = (h.mean.unwrap_or(f64::NAN), f.mean.unwrap_or(f64::NAN));
        assert!((hm - fm).abs() < 1e-9 * fm.abs(), "{hm} vs {fm}");
        let real: Vec<f64> = floats
            .iter()
            .filter(|x| x.is_finite())
            .map(|&x| f64::from(x))
            .collect();
        assert_eq!(hd.robust_range, Some(sorted_percentiles(real)));
    }

    #[test]
    fn uint_channels_are_all_finite_and_have_no_sentinels() {
        let v: Vec<u32> = lcg(11)
            .take(100_000)
            .map(|r| (r * 4e9) as u32)
            .chain([u32::MAX, 0])
            .collect();
        let (s, d) = both(&Samples::U32(v.clone()));
        assert_eq!((s.finite, s.nan, s.pos_inf, s.neg_inf), (100_002, 0, 0, 0));
        assert_eq!(s.sentinel, 0, "large IDs are data, not background");
        assert_eq!(s.min, Some(0.0));
        assert_eq!(s.max, Some(f64::from(u32::MAX)));
        let real: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
        assert_eq!(d.robust_range, Some(sorted_percentiles(real)));
        assert_eq!(
            d.histogram.bins.iter().sum::<u64>() + d.histogram.underflow + d.histogram.overflow,
            100_002
        );
    }

    #[test]
    fn a_constant_buffer_puts_every_sample_in_one_bin() {
        for samples in [
            Samples::F32(vec![1.0; 76_800]),
            Samples::F16(vec![f16::ONE; 76_800]),
            Samples::U32(vec![1; 76_800]),
        ] {
            let (s, d) = both(&samples);
            assert_eq!(s.constant, Some(1.0), "{:?}", samples.sample_type());
            assert_eq!(d.robust_range, Some((1.0, 1.0)));
            assert_eq!((s.min, s.max, s.mean), (Some(1.0), Some(1.0), Some(1.0)));
            let populated: Vec<_> = d.histogram.bins.iter().filter(|&&c| c > 0).collect();
            assert_eq!(populated, vec![&76_800u64]);
            assert_eq!(d.histogram.total(), 76_800);
        }
    }

    #[test]
    fn an_all_nan_buffer_is_constant_nan_without_range() {
        for samples in [
            Samples::F32(vec![f32::NAN; 100]),
            Samples::F16(vec![f16::NAN; 100]),
        ] {
            let (s, d) = both(&samples);
            assert!(s.constant.is_some_and(f64::is_nan));
            assert_eq!((s.finite, s.nan), (0, 100));
            assert_eq!(
                (s.min, s.max, s.mean, d.robust_range),
                (None, None, None, None)
            );
            assert_eq!(d.histogram.nan, 100);
            assert_eq!(d.histogram.total(), 100);
        }
    }

    #[test]
    fn almost_constant_data_falls_back_to_min_and_max() {
        let mut v = vec![2.0f32; 10_000];
        v[1234] = 5.0;
        let (s, d) = both(&Samples::F32(v));
        assert_eq!(s.constant, None);
        assert_eq!(d.robust_range, Some((2.0, 5.0)));
        assert_eq!(d.histogram.bins.first(), Some(&9_999));
        assert_eq!(d.histogram.bins.last(), Some(&1));
        // Background only: a range of nothing.
        let (s, d) = both(&Samples::F32(vec![1e10, 1e10, f32::INFINITY]));
        assert_eq!((s.sentinel, s.pos_inf, d.robust_range), (2, 1, None));
        assert_eq!(s.constant, None);
        assert_eq!(d.histogram.total(), 3);
    }

    /// The summary of a channel merged from pieces cut anywhere (empty pieces included) is its
    /// summary in one piece: counts, extremes and the constant flag exactly, the mean up to
    /// rounding.
    #[test]
    fn summaries_of_pieces_merge_into_the_channel_summary() {
        let floats: Vec<f32> = lcg(7)
            .take(300)
            .enumerate()
            .map(|(i, x)| match i % 11 {
                0 => f32::NAN,
                1 => f32::INFINITY,
                2 => 1e10,
                3 => -0.0,
                _ => x as f32 * 40.0 - 20.0,
            })
            .collect();
        let channels = [
            Samples::F32(floats.clone()),
            Samples::F32(vec![2.5; 300]),
            Samples::F32(vec![f32::NAN; 300]),
            // Constant within every piece cut at a multiple of 100, different across them.
            Samples::F32((0..300).map(|i| (i / 100) as f32).collect()),
            Samples::F16(floats.iter().map(|&v| f16::from_f32(v)).collect()),
            Samples::F16(vec![f16::from_f32(-3.0); 300]),
            Samples::U32((0..300).map(|i| i * 7919).collect()),
            Samples::U32(vec![9; 300]),
        ];
        let mut counter = HalfCounter::default();
        for samples in &channels {
            let whole = channel_stats(samples);
            for cuts in [
                vec![],
                vec![0],
                vec![100, 200],
                vec![1, 2, 299],
                vec![150, 150, 300],
            ] {
                let mut bounds = vec![0];
                bounds.extend(&cuts);
                bounds.push(samples.len());
                let merged = bounds
                    .windows(2)
                    .map(|w| match samples {
                        Samples::F32(v) => RowsSummary::of_f32(&v[w[0]..w[1]]),
                        Samples::U32(v) => RowsSummary::of_u32(&v[w[0]..w[1]]),
                        Samples::F16(v) => RowsSummary::of_f16(&v[w[0]..w[1]], &mut counter),
                    })
                    .fold(RowsSummary::EMPTY, RowsSummary::merge)
                    .finish_as(samples.sample_type());
                let what = format!("{:?} cut at {cuts:?}", samples.sample_type());
                assert_eq!(
                    merged.constant.map(f64::to_bits),
                    whole.constant.map(f64::to_bits),
                    "{what}"
                );
                let mean_error = match (merged.mean, whole.mean) {
                    (Some(a), Some(b)) => (a - b).abs() / b.abs().max(1.0),
                    (a, b) => {
                        assert_eq!(a, b, "{what}");
                        0.0
                    }
                };
                assert!(mean_error < 1e-12, "{what}: mean");
                let rest = |s: ChannelStats| ChannelStats {
                    mean: None,
                    constant: None,
                    ..s
                };
                assert_eq!(rest(merged), rest(whole.clone()), "{what}");
            }
        }
        // The counter is left zeroed for the next rows.
        assert!(counter.counts.iter().all(|&n| n == 0));
    }

    #[test]
    fn empty_buffers_give_nones() {
        for samples in [
            Samples::F32(vec![]),
            Samples::F16(vec![]),
            Samples::U32(vec![]),
        ] {
            let (s, d) = both(&samples);
            assert_eq!(s.count, 0);
            assert_eq!((s.min, s.max, s.mean), (None, None, None));
            assert_eq!((s.constant, d.robust_range), (None, None));
            assert_eq!(d.histogram.total(), 0);
            assert_eq!(histogram(&samples, 0.0, 1.0, 8).total(), 0);
        }
    }

    #[test]
    fn many_bins_count_like_few_bins() {
        // 8 bins count into interleaved copies of each counter, 8192 bins into one copy.
        let v = Samples::F32(lcg(5).take(50_000).map(|r| r as f32).collect());
        let fine = histogram(&v, 0.0, 1.0, 8192);
        let coarse = histogram(&v, 0.0, 1.0, 8);
        assert_eq!(coarse.bins.iter().sum::<u64>(), 50_000);
        let regrouped: Vec<u64> = fine.bins.chunks(1024).map(|c| c.iter().sum()).collect();
        assert_eq!(regrouped, coarse.bins);
    }

    #[test]
    fn histogram_rebins_over_a_manual_range() {
        let v = Samples::F32(vec![
            -1.0,
            0.0,
            0.24,
            0.25,
            0.5,
            0.99,
            1.0,
            1.5,
            1e10,
            f32::NAN,
        ]);
        let h = histogram(&v, 0.0, 1.0, 4);
        assert_eq!(h.bins, vec![2, 1, 1, 2], "the last bin includes hi");
        assert_eq!((h.underflow, h.overflow, h.sentinel, h.nan), (1, 1, 1, 1));
        assert_eq!(h.bin_range(1), (0.25, 0.5));
        // Reversed and degenerate arguments never panic and keep every sample.
        let h = histogram(&v, 1.0, 0.0, 0);
        assert_eq!((h.lo, h.hi, h.bins.len()), (0.0, 1.0, 1));
        assert_eq!(h.bins, vec![6]);
        assert_eq!(histogram(&v, 0.0, 1.0, usize::MAX).bins.len(), MAX_BINS);
        let h = histogram(&v, f64::NEG_INFINITY, f64::INFINITY, 3);
        assert_eq!(h.bins.iter().sum::<u64>(), 8);
        let h = histogram(&v, f64::NAN, 0.5, 3);
        assert_eq!((h.lo, h.hi), (0.5, 0.5));
        assert_eq!(h.bins, vec![0, 1, 0]);
        assert_eq!(h.total(), 10);
    }
}
