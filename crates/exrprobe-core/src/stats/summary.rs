//! The summary of a channel (counts, extremes, mean, constant) in one pass over blocks, and
//! [`RowsSummary`]: the same for rows the loader hands over while decoding, merged in any grouping.

use half::f16;
use rayon::prelude::*;

use crate::model::SampleType;

use super::exact_sum::{F32_EXACT_SPAN, exact_f32_block_sum};
use super::{
    ChannelStats, Counts, ExactSum, KEY_BINS, Native, SENTINEL_THRESHOLD, empty_stats, finish,
    piece_len,
};

// ---------------------------------------------------------------------------------------------
// float / uint: the summary pass

/// Samples per block: the summary of a block is computed by branch-free lane loops with `u32`
/// per-lane counts (which cannot overflow in a block), then merged in `u64`.
pub(super) const BLOCK: usize = 2048;
/// Independent accumulators per loop step (a set of SIMD lanes instead of one chain).
pub(super) const LANES: usize = 8;

/// `lo < key < hi` as one wrapping unsigned compare (branch-free).
#[inline(always)]
pub(super) fn key_between(key: u32, lo: u32, hi: u32) -> bool {
    key.wrapping_sub(lo.wrapping_add(1)) < hi.wrapping_sub(lo).wrapping_sub(1)
}

/// The summary of some samples, with extremes as order keys (integer min/max when merging).
#[derive(Clone, Copy, Debug)]
pub(super) struct Summary {
    pub(super) count: u64,
    pub(super) finite: u64,
    /// Finite, non-sentinel samples.
    pub(super) real: u64,
    pub(super) pos_inf: u64,
    pub(super) neg_inf: u64,
    /// Of the finite samples (exact: see `exact_sum`).
    pub(super) sum: ExactSum,
    /// Smallest / largest order key of the finite samples (`u32::MAX` / 0 when none).
    pub(super) min_key: u32,
    pub(super) max_key: u32,
    /// Bits in which some sample differs from the first one (of the samples summarised).
    pub(super) differs: u32,
}

impl Summary {
    pub(super) const EMPTY: Self = Self {
        count: 0,
        finite: 0,
        real: 0,
        pos_inf: 0,
        neg_inf: 0,
        sum: ExactSum::ZERO,
        min_key: u32::MAX,
        max_key: 0,
        differs: 0,
    };

    pub(super) fn merge(self, other: Self) -> Self {
        Self {
            count: self.count + other.count,
            finite: self.finite + other.finite,
            real: self.real + other.real,
            pos_inf: self.pos_inf + other.pos_inf,
            neg_inf: self.neg_inf + other.neg_inf,
            sum: self.sum.merge(other.sum),
            min_key: self.min_key.min(other.min_key),
            max_key: self.max_key.max(other.max_key),
            differs: self.differs | other.differs,
        }
    }
}

/// Sums per-lane `u32` counts.
pub(super) fn widen<const N: usize>(lanes: [u32; N]) -> u64 {
    lanes.iter().map(|&n| u64::from(n)).sum()
}

/// Summarises a block through its order keys: generic, branch-free, one lane array per quantity
/// (uint and half channels; f32 has a faster float-domain version). The `f64` lane sums are
/// exact for these types: a block's u32 samples sum below 2⁴³, its halves (multiples of 2⁻²⁴
/// below 2¹⁶) need at most 51 bits.
pub(super) fn summarize_by_keys<T: Native>(block: &[T], first_bits: u32) -> Summary {
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
        sum: exact(sum.iter().fold(0.0, |a, b| a + b)),
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
pub(super) fn summarize_f32(block: &[f32], first_bits: u32, all_real_likely: bool) -> Summary {
    all_real_likely
        .then(|| summarize_real_f32(block, first_bits))
        .flatten()
        .unwrap_or_else(|| summarize_any_f32(block, first_bits))
}

/// The summary of a block whose samples are all real (finite, below the sentinel threshold):
/// the common case, in a loop of a few instructions per sample. `None` when some sample is not
/// real (the loop's extremes then mean nothing).
pub(super) fn summarize_real_f32(block: &[f32], first_bits: u32) -> Option<Summary> {
    pub(super) const W: usize = F32_LANES;
    let sentinel = SENTINEL_THRESHOLD as f32; // exact
    let mut real = [0u32; W];
    let mut max = [f32::NEG_INFINITY; W];
    let mut min = [f32::INFINITY; W];
    let mut differs = [0u32; W];
    let mut sum = [0.0f64; W];
    let mut fields = [ExponentFields::NONE; W];
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
            fields[lane].see(v.to_bits());
        }
    }
    let mut real = widen(real);
    let mut max = lanes_max(max);
    let mut min = lanes_min(min);
    let mut differs = differs.iter().fold(0, |a, &b| a | b);
    let mut sum = sum.iter().fold(0.0, |a, b| a + b);
    let mut fields = ExponentFields::merge_lanes(fields);
    for &v in rest {
        real += u64::from((v >= -f32::MAX) & (v < sentinel));
        max = if v > max { v } else { max };
        min = if v < min { v } else { min };
        differs |= v.to_bits() ^ first_bits;
        sum += f64::from(v);
        fields.see(v.to_bits());
    }
    let count = block.len() as u64;
    (real == count && count > 0).then(|| Summary {
        count,
        finite: count,
        real: count,
        pos_inf: 0,
        neg_inf: 0,
        sum: fields.exact_sum(sum, block),
        min_key: min.order_key(),
        max_key: max.order_key(),
        differs,
    })
}

