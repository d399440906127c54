//! Per-channel statistics and histograms, computed in parallel with rayon.

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
    /// Finite samples ≥ [`SENTINEL_THRESHOLD`].
    pub sentinel: usize,
    /// `Some(value)` when every sample is identical (bitwise-equal, NaN included), as f64.
    pub constant: Option<f64>,
    /// Display range from percentiles of the finite, non-sentinel samples; `None` when there are
    /// none. `lo == hi` only for a constant buffer.
    pub robust_range: Option<(f64, f64)>,
    /// Histogram over `robust_range`.
    pub histogram: Histogram,
}

/// A histogram over `[lo, hi]` with every excluded sample counted separately.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Histogram {
    pub lo: f64,
    pub hi: f64,
    /// Counts of equal-width bins over `[lo, hi]` (the last bin includes `hi`).
    pub bins: Vec<u64>,
    /// Finite, non-sentinel samples below `lo` / above `hi`.
    pub underflow: u64,
    pub overflow: u64,
    pub sentinel: u64,
    pub nan: u64,
    pub pos_inf: u64,
    pub neg_inf: u64,
}

/// Number of histogram bins [`channel_stats`] uses.
pub const DEFAULT_BINS: usize = 256;

/// Computes the statistics of one channel.
pub fn channel_stats(samples: &Samples) -> ChannelStats {
    let _ = samples;
    todo!()
}

/// Histogram of `samples` over a caller-chosen range (the viewer re-bins for manual ranges).
pub fn histogram(samples: &Samples, lo: f64, hi: f64, bins: usize) -> Histogram {
    let _ = (samples, lo, hi, bins);
    todo!()
}
