//! Half channels: every statistic derived exactly from the counts of their 65 536 bit patterns.

use half::f16;
use rayon::prelude::*;

use super::{
    Binner, ChannelStats, Counts, DEFAULT_BINS, Distribution, ExactSum, KEY_BINS, Native,
    add_counts, empty_stats, finish, locate_rank, percentile_ranks, piece_len, robust_range,
};

// ---------------------------------------------------------------------------------------------
// half: one counting pass over the bit patterns

/// Samples per bit pattern.
pub(super) fn half_counts(values: &[f16]) -> Vec<u64> {
    let empty = || vec![0u64; KEY_BINS];
    values
        .par_chunks(piece_len(values.len()))
        .fold(empty, |mut counts, chunk| {
            crate::pace::point();
            for v in chunk {
                if let Some(slot) = counts.get_mut(usize::from(v.to_bits())) {
                    *slot += 1;
                }
            }
            counts
        })
        .reduce(empty, add_counts)
}

pub(super) fn half_stats(values: &[f16]) -> ChannelStats {
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
        sum: ExactSum::ZERO,
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
            // x has 11 significant bits and count fewer than 42: the product is exact.
            c.sum.add(x * count as f64);
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

pub(super) fn half_distribution(values: &[f16]) -> Distribution {
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