/// The span of the exponent fields of a block's nonzero finite f32 samples, tracked in the
/// summary loops (two integer min/max per sample) to tell when the block's `f64` lane sums are
/// exact (see `exact_sum`).
#[derive(Clone, Copy, Debug)]
pub(super) struct ExponentFields {
    /// Largest exponent field.
    max: u32,
    /// A lower bound of the smallest exponent field of the nonzero samples: `(|bits| − 1) >> 23`
    /// is the field, or one less (zero mantissa, subnormals), and 511 for zero, which the
    /// minimum then ignores.
    min: u32,
}

impl ExponentFields {
    pub(super) const NONE: Self = Self {
        max: 0,
        min: u32::MAX,
    };

    /// Takes the sample with these bits into account (pass 0 for samples left out of the sum).
    #[inline(always)]
    pub(super) fn see(&mut self, bits: u32) {
        let magnitude = bits & 0x7fff_ffff;
        self.max = self.max.max(magnitude >> 23);
        self.min = self.min.min(magnitude.wrapping_sub(1) >> 23);
    }

    pub(super) fn merge_lanes<const N: usize>(lanes: [Self; N]) -> Self {
        lanes.iter().fold(Self::NONE, |a, b| Self {
            max: a.max.max(b.max),
            min: a.min.min(b.min),
        })
    }

    /// True when the samples seen span few enough exponents for their `f64` lane sums (of one
    /// block) to be exact.
    pub(super) fn vouches(self) -> bool {
        self.max.saturating_sub(self.min) <= F32_EXACT_SPAN
    }

    /// The block's exact sum: `lane_sum` when the span vouches for it, else added again by
    /// exponent groups.
    pub(super) fn exact_sum(self, lane_sum: f64, block: &[f32]) -> ExactSum {
        if self.vouches() {
            exact(lane_sum)
        } else {
            exact_f32_block_sum(block)
        }
    }
}

/// The exact sum of a block whose samples were summed in two groups, each with its exponent
/// span: the two lane sums when both spans vouch for them, else the block added again.
fn exact_sum_of_two(
    (fields, lane_sum): (ExponentFields, f64),
    (other_fields, other_lane_sum): (ExponentFields, f64),
    block: &[f32],
) -> ExactSum {
    if fields.vouches() && other_fields.vouches() {
        exact(lane_sum).merge(exact(other_lane_sum))
    } else {
        exact_f32_block_sum(block)
    }
}

/// An exact sum of one value.
fn exact(value: f64) -> ExactSum {
    let mut sum = ExactSum::ZERO;
    sum.add(value);
    sum
}

/// f32 lanes per loop step of the float summaries: one SSE register per quantity (with 8 lanes
/// the accumulators no longer fit SSE2's 16 registers and spill).
pub(super) const F32_LANES: usize = 4;

/// The largest / smallest of per-lane extremes.
pub(super) fn lanes_max(lanes: [f32; F32_LANES]) -> f32 {
    lanes.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b))
}

pub(super) fn lanes_min(lanes: [f32; F32_LANES]) -> f32 {
    lanes.iter().fold(f32::INFINITY, |a, &b| a.min(b))
}

