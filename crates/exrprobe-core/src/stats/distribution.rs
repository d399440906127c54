//! The exact robust range: percentile ranks, counts of order keys and the two-level radix select
//! (see the module documentation of `stats`).

use rayon::prelude::*;

use super::{
    BLOCK, Binner, DEFAULT_BINS, Distribution, HIGH_PERCENTILE, KEY_BINS, LOW_PERCENTILE, Native,
    SCATTER_LANES, binned, piece_len, scatter,
};

// ---------------------------------------------------------------------------------------------
// Ranks and ranges

/// The ranks (0-based, in sorted order) of the robust range's ends among `n` values.
pub(super) fn percentile_ranks(n: u64) -> (u64, u64) {
    let last = n.saturating_sub(1) as f64;
    let lo = (LOW_PERCENTILE * last).floor() as u64;
    let hi = ((HIGH_PERCENTILE * last).ceil() as u64).min(n.saturating_sub(1));
    (lo, hi)
}

/// The index of the bin holding the sample of `rank` and the count of samples in earlier bins.
pub(super) fn locate_rank(counts: &[u64], rank: u64) -> Option<(usize, u64)> {
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
pub(super) fn robust_range(percentiles: (f64, f64), real_min: f64, real_max: f64) -> (f64, f64) {
    let (lo, hi) = percentiles;
    if lo >= hi && real_min < real_max {
        (real_min, real_max)
    } else {
        (lo, hi)
    }
}

// ---------------------------------------------------------------------------------------------
// float / uint: the distribution (radix select, then display binning)

/// Slots of the first distribution pass: the [`KEY_BINS`] key bins of the finite non-sentinel
/// samples, then one slot per class of the other samples.
pub(super) const SLOT_SENTINEL: u32 = KEY_BINS as u32;
pub(super) const SLOT_POS_INF: u32 = SLOT_SENTINEL + 1;
pub(super) const SLOT_NEG_INF: u32 = SLOT_SENTINEL + 2;
pub(super) const SLOT_NAN: u32 = SLOT_SENTINEL + 3;
pub(super) const KEY_SLOTS: usize = KEY_BINS + 4;

/// The slot of each sample of `block`. A separate, non-inlined function of selects only, so
/// that the loop vectorises; the counting is a scatter loop over the block's slots.
#[inline(never)]
pub(super) fn key_slots<T: Native>(block: &[T], out: &mut [u32]) {
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

pub(super) fn add_counts(mut a: Vec<u64>, b: Vec<u64>) -> Vec<u64> {
    for (x, y) in a.iter_mut().zip(&b) {
        *x += y;
    }
    a
}

/// Most samples counted in `u32` copies before they are added to the `u64` totals.
pub(super) const U32_RUN: usize = 1 << 31;

/// Counts the samples per slot (see [`key_slots`]).
pub(super) fn key_counts<T: Native>(values: &[T]) -> Vec<u64> {
    let empty = || vec![0u64; KEY_SLOTS];
    values
        .par_chunks(piece_len(values.len()))
        .fold(empty, |mut totals, chunk| {
            crate::pace::point();
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
pub(super) fn refine<T: Native>(values: &[T], top_lo: u32, top_hi: u32) -> (Vec<u64>, Vec<u64>) {
    let empty = || (vec![0u64; KEY_BINS], vec![0u64; KEY_BINS]);
    values
        .par_chunks(piece_len(values.len()))
        .fold(empty, |(mut low, mut high), chunk| {
            crate::pace::point();
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
pub(super) fn select_range<T: Native>(values: &[T], keys: &[u64], real: u64) -> Option<(f64, f64)> {
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

pub(super) fn wide_distribution<T: Native>(values: &[T]) -> Distribution {
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