/// [`summarize_f32`] for blocks with any kind of sample.
pub(super) fn summarize_any_f32(block: &[f32], first_bits: u32) -> Summary {
    pub(super) const ANY_LANES: usize = F32_LANES;
    let sentinel = SENTINEL_THRESHOLD as f32; // exact
    let mut finite = [0u32; ANY_LANES];
    let mut real = [0u32; ANY_LANES];
    let mut max = [f32::NEG_INFINITY; ANY_LANES];
    let mut real_min = [f32::INFINITY; ANY_LANES];
    let mut differs = [0u32; ANY_LANES];
    // Real samples and background sentinels are summed apart: each group alone usually spans
    // few exponents (the background is one value), so both sums stay exact (see
    // `ExponentFields`) where one sum of both would not.
    let mut sum = [0.0f64; ANY_LANES];
    let mut fields = [ExponentFields::NONE; ANY_LANES];
    let mut sentinel_sum = [0.0f64; ANY_LANES];
    let mut sentinel_fields = [ExponentFields::NONE; ANY_LANES];
    let (groups, rest) = block.as_chunks::<ANY_LANES>();
    let mut step = |lane: usize, v: f32| {
        // NaN fails every comparison.
        let is_finite = v.abs() < f32::INFINITY;
        let is_real = (v >= -f32::MAX) & (v < sentinel);
        if let (
            Some(finite),
            Some(real),
            Some(max),
            Some(real_min),
            Some(differs),
            Some(sum),
            Some(fields),
            Some(sentinel_sum),
            Some(sentinel_fields),
        ) = (
            finite.get_mut(lane),
            real.get_mut(lane),
            max.get_mut(lane),
            real_min.get_mut(lane),
            differs.get_mut(lane),
            sum.get_mut(lane),
            fields.get_mut(lane),
            sentinel_sum.get_mut(lane),
            sentinel_fields.get_mut(lane),
        ) {
            *finite += u32::from(is_finite);
            *real += u32::from(is_real);
            // f32::max / min become maxps / minps (no NaN reaches them: it is masked out).
            *max = max.max(if is_finite { v } else { f32::NEG_INFINITY });
            *real_min = real_min.min(if is_real { v } else { f32::INFINITY });
            *differs |= v.to_bits() ^ first_bits;
            let is_sentinel = is_finite & !is_real;
            *sum += if is_real { f64::from(v) } else { 0.0 };
            fields.see(if is_real { v.to_bits() } else { 0 });
            *sentinel_sum += if is_sentinel { f64::from(v) } else { 0.0 };
            sentinel_fields.see(if is_sentinel { v.to_bits() } else { 0 });
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
        sum: exact_sum_of_two(
            (
                ExponentFields::merge_lanes(fields),
                sum.iter().fold(0.0, |a, b| a + b),
            ),
            (
                ExponentFields::merge_lanes(sentinel_fields),
                sentinel_sum.iter().fold(0.0, |a, b| a + b),
            ),
            block,
        ),
        min_key,
        max_key: if finite > 0 { max.order_key() } else { 0 },
        differs: differs.iter().fold(0, |a, &b| a | b),
    }
}

pub(super) fn wide_stats<T: Native>(values: &[T]) -> ChannelStats {
    values
        .par_chunks(piece_len(values.len()))
        .map(|chunk| {
            crate::pace::point();
            RowsSummary::of_wide(chunk)
        })
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
    pub(super) summary: Summary,
    /// Bits of the first sample (`None` when there were no samples); `summary.differs` is
    /// relative to it.
    pub(super) first_bits: Option<u32>,
}

impl RowsSummary {
    pub(crate) const EMPTY: Self = Self {
        summary: Summary::EMPTY,
        first_bits: None,
    };

    /// The summary of float or uint samples.
    pub(super) fn of_wide<T: Native>(values: &[T]) -> Self {
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
        // Finite halves are multiples of 2⁻²⁴ below 2¹⁶: a sum of up to 2¹³ of them needs at
        // most 53 bits, so for rows that short (most) the products add exactly in one `f64`.
        let short = values.len() <= 1 << 13;
        let mut short_sum = 0.0f64;
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
                // 11 significant bits times a count below 2³²: exact.
                let product = v.to_f64() * n as f64;
                if short {
                    short_sum += product;
                } else {
                    s.sum.add(product);
                }
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
        s.sum.add(short_sum);
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
    pub(super) fn finish<T: Native>(self) -> ChannelStats {
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
    pub(super) counts: Vec<u32>,
    pub(super) touched: Vec<u16>,
}
